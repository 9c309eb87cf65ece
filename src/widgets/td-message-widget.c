/* td-message-widget.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "td-message-widget.h"

G_DEFINE_INTERFACE (TdMessageWidget, td_message_widget, GTK_TYPE_WIDGET)

static void
td_message_widget_default_init (TdMessageWidgetInterface *iface)
{
}

void
td_message_widget_set_message (TdMessageWidget *self,
                               TdMessage       *message)
{
  g_return_if_fail (TD_IS_MESSAGE_WIDGET (self));
  g_return_if_fail (TD_IS_MESSAGE (message));

  TD_MESSAGE_WIDGET_GET_IFACE (self)->set_message (self, message);
}

/* td-message-widget.h — what every message-kind widget implements
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-message.h"

G_BEGIN_DECLS

#define TD_TYPE_MESSAGE_WIDGET (td_message_widget_get_type ())
G_DECLARE_INTERFACE (TdMessageWidget, td_message_widget, TD, MESSAGE_WIDGET, GtkWidget)

struct _TdMessageWidgetInterface
{
  GTypeInterface parent_iface;

  /* Shows @message (never NULL); called again when a recycled row gets
   * another message of the same kind, so it must reset everything. */
  void (*set_message) (TdMessageWidget *self,
                       TdMessage       *message);
};

void td_message_widget_set_message (TdMessageWidget *self,
                                    TdMessage       *message);

G_END_DECLS

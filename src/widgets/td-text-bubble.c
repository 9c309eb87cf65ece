/* td-text-bubble.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-text-bubble.h"
#include "td-widget-util.h"

struct _TdTextBubble
{
  GtkWidget parent_instance;

  GtkLabel *label;
};

static void td_text_bubble_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdTextBubble, td_text_bubble, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_text_bubble_message_widget_init))


static void
td_text_bubble_set_message (TdMessageWidget *widget,
                            TdMessage       *message)
{
  TdTextBubble *self = TD_TEXT_BUBBLE (widget);
  JsonObject *body = td_message_get_body (message);

  gtk_label_set_text (self->label, td_body_get_string (body, "text"));
}

static void
td_text_bubble_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_text_bubble_set_message;
}

static void
td_text_bubble_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_TEXT_BUBBLE);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_text_bubble_parent_class)->dispose (object);
}

static void
td_text_bubble_class_init (TdTextBubbleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_text_bubble_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-text-bubble.ui");
  gtk_widget_class_bind_template_child (widget_class, TdTextBubble, label);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_text_bubble_init (TdTextBubble *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_text_bubble_new (void)
{
  return g_object_new (TD_TYPE_TEXT_BUBBLE, NULL);
}

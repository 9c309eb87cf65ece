/* td-quick-reply.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-quick-reply.h"
#include "td-widget-util.h"

struct _TdQuickReply
{
  GtkWidget parent_instance;

  GtkLabel *label;
  GtkFlowBox *options;
};

static void td_quick_reply_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdQuickReply, td_quick_reply, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_quick_reply_message_widget_init))


static void
td_quick_reply_set_message (TdMessageWidget *widget,
                            TdMessage       *message)
{
  TdQuickReply *self = TD_QUICK_REPLY (widget);
  JsonObject *body = td_message_get_body (message);

  JsonNode *node = body ? json_object_get_member (body, "options") : NULL;
  GtkWidget *child;

  gtk_label_set_text (self->label, td_body_get_string (body, "text"));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->options))) != NULL)
    gtk_flow_box_remove (self->options, child);

  if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);
          GtkWidget *chip;

          if (!JSON_NODE_HOLDS_VALUE (element) ||
              json_node_get_value_type (element) != G_TYPE_STRING)
            continue;

          chip = gtk_label_new (json_node_get_string (element));
          gtk_label_set_ellipsize (GTK_LABEL (chip), PANGO_ELLIPSIZE_END);
          gtk_label_set_max_width_chars (GTK_LABEL (chip), 28);
          gtk_widget_add_css_class (chip, "quick-option");
          gtk_flow_box_append (self->options, chip);
        }
    }
}

static void
td_quick_reply_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_quick_reply_set_message;
}

static void
td_quick_reply_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_QUICK_REPLY);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_quick_reply_parent_class)->dispose (object);
}

static void
td_quick_reply_class_init (TdQuickReplyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_quick_reply_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-quick-reply.ui");
  gtk_widget_class_bind_template_child (widget_class, TdQuickReply, label);
  gtk_widget_class_bind_template_child (widget_class, TdQuickReply, options);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_quick_reply_init (TdQuickReply *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_quick_reply_new (void)
{
  return g_object_new (TD_TYPE_QUICK_REPLY, NULL);
}

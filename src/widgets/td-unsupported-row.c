/* td-unsupported-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-unsupported-row.h"
#include "td-widget-util.h"

struct _TdUnsupportedRow
{
  GtkWidget parent_instance;

  GtkLabel *detail;
};

static void td_unsupported_row_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdUnsupportedRow, td_unsupported_row, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_unsupported_row_message_widget_init))


static void
td_unsupported_row_set_message (TdMessageWidget *widget,
                                TdMessage       *message)
{
  TdUnsupportedRow *self = TD_UNSUPPORTED_ROW (widget);
  JsonObject *body = td_message_get_body (message);

  g_autofree char *detail = NULL;

  (void) body;
  /* Translators: %s is the name of a message kind, e.g. “poll” */
  detail = g_strdup_printf (_("This message (“%s”) needs a newer version of Tripdesk."),
                            td_message_get_kind_name (message));
  gtk_label_set_text (self->detail, detail);
}

static void
td_unsupported_row_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_unsupported_row_set_message;
}

static void
td_unsupported_row_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_UNSUPPORTED_ROW);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_unsupported_row_parent_class)->dispose (object);
}

static void
td_unsupported_row_class_init (TdUnsupportedRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_unsupported_row_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-unsupported-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdUnsupportedRow, detail);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_unsupported_row_init (TdUnsupportedRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_unsupported_row_new (void)
{
  return g_object_new (TD_TYPE_UNSUPPORTED_ROW, NULL);
}

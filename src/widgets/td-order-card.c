/* td-order-card.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-order-card.h"
#include "td-widget-util.h"

struct _TdOrderCard
{
  GtkWidget parent_instance;

  GtkLabel *order_no;
  GtkLabel *status;
  GtkLabel *product;
  GtkLabel *travel_date;
  GtkLabel *amount;
};

static void td_order_card_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdOrderCard, td_order_card, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_order_card_message_widget_init))


static void
td_order_card_set_message (TdMessageWidget *widget,
                           TdMessage       *message)
{
  TdOrderCard *self = TD_ORDER_CARD (widget);
  JsonObject *body = td_message_get_body (message);

  g_autofree char *order_no = NULL;
  g_autofree char *date = td_format_date (td_body_get_string (body, "travel_date"));
  g_autofree char *amount = td_format_money (td_body_get_double (body, "amount"),
                                             td_body_get_string (body, "currency"));

  /* Translators: %s is an order number */
  order_no = g_strdup_printf (_("Order %s"), td_body_get_string (body, "order_no"));
  gtk_label_set_text (self->order_no, order_no);
  gtk_label_set_text (self->status, td_body_get_string (body, "status"));
  gtk_label_set_text (self->product, td_body_get_string (body, "product"));
  gtk_label_set_text (self->travel_date, date);
  gtk_label_set_text (self->amount, amount);
}

static void
td_order_card_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_order_card_set_message;
}

static void
td_order_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_ORDER_CARD);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_order_card_parent_class)->dispose (object);
}

static void
td_order_card_class_init (TdOrderCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_order_card_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-order-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TdOrderCard, order_no);
  gtk_widget_class_bind_template_child (widget_class, TdOrderCard, status);
  gtk_widget_class_bind_template_child (widget_class, TdOrderCard, product);
  gtk_widget_class_bind_template_child (widget_class, TdOrderCard, travel_date);
  gtk_widget_class_bind_template_child (widget_class, TdOrderCard, amount);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_order_card_init (TdOrderCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_order_card_new (void)
{
  return g_object_new (TD_TYPE_ORDER_CARD, NULL);
}

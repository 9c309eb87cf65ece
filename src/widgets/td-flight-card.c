/* td-flight-card.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-flight-card.h"
#include "td-widget-util.h"

struct _TdFlightCard
{
  GtkWidget parent_instance;

  GtkLabel *flight_no;
  GtkLabel *day;
  GtkLabel *from;
  GtkLabel *to;
  GtkLabel *depart;
  GtkLabel *arrive;
  GtkLabel *price;
};

static void td_flight_card_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdFlightCard, td_flight_card, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_flight_card_message_widget_init))


static void
td_flight_card_set_message (TdMessageWidget *widget,
                            TdMessage       *message)
{
  TdFlightCard *self = TD_FLIGHT_CARD (widget);
  JsonObject *body = td_message_get_body (message);

  const char *depart = td_body_get_string (body, "depart");
  g_autofree char *depart_time = td_format_datetime_time (depart);
  g_autofree char *arrive_time = td_format_datetime_time (td_body_get_string (body, "arrive"));
  g_autofree char *day = td_format_datetime_day (depart);
  g_autofree char *price = td_format_money (td_body_get_double (body, "price"),
                                            td_body_get_string (body, "currency"));

  gtk_label_set_text (self->flight_no, td_body_get_string (body, "flight_no"));
  gtk_label_set_text (self->day, day);
  gtk_label_set_text (self->from, td_body_get_string (body, "from"));
  gtk_label_set_text (self->to, td_body_get_string (body, "to"));
  gtk_label_set_text (self->depart, depart_time);
  gtk_label_set_text (self->arrive, arrive_time);
  gtk_label_set_text (self->price, price);
}

static void
td_flight_card_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_flight_card_set_message;
}

static void
td_flight_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_FLIGHT_CARD);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_flight_card_parent_class)->dispose (object);
}

static void
td_flight_card_class_init (TdFlightCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_flight_card_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-flight-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, flight_no);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, day);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, from);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, to);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, depart);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, arrive);
  gtk_widget_class_bind_template_child (widget_class, TdFlightCard, price);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_flight_card_init (TdFlightCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_flight_card_new (void)
{
  return g_object_new (TD_TYPE_FLIGHT_CARD, NULL);
}

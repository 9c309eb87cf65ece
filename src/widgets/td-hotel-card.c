/* td-hotel-card.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-hotel-card.h"
#include "td-widget-util.h"

struct _TdHotelCard
{
  GtkWidget parent_instance;

  GtkLabel *name;
  GtkLabel *city;
  GtkLabel *checkin;
  GtkLabel *checkout;
  GtkLabel *nights;
  GtkLabel *room;
  GtkLabel *price;
};

static void td_hotel_card_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdHotelCard, td_hotel_card, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_hotel_card_message_widget_init))


static void
td_hotel_card_set_message (TdMessageWidget *widget,
                           TdMessage       *message)
{
  TdHotelCard *self = TD_HOTEL_CARD (widget);
  JsonObject *body = td_message_get_body (message);

  const char *in = td_body_get_string (body, "checkin");
  const char *out = td_body_get_string (body, "checkout");
  g_autofree char *checkin = td_format_date (in);
  g_autofree char *checkout = td_format_date (out);
  g_autofree char *price = td_format_money (td_body_get_double (body, "price"),
                                            td_body_get_string (body, "currency"));
  g_autofree char *nights = NULL;
  int n = td_nights_between (in, out);

  nights = g_strdup_printf (ngettext ("%d night", "%d nights", n), n);
  gtk_label_set_text (self->name, td_body_get_string (body, "name"));
  gtk_label_set_text (self->city, td_body_get_string (body, "city"));
  gtk_label_set_text (self->checkin, checkin);
  gtk_label_set_text (self->checkout, checkout);
  gtk_label_set_text (self->nights, nights);
  gtk_widget_set_visible (GTK_WIDGET (self->nights), n > 0);
  gtk_label_set_text (self->room, td_body_get_string (body, "room"));
  gtk_label_set_text (self->price, price);
}

static void
td_hotel_card_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_hotel_card_set_message;
}

static void
td_hotel_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_HOTEL_CARD);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_hotel_card_parent_class)->dispose (object);
}

static void
td_hotel_card_class_init (TdHotelCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_hotel_card_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-hotel-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, name);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, city);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, checkin);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, checkout);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, nights);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, room);
  gtk_widget_class_bind_template_child (widget_class, TdHotelCard, price);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_hotel_card_init (TdHotelCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_hotel_card_new (void)
{
  return g_object_new (TD_TYPE_HOTEL_CARD, NULL);
}

/* td-rating-card.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-rating-card.h"
#include "td-widget-util.h"

struct _TdRatingCard
{
  GtkWidget parent_instance;

  GtkBox *stars;
  GtkLabel *score;
  GtkLabel *comment;
};

static void td_rating_card_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdRatingCard, td_rating_card, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_rating_card_message_widget_init))


static void
td_rating_card_set_message (TdMessageWidget *widget,
                            TdMessage       *message)
{
  TdRatingCard *self = TD_RATING_CARD (widget);
  JsonObject *body = td_message_get_body (message);

  gint64 score = CLAMP (td_body_get_int (body, "score"), 0, 5);
  const char *comment = td_body_get_string (body, "comment");
  g_autofree char *score_text = NULL;
  GtkWidget *star;
  int i = 0;

  for (star = gtk_widget_get_first_child (GTK_WIDGET (self->stars));
       star != NULL;
       star = gtk_widget_get_next_sibling (star), i++)
    {
      gtk_image_set_from_icon_name (GTK_IMAGE (star),
                                    i < score ? "starred-symbolic" : "non-starred-symbolic");
      td_widget_set_css_class (star, "filled", i < score);
    }

  /* Translators: a rating, e.g. “4 / 5” */
  score_text = g_strdup_printf (_("%d / 5"), (int) score);
  gtk_label_set_text (self->score, score_text);
  gtk_label_set_text (self->comment, comment);
  gtk_widget_set_visible (GTK_WIDGET (self->comment), comment[0] != '\0');
}

static void
td_rating_card_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_rating_card_set_message;
}

static void
td_rating_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_RATING_CARD);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_rating_card_parent_class)->dispose (object);
}

static void
td_rating_card_class_init (TdRatingCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_rating_card_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-rating-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TdRatingCard, stars);
  gtk_widget_class_bind_template_child (widget_class, TdRatingCard, score);
  gtk_widget_class_bind_template_child (widget_class, TdRatingCard, comment);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_rating_card_init (TdRatingCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_rating_card_new (void)
{
  return g_object_new (TD_TYPE_RATING_CARD, NULL);
}

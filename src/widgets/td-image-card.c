/* td-image-card.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-image-card.h"
#include "td-widget-util.h"

struct _TdImageCard
{
  GtkWidget parent_instance;

  GtkButton *button;
  GtkPicture *picture;
  GtkImage *placeholder;
  GtkLabel *caption;
  char *url;
};

static void td_image_card_message_widget_init (TdMessageWidgetInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdImageCard, td_image_card, GTK_TYPE_WIDGET,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_MESSAGE_WIDGET,
                                                      td_image_card_message_widget_init))

#define MAX_SIDE 240

static GdkTexture *
texture_from_data_uri (const char *uri)
{
  const char *comma;
  g_autofree guchar *data = NULL;
  gsize len = 0;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  GdkTexture *texture;

  if (uri == NULL || !g_str_has_prefix (uri, "data:") ||
      (comma = strchr (uri, ',')) == NULL ||
      g_strstr_len (uri, comma - uri, ";base64") == NULL)
    return NULL;

  data = g_base64_decode (comma + 1, &len);
  if (data == NULL || len == 0)
    return NULL;

  bytes = g_bytes_new_take (g_steal_pointer (&data), len);
  texture = gdk_texture_new_from_bytes (bytes, &error);
  if (texture == NULL)
    g_debug ("Cannot decode an image thumbnail: %s", error->message);

  return texture;
}

static void
on_button_clicked_cb (TdImageCard *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->url == NULL || self->url[0] == '\0')
    return;

  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, self->url, GDK_CURRENT_TIME);
}

static void
td_image_card_finalize (GObject *object)
{
  TdImageCard *self = TD_IMAGE_CARD (object);

  g_free (self->url);

  G_OBJECT_CLASS (td_image_card_parent_class)->finalize (object);
}
static void
td_image_card_set_message (TdMessageWidget *widget,
                           TdMessage       *message)
{
  TdImageCard *self = TD_IMAGE_CARD (widget);
  JsonObject *body = td_message_get_body (message);

  gint64 width = td_body_get_int (body, "width");
  gint64 height = td_body_get_int (body, "height");
  g_autoptr(GdkTexture) texture = texture_from_data_uri (td_body_get_string (body, "thumb"));
  g_autofree char *caption = NULL;
  int w = MAX_SIDE, h = MAX_SIDE * 3 / 4;

  if (width > 0 && height > 0)
    {
      double scale = MIN (1.0, MIN ((double) MAX_SIDE / width, (double) MAX_SIDE / height));

      w = MAX (48, (int) (width * scale));
      h = MAX (48, (int) (height * scale));
    }

  g_free (self->url);
  self->url = g_strdup (td_body_get_string (body, "url"));

  gtk_picture_set_paintable (self->picture, GDK_PAINTABLE (texture));
  gtk_widget_set_size_request (GTK_WIDGET (self->picture), w, h);
  gtk_widget_set_size_request (GTK_WIDGET (self->placeholder), w, h);
  gtk_widget_set_visible (GTK_WIDGET (self->picture), texture != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), texture == NULL);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->button), self->url);

  /* Translators: an image's size in pixels */
  caption = g_strdup_printf (_("Image · %d × %d"), (int) width, (int) height);
  gtk_label_set_text (self->caption, caption);
}

static void
td_image_card_message_widget_init (TdMessageWidgetInterface *iface)
{
  iface->set_message = td_image_card_set_message;
}

static void
td_image_card_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_IMAGE_CARD);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_image_card_parent_class)->dispose (object);
}

static void
td_image_card_class_init (TdImageCardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_image_card_dispose;
  object_class->finalize = td_image_card_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-image-card.ui");
  gtk_widget_class_bind_template_child (widget_class, TdImageCard, button);
  gtk_widget_class_bind_template_child (widget_class, TdImageCard, picture);
  gtk_widget_class_bind_template_child (widget_class, TdImageCard, placeholder);
  gtk_widget_class_bind_template_child (widget_class, TdImageCard, caption);
  gtk_widget_class_bind_template_callback (widget_class, on_button_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, TD_TYPE_BUBBLE_LAYOUT);
}

static void
td_image_card_init (TdImageCard *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_image_card_new (void)
{
  return g_object_new (TD_TYPE_IMAGE_CARD, NULL);
}

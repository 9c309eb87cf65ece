/* td-message-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "td-kind-registry.h"
#include "td-message-row.h"
#include "td-message-widget.h"
#include "td-widget-util.h"

struct _TdMessageRow
{
  GtkWidget   parent_instance;

  GtkBox     *box;
  TdAvatar   *avatar;      /* first in box */
  GtkBox     *column;
  GtkBox     *header;
  GtkLabel   *sender;
  GtkLabel   *time;
  GtkBox     *slot;
  GtkBox     *footer;
  GtkImage   *delivery_icon;
  GtkLabel   *delivery_label;
  GtkButton  *retry_button;
  GtkButton  *discard_button;

  GtkWidget  *content;     /* the kind widget, inside slot */
  TdMessage  *message;
  gint64      now_ms;
  gboolean    read;
};

enum {
  RETRY,
  DISCARD,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TdMessageRow, td_message_row, GTK_TYPE_WIDGET)

static void
update_footer (TdMessageRow *self)
{
  TdDelivery delivery = self->message ? td_message_get_delivery (self->message) : TD_DELIVERY_STORED;
  gboolean own = self->message && td_message_get_sender_role (self->message) == TD_ROLE_OPERATOR;
  gboolean show_read = own && self->read && delivery == TD_DELIVERY_STORED &&
                       td_message_get_kind (self->message) != TD_KIND_NOTE &&
                       td_message_get_kind (self->message) != TD_KIND_SYSTEM;

  td_widget_set_css_class (GTK_WIDGET (self), "pending", delivery == TD_DELIVERY_PENDING);
  td_widget_set_css_class (GTK_WIDGET (self), "failed", delivery == TD_DELIVERY_FAILED);
  gtk_widget_remove_css_class (GTK_WIDGET (self->delivery_icon), "read-mark");

  switch (delivery)
    {
    case TD_DELIVERY_PENDING:
      gtk_image_set_from_icon_name (self->delivery_icon, "document-open-recent-symbolic");
      gtk_label_set_text (self->delivery_label, _("Sending…"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->delivery_icon), _("Waiting for the server"));
      break;

    case TD_DELIVERY_FAILED:
      gtk_image_set_from_icon_name (self->delivery_icon, "dialog-error-symbolic");
      gtk_label_set_text (self->delivery_label,
                          td_message_get_error (self->message) ?
                          td_message_get_error (self->message) : _("Not sent"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->delivery_icon), _("Not sent"));
      break;

    case TD_DELIVERY_STORED:
    default:
      gtk_image_set_from_icon_name (self->delivery_icon, "object-select-symbolic");
      gtk_widget_add_css_class (GTK_WIDGET (self->delivery_icon), "read-mark");
      gtk_label_set_text (self->delivery_label, _("Read"));
      gtk_widget_set_tooltip_text (GTK_WIDGET (self->delivery_icon), _("Read by the customer"));
      break;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->footer),
                          delivery != TD_DELIVERY_STORED || show_read);
  /* a stored message says only "Read" (once the customer read it) */
  gtk_widget_set_visible (GTK_WIDGET (self->delivery_label), delivery != TD_DELIVERY_STORED || show_read);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), delivery == TD_DELIVERY_FAILED);
  gtk_widget_set_visible (GTK_WIDGET (self->discard_button), delivery == TD_DELIVERY_FAILED);
}

static void
update (TdMessageRow *self)
{
  TdMessage *message = self->message;
  TdKind kind = td_message_get_kind (message);
  gboolean own = td_message_get_sender_role (message) == TD_ROLE_OPERATOR;
  gboolean system = kind == TD_KIND_SYSTEM;
  const char *name = td_message_get_sender_name (message);
  g_autofree char *time = NULL;
  GtkAlign align = system ? GTK_ALIGN_CENTER : own ? GTK_ALIGN_END : GTK_ALIGN_START;

  td_widget_set_css_class (GTK_WIDGET (self), "outgoing", own && !system);
  td_widget_set_css_class (GTK_WIDGET (self), "incoming", !own && !system);
  td_widget_set_css_class (GTK_WIDGET (self), "note", kind == TD_KIND_NOTE);

  gtk_widget_set_halign (GTK_WIDGET (self->box), align);
  gtk_widget_set_halign (GTK_WIDGET (self->header), own ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_halign (GTK_WIDGET (self->footer), own ? GTK_ALIGN_END : GTK_ALIGN_START);
  gtk_widget_set_halign (GTK_WIDGET (self->slot), align);

  gtk_widget_set_visible (GTK_WIDGET (self->avatar), !own && !system);
  gtk_widget_set_visible (GTK_WIDGET (self->header), !system);
  td_avatar_set_text (self->avatar, name);

  gtk_label_set_text (self->sender, name && name[0] ? name : td_message_get_sender_id (message));
  time = td_format_message_time (td_message_get_ts (message),
                                 self->now_ms ? self->now_ms : td_now_ms ());
  gtk_label_set_text (self->time, time);

  update_footer (self);
}

void
td_message_row_set_message (TdMessageRow *self,
                            TdMessage    *message)
{
  GType type;

  g_return_if_fail (TD_IS_MESSAGE_ROW (self));
  g_return_if_fail (message == NULL || TD_IS_MESSAGE (message));

  g_set_object (&self->message, message);
  if (message == NULL)
    return;

  type = td_kind_registry_lookup (td_message_get_kind_name (message));
  if (self->content != NULL && G_OBJECT_TYPE (self->content) == type)
    {
      td_message_widget_set_message (TD_MESSAGE_WIDGET (self->content), message);
    }
  else
    {
      if (self->content != NULL)
        gtk_box_remove (self->slot, self->content);
      self->content = td_kind_registry_create (message);
      gtk_box_append (self->slot, self->content);
    }

  update (self);
}

TdMessage *
td_message_row_get_message (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), NULL);

  return self->message;
}

GtkWidget *
td_message_row_get_content (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), NULL);

  return self->content;
}

void
td_message_row_set_read (TdMessageRow *self,
                         gboolean      read)
{
  g_return_if_fail (TD_IS_MESSAGE_ROW (self));

  read = !!read;
  if (self->read == read)
    return;

  self->read = read;
  if (self->message)
    update_footer (self);
}

gboolean
td_message_row_get_read (TdMessageRow *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_ROW (self), FALSE);

  return self->read;
}

void
td_message_row_set_now (TdMessageRow *self,
                        gint64        now_ms)
{
  g_return_if_fail (TD_IS_MESSAGE_ROW (self));

  self->now_ms = now_ms;
}

static void
on_retry_clicked_cb (TdMessageRow *self)
{
  if (self->message)
    g_signal_emit (self, signals[RETRY], 0, self->message);
}

static void
on_discard_clicked_cb (TdMessageRow *self)
{
  if (self->message)
    g_signal_emit (self, signals[DISCARD], 0, self->message);
}

static void
td_message_row_dispose (GObject *object)
{
  TdMessageRow *self = TD_MESSAGE_ROW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_MESSAGE_ROW);
  td_widget_unparent_children (GTK_WIDGET (self));
  self->content = NULL;
  g_clear_object (&self->message);

  G_OBJECT_CLASS (td_message_row_parent_class)->dispose (object);
}

static void
td_message_row_class_init (TdMessageRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_message_row_dispose;

  signals[RETRY] = g_signal_new ("retry", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_MESSAGE);
  signals[DISCARD] = g_signal_new ("discard", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_MESSAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-message-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, box);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, column);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, header);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, sender);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, time);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, slot);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, footer);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, delivery_icon);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, delivery_label);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, retry_button);
  gtk_widget_class_bind_template_child (widget_class, TdMessageRow, discard_button);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_discard_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "messagerow");
}

#define AVATAR_SIZE 32

static void
td_message_row_init (TdMessageRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  /* TdAvatar, as in the line rows: AdwAvatar's gradient under a round
   * edge costs GSK's cairo renderer a window-sized buffer per avatar on
   * screen, every frame.  Its colour is AdwAvatar's for the same name; it
   * is presentation (the sender's name is the label beside it). */
  self->avatar = TD_AVATAR (td_avatar_new (AVATAR_SIZE));
  gtk_widget_set_valign (GTK_WIDGET (self->avatar), GTK_ALIGN_START);
  gtk_widget_set_margin_top (GTK_WIDGET (self->avatar), 2);
  gtk_box_prepend (self->box, GTK_WIDGET (self->avatar));
}

GtkWidget *
td_message_row_new (void)
{
  return g_object_new (TD_TYPE_MESSAGE_ROW, NULL);
}

/* td-line-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "td-line-row.h"
#include "td-sla-badge.h"
#include "td-widget-util.h"

#define REFRESH_S 20
#define WAITING_CRITICAL_MS (15 * 60 * 1000)

struct _TdLineRow
{
  GtkWidget  parent_instance;

  AdwAvatar *avatar;
  GtkLabel  *customer;
  GtkLabel  *time;
  GtkLabel  *busi;
  GtkLabel  *preview;
  GtkLabel  *unread;
  GtkLabel  *subtitle;
  GtkLabel  *waiting;
  TdSlaBadge *sla_badge;

  TdLine    *line;
  char      *merchant_name;
  gulong     notify_id;
  guint      timer_id;
};

G_DEFINE_FINAL_TYPE (TdLineRow, td_line_row, GTK_TYPE_WIDGET)

const char *
td_line_strip_merchant (const char *title,
                        const char *merchant_name)
{
  gsize len;

  if (title == NULL || merchant_name == NULL || merchant_name[0] == '\0')
    return title;
  if (strcmp (title, merchant_name) == 0)
    return NULL;

  len = strlen (merchant_name);
  if (strncmp (title, merchant_name, len) == 0 && g_str_has_prefix (title + len, " · "))
    return title + len + strlen (" · ");

  return title;
}

char *
td_line_dup_display_title (const char *title,
                           const char *merchant_name)
{
  const char *rest = td_line_strip_merchant (title, merchant_name);

  if (rest == NULL || rest[0] == '\0')
    return NULL;
  if (g_str_has_prefix (rest, "order/") && rest[6] != '\0')
    /* Translators: %s is an order number */
    return g_strdup_printf (_("Order %s"), rest + 6);

  return g_strdup (rest);
}

const char *
td_busi_get_label (TdBusi busi)
{
  switch (busi)
    {
    case TD_BUSI_INQUIRY:
      return C_("busi", "Inquiry");
    case TD_BUSI_FEEDBACK:
      return C_("busi", "Feedback");
    case TD_BUSI_NOTICE:
      return C_("busi", "Notice");
    case TD_BUSI_CHAT:
      return C_("busi", "Chat");
    default:
      return "";
    }
}

void
td_line_row_refresh (TdLineRow *self,
                     gint64     now_ms)
{
  TdLine *line = self->line;
  g_autofree char *time = NULL;
  g_autofree char *unread = NULL;
  const char *name;
  const char *preview;
  g_autofree char *title = NULL;
  gint64 waiting_since;
  int n_unread;

  g_return_if_fail (TD_IS_LINE_ROW (self));

  if (line == NULL)
    return;
  if (now_ms == 0)
    now_ms = td_now_ms ();

  name = td_line_get_customer_name (line);
  if (name == NULL || name[0] == '\0')
    name = td_line_get_uid (line);
  gtk_label_set_text (self->customer, name);
  adw_avatar_set_text (self->avatar, name);

  time = td_format_relative (td_line_get_updated (line), now_ms);
  gtk_label_set_text (self->time, time);

  gtk_label_set_text (self->busi, td_busi_get_label (td_line_get_busi (line)));
  for (TdBusi b = TD_BUSI_INQUIRY; b <= TD_BUSI_CHAT; b++)
    td_widget_set_css_class (GTK_WIDGET (self->busi), td_busi_to_string (b),
                             b == td_line_get_busi (line));

  preview = td_line_get_preview (line);
  if (preview && preview[0] && td_line_get_last_sender_role (line) == TD_ROLE_OPERATOR)
    {
      /* Translators: the preview of a line whose last message is ours */
      g_autofree char *own = g_strdup_printf (_("You: %s"), preview);
      gtk_label_set_text (self->preview, own);
    }
  else
    gtk_label_set_text (self->preview, preview ? preview : "");

  n_unread = td_line_get_unread (line);
  unread = n_unread > 99 ? g_strdup ("99+") : g_strdup_printf ("%d", n_unread);
  gtk_label_set_text (self->unread, unread);
  gtk_widget_set_visible (GTK_WIDGET (self->unread), n_unread > 0);
  td_widget_set_css_class (GTK_WIDGET (self->customer), "heading", n_unread > 0);

  title = td_line_dup_display_title (td_line_get_title (line), self->merchant_name);
  if (self->merchant_name && title && title[0])
    {
      g_autofree char *subtitle = g_strdup_printf ("%s · %s", self->merchant_name, title);
      gtk_label_set_text (self->subtitle, subtitle);
    }
  else
    gtk_label_set_text (self->subtitle,
                        title && title[0] ? title :
                        self->merchant_name ? self->merchant_name : "");

  waiting_since = td_line_get_waiting_since (line);
  if (waiting_since > 0 && td_line_get_state (line) == TD_LINE_STATE_OPEN)
    {
      g_autofree char *duration = td_format_duration (now_ms - waiting_since);
      /* Translators: how long the customer has been waiting for an answer */
      g_autofree char *waiting = g_strdup_printf (_("Waiting %s"), duration);

      gtk_label_set_text (self->waiting, waiting);
      gtk_widget_set_visible (GTK_WIDGET (self->waiting), TRUE);
      td_widget_set_css_class (GTK_WIDGET (self->waiting), "critical",
                               now_ms - waiting_since >= WAITING_CRITICAL_MS);
    }
  else
    gtk_widget_set_visible (GTK_WIDGET (self->waiting), FALSE);
}

static void
on_line_notify_cb (TdLineRow  *self,
                   GParamSpec *pspec,
                   TdLine     *line)
{
  td_line_row_refresh (self, 0);
}

static gboolean
on_timer_cb (gpointer data)
{
  td_line_row_refresh (TD_LINE_ROW (data), 0);

  return G_SOURCE_CONTINUE;
}

void
td_line_row_set_line (TdLineRow *self,
                      TdLine    *line)
{
  g_return_if_fail (TD_IS_LINE_ROW (self));
  g_return_if_fail (line == NULL || TD_IS_LINE (line));

  if (self->line == line)
    {
      td_line_row_refresh (self, 0);
      return;
    }

  if (self->line != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->line);
      g_clear_object (&self->line);
    }
  g_clear_handle_id (&self->timer_id, g_source_remove);
  td_sla_badge_set_line (self->sla_badge, line);

  if (line == NULL)
    return;

  self->line = g_object_ref (line);
  self->notify_id = g_signal_connect_object (line, "notify",
                                             G_CALLBACK (on_line_notify_cb), self,
                                             G_CONNECT_SWAPPED);
  self->timer_id = g_timeout_add_seconds (REFRESH_S, on_timer_cb, self);
  td_line_row_refresh (self, 0);
}

TdLine *
td_line_row_get_line (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), NULL);

  return self->line;
}

void
td_line_row_set_merchant_name (TdLineRow  *self,
                               const char *name)
{
  g_return_if_fail (TD_IS_LINE_ROW (self));

  if (g_strcmp0 (self->merchant_name, name) == 0)
    return;

  g_free (self->merchant_name);
  self->merchant_name = g_strdup (name);
  td_line_row_refresh (self, 0);
}

static void
td_line_row_dispose (GObject *object)
{
  TdLineRow *self = TD_LINE_ROW (object);

  td_line_row_set_line (self, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_LINE_ROW);
  td_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (td_line_row_parent_class)->dispose (object);
}

static void
td_line_row_finalize (GObject *object)
{
  TdLineRow *self = TD_LINE_ROW (object);

  g_free (self->merchant_name);

  G_OBJECT_CLASS (td_line_row_parent_class)->finalize (object);
}

static void
td_line_row_class_init (TdLineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_line_row_dispose;
  object_class->finalize = td_line_row_finalize;

  g_type_ensure (ADW_TYPE_AVATAR);
  g_type_ensure (TD_TYPE_SLA_BADGE);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-line-row.ui");
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, avatar);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, customer);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, time);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, busi);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, preview);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, unread);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, subtitle);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, waiting);
  gtk_widget_class_bind_template_child (widget_class, TdLineRow, sla_badge);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
td_line_row_init (TdLineRow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_line_row_new (void)
{
  return g_object_new (TD_TYPE_LINE_ROW, NULL);
}

TdSlaBadge *
td_line_row_get_sla_badge (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), NULL);

  return self->sla_badge;
}

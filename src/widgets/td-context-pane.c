/* td-context-pane.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "td-context-pane.h"
#include "td-line-row.h"
#include "td-widget-util.h"

#define PAGE 500
#define MAX_OTHER_LINES 30

struct _TdContextPane
{
  GtkWidget     parent_instance;

  AdwAvatar    *avatar;
  GtkLabel     *name;
  GtkLabel     *uid;
  GtkListBox   *mentions;
  GtkListBox   *other_lines;
  GtkListBox   *ratings;
  GtkLabel     *mentions_empty;
  GtkLabel     *other_empty;
  GtkLabel     *ratings_empty;

  TdStore      *store;
  TdLine       *line;
  GCancellable *cancellable;
  GPtrArray    *to_load;      /* char* line ids still to read for ratings */
  GHashTable   *customer_lines; /* line id set of the customer */
  guint         n_mentions;
  guint         n_other;
  guint         n_ratings;
  guint         refresh_id;
  gboolean      busy;
};

G_DEFINE_FINAL_TYPE (TdContextPane, td_context_pane, GTK_TYPE_WIDGET)

enum {
  OPEN_LINE,
  UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

char *
td_context_describe_card (TdMessage *message)
{
  JsonObject *body;

  g_return_val_if_fail (TD_IS_MESSAGE (message), NULL);

  body = td_message_get_body (message);
  switch (td_message_get_kind (message))
    {
    case TD_KIND_ORDER:
      {
        g_autofree char *money = td_format_money (td_body_get_double (body, "amount"),
                                                  td_body_get_string (body, "currency"));
        /* Translators: order number · product · status · amount */
        return g_strdup_printf (_("Order %s · %s · %s · %s"),
                                td_body_get_string (body, "order_no"),
                                td_body_get_string (body, "product"),
                                td_body_get_string (body, "status"), money);
      }
    case TD_KIND_HOTEL:
      /* Translators: hotel, city, check-in → check-out */
      return g_strdup_printf (_("%s, %s · %s → %s"),
                              td_body_get_string (body, "name"),
                              td_body_get_string (body, "city"),
                              td_body_get_string (body, "checkin"),
                              td_body_get_string (body, "checkout"));
    case TD_KIND_FLIGHT:
      {
        g_autofree char *day = td_format_datetime_day (td_body_get_string (body, "depart"));
        g_autofree char *time = td_format_datetime_time (td_body_get_string (body, "depart"));

        /* Translators: flight number, from → to, day and time of departure */
        return g_strdup_printf (_("Flight %s · %s → %s · %s %s"),
                                td_body_get_string (body, "flight_no"),
                                td_body_get_string (body, "from"),
                                td_body_get_string (body, "to"), day, time);
      }
    default:
      return NULL;
    }
}

static const char *
card_icon (TdKind kind)
{
  switch (kind)
    {
    case TD_KIND_ORDER:  return "x-office-document-symbolic";
    case TD_KIND_HOTEL:  return "user-home-symbolic";
    case TD_KIND_FLIGHT: return "mail-send-symbolic";
    default:             return "dialog-information-symbolic";
    }
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

static GtkWidget *
make_row (const char *icon,
          const char *title,
          const char *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_title_lines (ADW_ACTION_ROW (row), 3);
  if (icon)
    adw_action_row_add_prefix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name (icon));

  return row;
}

static void
update_empty (TdContextPane *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->mentions_empty), self->n_mentions == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->mentions), self->n_mentions > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->other_empty), self->n_other == 0);
  gtk_widget_set_visible (GTK_WIDGET (self->other_lines), self->n_other > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->ratings_empty), self->n_ratings == 0 && !self->busy);
  gtk_widget_set_visible (GTK_WIDGET (self->ratings), self->n_ratings > 0);
}

static void
add_rating (TdContextPane *self,
            TdMessage     *message)
{
  JsonObject *body = td_message_get_body (message);
  gint64 score = CLAMP (td_body_get_int (body, "score"), 0, 5);
  const char *comment = td_body_get_string (body, "comment");
  g_autofree char *when = td_format_relative (td_message_get_ts (message), td_now_ms ());
  GString *stars = g_string_new (NULL);
  g_autofree char *subtitle = comment && comment[0] ?
    g_strdup_printf ("%s · %s", when, comment) : g_strdup (when);

  for (int i = 0; i < 5; i++)
    g_string_append (stars, i < score ? "★" : "☆");
  gtk_list_box_append (self->ratings, make_row (NULL, stars->str, subtitle));
  g_string_free (stars, TRUE);
  self->n_ratings++;
}

static void load_next (TdContextPane *self);

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  TdContextPane *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = td_store_load_messages_finish (TD_STORE (source), result, NULL, &error);
  g_autofree char *line_id = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }

  line_id = g_ptr_array_steal_index (self->to_load, 0);
  if (messages)
    {
      gboolean this_line = self->line && g_strcmp0 (line_id, td_line_get_id (self->line)) == 0;
      g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

      /* newest first */
      for (guint i = messages->len; i > 0; i--)
        {
          TdMessage *message = g_ptr_array_index (messages, i - 1);

          if (td_message_get_kind (message) == TD_KIND_RATING)
            add_rating (self, message);
          else if (this_line)
            {
              char *text = td_context_describe_card (message);

              if (text == NULL)
                continue;
              if (!g_hash_table_add (seen, text))
                continue;   /* the same card twice: once */
              gtk_list_box_append (self->mentions,
                                   make_row (card_icon (td_message_get_kind (message)), text, NULL));
              self->n_mentions++;
            }
        }
    }
  else
    g_debug ("context: %s", error ? error->message : "?");

  load_next (self);
  g_object_unref (self);
}

static void
load_next (TdContextPane *self)
{
  if (self->to_load->len == 0)
    {
      self->busy = FALSE;
      update_empty (self);
      g_signal_emit (self, signals[UPDATED], 0);
      return;
    }

  td_store_load_messages_async (self->store, g_ptr_array_index (self->to_load, 0), NULL, PAGE,
                                self->cancellable, on_loaded_cb, g_object_ref (self));
}

static void
on_other_activated_cb (TdContextPane *self,
                       GtkListBoxRow *row,
                       GtkListBox    *list)
{
  const char *line_id = g_object_get_data (G_OBJECT (row), "line-id");

  if (line_id)
    g_signal_emit (self, signals[OPEN_LINE], 0, line_id);
}

static void
refresh (TdContextPane *self)
{
  TdLine *line = self->line;
  const char *name;
  guint n;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_ptr_array_set_size (self->to_load, 0);
  g_hash_table_remove_all (self->customer_lines);
  clear_list (self->mentions);
  clear_list (self->other_lines);
  clear_list (self->ratings);
  self->n_mentions = self->n_other = self->n_ratings = 0;

  if (line == NULL || self->store == NULL)
    {
      gtk_label_set_text (self->name, "");
      gtk_label_set_text (self->uid, "");
      self->busy = FALSE;
      update_empty (self);
      return;
    }

  name = td_line_get_customer_name (line);
  gtk_label_set_text (self->name, name && name[0] ? name : td_line_get_uid (line));
  gtk_label_set_text (self->uid, td_line_get_uid (line));
  adw_avatar_set_text (self->avatar, name && name[0] ? name : td_line_get_uid (line));

  self->cancellable = g_cancellable_new ();
  g_ptr_array_add (self->to_load, g_strdup (td_line_get_id (line)));
  g_hash_table_add (self->customer_lines, g_strdup (td_line_get_id (line)));

  n = td_store_get_n_lines (self->store);
  for (guint i = n; i > 0; i--)
    {
      TdLine *other = td_store_get_line_at (self->store, i - 1);
      g_autofree char *title = NULL;
      g_autofree char *subtitle = NULL;
      const char *state;
      GtkWidget *row;

      if (other == line || g_strcmp0 (td_line_get_uid (other), td_line_get_uid (line)) != 0 ||
          td_line_get_busi (other) == TD_BUSI_CHAT)
        continue;
      if (self->n_other >= MAX_OTHER_LINES)
        break;

      g_hash_table_add (self->customer_lines, g_strdup (td_line_get_id (other)));
      g_ptr_array_add (self->to_load, g_strdup (td_line_get_id (other)));
      title = td_line_dup_display_title (td_line_get_title (other), NULL);
      switch (td_line_get_state (other))
        {
        case TD_LINE_STATE_PENDING:  state = C_("line state", "Pending"); break;
        case TD_LINE_STATE_SNOOZED:  state = C_("line state", "Snoozed"); break;
        case TD_LINE_STATE_RESOLVED: state = C_("line state", "Resolved"); break;
        case TD_LINE_STATE_OPEN:
        default:                     state = C_("line state", "Open"); break;
        }
      subtitle = g_strdup_printf ("%s · %s · %s", td_busi_get_label (td_line_get_busi (other)), state,
                                  td_line_get_preview (other) ? td_line_get_preview (other) : "");
      row = make_row ("mail-unread-symbolic", title ? title : td_busi_get_label (td_line_get_busi (other)),
                      subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      g_object_set_data_full (G_OBJECT (row), "line-id", g_strdup (td_line_get_id (other)), g_free);
      gtk_list_box_append (self->other_lines, row);
      self->n_other++;
    }

  self->busy = TRUE;
  update_empty (self);
  load_next (self);
}

static gboolean
refresh_idle_cb (gpointer data)
{
  TdContextPane *self = data;

  self->refresh_id = 0;
  refresh (self);

  return G_SOURCE_REMOVE;
}

static void
on_committed_cb (TdContextPane  *self,
                 TdStoreChanges *changes,
                 TdStore        *store)
{
  gboolean relevant = FALSE;

  if (self->line == NULL || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  for (guint i = 0; changes->messages_added && i < changes->messages_added->len && !relevant; i++)
    {
      TdMessage *m = g_ptr_array_index (changes->messages_added, i);
      TdKind kind = td_message_get_kind (m);

      relevant = (kind == TD_KIND_ORDER || kind == TD_KIND_HOTEL || kind == TD_KIND_FLIGHT ||
                  kind == TD_KIND_RATING) &&
                 g_hash_table_contains (self->customer_lines, td_message_get_line_id (m));
    }
  for (guint i = 0; changes->lines_added && i < changes->lines_added->len && !relevant; i++)
    relevant = g_strcmp0 (td_line_get_uid (g_ptr_array_index (changes->lines_added, i)),
                          td_line_get_uid (self->line)) == 0;

  if (relevant && self->refresh_id == 0)
    self->refresh_id = g_timeout_add (300, refresh_idle_cb, self);
}

void
td_context_pane_set_store (TdContextPane *self,
                           TdStore       *store)
{
  g_return_if_fail (TD_IS_CONTEXT_PANE (self));

  if (self->store == store)
    return;
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_set_object (&self->store, store);
  if (store)
    g_signal_connect_object (store, "committed", G_CALLBACK (on_committed_cb), self,
                             G_CONNECT_SWAPPED);
  refresh (self);
}

void
td_context_pane_set_line (TdContextPane *self,
                          TdLine        *line)
{
  g_return_if_fail (TD_IS_CONTEXT_PANE (self));

  if (self->line == line)
    return;
  g_set_object (&self->line, line);
  refresh (self);
}

TdLine *
td_context_pane_get_line (TdContextPane *self)
{
  g_return_val_if_fail (TD_IS_CONTEXT_PANE (self), NULL);

  return self->line;
}

guint
td_context_pane_get_n_mentions (TdContextPane *self)
{
  g_return_val_if_fail (TD_IS_CONTEXT_PANE (self), 0);
  return self->n_mentions;
}

guint
td_context_pane_get_n_other_lines (TdContextPane *self)
{
  g_return_val_if_fail (TD_IS_CONTEXT_PANE (self), 0);
  return self->n_other;
}

guint
td_context_pane_get_n_ratings (TdContextPane *self)
{
  g_return_val_if_fail (TD_IS_CONTEXT_PANE (self), 0);
  return self->n_ratings;
}

gboolean
td_context_pane_get_busy (TdContextPane *self)
{
  g_return_val_if_fail (TD_IS_CONTEXT_PANE (self), FALSE);
  return self->busy;
}

static void
td_context_pane_dispose (GObject *object)
{
  TdContextPane *self = TD_CONTEXT_PANE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->refresh_id, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_CONTEXT_PANE);
  td_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->store);
  g_clear_object (&self->line);

  G_OBJECT_CLASS (td_context_pane_parent_class)->dispose (object);
}

static void
td_context_pane_finalize (GObject *object)
{
  TdContextPane *self = TD_CONTEXT_PANE (object);

  g_ptr_array_unref (self->to_load);
  g_hash_table_unref (self->customer_lines);

  G_OBJECT_CLASS (td_context_pane_parent_class)->finalize (object);
}

static void
td_context_pane_class_init (TdContextPaneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_context_pane_dispose;
  object_class->finalize = td_context_pane_finalize;

  signals[OPEN_LINE] = g_signal_new ("open-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                     0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (ADW_TYPE_AVATAR);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-context-pane.ui");
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, avatar);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, name);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, uid);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, mentions);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, other_lines);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, ratings);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, mentions_empty);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, other_empty);
  gtk_widget_class_bind_template_child (widget_class, TdContextPane, ratings_empty);
  gtk_widget_class_bind_template_callback (widget_class, on_other_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "context-pane");
}

static void
td_context_pane_init (TdContextPane *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->to_load = g_ptr_array_new_with_free_func (g_free);
  self->customer_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  update_empty (self);
}

GtkWidget *
td_context_pane_new (void)
{
  return g_object_new (TD_TYPE_CONTEXT_PANE, NULL);
}

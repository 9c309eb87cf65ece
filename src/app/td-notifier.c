/* td-notifier.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-app"

#include "config.h"

#include <glib/gi18n.h>

#include "td-notifier.h"

/* Messages older than this when they are stored are backlog, not news */
#define FRESH_MS (10 * 60 * 1000)

typedef struct
{
  guint  count;       /* counted since the last read */
  guint  pending;     /* not notified yet */
  char  *preview;     /* the newest message's preview */
  gboolean shown;     /* a notification is out */
} LineState;

struct _TdNotifier
{
  GObject            parent_instance;

  GApplication      *app;       /* weak */
  TdChannel         *channel;
  TdStore           *store;
  TdLineVisibleFunc  visible;
  gpointer           visible_data;
  GHashTable        *lines;     /* line id → LineState */
  guint              delay_ms;
  guint              flush_id;
  guint              n_sent;
  guint              n_withdrawn;
};

G_DEFINE_FINAL_TYPE (TdNotifier, td_notifier, G_TYPE_OBJECT)

static void
line_state_free (gpointer data)
{
  LineState *state = data;

  g_free (state->preview);
  g_free (state);
}

char *
td_notifier_dup_notification_id (const char *line_id)
{
  return g_strdup_printf ("line-%s", line_id);
}

static void
withdraw (TdNotifier *self,
          const char *line_id)
{
  LineState *state = g_hash_table_lookup (self->lines, line_id);

  if (state == NULL)
    return;

  if (state->shown && self->app != NULL)
    {
      g_autofree char *id = td_notifier_dup_notification_id (line_id);

      g_application_withdraw_notification (self->app, id);
      self->n_withdrawn++;
    }

  g_hash_table_remove (self->lines, line_id);
}

void
td_notifier_flush (TdNotifier *self)
{
  GHashTableIter iter;
  gpointer key, value;

  g_return_if_fail (TD_IS_NOTIFIER (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->app == NULL)
    return;

  g_hash_table_iter_init (&iter, self->lines);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *line_id = key;
      LineState *state = value;
      TdLine *line;
      g_autoptr(GNotification) notification = NULL;
      g_autofree char *id = NULL;
      g_autofree char *body = NULL;
      const char *name = NULL;

      if (state->pending == 0)
        continue;

      /* Read meanwhile: no news */
      if (self->visible && self->visible (line_id, self->visible_data))
        {
          state->pending = 0;
          continue;
        }

      line = td_store_lookup_line (self->store, line_id);
      if (line)
        name = td_line_get_customer_name (line);
      if (name == NULL || name[0] == '\0')
        name = line ? td_line_get_uid (line) : _("A customer");

      notification = g_notification_new (name);
      if (state->count == 1)
        body = g_strdup (state->preview ? state->preview : "");
      else
        body = g_strdup_printf (ngettext ("%u new message", "%u new messages", state->count),
                                state->count);
      g_notification_set_body (notification, body);
      g_notification_set_default_action_and_target (notification, "app.open-line", "s", line_id);
      g_notification_set_category (notification, "im.received");

      id = td_notifier_dup_notification_id (line_id);
      g_application_send_notification (self->app, id, notification);
      state->pending = 0;
      state->shown = TRUE;
      self->n_sent++;
    }
}

static gboolean
on_flush_cb (gpointer data)
{
  TdNotifier *self = data;

  self->flush_id = 0;
  td_notifier_flush (self);

  return G_SOURCE_REMOVE;
}

static void
on_committed_cb (TdNotifier     *self,
                 TdStoreChanges *changes,
                 TdStore        *store)
{
  gint64 now = td_now_ms ();
  const char *me = td_channel_get_me_id (self->channel);
  gboolean added = FALSE;

  for (guint i = 0; changes->messages_added && i < changes->messages_added->len; i++)
    {
      TdMessage *message = g_ptr_array_index (changes->messages_added, i);
      const char *line_id = td_message_get_line_id (message);
      LineState *state;

      if (td_message_get_sender_role (message) != TD_ROLE_CUSTOMER ||
          td_message_get_delivery (message) != TD_DELIVERY_STORED ||
          g_strcmp0 (td_message_get_sender_id (message), me) == 0 ||
          !td_channel_get_synced (self->channel) ||
          now - td_message_get_ts (message) > FRESH_MS)
        continue;

      if (self->visible && self->visible (line_id, self->visible_data))
        continue;

      state = g_hash_table_lookup (self->lines, line_id);
      if (state == NULL)
        {
          state = g_new0 (LineState, 1);
          g_hash_table_insert (self->lines, g_strdup (line_id), state);
        }
      state->count++;
      state->pending++;
      g_free (state->preview);
      state->preview = td_message_dup_preview (message);
      added = TRUE;
    }

  /* Read elsewhere (another operator, another window): withdraw */
  for (guint i = 0; changes->lines_changed && i < changes->lines_changed->len; i++)
    {
      TdLine *line = g_ptr_array_index (changes->lines_changed, i);

      if (td_line_get_unread (line) == 0 && g_hash_table_contains (self->lines, td_line_get_id (line)))
        withdraw (self, td_line_get_id (line));
    }

  if (added && self->flush_id == 0)
    self->flush_id = g_timeout_add (self->delay_ms, on_flush_cb, self);
}

void
td_notifier_line_shown (TdNotifier *self,
                        const char *line_id)
{
  g_return_if_fail (TD_IS_NOTIFIER (self));

  if (line_id != NULL)
    withdraw (self, line_id);
}

void
td_notifier_set_delay (TdNotifier *self,
                       guint       delay_ms)
{
  g_return_if_fail (TD_IS_NOTIFIER (self));

  self->delay_ms = delay_ms;
}

guint
td_notifier_get_count (TdNotifier *self,
                       const char *line_id)
{
  LineState *state;

  g_return_val_if_fail (TD_IS_NOTIFIER (self), 0);

  state = g_hash_table_lookup (self->lines, line_id);

  return state ? state->count : 0;
}

guint
td_notifier_get_n_sent (TdNotifier *self)
{
  g_return_val_if_fail (TD_IS_NOTIFIER (self), 0);

  return self->n_sent;
}

guint
td_notifier_get_n_withdrawn (TdNotifier *self)
{
  g_return_val_if_fail (TD_IS_NOTIFIER (self), 0);

  return self->n_withdrawn;
}

static void
td_notifier_dispose (GObject *object)
{
  TdNotifier *self = TD_NOTIFIER (object);

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);
  g_clear_object (&self->channel);
  g_clear_weak_pointer (&self->app);

  G_OBJECT_CLASS (td_notifier_parent_class)->dispose (object);
}

static void
td_notifier_finalize (GObject *object)
{
  TdNotifier *self = TD_NOTIFIER (object);

  g_hash_table_unref (self->lines);

  G_OBJECT_CLASS (td_notifier_parent_class)->finalize (object);
}

static void
td_notifier_class_init (TdNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_notifier_dispose;
  object_class->finalize = td_notifier_finalize;
}

static void
td_notifier_init (TdNotifier *self)
{
  self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, line_state_free);
  self->delay_ms = 700;
}

TdNotifier *
td_notifier_new (GApplication      *app,
                 TdChannel         *channel,
                 TdLineVisibleFunc  visible,
                 gpointer           user_data)
{
  TdNotifier *self;

  g_return_val_if_fail (G_IS_APPLICATION (app), NULL);
  g_return_val_if_fail (TD_IS_CHANNEL (channel), NULL);

  self = g_object_new (TD_TYPE_NOTIFIER, NULL);
  g_set_weak_pointer (&self->app, app);
  self->channel = g_object_ref (channel);
  self->store = g_object_ref (td_channel_get_store (channel));
  self->visible = visible;
  self->visible_data = user_data;
  g_signal_connect_object (self->store, "committed", G_CALLBACK (on_committed_cb), self,
                           G_CONNECT_SWAPPED);

  return self;
}

/* td-notifier.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-app"

#include "config.h"

#include <glib/gi18n.h>
#include <gtk/gtk.h>

#include "td-notifier.h"

/*
 * Sound.  GNotification (GLib 2.74) has no sound: GNOME Shell plays one only
 * for org.freedesktop.Notifications calls with a "sound-name" hint, which
 * GLib's backends (org.gtk.Notifications, the portal, fdo) never send, and
 * GTK 4.8 has no sound-theme API ("message-new-instant" would need
 * libcanberra / GSound — not in the GNOME runtime, so bundled, plus the
 * PulseAudio socket in the Flatpak).  What GTK does have is the bell:
 * gdk_surface_beep() asks the compositor (Wayland: gtk_shell1.system_bell;
 * X11: XkbBell), which plays the alert sound chosen under Settings → Sound,
 * at the alert volume, or flashes the window when the visual bell is on —
 * the user's own choice, no new dependency, no sandbox hole.  So "sound"
 * means: one bell per round of notifications (bursts coalesce), never for
 * a replaced or withdrawn one alone.
 */

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
  GSettings         *settings;  /* nullable */
  guint              delay_ms;
  guint              flush_id;
  guint              n_sent;
  guint              n_withdrawn;
  guint              n_sounds;
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

static gboolean
enabled (TdNotifier *self)
{
  return self->settings == NULL || g_settings_get_boolean (self->settings, "notifications");
}

TdNotifyMode
td_notifier_get_mode (TdNotifier *self,
                      const char *merchant)
{
  g_autoptr(GVariant) modes = NULL;
  const char *mode = NULL;

  g_return_val_if_fail (TD_IS_NOTIFIER (self), TD_NOTIFY_ALL);

  if (self->settings == NULL || merchant == NULL)
    return TD_NOTIFY_ALL;

  modes = g_settings_get_value (self->settings, "notification-merchants");
  if (!g_variant_lookup (modes, merchant, "&s", &mode))
    return TD_NOTIFY_ALL;
  if (g_str_equal (mode, "off"))
    return TD_NOTIFY_OFF;
  if (g_str_equal (mode, "waiting"))
    return TD_NOTIFY_WAITING;

  return TD_NOTIFY_ALL;
}

/* Would news on @line be notified now?  @line NULL: not in the store (yet). */
static gboolean
wanted (TdNotifier *self,
        TdLine     *line)
{
  if (!enabled (self))
    return FALSE;
  if (line == NULL)
    return TRUE;

  switch (td_notifier_get_mode (self, td_line_get_merchant (line)))
    {
    case TD_NOTIFY_OFF:
      return FALSE;
    case TD_NOTIFY_WAITING:
      /* the Waiting view's rule */
      return td_line_get_state (line) == TD_LINE_STATE_OPEN && td_line_get_waiting_since (line) > 0;
    case TD_NOTIFY_ALL:
    default:
      return TRUE;
    }
}

static void
ring (TdNotifier *self)
{
  GtkWindow *window = NULL;
  GtkNative *native = NULL;
  GdkDisplay *display;

  if (self->settings == NULL || !g_settings_get_boolean (self->settings, "notification-sound"))
    return;

  self->n_sounds++;
  if (GTK_IS_APPLICATION (self->app))
    window = gtk_application_get_active_window (GTK_APPLICATION (self->app));
  if (window != NULL)
    native = gtk_widget_get_native (GTK_WIDGET (window));
  if (native != NULL && gtk_native_get_surface (native) != NULL)
    {
      gdk_surface_beep (gtk_native_get_surface (native));
      return;
    }
  display = gdk_display_get_default ();
  if (display != NULL)
    gdk_display_beep (display);
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
  g_autoptr(GPtrArray) unwanted = NULL;
  guint sent = 0;

  g_return_if_fail (TD_IS_NOTIFIER (self));

  g_clear_handle_id (&self->flush_id, g_source_remove);
  if (self->app == NULL)
    return;

  unwanted = g_ptr_array_new_with_free_func (g_free);

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
      /* The preferences, or the line stopped waiting meanwhile */
      if (!wanted (self, line))
        {
          g_ptr_array_add (unwanted, g_strdup (line_id));
          continue;
        }
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
      sent++;
    }

  for (guint i = 0; i < unwanted->len; i++)
    withdraw (self, g_ptr_array_index (unwanted, i));
  if (sent > 0)
    ring (self);
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
      TdLine *line;

      if (td_message_get_sender_role (message) != TD_ROLE_CUSTOMER ||
          td_message_get_delivery (message) != TD_DELIVERY_STORED ||
          g_strcmp0 (td_message_get_sender_id (message), me) == 0 ||
          !td_channel_get_synced (self->channel) ||
          now - td_message_get_ts (message) > FRESH_MS)
        continue;

      if (self->visible && self->visible (line_id, self->visible_data))
        continue;

      /* Off (everywhere or for this merchant): not even counted.  Waiting
       * only is decided when sending: an answer may come meanwhile. */
      if (!enabled (self) ||
          ((line = td_store_lookup_line (self->store, line_id)) != NULL &&
           td_notifier_get_mode (self, td_line_get_merchant (line)) == TD_NOTIFY_OFF))
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

      if (!g_hash_table_contains (self->lines, td_line_get_id (line)))
        continue;
      /* ... or no longer wanted (waiting only: the customer got an answer) */
      if (td_line_get_unread (line) == 0 || !wanted (self, line))
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

/* Preferences changed: withdraw what they no longer want */
static void
on_settings_changed_cb (TdNotifier *self,
                        const char *key,
                        GSettings  *settings)
{
  g_autoptr(GPtrArray) unwanted = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer line_id;

  if (g_strcmp0 (key, "notifications") != 0 && g_strcmp0 (key, "notification-merchants") != 0)
    return;

  g_hash_table_iter_init (&iter, self->lines);
  while (g_hash_table_iter_next (&iter, &line_id, NULL))
    if (!wanted (self, td_store_lookup_line (self->store, line_id)))
      g_ptr_array_add (unwanted, g_strdup (line_id));
  for (guint i = 0; i < unwanted->len; i++)
    withdraw (self, g_ptr_array_index (unwanted, i));
}

void
td_notifier_set_settings (TdNotifier *self,
                          GSettings  *settings)
{
  g_return_if_fail (TD_IS_NOTIFIER (self));
  g_return_if_fail (settings == NULL || G_IS_SETTINGS (settings));

  if (self->settings == settings)
    return;

  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings)
    {
      g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed_cb), self,
                               G_CONNECT_SWAPPED);
      on_settings_changed_cb (self, "notifications", settings);
    }
}

guint
td_notifier_get_n_sounds (TdNotifier *self)
{
  g_return_val_if_fail (TD_IS_NOTIFIER (self), 0);

  return self->n_sounds;
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
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_clear_object (&self->settings);
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

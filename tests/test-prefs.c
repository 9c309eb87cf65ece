/* test-prefs.c — the preferences window's Notifications and Server &
 * Account pages, TdNotifier honouring the notification settings, and the
 * About window.  Runs under dbus-run-session with a fake notification
 * daemon (python3-dbusmock), against an in-process demo server.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "td-about.h"
#include "td-application.h"
#include "td-test-e2e.h"
#include "td-notifier.h"
#include "td-preferences-window.h"
#include "td-server.h"
#include "td-widgets.h"

#define TIMEOUT_S 20

static TdApplication *app;
static GSubprocess *mock;
static TdServer *server;
static char *server_dir;
static char *server_url;
static TdChannel *alice;   /* the operator: m_lakeside and m_skyline */

/* ---- helpers ---- */

typedef TdTestCondFunc Condition;

/* blocks between events, never sleeps; fails the test on timeout */
#define wait_until(condition, data, what) \
  td_test_wait_until (NULL, (condition), (data), TIMEOUT_S * 1000, (what))

#define idle_for(ms) td_test_iterate_for (NULL, (ms))

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  g_object_unref (bus);  /* the singleton stays alive */

  return bus;
}

static gboolean
mock_is_up (gpointer data)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (session_bus (), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner",
                                 g_variant_new ("(s)", "org.freedesktop.Notifications"),
                                 G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

/* Calls of @method on the fake daemon; for Notify only those whose summary
 * is @summary (NULL: all) */
static guint
mock_calls (const char *method,
            const char *summary)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (session_bus (), "org.freedesktop.Notifications",
                                 "/org/freedesktop/Notifications", "org.freedesktop.DBus.Mock",
                                 "GetMethodCalls", g_variant_new ("(s)", method),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) calls = NULL;
  GVariantIter iter;
  GVariant *args;
  guint64 ts;
  guint n = 0;

  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t@av)", &ts, &args))
    {
      if (summary == NULL)
        n++;
      else
        {
          g_autoptr(GVariant) v = g_variant_get_child_value (args, 3);
          g_autoptr(GVariant) s = g_variant_get_variant (v);

          if (g_strcmp0 (g_variant_get_string (s, NULL), summary) == 0)
            n++;
        }
      g_variant_unref (args);
    }

  return n;
}

static gboolean
channel_ready (gpointer data)
{
  return td_channel_get_state (data) == TD_CHANNEL_STATE_ONLINE && td_channel_get_synced (data);
}

static GSettings *
new_settings (void)
{
  GSettings *settings = g_settings_new (APP_ID);

  g_settings_reset (settings, "notifications");
  g_settings_reset (settings, "notification-sound");
  g_settings_reset (settings, "notification-merchants");

  return settings;
}

static const char *
merchant_mode (GSettings  *settings,
               const char *merchant)
{
  static char mode[16];
  g_autoptr(GVariant) dict = g_settings_get_value (settings, "notification-merchants");
  const char *value = NULL;

  if (!g_variant_lookup (dict, merchant, "&s", &value))
    return "(none)";
  g_strlcpy (mode, value, sizeof mode);

  return mode;
}

static void
save_png (GtkWidget  *window,
          const char *name)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  int w = 0, h = 0;

  while (node == NULL)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      w = gtk_widget_get_width (window);
      h = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("%s never drew a frame", name);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_object_unref (paintable);
}

/* A traveller on the test server, with its own in-memory cache and line */
typedef struct
{
  TdChannel *channel;
  TdLine    *line;
  char      *name;
} Customer;

static Customer *
customer_new (const char *token,
              const char *merchant)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = td_store_new (NULL, &error);
  Customer *customer = g_new0 (Customer, 1);

  g_assert_no_error (error);
  customer->channel = td_channel_new (server_url, token, store, NULL);
  td_channel_start (customer->channel);
  wait_until (channel_ready, customer->channel, "the customer's channel");
  customer->line = td_test_open_line (customer->channel, merchant, &error);
  g_assert_no_error (error);
  g_assert_nonnull (customer->line);
  customer->name = g_strdup (td_line_get_customer_name (customer->line));

  return customer;
}

static void
customer_free (Customer *customer)
{
  td_channel_stop (customer->channel);
  g_clear_object (&customer->line);
  g_clear_object (&customer->channel);
  g_free (customer->name);
  g_free (customer);
}

typedef struct
{
  const char *line_id;
  const char *text;
  TdRole      role;
} Stored;

static gboolean
stored_at_alice (gpointer data)
{
  Stored *st = data;
  TdStore *store = td_channel_get_store (alice);
  g_autoptr(GPtrArray) messages = NULL;

  td_store_sync (store);
  messages = td_store_load_messages_sync (store, st->line_id, NULL, 50, NULL, NULL);
  for (guint i = 0; messages && i < messages->len; i++)
    {
      TdMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *text = td_message_dup_search_text (m);

      if (td_message_get_sender_role (m) == st->role &&
          td_message_get_delivery (m) == TD_DELIVERY_STORED &&
          g_strcmp0 (text, st->text) == 0)
        return TRUE;
    }

  return FALSE;
}

/* @customer writes @text; returns once alice's cache has it (and the
 * notifier has counted it: both follow the same commit) */
static void
customer_says (Customer   *customer,
               const char *text)
{
  Stored st = { td_line_get_id (customer->line), text, TD_ROLE_CUSTOMER };

  g_free (td_channel_send_text (customer->channel, st.line_id, text));
  wait_until (stored_at_alice, &st, text);
  idle_for (50);
}

static gboolean
line_not_waiting (gpointer data)
{
  TdLine *line = td_store_lookup_line (td_channel_get_store (alice), data);

  return line != NULL && td_line_get_waiting_since (line) == 0;
}

static gboolean
notified_once (gpointer summary)
{
  return mock_calls ("Notify", summary) >= 1;
}

static gboolean
notified_twice (gpointer summary)
{
  return mock_calls ("Notify", summary) >= 2;
}

static gboolean
closed (gpointer n)
{
  return mock_calls ("CloseNotification", NULL) >= GPOINTER_TO_UINT (n);
}

static gboolean
shows_long_poll (gpointer prefs)
{
  return g_strcmp0 (td_preferences_window_get_connection_text (prefs), "Online over Long-poll") == 0;
}

static gboolean
shows_skyline_row (gpointer prefs)
{
  return td_preferences_window_get_mode_row (prefs, "m_skyline") != NULL;
}

static GSettings *watched;

static gboolean
key_is_true (gpointer key)
{
  return g_settings_get_boolean (watched, key);
}

static gboolean
key_is_false (gpointer key)
{
  return !g_settings_get_boolean (watched, key);
}

/* ---- the Notifications page ---- */

static void
test_notification_rows (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  GtkWidget *window = td_preferences_window_new (NULL, settings, alice);
  TdPreferencesWindow *prefs = TD_PREFERENCES_WINDOW (window);
  GtkWidget *on = td_preferences_window_get_notifications_switch (prefs);
  GtkWidget *sound = td_preferences_window_get_sound_switch (prefs);
  GtkWidget *lakeside = td_preferences_window_get_mode_row (prefs, "m_lakeside");
  GtkWidget *skyline = td_preferences_window_get_mode_row (prefs, "m_skyline");
  GtkWidget *sound_row;

  watched = settings;
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 720);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), "notifications");
  gtk_window_present (GTK_WINDOW (window));

  /* One combo row per merchant of the operator's, none for others */
  g_assert_nonnull (lakeside);
  g_assert_nonnull (skyline);
  g_assert_null (td_preferences_window_get_mode_row (prefs, "m_harbor"));
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (lakeside)), ==, "Lakeside Hotel");
  g_assert_cmpuint (g_list_model_get_n_items (adw_combo_row_get_model (ADW_COMBO_ROW (lakeside))), ==, 3);

  /* The defaults: on, silent, every merchant "all" */
  g_assert_true (gtk_switch_get_active (GTK_SWITCH (on)));
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sound)));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (lakeside)), ==, 0);
  idle_for (300);
  save_png (window, "prefs-notifications.png");

  /* The switches write the keys, as the operator toggles them (the rows
   * activate their switch) */
  sound_row = gtk_widget_get_ancestor (sound, ADW_TYPE_ACTION_ROW);
  g_assert_nonnull (sound_row);
  gtk_widget_activate (sound_row);
  wait_until (key_is_true, (gpointer) "notification-sound", "the sound switch to turn on");
  gtk_widget_activate (gtk_widget_get_ancestor (on, ADW_TYPE_ACTION_ROW));
  wait_until (key_is_false, (gpointer) "notifications", "the notifications switch to turn off");
  /* off: the sound and the merchants cannot be changed */
  g_assert_false (gtk_widget_get_sensitive (sound_row));
  g_assert_false (gtk_widget_is_sensitive (lakeside));
  idle_for (100);
  save_png (window, "prefs-notifications-off.png");
  gtk_widget_activate (on);
  wait_until (key_is_true, (gpointer) "notifications", "the notifications switch to turn on");
  g_assert_true (gtk_widget_is_sensitive (lakeside));

  /* The keys move the switches (gsettings, another window) */
  g_settings_set_boolean (settings, "notification-sound", FALSE);
  g_assert_false (gtk_switch_get_active (GTK_SWITCH (sound)));

  /* Per merchant: All / Waiting only / Off */
  adw_combo_row_set_selected (ADW_COMBO_ROW (lakeside), 1);
  g_assert_cmpstr (merchant_mode (settings, "m_lakeside"), ==, "waiting");
  adw_combo_row_set_selected (ADW_COMBO_ROW (skyline), 2);
  g_assert_cmpstr (merchant_mode (settings, "m_skyline"), ==, "off");
  g_assert_cmpstr (merchant_mode (settings, "m_lakeside"), ==, "waiting");
  adw_combo_row_set_selected (ADW_COMBO_ROW (lakeside), 0);
  g_assert_cmpstr (merchant_mode (settings, "m_lakeside"), ==, "(none)");
  g_assert_cmpstr (merchant_mode (settings, "m_skyline"), ==, "off");
  /* ... and follow the key */
  g_settings_set_value (settings, "notification-merchants",
                        g_variant_new_parsed ("{'m_lakeside': 'off', 'm_skyline': 'waiting'}"));
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (lakeside)), ==, 2);
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (skyline)), ==, 1);
  g_settings_reset (settings, "notification-merchants");
  g_assert_cmpuint (adw_combo_row_get_selected (ADW_COMBO_ROW (lakeside)), ==, 0);

  /* Merchants known only from the first welcome: their rows follow */
  gtk_window_destroy (GTK_WINDOW (window));
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TdStore) store = td_store_new (NULL, &error);
    g_autoptr(TdChannel) bob = td_channel_new (server_url, "demo-op-bob", store, NULL);

    g_assert_no_error (error);
    window = td_preferences_window_new (NULL, settings, bob);
    g_assert_null (td_preferences_window_get_mode_row (TD_PREFERENCES_WINDOW (window), "m_skyline"));
    td_channel_start (bob);
    wait_until (shows_skyline_row, window, "bob's merchant row");
    g_assert_null (td_preferences_window_get_mode_row (TD_PREFERENCES_WINDOW (window), "m_lakeside"));
    td_channel_stop (bob);
  }

  /* Without a session: no merchants, the page still works */
  gtk_window_destroy (GTK_WINDOW (window));
  window = td_preferences_window_new (NULL, settings, NULL);
  g_assert_null (td_preferences_window_get_mode_row (TD_PREFERENCES_WINDOW (window), "m_lakeside"));
  g_assert_cmpstr (td_preferences_window_get_user_text (TD_PREFERENCES_WINDOW (window)), ==, "Nobody");
  gtk_window_destroy (GTK_WINDOW (window));
  idle_for (50);
}

/* ---- TdNotifier and the settings ---- */

static void
test_notifier_settings (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(TdNotifier) notifier = td_notifier_new (G_APPLICATION (app), alice, NULL, NULL);
  Customer *lake = customer_new ("demo-cust-6", "m_lakeside");
  Customer *sky = customer_new ("demo-cust-7", "m_skyline");
  const char *lake_id = td_line_get_id (lake->line);
  const char *sky_id = td_line_get_id (sky->line);
  guint sent, withdrawn, closes;

  g_assert_cmpstr (lake->name, !=, sky->name);
  /* Sent only by td_notifier_flush () here */
  td_notifier_set_delay (notifier, 600 * 1000);
  td_notifier_set_settings (notifier, settings);
  g_assert_cmpint (td_notifier_get_mode (notifier, "m_lakeside"), ==, TD_NOTIFY_ALL);
  g_assert_cmpint (td_notifier_get_mode (notifier, NULL), ==, TD_NOTIFY_ALL);

  /* On (the default): notified, through the notification service */
  customer_says (lake, "Is breakfast included?");
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 1);
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, 1);
  g_assert_cmpuint (td_notifier_get_n_sounds (notifier), ==, 0);
  wait_until (notified_once, lake->name, "the first notification");
  td_notifier_line_shown (notifier, lake_id);

  /* Notifications off: nothing is counted or sent */
  g_settings_set_boolean (settings, "notifications", FALSE);
  customer_says (lake, "Hello?");
  customer_says (sky, "Can I change my tour date?");
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 0);
  g_assert_cmpuint (td_notifier_get_count (notifier, sky_id), ==, 0);
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, 1);
  g_settings_set_boolean (settings, "notifications", TRUE);

  /* A merchant off: nothing for its lines, the others still notify */
  g_settings_set_value (settings, "notification-merchants", g_variant_new_parsed ("{'m_lakeside': 'off'}"));
  g_assert_cmpint (td_notifier_get_mode (notifier, "m_lakeside"), ==, TD_NOTIFY_OFF);
  g_assert_cmpint (td_notifier_get_mode (notifier, "m_skyline"), ==, TD_NOTIFY_ALL);
  customer_says (lake, "Anybody there?");
  customer_says (sky, "The 14th instead of the 12th, please.");
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 0);
  g_assert_cmpuint (td_notifier_get_count (notifier, sky_id), ==, 1);
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, 2);
  g_assert_cmpuint (mock_calls ("Notify", lake->name), ==, 1);
  wait_until (notified_once, sky->name, "the other merchant's notification");

  /* Turning that merchant off too withdraws what is out.  (GLib's fdo
   * backend can close a notification only once the Notify reply with its
   * id came back: let the main context dispatch it first.) */
  idle_for (200);
  withdrawn = td_notifier_get_n_withdrawn (notifier);
  closes = mock_calls ("CloseNotification", NULL);
  g_settings_set_value (settings, "notification-merchants",
                        g_variant_new_parsed ("{'m_lakeside': 'off', 'm_skyline': 'off'}"));
  g_assert_cmpuint (td_notifier_get_n_withdrawn (notifier), ==, withdrawn + 1);
  g_assert_cmpuint (td_notifier_get_count (notifier, sky_id), ==, 0);
  wait_until (closed, GUINT_TO_POINTER (closes + 1), "CloseNotification");

  /* Waiting only: a line whose customer got an answer is not notified ... */
  g_settings_set_value (settings, "notification-merchants", g_variant_new_parsed ("{'m_lakeside': 'waiting'}"));
  g_assert_cmpint (td_notifier_get_mode (notifier, "m_lakeside"), ==, TD_NOTIFY_WAITING);
  sent = td_notifier_get_n_sent (notifier);
  customer_says (lake, "I would like a late check-out.");
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 1);
  {
    Stored answer = { lake_id, "Of course — until 2 pm.", TD_ROLE_OPERATOR };

    g_free (td_channel_send_text (alice, lake_id, answer.text));
    wait_until (stored_at_alice, &answer, "alice's answer");
    wait_until (line_not_waiting, (gpointer) lake_id, "the line answered");
  }
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, sent);
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 0);
  g_assert_cmpuint (mock_calls ("Notify", lake->name), ==, 1);
  /* ... one waiting is; with the sound on, it rings once */
  g_settings_set_boolean (settings, "notification-sound", TRUE);
  customer_says (lake, "Thank you! And parking?");
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, sent + 1);
  g_assert_cmpuint (td_notifier_get_n_sounds (notifier), ==, 1);
  wait_until (notified_twice, lake->name, "the waiting line's notification");
  /* ... and withdrawn as soon as the customer has an answer */
  idle_for (200);
  withdrawn = td_notifier_get_n_withdrawn (notifier);
  {
    Stored answer = { lake_id, "Parking is in the garage.", TD_ROLE_OPERATOR };

    g_free (td_channel_send_text (alice, lake_id, answer.text));
    wait_until (stored_at_alice, &answer, "alice's answer about parking");
    wait_until (line_not_waiting, (gpointer) lake_id, "the line answered about parking");
  }
  g_assert_cmpuint (td_notifier_get_n_withdrawn (notifier), ==, withdrawn + 1);
  g_assert_cmpuint (td_notifier_get_count (notifier, lake_id), ==, 0);
  /* the same line, answered with "all" too: still notified (control) */
  g_settings_reset (settings, "notification-merchants");
  g_settings_set_boolean (settings, "notification-sound", FALSE);
  td_notifier_line_shown (notifier, lake_id);
  customer_says (lake, "One more question.");
  {
    Stored answer = { lake_id, "Parking is free.", TD_ROLE_OPERATOR };

    g_free (td_channel_send_text (alice, lake_id, answer.text));
    wait_until (stored_at_alice, &answer, "alice's second answer");
    wait_until (line_not_waiting, (gpointer) lake_id, "the line answered again");
  }
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, sent + 2);
  g_assert_cmpuint (td_notifier_get_n_sounds (notifier), ==, 1);

  /* Without settings: everything notifies */
  td_notifier_set_settings (notifier, NULL);
  g_settings_set_boolean (settings, "notifications", FALSE);
  customer_says (sky, "Still there?");
  td_notifier_flush (notifier);
  g_assert_cmpuint (td_notifier_get_n_sent (notifier), ==, sent + 3);

  customer_free (lake);
  customer_free (sky);
  g_assert_finalize_object (g_steal_pointer (&notifier));
}

/* ---- About ---- */

static gboolean
label_shows (GtkWidget  *widget,
             const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0)
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (label_shows (child, text))
      return TRUE;

  return FALSE;
}

static AdwAboutWindow *
find_about (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();  /* borrowed */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_ABOUT_WINDOW (window))
        return ADW_ABOUT_WINDOW (window);
    }

  return NULL;
}

static gboolean
about_shown (gpointer data)
{
  AdwAboutWindow *about = find_about ();

  return about != NULL && gtk_widget_get_mapped (GTK_WIDGET (about)) &&
         label_shows (GTK_WIDGET (about), VERSION);
}

static void
test_about (void)
{
  g_autofree char *metainfo = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *version = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data",
                                                 APP_ID ".metainfo.xml.in", NULL);
  AdwAboutWindow *about;

  g_assert_null (find_about ());
  g_action_group_activate_action (G_ACTION_GROUP (app), "about", NULL);
  wait_until (about_shown, NULL, "the About window showing the version");
  about = find_about ();
  g_assert_cmpstr (adw_about_window_get_version (about), ==, VERSION);
  g_assert_cmpstr (adw_about_window_get_application_name (about), ==, "Tripdesk");
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_translator_credits (about), ==, "translator-credits");
  g_assert_nonnull (adw_about_window_get_developers (about));
  g_assert_nonnull (adw_about_window_get_comments (about));

  /* The website, issues, developer and release notes are the metainfo's */
  g_assert_true (g_file_get_contents (path, &metainfo, NULL, NULL));
  g_assert_nonnull (strstr (metainfo, adw_about_window_get_website (about)));
  g_assert_nonnull (strstr (metainfo, adw_about_window_get_issue_url (about)));
  {
    g_autofree char *dev = g_strdup_printf ("<developer_name translate=\"no\">%s</developer_name>",
                                            adw_about_window_get_developer_name (about));
    g_assert_nonnull (strstr (metainfo, dev));
  }
  notes = td_about_dup_release_notes (metainfo, &version);
  g_assert_nonnull (notes);
  g_assert_cmpstr (adw_about_window_get_release_notes (about), ==, notes);
  g_assert_cmpstr (adw_about_window_get_release_notes_version (about), ==, version);
  g_assert_cmpstr (version, ==, VERSION);
  g_assert_true (g_str_has_prefix (notes, "<p>First release.</p><ul><li>"));
  g_assert_null (strstr (notes, "\n"));

  idle_for (300);
  save_png (GTK_WIDGET (about), "prefs-about.png");
  gtk_window_destroy (GTK_WINDOW (about));

  /* Broken or release-less metainfo: no notes, no crash */
  g_assert_null (td_about_dup_release_notes ("<component><releases/></component>", NULL));
  g_assert_null (td_about_dup_release_notes ("<component><release", NULL));
  {
    g_autofree char *v = NULL;
    g_autofree char *two = td_about_dup_release_notes (
      "<component><releases>"
      "<release version=\"2.0\"><description><p>  New &amp;\n  shiny </p>"
      "<p xml:lang=\"de\">Neu</p></description></release>"
      "<release version=\"1.0\"><description><p>Old</p></description></release>"
      "</releases></component>", &v);

    g_assert_cmpstr (two, ==, "<p>New &amp; shiny</p>");
    g_assert_cmpstr (v, ==, "2.0");
  }
}

/* ---- Server & Account ---- */

/* The Server & Account page's Log Out */
static GtkWidget *
find_logout (GtkWidget *widget)
{
  if (GTK_IS_BUTTON (widget) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (widget)), "_Log Out") == 0)
    return widget;
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_logout (c);

      if (found)
        return found;
    }

  return NULL;
}

static gboolean
prefs_gone (gpointer data)
{
  return *(GtkWidget **) data == NULL;
}

static void
test_account (void)
{
  g_autoptr(GSettings) settings = new_settings ();
  g_autoptr(GError) error = NULL;
  GtkWidget *window;
  TdPreferencesWindow *prefs;
  TdWindow *main_window;
  GtkWidget *logout;

  /* A real server: its address, the live connection, who is logged in */
  window = td_preferences_window_new (NULL, settings, alice);
  prefs = TD_PREFERENCES_WINDOW (window);
  g_assert_cmpstr (td_preferences_window_get_server_text (prefs), ==, server_url);
  g_assert_cmpstr (td_preferences_window_get_connection_text (prefs), ==, "Online over WebSocket");
  g_assert_cmpstr (td_preferences_window_get_user_text (prefs), ==, "Alice (o_alice)");
  g_assert_false (td_preferences_window_get_shows_demo (prefs));
  /* no application (no app.logout): Log Out cannot be pressed */
  g_assert_nonnull (find_logout (window));
  g_assert_false (gtk_widget_get_sensitive (find_logout (window)));
  /* ... and follows it */
  td_channel_set_transport_policy (alice, TD_TRANSPORT_POLICY_LONG_POLL);
  td_channel_drop_connection (alice);
  wait_until (shows_long_poll, prefs, "the connection row to show long-poll");
  gtk_window_destroy (GTK_WINDOW (window));

  /* The demo says so; Log Out (app.logout) ends it and closes the window */
  g_assert_true (td_application_start_demo (app, &error));
  g_assert_no_error (error);
  main_window = td_application_get_window (app);
  gtk_window_present (GTK_WINDOW (main_window));
  wait_until (channel_ready, td_application_get_channel (app), "the demo online");
  window = td_preferences_window_new (GTK_WINDOW (main_window), settings, td_application_get_channel (app));
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  prefs = TD_PREFERENCES_WINDOW (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, 720);
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (window), "account");
  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (td_preferences_window_get_shows_demo (prefs));
  g_assert_nonnull (strstr (td_preferences_window_get_server_text (prefs),
                            td_application_get_demo_url (app)));
  g_assert_nonnull (strstr (td_preferences_window_get_server_text (prefs), "demo"));
  g_assert_cmpstr (td_preferences_window_get_user_text (prefs), ==, "Alice (o_alice)");
  idle_for (300);
  save_png (window, "prefs-account.png");

  logout = find_logout (window);
  g_assert_nonnull (logout);
  g_assert_true (gtk_widget_is_sensitive (logout));
  /* as with the keyboard: the button activates, clicks (a moment later),
   * runs app.logout and closes the window */
  gtk_widget_activate (logout);
  wait_until (prefs_gone, &window, "the preferences closed");
  g_assert_null (td_application_get_channel (app));
  g_assert_null (td_application_get_demo_url (app));
  g_assert_true (td_window_is_showing_login (main_window));
}

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  g_autoptr(TdStore) store = NULL;
  TdServerOptions options = { 0, };

  server_dir = g_dir_make_tmp ("td-prefs-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (server_dir, "server.db", NULL);
  options.db_path = db;
  options.demo = TRUE;
  server = td_server_new (&options, &error);
  g_assert_no_error (error);
  g_assert_true (td_server_listen (server, "127.0.0.1", 0, &error));
  server_url = td_server_dup_base_url (server);

  store = td_store_new (NULL, &error);
  g_assert_no_error (error);
  alice = td_channel_new (server_url, "demo-op-alice", store, NULL);
  td_channel_start (alice);
  wait_until (channel_ready, alice, "alice online");
}

static void
stop_server (void)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  td_channel_stop (alice);
  g_clear_object (&alice);
  td_server_shutdown (server, 0);
  g_clear_object (&server);
  dir = g_dir_open (server_dir, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (server_dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (server_dir);
  g_clear_pointer (&server_dir, g_free);
  g_clear_pointer (&server_url, g_free);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("needs dbus-run-session");
      return 77;
    }
  mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error, "/usr/bin/python3", "-m", "dbusmock",
                           "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  wait_until (mock_is_up, NULL, "the fake notification daemon");

  app = td_application_new ();
  {
    g_autoptr(TdTokenKeeper) keeper = td_memory_token_keeper_new ();
    td_application_set_token_keeper (app, keeper);
  }
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  td_widgets_load_css (gdk_display_get_default ());
  /* the app icon from the source tree (the About window shows it) */
  {
    g_autofree char *icons = g_test_build_filename (G_TEST_DIST, "..", "data", "icons", NULL);

    gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()), icons);
  }
  start_server ();

  g_test_add_func ("/tripdesk/prefs/notification-rows", test_notification_rows);
  g_test_add_func ("/tripdesk/prefs/notifier-settings", test_notifier_settings);
  g_test_add_func ("/tripdesk/prefs/about", test_about);
  g_test_add_func ("/tripdesk/prefs/account", test_account);

  ret = g_test_run ();

  stop_server ();
  if (td_application_get_window (app))
    gtk_window_destroy (GTK_WINDOW (td_application_get_window (app)));
  g_clear_object (&app);
  g_subprocess_force_exit (mock);
  g_clear_object (&mock);

  return ret;
}

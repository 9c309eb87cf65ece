/* test-secret.c — TdSecretTokenKeeper against a real Secret Service
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Everything runs on a private session bus (GTestDBus: no service files,
 * so nothing is auto-activated).  First without any Secret Service on it:
 * the keeper says so, and the app still logs in (the token just is not
 * kept).  Then gnome-keyring-daemon (secrets component only) is started
 * on that bus, in a throw-away XDG_DATA_HOME, its login keyring created and
 * unlocked with a piped password: store, look up from a fresh keeper and a
 * fresh connection, replace, clear — directly and through the app's login
 * and log out.  Skipped only when gnome-keyring-daemon is not installed.
 */
#include "config.h"

#include <string.h>
#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsecret/secret.h>

#include "td-application.h"
#include "td-test-e2e.h"
#include "td-server.h"
#include "td-token-keeper.h"
#include "td-widgets.h"

#define TIMEOUT_S 20
#define KEYRING_PASSWORD "tripdesk-test-keyring"

static GTestDBus *test_bus;
static GSubprocess *keyring;
static char *keyring_dir;
static TdApplication *app;

/* ---- helpers ---- */

typedef TdTestCondFunc Condition;

/* blocks between events, never sleeps; fails the test on timeout */
#define wait_until(condition, data, what) \
  td_test_wait_until (NULL, (condition), (data), TIMEOUT_S * 1000, (what))

static void
rm_rf (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          rm_rf (child);
        }
      g_rmdir (path);
    }
  else
    {
      g_unlink (path);
    }
}

/* The keeper's async calls, waited for */
typedef struct
{
  gboolean  done;
  gboolean  ok;
  char     *token;
  GError   *error;
} Call;

static gboolean
call_done (gpointer data)
{
  return ((Call *) data)->done;
}

static void
on_lookup_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Call *call = user_data;

  call->token = td_token_keeper_lookup_finish (TD_TOKEN_KEEPER (source), result, &call->error);
  call->done = TRUE;
}

static void
on_store_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Call *call = user_data;

  call->ok = td_token_keeper_store_finish (TD_TOKEN_KEEPER (source), result, &call->error);
  call->done = TRUE;
}

static void
on_clear_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Call *call = user_data;

  call->ok = td_token_keeper_clear_finish (TD_TOKEN_KEEPER (source), result, &call->error);
  call->done = TRUE;
}

/* (transfer full) the kept token or NULL; *error as the keeper said */
static char *
lookup (TdTokenKeeper  *keeper,
        const char     *url,
        const char     *user,
        GError        **error)
{
  Call call = { 0, };

  td_token_keeper_lookup_async (keeper, url, user, NULL, on_lookup_cb, &call);
  wait_until (call_done, &call, "the keeper's lookup");
  if (call.error)
    g_propagate_error (error, call.error);
  return call.token;
}

static gboolean
store (TdTokenKeeper  *keeper,
       const char     *url,
       const char     *user,
       const char     *token,
       GError        **error)
{
  Call call = { 0, };

  td_token_keeper_store_async (keeper, url, user, token, NULL, on_store_cb, &call);
  wait_until (call_done, &call, "the keeper's store");
  if (call.error)
    g_propagate_error (error, call.error);
  return call.ok;
}

static gboolean
clear (TdTokenKeeper  *keeper,
       const char     *url,
       const char     *user,
       GError        **error)
{
  Call call = { 0, };

  td_token_keeper_clear_async (keeper, url, user, NULL, on_clear_cb, &call);
  wait_until (call_done, &call, "the keeper's clear");
  if (call.error)
    g_propagate_error (error, call.error);
  return call.ok;
}

/* A lookup through a brand-new keeper and a brand-new libsecret connection */
static char *
fresh_lookup (const char  *url,
              const char  *user,
              GError     **error)
{
  g_autoptr(TdTokenKeeper) keeper = NULL;

  secret_service_disconnect ();
  keeper = td_secret_token_keeper_new ();
  return lookup (keeper, url, user, error);
}

static gboolean
name_has_owner (const char *name)
{
  g_autoptr(GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  if (bus == NULL)
    return FALSE;
  reply = g_dbus_connection_call_sync (bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "NameHasOwner",
                                       g_variant_new ("(s)", name), G_VARIANT_TYPE ("(b)"),
                                       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  if (reply)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

static gboolean
keyring_up (gpointer data)
{
  if (g_subprocess_get_identifier (keyring) == NULL)
    g_error ("gnome-keyring-daemon exited before it owned org.freedesktop.secrets");

  return name_has_owner ("org.freedesktop.secrets");
}

/* Starts gnome-keyring-daemon (secrets only) on the test bus, its login
 * keyring made and unlocked with a piped password.  FALSE (the test is
 * skipped) only when the daemon is not installed. */
static gboolean
start_keyring (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *daemon = g_find_program_in_path ("gnome-keyring-daemon");
  g_autofree char *run = NULL;
  g_autofree char *control = NULL;
  g_autofree char *data = NULL;
  GOutputStream *input;

  if (keyring != NULL)
    return TRUE;
  if (daemon == NULL)
    {
      g_test_skip ("gnome-keyring-daemon is not installed (Debian: apt-get install gnome-keyring)");
      return FALSE;
    }

  keyring_dir = g_dir_make_tmp ("td-secret-XXXXXX", &error);
  g_assert_no_error (error);
  run = g_build_filename (keyring_dir, "run", NULL);
  control = g_build_filename (run, "keyring", NULL);
  data = g_build_filename (keyring_dir, "data", NULL);
  g_assert_cmpint (g_mkdir_with_parents (control, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (data, 0700), ==, 0);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", run, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", data, TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", keyring_dir, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "GNOME_KEYRING_CONTROL");
  /* the daemon warns on a replaced item ("already registered"): our
   * fatal-warnings must not kill it */
  g_subprocess_launcher_unsetenv (launcher, "G_DEBUG");
  keyring = g_subprocess_launcher_spawn (launcher, &error, daemon,
                                         "--foreground", "--unlock", "--components=secrets",
                                         "--control-directory", control, NULL);
  g_assert_no_error (error);

  /* --unlock reads the login keyring's password from stdin (and makes
   * that keyring, the default collection, when there is none) */
  input = g_subprocess_get_stdin_pipe (keyring);
  g_assert_true (g_output_stream_write_all (input, KEYRING_PASSWORD, strlen (KEYRING_PASSWORD),
                                            NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_output_stream_close (input, NULL, &error));
  g_assert_no_error (error);

  wait_until (keyring_up, NULL, "gnome-keyring-daemon on the test bus");
  /* a connection made before the daemon came up knows no service */
  secret_service_disconnect ();
  return TRUE;
}

static void
stop_keyring (void)
{
  if (keyring == NULL)
    return;
  secret_service_disconnect ();
  g_subprocess_send_signal (keyring, SIGTERM);
  g_subprocess_wait (keyring, NULL, NULL);
  g_clear_object (&keyring);
  rm_rf (keyring_dir);
  g_clear_pointer (&keyring_dir, g_free);
}

/* ---- the keeper ---- */

static void
test_no_service (void)
{
  g_autoptr(TdTokenKeeper) keeper = td_secret_token_keeper_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_false (name_has_owner ("org.freedesktop.secrets"));

  g_assert_false (store (keeper, "https://desk.example", "alice", "tok-none", &error));
  g_assert_error (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE);
  g_assert_nonnull (strstr (error->message, "No keyring"));
  g_assert_null (strstr (error->message, "tok-none"));   /* never the token */
  g_clear_error (&error);

  token = lookup (keeper, "https://desk.example", "alice", &error);
  g_assert_null (token);
  g_assert_error (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE);
  g_clear_error (&error);

  g_assert_false (clear (keeper, "https://desk.example", "alice", &error));
  g_assert_error (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE);
  g_clear_error (&error);

  secret_service_disconnect ();
}

static guint
count_items (const char *url,
             const char *user)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) attributes = g_hash_table_new (g_str_hash, g_str_equal);
  static const SecretSchema schema = {
    "io.github.tripdesk.Tripdesk.Token", SECRET_SCHEMA_NONE,
    { { "server", SECRET_SCHEMA_ATTRIBUTE_STRING }, { "user", SECRET_SCHEMA_ATTRIBUTE_STRING }, { NULL, 0 } }
  };
  GList *items;
  guint n;

  g_hash_table_insert (attributes, "server", (gpointer) url);
  g_hash_table_insert (attributes, "user", (gpointer) user);
  items = secret_password_searchv_sync (&schema, attributes, SECRET_SEARCH_ALL, NULL, &error);
  g_assert_no_error (error);
  n = g_list_length (items);
  g_list_free_full (items, g_object_unref);

  return n;
}

static void
test_round_trip (void)
{
  const char *url = "https://desk.example";
  g_autoptr(TdTokenKeeper) keeper = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  if (!start_keyring ())
    return;

  /* store, then read back from another keeper on another connection */
  keeper = td_secret_token_keeper_new ();
  g_assert_true (store (keeper, url, "alice", "tok-alice-1", &error));
  g_assert_no_error (error);
  g_assert_true (store (keeper, url, "bob", "tok-bob-1", &error));
  g_assert_no_error (error);
  token = fresh_lookup (url, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-alice-1");
  g_clear_pointer (&token, g_free);

  /* the key is (server, user): nothing for another user or server */
  token = fresh_lookup (url, "carol", &error);
  g_assert_no_error (error);
  g_assert_null (token);
  token = fresh_lookup ("https://other.example", "alice", &error);
  g_assert_no_error (error);
  g_assert_null (token);

  /* replace: one item, the new token */
  store (keeper, url, "alice", "tok-alice-2", &error);
  g_assert_no_error (error);
  token = fresh_lookup (url, "alice", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-alice-2");
  g_clear_pointer (&token, g_free);
  g_assert_cmpuint (count_items (url, "alice"), ==, 1);

  /* clear (log out): gone for alice only; clearing again is fine */
  g_assert_true (clear (keeper, url, "alice", &error));
  g_assert_no_error (error);
  token = fresh_lookup (url, "alice", &error);
  g_assert_no_error (error);
  g_assert_null (token);
  g_assert_cmpuint (count_items (url, "alice"), ==, 0);
  g_assert_true (clear (keeper, url, "alice", &error));
  g_assert_no_error (error);
  token = fresh_lookup (url, "bob", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (token, ==, "tok-bob-1");
  g_clear_pointer (&token, g_free);
  g_assert_true (clear (keeper, url, "bob", &error));
  g_assert_no_error (error);
}

/* ---- the app: login and log out with the libsecret keeper ---- */

typedef struct
{
  TdServer *server;
  char     *dir;
  char     *url;
} Server;

static void
server_start (Server *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TdServerOptions options = { 0, };

  s->dir = g_dir_make_tmp ("td-secret-server-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (s->dir, "server.db", NULL);
  options.db_path = db;
  options.demo = TRUE;
  s->server = td_server_new (&options, &error);
  g_assert_no_error (error);
  g_assert_true (td_server_listen (s->server, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  s->url = td_server_dup_base_url (s->server);
}

static void
server_stop (Server *s)
{
  td_server_shutdown (s->server, 0);
  g_clear_object (&s->server);
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->url);
}

static gboolean
session_online (gpointer data)
{
  TdChannel *channel = td_application_get_channel (app);

  return channel != NULL && td_channel_get_state (channel) == TD_CHANNEL_STATE_ONLINE &&
         td_channel_get_synced (channel) &&
         !td_window_is_showing_login (td_application_get_window (app));
}

/* the app stores the token in the background after the login */
typedef struct
{
  const char *url;
  gboolean    want;
} KeptWait;

static gboolean
token_kept (gpointer data)
{
  KeptWait *w = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = fresh_lookup (w->url, "alice", &error);

  g_assert_no_error (error);
  return (token != NULL) == w->want;
}

static void
log_in_as_alice (const char *url)
{
  TdWindow *window = td_application_get_window (app);

  td_window_show_login (window);
  g_signal_emit_by_name (td_window_get_login_page (window), "log-in", url, "alice", "demo-op-alice");
  wait_until (session_online, NULL, "the session after the login");
  g_assert_cmpstr (td_channel_get_me_id (td_application_get_channel (app)), ==, "o_alice");
}

/* No Secret Service: the login works all the same, nothing is kept */
static void
test_app_without_keyring (void)
{
  Server s = { 0, };
  g_autoptr(TdTokenKeeper) keeper = td_secret_token_keeper_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;

  g_assert_false (name_has_owner ("org.freedesktop.secrets"));
  server_start (&s);
  td_application_set_token_keeper (app, keeper);

  log_in_as_alice (s.url);
  /* let the app's store attempt finish */
  token = lookup (keeper, s.url, "alice", &error);
  g_assert_error (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE);
  g_assert_null (token);
  g_assert_true (session_online (NULL));

  td_application_log_out (app);
  g_assert_true (td_window_is_showing_login (td_application_get_window (app)));
  g_assert_null (td_application_get_channel (app));

  server_stop (&s);
  secret_service_disconnect ();
}

/* With the keyring: the login is kept, and forgotten on log out */
static void
test_app_with_keyring (void)
{
  Server s = { 0, };
  g_autoptr(TdTokenKeeper) keeper = NULL;
  KeptWait w = { NULL, TRUE };

  if (!start_keyring ())
    return;

  server_start (&s);
  keeper = td_secret_token_keeper_new ();
  td_application_set_token_keeper (app, keeper);
  w.url = s.url;

  log_in_as_alice (s.url);
  wait_until (token_kept, &w, "the token in the keyring");

  td_application_log_out (app);
  w.want = FALSE;
  wait_until (token_kept, &w, "the token gone from the keyring");

  server_stop (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_home = NULL;
  g_autofree char *display = NULL;
  int ret;

  /* a private bus before anything connects to one (GTestDBus unsets
   * DISPLAY against X11 autolaunch: GTK needs it back) */
  display = g_strdup (g_getenv ("DISPLAY"));
  test_bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (test_bus);
  if (display)
    g_setenv ("DISPLAY", display, TRUE);
  /* the caches the app makes go to a throw-away place */
  data_home = g_dir_make_tmp ("td-secret-home-XXXXXX", &error);
  g_assert_no_error (error);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  app = td_application_new ();
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);
  g_application_activate (G_APPLICATION (app));   /* the window, at its login page */
  g_assert_nonnull (td_application_get_window (app));

  g_test_add_func ("/tripdesk/secret/no-service", test_no_service);
  g_test_add_func ("/tripdesk/secret/app-without-keyring", test_app_without_keyring);
  g_test_add_func ("/tripdesk/secret/round-trip", test_round_trip);
  g_test_add_func ("/tripdesk/secret/app-with-keyring", test_app_with_keyring);

  ret = g_test_run ();

  if (td_application_get_window (app))
    gtk_window_destroy (GTK_WINDOW (td_application_get_window (app)));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  stop_keyring ();
  rm_rf (data_home);
  /* stop the bus without g_test_dbus_down(): GTK keeps its own references
   * to the session connection until exit (the down would wait 30 s for
   * them, then warn); and no unref, whose finalize would do the down */
  g_test_dbus_stop (test_bus);

  return ret;
}

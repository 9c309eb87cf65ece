/* td-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-app"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "td-about.h"
#include "td-application.h"
#include "td-json.h"
#include "td-server.h"
#include "td-store.h"
#include "td-widgets.h"
#ifdef HAVE_TD_SIM
#include "td-sim.h"
#endif

#define DEMO_TOKEN "demo-op-alice"
#define DEMO_CUSTOMERS 12
#define DEMO_FIRST_CUSTOMER 11
#define DEMO_RATE_PER_S 0.6

struct _TdApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  TdTokenKeeper  *keeper;
  TdWindow       *window;     /* weak */
  TdChannel      *channel;
  TdNotifier     *notifier;
  SoupSession    *session;
  GCancellable   *cancellable;

  char           *server_url;
  char           *user;
  char           *token;
  char           *pending_line;  /* app.open-line of a line the cache did not know yet */
  gint64          pending_upto;  /* ...given up once the store committed this cursor (-1: not synced) */
  gboolean        restoring;     /* looking up the kept token */

  TdLineVisibleFunc visible_func;
  gpointer        visible_data;

  gboolean        demo_requested;
  TdServer       *server;
  char           *demo_dir;
  char           *demo_url;
#ifdef HAVE_TD_SIM
  TdSim          *sim;
#endif
};

G_DEFINE_FINAL_TYPE (TdApplication, td_application, ADW_TYPE_APPLICATION)

enum
{
  PROP_0,
  PROP_DEMO_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GSettings *
maybe_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      g_debug ("GSettings schema %s not installed: nothing is remembered", APP_ID);
      return NULL;
    }

  return g_settings_new (APP_ID);
}

/* ---- window ---- */

static gboolean
line_visible_cb (const char *line_id,
                 gpointer    user_data)
{
  TdApplication *self = user_data;

  if (self->visible_func)
    return self->visible_func (line_id, self->visible_data);

  return self->window != NULL && td_window_is_line_visible (self->window, line_id);
}

static void
on_chat_line_cb (TdApplication *self)
{
  TdLine *line;

  if (self->window == NULL || self->notifier == NULL)
    return;

  line = td_chat_view_get_line (td_window_get_chat_view (self->window));
  if (line && line_visible_cb (td_line_get_id (line), self))
    td_notifier_line_shown (self->notifier, td_line_get_id (line));
}

static void on_login_cb (TdApplication *self, const char *url, const char *user,
                         const char *password, TdLoginPage *page);
static void on_try_demo_cb (TdApplication *self, TdLoginPage *page);

static TdWindow *
ensure_window (TdApplication *self)
{
  TdWindow *window;

  if (self->window)
    return self->window;

  window = td_window_new (GTK_APPLICATION (self), self->settings);
  g_set_weak_pointer (&self->window, window);

  g_signal_connect_object (td_window_get_login_page (window), "log-in",
                           G_CALLBACK (on_login_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (td_window_get_login_page (window), "try-demo",
                           G_CALLBACK (on_try_demo_cb), self, G_CONNECT_SWAPPED);
  /* Withdraw a line's notification when it is on screen in a focused window */
  g_signal_connect_object (window, "notify::is-active",
                           G_CALLBACK (on_chat_line_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (td_window_get_chat_view (window), "map",
                           G_CALLBACK (on_chat_line_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (td_window_get_chat_view (window), "notify::line",
                           G_CALLBACK (on_chat_line_cb), self, G_CONNECT_SWAPPED);

  if (self->settings)
    {
      g_autofree char *url = g_settings_get_string (self->settings, "server-url");
      g_autofree char *user = g_settings_get_string (self->settings, "last-user");

      td_login_page_set_server_url (td_window_get_login_page (window), url);
      td_login_page_set_user (td_window_get_login_page (window), user);
    }

  return window;
}

/* ---- opening a line from outside (app.open-line) ---- */

/* The line of an app.open-line that the cache did not know yet (a fresh
 * login's snapshot on its way, a session still being restored, a process
 * started for the action): opened as soon as the store has it; dropped,
 * with a toast, once the channel has synced and the store committed the
 * backlog without it (then the operator may not see that line).  Runs on
 * every commit and on the channel's notify::synced. */
static void
try_pending_line (TdApplication *self)
{
  TdStore *store;
  gint64 committed = 0;

  if (self->pending_line == NULL || self->window == NULL || self->channel == NULL)
    return;

  if (td_window_open_line (self->window, self->pending_line))
    {
      g_autofree char *line_id = g_steal_pointer (&self->pending_line);

      if (self->notifier)
        td_notifier_line_shown (self->notifier, line_id);
      return;
    }

  store = td_channel_get_store (self->channel);
  if (!td_channel_get_synced (self->channel))
    {
      self->pending_upto = -1;
      return;
    }
  /* synced: the store has accepted the whole backlog (live events after it
   * do not hold the decision back) */
  if (self->pending_upto < 0)
    td_store_get_cursor (store, &self->pending_upto);
  if (td_store_get_committed_cursor (store, &committed) && committed >= self->pending_upto)
    {
      g_debug ("app.open-line: %s is not among this account's lines", self->pending_line);
      g_clear_pointer (&self->pending_line, g_free);
      td_window_show_toast (self->window, _("That conversation is not available to you."));
    }
}

/* ---- session ---- */

static void
stop_session (TdApplication *self)
{
  g_clear_object (&self->notifier);
  if (self->window)
    td_window_set_channel (self->window, NULL);
  if (self->channel)
    {
      g_signal_handlers_disconnect_by_data (self->channel, self);
      g_signal_handlers_disconnect_by_data (td_channel_get_store (self->channel), self);
      td_channel_stop (self->channel);
      td_store_sync (td_channel_get_store (self->channel));
    }
  g_clear_object (&self->channel);
}

static void
on_channel_error_cb (TdApplication *self,
                     GError        *error,
                     TdChannel     *channel)
{
  if (g_error_matches (error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_UNAUTHORIZED) && self->demo_dir == NULL)
    {
      stop_session (self);
      if (self->window)
        td_window_show_login (self->window);
    }
}

void
td_application_start_session (TdApplication *self,
                              const char    *server_url,
                              const char    *user,
                              const char    *token)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autofree char *path = NULL;

  g_return_if_fail (TD_IS_APPLICATION (self));

  stop_session (self);
  ensure_window (self);

  g_free (self->server_url);
  self->server_url = g_strdup (server_url);
  g_free (self->user);
  self->user = g_strdup (user);
  g_free (self->token);
  self->token = g_strdup (token);

  if (self->demo_dir)
    path = g_build_filename (self->demo_dir, "cache.db", NULL);
  else
    path = td_store_dup_default_path (server_url, user);

  store = td_store_new (path, &error);
  if (store == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("Cannot open the local cache: %s"), error->message);

      td_window_show_login (self->window);
      td_login_page_set_error (td_window_get_login_page (self->window), text);
      return;
    }

  self->channel = td_channel_new (server_url, token, store, NULL);
  g_signal_connect_object (self->channel, "error", G_CALLBACK (on_channel_error_cb), self,
                           G_CONNECT_SWAPPED);
  self->notifier = td_notifier_new (G_APPLICATION (self), self->channel, line_visible_cb, self);
  td_notifier_set_settings (self->notifier, self->settings);

  td_window_set_channel (self->window, self->channel);
  g_signal_connect_object (store, "committed", G_CALLBACK (try_pending_line), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->channel, "notify::synced", G_CALLBACK (try_pending_line), self,
                           G_CONNECT_SWAPPED);
  td_channel_start (self->channel);
  try_pending_line (self);

  if (td_store_get_recovered_message (store))
    td_window_show_toast (self->window, td_store_get_recovered_message (store));
}

/* ---- demo ---- */

static void
stop_demo (TdApplication *self)
{
#ifdef HAVE_TD_SIM
  if (self->sim)
    td_sim_stop (self->sim);
  g_clear_object (&self->sim);
#endif
  if (self->server)
    td_server_shutdown (self->server, 0);
  g_clear_object (&self->server);

  if (self->demo_dir)
    {
      g_autoptr(GDir) dir = g_dir_open (self->demo_dir, 0, NULL);
      const char *name;

      while (dir && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (self->demo_dir, name, NULL);
          g_unlink (path);
        }
      g_rmdir (self->demo_dir);
    }
  g_clear_pointer (&self->demo_dir, g_free);
  if (self->demo_url)
    {
      g_clear_pointer (&self->demo_url, g_free);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO_URL]);
    }
}

gboolean
td_application_start_demo (TdApplication  *self,
                           GError        **error)
{
  TdServerOptions options = { 0, };
  g_autofree char *db_path = NULL;

  g_return_val_if_fail (TD_IS_APPLICATION (self), FALSE);

  stop_session (self);
  stop_demo (self);

  self->demo_dir = g_dir_make_tmp ("tripdesk-demo-XXXXXX", error);
  if (self->demo_dir == NULL)
    return FALSE;

  db_path = g_build_filename (self->demo_dir, "server.db", NULL);
  options.db_path = db_path;
  options.demo = TRUE;
  self->server = td_server_new (&options, error);
  if (self->server == NULL || !td_server_listen (self->server, "127.0.0.1", 0, error))
    {
      stop_demo (self);
      return FALSE;
    }
  self->demo_url = td_server_dup_base_url (self->server);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEMO_URL]);

  td_application_start_session (self, self->demo_url, "alice", DEMO_TOKEN);

#ifdef HAVE_TD_SIM
  /* Travellers c_11 … c_22 (c_1 … c_10 stay free for hand-made tests) */
  self->sim = td_sim_new (self->demo_url, DEMO_CUSTOMERS, DEMO_RATE_PER_S, g_random_int ());
  td_sim_set_first_customer (self->sim, DEMO_FIRST_CUSTOMER);
  td_sim_set_transport (self->sim, TD_SIM_TRANSPORT_AUTO);
  td_sim_start (self->sim);
#endif

  return TRUE;
}

const char *
td_application_get_demo_url (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return self->demo_url;
}

static void
on_try_demo_cb (TdApplication *self,
                TdLoginPage   *page)
{
  g_autoptr(GError) error = NULL;

  if (!td_application_start_demo (self, &error))
    td_login_page_set_error (page, error->message);
}

/* ---- login / logout ---- */

typedef struct
{
  char *url;
  char *user;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_free (data->url);
  g_free (data->user);
  g_free (data);
}

/* The session runs either way: without a keyring the login is only not
 * remembered, and the operator is told why. */
static void
on_token_stored_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TdApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (td_token_keeper_store_finish (TD_TOKEN_KEEPER (source), result, &error))
    return;

  g_debug ("Cannot keep the token: %s", error->message);
  if (self->window && self->channel &&
      (g_error_matches (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE) ||
       g_error_matches (error, TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_LOCKED)))
    td_window_show_toast (self->window,
                          _("No keyring is available: you will have to log in again next time."));
}

static void
on_login_done_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  TdApplication *self = g_task_get_source_object (task);
  LoginData *data = g_task_get_task_data (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonObject) object = NULL;
  TdLoginPage *page;
  const char *token = NULL;

  if (self->window == NULL)
    return;
  page = td_window_get_login_page (self->window);
  td_login_page_set_busy (page, FALSE);

  if (bytes == NULL)
    {
      td_login_page_set_error (page, error->message);
      return;
    }

  if (soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED)
    {
      td_login_page_set_error (page, _("Wrong user or password."));
      return;
    }

  object = td_json_parse_object (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK || object == NULL ||
      !json_object_has_member (object, "token") ||
      (token = json_object_get_string_member (object, "token")) == NULL)
    {
      /* Translators: %u is an HTTP status code */
      g_autofree char *text = g_strdup_printf (_("The server did not accept the login (HTTP %u)."),
                                               soup_message_get_status (msg));
      td_login_page_set_error (page, text);
      return;
    }

  td_login_page_set_error (page, NULL);
  if (self->settings)
    {
      g_settings_set_string (self->settings, "server-url", data->url);
      g_settings_set_string (self->settings, "last-user", data->user);
    }
  td_token_keeper_store_async (self->keeper, data->url, data->user, token, NULL,
                               on_token_stored_cb, g_object_ref (self));
  td_application_start_session (self, data->url, data->user, token);
}

static void
on_login_cb (TdApplication *self,
             const char    *url,
             const char    *user,
             const char    *password,
             TdLoginPage   *page)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autofree char *endpoint = NULL;
  g_autofree char *base = g_strdup (url);
  SoupMessage *msg;
  GTask *task;
  LoginData *data;

  while (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "user");
  json_builder_add_string_value (builder, user);
  json_builder_set_member_name (builder, "password");
  json_builder_add_string_value (builder, password);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = td_json_node_to_string (root, NULL);

  endpoint = g_strconcat (base, "/v1/login", NULL);
  msg = soup_message_new (SOUP_METHOD_POST, endpoint);
  if (msg == NULL)
    {
      td_login_page_set_error (page, _("That server address is not valid."));
      return;
    }
  {
    gsize len = strlen (body);
    g_autoptr(GBytes) bytes = g_bytes_new_take (g_steal_pointer (&body), len);

    soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  }

  data = g_new0 (LoginData, 1);
  data->url = g_steal_pointer (&base);
  data->user = g_strdup (user);
  task = g_task_new (self, NULL, NULL, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);

  td_login_page_set_busy (page, TRUE);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable,
                                    on_login_done_cb, task);
  g_object_unref (msg);
}

static void
on_logout_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (bytes == NULL)
    g_debug ("Logout request failed: %s", error->message);
}

void
td_application_log_out (TdApplication *self)
{
  g_autofree char *endpoint = NULL;
  g_autofree char *auth = NULL;
  SoupMessage *msg;

  g_return_if_fail (TD_IS_APPLICATION (self));

  stop_session (self);
  g_clear_pointer (&self->pending_line, g_free);

  if (self->server_url && self->token)
    {
      endpoint = g_strconcat (self->server_url, "/v1/logout", NULL);
      msg = soup_message_new (SOUP_METHOD_POST, endpoint);
      if (msg)
        {
          auth = g_strconcat ("Bearer ", self->token, NULL);
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
          soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT, NULL,
                                            on_logout_done_cb, NULL);
          g_object_unref (msg);
        }
    }

  if (self->server_url && self->user && self->demo_dir == NULL)
    td_token_keeper_clear_async (self->keeper, self->server_url, self->user, NULL, NULL, NULL);
  g_clear_pointer (&self->token, g_free);

  stop_demo (self);
  if (self->window)
    td_window_show_login (self->window);
}

/* ---- actions ---- */

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  TdApplication *self = user_data;

  if (self->window)
    gtk_window_destroy (GTK_WINDOW (self->window));
  g_application_quit (G_APPLICATION (self));
}

static void
logout_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  td_application_log_out (TD_APPLICATION (user_data));
}

static void restore_session (TdApplication *self);

/* From a notification, or from another process over D-Bus
 * (org.freedesktop.Application.ActivateAction, `gapplication action`):
 * that may come before activate() ever ran, before the session is
 * restored, or before the store knows the line. */
static void
open_line_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  TdApplication *self = user_data;
  const char *line_id = g_variant_get_string (param, NULL);
  gboolean fresh = self->window == NULL;

  ensure_window (self);
  g_clear_pointer (&self->pending_line, g_free);
  if (td_window_open_line (self->window, line_id))
    {
      if (self->notifier)
        td_notifier_line_shown (self->notifier, line_id);
    }
  else
    {
      self->pending_line = g_strdup (line_id);
      self->pending_upto = -1;
      if (fresh)
        restore_session (self);
      try_pending_line (self);
    }
  gtk_window_present (GTK_WINDOW (self->window));
}

static void
demo_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  TdApplication *self = user_data;

  ensure_window (self);
  on_try_demo_cb (self, td_window_get_login_page (self->window));
  gtk_window_present (GTK_WINDOW (self->window));
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  TdApplication *self = user_data;

  gtk_window_present (GTK_WINDOW (td_about_window_new (self->window ? GTK_WINDOW (self->window) : NULL)));
}

static const GActionEntry app_actions[] = {
  { "quit", quit_action },
  { "logout", logout_action },
  { "about", about_action },
  { "demo", demo_action },
  { "open-line", open_line_action, "s" },
};

/* ---- GApplication ---- */

static void
on_token_found_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TdApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = td_token_keeper_lookup_finish (TD_TOKEN_KEEPER (source), result, &error);
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;

  self->restoring = FALSE;
  if (token == NULL || self->window == NULL || self->channel != NULL)
    {
      if (error)
        g_debug ("No kept token: %s", error->message);
      return;
    }

  url = g_settings_get_string (self->settings, "server-url");
  user = g_settings_get_string (self->settings, "last-user");
  td_application_start_session (self, url, user, token);
}

/* A kept token for the last server and user: log in with it. */
static void
restore_session (TdApplication *self)
{
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;

  if (self->channel != NULL || self->restoring || self->settings == NULL)
    return;

  url = g_settings_get_string (self->settings, "server-url");
  user = g_settings_get_string (self->settings, "last-user");
  if (url[0] && user[0])
    {
      self->restoring = TRUE;
      td_token_keeper_lookup_async (self->keeper, url, user, self->cancellable,
                                    on_token_found_cb, g_object_ref (self));
    }
}

static void
td_application_activate (GApplication *app)
{
  TdApplication *self = TD_APPLICATION (app);
  TdWindow *window;
  gboolean fresh = self->window == NULL;

  window = ensure_window (self);

  if (self->demo_requested)
    {
      g_autoptr(GError) error = NULL;

      self->demo_requested = FALSE;
      if (!td_application_start_demo (self, &error))
        td_login_page_set_error (td_window_get_login_page (window), error->message);
    }
  else if (fresh)
    {
      restore_session (self);
    }

  gtk_window_present (GTK_WINDOW (window));
}

static int
td_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TdApplication *self = TD_APPLICATION (app);

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("tripdesk %s\n", VERSION);
      return 0;
    }

  if (g_variant_dict_contains (options, "demo"))
    self->demo_requested = TRUE;

  return -1;
}

static void
td_application_startup (GApplication *app)
{
  TdApplication *self = TD_APPLICATION (app);
  GtkApplication *gtk_app = GTK_APPLICATION (app);

  td_widgets_init ();
  G_APPLICATION_CLASS (td_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), self);

  gtk_application_set_accels_for_action (gtk_app, "app.quit", (const char *[]) { "<Primary>q", NULL });
  gtk_application_set_accels_for_action (gtk_app, "window.close", (const char *[]) { "<Primary>w", NULL });
  gtk_application_set_accels_for_action (gtk_app, "win.jump", (const char *[]) { "<Primary>k", NULL });
  gtk_application_set_accels_for_action (gtk_app, "win.previous-line", (const char *[]) { "<Alt>Up", NULL });
  gtk_application_set_accels_for_action (gtk_app, "win.next-line", (const char *[]) { "<Alt>Down", NULL });
  gtk_application_set_accels_for_action (gtk_app, "win.show-help-overlay",
                                         (const char *[]) { "<Primary>question", NULL });

  self->settings = maybe_settings ();
}

static void
td_application_shutdown (GApplication *app)
{
  TdApplication *self = TD_APPLICATION (app);

  g_cancellable_cancel (self->cancellable);
  stop_session (self);
  stop_demo (self);

  G_APPLICATION_CLASS (td_application_parent_class)->shutdown (app);
}

void
td_application_set_line_visible_func (TdApplication     *self,
                                      TdLineVisibleFunc  func,
                                      gpointer           user_data)
{
  g_return_if_fail (TD_IS_APPLICATION (self));

  self->visible_func = func;
  self->visible_data = user_data;
}

void
td_application_set_token_keeper (TdApplication *self,
                                 TdTokenKeeper *keeper)
{
  g_return_if_fail (TD_IS_APPLICATION (self));
  g_return_if_fail (TD_IS_TOKEN_KEEPER (keeper));

  g_set_object (&self->keeper, keeper);
}

TdWindow *
td_application_get_window (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return self->window;
}

TdChannel *
td_application_get_channel (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return self->channel;
}

const char *
td_application_get_pending_line (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return self->pending_line;
}

TdNotifier *
td_application_get_notifier (TdApplication *self)
{
  g_return_val_if_fail (TD_IS_APPLICATION (self), NULL);

  return self->notifier;
}

static void
td_application_dispose (GObject *object)
{
  TdApplication *self = TD_APPLICATION (object);

  stop_session (self);
  stop_demo (self);
  g_clear_weak_pointer (&self->window);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->keeper);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (td_application_parent_class)->dispose (object);
}

static void
td_application_finalize (GObject *object)
{
  TdApplication *self = TD_APPLICATION (object);

  g_free (self->server_url);
  g_free (self->user);
  g_free (self->token);
  g_free (self->pending_line);

  G_OBJECT_CLASS (td_application_parent_class)->finalize (object);
}

static void
td_application_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  TdApplication *self = TD_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_DEMO_URL:
      g_value_set_string (value, self->demo_url);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_application_class_init (TdApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = td_application_dispose;
  object_class->finalize = td_application_finalize;
  object_class->get_property = td_application_get_property;

  /* The in-process server's base URL while in demo mode, else NULL (the
   * preferences window reads it to say "this is the demo"). */
  properties[PROP_DEMO_URL] =
    g_param_spec_string ("demo-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  app_class->activate = td_application_activate;
  app_class->startup = td_application_startup;
  app_class->shutdown = td_application_shutdown;
  app_class->handle_local_options = td_application_handle_local_options;
}

static void
td_application_init (TdApplication *self)
{
  static const GOptionEntry entries[] = {
    { "demo", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Run the demo: a local server with simulated travellers"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, N_("Print the version"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  self->keeper = td_secret_token_keeper_new ();
  self->cancellable = g_cancellable_new ();
  self->session = soup_session_new_with_options ("timeout", 30, NULL);
}

TdApplication *
td_application_new (void)
{
  td_widgets_init ();

  return g_object_new (TD_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/io/github/tripdesk/Tripdesk",
                       NULL);
}

/* main.c — tripdesk-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <glib-unix.h>

#include "td-server.h"
#include "td-server-private.h"

typedef struct
{
  GMainLoop *loop;
  TdServer  *server;
  guint      quit_id;
} App;

static gboolean
quit_cb (gpointer data)
{
  App *app = data;

  app->quit_id = 0;
  g_main_loop_quit (app->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal_cb (gpointer data)
{
  App *app = data;

  if (app->quit_id != 0)
    {
      /* a second signal: leave at once */
      g_main_loop_quit (app->loop);
      return G_SOURCE_CONTINUE;
    }
  g_message ("shutting down");
  td_server_shutdown (app->server, 0);
  /* give the close frames and held polls a moment to go out */
  app->quit_id = g_timeout_add (500, quit_cb, app);
  return G_SOURCE_CONTINUE;
}

static void
raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
        g_message ("could not raise the file descriptor limit");
    }
}

static gboolean
split_listen (const char  *listen,
              char       **host,
              guint       *port,
              GError     **error)
{
  const char *colon = strrchr (listen, ':');
  guint64 p;

  if (colon == NULL || !g_ascii_string_to_unsigned (colon + 1, 10, 0, 65535, &p, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--listen wants ADDRESS:PORT, e.g. 127.0.0.1:8480");
      return FALSE;
    }
  if (listen[0] == '[' && colon > listen && colon[-1] == ']')
    *host = g_strndup (listen + 1, colon - listen - 2);
  else
    *host = g_strndup (listen, colon - listen);
  *port = (guint) p;
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *listen = NULL;
  g_autofree char *db = NULL;
  g_autofree char *tz = NULL;
  g_autofree char *host = NULL;
  gboolean demo = FALSE, verbose = FALSE, no_ws = FALSE;
  int demo_customers = 0, heartbeat = 0;
  guint port = 0;
  GOptionEntry entries[] = {
    { "listen", 'l', 0, G_OPTION_ARG_STRING, &listen, "Address and port (default 127.0.0.1:8480)", "ADDR:PORT" },
    { "db", 'd', 0, G_OPTION_ARG_FILENAME, &db, "The sqlite database (created if missing)", "PATH" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo, "Seed the demo accounts into an empty database; loopback only", NULL },
    { "demo-customers", 0, 0, G_OPTION_ARG_INT, &demo_customers, "Demo customers to seed (default 50)", "N" },
    { "heartbeat", 0, 0, G_OPTION_ARG_INT, &heartbeat, "WebSocket heartbeat in seconds (default 20)", "S" },
    { "tz", 0, 0, G_OPTION_ARG_STRING, &tz, "Time zone of the figures' day (default: local)", "TZ" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log sessions", NULL },
    { "no-websocket", 0, 0, G_OPTION_ARG_NONE, &no_ws, "Answer /v1/ws with 503 (long-poll only)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— the Tripdesk IM server");
  g_autoptr(GError) error = NULL;
  TdServerOptions opts = { 0, };
  App app = { 0, };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("tripdesk-server: %s\n", error->message);
      return 2;
    }
  if (db == NULL)
    {
      g_printerr ("tripdesk-server: --db PATH is required\n");
      return 2;
    }
  if (!split_listen (listen ? listen : "127.0.0.1:8480", &host, &port, &error))
    {
      g_printerr ("tripdesk-server: %s\n", error->message);
      return 2;
    }
  if (verbose)
    g_setenv ("G_MESSAGES_DEBUG", "tripdesk-server", FALSE);

  raise_nofile ();

  opts.db_path = db;
  opts.demo = demo;
  opts.demo_customers = demo_customers;
  opts.heartbeat_s = heartbeat;
  opts.tz = tz;
  opts.verbose = verbose;

  app.server = td_server_new (&opts, &error);
  if (app.server == NULL)
    {
      g_printerr ("tripdesk-server: %s\n", error->message);
      return 1;
    }
  if (!td_server_listen (app.server, host, port, &error))
    {
      g_printerr ("tripdesk-server: %s\n", error->message);
      g_object_unref (app.server);
      return 1;
    }
  td_server_set_websocket_enabled (app.server, !no_ws);
  {
    g_autofree char *url = td_server_dup_base_url (app.server);
    g_print ("tripdesk-server listening on %s%s\n", url, demo ? " (demo)" : "");
  }

  app.loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, on_signal_cb, &app);
  g_unix_signal_add (SIGTERM, on_signal_cb, &app);
  g_main_loop_run (app.loop);

  g_clear_handle_id (&app.quit_id, g_source_remove);
  g_object_unref (app.server);
  g_main_loop_unref (app.loop);
  return 0;
}

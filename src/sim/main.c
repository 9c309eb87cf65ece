/* main.c — tripdesk-sim: simulated travellers against a Tripdesk server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-sim"

#include "config.h"

#include <locale.h>
#include <sys/resource.h>
#include <glib-unix.h>

#include "td-sim.h"

typedef struct
{
  GMainLoop *loop;
  TdSim     *sim;
  gboolean   quiet;
  guint      interrupted;
} App;

static void
raise_nofile (void)
{
  struct rlimit rl;

  /* every customer holds sockets and a store: lift the soft limit */
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

static gboolean
on_signal_cb (gpointer data)
{
  App *app = data;

  if (app->interrupted++ == 0)
    {
      g_printerr ("tripdesk-sim: interrupted - waiting for outstanding acks (again to quit)\n");
      td_sim_finish (app->sim);
    }
  else
    g_main_loop_quit (app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
progress_cb (gpointer data)
{
  App *app = data;
  TdSimStats s;

  td_sim_get_stats (app->sim, &s);
  g_printerr ("[%5.1f s] online %u/%u  sent %" G_GUINT64_FORMAT "  acked %" G_GUINT64_FORMAT
              "  received %" G_GUINT64_FORMAT "  ack p50 %" G_GINT64_FORMAT " ms\n",
              s.elapsed_ms / 1000.0, s.online, s.customers, s.sent, s.acked,
              s.received + s.received_peer, s.ack_p50_ms);
  return G_SOURCE_CONTINUE;
}

static void
on_finished_cb (TdSim *sim,
                App   *app)
{
  g_main_loop_quit (app->loop);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *server = NULL;
  g_autofree char *transport_name = NULL;
  int customers = 10, first = 1, poll_wait = 0;
  double rate = 5, duration = 10, reply_p = -1, chinese = -1;
  gint64 seed = -1;
  gboolean login = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "server", 's', 0, G_OPTION_ARG_STRING, &server, "The server's base URL (e.g. http://127.0.0.1:8480)", "URL" },
    { "customers", 'n', 0, G_OPTION_ARG_INT, &customers, "Travellers to simulate (default 10)", "N" },
    { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &rate, "Messages per second, all travellers together (default 5)", "R" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration, "Seconds of sending (default 10; 0 = until Ctrl+C)", "S" },
    { "transport", 't', 0, G_OPTION_ARG_STRING, &transport_name, "ws, poll, mixed or auto (default ws)", "T" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of every random choice (default: from the clock)", "N" },
    { "first-customer", 0, 0, G_OPTION_ARG_INT, &first, "Number of the first traveller: c_K ... (default 1)", "K" },
    { "login", 0, 0, G_OPTION_ARG_NONE, &login, "Log in with POST /v1/login instead of the demo tokens", NULL },
    { "reply-probability", 0, 0, G_OPTION_ARG_DOUBLE, &reply_p, "Chance of answering an operator (default 0.6)", "P" },
    { "chinese", 0, 0, G_OPTION_ARG_DOUBLE, &chinese, "Share of travellers writing in Chinese (default 0.2)", "P" },
    { "poll-wait", 0, 0, G_OPTION_ARG_INT, &poll_wait, "Long-poll wait in seconds (default 25)", "S" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress lines", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("- simulated travellers for a Tripdesk server");
  g_autoptr(GError) error = NULL;
  g_autoptr(TdSim) sim = NULL;
  g_autofree char *table = NULL;
  TdSimTransport transport = TD_SIM_TRANSPORT_WEBSOCKET;
  TdSimStats stats;
  App app = { 0, };
  guint progress = 0;
  gboolean ok;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_description (ctx,
    "Each traveller is a real channel and store, as in the app.  At the end every\n"
    "traveller's store is checked: each message sent stored exactly once, every\n"
    "line's line_seq gapless.  Exit status: 0 all good, 1 loss / duplicates / gaps,\n"
    "2 bad usage.\n");
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("tripdesk-sim: %s\n", error->message);
      return 2;
    }
  if (server == NULL)
    {
      g_printerr ("tripdesk-sim: --server URL is required\n");
      return 2;
    }
  if (!g_str_has_prefix (server, "http://") && !g_str_has_prefix (server, "https://"))
    {
      g_printerr ("tripdesk-sim: --server must be an http:// or https:// URL\n");
      return 2;
    }
  if (customers < 1 || first < 1 || rate <= 0 || duration < 0 || poll_wait < 0)
    {
      g_printerr ("tripdesk-sim: --customers, --first-customer and --rate must be positive, --duration not negative\n");
      return 2;
    }
  if (transport_name != NULL && !td_sim_transport_from_string (transport_name, &transport))
    {
      g_printerr ("tripdesk-sim: unknown transport “%s” (ws, poll, mixed, auto)\n", transport_name);
      return 2;
    }
  if (seed < 0)
    seed = g_get_real_time () & 0x7fffffff;

  raise_nofile ();

  sim = td_sim_new (server, (guint) customers, rate, (guint32) seed);
  td_sim_set_transport (sim, transport);
  td_sim_set_duration (sim, duration);
  td_sim_set_first_customer (sim, (guint) first);
  td_sim_set_use_login (sim, login);
  td_sim_set_poll_wait (sim, (guint) poll_wait);
  if (reply_p >= 0)
    td_sim_set_reply_probability (sim, reply_p);
  if (chinese >= 0)
    td_sim_set_chinese_share (sim, chinese);

  app.loop = g_main_loop_new (NULL, FALSE);
  app.sim = sim;
  app.quiet = quiet;
  g_signal_connect (sim, "finished", G_CALLBACK (on_finished_cb), &app);
  g_unix_signal_add (SIGINT, on_signal_cb, &app);
  g_unix_signal_add (SIGTERM, on_signal_cb, &app);
  if (!quiet)
    {
      g_printerr ("tripdesk-sim: %d travellers (c_%d...) -> %s, %.1f msg/s, %s, seed %" G_GINT64_FORMAT "\n",
                  customers, first, server, rate,
                  td_sim_transport_to_string (transport), seed);
      progress = g_timeout_add_seconds (5, progress_cb, &app);
    }

  td_sim_start (sim);
  g_main_loop_run (app.loop);
  g_clear_handle_id (&progress, g_source_remove);

  ok = td_sim_verify (sim, &stats, &error);
  td_sim_stop (sim);

  table = td_sim_stats_format (&stats);
  g_print ("tripdesk-sim: %d travellers, %s, seed %" G_GINT64_FORMAT "\n%s",
           customers, td_sim_transport_to_string (transport), seed, table);
  if (!ok)
    g_printerr ("tripdesk-sim: %s\n", error->message);

  g_main_loop_unref (app.loop);
  return ok ? 0 : 1;
}

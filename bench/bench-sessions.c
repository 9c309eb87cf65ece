/* bench-sessions.c — benchmark 4: sessions held and fan-out
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * tripdesk-server (subprocess, --demo --demo-customers N) holds 1k, 5k and
 * 10k WebSocket sessions of distinct customers (each after hello / welcome /
 * synced), opened by client subprocesses (this program with --hold, at most
 * PER_CHILD sessions each, at nice 10) within a time budget per server
 * configuration; the server's RSS growth divided by the sessions is the
 * memory per session, with and without permessage-deflate.  Baseline: a
 * bare libsoup WebSocket echo server holding as many connections.
 *
 * Among the held sessions (bystanders), a probe measures the server's CPU
 * per message delivered to one operator session, and its CPU while idle.
 *
 * Fan-out: M operator sessions (Alice) in client subprocesses receive K
 * messages sent by customers of m_lakeside: deliveries/s = M × K / time
 * from the first send to the last receipt (CLOCK_MONOTONIC across
 * processes).  Baseline: a bare libsoup broadcast server, same clients.
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench-net-common.h"
#include "bench-util.h"

#define PER_CHILD 500

static guint in_flight = 64;    /* connecting at once, per client process */

static const char *argv0;
static gboolean quick;

/* ---- child: hold sessions ---------------------------------------------------------- */

typedef struct
{
  GPtrArray *conns;
  double    *retry_at;     /* per conn: when to try again after a failure (0: now) */
  guint      retries;      /* failed attempts (503 + Retry-After, resets) */
  guint      next;         /* next conn to start */
  guint      in_flight;
  guint      ready;
  guint      expect;       /* fan-out: frames each conn should get */
  guint64    got;          /* fan-out: frames counted */
  guint64    want;
  double     last_rx;
  gboolean   operator;
  gboolean   reported;
  double     deadline;     /* report "partial" if not all ready by then (0: none) */
} Hold;

static Hold hold;

static void
on_hold_packet (BenchConn  *conn,
                const char *data,
                gsize       len,
                TdPacket   *packet,
                gpointer    user_data)
{
  if (hold.expect == 0)
    return;
  if (conn->raw || (packet && packet->type == TD_PACKET_MSG))
    {
      hold.got++;
      hold.last_rx = bench_now ();
    }
}

static gboolean
hold_tick_cb (gpointer data)
{
  /* count ready ones, retry failures (503 + Retry-After), start more */
  hold.ready = 0;
  hold.in_flight = 0;
  for (guint i = 0; i < hold.next; i++)
    {
      BenchConn *c = g_ptr_array_index (hold.conns, i);

      if (c->synced)
        hold.ready++;
      else if (c->failed || c->closed)
        {
          /* refused (the server's admission control answers 503 with
           * Retry-After: 1): try again in 0.5–1.5 s, as a client would,
           * rather than at once */
          if (hold.retry_at[i] == 0)
            {
              hold.retries++;
              hold.retry_at[i] = bench_now () + g_random_double_range (0.5, 1.5);
            }
          else if (bench_now () >= hold.retry_at[i] && hold.in_flight < in_flight)
            {
              hold.retry_at[i] = 0;
              c->failed = c->closed = FALSE;
              g_clear_object (&c->ws);
              bench_conn_connect (c, "/v1/ws");
              hold.in_flight++;
            }
        }
      else
        hold.in_flight++;
    }
  while (hold.in_flight < in_flight && hold.next < hold.conns->len)
    {
      bench_conn_connect (g_ptr_array_index (hold.conns, hold.next++), "/v1/ws");
      hold.in_flight++;
    }
  if (g_getenv ("BENCH_DEBUG"))
    {
      static double last;

      if (bench_now () - last > 1)
        {
          last = bench_now ();
          g_printerr ("hold: %u ready, %u in flight, %u started, %u retries\n", hold.ready, hold.in_flight,
                      hold.next, hold.retries);
        }
    }
  if (!hold.reported && hold.deadline > 0 && bench_now () > hold.deadline && hold.ready < hold.conns->len)
    {
      hold.reported = TRUE;
      printf ("partial %u %u\n", hold.ready, hold.retries);
      fflush (stdout);
    }
  if (!hold.reported && hold.ready == hold.conns->len)
    {
      hold.reported = TRUE;
      printf ("ready %u %u\n", hold.ready, hold.retries);
      fflush (stdout);
    }
  if (hold.want > 0 && hold.got >= hold.want)
    {
      printf ("done %.6f %" G_GUINT64_FORMAT "\n", hold.last_rx, hold.got);
      fflush (stdout);
      hold.want = 0;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_stdin_cb (gint         fd,
             GIOCondition condition,
             gpointer     data)
{
  char buf[64];
  gssize n = read (fd, buf, sizeof buf);

  if (n <= 0)
    exit (0);   /* the parent is done with us */
  return G_SOURCE_CONTINUE;
}

static int
hold_main (guint    port,
           guint    first,
           guint    count,
           gboolean deflate,
           gboolean raw,
           gboolean operator,
           guint    expect,
           double   deadline_s)
{
  g_autoptr(SoupSession) session = bench_session_new (deflate);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", port);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  bench_raise_nofile ();
  /* the server under test first: on this shared 2-core machine a client
   * process competes with the server for the same CPU */
  if (nice (10) == -1)
    g_debug ("nice: %s", g_strerror (errno));
  hold.conns = g_ptr_array_new ();
  hold.retry_at = g_new0 (double, count);
  hold.deadline = deadline_s > 0 ? bench_now () + deadline_s : 0;
  hold.expect = expect;
  hold.want = (guint64) expect * count;
  for (guint i = 0; i < count; i++)
    {
      g_autofree char *token = operator ? g_strdup ("demo-op-alice") : g_strdup_printf ("demo-cust-%u", first + i);
      BenchConn *c = bench_conn_new (session, base, token, FALSE, first + i, on_hold_packet, NULL);

      c->raw = raw;
      c->quiet = TRUE;
      g_ptr_array_add (hold.conns, c);
    }
  g_timeout_add (20, hold_tick_cb, NULL);
  g_unix_fd_add (0, G_IO_IN | G_IO_HUP, on_stdin_cb, NULL);
  g_main_loop_run (loop);
  return 0;
}

/* ---- parent ---------------------------------------------------------------------------- */

typedef struct
{
  GSubprocess      *proc;
  GDataInputStream *out;
} Child;

static Child *
child_spawn (guint    port,
             guint    first,
             guint    count,
             gboolean deflate,
             gboolean raw,
             gboolean operator,
             guint    expect,
             double   deadline_s)
{
  g_autofree char *a_deadline = g_strdup_printf ("%.1f", deadline_s);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *a_port = g_strdup_printf ("%u", port);
  g_autofree char *a_first = g_strdup_printf ("%u", first);
  g_autofree char *a_count = g_strdup_printf ("%u", count);
  g_autofree char *a_expect = g_strdup_printf ("%u", expect);
  g_autofree char *a_in_flight = g_strdup_printf ("%u", in_flight);
  g_autoptr(GError) error = NULL;
  const char *argv[24];
  int i = 0;
  Child *child = g_new0 (Child, 1);

  argv[i++] = self;
  argv[i++] = "--hold";
  argv[i++] = a_port;
  argv[i++] = "--first";
  argv[i++] = a_first;
  argv[i++] = "--count";
  argv[i++] = a_count;
  argv[i++] = "--expect";
  argv[i++] = a_expect;
  argv[i++] = "--in-flight";
  argv[i++] = a_in_flight;
  argv[i++] = "--deadline";
  argv[i++] = a_deadline;
  if (deflate)
    argv[i++] = "--deflate";
  if (raw)
    argv[i++] = "--raw";
  if (operator)
    argv[i++] = "--operator";
  argv[i++] = NULL;
  child->proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  if (child->proc == NULL)
    g_error ("%s", error->message);
  child->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child->proc));
  return child;
}

/* blocks until the child says @word; returns the rest of the line (owned) */
static char *
child_expect (Child      *child,
              const char *word)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (child->out, NULL, NULL, &error);

      if (line == NULL)
        g_error ("a client process ended before '%s'%s%s", word, error ? ": " : "", error ? error->message : "");
      if (g_str_has_prefix (line, word))
        return g_strdup (line + strlen (word));
    }
}

/* blocks until the child says "ready N R" or "partial N R"; TRUE if all
 * are ready; @n_ready: sessions ready, @retries: refused attempts */
static gboolean
child_expect_any (Child *child,
                  guint *n_ready,
                  guint *retries)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (child->out, NULL, NULL, &error);
      gboolean ready;

      if (line == NULL)
        g_error ("a client process ended early%s%s", error ? ": " : "", error ? error->message : "");
      ready = g_str_has_prefix (line, "ready ");
      if (ready || g_str_has_prefix (line, "partial "))
        {
          char *end = NULL;

          *n_ready = (guint) g_ascii_strtoull (strchr (line, ' ') + 1, &end, 10);
          *retries = end ? (guint) g_ascii_strtoull (end, NULL, 10) : 0;
          return ready;
        }
    }
}

static void
child_free (Child *child)
{
  g_output_stream_close (g_subprocess_get_stdin_pipe (child->proc), NULL, NULL);
  g_subprocess_wait (child->proc, NULL, NULL);
  g_object_unref (child->out);
  g_object_unref (child->proc);
  g_free (child);
}

static gboolean
start (BenchServer *server,
       gboolean     echo,
       gboolean     broadcast,
       guint        customers)
{
  g_autoptr(GError) error = NULL;

  if (echo ? !bench_echo_start (server, argv0, broadcast, &error)
           : !bench_server_start (server, argv0, (int) customers, &error))
    g_error ("%s", error->message);
  g_usleep (300000);   /* let it settle */
  return TRUE;
}

#define MAX_TARGETS 3

typedef struct
{
  double kb_per_session[MAX_TARGETS];
  guint  sessions[MAX_TARGETS];  /* ready when measured (< the target: budget ran out) */
  double secs[MAX_TARGETS];      /* time to open the step's sessions */
  double probe_us[MAX_TARGETS];  /* tripdesk: server CPU per message, 0: not measured */
  double idle_cpu[MAX_TARGETS];  /* tripdesk: server CPU share while the sessions idle */
  guint  retries;                /* attempts refused (503) and retried */
  gint64 idle_kb;
  guint  reached;                /* steps measured (the last may be partial) */
} HoldResult;

static double budget_s = 80;   /* per server configuration */
static gboolean probe_only;

static double probe_fanout (BenchServer *server, guint first_customer, gboolean deflate, double *idle_cpu);

static void
run_hold (gboolean     echo,
          gboolean     deflate,
          const guint *targets,
          guint        n_targets,
          HoldResult  *res)
{
  BenchServer server;
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  guint held = 0, ready = 0;
  double end;

  /* the bystander probe's senders come after the held customers */
  start (&server, echo, FALSE, targets[n_targets - 1] + 100);
  res->idle_kb = bench_rss_kb (server.pid);
  res->reached = 0;
  end = bench_now () + budget_s;
  for (guint t = 0; t < n_targets; t++)
    {
      g_autoptr(GPtrArray) step = g_ptr_array_new ();
      double t0 = bench_now ();
      gboolean all = TRUE;

      if (t0 > end - 1)
        break;
      while (held < targets[t])
        {
          guint n = MIN (PER_CHILD, targets[t] - held);
          Child *c = child_spawn (server.port, held + 1, n, deflate, echo, FALSE, 0, MAX (1.0, end - t0));

          g_ptr_array_add (children, c);
          g_ptr_array_add (step, c);
          held += n;
        }
      for (guint i = 0; i < step->len; i++)
        {
          guint n = 0, retries = 0;

          all = child_expect_any (g_ptr_array_index (step, i), &n, &retries) && all;
          ready += n;
          res->retries += retries;
        }
      res->secs[t] = bench_now () - t0;
      g_usleep (500000);   /* welcome / synced written, buffers settled */
      res->sessions[t] = ready;
      res->kb_per_session[t] = (double) (bench_rss_kb (server.pid) - res->idle_kb) / MAX (1, ready);
      res->reached = t + 1;
      if (!echo && all)
        res->probe_us[t] = probe_fanout (&server, targets[n_targets - 1] + 1, deflate, &res->idle_cpu[t]);
      if (!all)
        break;   /* the budget ran out in this step: measured as far as it got */
    }
  g_ptr_array_set_size (children, 0);
  bench_server_stop (&server);
}

typedef struct
{
  guint msgs;
} Probe;

static void
on_probe_operator_packet (BenchConn  *conn,
                          const char *data,
                          gsize       len,
                          TdPacket   *packet,
                          gpointer    user_data)
{
  Probe *probe = user_data;

  if (packet && packet->type == TD_PACKET_MSG)
    probe->msgs++;
}

static void on_sender_packet (BenchConn *conn, const char *data, gsize len, TdPacket *packet, gpointer user_data);

/* With the held customers connected (none of them entitled): PROBE_SENDERS
 * other customers send PROBE_MSGS messages in all to their m_lakeside lines,
 * one Alice session receives them.  Returns the server's CPU µs per message.
 * A fan-out that visits every session pays for each bystander here. */
#define PROBE_SENDERS 20
#define PROBE_EACH 25

static double
probe_fanout (BenchServer *server,
              guint        first_customer,
              gboolean     deflate,
              double      *idle_cpu)
{
  g_autoptr(SoupSession) session = bench_session_new (deflate);
  g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_conn_free);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", server->port);
  Probe probe = { 0 };
  BenchConn *alice = bench_conn_new (session, base, "demo-op-alice", FALSE, 0, on_probe_operator_packet, &probe);
  guint want = PROBE_SENDERS * PROBE_EACH;
  double cpu0, deadline, t_start;
  guint start_msgs;

  bench_conn_connect (alice, "/v1/ws");
  for (guint i = 0; i < PROBE_SENDERS; i++)
    {
      g_autofree char *token = g_strdup_printf ("demo-cust-%u", first_customer + i);
      BenchConn *c = bench_conn_new (session, base, token, FALSE, i, on_sender_packet, NULL);

      g_ptr_array_add (senders, c);
      bench_conn_connect (c, "/v1/ws");
    }
  deadline = bench_now () + 30;
  for (guint i = 0; i < senders->len; i++)
    {
      BenchConn *c = g_ptr_array_index (senders, i);

      while ((!c->synced || !alice->synced) && bench_now () < deadline)
        g_main_context_iteration (NULL, TRUE);
      bench_conn_send (c, "{\"v\":1,\"type\":\"open\",\"req\":\"open\",\"object_id\":\"m_lakeside\",\"busi\":\"inquiry\"}");
    }
  for (guint i = 0; i < senders->len; i++)
    while (((BenchConn *) g_ptr_array_index (senders, i))->line_id == NULL && bench_now () < deadline)
      g_main_context_iteration (NULL, TRUE);
  /* the line events reach Alice first */
  for (double settle = bench_now () + 0.3; bench_now () < settle;)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);

  /* what the held sessions cost with nothing to deliver (keep-alive pings
   * and pongs, each a main-loop turn over every session's source) */
  {
    double t0 = bench_now (), c0 = bench_proc_cpu_s (server->pid);

    for (double settle = t0 + 2.0; bench_now () < settle;)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    *idle_cpu = (bench_proc_cpu_s (server->pid) - c0) / (bench_now () - t0);
  }
  start_msgs = probe.msgs;
  t_start = bench_now ();
  cpu0 = bench_proc_cpu_s (server->pid);
  for (guint j = 0; j < PROBE_EACH; j++)
    for (guint i = 0; i < senders->len; i++)
      {
        BenchConn *c = g_ptr_array_index (senders, i);
        g_autofree char *p = g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"probe-%08x-%08x\","
                                              "\"line\":\"%s\",\"kind\":\"text\",\"body\":{\"text\":"
                                              "\"Can I check in early? (%u)\"}}",
                                              g_random_int (), g_random_int (), c->line_id ? c->line_id : "ml_x", j);

        bench_conn_send (c, p);
      }
  deadline = bench_now () + 60;
  while (probe.msgs - start_msgs < want && bench_now () < deadline)
    g_main_context_iteration (NULL, TRUE);
  {
    /* less what the idle sessions cost meanwhile */
    double cpu = bench_proc_cpu_s (server->pid) - cpu0 - *idle_cpu * (bench_now () - t_start);
    guint got = probe.msgs - start_msgs;

    bench_conn_free (alice);
    g_ptr_array_set_size (senders, 0);
    /* the closes reach the server */
    for (double settle = bench_now () + 0.3; bench_now () < settle;)
      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
    return got == want ? MAX (cpu, 0) * 1e6 / want : 0;
  }
}

static void
on_sender_packet (BenchConn  *conn,
                  const char *data,
                  gsize       len,
                  TdPacket   *packet,
                  gpointer    user_data)
{
  if (packet && packet->type == TD_PACKET_LINE && packet->req && g_str_equal (packet->req, "open")
      && conn->line_id == NULL)
    conn->line_id = g_strdup (td_line_get_id (packet->line));
}

/* M operator sessions receive K messages each; returns deliveries/s */
static double
run_fanout (gboolean echo,
            guint    m,
            guint    k,
            double  *server_cpu_us)
{
  BenchServer server;
  g_autoptr(SoupSession) session = bench_session_new (TRUE);
  g_autoptr(GPtrArray) senders = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_conn_free);
  g_autoptr(GPtrArray) children = g_ptr_array_new_with_free_func ((GDestroyNotify) child_free);
  g_autofree char *base = NULL;
  guint n_senders = MAX (1, k / 20);   /* each within the burst of 100 and 20/s */
  double t0, last = 0, cpu0;
  guint per_child = 250;

  start (&server, echo, TRUE, 100);
  base = g_strdup_printf ("http://127.0.0.1:%u", server.port);
  for (guint held = 0; held < m; held += per_child)
    g_ptr_array_add (children, child_spawn (server.port, 1, MIN (per_child, m - held), TRUE, echo, TRUE, k, 120));
  for (guint i = 0; i < children->len; i++)
    g_free (child_expect (g_ptr_array_index (children, i), "ready"));

  for (guint i = 0; i < n_senders; i++)
    {
      g_autofree char *token = g_strdup_printf ("demo-cust-%u", i + 1);
      BenchConn *c = bench_conn_new (session, base, token, FALSE, i, on_sender_packet, NULL);

      c->raw = echo;
      g_ptr_array_add (senders, c);
      bench_conn_connect (c, "/v1/ws");
    }
  for (guint i = 0; i < senders->len; i++)
    {
      BenchConn *c = g_ptr_array_index (senders, i);
      double end = bench_now () + 30;

      while (!c->synced && bench_now () < end)
        g_main_context_iteration (NULL, TRUE);
      if (!echo)
        bench_conn_send (c, "{\"v\":1,\"type\":\"open\",\"req\":\"open\",\"object_id\":\"m_lakeside\",\"busi\":\"inquiry\"}");
    }
  /* the line events, to the senders and the operators */
  t0 = bench_now () + 1.0;
  while (bench_now () < t0)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
  if (!echo)
    for (guint i = 0; i < senders->len; i++)
      if (((BenchConn *) g_ptr_array_index (senders, i))->line_id == NULL)
        g_error ("sender %u has no line", i);

  cpu0 = bench_proc_cpu_s (server.pid);
  t0 = bench_now ();
  for (guint j = 0; j < k; j++)
    {
      BenchConn *c = g_ptr_array_index (senders, j % senders->len);
      g_autofree char *p = g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"fanout-%010u-%08x\","
                                            "\"line\":\"%s\",\"kind\":\"text\",\"body\":{\"text\":"
                                            "\"Is the airport transfer included? (%u)\"}}",
                                            j, g_random_int (), c->line_id ? c->line_id : "ml_x", j);
      bench_conn_send (c, p);
    }
  /* keep our side going (acks, echoes) while the children count */
  for (guint i = 0; i < children->len; i++)
    {
      Child *ch = g_ptr_array_index (children, i);
      g_autofree char *rest = NULL;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      rest = child_expect (ch, "done ");
      last = MAX (last, g_ascii_strtod (rest, NULL));
    }
  *server_cpu_us = (bench_proc_cpu_s (server.pid) - cpu0) * 1e6 / ((double) m * k);
  g_ptr_array_set_size (senders, 0);
  g_ptr_array_set_size (children, 0);
  bench_server_stop (&server);
  return (double) m * k / (last - t0);
}

int
main (int    argc,
      char **argv)
{
  int hold_port = 0, first = 1, count = 0, expect = 0, echo_port = 0, broadcast_port = 0;
  double deadline = 0;
  gboolean deflate = FALSE, raw = FALSE, operator = FALSE;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A few seconds (smoke test)", NULL },
    { "hold", 0, 0, G_OPTION_ARG_INT, &hold_port, "Client process: hold sessions to this port", "PORT" },
    { "first", 0, 0, G_OPTION_ARG_INT, &first, "First customer number", "N" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Sessions", "N" },
    { "expect", 0, 0, G_OPTION_ARG_INT, &expect, "Fan-out: messages each session should get", "N" },
    { "deflate", 0, 0, G_OPTION_ARG_NONE, &deflate, "Offer permessage-deflate", NULL },
    { "deadline", 0, 0, G_OPTION_ARG_DOUBLE, &deadline, "Say 'partial' if not all ready within S seconds", "S" },
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "Echo baseline: no protocol", NULL },
    { "operator", 0, 0, G_OPTION_ARG_NONE, &operator, "Sessions of Alice", NULL },
    { "probe", 0, 0, G_OPTION_ARG_NONE, &probe_only, "Only the fan-out among bystanders (tripdesk-server, no deflate)", NULL },
    { "budget", 0, 0, G_OPTION_ARG_DOUBLE, &budget_s, "Seconds per server configuration (default 80)", "S" },
    { "in-flight", 0, 0, G_OPTION_ARG_INT, &in_flight, "Client process: sessions connecting at once", "N" },
    { "echo-server", 0, 0, G_OPTION_ARG_INT, &echo_port, "Run a bare WebSocket echo server", "PORT" },
    { "broadcast-server", 0, 0, G_OPTION_ARG_INT, &broadcast_port, "Run a bare WebSocket broadcast server", "PORT" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— benchmark 4: sessions and fan-out");
  g_autoptr(GError) error = NULL;
  const guint full_targets[] = { 1000, 5000, 10000 };
  const guint quick_targets[] = { 200 };
  const guint *targets = quick ? quick_targets : full_targets;
  guint n_targets;
  HoldResult r[2][2] = { 0 };   /* [echo][deflate] */
  const char *cols[] = { "server", "sessions", "deflate", "RSS per session (KiB)", "× echo", "time to open all", NULL };
  guint64 nofile;
  guint m, k;
  double fan_td, fan_echo, cpu_td = 0, cpu_echo = 0;

  argv0 = argv[0];
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (echo_port > 0)
    return bench_echo_server_main (echo_port, FALSE);
  if (broadcast_port > 0)
    return bench_echo_server_main (broadcast_port, TRUE);
  if (hold_port > 0)
    return hold_main (hold_port, first, count, deflate, raw, operator, expect, deadline);

  nofile = bench_raise_nofile ();
  if (quick)
    budget_s = MIN (budget_s, 20);
  targets = quick ? quick_targets : full_targets;
  n_targets = quick ? G_N_ELEMENTS (quick_targets) : G_N_ELEMENTS (full_targets);
  /* the server needs a descriptor per session (and sqlite's) */
  while (n_targets > 1 && targets[n_targets - 1] + 100 > nofile)
    n_targets--;

  if (probe_only)
    {
      /* the fan-out among bystanders alone, e.g. for a before / after of
       * the server (TD_SERVER=...) */
      run_hold (FALSE, FALSE, targets, n_targets, &r[0][0]);
      for (guint t = 0; t < r[0][0].reached; t++)
        printf ("%u sessions: %.0f µs per message; idle %.0f %% of a core\n", r[0][0].sessions[t],
                r[0][0].probe_us[t], r[0][0].idle_cpu[t] * 100);
      return 0;
    }
  for (int e = 0; e < 2; e++)
    for (int d = 0; d < 2; d++)
      run_hold (e == 1, d == 1, targets, n_targets, &r[e][d]);

  m = quick ? 20 : 500;
  k = quick ? 20 : 100;
  fan_echo = run_fanout (TRUE, m, k, &cpu_echo);
  fan_td = run_fanout (FALSE, m, k, &cpu_td);

  {
    g_autofree char *note = g_strdup_printf (
      "Sessions: distinct customers (demo-cust-N) on WebSocket, each after hello / welcome / synced, "
      "opened by client processes of at most %u sessions (this program with --hold), at most %u "
      "connecting at once per process, retrying the server's 503s (admission: burst 1,000, 500/s). "
      "RSS per session = (server VmRSS with the sessions − VmRSS idle) ÷ sessions, 0.5 s after the "
      "last one is ready. RLIMIT_NOFILE raised to %" G_GUINT64_FORMAT " in the server and the client "
      "processes; the client processes run at nice 10, so the server under test gets the CPU first. "
      "The steps (1k → 5k → 10k) add sessions to the same server; each server configuration gets "
      "%.0f s, and a step the budget ran out in is measured with the sessions it had (this 2-core "
      "machine is shared: the opening rate, not memory, is the limit). "
      "Baseline: a bare libsoup WebSocket echo server holding as many connections (subprocess, "
      "same clients, no protocol).", PER_CHILD, in_flight, nofile, budget_s);

    bench_section ("4. Server: sessions held, memory per session, fan-out", note);
  }
  bench_table_header (cols);
  for (guint t = 0; t < n_targets; t++)
    for (int d = 1; d >= 0; d--)
      for (int e = 1; e >= 0; e--)
        {
          HoldResult *h = &r[e][d], *base = &r[1][d];
          const char *who = e ? "bare libsoup echo (baseline)" : "**tripdesk-server**";
          g_autofree char *n = NULL;
          g_autofree char *kb = g_strdup_printf ("%.1f", h->kb_per_session[t]);
          g_autofree char *x = g_strdup_printf ("%.2f×", h->kb_per_session[t] / base->kb_per_session[t]);
          g_autofree char *secs = g_strdup_printf ("%.1f s", h->secs[t]);

          if (t >= h->reached)
            {
              n = g_strdup_printf ("%u", targets[t]);
              bench_row (who, n, d ? "yes" : "no", "not reached in the time budget", "—", "—", NULL);
              continue;
            }
          if (h->sessions[t] < targets[t])
            {
              n = g_strdup_printf ("%u of %u", h->sessions[t], targets[t]);
              g_free (secs);
              secs = g_strdup_printf ("budget (%.0f s) ran out", budget_s);
            }
          else
            n = g_strdup_printf ("%u", targets[t]);
          if (t >= base->reached)
            x[0] = '\0';
          bench_row (who, n, d ? "yes" : "no", kb, x, secs, NULL);
          if (!e && t + 1 == h->reached && t < base->reached)
            {
              g_autofree char *fig = g_strdup_printf ("RSS per WebSocket session, %u sessions, %s deflate",
                                                      h->sessions[t], d ? "with" : "without");
              g_autofree char *val = g_strdup_printf ("%.1f KiB", h->kb_per_session[t]);
              g_autofree char *bv = g_strdup_printf ("echo %.1f KiB", base->kb_per_session[t]);

              bench_summary ("4. server", fig, val, bv, x);
            }
        }
  {
    const char *pcols[] = { "customer sessions connected", "deflate", "server CPU µs per message", "× with the fewest",
                            "server CPU while idle (% of a core)", NULL };
    guint retries = r[0][0].retries + r[0][1].retries + r[1][0].retries + r[1][1].retries;

    printf ("\nRefused and retried while opening (admission control's 503s): %u attempts.\n", retries);
    printf ("\nFan-out among bystanders: with the sessions above held (customers with no lines: "
            "none of them is entitled to the messages), %u other customers send %u `text` messages "
            "in all to their m_lakeside lines and one session of Alice receives them; server CPU "
            "(from /proc) per message, sending to delivery, less the server's CPU while idle (measured "
            "over 2 s just before: keep-alive pings every 20 s per session, and a main-loop turn "
            "costs O(sessions) in GLib 2.74). A fan-out that visits every session pays "
            "for each bystander; one indexed by merchant and customer does not. Baseline: the same "
            "with the fewest sessions held.\n\n", PROBE_SENDERS, PROBE_SENDERS * PROBE_EACH);
    bench_table_header (pcols);
    for (int d = 1; d >= 0; d--)
      for (guint t = 0; t < r[0][d].reached; t++)
        {
          g_autofree char *n = g_strdup_printf ("%u", r[0][d].sessions[t]);
          g_autofree char *us = g_strdup_printf ("%.0f", r[0][d].probe_us[t]);
          g_autofree char *x = g_strdup_printf ("%.2f×", r[0][d].probe_us[t] / r[0][d].probe_us[0]);
          g_autofree char *idle = g_strdup_printf ("%.0f %%", r[0][d].idle_cpu[t] * 100);

          if (r[0][d].probe_us[t] <= 0)
            continue;
          bench_row (n, d ? "yes" : "no", us, x, idle, NULL);
          if (d == 0 && t > 0 && (t + 1 == r[0][d].reached || r[0][d].probe_us[t + 1] <= 0))
            {
              g_autofree char *fig = g_strdup_printf ("server CPU per message among %u bystander sessions",
                                                      r[0][d].sessions[t]);
              g_autofree char *val = g_strdup_printf ("%.0f µs", r[0][d].probe_us[t]);
              g_autofree char *bv = g_strdup_printf ("%.0f µs among %u", r[0][d].probe_us[0], r[0][d].sessions[0]);

              bench_summary ("4. server", fig, val, bv, x);
            }
        }
  }
  {
    const char *fcols[] = { "server", "operator sessions × messages", "deliveries/s", "× broadcast", "server CPU µs/delivery", "× broadcast", NULL };
    g_autofree char *mk = g_strdup_printf ("%u × %u", m, k);
    g_autofree char *a = g_strdup_printf ("%.0f", fan_echo);
    g_autofree char *b = g_strdup_printf ("%.0f", fan_td);
    g_autofree char *xb = g_strdup_printf ("%.2f×", fan_td / fan_echo);
    g_autofree char *ca = g_strdup_printf ("%.1f", cpu_echo);
    g_autofree char *cb = g_strdup_printf ("%.1f", cpu_td);
    g_autofree char *xc = g_strdup_printf ("%.2f×", cpu_td / cpu_echo);
    g_autofree char *val = g_strdup_printf ("%.0f deliveries/s", fan_td);
    g_autofree char *bv = g_strdup_printf ("broadcast %.0f/s", fan_echo);

    printf ("\nFan-out: %u sessions of Alice (operator of m_lakeside) in client processes of 250 "
            "(permessage-deflate on, every `msg` parsed with td_packet_parse); %u customers send %u "
            "`text` messages at once (within their burst allowance); deliveries/s = sessions × messages ÷ "
            "(last receipt − first send). Baseline: a bare libsoup broadcast server (each frame to every "
            "other connection), same clients.\n\n", m, MAX (1, k / 20), k);
    bench_table_header (fcols);
    bench_row ("bare libsoup broadcast (baseline)", mk, a, "1.00×", ca, "1.00×", NULL);
    bench_row ("**tripdesk-server**", mk, b, xb, cb, xc, NULL);
    bench_summary ("4. server", "fan-out to operator sessions", val, bv, xb);
  }
  return 0;
}

/* bench-net.c — benchmarks 1 (delivery latency) and 2 (bytes on the wire)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A real tripdesk-server runs as a subprocess (--demo, a fresh database).
 * Customers (raw libsoup WebSocket clients speaking protocol v1) each open
 * an `inquiry` line with m_lakeside and send `text` messages at a fixed
 * total rate; Alice (operator of m_lakeside) receives them over WebSocket
 * or over long-poll.  Latency = customer's send → the `msg` parsed at the
 * operator.  Baseline: a bare libsoup WebSocket echo server (a subprocess
 * too) and the same clients sending the same packets: send → echo parsed.
 *
 * Also the subprocess modes: --echo-server PORT, --broadcast-server PORT.
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-net-common.h"
#include "bench-util.h"

static const char *argv0;
static gboolean quick;
static double only_rate;   /* --rate: one rate only (profiling) */

/* ---- the run ------------------------------------------------------------------ */

typedef struct
{
  GPtrArray *customers;     /* BenchConn: senders */
  BenchConn *op;            /* receiver (NULL: echo, each customer receives) */
  GArray    *sent_at;       /* double per index */
  GArray    *got;           /* guint8 per index */
  GArray    *lat_ms;        /* double */
  guint      received;
  guint      lines_open;
  guint      sent;
  guint      total;
  guint      skip;          /* warm-up: the first ones are not counted */
  double     rate;
  double     start;
  guint      run;           /* tags random_ids */
  gboolean   done_sending;
} Run;

static Run *current;
static double payload_sum;   /* JSON bytes of the packets sent and received */
static guint  payload_n;     /* messages sent */

static void
record (Run        *run,
        const char *random_id)
{
  guint run_tag, idx;

  if (random_id == NULL || sscanf (random_id, "bench-%u-%u-", &run_tag, &idx) != 2 || run_tag != run->run)
    return;
  if (idx >= run->got->len || g_array_index (run->got, guint8, idx))
    return;
  g_array_index (run->got, guint8, idx) = 1;
  run->received++;
  if (idx >= run->skip)
    {
      double ms = (bench_now () - g_array_index (run->sent_at, double, idx)) * 1000.0;

      g_array_append_val (run->lat_ms, ms);
    }
}

static void
on_customer_packet (BenchConn  *conn,
                    const char *data,
                    gsize       len,
                    TdPacket   *packet,
                    gpointer    user_data)
{
  Run *run = current;

  if (conn->raw)
    {
      g_autoptr(TdPacket) echo = td_packet_parse (data, len, TD_FROM_CLIENT, NULL, NULL);

      if (run && echo)
        record (run, echo->random_id);
      return;
    }
  if (packet && packet->type == TD_PACKET_LINE && packet->req && g_str_equal (packet->req, "open") && conn->line_id == NULL)
    {
      conn->line_id = g_strdup (td_line_get_id (packet->line));
      if (run)
        run->lines_open++;
    }
}

static void
on_operator_packet (BenchConn  *conn,
                    const char *data,
                    gsize       len,
                    TdPacket   *packet,
                    gpointer    user_data)
{
  if (current && packet && packet->type == TD_PACKET_MSG && packet->msg)
    {
      gsize n = 0;
      g_autofree char *json = td_packet_to_json (packet, &n);

      payload_sum += n;
      record (current, td_message_get_random_id (packet->msg));
    }
}

static const char *const words[] = {
  "hello", "is", "breakfast", "included", "in", "the", "lakeside", "double", "room", "could",
  "you", "move", "my", "tour", "to", "thursday", "two", "adults", "one", "child", "flight",
  "was", "cancelled", "what", "are", "options", "for", "rebooking", "thanks", "see", "tomorrow",
  "at", "pier", "late", "checkout", "please", "airport", "transfer", "price", "refund", "order",
  "TD-1001", "pool", "open", "until", "when", "does", "bus", "leave", "from", "hotel", "we",
  "arrive", "around", "midnight", "is", "that", "ok", "need", "a", "baby", "cot", "and", "parking",
};

/* 8–20 words drawn at random: no two messages alike, so deflate sees
 * realistic text rather than one sentence repeated */
static char *
random_text (guint idx)
{
  GString *s = g_string_new (NULL);
  guint n = g_random_int_range (8, 21);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, ' ');
      g_string_append (s, words[g_random_int_range (0, G_N_ELEMENTS (words))]);
    }
  g_string_append_printf (s, "? (%u)", idx);
  return g_string_free (s, FALSE);
}

static char *
send_packet (Run   *run,
             guint  idx,
             const char *line_id)
{
  g_autofree char *text = random_text (idx);

  return g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"bench-%u-%010u-%08x\","
                          "\"line\":\"%s\",\"kind\":\"text\",\"body\":{\"text\":\"%s\"}}",
                          run->run, idx, g_random_int (), line_id ? line_id : "ml_echo", text);
}

static gboolean
tick_cb (gpointer data)
{
  Run *run = data;
  guint due = (guint) MIN ((double) run->total, floor ((bench_now () - run->start) * run->rate) + 1);

  while (run->sent < due)
    {
      BenchConn *c = g_ptr_array_index (run->customers, run->sent % run->customers->len);
      g_autofree char *p = send_packet (run, run->sent, c->line_id);

      g_array_index (run->sent_at, double, run->sent) = bench_now ();
      payload_sum += strlen (p);
      payload_n++;
      bench_conn_send (c, p);
      run->sent++;
    }
  if (run->sent >= run->total)
    {
      run->done_sending = TRUE;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static guint
all_synced (GPtrArray *conns)
{
  guint n = 0;

  for (guint i = 0; i < conns->len; i++)
    {
      BenchConn *c = g_ptr_array_index (conns, i);

      if (c->synced)
        n++;
      if (c->failed)
        g_error ("client %u failed", c->index);
    }
  return n;
}

static gboolean
wait_synced (GPtrArray *conns,
             double     timeout_s)
{
  double end = bench_now () + timeout_s;

  while (all_synced (conns) < conns->len)
    {
      if (bench_now () > end)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

typedef struct
{
  double p50, p99, mean;
  guint  n;
  guint  total;
  guint  lost;
  /* bytes (only with proxies) */
  gint64 op_up, op_down, cust_up, cust_down;   /* during the messages */
  gint64 op_setup, cust_setup;                  /* connect + hello + backlog, per connection */
  double payload;                               /* JSON bytes per message: send + msg */
  double server_cpu_us;                         /* server CPU per message */
  double client_cpu_us;                         /* this process's CPU per message */
} LatResult;

typedef struct
{
  guint       port;
  gboolean    echo;          /* bare echo baseline */
  gboolean    poll;          /* operator on long-poll */
  gboolean    cust_poll;     /* customers on long-poll too */
  gboolean    deflate;       /* offer permessage-deflate */
  BenchProxy *op_proxy;      /* nullable: count the operator's bytes */
  BenchProxy *cust_proxy;    /* nullable: count the customers' bytes */
  double      rate;
  double      seconds;
  int         server_pid;    /* for its CPU time */
} Config;

static LatResult
measure_config (const Config *cfg)
{
  static guint run_counter;
  g_autoptr(SoupSession) session = bench_session_new (cfg->deflate);
  g_autofree char *base = g_strdup_printf ("http://127.0.0.1:%u", cfg->cust_proxy ? bench_proxy_get_port (cfg->cust_proxy) : cfg->port);
  g_autofree char *op_base = g_strdup_printf ("http://127.0.0.1:%u", cfg->op_proxy ? bench_proxy_get_port (cfg->op_proxy) : cfg->port);
  g_autoptr(GPtrArray) clients = g_ptr_array_new ();
  gboolean echo = cfg->echo, poll = cfg->poll;
  double rate = cfg->rate, seconds = cfg->seconds;
  double srv_cpu0, cli_cpu0;
  gint64 op0_up = 0, op0_down = 0, c0_up = 0, c0_down = 0, op1_up = 0, op1_down = 0, c1_up = 0, c1_down = 0;
  Run run = { 0, };
  guint n_customers = (guint) MAX (1.0, ceil (rate / 10.0));   /* ≤ 10 packets/s each: under the 20/s limit */
  LatResult res = { 0, };
  double end;

  run.customers = g_ptr_array_new_with_free_func ((GDestroyNotify) bench_conn_free);
  run.run = ++run_counter;
  run.rate = rate;
  run.total = (guint) MAX (5.0, rate * seconds);
  run.skip = MIN (10, run.total / 10);
  run.sent_at = g_array_new (FALSE, TRUE, sizeof (double));
  g_array_set_size (run.sent_at, run.total);
  run.got = g_array_new (FALSE, TRUE, sizeof (guint8));
  g_array_set_size (run.got, run.total);
  run.lat_ms = g_array_new (FALSE, FALSE, sizeof (double));
  current = &run;

  for (guint i = 0; i < n_customers; i++)
    {
      g_autofree char *token = g_strdup_printf ("demo-cust-%u", i + 1);
      BenchConn *c = bench_conn_new (session, base, token, cfg->cust_poll, i, on_customer_packet, NULL);

      c->raw = echo;
      g_ptr_array_add (run.customers, c);
      g_ptr_array_add (clients, c);
      bench_conn_connect (c, "/v1/ws");
    }
  if (!echo)
    {
      run.op = bench_conn_new (session, op_base, "demo-op-alice", poll, 1000, on_operator_packet, NULL);
      g_ptr_array_add (clients, run.op);
      bench_conn_connect (run.op, "/v1/ws");
    }
  if (!wait_synced (clients, 60))
    g_error ("clients did not connect");
  if (cfg->op_proxy)
    bench_proxy_get (cfg->op_proxy, &op0_up, &op0_down);
  if (cfg->cust_proxy)
    bench_proxy_get (cfg->cust_proxy, &c0_up, &c0_down);

  if (!echo)
    {
      for (guint i = 0; i < run.customers->len; i++)
        bench_conn_send (g_ptr_array_index (run.customers, i),
                         "{\"v\":1,\"type\":\"open\",\"req\":\"open\",\"object_id\":\"m_lakeside\",\"busi\":\"inquiry\"}");
      if (!bench_wait_for_count (&run.lines_open, run.customers->len, 30))
        g_error ("lines did not open (%u of %u)", run.lines_open, run.customers->len);
      /* let the line events reach the operator */
      end = bench_now () + 0.3;
      while (bench_now () < end)
        g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
    }

  if (cfg->op_proxy)
    bench_proxy_get (cfg->op_proxy, &op1_up, &op1_down);
  if (cfg->cust_proxy)
    bench_proxy_get (cfg->cust_proxy, &c1_up, &c1_down);
  payload_sum = 0;
  payload_n = 0;
  srv_cpu0 = cfg->server_pid ? bench_proc_cpu_s (cfg->server_pid) : 0;
  cli_cpu0 = bench_cpu_s ();
  run.start = bench_now ();
  g_timeout_add (MAX (1, MIN (20, (guint) (1000.0 / rate))), tick_cb, &run);
  bench_wait_for (&run.done_sending, seconds * 3 + 30);
  bench_wait_for_count (&run.received, run.total, 10);
  if (cfg->server_pid)
    res.server_cpu_us = (bench_proc_cpu_s (cfg->server_pid) - srv_cpu0) * 1e6 / MAX (1, run.received);
  res.client_cpu_us = (bench_cpu_s () - cli_cpu0) * 1e6 / MAX (1, run.received);
  if (cfg->op_proxy || cfg->cust_proxy)
    {
      gint64 up, down;

      /* the acks and echoes to the senders */
      end = bench_now () + 0.5;
      while (bench_now () < end)
        g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
      if (cfg->op_proxy)
        {
          bench_proxy_get (cfg->op_proxy, &up, &down);
          res.op_up = up - op1_up;
          res.op_down = down - op1_down;
          res.op_setup = op0_up + op0_down;
        }
      if (cfg->cust_proxy)
        {
          bench_proxy_get (cfg->cust_proxy, &up, &down);
          res.cust_up = up - c1_up;
          res.cust_down = down - c1_down;
          res.cust_setup = (c0_up + c0_down) / MAX (1, (gint64) n_customers);
        }
      res.payload = payload_n ? payload_sum / payload_n : 0;
    }

  res.n = run.lat_ms->len;
  res.total = run.total;
  res.lost = run.total - run.received;
  if (res.n > 0)
    {
      double sum = 0;

      for (guint i = 0; i < res.n; i++)
        sum += g_array_index (run.lat_ms, double, i);
      res.mean = sum / res.n;
      res.p50 = bench_percentile ((double *) run.lat_ms->data, res.n, 50);
      res.p99 = bench_percentile ((double *) run.lat_ms->data, res.n, 99);
    }

  current = NULL;
  g_clear_pointer (&run.op, bench_conn_free);
  g_ptr_array_unref (run.customers);
  g_array_unref (run.sent_at);
  g_array_unref (run.got);
  g_array_unref (run.lat_ms);
  /* let the closes go out */
  end = bench_now () + 0.1;
  while (bench_now () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  return res;
}

/* @port: the server; @echo: bare echo baseline; @poll: operator on long-poll */
static LatResult
measure (guint    port,
         int      pid,
         gboolean echo,
         gboolean poll,
         double   rate,
         double   seconds)
{
  Config cfg = { 0, };

  cfg.port = port;
  cfg.server_pid = pid;
  cfg.echo = echo;
  cfg.poll = poll;
  cfg.deflate = TRUE;
  cfg.rate = rate;
  cfg.seconds = seconds;
  return measure_config (&cfg);
}

static int
latency_main (void)
{
  const double rates[] = { 10, 100, 1000 };
  const double secs_full[] = { 10, 5, 3 };
  const double secs_quick[] = { 1, 1, 0.5 };
  const char *cols[] = { "transport", "msgs/s", "p50 ms", "p99 ms", "p50 × echo", "p99 × echo", "delivered",
                         "server CPU µs/msg", "× echo", "client CPU µs/msg", NULL };
  g_autoptr(GError) error = NULL;
  BenchServer server, echo;
  LatResult base[3], ws[3], lp[3];

  if (!bench_server_start (&server, argv0, 150, &error))
    g_error ("%s", error->message);
  if (!bench_echo_start (&echo, argv0, FALSE, &error))
    g_error ("%s", error->message);

  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      double secs = quick ? secs_quick[i] : secs_full[i];

      if (only_rate > 0 && rates[i] != only_rate)
        {
          base[i] = ws[i] = lp[i] = (LatResult) { NAN, NAN, };
          continue;
        }
      base[i] = measure (echo.port, echo.pid, TRUE, FALSE, rates[i], secs);
      ws[i] = measure (server.port, server.pid, FALSE, FALSE, rates[i], secs);
      lp[i] = measure (server.port, server.pid, FALSE, TRUE, rates[i], secs);
    }
  bench_server_stop (&echo);
  bench_server_stop (&server);

  bench_section ("1. Delivery latency, customer → operator",
                 "tripdesk-server (subprocess, fresh --demo database, sqlite WAL) on loopback; customers send "
                 "`send` packets over WebSocket (≤ 10/s each, spread over ⌈rate/10⌉ customers, under the "
                 "20/s rate limit); Alice receives the `msg` over WebSocket or long-poll (raw libsoup "
                 "clients, packets parsed with td_packet_parse). Latency = send → `msg` parsed at the "
                 "operator, which includes the server's sqlite commit before the fan-out. Baseline: a bare "
                 "libsoup WebSocket echo server (subprocess), same clients and packets: send → echo parsed. "
                 "The first 10 % (at most 10) of each run are warm-up and not counted. "
                 "Both columns include the client's own main loop, which also paces the senders. "
                 "CPU per message: user + system time of the server process (from /proc, 10 ms "
                 "ticks) and of this client process (every customer, the operator, the pacing) "
                 "during the run, divided by the messages delivered. When the latency grows with "
                 "the run's length, the server or the client is saturated: the CPU columns say which.");
  bench_table_header (cols);
  for (guint i = 0; i < G_N_ELEMENTS (rates); i++)
    {
      struct { const char *name; LatResult *r; } rows[] = {
        { "**bare libsoup WebSocket echo (baseline)**", &base[i] },
        { "WebSocket", &ws[i] },
        { "long-poll", &lp[i] },
      };

      for (guint j = 0; j < G_N_ELEMENTS (rows); j++)
        {
          LatResult *r = rows[j].r;
          g_autofree char *rate = g_strdup_printf ("%.0f", rates[i]);
          g_autofree char *p50 = g_strdup_printf ("%.2f", r->p50);
          g_autofree char *p99 = g_strdup_printf ("%.2f", r->p99);
          g_autofree char *x50 = g_strdup_printf ("%.1f×", r->p50 / base[i].p50);
          g_autofree char *x99 = g_strdup_printf ("%.1f×", r->p99 / base[i].p99);
          g_autofree char *got = g_strdup_printf ("%u / %u", r->total - r->lost, r->total);
          g_autofree char *scpu = g_strdup_printf ("%.0f", r->server_cpu_us);
          g_autofree char *xcpu = g_strdup_printf ("%.1f×", r->server_cpu_us / base[i].server_cpu_us);
          g_autofree char *ccpu = g_strdup_printf ("%.0f", r->client_cpu_us);

          bench_row (rows[j].name, rate, p50, p99, x50, x99, got, scpu, xcpu, ccpu, NULL);
          if (j > 0 && rates[i] >= 100)
            {
              g_autofree char *fig = g_strdup_printf ("%s p50 / p99 at %.0f msgs/s", rows[j].name, rates[i]);
              g_autofree char *val = g_strdup_printf ("%s / %s ms", p50, p99);
              g_autofree char *bv = g_strdup_printf ("echo %.2f / %.2f ms", base[i].p50, base[i].p99);
              g_autofree char *rv = g_strdup_printf ("%s / %s", x50, x99);

              bench_summary ("1. latency", fig, val, bv, rv);
            }
        }
    }
  return 0;
}

static char *
kb (double bytes)
{
  return g_strdup_printf ("%.0f", bytes);
}

static int
bytes_main (void)
{
  const char *cols[] = { "transport", "msgs/s", "operator ↓", "operator ↑", "customer ↑", "customer ↓",
                         "total per msg (B)", "× JSON payload", "× WebSocket + deflate", "set-up per connection (B)", NULL };
  struct { const char *name; gboolean poll, deflate; } modes[] = {
    { "**WebSocket + permessage-deflate (baseline)**", FALSE, TRUE },
    { "WebSocket, no deflate", FALSE, FALSE },
    { "long-poll (HTTP/1.1 headers included)", TRUE, FALSE },
  };
  const double rates[] = { 10, 100 };
  double payload = 0;

  bench_section ("2. Bytes on the wire per message",
                 "Counted at the socket by a TCP proxy on loopback in front of tripdesk-server: every byte "
                 "of the operator's connection(s) and of the customers' connection(s) while the customers "
                 "send N `text` messages (8–20 random words from a travel vocabulary, as in benchmark 1) that Alice "
                 "receives; customers and operator use the same transport. The customer's own side "
                 "carries its `ack` and the echo of its own `msg`. TCP/IP headers are not counted (they "
                 "are per segment, not per byte). Baseline: the JSON payload (the `send` packet plus "
                 "the `msg` packet), and WebSocket with permessage-deflate, the default.");
  bench_table_header (cols);
  for (guint r = 0; r < G_N_ELEMENTS (rates); r++)
    {
      double base_total = 0;

      for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
        {
          g_autoptr(GError) error = NULL;
          Config cfg = { 0, };
          LatResult res;
          double n, total;
          BenchServer server;
          BenchProxy *op_proxy, *cust_proxy;

          /* a fresh server each time: the same (empty) snapshot at hello */
          if (!bench_server_start (&server, argv0, 150, &error))
            g_error ("%s", error->message);
          op_proxy = bench_proxy_new (server.port);
          cust_proxy = bench_proxy_new (server.port);
          cfg.port = server.port;
          cfg.poll = modes[m].poll;
          cfg.cust_poll = modes[m].poll;
          cfg.deflate = modes[m].deflate;
          cfg.op_proxy = op_proxy;
          cfg.cust_proxy = cust_proxy;
          cfg.rate = rates[r];
          cfg.seconds = quick ? 1 : (rates[r] < 50 ? 6 : 3);
          res = measure_config (&cfg);
          bench_server_stop (&server);
          n = MAX (1, res.total);
          total = (res.op_up + res.op_down + res.cust_up + res.cust_down) / n;
          if (m == 0)
            base_total = total;
          if (payload == 0)
            payload = res.payload;
          {
            g_autofree char *rate = g_strdup_printf ("%.0f", rates[r]);
            g_autofree char *a = kb (res.op_down / n);
            g_autofree char *b = kb (res.op_up / n);
            g_autofree char *c = kb (res.cust_up / n);
            g_autofree char *d = kb (res.cust_down / n);
            g_autofree char *t = g_strdup_printf ("**%.0f**", total);
            g_autofree char *x = g_strdup_printf ("%.2f×", total / res.payload);
            g_autofree char *y = g_strdup_printf ("%.2f×", total / base_total);
            g_autofree char *setup = g_strdup_printf ("operator %" G_GINT64_FORMAT ", customer %" G_GINT64_FORMAT,
                                                      res.op_setup, res.cust_setup);

            bench_row (modes[m].name, rate, a, b, c, d, t, x, y, setup, NULL);
            if (r == 0)
              {
                g_autofree char *fig = g_strdup_printf ("%s, bytes per message at %s msgs/s", modes[m].name, rate);
                g_autofree char *val = g_strdup_printf ("%.0f B", total);
                g_autofree char *bv = g_strdup_printf ("JSON %.0f B", res.payload);

                bench_summary ("2. bytes", fig, val, bv, x);
              }
          }
        }
    }
  printf ("\nJSON payload per message (the `send` packet plus the `msg` packet): %.0f bytes. "
          "Set-up: TCP + HTTP upgrade (or first poll) + hello / welcome / synced of a fresh database, "
          "per connection.\n", payload);
  return 0;
}

int
main (int    argc,
      char **argv)
{
  gboolean latency = FALSE, bytes = FALSE;
  int echo_port = 0, broadcast_port = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A few seconds (smoke test)", NULL },
    { "latency", 0, 0, G_OPTION_ARG_NONE, &latency, "Benchmark 1: delivery latency", NULL },
    { "bytes", 0, 0, G_OPTION_ARG_NONE, &bytes, "Benchmark 2: bytes on the wire", NULL },
    { "rate", 0, 0, G_OPTION_ARG_DOUBLE, &only_rate, "Latency at this rate only (10, 100 or 1000)", "R" },
    { "echo-server", 0, 0, G_OPTION_ARG_INT, &echo_port, "Run a bare WebSocket echo server", "PORT" },
    { "broadcast-server", 0, 0, G_OPTION_ARG_INT, &broadcast_port, "Run a bare WebSocket broadcast server", "PORT" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— benchmarks 1 and 2");
  g_autoptr(GError) error = NULL;

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
  bench_raise_nofile ();
  if (!latency && !bytes)
    latency = bytes = TRUE;
  if (latency)
    latency_main ();
  if (bytes)
    bytes_main ();
  return 0;
}

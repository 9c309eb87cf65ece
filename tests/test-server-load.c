/* test-server-load.c — 200 concurrent sessions (both transports) exchanging
 * 10,000 messages: every message reaches each entitled session exactly once,
 * in line_seq order per line.  The clients are lightweight raw libsoup ones
 * in this process.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include "config.h"

#include <string.h>
#include <sys/resource.h>

#include "test-server-common.h"

#define N_CUSTOMERS 90
#define N_MESSAGES 10000
#define WS_WINDOW 8
#define POLL_BATCH 20

typedef struct _Load Load;

typedef struct
{
  Load                    *load;
  guint                    idx;
  gboolean                 ws;
  char                    *uid;
  char                    *token;
  gboolean                 op;
  const char              *merchants[3];

  SoupSession             *ss;
  SoupWebsocketConnection *conn;
  gboolean                 synced;

  /* long-poll */
  char                    *sid;
  gboolean                 has_cursor;
  gint64                   cursor;
  gboolean                 inflight;
  gboolean                 again;

  /* sending (customers) */
  char                    *line;
  const char              *merchant;
  int                      quota;
  int                      sent;
  int                      acked;

  /* receiving */
  GHashTable              *last_seq;   /* line id → last line_seq (as pointer) */
  guint                    received;
  guint                    expected;
} Sess;

struct _Load
{
  Fixture   *fx;
  GPtrArray *sessions;
  guint      n_synced;
  guint      n_lines;
  guint      total_acked;
  gboolean   stopping;
  GHashTable *line_quota;   /* line id → quota */
  GHashTable *line_merchant;
};

static void poll_kick (Sess *s);

static void
check_msg (Sess       *s,
           JsonObject *msg)
{
  const char *line = json_object_get_string_member (msg, "line");
  gint64 seq = json_object_get_int_member (msg, "line_seq");
  gint64 last = GPOINTER_TO_SIZE (g_hash_table_lookup (s->last_seq, line));

  if (seq != last + 1)
    g_error ("%s session %u (%s): line %s: line_seq %" G_GINT64_FORMAT " after %" G_GINT64_FORMAT,
             s->ws ? "ws" : "poll", s->idx, s->uid, line, seq, last);
  g_hash_table_insert (s->last_seq, g_strdup (line), GSIZE_TO_POINTER ((gsize) seq));
  s->received++;
}

static char *
send_json (Sess *s)
{
  g_autofree char *rid = g_strdup_printf ("load%s%04u%012d", s->ws ? "w" : "p", s->idx, s->sent);
  s->sent++;
  return g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"%s\",\"line\":\"%s\",\"kind\":\"text\","
                          "\"body\":{\"text\":\"message %d of %s\"}}", rid, s->line, s->sent, s->uid);
}

static void
handle_packet (Sess       *s,
               JsonObject *o)
{
  const char *type = json_object_get_string_member (o, "type");

  if (g_str_equal (type, "msg"))
    check_msg (s, json_object_get_object_member (o, "msg"));
  else if (g_str_equal (type, "ack"))
    {
      g_assert_false (json_object_get_boolean_member (o, "dup"));
      s->acked++;
      s->load->total_acked++;
      if (s->ws && s->sent < s->quota)
        {
          g_autofree char *j = send_json (s);
          soup_websocket_connection_send_text (s->conn, j);
        }
    }
  else if (g_str_equal (type, "synced"))
    {
      if (!s->synced)
        s->load->n_synced++;
      s->synced = TRUE;
    }
  else if (g_str_equal (type, "welcome"))
    {
      if (json_object_has_member (o, "session"))
        {
          g_free (s->sid);
          s->sid = g_strdup (json_object_get_string_member (o, "session"));
        }
    }
  else if (g_str_equal (type, "line"))
    {
      JsonObject *l = json_object_get_object_member (o, "line");
      if (s->ws && !s->op && g_strcmp0 (json_object_get_string_member_with_default (o, "req", ""), "open") == 0)
        {
          s->line = g_strdup (json_object_get_string_member (l, "id"));
          s->load->n_lines++;
        }
    }
  else if (g_str_equal (type, "error"))
    g_error ("session %u (%s): error %s: %s", s->idx, s->uid,
             json_object_get_string_member (o, "code"), json_object_get_string_member (o, "message"));
}

/* ------------------------------------------------------------------ WebSocket */

static void
on_ws_message_cb (SoupWebsocketConnection *conn,
                  gint                     type,
                  GBytes                   *message,
                  gpointer                 user_data)
{
  Sess *s = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) o = td_json_parse_object (data, len, &error);

  g_assert_no_error (error);
  handle_packet (s, o);
}

static void
on_ws_closed_cb (SoupWebsocketConnection *conn,
                 gpointer                 user_data)
{
  Sess *s = user_data;

  if (!s->load->stopping)
    g_error ("session %u closed early (%u)", s->idx, soup_websocket_connection_get_close_code (conn));
}

static void
ws_connected_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Sess *s = user_data;
  g_autoptr(GError) error = NULL;

  s->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  g_assert_no_error (error);
  g_signal_connect (s->conn, "message", G_CALLBACK (on_ws_message_cb), s);
  g_signal_connect (s->conn, "closed", G_CALLBACK (on_ws_closed_cb), s);
  soup_websocket_connection_send_text (s->conn, "{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"load/1\"}");
}

/* ------------------------------------------------------------------ long-poll */

static void
poll_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Sess *s = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(JsonObject) o = NULL;
  JsonArray *packets;
  JsonNode *cursor;
  gsize len;
  const char *data;

  s->inflight = FALSE;
  if (s->load->stopping)
    return;
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  data = g_bytes_get_data (bytes, &len);
  o = td_json_parse_object (data, len, &error);
  g_assert_no_error (error);
  packets = json_object_get_array_member (o, "packets");
  for (guint i = 0; i < json_array_get_length (packets); i++)
    handle_packet (s, json_array_get_object_element (packets, i));
  cursor = json_object_get_member (o, "cursor");
  if (cursor != NULL && !JSON_NODE_HOLDS_NULL (cursor))
    {
      s->has_cursor = TRUE;
      s->cursor = json_node_get_int (cursor);
    }
  s->again = json_object_get_boolean_member (o, "more");
  poll_kick (s);
}

static void
poll_kick (Sess *s)
{
  g_autoptr(GString) body = g_string_new ("{");
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) b = NULL;
  g_autofree char *auth = NULL;
  int wait = 10;

  if (s->inflight || s->load->stopping)
    return;
  if (s->sid)
    g_string_append_printf (body, "\"session\":\"%s\",", s->sid);
  if (s->has_cursor)
    g_string_append_printf (body, "\"cursor\":%" G_GINT64_FORMAT ",", s->cursor);
  else
    g_string_append (body, "\"cursor\":null,");
  if (s->line != NULL && s->sent < s->quota)
    {
      g_string_append (body, "\"send\":[");
      for (int i = 0; i < POLL_BATCH && s->sent < s->quota; i++)
        {
          g_autofree char *j = send_json (s);
          g_string_append_printf (body, "%s%s", i ? "," : "", j);
        }
      g_string_append (body, "],");
      wait = 0;
    }
  if (s->again || !s->synced)
    wait = 0;
  s->again = FALSE;
  g_string_append_printf (body, "\"wait\":%d}", wait);

  msg = soup_message_new ("POST", s->load->fx->url);
  {
    g_autofree char *url = g_strconcat (s->load->fx->url, "/v1/poll", NULL);
    g_clear_object (&msg);
    msg = soup_message_new ("POST", url);
  }
  auth = g_strdup_printf ("Bearer %s", s->token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  b = g_bytes_new (body->str, body->len);
  soup_message_set_request_body_from_bytes (msg, "application/json", b);
  s->inflight = TRUE;
  soup_session_send_and_read_async (s->ss, msg, G_PRIORITY_DEFAULT, NULL, poll_done_cb, s);
}

/* a poll session that got its line from its WebSocket twin starts sending */
static gboolean
poll_tick_cb (gpointer data)
{
  Load *load = data;

  for (guint i = 0; i < load->sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load->sessions, i);
      if (!s->ws)
        poll_kick (s);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ driver */

static Sess *
sess_new (Load       *load,
          gboolean    ws,
          const char *uid,
          const char *token,
          gboolean    op)
{
  Sess *s = g_new0 (Sess, 1);

  s->load = load;
  s->idx = load->sessions->len;
  s->ws = ws;
  s->uid = g_strdup (uid);
  s->token = g_strdup (token);
  s->op = op;
  s->last_seq = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  s->ss = soup_session_new_with_options ("max-conns-per-host", 4, "timeout", 60, NULL);
  g_ptr_array_add (load->sessions, s);
  return s;
}

static void
sess_free (Sess *s)
{
  if (s->conn)
    {
      g_signal_handlers_disconnect_by_data (s->conn, s);
      g_object_unref (s->conn);
    }
  g_object_unref (s->ss);
  g_hash_table_unref (s->last_seq);
  g_free (s->uid);
  g_free (s->token);
  g_free (s->sid);
  g_free (s->line);
  g_free (s);
}

static gboolean
all_synced (gpointer data)
{
  Load *load = data;
  return load->n_synced == load->sessions->len;
}

static gboolean
all_lines (gpointer data)
{
  Load *load = data;
  return load->n_lines == N_CUSTOMERS;
}

static gboolean
all_done (gpointer data)
{
  Load *load = data;

  if (load->total_acked < N_MESSAGES)
    return FALSE;
  for (guint i = 0; i < load->sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load->sessions, i);
      if (s->received < s->expected)
        return FALSE;
    }
  return TRUE;
}

static gboolean
none_inflight (gpointer data)
{
  Load *load = data;

  for (guint i = 0; i < load->sessions->len; i++)
    if (((Sess *) g_ptr_array_index (load->sessions, i))->inflight)
      return FALSE;
  return TRUE;
}

static void
test_load (void)
{
  Load load = { 0, };
  const char *merchants[] = { "m_lakeside", "m_skyline", "m_harbor" };
  struct { const char *uid, *token; const char *m[3]; int n_ws, n_poll; } ops[] = {
    { "o_alice", "demo-op-alice", { "m_lakeside", "m_skyline", NULL }, 4, 3 },
    { "o_bob", "demo-op-bob", { "m_skyline", NULL }, 3, 4 },
    { "o_carol", "demo-op-carol", { "m_harbor", NULL }, 3, 3 },
  };
  g_autoptr(GHashTable) by_uid = g_hash_table_new (g_str_hash, g_str_equal);
  gint64 t0, t1;
  guint tick;
  guint64 deliveries = 0;

  load.fx = fixture_new (N_CUSTOMERS, 0);
  load.sessions = g_ptr_array_new_with_free_func ((GDestroyNotify) sess_free);
  /* throughput and exactly-once, not the per-session rate limit (tested elsewhere) */
  td_server_set_rate_limit (load.fx->server, 1e9, 1e9, 600000);

  for (guint o = 0; o < G_N_ELEMENTS (ops); o++)
    for (int k = 0; k < ops[o].n_ws + ops[o].n_poll; k++)
      {
        Sess *s = sess_new (&load, k < ops[o].n_ws, ops[o].uid, ops[o].token, TRUE);
        memcpy (s->merchants, ops[o].m, sizeof s->merchants);
      }
  for (int c = 1; c <= N_CUSTOMERS; c++)
    {
      g_autofree char *uid = g_strdup_printf ("c_%d", c);
      g_autofree char *token = g_strdup_printf ("demo-cust-%d", c);
      int quota = N_MESSAGES / N_CUSTOMERS + (c <= N_MESSAGES % N_CUSTOMERS ? 1 : 0);
      Sess *w = sess_new (&load, TRUE, uid, token, FALSE);
      Sess *p = sess_new (&load, FALSE, uid, token, FALSE);

      w->merchant = p->merchant = merchants[c % 3];
      w->quota = (quota + 1) / 2;
      p->quota = quota / 2;
      g_hash_table_insert (by_uid, w->uid, w);
    }
  g_assert_cmpuint (load.sessions->len, ==, 200);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      if (s->ws)
        {
          g_autoptr(SoupMessage) msg = soup_message_new ("GET", load.fx->ws_url);
          g_autofree char *auth = g_strdup_printf ("Bearer %s", s->token);
          const char *protocols[] = { TD_SUBPROTOCOL, NULL };
          soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
          soup_session_websocket_connect_async (s->ss, msg, NULL, (char **) protocols, G_PRIORITY_DEFAULT,
                                                NULL, ws_connected_cb, s);
        }
      else
        poll_kick (s);
    }
  g_assert_true (iterate_until_fn (all_synced, &load, 30));
  g_assert_cmpuint (td_server_get_n_sessions (load.fx->server), ==, 200);

  /* customers open their lines */
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      if (s->ws && !s->op)
        {
          g_autofree char *j = g_strdup_printf ("{\"v\":1,\"type\":\"open\",\"req\":\"open\",\"object_id\":\"%s\",\"busi\":\"inquiry\"}",
                                                s->merchant);
          soup_websocket_connection_send_text (s->conn, j);
        }
    }
  g_assert_true (iterate_until_fn (all_lines, &load, 30));
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      if (!s->ws && !s->op)
        {
          Sess *twin = g_hash_table_lookup (by_uid, s->uid);
          s->line = g_strdup (twin->line);
        }
    }

  /* what each session must receive */
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      for (guint j = 0; j < load.sessions->len; j++)
        {
          Sess *sender = g_ptr_array_index (load.sessions, j);
          gboolean entitled = FALSE;
          if (sender->op)
            continue;
          if (s->op)
            for (int m = 0; s->merchants[m]; m++)
              entitled |= g_str_equal (s->merchants[m], sender->merchant);
          else
            entitled = g_str_equal (s->uid, sender->uid);
          if (entitled)
            s->expected += sender->quota;
        }
      deliveries += s->expected;
    }

  /* go */
  t1 = g_get_monotonic_time ();
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      if (s->ws && !s->op)
        for (int k = 0; k < WS_WINDOW && s->sent < s->quota; k++)
          {
            g_autofree char *j = send_json (s);
            soup_websocket_connection_send_text (s->conn, j);
          }
    }
  tick = g_timeout_add (50, poll_tick_cb, &load);
  poll_tick_cb (&load);
  if (!iterate_until_fn (all_done, &load, 90))
    {
      for (guint i = 0; i < load.sessions->len; i++)
        {
          Sess *s = g_ptr_array_index (load.sessions, i);
          if (s->received < s->expected || s->acked < s->quota)
            g_test_message ("session %u (%s, %s): received %u of %u, acked %d of %d", i, s->uid,
                            s->ws ? "ws" : "poll", s->received, s->expected, s->acked, s->quota);
        }
      g_error ("load test timed out: %u of %d acked", load.total_acked, N_MESSAGES);
    }
  g_source_remove (tick);
  g_test_message ("200 sessions: %d messages, %" G_GUINT64_FORMAT " deliveries in %.1f s (setup %.1f s)",
                  N_MESSAGES, deliveries, (g_get_monotonic_time () - t1) / 1e6, (t1 - t0) / 1e6);

  /* exactly once: no session got more than it should */
  for (guint i = 0; i < load.sessions->len; i++)
    {
      Sess *s = g_ptr_array_index (load.sessions, i);
      g_assert_cmpuint (s->received, ==, s->expected);
    }
  g_assert_cmpuint (load.total_acked, ==, N_MESSAGES);

  load.stopping = TRUE;
  td_server_shutdown (load.fx->server, 100);
  /* every outstanding poll completes (answered or aborted) before its session goes */
  for (guint i = 0; i < load.sessions->len; i++)
    soup_session_abort (((Sess *) g_ptr_array_index (load.sessions, i))->ss);
  g_assert_true (iterate_until_fn (none_inflight, &load, 20));
  g_ptr_array_unref (load.sessions);
  fixture_free (load.fx);
}

int
main (int   argc,
      char *argv[])
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/server-load/200-sessions-10000-messages", test_load);

  ret = g_test_run ();
  /* closing connections finish before the leak checker looks */
  drain_main_context (1000);
  return ret;
}

/* test-channel-fake.c — TdChannel against a scripted loopback server:
 * long-poll exactly as protocol.md, silence detection (3 × heartbeat) and
 * the fall back to long-poll when the WebSocket stalls.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "td-channel.h"
#include "td-json.h"
#include "td-test-e2e.h"

#define TIMEOUT_MS 20000

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))

#define WELCOME(session) \
  "{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"o_x\",\"role\":\"operator\",\"name\":\"X\"," \
  "\"merchants\":[{\"id\":\"m_a\",\"name\":\"A\"}]},\"cursor\":0,\"server_time\":1,\"heartbeat_s\":1" \
  session "}"

#define LINE_EVENT(cursor) \
  "{\"v\":1,\"type\":\"line\",\"cursor\":" cursor ",\"line\":{\"id\":\"ml_1\",\"uid\":\"c_1\"," \
  "\"customer_name\":\"Ann\",\"object_id\":\"m_a\",\"busi\":\"inquiry\",\"merchant\":\"m_a\"," \
  "\"title\":\"t\",\"state\":\"open\",\"assignee\":null,\"snooze_until\":null,\"last_seq\":0," \
  "\"created\":1,\"updated\":1}}"

typedef struct
{
  SoupServer        *server;
  char              *url;
  GPtrArray         *requests;     /* JsonObject: every poll body */
  SoupServerMessage *held;
  guint              max_held;
  guint              held_now;
  gboolean           synced_sent;
  gint64             seq;
  /* WebSocket side */
  GPtrArray         *sockets;
  guint              ws_hellos;
  guint              ws_pings;
  guint              ws_extensions;
} Fake;

static void
respond (SoupServerMessage *msg,
         const char        *json)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static char *
ack_for (Fake       *f,
         JsonObject *send)
{
  const char *rid = json_object_get_string_member (send, "random_id");
  const char *line = json_object_get_string_member (send, "line");
  g_autofree char *body = td_json_object_to_string (json_object_get_object_member (send, "body"), NULL);

  f->seq++;
  return g_strdup_printf ("{\"v\":1,\"type\":\"ack\",\"random_id\":\"%s\",\"dup\":false,\"msg\":"
                          "{\"id\":%" G_GINT64_FORMAT ",\"line\":\"%s\",\"line_seq\":%" G_GINT64_FORMAT ","
                          "\"sender\":{\"id\":\"o_x\",\"role\":\"operator\",\"name\":\"X\"},"
                          "\"kind\":\"text\",\"body\":%s,\"ts\":1764460800000,\"random_id\":\"%s\"}}",
                          rid, 100 + f->seq, line, f->seq, body, rid);
}

static void
poll_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Fake *f = user_data;
  SoupMessageBody *req = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (req);
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  g_autoptr(JsonObject) body = td_json_parse_object (data, len, NULL);

  if (body == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  g_ptr_array_add (f->requests, json_object_ref (body));

  if (!json_object_has_member (body, "session"))
    {
      respond (msg, "{\"cursor\":null,\"more\":true,\"packets\":["
                    WELCOME (",\"session\":\"s1\"") "," LINE_EVENT ("3") "]}");
      return;
    }
  if (!f->synced_sent)
    {
      f->synced_sent = TRUE;
      respond (msg, "{\"cursor\":null,\"more\":false,\"packets\":[{\"v\":1,\"type\":\"synced\",\"cursor\":5}]}");
      return;
    }
  if (json_object_has_member (body, "send"))
    {
      JsonArray *send = json_object_get_array_member (body, "send");
      GString *out = g_string_new ("{\"cursor\":5,\"more\":false,\"packets\":[");

      for (guint i = 0; i < json_array_get_length (send); i++)
        {
          g_autofree char *ack = ack_for (f, json_array_get_object_element (send, i));

          if (i > 0)
            g_string_append_c (out, ',');
          g_string_append (out, ack);
        }
      g_string_append (out, "]}");
      respond (msg, out->str);
      g_string_free (out, TRUE);
      return;
    }
  if (json_object_get_int_member_with_default (body, "wait", 0) > 0)
    {
      g_assert_null (f->held);
      f->held = g_object_ref (msg);
      f->held_now++;
      f->max_held = MAX (f->max_held, f->held_now);
      soup_server_message_pause (msg);
      return;
    }
  respond (msg, "{\"cursor\":5,\"more\":false,\"packets\":[]}");
}

static void
release_held (Fake       *f,
              const char *json)
{
  SoupServerMessage *msg = g_steal_pointer (&f->held);

  g_assert_nonnull (msg);
  f->held_now--;
  respond (msg, json);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static void
on_ws_message (SoupWebsocketConnection *conn,
               int                      type,
               GBytes                  *message,
               gpointer                 user_data)
{
  Fake *f = user_data;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);
  g_autoptr(JsonObject) p = td_json_parse_object (data, len, NULL);
  const char *t = p ? json_object_get_string_member_with_default (p, "type", "") : "";

  if (g_str_equal (t, "hello"))
    {
      f->ws_hellos++;
      soup_websocket_connection_send_text (conn, WELCOME (""));
      soup_websocket_connection_send_text (conn, "{\"v\":1,\"type\":\"synced\",\"cursor\":5}");
    }
  else if (g_str_equal (t, "ping"))
    f->ws_pings++;   /* and silence: no pong */
}

static void
ws_handler (SoupServer              *server,
            SoupServerMessage       *msg,
            const char              *path,
            SoupWebsocketConnection *conn,
            gpointer                 user_data)
{
  Fake *f = user_data;

  g_ptr_array_add (f->sockets, g_object_ref (conn));
  f->ws_extensions = g_list_length (soup_websocket_connection_get_extensions (conn));
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message), f);
}

static Fake *
fake_new (void)
{
  Fake *f = g_new0 (Fake, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  const char *protocols[] = { TD_SUBPROTOCOL, NULL };

  f->requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, "/v1/poll", poll_handler, f, NULL);
  soup_server_add_websocket_handler (f->server, "/v1/ws", NULL, (char **) protocols, ws_handler, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  return f;
}

static void
fake_free (Fake *f)
{
  if (f->held)
    release_held (f, "{\"cursor\":5,\"more\":false,\"packets\":[]}");
  for (guint i = 0; i < f->sockets->len; i++)
    {
      SoupWebsocketConnection *c = g_ptr_array_index (f->sockets, i);

      g_signal_handlers_disconnect_by_data (c, f);
    }
  g_ptr_array_unref (f->sockets);
  soup_server_disconnect (f->server);
  g_assert_finalize_object (g_steal_pointer (&f->server));
  /* let the closed connections go */
  td_test_iterate_for (NULL, 100);
  g_ptr_array_unref (f->requests);
  g_free (f->url);
  g_free (f);
}

static gboolean
has_held (gpointer data)
{
  return ((Fake *) data)->held != NULL;
}

static gboolean
not_online (gpointer channel)
{
  return td_channel_get_state (channel) != TD_CHANNEL_STATE_ONLINE;
}

static JsonObject *
request (Fake *f,
         guint i)
{
  return g_ptr_array_index (f->requests, i);
}

static gboolean
cursor_is_null (JsonObject *o)
{
  return json_object_has_member (o, "cursor") && JSON_NODE_HOLDS_NULL (json_object_get_member (o, "cursor"));
}

typedef struct
{
  TdStore    *store;
  const char *line_id;
  gint64      count;
} Count;

static gboolean
outbox_empty (gpointer data)
{
  g_autoptr(GPtrArray) rows = td_store_dup_outbox (data);

  return rows->len == 0;
}

static gboolean
line_has (gpointer data)
{
  Count *c = data;
  TdLine *l = td_store_lookup_line (c->store, c->line_id);

  return l != NULL && td_line_get_last_seq (l) >= c->count;
}

static void
test_poll_protocol (void)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  g_autofree char *rid = NULL;
  JsonObject *r;
  guint n;
  gint64 cursor = 0;
  Count c = { store, "ml_1", 2 };

  td_channel_set_transport_policy (channel, TD_TRANSPORT_POLICY_LONG_POLL);
  td_channel_set_poll_wait (channel, 7);
  td_channel_start (channel);
  wait_until (has_held, f, "a held poll");

  /* 1: the hello of this transport — no session, cursor null, no waiting */
  r = request (f, 0);
  g_assert_false (json_object_has_member (r, "session"));
  g_assert_true (cursor_is_null (r));
  g_assert_cmpint (json_object_get_int_member (r, "wait"), ==, 0);
  /* 2: `more` → again at once, with the session, cursor still null */
  r = request (f, 1);
  g_assert_cmpstr (json_object_get_string_member (r, "session"), ==, "s1");
  g_assert_true (cursor_is_null (r));
  g_assert_cmpint (json_object_get_int_member (r, "wait"), ==, 0);
  /* 3: synced → the stored cursor, and the held wait */
  r = request (f, 2);
  g_assert_cmpstr (json_object_get_string_member (r, "session"), ==, "s1");
  g_assert_cmpint (json_object_get_int_member (r, "cursor"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (r, "wait"), ==, 7);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_ONLINE);
  g_assert_cmpstr (td_channel_get_transport (channel), ==, "long-poll");
  g_assert_true (td_channel_get_synced (channel));
  {
    Count line = { store, "ml_1", 0 };

    wait_until (line_has, &line, "the line stored");
  }

  /* a send goes on a second request with wait 0 while the poll is held */
  n = f->requests->len;
  rid = td_channel_send_text (channel, "ml_1", "hello from the desk");
  wait_until (outbox_empty, store, "the ack");
  g_assert_cmpuint (f->requests->len, ==, n + 1);
  r = request (f, n);
  g_assert_cmpint (json_object_get_int_member (r, "wait"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (r, "cursor"), ==, 5);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (r, "send")), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (r, "send"), 0), "random_id"), ==, rid);
  g_assert_cmpuint (f->max_held, ==, 1);

  /* the held poll answers with an event: stored, and the next poll carries M */
  release_held (f, "{\"cursor\":9,\"more\":false,\"packets\":[{\"v\":1,\"type\":\"msg\",\"cursor\":9,\"msg\":"
                   "{\"id\":500,\"line\":\"ml_1\",\"line_seq\":2,\"sender\":{\"id\":\"c_1\",\"role\":\"customer\","
                   "\"name\":\"Ann\"},\"kind\":\"text\",\"body\":{\"text\":\"thanks\"},\"ts\":1764460900000}}]}");
  wait_until (has_held, f, "the next held poll");
  wait_until (line_has, &c, "the message stored");
  r = request (f, f->requests->len - 1);
  g_assert_cmpint (json_object_get_int_member (r, "cursor"), ==, 9);
  td_store_sync (store);
  g_assert_true (td_store_get_cursor (store, &cursor));
  g_assert_cmpint (cursor, ==, 9);
  g_assert_cmpuint (f->max_held, ==, 1);

  /* a planned restart: retry_within_ms in the answer */
  release_held (f, "{\"cursor\":9,\"packets\":[],\"retry_within_ms\":5000}");
  wait_until (not_online, channel, "the channel to leave online");
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_BACKING_OFF);
  g_assert_cmpint (td_channel_get_next_attempt (channel) - g_get_monotonic_time () / 1000, <=, 5000);
  g_assert_null (td_channel_get_transport (channel));

  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  fake_free (f);
}

static gboolean
ws_then_poll (gpointer data)
{
  Fake *f = data;

  /* the WebSocket said hello, went silent, and we came back on long-poll */
  return f->ws_hellos >= 1 && f->requests->len >= 1;
}

typedef struct
{
  TdChannel *channel;
  guint      states;
  gint64     online_at;
  gint64     offline_at;
} StateLog;

static void
on_state (TdChannel  *channel,
          GParamSpec *pspec,
          StateLog   *log)
{
  TdChannelState s = td_channel_get_state (channel);

  log->states++;
  if (s == TD_CHANNEL_STATE_ONLINE && log->online_at == 0)
    log->online_at = g_get_monotonic_time ();
  else if (s != TD_CHANNEL_STATE_ONLINE && log->online_at != 0 && log->offline_at == 0)
    log->offline_at = g_get_monotonic_time ();
}

static void
test_silent_websocket (void)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  StateLog log = { channel, };
  TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, 1);
  gint64 silent_ms;

  td_backoff_set_limits (b, 20, 100);
  td_channel_set_backoff (channel, b);
  td_channel_set_heartbeat (channel, 200);
  g_signal_connect (channel, "notify::state", G_CALLBACK (on_state), &log);
  td_channel_start (channel);
  wait_until (ws_then_poll, f, "the fall back after a silent WebSocket");

  g_assert_cmpint (log.online_at, >, 0);
  g_assert_cmpint (log.offline_at, >, 0);
  silent_ms = (log.offline_at - log.online_at) / 1000;
  g_test_message ("a silent peer was dropped after %" G_GINT64_FORMAT " ms (3 × 200 ms heartbeat)", silent_ms);
  g_assert_cmpint (silent_ms, >=, 550);
  g_assert_cmpint (silent_ms, <, 2000);
  g_assert_cmpuint (f->ws_pings, >=, 1);   /* it asked before giving up */
  g_assert_cmpuint (f->ws_extensions, ==, 1);   /* permessage-deflate was negotiated */

  g_signal_handlers_disconnect_by_data (channel, &log);
  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  fake_free (f);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/channel/poll-protocol", test_poll_protocol);
  g_test_add_func ("/tripdesk/channel/silent-websocket", test_silent_websocket);

  return g_test_run ();
}

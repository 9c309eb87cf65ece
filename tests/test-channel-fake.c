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
  guint              poll_hellos;  /* requests without a session */
  guint              refuse_status;  /* answer every poll with this, when set */
  const char        *retry_after;    /* and this Retry-After */
  guint              refused;
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

  if (f->refuse_status != 0)
    {
      f->refused++;
      if (f->retry_after != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Retry-After", f->retry_after);
      soup_server_message_set_status (msg, f->refuse_status, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
      return;
    }
  if (!json_object_has_member (body, "session"))
    {
      /* a new session: its backlog, then synced */
      f->poll_hellos++;
      f->synced_sent = FALSE;
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

/* Answers the held poll with @status and @len bytes of @body. */
static void
release_held_raw (Fake       *f,
                  guint       status,
                  const char *body,
                  gsize       len)
{
  SoupServerMessage *msg = g_steal_pointer (&f->held);

  g_assert_nonnull (msg);
  f->held_now--;
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, len);
  soup_server_message_unpause (msg);
  g_object_unref (msg);
}

static void
release_held (Fake       *f,
              const char *json)
{
  release_held_raw (f, 200, json, strlen (json));
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

typedef struct
{
  Fake      *fake;
  TdChannel *channel;
  guint      refused;
} Refusal;

static gboolean
refused_and_backing_off (gpointer data)
{
  Refusal *r = data;

  return r->fake->refused > r->refused &&
         td_channel_get_state (r->channel) != TD_CHANNEL_STATE_CONNECTING;
}

static void
on_channel_error_cb (TdChannel    *channel,
                     const GError *error,
                     GError      **last)
{
  g_clear_error (last);
  *last = g_error_copy (error);
}

/* The poll answered with @status (and @retry_after): the delay until the
 * next attempt, in ms, as the channel scheduled it. */
static gint64
refuse_once (Fake       *f,
             TdChannel  *channel,
             guint       status,
             const char *retry_after)
{
  Refusal r = { f, channel, f->refused };

  f->refuse_status = status;
  f->retry_after = retry_after;
  td_channel_start (channel);
  wait_until (refused_and_backing_off, &r, "a refused poll");
  g_assert_cmpuint (f->refused, ==, r.refused + 1);
  return td_channel_get_next_attempt (channel) - g_get_monotonic_time () / 1000;
}

/* What an HTTP refusal of a poll means (protocol.md, Restarts and
 * overload): 503 waits at least its Retry-After, 429 backs off to the cap,
 * another status is an ordinary failure, 401 ends the session for good. */
static void
test_poll_refusals (void)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, 1);
  g_autoptr(GError) error = NULL;
  gint64 delay;
  guint refused;

  td_backoff_set_limits (b, 20, 3000);
  td_channel_set_backoff (channel, b);
  td_channel_set_transport_policy (channel, TD_TRANSPORT_POLICY_LONG_POLL);
  g_signal_connect (channel, "error", G_CALLBACK (on_channel_error_cb), &error);

  delay = refuse_once (f, channel, 500, NULL);
  g_test_message ("HTTP 500: next attempt in %" G_GINT64_FORMAT " ms", delay);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_BACKING_OFF);
  g_assert_cmpint (delay, <, 1000);
  td_channel_stop (channel);

  delay = refuse_once (f, channel, 503, "2");
  g_test_message ("HTTP 503, Retry-After 2: next attempt in %" G_GINT64_FORMAT " ms", delay);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_BACKING_OFF);
  g_assert_cmpint (delay, >, 1500);
  g_assert_cmpint (delay, <=, 3000);
  td_channel_stop (channel);

  delay = refuse_once (f, channel, 429, NULL);
  g_test_message ("HTTP 429: next attempt in %" G_GINT64_FORMAT " ms", delay);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_BACKING_OFF);
  g_assert_cmpint (delay, >, 2500);
  g_assert_cmpint (delay, <=, 3000);
  td_channel_stop (channel);
  g_assert_null (error);

  /* unauthorized: offline, an error that says so, no retry */
  refuse_once (f, channel, 401, NULL);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_OFFLINE);
  g_assert_error (error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_UNAUTHORIZED);
  refused = f->refused;
  td_test_iterate_for (NULL, 300);
  g_assert_cmpuint (f->refused, ==, refused);

  g_signal_handlers_disconnect_by_data (channel, &error);
  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  fake_free (f);
}

/* ---- what a broken or hostile server sends ------------------------------------- */

#define MSG_EVENT(cursor, id, seq, text) \
  "{\"v\":1,\"type\":\"msg\",\"cursor\":" cursor ",\"msg\":{\"id\":" id ",\"line\":\"ml_1\"," \
  "\"line_seq\":" seq ",\"sender\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"Ann\"}," \
  "\"kind\":\"text\",\"body\":{\"text\":\"" text "\"},\"ts\":1764460900000}}"

/* Packets a client must drop one by one, the rest of their batch kept: not
 * objects, not packets, a msg that is not a message, a type it does not know. */
#define BAD_PACKETS \
  "42,\"msg\",null,[],{},{\"v\":2,\"type\":\"msg\"},{\"v\":1,\"type\":\"msg\",\"cursor\":6,\"msg\":{\"id\":\"x\"}}," \
  "{\"v\":1,\"type\":\"msg\",\"cursor\":7,\"msg\":{\"id\":600,\"line\":\"ml_1\",\"line_seq\":-1}}," \
  "{\"v\":1,\"type\":\"martian\",\"cursor\":8}"

static gboolean
online_and_synced (gpointer channel)
{
  return td_channel_get_state (channel) == TD_CHANNEL_STATE_ONLINE && td_channel_get_synced (channel);
}

typedef struct
{
  Fake      *fake;
  TdChannel *channel;
  guint      hellos;
} Reconnect;

/* a new session (more hellos than before) online, synced and polling again */
static gboolean
reconnected (gpointer data)
{
  Reconnect *r = data;

  return r->fake->poll_hellos > r->hellos && r->fake->held != NULL && online_and_synced (r->channel);
}

static void
wait_reconnected (Fake       *f,
                  TdChannel  *channel,
                  guint       hellos,
                  const char *what)
{
  Reconnect r = { f, channel, hellos };

  wait_until (reconnected, &r, what);
}

static gint64
stored_messages (TdStore *store)
{
  td_store_sync (store);
  return td_store_count_messages_sync (store, "ml_1");
}

/* A poll answer that is not JSON, too large or an HTTP error ends the
 * session and the channel starts a new one; bad packets inside a good
 * answer are dropped one by one.  Nothing bad is stored, nothing is
 * logged above debug (the tests run with fatal warnings). */
static void
test_poll_bad_answers (void)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, 1);
  Count c = { store, "ml_1", 1 };
  g_autoptr(GString) huge = g_string_new ("{\"cursor\":9,\"more\":false,\"packets\":[],\"pad\":\"");
  gint64 cursor = 0;

  td_backoff_set_limits (b, 20, 100);
  td_channel_set_backoff (channel, b);
  td_channel_set_transport_policy (channel, TD_TRANSPORT_POLICY_LONG_POLL);
  td_channel_set_poll_wait (channel, 7);
  td_channel_start (channel);
  wait_until (has_held, f, "a held poll");
  g_assert_true (online_and_synced (channel));
  g_assert_cmpuint (f->poll_hellos, ==, 1);

  /* bad packets around a good one: the good one is stored, the session goes on */
  release_held (f, "{\"cursor\":9,\"more\":false,\"packets\":[" BAD_PACKETS ","
                   MSG_EVENT ("9", "500", "1", "the good one") "]}");
  wait_until (line_has, &c, "the good message stored");
  wait_until (has_held, f, "the next held poll");
  g_assert_cmpuint (f->poll_hellos, ==, 1);
  g_assert_true (online_and_synced (channel));
  g_assert_cmpint (json_object_get_int_member (request (f, f->requests->len - 1), "cursor"), ==, 9);

  /* not JSON */
  release_held (f, "<html>502 Bad Gateway</html>");
  wait_reconnected (f, channel, 1, "a new session after an answer that is not JSON");

  /* JSON, but not an object; then an answer without packets at all */
  release_held (f, "[1,2,3]");
  wait_reconnected (f, channel, 2, "a new session after an answer that is not an object");
  release_held (f, "{\"cursor\":\"nine\",\"packets\":{\"v\":1}}");
  wait_until (has_held, f, "a poll after an answer without packets");

  /* over twice the largest server packet */
  while (huge->len <= 2 * TD_MAX_SERVER_PACKET)
    g_string_append (huge, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
  g_string_append (huge, "\"}");
  {
    guint hellos = f->poll_hellos;

    release_held_raw (f, 200, huge->str, huge->len);
    wait_reconnected (f, channel, hellos, "a new session after a huge answer");
  }

  /* an HTTP error with a body that is not a poll answer */
  {
    guint hellos = f->poll_hellos;

    release_held_raw (f, 500, "oops", 4);
    wait_reconnected (f, channel, hellos, "a new session after HTTP 500");
  }

  /* only the good message was stored, and the cursor never went back */
  g_assert_cmpint (stored_messages (store), ==, 1);
  g_assert_true (td_store_get_cursor (store, &cursor));
  g_assert_cmpint (cursor, >=, 5);
  g_assert_cmpint (td_channel_get_state (channel), ==, TD_CHANNEL_STATE_ONLINE);

  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  fake_free (f);
}

static gboolean
ws_online_again (gpointer data)
{
  Reconnect *r = data;

  return r->fake->ws_hellos > r->hellos && online_and_synced (r->channel);
}

/* Over WebSocket: frames that are not JSON, binary frames and bad packets
 * are dropped and the connection stays.  A frame over the 1 MiB a server
 * packet may have: uncompressed, libsoup closes the connection and the
 * channel connects again; compressed (permessage-deflate), libsoup 3.2
 * checks only the compressed size, so the bus drops it and the connection
 * stays. */
static void
run_websocket_bad_frames (gboolean deflate)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, 1);
  Count c = { store, "ml_1", 2 };
  Reconnect r = { f, channel, 0 };
  const char * const bad[] = {
    "not json", "{\"v\":1,\"type\":\"msg\"", "{\"v\":1,\"type\":\"msg\"}{}", "\"msg\"", "[]",
    "{\"v\":1,\"type\":\"msg\",\"cursor\":7,\"msg\":{\"id\":600,\"line\":\"ml_1\",\"line_seq\":-1}}",
    "{\"v\":1,\"type\":\"martian\",\"cursor\":8}",
    "{\"v\":1,\"type\":\"msg\",\"cursor\":9,\"msg\":{\"text\":\"\\u0000\"}}",
  };
  SoupWebsocketConnection *conn;
  gsize huge_len = TD_MAX_SERVER_PACKET + 64 * 1024;
  char *huge = g_malloc (huge_len);

  if (!deflate)
    soup_server_remove_websocket_extension (f->server, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  td_backoff_set_limits (b, 20, 100);
  td_channel_set_backoff (channel, b);
  td_channel_set_transport_policy (channel, TD_TRANSPORT_POLICY_WEBSOCKET);
  /* the fake never answers a ping: no silence detection during the test */
  td_channel_set_heartbeat (channel, 60000);
  td_channel_start (channel);
  wait_until (ws_online_again, &r, "online over WebSocket");
  g_assert_cmpuint (f->sockets->len, ==, 1);
  g_assert_cmpuint (f->ws_extensions, ==, deflate ? 1 : 0);
  conn = g_ptr_array_index (f->sockets, 0);

  soup_websocket_connection_send_text (conn, LINE_EVENT ("6"));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    soup_websocket_connection_send_text (conn, bad[i]);
  soup_websocket_connection_send_binary (conn, "\x01\x02\x03", 3);
  soup_websocket_connection_send_text (conn, MSG_EVENT ("10", "500", "1", "one"));
  {
    Count one = { store, "ml_1", 1 };

    wait_until (line_has, &one, "the good message stored");
  }
  g_assert_cmpint (stored_messages (store), ==, 1);
  g_assert_cmpuint (f->ws_hellos, ==, 1);
  g_assert_true (online_and_synced (channel));
  g_assert_cmpint (soup_websocket_connection_get_state (conn), ==, SOUP_WEBSOCKET_STATE_OPEN);

  /* too large (and a valid packet but for its size) */
  memset (huge, ' ', huge_len);
  memcpy (huge, "{\"v\":1,\"type\":\"pong\",\"server_time\":1,\"pad\":\"", 44);
  memcpy (huge + huge_len - 2, "\"}", 2);
  r.hellos = f->ws_hellos;
  {
    g_autoptr(GBytes) bytes = g_bytes_new_take (huge, huge_len);

    soup_websocket_connection_send_message (conn, SOUP_WEBSOCKET_DATA_TEXT, bytes);
  }
  if (deflate)
    {
      soup_websocket_connection_send_text (conn, MSG_EVENT ("11", "501", "2", "two"));
      wait_until (line_has, &c, "the message after the huge frame stored");
      g_assert_cmpuint (f->ws_hellos, ==, 1);
      g_assert_cmpint (soup_websocket_connection_get_state (conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
    }
  else
    {
      wait_until (ws_online_again, &r, "online again after a frame over 1 MiB");
      g_assert_cmpuint (f->sockets->len, ==, 2);
      g_assert_cmpint (soup_websocket_connection_get_state (conn), ==, SOUP_WEBSOCKET_STATE_CLOSED);
      soup_websocket_connection_send_text (g_ptr_array_index (f->sockets, 1),
                                           MSG_EVENT ("11", "501", "2", "two"));
      wait_until (line_has, &c, "the message on the new connection stored");
    }
  g_assert_cmpint (stored_messages (store), ==, 2);
  g_assert_true (online_and_synced (channel));

  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  fake_free (f);
}

static void
test_websocket_bad_frames (void)
{
  run_websocket_bad_frames (TRUE);
}

static void
test_websocket_bad_frames_uncompressed (void)
{
  run_websocket_bad_frames (FALSE);
}

static void
not_upgraded_handler (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  static const char page[] = "<html><body>Please log in to the hotel Wi-Fi</body></html>";
  guint *count = user_data;

  (*count)++;
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, page, sizeof page - 1);
}

typedef struct
{
  Fake      *fake;
  TdChannel *channel;
} Fallback;

static gboolean
online_on_long_poll (gpointer data)
{
  Fallback *fb = data;

  return fb->fake->held != NULL && online_and_synced (fb->channel) &&
         g_strcmp0 (td_channel_get_transport (fb->channel), "long-poll") == 0;
}

/* A WebSocket upgrade answered with a page instead (a proxy, a captive
 * portal): refused, and the channel goes on over long-poll at once. */
static void
test_websocket_not_upgraded (void)
{
  Fake *f = fake_new ();
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdChannel) channel = td_channel_new (f->url, "token", store, NULL);
  Fallback fb = { f, channel };
  guint ws_requests = 0;
  gint64 start = g_get_monotonic_time ();

  soup_server_remove_handler (f->server, "/v1/ws");
  soup_server_add_handler (f->server, "/v1/ws", not_upgraded_handler, &ws_requests, NULL);
  td_channel_start (channel);
  wait_until (online_on_long_poll, &fb, "online over long-poll");
  g_assert_cmpuint (ws_requests, ==, 1);
  g_assert_cmpuint (f->ws_hellos, ==, 0);
  g_assert_cmpuint (f->poll_hellos, ==, 1);
  /* soon: no backoff for a refused upgrade (the app's own limits) */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);

  td_channel_stop (channel);
  g_assert_finalize_object (g_steal_pointer (&channel));
  soup_server_remove_handler (f->server, "/v1/ws");
  fake_free (f);
}

/* ---- the shared waits can fail -------------------------------------------------- */

static gboolean
never (gpointer data)
{
  return FALSE;
}

static gboolean
after_three_calls (gpointer data)
{
  return ++*(guint *) data >= 3;
}

/* td_test_wait_until() returns once its condition holds, and fails the
 * test, naming what it waited for and where, when it does not in time. */
static void
test_wait_until (void)
{
  if (g_test_subprocess ())
    {
      td_test_wait_until (NULL, never, NULL, 50, "something that never comes");
      return;
    }
  {
    guint calls = 0;
    gint64 start = g_get_monotonic_time ();

    g_assert_true (td_test_wait_until (NULL, after_three_calls, &calls, 5000, "three calls"));
    g_assert_cmpuint (calls, ==, 3);
    td_test_iterate_for (NULL, 30);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, 30 * 1000);
  }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*test-channel-fake.c:*timed out after 50 ms waiting for something that never comes*");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/test-e2e/wait-until", test_wait_until);
  g_test_add_func ("/tripdesk/channel/poll-protocol", test_poll_protocol);
  g_test_add_func ("/tripdesk/channel/silent-websocket", test_silent_websocket);
  g_test_add_func ("/tripdesk/channel/poll-refusals", test_poll_refusals);
  g_test_add_func ("/tripdesk/channel/websocket-not-upgraded", test_websocket_not_upgraded);
  g_test_add_func ("/tripdesk/channel/poll-bad-answers", test_poll_bad_answers);
  g_test_add_func ("/tripdesk/channel/websocket-bad-frames", test_websocket_bad_frames);
  g_test_add_func ("/tripdesk/channel/websocket-bad-frames-uncompressed", test_websocket_bad_frames_uncompressed);

  return g_test_run ();
}

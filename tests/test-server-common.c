/* test-server-common.c — raw libsoup clients for the server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-server-common.h"

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
iterate_until (gboolean   *flag,
               const char *what)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (TIMEOUT_S, timeout_cb, &timed_out);

  while (!*flag && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  if (!*flag)
    g_error ("timed out waiting for %s", what);
}

gboolean
iterate_until_fn (gboolean (*fn) (gpointer),
                  gpointer  data,
                  guint     timeout_s)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (timeout_s, timeout_cb, &timed_out);

  while (!fn (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return fn (data);
}

JsonObject *
parse_server_json (const char *data,
                   gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdPacket) p = NULL;
  JsonObject *o = td_json_parse_object (data, len, &error);

  g_assert_no_error (error);
  g_assert_nonnull (o);
  /* everything the server sends must pass the client-side codec */
  p = td_packet_parse (data, len, TD_FROM_SERVER, NULL, &error);
  if (p == NULL)
    g_error ("server packet rejected by the codec: %s: %.*s", error->message, (int) MIN (len, 400), data);
  return o;
}

char *
random_id_new (void)
{
  return td_random_id_new ();
}

gint64
obj_int (JsonObject *o,
         const char *member)
{
  g_assert_true (json_object_has_member (o, member));
  return json_object_get_int_member (o, member);
}

const char *
obj_str (JsonObject *o,
         const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return NULL;
  return json_node_get_string (n);
}

JsonObject *
obj_obj (JsonObject *o,
         const char *member)
{
  JsonNode *n = json_object_get_member (o, member);
  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return NULL;
  return json_node_get_object (n);
}

guint
count_type (GPtrArray  *packets,
            guint       from,
            const char *type)
{
  guint n = 0;
  for (guint i = from; i < packets->len; i++)
    if (g_strcmp0 (obj_str (g_ptr_array_index (packets, i), "type"), type) == 0)
      n++;
  return n;
}

/* ------------------------------------------------------------------ fixture */

Fixture *
fixture_new (int customers,
             int heartbeat)
{
  Fixture *fx = g_new0 (Fixture, 1);
  g_autoptr(GError) error = NULL;

  fx->dir = g_dir_make_tmp ("tripdesk-server-XXXXXX", &error);
  g_assert_no_error (error);
  fx->db = g_build_filename (fx->dir, "server.db", NULL);
  fx->customers = customers;
  fx->heartbeat = heartbeat;
  fixture_start (fx);
  return fx;
}

void
fixture_start (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  TdServerOptions opts = { 0, };

  opts.db_path = fx->db;
  opts.demo = TRUE;
  opts.demo_customers = fx->customers;
  opts.heartbeat_s = fx->heartbeat;
  opts.tz = "UTC";
  fx->server = td_server_new (&opts, &error);
  g_assert_no_error (error);
  td_server_listen (fx->server, "127.0.0.1", fx->port, &error);
  g_assert_no_error (error);
  fx->port = td_server_get_port (fx->server);
  g_assert_cmpuint (fx->port, >, 0);
  g_free (fx->url);
  g_free (fx->ws_url);
  fx->url = td_server_dup_base_url (fx->server);
  fx->ws_url = g_strdup_printf ("ws://127.0.0.1:%u/v1/ws", fx->port);
}

void
fixture_stop (Fixture  *fx,
              gboolean  planned)
{
  if (fx->server == NULL)
    return;
  if (planned)
    td_server_shutdown (fx->server, 500);
  else
    td_server_drop_connections (fx->server);
  g_clear_object (&fx->server);
}

void
drain_main_context (guint ms)
{
  /* lets closing connections finish (cleanup, not synchronisation) */
  gint64 until = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
}

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

void
fixture_free (Fixture *fx)
{
  if (fx->server != NULL)
    {
      td_server_shutdown (fx->server, 100);
      g_assert_finalize_object (fx->server);
      fx->server = NULL;
    }
  drain_main_context (100);
  rm_rf (fx->dir);
  g_free (fx->dir);
  g_free (fx->db);
  g_free (fx->url);
  g_free (fx->ws_url);
  g_free (fx);
}

/* ------------------------------------------------------------------ WebSocket */

static void
on_message_cb (SoupWebsocketConnection *conn,
               gint                     type,
               GBytes                  *message,
               gpointer                 user_data)
{
  WsClient *c = user_data;
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  g_assert_cmpint (type, ==, SOUP_WEBSOCKET_DATA_TEXT);
  g_ptr_array_add (c->packets, parse_server_json (data, len));
}

static void
on_closed_cb (SoupWebsocketConnection *conn,
              gpointer                 user_data)
{
  WsClient *c = user_data;

  c->closed = TRUE;
  c->close_code = soup_websocket_connection_get_close_code (conn);
  c->close_data = g_strdup (soup_websocket_connection_get_close_data (conn));
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  WsClient *c = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  c->conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &c->error);
  if (c->conn == NULL)
    {
      c->status = msg ? soup_message_get_status (msg) : 0;
      if (msg)
        c->retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After"));
    }
  else
    {
      g_signal_connect (c->conn, "message", G_CALLBACK (on_message_cb), c);
      g_signal_connect (c->conn, "closed", G_CALLBACK (on_closed_cb), c);
    }
  c->done = TRUE;
}

WsClient *
ws_client_new (Fixture    *fx,
               const char *token)
{
  WsClient *c = g_new0 (WsClient, 1);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", fx->ws_url);
  const char *protocols[] = { TD_SUBPROTOCOL, NULL };

  c->session = soup_session_new_with_options ("max-conns-per-host", 8, NULL);
  soup_session_add_feature_by_type (c->session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  c->packets = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  if (token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  soup_session_websocket_connect_async (c->session, msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, NULL, connected_cb, c);
  iterate_until (&c->done, "websocket connect");
  return c;
}

void
ws_client_free (WsClient *c)
{
  if (c == NULL)
    return;
  if (c->conn != NULL)
    {
      /* a complete close handshake, so that neither end keeps anything */
      if (soup_websocket_connection_get_state (c->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          soup_websocket_connection_close (c->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
          iterate_until (&c->closed, "websocket close handshake");
        }
      g_signal_handlers_disconnect_by_data (c->conn, c);
      g_object_unref (c->conn);
    }
  g_clear_error (&c->error);
  g_free (c->close_data);
  g_free (c->retry_after);
  g_ptr_array_unref (c->packets);
  g_object_unref (c->session);
  g_free (c);
}

void
ws_client_send (WsClient   *c,
                const char *json)
{
  g_assert_nonnull (c->conn);
  soup_websocket_connection_send_text (c->conn, json);
}

void
ws_client_sendf (WsClient   *c,
                 const char *fmt,
                 ...)
{
  va_list ap;
  g_autofree char *s = NULL;

  va_start (ap, fmt);
  s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ws_client_send (c, s);
}

typedef struct
{
  WsClient   *c;
  const char *type;
  JsonObject *found;
} Expect;

static gboolean
expect_check (gpointer data)
{
  Expect *e = data;

  if (e->found)
    return TRUE;
  while (e->c->pos < e->c->packets->len)
    {
      JsonObject *o = g_ptr_array_index (e->c->packets, e->c->pos++);
      if (g_strcmp0 (obj_str (o, "type"), e->type) == 0)
        {
          e->found = o;
          return TRUE;
        }
    }
  return e->c->closed;
}

JsonObject *
ws_client_expect (WsClient   *c,
                  const char *type)
{
  Expect e = { c, type, NULL };

  iterate_until_fn (expect_check, &e, TIMEOUT_S);
  return e.found;
}

JsonObject *
ws_client_hello (WsClient *c,
                 gint64    cursor)
{
  JsonObject *welcome;

  if (cursor < 0)
    ws_client_send (c, "{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"test/1\"}");
  else
    ws_client_sendf (c, "{\"v\":1,\"type\":\"hello\",\"cursor\":%" G_GINT64_FORMAT ",\"client\":\"test/1\"}", cursor);
  welcome = ws_client_expect (c, "welcome");
  g_assert_nonnull (welcome);
  g_assert_nonnull (ws_client_expect (c, "synced"));
  return welcome;
}

void
ws_client_sync (WsClient *c)
{
  static int n;
  g_autofree char *req = g_strdup_printf ("sync%d", ++n);
  JsonObject *pong;

  ws_client_sendf (c, "{\"v\":1,\"type\":\"ping\",\"req\":\"%s\"}", req);
  for (;;)
    {
      pong = ws_client_expect (c, "pong");
      g_assert_nonnull (pong);
      if (g_strcmp0 (obj_str (pong, "req"), req) == 0)
        break;
    }
}

/* ------------------------------------------------------------------ HTTP */

typedef struct
{
  gboolean  done;
  GBytes   *bytes;
  GError   *error;
} HttpWait;

static void
http_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HttpWait *w = user_data;

  w->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &w->error);
  w->done = TRUE;
}

static guint
http_send (SoupSession *session,
           const char  *method,
           const char  *url,
           const char  *token,
           const char  *body,
           char       **body_out)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  HttpWait w = { 0, };
  guint status;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, http_done_cb, &w);
  iterate_until (&w.done, url);
  g_assert_no_error (w.error);
  status = soup_message_get_status (msg);
  if (body_out != NULL)
    {
      gsize len;
      const char *data = g_bytes_get_data (w.bytes, &len);
      *body_out = g_strndup (data ? data : "", len);
    }
  g_bytes_unref (w.bytes);
  return status;
}

guint
http_request (Fixture     *fx,
              const char  *method,
              const char  *path,
              const char  *token,
              const char  *body,
              char       **body_out)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (fx->url, path, NULL);

  return http_send (session, method, url, token, body, body_out);
}

/* ------------------------------------------------------------------ long-poll */

PollClient *
poll_client_new (Fixture    *fx,
                 const char *token)
{
  PollClient *c = g_new0 (PollClient, 1);

  c->session = soup_session_new_with_options ("max-conns-per-host", 8, "timeout", 60, NULL);
  c->url = g_strconcat (fx->url, "/v1/poll", NULL);
  c->token = g_strdup (token);
  c->packets = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  return c;
}

void
poll_client_free (PollClient *c)
{
  if (c == NULL)
    return;
  g_object_unref (c->session);
  g_free (c->url);
  g_free (c->token);
  g_free (c->sid);
  g_ptr_array_unref (c->packets);
  g_free (c);
}

JsonObject *
poll_client_request (PollClient *c,
                     const char *send,
                     int         wait)
{
  g_autoptr(GString) body = g_string_new ("{");
  g_autofree char *answer = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *o;
  JsonArray *packets;
  JsonNode *cursor;

  if (c->sid)
    g_string_append_printf (body, "\"session\":\"%s\",", c->sid);
  if (c->has_cursor)
    g_string_append_printf (body, "\"cursor\":%" G_GINT64_FORMAT ",", c->cursor);
  else
    g_string_append (body, "\"cursor\":null,");
  if (send)
    g_string_append_printf (body, "\"send\":%s,", send);
  g_string_append_printf (body, "\"wait\":%d}", wait);

  c->status = http_send (c->session, "POST", c->url, c->token, body->str, &answer);
  if (c->status != 200)
    return NULL;
  o = td_json_parse_object (answer, strlen (answer), &error);
  g_assert_no_error (error);
  g_assert_true (json_object_has_member (o, "packets"));
  packets = json_object_get_array_member (o, "packets");
  for (guint i = 0; i < json_array_get_length (packets); i++)
    {
      JsonNode *n = json_array_get_element (packets, i);
      g_autofree char *text = td_json_node_to_string (n, NULL);
      JsonObject *p = parse_server_json (text, strlen (text));

      if (g_strcmp0 (obj_str (p, "type"), "welcome") == 0 && obj_str (p, "session"))
        {
          g_free (c->sid);
          c->sid = g_strdup (obj_str (p, "session"));
        }
      if (g_strcmp0 (obj_str (p, "type"), "synced") == 0)
        c->synced = TRUE;
      g_ptr_array_add (c->packets, p);
    }
  cursor = json_object_get_member (o, "cursor");
  if (cursor != NULL && !JSON_NODE_HOLDS_NULL (cursor))
    {
      c->cursor = json_node_get_int (cursor);
      c->has_cursor = TRUE;
    }
  return o;
}

void
poll_client_hello (PollClient *c,
                   gint64      cursor)
{
  c->has_cursor = cursor >= 0;
  c->cursor = MAX (cursor, 0);
  c->synced = FALSE;
  for (int i = 0; i < 100 && !c->synced; i++)
    {
      g_autoptr(JsonObject) o = poll_client_request (c, NULL, 0);
      g_assert_nonnull (o);
    }
  g_assert_true (c->synced);
}

JsonObject *
poll_client_expect (PollClient *c,
                    const char *type)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_S * G_USEC_PER_SEC;

  for (;;)
    {
      while (c->pos < c->packets->len)
        {
          JsonObject *o = g_ptr_array_index (c->packets, c->pos++);
          if (g_strcmp0 (obj_str (o, "type"), type) == 0)
            return o;
        }
      if (g_get_monotonic_time () > deadline)
        return NULL;
      {
        g_autoptr(JsonObject) o = poll_client_request (c, NULL, 2);
        if (o == NULL)
          return NULL;
      }
    }
}

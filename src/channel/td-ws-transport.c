/* td-ws-transport.c — packets over a WebSocket (libsoup 3)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "td-transport.h"
#include "td-channel.h"
#include "td-json.h"

struct _TdWsTransport
{
  GObject                  parent_instance;

  char                    *base_url;
  char                    *token;
  char                    *client;
  SoupSession             *session;
  GCancellable            *cancellable;
  SoupMessage             *msg;
  SoupWebsocketConnection *conn;
  gboolean                 has_cursor;
  gint64                   cursor;
  gboolean                 closed;     /* final: "closed" emitted or close() called */
  guint                    keepalive_s;
};

static void td_ws_transport_iface_init (TdTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdWsTransport, td_ws_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_TRANSPORT, td_ws_transport_iface_init))

static void
drop_conn (TdWsTransport *self)
{
  if (self->conn)
    {
      g_signal_handlers_disconnect_by_data (self->conn, self);
      if (soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&self->conn);
    }
}

static void
finish (TdWsTransport    *self,
        TdTransportClose  reason,
        gint64            retry_ms,
        const GError     *error)
{
  g_autoptr(TdWsTransport) keep = g_object_ref (self);

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  drop_conn (self);
  td_transport_emit_closed (TD_TRANSPORT (self), reason, retry_ms, error);
}

static void
on_conn_message_cb (SoupWebsocketConnection *conn,
                    int                      type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  TdWsTransport *self = user_data;
  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);

  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      g_debug ("ws: ignoring a binary frame of %" G_GSIZE_FORMAT " bytes", len);
      return;
    }
  td_transport_emit_frame (TD_TRANSPORT (self), data ? data : "", len, NULL);
}

static void
on_conn_closed_cb (SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  TdWsTransport *self = user_data;
  gushort code = soup_websocket_connection_get_close_code (conn);
  const char *data = soup_websocket_connection_get_close_data (conn);
  g_autoptr(GError) error = NULL;
  TdTransportClose reason = TD_TRANSPORT_CLOSE_ERROR;
  gint64 retry = -1;

  switch (code)
    {
    case TD_CLOSE_SERVICE_RESTART:
      reason = TD_TRANSPORT_CLOSE_RESTART;
      retry = 1000;
      if (data && *data)
        {
          g_autoptr(JsonObject) obj = td_json_parse_object (data, strlen (data), NULL);

          if (obj && json_object_has_member (obj, "retry_within_ms"))
            {
              JsonNode *n = json_object_get_member (obj, "retry_within_ms");

              if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64)
                retry = CLAMP (json_node_get_int (n), 0, 10 * 60 * 1000);
            }
        }
      break;
    case TD_CLOSE_UNAUTHORIZED:
      reason = TD_TRANSPORT_CLOSE_UNAUTHORIZED;
      break;
    case TD_CLOSE_RATE_LIMITED:
      reason = TD_TRANSPORT_CLOSE_RATE_LIMITED;
      break;
    default:
      break;
    }
  error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                       "the WebSocket closed (%u%s%s)", code, data && *data ? ": " : "",
                       data ? data : "");
  g_debug ("ws: %s", error->message);
  finish (self, reason, retry, error);
}

static void
on_conn_error_cb (SoupWebsocketConnection *conn,
                  GError                  *error,
                  gpointer                 user_data)
{
  g_debug ("ws: %s", error->message);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TdWsTransport) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdPacket) hello = NULL;
  g_autofree char *text = NULL;
  SoupWebsocketConnection *conn;
  guint status;

  conn = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (self->closed)
    {
      g_clear_object (&conn);
      return;
    }
  status = self->msg ? soup_message_get_status (self->msg) : 0;
  if (conn == NULL)
    {
      gint64 retry;
      /* an answer, even 1xx/2xx, that is not the upgrade: refused */
      TdTransportClose reason = td_transport_close_for_answer ((GObject *) self->msg, &retry);

      g_debug ("ws: connect failed (HTTP %u): %s", status, error->message);
      finish (self, reason, retry, error);
      return;
    }

  self->conn = conn;
  soup_websocket_connection_set_max_incoming_payload_size (conn, TD_MAX_SERVER_PACKET + 1024);
  soup_websocket_connection_set_keepalive_interval (conn, self->keepalive_s);
  g_signal_connect (conn, "message", G_CALLBACK (on_conn_message_cb), self);
  g_signal_connect (conn, "closed", G_CALLBACK (on_conn_closed_cb), self);
  g_signal_connect (conn, "error", G_CALLBACK (on_conn_error_cb), self);

  hello = td_packet_new_hello (self->has_cursor, self->cursor, self->client);
  text = td_packet_to_json (hello, NULL);
  soup_websocket_connection_send_text (conn, text);

  td_transport_emit_opened (TD_TRANSPORT (self));
}

static const char *
ws_get_name (TdTransport *transport)
{
  return "websocket";
}

static void
ws_open (TdTransport *transport,
         gboolean     has_cursor,
         gint64       cursor)
{
  TdWsTransport *self = TD_WS_TRANSPORT (transport);
  g_autofree char *url = g_strconcat (self->base_url, "/v1/ws", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
  const char *protocols[] = { TD_SUBPROTOCOL, NULL };

  g_return_if_fail (self->msg == NULL);

  self->has_cursor = has_cursor;
  self->cursor = cursor;
  self->msg = soup_message_new (SOUP_METHOD_GET, url);
  if (self->msg == NULL)
    {
      g_autoptr(GError) error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                                             "not a valid server address: %s", self->base_url);
      finish (self, TD_TRANSPORT_CLOSE_REFUSED, -1, error);
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (self->msg),
                                "Authorization", auth);
  soup_session_websocket_connect_async (self->session, self->msg, NULL, (char **) protocols,
                                        G_PRIORITY_DEFAULT, self->cancellable,
                                        connect_cb, g_object_ref (self));
}

static gboolean
ws_send (TdTransport *transport,
         TdPacket    *packet)
{
  TdWsTransport *self = TD_WS_TRANSPORT (transport);
  g_autofree char *text = NULL;

  if (self->closed || self->conn == NULL
      || soup_websocket_connection_get_state (self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return FALSE;
  text = td_packet_to_json (packet, NULL);
  soup_websocket_connection_send_text (self->conn, text);
  return TRUE;
}

static void
ws_close (TdTransport *transport)
{
  TdWsTransport *self = TD_WS_TRANSPORT (transport);

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  drop_conn (self);
}

static gboolean
ws_is_open (TdTransport *transport)
{
  TdWsTransport *self = TD_WS_TRANSPORT (transport);

  return !self->closed && self->conn != NULL
      && soup_websocket_connection_get_state (self->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
td_ws_transport_iface_init (TdTransportInterface *iface)
{
  iface->get_name = ws_get_name;
  iface->open = ws_open;
  iface->send = ws_send;
  iface->close = ws_close;
  iface->is_open = ws_is_open;
}

static void
td_ws_transport_dispose (GObject *object)
{
  TdWsTransport *self = (TdWsTransport *) object;

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  drop_conn (self);
  g_clear_object (&self->msg);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (td_ws_transport_parent_class)->dispose (object);
}

static void
td_ws_transport_finalize (GObject *object)
{
  TdWsTransport *self = (TdWsTransport *) object;

  g_clear_object (&self->cancellable);
  g_free (self->base_url);
  g_free (self->token);
  g_free (self->client);

  G_OBJECT_CLASS (td_ws_transport_parent_class)->finalize (object);
}

static void
td_ws_transport_class_init (TdWsTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_ws_transport_dispose;
  object_class->finalize = td_ws_transport_finalize;
}

static void
td_ws_transport_init (TdWsTransport *self)
{
  self->cancellable = g_cancellable_new ();
  self->keepalive_s = TD_DEFAULT_HEARTBEAT_S;
}

void
td_ws_transport_set_keepalive (TdWsTransport *self,
                               guint          interval_s)
{
  g_return_if_fail (TD_IS_WS_TRANSPORT (self));

  self->keepalive_s = interval_s;
  if (self->conn)
    soup_websocket_connection_set_keepalive_interval (self->conn, interval_s);
}

TdWsTransport *
td_ws_transport_new (const char *base_url,
                     const char *token,
                     const char *client,
                     GObject    *session)
{
  TdWsTransport *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (TD_TYPE_WS_TRANSPORT, NULL);
  self->base_url = g_strdup (base_url);
  if (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->token = g_strdup (token);
  self->client = g_strdup (client ? client : "tripdesk/" VERSION);
  self->session = session ? g_object_ref (SOUP_SESSION (session))
                          : SOUP_SESSION (td_transport_new_session (15));
  return self;
}

/* td-poll-transport.c — packets over HTTP long-poll (protocol.md, transport 2)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One poll outstanding at all times; packets to send go in a second request
 * with wait 0 (one at a time, whatever queued meanwhile goes in the next).
 * The body's cursor is null until `synced` (the channel tells us with
 * td_transport_set_cursor()).
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "td-transport.h"
#include "td-channel.h"
#include "td-json.h"

#define DEFAULT_WAIT_S 25

struct _TdPollTransport
{
  GObject       parent_instance;

  char         *url;
  char         *token;
  char         *client;
  SoupSession  *session;
  GCancellable *cancellable;

  char         *session_id;
  gboolean      has_cursor;
  gint64        cursor;
  guint         wait_s;

  gboolean      opened;
  gboolean      closed;
  gboolean      poll_in_flight;
  gboolean      send_in_flight;
  gboolean      poll_again_now;   /* `more: true` */
  GPtrArray    *queue;            /* TdPacket to send */
};

static void td_poll_transport_iface_init (TdTransportInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdPollTransport, td_poll_transport, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_TRANSPORT, td_poll_transport_iface_init))

static void issue_poll (TdPollTransport *self);
static void issue_send (TdPollTransport *self);

static void
finish (TdPollTransport  *self,
        TdTransportClose  reason,
        gint64            retry_ms,
        const GError     *error)
{
  g_autoptr(TdPollTransport) keep = g_object_ref (self);

  if (self->closed)
    return;
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  td_transport_emit_closed (TD_TRANSPORT (self), reason, retry_ms, error);
}

static JsonObject *
make_body (TdPollTransport *self,
           GPtrArray       *send,
           guint            wait_s)
{
  JsonObject *body = json_object_new ();

  if (self->session_id)
    json_object_set_string_member (body, "session", self->session_id);
  if (self->has_cursor)
    json_object_set_int_member (body, "cursor", self->cursor);
  else
    json_object_set_null_member (body, "cursor");
  if (send && send->len > 0)
    {
      JsonArray *array = json_array_new ();

      for (guint i = 0; i < send->len; i++)
        json_array_add_object_element (array, td_packet_to_json_object (g_ptr_array_index (send, i)));
      json_object_set_array_member (body, "send", array);
    }
  json_object_set_int_member (body, "wait", wait_s);
  return body;
}

typedef struct
{
  TdPollTransport *self;
  SoupMessage     *msg;
  gboolean         is_poll;
  GPtrArray       *sent;   /* packets of a send request (to requeue on failure) */
} Request;

static void
request_free (Request *req)
{
  g_clear_object (&req->self);
  g_clear_object (&req->msg);
  g_clear_pointer (&req->sent, g_ptr_array_unref);
  g_free (req);
}

/* Handles one answer body; FALSE when the transport finished. */
static gboolean
handle_answer (TdPollTransport *self,
               GBytes          *bytes)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) answer = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  JsonNode *node;
  gboolean has_cursor = FALSE;
  gint64 cursor = 0;

  if (len > TD_MAX_SERVER_PACKET * 2)
    {
      error = g_error_new (TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE,
                           "a poll answer of %" G_GSIZE_FORMAT " bytes", len);
      finish (self, TD_TRANSPORT_CLOSE_ERROR, -1, error);
      return FALSE;
    }
  answer = td_json_parse_object (data ? data : "", len, &error);
  if (answer == NULL)
    {
      g_debug ("poll: a bad answer: %s", error->message);
      finish (self, TD_TRANSPORT_CLOSE_ERROR, -1, error);
      return FALSE;
    }

  node = json_object_get_member (answer, "packets");
  if (node && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *packets = json_node_get_array (node);
      guint n = json_array_get_length (packets);

      for (guint i = 0; i < n && !self->closed; i++)
        {
          JsonNode *el = json_array_get_element (packets, i);

          if (!JSON_NODE_HOLDS_OBJECT (el))
            {
              g_debug ("poll: a packet that is not an object");
              continue;
            }
          /* a new session's welcome carries its id */
          {
            JsonObject *obj = json_node_get_object (el);
            const char *type = json_object_get_string_member_with_default (obj, "type", NULL);

            if (g_strcmp0 (type, "welcome") == 0)
              {
                const char *sid = json_object_get_string_member_with_default (obj, "session", NULL);

                if (sid)
                  {
                    g_free (self->session_id);
                    self->session_id = g_strdup (sid);
                  }
              }
            td_transport_emit_frame (TD_TRANSPORT (self), NULL, 0, obj);
          }
        }
    }
  if (self->closed)
    return FALSE;

  node = json_object_get_member (answer, "cursor");
  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      has_cursor = TRUE;
      cursor = json_node_get_int (node);
    }
  td_transport_emit_batch_end (TD_TRANSPORT (self), has_cursor, cursor);
  if (self->closed)
    return FALSE;

  node = json_object_get_member (answer, "retry_within_ms");
  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    {
      g_autoptr(GError) restart = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                                               "the server is restarting");

      finish (self, TD_TRANSPORT_CLOSE_RESTART,
              CLAMP (json_node_get_int (node), 0, 10 * 60 * 1000), restart);
      return FALSE;
    }

  if (json_object_get_boolean_member_with_default (answer, "more", FALSE))
    self->poll_again_now = TRUE;
  return TRUE;
}

static void
request_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Request *req = user_data;
  TdPollTransport *self = req->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  guint status;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (req->is_poll)
    self->poll_in_flight = FALSE;
  else
    self->send_in_flight = FALSE;

  if (self->closed)
    {
      request_free (req);
      return;
    }

  status = soup_message_get_status (req->msg);
  if (bytes == NULL)
    {
      g_debug ("poll: request failed: %s", error->message);
      finish (self, TD_TRANSPORT_CLOSE_ERROR, -1, error);
      request_free (req);
      return;
    }

  if (status != SOUP_STATUS_OK)
    {
      gint64 retry;
      TdTransportClose reason = td_transport_close_for_answer (G_OBJECT (req->msg), &retry);

      error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                           "the server answered the poll with HTTP %u", status);
      g_debug ("poll: %s", error->message);
      finish (self, reason, retry, error);
      request_free (req);
      return;
    }

  if (!self->opened)
    {
      /* before the answer's packets: its welcome may want to send */
      self->opened = TRUE;
      td_transport_emit_opened (TD_TRANSPORT (self));
      if (self->closed)
        {
          request_free (req);
          return;
        }
    }

  if (!handle_answer (self, bytes))
    {
      request_free (req);
      return;
    }

  request_free (req);

  if (!self->poll_in_flight)
    issue_poll (self);
  if (!self->send_in_flight && self->queue->len > 0)
    issue_send (self);
}

static void
issue_request (TdPollTransport *self,
               gboolean         is_poll,
               GPtrArray       *send,
               guint            wait_s)
{
  g_autoptr(JsonObject) body = make_body (self, send, wait_s);
  g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
  g_autoptr(GBytes) bytes = NULL;
  gsize len = 0;
  char *text = td_json_object_to_string (body, &len);
  Request *req = g_new0 (Request, 1);

  bytes = g_bytes_new_take (text, len);
  req->self = g_object_ref (self);
  req->is_poll = is_poll;
  req->sent = send;
  req->msg = soup_message_new (SOUP_METHOD_POST, self->url);
  soup_message_headers_replace (soup_message_get_request_headers (req->msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (req->msg, "application/json", bytes);
  if (is_poll)
    self->poll_in_flight = TRUE;
  else
    self->send_in_flight = TRUE;
  soup_session_send_and_read_async (self->session, req->msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, request_cb, req);
}

static void
issue_poll (TdPollTransport *self)
{
  guint wait_s;

  if (self->closed || self->poll_in_flight)
    return;
  /* the opening request (the hello) and `more` answers: no waiting */
  wait_s = (self->session_id == NULL || self->poll_again_now) ? 0 : self->wait_s;
  self->poll_again_now = FALSE;
  issue_request (self, TRUE, NULL, wait_s);
}

static void
issue_send (TdPollTransport *self)
{
  GPtrArray *send;

  if (self->closed || self->send_in_flight || self->queue->len == 0 || self->session_id == NULL)
    return;
  send = g_steal_pointer (&self->queue);
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) td_packet_unref);
  issue_request (self, FALSE, send, 0);
}

static const char *
poll_get_name (TdTransport *transport)
{
  return "long-poll";
}

static void
poll_open (TdTransport *transport,
           gboolean     has_cursor,
           gint64       cursor)
{
  TdPollTransport *self = TD_POLL_TRANSPORT (transport);

  self->has_cursor = has_cursor;
  self->cursor = cursor;
  issue_poll (self);
}

static void
poll_set_cursor (TdTransport *transport,
                 gboolean     has_cursor,
                 gint64       cursor)
{
  TdPollTransport *self = TD_POLL_TRANSPORT (transport);

  self->has_cursor = has_cursor;
  self->cursor = cursor;
}

static gboolean
poll_send (TdTransport *transport,
           TdPacket    *packet)
{
  TdPollTransport *self = TD_POLL_TRANSPORT (transport);

  if (self->closed)
    return FALSE;
  g_ptr_array_add (self->queue, td_packet_ref (packet));
  issue_send (self);
  return TRUE;
}

static void
poll_close (TdTransport *transport)
{
  TdPollTransport *self = TD_POLL_TRANSPORT (transport);

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
}

static gboolean
poll_is_open (TdTransport *transport)
{
  TdPollTransport *self = TD_POLL_TRANSPORT (transport);

  return self->opened && !self->closed;
}

static void
td_poll_transport_iface_init (TdTransportInterface *iface)
{
  iface->get_name = poll_get_name;
  iface->open = poll_open;
  iface->set_cursor = poll_set_cursor;
  iface->send = poll_send;
  iface->close = poll_close;
  iface->is_open = poll_is_open;
}

static void
td_poll_transport_dispose (GObject *object)
{
  TdPollTransport *self = (TdPollTransport *) object;

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (td_poll_transport_parent_class)->dispose (object);
}

static void
td_poll_transport_finalize (GObject *object)
{
  TdPollTransport *self = (TdPollTransport *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_free (self->url);
  g_free (self->token);
  g_free (self->client);
  g_free (self->session_id);

  G_OBJECT_CLASS (td_poll_transport_parent_class)->finalize (object);
}

static void
td_poll_transport_class_init (TdPollTransportClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_poll_transport_dispose;
  object_class->finalize = td_poll_transport_finalize;
}

static void
td_poll_transport_init (TdPollTransport *self)
{
  self->cancellable = g_cancellable_new ();
  self->queue = g_ptr_array_new_with_free_func ((GDestroyNotify) td_packet_unref);
  self->wait_s = DEFAULT_WAIT_S;
}

TdPollTransport *
td_poll_transport_new (const char *base_url,
                       const char *token,
                       const char *client,
                       GObject    *session)
{
  TdPollTransport *self;
  g_autofree char *base = NULL;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);

  base = g_strdup (base_url);
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';

  self = g_object_new (TD_TYPE_POLL_TRANSPORT, NULL);
  self->url = g_strconcat (base, "/v1/poll", NULL);
  self->token = g_strdup (token);
  self->client = g_strdup (client ? client : "tripdesk/" VERSION);
  self->session = session ? g_object_ref (SOUP_SESSION (session))
                          : SOUP_SESSION (td_transport_new_session (DEFAULT_WAIT_S + 15));
  return self;
}

void
td_poll_transport_set_wait (TdPollTransport *self,
                            guint            wait_s)
{
  g_return_if_fail (TD_IS_POLL_TRANSPORT (self));
  self->wait_s = MIN (wait_s, TD_POLL_MAX_WAIT_S);
}

const char *
td_poll_transport_get_session_id (TdPollTransport *self)
{
  g_return_val_if_fail (TD_IS_POLL_TRANSPORT (self), NULL);
  return self->session_id;
}

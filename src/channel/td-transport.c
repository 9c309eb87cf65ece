/* td-transport.c — the TdTransport interface
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include <libsoup/soup.h>

#include "td-transport.h"

G_DEFINE_INTERFACE (TdTransport, td_transport, G_TYPE_OBJECT)

enum {
  SIGNAL_OPENED,
  SIGNAL_FRAME,
  SIGNAL_BATCH_END,
  SIGNAL_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
td_transport_default_init (TdTransportInterface *iface)
{
  signals[SIGNAL_OPENED] =
    g_signal_new ("opened", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_POINTER, G_TYPE_UINT64, G_TYPE_POINTER);
  signals[SIGNAL_BATCH_END] =
    g_signal_new ("batch-end", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_INT64);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_INT, G_TYPE_INT64, G_TYPE_POINTER);
}

const char *
td_transport_get_name (TdTransport *self)
{
  g_return_val_if_fail (TD_IS_TRANSPORT (self), NULL);
  return TD_TRANSPORT_GET_IFACE (self)->get_name (self);
}

void
td_transport_open (TdTransport *self,
                   gboolean     has_cursor,
                   gint64       cursor)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));
  TD_TRANSPORT_GET_IFACE (self)->open (self, has_cursor, cursor);
}

void
td_transport_set_cursor (TdTransport *self,
                         gboolean     has_cursor,
                         gint64       cursor)
{
  TdTransportInterface *iface;

  g_return_if_fail (TD_IS_TRANSPORT (self));
  iface = TD_TRANSPORT_GET_IFACE (self);
  if (iface->set_cursor)
    iface->set_cursor (self, has_cursor, cursor);
}

gboolean
td_transport_send (TdTransport *self,
                   TdPacket    *packet)
{
  g_return_val_if_fail (TD_IS_TRANSPORT (self), FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);
  return TD_TRANSPORT_GET_IFACE (self)->send (self, packet);
}

void
td_transport_close (TdTransport *self)
{
  g_return_if_fail (TD_IS_TRANSPORT (self));
  TD_TRANSPORT_GET_IFACE (self)->close (self);
}

gboolean
td_transport_is_open (TdTransport *self)
{
  g_return_val_if_fail (TD_IS_TRANSPORT (self), FALSE);
  return TD_TRANSPORT_GET_IFACE (self)->is_open (self);
}

void
td_transport_emit_opened (TdTransport *self)
{
  g_signal_emit (self, signals[SIGNAL_OPENED], 0);
}

void
td_transport_emit_frame (TdTransport *self,
                         const char  *data,
                         gsize        len,
                         JsonObject  *object)
{
  g_signal_emit (self, signals[SIGNAL_FRAME], 0, data, (guint64) len, object);
}

void
td_transport_emit_batch_end (TdTransport *self,
                             gboolean     has_cursor,
                             gint64       cursor)
{
  g_signal_emit (self, signals[SIGNAL_BATCH_END], 0, has_cursor, cursor);
}

void
td_transport_emit_closed (TdTransport      *self,
                          TdTransportClose  reason,
                          gint64            retry_ms,
                          const GError     *error)
{
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, (int) reason, retry_ms, error);
}

GObject *
td_transport_new_session (guint timeout_s)
{
  SoupSession *session = g_object_new (SOUP_TYPE_SESSION,
                                       "max-conns-per-host", 8,
                                       "max-conns", 16,
                                       "timeout", timeout_s,
                                       "idle-timeout", 60,
                                       "user-agent", "tripdesk/" VERSION,
                                       NULL);

  /* permessage-deflate: libsoup 3.2 does not add it by default */
  soup_session_add_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  return G_OBJECT (session);
}

static gint64
parse_retry_after (SoupMessage *msg)
{
  const char *v = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Retry-After");
  char *end = NULL;
  gint64 s;

  if (v == NULL)
    return -1;
  s = g_ascii_strtoll (v, &end, 10);
  if (end == v || s < 0)
    return -1;
  return MIN (s, 3600) * 1000;
}

TdTransportClose
td_transport_close_for_answer (GObject *message,
                               gint64  *retry_ms)
{
  SoupMessage *msg = message != NULL ? SOUP_MESSAGE (message) : NULL;
  guint status = msg != NULL ? soup_message_get_status (msg) : 0;

  *retry_ms = -1;
  if (status < 100)
    return TD_TRANSPORT_CLOSE_ERROR;   /* not answered */
  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return TD_TRANSPORT_CLOSE_UNAUTHORIZED;
    case SOUP_STATUS_SERVICE_UNAVAILABLE:
      *retry_ms = parse_retry_after (msg);
      return TD_TRANSPORT_CLOSE_OVERLOADED;
    case 429:   /* Too Many Requests (no name in libsoup 3.2) */
      return TD_TRANSPORT_CLOSE_RATE_LIMITED;
    default:
      return TD_TRANSPORT_CLOSE_REFUSED;
    }
}

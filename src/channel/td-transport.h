/* td-transport.h — one way of carrying packets: WebSocket or long-poll
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "td-packet.h"

G_BEGIN_DECLS

/**
 * TdTransportClose:
 * Why a transport closed (the "closed" signal).
 */
typedef enum
{
  TD_TRANSPORT_CLOSE_ERROR,        /* network error, abrupt drop */
  TD_TRANSPORT_CLOSE_REFUSED,      /* the upgrade / poll was refused (4xx/5xx, not 401/503) */
  TD_TRANSPORT_CLOSE_OVERLOADED,   /* 503 (+ Retry-After) */
  TD_TRANSPORT_CLOSE_RESTART,      /* planned restart (1012 / retry_within_ms) */
  TD_TRANSPORT_CLOSE_UNAUTHORIZED, /* 401 / 4401: go to login */
  TD_TRANSPORT_CLOSE_RATE_LIMITED, /* 4429 / 429: back off to the cap */
  TD_TRANSPORT_CLOSE_STALLED,      /* silent for 3 × heartbeat */
  TD_TRANSPORT_CLOSE_LOCAL,        /* td_transport_close() */
} TdTransportClose;

#define TD_TYPE_TRANSPORT (td_transport_get_type ())
G_DECLARE_INTERFACE (TdTransport, td_transport, TD, TRANSPORT, GObject)

/*
 * Signals (every transport emits them on the main context it was made in):
 *   "opened": void (TdTransport *) — connected (WebSocket upgraded; first
 *             poll answered).
 *   "frame": void (TdTransport *, const char *data, gsize len,
 *             JsonObject *object) — one packet: raw bytes (WebSocket; object
 *             NULL) or a strictly-checked poll element (data NULL).
 *   "batch-end": void (TdTransport *, gboolean has_cursor, gint64 cursor) —
 *             the end of one poll answer with its cursor M (WebSocket: never).
 *   "closed": void (TdTransport *, TdTransportClose reason,
 *             gint64 retry_ms, const GError *error) — final; retry_ms is
 *             Retry-After or retry_within_ms (-1 if none).
 */

struct _TdTransportInterface
{
  GTypeInterface parent_iface;

  const char *(*get_name)   (TdTransport *self);
  /* Connects and says hello with this cursor (has_cursor FALSE: null). */
  void        (*open)       (TdTransport *self,
                             gboolean     has_cursor,
                             gint64       cursor);
  /* The cursor the next request carries (long-poll; WebSocket ignores it). */
  void        (*set_cursor) (TdTransport *self,
                             gboolean     has_cursor,
                             gint64       cursor);
  /* Queues a packet; FALSE when closed. */
  gboolean    (*send)       (TdTransport *self,
                             TdPacket    *packet);
  void        (*close)      (TdTransport *self);
  gboolean    (*is_open)    (TdTransport *self);
};

const char  *td_transport_get_name   (TdTransport *self);
void         td_transport_open       (TdTransport *self,
                                      gboolean     has_cursor,
                                      gint64       cursor);
void         td_transport_set_cursor (TdTransport *self,
                                      gboolean     has_cursor,
                                      gint64       cursor);
gboolean     td_transport_send       (TdTransport *self,
                                      TdPacket    *packet);
/* Closes without emitting "closed". */
void         td_transport_close      (TdTransport *self);
gboolean     td_transport_is_open    (TdTransport *self);

/* For implementations. */
void         td_transport_emit_opened    (TdTransport *self);
void         td_transport_emit_frame     (TdTransport *self,
                                          const char  *data,
                                          gsize        len,
                                          JsonObject  *object);
void         td_transport_emit_batch_end (TdTransport *self,
                                          gboolean     has_cursor,
                                          gint64       cursor);
void         td_transport_emit_closed    (TdTransport      *self,
                                          TdTransportClose  reason,
                                          gint64            retry_ms,
                                          const GError     *error);

/* A SoupSession fit for a channel: max-conns-per-host ≥ 4,
 * permessage-deflate, the given timeout (s). (transfer full) */
GObject     *td_transport_new_session (guint timeout_s);
/* Why an HTTP answer other than the one wanted (@message: a SoupMessage,
 * nullable) closes a transport: 401 unauthorized, 503 overloaded with
 * *@retry_ms its Retry-After (ms; -1 if none), 429 rate limited, any other
 * answer refused, no answer at all an error. */
TdTransportClose td_transport_close_for_answer (GObject *message,
                                                gint64  *retry_ms);

/* ---- the two implementations ---- */

#define TD_TYPE_WS_TRANSPORT (td_ws_transport_get_type ())
G_DECLARE_FINAL_TYPE (TdWsTransport, td_ws_transport, TD, WS_TRANSPORT, GObject)

/* @session: (nullable): a SoupSession to share (else one of its own). */
TdWsTransport   *td_ws_transport_new   (const char *base_url,
                                        const char *token,
                                        const char *client,
                                        GObject    *session);
/* WebSocket pings every @interval_s (the welcome's heartbeat_s; 0: off). */
void             td_ws_transport_set_keepalive (TdWsTransport *self,
                                                guint          interval_s);

#define TD_TYPE_POLL_TRANSPORT (td_poll_transport_get_type ())
G_DECLARE_FINAL_TYPE (TdPollTransport, td_poll_transport, TD, POLL_TRANSPORT, GObject)

TdPollTransport *td_poll_transport_new (const char *base_url,
                                        const char *token,
                                        const char *client,
                                        GObject    *session);
/* The held poll's wait (s, default 25); tests shorten it. */
void             td_poll_transport_set_wait (TdPollTransport *self,
                                             guint            wait_s);
const char      *td_poll_transport_get_session_id (TdPollTransport *self);

G_END_DECLS

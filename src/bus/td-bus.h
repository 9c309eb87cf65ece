/* td-bus.h — the subscription bus (detailed GSignals) and its interceptor chain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "td-packet.h"

G_BEGIN_DECLS

typedef struct _TdBus TdBus;

/**
 * TdBusFrame:
 * What travels down the interceptor chain: one frame as a transport read
 * it (raw bytes, or an element of a long-poll answer that was already
 * strictly checked), the packet once parsed, and an error if any.
 */
typedef struct
{
  const char *data;        /* raw frame (nullable when @object is set) */
  gsize       len;
  JsonObject *object;      /* a poll answer's element (borrowed, nullable) */
  const char *transport;   /* "websocket", "long-poll", or NULL */
  TdPacket   *packet;      /* set by the parse interceptor; owned by the frame */
  GError     *error;       /* set by an interceptor that failed it; owned */
  gboolean    filtered;    /* set by the filter: an already-stored event */
} TdBusFrame;

/* ---- TdInterceptor ------------------------------------------------------ */

#define TD_TYPE_INTERCEPTOR (td_interceptor_get_type ())
G_DECLARE_INTERFACE (TdInterceptor, td_interceptor, TD, INTERCEPTOR, GObject)

struct _TdInterceptorInterface
{
  GTypeInterface parent_iface;

  /* Returns FALSE to stop the frame (no later interceptor, no signal). */
  gboolean (*intercept) (TdInterceptor *self,
                         TdBus         *bus,
                         TdBusFrame    *frame);
};

gboolean     td_interceptor_intercept (TdInterceptor *self,
                                       TdBus         *bus,
                                       TdBusFrame    *frame);

/* ---- TdKnownEvents: "is this event already stored?" ---------------------- */

#define TD_TYPE_KNOWN_EVENTS (td_known_events_get_type ())
G_DECLARE_INTERFACE (TdKnownEvents, td_known_events, TD, KNOWN_EVENTS, GObject)

struct _TdKnownEventsInterface
{
  GTypeInterface parent_iface;

  gboolean (*contains) (TdKnownEvents *self,
                        TdPacket      *packet);
};

gboolean     td_known_events_contains (TdKnownEvents *self,
                                       TdPacket      *packet);

/* ---- The standard interceptors ----------------------------------------- */

/* parse: bytes / object → TdPacket (strict, TD_FROM_SERVER); failure sets
 * frame->error (TD_PROTOCOL_ERROR) and continues so the error interceptor
 * can report it. */
TdInterceptor *td_parse_interceptor_new   (void);
/* filter: drops (stops) stream events that @known already holds. */
TdInterceptor *td_filter_interceptor_new  (TdKnownEvents *known);
/* error: a parse failure or an `error` packet → the bus's "error" signal;
 * a failed parse stops the frame; an `error` packet continues (its
 * packet::error subscribers still see it). */
TdInterceptor *td_error_interceptor_new   (void);
/* metrics: counts; see td_bus_get_metrics(). Put it last. */
TdInterceptor *td_metrics_interceptor_new (void);

/* ---- TdBus -------------------------------------------------------------- */

typedef struct
{
  guint64 frames;                          /* frames pushed */
  guint64 bytes;                           /* raw bytes pushed */
  guint64 dispatched;                      /* packets that reached the signals */
  guint64 filtered;                        /* already-stored events dropped */
  guint64 parse_errors;                    /* frames that did not parse */
  guint64 error_packets;                   /* `error` packets received */
  guint64 stopped;                         /* frames stopped by any interceptor */
  guint64 per_type[TD_PACKET_N_TYPES];     /* dispatched, by TdPacketType */
} TdBusMetrics;

#define TD_TYPE_BUS (td_bus_get_type ())
G_DECLARE_FINAL_TYPE (TdBus, td_bus, TD, BUS, GObject)

/*
 * Signals:
 *   "packet" (detailed by the packet's wire type: packet::msg, packet::line,
 *            packet::ack, packet::welcome, …; packet::unknown for types this
 *            client does not know): void (TdBus *, TdPacket *packet)
 *   "message" (detailed by busi: message::inquiry, message::feedback,
 *            message::notice, message::chat; message::unknown when the
 *            line's busi is not known): void (TdBus *, TdMessage *msg,
 *            TdPacket *packet) — for every `msg` packet dispatched
 *   "error": void (TdBus *, GError *error) — parse failures (TD_PROTOCOL_ERROR
 *            from the codec) and `error` packets (TD_PROTOCOL_ERROR with the
 *            code of the packet; the message is the server's)
 */

/* A bus with no interceptors: frames are parsed only if an interceptor
 * does it, so use td_bus_new_default() unless building your own chain. */
TdBus       *td_bus_new               (void);
/* parse → filter (if @known is not NULL) → error → metrics. */
TdBus       *td_bus_new_default       (TdKnownEvents *known);

void         td_bus_add_interceptor    (TdBus         *self,
                                        TdInterceptor *interceptor);
/* @position: 0 = first; -1 or past the end = last. */
void         td_bus_insert_interceptor (TdBus         *self,
                                        TdInterceptor *interceptor,
                                        int            position);
void         td_bus_remove_interceptor (TdBus         *self,
                                        TdInterceptor *interceptor);
guint        td_bus_get_n_interceptors (TdBus *self);

/* Runs the chain on one frame and, unless stopped, emits the signals.
 * Returns the dispatched packet (transfer full) or NULL when stopped. */
TdPacket    *td_bus_push_data          (TdBus      *self,
                                        const char *data,
                                        gsize       len,
                                        const char *transport);
TdPacket    *td_bus_push_object        (TdBus      *self,
                                        JsonObject *object,
                                        const char *transport);
/* Emits the signals for an already-made packet (no chain). */
void         td_bus_dispatch           (TdBus    *self,
                                        TdPacket *packet);
/* Emits "error". */
void         td_bus_emit_error         (TdBus        *self,
                                        const GError *error);

/* How message::<busi> learns a line's busi: the bus remembers the busi of
 * every `line` packet it dispatches; for others it asks this function. */
typedef gboolean (*TdBusBusiFunc) (const char *line_id,
                                   TdBusi     *busi,
                                   gpointer    user_data);
void         td_bus_set_busi_func      (TdBus          *self,
                                        TdBusBusiFunc   func,
                                        gpointer        user_data,
                                        GDestroyNotify  destroy);

/* Counters kept by the metrics interceptor (and the bus itself). */
const TdBusMetrics *td_bus_get_metrics (TdBus *self);
void         td_bus_reset_metrics      (TdBus *self);

G_END_DECLS

/* td-bus.c — the subscription bus and its interceptor chain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-bus"

#include "config.h"

#include "td-bus.h"
#include "td-json.h"

#include <string.h>

/* ---- interfaces ---------------------------------------------------------- */

G_DEFINE_INTERFACE (TdInterceptor, td_interceptor, G_TYPE_OBJECT)

static void
td_interceptor_default_init (TdInterceptorInterface *iface)
{
}

gboolean
td_interceptor_intercept (TdInterceptor *self,
                          TdBus         *bus,
                          TdBusFrame    *frame)
{
  TdInterceptorInterface *iface;

  g_return_val_if_fail (TD_IS_INTERCEPTOR (self), TRUE);

  iface = TD_INTERCEPTOR_GET_IFACE (self);
  if (iface->intercept == NULL)
    return TRUE;
  return iface->intercept (self, bus, frame);
}

G_DEFINE_INTERFACE (TdKnownEvents, td_known_events, G_TYPE_OBJECT)

static void
td_known_events_default_init (TdKnownEventsInterface *iface)
{
}

gboolean
td_known_events_contains (TdKnownEvents *self,
                          TdPacket      *packet)
{
  TdKnownEventsInterface *iface;

  g_return_val_if_fail (TD_IS_KNOWN_EVENTS (self), FALSE);

  iface = TD_KNOWN_EVENTS_GET_IFACE (self);
  if (iface->contains == NULL)
    return FALSE;
  return iface->contains (self, packet);
}

/* ---- the bus ------------------------------------------------------------- */

struct _TdBus
{
  GObject         parent_instance;

  GPtrArray      *chain;        /* TdInterceptor */
  TdBusMetrics    metrics;
  GHashTable     *busi;         /* line id → GINT_TO_POINTER (busi + 1) */
  TdBusBusiFunc   busi_func;
  gpointer        busi_data;
  GDestroyNotify  busi_destroy;
};

G_DEFINE_FINAL_TYPE (TdBus, td_bus, G_TYPE_OBJECT)

enum {
  SIGNAL_PACKET,
  SIGNAL_MESSAGE,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];
static GQuark type_quarks[TD_PACKET_N_TYPES];
static GQuark busi_quarks[TD_BUSI_CHAT + 1];
static GQuark unknown_quark;

static void
td_bus_dispose (GObject *object)
{
  TdBus *self = (TdBus *) object;

  if (self->chain)
    g_ptr_array_set_size (self->chain, 0);
  if (self->busi_destroy && self->busi_data)
    self->busi_destroy (self->busi_data);
  self->busi_destroy = NULL;
  self->busi_data = NULL;
  self->busi_func = NULL;

  G_OBJECT_CLASS (td_bus_parent_class)->dispose (object);
}

static void
td_bus_finalize (GObject *object)
{
  TdBus *self = (TdBus *) object;

  g_clear_pointer (&self->chain, g_ptr_array_unref);
  g_clear_pointer (&self->busi, g_hash_table_unref);

  G_OBJECT_CLASS (td_bus_parent_class)->finalize (object);
}

static void
td_bus_class_init (TdBusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_bus_dispose;
  object_class->finalize = td_bus_finalize;

  signals[SIGNAL_PACKET] =
    g_signal_new ("packet", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  TD_TYPE_PACKET | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  TD_TYPE_MESSAGE, TD_TYPE_PACKET | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);

  for (int i = 0; i < TD_PACKET_N_TYPES; i++)
    {
      const char *name = td_packet_type_to_string ((TdPacketType) i);

      type_quarks[i] = g_quark_from_string (name ? name : "unknown");
    }
  for (int i = 0; i <= TD_BUSI_CHAT; i++)
    busi_quarks[i] = g_quark_from_static_string (td_busi_to_string ((TdBusi) i));
  unknown_quark = g_quark_from_static_string ("unknown");
}

static void
td_bus_init (TdBus *self)
{
  self->chain = g_ptr_array_new_with_free_func (g_object_unref);
  self->busi = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

TdBus *
td_bus_new (void)
{
  return g_object_new (TD_TYPE_BUS, NULL);
}

TdBus *
td_bus_new_default (TdKnownEvents *known)
{
  TdBus *self = td_bus_new ();
  g_autoptr(TdInterceptor) parse = td_parse_interceptor_new ();
  g_autoptr(TdInterceptor) filter = known ? td_filter_interceptor_new (known) : NULL;
  g_autoptr(TdInterceptor) error = td_error_interceptor_new ();
  g_autoptr(TdInterceptor) metrics = td_metrics_interceptor_new ();

  td_bus_add_interceptor (self, parse);
  if (filter)
    td_bus_add_interceptor (self, filter);
  td_bus_add_interceptor (self, error);
  td_bus_add_interceptor (self, metrics);
  return self;
}

void
td_bus_add_interceptor (TdBus         *self,
                        TdInterceptor *interceptor)
{
  g_return_if_fail (TD_IS_BUS (self));
  if (interceptor == NULL)
    return;
  g_return_if_fail (TD_IS_INTERCEPTOR (interceptor));
  g_ptr_array_add (self->chain, g_object_ref (interceptor));
}

void
td_bus_insert_interceptor (TdBus         *self,
                           TdInterceptor *interceptor,
                           int            position)
{
  g_return_if_fail (TD_IS_BUS (self));
  g_return_if_fail (TD_IS_INTERCEPTOR (interceptor));

  if (position < 0 || (guint) position > self->chain->len)
    position = (int) self->chain->len;
  g_ptr_array_insert (self->chain, position, g_object_ref (interceptor));
}

void
td_bus_remove_interceptor (TdBus         *self,
                           TdInterceptor *interceptor)
{
  g_return_if_fail (TD_IS_BUS (self));
  g_ptr_array_remove (self->chain, interceptor);
}

guint
td_bus_get_n_interceptors (TdBus *self)
{
  g_return_val_if_fail (TD_IS_BUS (self), 0);
  return self->chain->len;
}

void
td_bus_set_busi_func (TdBus          *self,
                      TdBusBusiFunc   func,
                      gpointer        user_data,
                      GDestroyNotify  destroy)
{
  g_return_if_fail (TD_IS_BUS (self));

  if (self->busi_destroy && self->busi_data)
    self->busi_destroy (self->busi_data);
  self->busi_func = func;
  self->busi_data = user_data;
  self->busi_destroy = destroy;
}

const TdBusMetrics *
td_bus_get_metrics (TdBus *self)
{
  g_return_val_if_fail (TD_IS_BUS (self), NULL);
  return &self->metrics;
}

void
td_bus_reset_metrics (TdBus *self)
{
  g_return_if_fail (TD_IS_BUS (self));
  memset (&self->metrics, 0, sizeof self->metrics);
}

void
td_bus_emit_error (TdBus        *self,
                   const GError *error)
{
  g_return_if_fail (TD_IS_BUS (self));
  g_return_if_fail (error != NULL);
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

static GQuark
busi_detail (TdBus      *self,
             const char *line_id)
{
  gpointer v;
  TdBusi busi;

  if (line_id == NULL)
    return unknown_quark;
  v = g_hash_table_lookup (self->busi, line_id);
  if (v != NULL)
    return busi_quarks[GPOINTER_TO_INT (v) - 1];
  if (self->busi_func && self->busi_func (line_id, &busi, self->busi_data)
      && busi <= TD_BUSI_CHAT)
    return busi_quarks[busi];
  return unknown_quark;
}

void
td_bus_dispatch (TdBus    *self,
                 TdPacket *packet)
{
  g_autoptr(TdBus) keep = NULL;
  GQuark detail;

  g_return_if_fail (TD_IS_BUS (self));
  g_return_if_fail (packet != NULL);

  keep = g_object_ref (self);

  if (packet->type == TD_PACKET_LINE && packet->line != NULL)
    g_hash_table_insert (self->busi, g_strdup (td_line_get_id (packet->line)),
                         GINT_TO_POINTER (td_line_get_busi (packet->line) + 1));

  self->metrics.dispatched++;
  if (packet->type < TD_PACKET_N_TYPES)
    self->metrics.per_type[packet->type]++;

  detail = packet->type < TD_PACKET_N_TYPES ? type_quarks[packet->type] : unknown_quark;
  g_signal_emit (self, signals[SIGNAL_PACKET], detail, packet);

  if (packet->type == TD_PACKET_MSG && packet->msg != NULL)
    g_signal_emit (self, signals[SIGNAL_MESSAGE],
                   busi_detail (self, td_message_get_line_id (packet->msg)),
                   packet->msg, packet);
}

static TdPacket *
run_chain (TdBus      *self,
           TdBusFrame *frame)
{
  g_autoptr(TdBus) keep = g_object_ref (self);
  g_autoptr(GPtrArray) chain = g_ptr_array_new_full (self->chain->len, g_object_unref);
  TdPacket *packet = NULL;
  gboolean stopped = FALSE;

  for (guint i = 0; i < self->chain->len; i++)
    g_ptr_array_add (chain, g_object_ref (g_ptr_array_index (self->chain, i)));

  self->metrics.frames++;
  self->metrics.bytes += frame->len;

  for (guint i = 0; i < chain->len; i++)
    {
      if (!td_interceptor_intercept (g_ptr_array_index (chain, i), self, frame))
        {
          stopped = TRUE;
          break;
        }
    }

  if (!stopped && frame->packet == NULL)
    {
      /* Nobody parsed it (a chain without a parse interceptor), or it
       * failed and no error interceptor stopped it: nothing to dispatch. */
      stopped = TRUE;
    }

  if (stopped)
    self->metrics.stopped++;
  else
    {
      packet = td_packet_ref (frame->packet);
      td_bus_dispatch (self, packet);
    }

  g_clear_pointer (&frame->packet, td_packet_unref);
  g_clear_error (&frame->error);
  return packet;
}

TdPacket *
td_bus_push_data (TdBus      *self,
                  const char *data,
                  gsize       len,
                  const char *transport)
{
  TdBusFrame frame = { 0, };

  g_return_val_if_fail (TD_IS_BUS (self), NULL);
  g_return_val_if_fail (data != NULL || len == 0, NULL);

  frame.data = data;
  frame.len = len;
  frame.transport = transport;
  return run_chain (self, &frame);
}

TdPacket *
td_bus_push_object (TdBus      *self,
                    JsonObject *object,
                    const char *transport)
{
  TdBusFrame frame = { 0, };

  g_return_val_if_fail (TD_IS_BUS (self), NULL);
  g_return_val_if_fail (object != NULL, NULL);

  frame.object = object;
  frame.transport = transport;
  return run_chain (self, &frame);
}

/* ---- the standard interceptors --------------------------------------------- */

/* parse */

#define TD_TYPE_PARSE_INTERCEPTOR (td_parse_interceptor_get_type ())
G_DECLARE_FINAL_TYPE (TdParseInterceptor, td_parse_interceptor, TD, PARSE_INTERCEPTOR, GObject)

struct _TdParseInterceptor
{
  GObject parent_instance;
};

static gboolean
parse_intercept (TdInterceptor *interceptor,
                 TdBus         *bus,
                 TdBusFrame    *frame)
{
  g_autoptr(GError) error = NULL;
  TdPacket *packet;

  if (frame->packet != NULL)
    return TRUE;

  if (frame->object != NULL)
    packet = td_packet_parse_object (frame->object, TD_FROM_SERVER, NULL, &error);
  else
    packet = td_packet_parse (frame->data, frame->len, TD_FROM_SERVER, NULL, &error);

  if (packet == NULL)
    {
      g_debug ("bus: a %s frame did not parse: %s",
               frame->transport ? frame->transport : "", error->message);
      bus->metrics.parse_errors++;
      g_clear_error (&frame->error);
      frame->error = g_steal_pointer (&error);
      return TRUE;   /* the error interceptor reports and stops it */
    }
  frame->packet = packet;
  return TRUE;
}

static void
parse_iface_init (TdInterceptorInterface *iface)
{
  iface->intercept = parse_intercept;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TdParseInterceptor, td_parse_interceptor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, parse_iface_init))

static void td_parse_interceptor_class_init (TdParseInterceptorClass *klass) { }
static void td_parse_interceptor_init (TdParseInterceptor *self) { }

TdInterceptor *
td_parse_interceptor_new (void)
{
  return g_object_new (TD_TYPE_PARSE_INTERCEPTOR, NULL);
}

/* filter */

#define TD_TYPE_FILTER_INTERCEPTOR (td_filter_interceptor_get_type ())
G_DECLARE_FINAL_TYPE (TdFilterInterceptor, td_filter_interceptor, TD, FILTER_INTERCEPTOR, GObject)

struct _TdFilterInterceptor
{
  GObject  parent_instance;
  GWeakRef known;   /* weak: the channel owns the bus and is the source */
};

static gboolean
filter_intercept (TdInterceptor *interceptor,
                  TdBus         *bus,
                  TdBusFrame    *frame)
{
  TdFilterInterceptor *self = (TdFilterInterceptor *) interceptor;
  g_autoptr(TdKnownEvents) known = NULL;

  if (frame->packet == NULL)
    return TRUE;
  known = g_weak_ref_get (&self->known);
  if (known == NULL)
    return TRUE;
  if (td_known_events_contains (known, frame->packet))
    {
      frame->filtered = TRUE;
      bus->metrics.filtered++;
      return FALSE;
    }
  return TRUE;
}

static void
filter_iface_init (TdInterceptorInterface *iface)
{
  iface->intercept = filter_intercept;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TdFilterInterceptor, td_filter_interceptor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, filter_iface_init))

static void
td_filter_interceptor_finalize (GObject *object)
{
  TdFilterInterceptor *self = (TdFilterInterceptor *) object;

  g_weak_ref_clear (&self->known);
  G_OBJECT_CLASS (td_filter_interceptor_parent_class)->finalize (object);
}

static void
td_filter_interceptor_class_init (TdFilterInterceptorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = td_filter_interceptor_finalize;
}

static void
td_filter_interceptor_init (TdFilterInterceptor *self)
{
  g_weak_ref_init (&self->known, NULL);
}

TdInterceptor *
td_filter_interceptor_new (TdKnownEvents *known)
{
  TdFilterInterceptor *self;

  g_return_val_if_fail (TD_IS_KNOWN_EVENTS (known), NULL);
  self = g_object_new (TD_TYPE_FILTER_INTERCEPTOR, NULL);
  g_weak_ref_set (&self->known, known);
  return TD_INTERCEPTOR (self);
}

/* error */

#define TD_TYPE_ERROR_INTERCEPTOR (td_error_interceptor_get_type ())
G_DECLARE_FINAL_TYPE (TdErrorInterceptor, td_error_interceptor, TD, ERROR_INTERCEPTOR, GObject)

struct _TdErrorInterceptor
{
  GObject parent_instance;
};

static gboolean
error_intercept (TdInterceptor *interceptor,
                 TdBus         *bus,
                 TdBusFrame    *frame)
{
  if (frame->packet == NULL)
    {
      if (frame->error != NULL)
        td_bus_emit_error (bus, frame->error);
      return FALSE;
    }
  if (frame->packet->type == TD_PACKET_ERROR)
    {
      g_autoptr(GError) error = NULL;
      TdProtocolError code = TD_PROTOCOL_ERROR_INTERNAL;

      bus->metrics.error_packets++;
      td_protocol_error_from_string (frame->packet->code, &code);
      error = g_error_new_literal (TD_PROTOCOL_ERROR, code,
                                   frame->packet->message ? frame->packet->message : "");
      td_bus_emit_error (bus, error);
    }
  return TRUE;
}

static void
error_iface_init (TdInterceptorInterface *iface)
{
  iface->intercept = error_intercept;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TdErrorInterceptor, td_error_interceptor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, error_iface_init))

static void td_error_interceptor_class_init (TdErrorInterceptorClass *klass) { }
static void td_error_interceptor_init (TdErrorInterceptor *self) { }

TdInterceptor *
td_error_interceptor_new (void)
{
  return g_object_new (TD_TYPE_ERROR_INTERCEPTOR, NULL);
}

/* metrics: the per-type counts are kept on dispatch; this one counts what
 * passes it, so a chain can compare "reached the end" with "dispatched". */

#define TD_TYPE_METRICS_INTERCEPTOR (td_metrics_interceptor_get_type ())
G_DECLARE_FINAL_TYPE (TdMetricsInterceptor, td_metrics_interceptor, TD, METRICS_INTERCEPTOR, GObject)

struct _TdMetricsInterceptor
{
  GObject parent_instance;
  guint64 seen;
};

static gboolean
metrics_intercept (TdInterceptor *interceptor,
                   TdBus         *bus,
                   TdBusFrame    *frame)
{
  TdMetricsInterceptor *self = (TdMetricsInterceptor *) interceptor;

  self->seen++;
  return TRUE;
}

static void
metrics_iface_init (TdInterceptorInterface *iface)
{
  iface->intercept = metrics_intercept;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TdMetricsInterceptor, td_metrics_interceptor, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, metrics_iface_init))

static void td_metrics_interceptor_class_init (TdMetricsInterceptorClass *klass) { }
static void td_metrics_interceptor_init (TdMetricsInterceptor *self) { }

TdInterceptor *
td_metrics_interceptor_new (void)
{
  return g_object_new (TD_TYPE_METRICS_INTERCEPTOR, NULL);
}

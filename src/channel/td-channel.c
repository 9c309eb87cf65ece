/* td-channel.c — the channel service: transports, reconnects, outbox, store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "td-channel.h"
#include "td-transport.h"
#include "td-json.h"

G_DEFINE_QUARK (td-channel-error-quark, td_channel_error)

G_DEFINE_ENUM_TYPE (TdChannelState, td_channel_state,
  G_DEFINE_ENUM_VALUE (TD_CHANNEL_STATE_OFFLINE, "offline"),
  G_DEFINE_ENUM_VALUE (TD_CHANNEL_STATE_CONNECTING, "connecting"),
  G_DEFINE_ENUM_VALUE (TD_CHANNEL_STATE_ONLINE, "online"),
  G_DEFINE_ENUM_VALUE (TD_CHANNEL_STATE_BACKING_OFF, "backing-off"))

#define DEFAULT_PROBE_MS 30000
#define CONNECT_TIMEOUT_MS 15000
#define TRANSIENT_RETRY_MS 2000
#define CLOCK_CHECK_MS 5000
#define CLOCK_JUMP_MS 10000
#define HISTORY_REPEAT_MS 3000
/* 80 % of protocol.md's limits: a burst of 100 packets, 20/s sustained */
#define PACE_BURST 80.0
#define PACE_PER_S 16.0

struct _TdChannel
{
  GObject            parent_instance;

  char              *base_url;
  char              *token;
  TdStore           *store;
  TdBus             *bus;
  GObject           *ws_session;
  GObject           *poll_session;

  TdChannelState     state;
  gint64             next_attempt;     /* monotonic ms */
  gboolean           started;
  gboolean           synced;
  gboolean           snapshot;         /* replaying a cursor-null snapshot */
  gboolean           server_reset;     /* …because our cursor was ahead of the server's */
  gboolean           hello_has_cursor;
  gint64             hello_cursor;

  TdTransportPolicy  policy;
  gboolean           use_poll;         /* AUTO: fallen back to long-poll */
  TdTransport       *transport;
  gboolean           transport_opened;
  TdTransport       *probe;
  guint              probe_source;
  guint              probe_interval_ms;
  guint              poll_wait_s;

  TdBackoff         *backoff;
  guint              attempt_source;
  gint64             last_attempt;     /* monotonic ms */
  guint              connect_timeout_source;

  guint              heartbeat_override_ms;
  guint              heartbeat_ms;
  gint64             last_rx;          /* monotonic ms */
  gint64             last_tx;
  guint              heartbeat_source;

  GNetworkMonitor   *monitor;
  gboolean           network_available;
  TdClockWatch       clock;
  guint              clock_source;

  char              *me_id;
  char              *me_name;
  char              *me_role;
  GStrv              merchants;
  GHashTable        *merchant_names;

  GHashTable        *typing_sent;      /* line → monotonic ms */
  GHashTable        *opens;            /* req → GTask */
  guint              next_req;
  guint              transient_source; /* resend after a transient refusal */
  GHashTable        *transient_rows;   /* random_ids refused for now (rate_limited, internal) */
  GPtrArray         *pending_gaps;     /* TdStoreGap* seen while not online */
  /* pacing: stay under the server's rate limit (a burst, then N/s) */
  double             tokens;
  gint64             tokens_at;        /* monotonic ms */
  GQueue             out_queue;        /* TdPacket waiting for a token */
  guint              out_source;
  GHashTable        *history_asked;    /* "line before" → monotonic ms of the request */
  GHashTable        *asked_states;     /* line → TdLineState + 1: the newest we asked for or
                                        * heard of (the store may not have committed it yet) */
};

static void td_channel_known_events_init (TdKnownEventsInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdChannel, td_channel, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_KNOWN_EVENTS, td_channel_known_events_init))

enum {
  PROP_0,
  PROP_STORE,
  PROP_BUS,
  PROP_BASE_URL,
  PROP_STATE,
  PROP_NEXT_ATTEMPT,
  PROP_TRANSPORT,
  PROP_ME_ID,
  PROP_ME_NAME,
  PROP_ME_ROLE,
  PROP_MERCHANTS,
  PROP_SYNCED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_ERROR,
  SIGNAL_TYPING,
  SIGNAL_SEND_FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void connect_now (TdChannel *self);
static void schedule_attempt (TdChannel *self, gint64 delay_ms);
static void start_probe_timer (TdChannel *self);
static void clear_out_queue (TdChannel *self);
static void request_pending_gaps (TdChannel *self);

static gint64
mono_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* ---- TdKnownEvents: the bus's filter asks us ------------------------------- */

static gboolean
channel_contains (TdKnownEvents *known,
                  TdPacket      *packet)
{
  TdChannel *self = TD_CHANNEL (known);

  /* a cursor-null snapshot is not in cursor order: let everything through */
  if (self->snapshot)
    return FALSE;
  return td_store_contains_event (self->store, packet);
}

static void
td_channel_known_events_init (TdKnownEventsInterface *iface)
{
  iface->contains = channel_contains;
}

/* ---- properties ------------------------------------------------------------ */

static void
set_state (TdChannel      *self,
           TdChannelState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
set_next_attempt (TdChannel *self,
                  gint64     when)
{
  if (self->next_attempt == when)
    return;
  self->next_attempt = when;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NEXT_ATTEMPT]);
}

static void
set_synced (TdChannel *self,
            gboolean   synced)
{
  if (self->synced == synced)
    return;
  self->synced = synced;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SYNCED]);
}

static void
emit_error (TdChannel    *self,
            const GError *error)
{
  g_signal_emit (self, signals[SIGNAL_ERROR], 0, error);
}

/* ---- transports -------------------------------------------------------------- */

static void
stop_heartbeat (TdChannel *self)
{
  g_clear_handle_id (&self->heartbeat_source, g_source_remove);
}

static void
drop_transport (TdChannel *self)
{
  gboolean had_name = self->transport != NULL && self->transport_opened;

  stop_heartbeat (self);
  clear_out_queue (self);
  g_clear_handle_id (&self->connect_timeout_source, g_source_remove);
  if (self->transport)
    {
      g_signal_handlers_disconnect_by_data (self->transport, self);
      td_transport_close (self->transport);
      g_clear_object (&self->transport);
    }
  self->transport_opened = FALSE;
  if (had_name)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
}

static void
drop_probe (TdChannel *self)
{
  if (self->probe)
    {
      g_signal_handlers_disconnect_by_data (self->probe, self);
      td_transport_close (self->probe);
      g_clear_object (&self->probe);
    }
}

static void
refill (TdChannel *self)
{
  gint64 now = mono_ms ();

  self->tokens = MIN (PACE_BURST, self->tokens + (now - self->tokens_at) * PACE_PER_S / 1000.0);
  self->tokens_at = now;
}

static void
clear_out_queue (TdChannel *self)
{
  g_clear_handle_id (&self->out_source, g_source_remove);
  g_queue_clear_full (&self->out_queue, (GDestroyNotify) td_packet_unref);
  /* a new session has a fresh budget */
  self->tokens = PACE_BURST;
  self->tokens_at = mono_ms ();
}

static gboolean out_cb (gpointer data);

static void
schedule_out (TdChannel *self)
{
  guint wait;

  if (self->out_source != 0 || g_queue_is_empty (&self->out_queue))
    return;
  wait = (guint) MAX (1.0, (1.0 - self->tokens) * 1000.0 / PACE_PER_S);
  self->out_source = g_timeout_add (wait, out_cb, self);
}

static gboolean
out_cb (gpointer data)
{
  TdChannel *self = data;

  self->out_source = 0;
  refill (self);
  while (self->tokens >= 1.0 && !g_queue_is_empty (&self->out_queue))
    {
      g_autoptr(TdPacket) p = g_queue_pop_head (&self->out_queue);

      if (self->transport == NULL || !td_transport_send (self->transport, p))
        {
          clear_out_queue (self);
          return G_SOURCE_REMOVE;
        }
      self->tokens -= 1.0;
      self->last_tx = mono_ms ();
    }
  schedule_out (self);
  return G_SOURCE_REMOVE;
}

/* Sends now, or after the packets already waiting for the rate budget. */
static gboolean
send_packet (TdChannel *self,
             TdPacket  *packet)
{
  if (self->transport == NULL || !self->transport_opened)
    return FALSE;
  refill (self);
  if (g_queue_is_empty (&self->out_queue) && self->tokens >= 1.0)
    {
      if (!td_transport_send (self->transport, packet))
        return FALSE;
      self->tokens -= 1.0;
      self->last_tx = mono_ms ();
      return TRUE;
    }
  g_queue_push_tail (&self->out_queue, td_packet_ref (packet));
  schedule_out (self);
  return TRUE;
}

/* The `send` packet of an outbox row; NULL when the row is not pending, or
 * was just refused for good because it is too large.  Over the 64 KiB a
 * client packet may have, the server would refuse it, and over 1 MiB
 * without naming it (the row would never fail): refused here, at once. */
static TdPacket *
outbox_packet (TdChannel *self,
               TdMessage *m)
{
  g_autoptr(TdPacket) p = NULL;
  g_autofree char *json = NULL;
  gsize len = 0;

  if (td_message_get_delivery (m) != TD_DELIVERY_PENDING)
    return NULL;
  p = td_packet_new_send (td_message_get_random_id (m), td_message_get_line_id (m),
                          td_message_get_kind_name (m), td_message_get_body (m));
  json = td_packet_to_json (p, &len);
  if (len > TD_MAX_CLIENT_PACKET)
    {
      g_autofree char *rid = g_strdup (td_message_get_random_id (m));
      g_autoptr(GError) error = g_error_new (TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE,
                                             "the message is too large to send (%" G_GSIZE_FORMAT
                                             " bytes, at most %d)", len, TD_MAX_CLIENT_PACKET);

      g_debug ("channel: %s", error->message);
      td_store_outbox_fail (self->store, rid, error->message);
      g_signal_emit (self, signals[SIGNAL_SEND_FAILED], 0, rid, error);
      return NULL;
    }
  return g_steal_pointer (&p);
}

static void
send_outbox_row (TdChannel *self,
                 TdMessage *m)
{
  g_autoptr(TdPacket) p = outbox_packet (self, m);

  if (p != NULL)
    send_packet (self, p);
}

static void
resend_outbox (TdChannel *self)
{
  g_autoptr(GPtrArray) rows = td_store_dup_outbox (self->store);

  for (guint i = 0; i < rows->len; i++)
    send_outbox_row (self, g_ptr_array_index (rows, i));
}

static void
close_with (TdChannel        *self,
            TdTransportClose  reason,
            gint64            retry_ms,
            const GError     *error);

static gboolean
heartbeat_cb (gpointer data)
{
  TdChannel *self = data;
  gint64 now = mono_ms ();

  if (self->transport == NULL)
    {
      self->heartbeat_source = 0;
      return G_SOURCE_REMOVE;
    }
  if (now - self->last_rx >= 3 * (gint64) self->heartbeat_ms)
    {
      g_autoptr(GError) error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                                             "the server has been silent for %u ms",
                                             3 * self->heartbeat_ms);

      g_debug ("channel: %s", error->message);
      self->heartbeat_source = 0;
      close_with (self, TD_TRANSPORT_CLOSE_STALLED, -1, error);
      return G_SOURCE_REMOVE;
    }
  if (now - self->last_rx >= (gint64) self->heartbeat_ms
      && now - self->last_tx >= (gint64) self->heartbeat_ms / 2)
    {
      g_autoptr(TdPacket) ping = td_packet_new (TD_PACKET_PING);

      send_packet (self, ping);
    }
  return G_SOURCE_CONTINUE;
}

static void
start_heartbeat (TdChannel *self,
                 int        server_heartbeat_s)
{
  stop_heartbeat (self);
  if (self->heartbeat_override_ms > 0)
    self->heartbeat_ms = self->heartbeat_override_ms;
  else
    self->heartbeat_ms = (server_heartbeat_s > 0 ? server_heartbeat_s : TD_DEFAULT_HEARTBEAT_S) * 1000;
  /* A held poll is silent for up to its wait: its own timeout covers it. */
  if (self->transport && TD_IS_POLL_TRANSPORT (self->transport))
    return;
  /* WebSocket pings both ways, at the server's pace */
  if (self->transport && TD_IS_WS_TRANSPORT (self->transport))
    td_ws_transport_set_keepalive (TD_WS_TRANSPORT (self->transport),
                                   MAX (1, self->heartbeat_ms / 1000));
  self->heartbeat_source = g_timeout_add (MAX (self->heartbeat_ms / 4, 50), heartbeat_cb, self);
}

/* ---- incoming packets ------------------------------------------------------- */

static void
handle_welcome (TdChannel *self,
                TdPacket  *p)
{
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(JsonArray) merchants = json_array_new ();
  g_autofree char *merchants_json = NULL;
  g_autoptr(JsonNode) node = NULL;
  TdRole role = TD_ROLE_CUSTOMER;

  td_role_from_string (p->me_role, &role);
  td_store_set_me (self->store, p->me_id, role, p->me_name);

  if (g_strcmp0 (self->me_id, p->me_id) != 0)
    {
      g_free (self->me_id);
      self->me_id = g_strdup (p->me_id);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ME_ID]);
    }
  if (g_strcmp0 (self->me_name, p->me_name) != 0)
    {
      g_free (self->me_name);
      self->me_name = g_strdup (p->me_name);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ME_NAME]);
    }
  if (g_strcmp0 (self->me_role, p->me_role) != 0)
    {
      g_free (self->me_role);
      self->me_role = g_strdup (p->me_role);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ME_ROLE]);
    }

  g_hash_table_remove_all (self->merchant_names);
  for (guint i = 0; p->merchants && i < p->merchants->len; i++)
    {
      TdMerchantRef *ref = g_ptr_array_index (p->merchants, i);
      JsonObject *o = json_object_new ();

      g_ptr_array_add (ids, ref->id);
      g_hash_table_insert (self->merchant_names, g_strdup (ref->id), g_strdup (ref->name));
      json_object_set_string_member (o, "id", ref->id);
      json_object_set_string_member (o, "name", ref->name);
      json_array_add_object_element (merchants, o);
    }
  g_ptr_array_add (ids, NULL);
  if (!g_strv_equal ((const char * const *) self->merchants ? (const char * const *) self->merchants
                                                            : (const char * const *) (const char *[]) { NULL },
                     (const char * const *) ids->pdata))
    {
      g_strfreev (self->merchants);
      self->merchants = g_strdupv ((char **) ids->pdata);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MERCHANTS]);
    }
  node = json_node_init_array (json_node_alloc (), merchants);
  merchants_json = td_json_node_to_string (node, NULL);
  td_store_set_meta (self->store, "merchants", merchants_json);

  /* A hello cursor ahead of the server's newest is treated as null: the
   * server then sends a snapshot, not in cursor order. */
  if (self->hello_has_cursor && p->has_cursor && p->cursor < self->hello_cursor)
    self->snapshot = self->server_reset = TRUE;

  td_backoff_connected (self->backoff, mono_ms ());
  g_clear_handle_id (&self->connect_timeout_source, g_source_remove);
  set_next_attempt (self, 0);
  set_state (self, TD_CHANNEL_STATE_ONLINE);
  start_heartbeat (self, p->heartbeat_s);

  resend_outbox (self);

  if (self->policy == TD_TRANSPORT_POLICY_AUTO && self->transport
      && TD_IS_POLL_TRANSPORT (self->transport))
    start_probe_timer (self);
}

static gboolean
transient_cb (gpointer data)
{
  TdChannel *self = data;

  g_autoptr(GHashTable) rows = g_steal_pointer (&self->transient_rows);

  self->transient_source = 0;
  self->transient_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  if (self->state == TD_CHANNEL_STATE_ONLINE)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, rows);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          TdMessage *m = td_store_outbox_lookup (self->store, key);

          if (m != NULL)
            send_outbox_row (self, m);
        }
    }
  return G_SOURCE_REMOVE;
}

static void
handle_error_packet (TdChannel *self,
                     TdPacket  *p)
{
  TdProtocolError code = TD_PROTOCOL_ERROR_INTERNAL;
  TdMessage *row;
  GTask *task;

  td_protocol_error_from_string (p->code, &code);

  if (p->ref && (task = g_hash_table_lookup (self->opens, p->ref)) != NULL)
    {
      g_task_return_new_error (task, TD_PROTOCOL_ERROR, code, "%s", p->message ? p->message : "");
      g_hash_table_remove (self->opens, p->ref);
      return;
    }

  row = p->ref ? td_store_outbox_lookup (self->store, p->ref) : NULL;
  if (row != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (TD_PROTOCOL_ERROR, code,
                                                     p->message ? p->message : "");
      g_autofree char *rid = g_strdup (p->ref);

      if (td_protocol_error_is_permanent (code))
        {
          td_store_outbox_fail (self->store, rid, error->message);
          g_signal_emit (self, signals[SIGNAL_SEND_FAILED], 0, rid, error);
        }
      else
        {
          /* rate_limited, internal…: that row again a little later */
          g_hash_table_add (self->transient_rows, g_strdup (rid));
          if (self->transient_source == 0)
            self->transient_source = g_timeout_add (TRANSIENT_RETRY_MS, transient_cb, self);
        }
    }
  /* The bus has already emitted its "error"; the app listens to ours. */
}

static void
on_bus_packet_cb (TdBus    *bus,
                  TdPacket *p,
                  gpointer  user_data)
{
  TdChannel *self = user_data;

  switch (p->type)
    {
    case TD_PACKET_WELCOME:
      handle_welcome (self, p);
      break;

    case TD_PACKET_SYNCED:
      if (self->server_reset)
        td_store_reset_cursor (self->store, p->cursor);
      else
        td_store_apply_packet (self->store, p, TRUE);
      self->snapshot = self->server_reset = FALSE;
      if (self->transport)
        td_transport_set_cursor (self->transport, TRUE, p->cursor);
      set_synced (self, TRUE);
      request_pending_gaps (self);
      break;

    case TD_PACKET_MSG:
    case TD_PACKET_READ:
      td_store_apply_packet (self->store, p, !self->snapshot);
      break;

    case TD_PACKET_LINE:
      td_store_apply_packet (self->store, p, !self->snapshot);
      if (p->line)
        g_hash_table_insert (self->asked_states, g_strdup (td_line_get_id (p->line)),
                             GINT_TO_POINTER (td_line_get_state (p->line) + 1));
      if (p->req && p->line)
        {
          GTask *task = g_hash_table_lookup (self->opens, p->req);

          if (task)
            {
              g_task_return_pointer (task, g_object_ref (p->line), g_object_unref);
              g_hash_table_remove (self->opens, p->req);
            }
        }
      break;

    case TD_PACKET_ACK:
    case TD_PACKET_HISTORY:
      td_store_apply_packet (self->store, p, FALSE);
      break;

    case TD_PACKET_TYPING:
      g_signal_emit (self, signals[SIGNAL_TYPING], 0, p->line_id, p->who, p->name, p->note);
      break;

    case TD_PACKET_ERROR:
      handle_error_packet (self, p);
      break;

    default:
      break;
    }
}

static void
on_bus_error_cb (TdBus        *bus,
                 const GError *error,
                 gpointer      user_data)
{
  emit_error (TD_CHANNEL (user_data), error);
}

static void
on_transport_frame_cb (TdTransport *transport,
                       const char  *data,
                       guint64      len,
                       JsonObject  *object,
                       gpointer     user_data)
{
  TdChannel *self = user_data;
  g_autoptr(TdPacket) packet = NULL;

  self->last_rx = mono_ms ();
  if (object)
    packet = td_bus_push_object (self->bus, object, td_transport_get_name (transport));
  else
    packet = td_bus_push_data (self->bus, data, len, td_transport_get_name (transport));
}

static void
on_transport_batch_end_cb (TdTransport *transport,
                           gboolean     has_cursor,
                           gint64       cursor,
                           gpointer     user_data)
{
  TdChannel *self = user_data;
  gboolean h;
  gint64 c = 0;

  /* The answer's cursor covers every event in it: store it with them. */
  if (has_cursor && !self->snapshot)
    td_store_advance_cursor (self->store, cursor);
  td_store_flush (self->store);

  h = !self->snapshot && td_store_get_cursor (self->store, &c);
  td_transport_set_cursor (transport, h, c);
}

static void
on_transport_opened_cb (TdTransport *transport,
                        gpointer     user_data)
{
  TdChannel *self = user_data;

  self->transport_opened = TRUE;
  self->last_rx = mono_ms ();
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TRANSPORT]);
}

static void
close_with (TdChannel        *self,
            TdTransportClose  reason,
            gint64            retry_ms,
            const GError     *error)
{
  gboolean was_ws = self->transport && TD_IS_WS_TRANSPORT (self->transport);
  gboolean was_opened = self->transport_opened;
  gint64 now = mono_ms ();
  gint64 delay;

  drop_transport (self);
  set_synced (self, FALSE);
  g_clear_handle_id (&self->probe_source, g_source_remove);
  drop_probe (self);
  /* fail pending opens: they will not be answered on a new session */
  {
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init (&iter, self->opens);
    while (g_hash_table_iter_next (&iter, NULL, &value))
      {
        g_task_return_new_error (value, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_OFFLINE,
                                 "the connection was lost");
        g_hash_table_iter_remove (&iter);
      }
  }

  if (!self->started)
    return;

  switch (reason)
    {
    case TD_TRANSPORT_CLOSE_UNAUTHORIZED:
      {
        g_autoptr(GError) e = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_UNAUTHORIZED,
                                           "The server no longer accepts this login. Please log in again.");

        self->started = FALSE;
        set_next_attempt (self, 0);
        set_state (self, TD_CHANNEL_STATE_OFFLINE);
        emit_error (self, e);
        return;
      }
    case TD_TRANSPORT_CLOSE_RESTART:
      delay = td_backoff_restart (self->backoff, now, retry_ms >= 0 ? retry_ms : 1000);
      break;
    case TD_TRANSPORT_CLOSE_RATE_LIMITED:
      delay = td_backoff_rate_limited (self->backoff, now);
      break;
    case TD_TRANSPORT_CLOSE_OVERLOADED:
      delay = td_backoff_failed (self->backoff, now, retry_ms);
      break;
    case TD_TRANSPORT_CLOSE_REFUSED:
    case TD_TRANSPORT_CLOSE_STALLED:
    case TD_TRANSPORT_CLOSE_ERROR:
    case TD_TRANSPORT_CLOSE_LOCAL:
    default:
      delay = td_backoff_failed (self->backoff, now, retry_ms);
      break;
    }

  if (self->policy == TD_TRANSPORT_POLICY_AUTO && reason != TD_TRANSPORT_CLOSE_RESTART
      && reason != TD_TRANSPORT_CLOSE_RATE_LIMITED)
    {
      if (was_ws && (!was_opened || reason == TD_TRANSPORT_CLOSE_STALLED))
        {
          /* the upgrade failed (refused, 5xx, proxy, timeout) or the socket
           * stalled: long-poll next, soon unless the server asked to wait */
          self->use_poll = TRUE;
          if (retry_ms < 0 && (reason == TD_TRANSPORT_CLOSE_REFUSED
                               || reason == TD_TRANSPORT_CLOSE_OVERLOADED))
            delay = MIN (delay, TD_BACKOFF_MIN_GAP_MS);
        }
      else if (!was_ws && !was_opened)
        {
          /* long-poll failed too: give WebSocket its turn again */
          self->use_poll = FALSE;
        }
    }

  g_debug ("channel: closed (%d%s%s); next attempt in %" G_GINT64_FORMAT " ms",
           reason, error ? ": " : "", error ? error->message : "", delay);
  schedule_attempt (self, delay);
}

static void
on_transport_closed_cb (TdTransport  *transport,
                        int           reason,
                        gint64        retry_ms,
                        const GError *error,
                        gpointer      user_data)
{
  TdChannel *self = user_data;

  if (transport != self->transport)
    return;
  close_with (self, (TdTransportClose) reason, retry_ms, error);
}

static void
watch_transport (TdChannel   *self,
                 TdTransport *transport)
{
  g_signal_connect (transport, "opened", G_CALLBACK (on_transport_opened_cb), self);
  g_signal_connect (transport, "frame", G_CALLBACK (on_transport_frame_cb), self);
  g_signal_connect (transport, "batch-end", G_CALLBACK (on_transport_batch_end_cb), self);
  g_signal_connect (transport, "closed", G_CALLBACK (on_transport_closed_cb), self);
}

static TdTransport *
make_transport (TdChannel *self,
                gboolean   poll)
{
  if (poll)
    {
      TdPollTransport *t = td_poll_transport_new (self->base_url, self->token, NULL, self->poll_session);

      td_poll_transport_set_wait (t, self->poll_wait_s);
      return TD_TRANSPORT (t);
    }
  return TD_TRANSPORT (td_ws_transport_new (self->base_url, self->token, NULL, self->ws_session));
}

static gboolean
connect_timeout_cb (gpointer data)
{
  TdChannel *self = data;
  g_autoptr(GError) error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED,
                                         "connecting took too long");

  self->connect_timeout_source = 0;
  close_with (self, TD_TRANSPORT_CLOSE_STALLED, -1, error);
  return G_SOURCE_REMOVE;
}

static void
connect_now (TdChannel *self)
{
  gboolean poll;

  g_clear_handle_id (&self->attempt_source, g_source_remove);
  drop_transport (self);
  if (!self->started)
    return;

  poll = self->policy == TD_TRANSPORT_POLICY_LONG_POLL
      || (self->policy == TD_TRANSPORT_POLICY_AUTO && self->use_poll);

  td_store_flush (self->store);
  self->hello_has_cursor = td_store_get_cursor (self->store, &self->hello_cursor);
  self->snapshot = !self->hello_has_cursor;
  self->server_reset = FALSE;
  set_synced (self, FALSE);
  set_next_attempt (self, 0);
  set_state (self, TD_CHANNEL_STATE_CONNECTING);
  self->last_attempt = mono_ms ();
  td_backoff_attempt (self->backoff, self->last_attempt);

  self->transport = make_transport (self, poll);
  watch_transport (self, self->transport);
  self->connect_timeout_source = g_timeout_add (CONNECT_TIMEOUT_MS, connect_timeout_cb, self);
  td_transport_open (self->transport, self->hello_has_cursor, self->hello_cursor);
}

static gboolean
attempt_cb (gpointer data)
{
  TdChannel *self = data;

  self->attempt_source = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_attempt (TdChannel *self,
                  gint64     delay_ms)
{
  g_clear_handle_id (&self->attempt_source, g_source_remove);
  delay_ms = MAX (delay_ms, 0);
  set_next_attempt (self, mono_ms () + delay_ms);
  set_state (self, TD_CHANNEL_STATE_BACKING_OFF);
  self->attempt_source = g_timeout_add ((guint) MIN (delay_ms, G_MAXUINT), attempt_cb, self);
}

/* ---- probing WebSocket while on long-poll ----------------------------------- */

static void
on_probe_opened_cb (TdTransport *probe,
                    gpointer     user_data)
{
  TdChannel *self = user_data;
  TdTransport *t;

  /* The upgrade works again: switch.  The probe's hello carried our cursor
   * of when it started; what the poll delivered since is filtered or
   * upserted, and unacked sends are resent after its welcome. */
  g_debug ("channel: WebSocket is back; leaving long-poll");
  g_signal_handlers_disconnect_by_data (probe, self);
  t = g_steal_pointer (&self->probe);
  drop_transport (self);
  self->use_poll = FALSE;
  self->transport = t;
  watch_transport (self, t);
  self->snapshot = !self->hello_has_cursor;
  on_transport_opened_cb (t, self);
}

static void
on_probe_closed_cb (TdTransport  *probe,
                    int           reason,
                    gint64        retry_ms,
                    const GError *error,
                    gpointer      user_data)
{
  TdChannel *self = user_data;

  g_debug ("channel: WebSocket probe failed: %s", error ? error->message : "?");
  drop_probe (self);
  start_probe_timer (self);
}

static gboolean
probe_cb (gpointer data)
{
  TdChannel *self = data;

  self->probe_source = 0;
  if (self->probe || self->transport == NULL || !TD_IS_POLL_TRANSPORT (self->transport)
      || self->state != TD_CHANNEL_STATE_ONLINE)
    return G_SOURCE_REMOVE;

  td_store_flush (self->store);
  self->hello_has_cursor = td_store_get_cursor (self->store, &self->hello_cursor);
  if (!self->hello_has_cursor)
    {
      /* still in the snapshot: probe later */
      start_probe_timer (self);
      return G_SOURCE_REMOVE;
    }
  self->probe = make_transport (self, FALSE);
  g_signal_connect (self->probe, "opened", G_CALLBACK (on_probe_opened_cb), self);
  g_signal_connect (self->probe, "closed", G_CALLBACK (on_probe_closed_cb), self);
  td_transport_open (self->probe, TRUE, self->hello_cursor);
  return G_SOURCE_REMOVE;
}

static void
start_probe_timer (TdChannel *self)
{
  g_clear_handle_id (&self->probe_source, g_source_remove);
  if (self->policy != TD_TRANSPORT_POLICY_AUTO || !self->started)
    return;
  self->probe_source = g_timeout_add (self->probe_interval_ms, probe_cb, self);
}

/* ---- the store's side ------------------------------------------------------- */

static void
gap_free (gpointer data)
{
  TdStoreGap *gap = data;

  g_free (gap->line_id);
  g_free (gap);
}

static void
request_gap (TdChannel  *self,
             TdStoreGap *gap)
{
  if (self->state == TD_CHANNEL_STATE_ONLINE && self->synced)
    td_channel_request_history (self, gap->line_id, gap->before, MAX (gap->count, 1));
  else
    {
      TdStoreGap *copy = g_new0 (TdStoreGap, 1);

      copy->line_id = g_strdup (gap->line_id);
      copy->before = gap->before;
      copy->count = gap->count;
      g_ptr_array_add (self->pending_gaps, copy);
    }
}

static void
request_pending_gaps (TdChannel *self)
{
  g_autoptr(GPtrArray) gaps = g_steal_pointer (&self->pending_gaps);

  self->pending_gaps = g_ptr_array_new_with_free_func (gap_free);
  for (guint i = 0; i < gaps->len; i++)
    request_gap (self, g_ptr_array_index (gaps, i));
}

static void
on_store_committed_cb (TdStore        *store,
                       TdStoreChanges *changes,
                       gpointer        user_data)
{
  TdChannel *self = user_data;

  for (guint i = 0; changes->gaps && i < changes->gaps->len; i++)
    request_gap (self, g_ptr_array_index (changes->gaps, i));
}

static void
on_store_history_wanted_cb (TdStore    *store,
                            const char *line_id,
                            gint64      before,
                            gpointer    user_data)
{
  TdChannel *self = user_data;
  g_autofree char *key = g_strdup_printf ("%s %" G_GINT64_FORMAT, line_id, before);
  gint64 now = mono_ms ();
  gpointer last = g_hash_table_lookup (self->history_asked, key);

  /* the same page asked again within a few seconds: it is on its way */
  if (last != NULL && now - GPOINTER_TO_SIZE (last) < HISTORY_REPEAT_MS)
    return;
  g_hash_table_insert (self->history_asked, g_steal_pointer (&key), GSIZE_TO_POINTER ((gsize) MAX (now, 1)));
  td_channel_request_history (self, line_id, before, TD_HISTORY_DEFAULT_LIMIT);
}

static gboolean
busi_lookup (const char *line_id,
             TdBusi     *busi,
             gpointer    user_data)
{
  TdChannel *self = user_data;
  TdLine *line = td_store_lookup_line (self->store, line_id);

  if (line == NULL)
    return FALSE;
  *busi = td_line_get_busi (line);
  return TRUE;
}

/* ---- network and resume ------------------------------------------------------ */

static void
on_network_changed_cb (GNetworkMonitor *monitor,
                       gboolean         available,
                       gpointer         user_data)
{
  TdChannel *self = user_data;
  gboolean was = self->network_available;

  self->network_available = available;
  if (available && !was)
    td_channel_network_changed (self);
}

static gboolean
clock_cb (gpointer data)
{
  TdChannel *self = data;

  if (td_clock_watch_check (&self->clock, g_get_real_time () / 1000, mono_ms ()))
    {
      g_debug ("channel: the clocks jumped apart (resume from suspend?)");
      if (self->state == TD_CHANNEL_STATE_ONLINE)
        {
          /* the socket is most likely dead after a suspend */
          drop_transport (self);
          set_synced (self, FALSE);
          schedule_attempt (self, td_backoff_network_changed (self->backoff, mono_ms ()));
        }
      else
        td_channel_network_changed (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- GObject ------------------------------------------------------------------ */

static void
td_channel_dispose (GObject *object)
{
  TdChannel *self = (TdChannel *) object;

  self->started = FALSE;
  g_clear_handle_id (&self->attempt_source, g_source_remove);
  g_clear_handle_id (&self->probe_source, g_source_remove);
  g_clear_handle_id (&self->clock_source, g_source_remove);
  g_clear_handle_id (&self->connect_timeout_source, g_source_remove);
  g_clear_handle_id (&self->transient_source, g_source_remove);
  drop_probe (self);
  drop_transport (self);
  if (self->opens)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, self->opens);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          g_task_return_new_error (value, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_CLOSED,
                                   "the channel was closed");
          g_hash_table_iter_remove (&iter);
        }
    }
  if (self->monitor)
    {
      g_signal_handlers_disconnect_by_data (self->monitor, self);
      g_clear_object (&self->monitor);
    }
  if (self->bus)
    {
      g_signal_handlers_disconnect_by_data (self->bus, self);
      td_bus_set_busi_func (self->bus, NULL, NULL, NULL);
      g_clear_object (&self->bus);
    }
  if (self->store)
    {
      g_signal_handlers_disconnect_by_data (self->store, self);
      td_store_flush (self->store);
      g_clear_object (&self->store);
    }
  g_clear_object (&self->ws_session);
  g_clear_object (&self->poll_session);

  G_OBJECT_CLASS (td_channel_parent_class)->dispose (object);
}

static void
td_channel_finalize (GObject *object)
{
  TdChannel *self = (TdChannel *) object;

  g_clear_pointer (&self->backoff, td_backoff_free);
  g_clear_pointer (&self->typing_sent, g_hash_table_unref);
  g_clear_pointer (&self->pending_gaps, g_ptr_array_unref);
  g_clear_pointer (&self->asked_states, g_hash_table_unref);
  g_clear_pointer (&self->history_asked, g_hash_table_unref);
  g_clear_pointer (&self->transient_rows, g_hash_table_unref);
  g_clear_pointer (&self->opens, g_hash_table_unref);
  g_clear_pointer (&self->merchant_names, g_hash_table_unref);
  g_strfreev (self->merchants);
  g_free (self->base_url);
  g_free (self->token);
  g_free (self->me_id);
  g_free (self->me_name);
  g_free (self->me_role);

  G_OBJECT_CLASS (td_channel_parent_class)->finalize (object);
}

static void
td_channel_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TdChannel *self = TD_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_STORE:
      g_value_set_object (value, self->store);
      break;
    case PROP_BUS:
      g_value_set_object (value, self->bus);
      break;
    case PROP_BASE_URL:
      g_value_set_string (value, self->base_url);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_NEXT_ATTEMPT:
      g_value_set_int64 (value, self->next_attempt);
      break;
    case PROP_TRANSPORT:
      g_value_set_string (value, td_channel_get_transport (self));
      break;
    case PROP_ME_ID:
      g_value_set_string (value, self->me_id);
      break;
    case PROP_ME_NAME:
      g_value_set_string (value, self->me_name);
      break;
    case PROP_ME_ROLE:
      g_value_set_string (value, self->me_role);
      break;
    case PROP_MERCHANTS:
      g_value_set_boxed (value, self->merchants);
      break;
    case PROP_SYNCED:
      g_value_set_boolean (value, self->synced);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_channel_class_init (TdChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_channel_dispose;
  object_class->finalize = td_channel_finalize;
  object_class->get_property = td_channel_get_property;

  properties[PROP_STORE] =
    g_param_spec_object ("store", NULL, NULL, TD_TYPE_STORE,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUS] =
    g_param_spec_object ("bus", NULL, NULL, TD_TYPE_BUS,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_BASE_URL] =
    g_param_spec_string ("base-url", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, TD_TYPE_CHANNEL_STATE, TD_CHANNEL_STATE_OFFLINE,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_NEXT_ATTEMPT] =
    g_param_spec_int64 ("next-attempt", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_TRANSPORT] =
    g_param_spec_string ("transport", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ME_ID] =
    g_param_spec_string ("me-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ME_NAME] =
    g_param_spec_string ("me-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ME_ROLE] =
    g_param_spec_string ("me-role", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MERCHANTS] =
    g_param_spec_boxed ("merchants", NULL, NULL, G_TYPE_STRV,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SYNCED] =
    g_param_spec_boolean ("synced", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_ERROR] =
    g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
  signals[SIGNAL_TYPING] =
    g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_BOOLEAN);
  signals[SIGNAL_SEND_FAILED] =
    g_signal_new ("send-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_ERROR | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
td_channel_init (TdChannel *self)
{
  self->state = TD_CHANNEL_STATE_OFFLINE;
  self->probe_interval_ms = DEFAULT_PROBE_MS;
  self->poll_wait_s = 25;
  self->heartbeat_ms = TD_DEFAULT_HEARTBEAT_S * 1000;
  self->backoff = td_backoff_new (TD_BACKOFF_DECORRELATED, g_random_int ());
  self->typing_sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->pending_gaps = g_ptr_array_new_with_free_func (gap_free);
  self->asked_states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->history_asked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_queue_init (&self->out_queue);
  self->transient_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->tokens = PACE_BURST;
  self->opens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->merchant_names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

static void
restore_identity (TdChannel *self)
{
  g_autofree char *merchants = td_store_dup_meta (self->store, "merchants");
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);

  if (td_store_get_me_id (self->store))
    {
      self->me_id = g_strdup (td_store_get_me_id (self->store));
      self->me_name = g_strdup (td_store_get_me_name (self->store));
      self->me_role = g_strdup (td_role_to_string (td_store_get_me_role (self->store)));
    }
  if (merchants)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();

      if (json_parser_load_from_data (parser, merchants, -1, NULL)
          && JSON_NODE_HOLDS_ARRAY (json_parser_get_root (parser)))
        {
          JsonArray *array = json_node_get_array (json_parser_get_root (parser));

          for (guint i = 0; i < json_array_get_length (array); i++)
            {
              JsonObject *o = json_array_get_object_element (array, i);
              const char *id = o ? json_object_get_string_member_with_default (o, "id", NULL) : NULL;

              if (id == NULL)
                continue;
              g_ptr_array_add (ids, g_strdup (id));
              g_hash_table_insert (self->merchant_names, g_strdup (id),
                                   g_strdup (json_object_get_string_member_with_default (o, "name", id)));
            }
          g_ptr_array_add (ids, NULL);
          self->merchants = (GStrv) g_ptr_array_steal (ids, NULL);
        }
    }
}

TdChannel *
td_channel_new (const char *base_url,
                const char *token,
                TdStore    *store,
                TdBus      *bus)
{
  TdChannel *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (token != NULL, NULL);
  g_return_val_if_fail (TD_IS_STORE (store), NULL);
  g_return_val_if_fail (bus == NULL || TD_IS_BUS (bus), NULL);

  self = g_object_new (TD_TYPE_CHANNEL, NULL);
  self->base_url = g_strdup (base_url);
  if (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->token = g_strdup (token);
  self->store = g_object_ref (store);
  self->bus = bus ? g_object_ref (bus) : td_bus_new_default (TD_KNOWN_EVENTS (self));
  self->ws_session = td_transport_new_session (15);
  self->poll_session = td_transport_new_session (self->poll_wait_s + 15);

  g_signal_connect (self->bus, "packet", G_CALLBACK (on_bus_packet_cb), self);
  g_signal_connect (self->bus, "error", G_CALLBACK (on_bus_error_cb), self);
  td_bus_set_busi_func (self->bus, busi_lookup, self, NULL);
  g_signal_connect (self->store, "committed", G_CALLBACK (on_store_committed_cb), self);
  g_signal_connect (self->store, "history-wanted", G_CALLBACK (on_store_history_wanted_cb), self);

  restore_identity (self);
  return self;
}

/* ---- public API ---------------------------------------------------------------- */

TdStore *
td_channel_get_store (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return self->store;
}

TdBus *
td_channel_get_bus (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return self->bus;
}

void
td_channel_start (TdChannel *self)
{
  g_return_if_fail (TD_IS_CHANNEL (self));

  if (self->started)
    return;
  self->started = TRUE;

  if (self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      self->network_available = g_network_monitor_get_network_available (self->monitor);
      g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_changed_cb), self);
    }
  td_clock_watch_init (&self->clock, g_get_real_time () / 1000, mono_ms (), CLOCK_JUMP_MS);
  if (self->clock_source == 0)
    self->clock_source = g_timeout_add (CLOCK_CHECK_MS, clock_cb, self);

  connect_now (self);
}

void
td_channel_stop (TdChannel *self)
{
  g_return_if_fail (TD_IS_CHANNEL (self));

  self->started = FALSE;
  g_clear_handle_id (&self->attempt_source, g_source_remove);
  g_clear_handle_id (&self->probe_source, g_source_remove);
  g_clear_handle_id (&self->clock_source, g_source_remove);
  drop_probe (self);
  drop_transport (self);
  td_store_flush (self->store);
  set_synced (self, FALSE);
  set_next_attempt (self, 0);
  set_state (self, TD_CHANNEL_STATE_OFFLINE);
}

void
td_channel_retry_now (TdChannel *self)
{
  g_return_if_fail (TD_IS_CHANNEL (self));

  if (!self->started || self->state != TD_CHANNEL_STATE_BACKING_OFF)
    return;
  /* never a burst, however fast the button is pressed */
  if (self->last_attempt > 0 && mono_ms () - self->last_attempt < TD_BACKOFF_MIN_GAP_MS)
    {
      schedule_attempt (self, self->last_attempt + TD_BACKOFF_MIN_GAP_MS - mono_ms ());
      return;
    }
  connect_now (self);
}

void
td_channel_network_changed (TdChannel *self)
{
  g_return_if_fail (TD_IS_CHANNEL (self));

  if (!self->started)
    return;
  if (self->state == TD_CHANNEL_STATE_BACKING_OFF || self->state == TD_CHANNEL_STATE_CONNECTING)
    {
      drop_transport (self);
      schedule_attempt (self, td_backoff_network_changed (self->backoff, mono_ms ()));
    }
}

void
td_channel_drop_connection (TdChannel *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TD_IS_CHANNEL (self));

  if (self->transport == NULL)
    return;
  error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_FAILED, "dropped on request");
  close_with (self, TD_TRANSPORT_CLOSE_ERROR, -1, error);
}

TdChannelState
td_channel_get_state (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), TD_CHANNEL_STATE_OFFLINE);
  return self->state;
}

gint64
td_channel_get_next_attempt (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), 0);
  return self->next_attempt;
}

const char *
td_channel_get_transport (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  if (self->transport == NULL || !self->transport_opened)
    return NULL;
  return td_transport_get_name (self->transport);
}

const char *
td_channel_get_me_id (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return self->me_id;
}

const char *
td_channel_get_me_name (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return self->me_name;
}

const char *
td_channel_get_me_role (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return self->me_role;
}

const char * const *
td_channel_get_merchants (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return (const char * const *) self->merchants;
}

const char *
td_channel_get_merchant_name (TdChannel  *self,
                              const char *merchant_id)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  if (merchant_id == NULL)
    return NULL;
  return g_hash_table_lookup (self->merchant_names, merchant_id);
}

gboolean
td_channel_get_synced (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), FALSE);
  return self->synced;
}

char *
td_channel_dup_token (TdChannel *self)
{
  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  return g_strdup (self->token);
}

char *
td_channel_send (TdChannel  *self,
                 const char *line_id,
                 const char *kind,
                 JsonObject *body)
{
  g_autoptr(TdMessage) m = NULL;

  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (line_id != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  m = td_store_outbox_add (self->store, line_id, kind, body, NULL);
  /* durable first: the row is committed before the packet can be acked */
  td_store_flush (self->store);
  if (self->state == TD_CHANNEL_STATE_ONLINE)
    send_outbox_row (self, m);
  else
    {
      /* offline, a row too large is refused at once all the same */
      TdPacket *p = outbox_packet (self, m);

      g_clear_pointer (&p, td_packet_unref);
    }
  return g_strdup (td_message_get_random_id (m));
}

char *
td_channel_send_text (TdChannel  *self,
                      const char *line_id,
                      const char *text)
{
  g_autoptr(JsonObject) body = json_object_new ();

  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (text != NULL, NULL);

  json_object_set_string_member (body, "text", text);
  return td_channel_send (self, line_id, "text", body);
}

gboolean
td_channel_retry_failed (TdChannel  *self,
                         const char *random_id)
{
  TdMessage *m;

  g_return_val_if_fail (TD_IS_CHANNEL (self), FALSE);

  if (!td_store_outbox_retry (self->store, random_id))
    return FALSE;
  m = td_store_outbox_lookup (self->store, random_id);
  if (m && self->state == TD_CHANNEL_STATE_ONLINE)
    send_outbox_row (self, m);
  return TRUE;
}

gboolean
td_channel_discard_failed (TdChannel  *self,
                           const char *random_id)
{
  TdMessage *m;

  g_return_val_if_fail (TD_IS_CHANNEL (self), FALSE);

  m = td_store_outbox_lookup (self->store, random_id);
  if (m == NULL || td_message_get_delivery (m) != TD_DELIVERY_FAILED)
    return FALSE;
  return td_store_outbox_discard (self->store, random_id);
}

static char *
next_req (TdChannel *self)
{
  return g_strdup_printf ("r%u", ++self->next_req);
}

static void
send_or_complain (TdChannel *self,
                  TdPacket  *p)
{
  if (!send_packet (self, p))
    {
      g_autoptr(GError) error = g_error_new (TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_OFFLINE,
                                             "Not connected: try again when the connection is back.");
      emit_error (self, error);
    }
}

void
td_channel_open_line (TdChannel           *self,
                      const char          *object_id,
                      TdBusi               busi,
                      const char          *uid,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(TdPacket) p = NULL;

  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (object_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_channel_open_line);

  p = td_packet_new (TD_PACKET_OPEN);
  p->req = next_req (self);
  p->object_id = g_strdup (object_id);
  p->busi = g_strdup (td_busi_to_string (busi));
  p->uid = g_strdup (uid);
  if (!send_packet (self, p))
    {
      g_task_return_new_error (task, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_OFFLINE,
                               "Not connected: try again when the connection is back.");
      return;
    }
  g_hash_table_insert (self->opens, g_strdup (p->req), g_steal_pointer (&task));
}

TdLine *
td_channel_open_line_finish (TdChannel     *self,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_autoptr(TdLine) line = NULL;
  TdLine *live;

  g_return_val_if_fail (TD_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  line = g_task_propagate_pointer (G_TASK (result), error);
  if (line == NULL)
    return NULL;
  live = td_store_lookup_line (self->store, td_line_get_id (line));
  return live ? g_object_ref (live) : g_steal_pointer (&line);
}

void
td_channel_mark_read (TdChannel  *self,
                      const char *line_id,
                      gint64      upto)
{
  g_autoptr(TdPacket) p = NULL;

  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (line_id != NULL);

  if (upto <= 0)
    return;
  p = td_packet_new (TD_PACKET_READ);
  p->line_id = g_strdup (line_id);
  p->upto = upto;
  send_packet (self, p);   /* quietly: a read mark is re-sent on the next view */
}

void
td_channel_typing (TdChannel  *self,
                   const char *line_id,
                   gboolean    note)
{
  g_autoptr(TdPacket) p = NULL;
  gint64 now = mono_ms ();
  gpointer last;

  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (line_id != NULL);

  last = g_hash_table_lookup (self->typing_sent, line_id);
  if (last != NULL && now - GPOINTER_TO_SIZE (last) < TD_TYPING_REPEAT_MS)
    return;
  p = td_packet_new (TD_PACKET_TYPING);
  p->line_id = g_strdup (line_id);
  p->note = note;
  if (send_packet (self, p))
    g_hash_table_insert (self->typing_sent, g_strdup (line_id), GSIZE_TO_POINTER ((gsize) MAX (now, 1)));
}

static void
send_state (TdChannel   *self,
            const char  *line_id,
            TdLineState  state,
            gboolean     has_assignee,
            const char  *assignee,
            gboolean     has_snooze,
            gint64       snooze_until)
{
  g_autoptr(TdPacket) p = td_packet_new (TD_PACKET_STATE);

  /* the state a following assign must carry (the store may lag) */
  g_hash_table_insert (self->asked_states, g_strdup (line_id), GINT_TO_POINTER (state + 1));
  p->req = next_req (self);
  p->line_id = g_strdup (line_id);
  p->state = g_strdup (td_line_state_to_string (state));
  p->has_assignee = has_assignee;
  p->assignee = g_strdup (assignee);
  p->has_snooze_until = has_snooze;
  p->snooze_until = snooze_until;
  send_or_complain (self, p);
}

void
td_channel_set_line_state (TdChannel   *self,
                           const char  *line_id,
                           TdLineState  state,
                           gint64       snooze_until)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (line_id != NULL);

  send_state (self, line_id, state, FALSE, NULL,
              state == TD_LINE_STATE_SNOOZED, snooze_until);
}

void
td_channel_assign (TdChannel  *self,
                   const char *line_id,
                   const char *assignee)
{
  TdLine *line;
  int asked;

  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (line_id != NULL);

  line = td_store_lookup_line (self->store, line_id);
  asked = GPOINTER_TO_INT (g_hash_table_lookup (self->asked_states, line_id));
  send_state (self, line_id,
              asked > 0 ? (TdLineState) (asked - 1)
                        : line ? td_line_get_state (line) : TD_LINE_STATE_OPEN,
              TRUE, assignee, FALSE, 0);
}

void
td_channel_request_history (TdChannel  *self,
                            const char *line_id,
                            gint64      before,
                            int         limit)
{
  g_autoptr(TdPacket) p = NULL;

  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (line_id != NULL);

  p = td_packet_new (TD_PACKET_HISTORY);
  p->req = next_req (self);
  p->line_id = g_strdup (line_id);
  p->before = MAX (before, 0);
  p->limit = CLAMP (limit, 1, TD_HISTORY_MAX_LIMIT);
  send_packet (self, p);
}

void
td_channel_set_transport_policy (TdChannel         *self,
                                 TdTransportPolicy  policy)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  self->policy = policy;
  self->use_poll = policy == TD_TRANSPORT_POLICY_LONG_POLL;
}

void
td_channel_set_backoff (TdChannel *self,
                        TdBackoff *backoff)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  g_return_if_fail (backoff != NULL);

  td_backoff_free (self->backoff);
  self->backoff = backoff;
}

void
td_channel_set_probe_interval (TdChannel *self,
                               guint      interval_ms)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  self->probe_interval_ms = MAX (interval_ms, 10);
}

void
td_channel_set_heartbeat (TdChannel *self,
                          guint      heartbeat_ms)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  self->heartbeat_override_ms = heartbeat_ms;
}

void
td_channel_set_poll_wait (TdChannel *self,
                          guint      wait_s)
{
  g_return_if_fail (TD_IS_CHANNEL (self));
  self->poll_wait_s = MIN (wait_s, TD_POLL_MAX_WAIT_S);
}

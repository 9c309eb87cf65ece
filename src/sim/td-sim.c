/* td-sim.c — simulated travellers over the real protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-sim"

#include "config.h"

#include <math.h>
#include <string.h>
#include <libsoup/soup.h>

#include "td-sim.h"
#include "td-metrics.h"
#include "td-json.h"

G_DEFINE_QUARK (td-sim-error-quark, td_sim_error)

#define DEFAULT_REPLY_P 0.6
#define DEFAULT_REPLY_MIN_MS 800
#define DEFAULT_REPLY_MAX_MS 3000
#define DEFAULT_CHINESE 0.2
#define DEFAULT_DRAIN_MS 30000
#define TYPING_P 0.3            /* typing before a message */
#define TYPING_MIN_MS 250
#define TYPING_MAX_MS 1200
#define NEW_CONCERN_P 0.08      /* a customer turns to another concern */
#define PEER_REPLY_FACTOR 0.6   /* chat answers are rarer (no endless ping-pong) */
#define DRAIN_CHECK_MS 50
#define PAGE 200
#define BEGIN_WAIT_S 5          /* the clock starts by then even if some are offline */

typedef struct _Customer Customer;

/* One message sent: the public record plus timings. */
typedef struct
{
  TdSimSent  pub;
  Customer  *customer;
  gint64     sent_us;        /* monotonic */
  gint64     acked_us;       /* 0 until acked */
  gint64     echo_us;        /* 0 until the own msg came back */
  gboolean   peer_delivered; /* chat: the other customer got it */
  gboolean   failed;         /* refused for good */
} Record;

struct _Customer
{
  TdSim        *sim;          /* not owned */
  guint         index;
  char         *uid;
  char         *password;     /* = the demo token */
  char         *token;        /* NULL until logged in */
  TdStore      *store;
  TdChannel    *channel;
  struct _TdSimProbe *probe;
  TdTransportPolicy policy;
  gboolean      chinese;
  gboolean      ever_online;

  TdSimScript  *script;        /* the current concern (owned by @scripts once opened) */
  TdSimScript  *opening;       /* being opened (owned here until then) */
  gboolean      in_flight;     /* its `open` is outstanding */
  char         *line_id;       /* the current concern's line */
  guint         due;           /* messages due while opening */
  GHashTable   *scripts;       /* line id → TdSimScript* (owned) */
  GHashTable   *seen;          /* message ids received (gint64 keys) */
};

struct _TdSim
{
  GObject         parent_instance;

  char           *base_url;
  guint           n_customers;
  double          rate;
  guint32         seed;
  TdSimTransport  transport;
  double          duration_s;
  guint           first;
  gboolean        use_login;
  double          reply_p;
  guint           reply_min_ms;
  guint           reply_max_ms;
  double          chinese_share;
  guint           drain_ms;
  guint           poll_wait_s;

  GRand          *rand;
  GPtrArray      *customers;   /* Customer* */
  GHashTable     *records;     /* random_id → Record* (owned) */
  GPtrArray      *order;       /* Record*, in sending order (borrowed) */
  GHashTable     *delayed;     /* Delayed* set (owned) */
  GCancellable   *cancellable;
  SoupSession    *login_session;

  gboolean        running;
  gboolean        sending;
  gboolean        finished;
  gint64          start_us;    /* the clock: when sending began */
  guint           begin_source; /* waiting for the customers to connect */
  gint64          start_wall_ms;
  gint64          end_us;      /* sending stopped */
  gint64          next_due_us;
  guint           tick_source;
  guint           drain_source;
  guint           backlog;     /* events that found nobody ready */

  TdSimStats      stats;       /* counters only */
  GArray         *ack_lat;     /* gint64 ms */
  GArray         *echo_lat;
  GArray         *recv_lat;
};

G_DEFINE_FINAL_TYPE (TdSim, td_sim, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_FINISHED,
  SIGNAL_MESSAGE_SENT,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void customer_send (Customer *c, const char *line_id, const char *kind, JsonObject *body, gboolean reply);
static void customer_open (Customer *c);
static void maybe_begin (TdSim *self);

/* ---- TdSimProbe: sees every parsed packet, before the filter ------------ */

#define TD_TYPE_SIM_PROBE (td_sim_probe_get_type ())
G_DECLARE_FINAL_TYPE (TdSimProbe, td_sim_probe, TD, SIM_PROBE, GObject)

struct _TdSimProbe
{
  GObject   parent_instance;
  Customer *customer;   /* not owned; cleared when the customer goes */
};

static gboolean probe_intercept (TdInterceptor *interceptor, TdBus *bus, TdBusFrame *frame);

static void
td_sim_probe_interceptor_init (TdInterceptorInterface *iface)
{
  iface->intercept = probe_intercept;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (TdSimProbe, td_sim_probe, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, td_sim_probe_interceptor_init))

static void
td_sim_probe_class_init (TdSimProbeClass *klass)
{
}

static void
td_sim_probe_init (TdSimProbe *self)
{
}

/* ---- small helpers ------------------------------------------------------- */

static gint64
mono_us (void)
{
  return g_get_monotonic_time ();
}

static guint
rand_between (GRand *rand,
              guint  lo,
              guint  hi)
{
  if (hi <= lo)
    return lo;
  return (guint) g_rand_int_range (rand, (gint32) lo, (gint32) hi + 1);
}

static void
record_free (gpointer data)
{
  Record *r = data;

  g_free (r->pub.customer);
  g_free (r->pub.line_id);
  g_free (r->pub.object_id);
  g_free (r->pub.merchant);
  g_free (r->pub.kind);
  g_free (r->pub.random_id);
  g_free (r);
}

void
td_sim_sent_free (TdSimSent *sent)
{
  if (sent == NULL)
    return;
  g_free (sent->customer);
  g_free (sent->line_id);
  g_free (sent->object_id);
  g_free (sent->merchant);
  g_free (sent->kind);
  g_free (sent->random_id);
  g_free (sent);
}

gboolean
td_sim_transport_from_string (const char     *s,
                              TdSimTransport *out)
{
  static const struct { const char *name; TdSimTransport t; } names[] = {
    { "ws", TD_SIM_TRANSPORT_WEBSOCKET },
    { "websocket", TD_SIM_TRANSPORT_WEBSOCKET },
    { "poll", TD_SIM_TRANSPORT_LONG_POLL },
    { "long-poll", TD_SIM_TRANSPORT_LONG_POLL },
    { "mixed", TD_SIM_TRANSPORT_MIXED },
    { "auto", TD_SIM_TRANSPORT_AUTO },
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (s, names[i].name) == 0)
      {
        if (out)
          *out = names[i].t;
        return TRUE;
      }
  return FALSE;
}

const char *
td_sim_transport_to_string (TdSimTransport transport)
{
  switch (transport)
    {
    case TD_SIM_TRANSPORT_WEBSOCKET: return "ws";
    case TD_SIM_TRANSPORT_LONG_POLL: return "poll";
    case TD_SIM_TRANSPORT_MIXED: return "mixed";
    case TD_SIM_TRANSPORT_AUTO: return "auto";
    default: return NULL;
    }
}

/* ---- delayed actions (typing → send, answers) ----------------------------- */

typedef enum
{
  DELAYED_SEND,      /* a message after its typing */
  DELAYED_REPLY,     /* an answer to someone else's message */
  DELAYED_TYPING,    /* "typing" a little before an answer */
  DELAYED_READ,      /* the customer reads what the operator wrote */
} DelayedWhat;

typedef struct
{
  TdSim       *sim;        /* not owned: the set is cleared before it goes */
  Customer    *customer;
  DelayedWhat  what;
  char        *line_id;
  char        *kind;       /* SEND: the message; REPLY: the message answered */
  JsonObject  *body;
  gint64       seq;        /* READ: up to this line_seq */
  guint        source;
} Delayed;

static void
delayed_free (gpointer data)
{
  Delayed *d = data;

  g_clear_handle_id (&d->source, g_source_remove);
  g_free (d->line_id);
  g_free (d->kind);
  g_clear_pointer (&d->body, json_object_unref);
  g_free (d);
}

static TdSimScript *
script_for_line (Customer   *c,
                 const char *line_id)
{
  TdSim *self = c->sim;
  TdSimScript *s = g_hash_table_lookup (c->scripts, line_id);
  TdLine *line;
  TdSimTopic topic = TD_SIM_TOPIC_HOTEL_BOOKING;
  const char *peer = NULL;

  if (s != NULL)
    return s;

  /* a line someone else opened (a chat), or one from an earlier run */
  line = td_store_lookup_line (c->store, line_id);
  if (line == NULL)
    return NULL;
  if (td_line_get_busi (line) == TD_BUSI_CHAT)
    {
      topic = TD_SIM_TOPIC_CHAT;
      peer = g_strcmp0 (td_line_get_uid (line), c->uid) == 0 ?
             td_line_get_object_id (line) : td_line_get_uid (line);
    }
  else if (g_strcmp0 (td_line_get_merchant (line), "m_skyline") == 0)
    topic = TD_SIM_TOPIC_TOUR_PICKUP;
  else if (g_strcmp0 (td_line_get_merchant (line), "m_harbor") == 0)
    topic = TD_SIM_TOPIC_FLIGHT_DELAY;
  else if (td_line_get_busi (line) == TD_BUSI_FEEDBACK)
    topic = TD_SIM_TOPIC_COMPLAINT;

  s = td_sim_script_new (self->rand, topic, c->chinese, peer, NULL);
  g_hash_table_insert (c->scripts, g_strdup (line_id), s);
  return s;
}

static gboolean
delayed_cb (gpointer data)
{
  Delayed *d = data;
  g_autoptr(TdSim) self = g_object_ref (d->sim);   /* handlers may drop theirs */
  Customer *c = d->customer;

  d->source = 0;
  if (self->running && d->what == DELAYED_SEND)
    {
      /* it was due while sending: it counts even if sending just ended */
      customer_send (c, d->line_id, d->kind, d->body, FALSE);
    }
  else if (self->running && d->what == DELAYED_READ)
    {
      if (td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE)
        {
          td_channel_mark_read (c->channel, d->line_id, d->seq);
          self->stats.reads++;
        }
    }
  else if (self->running && self->sending && d->what == DELAYED_TYPING)
    {
      if (td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE)
        {
          td_channel_typing (c->channel, d->line_id, FALSE);
          self->stats.typing++;
        }
    }
  else if (self->running && self->sending)
    {
      TdSimScript *s = script_for_line (c, d->line_id);

      if (s != NULL)
        {
          const char *kind = NULL;
          g_autoptr(JsonObject) body = NULL;

          /* answer on the line of the message answered */
          td_sim_script_reply (s, self->rand, d->kind, d->body, &kind, &body);
          customer_send (c, d->line_id, kind, body, TRUE);
        }
    }
  g_hash_table_remove (self->delayed, d);
  return G_SOURCE_REMOVE;
}

static Delayed *
add_delayed (TdSim       *self,
             Customer    *c,
             DelayedWhat  what,
             const char  *line_id,
             const char  *kind,
             JsonObject  *body,
             guint        delay_ms)
{
  Delayed *d = g_new0 (Delayed, 1);

  d->sim = self;
  d->customer = c;
  d->what = what;
  d->line_id = g_strdup (line_id);
  d->kind = g_strdup (kind);
  d->body = body ? json_object_ref (body) : NULL;
  d->source = g_timeout_add (delay_ms, delayed_cb, d);
  g_hash_table_add (self->delayed, d);
  return d;
}

/* ---- sending ---------------------------------------------------------------- */

static void
customer_send (Customer   *c,
               const char *line_id,
               const char *kind,
               JsonObject *body,
               gboolean    reply)
{
  TdSim *self = c->sim;
  g_autofree char *rid = NULL;
  TdSimScript *s;
  TdLine *line;
  Record *r;

  g_assert (line_id != NULL);

  rid = td_channel_send (c->channel, line_id, kind, body);
  if (rid == NULL)
    return;

  r = g_new0 (Record, 1);
  r->customer = c;
  r->sent_us = mono_us ();
  r->pub.customer = g_strdup (c->uid);
  r->pub.line_id = g_strdup (line_id);
  r->pub.kind = g_strdup (kind);
  r->pub.random_id = g_strdup (rid);
  line = td_store_lookup_line (c->store, line_id);
  s = g_hash_table_lookup (c->scripts, line_id);
  if (line != NULL)
    {
      r->pub.object_id = g_strdup (td_line_get_object_id (line));
      r->pub.merchant = g_strdup (td_line_get_merchant (line));
      r->pub.busi = td_line_get_busi (line);
    }
  else if (s != NULL)
    {
      r->pub.object_id = g_strdup (td_sim_script_get_object_id (s));
      r->pub.merchant = g_strdup (td_sim_script_get_merchant (s));
      r->pub.busi = td_sim_script_get_busi (s);
    }
  g_hash_table_insert (self->records, r->pub.random_id, r);
  g_ptr_array_add (self->order, r);

  self->stats.sent++;
  if (reply)
    self->stats.replies++;
  g_signal_emit (self, signals[SIGNAL_MESSAGE_SENT], 0, c->uid, line_id, kind);
}

/* The next message of the current concern, maybe after typing. */
static void
customer_say_next (Customer *c)
{
  TdSim *self = c->sim;
  const char *kind = NULL;
  g_autoptr(JsonObject) body = NULL;

  g_assert (c->script != NULL && c->line_id != NULL);

  if (!td_sim_script_next (c->script, self->rand, &kind, &body))
    td_sim_script_follow_up (c->script, self->rand, &kind, &body);

  if (g_rand_double (self->rand) < TYPING_P &&
      td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE)
    {
      td_channel_typing (c->channel, c->line_id, FALSE);
      self->stats.typing++;
      add_delayed (self, c, DELAYED_SEND, c->line_id, kind, body,
                   rand_between (self->rand, TYPING_MIN_MS, TYPING_MAX_MS));
      return;
    }
  customer_send (c, c->line_id, kind, body, FALSE);
}

/* What a customer's asynchronous call (open a line, log in) answers to:
 * the simulator stays alive until it does. */
typedef struct
{
  TdSim    *sim;     /* owned */
  Customer *customer;
} CustomerCall;

static void
on_open_line_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CustomerCall *od = user_data;
  TdSim *self = od->sim;
  Customer *c = od->customer;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLine) line = NULL;
  g_autoptr(TdSimScript) script = NULL;

  c->in_flight = FALSE;
  line = td_channel_open_line_finish (TD_CHANNEL (source), result, &error);
  if (line == NULL)
    {
      g_debug ("%s: open failed: %s", c->uid, error->message);
      if (!g_error_matches (error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_OFFLINE) &&
          !g_error_matches (error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_CLOSED))
        {
          /* refused: drop this concern and its due messages */
          self->stats.errors++;
          g_clear_pointer (&c->opening, td_sim_script_free);
          c->due = 0;
        }
      /* else kept, with its due messages, for when the customer is online
       * again (on_channel_state_cb, customer_act) */
      g_object_unref (self);
      g_free (od);
      return;
    }

  script = g_steal_pointer (&c->opening);
  g_assert (script != NULL);

  self->stats.lines_opened++;
  g_free (c->line_id);
  c->line_id = g_strdup (td_line_get_id (line));
  c->script = script;
  g_hash_table_replace (c->scripts, g_strdup (c->line_id), g_steal_pointer (&script));

  if (self->running)
    {
      for (; c->due > 0; c->due--)
        customer_say_next (c);
    }
  c->due = 0;
  g_object_unref (self);
  g_free (od);
}

/* Starts a new concern: opens its line; the due messages follow. */
static void
customer_open (Customer *c)
{
  TdSim *self = c->sim;
  CustomerCall *od;
  TdSimTopic topic;
  const char *peer = NULL;
  g_autofree char *peer_uid = NULL;

  if (c->opening == NULL)
    {
      topic = td_sim_topic_pick (self->rand, self->n_customers > 1);
      if (topic == TD_SIM_TOPIC_CHAT)
        {
          guint other = (guint) g_rand_int_range (self->rand, 0, (gint32) self->n_customers - 1);

          if (other >= c->index)
            other++;
          peer_uid = g_strdup_printf ("c_%u", self->first + other);
          peer = peer_uid;
        }
      c->opening = td_sim_script_new (self->rand, topic, c->chinese, peer, NULL);
    }

  od = g_new0 (CustomerCall, 1);
  od->sim = g_object_ref (self);
  od->customer = c;
  c->in_flight = TRUE;
  td_channel_open_line (c->channel,
                        td_sim_script_get_object_id (c->opening),
                        td_sim_script_get_busi (c->opening),
                        NULL, self->cancellable, on_open_line_cb, od);
}

/* One due message for @c; FALSE when it cannot take it now. */
static gboolean
customer_act (Customer *c)
{
  TdSim *self = c->sim;
  gboolean online = td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE;
  gboolean want_new;

  if (c->opening != NULL)
    {
      if (!c->in_flight && !online)
        return FALSE;
      c->due++;
      if (!c->in_flight)
        customer_open (c);
      return TRUE;
    }

  want_new = c->script == NULL ||
             (td_sim_script_is_done (c->script) && g_rand_double (self->rand) < 0.7) ||
             g_rand_double (self->rand) < NEW_CONCERN_P;
  if (want_new && online)
    {
      c->due = 1;
      customer_open (c);
      return TRUE;
    }
  if (c->script == NULL)
    return FALSE;
  /* offline too: it waits in the outbox, as in the app */
  customer_say_next (c);
  return TRUE;
}

/* ---- receiving --------------------------------------------------------------- */

static void
consider_reply (Customer  *c,
                TdMessage *m,
                double     p)
{
  TdSim *self = c->sim;
  TdKind kind = td_message_get_kind (m);
  guint delay;

  if (!self->sending || kind == TD_KIND_SYSTEM || kind == TD_KIND_NOTE || kind == TD_KIND_UNKNOWN)
    return;
  if (g_rand_double (self->rand) >= p)
    return;

  delay = rand_between (self->rand, self->reply_min_ms, self->reply_max_ms);
  /* "typing" shows while the answer is written (it expires after 5 s) */
  if (g_rand_double (self->rand) < 0.6)
    add_delayed (self, c, DELAYED_TYPING, td_message_get_line_id (m), NULL, NULL,
                 delay > 2500 ? delay - 2500 : 0);
  add_delayed (self, c, DELAYED_REPLY, td_message_get_line_id (m),
               td_message_get_kind_name (m), td_message_get_body (m), delay);
}

static void
sample (GArray *array,
        gint64  ms)
{
  ms = MAX (ms, 0);
  g_array_append_val (array, ms);
}

static void
complete (TdSim     *self,
          Record    *r,
          TdMessage *m)
{
  if (r->acked_us != 0)
    return;
  r->acked_us = mono_us ();
  r->pub.message_id = td_message_get_id (m);
  r->pub.line_seq = td_message_get_line_seq (m);
  self->stats.acked++;
  sample (self->ack_lat, (r->acked_us - r->sent_us) / 1000);
}

static gboolean
probe_intercept (TdInterceptor *interceptor,
                 TdBus         *bus,
                 TdBusFrame    *frame)
{
  TdSimProbe *probe = TD_SIM_PROBE (interceptor);
  Customer *c = probe->customer;
  TdSim *self;
  TdPacket *p = frame->packet;

  if (c == NULL || p == NULL)
    return TRUE;
  self = c->sim;

  if (p->type == TD_PACKET_ACK && p->random_id != NULL && p->msg != NULL)
    {
      Record *r = g_hash_table_lookup (self->records, p->random_id);

      if (r != NULL && r->customer == c)
        complete (self, r, p->msg);
    }
  else if (p->type == TD_PACKET_MSG && p->msg != NULL)
    {
      TdMessage *m = p->msg;
      gint64 id = td_message_get_id (m);
      const char *rid = td_message_get_random_id (m);
      Record *r = rid ? g_hash_table_lookup (self->records, rid) : NULL;
      gboolean mine = g_strcmp0 (td_message_get_sender_id (m), c->uid) == 0;
      gboolean first;

      first = g_hash_table_add (c->seen, g_memdup2 (&id, sizeof id));
      if (!first)
        {
          self->stats.redelivered++;
          return TRUE;
        }

      if (td_message_get_ts (m) < self->start_wall_ms - 1000)
        {
          /* from before this run (a snapshot of an earlier one) */
          self->stats.backlog++;
          return TRUE;
        }
      if (mine)
        {
          if (r != NULL && r->customer == c)
            {
              complete (self, r, m);
              if (r->echo_us == 0)
                {
                  r->echo_us = mono_us ();
                  self->stats.echoed++;
                  sample (self->echo_lat, (r->echo_us - r->sent_us) / 1000);
                }
            }
        }
      else if (td_message_get_sender_role (m) == TD_ROLE_OPERATOR)
        {
          if (td_message_get_kind (m) != TD_KIND_SYSTEM)
            {
              self->stats.received++;
              sample (self->recv_lat, td_now_ms () - td_message_get_ts (m));
            }
          /* read it a moment later (the operator sees the mark) */
          if (self->sending && td_message_get_line_seq (m) > 0)
            {
              Delayed *d = add_delayed (self, c, DELAYED_READ, td_message_get_line_id (m), NULL, NULL,
                                        rand_between (self->rand, self->reply_min_ms / 2, self->reply_min_ms));

              d->seq = td_message_get_line_seq (m);
            }
          consider_reply (c, m, self->reply_p);
        }
      else
        {
          self->stats.received_peer++;
          if (r != NULL)
            r->peer_delivered = TRUE;
          sample (self->recv_lat, td_now_ms () - td_message_get_ts (m));
          consider_reply (c, m, self->reply_p * PEER_REPLY_FACTOR);
        }
    }
  return TRUE;
}

static void
on_channel_state_cb (TdChannel  *channel,
                     GParamSpec *pspec,
                     gpointer    user_data)
{
  Customer *c = user_data;
  TdSim *self = c->sim;

  if (td_channel_get_state (channel) != TD_CHANNEL_STATE_ONLINE)
    return;
  if (c->ever_online)
    self->stats.reconnects++;
  c->ever_online = TRUE;
  maybe_begin (self);

  /* an open that failed while offline: try again */
  if (self->running && self->sending && c->opening != NULL && !c->in_flight && c->due > 0)
    customer_open (c);
}

static void
on_channel_error_cb (TdChannel    *channel,
                     const GError *error,
                     gpointer      user_data)
{
  Customer *c = user_data;

  g_debug ("%s: %s", c->uid, error->message);
  c->sim->stats.errors++;
}

static void
on_channel_send_failed_cb (TdChannel    *channel,
                           const char   *random_id,
                           const GError *error,
                           gpointer      user_data)
{
  Customer *c = user_data;
  Record *r = g_hash_table_lookup (c->sim->records, random_id);

  g_message ("%s: a message was refused: %s", c->uid, error->message);
  c->sim->stats.failed++;
  if (r != NULL)
    r->failed = TRUE;
}

/* ---- customers ------------------------------------------------------------------ */

static void
customer_free (gpointer data)
{
  Customer *c = data;

  if (c->channel != NULL)
    {
      g_signal_handlers_disconnect_by_data (c->channel, c);
      td_channel_stop (c->channel);
      g_clear_object (&c->channel);
    }
  if (c->probe != NULL)
    c->probe->customer = NULL;
  g_clear_object (&c->probe);
  g_clear_object (&c->store);
  g_clear_pointer (&c->opening, td_sim_script_free);
  g_clear_pointer (&c->scripts, g_hash_table_unref);
  g_clear_pointer (&c->seen, g_hash_table_unref);
  g_free (c->uid);
  g_free (c->password);
  g_free (c->token);
  g_free (c->line_id);
  g_free (c);
}

static Customer *
customer_new (TdSim *self,
              guint  index)
{
  Customer *c = g_new0 (Customer, 1);
  g_autoptr(GError) error = NULL;

  c->sim = self;
  c->index = index;
  c->uid = g_strdup_printf ("c_%u", self->first + index);
  c->password = g_strdup_printf ("demo-cust-%u", self->first + index);
  c->chinese = g_rand_double (self->rand) < self->chinese_share;
  c->scripts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) td_sim_script_free);
  c->seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  switch (self->transport)
    {
    case TD_SIM_TRANSPORT_WEBSOCKET:
      c->policy = TD_TRANSPORT_POLICY_WEBSOCKET;
      break;
    case TD_SIM_TRANSPORT_LONG_POLL:
      c->policy = TD_TRANSPORT_POLICY_LONG_POLL;
      break;
    case TD_SIM_TRANSPORT_MIXED:
      c->policy = index % 2 == 0 ? TD_TRANSPORT_POLICY_WEBSOCKET : TD_TRANSPORT_POLICY_LONG_POLL;
      break;
    case TD_SIM_TRANSPORT_AUTO:
    default:
      c->policy = TD_TRANSPORT_POLICY_AUTO;
      break;
    }

  /* an in-memory cache: the same store code as the app's file */
  c->store = td_store_new (NULL, &error);
  if (c->store == NULL)
    g_error ("tripdesk-sim: cannot make an in-memory store: %s", error->message);
  return c;
}

/* Makes the channel (with the token) and connects it. */
static void
customer_connect (Customer   *c,
                  const char *token)
{
  TdSim *self = c->sim;
  g_autoptr(TdSimProbe) probe = g_object_new (TD_TYPE_SIM_PROBE, NULL);

  c->channel = td_channel_new (self->base_url, token, c->store, NULL);
  td_channel_set_transport_policy (c->channel, c->policy);
  if (self->poll_wait_s > 0)
    td_channel_set_poll_wait (c->channel, self->poll_wait_s);
  probe->customer = c;
  c->probe = g_object_ref (probe);
  /* after parse, before the filter: sees echoes the store already holds */
  td_bus_insert_interceptor (td_channel_get_bus (c->channel), TD_INTERCEPTOR (probe), 1);
  g_signal_connect (c->channel, "notify::state", G_CALLBACK (on_channel_state_cb), c);
  g_signal_connect (c->channel, "error", G_CALLBACK (on_channel_error_cb), c);
  g_signal_connect (c->channel, "send-failed", G_CALLBACK (on_channel_send_failed_cb), c);
  td_channel_start (c->channel);
}

static void
on_login_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  CustomerCall *ld = user_data;
  TdSim *self = ld->sim;
  Customer *c = ld->customer;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *token = NULL;

  g_free (ld);
  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK)
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      reply = td_json_parse_object (data, len, &error);
      if (reply != NULL && json_object_has_member (reply, "token"))
        token = json_object_get_string_member_with_default (reply, "token", NULL);
    }

  if (token == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_message ("%s: login failed: %s", c->uid,
                     error ? error->message : soup_message_get_reason_phrase (msg));
          self->stats.errors++;
        }
      g_object_unref (self);
      return;
    }
  if (self->running && c->channel == NULL)
    {
      c->token = g_strdup (token);
      customer_connect (c, c->token);
    }
  g_object_unref (self);
}

static void
customer_login (Customer *c)
{
  TdSim *self = c->sim;
  g_autofree char *url = g_strdup_printf ("%s/v1/login", self->base_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GBytes) bytes = NULL;
  char *text;
  gsize len;
  CustomerCall *ld;

  if (msg == NULL)
    {
      g_message ("tripdesk-sim: not a URL: %s", self->base_url);
      self->stats.errors++;
      return;
    }
  json_object_set_string_member (body, "user", c->uid);
  json_object_set_string_member (body, "password", c->password);
  text = td_json_object_to_string (body, &len);
  bytes = g_bytes_new_take (text, len);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);

  ld = g_new0 (CustomerCall, 1);
  ld->sim = g_object_ref (self);
  ld->customer = c;
  soup_session_send_and_read_async (self->login_session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, on_login_cb, ld);
}

/* ---- the clock ---------------------------------------------------------------- */

static void end_sending (TdSim *self);

static gint64
exp_interval_us (TdSim *self)
{
  double u = g_rand_double (self->rand);   /* [0, 1) */

  return (gint64) (-log (1.0 - u) / self->rate * G_USEC_PER_SEC);
}

static void
fire_event (TdSim *self)
{
  guint n = self->customers->len;

  /* a few tries to find a customer ready to write */
  for (guint attempt = 0; attempt < 8; attempt++)
    {
      Customer *c = g_ptr_array_index (self->customers, g_rand_int_range (self->rand, 0, (gint32) n));

      if (c->channel != NULL && customer_act (c))
        return;
    }
  /* nobody ready yet (still connecting): keep it for the next tick */
  self->backlog = MIN (self->backlog + 1, (guint) MAX (1.0, self->rate * 5));
}

static void arm_tick (TdSim *self);

static gboolean
tick_cb (gpointer data)
{
  g_autoptr(TdSim) self = g_object_ref (data);   /* handlers may drop theirs */
  gint64 now = mono_us ();
  guint backlog = self->backlog;

  self->tick_source = 0;

  if (self->duration_s > 0 &&
      now - self->start_us >= (gint64) (self->duration_s * G_USEC_PER_SEC))
    {
      end_sending (self);
      return G_SOURCE_REMOVE;
    }

  self->backlog = 0;
  for (guint i = 0; i < backlog && self->sending; i++)
    fire_event (self);
  while (self->next_due_us <= now && self->sending)
    {
      fire_event (self);
      self->next_due_us += exp_interval_us (self);
    }
  if (self->sending && self->tick_source == 0)
    arm_tick (self);
  return G_SOURCE_REMOVE;
}

static void
arm_tick (TdSim *self)
{
  gint64 now = mono_us ();
  gint64 wait_us = self->next_due_us - now;
  gint64 end_us = self->duration_s > 0 ?
                  self->start_us + (gint64) (self->duration_s * G_USEC_PER_SEC) : G_MAXINT64;

  if (self->backlog > 0)
    wait_us = MIN (wait_us, 100 * 1000);
  wait_us = MIN (wait_us, end_us - now);
  wait_us = MAX (wait_us, 0);
  self->tick_source = g_timeout_add ((guint) ((wait_us + 999) / 1000), tick_cb, self);
}

static gboolean
all_done (TdSim *self)
{
  if (g_hash_table_size (self->delayed) > 0)
    return FALSE;
  for (guint i = 0; i < self->customers->len; i++)
    {
      Customer *c = g_ptr_array_index (self->customers, i);

      if (c->opening != NULL && c->due > 0)
        return FALSE;
    }
  for (guint i = 0; i < self->order->len; i++)
    {
      Record *r = g_ptr_array_index (self->order, i);

      if (r->failed)
        continue;
      if (r->acked_us == 0 || r->echo_us == 0)
        return FALSE;
      if (r->pub.busi == TD_BUSI_CHAT && !r->peer_delivered)
        return FALSE;
    }
  return TRUE;
}

static gboolean
drain_cb (gpointer data)
{
  TdSim *self = data;

  if (!all_done (self) &&
      mono_us () - self->end_us < (gint64) self->drain_ms * 1000)
    return G_SOURCE_CONTINUE;

  self->drain_source = 0;
  self->finished = TRUE;
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
  return G_SOURCE_REMOVE;
}

static void
end_sending (TdSim *self)
{
  if (!self->sending)
    return;
  self->sending = FALSE;
  self->end_us = mono_us ();
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->begin_source, g_source_remove);
  /* answers not yet written are dropped; messages after typing still go */
  {
    GHashTableIter iter;
    Delayed *d;

    g_hash_table_iter_init (&iter, self->delayed);
    while (g_hash_table_iter_next (&iter, (gpointer *) &d, NULL))
      if (d->what != DELAYED_SEND)
        g_hash_table_iter_remove (&iter);
  }
  self->drain_source = g_timeout_add (DRAIN_CHECK_MS, drain_cb, self);
}

static void
begin_sending (TdSim *self)
{
  g_clear_handle_id (&self->begin_source, g_source_remove);
  if (!self->running || self->tick_source != 0)
    return;
  self->start_us = mono_us ();
  self->next_due_us = self->start_us + exp_interval_us (self);
  arm_tick (self);
}

static gboolean
begin_cb (gpointer data)
{
  TdSim *self = data;

  self->begin_source = 0;
  begin_sending (self);
  return G_SOURCE_REMOVE;
}

/* Begins when every customer has been online once. */
static void
maybe_begin (TdSim *self)
{
  if (self->begin_source == 0)
    return;
  for (guint i = 0; i < self->customers->len; i++)
    if (!((Customer *) g_ptr_array_index (self->customers, i))->ever_online)
      return;
  begin_sending (self);
}

/* ---- GObject --------------------------------------------------------------------- */

static void
td_sim_dispose (GObject *object)
{
  TdSim *self = TD_SIM (object);

  td_sim_stop (self);
  if (self->customers)
    g_ptr_array_set_size (self->customers, 0);
  g_clear_object (&self->login_session);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (td_sim_parent_class)->dispose (object);
}

static void
td_sim_finalize (GObject *object)
{
  TdSim *self = TD_SIM (object);

  g_clear_pointer (&self->customers, g_ptr_array_unref);
  g_clear_pointer (&self->order, g_ptr_array_unref);
  g_clear_pointer (&self->records, g_hash_table_unref);
  g_clear_pointer (&self->delayed, g_hash_table_unref);
  g_clear_pointer (&self->rand, g_rand_free);
  g_clear_pointer (&self->ack_lat, g_array_unref);
  g_clear_pointer (&self->echo_lat, g_array_unref);
  g_clear_pointer (&self->recv_lat, g_array_unref);
  g_free (self->base_url);

  G_OBJECT_CLASS (td_sim_parent_class)->finalize (object);
}

static void
td_sim_get_property (GObject    *object,
                     guint       prop_id,
                     GValue     *value,
                     GParamSpec *pspec)
{
  TdSim *self = TD_SIM (object);

  switch (prop_id)
    {
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_sim_class_init (TdSimClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_sim_dispose;
  object_class->finalize = td_sim_finalize;
  object_class->get_property = td_sim_get_property;

  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_MESSAGE_SENT] =
    g_signal_new ("message-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
}

static void
td_sim_init (TdSim *self)
{
  self->transport = TD_SIM_TRANSPORT_WEBSOCKET;
  self->first = 1;
  self->reply_p = DEFAULT_REPLY_P;
  self->reply_min_ms = DEFAULT_REPLY_MIN_MS;
  self->reply_max_ms = DEFAULT_REPLY_MAX_MS;
  self->chinese_share = DEFAULT_CHINESE;
  self->drain_ms = DEFAULT_DRAIN_MS;
  self->customers = g_ptr_array_new_with_free_func (customer_free);
  self->records = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, record_free);
  self->order = g_ptr_array_new ();
  self->delayed = g_hash_table_new_full (g_direct_hash, g_direct_equal, delayed_free, NULL);
  self->ack_lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->echo_lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->recv_lat = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->cancellable = g_cancellable_new ();
}

/* ---- public API -------------------------------------------------------------------- */

TdSim *
td_sim_new (const char *base_url,
            guint       n_customers,
            double      rate_per_s,
            guint32     seed)
{
  TdSim *self;

  g_return_val_if_fail (base_url != NULL, NULL);
  g_return_val_if_fail (n_customers > 0, NULL);
  g_return_val_if_fail (rate_per_s > 0, NULL);

  self = g_object_new (TD_TYPE_SIM, NULL);
  self->base_url = g_strdup (base_url);
  /* no trailing slash: paths are appended */
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->n_customers = n_customers;
  self->rate = rate_per_s;
  self->seed = seed;
  self->rand = g_rand_new_with_seed (seed);
  return self;
}

TdSim *
td_sim_new_demo (const char *base_url,
                 guint32     seed)
{
  TdSim *self;

  g_return_val_if_fail (base_url != NULL, NULL);

  self = td_sim_new (base_url, 12, 0.25, seed);
  self->transport = TD_SIM_TRANSPORT_AUTO;
  self->reply_p = 0.9;
  self->reply_min_ms = 2500;
  self->reply_max_ms = 7000;
  self->chinese_share = 0.25;
  return self;
}

void
td_sim_set_transport (TdSim          *self,
                      TdSimTransport  transport)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (!self->running);
  self->transport = transport;
}

void
td_sim_set_duration (TdSim  *self,
                     double  seconds)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (seconds >= 0);
  self->duration_s = seconds;
}

void
td_sim_set_first_customer (TdSim *self,
                           guint  first)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (!self->running);
  self->first = MAX (first, 1);
}

void
td_sim_set_use_login (TdSim    *self,
                      gboolean  use_login)
{
  g_return_if_fail (TD_IS_SIM (self));
  self->use_login = !!use_login;
}

void
td_sim_set_reply_probability (TdSim  *self,
                              double  probability)
{
  g_return_if_fail (TD_IS_SIM (self));
  self->reply_p = CLAMP (probability, 0.0, 1.0);
}

void
td_sim_set_reply_delay (TdSim *self,
                        guint  min_ms,
                        guint  max_ms)
{
  g_return_if_fail (TD_IS_SIM (self));
  self->reply_min_ms = MIN (min_ms, max_ms);
  self->reply_max_ms = MAX (min_ms, max_ms);
}

void
td_sim_set_chinese_share (TdSim  *self,
                          double  share)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (!self->running);
  self->chinese_share = CLAMP (share, 0.0, 1.0);
}

void
td_sim_set_poll_wait (TdSim *self,
                      guint  wait_s)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (!self->running);
  self->poll_wait_s = MIN (wait_s, TD_POLL_MAX_WAIT_S);
}

void
td_sim_set_drain_timeout (TdSim *self,
                          guint  timeout_ms)
{
  g_return_if_fail (TD_IS_SIM (self));
  self->drain_ms = timeout_ms;
}

void
td_sim_start (TdSim *self)
{
  g_return_if_fail (TD_IS_SIM (self));

  if (self->running || self->customers->len > 0)
    return;

  self->running = TRUE;
  self->sending = TRUE;
  self->start_us = mono_us ();
  self->start_wall_ms = td_now_ms ();
  self->stats.customers = self->n_customers;

  if (self->use_login)
    self->login_session = g_object_new (SOUP_TYPE_SESSION, "max-conns-per-host", 8, NULL);

  for (guint i = 0; i < self->n_customers; i++)
    {
      Customer *c = customer_new (self, i);

      g_ptr_array_add (self->customers, c);
      if (self->use_login)
        customer_login (c);
      else
        customer_connect (c, c->password);
    }

  /* the clock starts once everyone is connected (at most 5 s from now) */
  self->begin_source = g_timeout_add_seconds (BEGIN_WAIT_S, begin_cb, self);
  maybe_begin (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

void
td_sim_finish (TdSim *self)
{
  g_return_if_fail (TD_IS_SIM (self));

  if (self->running)
    end_sending (self);
}

void
td_sim_stop (TdSim *self)
{
  g_return_if_fail (TD_IS_SIM (self));

  if (!self->running)
    return;
  if (self->sending)
    {
      self->sending = FALSE;
      self->end_us = mono_us ();
    }
  self->running = FALSE;
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_handle_id (&self->begin_source, g_source_remove);
  g_clear_handle_id (&self->drain_source, g_source_remove);
  g_hash_table_remove_all (self->delayed);
  g_cancellable_cancel (self->cancellable);
  for (guint i = 0; i < self->customers->len; i++)
    {
      Customer *c = g_ptr_array_index (self->customers, i);

      if (c->channel != NULL)
        td_channel_stop (c->channel);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
td_sim_get_running (TdSim *self)
{
  g_return_val_if_fail (TD_IS_SIM (self), FALSE);
  return self->running;
}

static void
percentiles (GArray *array,
             gint64 *p50,
             gint64 *p99,
             gint64 *max)
{
  g_autofree gint64 *copy = NULL;
  gsize n = array->len;

  if (n == 0)
    {
      *p50 = *p99 = TD_SIM_NO_VALUE;
      if (max)
        *max = TD_SIM_NO_VALUE;
      return;
    }
  copy = g_memdup2 (array->data, n * sizeof (gint64));
  *p50 = td_metrics_percentile (copy, n, 50);
  *p99 = td_metrics_percentile (copy, n, 99);
  if (max)
    *max = copy[n - 1];   /* sorted by the rank rule */
}

void
td_sim_get_stats (TdSim      *self,
                  TdSimStats *stats)
{
  g_return_if_fail (TD_IS_SIM (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
  stats->online = 0;
  for (guint i = 0; i < self->customers->len; i++)
    {
      Customer *c = g_ptr_array_index (self->customers, i);

      if (c->channel && td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE)
        stats->online++;
    }
  if (self->start_us != 0)
    stats->elapsed_ms = ((self->sending || self->end_us == 0 ? mono_us () : self->end_us) - self->start_us) / 1000;
  percentiles (self->ack_lat, &stats->ack_p50_ms, &stats->ack_p99_ms, &stats->ack_max_ms);
  percentiles (self->echo_lat, &stats->echo_p50_ms, &stats->echo_p99_ms, &stats->echo_max_ms);
  percentiles (self->recv_lat, &stats->recv_p50_ms, &stats->recv_p99_ms, NULL);
}

static gint
compare_seq (gconstpointer a,
             gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Checks one customer; adds to @stats; sets @error for the first problem. */
static void
verify_customer (TdSim       *self,
                 Customer    *c,
                 GHashTable  *counts,   /* random_id → count */
                 TdSimStats  *stats,
                 GError     **error)
{
  guint n = td_store_get_n_lines (c->store);
  g_autoptr(GHashTable) ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GPtrArray) line_ids = g_ptr_array_new ();
  g_autoptr(GHashTable) listed = g_hash_table_new (g_str_hash, g_str_equal);

  /* the store's lines, and the lines this customer wrote on (read from the
   * database even if the store's in-memory mirror has not caught up) */
  for (guint i = 0; i < n; i++)
    {
      const char *id = td_line_get_id (td_store_get_line_at (c->store, i));

      if (g_hash_table_add (listed, (gpointer) id))
        g_ptr_array_add (line_ids, (gpointer) id);
    }
  for (guint i = 0; i < self->order->len; i++)
    {
      Record *r = g_ptr_array_index (self->order, i);

      if (r->customer == c && g_hash_table_add (listed, r->pub.line_id))
        {
          g_debug ("%s: line %s is not (yet) in the store's list", c->uid, r->pub.line_id);
          g_ptr_array_add (line_ids, r->pub.line_id);
        }
    }

  for (guint i = 0; i < line_ids->len; i++)
    {
      const char *line_id = g_ptr_array_index (line_ids, i);
      TdLine *line = td_store_lookup_line (c->store, line_id);
      g_autoptr(GArray) seqs = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_autoptr(TdMessage) before = NULL;
      gboolean more = TRUE;
      gboolean bad = FALSE;

      stats->lines_checked++;
      while (more)
        {
          g_autoptr(GError) local = NULL;
          g_autoptr(GPtrArray) page = td_store_load_messages_sync (c->store, line_id, before, PAGE,
                                                                   &more, &local);
          TdMessage *oldest = NULL;

          if (page == NULL)
            {
              if (error && *error == NULL)
                g_set_error (error, TD_SIM_ERROR, TD_SIM_ERROR_FAILED,
                             "%s: cannot read line %s: %s", c->uid, line_id, local->message);
              return;
            }
          for (guint j = 0; j < page->len; j++)
            {
              TdMessage *m = g_ptr_array_index (page, j);
              gint64 id = td_message_get_id (m);
              const char *rid = td_message_get_random_id (m);

              if (td_message_get_delivery (m) != TD_DELIVERY_STORED)
                continue;   /* outbox rows: counted below */
              if (oldest == NULL)
                oldest = m;
              if (!g_hash_table_add (ids, g_memdup2 (&id, sizeof id)))
                {
                  stats->duplicated++;
                  if (error && *error == NULL)
                    g_set_error (error, TD_SIM_ERROR, TD_SIM_ERROR_DUPLICATE,
                                 "%s: message %" G_GINT64_FORMAT " is stored twice", c->uid, id);
                }
              if (td_message_get_kind (m) != TD_KIND_NOTE)
                {
                  gint64 seq = td_message_get_line_seq (m);

                  g_array_append_val (seqs, seq);
                }
              if (rid != NULL && g_strcmp0 (td_message_get_sender_id (m), c->uid) == 0)
                {
                  Record *r = g_hash_table_lookup (self->records, rid);

                  if (r != NULL && r->customer == c)
                    g_hash_table_insert (counts, r->pub.random_id,
                                         GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, rid)) + 1));
                }
            }
          g_clear_object (&before);
          if (oldest == NULL)
            break;
          before = g_object_ref (oldest);
        }

      /* gapless: consecutive, no repeats, up to last_seq; from 1 when we
       * have the whole line (a fresh customer always does) */
      g_array_sort (seqs, compare_seq);
      for (guint j = 1; j < seqs->len; j++)
        if (g_array_index (seqs, gint64, j) != g_array_index (seqs, gint64, j - 1) + 1)
          bad = TRUE;
      if (seqs->len > 0 && g_array_index (seqs, gint64, 0) != 1 &&
          (line == NULL || td_line_get_created (line) >= self->start_wall_ms - 1000))
        bad = TRUE;
      if (line != NULL &&
          (seqs->len > 0 ? g_array_index (seqs, gint64, seqs->len - 1) : 0) < td_line_get_last_seq (line))
        bad = TRUE;
      if (bad)
        {
          stats->gaps++;
          if (error && *error == NULL)
            g_set_error (error, TD_SIM_ERROR, TD_SIM_ERROR_GAP,
                         "%s: line %s has a gap in line_seq (%u messages, last_seq %" G_GINT64_FORMAT ")",
                         c->uid, line_id, seqs->len, line ? td_line_get_last_seq (line) : -1);
        }
    }
}

gboolean
td_sim_verify (TdSim       *self,
               TdSimStats  *stats_out,
               GError     **error)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) first = NULL;
  TdSimStats stats;

  g_return_val_if_fail (TD_IS_SIM (self), FALSE);

  td_sim_get_stats (self, &stats);
  stats.stored = stats.lost = stats.duplicated = stats.gaps = stats.lines_checked = 0;

  for (guint i = 0; i < self->customers->len; i++)
    td_store_sync (((Customer *) g_ptr_array_index (self->customers, i))->store);

  for (guint i = 0; i < self->customers->len; i++)
    verify_customer (self, g_ptr_array_index (self->customers, i), counts, &stats, &first);

  for (guint i = 0; i < self->order->len; i++)
    {
      Record *r = g_ptr_array_index (self->order, i);
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (counts, r->pub.random_id));

      if (count == 0)
        {
          stats.lost++;
          if (first == NULL)
            {
              TdMessage *row = td_store_outbox_lookup (r->customer->store, r->pub.random_id);

              g_set_error (&first, TD_SIM_ERROR, TD_SIM_ERROR_LOSS,
                           "%s: message %s (%s on %s, %s, acked as id %" G_GINT64_FORMAT ") is not stored",
                           r->pub.customer, r->pub.random_id, r->pub.kind, r->pub.line_id,
                           row == NULL ? "not in the outbox" :
                           td_message_get_delivery (row) == TD_DELIVERY_FAILED ? "failed in the outbox" :
                           "pending in the outbox",
                           r->pub.message_id);
            }
        }
      else
        {
          stats.stored++;
          if (count > 1)
            {
              stats.duplicated++;
              if (first == NULL)
                g_set_error (&first, TD_SIM_ERROR, TD_SIM_ERROR_DUPLICATE,
                             "%s: message %s is stored %u times",
                             r->pub.customer, r->pub.random_id, count);
            }
        }
    }
  stats.verified = TRUE;
  if (stats_out)
    *stats_out = stats;
  if (first != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
td_sim_dup_sent (TdSim *self)
{
  GPtrArray *out;

  g_return_val_if_fail (TD_IS_SIM (self), NULL);

  out = g_ptr_array_new_full (self->order->len, (GDestroyNotify) td_sim_sent_free);
  for (guint i = 0; i < self->order->len; i++)
    {
      Record *r = g_ptr_array_index (self->order, i);
      TdSimSent *s = g_new0 (TdSimSent, 1);

      *s = r->pub;
      s->customer = g_strdup (r->pub.customer);
      s->line_id = g_strdup (r->pub.line_id);
      s->object_id = g_strdup (r->pub.object_id);
      s->merchant = g_strdup (r->pub.merchant);
      s->kind = g_strdup (r->pub.kind);
      s->random_id = g_strdup (r->pub.random_id);
      g_ptr_array_add (out, s);
    }
  return out;
}

TdChannel *
td_sim_get_channel (TdSim *self,
                    guint  index)
{
  g_return_val_if_fail (TD_IS_SIM (self), NULL);

  if (index >= self->customers->len)
    return NULL;
  return ((Customer *) g_ptr_array_index (self->customers, index))->channel;
}

static char *
ms (gint64 v)
{
  return v == TD_SIM_NO_VALUE ? g_strdup ("-") : g_strdup_printf ("%" G_GINT64_FORMAT " ms", v);
}

char *
td_sim_stats_format (const TdSimStats *s)
{
  GString *out = g_string_new (NULL);
  g_autofree char *a50 = ms (s->ack_p50_ms), *a99 = ms (s->ack_p99_ms), *amax = ms (s->ack_max_ms);
  g_autofree char *e50 = ms (s->echo_p50_ms), *e99 = ms (s->echo_p99_ms), *emax = ms (s->echo_max_ms);
  g_autofree char *r50 = ms (s->recv_p50_ms), *r99 = ms (s->recv_p99_ms);
  double secs = s->elapsed_ms / 1000.0;

  g_return_val_if_fail (s != NULL, NULL);

  g_string_append_printf (out, "%-28s %12u\n", "customers", s->customers);
  g_string_append_printf (out, "%-28s %12.1f s\n", "sending time", secs);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "lines opened", s->lines_opened);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "  (%.1f/s, %" G_GUINT64_FORMAT " answers)\n",
                          "sent", s->sent, secs > 0 ? s->sent / secs : 0.0, s->replies);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "acked", s->acked);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "own echo received", s->echoed);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "received from operators", s->received);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "received from travellers", s->received_peer);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "earlier messages (snapshot)", s->backlog);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "typing sent", s->typing);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "read marks sent", s->reads);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "redelivered (harmless)", s->redelivered);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "reconnects", s->reconnects);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "refused (failed)", s->failed);
  g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "errors", s->errors);
  g_string_append_printf (out, "%-28s %12s %12s %12s\n", "latency", "p50", "p99", "max");
  g_string_append_printf (out, "%-28s %12s %12s %12s\n", "  ack - send", a50, a99, amax);
  g_string_append_printf (out, "%-28s %12s %12s %12s\n", "  own echo - send", e50, e99, emax);
  g_string_append_printf (out, "%-28s %12s %12s\n", "  delivery (arrival - ts)", r50, r99);
  if (s->verified)
    {
      g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "lines checked", s->lines_checked);
      g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "stored exactly once", s->stored - s->duplicated);
      g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "LOST", s->lost);
      g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "DUPLICATED", s->duplicated);
      g_string_append_printf (out, "%-28s %12" G_GUINT64_FORMAT "\n", "lines with gaps", s->gaps);
      g_string_append_printf (out, "%s\n", s->lost == 0 && s->duplicated == 0 && s->gaps == 0 ?
                              "result: OK - zero loss, zero duplicates, gapless lines" :
                              "result: FAILED");
    }
  return g_string_free (out, FALSE);
}

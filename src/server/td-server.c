/* td-server.c — tripdesk-server: routes, sessions of both transports, hub
 *
 * One session logic for both transports.  Every packet a session sends
 * becomes an operation in a batch: the batch runs in an idle (once per
 * main-loop turn), executes every operation in one store transaction (each
 * in its own savepoint), commits, and only then sends replies (`ack` …) and
 * fans the new stream events out to every entitled session.
 *
 * WebSocket sessions get events pushed; long-poll sessions read them afresh
 * from the store after the request's cursor, and queue only the cursor-less
 * replies.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server"

#include "config.h"

#include <string.h>
#include <math.h>

#include <libsoup/soup.h>
#include <sodium.h>

#include "tripdesk-common.h"
#include "td-server.h"
#include "td-server-private.h"
#include "td-server-store.h"
#include "td-server-stats.h"
#include "td-ws-deflate.h"

#define POLL_EXPIRY_MS 60000
#define MAX_WS_PAYLOAD TD_WS_DEFLATE_MAX_MESSAGE   /* compressed or not */
#define MAX_POLL_BODY (8 * 1024 * 1024)
#define WS_BACKLOG_PAGE 1000
#define FORBIDDEN_LINE "no such line, or not allowed"
#define HTTP_TOO_MANY_REQUESTS 429
#define ACCEPT_PER_TURN 256

G_DEFINE_QUARK (td-server-error-quark, td_server_error)

typedef struct _Session Session;
typedef struct _PollReq PollReq;

struct _Session
{
  int                      ref_count;
  TdServer                *server;      /* borrowed; NULL once closed */
  gboolean                 is_ws;
  TdSrvUser               *user;
  char                    *token_hash;
  gboolean                 hello_done;
  gboolean                 live;        /* welcome delivered: gets live events */
  gint64                   delivered;   /* WebSocket: highest cursor sent */
  gboolean                 closed;

  /* WebSocket */
  SoupWebsocketConnection *conn;
  gint64                   last_rx;     /* monotonic µs */

  /* long-poll */
  char                    *id;
  GQueue                   replies;     /* char*: cursor-less replies, delivered once */
  GQueue                   snapshot;    /* char*: the cursor-null snapshot, paged */
  gboolean                 snapshot_mode;
  gboolean                 synced_delivered;
  gint64                   synced_cursor;
  GList                   *reqs;        /* PollReq* not yet answered */
  gint64                   last_seen;   /* monotonic µs */
  gboolean                 rl_close;

  /* rate limit */
  double                   tokens;
  gint64                   refill_at;   /* monotonic µs */
  gint64                   rl_first;
  gint64                   rl_last;
};

struct _PollReq
{
  guint              ref_count; /* the session's list, and a queued OP_POLL */
  TdServer          *server;    /* borrowed */
  Session           *session;   /* ref */
  SoupServerMessage *msg;       /* ref */
  gboolean           has_cursor;
  gint64             cursor;
  int                wait_s;
  gboolean           ready;     /* its sends have committed */
  gboolean           done;
  guint              timer;
  gulong             finished_id;
};

typedef enum
{
  OP_PACKET,
  OP_HELLO,
  OP_ERROR,
  OP_DEDUP,
  OP_POLL,
  OP_SNOOZE,
} OpKind;

typedef struct
{
  gint64    cursor;       /* 0: ephemeral (typing) */
  char     *json;
  char     *line_id;
  char     *merchant;
  char     *uid;
  char     *peer;
  gboolean  ops_only;
  Session  *except;       /* compared only */
} Fanout;

typedef struct
{
  OpKind     kind;
  Session   *session;     /* ref; NULL for OP_SNOOZE */
  TdPacket  *packet;
  /* OP_ERROR / OP_DEDUP */
  TdProtocolError err_code;
  char      *err_message;
  char      *err_ref;
  char      *random_id;
  /* OP_HELLO */
  gboolean   has_cursor;
  gint64     cursor;
  gint64     hello_upto;
  /* OP_POLL */
  PollReq   *req;
  GPtrArray *replies;     /* char* */
  GPtrArray *events;      /* Fanout* */
} Op;

struct _TdServer
{
  GObject        parent_instance;

  char          *db_path;
  gboolean       demo;
  int            demo_customers;
  int            heartbeat_s;
  GTimeZone     *tz;
  gboolean       verbose;

  TdServerStore *store;
  SoupServer    *soup;
  guint          port;
  char          *address;
  gboolean       ws_enabled;
  gboolean       shutting_down;

  GHashTable    *sessions;       /* Session* set */
  GHashTable    *poll_sessions;  /* id → Session* */
  /* who is connected, for the fan-out: merchant id → operator sessions,
   * customer uid → customer sessions (each a Session* set, borrowed from
   * `sessions`); kept in step by session_new() and session_close() */
  GHashTable    *by_merchant;
  GHashTable    *by_uid;
  GQueue         ops;
  guint          batch_id;
  GHashTable    *dirty;          /* Session* → answer held polls after the batch */

  guint          reaper_id;
  guint          snooze_id;
  gint64         snooze_at;

  GThreadPool   *hash_pool;
  GPtrArray     *listeners;      /* GSocket*: our own listener, see td_server_listen() */
  GPtrArray     *listen_sources; /* GSource*, one per listener */

  double         adm_burst;
  double         adm_rate;
  double         adm_tokens;
  gint64         adm_at;

  double         rl_burst;
  double         rl_rate;
  gint64         rl_close_us;
  gint64         poll_expiry_us;
};

G_DEFINE_FINAL_TYPE (TdServer, td_server, G_TYPE_OBJECT)

static void schedule_batch (TdServer *self);
static void run_batch      (TdServer *self);
static void poll_req_unref (PollReq *req);
static void poll_try_answer (TdServer *self, PollReq *req, gboolean final);
static void session_close  (TdServer *self, Session *s, gushort code, const char *reason, gboolean abrupt);
static void reschedule_snooze (TdServer *self);
static void stop_listening (TdServer *self);

/* ------------------------------------------------------------------ sessions */

static Session *
session_ref (Session *s)
{
  s->ref_count++;
  return s;
}

static void
session_unref (Session *s)
{
  if (s == NULL || --s->ref_count > 0)
    return;
  g_clear_pointer (&s->user, td_srv_user_unref);
  g_free (s->token_hash);
  g_free (s->id);
  g_queue_clear_full (&s->replies, g_free);
  g_queue_clear_full (&s->snapshot, g_free);
  g_clear_object (&s->conn);
  g_free (s);
}

static void
index_add (GHashTable *index,
           const char *key,
           Session    *s)
{
  GHashTable *set = g_hash_table_lookup (index, key);

  if (set == NULL)
    {
      set = g_hash_table_new (NULL, NULL);
      g_hash_table_insert (index, g_strdup (key), set);
    }
  g_hash_table_add (set, s);
}

static void
index_remove (GHashTable *index,
              const char *key,
              Session    *s)
{
  GHashTable *set = g_hash_table_lookup (index, key);

  if (set != NULL && g_hash_table_remove (set, s) && g_hash_table_size (set) == 0)
    g_hash_table_remove (index, key);
}

/* an operator under each of its merchants, a customer under its uid */
static void
session_index (TdServer *self,
               Session  *s,
               gboolean  add)
{
  if (s->user->role == TD_ROLE_OPERATOR)
    {
      for (guint i = 0; s->user->merchants != NULL && i < s->user->merchants->len; i++)
        {
          TdMerchantRef *ref = g_ptr_array_index (s->user->merchants, i);

          if (add)
            index_add (self->by_merchant, ref->id, s);
          else
            index_remove (self->by_merchant, ref->id, s);
        }
    }
  else if (add)
    index_add (self->by_uid, s->user->id, s);
  else
    index_remove (self->by_uid, s->user->id, s);
}

static Session *
session_new (TdServer   *self,
             gboolean    is_ws,
             TdSrvUser  *user,
             const char *token_hash)
{
  Session *s = g_new0 (Session, 1);

  s->ref_count = 1;
  s->server = self;
  s->is_ws = is_ws;
  s->user = td_srv_user_ref (user);
  s->token_hash = g_strdup (token_hash);
  s->tokens = self->rl_burst;
  s->refill_at = g_get_monotonic_time ();
  s->last_rx = s->last_seen = s->refill_at;
  g_queue_init (&s->replies);
  g_queue_init (&s->snapshot);
  g_hash_table_add (self->sessions, s);   /* owns the first ref */
  session_index (self, s, TRUE);
  return s;
}

static void
fanout_free (Fanout *f)
{
  g_free (f->json);
  g_free (f->line_id);
  g_free (f->merchant);
  g_free (f->uid);
  g_free (f->peer);
  g_free (f);
}

static void
op_free (Op *op)
{
  g_clear_pointer (&op->session, session_unref);
  g_clear_pointer (&op->packet, td_packet_unref);
  g_clear_pointer (&op->req, poll_req_unref);
  g_free (op->err_message);
  g_free (op->err_ref);
  g_free (op->random_id);
  g_ptr_array_unref (op->replies);
  g_ptr_array_unref (op->events);
  g_free (op);
}

static Op *
op_new (OpKind   kind,
        Session *s)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->session = s ? session_ref (s) : NULL;
  op->replies = g_ptr_array_new_with_free_func (g_free);
  op->events = g_ptr_array_new_with_free_func ((GDestroyNotify) fanout_free);
  return op;
}

static void
enqueue (TdServer *self,
         Op       *op)
{
  g_queue_push_tail (&self->ops, op);
  schedule_batch (self);
}

static void
enqueue_error (TdServer        *self,
               Session         *s,
               TdProtocolError  code,
               const char      *message,
               const char      *ref)
{
  Op *op = op_new (OP_ERROR, s);

  op->err_code = code;
  op->err_message = g_strdup (message);
  op->err_ref = g_strdup (ref);
  enqueue (self, op);
}

static char *
encode (TdPacket *packet)
{
  return td_packet_to_json (packet, NULL);
}

static char *
encode_error (TdProtocolError  code,
              const char      *message,
              const char      *ref)
{
  g_autoptr(TdPacket) p = td_packet_new_error (code, message, ref);
  return encode (p);
}

static gboolean
entitled (TdSrvUser     *user,
          const Fanout  *f)
{
  if (user->role == TD_ROLE_OPERATOR)
    return f->merchant != NULL && td_srv_user_has_merchant (user, f->merchant);
  if (f->ops_only)
    return FALSE;
  return g_strcmp0 (f->uid, user->id) == 0 || g_strcmp0 (f->peer, user->id) == 0;
}

static gboolean
may_see_line (TdSrvUser *user,
              TdLine    *line)
{
  if (line == NULL)
    return FALSE;
  if (user->role == TD_ROLE_OPERATOR)
    return td_line_get_busi (line) != TD_BUSI_CHAT &&
           td_srv_user_has_merchant (user, td_line_get_merchant (line));
  if (g_strcmp0 (td_line_get_uid (line), user->id) == 0)
    return TRUE;
  return td_line_get_busi (line) == TD_BUSI_CHAT &&
         g_strcmp0 (td_line_get_object_id (line), user->id) == 0;
}

static void
ws_send (Session    *s,
         const char *json)
{
  if (s->conn != NULL &&
      soup_websocket_connection_get_state (s->conn) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (s->conn, json);
}

static void
mark_dirty (TdServer *self,
            Session  *s)
{
  if (s->reqs != NULL)
    g_hash_table_add (self->dirty, s);
}

/* a cursor-less reply (owned json) to one session */
static void
session_push (TdServer *self,
              Session  *s,
              char     *json)
{
  if (s->closed)
    {
      g_free (json);
      return;
    }
  if (s->is_ws)
    {
      ws_send (s, json);
      g_free (json);
    }
  else
    {
      g_queue_push_tail (&s->replies, json);
      mark_dirty (self, s);
    }
}

/* the candidates in @set (NULL: none) that are entitled to @f, ref'd:
 * sending may close a session, which changes the index */
static void
collect (GPtrArray    *out,
         GHashTable   *set,
         const Fanout *f)
{
  GHashTableIter iter;
  gpointer key;

  if (set == NULL)
    return;
  g_hash_table_iter_init (&iter, set);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;

      if (!s->closed && s->live && s != f->except && entitled (s->user, f))
        g_ptr_array_add (out, session_ref (s));
    }
}

/* O(recipients): the operators of the line's merchant (none for chat), the
 * customer and a chat's peer (none for an operators-only event) */
static void
fanout (TdServer     *self,
        const Fanout *f)
{
  g_autoptr(GPtrArray) to = g_ptr_array_new_with_free_func ((GDestroyNotify) session_unref);

  if (f->merchant != NULL)
    collect (to, g_hash_table_lookup (self->by_merchant, f->merchant), f);
  if (!f->ops_only && f->uid != NULL)
    collect (to, g_hash_table_lookup (self->by_uid, f->uid), f);
  if (!f->ops_only && f->peer != NULL && g_strcmp0 (f->peer, f->uid) != 0)
    collect (to, g_hash_table_lookup (self->by_uid, f->peer), f);

  for (guint i = 0; i < to->len; i++)
    {
      Session *s = g_ptr_array_index (to, i);

      if (s->closed)
        continue;
      if (s->is_ws)
        {
          if (f->cursor > 0)
            {
              if (f->cursor <= s->delivered)
                continue;
              s->delivered = f->cursor;
            }
          ws_send (s, f->json);
        }
      else if (f->cursor == 0)
        {
          g_queue_push_tail (&s->replies, g_strdup (f->json));
          mark_dirty (self, s);
        }
      else
        mark_dirty (self, s);
    }
}

/* ------------------------------------------------------------------ rate limit */

/* A token bucket (the per-session rate limit, admission control): refills
 * at @rate a second up to @burst, then takes one token if there is one. */
static gboolean
bucket_take (double *tokens,
             gint64 *refilled_at,
             double  burst,
             double  rate,
             gint64  now)
{
  *tokens = MIN (burst, *tokens + (now - *refilled_at) / 1e6 * rate);
  *refilled_at = now;
  if (*tokens < 1.0)
    return FALSE;
  *tokens -= 1.0;
  return TRUE;
}

/* TRUE if the packet may run */
static gboolean
rate_take (TdServer *self,
           Session  *s)
{
  gint64 now = g_get_monotonic_time ();

  if (bucket_take (&s->tokens, &s->refill_at, self->rl_burst, self->rl_rate, now))
    return TRUE;

  if (s->rl_last == 0 || now - s->rl_last > G_USEC_PER_SEC)
    s->rl_first = now;
  s->rl_last = now;
  if (now - s->rl_first >= self->rl_close_us)
    s->rl_close = TRUE;
  return FALSE;
}

/* ------------------------------------------------------------------ receiving */

static void
try_dedup_invalid (TdServer        *self,
                   Session         *s,
                   const char      *data,
                   gsize            len,
                   JsonObject      *object,
                   const GError    *error,
                   const char      *ref)
{
  g_autoptr(JsonObject) parsed = NULL;
  const char *type, *random_id;
  Op *op;

  if (error->code == TD_PROTOCOL_ERROR_BAD_PACKET || error->code == TD_PROTOCOL_ERROR_TOO_LARGE)
    {
      if (object == NULL && data != NULL && len <= TD_MAX_SERVER_PACKET)
        object = parsed = td_json_parse_object (data, len, NULL);
      if (object != NULL &&
          json_object_has_member (object, "type") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "type")) &&
          (type = json_object_get_string_member_with_default (object, "type", NULL)) != NULL &&
          strcmp (type, "send") == 0 &&
          json_object_has_member (object, "random_id") &&
          JSON_NODE_HOLDS_VALUE (json_object_get_member (object, "random_id")) &&
          json_node_get_value_type (json_object_get_member (object, "random_id")) == G_TYPE_STRING &&
          (random_id = json_object_get_string_member (object, "random_id")) != NULL &&
          td_random_id_is_valid (random_id))
        {
          op = op_new (OP_DEDUP, s);
          op->err_code = error->code;
          op->err_message = g_strdup (error->message);
          op->err_ref = g_strdup (ref);
          op->random_id = g_strdup (random_id);
          enqueue (self, op);
          return;
        }
    }
  enqueue_error (self, s, error->domain == TD_PROTOCOL_ERROR ? error->code : TD_PROTOCOL_ERROR_BAD_PACKET,
                 error->message, ref);
}

/* One packet from a session (WebSocket frame, or one element of a poll's send). */
static void
session_receive (TdServer   *self,
                 Session    *s,
                 const char *data,
                 gsize       len,
                 JsonObject *object)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(TdPacket) packet = NULL;
  Op *op;

  if (data != NULL && len > TD_MAX_SERVER_PACKET)
    {
      /* not even parsed: no ref */
      if (!rate_take (self, s))
        enqueue_error (self, s, TD_PROTOCOL_ERROR_RATE_LIMITED, "rate limited", NULL);
      else
        enqueue_error (self, s, TD_PROTOCOL_ERROR_TOO_LARGE, "packet larger than 64 KiB", NULL);
      return;
    }

  if (object != NULL)
    packet = td_packet_parse_object (object, TD_FROM_CLIENT, &ref, &error);
  else
    packet = td_packet_parse (data, len, TD_FROM_CLIENT, &ref, &error);

  if (!rate_take (self, s))
    {
      enqueue_error (self, s, TD_PROTOCOL_ERROR_RATE_LIMITED,
                     "rate limited: at most 20 packets/s (bursts of 100)", ref);
      return;
    }

  if (packet == NULL)
    {
      g_debug ("session %p: bad packet: %s", s, error->message);
      try_dedup_invalid (self, s, data, len, object, error, ref);
      return;
    }

  if (packet->type == TD_PACKET_HELLO)
    {
      if (s->hello_done)
        {
          enqueue_error (self, s, TD_PROTOCOL_ERROR_CONFLICT, "hello already received", packet->req);
          return;
        }
      s->hello_done = TRUE;
      op = op_new (OP_HELLO, s);
      op->has_cursor = packet->has_cursor;
      op->cursor = packet->cursor;
      op->packet = g_steal_pointer (&packet);
      enqueue (self, op);
      return;
    }

  if (!s->hello_done)
    {
      enqueue_error (self, s, TD_PROTOCOL_ERROR_BAD_PACKET, "hello must come first",
                     packet->req ? packet->req : packet->random_id);
      return;
    }

  op = op_new (OP_PACKET, s);
  op->packet = g_steal_pointer (&packet);
  enqueue (self, op);
}

/* ------------------------------------------------------------------ executing */

static void
reply (Op       *op,
       TdPacket *packet)
{
  if (op->packet != NULL && op->packet->req != NULL && packet->req == NULL)
    packet->req = g_strdup (op->packet->req);
  g_ptr_array_add (op->replies, encode (packet));
}

static Fanout *
fanout_for_line (TdLine   *line,
                 gint64    cursor,
                 char     *json,
                 gboolean  ops_only)
{
  Fanout *f = g_new0 (Fanout, 1);

  f->cursor = cursor;
  f->json = json;
  f->line_id = g_strdup (td_line_get_id (line));
  f->merchant = g_strdup (td_line_get_merchant (line));
  f->uid = g_strdup (td_line_get_uid (line));
  if (td_line_get_busi (line) == TD_BUSI_CHAT)
    f->peer = g_strdup (td_line_get_object_id (line));
  f->ops_only = ops_only;
  return f;
}

static void
route_for_line (TdLine   *line,
                gboolean  ops_only,
                TdRoute  *route)
{
  route->line_id = td_line_get_id (line);
  route->merchant = td_line_get_merchant (line);
  route->uid = td_line_get_uid (line);
  route->peer = td_line_get_busi (line) == TD_BUSI_CHAT ? td_line_get_object_id (line) : NULL;
  route->ops_only = ops_only;
}

static gboolean
store_failed (GError **error,
              GError  *local)
{
  g_debug ("store: %s", local ? local->message : "failed");
  g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_INTERNAL,
                       "internal error; please retry");
  g_clear_error (&local);
  return FALSE;
}

/* a line event: stored, then fanned out after commit */
static gboolean
emit_line_event (TdServer  *self,
                 Op        *op,
                 TdLine    *line,
                 GError   **error)
{
  g_autoptr(JsonObject) obj = td_line_to_json (line);
  g_autofree char *payload = td_json_object_to_string (obj, NULL);
  g_autoptr(TdPacket) p = NULL;
  GError *local = NULL;
  TdRoute route;
  gint64 cursor;

  route_for_line (line, FALSE, &route);
  cursor = self->store->vt->add_event (self->store, TD_EVENT_LINE, &route, 0, NULL, payload, &local);
  if (cursor <= 0)
    return store_failed (error, local);
  p = td_packet_new_line (TRUE, cursor, line);
  g_ptr_array_add (op->events, fanout_for_line (line, cursor, encode (p), FALSE));
  return TRUE;
}

static TdLine *
visible_line (TdServer    *self,
              Session     *s,
              const char  *line_id,
              GError     **error)
{
  TdLine *line = line_id ? self->store->vt->get_line (self->store, line_id) : NULL;

  if (!may_see_line (s->user, line))
    {
      g_clear_object (&line);
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, FORBIDDEN_LINE);
      return NULL;
    }
  return line;
}

static gboolean
exec_hello (TdServer  *self,
            Op        *op,
            GError   **error)
{
  Session *s = op->session;
  g_autoptr(TdPacket) w = td_packet_new (TD_PACKET_WELCOME);
  gint64 max = self->store->vt->max_cursor (self->store);
  gint64 now = td_now_ms ();
  gboolean snapshot = !op->has_cursor || op->cursor > max;

  w->me_id = g_strdup (s->user->id);
  w->me_role = g_strdup (td_role_to_string (s->user->role));
  w->me_name = g_strdup (s->user->name);
  if (w->merchants == NULL)
    w->merchants = g_ptr_array_new ();
  for (guint i = 0; i < s->user->merchants->len; i++)
    {
      TdMerchantRef *src = g_ptr_array_index (s->user->merchants, i);
      TdMerchantRef *ref = g_new0 (TdMerchantRef, 1);
      ref->id = g_strdup (src->id);
      ref->name = g_strdup (src->name);
      g_ptr_array_add (w->merchants, ref);
    }
  w->has_cursor = TRUE;
  w->cursor = max;
  w->server_time = now;
  w->heartbeat_s = self->heartbeat_s;
  w->session = g_strdup (s->id);
  reply (op, w);

  op->hello_upto = max;
  if (s->is_ws)
    {
      if (snapshot)
        {
          g_autoptr(GPtrArray) evs = self->store->vt->snapshot (self->store, s->user, max,
                                                                now - (gint64) TD_SNAPSHOT_RESOLVED_DAYS * 86400 * 1000,
                                                                TD_SNAPSHOT_MESSAGES);
          for (guint i = 0; i < evs->len; i++)
            {
              TdStoredEvent *ev = g_ptr_array_index (evs, i);
              g_ptr_array_add (op->replies, g_steal_pointer (&ev->json));
            }
        }
      else
        {
          gint64 after = op->cursor;
          for (;;)
            {
              g_autoptr(GPtrArray) evs = self->store->vt->events_after (self->store, s->user, after, WS_BACKLOG_PAGE);
              if (evs == NULL)
                {
                  g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_INTERNAL, "internal error");
                  return FALSE;
                }
              for (guint i = 0; i < evs->len; i++)
                {
                  TdStoredEvent *ev = g_ptr_array_index (evs, i);
                  if (ev->cursor > max)
                    break;
                  after = ev->cursor;
                  g_ptr_array_add (op->replies, g_steal_pointer (&ev->json));
                }
              if (evs->len < WS_BACKLOG_PAGE)
                break;
            }
        }
      {
        g_autoptr(TdPacket) synced = td_packet_new_synced (max);
        g_ptr_array_add (op->replies, encode (synced));
      }
    }
  else
    {
      s->synced_cursor = max;
      s->snapshot_mode = snapshot;
      if (snapshot)
        {
          g_autoptr(GPtrArray) evs = self->store->vt->snapshot (self->store, s->user, max,
                                                                now - (gint64) TD_SNAPSHOT_RESOLVED_DAYS * 86400 * 1000,
                                                                TD_SNAPSHOT_MESSAGES);
          for (guint i = 0; i < evs->len; i++)
            {
              TdStoredEvent *ev = g_ptr_array_index (evs, i);
              g_queue_push_tail (&s->snapshot, g_steal_pointer (&ev->json));
            }
        }
    }
  return TRUE;
}

static gboolean
exec_send (TdServer  *self,
           Op        *op,
           GError   **error)
{
  Session *s = op->session;
  TdPacket *pk = op->packet;
  TdServerStore *store = self->store;
  g_autoptr(TdMessage) orig = NULL;
  g_autoptr(TdMessage) msg = NULL;
  g_autoptr(TdLine) line = NULL;
  g_autoptr(TdPacket) ack = NULL;
  g_autoptr(TdPacket) event = NULL;
  GError *local = NULL;
  TdKind kind;
  gboolean note, line_changed = FALSE;
  gint64 now, id, cursor;
  TdRoute route;

  /* de-duplication first: a repeat gets the original, whatever it says now */
  orig = store->vt->find_message (store, s->user->id, pk->random_id);
  if (orig != NULL)
    {
      ack = td_packet_new_ack (pk->random_id, orig, TRUE);
      reply (op, ack);
      return TRUE;
    }

  line = visible_line (self, s, pk->line_id, error);
  if (line == NULL)
    return FALSE;

  kind = td_kind_from_string (pk->kind);
  if (kind == TD_KIND_UNKNOWN)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "unknown kind");
      return FALSE;
    }
  if (kind == TD_KIND_SYSTEM)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, "system messages are server-made");
      return FALSE;
    }
  note = kind == TD_KIND_NOTE;
  if (note && s->user->role != TD_ROLE_OPERATOR)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, "notes are for operators");
      return FALSE;
    }

  now = td_now_ms ();
  msg = td_message_new (0, td_line_get_id (line),
                        note ? 0 : td_line_get_last_seq (line) + 1,
                        s->user->id, s->user->role, s->user->name,
                        pk->kind, pk->body, now, pk->random_id);
  id = store->vt->insert_message (store, msg, &local);
  if (id <= 0)
    return store_failed (error, local);

  route_for_line (line, note, &route);
  cursor = store->vt->add_event (store, TD_EVENT_MSG, &route, id, NULL, NULL, &local);
  if (cursor <= 0)
    return store_failed (error, local);

  if (!note)
    {
      td_line_set_last_seq (line, td_message_get_line_seq (msg));
      td_line_set_updated (line, now);
      if (s->user->role == TD_ROLE_CUSTOMER && td_line_get_state (line) != TD_LINE_STATE_OPEN)
        {
          td_line_set_state (line, TD_LINE_STATE_OPEN);
          td_line_set_snooze_until (line, 0);
          line_changed = TRUE;
        }
      if (!store->vt->update_line (store, line, &local))
        return store_failed (error, local);
    }

  ack = td_packet_new_ack (pk->random_id, msg, FALSE);
  reply (op, ack);
  event = td_packet_new_msg (cursor, msg);
  g_ptr_array_add (op->events, fanout_for_line (line, cursor, encode (event), note));

  if (line_changed && !emit_line_event (self, op, line, error))
    return FALSE;
  return TRUE;
}

static char *
new_line_id (void)
{
  guint8 buf[9];

  randombytes_buf (buf, sizeof buf);
  return g_strdup_printf ("ml_%02x%02x%02x%02x%02x%02x%02x%02x%02x",
                          buf[0], buf[1], buf[2], buf[3], buf[4], buf[5], buf[6], buf[7], buf[8]);
}

static gboolean
exec_open (TdServer  *self,
           Op        *op,
           GError   **error)
{
  Session *s = op->session;
  TdPacket *pk = op->packet;
  TdServerStore *store = self->store;
  g_autoptr(TdLine) line = NULL;
  g_autoptr(TdSrvUser) customer = NULL;
  g_autofree char *merchant = NULL;
  g_autofree char *merchant_name = NULL;
  g_autofree char *title = NULL;
  g_autofree char *id = NULL;
  g_autoptr(TdPacket) answer = NULL;
  const char *uid, *object_id = pk->object_id;
  GError *local = NULL;
  TdBusi busi;
  gint64 now;

  if (!td_busi_from_string (pk->busi, &busi) || object_id == NULL)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "bad busi or object_id");
      return FALSE;
    }

  if (s->user->role == TD_ROLE_OPERATOR)
    {
      if (busi == TD_BUSI_CHAT)
        {
          g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, FORBIDDEN_LINE);
          return FALSE;
        }
      if (pk->uid == NULL)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "open by an operator needs uid");
          return FALSE;
        }
      merchant = td_object_id_dup_merchant (object_id);
      if (merchant == NULL)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "malformed object_id");
          return FALSE;
        }
      merchant_name = store->vt->get_merchant_name (store, merchant);
      if (merchant_name == NULL)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_NOT_FOUND, "unknown merchant");
          return FALSE;
        }
      if (!td_srv_user_has_merchant (s->user, merchant))
        {
          g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, FORBIDDEN_LINE);
          return FALSE;
        }
      customer = store->vt->get_user (store, pk->uid);
      if (customer == NULL || customer->role != TD_ROLE_CUSTOMER)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_NOT_FOUND, "unknown customer");
          return FALSE;
        }
      uid = customer->id;
    }
  else
    {
      if (busi == TD_BUSI_CHAT)
        {
          const char *first, *second;

          if (g_strcmp0 (object_id, s->user->id) == 0)
            {
              g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "a chat with oneself");
              return FALSE;
            }
          customer = store->vt->get_user (store, object_id);
          if (customer == NULL || customer->role != TD_ROLE_CUSTOMER)
            {
              g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_NOT_FOUND, "unknown customer");
              return FALSE;
            }
          /* the pair is stored once, the smaller uid first */
          td_chat_pair_order (s->user->id, customer->id, &first, &second);
          uid = first;
          object_id = second;
        }
      else
        {
          merchant = td_object_id_dup_merchant (object_id);
          if (merchant == NULL)
            {
              g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "malformed object_id");
              return FALSE;
            }
          merchant_name = store->vt->get_merchant_name (store, merchant);
          if (merchant_name == NULL)
            {
              g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_NOT_FOUND, "unknown merchant");
              return FALSE;
            }
          customer = td_srv_user_ref (s->user);
          uid = s->user->id;
        }
    }

  line = store->vt->find_line (store, uid, object_id, busi);
  if (line != NULL)
    {
      answer = td_packet_new_line (FALSE, 0, line);
      reply (op, answer);
      return TRUE;
    }

  if (s->user->role == TD_ROLE_OPERATOR && busi != TD_BUSI_NOTICE)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, FORBIDDEN_LINE);
      return FALSE;
    }

  now = td_now_ms ();
  id = new_line_id ();
  line = td_line_new (id, uid, object_id, busi);
  if (busi == TD_BUSI_CHAT)
    {
      g_autoptr(TdSrvUser) a = store->vt->get_user (store, uid);
      g_autoptr(TdSrvUser) b = store->vt->get_user (store, object_id);
      title = g_strdup_printf ("%s & %s", a ? a->name : uid, b ? b->name : object_id);
      td_line_set_customer_name (line, a ? a->name : uid);
    }
  else
    {
      const char *rest = strchr (object_id, '/');
      title = rest ? g_strdup_printf ("%s · %s", merchant_name, rest + 1) : g_strdup (merchant_name);
      td_line_set_merchant (line, merchant);
      td_line_set_customer_name (line, customer ? customer->name : uid);
    }
  td_line_set_title (line, title);
  td_line_set_state (line, TD_LINE_STATE_OPEN);
  td_line_set_created (line, now);
  td_line_set_updated (line, now);
  if (!store->vt->insert_line (store, line, &local))
    return store_failed (error, local);
  if (!emit_line_event (self, op, line, error))
    return FALSE;
  answer = td_packet_new_line (FALSE, 0, line);
  reply (op, answer);
  return TRUE;
}

static gboolean
exec_read (TdServer  *self,
           Op        *op,
           GError   **error)
{
  Session *s = op->session;
  TdServerStore *store = self->store;
  g_autoptr(TdLine) line = visible_line (self, s, op->packet->line_id, error);
  g_autofree char *payload = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonBuilder) b = NULL;
  g_autoptr(JsonNode) node = NULL;
  GError *local = NULL;
  gint64 upto, current, cursor;
  TdRoute route;

  if (line == NULL)
    return FALSE;
  upto = MIN (op->packet->upto, td_line_get_last_seq (line));
  current = store->vt->get_read (store, td_line_get_id (line), s->user->id);
  if (upto <= current)
    return TRUE;   /* moves nothing: sends nothing */

  b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "line");
  json_builder_add_string_value (b, td_line_get_id (line));
  json_builder_set_member_name (b, "reader");
  json_builder_add_string_value (b, s->user->id);
  json_builder_set_member_name (b, "upto");
  json_builder_add_int_value (b, upto);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  json = td_json_node_to_string (node, NULL);
  /* strip the braces: the store keeps the members only */
  payload = g_strndup (json + 1, strlen (json) - 2);

  route_for_line (line, FALSE, &route);
  cursor = store->vt->add_event (store, TD_EVENT_READ, &route, 0, s->user->id, payload, &local);
  if (cursor <= 0)
    return store_failed (error, local);
  if (!store->vt->set_read (store, td_line_get_id (line), s->user->id, upto, cursor, &local))
    return store_failed (error, local);

  g_ptr_array_add (op->events,
                   fanout_for_line (line, cursor,
                                    g_strdup_printf ("{\"v\":1,\"type\":\"read\",\"cursor\":%" G_GINT64_FORMAT ",%s}",
                                                     cursor, payload),
                                    FALSE));
  return TRUE;
}

static gboolean
exec_typing (TdServer  *self,
             Op        *op,
             GError   **error)
{
  Session *s = op->session;
  g_autoptr(TdLine) line = visible_line (self, s, op->packet->line_id, error);
  g_autoptr(TdPacket) p = NULL;
  Fanout *f;

  if (line == NULL)
    return FALSE;
  if (op->packet->note && s->user->role != TD_ROLE_OPERATOR)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, "notes are for operators");
      return FALSE;
    }
  p = td_packet_new (TD_PACKET_TYPING);
  p->line_id = g_strdup (td_line_get_id (line));
  p->who = g_strdup (s->user->id);
  p->name = g_strdup (s->user->name);
  p->note = op->packet->note;
  f = fanout_for_line (line, 0, encode (p), op->packet->note);
  f->except = s;
  g_ptr_array_add (op->events, f);
  return TRUE;
}

static gboolean
exec_state (TdServer  *self,
            Op        *op,
            GError   **error)
{
  Session *s = op->session;
  TdPacket *pk = op->packet;
  TdServerStore *store = self->store;
  g_autoptr(TdLine) line = visible_line (self, s, pk->line_id, error);
  GError *local = NULL;
  TdLineState state;

  if (line == NULL)
    return FALSE;
  if (s->user->role != TD_ROLE_OPERATOR)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN, "state is for operators");
      return FALSE;
    }
  if (!td_line_state_from_string (pk->state, &state))
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "bad state");
      return FALSE;
    }
  if (pk->has_snooze_until && state != TD_LINE_STATE_SNOOZED)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "snooze_until needs state snoozed");
      return FALSE;
    }
  if (pk->has_assignee && pk->assignee != NULL)
    {
      g_autoptr(TdSrvUser) a = store->vt->get_user (store, pk->assignee);
      if (a == NULL || !td_srv_user_has_merchant (a, td_line_get_merchant (line)))
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                       "assignee is not an operator of the line's merchant");
          return FALSE;
        }
    }

  td_line_set_state (line, state);
  td_line_set_snooze_until (line, state == TD_LINE_STATE_SNOOZED && pk->has_snooze_until ? pk->snooze_until : 0);
  if (pk->has_assignee)
    td_line_set_assignee (line, pk->assignee);
  if (!store->vt->update_line (store, line, &local))
    return store_failed (error, local);
  return emit_line_event (self, op, line, error);
}

static gboolean
exec_history (TdServer  *self,
              Op        *op,
              GError   **error)
{
  Session *s = op->session;
  TdPacket *pk = op->packet;
  g_autoptr(TdLine) line = visible_line (self, s, pk->line_id, error);
  g_autoptr(GPtrArray) msgs = NULL;
  g_autoptr(TdPacket) p = NULL;
  gboolean more = FALSE;
  int limit = pk->limit > 0 ? MIN (pk->limit, TD_HISTORY_MAX_LIMIT) : TD_HISTORY_DEFAULT_LIMIT;

  if (line == NULL)
    return FALSE;
  msgs = self->store->vt->history (self->store, td_line_get_id (line), pk->before, limit,
                                   s->user->role == TD_ROLE_OPERATOR, &more);
  p = td_packet_new (TD_PACKET_HISTORY);
  p->req = g_strdup (pk->req);
  p->line_id = g_strdup (td_line_get_id (line));
  if (p->messages != NULL)
    g_ptr_array_unref (p->messages);
  p->messages = g_steal_pointer (&msgs);
  p->more = more;
  for (;;)
    {
      g_autofree char *json = encode (p);
      if (strlen (json) <= TD_MAX_SERVER_PACKET || p->messages->len == 0)
        {
          g_ptr_array_add (op->replies, g_steal_pointer (&json));
          break;
        }
      /* trim the oldest quarter until it fits */
      g_ptr_array_remove_range (p->messages, 0, MAX (1, p->messages->len / 4));
      p->more = TRUE;
    }
  return TRUE;
}

static gboolean
exec_packet (TdServer  *self,
             Op        *op,
             GError   **error)
{
  switch (op->packet->type)
    {
    case TD_PACKET_SEND:
      return exec_send (self, op, error);
    case TD_PACKET_OPEN:
      return exec_open (self, op, error);
    case TD_PACKET_READ:
      return exec_read (self, op, error);
    case TD_PACKET_TYPING:
      return exec_typing (self, op, error);
    case TD_PACKET_STATE:
      return exec_state (self, op, error);
    case TD_PACKET_HISTORY:
      return exec_history (self, op, error);
    case TD_PACKET_PING:
      {
        g_autoptr(TdPacket) p = td_packet_new (TD_PACKET_PONG);
        p->server_time = td_now_ms ();
        reply (op, p);
        return TRUE;
      }
    default:
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET, "not a client packet");
      return FALSE;
    }
}

static gboolean
exec_snoozes (TdServer  *self,
              Op        *op,
              GError   **error)
{
  g_autoptr(GPtrArray) due = self->store->vt->due_snoozes (self->store, td_now_ms ());
  GError *local = NULL;

  for (guint i = 0; i < due->len; i++)
    {
      TdLine *line = g_ptr_array_index (due, i);

      td_line_set_state (line, TD_LINE_STATE_OPEN);
      td_line_set_snooze_until (line, 0);
      if (!self->store->vt->update_line (self->store, line, &local))
        return store_failed (error, local);
      if (!emit_line_event (self, op, line, error))
        return FALSE;
    }
  return TRUE;
}

static void
exec_op (TdServer *self,
         Op       *op,
         gboolean  in_tx)
{
  g_autoptr(GError) error = NULL;
  GError *local = NULL;
  gboolean ok = TRUE;

  if (op->kind == OP_ERROR || op->kind == OP_POLL)
    return;
  if (op->session != NULL && op->session->closed)
    return;

  if (!in_tx || !self->store->vt->savepoint (self->store, &local))
    {
      store_failed (&error, local);
      ok = FALSE;
    }
  else
    {
      switch (op->kind)
        {
        case OP_HELLO:
          ok = exec_hello (self, op, &error);
          break;
        case OP_PACKET:
          ok = exec_packet (self, op, &error);
          break;
        case OP_DEDUP:
          {
            g_autoptr(TdMessage) orig = self->store->vt->find_message (self->store, op->session->user->id,
                                                                        op->random_id);
            if (orig != NULL)
              {
                g_autoptr(TdPacket) ack = td_packet_new_ack (op->random_id, orig, TRUE);
                g_ptr_array_add (op->replies, encode (ack));
              }
            else
              {
                g_set_error_literal (&error, TD_PROTOCOL_ERROR, op->err_code, op->err_message);
                ok = FALSE;
              }
          }
          break;
        case OP_SNOOZE:
          ok = exec_snoozes (self, op, &error);
          break;
        default:
          break;
        }
      if (ok)
        self->store->vt->release (self->store);
      else
        self->store->vt->rollback_to (self->store);
    }

  if (!ok)
    {
      const char *ref = op->err_ref;
      if (op->packet != NULL)
        ref = op->packet->req ? op->packet->req : op->packet->random_id;
      g_ptr_array_set_size (op->replies, 0);
      g_ptr_array_set_size (op->events, 0);
      if (op->session != NULL)
        g_ptr_array_add (op->replies, encode_error (error->code, error->message, ref));
      if (op->kind == OP_HELLO && op->session != NULL)
        op->session->hello_done = FALSE;
    }
}

/* ------------------------------------------------------------------ the batch */

static gboolean
batch_cb (gpointer data)
{
  TdServer *self = data;

  self->batch_id = 0;
  run_batch (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_batch (TdServer *self)
{
  if (self->batch_id == 0)
    self->batch_id = g_idle_add_full (G_PRIORITY_DEFAULT, batch_cb, self, NULL);
}

static void
deliver_hello (TdServer *self,
               Op       *op)
{
  Session *s = op->session;

  for (guint i = 0; i < op->replies->len; i++)
    {
      if (s->is_ws)
        ws_send (s, g_ptr_array_index (op->replies, i));
      else
        g_queue_push_tail (&s->replies, g_strdup (g_ptr_array_index (op->replies, i)));
    }
  if (s->hello_done)
    {
      s->live = TRUE;
      s->delivered = op->hello_upto;
    }
}

static void
run_batch (TdServer *self)
{
  g_autoptr(GPtrArray) ops = g_ptr_array_new_with_free_func ((GDestroyNotify) op_free);
  g_autoptr(GPtrArray) polls = g_ptr_array_new_with_free_func ((GDestroyNotify) poll_req_unref);
  GError *local = NULL;
  gboolean in_tx;
  gboolean needs_tx = FALSE;
  GHashTableIter iter;
  gpointer key;

  if (self->batch_id != 0)
    {
      g_source_remove (self->batch_id);
      self->batch_id = 0;
    }

  while (!g_queue_is_empty (&self->ops))
    {
      Op *op = g_queue_pop_head (&self->ops);
      if (op->kind != OP_ERROR && op->kind != OP_POLL)
        needs_tx = TRUE;
      g_ptr_array_add (ops, op);
    }
  if (ops->len == 0)
    return;

  in_tx = !needs_tx || self->store->vt->begin (self->store, &local);
  if (!in_tx)
    {
      g_debug ("begin failed: %s", local->message);
      g_clear_error (&local);
    }

  for (guint i = 0; i < ops->len; i++)
    exec_op (self, g_ptr_array_index (ops, i), in_tx && needs_tx);

  if (needs_tx && in_tx && !self->store->vt->commit (self->store, &local))
    {
      g_debug ("commit failed: %s", local->message);
      g_clear_error (&local);
      self->store->vt->rollback (self->store);
      for (guint i = 0; i < ops->len; i++)
        {
          Op *op = g_ptr_array_index (ops, i);
          if (op->kind == OP_ERROR || op->kind == OP_POLL || op->session == NULL)
            continue;
          g_ptr_array_set_size (op->replies, 0);
          g_ptr_array_set_size (op->events, 0);
          g_ptr_array_add (op->replies, encode_error (TD_PROTOCOL_ERROR_INTERNAL, "internal error; please retry",
                                                      op->packet ? (op->packet->req ? op->packet->req : op->packet->random_id)
                                                      : op->err_ref));
          if (op->kind == OP_HELLO)
            op->session->hello_done = FALSE;
        }
    }

  /* committed: replies, then the fan-out, in order */
  for (guint i = 0; i < ops->len; i++)
    {
      Op *op = g_ptr_array_index (ops, i);

      switch (op->kind)
        {
        case OP_ERROR:
          session_push (self, op->session, encode_error (op->err_code, op->err_message, op->err_ref));
          break;
        case OP_POLL:
          g_ptr_array_add (polls, op->req);
          op->req = NULL;
          break;
        case OP_HELLO:
          if (!op->session->closed)
            deliver_hello (self, op);
          break;
        default:
          if (op->session != NULL)
            for (guint j = 0; j < op->replies->len; j++)
              session_push (self, op->session, g_strdup (g_ptr_array_index (op->replies, j)));
          break;
        }
      for (guint j = 0; j < op->events->len; j++)
        fanout (self, g_ptr_array_index (op->events, j));
    }

  for (guint i = 0; i < polls->len; i++)
    {
      PollReq *req = g_ptr_array_index (polls, i);
      req->ready = TRUE;
      if (!req->done)
        poll_try_answer (self, req, FALSE);
    }

  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;
      GList *reqs = g_list_copy (s->reqs);
      for (GList *l = reqs; l; l = l->next)
        {
          PollReq *req = l->data;
          if (req->ready && !req->done)
            poll_try_answer (self, req, FALSE);
        }
      g_list_free (reqs);
    }
  g_hash_table_remove_all (self->dirty);

  if (needs_tx)
    reschedule_snooze (self);
}

/* ------------------------------------------------------------------ snooze timer */

static gboolean
snooze_cb (gpointer data)
{
  TdServer *self = data;

  self->snooze_id = 0;
  self->snooze_at = 0;
  enqueue (self, op_new (OP_SNOOZE, NULL));
  return G_SOURCE_REMOVE;
}

static void
reschedule_snooze (TdServer *self)
{
  gint64 next = self->store->vt->next_snooze (self->store);
  gint64 delay;

  if (next == self->snooze_at && (self->snooze_id != 0 || next == 0))
    return;
  g_clear_handle_id (&self->snooze_id, g_source_remove);
  self->snooze_at = next;
  if (next == 0 || self->shutting_down)
    return;
  delay = MAX (0, next - td_now_ms ());
  self->snooze_id = g_timeout_add ((guint) MIN (delay, G_MAXINT32), snooze_cb, self);
}

/* ------------------------------------------------------------------ HTTP helpers */

static void
set_json_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *json)
{
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, json, strlen (json));
}

static void
set_error_response (SoupServerMessage *msg,
                    guint              status,
                    TdProtocolError    code,
                    const char        *message)
{
  g_autofree char *json = encode_error (code, message, NULL);
  set_json_response (msg, status, json);
}

static void
set_retry_after (SoupServerMessage *msg,
                 double             seconds)
{
  g_autofree char *v = g_strdup_printf ("%d", (int) MAX (1, ceil (seconds)));
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", v);
}

static char *
bearer_hash (SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                   "Authorization");
  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return NULL;
  auth += 7;
  while (*auth == ' ')
    auth++;
  if (*auth == '\0' || strlen (auth) > 512)
    return NULL;
  return td_server_hash_token (auth);
}

static TdSrvUser *
authenticate (TdServer          *self,
              SoupServerMessage *msg,
              char             **hash_out)
{
  g_autofree char *hash = bearer_hash (msg);
  gboolean demo = FALSE;
  TdSrvUser *user;

  if (hash == NULL)
    return NULL;
  user = self->store->vt->lookup_token (self->store, hash, &demo);
  if (user != NULL && demo && !self->demo)
    {
      /* fixed demo tokens only with --demo (which only listens on loopback) */
      td_srv_user_unref (user);
      return NULL;
    }
  if (user != NULL && hash_out)
    *hash_out = g_steal_pointer (&hash);
  return user;
}

/* admission control: TRUE if a new session may start; else *retry_s */
static gboolean
admit (TdServer *self,
       double   *retry_s)
{
  if (bucket_take (&self->adm_tokens, &self->adm_at, self->adm_burst, self->adm_rate,
                   g_get_monotonic_time ()))
    return TRUE;
  *retry_s = self->adm_rate > 0 ? (1.0 - self->adm_tokens) / self->adm_rate : 1.0;
  return FALSE;
}

static JsonObject *
parse_body (SoupServerMessage  *msg,
            GError            **error)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);

  if (len > MAX_POLL_BODY)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE, "body too large");
      return NULL;
    }
  return td_json_parse_object (data ? data : "", len, error);
}

/* ------------------------------------------------------------------ WebSocket */

static void
on_ws_message_cb (SoupWebsocketConnection *conn,
                  gint                     type,
                  GBytes                  *message,
                  gpointer                 user_data)
{
  Session *s = user_data;
  TdServer *self = s->server;
  gsize len;
  const char *data;

  if (self == NULL || s->closed)
    return;
  s->last_rx = g_get_monotonic_time ();
  data = g_bytes_get_data (message, &len);
  if (type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      if (!rate_take (self, s))
        enqueue_error (self, s, TD_PROTOCOL_ERROR_RATE_LIMITED, "rate limited", NULL);
      else
        enqueue_error (self, s, TD_PROTOCOL_ERROR_BAD_PACKET, "one packet per text frame", NULL);
    }
  else
    session_receive (self, s, data ? data : "", len, NULL);

  if (s->rl_close)
    session_close (self, s, TD_CLOSE_RATE_LIMITED, "rate limited", FALSE);
}

static void
on_ws_pong_cb (SoupWebsocketConnection *conn,
               GBytes                  *message,
               gpointer                 user_data)
{
  Session *s = user_data;

  s->last_rx = g_get_monotonic_time ();
}

static void
on_ws_closed_cb (SoupWebsocketConnection *conn,
                 gpointer                 user_data)
{
  Session *s = user_data;

  if (s->server != NULL && !s->closed)
    session_close (s->server, s, 0, NULL, FALSE);
}

static void
on_conn_closed_unref_cb (SoupWebsocketConnection *conn,
                         gpointer                 user_data)
{
  g_object_unref (conn);
}

static void
ws_handler (SoupServer              *server,
            SoupServerMessage       *msg,
            const char              *path,
            SoupWebsocketConnection *conn,
            gpointer                 user_data)
{
  TdServer *self = user_data;
  TdSrvUser *user = g_object_get_data (G_OBJECT (msg), "td-user");
  const char *hash = g_object_get_data (G_OBJECT (msg), "td-token-hash");
  Session *s;

  if (user == NULL || self->shutting_down)
    {
      soup_websocket_connection_close (conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
      return;
    }

  s = session_new (self, TRUE, user, hash);
  s->conn = g_object_ref (conn);
  g_object_set (conn, "max-incoming-payload-size", (guint64) MAX_WS_PAYLOAD, NULL);
  soup_websocket_connection_set_keepalive_interval (conn, (guint) self->heartbeat_s);
  g_signal_connect (conn, "message", G_CALLBACK (on_ws_message_cb), s);
  g_signal_connect (conn, "pong", G_CALLBACK (on_ws_pong_cb), s);
  g_signal_connect (conn, "closed", G_CALLBACK (on_ws_closed_cb), s);
  if (self->verbose)
    g_message ("websocket session for %s", user->id);
}

static void
ws_http_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  TdServer *self = user_data;
  g_autofree char *hash = NULL;
  TdSrvUser *user;
  double retry = 1;

  if (self->shutting_down)
    {
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "shutting down");
      set_retry_after (msg, 1);
      return;
    }
  user = authenticate (self, msg, &hash);
  if (user == NULL)
    {
      set_error_response (msg, SOUP_STATUS_UNAUTHORIZED, TD_PROTOCOL_ERROR_UNAUTHORIZED, "bad or missing token");
      return;
    }
  if (!self->ws_enabled)
    {
      td_srv_user_unref (user);
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "WebSocket disabled");
      return;
    }
  if (!admit (self, &retry))
    {
      td_srv_user_unref (user);
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "overloaded");
      set_retry_after (msg, retry);
      return;
    }
  g_object_set_data_full (G_OBJECT (msg), "td-user", user, (GDestroyNotify) td_srv_user_unref);
  g_object_set_data_full (G_OBJECT (msg), "td-token-hash", g_steal_pointer (&hash), g_free);
  /* no status: the WebSocket handler runs */
}

/* ------------------------------------------------------------------ long-poll */

static PollReq *
poll_req_ref (PollReq *req)
{
  req->ref_count++;
  return req;
}

/* A queued OP_POLL keeps the request (not its message) alive: the session
 * may close and answer it before the batch runs. */
static void
poll_req_unref (PollReq *req)
{
  g_assert (req->ref_count > 0);
  if (--req->ref_count > 0)
    return;
  g_clear_handle_id (&req->timer, g_source_remove);
  if (req->msg != NULL && req->finished_id != 0)
    g_signal_handler_disconnect (req->msg, req->finished_id);
  g_clear_object (&req->msg);
  g_clear_pointer (&req->session, session_unref);
  g_free (req);
}

static void
poll_req_finish (PollReq *req)
{
  Session *s = req->session;

  req->done = TRUE;
  s->reqs = g_list_remove (s->reqs, req);
  s->last_seen = g_get_monotonic_time ();
  g_clear_handle_id (&req->timer, g_source_remove);
  if (req->msg != NULL && req->finished_id != 0)
    g_signal_handler_disconnect (req->msg, req->finished_id);
  req->finished_id = 0;
  g_clear_object (&req->msg);
  poll_req_unref (req);
}

/* Answers unpaused but not yet written, counted on the SoupServer: once
 * the server is shutting down (or gone), the last one written disconnects
 * it (soup_server_disconnect() drops every client connection, written or
 * not). */
static gboolean
release_answered_soup_cb (gpointer data)
{
  SoupServer *soup = data;

  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (soup), "td-pending")) == 0 &&
      g_object_get_data (G_OBJECT (soup), "td-closing") != NULL)
    soup_server_disconnect (soup);
  g_object_unref (soup);
  return G_SOURCE_REMOVE;
}

static void
on_answered_msg_finished_cb (SoupServerMessage *msg,
                             gpointer           user_data)
{
  SoupServer *soup = user_data;
  guint pending = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (soup), "td-pending")) - 1;

  g_signal_handlers_disconnect_by_func (msg, on_answered_msg_finished_cb, user_data);
  g_object_set_data (G_OBJECT (soup), "td-pending", GUINT_TO_POINTER (pending));
  /* libsoup still emits on the server after "finished": let go later */
  g_idle_add_full (G_PRIORITY_DEFAULT, release_answered_soup_cb, soup, NULL);
}

static void
unpause_answered (TdServer          *self,
                  SoupServerMessage *msg)
{
  if (self != NULL && self->soup != NULL)
    {
      guint pending = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (self->soup), "td-pending")) + 1;
      g_object_set_data (G_OBJECT (self->soup), "td-pending", GUINT_TO_POINTER (pending));
      g_signal_connect (msg, "finished", G_CALLBACK (on_answered_msg_finished_cb), g_object_ref (self->soup));
    }
  soup_server_message_unpause (msg);
}

/* disconnects now, or once the answers in flight are written */
static void
soup_disconnect_when_done (SoupServer *soup)
{
  if (GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (soup), "td-pending")) == 0)
    soup_server_disconnect (soup);
  else
    g_object_set_data (G_OBJECT (soup), "td-closing", GINT_TO_POINTER (1));
}

static void
poll_req_respond (PollReq    *req,
                  guint       status,
                  const char *json)
{
  if (req->msg != NULL)
    {
      set_json_response (req->msg, status, json);
      unpause_answered (req->server, req->msg);
    }
  poll_req_finish (req);
}

static void
on_poll_msg_finished_cb (SoupServerMessage *msg,
                         gpointer           user_data)
{
  PollReq *req = user_data;

  /* the client went away before the answer */
  g_signal_handler_disconnect (req->msg, req->finished_id);
  req->finished_id = 0;
  g_clear_object (&req->msg);
  if (!req->done)
    poll_req_finish (req);
}

static gboolean
poll_timeout_cb (gpointer data)
{
  PollReq *req = data;

  req->timer = 0;
  if (req->session->server != NULL)
    poll_try_answer (req->session->server, req, TRUE);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  GString *out;
  guint    n;
  gboolean full;
} Answer;

static gboolean
answer_add (Answer     *a,
            const char *json)
{
  gsize len = strlen (json);

  if (a->n >= TD_POLL_MAX_PACKETS ||
      (a->n > 0 && a->out->len + len + 64 > TD_MAX_SERVER_PACKET))
    {
      a->full = TRUE;
      return FALSE;
    }
  if (a->n > 0)
    g_string_append_c (a->out, ',');
  g_string_append_len (a->out, json, len);
  a->n++;
  return TRUE;
}

static void
poll_try_answer (TdServer *self,
                 PollReq  *req,
                 gboolean  final)
{
  Session *s = req->session;
  Answer a = { g_string_new ("{\"packets\":["), 0, FALSE };
  g_autofree char *cursor_json = NULL;
  g_autofree char *body = NULL;

  if (req->done)
    return;

  /* 1. the queued cursor-less replies, once */
  while (!g_queue_is_empty (&s->replies))
    {
      if (!answer_add (&a, g_queue_peek_head (&s->replies)))
        break;
      g_free (g_queue_pop_head (&s->replies));
    }

  /* 2. the stream */
  if (!a.full && s->live)
    {
      if (s->snapshot_mode && (!req->has_cursor || !s->synced_delivered))
        {
          while (!g_queue_is_empty (&s->snapshot))
            {
              if (!answer_add (&a, g_queue_peek_head (&s->snapshot)))
                break;
              g_free (g_queue_pop_head (&s->snapshot));
            }
          if (!a.full)
            {
              g_autoptr(TdPacket) sy = td_packet_new_synced (s->synced_cursor);
              g_autofree char *json = encode (sy);
              if (answer_add (&a, json))
                {
                  s->synced_delivered = TRUE;
                  cursor_json = g_strdup_printf ("%" G_GINT64_FORMAT, s->synced_cursor);
                }
            }
        }
      else
        {
          gint64 max = self->store->vt->max_cursor (self->store);
          gint64 after = req->has_cursor ? MIN (req->cursor, max) : 0;
          gint64 m = after;
          gboolean need_synced = after < s->synced_cursor;
          gboolean truncated = FALSE;
          g_autoptr(GPtrArray) evs = NULL;
          g_autofree char *synced_json = NULL;

          if (need_synced)
            {
              g_autoptr(TdPacket) sy = td_packet_new_synced (s->synced_cursor);
              synced_json = encode (sy);
            }
          evs = self->store->vt->events_after (self->store, s->user, after,
                                               (int) (TD_POLL_MAX_PACKETS - a.n) + 1);
          for (guint i = 0; evs != NULL && i < evs->len; i++)
            {
              TdStoredEvent *ev = g_ptr_array_index (evs, i);
              if (need_synced && ev->cursor > s->synced_cursor)
                {
                  if (!answer_add (&a, synced_json))
                    {
                      truncated = TRUE;
                      break;
                    }
                  need_synced = FALSE;
                }
              if (!answer_add (&a, ev->json))
                {
                  truncated = TRUE;
                  break;
                }
              m = ev->cursor;
            }
          if (evs == NULL)
            truncated = TRUE;
          if (!truncated)
            m = MAX (m, max);
          if (need_synced && m >= s->synced_cursor)
            {
              if (answer_add (&a, synced_json))
                need_synced = FALSE;
              else
                truncated = TRUE;
            }
          if (truncated)
            a.full = TRUE;
          cursor_json = g_strdup_printf ("%" G_GINT64_FORMAT, m);
        }
    }

  if (a.n == 0 && !final && !self->shutting_down && req->wait_s > 0)
    {
      /* nothing yet: hold it */
      g_string_free (a.out, TRUE);
      if (req->timer == 0)
        req->timer = g_timeout_add_seconds ((guint) req->wait_s, poll_timeout_cb, req);
      return;
    }

  if (cursor_json == NULL)
    {
      if (req->has_cursor && !(s->snapshot_mode && !s->synced_delivered))
        cursor_json = g_strdup_printf ("%" G_GINT64_FORMAT, req->cursor);
      else
        cursor_json = g_strdup ("null");
    }
  g_string_append_printf (a.out, "],\"cursor\":%s,\"more\":%s}", cursor_json, a.full ? "true" : "false");
  body = g_string_free (a.out, FALSE);
  poll_req_respond (req, SOUP_STATUS_OK, body);
}

static void
poll_session_destroy (TdServer *self,
                      Session  *s)
{
  session_close (self, s, 0, NULL, FALSE);
}

static void
poll_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  TdServer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_autofree char *hash = NULL;
  g_autoptr(TdSrvUser) user = NULL;
  Session *s = NULL;
  PollReq *req;
  JsonNode *node;
  const char *session_id = NULL;
  gboolean has_cursor = FALSE;
  gint64 cursor = 0;
  gint64 wait_s = 0;
  JsonArray *send = NULL;
  Op *op;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TD_PROTOCOL_ERROR_BAD_PACKET, "POST only");
      return;
    }
  if (self->shutting_down)
    {
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "shutting down");
      set_retry_after (msg, 1);
      return;
    }
  user = authenticate (self, msg, &hash);
  if (user == NULL)
    {
      set_error_response (msg, SOUP_STATUS_UNAUTHORIZED, TD_PROTOCOL_ERROR_UNAUTHORIZED, "bad or missing token");
      return;
    }

  body = parse_body (msg, &error);
  if (body == NULL)
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST,
                          error->domain == TD_PROTOCOL_ERROR ? error->code : TD_PROTOCOL_ERROR_BAD_JSON,
                          error->message);
      return;
    }

  /* the body's fields */
  if ((node = json_object_get_member (body, "session")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
        goto bad_body;
      session_id = json_node_get_string (node);
    }
  if ((node = json_object_get_member (body, "cursor")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
          json_node_get_int (node) < 0)
        goto bad_body;
      has_cursor = TRUE;
      cursor = json_node_get_int (node);
    }
  if ((node = json_object_get_member (body, "wait")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
        goto bad_body;
      wait_s = json_node_get_int (node);
      if (wait_s < 0 || wait_s > TD_POLL_MAX_WAIT_S)
        goto bad_body;
    }
  if ((node = json_object_get_member (body, "send")) != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_ARRAY (node))
        goto bad_body;
      send = json_node_get_array (node);
    }

  if (session_id != NULL)
    {
      s = g_hash_table_lookup (self->poll_sessions, session_id);
      if (s != NULL && (s->closed || g_strcmp0 (s->user->id, user->id) != 0 ||
                        g_strcmp0 (s->token_hash, hash) != 0))
        s = NULL;
    }

  if (s == NULL)
    {
      double retry = 1;
      if (!admit (self, &retry))
        {
          set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "overloaded");
          set_retry_after (msg, retry);
          return;
        }
      s = session_new (self, FALSE, user, hash);
      {
        guint8 buf[16];
        GString *id = g_string_new ("ps_");
        randombytes_buf (buf, sizeof buf);
        for (guint i = 0; i < sizeof buf; i++)
          g_string_append_printf (id, "%02x", buf[i]);
        s->id = g_string_free (id, FALSE);
      }
      g_hash_table_insert (self->poll_sessions, s->id, s);
      s->hello_done = TRUE;
      op = op_new (OP_HELLO, s);
      op->has_cursor = has_cursor;
      op->cursor = cursor;
      enqueue (self, op);
      if (self->verbose)
        g_message ("poll session for %s", user->id);
    }
  s->last_seen = g_get_monotonic_time ();

  /* a newer request supersedes a held one */
  {
    GList *reqs = g_list_copy (s->reqs);
    for (GList *l = reqs; l; l = l->next)
      {
        PollReq *old = l->data;
        if (old->ready && !old->done)
          poll_try_answer (self, old, TRUE);
      }
    g_list_free (reqs);
  }

  for (guint i = 0; send != NULL && i < json_array_get_length (send); i++)
    {
      JsonNode *el = json_array_get_element (send, i);

      if (!JSON_NODE_HOLDS_OBJECT (el))
        {
          if (!rate_take (self, s))
            enqueue_error (self, s, TD_PROTOCOL_ERROR_RATE_LIMITED, "rate limited", NULL);
          else
            enqueue_error (self, s, TD_PROTOCOL_ERROR_BAD_PACKET, "a packet is a JSON object", NULL);
          continue;
        }
      {
        g_autofree char *text = td_json_node_to_string (el, NULL);
        gsize len = strlen (text);
        if (len > TD_MAX_CLIENT_PACKET)
          session_receive (self, s, text, len, NULL);   /* too_large, with its ref */
        else
          session_receive (self, s, NULL, 0, json_node_get_object (el));
      }
      if (s->rl_close)
        break;
    }

  if (s->rl_close)
    {
      set_error_response (msg, HTTP_TOO_MANY_REQUESTS, TD_PROTOCOL_ERROR_RATE_LIMITED,
                          "over the rate limit for too long");
      poll_session_destroy (self, s);
      return;
    }

  req = g_new0 (PollReq, 1);
  req->ref_count = 1;
  req->server = self;
  req->session = session_ref (s);
  req->msg = g_object_ref (msg);
  req->has_cursor = has_cursor;
  req->cursor = cursor;
  req->wait_s = (int) wait_s;
  req->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_poll_msg_finished_cb), req);
  s->reqs = g_list_append (s->reqs, req);
  soup_server_message_pause (msg);

  op = op_new (OP_POLL, s);
  op->req = poll_req_ref (req);
  enqueue (self, op);
  return;

bad_body:
  set_error_response (msg, SOUP_STATUS_BAD_REQUEST, TD_PROTOCOL_ERROR_BAD_PACKET,
                      "poll body: session (string), cursor (int ≥ 0 or null), send (array), wait (0..30)");
}

/* ------------------------------------------------------------------ closing */

static void
session_close (TdServer   *self,
               Session    *s,
               gushort     code,
               const char *reason,
               gboolean    abrupt)
{
  if (s->closed)
    return;
  s->closed = TRUE;
  s->server = NULL;

  if (s->conn != NULL)
    {
      SoupWebsocketConnection *conn = s->conn;

      g_signal_handlers_disconnect_by_data (conn, s);
      if (abrupt)
        {
          GIOStream *io = soup_websocket_connection_get_io_stream (conn);
          g_io_stream_close (io, NULL, NULL);
        }
      else if (soup_websocket_connection_get_state (conn) == SOUP_WEBSOCKET_STATE_OPEN)
        {
          /* keep it alive until the close handshake is done */
          g_object_ref (conn);
          g_signal_connect (conn, "closed", G_CALLBACK (on_conn_closed_unref_cb), NULL);
          soup_websocket_connection_close (conn, code ? code : SOUP_WEBSOCKET_CLOSE_GOING_AWAY, reason);
        }
    }

  while (s->reqs != NULL)
    {
      PollReq *req = s->reqs->data;
      g_autofree char *json = NULL;

      if (code == TD_CLOSE_UNAUTHORIZED)
        {
          json = encode_error (TD_PROTOCOL_ERROR_UNAUTHORIZED, "token revoked", NULL);
          poll_req_respond (req, SOUP_STATUS_UNAUTHORIZED, json);
        }
      else if (code == TD_CLOSE_SERVICE_RESTART)
        {
          json = g_strdup_printf ("{\"cursor\":%s,\"packets\":[],\"more\":false,\"retry_within_ms\":%s}",
                                  req->has_cursor ? "0" : "null", reason ? reason : "1000");
          if (req->has_cursor)
            {
              g_free (json);
              json = g_strdup_printf ("{\"cursor\":%" G_GINT64_FORMAT ",\"packets\":[],\"more\":false,"
                                      "\"retry_within_ms\":%s}", req->cursor, reason ? reason : "1000");
            }
          poll_req_respond (req, SOUP_STATUS_OK, json);
        }
      else if (code == TD_CLOSE_RATE_LIMITED)
        {
          json = encode_error (TD_PROTOCOL_ERROR_RATE_LIMITED, "over the rate limit for too long", NULL);
          poll_req_respond (req, HTTP_TOO_MANY_REQUESTS, json);
        }
      else
        {
          json = encode_error (TD_PROTOCOL_ERROR_INTERNAL, "session closed", NULL);
          poll_req_respond (req, SOUP_STATUS_SERVICE_UNAVAILABLE, json);
        }
    }

  if (s->id != NULL)
    g_hash_table_remove (self->poll_sessions, s->id);
  session_index (self, s, FALSE);
  g_hash_table_remove (self->sessions, s);   /* drops the hub's ref */
}

static void
close_all (TdServer   *self,
           gushort     code,
           const char *reason,
           gboolean    abrupt)
{
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (all, session_ref (key));
  for (guint i = 0; i < all->len; i++)
    {
      Session *s = g_ptr_array_index (all, i);
      session_close (self, s, code, reason, abrupt);
      session_unref (s);
    }
}

/* ------------------------------------------------------------------ reaper */

static gboolean
reaper_cb (gpointer data)
{
  TdServer *self = data;
  g_autoptr(GPtrArray) dead = g_ptr_array_new ();
  gint64 now = g_get_monotonic_time ();
  gint64 ws_limit = (gint64) self->heartbeat_s * 3 * G_USEC_PER_SEC;
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;
      if (s->is_ws ? now - s->last_rx > ws_limit
                   : s->reqs == NULL && now - s->last_seen > self->poll_expiry_us)
        g_ptr_array_add (dead, session_ref (s));
    }
  for (guint i = 0; i < dead->len; i++)
    {
      Session *s = g_ptr_array_index (dead, i);
      g_debug ("reaping a silent %s session of %s", s->is_ws ? "WebSocket" : "poll", s->user->id);
      session_close (self, s, 0, NULL, s->is_ws);
      session_unref (s);
    }
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ other endpoints */

static void
healthz_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "ok", 2);
}

static JsonNode *
me_node (TdSrvUser *user)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, user->id);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, td_role_to_string (user->role));
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, user->name);
  json_builder_set_member_name (b, "merchants");
  json_builder_begin_array (b);
  for (guint i = 0; i < user->merchants->len; i++)
    {
      TdMerchantRef *ref = g_ptr_array_index (user->merchants, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "id");
      json_builder_add_string_value (b, ref->id);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, ref->name);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

typedef struct
{
  TdServer          *server;   /* ref */
  SoupServerMessage *msg;      /* ref */
  TdSrvUser         *user;
  char              *password;
  char              *pwhash;   /* stored hash, or NULL */
  char              *demo_password;
  gboolean           ok;
  char              *new_hash; /* lazily hashed demo password */
} LoginJob;

static void
login_job_free (LoginJob *job)
{
  g_clear_object (&job->server);
  g_clear_object (&job->msg);
  g_clear_pointer (&job->user, td_srv_user_unref);
  if (job->password)
    sodium_memzero (job->password, strlen (job->password));
  g_free (job->password);
  g_free (job->pwhash);
  g_free (job->demo_password);
  g_free (job->new_hash);
  g_free (job);
}

static gboolean
login_done_cb (gpointer data)
{
  LoginJob *job = data;
  TdServer *self = job->server;
  GError *local = NULL;

  if (job->ok && job->user != NULL)
    {
      guint8 raw[32];
      char token[65];
      g_autofree char *hash = NULL;
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *json = NULL;

      if (job->new_hash != NULL &&
          !self->store->vt->set_pwhash (self->store, job->user->id, job->new_hash, &local))
        {
          g_debug ("storing a password hash failed: %s", local->message);
          g_clear_error (&local);
        }
      randombytes_buf (raw, sizeof raw);
      sodium_bin2hex (token, sizeof token, raw, sizeof raw);
      hash = td_server_hash_token (token);
      if (!self->store->vt->add_token (self->store, hash, job->user->id, &local))
        {
          g_debug ("storing a token failed: %s", local->message);
          g_clear_error (&local);
          set_error_response (job->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, TD_PROTOCOL_ERROR_INTERNAL,
                              "internal error; please retry");
        }
      else
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "token");
          json_builder_add_string_value (b, token);
          json_builder_set_member_name (b, "me");
          json_builder_add_value (b, me_node (job->user));
          json_builder_end_object (b);
          root = json_builder_get_root (b);
          json = td_json_node_to_string (root, NULL);
          set_json_response (job->msg, SOUP_STATUS_OK, json);
        }
      sodium_memzero (token, sizeof token);
    }
  else
    set_error_response (job->msg, SOUP_STATUS_UNAUTHORIZED, TD_PROTOCOL_ERROR_UNAUTHORIZED,
                        "wrong user or password");
  unpause_answered (self, job->msg);
  login_job_free (job);
  return G_SOURCE_REMOVE;
}

/* on a worker of the bounded pool */
static void
login_worker (gpointer data,
              gpointer user_data)
{
  LoginJob *job = data;

  if (job->pwhash != NULL)
    job->ok = crypto_pwhash_str_verify (job->pwhash, job->password, strlen (job->password)) == 0;
  else if (job->demo_password != NULL)
    {
      gsize a = strlen (job->demo_password), b = strlen (job->password);
      job->ok = a == b && sodium_memcmp (job->demo_password, job->password, a) == 0;
      if (job->ok)
        {
          char out[crypto_pwhash_STRBYTES];
          if (crypto_pwhash_str (out, job->password, b, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0)
            job->new_hash = g_strdup (out);
        }
    }
  else
    {
      /* unknown user: spend the same time */
      char out[crypto_pwhash_STRBYTES];
      if (crypto_pwhash_str (out, job->password, strlen (job->password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        g_debug ("crypto_pwhash_str failed");
      job->ok = FALSE;
    }
  g_idle_add_full (G_PRIORITY_DEFAULT, login_done_cb, job, NULL);
}

static void
login_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  TdServer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = NULL;
  JsonNode *u, *p;
  LoginJob *job;
  gboolean demo = FALSE;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TD_PROTOCOL_ERROR_BAD_PACKET, "POST only");
      return;
    }
  body = parse_body (msg, &error);
  if (body == NULL)
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, TD_PROTOCOL_ERROR_BAD_JSON, error->message);
      return;
    }
  u = json_object_get_member (body, "user");
  p = json_object_get_member (body, "password");
  if (u == NULL || p == NULL || !JSON_NODE_HOLDS_VALUE (u) || !JSON_NODE_HOLDS_VALUE (p) ||
      json_node_get_value_type (u) != G_TYPE_STRING || json_node_get_value_type (p) != G_TYPE_STRING ||
      strlen (json_node_get_string (p)) > 1024)
    {
      set_error_response (msg, SOUP_STATUS_BAD_REQUEST, TD_PROTOCOL_ERROR_BAD_PACKET,
                          "expected {\"user\": string, \"password\": string}");
      return;
    }

  /* each check costs ~80 ms and 64 MiB on a worker: a bounded queue */
  if (g_thread_pool_unprocessed (self->hash_pool) >= 32)
    {
      set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "too many logins at once");
      set_retry_after (msg, 1);
      return;
    }

  job = g_new0 (LoginJob, 1);
  job->server = g_object_ref (self);
  job->msg = g_object_ref (msg);
  job->password = g_strdup (json_node_get_string (p));
  job->user = self->store->vt->get_login (self->store, json_node_get_string (u), &job->pwhash, &demo);
  if (job->user != NULL && job->pwhash == NULL && demo && self->demo)
    job->demo_password = td_server_demo_password (job->user->login);
  soup_server_message_pause (msg);
  g_thread_pool_push (self->hash_pool, job, NULL);
}

static void
logout_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  TdServer *self = user_data;
  g_autofree char *hash = NULL;
  g_autoptr(TdSrvUser) user = NULL;
  g_autoptr(GPtrArray) victims = g_ptr_array_new ();
  GError *local = NULL;
  GHashTableIter iter;
  gpointer key;

  if (strcmp (soup_server_message_get_method (msg), "POST") != 0)
    {
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TD_PROTOCOL_ERROR_BAD_PACKET, "POST only");
      return;
    }
  user = authenticate (self, msg, &hash);
  if (user == NULL)
    {
      set_error_response (msg, SOUP_STATUS_UNAUTHORIZED, TD_PROTOCOL_ERROR_UNAUTHORIZED, "bad or missing token");
      return;
    }
  if (!self->store->vt->revoke_token (self->store, hash, &local))
    {
      g_debug ("revoke: %s", local->message);
      g_clear_error (&local);
      set_error_response (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, TD_PROTOCOL_ERROR_INTERNAL,
                          "internal error; please retry");
      return;
    }
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Session *s = key;
      if (g_strcmp0 (s->token_hash, hash) == 0)
        g_ptr_array_add (victims, session_ref (s));
    }
  for (guint i = 0; i < victims->len; i++)
    {
      Session *s = g_ptr_array_index (victims, i);
      session_close (self, s, TD_CLOSE_UNAUTHORIZED, "token revoked", FALSE);
      session_unref (s);
    }
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static void
stats_handler (SoupServer        *server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  TdServer *self = user_data;
  g_autoptr(TdSrvUser) user = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *json = NULL;
  const char *merchant = query ? g_hash_table_lookup (query, "merchant") : NULL;

  if (strcmp (soup_server_message_get_method (msg), "GET") != 0)
    {
      set_error_response (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, TD_PROTOCOL_ERROR_BAD_PACKET, "GET only");
      return;
    }
  user = authenticate (self, msg, NULL);
  if (user == NULL)
    {
      set_error_response (msg, SOUP_STATUS_UNAUTHORIZED, TD_PROTOCOL_ERROR_UNAUTHORIZED, "bad or missing token");
      return;
    }
  if (merchant == NULL || !td_srv_user_has_merchant (user, merchant))
    {
      set_error_response (msg, SOUP_STATUS_FORBIDDEN, TD_PROTOCOL_ERROR_FORBIDDEN,
                          "no such merchant, or not yours");
      return;
    }
  stats = td_server_stats_compute (self->store, merchant, self->tz, td_now_ms ());
  if (stats == NULL)
    {
      set_error_response (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, TD_PROTOCOL_ERROR_INTERNAL,
                          "cannot read the figures");
      return;
    }
  json = td_json_object_to_string (stats, NULL);
  set_json_response (msg, SOUP_STATUS_OK, json);
}

static void
default_handler (SoupServer        *server,
                 SoupServerMessage *msg,
                 const char        *path,
                 GHashTable        *query,
                 gpointer           user_data)
{
  set_error_response (msg, SOUP_STATUS_NOT_FOUND, TD_PROTOCOL_ERROR_NOT_FOUND, "no such endpoint");
}

static void
gone_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  set_error_response (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, TD_PROTOCOL_ERROR_INTERNAL, "shutting down");
  set_retry_after (msg, 1);
}

/* ------------------------------------------------------------------ GObject */

static void
td_server_dispose (GObject *object)
{
  TdServer *self = TD_SERVER (object);

  if (self->store != NULL && !g_queue_is_empty (&self->ops))
    run_batch (self);
  g_clear_handle_id (&self->batch_id, g_source_remove);
  g_clear_handle_id (&self->reaper_id, g_source_remove);
  g_clear_handle_id (&self->snooze_id, g_source_remove);
  if (self->sessions != NULL)
    close_all (self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL, FALSE);
  if (self->hash_pool != NULL)
    {
      /* finishes the queued logins; their replies then see no server */
      g_thread_pool_free (g_steal_pointer (&self->hash_pool), FALSE, TRUE);
    }
  stop_listening (self);
  if (self->soup != NULL)
    {
      /* The SoupServer may outlive us until the last answers are written:
       * requests still arriving on kept-alive connections must not reach
       * handlers whose data is gone. */
      const char *paths[] = { "/healthz", "/v1/login", "/v1/logout", "/v1/stats", "/v1/poll", "/v1/ws" };
      for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
        soup_server_remove_handler (self->soup, paths[i]);
      soup_server_add_handler (self->soup, NULL, gone_handler, NULL, NULL);
      soup_disconnect_when_done (self->soup);
    }
  g_clear_object (&self->soup);

  G_OBJECT_CLASS (td_server_parent_class)->dispose (object);
}

static void
td_server_finalize (GObject *object)
{
  TdServer *self = TD_SERVER (object);

  g_queue_clear_full (&self->ops, (GDestroyNotify) op_free);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->poll_sessions, g_hash_table_unref);
  g_clear_pointer (&self->by_merchant, g_hash_table_unref);
  g_clear_pointer (&self->by_uid, g_hash_table_unref);
  g_clear_pointer (&self->dirty, g_hash_table_unref);
  g_clear_pointer (&self->store, td_server_store_free);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_free (self->db_path);
  g_free (self->address);

  G_OBJECT_CLASS (td_server_parent_class)->finalize (object);
}

static void
td_server_class_init (TdServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_server_dispose;
  object_class->finalize = td_server_finalize;
}

static void
td_server_init (TdServer *self)
{
  self->ws_enabled = TRUE;
  self->sessions = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) session_unref, NULL);
  self->poll_sessions = g_hash_table_new (g_str_hash, g_str_equal);
  self->by_merchant = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->by_uid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->dirty = g_hash_table_new (NULL, NULL);
  g_queue_init (&self->ops);
  self->adm_burst = 1000;
  self->adm_rate = 500;
  self->adm_tokens = self->adm_burst;
  self->adm_at = g_get_monotonic_time ();
  self->rl_burst = TD_RATE_BURST;
  self->rl_rate = TD_RATE_PER_S;
  self->rl_close_us = 10 * G_USEC_PER_SEC;
  self->poll_expiry_us = (gint64) POLL_EXPIRY_MS * 1000;
}

TdServer *
td_server_new (const TdServerOptions  *options,
               GError                **error)
{
  g_autoptr(TdServer) self = NULL;
  g_autoptr(GError) local = NULL;
  char *handler_protocols[] = { (char *) TD_SUBPROTOCOL, NULL };

  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (options->db_path != NULL, NULL);

  if (sodium_init () < 0)
    {
      g_set_error (error, TD_SERVER_ERROR, TD_SERVER_ERROR_FAILED, "libsodium failed to initialise");
      return NULL;
    }

  self = g_object_new (TD_TYPE_SERVER, NULL);
  self->db_path = g_strdup (options->db_path);
  self->demo = options->demo;
  self->demo_customers = options->demo_customers > 0 ? options->demo_customers : 50;
  self->heartbeat_s = options->heartbeat_s > 0 ? options->heartbeat_s : TD_DEFAULT_HEARTBEAT_S;
  self->verbose = options->verbose;
  self->tz = options->tz ? g_time_zone_new_identifier (options->tz) : NULL;
  if (self->tz == NULL)
    {
      if (options->tz != NULL)
        {
          g_set_error (error, TD_SERVER_ERROR, TD_SERVER_ERROR_FAILED, "unknown time zone %s", options->tz);
          return NULL;
        }
      self->tz = g_time_zone_new_local ();
    }

  self->store = td_server_store_sqlite_new (options->db_path, error);
  if (self->store == NULL)
    return NULL;
  if (self->demo && self->store->vt->is_empty (self->store) &&
      !self->store->vt->seed_demo (self->store, self->demo_customers, error))
    return NULL;

  self->hash_pool = g_thread_pool_new (login_worker, NULL, 2, FALSE, NULL);

  self->soup = soup_server_new ("server-header", "tripdesk-server/" VERSION " ", NULL);
  /* permessage-deflate without a deflate stream per session, and with a
   * bound on inflating (td-ws-deflate.c) */
  soup_server_remove_websocket_extension (self->soup, SOUP_TYPE_WEBSOCKET_EXTENSION_DEFLATE);
  soup_server_add_websocket_extension (self->soup, TD_TYPE_WS_DEFLATE);
  soup_server_add_handler (self->soup, NULL, default_handler, self, NULL);
  soup_server_add_handler (self->soup, "/healthz", healthz_handler, self, NULL);
  soup_server_add_handler (self->soup, "/v1/login", login_handler, self, NULL);
  soup_server_add_handler (self->soup, "/v1/logout", logout_handler, self, NULL);
  soup_server_add_handler (self->soup, "/v1/stats", stats_handler, self, NULL);
  soup_server_add_handler (self->soup, "/v1/poll", poll_handler, self, NULL);
  soup_server_add_handler (self->soup, "/v1/ws", ws_http_handler, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/v1/ws", NULL, handler_protocols, ws_handler, self, NULL);

  self->reaper_id = g_timeout_add_seconds (1, reaper_cb, self);
  reschedule_snooze (self);

  return g_steal_pointer (&self);
}

/* Accepts every waiting connection (up to ACCEPT_PER_TURN) in one main-loop
 * turn.  GSocketService accepts one per turn, and a turn costs O(sources)
 * (prepare, poll, check): with thousands of sessions open, clients arriving
 * together then waited in the backlog for hundreds of turns. */
static gboolean
on_listener_ready_cb (GSocket      *listener,
                      GIOCondition  condition,
                      gpointer      user_data)
{
  TdServer *self = user_data;

  for (guint i = 0; i < ACCEPT_PER_TURN; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GSocketAddress) remote = NULL;

      if (socket == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("accept: %s", error->message);
          break;
        }
      connection = g_socket_connection_factory_create_connection (socket);
      local = g_socket_connection_get_local_address (connection, NULL);
      remote = g_socket_connection_get_remote_address (connection, NULL);
      if (self->soup == NULL || self->shutting_down ||
          !soup_server_accept_iostream (self->soup, G_IO_STREAM (connection), local, remote, &error))
        {
          g_debug ("refusing a connection: %s", error ? error->message : "shutting down");
          g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
        }
    }
  return G_SOURCE_CONTINUE;
}

static void
stop_listening (TdServer *self)
{
  if (self->listen_sources != NULL)
    {
      for (guint i = 0; i < self->listen_sources->len; i++)
        g_source_destroy (g_ptr_array_index (self->listen_sources, i));
      g_clear_pointer (&self->listen_sources, g_ptr_array_unref);
    }
  if (self->listeners != NULL)
    {
      for (guint i = 0; i < self->listeners->len; i++)
        g_socket_close (g_ptr_array_index (self->listeners, i), NULL);
      g_clear_pointer (&self->listeners, g_ptr_array_unref);
    }
}

gboolean
td_server_listen (TdServer    *self,
                  const char  *address,
                  guint        port,
                  GError     **error)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) sa = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSource) source = NULL;

  g_return_val_if_fail (TD_IS_SERVER (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);

  if (g_strcmp0 (address, "localhost") == 0)
    address = "127.0.0.1";
  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, TD_SERVER_ERROR, TD_SERVER_ERROR_ADDRESS, "not an IP address: %s", address);
      return FALSE;
    }
  if (self->demo && !g_inet_address_get_is_loopback (inet))
    {
      g_set_error (error, TD_SERVER_ERROR, TD_SERVER_ERROR_NOT_LOOPBACK,
                   "--demo listens on a loopback address only (its tokens are public), not %s", address);
      return FALSE;
    }
  sa = g_inet_socket_address_new (inet, (guint16) port);
  /* Our own listening socket hands connections to soup_server_accept_iostream():
   * libsoup 3.2's own listener leaks every accepted GSocket (and the fd of an
   * idle keep-alive connection the client closes); this path does neither.
   * It also lets a shutdown free the port without dropping the clients, and
   * accepts a whole burst of clients in one main-loop turn. */
  listener = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  if (listener == NULL)
    return FALSE;
  g_socket_set_blocking (listener, FALSE);
  g_socket_set_listen_backlog (listener, 4096);
  if (!g_socket_bind (listener, sa, TRUE, error) || !g_socket_listen (listener, error))
    return FALSE;
  effective = g_socket_get_local_address (listener, error);
  if (effective == NULL)
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  source = g_socket_create_source (listener, G_IO_IN, NULL);
  g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_listener_ready_cb, self, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  if (self->listeners == NULL)
    {
      self->listeners = g_ptr_array_new_with_free_func (g_object_unref);
      self->listen_sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
    }
  g_ptr_array_add (self->listeners, g_steal_pointer (&listener));
  g_ptr_array_add (self->listen_sources, g_steal_pointer (&source));
  g_free (self->address);
  self->address = g_strdup (address);
  self->shutting_down = FALSE;
  return TRUE;
}

guint
td_server_get_port (TdServer *self)
{
  g_return_val_if_fail (TD_IS_SERVER (self), 0);
  return self->port;
}

char *
td_server_dup_base_url (TdServer *self)
{
  g_return_val_if_fail (TD_IS_SERVER (self), NULL);
  if (self->address != NULL && strchr (self->address, ':') != NULL)
    return g_strdup_printf ("http://[%s]:%u", self->address, self->port);
  return g_strdup_printf ("http://%s:%u", self->address ? self->address : "127.0.0.1", self->port);
}

void
td_server_shutdown (TdServer *self,
                    guint     retry_within_ms)
{
  g_autofree char *reason = NULL;
  g_autofree char *n = NULL;
  guint n_sessions;

  g_return_if_fail (TD_IS_SERVER (self));

  if (self->shutting_down)
    return;
  /* commit what is queued: acked work must not be lost */
  run_batch (self);
  self->shutting_down = TRUE;

  n_sessions = g_hash_table_size (self->sessions);
  if (retry_within_ms == 0)
    retry_within_ms = (guint) MAX (1000.0, n_sessions * 1000.0 / MAX (1.0, self->adm_rate));
  n = g_strdup_printf ("%u", retry_within_ms);
  reason = g_strdup_printf ("{\"retry_within_ms\":%u}", retry_within_ms);

  {
    g_autoptr(GPtrArray) all = g_ptr_array_new ();
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init (&iter, self->sessions);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_ptr_array_add (all, session_ref (key));
    for (guint i = 0; i < all->len; i++)
      {
        Session *s = g_ptr_array_index (all, i);
        session_close (self, s, TD_CLOSE_SERVICE_RESTART, s->is_ws ? reason : n, FALSE);
        session_unref (s);
      }
  }
  g_clear_handle_id (&self->snooze_id, g_source_remove);
  /* the port is free at once; the answers above still go out */
  stop_listening (self);
}

void
td_server_set_websocket_enabled (TdServer *self,
                                 gboolean  enabled)
{
  g_return_if_fail (TD_IS_SERVER (self));
  self->ws_enabled = enabled;
}

void
td_server_drop_connections (TdServer *self)
{
  g_return_if_fail (TD_IS_SERVER (self));
  close_all (self, 0, NULL, TRUE);
}

void
td_server_inject_internal_error (TdServer *self,
                                 gboolean  on)
{
  g_return_if_fail (TD_IS_SERVER (self));
  self->store->fail_next_write = on;
}

guint
td_server_get_n_sessions (TdServer *self)
{
  g_return_val_if_fail (TD_IS_SERVER (self), 0);
  return g_hash_table_size (self->sessions);
}

guint
td_server_get_n_ws_sessions (TdServer *self)
{
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_return_val_if_fail (TD_IS_SERVER (self), 0);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    n += ((Session *) key)->is_ws;
  return n;
}

guint
td_server_get_n_held_polls (TdServer *self)
{
  GHashTableIter iter;
  gpointer key;
  guint n = 0;

  g_return_val_if_fail (TD_IS_SERVER (self), 0);
  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    for (GList *l = ((Session *) key)->reqs; l; l = l->next)
      n += ((PollReq *) l->data)->timer != 0;
  return n;
}

void
td_server_set_rate_limit (TdServer *self,
                          double    burst,
                          double    per_s,
                          guint     close_after_ms)
{
  g_return_if_fail (TD_IS_SERVER (self));
  self->rl_burst = burst;
  self->rl_rate = per_s;
  self->rl_close_us = (gint64) close_after_ms * 1000;
}

void
td_server_set_admission (TdServer *self,
                         double    burst,
                         double    per_s)
{
  g_return_if_fail (TD_IS_SERVER (self));
  self->adm_burst = burst;
  self->adm_rate = per_s;
  self->adm_tokens = burst;
  self->adm_at = g_get_monotonic_time ();
}

void
td_server_set_poll_expiry (TdServer *self,
                           guint     ms)
{
  g_return_if_fail (TD_IS_SERVER (self));
  self->poll_expiry_us = (gint64) ms * 1000;
}

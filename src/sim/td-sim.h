/* td-sim.h — simulated travellers over the real protocol
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N customers c_K … c_(K+N-1), each a real TdChannel + TdStore (in
 * memory) — the app's own code path — opening lines to the demo merchants
 * and sending realistic travel questions (td-sim-content.h) at a given
 * overall rate with Poisson spacing, answering what operators write, and
 * counting what was sent, acknowledged and received.  At the end,
 * td_sim_verify() checks every customer's store: each message it sent is
 * stored exactly once, and each line's line_seq is gapless.
 *
 * Used by `tripdesk-sim` and, in-process, by the app's demo mode.
 */
#pragma once

#include <gio/gio.h>

#include "td-channel.h"
#include "td-sim-content.h"

G_BEGIN_DECLS

#define TD_SIM_ERROR (td_sim_error_quark ())
typedef enum
{
  TD_SIM_ERROR_FAILED,
  TD_SIM_ERROR_LOGIN,      /* POST /v1/login refused or failed */
  TD_SIM_ERROR_LOSS,       /* a sent message is not stored */
  TD_SIM_ERROR_DUPLICATE,  /* a sent message is stored more than once */
  TD_SIM_ERROR_GAP,        /* a line's line_seq has a hole or a repeat */
} TdSimError;
GQuark td_sim_error_quark (void);

typedef enum
{
  TD_SIM_TRANSPORT_WEBSOCKET,  /* every customer on WebSocket only */
  TD_SIM_TRANSPORT_LONG_POLL,  /* every customer on long-poll only */
  TD_SIM_TRANSPORT_MIXED,      /* alternately WebSocket-only and long-poll-only */
  TD_SIM_TRANSPORT_AUTO,       /* the app's policy (WebSocket, fall back) */
} TdSimTransport;

/* "ws", "poll", "mixed", "auto"; FALSE when unknown. */
gboolean     td_sim_transport_from_string (const char     *s,
                                           TdSimTransport *out);
const char  *td_sim_transport_to_string   (TdSimTransport  transport);

#define TD_SIM_NO_VALUE G_GINT64_CONSTANT (-1)

/**
 * TdSimStats:
 * Counters of a run.  Latencies are in ms (TD_SIM_NO_VALUE when there is
 * no sample), by td_metrics_percentile()'s rank rule.
 */
typedef struct
{
  guint    customers;
  guint    online;            /* customers whose channel is online now */
  gint64   elapsed_ms;        /* since td_sim_start() (until the end of sending) */
  guint64  lines_opened;      /* `open` requests answered */
  guint64  sent;              /* messages handed to td_channel_send() */
  guint64  replies;           /* … of which answers to an operator / peer */
  guint64  typing;            /* `typing` packets asked for */
  guint64  reads;             /* `read` marks sent for operator messages */
  guint64  acked;             /* sent messages completed (ack or own echo) */
  guint64  echoed;            /* sent messages whose own `msg` came back */
  guint64  received;          /* operator messages delivered to customers (distinct) */
  guint64  received_peer;     /* other customers' chat messages delivered (distinct) */
  guint64  backlog;           /* messages from before the run (a fresh cache's snapshot) */
  guint64  redelivered;       /* events seen again (harmless: upserted by id) */
  guint64  failed;            /* sends refused for good (they stay in the outbox) */
  guint64  errors;            /* "error" signals of the channels */
  guint64  reconnects;        /* times a channel went online after the first */
  gint64   ack_p50_ms, ack_p99_ms, ack_max_ms;      /* ack − send */
  gint64   echo_p50_ms, echo_p99_ms, echo_max_ms;   /* own echo − send */
  gint64   recv_p50_ms, recv_p99_ms;                /* arrival − msg.ts (server clock) */
  /* td_sim_verify() */
  gboolean verified;
  guint64  stored;            /* sent messages found stored */
  guint64  lost;              /* sent but not stored (still in an outbox, or gone) */
  guint64  duplicated;        /* sent and stored more than once */
  guint64  gaps;              /* lines with a hole or repeat in line_seq */
  guint64  lines_checked;
} TdSimStats;

/**
 * TdSimSent:
 * One message a simulated customer sent (td_sim_dup_sent()).
 */
typedef struct
{
  char       *customer;      /* uid */
  char       *line_id;
  char       *object_id;
  char       *merchant;      /* NULL for chat */
  TdBusi      busi;
  char       *kind;
  char       *random_id;
  gint64      message_id;    /* 0 until acked */
  gint64      line_seq;      /* 0 until acked */
} TdSimSent;

void         td_sim_sent_free (TdSimSent *sent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdSimSent, td_sim_sent_free)

#define TD_TYPE_SIM (td_sim_get_type ())
G_DECLARE_FINAL_TYPE (TdSim, td_sim, TD, SIM, GObject)

/*
 * Signals:
 *   "finished": void (TdSim *) — the duration elapsed and every sent
 *               message was acknowledged (or the drain timed out); the
 *               channels stay up: call td_sim_verify(), then td_sim_stop().
 *   "message-sent": void (TdSim *, const char *customer, const char *line_id,
 *               const char *kind) — after each td_channel_send().
 * Properties: "running" (gboolean, notify).
 */

/**
 * td_sim_new:
 * @base_url: the server, e.g. "http://127.0.0.1:8480"
 * @n_customers: how many travellers (c_1 … c_N unless
 *   td_sim_set_first_customer())
 * @rate_per_s: messages per second, all customers together (> 0)
 * @seed: seeds every random choice
 */
TdSim       *td_sim_new                 (const char *base_url,
                                         guint       n_customers,
                                         double      rate_per_s,
                                         guint32     seed);

/**
 * td_sim_new_demo:
 * The app's demo mode: a dozen travellers (c_1 …) writing at a pace a
 * person can follow (about one message every four seconds overall), on
 * the app's own transport policy, answering almost every operator reply
 * after a few seconds of "typing", until td_sim_stop().
 */
TdSim       *td_sim_new_demo            (const char *base_url,
                                         guint32     seed);

/* Before td_sim_start(): */
void         td_sim_set_transport       (TdSim          *self,
                                         TdSimTransport  transport);
/* Seconds of sending; 0 (the default) = until td_sim_stop(). */
void         td_sim_set_duration        (TdSim  *self,
                                         double  seconds);
/* The first customer's number K (default 1): c_K … c_(K+N-1). */
void         td_sim_set_first_customer  (TdSim *self,
                                         guint  first);
/* Log in with POST /v1/login (user c_N, password demo-cust-N) instead of
 * using the demo tokens directly. */
void         td_sim_set_use_login       (TdSim    *self,
                                         gboolean  use_login);
/* Probability of answering an operator's message (default 0.6). */
void         td_sim_set_reply_probability (TdSim  *self,
                                           double  probability);
/* The answer comes this long after the operator's message (ms, a random
 * time between the two; default 800–3000). */
void         td_sim_set_reply_delay     (TdSim *self,
                                         guint  min_ms,
                                         guint  max_ms);
/* Share of customers writing in Chinese (default 0.2). */
void         td_sim_set_chinese_share   (TdSim  *self,
                                         double  share);
/* The long-poll wait of every channel (s; 0 = the channel's default, 25). */
void         td_sim_set_poll_wait       (TdSim *self,
                                         guint  wait_s);
/* How long "finished" waits for outstanding acks (ms, default 30 000). */
void         td_sim_set_drain_timeout   (TdSim *self,
                                         guint  timeout_ms);

/* Connects every customer and starts sending. */
void         td_sim_start               (TdSim *self);
/* Ends sending now (as if the duration elapsed): "finished" follows once
 * everything sent is acknowledged. */
void         td_sim_finish              (TdSim *self);
/* Stops sending and answering and stops every channel (idempotent). */
void         td_sim_stop                (TdSim *self);
gboolean     td_sim_get_running         (TdSim *self);

/* A snapshot of the counters (latencies computed now). */
void         td_sim_get_stats           (TdSim      *self,
                                         TdSimStats *stats);

/**
 * td_sim_verify:
 * @stats: (out) (optional): the counters, with the verification's fields
 *
 * Waits for every store's queued writes (td_store_sync()), then checks
 * each customer's store: every message it sent stored exactly once (by
 * random_id and by id), nothing left in its outbox, and every line's
 * line_seq gapless up to the line's last_seq.  Returns FALSE with a
 * TD_SIM_ERROR describing the first problem.
 */
gboolean     td_sim_verify              (TdSim       *self,
                                         TdSimStats  *stats,
                                         GError     **error);

/* Every message sent so far (owned array of TdSimSent*). */
GPtrArray   *td_sim_dup_sent            (TdSim *self);

/* The channel of customer @index (0-based), for tests. */
TdChannel   *td_sim_get_channel         (TdSim *self,
                                         guint  index);

/* The end-of-run table tripdesk-sim prints (owned). */
char        *td_sim_stats_format        (const TdSimStats *stats);

G_END_DECLS

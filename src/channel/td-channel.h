/* td-channel.h — the one object the app talks to
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "td-packet.h"
#include "td-bus.h"
#include "td-store.h"
#include "td-backoff.h"

G_BEGIN_DECLS

#define TD_CHANNEL_ERROR (td_channel_error_quark ())
typedef enum
{
  TD_CHANNEL_ERROR_FAILED,
  TD_CHANNEL_ERROR_UNAUTHORIZED,   /* token refused / revoked: go to login */
  TD_CHANNEL_ERROR_OFFLINE,        /* not connected (requests that need the server) */
  TD_CHANNEL_ERROR_CLOSED,         /* the channel was stopped */
  TD_CHANNEL_ERROR_REFUSED,        /* the server refused a request; message says why */
} TdChannelError;
GQuark td_channel_error_quark (void);

typedef enum
{
  TD_CHANNEL_STATE_OFFLINE,      /* not started, stopped, or unauthorized */
  TD_CHANNEL_STATE_CONNECTING,
  TD_CHANNEL_STATE_ONLINE,       /* welcome received */
  TD_CHANNEL_STATE_BACKING_OFF,  /* waiting until "next-attempt" */
} TdChannelState;

#define TD_TYPE_CHANNEL_STATE (td_channel_state_get_type ())
GType td_channel_state_get_type (void);

typedef enum
{
  TD_TRANSPORT_POLICY_AUTO,      /* WebSocket first, long-poll fallback, probe back */
  TD_TRANSPORT_POLICY_WEBSOCKET, /* WebSocket only */
  TD_TRANSPORT_POLICY_LONG_POLL, /* long-poll only */
} TdTransportPolicy;

#define TD_TYPE_CHANNEL (td_channel_get_type ())
G_DECLARE_FINAL_TYPE (TdChannel, td_channel, TD, CHANNEL, GObject)

/*
 * Properties (read-only unless said, all notify):
 *   "state"        TdChannelState
 *   "next-attempt" gint64: monotonic ms (g_get_monotonic_time () / 1000) of
 *                  the next attempt while BACKING_OFF, else 0
 *   "transport"    string: "websocket", "long-poll", or NULL when not online
 *   "me-id", "me-name", "me-role" (string "operator"/"customer"; NULL before
 *                  the first welcome — restored from the store if known)
 *   "merchants"    GStrv of merchant ids (after welcome / from the store);
 *                  names via td_channel_get_merchant_name()
 *   "synced"       gboolean: the backlog since the last connect is stored
 *   "store", "bus", "base-url" (construct-only)
 *
 * Signals:
 *   "error": void (TdChannel *, GError *error) — refusals and problems to
 *            show (as toasts): TD_PROTOCOL_ERROR from the server's `error`
 *            packets (code = the wire code), TD_CHANNEL_ERROR otherwise.
 *   "typing": void (TdChannel *, const char *line_id, const char *who,
 *            const char *name, gboolean note)
 *   "send-failed": void (TdChannel *, const char *random_id, GError *error)
 *            — an outbox row was refused for good (it stays, FAILED)
 */

/* @bus: (nullable): NULL makes td_bus_new_default() filtered by @store. */
TdChannel   *td_channel_new             (const char *base_url,
                                         const char *token,
                                         TdStore    *store,
                                         TdBus      *bus);

TdStore     *td_channel_get_store       (TdChannel *self);
TdBus       *td_channel_get_bus         (TdChannel *self);

void         td_channel_start           (TdChannel *self);
void         td_channel_stop            (TdChannel *self);
/* Skips the backoff wait (the banner's "Retry now"). */
void         td_channel_retry_now       (TdChannel *self);

TdChannelState td_channel_get_state     (TdChannel *self);
gint64       td_channel_get_next_attempt (TdChannel *self);
const char  *td_channel_get_transport   (TdChannel *self);   /* nullable */
const char  *td_channel_get_me_id       (TdChannel *self);   /* nullable */
const char  *td_channel_get_me_name     (TdChannel *self);   /* nullable */
const char  *td_channel_get_me_role     (TdChannel *self);   /* nullable */
const char * const *td_channel_get_merchants (TdChannel *self);  /* nullable */
const char  *td_channel_get_merchant_name (TdChannel  *self,
                                           const char *merchant_id);
gboolean     td_channel_get_synced      (TdChannel *self);
/* The session's bearer token (owned), for the app's own HTTP requests
 * (the dashboard's GET /v1/stats).  Never log it. */
char        *td_channel_dup_token       (TdChannel *self);

/* ---- sending (through the store's durable outbox) ---- */
/* Returns the random_id of the new outbox row (owned). */
char        *td_channel_send            (TdChannel  *self,
                                         const char *line_id,
                                         const char *kind,
                                         JsonObject *body);
char        *td_channel_send_text       (TdChannel  *self,
                                         const char *line_id,
                                         const char *text);
/* A FAILED row: send it again (same random_id) / drop it. */
gboolean     td_channel_retry_failed    (TdChannel  *self,
                                         const char *random_id);
gboolean     td_channel_discard_failed  (TdChannel  *self,
                                         const char *random_id);

/* ---- requests ---- */
/* `open`: @uid only for operators (the customer).  Finishes with the line
 * (the store's live object once stored, transfer full). */
void         td_channel_open_line       (TdChannel           *self,
                                         const char          *object_id,
                                         TdBusi               busi,
                                         const char          *uid,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
TdLine      *td_channel_open_line_finish (TdChannel     *self,
                                          GAsyncResult  *result,
                                          GError       **error);
void         td_channel_mark_read       (TdChannel  *self,
                                         const char *line_id,
                                         gint64      upto);
/* Throttled: at most one `typing` per line every 3 s. */
void         td_channel_typing          (TdChannel  *self,
                                         const char *line_id,
                                         gboolean    note);
/* `state`: @snooze_until only with SNOOZED (0 = until the customer writes);
 * the assignee is unchanged. */
void         td_channel_set_line_state  (TdChannel   *self,
                                         const char  *line_id,
                                         TdLineState  state,
                                         gint64       snooze_until);
/* `state` with the line's current state and this assignee (NULL: unassign). */
void         td_channel_assign          (TdChannel  *self,
                                         const char *line_id,
                                         const char *assignee);
/* `history`: @before = a line_seq (0: the latest page), @limit 1..200. */
void         td_channel_request_history (TdChannel  *self,
                                         const char *line_id,
                                         gint64      before,
                                         int         limit);

/* ---- tuning and test hooks ---- */
void         td_channel_set_transport_policy (TdChannel         *self,
                                              TdTransportPolicy  policy);
/* Replaces the backoff policy (takes ownership), e.g. a seeded one. */
void         td_channel_set_backoff     (TdChannel *self,
                                         TdBackoff *backoff);
/* While on long-poll, how often to probe WebSocket (ms, default 30 000). */
void         td_channel_set_probe_interval (TdChannel *self,
                                            guint      interval_ms);
/* Overrides the server's heartbeat_s (0 = use the server's). */
void         td_channel_set_heartbeat   (TdChannel *self,
                                         guint      heartbeat_ms);
/* The long-poll wait (s, default 25). */
void         td_channel_set_poll_wait   (TdChannel *self,
                                         guint      wait_s);
/* The network came back / resume detected: reconnect within 0–1 s. */
void         td_channel_network_changed (TdChannel *self);
/* Drops the current connection as if it broke (tests). */
void         td_channel_drop_connection (TdChannel *self);

G_END_DECLS

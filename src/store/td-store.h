/* td-store.h — the client's local cache: lines, messages, outbox, cursor, FTS
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One sqlite (WAL) database per server + account.  Every database access
 * runs on the store's worker thread; writes are batched into one
 * transaction per main-loop turn, and the persisted cursor is advanced in
 * the same transaction as the events it covers.  Lines are mirrored in
 * memory (the live TdLine objects the models hand out); messages are read
 * on demand with td_store_load_messages_async().
 */
#pragma once

#include <gio/gio.h>

#include "td-packet.h"
#include "td-stats.h"

G_BEGIN_DECLS

#define TD_STORE_ERROR (td_store_error_quark ())
typedef enum
{
  TD_STORE_ERROR_FAILED,     /* sqlite said no (disk full, I/O…) */
  TD_STORE_ERROR_CORRUPT,    /* the file is not a usable database */
  TD_STORE_ERROR_TOO_NEW,    /* written by a newer Tripdesk */
  TD_STORE_ERROR_NOT_FOUND,  /* no such outbox row / line */
  TD_STORE_ERROR_CLOSED,     /* the store was disposed */
} TdStoreError;
GQuark td_store_error_quark (void);

/* The schema version this build writes. */
#define TD_STORE_SCHEMA_VERSION 3

typedef struct
{
  char   *line_id;
  gint64  before;   /* ask history for messages before this line_seq */
  int     count;    /* how many are missing (≤ TD_HISTORY_MAX_LIMIT) */
} TdStoreGap;

/**
 * TdStoreChanges:
 * What one committed transaction changed (the "committed" signal's
 * argument, valid during the emission).
 */
typedef struct
{
  GPtrArray *lines_added;      /* TdLine: the store's live objects, new */
  GPtrArray *lines_changed;    /* TdLine: the store's live objects, updated */
  GPtrArray *messages_added;   /* TdMessage: new stored messages and new
                                * outbox rows (delivery PENDING, id 0) */
  GPtrArray *messages_updated; /* TdMessage: a stored message whose content
                                * changed; an outbox row now FAILED / PENDING
                                * again; an outbox row that became stored
                                * (id set, same random_id, delivery STORED) */
  GPtrArray *messages_removed; /* TdMessage: discarded outbox rows */
  GPtrArray *gaps;             /* TdStoreGap*: holes in line_seq to fill */
  gboolean   cursor_changed;
  gint64     cursor;           /* the persisted cursor after the commit */
} TdStoreChanges;

#define TD_TYPE_STORE (td_store_get_type ())
G_DECLARE_FINAL_TYPE (TdStore, td_store, TD, STORE, GObject)

/*
 * Signals:
 *   "committed": void (TdStore *, TdStoreChanges *changes) — main thread,
 *                after each transaction that changed something.
 *   "history-wanted": void (TdStore *, const char *line_id, gint64 before)
 *                — a model ran out of stored messages (before = the oldest
 *                line_seq it has; 0 = the latest page); the channel answers
 *                with a `history` request.
 * Properties: "path" (construct-only, nullable), "cursor" (int64, -1 when
 *   none), "me-id" (string).
 */

/* $XDG_DATA_HOME/tripdesk/<server>-<account>.db (owned); creates the folder. */
char        *td_store_dup_default_path (const char *server_url,
                                        const char *account);

/**
 * td_store_new:
 * @path: (nullable): the database file, or NULL for an in-memory cache
 *
 * Opens (or creates) the cache.  A corrupt file, or one from a newer
 * schema, is renamed to `<path>.broken-<time>` (never deleted), a fresh
 * cache is made, and td_store_get_recovered_message() says so.  Fails only
 * when even a fresh cache cannot be made.
 */
TdStore     *td_store_new               (const char  *path,
                                         GError     **error);
const char  *td_store_get_path          (TdStore *self);
/* Non-NULL after a recovery: a sentence for the user. */
const char  *td_store_get_recovered_message (TdStore *self);
const char  *td_store_get_recovered_path    (TdStore *self);

/* Who this cache belongs to (persisted): drives unread and waiting-since. */
void         td_store_set_me            (TdStore    *self,
                                         const char *id,
                                         TdRole      role,
                                         const char *name);
const char  *td_store_get_me_id         (TdStore *self);   /* nullable */
TdRole       td_store_get_me_role       (TdStore *self);
const char  *td_store_get_me_name       (TdStore *self);
/* Small persisted key/values (e.g. the merchants list as JSON). */
void         td_store_set_meta          (TdStore    *self,
                                         const char *key,
                                         const char *value);
char        *td_store_dup_meta          (TdStore    *self,
                                         const char *key);

/* ---- cursor ---- */
/* The highest cursor accepted (queued or committed); FALSE: none (fresh). */
gboolean     td_store_get_cursor        (TdStore *self,
                                         gint64  *cursor);
/* The highest cursor persisted on disk. */
gboolean     td_store_get_committed_cursor (TdStore *self,
                                            gint64  *cursor);

/* ---- writes from the channel (batched; one transaction per turn) ---- */
/**
 * td_store_apply_packet:
 * Queues the effect of a server packet: `line`, `msg`, `read` (upserts),
 * `ack` (the message, and the outbox row it completes), `history`
 * (upserts), `synced` (advances the cursor, never lowers it).  With @advance_cursor, a
 * stream event's cursor is persisted with it (FALSE while replaying a
 * cursor-null snapshot, whose events are not in cursor order).
 */
void         td_store_apply_packet      (TdStore  *self,
                                         TdPacket *packet,
                                         gboolean  advance_cursor);
/* Sets the cursor to exactly @cursor (even lower) with the writes queued so
 * far: only when the server's cursors went back (a restored database). */
void         td_store_reset_cursor      (TdStore *self,
                                         gint64   cursor);
/* Persists @cursor (if higher) with the writes queued so far. */
void         td_store_advance_cursor    (TdStore *self,
                                         gint64   cursor);
/* Ends the current batch now (it is committed on the worker). */
void         td_store_flush             (TdStore *self);
/* Blocks until everything queued so far is on disk (tests, shutdown). */
void         td_store_sync              (TdStore *self);
/* TRUE when @packet is a stream event (`msg`, `line`, `read`) at or below
 * the accepted cursor: already stored or on its way (no SQL). */
gboolean     td_store_contains_event    (TdStore  *self,
                                         TdPacket *packet);

/* ---- outbox (durable; in memory too, it is small) ---- */
/* Queues a new pending row; returns it (owned; delivery PENDING, id 0). */
TdMessage   *td_store_outbox_add        (TdStore    *self,
                                         const char *line_id,
                                         const char *kind,
                                         JsonObject *body,
                                         const char *random_id);
/* Pending and failed rows, oldest first (owned array of TdMessage). */
GPtrArray   *td_store_dup_outbox        (TdStore *self);
TdMessage   *td_store_outbox_lookup     (TdStore    *self,
                                         const char *random_id);  /* borrowed */
/* A permanent refusal: the row stays, as FAILED, with @error. */
gboolean     td_store_outbox_fail       (TdStore    *self,
                                         const char *random_id,
                                         const char *error);
/* FAILED → PENDING (the channel sends it again). */
gboolean     td_store_outbox_retry      (TdStore    *self,
                                         const char *random_id);
gboolean     td_store_outbox_discard    (TdStore    *self,
                                         const char *random_id);

/* ---- lines (in memory, main thread; append-only positions) ---- */
guint        td_store_get_n_lines       (TdStore *self);
TdLine      *td_store_get_line_at       (TdStore *self,
                                         guint    position);   /* borrowed */
TdLine      *td_store_lookup_line       (TdStore    *self,
                                         const char *line_id);  /* borrowed */
gboolean     td_store_lookup_line_position (TdStore    *self,
                                            const char *line_id,
                                            guint      *position);

/* ---- messages (read on the worker) ---- */
/**
 * td_store_load_messages_async:
 * @before: (nullable): load the page just older than this message; NULL =
 *   the newest page, which then also ends with the line's outbox rows
 * @limit: stored messages per page
 *
 * Messages oldest first (ordered by ts, line_seq, id).  The result reflects
 * every commit already signalled, and no later one.
 */
void         td_store_load_messages_async  (TdStore             *self,
                                            const char          *line_id,
                                            TdMessage           *before,
                                            int                  limit,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* (transfer full) array of TdMessage; @more: older stored messages exist. */
GPtrArray   *td_store_load_messages_finish (TdStore       *self,
                                            GAsyncResult  *result,
                                            gboolean      *more,
                                            GError       **error);
/* Same, blocking (tests, the simulator). */
GPtrArray   *td_store_load_messages_sync   (TdStore     *self,
                                            const char  *line_id,
                                            TdMessage   *before,
                                            int          limit,
                                            gboolean    *more,
                                            GError     **error);
/* Number of stored messages of a line (blocking; tests and tools). */
gint64       td_store_count_messages_sync  (TdStore    *self,
                                            const char *line_id);

/**
 * td_store_search_async:
 * Full-text search of message text (FTS5; CJK indexed as bigrams, so 酒店
 * finds 我想预订酒店的房间).  Newest first, at most @limit.
 */
void         td_store_search_async      (TdStore             *self,
                                         const char          *query,
                                         int                  limit,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
GPtrArray   *td_store_search_finish     (TdStore       *self,
                                         GAsyncResult  *result,
                                         GError       **error);

/* Emits "history-wanted" (a model ran out of stored messages). */
void         td_store_request_history   (TdStore    *self,
                                         const char *line_id,
                                         gint64      before);

/* The text the FTS index stores for @text: CJK runs as overlapping bigrams
 * (owned).  Exposed for tests. */
char        *td_store_fts_text          (const char *text);

/* ---- dashboard figures from the cache (td-store-metrics.c) ---- */
/**
 * td_store_compute_stats_async:
 * The figures of docs/metrics.md for @merchant at @now in @tz (NULL:
 * local), computed with td_metrics_compute() from what the cache holds —
 * the offline dashboard.  Read-only; runs on a thread.  The cache records
 * no state changes, so resolution and reopen figures are empty.
 */
void         td_store_compute_stats_async  (TdStore             *self,
                                            const char          *merchant,
                                            gint64               now,
                                            GTimeZone           *tz,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
/* (transfer full) */
TdStats     *td_store_compute_stats_finish (TdStore       *self,
                                            GAsyncResult  *result,
                                            GError       **error);

G_END_DECLS

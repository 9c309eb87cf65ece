/* td-server-store.h — the server's storage interface
 *
 * A small table of operations the session logic needs.  sqlite implements
 * it now (td-server-store-sqlite.c); a PostgreSQL backend can slot in later
 * by filling in the same table.  Cursors are assigned at commit order: the
 * sqlite backend has a single writer and assigns them inside the committing
 * transaction.
 *
 * All functions run on the main thread.  Every write happens between
 * begin() and commit() (or rollback()); savepoint() / release() /
 * rollback_to() isolate one packet's work inside the batch.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "td-protocol.h"
#include "td-packet.h"
#include "td-line.h"
#include "td-message.h"
#include "td-metrics.h"

G_BEGIN_DECLS

#define TD_SERVER_STORE_ERROR (td_server_store_error_quark ())
GQuark td_server_store_error_quark (void);

typedef enum
{
  TD_SERVER_STORE_ERROR_FAILED,      /* an sqlite call failed */
  TD_SERVER_STORE_ERROR_NEWER,       /* schema newer than this server */
  TD_SERVER_STORE_ERROR_CORRUPT,     /* not a database / integrity check failed */
  TD_SERVER_STORE_ERROR_FOREIGN,     /* a database that is not Tripdesk's */
  TD_SERVER_STORE_ERROR_INJECTED,    /* fault injection (tests) */
} TdServerStoreError;

#define TD_SERVER_SCHEMA_VERSION 1

/* A user as the server knows it (refcounted, immutable). */
typedef struct
{
  gatomicrefcount ref_count;
  char      *id;
  char      *login;
  TdRole     role;
  char      *name;
  GPtrArray *merchants;   /* of TdMerchantRef*, sorted by id */
} TdSrvUser;

TdSrvUser *td_srv_user_ref      (TdSrvUser *user);
void       td_srv_user_unref    (TdSrvUser *user);
gboolean   td_srv_user_has_merchant (TdSrvUser  *user,
                                     const char *merchant);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdSrvUser, td_srv_user_unref)

typedef enum
{
  TD_EVENT_MSG,
  TD_EVENT_LINE,
  TD_EVENT_READ,
} TdEventType;

/* Who may see a line's events. */
typedef struct
{
  const char *line_id;
  const char *merchant;   /* NULL for chat */
  const char *uid;
  const char *peer;       /* the second customer of a chat, else NULL */
  gboolean    ops_only;   /* notes: operators only */
} TdRoute;

/* One stream event as read back: the encoded packet. */
typedef struct
{
  gint64  cursor;
  char   *json;
} TdStoredEvent;

void td_stored_event_free (TdStoredEvent *event);

/* Per-line figures the stats code iterates over. */
typedef struct
{
  TdLine     *line;               /* wire fields */
  TdRole      last_sender_role;   /* of the last customer-visible message */
  gboolean    has_messages;
  gint64      waiting_since;      /* first unanswered customer message, 0 = none */
} TdStatsLine;

typedef gboolean (*TdStoreLineFunc) (const TdStatsLine *row,
                                     gpointer           user_data);

/* The records td_metrics_compute() needs for one merchant (docs/metrics.md);
 * their strings live in @strings. */
typedef struct
{
  GArray       *lines;      /* TdMetricsLine */
  GArray       *messages;   /* TdMetricsMessage, by ts */
  GArray       *changes;    /* TdMetricsStateChange, by ts */
  GStringChunk *strings;
} TdStatsRecords;

TdStatsRecords *td_stats_records_new  (void);
void            td_stats_records_free (TdStatsRecords *records);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStatsRecords, td_stats_records_free)

typedef struct _TdServerStore TdServerStore;

typedef struct
{
  void        (*free)              (TdServerStore *store);

  /* transactions */
  gboolean    (*begin)             (TdServerStore *store, GError **error);
  gboolean    (*commit)            (TdServerStore *store, GError **error);
  void        (*rollback)          (TdServerStore *store);
  gboolean    (*savepoint)         (TdServerStore *store, GError **error);
  void        (*release)           (TdServerStore *store);
  void        (*rollback_to)       (TdServerStore *store);

  /* accounts */
  gboolean    (*is_empty)          (TdServerStore *store);
  gboolean    (*seed_demo)         (TdServerStore *store, int n_customers, GError **error);
  TdSrvUser * (*lookup_token)      (TdServerStore *store, const char *token_hash, gboolean *demo);
  TdSrvUser * (*get_user)          (TdServerStore *store, const char *uid);
  TdSrvUser * (*get_login)         (TdServerStore *store, const char *login,
                                    char **pwhash, gboolean *demo);
  gboolean    (*set_pwhash)        (TdServerStore *store, const char *uid,
                                    const char *pwhash, GError **error);
  gboolean    (*add_token)         (TdServerStore *store, const char *token_hash,
                                    const char *uid, GError **error);
  gboolean    (*revoke_token)      (TdServerStore *store, const char *token_hash, GError **error);
  char *      (*get_merchant_name) (TdServerStore *store, const char *merchant);

  /* lines */
  TdLine *    (*get_line)          (TdServerStore *store, const char *line_id);
  TdLine *    (*find_line)         (TdServerStore *store, const char *uid,
                                    const char *object_id, TdBusi busi);
  gboolean    (*insert_line)       (TdServerStore *store, TdLine *line, GError **error);
  gboolean    (*update_line)       (TdServerStore *store, TdLine *line, GError **error);
  GPtrArray * (*due_snoozes)       (TdServerStore *store, gint64 now);   /* of TdLine */
  gint64      (*next_snooze)       (TdServerStore *store);               /* 0 = none */

  /* messages */
  TdMessage * (*find_message)      (TdServerStore *store, const char *sender,
                                    const char *random_id);
  /* stores @msg (line_seq and ts set by the caller), sets its id */
  gint64      (*insert_message)    (TdServerStore *store, TdMessage *msg, GError **error);
  GPtrArray * (*history)           (TdServerStore *store, const char *line_id,
                                    gint64 before, int limit, gboolean with_notes,
                                    gboolean *more);                       /* of TdMessage */

  /* reads */
  gint64      (*get_read)          (TdServerStore *store, const char *line_id, const char *reader);
  gboolean    (*set_read)          (TdServerStore *store, const char *line_id, const char *reader,
                                    gint64 upto, gint64 cursor, GError **error);

  /* the event stream */
  gint64      (*add_event)         (TdServerStore *store, TdEventType type, const TdRoute *route,
                                    gint64 msg_id, const char *reader, const char *payload,
                                    GError **error);
  gint64      (*max_cursor)        (TdServerStore *store);
  /* visible events with cursor > after, at most @limit (NULL on failure) */
  GPtrArray * (*events_after)      (TdServerStore *store, TdSrvUser *user, gint64 after,
                                    int limit);                            /* of TdStoredEvent */
  /* snapshot for cursor null, as encoded packets with their cursors */
  GPtrArray * (*snapshot)          (TdServerStore *store, TdSrvUser *user, gint64 upto,
                                    gint64 resolved_cutoff, int per_line); /* of TdStoredEvent */

  /* figures */
  gboolean    (*foreach_line)      (TdServerStore *store, const char *merchant,
                                    TdStoreLineFunc func, gpointer user_data);
  gint64      (*count_messages)    (TdServerStore *store, const char *merchant,
                                    gint64 since, gint64 until);
  /* every line of @merchant; the messages of those not resolved or updated
   * since @since; their state changes (all of those lines', and the others'
   * since @since) — appended to @records */
  gboolean    (*stats_records)     (TdServerStore *store, const char *merchant,
                                    gint64 since, TdStatsRecords *records,
                                    GError **error);
} TdServerStoreVTable;

struct _TdServerStore
{
  const TdServerStoreVTable *vt;
  gboolean fail_next_write;     /* fault injection: the next write fails */
};

/* The sqlite backend.  Opens, checks and migrates @path; refuses a newer or
 * corrupt file without touching it. */
TdServerStore *td_server_store_sqlite_new (const char  *path,
                                           GError     **error);

static inline void
td_server_store_free (TdServerStore *store)
{
  if (store != NULL)
    store->vt->free (store);
}

/* SHA-256 hex of a token, as stored (tokens are never stored in clear). */
char *td_server_hash_token (const char *token);

/* Demo accounts (protocol.md). */
/* The demo password of a demo login (alice → demo-op-alice, c_7 → demo-cust-7), owned; NULL otherwise. */
char *td_server_demo_password (const char *login);
/* The fixed demo token of a demo user id (o_alice → demo-op-alice, c_7 → demo-cust-7), owned. */
char *td_server_demo_token (const char *uid);

G_END_DECLS

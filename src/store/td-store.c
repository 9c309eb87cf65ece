/* td-store.c — the client's local cache (sqlite, WAL, one worker thread)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-store"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sqlite3.h>
#include <glib/gstdio.h>

#include "td-store-private.h"
#include "td-json.h"

G_DEFINE_QUARK (td-store-error-quark, td_store_error)

#define MAX_BATCH_OPS 2000

/* ------------------------------------------------------------------------ */
/* Operations queued on the main thread, applied in one transaction         */

typedef enum
{
  OP_PACKET,
  OP_CURSOR,
  OP_CURSOR_RESET,
  OP_OUTBOX_ADD,
  OP_OUTBOX_FAIL,
  OP_OUTBOX_RETRY,
  OP_OUTBOX_DISCARD,
  OP_META,
  OP_ME,
} OpType;

typedef struct
{
  OpType     type;
  TdPacket  *packet;
  gboolean   advance;
  gint64     cursor;
  char      *random_id;
  char      *line_id;
  char      *kind;
  char      *body;       /* outbox add: the body, serialised */
  gint64     ts;
  char      *text;       /* fail: error; meta: value; me: name */
  char      *key;        /* meta: key; me: id */
  TdRole     role;
} Op;

static void
op_free (gpointer data)
{
  Op *op = data;

  g_clear_pointer (&op->packet, td_packet_unref);
  g_free (op->random_id);
  g_free (op->line_id);
  g_free (op->kind);
  g_free (op->body);
  g_free (op->text);
  g_free (op->key);
  g_free (op);
}

typedef enum
{
  JOB_WRITE,
  JOB_LOAD,
  JOB_SEARCH,
  JOB_COUNT,
  JOB_SYNC,
  JOB_QUIT,
} JobType;

typedef struct
{
  GMutex    mutex;
  GCond     cond;
  gboolean  done;
  gpointer  result;
  gboolean  more;
  gint64    count;
  GError   *error;
} SyncWait;

typedef struct
{
  JobType    type;
  GPtrArray *ops;
  GTask     *task;
  SyncWait  *wait;
  char      *line_id;
  gboolean   has_before;
  gint64     before_ts;
  gint64     before_seq;
  gint64     before_id;
  int        limit;
  char      *query;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->ops, g_ptr_array_unref);
  g_clear_object (&job->task);
  g_free (job->line_id);
  g_free (job->query);
  g_free (job);
}

typedef struct
{
  GTask          *task;        /* a load / search result to return */
  gpointer        data;
  GDestroyNotify  destroy;
  gboolean        more;
  GError         *error;

  /* a commit */
  gboolean        is_commit;
  GPtrArray      *line_snaps;  /* TdLine */
  GPtrArray      *messages_added;
  GPtrArray      *messages_updated;
  GPtrArray      *messages_removed;
  GPtrArray      *gaps;
  gboolean        cursor_changed;
  gint64          cursor;
} Result;

static void
gap_free (gpointer data)
{
  TdStoreGap *gap = data;

  g_free (gap->line_id);
  g_free (gap);
}

static Result *
result_new_commit (void)
{
  Result *r = g_new0 (Result, 1);

  r->is_commit = TRUE;
  r->line_snaps = g_ptr_array_new_with_free_func (g_object_unref);
  r->messages_added = g_ptr_array_new_with_free_func (g_object_unref);
  r->messages_updated = g_ptr_array_new_with_free_func (g_object_unref);
  r->messages_removed = g_ptr_array_new_with_free_func (g_object_unref);
  r->gaps = g_ptr_array_new_with_free_func (gap_free);
  return r;
}

static void
result_free (Result *r)
{
  g_clear_object (&r->task);
  if (r->data && r->destroy)
    r->destroy (r->data);
  g_clear_error (&r->error);
  g_clear_pointer (&r->line_snaps, g_ptr_array_unref);
  g_clear_pointer (&r->messages_added, g_ptr_array_unref);
  g_clear_pointer (&r->messages_updated, g_ptr_array_unref);
  g_clear_pointer (&r->messages_removed, g_ptr_array_unref);
  g_clear_pointer (&r->gaps, g_ptr_array_unref);
  g_free (r);
}

/* ------------------------------------------------------------------------ */
/* The worker's view: the connection and what it needs                      */

/* What the worker knows of a line's client-side fields, kept up to date
 * message by message (no SQL per message); `full` asks for a recompute
 * from the messages at the end of the batch, `recount` for unread only. */
typedef struct
{
  char    *uid;
  gint64   last_seq;
  gint64   updated;
  gint64   preview_seq;
  gint64   last_op_seq;
  gint64   waiting_since;
  gint64   read_upto;
  gint64   peer_read;   /* the other party's read mark (TdLine:peer-read) */
  int      unread;
  TdRole   last_role;
  char    *preview;
  gboolean full;
  gboolean recount;
  gboolean row;       /* the lines row exists */
} LineState;

static void
line_state_free (gpointer data)
{
  LineState *st = data;

  g_free (st->uid);
  g_free (st->preview);
  g_free (st);
}

typedef struct
{
  sqlite3    *db;
  GHashTable *stmts;      /* const char *sql → sqlite3_stmt* */
  GHashTable *states;     /* line id → LineState* (worker only) */
  char       *me_id;
  TdRole      me_role;
  gboolean    has_cursor;
  gint64      cursor;
} Db;

struct _TdStore
{
  GObject       parent_instance;

  char         *path;
  char         *recovered_message;
  char         *recovered_path;
  GMainContext *context;

  Db           *db;           /* owned by the worker once it runs */
  GThread      *worker;
  GAsyncQueue  *jobs;

  GMutex        results_lock;
  GQueue        results;
  GSource      *dispatch_source;

  /* main-thread mirror */
  GPtrArray    *lines;        /* TdLine, append-only */
  GHashTable   *line_index;   /* id → GUINT_TO_POINTER (position + 1) */
  GPtrArray    *outbox;       /* TdMessage, oldest first */
  GHashTable   *meta;         /* key → value */
  char         *me_id;
  char         *me_name;
  TdRole        me_role;

  gboolean      has_cursor;
  gint64        cursor;       /* accepted */
  gboolean      has_committed_cursor;
  gint64        committed_cursor;

  GPtrArray    *batch;        /* Op */
  guint         flush_source;
  gboolean      closed;
};

G_DEFINE_FINAL_TYPE (TdStore, td_store, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PATH,
  PROP_CURSOR,
  PROP_ME_ID,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  SIGNAL_COMMITTED,
  SIGNAL_HISTORY_WANTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------------ */
/* sqlite helpers (worker thread, or the main thread before it starts)       */

static const char schema_sql[] =
  "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
  "CREATE TABLE IF NOT EXISTS lines ("
  "  id TEXT PRIMARY KEY, uid TEXT NOT NULL DEFAULT '', customer_name TEXT,"
  "  object_id TEXT NOT NULL DEFAULT '', busi INTEGER NOT NULL DEFAULT 0,"
  "  merchant TEXT, title TEXT, state INTEGER NOT NULL DEFAULT 0,"
  "  assignee TEXT, snooze_until INTEGER NOT NULL DEFAULT 0,"
  "  last_seq INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL DEFAULT 0,"
  "  updated INTEGER NOT NULL DEFAULT 0, unread INTEGER NOT NULL DEFAULT 0,"
  "  preview TEXT, last_sender_role INTEGER NOT NULL DEFAULT 0,"
  "  waiting_since INTEGER NOT NULL DEFAULT 0, read_upto INTEGER NOT NULL DEFAULT 0,"
  "  last_op_seq INTEGER NOT NULL DEFAULT 0, preview_seq INTEGER NOT NULL DEFAULT 0,"
  "  peer_read INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE IF NOT EXISTS messages ("
  "  id INTEGER PRIMARY KEY, line TEXT NOT NULL, line_seq INTEGER NOT NULL,"
  "  sender_id TEXT, sender_role INTEGER NOT NULL, sender_name TEXT,"
  "  kind TEXT NOT NULL, body TEXT NOT NULL, ts INTEGER NOT NULL,"
  "  random_id TEXT);"
  "CREATE INDEX IF NOT EXISTS messages_by_seq ON messages (line, line_seq);"
  "CREATE INDEX IF NOT EXISTS messages_by_ts ON messages (line, ts, line_seq, id);"
  "CREATE TABLE IF NOT EXISTS reads ("
  "  line TEXT NOT NULL, reader TEXT NOT NULL, upto INTEGER NOT NULL,"
  "  PRIMARY KEY (line, reader));"
  "CREATE TABLE IF NOT EXISTS outbox ("
  "  seq INTEGER PRIMARY KEY AUTOINCREMENT, random_id TEXT NOT NULL UNIQUE,"
  "  line TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,"
  "  created INTEGER NOT NULL, state INTEGER NOT NULL DEFAULT 0, error TEXT);"
  "CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5 (text, tokenize = 'unicode61');";

/* 1 → 2: the incremental line fields; every line is recomputed on its next
 * change (preview_seq -1) */
static const char upgrade_1_2_sql[] =
  "ALTER TABLE lines ADD COLUMN read_upto INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE lines ADD COLUMN last_op_seq INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE lines ADD COLUMN preview_seq INTEGER NOT NULL DEFAULT -1;"
  "PRAGMA user_version = 2;";

/* 2 → 3: the other party's read mark, derived from the `reads` the cache
 * already holds (an operator's peer is the line's customer, a customer's
 * anyone else; unknown until the cache knows who it belongs to). */
static const char upgrade_2_3_sql[] =
  "ALTER TABLE lines ADD COLUMN peer_read INTEGER NOT NULL DEFAULT 0;"
  "UPDATE lines SET peer_read = COALESCE ((SELECT MAX (r.upto) FROM reads r"
  "  WHERE r.line = lines.id AND CASE (SELECT value FROM meta WHERE key = 'me.role')"
  "    WHEN 'operator' THEN r.reader = lines.uid"
  "    WHEN 'customer' THEN r.reader != (SELECT value FROM meta WHERE key = 'me.id')"
  "    ELSE 0 END), 0);"
  "PRAGMA user_version = 3;";

static void
set_sqlite_error (GError     **error,
                  sqlite3     *db,
                  int          rc,
                  const char  *what)
{
  int code = TD_STORE_ERROR_FAILED;

  if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
    code = TD_STORE_ERROR_CORRUPT;
  g_set_error (error, TD_STORE_ERROR, code, "%s: %s", what,
               db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
}

static sqlite3_stmt *
stmt (Db         *d,
      const char *sql)
{
  sqlite3_stmt *s = g_hash_table_lookup (d->stmts, sql);

  if (s == NULL)
    {
      int rc = sqlite3_prepare_v3 (d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);

      if (rc != SQLITE_OK)
        {
          g_message ("store: cannot prepare %s: %s", sql, sqlite3_errmsg (d->db));
          return NULL;
        }
      g_hash_table_insert (d->stmts, (gpointer) sql, s);
    }
  else
    {
      sqlite3_reset (s);
      sqlite3_clear_bindings (s);
    }
  return s;
}

static void
bind_text (sqlite3_stmt *s,
           int           i,
           const char   *v)
{
  if (v)
    sqlite3_bind_text (s, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (s, i);
}

static const char *
col_text (sqlite3_stmt *s,
          int           i)
{
  return (const char *) sqlite3_column_text (s, i);
}

static gboolean
exec (Db         *d,
      const char *sql,
      GError    **error)
{
  char *msg = NULL;
  int rc = sqlite3_exec (d->db, sql, NULL, NULL, &msg);

  if (rc != SQLITE_OK)
    {
      g_set_error (error, TD_STORE_ERROR,
                   (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB) ? TD_STORE_ERROR_CORRUPT : TD_STORE_ERROR_FAILED,
                   "%s", msg ? msg : sqlite3_errstr (rc));
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/* Runs a prepared statement without rows; FALSE on error. */
static gboolean
step_done (Db           *d,
           sqlite3_stmt *s)
{
  int rc;

  if (s == NULL)
    return FALSE;
  rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      g_message ("store: %s", sqlite3_errmsg (d->db));
      return FALSE;
    }
  return TRUE;
}

static void
db_free (Db *d)
{
  if (d == NULL)
    return;
  if (d->stmts)
    {
      GHashTableIter iter;
      gpointer value;

      g_hash_table_iter_init (&iter, d->stmts);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        sqlite3_finalize (value);
      g_hash_table_unref (d->stmts);
    }
  if (d->db)
    sqlite3_close (d->db);
  g_clear_pointer (&d->states, g_hash_table_unref);
  g_free (d->me_id);
  g_free (d);
}

static Db *
db_open (const char  *path,
         GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  Db *d = g_new0 (Db, 1);
  sqlite3_stmt *s = NULL;
  int rc;
  int version = 0;

  d->stmts = g_hash_table_new (NULL, NULL);
  d->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, line_state_free);
  rc = sqlite3_open_v2 (path ? path : ":memory:", &d->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, d->db, rc, "cannot open the cache");
      db_free (d);
      return NULL;
    }
  sqlite3_busy_timeout (d->db, 5000);

  rc = sqlite3_prepare_v2 (d->db, "PRAGMA user_version", -1, &s, NULL);
  if (rc == SQLITE_OK)
    {
      rc = sqlite3_step (s);
      if (rc == SQLITE_ROW)
        {
          version = sqlite3_column_int (s, 0);
          rc = SQLITE_OK;
        }
    }
  sqlite3_finalize (s);
  if (rc != SQLITE_OK)
    {
      set_sqlite_error (error, d->db, rc, "cannot read the cache");
      db_free (d);
      return NULL;
    }
  if (version > TD_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_TOO_NEW,
                   "the cache was written by a newer Tripdesk (schema %d, this one knows %d)",
                   version, TD_STORE_SCHEMA_VERSION);
      db_free (d);
      return NULL;
    }

  if (!exec (d, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; "
                "PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY; "
                "PRAGMA mmap_size = 268435456;", &local_error)
      || !exec (d, "BEGIN IMMEDIATE", &local_error))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      db_free (d);
      return NULL;
    }
  /* Upgrades, one version at a time, in the same transaction */
  if (version == 1 || version == 2)
    {
      if ((version == 1 && !exec (d, upgrade_1_2_sql, &local_error))
          || !exec (d, upgrade_2_3_sql, &local_error))
        {
          exec (d, "ROLLBACK", NULL);
          g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CORRUPT,
                       "the cache could not be upgraded: %s", local_error->message);
          db_free (d);
          return NULL;
        }
    }
  if (version == 0)
    {
      if (!exec (d, schema_sql, &local_error)
          || !exec (d, "PRAGMA user_version = " G_STRINGIFY (TD_STORE_SCHEMA_VERSION), &local_error))
        {
          exec (d, "ROLLBACK", NULL);
          g_propagate_error (error, g_steal_pointer (&local_error));
          db_free (d);
          return NULL;
        }
    }
  /* A known version must have our tables (a cheap sanity check: one row
   * each; count(*) would read every page — all of the FTS index on a big
   * cache, ~130 MB and ~0.4 s at 500,000 messages). */
  if (!exec (d, "SELECT 1 FROM lines LIMIT 1; SELECT 1 FROM messages_fts LIMIT 1;"
                "SELECT 1 FROM outbox LIMIT 1; SELECT 1 FROM meta LIMIT 1;",
             &local_error)
      || !exec (d, "COMMIT", &local_error))
    {
      exec (d, "ROLLBACK", NULL);
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CORRUPT,
                   "the cache is damaged: %s", local_error->message);
      db_free (d);
      return NULL;
    }

  return d;
}

/* ------------------------------------------------------------------------ */
/* Rows → objects                                                            */

#define MESSAGE_COLS "id, line, line_seq, sender_id, sender_role, sender_name, kind, body, ts, random_id"

static JsonObject *
parse_body (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text && json_parser_load_from_data (parser, text, -1, NULL))
    {
      root = json_parser_get_root (parser);
      if (root && JSON_NODE_HOLDS_OBJECT (root))
        return json_object_ref (json_node_get_object (root));
    }
  return json_object_new ();
}

static TdMessage *
message_from_row (sqlite3_stmt *s)
{
  g_autoptr(JsonObject) body = parse_body (col_text (s, 7));

  return td_message_new (sqlite3_column_int64 (s, 0),
                         col_text (s, 1),
                         sqlite3_column_int64 (s, 2),
                         col_text (s, 3),
                         (TdRole) sqlite3_column_int (s, 4),
                         col_text (s, 5),
                         col_text (s, 6),
                         body,
                         sqlite3_column_int64 (s, 8),
                         col_text (s, 9));
}

#define OUTBOX_COLS "random_id, line, kind, body, created, state, error"

static TdMessage *
outbox_from_row (sqlite3_stmt *s,
                 const char   *me_id,
                 TdRole        me_role,
                 const char   *me_name)
{
  g_autoptr(JsonObject) body = parse_body (col_text (s, 3));
  TdMessage *m = td_message_new (0, col_text (s, 1), 0, me_id, me_role, me_name,
                                 col_text (s, 2), body,
                                 sqlite3_column_int64 (s, 4), col_text (s, 0));

  td_message_set_delivery (m, sqlite3_column_int (s, 5) ? TD_DELIVERY_FAILED : TD_DELIVERY_PENDING);
  td_message_set_error (m, col_text (s, 6));
  return m;
}

#define LINE_COLS "id, uid, customer_name, object_id, busi, merchant, title, state, assignee, " \
                  "snooze_until, last_seq, created, updated, unread, preview, last_sender_role, waiting_since, " \
                  "peer_read"

static TdLine *
line_from_row (sqlite3_stmt *s)
{
  TdLine *l = td_line_new (col_text (s, 0), col_text (s, 1), col_text (s, 3),
                           (TdBusi) sqlite3_column_int (s, 4));

  td_line_set_customer_name (l, col_text (s, 2));
  td_line_set_merchant (l, col_text (s, 5));
  td_line_set_title (l, col_text (s, 6));
  td_line_set_state (l, (TdLineState) CLAMP (sqlite3_column_int (s, 7), 0, TD_LINE_STATE_RESOLVED));
  td_line_set_assignee (l, col_text (s, 8));
  td_line_set_snooze_until (l, sqlite3_column_int64 (s, 9));
  td_line_set_last_seq (l, sqlite3_column_int64 (s, 10));
  td_line_set_created (l, sqlite3_column_int64 (s, 11));
  td_line_set_updated (l, sqlite3_column_int64 (s, 12));
  td_line_set_unread (l, sqlite3_column_int (s, 13));
  td_line_set_preview (l, col_text (s, 14));
  td_line_set_last_sender_role (l, (TdRole) sqlite3_column_int (s, 15));
  td_line_set_waiting_since (l, sqlite3_column_int64 (s, 16));
  td_line_set_peer_read (l, sqlite3_column_int64 (s, 17));
  return l;
}

/* ------------------------------------------------------------------------ */
/* Worker: writes                                                            */

typedef struct
{
  Db         *d;
  Result     *result;
  GHashTable *dirty;          /* line id → TRUE (ordered by dirty_order) */
  GPtrArray  *dirty_order;
  GHashTable *gap_lines;      /* line id → TRUE: one gap report per line */
  gboolean    cursor_changed;
} Tx;

static void
mark_dirty (Tx         *tx,
            const char *line_id)
{
  if (!g_hash_table_contains (tx->dirty, line_id))
    {
      char *id = g_strdup (line_id);

      g_hash_table_add (tx->dirty, id);
      g_ptr_array_add (tx->dirty_order, id);
    }
}

static LineState *get_state (Tx *tx, const char *line_id);

static void
ensure_line (Tx         *tx,
             const char *line_id)
{
  LineState *st = get_state (tx, line_id);
  sqlite3_stmt *s;

  if (st->row)
    return;
  s = stmt (tx->d, "INSERT OR IGNORE INTO lines (id) VALUES (?1)");
  if (s == NULL)
    return;
  bind_text (s, 1, line_id);
  if (step_done (tx->d, s))
    st->row = TRUE;
}

static void
fts_set (Tx        *tx,
         TdMessage *m,
         gboolean   replace)
{
  g_autofree char *text = td_message_dup_search_text (m);
  g_autofree char *fts = NULL;
  sqlite3_stmt *s;

  if (replace)
    {
      s = stmt (tx->d, "DELETE FROM messages_fts WHERE rowid = ?1");
      if (s)
        {
          sqlite3_bind_int64 (s, 1, td_message_get_id (m));
          step_done (tx->d, s);
        }
    }
  if (text == NULL || text[0] == '\0')
    return;
  fts = td_store_fts_text (text);
  s = stmt (tx->d, "INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)");
  if (s)
    {
      sqlite3_bind_int64 (s, 1, td_message_get_id (m));
      bind_text (s, 2, fts);
      step_done (tx->d, s);
    }
}

static void
check_gap (Tx        *tx,
           TdMessage *m)
{
  const char *line_id = td_message_get_line_id (m);
  gint64 seq = td_message_get_line_seq (m);
  sqlite3_stmt *s;
  gint64 below = 0;

  if (seq <= 1 || g_hash_table_contains (tx->gap_lines, line_id))
    return;
  s = stmt (tx->d, "SELECT MAX(line_seq) FROM messages WHERE line = ?1 AND line_seq > 0 AND line_seq < ?2");
  if (s == NULL)
    return;
  bind_text (s, 1, line_id);
  sqlite3_bind_int64 (s, 2, seq);
  if (sqlite3_step (s) == SQLITE_ROW && sqlite3_column_type (s, 0) != SQLITE_NULL)
    below = sqlite3_column_int64 (s, 0);
  sqlite3_reset (s);

  if (below > 0 && below < seq - 1)
    {
      TdStoreGap *gap = g_new0 (TdStoreGap, 1);

      gap->line_id = g_strdup (line_id);
      gap->before = seq;
      gap->count = (int) MIN (seq - 1 - below, TD_HISTORY_MAX_LIMIT);
      g_ptr_array_add (tx->result->gaps, gap);
      g_hash_table_add (tx->gap_lines, g_strdup (line_id));
    }
}

static LineState *
get_state (Tx         *tx,
           const char *line_id)
{
  Db *d = tx->d;
  LineState *st = g_hash_table_lookup (d->states, line_id);
  sqlite3_stmt *s;

  if (st != NULL)
    return st;

  st = g_new0 (LineState, 1);
  s = stmt (d, "SELECT uid, last_seq, updated, unread, preview, last_sender_role, waiting_since, "
               "read_upto, last_op_seq, preview_seq, peer_read FROM lines WHERE id = ?1");
  if (s)
    {
      bind_text (s, 1, line_id);
      if (sqlite3_step (s) == SQLITE_ROW)
        {
          st->uid = g_strdup (col_text (s, 0));
          st->last_seq = sqlite3_column_int64 (s, 1);
          st->updated = sqlite3_column_int64 (s, 2);
          st->unread = sqlite3_column_int (s, 3);
          st->preview = g_strdup (col_text (s, 4));
          st->last_role = (TdRole) sqlite3_column_int (s, 5);
          st->waiting_since = sqlite3_column_int64 (s, 6);
          st->read_upto = sqlite3_column_int64 (s, 7);
          st->last_op_seq = sqlite3_column_int64 (s, 8);
          st->preview_seq = sqlite3_column_int64 (s, 9);
          st->peer_read = sqlite3_column_int64 (s, 10);
          /* an upgraded cache: derive everything once */
          st->full = st->preview_seq < 0;
          st->row = TRUE;
        }
      sqlite3_reset (s);
    }
  g_hash_table_insert (d->states, g_strdup (line_id), st);
  return st;
}

/* The other party of the line: for an operator its customer, for a
 * customer anyone else (operators, or the other traveller of a chat). */
static gboolean
is_peer (Db         *d,
         LineState  *st,
         const char *reader)
{
  if (d->me_id == NULL || reader == NULL)
    return FALSE;
  if (d->me_role == TD_ROLE_OPERATOR)
    return st->uid != NULL && st->uid[0] != '\0' && strcmp (reader, st->uid) == 0;
  return strcmp (reader, d->me_id) != 0;
}

static gint64 query_int (Db *d, const char *sql, const char *a, const char *b, gint64 n, gint64 fallback);

/* The peer's read mark from the stored `reads` (SQL). */
static gint64
query_peer_read (Db         *d,
                 const char *line_id,
                 LineState  *st)
{
  if (d->me_id == NULL)
    return 0;
  if (d->me_role == TD_ROLE_OPERATOR)
    return st->uid != NULL && st->uid[0] != '\0'
           ? query_int (d, "SELECT MAX(upto) FROM reads WHERE line = ?1 AND reader = ?2",
                        line_id, st->uid, 0, 0)
           : 0;
  return query_int (d, "SELECT MAX(upto) FROM reads WHERE line = ?1 AND reader != ?2",
                    line_id, d->me_id, 0, 0);
}

/* A message new to the store: its effect on the line's fields. */
static void
note_message (Tx        *tx,
              TdMessage *m)
{
  Db *d = tx->d;
  LineState *st = get_state (tx, td_message_get_line_id (m));
  gint64 seq = td_message_get_line_seq (m);
  gint64 ts = td_message_get_ts (m);
  TdRole role = td_message_get_sender_role (m);
  TdKind kind = td_message_get_kind (m);
  gboolean from_operator = role == TD_ROLE_OPERATOR && kind != TD_KIND_SYSTEM && kind != TD_KIND_NOTE;

  if (seq <= 0 || st->full)
    return;   /* notes change none of them */

  st->last_seq = MAX (st->last_seq, seq);
  st->updated = MAX (st->updated, ts);
  if (seq > st->preview_seq)
    {
      g_free (st->preview);
      st->preview = td_message_dup_preview (m);
      st->last_role = role;
      st->preview_seq = seq;
    }

  if (from_operator && seq > st->last_op_seq)
    {
      if (seq == st->last_seq)
        {
          st->last_op_seq = seq;
          st->waiting_since = 0;
        }
      else
        st->full = TRUE;   /* an older answer: who is waiting since when? */
    }
  else if (role == TD_ROLE_CUSTOMER && seq > st->last_op_seq)
    st->waiting_since = st->waiting_since ? MIN (st->waiting_since, ts) : ts;

  if (d->me_id != NULL && seq > st->read_upto)
    {
      if (d->me_role == TD_ROLE_OPERATOR ? role == TD_ROLE_CUSTOMER
                                         : g_strcmp0 (td_message_get_sender_id (m), d->me_id) != 0)
        st->unread++;
    }
}

static void
bind_message (sqlite3_stmt *s,
              TdMessage    *m,
              const char   *body)
{
  sqlite3_bind_int64 (s, 1, td_message_get_id (m));
  bind_text (s, 2, td_message_get_line_id (m));
  sqlite3_bind_int64 (s, 3, td_message_get_line_seq (m));
  bind_text (s, 4, td_message_get_sender_id (m));
  sqlite3_bind_int (s, 5, td_message_get_sender_role (m));
  bind_text (s, 6, td_message_get_sender_name (m));
  bind_text (s, 7, td_message_get_kind_name (m));
  bind_text (s, 8, body);
  sqlite3_bind_int64 (s, 9, td_message_get_ts (m));
  bind_text (s, 10, td_message_get_random_id (m));
}

static void
apply_message (Tx        *tx,
               TdMessage *m)
{
  Db *d = tx->d;
  g_autofree char *body = td_json_object_to_string (td_message_get_body (m), NULL);
  const char *random_id = td_message_get_random_id (m);
  sqlite3_stmt *s;
  gboolean existed = FALSE;
  gboolean changed = FALSE;
  gboolean completed = FALSE;

  if (td_message_get_id (m) <= 0 || td_message_get_line_id (m) == NULL)
    return;

  /* most messages are new: insert first, compare only on a conflict */
  s = stmt (d, "INSERT INTO messages (" MESSAGE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
               "ON CONFLICT (id) DO NOTHING");
  if (s == NULL)
    return;
  bind_message (s, m, body);
  if (!step_done (d, s))
    return;
  existed = sqlite3_changes (d->db) == 0;

  if (existed)
    {
      s = stmt (d, "SELECT line_seq, kind, body, ts, sender_name FROM messages WHERE id = ?1");
      if (s == NULL)
        return;
      sqlite3_bind_int64 (s, 1, td_message_get_id (m));
      if (sqlite3_step (s) == SQLITE_ROW)
        changed = sqlite3_column_int64 (s, 0) != td_message_get_line_seq (m)
               || g_strcmp0 (col_text (s, 1), td_message_get_kind_name (m)) != 0
               || g_strcmp0 (col_text (s, 2), body) != 0
               || sqlite3_column_int64 (s, 3) != td_message_get_ts (m)
               || g_strcmp0 (col_text (s, 4), td_message_get_sender_name (m)) != 0;
      sqlite3_reset (s);
      if (changed)
        {
          s = stmt (d, "UPDATE messages SET line = ?2, line_seq = ?3, sender_id = ?4, sender_role = ?5, "
                       "sender_name = ?6, kind = ?7, body = ?8, ts = ?9, random_id = ?10 WHERE id = ?1");
          if (s == NULL)
            return;
          bind_message (s, m, body);
          if (!step_done (d, s))
            return;
        }
    }

  if (!existed || changed)
    {
      fts_set (tx, m, existed);
      ensure_line (tx, td_message_get_line_id (m));
      mark_dirty (tx, td_message_get_line_id (m));
      if (!existed)
        {
          check_gap (tx, m);
          note_message (tx, m);
        }
      else
        get_state (tx, td_message_get_line_id (m))->full = TRUE;
    }

  /* Our own message, by ack or echo: it completes its outbox row. */
  if (random_id && d->me_id && g_strcmp0 (td_message_get_sender_id (m), d->me_id) == 0)
    {
      s = stmt (d, "DELETE FROM outbox WHERE random_id = ?1");
      if (s)
        {
          bind_text (s, 1, random_id);
          if (step_done (d, s) && sqlite3_changes (d->db) > 0)
            completed = TRUE;
        }
    }

  if (completed || changed)
    g_ptr_array_add (tx->result->messages_updated, g_object_ref (m));
  else if (!existed)
    g_ptr_array_add (tx->result->messages_added, g_object_ref (m));
}

static void
apply_line (Tx     *tx,
            TdLine *l)
{
  sqlite3_stmt *s = stmt (tx->d,
    "INSERT INTO lines (id, uid, customer_name, object_id, busi, merchant, title, state, assignee, "
    "  snooze_until, last_seq, created, updated) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (id) DO UPDATE SET uid = excluded.uid, customer_name = excluded.customer_name, "
    "  object_id = excluded.object_id, busi = excluded.busi, merchant = excluded.merchant, "
    "  title = excluded.title, state = excluded.state, assignee = excluded.assignee, "
    "  snooze_until = excluded.snooze_until, last_seq = MAX (last_seq, excluded.last_seq), "
    "  created = excluded.created, updated = MAX (updated, excluded.updated)");

  if (s == NULL)
    return;
  bind_text (s, 1, td_line_get_id (l));
  bind_text (s, 2, td_line_get_uid (l));
  bind_text (s, 3, td_line_get_customer_name (l));
  bind_text (s, 4, td_line_get_object_id (l));
  sqlite3_bind_int (s, 5, td_line_get_busi (l));
  bind_text (s, 6, td_line_get_merchant (l));
  bind_text (s, 7, td_line_get_title (l));
  sqlite3_bind_int (s, 8, td_line_get_state (l));
  bind_text (s, 9, td_line_get_assignee (l));
  sqlite3_bind_int64 (s, 10, td_line_get_snooze_until (l));
  sqlite3_bind_int64 (s, 11, td_line_get_last_seq (l));
  sqlite3_bind_int64 (s, 12, td_line_get_created (l));
  sqlite3_bind_int64 (s, 13, td_line_get_updated (l));
  if (step_done (tx->d, s))
    {
      LineState *st = get_state (tx, td_line_get_id (l));

      st->row = TRUE;
      if (g_strcmp0 (st->uid, td_line_get_uid (l)) != 0)
        {
          g_free (st->uid);
          st->uid = g_strdup (td_line_get_uid (l));
          /* a read may have come before the line said who its customer is */
          st->peer_read = MAX (st->peer_read, query_peer_read (tx->d, td_line_get_id (l), st));
        }
      st->last_seq = MAX (st->last_seq, td_line_get_last_seq (l));
      st->updated = MAX (st->updated, td_line_get_updated (l));
      mark_dirty (tx, td_line_get_id (l));
    }
}

static void
apply_read (Tx         *tx,
            const char *line_id,
            const char *reader,
            gint64      upto)
{
  sqlite3_stmt *s = stmt (tx->d,
    "INSERT INTO reads (line, reader, upto) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (line, reader) DO UPDATE SET upto = MAX (upto, excluded.upto)");

  if (s == NULL || line_id == NULL || reader == NULL)
    return;
  bind_text (s, 1, line_id);
  bind_text (s, 2, reader);
  sqlite3_bind_int64 (s, 3, upto);
  if (step_done (tx->d, s))
    {
      Db *d = tx->d;
      LineState *st;

      ensure_line (tx, line_id);
      st = get_state (tx, line_id);
      if (d->me_id != NULL && upto > st->read_upto
          && (d->me_role == TD_ROLE_OPERATOR ? g_strcmp0 (reader, st->uid) != 0
                                             : g_strcmp0 (reader, d->me_id) == 0))
        {
          st->read_upto = upto;
          st->recount = TRUE;
        }
      if (upto > st->peer_read && is_peer (d, st, reader))
        st->peer_read = upto;
      mark_dirty (tx, line_id);
    }
}

static void
set_cursor (Tx     *tx,
            gint64  cursor,
            gboolean force)
{
  if (!force && tx->d->has_cursor && cursor <= tx->d->cursor)
    return;
  tx->d->has_cursor = TRUE;
  tx->d->cursor = cursor;
  tx->cursor_changed = TRUE;
}

static gint64
query_int (Db         *d,
           const char *sql,
           const char *a,
           const char *b,
           gint64      n,
           gint64      fallback)
{
  sqlite3_stmt *s = stmt (d, sql);
  gint64 v = fallback;

  if (s == NULL)
    return fallback;
  bind_text (s, 1, a);
  if (sqlite3_bind_parameter_count (s) >= 2)
    bind_text (s, 2, b);
  if (sqlite3_bind_parameter_count (s) >= 3)
    sqlite3_bind_int64 (s, 3, n);
  if (sqlite3_step (s) == SQLITE_ROW && sqlite3_column_type (s, 0) != SQLITE_NULL)
    v = sqlite3_column_int64 (s, 0);
  sqlite3_reset (s);
  return v;
}

/* Derives a line's client-side fields from its messages (SQL). */
static void
recompute (Tx         *tx,
           const char *line_id,
           LineState  *st)
{
  Db *d = tx->d;
  sqlite3_stmt *s;

  st->last_seq = MAX (st->last_seq,
                      query_int (d, "SELECT MAX(line_seq) FROM messages WHERE line = ?1", line_id, NULL, 0, 0));
  st->updated = MAX (st->updated,
                     query_int (d, "SELECT MAX(ts) FROM messages WHERE line = ?1 AND line_seq > 0",
                                line_id, NULL, 0, 0));

  g_clear_pointer (&st->preview, g_free);
  st->preview_seq = 0;
  st->last_role = TD_ROLE_CUSTOMER;
  s = stmt (d, "SELECT " MESSAGE_COLS " FROM messages WHERE line = ?1 AND line_seq > 0 "
               "ORDER BY line_seq DESC LIMIT 1");
  if (s)
    {
      bind_text (s, 1, line_id);
      if (sqlite3_step (s) == SQLITE_ROW)
        {
          g_autoptr(TdMessage) last = message_from_row (s);

          st->preview = td_message_dup_preview (last);
          st->last_role = td_message_get_sender_role (last);
          st->preview_seq = td_message_get_line_seq (last);
        }
      sqlite3_reset (s);
    }

  st->last_op_seq = query_int (d, "SELECT MAX(line_seq) FROM messages WHERE line = ?1 AND sender_role = 1 "
                                  "AND line_seq > 0 AND kind NOT IN ('system', 'note')", line_id, NULL, 0, 0);
  st->waiting_since = query_int (d, "SELECT MIN(ts) FROM messages WHERE line = ?1 AND ?2 IS NULL "
                                    "AND sender_role = 0 AND line_seq > ?3",
                                 line_id, NULL, st->last_op_seq, 0);

  if (d->me_id != NULL && d->me_role == TD_ROLE_OPERATOR)
    st->read_upto = query_int (d, "SELECT MAX(upto) FROM reads WHERE line = ?1 AND reader != ?2",
                               line_id, st->uid ? st->uid : "", 0, 0);
  else if (d->me_id != NULL)
    st->read_upto = query_int (d, "SELECT MAX(upto) FROM reads WHERE line = ?1 AND reader = ?2",
                               line_id, d->me_id, 0, 0);
  st->peer_read = query_peer_read (d, line_id, st);
  st->recount = TRUE;
}

static void
recount_unread (Tx         *tx,
                const char *line_id,
                LineState  *st)
{
  Db *d = tx->d;

  if (d->me_id != NULL && d->me_role == TD_ROLE_OPERATOR)
    st->unread = (int) query_int (d, "SELECT COUNT(*) FROM messages WHERE line = ?1 AND ?2 IS NULL "
                                     "AND sender_role = 0 AND line_seq > ?3",
                                  line_id, NULL, st->read_upto, 0);
  else if (d->me_id != NULL)
    st->unread = (int) query_int (d, "SELECT COUNT(*) FROM messages WHERE line = ?1 AND sender_id != ?2 "
                                     "AND line_seq > ?3",
                                  line_id, d->me_id, st->read_upto, 0);
  else
    st->unread = 0;
}

/* Writes a line's client-side fields and returns its snapshot. */
static TdLine *
refresh_line (Tx         *tx,
              const char *line_id)
{
  Db *d = tx->d;
  LineState *st = get_state (tx, line_id);
  sqlite3_stmt *s;
  TdLine *snap = NULL;

  if (st->full)
    recompute (tx, line_id, st);
  if (st->recount)
    recount_unread (tx, line_id, st);
  st->full = st->recount = FALSE;

  s = stmt (d, "UPDATE lines SET last_seq = MAX (last_seq, ?2), updated = MAX (updated, ?3), "
               "unread = ?4, preview = ?5, last_sender_role = ?6, waiting_since = ?7, "
               "read_upto = ?8, last_op_seq = ?9, preview_seq = ?10, peer_read = ?11 WHERE id = ?1");
  if (s)
    {
      bind_text (s, 1, line_id);
      sqlite3_bind_int64 (s, 2, st->last_seq);
      sqlite3_bind_int64 (s, 3, st->updated);
      sqlite3_bind_int (s, 4, st->unread);
      bind_text (s, 5, st->preview);
      sqlite3_bind_int (s, 6, st->last_role);
      sqlite3_bind_int64 (s, 7, st->waiting_since);
      sqlite3_bind_int64 (s, 8, st->read_upto);
      sqlite3_bind_int64 (s, 9, st->last_op_seq);
      sqlite3_bind_int64 (s, 10, st->preview_seq);
      sqlite3_bind_int64 (s, 11, st->peer_read);
      step_done (d, s);
    }

  s = stmt (d, "SELECT " LINE_COLS " FROM lines WHERE id = ?1");
  if (s)
    {
      bind_text (s, 1, line_id);
      if (sqlite3_step (s) == SQLITE_ROW)
        snap = line_from_row (s);
      sqlite3_reset (s);
    }
  return snap;
}

static void
meta_write (Db         *d,
            const char *key,
            const char *value)
{
  sqlite3_stmt *s = stmt (d, "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)");

  if (s == NULL)
    return;
  bind_text (s, 1, key);
  bind_text (s, 2, value);
  step_done (d, s);
}

static TdMessage *
outbox_row (Db         *d,
            const char *random_id,
            const char *me_name)
{
  sqlite3_stmt *s = stmt (d, "SELECT " OUTBOX_COLS " FROM outbox WHERE random_id = ?1");
  TdMessage *m = NULL;

  if (s == NULL)
    return NULL;
  bind_text (s, 1, random_id);
  if (sqlite3_step (s) == SQLITE_ROW)
    m = outbox_from_row (s, d->me_id, d->me_role, me_name);
  sqlite3_reset (s);
  return m;
}

static void
apply_op (Tx *tx,
          Op *op)
{
  Db *d = tx->d;
  TdPacket *p = op->packet;
  sqlite3_stmt *s;

  switch (op->type)
    {
    case OP_PACKET:
      switch (p->type)
        {
        case TD_PACKET_MSG:
        case TD_PACKET_ACK:
          if (p->msg)
            apply_message (tx, p->msg);
          break;
        case TD_PACKET_LINE:
          if (p->line)
            apply_line (tx, p->line);
          break;
        case TD_PACKET_READ:
          apply_read (tx, p->line_id, p->reader, p->upto);
          break;
        case TD_PACKET_HISTORY:
          for (guint i = 0; p->messages && i < p->messages->len; i++)
            apply_message (tx, g_ptr_array_index (p->messages, i));
          break;
        case TD_PACKET_SYNCED:
          set_cursor (tx, p->cursor, FALSE);
          break;
        default:
          break;
        }
      if (op->advance && p->has_cursor && p->type != TD_PACKET_SYNCED)
        set_cursor (tx, p->cursor, FALSE);
      break;

    case OP_CURSOR:
      set_cursor (tx, op->cursor, FALSE);
      break;

    case OP_CURSOR_RESET:
      set_cursor (tx, op->cursor, TRUE);
      break;

    case OP_OUTBOX_ADD:
      s = stmt (d, "INSERT OR IGNORE INTO outbox (random_id, line, kind, body, created, state) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, 0)");
      if (s)
        {
          bind_text (s, 1, op->random_id);
          bind_text (s, 2, op->line_id);
          bind_text (s, 3, op->kind);
          bind_text (s, 4, op->body);
          sqlite3_bind_int64 (s, 5, op->ts);
          if (step_done (d, s) && sqlite3_changes (d->db) > 0)
            {
              TdMessage *m = outbox_row (d, op->random_id, op->text);

              if (m)
                g_ptr_array_add (tx->result->messages_added, m);
            }
        }
      break;

    case OP_OUTBOX_FAIL:
    case OP_OUTBOX_RETRY:
      s = stmt (d, "UPDATE outbox SET state = ?2, error = ?3 WHERE random_id = ?1");
      if (s)
        {
          bind_text (s, 1, op->random_id);
          sqlite3_bind_int (s, 2, op->type == OP_OUTBOX_FAIL ? 1 : 0);
          bind_text (s, 3, op->type == OP_OUTBOX_FAIL ? op->text : NULL);
          if (step_done (d, s) && sqlite3_changes (d->db) > 0)
            {
              TdMessage *m = outbox_row (d, op->random_id, op->key);

              if (m)
                g_ptr_array_add (tx->result->messages_updated, m);
            }
        }
      break;

    case OP_OUTBOX_DISCARD:
      {
        TdMessage *m = outbox_row (d, op->random_id, op->key);

        s = stmt (d, "DELETE FROM outbox WHERE random_id = ?1");
        if (s)
          {
            bind_text (s, 1, op->random_id);
            if (step_done (d, s) && sqlite3_changes (d->db) > 0 && m)
              g_ptr_array_add (tx->result->messages_removed, g_steal_pointer (&m));
          }
        g_clear_object (&m);
      }
      break;

    case OP_META:
      meta_write (d, op->key, op->text);
      break;

    case OP_ME:
      /* unread is counted for someone else now: derive lines afresh */
      g_hash_table_remove_all (d->states);
      g_free (d->me_id);
      d->me_id = g_strdup (op->key);
      d->me_role = op->role;
      meta_write (d, "me.id", op->key);
      meta_write (d, "me.role", td_role_to_string (op->role));
      meta_write (d, "me.name", op->text);
      break;
    }
}

static Result *
run_write (Db        *d,
           GPtrArray *ops)
{
  g_autoptr(GError) error = NULL;
  gboolean had_cursor = d->has_cursor;
  gint64 old_cursor = d->cursor;
  g_autofree char *old_me = g_strdup (d->me_id);
  Tx tx = { 0, };
  Result *r;

  tx.d = d;
  tx.result = r = result_new_commit ();
  tx.dirty = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  tx.dirty_order = g_ptr_array_new ();
  tx.gap_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (!exec (d, "BEGIN IMMEDIATE", &error))
    goto failed;

  for (guint i = 0; i < ops->len; i++)
    apply_op (&tx, g_ptr_array_index (ops, i));

  for (guint i = 0; i < tx.dirty_order->len; i++)
    {
      TdLine *snap = refresh_line (&tx, g_ptr_array_index (tx.dirty_order, i));

      if (snap)
        g_ptr_array_add (r->line_snaps, snap);
    }

  if (tx.cursor_changed)
    {
      g_autofree char *v = g_strdup_printf ("%" G_GINT64_FORMAT, d->cursor);

      meta_write (d, "cursor", v);
      r->cursor_changed = TRUE;
      r->cursor = d->cursor;
    }

  if (!exec (d, "COMMIT", &error))
    {
      exec (d, "ROLLBACK", NULL);
      goto failed;
    }
  goto out;

failed:
  /* Nothing of the batch is stored, the cursor included: a reconnect
   * replays it.  Outbox rows are lost only if the disk is gone. */
  g_hash_table_remove_all (d->states);
  g_message ("store: a batch of %u writes failed: %s", ops->len, error ? error->message : "?");
  d->has_cursor = had_cursor;
  d->cursor = old_cursor;
  g_free (d->me_id);
  d->me_id = g_steal_pointer (&old_me);
  result_free (r);
  r = result_new_commit ();
  r->error = g_steal_pointer (&error);

out:
  g_hash_table_unref (tx.dirty);
  g_ptr_array_unref (tx.dirty_order);
  g_hash_table_unref (tx.gap_lines);
  return r;
}

/* ------------------------------------------------------------------------ */
/* Worker: reads                                                             */

static GPtrArray *
run_load (Db          *d,
          Job         *job,
          const char  *me_name,
          gboolean    *more)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) rev = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *s;
  int limit = job->limit > 0 ? job->limit : 50;

  *more = FALSE;
  if (job->has_before)
    {
      s = stmt (d, "SELECT " MESSAGE_COLS " FROM messages WHERE line = ?1 "
                   "AND (ts, line_seq, id) < (?2, ?3, ?4) "
                   "ORDER BY ts DESC, line_seq DESC, id DESC LIMIT ?5");
      if (s == NULL)
        return out;
      sqlite3_bind_int64 (s, 2, job->before_ts);
      sqlite3_bind_int64 (s, 3, job->before_seq);
      sqlite3_bind_int64 (s, 4, job->before_id);
      sqlite3_bind_int (s, 5, limit + 1);
    }
  else
    {
      s = stmt (d, "SELECT " MESSAGE_COLS " FROM messages WHERE line = ?1 "
                   "ORDER BY ts DESC, line_seq DESC, id DESC LIMIT ?5");
      if (s == NULL)
        return out;
      sqlite3_bind_int (s, 5, limit + 1);
    }
  bind_text (s, 1, job->line_id);
  while (sqlite3_step (s) == SQLITE_ROW)
    {
      if ((int) rev->len == limit)
        {
          *more = TRUE;
          break;
        }
      g_ptr_array_add (rev, message_from_row (s));
    }
  sqlite3_reset (s);

  for (guint i = rev->len; i > 0; i--)
    g_ptr_array_add (out, g_object_ref (g_ptr_array_index (rev, i - 1)));

  if (!job->has_before)
    {
      s = stmt (d, "SELECT " OUTBOX_COLS " FROM outbox WHERE line = ?1 ORDER BY seq");
      if (s)
        {
          bind_text (s, 1, job->line_id);
          while (sqlite3_step (s) == SQLITE_ROW)
            g_ptr_array_add (out, outbox_from_row (s, d->me_id, d->me_role, me_name));
          sqlite3_reset (s);
        }
    }
  return out;
}

static GPtrArray *
run_search (Db         *d,
            Job        *job,
            GError    **error)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *match = td_store_fts_query (job->query);
  sqlite3_stmt *s;
  int rc;

  if (match == NULL)
    return out;
  s = stmt (d, "SELECT m.id, m.line, m.line_seq, m.sender_id, m.sender_role, m.sender_name, m.kind, "
               "m.body, m.ts, m.random_id FROM messages_fts f JOIN messages m ON m.id = f.rowid "
               "WHERE messages_fts MATCH ?1 ORDER BY m.ts DESC, m.id DESC LIMIT ?2");
  if (s == NULL)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "search is unavailable");
      g_ptr_array_unref (out);
      return NULL;
    }
  bind_text (s, 1, match);
  sqlite3_bind_int (s, 2, job->limit > 0 ? job->limit : 100);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (out, message_from_row (s));
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED, "search failed: %s",
                   sqlite3_errmsg (d->db));
      sqlite3_reset (s);
      g_ptr_array_unref (out);
      return NULL;
    }
  sqlite3_reset (s);
  return out;
}

/* ------------------------------------------------------------------------ */
/* Results back on the main thread, strictly in worker order                 */

static gboolean dispatch_one (gpointer data);

static void
post_result (TdStore *self,
             Result  *r)
{
  g_mutex_lock (&self->results_lock);
  g_queue_push_tail (&self->results, r);
  if (self->dispatch_source == NULL && !self->closed)
    {
      self->dispatch_source = g_idle_source_new ();
      g_source_set_priority (self->dispatch_source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (self->dispatch_source, dispatch_one, self, NULL);
      g_source_set_static_name (self->dispatch_source, "[tripdesk] store results");
      g_source_attach (self->dispatch_source, self->context);
      g_source_unref (self->dispatch_source);
    }
  g_mutex_unlock (&self->results_lock);
}

static const char *
me_name_locked (TdStore *self)
{
  return self->me_name;
}

static gpointer
worker_main (gpointer data)
{
  TdStore *self = data;   /* not a reference: dispose joins us first */
  Db *d = self->db;
  g_autofree char *me_name = g_strdup (me_name_locked (self));

  for (;;)
    {
      Job *job = g_async_queue_pop (self->jobs);

      switch (job->type)
        {
        case JOB_WRITE:
          {
            Result *r;

            /* the name of outbox rows: follow OP_ME */
            for (guint i = 0; i < job->ops->len; i++)
              {
                Op *op = g_ptr_array_index (job->ops, i);

                if (op->type == OP_ME)
                  {
                    g_free (me_name);
                    me_name = g_strdup (op->text);
                  }
                if (op->type == OP_OUTBOX_ADD || op->type == OP_OUTBOX_FAIL
                    || op->type == OP_OUTBOX_RETRY || op->type == OP_OUTBOX_DISCARD)
                  {
                    if (op->type == OP_OUTBOX_ADD)
                      {
                        g_free (op->text);
                        op->text = g_strdup (me_name);
                      }
                    else
                      {
                        g_free (op->key);
                        op->key = g_strdup (me_name);
                      }
                  }
              }
            r = run_write (d, job->ops);
            post_result (self, r);
          }
          break;

        case JOB_LOAD:
          {
            gboolean more = FALSE;
            GPtrArray *msgs = run_load (d, job, me_name, &more);

            if (job->wait)
              {
                g_mutex_lock (&job->wait->mutex);
                job->wait->result = msgs;
                job->wait->more = more;
                job->wait->done = TRUE;
                g_cond_signal (&job->wait->cond);
                g_mutex_unlock (&job->wait->mutex);
              }
            else
              {
                Result *r = g_new0 (Result, 1);

                r->task = g_steal_pointer (&job->task);
                r->data = msgs;
                r->destroy = (GDestroyNotify) g_ptr_array_unref;
                r->more = more;
                post_result (self, r);
              }
          }
          break;

        case JOB_SEARCH:
          {
            Result *r = g_new0 (Result, 1);

            r->task = g_steal_pointer (&job->task);
            r->data = run_search (d, job, &r->error);
            r->destroy = (GDestroyNotify) g_ptr_array_unref;
            post_result (self, r);
          }
          break;

        case JOB_COUNT:
          {
            gint64 n = query_int (d, "SELECT COUNT(*) FROM messages WHERE line = ?1",
                                  job->line_id, NULL, 0, 0);

            g_mutex_lock (&job->wait->mutex);
            job->wait->count = n;
            job->wait->done = TRUE;
            g_cond_signal (&job->wait->cond);
            g_mutex_unlock (&job->wait->mutex);
          }
          break;

        case JOB_SYNC:
          g_mutex_lock (&job->wait->mutex);
          job->wait->done = TRUE;
          g_cond_signal (&job->wait->cond);
          g_mutex_unlock (&job->wait->mutex);
          break;

        case JOB_QUIT:
          job_free (job);
          return NULL;
        }
      job_free (job);
    }
}

static void
push_job_and_wait (TdStore *self,
                   Job     *job,
                   SyncWait *wait)
{
  g_mutex_init (&wait->mutex);
  g_cond_init (&wait->cond);
  job->wait = wait;
  g_async_queue_push (self->jobs, job);
  g_mutex_lock (&wait->mutex);
  while (!wait->done)
    g_cond_wait (&wait->cond, &wait->mutex);
  g_mutex_unlock (&wait->mutex);
  g_mutex_clear (&wait->mutex);
  g_cond_clear (&wait->cond);
}

static void
emit_commit (TdStore *self,
             Result  *r)
{
  TdStoreChanges changes = { 0, };
  g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_object_unref);

  if (r->error)
    {
      /* Nothing of that batch is on disk: forget what it accepted, so the
       * filter lets the replay after the next reconnect through. */
      g_message ("store: %s", r->error->message);
      self->has_cursor = self->has_committed_cursor;
      self->cursor = self->committed_cursor;
      return;
    }

  for (guint i = 0; i < r->line_snaps->len; i++)
    {
      TdLine *snap = g_ptr_array_index (r->line_snaps, i);
      TdLine *live = td_store_lookup_line (self, td_line_get_id (snap));

      if (live)
        {
          td_line_update_from (live, snap);
          g_ptr_array_add (changed, g_object_ref (live));
        }
      else
        {
          g_ptr_array_add (self->lines, g_object_ref (snap));
          g_hash_table_insert (self->line_index, g_strdup (td_line_get_id (snap)),
                               GUINT_TO_POINTER (self->lines->len));
          g_ptr_array_add (added, g_object_ref (snap));
        }
    }

  if (r->cursor_changed)
    {
      self->has_committed_cursor = TRUE;
      self->committed_cursor = r->cursor;
    }

  if (added->len == 0 && changed->len == 0 && r->messages_added->len == 0
      && r->messages_updated->len == 0 && r->messages_removed->len == 0
      && r->gaps->len == 0 && !r->cursor_changed)
    return;

  changes.lines_added = added;
  changes.lines_changed = changed;
  changes.messages_added = r->messages_added;
  changes.messages_updated = r->messages_updated;
  changes.messages_removed = r->messages_removed;
  changes.gaps = r->gaps;
  changes.cursor_changed = r->cursor_changed;
  changes.cursor = r->cursor;

  g_signal_emit (self, signals[SIGNAL_COMMITTED], 0, &changes);
  if (r->cursor_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CURSOR]);
}

static gboolean
dispatch_one (gpointer data)
{
  TdStore *self = g_object_ref (data);
  Result *r;
  gboolean again;

  g_mutex_lock (&self->results_lock);
  r = g_queue_pop_head (&self->results);
  again = !g_queue_is_empty (&self->results);
  if (!again)
    self->dispatch_source = NULL;
  g_mutex_unlock (&self->results_lock);

  if (r != NULL)
    {
      if (r->task)
        {
          GTask *task = g_steal_pointer (&r->task);

          g_task_set_task_data (task, GINT_TO_POINTER (r->more), NULL);
          if (r->error)
            g_task_return_error (task, g_steal_pointer (&r->error));
          else
            {
              g_task_return_pointer (task, g_steal_pointer (&r->data), r->destroy);
            }
          g_object_unref (task);
        }
      else if (r->is_commit)
        {
          emit_commit (self, r);
        }
      result_free (r);
    }

  g_object_unref (self);
  return again ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------------ */
/* Batching on the main thread                                              */

static void
push_batch (TdStore *self)
{
  Job *job;

  g_clear_handle_id (&self->flush_source, g_source_remove);
  if (self->batch->len == 0 || self->worker == NULL)
    return;
  job = g_new0 (Job, 1);
  job->type = JOB_WRITE;
  job->ops = g_steal_pointer (&self->batch);
  self->batch = g_ptr_array_new_with_free_func (op_free);
  g_async_queue_push (self->jobs, job);
}

static gboolean
flush_cb (gpointer data)
{
  TdStore *self = data;

  self->flush_source = 0;
  push_batch (self);
  return G_SOURCE_REMOVE;
}

static void
queue_op (TdStore *self,
          Op      *op)
{
  if (self->closed)
    {
      op_free (op);
      return;
    }
  g_ptr_array_add (self->batch, op);
  if (self->batch->len >= MAX_BATCH_OPS)
    push_batch (self);
  else if (self->flush_source == 0)
    {
      GSource *source = g_idle_source_new ();

      g_source_set_priority (source, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (source, flush_cb, self, NULL);
      g_source_set_static_name (source, "[tripdesk] store flush");
      self->flush_source = g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
td_store_dispose (GObject *object)
{
  TdStore *self = (TdStore *) object;

  if (self->worker)
    {
      Job *quit = g_new0 (Job, 1);

      push_batch (self);
      quit->type = JOB_QUIT;
      g_async_queue_push (self->jobs, quit);
      g_thread_join (self->worker);
      self->worker = NULL;
    }
  g_clear_handle_id (&self->flush_source, g_source_remove);

  g_mutex_lock (&self->results_lock);
  self->closed = TRUE;
  if (self->dispatch_source)
    {
      g_source_destroy (self->dispatch_source);
      self->dispatch_source = NULL;
    }
  g_mutex_unlock (&self->results_lock);

  for (;;)
    {
      Result *r = g_queue_pop_head (&self->results);

      if (r == NULL)
        break;
      if (r->task)
        {
          GTask *task = g_steal_pointer (&r->task);

          g_task_return_new_error (task, TD_STORE_ERROR, TD_STORE_ERROR_CLOSED, "the store was closed");
          g_object_unref (task);
        }
      result_free (r);
    }

  g_clear_pointer (&self->db, db_free);

  G_OBJECT_CLASS (td_store_parent_class)->dispose (object);
}

static void
td_store_finalize (GObject *object)
{
  TdStore *self = (TdStore *) object;

  g_clear_pointer (&self->jobs, g_async_queue_unref);
  g_mutex_clear (&self->results_lock);
  g_clear_pointer (&self->batch, g_ptr_array_unref);
  g_clear_pointer (&self->lines, g_ptr_array_unref);
  g_clear_pointer (&self->line_index, g_hash_table_unref);
  g_clear_pointer (&self->outbox, g_ptr_array_unref);
  g_clear_pointer (&self->meta, g_hash_table_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->path);
  g_free (self->recovered_message);
  g_free (self->recovered_path);
  g_free (self->me_id);
  g_free (self->me_name);

  G_OBJECT_CLASS (td_store_parent_class)->finalize (object);
}

static void
td_store_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TdStore *self = TD_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_CURSOR:
      g_value_set_int64 (value, self->has_committed_cursor ? self->committed_cursor : -1);
      break;
    case PROP_ME_ID:
      g_value_set_string (value, self->me_id);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_store_class_init (TdStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_store_dispose;
  object_class->finalize = td_store_finalize;
  object_class->get_property = td_store_get_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_CURSOR] =
    g_param_spec_int64 ("cursor", NULL, NULL, -1, G_MAXINT64, -1,
                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_ME_ID] =
    g_param_spec_string ("me-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIGNAL_COMMITTED] =
    g_signal_new ("committed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
  signals[SIGNAL_HISTORY_WANTED] =
    g_signal_new ("history-wanted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT64);
}

static void
td_store_init (TdStore *self)
{
  g_mutex_init (&self->results_lock);
  g_queue_init (&self->results);
  self->jobs = g_async_queue_new ();
  self->batch = g_ptr_array_new_with_free_func (op_free);
  self->lines = g_ptr_array_new_with_free_func (g_object_unref);
  self->line_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->outbox = g_ptr_array_new_with_free_func (g_object_unref);
  self->meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->context = g_main_context_ref_thread_default ();
}

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */

static char *
move_aside (const char  *path,
            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *target = NULL;
  const char *suffixes[] = { "-wal", "-shm", "-journal" };

  for (int n = 0; ; n++)
    {
      g_free (target);
      target = n == 0 ? g_strdup_printf ("%s.broken-%s", path, stamp)
                      : g_strdup_printf ("%s.broken-%s-%d", path, stamp, n);
      if (!g_file_test (target, G_FILE_TEST_EXISTS))
        break;
    }
  if (g_rename (path, target) != 0)
    {
      int saved = errno;

      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                   "cannot move the damaged cache aside: %s", g_strerror (saved));
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *from = g_strconcat (path, suffixes[i], NULL);
      g_autofree char *to = g_strconcat (target, suffixes[i], NULL);

      if (g_file_test (from, G_FILE_TEST_EXISTS))
        g_rename (from, to);
    }
  return g_steal_pointer (&target);
}

static void
load_mirror (TdStore *self)
{
  Db *d = self->db;
  sqlite3_stmt *s;
  const char *v;

  s = stmt (d, "SELECT key, value FROM meta");
  while (s && sqlite3_step (s) == SQLITE_ROW)
    g_hash_table_insert (self->meta, g_strdup (col_text (s, 0)), g_strdup (col_text (s, 1)));
  if (s)
    sqlite3_reset (s);

  if ((v = g_hash_table_lookup (self->meta, "cursor")) != NULL)
    {
      self->has_cursor = self->has_committed_cursor = TRUE;
      self->cursor = self->committed_cursor = g_ascii_strtoll (v, NULL, 10);
      d->has_cursor = TRUE;
      d->cursor = self->cursor;
    }
  if ((v = g_hash_table_lookup (self->meta, "me.id")) != NULL)
    {
      TdRole role = TD_ROLE_CUSTOMER;

      td_role_from_string (g_hash_table_lookup (self->meta, "me.role"), &role);
      self->me_id = g_strdup (v);
      self->me_role = role;
      self->me_name = g_strdup (g_hash_table_lookup (self->meta, "me.name"));
      d->me_id = g_strdup (v);
      d->me_role = role;
    }

  s = stmt (d, "SELECT " LINE_COLS " FROM lines ORDER BY rowid");
  while (s && sqlite3_step (s) == SQLITE_ROW)
    {
      TdLine *l = line_from_row (s);

      g_ptr_array_add (self->lines, l);
      g_hash_table_insert (self->line_index, g_strdup (td_line_get_id (l)),
                           GUINT_TO_POINTER (self->lines->len));
    }
  if (s)
    sqlite3_reset (s);

  s = stmt (d, "SELECT " OUTBOX_COLS " FROM outbox ORDER BY seq");
  while (s && sqlite3_step (s) == SQLITE_ROW)
    g_ptr_array_add (self->outbox, outbox_from_row (s, self->me_id, self->me_role, self->me_name));
  if (s)
    sqlite3_reset (s);
}

TdStore *
td_store_new (const char  *path,
              GError     **error)
{
  g_autoptr(TdStore) self = NULL;
  g_autoptr(GError) local_error = NULL;

  self = g_object_new (TD_TYPE_STORE, NULL);
  self->path = g_strdup (path);

  self->db = db_open (path, &local_error);
  if (self->db == NULL && path != NULL
      && (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_CORRUPT)
          || g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_TOO_NEW)))
    {
      g_autofree char *aside = move_aside (path, error);

      if (aside == NULL)
        return NULL;
      g_message ("store: %s; moved to %s", local_error->message, aside);
      self->recovered_path = g_strdup (aside);
      self->recovered_message =
        g_strdup_printf (g_error_matches (local_error, TD_STORE_ERROR, TD_STORE_ERROR_TOO_NEW)
                           ? "The local cache was made by a newer version of Tripdesk. "
                             "It was kept as %s and a new cache is being filled from the server."
                           : "The local cache was damaged. "
                             "It was kept as %s and a new cache is being filled from the server.",
                         aside);
      g_clear_error (&local_error);
      self->db = db_open (path, &local_error);
    }
  if (self->db == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  load_mirror (self);
  self->worker = g_thread_new ("td-store", worker_main, self);

  return g_steal_pointer (&self);
}

char *
td_store_dup_default_path (const char *server_url,
                           const char *account)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), "tripdesk", NULL);
  g_autoptr(GString) name = g_string_new (NULL);
  const char *p = server_url ? server_url : "local";

  if (g_str_has_prefix (p, "http://"))
    p += 7;
  else if (g_str_has_prefix (p, "https://"))
    p += 8;
  for (; *p; p++)
    g_string_append_c (name, g_ascii_isalnum (*p) || *p == '.' || *p == '-' ? *p : '_');
  g_string_append_c (name, '-');
  for (p = account ? account : "anonymous"; *p; p++)
    g_string_append_c (name, g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '_' ? *p : '_');
  g_string_append (name, ".db");

  g_mkdir_with_parents (dir, 0700);
  return g_build_filename (dir, name->str, NULL);
}

const char *
td_store_get_path (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return self->path;
}

const char *
td_store_get_recovered_message (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return self->recovered_message;
}

const char *
td_store_get_recovered_path (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return self->recovered_path;
}

/* ------------------------------------------------------------------------ */
/* Identity and meta                                                         */

void
td_store_set_me (TdStore    *self,
                 const char *id,
                 TdRole      role,
                 const char *name)
{
  Op *op;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (id != NULL);

  if (g_strcmp0 (self->me_id, id) == 0 && self->me_role == role
      && g_strcmp0 (self->me_name, name) == 0)
    return;

  g_free (self->me_id);
  self->me_id = g_strdup (id);
  self->me_role = role;
  g_free (self->me_name);
  self->me_name = g_strdup (name);

  op = g_new0 (Op, 1);
  op->type = OP_ME;
  op->key = g_strdup (id);
  op->role = role;
  op->text = g_strdup (name);
  queue_op (self, op);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ME_ID]);
}

const char *
td_store_get_me_id (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return self->me_id;
}

TdRole
td_store_get_me_role (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), TD_ROLE_CUSTOMER);
  return self->me_role;
}

const char *
td_store_get_me_name (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return self->me_name;
}

void
td_store_set_meta (TdStore    *self,
                   const char *key,
                   const char *value)
{
  Op *op;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (key != NULL);

  if (g_strcmp0 (g_hash_table_lookup (self->meta, key), value) == 0)
    return;
  g_hash_table_insert (self->meta, g_strdup (key), g_strdup (value));
  op = g_new0 (Op, 1);
  op->type = OP_META;
  op->key = g_strdup (key);
  op->text = g_strdup (value);
  queue_op (self, op);
}

char *
td_store_dup_meta (TdStore    *self,
                   const char *key)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  return g_strdup (g_hash_table_lookup (self->meta, key));
}

/* ------------------------------------------------------------------------ */
/* Cursor and writes                                                         */

gboolean
td_store_get_cursor (TdStore *self,
                     gint64  *cursor)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  if (cursor)
    *cursor = self->has_cursor ? self->cursor : 0;
  return self->has_cursor;
}

gboolean
td_store_get_committed_cursor (TdStore *self,
                               gint64  *cursor)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  if (cursor)
    *cursor = self->has_committed_cursor ? self->committed_cursor : 0;
  return self->has_committed_cursor;
}

static void
accept_cursor (TdStore  *self,
               gint64    cursor,
               gboolean  force)
{
  if (!force && self->has_cursor && cursor <= self->cursor)
    return;
  self->has_cursor = TRUE;
  self->cursor = cursor;
}

static void
outbox_forget (TdStore    *self,
               const char *random_id)
{
  for (guint i = 0; i < self->outbox->len; i++)
    {
      TdMessage *m = g_ptr_array_index (self->outbox, i);

      if (g_strcmp0 (td_message_get_random_id (m), random_id) == 0)
        {
          g_ptr_array_remove_index (self->outbox, i);
          return;
        }
    }
}

void
td_store_apply_packet (TdStore  *self,
                       TdPacket *packet,
                       gboolean  advance_cursor)
{
  Op *op;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (packet != NULL);

  switch (packet->type)
    {
    case TD_PACKET_MSG:
    case TD_PACKET_ACK:
      if (packet->msg == NULL)
        return;
      if (td_message_get_random_id (packet->msg) && self->me_id
          && g_strcmp0 (td_message_get_sender_id (packet->msg), self->me_id) == 0)
        outbox_forget (self, td_message_get_random_id (packet->msg));
      break;
    case TD_PACKET_LINE:
      if (packet->line == NULL)
        return;
      break;
    case TD_PACKET_READ:
    case TD_PACKET_HISTORY:
      break;
    case TD_PACKET_SYNCED:
      accept_cursor (self, packet->cursor, FALSE);
      break;
    default:
      return;
    }

  if (advance_cursor && packet->has_cursor && packet->type != TD_PACKET_SYNCED)
    accept_cursor (self, packet->cursor, FALSE);

  op = g_new0 (Op, 1);
  op->type = OP_PACKET;
  op->packet = td_packet_ref (packet);
  op->advance = advance_cursor;
  queue_op (self, op);
}

void
td_store_advance_cursor (TdStore *self,
                         gint64   cursor)
{
  Op *op;

  g_return_if_fail (TD_IS_STORE (self));

  if (self->has_cursor && cursor <= self->cursor)
    return;
  accept_cursor (self, cursor, FALSE);
  op = g_new0 (Op, 1);
  op->type = OP_CURSOR;
  op->cursor = cursor;
  queue_op (self, op);
}

void
td_store_reset_cursor (TdStore *self,
                       gint64   cursor)
{
  Op *op;

  g_return_if_fail (TD_IS_STORE (self));

  accept_cursor (self, cursor, TRUE);
  op = g_new0 (Op, 1);
  op->type = OP_CURSOR_RESET;
  op->cursor = cursor;
  queue_op (self, op);
}

void
td_store_flush (TdStore *self)
{
  g_return_if_fail (TD_IS_STORE (self));
  push_batch (self);
}

void
td_store_sync (TdStore *self)
{
  SyncWait wait = { 0, };
  Job *job;

  g_return_if_fail (TD_IS_STORE (self));
  if (self->worker == NULL)
    return;
  push_batch (self);
  job = g_new0 (Job, 1);
  job->type = JOB_SYNC;
  push_job_and_wait (self, job, &wait);
}

gboolean
td_store_contains_event (TdStore  *self,
                         TdPacket *packet)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  g_return_val_if_fail (packet != NULL, FALSE);

  switch (packet->type)
    {
    case TD_PACKET_MSG:
    case TD_PACKET_LINE:
    case TD_PACKET_READ:
      return packet->has_cursor && self->has_cursor && packet->cursor <= self->cursor;
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------------ */
/* Outbox                                                                   */

TdMessage *
td_store_outbox_add (TdStore    *self,
                     const char *line_id,
                     const char *kind,
                     JsonObject *body,
                     const char *random_id)
{
  g_autofree char *rid = NULL;
  TdMessage *m;
  Op *op;

  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  g_return_val_if_fail (line_id != NULL, NULL);
  g_return_val_if_fail (kind != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);

  rid = random_id ? g_strdup (random_id) : td_random_id_new ();
  m = td_message_new (0, line_id, 0, self->me_id, self->me_role, self->me_name,
                      kind, body, td_now_ms (), rid);
  td_message_set_delivery (m, TD_DELIVERY_PENDING);
  g_ptr_array_add (self->outbox, g_object_ref (m));

  op = g_new0 (Op, 1);
  op->type = OP_OUTBOX_ADD;
  op->random_id = g_strdup (rid);
  op->line_id = g_strdup (line_id);
  op->kind = g_strdup (kind);
  op->body = td_json_object_to_string (body, NULL);
  op->ts = td_message_get_ts (m);
  queue_op (self, op);

  return m;
}

GPtrArray *
td_store_dup_outbox (TdStore *self)
{
  GPtrArray *out;

  g_return_val_if_fail (TD_IS_STORE (self), NULL);

  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->outbox->len; i++)
    g_ptr_array_add (out, g_object_ref (g_ptr_array_index (self->outbox, i)));
  return out;
}

TdMessage *
td_store_outbox_lookup (TdStore    *self,
                        const char *random_id)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);

  for (guint i = 0; random_id && i < self->outbox->len; i++)
    {
      TdMessage *m = g_ptr_array_index (self->outbox, i);

      if (g_strcmp0 (td_message_get_random_id (m), random_id) == 0)
        return m;
    }
  return NULL;
}

static gboolean
outbox_op (TdStore    *self,
           OpType      type,
           const char *random_id,
           const char *error)
{
  TdMessage *m = td_store_outbox_lookup (self, random_id);
  Op *op;

  if (m == NULL)
    return FALSE;

  switch (type)
    {
    case OP_OUTBOX_FAIL:
      td_message_set_delivery (m, TD_DELIVERY_FAILED);
      td_message_set_error (m, error);
      break;
    case OP_OUTBOX_RETRY:
      if (td_message_get_delivery (m) != TD_DELIVERY_FAILED)
        return FALSE;
      td_message_set_delivery (m, TD_DELIVERY_PENDING);
      td_message_set_error (m, NULL);
      break;
    case OP_OUTBOX_DISCARD:
      outbox_forget (self, random_id);
      break;
    default:
      g_assert_not_reached ();
    }

  op = g_new0 (Op, 1);
  op->type = type;
  op->random_id = g_strdup (random_id);
  op->text = g_strdup (error);
  queue_op (self, op);
  return TRUE;
}

gboolean
td_store_outbox_fail (TdStore    *self,
                      const char *random_id,
                      const char *error)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  return outbox_op (self, OP_OUTBOX_FAIL, random_id, error);
}

gboolean
td_store_outbox_retry (TdStore    *self,
                       const char *random_id)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  return outbox_op (self, OP_OUTBOX_RETRY, random_id, NULL);
}

gboolean
td_store_outbox_discard (TdStore    *self,
                         const char *random_id)
{
  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  return outbox_op (self, OP_OUTBOX_DISCARD, random_id, NULL);
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                    */

guint
td_store_get_n_lines (TdStore *self)
{
  g_return_val_if_fail (TD_IS_STORE (self), 0);
  return self->lines->len;
}

TdLine *
td_store_get_line_at (TdStore *self,
                      guint    position)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  if (position >= self->lines->len)
    return NULL;
  return g_ptr_array_index (self->lines, position);
}

gboolean
td_store_lookup_line_position (TdStore    *self,
                               const char *line_id,
                               guint      *position)
{
  guint pos1;

  g_return_val_if_fail (TD_IS_STORE (self), FALSE);
  if (line_id == NULL)
    return FALSE;
  pos1 = GPOINTER_TO_UINT (g_hash_table_lookup (self->line_index, line_id));
  if (pos1 == 0)
    return FALSE;
  if (position)
    *position = pos1 - 1;
  return TRUE;
}

TdLine *
td_store_lookup_line (TdStore    *self,
                      const char *line_id)
{
  guint pos;

  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  if (!td_store_lookup_line_position (self, line_id, &pos))
    return NULL;
  return g_ptr_array_index (self->lines, pos);
}

/* ------------------------------------------------------------------------ */
/* Reads                                                                    */

static Job *
load_job_new (const char *line_id,
              TdMessage  *before,
              int         limit)
{
  Job *job = g_new0 (Job, 1);

  job->type = JOB_LOAD;
  job->line_id = g_strdup (line_id);
  job->limit = limit;
  if (before)
    {
      job->has_before = TRUE;
      job->before_ts = td_message_get_ts (before);
      job->before_seq = td_message_get_line_seq (before);
      job->before_id = td_message_get_id (before);
    }
  return job;
}

void
td_store_load_messages_async (TdStore             *self,
                              const char          *line_id,
                              TdMessage           *before,
                              int                  limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (line_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_store_load_messages_async);
  g_task_set_priority (task, G_PRIORITY_DEFAULT);
  if (self->worker == NULL)
    {
      g_task_return_new_error (task, TD_STORE_ERROR, TD_STORE_ERROR_CLOSED, "the store was closed");
      return;
    }
  /* what the caller has already queued must be visible */
  push_batch (self);
  job = load_job_new (line_id, before, limit);
  job->task = g_steal_pointer (&task);
  g_async_queue_push (self->jobs, job);
}

GPtrArray *
td_store_load_messages_finish (TdStore       *self,
                               GAsyncResult  *result,
                               gboolean      *more,
                               GError       **error)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == td_store_load_messages_async, NULL);

  if (more)
    *more = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_pointer (G_TASK (result), error);
}

GPtrArray *
td_store_load_messages_sync (TdStore     *self,
                             const char  *line_id,
                             TdMessage   *before,
                             int          limit,
                             gboolean    *more,
                             GError     **error)
{
  SyncWait wait = { 0, };
  Job *job;

  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  g_return_val_if_fail (line_id != NULL, NULL);

  if (self->worker == NULL)
    {
      g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_CLOSED, "the store was closed");
      return NULL;
    }
  push_batch (self);
  job = load_job_new (line_id, before, limit);
  push_job_and_wait (self, job, &wait);
  if (more)
    *more = wait.more;
  return wait.result;
}

gint64
td_store_count_messages_sync (TdStore    *self,
                              const char *line_id)
{
  SyncWait wait = { 0, };
  Job *job;

  g_return_val_if_fail (TD_IS_STORE (self), -1);
  if (self->worker == NULL)
    return -1;
  push_batch (self);
  job = g_new0 (Job, 1);
  job->type = JOB_COUNT;
  job->line_id = g_strdup (line_id);
  push_job_and_wait (self, job, &wait);
  return wait.count;
}

void
td_store_search_async (TdStore             *self,
                       const char          *query,
                       int                  limit,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (query != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_store_search_async);
  if (self->worker == NULL)
    {
      g_task_return_new_error (task, TD_STORE_ERROR, TD_STORE_ERROR_CLOSED, "the store was closed");
      return;
    }
  push_batch (self);
  job = g_new0 (Job, 1);
  job->type = JOB_SEARCH;
  job->query = g_strdup (query);
  job->limit = limit;
  job->task = g_steal_pointer (&task);
  g_async_queue_push (self->jobs, job);
}

GPtrArray *
td_store_search_finish (TdStore       *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
td_store_request_history (TdStore    *self,
                          const char *line_id,
                          gint64      before)
{
  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (line_id != NULL);
  g_signal_emit (self, signals[SIGNAL_HISTORY_WANTED], 0, line_id, before);
}

/* td-server-store-sqlite.c — the sqlite (WAL) backend of the server store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server-store"

#include "config.h"

#include <string.h>
#include <sqlite3.h>

#include "td-json.h"
#include "td-server-store.h"

G_DEFINE_QUARK (td-server-store-error-quark, td_server_store_error)

typedef struct
{
  TdServerStore  parent;
  sqlite3       *db;
  GHashTable    *stmts;     /* const char *sql → sqlite3_stmt* */
  int            depth;     /* savepoint depth */
} TdSqliteStore;

#define SQL(s) (s)

/* ---------------------------------------------------------------- users */

TdSrvUser *
td_srv_user_ref (TdSrvUser *user)
{
  g_atomic_ref_count_inc (&user->ref_count);
  return user;
}

static void
merchant_ref_free (gpointer data)
{
  TdMerchantRef *ref = data;

  g_free (ref->id);
  g_free (ref->name);
  g_free (ref);
}

void
td_srv_user_unref (TdSrvUser *user)
{
  if (user == NULL)
    return;
  if (!g_atomic_ref_count_dec (&user->ref_count))
    return;
  g_free (user->id);
  g_free (user->login);
  g_free (user->name);
  g_ptr_array_unref (user->merchants);
  g_free (user);
}

gboolean
td_srv_user_has_merchant (TdSrvUser  *user,
                          const char *merchant)
{
  if (merchant == NULL || user->role != TD_ROLE_OPERATOR)
    return FALSE;
  for (guint i = 0; i < user->merchants->len; i++)
    {
      TdMerchantRef *ref = g_ptr_array_index (user->merchants, i);
      if (strcmp (ref->id, merchant) == 0)
        return TRUE;
    }
  return FALSE;
}

void
td_stored_event_free (TdStoredEvent *event)
{
  if (event == NULL)
    return;
  g_free (event->json);
  g_free (event);
}

char *
td_server_hash_token (const char *token)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, token, -1);
}

char *
td_server_demo_password (const char *login)
{
  if (g_strcmp0 (login, "alice") == 0 || g_strcmp0 (login, "bob") == 0 ||
      g_strcmp0 (login, "carol") == 0)
    return g_strdup_printf ("demo-op-%s", login);
  if (login != NULL && g_str_has_prefix (login, "c_") && login[2] != '\0')
    {
      for (const char *p = login + 2; *p; p++)
        if (!g_ascii_isdigit (*p))
          return NULL;
      return g_strdup_printf ("demo-cust-%s", login + 2);
    }
  return NULL;
}

char *
td_server_demo_token (const char *uid)
{
  if (g_str_has_prefix (uid, "o_"))
    return g_strdup_printf ("demo-op-%s", uid + 2);
  if (g_str_has_prefix (uid, "c_"))
    return g_strdup_printf ("demo-cust-%s", uid + 2);
  return NULL;
}

/* ---------------------------------------------------------------- helpers */

static void
ptr_array_reverse (GPtrArray *array)
{
  for (guint i = 0, j = array->len; i + 1 < j; i++, j--)
    {
      gpointer tmp = array->pdata[i];
      array->pdata[i] = array->pdata[j - 1];
      array->pdata[j - 1] = tmp;
    }
}

static gboolean
set_error (TdSqliteStore  *self,
           GError        **error,
           const char     *what)
{
  g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_FAILED,
               "%s: %s", what, sqlite3_errmsg (self->db));
  return FALSE;
}

static sqlite3_stmt *
stmt (TdSqliteStore *self,
      const char    *sql)
{
  sqlite3_stmt *st = g_hash_table_lookup (self->stmts, sql);

  if (st == NULL)
    {
      if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
        {
          g_debug ("prepare failed: %s: %s", sqlite3_errmsg (self->db), sql);
          return NULL;
        }
      g_hash_table_insert (self->stmts, (gpointer) sql, st);
    }
  else
    {
      sqlite3_reset (st);
      sqlite3_clear_bindings (st);
    }
  return st;
}

static void
bind_text (sqlite3_stmt *st,
           int           i,
           const char   *s)
{
  if (s == NULL)
    sqlite3_bind_null (st, i);
  else
    sqlite3_bind_text (st, i, s, -1, SQLITE_TRANSIENT);
}

static char *
col_text (sqlite3_stmt *st,
          int           i)
{
  const unsigned char *s = sqlite3_column_text (st, i);
  return s ? g_strdup ((const char *) s) : NULL;
}

static gboolean
exec (TdSqliteStore  *self,
      const char     *sql,
      GError        **error)
{
  char *msg = NULL;

  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_FAILED,
                   "%s", msg ? msg : "sqlite error");
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_injected (TdSqliteStore  *self,
                GError        **error)
{
  if (self->parent.fail_next_write)
    {
      self->parent.fail_next_write = FALSE;
      g_set_error_literal (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_INJECTED,
                           "injected failure");
      return FALSE;
    }
  return TRUE;
}

#define S(st) ((TdSqliteStore *) (st))

/* ---------------------------------------------------------------- schema */

static const char schema_v1[] =
  "CREATE TABLE merchants (id TEXT PRIMARY KEY, name TEXT NOT NULL);"
  "CREATE TABLE users (id TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE,"
  "  role TEXT NOT NULL CHECK (role IN ('customer', 'operator')),"
  "  name TEXT NOT NULL, pwhash TEXT, demo INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE memberships (user_id TEXT NOT NULL, merchant_id TEXT NOT NULL,"
  "  PRIMARY KEY (user_id, merchant_id)) WITHOUT ROWID;"
  "CREATE TABLE tokens (hash TEXT PRIMARY KEY, user_id TEXT NOT NULL,"
  "  demo INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL);"
  "CREATE TABLE lines (id TEXT PRIMARY KEY, uid TEXT NOT NULL, object_id TEXT NOT NULL,"
  "  busi TEXT NOT NULL, merchant TEXT, peer TEXT, title TEXT NOT NULL,"
  "  state TEXT NOT NULL DEFAULT 'open', assignee TEXT,"
  "  snooze_until INTEGER NOT NULL DEFAULT 0, last_seq INTEGER NOT NULL DEFAULT 0,"
  "  created INTEGER NOT NULL, updated INTEGER NOT NULL, cursor INTEGER NOT NULL DEFAULT 0,"
  "  last_sender_role TEXT, waiting_since INTEGER NOT NULL DEFAULT 0,"
  "  UNIQUE (uid, object_id, busi));"
  "CREATE INDEX lines_merchant ON lines (merchant);"
  "CREATE INDEX lines_peer ON lines (peer) WHERE peer IS NOT NULL;"
  "CREATE INDEX lines_snooze ON lines (snooze_until) WHERE state = 'snoozed' AND snooze_until > 0;"
  "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, line_id TEXT NOT NULL,"
  "  line_seq INTEGER NOT NULL, sender TEXT NOT NULL, sender_role TEXT NOT NULL,"
  "  kind TEXT NOT NULL, body TEXT NOT NULL, ts INTEGER NOT NULL, random_id TEXT NOT NULL,"
  "  cursor INTEGER NOT NULL DEFAULT 0, json TEXT NOT NULL,"
  "  UNIQUE (sender, random_id));"
  "CREATE UNIQUE INDEX messages_line_seq ON messages (line_id, line_seq) WHERE line_seq > 0;"
  "CREATE INDEX messages_line_ts ON messages (line_id, ts);"
  "CREATE TABLE reads (line_id TEXT NOT NULL, reader TEXT NOT NULL, upto INTEGER NOT NULL,"
  "  cursor INTEGER NOT NULL, PRIMARY KEY (line_id, reader)) WITHOUT ROWID;"
  "CREATE TABLE events (cursor INTEGER PRIMARY KEY AUTOINCREMENT, type INTEGER NOT NULL,"
  "  line_id TEXT NOT NULL, merchant TEXT, uid TEXT NOT NULL, peer TEXT,"
  "  ops_only INTEGER NOT NULL DEFAULT 0, msg_id INTEGER, reader TEXT, payload TEXT);"
  "CREATE INDEX events_merchant ON events (merchant, cursor) WHERE merchant IS NOT NULL;"
  "CREATE INDEX events_uid ON events (uid, cursor);"
  "CREATE INDEX events_peer ON events (peer, cursor) WHERE peer IS NOT NULL;"
  "CREATE INDEX events_line ON events (line_id, type);";

static gboolean
migrate (TdSqliteStore  *self,
         const char     *path,
         GError        **error)
{
  sqlite3_stmt *st;
  int version = 0;
  int n_tables = 0;
  g_autoptr(GError) local = NULL;

  /* Anything that is not a database fails here, before any write. */
  if (sqlite3_prepare_v2 (self->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_ROW)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_CORRUPT,
                   "%s is not a usable database (%s); refusing to touch it",
                   path, sqlite3_errmsg (self->db));
      sqlite3_finalize (st);
      return FALSE;
    }
  version = sqlite3_column_int (st, 0);
  sqlite3_finalize (st);

  if (version > TD_SERVER_SCHEMA_VERSION)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_NEWER,
                   "%s has schema version %d, newer than this server's %d; "
                   "refusing to touch it (upgrade tripdesk-server)",
                   path, version, TD_SERVER_SCHEMA_VERSION);
      return FALSE;
    }

  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK ||
      sqlite3_step (st) != SQLITE_ROW)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_CORRUPT,
                   "%s is not a usable database (%s); refusing to touch it",
                   path, sqlite3_errmsg (self->db));
      sqlite3_finalize (st);
      return FALSE;
    }
  n_tables = sqlite3_column_int (st, 0);
  sqlite3_finalize (st);

  if (version == 0 && n_tables > 0)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_FOREIGN,
                   "%s holds tables but no Tripdesk schema version; refusing to touch it",
                   path);
      return FALSE;
    }

  if (version > 0)
    {
      /* An existing database: check it before using it. */
      if (sqlite3_prepare_v2 (self->db, "PRAGMA quick_check", -1, &st, NULL) != SQLITE_OK ||
          sqlite3_step (st) != SQLITE_ROW ||
          g_strcmp0 ((const char *) sqlite3_column_text (st, 0), "ok") != 0)
        {
          g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_CORRUPT,
                       "%s failed its integrity check (%s); refusing to touch it",
                       path, sqlite3_errmsg (self->db));
          sqlite3_finalize (st);
          return FALSE;
        }
      sqlite3_finalize (st);
    }

  if (!exec (self, "PRAGMA journal_mode=WAL", &local))
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_CORRUPT,
                   "%s: cannot enable WAL: %s", path, local->message);
      return FALSE;
    }

  if (version == 0)
    {
      g_autofree char *sql = g_strdup_printf ("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                                              schema_v1, TD_SERVER_SCHEMA_VERSION);
      if (!exec (self, sql, error))
        {
          exec (self, "ROLLBACK", NULL);
          return FALSE;
        }
    }
  /* Later versions: if (version < 2) { ALTER …; PRAGMA user_version = 2 } */

  return TRUE;
}

/* ---------------------------------------------------------------- transactions */

static gboolean
sq_begin (TdServerStore *store, GError **error)
{
  return exec (S (store), "BEGIN IMMEDIATE", error);
}

static gboolean
sq_commit (TdServerStore *store, GError **error)
{
  return exec (S (store), "COMMIT", error);
}

static void
sq_rollback (TdServerStore *store)
{
  if (!sqlite3_get_autocommit (S (store)->db))
    exec (S (store), "ROLLBACK", NULL);
}

static gboolean
sq_savepoint (TdServerStore *store, GError **error)
{
  return exec (S (store), "SAVEPOINT op", error);
}

static void
sq_release (TdServerStore *store)
{
  exec (S (store), "RELEASE op", NULL);
}

static void
sq_rollback_to (TdServerStore *store)
{
  exec (S (store), "ROLLBACK TO op", NULL);
  exec (S (store), "RELEASE op", NULL);
}

/* ---------------------------------------------------------------- accounts */

static gboolean
sq_is_empty (TdServerStore *store)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT count(*) FROM users"));
  return st && sqlite3_step (st) == SQLITE_ROW && sqlite3_column_int64 (st, 0) == 0;
}

static gboolean
sq_seed_demo (TdServerStore  *store,
              int             n_customers,
              GError        **error)
{
  TdSqliteStore *self = S (store);
  static const struct { const char *id, *name; } merchants[] = {
    { "m_lakeside", "Lakeside Hotel" },
    { "m_skyline", "Skyline Tours" },
    { "m_harbor", "Harbor Air" },
  };
  static const struct { const char *id, *login, *name, *merchants[3]; } ops[] = {
    { "o_alice", "alice", "Alice", { "m_lakeside", "m_skyline", NULL } },
    { "o_bob", "bob", "Bob", { "m_skyline", NULL } },
    { "o_carol", "carol", "Carol", { "m_harbor", NULL } },
  };
  static const char * const first[] = {
    "Mei", "Lukas", "Aiko", "Sofia", "Ravi", "Emma", "Chen", "Noah", "Lina", "Omar",
    "Yuki", "Clara", "Jonas", "Priya", "Mateo", "Hana", "Felix", "Amara", "Wei", "Isla",
  };
  static const char * const last[] = {
    "Wang", "Müller", "Tanaka", "Rossi", "Sharma", "Dubois", "Li", "Smith", "Kim", "Haddad",
  };
  gint64 now = g_get_real_time () / 1000;

  if (!exec (self, "BEGIN IMMEDIATE", error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (merchants); i++)
    {
      sqlite3_stmt *st = stmt (self, SQL ("INSERT INTO merchants (id, name) VALUES (?, ?)"));
      bind_text (st, 1, merchants[i].id);
      bind_text (st, 2, merchants[i].name);
      if (sqlite3_step (st) != SQLITE_DONE)
        goto fail;
    }

  for (guint i = 0; i < G_N_ELEMENTS (ops) + (guint) n_customers; i++)
    {
      g_autofree char *cid = NULL;
      g_autofree char *cname = NULL;
      g_autofree char *token = NULL;
      g_autofree char *hash = NULL;
      const char *id, *login, *name, *role;
      sqlite3_stmt *st;

      if (i < G_N_ELEMENTS (ops))
        {
          id = ops[i].id;
          login = ops[i].login;
          name = ops[i].name;
          role = "operator";
        }
      else
        {
          guint n = i - G_N_ELEMENTS (ops) + 1;
          id = login = cid = g_strdup_printf ("c_%u", n);
          name = cname = g_strdup_printf ("%s %s", first[(n - 1) % G_N_ELEMENTS (first)],
                                          last[((n - 1) / G_N_ELEMENTS (first) + n - 1) % G_N_ELEMENTS (last)]);
          role = "customer";
        }

      /* Passwords are hashed lazily, on the first login (see td-server.c). */
      st = stmt (self, SQL ("INSERT INTO users (id, login, role, name, pwhash, demo) VALUES (?, ?, ?, ?, NULL, 1)"));
      bind_text (st, 1, id);
      bind_text (st, 2, login);
      bind_text (st, 3, role);
      bind_text (st, 4, name);
      if (sqlite3_step (st) != SQLITE_DONE)
        goto fail;

      token = td_server_demo_token (id);
      hash = td_server_hash_token (token);
      st = stmt (self, SQL ("INSERT INTO tokens (hash, user_id, demo, created) VALUES (?, ?, 1, ?)"));
      bind_text (st, 1, hash);
      bind_text (st, 2, id);
      sqlite3_bind_int64 (st, 3, now);
      if (sqlite3_step (st) != SQLITE_DONE)
        goto fail;

      if (i < G_N_ELEMENTS (ops))
        for (guint j = 0; ops[i].merchants[j]; j++)
          {
            st = stmt (self, SQL ("INSERT INTO memberships (user_id, merchant_id) VALUES (?, ?)"));
            bind_text (st, 1, id);
            bind_text (st, 2, ops[i].merchants[j]);
            if (sqlite3_step (st) != SQLITE_DONE)
              goto fail;
          }
    }

  return exec (self, "COMMIT", error);

fail:
  set_error (self, error, "seeding the demo accounts");
  exec (self, "ROLLBACK", NULL);
  return FALSE;
}

static TdSrvUser *
load_user (TdSqliteStore *self,
           sqlite3_stmt  *st)
{
  TdSrvUser *user = g_new0 (TdSrvUser, 1);
  g_autofree char *role = NULL;
  sqlite3_stmt *ms;

  g_atomic_ref_count_init (&user->ref_count);
  user->id = col_text (st, 0);
  user->login = col_text (st, 1);
  role = col_text (st, 2);
  user->name = col_text (st, 3);
  user->role = g_strcmp0 (role, "operator") == 0 ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER;
  user->merchants = g_ptr_array_new_with_free_func (merchant_ref_free);

  ms = stmt (self, SQL ("SELECT m.id, m.name FROM memberships s JOIN merchants m ON m.id = s.merchant_id"
                        " WHERE s.user_id = ? ORDER BY m.id"));
  if (ms != NULL)
    {
      bind_text (ms, 1, user->id);
      while (sqlite3_step (ms) == SQLITE_ROW)
        {
          TdMerchantRef *ref = g_new0 (TdMerchantRef, 1);
          ref->id = col_text (ms, 0);
          ref->name = col_text (ms, 1);
          g_ptr_array_add (user->merchants, ref);
        }
    }
  return user;
}

static TdSrvUser *
sq_lookup_token (TdServerStore *store,
                 const char    *token_hash,
                 gboolean      *demo)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("SELECT u.id, u.login, u.role, u.name, t.demo FROM tokens t"
                                      " JOIN users u ON u.id = t.user_id WHERE t.hash = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, token_hash);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  if (demo)
    *demo = sqlite3_column_int (st, 4) != 0;
  {
    g_autofree char *id = col_text (st, 0);
    sqlite3_stmt *us = stmt (self, SQL ("SELECT id, login, role, name FROM users WHERE id = ?"));
    if (us == NULL)
      return NULL;
    bind_text (us, 1, id);
    if (sqlite3_step (us) != SQLITE_ROW)
      return NULL;
    return load_user (self, us);
  }
}

static TdSrvUser *
sq_get_user (TdServerStore *store,
             const char    *uid)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("SELECT id, login, role, name FROM users WHERE id = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, uid);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return load_user (self, st);
}

static TdSrvUser *
sq_get_login (TdServerStore  *store,
              const char     *login,
              char          **pwhash,
              gboolean       *demo)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("SELECT id, login, role, name, pwhash, demo FROM users WHERE login = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, login);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  *pwhash = col_text (st, 4);
  *demo = sqlite3_column_int (st, 5) != 0;
  return load_user (self, st);
}

static gboolean
sq_set_pwhash (TdServerStore  *store,
               const char     *uid,
               const char     *pwhash,
               GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("UPDATE users SET pwhash = ? WHERE id = ?"));
  if (st == NULL || !check_injected (self, error))
    return st ? FALSE : set_error (self, error, "set password");
  bind_text (st, 1, pwhash);
  bind_text (st, 2, uid);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "set password");
  return TRUE;
}

static gboolean
sq_add_token (TdServerStore  *store,
              const char     *token_hash,
              const char     *uid,
              GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("INSERT INTO tokens (hash, user_id, demo, created) VALUES (?, ?, 0, ?)"));
  if (st == NULL || !check_injected (self, error))
    return st ? FALSE : set_error (self, error, "add token");
  bind_text (st, 1, token_hash);
  bind_text (st, 2, uid);
  sqlite3_bind_int64 (st, 3, g_get_real_time () / 1000);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "add token");
  return TRUE;
}

static gboolean
sq_revoke_token (TdServerStore  *store,
                 const char     *token_hash,
                 GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("DELETE FROM tokens WHERE hash = ?"));
  if (st == NULL || !check_injected (self, error))
    return st ? FALSE : set_error (self, error, "revoke token");
  bind_text (st, 1, token_hash);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "revoke token");
  return TRUE;
}

static char *
sq_get_merchant_name (TdServerStore *store,
                      const char    *merchant)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT name FROM merchants WHERE id = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, merchant);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return col_text (st, 0);
}

/* ---------------------------------------------------------------- lines */

#define LINE_COLS "l.id, l.uid, l.object_id, l.busi, l.merchant, l.title, l.state, l.assignee," \
                  " l.snooze_until, l.last_seq, l.created, l.updated, u.name," \
                  " l.last_sender_role, l.waiting_since"

static TdLine *
load_line (sqlite3_stmt *st)
{
  TdBusi busi = TD_BUSI_INQUIRY;
  TdLineState state = TD_LINE_STATE_OPEN;
  TdLine *line;

  td_busi_from_string ((const char *) sqlite3_column_text (st, 3), &busi);
  td_line_state_from_string ((const char *) sqlite3_column_text (st, 6), &state);
  line = td_line_new ((const char *) sqlite3_column_text (st, 0),
                      (const char *) sqlite3_column_text (st, 1),
                      (const char *) sqlite3_column_text (st, 2),
                      busi);
  td_line_set_merchant (line, (const char *) sqlite3_column_text (st, 4));
  td_line_set_title (line, (const char *) sqlite3_column_text (st, 5));
  td_line_set_state (line, state);
  td_line_set_assignee (line, (const char *) sqlite3_column_text (st, 7));
  td_line_set_snooze_until (line, sqlite3_column_int64 (st, 8));
  td_line_set_last_seq (line, sqlite3_column_int64 (st, 9));
  td_line_set_created (line, sqlite3_column_int64 (st, 10));
  td_line_set_updated (line, sqlite3_column_int64 (st, 11));
  td_line_set_customer_name (line, (const char *) sqlite3_column_text (st, 12));
  return line;
}

static TdLine *
sq_get_line (TdServerStore *store,
             const char    *line_id)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT " LINE_COLS " FROM lines l LEFT JOIN users u ON u.id = l.uid"
                                           " WHERE l.id = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, line_id);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return load_line (st);
}

static TdLine *
sq_find_line (TdServerStore *store,
              const char    *uid,
              const char    *object_id,
              TdBusi         busi)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT " LINE_COLS " FROM lines l LEFT JOIN users u ON u.id = l.uid"
                                           " WHERE l.uid = ? AND l.object_id = ? AND l.busi = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, uid);
  bind_text (st, 2, object_id);
  bind_text (st, 3, td_busi_to_string (busi));
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return load_line (st);
}

static const char *
line_peer (TdLine *line)
{
  return td_line_get_busi (line) == TD_BUSI_CHAT ? td_line_get_object_id (line) : NULL;
}

static gboolean
sq_insert_line (TdServerStore  *store,
                TdLine         *line,
                GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("INSERT INTO lines (id, uid, object_id, busi, merchant, peer, title, state,"
                                      " assignee, snooze_until, last_seq, created, updated)"
                                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  if (st == NULL)
    return set_error (self, error, "insert line");
  if (!check_injected (self, error))
    return FALSE;
  bind_text (st, 1, td_line_get_id (line));
  bind_text (st, 2, td_line_get_uid (line));
  bind_text (st, 3, td_line_get_object_id (line));
  bind_text (st, 4, td_busi_to_string (td_line_get_busi (line)));
  bind_text (st, 5, td_line_get_merchant (line));
  bind_text (st, 6, line_peer (line));
  bind_text (st, 7, td_line_get_title (line) ? td_line_get_title (line) : "");
  bind_text (st, 8, td_line_state_to_string (td_line_get_state (line)));
  bind_text (st, 9, td_line_get_assignee (line));
  sqlite3_bind_int64 (st, 10, td_line_get_snooze_until (line));
  sqlite3_bind_int64 (st, 11, td_line_get_last_seq (line));
  sqlite3_bind_int64 (st, 12, td_line_get_created (line));
  sqlite3_bind_int64 (st, 13, td_line_get_updated (line));
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "insert line");
  return TRUE;
}

/* The dashboard's resolution and reopen figures need the time of every
 * state change (docs/metrics.md): one row per change, before the update. */
static const char line_states_sql[] =
  "CREATE TABLE IF NOT EXISTS line_states (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  line_id TEXT NOT NULL, ts INTEGER NOT NULL,"
  "  from_state TEXT NOT NULL, to_state TEXT NOT NULL);"
  "CREATE INDEX IF NOT EXISTS line_states_line ON line_states (line_id, ts);";

static gboolean
record_state_change (TdSqliteStore  *self,
                     TdLine         *line,
                     GError        **error)
{
  const char *state = td_line_state_to_string (td_line_get_state (line));
  sqlite3_stmt *st = stmt (self, SQL ("INSERT INTO line_states (line_id, ts, from_state, to_state)"
                                      " SELECT id, ?, state, ? FROM lines WHERE id = ? AND state <> ?"));

  if (st == NULL)
    return set_error (self, error, "record state change");
  sqlite3_bind_int64 (st, 1, td_now_ms ());
  bind_text (st, 2, state);
  bind_text (st, 3, td_line_get_id (line));
  bind_text (st, 4, state);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "record state change");
  return TRUE;
}

static gboolean
sq_update_line (TdServerStore  *store,
                TdLine         *line,
                GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("UPDATE lines SET state = ?, assignee = ?, snooze_until = ?,"
                                      " last_seq = ?, updated = ? WHERE id = ?"));
  if (st == NULL)
    return set_error (self, error, "update line");
  if (!check_injected (self, error))
    return FALSE;
  if (!record_state_change (self, line, error))
    return FALSE;
  bind_text (st, 1, td_line_state_to_string (td_line_get_state (line)));
  bind_text (st, 2, td_line_get_assignee (line));
  sqlite3_bind_int64 (st, 3, td_line_get_snooze_until (line));
  sqlite3_bind_int64 (st, 4, td_line_get_last_seq (line));
  sqlite3_bind_int64 (st, 5, td_line_get_updated (line));
  bind_text (st, 6, td_line_get_id (line));
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "update line");
  return TRUE;
}

static GPtrArray *
sq_due_snoozes (TdServerStore *store,
                gint64         now)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT " LINE_COLS " FROM lines l LEFT JOIN users u ON u.id = l.uid"
                                           " WHERE l.state = 'snoozed' AND l.snooze_until > 0"
                                           " AND l.snooze_until <= ?"));
  if (st == NULL)
    return lines;
  sqlite3_bind_int64 (st, 1, now);
  while (sqlite3_step (st) == SQLITE_ROW)
    g_ptr_array_add (lines, load_line (st));
  return lines;
}

static gint64
sq_next_snooze (TdServerStore *store)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT min(snooze_until) FROM lines"
                                           " WHERE state = 'snoozed' AND snooze_until > 0"));
  if (st == NULL || sqlite3_step (st) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (st, 0);
}

/* ---------------------------------------------------------------- messages */

static TdMessage *
message_from_json_text (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (json == NULL || !json_parser_load_from_data (parser, json, -1, NULL))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return td_message_new_from_json (json_node_get_object (root), TRUE, NULL);
}

static TdMessage *
sq_find_message (TdServerStore *store,
                 const char    *sender,
                 const char    *random_id)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT json FROM messages WHERE sender = ? AND random_id = ?"));
  if (st == NULL)
    return NULL;
  bind_text (st, 1, sender);
  bind_text (st, 2, random_id);
  if (sqlite3_step (st) != SQLITE_ROW)
    return NULL;
  return message_from_json_text ((const char *) sqlite3_column_text (st, 0));
}

static gint64
sq_insert_message (TdServerStore  *store,
                   TdMessage      *msg,
                   GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st;
  gint64 id;
  g_autoptr(TdMessage) stored = NULL;
  g_autoptr(JsonObject) obj = NULL;
  g_autofree char *body = NULL;
  g_autofree char *json = NULL;

  if (!check_injected (self, error))
    return 0;

  body = td_json_object_to_string (td_message_get_body (msg), NULL);
  st = stmt (self, SQL ("INSERT INTO messages (line_id, line_seq, sender, sender_role, kind, body, ts,"
                        " random_id, json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')"));
  if (st == NULL)
    return set_error (self, error, "insert message");
  bind_text (st, 1, td_message_get_line_id (msg));
  sqlite3_bind_int64 (st, 2, td_message_get_line_seq (msg));
  bind_text (st, 3, td_message_get_sender_id (msg));
  bind_text (st, 4, td_role_to_string (td_message_get_sender_role (msg)));
  bind_text (st, 5, td_message_get_kind_name (msg));
  bind_text (st, 6, body);
  sqlite3_bind_int64 (st, 7, td_message_get_ts (msg));
  bind_text (st, 8, td_message_get_random_id (msg));
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "insert message");
  id = sqlite3_last_insert_rowid (self->db);

  td_message_set_stored (msg, id, td_message_get_line_seq (msg), td_message_get_ts (msg));
  obj = td_message_to_json (msg);
  json = td_json_object_to_string (obj, NULL);

  st = stmt (self, SQL ("UPDATE messages SET json = ? WHERE id = ?"));
  bind_text (st, 1, json);
  sqlite3_bind_int64 (st, 2, id);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "insert message");

  if (td_message_get_kind (msg) != TD_KIND_NOTE && td_message_get_kind (msg) != TD_KIND_SYSTEM)
    {
      gboolean customer = td_message_get_sender_role (msg) == TD_ROLE_CUSTOMER;

      /* a server notice neither answers nor waits: only people count */
      st = stmt (self, SQL ("UPDATE lines SET last_sender_role = ?1,"
                            " waiting_since = CASE WHEN ?1 = 'operator' THEN 0"
                            "   WHEN waiting_since = 0 THEN ?2 ELSE waiting_since END"
                            " WHERE id = ?3"));
      bind_text (st, 1, customer ? "customer" : "operator");
      sqlite3_bind_int64 (st, 2, td_message_get_ts (msg));
      bind_text (st, 3, td_message_get_line_id (msg));
      if (sqlite3_step (st) != SQLITE_DONE)
        return set_error (self, error, "insert message");
    }
  return id;
}

static GPtrArray *
sq_history (TdServerStore *store,
            const char    *line_id,
            gint64         before,
            int            limit,
            gboolean       with_notes,
            gboolean      *more)
{
  TdSqliteStore *self = S (store);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GPtrArray *page = g_ptr_array_new_with_free_func (g_object_unref);
  sqlite3_stmt *st;
  gint64 lo_ts = G_MININT64, hi_ts = G_MAXINT64;
  gint64 lo_seq = 0;

  *more = FALSE;
  st = stmt (self, SQL ("SELECT json, line_seq, ts FROM messages WHERE line_id = ? AND line_seq > 0"
                        " AND line_seq < ? ORDER BY line_seq DESC LIMIT ?"));
  if (st == NULL)
    goto out;
  bind_text (st, 1, line_id);
  sqlite3_bind_int64 (st, 2, before > 0 ? before : G_MAXINT64);
  sqlite3_bind_int (st, 3, limit + 1);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      TdMessage *m;
      if ((int) page->len == limit)
        {
          *more = TRUE;
          break;
        }
      m = message_from_json_text ((const char *) sqlite3_column_text (st, 0));
      if (m != NULL)
        g_ptr_array_add (page, m);
    }
  ptr_array_reverse (page);

  if (page->len > 0)
    {
      lo_seq = td_message_get_line_seq (g_ptr_array_index (page, 0));
      if (*more)
        lo_ts = td_message_get_ts (g_ptr_array_index (page, 0));
    }
  if (before > 0)
    {
      /* the span ends where the next (newer) page begins */
      st = stmt (self, SQL ("SELECT ts FROM messages WHERE line_id = ? AND line_seq >= ?"
                            " AND line_seq > 0 ORDER BY line_seq LIMIT 1"));
      bind_text (st, 1, line_id);
      sqlite3_bind_int64 (st, 2, before);
      if (sqlite3_step (st) == SQLITE_ROW)
        hi_ts = sqlite3_column_int64 (st, 0);
    }
  (void) lo_seq;

  if (with_notes)
    {
      GPtrArray *notes = g_ptr_array_new_with_free_func (g_object_unref);
      guint i = 0, j = 0;

      st = stmt (self, SQL ("SELECT json FROM messages WHERE line_id = ? AND line_seq = 0"
                            " AND ts >= ? AND ts < ? ORDER BY ts, id"));
      bind_text (st, 1, line_id);
      sqlite3_bind_int64 (st, 2, lo_ts);
      sqlite3_bind_int64 (st, 3, hi_ts);
      while (sqlite3_step (st) == SQLITE_ROW)
        {
          TdMessage *m = message_from_json_text ((const char *) sqlite3_column_text (st, 0));
          if (m != NULL)
            g_ptr_array_add (notes, m);
        }
      /* merge by ts (stable: a message before a note with the same ts) */
      while (i < page->len || j < notes->len)
        {
          TdMessage *a = i < page->len ? g_ptr_array_index (page, i) : NULL;
          TdMessage *b = j < notes->len ? g_ptr_array_index (notes, j) : NULL;
          if (b == NULL || (a != NULL && td_message_get_ts (a) <= td_message_get_ts (b)))
            {
              g_ptr_array_add (out, g_object_ref (a));
              i++;
            }
          else
            {
              g_ptr_array_add (out, g_object_ref (b));
              j++;
            }
        }
      g_ptr_array_unref (notes);
    }
  else
    {
      for (guint i = 0; i < page->len; i++)
        g_ptr_array_add (out, g_object_ref (g_ptr_array_index (page, i)));
    }

out:
  g_ptr_array_unref (page);
  return out;
}

/* ---------------------------------------------------------------- reads */

static gint64
sq_get_read (TdServerStore *store,
             const char    *line_id,
             const char    *reader)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT upto FROM reads WHERE line_id = ? AND reader = ?"));
  if (st == NULL)
    return 0;
  bind_text (st, 1, line_id);
  bind_text (st, 2, reader);
  if (sqlite3_step (st) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (st, 0);
}

static gboolean
sq_set_read (TdServerStore  *store,
             const char     *line_id,
             const char     *reader,
             gint64          upto,
             gint64          cursor,
             GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st = stmt (self, SQL ("INSERT INTO reads (line_id, reader, upto, cursor) VALUES (?, ?, ?, ?)"
                                      " ON CONFLICT (line_id, reader) DO UPDATE SET upto = excluded.upto,"
                                      " cursor = excluded.cursor"));
  if (st == NULL)
    return set_error (self, error, "set read");
  bind_text (st, 1, line_id);
  bind_text (st, 2, reader);
  sqlite3_bind_int64 (st, 3, upto);
  sqlite3_bind_int64 (st, 4, cursor);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "set read");
  return TRUE;
}

/* ---------------------------------------------------------------- events */

static gint64
sq_add_event (TdServerStore  *store,
              TdEventType     type,
              const TdRoute  *route,
              gint64          msg_id,
              const char     *reader,
              const char     *payload,
              GError        **error)
{
  TdSqliteStore *self = S (store);
  sqlite3_stmt *st;
  gint64 cursor;

  /* A line or read event is a snapshot: older ones of the same line
   * (reader) are superseded, so a replay sends only the newest. */
  if (type == TD_EVENT_LINE)
    {
      st = stmt (self, SQL ("DELETE FROM events WHERE line_id = ? AND type = 1"));
      bind_text (st, 1, route->line_id);
      if (sqlite3_step (st) != SQLITE_DONE)
        return set_error (self, error, "add event");
    }
  else if (type == TD_EVENT_READ)
    {
      st = stmt (self, SQL ("DELETE FROM events WHERE line_id = ? AND type = 2 AND reader = ?"));
      bind_text (st, 1, route->line_id);
      bind_text (st, 2, reader);
      if (sqlite3_step (st) != SQLITE_DONE)
        return set_error (self, error, "add event");
    }

  st = stmt (self, SQL ("INSERT INTO events (type, line_id, merchant, uid, peer, ops_only, msg_id, reader, payload)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  if (st == NULL)
    return set_error (self, error, "add event");
  sqlite3_bind_int (st, 1, type);
  bind_text (st, 2, route->line_id);
  bind_text (st, 3, route->merchant);
  bind_text (st, 4, route->uid);
  bind_text (st, 5, route->peer);
  sqlite3_bind_int (st, 6, route->ops_only);
  if (msg_id > 0)
    sqlite3_bind_int64 (st, 7, msg_id);
  else
    sqlite3_bind_null (st, 7);
  bind_text (st, 8, reader);
  bind_text (st, 9, payload);
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "add event");
  cursor = sqlite3_last_insert_rowid (self->db);

  if (type == TD_EVENT_MSG)
    {
      st = stmt (self, SQL ("UPDATE messages SET cursor = ? WHERE id = ?"));
      sqlite3_bind_int64 (st, 1, cursor);
      sqlite3_bind_int64 (st, 2, msg_id);
    }
  else if (type == TD_EVENT_LINE)
    {
      st = stmt (self, SQL ("UPDATE lines SET cursor = ? WHERE id = ?"));
      sqlite3_bind_int64 (st, 1, cursor);
      bind_text (st, 2, route->line_id);
    }
  else
    return cursor;
  if (sqlite3_step (st) != SQLITE_DONE)
    return set_error (self, error, "add event");
  return cursor;
}

static gint64
sq_max_cursor (TdServerStore *store)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT seq FROM sqlite_sequence WHERE name = 'events'"));
  if (st == NULL || sqlite3_step (st) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (st, 0);
}

static char *
encode_event (gint64      cursor,
              int         type,
              const char *payload,
              const char *msg_json)
{
  switch (type)
    {
    case TD_EVENT_MSG:
      return g_strdup_printf ("{\"v\":1,\"type\":\"msg\",\"cursor\":%" G_GINT64_FORMAT ",\"msg\":%s}",
                              cursor, msg_json ? msg_json : "null");
    case TD_EVENT_LINE:
      return g_strdup_printf ("{\"v\":1,\"type\":\"line\",\"cursor\":%" G_GINT64_FORMAT ",\"line\":%s}",
                              cursor, payload);
    case TD_EVENT_READ:
      /* payload: "\"line\":…,\"reader\":…,\"upto\":…" */
      return g_strdup_printf ("{\"v\":1,\"type\":\"read\",\"cursor\":%" G_GINT64_FORMAT ",%s}",
                              cursor, payload);
    default:
      return NULL;
    }
}

static GPtrArray *
sq_events_after (TdServerStore *store,
                 TdSrvUser     *user,
                 gint64         after,
                 int            limit)
{
  TdSqliteStore *self = S (store);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) td_stored_event_free);
  sqlite3_stmt *st;

  if (user->role == TD_ROLE_OPERATOR)
    st = stmt (self, SQL ("SELECT e.cursor, e.type, e.payload, m.json FROM events e"
                          " LEFT JOIN messages m ON m.id = e.msg_id"
                          " WHERE e.cursor > ?1 AND e.merchant IN"
                          " (SELECT merchant_id FROM memberships WHERE user_id = ?2)"
                          " ORDER BY e.cursor LIMIT ?3"));
  else
    st = stmt (self, SQL ("SELECT e.cursor, e.type, e.payload, m.json FROM events e"
                          " LEFT JOIN messages m ON m.id = e.msg_id"
                          " WHERE e.cursor IN (SELECT cursor FROM events WHERE uid = ?2 AND cursor > ?1"
                          "   UNION SELECT cursor FROM events WHERE peer = ?2 AND cursor > ?1)"
                          " AND e.ops_only = 0 ORDER BY e.cursor LIMIT ?3"));
  if (st == NULL)
    {
      g_ptr_array_unref (out);
      return NULL;
    }
  sqlite3_bind_int64 (st, 1, after);
  bind_text (st, 2, user->id);
  sqlite3_bind_int (st, 3, limit);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      TdStoredEvent *ev = g_new0 (TdStoredEvent, 1);
      ev->cursor = sqlite3_column_int64 (st, 0);
      ev->json = encode_event (ev->cursor, sqlite3_column_int (st, 1),
                               (const char *) sqlite3_column_text (st, 2),
                               (const char *) sqlite3_column_text (st, 3));
      g_ptr_array_add (out, ev);
    }
  if (sqlite3_errcode (self->db) != SQLITE_DONE && sqlite3_errcode (self->db) != SQLITE_ROW &&
      sqlite3_errcode (self->db) != SQLITE_OK)
    {
      g_debug ("events_after: %s", sqlite3_errmsg (self->db));
      g_ptr_array_unref (out);
      return NULL;
    }
  return out;
}

static GPtrArray *
sq_snapshot (TdServerStore *store,
             TdSrvUser     *user,
             gint64         upto,
             gint64         resolved_cutoff,
             int            per_line)
{
  TdSqliteStore *self = S (store);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) td_stored_event_free);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  gboolean op = user->role == TD_ROLE_OPERATOR;
  sqlite3_stmt *st;

  /* lines: the newest line event's payload is the line as of now */
  if (op)
    st = stmt (self, SQL ("SELECT l.id, l.cursor, e.payload FROM lines l"
                          " JOIN events e ON e.line_id = l.id AND e.type = 1"
                          " WHERE l.merchant IN (SELECT merchant_id FROM memberships WHERE user_id = ?1)"
                          " AND NOT (l.state = 'resolved' AND l.updated < ?2) AND e.cursor <= ?3"
                          " ORDER BY l.cursor"));
  else
    st = stmt (self, SQL ("SELECT l.id, l.cursor, e.payload FROM lines l"
                          " JOIN events e ON e.line_id = l.id AND e.type = 1"
                          " WHERE (l.uid = ?1 OR l.peer = ?1)"
                          " AND NOT (l.state = 'resolved' AND l.updated < ?2) AND e.cursor <= ?3"
                          " ORDER BY l.cursor"));
  if (st == NULL)
    return out;
  bind_text (st, 1, user->id);
  sqlite3_bind_int64 (st, 2, resolved_cutoff);
  sqlite3_bind_int64 (st, 3, upto);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      TdStoredEvent *ev = g_new0 (TdStoredEvent, 1);
      ev->cursor = sqlite3_column_int64 (st, 1);
      ev->json = encode_event (ev->cursor, TD_EVENT_LINE, (const char *) sqlite3_column_text (st, 2), NULL);
      g_ptr_array_add (out, ev);
      g_ptr_array_add (ids, col_text (st, 0));
    }

  for (guint i = 0; i < ids->len; i++)
    {
      const char *line_id = g_ptr_array_index (ids, i);
      g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) td_stored_event_free);
      gint64 min_ts = G_MININT64;
      gboolean full = FALSE;

      st = stmt (self, SQL ("SELECT cursor, json, ts FROM messages WHERE line_id = ? AND line_seq > 0"
                            " AND cursor <= ? AND cursor > 0 ORDER BY line_seq DESC LIMIT ?"));
      bind_text (st, 1, line_id);
      sqlite3_bind_int64 (st, 2, upto);
      sqlite3_bind_int (st, 3, per_line + 1);
      while (sqlite3_step (st) == SQLITE_ROW)
        {
          TdStoredEvent *ev;
          if ((int) rows->len == per_line)
            {
              full = TRUE;
              break;
            }
          ev = g_new0 (TdStoredEvent, 1);
          ev->cursor = sqlite3_column_int64 (st, 0);
          ev->json = encode_event (ev->cursor, TD_EVENT_MSG, NULL, (const char *) sqlite3_column_text (st, 1));
          min_ts = sqlite3_column_int64 (st, 2);
          g_ptr_array_add (rows, ev);
        }
      if (!full)
        min_ts = G_MININT64;
      ptr_array_reverse (rows);

      if (op)
        {
          /* the notes within the span, merged by cursor (= commit order) */
          st = stmt (self, SQL ("SELECT cursor, json FROM messages WHERE line_id = ? AND line_seq = 0"
                                " AND cursor <= ? AND cursor > 0 AND ts >= ? ORDER BY cursor"));
          bind_text (st, 1, line_id);
          sqlite3_bind_int64 (st, 2, upto);
          sqlite3_bind_int64 (st, 3, min_ts);
          while (sqlite3_step (st) == SQLITE_ROW)
            {
              TdStoredEvent *ev = g_new0 (TdStoredEvent, 1);
              ev->cursor = sqlite3_column_int64 (st, 0);
              ev->json = encode_event (ev->cursor, TD_EVENT_MSG, NULL, (const char *) sqlite3_column_text (st, 1));
              g_ptr_array_add (rows, ev);
            }
          if (rows->len > 1)
            {
              /* sort by cursor */
              for (guint a = 1; a < rows->len; a++)
                for (guint b = a; b > 0; b--)
                  {
                    TdStoredEvent *x = g_ptr_array_index (rows, b - 1);
                    TdStoredEvent *y = g_ptr_array_index (rows, b);
                    if (x->cursor <= y->cursor)
                      break;
                    rows->pdata[b - 1] = y;
                    rows->pdata[b] = x;
                  }
            }
        }
      for (guint j = 0; j < rows->len; j++)
        g_ptr_array_add (out, g_steal_pointer (&rows->pdata[j]));
      g_ptr_array_set_free_func (rows, NULL);

      /* the newest read mark of each reader */
      st = stmt (self, SQL ("SELECT cursor, payload FROM events WHERE line_id = ? AND type = 2 AND cursor <= ?"
                            " ORDER BY cursor"));
      bind_text (st, 1, line_id);
      sqlite3_bind_int64 (st, 2, upto);
      while (sqlite3_step (st) == SQLITE_ROW)
        {
          TdStoredEvent *ev = g_new0 (TdStoredEvent, 1);
          ev->cursor = sqlite3_column_int64 (st, 0);
          ev->json = encode_event (ev->cursor, TD_EVENT_READ, (const char *) sqlite3_column_text (st, 1), NULL);
          g_ptr_array_add (out, ev);
        }
    }
  return out;
}

/* ---------------------------------------------------------------- figures */

static gboolean
sq_foreach_line (TdServerStore   *store,
                 const char      *merchant,
                 TdStoreLineFunc  func,
                 gpointer         user_data)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT " LINE_COLS " FROM lines l LEFT JOIN users u ON u.id = l.uid"
                                           " WHERE l.merchant = ?"));
  if (st == NULL)
    return FALSE;
  bind_text (st, 1, merchant);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      g_autoptr(TdLine) line = load_line (st);
      TdStatsLine row = { 0, };
      const char *role = (const char *) sqlite3_column_text (st, 13);

      row.line = line;
      row.has_messages = role != NULL;
      row.last_sender_role = g_strcmp0 (role, "operator") == 0 ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER;
      row.waiting_since = sqlite3_column_int64 (st, 14);
      if (!func (&row, user_data))
        break;
    }
  return TRUE;
}

static gint64
sq_count_messages (TdServerStore *store,
                   const char    *merchant,
                   gint64         since,
                   gint64         until)
{
  sqlite3_stmt *st = stmt (S (store), SQL ("SELECT count(*) FROM messages m JOIN lines l ON l.id = m.line_id"
                                           " WHERE l.merchant = ? AND m.ts >= ? AND m.ts < ?"
                                           " AND m.line_seq > 0"));
  if (st == NULL)
    return 0;
  bind_text (st, 1, merchant);
  sqlite3_bind_int64 (st, 2, since);
  sqlite3_bind_int64 (st, 3, until);
  if (sqlite3_step (st) != SQLITE_ROW)
    return 0;
  return sqlite3_column_int64 (st, 0);
}

static const char *
chunk_text (TdStatsRecords *records,
            sqlite3_stmt   *st,
            int             i)
{
  const char *s = (const char *) sqlite3_column_text (st, i);

  return s != NULL ? g_string_chunk_insert_const (records->strings, s) : NULL;
}

/* The records of docs/metrics.md for one merchant.  Messages of lines that
 * are resolved and were last updated before @since cannot change a figure
 * of the windows (all ≥ @since) nor a live one, so they are left out. */
static gboolean
sq_stats_records (TdServerStore   *store,
                  const char      *merchant,
                  gint64           since,
                  TdStatsRecords  *records,
                  GError         **error)
{
  TdSqliteStore *self = S (store);
  const char *m = g_string_chunk_insert_const (records->strings, merchant);
  sqlite3_stmt *st;
  int rc;

  st = stmt (self, SQL ("SELECT id, state, assignee, created, snooze_until, waiting_since"
                        " FROM lines WHERE merchant = ? ORDER BY id"));
  if (st == NULL)
    return set_error (self, error, "stats lines");
  bind_text (st, 1, merchant);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TdMetricsLine l = { 0, };

      l.line_id = chunk_text (records, st, 0);
      l.merchant = m;
      td_line_state_from_string ((const char *) sqlite3_column_text (st, 1), &l.state);
      l.assignee = chunk_text (records, st, 2);
      l.created = sqlite3_column_int64 (st, 3);
      l.snooze_until = sqlite3_column_int64 (st, 4);
      l.waiting_since = sqlite3_column_int64 (st, 5);
      g_array_append_val (records->lines, l);
    }
  if (rc != SQLITE_DONE)
    return set_error (self, error, "stats lines");

  st = stmt (self, SQL ("SELECT m.line_id, m.sender_role, m.sender, m.kind, m.ts,"
                        " CASE WHEN m.kind = 'rating' AND json_valid (m.body)"
                        "  THEN json_extract (m.body, '$.score') END"
                        " FROM messages m JOIN lines l ON l.id = m.line_id"
                        " WHERE l.merchant = ?1 AND (l.state <> 'resolved' OR l.updated >= ?2)"
                        " ORDER BY m.ts, m.id"));
  if (st == NULL)
    return set_error (self, error, "stats messages");
  bind_text (st, 1, merchant);
  sqlite3_bind_int64 (st, 2, since);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TdMetricsMessage msg = { 0, };

      msg.line_id = chunk_text (records, st, 0);
      msg.merchant = m;
      if (!td_role_from_string ((const char *) sqlite3_column_text (st, 1), &msg.sender_role))
        msg.sender_role = TD_ROLE_CUSTOMER;
      msg.sender_id = chunk_text (records, st, 2);
      msg.kind = td_kind_from_string ((const char *) sqlite3_column_text (st, 3));
      msg.ts = sqlite3_column_int64 (st, 4);
      if (sqlite3_column_type (st, 5) == SQLITE_INTEGER &&
          sqlite3_column_int64 (st, 5) >= 1 && sqlite3_column_int64 (st, 5) <= 5)
        msg.score = sqlite3_column_int (st, 5);
      g_array_append_val (records->messages, msg);
    }
  if (rc != SQLITE_DONE)
    return set_error (self, error, "stats messages");

  st = stmt (self, SQL ("SELECT s.line_id, s.ts, s.from_state, s.to_state"
                        " FROM line_states s JOIN lines l ON l.id = s.line_id"
                        " WHERE l.merchant = ?1"
                        " AND (l.state <> 'resolved' OR l.updated >= ?2 OR s.ts >= ?2)"
                        " ORDER BY s.ts, s.id"));
  if (st == NULL)
    return set_error (self, error, "stats state changes");
  bind_text (st, 1, merchant);
  sqlite3_bind_int64 (st, 2, since);
  while ((rc = sqlite3_step (st)) == SQLITE_ROW)
    {
      TdMetricsStateChange c = { 0, };

      c.line_id = chunk_text (records, st, 0);
      c.ts = sqlite3_column_int64 (st, 1);
      if (!td_line_state_from_string ((const char *) sqlite3_column_text (st, 2), &c.from_state) ||
          !td_line_state_from_string ((const char *) sqlite3_column_text (st, 3), &c.to_state))
        continue;
      g_array_append_val (records->changes, c);
    }
  if (rc != SQLITE_DONE)
    return set_error (self, error, "stats state changes");

  return TRUE;
}

/* ---------------------------------------------------------------- lifecycle */

static void
sq_free (TdServerStore *store)
{
  TdSqliteStore *self = S (store);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->stmts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    sqlite3_finalize (value);
  g_hash_table_unref (self->stmts);
  if (self->db != NULL)
    sqlite3_close (self->db);
  g_free (self);
}

static const TdServerStoreVTable sqlite_vtable = {
  .free = sq_free,
  .begin = sq_begin,
  .commit = sq_commit,
  .rollback = sq_rollback,
  .savepoint = sq_savepoint,
  .release = sq_release,
  .rollback_to = sq_rollback_to,
  .is_empty = sq_is_empty,
  .seed_demo = sq_seed_demo,
  .lookup_token = sq_lookup_token,
  .get_user = sq_get_user,
  .get_login = sq_get_login,
  .set_pwhash = sq_set_pwhash,
  .add_token = sq_add_token,
  .revoke_token = sq_revoke_token,
  .get_merchant_name = sq_get_merchant_name,
  .get_line = sq_get_line,
  .find_line = sq_find_line,
  .insert_line = sq_insert_line,
  .update_line = sq_update_line,
  .due_snoozes = sq_due_snoozes,
  .next_snooze = sq_next_snooze,
  .find_message = sq_find_message,
  .insert_message = sq_insert_message,
  .history = sq_history,
  .get_read = sq_get_read,
  .set_read = sq_set_read,
  .add_event = sq_add_event,
  .max_cursor = sq_max_cursor,
  .events_after = sq_events_after,
  .snapshot = sq_snapshot,
  .foreach_line = sq_foreach_line,
  .count_messages = sq_count_messages,
  .stats_records = sq_stats_records,
};

TdServerStore *
td_server_store_sqlite_new (const char  *path,
                            GError     **error)
{
  TdSqliteStore *self;
  int rc;

  g_return_val_if_fail (path != NULL, NULL);

  self = g_new0 (TdSqliteStore, 1);
  self->parent.vt = &sqlite_vtable;
  self->stmts = g_hash_table_new (g_direct_hash, g_direct_equal);

  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_FAILED,
                   "cannot open %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      sq_free (&self->parent);
      return NULL;
    }
  sqlite3_busy_timeout (self->db, 5000);
  sqlite3_extended_result_codes (self->db, 0);

  if (!migrate (self, path, error) || !exec (self, line_states_sql, error))
    {
      sq_free (&self->parent);
      return NULL;
    }
  exec (self, "PRAGMA synchronous=FULL", NULL);
  exec (self, "PRAGMA foreign_keys=OFF", NULL);

  return &self->parent;
}

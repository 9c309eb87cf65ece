/* bench-ingest.c — benchmark 3: client ingest
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Encoded `line` and `msg` packets go through the client's real code path
 * in-process: the bus's interceptor chain (parse → filter → error →
 * metrics), TdStore (batched writes on its worker, cursor in the same
 * transaction) and the models (TdLineList, a TdMessageList of an open
 * line).  The limit is raw batched sqlite inserts of the same rows into
 * the same tables; the JSON parse rates are shown alone too.
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "bench-util.h"
#include "td-bus.h"
#include "td-json.h"
#include "td-line-list.h"
#include "td-message-list.h"
#include "td-packet.h"
#include "td-store.h"

/* ---- the filter: "already stored?" answered by the store, as TdChannel does */

#define BENCH_TYPE_KNOWN (bench_known_get_type ())
G_DECLARE_FINAL_TYPE (BenchKnown, bench_known, BENCH, KNOWN, GObject)

struct _BenchKnown
{
  GObject  parent_instance;
  TdStore *store;
};

static gboolean
bench_known_contains (TdKnownEvents *known,
                      TdPacket      *packet)
{
  return td_store_contains_event (BENCH_KNOWN (known)->store, packet);
}

static void
bench_known_iface_init (TdKnownEventsInterface *iface)
{
  iface->contains = bench_known_contains;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (BenchKnown, bench_known, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_KNOWN_EVENTS, bench_known_iface_init))

static void bench_known_class_init (BenchKnownClass *klass) { }
static void bench_known_init (BenchKnown *self) { }

/* ---- the workload ------------------------------------------------------------ */

typedef struct
{
  char   *data;
  gsize   len;
} Frame;

typedef struct
{
  GArray *frames;      /* of Frame: L line packets, then N msg packets */
  guint   n_lines;
  guint   n_msgs;
  gint64  last_cursor;
  gsize   bytes;
} Workload;

static const char *const texts[] = {
  "Hello, is breakfast included in the lakeside double room?",
  "我想预订酒店的房间，三月十二日入住两晚",
  "Could you move my tour to Thursday? Two adults, one child.",
  "The flight was cancelled — what are my options for rebooking?",
  "Thanks! See you tomorrow at the pier at 9:30.",
  "Bonjour, je voudrais annuler la réservation TD-1001.",
};

static void
workload_build (Workload *w,
                guint     n_lines,
                guint     n_msgs)
{
  gint64 ts0 = 1764460800000;
  gint64 cursor = 0;
  g_autofree gint64 *seq = g_new0 (gint64, n_lines);

  w->frames = g_array_sized_new (FALSE, FALSE, sizeof (Frame), n_lines + n_msgs);
  w->n_lines = n_lines;
  w->n_msgs = n_msgs;
  w->bytes = 0;

  for (guint i = 0; i < n_lines; i++)
    {
      g_autofree char *id = g_strdup_printf ("ml_bench%06u", i);
      g_autofree char *uid = g_strdup_printf ("c_%u", i + 1);
      g_autofree char *name = g_strdup_printf ("Traveller %u", i + 1);
      g_autoptr(TdLine) line = td_line_new (id, uid, "m_lakeside", TD_BUSI_INQUIRY);
      g_autoptr(TdPacket) p = NULL;
      Frame f;

      td_line_set_customer_name (line, name);
      td_line_set_merchant (line, "m_lakeside");
      td_line_set_title (line, "Lakeside Hotel");
      td_line_set_state (line, TD_LINE_STATE_OPEN);
      td_line_set_created (line, ts0);
      td_line_set_updated (line, ts0);
      p = td_packet_new_line (TRUE, ++cursor, line);
      f.data = td_packet_to_json (p, &f.len);
      w->bytes += f.len;
      g_array_append_val (w->frames, f);
    }

  for (guint i = 0; i < n_msgs; i++)
    {
      guint l = (i * 7919u) % n_lines;   /* spread over the lines */
      gboolean op = (i % 4) == 3;
      g_autofree char *line_id = g_strdup_printf ("ml_bench%06u", l);
      g_autofree char *cust = g_strdup_printf ("c_%u", l + 1);
      g_autofree char *rid = g_strdup_printf ("bench%011u-%08x", i, g_random_int ());
      g_autoptr(JsonObject) body = json_object_new ();
      g_autoptr(TdMessage) m = NULL;
      g_autoptr(TdPacket) p = NULL;
      Frame f;

      json_object_set_string_member (body, "text", texts[i % G_N_ELEMENTS (texts)]);
      m = td_message_new (i + 1, line_id, ++seq[l],
                          op ? "o_alice" : cust, op ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER,
                          op ? "Alice" : "Traveller", "text", body,
                          ts0 + 1000 * (gint64) i, rid);
      p = td_packet_new_msg (++cursor, m);
      f.data = td_packet_to_json (p, &f.len);
      w->bytes += f.len;
      g_array_append_val (w->frames, f);
    }
  w->last_cursor = cursor;
}

static void
workload_clear (Workload *w)
{
  for (guint i = 0; i < w->frames->len; i++)
    g_free (g_array_index (w->frames, Frame, i).data);
  g_array_unref (w->frames);
}

/* every run_* sets this: packets per CPU-second of the whole process */
static double last_cpu_rate;

#define TIMED_BEGIN double c0_ = bench_cpu_s ()
#define TIMED_END(n) (last_cpu_rate = (n) / MAX (1e-9, bench_cpu_s () - c0_))

/* ---- parse rates ----------------------------------------------------------- */

static double
run_jsonglib (Workload *w)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  double t0 = bench_now ();
  TIMED_BEGIN;

  for (guint i = 0; i < w->frames->len; i++)
    {
      Frame *f = &g_array_index (w->frames, Frame, i);

      if (!json_parser_load_from_data (parser, f->data, f->len, NULL))
        g_error ("json-glib refused frame %u", i);
    }
  TIMED_END (w->frames->len);
  return w->frames->len / (bench_now () - t0);
}

static double
run_strict_json (Workload *w)
{
  double t0 = bench_now ();
  TIMED_BEGIN;

  for (guint i = 0; i < w->frames->len; i++)
    {
      Frame *f = &g_array_index (w->frames, Frame, i);
      g_autoptr(GError) error = NULL;
      JsonObject *o = td_json_parse_object (f->data, f->len, &error);

      if (o == NULL)
        g_error ("td_json_parse_object refused frame %u: %s", i, error->message);
      json_object_unref (o);
    }
  TIMED_END (w->frames->len);
  return w->frames->len / (bench_now () - t0);
}

static double
run_packet_parse (Workload *w)
{
  double t0 = bench_now ();
  TIMED_BEGIN;

  for (guint i = 0; i < w->frames->len; i++)
    {
      Frame *f = &g_array_index (w->frames, Frame, i);
      g_autoptr(GError) error = NULL;
      TdPacket *p = td_packet_parse (f->data, f->len, TD_FROM_SERVER, NULL, &error);

      if (p == NULL)
        g_error ("td_packet_parse refused frame %u: %s", i, error->message);
      td_packet_unref (p);
    }
  TIMED_END (w->frames->len);
  return w->frames->len / (bench_now () - t0);
}

static double
run_bus_only (Workload *w)
{
  g_autoptr(TdBus) bus = td_bus_new_default (NULL);
  guint dispatched = 0;
  double t0 = bench_now ();
  TIMED_BEGIN;

  for (guint i = 0; i < w->frames->len; i++)
    {
      Frame *f = &g_array_index (w->frames, Frame, i);
      TdPacket *p = td_bus_push_data (bus, f->data, f->len, "websocket");

      if (p)
        {
          dispatched++;
          td_packet_unref (p);
        }
    }
  if (dispatched != w->frames->len)
    g_error ("bus dispatched %u of %u frames", dispatched, w->frames->len);
  TIMED_END (w->frames->len);
  return w->frames->len / (bench_now () - t0);
}

/* ---- the full path ----------------------------------------------------------- */

typedef struct
{
  TdStore *store;
  gint64   committed_cursor;
  guint    commits;
  guint    line_rows_changed;
  guint    msg_rows_added;
} FullState;

static void
on_bus_packet_cb (TdBus    *bus,
                  TdPacket *p,
                  gpointer  user_data)
{
  FullState *st = user_data;

  if (p->type == TD_PACKET_MSG || p->type == TD_PACKET_LINE || p->type == TD_PACKET_READ)
    td_store_apply_packet (st->store, p, TRUE);
}

static void
on_committed_cb (TdStore        *store,
                 TdStoreChanges *changes,
                 gpointer        user_data)
{
  FullState *st = user_data;

  st->commits++;
  if (changes->cursor_changed)
    st->committed_cursor = changes->cursor;
}

static void
on_lines_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     gpointer    user_data)
{
  ((FullState *) user_data)->line_rows_changed += added;
}

static void
on_msgs_changed_cb (GListModel *model,
                    guint       position,
                    guint       removed,
                    guint       added,
                    gpointer    user_data)
{
  ((FullState *) user_data)->msg_rows_added += added;
}

static double
run_full (Workload   *w,
          const char *dir,
          guint       chunk,
          guint       limit_frames,
          guint      *commits_out)
{
  g_autofree char *path = g_build_filename (dir, "full.db", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(BenchKnown) known = NULL;
  g_autoptr(TdBus) bus = NULL;
  g_autoptr(TdLineList) lines = NULL;
  g_autoptr(TdMessageList) msgs = NULL;
  FullState st = { 0, };
  guint n = MIN (limit_frames, w->frames->len);
  gint64 target;
  double t0, t;

  store = td_store_new (path, &error);
  if (store == NULL)
    g_error ("td_store_new: %s", error->message);
  td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  td_store_sync (store);
  st.store = store;
  known = g_object_new (BENCH_TYPE_KNOWN, NULL);
  known->store = store;
  bus = td_bus_new_default (TD_KNOWN_EVENTS (known));
  g_signal_connect (bus, "packet", G_CALLBACK (on_bus_packet_cb), &st);
  g_signal_connect (store, "committed", G_CALLBACK (on_committed_cb), &st);
  lines = td_line_list_new (store);
  g_signal_connect (lines, "items-changed", G_CALLBACK (on_lines_changed_cb), &st);
  /* the operator has line 0 open */
  msgs = td_message_list_new (store, "ml_bench000000");
  g_signal_connect (msgs, "items-changed", G_CALLBACK (on_msgs_changed_cb), &st);
  while (g_main_context_iteration (NULL, FALSE))
    ;

  target = (gint64) n;   /* cursors are 1..n */
  t0 = bench_now ();
  TIMED_BEGIN;
  for (guint i = 0; i < n; i += chunk)
    {
      for (guint j = i; j < MIN (n, i + chunk); j++)
        {
          Frame *f = &g_array_index (w->frames, Frame, j);
          TdPacket *p = td_bus_push_data (bus, f->data, f->len, "websocket");

          if (p)
            td_packet_unref (p);
        }
      /* one main-loop turn per chunk, as a transport delivers a read */
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
  td_store_flush (store);
  while (st.committed_cursor < target)
    {
      if (bench_now () - t0 > 600)
        g_error ("the store did not commit cursor %" G_GINT64_FORMAT, target);
      g_main_context_iteration (NULL, TRUE);
    }
  t = bench_now () - t0;
  TIMED_END (n);
  if (td_store_get_n_lines (store) != MIN (n, w->n_lines))
    g_error ("store has %u lines, expected %u", td_store_get_n_lines (store), MIN (n, w->n_lines));
  if (commits_out)
    *commits_out = st.commits;

  g_signal_handlers_disconnect_by_data (bus, &st);
  g_signal_handlers_disconnect_by_data (store, &st);
  g_signal_handlers_disconnect_by_data (lines, &st);
  g_signal_handlers_disconnect_by_data (msgs, &st);
  g_clear_object (&msgs);
  g_clear_object (&lines);
  g_clear_object (&bus);
  g_clear_object (&known);
  g_clear_object (&store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  return n / t;
}

/* ---- the limit: raw batched sqlite inserts of the same rows ------------------- */

static void
sql_exec (sqlite3    *db,
          const char *sql)
{
  char *err = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &err) != SQLITE_OK)
    g_error ("sqlite: %s: %s", sql, err);
}

static double
run_raw_sqlite (Workload   *w,
                const char *dir,
                const char *name,
                guint       batch,
                gboolean    with_fts,
                guint       limit_frames)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GPtrArray) packets = g_ptr_array_new_with_free_func ((GDestroyNotify) td_packet_unref);
  sqlite3 *db;
  sqlite3_stmt *ins_msg, *ins_line, *ins_fts;
  guint n = MIN (limit_frames, w->frames->len);
  double t0, t;

  /* the rows, decoded beforehand: this is the storage limit alone */
  for (guint i = 0; i < n; i++)
    {
      Frame *f = &g_array_index (w->frames, Frame, i);

      g_ptr_array_add (packets, td_packet_parse (f->data, f->len, TD_FROM_SERVER, NULL, NULL));
    }

  if (sqlite3_open (path, &db) != SQLITE_OK)
    g_error ("sqlite3_open %s", path);
  sql_exec (db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
  sql_exec (db,
    "CREATE TABLE lines (id TEXT PRIMARY KEY, uid TEXT, customer_name TEXT, object_id TEXT,"
    "  busi INTEGER, merchant TEXT, title TEXT, state INTEGER, created INTEGER, updated INTEGER);"
    "CREATE TABLE messages (id INTEGER PRIMARY KEY, line TEXT NOT NULL, line_seq INTEGER NOT NULL,"
    "  sender_id TEXT, sender_role INTEGER NOT NULL, sender_name TEXT, kind TEXT NOT NULL,"
    "  body TEXT NOT NULL, ts INTEGER NOT NULL, random_id TEXT);"
    "CREATE INDEX messages_by_seq ON messages (line, line_seq);"
    "CREATE INDEX messages_by_ts ON messages (line, ts, line_seq, id);"
    "CREATE VIRTUAL TABLE messages_fts USING fts5 (text, tokenize = 'unicode61');");
  sqlite3_prepare_v2 (db, "INSERT INTO messages VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &ins_msg, NULL);
  sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO lines VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", -1, &ins_line, NULL);
  sqlite3_prepare_v2 (db, "INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)", -1, &ins_fts, NULL);

  t0 = bench_now ();
  TIMED_BEGIN;
  for (guint i = 0; i < n; i++)
    {
      TdPacket *p = g_ptr_array_index (packets, i);

      if (i % batch == 0)
        sql_exec (db, "BEGIN");
      if (p->type == TD_PACKET_LINE)
        {
          TdLine *l = p->line;

          sqlite3_bind_text (ins_line, 1, td_line_get_id (l), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_line, 2, td_line_get_uid (l), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_line, 3, td_line_get_customer_name (l), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_line, 4, td_line_get_object_id (l), -1, SQLITE_STATIC);
          sqlite3_bind_int (ins_line, 5, td_line_get_busi (l));
          sqlite3_bind_text (ins_line, 6, td_line_get_merchant (l), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_line, 7, td_line_get_title (l), -1, SQLITE_STATIC);
          sqlite3_bind_int (ins_line, 8, td_line_get_state (l));
          sqlite3_bind_int64 (ins_line, 9, td_line_get_created (l));
          sqlite3_bind_int64 (ins_line, 10, td_line_get_updated (l));
          if (sqlite3_step (ins_line) != SQLITE_DONE)
            g_error ("insert line: %s", sqlite3_errmsg (db));
          sqlite3_reset (ins_line);
        }
      else
        {
          TdMessage *m = p->msg;
          g_autofree char *body = td_json_object_to_string (td_message_get_body (m), NULL);

          sqlite3_bind_int64 (ins_msg, 1, td_message_get_id (m));
          sqlite3_bind_text (ins_msg, 2, td_message_get_line_id (m), -1, SQLITE_STATIC);
          sqlite3_bind_int64 (ins_msg, 3, td_message_get_line_seq (m));
          sqlite3_bind_text (ins_msg, 4, td_message_get_sender_id (m), -1, SQLITE_STATIC);
          sqlite3_bind_int (ins_msg, 5, td_message_get_sender_role (m));
          sqlite3_bind_text (ins_msg, 6, td_message_get_sender_name (m), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_msg, 7, td_message_get_kind_name (m), -1, SQLITE_STATIC);
          sqlite3_bind_text (ins_msg, 8, body, -1, SQLITE_STATIC);
          sqlite3_bind_int64 (ins_msg, 9, td_message_get_ts (m));
          sqlite3_bind_text (ins_msg, 10, td_message_get_random_id (m), -1, SQLITE_STATIC);
          if (sqlite3_step (ins_msg) != SQLITE_DONE)
            g_error ("insert message: %s", sqlite3_errmsg (db));
          sqlite3_reset (ins_msg);
          if (with_fts)
            {
              const char *text = json_object_get_string_member (td_message_get_body (m), "text");

              sqlite3_bind_int64 (ins_fts, 1, td_message_get_id (m));
              sqlite3_bind_text (ins_fts, 2, text, -1, SQLITE_STATIC);
              if (sqlite3_step (ins_fts) != SQLITE_DONE)
                g_error ("insert fts: %s", sqlite3_errmsg (db));
              sqlite3_reset (ins_fts);
            }
        }
      if (i % batch == batch - 1 || i == n - 1)
        sql_exec (db, "COMMIT");
    }
  t = bench_now () - t0;
  TIMED_END (n);
  sqlite3_finalize (ins_msg);
  sqlite3_finalize (ins_line);
  sqlite3_finalize (ins_fts);
  sqlite3_close (db);
  return n / t;
}

/* ---- main -------------------------------------------------------------------- */

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

typedef struct
{
  double wall;   /* packets/s of wall-clock time */
  double cpu;    /* packets per CPU-second (all threads of the process) */
} Rate;

#define MEASURE(expr) ((Rate) { (expr), last_cpu_rate })

static Rate
best (Rate a,
      Rate b)
{
  return (Rate) { MAX (a.wall, b.wall), MAX (a.cpu, b.cpu) };
}

static void
row (const char *what,
     Rate        rate,
     Rate        base,
     const char *note)
{
  g_autofree char *w = bench_fmt_rate (rate.wall);
  g_autofree char *c = bench_fmt_rate (rate.cpu);
  g_autofree char *rw = g_strdup_printf ("%.2f×", rate.wall / base.wall);
  g_autofree char *rc = g_strdup_printf ("%.2f×", rate.cpu / base.cpu);

  bench_row (what, w, rw, c, rc, note ? note : "", NULL);
}

int
main (int    argc,
      char **argv)
{
  gboolean quick = FALSE;
  int n_lines = 0, n_msgs = 0, chunk = 100;
  gboolean only_full = FALSE;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A few seconds (smoke test)", NULL },
    { "lines", 0, 0, G_OPTION_ARG_INT, &n_lines, "Lines (default 1000)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &n_msgs, "Messages (default 30000)", "N" },
    { "chunk", 0, 0, G_OPTION_ARG_INT, &chunk, "Frames per main-loop turn (default 100)", "N" },
    { "only-full", 0, 0, G_OPTION_ARG_NONE, &only_full, "Only the full path (profiling)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— benchmark 3: client ingest");
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *note = NULL;
  Workload w;
  Rate raw, raw_fts, jg, strict, parse, bus, full, trickle;
  guint commits = 0, commits1 = 0, trickle_n;
  const char *cols[] = { "path", "packets/s (wall)", "× baseline", "packets/CPU-s", "× baseline", "note", NULL };

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (n_lines <= 0)
    n_lines = quick ? 100 : 1000;
  if (n_msgs <= 0)
    n_msgs = quick ? 3000 : 30000;
  trickle_n = quick ? 300 : 3000;

  dir = g_dir_make_tmp ("td-bench-ingest-XXXXXX", &error);
  if (dir == NULL)
    g_error ("%s", error->message);

  workload_build (&w, n_lines, n_msgs);

  if (only_full)
    {
      double t0 = bench_now ();

      full = MEASURE (run_full (&w, dir, chunk, G_MAXUINT, &commits));
      printf ("full path: %.0f packets/s, %.0f packets/CPU-s, %u commits, %.1f s\n",
              full.wall, full.cpu, commits, bench_now () - t0);
      workload_clear (&w);
      rm_rf (dir);
      return 0;
    }
  raw = MEASURE (run_raw_sqlite (&w, dir, "raw.db", 1000, FALSE, G_MAXUINT));
  raw_fts = MEASURE (run_raw_sqlite (&w, dir, "raw-fts.db", 1000, TRUE, G_MAXUINT));
  /* best of two: the first run warms up */
  jg = best (MEASURE (run_jsonglib (&w)), MEASURE (run_jsonglib (&w)));
  strict = best (MEASURE (run_strict_json (&w)), MEASURE (run_strict_json (&w)));
  parse = best (MEASURE (run_packet_parse (&w)), MEASURE (run_packet_parse (&w)));
  bus = best (MEASURE (run_bus_only (&w)), MEASURE (run_bus_only (&w)));
  full = MEASURE (run_full (&w, dir, chunk, G_MAXUINT, &commits));
  {
    g_autofree char *p = g_build_filename (dir, "full.db", NULL);
    g_autofree char *pw = g_build_filename (dir, "full.db-wal", NULL);
    g_autofree char *ps = g_build_filename (dir, "full.db-shm", NULL);

    g_unlink (p);
    g_unlink (pw);
    g_unlink (ps);
  }
  trickle = MEASURE (run_full (&w, dir, 1, trickle_n, &commits1));

  note = g_strdup_printf ("%u lines then %u `msg` packets (%.0f bytes each on average), "
                          "spread over the lines; store on a file in %s (WAL). "
                          "Baseline: the same rows inserted with prepared statements, "
                          "1,000 rows per transaction, into the same tables and indexes "
                          "(with and without the FTS5 row), rows decoded beforehand.",
                          w.n_lines, w.n_msgs, (double) w.bytes / w.frames->len, g_get_tmp_dir ());
  bench_section ("3. Client ingest: channel-side parse → bus → store → models", note);
  bench_table_header (cols);
  row ("raw sqlite, messages + indexes (no FTS)", raw, raw_fts, "the storage limit without full-text");
  row ("**raw sqlite, messages + indexes + FTS5 (baseline)**", raw_fts, raw_fts, "the limit");
  row ("json-glib parse alone", jg, raw_fts, "JsonParser, no checks");
  row ("strict JSON (td_json_parse_object)", strict, raw_fts, "guards + json-glib");
  row ("td_packet_parse (codec, validation)", parse, raw_fts, "→ TdPacket with TdMessage / TdLine");
  row ("bus chain (parse → filter → error → metrics → signals)", bus, raw_fts, "no subscribers");
  {
    g_autofree char *n1 = g_strdup_printf ("%u frames per main-loop turn; %u commits", chunk, commits);
    g_autofree char *n2 = g_strdup_printf ("first %u frames, 1 frame per turn; %u commits", trickle_n, commits1);

    row ("**full path: bus → TdStore → TdLineList + TdMessageList**", full, raw_fts, n1);
    row ("full path, live trickle", trickle, raw_fts, n2);
  }

  {
    g_autofree char *v = g_strdup_printf ("%.0f packets/CPU-s (%.0f/s wall)", full.cpu, full.wall);
    g_autofree char *b = g_strdup_printf ("raw sqlite %.0f/CPU-s", raw_fts.cpu);
    g_autofree char *r = g_strdup_printf ("%.2f×", full.cpu / raw_fts.cpu);
    g_autofree char *v2 = g_strdup_printf ("%.0f packets/CPU-s", parse.cpu);
    g_autofree char *b2 = g_strdup_printf ("json-glib %.0f/CPU-s", jg.cpu);
    g_autofree char *r2 = g_strdup_printf ("%.2f×", parse.cpu / jg.cpu);

    bench_summary ("3. ingest", "full path bus → store → models", v, b, r);
    bench_summary ("3. ingest", "td_packet_parse (strict)", v2, b2, r2);
  }

  workload_clear (&w);
  rm_rf (dir);
  return 0;
}

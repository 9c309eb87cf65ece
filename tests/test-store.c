/* test-store.c — TdStore: upserts, cursor, outbox, recovery, FTS, gaps
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "td-store.h"
#include "td-json.h"

typedef struct
{
  guint      commits;
  guint      lines_added;
  guint      lines_changed;
  guint      added;
  guint      updated;
  guint      removed;
  GPtrArray *gaps;      /* TdStoreGap copies */
  GPtrArray *last_updated;
} Counts;

static void
on_committed (TdStore        *store,
              TdStoreChanges *c,
              Counts         *n)
{
  n->commits++;
  n->lines_added += c->lines_added->len;
  n->lines_changed += c->lines_changed->len;
  n->added += c->messages_added->len;
  n->updated += c->messages_updated->len;
  n->removed += c->messages_removed->len;
  for (guint i = 0; i < c->gaps->len; i++)
    {
      TdStoreGap *g = g_ptr_array_index (c->gaps, i);
      TdStoreGap *copy = g_new0 (TdStoreGap, 1);

      copy->line_id = g_strdup (g->line_id);
      copy->before = g->before;
      copy->count = g->count;
      g_ptr_array_add (n->gaps, copy);
    }
  for (guint i = 0; i < c->messages_updated->len; i++)
    g_ptr_array_add (n->last_updated, g_object_ref (g_ptr_array_index (c->messages_updated, i)));
}

static void
gap_free (gpointer p)
{
  TdStoreGap *g = p;

  g_free (g->line_id);
  g_free (g);
}

static void
counts_init (Counts *n)
{
  memset (n, 0, sizeof *n);
  n->gaps = g_ptr_array_new_with_free_func (gap_free);
  n->last_updated = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
counts_clear (Counts *n)
{
  g_ptr_array_unref (n->gaps);
  g_ptr_array_unref (n->last_updated);
}

/* Iterates the main context until *counter reaches @target (fails after 10 s). */
static void
wait_commits (Counts *n,
              guint   target)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (n->commits < target)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %u commits (have %u)", target, n->commits);
      if (n->commits < target)
        g_usleep (1000);
    }
}

static void
wait_uint (guint *value,
           guint  target)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*value < target)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %u (have %u)", target, *value);
      if (*value < target)
        g_usleep (1000);
    }
}

static TdLine *
make_line (const char *id,
           const char *uid)
{
  TdLine *l = td_line_new (id, uid, "m_lakeside", TD_BUSI_INQUIRY);

  td_line_set_merchant (l, "m_lakeside");
  td_line_set_customer_name (l, "Traveller");
  td_line_set_title (l, "Room question");
  td_line_set_created (l, 1000);
  td_line_set_updated (l, 1000);
  return l;
}

static TdMessage *
make_msg (gint64      id,
          const char *line,
          gint64      seq,
          const char *sender,
          TdRole      role,
          const char *text,
          gint64      ts,
          const char *random_id)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "text", text);
  return td_message_new (id, line, seq, sender, role, sender, "text", body, ts, random_id);
}

static void
apply_msg (TdStore   *store,
           gint64     cursor,
           TdMessage *m)
{
  g_autoptr(TdPacket) p = td_packet_new_msg (cursor, m);

  td_store_apply_packet (store, p, TRUE);
}

static void
apply_line (TdStore *store,
            gint64   cursor,
            TdLine  *l)
{
  g_autoptr(TdPacket) p = td_packet_new_line (TRUE, cursor, l);

  td_store_apply_packet (store, p, TRUE);
}

static char *
tmp_db (const char *name)
{
  g_autofree char *dir = g_dir_make_tmp ("td-store-XXXXXX", NULL);

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

static void
remove_tree (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_lines_and_fields (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = td_store_new (NULL, &error);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  g_autoptr(TdMessage) m1 = make_msg (1, "ml_1", 1, "c_1", TD_ROLE_CUSTOMER, "Is breakfast included?", 2000, "rid-aaaaaaaaaaaaaaaa1");
  g_autoptr(TdMessage) m2 = make_msg (2, "ml_1", 2, "c_1", TD_ROLE_CUSTOMER, "And parking?", 3000, "rid-aaaaaaaaaaaaaaaa2");
  g_autoptr(TdMessage) m3 = make_msg (3, "ml_1", 3, "o_alice", TD_ROLE_OPERATOR, "Yes, both.", 4000, NULL);
  g_autoptr(TdPacket) read = td_packet_new (TD_PACKET_READ);
  TdLine *live;
  Counts n;
  gint64 cursor = 0;

  g_assert_no_error (error);
  counts_init (&n);
  g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
  g_assert_false (td_store_get_cursor (store, NULL));

  td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  apply_line (store, 10, l);
  apply_msg (store, 11, m1);
  apply_msg (store, 12, m2);
  wait_commits (&n, 1);
  g_assert_cmpuint (n.commits, ==, 1);     /* one transaction for the turn */
  g_assert_cmpuint (n.lines_added, ==, 1);
  g_assert_cmpuint (n.added, ==, 2);

  live = td_store_lookup_line (store, "ml_1");
  g_assert_nonnull (live);
  g_assert_cmpint (td_line_get_unread (live), ==, 2);
  g_assert_cmpint (td_line_get_last_seq (live), ==, 2);
  g_assert_cmpint (td_line_get_waiting_since (live), ==, 2000);
  g_assert_cmpint (td_line_get_updated (live), ==, 3000);
  g_assert_cmpint (td_line_get_last_sender_role (live), ==, TD_ROLE_CUSTOMER);
  g_assert_nonnull (strstr (td_line_get_preview (live), "parking"));
  g_assert_true (td_store_get_committed_cursor (store, &cursor));
  g_assert_cmpint (cursor, ==, 12);

  /* the operator answers: no longer waiting */
  apply_msg (store, 13, m3);
  wait_commits (&n, 2);
  g_assert_cmpint (td_line_get_waiting_since (live), ==, 0);
  g_assert_cmpuint (n.lines_changed, ==, 1);
  g_assert_true (td_store_lookup_line (store, "ml_1") == live);

  /* an operator's read mark clears unread */
  read->has_cursor = TRUE;
  read->cursor = 14;
  read->line_id = g_strdup ("ml_1");
  read->reader = g_strdup ("o_bob");
  read->upto = 2;
  td_store_apply_packet (store, read, TRUE);
  wait_commits (&n, 3);
  g_assert_cmpint (td_line_get_unread (live), ==, 0);

  g_assert_cmpuint (td_store_get_n_lines (store), ==, 1);
  g_assert_true (td_store_get_line_at (store, 0) == live);
  g_assert_null (td_store_get_line_at (store, 1));
  g_assert_null (td_store_lookup_line (store, "ml_none"));

  counts_clear (&n);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_upsert (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  g_autoptr(TdMessage) m = make_msg (7, "ml_1", 1, "c_1", TD_ROLE_CUSTOMER, "Hello", 2000, NULL);
  g_autoptr(TdMessage) edited = make_msg (7, "ml_1", 1, "c_1", TD_ROLE_CUSTOMER, "Hello!", 2000, NULL);
  Counts n;

  counts_init (&n);
  g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
  apply_line (store, 1, l);
  apply_msg (store, 2, m);
  apply_msg (store, 3, m);   /* the same event twice in a batch */
  wait_commits (&n, 1);
  g_assert_cmpuint (n.added, ==, 1);
  g_assert_cmpint (td_store_count_messages_sync (store, "ml_1"), ==, 1);

  /* delivered again later: nothing changes, nothing is signalled */
  apply_msg (store, 4, m);
  td_store_sync (store);
  g_assert_cmpint (td_store_count_messages_sync (store, "ml_1"), ==, 1);

  apply_msg (store, 5, edited);
  wait_uint (&n.updated, 1);
  g_assert_cmpuint (n.added, ==, 1);
  g_assert_cmpuint (n.updated, ==, 1);

  /* contains_event: at or below the accepted cursor */
  {
    g_autoptr(TdPacket) old = td_packet_new_msg (5, m);
    g_autoptr(TdPacket) fresh = td_packet_new_msg (6, m);

    g_assert_true (td_store_contains_event (store, old));
    g_assert_false (td_store_contains_event (store, fresh));
  }

  counts_clear (&n);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_cursor_persisted (void)
{
  g_autofree char *path = tmp_db ("cache.db");
  g_autoptr(GError) error = NULL;
  gint64 cursor = 0;

  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdLine) l = make_line ("ml_1", "c_1");

    g_assert_no_error (error);
    apply_line (store, 100, l);
    for (int i = 1; i <= 200; i++)
      {
        g_autoptr(TdMessage) m = make_msg (i, "ml_1", i, "c_1", TD_ROLE_CUSTOMER, "hi", 1000 + i, NULL);

        apply_msg (store, 100 + i, m);
      }
    /* disposed with the batch still queued: it is written first */
  }
  {
    g_autoptr(TdStore) store = td_store_new (path, &error);

    g_assert_no_error (error);
    g_assert_null (td_store_get_recovered_message (store));
    g_assert_true (td_store_get_cursor (store, &cursor));
    g_assert_cmpint (cursor, ==, 300);
    g_assert_cmpint (td_store_count_messages_sync (store, "ml_1"), ==, 200);
    g_assert_cmpuint (td_store_get_n_lines (store), ==, 1);
    g_assert_cmpint (td_line_get_last_seq (td_store_lookup_line (store, "ml_1")), ==, 200);
  }
  remove_tree (path);
}

static void
test_snapshot_cursor (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  g_autoptr(TdMessage) m = make_msg (1, "ml_1", 1, "c_1", TD_ROLE_CUSTOMER, "hi", 1000, NULL);
  g_autoptr(TdPacket) lp = td_packet_new_line (TRUE, 50, l);
  g_autoptr(TdPacket) mp = td_packet_new_msg (40, m);
  g_autoptr(TdPacket) synced = td_packet_new_synced (60);
  gint64 cursor = 0;

  /* a cursor-null snapshot: events are stored, the cursor only from synced */
  td_store_apply_packet (store, lp, FALSE);
  td_store_apply_packet (store, mp, FALSE);
  g_assert_false (td_store_get_cursor (store, NULL));
  td_store_apply_packet (store, synced, TRUE);
  g_assert_true (td_store_get_cursor (store, &cursor));
  g_assert_cmpint (cursor, ==, 60);
  td_store_sync (store);
  g_assert_true (td_store_get_cursor (store, &cursor));
  g_assert_cmpint (cursor, ==, 60);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_outbox (void)
{
  g_autofree char *path = tmp_db ("outbox.db");
  g_autofree char *rid1 = NULL;
  g_autofree char *rid2 = NULL;
  g_autofree char *rid3 = NULL;

  {
    g_autoptr(TdStore) store = td_store_new (path, NULL);
    g_autoptr(JsonObject) body = json_object_new ();
    g_autoptr(TdMessage) a = NULL;
    g_autoptr(TdMessage) b = NULL;
    g_autoptr(TdMessage) c = NULL;
    Counts n;

    counts_init (&n);
    g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
    td_store_set_me (store, "c_1", TD_ROLE_CUSTOMER, "Traveller");
    json_object_set_string_member (body, "text", "offline message");
    a = td_store_outbox_add (store, "ml_1", "text", body, NULL);
    b = td_store_outbox_add (store, "ml_1", "text", body, NULL);
    c = td_store_outbox_add (store, "ml_1", "text", body, NULL);
    g_assert_cmpint (td_message_get_delivery (a), ==, TD_DELIVERY_PENDING);
    g_assert_true (td_random_id_is_valid (td_message_get_random_id (a)));
    rid1 = g_strdup (td_message_get_random_id (a));
    rid2 = g_strdup (td_message_get_random_id (b));
    rid3 = g_strdup (td_message_get_random_id (c));
    wait_commits (&n, 1);
    g_assert_cmpuint (n.added, ==, 3);
    g_assert_true (td_store_outbox_fail (store, rid2, "You may not write here."));
    g_assert_false (td_store_outbox_fail (store, "nonexistent-random-id", "x"));
    g_assert_true (td_store_outbox_discard (store, rid3));
    wait_commits (&n, 2);
    g_assert_cmpuint (n.removed, ==, 1);
    counts_clear (&n);
  }
  {
    /* restarted: the outbox survived, in order, with its states */
    g_autoptr(TdStore) store = td_store_new (path, NULL);
    g_autoptr(GPtrArray) rows = td_store_dup_outbox (store);
    g_autoptr(TdMessage) stored = NULL;
    g_autoptr(TdPacket) ack = NULL;
    g_autoptr(GPtrArray) page = NULL;
    TdMessage *done;
    gboolean more = TRUE;
    Counts n;

    counts_init (&n);
    g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
    g_assert_cmpuint (rows->len, ==, 2);
    g_assert_cmpstr (td_message_get_random_id (g_ptr_array_index (rows, 0)), ==, rid1);
    g_assert_cmpint (td_message_get_delivery (g_ptr_array_index (rows, 0)), ==, TD_DELIVERY_PENDING);
    g_assert_cmpstr (td_message_get_random_id (g_ptr_array_index (rows, 1)), ==, rid2);
    g_assert_cmpint (td_message_get_delivery (g_ptr_array_index (rows, 1)), ==, TD_DELIVERY_FAILED);
    g_assert_cmpstr (td_message_get_error (g_ptr_array_index (rows, 1)), ==, "You may not write here.");
    g_assert_cmpstr (td_message_get_sender_id (g_ptr_array_index (rows, 0)), ==, "c_1");

    /* the newest page ends with the outbox rows */
    page = td_store_load_messages_sync (store, "ml_1", NULL, 50, &more, NULL);
    g_assert_cmpuint (page->len, ==, 2);
    g_assert_false (more);

    /* the ack turns the row into the stored message */
    stored = make_msg (500, "ml_1", 1, "c_1", TD_ROLE_CUSTOMER, "offline message", 9000, rid1);
    ack = td_packet_new_ack (rid1, stored, FALSE);
    td_store_apply_packet (store, ack, FALSE);
    g_assert_null (td_store_outbox_lookup (store, rid1));
    wait_commits (&n, 1);
    g_assert_cmpuint (n.updated, ==, 1);
    done = g_ptr_array_index (n.last_updated, 0);
    g_assert_cmpint (td_message_get_id (done), ==, 500);
    g_assert_cmpstr (td_message_get_random_id (done), ==, rid1);

    /* retry a failed row */
    g_assert_true (td_store_outbox_retry (store, rid2));
    g_assert_false (td_store_outbox_retry (store, rid2));  /* not failed any more */
    g_assert_cmpint (td_message_get_delivery (td_store_outbox_lookup (store, rid2)), ==, TD_DELIVERY_PENDING);
    counts_clear (&n);
  }
  remove_tree (path);
}

static void
test_corrupt_moved_aside (void)
{
  g_autofree char *path = tmp_db ("broken.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autofree char *aside = NULL;
  g_autofree char *content = NULL;
  const char garbage[] = "this is not a database, it is a shopping list: eggs, milk, 酒店";

  g_assert_true (g_file_set_contents (path, garbage, -1, NULL));
  store = td_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (td_store_get_recovered_message (store));
  g_assert_nonnull (strstr (td_store_get_recovered_message (store), "damaged"));
  aside = g_strdup (td_store_get_recovered_path (store));
  g_assert_true (g_file_get_contents (aside, &content, NULL, NULL));
  g_assert_cmpstr (content, ==, garbage);   /* kept, never deleted */

  /* the fresh cache works */
  {
    g_autoptr(TdLine) l = make_line ("ml_1", "c_1");

    apply_line (store, 1, l);
    td_store_sync (store);
  }
  g_clear_object (&store);
  store = td_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_null (td_store_get_recovered_message (store));
  g_assert_cmpuint (td_store_get_n_lines (store), ==, 1);
  g_clear_object (&store);
  g_unlink (aside);
  remove_tree (path);
}

static void
test_newer_schema (void)
{
  g_autofree char *path = tmp_db ("newer.db");
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;

  store = td_store_new (path, &error);
  g_assert_no_error (error);
  g_clear_object (&store);
  {
    /* bump user_version the way a newer Tripdesk would */
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  store = td_store_new (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (td_store_get_recovered_message (store));
  g_assert_nonnull (strstr (td_store_get_recovered_message (store), "newer"));
  g_assert_true (g_file_test (td_store_get_recovered_path (store), G_FILE_TEST_EXISTS));
  g_unlink (td_store_get_recovered_path (store));
  g_clear_object (&store);
  remove_tree (path);
}

static void
test_upgrade_from_v1 (void)
{
  g_autofree char *path = tmp_db ("v1.db");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdLine) l = make_line ("ml_1", "c_1");

    g_assert_no_error (error);
    td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
    apply_line (store, 1, l);
    for (int i = 1; i <= 3; i++)
      {
        g_autoptr(TdMessage) m = make_msg (i, "ml_1", i, "c_1", TD_ROLE_CUSTOMER, "hi", 1000 + i, NULL);

        apply_msg (store, 1 + i, m);
      }
  }
  {
    /* make it a schema 1 cache */
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE lines DROP COLUMN read_upto;"
                                       "ALTER TABLE lines DROP COLUMN last_op_seq;"
                                       "ALTER TABLE lines DROP COLUMN preview_seq;"
                                       "ALTER TABLE lines DROP COLUMN peer_read;"
                                       "UPDATE lines SET unread = 0, waiting_since = 0;"
                                       "PRAGMA user_version = 1", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdMessage) m = make_msg (4, "ml_1", 4, "c_1", TD_ROLE_CUSTOMER, "still there?", 2000, NULL);
    Counts n;
    TdLine *l;

    g_assert_no_error (error);
    g_assert_null (td_store_get_recovered_message (store));
    counts_init (&n);
    g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
    apply_msg (store, 10, m);
    wait_commits (&n, 1);
    /* derived afresh from every message, not only the new one */
    l = td_store_lookup_line (store, "ml_1");
    g_assert_cmpint (td_line_get_unread (l), ==, 4);
    g_assert_cmpint (td_line_get_waiting_since (l), ==, 1001);
    g_assert_cmpstr (td_line_get_preview (l), ==, "still there?");
    counts_clear (&n);
  }
  remove_tree (path);
}

static void
apply_read (TdStore    *store,
            gint64      cursor,
            const char *line_id,
            const char *reader,
            gint64      upto)
{
  g_autoptr(TdPacket) r = td_packet_new (TD_PACKET_READ);

  r->has_cursor = cursor > 0;
  r->cursor = cursor;
  r->line_id = g_strdup (line_id);
  r->reader = g_strdup (reader);
  r->upto = upto;
  td_store_apply_packet (store, r, cursor > 0);
}

static int
user_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  int version = -1;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &s, NULL), ==, SQLITE_OK);
  if (sqlite3_step (s) == SQLITE_ROW)
    version = sqlite3_column_int (s, 0);
  sqlite3_finalize (s);
  sqlite3_close (db);
  return version;
}

static void
count_notify (guint *counter)
{
  (*counter)++;
}

/* An operator's cache: the customer's read mark, kept per line, forward only,
 * not moved by other operators' marks, and there again after a restart. */
static void
test_peer_read (void)
{
  g_autofree char *path = tmp_db ("peer.db");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdLine) l1 = make_line ("ml_1", "c_1");
    g_autoptr(TdLine) l2 = make_line ("ml_2", "c_2");
    TdLine *live;
    GParamSpec *pspec;
    guint notifies = 0;
    Counts n;

    g_assert_no_error (error);
    counts_init (&n);
    g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
    td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
    apply_line (store, 1, l1);
    for (int i = 1; i <= 4; i++)
      {
        g_autoptr(TdMessage) m = make_msg (i, "ml_1", i, i % 2 ? "c_1" : "o_alice",
                                           i % 2 ? TD_ROLE_CUSTOMER : TD_ROLE_OPERATOR, "x", 1000 + i, NULL);
        apply_msg (store, 1 + i, m);
      }
    td_store_flush (store);
    wait_commits (&n, 1);
    live = td_store_lookup_line (store, "ml_1");
    g_assert_nonnull (live);
    g_assert_cmpint (td_line_get_peer_read (live), ==, 0);
    pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (live), "peer-read");
    g_assert_nonnull (pspec);

    /* the customer reads up to 2: the live line says so (and notifies) */
    {
      gulong id = g_signal_connect_swapped (live, "notify::peer-read",
                                            G_CALLBACK (count_notify), &notifies);
      apply_read (store, 10, "ml_1", "c_1", 2);
      td_store_flush (store);
      wait_commits (&n, 2);
      g_assert_cmpint (td_line_get_peer_read (live), ==, 2);
      g_assert_cmpuint (notifies, ==, 1);
      g_signal_handler_disconnect (live, id);
    }

    /* another operator's mark moves unread, not the customer's mark */
    apply_read (store, 11, "ml_1", "o_bob", 4);
    /* a lower mark of the customer changes nothing */
    apply_read (store, 12, "ml_1", "c_1", 1);
    td_store_flush (store);
    wait_commits (&n, 3);
    g_assert_cmpint (td_line_get_peer_read (live), ==, 2);
    g_assert_cmpint (td_line_get_unread (live), ==, 0);

    /* a read that comes before its line (the customer is not known yet) */
    apply_read (store, 13, "ml_2", "c_2", 1);
    td_store_flush (store);
    wait_commits (&n, 4);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_2")), ==, 0);
    apply_line (store, 14, l2);
    td_store_flush (store);
    wait_commits (&n, 5);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_2")), ==, 1);

    /* the customer reads further */
    apply_read (store, 15, "ml_1", "c_1", 4);
    td_store_sync (store);
    wait_commits (&n, 6);
    g_assert_cmpint (td_line_get_peer_read (live), ==, 4);
    counts_clear (&n);
  }
  {
    /* a restart: the marks come from the cache, before any packet */
    g_autoptr(TdStore) store = td_store_new (path, &error);

    g_assert_no_error (error);
    g_assert_null (td_store_get_recovered_message (store));
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_1")), ==, 4);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_2")), ==, 1);
  }
  g_assert_cmpint (user_version (path), ==, TD_STORE_SCHEMA_VERSION);
  remove_tree (path);
}

/* A customer's cache: the peer is anyone else (the operators). */
static void
test_peer_read_customer (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  Counts n;

  counts_init (&n);
  g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
  td_store_set_me (store, "c_1", TD_ROLE_CUSTOMER, "Emma");
  apply_line (store, 1, l);
  apply_read (store, 2, "ml_1", "c_1", 3);       /* her own mark */
  td_store_flush (store);
  wait_commits (&n, 1);
  g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_1")), ==, 0);
  apply_read (store, 3, "ml_1", "o_alice", 2);
  td_store_flush (store);
  wait_commits (&n, 2);
  g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_1")), ==, 2);
  counts_clear (&n);
}

/* Schema 2 → 3: the customer's mark is derived from the reads the cache
 * already kept; a cache that cannot be upgraded is moved aside. */
static void
test_upgrade_from_v2 (void)
{
  g_autofree char *path = tmp_db ("v2.db");
  g_autoptr(GError) error = NULL;

  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdLine) l1 = make_line ("ml_1", "c_1");
    g_autoptr(TdLine) l2 = make_line ("ml_2", "c_2");

    g_assert_no_error (error);
    td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
    apply_line (store, 1, l1);
    apply_line (store, 2, l2);
    for (int i = 1; i <= 3; i++)
      {
        g_autoptr(TdMessage) m = make_msg (i, "ml_1", i, "o_alice", TD_ROLE_OPERATOR, "hello", 1000 + i, NULL);

        apply_msg (store, 2 + i, m);
      }
    apply_read (store, 10, "ml_1", "c_1", 2);
    apply_read (store, 11, "ml_1", "o_bob", 3);
    apply_read (store, 12, "ml_2", "o_bob", 1);
    td_store_sync (store);
  }
  {
    /* make it what Tripdesk with schema 2 wrote */
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "ALTER TABLE lines DROP COLUMN peer_read;"
                                       "PRAGMA user_version = 2", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  g_assert_cmpint (user_version (path), ==, 2);
  {
    g_autoptr(TdStore) store = td_store_new (path, &error);
    g_autoptr(TdMessage) m = make_msg (4, "ml_1", 4, "o_alice", TD_ROLE_OPERATOR, "anything else?", 2000, NULL);
    Counts n;

    g_assert_no_error (error);
    g_assert_null (td_store_get_recovered_message (store));
    g_assert_cmpint (td_store_get_n_lines (store), ==, 2);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_1")), ==, 2);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_2")), ==, 0);
    g_assert_cmpint (td_store_count_messages_sync (store, "ml_1"), ==, 3);

    /* and it goes on from there */
    counts_init (&n);
    g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
    apply_msg (store, 13, m);
    apply_read (store, 14, "ml_1", "c_1", 4);
    td_store_flush (store);
    wait_commits (&n, 1);
    g_assert_cmpint (td_line_get_peer_read (td_store_lookup_line (store, "ml_1")), ==, 4);
    counts_clear (&n);
  }
  g_assert_cmpint (user_version (path), ==, 3);

  {
    /* a "schema 2" file that already has the column: the upgrade fails, the
     * file is kept aside and a fresh cache is made */
    sqlite3 *db = NULL;

    g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 2", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  {
    g_autoptr(TdStore) store = td_store_new (path, &error);

    g_assert_no_error (error);
    g_assert_nonnull (td_store_get_recovered_message (store));
    g_assert_true (g_file_test (td_store_get_recovered_path (store), G_FILE_TEST_EXISTS));
    g_assert_cmpint (td_store_get_n_lines (store), ==, 0);
    g_unlink (td_store_get_recovered_path (store));
  }
  g_assert_cmpint (user_version (path), ==, 3);
  remove_tree (path);
}

/* The line's fields kept message by message match their definitions, whatever
 * the order of arrival (live, history pages filling older ones, reads). */
static void
test_incremental_fields (void)
{
  for (guint32 seed = 1; seed <= 12; seed++)
    {
      g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
      g_autoptr(TdStore) store = td_store_new (NULL, NULL);
      g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
      const int n = 120;
      TdRole roles[121];
      gint64 read_upto = 0, cursor = 1, last_op = 0, waiting = 0;
      int unread = 0, delivered_low, delivered_high;
      TdLine *live;
      Counts c;

      counts_init (&c);
      g_signal_connect (store, "committed", G_CALLBACK (on_committed), &c);
      td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
      apply_line (store, cursor++, l);
      for (int i = 1; i <= n; i++)
        roles[i] = g_rand_int_range (rand, 0, 3) == 0 ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER;

      /* the newest half first (a snapshot), then live ones and older pages
       * interleaved with reads */
      delivered_low = n / 2;
      delivered_high = n / 2 - 1;
      while (delivered_low > 1 || delivered_high < n)
        {
          int what = g_rand_int_range (rand, 0, 4);

          if ((what == 0 || delivered_high == n) && delivered_low > 1)
            {
              /* an older page */
              int from = MAX (1, delivered_low - g_rand_int_range (rand, 1, 15));
              g_autoptr(TdPacket) h = td_packet_new (TD_PACKET_HISTORY);

              h->line_id = g_strdup ("ml_1");
              h->messages = g_ptr_array_new_with_free_func (g_object_unref);
              for (int i = from; i < delivered_low; i++)
                g_ptr_array_add (h->messages, make_msg (i, "ml_1", i, roles[i] == TD_ROLE_CUSTOMER ? "c_1" : "o_bob",
                                                        roles[i], "old", 1000 * i, NULL));
              td_store_apply_packet (store, h, FALSE);
              delivered_low = from;
            }
          else if (what == 1)
            {
              /* a read mark by an operator, somewhere below the top */
              g_autoptr(TdPacket) r = td_packet_new (TD_PACKET_READ);

              r->has_cursor = TRUE;
              r->cursor = cursor++;
              r->line_id = g_strdup ("ml_1");
              r->reader = g_strdup (g_rand_boolean (rand) ? "o_alice" : "o_bob");
              r->upto = g_rand_int_range (rand, 1, MAX (delivered_high, 1) + 1);
              read_upto = MAX (read_upto, r->upto);
              td_store_apply_packet (store, r, TRUE);
            }
          else if (delivered_high < n)
            {
              int i = ++delivered_high;
              g_autoptr(TdMessage) m = make_msg (i, "ml_1", i, roles[i] == TD_ROLE_CUSTOMER ? "c_1" : "o_bob",
                                                 roles[i], i == n ? "the last one" : "live", 1000 * i, NULL);

              apply_msg (store, cursor++, m);
            }
          if (g_rand_int_range (rand, 0, 3) == 0)
            td_store_flush (store);   /* batches of every size */
        }
      td_store_sync (store);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      wait_uint (&c.commits, 1);

      for (int i = 1; i <= n; i++)
        {
          if (roles[i] == TD_ROLE_CUSTOMER && i > read_upto)
            unread++;
          if (roles[i] == TD_ROLE_OPERATOR)
            last_op = i;
        }
      for (int i = n; i > last_op; i--)
        waiting = 1000 * i;   /* the first customer message after the last answer */
      if (last_op == n)
        waiting = 0;

      live = td_store_lookup_line (store, "ml_1");
      g_assert_cmpint (td_line_get_last_seq (live), ==, n);
      g_assert_cmpint (td_line_get_updated (live), ==, 1000 * n);
      g_assert_cmpstr (td_line_get_preview (live), ==, "the last one");
      g_assert_cmpint (td_line_get_last_sender_role (live), ==, roles[n]);
      g_assert_cmpint (td_line_get_unread (live), ==, unread);
      g_assert_cmpint (td_line_get_waiting_since (live), ==, waiting);
      counts_clear (&c);
    }
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GPtrArray **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = td_store_search_finish (TD_STORE (source), result, &error);
  g_assert_no_error (error);
}

static guint
search (TdStore    *store,
        const char *query)
{
  GPtrArray *out = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  guint n;

  td_store_search_async (store, query, 50, NULL, search_cb, &out);
  while (out == NULL)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  n = out->len;
  g_ptr_array_unref (out);
  return n;
}

static void
test_fts_cjk (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  const char *texts[] = {
    "我想预订酒店的房间",
    "Is there a hotel near the lake?",
    "航班CA123延误了吗",
    "ホテルの予約をお願いします",
  };
  g_autofree char *fts = td_store_fts_text ("我想预订酒店");

  g_assert_cmpstr (fts, ==, " 我想 想预 预订 订酒 酒店 店 ");

  apply_line (store, 1, l);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(TdMessage) m = make_msg (i + 1, "ml_1", i + 1, "c_1", TD_ROLE_CUSTOMER, texts[i], 1000 + i, NULL);

      apply_msg (store, 2 + i, m);
    }

  g_assert_cmpuint (search (store, "酒店"), ==, 1);
  g_assert_cmpuint (search (store, "预订酒店"), ==, 1);
  g_assert_cmpuint (search (store, "酒"), ==, 1);
  g_assert_cmpuint (search (store, "房间"), ==, 1);
  g_assert_cmpuint (search (store, "间"), ==, 1);
  g_assert_cmpuint (search (store, "酒房"), ==, 0);
  g_assert_cmpuint (search (store, "延误"), ==, 1);
  g_assert_cmpuint (search (store, "ca123"), ==, 1);
  g_assert_cmpuint (search (store, "hotel"), ==, 1);
  g_assert_cmpuint (search (store, "HOT"), ==, 1);
  g_assert_cmpuint (search (store, "lake hotel"), ==, 1);
  g_assert_cmpuint (search (store, "lake 酒店"), ==, 0);
  g_assert_cmpuint (search (store, "予約"), ==, 1);
  g_assert_cmpuint (search (store, "飞机"), ==, 0);
  g_assert_cmpuint (search (store, "\"unbalanced"), ==, 0);
  g_assert_cmpuint (search (store, "   "), ==, 0);
  g_assert_cmpuint (search (store, "*"), ==, 0);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_gap (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  Counts n;
  gint64 seqs[] = { 1, 2, 5, 6 };
  TdStoreGap *gap;

  counts_init (&n);
  g_signal_connect (store, "committed", G_CALLBACK (on_committed), &n);
  apply_line (store, 1, l);
  for (guint i = 0; i < G_N_ELEMENTS (seqs); i++)
    {
      g_autoptr(TdMessage) m = make_msg (seqs[i], "ml_1", seqs[i], "c_1", TD_ROLE_CUSTOMER, "x", 1000 + seqs[i], NULL);

      apply_msg (store, 2 + i, m);
    }
  wait_commits (&n, 1);
  g_assert_cmpuint (n.gaps->len, ==, 1);
  gap = g_ptr_array_index (n.gaps, 0);
  g_assert_cmpstr (gap->line_id, ==, "ml_1");
  g_assert_cmpint (gap->before, ==, 5);
  g_assert_cmpint (gap->count, ==, 2);

  /* a history answer fills it: no gap any more */
  {
    g_autoptr(TdPacket) h = td_packet_new (TD_PACKET_HISTORY);

    h->line_id = g_strdup ("ml_1");
    h->messages = g_ptr_array_new_with_free_func (g_object_unref);
    g_ptr_array_add (h->messages, make_msg (3, "ml_1", 3, "c_1", TD_ROLE_CUSTOMER, "x", 1003, NULL));
    g_ptr_array_add (h->messages, make_msg (4, "ml_1", 4, "c_1", TD_ROLE_CUSTOMER, "x", 1004, NULL));
    td_store_apply_packet (store, h, FALSE);
  }
  wait_commits (&n, 2);
  g_assert_cmpuint (n.gaps->len, ==, 1);
  g_assert_cmpint (td_store_count_messages_sync (store, "ml_1"), ==, 6);

  /* a snapshot's oldest message (no stored predecessor) is no gap */
  {
    g_autoptr(TdLine) l2 = make_line ("ml_2", "c_2");
    g_autoptr(TdMessage) m = make_msg (100, "ml_2", 30, "c_2", TD_ROLE_CUSTOMER, "x", 5000, NULL);

    apply_line (store, 20, l2);
    apply_msg (store, 21, m);
  }
  wait_commits (&n, 3);
  g_assert_cmpuint (n.gaps->len, ==, 1);
  counts_clear (&n);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_pages (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLine) l = make_line ("ml_1", "c_1");
  g_autoptr(GPtrArray) p1 = NULL;
  g_autoptr(GPtrArray) p2 = NULL;
  g_autoptr(GPtrArray) p3 = NULL;
  gboolean more = FALSE;

  apply_line (store, 1, l);
  for (int i = 1; i <= 120; i++)
    {
      g_autoptr(TdMessage) m = make_msg (1000 + i, "ml_1", i, "c_1", TD_ROLE_CUSTOMER, "x", 10000 + i, NULL);

      apply_msg (store, 1 + i, m);
    }
  p1 = td_store_load_messages_sync (store, "ml_1", NULL, 50, &more, NULL);
  g_assert_cmpuint (p1->len, ==, 50);
  g_assert_true (more);
  g_assert_cmpint (td_message_get_line_seq (g_ptr_array_index (p1, 0)), ==, 71);
  g_assert_cmpint (td_message_get_line_seq (g_ptr_array_index (p1, 49)), ==, 120);
  p2 = td_store_load_messages_sync (store, "ml_1", g_ptr_array_index (p1, 0), 50, &more, NULL);
  g_assert_cmpuint (p2->len, ==, 50);
  g_assert_true (more);
  g_assert_cmpint (td_message_get_line_seq (g_ptr_array_index (p2, 49)), ==, 70);
  p3 = td_store_load_messages_sync (store, "ml_1", g_ptr_array_index (p2, 0), 50, &more, NULL);
  g_assert_cmpuint (p3->len, ==, 20);
  g_assert_false (more);
  g_assert_cmpint (td_message_get_line_seq (g_ptr_array_index (p3, 0)), ==, 1);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_default_path (void)
{
  g_autofree char *p = td_store_dup_default_path ("http://127.0.0.1:8080", "alice/../x");

  g_assert_true (g_str_has_suffix (p, "tripdesk/127.0.0.1_8080-alice_.._x.db"));
  g_assert_null (strstr (p + strlen (g_get_user_data_dir ()) + 10, "/.."));
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *data = g_dir_make_tmp ("td-store-data-XXXXXX", NULL);

  g_setenv ("XDG_DATA_HOME", data, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/store/lines-and-fields", test_lines_and_fields);
  g_test_add_func ("/tripdesk/store/upsert", test_upsert);
  g_test_add_func ("/tripdesk/store/cursor-persisted", test_cursor_persisted);
  g_test_add_func ("/tripdesk/store/snapshot-cursor", test_snapshot_cursor);
  g_test_add_func ("/tripdesk/store/outbox", test_outbox);
  g_test_add_func ("/tripdesk/store/corrupt-moved-aside", test_corrupt_moved_aside);
  g_test_add_func ("/tripdesk/store/newer-schema", test_newer_schema);
  g_test_add_func ("/tripdesk/store/upgrade-from-v1", test_upgrade_from_v1);
  g_test_add_func ("/tripdesk/store/peer-read", test_peer_read);
  g_test_add_func ("/tripdesk/store/peer-read-customer", test_peer_read_customer);
  g_test_add_func ("/tripdesk/store/upgrade-from-v2", test_upgrade_from_v2);
  g_test_add_func ("/tripdesk/store/incremental-fields", test_incremental_fields);
  g_test_add_func ("/tripdesk/store/fts-cjk", test_fts_cjk);
  g_test_add_func ("/tripdesk/store/gap", test_gap);
  g_test_add_func ("/tripdesk/store/pages", test_pages);
  g_test_add_func ("/tripdesk/store/default-path", test_default_path);

  return g_test_run ();
}

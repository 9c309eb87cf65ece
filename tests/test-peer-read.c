/* test-peer-read.c — the customer's read mark at the operator, against the
 * real server: live, after a restart from the cache, from the backlog while
 * the operator was away, and from a cursor-null snapshot (both transports)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-test-e2e.h"

typedef TdTestClient Client;

static void
wait_until (TdTestCondFunc cond,
            gpointer       data,
            const char    *what)
{
  td_test_wait_until (NULL, cond, data, TD_TEST_TIMEOUT_MS, what);
}

typedef struct
{
  Client     *client;
  const char *line_id;
  gint64      value;
} LineWait;

static gboolean
has_last_seq (gpointer data)
{
  LineWait *w = data;
  TdLine *line = td_store_lookup_line (w->client->store, w->line_id);

  return line != NULL && td_line_get_last_seq (line) >= w->value;
}

static gboolean
has_peer_read (gpointer data)
{
  LineWait *w = data;
  TdLine *line = td_store_lookup_line (w->client->store, w->line_id);

  return line != NULL && td_line_get_peer_read (line) >= w->value;
}

static gint64
peer_read_of (Client     *c,
              const char *line_id)
{
  TdLine *line = td_store_lookup_line (c->store, line_id);

  g_assert_nonnull (line);
  return td_line_get_peer_read (line);
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_restart_from_cache (void)
{
  TdTestServer s = { 0, };
  Client op = { 0, }, cust = { 0, }, fresh = { 0, };
  g_autofree char *dir = g_dir_make_tmp ("td-peer-read-cache-XXXXXX", NULL);
  g_autofree char *op_path = g_build_filename (dir, "alice.db", NULL);
  g_autofree char *fresh_path = g_build_filename (dir, "alice-fresh.db", NULL);
  g_autofree char *line_id = NULL;
  LineWait w;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&op, &s, "demo-op-alice", op_path);
  td_test_client_go_online (&op);
  td_test_client_open (&cust, &s, "demo-cust-1", NULL);
  td_test_client_go_online (&cust);

  /* The traveller asks, Alice answers twice */
  line_id = td_test_client_open_line (&cust, "m_lakeside");
  g_free (td_channel_send_text (cust.channel, line_id, "Is there a late check-out?"));
  w = (LineWait) { &op, line_id, 1 };
  wait_until (has_last_seq, &w, "the question at the operator");
  g_free (td_channel_send_text (op.channel, line_id, "Yes, until 14:00."));
  g_free (td_channel_send_text (op.channel, line_id, "Shall I book it for you?"));
  w = (LineWait) { &cust, line_id, 3 };
  wait_until (has_last_seq, &w, "the answers at the customer");
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 0);

  /* She reads them: the operator's cache keeps her mark */
  td_channel_mark_read (cust.channel, line_id, 3);
  w = (LineWait) { &op, line_id, 3 };
  wait_until (has_peer_read, &w, "the customer's read mark at the operator");
  /* Alice's own mark is not the customer's */
  td_channel_mark_read (op.channel, line_id, 3);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);

  /* Restart from the cache: the mark is there before any packet */
  td_test_client_close (&op);
  td_test_client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);
  td_test_client_go_online (&op);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);

  /* Alice is away; the traveller writes and reads: the backlog brings the
   * mark, and the next restart still has it */
  td_test_client_close (&op);
  g_free (td_channel_send_text (cust.channel, line_id, "Yes please!"));
  w = (LineWait) { &cust, line_id, 4 };
  wait_until (has_last_seq, &w, "her own message");
  td_channel_mark_read (cust.channel, line_id, 4);
  td_test_client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);
  td_test_client_go_online (&op);
  w = (LineWait) { &op, line_id, 4 };
  wait_until (has_peer_read, &w, "the mark from the backlog");
  td_test_client_close (&op);
  td_test_client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 4);

  /* An empty cache on long-poll: the cursor-null snapshot carries the
   * newest read per reader */
  td_test_client_open (&fresh, &s, "demo-op-alice", fresh_path);
  td_channel_set_transport_policy (fresh.channel, TD_TRANSPORT_POLICY_LONG_POLL);
  td_test_client_go_online (&fresh);
  w = (LineWait) { &fresh, line_id, 4 };
  wait_until (has_peer_read, &w, "the mark from the snapshot");
  g_assert_cmpint (peer_read_of (&fresh, line_id), ==, 4);

  td_test_client_free (&fresh);
  td_test_client_free (&cust);
  td_test_client_free (&op);
  g_rmdir (dir);
  td_test_server_free (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/peer-read/restart-from-cache", test_restart_from_cache);

  return g_test_run ();
}

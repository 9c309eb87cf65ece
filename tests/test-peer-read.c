/* test-peer-read.c — the customer's read mark at the operator, against the
 * real server: live, after a restart from the cache, from the backlog while
 * the operator was away, and from a cursor-null snapshot (both transports)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-channel.h"
#include "td-server.h"

#define TIMEOUT_MS 30000

typedef struct
{
  TdServer *server;
  char     *dir;
  char     *url;
} Server;

typedef struct
{
  TdStore   *store;
  TdChannel *channel;
  char      *path;
} Client;

typedef gboolean (*CondFunc) (gpointer data);

static void
wait_until (CondFunc    cond,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * 1000;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      if (!cond (data))
        g_usleep (500);
    }
}

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

static void
server_start (Server *s)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *db = NULL;
  TdServerOptions opts = { 0, };

  s->dir = g_dir_make_tmp ("td-peer-read-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (s->dir, "server.db", NULL);
  opts.db_path = db;
  opts.demo = TRUE;
  opts.tz = "UTC";
  s->server = td_server_new (&opts, &error);
  g_assert_no_error (error);
  td_server_listen (s->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  s->url = td_server_dup_base_url (s->server);
}

static void
server_stop (Server *s)
{
  td_server_shutdown (s->server, 0);
  g_clear_object (&s->server);
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->url);
}

static TdBackoff *
fast_backoff (void)
{
  TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, g_test_rand_int ());

  td_backoff_set_limits (b, 30, 200);
  return b;
}

/* @path: NULL for an in-memory cache; the store is opened, not started */
static void
client_open (Client     *c,
             Server     *s,
             const char *token,
             const char *path)
{
  g_autoptr(GError) error = NULL;

  if (path && c->path == NULL)
    c->path = g_strdup (path);
  c->store = td_store_new (c->path, &error);
  g_assert_no_error (error);
  g_assert_null (td_store_get_recovered_message (c->store));
  c->channel = td_channel_new (s->url, token, c->store, NULL);
  td_channel_set_backoff (c->channel, fast_backoff ());
  td_channel_set_poll_wait (c->channel, 2);
}

static gboolean
is_online (gpointer data)
{
  Client *c = data;

  return td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE
      && td_channel_get_synced (c->channel);
}

static void
client_start (Client *c)
{
  td_channel_start (c->channel);
  wait_until (is_online, c, "the channel online and synced");
}

static void
client_close (Client *c)
{
  td_channel_stop (c->channel);
  td_store_sync (c->store);
  g_assert_finalize_object (g_steal_pointer (&c->channel));
  g_assert_finalize_object (g_steal_pointer (&c->store));
}

static void
client_free (Client *c)
{
  if (c->channel)
    client_close (c);
  if (c->path)
    {
      g_autofree char *wal = g_strconcat (c->path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (c->path, "-shm", NULL);

      g_unlink (c->path);
      g_unlink (wal);
      g_unlink (shm);
    }
  g_free (c->path);
}

typedef struct
{
  TdLine  *line;
  GError  *error;
  gboolean done;
} OpenResult;

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  OpenResult *r = user_data;

  r->line = td_channel_open_line_finish (TD_CHANNEL (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
open_done (gpointer data)
{
  return ((OpenResult *) data)->done;
}

static char *
open_line (Client     *c,
           const char *object_id)
{
  OpenResult r = { 0, };
  char *id;

  td_channel_open_line (c->channel, object_id, TD_BUSI_INQUIRY, NULL, NULL, open_cb, &r);
  wait_until (open_done, &r, "the open reply");
  g_assert_no_error (r.error);
  g_assert_nonnull (r.line);
  id = g_strdup (td_line_get_id (r.line));
  g_object_unref (r.line);
  return id;
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
  Server s = { 0, };
  Client op = { 0, }, cust = { 0, }, fresh = { 0, };
  g_autofree char *dir = g_dir_make_tmp ("td-peer-read-cache-XXXXXX", NULL);
  g_autofree char *op_path = g_build_filename (dir, "alice.db", NULL);
  g_autofree char *fresh_path = g_build_filename (dir, "alice-fresh.db", NULL);
  g_autofree char *line_id = NULL;
  LineWait w;

  server_start (&s);
  client_open (&op, &s, "demo-op-alice", op_path);
  client_start (&op);
  client_open (&cust, &s, "demo-cust-1", NULL);
  client_start (&cust);

  /* The traveller asks, Alice answers twice */
  line_id = open_line (&cust, "m_lakeside");
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
  client_close (&op);
  client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);
  client_start (&op);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);

  /* Alice is away; the traveller writes and reads: the backlog brings the
   * mark, and the next restart still has it */
  client_close (&op);
  g_free (td_channel_send_text (cust.channel, line_id, "Yes please!"));
  w = (LineWait) { &cust, line_id, 4 };
  wait_until (has_last_seq, &w, "her own message");
  td_channel_mark_read (cust.channel, line_id, 4);
  client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 3);
  client_start (&op);
  w = (LineWait) { &op, line_id, 4 };
  wait_until (has_peer_read, &w, "the mark from the backlog");
  client_close (&op);
  client_open (&op, &s, "demo-op-alice", NULL);
  g_assert_cmpint (peer_read_of (&op, line_id), ==, 4);

  /* An empty cache on long-poll: the cursor-null snapshot carries the
   * newest read per reader */
  client_open (&fresh, &s, "demo-op-alice", fresh_path);
  td_channel_set_transport_policy (fresh.channel, TD_TRANSPORT_POLICY_LONG_POLL);
  client_start (&fresh);
  w = (LineWait) { &fresh, line_id, 4 };
  wait_until (has_peer_read, &w, "the mark from the snapshot");
  g_assert_cmpint (peer_read_of (&fresh, line_id), ==, 4);

  client_free (&fresh);
  client_free (&cust);
  client_free (&op);
  g_rmdir (dir);
  server_stop (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/peer-read/restart-from-cache", test_restart_from_cache);

  return g_test_run ();
}

/* td-test-e2e.c — what the tests share: waiting on the main context, and
 * the real server and TdChannel + TdStore clients in-process on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include "config.h"

#include <glib/gstdio.h>

#include "td-server-private.h"
#include "td-test-e2e.h"

/* A blocking iteration returns at least this often, so that a condition
 * that changes without an event of its own (a worker's write on disk) is
 * seen soon. */
#define WAKE_MS 10

/* ---- waiting ---------------------------------------------------------------- */

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
td_test_wait_until_at (const char     *file,
                       int             line,
                       const char     *func,
                       GMainContext   *context,
                       TdTestCondFunc  cond,
                       gpointer        data,
                       guint           timeout_ms,
                       const char     *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autoptr(GSource) wake = g_timeout_source_new (WAKE_MS);
  gboolean held;

  if (context == NULL)
    context = g_main_context_default ();
  g_source_set_callback (wake, wake_cb, NULL, NULL);
  g_source_attach (wake, context);
  while (!(held = cond (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (wake);

  if (!held)
    {
      g_autofree char *message = g_strdup_printf ("timed out after %u ms waiting for %s",
                                                  timeout_ms, what);

      g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
    }
  return held;
}

static gboolean
set_true_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
td_test_iterate_for (GMainContext *context,
                     guint         ms)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (ms);
  gboolean done = FALSE;

  if (context == NULL)
    context = g_main_context_default ();
  g_source_set_callback (timeout, set_true_cb, &done, NULL);
  g_source_attach (timeout, context);
  while (!done)
    g_main_context_iteration (context, TRUE);
}

gboolean
td_test_is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* ---- the real server ---------------------------------------------------------- */

void
td_test_server_start_full (TdTestServer          *s,
                           const TdServerOptions *options)
{
  g_autoptr(GError) error = NULL;
  TdServerOptions opts = { 0, };

  if (options != NULL)
    opts = *options;
  if (s->dir == NULL)
    {
      g_autofree char *program = g_path_get_basename (g_get_prgname ());
      g_autofree char *template = g_strdup_printf ("td-%s-XXXXXX", program);

      s->dir = g_dir_make_tmp (template, &error);
      g_assert_no_error (error);
      s->db = g_build_filename (s->dir, "server.db", NULL);
    }
  opts.db_path = s->db;
  opts.demo = TRUE;
  s->server = td_server_new (&opts, &error);
  g_assert_no_error (error);
  g_assert_true (td_server_listen (s->server, "127.0.0.1", s->port, &error));
  g_assert_no_error (error);
  s->port = td_server_get_port (s->server);
  g_free (s->url);
  s->url = td_server_dup_base_url (s->server);
}

void
td_test_server_start (TdTestServer *s,
                      const char   *tz)
{
  TdServerOptions opts = { .tz = tz };

  td_test_server_start_full (s, &opts);
}

static gboolean
server_idle (gpointer data)
{
  TdTestServer *s = data;

  return td_server_get_n_ws_sessions (s->server) == 0 &&
         td_server_get_n_held_polls (s->server) == 0;
}

void
td_test_server_settle (TdTestServer *s)
{
  td_test_wait_until (NULL, server_idle, s, TD_TEST_TIMEOUT_MS, "the server to see its clients go");
  /* and what their going set off (libsoup 3.2 keeps an accepted socket
   * whose closing it never saw) */
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (dir);
}

void
td_test_server_free (TdTestServer *s)
{
  g_clear_object (&s->server);
  /* closing connections finish before the files go */
  td_test_iterate_for (NULL, 50);
  if (s->dir != NULL)
    remove_dir (s->dir);
  g_clear_pointer (&s->dir, g_free);
  g_clear_pointer (&s->db, g_free);
  g_clear_pointer (&s->url, g_free);
}

/* ---- clients -------------------------------------------------------------------- */

static void
on_error_cb (TdChannel    *channel,
             const GError *error,
             TdTestClient *c)
{
  g_test_message ("channel error: %s", error->message);
  c->errors++;
}

static void
on_typing_cb (TdChannel    *channel,
              const char   *line_id,
              const char   *who,
              const char   *name,
              gboolean      note,
              TdTestClient *c)
{
  c->typing++;
  if (note)
    c->typing_note++;
  g_free (c->typing_who);
  c->typing_who = g_strdup (who);
}

void
td_test_client_open (TdTestClient *c,
                     TdTestServer *s,
                     const char   *token,
                     const char   *path)
{
  g_autoptr(GError) error = NULL;
  TdBackoff *backoff;

  if (path != NULL && c->path == NULL)
    c->path = g_strdup (path);
  g_free (c->token);
  c->token = g_strdup (token);
  c->store = td_store_new (c->path, &error);
  g_assert_no_error (error);
  c->channel = td_channel_new (s->url, token, c->store, NULL);
  backoff = td_backoff_new (TD_BACKOFF_DECORRELATED, g_test_rand_int ());
  td_backoff_set_limits (backoff, 30, 200);
  td_channel_set_backoff (c->channel, backoff);
  td_channel_set_poll_wait (c->channel, 2);
  g_signal_connect (c->channel, "error", G_CALLBACK (on_error_cb), c);
  g_signal_connect (c->channel, "typing", G_CALLBACK (on_typing_cb), c);
}

gboolean
td_test_client_is_online (gpointer client)
{
  TdTestClient *c = client;

  return td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE &&
         td_channel_get_synced (c->channel);
}

void
td_test_client_go_online (TdTestClient *c)
{
  g_autofree char *what = g_strdup_printf ("%s online", c->token);

  td_channel_start (c->channel);
  td_test_wait_until (NULL, td_test_client_is_online, c, TD_TEST_TIMEOUT_MS, what);
}

void
td_test_client_close (TdTestClient *c)
{
  td_channel_stop (c->channel);
  g_assert_finalize_object (g_steal_pointer (&c->channel));
  g_assert_finalize_object (g_steal_pointer (&c->store));
}

void
td_test_client_free (TdTestClient *c)
{
  if (c->channel != NULL)
    td_test_client_close (c);
  if (c->path != NULL)
    {
      g_autofree char *wal = g_strconcat (c->path, "-wal", NULL);
      g_autofree char *shm = g_strconcat (c->path, "-shm", NULL);

      g_unlink (c->path);
      g_unlink (wal);
      g_unlink (shm);
    }
  g_clear_pointer (&c->path, g_free);
  g_clear_pointer (&c->token, g_free);
  g_clear_pointer (&c->typing_who, g_free);
}

typedef struct
{
  TdLine   *line;
  GError   *error;
  gboolean  done;
} OpenResult;

static void
on_open_line_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OpenResult *r = user_data;

  r->line = td_channel_open_line_finish (TD_CHANNEL (source), result, &r->error);
  r->done = TRUE;
}

TdLine *
td_test_open_line (TdChannel   *channel,
                   const char  *object_id,
                   GError     **error)
{
  OpenResult r = { 0, };

  td_channel_open_line (channel, object_id, TD_BUSI_INQUIRY, NULL, NULL, on_open_line_cb, &r);
  td_test_wait_until (NULL, td_test_is_true, &r.done, TD_TEST_TIMEOUT_MS, "the open reply");
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return r.line;
}

char *
td_test_client_open_line (TdTestClient *c,
                          const char   *object_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLine) line = td_test_open_line (c->channel, object_id, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return g_strdup (td_line_get_id (line));
}

/* ---- what a cache holds ----------------------------------------------------------- */

typedef struct
{
  TdStore    *store;
  const char *line_id;
  gint64      count;
  const char *text;
} StoreWait;

static gboolean
has_count (gpointer data)
{
  StoreWait *w = data;
  TdLine *line = td_store_lookup_line (w->store, w->line_id);

  /* the line's last_seq in memory first: cheap */
  if (line == NULL || td_line_get_last_seq (line) < w->count)
    return FALSE;
  td_store_sync (w->store);
  return td_store_count_messages_sync (w->store, w->line_id) >= w->count;
}

void
td_test_wait_messages (TdStore    *store,
                       const char *line_id,
                       gint64      count)
{
  StoreWait w = { store, line_id, count, NULL };
  g_autofree char *what = g_strdup_printf ("%" G_GINT64_FORMAT " messages in %s", count, line_id);

  td_test_wait_until (NULL, has_count, &w, TD_TEST_TIMEOUT_MS, what);
}

gboolean
td_test_store_has_text (TdStore    *store,
                        const char *line_id,
                        const char *text)
{
  g_autoptr(GPtrArray) messages = NULL;

  if (td_store_lookup_line (store, line_id) == NULL)
    return FALSE;
  messages = td_store_load_messages_sync (store, line_id, NULL, 200, NULL, NULL);
  for (guint i = 0; messages != NULL && i < messages->len; i++)
    {
      TdMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *m_text = td_message_dup_search_text (m);

      if (td_message_get_delivery (m) == TD_DELIVERY_STORED && g_strcmp0 (m_text, text) == 0)
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_text (gpointer data)
{
  StoreWait *w = data;

  return td_test_store_has_text (w->store, w->line_id, w->text);
}

void
td_test_wait_text (TdStore    *store,
                   const char *line_id,
                   const char *text)
{
  StoreWait w = { store, line_id, 0, text };
  g_autofree char *what = g_strdup_printf ("“%s” in %s", text, line_id);

  td_test_wait_until (NULL, has_text, &w, TD_TEST_TIMEOUT_MS, what);
}

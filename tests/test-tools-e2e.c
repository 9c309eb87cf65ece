/* test-tools-e2e.c — the operator tools against the real server: internal
 * notes never reach a customer (WebSocket, long-poll, history, replay);
 * state, assignee and snooze round trips
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-channel.h"
#include "td-message-list.h"
#include "td-server.h"

#define TIMEOUT_MS 30000
#define SECRET "SECRET-NOTE"

typedef struct
{
  TdServer *server;
  char     *dir;
  char     *db;
  char     *url;
} Server;

typedef struct
{
  TdStore   *store;
  TdChannel *channel;
  char      *path;
  guint      errors;
  guint      typing;
  guint      typing_note;
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
iterate_for (guint ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (500);
    }
}

static void
server_start (Server *s)
{
  g_autoptr(GError) error = NULL;
  TdServerOptions opts = { 0, };

  s->dir = g_dir_make_tmp ("td-tools-e2e-XXXXXX", NULL);
  s->db = g_build_filename (s->dir, "server.db", NULL);
  opts.db_path = s->db;
  opts.demo = TRUE;
  opts.tz = "UTC";
  s->server = td_server_new (&opts, &error);
  g_assert_no_error (error);
  td_server_listen (s->server, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  s->url = td_server_dup_base_url (s->server);
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
server_free (Server *s)
{
  g_clear_object (&s->server);
  /* closing connections finish before the files go */
  iterate_for (50);
  rm_rf (s->dir);
  g_free (s->dir);
  g_free (s->db);
  g_free (s->url);
}

static void
on_error_cb (TdChannel    *channel,
             const GError *error,
             Client       *c)
{
  g_test_message ("channel error: %s", error->message);
  c->errors++;
}

static void
on_typing_cb (TdChannel  *channel,
              const char *line_id,
              const char *who,
              const char *name,
              gboolean    note,
              Client     *c)
{
  c->typing++;
  if (note)
    c->typing_note++;
}

static gboolean
is_online (gpointer data)
{
  Client *c = data;

  return td_channel_get_state (c->channel) == TD_CHANNEL_STATE_ONLINE && td_channel_get_synced (c->channel);
}

static void
client_open (Client            *c,
             Server            *s,
             const char        *token,
             const char        *path,
             TdTransportPolicy  policy)
{
  g_autoptr(GError) error = NULL;
  TdBackoff *backoff = td_backoff_new (TD_BACKOFF_DECORRELATED, g_test_rand_int ());

  if (path && c->path == NULL)
    c->path = g_strdup (path);
  c->store = td_store_new (c->path, &error);
  g_assert_no_error (error);
  c->channel = td_channel_new (s->url, token, c->store, NULL);
  td_backoff_set_limits (backoff, 30, 200);
  td_channel_set_backoff (c->channel, backoff);
  td_channel_set_poll_wait (c->channel, 2);
  td_channel_set_transport_policy (c->channel, policy);
  g_signal_connect (c->channel, "error", G_CALLBACK (on_error_cb), c);
  g_signal_connect (c->channel, "typing", G_CALLBACK (on_typing_cb), c);
  td_channel_start (c->channel);
  wait_until (is_online, c, token);
}

static void
client_close (Client *c)
{
  td_channel_stop (c->channel);
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
  id = g_strdup (td_line_get_id (r.line));
  g_object_unref (r.line);

  return id;
}

static void
send_note (Client     *c,
           const char *line_id,
           const char *text)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *rid = NULL;

  json_object_set_string_member (body, "text", text);
  rid = td_channel_send (c->channel, line_id, "note", body);
  g_assert_nonnull (rid);
}

typedef struct
{
  Client     *client;
  const char *line_id;
  const char *text;     /* a message with this text, of any kind */
  gint64      last_seq;
} MsgWait;

static gboolean
has_text (gpointer data)
{
  MsgWait *w = data;
  g_autoptr(GPtrArray) messages = NULL;

  if (td_store_lookup_line (w->client->store, w->line_id) == NULL)
    return FALSE;
  messages = td_store_load_messages_sync (w->client->store, w->line_id, NULL, 200, NULL, NULL);
  for (guint i = 0; messages && i < messages->len; i++)
    {
      TdMessage *m = messages->pdata[i];
      g_autofree char *text = td_message_dup_search_text (m);

      if (td_message_get_delivery (m) == TD_DELIVERY_STORED && g_strcmp0 (text, w->text) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
wait_text (Client     *c,
           const char *line_id,
           const char *text)
{
  MsgWait w = { c, line_id, text, 0 };

  wait_until (has_text, &w, text);
}

/* Every message of the line in @c's cache, older pages included. */
static void
assert_no_note (Client     *c,
                const char *line_id,
                guint       min_messages)
{
  gboolean more = TRUE;
  g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) page = td_store_load_messages_sync (c->store, line_id, NULL, 500, &more, NULL);

  g_assert_nonnull (page);
  for (guint i = 0; i < page->len; i++)
    {
      TdMessage *m = page->pdata[i];
      g_autofree char *text = td_message_dup_search_text (m);

      g_assert_cmpint (td_message_get_kind (m), !=, TD_KIND_NOTE);
      g_assert_null (strstr (text, SECRET));
    }
  g_assert_cmpuint (page->len, >=, min_messages);
}

static guint
count_notes (Client     *c,
             const char *line_id)
{
  g_autoptr(GPtrArray) page = td_store_load_messages_sync (c->store, line_id, NULL, 500, NULL, NULL);
  guint n = 0;

  for (guint i = 0; page && i < page->len; i++)
    if (td_message_get_kind (page->pdata[i]) == TD_KIND_NOTE)
      n++;

  return n;
}

typedef struct
{
  Client     *client;
  const char *line_id;
  guint       notes;
} NoteWait;

static gboolean
has_notes (gpointer data)
{
  NoteWait *w = data;

  return td_store_lookup_line (w->client->store, w->line_id) != NULL &&
         count_notes (w->client, w->line_id) >= w->notes;
}

static gboolean
list_complete (gpointer data)
{
  TdMessageList *list = data;

  if (td_message_list_get_loading (list))
    return FALSE;
  if (td_message_list_get_has_more (list))
    {
      td_message_list_load_older (list);
      return FALSE;
    }
  return TRUE;
}

/* Notes reach operators only: live over WebSocket and long-poll, in a
 * fresh customer's snapshot and history pages, and in the replay after a
 * customer reconnects with an older cursor; a note's typing too. */
static void
test_notes_never_reach_customers (void)
{
  Server s = { 0, };
  Client alice = { 0, }, bob = { 0, };
  Client cust_ws = { 0, }, cust_poll = { 0, }, cust_fresh = { 0, }, cust_replay = { 0, };
  g_autofree char *dir = g_dir_make_tmp ("td-tools-cust-XXXXXX", NULL);
  g_autofree char *replay_path = g_build_filename (dir, "replay.db", NULL);
  g_autofree char *line_id = NULL;
  NoteWait nw;

  server_start (&s);
  client_open (&alice, &s, "demo-op-alice", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&bob, &s, "demo-op-bob", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust_ws, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&cust_poll, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust_replay, &s, "demo-cust-3", replay_path, TD_TRANSPORT_POLICY_AUTO);
  g_assert_cmpstr (td_channel_get_transport (cust_poll.channel), ==, "long-poll");
  g_assert_cmpstr (td_channel_get_transport (cust_ws.channel), ==, "websocket");

  line_id = open_line (&cust_ws, "m_skyline");
  g_free (td_channel_send_text (cust_ws.channel, line_id, "Hello, is anyone there?"));
  wait_text (&alice, line_id, "Hello, is anyone there?");
  wait_text (&cust_replay, line_id, "Hello, is anyone there?");
  td_store_sync (cust_replay.store);
  /* the replay customer goes away with its cursor before the notes */
  client_close (&cust_replay);

  /* live: a note's typing, the note, then a visible answer */
  td_channel_typing (alice.channel, line_id, TRUE);
  send_note (&alice, line_id, SECRET " 1: VIP, offer an upgrade");
  g_free (td_channel_send_text (alice.channel, line_id, "Yes! How can I help?"));
  nw = (NoteWait) { &bob, line_id, 1 };
  wait_until (has_notes, &nw, "the note at bob (long-poll)");
  g_assert_cmpuint (bob.typing_note, >=, 1);
  wait_text (&cust_ws, line_id, "Yes! How can I help?");
  wait_text (&cust_poll, line_id, "Yes! How can I help?");

  /* more traffic: the first note falls out of the last-20 snapshot */
  for (int i = 0; i < 24; i++)
    {
      g_autofree char *text = g_strdup_printf ("answer %d", i);

      g_free (td_channel_send_text (alice.channel, line_id, text));
      if (i == 3)
        send_note (&alice, line_id, SECRET " 2: refund approved");
    }
  wait_text (&cust_ws, line_id, "answer 23");
  wait_text (&cust_poll, line_id, "answer 23");
  nw = (NoteWait) { &bob, line_id, 2 };
  wait_until (has_notes, &nw, "both notes at bob");
  g_assert_cmpuint (count_notes (&alice, line_id), ==, 2);

  /* the replay after a reconnect with the old cursor */
  client_open (&cust_replay, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  wait_text (&cust_replay, line_id, "answer 23");

  /* a fresh customer cache: the snapshot, then every history page */
  client_open (&cust_fresh, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  wait_text (&cust_fresh, line_id, "answer 23");
  {
    g_autoptr(TdMessageList) list = td_message_list_new (cust_fresh.store, line_id);

    wait_until (list_complete, list, "every history page");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 26);
  }

  /* a ping round trip later, still no note's typing at any customer */
  iterate_for (300);
  assert_no_note (&cust_ws, line_id, 26);
  assert_no_note (&cust_poll, line_id, 26);
  assert_no_note (&cust_replay, line_id, 26);
  assert_no_note (&cust_fresh, line_id, 26);
  g_assert_cmpuint (cust_ws.typing_note, ==, 0);
  g_assert_cmpuint (cust_poll.typing_note, ==, 0);

  /* a customer may not write one */
  send_note (&cust_ws, line_id, SECRET " from a customer");
  while (cust_ws.errors == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (count_notes (&alice, line_id), ==, 2);

  client_free (&cust_fresh);
  client_free (&cust_replay);
  client_free (&cust_poll);
  client_free (&cust_ws);
  client_free (&bob);
  client_free (&alice);
  server_free (&s);
  g_rmdir (dir);
}

typedef struct
{
  Client     *client;
  const char *line_id;
  int         state;
  const char *assignee;   /* "-" = none */
  gint64      snooze_until;   /* -1: any */
} LineWait;

static gboolean
line_is (gpointer data)
{
  LineWait *w = data;
  TdLine *l = td_store_lookup_line (w->client->store, w->line_id);

  if (l == NULL)
    return FALSE;
  if (w->state >= 0 && (int) td_line_get_state (l) != w->state)
    return FALSE;
  if (w->assignee && g_strcmp0 (w->assignee, "-") == 0 && td_line_get_assignee (l) != NULL)
    return FALSE;
  if (w->assignee && g_strcmp0 (w->assignee, "-") != 0 && g_strcmp0 (td_line_get_assignee (l), w->assignee) != 0)
    return FALSE;
  if (w->snooze_until >= 0 && td_line_get_snooze_until (l) != w->snooze_until)
    return FALSE;
  return TRUE;
}

static void
wait_line (Client      *c,
           const char  *line_id,
           int          state,
           const char  *assignee,
           gint64       snooze_until,
           const char  *what)
{
  LineWait w = { c, line_id, state, assignee, snooze_until };

  wait_until (line_is, &w, what);
}

/* State, assignee and snooze through the server: every operator of the
 * merchant and the customer see them; a snooze expires; a customer message
 * reopens pending / snoozed-until-reply / resolved lines. */
static void
test_state_round_trips (void)
{
  Server s = { 0, };
  Client alice = { 0, }, bob = { 0, }, cust = { 0, };
  g_autofree char *line_id = NULL;
  gint64 until;
  guint errors;

  server_start (&s);
  client_open (&alice, &s, "demo-op-alice", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&bob, &s, "demo-op-bob", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust, &s, "demo-cust-4", NULL, TD_TRANSPORT_POLICY_AUTO);

  line_id = open_line (&cust, "m_skyline");
  g_free (td_channel_send_text (cust.channel, line_id, "Can I change my tour date?"));
  wait_text (&bob, line_id, "Can I change my tour date?");

  /* pending, seen by the other operator and by the customer */
  td_channel_set_line_state (alice.channel, line_id, TD_LINE_STATE_PENDING, 0);
  wait_line (&bob, line_id, TD_LINE_STATE_PENDING, NULL, -1, "pending at bob");
  wait_line (&cust, line_id, TD_LINE_STATE_PENDING, NULL, -1, "pending at the customer");

  /* assign to a teammate, then to me, then nobody */
  td_channel_assign (alice.channel, line_id, "o_bob");
  wait_line (&bob, line_id, TD_LINE_STATE_PENDING, "o_bob", -1, "assigned to bob");
  td_channel_assign (alice.channel, line_id, "o_alice");
  wait_line (&bob, line_id, -1, "o_alice", -1, "assigned to alice");
  /* an operator of another merchant: refused, nothing changes */
  errors = alice.errors;
  td_channel_assign (alice.channel, line_id, "o_carol");
  while (alice.errors == errors)
    g_main_context_iteration (NULL, TRUE);
  wait_line (&alice, line_id, TD_LINE_STATE_PENDING, "o_alice", -1, "still alice's");
  td_channel_assign (alice.channel, line_id, NULL);
  wait_line (&bob, line_id, -1, "-", -1, "unassigned");

  /* a customer message reopens a pending line */
  g_free (td_channel_send_text (cust.channel, line_id, "Hello again"));
  wait_line (&bob, line_id, TD_LINE_STATE_OPEN, NULL, -1, "reopened by the customer");

  /* a snooze with a time: snoozed, then open again when it expires */
  until = td_now_ms () + 1500;
  td_channel_set_line_state (alice.channel, line_id, TD_LINE_STATE_SNOOZED, until);
  wait_line (&bob, line_id, TD_LINE_STATE_SNOOZED, NULL, until, "snoozed at bob");
  wait_line (&cust, line_id, TD_LINE_STATE_SNOOZED, NULL, -1, "snoozed at the customer");
  g_assert_cmpint (td_now_ms (), <, until);
  wait_line (&bob, line_id, TD_LINE_STATE_OPEN, NULL, -1, "the snooze expired");
  g_assert_cmpint (td_now_ms (), >=, until);
  wait_line (&alice, line_id, TD_LINE_STATE_OPEN, NULL, -1, "the snooze expired at alice");

  /* a snooze until the customer writes: no timer; the reply reopens it */
  td_channel_set_line_state (alice.channel, line_id, TD_LINE_STATE_SNOOZED, 0);
  wait_line (&bob, line_id, TD_LINE_STATE_SNOOZED, NULL, 0, "snoozed until reply");
  iterate_for (1000);
  wait_line (&bob, line_id, TD_LINE_STATE_SNOOZED, NULL, 0, "still snoozed");
  g_free (td_channel_send_text (cust.channel, line_id, "Any news?"));
  wait_line (&bob, line_id, TD_LINE_STATE_OPEN, NULL, -1, "the reply woke it");

  /* resolved, then the customer writes: open again */
  td_channel_set_line_state (bob.channel, line_id, TD_LINE_STATE_RESOLVED, 0);
  wait_line (&alice, line_id, TD_LINE_STATE_RESOLVED, NULL, -1, "resolved at alice");
  wait_line (&cust, line_id, TD_LINE_STATE_RESOLVED, NULL, -1, "resolved at the customer");
  g_free (td_channel_send_text (cust.channel, line_id, "One more question"));
  wait_line (&alice, line_id, TD_LINE_STATE_OPEN, NULL, -1, "reopened after resolved");
  wait_line (&bob, line_id, TD_LINE_STATE_OPEN, NULL, -1, "reopened at bob");

  client_free (&cust);
  client_free (&bob);
  client_free (&alice);
  server_free (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/tools-e2e/notes-never-reach-customers", test_notes_never_reach_customers);
  g_test_add_func ("/tripdesk/tools-e2e/state-round-trips", test_state_round_trips);

  return g_test_run ();
}

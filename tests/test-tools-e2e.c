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
#include "td-test-e2e.h"

#define TIMEOUT_MS 30000
#define SECRET "SECRET-NOTE"

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))

/* A client online on @policy. */
static void
client_open (TdTestClient      *c,
             TdTestServer      *s,
             const char        *token,
             const char        *path,
             TdTransportPolicy  policy)
{
  td_test_client_open (c, s, token, path);
  td_channel_set_transport_policy (c->channel, policy);
  td_test_client_go_online (c);
}

static void
send_note (TdTestClient *c,
           const char   *line_id,
           const char   *text)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *rid = NULL;

  json_object_set_string_member (body, "text", text);
  rid = td_channel_send (c->channel, line_id, "note", body);
  g_assert_nonnull (rid);
}

/* Every message of the line in @c's cache, older pages included. */
static void
assert_no_note (TdTestClient *c,
                const char   *line_id,
                guint         min_messages)
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
count_notes (TdTestClient *c,
             const char   *line_id)
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
  TdTestClient *client;
  const char   *line_id;
  guint         notes;
} NoteWait;

static gboolean
has_notes (gpointer data)
{
  NoteWait *w = data;

  return td_store_lookup_line (w->client->store, w->line_id) != NULL &&
         count_notes (w->client, w->line_id) >= w->notes;
}

typedef struct
{
  TdTestClient *client;
  guint         errors;
} ErrorWait;

static gboolean
more_errors (gpointer data)
{
  ErrorWait *w = data;

  return w->client->errors > w->errors;
}

/* Waits until @c has had more than @errors errors. */
static void
wait_errors (TdTestClient *c,
             guint         errors,
             const char   *what)
{
  ErrorWait w = { c, errors };

  wait_until (more_errors, &w, what);
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
  TdTestServer s = { 0, };
  TdTestClient alice = { 0, }, bob = { 0, };
  TdTestClient cust_ws = { 0, }, cust_poll = { 0, }, cust_fresh = { 0, }, cust_replay = { 0, };
  g_autofree char *dir = g_dir_make_tmp ("td-tools-cust-XXXXXX", NULL);
  g_autofree char *replay_path = g_build_filename (dir, "replay.db", NULL);
  g_autofree char *line_id = NULL;
  NoteWait nw;

  td_test_server_start (&s, "UTC");
  client_open (&alice, &s, "demo-op-alice", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&bob, &s, "demo-op-bob", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust_ws, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&cust_poll, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust_replay, &s, "demo-cust-3", replay_path, TD_TRANSPORT_POLICY_AUTO);
  g_assert_cmpstr (td_channel_get_transport (cust_poll.channel), ==, "long-poll");
  g_assert_cmpstr (td_channel_get_transport (cust_ws.channel), ==, "websocket");

  line_id = td_test_client_open_line (&cust_ws, "m_skyline");
  g_free (td_channel_send_text (cust_ws.channel, line_id, "Hello, is anyone there?"));
  td_test_wait_text (alice.store, line_id, "Hello, is anyone there?");
  td_test_wait_text (cust_replay.store, line_id, "Hello, is anyone there?");
  td_store_sync (cust_replay.store);
  /* the replay customer goes away with its cursor before the notes */
  td_test_client_close (&cust_replay);

  /* live: a note's typing, the note, then a visible answer */
  td_channel_typing (alice.channel, line_id, TRUE);
  send_note (&alice, line_id, SECRET " 1: VIP, offer an upgrade");
  g_free (td_channel_send_text (alice.channel, line_id, "Yes! How can I help?"));
  nw = (NoteWait) { &bob, line_id, 1 };
  wait_until (has_notes, &nw, "the note at bob (long-poll)");
  g_assert_cmpuint (bob.typing_note, >=, 1);
  td_test_wait_text (cust_ws.store, line_id, "Yes! How can I help?");
  td_test_wait_text (cust_poll.store, line_id, "Yes! How can I help?");

  /* more traffic: the first note falls out of the last-20 snapshot */
  for (int i = 0; i < 24; i++)
    {
      g_autofree char *text = g_strdup_printf ("answer %d", i);

      g_free (td_channel_send_text (alice.channel, line_id, text));
      if (i == 3)
        send_note (&alice, line_id, SECRET " 2: refund approved");
    }
  td_test_wait_text (cust_ws.store, line_id, "answer 23");
  td_test_wait_text (cust_poll.store, line_id, "answer 23");
  nw = (NoteWait) { &bob, line_id, 2 };
  wait_until (has_notes, &nw, "both notes at bob");
  g_assert_cmpuint (count_notes (&alice, line_id), ==, 2);

  /* the replay after a reconnect with the old cursor */
  client_open (&cust_replay, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  td_test_wait_text (cust_replay.store, line_id, "answer 23");

  /* a fresh customer cache: the snapshot, then every history page */
  client_open (&cust_fresh, &s, "demo-cust-3", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  td_test_wait_text (cust_fresh.store, line_id, "answer 23");
  {
    g_autoptr(TdMessageList) list = td_message_list_new (cust_fresh.store, line_id);

    wait_until (list_complete, list, "every history page");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 26);
  }

  /* a ping round trip later, still no note's typing at any customer */
  td_test_iterate_for (NULL, 300);
  assert_no_note (&cust_ws, line_id, 26);
  assert_no_note (&cust_poll, line_id, 26);
  assert_no_note (&cust_replay, line_id, 26);
  assert_no_note (&cust_fresh, line_id, 26);
  g_assert_cmpuint (cust_ws.typing_note, ==, 0);
  g_assert_cmpuint (cust_poll.typing_note, ==, 0);

  /* a customer may not write one */
  send_note (&cust_ws, line_id, SECRET " from a customer");
  wait_errors (&cust_ws, 0, "the customer's note refused");
  g_assert_cmpuint (count_notes (&alice, line_id), ==, 2);

  td_test_client_free (&cust_fresh);
  td_test_client_free (&cust_replay);
  td_test_client_free (&cust_poll);
  td_test_client_free (&cust_ws);
  td_test_client_free (&bob);
  td_test_client_free (&alice);
  td_test_server_free (&s);
  g_rmdir (dir);
}

typedef struct
{
  TdTestClient *client;
  const char   *line_id;
  int           state;
  const char   *assignee;       /* "-" = none */
  gint64        snooze_until;   /* -1: any */
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
wait_line (TdTestClient *c,
           const char   *line_id,
           int           state,
           const char   *assignee,
           gint64        snooze_until,
           const char   *what)
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
  TdTestServer s = { 0, };
  TdTestClient alice = { 0, }, bob = { 0, }, cust = { 0, };
  g_autofree char *line_id = NULL;
  gint64 until;
  guint errors;

  td_test_server_start (&s, "UTC");
  client_open (&alice, &s, "demo-op-alice", NULL, TD_TRANSPORT_POLICY_WEBSOCKET);
  client_open (&bob, &s, "demo-op-bob", NULL, TD_TRANSPORT_POLICY_LONG_POLL);
  client_open (&cust, &s, "demo-cust-4", NULL, TD_TRANSPORT_POLICY_AUTO);

  line_id = td_test_client_open_line (&cust, "m_skyline");
  g_free (td_channel_send_text (cust.channel, line_id, "Can I change my tour date?"));
  td_test_wait_text (bob.store, line_id, "Can I change my tour date?");

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
  wait_errors (&alice, errors, "the assignment refused");
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
  td_test_iterate_for (NULL, 1000);
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

  td_test_client_free (&cust);
  td_test_client_free (&bob);
  td_test_client_free (&alice);
  td_test_server_free (&s);
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

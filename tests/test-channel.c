/* test-channel.c — TdChannel + TdStore against the real server: the fault matrix
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every case asserts zero loss, zero duplicates and per-line order at the
 * store (line_seq 1..N, each text once), for the customer who sent and the
 * operator who receives.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-channel.h"
#include "td-transport.h"
#include "td-server.h"
#include "td-json.h"
#include "td-message-list.h"
#include "td-test-e2e.h"

#define TIMEOUT_MS 30000

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))

/* ---- helpers ----------------------------------------------------------------- */

static gboolean
outbox_empty (gpointer data)
{
  TdTestClient *c = data;
  g_autoptr(GPtrArray) rows = td_store_dup_outbox (c->store);

  return rows->len == 0;
}

/* Zero loss, zero duplicates, per-line order: line_seq 1..n in order and
 * each expected text exactly once. */
static void
assert_line_complete (TdTestClient *c,
                      const char   *line_id,
                      GPtrArray    *texts)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean more = TRUE;
  guint stored = 0;

  td_store_sync (c->store);
  page = td_store_load_messages_sync (c->store, line_id, NULL, 100000, &more, &error);
  g_assert_no_error (error);
  g_assert_false (more);
  for (guint i = 0; i < page->len; i++)
    {
      TdMessage *m = g_ptr_array_index (page, i);
      JsonObject *body = td_message_get_body (m);
      const char *text;

      if (td_message_get_id (m) == 0)
        continue;   /* an outbox row */
      g_assert_cmpint (td_message_get_line_seq (m), ==, stored + 1);
      stored++;
      text = json_object_get_string_member_with_default (body, "text", "");
      g_assert_false (g_hash_table_contains (seen, text));
      g_hash_table_add (seen, (gpointer) text);
    }
  g_assert_cmpuint (stored, ==, texts->len);
  for (guint i = 0; i < texts->len; i++)
    g_assert_true (g_hash_table_contains (seen, g_ptr_array_index (texts, i)));
  g_assert_cmpint (td_store_count_messages_sync (c->store, line_id), ==, texts->len);
}

static char *
send_numbered (TdTestClient *c,
               const char   *line_id,
               GPtrArray    *texts,
               const char   *tag)
{
  char *text = g_strdup_printf ("%s message %u: is the lake view room free?", tag, texts->len + 1);
  g_autofree char *rid = td_channel_send_text (c->channel, line_id, text);

  g_assert_true (td_random_id_is_valid (rid));
  g_ptr_array_add (texts, text);
  return g_steal_pointer (&rid);
}

typedef struct
{
  TdTestClient *client;
  const char   *random_id;
} RowWait;

static gboolean
row_gone (gpointer data)
{
  RowWait *w = data;

  return td_store_outbox_lookup (w->client->store, w->random_id) == NULL;
}

static gboolean
outbox_only_failed (gpointer data)
{
  TdTestClient *c = data;
  g_autoptr(GPtrArray) rows = td_store_dup_outbox (c->store);

  for (guint i = 0; i < rows->len; i++)
    if (td_message_get_delivery (g_ptr_array_index (rows, i)) != TD_DELIVERY_FAILED)
      return FALSE;
  return TRUE;
}

static gboolean
row_failed (gpointer data)
{
  RowWait *w = data;
  TdMessage *row = td_store_outbox_lookup (w->client->store, w->random_id);

  g_assert_nonnull (row);
  return td_message_get_delivery (row) == TD_DELIVERY_FAILED;
}

/* ---- cases -------------------------------------------------------------------- */

/* The connection dropped every k messages (server side, abruptly). */
static void
run_drop_every_k (TdTransportPolicy policy,
                  gboolean          server_side,
                  const char       *tag)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;
  const guint n = 40, k = 7;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-1", NULL);
  td_test_client_open (&alice, &s, "demo-op-alice", NULL);
  td_channel_set_transport_policy (cust.channel, policy);
  td_channel_set_transport_policy (alice.channel, policy);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  wait_until (td_test_client_is_online, &alice, "alice online");
  g_assert_cmpstr (td_channel_get_transport (cust.channel), ==,
                   policy == TD_TRANSPORT_POLICY_LONG_POLL ? "long-poll" : "websocket");
  g_assert_cmpstr (td_channel_get_me_id (alice.channel), ==, "o_alice");
  line_id = td_test_client_open_line (&cust, "m_lakeside");

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *rid = send_numbered (&cust, line_id, texts, tag);

      if ((i + 1) % k == 0)
        {
          /* wait for this one to be acked or not: drop right after sending
           * half the time, after the ack the other half */
          if ((i / k) % 2 == 0)
            {
              RowWait w = { &cust, rid };

              wait_until (row_gone, &w, "an ack");
            }
          if (server_side)
            td_server_drop_connections (s.server);
          else
            {
              /* the client's side breaks: both sides of the line */
              td_channel_drop_connection (cust.channel);
              td_channel_drop_connection (alice.channel);
            }
        }
      else
        g_main_context_iteration (NULL, FALSE);
    }

  wait_until (outbox_empty, &cust, "the outbox to empty");
  td_test_wait_messages (cust.store, line_id, n);
  td_test_wait_messages (alice.store, line_id, n);
  assert_line_complete (&cust, line_id, texts);
  assert_line_complete (&alice, line_id, texts);
  g_assert_cmpint (td_line_get_last_seq (td_store_lookup_line (alice.store, line_id)), ==, n);

  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

static void
test_drop_every_k_ws (void)
{
  run_drop_every_k (TD_TRANSPORT_POLICY_WEBSOCKET, TRUE, "ws");
}

static void
test_drop_every_k_ws_client (void)
{
  run_drop_every_k (TD_TRANSPORT_POLICY_WEBSOCKET, FALSE, "ws-client");
}

static void
test_drop_every_k_poll_server (void)
{
  /* abandoned sessions, answers lost with the connection */
  run_drop_every_k (TD_TRANSPORT_POLICY_LONG_POLL, TRUE, "poll-server");
}

static void
test_drop_every_k_poll (void)
{
  /* client-side drops: abandoned polls, lost answers, new sessions */
  run_drop_every_k (TD_TRANSPORT_POLICY_LONG_POLL, FALSE, "poll");
}

/* The client "restarted" (channel and store destroyed and made again on the
 * same files) with a non-empty outbox. */
static void
test_restart_with_outbox (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;
  g_autofree char *dir = g_dir_make_tmp ("td-client-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "cust.db", NULL);

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-2", path);
  td_test_client_open (&alice, &s, "demo-op-alice", NULL);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  line_id = td_test_client_open_line (&cust, "m_lakeside");
  g_free (send_numbered (&cust, line_id, texts, "before"));
  wait_until (outbox_empty, &cust, "the first message acked");

  /* offline: composed messages wait in the outbox */
  td_channel_stop (cust.channel);
  for (int i = 0; i < 5; i++)
    g_free (send_numbered (&cust, line_id, texts, "offline"));
  /* and one sent while online whose ack we never see */
  td_test_client_go_online (&cust);
  g_free (send_numbered (&cust, line_id, texts, "in-flight"));
  td_test_client_close (&cust);

  /* the "restarted" app */
  td_test_client_open (&cust, &s, "demo-cust-2", NULL);
  {
    g_autoptr(GPtrArray) rows = td_store_dup_outbox (cust.store);

    /* the in-flight one may have been acked before we closed */
    g_assert_cmpuint (rows->len, >=, 1);
    g_assert_cmpuint (rows->len, <=, 7);
  }
  td_channel_start (cust.channel);
  wait_until (outbox_empty, &cust, "the outbox to empty after the restart");
  td_test_wait_messages (cust.store, line_id, texts->len);
  td_test_wait_messages (alice.store, line_id, texts->len);
  assert_line_complete (&cust, line_id, texts);
  assert_line_complete (&alice, line_id, texts);

  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
  g_rmdir (dir);
}

/* The server killed and restarted on the same database mid-stream (and a
 * planned restart with retry_within_ms). */
static void
run_server_restart_policy (gboolean          planned,
                           TdTransportPolicy policy)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-3", NULL);
  td_test_client_open (&alice, &s, "demo-op-alice", NULL);
  td_channel_set_transport_policy (cust.channel, policy);
  td_channel_set_transport_policy (alice.channel, policy);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  wait_until (td_test_client_is_online, &alice, "alice online");
  line_id = td_test_client_open_line (&cust, "m_skyline");

  for (int round = 0; round < 3; round++)
    {
      for (int i = 0; i < 6; i++)
        {
          g_free (send_numbered (&cust, line_id, texts, planned ? "planned" : "killed"));
          g_main_context_iteration (NULL, FALSE);
        }
      if (planned)
        td_server_shutdown (s.server, 300);
      else
        td_server_drop_connections (s.server);
      g_clear_object (&s.server);
      /* a few sends while the server is gone */
      for (int i = 0; i < 2; i++)
        g_free (send_numbered (&cust, line_id, texts, "down"));
      td_test_server_start (&s, "UTC");
    }

  wait_until (outbox_empty, &cust, "the outbox to empty");
  td_test_wait_messages (alice.store, line_id, texts->len);
  td_test_wait_messages (cust.store, line_id, texts->len);
  assert_line_complete (&cust, line_id, texts);
  assert_line_complete (&alice, line_id, texts);

  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

static void
test_server_killed (void)
{
  run_server_restart_policy (FALSE, TD_TRANSPORT_POLICY_AUTO);
}

static void
test_server_planned_restart (void)
{
  run_server_restart_policy (TRUE, TD_TRANSPORT_POLICY_AUTO);
}

static void
test_server_planned_restart_poll (void)
{
  run_server_restart_policy (TRUE, TD_TRANSPORT_POLICY_LONG_POLL);
}

/* Duplicate deliveries: every frame a client received is delivered again. */
static gboolean
record_intercept (TdInterceptor *self,
                  TdBus         *bus,
                  TdBusFrame    *frame)
{
  GPtrArray *frames = g_object_get_data (G_OBJECT (self), "frames");

  if (frame->data)
    g_ptr_array_add (frames, g_strndup (frame->data, frame->len));
  else if (frame->object)
    g_ptr_array_add (frames, td_json_object_to_string (frame->object, NULL));
  return TRUE;
}

/* a tiny interceptor implemented in the test: a GObject with the interface */
#define TEST_TYPE_RECORDER (test_recorder_get_type ())
G_DECLARE_FINAL_TYPE (TestRecorder, test_recorder, TEST, RECORDER, GObject)
struct _TestRecorder { GObject parent_instance; };
static void test_recorder_iface_init (TdInterceptorInterface *iface) { iface->intercept = record_intercept; }
G_DEFINE_FINAL_TYPE_WITH_CODE (TestRecorder, test_recorder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, test_recorder_iface_init))
static void test_recorder_class_init (TestRecorderClass *klass) { }
static void test_recorder_init (TestRecorder *self) { }

typedef struct
{
  guint added;
  guint updated;
  guint commits;
} Commits;

static void
on_committed_cb (TdStore        *store,
                 TdStoreChanges *changes,
                 Commits        *c)
{
  c->commits++;
  c->added += changes->messages_added->len;
  c->updated += changes->messages_updated->len;
}

static void
test_duplicate_deliveries (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TestRecorder) recorder = g_object_new (TEST_TYPE_RECORDER, NULL);
  g_autofree char *line_id = NULL;
  Commits commits = { 0, };
  const TdBusMetrics *metrics;
  guint64 filtered_before;

  g_object_set_data (G_OBJECT (recorder), "frames", frames);
  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-4", NULL);
  td_test_client_open (&alice, &s, "demo-op-carol", NULL);
  /* record what carol receives, before parsing */
  td_bus_insert_interceptor (td_channel_get_bus (alice.channel), TD_INTERCEPTOR (recorder), 0);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  wait_until (td_test_client_is_online, &alice, "carol online");
  line_id = td_test_client_open_line (&cust, "m_harbor");
  for (int i = 0; i < 15; i++)
    g_free (send_numbered (&cust, line_id, texts, "dup"));
  wait_until (outbox_empty, &cust, "the outbox to empty");
  td_test_wait_messages (alice.store, line_id, texts->len);
  td_store_sync (alice.store);
  /* let the last commits be signalled */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);

  /* every frame again, through the whole chain: the filter drops the stream
   * events, the store upserts whatever else; nothing is added */
  g_signal_connect (alice.store, "committed", G_CALLBACK (on_committed_cb), &commits);
  metrics = td_bus_get_metrics (td_channel_get_bus (alice.channel));
  filtered_before = metrics->filtered;
  td_bus_remove_interceptor (td_channel_get_bus (alice.channel), TD_INTERCEPTOR (recorder));
  {
    guint n = frames->len;

    for (guint i = 0; i < n; i++)
      {
        const char *f = g_ptr_array_index (frames, i);
        g_autoptr(TdPacket) p = td_bus_push_data (td_channel_get_bus (alice.channel), f, strlen (f), "test");

        /* welcome is not replayed as a new session: skip its effects check */
        (void) p;
      }
  }
  g_assert_cmpuint (metrics->filtered, >, filtered_before);
  /* and straight into the store, bypassing the filter: upserts, no new rows */
  for (guint i = 0; i < frames->len; i++)
    {
      const char *f = g_ptr_array_index (frames, i);
      g_autoptr(TdPacket) p = td_packet_parse (f, strlen (f), TD_FROM_SERVER, NULL, NULL);

      if (p && (p->type == TD_PACKET_MSG || p->type == TD_PACKET_LINE || p->type == TD_PACKET_READ))
        td_store_apply_packet (alice.store, p, TRUE);
    }
  td_store_sync (alice.store);
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (commits.added, ==, 0);
  g_assert_cmpuint (commits.updated, ==, 0);
  assert_line_complete (&alice, line_id, texts);
  assert_line_complete (&cust, line_id, texts);

  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

/* WebSocket refused (503) → long-poll; then WebSocket back → switch, with
 * messages flowing throughout. */
static gboolean
on_websocket (gpointer data)
{
  TdTestClient *c = data;

  return g_strcmp0 (td_channel_get_transport (c->channel), "websocket") == 0 && td_test_client_is_online (c);
}

static gboolean
on_long_poll (gpointer data)
{
  TdTestClient *c = data;

  return g_strcmp0 (td_channel_get_transport (c->channel), "long-poll") == 0 && td_test_client_is_online (c);
}

static void
test_fallback_and_back (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;

  td_test_server_start (&s, "UTC");
  td_server_set_websocket_enabled (s.server, FALSE);
  td_test_client_open (&cust, &s, "demo-cust-5", NULL);
  td_test_client_open (&alice, &s, "demo-op-bob", NULL);
  td_channel_set_probe_interval (cust.channel, 300);
  td_channel_set_probe_interval (alice.channel, 300);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (on_long_poll, &cust, "the customer on long-poll");
  wait_until (on_long_poll, &alice, "bob on long-poll");
  line_id = td_test_client_open_line (&cust, "m_skyline");
  for (int i = 0; i < 10; i++)
    g_free (send_numbered (&cust, line_id, texts, "poll"));
  td_test_wait_messages (alice.store, line_id, texts->len);

  /* WebSocket works again: both switch back while messages flow */
  td_server_set_websocket_enabled (s.server, TRUE);
  for (int i = 0; i < 10; i++)
    {
      g_free (send_numbered (&cust, line_id, texts, "switch"));
      for (int j = 0; j < 20; j++)
        g_main_context_iteration (NULL, FALSE);
    }
  wait_until (on_websocket, &cust, "the customer back on WebSocket");
  wait_until (on_websocket, &alice, "bob back on WebSocket");
  for (int i = 0; i < 10; i++)
    g_free (send_numbered (&cust, line_id, texts, "ws"));

  wait_until (outbox_empty, &cust, "the outbox to empty");
  td_test_wait_messages (alice.store, line_id, texts->len);
  td_test_wait_messages (cust.store, line_id, texts->len);
  assert_line_complete (&cust, line_id, texts);
  assert_line_complete (&alice, line_id, texts);

  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

/* A permanent refusal leaves the row failed; retry and discard. */
static void
test_refused_send (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *line_id = NULL;
  g_autofree char *rid = NULL;
  TdMessage *row;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-6", NULL);
  td_test_client_go_online (&cust);
  line_id = td_test_client_open_line (&cust, "m_lakeside");

  /* a customer may not write notes: forbidden, for good */
  json_object_set_string_member (body, "text", "internal?");
  rid = td_channel_send (cust.channel, line_id, "note", body);
  {
    RowWait w = { &cust, rid };

    wait_until (row_failed, &w, "the note refused for good");
  }
  row = td_store_outbox_lookup (cust.store, rid);
  g_assert_nonnull (td_message_get_error (row));
  g_assert_cmpuint (cust.errors, >=, 1);
  /* still there after more traffic */
  g_free (send_numbered (&cust, line_id, texts, "fine"));
  td_test_wait_messages (cust.store, line_id, 1);
  g_assert_nonnull (td_store_outbox_lookup (cust.store, rid));
  g_assert_true (td_channel_discard_failed (cust.channel, rid));
  g_assert_null (td_store_outbox_lookup (cust.store, rid));
  g_assert_false (td_channel_discard_failed (cust.channel, rid));
  assert_line_complete (&cust, line_id, texts);

  td_test_client_free (&cust);
  td_test_server_free (&s);
}

/* A message too large for the protocol (a packet over 64 KiB) is refused
 * for good, `too_large`, by the channel itself (over 1 MiB the server could
 * not name it): the row fails, online or not, again on a retry; the
 * messages around it go through. */
static void
on_send_failed_cb (TdChannel    *channel,
                   const char   *random_id,
                   const GError *error,
                   GError      **first)
{
  if (*first == NULL)
    *first = g_error_copy (error);
}

static void
run_too_large (TdTransportPolicy policy,
               gsize             text_bytes)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;
  g_autofree char *rid = NULL;
  g_autofree char *huge = g_malloc (text_bytes + 1);
  g_autoptr(GError) refused = NULL;
  TdMessage *row;

  memset (huge, 'a', text_bytes);
  huge[text_bytes] = '\0';
  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-11", NULL);
  td_channel_set_transport_policy (cust.channel, policy);
  td_test_client_go_online (&cust);
  line_id = td_test_client_open_line (&cust, "m_lakeside");
  g_signal_connect (cust.channel, "send-failed", G_CALLBACK (on_send_failed_cb), &refused);
  g_free (send_numbered (&cust, line_id, texts, "before"));
  rid = td_channel_send_text (cust.channel, line_id, huge);
  g_free (send_numbered (&cust, line_id, texts, "after"));
  {
    RowWait w = { &cust, rid };

    wait_until (row_failed, &w, "the huge message refused for good");
  }
  row = td_store_outbox_lookup (cust.store, rid);
  g_test_message ("refused: %s", td_message_get_error (row));
  g_assert_nonnull (td_message_get_error (row));
  g_assert_error (refused, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE);
  td_test_wait_messages (cust.store, line_id, 2);
  wait_until (outbox_only_failed, &cust, "the others acked");
  assert_line_complete (&cust, line_id, texts);
  /* a retry is refused again, at once */
  g_clear_error (&refused);
  g_assert_true (td_channel_retry_failed (cust.channel, rid));
  {
    RowWait w = { &cust, rid };

    wait_until (row_failed, &w, "the retry refused again");
  }
  g_assert_error (refused, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE);
  g_assert_true (td_channel_discard_failed (cust.channel, rid));
  g_assert_null (td_store_outbox_lookup (cust.store, rid));

  /* offline: refused as it is written */
  td_channel_stop (cust.channel);
  g_clear_error (&refused);
  g_free (rid);
  rid = td_channel_send_text (cust.channel, line_id, huge);
  g_assert_cmpint (td_message_get_delivery (td_store_outbox_lookup (cust.store, rid)), ==, TD_DELIVERY_FAILED);
  g_assert_error (refused, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE);

  td_test_client_free (&cust);
  td_test_server_free (&s);
}

static void
test_too_large_ws (void)
{
  run_too_large (TD_TRANSPORT_POLICY_WEBSOCKET, 100 * 1024);
}

static void
test_too_large_ws_over_1m (void)
{
  run_too_large (TD_TRANSPORT_POLICY_WEBSOCKET, 1200 * 1024);
}

static void
test_too_large_poll_over_1m (void)
{
  run_too_large (TD_TRANSPORT_POLICY_LONG_POLL, 1200 * 1024);
}

/* A bad token: offline, an unauthorized error, no retry loop. */
static gboolean
is_offline (gpointer data)
{
  TdTestClient *c = data;

  return td_channel_get_state (c->channel) == TD_CHANNEL_STATE_OFFLINE;
}

static void
test_unauthorized (void)
{
  TdTestServer s = { 0, };
  TdTestClient c = { 0, };

  td_test_server_start (&s, "UTC");
  td_test_client_open (&c, &s, "not-a-token", NULL);
  td_channel_start (c.channel);
  wait_until (is_offline, &c, "the channel to give up");
  g_assert_cmpuint (c.errors, >=, 1);
  td_test_client_free (&c);
  td_test_server_free (&s);
}

/* A transient refusal (`internal`): the row stays pending and goes again. */
static void
test_transient_refusal (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;
  g_autofree char *rid = NULL;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-10", NULL);
  td_test_client_go_online (&cust);
  line_id = td_test_client_open_line (&cust, "m_harbor");
  td_server_inject_internal_error (s.server, TRUE);
  rid = send_numbered (&cust, line_id, texts, "transient");
  {
    RowWait w = { &cust, rid };

    wait_until (row_gone, &w, "the retried send acked");
  }
  g_assert_cmpuint (cust.errors, >=, 1);   /* the `internal` was shown */
  td_test_wait_messages (cust.store, line_id, 1);
  assert_line_complete (&cust, line_id, texts);

  td_test_client_free (&cust);
  td_test_server_free (&s);
}

/* A burst of sends beyond the server's rate limit: paced, never refused. */
static void
test_paced_burst (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-9", NULL);
  td_test_client_go_online (&cust);
  line_id = td_test_client_open_line (&cust, "m_lakeside");
  for (int i = 0; i < 140; i++)
    g_free (send_numbered (&cust, line_id, texts, "burst"));
  wait_until (outbox_empty, &cust, "140 messages acked");
  td_test_wait_messages (cust.store, line_id, texts->len);
  assert_line_complete (&cust, line_id, texts);
  g_assert_cmpuint (cust.errors, ==, 0);   /* no rate_limited */

  td_test_client_free (&cust);
  td_test_server_free (&s);
}

/* Gaps in line_seq are filled with history. */
static void
test_gap_filled (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  TdTestClient alice2 = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) all = NULL;
  g_autofree char *line_id = NULL;
  gint64 cursor = 0;
  TdLine *line;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-7", NULL);
  td_test_client_open (&alice, &s, "demo-op-alice", NULL);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  wait_until (td_test_client_is_online, &alice, "alice online");
  line_id = td_test_client_open_line (&cust, "m_lakeside");
  for (int i = 0; i < 30; i++)
    g_free (send_numbered (&cust, line_id, texts, "gap"));
  td_test_wait_messages (alice.store, line_id, 30);
  td_store_sync (alice.store);
  g_assert_true (td_store_get_cursor (alice.store, &cursor));
  all = td_store_load_messages_sync (alice.store, line_id, NULL, 100, NULL, NULL);
  g_assert_cmpuint (all->len, ==, 30);
  line = td_store_lookup_line (alice.store, line_id);

  /* a cache that holds 1–2 and 25–30 and is up to date otherwise */
  td_test_client_open (&alice2, &s, "demo-op-alice", NULL);
  td_store_set_me (alice2.store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  {
    g_autoptr(TdPacket) lp = td_packet_new_line (TRUE, 1, line);

    td_store_apply_packet (alice2.store, lp, FALSE);
  }
  for (guint i = 0; i < all->len; i++)
    {
      TdMessage *m = g_ptr_array_index (all, i);
      gint64 seq = td_message_get_line_seq (m);

      if (seq <= 2 || seq >= 25)
        {
          g_autoptr(TdPacket) mp = td_packet_new_msg (1, m);

          td_store_apply_packet (alice2.store, mp, FALSE);
        }
    }
  td_store_advance_cursor (alice2.store, cursor);
  td_test_client_go_online (&alice2);
  td_test_wait_messages (alice2.store, line_id, 30);
  assert_line_complete (&alice2, line_id, texts);

  td_test_client_free (&alice2);
  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

/* The operator's requests: read marks, typing (throttled), state, assignee,
 * history on demand through the message list, a refused open. */
typedef struct
{
  TdTestClient *client;
  const char   *line_id;
  int           unread;
  int           state;
  const char   *assignee;
} LineWait;

static gboolean
line_is (gpointer data)
{
  LineWait *w = data;
  TdLine *l = td_store_lookup_line (w->client->store, w->line_id);

  if (l == NULL)
    return FALSE;
  if (w->unread >= 0 && td_line_get_unread (l) != w->unread)
    return FALSE;
  if (w->state >= 0 && (int) td_line_get_state (l) != w->state)
    return FALSE;
  if (w->assignee && g_strcmp0 (td_line_get_assignee (l), w->assignee) != 0)
    return FALSE;
  return TRUE;
}

static gboolean
typing_seen (gpointer data)
{
  return ((TdTestClient *) data)->typing > 0;
}

static gboolean
list_loaded (gpointer data)
{
  return !td_message_list_get_loading (data);
}

typedef struct
{
  TdMessageList *list;
  guint          before;
} ListGrowth;

static gboolean
list_grew (gpointer data)
{
  ListGrowth *g = data;

  return g_list_model_get_n_items (G_LIST_MODEL (g->list)) != g->before;
}

static gboolean
list_has_25 (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (data)) >= 25;
}

static void
test_requests (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, };
  TdTestClient alice = { 0, };
  TdTestClient bob = { 0, };
  TdTestClient alice2 = { 0, };
  g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *line_id = NULL;
  LineWait w;
  g_autoptr(TdLine) bad = NULL;
  g_autoptr(GError) error = NULL;

  td_test_server_start (&s, "UTC");
  td_test_client_open (&cust, &s, "demo-cust-8", NULL);
  td_test_client_open (&alice, &s, "demo-op-alice", NULL);
  td_test_client_open (&bob, &s, "demo-op-bob", NULL);
  td_channel_start (cust.channel);
  td_channel_start (alice.channel);
  td_channel_start (bob.channel);
  wait_until (td_test_client_is_online, &cust, "the customer online");
  wait_until (td_test_client_is_online, &alice, "alice online");
  wait_until (td_test_client_is_online, &bob, "bob online");
  g_assert_cmpstr (td_channel_get_me_role (alice.channel), ==, "operator");
  g_assert_cmpstr (td_channel_get_merchant_name (alice.channel, "m_lakeside"), ==, "Lakeside Hotel");
  g_assert_cmpuint (g_strv_length ((char **) td_channel_get_merchants (alice.channel)), ==, 2);

  /* an unknown merchant: refused, the task fails */
  bad = td_test_open_line (cust.channel, "m_nowhere", &error);
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_NOT_FOUND);
  g_assert_null (bad);

  line_id = td_test_client_open_line (&cust, "m_skyline");
  for (int i = 0; i < 3; i++)
    g_free (send_numbered (&cust, line_id, texts, "req"));
  w = (LineWait) { &alice, line_id, 3, TD_LINE_STATE_OPEN, NULL };
  wait_until (line_is, &w, "three unread at alice");
  g_assert_cmpint (td_line_get_waiting_since (td_store_lookup_line (alice.store, line_id)), >, 0);

  /* alice reads: unread goes for every operator of the merchant */
  td_channel_mark_read (alice.channel, line_id, 3);
  w = (LineWait) { &alice, line_id, 0, -1, NULL };
  wait_until (line_is, &w, "alice's unread cleared");
  w = (LineWait) { &bob, line_id, 0, -1, NULL };
  wait_until (line_is, &w, "bob's unread cleared");

  /* typing: the second within 3 s is not sent */
  g_assert_cmpuint (alice.typing, ==, 0);
  td_channel_typing (cust.channel, line_id, FALSE);
  td_channel_typing (cust.channel, line_id, FALSE);
  wait_until (typing_seen, &alice, "the typing indicator");
  /* a ping round trip later, still one */
  td_channel_request_history (cust.channel, line_id, 0, 1);
  td_test_iterate_for (NULL, 100);
  g_assert_cmpuint (alice.typing, ==, 1);
  g_assert_cmpstr (alice.typing_who, ==, "c_8");

  /* state and assignee */
  td_channel_set_line_state (alice.channel, line_id, TD_LINE_STATE_PENDING, 0);
  w = (LineWait) { &bob, line_id, -1, TD_LINE_STATE_PENDING, NULL };
  wait_until (line_is, &w, "the line pending at bob");
  td_channel_assign (alice.channel, line_id, "o_bob");
  w = (LineWait) { &bob, line_id, -1, TD_LINE_STATE_PENDING, "o_bob" };
  wait_until (line_is, &w, "the line assigned to bob");
  /* the customer writes: open again */
  g_free (send_numbered (&cust, line_id, texts, "req"));
  w = (LineWait) { &alice, line_id, -1, TD_LINE_STATE_OPEN, "o_bob" };
  wait_until (line_is, &w, "the line reopened");

  /* history on demand: a fresh cache gets the last 20, the list asks for more */
  for (int i = 0; i < 21; i++)
    g_free (send_numbered (&cust, line_id, texts, "older"));
  wait_until (outbox_empty, &cust, "the outbox to empty");
  td_test_wait_messages (alice.store, line_id, texts->len);
  td_test_client_open (&alice2, &s, "demo-op-alice", NULL);
  td_test_client_go_online (&alice2);
  {
    g_autoptr(TdMessageList) list = NULL;

    td_store_sync (alice2.store);
    for (int i = 0; i < 20; i++)
      g_main_context_iteration (NULL, FALSE);
    list = td_message_list_new (alice2.store, line_id);
    wait_until (list_loaded, list, "the first page");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), <, texts->len);
    g_assert_true (td_message_list_get_has_more (list));
    while (td_message_list_get_has_more (list))
      {
        ListGrowth g = { list, g_list_model_get_n_items (G_LIST_MODEL (list)) };

        td_message_list_load_older (list);
        wait_until (list_grew, &g, "an older page");
      }
    wait_until (list_has_25, list, "the whole line in the list");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, texts->len);
  }
  assert_line_complete (&alice2, line_id, texts);

  td_test_client_free (&alice2);
  td_test_client_free (&bob);
  td_test_client_free (&cust);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/e2e/drop-every-k/websocket", test_drop_every_k_ws);
  g_test_add_func ("/tripdesk/e2e/drop-every-k/websocket-client-side", test_drop_every_k_ws_client);
  g_test_add_func ("/tripdesk/e2e/drop-every-k/long-poll", test_drop_every_k_poll);
  g_test_add_func ("/tripdesk/e2e/drop-every-k/long-poll-server-side", test_drop_every_k_poll_server);
  g_test_add_func ("/tripdesk/e2e/client-restart-with-outbox", test_restart_with_outbox);
  g_test_add_func ("/tripdesk/e2e/server-killed", test_server_killed);
  g_test_add_func ("/tripdesk/e2e/server-planned-restart", test_server_planned_restart);
  g_test_add_func ("/tripdesk/e2e/server-planned-restart-long-poll", test_server_planned_restart_poll);
  g_test_add_func ("/tripdesk/e2e/duplicate-deliveries", test_duplicate_deliveries);
  g_test_add_func ("/tripdesk/e2e/websocket-refused-and-back", test_fallback_and_back);
  g_test_add_func ("/tripdesk/e2e/refused-send", test_refused_send);
  g_test_add_func ("/tripdesk/e2e/unauthorized", test_unauthorized);
  g_test_add_func ("/tripdesk/e2e/gap-filled-with-history", test_gap_filled);
  g_test_add_func ("/tripdesk/e2e/requests", test_requests);
  g_test_add_func ("/tripdesk/e2e/paced-burst", test_paced_burst);
  g_test_add_func ("/tripdesk/e2e/transient-refusal", test_transient_refusal);
  g_test_add_func ("/tripdesk/e2e/too-large/websocket", test_too_large_ws);
  g_test_add_func ("/tripdesk/e2e/too-large/websocket-over-1m", test_too_large_ws_over_1m);
  g_test_add_func ("/tripdesk/e2e/too-large/long-poll-over-1m", test_too_large_poll_over_1m);

  return g_test_run ();
}

/* test-sim.c — the simulator: its content, and runs against the real server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The content generator is checked offline (every body valid, every kind,
 * Chinese, seeded).  The runs put the server in-process on 127.0.0.1 port 0
 * with a fresh --demo database, and check the simulator's own verification
 * (zero loss, zero duplicates, gapless lines) against what the operators
 * Alice, Bob and Carol — real TdChannel + TdStore clients — received: every
 * customer message of their merchants exactly once.  The operators answer,
 * so the customers' answers are exercised too.  The CLI runs as a
 * subprocess against the in-process server.
 */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "td-sim.h"
#include "td-server.h"
#include "td-json.h"
#include "td-test-e2e.h"

#define TIMEOUT_MS 45000

/* ---- helpers ---------------------------------------------------------------- */

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))

/* After the clients are gone: let the server see every connection close
 * (libsoup 3.2 keeps an accepted socket it never saw closing). */
static void
server_free (TdTestServer *s)
{
  if (s->server != NULL)
    td_test_server_settle (s);
  td_test_server_free (s);
}

static gboolean
refcount_is_one (gpointer data)
{
  return G_OBJECT (data)->ref_count == 1;
}

/* Lets pending callbacks (open answers, soup completions) drop their refs. */
static void
finalize_sim (TdSim *sim)
{
  td_sim_stop (sim);
  wait_until (refcount_is_one, sim, "the simulator's callbacks to finish");
  g_assert_finalize_object (sim);
}

/* ---- content ------------------------------------------------------------------ */

static const char * const customer_kinds[] = {
  "text", "image", "order", "hotel", "flight", "quick", "rating", NULL
};

static void
check_body (const char *kind,
            JsonObject *body)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdPacket) send = NULL;
  g_autoptr(TdPacket) parsed = NULL;
  g_autofree char *wire = NULL;
  gsize len;

  g_assert_nonnull (kind);
  g_assert_nonnull (body);
  g_assert_true (g_strv_contains (customer_kinds, kind));
  g_assert_true (td_message_validate_body (td_kind_from_string (kind), body, &error));
  g_assert_no_error (error);

  /* and as the server reads it: one strict client packet under 64 KiB */
  send = td_packet_new_send ("abcdefghijklmnop1234", "ml_test", kind, body);
  wire = td_packet_to_json (send, &len);
  g_assert_cmpuint (len, <=, TD_MAX_CLIENT_PACKET);
  parsed = td_packet_parse (wire, len, TD_FROM_CLIENT, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
}

static gboolean
has_cjk (const char *s)
{
  for (const char *p = s; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c >= 0x4E00 && c <= 0x9FFF)
        return TRUE;
    }
  return FALSE;
}

static void
test_content_valid (void)
{
  g_autoptr(GHashTable) kinds = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) merchants = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GDate today;
  gboolean chinese_seen = FALSE, booking_zh = FALSE, order_ref = FALSE, hotel_ref = FALSE;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 28, G_DATE_DECEMBER, 2026);   /* dates cross a year end */

  for (guint32 seed = 1; seed <= 150; seed++)
    for (guint t = 0; t < TD_SIM_N_TOPICS; t++)
      for (int zh = 0; zh <= 1; zh++)
        {
          g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
          g_autoptr(TdSimScript) s = td_sim_script_new (rand, t, zh, t == TD_SIM_TOPIC_CHAT ? "c_7" : NULL,
                                                        seed % 2 ? &today : NULL);
          const char *kind;
          JsonObject *body;
          guint n = 0;

          /* the line it goes to */
          if (t == TD_SIM_TOPIC_CHAT)
            {
              g_assert_cmpstr (td_sim_script_get_object_id (s), ==, "c_7");
              g_assert_null (td_sim_script_get_merchant (s));
              g_assert_cmpint (td_sim_script_get_busi (s), ==, TD_BUSI_CHAT);
            }
          else
            {
              g_autofree char *m = td_object_id_dup_merchant (td_sim_script_get_object_id (s));

              g_assert_cmpstr (m, ==, td_sim_script_get_merchant (s));
              g_assert_true (g_strv_contains (td_sim_merchants, m));
              g_hash_table_add (merchants, g_strdup (td_sim_script_get_merchant (s)));
              g_assert_cmpint (td_sim_script_get_busi (s), ==,
                               t == TD_SIM_TOPIC_COMPLAINT || t == TD_SIM_TOPIC_RATING ?
                               TD_BUSI_FEEDBACK : TD_BUSI_INQUIRY);
              if (strstr (td_sim_script_get_object_id (s), "/order/TD-"))
                order_ref = TRUE;
              if (g_str_has_prefix (td_sim_script_get_object_id (s), "m_lakeside/hotel/"))
                hotel_ref = TRUE;
            }
          g_assert_cmpint (td_sim_script_get_chinese (s), ==, zh);

          g_assert_false (td_sim_script_is_done (s));
          while (td_sim_script_next (s, rand, &kind, &body))
            {
              check_body (kind, body);
              g_hash_table_add (kinds, (gpointer) kind);
              if (json_object_has_member (body, "text") &&
                  has_cjk (json_object_get_string_member (body, "text")))
                chinese_seen = TRUE;
              if (json_object_has_member (body, "text") &&
                  strstr (json_object_get_string_member (body, "text"), "我想预订酒店的房间"))
                booking_zh = TRUE;
              json_object_unref (body);
              n++;
            }
          g_assert_cmpuint (n, >=, 1);
          g_assert_true (td_sim_script_is_done (s));
          g_assert_false (td_sim_script_next (s, rand, &kind, &body));

          td_sim_script_follow_up (s, rand, &kind, &body);
          check_body (kind, body);
          json_object_unref (body);
        }

  /* every customer-sendable kind, every merchant, Chinese */
  for (guint i = 0; customer_kinds[i]; i++)
    g_assert_true (g_hash_table_contains (kinds, customer_kinds[i]));
  for (guint i = 0; td_sim_merchants[i]; i++)
    g_assert_true (g_hash_table_contains (merchants, td_sim_merchants[i]));
  g_assert_true (chinese_seen);
  g_assert_true (booking_zh);
  g_assert_true (order_ref);
  g_assert_true (hotel_ref);
}

static char *
run_script (guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  GString *out = g_string_new (NULL);
  GDate today;

  g_date_clear (&today, 1);
  g_date_set_dmy (&today, 1, G_DATE_MARCH, 2027);
  for (int i = 0; i < 20; i++)
    {
      TdSimTopic t = td_sim_topic_pick (rand, TRUE);
      g_autoptr(TdSimScript) s = td_sim_script_new (rand, t, g_rand_boolean (rand), "c_2", &today);
      const char *kind;
      JsonObject *body;

      g_string_append_printf (out, "%s %s\n", td_sim_topic_to_string (t), td_sim_script_get_object_id (s));
      while (td_sim_script_next (s, rand, &kind, &body))
        {
          g_autofree char *json = td_json_object_to_string (body, NULL);

          g_string_append_printf (out, "  %s %s\n", kind, json);
          json_object_unref (body);
        }
    }
  return g_string_free (out, FALSE);
}

static void
test_content_seeded (void)
{
  g_autofree char *a = run_script (42);
  g_autofree char *b = run_script (42);
  g_autofree char *c = run_script (43);

  g_assert_cmpstr (a, ==, b);
  g_assert_cmpstr (a, !=, c);
  g_test_message ("seed 42:\n%s", a);
}

static void
test_content_topics (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  guint counts[TD_SIM_N_TOPICS] = { 0, };

  for (int i = 0; i < 5000; i++)
    counts[td_sim_topic_pick (rand, FALSE)]++;
  g_assert_cmpuint (counts[TD_SIM_TOPIC_CHAT], ==, 0);
  for (guint t = 0; t < TD_SIM_TOPIC_CHAT; t++)
    {
      g_assert_cmpuint (counts[t], >, 0);
      g_assert_nonnull (td_sim_topic_to_string (t));
    }
  /* inquiries mostly, feedback sometimes */
  g_assert_cmpuint (counts[TD_SIM_TOPIC_COMPLAINT] + counts[TD_SIM_TOPIC_RATING], <, 5000 / 4);

  memset (counts, 0, sizeof counts);
  for (int i = 0; i < 5000; i++)
    counts[td_sim_topic_pick (rand, TRUE)]++;
  g_assert_cmpuint (counts[TD_SIM_TOPIC_CHAT], >, 0);
  g_assert_cmpuint (counts[TD_SIM_TOPIC_CHAT], <, 5000 / 10);
}

static JsonObject *
parse (const char *json)
{
  g_autoptr(GError) error = NULL;
  JsonObject *o = td_json_parse_object (json, strlen (json), &error);

  g_assert_no_error (error);
  return o;
}

static void
reply_to (TdSimScript *s,
          GRand       *rand,
          const char  *in_kind,
          const char  *in_json,
          const char  *expect_kind,
          JsonObject **out)
{
  g_autoptr(JsonObject) in = parse (in_json);
  const char *kind = NULL;
  JsonObject *body = NULL;

  td_sim_script_reply (s, rand, in_kind, in, &kind, &body);
  check_body (kind, body);
  g_assert_cmpstr (kind, ==, expect_kind);
  if (out)
    *out = body;
  else
    json_object_unref (body);
}

static void
test_content_reply (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  g_autoptr(TdSimScript) s = td_sim_script_new (rand, TD_SIM_TOPIC_ROOM_CHANGE, FALSE, NULL, NULL);
  g_autoptr(TdSimScript) zh = td_sim_script_new (rand, TD_SIM_TOPIC_HOTEL_BOOKING, TRUE, NULL, NULL);
  g_autoptr(TdSimScript) chat = td_sim_script_new (rand, TD_SIM_TOPIC_CHAT, FALSE, "c_3", NULL);
  JsonObject *body = NULL;

  /* a quick reply: one of its options, as text */
  for (int i = 0; i < 20; i++)
    {
      const char *t;

      reply_to (s, rand, "quick", "{\"text\":\"Which time suits you?\",\"options\":[\"09:00\",\"14:00\",\"18:30\"]}",
                "text", &body);
      t = json_object_get_string_member (body, "text");
      g_assert_true (g_str_equal (t, "09:00") || g_str_equal (t, "14:00") || g_str_equal (t, "18:30"));
      json_object_unref (body);
    }
  /* asked for the order, a photo, the flight, a rating */
  reply_to (s, rand, "text", "{\"text\":\"Could you send me your order number, please?\"}", "order", &body);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (body, "order_no"), "TD-"));
  json_object_unref (body);
  reply_to (s, rand, "text", "{\"text\":\"Can you send a photo of the damage?\"}", "image", NULL);
  reply_to (s, rand, "text", "{\"text\":\"Please share your flight details.\"}", "flight", NULL);
  reply_to (s, rand, "text", "{\"text\":\"Would you rate your stay with us?\"}", "rating", NULL);
  reply_to (zh, rand, "text", "{\"text\":\"请发一下订单号\"}", "order", NULL);
  /* otherwise a short text, in the customer's language */
  reply_to (s, rand, "text", "{\"text\":\"Your room is upgraded.\"}", "text", NULL);
  reply_to (s, rand, "hotel", "{\"name\":\"Lakeside Hotel\",\"city\":\"Hangzhou\",\"checkin\":\"2027-01-02\","
            "\"checkout\":\"2027-01-04\",\"room\":\"twin\",\"price\":880,\"currency\":\"CNY\"}", "text", NULL);
  reply_to (zh, rand, "text", "{\"text\":\"已为您安排。\"}", "text", &body);
  g_assert_true (has_cjk (json_object_get_string_member (body, "text")));
  json_object_unref (body);
  reply_to (chat, rand, "text", "{\"text\":\"Send me a photo of your order?\"}", "text", NULL);
  /* odd input: still a valid answer */
  reply_to (s, rand, "quick", "{\"text\":\"?\",\"options\":[]}", "text", NULL);
  reply_to (s, rand, "quick", "{\"text\":\"?\",\"options\":[7]}", "text", NULL);
  reply_to (s, rand, "rating", "{\"score\":5}", "text", NULL);
  reply_to (s, rand, "text", "{\"text\":7}", "text", NULL);
}

static void
test_transport_names (void)
{
  TdSimTransport t = TD_SIM_TRANSPORT_AUTO;

  g_assert_true (td_sim_transport_from_string ("ws", &t));
  g_assert_cmpint (t, ==, TD_SIM_TRANSPORT_WEBSOCKET);
  g_assert_true (td_sim_transport_from_string ("poll", &t));
  g_assert_cmpint (t, ==, TD_SIM_TRANSPORT_LONG_POLL);
  g_assert_true (td_sim_transport_from_string ("mixed", &t));
  g_assert_cmpint (t, ==, TD_SIM_TRANSPORT_MIXED);
  g_assert_true (td_sim_transport_from_string ("auto", &t));
  g_assert_cmpint (t, ==, TD_SIM_TRANSPORT_AUTO);
  g_assert_false (td_sim_transport_from_string ("carrier-pigeon", &t));
  g_assert_false (td_sim_transport_from_string (NULL, &t));
  g_assert_cmpstr (td_sim_transport_to_string (TD_SIM_TRANSPORT_MIXED), ==, "mixed");
}

/* ---- operators ------------------------------------------------------------------ */

typedef struct
{
  const char *token;
  const char *uid;
  const char *answers;    /* the merchant this operator answers on (one each) */
  TdStore    *store;
  TdChannel  *channel;
  GHashTable *answered;   /* line ids */
  GHashTable *merchant_of; /* line id → merchant, from `line` packets */
  guint       customer_reads; /* `read` events from customers */
  guint       replies;
} Operator;

static const char * const operator_texts[] = {
  "Could you send me your order number, please?",
  "Thanks for waiting — can you send a photo?",
  "Of course. Anything else I can help with?",
  "Would you rate our service today?",
};

static void
on_operator_msg_cb (TdBus    *bus,
                    TdPacket *p,
                    Operator *op)
{
  TdMessage *m = p->msg;
  const char *line_id;
  g_autoptr(JsonObject) body = json_object_new ();
  guint n;

  if (td_message_get_sender_role (m) != TD_ROLE_CUSTOMER)
    return;
  line_id = td_message_get_line_id (m);
  if (g_strcmp0 (g_hash_table_lookup (op->merchant_of, line_id), op->answers) != 0)
    return;
  if (!g_hash_table_add (op->answered, g_strdup (line_id)))
    return;

  /* one answer per line: a quick reply or a question */
  n = g_hash_table_size (op->answered);
  if (n % 3 == 0)
    {
      JsonArray *options = json_array_new ();

      json_array_add_string_element (options, "Yes, please");
      json_array_add_string_element (options, "No, thanks");
      json_object_set_string_member (body, "text", "Shall I hold the room for you?");
      json_object_set_array_member (body, "options", options);
      g_free (td_channel_send (op->channel, line_id, "quick", body));
    }
  else
    {
      json_object_set_string_member (body, "text", operator_texts[n % G_N_ELEMENTS (operator_texts)]);
      g_free (td_channel_send (op->channel, line_id, "text", body));
    }
  op->replies++;
}

static void
on_operator_line_cb (TdBus    *bus,
                     TdPacket *p,
                     Operator *op)
{
  if (p->line != NULL && td_line_get_merchant (p->line) != NULL)
    g_hash_table_insert (op->merchant_of, g_strdup (td_line_get_id (p->line)),
                         g_strdup (td_line_get_merchant (p->line)));
}

static void
on_operator_read_cb (TdBus    *bus,
                     TdPacket *p,
                     Operator *op)
{
  if (p->reader != NULL && g_str_has_prefix (p->reader, "c_"))
    op->customer_reads++;
}

static gboolean
operator_synced (gpointer data)
{
  Operator *op = data;

  return td_channel_get_synced (op->channel);
}

static void
operator_start (Operator     *op,
                TdTestServer *s,
                const char   *token,
                const char   *uid,
                const char   *answers)
{
  g_autoptr(GError) error = NULL;

  op->token = token;
  op->uid = uid;
  op->answers = answers;
  op->store = td_store_new (NULL, &error);
  g_assert_no_error (error);
  op->channel = td_channel_new (s->url, token, op->store, NULL);
  op->answered = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  op->merchant_of = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_signal_connect (td_channel_get_bus (op->channel), "packet::line",
                    G_CALLBACK (on_operator_line_cb), op);
  g_signal_connect (td_channel_get_bus (op->channel), "packet::read",
                    G_CALLBACK (on_operator_read_cb), op);
  g_signal_connect (td_channel_get_bus (op->channel), "packet::msg",
                    G_CALLBACK (on_operator_msg_cb), op);
  td_channel_start (op->channel);
  wait_until (operator_synced, op, "the operator to sync");
}

static void
operator_free (Operator *op)
{
  g_signal_handlers_disconnect_by_data (td_channel_get_bus (op->channel), op);
  td_channel_stop (op->channel);
  g_clear_object (&op->channel);
  g_clear_object (&op->store);
  g_clear_pointer (&op->answered, g_hash_table_unref);
  g_clear_pointer (&op->merchant_of, g_hash_table_unref);
}

/* How often each message id is stored in @store (all its lines). */
static GHashTable *
stored_ids (TdStore *store)
{
  GHashTable *ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  td_store_sync (store);
  for (guint i = 0; i < td_store_get_n_lines (store); i++)
    {
      TdLine *line = td_store_get_line_at (store, i);
      g_autoptr(GError) error = NULL;
      gboolean more = FALSE;
      g_autoptr(GPtrArray) page = td_store_load_messages_sync (store, td_line_get_id (line), NULL,
                                                               TD_HISTORY_MAX_LIMIT, &more, &error);

      g_assert_no_error (error);
      g_assert_false (more);
      for (guint j = 0; j < page->len; j++)
        {
          TdMessage *m = g_ptr_array_index (page, j);
          gint64 id = td_message_get_id (m);
          gpointer old;

          if (td_message_get_delivery (m) != TD_DELIVERY_STORED)
            continue;
          old = g_hash_table_lookup (ids, &id);
          g_hash_table_insert (ids, g_memdup2 (&id, sizeof id), GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
        }
    }
  return ids;
}

typedef struct
{
  TdSim    *sim;
  Operator *ops;
  guint     n_ops;
} Run;

static gboolean
operators_have_everything (gpointer data)
{
  Run *run = data;
  g_autoptr(GPtrArray) sent = td_sim_dup_sent (run->sim);

  for (guint o = 0; o < run->n_ops; o++)
    {
      Operator *op = &run->ops[o];
      const char * const *merchants = td_channel_get_merchants (op->channel);
      g_autoptr(GHashTable) ids = stored_ids (op->store);

      for (guint i = 0; i < sent->len; i++)
        {
          TdSimSent *m = g_ptr_array_index (sent, i);

          if (m->merchant == NULL || !g_strv_contains (merchants, m->merchant))
            continue;
          if (GPOINTER_TO_UINT (g_hash_table_lookup (ids, &m->message_id)) != 1)
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
customers_got_answers (gpointer data)
{
  Run *run = data;
  TdSimStats st;
  guint replies = 0;

  for (guint o = 0; o < run->n_ops; o++)
    replies += run->ops[o].replies;
  td_sim_get_stats (run->sim, &st);
  return st.received == replies;
}

static gboolean
operators_saw_reads (gpointer data)
{
  Run *run = data;
  guint reads = 0;

  for (guint o = 0; o < run->n_ops; o++)
    reads += run->ops[o].customer_reads;
  return reads > 0;
}

static void
on_finished_cb (TdSim    *sim,
                gboolean *flag)
{
  *flag = TRUE;
}

/* A simulator against @s, polls waiting 2 s, *@finished set when it is. */
static TdSim *
sim_new (TdTestServer *s,
         guint         customers,
         double        rate,
         guint32       seed,
         gboolean     *finished)
{
  TdSim *sim = td_sim_new (s->url, customers, rate, seed);

  td_sim_set_poll_wait (sim, 2);
  g_signal_connect (sim, "finished", G_CALLBACK (on_finished_cb), finished);
  return sim;
}

static void
run_against_server (TdSimTransport transport,
                    gconstpointer  data)
{
  TdTestServer s = { 0, };
  Operator ops[3] = { { 0, }, };
  Run run = { 0, };
  TdSim *sim;
  TdSimStats st;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sent = NULL;
  g_autofree char *table = NULL;
  gboolean finished = FALSE, ok;
  guint replies = 0, kinds = 0;
  g_autoptr(GHashTable) kind_set = g_hash_table_new (g_str_hash, g_str_equal);

  td_test_server_start (&s, "UTC");
  /* Alice answers the hotel, Bob the tours (Alice sees them too), Carol the airline */
  operator_start (&ops[0], &s, "demo-op-alice", "o_alice", "m_lakeside");
  operator_start (&ops[1], &s, "demo-op-bob", "o_bob", "m_skyline");
  operator_start (&ops[2], &s, "demo-op-carol", "o_carol", "m_harbor");

  sim = sim_new (&s, 10, 40, 1234, &finished);
  td_sim_set_transport (sim, transport);
  td_sim_set_duration (sim, 3);
  td_sim_set_reply_probability (sim, 1.0);
  td_sim_set_reply_delay (sim, 20, 300);
  td_sim_set_chinese_share (sim, 0.3);
  td_sim_start (sim);
  g_assert_true (td_sim_get_running (sim));
  wait_until (td_test_is_true, &finished, "the simulator to finish");

  ok = td_sim_verify (sim, &st, &error);
  table = td_sim_stats_format (&st);
  g_test_message ("%s\n%s", td_sim_transport_to_string (transport), table);
  g_assert_no_error (error);
  g_assert_true (ok);

  /* the run itself: a high rate, every message acked, echoed, stored once */
  g_assert_cmpuint (st.customers, ==, 10);
  g_assert_cmpuint (st.sent, >=, 60);
  g_assert_cmpuint (st.acked, ==, st.sent);
  g_assert_cmpuint (st.echoed, ==, st.sent);
  g_assert_cmpuint (st.stored, ==, st.sent);
  g_assert_cmpuint (st.lost, ==, 0);
  g_assert_cmpuint (st.duplicated, ==, 0);
  g_assert_cmpuint (st.gaps, ==, 0);
  g_assert_cmpuint (st.failed, ==, 0);
  g_assert_cmpuint (st.errors, ==, 0);
  g_assert_cmpuint (st.lines_opened, >=, 10);
  g_assert_cmpuint (st.replies, >, 0);
  g_assert_cmpint (st.ack_p50_ms, >=, 0);
  g_assert_cmpint (st.ack_p99_ms, >=, st.ack_p50_ms);
  g_assert_cmpint (st.echo_p99_ms, >=, st.echo_p50_ms);

  /* …and what the server stored: each operator has every customer message
   * of its merchants exactly once */
  run.sim = sim;
  run.ops = ops;
  run.n_ops = G_N_ELEMENTS (ops);
  wait_until (operators_have_everything, &run, "the operators to receive every message");
  sent = td_sim_dup_sent (sim);
  g_assert_cmpuint (sent->len, ==, st.sent);
  for (guint i = 0; i < sent->len; i++)
    {
      TdSimSent *m = g_ptr_array_index (sent, i);

      g_assert_cmpint (m->message_id, >, 0);
      g_assert_cmpint (m->line_seq, >, 0);
      g_assert_true (g_str_has_prefix (m->customer, "c_"));
      g_assert_true (g_str_has_prefix (m->line_id, "ml_"));
      g_hash_table_add (kind_set, m->kind);
    }
  kinds = g_hash_table_size (kind_set);
  g_assert_cmpuint (kinds, >=, 4);

  /* every operator answer reached its customer */
  for (guint o = 0; o < G_N_ELEMENTS (ops); o++)
    replies += ops[o].replies;
  g_assert_cmpuint (replies, >, 0);
  wait_until (customers_got_answers, &run, "the customers to receive every answer");
  /* …and read them: the operators see the customers' read marks */
  g_assert_cmpuint (st.reads, >, 0);
  wait_until (operators_saw_reads, &run, "the operators to see read marks");

  finalize_sim (sim);
  for (guint o = 0; o < G_N_ELEMENTS (ops); o++)
    operator_free (&ops[o]);
  server_free (&s);
}

static void
test_run_ws (void)
{
  run_against_server (TD_SIM_TRANSPORT_WEBSOCKET, NULL);
}

static void
test_run_poll (void)
{
  run_against_server (TD_SIM_TRANSPORT_LONG_POLL, NULL);
}

static void
test_run_mixed (void)
{
  run_against_server (TD_SIM_TRANSPORT_MIXED, NULL);
}

/* The server drops every connection again and again mid-run: the channels
 * reconnect and resend from their outboxes; still nothing lost or doubled. */
typedef struct
{
  TdTestServer *server;
  guint         drops;
} Dropper;

static gboolean
drop_cb (gpointer data)
{
  Dropper *d = data;

  td_server_drop_connections (d->server->server);
  d->drops++;
  return G_SOURCE_CONTINUE;
}

static void
test_run_drops (void)
{
  TdTestServer s = { 0, };
  Dropper dropper = { &s, 0 };
  TdSim *sim;
  TdSimStats st;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  gboolean finished = FALSE;
  guint source;

  td_test_server_start (&s, "UTC");
  sim = sim_new (&s, 6, 30, 99, &finished);
  /* Both transports: drops while a poll waits for its batch once freed
   * the queued request under the server (run under ASan in CI). */
  td_sim_set_transport (sim, TD_SIM_TRANSPORT_MIXED);
  td_sim_set_duration (sim, 3);
  td_sim_set_reply_probability (sim, 1.0);
  td_sim_set_reply_delay (sim, 20, 200);
  td_sim_start (sim);
  /* a test-fast reconnect policy (the app's waits at least 1 s) */
  for (guint i = 0; td_sim_get_channel (sim, i) != NULL; i++)
    {
      TdBackoff *b = td_backoff_new (TD_BACKOFF_DECORRELATED, g_test_rand_int ());

      td_backoff_set_limits (b, 30, 200);
      td_channel_set_backoff (td_sim_get_channel (sim, i), b);
      td_channel_set_poll_wait (td_sim_get_channel (sim, i), 2);
    }
  source = g_timeout_add (700, drop_cb, &dropper);
  wait_until (td_test_is_true, &finished, "the simulator to finish");
  g_source_remove (source);

  g_assert_true (td_sim_verify (sim, &st, &error));
  table = td_sim_stats_format (&st);
  g_test_message ("drops: %u\n%s", dropper.drops, table);
  g_assert_no_error (error);
  g_assert_cmpuint (dropper.drops, >=, 3);
  g_assert_cmpuint (st.reconnects, >, 0);
  g_assert_cmpuint (st.sent, >, 0);
  g_assert_cmpuint (st.acked, ==, st.sent);
  g_assert_cmpuint (st.lost, ==, 0);
  g_assert_cmpuint (st.duplicated, ==, 0);
  g_assert_cmpuint (st.gaps, ==, 0);
  finalize_sim (sim);
  server_free (&s);
}

/* Logging in with POST /v1/login, on the app's own transport policy. */
static void
test_run_login (void)
{
  TdTestServer s = { 0, };
  TdSim *sim;
  TdSimStats st;
  g_autoptr(GError) error = NULL;
  gboolean finished = FALSE;

  td_test_server_start (&s, "UTC");
  sim = sim_new (&s, 3, 15, 77, &finished);
  td_sim_set_use_login (sim, TRUE);
  td_sim_set_transport (sim, TD_SIM_TRANSPORT_AUTO);
  td_sim_set_first_customer (sim, 48);   /* c_48, c_49, c_50 */
  td_sim_set_duration (sim, 2);
  td_sim_start (sim);
  wait_until (td_test_is_true, &finished, "the simulator to finish");
  g_assert_true (td_sim_verify (sim, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.sent, >, 0);
  g_assert_cmpuint (st.acked, ==, st.sent);
  g_assert_cmpuint (st.errors, ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *uid = g_strdup_printf ("c_%u", 48 + i);

      g_assert_cmpstr (td_channel_get_me_id (td_sim_get_channel (sim, i)), ==, uid);
    }
  g_assert_null (td_sim_get_channel (sim, 3));
  finalize_sim (sim);
  server_free (&s);
}

static gboolean
two_errors (gpointer data)
{
  TdSimStats st;

  td_sim_get_stats (data, &st);
  return st.errors >= 2;
}

/* A wrong login is an error, not a crash; nothing is sent. */
static void
test_run_login_refused (void)
{
  TdTestServer s = { 0, };
  TdSim *sim;
  TdSimStats st;
  gboolean finished = FALSE;

  td_test_server_start (&s, "UTC");
  sim = sim_new (&s, 2, 20, 1, &finished);
  td_sim_set_use_login (sim, TRUE);
  td_sim_set_first_customer (sim, 900);   /* no such customers */
  td_sim_set_duration (sim, 0.5);
  td_sim_set_drain_timeout (sim, 200);
  g_test_expect_message ("tripdesk-sim", G_LOG_LEVEL_MESSAGE, "*login failed*");
  g_test_expect_message ("tripdesk-sim", G_LOG_LEVEL_MESSAGE, "*login failed*");
  td_sim_start (sim);
  wait_until (two_errors, sim, "both logins to fail");
  td_sim_finish (sim);   /* nobody will come online: do not wait for the clock */
  wait_until (td_test_is_true, &finished, "the simulator to finish");
  g_test_assert_expected_messages ();
  td_sim_get_stats (sim, &st);
  g_assert_cmpuint (st.errors, ==, 2);
  g_assert_cmpuint (st.sent, ==, 0);
  g_assert_cmpuint (st.online, ==, 0);
  g_assert_true (td_sim_verify (sim, &st, NULL));
  finalize_sim (sim);
  server_free (&s);
}

/* The server goes away mid-run: what is still in the outboxes is reported
 * as lost, and td_sim_verify() fails. */
static gboolean
something_acked (gpointer data)
{
  TdSimStats st;

  td_sim_get_stats (data, &st);
  return st.acked >= 3;
}

static void
test_run_loss_detected (void)
{
  TdTestServer s = { 0, };
  TdSim *sim;
  TdSimStats st;
  g_autoptr(GError) error = NULL;
  g_autofree char *table = NULL;
  gboolean finished = FALSE;

  td_test_server_start (&s, "UTC");
  sim = sim_new (&s, 3, 30, 5, &finished);
  td_sim_set_duration (sim, 2);
  td_sim_set_drain_timeout (sim, 300);
  td_sim_start (sim);
  wait_until (something_acked, sim, "a few acks");
  td_server_shutdown (s.server, 60000);
  g_clear_object (&s.server);
  wait_until (td_test_is_true, &finished, "the simulator to finish");

  g_assert_false (td_sim_verify (sim, &st, &error));
  g_assert_error (error, TD_SIM_ERROR, TD_SIM_ERROR_LOSS);
  table = td_sim_stats_format (&st);
  g_test_message ("%s", table);
  g_assert_true (strstr (table, "result: FAILED") != NULL);
  g_assert_cmpuint (st.lost, >, 0);
  g_assert_cmpuint (st.lost + st.stored, ==, st.sent);
  g_assert_cmpuint (st.acked, <, st.sent);
  finalize_sim (sim);
  server_free (&s);
}

/* Stopped early (the app quitting demo mode): no "finished", no crash. */
static void
on_notify_cb (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static gboolean
all_online (gpointer data)
{
  TdSimStats st;

  td_sim_get_stats (data, &st);
  return st.online == st.customers;
}

static void
test_stop_early (void)
{
  TdTestServer s = { 0, };
  TdSim *sim;
  gboolean finished = FALSE;
  guint notified = 0;

  td_test_server_start (&s, "UTC");
  sim = td_sim_new_demo (s.url, 3);
  td_sim_set_poll_wait (sim, 2);
  g_signal_connect (sim, "finished", G_CALLBACK (on_finished_cb), &finished);
  g_signal_connect (sim, "notify::running", G_CALLBACK (on_notify_cb), &notified);
  td_sim_start (sim);
  g_assert_true (td_sim_get_running (sim));
  g_assert_cmpuint (notified, ==, 1);
  wait_until (all_online, sim, "every demo customer online");
  td_sim_stop (sim);
  td_sim_stop (sim);
  g_assert_false (td_sim_get_running (sim));
  g_assert_cmpuint (notified, ==, 2);
  g_assert_false (finished);
  finalize_sim (sim);
  server_free (&s);
}

/* No duration (the demo's "until stopped"), ended by td_sim_finish() — the
 * CLI's Ctrl+C: "finished" follows once everything is acknowledged. */
static void
test_finish_early (void)
{
  TdTestServer s = { 0, };
  TdSim *sim;
  TdSimStats st;
  g_autoptr(GError) error = NULL;
  gboolean finished = FALSE;

  td_test_server_start (&s, "UTC");
  sim = sim_new (&s, 4, 25, 8, &finished);
  td_sim_set_transport (sim, TD_SIM_TRANSPORT_LONG_POLL);
  td_sim_start (sim);
  wait_until (something_acked, sim, "a few acks");
  g_assert_false (finished);
  td_sim_finish (sim);
  wait_until (td_test_is_true, &finished, "the simulator to finish");
  g_assert_true (td_sim_get_running (sim));   /* channels stay up for verify */
  g_assert_true (td_sim_verify (sim, &st, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (st.acked, ==, st.sent);
  g_assert_cmpuint (st.sent, >=, 3);
  g_assert_true (st.verified);
  finalize_sim (sim);
  server_free (&s);
}

/* ---- the CLI ------------------------------------------------------------------ */

typedef struct
{
  gboolean  done;
  char     *out;
  char     *err;
  int       status;
} Cli;

static void
on_cli_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Cli *cli = user_data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &cli->out, &cli->err, &error);
  g_assert_no_error (error);
  cli->status = g_subprocess_get_exit_status (G_SUBPROCESS (source));
  cli->done = TRUE;
}

static void
run_cli (Cli               *cli,
         const char * const *args)
{
  const char *exe = g_getenv ("TD_SIM_EXE");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (exe);
  g_ptr_array_add (argv, (gpointer) exe);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  /* the server runs in this process: keep iterating while the CLI works */
  g_subprocess_communicate_utf8_async (proc, NULL, NULL, on_cli_done_cb, cli);
  wait_until (td_test_is_true, &cli->done, "tripdesk-sim to exit");
  g_assert_true (g_subprocess_get_if_exited (proc));
}

static void
cli_clear (Cli *cli)
{
  g_free (cli->out);
  g_free (cli->err);
  memset (cli, 0, sizeof *cli);
}

static void
test_cli (void)
{
  TdTestServer s = { 0, };
  Cli cli = { 0, };

  td_test_server_start (&s, "UTC");
  {
    const char *args[] = { "--server", s.url, "--customers", "6", "--rate", "12",
                           "--duration", "2", "--transport", "mixed", "--seed", "7",
                           "--first-customer", "20", "--poll-wait", "2", "--quiet", NULL };

    run_cli (&cli, args);
    g_test_message ("%s%s", cli.out, cli.err);
    g_assert_cmpint (cli.status, ==, 0);
    g_assert_true (strstr (cli.out, "6 travellers, mixed, seed 7") != NULL);
    g_assert_true (strstr (cli.out, "result: OK") != NULL);
    g_assert_true (g_regex_match_simple ("^LOST +0$", cli.out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^DUPLICATED +0$", cli.out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^sent +[1-9][0-9]*", cli.out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^  ack - send +[0-9]+ ms +[0-9]+ ms", cli.out, G_REGEX_MULTILINE, 0));
    cli_clear (&cli);
  }
  /* bad usage: exit status 2, with a reason */
  {
    const char *args[] = { "--server", s.url, "--transport", "carrier-pigeon", NULL };

    run_cli (&cli, args);
    g_assert_cmpint (cli.status, ==, 2);
    g_assert_true (strstr (cli.err, "carrier-pigeon") != NULL);
    cli_clear (&cli);
  }
  {
    const char *args[] = { "--customers", "3", NULL };

    run_cli (&cli, args);
    g_assert_cmpint (cli.status, ==, 2);
    g_assert_true (strstr (cli.err, "--server") != NULL);
    cli_clear (&cli);
  }
  {
    const char *args[] = { "--server", s.url, "--rate", "0", NULL };

    run_cli (&cli, args);
    g_assert_cmpint (cli.status, ==, 2);
    cli_clear (&cli);
  }
  server_free (&s);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/sim/content/valid", test_content_valid);
  g_test_add_func ("/tripdesk/sim/content/seeded", test_content_seeded);
  g_test_add_func ("/tripdesk/sim/content/topics", test_content_topics);
  g_test_add_func ("/tripdesk/sim/content/reply", test_content_reply);
  g_test_add_func ("/tripdesk/sim/transport-names", test_transport_names);
  g_test_add_func ("/tripdesk/sim/run/websocket", test_run_ws);
  g_test_add_func ("/tripdesk/sim/run/long-poll", test_run_poll);
  g_test_add_func ("/tripdesk/sim/run/mixed", test_run_mixed);
  g_test_add_func ("/tripdesk/sim/run/drops", test_run_drops);
  g_test_add_func ("/tripdesk/sim/run/login", test_run_login);
  g_test_add_func ("/tripdesk/sim/run/login-refused", test_run_login_refused);
  g_test_add_func ("/tripdesk/sim/run/loss-detected", test_run_loss_detected);
  g_test_add_func ("/tripdesk/sim/run/stop-early", test_stop_early);
  g_test_add_func ("/tripdesk/sim/run/finish-early", test_finish_early);
  g_test_add_func ("/tripdesk/sim/cli", test_cli);

  return g_test_run ();
}

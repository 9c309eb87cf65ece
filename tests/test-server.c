/* test-server.c — tripdesk-server in-process on 127.0.0.1 port 0, real libsoup clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "test-server-common.h"
#include "td-server-store.h"
#include <sqlite3.h>

/* opens (or finds) c_1's inquiry line to m_lakeside over a WebSocket client */
static char *
open_line (WsClient   *c,
           const char *object_id,
           const char *busi,
           const char *uid)
{
  JsonObject *line;

  if (uid)
    ws_client_sendf (c, "{\"v\":1,\"type\":\"open\",\"req\":\"o1\",\"object_id\":\"%s\",\"busi\":\"%s\",\"uid\":\"%s\"}",
                     object_id, busi, uid);
  else
    ws_client_sendf (c, "{\"v\":1,\"type\":\"open\",\"req\":\"o1\",\"object_id\":\"%s\",\"busi\":\"%s\"}",
                     object_id, busi);
  for (;;)
    {
      line = ws_client_expect (c, "line");
      g_assert_nonnull (line);
      if (g_strcmp0 (obj_str (line, "req"), "o1") == 0)
        break;
    }
  return g_strdup (obj_str (obj_obj (line, "line"), "id"));
}

static void
send_text (WsClient   *c,
           const char *line,
           const char *random_id,
           const char *text)
{
  ws_client_sendf (c, "{\"v\":1,\"type\":\"send\",\"random_id\":\"%s\",\"line\":\"%s\",\"kind\":\"text\","
                   "\"body\":{\"text\":\"%s\"}}", random_id, line, text);
}

static void
test_ws_roundtrip (void)
{
  Fixture *fx = fixture_new (5, 0);
  WsClient *alice = ws_client_new (fx, "demo-op-alice");
  WsClient *carol = ws_client_new (fx, "demo-op-carol");
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  g_autofree char *rid = random_id_new ();
  JsonObject *welcome, *ack, *msg, *ack2;
  gint64 id;
  guint alice_from;

  g_assert_nonnull (alice->conn);
  welcome = ws_client_hello (alice, -1);
  g_assert_cmpstr (obj_str (obj_obj (welcome, "me"), "id"), ==, "o_alice");
  g_assert_cmpstr (obj_str (obj_obj (welcome, "me"), "role"), ==, "operator");
  g_assert_cmpint (obj_int (welcome, "heartbeat_s"), ==, 20);
  ws_client_hello (carol, -1);
  welcome = ws_client_hello (cust, -1);
  g_assert_cmpstr (obj_str (obj_obj (welcome, "me"), "id"), ==, "c_1");

  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  g_assert_true (g_str_has_prefix (line, "ml_"));
  /* alice (m_lakeside) gets the new line as an event with a cursor */
  {
    JsonObject *ev = ws_client_expect (alice, "line");
    g_assert_nonnull (ev);
    g_assert_true (json_object_has_member (ev, "cursor"));
    g_assert_cmpstr (obj_str (obj_obj (ev, "line"), "id"), ==, line);
    g_assert_cmpstr (obj_str (obj_obj (ev, "line"), "merchant"), ==, "m_lakeside");
  }

  alice_from = alice->packets->len;
  send_text (cust, line, rid, "Is breakfast included?");
  ack = ws_client_expect (cust, "ack");
  g_assert_nonnull (ack);
  g_assert_cmpstr (obj_str (ack, "random_id"), ==, rid);
  g_assert_false (json_object_get_boolean_member (ack, "dup"));
  id = obj_int (obj_obj (ack, "msg"), "id");
  g_assert_cmpint (obj_int (obj_obj (ack, "msg"), "line_seq"), ==, 1);
  /* the sender's own session gets the msg too, after the ack */
  msg = ws_client_expect (cust, "msg");
  g_assert_nonnull (msg);
  g_assert_cmpint (obj_int (obj_obj (msg, "msg"), "id"), ==, id);

  msg = ws_client_expect (alice, "msg");
  g_assert_nonnull (msg);
  g_assert_cmpint (obj_int (obj_obj (msg, "msg"), "id"), ==, id);
  g_assert_cmpstr (obj_str (obj_obj (obj_obj (msg, "msg"), "body"), "text"), ==, "Is breakfast included?");

  /* the same random_id again, even with another body: the original, dup */
  send_text (cust, line, rid, "something else");
  ack2 = ws_client_expect (cust, "ack");
  g_assert_nonnull (ack2);
  g_assert_true (json_object_get_boolean_member (ack2, "dup"));
  g_assert_cmpint (obj_int (obj_obj (ack2, "msg"), "id"), ==, id);
  g_assert_cmpstr (obj_str (obj_obj (obj_obj (ack2, "msg"), "body"), "text"), ==, "Is breakfast included?");

  /* alice got exactly one msg; carol (m_harbor) none */
  ws_client_sync (alice);
  ws_client_sync (carol);
  g_assert_cmpuint (count_type (alice->packets, alice_from, "msg"), ==, 1);
  g_assert_cmpuint (count_type (carol->packets, 0, "msg"), ==, 0);
  g_assert_cmpuint (count_type (carol->packets, 0, "line"), ==, 0);

  /* and back: alice answers, the customer gets it */
  send_text (alice, line, "aliceanswer000000001", "Yes, from 7 to 10.");
  ack = ws_client_expect (alice, "ack");
  g_assert_nonnull (ack);
  g_assert_cmpint (obj_int (obj_obj (ack, "msg"), "line_seq"), ==, 2);
  msg = ws_client_expect (cust, "msg");
  g_assert_nonnull (msg);
  g_assert_cmpstr (obj_str (obj_obj (obj_obj (msg, "msg"), "sender"), "id"), ==, "o_alice");

  ws_client_free (alice);
  ws_client_free (carol);
  ws_client_free (cust);
  fixture_free (fx);
}

static void
test_ws_unauthorized (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *none = ws_client_new (fx, NULL);
  WsClient *bad = ws_client_new (fx, "not-a-token");

  g_assert_null (none->conn);
  g_assert_cmpuint (none->status, ==, 401);
  g_assert_null (bad->conn);
  g_assert_cmpuint (bad->status, ==, 401);
  ws_client_free (none);
  ws_client_free (bad);
  fixture_free (fx);
}

static void
test_healthz (void)
{
  Fixture *fx = fixture_new (2, 0);
  g_autofree char *body = NULL;

  g_assert_cmpuint (http_request (fx, "GET", "/healthz", NULL, NULL, &body), ==, 200);
  g_assert_cmpstr (body, ==, "ok");
  fixture_free (fx);
}


static void
test_poll_crosstransport (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-2");
  PollClient *alice = poll_client_new (fx, "demo-op-alice");
  g_autofree char *line = NULL;
  g_autofree char *rid = random_id_new ();
  g_autofree char *send = NULL;
  JsonObject *ack, *msg, *welcome;
  gint64 id;

  ws_client_hello (cust, -1);
  poll_client_hello (alice, -1);
  welcome = g_ptr_array_index (alice->packets, 0);
  g_assert_cmpstr (obj_str (welcome, "type"), ==, "welcome");
  g_assert_nonnull (obj_str (welcome, "session"));

  line = open_line (cust, "m_skyline/order/TD-1001", "inquiry", NULL);

  /* customer on WebSocket → alice on a held long-poll */
  send_text (cust, line, rid, "Where do we meet?");
  g_assert_nonnull (ws_client_expect (cust, "ack"));
  msg = poll_client_expect (alice, "msg");
  g_assert_nonnull (msg);
  id = obj_int (obj_obj (msg, "msg"), "id");
  g_assert_cmpstr (obj_str (obj_obj (msg, "msg"), "line"), ==, line);

  /* and back: alice sends inside a poll, the ack comes in the answer */
  send = g_strdup_printf ("[{\"v\":1,\"type\":\"send\",\"req\":\"s1\",\"random_id\":\"alicepollsend00000001\","
                          "\"line\":\"%s\",\"kind\":\"text\",\"body\":{\"text\":\"At the pier.\"}}]", line);
  {
    g_autoptr(JsonObject) o = poll_client_request (alice, send, 0);
    g_assert_nonnull (o);
  }
  ack = poll_client_expect (alice, "ack");
  g_assert_nonnull (ack);
  g_assert_cmpstr (obj_str (ack, "req"), ==, "s1");
  g_assert_cmpint (obj_int (obj_obj (ack, "msg"), "line_seq"), ==, 2);
  g_assert_cmpint (obj_int (obj_obj (ack, "msg"), "id"), >, id);
  msg = ws_client_expect (cust, "msg");
  g_assert_nonnull (msg);
  msg = ws_client_expect (cust, "msg");
  g_assert_nonnull (msg);
  g_assert_cmpstr (obj_str (obj_obj (obj_obj (msg, "msg"), "body"), "text"), ==, "At the pier.");

  ws_client_free (cust);
  poll_client_free (alice);
  fixture_free (fx);
}

static void
test_dedup_both_transports (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *ws = ws_client_new (fx, "demo-cust-3");
  PollClient *poll = poll_client_new (fx, "demo-cust-3");
  WsClient *bob = ws_client_new (fx, "demo-op-bob");
  g_autofree char *line = NULL;
  g_autofree char *rid = random_id_new ();
  g_autofree char *send = NULL;
  gint64 ids[3];
  JsonObject *ack;
  guint from;

  ws_client_hello (ws, -1);
  ws_client_hello (bob, -1);
  poll_client_hello (poll, -1);
  line = open_line (ws, "m_skyline", "feedback", NULL);
  ws_client_sync (bob);
  from = bob->packets->len;

  send_text (ws, line, rid, "one");
  ack = ws_client_expect (ws, "ack");
  ids[0] = obj_int (obj_obj (ack, "msg"), "id");
  g_assert_false (json_object_get_boolean_member (ack, "dup"));

  send = g_strdup_printf ("[{\"v\":1,\"type\":\"send\",\"random_id\":\"%s\",\"line\":\"%s\",\"kind\":\"text\","
                          "\"body\":{\"text\":\"two\"}}]", rid, line);
  poll->pos = poll->packets->len;
  json_object_unref (poll_client_request (poll, send, 0));
  ack = poll_client_expect (poll, "ack");
  g_assert_nonnull (ack);
  g_assert_true (json_object_get_boolean_member (ack, "dup"));
  ids[1] = obj_int (obj_obj (ack, "msg"), "id");

  send_text (ws, line, rid, "three");
  ack = ws_client_expect (ws, "ack");
  g_assert_true (json_object_get_boolean_member (ack, "dup"));
  ids[2] = obj_int (obj_obj (ack, "msg"), "id");

  g_assert_cmpint (ids[0], ==, ids[1]);
  g_assert_cmpint (ids[1], ==, ids[2]);
  ws_client_sync (bob);
  g_assert_cmpuint (count_type (bob->packets, from, "msg"), ==, 1);

  /* one stored message: history has exactly one */
  ws_client_sendf (ws, "{\"v\":1,\"type\":\"history\",\"line\":\"%s\"}", line);
  {
    JsonObject *h = ws_client_expect (ws, "history");
    g_assert_nonnull (h);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (h, "messages")), ==, 1);
    g_assert_false (json_object_get_boolean_member (h, "more"));
  }

  ws_client_free (ws);
  ws_client_free (bob);
  poll_client_free (poll);
  fixture_free (fx);
}

static void
test_read_typing_notes (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  WsClient *alice = ws_client_new (fx, "demo-op-alice");
  PollClient *cpoll = poll_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  JsonObject *o;
  guint cfrom, pfrom;

  ws_client_hello (cust, -1);
  ws_client_hello (alice, -1);
  poll_client_hello (cpoll, -1);
  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  send_text (cust, line, "custmsg0000000000001", "hello");
  send_text (cust, line, "custmsg0000000000002", "anyone?");
  g_assert_nonnull (ws_client_expect (alice, "msg"));
  g_assert_nonnull (ws_client_expect (alice, "msg"));

  /* typing reaches the other side, not the typist */
  ws_client_sync (cust);
  cfrom = cust->packets->len;
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"typing\",\"line\":\"%s\"}", line);
  o = ws_client_expect (cust, "typing");
  g_assert_nonnull (o);
  g_assert_cmpstr (obj_str (o, "who"), ==, "o_alice");
  g_assert_false (json_object_get_boolean_member (o, "note"));
  o = poll_client_expect (cpoll, "typing");
  g_assert_nonnull (o);

  /* a note: typing with note:true and the note itself never reach the customer */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"typing\",\"line\":\"%s\",\"note\":true}", line);
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"send\",\"random_id\":\"alicenote00000000001\",\"line\":\"%s\","
                   "\"kind\":\"note\",\"body\":{\"text\":\"VIP guest, upgrade\"}}", line);
  o = ws_client_expect (alice, "ack");
  g_assert_nonnull (o);
  g_assert_cmpint (obj_int (obj_obj (o, "msg"), "line_seq"), ==, 0);
  /* a customer's typing with note:true is forbidden */
  ws_client_sendf (cust, "{\"v\":1,\"type\":\"typing\",\"req\":\"tn\",\"line\":\"%s\",\"note\":true}", line);
  o = ws_client_expect (cust, "error");
  g_assert_cmpstr (obj_str (o, "code"), ==, "forbidden");
  g_assert_cmpstr (obj_str (o, "ref"), ==, "tn");
  /* read by alice up to 2 (and a too-high upto is clamped) */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"read\",\"line\":\"%s\",\"upto\":99}", line);
  o = ws_client_expect (cust, "read");
  g_assert_nonnull (o);
  g_assert_cmpstr (obj_str (o, "reader"), ==, "o_alice");
  g_assert_cmpint (obj_int (o, "upto"), ==, 2);
  /* a read that moves nothing sends nothing */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"read\",\"line\":\"%s\",\"upto\":1}", line);
  ws_client_sync (alice);
  ws_client_sync (cust);
  g_assert_cmpuint (count_type (cust->packets, cfrom, "read"), ==, 1);
  g_assert_cmpuint (count_type (cust->packets, cfrom, "msg"), ==, 0);
  g_assert_cmpuint (count_type (cust->packets, cfrom, "typing"), ==, 1);
  g_assert_cmpuint (count_type (alice->packets, 0, "typing"), ==, 0);

  /* the customer's history has no note; alice's has it */
  ws_client_sendf (cust, "{\"v\":1,\"type\":\"history\",\"line\":\"%s\"}", line);
  o = ws_client_expect (cust, "history");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "messages")), ==, 2);
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"history\",\"line\":\"%s\"}", line);
  o = ws_client_expect (alice, "history");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "messages")), ==, 3);

  /* replay and snapshot to the customer: no note either, on both transports */
  pfrom = cpoll->packets->len;
  {
    WsClient *again = ws_client_new (fx, "demo-cust-1");
    PollClient *p2 = poll_client_new (fx, "demo-cust-1");
    ws_client_hello (again, 0);
    for (guint i = 0; i < again->packets->len; i++)
      {
        JsonObject *m = obj_obj (g_ptr_array_index (again->packets, i), "msg");
        if (m)
          g_assert_cmpstr (obj_str (m, "kind"), !=, "note");
      }
    g_assert_cmpuint (count_type (again->packets, 0, "msg"), ==, 2);
    g_assert_cmpuint (count_type (again->packets, 0, "read"), ==, 1);
    ws_client_free (again);
    again = ws_client_new (fx, "demo-cust-1");
    ws_client_hello (again, -1);
    g_assert_cmpuint (count_type (again->packets, 0, "msg"), ==, 2);
    g_assert_cmpuint (count_type (again->packets, 0, "line"), ==, 1);
    ws_client_free (again);
    poll_client_hello (p2, 0);
    g_assert_cmpuint (count_type (p2->packets, 0, "msg"), ==, 2);
    poll_client_free (p2);
  }
  {
    g_autoptr(JsonObject) a = poll_client_request (cpoll, NULL, 0);
    g_assert_cmpuint (count_type (cpoll->packets, pfrom, "msg"), ==, 0);
  }
  /* the operator's snapshot carries the note */
  {
    WsClient *again = ws_client_new (fx, "demo-op-alice");
    ws_client_hello (again, -1);
    g_assert_cmpuint (count_type (again->packets, 0, "msg"), ==, 3);
    ws_client_free (again);
  }

  ws_client_free (cust);
  ws_client_free (alice);
  poll_client_free (cpoll);
  fixture_free (fx);
}

static void
test_state_snooze (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  WsClient *alice = ws_client_new (fx, "demo-op-alice");
  g_autofree char *line = NULL;
  JsonObject *o, *l;
  gint64 until;

  ws_client_hello (cust, -1);
  ws_client_hello (alice, -1);
  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  g_assert_nonnull (ws_client_expect (alice, "line"));

  /* assign to bob: not a member of m_lakeside → bad_packet */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"state\",\"req\":\"st\",\"line\":\"%s\",\"state\":\"pending\",\"assignee\":\"o_bob\"}", line);
  o = ws_client_expect (alice, "error");
  g_assert_cmpstr (obj_str (o, "code"), ==, "bad_packet");
  /* a customer may not change state */
  ws_client_sendf (cust, "{\"v\":1,\"type\":\"state\",\"req\":\"st\",\"line\":\"%s\",\"state\":\"resolved\"}", line);
  o = ws_client_expect (cust, "error");
  g_assert_cmpstr (obj_str (o, "code"), ==, "forbidden");

  ws_client_sendf (alice, "{\"v\":1,\"type\":\"state\",\"line\":\"%s\",\"state\":\"pending\",\"assignee\":\"o_alice\"}", line);
  o = ws_client_expect (cust, "line");
  l = obj_obj (o, "line");
  g_assert_cmpstr (obj_str (l, "state"), ==, "pending");
  g_assert_cmpstr (obj_str (l, "assignee"), ==, "o_alice");
  o = ws_client_expect (alice, "line");
  g_assert_cmpstr (obj_str (obj_obj (o, "line"), "state"), ==, "pending");

  /* a customer message reopens it */
  send_text (cust, line, "reopen00000000000001", "still there?");
  o = ws_client_expect (alice, "line");
  g_assert_cmpstr (obj_str (obj_obj (o, "line"), "state"), ==, "open");
  g_assert_cmpstr (obj_str (obj_obj (o, "line"), "assignee"), ==, "o_alice");

  /* snooze for 300 ms: the timer reopens it */
  until = td_now_ms () + 300;
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"state\",\"line\":\"%s\",\"state\":\"snoozed\",\"snooze_until\":%" G_GINT64_FORMAT "}",
                   line, until);
  o = ws_client_expect (alice, "line");
  g_assert_cmpstr (obj_str (obj_obj (o, "line"), "state"), ==, "snoozed");
  g_assert_cmpint (obj_int (obj_obj (o, "line"), "snooze_until"), ==, until);
  o = ws_client_expect (alice, "line");
  g_assert_nonnull (o);
  g_assert_cmpstr (obj_str (obj_obj (o, "line"), "state"), ==, "open");
  g_assert_cmpint (td_now_ms (), >=, until);

  /* snooze_until with another state is bad */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"state\",\"req\":\"x\",\"line\":\"%s\",\"state\":\"open\",\"snooze_until\":5}", line);
  o = ws_client_expect (alice, "error");
  g_assert_cmpstr (obj_str (o, "code"), ==, "bad_packet");

  /* ping */
  ws_client_send (cust, "{\"v\":1,\"type\":\"ping\",\"req\":\"p\"}");
  o = ws_client_expect (cust, "pong");
  g_assert_cmpstr (obj_str (o, "req"), ==, "p");
  g_assert_cmpint (obj_int (o, "server_time"), >, 0);

  ws_client_free (cust);
  ws_client_free (alice);
  fixture_free (fx);
}

static void
test_history_paging (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  JsonObject *h;
  JsonArray *msgs;

  ws_client_hello (cust, -1);
  line = open_line (cust, "m_harbor", "inquiry", NULL);
  for (int i = 1; i <= 25; i++)
    {
      g_autofree char *rid = g_strdup_printf ("paging%014d", i);
      send_text (cust, line, rid, "x");
    }
  for (int i = 0; i < 25; i++)
    g_assert_nonnull (ws_client_expect (cust, "ack"));

  ws_client_sendf (cust, "{\"v\":1,\"type\":\"history\",\"req\":\"h1\",\"line\":\"%s\",\"limit\":10}", line);
  h = ws_client_expect (cust, "history");
  g_assert_cmpstr (obj_str (h, "req"), ==, "h1");
  msgs = json_object_get_array_member (h, "messages");
  g_assert_cmpuint (json_array_get_length (msgs), ==, 10);
  g_assert_true (json_object_get_boolean_member (h, "more"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (msgs, 0), "line_seq"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (msgs, 9), "line_seq"), ==, 25);

  ws_client_sendf (cust, "{\"v\":1,\"type\":\"history\",\"line\":\"%s\",\"before\":6,\"limit\":10}", line);
  h = ws_client_expect (cust, "history");
  msgs = json_object_get_array_member (h, "messages");
  g_assert_cmpuint (json_array_get_length (msgs), ==, 5);
  g_assert_false (json_object_get_boolean_member (h, "more"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (msgs, 0), "line_seq"), ==, 1);

  ws_client_free (cust);
  fixture_free (fx);
}

static void
test_login_logout (void)
{
  Fixture *fx = fixture_new (2, 0);
  g_autofree char *body = NULL;
  g_autofree char *body2 = NULL;
  g_autoptr(JsonObject) o = NULL;
  g_autofree char *token = NULL;
  WsClient *ws;
  PollClient *poll;
  g_autofree char *bad = NULL;

  g_assert_cmpuint (http_request (fx, "POST", "/v1/login", NULL, "{\"user\":\"alice\",\"password\":\"nope\"}", &bad), ==, 401);
  g_assert_nonnull (strstr (bad, "unauthorized"));
  g_assert_cmpuint (http_request (fx, "POST", "/v1/login", NULL, "{\"user\":\"alice\",\"password\":\"demo-op-alice\"}", &body), ==, 200);
  o = td_json_parse_object (body, strlen (body), NULL);
  g_assert_nonnull (o);
  token = g_strdup (obj_str (o, "token"));
  g_assert_cmpstr (obj_str (obj_obj (o, "me"), "id"), ==, "o_alice");
  /* the second login verifies against the stored libsodium hash */
  g_assert_cmpuint (http_request (fx, "POST", "/v1/login", NULL, "{\"user\":\"alice\",\"password\":\"demo-op-alice\"}", &body2), ==, 200);
  g_assert_cmpuint (http_request (fx, "POST", "/v1/login", NULL, "{'user':1}", NULL), ==, 400);

  ws = ws_client_new (fx, token);
  g_assert_nonnull (ws->conn);
  ws_client_hello (ws, -1);
  poll = poll_client_new (fx, token);
  poll_client_hello (poll, -1);

  g_assert_cmpuint (http_request (fx, "POST", "/v1/logout", token, NULL, NULL), ==, 204);
  iterate_until (&ws->closed, "close 4401");
  g_assert_cmpuint (ws->close_code, ==, 4401);
  g_assert_null (poll_client_request (poll, NULL, 0));
  g_assert_cmpuint (poll->status, ==, 401);
  g_assert_cmpuint (http_request (fx, "POST", "/v1/logout", token, NULL, NULL), ==, 401);
  {
    WsClient *again = ws_client_new (fx, token);
    g_assert_cmpuint (again->status, ==, 401);
    ws_client_free (again);
  }

  ws_client_free (ws);
  poll_client_free (poll);
  fixture_free (fx);
}

static void
test_stats (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) o = NULL;

  ws_client_hello (cust, -1);
  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  send_text (cust, line, "stats000000000000001", "hi");
  g_assert_nonnull (ws_client_expect (cust, "ack"));

  g_assert_cmpuint (http_request (fx, "GET", "/v1/stats?merchant=m_lakeside", "demo-op-alice", NULL, &body), ==, 200);
  o = td_json_parse_object (body, strlen (body), NULL);
  g_assert_nonnull (o);
  /* the schema of docs/metrics.md (tests/test-metrics*.c check every figure) */
  g_assert_cmpint (json_object_get_int_member (o, "schema"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj_obj (o, "live"), "open"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj_obj (o, "live"), "waiting"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (obj_obj (o, "live"), "unassigned"), ==, 1);
  {
    JsonArray *customer = json_object_get_array_member (obj_obj (o, "messages_per_hour"), "customer");
    gint64 sum = 0;

    for (guint i = 0; i < json_array_get_length (customer); i++)
      sum += json_array_get_int_element (customer, i);
    g_assert_cmpint (sum, ==, 1);
  }

  g_assert_cmpuint (http_request (fx, "GET", "/v1/stats?merchant=m_lakeside", "demo-op-carol", NULL, NULL), ==, 403);
  g_assert_cmpuint (http_request (fx, "GET", "/v1/stats?merchant=m_nowhere", "demo-op-carol", NULL, NULL), ==, 403);
  g_assert_cmpuint (http_request (fx, "GET", "/v1/stats?merchant=m_lakeside", "demo-cust-1", NULL, NULL), ==, 403);
  g_assert_cmpuint (http_request (fx, "GET", "/v1/stats?merchant=m_lakeside", NULL, NULL, NULL), ==, 401);

  ws_client_free (cust);
  fixture_free (fx);
}

static void
test_db_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("tripdesk-db-XXXXXX", NULL);
  g_autofree char *junk = g_build_filename (dir, "junk.db", NULL);
  g_autofree char *newer = g_build_filename (dir, "newer.db", NULL);
  g_autofree char *contents = NULL;
  TdServerOptions opts = { 0, };
  TdServer *server;
  gsize len;

  g_assert_true (g_file_set_contents (junk, "this is not a database, not at all, really not", -1, NULL));
  opts.db_path = junk;
  server = td_server_new (&opts, &error);
  g_assert_null (server);
  g_assert_nonnull (error);
  g_test_message ("junk: %s", error->message);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (junk, &contents, &len, NULL));
  g_assert_cmpstr (contents, ==, "this is not a database, not at all, really not");

  /* a newer schema */
  opts.db_path = newer;
  opts.demo = TRUE;
  server = td_server_new (&opts, &error);
  g_assert_no_error (error);
  g_object_unref (server);
  {
    sqlite3 *db = NULL;
    g_assert_cmpint (sqlite3_open (newer, &db), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close (db);
  }
  server = td_server_new (&opts, &error);
  g_assert_null (server);
  g_assert_error (error, TD_SERVER_STORE_ERROR, TD_SERVER_STORE_ERROR_NEWER);

  g_unlink (junk);
  g_unlink (newer);
  {
    g_autofree char *wal = g_strconcat (newer, "-wal", NULL);
    g_autofree char *shm = g_strconcat (newer, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  g_rmdir (dir);
}

static void
test_demo_loopback_only (void)
{
  Fixture *fx = fixture_new (2, 0);
  g_autoptr(GError) error = NULL;

  g_assert_false (td_server_listen (fx->server, "0.0.0.0", 0, &error));
  g_assert_error (error, TD_SERVER_ERROR, TD_SERVER_ERROR_NOT_LOOPBACK);
  fixture_free (fx);
}

static void
test_demo_seed_fast (void)
{
  gint64 t0 = g_get_monotonic_time ();
  Fixture *fx = fixture_new (0, 0);   /* 50 customers */
  gint64 dt = g_get_monotonic_time () - t0;
  WsClient *c50 = ws_client_new (fx, "demo-cust-50");
  WsClient *c51 = ws_client_new (fx, "demo-cust-51");

  g_test_message ("demo seeding took %" G_GINT64_FORMAT " ms", dt / 1000);
  g_assert_cmpint (dt, <, G_USEC_PER_SEC);
  g_assert_nonnull (c50->conn);
  g_assert_cmpuint (c51->status, ==, 401);
  ws_client_free (c50);
  ws_client_free (c51);
  fixture_free (fx);
}

static gint64
max_cursor_of (GPtrArray *packets)
{
  gint64 m = 0;
  for (guint i = 0; i < packets->len; i++)
    {
      JsonObject *o = g_ptr_array_index (packets, i);
      const char *t = obj_str (o, "type");
      if ((g_strcmp0 (t, "msg") == 0 || g_strcmp0 (t, "line") == 0 || g_strcmp0 (t, "read") == 0 ||
           g_strcmp0 (t, "synced") == 0) && json_object_has_member (o, "cursor"))
        m = MAX (m, json_object_get_int_member (o, "cursor"));
    }
  return m;
}

/* message ids in packets[from..] of type msg */
static GHashTable *
msg_ids (GPtrArray *packets,
         guint      from)
{
  GHashTable *ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  for (guint i = from; i < packets->len; i++)
    {
      JsonObject *o = g_ptr_array_index (packets, i);
      if (g_strcmp0 (obj_str (o, "type"), "msg") == 0)
        {
          gint64 *id = g_new (gint64, 1);
          *id = obj_int (obj_obj (o, "msg"), "id");
          g_assert_false (g_hash_table_contains (ids, id));   /* nothing twice */
          g_hash_table_add (ids, id);
        }
    }
  return ids;
}

static GHashTable *
send_n (WsClient   *c,
        const char *line,
        const char *tag,
        int         n)
{
  GHashTable *ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);

  for (int i = 0; i < n; i++)
    {
      g_autofree char *rid = g_strdup_printf ("%s%016d", tag, i);
      send_text (c, line, rid, tag);
    }
  for (int i = 0; i < n; i++)
    {
      JsonObject *ack = ws_client_expect (c, "ack");
      gint64 *id = g_new (gint64, 1);
      g_assert_nonnull (ack);
      *id = obj_int (obj_obj (ack, "msg"), "id");
      g_hash_table_add (ids, id);
    }
  return ids;
}

static void
assert_same_ids (GHashTable *a,
                 GHashTable *b)
{
  GHashTableIter iter;
  gpointer key;

  g_assert_cmpuint (g_hash_table_size (a), ==, g_hash_table_size (b));
  g_hash_table_iter_init (&iter, a);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (b, key));
}

typedef struct
{
  gboolean done;
  guint    status;
  char    *body;
} Held;

static void
held_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Held *h = user_data;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  h->status = soup_message_get_status (msg);
  h->body = bytes ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) : NULL;
  h->done = TRUE;
}

static void
test_resume_restart (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  WsClient *alice = ws_client_new (fx, "demo-op-alice");
  PollClient *palice = poll_client_new (fx, "demo-op-alice");
  g_autofree char *line = NULL;
  g_autoptr(GHashTable) first = NULL;
  g_autoptr(GHashTable) second = NULL;
  g_autoptr(GHashTable) third = NULL;
  g_autoptr(GHashTable) got = NULL;
  g_autoptr(SoupSession) held_session = soup_session_new ();
  Held held = { 0, };
  gint64 cursor, pcursor;
  guint from;

  ws_client_hello (cust, -1);
  ws_client_hello (alice, -1);
  poll_client_hello (palice, -1);
  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  first = send_n (cust, line, "first", 5);
  for (int i = 0; i < 5; i++)
    g_assert_nonnull (ws_client_expect (alice, "msg"));
  ws_client_sync (alice);
  cursor = max_cursor_of (alice->packets);
  /* the poll client catches up too */
  while (count_type (palice->packets, 0, "msg") < 5)
    json_object_unref (poll_client_request (palice, NULL, 1));
  pcursor = palice->cursor;

  /* a disconnect: everything sent meanwhile comes with the next hello, once */
  ws_client_free (alice);
  second = send_n (cust, line, "second", 5);
  alice = ws_client_new (fx, "demo-op-alice");
  ws_client_hello (alice, cursor);
  got = msg_ids (alice->packets, 0);
  assert_same_ids (second, got);
  cursor = max_cursor_of (alice->packets);
  g_clear_pointer (&got, g_hash_table_unref);

  /* a planned restart: a held poll is answered with retry_within_ms, the
   * WebSocket closes with 1012 */
  /* the poll client catches up first, so that its next poll is held */
  while (count_type (palice->packets, 0, "msg") < 10)
    json_object_unref (poll_client_request (palice, NULL, 1));
  {
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", palice->url);
    g_autofree char *body = g_strdup_printf ("{\"session\":\"%s\",\"cursor\":%" G_GINT64_FORMAT ",\"wait\":30}",
                                             palice->sid, palice->cursor);
    g_autoptr(GBytes) b = g_bytes_new (body, strlen (body));
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer demo-op-alice");
    soup_message_set_request_body_from_bytes (msg, "application/json", b);
    soup_session_send_and_read_async (held_session, msg, G_PRIORITY_DEFAULT, NULL, held_done_cb, &held);
    /* wait until the server holds it */
    while (td_server_get_n_held_polls (fx->server) == 0)
      g_main_context_iteration (NULL, TRUE);
  }
  ws_client_sync (alice);
  td_server_shutdown (fx->server, 500);
  iterate_until (&held.done, "held poll answered on shutdown");
  fixture_stop (fx, TRUE);
  g_assert_cmpuint (held.status, ==, 200);
  g_test_message ("held poll at shutdown: %s", held.body);
  g_assert_nonnull (strstr (held.body, "\"retry_within_ms\":500"));
  g_free (held.body);
  iterate_until (&alice->closed, "close 1012");
  g_test_message ("close code seen by a libsoup 3.2 client: %u (%s)", alice->close_code,
                  alice->close_data ? alice->close_data : "");
  iterate_until (&cust->closed, "close 1012");

  /* back on the same database and port */
  fixture_start (fx);
  ws_client_free (cust);
  cust = ws_client_new (fx, "demo-cust-1");
  g_assert_nonnull (cust->conn);
  ws_client_hello (cust, -1);
  third = send_n (cust, line, "third", 3);

  ws_client_free (alice);
  alice = ws_client_new (fx, "demo-op-alice");
  ws_client_hello (alice, cursor);
  got = msg_ids (alice->packets, 0);
  assert_same_ids (third, got);
  g_clear_pointer (&got, g_hash_table_unref);

  /* the poll client, its session gone with the restart, resumes from its cursor */
  from = palice->packets->len;
  poll_client_hello (palice, pcursor);
  got = msg_ids (palice->packets, from);
  g_assert_cmpuint (g_hash_table_size (got), ==, 8);
  {
    GHashTableIter iter;
    gpointer key;
    g_hash_table_iter_init (&iter, got);
    while (g_hash_table_iter_next (&iter, &key, NULL))
      g_assert_true (g_hash_table_contains (second, key) || g_hash_table_contains (third, key));
  }

  /* ids keep growing across the restart; line_seq is gapless */
  ws_client_sendf (alice, "{\"v\":1,\"type\":\"history\",\"line\":\"%s\",\"limit\":200}", line);
  {
    JsonObject *h = ws_client_expect (alice, "history");
    JsonArray *msgs = json_object_get_array_member (h, "messages");
    g_assert_cmpuint (json_array_get_length (msgs), ==, 13);
    for (guint i = 0; i < 13; i++)
      g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (msgs, i), "line_seq"), ==, i + 1);
  }

  ws_client_free (cust);
  ws_client_free (alice);
  poll_client_free (palice);
  fixture_free (fx);
}

/* the pattern other suites use: shutdown, unref at once, a new server on the same port */
static void
test_restart_immediate_unref (void)
{
  Fixture *fx = fixture_new (2, 0);
  PollClient *p = poll_client_new (fx, "demo-cust-1");
  WsClient *ws = ws_client_new (fx, "demo-cust-2");
  g_autoptr(SoupSession) held_session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *body = NULL;
  g_autoptr(GBytes) b = NULL;
  Held held = { 0, };

  ws_client_hello (ws, -1);
  poll_client_hello (p, -1);
  msg = soup_message_new ("POST", p->url);
  body = g_strdup_printf ("{\"session\":\"%s\",\"cursor\":%" G_GINT64_FORMAT ",\"wait\":30}", p->sid, p->cursor);
  b = g_bytes_new (body, strlen (body));
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Bearer demo-cust-1");
  soup_message_set_request_body_from_bytes (msg, "application/json", b);
  soup_session_send_and_read_async (held_session, msg, G_PRIORITY_DEFAULT, NULL, held_done_cb, &held);
  while (td_server_get_n_held_polls (fx->server) == 0)
    g_main_context_iteration (NULL, TRUE);

  td_server_shutdown (fx->server, 700);
  g_assert_finalize_object (fx->server);
  fx->server = NULL;
  fixture_start (fx);   /* same port, at once */

  /* the held poll still got its answer, the WebSocket its close */
  iterate_until (&held.done, "held poll answered after unref");
  g_assert_cmpuint (held.status, ==, 200);
  g_assert_nonnull (strstr (held.body, "\"retry_within_ms\":700"));
  g_free (held.body);
  iterate_until (&ws->closed, "close after unref");

  /* and the new server serves the same database */
  json_object_unref (poll_client_request (p, NULL, 0));
  g_assert_cmpuint (p->status, ==, 200);
  ws_client_free (ws);
  ws = ws_client_new (fx, "demo-cust-2");
  g_assert_nonnull (ws->conn);
  ws_client_hello (ws, 0);

  ws_client_free (ws);
  poll_client_free (p);
  fixture_free (fx);
}

static void
test_poll_paging (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  PollClient *p = poll_client_new (fx, "demo-op-carol");
  g_autofree char *line = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  JsonObject *o;
  gint64 synced_cursor = -1;
  int n_answers = 0;

  td_server_set_rate_limit (fx->server, 1e6, 1e6, 100000);
  ws_client_hello (cust, -1);
  line = open_line (cust, "m_harbor", "inquiry", NULL);
  for (int i = 0; i < 620; i++)
    {
      g_autofree char *rid = g_strdup_printf ("pagingpoll%010d", i);
      send_text (cust, line, rid, "page me");
    }
  for (int i = 0; i < 620; i++)
    g_assert_nonnull (ws_client_expect (cust, "ack"));

  /* a poll session from cursor 0: the backlog comes in pages of at most 500 */
  p->has_cursor = TRUE;
  p->cursor = 0;
  for (;;)
    {
      guint from = p->packets->len;
      gboolean more;
      o = poll_client_request (p, NULL, 0);
      g_assert_nonnull (o);
      n_answers++;
      more = json_object_get_boolean_member (o, "more");
      g_assert_cmpuint (p->packets->len - from, <=, 500);
      for (guint i = from; i < p->packets->len; i++)
        {
          JsonObject *pk = g_ptr_array_index (p->packets, i);
          if (g_strcmp0 (obj_str (pk, "type"), "msg") == 0)
            {
              gint64 *id = g_new (gint64, 1);
              *id = obj_int (obj_obj (pk, "msg"), "id");
              g_assert_false (g_hash_table_contains (seen, id));   /* nothing twice */
              g_hash_table_add (seen, id);
            }
          else if (g_strcmp0 (obj_str (pk, "type"), "synced") == 0)
            synced_cursor = obj_int (pk, "cursor");
        }
      json_object_unref (o);
      if (!more)
        break;
      g_assert_cmpint (synced_cursor, <, 0);   /* synced only after the backlog */
    }
  g_assert_cmpint (n_answers, >=, 2);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 620);
  g_assert_cmpint (synced_cursor, >, 0);
  g_assert_cmpint (p->cursor, ==, synced_cursor);

  /* a lost answer: polling again with an older cursor repeats synced */
  {
    guint from;
    p->cursor = synced_cursor - 1;
    from = p->packets->len;
    json_object_unref (poll_client_request (p, NULL, 0));
    g_assert_cmpuint (count_type (p->packets, from, "synced"), ==, 1);
    g_assert_cmpuint (count_type (p->packets, from, "msg"), ==, 1);
    /* once the cursor reached it, no more synced */
    from = p->packets->len;
    json_object_unref (poll_client_request (p, NULL, 0));
    g_assert_cmpuint (count_type (p->packets, from, "synced"), ==, 0);
  }

  ws_client_free (cust);
  poll_client_free (p);
  fixture_free (fx);
}

/* a cursor ahead of the server's newest (a restored database) is treated as null */
static void
test_cursor_ahead (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *cust = ws_client_new (fx, "demo-cust-1");
  WsClient *again;
  PollClient *p = poll_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  JsonObject *synced;

  ws_client_hello (cust, -1);
  line = open_line (cust, "m_lakeside", "inquiry", NULL);
  send_text (cust, line, "aheadahead0000000001", "one");
  g_assert_nonnull (ws_client_expect (cust, "ack"));

  again = ws_client_new (fx, "demo-cust-1");
  ws_client_send (again, "{\"v\":1,\"type\":\"hello\",\"cursor\":999999,\"client\":\"restored/1\"}");
  g_assert_nonnull (ws_client_expect (again, "welcome"));
  synced = ws_client_expect (again, "synced");
  g_assert_nonnull (synced);
  g_assert_cmpint (obj_int (synced, "cursor"), <, 999999);
  /* the snapshot: the line and its message */
  g_assert_cmpuint (count_type (again->packets, 0, "line"), ==, 1);
  g_assert_cmpuint (count_type (again->packets, 0, "msg"), ==, 1);

  poll_client_hello (p, 999999);
  g_assert_cmpuint (count_type (p->packets, 0, "msg"), ==, 1);
  g_assert_cmpint (p->cursor, ==, obj_int (synced, "cursor"));

  ws_client_free (cust);
  ws_client_free (again);
  poll_client_free (p);
  fixture_free (fx);
}

/* a cursor-null snapshot larger than one poll answer: pages with cursor null until synced */
static void
test_poll_snapshot_paging (void)
{
  Fixture *fx = fixture_new (30, 0);
  PollClient *p = poll_client_new (fx, "demo-op-alice");
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gboolean synced = FALSE;
  int pages = 0;

  td_server_set_rate_limit (fx->server, 1e6, 1e6, 100000);
  for (int c = 1; c <= 30; c++)
    {
      g_autofree char *token = g_strdup_printf ("demo-cust-%d", c);
      WsClient *cust = ws_client_new (fx, token);
      g_autofree char *line = NULL;

      ws_client_hello (cust, -1);
      line = open_line (cust, "m_lakeside", "inquiry", NULL);
      for (int i = 0; i < 22; i++)
        {
          g_autofree char *rid = g_strdup_printf ("snap%03d%013d", c, i);
          send_text (cust, line, rid, "snapshot me");
        }
      for (int i = 0; i < 22; i++)
        g_assert_nonnull (ws_client_expect (cust, "ack"));
      ws_client_free (cust);
    }

  p->has_cursor = FALSE;
  while (!synced)
    {
      guint from = p->packets->len;
      JsonObject *o = poll_client_request (p, NULL, 0);
      JsonNode *cursor;

      g_assert_nonnull (o);
      pages++;
      g_assert_cmpuint (p->packets->len - from, <=, 500);
      for (guint i = from; i < p->packets->len; i++)
        {
          JsonObject *pk = g_ptr_array_index (p->packets, i);
          if (g_strcmp0 (obj_str (pk, "type"), "msg") == 0)
            {
              gint64 *id = g_new (gint64, 1);
              *id = obj_int (obj_obj (pk, "msg"), "id");
              g_assert_false (g_hash_table_contains (seen, id));
              g_hash_table_add (seen, id);
            }
          else if (g_strcmp0 (obj_str (pk, "type"), "synced") == 0)
            synced = TRUE;
        }
      cursor = json_object_get_member (o, "cursor");
      /* before synced, the answer's cursor is null (and the client repeats null) */
      if (!synced)
        {
          g_assert_true (JSON_NODE_HOLDS_NULL (cursor));
          g_assert_true (json_object_get_boolean_member (o, "more"));
          p->has_cursor = FALSE;
        }
      else
        g_assert_false (JSON_NODE_HOLDS_NULL (cursor));
      json_object_unref (o);
      g_assert_cmpint (pages, <, 10);
    }
  g_assert_cmpint (pages, >=, 2);
  /* the last 20 of each of the 30 lines */
  g_assert_cmpuint (g_hash_table_size (seen), ==, 30 * 20);
  g_assert_cmpuint (count_type (p->packets, 0, "line"), ==, 30);

  poll_client_free (p);
  fixture_free (fx);
}

/* an error with this code and ref must come, then the connection still works */
static void
expect_ws_error (WsClient   *c,
                 const char *code,
                 const char *ref)
{
  JsonObject *e = ws_client_expect (c, "error");

  g_assert_nonnull (e);
  g_assert_cmpstr (obj_str (e, "code"), ==, code);
  g_assert_cmpstr (obj_str (e, "ref"), ==, ref);
  g_assert_false (c->closed);
  ws_client_sync (c);
}

static void
expect_poll_error (PollClient *c,
                   const char *send,
                   const char *code,
                   const char *ref)
{
  JsonObject *e;

  c->pos = c->packets->len;
  json_object_unref (poll_client_request (c, send, 0));
  g_assert_cmpuint (c->status, ==, 200);
  e = poll_client_expect (c, "error");
  g_assert_nonnull (e);
  g_assert_cmpstr (obj_str (e, "code"), ==, code);
  g_assert_cmpstr (obj_str (e, "ref"), ==, ref);
  /* still usable */
  json_object_unref (poll_client_request (c, "[{\"v\":1,\"type\":\"ping\",\"req\":\"alive\"}]", 0));
  g_assert_nonnull (poll_client_expect (c, "pong"));
}

static void
test_errors (void)
{
  Fixture *fx = fixture_new (3, 0);
  WsClient *ws = ws_client_new (fx, "demo-cust-1");
  PollClient *poll = poll_client_new (fx, "demo-cust-1");
  g_autofree char *line = NULL;
  g_autofree char *big = NULL;
  g_autofree char *big_send = NULL;
  g_autofree char *huge = NULL;
  g_autofree char *body = NULL;
  g_autofree char *other_line = NULL;
  GString *s;

  /* before hello: bad_packet, connection stays */
  ws_client_send (ws, "{\"v\":1,\"type\":\"ping\",\"req\":\"early\"}");
  {
    JsonObject *e = ws_client_expect (ws, "error");
    g_assert_cmpstr (obj_str (e, "code"), ==, "bad_packet");
    g_assert_cmpstr (obj_str (e, "ref"), ==, "early");
  }
  ws_client_hello (ws, -1);
  poll_client_hello (poll, -1);
  line = open_line (ws, "m_lakeside", "inquiry", NULL);
  {
    WsClient *c2 = ws_client_new (fx, "demo-cust-2");
    ws_client_hello (c2, -1);
    other_line = open_line (c2, "m_lakeside", "inquiry", NULL);
    ws_client_free (c2);
  }

  /* bad_json */
  ws_client_send (ws, "{\"v\":1,\"type\":'ping'}");
  expect_ws_error (ws, "bad_json", NULL);
  ws_client_send (ws, "{\"v\":1,\"type\":\"ping\",\"req\":\"tr\"} trailing");
  expect_ws_error (ws, "bad_json", NULL);
  g_assert_cmpuint (http_request (fx, "POST", "/v1/poll", "demo-cust-1", "{\"cursor\":1e999}", &body), ==, 400);
  g_assert_nonnull (strstr (body, "bad_json"));

  /* bad_packet: unknown type, bad random_id, unknown kind */
  ws_client_send (ws, "{\"v\":1,\"type\":\"dance\",\"req\":\"bp\"}");
  expect_ws_error (ws, "bad_packet", "bp");
  expect_poll_error (poll, "[{\"v\":1,\"type\":\"dance\",\"req\":\"bp\"}]", "bad_packet", "bp");
  ws_client_sendf (ws, "{\"v\":1,\"type\":\"send\",\"req\":\"k\",\"random_id\":\"kindkindkindkind01\",\"line\":\"%s\","
                   "\"kind\":\"hologram\",\"body\":{}}", line);
  expect_ws_error (ws, "bad_packet", "k");

  /* too_large: a 70 KiB text, its ref recovered */
  s = g_string_new (NULL);
  for (int i = 0; i < 70 * 1024; i++)
    g_string_append_c (s, 'a');
  big = g_string_free (s, FALSE);
  big_send = g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"req\":\"big\",\"random_id\":\"bigbigbigbigbig001\",\"line\":\"%s\","
                              "\"kind\":\"text\",\"body\":{\"text\":\"%s\"}}", line, big);
  ws_client_send (ws, big_send);
  expect_ws_error (ws, "too_large", "big");
  {
    g_autofree char *arr = g_strdup_printf ("[%s]", big_send);
    expect_poll_error (poll, arr, "too_large", "big");
  }
  /* over 1 MiB: no ref */
  s = g_string_new ("{\"v\":1,\"type\":\"ping\",\"req\":\"huge\",\"pad\":\"");
  while (s->len < 1100 * 1024)
    g_string_append (s, "xxxxxxxxxxxxxxxx");
  g_string_append (s, "\"}");
  huge = g_string_free (s, FALSE);
  ws_client_send (ws, huge);
  expect_ws_error (ws, "too_large", NULL);

  /* unauthorized: before the upgrade and on the poll, with an error body */
  {
    WsClient *bad = ws_client_new (fx, "nope");
    g_autofree char *b = NULL;
    g_assert_cmpuint (bad->status, ==, 401);
    ws_client_free (bad);
    g_assert_cmpuint (http_request (fx, "POST", "/v1/poll", "nope", "{\"cursor\":null}", &b), ==, 401);
    g_assert_nonnull (strstr (b, "\"unauthorized\""));
  }

  /* forbidden: another customer's line; a system message */
  ws_client_sendf (ws, "{\"v\":1,\"type\":\"history\",\"req\":\"fb\",\"line\":\"%s\"}", other_line);
  expect_ws_error (ws, "forbidden", "fb");
  {
    g_autofree char *arr = g_strdup_printf ("[{\"v\":1,\"type\":\"history\",\"req\":\"fb\",\"line\":\"%s\"}]", other_line);
    expect_poll_error (poll, arr, "forbidden", "fb");
  }
  ws_client_sendf (ws, "{\"v\":1,\"type\":\"send\",\"random_id\":\"systemsystem000001\",\"line\":\"%s\","
                   "\"kind\":\"system\",\"body\":{\"text\":\"I am the server\"}}", line);
  expect_ws_error (ws, "forbidden", "systemsystem000001");

  /* not_found: an unknown merchant, an unknown customer */
  ws_client_send (ws, "{\"v\":1,\"type\":\"open\",\"req\":\"nf\",\"object_id\":\"m_nowhere\",\"busi\":\"inquiry\"}");
  expect_ws_error (ws, "not_found", "nf");
  expect_poll_error (poll, "[{\"v\":1,\"type\":\"open\",\"req\":\"nf\",\"object_id\":\"c_99\",\"busi\":\"chat\"}]",
                     "not_found", "nf");

  /* conflict: a second hello; a hello inside a poll */
  ws_client_send (ws, "{\"v\":1,\"type\":\"hello\",\"req\":\"h2\",\"cursor\":null,\"client\":\"x\"}");
  expect_ws_error (ws, "conflict", "h2");
  expect_poll_error (poll, "[{\"v\":1,\"type\":\"hello\",\"req\":\"h2\",\"cursor\":null,\"client\":\"x\"}]",
                     "conflict", "h2");

  /* internal: the fault-injection hook; the next send works */
  td_server_inject_internal_error (fx->server, TRUE);
  ws_client_sendf (ws, "{\"v\":1,\"type\":\"send\",\"req\":\"in\",\"random_id\":\"internalinternal01\",\"line\":\"%s\","
                   "\"kind\":\"text\",\"body\":{\"text\":\"x\"}}", line);
  expect_ws_error (ws, "internal", "in");
  send_text (ws, line, "internalinternal01", "again");
  {
    JsonObject *ack = ws_client_expect (ws, "ack");
    g_assert_false (json_object_get_boolean_member (ack, "dup"));
  }
  td_server_inject_internal_error (fx->server, TRUE);
  {
    g_autofree char *arr = g_strdup_printf ("[{\"v\":1,\"type\":\"send\",\"req\":\"in\",\"random_id\":\"internalpoll000001\","
                                            "\"line\":\"%s\",\"kind\":\"text\",\"body\":{\"text\":\"x\"}}]", line);
    expect_poll_error (poll, arr, "internal", "in");
  }

  /* rate_limited: a small burst for the test, then usable again */
  td_server_set_rate_limit (fx->server, 5, 50, 10000);
  for (int i = 0; i < 8; i++)
    ws_client_sendf (ws, "{\"v\":1,\"type\":\"ping\",\"req\":\"r%d\"}", i);
  {
    JsonObject *e = ws_client_expect (ws, "error");
    g_assert_cmpstr (obj_str (e, "code"), ==, "rate_limited");
  }
  {
    g_autoptr(GString) arr = g_string_new ("[");
    for (int i = 0; i < 8; i++)
      g_string_append_printf (arr, "%s{\"v\":1,\"type\":\"ping\",\"req\":\"r%d\"}", i ? "," : "", i);
    g_string_append (arr, "]");
    poll->pos = poll->packets->len;
    json_object_unref (poll_client_request (poll, arr->str, 0));
    {
      JsonObject *e = poll_client_expect (poll, "error");
      g_assert_cmpstr (obj_str (e, "code"), ==, "rate_limited");
    }
  }
  /* tokens come back: usable */
  {
    gint64 until = g_get_monotonic_time () + 300000;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE);
  }
  td_server_set_rate_limit (fx->server, 100, 20, 10000);
  ws_client_sync (ws);
  json_object_unref (poll_client_request (poll, "[{\"v\":1,\"type\":\"ping\",\"req\":\"alive2\"}]", 0));
  g_assert_nonnull (poll_client_expect (poll, "pong"));

  /* a malformed poll body: 400 with bad_packet */
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (http_request (fx, "POST", "/v1/poll", "demo-cust-1", "{\"wait\":\"soon\"}", &body), ==, 400);
  g_assert_nonnull (strstr (body, "bad_packet"));

  ws_client_free (ws);
  poll_client_free (poll);
  fixture_free (fx);
}

static void
test_admission (void)
{
  Fixture *fx = fixture_new (5, 0);
  WsClient *a, *b, *c;
  g_autofree char *body = NULL;

  /* two sessions at once, then one every 2 s */
  td_server_set_admission (fx->server, 2, 0.5);
  a = ws_client_new (fx, "demo-cust-1");
  b = ws_client_new (fx, "demo-cust-2");
  c = ws_client_new (fx, "demo-cust-3");
  g_assert_nonnull (a->conn);
  g_assert_nonnull (b->conn);
  g_assert_null (c->conn);
  g_assert_cmpuint (c->status, ==, 503);
  g_assert_nonnull (c->retry_after);
  g_assert_cmpint (atoi (c->retry_after), >=, 1);
  /* a new poll session too */
  g_assert_cmpuint (http_request (fx, "POST", "/v1/poll", "demo-cust-4", "{\"cursor\":null}", &body), ==, 503);
  /* the admitted ones work */
  ws_client_hello (a, -1);
  ws_client_hello (b, -1);
  ws_client_free (a);
  ws_client_free (b);
  ws_client_free (c);
  fixture_free (fx);
}

static void
test_websocket_disabled (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *c;
  PollClient *p = poll_client_new (fx, "demo-cust-1");

  td_server_set_websocket_enabled (fx->server, FALSE);
  c = ws_client_new (fx, "demo-cust-1");
  g_assert_null (c->conn);
  g_assert_cmpuint (c->status, ==, 503);
  poll_client_hello (p, -1);
  ws_client_free (c);
  poll_client_free (p);
  fixture_free (fx);
}

static gboolean
rl_flood_cb (gpointer data)
{
  WsClient *c = data;

  /* the test removes this source: never end it here (its id would go stale) */
  if (c->closed || c->conn == NULL ||
      soup_websocket_connection_get_state (c->conn) != SOUP_WEBSOCKET_STATE_OPEN)
    return G_SOURCE_CONTINUE;
  for (int i = 0; i < 5; i++)
    ws_client_send (c, "{\"v\":1,\"type\":\"ping\"}");
  return G_SOURCE_CONTINUE;
}

static void
test_rate_limit_close (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *c = ws_client_new (fx, "demo-cust-1");
  PollClient *p = poll_client_new (fx, "demo-cust-2");
  guint flood;
  guint status = 0;

  ws_client_hello (c, -1);
  poll_client_hello (p, -1);
  /* burst 10, 10/s, closed after 400 ms over the limit */
  td_server_set_rate_limit (fx->server, 10, 10, 400);
  flood = g_timeout_add (10, rl_flood_cb, c);
  iterate_until (&c->closed, "close 4429");
  g_clear_handle_id (&flood, g_source_remove);
  g_assert_cmpuint (c->close_code, ==, 4429);
  g_assert_cmpuint (count_type (c->packets, 0, "error"), >, 0);

  /* long-poll: HTTP 429 once over the limit for long enough */
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    while (g_get_monotonic_time () < until)
      {
        {
          JsonObject *o = poll_client_request (p, "[{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"},"
                                                  "{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"},"
                                                  "{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"},"
                                                  "{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"},"
                                                  "{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"},"
                                                  "{\"v\":1,\"type\":\"ping\"},{\"v\":1,\"type\":\"ping\"}]", 0);
          if (o == NULL)
            {
              status = p->status;
              break;
            }
          json_object_unref (o);
        }
      }
  }
  g_assert_cmpuint (status, ==, 429);
  ws_client_free (c);
  poll_client_free (p);
  fixture_free (fx);
}

typedef struct
{
  TdServer *server;
  guint     n;
} Count;

static gboolean
sessions_at_most (gpointer data)
{
  Count *c = data;
  return td_server_get_n_sessions (c->server) <= c->n;
}

static void
test_reaping (void)
{
  Fixture *fx = fixture_new (2, 1);   /* heartbeat 1 s: silent for 3 s = dead */
  WsClient *alive = ws_client_new (fx, "demo-cust-1");
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketConnection) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;
  char buf[1024];
  gssize n;
  Count cnt;
  PollClient *p = poll_client_new (fx, "demo-cust-2");
  g_autofree char *old_sid = NULL;

  ws_client_hello (alive, -1);
  /* a peer that upgrades, then never answers a ping */
  raw = g_socket_client_connect_to_host (sc, "127.0.0.1", fx->port, NULL, &error);
  g_assert_no_error (error);
  req = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Protocol: tripdesk.v1\r\nAuthorization: Bearer demo-cust-2\r\n\r\n", fx->port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw)), req, strlen (req), NULL, NULL, &error);
  g_assert_no_error (error);
  {
    /* read the 101 without blocking the server (same thread) */
    GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (raw));
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    n = -1;
    while (g_get_monotonic_time () < until)
      {
        g_main_context_iteration (NULL, FALSE);
        if (g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in)))
          {
            n = g_input_stream_read (in, buf, sizeof buf - 1, NULL, &error);
            break;
          }
      }
    g_assert_cmpint (n, >, 12);
    buf[n] = '\0';
    g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 101"));
  }
  g_assert_cmpuint (td_server_get_n_ws_sessions (fx->server), ==, 2);

  cnt.server = fx->server;
  cnt.n = 1;
  g_assert_true (iterate_until_fn (sessions_at_most, &cnt, 10));
  /* the answering peer (libsoup answers pings) is still there */
  g_assert_cmpuint (td_server_get_n_ws_sessions (fx->server), ==, 1);
  g_assert_false (alive->closed);
  ws_client_sync (alive);

  /* a poll session expires without requests */
  td_server_set_poll_expiry (fx->server, 200);
  poll_client_hello (p, -1);
  old_sid = g_strdup (p->sid);
  cnt.n = 1;
  g_assert_true (iterate_until_fn (sessions_at_most, &cnt, 10));
  p->pos = p->packets->len;
  json_object_unref (poll_client_request (p, NULL, 0));
  g_assert_nonnull (poll_client_expect (p, "welcome"));   /* a new session */
  g_assert_cmpstr (p->sid, !=, old_sid);

  ws_client_free (alive);
  poll_client_free (p);
  fixture_free (fx);
}

static void
test_shutdown_refuses (void)
{
  Fixture *fx = fixture_new (2, 0);
  WsClient *c = ws_client_new (fx, "demo-cust-1");
  WsClient *late;

  ws_client_hello (c, -1);
  td_server_shutdown (fx->server, 2000);
  iterate_until (&c->closed, "close on shutdown");
  /* libsoup 3.2 clients do not accept 1012 and report 1002; other clients see 1012 */
  g_assert_true (c->close_code == 1012 || c->close_code == 1002);
  late = ws_client_new (fx, "demo-cust-1");
  g_assert_null (late->conn);
  ws_client_free (c);
  ws_client_free (late);
  fixture_free (fx);
}

/* The hub's index of live sessions (operators by merchant, customers by
 * uid) follows sessions as they come and go: every entitled session gets
 * each event exactly once, and no other session gets it. */
static void
test_fanout_index (void)
{
  Fixture *fx = fixture_new (5, 0);
  WsClient *a1 = ws_client_new (fx, "demo-op-alice");
  WsClient *a2 = ws_client_new (fx, "demo-op-alice");
  WsClient *bob = ws_client_new (fx, "demo-op-bob");      /* m_skyline only */
  WsClient *carol = ws_client_new (fx, "demo-op-carol");  /* m_harbor only */
  WsClient *c1a = ws_client_new (fx, "demo-cust-1");
  WsClient *c1b = ws_client_new (fx, "demo-cust-1");
  WsClient *c2 = ws_client_new (fx, "demo-cust-2");
  WsClient *a3;
  WsClient *all[] = { a1, a2, bob, carol, c1a, c1b, c2 };
  guint from[G_N_ELEMENTS (all)];
  g_autofree char *line = NULL;
  g_autofree char *chat = NULL;
  Count cnt;

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    ws_client_hello (all[i], -1);
  line = open_line (c1a, "m_lakeside", "inquiry", NULL);
  g_assert_nonnull (ws_client_expect (a1, "line"));
  g_assert_nonnull (ws_client_expect (a2, "line"));

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    from[i] = all[i]->packets->len;
  send_text (c1a, line, "fanoutindex000000001", "Do you have a late check-out?");
  g_assert_nonnull (ws_client_expect (c1a, "ack"));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    ws_client_sync (all[i]);
  g_assert_cmpuint (count_type (a1->packets, from[0], "msg"), ==, 1);
  g_assert_cmpuint (count_type (a2->packets, from[1], "msg"), ==, 1);
  g_assert_cmpuint (count_type (bob->packets, from[2], "msg"), ==, 0);
  g_assert_cmpuint (count_type (carol->packets, from[3], "msg"), ==, 0);
  g_assert_cmpuint (count_type (c1a->packets, from[4], "msg"), ==, 1);
  g_assert_cmpuint (count_type (c1b->packets, from[5], "msg"), ==, 1);
  g_assert_cmpuint (count_type (c2->packets, from[6], "msg"), ==, 0);

  /* one of Alice's sessions and one of c_1's leave, Alice comes back */
  ws_client_free (a2);
  ws_client_free (c1b);
  cnt.server = fx->server;
  cnt.n = 5;
  g_assert_true (iterate_until_fn (sessions_at_most, &cnt, 10));
  a3 = ws_client_new (fx, "demo-op-alice");
  ws_client_hello (a3, -1);
  {
    WsClient *now[] = { a1, a3, bob, carol, c1a, c2 };
    guint mark[G_N_ELEMENTS (now)];

    for (guint i = 0; i < G_N_ELEMENTS (now); i++)
      mark[i] = now[i]->packets->len;
    send_text (c1a, line, "fanoutindex000000002", "And a taxi to the airport?");
    g_assert_nonnull (ws_client_expect (c1a, "ack"));
    for (guint i = 0; i < G_N_ELEMENTS (now); i++)
      ws_client_sync (now[i]);
    g_assert_cmpuint (count_type (a1->packets, mark[0], "msg"), ==, 1);
    g_assert_cmpuint (count_type (a3->packets, mark[1], "msg"), ==, 1);
    g_assert_cmpuint (count_type (bob->packets, mark[2], "msg"), ==, 0);
    g_assert_cmpuint (count_type (carol->packets, mark[3], "msg"), ==, 0);
    g_assert_cmpuint (count_type (c1a->packets, mark[4], "msg"), ==, 1);
    g_assert_cmpuint (count_type (c2->packets, mark[5], "msg"), ==, 0);

    /* a chat: both customers (the peer too), no operator */
    chat = open_line (c1a, "c_2", "chat", NULL);
    g_assert_nonnull (ws_client_expect (c2, "line"));
    for (guint i = 0; i < G_N_ELEMENTS (now); i++)
      mark[i] = now[i]->packets->len;
    send_text (c2, chat, "fanoutindex000000003", "See you at the lobby!");
    g_assert_nonnull (ws_client_expect (c2, "ack"));
    for (guint i = 0; i < G_N_ELEMENTS (now); i++)
      ws_client_sync (now[i]);
    g_assert_cmpuint (count_type (a1->packets, mark[0], "msg"), ==, 0);
    g_assert_cmpuint (count_type (a3->packets, mark[1], "msg"), ==, 0);
    g_assert_cmpuint (count_type (bob->packets, mark[2], "msg"), ==, 0);
    g_assert_cmpuint (count_type (carol->packets, mark[3], "msg"), ==, 0);
    g_assert_cmpuint (count_type (c1a->packets, mark[4], "msg"), ==, 1);
    g_assert_cmpuint (count_type (c2->packets, mark[5], "msg"), ==, 1);
  }

  ws_client_free (a1);
  ws_client_free (a3);
  ws_client_free (bob);
  ws_client_free (carol);
  ws_client_free (c1a);
  ws_client_free (c2);
  g_assert_cmpuint (td_server_get_n_sessions (fx->server), <=, 6);
  fixture_free (fx);
}

/* The server's permessage-deflate (td-ws-deflate.c) answers offers as
 * libsoup's own extension did (a small window is the compressor's own
 * business); a message that inflates beyond 4 MiB closes that connection
 * with 1009 and costs the server no more than that. */
static gboolean
client_closed (gpointer data)
{
  return ((WsClient *) data)->closed;
}

static char *
upgrade_answer (Fixture    *fx,
                const char *extensions)
{
  g_autoptr(GSocketClient) sc = g_socket_client_new ();
  g_autoptr(GSocketConnection) raw = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *req = NULL;
  GInputStream *in;
  gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  char buf[2048];
  gssize n = -1;

  raw = g_socket_client_connect_to_host (sc, "127.0.0.1", fx->port, NULL, &error);
  g_assert_no_error (error);
  req = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                         "Sec-WebSocket-Protocol: tripdesk.v1\r\nAuthorization: Bearer demo-cust-1\r\n"
                         "Sec-WebSocket-Extensions: %s\r\n\r\n", fx->port, extensions);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (raw)), req, strlen (req), NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (raw));
  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      if (g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (in)))
        {
          n = g_input_stream_read (in, buf, sizeof buf - 1, NULL, &error);
          break;
        }
    }
  g_assert_cmpint (n, >, 12);
  buf[n] = '\0';
  return g_strdup (buf);
}

static void
test_ws_deflate (void)
{
  Fixture *fx = fixture_new (5, 0);
  WsClient *bomb, *other;
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *c = NULL;
  g_autofree char *d = NULL;
  GString *big;

  a = upgrade_answer (fx, "permessage-deflate; client_max_window_bits");
  g_assert_true (g_str_has_prefix (a, "HTTP/1.1 101"));
  g_assert_nonnull (strstr (a, "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=15\r\n"));
  b = upgrade_answer (fx, "permessage-deflate; client_no_context_takeover; server_max_window_bits=10");
  g_assert_nonnull (strstr (b, "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; "
                               "server_max_window_bits=10\r\n"));
  c = upgrade_answer (fx, "permessage-deflate; server_max_window_bits=16");
  g_assert_true (g_str_has_prefix (c, "HTTP/1.1 400"));
  d = upgrade_answer (fx, "x-webkit-deflate-frame");
  g_assert_true (g_str_has_prefix (d, "HTTP/1.1 101"));
  g_assert_null (strstr (d, "Sec-WebSocket-Extensions"));

  /* 5 MiB of one letter: a few KiB on the wire, too big once inflated */
  bomb = ws_client_new (fx, "demo-cust-1");
  other = ws_client_new (fx, "demo-cust-2");
  ws_client_hello (bomb, -1);
  ws_client_hello (other, -1);
  big = g_string_new ("{\"v\":1,\"type\":\"ping\",\"req\":\"");
  for (guint i = 0; i < 5 * 1024 * 1024; i++)
    g_string_append_c (big, 'a');
  g_string_append (big, "\"}");
  ws_client_send (bomb, big->str);
  g_string_free (big, TRUE);
  g_assert_true (iterate_until_fn (client_closed, bomb, TIMEOUT_S));
  g_assert_cmpuint (bomb->close_code, ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
  /* the others go on, compressed both ways */
  ws_client_sync (other);
  g_assert_false (other->closed);

  ws_client_free (bomb);
  ws_client_free (other);
  fixture_free (fx);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/server/ws-roundtrip", test_ws_roundtrip);
  g_test_add_func ("/tripdesk/server/ws-unauthorized", test_ws_unauthorized);
  g_test_add_func ("/tripdesk/server/healthz", test_healthz);
  g_test_add_func ("/tripdesk/server/poll-crosstransport", test_poll_crosstransport);
  g_test_add_func ("/tripdesk/server/dedup-both-transports", test_dedup_both_transports);
  g_test_add_func ("/tripdesk/server/poll-paging", test_poll_paging);
  g_test_add_func ("/tripdesk/server/poll-snapshot-paging", test_poll_snapshot_paging);
  g_test_add_func ("/tripdesk/server/cursor-ahead", test_cursor_ahead);
  g_test_add_func ("/tripdesk/server/read-typing-notes", test_read_typing_notes);
  g_test_add_func ("/tripdesk/server/state-snooze", test_state_snooze);
  g_test_add_func ("/tripdesk/server/history-paging", test_history_paging);
  g_test_add_func ("/tripdesk/server/login-logout", test_login_logout);
  g_test_add_func ("/tripdesk/server/stats", test_stats);
  g_test_add_func ("/tripdesk/server/resume-restart", test_resume_restart);
  g_test_add_func ("/tripdesk/server/restart-immediate-unref", test_restart_immediate_unref);
  g_test_add_func ("/tripdesk/server/errors", test_errors);
  g_test_add_func ("/tripdesk/server/admission", test_admission);
  g_test_add_func ("/tripdesk/server/websocket-disabled", test_websocket_disabled);
  g_test_add_func ("/tripdesk/server/rate-limit-close", test_rate_limit_close);
  g_test_add_func ("/tripdesk/server/reaping", test_reaping);
  g_test_add_func ("/tripdesk/server/fanout-index", test_fanout_index);
  g_test_add_func ("/tripdesk/server/ws-deflate", test_ws_deflate);
  g_test_add_func ("/tripdesk/server/shutdown-refuses", test_shutdown_refuses);
  g_test_add_func ("/tripdesk/server/db-refused", test_db_refused);
  g_test_add_func ("/tripdesk/server/demo-loopback-only", test_demo_loopback_only);
  g_test_add_func ("/tripdesk/server/demo-seed-fast", test_demo_seed_fast);

  ret = g_test_run ();
  /* closing connections finish before the leak checker looks */
  drain_main_context (1000);
  return ret;
}

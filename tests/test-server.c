/* test-server.c — tripdesk-server in-process on 127.0.0.1 port 0, real libsoup clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "test-server-common.h"

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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/server/ws-roundtrip", test_ws_roundtrip);
  g_test_add_func ("/tripdesk/server/ws-unauthorized", test_ws_unauthorized);
  g_test_add_func ("/tripdesk/server/healthz", test_healthz);

  return g_test_run ();
}

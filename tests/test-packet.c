/* test-packet.c — the packet codec, TdMessage, TdLine and protocol helpers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include <string.h>

#include "tripdesk-common.h"

#define RID "Rnd_0123456789-abcdef"   /* a valid random_id */

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Parses @json (must succeed), checks that serialising and parsing again
 * gives the same JSON, and returns the first parse. */
static TdPacket *
parse_ok (const char        *json,
          TdPacketDirection  direction)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(TdPacket) again = NULL;
  g_autofree char *out1 = NULL;
  g_autofree char *out2 = NULL;
  TdPacket *packet;
  gsize len = 0;

  packet = td_packet_parse (json, strlen (json), direction, &ref, &error);
  if (packet == NULL)
    g_error ("Refused «%s»: %s", json, error->message);
  g_assert_no_error (error);
  g_assert_null (ref);

  out1 = td_packet_to_json (packet, &len);
  g_assert_cmpuint (len, ==, strlen (out1));
  again = td_packet_parse (out1, len, direction, NULL, &error);
  if (again == NULL)
    g_error ("Refused own output «%s»: %s", out1, error->message);
  g_assert_cmpint (again->type, ==, packet->type);
  out2 = td_packet_to_json (again, NULL);
  g_assert_cmpstr (out1, ==, out2);

  return packet;
}

static void
parse_fail_len (const char        *json,
                gsize              len,
                TdPacketDirection  direction,
                TdProtocolError    code,
                const char        *expected_ref)
{
  static char sentinel[] = "garbage";
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(TdPacket) packet = NULL;

  /* *ref_out is always written */
  ref = sentinel;
  packet = td_packet_parse (json, len, direction, &ref, &error);
  g_assert_true (ref != sentinel);
  if (packet != NULL)
    g_error ("Accepted «%.*s»", (int) MIN (len, 300), json);
  g_assert_error (error, TD_PROTOCOL_ERROR, (int) code);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_cmpstr (ref, ==, expected_ref);

  /* Without the optional out-argument too. */
  g_clear_error (&error);
  packet = td_packet_parse (json, len, direction, NULL, &error);
  g_assert_null (packet);
  g_assert_error (error, TD_PROTOCOL_ERROR, (int) code);
}

static void
parse_fail (const char        *json,
            TdPacketDirection  direction,
            TdProtocolError    code,
            const char        *expected_ref)
{
  parse_fail_len (json, strlen (json), direction, code, expected_ref);
}

static void
client_bad (const char *json)
{
  parse_fail (json, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, NULL);
}

static void
server_bad (const char *json)
{
  parse_fail (json, TD_FROM_SERVER, TD_PROTOCOL_ERROR_BAD_PACKET, NULL);
}

static char *
send_json (const char *kind,
           const char *body)
{
  return g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\","
                          "\"line\":\"ml_1\",\"kind\":\"%s\",\"body\":%s}", kind, body);
}

static void
send_ok (const char *kind,
         const char *body)
{
  g_autofree char *json = send_json (kind, body);
  g_autoptr(TdPacket) p = parse_ok (json, TD_FROM_CLIENT);

  g_assert_cmpint (p->type, ==, TD_PACKET_SEND);
  g_assert_cmpstr (p->kind, ==, kind);
  g_assert_nonnull (p->body);
}

/* A send with a bad body: refused, with the random_id as ref. */
static void
send_bad_code (const char      *kind,
               const char      *body,
               TdProtocolError  code)
{
  g_autofree char *json = send_json (kind, body);

  parse_fail (json, TD_FROM_CLIENT, code, RID);
}

static void
send_bad (const char *kind,
          const char *body)
{
  send_bad_code (kind, body, TD_PROTOCOL_ERROR_BAD_PACKET);
}

static char *
message_json (const char *kind,
              const char *body,
              gint64      line_seq)
{
  return g_strdup_printf ("{\"id\":9001,\"line\":\"ml_1\",\"line_seq\":%" G_GINT64_FORMAT ","
                          "\"sender\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"Ann\"},"
                          "\"kind\":\"%s\",\"body\":%s,\"ts\":1764460800000,"
                          "\"random_id\":\"" RID "\"}", line_seq, kind, body);
}

static TdMessage *
message_from (const char *kind,
              const char *body)
{
  g_autofree char *json = message_json (kind, body, g_str_equal (kind, "note") ? 0 : 7);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  TdMessage *msg;

  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);
  msg = td_message_new_from_json (object, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (msg);
  return msg;
}

static char *
string_of (gsize       n,
           const char *unit)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------ */
/* Protocol helpers                                                    */

static void
test_error_names (void)
{
  static const struct { TdProtocolError code; const char *name; gboolean permanent; } cases[] = {
    { TD_PROTOCOL_ERROR_BAD_JSON, "bad_json", FALSE },
    { TD_PROTOCOL_ERROR_BAD_PACKET, "bad_packet", TRUE },
    { TD_PROTOCOL_ERROR_TOO_LARGE, "too_large", TRUE },
    { TD_PROTOCOL_ERROR_UNAUTHORIZED, "unauthorized", FALSE },
    { TD_PROTOCOL_ERROR_FORBIDDEN, "forbidden", TRUE },
    { TD_PROTOCOL_ERROR_NOT_FOUND, "not_found", FALSE },
    { TD_PROTOCOL_ERROR_RATE_LIMITED, "rate_limited", FALSE },
    { TD_PROTOCOL_ERROR_CONFLICT, "conflict", FALSE },
    { TD_PROTOCOL_ERROR_INTERNAL, "internal", FALSE },
  };
  TdProtocolError code;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_cmpstr (td_protocol_error_to_string (cases[i].code), ==, cases[i].name);
      g_assert_true (td_protocol_error_from_string (cases[i].name, &code));
      g_assert_cmpint (code, ==, cases[i].code);
      g_assert_cmpint (td_protocol_error_is_permanent (cases[i].code), ==, cases[i].permanent);
    }

  code = TD_PROTOCOL_ERROR_BAD_JSON;
  g_assert_false (td_protocol_error_from_string ("nope", &code));
  g_assert_cmpint (code, ==, TD_PROTOCOL_ERROR_INTERNAL);
  g_assert_false (td_protocol_error_from_string (NULL, &code));
  g_assert_false (td_protocol_error_from_string ("BAD_JSON", NULL));
  g_assert_cmpuint (TD_PROTOCOL_ERROR, !=, 0);
  g_assert_cmpuint (TD_PROTOCOL_ERROR, ==, g_quark_from_string ("td-protocol-error-quark"));
}

static void
test_enum_names (void)
{
  TdRole role;
  TdBusi busi;
  TdLineState state;
  const char *kinds[] = { "text", "image", "order", "hotel", "flight", "quick",
                          "rating", "system", "note" };

  g_assert_cmpstr (td_role_to_string (TD_ROLE_CUSTOMER), ==, "customer");
  g_assert_cmpstr (td_role_to_string (TD_ROLE_OPERATOR), ==, "operator");
  g_assert_true (td_role_from_string ("operator", &role));
  g_assert_cmpint (role, ==, TD_ROLE_OPERATOR);
  g_assert_false (td_role_from_string ("admin", &role));
  g_assert_false (td_role_from_string (NULL, &role));

  for (int b = TD_BUSI_INQUIRY; b <= TD_BUSI_CHAT; b++)
    {
      g_assert_true (td_busi_from_string (td_busi_to_string (b), &busi));
      g_assert_cmpint (busi, ==, b);
    }
  g_assert_cmpstr (td_busi_to_string (TD_BUSI_NOTICE), ==, "notice");
  g_assert_false (td_busi_from_string ("Inquiry", &busi));

  for (int s = TD_LINE_STATE_OPEN; s <= TD_LINE_STATE_RESOLVED; s++)
    {
      g_assert_true (td_line_state_from_string (td_line_state_to_string (s), &state));
      g_assert_cmpint (state, ==, s);
    }
  g_assert_cmpstr (td_line_state_to_string (TD_LINE_STATE_SNOOZED), ==, "snoozed");
  g_assert_false (td_line_state_from_string ("closed", &state));

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      g_assert_cmpint (td_kind_from_string (kinds[k]), ==, (TdKind) k);
      g_assert_cmpstr (td_kind_to_string ((TdKind) k), ==, kinds[k]);
    }
  g_assert_cmpint (td_kind_from_string ("sticker"), ==, TD_KIND_UNKNOWN);
  g_assert_cmpint (td_kind_from_string (NULL), ==, TD_KIND_UNKNOWN);
  g_assert_null (td_kind_to_string (TD_KIND_UNKNOWN));

  for (int t = TD_PACKET_HELLO; t < TD_PACKET_N_TYPES; t++)
    g_assert_cmpint (td_packet_type_from_string (td_packet_type_to_string (t)), ==, t);
  g_assert_cmpint (td_packet_type_from_string ("nope"), ==, TD_PACKET_UNKNOWN);
  g_assert_cmpint (td_packet_type_from_string (NULL), ==, TD_PACKET_UNKNOWN);
}

static void
test_random_id (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *s15 = string_of (15, "a");
  g_autofree char *s16 = string_of (16, "a");
  g_autofree char *s64 = string_of (64, "Z");
  g_autofree char *s65 = string_of (65, "Z");

  for (int i = 0; i < 20000; i++)
    {
      char *id = td_random_id_new ();

      g_assert_true (td_random_id_is_valid (id));
      g_assert_cmpuint (strlen (id), >=, 16);
      g_assert_cmpuint (strlen (id), <=, 64);
      g_assert_false (g_hash_table_contains (seen, id));
      g_hash_table_add (seen, id);
    }

  /* The clock prefix: a later id never sorts before an earlier one's
   * clock part, and the random part differs. */
  a = td_random_id_new ();
  b = td_random_id_new ();
  g_assert_cmpint (strncmp (a, b, 7), <=, 0);
  g_assert_cmpstr (a + 7, !=, b + 7);

  g_assert_false (td_random_id_is_valid (NULL));
  g_assert_false (td_random_id_is_valid (""));
  g_assert_false (td_random_id_is_valid (s15));
  g_assert_true (td_random_id_is_valid (s16));
  g_assert_true (td_random_id_is_valid (s64));
  g_assert_false (td_random_id_is_valid (s65));
  g_assert_true (td_random_id_is_valid ("azAZ09_-azAZ09_-"));
  g_assert_false (td_random_id_is_valid ("aaaaaaaaaaaaaaa."));
  g_assert_false (td_random_id_is_valid ("aaaaaaaaaaaaaaa "));
  g_assert_false (td_random_id_is_valid ("aaaaaaaaaaaaaaaé"));
  g_assert_false (td_random_id_is_valid ("aaaaaaaaaaaaaaa/"));
}

static void
test_object_id (void)
{
  static const struct { const char *in; const char *merchant; } cases[] = {
    { "m_lakeside", "m_lakeside" },
    { "m_lakeside/order/TD-1001", "m_lakeside" },
    { "m_a", "m_a" },
    { "m_a_1/x", "m_a_1" },
    { "m_9/中文", "m_9" },
    { "m_", NULL },
    { "m_/x", NULL },
    { "m_lakeside/", NULL },
    { "m_Lakeside", NULL },
    { "m_lake-side", NULL },
    { "m_lake side", NULL },
    { "M_lakeside", NULL },
    { "c_1", NULL },
    { "lakeside", NULL },
    { "", NULL },
    { "m_a/b\nc", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *m = td_object_id_dup_merchant (cases[i].in);

      g_assert_cmpstr (m, ==, cases[i].merchant);
    }
  g_assert_null (td_object_id_dup_merchant (NULL));
}

static void
test_chat_pair (void)
{
  const char *first = NULL, *second = NULL;

  td_chat_pair_order ("c_2", "c_10", &first, &second);
  g_assert_cmpstr (first, ==, "c_10");   /* byte-wise */
  g_assert_cmpstr (second, ==, "c_2");
  td_chat_pair_order ("c_1", "c_3", &first, &second);
  g_assert_cmpstr (first, ==, "c_1");
  g_assert_cmpstr (second, ==, "c_3");
  td_chat_pair_order ("c_5", "c_5", &first, &second);
  g_assert_cmpstr (first, ==, "c_5");
  g_assert_cmpstr (second, ==, "c_5");
}

static void
test_now (void)
{
  gint64 now = td_now_ms ();

  g_assert_cmpint (now, >, G_GINT64_CONSTANT (1600000000000));
  g_assert_cmpint (ABS (now - g_get_real_time () / 1000), <, 5000);
}

/* ------------------------------------------------------------------ */
/* Envelope                                                            */

static void
test_envelope (void)
{
  g_autoptr(TdPacket) p = NULL;
  g_autofree char *req64 = string_of (64, "中");
  g_autofree char *req65 = string_of (65, "r");
  g_autofree char *json = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"ping\",\"req\":\"r1\"}", TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_PING);
  g_assert_cmpstr (p->req, ==, "r1");
  g_clear_pointer (&p, td_packet_unref);

  /* Unknown extra fields are ignored. */
  p = parse_ok ("{\"v\":1,\"type\":\"ping\",\"extra\":[1,{\"x\":null}],\"zzz\":\"q\"}", TD_FROM_CLIENT);
  g_assert_null (p->req);
  g_clear_pointer (&p, td_packet_unref);

  /* req: ≤ 64 chars (code points) */
  json = g_strdup_printf ("{\"v\":1,\"type\":\"ping\",\"req\":\"%s\"}", req64);
  p = parse_ok (json, TD_FROM_CLIENT);
  g_assert_cmpstr (p->req, ==, req64);
  g_clear_pointer (&p, td_packet_unref);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf ("{\"v\":1,\"type\":\"ping\",\"req\":\"%s\"}", req65);
  client_bad (json);
  client_bad ("{\"v\":1,\"type\":\"ping\",\"req\":42}");
  client_bad ("{\"v\":1,\"type\":\"ping\",\"req\":[\"r\"]}");

  /* v */
  client_bad ("{\"type\":\"ping\"}");
  parse_fail ("{\"v\":2,\"type\":\"ping\",\"req\":\"r9\"}", TD_FROM_CLIENT,
              TD_PROTOCOL_ERROR_BAD_PACKET, "r9");
  client_bad ("{\"v\":\"1\",\"type\":\"ping\"}");
  client_bad ("{\"v\":1.0,\"type\":\"ping\"}");
  client_bad ("{\"v\":null,\"type\":\"ping\"}");
  client_bad ("{\"v\":0,\"type\":\"ping\"}");
  server_bad ("{\"v\":2,\"type\":\"pong\",\"server_time\":1}");

  /* type */
  client_bad ("{\"v\":1}");
  client_bad ("{\"v\":1,\"type\":1}");
  client_bad ("{\"v\":1,\"type\":\"\"}");
  client_bad ("{\"v\":1,\"type\":\"Ping\"}");
  client_bad ("{\"v\":1,\"type\":null}");
}

static void
test_direction (void)
{
  g_autoptr(TdPacket) p = NULL;

  /* server types from a client, client types from the server */
  client_bad ("{\"v\":1,\"type\":\"welcome\"}");
  client_bad ("{\"v\":1,\"type\":\"pong\",\"server_time\":1}");
  client_bad ("{\"v\":1,\"type\":\"synced\",\"cursor\":1}");
  client_bad ("{\"v\":1,\"type\":\"error\",\"code\":\"internal\",\"message\":\"\"}");
  parse_fail ("{\"v\":1,\"type\":\"ack\",\"req\":\"r1\"}", TD_FROM_CLIENT,
              TD_PROTOCOL_ERROR_BAD_PACKET, "r1");
  server_bad ("{\"v\":1,\"type\":\"ping\"}");
  server_bad ("{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"x\"}");
  server_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"inquiry\"}");
  server_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"open\"}");
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"l\","
              "\"kind\":\"text\",\"body\":{\"text\":\"x\"}}", TD_FROM_SERVER,
              TD_PROTOCOL_ERROR_BAD_PACKET, RID);

  /* an unknown type: ignored from the server, refused from a client */
  p = parse_ok ("{\"v\":1,\"type\":\"presence\",\"who\":\"o_bob\",\"req\":\"r3\"}", TD_FROM_SERVER);
  g_assert_cmpint (p->type, ==, TD_PACKET_UNKNOWN);
  g_assert_cmpstr (p->req, ==, "r3");
  parse_fail ("{\"v\":1,\"type\":\"presence\",\"req\":\"r3\"}", TD_FROM_CLIENT,
              TD_PROTOCOL_ERROR_BAD_PACKET, "r3");
  client_bad ("{\"v\":1,\"type\":\"unknown\"}");
  /* but v still matters */
  server_bad ("{\"v\":3,\"type\":\"presence\"}");
}

static void
test_bad_json (void)
{
  const char *cases[] = {
    "", "   ", "[]", "{'v':1}", "{\"v\":1,\"type\":\"ping\"}x",
    "{\"v\":1,\"type\":\"ping\",\"n\":NaN}", "{\"v\":1,\"type\":\"ping\",\"n\":1e999}",
    "{\"v\":0x1,\"type\":\"ping\"}", "{\"v\":1,\"type\":\"ping\",\"n\":9223372036854775808}",
    "{\"v\":1,\"type\":\"ping\",\"s\":\"\\u0000\"}", "{\"v\":1,\"type\":\"ping\",\"s\":\"\xff\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      parse_fail (cases[i], TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_JSON, NULL);
      parse_fail (cases[i], TD_FROM_SERVER, TD_PROTOCOL_ERROR_BAD_JSON, NULL);
    }

  /* A raw NUL (so the length counts) */
  parse_fail_len ("{\"v\":1,\"type\":\"ping\"}\0", 22, TD_FROM_CLIENT,
                  TD_PROTOCOL_ERROR_BAD_JSON, NULL);
}

static void
test_deep_nesting (void)
{
  GString *s = g_string_new ("{\"v\":1,\"type\":\"ping\",\"x\":");
  g_autofree char *json = NULL;

  for (int i = 0; i < 10000; i++)
    g_string_append_c (s, '[');
  for (int i = 0; i < 10000; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '}');
  json = g_string_free (s, FALSE);

  parse_fail (json, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_JSON, NULL);
  parse_fail (json, TD_FROM_SERVER, TD_PROTOCOL_ERROR_BAD_JSON, NULL);
}

/* ------------------------------------------------------------------ */
/* Sizes                                                               */

/* A client packet of exactly @size bytes, padded with an ignored field. */
static char *
padded (const char *head,
        gsize       size)
{
  GString *s = g_string_new (head);
  const char *tail = "\"}";

  g_string_append (s, ",\"pad\":\"");
  g_assert_cmpuint (s->len + strlen (tail), <=, size);
  while (s->len + strlen (tail) < size)
    g_string_append_c (s, 'x');
  g_string_append (s, tail);
  g_assert_cmpuint (s->len, ==, size);
  return g_string_free (s, FALSE);
}

static void
test_too_large (void)
{
  const char *ping = "{\"v\":1,\"type\":\"ping\",\"req\":\"big\"";
  const char *send = "{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"ml_1\","
                     "\"kind\":\"text\",\"body\":{\"text\":\"hi\"}";
  g_autofree char *at_limit = padded (ping, TD_MAX_CLIENT_PACKET);
  g_autofree char *over = padded (ping, TD_MAX_CLIENT_PACKET + 1);
  g_autofree char *send_over = padded (send, 512 * 1024);
  g_autofree char *send_at_mib = padded (send, TD_MAX_SERVER_PACKET);
  g_autofree char *beyond = padded (ping, TD_MAX_SERVER_PACKET + 1);
  g_autofree char *bad_json_over = NULL;
  g_autoptr(TdPacket) p = NULL;

  /* exactly 64 KiB is fine */
  p = parse_ok (at_limit, TD_FROM_CLIENT);
  g_assert_cmpstr (p->req, ==, "big");
  g_clear_pointer (&p, td_packet_unref);

  /* over 64 KiB: too_large, with the ref recovered (req, else random_id) */
  parse_fail (over, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_TOO_LARGE, "big");
  parse_fail (send_over, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_TOO_LARGE, RID);
  parse_fail (send_at_mib, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_TOO_LARGE, RID);
  /* beyond 1 MiB: no ref */
  parse_fail (beyond, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_TOO_LARGE, NULL);

  /* over 64 KiB and not even JSON: still too_large, no ref */
  bad_json_over = g_strdup (over);
  bad_json_over[strlen (bad_json_over) - 1] = ',';
  parse_fail (bad_json_over, TD_FROM_CLIENT, TD_PROTOCOL_ERROR_TOO_LARGE, NULL);

  /* The server may send up to 1 MiB. */
  {
    const char *pong = "{\"v\":1,\"type\":\"pong\",\"server_time\":5,\"req\":\"big\"";
    g_autofree char *pong_mib = padded (pong, TD_MAX_SERVER_PACKET);
    g_autofree char *pong_over = padded (pong, TD_MAX_SERVER_PACKET + 1);

    p = parse_ok (pong_mib, TD_FROM_SERVER);
    g_assert_cmpint (p->server_time, ==, 5);
    parse_fail (pong_over, TD_FROM_SERVER, TD_PROTOCOL_ERROR_TOO_LARGE, NULL);
  }
}

static void
test_ref_recovery (void)
{
  /* req wins over random_id */
  parse_fail ("{\"v\":1,\"type\":\"send\",\"req\":\"r5\",\"random_id\":\"" RID "\",\"line\":\"ml_1\","
              "\"kind\":\"sticker\",\"body\":{}}", TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, "r5");
  /* a malformed req is not echoed: the random_id is */
  parse_fail ("{\"v\":1,\"type\":\"send\",\"req\":5,\"random_id\":\"" RID "\",\"line\":\"ml_1\","
              "\"kind\":\"sticker\",\"body\":{}}", TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, RID);
  /* a malformed random_id is not echoed */
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"short\",\"line\":\"ml_1\","
              "\"kind\":\"text\",\"body\":{\"text\":\"x\"}}", TD_FROM_CLIENT,
              TD_PROTOCOL_ERROR_BAD_PACKET, NULL);
  /* only a send's random_id */
  parse_fail ("{\"v\":1,\"type\":\"read\",\"random_id\":\"" RID "\",\"line\":\"ml_1\"}",
              TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, NULL);
}

/* ------------------------------------------------------------------ */
/* Client packets                                                      */

static void
test_hello (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"tripdesk/0.1\"}", TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_HELLO);
  g_assert_false (p->has_cursor);
  g_assert_cmpstr (p->client, ==, "tripdesk/0.1");
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"hello\",\"cursor\":0,\"client\":\"\"}", TD_FROM_CLIENT);
  g_assert_true (p->has_cursor);
  g_assert_cmpint (p->cursor, ==, 0);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"hello\",\"cursor\":9007199254740992,\"client\":\"x\"}", TD_FROM_CLIENT);
  g_assert_cmpint (p->cursor, ==, TD_MAX_SAFE_INT);
  g_clear_pointer (&p, td_packet_unref);

  client_bad ("{\"v\":1,\"type\":\"hello\",\"cursor\":-1,\"client\":\"x\"}");
  client_bad ("{\"v\":1,\"type\":\"hello\",\"cursor\":\"5\",\"client\":\"x\"}");
  client_bad ("{\"v\":1,\"type\":\"hello\",\"cursor\":1.5,\"client\":\"x\"}");
  client_bad ("{\"v\":1,\"type\":\"hello\",\"client\":\"x\"}");
  /* `client` is informational: an outside client may leave it out. */
  p = parse_ok ("{\"v\":1,\"type\":\"hello\",\"cursor\":1}", TD_FROM_CLIENT);
  g_assert_true (p->has_cursor);
  g_assert_null (p->client);
  g_clear_pointer (&p, td_packet_unref);
  client_bad ("{\"v\":1,\"type\":\"hello\",\"cursor\":1,\"client\":7}");
}

static void
test_send (void)
{
  g_autoptr(TdPacket) p = NULL;
  g_autofree char *rid16 = string_of (16, "a");
  g_autofree char *rid64 = string_of (64, "b");
  g_autofree char *rid65 = string_of (65, "b");
  g_autofree char *json = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"send\",\"req\":\"r1\",\"random_id\":\"" RID "\","
                "\"line\":\"ml_1\",\"kind\":\"text\",\"body\":{\"text\":\"Hello\",\"extra\":1}}",
                TD_FROM_CLIENT);
  g_assert_cmpstr (p->random_id, ==, RID);
  g_assert_cmpstr (p->line_id, ==, "ml_1");
  g_assert_cmpstr (p->kind, ==, "text");
  g_assert_cmpstr (json_object_get_string_member (p->body, "text"), ==, "Hello");
  g_clear_pointer (&p, td_packet_unref);

#define SEND_RID "{\"v\":1,\"type\":\"send\",\"random_id\":\"%s\",\"line\":\"ml_1\"," \
                      "\"kind\":\"text\",\"body\":{\"text\":\"x\"}}"
  json = g_strdup_printf (SEND_RID, rid16);
  g_clear_pointer (&p, td_packet_unref);
  p = parse_ok (json, TD_FROM_CLIENT);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf (SEND_RID, rid64);
  g_clear_pointer (&p, td_packet_unref);
  p = parse_ok (json, TD_FROM_CLIENT);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf (SEND_RID, rid65);
  client_bad (json);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf (SEND_RID, "aaaaaaaaaaaaaaa");
  client_bad (json);
  g_clear_pointer (&json, g_free);
  json = g_strdup_printf (SEND_RID, "aaaaaaaa.aaaaaaaaaa");
  client_bad (json);
#undef SEND_RID

  client_bad ("{\"v\":1,\"type\":\"send\",\"line\":\"ml_1\",\"kind\":\"text\",\"body\":{\"text\":\"x\"}}");
  client_bad ("{\"v\":1,\"type\":\"send\",\"random_id\":123,\"line\":\"ml_1\",\"kind\":\"text\",\"body\":{\"text\":\"x\"}}");
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"kind\":\"text\",\"body\":{\"text\":\"x\"}}",
              TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, RID);
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"\",\"kind\":\"text\",\"body\":{\"text\":\"x\"}}",
              TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, RID);
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"ml_1\",\"body\":{\"text\":\"x\"}}",
              TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, RID);
  parse_fail ("{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"ml_1\",\"kind\":\"text\"}",
              TD_FROM_CLIENT, TD_PROTOCOL_ERROR_BAD_PACKET, RID);
  send_bad ("text", "[\"x\"]");
  send_bad ("text", "\"x\"");
  send_bad ("text", "null");

  /* unknown kinds: refused from a client */
  send_bad ("sticker", "{\"id\":5}");
  send_bad ("TEXT", "{\"text\":\"x\"}");
  send_bad ("", "{\"text\":\"x\"}");
  /* a body must stay shallow enough to travel inside a history reply
   * inside a poll answer (depth 16, the body itself being 1) */
  {
    g_autofree char *arrays15 = NULL;
    g_autofree char *arrays16 = NULL;
    g_autofree char *deep_ok = NULL;
    g_autofree char *too_deep = NULL;
    GString *s15 = g_string_new (NULL), *s16 = g_string_new (NULL);

    for (int i = 0; i < 15; i++)
      g_string_append_c (s15, '[');
    for (int i = 0; i < 15; i++)
      g_string_append_c (s15, ']');
    g_string_append_printf (s16, "[%s]", s15->str);
    arrays15 = g_string_free (s15, FALSE);
    arrays16 = g_string_free (s16, FALSE);
    deep_ok = g_strdup_printf ("{\"text\":\"x\",\"extra\":%s}", arrays15);
    too_deep = g_strdup_printf ("{\"text\":\"x\",\"extra\":%s}", arrays16);
    send_ok ("text", deep_ok);
    send_bad ("text", too_deep);
  }

  /* system and note parse: the server decides who may send them */
  send_ok ("system", "{\"text\":\"x\"}");
  send_ok ("note", "{\"text\":\"x\"}");
}

static void
test_kind_text (void)
{
  g_autofree char *max_ascii = string_of (TD_MAX_TEXT_CHARS, "a");
  g_autofree char *max_wide = string_of (TD_MAX_TEXT_CHARS, "酒");
  g_autofree char *max_emoji = string_of (TD_MAX_TEXT_CHARS, "😀");
  g_autofree char *over = string_of (TD_MAX_TEXT_CHARS + 1, "a");
  g_autofree char *over_wide = string_of (TD_MAX_TEXT_CHARS + 1, "酒");
  g_autofree char *body = NULL;

  const char *kinds[] = { "text", "note", "system" };

  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    {
      send_ok (kinds[k], "{\"text\":\"a\"}");
      send_ok (kinds[k], "{\"text\":\"line1\\nline2 \\u00e9\"}");

      body = g_strdup_printf ("{\"text\":\"%s\"}", max_ascii);
      send_ok (kinds[k], body);
      g_clear_pointer (&body, g_free);
      body = g_strdup_printf ("{\"text\":\"%s\"}", max_wide);   /* 12000 bytes, 4000 chars */
      send_ok (kinds[k], body);
      g_clear_pointer (&body, g_free);
      body = g_strdup_printf ("{\"text\":\"%s\"}", max_emoji);  /* 16000 bytes */
      send_ok (kinds[k], body);
      g_clear_pointer (&body, g_free);
      body = g_strdup_printf ("{\"text\":\"%s\"}", over);
      send_bad (kinds[k], body);
      g_clear_pointer (&body, g_free);
      body = g_strdup_printf ("{\"text\":\"%s\"}", over_wide);
      send_bad (kinds[k], body);
      g_clear_pointer (&body, g_free);

      send_bad (kinds[k], "{\"text\":\"\"}");
      send_bad (kinds[k], "{}");
      send_bad (kinds[k], "{\"text\":5}");
      send_bad (kinds[k], "{\"text\":null}");
      send_bad (kinds[k], "{\"text\":[\"a\"]}");
      send_bad (kinds[k], "{\"Text\":\"a\"}");
    }
}

static void
test_kind_image (void)
{
  g_autofree char *thumb_max = NULL;
  g_autofree char *thumb_over = NULL;
  g_autofree char *body = NULL;
  const char *prefix = "data:image/png;base64,";

  send_ok ("image", "{\"url\":\"https://img.example/1.jpg\",\"width\":1200,\"height\":800}");
  send_ok ("image", "{\"url\":\"https://img.example/1.jpg\",\"width\":1,\"height\":1,"
                    "\"thumb\":\"data:image/jpeg;base64,AAAA\"}");

  /* thumb: a data: URI of at most 16 KiB */
  {
    g_autofree char *pad = string_of (TD_MAX_THUMB_BYTES - strlen (prefix), "A");
    g_autofree char *pad_over = string_of (TD_MAX_THUMB_BYTES - strlen (prefix) + 1, "A");

    thumb_max = g_strconcat (prefix, pad, NULL);
    thumb_over = g_strconcat (prefix, pad_over, NULL);
  }
  g_assert_cmpuint (strlen (thumb_max), ==, TD_MAX_THUMB_BYTES);
  body = g_strdup_printf ("{\"url\":\"u\",\"width\":2,\"height\":2,\"thumb\":\"%s\"}", thumb_max);
  send_ok ("image", body);
  g_clear_pointer (&body, g_free);
  body = g_strdup_printf ("{\"url\":\"u\",\"width\":2,\"height\":2,\"thumb\":\"%s\"}", thumb_over);
  send_bad_code ("image", body, TD_PROTOCOL_ERROR_TOO_LARGE);

  send_bad ("image", "{\"url\":\"u\",\"width\":2,\"height\":2,\"thumb\":\"https://x/t.png\"}");
  send_bad ("image", "{\"url\":\"u\",\"width\":2,\"height\":2,\"thumb\":5}");
  send_bad ("image", "{\"width\":2,\"height\":2}");
  send_bad ("image", "{\"url\":\"\",\"width\":2,\"height\":2}");
  send_bad ("image", "{\"url\":7,\"width\":2,\"height\":2}");
  send_bad ("image", "{\"url\":\"u\",\"width\":0,\"height\":2}");
  send_bad ("image", "{\"url\":\"u\",\"width\":2,\"height\":-1}");
  send_bad ("image", "{\"url\":\"u\",\"width\":2.5,\"height\":2}");
  send_bad ("image", "{\"url\":\"u\",\"width\":\"2\",\"height\":2}");
  send_bad ("image", "{\"url\":\"u\",\"width\":2}");
}

#define ORDER(date, amount, currency) \
  "{\"order_no\":\"TD-1001\",\"product\":\"Lakeside 2 nights\",\"travel_date\":\"" date "\"," \
  "\"status\":\"paid\",\"amount\":" amount ",\"currency\":\"" currency "\"}"

static void
test_kind_order (void)
{
  send_ok ("order", ORDER ("2026-05-01", "1280.5", "CNY"));
  send_ok ("order", ORDER ("2028-02-29", "1280", "EUR"));   /* leap year */
  send_ok ("order", ORDER ("2000-02-29", "0", "USD"));
  send_ok ("order", ORDER ("2026-12-31", "1e3", "JPY"));

  send_bad ("order", ORDER ("2026-02-29", "1", "CNY"));     /* not a leap year */
  send_bad ("order", ORDER ("1900-02-29", "1", "CNY"));
  send_bad ("order", ORDER ("2026-04-31", "1", "CNY"));
  send_bad ("order", ORDER ("2026-13-01", "1", "CNY"));
  send_bad ("order", ORDER ("2026-00-10", "1", "CNY"));
  send_bad ("order", ORDER ("2026-01-00", "1", "CNY"));
  send_bad ("order", ORDER ("2026-1-01", "1", "CNY"));
  send_bad ("order", ORDER ("2026/01/01", "1", "CNY"));
  send_bad ("order", ORDER ("2026-01-01T00:00", "1", "CNY"));
  send_bad ("order", ORDER ("26-01-01", "1", "CNY"));
  send_bad ("order", ORDER ("0000-01-01", "1", "CNY"));
  send_bad ("order", ORDER ("", "1", "CNY"));
  send_bad ("order", ORDER ("2026-05-01", "\"1\"", "CNY"));
  send_bad ("order", ORDER ("2026-05-01", "null", "CNY"));
  send_bad ("order", ORDER ("2026-05-01", "1", "cny"));
  send_bad ("order", ORDER ("2026-05-01", "1", "CN"));
  send_bad ("order", ORDER ("2026-05-01", "1", "CNYY"));
  send_bad ("order", ORDER ("2026-05-01", "1", "C1Y"));
  send_bad ("order", ORDER ("2026-05-01", "1", ""));
  send_bad ("order", "{\"product\":\"p\",\"travel_date\":\"2026-05-01\",\"status\":\"s\",\"amount\":1,\"currency\":\"CNY\"}");
  send_bad ("order", "{\"order_no\":\"TD-1\",\"travel_date\":\"2026-05-01\",\"status\":\"s\",\"amount\":1,\"currency\":\"CNY\"}");
  send_bad ("order", "{\"order_no\":\"TD-1\",\"product\":\"p\",\"travel_date\":\"2026-05-01\",\"amount\":1,\"currency\":\"CNY\"}");
  send_bad ("order", "{\"order_no\":\"TD-1\",\"product\":\"p\",\"travel_date\":\"2026-05-01\",\"status\":\"s\",\"currency\":\"CNY\"}");
  send_bad ("order", "{\"order_no\":\"TD-1\",\"product\":\"p\",\"travel_date\":\"2026-05-01\",\"status\":\"s\",\"amount\":1}");
  send_bad ("order", "{\"order_no\":1001,\"product\":\"p\",\"travel_date\":\"2026-05-01\",\"status\":\"s\",\"amount\":1,\"currency\":\"CNY\"}");
}

#define HOTEL(checkin, checkout) \
  "{\"name\":\"Lakeside Hotel\",\"city\":\"Hangzhou\",\"checkin\":\"" checkin "\"," \
  "\"checkout\":\"" checkout "\",\"room\":\"Deluxe twin\",\"price\":880,\"currency\":\"CNY\"}"

static void
test_kind_hotel (void)
{
  send_ok ("hotel", HOTEL ("2026-05-01", "2026-05-03"));
  send_ok ("hotel", HOTEL ("2026-12-31", "2027-01-01"));
  send_ok ("hotel", HOTEL ("2026-05-01", "2026-05-01"));   /* day use */

  send_bad ("hotel", HOTEL ("2026-05-03", "2026-05-01"));  /* checkout before checkin */
  send_bad ("hotel", HOTEL ("2026-02-30", "2026-03-01"));
  send_bad ("hotel", HOTEL ("2026-05-01", "2026-5-3"));
  send_bad ("hotel", "{\"name\":\"H\",\"city\":\"C\",\"checkin\":\"2026-05-01\",\"checkout\":\"2026-05-02\","
                     "\"room\":\"R\",\"price\":\"880\",\"currency\":\"CNY\"}");
  send_bad ("hotel", "{\"name\":\"H\",\"city\":\"C\",\"checkin\":\"2026-05-01\",\"checkout\":\"2026-05-02\","
                     "\"room\":\"R\",\"price\":880,\"currency\":\"cny\"}");
  send_bad ("hotel", "{\"city\":\"C\",\"checkin\":\"2026-05-01\",\"checkout\":\"2026-05-02\","
                     "\"room\":\"R\",\"price\":880,\"currency\":\"CNY\"}");
  send_bad ("hotel", "{\"name\":\"H\",\"checkin\":\"2026-05-01\",\"checkout\":\"2026-05-02\","
                     "\"room\":\"R\",\"price\":880,\"currency\":\"CNY\"}");
  send_bad ("hotel", "{\"name\":\"H\",\"city\":\"C\",\"checkin\":\"2026-05-01\",\"checkout\":\"2026-05-02\","
                     "\"price\":880,\"currency\":\"CNY\"}");
}

#define FLIGHT(from, to, depart, arrive) \
  "{\"flight_no\":\"MU5101\",\"from\":\"" from "\",\"to\":\"" to "\",\"depart\":\"" depart "\"," \
  "\"arrive\":\"" arrive "\",\"price\":1230.0,\"currency\":\"CNY\"}"

static void
test_kind_flight (void)
{
  send_ok ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "2026-05-01T10:45"));
  send_ok ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30:00+08:00", "2026-05-01T10:45:00+08:00"));
  send_ok ("flight", FLIGHT ("SHA", "HKG", "2026-05-01T00:30:00Z", "2026-05-01T02:45:59.250Z"));
  send_ok ("flight", FLIGHT ("LHR", "JFK", "2026-05-01T08:30-0500", "2026-05-01T10:45-05"));

  send_bad ("flight", FLIGHT ("pvg", "PEK", "2026-05-01T08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVGX", "PEK", "2026-05-01T08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PE", "2026-05-01T08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "P3K", "2026-05-01T08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01 08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T25:00", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:60", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-02-30T08:30", "2026-05-01T10:45"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "2026-05-01T10:45+25:00"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "2026-05-01T10:45Zjunk"));
  send_bad ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "tomorrow"));
  send_bad ("flight", "{\"flight_no\":\"MU5101\",\"from\":\"PVG\",\"to\":\"PEK\",\"depart\":\"2026-05-01T08:30\","
                      "\"arrive\":\"2026-05-01T10:45\",\"currency\":\"CNY\"}");
  send_bad ("flight", "{\"from\":\"PVG\",\"to\":\"PEK\",\"depart\":\"2026-05-01T08:30\","
                      "\"arrive\":\"2026-05-01T10:45\",\"price\":1,\"currency\":\"CNY\"}");
  send_bad ("flight", "{\"flight_no\":\"MU5101\",\"from\":\"PVG\",\"to\":\"PEK\",\"depart\":\"2026-05-01T08:30\","
                      "\"arrive\":\"2026-05-01T10:45\",\"price\":1,\"currency\":\"RMB1\"}");
}

static void
test_kind_quick (void)
{
  send_ok ("quick", "{\"text\":\"Which room?\",\"options\":[\"Twin\"]}");
  send_ok ("quick", "{\"text\":\"Pick\",\"options\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"]}");

  send_bad ("quick", "{\"text\":\"Pick\",\"options\":[]}");
  send_bad ("quick", "{\"text\":\"Pick\",\"options\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\"]}");
  send_bad ("quick", "{\"text\":\"Pick\",\"options\":[\"1\",2]}");
  send_bad ("quick", "{\"text\":\"Pick\",\"options\":[\"1\",null]}");
  send_bad ("quick", "{\"text\":\"Pick\",\"options\":[\"\"]}");
  send_bad ("quick", "{\"text\":\"Pick\",\"options\":\"1\"}");
  send_bad ("quick", "{\"text\":\"Pick\"}");
  send_bad ("quick", "{\"options\":[\"1\"]}");
  send_bad ("quick", "{\"text\":3,\"options\":[\"1\"]}");
}

static void
test_kind_rating (void)
{
  for (int score = 1; score <= 5; score++)
    {
      g_autofree char *body = g_strdup_printf ("{\"score\":%d}", score);

      send_ok ("rating", body);
    }
  send_ok ("rating", "{\"score\":4,\"comment\":\"Great lake view\"}");
  send_ok ("rating", "{\"score\":4,\"comment\":null}");
  send_ok ("rating", "{\"score\":4,\"comment\":\"\"}");

  send_bad ("rating", "{\"score\":0}");
  send_bad ("rating", "{\"score\":6}");
  send_bad ("rating", "{\"score\":-1}");
  send_bad ("rating", "{\"score\":4.0}");
  send_bad ("rating", "{\"score\":4.5}");
  send_bad ("rating", "{\"score\":\"4\"}");
  send_bad ("rating", "{\"score\":null}");
  send_bad ("rating", "{\"comment\":\"x\"}");
  send_bad ("rating", "{\"score\":4,\"comment\":4}");
}

static void
test_open (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_lakeside/order/TD-1001\",\"busi\":\"inquiry\"}",
                TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_OPEN);
  g_assert_cmpstr (p->object_id, ==, "m_lakeside/order/TD-1001");
  g_assert_cmpstr (p->busi, ==, "inquiry");
  g_assert_null (p->uid);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_lakeside\",\"busi\":\"notice\",\"uid\":\"c_7\"}",
                TD_FROM_CLIENT);
  g_assert_cmpstr (p->uid, ==, "c_7");
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"open\",\"object_id\":\"c_2\",\"busi\":\"chat\"}", TD_FROM_CLIENT);
  g_assert_cmpstr (p->busi, ==, "chat");
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"feedback\",\"uid\":null}",
                TD_FROM_CLIENT);
  g_assert_null (p->uid);
  g_clear_pointer (&p, td_packet_unref);

  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"sales\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_A\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a/\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"x_1\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"c_2\",\"busi\":\"inquiry\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"chat\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"c_\",\"busi\":\"chat\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"notice\",\"uid\":\"o_bob\"}");
  client_bad ("{\"v\":1,\"type\":\"open\",\"object_id\":\"m_a\",\"busi\":\"notice\",\"uid\":5}");
}

static void
test_read_request (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"read\",\"line\":\"ml_1\",\"upto\":7}", TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_READ);
  g_assert_cmpstr (p->line_id, ==, "ml_1");
  g_assert_cmpint (p->upto, ==, 7);
  g_assert_null (p->reader);

  client_bad ("{\"v\":1,\"type\":\"read\",\"line\":\"ml_1\",\"upto\":-1}");
  client_bad ("{\"v\":1,\"type\":\"read\",\"line\":\"ml_1\"}");
  client_bad ("{\"v\":1,\"type\":\"read\",\"upto\":3}");
  client_bad ("{\"v\":1,\"type\":\"read\",\"line\":5,\"upto\":3}");
  client_bad ("{\"v\":1,\"type\":\"read\",\"line\":\"ml_1\",\"upto\":\"3\"}");
}

static void
test_typing_request (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\"}", TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_TYPING);
  g_assert_false (p->note);
  g_assert_null (p->who);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"note\":true}", TD_FROM_CLIENT);
  g_assert_true (p->note);

  client_bad ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"note\":\"yes\"}");
  client_bad ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"note\":1}");
  client_bad ("{\"v\":1,\"type\":\"typing\"}");
}

static void
test_state (void)
{
  g_autoptr(TdPacket) p = NULL;
  const char *states[] = { "open", "pending", "snoozed", "resolved" };

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"%s\"}",
                                               states[i]);

      p = parse_ok (json, TD_FROM_CLIENT);
      g_assert_cmpstr (p->state, ==, states[i]);
      g_assert_false (p->has_assignee);
      g_assert_false (p->has_snooze_until);
      g_clear_pointer (&p, td_packet_unref);
    }

  p = parse_ok ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"open\",\"assignee\":null}",
                TD_FROM_CLIENT);
  g_assert_true (p->has_assignee);
  g_assert_null (p->assignee);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"pending\",\"assignee\":\"o_bob\"}",
                TD_FROM_CLIENT);
  g_assert_true (p->has_assignee);
  g_assert_cmpstr (p->assignee, ==, "o_bob");
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"snoozed\",\"snooze_until\":1764460800000}",
                TD_FROM_CLIENT);
  g_assert_true (p->has_snooze_until);
  g_assert_cmpint (p->snooze_until, ==, G_GINT64_CONSTANT (1764460800000));
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"snoozed\",\"snooze_until\":null}",
                TD_FROM_CLIENT);
  g_assert_true (p->has_snooze_until);
  g_assert_cmpint (p->snooze_until, ==, 0);
  g_clear_pointer (&p, td_packet_unref);

  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"closed\"}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\"}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"state\":\"open\"}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"open\",\"snooze_until\":5}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"resolved\",\"snooze_until\":null}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"snoozed\",\"snooze_until\":-5}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"snoozed\",\"snooze_until\":\"soon\"}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"open\",\"assignee\":7}");
  client_bad ("{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"open\",\"assignee\":\"\"}");
}

static void
test_history_request (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\"}", TD_FROM_CLIENT);
  g_assert_cmpint (p->type, ==, TD_PACKET_HISTORY);
  g_assert_cmpint (p->limit, ==, 50);
  g_assert_cmpint (p->before, ==, 0);
  g_assert_null (p->messages);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"before\":1,\"limit\":1}", TD_FROM_CLIENT);
  g_assert_cmpint (p->limit, ==, 1);
  g_assert_cmpint (p->before, ==, 1);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"before\":null,\"limit\":200}", TD_FROM_CLIENT);
  g_assert_cmpint (p->limit, ==, 200);
  g_assert_cmpint (p->before, ==, 0);
  g_clear_pointer (&p, td_packet_unref);

  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"limit\":0}");
  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"limit\":201}");
  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"limit\":-5}");
  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"limit\":10.5}");
  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"before\":0}");
  client_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"before\":\"5\"}");
  client_bad ("{\"v\":1,\"type\":\"history\"}");
}

static void
test_ping (void)
{
  g_autoptr(TdPacket) p = parse_ok ("{\"v\":1,\"type\":\"ping\"}", TD_FROM_CLIENT);

  g_assert_cmpint (p->type, ==, TD_PACKET_PING);
}

/* ------------------------------------------------------------------ */
/* Server packets                                                      */

static void
test_welcome (void)
{
  g_autoptr(TdPacket) p = NULL;
  TdMerchantRef *m;

  p = parse_ok ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"o_alice\",\"role\":\"operator\",\"name\":\"Alice\","
                "\"merchants\":[{\"id\":\"m_lakeside\",\"name\":\"Lakeside Hotel\"},{\"id\":\"m_skyline\",\"name\":\"Skyline Tours\"}]},"
                "\"cursor\":42,\"server_time\":1764460800000,\"heartbeat_s\":20,\"session\":\"s1\"}",
                TD_FROM_SERVER);
  g_assert_cmpint (p->type, ==, TD_PACKET_WELCOME);
  g_assert_cmpstr (p->me_id, ==, "o_alice");
  g_assert_cmpstr (p->me_role, ==, "operator");
  g_assert_cmpstr (p->me_name, ==, "Alice");
  g_assert_cmpuint (p->merchants->len, ==, 2);
  m = g_ptr_array_index (p->merchants, 1);
  g_assert_cmpstr (m->id, ==, "m_skyline");
  g_assert_cmpstr (m->name, ==, "Skyline Tours");
  g_assert_true (p->has_cursor);
  g_assert_cmpint (p->cursor, ==, 42);
  g_assert_cmpint (p->server_time, ==, G_GINT64_CONSTANT (1764460800000));
  g_assert_cmpint (p->heartbeat_s, ==, 20);
  g_assert_cmpstr (p->session, ==, "s1");
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"Traveller 1\","
                "\"merchants\":[]},\"cursor\":null,\"server_time\":1,\"heartbeat_s\":5}", TD_FROM_SERVER);
  g_assert_false (p->has_cursor);
  g_assert_null (p->session);
  g_assert_cmpuint (p->merchants->len, ==, 0);
  g_clear_pointer (&p, td_packet_unref);

  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"admin\",\"name\":\"x\",\"merchants\":[]},"
              "\"server_time\":1,\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\",\"merchants\":[]},"
              "\"server_time\":1,\"heartbeat_s\":0}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\",\"merchants\":[5]},"
              "\"server_time\":1,\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\",\"merchants\":[{\"id\":\"m_a\"}]},"
              "\"server_time\":1,\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\"},"
              "\"server_time\":1,\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"server_time\":1,\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\",\"merchants\":[]},"
              "\"heartbeat_s\":5}");
  server_bad ("{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"x\",\"merchants\":[]},"
              "\"server_time\":1,\"heartbeat_s\":5,\"cursor\":-1}");
}

static void
test_synced (void)
{
  g_autoptr(TdPacket) p = parse_ok ("{\"v\":1,\"type\":\"synced\",\"cursor\":77}", TD_FROM_SERVER);

  g_assert_cmpint (p->type, ==, TD_PACKET_SYNCED);
  g_assert_true (p->has_cursor);
  g_assert_cmpint (p->cursor, ==, 77);

  server_bad ("{\"v\":1,\"type\":\"synced\"}");
  server_bad ("{\"v\":1,\"type\":\"synced\",\"cursor\":null}");
  server_bad ("{\"v\":1,\"type\":\"synced\",\"cursor\":-1}");
}

static TdPacket *
msg_packet (const char *kind,
            const char *body)
{
  g_autofree char *msg = message_json (kind, body, g_str_equal (kind, "note") ? 0 : 7);
  g_autofree char *json = g_strdup_printf ("{\"v\":1,\"type\":\"msg\",\"cursor\":12,\"msg\":%s}", msg);

  return parse_ok (json, TD_FROM_SERVER);
}

static void
msg_bad (const char *kind,
         const char *body)
{
  g_autofree char *msg = message_json (kind, body, 7);
  g_autofree char *json = g_strdup_printf ("{\"v\":1,\"type\":\"msg\",\"cursor\":12,\"msg\":%s}", msg);

  server_bad (json);
}

static void
test_msg (void)
{
  g_autoptr(TdPacket) p = msg_packet ("text", "{\"text\":\"Is breakfast included?\"}");
  TdMessage *m = p->msg;

  g_assert_cmpint (p->type, ==, TD_PACKET_MSG);
  g_assert_cmpint (p->cursor, ==, 12);
  g_assert_true (TD_IS_MESSAGE (m));
  g_assert_cmpint (td_message_get_id (m), ==, 9001);
  g_assert_cmpstr (td_message_get_line_id (m), ==, "ml_1");
  g_assert_cmpint (td_message_get_line_seq (m), ==, 7);
  g_assert_cmpstr (td_message_get_sender_id (m), ==, "c_1");
  g_assert_cmpint (td_message_get_sender_role (m), ==, TD_ROLE_CUSTOMER);
  g_assert_cmpstr (td_message_get_sender_name (m), ==, "Ann");
  g_assert_cmpint (td_message_get_kind (m), ==, TD_KIND_TEXT);
  g_assert_cmpstr (td_message_get_kind_name (m), ==, "text");
  g_assert_cmpint (td_message_get_ts (m), ==, G_GINT64_CONSTANT (1764460800000));
  g_assert_cmpstr (td_message_get_random_id (m), ==, RID);
  g_assert_cmpint (td_message_get_delivery (m), ==, TD_DELIVERY_STORED);
  g_clear_pointer (&p, td_packet_unref);

  /* every known kind */
  td_packet_unref (msg_packet ("image", "{\"url\":\"https://x/1.jpg\",\"width\":4,\"height\":3}"));
  td_packet_unref (msg_packet ("order", ORDER ("2026-05-01", "1280.5", "CNY")));
  td_packet_unref (msg_packet ("hotel", HOTEL ("2026-05-01", "2026-05-03")));
  td_packet_unref (msg_packet ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "2026-05-01T10:45")));
  td_packet_unref (msg_packet ("quick", "{\"text\":\"Pick\",\"options\":[\"A\",\"B\"]}"));
  td_packet_unref (msg_packet ("rating", "{\"score\":5,\"comment\":\"Lovely\"}"));
  td_packet_unref (msg_packet ("system", "{\"text\":\"Alice resolved the conversation\"}"));
  td_packet_unref (msg_packet ("note", "{\"text\":\"VIP guest\"}"));

  /* unknown kinds from the server are kept, shown as unsupported */
  p = msg_packet ("sticker", "{\"pack\":\"cats\",\"n\":[1,2]}");
  g_assert_cmpint (td_message_get_kind (p->msg), ==, TD_KIND_UNKNOWN);
  g_assert_cmpstr (td_message_get_kind_name (p->msg), ==, "sticker");
  g_assert_cmpstr (json_object_get_string_member (td_message_get_body (p->msg), "pack"), ==, "cats");
  g_clear_pointer (&p, td_packet_unref);

  /* but known kinds are checked, and the body is always an object */
  msg_bad ("text", "{\"text\":\"\"}");
  msg_bad ("rating", "{\"score\":9}");
  msg_bad ("sticker", "[1]");
  msg_bad ("sticker", "null");

  /* the message object's own fields */
  server_bad ("{\"v\":1,\"type\":\"msg\",\"cursor\":1}");
  server_bad ("{\"v\":1,\"type\":\"msg\",\"msg\":{}}");
  server_bad ("{\"v\":1,\"type\":\"msg\",\"cursor\":1,\"msg\":5}");
#define MSG(fields) "{\"v\":1,\"type\":\"msg\",\"cursor\":1,\"msg\":{" fields "}}"
#define SENDER "\"sender\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"A\"}"
#define BODY "\"kind\":\"text\",\"body\":{\"text\":\"x\"}"
  td_packet_unref (parse_ok (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY ",\"ts\":5"),
                             TD_FROM_SERVER));
  td_packet_unref (parse_ok (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY ",\"ts\":5,\"random_id\":null"),
                             TD_FROM_SERVER));
  server_bad (MSG ("\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":\"1\",\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line_seq\":1," SENDER "," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\"," SENDER "," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":-1," SENDER "," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1," BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1,\"sender\":{\"id\":\"c_1\",\"role\":\"robot\",\"name\":\"A\"},"
                   BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1,\"sender\":{\"role\":\"customer\",\"name\":\"A\"},"
                   BODY ",\"ts\":5"));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":1," SENDER "," BODY ",\"ts\":5,\"random_id\":\"bad\""));
  server_bad (MSG ("\"id\":1,\"line\":\"ml_1\",\"line_seq\":3," SENDER ",\"kind\":\"note\",\"body\":{\"text\":\"x\"},\"ts\":5"));
#undef MSG
#undef SENDER
#undef BODY
}

static void
test_ack (void)
{
  g_autofree char *msg = message_json ("text", "{\"text\":\"hi\"}", 3);
  g_autofree char *json = g_strdup_printf ("{\"v\":1,\"type\":\"ack\",\"req\":\"r1\",\"random_id\":\"" RID "\","
                                           "\"msg\":%s,\"dup\":true}", msg);
  g_autofree char *no_dup = g_strdup_printf ("{\"v\":1,\"type\":\"ack\",\"random_id\":\"" RID "\",\"msg\":%s}", msg);
  g_autofree char *bad_rid = g_strdup_printf ("{\"v\":1,\"type\":\"ack\",\"random_id\":\"x\",\"msg\":%s,\"dup\":false}", msg);
  g_autoptr(TdPacket) p = parse_ok (json, TD_FROM_SERVER);

  g_assert_cmpint (p->type, ==, TD_PACKET_ACK);
  g_assert_cmpstr (p->random_id, ==, RID);
  g_assert_true (p->dup);
  g_assert_cmpint (td_message_get_line_seq (p->msg), ==, 3);
  g_assert_cmpstr (p->req, ==, "r1");

  server_bad (no_dup);
  server_bad (bad_rid);
  server_bad ("{\"v\":1,\"type\":\"ack\",\"random_id\":\"" RID "\",\"dup\":false}");
}

#define LINE_OBJ(busi, object_id, merchant) \
  "{\"id\":\"ml_1\",\"uid\":\"c_1\",\"customer_name\":\"Ann\",\"object_id\":\"" object_id "\"," \
  "\"busi\":\"" busi "\",\"merchant\":" merchant ",\"title\":\"Room question\",\"state\":\"snoozed\"," \
  "\"assignee\":\"o_alice\",\"snooze_until\":1764460900000,\"last_seq\":7,\"created\":1764460000000," \
  "\"updated\":1764460800000}"

static void
test_line_packet (void)
{
  g_autoptr(TdPacket) p = NULL;
  TdLine *line;

  p = parse_ok ("{\"v\":1,\"type\":\"line\",\"cursor\":9,\"line\":"
                LINE_OBJ ("inquiry", "m_lakeside/order/TD-1001", "\"m_lakeside\"") "}", TD_FROM_SERVER);
  g_assert_cmpint (p->type, ==, TD_PACKET_LINE);
  g_assert_true (p->has_cursor);
  g_assert_cmpint (p->cursor, ==, 9);
  line = p->line;
  g_assert_cmpstr (td_line_get_id (line), ==, "ml_1");
  g_assert_cmpstr (td_line_get_uid (line), ==, "c_1");
  g_assert_cmpstr (td_line_get_customer_name (line), ==, "Ann");
  g_assert_cmpstr (td_line_get_object_id (line), ==, "m_lakeside/order/TD-1001");
  g_assert_cmpint (td_line_get_busi (line), ==, TD_BUSI_INQUIRY);
  g_assert_cmpstr (td_line_get_merchant (line), ==, "m_lakeside");
  g_assert_cmpstr (td_line_get_title (line), ==, "Room question");
  g_assert_cmpint (td_line_get_state (line), ==, TD_LINE_STATE_SNOOZED);
  g_assert_cmpstr (td_line_get_assignee (line), ==, "o_alice");
  g_assert_cmpint (td_line_get_snooze_until (line), ==, G_GINT64_CONSTANT (1764460900000));
  g_assert_cmpint (td_line_get_last_seq (line), ==, 7);
  g_assert_cmpint (td_line_get_created (line), ==, G_GINT64_CONSTANT (1764460000000));
  g_assert_cmpint (td_line_get_updated (line), ==, G_GINT64_CONSTANT (1764460800000));
  g_clear_pointer (&p, td_packet_unref);

  /* the reply to an open: no cursor */
  p = parse_ok ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("chat", "c_2", "null") "}", TD_FROM_SERVER);
  g_assert_false (p->has_cursor);
  g_assert_null (td_line_get_merchant (p->line));
  g_assert_cmpint (td_line_get_busi (p->line), ==, TD_BUSI_CHAT);
  g_clear_pointer (&p, td_packet_unref);

  /* nullable fields */
  p = parse_ok ("{\"v\":1,\"type\":\"line\",\"cursor\":1,\"line\":{\"id\":\"ml_2\",\"uid\":\"c_1\",\"customer_name\":null,"
                "\"object_id\":\"m_a\",\"busi\":\"notice\",\"merchant\":\"m_a\",\"title\":null,\"state\":\"open\","
                "\"assignee\":null,\"snooze_until\":null,\"last_seq\":0,\"created\":1,\"updated\":1}}", TD_FROM_SERVER);
  g_assert_null (td_line_get_assignee (p->line));
  g_assert_cmpint (td_line_get_snooze_until (p->line), ==, 0);
  g_clear_pointer (&p, td_packet_unref);

  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("sales", "m_a", "\"m_a\"") "}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("chat", "c_2", "\"m_a\"") "}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("inquiry", "m_a", "\"m_b\"") "}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("inquiry", "m_a", "null") "}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":" LINE_OBJ ("inquiry", "bad", "\"m_a\"") "}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"cursor\":-1,\"line\":" LINE_OBJ ("chat", "c_2", "null") "}");
  server_bad ("{\"v\":1,\"type\":\"line\"}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":{\"id\":\"ml_2\",\"uid\":\"c_1\",\"object_id\":\"m_a\","
              "\"busi\":\"notice\",\"merchant\":\"m_a\",\"state\":\"asleep\",\"last_seq\":0,\"created\":1,\"updated\":1}}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":{\"id\":\"ml_2\",\"uid\":\"c_1\",\"object_id\":\"m_a\","
              "\"busi\":\"notice\",\"merchant\":\"m_a\",\"state\":\"open\",\"created\":1,\"updated\":1}}");
  server_bad ("{\"v\":1,\"type\":\"line\",\"line\":{\"uid\":\"c_1\",\"object_id\":\"m_a\","
              "\"busi\":\"notice\",\"merchant\":\"m_a\",\"state\":\"open\",\"last_seq\":0,\"created\":1,\"updated\":1}}");
}

static void
test_read_event (void)
{
  g_autoptr(TdPacket) p = parse_ok ("{\"v\":1,\"type\":\"read\",\"cursor\":30,\"line\":\"ml_1\",\"reader\":\"o_bob\",\"upto\":6}",
                                    TD_FROM_SERVER);

  g_assert_cmpint (p->type, ==, TD_PACKET_READ);
  g_assert_true (p->has_cursor);
  g_assert_cmpint (p->cursor, ==, 30);
  g_assert_cmpstr (p->line_id, ==, "ml_1");
  g_assert_cmpstr (p->reader, ==, "o_bob");
  g_assert_cmpint (p->upto, ==, 6);

  server_bad ("{\"v\":1,\"type\":\"read\",\"line\":\"ml_1\",\"upto\":6}");             /* the request's shape */
  server_bad ("{\"v\":1,\"type\":\"read\",\"cursor\":30,\"line\":\"ml_1\",\"upto\":6}");
  server_bad ("{\"v\":1,\"type\":\"read\",\"cursor\":30,\"line\":\"ml_1\",\"reader\":\"o_bob\"}");
}

static void
test_typing_event (void)
{
  g_autoptr(TdPacket) p = parse_ok ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"who\":\"c_1\",\"name\":\"Ann\",\"note\":false}",
                                    TD_FROM_SERVER);

  g_assert_cmpint (p->type, ==, TD_PACKET_TYPING);
  g_assert_cmpstr (p->who, ==, "c_1");
  g_assert_cmpstr (p->name, ==, "Ann");
  g_assert_false (p->note);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"who\":\"o_bob\",\"name\":\"Bob\",\"note\":true}",
                TD_FROM_SERVER);
  g_assert_true (p->note);

  server_bad ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\"}");
  server_bad ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"who\":\"c_1\",\"name\":\"Ann\"}");
  server_bad ("{\"v\":1,\"type\":\"typing\",\"line\":\"ml_1\",\"who\":\"c_1\",\"note\":false}");
}

static void
test_history_reply (void)
{
  g_autofree char *m1 = message_json ("text", "{\"text\":\"one\"}", 1);
  g_autofree char *m2 = message_json ("note", "{\"text\":\"internal\"}", 0);
  g_autofree char *m3 = message_json ("sticker", "{}", 2);
  g_autofree char *json = g_strdup_printf ("{\"v\":1,\"type\":\"history\",\"req\":\"h1\",\"line\":\"ml_1\","
                                           "\"messages\":[%s,%s,%s],\"more\":true}", m1, m2, m3);
  g_autoptr(TdPacket) p = parse_ok (json, TD_FROM_SERVER);
  g_autofree char *bad = g_strdup_printf ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\","
                                          "\"messages\":[%s,5],\"more\":true}", m1);

  g_assert_cmpint (p->type, ==, TD_PACKET_HISTORY);
  g_assert_cmpuint (p->messages->len, ==, 3);
  g_assert_true (p->more);
  g_assert_cmpint (td_message_get_kind (g_ptr_array_index (p->messages, 1)), ==, TD_KIND_NOTE);
  g_assert_cmpint (td_message_get_kind (g_ptr_array_index (p->messages, 2)), ==, TD_KIND_UNKNOWN);
  g_clear_pointer (&p, td_packet_unref);

  p = parse_ok ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"messages\":[],\"more\":false}", TD_FROM_SERVER);
  g_assert_nonnull (p->messages);
  g_assert_cmpuint (p->messages->len, ==, 0);
  g_assert_false (p->more);

  server_bad (bad);
  server_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"more\":false}");
  server_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"messages\":[]}");
  server_bad ("{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"messages\":{},\"more\":false}");
}

static void
test_pong (void)
{
  g_autoptr(TdPacket) p = parse_ok ("{\"v\":1,\"type\":\"pong\",\"server_time\":1764460800000}", TD_FROM_SERVER);

  g_assert_cmpint (p->type, ==, TD_PACKET_PONG);
  g_assert_cmpint (p->server_time, ==, G_GINT64_CONSTANT (1764460800000));
  server_bad ("{\"v\":1,\"type\":\"pong\"}");
  server_bad ("{\"v\":1,\"type\":\"pong\",\"server_time\":\"now\"}");
}

static void
test_error_packet (void)
{
  g_autoptr(TdPacket) p = NULL;

  p = parse_ok ("{\"v\":1,\"type\":\"error\",\"code\":\"forbidden\",\"message\":\"No such line\",\"ref\":\"r7\"}",
                TD_FROM_SERVER);
  g_assert_cmpint (p->type, ==, TD_PACKET_ERROR);
  g_assert_cmpstr (p->code, ==, "forbidden");
  g_assert_cmpstr (p->message, ==, "No such line");
  g_assert_cmpstr (p->ref, ==, "r7");
  g_clear_pointer (&p, td_packet_unref);

  /* no ref; and a code from a newer server is still an error */
  p = parse_ok ("{\"v\":1,\"type\":\"error\",\"code\":\"teapot\",\"message\":\"\"}", TD_FROM_SERVER);
  g_assert_null (p->ref);
  g_assert_cmpstr (p->code, ==, "teapot");
  g_clear_pointer (&p, td_packet_unref);

  server_bad ("{\"v\":1,\"type\":\"error\",\"message\":\"x\"}");
  server_bad ("{\"v\":1,\"type\":\"error\",\"code\":\"internal\"}");
  server_bad ("{\"v\":1,\"type\":\"error\",\"code\":5,\"message\":\"x\"}");
  server_bad ("{\"v\":1,\"type\":\"error\",\"code\":\"internal\",\"message\":\"x\",\"ref\":5}");
}

/* ------------------------------------------------------------------ */
/* Builders and life cycle                                             */

static char *
to_json (TdPacket *p)
{
  return td_packet_to_json (p, NULL);
}

static void
test_builders (void)
{
  g_autoptr(TdPacket) p = NULL;
  g_autoptr(TdPacket) back = NULL;
  g_autoptr(TdMessage) msg = message_from ("text", "{\"text\":\"hi\"}");
  g_autoptr(TdLine) line = td_line_new ("ml_9", "c_3", "m_skyline/tour/7", TD_BUSI_FEEDBACK);
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *json = NULL;

  p = td_packet_new_error (TD_PROTOCOL_ERROR_RATE_LIMITED, "Slow down", "r1");
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"Slow down\",\"ref\":\"r1\"}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_error (TD_PROTOCOL_ERROR_BAD_JSON, "Bad", NULL);
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"error\",\"code\":\"bad_json\",\"message\":\"Bad\"}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_hello (FALSE, 0, "tripdesk/0.1");
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"tripdesk/0.1\"}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_hello (TRUE, 17, "sim");
  p->req = g_strdup ("h");
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"hello\",\"req\":\"h\",\"cursor\":17,\"client\":\"sim\"}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  json_object_set_string_member (body, "text", "hello");
  p = td_packet_new_send (RID, "ml_1", "text", body);
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"send\",\"random_id\":\"" RID "\",\"line\":\"ml_1\","
                             "\"kind\":\"text\",\"body\":{\"text\":\"hello\"}}");
  back = td_packet_parse (json, strlen (json), TD_FROM_CLIENT, NULL, NULL);
  g_assert_nonnull (back);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_msg (55, msg);
  json = to_json (p);
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_nonnull (back);
  g_assert_cmpint (back->cursor, ==, 55);
  g_assert_cmpint (td_message_get_id (back->msg), ==, 9001);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_ack (RID, msg, TRUE);
  json = to_json (p);
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_nonnull (back);
  g_assert_true (back->dup);
  g_assert_cmpstr (back->random_id, ==, RID);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  /* td_line_new derives the merchant from the object_id */
  g_assert_cmpstr (td_line_get_merchant (line), ==, "m_skyline");
  p = td_packet_new_line (FALSE, 0, line);
  json = to_json (p);
  g_assert_null (strstr (json, "cursor"));
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_nonnull (back);
  g_assert_false (back->has_cursor);
  g_assert_cmpstr (td_line_get_object_id (back->line), ==, "m_skyline/tour/7");
  g_assert_cmpint (td_line_get_busi (back->line), ==, TD_BUSI_FEEDBACK);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_line (TRUE, 8, line);
  json = to_json (p);
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_true (back->has_cursor);
  g_assert_cmpint (back->cursor, ==, 8);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new_synced (99);
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"synced\",\"cursor\":99}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  /* welcome built by hand */
  p = td_packet_new (TD_PACKET_WELCOME);
  p->me_id = g_strdup ("o_carol");
  p->me_role = g_strdup ("operator");
  p->me_name = g_strdup ("Carol");
  g_ptr_array_add (p->merchants, td_merchant_ref_new ("m_harbor", "Harbor Air"));
  p->server_time = 5;
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"welcome\",\"me\":{\"id\":\"o_carol\",\"role\":\"operator\","
                             "\"name\":\"Carol\",\"merchants\":[{\"id\":\"m_harbor\",\"name\":\"Harbor Air\"}]},"
                             "\"cursor\":null,\"server_time\":5,\"heartbeat_s\":20}");
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_nonnull (back);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  /* history reply / read event / typing event built by hand */
  p = td_packet_new (TD_PACKET_HISTORY);
  p->line_id = g_strdup ("ml_1");
  p->messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_ptr_array_add (p->messages, g_object_ref (msg));
  json = to_json (p);
  back = td_packet_parse (json, strlen (json), TD_FROM_SERVER, NULL, NULL);
  g_assert_nonnull (back);
  g_assert_cmpuint (back->messages->len, ==, 1);
  g_clear_pointer (&back, td_packet_unref);
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new (TD_PACKET_HISTORY);
  p->line_id = g_strdup ("ml_1");
  p->before = 10;
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"history\",\"line\":\"ml_1\",\"before\":10,\"limit\":50}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);

  p = td_packet_new (TD_PACKET_STATE);
  p->line_id = g_strdup ("ml_1");
  p->state = g_strdup ("snoozed");
  p->has_assignee = TRUE;
  p->has_snooze_until = TRUE;
  json = to_json (p);
  g_assert_cmpstr (json, ==, "{\"v\":1,\"type\":\"state\",\"line\":\"ml_1\",\"state\":\"snoozed\","
                             "\"assignee\":null,\"snooze_until\":null}");
  g_clear_pointer (&json, g_free);
  g_clear_pointer (&p, td_packet_unref);
}

static void
test_refcount (void)
{
  TdPacket *p = td_packet_new (TD_PACKET_PING);
  TdPacket *copy;
  GValue value = G_VALUE_INIT;

  g_assert_true (td_packet_ref (p) == p);
  td_packet_unref (p);

  /* the boxed type copies by reference */
  g_value_init (&value, TD_TYPE_PACKET);
  g_value_set_boxed (&value, p);
  copy = g_value_dup_boxed (&value);
  g_assert_true (copy == p);
  td_packet_unref (copy);
  g_value_unset (&value);
  g_assert_cmpint (p->type, ==, TD_PACKET_PING);
  td_packet_unref (p);
}

static void
test_parse_object_direct (void)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(TdPacket) p = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  const char *json = "{\"v\":1,\"type\":\"read\",\"req\":\"q\",\"line\":\"ml_1\",\"upto\":\"x\"}";

  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);
  p = td_packet_parse_object (object, TD_FROM_CLIENT, &ref, &error);
  g_assert_null (p);
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET);
  g_assert_cmpstr (ref, ==, "q");
  g_clear_error (&error);
  g_clear_pointer (&ref, g_free);

  json_object_set_int_member (object, "upto", 4);
  p = td_packet_parse_object (object, TD_FROM_CLIENT, &ref, &error);
  g_assert_no_error (error);
  g_assert_null (ref);
  g_assert_cmpint (p->upto, ==, 4);
}

/* ------------------------------------------------------------------ */
/* TdMessage                                                           */

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  GHashTable *counts = user_data;
  const char *name = g_intern_string (pspec->name);

  g_hash_table_insert (counts, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
count_of (GHashTable *counts,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, g_intern_string (name)));
}

static guint
total_of (GHashTable *counts)
{
  GHashTableIter iter;
  gpointer value;
  guint total = 0;

  g_hash_table_iter_init (&iter, counts);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    total += GPOINTER_TO_UINT (value);
  return total;
}

static void
test_message_object (void)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  g_autoptr(JsonObject) json = NULL;
  g_autofree char *sender_name = NULL;
  TdMessage *msg;
  gint64 id = -1;
  int delivery = -1;

  json_object_set_string_member (body, "text", "draft");
  msg = td_message_new (0, "ml_1", 0, "o_alice", TD_ROLE_OPERATOR, "Alice", "text", body,
                        1000, RID);
  g_assert_true (td_message_get_body (msg) == body);   /* a ref, not a copy */
  td_message_set_delivery (msg, TD_DELIVERY_PENDING);
  g_signal_connect (msg, "notify", G_CALLBACK (count_notify_cb), counts);

  g_object_get (msg, "id", &id, "delivery", &delivery, "sender-name", &sender_name, NULL);
  g_assert_cmpint (id, ==, 0);
  g_assert_cmpint (delivery, ==, TD_DELIVERY_PENDING);
  g_assert_cmpstr (sender_name, ==, "Alice");

  /* no change, no notify */
  td_message_set_delivery (msg, TD_DELIVERY_PENDING);
  td_message_set_error (msg, NULL);
  g_assert_cmpuint (total_of (counts), ==, 0);

  td_message_set_delivery (msg, TD_DELIVERY_FAILED);
  td_message_set_error (msg, "Not allowed");
  td_message_set_error (msg, "Not allowed");
  g_assert_cmpuint (count_of (counts, "delivery"), ==, 1);
  g_assert_cmpuint (count_of (counts, "error"), ==, 1);
  g_assert_cmpstr (td_message_get_error (msg), ==, "Not allowed");

  g_object_set (msg, "delivery", TD_DELIVERY_PENDING, NULL);
  g_assert_cmpuint (count_of (counts, "delivery"), ==, 2);

  td_message_set_stored (msg, 9002, 8, 2000);
  g_assert_cmpint (td_message_get_id (msg), ==, 9002);
  g_assert_cmpint (td_message_get_line_seq (msg), ==, 8);
  g_assert_cmpint (td_message_get_ts (msg), ==, 2000);
  g_assert_cmpint (td_message_get_delivery (msg), ==, TD_DELIVERY_STORED);
  g_assert_null (td_message_get_error (msg));
  g_assert_cmpuint (count_of (counts, "id"), ==, 1);
  g_assert_cmpuint (count_of (counts, "line-seq"), ==, 1);
  g_assert_cmpuint (count_of (counts, "ts"), ==, 1);
  g_assert_cmpuint (count_of (counts, "delivery"), ==, 3);
  g_assert_cmpuint (count_of (counts, "error"), ==, 2);

  /* the same again: nothing */
  g_hash_table_remove_all (counts);
  td_message_set_stored (msg, 9002, 8, 2000);
  g_assert_cmpuint (total_of (counts), ==, 0);

  json = td_message_to_json (msg);
  g_assert_cmpint (json_object_get_int_member (json, "id"), ==, 9002);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json, "sender"), "role"),
                   ==, "operator");
  g_assert_cmpstr (json_object_get_string_member (json, "random_id"), ==, RID);

  g_signal_handlers_disconnect_by_data (msg, counts);
  g_assert_finalize_object (msg);
}

static void
test_message_from_json (void)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = message_json ("sticker", "{\"x\":1}", 4);
  TdMessage *msg;

  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);

  msg = td_message_new_from_json (object, FALSE, &error);
  g_assert_null (msg);
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET);
  g_clear_error (&error);

  msg = td_message_new_from_json (object, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (td_message_get_kind (msg), ==, TD_KIND_UNKNOWN);
  g_assert_finalize_object (msg);
}

static void
assert_preview (const char *kind,
                const char *body,
                const char *preview,
                const char *search)
{
  g_autoptr(TdMessage) msg = message_from (kind, body);
  g_autofree char *p = td_message_dup_preview (msg);
  g_autofree char *s = td_message_dup_search_text (msg);

  g_assert_cmpstr (p, ==, preview);
  g_assert_cmpstr (s, ==, search);
}

static void
test_message_preview (void)
{
  g_autofree char *long_text = string_of (100, "é");
  g_autofree char *long_body = g_strdup_printf ("{\"text\":\"%s\"}", long_text);
  g_autofree char *cut80 = string_of (80, "é");
  g_autofree char *cut = g_strconcat (cut80, "…", NULL);

  assert_preview ("text", "{\"text\":\"  Is breakfast\\n\\n included?  \"}",
                  "Is breakfast included?", "  Is breakfast\n\n included?  ");
  assert_preview ("text", long_body, cut, long_text);
  assert_preview ("image", "{\"url\":\"https://x/1.jpg\",\"width\":4,\"height\":3}", "Image", "");
  assert_preview ("order", ORDER ("2026-05-01", "1280.5", "CNY"),
                  "Order TD-1001 · Lakeside 2 nights", "TD-1001 Lakeside 2 nights paid");
  assert_preview ("hotel", HOTEL ("2026-05-01", "2026-05-03"),
                  "Hotel · Lakeside Hotel, Hangzhou · 2 nights", "Lakeside Hotel Hangzhou Deluxe twin");
  assert_preview ("hotel", HOTEL ("2026-05-01", "2026-05-02"),
                  "Hotel · Lakeside Hotel, Hangzhou · 1 night", "Lakeside Hotel Hangzhou Deluxe twin");
  assert_preview ("flight", FLIGHT ("PVG", "PEK", "2026-05-01T08:30", "2026-05-01T10:45"),
                  "Flight MU5101 · PVG → PEK", "MU5101 PVG PEK");
  assert_preview ("quick", "{\"text\":\"Which room?\",\"options\":[\"Twin\",\"King\"]}",
                  "Which room?", "Which room? Twin King");
  assert_preview ("rating", "{\"score\":4}", "★★★★☆ rating", "");
  assert_preview ("rating", "{\"score\":1,\"comment\":\"Noisy\\nroom\"}", "★☆☆☆☆ rating · Noisy room", "Noisy\nroom");
  assert_preview ("system", "{\"text\":\"Alice resolved the conversation\"}",
                  "Alice resolved the conversation", "Alice resolved the conversation");
  assert_preview ("note", "{\"text\":\"VIP guest\"}", "Note: VIP guest", "VIP guest");
  assert_preview ("sticker", "{\"text\":\"hidden\"}", "Unsupported message", "");
}

static void
test_validate_body (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = json_object_new ();

  g_assert_false (td_message_validate_body (TD_KIND_TEXT, body, &error));
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET);
  g_assert_nonnull (strstr (error->message, "text"));
  g_clear_error (&error);

  json_object_set_string_member (body, "text", "ok");
  g_assert_true (td_message_validate_body (TD_KIND_TEXT, body, &error));
  g_assert_no_error (error);

  g_assert_false (td_message_validate_body (TD_KIND_UNKNOWN, body, &error));
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET);
  g_clear_error (&error);

  g_assert_false (td_message_validate_body (TD_KIND_TEXT, NULL, &error));
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET);
}

/* ------------------------------------------------------------------ */
/* TdLine                                                              */

static void
test_line_properties (void)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  TdLine *line = td_line_new ("ml_1", "c_1", "m_lakeside", TD_BUSI_INQUIRY);
  g_autofree char *merchant = NULL;
  int state = -1;
  gint64 last_seq = -1;

  g_signal_connect (line, "notify", G_CALLBACK (count_notify_cb), counts);

  g_assert_cmpstr (td_line_get_merchant (line), ==, "m_lakeside");
  g_assert_cmpint (td_line_get_state (line), ==, TD_LINE_STATE_OPEN);

  /* Every setter: no change → no notify; a change → exactly one. */
#define CHECK_SETTER(prop, set, same, other) G_STMT_START {            \
    guint before = total_of (counts);                                  \
    set (line, same);                                                  \
    g_assert_cmpuint (total_of (counts), ==, before);                  \
    set (line, other);                                                 \
    set (line, other);                                                 \
    g_assert_cmpuint (count_of (counts, prop), ==, 1);                 \
    g_assert_cmpuint (total_of (counts), ==, before + 1);              \
  } G_STMT_END

  CHECK_SETTER ("customer-name", td_line_set_customer_name, NULL, "Ann");
  CHECK_SETTER ("merchant", td_line_set_merchant, "m_lakeside", "m_other");
  CHECK_SETTER ("title", td_line_set_title, NULL, "Room");
  CHECK_SETTER ("state", td_line_set_state, TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED);
  CHECK_SETTER ("assignee", td_line_set_assignee, NULL, "o_bob");
  CHECK_SETTER ("snooze-until", td_line_set_snooze_until, 0, 5000);
  CHECK_SETTER ("last-seq", td_line_set_last_seq, 0, 3);
  CHECK_SETTER ("created", td_line_set_created, 0, 10);
  CHECK_SETTER ("updated", td_line_set_updated, 0, 20);
  CHECK_SETTER ("unread", td_line_set_unread, 0, 4);
  CHECK_SETTER ("preview", td_line_set_preview, NULL, "Hi");
  CHECK_SETTER ("last-sender-role", td_line_set_last_sender_role, TD_ROLE_CUSTOMER, TD_ROLE_OPERATOR);
  CHECK_SETTER ("waiting-since", td_line_set_waiting_since, 0, 30);
  CHECK_SETTER ("peer-read", td_line_set_peer_read, 0, 5);
#undef CHECK_SETTER

  /* back to NULL notifies too */
  td_line_set_assignee (line, NULL);
  g_assert_cmpuint (count_of (counts, "assignee"), ==, 2);
  g_assert_null (td_line_get_assignee (line));

  /* g_object_set goes through the same setters */
  g_hash_table_remove_all (counts);
  g_object_set (line, "state", TD_LINE_STATE_RESOLVED, "unread", 4, NULL);
  g_assert_cmpuint (total_of (counts), ==, 0);
  g_object_set (line, "state", TD_LINE_STATE_PENDING, NULL);
  g_assert_cmpuint (count_of (counts, "state"), ==, 1);

  g_object_get (line, "merchant", &merchant, "state", &state, "last-seq", &last_seq, NULL);
  g_assert_cmpstr (merchant, ==, "m_other");
  g_assert_cmpint (state, ==, TD_LINE_STATE_PENDING);
  g_assert_cmpint (last_seq, ==, 3);

  /* every property is explicit-notify */
  {
    guint n = 0;
    g_autofree GParamSpec **pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (line), &n);

    g_assert_cmpuint (n, ==, 18);
    for (guint i = 0; i < n; i++)
      g_assert_true (pspecs[i]->flags & G_PARAM_EXPLICIT_NOTIFY);
  }

  g_signal_handlers_disconnect_by_data (line, counts);
  g_assert_finalize_object (line);
}

static void
test_line_update_from (void)
{
  g_autoptr(GHashTable) counts = g_hash_table_new (NULL, NULL);
  TdLine *line = td_line_new ("ml_1", "c_1", "m_lakeside", TD_BUSI_INQUIRY);
  TdLine *src = td_line_new ("ml_1", "c_1", "m_lakeside", TD_BUSI_INQUIRY);

  td_line_set_title (line, "T");
  td_line_set_title (src, "T");
  td_line_set_last_seq (src, 9);
  td_line_set_state (src, TD_LINE_STATE_SNOOZED);
  td_line_set_unread (src, 2);

  g_signal_connect (line, "notify", G_CALLBACK (count_notify_cb), counts);
  td_line_update_from (line, src);
  g_assert_cmpuint (count_of (counts, "last-seq"), ==, 1);
  g_assert_cmpuint (count_of (counts, "state"), ==, 1);
  g_assert_cmpuint (count_of (counts, "unread"), ==, 1);
  g_assert_cmpuint (total_of (counts), ==, 3);
  g_assert_cmpint (td_line_get_last_seq (line), ==, 9);

  /* again: nothing changed */
  td_line_update_from (line, src);
  g_assert_cmpuint (total_of (counts), ==, 3);

  g_signal_handlers_disconnect_by_data (line, counts);
  g_assert_finalize_object (src);
  g_assert_finalize_object (line);
}

static void
test_line_json (void)
{
  g_autoptr(GError) error = NULL;
  TdLine *line = td_line_new ("ml_5", "c_1", "c_2", TD_BUSI_CHAT);
  TdLine *back;
  g_autoptr(JsonObject) object = NULL;

  g_assert_null (td_line_get_merchant (line));
  td_line_set_last_seq (line, 4);
  td_line_set_unread (line, 3);   /* client-side: not on the wire */
  object = td_line_to_json (line);
  g_assert_true (json_object_get_null_member (object, "merchant"));
  g_assert_true (json_object_get_null_member (object, "snooze_until"));
  g_assert_false (json_object_has_member (object, "unread"));

  back = td_line_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (td_line_get_object_id (back), ==, "c_2");
  g_assert_cmpint (td_line_get_last_seq (back), ==, 4);
  g_assert_cmpint (td_line_get_unread (back), ==, 0);

  g_assert_finalize_object (back);
  g_assert_finalize_object (line);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/protocol/error-names", test_error_names);
  g_test_add_func ("/tripdesk/protocol/enum-names", test_enum_names);
  g_test_add_func ("/tripdesk/protocol/random-id", test_random_id);
  g_test_add_func ("/tripdesk/protocol/object-id", test_object_id);
  g_test_add_func ("/tripdesk/protocol/chat-pair", test_chat_pair);
  g_test_add_func ("/tripdesk/protocol/now", test_now);

  g_test_add_func ("/tripdesk/packet/envelope", test_envelope);
  g_test_add_func ("/tripdesk/packet/direction", test_direction);
  g_test_add_func ("/tripdesk/packet/bad-json", test_bad_json);
  g_test_add_func ("/tripdesk/packet/deep-nesting", test_deep_nesting);
  g_test_add_func ("/tripdesk/packet/too-large", test_too_large);
  g_test_add_func ("/tripdesk/packet/ref-recovery", test_ref_recovery);

  g_test_add_func ("/tripdesk/packet/hello", test_hello);
  g_test_add_func ("/tripdesk/packet/send", test_send);
  g_test_add_func ("/tripdesk/packet/kind-text", test_kind_text);
  g_test_add_func ("/tripdesk/packet/kind-image", test_kind_image);
  g_test_add_func ("/tripdesk/packet/kind-order", test_kind_order);
  g_test_add_func ("/tripdesk/packet/kind-hotel", test_kind_hotel);
  g_test_add_func ("/tripdesk/packet/kind-flight", test_kind_flight);
  g_test_add_func ("/tripdesk/packet/kind-quick", test_kind_quick);
  g_test_add_func ("/tripdesk/packet/kind-rating", test_kind_rating);
  g_test_add_func ("/tripdesk/packet/open", test_open);
  g_test_add_func ("/tripdesk/packet/read-request", test_read_request);
  g_test_add_func ("/tripdesk/packet/typing-request", test_typing_request);
  g_test_add_func ("/tripdesk/packet/state", test_state);
  g_test_add_func ("/tripdesk/packet/history-request", test_history_request);
  g_test_add_func ("/tripdesk/packet/ping", test_ping);

  g_test_add_func ("/tripdesk/packet/welcome", test_welcome);
  g_test_add_func ("/tripdesk/packet/synced", test_synced);
  g_test_add_func ("/tripdesk/packet/msg", test_msg);
  g_test_add_func ("/tripdesk/packet/ack", test_ack);
  g_test_add_func ("/tripdesk/packet/line", test_line_packet);
  g_test_add_func ("/tripdesk/packet/read-event", test_read_event);
  g_test_add_func ("/tripdesk/packet/typing-event", test_typing_event);
  g_test_add_func ("/tripdesk/packet/history-reply", test_history_reply);
  g_test_add_func ("/tripdesk/packet/pong", test_pong);
  g_test_add_func ("/tripdesk/packet/error", test_error_packet);

  g_test_add_func ("/tripdesk/packet/builders", test_builders);
  g_test_add_func ("/tripdesk/packet/refcount", test_refcount);
  g_test_add_func ("/tripdesk/packet/parse-object", test_parse_object_direct);

  g_test_add_func ("/tripdesk/message/object", test_message_object);
  g_test_add_func ("/tripdesk/message/from-json", test_message_from_json);
  g_test_add_func ("/tripdesk/message/preview", test_message_preview);
  g_test_add_func ("/tripdesk/message/validate-body", test_validate_body);

  g_test_add_func ("/tripdesk/line/properties", test_line_properties);
  g_test_add_func ("/tripdesk/line/update-from", test_line_update_from);
  g_test_add_func ("/tripdesk/line/json", test_line_json);

  return g_test_run ();
}

/* test-json.c — strict JSON validation and writing
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-test"

#include <math.h>
#include <string.h>

#include "tripdesk-common.h"

static void
assert_valid_len (const char *data,
                  gsize       len)
{
  g_autoptr(GError) error = NULL;

  if (!td_json_check_strict (data, len, &error))
    g_error ("Refused valid JSON «%.*s»: %s", (int) MIN (len, 200), data, error->message);
  g_assert_no_error (error);
}

static void
assert_valid (const char *data)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;

  assert_valid_len (data, strlen (data));

  /* Our builder makes the same tree as json-glib (safe to call on
   * strictly valid input). */
  object = td_json_parse_object (data, strlen (data), &error);
  g_assert_no_error (error);
  g_assert_nonnull (object);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autofree char *ours = NULL;
    g_autofree char *theirs = NULL;

    g_assert_true (json_parser_load_from_data (parser, data, -1, &error));
    g_assert_no_error (error);
    ours = td_json_object_to_string (object, NULL);
    theirs = td_json_node_to_string (json_parser_get_root (parser), NULL);
    g_assert_cmpstr (ours, ==, theirs);
  }
}

static void
assert_invalid_len (const char *data,
                    gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) error2 = NULL;
  g_autoptr(JsonObject) object = NULL;

  if (td_json_check_strict (data, len, &error))
    g_error ("Accepted invalid JSON «%.*s»", (int) MIN (len, 200), data);
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_JSON);
  g_assert_nonnull (error->message);
  g_assert_cmpstr (error->message, !=, "");

  object = td_json_parse_object (data, len, &error2);
  g_assert_null (object);
  g_assert_error (error2, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_JSON);
}

static void
assert_invalid (const char *data)
{
  assert_invalid_len (data, strlen (data));
}

static void
test_valid (void)
{
  assert_valid ("{}");
  assert_valid ("  {}  ");
  assert_valid ("\t\r\n{ }\n");
  assert_valid ("{\"a\":1}");
  assert_valid ("{\"a\" : [ 1 , 2 , 3 ] , \"b\" : { \"c\" : null } }");
  assert_valid ("{\"t\":true,\"f\":false,\"n\":null}");
  assert_valid ("{\"a\":[],\"b\":{},\"c\":[[]],\"d\":[{}]}");
  assert_valid ("{\"\":\"\"}");
  assert_valid ("{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"}");
  assert_valid ("{\"a\":\"\\u00e9\\u4E2D\\uffff\"}");
  assert_valid ("{\"a\":\"\\ud83d\\ude00\"}");           /* a surrogate pair */
  assert_valid ("{\"a\":\"é中😀\"}");                     /* raw UTF-8 */
  assert_valid ("{\"a\":\"\xf4\x8f\xbf\xbf\"}");           /* U+10FFFF */
  assert_valid ("{\"a\":\"\xef\xbb\xbf\"}");               /* a BOM inside a string is a char */
  assert_valid ("{\"a\":\"\x7f\"}");                       /* DEL is not a control in JSON */
  assert_valid ("{\"a\":[0,-0,1,-1,10,123456789]}");
  assert_valid ("{\"a\":[0.5,-0.5,1e5,1E5,1e+5,1e-5,1.5e10,-2.5E-3,0e0,0.0]}");
  assert_valid ("{\"a\":1e-400}");                         /* underflows to 0: finite */
  assert_valid ("{\"a\":1.7976931348623157e308}");         /* DBL_MAX */
  assert_valid ("{\"a\":-1.7976931348623157e308}");
  assert_valid ("{\"a\":1e308}");
  assert_valid ("{\"a\":0.00000000000000000000000000000001e339}");
  assert_valid ("{\"a\":123456789012345678901234567890.5}"); /* a float may be long */
  assert_valid ("{\"a\":1e-99999999999999999999999}");
  assert_valid ("{\"a\":{\"a\":1},\"a\":2}");              /* duplicates: the last wins */
}

static void
test_empty (void)
{
  assert_invalid ("");
  assert_invalid ("   ");
  assert_invalid ("\n");
  assert_invalid_len (NULL, 0);
}

static void
test_top_level (void)
{
  assert_invalid ("[]");
  assert_invalid ("[{}]");
  assert_invalid ("\"x\"");
  assert_invalid ("1");
  assert_invalid ("null");
  assert_invalid ("true");
  assert_invalid ("\xef\xbb\xbf{}");  /* a BOM */
}

static void
test_lenient_syntax (void)
{
  /* What json-glib 1.6 accepts and RFC 8259 does not. */
  assert_invalid ("{'a':1}");
  assert_invalid ("{\"a\":'x'}");
  assert_invalid ("{\"a\":0x10}");
  assert_invalid ("{\"a\":0X1F}");
  assert_invalid ("{a:1}");
  assert_invalid ("{\"a\":1,}");
  assert_invalid ("{\"a\":[1,]}");
  assert_invalid ("{\"a\":[,1]}");
  assert_invalid ("{,}");
  assert_invalid ("{\"a\"}");
  assert_invalid ("{\"a\":}");
  assert_invalid ("{\"a\" 1}");
  assert_invalid ("{\"a\":1 \"b\":2}");
  assert_invalid ("{\"a\":[1 2]}");
  assert_invalid ("{\"a\":1} // c");
  assert_invalid ("{/* c */\"a\":1}");
  assert_invalid ("{\"a\":tru}");
  assert_invalid ("{\"a\":True}");
  assert_invalid ("{\"a\":nul}");
  assert_invalid ("{\"a\":undefined}");
  assert_invalid ("{\"a\":1");
  assert_invalid ("{\"a\":[1}");
  assert_invalid ("{\"a\":{]}");
  assert_invalid ("{\"a\":\"x}");
  assert_invalid ("{\"a\":1]}");
}

static void
test_trailing (void)
{
  assert_invalid ("{}x");
  assert_invalid ("{\"a\":1}garbage");
  assert_invalid ("{}{}");
  assert_invalid ("{},");
  assert_invalid ("{} 1");
  assert_invalid ("{}}");
  assert_invalid_len ("{}\0", 3);
  assert_invalid_len ("{} \0 ", 5);
}

static void
test_not_terminated (void)
{
  const char buf[] = "{\"a\":1}{\"b\"";

  /* @len counts, not a NUL */
  assert_valid_len (buf, 7);
  assert_invalid_len (buf, 6);
  assert_invalid_len (buf, 8);
  assert_invalid_len ("{\"a\":\"x\"}", 7);
  assert_invalid_len ("{\"a\":12}", 6);   /* "{"a":1" */
  assert_invalid_len ("{\"a\":true}", 8);
}

static void
test_numbers (void)
{
  assert_invalid ("{\"a\":01}");
  assert_invalid ("{\"a\":-01}");
  assert_invalid ("{\"a\":00}");
  assert_invalid ("{\"a\":+1}");
  assert_invalid ("{\"a\":.5}");
  assert_invalid ("{\"a\":1.}");
  assert_invalid ("{\"a\":1.e5}");
  assert_invalid ("{\"a\":1e}");
  assert_invalid ("{\"a\":1e+}");
  assert_invalid ("{\"a\":1e-}");
  assert_invalid ("{\"a\":-}");
  assert_invalid ("{\"a\":--1}");
  assert_invalid ("{\"a\":- 1}");
  assert_invalid ("{\"a\":1 2}");
  assert_invalid ("{\"a\":1_000}");
  assert_invalid ("{\"a\":１}");   /* a full-width digit */
}

static void
test_non_finite (void)
{
  assert_invalid ("{\"a\":NaN}");
  assert_invalid ("{\"a\":nan}");
  assert_invalid ("{\"a\":Infinity}");
  assert_invalid ("{\"a\":-Infinity}");
  assert_invalid ("{\"a\":inf}");
  assert_invalid ("{\"a\":1e999}");
  assert_invalid ("{\"a\":-1e999}");
  assert_invalid ("{\"a\":1e309}");
  assert_invalid ("{\"a\":1.8e308}");
  assert_invalid ("{\"a\":-1.8e308}");
  assert_invalid ("{\"a\":1.7976931348623159e308}");
  assert_invalid ("{\"a\":10e308}");
  assert_invalid ("{\"a\":1000000000000000000000000000000e290}");
  assert_invalid ("{\"a\":0.1e310}");
  assert_invalid ("{\"a\":1e99999999999999999999999}");
  assert_invalid ("{\"a\":[1,2,{\"b\":1e400}]}");
}

static void
test_integer_range (void)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *json = "{\"max\":9007199254740992,\"min\":-9007199254740992,"
                     "\"below\":9007199254740991}";

  /* Exactly ±2^53 is in; one more is out. */
  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpint (json_object_get_int_member (object, "max"), ==, TD_MAX_SAFE_INT);
  g_assert_cmpint (json_object_get_int_member (object, "min"), ==, -TD_MAX_SAFE_INT);
  g_assert_cmpint (json_object_get_int_member (object, "below"), ==, TD_MAX_SAFE_INT - 1);

  assert_invalid ("{\"a\":9007199254740993}");
  assert_invalid ("{\"a\":-9007199254740993}");
  assert_invalid ("{\"a\":9007199254741000}");
  assert_invalid ("{\"a\":10000000000000000}");     /* 17 digits */
  assert_invalid ("{\"a\":9223372036854775807}");   /* 2^63 - 1 */
  assert_invalid ("{\"a\":9223372036854775808}");   /* 2^63: json-glib wraps it */
  assert_invalid ("{\"a\":-9223372036854775809}");
  assert_invalid ("{\"a\":18446744073709551616}");  /* 2^64 */
  assert_invalid ("{\"a\":[1,99999999999999999999999999999]}");

  /* The same magnitude as a float is a float, not an integer. */
  assert_valid ("{\"a\":9007199254740993.0}");
  assert_valid ("{\"a\":1e20}");
}

static char *
nest (const char *open,
      const char *inner,
      const char *close,
      guint       levels)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < levels; i++)
    g_string_append (s, open);
  g_string_append (s, inner);
  for (guint i = 0; i < levels; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_depth (void)
{
  g_autofree char *d32 = nest ("{\"a\":", "{}", "}", 31);
  g_autofree char *d33 = nest ("{\"a\":", "{}", "}", 32);
  g_autofree char *arrays32 = NULL;
  g_autofree char *arrays33 = NULL;
  g_autofree char *inner31 = nest ("[", "1", "]", 31);
  g_autofree char *inner32 = nest ("[", "1", "]", 32);
  g_autofree char *mixed = nest ("{\"a\":[", "{}", "]}", 16);   /* 33 */
  g_autoptr(GError) error = NULL;

  arrays32 = g_strdup_printf ("{\"a\":%s}", inner31);
  arrays33 = g_strdup_printf ("{\"a\":%s}", inner32);

  assert_valid (d32);
  assert_valid (arrays32);
  assert_invalid (d33);
  assert_invalid (arrays33);
  assert_invalid (mixed);

  g_assert_false (td_json_check_strict (d33, strlen (d33), &error));
  g_assert_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_JSON);
  g_assert_nonnull (strstr (error->message, "32"));

  /* Siblings do not add up: depth is nesting, not count. */
  {
    g_autofree char *wide = NULL;
    g_autofree char *element = nest ("[", "1", "]", 30);
    GString *s = g_string_new ("{\"a\":[");

    for (int i = 0; i < 1000; i++)
      g_string_append_printf (s, "%s%s", i ? "," : "", element);
    g_string_append (s, "]}");
    wide = g_string_free (s, FALSE);
    /* each element is 30 arrays deep inside [ inside { : 32 */
    assert_valid (wide);
  }
}

static void
test_deep_nesting_no_crash (void)
{
  /* json-glib 1.6 recurses on this and overflows the stack. */
  g_autofree char *arrays = nest ("[", "", "]", 10000);
  g_autofree char *objects = nest ("{\"a\":", "1", "}", 10000);
  g_autofree char *in_object = NULL;
  g_autofree char *unclosed = NULL;
  GString *s;

  in_object = g_strdup_printf ("{\"a\":%s}", arrays);
  assert_invalid (in_object);
  assert_invalid (objects);

  s = g_string_new ("{\"a\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  unclosed = g_string_free (s, FALSE);
  assert_invalid (unclosed);
}

static void
test_strings (void)
{
  /* NUL: raw or escaped */
  assert_invalid_len ("{\"a\":\"x\0y\"}", 11);
  assert_invalid_len ("{\"a\0\":1}", 8);
  assert_invalid ("{\"a\":\"\\u0000\"}");
  assert_invalid ("{\"\\u0000\":1}");

  /* Raw control characters */
  assert_invalid ("{\"a\":\"line\nbreak\"}");
  assert_invalid ("{\"a\":\"tab\there\"}");
  assert_invalid ("{\"a\":\"\x01\"}");
  assert_invalid ("{\"a\":\"\x1f\"}");

  /* Escapes */
  assert_invalid ("{\"a\":\"\\x41\"}");
  assert_invalid ("{\"a\":\"\\'\"}");
  assert_invalid ("{\"a\":\"\\U0041\"}");
  assert_invalid ("{\"a\":\"\\u12\"}");
  assert_invalid ("{\"a\":\"\\u12G4\"}");
  assert_invalid ("{\"a\":\"\\\"}");
  assert_invalid ("{\"a\":\"\\");

  /* Lone surrogates are not characters */
  assert_invalid ("{\"a\":\"\\ud800\"}");
  assert_invalid ("{\"a\":\"\\udc00\"}");
  assert_invalid ("{\"a\":\"\\ud800\\u0041\"}");
  assert_invalid ("{\"a\":\"\\ud800\\ud800\"}");
  assert_invalid ("{\"a\":\"\\ude00\\ud83d\"}");
  assert_invalid ("{\"a\":\"\\ud83dx\"}");

  /* Unterminated */
  assert_invalid ("{\"a\":\"abc");
  assert_invalid ("{\"abc");
}

static void
test_utf8 (void)
{
  assert_invalid ("{\"a\":\"\x80\"}");              /* lone continuation */
  assert_invalid ("{\"a\":\"\xbf\"}");
  assert_invalid ("{\"a\":\"\xc0\xaf\"}");          /* overlong '/' */
  assert_invalid ("{\"a\":\"\xc1\xbf\"}");
  assert_invalid ("{\"a\":\"\xe0\x80\xaf\"}");      /* overlong */
  assert_invalid ("{\"a\":\"\xf0\x80\x80\xaf\"}");  /* overlong */
  assert_invalid ("{\"a\":\"\xed\xa0\x80\"}");      /* UTF-16 surrogate */
  assert_invalid ("{\"a\":\"\xed\xbf\xbf\"}");
  assert_invalid ("{\"a\":\"\xf4\x90\x80\x80\"}");  /* > U+10FFFF */
  assert_invalid ("{\"a\":\"\xf5\x80\x80\x80\"}");
  assert_invalid ("{\"a\":\"\xff\"}");
  assert_invalid ("{\"a\":\"\xfe\"}");
  assert_invalid ("{\"a\":\"\xe4\xb8\"}");          /* truncated 中 */
  assert_invalid ("{\"a\":\"\xe4\"}");
  assert_invalid ("{\"a\":\"\xc3\"}");
  assert_invalid_len ("{\"a\":\"\xe4\xb8", 8);      /* truncated at the end */
  assert_invalid ("{\"\xff\":1}");                  /* in a member name */
  assert_invalid ("{\"a\":1}\xff");                 /* outside strings */
  assert_invalid ("{\xc2\xa0\"a\":1}");             /* NBSP is not JSON whitespace */
}

static void
test_parse_object (void)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *json = "{\"s\":\"\\u00e9\\ud83d\\ude00\",\"i\":-42,\"d\":2.5,\"b\":true,\"n\":null,"
                     "\"a\":[1,\"x\"],\"o\":{\"k\":\"v\"}}";

  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (object, "s"), ==, "é😀");
  g_assert_cmpint (json_object_get_int_member (object, "i"), ==, -42);
  g_assert_cmpfloat (json_object_get_double_member (object, "d"), ==, 2.5);
  g_assert_true (json_object_get_boolean_member (object, "b"));
  g_assert_true (json_object_get_null_member (object, "n"));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (object, "a")), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (object, "o"), "k"),
                   ==, "v");
}

static void
test_parse_types (void)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  const char *json = " {\"i\" : -0 , \"big\":-9007199254740992,\"e\":1e2,\"f\":0.1,\"E\":-2.5E-3,"
                     "\"esc\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u0041\\u00e9\\u4e2d\\uD83D\\uDE00\","
                     "\"\\u006bey\":[ ],\"o\":{ },\"dup\":1,\"dup\":2 } ";
  JsonNode *node;

  object = td_json_parse_object (json, strlen (json), &error);
  g_assert_no_error (error);

  node = json_object_get_member (object, "i");
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_INT64);
  g_assert_cmpint (json_node_get_int (node), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "big"), ==, -TD_MAX_SAFE_INT);

  node = json_object_get_member (object, "e");
  g_assert_cmpint (json_node_get_value_type (node), ==, G_TYPE_DOUBLE);
  g_assert_cmpfloat (json_node_get_double (node), ==, 100.0);
  g_assert_cmpfloat (json_object_get_double_member (object, "f"), ==, 0.1);
  g_assert_cmpfloat (json_object_get_double_member (object, "E"), ==, -2.5e-3);

  g_assert_cmpstr (json_object_get_string_member (object, "esc"), ==,
                   "a\"b\\c/d\b\f\n\r\tAé中😀");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "key")));
  g_assert_cmpint (json_object_get_size (json_object_get_object_member (object, "o")), ==, 0);
  g_assert_cmpint (json_object_get_int_member (object, "dup"), ==, 2);
  g_assert_cmpint (json_object_get_size (object), ==, 9);

  /* the result is ours to change */
  json_object_set_int_member (object, "i", 5);
  g_assert_cmpint (json_object_get_int_member (object, "i"), ==, 5);
}

static void
assert_round_trip (const char *in,
                   const char *expected)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  gsize len = 0;

  object = td_json_parse_object (in, strlen (in), &error);
  g_assert_no_error (error);
  out = td_json_object_to_string (object, &len);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpuint (len, ==, strlen (out));
  assert_valid (out);
}

static void
test_write (void)
{
  assert_round_trip ("{ \"a\" : 1 }", "{\"a\":1}");
  assert_round_trip ("{\"b\":2,\"a\":1}", "{\"b\":2,\"a\":1}");   /* order kept */
  /* json-glib 1.6 writes these as "1e+308.0" */
  assert_round_trip ("{\"a\":1e308}", "{\"a\":1e+308}");
  assert_round_trip ("{\"a\":1.7976931348623157e308}", "{\"a\":1.7976931348623157e+308}");
  assert_round_trip ("{\"a\":12.0}", "{\"a\":12.0}");
  assert_round_trip ("{\"a\":12.5}", "{\"a\":12.5}");
  assert_round_trip ("{\"a\":0.1}", "{\"a\":0.1}");
  assert_round_trip ("{\"a\":-0.0}", "{\"a\":-0.0}");
  assert_round_trip ("{\"a\":1e-400}", "{\"a\":0.0}");
  assert_round_trip ("{\"a\":-9007199254740992}", "{\"a\":-9007199254740992}");
  assert_round_trip ("{\"a\":\"\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\\\/\"}",
                     "{\"a\":\"\\u0001\\u001f\\u007f\\b\\f\\n\\r\\t\\\"\\\\/\"}");
  assert_round_trip ("{\"é\":\"中😀\"}", "{\"é\":\"中😀\"}");
  assert_round_trip ("{\"a\":[true,false,null,[],{}]}", "{\"a\":[true,false,null,[],{}]}");
}

static void
test_write_non_finite (void)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autofree char *out = NULL;

  json_object_set_double_member (object, "inf", INFINITY);
  json_object_set_double_member (object, "nan", NAN);
  json_object_set_double_member (object, "ok", 3.0);
  out = td_json_object_to_string (object, NULL);
  g_assert_cmpstr (out, ==, "{\"inf\":null,\"nan\":null,\"ok\":3.0}");
  assert_valid (out);
}

static void
test_write_node (void)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonArray) array = json_array_new ();
  g_autofree char *out = NULL;

  json_array_add_int_element (array, 7);
  json_array_add_string_element (array, "x");
  json_node_set_array (node, array);
  out = td_json_node_to_string (node, NULL);
  g_assert_cmpstr (out, ==, "[7,\"x\"]");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/json/valid", test_valid);
  g_test_add_func ("/tripdesk/json/empty", test_empty);
  g_test_add_func ("/tripdesk/json/top-level", test_top_level);
  g_test_add_func ("/tripdesk/json/lenient-syntax", test_lenient_syntax);
  g_test_add_func ("/tripdesk/json/trailing", test_trailing);
  g_test_add_func ("/tripdesk/json/not-terminated", test_not_terminated);
  g_test_add_func ("/tripdesk/json/numbers", test_numbers);
  g_test_add_func ("/tripdesk/json/non-finite", test_non_finite);
  g_test_add_func ("/tripdesk/json/integer-range", test_integer_range);
  g_test_add_func ("/tripdesk/json/depth", test_depth);
  g_test_add_func ("/tripdesk/json/deep-nesting-no-crash", test_deep_nesting_no_crash);
  g_test_add_func ("/tripdesk/json/strings", test_strings);
  g_test_add_func ("/tripdesk/json/utf8", test_utf8);
  g_test_add_func ("/tripdesk/json/parse-object", test_parse_object);
  g_test_add_func ("/tripdesk/json/parse-types", test_parse_types);
  g_test_add_func ("/tripdesk/json/write", test_write);
  g_test_add_func ("/tripdesk/json/write-non-finite", test_write_non_finite);
  g_test_add_func ("/tripdesk/json/write-node", test_write_node);

  return g_test_run ();
}

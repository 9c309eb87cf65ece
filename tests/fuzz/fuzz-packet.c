/* fuzz-packet.c — libFuzzer target for the packet codec
 *
 * Feeds the input to td_packet_parse() in both directions; every packet that
 * parses is serialised again, and that JSON must be strict, parse again in
 * the same direction (when within the size limit) and serialise to the same
 * bytes.  A failure must be a TD_PROTOCOL_ERROR.  Built by run-fuzz.sh.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-fuzz"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripdesk-common.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void
die (const char *what,
     const char *detail)
{
  fprintf (stderr, "fuzz-packet: %s: %s\n", what, detail ? detail : "");
  abort ();
}

static void
exercise_message (TdMessage *msg)
{
  g_autofree char *preview = td_message_dup_preview (msg);
  g_autofree char *search = td_message_dup_search_text (msg);
  g_autoptr(JsonObject) json = td_message_to_json (msg);

  if (preview == NULL || !g_utf8_validate (preview, -1, NULL))
    die ("preview is not UTF-8", td_message_get_kind_name (msg));
  if (search == NULL || !g_utf8_validate (search, -1, NULL))
    die ("search text is not UTF-8", td_message_get_kind_name (msg));
}

static void
check_direction (const char        *data,
                 gsize              size,
                 TdPacketDirection  direction)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *ref = NULL;
  g_autoptr(TdPacket) packet = NULL;
  g_autoptr(TdPacket) again = NULL;
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  gsize len = 0;
  gsize limit = direction == TD_FROM_CLIENT ? TD_MAX_CLIENT_PACKET : TD_MAX_SERVER_PACKET;

  packet = td_packet_parse (data, size, direction, &ref, &error);
  if (packet == NULL)
    {
      if (error == NULL || error->domain != TD_PROTOCOL_ERROR)
        die ("failure without a protocol error", NULL);
      if (ref != NULL && !g_utf8_validate (ref, -1, NULL))
        die ("ref is not UTF-8", NULL);
      return;
    }
  if (error != NULL)
    die ("success with an error", error->message);

  if (packet->msg != NULL)
    exercise_message (packet->msg);
  for (guint i = 0; packet->messages != NULL && i < packet->messages->len; i++)
    exercise_message (g_ptr_array_index (packet->messages, i));
  if (packet->line != NULL)
    {
      g_autoptr(JsonObject) json = td_line_to_json (packet->line);
    }

  out = td_packet_to_json (packet, &len);
  if (out == NULL || len != strlen (out))
    die ("serialisation", NULL);
  if (!td_json_check_strict (out, len, &error))
    die ("own output is not strict JSON", error->message);

  if (len > limit)
    return;  /* e.g. 1e5 written as 100000.0: may outgrow the limit */

  again = td_packet_parse (out, len, direction, NULL, &error);
  if (again == NULL)
    {
      fprintf (stderr, "output: %s\n", out);
      die ("own output does not parse", error->message);
    }
  if (again->type != packet->type)
    die ("type changed", out);

  out2 = td_packet_to_json (again, NULL);
  if (strcmp (out, out2) != 0)
    {
      fprintf (stderr, "first:  %s\nsecond: %s\n", out, out2);
      die ("serialisation is not stable", NULL);
    }
}

static void
check_json (const char *data,
            gsize       size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *ours = NULL;
  g_autofree char *theirs = NULL;
  JsonNode *root;

  if (!td_json_check_strict (data, size, NULL))
    {
      if (td_json_parse_object (data, size, NULL) != NULL)
        die ("parsed what the strict check refuses", NULL);
      return;
    }

  object = td_json_parse_object (data, size, &error);
  if (object == NULL)
    die ("strict JSON that td_json_parse_object refuses", error ? error->message : NULL);

  /* Differential: json-glib (safe now: strict, at most 32 deep) must build
   * the same tree as our builder. */
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, data, (gssize) size, &error))
    die ("strict JSON that json-glib refuses", error->message);
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    die ("json-glib built no object", NULL);

  ours = td_json_object_to_string (object, NULL);
  theirs = td_json_node_to_string (root, NULL);
  if (strcmp (ours, theirs) != 0)
    {
      fprintf (stderr, "ours:   %s\ntheirs: %s\n", ours, theirs);
      die ("our builder and json-glib disagree", NULL);
    }
}

/* The rest of the bytes as a message body, in a send from a client and in
 * a msg from the server: reaches the body validators directly.  The first
 * byte picks the kind (byte % 10): '<' text, '=' image, '>' order, '?'
 * hotel, '@' flight, 'A' quick, 'B' rating, 'C' system, 'D' note, 'E' an
 * unknown kind. */
static void
check_as_body (const char *data,
               gsize       size)
{
  static const char * const kinds[] = {
    "text", "image", "order", "hotel", "flight", "quick", "rating", "system",
    "note", "sticker",
  };
  const char *kind;
  g_autofree char *send = NULL;
  g_autofree char *msg = NULL;
  gsize send_len, msg_len;

  if (size < 1)
    return;
  kind = kinds[(guchar) data[0] % G_N_ELEMENTS (kinds)];
  data++;
  size--;

  /* %.*s stops at a NUL: only whole inputs are meaningful */
  if (memchr (data, '\0', size) != NULL)
    return;

  send = g_strdup_printf ("{\"v\":1,\"type\":\"send\",\"random_id\":\"Rnd_0123456789-abcdef\","
                          "\"line\":\"ml_1\",\"kind\":\"%s\",\"body\":%.*s}",
                          kind, (int) size, data);
  send_len = strlen (send);
  msg = g_strdup_printf ("{\"v\":1,\"type\":\"msg\",\"cursor\":1,\"msg\":{\"id\":1,\"line\":\"ml_1\","
                         "\"line_seq\":%d,\"sender\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"A\"},"
                         "\"kind\":\"%s\",\"ts\":1,\"body\":%.*s}}",
                         g_str_equal (kind, "note") ? 0 : 1, kind, (int) size, data);
  msg_len = strlen (msg);

  check_direction (send, send_len, TD_FROM_CLIENT);
  check_direction (msg, msg_len, TD_FROM_SERVER);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static gboolean initialised;

  if (!initialised)
    {
      /* Bad network input must never warn: make it fatal. */
      g_log_set_always_fatal (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
      initialised = TRUE;
    }

  check_json ((const char *) data, size);
  check_direction ((const char *) data, size, TD_FROM_CLIENT);
  check_direction ((const char *) data, size, TD_FROM_SERVER);
  check_as_body ((const char *) data, size);
  return 0;
}

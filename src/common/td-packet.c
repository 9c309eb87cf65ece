/* td-packet.c — the unified packet of protocol v1 (both transports)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <string.h>

#include "td-fields-private.h"
#include "td-json.h"
#include "td-packet.h"

G_DEFINE_BOXED_TYPE (TdPacket, td_packet, td_packet_ref, td_packet_unref)

static const char * const type_names[TD_PACKET_N_TYPES] = {
  [TD_PACKET_UNKNOWN] = "unknown",
  [TD_PACKET_HELLO] = "hello",
  [TD_PACKET_SEND] = "send",
  [TD_PACKET_OPEN] = "open",
  [TD_PACKET_READ] = "read",
  [TD_PACKET_TYPING] = "typing",
  [TD_PACKET_STATE] = "state",
  [TD_PACKET_HISTORY] = "history",
  [TD_PACKET_PING] = "ping",
  [TD_PACKET_WELCOME] = "welcome",
  [TD_PACKET_SYNCED] = "synced",
  [TD_PACKET_MSG] = "msg",
  [TD_PACKET_ACK] = "ack",
  [TD_PACKET_LINE] = "line",
  [TD_PACKET_PONG] = "pong",
  [TD_PACKET_ERROR] = "error",
};

const char *
td_packet_type_to_string (TdPacketType type)
{
  if ((guint) type < TD_PACKET_N_TYPES)
    return type_names[type];
  return "unknown";
}

TdPacketType
td_packet_type_from_string (const char *s)
{
  if (s == NULL)
    return TD_PACKET_UNKNOWN;

  for (guint i = TD_PACKET_UNKNOWN + 1; i < TD_PACKET_N_TYPES; i++)
    if (strcmp (type_names[i], s) == 0)
      return (TdPacketType) i;

  return TD_PACKET_UNKNOWN;
}

static gboolean
type_allowed (TdPacketType      type,
              TdPacketDirection direction)
{
  switch (type)
    {
    case TD_PACKET_READ:
    case TD_PACKET_TYPING:
    case TD_PACKET_HISTORY:
      return TRUE;

    case TD_PACKET_HELLO:
    case TD_PACKET_SEND:
    case TD_PACKET_OPEN:
    case TD_PACKET_STATE:
    case TD_PACKET_PING:
      return direction == TD_FROM_CLIENT;

    case TD_PACKET_WELCOME:
    case TD_PACKET_SYNCED:
    case TD_PACKET_MSG:
    case TD_PACKET_ACK:
    case TD_PACKET_LINE:
    case TD_PACKET_PONG:
    case TD_PACKET_ERROR:
      return direction == TD_FROM_SERVER;

    case TD_PACKET_UNKNOWN:
    case TD_PACKET_N_TYPES:
    default:
      return FALSE;
    }
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */

TdMerchantRef *
td_merchant_ref_new (const char *id,
                     const char *name)
{
  TdMerchantRef *ref = g_new0 (TdMerchantRef, 1);

  ref->id = g_strdup (id);
  ref->name = g_strdup (name);
  return ref;
}

void
td_merchant_ref_free (TdMerchantRef *ref)
{
  if (ref == NULL)
    return;
  g_free (ref->id);
  g_free (ref->name);
  g_free (ref);
}

TdPacket *
td_packet_new (TdPacketType type)
{
  TdPacket *packet;

  g_return_val_if_fail ((guint) type < TD_PACKET_N_TYPES, NULL);

  packet = g_new0 (TdPacket, 1);
  g_atomic_ref_count_init (&packet->ref_count);
  packet->type = type;

  if (type == TD_PACKET_HISTORY)
    packet->limit = TD_HISTORY_DEFAULT_LIMIT;
  if (type == TD_PACKET_WELCOME)
    {
      packet->merchants = g_ptr_array_new_with_free_func ((GDestroyNotify) td_merchant_ref_free);
      packet->heartbeat_s = TD_DEFAULT_HEARTBEAT_S;
    }

  return packet;
}

TdPacket *
td_packet_ref (TdPacket *packet)
{
  g_return_val_if_fail (packet != NULL, NULL);

  g_atomic_ref_count_inc (&packet->ref_count);
  return packet;
}

void
td_packet_unref (TdPacket *packet)
{
  g_return_if_fail (packet != NULL);

  if (!g_atomic_ref_count_dec (&packet->ref_count))
    return;

  g_free (packet->req);
  g_free (packet->client);
  g_free (packet->random_id);
  g_free (packet->kind);
  g_clear_pointer (&packet->body, json_object_unref);
  g_free (packet->line_id);
  g_free (packet->object_id);
  g_free (packet->busi);
  g_free (packet->uid);
  g_free (packet->reader);
  g_free (packet->who);
  g_free (packet->name);
  g_free (packet->state);
  g_free (packet->assignee);
  g_clear_pointer (&packet->messages, g_ptr_array_unref);
  g_clear_object (&packet->msg);
  g_clear_object (&packet->line);
  g_free (packet->me_id);
  g_free (packet->me_role);
  g_free (packet->me_name);
  g_clear_pointer (&packet->merchants, g_ptr_array_unref);
  g_free (packet->session);
  g_free (packet->code);
  g_free (packet->message);
  g_free (packet->ref);
  g_free (packet);
}

/* ------------------------------------------------------------------ */
/* Parsing                                                             */

static gboolean
bad_packet (GError     **error,
            const char  *format,
            ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_packet (GError     **error,
            const char  *format,
            ...)
{
  va_list args;

  if (error != NULL)
    {
      va_start (args, format);
      *error = g_error_new_valist (TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                                   format, args);
      va_end (args);
    }
  return FALSE;
}

/* `c_…`: a customer uid. */
static gboolean
is_customer_uid (const char *s)
{
  if (s == NULL || strncmp (s, "c_", 2) != 0 || s[2] == '\0')
    return FALSE;
  for (const char *p = s + 2; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-')
      return FALSE;
  return TRUE;
}

/* The `ref` for an error about @object: its `req`, else a send's
 * `random_id`, when well-formed. */
static char *
extract_ref (JsonObject *object)
{
  JsonNode *node;

  if (object == NULL)
    return NULL;

  node = json_object_get_member (object, "req");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *req = json_node_get_string (node);

      if (g_utf8_strlen (req, -1) <= TD_MAX_REQ_CHARS)
        return g_strdup (req);
    }

  node = json_object_get_member (object, "type");
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING ||
      g_strcmp0 (json_node_get_string (node), "send") != 0)
    return NULL;

  node = json_object_get_member (object, "random_id");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING &&
      td_random_id_is_valid (json_node_get_string (node)))
    return g_strdup (json_node_get_string (node));

  return NULL;
}

#define REQ  TD_FIELD_REQUIRED
#define OPT  TD_FIELD_OPTIONAL
#define NUL  TD_FIELD_NULLABLE
#define ANY  G_MAXSIZE
#define MAXI TD_MAX_SAFE_INT

static gboolean
get_str (JsonObject   *o,
         const char   *where,
         const char   *name,
         TdFieldFlags  flags,
         gsize         min_chars,
         char        **out,
         GError      **error)
{
  const char *s = NULL;

  if (!td_field_get_string (o, where, name, flags, min_chars, ANY, &s, NULL, error))
    return FALSE;
  g_free (*out);
  *out = g_strdup (s);
  return TRUE;
}

static gboolean
parse_client_fields (TdPacket    *p,
                     JsonObject  *o,
                     const char  *where,
                     GError     **error)
{
  switch (p->type)
    {
    case TD_PACKET_HELLO:
      {
        gboolean present = FALSE;

        /* `cursor` is required (null for a fresh client); `client` is
         * informational, so an outside client may leave it out. */
        if (!td_field_get_int (o, where, "cursor", NUL, 0, MAXI, &p->cursor, &present, error) ||
            !get_str (o, where, "client", TD_FIELD_OPTIONAL, 0, &p->client, error))
          return FALSE;
        p->has_cursor = present;
        return TRUE;
      }

    case TD_PACKET_SEND:
      {
        TdKind kind;

        if (!get_str (o, where, "random_id", REQ, 1, &p->random_id, error))
          return FALSE;
        if (!td_random_id_is_valid (p->random_id))
          return bad_packet (error, "send: malformed random_id (want [A-Za-z0-9_-]{16,64})");
        if (!get_str (o, where, "line", REQ, 1, &p->line_id, error) ||
            !get_str (o, where, "kind", REQ, 1, &p->kind, error) ||
            !td_field_get_object (o, where, "body", REQ, &p->body, error))
          return FALSE;
        json_object_ref (p->body);
        kind = td_kind_from_string (p->kind);
        if (kind == TD_KIND_UNKNOWN)
          return bad_packet (error, "send: unknown kind “%s”", p->kind);
        return td_message_validate_body (kind, p->body, error);
      }

    case TD_PACKET_OPEN:
      {
        TdBusi busi;

        if (!get_str (o, where, "object_id", REQ, 1, &p->object_id, error) ||
            !get_str (o, where, "busi", REQ, 1, &p->busi, error) ||
            !get_str (o, where, "uid", OPT | NUL, 1, &p->uid, error))
          return FALSE;
        if (!td_busi_from_string (p->busi, &busi))
          return bad_packet (error, "open: unknown busi “%s”", p->busi);
        if (busi == TD_BUSI_CHAT)
          {
            if (!is_customer_uid (p->object_id))
              return bad_packet (error, "open: a chat's object_id must be a customer uid");
          }
        else
          {
            g_autofree char *merchant = td_object_id_dup_merchant (p->object_id);

            if (merchant == NULL)
              return bad_packet (error, "open: malformed object_id");
          }
        if (p->uid != NULL && !is_customer_uid (p->uid))
          return bad_packet (error, "open: uid must be a customer uid");
        return TRUE;
      }

    case TD_PACKET_READ:
      return get_str (o, where, "line", REQ, 1, &p->line_id, error) &&
             td_field_get_int (o, where, "upto", REQ, 0, MAXI, &p->upto, NULL, error);

    case TD_PACKET_TYPING:
      return get_str (o, where, "line", REQ, 1, &p->line_id, error) &&
             td_field_get_bool (o, where, "note", OPT, &p->note, NULL, error);

    case TD_PACKET_STATE:
      {
        TdLineState state;

        if (!get_str (o, where, "line", REQ, 1, &p->line_id, error) ||
            !get_str (o, where, "state", REQ, 1, &p->state, error) ||
            !get_str (o, where, "assignee", OPT | NUL, 1, &p->assignee, error) ||
            !td_field_get_int (o, where, "snooze_until", OPT | NUL, 0, MAXI,
                               &p->snooze_until, NULL, error))
          return FALSE;
        if (!td_line_state_from_string (p->state, &state))
          return bad_packet (error, "state: unknown state “%s”", p->state);
        p->has_assignee = json_object_has_member (o, "assignee");
        p->has_snooze_until = json_object_has_member (o, "snooze_until");
        if (p->has_snooze_until && state != TD_LINE_STATE_SNOOZED)
          return bad_packet (error, "state: snooze_until goes with “snoozed” only");
        return TRUE;
      }

    case TD_PACKET_HISTORY:
      {
        gint64 limit = TD_HISTORY_DEFAULT_LIMIT;

        if (!get_str (o, where, "line", REQ, 1, &p->line_id, error) ||
            !td_field_get_int (o, where, "before", OPT | NUL, 1, MAXI, &p->before, NULL, error) ||
            !td_field_get_int (o, where, "limit", OPT | NUL, 1, TD_HISTORY_MAX_LIMIT,
                               &limit, NULL, error))
          return FALSE;
        p->limit = (int) limit;
        return TRUE;
      }

    case TD_PACKET_PING:
      return TRUE;

    case TD_PACKET_UNKNOWN:
    case TD_PACKET_WELCOME:
    case TD_PACKET_SYNCED:
    case TD_PACKET_MSG:
    case TD_PACKET_ACK:
    case TD_PACKET_LINE:
    case TD_PACKET_PONG:
    case TD_PACKET_ERROR:
    case TD_PACKET_N_TYPES:
    default:
      g_assert_not_reached ();
    }
}

static TdMessage *
get_message (JsonObject  *o,
             const char  *where,
             const char  *name,
             GError     **error)
{
  JsonObject *mo = NULL;

  if (!td_field_get_object (o, where, name, REQ, &mo, error))
    return NULL;
  return td_message_new_from_json (mo, TRUE, error);
}

static gboolean
parse_server_fields (TdPacket    *p,
                     JsonObject  *o,
                     const char  *where,
                     GError     **error)
{
  switch (p->type)
    {
    case TD_PACKET_WELCOME:
      {
        JsonObject *me = NULL;
        JsonArray *merchants = NULL;
        gboolean present = FALSE;
        gint64 heartbeat = 0;

        if (!td_field_get_object (o, where, "me", REQ, &me, error) ||
            !get_str (me, "welcome.me", "id", REQ, 1, &p->me_id, error) ||
            !get_str (me, "welcome.me", "role", REQ, 1, &p->me_role, error) ||
            !get_str (me, "welcome.me", "name", REQ, 0, &p->me_name, error) ||
            !td_field_get_array (me, "welcome.me", "merchants", REQ, &merchants, error) ||
            !td_field_get_int (o, where, "cursor", OPT | NUL, 0, MAXI, &p->cursor, &present, error) ||
            !td_field_get_int (o, where, "server_time", REQ, 0, MAXI, &p->server_time, NULL, error) ||
            !td_field_get_int (o, where, "heartbeat_s", REQ, 1, 86400, &heartbeat, NULL, error) ||
            !get_str (o, where, "session", OPT | NUL, 1, &p->session, error))
          return FALSE;
        if (!td_role_from_string (p->me_role, NULL))
          return bad_packet (error, "welcome.me: unknown role “%s”", p->me_role);
        p->has_cursor = present;
        p->heartbeat_s = (int) heartbeat;

        for (guint i = 0; i < json_array_get_length (merchants); i++)
          {
            JsonNode *node = json_array_get_element (merchants, i);
            JsonObject *mo;
            const char *id = NULL, *name = NULL;

            if (!JSON_NODE_HOLDS_OBJECT (node))
              return bad_packet (error, "welcome.me.merchants: elements must be objects");
            mo = json_node_get_object (node);
            if (!td_field_get_string (mo, "welcome.me.merchants[]", "id", REQ, 1, ANY, &id, NULL, error) ||
                !td_field_get_string (mo, "welcome.me.merchants[]", "name", REQ, 0, ANY, &name, NULL, error))
              return FALSE;
            g_ptr_array_add (p->merchants, td_merchant_ref_new (id, name));
          }
        return TRUE;
      }

    case TD_PACKET_SYNCED:
      p->has_cursor = TRUE;
      return td_field_get_int (o, where, "cursor", REQ, 0, MAXI, &p->cursor, NULL, error);

    case TD_PACKET_MSG:
      p->has_cursor = TRUE;
      if (!td_field_get_int (o, where, "cursor", REQ, 0, MAXI, &p->cursor, NULL, error))
        return FALSE;
      p->msg = get_message (o, where, "msg", error);
      return p->msg != NULL;

    case TD_PACKET_ACK:
      if (!get_str (o, where, "random_id", REQ, 1, &p->random_id, error))
        return FALSE;
      if (!td_random_id_is_valid (p->random_id))
        return bad_packet (error, "ack: malformed random_id");
      if (!td_field_get_bool (o, where, "dup", REQ, &p->dup, NULL, error))
        return FALSE;
      p->msg = get_message (o, where, "msg", error);
      return p->msg != NULL;

    case TD_PACKET_LINE:
      {
        JsonObject *lo = NULL;
        gboolean present = FALSE;

        if (!td_field_get_int (o, where, "cursor", OPT | NUL, 0, MAXI, &p->cursor, &present, error) ||
            !td_field_get_object (o, where, "line", REQ, &lo, error))
          return FALSE;
        p->has_cursor = present;
        p->line = td_line_new_from_json (lo, error);
        return p->line != NULL;
      }

    case TD_PACKET_READ:
      p->has_cursor = TRUE;
      return td_field_get_int (o, where, "cursor", REQ, 0, MAXI, &p->cursor, NULL, error) &&
             get_str (o, where, "line", REQ, 1, &p->line_id, error) &&
             get_str (o, where, "reader", REQ, 1, &p->reader, error) &&
             td_field_get_int (o, where, "upto", REQ, 0, MAXI, &p->upto, NULL, error);

    case TD_PACKET_TYPING:
      return get_str (o, where, "line", REQ, 1, &p->line_id, error) &&
             get_str (o, where, "who", REQ, 1, &p->who, error) &&
             get_str (o, where, "name", REQ, 0, &p->name, error) &&
             td_field_get_bool (o, where, "note", REQ, &p->note, NULL, error);

    case TD_PACKET_HISTORY:
      {
        JsonArray *messages = NULL;

        if (!get_str (o, where, "line", REQ, 1, &p->line_id, error) ||
            !td_field_get_array (o, where, "messages", REQ, &messages, error) ||
            !td_field_get_bool (o, where, "more", REQ, &p->more, NULL, error))
          return FALSE;

        p->limit = 0;
        p->messages = g_ptr_array_new_with_free_func (g_object_unref);
        for (guint i = 0; i < json_array_get_length (messages); i++)
          {
            JsonNode *node = json_array_get_element (messages, i);
            TdMessage *msg;

            if (!JSON_NODE_HOLDS_OBJECT (node))
              return bad_packet (error, "history: messages must be objects");
            msg = td_message_new_from_json (json_node_get_object (node), TRUE, error);
            if (msg == NULL)
              return FALSE;
            g_ptr_array_add (p->messages, msg);
          }
        return TRUE;
      }

    case TD_PACKET_PONG:
      return td_field_get_int (o, where, "server_time", REQ, 0, MAXI, &p->server_time, NULL, error);

    case TD_PACKET_ERROR:
      return get_str (o, where, "code", REQ, 1, &p->code, error) &&
             get_str (o, where, "message", REQ, 0, &p->message, error) &&
             get_str (o, where, "ref", OPT | NUL, 0, &p->ref, error);

    case TD_PACKET_UNKNOWN:
    case TD_PACKET_HELLO:
    case TD_PACKET_SEND:
    case TD_PACKET_OPEN:
    case TD_PACKET_STATE:
    case TD_PACKET_PING:
    case TD_PACKET_N_TYPES:
    default:
      g_assert_not_reached ();
    }
}

TdPacket *
td_packet_parse_object (JsonObject         *object,
                        TdPacketDirection   direction,
                        char              **ref_out,
                        GError            **error)
{
  g_autoptr(TdPacket) packet = NULL;
  g_autofree char *ref = NULL;
  const char *type_name = NULL;
  const char *req = NULL;
  gint64 v = 0;
  TdPacketType type;
  gboolean ok;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (direction == TD_FROM_CLIENT || direction == TD_FROM_SERVER, NULL);

  if (ref_out != NULL)
    *ref_out = NULL;

  ref = extract_ref (object);

  if (!td_field_get_int (object, "packet", "v", REQ, G_MININT64, G_MAXINT64, &v, NULL, error))
    goto fail;
  if (v != TD_PROTOCOL_VERSION)
    {
      bad_packet (error, "unsupported protocol version %" G_GINT64_FORMAT, v);
      goto fail;
    }

  if (!td_field_get_string (object, "packet", "type", REQ, 1, ANY, &type_name, NULL, error) ||
      !td_field_get_string (object, "packet", "req", OPT | NUL, 0, TD_MAX_REQ_CHARS, &req, NULL, error))
    goto fail;

  type = td_packet_type_from_string (type_name);
  if (type == TD_PACKET_UNKNOWN)
    {
      if (direction == TD_FROM_SERVER)
        {
          g_debug ("Ignoring a server packet of unknown type “%s”", type_name);
          packet = td_packet_new (TD_PACKET_UNKNOWN);
          packet->req = g_strdup (req);
          return g_steal_pointer (&packet);
        }
      bad_packet (error, "unknown packet type “%s”", type_name);
      goto fail;
    }
  if (!type_allowed (type, direction))
    {
      bad_packet (error, "packet type “%s” is not sent by a %s", type_name,
                  direction == TD_FROM_CLIENT ? "client" : "server");
      goto fail;
    }

  packet = td_packet_new (type);
  packet->req = g_strdup (req);

  if (direction == TD_FROM_CLIENT)
    ok = parse_client_fields (packet, object, type_name, error);
  else
    ok = parse_server_fields (packet, object, type_name, error);

  if (ok)
    return g_steal_pointer (&packet);

fail:
  if (error != NULL)
    g_debug ("Refused a packet: %s", (*error)->message);
  if (ref_out != NULL)
    *ref_out = g_steal_pointer (&ref);
  return NULL;
}

TdPacket *
td_packet_parse (const char         *data,
                 gsize               len,
                 TdPacketDirection   direction,
                 char              **ref_out,
                 GError            **error)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (direction == TD_FROM_CLIENT || direction == TD_FROM_SERVER, NULL);

  if (ref_out != NULL)
    *ref_out = NULL;

  if (len > TD_MAX_SERVER_PACKET)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE,
                   "Packet of %" G_GSIZE_FORMAT " bytes exceeds %d bytes",
                   len, TD_MAX_SERVER_PACKET);
      return NULL;
    }

  if (direction == TD_FROM_CLIENT && len > TD_MAX_CLIENT_PACKET)
    {
      /* Still read it, only to name the ref of the error. */
      object = td_json_parse_object (data, len, NULL);
      if (ref_out != NULL && object != NULL)
        *ref_out = extract_ref (object);
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE,
                   "Packet of %" G_GSIZE_FORMAT " bytes exceeds %d bytes",
                   len, TD_MAX_CLIENT_PACKET);
      return NULL;
    }

  object = td_json_parse_object (data, len, error);
  if (object == NULL)
    return NULL;

  return td_packet_parse_object (object, direction, ref_out, error);
}

/* ------------------------------------------------------------------ */
/* Serialisation                                                       */

static void
set_str (JsonObject *o,
         const char *name,
         const char *value)
{
  json_object_set_string_member (o, name, value != NULL ? value : "");
}

static void
set_message (JsonObject *o,
             const char *name,
             TdMessage  *msg)
{
  if (msg != NULL)
    json_object_set_object_member (o, name, td_message_to_json (msg));
  else
    json_object_set_null_member (o, name);
}

JsonObject *
td_packet_to_json_object (TdPacket *p)
{
  JsonObject *o;

  g_return_val_if_fail (p != NULL, NULL);

  o = json_object_new ();
  json_object_set_int_member (o, "v", TD_PROTOCOL_VERSION);
  json_object_set_string_member (o, "type", td_packet_type_to_string (p->type));
  if (p->req != NULL)
    json_object_set_string_member (o, "req", p->req);

  switch (p->type)
    {
    case TD_PACKET_UNKNOWN:
    case TD_PACKET_N_TYPES:
    case TD_PACKET_PING:
      break;

    case TD_PACKET_HELLO:
      if (p->has_cursor)
        json_object_set_int_member (o, "cursor", p->cursor);
      else
        json_object_set_null_member (o, "cursor");
      set_str (o, "client", p->client);
      break;

    case TD_PACKET_SEND:
      set_str (o, "random_id", p->random_id);
      set_str (o, "line", p->line_id);
      set_str (o, "kind", p->kind);
      json_object_set_object_member (o, "body",
                                     p->body != NULL ? json_object_ref (p->body)
                                                     : json_object_new ());
      break;

    case TD_PACKET_OPEN:
      set_str (o, "object_id", p->object_id);
      set_str (o, "busi", p->busi);
      if (p->uid != NULL)
        json_object_set_string_member (o, "uid", p->uid);
      break;

    case TD_PACKET_READ:
      if (p->reader != NULL)
        {
          /* the event */
          json_object_set_int_member (o, "cursor", p->cursor);
          set_str (o, "line", p->line_id);
          json_object_set_string_member (o, "reader", p->reader);
        }
      else
        set_str (o, "line", p->line_id);
      json_object_set_int_member (o, "upto", p->upto);
      break;

    case TD_PACKET_TYPING:
      set_str (o, "line", p->line_id);
      if (p->who != NULL)
        {
          /* the event */
          json_object_set_string_member (o, "who", p->who);
          set_str (o, "name", p->name);
        }
      json_object_set_boolean_member (o, "note", p->note);
      break;

    case TD_PACKET_STATE:
      set_str (o, "line", p->line_id);
      set_str (o, "state", p->state);
      if (p->has_assignee || p->assignee != NULL)
        td_object_set_string_or_null (o, "assignee", p->assignee);
      if (p->has_snooze_until || p->snooze_until > 0)
        {
          if (p->snooze_until > 0)
            json_object_set_int_member (o, "snooze_until", p->snooze_until);
          else
            json_object_set_null_member (o, "snooze_until");
        }
      break;

    case TD_PACKET_HISTORY:
      set_str (o, "line", p->line_id);
      if (p->messages != NULL)
        {
          /* the reply */
          JsonArray *array = json_array_sized_new (p->messages->len);

          for (guint i = 0; i < p->messages->len; i++)
            json_array_add_object_element (array, td_message_to_json (g_ptr_array_index (p->messages, i)));
          json_object_set_array_member (o, "messages", array);
          json_object_set_boolean_member (o, "more", p->more);
        }
      else
        {
          if (p->before > 0)
            json_object_set_int_member (o, "before", p->before);
          json_object_set_int_member (o, "limit",
                                      p->limit > 0 ? p->limit : TD_HISTORY_DEFAULT_LIMIT);
        }
      break;

    case TD_PACKET_WELCOME:
      {
        JsonObject *me = json_object_new ();
        JsonArray *merchants = json_array_new ();

        set_str (me, "id", p->me_id);
        set_str (me, "role", p->me_role);
        set_str (me, "name", p->me_name);
        for (guint i = 0; p->merchants != NULL && i < p->merchants->len; i++)
          {
            TdMerchantRef *ref = g_ptr_array_index (p->merchants, i);
            JsonObject *mo = json_object_new ();

            set_str (mo, "id", ref->id);
            set_str (mo, "name", ref->name);
            json_array_add_object_element (merchants, mo);
          }
        json_object_set_array_member (me, "merchants", merchants);
        json_object_set_object_member (o, "me", me);
        if (p->has_cursor)
          json_object_set_int_member (o, "cursor", p->cursor);
        else
          json_object_set_null_member (o, "cursor");
        json_object_set_int_member (o, "server_time", p->server_time);
        json_object_set_int_member (o, "heartbeat_s",
                                    p->heartbeat_s > 0 ? p->heartbeat_s : TD_DEFAULT_HEARTBEAT_S);
        if (p->session != NULL)
          json_object_set_string_member (o, "session", p->session);
      }
      break;

    case TD_PACKET_SYNCED:
      json_object_set_int_member (o, "cursor", p->cursor);
      break;

    case TD_PACKET_MSG:
      json_object_set_int_member (o, "cursor", p->cursor);
      set_message (o, "msg", p->msg);
      break;

    case TD_PACKET_ACK:
      set_str (o, "random_id", p->random_id);
      set_message (o, "msg", p->msg);
      json_object_set_boolean_member (o, "dup", p->dup);
      break;

    case TD_PACKET_LINE:
      if (p->has_cursor)
        json_object_set_int_member (o, "cursor", p->cursor);
      if (p->line != NULL)
        json_object_set_object_member (o, "line", td_line_to_json (p->line));
      else
        json_object_set_null_member (o, "line");
      break;

    case TD_PACKET_PONG:
      json_object_set_int_member (o, "server_time", p->server_time);
      break;

    case TD_PACKET_ERROR:
      set_str (o, "code", p->code);
      set_str (o, "message", p->message);
      if (p->ref != NULL)
        json_object_set_string_member (o, "ref", p->ref);
      break;

    default:
      g_assert_not_reached ();
    }

  return o;
}

char *
td_packet_to_json (TdPacket *packet,
                   gsize    *length)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (packet != NULL, NULL);

  object = td_packet_to_json_object (packet);
  return td_json_object_to_string (object, length);
}

/* ------------------------------------------------------------------ */
/* Builders                                                            */

TdPacket *
td_packet_new_error (TdProtocolError  code,
                     const char      *message,
                     const char      *ref)
{
  TdPacket *p = td_packet_new (TD_PACKET_ERROR);

  p->code = g_strdup (td_protocol_error_to_string (code));
  p->message = g_strdup (message != NULL ? message : "");
  p->ref = g_strdup (ref);
  return p;
}

TdPacket *
td_packet_new_hello (gboolean    has_cursor,
                     gint64      cursor,
                     const char *client)
{
  TdPacket *p = td_packet_new (TD_PACKET_HELLO);

  p->has_cursor = has_cursor;
  p->cursor = has_cursor ? cursor : 0;
  p->client = g_strdup (client);
  return p;
}

TdPacket *
td_packet_new_send (const char *random_id,
                    const char *line_id,
                    const char *kind,
                    JsonObject *body)
{
  TdPacket *p = td_packet_new (TD_PACKET_SEND);

  p->random_id = g_strdup (random_id);
  p->line_id = g_strdup (line_id);
  p->kind = g_strdup (kind);
  p->body = body != NULL ? json_object_ref (body) : json_object_new ();
  return p;
}

TdPacket *
td_packet_new_msg (gint64     cursor,
                   TdMessage *msg)
{
  TdPacket *p;

  g_return_val_if_fail (TD_IS_MESSAGE (msg), NULL);

  p = td_packet_new (TD_PACKET_MSG);
  p->has_cursor = TRUE;
  p->cursor = cursor;
  p->msg = g_object_ref (msg);
  return p;
}

TdPacket *
td_packet_new_ack (const char *random_id,
                   TdMessage  *msg,
                   gboolean    dup)
{
  TdPacket *p;

  g_return_val_if_fail (TD_IS_MESSAGE (msg), NULL);

  p = td_packet_new (TD_PACKET_ACK);
  p->random_id = g_strdup (random_id);
  p->msg = g_object_ref (msg);
  p->dup = !!dup;
  return p;
}

TdPacket *
td_packet_new_line (gboolean  has_cursor,
                    gint64    cursor,
                    TdLine   *line)
{
  TdPacket *p;

  g_return_val_if_fail (TD_IS_LINE (line), NULL);

  p = td_packet_new (TD_PACKET_LINE);
  p->has_cursor = has_cursor;
  p->cursor = has_cursor ? cursor : 0;
  p->line = g_object_ref (line);
  return p;
}

TdPacket *
td_packet_new_synced (gint64 cursor)
{
  TdPacket *p = td_packet_new (TD_PACKET_SYNCED);

  p->has_cursor = TRUE;
  p->cursor = cursor;
  return p;
}

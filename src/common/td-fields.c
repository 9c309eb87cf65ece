/* td-fields.c — typed, validated access to JSON members
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <math.h>

#include "td-fields-private.h"

gboolean
td_node_is_int (JsonNode *node)
{
  return node != NULL &&
         JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

gboolean
td_node_is_number (JsonNode *node)
{
  GType t;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  t = json_node_get_value_type (node);
  if (t == G_TYPE_INT64)
    return TRUE;
  return t == G_TYPE_DOUBLE && isfinite (json_node_get_double (node));
}

/* Looks @name up; FALSE with an error when it must be there and is not.
 * *node is NULL when absent-or-null is allowed and the case. */
static gboolean
lookup (JsonObject   *object,
        const char   *where,
        const char   *name,
        TdFieldFlags  flags,
        JsonNode    **node,
        GError      **error)
{
  JsonNode *n = object != NULL ? json_object_get_member (object, name) : NULL;

  *node = NULL;

  if (n == NULL)
    {
      if (flags & TD_FIELD_OPTIONAL)
        return TRUE;
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: missing field “%s”", where, name);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_NULL (n))
    {
      if (flags & TD_FIELD_NULLABLE)
        return TRUE;
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: field “%s” must not be null", where, name);
      return FALSE;
    }

  *node = n;
  return TRUE;
}

static gboolean
wrong_type (const char  *where,
            const char  *name,
            const char  *what,
            GError     **error)
{
  g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
               "%s: field “%s” must be %s", where, name, what);
  return FALSE;
}

gboolean
td_field_get_string (JsonObject   *object,
                     const char   *where,
                     const char   *name,
                     TdFieldFlags  flags,
                     gsize         min_chars,
                     gsize         max_chars,
                     const char  **out,
                     gboolean     *present,
                     GError      **error)
{
  JsonNode *node;
  const char *s;
  glong n_chars;

  if (present != NULL)
    *present = FALSE;

  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return wrong_type (where, name, "a string", error);

  s = json_node_get_string (node);
  if (s == NULL)
    s = "";

  /* Strict JSON guarantees valid UTF-8. */
  n_chars = g_utf8_strlen (s, -1);
  if ((gsize) n_chars < min_chars || (gsize) n_chars > max_chars)
    {
      if (min_chars > 0 && (gsize) n_chars < min_chars && min_chars == 1)
        g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                     "%s: field “%s” must not be empty", where, name);
      else
        g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                     "%s: field “%s” must have %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
                     " characters (has %ld)", where, name, min_chars, max_chars, n_chars);
      return FALSE;
    }

  if (out != NULL)
    *out = s;
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
td_field_get_int (JsonObject   *object,
                  const char   *where,
                  const char   *name,
                  TdFieldFlags  flags,
                  gint64        min,
                  gint64        max,
                  gint64       *out,
                  gboolean     *present,
                  GError      **error)
{
  JsonNode *node;
  gint64 v;

  if (present != NULL)
    *present = FALSE;

  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!td_node_is_int (node))
    return wrong_type (where, name, "an integer", error);

  v = json_node_get_int (node);
  if (v < min || v > max)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: field “%s” is out of range (%" G_GINT64_FORMAT ")",
                   where, name, v);
      return FALSE;
    }

  if (out != NULL)
    *out = v;
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
td_field_get_number (JsonObject   *object,
                     const char   *where,
                     const char   *name,
                     TdFieldFlags  flags,
                     double       *out,
                     gboolean     *present,
                     GError      **error)
{
  JsonNode *node;

  if (present != NULL)
    *present = FALSE;

  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!td_node_is_number (node))
    return wrong_type (where, name, "a finite number", error);

  if (out != NULL)
    {
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        *out = (double) json_node_get_int (node);
      else
        *out = json_node_get_double (node);
    }
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
td_field_get_bool (JsonObject   *object,
                   const char   *where,
                   const char   *name,
                   TdFieldFlags  flags,
                   gboolean     *out,
                   gboolean     *present,
                   GError      **error)
{
  JsonNode *node;

  if (present != NULL)
    *present = FALSE;

  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    return wrong_type (where, name, "a boolean", error);

  if (out != NULL)
    *out = json_node_get_boolean (node);
  if (present != NULL)
    *present = TRUE;
  return TRUE;
}

gboolean
td_field_get_object (JsonObject   *object,
                     const char   *where,
                     const char   *name,
                     TdFieldFlags  flags,
                     JsonObject  **out,
                     GError      **error)
{
  JsonNode *node;

  *out = NULL;
  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return wrong_type (where, name, "an object", error);

  *out = json_node_get_object (node);
  return TRUE;
}

gboolean
td_field_get_array (JsonObject   *object,
                    const char   *where,
                    const char   *name,
                    TdFieldFlags  flags,
                    JsonArray   **out,
                    GError      **error)
{
  JsonNode *node;

  *out = NULL;
  if (!lookup (object, where, name, flags, &node, error))
    return FALSE;
  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_ARRAY (node))
    return wrong_type (where, name, "an array", error);

  *out = json_node_get_array (node);
  return TRUE;
}

void
td_object_set_string_or_null (JsonObject *object,
                              const char *name,
                              const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
  else
    json_object_set_null_member (object, name);
}

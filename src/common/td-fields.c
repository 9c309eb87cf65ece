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

/* What a getter reads, and the bounds of the two that have some. */
typedef enum
{
  FIELD_STRING,
  FIELD_INT,
  FIELD_NUMBER,
  FIELD_BOOL,
  FIELD_OBJECT,
  FIELD_ARRAY,
} FieldType;

static const char * const type_names[] = {
  [FIELD_STRING] = "a string",
  [FIELD_INT]    = "an integer",
  [FIELD_NUMBER] = "a finite number",
  [FIELD_BOOL]   = "a boolean",
  [FIELD_OBJECT] = "an object",
  [FIELD_ARRAY]  = "an array",
};

typedef struct
{
  gint64 min;         /* FIELD_INT: the value */
  gint64 max;
  gsize  min_chars;   /* FIELD_STRING: the length in characters */
  gsize  max_chars;
} Bounds;

static gboolean
holds_value_of (JsonNode *node,
                GType     type)
{
  return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static gboolean
has_type (JsonNode  *node,
          FieldType  type)
{
  switch (type)
    {
    case FIELD_STRING:
      return holds_value_of (node, G_TYPE_STRING);
    case FIELD_INT:
      return td_node_is_int (node);
    case FIELD_NUMBER:
      return td_node_is_number (node);
    case FIELD_BOOL:
      return holds_value_of (node, G_TYPE_BOOLEAN);
    case FIELD_OBJECT:
      return JSON_NODE_HOLDS_OBJECT (node);
    case FIELD_ARRAY:
      return JSON_NODE_HOLDS_ARRAY (node);
    default:
      g_assert_not_reached ();
    }
}

static const char *
node_string (JsonNode *node)
{
  const char *s = json_node_get_string (node);

  return s != NULL ? s : "";
}

/* FALSE with an error when a value of the right type is out of @bounds. */
static gboolean
check_bounds (JsonNode      *node,
              FieldType      type,
              const Bounds  *bounds,
              const char    *where,
              const char    *name,
              GError       **error)
{
  if (type == FIELD_STRING)
    {
      /* Strict JSON guarantees valid UTF-8. */
      glong n_chars = g_utf8_strlen (node_string (node), -1);

      if ((gsize) n_chars >= bounds->min_chars && (gsize) n_chars <= bounds->max_chars)
        return TRUE;
      if ((gsize) n_chars < bounds->min_chars && bounds->min_chars == 1)
        g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                     "%s: field “%s” must not be empty", where, name);
      else
        g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                     "%s: field “%s” must have %" G_GSIZE_FORMAT "..%" G_GSIZE_FORMAT
                     " characters (has %ld)", where, name, bounds->min_chars, bounds->max_chars,
                     n_chars);
      return FALSE;
    }

  if (type == FIELD_INT)
    {
      gint64 v = json_node_get_int (node);

      if (v >= bounds->min && v <= bounds->max)
        return TRUE;
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: field “%s” is out of range (%" G_GINT64_FORMAT ")", where, name, v);
      return FALSE;
    }

  return TRUE;
}

static void
store_value (JsonNode  *node,
             FieldType  type,
             gpointer   out)
{
  switch (type)
    {
    case FIELD_STRING:
      *(const char **) out = node_string (node);
      break;
    case FIELD_INT:
      *(gint64 *) out = json_node_get_int (node);
      break;
    case FIELD_NUMBER:
      if (json_node_get_value_type (node) == G_TYPE_INT64)
        *(double *) out = (double) json_node_get_int (node);
      else
        *(double *) out = json_node_get_double (node);
      break;
    case FIELD_BOOL:
      *(gboolean *) out = json_node_get_boolean (node);
      break;
    case FIELD_OBJECT:
      *(JsonObject **) out = json_node_get_object (node);
      break;
    case FIELD_ARRAY:
      *(JsonArray **) out = json_node_get_array (node);
      break;
    default:
      g_assert_not_reached ();
    }
}

/* Every getter: looks @name up in @object (which may be NULL), checks
 * presence against @flags, then the type and @bounds, and stores the value
 * in *@out (when @out is not NULL) as the getter's type.  FALSE with a
 * TD_PROTOCOL_ERROR_BAD_PACKET naming @where and @name on a missing,
 * null, wrong-typed or out-of-bounds member; *@out and *@present are only
 * written for a value that was read. */
static gboolean
get_field (JsonObject    *object,
           const char    *where,
           const char    *name,
           TdFieldFlags   flags,
           FieldType      type,
           const Bounds  *bounds,
           gpointer       out,
           gboolean      *present,
           GError       **error)
{
  JsonNode *node = object != NULL ? json_object_get_member (object, name) : NULL;

  if (present != NULL)
    *present = FALSE;

  if (node == NULL)
    {
      if (flags & TD_FIELD_OPTIONAL)
        return TRUE;
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: missing field “%s”", where, name);
      return FALSE;
    }

  if (JSON_NODE_HOLDS_NULL (node))
    {
      if (flags & TD_FIELD_NULLABLE)
        return TRUE;
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: field “%s” must not be null", where, name);
      return FALSE;
    }

  if (!has_type (node, type))
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s: field “%s” must be %s", where, name, type_names[type]);
      return FALSE;
    }

  if (bounds != NULL && !check_bounds (node, type, bounds, where, name, error))
    return FALSE;

  if (out != NULL)
    store_value (node, type, out);
  if (present != NULL)
    *present = TRUE;
  return TRUE;
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
  const Bounds bounds = { .min_chars = min_chars, .max_chars = max_chars };

  return get_field (object, where, name, flags, FIELD_STRING, &bounds, out, present, error);
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
  const Bounds bounds = { .min = min, .max = max };

  return get_field (object, where, name, flags, FIELD_INT, &bounds, out, present, error);
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
  return get_field (object, where, name, flags, FIELD_NUMBER, NULL, out, present, error);
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
  return get_field (object, where, name, flags, FIELD_BOOL, NULL, out, present, error);
}

gboolean
td_field_get_object (JsonObject   *object,
                     const char   *where,
                     const char   *name,
                     TdFieldFlags  flags,
                     JsonObject  **out,
                     GError      **error)
{
  *out = NULL;
  return get_field (object, where, name, flags, FIELD_OBJECT, NULL, out, NULL, error);
}

gboolean
td_field_get_array (JsonObject   *object,
                    const char   *where,
                    const char   *name,
                    TdFieldFlags  flags,
                    JsonArray   **out,
                    GError      **error)
{
  *out = NULL;
  return get_field (object, where, name, flags, FIELD_ARRAY, NULL, out, NULL, error);
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

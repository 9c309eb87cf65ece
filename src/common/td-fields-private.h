/* td-fields-private.h — typed, validated access to JSON members (internal)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "td-protocol.h"

G_BEGIN_DECLS

/* Flags of a field read. */
typedef enum
{
  TD_FIELD_REQUIRED = 0,
  TD_FIELD_OPTIONAL = 1 << 0,   /* may be absent */
  TD_FIELD_NULLABLE = 1 << 1,   /* may be null */
} TdFieldFlags;

/*
 * Each getter sets TD_PROTOCOL_ERROR_BAD_PACKET naming @where and @name on
 * a missing or wrong-typed member.  *present (optional) tells whether a
 * non-null value was read; outputs are left untouched otherwise.
 */
gboolean td_field_get_string  (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               gsize         min_chars,
                               gsize         max_chars,
                               const char  **out,
                               gboolean     *present,
                               GError      **error);
gboolean td_field_get_int     (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               gint64        min,
                               gint64        max,
                               gint64       *out,
                               gboolean     *present,
                               GError      **error);
gboolean td_field_get_number  (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               double       *out,
                               gboolean     *present,
                               GError      **error);
gboolean td_field_get_bool    (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               gboolean     *out,
                               gboolean     *present,
                               GError      **error);
gboolean td_field_get_object  (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               JsonObject  **out,
                               GError      **error);
gboolean td_field_get_array   (JsonObject   *object,
                               const char   *where,
                               const char   *name,
                               TdFieldFlags  flags,
                               JsonArray   **out,
                               GError      **error);

/* TRUE for a JSON node holding an integer / a number. */
gboolean td_node_is_int       (JsonNode *node);
gboolean td_node_is_number    (JsonNode *node);

/* Setters that write null for a NULL string. */
void     td_object_set_string_or_null (JsonObject *object,
                                       const char *name,
                                       const char *value);

G_END_DECLS

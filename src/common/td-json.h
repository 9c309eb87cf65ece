/* td-json.h — strict JSON, guarding json-glib 1.6's leniency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * td_json_check_strict:
 * @data: the bytes (not necessarily NUL-terminated)
 * @len: their length
 * @error: set to TD_PROTOCOL_ERROR_BAD_JSON on failure
 *
 * Validates RFC 8259 JSON plus protocol.md's rules: valid UTF-8, no trailing
 * data, nesting at most TD_MAX_JSON_DEPTH, integers within ±2^53, finite
 * numbers only, no NUL (raw or \u0000) in strings, and the top level an
 * object. Does not allocate.
 */
gboolean    td_json_check_strict (const char  *data,
                                  gsize        len,
                                  GError     **error);

/* Strict check, then json-glib parse; returns the root object (owned). */
JsonObject *td_json_parse_object (const char  *data,
                                  gsize        len,
                                  GError     **error);

/* Compact serialisation of an object / node (owned, NUL-terminated). */
char       *td_json_object_to_string (JsonObject *object,
                                      gsize      *length);
char       *td_json_node_to_string   (JsonNode   *node,
                                      gsize      *length);

G_END_DECLS

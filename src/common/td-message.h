/* td-message.h — one stored utterance in a message line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "td-protocol.h"

G_BEGIN_DECLS

/**
 * TdDelivery:
 * Client-side state of a message: stored on the server, or still in the
 * outbox (pending, or refused for good).
 */
typedef enum
{
  TD_DELIVERY_STORED,
  TD_DELIVERY_PENDING,
  TD_DELIVERY_FAILED,
} TdDelivery;

#define TD_TYPE_MESSAGE (td_message_get_type ())
G_DECLARE_FINAL_TYPE (TdMessage, td_message, TD, MESSAGE, GObject)

/* A message as on the wire.  @body is copied (a ref is taken). */
TdMessage   *td_message_new              (gint64       id,
                                          const char  *line_id,
                                          gint64       line_seq,
                                          const char  *sender_id,
                                          TdRole       sender_role,
                                          const char  *sender_name,
                                          const char  *kind,
                                          JsonObject  *body,
                                          gint64       ts,
                                          const char  *random_id);

/**
 * td_message_new_from_json:
 * Parses and validates a message object (protocol.md "A message object"),
 * including td_message_validate_body() for known kinds.  Unknown kinds are
 * accepted (their body must be an object) when @allow_unknown_kind is TRUE
 * (a client reading a newer server), else BAD_PACKET.
 */
TdMessage   *td_message_new_from_json    (JsonObject  *object,
                                          gboolean     allow_unknown_kind,
                                          GError     **error);
JsonObject  *td_message_to_json          (TdMessage   *self);  /* owned */

gint64       td_message_get_id           (TdMessage *self);   /* 0 while in the outbox */
const char  *td_message_get_line_id      (TdMessage *self);
gint64       td_message_get_line_seq     (TdMessage *self);   /* 0 for notes / outbox */
const char  *td_message_get_sender_id    (TdMessage *self);
TdRole       td_message_get_sender_role  (TdMessage *self);
const char  *td_message_get_sender_name  (TdMessage *self);
const char  *td_message_get_kind_name    (TdMessage *self);
TdKind       td_message_get_kind         (TdMessage *self);
JsonObject  *td_message_get_body         (TdMessage *self);   /* borrowed */
gint64       td_message_get_ts           (TdMessage *self);
const char  *td_message_get_random_id    (TdMessage *self);   /* nullable */
TdDelivery   td_message_get_delivery     (TdMessage *self);
void         td_message_set_delivery     (TdMessage *self,
                                          TdDelivery delivery);
/* The failure text of a FAILED outbox message (nullable). */
const char  *td_message_get_error        (TdMessage *self);
void         td_message_set_error        (TdMessage *self,
                                          const char *error);
/* Becomes the stored message after an ack: id, line_seq, ts, delivery. */
void         td_message_set_stored       (TdMessage *self,
                                          gint64     id,
                                          gint64     line_seq,
                                          gint64     ts);

/* A short one-line preview of the body ("[Order TD-1001]", the text…), owned. */
char        *td_message_dup_preview      (TdMessage *self);
/* The searchable text of the body (text, note, quick, comment…), owned, may be "". */
char        *td_message_dup_search_text  (TdMessage *self);

/**
 * td_message_validate_body:
 * Checks @body against the table "Message kinds" of protocol.md for a known
 * @kind (types, required fields, lengths in code points, ranges, dates,
 * IATA codes, ISO 4217 currencies, the data: URI thumb limit).
 * Returns FALSE with TD_PROTOCOL_ERROR_BAD_PACKET (or TOO_LARGE) otherwise.
 */
gboolean     td_message_validate_body    (TdKind       kind,
                                          JsonObject  *body,
                                          GError     **error);

/* Addition: FALSE (BAD_PACKET) for a body nested more than 16 deep, which
 * could not travel inside a history reply or a poll answer within
 * TD_MAX_JSON_DEPTH.  td_message_validate_body() includes it; a send of any
 * kind is checked. */
gboolean     td_message_body_check_depth (JsonObject  *body,
                                          GError     **error);

G_END_DECLS

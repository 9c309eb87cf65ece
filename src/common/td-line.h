/* td-line.h — one message line (conversation)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "td-protocol.h"

G_BEGIN_DECLS

#define TD_TYPE_LINE (td_line_get_type ())
G_DECLARE_FINAL_TYPE (TdLine, td_line, TD, LINE, GObject)

/*
 * Properties (all readable, notify on change; setters return early on no
 * change): "id", "uid", "customer-name", "object-id", "busi", "merchant",
 * "title", "state", "assignee", "snooze-until", "last-seq", "created",
 * "updated" — the wire fields — and client-side ones kept by the store:
 * "unread" (int), "preview" (string), "last-sender-role" (TdRole as int),
 * "waiting-since" (ms; 0 when an operator spoke last), "peer-read" (int64:
 * the other party's read mark, a line_seq, 0 = none known — in an
 * operator's cache the customer's, in a customer's the highest of anyone
 * else's; from the `read` events the store keeps).
 */

TdLine      *td_line_new                (const char *id,
                                         const char *uid,
                                         const char *object_id,
                                         TdBusi      busi);
/* Parses and validates a line object (protocol.md `line` packet). */
TdLine      *td_line_new_from_json      (JsonObject  *object,
                                         GError     **error);
JsonObject  *td_line_to_json            (TdLine *self);   /* owned, wire fields only */
/* Copies every wire and client-side field of @src into @self (notifies what changed). */
void         td_line_update_from        (TdLine *self,
                                         TdLine *src);

const char  *td_line_get_id             (TdLine *self);
const char  *td_line_get_uid            (TdLine *self);
const char  *td_line_get_customer_name  (TdLine *self);
void         td_line_set_customer_name  (TdLine *self, const char *name);
const char  *td_line_get_object_id      (TdLine *self);
TdBusi       td_line_get_busi           (TdLine *self);
const char  *td_line_get_merchant       (TdLine *self);   /* NULL for chat */
void         td_line_set_merchant       (TdLine *self, const char *merchant);
const char  *td_line_get_title          (TdLine *self);
void         td_line_set_title          (TdLine *self, const char *title);
TdLineState  td_line_get_state          (TdLine *self);
void         td_line_set_state          (TdLine *self, TdLineState state);
const char  *td_line_get_assignee       (TdLine *self);   /* nullable */
void         td_line_set_assignee       (TdLine *self, const char *assignee);
gint64       td_line_get_snooze_until   (TdLine *self);   /* 0 = none / until reply */
void         td_line_set_snooze_until   (TdLine *self, gint64 ms);
gint64       td_line_get_last_seq       (TdLine *self);
void         td_line_set_last_seq       (TdLine *self, gint64 seq);
gint64       td_line_get_created        (TdLine *self);
void         td_line_set_created        (TdLine *self, gint64 ms);
gint64       td_line_get_updated        (TdLine *self);
void         td_line_set_updated        (TdLine *self, gint64 ms);

int          td_line_get_unread         (TdLine *self);
void         td_line_set_unread         (TdLine *self, int unread);
const char  *td_line_get_preview        (TdLine *self);
void         td_line_set_preview        (TdLine *self, const char *preview);
TdRole       td_line_get_last_sender_role (TdLine *self);
void         td_line_set_last_sender_role (TdLine *self, TdRole role);
gint64       td_line_get_waiting_since  (TdLine *self);
void         td_line_set_waiting_since  (TdLine *self, gint64 ms);
gint64       td_line_get_peer_read      (TdLine *self);
void         td_line_set_peer_read      (TdLine *self, gint64 seq);

G_END_DECLS

/* td-message-row.h — the generic row of the chat: avatar, name, time,
 * delivery / read state, and the kind's widget
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-message.h"

G_BEGIN_DECLS

#define TD_TYPE_MESSAGE_ROW (td_message_row_get_type ())
G_DECLARE_FINAL_TYPE (TdMessageRow, td_message_row, TD, MESSAGE_ROW, GtkWidget)

/*
 * Signals:
 *   "retry": void (TdMessageRow *, TdMessage *message) — Retry on a failed send
 *   "discard": void (TdMessageRow *, TdMessage *message)
 */

GtkWidget  *td_message_row_new          (void);
/* Shows @message (nullable: unbound).  Keeps the kind widget it made when
 * the kind's widget type is the same; replaces it otherwise. */
void        td_message_row_set_message  (TdMessageRow *self,
                                         TdMessage    *message);
TdMessage  *td_message_row_get_message  (TdMessageRow *self);
/* The kind widget (a TdMessageWidget), or NULL before the first message. */
GtkWidget  *td_message_row_get_content  (TdMessageRow *self);
/* The customer has read up to this message (shown on own messages). */
void        td_message_row_set_read     (TdMessageRow *self,
                                         gboolean      read);
gboolean    td_message_row_get_read     (TdMessageRow *self);
/* "Now" for the time label (tests); 0 = the clock. */
void        td_message_row_set_now      (TdMessageRow *self,
                                         gint64        now_ms);

G_END_DECLS

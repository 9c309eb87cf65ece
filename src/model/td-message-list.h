/* td-message-list.h — the messages of one line, loaded on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_MESSAGE_LIST (td_message_list_get_type ())
G_DECLARE_FINAL_TYPE (TdMessageList, td_message_list, TD, MESSAGE_LIST, GObject)

/*
 * A GListModel of TdMessage for one line, oldest first (ts, line_seq, id),
 * followed by the line's outbox rows (pending / failed).  The newest page
 * loads (off the main thread) at construction; td_message_list_load_older()
 * prepends the next older page — from the store, or, when the store has no
 * more, by asking the server (the store's "history-wanted").  Live updates
 * from the store's "committed" (new messages inserted in place, outbox rows
 * replaced by the stored message, failed rows updated, discarded removed).
 *
 * Properties: "line-id" (construct-only), "loading" (bool: a page is being
 * read, or an older page was asked of the server — until it lands, at most
 * 5 s; each page is asked once), "has-more" (bool: older messages may exist,
 * locally or on the server).
 */
TdMessageList *td_message_list_new        (TdStore    *store,
                                           const char *line_id);
const char    *td_message_list_get_line_id (TdMessageList *self);
gboolean       td_message_list_get_loading (TdMessageList *self);
gboolean       td_message_list_get_has_more (TdMessageList *self);
/* Loads the page before the oldest item; no-op while loading. */
void           td_message_list_load_older (TdMessageList *self);
/* The page size (default 50). */
void           td_message_list_set_page_size (TdMessageList *self,
                                              int            page_size);

G_END_DECLS

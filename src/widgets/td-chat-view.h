/* td-chat-view.h — one line's conversation: messages, typing, composer,
 * state and assignee controls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-channel.h"
#include "td-composer.h"

G_BEGIN_DECLS

#define TD_TYPE_CHAT_VIEW (td_chat_view_get_type ())
G_DECLARE_FINAL_TYPE (TdChatView, td_chat_view, TD, CHAT_VIEW, GtkWidget)

GtkWidget   *td_chat_view_new              (void);
void         td_chat_view_set_channel      (TdChatView *self,
                                            TdChannel  *channel);
/* Shows @line (nullable: the empty page). */
void         td_chat_view_set_line         (TdChatView *self,
                                            TdLine     *line);
TdLine      *td_chat_view_get_line         (TdChatView *self);
/* The window shows one pane at a time: a back button (win.back) and the
 * window's buttons in the header. */
void         td_chat_view_set_folded       (TdChatView *self,
                                            gboolean    folded);
gboolean     td_chat_view_get_folded       (TdChatView *self);
/* The messages shown (nullable). */
GListModel  *td_chat_view_get_messages     (TdChatView *self);
TdComposer  *td_chat_view_get_composer     (TdChatView *self);
/* TRUE while the list follows new messages (not scrolled up). */
gboolean     td_chat_view_get_pinned       (TdChatView *self);
gboolean     td_chat_view_get_new_messages_visible (TdChatView *self);
/* The typing indicator's text, NULL when hidden. */
const char  *td_chat_view_get_typing_text  (TdChatView *self);
/* The customer's read mark on this line (a line_seq; 0: none seen). */
gint64       td_chat_view_get_customer_read (TdChatView *self);
/* Sends a read mark if the line is on screen in a focused window. */
void         td_chat_view_update_read      (TdChatView *self);
/* The line is on screen in a focused window. */
gboolean     td_chat_view_is_line_visible  (TdChatView *self,
                                            const char *line_id);
void         td_chat_view_scroll_to_bottom (TdChatView *self);
/* The operator scrolls now (input on the list; tests call it): a move up
 * within half a second lets the list go from the bottom. */
void         td_chat_view_user_scrolled    (TdChatView *self);

G_END_DECLS

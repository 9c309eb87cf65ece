/* td-desk-tools.h — the operator tools of a window: actions, shortcuts,
 * dialogs (state, snooze, assign, search, context, notes, quick replies,
 * transcript export, preferences)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "td-context-pane.h"
#include "td-search-window.h"

G_BEGIN_DECLS

#define TD_TYPE_DESK_TOOLS (td_desk_tools_get_type ())
G_DECLARE_FINAL_TYPE (TdDeskTools, td_desk_tools, TD, DESK_TOOLS, GObject)

/*
 * Installs the action group "tools" on @window and a shortcut controller:
 *   tools.assign-me        Ctrl+Shift+M     tools.set-state('open')     Ctrl+Shift+O
 *   tools.assign-to        Ctrl+Shift+A     tools.set-state('pending')  Ctrl+Shift+P
 *   tools.unassign         Ctrl+Shift+U     tools.set-state('resolved') Ctrl+Shift+R
 *   tools.snooze('1h'|'tomorrow'|'reply')   tools.snooze-custom         Ctrl+Shift+Z
 *   tools.search           Ctrl+F           tools.context               F9
 *   tools.note-mode        Ctrl+Shift+N     tools.quick-reply(i)        Ctrl+1 … Ctrl+9
 *   tools.export           Ctrl+Shift+E     tools.preferences           Ctrl+,
 * @window is a TdWindow (not owned: the window owns the tools).
 */
TdDeskTools   *td_desk_tools_new          (GtkWidget *window);
/* @settings: (nullable) quick replies, service levels, the pane's visibility. */
void           td_desk_tools_set_settings (TdDeskTools *self,
                                           GSettings   *settings);
GSettings     *td_desk_tools_get_settings (TdDeskTools *self);
/* The window calls it when its channel changes. */
void           td_desk_tools_channel_changed (TdDeskTools *self);
GActionGroup  *td_desk_tools_get_actions  (TdDeskTools *self);
/* The search window (made on first use). */
TdSearchWindow *td_desk_tools_get_search  (TdDeskTools *self);
/* Opens @message's line and scrolls the chat to it (loading older pages). */
void           td_desk_tools_open_message (TdDeskTools *self,
                                           TdMessage   *message);
/* The operators who may take @line: me, the assignees of the merchant's
 * lines and the operators who wrote in the chat shown.  Owned; @names
 * (out, owned) parallel. */
char         **td_desk_tools_dup_teammates (TdDeskTools  *self,
                                            TdLine       *line,
                                            char       ***names);
/* The dialog last opened by assign-to / snooze-custom (tests), nullable. */
GtkWidget     *td_desk_tools_get_dialog   (TdDeskTools *self);

G_END_DECLS

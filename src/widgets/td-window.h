/* td-window.h — the operator's window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "td-channel.h"
#include "td-chat-view.h"
#include "td-context-pane.h"
#include "td-dashboard.h"
#include "td-desk-tools.h"
#include "td-login-page.h"

G_BEGIN_DECLS

typedef enum
{
  TD_VIEW_WAITING,
  TD_VIEW_MINE,
  TD_VIEW_ALL_OPEN,
  TD_VIEW_PENDING,
  TD_VIEW_RESOLVED,
  TD_VIEW_DASHBOARD,
} TdView;

#define TD_TYPE_WINDOW (td_window_get_type ())
G_DECLARE_FINAL_TYPE (TdWindow, td_window, TD, WINDOW, AdwApplicationWindow)

/* @settings: (nullable): remembers size, merchant and view. */
TdWindow    *td_window_new             (GtkApplication *app,
                                        GSettings      *settings);
/* Shows the desk for @channel's account (NULL: back to the login page). */
void         td_window_set_channel     (TdWindow  *self,
                                        TdChannel *channel);
TdChannel   *td_window_get_channel     (TdWindow *self);
void         td_window_show_login      (TdWindow *self);
TdLoginPage *td_window_get_login_page  (TdWindow *self);
gboolean     td_window_is_showing_login (TdWindow *self);
TdChatView  *td_window_get_chat_view   (TdWindow *self);

/* The line list as shown (filtered and sorted) — a GListModel of TdLine. */
GListModel  *td_window_get_lines       (TdWindow *self);
void         td_window_set_view        (TdWindow *self,
                                        TdView    view);
TdView       td_window_get_view        (TdWindow *self);
/* @merchant_id: (nullable): every merchant. */
void         td_window_set_merchant    (TdWindow   *self,
                                        const char *merchant_id);
const char  *td_window_get_merchant    (TdWindow *self);

/* Opens a line by id (from a notification, Ctrl+K…); FALSE if unknown. */
gboolean     td_window_open_line       (TdWindow   *self,
                                        const char *line_id);
/* The line is on screen in a focused window. */
gboolean     td_window_is_line_visible (TdWindow   *self,
                                        const char *line_id);
/* Moves to the previous (-1) / next (+1) line of the list. */
void         td_window_step_line       (TdWindow *self,
                                        int       delta);
void         td_window_show_toast      (TdWindow   *self,
                                        const char *text);
/* The operator tools (actions "tools.*") and the customer's context pane. */
TdDeskTools *td_window_get_tools       (TdWindow *self);
TdContextPane *td_window_get_context_pane (TdWindow *self);
/* The dashboard pane (the Dashboard view). */
TdDashboard *td_window_get_dashboard   (TdWindow *self);

G_END_DECLS

/* td-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "td-channel.h"
#include "td-notifier.h"
#include "td-token-keeper.h"
#include "td-window.h"

G_BEGIN_DECLS

#define TD_TYPE_APPLICATION (td_application_get_type ())
G_DECLARE_FINAL_TYPE (TdApplication, td_application, TD, APPLICATION, AdwApplication)

TdApplication *td_application_new              (void);
/* Replaces the keeper (tests: an in-memory one); default: libsecret. */
void           td_application_set_token_keeper (TdApplication *self,
                                                TdTokenKeeper *keeper);
TdWindow      *td_application_get_window       (TdApplication *self);
TdChannel     *td_application_get_channel      (TdApplication *self);
TdNotifier    *td_application_get_notifier     (TdApplication *self);
/* The line an app.open-line asked for that is not open yet: the cache does
 * not know it (yet), or no session runs.  It opens once the store has it;
 * it is dropped when the synced store lacks it, or on log out.  Nullable. */
const char    *td_application_get_pending_line (TdApplication *self);
/* Runs the embedded demo: server in-process on 127.0.0.1 port 0, a fresh
 * demo database, the simulator, logged in as Alice. */
gboolean       td_application_start_demo       (TdApplication  *self,
                                                GError        **error);
/* The in-process server's base URL while in demo mode (nullable). */
const char    *td_application_get_demo_url     (TdApplication *self);
/* Connects to @server_url with @token (after a login or from the keeper). */
void           td_application_start_session    (TdApplication *self,
                                                const char    *server_url,
                                                const char    *user,
                                                const char    *token);
/* Replaces "is this line on screen in a focused window?" (tests); NULL
 * restores the window's answer. */
void           td_application_set_line_visible_func (TdApplication     *self,
                                                     TdLineVisibleFunc  func,
                                                     gpointer           user_data);
/* Stops the session, revokes the token, back to the login page. */
void           td_application_log_out          (TdApplication *self);

G_END_DECLS

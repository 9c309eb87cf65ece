/* td-preferences-window.h — notifications, quick replies and service levels
 * per merchant; the server and account
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "td-channel.h"

G_BEGIN_DECLS

#define TD_TYPE_PREFERENCES_WINDOW (td_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (TdPreferencesWindow, td_preferences_window, TD, PREFERENCES_WINDOW,
                      AdwPreferencesWindow)

/* @channel: (nullable): names the merchants (without: only "every merchant"). */
GtkWidget *td_preferences_window_new (GtkWindow *parent,
                                      GSettings *settings,
                                      TdChannel *channel);
/* Adds an empty quick reply to @merchant's group ("" = every merchant) and
 * focuses it; returns the entry row (tests type into it). */
GtkWidget *td_preferences_window_add_reply (TdPreferencesWindow *self,
                                            const char          *merchant);

/* The Notifications page's widgets (tests): the GtkSwitch of "notifications"
 * and of "notification-sound"; @merchant's AdwComboRow (All / Waiting only /
 * Off = "notification-merchants"), NULL for a merchant not listed. */
GtkWidget  *td_preferences_window_get_notifications_switch (TdPreferencesWindow *self);
GtkWidget  *td_preferences_window_get_sound_switch         (TdPreferencesWindow *self);
GtkWidget  *td_preferences_window_get_mode_row             (TdPreferencesWindow *self,
                                                            const char          *merchant);
/* The Server & Account page's read-only rows, as shown */
const char *td_preferences_window_get_server_text     (TdPreferencesWindow *self);
const char *td_preferences_window_get_connection_text (TdPreferencesWindow *self);
const char *td_preferences_window_get_user_text       (TdPreferencesWindow *self);
gboolean    td_preferences_window_get_shows_demo      (TdPreferencesWindow *self);

G_END_DECLS

/* td-preferences-window.h — service levels and quick replies per merchant
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

G_END_DECLS

/* td-search-window.h — full-text search over the local cache (Ctrl+F)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_SEARCH_WINDOW (td_search_window_get_type ())
G_DECLARE_FINAL_TYPE (TdSearchWindow, td_search_window, TD, SEARCH_WINDOW, AdwWindow)

/*
 * Instant and offline: every keystroke queries the store's FTS5 index
 * (CJK as bigrams) across every merchant.  Results are grouped by line:
 * a header row (TdLine) followed by its hits (TdMessage), newest first.
 *
 * Signals: "open-message": void (TdSearchWindow *, TdMessage *message) —
 * a hit was activated (click or Enter); the window hides itself.
 * "searched": void — the results for the current query are shown.
 */
GtkWidget  *td_search_window_new       (GtkWindow *parent,
                                        TdStore   *store);
void        td_search_window_set_store (TdSearchWindow *self,
                                        TdStore        *store);
void        td_search_window_set_query (TdSearchWindow *self,
                                        const char     *query);
/* The rows shown: TdLine headers and TdMessage hits. */
GListModel *td_search_window_get_results (TdSearchWindow *self);
/* Activates row @position (a hit; headers do nothing). */
void        td_search_window_activate  (TdSearchWindow *self,
                                        guint           position);
gboolean    td_search_window_get_busy  (TdSearchWindow *self);

G_END_DECLS

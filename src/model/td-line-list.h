/* td-line-list.h — every line across merchants, live from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_LINE_LIST (td_line_list_get_type ())
G_DECLARE_FINAL_TYPE (TdLineList, td_line_list, TD, LINE_LIST, GObject)

/*
 * A GListModel of TdLine (the store's live objects), in the store's order
 * (first seen first; never removed).  On the store's "committed" it emits
 * items-changed for exactly the new rows (appended) and each changed row
 * (pos, 1, 1) so a GtkSortListModel / GtkFilterListModel above re-places it.
 */
TdLineList  *td_line_list_new        (TdStore *store);
TdStore     *td_line_list_get_store  (TdLineList *self);

/**
 * td_line_compare_urgency:
 * "Most urgent first": lines whose customer is waiting first, longest
 * waiting first; then by `updated`, newest first; then by id.  A
 * GCompareDataFunc: pass it to gtk_custom_sorter_new().
 */
int          td_line_compare_urgency (gconstpointer a,
                                      gconstpointer b,
                                      gpointer      user_data);

G_END_DECLS

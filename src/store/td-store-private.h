/* td-store-private.h — shared between the store's files (and its tests)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-store.h"

G_BEGIN_DECLS

gboolean  td_store_is_cjk         (gunichar    c);
char     *td_store_fts_transform  (const char *text,
                                   gboolean    for_query);
char     *td_store_fts_query      (const char *query);

G_END_DECLS

/* td-server-stats.h — the figures of GET /v1/stats
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "td-server-store.h"

G_BEGIN_DECLS

/**
 * td_server_stats_compute:
 * @store: the server store
 * @merchant: a merchant id the caller may see
 * @tz: the server's time zone ("today" starts at its local midnight)
 * @now_ms: the current time
 *
 * Returns: (transfer full) (nullable): the figures of docs/metrics.md (the
 *   versioned stats object), or NULL when the store cannot be read.
 */
JsonObject *td_server_stats_compute (TdServerStore *store,
                                     const char    *merchant,
                                     GTimeZone     *tz,
                                     gint64         now_ms);

G_END_DECLS

/* td-server-stats.c — the figures of GET /v1/stats
 *
 * Every figure is defined in docs/metrics.md and computed by the shared
 * code in src/common (td_metrics_compute()), from the records the store
 * reads for one merchant: the client computes its offline figures with the
 * same code.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server-stats"

#include "config.h"

#include "td-server-stats.h"

TdStatsRecords *
td_stats_records_new (void)
{
  TdStatsRecords *records = g_new0 (TdStatsRecords, 1);

  records->lines = g_array_new (FALSE, TRUE, sizeof (TdMetricsLine));
  records->messages = g_array_new (FALSE, TRUE, sizeof (TdMetricsMessage));
  records->changes = g_array_new (FALSE, TRUE, sizeof (TdMetricsStateChange));
  records->strings = g_string_chunk_new (4096);
  return records;
}

void
td_stats_records_free (TdStatsRecords *records)
{
  if (records == NULL)
    return;
  g_array_unref (records->lines);
  g_array_unref (records->messages);
  g_array_unref (records->changes);
  g_string_chunk_free (records->strings);
  g_free (records);
}

JsonObject *
td_server_stats_compute (TdServerStore *store,
                         const char    *merchant,
                         GTimeZone     *tz,
                         gint64         now_ms)
{
  g_autoptr(TdStatsRecords) records = td_stats_records_new ();
  g_autoptr(TdStats) stats = NULL;
  g_autoptr(GError) error = NULL;
  TdMetricsInput input = { 0, };

  if (!store->vt->stats_records (store, merchant, now_ms - TD_METRICS_WEEK_MS, records, &error))
    {
      g_debug ("cannot read the records of %s: %s", merchant, error->message);
      return NULL;
    }

  input.merchant = merchant;
  input.now = now_ms;
  input.tz = tz;
  input.lines = (const TdMetricsLine *) (gpointer) records->lines->data;
  input.n_lines = records->lines->len;
  input.messages = (const TdMetricsMessage *) (gpointer) records->messages->data;
  input.n_messages = records->messages->len;
  input.changes = (const TdMetricsStateChange *) (gpointer) records->changes->data;
  input.n_changes = records->changes->len;

  stats = td_metrics_compute (&input);
  return td_stats_to_json (stats);
}

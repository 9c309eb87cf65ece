/* td-server-stats.c — the figures of GET /v1/stats (basic set)
 *
 * Every figure is defined in docs/server.md.  The dashboard issue extends
 * this file; the store only iterates lines and counts messages.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server-stats"

#include "config.h"

#include "td-server-stats.h"

typedef struct
{
  gint64 open, pending, snoozed, resolved;
  gint64 waiting, unassigned;
  gint64 oldest_waiting_since;
} Counts;

static gboolean
count_line (const TdStatsLine *row,
            gpointer           user_data)
{
  Counts *c = user_data;
  TdLineState state = td_line_get_state (row->line);

  switch (state)
    {
    case TD_LINE_STATE_OPEN: c->open++; break;
    case TD_LINE_STATE_PENDING: c->pending++; break;
    case TD_LINE_STATE_SNOOZED: c->snoozed++; break;
    case TD_LINE_STATE_RESOLVED: c->resolved++; break;
    default: break;
    }

  if (state != TD_LINE_STATE_RESOLVED)
    {
      if (row->has_messages && row->last_sender_role == TD_ROLE_CUSTOMER && row->waiting_since > 0)
        {
          c->waiting++;
          if (c->oldest_waiting_since == 0 || row->waiting_since < c->oldest_waiting_since)
            c->oldest_waiting_since = row->waiting_since;
        }
      if (td_line_get_assignee (row->line) == NULL)
        c->unassigned++;
    }
  return TRUE;
}

JsonObject *
td_server_stats_compute (TdServerStore *store,
                         const char    *merchant,
                         GTimeZone     *tz,
                         gint64         now_ms)
{
  JsonObject *obj = json_object_new ();
  JsonObject *lines = json_object_new ();
  Counts c = { 0, };
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_utc (now_ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_timezone (now, tz);
  g_autoptr(GDateTime) midnight = g_date_time_new (tz,
                                                   g_date_time_get_year (local),
                                                   g_date_time_get_month (local),
                                                   g_date_time_get_day_of_month (local),
                                                   0, 0, 0);
  gint64 day_start = g_date_time_to_unix (midnight) * 1000;

  store->vt->foreach_line (store, merchant, count_line, &c);

  json_object_set_string_member (obj, "merchant", merchant);
  json_object_set_int_member (obj, "generated", now_ms);
  json_object_set_int_member (obj, "day_start", day_start);

  json_object_set_int_member (lines, "open", c.open);
  json_object_set_int_member (lines, "pending", c.pending);
  json_object_set_int_member (lines, "snoozed", c.snoozed);
  json_object_set_int_member (lines, "resolved", c.resolved);
  json_object_set_int_member (lines, "waiting", c.waiting);
  json_object_set_int_member (lines, "unassigned", c.unassigned);
  json_object_set_object_member (obj, "lines", lines);

  json_object_set_int_member (obj, "messages_today",
                              store->vt->count_messages (store, merchant, day_start, now_ms + 1));
  if (c.oldest_waiting_since > 0)
    json_object_set_int_member (obj, "longest_wait_ms", MAX (0, now_ms - c.oldest_waiting_since));
  else
    json_object_set_int_member (obj, "longest_wait_ms", 0);

  return obj;
}

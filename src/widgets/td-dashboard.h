/* td-dashboard.h — the statistics dashboard pane
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "td-bar-chart.h"
#include "td-channel.h"
#include "td-stats.h"

G_BEGIN_DECLS

#define TD_TYPE_DASHBOARD (td_dashboard_get_type ())
G_DECLARE_FINAL_TYPE (TdDashboard, td_dashboard, TD, DASHBOARD, GtkWidget)

/*
 * Figure cards, messages per hour (TdBarChart), a per-operator table and a
 * merchant switcher, for one merchant of the operator.  The figures come
 * from the server's GET /v1/stats (docs/metrics.md) while the channel is
 * online, refreshed as events are committed to the store (throttled, at
 * most one request per throttle interval, only while the pane is mapped);
 * offline, from the local cache (td_store_compute_stats_async()), marked
 * so, with their "as of" time.  Action "dashboard.export" saves the shown
 * figures as CSV, "dashboard.refresh" refreshes now.
 *
 * Signals: "updated": void (TdDashboard *) — new figures are shown.
 */

/* The figure cards, by id (tests): */
#define TD_DASHBOARD_OPEN            "open"
#define TD_DASHBOARD_PENDING         "pending"
#define TD_DASHBOARD_SNOOZED         "snoozed"
#define TD_DASHBOARD_WAITING         "waiting"
#define TD_DASHBOARD_UNASSIGNED      "unassigned"
#define TD_DASHBOARD_FIRST_TODAY     "first-response-today"
#define TD_DASHBOARD_FIRST_WEEK      "first-response-week"
#define TD_DASHBOARD_NEXT_RESPONSE   "next-response"
#define TD_DASHBOARD_RESOLUTION      "resolution"
#define TD_DASHBOARD_RESOLVED_TODAY  "resolved-today"
#define TD_DASHBOARD_REOPEN_RATE     "reopen-rate"
#define TD_DASHBOARD_CSAT            "csat"
#define TD_DASHBOARD_SLA_HIT         "sla-hit"   /* from the local cache */

typedef enum
{
  TD_DASHBOARD_SOURCE_NONE,     /* nothing shown yet */
  TD_DASHBOARD_SOURCE_SERVER,   /* GET /v1/stats */
  TD_DASHBOARD_SOURCE_CACHE,    /* computed from the local cache (offline) */
} TdDashboardSource;

GtkWidget     *td_dashboard_new              (void);
/* @channel: (nullable) */
void           td_dashboard_set_channel      (TdDashboard *self,
                                              TdChannel   *channel);
/* @merchant_id: (nullable) one of the channel's merchants. */
void           td_dashboard_set_merchant     (TdDashboard *self,
                                              const char  *merchant_id);
const char    *td_dashboard_get_merchant     (TdDashboard *self);
/* The window shows one pane at a time: a back button (win.back) and the
 * window's buttons in the header. */
void           td_dashboard_set_folded       (TdDashboard *self,
                                              gboolean     folded);
gboolean       td_dashboard_get_folded       (TdDashboard *self);
/* Asks for fresh figures now (not throttled). */
void           td_dashboard_refresh          (TdDashboard *self);
/* Minimum time between two automatic refreshes (ms, default 2000). */
void           td_dashboard_set_throttle     (TdDashboard *self,
                                              guint        interval_ms);

/* Shows @stats as if they had come from @source (copied). */
void           td_dashboard_show_stats       (TdDashboard       *self,
                                              const TdStats     *stats,
                                              TdDashboardSource  source);
/* (nullable): the figures shown */
const TdStats *td_dashboard_get_stats        (TdDashboard *self);
TdDashboardSource td_dashboard_get_source    (TdDashboard *self);

/* What the pane shows (tests): a card's big number and its detail line,
 * the "as of" line, the chart, the operators table (GListModel of rows). */
const char    *td_dashboard_get_figure_text   (TdDashboard *self,
                                               const char  *figure_id);
const char    *td_dashboard_get_figure_detail (TdDashboard *self,
                                               const char  *figure_id);
const char    *td_dashboard_get_status_text   (TdDashboard *self);
/* The title of the page shown instead of figures, NULL while figures show
 * ("No Figures Yet"; "No Access" after a 403). */
const char    *td_dashboard_get_empty_title   (TdDashboard *self);
TdBarChart    *td_dashboard_get_chart         (TdDashboard *self);
GListModel    *td_dashboard_get_operators     (TdDashboard *self);
/* The text of operator row @position, column @column (0 = id …) (owned). */
char          *td_dashboard_dup_operator_cell (TdDashboard *self,
                                               guint        position,
                                               guint        column);

/* The figures as CSV (RFC 4180, CRLF): a "figure,value" table (durations
 * in ms, rates as fractions, empty for "no value"), then messages per hour,
 * then the operators (owned). */
char          *td_dashboard_format_csv        (const TdStats *stats);
/* Writes td_dashboard_format_csv() of the shown figures to @file. */
gboolean       td_dashboard_export_csv        (TdDashboard  *self,
                                               GFile        *file,
                                               GError      **error);

G_END_DECLS

/* td-bar-chart.h — messages per hour, customer vs operator, drawn with GtkSnapshot
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_TYPE_BAR_CHART (td_bar_chart_get_type ())
G_DECLARE_FINAL_TYPE (TdBarChart, td_bar_chart, TD, BAR_CHART, GtkWidget)

typedef enum
{
  TD_BAR_CHART_CUSTOMER,
  TD_BAR_CHART_OPERATOR,
} TdBarChartSeries;

/*
 * Two bars per bucket (customers, operators), one bucket per hour, the
 * hour labels in local time.  The chart's accessible description (role
 * IMG) says what it shows in words: totals and the busiest hour.
 */
GtkWidget  *td_bar_chart_new             (void);
/* @start_ms: the first bucket's start; @bucket_ms: its length; copies. */
void        td_bar_chart_set_data        (TdBarChart   *self,
                                          gint64        start_ms,
                                          gint64        bucket_ms,
                                          const gint64 *customer,
                                          const gint64 *operator_,
                                          guint         n_buckets);
void        td_bar_chart_clear           (TdBarChart *self);
guint       td_bar_chart_get_n_buckets   (TdBarChart *self);
gint64      td_bar_chart_get_value       (TdBarChart       *self,
                                          TdBarChartSeries  series,
                                          guint             bucket);
/* The top of the value axis (a round number ≥ the largest bar). */
gint64      td_bar_chart_get_axis_max    (TdBarChart *self);
/* What was set as the accessible description (tests). */
const char *td_bar_chart_get_description (TdBarChart *self);

G_END_DECLS

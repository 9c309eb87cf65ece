/* test-dashboard.c — the dashboard pane: known figures on screen, the
 * chart's accessible description, CSV export, and the pane against a real
 * server (its figures equal GET /v1/stats; offline, the cache's equal the
 * server's for the same data)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "td-bar-chart.h"
#include "td-dashboard.h"
#include "td-json.h"
#include "td-server.h"
#include "td-test-e2e.h"
#include "td-widgets.h"
#include "td-window.h"

#define TIMEOUT_MS 30000
#define MIN_MS     G_GINT64_CONSTANT (60000)

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))
#define iterate_for(ms) td_test_iterate_for (NULL, (ms))

static char *
hhmm (gint64 ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = g_date_time_to_local (utc);

  return g_date_time_format (local, "%H:%M");
}

/* The figures of docs/metrics.md's example (the scripted day). */
static TdStats *
known_stats (void)
{
  gint64 now = G_GINT64_CONSTANT (1796022000000);
  TdStats *s = td_stats_new ("m_lakeside", now);
  static const gint64 customer[TD_STATS_HOURS] = { 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 1, 4, 2, 2, 2, 1, 1, 0 };
  static const gint64 operator_[TD_STATS_HOURS] = { 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 3, 1, 1, 0, 2, 1, 0 };
  TdStatsOperator *op;

  s->open = 3;
  s->pending = 1;
  s->snoozed = 1;
  s->unassigned = 1;
  s->waiting = 2;
  s->longest_wait_ms = 16800000;          /* 4 h 40 min */
  g_free (s->longest_wait_line);
  s->longest_wait_line = g_strdup ("ml_2");
  s->first_response_today = (TdStatsDurations) { 5, 1, 300000, 900000, 384000 };
  s->first_response_week = (TdStatsDurations) { 7, 1, 360000, 3600000, 1045714 };
  s->next_response_today = (TdStatsDurations) { 9, 2, 300000, 1200000, 466667 };
  s->next_response_week = (TdStatsDurations) { 11, 2, 360000, 1800000, 872727 };
  s->resolved_today = 2;
  s->resolution_week = (TdStatsDurations) { 3, 0, 9000000, 12600000, 8400000 };
  s->reopen_resolved = 3;
  s->reopen_reopened = 1;
  s->reopen_rate = 1.0 / 3.0;
  s->csat_count = 3;
  s->csat_average = 11.0 / 3.0;
  s->csat_satisfied = 2;
  s->csat_satisfied_share = 2.0 / 3.0;
  s->csat_scores[1] = 1;
  s->csat_scores[3] = 1;
  s->csat_scores[4] = 1;
  s->hours_start = G_GINT64_CONSTANT (1795939200000);
  memcpy (s->customer_per_hour, customer, sizeof customer);
  memcpy (s->operator_per_hour, operator_, sizeof operator_);
  op = td_stats_add_operator (s, "o_alice");
  op->assigned_open = 1;
  op->messages_today = 8;
  op->first_response_median_ms = 900000;
  op->next_response_median_ms = 600000;
  op = td_stats_add_operator (s, "o_bob");
  op->assigned_open = 1;
  op->messages_today = 3;
  op->first_response_median_ms = 300000;
  op->next_response_median_ms = TD_STATS_NO_VALUE;
  return s;
}

static GtkWindow *
window_with (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, 1100, 800);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  return window;
}

static void
test_figures (void)
{
  g_autoptr(TdStats) stats = known_stats ();
  TdDashboard *dash = TD_DASHBOARD (td_dashboard_new ());
  GtkWindow *window = window_with (GTK_WIDGET (dash));
  g_autofree char *as_of = hhmm (stats->as_of);
  g_autofree char *live = g_strdup_printf ("Live · as of %s", as_of);
  g_autofree char *from = hhmm (stats->hours_start + 17 * TD_STATS_HOUR_MS);
  g_autofree char *to = hhmm (stats->hours_start + 18 * TD_STATS_HOUR_MS);
  g_autofree char *description = NULL;
  g_autofree char *cell = NULL;
  TdBarChart *chart = td_dashboard_get_chart (dash);

  /* nothing yet: no figures, no status */
  g_assert_cmpint (td_dashboard_get_source (dash), ==, TD_DASHBOARD_SOURCE_NONE);
  g_assert_null (td_dashboard_get_stats (dash));
  g_assert_null (td_dashboard_get_figure_text (dash, "no-such-card"));
  g_assert_cmpuint (td_bar_chart_get_n_buckets (chart), ==, 0);

  td_dashboard_show_stats (dash, stats, TD_DASHBOARD_SOURCE_SERVER);
  g_assert_true (td_stats_equal (td_dashboard_get_stats (dash), stats));
  g_assert_cmpint (td_dashboard_get_source (dash), ==, TD_DASHBOARD_SOURCE_SERVER);
  g_assert_cmpstr (td_dashboard_get_status_text (dash), ==, live);

  /* live */
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_OPEN), ==, "3");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_PENDING), ==, "1");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_SNOOZED), ==, "1");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_WAITING), ==, "2");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_WAITING), ==, "Longest wait 4 h 40 min");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_UNASSIGNED), ==, "1");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_UNASSIGNED), ==, "Of 3 open lines");

  /* response times: median big, p90 / mean / counts below */
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_FIRST_TODAY), ==, "5 min");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_FIRST_TODAY), ==,
                   "p90 15 min · mean 6 min · 5 answered, 1 unanswered");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_FIRST_WEEK), ==, "6 min");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_FIRST_WEEK), ==,
                   "p90 1 h 00 min · mean 17 min · 7 answered, 1 unanswered");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_NEXT_RESPONSE), ==, "5 min");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_NEXT_RESPONSE), ==,
                   "p90 20 min · 7 days: median 6 min");

  /* resolution and satisfaction */
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_RESOLUTION), ==, "2 h 30 min");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_RESOLUTION), ==,
                   "p90 3 h 30 min · mean 2 h 20 min · 3 lines");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_RESOLVED_TODAY), ==, "2");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_REOPEN_RATE), ==, "33 %");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_REOPEN_RATE), ==, "1 of 3 resolved lines");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_CSAT), ==, "3.7");
  /* the hit rate comes from the channel's cache: none here */
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_SLA_HIT), ==, "—");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_CSAT), ==, "3 ratings · 67 % rated 4–5");

  /* the chart and what it says to a screen reader */
  g_assert_cmpuint (td_bar_chart_get_n_buckets (chart), ==, 24);
  g_assert_cmpint (td_bar_chart_get_value (chart, TD_BAR_CHART_CUSTOMER, 17), ==, 4);
  g_assert_cmpint (td_bar_chart_get_value (chart, TD_BAR_CHART_OPERATOR, 21), ==, 2);
  g_assert_cmpint (td_bar_chart_get_axis_max (chart), ==, 4);
  description = g_strdup_printf ("Messages per hour over the last 24 hours: 16 from customers, "
                                 "12 from operators; busiest hour %s–%s with 7 messages.", from, to);
  g_assert_cmpstr (td_bar_chart_get_description (chart), ==, description);

  /* the operators table */
  g_assert_cmpuint (g_list_model_get_n_items (td_dashboard_get_operators (dash)), ==, 2);
  cell = td_dashboard_dup_operator_cell (dash, 0, 0);
  g_assert_cmpstr (cell, ==, "o_alice");
  g_clear_pointer (&cell, g_free);
  cell = td_dashboard_dup_operator_cell (dash, 0, 2);
  g_assert_cmpstr (cell, ==, "8");
  g_clear_pointer (&cell, g_free);
  cell = td_dashboard_dup_operator_cell (dash, 0, 3);
  g_assert_cmpstr (cell, ==, "15 min");
  g_clear_pointer (&cell, g_free);
  cell = td_dashboard_dup_operator_cell (dash, 1, 4);
  g_assert_cmpstr (cell, ==, "—");
  g_clear_pointer (&cell, g_free);
  g_assert_null (td_dashboard_dup_operator_cell (dash, 2, 0));

  /* let it draw (the snapshot code runs) */
  iterate_for (100);

  /* the same figures from the cache say so */
  td_dashboard_show_stats (dash, stats, TD_DASHBOARD_SOURCE_CACHE);
  g_assert_true (g_str_has_prefix (td_dashboard_get_status_text (dash), "Offline — "));
  g_assert_nonnull (strstr (td_dashboard_get_status_text (dash), as_of));

  /* an empty set is "no value", never 0 */
  {
    g_autoptr(TdStats) empty = td_stats_new ("m_lakeside", stats->as_of);

    td_dashboard_show_stats (dash, empty, TD_DASHBOARD_SOURCE_SERVER);
    g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_OPEN), ==, "0");
    g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_FIRST_TODAY), ==, "—");
    g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_REOPEN_RATE), ==, "—");
    g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_CSAT), ==, "—");
    g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_WAITING), ==, "Nobody is waiting");
    g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_FIRST_TODAY), ==, "Nothing measured yet");
    g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_REOPEN_RATE), ==, "No line resolved in 7 days");
    g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_CSAT), ==, "No ratings yet");
    g_assert_cmpuint (g_list_model_get_n_items (td_dashboard_get_operators (dash)), ==, 0);
    g_assert_true (g_str_has_suffix (td_bar_chart_get_description (chart), "no messages."));
  }

  /* cleared */
  td_dashboard_show_stats (dash, NULL, TD_DASHBOARD_SOURCE_SERVER);
  g_assert_cmpint (td_dashboard_get_source (dash), ==, TD_DASHBOARD_SOURCE_NONE);
  g_assert_null (td_dashboard_get_status_text (dash));

  gtk_window_destroy (window);
}

static void
test_chart (void)
{
  TdBarChart *chart = g_object_ref_sink (TD_BAR_CHART (td_bar_chart_new ()));
  gint64 c[3] = { 0, 9, 1 };
  gint64 o[3] = { 2, 3, 0 };
  gint64 big[1] = { 4100 };
  gint64 zero[1] = { 0 };

  g_assert_cmpstr (td_bar_chart_get_description (chart), ==, "Messages per hour: no figures yet.");
  td_bar_chart_set_data (chart, 0, 3600000, c, o, 3);
  g_assert_cmpuint (td_bar_chart_get_n_buckets (chart), ==, 3);
  /* 9 → a round axis in steps of the 4 grid lines */
  g_assert_cmpint (td_bar_chart_get_axis_max (chart), ==, 20);
  g_assert_true (g_str_has_prefix (td_bar_chart_get_description (chart),
                                   "Messages per hour over the last 3 hours: 10 from customers, 5 from operators; busiest hour "));
  g_assert_true (g_str_has_suffix (td_bar_chart_get_description (chart), " with 12 messages."));
  td_bar_chart_set_data (chart, 0, 3600000, big, zero, 1);
  g_assert_cmpint (td_bar_chart_get_axis_max (chart), ==, 8000);
  g_assert_cmpstr (td_bar_chart_get_description (chart), ==,
                   "Messages per hour over the last 1 hour: 4100 from customers, 0 from operators; "
                   "busiest hour 00:00–01:00 with 4100 messages.");
  td_bar_chart_clear (chart);
  g_assert_cmpuint (td_bar_chart_get_n_buckets (chart), ==, 0);
  g_assert_finalize_object (chart);
}

/* *data: the visible file chooser, once there is one */
static gboolean
found_save_dialog (gpointer data)
{
  GtkWidget **dialog = data;
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) top = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER (top) && gtk_widget_get_visible (GTK_WIDGET (top)))
        *dialog = GTK_WIDGET (top);
    }
  return *dialog != NULL;
}

/* a weak pointer cleared */
static gboolean
is_gone (gpointer data)
{
  return *(gpointer *) data == NULL;
}

static void
test_csv (void)
{
  g_autoptr(TdStats) stats = known_stats ();
  g_autofree char *csv = td_dashboard_format_csv (stats);
  g_auto(GStrv) rows = g_strsplit (csv, "\r\n", -1);
  g_autofree char *dir = g_dir_make_tmp ("td-dashboard-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "figures.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autofree char *written = NULL;
  TdDashboard *dash = g_object_ref_sink (TD_DASHBOARD (td_dashboard_new ()));
  guint n = g_strv_length (rows);

  g_assert_cmpstr (rows[0], ==, "figure,value");
  g_assert_true (g_strv_contains ((const char * const *) rows, "merchant,m_lakeside"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "as_of,2026-11-30T07:00:00Z"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "open,3"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "waiting,2"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "longest_wait_ms,16800000"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "first_response_today_median_ms,300000"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "first_response_today_unanswered,1"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "first_response_7_days_mean_ms,1045714"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "next_response_7_days_p90_ms,1800000"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "resolution_7_days_median_ms,9000000"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "reopen_rate,0.33333333333333331"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "csat_average,3.6666666666666665"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "csat_score_2,1"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "hour_start,customer_messages,operator_messages"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "2026-11-30T01:00:00Z,4,3"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "operator,assigned_open,messages_today,"
                                                              "first_response_median_ms,next_response_median_ms"));
  g_assert_true (g_strv_contains ((const char * const *) rows, "o_alice,1,8,900000,600000"));
  /* "no value" is an empty cell, never 0 */
  g_assert_true (g_strv_contains ((const char * const *) rows, "o_bob,1,3,300000,"));
  g_assert_cmpstr (rows[n - 1], ==, "");

  /* no value at all */
  {
    g_autoptr(TdStats) empty = td_stats_new ("m_x,\"y\"", 0);
    g_autofree char *text = td_dashboard_format_csv (empty);

    g_assert_nonnull (strstr (text, "\r\nmerchant,\"m_x,\"\"y\"\"\"\r\n"));
    g_assert_nonnull (strstr (text, "\r\nfirst_response_today_median_ms,\r\n"));
    g_assert_nonnull (strstr (text, "\r\ncsat_average,\r\n"));
    g_assert_nonnull (strstr (text, "\r\nlongest_wait_line,\r\n"));
  }

  /* nothing shown: nothing to export */
  g_assert_false (td_dashboard_export_csv (dash, file, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  td_dashboard_show_stats (dash, stats, TD_DASHBOARD_SOURCE_SERVER);
  g_assert_true (td_dashboard_export_csv (dash, file, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, csv);

  /* a folder that is not there */
  {
    g_autofree char *bad_path = g_build_filename (dir, "missing", "figures.csv", NULL);
    g_autoptr(GFile) bad = g_file_new_for_path (bad_path);

    g_assert_false (td_dashboard_export_csv (dash, bad, &error));
    g_assert_nonnull (error);
    g_clear_error (&error);
  }

  /* the Export button: a save dialog, the file named after the merchant
   * (what accepting writes is td_dashboard_export_csv(), tested above) */
  {
    GtkWindow *window = window_with (GTK_WIDGET (dash));
    GtkWidget *dialog = NULL;
    g_autofree char *chosen = g_build_filename (dir, "chosen.csv", NULL);
    g_autofree char *name = NULL;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (dash), "dashboard.export", NULL));
    wait_until (found_save_dialog, &dialog, "the save dialog");
    G_GNUC_BEGIN_IGNORE_DEPRECATIONS
    name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dialog));
    g_assert_true (g_str_has_prefix (name, "tripdesk-m_lakeside-"));
    g_assert_true (g_str_has_suffix (name, ".csv"));
    /* cancelled: nothing written, the dialog goes */
    g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &dialog);
    gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
    G_GNUC_END_IGNORE_DEPRECATIONS
    wait_until (is_gone, &dialog, "the save dialog to go");
    g_assert_false (g_file_test (chosen, G_FILE_TEST_EXISTS));
    gtk_window_destroy (window);
    iterate_for (20);
  }

  g_unlink (path);
  g_rmdir (dir);
  g_assert_finalize_object (dash);
}

/* ------------------------------------------------------------------------ */
/* Against the real server                                                  */

typedef struct
{
  SoupSession *session;
  GBytes      *body;
  guint        status;
  gboolean     done;
} Fetch;

static void
on_fetch_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Fetch *f = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  f->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  f->status = soup_message_get_status (msg);
  f->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *) data)->done;
}

/* GET /v1/stats as the test itself; NULL and *status when not figures. */
static TdStats *
fetch_stats (TdTestServer *s,
             const char   *token,
             const char   *merchant,
             guint        *status)
{
  g_autofree char *uri = g_strdup_printf ("%s/v1/stats?merchant=%s", s->url, merchant);
  g_autofree char *auth = g_strdup_printf ("Bearer %s", token);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  g_autoptr(JsonObject) object = NULL;
  Fetch f = { 0, };
  gsize len;
  const char *data;
  TdStats *stats;

  f.session = soup_session_new ();
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_session_send_and_read_async (f.session, msg, G_PRIORITY_DEFAULT, NULL, on_fetch_cb, &f);
  wait_until (fetch_done, &f, "GET /v1/stats");
  g_object_unref (f.session);
  *status = f.status;
  if (f.body == NULL || f.status != 200)
    {
      g_clear_pointer (&f.body, g_bytes_unref);
      return NULL;
    }
  data = g_bytes_get_data (f.body, &len);
  object = td_json_parse_object (data, len, NULL);
  stats = object ? td_stats_new_from_json (object, NULL) : NULL;
  g_bytes_unref (f.body);
  return stats;
}

/* Figures that do not move with the clock between two computations. */
static void
normalise (TdStats *s)
{
  s->as_of = 0;
  s->week_start = 0;
  if (s->longest_wait_ms >= 0)
    s->longest_wait_ms = 1;
  g_clear_pointer (&s->tz, g_free);
}

typedef struct
{
  TdDashboard       *dash;
  TdDashboardSource  source;
  guint              updates;
  guint              seen;
} UpdateWait;

static void
on_updated_cb (TdDashboard *dash,
               UpdateWait  *w)
{
  w->updates++;
}

static gboolean
updated_from (gpointer data)
{
  UpdateWait *w = data;

  return w->updates > w->seen && td_dashboard_get_source (w->dash) == w->source;
}

static void
wait_update (UpdateWait        *w,
             TdDashboardSource  source,
             const char        *what)
{
  w->source = source;
  w->seen = w->updates;
  wait_until (updated_from, w, what);
}

static gboolean
refused (gpointer data)
{
  return g_strcmp0 (td_dashboard_get_empty_title (data), "No Access") == 0;
}

static void
assert_pane_shows (TdDashboard   *dash,
                   const TdStats *s)
{
  g_autofree char *open = g_strdup_printf ("%" G_GINT64_FORMAT, s->open);
  g_autofree char *waiting = g_strdup_printf ("%" G_GINT64_FORMAT, s->waiting);
  g_autofree char *unassigned = g_strdup_printf ("%" G_GINT64_FORMAT, s->unassigned);

  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_OPEN), ==, open);
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_WAITING), ==, waiting);
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_UNASSIGNED), ==, unassigned);
}

static gboolean
sla_shown (gpointer data)
{
  return g_strcmp0 (td_dashboard_get_figure_text (data, TD_DASHBOARD_SLA_HIT), "—") != 0;
}

static void
test_server (void)
{
  TdTestServer s = { 0, };
  TdTestClient cust = { 0, }, cust2 = { 0, }, alice = { 0, };
  g_autofree char *cache = NULL;
  g_autofree char *line1 = NULL;
  g_autofree char *line2 = NULL;
  g_autofree char *line3 = NULL;
  g_autoptr(TdStats) server_stats = NULL;
  g_autoptr(TdStats) shown = NULL;
  g_autoptr(JsonObject) rating = json_object_new ();
  TdDashboard *dash;
  GtkWindow *window;
  UpdateWait w = { 0, };
  guint status = 0;

  td_test_server_start (&s, NULL);
  cache = g_build_filename (s.dir, "alice-cache.db", NULL);

  /* the server must speak schema 1 (docs/metrics.md) */
  server_stats = fetch_stats (&s, "demo-op-alice", "m_lakeside", &status);
  g_assert_cmpuint (status, ==, 200);
  if (server_stats == NULL)
    {
      g_test_skip ("GET /v1/stats does not answer stats schema 1 yet");
      td_test_server_free (&s);
      return;
    }
  g_clear_pointer (&server_stats, td_stats_free);
  /* another merchant's figures are refused */
  g_assert_null (fetch_stats (&s, "demo-op-alice", "m_harbor", &status));
  g_assert_cmpuint (status, ==, 403);

  td_test_client_open (&alice, &s, "demo-op-alice", cache);
  td_test_client_go_online (&alice);
  td_test_client_open (&cust, &s, "demo-cust-7", NULL);
  td_test_client_go_online (&cust);
  td_test_client_open (&cust2, &s, "demo-cust-8", NULL);
  td_test_client_go_online (&cust2);

  dash = TD_DASHBOARD (td_dashboard_new ());
  td_dashboard_set_throttle (dash, 300);
  g_signal_connect (dash, "updated", G_CALLBACK (on_updated_cb), &w);
  w.dash = dash;
  window = window_with (GTK_WIDGET (dash));
  td_dashboard_set_channel (dash, alice.channel);
  /* the operator's first merchant is chosen */
  g_assert_cmpstr (td_dashboard_get_merchant (dash), ==, "m_lakeside");
  wait_update (&w, TD_DASHBOARD_SOURCE_SERVER, "the first figures");

  /* scripted traffic: a line answered, one waiting, one rated */
  line1 = td_test_client_open_line (&cust, "m_lakeside");
  g_free (td_channel_send_text (cust.channel, line1, "Is breakfast included?"));
  td_test_wait_messages (alice.store, line1, 1);
  g_free (td_channel_send_text (alice.channel, line1, "Yes, from 7 to 10."));
  g_free (td_channel_send_text (cust.channel, line1, "Thanks!"));
  json_object_set_int_member (rating, "score", 5);
  g_free (td_channel_send (cust.channel, line1, "rating", rating));
  line2 = td_test_client_open_line (&cust2, "m_lakeside");
  g_free (td_channel_send_text (cust2.channel, line2, "Can I check in early?"));
  line3 = td_test_client_open_line (&cust2, "m_skyline/tour/9");
  g_free (td_channel_send_text (cust2.channel, line3, "Another merchant's question"));
  td_test_wait_messages (alice.store, line1, 4);
  td_test_wait_messages (alice.store, line2, 1);
  td_test_wait_messages (alice.store, line3, 1);

  /* live: the pane follows the events to the server's figures */
  for (int attempt = 0; ; attempt++)
    {
      g_autoptr(TdStats) a = NULL;
      g_autoptr(TdStats) b = NULL;

      wait_update (&w, TD_DASHBOARD_SOURCE_SERVER, "live figures");
      server_stats = fetch_stats (&s, "demo-op-alice", "m_lakeside", &status);
      g_assert_nonnull (server_stats);
      a = td_stats_copy (td_dashboard_get_stats (dash));
      b = td_stats_copy (server_stats);
      normalise (a);
      normalise (b);
      if (td_stats_equal (a, b))
        break;
      g_clear_pointer (&server_stats, td_stats_free);
      if (attempt > 20)
        g_error ("the pane's figures never equalled the server's");
      td_dashboard_refresh (dash);
    }
  g_assert_cmpint (server_stats->open, ==, 2);
  g_assert_cmpint (server_stats->waiting, ==, 2);   /* "Thanks!" asks again */
  g_assert_cmpint (server_stats->first_response_today.count, ==, 1);
  g_assert_cmpint (server_stats->first_response_today.unanswered, ==, 1);
  g_assert_cmpint (server_stats->csat_count, ==, 1);
  assert_pane_shows (dash, server_stats);
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_CSAT), ==, "5.0");
  g_assert_true (g_str_has_prefix (td_dashboard_get_status_text (dash), "Live · as of "));

  /* the first-response target's hit rate, from the cache: line1's wait was
   * answered at once (hit); "Thanks!" and line2 still wait within the
   * target (not counted yet) */
  td_dashboard_refresh (dash);
  wait_until (sla_shown, dash, "the service-level hit rate");
  g_assert_cmpstr (td_dashboard_get_figure_text (dash, TD_DASHBOARD_SLA_HIT), ==, "100 %");
  g_assert_cmpstr (td_dashboard_get_figure_detail (dash, TD_DASHBOARD_SLA_HIT), ==,
                   "1 of 1 wait answered within the target");

  /* the other merchant, by the switcher's API */
  td_dashboard_set_merchant (dash, "m_skyline");
  wait_update (&w, TD_DASHBOARD_SOURCE_SERVER, "m_skyline's figures");
  g_assert_cmpstr (td_dashboard_get_stats (dash)->merchant, ==, "m_skyline");
  g_assert_cmpint (td_dashboard_get_stats (dash)->waiting, ==, 1);
  g_assert_null (td_dashboard_get_empty_title (dash));
  /* a merchant that is not the operator's: refused, and the cache's
   * figures are not shown instead */
  td_dashboard_set_merchant (dash, "m_harbor");
  g_assert_cmpstr (td_dashboard_get_empty_title (dash), ==, "No Figures Yet");
  wait_until (refused, dash, "the refusal");
  g_assert_null (td_dashboard_get_stats (dash));
  iterate_for (100);
  g_assert_cmpint (td_dashboard_get_source (dash), ==, TD_DASHBOARD_SOURCE_NONE);
  td_dashboard_set_merchant (dash, "m_lakeside");
  wait_update (&w, TD_DASHBOARD_SOURCE_SERVER, "m_lakeside's figures again");

  /* in the window, the pane follows the sidebar's merchant ("All
   * merchants" keeps the pane's own) */
  {
    TdWindow *win = td_window_new (NULL, NULL);
    TdDashboard *pane = td_window_get_dashboard (win);

    td_window_set_channel (win, alice.channel);
    g_assert_cmpstr (td_dashboard_get_merchant (pane), ==, "m_lakeside");
    td_window_set_merchant (win, "m_skyline");
    g_assert_cmpstr (td_dashboard_get_merchant (pane), ==, "m_skyline");
    td_window_set_merchant (win, NULL);
    g_assert_cmpstr (td_dashboard_get_merchant (pane), ==, "m_skyline");
    td_window_set_channel (win, NULL);
    g_assert_null (td_dashboard_get_merchant (pane));
    gtk_window_destroy (GTK_WINDOW (win));
    iterate_for (20);
  }

  /* offline: the cache's figures, marked so; equal to the server's for
   * what the cache can know (no state changes) */
  td_channel_stop (alice.channel);
  wait_update (&w, TD_DASHBOARD_SOURCE_CACHE, "the cache's figures");
  shown = td_stats_copy (td_dashboard_get_stats (dash));
  g_assert_true (g_str_has_prefix (td_dashboard_get_status_text (dash), "Offline — "));
  g_assert_cmpint (shown->open, ==, server_stats->open);
  g_assert_cmpint (shown->waiting, ==, server_stats->waiting);
  g_assert_cmpint (shown->unassigned, ==, server_stats->unassigned);
  g_assert_cmpmem (&shown->first_response_today, sizeof (TdStatsDurations),
                   &server_stats->first_response_today, sizeof (TdStatsDurations));
  g_assert_cmpmem (&shown->next_response_week, sizeof (TdStatsDurations),
                   &server_stats->next_response_week, sizeof (TdStatsDurations));
  g_assert_cmpint (shown->csat_count, ==, server_stats->csat_count);
  g_assert_cmpfloat (shown->csat_average, ==, server_stats->csat_average);
  if (shown->hours_start == server_stats->hours_start)
    {
      g_assert_cmpmem (shown->customer_per_hour, sizeof shown->customer_per_hour,
                       server_stats->customer_per_hour, sizeof server_stats->customer_per_hour);
      g_assert_cmpmem (shown->operator_per_hour, sizeof shown->operator_per_hour,
                       server_stats->operator_per_hour, sizeof server_stats->operator_per_hour);
    }
  assert_pane_shows (dash, shown);

  gtk_window_destroy (window);
  iterate_for (20);
  td_test_client_free (&cust);
  td_test_client_free (&cust2);
  td_test_client_free (&alice);
  td_test_server_free (&s);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("TZ", "UTC", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  td_widgets_init ();

  g_test_add_func ("/tripdesk/dashboard/figures", test_figures);
  g_test_add_func ("/tripdesk/dashboard/chart", test_chart);
  g_test_add_func ("/tripdesk/dashboard/csv", test_csv);
  g_test_add_func ("/tripdesk/dashboard/server", test_server);

  return g_test_run ();
}

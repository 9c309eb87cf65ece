/* td-dashboard.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>

#include "td-dashboard.h"
#include "td-json.h"
#include "td-sla.h"
#include "td-widget-util.h"
#include "td-widgets.h"

#define DEFAULT_THROTTLE_MS 2000
#define TICK_S              30     /* waits age with no event: refresh anyway */
#define REQUEST_TIMEOUT_S   15
#define NO_VALUE_TEXT       "—"

/* ------------------------------------------------------------------------ */
/* A row of the operators table                                             */

#define TD_TYPE_DASHBOARD_OPERATOR (td_dashboard_operator_get_type ())
G_DECLARE_FINAL_TYPE (TdDashboardOperator, td_dashboard_operator, TD, DASHBOARD_OPERATOR, GObject)

struct _TdDashboardOperator
{
  GObject parent_instance;

  char   *id;
  gint64  assigned_open;
  gint64  messages_today;
  gint64  first_response_median_ms;
  gint64  next_response_median_ms;
};

G_DEFINE_FINAL_TYPE (TdDashboardOperator, td_dashboard_operator, G_TYPE_OBJECT)

static void
td_dashboard_operator_finalize (GObject *object)
{
  g_free (TD_DASHBOARD_OPERATOR (object)->id);
  G_OBJECT_CLASS (td_dashboard_operator_parent_class)->finalize (object);
}

static void
td_dashboard_operator_class_init (TdDashboardOperatorClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = td_dashboard_operator_finalize;
}

static void
td_dashboard_operator_init (TdDashboardOperator *self)
{
}

static TdDashboardOperator *
operator_new (const TdStatsOperator *row)
{
  TdDashboardOperator *self = g_object_new (TD_TYPE_DASHBOARD_OPERATOR, NULL);

  self->id = g_strdup (row->id);
  self->assigned_open = row->assigned_open;
  self->messages_today = row->messages_today;
  self->first_response_median_ms = row->first_response_median_ms;
  self->next_response_median_ms = row->next_response_median_ms;
  return self;
}

/* ------------------------------------------------------------------------ */

typedef struct
{
  GtkLabel *value;
  GtkLabel *detail;
} Card;

struct _TdDashboard
{
  GtkWidget          parent_instance;

  AdwWindowTitle    *title;
  GtkDropDown       *merchant_dropdown;
  GtkRevealer       *offline_revealer;
  GtkLabel          *offline_label;
  GtkStack          *stack;
  AdwStatusPage     *empty_page;
  GtkFlowBox        *live_box;
  GtkFlowBox        *response_box;
  GtkFlowBox        *outcome_box;
  TdBarChart        *chart;
  GtkStack          *operators_stack;
  GtkColumnView     *operators_view;

  GHashTable        *cards;          /* figure id → Card* */
  GListStore        *operators;      /* TdDashboardOperator */
  GtkStringList     *merchant_names;
  GPtrArray         *merchant_ids;   /* char*, same order */
  gboolean           filling_merchants;

  TdChannel         *channel;
  GSignalGroup      *channel_signals;
  GSignalGroup      *store_signals;
  SoupSession       *session;
  GCancellable      *cancellable;

  char              *merchant;
  TdStats           *stats;
  TdDashboardSource  source;
  char              *status_text;

  guint              throttle_ms;
  gint64             last_refresh;   /* monotonic µs of the last start */
  guint              throttle_id;
  guint              tick_id;
  gboolean           in_flight;
  gboolean           dirty;          /* something changed since the last start */

  /* the first-response target's hit rate, from the local cache (it reads
   * every line's messages on a worker: at most once a minute) */
  gint64             sla_started;    /* monotonic µs of the last start, 0: never */
  char              *sla_merchant;   /* the merchant it was computed for */
  gboolean           sla_in_flight;

  gboolean           folded;
};

G_DEFINE_FINAL_TYPE (TdDashboard, td_dashboard, GTK_TYPE_WIDGET)

enum {
  UPDATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void start_refresh (TdDashboard *self);

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */

static char *
format_count (gint64 n)
{
  return g_strdup_printf ("%" G_GINT64_FORMAT, n);
}

static char *
format_duration (gint64 ms)
{
  return ms < 0 ? g_strdup (NO_VALUE_TEXT) : td_format_duration (ms);
}

static char *
format_share (double share)
{
  if (share < 0)
    return g_strdup (NO_VALUE_TEXT);
  /* Translators: a percentage, e.g. "33 %" */
  return g_strdup_printf (_("%.0f %%"), share * 100.0);
}

static char *
format_time_of_day (gint64 ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%H:%M") : g_strdup ("?");
}

static char *
durations_detail (const TdStatsDurations *d,
                  gboolean                with_unanswered)
{
  g_autofree char *p90 = format_duration (d->p90_ms);
  g_autofree char *mean = format_duration (d->mean_ms);
  g_autofree char *counts = NULL;

  if (d->count == 0 && d->unanswered == 0)
    return g_strdup (_("Nothing measured yet"));
  if (d->count == 0)
    return g_strdup_printf (ngettext ("%d unanswered", "%d unanswered", (gulong) d->unanswered),
                            (int) d->unanswered);

  if (with_unanswered)
    /* Translators: "5 answered, 1 unanswered" */
    counts = g_strdup_printf (_("%d answered, %d unanswered"),
                              (int) d->count, (int) d->unanswered);
  else
    counts = g_strdup_printf (ngettext ("%d line", "%d lines",
                                        (gulong) d->count), (int) d->count);

  /* Translators: "p90 15 min · mean 6 min · 5 answered, 1 unanswered" */
  return g_strdup_printf (_("p90 %s · mean %s · %s"), p90, mean, counts);
}

/* ------------------------------------------------------------------------ */
/* Cards                                                                    */

static void
add_card (TdDashboard *self,
          GtkFlowBox  *box,
          const char  *id,
          const char  *caption)
{
  GtkWidget *card = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *inner = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *caption_label = gtk_label_new (caption);
  GtkWidget *value = gtk_label_new (NO_VALUE_TEXT);
  GtkWidget *detail = gtk_label_new ("");
  Card *c = g_new0 (Card, 1);

  gtk_widget_add_css_class (card, "card");
  gtk_widget_set_size_request (card, 150, -1);
  gtk_widget_set_margin_start (inner, 16);
  gtk_widget_set_margin_end (inner, 16);
  gtk_widget_set_margin_top (inner, 12);
  gtk_widget_set_margin_bottom (inner, 14);

  gtk_label_set_xalign (GTK_LABEL (caption_label), 0);
  gtk_label_set_max_width_chars (GTK_LABEL (caption_label), 18);
  gtk_label_set_ellipsize (GTK_LABEL (caption_label), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (caption_label, "caption-heading");
  gtk_widget_add_css_class (caption_label, "dim-label");

  gtk_label_set_xalign (GTK_LABEL (value), 0);
  gtk_widget_add_css_class (value, "title-1");
  gtk_widget_add_css_class (value, "numeric");

  gtk_label_set_xalign (GTK_LABEL (detail), 0);
  /* a short natural width, so that the flow box fits several cards a line */
  gtk_label_set_max_width_chars (GTK_LABEL (detail), 20);
  gtk_label_set_width_chars (GTK_LABEL (detail), 14);
  /* wrapped, never ellipsized: wrap + lines + ellipsize breaks GTK 4.8's
   * height-for-width in a box */
  gtk_label_set_wrap (GTK_LABEL (detail), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (detail), PANGO_WRAP_WORD_CHAR);
  gtk_widget_add_css_class (detail, "caption");
  gtk_widget_add_css_class (detail, "dim-label");

  gtk_box_append (GTK_BOX (inner), caption_label);
  gtk_box_append (GTK_BOX (inner), value);
  gtk_box_append (GTK_BOX (inner), detail);
  gtk_box_append (GTK_BOX (card), inner);
  gtk_flow_box_append (box, card);
  /* the flow box child itself takes no focus: nothing to activate */
  gtk_widget_set_focusable (gtk_widget_get_parent (card), FALSE);

  gtk_accessible_update_relation (GTK_ACCESSIBLE (value),
                                  GTK_ACCESSIBLE_RELATION_LABELLED_BY, caption_label, NULL,
                                  -1);

  c->value = GTK_LABEL (value);
  c->detail = GTK_LABEL (detail);
  g_hash_table_insert (self->cards, (gpointer) id, c);
}

static void
set_card (TdDashboard *self,
          const char  *id,
          const char  *value,
          const char  *detail)
{
  Card *c = g_hash_table_lookup (self->cards, id);

  g_assert (c != NULL);
  gtk_label_set_text (c->value, value);
  gtk_label_set_text (c->detail, detail ? detail : "");
  gtk_widget_set_visible (GTK_WIDGET (c->detail), detail != NULL && *detail != '\0');
}

static void
set_card_count (TdDashboard *self,
                const char  *id,
                gint64       n,
                const char  *detail)
{
  g_autofree char *value = format_count (n);

  set_card (self, id, value, detail);
}

/* ------------------------------------------------------------------------ */
/* Showing figures                                                          */

static void
update_status (TdDashboard *self)
{
  g_autofree char *time = NULL;
  g_autofree char *subtitle = NULL;

  g_clear_pointer (&self->status_text, g_free);
  if (self->stats == NULL)
    {
      adw_window_title_set_subtitle (self->title, NULL);
      gtk_revealer_set_reveal_child (self->offline_revealer, FALSE);
      return;
    }

  time = format_time_of_day (self->stats->as_of);
  if (self->source == TD_DASHBOARD_SOURCE_CACHE)
    {
      /* Translators: the dashboard while offline; %s is a time, "14:05" */
      self->status_text = g_strdup_printf (_("Offline — figures from this computer’s cache as of %s. "
                                             "Resolution times need the server."), time);
      /* Translators: the dashboard's subtitle, %s is a time */
      subtitle = g_strdup_printf (_("Offline · as of %s"), time);
    }
  else
    {
      /* Translators: the dashboard's subtitle, %s is a time */
      subtitle = g_strdup_printf (_("Live · as of %s"), time);
      self->status_text = g_strdup (subtitle);
    }
  adw_window_title_set_subtitle (self->title, subtitle);
  /* one line (a wrapping label in a box breaks height-for-width in GTK
   * 4.8); the whole sentence in the tooltip */
  gtk_label_set_text (self->offline_label, self->status_text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->offline_label), self->status_text);
  gtk_revealer_set_reveal_child (self->offline_revealer, self->source == TD_DASHBOARD_SOURCE_CACHE);
}

#define SLA_REFRESH_US (60 * G_USEC_PER_SEC)
#define SLA_WINDOW_MS (7 * 24 * 3600 * G_GINT64_CONSTANT (1000))

static void
show_sla (TdDashboard      *self,
          double            rate,
          const TdSlaStats *st)
{
  g_autofree char *value = NULL;
  g_autofree char *detail = NULL;
  guint counted = st ? st->hit + st->breached : 0;

  if (rate < 0 || counted == 0)
    {
      set_card (self, TD_DASHBOARD_SLA_HIT, NO_VALUE_TEXT, _("No wait measured yet"));
      return;
    }

  /* Translators: a share, "87 %" */
  value = g_strdup_printf (_("%d %%"), (int) (rate * 100 + 0.5));
  /* Translators: "7 of 8 waits answered within the target" */
  detail = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u of %u wait answered within the target",
                                         "%u of %u waits answered within the target", counted),
                            st->hit, counted);
  set_card (self, TD_DASHBOARD_SLA_HIT, value, detail);
}

static void
on_sla_computed_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(TdDashboard) self = user_data;
  g_autoptr(GError) error = NULL;
  TdSlaStats st = { 0, };
  double rate;

  rate = td_sla_compute_finish (TD_SLA (source), result, &st, &error);
  self->sla_in_flight = FALSE;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      self->sla_started = 0;  /* not shown: compute again next time */
      return;
    }
  if (error != NULL)
    {
      g_debug ("service-level hit rate: %s", error->message);
      return;
    }
  if (g_strcmp0 (self->sla_merchant, self->merchant) == 0)
    show_sla (self, rate, &st);
}

/* The hit rate of the first-response target over the last 7 days, from the
 * local cache (the figure the server does not know: targets are the
 * desk's own setting). */
static void
refresh_sla (TdDashboard *self)
{
  gint64 now = g_get_monotonic_time ();
  gboolean same = g_strcmp0 (self->sla_merchant, self->merchant) == 0;

  if (self->channel == NULL || self->merchant == NULL || self->sla_in_flight)
    return;
  if (same && self->sla_started != 0 && now - self->sla_started < SLA_REFRESH_US)
    return;
  if (!same)
    set_card (self, TD_DASHBOARD_SLA_HIT, NO_VALUE_TEXT, NULL);

  g_free (self->sla_merchant);
  self->sla_merchant = g_strdup (self->merchant);
  self->sla_started = now;
  self->sla_in_flight = TRUE;
  td_sla_compute_async (td_sla_get_default (), td_channel_get_store (self->channel),
                        self->merchant, td_now_ms () - SLA_WINDOW_MS, self->cancellable,
                        on_sla_computed_cb, g_object_ref (self));
}

static void
show_figures (TdDashboard *self)
{
  const TdStats *s = self->stats;
  g_autofree char *detail = NULL;
  g_autofree char *value = NULL;

  adw_status_page_set_title (self->empty_page, _("No Figures Yet"));
  adw_status_page_set_description (self->empty_page,
                                   _("Choose a merchant to see its response times and service levels."));
  if (s == NULL)
    {
      gtk_stack_set_visible_child_name (self->stack, "empty");
      update_status (self);
      return;
    }

  /* live */
  set_card_count (self, TD_DASHBOARD_OPEN, s->open, _("Lines open now"));
  set_card_count (self, TD_DASHBOARD_PENDING, s->pending, _("Waiting on someone else"));
  set_card_count (self, TD_DASHBOARD_SNOOZED, s->snoozed, _("Back when due or the customer writes"));
  if (s->waiting > 0 && s->longest_wait_ms >= 0)
    {
      g_autofree char *wait = td_format_duration (s->longest_wait_ms);

      /* Translators: %s is a duration, "12 min" */
      detail = g_strdup_printf (_("Longest wait %s"), wait);
    }
  else
    detail = g_strdup (_("Nobody is waiting"));
  set_card_count (self, TD_DASHBOARD_WAITING, s->waiting, detail);
  g_clear_pointer (&detail, g_free);
  detail = g_strdup_printf (ngettext ("Of %d open line",
                                      "Of %d open lines",
                                      (gulong) s->open), (int) s->open);
  set_card_count (self, TD_DASHBOARD_UNASSIGNED, s->unassigned, detail);
  g_clear_pointer (&detail, g_free);

  /* response times */
  value = format_duration (s->first_response_today.median_ms);
  detail = durations_detail (&s->first_response_today, TRUE);
  set_card (self, TD_DASHBOARD_FIRST_TODAY, value, detail);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&detail, g_free);

  value = format_duration (s->first_response_week.median_ms);
  detail = durations_detail (&s->first_response_week, TRUE);
  set_card (self, TD_DASHBOARD_FIRST_WEEK, value, detail);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&detail, g_free);

  value = format_duration (s->next_response_today.median_ms);
  {
    g_autofree char *p90 = format_duration (s->next_response_today.p90_ms);
    g_autofree char *week = format_duration (s->next_response_week.median_ms);

    if (s->next_response_today.count == 0 && s->next_response_week.count == 0)
      detail = g_strdup (_("Nothing measured yet"));
    else
      /* Translators: "p90 20 min · 7 days: median 6 min" */
      detail = g_strdup_printf (_("p90 %s · 7 days: median %s"), p90, week);
  }
  set_card (self, TD_DASHBOARD_NEXT_RESPONSE, value, detail);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&detail, g_free);

  /* resolution and satisfaction */
  value = format_duration (s->resolution_week.median_ms);
  detail = durations_detail (&s->resolution_week, FALSE);
  set_card (self, TD_DASHBOARD_RESOLUTION, value, detail);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&detail, g_free);

  set_card_count (self, TD_DASHBOARD_RESOLVED_TODAY, s->resolved_today, _("Since midnight"));

  value = format_share (s->reopen_rate);
  if (s->reopen_resolved == 0)
    detail = g_strdup (_("No line resolved in 7 days"));
  else
    detail = g_strdup_printf (ngettext ("%d of %d resolved line",
                                        "%d of %d resolved lines",
                                        (gulong) s->reopen_resolved),
                              (int) s->reopen_reopened, (int) s->reopen_resolved);
  set_card (self, TD_DASHBOARD_REOPEN_RATE, value, detail);
  g_clear_pointer (&value, g_free);
  g_clear_pointer (&detail, g_free);

  if (s->csat_average >= 0)
    value = g_strdup_printf ("%.1f", s->csat_average);
  else
    value = g_strdup (NO_VALUE_TEXT);
  {
    g_autofree char *share = format_share (s->csat_satisfied_share);
    g_autofree char *count = g_strdup_printf (ngettext ("%d rating",
                                                        "%d ratings",
                                                        (gulong) s->csat_count), (int) s->csat_count);

    if (s->csat_count == 0)
      detail = g_strdup (_("No ratings yet"));
    else
      /* Translators: "3 ratings · 67 % rated 4–5" */
      detail = g_strdup_printf (_("%s · %s rated 4–5"), count, share);
  }
  set_card (self, TD_DASHBOARD_CSAT, value, detail);

  refresh_sla (self);

  /* messages per hour */
  td_bar_chart_set_data (self->chart, s->hours_start, TD_STATS_HOUR_MS,
                         s->customer_per_hour, s->operator_per_hour, TD_STATS_HOURS);

  /* operators */
  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (g_object_unref);

    for (guint i = 0; s->operators && i < s->operators->len; i++)
      g_ptr_array_add (rows, operator_new (g_ptr_array_index (s->operators, i)));
    g_list_store_splice (self->operators, 0, g_list_model_get_n_items (G_LIST_MODEL (self->operators)),
                         rows->pdata, rows->len);
    gtk_stack_set_visible_child_name (self->operators_stack, rows->len > 0 ? "table" : "empty");
  }

  gtk_stack_set_visible_child_name (self->stack, "figures");
  update_status (self);
}

void
td_dashboard_show_stats (TdDashboard       *self,
                         const TdStats     *stats,
                         TdDashboardSource  source)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));

  g_clear_pointer (&self->stats, td_stats_free);
  if (stats)
    self->stats = td_stats_copy (stats);
  self->source = stats ? source : TD_DASHBOARD_SOURCE_NONE;
  if (stats && !g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    {
      g_autofree char *json = td_stats_to_string (stats);

      g_debug ("dashboard: figures from the %s: %s",
               source == TD_DASHBOARD_SOURCE_SERVER ? "server" : "cache", json);
    }
  show_figures (self);
  g_signal_emit (self, signals[UPDATED], 0);
}

/* ------------------------------------------------------------------------ */
/* Getting figures                                                          */

static void
refresh_done (TdDashboard *self)
{
  self->in_flight = FALSE;
  if (self->dirty)
    start_refresh (self);
}

static void
on_cache_stats_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(TdDashboard) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStats) stats = td_store_compute_stats_finish (TD_STORE (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (stats == NULL)
    g_debug ("no figures from the cache: %s", error->message);
  else if (g_strcmp0 (stats->merchant, self->merchant) == 0)
    td_dashboard_show_stats (self, stats, TD_DASHBOARD_SOURCE_CACHE);
  refresh_done (self);
}

static void
compute_from_cache (TdDashboard *self)
{
  TdStore *store = td_channel_get_store (self->channel);

  td_store_compute_stats_async (store, self->merchant, td_now_ms (), NULL,
                                self->cancellable, on_cache_stats_cb, g_object_ref (self));
}

static void
on_stats_read_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(TdDashboard) self = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(TdStats) stats = NULL;
  guint status;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  status = msg ? soup_message_get_status (msg) : 0;
  if (bytes != NULL && status == SOUP_STATUS_OK)
    {
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);

      object = td_json_parse_object (data, len, &error);
      if (object)
        stats = td_stats_new_from_json (object, &error);
    }
  else if (bytes != NULL)
    g_set_error (&error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_REFUSED,
                 "GET /v1/stats: HTTP %u", status);

  if (stats != NULL)
    {
      if (g_strcmp0 (stats->merchant, self->merchant) == 0)
        td_dashboard_show_stats (self, stats, TD_DASHBOARD_SOURCE_SERVER);
      refresh_done (self);
      return;
    }

  g_debug ("no figures from the server: %s", error ? error->message : "?");
  if (status == SOUP_STATUS_FORBIDDEN)
    {
      /* not this operator's merchant (any more): its figures are not to be
       * shown, not even the cache's */
      td_dashboard_show_stats (self, NULL, TD_DASHBOARD_SOURCE_NONE);
      adw_status_page_set_title (self->empty_page, _("No Access"));
      adw_status_page_set_description (self->empty_page,
                                       _("Your account may not see this merchant’s figures."));
      refresh_done (self);
      return;
    }

  /* the server did not answer with figures: the cache's, marked offline */
  compute_from_cache (self);
}

static void
start_refresh (TdDashboard *self)
{
  g_autofree char *base_url = NULL;
  g_autofree char *token = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *auth = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  g_clear_handle_id (&self->throttle_id, g_source_remove);
  if (self->in_flight)
    {
      self->dirty = TRUE;
      return;
    }
  self->dirty = FALSE;
  if (self->channel == NULL || self->merchant == NULL)
    return;

  self->in_flight = TRUE;
  self->last_refresh = g_get_monotonic_time ();

  if (td_channel_get_state (self->channel) != TD_CHANNEL_STATE_ONLINE)
    {
      compute_from_cache (self);
      return;
    }

  g_object_get (self->channel, "base-url", &base_url, NULL);
  token = td_channel_dup_token (self->channel);
  escaped = g_uri_escape_string (self->merchant, NULL, FALSE);
  uri = g_strdup_printf ("%s/v1/stats?merchant=%s", base_url, escaped);
  msg = soup_message_new (SOUP_METHOD_GET, uri);
  if (msg == NULL)
    {
      compute_from_cache (self);
      return;
    }
  auth = g_strdup_printf ("Bearer %s", token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);

  if (self->session == NULL)
    self->session = soup_session_new_with_options ("timeout", REQUEST_TIMEOUT_S,
                                                   "max-conns-per-host", 2,
                                                   NULL);
  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    self->cancellable, on_stats_read_cb, g_object_ref (self));
}

static gboolean
throttle_cb (gpointer data)
{
  TdDashboard *self = data;

  self->throttle_id = 0;
  start_refresh (self);
  return G_SOURCE_REMOVE;
}

/* Something changed: refresh, at most once per throttle interval, and only
 * while the pane is on screen (mapping it refreshes). */
static void
queue_refresh (TdDashboard *self)
{
  gint64 since_ms;

  self->dirty = TRUE;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)) || self->throttle_id != 0 || self->in_flight)
    return;

  since_ms = (g_get_monotonic_time () - self->last_refresh) / 1000;
  if (self->last_refresh == 0 || since_ms >= self->throttle_ms)
    start_refresh (self);
  else
    self->throttle_id = g_timeout_add (self->throttle_ms - since_ms, throttle_cb, self);
}

static void
on_store_committed_cb (TdDashboard    *self,
                       TdStoreChanges *changes)
{
  queue_refresh (self);
}

static void
on_channel_state_cb (TdDashboard *self)
{
  queue_refresh (self);
}

static gboolean
tick_cb (gpointer data)
{
  queue_refresh (TD_DASHBOARD (data));
  return G_SOURCE_CONTINUE;
}

void
td_dashboard_refresh (TdDashboard *self)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));

  /* asked for: the cache's hit rate too, not once a minute */
  self->sla_started = 0;
  start_refresh (self);
}

/* ------------------------------------------------------------------------ */
/* Merchants                                                                */

static void
fill_merchants (TdDashboard *self)
{
  const char * const *ids = self->channel ? td_channel_get_merchants (self->channel) : NULL;
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->merchant_names));
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  guint selected = GTK_INVALID_LIST_POSITION;

  self->filling_merchants = TRUE;
  g_ptr_array_set_size (self->merchant_ids, 0);
  for (guint i = 0; ids && ids[i]; i++)
    {
      const char *name = td_channel_get_merchant_name (self->channel, ids[i]);

      g_ptr_array_add (self->merchant_ids, g_strdup (ids[i]));
      g_ptr_array_add (names, g_strdup (name && *name ? name : ids[i]));
      if (g_strcmp0 (ids[i], self->merchant) == 0)
        selected = i;
    }
  g_ptr_array_add (names, NULL);
  gtk_string_list_splice (self->merchant_names, 0, n_old, (const char * const *) names->pdata);
  gtk_widget_set_visible (GTK_WIDGET (self->merchant_dropdown), self->merchant_ids->len > 0);

  if (selected == GTK_INVALID_LIST_POSITION && self->merchant_ids->len > 0)
    {
      selected = 0;
      g_free (self->merchant);
      self->merchant = g_strdup (g_ptr_array_index (self->merchant_ids, 0));
      self->dirty = TRUE;
    }
  gtk_drop_down_set_selected (self->merchant_dropdown, selected);
  self->filling_merchants = FALSE;
  if (self->dirty)
    queue_refresh (self);
}

static void
on_merchants_changed_cb (TdDashboard *self)
{
  fill_merchants (self);
}

static void
on_merchant_selected_cb (TdDashboard *self)
{
  guint i = gtk_drop_down_get_selected (self->merchant_dropdown);

  if (self->filling_merchants || i >= self->merchant_ids->len)
    return;
  td_dashboard_set_merchant (self, g_ptr_array_index (self->merchant_ids, i));
}

void
td_dashboard_set_merchant (TdDashboard *self,
                           const char  *merchant_id)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));

  if (g_strcmp0 (self->merchant, merchant_id) == 0)
    return;
  g_free (self->merchant);
  self->merchant = g_strdup (merchant_id);

  for (guint i = 0; i < self->merchant_ids->len; i++)
    if (g_strcmp0 (g_ptr_array_index (self->merchant_ids, i), merchant_id) == 0)
      {
        self->filling_merchants = TRUE;
        gtk_drop_down_set_selected (self->merchant_dropdown, i);
        self->filling_merchants = FALSE;
      }

  /* the previous merchant's figures must not stay on screen */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->in_flight = FALSE;
  td_dashboard_show_stats (self, NULL, TD_DASHBOARD_SOURCE_NONE);
  if (merchant_id != NULL)
    start_refresh (self);
}

const char *
td_dashboard_get_merchant (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  return self->merchant;
}

void
td_dashboard_set_channel (TdDashboard *self,
                          TdChannel   *channel)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));
  g_return_if_fail (channel == NULL || TD_IS_CHANNEL (channel));

  if (self->channel == channel)
    return;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->in_flight = FALSE;
  g_clear_handle_id (&self->throttle_id, g_source_remove);

  g_set_object (&self->channel, channel);
  g_signal_group_set_target (self->channel_signals, channel);
  g_signal_group_set_target (self->store_signals, channel ? td_channel_get_store (channel) : NULL);
  g_clear_pointer (&self->merchant, g_free);
  td_dashboard_show_stats (self, NULL, TD_DASHBOARD_SOURCE_NONE);
  fill_merchants (self);
}

void
td_dashboard_set_throttle (TdDashboard *self,
                           guint        interval_ms)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));
  self->throttle_ms = interval_ms;
}

/* ------------------------------------------------------------------------ */
/* CSV                                                                      */

static void
csv_field (GString    *out,
           const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\r\n") == NULL)
    {
      g_string_append (out, text);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
csv_row_int (GString    *out,
             const char *name,
             gint64      value,
             gboolean    no_value_below_0)
{
  g_string_append (out, name);
  g_string_append_c (out, ',');
  if (!no_value_below_0 || value >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, value);
  g_string_append (out, "\r\n");
}

static void
csv_row_double (GString    *out,
                const char *name,
                double      value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, name);
  g_string_append_c (out, ',');
  if (value >= 0)
    g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
  g_string_append (out, "\r\n");
}

static void
csv_row_text (GString    *out,
              const char *name,
              const char *value)
{
  g_string_append (out, name);
  g_string_append_c (out, ',');
  csv_field (out, value);
  g_string_append (out, "\r\n");
}

static char *
iso_time (gint64 ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);

  return utc ? g_date_time_format_iso8601 (utc) : g_strdup ("");
}

static void
csv_durations (GString                *out,
               const char             *prefix,
               const TdStatsDurations *d,
               gboolean                with_unanswered)
{
  g_autofree char *count = g_strconcat (prefix, "_count", NULL);
  g_autofree char *unanswered = g_strconcat (prefix, "_unanswered", NULL);
  g_autofree char *median = g_strconcat (prefix, "_median_ms", NULL);
  g_autofree char *p90 = g_strconcat (prefix, "_p90_ms", NULL);
  g_autofree char *mean = g_strconcat (prefix, "_mean_ms", NULL);

  csv_row_int (out, count, d->count, FALSE);
  if (with_unanswered)
    csv_row_int (out, unanswered, d->unanswered, FALSE);
  csv_row_int (out, median, d->median_ms, TRUE);
  csv_row_int (out, p90, d->p90_ms, TRUE);
  csv_row_int (out, mean, d->mean_ms, TRUE);
}

char *
td_dashboard_format_csv (const TdStats *s)
{
  GString *out;
  g_autofree char *as_of = NULL;

  g_return_val_if_fail (s != NULL, NULL);

  /* The names are the schema's (docs/metrics.md), not translated: the
   * file is for spreadsheets and scripts. */
  out = g_string_new ("figure,value\r\n");
  as_of = iso_time (s->as_of);
  csv_row_text (out, "merchant", s->merchant);
  csv_row_text (out, "as_of", as_of);
  csv_row_text (out, "tz", s->tz);
  csv_row_int (out, "open", s->open, FALSE);
  csv_row_int (out, "pending", s->pending, FALSE);
  csv_row_int (out, "snoozed", s->snoozed, FALSE);
  csv_row_int (out, "unassigned", s->unassigned, FALSE);
  csv_row_int (out, "waiting", s->waiting, FALSE);
  csv_row_int (out, "longest_wait_ms", s->longest_wait_ms, TRUE);
  csv_row_text (out, "longest_wait_line", s->longest_wait_line);
  csv_durations (out, "first_response_today", &s->first_response_today, TRUE);
  csv_durations (out, "first_response_7_days", &s->first_response_week, TRUE);
  csv_durations (out, "next_response_today", &s->next_response_today, TRUE);
  csv_durations (out, "next_response_7_days", &s->next_response_week, TRUE);
  csv_row_int (out, "resolved_today", s->resolved_today, FALSE);
  csv_durations (out, "resolution_7_days", &s->resolution_week, FALSE);
  csv_row_int (out, "reopen_resolved", s->reopen_resolved, FALSE);
  csv_row_int (out, "reopen_reopened", s->reopen_reopened, FALSE);
  csv_row_double (out, "reopen_rate", s->reopen_rate);
  csv_row_int (out, "csat_count", s->csat_count, FALSE);
  csv_row_double (out, "csat_average", s->csat_average);
  csv_row_int (out, "csat_satisfied", s->csat_satisfied, FALSE);
  csv_row_double (out, "csat_satisfied_share", s->csat_satisfied_share);
  for (int i = 0; i < 5; i++)
    {
      char name[32];

      g_snprintf (name, sizeof name, "csat_score_%d", i + 1);
      csv_row_int (out, name, s->csat_scores[i], FALSE);
    }

  g_string_append (out, "\r\nhour_start,customer_messages,operator_messages\r\n");
  for (int i = 0; i < TD_STATS_HOURS; i++)
    {
      g_autofree char *start = iso_time (s->hours_start + i * TD_STATS_HOUR_MS);

      g_string_append_printf (out, "%s,%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT "\r\n",
                              start, s->customer_per_hour[i], s->operator_per_hour[i]);
    }

  g_string_append (out, "\r\noperator,assigned_open,messages_today,"
                        "first_response_median_ms,next_response_median_ms\r\n");
  for (guint i = 0; s->operators && i < s->operators->len; i++)
    {
      const TdStatsOperator *op = g_ptr_array_index (s->operators, i);

      csv_field (out, op->id);
      g_string_append_printf (out, ",%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT ",",
                              op->assigned_open, op->messages_today);
      if (op->first_response_median_ms >= 0)
        g_string_append_printf (out, "%" G_GINT64_FORMAT, op->first_response_median_ms);
      g_string_append_c (out, ',');
      if (op->next_response_median_ms >= 0)
        g_string_append_printf (out, "%" G_GINT64_FORMAT, op->next_response_median_ms);
      g_string_append (out, "\r\n");
    }

  return g_string_free (out, FALSE);
}

gboolean
td_dashboard_export_csv (TdDashboard  *self,
                         GFile        *file,
                         GError      **error)
{
  g_autofree char *csv = NULL;

  g_return_val_if_fail (TD_IS_DASHBOARD (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  if (self->stats == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("There are no figures to export yet."));
      return FALSE;
    }
  csv = td_dashboard_format_csv (self->stats);
  return g_file_replace_contents (file, csv, strlen (csv), NULL, FALSE,
                                  G_FILE_CREATE_REPLACE_DESTINATION, NULL, NULL, error);
}

static void
toast (TdDashboard *self,
       const char  *text)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
}

static void
on_export_response_cb (GtkNativeDialog *dialog,
                       int              response,
                       gpointer         user_data)
{
  TdDashboard *self = user_data;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GError) error = NULL;

      if (file == NULL)
        ;
      else if (td_dashboard_export_csv (self, file, &error))
        toast (self, _("Figures exported"));
      else
        {
          /* Translators: %s says why, e.g. "Permission denied" */
          g_autofree char *text = g_strdup_printf (_("Could not export the figures: %s"), error->message);

          toast (self, text);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  TdDashboard *self = TD_DASHBOARD (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkFileChooserNative *dialog;
  g_autofree char *stamp = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (self->stats == NULL)
    {
      toast (self, _("There are no figures to export yet."));
      return;
    }

  dialog = gtk_file_chooser_native_new (_("Export Figures"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE,
                                        _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog), TRUE);
  stamp = g_date_time_format (now, "%Y-%m-%d-%H%M");
  name = g_strdup_printf ("tripdesk-%s-%s.csv", self->stats->merchant, stamp);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
refresh_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  td_dashboard_refresh (TD_DASHBOARD (widget));
}

/* ------------------------------------------------------------------------ */
/* The operators table                                                      */

static char *
operator_cell (TdDashboardOperator *op,
               guint                column)
{
  switch (column)
    {
    case 0: return g_strdup (op->id);
    case 1: return format_count (op->assigned_open);
    case 2: return format_count (op->messages_today);
    case 3: return format_duration (op->first_response_median_ms);
    case 4: return format_duration (op->next_response_median_ms);
    default: return NULL;
    }
}

static void
setup_cell_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  guint column = GPOINTER_TO_UINT (user_data);
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), column == 0 ? 0.f : 1.f);
  gtk_widget_set_margin_start (label, 6);
  gtk_widget_set_margin_end (label, 6);
  gtk_widget_set_margin_top (label, 4);
  gtk_widget_set_margin_bottom (label, 4);
  if (column > 0)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
}

static void
bind_cell_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              gpointer                  user_data)
{
  g_autofree char *text = operator_cell (gtk_list_item_get_item (item), GPOINTER_TO_UINT (user_data));

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), text);
}

static void
add_column (TdDashboard *self,
            const char  *title,
            guint        column)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  g_autoptr(GtkColumnViewColumn) col = NULL;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_cell_cb), GUINT_TO_POINTER (column));
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cell_cb), GUINT_TO_POINTER (column));
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, TRUE);
  gtk_column_view_append_column (self->operators_view, col);
}

char *
td_dashboard_dup_operator_cell (TdDashboard *self,
                                guint        position,
                                guint        column)
{
  g_autoptr(TdDashboardOperator) op = NULL;

  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);

  op = g_list_model_get_item (G_LIST_MODEL (self->operators), position);
  return op ? operator_cell (op, column) : NULL;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                */

const TdStats *
td_dashboard_get_stats (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  return self->stats;
}

TdDashboardSource
td_dashboard_get_source (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), TD_DASHBOARD_SOURCE_NONE);
  return self->source;
}

const char *
td_dashboard_get_figure_text (TdDashboard *self,
                              const char  *figure_id)
{
  Card *c;

  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  c = g_hash_table_lookup (self->cards, figure_id);
  return c ? gtk_label_get_text (c->value) : NULL;
}

const char *
td_dashboard_get_figure_detail (TdDashboard *self,
                                const char  *figure_id)
{
  Card *c;

  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  c = g_hash_table_lookup (self->cards, figure_id);
  return c ? gtk_label_get_text (c->detail) : NULL;
}

const char *
td_dashboard_get_empty_title (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "empty") != 0)
    return NULL;
  return adw_status_page_get_title (self->empty_page);
}

const char *
td_dashboard_get_status_text (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  return self->status_text;
}

TdBarChart *
td_dashboard_get_chart (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  return self->chart;
}

GListModel *
td_dashboard_get_operators (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), NULL);
  return G_LIST_MODEL (self->operators);
}

/* ------------------------------------------------------------------------ */
/* GObject                                                                  */

static void
td_dashboard_map (GtkWidget *widget)
{
  TdDashboard *self = TD_DASHBOARD (widget);

  GTK_WIDGET_CLASS (td_dashboard_parent_class)->map (widget);
  self->tick_id = g_timeout_add_seconds (TICK_S, tick_cb, self);
  if (self->dirty || self->stats == NULL)
    queue_refresh (self);
}

static void
td_dashboard_unmap (GtkWidget *widget)
{
  TdDashboard *self = TD_DASHBOARD (widget);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->throttle_id, g_source_remove);
  GTK_WIDGET_CLASS (td_dashboard_parent_class)->unmap (widget);
}

static void
td_dashboard_dispose (GObject *object)
{
  TdDashboard *self = TD_DASHBOARD (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->throttle_id, g_source_remove);
  if (self->channel_signals)
    g_signal_group_set_target (self->channel_signals, NULL);
  if (self->store_signals)
    g_signal_group_set_target (self->store_signals, NULL);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_DASHBOARD);
  td_widget_unparent_children (GTK_WIDGET (self));
  g_clear_object (&self->channel_signals);
  g_clear_object (&self->store_signals);
  g_clear_object (&self->channel);
  g_clear_object (&self->session);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->operators);
  g_clear_object (&self->merchant_names);

  G_OBJECT_CLASS (td_dashboard_parent_class)->dispose (object);
}

static void
td_dashboard_finalize (GObject *object)
{
  TdDashboard *self = TD_DASHBOARD (object);

  g_hash_table_unref (self->cards);
  g_ptr_array_unref (self->merchant_ids);
  g_clear_pointer (&self->stats, td_stats_free);
  g_free (self->merchant);
  g_free (self->status_text);
  g_free (self->sla_merchant);

  G_OBJECT_CLASS (td_dashboard_parent_class)->finalize (object);
}

enum {
  PROP_0,
  PROP_FOLDED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

gboolean
td_dashboard_get_folded (TdDashboard *self)
{
  g_return_val_if_fail (TD_IS_DASHBOARD (self), FALSE);

  return self->folded;
}

void
td_dashboard_set_folded (TdDashboard *self,
                         gboolean     folded)
{
  g_return_if_fail (TD_IS_DASHBOARD (self));

  folded = !!folded;
  if (self->folded == folded)
    return;

  self->folded = folded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

static void
td_dashboard_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TdDashboard *self = TD_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_dashboard_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TdDashboard *self = TD_DASHBOARD (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      td_dashboard_set_folded (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_dashboard_class_init (TdDashboardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_dashboard_dispose;
  object_class->finalize = td_dashboard_finalize;
  object_class->get_property = td_dashboard_get_property;
  object_class->set_property = td_dashboard_set_property;

  /* the window is folded to one pane: a back button, the window's buttons */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  widget_class->map = td_dashboard_map;
  widget_class->unmap = td_dashboard_unmap;

  signals[UPDATED] = g_signal_new ("updated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (TD_TYPE_BAR_CHART);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-dashboard.ui");
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, title);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, merchant_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, offline_label);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, stack);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, empty_page);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, live_box);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, response_box);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, outcome_box);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, chart);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, operators_stack);
  gtk_widget_class_bind_template_child (widget_class, TdDashboard, operators_view);
  gtk_widget_class_bind_template_callback (widget_class, on_merchant_selected_cb);

  gtk_widget_class_install_action (widget_class, "dashboard.export", NULL, export_action);
  gtk_widget_class_install_action (widget_class, "dashboard.refresh", NULL, refresh_action);
}

static void
td_dashboard_init (TdDashboard *self)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  self->cards = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  self->merchant_ids = g_ptr_array_new_with_free_func (g_free);
  self->merchant_names = gtk_string_list_new (NULL);
  self->operators = g_list_store_new (TD_TYPE_DASHBOARD_OPERATOR);
  self->cancellable = g_cancellable_new ();
  self->throttle_ms = DEFAULT_THROTTLE_MS;

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_drop_down_set_model (self->merchant_dropdown, G_LIST_MODEL (self->merchant_names));
  gtk_widget_set_visible (GTK_WIDGET (self->merchant_dropdown), FALSE);

  add_card (self, self->live_box, TD_DASHBOARD_OPEN, C_("line state", "Open"));
  add_card (self, self->live_box, TD_DASHBOARD_WAITING, _("Waiting for an Answer"));
  add_card (self, self->live_box, TD_DASHBOARD_UNASSIGNED, _("Unassigned"));
  add_card (self, self->live_box, TD_DASHBOARD_PENDING, C_("line state", "Pending"));
  add_card (self, self->live_box, TD_DASHBOARD_SNOOZED, C_("line state", "Snoozed"));
  add_card (self, self->response_box, TD_DASHBOARD_FIRST_TODAY, _("First Response · Today"));
  add_card (self, self->response_box, TD_DASHBOARD_FIRST_WEEK, _("First Response · 7 Days"));
  add_card (self, self->response_box, TD_DASHBOARD_NEXT_RESPONSE, _("Next Response · Today"));
  add_card (self, self->response_box, TD_DASHBOARD_SLA_HIT, _("Target Met · 7 Days"));
  add_card (self, self->outcome_box, TD_DASHBOARD_RESOLUTION, _("Resolution · 7 Days"));
  add_card (self, self->outcome_box, TD_DASHBOARD_RESOLVED_TODAY, _("Resolved Today"));
  add_card (self, self->outcome_box, TD_DASHBOARD_REOPEN_RATE, _("Reopen Rate"));
  add_card (self, self->outcome_box, TD_DASHBOARD_CSAT, _("Satisfaction · 7 Days"));

  selection = gtk_no_selection_new (G_LIST_MODEL (g_object_ref (self->operators)));
  gtk_column_view_set_model (self->operators_view, GTK_SELECTION_MODEL (selection));
  add_column (self, _("Operator"), 0);
  add_column (self, _("Open Lines"), 1);
  add_column (self, _("Messages Today"), 2);
  add_column (self, _("First Response"), 3);
  add_column (self, _("Next Response"), 4);

  self->channel_signals = g_signal_group_new (TD_TYPE_CHANNEL);
  g_signal_group_connect_swapped (self->channel_signals, "notify::state",
                                  G_CALLBACK (on_channel_state_cb), self);
  g_signal_group_connect_swapped (self->channel_signals, "notify::merchants",
                                  G_CALLBACK (on_merchants_changed_cb), self);
  self->store_signals = g_signal_group_new (TD_TYPE_STORE);
  g_signal_group_connect_swapped (self->store_signals, "committed",
                                  G_CALLBACK (on_store_committed_cb), self);

  show_figures (self);
}

GtkWidget *
td_dashboard_new (void)
{
  return g_object_new (TD_TYPE_DASHBOARD, NULL);
}

/* td-bar-chart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-bar-chart.h"

#define AXIS_WIDTH     36.f   /* room for the value labels */
#define LABEL_HEIGHT   22.f   /* room for the hour labels */
#define TOP_MARGIN     8.f
#define N_GRID         4

struct _TdBarChart
{
  GtkWidget  parent_instance;

  GArray    *customer;   /* gint64 */
  GArray    *operator_;  /* gint64 */
  gint64     start_ms;
  gint64     bucket_ms;
  gint64     axis_max;
  char      *description;
};

G_DEFINE_FINAL_TYPE (TdBarChart, td_bar_chart, GTK_TYPE_WIDGET)

/* Series colours: GNOME palette blue 3 and orange 4 (apart for colour-blind
 * eyes too), the same in light and dark styles. */
static const GdkRGBA series_color[2] = {
  { 0.208f, 0.518f, 0.894f, 1.f },   /* #3584e4 */
  { 0.902f, 0.380f, 0.000f, 1.f },   /* #e66100 */
};

static gint64
nice_max (gint64 v)
{
  gint64 step = 1;

  if (v <= 4)
    return 4;
  /* 1, 2, 5 × 10^k, times the grid count so the lines fall on integers */
  for (;;)
    {
      if (v <= 1 * step * N_GRID)
        return 1 * step * N_GRID;
      if (v <= 2 * step * N_GRID)
        return 2 * step * N_GRID;
      if (v <= 5 * step * N_GRID)
        return 5 * step * N_GRID;
      step *= 10;
    }
}

static char *
format_hour (gint64 ms)
{
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (ms / 1000);
  g_autoptr(GDateTime) local = utc ? g_date_time_to_local (utc) : NULL;

  return local ? g_date_time_format (local, "%H:%M") : g_strdup ("?");
}

static void
get_fg_color (GtkWidget *widget,
              GdkRGBA   *color)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), color);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
update_description (TdBarChart *self)
{
  gint64 total_c = 0, total_o = 0, best = -1;
  guint best_i = 0;
  guint n = self->customer->len;

  for (guint i = 0; i < n; i++)
    {
      gint64 c = g_array_index (self->customer, gint64, i);
      gint64 o = g_array_index (self->operator_, gint64, i);

      total_c += c;
      total_o += o;
      if (c + o > best)
        {
          best = c + o;
          best_i = i;
        }
    }

  g_free (self->description);
  if (n == 0)
    self->description = g_strdup (_("Messages per hour: no figures yet."));
  else if (total_c + total_o == 0)
    self->description = g_strdup_printf (ngettext ("Messages per hour over the last %u hour: no messages.",
                                                   "Messages per hour over the last %u hours: no messages.",
                                                   n), n);
  else
    {
      g_autofree char *from = format_hour (self->start_ms + best_i * self->bucket_ms);
      g_autofree char *to = format_hour (self->start_ms + (best_i + 1) * self->bucket_ms);
      g_autofree char *hours = g_strdup_printf (ngettext ("Messages per hour over the last %u hour",
                                                          "Messages per hour over the last %u hours",
                                                          n), n);
      g_autofree char *customers = g_strdup_printf (ngettext ("%d from customers",
                                                              "%d from customers",
                                                              (gulong) total_c), (int) total_c);
      g_autofree char *operators = g_strdup_printf (ngettext ("%d from operators",
                                                              "%d from operators",
                                                              (gulong) total_o), (int) total_o);
      g_autofree char *busiest = g_strdup_printf (ngettext ("busiest hour %s–%s with %d message",
                                                            "busiest hour %s–%s with %d messages",
                                                            (gulong) best), from, to, (int) best);

      /* Translators: "Messages per hour over the last 24 hours: 12 from
       * customers, 9 from operators; busiest hour 14:00–15:00 with 6 messages." */
      self->description = g_strdup_printf (_("%s: %s, %s; %s."), hours, customers, operators, busiest);
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, self->description,
                                  -1);
}

static void
td_bar_chart_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TdBarChart *self = TD_BAR_CHART (widget);
  float width = gtk_widget_get_width (widget);
  float height = gtk_widget_get_height (widget);
  float plot_x = AXIS_WIDTH;
  float plot_w = width - AXIS_WIDTH;
  float plot_h = height - LABEL_HEIGHT - TOP_MARGIN;
  guint n = self->customer->len;
  GdkRGBA fg, dim, grid;
  float slot, bar_w;

  if (plot_w <= 10 || plot_h <= 10)
    return;

  get_fg_color (widget, &fg);
  dim = fg;
  dim.alpha *= 0.55f;
  grid = fg;
  grid.alpha *= 0.12f;

  /* grid lines and value labels */
  for (int g = 0; g <= N_GRID; g++)
    {
      float y = TOP_MARGIN + plot_h - plot_h * g / N_GRID;
      g_autofree char *text = g_strdup_printf ("%" G_GINT64_FORMAT, self->axis_max * g / N_GRID);
      g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
      int lw, lh;

      gtk_snapshot_append_color (snapshot, &grid, &GRAPHENE_RECT_INIT (plot_x, y, plot_w, 1));
      pango_layout_get_pixel_size (layout, &lw, &lh);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (AXIS_WIDTH - 6 - lw, y - lh / 2.f));
      gtk_snapshot_append_layout (snapshot, layout, &dim);
      gtk_snapshot_restore (snapshot);
    }

  if (n == 0)
    return;

  slot = plot_w / n;
  bar_w = MAX (1.f, slot * 0.78f / 2.f);

  for (guint i = 0; i < n; i++)
    {
      for (int s = 0; s < 2; s++)
        {
          GArray *values = s == 0 ? self->customer : self->operator_;
          gint64 v = g_array_index (values, gint64, i);
          float h = self->axis_max > 0 ? plot_h * (float) v / (float) self->axis_max : 0;
          float x = plot_x + i * slot + slot * 0.11f + s * bar_w;
          GskRoundedRect rect;
          float r;

          if (v <= 0)
            continue;
          h = MAX (h, 2.f);
          r = MIN (3.f, MIN (bar_w / 2.f, h / 2.f));
          gsk_rounded_rect_init (&rect, &GRAPHENE_RECT_INIT (x, TOP_MARGIN + plot_h - h, bar_w, h),
                                 &GRAPHENE_SIZE_INIT (r, r), &GRAPHENE_SIZE_INIT (r, r),
                                 &GRAPHENE_SIZE_INIT (0, 0), &GRAPHENE_SIZE_INIT (0, 0));
          gtk_snapshot_push_rounded_clip (snapshot, &rect);
          gtk_snapshot_append_color (snapshot, &series_color[s], &rect.bounds);
          gtk_snapshot_pop (snapshot);
        }

      /* an hour label every 3 buckets, the last one included */
      if ((n - 1 - i) % 3 == 0)
        {
          g_autofree char *text = format_hour (self->start_ms + i * self->bucket_ms);
          g_autoptr(PangoLayout) layout = gtk_widget_create_pango_layout (widget, text);
          int lw, lh;
          float lx;

          pango_layout_get_pixel_size (layout, &lw, &lh);
          lx = plot_x + i * slot + slot / 2.f - lw / 2.f;
          lx = CLAMP (lx, plot_x, width - lw);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (lx, TOP_MARGIN + plot_h + 4));
          gtk_snapshot_append_layout (snapshot, layout, &dim);
          gtk_snapshot_restore (snapshot);
        }
    }
}

static void
td_bar_chart_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 240;
      *natural = 640;
    }
  else
    {
      *minimum = 140;
      *natural = 200;
    }
}

static gboolean
td_bar_chart_query_tooltip (GtkWidget  *widget,
                            int         x,
                            int         y,
                            gboolean    keyboard_mode,
                            GtkTooltip *tooltip)
{
  TdBarChart *self = TD_BAR_CHART (widget);
  float plot_w = gtk_widget_get_width (widget) - AXIS_WIDTH;
  guint n = self->customer->len;
  g_autofree char *from = NULL;
  g_autofree char *text = NULL;
  int i;

  if (n == 0 || plot_w <= 0 || x < AXIS_WIDTH)
    return FALSE;
  i = (int) ((x - AXIS_WIDTH) / (plot_w / n));
  if (i < 0 || (guint) i >= n)
    return FALSE;

  from = format_hour (self->start_ms + i * self->bucket_ms);
  /* Translators: a tooltip over one hour of the chart */
  text = g_strdup_printf (_("%s\nCustomers: %d\nOperators: %d"),
                          from,
                          (int) g_array_index (self->customer, gint64, i),
                          (int) g_array_index (self->operator_, gint64, i));
  gtk_tooltip_set_text (tooltip, text);
  return TRUE;
}

static void
td_bar_chart_finalize (GObject *object)
{
  TdBarChart *self = TD_BAR_CHART (object);

  g_array_unref (self->customer);
  g_array_unref (self->operator_);
  g_free (self->description);

  G_OBJECT_CLASS (td_bar_chart_parent_class)->finalize (object);
}

static void
td_bar_chart_class_init (TdBarChartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = td_bar_chart_finalize;
  widget_class->snapshot = td_bar_chart_snapshot;
  widget_class->measure = td_bar_chart_measure;
  widget_class->query_tooltip = td_bar_chart_query_tooltip;

  gtk_widget_class_set_css_name (widget_class, "barchart");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
td_bar_chart_init (TdBarChart *self)
{
  self->customer = g_array_new (FALSE, TRUE, sizeof (gint64));
  self->operator_ = g_array_new (FALSE, TRUE, sizeof (gint64));
  self->bucket_ms = 3600000;
  self->axis_max = nice_max (0);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Messages per hour"),
                                  -1);
  update_description (self);
}

GtkWidget *
td_bar_chart_new (void)
{
  return g_object_new (TD_TYPE_BAR_CHART, NULL);
}

void
td_bar_chart_set_data (TdBarChart   *self,
                       gint64        start_ms,
                       gint64        bucket_ms,
                       const gint64 *customer,
                       const gint64 *operator_,
                       guint         n_buckets)
{
  gint64 top = 0;

  g_return_if_fail (TD_IS_BAR_CHART (self));
  g_return_if_fail (n_buckets == 0 || (customer != NULL && operator_ != NULL));
  g_return_if_fail (bucket_ms > 0);

  g_array_set_size (self->customer, 0);
  g_array_set_size (self->operator_, 0);
  g_array_append_vals (self->customer, customer, n_buckets);
  g_array_append_vals (self->operator_, operator_, n_buckets);
  self->start_ms = start_ms;
  self->bucket_ms = bucket_ms;
  for (guint i = 0; i < n_buckets; i++)
    top = MAX (top, MAX (customer[i], operator_[i]));
  self->axis_max = nice_max (top);

  update_description (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
td_bar_chart_clear (TdBarChart *self)
{
  g_return_if_fail (TD_IS_BAR_CHART (self));

  td_bar_chart_set_data (self, 0, 3600000, NULL, NULL, 0);
}

guint
td_bar_chart_get_n_buckets (TdBarChart *self)
{
  g_return_val_if_fail (TD_IS_BAR_CHART (self), 0);
  return self->customer->len;
}

gint64
td_bar_chart_get_value (TdBarChart       *self,
                        TdBarChartSeries  series,
                        guint             bucket)
{
  GArray *values;

  g_return_val_if_fail (TD_IS_BAR_CHART (self), 0);
  values = series == TD_BAR_CHART_OPERATOR ? self->operator_ : self->customer;
  g_return_val_if_fail (bucket < values->len, 0);
  return g_array_index (values, gint64, bucket);
}

gint64
td_bar_chart_get_axis_max (TdBarChart *self)
{
  g_return_val_if_fail (TD_IS_BAR_CHART (self), 0);
  return self->axis_max;
}

const char *
td_bar_chart_get_description (TdBarChart *self)
{
  g_return_val_if_fail (TD_IS_BAR_CHART (self), NULL);
  return self->description;
}

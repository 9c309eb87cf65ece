/* td-sla-badge.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-sla-badge.h"
#include "td-widget-util.h"

/*
 * One widget that draws its own text (no label child): a list builds a
 * few hundred of these at once.  Every shown badge is refreshed by one
 * shared one-second tick, not a timer each.
 */
struct _TdSlaBadge
{
  GtkWidget    parent_instance;

  char        *text;
  PangoLayout *layout;     /* made at the first measure, dropped on a change */

  TdLine      *line;
  gulong       notify_id;
  gulong       changed_id;
  TdSlaLevel   level;
  gint64       remaining;  /* ms, when level != NONE */
  gint64       waited;     /* ms, when shown */
};

G_DEFINE_FINAL_TYPE (TdSlaBadge, td_sla_badge, GTK_TYPE_WIDGET)

static const char *classes[] = { "sla-ok", "sla-warning", "sla-critical", "sla-breached" };

/* ---- the shared tick ---- */

static gboolean on_tick_cb (gpointer data);

/* the badges on screen that count */
static TdTicker ticker = TD_TICKER_INIT (1, "[tripdesk] SLA badges", on_tick_cb);

static gboolean
on_tick_cb (gpointer data)
{
  GPtrArray *shown = ticker.members;
  /* a copy: a refresh may hide a badge */
  g_autoptr(GPtrArray) now = g_ptr_array_new_full (shown->len, g_object_unref);

  for (guint i = 0; i < shown->len; i++)
    g_ptr_array_add (now, g_object_ref (g_ptr_array_index (shown, i)));
  for (guint i = 0; i < now->len; i++)
    td_sla_badge_refresh (g_ptr_array_index (now, i));

  return G_SOURCE_CONTINUE;
}

static void
set_ticking (TdSlaBadge *self,
             gboolean    on)
{
  td_ticker_set (&ticker, self, on);
}

guint
td_sla_badge_get_n_ticking (void)
{
  return td_ticker_get_size (&ticker);
}

/* ---- text ---- */

char *
td_sla_format_remaining (gint64 remaining_ms)
{
  gint64 s = ABS (remaining_ms) / 1000;

  if (remaining_ms >= 0)
    {
      if (s >= 3600)
        /* Translators: time left to answer a customer, hours and minutes */
        return g_strdup_printf (_("%d:%02d h left"), (int) (s / 3600), (int) (s / 60 % 60));
      /* Translators: time left to answer a customer, minutes:seconds */
      return g_strdup_printf (_("%d:%02d left"), (int) (s / 60), (int) (s % 60));
    }
  else
    {
      g_autofree char *duration = td_format_duration (MAX (ABS (remaining_ms), 1000));

      /* Translators: the first-response target was missed by %s */
      return g_strdup_printf (_("Overdue %s"), duration);
    }
}

static void
set_text (TdSlaBadge *self,
          const char *text)
{
  if (g_strcmp0 (self->text, text) == 0)
    return;

  g_free (self->text);
  self->text = g_strdup (text);
  if (self->layout)
    pango_layout_set_text (self->layout, text ? text : "", -1);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
update_accessible (TdSlaBadge *self)
{
  g_autofree char *countdown = td_sla_badge_dup_countdown (self);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->text ? self->text : "",
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, countdown ? countdown : "",
                                  -1);
}

void
td_sla_badge_refresh (TdSlaBadge *self)
{
  TdSla *sla = td_sla_get_default ();
  gint64 remaining = 0, since = 0, now;
  TdSlaLevel level = TD_SLA_NONE;
  gboolean waiting;
  const char *css;

  g_return_if_fail (TD_IS_SLA_BADGE (self));

  waiting = self->line != NULL &&
            td_line_get_state (self->line) == TD_LINE_STATE_OPEN &&
            (since = td_line_get_waiting_since (self->line)) > 0;
  if (waiting)
    level = td_sla_level (sla, self->line, &remaining);

  self->level = level;
  self->remaining = remaining;
  css = td_sla_level_to_css (level);
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    td_widget_set_css_class (GTK_WIDGET (self), classes[i], g_strcmp0 (css, classes[i]) == 0);

  if (!waiting)
    {
      set_ticking (self, FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      return;
    }

  now = td_sla_now (sla);
  self->waited = MAX (now - since, 0);
  {
    g_autofree char *duration = td_format_duration (self->waited);
    /* Translators: how long the customer has been waiting for an answer */
    g_autofree char *text = g_strdup_printf (_("Waiting %s"), duration);

    if (g_strcmp0 (text, self->text) != 0)
      {
        set_text (self, text);
        update_accessible (self);
      }
  }
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  set_ticking (self, gtk_widget_get_mapped (GTK_WIDGET (self)));
}

static gboolean
on_query_tooltip_cb (TdSlaBadge *self,
                     int         x,
                     int         y,
                     gboolean    keyboard,
                     GtkTooltip *tooltip)
{
  g_autofree char *countdown = td_sla_badge_dup_countdown (self);

  if (countdown == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, countdown);

  return TRUE;
}

static void
on_line_notify_cb (TdSlaBadge *self,
                   GParamSpec *pspec)
{
  const char *name = pspec->name;

  if (g_str_equal (name, "waiting-since") || g_str_equal (name, "state") ||
      g_str_equal (name, "merchant"))
    td_sla_badge_refresh (self);
}

void
td_sla_badge_set_line (TdSlaBadge *self,
                       TdLine     *line)
{
  g_return_if_fail (TD_IS_SLA_BADGE (self));
  g_return_if_fail (line == NULL || TD_IS_LINE (line));

  if (self->line == line)
    return;

  if (self->line)
    g_clear_signal_handler (&self->notify_id, self->line);
  g_set_object (&self->line, line);
  if (line)
    self->notify_id = g_signal_connect_object (line, "notify", G_CALLBACK (on_line_notify_cb),
                                               self, G_CONNECT_SWAPPED);
  td_sla_badge_refresh (self);
}

TdSlaLevel
td_sla_badge_get_level (TdSlaBadge *self)
{
  g_return_val_if_fail (TD_IS_SLA_BADGE (self), TD_SLA_NONE);

  return self->level;
}

const char *
td_sla_badge_get_text (TdSlaBadge *self)
{
  g_return_val_if_fail (TD_IS_SLA_BADGE (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self)) ? self->text : NULL;
}

char *
td_sla_badge_dup_countdown (TdSlaBadge *self)
{
  g_return_val_if_fail (TD_IS_SLA_BADGE (self), NULL);

  if (self->level == TD_SLA_NONE)
    return NULL;

  return td_sla_format_remaining (self->remaining);
}

/* ---- GtkWidget ---- */

static void
ensure_layout (TdSlaBadge *self)
{
  PangoAttrList *attrs;

  if (self->layout != NULL)
    return;

  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), self->text);
  /* tabular digits, as the "numeric" class gives a GtkLabel: the badge
   * counts seconds and should not wobble */
  attrs = pango_attr_list_new ();
  pango_attr_list_insert (attrs, pango_attr_font_features_new ("tnum=1"));
  pango_layout_set_attributes (self->layout, attrs);
  pango_attr_list_unref (attrs);
}

static void
td_sla_badge_measure (GtkWidget      *widget,
                      GtkOrientation  orientation,
                      int             for_size,
                      int            *minimum,
                      int            *natural,
                      int            *minimum_baseline,
                      int            *natural_baseline)
{
  TdSlaBadge *self = TD_SLA_BADGE (widget);
  int w, h;

  ensure_layout (self);
  pango_layout_get_pixel_size (self->layout, &w, &h);
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    *minimum = *natural = w;
  else
    {
      *minimum = *natural = h;
      *minimum_baseline = *natural_baseline = pango_layout_get_baseline (self->layout) / PANGO_SCALE;
    }
}

static void
td_sla_badge_snapshot (GtkWidget   *widget,
                       GtkSnapshot *snapshot)
{
  TdSlaBadge *self = TD_SLA_BADGE (widget);
  int h;
  GdkRGBA color;

  ensure_layout (self);
  pango_layout_get_pixel_size (self->layout, NULL, &h);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (0, (gtk_widget_get_height (widget) - h) / 2.f));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
td_sla_badge_css_changed (GtkWidget         *widget,
                          GtkCssStyleChange *change)
{
  /* the font may have changed */
  g_clear_object (&TD_SLA_BADGE (widget)->layout);
  GTK_WIDGET_CLASS (td_sla_badge_parent_class)->css_changed (widget, change);
}

static void
td_sla_badge_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (td_sla_badge_parent_class)->map (widget);
  td_sla_badge_refresh (TD_SLA_BADGE (widget));
}

static void
td_sla_badge_unmap (GtkWidget *widget)
{
  set_ticking (TD_SLA_BADGE (widget), FALSE);
  GTK_WIDGET_CLASS (td_sla_badge_parent_class)->unmap (widget);
}

static void
td_sla_badge_dispose (GObject *object)
{
  TdSlaBadge *self = TD_SLA_BADGE (object);

  set_ticking (self, FALSE);
  if (self->line)
    g_clear_signal_handler (&self->notify_id, self->line);
  g_clear_signal_handler (&self->changed_id, td_sla_get_default ());
  g_clear_object (&self->line);

  G_OBJECT_CLASS (td_sla_badge_parent_class)->dispose (object);
}

static void
td_sla_badge_finalize (GObject *object)
{
  TdSlaBadge *self = TD_SLA_BADGE (object);

  g_free (self->text);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (td_sla_badge_parent_class)->finalize (object);
}

static void
td_sla_badge_class_init (TdSlaBadgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_sla_badge_dispose;
  object_class->finalize = td_sla_badge_finalize;
  widget_class->measure = td_sla_badge_measure;
  widget_class->snapshot = td_sla_badge_snapshot;
  widget_class->css_changed = td_sla_badge_css_changed;
  widget_class->map = td_sla_badge_map;
  widget_class->unmap = td_sla_badge_unmap;

  gtk_widget_class_set_css_name (widget_class, "sla-badge");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
td_sla_badge_init (TdSlaBadge *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  gtk_widget_set_valign (widget, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (widget, "numeric");
  gtk_widget_add_css_class (widget, "caption");
  gtk_widget_set_visible (widget, FALSE);
  gtk_widget_set_has_tooltip (widget, TRUE);
  g_signal_connect (self, "query-tooltip", G_CALLBACK (on_query_tooltip_cb), NULL);
  self->changed_id = g_signal_connect_object (td_sla_get_default (), "changed",
                                              G_CALLBACK (td_sla_badge_refresh), self,
                                              G_CONNECT_SWAPPED);
}

GtkWidget *
td_sla_badge_new (void)
{
  return g_object_new (TD_TYPE_SLA_BADGE, NULL);
}

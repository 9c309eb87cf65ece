/* td-sla-badge.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-sla-badge.h"
#include "td-widget-util.h"

struct _TdSlaBadge
{
  GtkWidget   parent_instance;

  GtkLabel   *label;

  TdLine     *line;
  gulong      notify_id;
  gulong      changed_id;
  guint       timer_id;
  TdSlaLevel  level;
};

G_DEFINE_FINAL_TYPE (TdSlaBadge, td_sla_badge, GTK_TYPE_WIDGET)

static const char *classes[] = { "sla-ok", "sla-warning", "sla-critical", "sla-breached" };

static char *
format_remaining (gint64 remaining_ms)
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

static gboolean
on_tick_cb (gpointer data)
{
  td_sla_badge_refresh (data);

  return G_SOURCE_CONTINUE;
}

void
td_sla_badge_refresh (TdSlaBadge *self)
{
  gint64 remaining = 0;
  TdSlaLevel level = TD_SLA_NONE;

  g_return_if_fail (TD_IS_SLA_BADGE (self));

  if (self->line)
    level = td_sla_level (td_sla_get_default (), self->line, &remaining);

  self->level = level;
  for (guint i = 0; i < G_N_ELEMENTS (classes); i++)
    td_widget_set_css_class (GTK_WIDGET (self), classes[i],
                             g_strcmp0 (td_sla_level_to_css (level), classes[i]) == 0);

  if (level == TD_SLA_NONE)
    {
      gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
      g_clear_handle_id (&self->timer_id, g_source_remove);
      return;
    }

  {
    g_autofree char *text = format_remaining (remaining);

    gtk_label_set_text (self->label, text);
  }
  gtk_widget_set_visible (GTK_WIDGET (self), TRUE);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (1, on_tick_cb, self);
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

  return self->level == TD_SLA_NONE ? NULL : gtk_label_get_text (self->label);
}

static void
td_sla_badge_dispose (GObject *object)
{
  TdSlaBadge *self = TD_SLA_BADGE (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  if (self->line)
    g_clear_signal_handler (&self->notify_id, self->line);
  g_clear_signal_handler (&self->changed_id, td_sla_get_default ());
  g_clear_object (&self->line);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_SLA_BADGE);

  G_OBJECT_CLASS (td_sla_badge_parent_class)->dispose (object);
}

static void
td_sla_badge_class_init (TdSlaBadgeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_sla_badge_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-sla-badge.ui");
  gtk_widget_class_bind_template_child (widget_class, TdSlaBadge, label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "sla-badge");
}

static void
td_sla_badge_init (TdSlaBadge *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  self->changed_id = g_signal_connect_object (td_sla_get_default (), "changed",
                                              G_CALLBACK (td_sla_badge_refresh), self,
                                              G_CONNECT_SWAPPED);
}

GtkWidget *
td_sla_badge_new (void)
{
  return g_object_new (TD_TYPE_SLA_BADGE, NULL);
}

/* td-snooze-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-snooze-dialog.h"

struct _TdSnoozeDialog
{
  AdwWindow      parent_instance;

  GtkCalendar   *calendar;
  GtkSpinButton *hour;
  GtkSpinButton *minute;
};

G_DEFINE_FINAL_TYPE (TdSnoozeDialog, td_snooze_dialog, ADW_TYPE_WINDOW)

enum {
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

gint64
td_snooze_preset_until (const char *preset,
                        GDateTime  *now)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) tomorrow = NULL;
  g_autoptr(GDateTime) at = NULL;

  g_return_val_if_fail (preset != NULL && now != NULL, -1);

  if (g_str_equal (preset, "reply"))
    return 0;
  if (g_str_equal (preset, "1h"))
    return g_date_time_to_unix (now) * 1000 + g_date_time_get_microsecond (now) / 1000 +
           3600 * 1000;
  if (!g_str_equal (preset, "tomorrow"))
    return -1;

  local = g_date_time_to_local (now);
  tomorrow = g_date_time_add_days (local, 1);
  at = g_date_time_new_local (g_date_time_get_year (tomorrow), g_date_time_get_month (tomorrow),
                              g_date_time_get_day_of_month (tomorrow), 9, 0, 0);

  return g_date_time_to_unix (at) * 1000;
}

gint64
td_snooze_dialog_get_custom (TdSnoozeDialog *self)
{
  g_autoptr(GDateTime) day = NULL;
  g_autoptr(GDateTime) at = NULL;

  g_return_val_if_fail (TD_IS_SNOOZE_DIALOG (self), 0);

  day = gtk_calendar_get_date (self->calendar);
  at = g_date_time_new_local (g_date_time_get_year (day), g_date_time_get_month (day),
                              g_date_time_get_day_of_month (day),
                              gtk_spin_button_get_value_as_int (self->hour),
                              gtk_spin_button_get_value_as_int (self->minute), 0);

  return g_date_time_to_unix (at) * 1000;
}

void
td_snooze_dialog_set_custom (TdSnoozeDialog *self,
                             GDateTime      *when)
{
  g_autoptr(GDateTime) local = NULL;

  g_return_if_fail (TD_IS_SNOOZE_DIALOG (self));

  local = g_date_time_to_local (when);
  gtk_calendar_select_day (self->calendar, local);
  gtk_spin_button_set_value (self->hour, g_date_time_get_hour (local));
  gtk_spin_button_set_value (self->minute, g_date_time_get_minute (local));
}

static void
choose (TdSnoozeDialog *self,
        gint64          until)
{
  g_object_ref (self);
  g_signal_emit (self, signals[CHOSEN], 0, until);
  gtk_window_close (GTK_WINDOW (self));
  g_object_unref (self);
}

void
td_snooze_dialog_choose_custom (TdSnoozeDialog *self)
{
  g_return_if_fail (TD_IS_SNOOZE_DIALOG (self));

  choose (self, td_snooze_dialog_get_custom (self));
}

static void
preset (TdSnoozeDialog *self,
        const char     *name)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  choose (self, td_snooze_preset_until (name, now));
}

static void on_hour_clicked_cb (TdSnoozeDialog *self) { preset (self, "1h"); }
static void on_tomorrow_clicked_cb (TdSnoozeDialog *self) { preset (self, "tomorrow"); }
static void on_reply_clicked_cb (TdSnoozeDialog *self) { preset (self, "reply"); }
static void on_custom_clicked_cb (TdSnoozeDialog *self) { td_snooze_dialog_choose_custom (self); }

static void
td_snooze_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_SNOOZE_DIALOG);

  G_OBJECT_CLASS (td_snooze_dialog_parent_class)->dispose (object);
}

static void
td_snooze_dialog_class_init (TdSnoozeDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_snooze_dialog_dispose;

  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-snooze-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdSnoozeDialog, calendar);
  gtk_widget_class_bind_template_child (widget_class, TdSnoozeDialog, hour);
  gtk_widget_class_bind_template_child (widget_class, TdSnoozeDialog, minute);
  gtk_widget_class_bind_template_callback (widget_class, on_hour_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_tomorrow_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_reply_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_custom_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
td_snooze_dialog_init (TdSnoozeDialog *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GDateTime) later = g_date_time_add_hours (now, 3);

  gtk_widget_init_template (GTK_WIDGET (self));
  td_snooze_dialog_set_custom (self, later);
}

GtkWidget *
td_snooze_dialog_new (GtkWindow *parent)
{
  return g_object_new (TD_TYPE_SNOOZE_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
}

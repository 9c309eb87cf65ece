/* td-snooze-dialog.h — snooze a line until a time, or until the customer writes
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TD_TYPE_SNOOZE_DIALOG (td_snooze_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdSnoozeDialog, td_snooze_dialog, TD, SNOOZE_DIALOG, AdwWindow)

/*
 * Signals: "chosen": void (TdSnoozeDialog *, gint64 until_ms) — 0 means
 * until the customer writes.  The dialog closes itself after it.
 */
GtkWidget *td_snooze_dialog_new      (GtkWindow *parent);
/* Presets: "1h" (an hour after @now), "tomorrow" (9:00 local, the next
 * day), "reply" (0).  -1 for an unknown preset. */
gint64     td_snooze_preset_until    (const char *preset,
                                      GDateTime  *now);
/* The custom date and time as chosen (ms; local time). */
gint64     td_snooze_dialog_get_custom (TdSnoozeDialog *self);
void       td_snooze_dialog_set_custom (TdSnoozeDialog *self,
                                        GDateTime      *when);
/* As if the operator pressed "Snooze" (the custom time). */
void       td_snooze_dialog_choose_custom (TdSnoozeDialog *self);

G_END_DECLS

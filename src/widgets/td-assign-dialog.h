/* td-assign-dialog.h — assign a line to me, to a teammate, or to nobody
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TD_TYPE_ASSIGN_DIALOG (td_assign_dialog_get_type ())
G_DECLARE_FINAL_TYPE (TdAssignDialog, td_assign_dialog, TD, ASSIGN_DIALOG, AdwWindow)

/*
 * Signals: "chosen": void (TdAssignDialog *, const char *uid) — NULL to
 * unassign.  The dialog closes itself after it.
 */
GtkWidget *td_assign_dialog_new          (GtkWindow *parent);
/* Parallel arrays: operator uids and their names (names may be ""). */
void       td_assign_dialog_set_teammates (TdAssignDialog     *self,
                                           const char * const *uids,
                                           const char * const *names,
                                           const char         *me,
                                           const char         *current);
guint      td_assign_dialog_get_n_teammates (TdAssignDialog *self);
/* As if the operator picked row @index (the last row: unassign). */
void       td_assign_dialog_choose       (TdAssignDialog *self,
                                          guint           index);

G_END_DECLS

/* td-canned-popover.h — pick a quick reply: a filtered list in a popover
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_TYPE_CANNED_POPOVER (td_canned_popover_get_type ())
G_DECLARE_FINAL_TYPE (TdCannedPopover, td_canned_popover, TD, CANNED_POPOVER, GtkPopover)

/*
 * Signals: "chosen": void (TdCannedPopover *, const char *text) — a reply
 * was activated (click, or Enter in the filter: the first one shown); the
 * popover pops down after it.
 */
GtkWidget  *td_canned_popover_new         (void);
void        td_canned_popover_set_replies (TdCannedPopover    *self,
                                           const char * const *replies);
const char * const *td_canned_popover_get_replies (TdCannedPopover *self);
/* Case-insensitive substring filter (also what the filter entry holds). */
void        td_canned_popover_set_filter  (TdCannedPopover *self,
                                           const char      *filter);
const char *td_canned_popover_get_filter   (TdCannedPopover *self);
guint       td_canned_popover_get_n_shown (TdCannedPopover *self);
/* Activates the first reply shown; FALSE if none. */
gboolean    td_canned_popover_choose_first (TdCannedPopover *self);

G_END_DECLS

/* td-composer.h — the message entry under the chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "td-canned-popover.h"

G_BEGIN_DECLS

#define TD_TYPE_COMPOSER (td_composer_get_type ())
G_DECLARE_FINAL_TYPE (TdComposer, td_composer, TD, COMPOSER, GtkWidget)

/*
 * Signals:
 *   "send": void (TdComposer *, const char *text) — Enter (or the button)
 *           with non-blank text; the composer is cleared after it.
 *   "typing": void (TdComposer *) — the text changed; at most once per
 *           TD_TYPING_REPEAT_MS (throttled here).
 */

GtkWidget *td_composer_new        (void);
char      *td_composer_dup_text   (TdComposer *self);
void       td_composer_set_text   (TdComposer *self,
                                   const char *text);
/* As if the operator pressed Enter. Returns TRUE if "send" was emitted. */
gboolean   td_composer_submit     (TdComposer *self);
void       td_composer_grab_focus (TdComposer *self);
/* The clock used for throttling (tests); NULL = td_now_ms. */
void       td_composer_set_clock  (TdComposer *self,
                                   gint64    (*now) (void));
GtkTextView *td_composer_get_text_view (TdComposer *self);

/* ---- tools: internal notes and quick replies ---- */
/* Note mode: a tinted composer whose text is sent as an internal `note`
 * (the chat view asks td_composer_get_note_mode() when it sends). */
void       td_composer_set_note_mode (TdComposer *self,
                                      gboolean    note_mode);
gboolean   td_composer_get_note_mode (TdComposer *self);
/* Inserts at the cursor (replacing the selection) and focuses the text. */
void       td_composer_insert_text   (TdComposer *self,
                                      const char *text);
/* The quick replies of the line's merchant (Ctrl+1…9, `/`, the button). */
void       td_composer_set_quick_replies  (TdComposer         *self,
                                           const char * const *replies);
/* Inserts reply @index (0-based); FALSE when there is none. */
gboolean   td_composer_insert_quick_reply (TdComposer *self,
                                           guint       index);
/* Pops up the filtered list (@filter nullable). */
void       td_composer_show_quick_replies (TdComposer *self,
                                           const char *filter);
TdCannedPopover *td_composer_get_canned_popover (TdComposer *self);

G_END_DECLS

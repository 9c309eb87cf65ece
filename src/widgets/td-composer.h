/* td-composer.h — the message entry under the chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

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

G_END_DECLS

/* td-note-bubble.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_NOTE_BUBBLE (td_note_bubble_get_type ())
G_DECLARE_FINAL_TYPE (TdNoteBubble, td_note_bubble, TD, NOTE_BUBBLE, GtkWidget)

GtkWidget *td_note_bubble_new (void);

G_END_DECLS

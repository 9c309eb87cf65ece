/* td-text-bubble.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_TEXT_BUBBLE (td_text_bubble_get_type ())
G_DECLARE_FINAL_TYPE (TdTextBubble, td_text_bubble, TD, TEXT_BUBBLE, GtkWidget)

GtkWidget *td_text_bubble_new (void);

G_END_DECLS

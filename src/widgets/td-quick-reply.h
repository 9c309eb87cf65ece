/* td-quick-reply.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_QUICK_REPLY (td_quick_reply_get_type ())
G_DECLARE_FINAL_TYPE (TdQuickReply, td_quick_reply, TD, QUICK_REPLY, GtkWidget)

GtkWidget *td_quick_reply_new (void);

G_END_DECLS

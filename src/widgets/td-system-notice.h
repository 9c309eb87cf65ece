/* td-system-notice.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_SYSTEM_NOTICE (td_system_notice_get_type ())
G_DECLARE_FINAL_TYPE (TdSystemNotice, td_system_notice, TD, SYSTEM_NOTICE, GtkWidget)

GtkWidget *td_system_notice_new (void);

G_END_DECLS

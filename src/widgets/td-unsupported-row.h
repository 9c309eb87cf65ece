/* td-unsupported-row.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_UNSUPPORTED_ROW (td_unsupported_row_get_type ())
G_DECLARE_FINAL_TYPE (TdUnsupportedRow, td_unsupported_row, TD, UNSUPPORTED_ROW, GtkWidget)

GtkWidget *td_unsupported_row_new (void);

G_END_DECLS

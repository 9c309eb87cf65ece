/* td-line-row.h — one row of the line list
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-line.h"

G_BEGIN_DECLS

#define TD_TYPE_LINE_ROW (td_line_row_get_type ())
G_DECLARE_FINAL_TYPE (TdLineRow, td_line_row, TD, LINE_ROW, GtkWidget)

GtkWidget *td_line_row_new         (void);
/* Follows @line's notifications until another line (or NULL) is set. */
void       td_line_row_set_line    (TdLineRow  *self,
                                    TdLine     *line);
TdLine    *td_line_row_get_line    (TdLineRow  *self);
/* Used for the merchant's name under the customer (nullable). */
void       td_line_row_set_merchant_name (TdLineRow  *self,
                                          const char *name);
/* Re-renders the relative times against @now_ms (0 = the clock).  In a
 * list, a row far from the viewport does nothing until it comes near. */
void       td_line_row_refresh     (TdLineRow  *self,
                                    gint64      now_ms);

/* @title without a leading "@merchant_name · " (the server's titles start
 * with the merchant); NULL when nothing else is left. */
const char *td_line_strip_merchant (const char *title,
                                    const char *merchant_name);

/* The title to show: without the merchant, "order/TD-1" as "Order TD-1"
 * (owned, NULL when nothing is left). */
char       *td_line_dup_display_title (const char *title,
                                       const char *merchant_name);

/* The translated, user-facing name of a busi ("Inquiry", "Feedback"…). */
const char *td_busi_get_label      (TdBusi busi);

/* The waiting badge (how long, coloured by the first-response level). */
struct _TdSlaBadge *td_line_row_get_sla_badge (TdLineRow *self);
/* What assistive technologies read for the row (customer, unread, kind,
 * merchant and title, preview, waiting, time); NULL while dormant. */
const char *td_line_row_get_accessible_label (TdLineRow *self);
/* Whether the row has made its children: in a list, a row far from the
 * viewport has none until it is scrolled near (tests). */
gboolean    td_line_row_is_awake   (TdLineRow  *self);
/* How many rows the shared 20 s tick refreshes (tests). */
guint       td_line_row_get_n_ticking (void);

G_END_DECLS

/* td-context-pane.h — the customer's context beside the chat
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "td-store.h"

G_BEGIN_DECLS

#define TD_TYPE_CONTEXT_PANE (td_context_pane_get_type ())
G_DECLARE_FINAL_TYPE (TdContextPane, td_context_pane, TD, CONTEXT_PANE, GtkWidget)

/*
 * The orders, hotels and flights mentioned in the line (from its cards),
 * the customer's other lines, and their previous ratings — all from the
 * local cache.  Signals: "open-line": void (TdContextPane *, const char
 * *line_id) — another line of the customer was activated.
 * "updated": void — the pane shows the current line's data.
 */
GtkWidget *td_context_pane_new        (void);
void       td_context_pane_set_store  (TdContextPane *self,
                                       TdStore       *store);
/* @line: (nullable) */
void       td_context_pane_set_line   (TdContextPane *self,
                                       TdLine        *line);
TdLine    *td_context_pane_get_line   (TdContextPane *self);
/* What is shown (tests): counts of rows per section. */
guint      td_context_pane_get_n_mentions    (TdContextPane *self);
guint      td_context_pane_get_n_other_lines (TdContextPane *self);
guint      td_context_pane_get_n_ratings     (TdContextPane *self);
gboolean   td_context_pane_get_busy   (TdContextPane *self);
/* One line of text for a card body ("Order TD-1001 · paid"), owned; NULL
 * for kinds that are not orders, hotels or flights. */
char      *td_context_describe_card   (TdMessage *message);

G_END_DECLS

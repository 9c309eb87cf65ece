/* td-sla-badge.h — how long a waiting customer has waited, coloured by the SLA
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "td-sla.h"

G_BEGIN_DECLS

#define TD_TYPE_SLA_BADGE (td_sla_badge_get_type ())
G_DECLARE_FINAL_TYPE (TdSlaBadge, td_sla_badge, TD, SLA_BADGE, GtkWidget)

/*
 * One badge for a waiting customer: "Waiting 5 min" for an open line whose
 * customer waits for an answer (hidden otherwise), with the style class of
 * its first-response level — sla-ok (fine), sla-warning / sla-critical
 * (soon), sla-breached.  The countdown
 * ("4:39 left", "Overdue 2 min") is its tooltip and accessible description.
 * Shown badges are refreshed by one shared one-second tick.
 */
GtkWidget  *td_sla_badge_new       (void);
/* @line: (nullable) */
void        td_sla_badge_set_line  (TdSlaBadge *self,
                                    TdLine     *line);
TdSlaLevel  td_sla_badge_get_level (TdSlaBadge *self);
/* The text shown ("Waiting 5 min"), NULL when hidden. */
const char *td_sla_badge_get_text  (TdSlaBadge *self);
/* The countdown of the tooltip ("4:39 left"), NULL without a target. */
char       *td_sla_badge_dup_countdown (TdSlaBadge *self);
/* Re-reads the clock now (tests; the shared tick does it every second). */
void        td_sla_badge_refresh   (TdSlaBadge *self);
/* How many badges the shared tick refreshes (tests). */
guint       td_sla_badge_get_n_ticking (void);

/* "4:39 left", "1:05 h left", "Overdue 2 min" (owned). */
char       *td_sla_format_remaining (gint64 remaining_ms);

G_END_DECLS

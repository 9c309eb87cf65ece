/* td-sla-badge.h — a waiting line's first-response countdown
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
 * Shows "4:12 left" / "Overdue 2 min" for an open line whose customer is
 * waiting, with the style class sla-ok, sla-warning, sla-critical or
 * sla-breached; hidden otherwise.  Ticks every second while shown.
 */
GtkWidget  *td_sla_badge_new       (void);
/* @line: (nullable) */
void        td_sla_badge_set_line  (TdSlaBadge *self,
                                    TdLine     *line);
TdSlaLevel  td_sla_badge_get_level (TdSlaBadge *self);
const char *td_sla_badge_get_text  (TdSlaBadge *self);
/* Re-reads the clock now (tests; the timer does it every second). */
void        td_sla_badge_refresh   (TdSlaBadge *self);

G_END_DECLS

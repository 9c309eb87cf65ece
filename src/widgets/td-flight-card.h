/* td-flight-card.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_FLIGHT_CARD (td_flight_card_get_type ())
G_DECLARE_FINAL_TYPE (TdFlightCard, td_flight_card, TD, FLIGHT_CARD, GtkWidget)

GtkWidget *td_flight_card_new (void);

G_END_DECLS

/* td-hotel-card.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_HOTEL_CARD (td_hotel_card_get_type ())
G_DECLARE_FINAL_TYPE (TdHotelCard, td_hotel_card, TD, HOTEL_CARD, GtkWidget)

GtkWidget *td_hotel_card_new (void);

G_END_DECLS

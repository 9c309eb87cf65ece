/* td-order-card.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_ORDER_CARD (td_order_card_get_type ())
G_DECLARE_FINAL_TYPE (TdOrderCard, td_order_card, TD, ORDER_CARD, GtkWidget)

GtkWidget *td_order_card_new (void);

G_END_DECLS

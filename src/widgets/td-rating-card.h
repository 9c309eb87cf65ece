/* td-rating-card.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_RATING_CARD (td_rating_card_get_type ())
G_DECLARE_FINAL_TYPE (TdRatingCard, td_rating_card, TD, RATING_CARD, GtkWidget)

GtkWidget *td_rating_card_new (void);

G_END_DECLS

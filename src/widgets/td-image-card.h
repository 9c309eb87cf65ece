/* td-image-card.h — the widget of one message kind
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-message-widget.h"

G_BEGIN_DECLS

#define TD_TYPE_IMAGE_CARD (td_image_card_get_type ())
G_DECLARE_FINAL_TYPE (TdImageCard, td_image_card, TD, IMAGE_CARD, GtkWidget)

GtkWidget *td_image_card_new (void);

G_END_DECLS

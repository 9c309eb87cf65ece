/* td-kind-registry.c — message kind → widget type
 *
 * Adding a kind: one widget file, one .ui file, one line in the table below.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "td-kind-registry.h"
#include "td-flight-card.h"
#include "td-hotel-card.h"
#include "td-image-card.h"
#include "td-note-bubble.h"
#include "td-order-card.h"
#include "td-quick-reply.h"
#include "td-rating-card.h"
#include "td-system-notice.h"
#include "td-text-bubble.h"
#include "td-unsupported-row.h"

static const struct
{
  const char *kind;
  GType (*get_type) (void);
} registry[] = {
  { "text",   td_text_bubble_get_type },
  { "image",  td_image_card_get_type },
  { "order",  td_order_card_get_type },
  { "hotel",  td_hotel_card_get_type },
  { "flight", td_flight_card_get_type },
  { "quick",  td_quick_reply_get_type },
  { "rating", td_rating_card_get_type },
  { "system", td_system_notice_get_type },
  { "note",   td_note_bubble_get_type },
};

GType
td_kind_registry_lookup (const char *kind)
{
  if (kind != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (registry); i++)
      if (strcmp (registry[i].kind, kind) == 0)
        return registry[i].get_type ();

  return TD_TYPE_UNSUPPORTED_ROW;
}

GtkWidget *
td_kind_registry_create (TdMessage *message)
{
  GtkWidget *widget;

  g_return_val_if_fail (TD_IS_MESSAGE (message), NULL);

  widget = g_object_new (td_kind_registry_lookup (td_message_get_kind_name (message)), NULL);
  g_assert (TD_IS_MESSAGE_WIDGET (widget));
  td_message_widget_set_message (TD_MESSAGE_WIDGET (widget), message);

  return widget;
}

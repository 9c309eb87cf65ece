/* test-widgets.c — message-kind widgets, the registry, rows, composer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "td-composer.h"
#include "td-flight-card.h"
#include "td-hotel-card.h"
#include "td-image-card.h"
#include "td-json.h"
#include "td-kind-registry.h"
#include "td-line-row.h"
#include "td-message-row.h"
#include "td-note-bubble.h"
#include "td-order-card.h"
#include "td-quick-reply.h"
#include "td-rating-card.h"
#include "td-sla-badge.h"
#include "td-system-notice.h"
#include "td-text-bubble.h"
#include "td-unsupported-row.h"
#include "td-widget-util.h"
#include "td-widgets.h"

/* A 1×1 PNG */
#define THUMB "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="

static const struct
{
  const char *kind;
  const char *body;
  GType     (*type) (void);
} kinds[] = {
  { "text", "{\"text\":\"Is breakfast included?\"}", td_text_bubble_get_type },
  { "image", "{\"url\":\"https://example.com/room.jpg\",\"width\":800,\"height\":600,\"thumb\":\"" THUMB "\"}", td_image_card_get_type },
  { "order", "{\"order_no\":\"TD-1001\",\"product\":\"Lake view room, 2 nights\",\"travel_date\":\"2026-12-20\",\"status\":\"paid\",\"amount\":1280.5,\"currency\":\"CNY\"}", td_order_card_get_type },
  { "hotel", "{\"name\":\"Lakeside Hotel\",\"city\":\"Hangzhou\",\"checkin\":\"2026-12-20\",\"checkout\":\"2026-12-22\",\"room\":\"Deluxe King\",\"price\":980,\"currency\":\"CNY\"}", td_hotel_card_get_type },
  { "flight", "{\"flight_no\":\"MU5137\",\"from\":\"SHA\",\"to\":\"PEK\",\"depart\":\"2026-12-20T08:00:00+08:00\",\"arrive\":\"2026-12-20T10:15:00+08:00\",\"price\":1150,\"currency\":\"CNY\"}", td_flight_card_get_type },
  { "quick", "{\"text\":\"How can we help?\",\"options\":[\"Change dates\",\"Cancel\",\"Talk to a person\"]}", td_quick_reply_get_type },
  { "rating", "{\"score\":4,\"comment\":\"Friendly staff\"}", td_rating_card_get_type },
  { "system", "{\"text\":\"Alice resolved this line\"}", td_system_notice_get_type },
  { "note", "{\"text\":\"VIP guest, offer an upgrade\"}", td_note_bubble_get_type },
  { "poll", "{\"question\":\"?\"}", td_unsupported_row_get_type },
};

static TdMessage *
make_message (gint64      id,
              const char *kind,
              const char *body_json,
              TdRole      role)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) body = td_json_parse_object (body_json, strlen (body_json), &error);

  g_assert_no_error (error);

  return td_message_new (id, "ml_test", id, role == TD_ROLE_CUSTOMER ? "c_1" : "o_alice", role,
                         role == TD_ROLE_CUSTOMER ? "Emma Chen" : "Alice", kind, body,
                         td_now_ms () - 60000, NULL);
}

static void
test_registry (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(TdMessage) message = make_message (i + 1, kinds[i].kind, kinds[i].body, TD_ROLE_CUSTOMER);
      GtkWidget *widget;

      g_assert_true (td_kind_registry_lookup (kinds[i].kind) == kinds[i].type ());

      widget = g_object_ref_sink (td_kind_registry_create (message));
      g_assert_true (G_OBJECT_TYPE (widget) == kinds[i].type ());
      g_assert_true (TD_IS_MESSAGE_WIDGET (widget));
      g_assert_finalize_object (widget);
    }

  /* Unknown and missing kinds fall back */
  g_assert_true (td_kind_registry_lookup ("hologram") == TD_TYPE_UNSUPPORTED_ROW);
  g_assert_true (td_kind_registry_lookup (NULL) == TD_TYPE_UNSUPPORTED_ROW);
  g_assert_true (td_kind_registry_lookup ("") == TD_TYPE_UNSUPPORTED_ROW);
  g_assert_true (td_kind_registry_lookup ("TEXT") == TD_TYPE_UNSUPPORTED_ROW);
}

static GtkWidget *
find_label_with_text (GtkWidget  *root,
                      const char *text)
{
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;
  if (GTK_IS_INSCRIPTION (root) && g_strcmp0 (gtk_inscription_get_text (GTK_INSCRIPTION (root)), text) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label_with_text (child, text);
      if (found)
        return found;
    }

  return NULL;
}

static gboolean
has_label (GtkWidget  *root,
           const char *text)
{
  return find_label_with_text (root, text) != NULL;
}

static void
test_kind_content (void)
{
  g_autoptr(TdMessage) order = make_message (1, "order", kinds[2].body, TD_ROLE_OPERATOR);
  g_autoptr(TdMessage) rating = make_message (2, "rating", kinds[6].body, TD_ROLE_CUSTOMER);
  g_autoptr(TdMessage) flight = make_message (3, "flight", kinds[4].body, TD_ROLE_OPERATOR);
  g_autoptr(TdMessage) poll = make_message (4, "poll", kinds[9].body, TD_ROLE_CUSTOMER);
  g_autoptr(TdMessage) hotel = make_message (5, "hotel", kinds[3].body, TD_ROLE_OPERATOR);
  g_autoptr(TdMessage) quick = make_message (6, "quick", kinds[5].body, TD_ROLE_OPERATOR);
  GtkWidget *w;

  w = g_object_ref_sink (td_kind_registry_create (order));
  g_assert_true (has_label (w, "Order TD-1001"));
  g_assert_true (has_label (w, "¥1,280.50"));
  g_assert_true (has_label (w, "paid"));
  g_assert_finalize_object (w);

  w = g_object_ref_sink (td_kind_registry_create (rating));
  g_assert_true (has_label (w, "4 / 5"));
  g_assert_true (has_label (w, "Friendly staff"));
  g_assert_finalize_object (w);

  w = g_object_ref_sink (td_kind_registry_create (flight));
  g_assert_true (has_label (w, "MU5137"));
  g_assert_true (has_label (w, "SHA"));
  g_assert_true (has_label (w, "PEK"));
  g_assert_true (has_label (w, "00:00") || has_label (w, "08:00"));
  g_assert_finalize_object (w);

  w = g_object_ref_sink (td_kind_registry_create (hotel));
  g_assert_true (has_label (w, "2 nights"));
  g_assert_finalize_object (w);

  w = g_object_ref_sink (td_kind_registry_create (quick));
  g_assert_true (has_label (w, "Change dates"));
  g_assert_true (has_label (w, "Talk to a person"));
  g_assert_finalize_object (w);

  w = g_object_ref_sink (td_kind_registry_create (poll));
  g_assert_nonnull (find_label_with_text (w, "Unsupported message"));
  g_assert_finalize_object (w);
}

static void
test_row_recycle (void)
{
  g_autoptr(TdMessage) text1 = make_message (1, "text", kinds[0].body, TD_ROLE_CUSTOMER);
  g_autoptr(TdMessage) text2 = make_message (2, "text", "{\"text\":\"Second\"}", TD_ROLE_OPERATOR);
  g_autoptr(TdMessage) order = make_message (3, "order", kinds[2].body, TD_ROLE_OPERATOR);
  g_autoptr(TdMessage) order2 = make_message (4, "order", kinds[2].body, TD_ROLE_CUSTOMER);
  g_autoptr(TdMessage) unknown = make_message (5, "hologram", "{}", TD_ROLE_CUSTOMER);
  TdMessageRow *row = TD_MESSAGE_ROW (g_object_ref_sink (td_message_row_new ()));
  GtkWidget *first, *second;

  g_assert_null (td_message_row_get_content (row));

  td_message_row_set_message (row, text1);
  first = td_message_row_get_content (row);
  g_assert_true (TD_IS_TEXT_BUBBLE (first));
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_assert_true (has_label (GTK_WIDGET (row), "Is breakfast included?"));

  /* Same kind: the same child, showing the new message */
  td_message_row_set_message (row, text2);
  g_assert_true (td_message_row_get_content (row) == first);
  g_assert_true (has_label (GTK_WIDGET (row), "Second"));
  g_assert_false (has_label (GTK_WIDGET (row), "Is breakfast included?"));

  /* Unbinding keeps the child for the next bind */
  td_message_row_set_message (row, NULL);
  g_assert_true (td_message_row_get_content (row) == first);

  /* Another kind: replaced, the old one is gone */
  td_message_row_set_message (row, order);
  second = td_message_row_get_content (row);
  g_assert_true (TD_IS_ORDER_CARD (second));
  g_assert_null (first);
  g_assert_true (gtk_widget_get_parent (second) != NULL);

  td_message_row_set_message (row, order2);
  g_assert_true (td_message_row_get_content (row) == second);

  td_message_row_set_message (row, unknown);
  g_assert_true (TD_IS_UNSUPPORTED_ROW (td_message_row_get_content (row)));

  g_assert_finalize_object (row);
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return root;

  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, label);
      if (found)
        return found;
    }

  return NULL;
}

static void
on_retry_cb (TdMessageRow *row,
             TdMessage    *message,
             gpointer      user_data)
{
  *(TdMessage **) user_data = message;
}

static void
test_row_delivery (void)
{
  g_autoptr(TdMessage) message = make_message (1, "text", "{\"text\":\"On my way\"}", TD_ROLE_OPERATOR);
  TdMessageRow *row = TD_MESSAGE_ROW (g_object_ref_sink (td_message_row_new ()));
  GtkWidget *retry;
  TdMessage *retried = NULL;

  g_signal_connect (row, "retry", G_CALLBACK (on_retry_cb), &retried);

  td_message_set_delivery (message, TD_DELIVERY_PENDING);
  td_message_row_set_message (row, message);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "pending"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "outgoing"));
  retry = find_button (GTK_WIDGET (row), "_Retry");
  g_assert_nonnull (retry);
  g_assert_false (gtk_widget_get_visible (retry));

  td_message_set_delivery (message, TD_DELIVERY_FAILED);
  td_message_set_error (message, "Too large");
  td_message_row_set_message (row, message);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (row), "failed"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "pending"));
  g_assert_true (gtk_widget_get_visible (retry));
  g_assert_true (has_label (GTK_WIDGET (row), "Too large"));
  g_signal_emit_by_name (retry, "clicked");
  g_assert_true (retried == message);

  td_message_set_stored (message, 77, 3, td_now_ms ());
  td_message_row_set_message (row, message);
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (row), "failed"));
  g_assert_false (gtk_widget_get_visible (retry));
  /* Read by the customer: the mark shows */
  td_message_row_set_read (row, TRUE);
  g_assert_true (td_message_row_get_read (row));

  g_assert_finalize_object (row);
}

typedef struct
{
  GPtrArray *sent;
  guint      typing;
} ComposerData;

static void
on_send_cb (TdComposer   *composer,
            const char   *text,
            ComposerData *data)
{
  g_ptr_array_add (data->sent, g_strdup (text));
}

static void
on_typing_cb (TdComposer   *composer,
              ComposerData *data)
{
  data->typing++;
}

static gboolean
press_key (TdComposer      *composer,
           guint            keyval,
           GdkModifierType  state)
{
  g_autoptr(GListModel) controllers =
    gtk_widget_observe_controllers (GTK_WIDGET (td_composer_get_text_view (composer)));
  gboolean handled = FALSE;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (GTK_IS_EVENT_CONTROLLER_KEY (controller) &&
          gtk_event_controller_get_propagation_phase (GTK_EVENT_CONTROLLER (controller)) == GTK_PHASE_CAPTURE)
        {
          g_signal_emit_by_name (controller, "key-pressed", keyval, 0, state, &handled);
          return handled;
        }
    }

  g_assert_not_reached ();
}

static gint64 fake_now;

static gint64
fake_clock (void)
{
  return fake_now;
}

static void
test_composer (void)
{
  TdComposer *composer = TD_COMPOSER (g_object_ref_sink (td_composer_new ()));
  ComposerData data = { g_ptr_array_new_with_free_func (g_free), 0 };
  g_autofree char *text = NULL;

  fake_now = 1000000;
  td_composer_set_clock (composer, fake_clock);
  g_signal_connect (composer, "send", G_CALLBACK (on_send_cb), &data);
  g_signal_connect (composer, "typing", G_CALLBACK (on_typing_cb), &data);

  /* Blank text sends nothing */
  td_composer_set_text (composer, "   \n ");
  g_assert_true (press_key (composer, GDK_KEY_Return, 0));
  g_assert_cmpuint (data.sent->len, ==, 0);

  /* Shift+Enter is a new line, not a send */
  td_composer_set_text (composer, "Hello");
  g_assert_false (press_key (composer, GDK_KEY_Return, GDK_SHIFT_MASK));
  g_assert_cmpuint (data.sent->len, ==, 0);

  td_composer_set_text (composer, "Hello\nthere ");
  g_assert_true (press_key (composer, GDK_KEY_Return, 0));
  g_assert_cmpuint (data.sent->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (data.sent, 0), ==, "Hello\nthere");
  text = td_composer_dup_text (composer);
  g_assert_cmpstr (text, ==, "");

  g_assert_true (press_key (composer, GDK_KEY_KP_Enter, 0));
  g_assert_cmpuint (data.sent->len, ==, 1);

  /* Other keys pass */
  g_assert_false (press_key (composer, GDK_KEY_a, 0));

  g_ptr_array_unref (data.sent);
  g_assert_finalize_object (composer);
}

static void
test_composer_typing (void)
{
  TdComposer *composer = TD_COMPOSER (g_object_ref_sink (td_composer_new ()));
  ComposerData data = { g_ptr_array_new_with_free_func (g_free), 0 };
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (td_composer_get_text_view (composer));

  fake_now = 5000000;
  td_composer_set_clock (composer, fake_clock);
  g_signal_connect (composer, "typing", G_CALLBACK (on_typing_cb), &data);

  gtk_text_buffer_insert_at_cursor (buffer, "H", -1);
  g_assert_cmpuint (data.typing, ==, 1);
  fake_now += 1000;
  gtk_text_buffer_insert_at_cursor (buffer, "e", -1);
  fake_now += 1000;
  gtk_text_buffer_insert_at_cursor (buffer, "l", -1);
  g_assert_cmpuint (data.typing, ==, 1);
  fake_now += 1000;
  gtk_text_buffer_insert_at_cursor (buffer, "l", -1);
  g_assert_cmpuint (data.typing, ==, 2);

  /* Sending and clearing is not typing */
  td_composer_submit (composer);
  g_assert_cmpuint (data.typing, ==, 2);

  g_ptr_array_unref (data.sent);
  g_assert_finalize_object (composer);
}

/* Every GtkLabel or GtkInscription under @root whose text starts with @prefix */
static guint
count_texts_with_prefix (GtkWidget  *root,
                         const char *prefix)
{
  guint n = 0;

  if (GTK_IS_LABEL (root) && g_str_has_prefix (gtk_label_get_text (GTK_LABEL (root)), prefix))
    n++;
  if (GTK_IS_INSCRIPTION (root) && gtk_inscription_get_text (GTK_INSCRIPTION (root)) &&
      g_str_has_prefix (gtk_inscription_get_text (GTK_INSCRIPTION (root)), prefix))
    n++;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    n += count_texts_with_prefix (child, prefix);

  return n;
}

static void
test_line_row (void)
{
  g_autoptr(TdLine) line = td_line_new ("ml_1", "c_1", "m_lakeside/order/TD-1001", TD_BUSI_INQUIRY);
  TdLineRow *row = TD_LINE_ROW (g_object_ref_sink (td_line_row_new ()));
  TdSlaBadge *badge = td_line_row_get_sla_badge (row);
  TdSla *sla = td_sla_get_default ();
  gint64 now = td_now_ms ();
  const char *a11y;

  fake_now = now;
  td_sla_set_clock (sla, fake_clock);
  td_sla_set_fallback_target_ms (sla, 10 * 60 * 1000);
  td_line_set_customer_name (line, "Emma Chen");
  td_line_set_title (line, "Order TD-1001");
  td_line_set_preview (line, "Can I change the date?");
  td_line_set_last_sender_role (line, TD_ROLE_CUSTOMER);
  td_line_set_updated (line, now - 5 * 60 * 1000);
  td_line_set_waiting_since (line, now - 5 * 60 * 1000);
  td_line_set_unread (line, 2);

  td_line_row_set_merchant_name (row, "Lakeside Hotel");
  td_line_row_set_line (row, line);
  td_line_row_refresh (row, now);
  g_assert_true (has_label (GTK_WIDGET (row), "Emma Chen"));
  g_assert_true (has_label (GTK_WIDGET (row), "Can I change the date?"));
  g_assert_true (has_label (GTK_WIDGET (row), "2"));
  g_assert_true (has_label (GTK_WIDGET (row), "Inquiry"));
  g_assert_true (has_label (GTK_WIDGET (row), "Lakeside Hotel · Order TD-1001"));
  g_assert_true (has_label (GTK_WIDGET (row), "5 min"));
  g_assert_cmpstr (td_avatar_get_initials (TD_AVATAR (gtk_widget_get_first_child (GTK_WIDGET (row)))), ==, "EC");

  /* One badge for the wait: its length, coloured by the first-response
   * level (half the target left: soon), the countdown in its tooltip */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (badge)));
  g_assert_cmpstr (td_sla_badge_get_text (badge), ==, "Waiting 5 min");
  g_assert_cmpint (td_sla_badge_get_level (badge), ==, TD_SLA_WARNING);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (badge), "sla-warning"));
  {
    g_autofree char *countdown = td_sla_badge_dup_countdown (badge);

    g_assert_cmpstr (countdown, ==, "5:00 left");
  }
  g_assert_true (gtk_widget_get_has_tooltip (GTK_WIDGET (badge)));
  g_assert_cmpuint (count_texts_with_prefix (GTK_WIDGET (row), "Waiting"), ==, 0);
  g_assert_cmpuint (count_texts_with_prefix (GTK_WIDGET (row), "5:00"), ==, 0);

  /* The row reads as one sentence */
  a11y = td_line_row_get_accessible_label (row);
  g_assert_nonnull (a11y);
  g_assert_true (g_str_has_prefix (a11y, "Emma Chen, 2 unread, Inquiry, Lakeside Hotel · Order TD-1001, "
                                         "Can I change the date?, Waiting 5 min"));

  /* Just come in: fine; past the target: breached */
  td_line_set_waiting_since (line, now - 20 * 1000);
  g_assert_cmpstr (td_sla_badge_get_text (badge), ==, "Waiting 20 s");
  g_assert_cmpint (td_sla_badge_get_level (badge), ==, TD_SLA_OK);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (badge), "sla-ok"));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (badge), "sla-warning"));
  td_line_set_waiting_since (line, now - 25 * 60 * 1000);
  g_assert_cmpstr (td_sla_badge_get_text (badge), ==, "Waiting 25 min");
  g_assert_cmpint (td_sla_badge_get_level (badge), ==, TD_SLA_BREACHED);
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (badge), "sla-breached"));
  {
    g_autofree char *countdown = td_sla_badge_dup_countdown (badge);

    g_assert_cmpstr (countdown, ==, "Overdue 15 min");
  }
  g_assert_true (strstr (td_line_row_get_accessible_label (row), "Waiting 25 min") != NULL);

  /* The clock moves the badge on */
  fake_now = now + 60 * 1000;
  td_sla_badge_refresh (badge);
  g_assert_cmpstr (td_sla_badge_get_text (badge), ==, "Waiting 26 min");

  /* The row follows the line */
  td_line_set_unread (line, 0);
  td_line_set_preview (line, "Done, see you!");
  td_line_set_last_sender_role (line, TD_ROLE_OPERATOR);
  td_line_set_waiting_since (line, 0);
  g_assert_true (has_label (GTK_WIDGET (row), "You: Done, see you!"));
  g_assert_false (gtk_widget_get_visible (find_label_with_text (GTK_WIDGET (row), "0")));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (badge)));
  g_assert_null (strstr (td_line_row_get_accessible_label (row), "Waiting"));
  g_assert_null (strstr (td_line_row_get_accessible_label (row), "unread"));

  /* Not on screen: no tick refreshes it */
  g_assert_cmpuint (td_line_row_get_n_ticking (), ==, 0);
  g_assert_cmpuint (td_sla_badge_get_n_ticking (), ==, 0);

  /* After unbinding it no longer follows */
  td_line_row_set_line (row, NULL);
  td_line_set_customer_name (line, "Someone Else");
  g_assert_false (has_label (GTK_WIDGET (row), "Someone Else"));

  td_sla_set_clock (sla, NULL);
  td_sla_set_fallback_target_ms (sla, 0);
  g_assert_finalize_object (row);
}

static void
test_format (void)
{
  g_autofree char *m1 = td_format_money (1234567.5, "CNY");
  g_autofree char *m2 = td_format_money (12, "CHF");
  g_autofree char *m3 = td_format_money (-3.256, "USD");
  g_autofree char *d1 = td_format_date ("2026-12-01");
  g_autofree char *d2 = td_format_date ("not a date");
  g_autofree char *d3 = td_format_date ("2026-02-30");
  g_autofree char *r1 = td_format_relative (1000000, 1000000 + 10 * 1000);
  g_autofree char *r2 = td_format_relative (1000000, 1000000 + 42 * 60 * 1000);
  g_autofree char *r3 = td_format_relative (0, 1000000);
  g_autofree char *w1 = td_format_duration (45 * 1000);
  g_autofree char *w2 = td_format_duration ((2 * 60 + 5) * 60 * 1000);
  g_autofree char *w3 = td_format_duration (-5);

  g_assert_cmpstr (m1, ==, "¥1,234,567.50");
  g_assert_cmpstr (m2, ==, "12.00 CHF");
  g_assert_cmpstr (m3, ==, "$-3.26");
  g_assert_cmpstr (d1, ==, "Tue 1 Dec 2026");
  g_assert_cmpstr (d2, ==, "not a date");
  g_assert_cmpstr (d3, ==, "2026-02-30");
  g_assert_cmpstr (r1, ==, "now");
  g_assert_cmpstr (r2, ==, "42 min");
  g_assert_cmpstr (r3, ==, "");
  g_assert_cmpstr (w1, ==, "45 s");
  g_assert_cmpstr (w2, ==, "2 h 05 min");
  g_assert_cmpstr (w3, ==, "0 s");
  g_assert_cmpint (td_nights_between ("2026-12-30", "2027-01-02"), ==, 3);
  g_assert_cmpint (td_nights_between ("2026-12-30", "bad"), ==, 0);
}

/* Renders every kind in a window and keeps a PNG (a test artifact). */
static void
test_gallery (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  g_autofree char *path = NULL;
  GdkPaintable *paintable;
  GtkSnapshot *snapshot;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  int w, h;
  gint64 deadline;

  gtk_window_set_default_size (GTK_WINDOW (window), 720, 1300);
  gtk_widget_add_css_class (box, "chat-view");
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), box);
  gtk_window_set_child (GTK_WINDOW (window), scroller);

  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(TdMessage) message = make_message (i + 1, kinds[i].kind, kinds[i].body,
                                                   i % 2 ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER);
      GtkWidget *row = td_message_row_new ();

      if (i == 0)
        td_message_set_delivery (message, TD_DELIVERY_PENDING);
      td_message_row_set_message (TD_MESSAGE_ROW (row), message);
      td_message_row_set_read (TD_MESSAGE_ROW (row), TRUE);
      gtk_box_append (GTK_BOX (box), row);
    }
  {
    g_autoptr(TdMessage) failed = make_message (20, "text", "{\"text\":\"This one could not be sent\"}", TD_ROLE_OPERATOR);
    GtkWidget *row = td_message_row_new ();

    td_message_set_delivery (failed, TD_DELIVERY_FAILED);
    td_message_set_error (failed, "Not allowed on this line");
    td_message_row_set_message (TD_MESSAGE_ROW (row), failed);
    gtk_box_append (GTK_BOX (box), row);
  }

  gtk_window_present (GTK_WINDOW (window));
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while ((gtk_widget_get_width (box) == 0 || g_get_monotonic_time () < deadline - 4 * G_USEC_PER_SEC) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpint (gtk_widget_get_width (box), >, 0);

  paintable = gtk_widget_paintable_new (box);
  w = gtk_widget_get_width (box);
  h = gtk_widget_get_height (box);
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (GTK_NATIVE (window));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  path = g_test_build_filename (G_TEST_BUILT, "widgets-gallery.png", NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("gallery: %s", path);

  g_object_unref (paintable);
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ---- line rows in a list: recycled, dormant, items replaced, closed ---- */

static gboolean
on_iterate_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_iterate_timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static TdLine *
new_waiting_line (guint  i,
                  gint64 now)
{
  g_autofree char *id = g_strdup_printf ("ml_%u", i);
  g_autofree char *uid = g_strdup_printf ("c_%u", i);
  g_autofree char *name = g_strdup_printf ("Customer %u", i);
  TdLine *line = td_line_new (id, uid, "m_lakeside", TD_BUSI_INQUIRY);

  td_line_set_customer_name (line, name);
  td_line_set_updated (line, now - i * 1000);
  td_line_set_waiting_since (line, now - 60 * 1000);

  return line;
}

static void
on_setup_line_cb (GtkSignalListItemFactory *factory,
                  GtkListItem              *item)
{
  gtk_list_item_set_child (item, td_line_row_new ());
}

static void
on_bind_line_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item)
{
  td_line_row_set_merchant_name (TD_LINE_ROW (gtk_list_item_get_child (item)), "Lakeside Hotel");
  td_line_row_set_line (TD_LINE_ROW (gtk_list_item_get_child (item)), gtk_list_item_get_item (item));
}

static void
on_unbind_line_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *item)
{
  td_line_row_set_line (TD_LINE_ROW (gtk_list_item_get_child (item)), NULL);
}

/* GTK 4.8's list view warns when a scroll lands while the model just
 * changed under it (the adjustment's range is a frame old): that is the
 * list's own business, not the rows' */
static gboolean
ignore_scroll_warning (const char     *log_domain,
                       GLogLevelFlags  log_level,
                       const char     *message,
                       gpointer        user_data)
{
  return !(g_strcmp0 (log_domain, "Gtk") == 0 &&
           strstr (message, "failed to scroll to given position") != NULL);
}

/* The shared ticks hold the rows and badges on screen by plain pointers:
 * whatever happens to the rows (scrolled away and recycled, dormant or
 * stale, their items replaced, the window closed with both ticks
 * running), none may stay in a tick once it is gone */
static void
test_line_rows_lifetime (void)
{
  GListStore *lines = g_list_store_new (TD_TYPE_LINE);
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkWidget *window = gtk_window_new ();
  GtkWidget *scrolled = gtk_scrolled_window_new ();
  GtkWidget *view;
  GtkAdjustment *adj;
  gint64 now = td_now_ms ();
  gpointer alive = window;

  g_test_log_set_fatal_handler (ignore_scroll_warning, NULL);
  for (guint i = 0; i < 600; i++)
    {
      g_autoptr(TdLine) line = new_waiting_line (i, now);

      g_list_store_append (lines, line);
    }
  g_signal_connect (factory, "setup", G_CALLBACK (on_setup_line_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (on_bind_line_cb), NULL);
  g_signal_connect (factory, "unbind", G_CALLBACK (on_unbind_line_cb), NULL);
  view = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_no_selection_new (G_LIST_MODEL (g_object_ref (lines)))),
                            factory);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), view);
  gtk_window_set_child (GTK_WINDOW (window), scrolled);
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 600);
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (300);
  g_assert_cmpuint (td_line_row_get_n_ticking (), >, 0);
  g_assert_cmpuint (td_sla_badge_get_n_ticking (), >, 0);

  /* far down and back, items replaced and removed under the rows */
  adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  for (guint step = 0; step < 8; step++)
    {
      g_autoptr(TdLine) line = new_waiting_line (1000 + step, now);

      gtk_adjustment_set_value (adj, (step % 2 ? 0.1 : 0.7) * gtk_adjustment_get_upper (adj));
      iterate_for (40);
      if (g_list_model_get_n_items (G_LIST_MODEL (lines)) >= step * 7 + 5)
        g_list_store_splice (lines, step * 7, 5, (gpointer *) &line, 1);
      if (step == 5)
        g_list_store_remove_all (lines);
      if (step == 6)
        for (guint i = 0; i < 300; i++)
          {
            g_autoptr(TdLine) more = new_waiting_line (2000 + i, now);

            g_list_store_append (lines, more);
          }
      iterate_for (40);
    }
  g_assert_cmpuint (td_line_row_get_n_ticking (), >, 0);

  /* closed with both ticks running */
  g_object_add_weak_pointer (G_OBJECT (window), &alive);
  gtk_window_destroy (GTK_WINDOW (window));
  for (guint i = 0; alive != NULL && i < 100; i++)
    iterate_for (10);
  g_assert_null (alive);
  g_assert_cmpuint (td_line_row_get_n_ticking (), ==, 0);
  g_assert_cmpuint (td_sla_badge_get_n_ticking (), ==, 0);
  g_assert_finalize_object (lines);
  g_test_log_set_fatal_handler (NULL, NULL);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("TZ", "UTC", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  td_widgets_init ();
  td_widgets_load_css (gdk_display_get_default ());

  g_test_add_func ("/tripdesk/widgets/registry", test_registry);
  g_test_add_func ("/tripdesk/widgets/kind-content", test_kind_content);
  g_test_add_func ("/tripdesk/widgets/row-recycle", test_row_recycle);
  g_test_add_func ("/tripdesk/widgets/row-delivery", test_row_delivery);
  g_test_add_func ("/tripdesk/widgets/composer", test_composer);
  g_test_add_func ("/tripdesk/widgets/composer-typing", test_composer_typing);
  g_test_add_func ("/tripdesk/widgets/line-row", test_line_row);
  g_test_add_func ("/tripdesk/widgets/line-rows-lifetime", test_line_rows_lifetime);
  g_test_add_func ("/tripdesk/widgets/format", test_format);
  g_test_add_func ("/tripdesk/widgets/gallery", test_gallery);

  return g_test_run ();
}

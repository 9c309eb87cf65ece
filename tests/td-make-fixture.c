/* td-make-fixture.c — writes a big TdStore cache for scale tests and
 * benchmarks, through the store's own API (the app's write path).
 *
 *   td-make-fixture [--lines N] [--messages N] [--seed N] PATH
 *
 * Defaults: 20 000 lines, 500 000 messages, as Alice (o_alice) of Lakeside
 * Hotel and Skyline Tours.  Most lines are resolved; the open ones have a
 * waiting customer, some are assigned to Alice, some pending or snoozed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>

#include "td-json.h"
#include "td-store.h"

static const char *first_names[] = {
  "Mei", "Lukas", "Aiko", "Sofia", "Ravi", "Emma", "Chen", "Noah", "Lina", "Omar",
  "Jonas", "Clara", "Yuki", "Mateo", "Priya", "Hana", "Felix", "Isla", "Wei", "Zara",
};
static const char *last_names[] = {
  "Wang", "Müller", "Tanaka", "Rossi", "Sharma", "Chen", "Dubois", "Kim", "Li", "Haddad",
};
static const char *questions[] = {
  "Hello, is breakfast included?",
  "Can I change the date of my booking?",
  "What time is the pick-up tomorrow?",
  "Is there parking at the hotel?",
  "Could you send me the invoice, please?",
  "My flight lands late, will someone be at the desk?",
  "我想预订酒店的房间，还有空房吗？",
  "Are pets allowed in the rooms?",
  "Can we add one more person to the tour?",
  "Thank you, that was very helpful!",
};
static const char *answers[] = {
  "Yes, breakfast is included from 7 to 10.",
  "Of course, let me check the availability for you.",
  "The pick-up is at 8:30 in the hotel lobby.",
  "Free parking is available behind the building.",
  "I have just sent the invoice to your e-mail address.",
  "Our front desk is open around the clock.",
  "Happy to help — have a wonderful trip!",
};

typedef struct
{
  TdStore *store;
  gint64   cursor;
  guint    queued;
} Writer;

static void
apply (Writer   *w,
       TdPacket *packet)
{
  td_store_apply_packet (w->store, packet, TRUE);
  td_packet_unref (packet);
  if (++w->queued % 4000 == 0)
    td_store_flush (w->store);
}

static JsonObject *
text_body (const char *text)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "text", text);

  return body;
}

static JsonObject *
order_body (GRand *rand,
            guint  n)
{
  JsonObject *body = json_object_new ();
  g_autofree char *order_no = g_strdup_printf ("TD-%u", 1000 + n);

  json_object_set_string_member (body, "order_no", order_no);
  json_object_set_string_member (body, "product", g_rand_boolean (rand) ? "Lake view room, 2 nights" : "West Lake boat tour");
  json_object_set_string_member (body, "travel_date", "2027-01-15");
  json_object_set_string_member (body, "status", "paid");
  json_object_set_double_member (body, "amount", 200 + g_rand_int_range (rand, 0, 3000));
  json_object_set_string_member (body, "currency", "CNY");

  return body;
}

int
main (int   argc,
      char *argv[])
{
  int n_lines = 20000;
  gint64 n_messages = 500000;
  int seed = 42;
  g_autoptr(GOptionContext) context = g_option_context_new ("PATH — write a TdStore cache");
  GOptionEntry entries[] = {
    { "lines", 0, 0, G_OPTION_ARG_INT, &n_lines, "Lines (default 20000)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT64, &n_messages, "Messages (default 500000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Random seed", "N" },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = NULL;
  g_autoptr(TdStore) store = NULL;
  Writer w = { 0, };
  gint64 now = td_now_ms ();
  gint64 start = g_get_monotonic_time ();
  gint64 written = 0;
  gint64 next_id = 1;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 ||
      n_lines <= 0 || n_messages < n_lines)
    {
      g_printerr ("%s\n", error ? error->message : "usage: td-make-fixture [--lines N] [--messages N] PATH");
      return 2;
    }

  g_unlink (argv[1]);
  store = td_store_new (argv[1], &error);
  if (store == NULL)
    {
      g_printerr ("Cannot create %s: %s\n", argv[1], error->message);
      return 1;
    }

  rand = g_rand_new_with_seed (seed);
  td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  td_store_set_meta (store, "merchants",
                     "[{\"id\":\"m_lakeside\",\"name\":\"Lakeside Hotel\"},"
                     "{\"id\":\"m_skyline\",\"name\":\"Skyline Tours\"}]");
  w.store = store;

  for (int i = 0; i < n_lines; i++)
    {
      /* Spread the messages: the remainder goes to the first lines */
      gint64 count = n_messages / n_lines + (i < n_messages % n_lines ? 1 : 0);
      const char *merchant = i % 3 == 0 ? "m_skyline" : "m_lakeside";
      const char *merchant_name = i % 3 == 0 ? "Skyline Tours" : "Lakeside Hotel";
      g_autofree char *line_id = g_strdup_printf ("ml_fx%06d", i);
      g_autofree char *uid = g_strdup_printf ("c_%d", 1 + i);
      g_autofree char *object_id = g_strdup_printf ("%s/order/TD-%d", merchant, 1000 + i);
      g_autofree char *name = g_strdup_printf ("%s %s", first_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (first_names))],
                                               last_names[g_rand_int_range (rand, 0, G_N_ELEMENTS (last_names))]);
      g_autofree char *title = g_strdup_printf ("%s · order/TD-%d", merchant_name, 1000 + i);
      /* Older lines first: line i spans a day ending (n_lines - i) minutes ago */
      gint64 end = now - (gint64) (n_lines - i) * 60 * 1000;
      gint64 begin = end - 24 * 60 * 60 * 1000;
      int roll = g_rand_int_range (rand, 0, 100);
      TdLineState state = roll < 70 ? TD_LINE_STATE_RESOLVED : roll < 85 ? TD_LINE_STATE_OPEN :
                          roll < 95 ? TD_LINE_STATE_PENDING : TD_LINE_STATE_SNOOZED;
      gboolean customer_last = state == TD_LINE_STATE_OPEN && g_rand_int_range (rand, 0, 3) > 0;
      g_autoptr(TdLine) line = td_line_new (line_id, uid, object_id, TD_BUSI_INQUIRY);

      td_line_set_customer_name (line, name);
      td_line_set_merchant (line, merchant);
      td_line_set_title (line, title);
      td_line_set_state (line, state);
      if (g_rand_int_range (rand, 0, 4) == 0)
        td_line_set_assignee (line, "o_alice");
      td_line_set_created (line, begin);
      td_line_set_updated (line, end);
      td_line_set_last_seq (line, count);
      apply (&w, td_packet_new_line (TRUE, ++w.cursor, line));

      for (gint64 seq = 1; seq <= count; seq++)
        {
          gboolean last = seq == count;
          gboolean from_customer = last ? customer_last : seq % 2 == 1;
          g_autoptr(JsonObject) body = NULL;
          g_autoptr(TdMessage) msg = NULL;
          const char *kind = "text";

          if (seq == 1 && i % 5 == 0)
            {
              kind = "order";
              body = order_body (rand, i);
            }
          else
            body = text_body (from_customer ? questions[g_rand_int_range (rand, 0, G_N_ELEMENTS (questions))]
                                            : answers[g_rand_int_range (rand, 0, G_N_ELEMENTS (answers))]);

          msg = td_message_new (next_id++, line_id, seq,
                                from_customer ? uid : "o_alice",
                                from_customer ? TD_ROLE_CUSTOMER : TD_ROLE_OPERATOR,
                                from_customer ? name : "Alice", kind, body,
                                begin + (end - begin) * seq / count, NULL);
          apply (&w, td_packet_new_msg (++w.cursor, msg));
          written++;
        }

      if ((i + 1) % 2000 == 0)
        g_printerr ("  %d lines, %" G_GINT64_FORMAT " messages…\n", i + 1, written);
    }

  td_store_advance_cursor (store, w.cursor);
  td_store_flush (store);
  td_store_sync (store);

  g_print ("%s: %d lines, %" G_GINT64_FORMAT " messages, cursor %" G_GINT64_FORMAT ", %.1f s\n",
           argv[1], n_lines, written, w.cursor,
           (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC);

  return 0;
}

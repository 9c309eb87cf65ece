/* test-model.c — TdLineList and TdMessageList over the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "td-line-list.h"
#include "td-message-list.h"

typedef struct
{
  guint signals;
  guint added;
  guint removed;
  guint last_pos;
} Changes;

static void
on_items_changed (GListModel *model,
                  guint       pos,
                  guint       removed,
                  guint       added,
                  Changes    *c)
{
  c->signals++;
  c->added += added;
  c->removed += removed;
  c->last_pos = pos;
}

typedef gboolean (*CondFunc) (gpointer data);

static void
wait_until (CondFunc    cond,
            gpointer    data,
            const char *what)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for %s", what);
      g_main_context_iteration (NULL, FALSE);
      if (!cond (data))
        g_usleep (200);
    }
}

static void
settle (TdStore *store)
{
  td_store_sync (store);
  for (int i = 0; i < 20; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static TdLine *
make_line (const char *id)
{
  TdLine *l = td_line_new (id, "c_1", "m_lakeside", TD_BUSI_INQUIRY);

  td_line_set_merchant (l, "m_lakeside");
  td_line_set_created (l, 1000);
  td_line_set_updated (l, 1000);
  return l;
}

static void
add_line (TdStore    *store,
          gint64      cursor,
          const char *id)
{
  g_autoptr(TdLine) l = make_line (id);
  g_autoptr(TdPacket) p = td_packet_new_line (TRUE, cursor, l);

  td_store_apply_packet (store, p, TRUE);
}

static void
add_msg (TdStore    *store,
         gint64      cursor,
         gint64      id,
         const char *line,
         gint64      seq,
         TdRole      role,
         gint64      ts)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(TdMessage) m = NULL;
  g_autoptr(TdPacket) p = NULL;

  json_object_set_string_member (body, "text", "hello");
  m = td_message_new (id, line, seq, role == TD_ROLE_CUSTOMER ? "c_1" : "o_alice", role,
                      "x", "text", body, ts, NULL);
  p = td_packet_new_msg (cursor, m);
  td_store_apply_packet (store, p, TRUE);
}

static void
test_line_list (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLineList) list = td_line_list_new (store);
  g_autoptr(TdLine) first = NULL;
  Changes c = { 0, };

  td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &c);
  g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (list)) == TD_TYPE_LINE);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 0);

  add_line (store, 1, "ml_a");
  add_line (store, 2, "ml_b");
  add_line (store, 3, "ml_c");
  settle (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, 3);
  g_assert_cmpuint (c.signals, ==, 1);   /* one batch → one signal */
  g_assert_cmpuint (c.added, ==, 3);
  first = g_list_model_get_item (G_LIST_MODEL (list), 0);
  g_assert_cmpstr (td_line_get_id (first), ==, "ml_a");
  g_assert_null (g_list_model_get_item (G_LIST_MODEL (list), 3));

  /* a message on ml_b: exactly that row changes */
  c = (Changes) { 0, };
  add_msg (store, 4, 1, "ml_b", 1, TD_ROLE_CUSTOMER, 5000);
  settle (store);
  g_assert_cmpuint (c.signals, ==, 1);
  g_assert_cmpuint (c.last_pos, ==, 1);
  g_assert_cmpuint (c.added, ==, 1);
  g_assert_cmpuint (c.removed, ==, 1);

  g_signal_handlers_disconnect_by_data (list, &c);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_clear_object (&first);
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_urgency (void)
{
  g_autoptr(TdLine) waiting_long = make_line ("ml_1");
  g_autoptr(TdLine) waiting_short = make_line ("ml_2");
  g_autoptr(TdLine) answered_new = make_line ("ml_3");
  g_autoptr(TdLine) answered_old = make_line ("ml_4");
  g_autoptr(GPtrArray) a = g_ptr_array_new ();

  td_line_set_waiting_since (waiting_long, 1000);
  td_line_set_updated (waiting_long, 1000);
  td_line_set_waiting_since (waiting_short, 9000);
  td_line_set_updated (waiting_short, 9000);
  td_line_set_updated (answered_new, 20000);
  td_line_set_updated (answered_old, 500);

  g_ptr_array_add (a, answered_old);
  g_ptr_array_add (a, waiting_short);
  g_ptr_array_add (a, answered_new);
  g_ptr_array_add (a, waiting_long);
  for (guint i = 0; i < a->len; i++)
    for (guint j = 0; j + 1 < a->len; j++)
      if (td_line_compare_urgency (g_ptr_array_index (a, j), g_ptr_array_index (a, j + 1), NULL) > 0)
        {
          gpointer t = a->pdata[j];

          a->pdata[j] = a->pdata[j + 1];
          a->pdata[j + 1] = t;
        }
  g_assert_true (g_ptr_array_index (a, 0) == waiting_long);
  g_assert_true (g_ptr_array_index (a, 1) == waiting_short);
  g_assert_true (g_ptr_array_index (a, 2) == answered_new);
  g_assert_true (g_ptr_array_index (a, 3) == answered_old);
  g_assert_cmpint (td_line_compare_urgency (waiting_long, waiting_long, NULL), ==, 0);
}

static gboolean
not_loading (gpointer data)
{
  return !td_message_list_get_loading (data);
}

static guint
n_items (TdMessageList *list)
{
  return g_list_model_get_n_items (G_LIST_MODEL (list));
}

static TdMessage *
item (TdMessageList *list,
      guint          i)
{
  TdMessage *m = g_list_model_get_item (G_LIST_MODEL (list), i);

  g_object_unref (m);   /* the list keeps it */
  return m;
}

typedef struct
{
  char  *line;
  gint64 before;
  guint  count;
} Wanted;

static void
on_history_wanted (TdStore    *store,
                   const char *line,
                   gint64      before,
                   Wanted     *w)
{
  g_free (w->line);
  w->line = g_strdup (line);
  w->before = before;
  w->count++;
}

static void
test_message_list_pages (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdMessageList) list = NULL;
  Wanted w = { 0, };

  g_signal_connect (store, "history-wanted", G_CALLBACK (on_history_wanted), &w);
  add_line (store, 1, "ml_1");
  /* the server has 1..150; the cache holds 31..150 */
  for (int i = 31; i <= 150; i++)
    add_msg (store, 1 + i, 1000 + i, "ml_1", i, i % 3 ? TD_ROLE_CUSTOMER : TD_ROLE_OPERATOR, 100000 + i);
  settle (store);

  list = td_message_list_new (store, "ml_1");
  g_assert_true (td_message_list_get_loading (list));
  wait_until (not_loading, list, "the first page");
  g_assert_cmpuint (n_items (list), ==, 50);
  g_assert_cmpint (td_message_get_line_seq (item (list, 0)), ==, 101);
  g_assert_cmpint (td_message_get_line_seq (item (list, 49)), ==, 150);
  g_assert_true (td_message_list_get_has_more (list));

  td_message_list_load_older (list);
  wait_until (not_loading, list, "the second page");
  g_assert_cmpuint (n_items (list), ==, 100);
  td_message_list_load_older (list);
  wait_until (not_loading, list, "the third page");
  g_assert_cmpuint (n_items (list), ==, 120);
  g_assert_cmpint (td_message_get_line_seq (item (list, 0)), ==, 31);
  for (guint i = 0; i < 120; i++)
    g_assert_cmpint (td_message_get_line_seq (item (list, i)), ==, 31 + i);
  g_assert_true (td_message_list_get_has_more (list));   /* the server has 1..30 */

  /* nothing older in the store: ask the server, once, loading until it answers */
  td_message_list_load_older (list);
  td_message_list_load_older (list);
  td_message_list_load_older (list);
  g_assert_cmpuint (w.count, ==, 1);
  g_assert_true (td_message_list_get_loading (list));
  g_assert_cmpstr (w.line, ==, "ml_1");
  g_assert_cmpint (w.before, ==, 31);

  /* the history answer lands in order at the top */
  {
    g_autoptr(TdPacket) h = td_packet_new (TD_PACKET_HISTORY);

    h->line_id = g_strdup ("ml_1");
    h->messages = g_ptr_array_new_with_free_func (g_object_unref);
    for (int i = 1; i <= 30; i++)
      {
        g_autoptr(JsonObject) body = json_object_new ();

        json_object_set_string_member (body, "text", "old");
        g_ptr_array_add (h->messages, td_message_new (1000 + i, "ml_1", i, "c_1", TD_ROLE_CUSTOMER,
                                                      "x", "text", body, 100000 + i, NULL));
      }
    td_store_apply_packet (store, h, FALSE);
  }
  settle (store);
  g_assert_false (td_message_list_get_loading (list));
  g_assert_cmpuint (n_items (list), ==, 150);
  for (guint i = 0; i < 150; i++)
    g_assert_cmpint (td_message_get_line_seq (item (list, i)), ==, 1 + i);
  g_assert_false (td_message_list_get_has_more (list));

  g_free (w.line);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static void
test_message_list_live (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdMessageList) list = NULL;
  g_autoptr(TdMessageList) other = NULL;
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(TdMessage) pending = NULL;
  g_autoptr(TdMessage) failing = NULL;
  Changes c = { 0, };
  char *rid;

  td_store_set_me (store, "c_1", TD_ROLE_CUSTOMER, "Traveller");
  add_line (store, 1, "ml_1");
  add_msg (store, 2, 1, "ml_1", 1, TD_ROLE_CUSTOMER, 1000);
  add_msg (store, 3, 2, "ml_1", 2, TD_ROLE_OPERATOR, 2000);
  settle (store);

  list = td_message_list_new (store, "ml_1");
  other = td_message_list_new (store, "ml_other");
  wait_until (not_loading, list, "the first page");
  wait_until (not_loading, other, "the other line");
  g_assert_cmpuint (n_items (list), ==, 2);
  g_signal_connect (list, "items-changed", G_CALLBACK (on_items_changed), &c);

  /* a new message arrives */
  add_msg (store, 4, 3, "ml_1", 3, TD_ROLE_OPERATOR, 3000);
  settle (store);
  g_assert_cmpuint (n_items (list), ==, 3);
  g_assert_cmpuint (c.last_pos, ==, 2);
  g_assert_cmpuint (n_items (other), ==, 0);

  /* composed: shown at once as pending, at the end */
  json_object_set_string_member (body, "text", "on my way");
  pending = td_store_outbox_add (store, "ml_1", "text", body, NULL);
  failing = td_store_outbox_add (store, "ml_1", "text", body, NULL);
  settle (store);
  g_assert_cmpuint (n_items (list), ==, 5);
  g_assert_cmpint (td_message_get_delivery (item (list, 3)), ==, TD_DELIVERY_PENDING);
  g_assert_cmpstr (td_message_get_random_id (item (list, 3)), ==, td_message_get_random_id (pending));

  /* another message from the operator lands before the pending rows */
  add_msg (store, 5, 4, "ml_1", 4, TD_ROLE_OPERATOR, 4000);
  settle (store);
  g_assert_cmpuint (n_items (list), ==, 6);
  g_assert_cmpint (td_message_get_id (item (list, 3)), ==, 4);
  g_assert_cmpint (td_message_get_delivery (item (list, 4)), ==, TD_DELIVERY_PENDING);

  /* acked: the pending row becomes the stored message, in place */
  {
    g_autoptr(TdMessage) stored = td_message_new (5, "ml_1", 5, "c_1", TD_ROLE_CUSTOMER, "Traveller",
                                                  "text", body, 5000, td_message_get_random_id (pending));
    g_autoptr(TdPacket) ack = td_packet_new_ack (td_message_get_random_id (pending), stored, FALSE);

    td_store_apply_packet (store, ack, FALSE);
  }
  settle (store);
  g_assert_cmpuint (n_items (list), ==, 6);
  g_assert_cmpint (td_message_get_id (item (list, 4)), ==, 5);
  g_assert_cmpint (td_message_get_delivery (item (list, 4)), ==, TD_DELIVERY_STORED);
  g_assert_cmpint (td_message_get_delivery (item (list, 5)), ==, TD_DELIVERY_PENDING);

  /* refused for good: failed, then discarded */
  rid = g_strdup (td_message_get_random_id (failing));
  td_store_outbox_fail (store, rid, "too large");
  settle (store);
  g_assert_cmpint (td_message_get_delivery (item (list, 5)), ==, TD_DELIVERY_FAILED);
  g_assert_cmpstr (td_message_get_error (item (list, 5)), ==, "too large");
  td_store_outbox_discard (store, rid);
  settle (store);
  g_assert_cmpuint (n_items (list), ==, 5);
  g_free (rid);

  /* a duplicate delivery changes nothing */
  c = (Changes) { 0, };
  add_msg (store, 6, 4, "ml_1", 4, TD_ROLE_OPERATOR, 4000);
  settle (store);
  g_assert_cmpuint (c.signals, ==, 0);

  g_signal_handlers_disconnect_by_data (list, &c);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&other));
  g_assert_finalize_object (g_steal_pointer (&store));
}

static int
compare_pp (gconstpointer a,
            gconstpointer b,
            gpointer      data)
{
  /* g_ptr_array_sort passes pointers to the elements */
  return td_line_compare_urgency (*(TdLine **) a, *(TdLine **) b, data);
}

/* 20,000 lines: the list model answers without SQL; sorting is fast. */
static void
test_many_lines (void)
{
  g_autoptr(TdStore) store = td_store_new (NULL, NULL);
  g_autoptr(TdLineList) list = NULL;
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  gint64 t0, t_sort, t_items;
  const guint n = 20000;

  td_store_set_me (store, "o_alice", TD_ROLE_OPERATOR, "Alice");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("ml_%05u", i);

      add_line (store, 1 + i, id);
      if (i % 3 == 0)
        add_msg (store, 100000 + i, 1 + i, id, 1, TD_ROLE_CUSTOMER, 1000 + (i * 7919) % 100000);
    }
  settle (store);
  list = td_line_list_new (store);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (list)), ==, n);

  t0 = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (list), i));
  t_items = g_get_monotonic_time () - t0;
  t0 = g_get_monotonic_time ();
  g_ptr_array_sort_with_data (items, compare_pp, NULL);
  t_sort = g_get_monotonic_time () - t0;
  g_test_message ("20,000 lines: get_item all %.1f ms, sort %.1f ms", t_items / 1000.0, t_sort / 1000.0);
  g_assert_cmpint (t_items, <, 200 * 1000);
  g_assert_cmpint (t_sort, <, 500 * 1000);
  /* the waiting ones first */
  g_assert_cmpint (td_line_get_waiting_since (g_ptr_array_index (items, 0)), >, 0);
  g_assert_cmpint (td_line_get_waiting_since (g_ptr_array_index (items, n - 1)), ==, 0);

  g_clear_pointer (&items, g_ptr_array_unref);
  g_assert_finalize_object (g_steal_pointer (&list));
  g_assert_finalize_object (g_steal_pointer (&store));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/model/line-list", test_line_list);
  g_test_add_func ("/tripdesk/model/urgency", test_urgency);
  g_test_add_func ("/tripdesk/model/message-list-pages", test_message_list_pages);
  g_test_add_func ("/tripdesk/model/message-list-live", test_message_list_live);
  g_test_add_func ("/tripdesk/model/many-lines", test_many_lines);

  return g_test_run ();
}

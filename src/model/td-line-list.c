/* td-line-list.c — every line across merchants, live from the store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-model"

#include "config.h"

#include "td-line-list.h"

struct _TdLineList
{
  GObject  parent_instance;

  TdStore *store;
  guint    n_items;   /* what we told our observers */
};

static void td_line_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdLineList, td_line_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_line_list_model_init))

static GType
get_item_type (GListModel *model)
{
  return TD_TYPE_LINE;
}

static guint
get_n_items (GListModel *model)
{
  return TD_LINE_LIST (model)->n_items;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  TdLineList *self = TD_LINE_LIST (model);
  TdLine *line;

  if (position >= self->n_items)
    return NULL;
  line = td_store_get_line_at (self->store, position);
  return line ? g_object_ref (line) : NULL;
}

static void
td_line_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
on_committed_cb (TdStore        *store,
                 TdStoreChanges *changes,
                 gpointer        user_data)
{
  TdLineList *self = user_data;
  guint old = self->n_items;
  guint now = td_store_get_n_lines (store);

  /* changed rows first (positions below the old end are stable) */
  for (guint i = 0; i < changes->lines_changed->len; i++)
    {
      guint pos;

      if (td_store_lookup_line_position (store, td_line_get_id (g_ptr_array_index (changes->lines_changed, i)), &pos)
          && pos < old)
        g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
    }
  if (now > old)
    {
      self->n_items = now;
      g_list_model_items_changed (G_LIST_MODEL (self), old, 0, now - old);
    }
}

static void
td_line_list_dispose (GObject *object)
{
  TdLineList *self = (TdLineList *) object;

  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (td_line_list_parent_class)->dispose (object);
}

static void
td_line_list_class_init (TdLineListClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = td_line_list_dispose;
}

static void
td_line_list_init (TdLineList *self)
{
}

TdLineList *
td_line_list_new (TdStore *store)
{
  TdLineList *self;

  g_return_val_if_fail (TD_IS_STORE (store), NULL);

  self = g_object_new (TD_TYPE_LINE_LIST, NULL);
  self->store = g_object_ref (store);
  self->n_items = td_store_get_n_lines (store);
  g_signal_connect_object (store, "committed", G_CALLBACK (on_committed_cb), self, 0);
  return self;
}

TdStore *
td_line_list_get_store (TdLineList *self)
{
  g_return_val_if_fail (TD_IS_LINE_LIST (self), NULL);
  return self->store;
}

int
td_line_compare_urgency (gconstpointer a,
                         gconstpointer b,
                         gpointer      user_data)
{
  TdLine *la = (TdLine *) a;
  TdLine *lb = (TdLine *) b;
  gint64 wa = td_line_get_waiting_since (la);
  gint64 wb = td_line_get_waiting_since (lb);
  gint64 ua, ub;

  /* waiting customers first, the longest waiting first */
  if ((wa > 0) != (wb > 0))
    return wa > 0 ? -1 : 1;
  if (wa > 0 && wa != wb)
    return wa < wb ? -1 : 1;

  /* then the most recently updated */
  ua = td_line_get_updated (la);
  ub = td_line_get_updated (lb);
  if (ua != ub)
    return ua > ub ? -1 : 1;

  return g_strcmp0 (td_line_get_id (la), td_line_get_id (lb));
}

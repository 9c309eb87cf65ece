/* td-message-list.c — the messages of one line, loaded on demand
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-model"

#include "config.h"

#include "td-message-list.h"

#define SERVER_PAGE_TIMEOUT_MS 5000

struct _TdMessageList
{
  GObject       parent_instance;

  TdStore      *store;
  char         *line_id;
  GPtrArray    *items;         /* stored (sorted) then outbox rows */
  guint         n_stored;
  GHashTable   *ids;           /* stored ids (gint64*) */
  GCancellable *cancellable;
  int           page_size;
  gboolean      initial_done;
  gboolean      loading;
  gboolean      local_more;    /* the store has older ones */
  gint64        asked_before;  /* the server was asked for the page before this seq */
  guint         asked_source;  /* gives up waiting for that page */
};

static void td_message_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdMessageList, td_message_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, td_message_list_model_init))

enum {
  PROP_0,
  PROP_LINE_ID,
  PROP_LOADING,
  PROP_HAS_MORE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GType
get_item_type (GListModel *model)
{
  return TD_TYPE_MESSAGE;
}

static guint
get_n_items (GListModel *model)
{
  return TD_MESSAGE_LIST (model)->items->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  TdMessageList *self = TD_MESSAGE_LIST (model);

  if (position >= self->items->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->items, position));
}

static void
td_message_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static int
compare_stored (TdMessage *a,
                TdMessage *b)
{
  gint64 x, y;

  x = td_message_get_ts (a);
  y = td_message_get_ts (b);
  if (x != y)
    return x < y ? -1 : 1;
  x = td_message_get_line_seq (a);
  y = td_message_get_line_seq (b);
  if (x != y)
    return x < y ? -1 : 1;
  x = td_message_get_id (a);
  y = td_message_get_id (b);
  return x < y ? -1 : x > y;
}

static gboolean
has_id (TdMessageList *self,
        gint64         id)
{
  return g_hash_table_contains (self->ids, &id);
}

static void
add_id (TdMessageList *self,
        gint64         id)
{
  gint64 *key = g_new (gint64, 1);

  *key = id;
  g_hash_table_add (self->ids, key);
}

static gboolean
find_outbox (TdMessageList *self,
             const char    *random_id,
             guint         *pos)
{
  for (guint i = self->n_stored; random_id && i < self->items->len; i++)
    if (g_strcmp0 (td_message_get_random_id (g_ptr_array_index (self->items, i)), random_id) == 0)
      {
        *pos = i;
        return TRUE;
      }
  return FALSE;
}

static gboolean
find_stored (TdMessageList *self,
             gint64         id,
             guint         *pos)
{
  if (!has_id (self, id))
    return FALSE;
  for (guint i = self->n_stored; i > 0; i--)
    if (td_message_get_id (g_ptr_array_index (self->items, i - 1)) == id)
      {
        *pos = i - 1;
        return TRUE;
      }
  return FALSE;
}

/* The lowest line_seq loaded (notes carry 0), or 0 when none. */
static gint64
oldest_seq (TdMessageList *self)
{
  for (guint i = 0; i < self->n_stored; i++)
    {
      gint64 seq = td_message_get_line_seq (g_ptr_array_index (self->items, i));

      if (seq > 0)
        return seq;
    }
  return 0;
}

gboolean
td_message_list_get_has_more (TdMessageList *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_LIST (self), FALSE);

  if (self->local_more)
    return TRUE;
  /* the server has older ones when ours do not start at 1 */
  return oldest_seq (self) > 1;
}

/* Inserts a stored message in order; returns FALSE when it belongs before
 * the loaded window (it will come with an older page). */
static gboolean
insert_stored (TdMessageList *self,
               TdMessage     *m)
{
  guint lo = 0, hi = self->n_stored;

  if (has_id (self, td_message_get_id (m)))
    return FALSE;
  if (self->local_more && self->n_stored > 0
      && compare_stored (m, g_ptr_array_index (self->items, 0)) < 0)
    return FALSE;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (compare_stored (g_ptr_array_index (self->items, mid), m) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  g_ptr_array_insert (self->items, lo, g_object_ref (m));
  self->n_stored++;
  add_id (self, td_message_get_id (m));
  g_list_model_items_changed (G_LIST_MODEL (self), lo, 0, 1);
  return TRUE;
}

static void
set_loading (TdMessageList *self,
             gboolean       loading)
{
  if (self->loading == loading)
    return;
  self->loading = loading;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADING]);
}

static void
server_page_done (TdMessageList *self)
{
  g_clear_handle_id (&self->asked_source, g_source_remove);
  self->asked_before = 0;
  set_loading (self, FALSE);
}

static gboolean
asked_timeout_cb (gpointer data)
{
  TdMessageList *self = data;

  self->asked_source = 0;
  self->asked_before = 0;
  set_loading (self, FALSE);
  return G_SOURCE_REMOVE;
}

static gboolean
belongs (TdMessageList *self,
         TdMessage     *m)
{
  return g_strcmp0 (td_message_get_line_id (m), self->line_id) == 0;
}

static void
on_committed_cb (TdStore        *store,
                 TdStoreChanges *changes,
                 gpointer        user_data)
{
  TdMessageList *self = user_data;
  gboolean more_before = td_message_list_get_has_more (self);
  guint pos;

  /* the first page reflects everything committed before it was read */
  if (!self->initial_done)
    return;

  for (guint i = 0; i < changes->messages_added->len; i++)
    {
      TdMessage *m = g_ptr_array_index (changes->messages_added, i);

      if (!belongs (self, m))
        continue;
      if (td_message_get_id (m) > 0)
        insert_stored (self, m);
      else if (!find_outbox (self, td_message_get_random_id (m), &pos))
        {
          g_ptr_array_add (self->items, g_object_ref (m));
          g_list_model_items_changed (G_LIST_MODEL (self), self->items->len - 1, 0, 1);
        }
    }

  for (guint i = 0; i < changes->messages_updated->len; i++)
    {
      TdMessage *m = g_ptr_array_index (changes->messages_updated, i);

      if (!belongs (self, m))
        continue;
      if (td_message_get_id (m) > 0)
        {
          /* an outbox row became this stored message */
          if (find_outbox (self, td_message_get_random_id (m), &pos))
            {
              g_ptr_array_remove_index (self->items, pos);
              g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
            }
          if (find_stored (self, td_message_get_id (m), &pos))
            {
              g_object_unref (g_ptr_array_index (self->items, pos));
              g_ptr_array_index (self->items, pos) = g_object_ref (m);
              g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
            }
          else
            insert_stored (self, m);
        }
      else if (find_outbox (self, td_message_get_random_id (m), &pos))
        {
          g_object_unref (g_ptr_array_index (self->items, pos));
          g_ptr_array_index (self->items, pos) = g_object_ref (m);
          g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 1);
        }
    }

  for (guint i = 0; i < changes->messages_removed->len; i++)
    {
      TdMessage *m = g_ptr_array_index (changes->messages_removed, i);

      if (belongs (self, m) && find_outbox (self, td_message_get_random_id (m), &pos))
        {
          g_ptr_array_remove_index (self->items, pos);
          g_list_model_items_changed (G_LIST_MODEL (self), pos, 1, 0);
        }
    }

  /* the older page we asked the server for has arrived */
  if (self->asked_source != 0 && (oldest_seq (self) < self->asked_before || oldest_seq (self) == 1))
    server_page_done (self);

  if (more_before != td_message_list_get_has_more (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
}

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(TdMessageList) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) page = NULL;
  gboolean more = FALSE;
  gboolean more_before;
  guint added = 0;

  page = td_store_load_messages_finish (TD_STORE (source), result, &more, &error);
  if (page == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("model: loading messages of %s failed: %s", self->line_id, error->message);
      set_loading (self, FALSE);
      self->initial_done = TRUE;
      return;
    }

  more_before = td_message_list_get_has_more (self);

  if (!self->initial_done)
    {
      /* the newest page, with the outbox rows at its end */
      guint n = self->items->len;

      for (guint i = 0; i < page->len; i++)
        {
          TdMessage *m = g_ptr_array_index (page, i);

          if (td_message_get_id (m) > 0)
            {
              if (has_id (self, td_message_get_id (m)))
                continue;
              g_ptr_array_insert (self->items, self->n_stored++, g_object_ref (m));
              add_id (self, td_message_get_id (m));
            }
          else
            g_ptr_array_add (self->items, g_object_ref (m));
        }
      self->initial_done = TRUE;
      self->local_more = more;
      if (self->items->len != n)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, n, self->items->len);
    }
  else
    {
      GPtrArray *fresh = g_ptr_array_new ();

      for (guint i = 0; i < page->len; i++)
        {
          TdMessage *m = g_ptr_array_index (page, i);

          if (td_message_get_id (m) > 0 && !has_id (self, td_message_get_id (m)))
            g_ptr_array_add (fresh, m);
        }
      self->local_more = more;
      for (guint i = 0; i < fresh->len; i++)
        {
          TdMessage *m = g_ptr_array_index (fresh, i);

          g_ptr_array_insert (self->items, i, g_object_ref (m));
          add_id (self, td_message_get_id (m));
        }
      self->n_stored += fresh->len;
      added = fresh->len;
      g_ptr_array_unref (fresh);
      if (added > 0)
        g_list_model_items_changed (G_LIST_MODEL (self), 0, 0, added);
    }

  set_loading (self, FALSE);
  if (more_before != td_message_list_get_has_more (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MORE]);
}

void
td_message_list_load_older (TdMessageList *self)
{
  TdMessage *first;

  g_return_if_fail (TD_IS_MESSAGE_LIST (self));

  if (self->loading || !self->initial_done)
    return;
  first = self->n_stored > 0 ? g_ptr_array_index (self->items, 0) : NULL;
  if (self->local_more && first)
    {
      set_loading (self, TRUE);
      td_store_load_messages_async (self->store, self->line_id, first, self->page_size,
                                    self->cancellable, load_cb, g_object_ref (self));
      return;
    }
  /* nothing older here: ask the server once (the page arrives through
   * "committed"; "loading" until then, or for at most a few seconds) */
  if (oldest_seq (self) == 1)
    return;
  self->asked_before = oldest_seq (self) > 0 ? oldest_seq (self) : G_MAXINT64;
  set_loading (self, TRUE);
  self->asked_source = g_timeout_add (SERVER_PAGE_TIMEOUT_MS, asked_timeout_cb, self);
  td_store_request_history (self->store, self->line_id, oldest_seq (self) > 0 ? oldest_seq (self) : 0);
}

static void
td_message_list_dispose (GObject *object)
{
  TdMessageList *self = (TdMessageList *) object;

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->asked_source, g_source_remove);
  if (self->store)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (td_message_list_parent_class)->dispose (object);
}

static void
td_message_list_finalize (GObject *object)
{
  TdMessageList *self = (TdMessageList *) object;

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->ids, g_hash_table_unref);
  g_free (self->line_id);

  G_OBJECT_CLASS (td_message_list_parent_class)->finalize (object);
}

static void
td_message_list_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TdMessageList *self = TD_MESSAGE_LIST (object);

  switch (prop_id)
    {
    case PROP_LINE_ID:
      g_value_set_string (value, self->line_id);
      break;
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, td_message_list_get_has_more (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_message_list_class_init (TdMessageListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = td_message_list_dispose;
  object_class->finalize = td_message_list_finalize;
  object_class->get_property = td_message_list_get_property;

  properties[PROP_LINE_ID] =
    g_param_spec_string ("line-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOADING] =
    g_param_spec_boolean ("loading", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_MORE] =
    g_param_spec_boolean ("has-more", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_message_list_init (TdMessageList *self)
{
  self->items = g_ptr_array_new_with_free_func (g_object_unref);
  self->ids = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();
  self->page_size = 50;
}

TdMessageList *
td_message_list_new (TdStore    *store,
                     const char *line_id)
{
  TdMessageList *self;

  g_return_val_if_fail (TD_IS_STORE (store), NULL);
  g_return_val_if_fail (line_id != NULL, NULL);

  self = g_object_new (TD_TYPE_MESSAGE_LIST, NULL);
  self->store = g_object_ref (store);
  self->line_id = g_strdup (line_id);
  g_signal_connect_object (store, "committed", G_CALLBACK (on_committed_cb), self, 0);

  self->loading = TRUE;
  td_store_load_messages_async (store, line_id, NULL, self->page_size, self->cancellable,
                                load_cb, g_object_ref (self));
  return self;
}

const char *
td_message_list_get_line_id (TdMessageList *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_LIST (self), NULL);
  return self->line_id;
}

gboolean
td_message_list_get_loading (TdMessageList *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE_LIST (self), FALSE);
  return self->loading;
}

void
td_message_list_set_page_size (TdMessageList *self,
                               int            page_size)
{
  g_return_if_fail (TD_IS_MESSAGE_LIST (self));
  self->page_size = CLAMP (page_size, 1, 1000);
}

/* td-search-window.c
 *
 * GTK 4.8 has no list sections: the results are one flat GListStore with a
 * TdLine header row before each line's hits.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-line-row.h"
#include "td-search-window.h"
#include "td-widget-util.h"

#define LIMIT 200

struct _TdSearchWindow
{
  AdwWindow       parent_instance;

  GtkSearchEntry *entry;
  GtkStack       *stack;
  GtkListView    *list_view;
  AdwStatusPage  *empty_page;

  TdStore        *store;
  GListStore     *results;
  GCancellable   *cancellable;
  char           *query;
  gboolean        busy;
};

G_DEFINE_FINAL_TYPE (TdSearchWindow, td_search_window, ADW_TYPE_WINDOW)

enum {
  OPEN_MESSAGE,
  SEARCHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- rows ---- */

static void
setup_cb (GtkSignalListItemFactory *factory,
          GtkListItem              *item,
          TdSearchWindow           *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *meta = gtk_label_new (NULL);
  GtkWidget *text = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (title, TRUE);
  gtk_widget_add_css_class (meta, "dim-label");
  gtk_widget_add_css_class (meta, "caption");
  gtk_box_append (GTK_BOX (top), title);
  gtk_box_append (GTK_BOX (top), meta);
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_wrap (GTK_LABEL (text), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (text), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_lines (GTK_LABEL (text), 2);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), text);
  g_object_set_data (G_OBJECT (box), "title", title);
  g_object_set_data (G_OBJECT (box), "meta", meta);
  g_object_set_data (G_OBJECT (box), "text", text);
  gtk_list_item_set_child (item, box);
}

static char *
markup_with_match (const char *text,
                   const char *query)
{
  g_auto(GStrv) words = g_strsplit_set (query ? query : "", " \t\u3000", -1);
  g_autofree char *folded = g_utf8_casefold (text, -1);

  /* Bold the first occurrence of the first word (same byte length when
   * case-folding keeps it; otherwise plain text). */
  if (words[0] && words[0][0] && strlen (folded) == strlen (text))
    {
      g_autofree char *needle = g_utf8_casefold (words[0], -1);
      const char *hit = strstr (folded, needle);

      if (hit)
        {
          gsize at = hit - folded;
          g_autofree char *before = g_markup_escape_text (text, at);
          g_autofree char *match = g_markup_escape_text (text + at, strlen (needle));
          g_autofree char *after = g_markup_escape_text (text + at + strlen (needle), -1);

          return g_strdup_printf ("%s<b>%s</b>%s", before, match, after);
        }
    }

  return g_markup_escape_text (text, -1);
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *item,
         TdSearchWindow           *self)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkLabel *title = g_object_get_data (G_OBJECT (box), "title");
  GtkLabel *meta = g_object_get_data (G_OBJECT (box), "meta");
  GtkLabel *text = g_object_get_data (G_OBJECT (box), "text");
  GObject *object = gtk_list_item_get_item (item);

  if (TD_IS_LINE (object))
    {
      TdLine *line = TD_LINE (object);
      const char *name = td_line_get_customer_name (line);
      g_autofree char *display = td_line_dup_display_title (td_line_get_title (line), NULL);

      gtk_label_set_text (title, name && name[0] ? name : td_line_get_uid (line));
      gtk_label_set_text (meta, td_busi_get_label (td_line_get_busi (line)));
      gtk_label_set_text (text, display ? display : "");
      gtk_widget_set_visible (GTK_WIDGET (text), display != NULL);
      gtk_widget_add_css_class (GTK_WIDGET (title), "heading");
      gtk_widget_add_css_class (box, "search-result-header");
      gtk_list_item_set_activatable (item, FALSE);
      gtk_list_item_set_selectable (item, FALSE);
    }
  else
    {
      TdMessage *message = TD_MESSAGE (object);
      g_autofree char *body = td_message_dup_search_text (message);
      g_autofree char *markup = markup_with_match (body, self->query);
      g_autofree char *when = td_format_message_time (td_message_get_ts (message), td_now_ms ());
      const char *sender = td_message_get_sender_name (message);
      g_autofree char *who = td_message_get_kind (message) == TD_KIND_NOTE ?
        /* Translators: a search hit in an internal note; %s is who wrote it */
        g_strdup_printf (_("%s · internal note"), sender ? sender : "") :
        g_strdup (sender ? sender : td_message_get_sender_id (message));

      gtk_label_set_text (title, who);
      gtk_label_set_text (meta, when);
      gtk_label_set_markup (text, markup);
      gtk_widget_set_visible (GTK_WIDGET (text), TRUE);
      gtk_widget_remove_css_class (GTK_WIDGET (title), "heading");
      gtk_widget_remove_css_class (box, "search-result-header");
      gtk_widget_set_margin_start (box, 12);
      gtk_list_item_set_activatable (item, TRUE);
      gtk_list_item_set_selectable (item, TRUE);
    }
}

/* ---- searching ---- */

static void
on_search_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  TdSearchWindow *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) hits = td_store_search_finish (TD_STORE (source), result, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) order = NULL;
  g_autoptr(GHashTable) groups = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_object_unref (self);
      return;
    }

  self->busy = FALSE;
  if (hits == NULL)
    {
      g_debug ("search failed: %s", error ? error->message : "?");
      hits = g_ptr_array_new ();
    }

  /* group by line, in the order of each line's newest hit */
  groups = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) g_ptr_array_unref);
  order = g_ptr_array_new ();
  for (guint i = 0; i < hits->len; i++)
    {
      TdMessage *message = g_ptr_array_index (hits, i);
      const char *line_id = td_message_get_line_id (message);
      GPtrArray *group = g_hash_table_lookup (groups, line_id);

      if (group == NULL)
        {
          group = g_ptr_array_new ();
          g_hash_table_insert (groups, (gpointer) line_id, group);
          g_ptr_array_add (order, (gpointer) line_id);
        }
      g_ptr_array_add (group, message);
    }

  rows = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < order->len; i++)
    {
      GPtrArray *group = g_hash_table_lookup (groups, order->pdata[i]);
      TdLine *line = self->store ? td_store_lookup_line (self->store, order->pdata[i]) : NULL;

      if (line == NULL)
        continue;
      g_ptr_array_add (rows, g_object_ref (line));
      for (guint j = 0; j < group->len; j++)
        g_ptr_array_add (rows, g_object_ref (group->pdata[j]));
    }

  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       rows->pdata, rows->len);

  if (rows->len > 0)
    gtk_stack_set_visible_child_name (self->stack, "results");
  else
    {
      adw_status_page_set_title (self->empty_page,
                                 self->query ? _("No Results") : _("Search Messages"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
    }

  g_signal_emit (self, signals[SEARCHED], 0);
  g_object_unref (self);
}

void
td_search_window_set_query (TdSearchWindow *self,
                            const char     *query)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (TD_IS_SEARCH_WINDOW (self));

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->entry)), query ? query : "") != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->entry), query ? query : "");

  stripped = g_strstrip (g_strdup (query ? query : ""));
  g_clear_pointer (&self->query, g_free);
  if (stripped[0] != '\0')
    self->query = g_steal_pointer (&stripped);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->busy = TRUE;

  if (self->store == NULL || self->query == NULL)
    {
      /* nothing to ask: empty results at once (still through the loop) */
      g_list_store_remove_all (self->results);
      self->busy = FALSE;
      adw_status_page_set_title (self->empty_page, _("Search Messages"));
      gtk_stack_set_visible_child_name (self->stack, "empty");
      g_signal_emit (self, signals[SEARCHED], 0);
      return;
    }

  td_store_search_async (self->store, self->query, LIMIT, self->cancellable,
                         on_search_done_cb, g_object_ref (self));
}

static void
on_entry_changed_cb (TdSearchWindow *self,
                     GtkSearchEntry *entry)
{
  g_autofree char *stripped = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  /* set_query() puts its text into the entry, whose delayed
   * search-changed follows: the same query is not searched again */
  if (g_strcmp0 (stripped[0] != '\0' ? stripped : NULL, self->query) == 0)
    return;

  td_search_window_set_query (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

void
td_search_window_activate (TdSearchWindow *self,
                           guint           position)
{
  g_autoptr(GObject) object = NULL;

  g_return_if_fail (TD_IS_SEARCH_WINDOW (self));

  object = g_list_model_get_item (G_LIST_MODEL (self->results), position);
  if (object == NULL || !TD_IS_MESSAGE (object))
    return;

  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
  g_signal_emit (self, signals[OPEN_MESSAGE], 0, object);
}

static void
on_list_activate_cb (TdSearchWindow *self,
                     guint           position,
                     GtkListView    *view)
{
  td_search_window_activate (self, position);
}

static void
on_entry_activate_cb (TdSearchWindow *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->results));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) object = g_list_model_get_item (G_LIST_MODEL (self->results), i);

      if (TD_IS_MESSAGE (object))
        {
          td_search_window_activate (self, i);
          return;
        }
    }
}

static gboolean
on_entry_key_cb (TdSearchWindow        *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  if (keyval != GDK_KEY_Down && keyval != GDK_KEY_KP_Down)
    return FALSE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->results)) == 0)
    return FALSE;

  gtk_widget_child_focus (GTK_WIDGET (self->list_view), GTK_DIR_TAB_FORWARD);

  return TRUE;
}

static void
on_entry_stop_cb (TdSearchWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

void
td_search_window_set_store (TdSearchWindow *self,
                            TdStore        *store)
{
  g_return_if_fail (TD_IS_SEARCH_WINDOW (self));

  if (g_set_object (&self->store, store))
    td_search_window_set_query (self, self->query);
}

GListModel *
td_search_window_get_results (TdSearchWindow *self)
{
  g_return_val_if_fail (TD_IS_SEARCH_WINDOW (self), NULL);

  return G_LIST_MODEL (self->results);
}

gboolean
td_search_window_get_busy (TdSearchWindow *self)
{
  g_return_val_if_fail (TD_IS_SEARCH_WINDOW (self), FALSE);

  return self->busy;
}

static void
td_search_window_show (GtkWidget *widget)
{
  TdSearchWindow *self = TD_SEARCH_WINDOW (widget);

  GTK_WIDGET_CLASS (td_search_window_parent_class)->show (widget);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
  gtk_editable_select_region (GTK_EDITABLE (self->entry), 0, -1);
}

static void
td_search_window_dispose (GObject *object)
{
  TdSearchWindow *self = TD_SEARCH_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_SEARCH_WINDOW);
  g_clear_object (&self->results);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (td_search_window_parent_class)->dispose (object);
}

static void
td_search_window_finalize (GObject *object)
{
  g_free (TD_SEARCH_WINDOW (object)->query);

  G_OBJECT_CLASS (td_search_window_parent_class)->finalize (object);
}

static void
td_search_window_class_init (TdSearchWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_search_window_dispose;
  object_class->finalize = td_search_window_finalize;
  widget_class->show = td_search_window_show;

  signals[OPEN_MESSAGE] = g_signal_new ("open-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, TD_TYPE_MESSAGE);
  signals[SEARCHED] = g_signal_new ("searched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-search-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TdSearchWindow, entry);
  gtk_widget_class_bind_template_child (widget_class, TdSearchWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, TdSearchWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, TdSearchWindow, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_key_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_list_activate_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
td_search_window_init (TdSearchWindow *self)
{
  GtkListItemFactory *factory;
  GtkNoSelection *selection;

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_window_set_hide_on_close (GTK_WINDOW (self), TRUE);

  self->results = g_list_store_new (G_TYPE_OBJECT);
  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);
  selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->results)));
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  g_object_unref (selection);
}

GtkWidget *
td_search_window_new (GtkWindow *parent,
                      TdStore   *store)
{
  TdSearchWindow *self = g_object_new (TD_TYPE_SEARCH_WINDOW, "transient-for", parent, NULL);

  td_search_window_set_store (self, store);

  return GTK_WIDGET (self);
}

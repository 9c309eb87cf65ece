/* td-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-connection-banner.h"
#include "td-dashboard.h"
#include "td-line-list.h"
#include "td-line-row.h"
#include "td-widget-util.h"
#include "td-window.h"

#define N_VIEWS (TD_VIEW_DASHBOARD + 1)

struct _TdWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay    *toast_overlay;
  GtkStack           *main_stack;
  TdLoginPage        *login_page;
  AdwLeaflet         *leaflet;
  GtkWidget          *sidebar;
  GtkWidget          *lines_pane;
  GtkListBox         *views_list;
  GtkListBox         *merchants_list;
  GtkLabel           *connection_label;
  GtkImage           *connection_icon;
  AdwWindowTitle     *lines_title;
  TdConnectionBanner *banner;
  GtkSearchBar       *search_bar;
  GtkSearchEntry     *search_entry;
  GtkStack           *lines_stack;
  GtkListView        *line_view;
  GtkStack           *content_stack;
  TdChatView         *chat_view;
  TdContextPane      *context_pane;
  TdDashboard        *dashboard;
  TdDeskTools        *tools;

  GSettings          *settings;
  TdChannel          *channel;
  GSignalGroup       *channel_signals;
  TdLineList         *line_list;
  GtkCustomFilter    *filter;
  GtkSortListModel   *sort_model;
  GtkSingleSelection *selection;
  guint               counts_idle_id;
  guint               scroll_idle_id;
  guint               scroll_to;

  TdView              view;
  char               *merchant;     /* NULL: all */
  char               *search;       /* casefolded, NULL: none */
  GtkLabel           *view_badges[N_VIEWS];
  GHashTable         *merchant_badges;  /* merchant id → GtkLabel */
  gboolean            rebuilding;
};

G_DEFINE_FINAL_TYPE (TdWindow, td_window, ADW_TYPE_APPLICATION_WINDOW)

static const struct
{
  const char *id;
  const char *icon;
  const char *label;
} views[N_VIEWS] = {
  [TD_VIEW_WAITING]   = { "waiting",   "alarm-symbolic",                N_("Waiting") },
  [TD_VIEW_MINE]      = { "mine",      "avatar-default-symbolic",       N_("Mine") },
  [TD_VIEW_ALL_OPEN]  = { "all-open",  "mail-unread-symbolic",          N_("All Open") },
  [TD_VIEW_PENDING]   = { "pending",   "document-open-recent-symbolic", N_("Pending & Snoozed") },
  [TD_VIEW_RESOLVED]  = { "resolved",  "object-select-symbolic",        N_("Resolved") },
  [TD_VIEW_DASHBOARD] = { "dashboard", "view-grid-symbolic",            N_("Dashboard") },
};

/* ---- filtering ---- */

static gboolean
line_in_view (TdWindow *self,
              TdLine   *line,
              TdView    view)
{
  TdLineState state = td_line_get_state (line);

  switch (view)
    {
    case TD_VIEW_WAITING:
      return state == TD_LINE_STATE_OPEN && td_line_get_waiting_since (line) > 0;
    case TD_VIEW_MINE:
      return state != TD_LINE_STATE_RESOLVED && self->channel != NULL &&
             td_channel_get_me_id (self->channel) != NULL &&
             g_strcmp0 (td_line_get_assignee (line), td_channel_get_me_id (self->channel)) == 0;
    case TD_VIEW_ALL_OPEN:
      return state == TD_LINE_STATE_OPEN;
    case TD_VIEW_PENDING:
      return state == TD_LINE_STATE_PENDING || state == TD_LINE_STATE_SNOOZED;
    case TD_VIEW_RESOLVED:
      return state == TD_LINE_STATE_RESOLVED;
    case TD_VIEW_DASHBOARD:
    default:
      return FALSE;
    }
}

static gboolean
contains_casefold (const char *haystack,
                   const char *needle)
{
  g_autofree char *folded = NULL;

  if (haystack == NULL)
    return FALSE;
  folded = g_utf8_casefold (haystack, -1);

  return strstr (folded, needle) != NULL;
}

static gboolean
filter_line_cb (gpointer item,
                gpointer user_data)
{
  TdWindow *self = user_data;
  TdLine *line = item;
  TdView view = self->view == TD_VIEW_DASHBOARD ? TD_VIEW_ALL_OPEN : self->view;

  if (td_line_get_busi (line) == TD_BUSI_CHAT)
    return FALSE;
  if (self->merchant != NULL && g_strcmp0 (td_line_get_merchant (line), self->merchant) != 0)
    return FALSE;
  if (self->search != NULL)
    return contains_casefold (td_line_get_customer_name (line), self->search) ||
           contains_casefold (td_line_get_title (line), self->search) ||
           contains_casefold (td_line_get_uid (line), self->search);

  return line_in_view (self, line, view);
}

static void
update_lines_title (TdWindow *self)
{
  const char *merchant = NULL;

  adw_window_title_set_title (self->lines_title,
                              self->search ? _("Search") : _(views[self->view].label));
  if (self->merchant && self->channel)
    merchant = td_channel_get_merchant_name (self->channel, self->merchant);
  adw_window_title_set_subtitle (self->lines_title, merchant ? merchant : _("All merchants"));
}

static void update_lines_page (TdWindow *self);

static void
refilter (TdWindow *self)
{
  if (self->filter)
    gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_lines_title (self);
  /* an empty list that stays empty changes no items */
  update_lines_page (self);
}

/* ---- counts (badges) ---- */

static void
set_badge (GtkLabel *badge,
           guint     count)
{
  g_autofree char *text = g_strdup_printf ("%u", count);

  gtk_label_set_text (badge, text);
  gtk_widget_set_visible (GTK_WIDGET (badge), count > 0);
}

static gboolean
update_counts_cb (gpointer data)
{
  TdWindow *self = data;
  guint view_counts[N_VIEWS] = { 0, };
  g_autoptr(GHashTable) unread = g_hash_table_new (g_str_hash, g_str_equal);
  guint all_unread = 0;
  GHashTableIter iter;
  gpointer key, value;
  guint n;

  self->counts_idle_id = 0;
  if (self->line_list == NULL)
    return G_SOURCE_REMOVE;

  n = g_list_model_get_n_items (G_LIST_MODEL (self->line_list));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (G_LIST_MODEL (self->line_list), i);
      const char *merchant = td_line_get_merchant (line);

      if (td_line_get_busi (line) == TD_BUSI_CHAT || merchant == NULL)
        continue;

      if (td_line_get_unread (line) > 0 && td_line_get_state (line) != TD_LINE_STATE_RESOLVED)
        {
          g_hash_table_insert (unread, (gpointer) merchant,
                               GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (unread, merchant)) + 1));
          all_unread++;
        }

      if (self->merchant != NULL && strcmp (merchant, self->merchant) != 0)
        continue;

      for (TdView v = TD_VIEW_WAITING; v <= TD_VIEW_PENDING; v++)
        if (line_in_view (self, line, v))
          view_counts[v]++;
    }

  for (TdView v = TD_VIEW_WAITING; v < N_VIEWS; v++)
    if (self->view_badges[v])
      set_badge (self->view_badges[v], view_counts[v]);

  g_hash_table_iter_init (&iter, self->merchant_badges);
  while (g_hash_table_iter_next (&iter, &key, &value))
    set_badge (value, strcmp (key, "") == 0 ? all_unread :
               GPOINTER_TO_UINT (g_hash_table_lookup (unread, key)));

  return G_SOURCE_REMOVE;
}

static void
schedule_counts (TdWindow *self)
{
  if (self->counts_idle_id == 0)
    self->counts_idle_id = g_timeout_add (200, update_counts_cb, self);
}

/* ---- sidebar ---- */

static GtkWidget *
make_sidebar_row (const char  *icon_name,
                  const char  *label,
                  const char  *name,
                  GtkLabel   **badge_out)
{
  GtkWidget *row = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *text = gtk_label_new (label);
  GtkWidget *badge = gtk_label_new (NULL);

  if (icon_name)
    gtk_box_append (GTK_BOX (box), gtk_image_new_from_icon_name (icon_name));
  gtk_label_set_xalign (GTK_LABEL (text), 0);
  gtk_label_set_ellipsize (GTK_LABEL (text), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (text, TRUE);
  gtk_box_append (GTK_BOX (box), text);
  gtk_widget_add_css_class (badge, "sidebar-badge");
  gtk_widget_add_css_class (badge, "numeric");
  gtk_widget_set_valign (badge, GTK_ALIGN_CENTER);
  gtk_widget_set_visible (badge, FALSE);
  gtk_box_append (GTK_BOX (box), badge);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
  gtk_widget_set_name (row, name);

  if (badge_out)
    *badge_out = GTK_LABEL (badge);

  return row;
}

static void
select_merchant_row (TdWindow *self)
{
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    {
      const char *name = gtk_widget_get_name (row);

      if (g_strcmp0 (name, self->merchant ? self->merchant : "") == 0)
        {
          gtk_list_box_select_row (self->merchants_list, GTK_LIST_BOX_ROW (row));
          return;
        }
    }
}

static void
rebuild_merchants (TdWindow *self)
{
  const char * const *merchants = self->channel ? td_channel_get_merchants (self->channel) : NULL;
  GtkWidget *child;
  GtkLabel *badge;

  self->rebuilding = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->merchants_list))) != NULL)
    gtk_list_box_remove (self->merchants_list, child);
  g_hash_table_remove_all (self->merchant_badges);

  gtk_list_box_append (self->merchants_list,
                       make_sidebar_row ("view-list-symbolic", _("All Merchants"), "", &badge));
  g_hash_table_insert (self->merchant_badges, g_strdup (""), badge);

  for (guint i = 0; merchants && merchants[i]; i++)
    {
      const char *name = td_channel_get_merchant_name (self->channel, merchants[i]);
      gtk_list_box_append (self->merchants_list,
                           make_sidebar_row ("user-home-symbolic", name ? name : merchants[i],
                                             merchants[i], &badge));
      g_hash_table_insert (self->merchant_badges, g_strdup (merchants[i]), badge);
    }

  select_merchant_row (self);
  self->rebuilding = FALSE;
  schedule_counts (self);
  update_lines_title (self);
}

static void
on_views_row_selected_cb (TdWindow      *self,
                          GtkListBoxRow *row,
                          GtkListBox    *box)
{
  if (row == NULL || self->rebuilding)
    return;

  td_window_set_view (self, (TdView) gtk_list_box_row_get_index (row));
}

static void
on_merchants_row_selected_cb (TdWindow      *self,
                              GtkListBoxRow *row,
                              GtkListBox    *box)
{
  const char *name;

  if (row == NULL || self->rebuilding)
    return;

  name = gtk_widget_get_name (GTK_WIDGET (row));
  td_window_set_merchant (self, name && name[0] ? name : NULL);
}

/* ---- folded (a narrow window shows one pane at a time) ---- */

static void
on_sidebar_row_activated_cb (TdWindow      *self,
                             GtkListBoxRow *row,
                             GtkListBox    *box)
{
  if (!adw_leaflet_get_folded (self->leaflet))
    return;

  adw_leaflet_set_visible_child (self->leaflet,
                                 self->view == TD_VIEW_DASHBOARD ?
                                 GTK_WIDGET (self->content_stack) : self->lines_pane);
}

static void
on_leaflet_visible_child_cb (TdWindow *self)
{
  /* back on the list: the line can be chosen again (not while the
   * template goes away) */
  if (self->leaflet != NULL && self->lines_pane != NULL && self->selection != NULL &&
      adw_leaflet_get_folded (self->leaflet) &&
      adw_leaflet_get_visible_child (self->leaflet) == self->lines_pane)
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
}

static void
back_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TdWindow *self = TD_WINDOW (widget);

  /* the dashboard was reached from the sidebar */
  if (self->view == TD_VIEW_DASHBOARD &&
      adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->content_stack))
    adw_leaflet_set_visible_child (self->leaflet, self->sidebar);
  else
    adw_leaflet_navigate (self->leaflet, ADW_NAVIGATION_DIRECTION_BACK);
}

/* ---- line list ---- */

static void
setup_line_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               TdWindow                 *self)
{
  gtk_list_item_set_child (item, td_line_row_new ());
}

static void
bind_line_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              TdWindow                 *self)
{
  TdLineRow *row = TD_LINE_ROW (gtk_list_item_get_child (item));
  TdLine *line = gtk_list_item_get_item (item);
  const char *merchant = td_line_get_merchant (line);

  td_line_row_set_merchant_name (row, merchant && self->channel ?
                                 td_channel_get_merchant_name (self->channel, merchant) : NULL);
  td_line_row_set_line (row, line);
}

static void
unbind_line_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                TdWindow                 *self)
{
  td_line_row_set_line (TD_LINE_ROW (gtk_list_item_get_child (item)), NULL);
}

static void
on_selected_item_cb (TdWindow           *self,
                     GParamSpec         *pspec,
                     GtkSingleSelection *selection)
{
  TdLine *line = gtk_single_selection_get_selected_item (selection);

  /* A line that leaves the view (answered, resolved…) stays open */
  if (line == NULL)
    return;
  /* the same line again after the list changed: it is on screen already */
  if (line == td_chat_view_get_line (self->chat_view) &&
      g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "chat") == 0 &&
      adw_leaflet_get_visible_child (self->leaflet) == GTK_WIDGET (self->content_stack))
    return;

  td_chat_view_set_line (self->chat_view, line);
  gtk_stack_set_visible_child_name (self->content_stack, "chat");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));
}

static void
update_lines_page (TdWindow *self)
{
  const char *page = "list";

  if (self->sort_model == NULL ||
      g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) == 0)
    page = self->search != NULL ? "no-results" : "empty";
  gtk_stack_set_visible_child_name (self->lines_stack, page);
}

static void
on_sorted_changed_cb (TdWindow   *self,
                      guint       position,
                      guint       removed,
                      guint       added,
                      GListModel *model)
{
  update_lines_page (self);
}

static void
on_line_list_changed_cb (TdWindow *self)
{
  schedule_counts (self);
}

static gboolean
on_scroll_idle_cb (gpointer data)
{
  TdWindow *self = data;

  self->scroll_idle_id = 0;
  /* Laid out by now: GtkListView 4.8 warns when asked too early */
  if (self->sort_model != NULL && gtk_widget_get_mapped (GTK_WIDGET (self->line_view)) &&
      self->scroll_to < g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)))
    gtk_widget_activate_action (GTK_WIDGET (self->line_view), "list.scroll-to-item", "u", self->scroll_to);

  return G_SOURCE_REMOVE;
}

/* Shows the row at @position of the line list (after the next layout) */
static void
scroll_line_view_to (TdWindow *self,
                     guint     position)
{
  self->scroll_to = position;
  if (self->scroll_idle_id == 0)
    self->scroll_idle_id = g_idle_add_full (GDK_PRIORITY_REDRAW + 10, on_scroll_idle_cb, self, NULL);
}

static gboolean
select_line (TdWindow *self,
             TdLine   *line)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TdLine) item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), i);

      if (item == line)
        {
          gtk_single_selection_set_selected (self->selection, i);
          scroll_line_view_to (self, i);
          return TRUE;
        }
    }

  return FALSE;
}

gboolean
td_window_open_line (TdWindow   *self,
                     const char *line_id)
{
  TdLine *line;

  g_return_val_if_fail (TD_IS_WINDOW (self), FALSE);

  if (self->channel == NULL ||
      (line = td_store_lookup_line (td_channel_get_store (self->channel), line_id)) == NULL)
    return FALSE;

  if (!select_line (self, line))
    {
      TdView view = TD_VIEW_ALL_OPEN;

      if (td_line_get_state (line) == TD_LINE_STATE_RESOLVED)
        view = TD_VIEW_RESOLVED;
      else if (td_line_get_state (line) != TD_LINE_STATE_OPEN)
        view = TD_VIEW_PENDING;

      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      td_window_set_merchant (self, NULL);
      td_window_set_view (self, view);
      select_line (self, line);
    }

  td_chat_view_set_line (self->chat_view, line);
  gtk_stack_set_visible_child_name (self->content_stack, "chat");
  adw_leaflet_set_visible_child (self->leaflet, GTK_WIDGET (self->content_stack));

  return TRUE;
}

void
td_window_step_line (TdWindow *self,
                     int       delta)
{
  guint n, pos;
  TdLine *current;

  g_return_if_fail (TD_IS_WINDOW (self));

  if (self->sort_model == NULL ||
      (n = g_list_model_get_n_items (G_LIST_MODEL (self->sort_model))) == 0)
    return;

  pos = gtk_single_selection_get_selected (self->selection);
  current = td_chat_view_get_line (self->chat_view);
  if (pos == GTK_INVALID_LIST_POSITION && current != NULL)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(TdLine) item = g_list_model_get_item (G_LIST_MODEL (self->sort_model), i);
          if (item == current)
            pos = i;
        }
    }

  if (pos == GTK_INVALID_LIST_POSITION)
    pos = delta > 0 ? 0 : n - 1;
  else if (delta < 0 && pos > 0)
    pos--;
  else if (delta > 0 && pos + 1 < n)
    pos++;

  gtk_single_selection_set_selected (self->selection, pos);
  scroll_line_view_to (self, pos);
}

/* ---- search (Ctrl+K) ---- */

static void
on_search_changed_cb (TdWindow       *self,
                      GtkSearchEntry *entry)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));

  g_clear_pointer (&self->search, g_free);
  if (text[0] != '\0')
    self->search = g_utf8_casefold (text, -1);
  refilter (self);
}

static void
on_search_activate_cb (TdWindow       *self,
                       GtkSearchEntry *entry)
{
  if (g_list_model_get_n_items (G_LIST_MODEL (self->sort_model)) > 0)
    {
      gtk_single_selection_set_selected (self->selection, 0);
      gtk_search_bar_set_search_mode (self->search_bar, FALSE);
      td_composer_grab_focus (td_chat_view_get_composer (self->chat_view));
    }
}

static void
on_search_mode_cb (TdWindow *self)
{
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
}

/* ---- channel ---- */

static void
update_connection (TdWindow *self)
{
  const char *transport;
  g_autofree char *text = NULL;
  const char *icon = "network-offline-symbolic";

  if (self->channel == NULL)
    return;

  switch (td_channel_get_state (self->channel))
    {
    case TD_CHANNEL_STATE_ONLINE:
      transport = td_transport_get_label (td_channel_get_transport (self->channel));
      /* Translators: %s is WebSocket or Long-poll */
      text = transport ? g_strdup_printf (_("Online · %s"), transport) : g_strdup (_("Online"));
      icon = "network-transmit-receive-symbolic";
      break;
    case TD_CHANNEL_STATE_CONNECTING:
      text = g_strdup (_("Connecting…"));
      icon = "network-idle-symbolic";
      break;
    case TD_CHANNEL_STATE_BACKING_OFF:
      text = g_strdup (_("Disconnected"));
      break;
    case TD_CHANNEL_STATE_OFFLINE:
    default:
      text = g_strdup (_("Offline"));
      break;
    }

  gtk_label_set_text (self->connection_label, text);
  gtk_image_set_from_icon_name (self->connection_icon, icon);
}

static void
on_channel_error_cb (TdWindow  *self,
                     GError    *error,
                     TdChannel *channel)
{
  if (g_error_matches (error, TD_CHANNEL_ERROR, TD_CHANNEL_ERROR_UNAUTHORIZED))
    {
      td_window_show_toast (self, _("Your session has ended. Please log in again."));
      return;
    }

  td_window_show_toast (self, error->message);
}

static void
on_send_failed_cb (TdWindow   *self,
                   const char *random_id,
                   GError     *error,
                   TdChannel  *channel)
{
  /* Translators: %s says why the server refused the message */
  g_autofree char *text = g_strdup_printf (_("Message not sent: %s"), error->message);

  td_window_show_toast (self, text);
}

void
td_window_set_channel (TdWindow  *self,
                       TdChannel *channel)
{
  GtkListItemFactory *factory;
  GtkFilterListModel *filter_model;

  g_return_if_fail (TD_IS_WINDOW (self));
  g_return_if_fail (channel == NULL || TD_IS_CHANNEL (channel));

  if (self->channel == channel)
    return;

  td_chat_view_set_channel (self->chat_view, NULL);
  gtk_list_view_set_model (self->line_view, NULL);
  if (self->line_list)
    g_signal_handlers_disconnect_by_data (self->line_list, self);
  if (self->sort_model)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  if (self->selection)
    g_signal_handlers_disconnect_by_data (self->selection, self);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->line_list);

  g_set_object (&self->channel, channel);
  g_signal_group_set_target (self->channel_signals, channel);
  td_connection_banner_set_channel (self->banner, channel);
  td_chat_view_set_channel (self->chat_view, channel);
  td_dashboard_set_channel (self->dashboard, channel);
  if (channel && self->merchant)
    td_dashboard_set_merchant (self->dashboard, self->merchant);

  if (channel == NULL)
    {
      td_desk_tools_channel_changed (self->tools);
      td_window_show_login (self);
      return;
    }

  self->line_list = td_line_list_new (td_channel_get_store (channel));
  g_signal_connect_object (self->line_list, "items-changed",
                           G_CALLBACK (on_line_list_changed_cb), self, G_CONNECT_SWAPPED);

  self->filter = gtk_custom_filter_new (filter_line_cb, self, NULL);
  filter_model = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->line_list)),
                                            g_object_ref (GTK_FILTER (self->filter)));
  self->sort_model = gtk_sort_list_model_new (G_LIST_MODEL (filter_model),
                                              GTK_SORTER (gtk_custom_sorter_new (td_line_compare_urgency,
                                                                                 NULL, NULL)));
  g_signal_connect_object (self->sort_model, "items-changed",
                           G_CALLBACK (on_sorted_changed_cb), self, G_CONNECT_SWAPPED);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->sort_model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_cb), self, G_CONNECT_SWAPPED);

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_line_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_line_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_line_cb), self);
  gtk_list_view_set_factory (self->line_view, factory);
  g_object_unref (factory);
  gtk_list_view_set_model (self->line_view, GTK_SELECTION_MODEL (self->selection));

  on_sorted_changed_cb (self, 0, 0, 0, G_LIST_MODEL (self->sort_model));
  rebuild_merchants (self);
  update_connection (self);
  schedule_counts (self);
  td_desk_tools_channel_changed (self->tools);
  /* drop the focus before its page goes (a focused GtkText warns) */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "desk");
}

TdChannel *
td_window_get_channel (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->channel;
}

void
td_window_show_login (TdWindow *self)
{
  g_return_if_fail (TD_IS_WINDOW (self));

  if (self->channel)
    td_window_set_channel (self, NULL);
  /* drop the focus before its page goes (a focused GtkText warns) */
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  gtk_stack_set_visible_child_name (self->main_stack, "login");
}

TdLoginPage *
td_window_get_login_page (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->login_page;
}

gboolean
td_window_is_showing_login (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), FALSE);

  return g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "login") == 0;
}

TdChatView *
td_window_get_chat_view (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->chat_view;
}

GListModel *
td_window_get_lines (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->sort_model ? G_LIST_MODEL (self->sort_model) : NULL;
}

void
td_window_set_view (TdWindow *self,
                    TdView    view)
{
  GtkListBoxRow *row;

  g_return_if_fail (TD_IS_WINDOW (self));
  g_return_if_fail (view <= TD_VIEW_DASHBOARD);

  row = gtk_list_box_get_row_at_index (self->views_list, view);
  if (row && gtk_list_box_get_selected_row (self->views_list) != row)
    {
      self->rebuilding = TRUE;
      gtk_list_box_select_row (self->views_list, row);
      self->rebuilding = FALSE;
    }

  gtk_stack_set_visible_child_name (self->content_stack,
                                    view == TD_VIEW_DASHBOARD ? "dashboard" : "chat");
  /* no line chosen beside the dashboard: choosing one opens it */
  if (view == TD_VIEW_DASHBOARD && self->selection != NULL)
    gtk_single_selection_set_selected (self->selection, GTK_INVALID_LIST_POSITION);
  if (self->view == view)
    return;

  self->view = view;
  if (self->settings)
    g_settings_set_string (self->settings, "last-view", views[view].id);
  refilter (self);
  schedule_counts (self);
}

TdView
td_window_get_view (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), TD_VIEW_WAITING);

  return self->view;
}

void
td_window_set_merchant (TdWindow   *self,
                        const char *merchant_id)
{
  g_return_if_fail (TD_IS_WINDOW (self));

  if (merchant_id && merchant_id[0] == '\0')
    merchant_id = NULL;
  if (g_strcmp0 (self->merchant, merchant_id) == 0)
    return;

  g_free (self->merchant);
  self->merchant = g_strdup (merchant_id);
  if (self->settings)
    g_settings_set_string (self->settings, "last-merchant", merchant_id ? merchant_id : "");

  self->rebuilding = TRUE;
  select_merchant_row (self);
  self->rebuilding = FALSE;
  refilter (self);
  schedule_counts (self);
  /* the dashboard follows a chosen merchant ("All merchants" keeps its own) */
  if (merchant_id)
    td_dashboard_set_merchant (self->dashboard, merchant_id);
}

const char *
td_window_get_merchant (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->merchant;
}

gboolean
td_window_is_line_visible (TdWindow   *self,
                           const char *line_id)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self)) &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "desk") == 0 &&
         g_strcmp0 (gtk_stack_get_visible_child_name (self->content_stack), "chat") == 0 &&
         td_chat_view_is_line_visible (self->chat_view, line_id);
}

TdDeskTools *
td_window_get_tools (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->tools;
}

TdContextPane *
td_window_get_context_pane (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->context_pane;
}

TdDashboard *
td_window_get_dashboard (TdWindow *self)
{
  g_return_val_if_fail (TD_IS_WINDOW (self), NULL);

  return self->dashboard;
}

void
td_window_show_toast (TdWindow   *self,
                      const char *text)
{
  AdwToast *toast;

  g_return_if_fail (TD_IS_WINDOW (self));

  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 5);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- actions ---- */

static void
jump_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *param)
{
  TdWindow *self = TD_WINDOW (widget);

  if (self->channel == NULL)
    return;

  gtk_search_bar_set_search_mode (self->search_bar, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
previous_line_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *param)
{
  td_window_step_line (TD_WINDOW (widget), -1);
}

static void
next_line_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  td_window_step_line (TD_WINDOW (widget), +1);
}

/* ---- GObject ---- */

static void
td_window_dispose (GObject *object)
{
  TdWindow *self = TD_WINDOW (object);

  g_clear_handle_id (&self->counts_idle_id, g_source_remove);
  g_clear_handle_id (&self->scroll_idle_id, g_source_remove);
  if (self->channel_signals)
    g_signal_group_set_target (self->channel_signals, NULL);
  if (self->chat_view)
    td_chat_view_set_channel (self->chat_view, NULL);
  if (self->line_view)
    gtk_list_view_set_model (self->line_view, NULL);
  if (self->line_list)
    g_signal_handlers_disconnect_by_data (self->line_list, self);
  if (self->sort_model)
    g_signal_handlers_disconnect_by_data (self->sort_model, self);
  if (self->selection)
    g_signal_handlers_disconnect_by_data (self->selection, self);

  g_clear_object (&self->tools);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_WINDOW);

  g_clear_object (&self->channel_signals);
  g_clear_object (&self->selection);
  g_clear_object (&self->sort_model);
  g_clear_object (&self->filter);
  g_clear_object (&self->line_list);
  g_clear_object (&self->channel);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (td_window_parent_class)->dispose (object);
}

static void
td_window_finalize (GObject *object)
{
  TdWindow *self = TD_WINDOW (object);

  g_free (self->merchant);
  g_free (self->search);
  g_hash_table_unref (self->merchant_badges);

  G_OBJECT_CLASS (td_window_parent_class)->finalize (object);
}

static void
td_window_class_init (TdWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_window_dispose;
  object_class->finalize = td_window_finalize;

  g_type_ensure (TD_TYPE_LOGIN_PAGE);
  g_type_ensure (TD_TYPE_CHAT_VIEW);
  g_type_ensure (TD_TYPE_CONNECTION_BANNER);
  g_type_ensure (TD_TYPE_CONTEXT_PANE);
  g_type_ensure (TD_TYPE_DASHBOARD);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TdWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, login_page);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, leaflet);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, sidebar);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, lines_pane);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, views_list);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, merchants_list);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, connection_label);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, connection_icon);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, lines_title);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, banner);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, lines_stack);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, line_view);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, content_stack);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, chat_view);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, context_pane);
  gtk_widget_class_bind_template_child (widget_class, TdWindow, dashboard);
  gtk_widget_class_bind_template_callback (widget_class, on_views_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_merchants_row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_mode_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_sidebar_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_leaflet_visible_child_cb);

  gtk_widget_class_install_action (widget_class, "win.jump", NULL, jump_action);
  gtk_widget_class_install_action (widget_class, "win.previous-line", NULL, previous_line_action);
  gtk_widget_class_install_action (widget_class, "win.next-line", NULL, next_line_action);
  gtk_widget_class_install_action (widget_class, "win.back", NULL, back_action);
}

static void
td_window_init (TdWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->merchant_badges = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->view = TD_VIEW_WAITING;

  self->rebuilding = TRUE;
  for (TdView v = TD_VIEW_WAITING; v < N_VIEWS; v++)
    gtk_list_box_append (self->views_list,
                         make_sidebar_row (views[v].icon, _(views[v].label), views[v].id,
                                           &self->view_badges[v]));
  gtk_list_box_select_row (self->views_list, gtk_list_box_get_row_at_index (self->views_list, 0));
  self->rebuilding = FALSE;

  self->channel_signals = g_signal_group_new (TD_TYPE_CHANNEL);
  g_signal_group_connect_swapped (self->channel_signals, "notify::state",
                                  G_CALLBACK (update_connection), self);
  g_signal_group_connect_swapped (self->channel_signals, "notify::transport",
                                  G_CALLBACK (update_connection), self);
  g_signal_group_connect_swapped (self->channel_signals, "notify::merchants",
                                  G_CALLBACK (rebuild_merchants), self);
  g_signal_group_connect_swapped (self->channel_signals, "notify::me-id",
                                  G_CALLBACK (refilter), self);
  g_signal_group_connect_swapped (self->channel_signals, "error",
                                  G_CALLBACK (on_channel_error_cb), self);
  g_signal_group_connect_swapped (self->channel_signals, "send-failed",
                                  G_CALLBACK (on_send_failed_cb), self);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  update_lines_title (self);
  self->tools = td_desk_tools_new (GTK_WIDGET (self));
}

TdWindow *
td_window_new (GtkApplication *app,
               GSettings      *settings)
{
  TdWindow *self = g_object_new (TD_TYPE_WINDOW, "application", app, NULL);

  if (settings != NULL)
    {
      g_autofree char *view = g_settings_get_string (settings, "last-view");
      g_autofree char *merchant = g_settings_get_string (settings, "last-merchant");

      g_set_object (&self->settings, settings);
      td_desk_tools_set_settings (self->tools, settings);
      g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_DEFAULT);

      for (TdView v = TD_VIEW_WAITING; v < N_VIEWS; v++)
        if (g_strcmp0 (view, views[v].id) == 0)
          td_window_set_view (self, v);
      td_window_set_merchant (self, merchant);
    }

  return self;
}

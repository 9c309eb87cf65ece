/* test-narrow.c — the window at every width: a narrow window folds to one
 * pane at a time (sidebar → lines → chat or dashboard) and gets back, the
 * window's buttons sit on the pane that ends the window, the dashboard stays
 * when the line list changes, a search that finds nothing says so, and the
 * shortcuts window opens without a warning
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>

#include "td-message-row.h"
#include "td-server.h"
#include "td-test-e2e.h"
#include "td-widget-util.h"
#include "td-widgets.h"
#include "td-window.h"

#define TIMEOUT_MS 15000
/* .ci/run's Xvfb screen is 1280 px wide: a wider window is clamped to it */
#define WIDE 1240
#define NARROW 480
#define HEIGHT 820

#define wait_until(cond, data, what) td_test_wait_until (NULL, (cond), (data), TIMEOUT_MS, (what))

typedef struct
{
  TdTestServer        s;
  TdTestClient        alice;
  TdTestClient        emma;
  TdTestClient        noah;
  GSettings          *settings;
  char               *emma_line;
  char               *noah_line;

  TdWindow           *window;
  AdwLeaflet         *leaflet;
  /* the leaflet's three panes (the other two pages are separators) */
  GtkWidget          *sidebar;
  GtkWidget          *lines_pane;
  GtkWidget          *content;
  GtkListBox         *views_list;
  GtkListBox         *merchants_list;
  GtkSingleSelection *selection;
  GtkStack           *lines_stack;
  GtkStack           *content_stack;
  GtkWidget          *search_entry;
  TdChatView         *chat;
  TdDashboard        *dashboard;
  TdContextPane      *pane;
} Fixture;

/* ---- finding the window's parts ---- */

static GtkWidget *
find_type (GtkWidget *widget,
           GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type))
        return child;
      if ((found = find_type (child, type)) != NULL)
        return found;
    }

  return NULL;
}

/* The first button under @widget that activates win.back */
static GtkWidget *
find_back_button (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_BUTTON (child) &&
          g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), "win.back") == 0)
        return child;
      if ((found = find_back_button (child)) != NULL)
        return found;
    }

  return NULL;
}

static GtkWidget *
leaflet_child (AdwLeaflet *leaflet,
               guint       position)
{
  g_autoptr(GListModel) pages = G_LIST_MODEL (adw_leaflet_get_pages (leaflet));
  g_autoptr(AdwLeafletPage) page = g_list_model_get_item (pages, position);

  g_assert_nonnull (page);
  return adw_leaflet_page_get_child (page);
}

/* ---- waits ---- */

typedef struct
{
  Fixture *f;
  int      width;
  gboolean folded;
} WidthWait;

static gboolean
width_settled (gpointer data)
{
  WidthWait *w = data;

  /* the default size counts the frame that a window without a window
   * manager draws around itself (a few px) */
  return ABS (gtk_widget_get_width (GTK_WIDGET (w->f->window)) - w->width) <= 24 &&
         adw_leaflet_get_folded (w->f->leaflet) == w->folded &&
         !adw_leaflet_get_child_transition_running (w->f->leaflet);
}

/* Resizes the window the way the operator does, and waits until the
 * leaflet took the width in. */
static void
set_width (Fixture  *f,
           int       width,
           gboolean  folded)
{
  WidthWait w = { f, width, folded };
  g_autofree char *what = g_strdup_printf ("a %d px window, %s", width, folded ? "folded" : "unfolded");

  gtk_window_set_default_size (GTK_WINDOW (f->window), width, HEIGHT);
  wait_until (width_settled, &w, what);
}

typedef struct
{
  Fixture   *f;
  GtkWidget *visible;
} PaneWait;

static gboolean
pane_shown (gpointer data)
{
  PaneWait *w = data;
  GtkWidget *panes[] = { w->f->sidebar, w->f->lines_pane, w->f->content };

  if (adw_leaflet_get_child_transition_running (w->f->leaflet))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    if (gtk_widget_get_mapped (panes[i]) != (panes[i] == w->visible))
      return FALSE;

  return TRUE;
}

static const char *
pane_name (Fixture   *f,
           GtkWidget *pane)
{
  return pane == f->sidebar ? "the sidebar" :
         pane == f->lines_pane ? "the line list" :
         pane == f->content ? "the chat / dashboard" : "another child";
}

/* Folded: @pane is the leaflet's visible child and, once the transition
 * ended, the only pane on screen. */
#define assert_shows(f, pane) assert_shows_at (__FILE__, __LINE__, (f), (pane))

static void
assert_shows_at (const char *file,
                 int         line,
                 Fixture    *f,
                 GtkWidget  *pane)
{
  GtkWidget *visible = adw_leaflet_get_visible_child (f->leaflet);
  PaneWait w = { f, pane };
  g_autofree char *what = NULL;

  if (visible != pane)
    {
      g_autofree char *msg = g_strdup_printf ("the leaflet shows %s, not %s",
                                              pane_name (f, visible), pane_name (f, pane));
      g_assertion_message (G_LOG_DOMAIN, file, line, G_STRFUNC, msg);
    }
  g_assert_true (adw_leaflet_get_folded (f->leaflet));

  what = g_strdup_printf ("%s alone on screen (%s:%d)", pane_name (f, pane), file, line);
  td_test_wait_until_at (file, line, G_STRFUNC, NULL, pane_shown, &w, TIMEOUT_MS, what);
}

static gboolean
all_panes_mapped (gpointer data)
{
  Fixture *f = data;

  return gtk_widget_get_mapped (f->sidebar) && gtk_widget_get_mapped (f->lines_pane) &&
         gtk_widget_get_mapped (f->content) &&
         gtk_widget_get_width (f->sidebar) >= 220 && gtk_widget_get_width (f->lines_pane) >= 360 &&
         gtk_widget_get_width (f->content) >= 360;
}

typedef struct
{
  TdWindow   *window;
  const char *line_id;
} LineWait;

static gboolean
line_listed (gpointer data)
{
  LineWait *w = data;
  GListModel *lines = td_window_get_lines (w->window);

  for (guint i = 0; lines && i < g_list_model_get_n_items (lines); i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (lines, i);

      if (g_strcmp0 (td_line_get_id (line), w->line_id) == 0)
        return TRUE;
    }

  return FALSE;
}

static guint
line_position (Fixture    *f,
               const char *line_id)
{
  GListModel *lines = G_LIST_MODEL (f->selection);

  for (guint i = 0; i < g_list_model_get_n_items (lines); i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (lines, i);

      if (g_strcmp0 (td_line_get_id (line), line_id) == 0)
        return i;
    }

  g_error ("line %s is not in the list", line_id);
  return GTK_INVALID_LIST_POSITION;
}

typedef struct
{
  GtkStack   *stack;
  const char *name;
} StackWait;

static gboolean
stack_shows (gpointer data)
{
  StackWait *w = data;

  return g_strcmp0 (gtk_stack_get_visible_child_name (w->stack), w->name) == 0;
}

static gboolean
counter_above (gpointer data)
{
  guint *counts = data;

  return counts[0] > counts[1];
}

static void
on_items_changed_cb (GListModel *model,
                     guint       position,
                     guint       removed,
                     guint       added,
                     guint      *count)
{
  (*count)++;
}

/* ---- what the operator does ---- */

/* A click on a sidebar row: it is selected, then activated */
static void
click_row (GtkListBox    *box,
           GtkListBoxRow *row)
{
  g_assert_nonnull (row);
  gtk_list_box_select_row (box, row);
  g_assert_true (gtk_widget_activate (GTK_WIDGET (row)));
}

static void
click_view (Fixture *f,
            TdView   view)
{
  click_row (f->views_list, gtk_list_box_get_row_at_index (f->views_list, view));
  g_assert_cmpint (td_window_get_view (f->window), ==, view);
}

/* A click on a line in the list */
static void
click_line (Fixture    *f,
            const char *line_id)
{
  gtk_single_selection_set_selected (f->selection, line_position (f, line_id));
}

static void
back (Fixture *f)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.back", NULL));
}

/* ---- the window's buttons ---- */

static void
assert_title_buttons (GtkWidget *pane,
                      gboolean   start,
                      gboolean   end)
{
  GtkWidget *bar = find_type (pane, ADW_TYPE_HEADER_BAR);

  g_assert_nonnull (bar);
  g_assert_cmpint (adw_header_bar_get_show_start_title_buttons (ADW_HEADER_BAR (bar)), ==, start);
  g_assert_cmpint (adw_header_bar_get_show_end_title_buttons (ADW_HEADER_BAR (bar)), ==, end);
}

static void
assert_back_buttons (Fixture  *f,
                     gboolean  visible)
{
  GtkWidget *panes[] = { f->lines_pane, GTK_WIDGET (f->chat), GTK_WIDGET (f->dashboard) };

  g_assert_null (find_back_button (f->sidebar));
  for (guint i = 0; i < G_N_ELEMENTS (panes); i++)
    {
      GtkWidget *button = find_back_button (panes[i]);

      g_assert_nonnull (button);
      g_assert_cmpint (gtk_widget_get_visible (button), ==, visible);
    }
}

/* ---- fixture: the real server, Alice's window, two lines ---- */

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  GListModel *pages;

  td_test_server_start (&f->s, "UTC");
  td_test_client_open (&f->alice, &f->s, "demo-op-alice", NULL);
  td_test_client_open (&f->emma, &f->s, "demo-cust-1", NULL);
  td_test_client_open (&f->noah, &f->s, "demo-cust-5", NULL);
  td_test_client_go_online (&f->alice);
  td_test_client_go_online (&f->emma);
  td_test_client_go_online (&f->noah);

  f->emma_line = td_test_client_open_line (&f->emma, "m_lakeside");
  g_free (td_channel_send_text (f->emma.channel, f->emma_line, "Is breakfast included?"));
  f->noah_line = td_test_client_open_line (&f->noah, "m_skyline");
  g_free (td_channel_send_text (f->noah.channel, f->noah_line, "Can I bring my bike on the tour?"));
  td_test_wait_text (f->alice.store, f->emma_line, "Is breakfast included?");
  td_test_wait_text (f->alice.store, f->noah_line, "Can I bring my bike on the tour?");

  f->settings = g_settings_new (APP_ID);
  g_settings_reset (f->settings, "last-view");
  g_settings_reset (f->settings, "last-merchant");
  g_settings_reset (f->settings, "context-pane-visible");

  f->window = td_window_new (NULL, f->settings);
  gtk_window_set_default_size (GTK_WINDOW (f->window), WIDE, HEIGHT);
  td_window_set_channel (f->window, f->alice.channel);
  td_window_set_view (f->window, TD_VIEW_ALL_OPEN);
  gtk_window_present (GTK_WINDOW (f->window));

  f->leaflet = ADW_LEAFLET (find_type (GTK_WIDGET (f->window), ADW_TYPE_LEAFLET));
  g_assert_nonnull (f->leaflet);
  pages = G_LIST_MODEL (adw_leaflet_get_pages (f->leaflet));
  g_assert_cmpuint (g_list_model_get_n_items (pages), ==, 5);
  g_object_unref (pages);
  f->sidebar = leaflet_child (f->leaflet, 0);
  f->lines_pane = leaflet_child (f->leaflet, 2);
  f->content = leaflet_child (f->leaflet, 4);
  g_assert_true (GTK_IS_STACK (f->content));
  f->content_stack = GTK_STACK (f->content);

  f->views_list = GTK_LIST_BOX (find_type (f->sidebar, GTK_TYPE_LIST_BOX));
  g_assert_nonnull (f->views_list);
  /* the merchants: the list box after the views' */
  for (GtkWidget *w = gtk_widget_get_next_sibling (GTK_WIDGET (f->views_list)); w && !f->merchants_list;
       w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_LIST_BOX (w))
      f->merchants_list = GTK_LIST_BOX (w);
  g_assert_nonnull (f->merchants_list);

  f->selection = GTK_SINGLE_SELECTION (gtk_list_view_get_model (GTK_LIST_VIEW (find_type (f->lines_pane,
                                                                                          GTK_TYPE_LIST_VIEW))));
  g_assert_true (GTK_IS_SINGLE_SELECTION (f->selection));
  f->lines_stack = GTK_STACK (find_type (f->lines_pane, GTK_TYPE_STACK));
  g_assert_nonnull (gtk_stack_get_child_by_name (f->lines_stack, "no-results"));
  f->search_entry = find_type (f->lines_pane, GTK_TYPE_SEARCH_ENTRY);
  g_assert_nonnull (f->search_entry);
  f->chat = td_window_get_chat_view (f->window);
  f->dashboard = td_window_get_dashboard (f->window);
  f->pane = td_window_get_context_pane (f->window);
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (f->chat), f->content));
  g_assert_true (gtk_widget_is_ancestor (GTK_WIDGET (f->dashboard), f->content));

  {
    LineWait lw = { f->window, f->emma_line };

    wait_until (line_listed, &lw, "emma's line in the list");
    lw.line_id = f->noah_line;
    wait_until (line_listed, &lw, "noah's line in the list");
  }
  set_width (f, WIDE, FALSE);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (f->window));
  td_test_iterate_for (NULL, 50);
  g_clear_object (&f->settings);
  td_test_client_free (&f->alice);
  td_test_client_free (&f->emma);
  td_test_client_free (&f->noah);
  td_test_server_free (&f->s);
  g_free (f->emma_line);
  g_free (f->noah_line);
}

/* ---- screenshots ---- */

static void
on_after_paint_count_cb (GdkFrameClock *clock,
                         guint         *count)
{
  (*count)++;
}

static gboolean
painted_once (gpointer data)
{
  return *(guint *) data >= 1;
}

static gboolean
painted_twice (gpointer data)
{
  return *(guint *) data >= 2;
}

/* The whole screen (the window is alone on it): an optional artifact */
static void
screen_png (const char *name)
{
  g_autofree char *import = g_find_program_in_path ("import");
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  const char *argv[] = { import, "-window", "root", path, NULL };
  GList *toplevels = gtk_window_list_toplevels ();
  GdkFrameClock *clock = toplevels ? gtk_widget_get_frame_clock (toplevels->data) : NULL;
  guint paints = 0;

  g_list_free (toplevels);
  if (import == NULL || g_getenv ("DISPLAY") == NULL || clock == NULL)
    return;
  /* what the last change made is on screen */
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_count_cb), &paints);
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  wait_until (painted_once, &paints, "a frame");
  gdk_frame_clock_request_phase (clock, GDK_FRAME_CLOCK_PHASE_PAINT);
  wait_until (painted_twice, &paints, "two frames");
  g_signal_handlers_disconnect_by_func (clock, on_after_paint_count_cb, &paints);
  if (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, NULL, NULL))
    g_test_message ("screenshot: %s", path);
}

static void
collect_rows (GtkWidget *widget,
              GPtrArray *rows)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (TD_IS_MESSAGE_ROW (child))
      g_ptr_array_add (rows, child);
    else
      collect_rows (child, rows);
}

typedef struct
{
  TdChatView *chat;
  guint       n;
} RowsWait;

static gboolean
rows_shown (gpointer data)
{
  RowsWait *w = data;
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();

  collect_rows (GTK_WIDGET (w->chat), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      GtkWidget *avatar = find_type (rows->pdata[i], TD_TYPE_AVATAR);

      if (!gtk_widget_get_mapped (rows->pdata[i]) ||
          td_message_row_get_message (rows->pdata[i]) == NULL ||
          (avatar && gtk_widget_get_visible (avatar) && gtk_widget_get_width (avatar) == 0))
        return FALSE;
    }

  return rows->len >= w->n;
}

/* ---- tests ---- */

/* Wide: nothing folds, sidebar, lines and chat side by side, no back
 * button; at 1024 px too, with the chat or the dashboard */
static void
test_wide (Fixture       *f,
           gconstpointer  data)
{
  g_assert_false (adw_leaflet_get_folded (f->leaflet));
  wait_until (all_panes_mapped, f, "the three panes side by side");
  assert_back_buttons (f, FALSE);

  click_line (f, f->emma_line);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->emma_line);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "chat");
  g_assert_false (adw_leaflet_get_folded (f->leaflet));
  wait_until (all_panes_mapped, f, "the three panes side by side");
  /* back does nothing harmful when nothing is folded */
  back (f);
  g_assert_false (adw_leaflet_get_folded (f->leaflet));
  wait_until (all_panes_mapped, f, "the three panes after back");

  set_width (f, 1024, FALSE);
  wait_until (all_panes_mapped, f, "the three panes at 1024 px");
  click_view (f, TD_VIEW_DASHBOARD);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");
  td_test_iterate_for (NULL, 300);  /* the figures come in */
  g_assert_false (adw_leaflet_get_folded (f->leaflet));
  wait_until (all_panes_mapped, f, "sidebar, lines and dashboard at 1024 px");
}

/* Folded: sidebar → lines → chat and back; a line chosen again after going
 * back opens again; merchant rows lead on too */
static void
test_folded_lines (Fixture       *f,
                   gconstpointer  data)
{
  set_width (f, NARROW, TRUE);
  /* nothing chosen yet: the sidebar */
  assert_shows (f, f->sidebar);
  assert_back_buttons (f, TRUE);
  screen_png ("narrow-folded-sidebar.png");

  click_view (f, TD_VIEW_ALL_OPEN);
  assert_shows (f, f->lines_pane);
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, GTK_INVALID_LIST_POSITION);

  screen_png ("narrow-folded-lines.png");

  click_line (f, f->emma_line);
  assert_shows (f, f->content);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "chat");
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->emma_line);
  g_assert_true (td_chat_view_get_folded (f->chat));
  screen_png ("narrow-folded-chat.png");

  /* back on the list: nothing selected, so the same line opens again */
  back (f);
  assert_shows (f, f->lines_pane);
  g_assert_cmpuint (gtk_single_selection_get_selected (f->selection), ==, GTK_INVALID_LIST_POSITION);
  click_line (f, f->emma_line);
  assert_shows (f, f->content);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->emma_line);

  /* and another line */
  back (f);
  assert_shows (f, f->lines_pane);
  click_line (f, f->noah_line);
  assert_shows (f, f->content);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->noah_line);

  /* Alt+Down goes on to the next line without leaving the chat */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.next-line", NULL));
  assert_shows (f, f->content);

  /* back twice: the list, then the sidebar */
  back (f);
  assert_shows (f, f->lines_pane);
  back (f);
  assert_shows (f, f->sidebar);

  /* a merchant row leads on to its lines */
  {
    GtkListBoxRow *row = NULL;

    for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (f->merchants_list)); w; w = gtk_widget_get_next_sibling (w))
      if (g_strcmp0 (gtk_widget_get_name (w), "m_skyline") == 0)
        row = GTK_LIST_BOX_ROW (w);
    click_row (f->merchants_list, row);
    g_assert_cmpstr (td_window_get_merchant (f->window), ==, "m_skyline");
    assert_shows (f, f->lines_pane);
    g_assert_cmpuint (g_list_model_get_n_items (td_window_get_lines (f->window)), ==, 1);
  }

  /* a line opened from elsewhere (a notification, search) shows the chat */
  back (f);
  assert_shows (f, f->sidebar);
  g_assert_true (td_window_open_line (f->window, f->emma_line));
  assert_shows (f, f->content);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->emma_line);

  /* wide again: everything side by side, the line still open */
  set_width (f, WIDE, FALSE);
  wait_until (all_panes_mapped, f, "the three panes side by side again");
  assert_back_buttons (f, FALSE);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (f->chat)), ==, f->emma_line);
}

/* Folded: the dashboard from the sidebar, and back to the sidebar */
static void
test_folded_dashboard (Fixture       *f,
                       gconstpointer  data)
{
  set_width (f, NARROW, TRUE);
  assert_shows (f, f->sidebar);

  click_view (f, TD_VIEW_DASHBOARD);
  assert_shows (f, f->content);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");
  g_assert_true (td_dashboard_get_folded (f->dashboard));
  g_assert_true (gtk_widget_get_visible (find_back_button (GTK_WIDGET (f->dashboard))));
  screen_png ("narrow-folded-dashboard.png");

  /* reached from the sidebar: back goes there, not to the line list */
  back (f);
  assert_shows (f, f->sidebar);

  /* the sidebar's row again: the dashboard again */
  click_view (f, TD_VIEW_DASHBOARD);
  assert_shows (f, f->content);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");

  /* a view with lines afterwards: the list, then a chat */
  back (f);
  click_view (f, TD_VIEW_WAITING);
  assert_shows (f, f->lines_pane);
  click_line (f, f->emma_line);
  assert_shows (f, f->content);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "chat");
}

/* The window's buttons (close…) on the pane that ends the window, its
 * start buttons on the one that starts it */
static void
test_title_buttons (Fixture       *f,
                    gconstpointer  data)
{
  /* wide: the sidebar starts the window, the chat ends it */
  click_line (f, f->emma_line);
  assert_title_buttons (f->sidebar, TRUE, FALSE);
  assert_title_buttons (f->lines_pane, FALSE, FALSE);
  assert_title_buttons (GTK_WIDGET (f->chat), FALSE, TRUE);

  /* the customer's pane open: it ends the window */
  gtk_widget_activate_action (GTK_WIDGET (f->window), "tools.context", NULL);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (f->pane)));
  assert_title_buttons (GTK_WIDGET (f->chat), FALSE, FALSE);
  assert_title_buttons (GTK_WIDGET (f->pane), FALSE, TRUE);

  /* the dashboard ends the window */
  click_view (f, TD_VIEW_DASHBOARD);
  assert_title_buttons (GTK_WIDGET (f->dashboard), FALSE, TRUE);

  /* folded: every pane is the whole window (the chat and the customer's
   * pane side by side need ~580 px: a window with the pane open does not
   * get narrower than that) */
  set_width (f, 720, TRUE);
  assert_title_buttons (f->sidebar, TRUE, TRUE);
  assert_title_buttons (f->lines_pane, TRUE, TRUE);
  assert_title_buttons (GTK_WIDGET (f->dashboard), TRUE, TRUE);
  /* the chat with the customer's pane beside it: start on the chat, end on the pane */
  assert_title_buttons (GTK_WIDGET (f->chat), TRUE, FALSE);
  assert_title_buttons (GTK_WIDGET (f->pane), FALSE, TRUE);
  click_view (f, TD_VIEW_ALL_OPEN);
  assert_shows (f, f->lines_pane);
  click_line (f, f->emma_line);
  assert_shows (f, f->content);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->pane)));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "tools.context", NULL);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (f->pane)));
  assert_title_buttons (GTK_WIDGET (f->chat), TRUE, TRUE);

  set_width (f, NARROW, TRUE);
  assert_shows (f, f->content);
  assert_title_buttons (f->sidebar, TRUE, TRUE);
  assert_title_buttons (f->lines_pane, TRUE, TRUE);
  assert_title_buttons (GTK_WIDGET (f->chat), TRUE, TRUE);
  assert_title_buttons (GTK_WIDGET (f->dashboard), TRUE, TRUE);
}

/* The dashboard stays on screen while lines come and change */
static void
test_dashboard_stays (Fixture       *f,
                      gconstpointer  data)
{
  GListModel *lines = td_window_get_lines (f->window);
  guint counts[2] = { 0, 0 };
  gulong id = g_signal_connect (lines, "items-changed", G_CALLBACK (on_items_changed_cb), &counts[0]);
  TdTestClient mia = { 0, };
  g_autofree char *mia_line = NULL;

  /* wide: a line was open, then the dashboard */
  click_line (f, f->emma_line);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "chat");
  click_view (f, TD_VIEW_DASHBOARD);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");

  /* the line that was open moves in the list: answered (no longer
   * waiting, below noah's), then waiting again */
  g_assert_cmpuint (line_position (f, f->emma_line), ==, 0);
  counts[1] = counts[0];
  g_free (td_channel_send_text (f->alice.channel, f->emma_line, "Yes, breakfast is included."));
  td_test_wait_text (f->alice.store, f->emma_line, "Yes, breakfast is included.");
  wait_until (counter_above, counts, "the line list to change");
  td_test_iterate_for (NULL, 200);
  g_assert_cmpuint (line_position (f, f->emma_line), ==, 1);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");
  counts[1] = counts[0];
  g_free (td_channel_send_text (f->emma.channel, f->emma_line, "Hello? And parking?"));
  td_test_wait_text (f->alice.store, f->emma_line, "Hello? And parking?");
  wait_until (counter_above, counts, "the line list to change");
  td_test_iterate_for (NULL, 200);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");

  /* folded, on the dashboard: a line comes and another changes */
  set_width (f, NARROW, TRUE);
  click_view (f, TD_VIEW_DASHBOARD);
  assert_shows (f, f->content);
  td_test_client_open (&mia, &f->s, "demo-cust-6", NULL);
  td_test_client_go_online (&mia);
  counts[1] = counts[0];
  mia_line = td_test_client_open_line (&mia, "m_lakeside");
  g_free (td_channel_send_text (mia.channel, mia_line, "Do you have a room for tonight?"));
  g_free (td_channel_send_text (f->noah.channel, f->noah_line, "And a helmet?"));
  td_test_wait_text (f->alice.store, mia_line, "Do you have a room for tonight?");
  td_test_wait_text (f->alice.store, f->noah_line, "And a helmet?");
  {
    LineWait lw = { f->window, mia_line };

    wait_until (line_listed, &lw, "mia's line in the list");
  }
  td_test_iterate_for (NULL, 200);
  assert_shows (f, f->content);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->content_stack), ==, "dashboard");

  g_signal_handler_disconnect (lines, id);
  td_test_client_free (&mia);
}

/* A search that finds no line says so; an empty view is All Caught Up */
static void
test_no_matching_lines (Fixture       *f,
                        gconstpointer  data)
{
  StackWait sw = { f->lines_stack, "no-results" };
  GtkWidget *page;

  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->lines_stack), ==, "list");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.jump", NULL));
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "nobody by this name");
  wait_until (stack_shows, &sw, "No Matching Lines");
  g_assert_cmpuint (g_list_model_get_n_items (td_window_get_lines (f->window)), ==, 0);
  page = gtk_stack_get_visible_child (f->lines_stack);
  g_assert_true (ADW_IS_STATUS_PAGE (page));
  g_assert_cmpstr (adw_status_page_get_title (ADW_STATUS_PAGE (page)), ==, "No Matching Lines");
  g_assert_true (gtk_widget_get_mapped (page));

  /* another search that finds nothing: still there (the list stays empty,
   * no items change) */
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "still nobody");
  td_test_iterate_for (NULL, 400);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->lines_stack), ==, "no-results");

  /* a customer's name finds the line */
  sw.name = "list";
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "emma");
  wait_until (stack_shows, &sw, "the list again");
  g_assert_cmpuint (g_list_model_get_n_items (td_window_get_lines (f->window)), >=, 1);

  /* no search, a view without lines: not No Matching Lines */
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "");
  sw.name = "list";
  wait_until (stack_shows, &sw, "the list without a search");
  td_window_set_view (f->window, TD_VIEW_RESOLVED);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (f->lines_stack), ==, "empty");
  /* from an empty view, a search that finds nothing either (no item
   * changes on the way), and back */
  sw.name = "no-results";
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "still nobody");
  wait_until (stack_shows, &sw, "No Matching Lines from an empty view");
  sw.name = "empty";
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "");
  wait_until (stack_shows, &sw, "All Caught Up again");

  /* folded too */
  set_width (f, NARROW, TRUE);
  click_view (f, TD_VIEW_ALL_OPEN);
  assert_shows (f, f->lines_pane);
  sw.name = "no-results";
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.jump", NULL));
  gtk_editable_set_text (GTK_EDITABLE (f->search_entry), "nobody by this name");
  wait_until (stack_shows, &sw, "No Matching Lines, folded");
  g_assert_true (gtk_widget_get_mapped (gtk_stack_get_visible_child (f->lines_stack)));
  screen_png ("narrow-no-matching-lines.png");
}

/* ---- the chat's avatars ---- */

/* The message rows' avatars: TdAvatar (one widget, its disc drawn once),
 * the sender's initials, only beside the customer's messages */
static void
test_chat_avatars (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  RowsWait rw = { f->chat, 2 };
  guint incoming = 0, own = 0;

  g_free (td_channel_send_text (f->alice.channel, f->emma_line, "Yes, it is."));
  td_test_wait_text (f->alice.store, f->emma_line, "Yes, it is.");
  click_line (f, f->emma_line);
  wait_until (rows_shown, &rw, "the chat's rows");
  screen_png ("narrow-chat-light.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_FORCE_DARK);
  screen_png ("narrow-chat-dark.png");
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  collect_rows (GTK_WIDGET (f->chat), rows);
  for (guint i = 0; i < rows->len; i++)
    {
      TdMessage *m = td_message_row_get_message (rows->pdata[i]);
      GtkWidget *avatar;
      const char *name = td_message_get_sender_name (m);

      /* no AdwAvatar left */
      g_assert_null (find_type (rows->pdata[i], ADW_TYPE_AVATAR));
      avatar = find_type (rows->pdata[i], TD_TYPE_AVATAR);
      g_assert_nonnull (avatar);
      g_assert_cmpint (gtk_widget_get_width (avatar), ==, (gtk_widget_get_visible (avatar) ? 32 : 0));
      if (td_message_get_sender_role (m) == TD_ROLE_OPERATOR)
        {
          g_assert_false (gtk_widget_get_visible (avatar));
          own++;
        }
      else
        {
          g_assert_true (gtk_widget_get_visible (avatar));
          g_autofree char *first = NULL;

          g_assert_nonnull (name);
          first = g_utf8_strup (name, g_utf8_next_char (name) - name);
          g_assert_nonnull (td_avatar_get_initials (TD_AVATAR (avatar)));
          g_assert_true (g_str_has_prefix (td_avatar_get_initials (TD_AVATAR (avatar)), first));
          incoming++;
        }
    }
  g_assert_cmpuint (incoming, >=, 1);
  g_assert_cmpuint (own, >=, 1);
}

/* ---- the shortcuts window (Ctrl+?) ---- */

static gboolean
painted (gpointer data)
{
  return *(guint *) data > 0;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   guint         *count)
{
  (*count)++;
}

/* Opens like Ctrl+? does, under fatal warnings: a page switcher in it
 * (more rows than its max-height) made GTK warn about a label's negative
 * width */
static void
test_shortcuts_window (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GtkBuilder) builder = gtk_builder_new_from_resource (TD_RESOURCE_PATH "/gtk/help-overlay.ui");
  GtkWidget *overlay = GTK_WIDGET (gtk_builder_get_object (builder, "help_overlay"));
  GtkWidget *switcher;
  guint paints = 0;
  gulong id;

  g_assert_true (GTK_IS_SHORTCUTS_WINDOW (overlay));
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (f->window), GTK_SHORTCUTS_WINDOW (overlay));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->window), "win.show-help-overlay", NULL));
  g_assert_true (gtk_widget_get_visible (overlay));
  wait_until ((TdTestCondFunc) gtk_widget_get_mapped, overlay, "the shortcuts window");
  id = g_signal_connect (gtk_widget_get_frame_clock (overlay), "after-paint",
                         G_CALLBACK (on_after_paint_cb), &paints);
  gtk_widget_queue_draw (overlay);
  wait_until (painted, &paints, "the shortcuts window drawn");
  g_signal_handler_disconnect (gtk_widget_get_frame_clock (overlay), id);

  /* one page: no page switcher */
  switcher = find_type (overlay, GTK_TYPE_STACK_SWITCHER);
  g_assert_true (switcher == NULL || !gtk_widget_get_mapped (switcher));

  gtk_widget_set_visible (overlay, FALSE);
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  td_widgets_init ();
  td_widgets_load_css (gdk_display_get_default ());
  /* GtkText's cursor-blink timeout warns when its entry lost the focus
   * with a page change: no blinking here */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

#define ADD(path, func) \
  g_test_add ("/tripdesk/narrow/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("wide", test_wide);
  ADD ("folded-lines", test_folded_lines);
  ADD ("folded-dashboard", test_folded_dashboard);
  ADD ("title-buttons", test_title_buttons);
  ADD ("dashboard-stays", test_dashboard_stays);
  ADD ("no-matching-lines", test_no_matching_lines);
  ADD ("chat-avatars", test_chat_avatars);
  ADD ("shortcuts-window", test_shortcuts_window);
#undef ADD

  return g_test_run ();
}

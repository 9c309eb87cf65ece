/* test-scale.c — the window on a 20 000-line / 500 000-message cache
 *
 * Generates the cache with td-make-fixture (20 000 lines, 200 000 messages
 * by default; TD_SCALE_LINES / TD_SCALE_MESSAGES, or TD_FIXTURE), opens
 * the window on it with no server reachable, and checks that it is usable
 * within a second: the line list shows rows, a line's messages load, the
 * list scrolls.  The timings are printed (and kept in scale-timings.txt).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define CALLGRIND_DUMP_STATS_AT(name)
#endif

#include "td-chat-view.h"
#include "td-line-row.h"
#include "td-widgets.h"
#include "td-window.h"

/* The window on a 20,000-line cache: it shows lines, opens a line with
 * its messages, and scrolls, all from the cache alone.  The timings are
 * reported (and kept in scale-timings.txt), not asserted: speed is
 * measured in bench/.  TD_SCALE_STRICT=1 holds them to the one-second
 * target, by hand on a quiet machine. */
#define TARGET_MS 1000
#define SCROLL_FRAMES 40

static char *fixture;
static char *tmpdir;
static GString *timings;

static double
ms_since (gint64 start)
{
  return (g_get_monotonic_time () - start) / 1000.0;
}

/* CPU time of the process (every thread): what the work costs, whatever
 * else the machine is doing */
static double
cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);

  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

typedef gboolean (*Condition) (gpointer data);

static void
wait_until (Condition   condition,
            gpointer    data,
            const char *what)
{
  /* TD_SCALE_SLOW=N: N times longer (under valgrind) */
  int slow = g_getenv ("TD_SCALE_SLOW") ? MAX (1, atoi (g_getenv ("TD_SCALE_SLOW"))) : 1;
  gint64 deadline = g_get_monotonic_time () + (gint64) slow * 30 * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("Timed out waiting for %s", what);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (500);
    }
}

static guint frames;

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gpointer       data)
{
  frames++;
}

typedef struct
{
  TdWindow *window;
  guint     frames_at_start;
} Ready;

static gboolean
painted (gpointer data)
{
  return frames > 0;
}

static gboolean
window_shows_lines (gpointer data)
{
  Ready *r = data;
  GListModel *lines = td_window_get_lines (r->window);

  return lines && g_list_model_get_n_items (lines) > 0 && frames > r->frames_at_start + 1;
}

static gboolean
messages_loaded (gpointer data)
{
  GListModel *messages = td_chat_view_get_messages (data);

  return messages && g_list_model_get_n_items (messages) > 0;
}

/* The window as it looks on the big cache, offline: a test artifact */
static void
save_window_png (TdWindow   *window,
                 const char *name)
{
  GtkWidget *widget = GTK_WIDGET (window);
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);

  gdk_paintable_snapshot (paintable, snapshot, w, h);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (widget)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_object_unref (paintable);
}

/* The GtkListView showing @lines (through its selection model) */
static GtkWidget *
find_line_view (GtkWidget  *root,
                GListModel *lines)
{
  if (GTK_IS_LIST_VIEW (root))
    {
      GtkSelectionModel *model = gtk_list_view_get_model (GTK_LIST_VIEW (root));

      if (GTK_IS_SINGLE_SELECTION (model) &&
          gtk_single_selection_get_model (GTK_SINGLE_SELECTION (model)) == lines)
        return root;
    }

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_line_view (c, lines);
      if (found)
        return found;
    }

  return NULL;
}

/* Every line row on screen has made its children (a dormant row far from
 * the viewport has none): nothing blank where the list shows.  Returns how
 * many rows the list keeps, and how many of them are awake. */
static void
check_rows_on_screen (GtkWidget *view,
                      guint     *n_rows,
                      guint     *n_awake)
{
  int h = gtk_widget_get_height (view);
  guint on_screen = 0;

  *n_rows = *n_awake = 0;
  for (GtkWidget *item = gtk_widget_get_first_child (view); item; item = gtk_widget_get_next_sibling (item))
    {
      GtkWidget *row = gtk_widget_get_first_child (item);
      graphene_rect_t bounds;

      if (!TD_IS_LINE_ROW (row))
        continue;
      (*n_rows)++;
      if (td_line_row_is_awake (TD_LINE_ROW (row)))
        (*n_awake)++;
      /* the list keeps the rows out of sight unmapped */
      if (!gtk_widget_get_mapped (row) ||
          !gtk_widget_compute_bounds (row, view, &bounds) ||
          bounds.origin.y + bounds.size.height <= 0 || bounds.origin.y >= h)
        continue;
      on_screen++;
      g_assert_true (td_line_row_is_awake (TD_LINE_ROW (row)));
      g_assert_true (gtk_widget_get_visible (gtk_widget_get_first_child (row)));
      /* …and shows its own line (rows are recycled) */
      {
        TdLine *line = td_line_row_get_line (TD_LINE_ROW (row));
        const char *label = td_line_row_get_accessible_label (TD_LINE_ROW (row));
        const char *name = td_line_get_customer_name (line);

        g_assert_nonnull (label);
        g_assert_true (g_str_has_prefix (label, name && name[0] ? name : td_line_get_uid (line)));
      }
    }
  g_assert_cmpuint (on_screen, >, 3);
}

static void
test_window_on_big_cache (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(TdChannel) channel = NULL;
  TdWindow *window;
  Ready ready = { 0, };
  gint64 start, t, data_start;
  double data_ms, data_cpu, line_cpu;
  double open_ms, first_ms, line_ms, scroll_worst = 0, scroll_total = 0;
  GListModel *lines;
  g_autoptr(TdLine) busiest = NULL;
  GtkScrolledWindow *scroller;
  GtkAdjustment *adj;
  GtkWidget *view;
  guint n, n_rows, n_awake;

  /* The window is on screen (as after `activate`) before the data comes */
  window = td_window_new (NULL, NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (window)),
                    "after-paint", G_CALLBACK (on_after_paint_cb), NULL);
  wait_until (painted, NULL, "the empty window");

  start = g_get_monotonic_time ();
  store = td_store_new (fixture, &error);
  g_assert_no_error (error);
  open_ms = ms_since (start);
  g_assert_cmpuint (td_store_get_n_lines (store), >=, 1000);

  CALLGRIND_DUMP_STATS_AT ("store-open");
  /* Nobody answers here: the window works from the cache alone */
  channel = td_channel_new ("http://127.0.0.1:9", "no-token", store, NULL);
  data_start = g_get_monotonic_time ();
  data_cpu = cpu_ms ();
  td_window_set_channel (window, channel);
  td_window_set_view (window, TD_VIEW_ALL_OPEN);
  td_channel_start (channel);
  ready.window = window;
  ready.frames_at_start = frames;
  wait_until (window_shows_lines, &ready, "the first frame with lines");
  first_ms = ms_since (start);
  CALLGRIND_DUMP_STATS_AT ("first-frame");
  data_ms = ms_since (data_start);
  data_cpu = cpu_ms () - data_cpu;
  g_test_message ("first frame with lines after %.0f ms", first_ms);

  lines = td_window_get_lines (window);
  n = g_list_model_get_n_items (lines);
  g_assert_cmpuint (n, >, 100);

  /* Open a line: its newest page loads off the main thread */
  t = g_get_monotonic_time ();
  line_cpu = cpu_ms ();
  busiest = g_list_model_get_item (lines, 0);
  g_assert_true (td_window_open_line (window, td_line_get_id (busiest)));
  g_test_message ("open_line returned after %.0f ms", ms_since (t));
  wait_until (messages_loaded, td_window_get_chat_view (window), "the line's messages");
  g_test_message ("messages loaded after %.0f ms", ms_since (t));
  {
    guint before = frames;

    while (frames < before + 2)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (200);
  }
  line_ms = ms_since (t);
  CALLGRIND_DUMP_STATS_AT ("open-line");
  line_cpu = cpu_ms () - line_cpu;
  g_test_message ("line opened and drawn after %.0f ms", line_ms);

  /* Scroll the line list, one frame per step; every row on screen is drawn */
  view = find_line_view (GTK_WIDGET (window), lines);
  scroller = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (view, GTK_TYPE_SCROLLED_WINDOW));
  adj = gtk_scrolled_window_get_vadjustment (scroller);

  /* GTK 4.8 keeps ~200 rows; only those near the viewport are built */
  check_rows_on_screen (view, &n_rows, &n_awake);
  g_test_message ("rows kept: %u, awake: %u", n_rows, n_awake);
  g_assert_cmpuint (n_awake, <, n_rows);
  for (int i = 0; i < SCROLL_FRAMES; i++)
    {
      guint before = frames;
      gint64 step = g_get_monotonic_time ();
      gint64 deadline = step + 5 * G_USEC_PER_SEC;
      double ms;

      /* a fast flick: 120 px a frame */
      gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + 120);
      gtk_widget_queue_draw (GTK_WIDGET (window));
      while (frames == before && g_get_monotonic_time () < deadline)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (200);
      g_assert_cmpuint (frames, >, before);
      ms = ms_since (step);
      check_rows_on_screen (view, &n_rows, &n_awake);
      scroll_total += ms;
      if (ms > scroll_worst)
        g_test_message ("scroll frame %d: %.1f ms", i, ms);
      scroll_worst = MAX (scroll_worst, ms);
    }

  /* Jumps (the scrollbar dragged, Ctrl+K): rows rebound far away */
  for (int i = 0; i < 3; i++)
    {
      double to[] = { gtk_adjustment_get_upper (adj) / 2, 0, gtk_adjustment_get_upper (adj) };
      guint before = frames;

      gtk_adjustment_set_value (adj, to[i]);
      while (frames < before + 2)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (200);
      check_rows_on_screen (view, &n_rows, &n_awake);
    }
  g_test_message ("after scrolling: rows kept %u, awake %u", n_rows, n_awake);

  g_string_append_printf (timings,
                          "lines in cache: %u, shown (All open): %u\n"
                          "store open: %.0f ms\n"
                          "window usable (first frame with lines): %.0f ms from opening the cache, "
                          "%.0f ms from handing it to the window\n"
                          "open a line (first page of messages): %.0f ms\n"
                          "scroll the line list: %.1f ms per frame on average, worst %.1f ms\n",
                          td_store_get_n_lines (store), n, open_ms, first_ms, data_ms, line_ms,
                          scroll_total / SCROLL_FRAMES, scroll_worst);
  g_test_message ("%s", timings->str);

  /* Opening the cache is the store's (reported above); the window's part: */
  {
    double budget = TARGET_MS;

    g_string_append_printf (timings, "CPU time: window %.0f ms, opening the line %.0f ms\n",
                            data_cpu, line_cpu);
    g_test_message ("CPU time: window %.0f ms, opening the line %.0f ms", data_cpu, line_cpu);
    g_test_message ("target %d ms: window %s, line %s", TARGET_MS,
                    data_ms < TARGET_MS ? "met" : "missed", line_ms < TARGET_MS ? "met" : "missed");
    /* Speed is measured (bench/bench-app, and the figures above), not
     * asserted: a shared machine stretches any time.  TD_SCALE_STRICT=1
     * asks for the targets by hand, on a quiet machine. */
    if (g_getenv ("TD_SCALE_STRICT"))
      {
        g_assert_cmpfloat (data_ms, <, budget);
        g_assert_cmpfloat (line_ms, <, budget);
        g_assert_cmpfloat (scroll_total / SCROLL_FRAMES, <, 50);
      }
  }

  save_window_png (window, "scale-window.png");
  gtk_window_destroy (GTK_WINDOW (window));
  td_channel_stop (channel);
}

static void
make_fixture (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) gen = NULL;
  g_autofree char *exe = g_test_build_filename (G_TEST_BUILT, "td-make-fixture", NULL);
  const char *lines = g_getenv ("TD_SCALE_LINES");
  const char *messages = g_getenv ("TD_SCALE_MESSAGES");

  tmpdir = g_dir_make_tmp ("tripdesk-scale-XXXXXX", &error);
  g_assert_no_error (error);
  fixture = g_build_filename (tmpdir, "fixture.db", NULL);
  gen = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, exe,
                          "--lines", lines ? lines : "20000",
                          /* 500 000 with TD_SCALE_MESSAGES (bench-app does): the
                           * lines drive the window, a line's page is 50 */
                          "--messages", messages ? messages : "200000",
                          fixture, NULL);
  g_assert_no_error (error);
  g_subprocess_wait_check (gen, NULL, &error);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  int ret;
  gboolean own = FALSE;

  g_setenv ("GTK_A11Y", "none", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  td_widgets_init ();
  td_widgets_load_css (gdk_display_get_default ());
  timings = g_string_new (NULL);

  if (g_getenv ("TD_FIXTURE"))
    fixture = g_strdup (g_getenv ("TD_FIXTURE"));
  else
    {
      make_fixture ();
      own = TRUE;
    }

  g_test_add_func ("/tripdesk/scale/window-on-big-cache", test_window_on_big_cache);
  ret = g_test_run ();

  {
    g_autofree char *path = g_test_build_filename (G_TEST_BUILT, "scale-timings.txt", NULL);
    g_file_set_contents (path, timings->str, -1, NULL);
  }

  if (own)
    {
      g_autofree char *wal = g_strconcat (fixture, "-wal", NULL);
      g_autofree char *shm = g_strconcat (fixture, "-shm", NULL);

      g_unlink (fixture);
      g_unlink (wal);
      g_unlink (shm);
      g_rmdir (tmpdir);
    }
  g_free (fixture);
  g_free (tmpdir);
  g_string_free (timings, TRUE);

  return ret;
}

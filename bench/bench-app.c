/* bench-app.c — benchmark 6: the app on a big cache
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Time to the first frame with lines, RSS, and frame times while scrolling
 * the line list, with the cache that tests/td-make-fixture writes (20,000
 * lines, 500,000 messages; the window issue's generator).  Each variant
 * runs in its own process (clean RSS), under Xvfb (bench/run starts it).
 * Baseline: a bare GtkWindow with a GtkListView over a GtkStringList of
 * as many rows (a GtkLabel each), timed and scrolled the same way.
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#endif
#endif
#ifndef CALLGRIND_DUMP_STATS_AT
#define CALLGRIND_DUMP_STATS_AT(name)
#define CALLGRIND_ZERO_STATS
#endif

#include "bench-util.h"
#include "td-store.h"
#include "td-widgets.h"
#include "td-window.h"

#define SCROLL_STEPS_FULL  240
#define SCROLL_STEPS_QUICK 40
#define SCROLL_PX          120

static gboolean quick;
/* under valgrind (callgrind: one dump per phase) everything is ~50× slower */
static double timeout_scale = 1;
static guint frames;
static GArray *frame_times;   /* frame clock frame_time deltas (ms) */
static gint64 last_frame_time;

static GArray *frame_work;    /* before-paint → after-paint (ms): layout, snapshot, render */
static gint64 paint_begin;

static void
on_before_paint_cb (GdkFrameClock *clock,
                    gpointer       data)
{
  paint_begin = g_get_monotonic_time ();
}

static gboolean
tick_cb (GtkWidget     *widget,
         GdkFrameClock *clock,
         gpointer       data)
{
  /* keep the clock ticking, as during a kinetic scroll: every step is
   * painted on the next frame, in both windows alike */
  return G_SOURCE_CONTINUE;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gpointer       data)
{
  gint64 ft = gdk_frame_clock_get_frame_time (clock);

  frames++;
  if (frame_work && paint_begin > 0)
    {
      double ms = (g_get_monotonic_time () - paint_begin) / 1000.0;

      g_array_append_val (frame_work, ms);
    }
  if (frame_times && last_frame_time > 0)
    {
      double ms = (ft - last_frame_time) / 1000.0;

      g_array_append_val (frame_times, ms);
    }
  last_frame_time = ft;
}

static void
iterate_until_frames (guint  target,
                      double timeout_s)
{
  double end = bench_now () + timeout_s * timeout_scale;

  while (frames < target && bench_now () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (200);
  if (frames < target)
    g_error ("no frame within %.0f s", timeout_s);
}

/* the mapped GtkListView with the most rows (the line list) */
static void
find_list (GtkWidget  *root,
           GtkWidget **best,
           guint      *best_n)
{
  if (GTK_IS_LIST_VIEW (root) && gtk_widget_get_mapped (root))
    {
      GListModel *m = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (root)));
      guint n = m ? g_list_model_get_n_items (m) : 0;

      if (*best == NULL || n > *best_n)
        {
          *best = root;
          *best_n = n;
        }
    }
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    find_list (c, best, best_n);
}

typedef struct
{
  double first_ms;
  gint64 rss_empty_kb;
  gint64 rss_first_kb;
  gint64 rss_scrolled_kb;
  gint64 anon_empty_kb, anon_scrolled_kb;
  double store_ms;
  double step_p50, step_p95, step_max;
  double frame_p50, frame_max;
  double work_p50, work_p95, work_max;
  guint  rows;
  const char *renderer;
} ChildResult;

static void
scroll (GtkWidget   *window,
        GtkWidget   *list,
        guint        steps,
        ChildResult *res)
{
  GtkScrolledWindow *sw = GTK_SCROLLED_WINDOW (gtk_widget_get_ancestor (list, GTK_TYPE_SCROLLED_WINDOW));
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (sw);
  g_autoptr(GArray) step_ms = g_array_new (FALSE, FALSE, sizeof (double));

  if (gtk_adjustment_get_upper (adj) <= gtk_adjustment_get_page_size (adj))
    g_printerr ("bench-app: the list does not scroll (%.0f px in a %.0f px page)\n",
                gtk_adjustment_get_upper (adj), gtk_adjustment_get_page_size (adj));

  frame_times = g_array_new (FALSE, FALSE, sizeof (double));
  frame_work = g_array_new (FALSE, FALSE, sizeof (double));
  last_frame_time = 0;
  for (guint i = 0; i < steps; i++)
    {
      guint before = frames;
      double t0 = bench_now ();
      double ms;

      /* a fast flick: 120 px a frame, then back up from the bottom */
      if (gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj) - 1)
        gtk_adjustment_set_value (adj, 0);
      else
        gtk_adjustment_set_value (adj, gtk_adjustment_get_value (adj) + SCROLL_PX);
      gtk_widget_queue_draw (window);
      iterate_until_frames (before + 1, 10);
      ms = (bench_now () - t0) * 1000.0;
      g_array_append_val (step_ms, ms);
    }
  res->step_p50 = bench_percentile ((double *) step_ms->data, step_ms->len, 50);
  res->step_p95 = bench_percentile ((double *) step_ms->data, step_ms->len, 95);
  res->step_max = bench_percentile ((double *) step_ms->data, step_ms->len, 100);
  res->frame_p50 = bench_percentile ((double *) frame_times->data, frame_times->len, 50);
  res->frame_max = bench_percentile ((double *) frame_times->data, frame_times->len, 100);
  res->work_p50 = bench_percentile ((double *) frame_work->data, frame_work->len, 50);
  res->work_p95 = bench_percentile ((double *) frame_work->data, frame_work->len, 95);
  res->work_max = bench_percentile ((double *) frame_work->data, frame_work->len, 100);
  g_clear_pointer (&frame_times, g_array_unref);
  g_clear_pointer (&frame_work, g_array_unref);
}

static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *item,
                gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_margin_top (label, 18);
  gtk_widget_set_margin_bottom (label, 18);
  gtk_list_item_set_child (item, label);
}

static void
bind_label_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  data)
{
  GtkStringObject *s = gtk_list_item_get_item (item);

  gtk_label_set_label (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (s));
}

static gboolean
has_lines (TdWindow *window)
{
  GListModel *lines = td_window_get_lines (window);

  return lines && g_list_model_get_n_items (lines) > 0;
}

/* Opens the line with the most messages and scrolls its chat: the message
 * rows (avatar, name, time, the kind's widget).  Figures on stderr and,
 * under callgrind, the phases "chat-open" and "chat-scroll". */
static void
scroll_chat (TdWindow *window)
{
  GListModel *lines = td_window_get_lines (window);
  TdChatView *chat = td_window_get_chat_view (window);
  g_autoptr(TdLine) busiest = NULL;
  GtkWidget *list = NULL;
  GListModel *messages;
  ChildResult res = { 0, };
  guint n = 0;
  double end;

  for (guint i = 0; i < g_list_model_get_n_items (lines); i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (lines, i);

      if (busiest == NULL || td_line_get_last_seq (line) > td_line_get_last_seq (busiest))
        g_set_object (&busiest, line);
    }
  if (busiest == NULL || !td_window_open_line (window, td_line_get_id (busiest)))
    {
      g_printerr ("bench-app: no line to open in the chat\n");
      return;
    }
  end = bench_now () + 30 * timeout_scale;
  while (((messages = td_chat_view_get_messages (chat)) == NULL || g_list_model_get_n_items (messages) == 0) &&
         bench_now () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (200);
  iterate_until_frames (frames + 2, 30);
  CALLGRIND_DUMP_STATS_AT ("chat-open");

  find_list (GTK_WIDGET (chat), &list, &n);
  if (list == NULL || messages == NULL)
    {
      g_printerr ("bench-app: no messages in the chat\n");
      return;
    }
  scroll (gtk_widget_get_ancestor (list, GTK_TYPE_WINDOW), list,
          quick ? SCROLL_STEPS_QUICK : SCROLL_STEPS_FULL, &res);
  CALLGRIND_DUMP_STATS_AT ("chat-scroll");
  g_printerr ("bench-app: chat of %s (%u messages shown): scroll step p50 %.2f p95 %.2f ms, "
              "frame work p50 %.2f p95 %.2f ms\n",
              td_line_get_id (busiest), g_list_model_get_n_items (messages),
              res.step_p50, res.step_p95, res.work_p50, res.work_p95);
}

static int
child_main (const char *variant,
            const char *fixture,
            guint       n_rows)
{
  ChildResult res = { 0, };
  GtkWidget *window, *list;
  g_autoptr(TdStore) store = NULL;
  g_autoptr(TdChannel) channel = NULL;
  g_autoptr(GError) error = NULL;
  gboolean tripdesk = g_str_equal (variant, "tripdesk");
  double t0;
  guint start_frames;

  gtk_init ();
  adw_init ();
  if (tripdesk)
    {
      td_widgets_init ();
      td_widgets_load_css (gdk_display_get_default ());
      /* BENCH_EXTRA_CSS: a style experiment (what does drawing X cost?) */
      if (g_getenv ("BENCH_EXTRA_CSS"))
        {
          GtkCssProvider *extra = gtk_css_provider_new ();

          gtk_css_provider_load_from_data (extra, g_getenv ("BENCH_EXTRA_CSS"), -1);
          gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (extra),
                                                      GTK_STYLE_PROVIDER_PRIORITY_USER);
          g_object_unref (extra);
        }
      window = GTK_WIDGET (td_window_new (NULL, NULL));
    }
  else
    {
      window = adw_application_window_new (NULL);
    }
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 860);
  gtk_window_present (GTK_WINDOW (window));
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (on_after_paint_cb), NULL);
  g_signal_connect (gtk_widget_get_frame_clock (window), "before-paint", G_CALLBACK (on_before_paint_cb), NULL);
  gtk_widget_add_tick_callback (window, tick_cb, NULL, NULL);
  iterate_until_frames (1, 30);
  /* settle: the empty window's own frames */
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  res.rss_empty_kb = bench_rss_kb (0);
  res.anon_empty_kb = bench_rss_anon_kb (0);
  {
    GskRenderer *r = gtk_native_get_renderer (GTK_NATIVE (window));

    res.renderer = r ? G_OBJECT_TYPE_NAME (r) : "?";
  }

  CALLGRIND_DUMP_STATS_AT ("empty-window");
  t0 = bench_now ();
  start_frames = frames;
  if (tripdesk)
    {
      store = td_store_new (fixture, &error);
      CALLGRIND_DUMP_STATS_AT ("store-open");
      if (store == NULL)
        g_error ("%s", error->message);
      res.store_ms = (bench_now () - t0) * 1000.0;
      if (g_getenv ("BENCH_DEBUG"))
        g_printerr ("after td_store_new: RSS %" G_GINT64_FORMAT " kB, anon %" G_GINT64_FORMAT " kB, %.0f ms\n",
                    bench_rss_kb (0), bench_rss_anon_kb (0), res.store_ms);
      /* nobody answers: the window works from the cache alone */
      channel = td_channel_new ("http://127.0.0.1:9", "no-token", store, NULL);
      td_window_set_channel (TD_WINDOW (window), channel);
      td_window_set_view (TD_WINDOW (window), TD_VIEW_ALL_OPEN);
      while (!has_lines (TD_WINDOW (window)))
        {
          if (bench_now () - t0 > 60 * timeout_scale)
            g_error ("no lines within 60 s");
          if (!g_main_context_iteration (NULL, FALSE))
            g_usleep (200);
        }
      res.rows = g_list_model_get_n_items (td_window_get_lines (TD_WINDOW (window)));
    }
  else
    {
      GtkStringList *strings = gtk_string_list_new (NULL);
      GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
      GtkWidget *sw = gtk_scrolled_window_new ();

      for (guint i = 0; i < n_rows; i++)
        {
          g_autofree char *s = g_strdup_printf ("Traveller %u — Lakeside Hotel — Is breakfast included? — %u min", i, i % 90);

          gtk_string_list_append (strings, s);
        }
      g_signal_connect (factory, "setup", G_CALLBACK (setup_label_cb), NULL);
      g_signal_connect (factory, "bind", G_CALLBACK (bind_label_cb), NULL);
      list = gtk_list_view_new (GTK_SELECTION_MODEL (gtk_single_selection_new (G_LIST_MODEL (strings))), factory);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), list);
      adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), sw);
      res.rows = n_rows;
    }
  iterate_until_frames (start_frames + 2, 60);
  res.first_ms = (bench_now () - t0) * 1000.0;
  CALLGRIND_DUMP_STATS_AT ("first-frame");
  res.rss_first_kb = bench_rss_kb (0);
  if (g_getenv ("BENCH_DEBUG"))
    g_printerr ("first frame: RSS %" G_GINT64_FORMAT " kB, anon %" G_GINT64_FORMAT " kB\n",
                res.rss_first_kb, bench_rss_anon_kb (0));

  {
    guint n = 0;

    list = NULL;
    find_list (window, &list, &n);
    if (list == NULL)
      g_error ("no GtkListView on screen");
    res.rows = n;
  }
  scroll (window, list, quick ? SCROLL_STEPS_QUICK : SCROLL_STEPS_FULL, &res);
  CALLGRIND_DUMP_STATS_AT ("scroll");
  res.rss_scrolled_kb = bench_rss_kb (0);
  res.anon_scrolled_kb = bench_rss_anon_kb (0);
  if (tripdesk)
    scroll_chat (TD_WINDOW (window));

  printf ("result %.2f %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
          " %.2f %.2f %.2f %.2f %.2f %.3f %.3f %.3f %u %s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %.2f\n",
          res.first_ms, res.rss_empty_kb, res.rss_first_kb, res.rss_scrolled_kb,
          res.step_p50, res.step_p95, res.step_max, res.frame_p50, res.frame_max,
          res.work_p50, res.work_p95, res.work_max, res.rows, res.renderer,
          res.anon_empty_kb, res.anon_scrolled_kb, res.store_ms);
  fflush (stdout);
  /* leave without tearing down: the figures are out */
  _exit (0);
}

typedef struct
{
  double first_ms;
  double rss_empty, rss_first, rss_scrolled;   /* MiB */
  double step_p50, step_p95, step_max, frame_p50, frame_max;
  double work_p50, work_p95, work_max;
  guint  rows;
  char   renderer[64];
  double anon_growth;   /* MiB */
  double store_ms;
} Parsed;

static gboolean
run_child (const char *variant,
           const char *fixture,
           guint       rows,
           Parsed     *out)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *a_rows = g_strdup_printf ("%u", rows);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *stdout_buf = NULL;
  const char *line;
  gint64 e, f, s, ae = 0, as = 0;

  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, self, "--child", variant,
                           "--fixture", fixture ? fixture : "", "--rows", a_rows,
                           quick ? "--quick" : NULL, NULL);
  if (proc == NULL || !g_subprocess_communicate_utf8 (proc, NULL, NULL, &stdout_buf, NULL, &error))
    {
      g_printerr ("bench-app: %s\n", error->message);
      return FALSE;
    }
  line = stdout_buf ? strstr (stdout_buf, "result ") : NULL;
  if (line == NULL
      || sscanf (line, "result %lf %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                 " %lf %lf %lf %lf %lf %lf %lf %lf %u %63s %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %lf",
                 &out->first_ms, &e, &f, &s, &out->step_p50, &out->step_p95, &out->step_max,
                 &out->frame_p50, &out->frame_max, &out->work_p50, &out->work_p95, &out->work_max,
                 &out->rows, out->renderer, &ae, &as, &out->store_ms) != 17)
    {
      g_printerr ("bench-app: the %s child gave no result\n", variant);
      return FALSE;
    }
  out->rss_empty = e / 1024.0;
  out->rss_first = f / 1024.0;
  out->rss_scrolled = s / 1024.0;
  out->anon_growth = (as - ae) / 1024.0;
  return TRUE;
}

static char *
make_fixture (const char *builddir_bench,
              guint       lines,
              guint       messages,
              double     *gen_s,
              gboolean   *cached)
{
  /* named by the store's schema: a cache of an older schema would be
   * migrated on open, and the first frame would time the migration */
  g_autofree char *name = g_strdup_printf ("fixture-%u-%u-v%d.db", lines, messages, TD_STORE_SCHEMA_VERSION);
  char *path = g_build_filename (builddir_bench, name, NULL);
  g_autofree char *gen = g_build_filename (builddir_bench, "..", "tests", "td-make-fixture", NULL);
  g_autofree char *a_lines = g_strdup_printf ("%u", lines);
  g_autofree char *a_msgs = g_strdup_printf ("%u", messages);
  g_autofree char *tmp = g_strconcat (path, ".new", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  double t0 = bench_now ();

  *gen_s = 0;
  *cached = g_file_test (path, G_FILE_TEST_EXISTS);
  if (*cached)
    return path;
  g_unlink (tmp);
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error,
                           gen, "--lines", a_lines, "--messages", a_msgs, tmp, NULL);
  if (proc == NULL || !g_subprocess_wait_check (proc, NULL, &error))
    g_error ("td-make-fixture: %s", error->message);
  {
    /* one file: fold the WAL in before renaming */
    g_autofree char *wal = g_strconcat (tmp, "-wal", NULL);
    g_autofree char *shm = g_strconcat (tmp, "-shm", NULL);

    if (g_file_test (wal, G_FILE_TEST_EXISTS) && g_file_test (tmp, G_FILE_TEST_EXISTS))
      {
        g_autofree char *wal2 = g_strconcat (path, "-wal", NULL);

        g_rename (wal, wal2);
      }
    g_unlink (shm);
  }
  g_rename (tmp, path);
  *gen_s = bench_now () - t0;
  return path;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *child = NULL;
  g_autofree char *fixture = NULL;
  int rows = 0, lines = 0, messages = 0;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A few seconds (smoke test)", NULL },
    { "fixture", 0, 0, G_OPTION_ARG_FILENAME, &fixture, "The cache (default: generated in the build tree)", "PATH" },
    { "lines", 0, 0, G_OPTION_ARG_INT, &lines, "Fixture lines (default 20000)", "N" },
    { "messages", 0, 0, G_OPTION_ARG_INT, &messages, "Fixture messages (default 500000)", "N" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &child, NULL, NULL },
    { "rows", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &rows, NULL, NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— benchmark 6: the app on a big cache");
  g_autoptr(GError) error = NULL;
  Parsed td = { 0, }, base = { 0, };
  double gen_s = 0;
  gboolean cached = FALSE;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  g_setenv ("GTK_A11Y", "none", TRUE);
  /* Xvfb has no GPU: GL would be llvmpipe on this machine's two cores,
   * slower than cairo and noisier; both windows use the same renderer */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  if (g_getenv ("BENCH_TIMEOUT_SCALE"))
    timeout_scale = MAX (1, g_ascii_strtod (g_getenv ("BENCH_TIMEOUT_SCALE"), NULL));
  if (child)
    return child_main (child, fixture, (guint) rows);

  if (g_getenv ("DISPLAY") == NULL && g_getenv ("WAYLAND_DISPLAY") == NULL)
    {
      g_printerr ("bench-app: no display (run it under xvfb-run, as bench/run does)\n");
      return 1;
    }
  if (lines <= 0)
    lines = quick ? 500 : 20000;
  if (messages <= 0)
    messages = quick ? 5000 : 500000;
  if (fixture == NULL || *fixture == '\0')
    {
      g_autofree char *dir = bench_dup_exe_dir (argv[0]);

      g_free (fixture);
      fixture = make_fixture (dir, lines, messages, &gen_s, &cached);
    }

  if (!run_child ("tripdesk", fixture, 0, &td))
    return 1;
  if (!run_child ("baseline", NULL, td.rows, &base))
    return 1;

  {
    g_autofree char *how = cached ? g_strdup ("reused from an earlier run") : g_strdup_printf ("generated in %.0f s", gen_s);
    g_autofree char *note = g_strdup_printf (
      "The cache: %u lines, %u messages, written by tests/td-make-fixture through the store's API "
      "(%s). The window (TdWindow, 1360×860, view *All open*, no server reachable) in its own process "
      "under Xvfb, GSK renderer %s. First frame: from opening the cache (td_store_new) to the second "
      "frame painted with rows in the line list. RSS: VmRSS of the process (empty window → first frame "
      "→ after scrolling). Scrolling: %u steps of %u px on the line list's adjustment, each waited "
      "until painted (GdkFrameClock after-paint), with a tick callback keeping the clock running "
      "(as during a kinetic scroll) in both windows; frame work = the frame clock's before-paint → "
      "after-paint (layout, snapshot, render); frame interval = frame_time deltas of the frame "
      "clock (16.7 ms = every frame made). Baseline: a bare AdwApplicationWindow with a GtkListView over a GtkStringList of as "
      "many rows as the line list shows (%u), one GtkLabel each, same size, same steps. "
      "Opening the cache (td_store_new, the line mirror) took %.0f ms of the first frame's time.",
      (guint) lines, (guint) messages,
      how,
      td.renderer, quick ? SCROLL_STEPS_QUICK : SCROLL_STEPS_FULL, SCROLL_PX, td.rows, td.store_ms);
    const char *cols[] = { "figure", "Tripdesk window", "bare GtkListView (baseline)", "ratio", NULL };
    struct { const char *name; double a, b; int prec; } rows_[] = {
      { "time to first frame with rows (ms)", td.first_ms, base.first_ms, 0 },
      { "RSS, empty window (MiB)", td.rss_empty, base.rss_empty, 1 },
      { "RSS at first frame (MiB)", td.rss_first, base.rss_first, 1 },
      { "RSS after scrolling (MiB)", td.rss_scrolled, base.rss_scrolled, 1 },
      { "RSS growth: data + rows (MiB)", td.rss_scrolled - td.rss_empty, base.rss_scrolled - base.rss_empty, 1 },
      { "of which anonymous (RssAnon; the rest is file pages, e.g. the mmap'ed cache) (MiB)",
        td.anon_growth, base.anon_growth, 1 },
      { "scroll step → painted, p50 (ms)", td.step_p50, base.step_p50, 2 },
      { "scroll step → painted, p95 (ms)", td.step_p95, base.step_p95, 2 },
      { "scroll step → painted, worst (ms)", td.step_max, base.step_max, 2 },
      { "frame work p50: before-paint → after-paint (ms)", td.work_p50, base.work_p50, 2 },
      { "frame work p95 (ms)", td.work_p95, base.work_p95, 2 },
      { "frame work worst (ms)", td.work_max, base.work_max, 2 },
      { "frame interval p50 (ms)", td.frame_p50, base.frame_p50, 2 },
      { "frame interval worst (ms)", td.frame_max, base.frame_max, 2 },
    };

    bench_section ("6. The app: first frame, memory, scrolling on a 20,000-line cache", note);
    bench_table_header (cols);
    for (guint i = 0; i < G_N_ELEMENTS (rows_); i++)
      {
        g_autofree char *a = g_strdup_printf ("%.*f", rows_[i].prec, rows_[i].a);
        g_autofree char *b = g_strdup_printf ("%.*f", rows_[i].prec, rows_[i].b);
        g_autofree char *r = g_strdup_printf ("%.2f×", rows_[i].a / rows_[i].b);

        bench_row (rows_[i].name, a, b, r, NULL);
        if (i == 0 || i == 3 || i == 10)
          {
            g_autofree char *v = g_strdup_printf ("%s", a);
            g_autofree char *bv = g_strdup_printf ("bare list %s", b);

            bench_summary ("6. app", rows_[i].name, v, bv, r);
          }
      }
  }
  return 0;
}

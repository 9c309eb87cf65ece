/* bench-util.h — small helpers shared by the benchmark programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every program prints a Markdown section (a heading, a note, a table) on
 * stdout; bench/run concatenates them into RESULTS.md.  Every figure is
 * given next to a baseline measured in the same run, with their ratio.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* seconds, monotonic */
double   bench_now                (void);
/* CPU time (user + system) of this process, all threads, seconds */
double   bench_cpu_s              (void);
/* CPU time (user + system) of another process, seconds (from /proc/PID/stat) */
double   bench_proc_cpu_s         (int pid);
/* resident set size of a process (kB, from /proc/PID/status); pid 0 = self */
gint64   bench_rss_kb             (int pid);
/* anonymous part of the RSS (RssAnon, kB): heap, not file pages or mmap'ed databases */
gint64   bench_rss_anon_kb        (int pid);
/* peak RSS (VmHWM, kB) */
gint64   bench_hwm_kb             (int pid);
/* a free TCP port on 127.0.0.1 (bind 0, read, close) */
guint    bench_free_port          (void);
/* raise RLIMIT_NOFILE to the hard limit; returns the new soft limit */
guint64  bench_raise_nofile       (void);
/* nearest-rank percentile (sorts in place), doubles */
double   bench_percentile         (double *values,
                                   gsize   n,
                                   double  p);
/* iterate the default main context until *flag or @timeout_s; FALSE on timeout */
gboolean bench_wait_for           (gboolean *flag,
                                   double    timeout_s);
gboolean bench_wait_for_count     (guint    *counter,
                                   guint     target,
                                   double    timeout_s);
/* "12 345" style number formatting (owned) */
char    *bench_fmt_rate           (double value);

/* Markdown output */
void     bench_section            (const char *title,
                                   const char *note);
void     bench_table_header       (const char *const *columns);
void     bench_row                (const char *first, ...) G_GNUC_NULL_TERMINATED;

/* one row of the summary table at the top of RESULTS.md (appended to the
 * file named by $BENCH_SUMMARY, if set) */
void     bench_summary            (const char *benchmark,
                                   const char *figure,
                                   const char *value,
                                   const char *baseline,
                                   const char *ratio);

/* the directory holding the programs (for tripdesk-server etc.), from argv[0] */
char    *bench_dup_exe_dir        (const char *argv0);
/* path of tripdesk-server: $TD_SERVER, else <builddir>/src/server/tripdesk-server */
char    *bench_dup_server_path    (const char *argv0);

G_END_DECLS

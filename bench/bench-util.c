/* bench-util.c — small helpers shared by the benchmark programs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench-util.h"

double
bench_now (void)
{
  return g_get_monotonic_time () / 1e6;
}

double
bench_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

double
bench_proc_cpu_s (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  const char *p;
  g_auto(GStrv) f = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  /* skip "pid (comm) ": comm may hold spaces */
  p = strrchr (text, ')');
  if (p == NULL)
    return 0;
  f = g_strsplit (p + 2, " ", 0);
  if (g_strv_length (f) < 13)
    return 0;
  /* fields 14 and 15 of stat: index 11 and 12 after the state */
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

static gint64
status_field_kb (int         pid,
                 const char *field)
{
  g_autofree char *path = pid > 0 ? g_strdup_printf ("/proc/%d/status", pid) : g_strdup ("/proc/self/status");
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strstr (text, field);
  if (p == NULL)
    return -1;
  p += strlen (field);
  return g_ascii_strtoll (p, NULL, 10);
}

gint64
bench_rss_kb (int pid)
{
  return status_field_kb (pid, "VmRSS:");
}

gint64
bench_rss_anon_kb (int pid)
{
  return status_field_kb (pid, "RssAnon:");
}

gint64
bench_hwm_kb (int pid)
{
  return status_field_kb (pid, "VmHWM:");
}

guint
bench_free_port (void)
{
  struct sockaddr_in sa = { 0, };
  socklen_t len = sizeof sa;
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  guint port = 0;

  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  sa.sin_port = 0;
  if (fd >= 0 && bind (fd, (struct sockaddr *) &sa, sizeof sa) == 0
      && getsockname (fd, (struct sockaddr *) &sa, &len) == 0)
    port = ntohs (sa.sin_port);
  if (fd >= 0)
    close (fd);
  return port;
}

guint64
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return 0;
  if (rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
      getrlimit (RLIMIT_NOFILE, &rl);
    }
  return rl.rlim_cur;
}

static int
cmp_double (const void *a,
            const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

double
bench_percentile (double *values,
                  gsize   n,
                  double  p)
{
  gsize rank;

  if (n == 0)
    return NAN;
  qsort (values, n, sizeof (double), cmp_double);
  /* nearest rank, as td_metrics_percentile() */
  rank = (gsize) ceil (p / 100.0 * n);
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return values[rank - 1];
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
bench_wait_for (gboolean *flag,
                double    timeout_s)
{
  double end = bench_now () + timeout_s;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (!*flag && bench_now () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return *flag;
}

gboolean
bench_wait_for_count (guint *counter,
                      guint  target,
                      double timeout_s)
{
  double end = bench_now () + timeout_s;
  guint wake = g_timeout_add (50, wake_cb, NULL);

  while (*counter < target && bench_now () < end)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
  return *counter >= target;
}

char *
bench_fmt_rate (double value)
{
  if (value >= 100)
    return g_strdup_printf ("%.0f", value);
  if (value >= 10)
    return g_strdup_printf ("%.1f", value);
  return g_strdup_printf ("%.2f", value);
}

void
bench_section (const char *title,
               const char *note)
{
  printf ("\n## %s\n\n", title);
  if (note && *note)
    printf ("%s\n\n", note);
}

void
bench_table_header (const char *const *columns)
{
  guint n = 0;

  printf ("|");
  for (; columns[n]; n++)
    printf (" %s |", columns[n]);
  printf ("\n|");
  for (guint i = 0; i < n; i++)
    printf (" --- |");
  printf ("\n");
}

void
bench_row (const char *first,
           ...)
{
  va_list ap;
  const char *cell;

  printf ("| %s |", first);
  va_start (ap, first);
  while ((cell = va_arg (ap, const char *)) != NULL)
    printf (" %s |", cell);
  va_end (ap);
  printf ("\n");
  fflush (stdout);
}

char *
bench_dup_exe_dir (const char *argv0)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);

  return g_path_get_dirname (self ? self : argv0);
}

char *
bench_dup_server_path (const char *argv0)
{
  const char *env = g_getenv ("TD_SERVER");
  g_autofree char *dir = NULL;

  if (env && *env)
    return g_strdup (env);
  dir = bench_dup_exe_dir (argv0);
  return g_build_filename (dir, "..", "src", "server", "tripdesk-server", NULL);
}

void
bench_summary (const char *benchmark,
               const char *figure,
               const char *value,
               const char *baseline,
               const char *ratio)
{
  const char *path = g_getenv ("BENCH_SUMMARY");
  FILE *f;

  if (path == NULL || *path == '\0')
    return;
  f = fopen (path, "a");
  if (f == NULL)
    return;
  fprintf (f, "| %s | %s | %s | %s | %s |\n", benchmark, figure, value, baseline, ratio);
  fclose (f);
}

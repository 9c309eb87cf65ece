/* td-store-metrics.c — the dashboard figures from the local cache (offline)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The same td_metrics_compute() as the server's GET /v1/stats, fed from
 * the cache: the line records from the main-thread mirror (copied before
 * the work starts), the messages read on a thread through a second,
 * read-only connection to the cache file (WAL lets it read beside the
 * store's writer; it sees every transaction already committed).  Read-only,
 * parameterised SQL; the store's own connection is never touched.
 *
 * The cache records no state-change times, so the resolution and reopen
 * figures are empty offline (docs/metrics.md, "What the client can and
 * cannot reproduce offline").  An in-memory cache has no file to read:
 * its figures come from the line records alone (waiting_since).
 */
#define G_LOG_DOMAIN "tripdesk-store"

#include "config.h"

#include <sqlite3.h>

#include "td-metrics.h"
#include "td-store-private.h"

/* Every message of the merchant's lines that have a message in the last 7
 * days (older lines fall back to their line record's waiting_since). */
static const char messages_sql[] =
  "SELECT m.line, m.sender_role, m.sender_id, m.kind, m.ts, m.body"
  "  FROM messages AS m"
  " WHERE m.line IN (SELECT l.id FROM lines AS l"
  "                   WHERE l.merchant = ?1"
  "                     AND EXISTS (SELECT 1 FROM messages AS x"
  "                                  WHERE x.line = l.id AND x.ts >= ?2))"
  " ORDER BY m.ts, m.line_seq, m.id";

typedef struct
{
  char         *path;      /* NULL: in-memory cache */
  char         *merchant;
  gint64        now;
  GTimeZone    *tz;
  GStringChunk *strings;
  GArray       *lines;     /* TdMetricsLine */
} StatsJob;

static void
stats_job_free (gpointer data)
{
  StatsJob *job = data;

  g_free (job->path);
  g_free (job->merchant);
  g_clear_pointer (&job->tz, g_time_zone_unref);
  g_string_chunk_free (job->strings);
  g_array_unref (job->lines);
  g_free (job);
}

static const char *
chunk (GStringChunk *strings,
       const char   *s)
{
  return s ? g_string_chunk_insert_const (strings, s) : NULL;
}

static int
rating_score (const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  JsonNode *node;

  if (body == NULL || !json_parser_load_from_data (parser, body, -1, NULL))
    return 0;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return 0;
  node = json_object_get_member (json_node_get_object (root), "score");
  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_INT64)
    {
      gint64 score = json_node_get_int (node);

      if (score >= 1 && score <= 5)
        return (int) score;
    }
  return 0;
}

static gboolean
read_messages (StatsJob  *job,
               GArray    *messages,
               GError   **error)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *s = NULL;
  int rc;

  rc = sqlite3_open_v2 (job->path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_busy_timeout (db, 5000);
      rc = sqlite3_prepare_v2 (db, messages_sql, -1, &s, NULL);
    }
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text (s, 1, job->merchant, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64 (s, 2, job->now - TD_METRICS_WEEK_MS);

  while (rc == SQLITE_OK && (rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      TdMetricsMessage m = { 0, };
      int role = sqlite3_column_int (s, 1);

      m.line_id = chunk (job->strings, (const char *) sqlite3_column_text (s, 0));
      m.merchant = job->merchant;
      m.sender_role = role == TD_ROLE_OPERATOR ? TD_ROLE_OPERATOR : TD_ROLE_CUSTOMER;
      m.sender_id = chunk (job->strings, (const char *) sqlite3_column_text (s, 2));
      m.kind = td_kind_from_string ((const char *) sqlite3_column_text (s, 3));
      m.ts = sqlite3_column_int64 (s, 4);
      if (m.kind == TD_KIND_RATING)
        m.score = rating_score ((const char *) sqlite3_column_text (s, 5));
      if (m.line_id != NULL)
        g_array_append_val (messages, m);
      rc = SQLITE_OK;
    }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;

  if (rc != SQLITE_OK)
    g_set_error (error, TD_STORE_ERROR, TD_STORE_ERROR_FAILED,
                 "cannot read the cache for the figures: %s",
                 db ? sqlite3_errmsg (db) : sqlite3_errstr (rc));
  sqlite3_finalize (s);
  sqlite3_close_v2 (db);
  return rc == SQLITE_OK;
}

static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  StatsJob *job = task_data;
  g_autoptr(GArray) messages = g_array_new (FALSE, TRUE, sizeof (TdMetricsMessage));
  g_autoptr(GError) error = NULL;
  TdMetricsInput input = { 0, };

  if (job->path != NULL && !read_messages (job, messages, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  input.merchant = job->merchant;
  input.now = job->now;
  input.tz = job->tz;
  input.lines = (const TdMetricsLine *) (gpointer) job->lines->data;
  input.n_lines = job->lines->len;
  input.messages = (const TdMetricsMessage *) (gpointer) messages->data;
  input.n_messages = messages->len;
  g_task_return_pointer (task, td_metrics_compute (&input), (GDestroyNotify) td_stats_free);
}

void
td_store_compute_stats_async (TdStore             *self,
                              const char          *merchant,
                              gint64               now,
                              GTimeZone           *tz,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  StatsJob *job;
  guint n;

  g_return_if_fail (TD_IS_STORE (self));
  g_return_if_fail (merchant != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_store_compute_stats_async);

  job = g_new0 (StatsJob, 1);
  job->path = g_strdup (td_store_get_path (self));
  job->merchant = g_strdup (merchant);
  job->now = now;
  job->tz = tz ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  job->strings = g_string_chunk_new (4096);
  job->lines = g_array_new (FALSE, TRUE, sizeof (TdMetricsLine));

  /* the live TdLine objects belong to the main thread: copy the records */
  n = td_store_get_n_lines (self);
  for (guint i = 0; i < n; i++)
    {
      TdLine *line = td_store_get_line_at (self, i);
      TdMetricsLine record;

      if (g_strcmp0 (td_line_get_merchant (line), merchant) != 0)
        continue;
      td_metrics_line_init (&record, line);
      record.line_id = chunk (job->strings, record.line_id);
      record.merchant = job->merchant;
      record.assignee = chunk (job->strings, record.assignee);
      g_array_append_val (job->lines, record);
    }

  g_task_set_task_data (task, job, stats_job_free);
  g_task_run_in_thread (task, compute_thread);
}

TdStats *
td_store_compute_stats_finish (TdStore       *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (TD_IS_STORE (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == td_store_compute_stats_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

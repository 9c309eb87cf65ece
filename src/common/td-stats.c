/* td-stats.c — the dashboard figures of one merchant, and their JSON schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-metrics"

#include "td-stats.h"
#include "td-json.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (td-stats-error-quark, td_stats_error)

G_DEFINE_BOXED_TYPE (TdStats, td_stats, td_stats_copy, td_stats_free)

static void
operator_free (gpointer data)
{
  TdStatsOperator *op = data;

  g_free (op->id);
  g_free (op);
}

static void
durations_init (TdStatsDurations *d)
{
  d->count = 0;
  d->unanswered = 0;
  d->median_ms = TD_STATS_NO_VALUE;
  d->p90_ms = TD_STATS_NO_VALUE;
  d->mean_ms = TD_STATS_NO_VALUE;
}

/**
 * td_stats_new:
 * @merchant: the merchant
 * @as_of: the time of the figures (ms)
 *
 * Returns: (transfer full): stats with every count 0 and every figure
 *   "no value"
 */
TdStats *
td_stats_new (const char *merchant,
              gint64      as_of)
{
  TdStats *self = g_new0 (TdStats, 1);

  self->schema = TD_STATS_SCHEMA;
  self->merchant = g_strdup (merchant ? merchant : "");
  self->as_of = as_of;
  self->tz = g_strdup ("UTC");
  self->today_start = as_of;
  self->week_start = as_of;
  self->longest_wait_ms = TD_STATS_NO_VALUE;
  durations_init (&self->first_response_today);
  durations_init (&self->first_response_week);
  durations_init (&self->next_response_today);
  durations_init (&self->next_response_week);
  durations_init (&self->resolution_week);
  self->reopen_rate = TD_STATS_NO_VALUE;
  self->csat_average = TD_STATS_NO_VALUE;
  self->csat_satisfied_share = TD_STATS_NO_VALUE;
  self->hours_start = as_of;
  self->operators = g_ptr_array_new_with_free_func (operator_free);

  return self;
}

/**
 * td_stats_copy:
 * Returns: (transfer full): a deep copy of @self
 */
TdStats *
td_stats_copy (const TdStats *self)
{
  TdStats *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_new0 (TdStats, 1);
  *copy = *self;
  copy->merchant = g_strdup (self->merchant);
  copy->tz = g_strdup (self->tz);
  copy->longest_wait_line = g_strdup (self->longest_wait_line);
  copy->operators = g_ptr_array_new_with_free_func (operator_free);
  for (guint i = 0; i < self->operators->len; i++)
    {
      const TdStatsOperator *op = g_ptr_array_index (self->operators, i);
      TdStatsOperator *op_copy = g_new0 (TdStatsOperator, 1);

      *op_copy = *op;
      op_copy->id = g_strdup (op->id);
      g_ptr_array_add (copy->operators, op_copy);
    }

  return copy;
}

void
td_stats_free (TdStats *self)
{
  if (self == NULL)
    return;

  g_free (self->merchant);
  g_free (self->tz);
  g_free (self->longest_wait_line);
  g_clear_pointer (&self->operators, g_ptr_array_unref);
  g_free (self);
}

/**
 * td_stats_add_operator:
 * Returns: (transfer none): a new row for @id with no figures
 */
TdStatsOperator *
td_stats_add_operator (TdStats    *self,
                       const char *id)
{
  TdStatsOperator *op;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  op = g_new0 (TdStatsOperator, 1);
  op->id = g_strdup (id);
  op->first_response_median_ms = TD_STATS_NO_VALUE;
  op->next_response_median_ms = TD_STATS_NO_VALUE;
  g_ptr_array_add (self->operators, op);

  return op;
}

/**
 * td_stats_find_operator:
 * Returns: (transfer none) (nullable): the row of @id
 */
TdStatsOperator *
td_stats_find_operator (const TdStats *self,
                        const char    *id)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (id != NULL, NULL);

  for (guint i = 0; i < self->operators->len; i++)
    {
      TdStatsOperator *op = g_ptr_array_index (self->operators, i);

      if (g_strcmp0 (op->id, id) == 0)
        return op;
    }

  return NULL;
}

/* ---- writing ---------------------------------------------------------- */

static void
set_ms_or_null (JsonObject *object,
                const char *name,
                gint64      value)
{
  if (value < 0)
    json_object_set_null_member (object, name);
  else
    json_object_set_int_member (object, name, value);
}

static void
set_double_or_null (JsonObject *object,
                    const char *name,
                    double      value)
{
  if (value < 0 || !isfinite (value))
    json_object_set_null_member (object, name);
  else
    json_object_set_double_member (object, name, value);
}

static JsonObject *
durations_to_json (const TdStatsDurations *d,
                   gboolean                with_unanswered)
{
  JsonObject *object = json_object_new ();

  json_object_set_int_member (object, "count", d->count);
  if (with_unanswered)
    json_object_set_int_member (object, "unanswered", d->unanswered);
  set_ms_or_null (object, "median_ms", d->median_ms);
  set_ms_or_null (object, "p90_ms", d->p90_ms);
  set_ms_or_null (object, "mean_ms", d->mean_ms);

  return object;
}

static JsonArray *
int_array (const gint64 *values,
           guint         n)
{
  JsonArray *array = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_int_element (array, values[i]);

  return array;
}

/**
 * td_stats_to_json:
 * Returns: (transfer full): the versioned JSON object of docs/metrics.md
 */
JsonObject *
td_stats_to_json (const TdStats *self)
{
  JsonObject *root;
  JsonObject *live, *first, *next, *resolution, *reopen, *csat, *hours;
  JsonArray *operators;

  g_return_val_if_fail (self != NULL, NULL);

  root = json_object_new ();
  json_object_set_int_member (root, "schema", TD_STATS_SCHEMA);
  json_object_set_string_member (root, "merchant", self->merchant);
  json_object_set_int_member (root, "as_of", self->as_of);
  json_object_set_string_member (root, "tz", self->tz);
  json_object_set_int_member (root, "today_start", self->today_start);
  json_object_set_int_member (root, "week_start", self->week_start);

  live = json_object_new ();
  json_object_set_int_member (live, "open", self->open);
  json_object_set_int_member (live, "pending", self->pending);
  json_object_set_int_member (live, "snoozed", self->snoozed);
  json_object_set_int_member (live, "unassigned", self->unassigned);
  json_object_set_int_member (live, "waiting", self->waiting);
  set_ms_or_null (live, "longest_wait_ms", self->longest_wait_ms);
  if (self->longest_wait_line != NULL)
    json_object_set_string_member (live, "longest_wait_line", self->longest_wait_line);
  else
    json_object_set_null_member (live, "longest_wait_line");
  json_object_set_object_member (root, "live", live);

  first = json_object_new ();
  json_object_set_object_member (first, "today",
                                 durations_to_json (&self->first_response_today, TRUE));
  json_object_set_object_member (first, "last_7_days",
                                 durations_to_json (&self->first_response_week, TRUE));
  json_object_set_object_member (root, "first_response", first);

  next = json_object_new ();
  json_object_set_object_member (next, "today",
                                 durations_to_json (&self->next_response_today, TRUE));
  json_object_set_object_member (next, "last_7_days",
                                 durations_to_json (&self->next_response_week, TRUE));
  json_object_set_object_member (root, "next_response", next);

  resolution = json_object_new ();
  json_object_set_int_member (resolution, "resolved_today", self->resolved_today);
  json_object_set_object_member (resolution, "last_7_days",
                                 durations_to_json (&self->resolution_week, FALSE));
  reopen = json_object_new ();
  json_object_set_int_member (reopen, "resolved", self->reopen_resolved);
  json_object_set_int_member (reopen, "reopened", self->reopen_reopened);
  set_double_or_null (reopen, "rate", self->reopen_rate);
  json_object_set_object_member (resolution, "reopen", reopen);
  json_object_set_object_member (root, "resolution", resolution);

  csat = json_object_new ();
  json_object_set_int_member (csat, "count", self->csat_count);
  set_double_or_null (csat, "average", self->csat_average);
  json_object_set_int_member (csat, "satisfied", self->csat_satisfied);
  set_double_or_null (csat, "satisfied_share", self->csat_satisfied_share);
  json_object_set_array_member (csat, "scores", int_array (self->csat_scores, 5));
  json_object_set_object_member (root, "csat", csat);

  hours = json_object_new ();
  json_object_set_int_member (hours, "start", self->hours_start);
  json_object_set_int_member (hours, "bucket_ms", TD_STATS_HOUR_MS);
  json_object_set_array_member (hours, "customer",
                                int_array (self->customer_per_hour, TD_STATS_HOURS));
  json_object_set_array_member (hours, "operator",
                                int_array (self->operator_per_hour, TD_STATS_HOURS));
  json_object_set_object_member (root, "messages_per_hour", hours);

  operators = json_array_new ();
  for (guint i = 0; i < self->operators->len; i++)
    {
      const TdStatsOperator *op = g_ptr_array_index (self->operators, i);
      JsonObject *row = json_object_new ();

      json_object_set_string_member (row, "id", op->id);
      json_object_set_int_member (row, "assigned_open", op->assigned_open);
      json_object_set_int_member (row, "messages_today", op->messages_today);
      set_ms_or_null (row, "first_response_median_ms", op->first_response_median_ms);
      set_ms_or_null (row, "next_response_median_ms", op->next_response_median_ms);
      json_array_add_object_element (operators, row);
    }
  json_object_set_array_member (root, "operators", operators);

  return root;
}

/**
 * td_stats_to_string:
 * Returns: (transfer full): compact JSON text of td_stats_to_json()
 */
char *
td_stats_to_string (const TdStats *self)
{
  g_autoptr(JsonObject) object = NULL;

  g_return_val_if_fail (self != NULL, NULL);

  object = td_stats_to_json (self);
  return td_json_object_to_string (object, NULL);
}

gboolean
td_stats_equal (const TdStats *a,
                const TdStats *b)
{
  g_autofree char *sa = NULL;
  g_autofree char *sb = NULL;

  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  sa = td_stats_to_string (a);
  sb = td_stats_to_string (b);

  return g_strcmp0 (sa, sb) == 0;
}

/* ---- reading ---------------------------------------------------------- */

static gboolean
fail (GError     **error,
      const char  *path,
      const char  *what)
{
  g_set_error (error, TD_STATS_ERROR, TD_STATS_ERROR_INVALID,
               "Stats member “%s” %s", path, what);
  return FALSE;
}

static JsonNode *
member (JsonObject *object,
        const char *name)
{
  return object != NULL ? json_object_get_member (object, name) : NULL;
}

static gboolean
is_int (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_INT64;
}

static gboolean
is_number (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static gboolean
read_count (JsonObject  *object,
            const char  *name,
            gint64      *out,
            GError     **error)
{
  JsonNode *node = member (object, name);

  if (!is_int (node) || json_node_get_int (node) < 0)
    return fail (error, name, "is not a count");
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_time (JsonObject  *object,
           const char  *name,
           gint64      *out,
           GError     **error)
{
  JsonNode *node = member (object, name);

  if (!is_int (node))
    return fail (error, name, "is not a time");
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_ms_or_null (JsonObject  *object,
                 const char  *name,
                 gint64      *out,
                 GError     **error)
{
  JsonNode *node = member (object, name);

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    {
      *out = TD_STATS_NO_VALUE;
      return TRUE;
    }
  if (!is_int (node) || json_node_get_int (node) < 0)
    return fail (error, name, "is not a duration or null");
  *out = json_node_get_int (node);
  return TRUE;
}

static gboolean
read_double_or_null (JsonObject  *object,
                     const char  *name,
                     double       max,
                     double      *out,
                     GError     **error)
{
  JsonNode *node = member (object, name);
  double value;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    {
      *out = TD_STATS_NO_VALUE;
      return TRUE;
    }
  if (!is_number (node))
    return fail (error, name, "is not a number or null");
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    value = (double) json_node_get_int (node);
  else
    value = json_node_get_double (node);
  if (!isfinite (value) || value < 0 || value > max)
    return fail (error, name, "is out of range");
  *out = value;
  return TRUE;
}

static gboolean
read_string (JsonObject  *object,
             const char  *name,
             gboolean     nullable,
             char       **out,
             GError     **error)
{
  JsonNode *node = member (object, name);

  if (nullable && node != NULL && JSON_NODE_HOLDS_NULL (node))
    {
      g_clear_pointer (out, g_free);
      return TRUE;
    }
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return fail (error, name, "is not a string");
  g_free (*out);
  *out = g_strdup (json_node_get_string (node));
  return TRUE;
}

static JsonObject *
read_object (JsonObject  *object,
             const char  *name,
             GError     **error)
{
  JsonNode *node = member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      fail (error, name, "is not an object");
      return NULL;
    }
  return json_node_get_object (node);
}

static gboolean
read_counts (JsonObject  *object,
             const char  *name,
             gint64      *out,
             guint        n,
             GError     **error)
{
  JsonNode *node = member (object, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return fail (error, name, "is not an array");
  array = json_node_get_array (node);
  if (json_array_get_length (array) != n)
    return fail (error, name, "has the wrong length");
  for (guint i = 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!is_int (element) || json_node_get_int (element) < 0)
        return fail (error, name, "holds a value that is not a count");
      out[i] = json_node_get_int (element);
    }
  return TRUE;
}

static gboolean
read_durations (JsonObject        *parent,
                const char        *name,
                gboolean           with_unanswered,
                TdStatsDurations  *d,
                GError           **error)
{
  JsonObject *object = read_object (parent, name, error);

  if (object == NULL)
    return FALSE;
  if (!read_count (object, "count", &d->count, error))
    return FALSE;
  d->unanswered = 0;
  if (with_unanswered && !read_count (object, "unanswered", &d->unanswered, error))
    return FALSE;
  return read_ms_or_null (object, "median_ms", &d->median_ms, error) &&
         read_ms_or_null (object, "p90_ms", &d->p90_ms, error) &&
         read_ms_or_null (object, "mean_ms", &d->mean_ms, error);
}

/**
 * td_stats_new_from_json:
 * @object: a stats object
 * @error: return location for a TD_STATS_ERROR
 *
 * Returns: (transfer full) (nullable): the stats, or NULL with @error set
 */
TdStats *
td_stats_new_from_json (JsonObject  *object,
                        GError     **error)
{
  g_autoptr(TdStats) self = NULL;
  JsonObject *live, *first, *next, *resolution, *reopen, *csat, *hours;
  JsonNode *node;
  JsonArray *operators;
  gint64 schema, as_of, bucket_ms;
  g_autofree char *merchant = NULL;

  g_return_val_if_fail (object != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  node = json_object_get_member (object, "schema");
  if (!is_int (node))
    {
      fail (error, "schema", "is not an integer");
      return NULL;
    }
  schema = json_node_get_int (node);
  if (schema != TD_STATS_SCHEMA)
    {
      g_set_error (error, TD_STATS_ERROR, TD_STATS_ERROR_SCHEMA,
                   "Stats schema %" G_GINT64_FORMAT " is not supported (this build reads %d)",
                   schema, TD_STATS_SCHEMA);
      return NULL;
    }

  if (!read_string (object, "merchant", FALSE, &merchant, error) ||
      !read_time (object, "as_of", &as_of, error))
    return NULL;

  self = td_stats_new (merchant, as_of);
  if (!read_string (object, "tz", FALSE, &self->tz, error) ||
      !read_time (object, "today_start", &self->today_start, error) ||
      !read_time (object, "week_start", &self->week_start, error))
    return NULL;

  if ((live = read_object (object, "live", error)) == NULL ||
      !read_count (live, "open", &self->open, error) ||
      !read_count (live, "pending", &self->pending, error) ||
      !read_count (live, "snoozed", &self->snoozed, error) ||
      !read_count (live, "unassigned", &self->unassigned, error) ||
      !read_count (live, "waiting", &self->waiting, error) ||
      !read_ms_or_null (live, "longest_wait_ms", &self->longest_wait_ms, error) ||
      !read_string (live, "longest_wait_line", TRUE, &self->longest_wait_line, error))
    return NULL;

  if ((first = read_object (object, "first_response", error)) == NULL ||
      !read_durations (first, "today", TRUE, &self->first_response_today, error) ||
      !read_durations (first, "last_7_days", TRUE, &self->first_response_week, error))
    return NULL;

  if ((next = read_object (object, "next_response", error)) == NULL ||
      !read_durations (next, "today", TRUE, &self->next_response_today, error) ||
      !read_durations (next, "last_7_days", TRUE, &self->next_response_week, error))
    return NULL;

  if ((resolution = read_object (object, "resolution", error)) == NULL ||
      !read_count (resolution, "resolved_today", &self->resolved_today, error) ||
      !read_durations (resolution, "last_7_days", FALSE, &self->resolution_week, error) ||
      (reopen = read_object (resolution, "reopen", error)) == NULL ||
      !read_count (reopen, "resolved", &self->reopen_resolved, error) ||
      !read_count (reopen, "reopened", &self->reopen_reopened, error) ||
      !read_double_or_null (reopen, "rate", 1.0, &self->reopen_rate, error))
    return NULL;

  if ((csat = read_object (object, "csat", error)) == NULL ||
      !read_count (csat, "count", &self->csat_count, error) ||
      !read_double_or_null (csat, "average", 5.0, &self->csat_average, error) ||
      !read_count (csat, "satisfied", &self->csat_satisfied, error) ||
      !read_double_or_null (csat, "satisfied_share", 1.0, &self->csat_satisfied_share, error) ||
      !read_counts (csat, "scores", self->csat_scores, 5, error))
    return NULL;

  if ((hours = read_object (object, "messages_per_hour", error)) == NULL ||
      !read_time (hours, "start", &self->hours_start, error) ||
      !read_time (hours, "bucket_ms", &bucket_ms, error) ||
      !read_counts (hours, "customer", self->customer_per_hour, TD_STATS_HOURS, error) ||
      !read_counts (hours, "operator", self->operator_per_hour, TD_STATS_HOURS, error))
    return NULL;
  if (bucket_ms != TD_STATS_HOUR_MS)
    {
      fail (error, "bucket_ms", "is not one hour");
      return NULL;
    }

  node = json_object_get_member (object, "operators");
  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    {
      fail (error, "operators", "is not an array");
      return NULL;
    }
  operators = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (operators); i++)
    {
      JsonNode *element = json_array_get_element (operators, i);
      JsonObject *row;
      g_autofree char *id = NULL;
      TdStatsOperator *op;

      if (!JSON_NODE_HOLDS_OBJECT (element))
        {
          fail (error, "operators", "holds a row that is not an object");
          return NULL;
        }
      row = json_node_get_object (element);
      if (!read_string (row, "id", FALSE, &id, error))
        return NULL;
      op = td_stats_add_operator (self, id);
      if (!read_count (row, "assigned_open", &op->assigned_open, error) ||
          !read_count (row, "messages_today", &op->messages_today, error) ||
          !read_ms_or_null (row, "first_response_median_ms", &op->first_response_median_ms, error) ||
          !read_ms_or_null (row, "next_response_median_ms", &op->next_response_median_ms, error))
        return NULL;
    }

  return g_steal_pointer (&self);
}

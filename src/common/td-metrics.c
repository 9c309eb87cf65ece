/* td-metrics.c — the metric definitions, written once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The rules implemented here are documented, one by one, in docs/metrics.md.
 * Change both together.
 */
#define G_LOG_DOMAIN "tripdesk-metrics"

#include "td-metrics.h"

#include <string.h>

/* ---- the rank rule ---------------------------------------------------- */

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return (x > y) - (x < y);
}

/**
 * td_metrics_percentile:
 * @values: (array length=n): the values; sorted ascending on return
 * @n: how many
 * @p: the percentile, 1..100
 *
 * Nearest rank: the value at rank ceil(p/100 × n) (1-based) of the sorted
 * values.  The median is p = 50: for an even @n the lower middle value.
 * Every figure is a duration that was actually observed.
 *
 * Returns: the percentile, or TD_STATS_NO_VALUE when @n is 0
 */
gint64
td_metrics_percentile (gint64 *values,
                       gsize   n,
                       guint   p)
{
  gsize rank;

  g_return_val_if_fail (p >= 1 && p <= 100, TD_STATS_NO_VALUE);
  g_return_val_if_fail (n == 0 || values != NULL, TD_STATS_NO_VALUE);

  if (n == 0)
    return TD_STATS_NO_VALUE;

  qsort (values, n, sizeof (gint64), compare_gint64);
  /* ceil (p × n / 100) in integers: exact, no floating point */
  rank = ((gsize) p * n + 99) / 100;
  if (rank < 1)
    rank = 1;

  return values[rank - 1];
}

/**
 * td_metrics_mean:
 * Returns: the arithmetic mean rounded to the nearest ms (a half rounds
 *   up), or TD_STATS_NO_VALUE when @n is 0
 */
gint64
td_metrics_mean (const gint64 *values,
                 gsize         n)
{
  gint64 sum = 0;

  g_return_val_if_fail (n == 0 || values != NULL, TD_STATS_NO_VALUE);

  if (n == 0)
    return TD_STATS_NO_VALUE;

  for (gsize i = 0; i < n; i++)
    sum += values[i];

  return (sum + (gint64) n / 2) / (gint64) n;
}

/* ---- time windows ----------------------------------------------------- */

static gint64
floor_div (gint64 a,
           gint64 b)
{
  gint64 q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static GDateTime *
local_time (gint64     ms,
            GTimeZone *tz)
{
  g_autoptr(GTimeZone) zone = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (floor_div (ms, 1000));

  return g_date_time_to_timezone (utc, zone);
}

/**
 * td_metrics_day_start:
 * Returns: midnight of the local day (in @tz, NULL: local) containing @ms
 */
gint64
td_metrics_day_start (gint64     ms,
                      GTimeZone *tz)
{
  g_autoptr(GTimeZone) zone = tz != NULL ? g_time_zone_ref (tz) : g_time_zone_new_local ();
  g_autoptr(GDateTime) dt = local_time (ms, zone);
  g_autoptr(GDateTime) midnight = NULL;

  midnight = g_date_time_new (zone,
                              g_date_time_get_year (dt),
                              g_date_time_get_month (dt),
                              g_date_time_get_day_of_month (dt),
                              0, 0, 0);
  if (midnight == NULL)   /* cannot happen for a valid date */
    return ms;

  /* A zone whose clocks skip midnight puts it after @ms: never in the future */
  return MIN (g_date_time_to_unix (midnight) * 1000, ms);
}

/**
 * td_metrics_hour_start:
 * Returns: the start of the local hour (in @tz) containing @ms
 */
gint64
td_metrics_hour_start (gint64     ms,
                       GTimeZone *tz)
{
  g_autoptr(GDateTime) dt = local_time (ms, tz);
  gint64 seconds = floor_div (ms, 1000);

  seconds -= g_date_time_get_minute (dt) * 60 + g_date_time_get_second (dt);
  return seconds * 1000;
}

/* ---- what counts ------------------------------------------------------ */

gboolean
td_metrics_message_is_counted (const TdMetricsMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return message->kind != TD_KIND_NOTE && message->kind != TD_KIND_SYSTEM;
}

gboolean
td_metrics_message_is_ask (const TdMetricsMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return message->sender_role == TD_ROLE_CUSTOMER &&
         td_metrics_message_is_counted (message) &&
         message->kind != TD_KIND_RATING;
}

gboolean
td_metrics_message_is_response (const TdMetricsMessage *message)
{
  g_return_val_if_fail (message != NULL, FALSE);

  return message->sender_role == TD_ROLE_OPERATOR &&
         td_metrics_message_is_counted (message);
}

/* ---- records from the wire objects ----------------------------------- */

/**
 * td_metrics_message_init:
 * @out: (out caller-allocates): the record
 * @message: a stored message
 * @merchant: (nullable): its line's merchant
 *
 * Fills @out from @message; strings are borrowed from it.  The score of a
 * rating is its body's "score" (0 when absent or not an integer).
 */
void
td_metrics_message_init (TdMetricsMessage *out,
                         TdMessage        *message,
                         const char       *merchant)
{
  JsonObject *body;

  g_return_if_fail (out != NULL);
  g_return_if_fail (TD_IS_MESSAGE (message));

  memset (out, 0, sizeof *out);
  out->line_id = td_message_get_line_id (message);
  out->merchant = merchant;
  out->sender_role = td_message_get_sender_role (message);
  out->sender_id = td_message_get_sender_id (message);
  out->kind = td_message_get_kind (message);
  out->ts = td_message_get_ts (message);

  body = td_message_get_body (message);
  if (out->kind == TD_KIND_RATING && body != NULL)
    {
      JsonNode *node = json_object_get_member (body, "score");

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_INT64)
        {
          gint64 score = json_node_get_int (node);

          if (score >= 1 && score <= 5)
            out->score = (int) score;
        }
    }
}

/**
 * td_metrics_line_init:
 * @out: (out caller-allocates): the record
 * @line: a line
 *
 * Fills @out from @line; strings are borrowed from it.
 */
void
td_metrics_line_init (TdMetricsLine *out,
                      TdLine        *line)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (TD_IS_LINE (line));

  memset (out, 0, sizeof *out);
  out->line_id = td_line_get_id (line);
  out->merchant = td_line_get_merchant (line);
  out->state = td_line_get_state (line);
  out->assignee = td_line_get_assignee (line);
  out->created = td_line_get_created (line);
  out->snooze_until = td_line_get_snooze_until (line);
  out->waiting_since = td_line_get_waiting_since (line);
}

/* ---- the computation -------------------------------------------------- */

typedef struct
{
  const TdMetricsLine *record;      /* NULL: messages only */
  gboolean  has_messages;

  /* first response */
  gboolean  seen_first_ask;
  gint64    first_ask_ts;
  gboolean  first_open;             /* first ask not answered, not resolved */
  gboolean  first_answered;

  /* next response: the customer wait in progress */
  gboolean  pending;
  gint64    pending_since;

  /* resolution */
  gboolean  has_resolve;
  gint64    last_resolve_ts;
  gboolean  resolved_in_week;
  gboolean  reopened;
} LineAcc;

typedef struct
{
  gint64      start;        /* the customer message that started the wait */
  gint64      value;
  const char *responder;
} Sample;

typedef struct
{
  const char *id;
  gint64      assigned_open;
  gint64      messages_today;
  GArray     *first;        /* gint64, last 7 days */
  GArray     *next;
} OperatorAcc;

typedef struct
{
  gboolean is_change;
  gsize    index;
  gint64   ts;
} Event;

static int
compare_events (gconstpointer a,
                gconstpointer b)
{
  const Event *x = a;
  const Event *y = b;

  if (x->ts != y->ts)
    return (x->ts > y->ts) - (x->ts < y->ts);
  /* at one instant: messages before state changes (an answer, then the resolve) */
  if (x->is_change != y->is_change)
    return x->is_change ? 1 : -1;
  return (x->index > y->index) - (x->index < y->index);
}

static void
operator_acc_free (gpointer data)
{
  OperatorAcc *op = data;

  g_array_unref (op->first);
  g_array_unref (op->next);
  g_free (op);
}

static OperatorAcc *
operator_acc (GHashTable *operators,
              const char *id)
{
  OperatorAcc *op = g_hash_table_lookup (operators, id);

  if (op == NULL)
    {
      op = g_new0 (OperatorAcc, 1);
      op->id = id;
      op->first = g_array_new (FALSE, FALSE, sizeof (gint64));
      op->next = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (operators, (gpointer) id, op);
    }
  return op;
}

static LineAcc *
line_acc (GHashTable *lines,
          const char *line_id)
{
  LineAcc *acc = g_hash_table_lookup (lines, line_id);

  if (acc == NULL)
    {
      acc = g_new0 (LineAcc, 1);
      g_hash_table_insert (lines, (gpointer) line_id, acc);
    }
  return acc;
}

static void
durations_fill (TdStatsDurations *d,
                GArray           *values,
                gint64            unanswered)
{
  gint64 *v = (gint64 *) (gpointer) values->data;

  d->count = values->len;
  d->unanswered = unanswered;
  d->median_ms = td_metrics_percentile (v, values->len, 50);
  d->p90_ms = td_metrics_percentile (v, values->len, 90);
  d->mean_ms = td_metrics_mean (v, values->len);
}

static void
samples_fill (TdStatsDurations *d,
              GArray           *samples,
              gint64            from,
              gint64            unanswered)
{
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint i = 0; i < samples->len; i++)
    {
      const Sample *s = &g_array_index (samples, Sample, i);

      if (s->start >= from)
        g_array_append_val (values, s->value);
    }
  durations_fill (d, values, unanswered);
}

static int
compare_operator_ids (gconstpointer a,
                      gconstpointer b)
{
  const OperatorAcc *x = *(OperatorAcc * const *) a;
  const OperatorAcc *y = *(OperatorAcc * const *) b;

  return strcmp (x->id, y->id);
}

static void
handle_message (const TdMetricsMessage *m,
                LineAcc                *acc,
                TdStats                *stats,
                GHashTable             *operators,
                GArray                 *first_samples,
                GArray                 *next_samples)
{
  gboolean counted = td_metrics_message_is_counted (m);

  acc->has_messages = TRUE;

  /* messages per hour, and per operator today */
  if (counted && m->ts >= stats->hours_start)
    {
      gint64 bucket = (m->ts - stats->hours_start) / TD_STATS_HOUR_MS;

      if (bucket >= 0 && bucket < TD_STATS_HOURS)
        {
          if (m->sender_role == TD_ROLE_CUSTOMER)
            stats->customer_per_hour[bucket]++;
          else
            stats->operator_per_hour[bucket]++;
        }
    }
  if (counted && m->sender_role == TD_ROLE_OPERATOR && m->sender_id != NULL &&
      m->ts >= stats->today_start)
    operator_acc (operators, m->sender_id)->messages_today++;

  /* CSAT */
  if (m->kind == TD_KIND_RATING && m->sender_role == TD_ROLE_CUSTOMER &&
      m->ts >= stats->week_start && m->score >= 1 && m->score <= 5)
    {
      stats->csat_count++;
      stats->csat_scores[m->score - 1]++;
      if (m->score >= 4)
        stats->csat_satisfied++;
    }

  if (td_metrics_message_is_ask (m))
    {
      if (!acc->seen_first_ask)
        {
          acc->seen_first_ask = TRUE;
          acc->first_ask_ts = m->ts;
          acc->first_open = TRUE;
        }
      if (!acc->pending)
        {
          acc->pending = TRUE;
          acc->pending_since = m->ts;
        }
    }
  else if (td_metrics_message_is_response (m))
    {
      if (acc->first_open)
        {
          Sample s = { acc->first_ask_ts, m->ts - acc->first_ask_ts, m->sender_id };

          g_array_append_val (first_samples, s);
          acc->first_open = FALSE;
          acc->first_answered = TRUE;
        }
      if (acc->pending)
        {
          Sample s = { acc->pending_since, m->ts - acc->pending_since, m->sender_id };

          g_array_append_val (next_samples, s);
          acc->pending = FALSE;
        }
    }
}

static void
handle_change (const TdMetricsStateChange *c,
               LineAcc                    *acc,
               const TdStats              *stats)
{
  if (c->to_state == TD_LINE_STATE_RESOLVED && c->from_state != TD_LINE_STATE_RESOLVED)
    {
      /* a resolve ends the customer's wait without an answer */
      acc->pending = FALSE;
      acc->first_open = FALSE;
      acc->has_resolve = TRUE;
      acc->last_resolve_ts = c->ts;
      if (c->ts >= stats->week_start)
        acc->resolved_in_week = TRUE;
    }
  else if (c->from_state == TD_LINE_STATE_RESOLVED && c->to_state != TD_LINE_STATE_RESOLVED)
    {
      if (acc->resolved_in_week)
        acc->reopened = TRUE;
    }
}

/**
 * td_metrics_compute:
 * @input: the records, "now" and the time zone
 *
 * Returns: (transfer full): every figure of docs/metrics.md for
 *   input->merchant
 */
TdStats *
td_metrics_compute (const TdMetricsInput *input)
{
  g_autoptr(TdStats) stats = NULL;
  g_autoptr(GTimeZone) tz = NULL;
  g_autoptr(GHashTable) lines = NULL;       /* line_id → LineAcc */
  g_autoptr(GHashTable) operators = NULL;   /* uid → OperatorAcc */
  g_autoptr(GArray) events = NULL;
  g_autoptr(GArray) first_samples = NULL;
  g_autoptr(GArray) next_samples = NULL;
  g_autoptr(GArray) resolution = NULL;
  g_autoptr(GPtrArray) sorted_ops = NULL;
  gint64 now, first_unanswered_today = 0, first_unanswered_week = 0;
  gint64 next_unanswered_today = 0, next_unanswered_week = 0;
  gint64 csat_sum = 0;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (input != NULL, NULL);
  g_return_val_if_fail (input->merchant != NULL, NULL);
  g_return_val_if_fail (input->n_lines == 0 || input->lines != NULL, NULL);
  g_return_val_if_fail (input->n_messages == 0 || input->messages != NULL, NULL);
  g_return_val_if_fail (input->n_changes == 0 || input->changes != NULL, NULL);

  now = input->now;
  tz = input->tz != NULL ? g_time_zone_ref (input->tz) : g_time_zone_new_local ();

  stats = td_stats_new (input->merchant, now);
  g_free (stats->tz);
  stats->tz = g_strdup (g_time_zone_get_identifier (tz));
  stats->today_start = td_metrics_day_start (now, tz);
  stats->week_start = now - TD_METRICS_WEEK_MS;
  stats->hours_start = td_metrics_hour_start (now, tz) - (TD_STATS_HOURS - 1) * TD_STATS_HOUR_MS;

  lines = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  operators = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, operator_acc_free);

  /* the merchant's line records (the first record of an id wins) */
  for (gsize i = 0; i < input->n_lines; i++)
    {
      const TdMetricsLine *l = &input->lines[i];
      LineAcc *acc;

      if (l->line_id == NULL || g_strcmp0 (l->merchant, input->merchant) != 0)
        continue;
      acc = line_acc (lines, l->line_id);
      if (acc->record == NULL)
        acc->record = l;
    }

  /* one timeline of the merchant's messages and state changes up to now */
  events = g_array_new (FALSE, FALSE, sizeof (Event));
  for (gsize i = 0; i < input->n_messages; i++)
    {
      const TdMetricsMessage *m = &input->messages[i];
      Event e = { FALSE, i, m->ts };

      if (m->line_id == NULL || m->ts > now ||
          g_strcmp0 (m->merchant, input->merchant) != 0)
        continue;
      g_array_append_val (events, e);
    }
  for (gsize i = 0; i < input->n_changes; i++)
    {
      const TdMetricsStateChange *c = &input->changes[i];
      LineAcc *acc;
      Event e = { TRUE, i, c->ts };

      if (c->line_id == NULL || c->ts > now)
        continue;
      acc = g_hash_table_lookup (lines, c->line_id);
      if (acc == NULL || acc->record == NULL)
        continue;   /* not a line of this merchant */
      g_array_append_val (events, e);
    }
  g_array_sort (events, compare_events);

  first_samples = g_array_new (FALSE, FALSE, sizeof (Sample));
  next_samples = g_array_new (FALSE, FALSE, sizeof (Sample));

  for (guint i = 0; i < events->len; i++)
    {
      const Event *e = &g_array_index (events, Event, i);

      if (e->is_change)
        {
          const TdMetricsStateChange *c = &input->changes[e->index];

          handle_change (c, g_hash_table_lookup (lines, c->line_id), stats);
        }
      else
        {
          const TdMetricsMessage *m = &input->messages[e->index];

          handle_message (m, line_acc (lines, m->line_id), stats, operators,
                          first_samples, next_samples);
        }
    }

  /* per line: live figures, unanswered waits, resolution */
  resolution = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_hash_table_iter_init (&iter, lines);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      LineAcc *acc = value;
      const TdMetricsLine *l = acc->record;

      if (acc->seen_first_ask && !acc->first_answered)
        {
          if (acc->first_ask_ts >= stats->today_start)
            first_unanswered_today++;
          if (acc->first_ask_ts >= stats->week_start)
            first_unanswered_week++;
        }
      if (acc->pending)
        {
          if (acc->pending_since >= stats->today_start)
            next_unanswered_today++;
          if (acc->pending_since >= stats->week_start)
            next_unanswered_week++;
        }

      if (acc->resolved_in_week)
        {
          stats->reopen_resolved++;
          if (acc->reopened)
            stats->reopen_reopened++;
        }

      if (l == NULL)
        continue;

      switch (l->state)
        {
        case TD_LINE_STATE_OPEN:
          {
            gint64 waiting_since;

            stats->open++;
            if (l->assignee == NULL || l->assignee[0] == '\0')
              stats->unassigned++;
            else
              operator_acc (operators, l->assignee)->assigned_open++;

            if (acc->has_messages)
              waiting_since = acc->pending ? acc->pending_since : 0;
            else
              waiting_since = l->waiting_since;
            if (waiting_since > 0 && waiting_since <= now)
              {
                gint64 wait = now - waiting_since;

                stats->waiting++;
                if (wait > stats->longest_wait_ms ||
                    (wait == stats->longest_wait_ms &&
                     strcmp (l->line_id, stats->longest_wait_line) < 0))
                  {
                    stats->longest_wait_ms = wait;
                    g_free (stats->longest_wait_line);
                    stats->longest_wait_line = g_strdup (l->line_id);
                  }
              }
          }
          break;

        case TD_LINE_STATE_PENDING:
          stats->pending++;
          break;

        case TD_LINE_STATE_SNOOZED:
          stats->snoozed++;
          break;

        case TD_LINE_STATE_RESOLVED:
          if (acc->has_resolve)
            {
              if (acc->last_resolve_ts >= stats->today_start)
                stats->resolved_today++;
              if (acc->last_resolve_ts >= stats->week_start)
                {
                  gint64 d = MAX (0, acc->last_resolve_ts - l->created);

                  g_array_append_val (resolution, d);
                }
            }
          break;

        default:
          break;
        }
    }

  samples_fill (&stats->first_response_today, first_samples, stats->today_start,
                first_unanswered_today);
  samples_fill (&stats->first_response_week, first_samples, stats->week_start,
                first_unanswered_week);
  samples_fill (&stats->next_response_today, next_samples, stats->today_start,
                next_unanswered_today);
  samples_fill (&stats->next_response_week, next_samples, stats->week_start,
                next_unanswered_week);
  durations_fill (&stats->resolution_week, resolution, 0);

  if (stats->reopen_resolved > 0)
    stats->reopen_rate = (double) stats->reopen_reopened / (double) stats->reopen_resolved;

  for (int i = 0; i < 5; i++)
    csat_sum += (i + 1) * stats->csat_scores[i];
  if (stats->csat_count > 0)
    {
      stats->csat_average = (double) csat_sum / (double) stats->csat_count;
      stats->csat_satisfied_share = (double) stats->csat_satisfied / (double) stats->csat_count;
    }

  /* per operator: the responses of the last 7 days go to who answered */
  for (guint i = 0; i < first_samples->len; i++)
    {
      const Sample *s = &g_array_index (first_samples, Sample, i);

      if (s->start >= stats->week_start && s->responder != NULL)
        g_array_append_val (operator_acc (operators, s->responder)->first, s->value);
    }
  for (guint i = 0; i < next_samples->len; i++)
    {
      const Sample *s = &g_array_index (next_samples, Sample, i);

      if (s->start >= stats->week_start && s->responder != NULL)
        g_array_append_val (operator_acc (operators, s->responder)->next, s->value);
    }

  sorted_ops = g_ptr_array_new ();
  g_hash_table_iter_init (&iter, operators);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (sorted_ops, value);
  g_ptr_array_sort (sorted_ops, compare_operator_ids);
  for (guint i = 0; i < sorted_ops->len; i++)
    {
      OperatorAcc *acc = g_ptr_array_index (sorted_ops, i);
      TdStatsOperator *op = td_stats_add_operator (stats, acc->id);

      op->assigned_open = acc->assigned_open;
      op->messages_today = acc->messages_today;
      op->first_response_median_ms =
        td_metrics_percentile ((gint64 *) (gpointer) acc->first->data, acc->first->len, 50);
      op->next_response_median_ms =
        td_metrics_percentile ((gint64 *) (gpointer) acc->next->data, acc->next->len, 50);
    }

  return g_steal_pointer (&stats);
}

/* td-stats.h — the dashboard figures of one merchant, and their JSON schema
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A TdStats is the answer of GET /v1/stats (schema: docs/metrics.md).  The
 * server computes it with td_metrics_compute() from its store; the client
 * reads the server's answer with td_stats_new_from_json(), or computes the
 * same figures from its own cache with td_metrics_compute() when offline.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The version of the JSON schema written by td_stats_to_json(). */
#define TD_STATS_SCHEMA 1

/* "No value" (JSON null) for every duration, share and average: a figure
 * over an empty set is never 0.  Any figure < 0 means "no value". */
#define TD_STATS_NO_VALUE (-1)

/* Messages per hour: 24 one-hour buckets, the last one the current hour. */
#define TD_STATS_HOURS 24
#define TD_STATS_HOUR_MS G_GINT64_CONSTANT (3600000)

/**
 * TdStatsError:
 * @TD_STATS_ERROR_INVALID: a stats object that does not follow the schema
 * @TD_STATS_ERROR_SCHEMA: a schema version this build cannot read
 */
typedef enum
{
  TD_STATS_ERROR_INVALID,
  TD_STATS_ERROR_SCHEMA,
} TdStatsError;

#define TD_STATS_ERROR (td_stats_error_quark ())
GQuark td_stats_error_quark (void);

/**
 * TdStatsDurations:
 * @count: how many durations were measured
 * @unanswered: counted apart (response figures only; 0 otherwise): customer
 *   waits in the window that got no operator answer
 * @median_ms: p50 by the rank rule, or TD_STATS_NO_VALUE
 * @p90_ms: p90 by the rank rule, or TD_STATS_NO_VALUE
 * @mean_ms: the mean rounded to the nearest ms, or TD_STATS_NO_VALUE
 */
typedef struct
{
  gint64 count;
  gint64 unanswered;
  gint64 median_ms;
  gint64 p90_ms;
  gint64 mean_ms;
} TdStatsDurations;

/**
 * TdStatsOperator:
 * @id: the operator's uid
 * @assigned_open: lines assigned to it that are open now
 * @messages_today: customer-visible messages it sent today
 * @first_response_median_ms: median of the first responses it gave, last 7 days
 * @next_response_median_ms: median of every response gap it closed, last 7 days
 */
typedef struct
{
  char   *id;
  gint64  assigned_open;
  gint64  messages_today;
  gint64  first_response_median_ms;
  gint64  next_response_median_ms;
} TdStatsOperator;

typedef struct _TdStats TdStats;

/**
 * TdStats:
 *
 * Every figure of docs/metrics.md.  Times are ms since the Unix epoch,
 * durations ms; a duration, average or share below 0 is "no value".
 */
struct _TdStats
{
  int      schema;            /* TD_STATS_SCHEMA */
  char    *merchant;
  gint64   as_of;             /* "now" of the computation */
  char    *tz;                /* identifier of the time zone of "today" */
  gint64   today_start;       /* local midnight of as_of's day, in tz */
  gint64   week_start;        /* as_of - 7 days */

  /* live */
  gint64   open;
  gint64   pending;
  gint64   snoozed;
  gint64   unassigned;        /* open lines with no assignee */
  gint64   waiting;           /* open lines whose customer awaits an answer */
  gint64   longest_wait_ms;   /* or TD_STATS_NO_VALUE */
  char    *longest_wait_line; /* nullable */

  /* response times, by the time of the customer message */
  TdStatsDurations first_response_today;
  TdStatsDurations first_response_week;
  TdStatsDurations next_response_today;
  TdStatsDurations next_response_week;

  /* resolution */
  gint64   resolved_today;
  TdStatsDurations resolution_week;   /* unanswered is always 0 */
  gint64   reopen_resolved;   /* lines resolved in the last 7 days */
  gint64   reopen_reopened;   /* … of them reopened afterwards */
  double   reopen_rate;       /* reopened / resolved, or TD_STATS_NO_VALUE */

  /* CSAT, last 7 days */
  gint64   csat_count;
  double   csat_average;      /* or TD_STATS_NO_VALUE */
  gint64   csat_satisfied;    /* scores 4 and 5 */
  double   csat_satisfied_share; /* or TD_STATS_NO_VALUE */
  gint64   csat_scores[5];    /* [0] = score 1 … [4] = score 5 */

  /* messages per hour, last 24 h */
  gint64   hours_start;       /* start of the first bucket */
  gint64   customer_per_hour[TD_STATS_HOURS];
  gint64   operator_per_hour[TD_STATS_HOURS];

  /* per operator, sorted by id (element type TdStatsOperator) */
  GPtrArray *operators;
};

#define TD_TYPE_STATS (td_stats_get_type ())
GType      td_stats_get_type        (void) G_GNUC_CONST;

/* An empty TdStats: every count 0, every figure "no value". */
TdStats   *td_stats_new             (const char  *merchant,
                                     gint64       as_of);
TdStats   *td_stats_copy            (const TdStats *self);
void       td_stats_free            (TdStats     *self);

/* Appends an operator row (owned by @self) and returns it. */
TdStatsOperator *td_stats_add_operator (TdStats    *self,
                                        const char *id);
/* The row of @id, or NULL. */
TdStatsOperator *td_stats_find_operator (const TdStats *self,
                                         const char    *id);

/* The versioned JSON object of docs/metrics.md (owned). */
JsonObject *td_stats_to_json        (const TdStats *self);
/* Compact JSON text (owned); equal stats give equal text. */
char       *td_stats_to_string      (const TdStats *self);
/**
 * td_stats_new_from_json:
 * Reads a stats object (e.g. the body of GET /v1/stats).  Fails with
 * TD_STATS_ERROR_SCHEMA for another schema version and
 * TD_STATS_ERROR_INVALID for a missing or wrong-typed field.  Unknown
 * members are ignored (a newer server may add figures within schema 1).
 */
TdStats    *td_stats_new_from_json  (JsonObject  *object,
                                     GError     **error);
gboolean    td_stats_equal          (const TdStats *a,
                                     const TdStats *b);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdStats, td_stats_free)

G_END_DECLS

/* td-metrics.h — the metric definitions, written once
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every dashboard figure is computed here from plain records that both the
 * server (from sqlite) and the client (from its cache) can produce.  The
 * exact rule of each figure is in docs/metrics.md; this file is its code.
 */
#pragma once

#include <glib.h>
#include "td-protocol.h"
#include "td-line.h"
#include "td-message.h"
#include "td-stats.h"

G_BEGIN_DECLS

/**
 * TdMetricsMessage:
 * @line_id: the message's line
 * @merchant: the line's merchant (records of other merchants are skipped)
 * @sender_role: customer or operator
 * @sender_id: the sender's uid
 * @kind: the message kind (TD_KIND_NOTE and TD_KIND_SYSTEM are never
 *   responses; TD_KIND_RATING carries @score)
 * @ts: ms since the Unix epoch, server clock
 * @score: the rating's score 1..5 when @kind is TD_KIND_RATING, else 0
 *
 * One stored message.  Strings are borrowed for the time of the call.
 */
typedef struct
{
  const char *line_id;
  const char *merchant;
  TdRole      sender_role;
  const char *sender_id;
  TdKind      kind;
  gint64      ts;
  int         score;
} TdMetricsMessage;

/**
 * TdMetricsLine:
 * @line_id: the line's id
 * @merchant: its merchant
 * @state: its state now
 * @assignee: its assignee (NULL or "" for none)
 * @created: when it was created (its first open)
 * @snooze_until: as on the wire (0 = none)
 * @waiting_since: only used when the input holds no message of this line
 *   (a trimmed client cache): the time of the first customer message not
 *   answered yet, 0 when none.  Otherwise it is derived from the messages.
 */
typedef struct
{
  const char  *line_id;
  const char  *merchant;
  TdLineState  state;
  const char  *assignee;
  gint64       created;
  gint64       snooze_until;
  gint64       waiting_since;
} TdMetricsLine;

/**
 * TdMetricsStateChange:
 * One change of a line's state (open → resolved, resolved → open, …).  It
 * belongs to the merchant of the line record with the same @line_id.
 */
typedef struct
{
  const char  *line_id;
  gint64       ts;
  TdLineState  from_state;
  TdLineState  to_state;
} TdMetricsStateChange;

/**
 * TdMetricsInput:
 * @merchant: whose figures
 * @now: the time of the figures (ms); records after it are ignored
 * @tz: the time zone of "today" and of the hour buckets (NULL: local)
 * @lines, @messages, @changes: the records (any merchant; any order —
 *   they are put in time order, keeping the given order for equal times)
 */
typedef struct
{
  const char                 *merchant;
  gint64                      now;
  GTimeZone                  *tz;
  const TdMetricsLine        *lines;
  gsize                       n_lines;
  const TdMetricsMessage     *messages;
  gsize                       n_messages;
  const TdMetricsStateChange *changes;
  gsize                       n_changes;
} TdMetricsInput;

#define TD_METRICS_DAY_MS  G_GINT64_CONSTANT (86400000)
#define TD_METRICS_WEEK_MS (7 * TD_METRICS_DAY_MS)

/* Records from the wire objects (the client's cache, the tests).  Strings
 * are borrowed from @message / @line: keep them alive while @out is used.
 * A message has no merchant of its own: pass its line's. */
void      td_metrics_message_init   (TdMetricsMessage *out,
                                     TdMessage        *message,
                                     const char       *merchant);
/* waiting_since is taken from the line's client-side "waiting-since". */
void      td_metrics_line_init      (TdMetricsLine    *out,
                                     TdLine           *line);

/* Computes every figure of docs/metrics.md for input->merchant (owned). */
TdStats  *td_metrics_compute        (const TdMetricsInput *input);

/* The one rank rule (nearest rank): sorts @values ascending in place and
 * returns the value at rank ceil(p/100 × n), 1 ≤ p ≤ 100; the median is
 * p = 50.  TD_STATS_NO_VALUE when @n is 0. */
gint64    td_metrics_percentile     (gint64       *values,
                                     gsize         n,
                                     guint         p);
/* The mean rounded to the nearest ms (halves up); TD_STATS_NO_VALUE when
 * @n is 0.  Values must be ≥ 0. */
gint64    td_metrics_mean           (const gint64 *values,
                                     gsize         n);

/* Start of the local day (midnight in @tz) containing @ms. */
gint64    td_metrics_day_start      (gint64       ms,
                                     GTimeZone   *tz);
/* Start of the local hour (in @tz) containing @ms. */
gint64    td_metrics_hour_start     (gint64       ms,
                                     GTimeZone   *tz);

/* A customer message that asks for an answer: not a rating, note or system. */
gboolean  td_metrics_message_is_ask      (const TdMetricsMessage *message);
/* An operator message that answers: not a note or system notice. */
gboolean  td_metrics_message_is_response (const TdMetricsMessage *message);
/* Counted in "messages": every message but notes and system notices. */
gboolean  td_metrics_message_is_counted  (const TdMetricsMessage *message);

G_END_DECLS

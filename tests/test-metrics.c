/* test-metrics.c — the metric definitions against a scripted day
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every expected figure below is computed by hand in the comments, from the
 * rules of docs/metrics.md.  The clock is the input's "now": no waiting.
 */
#include "td-json.h"
#include "td-metrics.h"
#include "td-stats.h"

#include <string.h>

#define M_MS  G_GINT64_CONSTANT (60000)
#define H_MS  G_GINT64_CONSTANT (3600000)
#define D_MS  G_GINT64_CONSTANT (86400000)

/* T0 = 2026-11-30 00:00 at +08:00 (= 2026-11-29 16:00 UTC): local midnight */
#define T0    G_GINT64_CONSTANT (1795968000000)
#define AT(h, m) (T0 + (h) * H_MS + (m) * M_MS)
/* now = 15:00 local (07:00 UTC) */
#define NOW   AT (15, 0)

#define LAKE  "m_lakeside"
#define SKY   "m_skyline"

#define C(line, merchant, who, t)   { line, merchant, TD_ROLE_CUSTOMER, who, TD_KIND_TEXT, t, 0 }
#define O(line, merchant, who, t)   { line, merchant, TD_ROLE_OPERATOR, who, TD_KIND_TEXT, t, 0 }
#define RATE(line, merchant, who, t, s) { line, merchant, TD_ROLE_CUSTOMER, who, TD_KIND_RATING, t, s }
#define NOTE(line, merchant, who, t) { line, merchant, TD_ROLE_OPERATOR, who, TD_KIND_NOTE, t, 0 }
#define SYS(line, merchant, who, t) { line, merchant, TD_ROLE_OPERATOR, who, TD_KIND_SYSTEM, t, 0 }

/*
 * The scripted day, merchant m_lakeside (times local, +08:00; "-3d" = three
 * days before T0):
 *
 * ml_1  open, o_alice    c 9:00  a 9:02  c 9:10  c 9:11  a 9:15  note 9:16
 *                        c 9:20  a 9:30  (c 15:01 is after now: ignored)
 * ml_2  open, o_bob      c 10:00  b 10:05  c 10:20 (waiting)
 * ml_3  open, —          c 12:00  c 12:01 (never answered, waiting)
 * ml_4  resolved, alice  c 8:00  a 8:04  [resolved 8:30]  c 11:00
 *                        [reopened 11:00]  a 11:20  rating 5 11:25
 *                        [resolved 11:30]
 * ml_5  resolved, bob    c -0:30 (yesterday 23:30)  a 0:30  c 1:00  b 1:03
 *                        rating 4 1:05  [resolved 2:00]
 * ml_6  resolved, alice  c -3d 10:00  a -3d 10:30  rating 2 -3d 10:40
 *                        [resolved -3d 11:00]
 * ml_7  resolved, alice  c -8d 0:00  a -8d 0:01  rating 1 -8d 0:30
 *                        [resolved -8d 1:00]  (all before the week)
 * ml_8  pending, alice   a 13:00 (a notice: operator first)  c 13:30
 *                        a 13:45  [pending 13:50]
 * ml_9  snoozed, bob     c 14:00  b 14:06  system(bob) 14:10  [snoozed 14:10]
 * ml_10 resolved, alice  a -8:00 -1 ms  a -8:00 (the first hour bucket's
 *                        start); no state change known
 *
 * merchant m_skyline (must not leak into m_lakeside's figures):
 * ml_b1 open, o_bob      c 9:00  b 9:01
 * ml_b2 open, —          c 14:30 (waiting)
 */
static const TdMetricsMessage day_messages[] = {
  C    ("ml_7", LAKE, "c_7", AT (-8 * 24, 0)),
  O    ("ml_7", LAKE, "o_alice", AT (-8 * 24, 1)),
  RATE ("ml_7", LAKE, "c_7", AT (-8 * 24, 30), 1),
  C    ("ml_6", LAKE, "c_6", AT (-3 * 24 + 10, 0)),
  O    ("ml_6", LAKE, "o_alice", AT (-3 * 24 + 10, 30)),
  RATE ("ml_6", LAKE, "c_6", AT (-3 * 24 + 10, 40), 2),
  O    ("ml_10", LAKE, "o_alice", AT (-8, 0) - 1),
  O    ("ml_10", LAKE, "o_alice", AT (-8, 0)),
  C    ("ml_5", LAKE, "c_5", AT (0, -30)),
  O    ("ml_5", LAKE, "o_alice", AT (0, 30)),
  C    ("ml_5", LAKE, "c_5", AT (1, 0)),
  O    ("ml_5", LAKE, "o_bob", AT (1, 3)),
  RATE ("ml_5", LAKE, "c_5", AT (1, 5), 4),
  C    ("ml_4", LAKE, "c_4", AT (8, 0)),
  O    ("ml_4", LAKE, "o_alice", AT (8, 4)),
  C    ("ml_1", LAKE, "c_1", AT (9, 0)),
  C    ("ml_b1", SKY, "c_20", AT (9, 0)),
  O    ("ml_b1", SKY, "o_bob", AT (9, 1)),
  O    ("ml_1", LAKE, "o_alice", AT (9, 2)),
  C    ("ml_1", LAKE, "c_1", AT (9, 10)),
  C    ("ml_1", LAKE, "c_1", AT (9, 11)),
  O    ("ml_1", LAKE, "o_alice", AT (9, 15)),
  NOTE ("ml_1", LAKE, "o_alice", AT (9, 16)),
  C    ("ml_1", LAKE, "c_1", AT (9, 20)),
  O    ("ml_1", LAKE, "o_alice", AT (9, 30)),
  C    ("ml_2", LAKE, "c_2", AT (10, 0)),
  O    ("ml_2", LAKE, "o_bob", AT (10, 5)),
  C    ("ml_2", LAKE, "c_2", AT (10, 20)),
  C    ("ml_4", LAKE, "c_4", AT (11, 0)),
  O    ("ml_4", LAKE, "o_alice", AT (11, 20)),
  RATE ("ml_4", LAKE, "c_4", AT (11, 25), 5),
  C    ("ml_3", LAKE, "c_3", AT (12, 0)),
  C    ("ml_3", LAKE, "c_3", AT (12, 1)),
  O    ("ml_8", LAKE, "o_alice", AT (13, 0)),
  C    ("ml_8", LAKE, "c_8", AT (13, 30)),
  O    ("ml_8", LAKE, "o_alice", AT (13, 45)),
  C    ("ml_9", LAKE, "c_9", AT (14, 0)),
  O    ("ml_9", LAKE, "o_bob", AT (14, 6)),
  SYS  ("ml_9", LAKE, "o_bob", AT (14, 10)),
  C    ("ml_b2", SKY, "c_21", AT (14, 30)),
  C    ("ml_1", LAKE, "c_1", AT (15, 1)),
};

static const TdMetricsLine day_lines[] = {
  { "ml_1", LAKE, TD_LINE_STATE_OPEN, "o_alice", AT (9, 0), 0, 0 },
  { "ml_2", LAKE, TD_LINE_STATE_OPEN, "o_bob", AT (10, 0), 0, 0 },
  { "ml_3", LAKE, TD_LINE_STATE_OPEN, NULL, AT (12, 0), 0, 0 },
  { "ml_4", LAKE, TD_LINE_STATE_RESOLVED, "o_alice", AT (8, 0), 0, 0 },
  { "ml_5", LAKE, TD_LINE_STATE_RESOLVED, "o_bob", AT (0, -30), 0, 0 },
  { "ml_6", LAKE, TD_LINE_STATE_RESOLVED, "o_alice", AT (-3 * 24 + 10, 0), 0, 0 },
  { "ml_7", LAKE, TD_LINE_STATE_RESOLVED, "o_alice", AT (-8 * 24, 0), 0, 0 },
  { "ml_8", LAKE, TD_LINE_STATE_PENDING, "o_alice", AT (13, 0), 0, 0 },
  { "ml_9", LAKE, TD_LINE_STATE_SNOOZED, "o_bob", AT (14, 0), AT (18, 0), 0 },
  { "ml_10", LAKE, TD_LINE_STATE_RESOLVED, "o_alice", AT (-9, 0), 0, 0 },
  { "ml_b1", SKY, TD_LINE_STATE_OPEN, "o_bob", AT (9, 0), 0, 0 },
  { "ml_b2", SKY, TD_LINE_STATE_OPEN, "", AT (14, 30), 0, 0 },
};

static const TdMetricsStateChange day_changes[] = {
  { "ml_7", AT (-8 * 24 + 1, 0), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  { "ml_6", AT (-3 * 24 + 11, 0), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  { "ml_5", AT (2, 0), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  { "ml_4", AT (8, 30), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  { "ml_4", AT (11, 0), TD_LINE_STATE_RESOLVED, TD_LINE_STATE_OPEN },
  { "ml_4", AT (11, 30), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  { "ml_8", AT (13, 50), TD_LINE_STATE_OPEN, TD_LINE_STATE_PENDING },
  { "ml_9", AT (14, 10), TD_LINE_STATE_OPEN, TD_LINE_STATE_SNOOZED },
};

static TdStats *
compute_day (const char *merchant,
             const char *tz_id,
             gint64      now)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier (tz_id);
  TdMetricsInput input = {
    .merchant = merchant,
    .now = now,
    .tz = tz,
    .lines = day_lines,
    .n_lines = G_N_ELEMENTS (day_lines),
    .messages = day_messages,
    .n_messages = G_N_ELEMENTS (day_messages),
    .changes = day_changes,
    .n_changes = G_N_ELEMENTS (day_changes),
  };

  g_assert_nonnull (tz);
  return td_metrics_compute (&input);
}

static void
assert_durations (const TdStatsDurations *d,
                  gint64                  count,
                  gint64                  unanswered,
                  gint64                  median,
                  gint64                  p90,
                  gint64                  mean)
{
  g_assert_cmpint (d->count, ==, count);
  g_assert_cmpint (d->unanswered, ==, unanswered);
  g_assert_cmpint (d->median_ms, ==, median);
  g_assert_cmpint (d->p90_ms, ==, p90);
  g_assert_cmpint (d->mean_ms, ==, mean);
}

/* ---- the rank rule ---------------------------------------------------- */

static void
test_percentile (void)
{
  gint64 one[] = { 5 };
  gint64 four[] = { 4, 1, 3, 2 };
  gint64 ten[] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

  g_assert_cmpint (td_metrics_percentile (NULL, 0, 50), ==, TD_STATS_NO_VALUE);
  g_assert_cmpint (td_metrics_percentile (one, 1, 50), ==, 5);
  g_assert_cmpint (td_metrics_percentile (one, 1, 90), ==, 5);
  /* n = 4: p50 → rank ceil(2) = 2; p90 → ceil(3.6) = 4; p25 → ceil(1) = 1 */
  g_assert_cmpint (td_metrics_percentile (four, 4, 50), ==, 2);
  g_assert_cmpint (td_metrics_percentile (four, 4, 90), ==, 4);
  g_assert_cmpint (td_metrics_percentile (four, 4, 25), ==, 1);
  g_assert_cmpint (td_metrics_percentile (four, 4, 26), ==, 2);
  /* sorted in place */
  g_assert_cmpint (four[0], ==, 1);
  g_assert_cmpint (four[3], ==, 4);
  /* n = 10: p50 → rank 5; p90 → rank 9; p91 → ceil(9.1) = 10; p1 → 1 */
  g_assert_cmpint (td_metrics_percentile (ten, 10, 50), ==, 5);
  g_assert_cmpint (td_metrics_percentile (ten, 10, 90), ==, 9);
  g_assert_cmpint (td_metrics_percentile (ten, 10, 91), ==, 10);
  g_assert_cmpint (td_metrics_percentile (ten, 10, 100), ==, 10);
  g_assert_cmpint (td_metrics_percentile (ten, 10, 1), ==, 1);
}

static void
test_mean (void)
{
  gint64 a[] = { 1, 2 };
  gint64 b[] = { 1, 2, 2 };
  gint64 c[] = { 1, 1, 2 };
  gint64 d[] = { 0 };

  g_assert_cmpint (td_metrics_mean (NULL, 0), ==, TD_STATS_NO_VALUE);
  g_assert_cmpint (td_metrics_mean (a, 2), ==, 2);   /* 1.5 → 2: halves up */
  g_assert_cmpint (td_metrics_mean (b, 3), ==, 2);   /* 1.67 → 2 */
  g_assert_cmpint (td_metrics_mean (c, 3), ==, 1);   /* 1.33 → 1 */
  g_assert_cmpint (td_metrics_mean (d, 1), ==, 0);   /* a real 0 is a value */
}

static void
test_windows (void)
{
  g_autoptr(GTimeZone) cst = g_time_zone_new_identifier ("+08:00");
  g_autoptr(GTimeZone) ist = g_time_zone_new_identifier ("+05:30");
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  g_assert_cmpint (td_metrics_day_start (NOW, cst), ==, T0);
  g_assert_cmpint (td_metrics_day_start (T0, cst), ==, T0);
  g_assert_cmpint (td_metrics_day_start (T0 - 1, cst), ==, T0 - D_MS);
  /* 07:00 UTC: the UTC day began at 00:00 UTC = T0 + 8 h */
  g_assert_cmpint (td_metrics_day_start (NOW, utc), ==, T0 + 8 * H_MS);
  /* 15:00 at +08:00 is 12:30 at +05:30: that day began at T0 + 2:30 */
  g_assert_cmpint (td_metrics_day_start (NOW, ist), ==, T0 + 2 * H_MS + 30 * M_MS);

  g_assert_cmpint (td_metrics_hour_start (NOW, cst), ==, NOW);
  g_assert_cmpint (td_metrics_hour_start (NOW + 59 * M_MS, cst), ==, NOW);
  g_assert_cmpint (td_metrics_hour_start (NOW - 1, cst), ==, NOW - H_MS);
  /* local hours at +05:30 start on the half UTC hour */
  g_assert_cmpint (td_metrics_hour_start (NOW, ist), ==, NOW - 30 * M_MS);
}

/* Days and hours across daylight-saving changes (Europe/Berlin, 2026) */
static void
test_windows_dst (void)
{
  g_autoptr(GTimeZone) berlin = g_time_zone_new_identifier ("Europe/Berlin");
  g_autoptr(TdStats) s = NULL;
  TdMetricsInput input = { 0, };

  if (berlin == NULL)
    {
      g_test_skip ("no tzdata for Europe/Berlin");
      return;
    }

  /* 29 March: 02:00 CET → 03:00 CEST at 01:00 UTC.  At 10:00 UTC (12:00
   * CEST) the day began at midnight CET = 28 March 23:00 UTC */
  g_assert_cmpint (td_metrics_day_start (G_GINT64_CONSTANT (1774778400000), berlin), ==,
                   G_GINT64_CONSTANT (1774738800000));
  g_assert_cmpint (td_metrics_hour_start (G_GINT64_CONSTANT (1774778400000) + 59 * M_MS, berlin), ==,
                   G_GINT64_CONSTANT (1774778400000));
  /* 25 October: 03:00 CEST → 02:00 CET at 01:00 UTC.  01:30 UTC is the
   * second 02:30: its hour began at 01:00 UTC; its day at 24 Oct 22:00 UTC */
  g_assert_cmpint (td_metrics_hour_start (G_GINT64_CONSTANT (1792891800000), berlin), ==,
                   G_GINT64_CONSTANT (1792890000000));
  g_assert_cmpint (td_metrics_day_start (G_GINT64_CONSTANT (1792891800000), berlin), ==,
                   G_GINT64_CONSTANT (1792879200000));

  /* the 24 buckets stay one real hour each */
  input.merchant = LAKE;
  input.now = G_GINT64_CONSTANT (1774778400000);
  input.tz = berlin;
  s = td_metrics_compute (&input);
  g_assert_cmpint (s->today_start, ==, G_GINT64_CONSTANT (1774738800000));
  g_assert_cmpint (s->hours_start, ==, G_GINT64_CONSTANT (1774778400000) - 23 * H_MS);
}

/* ---- the scripted day ------------------------------------------------- */

static void
test_scripted_day (void)
{
  g_autoptr(TdStats) s = compute_day (LAKE, "+08:00", NOW);
  const TdStatsOperator *alice, *bob;
  gint64 customer[TD_STATS_HOURS] = { 0 };
  gint64 operator[TD_STATS_HOURS] = { 0 };

  g_assert_cmpint (s->schema, ==, TD_STATS_SCHEMA);
  g_assert_cmpstr (s->merchant, ==, LAKE);
  g_assert_cmpint (s->as_of, ==, NOW);
  g_assert_cmpstr (s->tz, ==, "+08:00");
  g_assert_cmpint (s->today_start, ==, T0);
  g_assert_cmpint (s->week_start, ==, NOW - 7 * D_MS);

  /* live: open ml_1 ml_2 ml_3; pending ml_8; snoozed ml_9; unassigned
   * ml_3; waiting ml_2 (since 10:20: 4 h 40 min = 16 800 000) and ml_3
   * (since 12:00: 3 h); ml_1's 15:01 message is after now */
  g_assert_cmpint (s->open, ==, 3);
  g_assert_cmpint (s->pending, ==, 1);
  g_assert_cmpint (s->snoozed, ==, 1);
  g_assert_cmpint (s->unassigned, ==, 1);
  g_assert_cmpint (s->waiting, ==, 2);
  g_assert_cmpint (s->longest_wait_ms, ==, 16800000);
  g_assert_cmpstr (s->longest_wait_line, ==, "ml_2");

  /* first response, today (first customer message ≥ 00:00):
   *   ml_1 2 min, ml_2 5 min, ml_4 4 min, ml_8 15 min (13:30 → 13:45),
   *   ml_9 6 min → sorted 120 000, 240 000, 300 000, 360 000, 900 000;
   *   median rank ceil(2.5) = 3 → 300 000; p90 rank ceil(4.5) = 5 →
   *   900 000; mean 1 920 000 / 5 = 384 000; unanswered: ml_3 */
  assert_durations (&s->first_response_today, 5, 1, 300000, 900000, 384000);
  /* last 7 days: + ml_5 1 h (23:30 yesterday → 0:30), ml_6 30 min; ml_7 is
   *   older → 120 000, 240 000, 300 000, 360 000, 900 000, 1 800 000,
   *   3 600 000; median rank 4 → 360 000; p90 rank ceil(6.3) = 7 →
   *   3 600 000; mean 7 320 000 / 7 = 1 045 714.3 → 1 045 714 */
  assert_durations (&s->first_response_week, 7, 1, 360000, 3600000, 1045714);

  /* next response, today: ml_1 2, 5 (9:10 → 9:15; 9:11 is the same
   *   wait), 10 min; ml_2 5 min; ml_4 4, 20 min (11:00 → 11:20); ml_5 3 min
   *   (1:00 → 1:03); ml_8 15 min; ml_9 6 min → 120 000, 180 000, 240 000,
   *   300 000, 300 000, 360 000, 600 000, 900 000, 1 200 000; median rank
   *   ceil(4.5) = 5 → 300 000; p90 rank ceil(8.1) = 9 → 1 200 000; mean
   *   4 200 000 / 9 = 466 666.7 → 466 667; unanswered: ml_2 (10:20), ml_3 */
  assert_durations (&s->next_response_today, 9, 2, 300000, 1200000, 466667);
  /* last 7 days: + 3 600 000 (ml_5), 1 800 000 (ml_6): n = 11; median rank
   *   6 → 360 000; p90 rank ceil(9.9) = 10 → 1 800 000; mean 9 600 000 / 11
   *   = 872 727.3 → 872 727 */
  assert_durations (&s->next_response_week, 11, 2, 360000, 1800000, 872727);

  /* resolution: ml_4 8:00 → last resolve 11:30 = 12 600 000; ml_5 23:30 →
   *   2:00 = 9 000 000; ml_6 1 h = 3 600 000; ml_7 too old; ml_10 has no
   *   known resolve.  Resolved today: ml_4, ml_5.  median rank 2 →
   *   9 000 000; p90 rank 3 → 12 600 000; mean 25 200 000 / 3 = 8 400 000 */
  g_assert_cmpint (s->resolved_today, ==, 2);
  assert_durations (&s->resolution_week, 3, 0, 9000000, 12600000, 8400000);
  /* reopen: resolved in the week ml_4, ml_5, ml_6; reopened ml_4 → 1/3 */
  g_assert_cmpint (s->reopen_resolved, ==, 3);
  g_assert_cmpint (s->reopen_reopened, ==, 1);
  g_assert_true (s->reopen_rate == 1.0 / 3.0);

  /* CSAT, week: 5 (ml_4), 4 (ml_5), 2 (ml_6); ml_7's 1 is too old:
   *   average 11/3, satisfied 2 of 3 */
  g_assert_cmpint (s->csat_count, ==, 3);
  g_assert_true (s->csat_average == 11.0 / 3.0);
  g_assert_cmpint (s->csat_satisfied, ==, 2);
  g_assert_true (s->csat_satisfied_share == 2.0 / 3.0);
  g_assert_cmpint (s->csat_scores[0], ==, 0);
  g_assert_cmpint (s->csat_scores[1], ==, 1);
  g_assert_cmpint (s->csat_scores[2], ==, 0);
  g_assert_cmpint (s->csat_scores[3], ==, 1);
  g_assert_cmpint (s->csat_scores[4], ==, 1);

  /* messages per hour: buckets start at 15:00 - 23 h = -8:00; local hour h
   * of today is bucket h + 8; notes and system notices are not counted */
  g_assert_cmpint (s->hours_start, ==, AT (-8, 0));
  customer[7] = 1;   /* ml_5 23:30 */
  customer[9] = 2;   /* ml_5 1:00, rating 1:05 */
  customer[16] = 1;  /* ml_4 8:00 */
  customer[17] = 4;  /* ml_1 9:00 9:10 9:11 9:20 */
  customer[18] = 2;  /* ml_2 10:00 10:20 */
  customer[19] = 2;  /* ml_4 11:00, rating 11:25 */
  customer[20] = 2;  /* ml_3 12:00 12:01 */
  customer[21] = 1;  /* ml_8 13:30 */
  customer[22] = 1;  /* ml_9 14:00 */
  operator[0] = 1;   /* ml_10 at the first bucket's start (1 ms earlier: out) */
  operator[8] = 1;   /* ml_5 0:30 */
  operator[9] = 1;   /* ml_5 1:03 */
  operator[16] = 1;  /* ml_4 8:04 */
  operator[17] = 3;  /* ml_1 9:02 9:15 9:30 (note 9:16 not counted) */
  operator[18] = 1;  /* ml_2 10:05 */
  operator[19] = 1;  /* ml_4 11:20 */
  operator[21] = 2;  /* ml_8 13:00 13:45 */
  operator[22] = 1;  /* ml_9 14:06 (system 14:10 not counted) */
  for (guint i = 0; i < TD_STATS_HOURS; i++)
    {
      g_assert_cmpint (s->customer_per_hour[i], ==, customer[i]);
      g_assert_cmpint (s->operator_per_hour[i], ==, operator[i]);
    }

  /* per operator */
  g_assert_cmpuint (s->operators->len, ==, 2);
  alice = g_ptr_array_index (s->operators, 0);
  bob = g_ptr_array_index (s->operators, 1);
  g_assert_cmpstr (alice->id, ==, "o_alice");
  g_assert_cmpstr (bob->id, ==, "o_bob");
  /* alice: open & assigned ml_1; today ml_1 ×3, ml_4 ×2, ml_5 ×1, ml_8 ×2;
   *   first responses 2, 4, 15, 30, 60 min → median 15 min; next responses
   *   2, 5, 10, 4, 20, 60, 30, 15 min → sorted rank 4 of 8 → 10 min */
  g_assert_cmpint (alice->assigned_open, ==, 1);
  g_assert_cmpint (alice->messages_today, ==, 8);
  g_assert_cmpint (alice->first_response_median_ms, ==, 900000);
  g_assert_cmpint (alice->next_response_median_ms, ==, 600000);
  /* bob: ml_2; today 10:05, 1:03, 14:06 (not ml_b1: another merchant);
   *   first 5, 6 min → rank 1 → 5 min; next 5, 3, 6 min → rank 2 → 5 min */
  g_assert_cmpint (bob->assigned_open, ==, 1);
  g_assert_cmpint (bob->messages_today, ==, 3);
  g_assert_cmpint (bob->first_response_median_ms, ==, 300000);
  g_assert_cmpint (bob->next_response_median_ms, ==, 300000);
  g_assert_true (td_stats_find_operator (s, "o_bob") == bob);
  g_assert_null (td_stats_find_operator (s, "o_carol"));
}

static void
test_other_merchant (void)
{
  g_autoptr(TdStats) s = compute_day (SKY, "+08:00", NOW);
  const TdStatsOperator *bob;

  /* ml_b1 open (bob), ml_b2 open, unassigned (""), waiting since 14:30 */
  g_assert_cmpstr (s->merchant, ==, SKY);
  g_assert_cmpint (s->open, ==, 2);
  g_assert_cmpint (s->pending, ==, 0);
  g_assert_cmpint (s->snoozed, ==, 0);
  g_assert_cmpint (s->unassigned, ==, 1);
  g_assert_cmpint (s->waiting, ==, 1);
  g_assert_cmpint (s->longest_wait_ms, ==, 30 * M_MS);
  g_assert_cmpstr (s->longest_wait_line, ==, "ml_b2");
  /* first response: ml_b1 1 min; ml_b2 unanswered */
  assert_durations (&s->first_response_today, 1, 1, 60000, 60000, 60000);
  assert_durations (&s->first_response_week, 1, 1, 60000, 60000, 60000);
  g_assert_cmpint (s->resolved_today, ==, 0);
  assert_durations (&s->resolution_week, 0, 0, -1, -1, -1);
  g_assert_true (s->reopen_rate < 0);
  g_assert_cmpint (s->csat_count, ==, 0);
  g_assert_cmpuint (s->operators->len, ==, 1);
  bob = g_ptr_array_index (s->operators, 0);
  g_assert_cmpstr (bob->id, ==, "o_bob");
  g_assert_cmpint (bob->assigned_open, ==, 1);
  g_assert_cmpint (bob->messages_today, ==, 1);
  g_assert_cmpint (s->customer_per_hour[17], ==, 1);
  g_assert_cmpint (s->customer_per_hour[22], ==, 1);
  g_assert_cmpint (s->operator_per_hour[17], ==, 1);
}

/* "Today" follows the configured zone, not UTC */
static void
test_tz_boundary (void)
{
  g_autoptr(TdStats) utc = compute_day (LAKE, "UTC", NOW);
  g_autoptr(TdStats) cst = compute_day (LAKE, "+08:00", NOW);
  g_autoptr(TdStats) early = NULL;

  /* In UTC the day began at 08:00 local: ml_5's 1:00 → 1:03 gap and its
   * 2:00 resolve are yesterday; first responses of today are all ≥ 08:00 */
  g_assert_cmpint (utc->today_start, ==, T0 + 8 * H_MS);
  assert_durations (&utc->first_response_today, 5, 1, 300000, 900000, 384000);
  /* next, today: the nine of +08:00 minus 180 000 → 8; median rank 4 →
   *   300 000; p90 rank ceil(7.2) = 8 → 1 200 000; mean 4 020 000 / 8 =
   *   502 500 */
  assert_durations (&utc->next_response_today, 8, 2, 300000, 1200000, 502500);
  g_assert_cmpint (utc->resolved_today, ==, 1);
  g_assert_cmpint (td_stats_find_operator (utc, "o_alice")->messages_today, ==, 7);
  g_assert_cmpint (td_stats_find_operator (utc, "o_bob")->messages_today, ==, 2);
  /* the week and the hour buckets do not depend on the zone (whole hours) */
  g_assert_true (utc->hours_start == cst->hours_start);
  assert_durations (&utc->next_response_week, 11, 2, 360000, 1800000, 872727);

  /* One ms before local midnight everything of "today" is yesterday's:
   * only ml_5's 23:30 message and earlier remain, and it counts as today */
  early = compute_day (LAKE, "+08:00", T0 - 1);
  g_assert_cmpint (early->today_start, ==, T0 - D_MS);
  /* first ask 23:30, answered at 0:30 — after now: unanswered for now */
  assert_durations (&early->first_response_today, 0, 1, -1, -1, -1);
  g_assert_cmpint (early->open, ==, 3);
  g_assert_cmpint (early->resolved_today, ==, 0);
}

static void
test_empty_merchant (void)
{
  g_autoptr(TdStats) s = compute_day ("m_harbor", "+08:00", NOW);
  g_autoptr(JsonObject) json = NULL;
  JsonObject *o;

  g_assert_cmpint (s->open + s->pending + s->snoozed + s->waiting + s->unassigned, ==, 0);
  g_assert_cmpint (s->longest_wait_ms, ==, TD_STATS_NO_VALUE);
  g_assert_null (s->longest_wait_line);
  assert_durations (&s->first_response_today, 0, 0, -1, -1, -1);
  assert_durations (&s->first_response_week, 0, 0, -1, -1, -1);
  assert_durations (&s->next_response_week, 0, 0, -1, -1, -1);
  assert_durations (&s->resolution_week, 0, 0, -1, -1, -1);
  g_assert_true (s->reopen_rate == TD_STATS_NO_VALUE);
  g_assert_true (s->csat_average == TD_STATS_NO_VALUE);
  g_assert_true (s->csat_satisfied_share == TD_STATS_NO_VALUE);
  g_assert_cmpuint (s->operators->len, ==, 0);
  for (guint i = 0; i < TD_STATS_HOURS; i++)
    g_assert_cmpint (s->customer_per_hour[i] + s->operator_per_hour[i], ==, 0);

  /* "no value" is JSON null, never 0 */
  json = td_stats_to_json (s);
  o = json_object_get_object_member (json, "live");
  g_assert_true (json_object_get_null_member (o, "longest_wait_ms"));
  g_assert_true (json_object_get_null_member (o, "longest_wait_line"));
  o = json_object_get_object_member (json, "first_response");
  o = json_object_get_object_member (o, "today");
  g_assert_cmpint (json_object_get_int_member (o, "count"), ==, 0);
  g_assert_true (json_object_get_null_member (o, "median_ms"));
  g_assert_true (json_object_get_null_member (o, "p90_ms"));
  g_assert_true (json_object_get_null_member (o, "mean_ms"));
  o = json_object_get_object_member (json, "csat");
  g_assert_true (json_object_get_null_member (o, "average"));
  g_assert_true (json_object_get_null_member (o, "satisfied_share"));
  o = json_object_get_object_member (json, "resolution");
  o = json_object_get_object_member (o, "reopen");
  g_assert_true (json_object_get_null_member (o, "rate"));
}

/* The records may come in any order: the result is the same */
static void
test_order_independent (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(TdStats) expected = compute_day (LAKE, "+08:00", NOW);
  g_autoptr(TdStats) reversed = NULL;
  TdMetricsMessage messages[G_N_ELEMENTS (day_messages)];
  TdMetricsLine lines[G_N_ELEMENTS (day_lines)];
  TdMetricsStateChange changes[G_N_ELEMENTS (day_changes)];
  TdMetricsInput input = {
    .merchant = LAKE, .now = NOW, .tz = tz,
    .lines = lines, .n_lines = G_N_ELEMENTS (lines),
    .messages = messages, .n_messages = G_N_ELEMENTS (messages),
    .changes = changes, .n_changes = G_N_ELEMENTS (changes),
  };

  for (gsize i = 0; i < G_N_ELEMENTS (messages); i++)
    messages[i] = day_messages[G_N_ELEMENTS (messages) - 1 - i];
  for (gsize i = 0; i < G_N_ELEMENTS (lines); i++)
    lines[i] = day_lines[G_N_ELEMENTS (lines) - 1 - i];
  for (gsize i = 0; i < G_N_ELEMENTS (changes); i++)
    changes[i] = day_changes[G_N_ELEMENTS (changes) - 1 - i];

  reversed = td_metrics_compute (&input);
  g_assert_true (td_stats_equal (expected, reversed));
}

/* What counts as an ask, an answer, a message */
static void
test_kinds (void)
{
  TdMetricsMessage text_c = C ("l", LAKE, "c", 0);
  TdMetricsMessage text_o = O ("l", LAKE, "o", 0);
  TdMetricsMessage rating = RATE ("l", LAKE, "c", 0, 5);
  TdMetricsMessage note = NOTE ("l", LAKE, "o", 0);
  TdMetricsMessage sys = SYS ("l", LAKE, "o", 0);
  TdMetricsMessage order = { "l", LAKE, TD_ROLE_OPERATOR, "o", TD_KIND_ORDER, 0, 0 };
  TdMetricsMessage unknown = { "l", LAKE, TD_ROLE_CUSTOMER, "c", TD_KIND_UNKNOWN, 0, 0 };

  g_assert_true (td_metrics_message_is_ask (&text_c));
  g_assert_false (td_metrics_message_is_ask (&text_o));
  g_assert_false (td_metrics_message_is_ask (&rating));
  g_assert_true (td_metrics_message_is_ask (&unknown));
  g_assert_true (td_metrics_message_is_response (&text_o));
  g_assert_true (td_metrics_message_is_response (&order));
  g_assert_false (td_metrics_message_is_response (&note));
  g_assert_false (td_metrics_message_is_response (&sys));
  g_assert_false (td_metrics_message_is_response (&text_c));
  g_assert_true (td_metrics_message_is_counted (&rating));
  g_assert_false (td_metrics_message_is_counted (&note));
  g_assert_false (td_metrics_message_is_counted (&sys));
}

/* A resolve ends a wait: it is no response time, and the first response of
 * a line closed unanswered stays unanswered */
static void
test_resolve_ends_wait (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(TdStats) s = NULL;
  const TdMetricsMessage messages[] = {
    C ("ml_x", LAKE, "c_1", AT (9, 0)),
    O ("ml_x", LAKE, "o_alice", AT (12, 0)),   /* after the resolve */
    C ("ml_x", LAKE, "c_1", AT (12, 10)),
    O ("ml_x", LAKE, "o_alice", AT (12, 15)),  /* same ms as the resolve */
  };
  const TdMetricsLine lines[] = {
    { "ml_x", LAKE, TD_LINE_STATE_RESOLVED, "o_alice", AT (9, 0), 0, 0 },
  };
  const TdMetricsStateChange changes[] = {
    { "ml_x", AT (10, 0), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
    { "ml_x", AT (11, 0), TD_LINE_STATE_RESOLVED, TD_LINE_STATE_OPEN },
    { "ml_x", AT (12, 15), TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED },
  };
  TdMetricsInput input = {
    .merchant = LAKE, .now = NOW, .tz = tz,
    .lines = lines, .n_lines = G_N_ELEMENTS (lines),
    .messages = messages, .n_messages = G_N_ELEMENTS (messages),
    .changes = changes, .n_changes = G_N_ELEMENTS (changes),
  };

  s = td_metrics_compute (&input);
  /* 9:00 → resolved 10:00 unanswered; the 12:00 message answers nothing */
  assert_durations (&s->first_response_today, 0, 1, -1, -1, -1);
  /* next: only 12:10 → 12:15 (the answer sorts before the resolve) */
  assert_durations (&s->next_response_today, 1, 0, 300000, 300000, 300000);
  /* resolution to the last resolve: 9:00 → 12:15 */
  assert_durations (&s->resolution_week, 1, 0, 195 * M_MS, 195 * M_MS, 195 * M_MS);
  g_assert_cmpint (s->reopen_resolved, ==, 1);
  g_assert_cmpint (s->reopen_reopened, ==, 1);
  g_assert_true (s->reopen_rate == 1.0);
}

/* A trimmed client cache: a line with no messages at hand keeps the
 * record's waiting_since; with messages, they decide */
static void
test_waiting_fallback (void)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(TdStats) s = NULL;
  const TdMetricsMessage messages[] = {
    C ("ml_b", LAKE, "c_2", AT (14, 0)),
    O ("ml_b", LAKE, "o_bob", AT (14, 1)),
  };
  const TdMetricsLine lines[] = {
    /* no messages: waiting since 11:00 by its record */
    { "ml_a", LAKE, TD_LINE_STATE_OPEN, "o_alice", AT (-48, 0), 0, AT (11, 0) },
    /* messages say answered: the stale record does not count */
    { "ml_b", LAKE, TD_LINE_STATE_OPEN, NULL, AT (14, 0), 0, AT (14, 0) },
    /* a waiting_since in the future is not a wait */
    { "ml_c", LAKE, TD_LINE_STATE_OPEN, NULL, AT (14, 0), 0, NOW + 1 },
    /* pending lines are not waiting */
    { "ml_d", LAKE, TD_LINE_STATE_PENDING, NULL, AT (14, 0), 0, AT (12, 0) },
  };
  TdMetricsInput input = {
    .merchant = LAKE, .now = NOW, .tz = tz,
    .lines = lines, .n_lines = G_N_ELEMENTS (lines),
    .messages = messages, .n_messages = G_N_ELEMENTS (messages),
  };

  s = td_metrics_compute (&input);
  g_assert_cmpint (s->open, ==, 3);
  g_assert_cmpint (s->pending, ==, 1);
  g_assert_cmpint (s->unassigned, ==, 2);
  g_assert_cmpint (s->waiting, ==, 1);
  g_assert_cmpint (s->longest_wait_ms, ==, 4 * H_MS);
  g_assert_cmpstr (s->longest_wait_line, ==, "ml_a");
}

/* Records from the wire objects */
static void
test_records_from_objects (void)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autoptr(JsonObject) text_body = json_object_new ();
  g_autoptr(TdMessage) rating = NULL;
  g_autoptr(TdMessage) text = NULL;
  g_autoptr(TdLine) line = td_line_new ("ml_9", "c_9", "m_lakeside/order/TD-1", TD_BUSI_INQUIRY);
  TdMetricsMessage m;
  TdMetricsLine l;

  json_object_set_int_member (body, "score", 4);
  json_object_set_string_member (body, "comment", "fine");
  rating = td_message_new (7, "ml_9", 3, "c_9", TD_ROLE_CUSTOMER, "Nine", "rating",
                           body, AT (9, 0), "rid_0123456789abcdef");
  td_metrics_message_init (&m, rating, LAKE);
  g_assert_cmpstr (m.line_id, ==, "ml_9");
  g_assert_cmpstr (m.merchant, ==, LAKE);
  g_assert_cmpint (m.sender_role, ==, TD_ROLE_CUSTOMER);
  g_assert_cmpstr (m.sender_id, ==, "c_9");
  g_assert_cmpint (m.kind, ==, TD_KIND_RATING);
  g_assert_cmpint (m.ts, ==, AT (9, 0));
  g_assert_cmpint (m.score, ==, 4);

  json_object_set_string_member (text_body, "text", "hello");
  text = td_message_new (8, "ml_9", 4, "o_alice", TD_ROLE_OPERATOR, "Alice", "text",
                         text_body, AT (9, 1), NULL);
  td_metrics_message_init (&m, text, LAKE);
  g_assert_cmpint (m.kind, ==, TD_KIND_TEXT);
  g_assert_cmpint (m.score, ==, 0);
  g_assert_true (td_metrics_message_is_response (&m));

  td_line_set_merchant (line, LAKE);
  td_line_set_state (line, TD_LINE_STATE_SNOOZED);
  td_line_set_assignee (line, "o_bob");
  td_line_set_created (line, AT (8, 0));
  td_line_set_snooze_until (line, AT (20, 0));
  td_line_set_waiting_since (line, AT (8, 30));
  td_metrics_line_init (&l, line);
  g_assert_cmpstr (l.line_id, ==, "ml_9");
  g_assert_cmpstr (l.merchant, ==, LAKE);
  g_assert_cmpint (l.state, ==, TD_LINE_STATE_SNOOZED);
  g_assert_cmpstr (l.assignee, ==, "o_bob");
  g_assert_cmpint (l.created, ==, AT (8, 0));
  g_assert_cmpint (l.snooze_until, ==, AT (20, 0));
  g_assert_cmpint (l.waiting_since, ==, AT (8, 30));
}

/* ---- JSON ------------------------------------------------------------- */

static TdStats *
round_trip (const TdStats *s)
{
  g_autofree char *text = td_stats_to_string (s);
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(GError) error = NULL;
  TdStats *back;

  /* as the client reads the server's answer: strict JSON first */
  object = td_json_parse_object (text, strlen (text), &error);
  g_assert_no_error (error);
  back = td_stats_new_from_json (object, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  return back;
}

static void
test_json_round_trip (void)
{
  const char *merchants[] = { LAKE, SKY, "m_harbor" };

  for (guint i = 0; i < G_N_ELEMENTS (merchants); i++)
    {
      g_autoptr(TdStats) s = compute_day (merchants[i], "+08:00", NOW);
      g_autoptr(TdStats) back = round_trip (s);
      g_autofree char *a = td_stats_to_string (s);
      g_autofree char *b = td_stats_to_string (back);

      g_assert_cmpstr (a, ==, b);
      g_assert_true (td_stats_equal (s, back));
      g_assert_true (back->csat_average == s->csat_average);
      g_assert_true (back->reopen_rate == s->reopen_rate);
      g_assert_cmpuint (back->operators->len, ==, s->operators->len);
    }
}

static void
test_json_schema (void)
{
  g_autoptr(TdStats) s = compute_day (LAKE, "+08:00", NOW);
  g_autoptr(JsonObject) json = td_stats_to_json (s);
  JsonObject *o;
  JsonArray *a;

  /* the documented shape (docs/metrics.md) */
  g_assert_cmpint (json_object_get_int_member (json, "schema"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json, "merchant"), ==, LAKE);
  g_assert_cmpint (json_object_get_int_member (json, "as_of"), ==, NOW);
  g_assert_cmpint (json_object_get_int_member (json, "today_start"), ==, T0);
  o = json_object_get_object_member (json, "live");
  g_assert_cmpint (json_object_get_int_member (o, "waiting"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "longest_wait_line"), ==, "ml_2");
  o = json_object_get_object_member (json_object_get_object_member (json, "first_response"),
                                     "last_7_days");
  g_assert_cmpint (json_object_get_int_member (o, "median_ms"), ==, 360000);
  g_assert_cmpint (json_object_get_int_member (o, "unanswered"), ==, 1);
  o = json_object_get_object_member (json_object_get_object_member (json, "resolution"),
                                     "last_7_days");
  g_assert_false (json_object_has_member (o, "unanswered"));
  o = json_object_get_object_member (json, "csat");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "average"), 11.0 / 3.0, 1e-12);
  a = json_object_get_array_member (o, "scores");
  g_assert_cmpuint (json_array_get_length (a), ==, 5);
  o = json_object_get_object_member (json, "messages_per_hour");
  g_assert_cmpint (json_object_get_int_member (o, "bucket_ms"), ==, 3600000);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "customer")), ==, 24);
  a = json_object_get_array_member (json, "operators");
  g_assert_cmpuint (json_array_get_length (a), ==, 2);
  o = json_array_get_object_element (a, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "id"), ==, "o_alice");
  g_assert_cmpint (json_object_get_int_member (o, "next_response_median_ms"), ==, 600000);
}

static TdStats *
parse_modified (const char *pointer_member,
                const char *member_name,
                JsonNode   *replacement,   /* (transfer full), NULL: remove */
                GError    **error)
{
  g_autoptr(TdStats) s = compute_day (LAKE, "+08:00", NOW);
  g_autoptr(JsonObject) json = td_stats_to_json (s);
  JsonObject *target = json;

  if (pointer_member != NULL)
    target = json_object_get_object_member (json, pointer_member);
  if (replacement != NULL)
    json_object_set_member (target, member_name, replacement);
  else
    json_object_remove_member (target, member_name);

  return td_stats_new_from_json (json, error);
}

static JsonNode *
int_node (gint64 v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, v);
  return node;
}

static JsonNode *
string_node (const char *v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, v);
  return node;
}

static JsonNode *
double_node (double v)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_double (node, v);
  return node;
}

static JsonNode *
empty_array_node (void)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, json_array_new ());
  return node;
}

static void
test_json_errors (void)
{
  struct {
    const char *parent;
    const char *name;
    JsonNode   *node;
    int         code;
  } cases[] = {
    { NULL, "schema", int_node (2), TD_STATS_ERROR_SCHEMA },
    { NULL, "schema", string_node ("1"), TD_STATS_ERROR_INVALID },
    { NULL, "schema", NULL, TD_STATS_ERROR_INVALID },
    { NULL, "merchant", NULL, TD_STATS_ERROR_INVALID },
    { NULL, "as_of", string_node ("now"), TD_STATS_ERROR_INVALID },
    { NULL, "live", int_node (1), TD_STATS_ERROR_INVALID },
    { "live", "open", int_node (-1), TD_STATS_ERROR_INVALID },
    { "live", "waiting", double_node (1.5), TD_STATS_ERROR_INVALID },
    { "live", "longest_wait_ms", string_node ("1"), TD_STATS_ERROR_INVALID },
    { "csat", "average", double_node (5.5), TD_STATS_ERROR_INVALID },
    { "csat", "scores", empty_array_node (), TD_STATS_ERROR_INVALID },
    { "messages_per_hour", "bucket_ms", int_node (60000), TD_STATS_ERROR_INVALID },
    { NULL, "operators", json_node_new (JSON_NODE_NULL), TD_STATS_ERROR_INVALID },
    { NULL, "first_response", NULL, TD_STATS_ERROR_INVALID },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TdStats) s = NULL;

      g_test_message ("case %u: %s.%s", i, cases[i].parent ? cases[i].parent : "", cases[i].name);
      s = parse_modified (cases[i].parent, cases[i].name, cases[i].node, &error);
      g_assert_null (s);
      g_assert_error (error, TD_STATS_ERROR, cases[i].code);
    }

  /* an unknown member is ignored (new figures within schema 1), and a
   * whole-number double is read as a share */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TdStats) s = parse_modified (NULL, "future_figure", int_node (7), &error);

    g_assert_no_error (error);
    g_assert_nonnull (s);
    g_clear_pointer (&s, td_stats_free);
    s = parse_modified ("csat", "satisfied_share", int_node (1), &error);
    g_assert_no_error (error);
    g_assert_true (s->csat_satisfied_share == 1.0);
  }
}

static void
test_copy (void)
{
  g_autoptr(TdStats) s = compute_day (LAKE, "+08:00", NOW);
  g_autoptr(TdStats) copy = td_stats_copy (s);
  TdStats *boxed;

  g_assert_true (td_stats_equal (s, copy));
  g_assert_true (copy->operators != s->operators);
  g_assert_true (copy->merchant != s->merchant);
  copy->open++;
  g_assert_false (td_stats_equal (s, copy));

  boxed = g_boxed_copy (TD_TYPE_STATS, s);
  g_assert_true (td_stats_equal (s, boxed));
  g_boxed_free (TD_TYPE_STATS, boxed);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/metrics/percentile", test_percentile);
  g_test_add_func ("/tripdesk/metrics/mean", test_mean);
  g_test_add_func ("/tripdesk/metrics/windows", test_windows);
  g_test_add_func ("/tripdesk/metrics/windows-dst", test_windows_dst);
  g_test_add_func ("/tripdesk/metrics/kinds", test_kinds);
  g_test_add_func ("/tripdesk/metrics/scripted-day", test_scripted_day);
  g_test_add_func ("/tripdesk/metrics/other-merchant", test_other_merchant);
  g_test_add_func ("/tripdesk/metrics/tz-boundary", test_tz_boundary);
  g_test_add_func ("/tripdesk/metrics/empty-merchant", test_empty_merchant);
  g_test_add_func ("/tripdesk/metrics/order-independent", test_order_independent);
  g_test_add_func ("/tripdesk/metrics/resolve-ends-wait", test_resolve_ends_wait);
  g_test_add_func ("/tripdesk/metrics/waiting-fallback", test_waiting_fallback);
  g_test_add_func ("/tripdesk/metrics/records-from-objects", test_records_from_objects);
  g_test_add_func ("/tripdesk/metrics/json-round-trip", test_json_round_trip);
  g_test_add_func ("/tripdesk/metrics/json-schema", test_json_schema);
  g_test_add_func ("/tripdesk/metrics/json-errors", test_json_errors);
  g_test_add_func ("/tripdesk/metrics/copy", test_copy);

  return g_test_run ();
}

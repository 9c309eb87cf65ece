/* td-backoff.h — the reconnect policy: pure, seedable, no clock of its own
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every function takes "now" (ms, any monotonic origin) and returns the
 * delay (ms) before the next attempt; the caller owns the timers.  The same
 * policy drives TdChannel and the seeded herd simulation (td-backoff-sim.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  TD_BACKOFF_DECORRELATED,  /* default: delay = rand(base, 3 × previous), capped */
  TD_BACKOFF_FULL_JITTER,   /* delay = rand(0, min(cap, base × 2^n)) (never < TD_BACKOFF_MIN_GAP_MS) */
  TD_BACKOFF_UNIFORM_5_20,  /* the legacy mobile baseline: rand(5 s, 20 s) */
} TdBackoffKind;

#define TD_BACKOFF_BASE_MS        1000
#define TD_BACKOFF_CAP_MS         30000
#define TD_BACKOFF_HEALTHY_MS     60000   /* a session this long resets the policy */
#define TD_BACKOFF_NETWORK_MS     1000    /* network back / resume: rand(0, 1 s) */
#define TD_BACKOFF_MIN_GAP_MS     250     /* never two attempts closer than this */

typedef struct _TdBackoff TdBackoff;

TdBackoff   *td_backoff_new              (TdBackoffKind kind,
                                          guint32       seed);
void         td_backoff_free             (TdBackoff *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdBackoff, td_backoff_free)

TdBackoffKind td_backoff_get_kind        (TdBackoff *self);
void         td_backoff_set_limits       (TdBackoff *self,
                                          gint64     base_ms,
                                          gint64     cap_ms);
/* Forget the history (next failure starts from base). */
void         td_backoff_reset            (TdBackoff *self);
/* Failures since the last reset. */
guint        td_backoff_get_attempts     (TdBackoff *self);

/* An attempt starts now (for the min gap). */
void         td_backoff_attempt          (TdBackoff *self,
                                          gint64     now_ms);
/* A session was established now. */
void         td_backoff_connected        (TdBackoff *self,
                                          gint64     now_ms);
/**
 * td_backoff_failed:
 * An attempt failed (or a session ended abruptly).  @retry_after_ms: the
 * server's Retry-After (a lower bound), -1 if none.  A session that had
 * been up for TD_BACKOFF_HEALTHY_MS resets the policy first (so a blip after
 * a long session costs 0–1 s, not the old delay).
 */
gint64       td_backoff_failed           (TdBackoff *self,
                                          gint64     now_ms,
                                          gint64     retry_after_ms);
/* A planned restart with retry_within_ms = N: uniform in [0, N). */
gint64       td_backoff_restart          (TdBackoff *self,
                                          gint64     now_ms,
                                          gint64     retry_within_ms);
/* The network came back / the machine resumed: uniform in [0, 1 s). */
gint64       td_backoff_network_changed  (TdBackoff *self,
                                          gint64     now_ms);
/* Abuse (4429): the cap. */
gint64       td_backoff_rate_limited     (TdBackoff *self,
                                          gint64     now_ms);
/* A uniformly random integer in [lo, hi) from the policy's generator. */
gint64       td_backoff_random           (TdBackoff *self,
                                          gint64     lo,
                                          gint64     hi);

/**
 * TdClockWatch: detects a resume from suspend (GLib 2.74 has no signal):
 * feed it both clocks on a timer; it reports when the wall clock moved
 * more than @threshold_ms further than the monotonic one (or backwards).
 */
typedef struct
{
  gint64 last_wall_ms;
  gint64 last_mono_ms;
  gint64 threshold_ms;
} TdClockWatch;

void         td_clock_watch_init         (TdClockWatch *watch,
                                          gint64        wall_ms,
                                          gint64        mono_ms,
                                          gint64        threshold_ms);
/* TRUE when the clocks jumped apart since the last call. */
gboolean     td_clock_watch_check        (TdClockWatch *watch,
                                          gint64        wall_ms,
                                          gint64        mono_ms);

G_END_DECLS

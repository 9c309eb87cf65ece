/* td-backoff.c — the reconnect policy (pure, seedable)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include "td-backoff.h"

struct _TdBackoff
{
  TdBackoffKind kind;
  GRand        *rand;
  gint64        base;
  gint64        cap;
  guint         attempts;
  gint64        prev;          /* the previous delay (decorrelated) */
  gint64        connected_at;  /* -1 when not connected */
  gint64        last_attempt;  /* -1 before the first */
};

TdBackoff *
td_backoff_new (TdBackoffKind kind,
                guint32       seed)
{
  TdBackoff *self = g_new0 (TdBackoff, 1);

  self->kind = kind;
  self->rand = g_rand_new_with_seed (seed);
  self->base = TD_BACKOFF_BASE_MS;
  self->cap = TD_BACKOFF_CAP_MS;
  self->prev = self->base;
  self->connected_at = -1;
  self->last_attempt = -1;
  return self;
}

void
td_backoff_free (TdBackoff *self)
{
  if (self == NULL)
    return;
  g_rand_free (self->rand);
  g_free (self);
}

TdBackoffKind
td_backoff_get_kind (TdBackoff *self)
{
  return self->kind;
}

void
td_backoff_set_limits (TdBackoff *self,
                       gint64     base_ms,
                       gint64     cap_ms)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (base_ms > 0 && cap_ms >= base_ms);

  self->base = base_ms;
  self->cap = cap_ms;
  self->prev = base_ms;
}

void
td_backoff_reset (TdBackoff *self)
{
  self->attempts = 0;
  self->prev = self->base;
}

guint
td_backoff_get_attempts (TdBackoff *self)
{
  return self->attempts;
}

gint64
td_backoff_random (TdBackoff *self,
                   gint64     lo,
                   gint64     hi)
{
  if (hi <= lo)
    return lo;
  /* g_rand_int_range takes gint32; delays fit easily */
  return lo + (gint64) (g_rand_double (self->rand) * (double) (hi - lo));
}

void
td_backoff_attempt (TdBackoff *self,
                    gint64     now_ms)
{
  self->last_attempt = now_ms;
}

void
td_backoff_connected (TdBackoff *self,
                      gint64     now_ms)
{
  self->connected_at = now_ms;
}

/* Never two attempts closer than the minimum gap. */
static gint64
spaced (TdBackoff *self,
        gint64     now_ms,
        gint64     delay)
{
  if (self->last_attempt >= 0 && now_ms + delay < self->last_attempt + TD_BACKOFF_MIN_GAP_MS)
    delay = self->last_attempt + TD_BACKOFF_MIN_GAP_MS - now_ms;
  return MAX (delay, 0);
}

gint64
td_backoff_failed (TdBackoff *self,
                   gint64     now_ms,
                   gint64     retry_after_ms)
{
  gint64 delay;

  g_return_val_if_fail (self != NULL, TD_BACKOFF_CAP_MS);

  if (self->connected_at >= 0 && now_ms - self->connected_at >= TD_BACKOFF_HEALTHY_MS)
    td_backoff_reset (self);
  self->connected_at = -1;
  self->attempts++;

  switch (self->kind)
    {
    case TD_BACKOFF_UNIFORM_5_20:
      delay = td_backoff_random (self, 5000, 20001);
      break;

    case TD_BACKOFF_FULL_JITTER:
      {
        gint64 ceiling = self->base;

        for (guint i = 1; i < self->attempts && ceiling < self->cap; i++)
          ceiling *= 2;
        ceiling = MIN (ceiling, self->cap);
        delay = td_backoff_random (self, 0, ceiling + 1);
      }
      break;

    case TD_BACKOFF_DECORRELATED:
    default:
      if (self->attempts == 1)
        {
          /* a blip: back within a second */
          delay = td_backoff_random (self, 0, self->base + 1);
          self->prev = self->base;
        }
      else
        {
          delay = td_backoff_random (self, self->base, MIN (self->cap, self->prev * 3) + 1);
          delay = MIN (delay, self->cap);
          self->prev = delay;
        }
      break;
    }

  if (retry_after_ms >= 0 && self->kind != TD_BACKOFF_UNIFORM_5_20)
    {
      /* The server's lower bound, plus up to a second of jitter: the server
       * spreads its answers, we only keep equal ones from colliding. */
      delay = retry_after_ms + td_backoff_random (self, 0, self->base + 1);
      self->prev = MAX (self->base, MIN (retry_after_ms, self->cap));
    }

  return spaced (self, now_ms, delay);
}

gint64
td_backoff_restart (TdBackoff *self,
                    gint64     now_ms,
                    gint64     retry_within_ms)
{
  gint64 delay;

  g_return_val_if_fail (self != NULL, 0);

  self->connected_at = -1;
  if (self->kind == TD_BACKOFF_UNIFORM_5_20)
    delay = td_backoff_random (self, 5000, 20001);
  else
    {
      td_backoff_reset (self);
      delay = td_backoff_random (self, 0, MAX (retry_within_ms, 1));
    }
  return spaced (self, now_ms, delay);
}

gint64
td_backoff_network_changed (TdBackoff *self,
                            gint64     now_ms)
{
  gint64 delay;

  g_return_val_if_fail (self != NULL, 0);

  if (self->kind == TD_BACKOFF_UNIFORM_5_20)
    delay = td_backoff_random (self, 5000, 20001);
  else
    {
      td_backoff_reset (self);
      delay = td_backoff_random (self, 0, TD_BACKOFF_NETWORK_MS);
    }
  /* the min gap does not apply: the old attempts were on a dead network */
  return delay;
}

gint64
td_backoff_rate_limited (TdBackoff *self,
                         gint64     now_ms)
{
  g_return_val_if_fail (self != NULL, TD_BACKOFF_CAP_MS);

  self->connected_at = -1;
  self->attempts++;
  self->prev = self->cap;
  return spaced (self, now_ms, self->cap);
}

void
td_clock_watch_init (TdClockWatch *watch,
                     gint64        wall_ms,
                     gint64        mono_ms,
                     gint64        threshold_ms)
{
  watch->last_wall_ms = wall_ms;
  watch->last_mono_ms = mono_ms;
  watch->threshold_ms = threshold_ms;
}

gboolean
td_clock_watch_check (TdClockWatch *watch,
                      gint64        wall_ms,
                      gint64        mono_ms)
{
  gint64 dwall = wall_ms - watch->last_wall_ms;
  gint64 dmono = mono_ms - watch->last_mono_ms;
  gboolean jumped;

  /* The monotonic clock stops during suspend; the wall clock does not.
   * (A wall clock set backwards also counts: the network may have moved.) */
  jumped = dwall - dmono > watch->threshold_ms || dwall < -watch->threshold_ms;
  watch->last_wall_ms = wall_ms;
  watch->last_mono_ms = mono_ms;
  return jumped;
}

/* bench-herd.c — benchmark 5: the reconnect storm
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N clients lose the server at t = 0; it is back after down_ms and admits
 * sessions through a token bucket (the real server's figures: burst 1000,
 * 500/s; the rest get 503 + Retry-After with admission slots 1/C apart).
 * Policies: our TdBackoff (decorrelated jitter, the default; full jitter),
 * the legacy uniform 5–20 s, and the old "five quick retries".  The
 * TdBackoff kinds run through td_herd_simulate() (src/channel/td-backoff-sim.c,
 * the simulation the channel's tests use); "five quick retries" runs
 * through the same event model here, which is first checked against
 * td_herd_simulate() on a TdBackoff kind (same attempts, same times).
 * Seeded: every run gives the same figures.
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench-util.h"
#include "td-backoff.h"
#include "td-backoff-sim.h"

/* ---- a policy: TdBackoff, or the old five quick retries ------------------------ */

#define QUICK_RETRIES     5
#define QUICK_GAP_MS      500      /* the old app: retry every half second… */
#define QUICK_PAUSE_MS    30000    /* …five times, then wait 30 s and start again */

typedef struct
{
  TdBackoff *backoff;     /* NULL: five quick retries */
  guint      failures;    /* five quick retries: failures in this round */
} Client;

static gint64
client_failed (Client *c,
               gint64  now,
               gint64  retry_after_ms)
{
  if (c->backoff)
    return td_backoff_failed (c->backoff, now, retry_after_ms);
  /* the old scheme ignores Retry-After */
  c->failures++;
  if (c->failures >= QUICK_RETRIES)
    {
      c->failures = 0;
      return QUICK_PAUSE_MS;
    }
  return QUICK_GAP_MS;
}

static gint64
client_first (Client *c,
              gboolean planned,
              gint64   retry_within)
{
  if (c->backoff)
    {
      td_backoff_connected (c->backoff, -3600 * 1000);
      return planned ? td_backoff_restart (c->backoff, 0, retry_within) : td_backoff_failed (c->backoff, 0, -1);
    }
  /* the old app reconnects at once when the socket drops */
  c->failures = 0;
  return 0;
}

/* ---- the event model of td_herd_simulate(), with a policy callback ------------ */

typedef struct
{
  gint64 at;
  guint  client;
} Event;

static int
event_cmp (gconstpointer a,
           gconstpointer b,
           gpointer      user_data)
{
  const Event *x = a, *y = b;

  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->client < y->client ? -1 : x->client > y->client;
}

static void
simulate (const TdHerdScenario *sc,
          int                   kind,   /* TdBackoffKind, or -1: five quick retries */
          TdHerdResult         *res)
{
  g_autoptr(GSequence) queue = g_sequence_new (g_free);
  g_autoptr(GArray) counts = g_array_new (FALSE, TRUE, sizeof (guint));
  Client *clients = g_new0 (Client, sc->clients);
  double burst = sc->burst > 0 ? sc->burst : sc->admit_per_s;
  double tokens = burst;
  gint64 last_refill = sc->down_ms;
  gint64 horizon = sc->horizon_ms > 0 ? sc->horizon_ms : 10 * 60 * 1000;
  gint64 retry_within = (gint64) MAX (1000.0, 1000.0 * sc->clients / sc->admit_per_s);
  gint64 next_slot = 0;
  guint half = (sc->clients + 1) / 2;

  memset (res, 0, sizeof *res);
  res->all_back_ms = -1;
  res->median_back_ms = -1;

  for (guint i = 0; i < sc->clients; i++)
    {
      Event *ev = g_new (Event, 1);

      if (kind >= 0)
        clients[i].backoff = td_backoff_new ((TdBackoffKind) kind, sc->seed * 7919u + i);
      ev->at = client_first (&clients[i], sc->planned, retry_within);
      ev->client = i;
      g_sequence_insert_sorted (queue, ev, event_cmp, NULL);
    }

  while (g_sequence_get_length (queue) > 0)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (queue);
      Event ev = *(Event *) g_sequence_get (first);
      Client *c = &clients[ev.client];
      gint64 sec = ev.at / 1000;
      gint64 delay;
      Event *next;

      g_sequence_remove (first);
      if (ev.at > horizon)
        break;

      res->attempts++;
      if ((gint64) counts->len <= sec)
        g_array_set_size (counts, sec + 1);
      g_array_index (counts, guint, sec)++;
      if (c->backoff)
        td_backoff_attempt (c->backoff, ev.at);

      if (ev.at < sc->down_ms)
        {
          res->refused++;
          delay = client_failed (c, ev.at, -1);
        }
      else
        {
          tokens = MIN (burst, tokens + (ev.at - last_refill) * sc->admit_per_s / 1000.0);
          last_refill = ev.at;
          if (tokens >= 1.0)
            {
              tokens -= 1.0;
              res->admitted++;
              if (res->admitted == half)
                res->median_back_ms = ev.at;
              if (res->admitted == sc->clients)
                res->all_back_ms = ev.at;
              continue;
            }
          {
            gint64 retry_after_s;

            next_slot = MAX (next_slot, ev.at) + (gint64) (1000.0 / sc->admit_per_s);
            retry_after_s = MAX (1, (next_slot - ev.at + 999) / 1000);
            res->rejected++;
            delay = client_failed (c, ev.at, retry_after_s * 1000);
          }
        }
      next = g_new (Event, 1);
      next->at = ev.at + MAX (delay, 1);
      next->client = ev.client;
      g_sequence_insert_sorted (queue, next, event_cmp, NULL);
    }

  for (guint i = 0; i < counts->len; i++)
    res->peak_per_s = MAX (res->peak_per_s, g_array_index (counts, guint, i));
  for (guint i = 0; i < sc->clients; i++)
    td_backoff_free (clients[i].backoff);
  g_free (clients);
}

/* ---- main ---------------------------------------------------------------------- */

static const char *
policy_name (int kind)
{
  switch (kind)
    {
    case TD_BACKOFF_DECORRELATED: return "**TdBackoff: decorrelated jitter (ours, default)**";
    case TD_BACKOFF_FULL_JITTER: return "TdBackoff: full jitter";
    case TD_BACKOFF_UNIFORM_5_20: return "legacy uniform 5–20 s (baseline)";
    default: return "old: five quick retries (0.5 s), then 30 s";
    }
}

static char *
secs (gint64 ms)
{
  return ms < 0 ? g_strdup ("not within 10 min") : g_strdup_printf ("%.1f s", ms / 1000.0);
}

int
main (int    argc,
      char **argv)
{
  gboolean quick = FALSE;
  GOptionEntry entries[] = {
    { "quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "A few seconds (smoke test)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("— benchmark 5: reconnect storm");
  g_autoptr(GError) error = NULL;
  const int kinds[] = { TD_BACKOFF_UNIFORM_5_20, TD_BACKOFF_DECORRELATED, TD_BACKOFF_FULL_JITTER, -1 };
  struct { const char *name; guint clients; gint64 down_ms; gboolean planned; } scenarios[] = {
    { "crash: 1,000 clients, server down 10 s", 1000, 10000, FALSE },
    { "blip: 1,000 clients, server back at once", 1000, 0, FALSE },
    { "planned restart (1012, retry_within_ms = N ÷ 500/s): 1,000 clients, down 1 s", 1000, 1000, TRUE },
    { "crash: 10,000 clients, server down 10 s", 10000, 10000, FALSE },
  };
  const char *cols[] = { "policy", "peak attempts/s", "× legacy", "attempts", "503s", "refused (down)",
                         "half back", "all back", "× legacy", NULL };
  guint n_scenarios = quick ? 2 : G_N_ELEMENTS (scenarios);
  TdHerdResult check_a, check_b;
  TdHerdScenario check = { 1000, 500, 1000, 10000, FALSE, 42, 0 };
  gboolean same;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }

  /* the model here = td_herd_simulate() on a TdBackoff kind */
  td_herd_simulate (&check, TD_BACKOFF_DECORRELATED, &check_a);
  simulate (&check, TD_BACKOFF_DECORRELATED, &check_b);
  same = check_a.attempts == check_b.attempts && check_a.all_back_ms == check_b.all_back_ms
         && check_a.peak_per_s == check_b.peak_per_s && check_a.rejected == check_b.rejected;

  bench_section ("5. Reconnect storm",
                 "A seeded discrete-event simulation (no clock, no sockets): every client had a long "
                 "healthy session and loses it at t = 0; the server is unreachable for the given time, "
                 "then admits sessions like tripdesk-server does (token bucket, burst 1,000, 500/s) and "
                 "answers the rest 503 + Retry-After (admission slots 1/C apart). TdBackoff policies run "
                 "in td_herd_simulate() (src/channel/td-backoff-sim.c); \"five quick retries\" (retry every "
                 "0.5 s five times, then wait 30 s, ignoring Retry-After, as the old app did) runs in this "
                 "program's copy of the same model. The legacy uniform 5–20 s also ignores Retry-After. "
                 "Baseline: the legacy uniform 5–20 s in the same scenario.");
  printf ("Check: this program's model reproduces td_herd_simulate() for decorrelated jitter "
          "(1,000 clients, down 10 s): %s (%" G_GUINT64_FORMAT " vs %" G_GUINT64_FORMAT " attempts, "
          "all back %.1f vs %.1f s).\n",
          same ? "**yes**" : "**NO**", check_a.attempts, check_b.attempts,
          check_a.all_back_ms / 1000.0, check_b.all_back_ms / 1000.0);

  for (guint s = 0; s < n_scenarios; s++)
    {
      TdHerdScenario sc = { scenarios[s].clients, 500, 1000, scenarios[s].down_ms, scenarios[s].planned, 7, 0 };
      TdHerdResult base = { 0, };

      printf ("\n**%s**\n\n", scenarios[s].name);
      bench_table_header (cols);
      for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
        {
          TdHerdResult r;
          g_autofree char *peak = NULL, *xpeak = NULL, *att = NULL, *rej = NULL, *ref = NULL;
          g_autofree char *half = NULL, *all = NULL, *xall = NULL;

          if (kinds[k] >= 0)
            td_herd_simulate (&sc, (TdBackoffKind) kinds[k], &r);
          else
            simulate (&sc, -1, &r);
          if (k == 0)
            base = r;
          peak = g_strdup_printf ("%u", r.peak_per_s);
          xpeak = g_strdup_printf ("%.2f×", (double) r.peak_per_s / MAX (1, base.peak_per_s));
          att = g_strdup_printf ("%" G_GUINT64_FORMAT, r.attempts);
          rej = g_strdup_printf ("%" G_GUINT64_FORMAT, r.rejected);
          ref = g_strdup_printf ("%" G_GUINT64_FORMAT, r.refused);
          half = secs (r.median_back_ms);
          all = secs (r.all_back_ms);
          xall = r.all_back_ms >= 0 && base.all_back_ms > 0
                 ? g_strdup_printf ("%.2f×", (double) r.all_back_ms / base.all_back_ms) : g_strdup ("—");
          bench_row (policy_name (kinds[k]), peak, xpeak, att, rej, ref, half, all, xall, NULL);
          if (k > 0 && (s == 0 || s == 1) && kinds[k] != TD_BACKOFF_FULL_JITTER)
            {
              g_autofree char *fig = g_strdup_printf ("%s: %s", s == 0 ? "crash, 1,000 clients" : "blip",
                                                      kinds[k] < 0 ? "five quick retries" : "ours (decorrelated)");
              g_autofree char *val = g_strdup_printf ("peak %u/s, all back %s", r.peak_per_s, all);
              g_autofree char *bv = g_strdup_printf ("legacy: peak %u/s, all back %.1f s",
                                                     base.peak_per_s, base.all_back_ms / 1000.0);
              g_autofree char *rv = g_strdup_printf ("%s / %s", xpeak, xall);

              bench_summary ("5. storm", fig, val, bv, rv);
            }
        }
    }
  return same ? 0 : 1;
}

/* td-backoff-sim.c — a seeded, clock-free simulation of a reconnect herd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-channel"

#include "config.h"

#include <math.h>
#include <string.h>

#include "td-backoff-sim.h"

typedef struct
{
  gint64 at;
  guint  client;
} Event;

/* a binary min-heap of events by time (then client, for determinism) */
static gboolean
earlier (const Event *a,
         const Event *b)
{
  return a->at < b->at || (a->at == b->at && a->client < b->client);
}

static void
heap_push (GArray *heap,
           Event   ev)
{
  guint i;

  g_array_append_val (heap, ev);
  i = heap->len - 1;
  while (i > 0)
    {
      guint parent = (i - 1) / 2;
      Event *e = &g_array_index (heap, Event, i);
      Event *p = &g_array_index (heap, Event, parent);

      if (!earlier (e, p))
        break;
      ev = *e;
      *e = *p;
      *p = ev;
      i = parent;
    }
}

static Event
heap_pop (GArray *heap)
{
  Event top = g_array_index (heap, Event, 0);
  guint i = 0;

  g_array_index (heap, Event, 0) = g_array_index (heap, Event, heap->len - 1);
  g_array_set_size (heap, heap->len - 1);
  for (;;)
    {
      guint l = 2 * i + 1, r = l + 1, m = i;
      Event tmp;

      if (l < heap->len && earlier (&g_array_index (heap, Event, l), &g_array_index (heap, Event, m)))
        m = l;
      if (r < heap->len && earlier (&g_array_index (heap, Event, r), &g_array_index (heap, Event, m)))
        m = r;
      if (m == i)
        break;
      tmp = g_array_index (heap, Event, i);
      g_array_index (heap, Event, i) = g_array_index (heap, Event, m);
      g_array_index (heap, Event, m) = tmp;
      i = m;
    }
  return top;
}

void
td_herd_simulate (const TdHerdScenario *sc,
                  TdBackoffKind         kind,
                  TdHerdResult         *res)
{
  g_autoptr(GArray) heap = g_array_new (FALSE, FALSE, sizeof (Event));
  g_autoptr(GHashTable) per_second = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GArray) seconds = g_array_new (FALSE, TRUE, sizeof (gint64));
  TdBackoff **clients;
  double burst = sc->burst > 0 ? sc->burst : sc->admit_per_s;
  double tokens = burst;
  gint64 last_refill = sc->down_ms;
  gint64 horizon = sc->horizon_ms > 0 ? sc->horizon_ms : 10 * 60 * 1000;
  gint64 retry_within = (gint64) MAX (1000.0, 1000.0 * sc->clients / sc->admit_per_s);
  gint64 next_slot = 0;
  guint half = (sc->clients + 1) / 2;
  GArray *counts = g_array_new (FALSE, TRUE, sizeof (guint));

  memset (res, 0, sizeof *res);
  res->all_back_ms = -1;
  res->median_back_ms = -1;

  clients = g_new0 (TdBackoff *, sc->clients);
  for (guint i = 0; i < sc->clients; i++)
    {
      gint64 delay;

      clients[i] = td_backoff_new (kind, sc->seed * 7919u + i);
      /* everyone had a long, healthy session */
      td_backoff_connected (clients[i], -3600 * 1000);
      if (sc->planned)
        delay = td_backoff_restart (clients[i], 0, retry_within);
      else
        delay = td_backoff_failed (clients[i], 0, -1);
      heap_push (heap, (Event) { delay, i });
    }

  while (heap->len > 0)
    {
      Event ev = heap_pop (heap);
      TdBackoff *b = clients[ev.client];
      gint64 sec = ev.at / 1000;
      gint64 delay;

      if (ev.at > horizon)
        break;

      res->attempts++;
      if ((gint64) counts->len <= sec)
        g_array_set_size (counts, sec + 1);
      g_array_index (counts, guint, sec)++;
      td_backoff_attempt (b, ev.at);

      if (ev.at < sc->down_ms)
        {
          res->refused++;
          delay = td_backoff_failed (b, ev.at, -1);
          heap_push (heap, (Event) { ev.at + MAX (delay, 1), ev.client });
          continue;
        }

      tokens = MIN (burst, tokens + (ev.at - last_refill) * sc->admit_per_s / 1000.0);
      last_refill = ev.at;
      if (tokens >= 1.0)
        {
          tokens -= 1.0;
          res->admitted++;
          td_backoff_connected (b, ev.at);
          if (res->admitted == half)
            res->median_back_ms = ev.at;
          if (res->admitted == sc->clients)
            res->all_back_ms = ev.at;
          continue;
        }

      /* 503 + Retry-After: the server hands out admission slots one
       * 1/C apart and says when this client's slot comes. */
      {
        gint64 retry_after_s;

        next_slot = MAX (next_slot, ev.at) + (gint64) (1000.0 / sc->admit_per_s);
        retry_after_s = MAX (1, (next_slot - ev.at + 999) / 1000);
        res->rejected++;
        delay = td_backoff_failed (b, ev.at, retry_after_s * 1000);
        heap_push (heap, (Event) { ev.at + MAX (delay, 1), ev.client });
      }
    }

  for (guint i = 0; i < counts->len; i++)
    res->peak_per_s = MAX (res->peak_per_s, g_array_index (counts, guint, i));
  g_array_unref (counts);

  for (guint i = 0; i < sc->clients; i++)
    td_backoff_free (clients[i]);
  g_free (clients);
}

char *
td_herd_result_format (TdBackoffKind       kind,
                       const TdHerdResult *r)
{
  const char *name = kind == TD_BACKOFF_DECORRELATED ? "decorrelated jitter"
                   : kind == TD_BACKOFF_FULL_JITTER ? "full jitter" : "uniform 5-20 s";

  return g_strdup_printf ("%-20s peak %4u attempts/s, %6" G_GUINT64_FORMAT " attempts, %6"
                          G_GUINT64_FORMAT " rejected (503), %5" G_GUINT64_FORMAT
                          " refused (down), half back %5.1f s, all back %5.1f s",
                          name, r->peak_per_s, r->attempts, r->rejected, r->refused,
                          r->median_back_ms / 1000.0, r->all_back_ms / 1000.0);
}

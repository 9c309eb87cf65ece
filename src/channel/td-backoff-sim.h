/* td-backoff-sim.h — a seeded, clock-free simulation of a reconnect herd
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * N clients, each with its own TdBackoff, come back to a server that admits
 * at most C sessions per second (a token bucket) and answers the rest 503 +
 * Retry-After.  Used by tests/test-backoff.c and by bench/.
 */
#pragma once

#include "td-backoff.h"

G_BEGIN_DECLS

typedef struct
{
  guint    clients;        /* e.g. 1000 */
  double   admit_per_s;    /* C */
  double   burst;          /* token bucket size (0: C) */
  gint64   down_ms;        /* the server is unreachable for this long after t = 0 */
  gboolean planned;        /* a planned restart: clients get retry_within_ms = N / C */
  guint32  seed;
  gint64   horizon_ms;     /* stop here (0: 10 minutes) */
} TdHerdScenario;

typedef struct
{
  guint64 attempts;        /* every connection attempt */
  guint64 refused;         /* attempts while the server was down */
  guint64 rejected;        /* 503 answers */
  guint64 admitted;
  guint   peak_per_s;      /* most attempts in any one-second window */
  gint64  all_back_ms;     /* when the last client got in; -1: not within the horizon */
  gint64  median_back_ms;  /* when half of them were in */
} TdHerdResult;

void td_herd_simulate (const TdHerdScenario *scenario,
                       TdBackoffKind         kind,
                       TdHerdResult         *result);

/* One line for reports: "decorrelated: peak 812/s, 3121 rejected, all back 14.2 s". */
char *td_herd_result_format (TdBackoffKind        kind,
                             const TdHerdResult  *result);

G_END_DECLS

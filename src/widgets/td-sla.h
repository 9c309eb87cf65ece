/* td-sla.h — first-response service levels: targets, countdown states, hit rate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "td-store.h"

G_BEGIN_DECLS

typedef enum
{
  TD_SLA_NONE,      /* nobody is waiting (or the line is not open) */
  TD_SLA_OK,        /* more than half of the target left */
  TD_SLA_WARNING,   /* half of the target or less left */
  TD_SLA_CRITICAL,  /* a fifth of the target or less left (at most 1 min) */
  TD_SLA_BREACHED,  /* past the target */
} TdSlaLevel;

/* A wall clock in ms since the epoch (td_now_ms by default). */
typedef gint64 (*TdClockFunc) (void);

#define TD_TYPE_SLA (td_sla_get_type ())
G_DECLARE_FINAL_TYPE (TdSla, td_sla, TD, SLA, GObject)

/*
 * The process-wide policy the line rows read.  Signals: "changed" (void) —
 * a target changed, or the clock was replaced.
 */
TdSla      *td_sla_get_default     (void);
/* @settings: (nullable): the app's settings (sla-default-target, sla-targets). */
void        td_sla_set_settings    (TdSla     *self,
                                    GSettings *settings);
/* @clock: (nullable): NULL = td_now_ms.  Tests pass their own. */
void        td_sla_set_clock       (TdSla       *self,
                                    TdClockFunc  clock);
gint64      td_sla_now             (TdSla *self);
/* The target for @merchant (nullable) in ms. */
gint64      td_sla_get_target_ms   (TdSla      *self,
                                    const char *merchant);
/* Without settings: a target that applies to every merchant (tests). */
void        td_sla_set_fallback_target_ms (TdSla  *self,
                                           gint64  ms);

/* Pure: the level of a wait that began at @waiting_since (0: none). */
TdSlaLevel  td_sla_level_for       (gint64 waiting_since,
                                    gint64 target_ms,
                                    gint64 now);
/* The level of @line now (open and waiting, else NONE); @remaining_ms the
 * time left (negative when breached).  */
TdSlaLevel  td_sla_level           (TdSla  *self,
                                    TdLine *line,
                                    gint64 *remaining_ms);
const char *td_sla_level_to_css    (TdSlaLevel level);   /* "sla-ok"… or NULL */

typedef struct
{
  guint  answered;    /* waits answered by an operator */
  guint  hit;         /* …within the target */
  guint  breached;    /* answered late, or still waiting past the target */
  guint  waiting;     /* still waiting, within the target (not counted) */
  gint64 total_ms;    /* sum of first-response times of the answered waits */
} TdSlaStats;

/*
 * The hit rate over the local cache: every wait (a customer message after
 * which no operator had answered yet) that began at or after @since (ms;
 * 0 = all), in @merchant's lines (NULL = every merchant).  Blocking (reads
 * every line's messages): call it from a worker, or use the async variant.
 * Returns hit / (hit + breached), or -1 when nothing counts yet.
 */
double      td_sla_compute_sync    (TdSla       *self,
                                    TdStore     *store,
                                    const char  *merchant,
                                    gint64       since,
                                    TdSlaStats  *stats);
void        td_sla_compute_async   (TdSla               *self,
                                    TdStore             *store,
                                    const char          *merchant,
                                    gint64               since,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
double      td_sla_compute_finish  (TdSla         *self,
                                    GAsyncResult  *result,
                                    TdSlaStats    *stats,
                                    GError       **error);
/* Pure: accumulates the waits of one line's messages (oldest first). */
void        td_sla_account_messages (GPtrArray  *messages,
                                     gint64      target_ms,
                                     gint64      since,
                                     gint64      now,
                                     TdSlaStats *stats);

G_END_DECLS

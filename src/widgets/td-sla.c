/* td-sla.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-sla"

#include "config.h"

#include "td-sla.h"

#define DEFAULT_TARGET_MS (5 * 60 * 1000)
#define PAGE 500

struct _TdSla
{
  GObject      parent_instance;

  GSettings   *settings;
  TdClockFunc  clock;
  gint64       fallback_ms;
};

G_DEFINE_FINAL_TYPE (TdSla, td_sla, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
td_sla_dispose (GObject *object)
{
  TdSla *self = TD_SLA (object);

  g_clear_object (&self->settings);

  G_OBJECT_CLASS (td_sla_parent_class)->dispose (object);
}

static void
td_sla_class_init (TdSlaClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = td_sla_dispose;

  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
td_sla_init (TdSla *self)
{
  self->clock = td_now_ms;
  self->fallback_ms = DEFAULT_TARGET_MS;
}

TdSla *
td_sla_get_default (void)
{
  static TdSla *instance;

  if (instance == NULL)
    instance = g_object_new (TD_TYPE_SLA, NULL);

  return instance;
}

static void
on_settings_changed_cb (TdSla      *self,
                        const char *key)
{
  if (g_str_has_prefix (key, "sla-"))
    g_signal_emit (self, signals[CHANGED], 0);
}

void
td_sla_set_settings (TdSla     *self,
                     GSettings *settings)
{
  g_return_if_fail (TD_IS_SLA (self));

  if (self->settings == settings)
    return;
  if (self->settings)
    g_signal_handlers_disconnect_by_data (self->settings, self);
  g_set_object (&self->settings, settings);
  if (settings)
    g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed_cb),
                             self, G_CONNECT_SWAPPED);
  g_signal_emit (self, signals[CHANGED], 0);
}

void
td_sla_set_clock (TdSla       *self,
                  TdClockFunc  clock)
{
  g_return_if_fail (TD_IS_SLA (self));

  self->clock = clock ? clock : td_now_ms;
  g_signal_emit (self, signals[CHANGED], 0);
}

gint64
td_sla_now (TdSla *self)
{
  g_return_val_if_fail (TD_IS_SLA (self), 0);

  return self->clock ();
}

void
td_sla_set_fallback_target_ms (TdSla  *self,
                               gint64  ms)
{
  g_return_if_fail (TD_IS_SLA (self));

  self->fallback_ms = ms > 0 ? ms : DEFAULT_TARGET_MS;
  g_signal_emit (self, signals[CHANGED], 0);
}

gint64
td_sla_get_target_ms (TdSla      *self,
                      const char *merchant)
{
  int seconds;

  g_return_val_if_fail (TD_IS_SLA (self), DEFAULT_TARGET_MS);

  if (self->settings == NULL)
    return self->fallback_ms;

  if (merchant != NULL)
    {
      g_autoptr(GVariant) targets = g_settings_get_value (self->settings, "sla-targets");

      if (g_variant_lookup (targets, merchant, "i", &seconds) && seconds > 0)
        return (gint64) seconds * 1000;
    }

  seconds = g_settings_get_int (self->settings, "sla-default-target");

  return seconds > 0 ? (gint64) seconds * 1000 : DEFAULT_TARGET_MS;
}

TdSlaLevel
td_sla_level_for (gint64 waiting_since,
                  gint64 target_ms,
                  gint64 now)
{
  gint64 remaining, critical;

  if (waiting_since <= 0 || target_ms <= 0)
    return TD_SLA_NONE;

  remaining = waiting_since + target_ms - now;
  critical = MIN (target_ms / 5, 60 * 1000);

  if (remaining < 0)
    return TD_SLA_BREACHED;
  if (remaining <= critical)
    return TD_SLA_CRITICAL;
  if (remaining <= target_ms / 2)
    return TD_SLA_WARNING;

  return TD_SLA_OK;
}

TdSlaLevel
td_sla_level (TdSla  *self,
              TdLine *line,
              gint64 *remaining_ms)
{
  gint64 since, target;

  g_return_val_if_fail (TD_IS_SLA (self), TD_SLA_NONE);
  g_return_val_if_fail (TD_IS_LINE (line), TD_SLA_NONE);

  if (remaining_ms)
    *remaining_ms = 0;
  since = td_line_get_waiting_since (line);
  if (td_line_get_state (line) != TD_LINE_STATE_OPEN || since <= 0 ||
      td_line_get_busi (line) == TD_BUSI_CHAT)
    return TD_SLA_NONE;

  target = td_sla_get_target_ms (self, td_line_get_merchant (line));
  if (remaining_ms)
    *remaining_ms = since + target - td_sla_now (self);

  return td_sla_level_for (since, target, td_sla_now (self));
}

const char *
td_sla_level_to_css (TdSlaLevel level)
{
  switch (level)
    {
    case TD_SLA_OK:       return "sla-ok";
    case TD_SLA_WARNING:  return "sla-warning";
    case TD_SLA_CRITICAL: return "sla-critical";
    case TD_SLA_BREACHED: return "sla-breached";
    case TD_SLA_NONE:
    default:              return NULL;
    }
}

/* ---- hit rate ---- */

static gboolean
is_answer (TdMessage *message)
{
  TdKind kind = td_message_get_kind (message);

  return td_message_get_sender_role (message) == TD_ROLE_OPERATOR &&
         td_message_get_delivery (message) == TD_DELIVERY_STORED &&
         kind != TD_KIND_NOTE && kind != TD_KIND_SYSTEM;
}

void
td_sla_account_messages (GPtrArray  *messages,
                         gint64      target_ms,
                         gint64      since,
                         gint64      now,
                         TdSlaStats *stats)
{
  gint64 wait_start = 0;

  g_return_if_fail (messages != NULL && stats != NULL);

  for (guint i = 0; i < messages->len; i++)
    {
      TdMessage *message = g_ptr_array_index (messages, i);

      /* a rating is not a question: it starts no wait */
      if (td_message_get_sender_role (message) == TD_ROLE_CUSTOMER &&
          td_message_get_kind (message) != TD_KIND_SYSTEM &&
          td_message_get_kind (message) != TD_KIND_RATING)
        {
          if (wait_start == 0)
            wait_start = td_message_get_ts (message);
        }
      else if (is_answer (message) && wait_start > 0)
        {
          gint64 took = td_message_get_ts (message) - wait_start;

          if (wait_start >= since)
            {
              stats->answered++;
              stats->total_ms += MAX (took, 0);
              if (took <= target_ms)
                stats->hit++;
              else
                stats->breached++;
            }
          wait_start = 0;
        }
    }

  if (wait_start > 0 && wait_start >= since)
    {
      if (now - wait_start > target_ms)
        stats->breached++;
      else
        stats->waiting++;
    }
}

static double
rate (const TdSlaStats *stats)
{
  if (stats->hit + stats->breached == 0)
    return -1;

  return (double) stats->hit / (double) (stats->hit + stats->breached);
}

static gboolean
line_counts (TdLine     *line,
             const char *merchant)
{
  return td_line_get_busi (line) != TD_BUSI_CHAT &&
         (merchant == NULL || g_strcmp0 (td_line_get_merchant (line), merchant) == 0);
}

double
td_sla_compute_sync (TdSla      *self,
                     TdStore    *store,
                     const char *merchant,
                     gint64      since,
                     TdSlaStats *stats)
{
  TdSlaStats local = { 0, };
  guint n;

  g_return_val_if_fail (TD_IS_SLA (self), -1);
  g_return_val_if_fail (TD_IS_STORE (store), -1);

  n = td_store_get_n_lines (store);
  for (guint i = 0; i < n; i++)
    {
      TdLine *line = td_store_get_line_at (store, i);
      g_autoptr(GPtrArray) messages = NULL;

      if (!line_counts (line, merchant))
        continue;
      messages = td_store_load_messages_sync (store, td_line_get_id (line), NULL, PAGE, NULL, NULL);
      if (messages)
        td_sla_account_messages (messages, td_sla_get_target_ms (self, td_line_get_merchant (line)),
                                 since, td_sla_now (self), &local);
    }

  if (stats)
    *stats = local;

  return rate (&local);
}

typedef struct
{
  TdStore    *store;
  GPtrArray  *lines;    /* TdLine, to read */
  guint       next;
  gint64      since;
  TdSlaStats  stats;
} Compute;

static void
compute_free (Compute *c)
{
  g_clear_object (&c->store);
  g_ptr_array_unref (c->lines);
  g_free (c);
}

static void compute_next (GTask *task);

static void
on_loaded_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Compute *c = g_task_get_task_data (task);
  TdSla *self = g_task_get_source_object (task);
  TdLine *line = g_ptr_array_index (c->lines, c->next);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) messages = td_store_load_messages_finish (TD_STORE (source), result, NULL, &error);

  if (messages == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  td_sla_account_messages (messages, td_sla_get_target_ms (self, td_line_get_merchant (line)),
                           c->since, td_sla_now (self), &c->stats);
  c->next++;
  compute_next (g_steal_pointer (&task));
}

static void
compute_next (GTask *task)
{
  Compute *c = g_task_get_task_data (task);

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  if (c->next >= c->lines->len)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }

  td_store_load_messages_async (c->store, td_line_get_id (g_ptr_array_index (c->lines, c->next)),
                                NULL, PAGE, g_task_get_cancellable (task), on_loaded_cb, task);
}

void
td_sla_compute_async (TdSla               *self,
                      TdStore             *store,
                      const char          *merchant,
                      gint64               since,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task;
  Compute *c;
  guint n;

  g_return_if_fail (TD_IS_SLA (self));
  g_return_if_fail (TD_IS_STORE (store));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_sla_compute_async);
  c = g_new0 (Compute, 1);
  c->store = g_object_ref (store);
  c->lines = g_ptr_array_new_with_free_func (g_object_unref);
  c->since = since;
  n = td_store_get_n_lines (store);
  for (guint i = 0; i < n; i++)
    {
      TdLine *line = td_store_get_line_at (store, i);

      if (line_counts (line, merchant))
        g_ptr_array_add (c->lines, g_object_ref (line));
    }
  g_task_set_task_data (task, c, (GDestroyNotify) compute_free);
  compute_next (task);
}

double
td_sla_compute_finish (TdSla         *self,
                       GAsyncResult  *result,
                       TdSlaStats    *stats,
                       GError       **error)
{
  Compute *c;

  g_return_val_if_fail (g_task_is_valid (result, self), -1);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return -1;
  c = g_task_get_task_data (G_TASK (result));
  if (stats)
    *stats = c->stats;

  return rate (&c->stats);
}

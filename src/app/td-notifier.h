/* td-notifier.h — one desktop notification per line with new customer
 * messages; none for the line being read; the operator's notification
 * preferences (GSettings) honoured
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include "td-channel.h"

G_BEGIN_DECLS

/* TRUE when @line_id is on screen in a focused window. */
typedef gboolean (*TdLineVisibleFunc) (const char *line_id,
                                       gpointer    user_data);

/* The per-merchant choice (GSettings "notification-merchants": merchant id
 * → "all" / "waiting" / "off"; a merchant not listed is "all"). */
typedef enum
{
  TD_NOTIFY_ALL,      /* every line with news */
  TD_NOTIFY_WAITING,  /* only lines in the Waiting view: open, customer waiting for an answer */
  TD_NOTIFY_OFF,
} TdNotifyMode;

#define TD_TYPE_NOTIFIER (td_notifier_get_type ())
G_DECLARE_FINAL_TYPE (TdNotifier, td_notifier, TD, NOTIFIER, GObject)

/*
 * Watches @channel's store: a customer message (stored, live — not the
 * snapshot or history) on a line that is not visible adds to that line's
 * count; after a short quiet period (bursts coalesce) the line's
 * notification "line-<id>" is sent, replacing the previous one ("3 new
 * messages").  Its default action is app.open-line(<id>).  When the line
 * is read (unread 0) or shown, the notification is withdrawn.
 */
TdNotifier *td_notifier_new            (GApplication      *app,
                                        TdChannel         *channel,
                                        TdLineVisibleFunc  visible,
                                        gpointer           user_data);
/*
 * @settings: (nullable): the app's settings (schema io.github.tripdesk.Tripdesk):
 * "notifications" (off: nothing is counted or sent, what is out is
 * withdrawn), "notification-sound" (on: each round of notifications also
 * sounds the desktop's alert sound, see td-notifier.c) and
 * "notification-merchants".  Without settings: every line, no sound.
 */
void        td_notifier_set_settings   (TdNotifier *self,
                                        GSettings  *settings);
/* The mode for @merchant (nullable: a chat line, always TD_NOTIFY_ALL)
 * under the current settings. */
TdNotifyMode td_notifier_get_mode      (TdNotifier *self,
                                        const char *merchant);
/* The line was shown to the operator: withdraw its notification. */
void        td_notifier_line_shown     (TdNotifier *self,
                                        const char *line_id);
/* Coalescing delay (ms, default 700). */
void        td_notifier_set_delay      (TdNotifier *self,
                                        guint       delay_ms);
/* Sends what is pending now (tests). */
void        td_notifier_flush          (TdNotifier *self);
/* New messages counted (and notified or pending) for @line_id. */
guint       td_notifier_get_count      (TdNotifier *self,
                                        const char *line_id);
/* Notifications sent / withdrawn so far. */
guint       td_notifier_get_n_sent     (TdNotifier *self);
guint       td_notifier_get_n_withdrawn (TdNotifier *self);
/* Alert sounds played so far ("notification-sound"). */
guint       td_notifier_get_n_sounds   (TdNotifier *self);

char       *td_notifier_dup_notification_id (const char *line_id);

G_END_DECLS

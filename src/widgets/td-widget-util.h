/* td-widget-util.h — formatting shared by the widgets
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* "¥1,280.00" / "1,280.00 CHF": the amount with its currency (owned). */
char       *td_format_money    (double      amount,
                                const char *currency);
/* "Tue 1 Dec 2026" from "2026-12-01"; the input itself when malformed. */
char       *td_format_date     (const char *iso_date);
/* "14:05" and "1 Dec" from an ISO 8601 date-time; @iso when malformed. */
char       *td_format_datetime_time (const char *iso);
char       *td_format_datetime_day  (const char *iso);
/* "14:05" today, "Yesterday 14:05", "1 Dec 14:05" (ms since epoch). */
char       *td_format_message_time (gint64 ts_ms,
                                    gint64 now_ms);
/* Compact age for lists: "now", "5 min", "3 h", "Yesterday", "Mon", "1 Dec". */
char       *td_format_relative (gint64 ts_ms,
                                gint64 now_ms);
/* A duration: "45 s", "12 min", "2 h 05 min", "3 d". */
char       *td_format_duration (gint64 ms);
/* Nights between two YYYY-MM-DD dates; 0 when malformed. */
int         td_nights_between  (const char *checkin,
                                const char *checkout);

const char *td_body_get_string (JsonObject *body,
                                const char *member);
double      td_body_get_double (JsonObject *body,
                                const char *member);
gint64      td_body_get_int    (JsonObject *body,
                                const char *member);

/* Adds @klass to @widget when @on, removes it otherwise. */
void        td_widget_set_css_class (GtkWidget  *widget,
                                     const char *klass,
                                     gboolean    on);

G_END_DECLS

G_BEGIN_DECLS
/* Unparents every child of @widget (a GtkWidget subclass's dispose: the
 * template's unnamed children are not disposed by the template). */
void        td_widget_unparent_children (GtkWidget *widget);
G_END_DECLS

G_BEGIN_DECLS
/* A GtkBinLayout for the message kinds' widgets that answers "how wide for
 * this height" as "how wide" (they are height-for-width).  GTK 4.8's
 * GtkLabel answers a width-for-height request on a wrapping label with a
 * binary search of Pango layouts, and the message row's boxes ask it ~30
 * times per bind: about 20 ms of text shaping per row. */
#define TD_TYPE_BUBBLE_LAYOUT (td_bubble_layout_get_type ())
G_DECLARE_FINAL_TYPE (TdBubbleLayout, td_bubble_layout, TD, BUBBLE_LAYOUT, GtkLayoutManager)
G_END_DECLS

G_BEGIN_DECLS
/* A round avatar with the initials of a name, in libadwaita's colours for
 * that name (AdwAvatar 1.2's gradients), drawn by one widget:
 * AdwAvatar 1.2 is a gizmo, a label and two images, ~0.5 M instructions a
 * row to set its text.  A list row's avatar. */
#define TD_TYPE_AVATAR (td_avatar_get_type ())
G_DECLARE_FINAL_TYPE (TdAvatar, td_avatar, TD, AVATAR, GtkWidget)

GtkWidget  *td_avatar_new          (int         size);
/* @text: (nullable): the name; its first and last words' initials */
void        td_avatar_set_text     (TdAvatar   *self,
                                    const char *text);
const char *td_avatar_get_initials (TdAvatar   *self);
/*
 * TdTicker: one shared timer for many widgets (rows, badges) instead of
 * a source each.  @func (NULL data) walks ticker->members; the timer runs
 * while there is a member and is removed with the last one.
 */
typedef struct
{
  GPtrArray   *members;     /* borrowed pointers */
  guint        id;
  guint        interval_s;
  const char  *name;
  GSourceFunc  func;        /* must return G_SOURCE_CONTINUE */
} TdTicker;

#define TD_TICKER_INIT(interval_s, name, func) { NULL, 0, (interval_s), (name), (func) }

/* Adds (@on) or removes @member; starts or stops the timer. */
void td_ticker_set       (TdTicker *ticker,
                          gpointer  member,
                          gboolean  on);
/* Members now. */
guint td_ticker_get_size (TdTicker *ticker);

G_END_DECLS

/* td-connection-banner.c
 *
 * GNOME 43 has no AdwBanner: a GtkRevealer with a label and a button.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-connection-banner.h"
#include "td-widget-util.h"

struct _TdConnectionBanner
{
  GtkWidget    parent_instance;

  GtkRevealer *revealer;
  GtkLabel    *label;
  GtkLabel    *transport;
  GtkButton   *retry_button;

  TdChannel   *channel;
  GSignalGroup *signals;
  guint        tick_id;
  char        *last_transport;
};

G_DEFINE_FINAL_TYPE (TdConnectionBanner, td_connection_banner, GTK_TYPE_WIDGET)

const char *
td_transport_get_label (const char *transport)
{
  if (g_strcmp0 (transport, "websocket") == 0)
    return _("WebSocket");
  if (g_strcmp0 (transport, "long-poll") == 0)
    return _("Long-poll");

  return NULL;
}

static gboolean update (gpointer data);

static void
schedule_tick (TdConnectionBanner *self,
               gboolean            on)
{
  if (on && self->tick_id == 0)
    self->tick_id = g_timeout_add (250, update, self);
  else if (!on)
    g_clear_handle_id (&self->tick_id, g_source_remove);
}

static gboolean
update (gpointer data)
{
  TdConnectionBanner *self = data;
  TdChannelState state = self->channel ? td_channel_get_state (self->channel) : TD_CHANNEL_STATE_ONLINE;
  const char *transport = self->channel ? td_channel_get_transport (self->channel) : NULL;
  g_autofree char *text = NULL;

  if (transport != NULL && g_strcmp0 (transport, self->last_transport) != 0)
    {
      g_free (self->last_transport);
      self->last_transport = g_strdup (transport);
    }

  switch (state)
    {
    case TD_CHANNEL_STATE_BACKING_OFF:
      {
        gint64 wait_ms = td_channel_get_next_attempt (self->channel) - g_get_monotonic_time () / 1000;
        int seconds = (int) MAX (0, (wait_ms + 999) / 1000);

        /* Translators: the connection to the server is down */
        text = g_strdup_printf (ngettext ("Reconnecting in %d s", "Reconnecting in %d s", seconds),
                                seconds);
        schedule_tick (self, TRUE);
      }
      break;

    case TD_CHANNEL_STATE_CONNECTING:
      text = g_strdup (_("Connecting…"));
      schedule_tick (self, FALSE);
      break;

    case TD_CHANNEL_STATE_OFFLINE:
      text = g_strdup (_("Offline"));
      schedule_tick (self, FALSE);
      break;

    case TD_CHANNEL_STATE_ONLINE:
    default:
      schedule_tick (self, FALSE);
      break;
    }

  if (text != NULL)
    gtk_label_set_text (self->label, text);

  if (self->last_transport != NULL)
    {
      /* Translators: %s is WebSocket or Long-poll */
      g_autofree char *via = g_strdup_printf (_("Last connected over %s"),
                                              td_transport_get_label (self->last_transport));
      gtk_label_set_text (self->transport, via);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->transport), self->last_transport != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->retry_button), state != TD_CHANNEL_STATE_CONNECTING);
  td_widget_set_css_class (GTK_WIDGET (self), "offline", state == TD_CHANNEL_STATE_OFFLINE);
  gtk_revealer_set_reveal_child (self->revealer, text != NULL);

  return G_SOURCE_CONTINUE;
}

static void
on_channel_notify_cb (TdConnectionBanner *self)
{
  update (self);
}

static void
on_retry_clicked_cb (TdConnectionBanner *self)
{
  if (self->channel)
    td_channel_retry_now (self->channel);
}

void
td_connection_banner_set_channel (TdConnectionBanner *self,
                                  TdChannel          *channel)
{
  g_return_if_fail (TD_IS_CONNECTION_BANNER (self));
  g_return_if_fail (channel == NULL || TD_IS_CHANNEL (channel));

  if (!g_set_object (&self->channel, channel))
    return;

  g_clear_pointer (&self->last_transport, g_free);
  g_signal_group_set_target (self->signals, channel);
  update (self);
}

gboolean
td_connection_banner_get_revealed (TdConnectionBanner *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION_BANNER (self), FALSE);

  return gtk_revealer_get_reveal_child (self->revealer);
}

const char *
td_connection_banner_get_text (TdConnectionBanner *self)
{
  g_return_val_if_fail (TD_IS_CONNECTION_BANNER (self), NULL);

  return gtk_label_get_text (self->label);
}

static void
td_connection_banner_dispose (GObject *object)
{
  TdConnectionBanner *self = TD_CONNECTION_BANNER (object);

  schedule_tick (self, FALSE);
  if (self->signals)
    g_signal_group_set_target (self->signals, NULL);
  g_clear_object (&self->signals);
  g_clear_object (&self->channel);
  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_CONNECTION_BANNER);
  td_widget_unparent_children (GTK_WIDGET (self));

  G_OBJECT_CLASS (td_connection_banner_parent_class)->dispose (object);
}

static void
td_connection_banner_finalize (GObject *object)
{
  TdConnectionBanner *self = TD_CONNECTION_BANNER (object);

  g_free (self->last_transport);

  G_OBJECT_CLASS (td_connection_banner_parent_class)->finalize (object);
}

static void
td_connection_banner_class_init (TdConnectionBannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_connection_banner_dispose;
  object_class->finalize = td_connection_banner_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-connection-banner.ui");
  gtk_widget_class_bind_template_child (widget_class, TdConnectionBanner, revealer);
  gtk_widget_class_bind_template_child (widget_class, TdConnectionBanner, label);
  gtk_widget_class_bind_template_child (widget_class, TdConnectionBanner, transport);
  gtk_widget_class_bind_template_child (widget_class, TdConnectionBanner, retry_button);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
td_connection_banner_init (TdConnectionBanner *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->signals = g_signal_group_new (TD_TYPE_CHANNEL);
  g_signal_group_connect_swapped (self->signals, "notify::state",
                                  G_CALLBACK (on_channel_notify_cb), self);
  g_signal_group_connect_swapped (self->signals, "notify::next-attempt",
                                  G_CALLBACK (on_channel_notify_cb), self);
  g_signal_group_connect_swapped (self->signals, "notify::transport",
                                  G_CALLBACK (on_channel_notify_cb), self);
}

GtkWidget *
td_connection_banner_new (void)
{
  return g_object_new (TD_TYPE_CONNECTION_BANNER, NULL);
}

/* td-connection-banner.h — "Reconnecting in 7 s — Retry now"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-channel.h"

G_BEGIN_DECLS

#define TD_TYPE_CONNECTION_BANNER (td_connection_banner_get_type ())
G_DECLARE_FINAL_TYPE (TdConnectionBanner, td_connection_banner, TD, CONNECTION_BANNER, GtkWidget)

GtkWidget  *td_connection_banner_new         (void);
void        td_connection_banner_set_channel (TdConnectionBanner *self,
                                              TdChannel          *channel);
gboolean    td_connection_banner_get_revealed (TdConnectionBanner *self);
const char *td_connection_banner_get_text    (TdConnectionBanner *self);
/* "WebSocket" / "Long-poll" (translated), NULL when offline. */
const char *td_transport_get_label           (const char *transport);

G_END_DECLS

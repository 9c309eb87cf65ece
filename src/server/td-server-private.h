/* td-server-private.h — extra hooks for the server's own tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-server.h"

G_BEGIN_DECLS

/* Live sessions (WebSocket + long-poll). */
guint     td_server_get_n_sessions        (TdServer *self);
guint     td_server_get_n_ws_sessions     (TdServer *self);
/* Long-polls held (waiting for something to deliver). */
guint     td_server_get_n_held_polls      (TdServer *self);
/* Rate limit: @burst packets, @per_s sustained, closed after @close_after_ms over it. */
void      td_server_set_rate_limit        (TdServer *self,
                                           double    burst,
                                           double    per_s,
                                           guint     close_after_ms);
/* Admission control: new sessions, @burst at once and @per_s sustained. */
void      td_server_set_admission         (TdServer *self,
                                           double    burst,
                                           double    per_s);
/* Long-poll session expiry (default 60 000 ms). */
void      td_server_set_poll_expiry       (TdServer *self,
                                           guint     ms);

G_END_DECLS

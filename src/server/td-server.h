/* td-server.h — tripdesk-server: protocol v1 over WebSocket and long-poll
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct
{
  const char *db_path;        /* sqlite file path */
  gboolean    demo;           /* seed demo accounts into an empty db; refuse non-loopback */
  int         demo_customers; /* 0 = 50 */
  int         heartbeat_s;    /* 0 = 20 */
  const char *tz;             /* NULL = local */
  gboolean    verbose;
} TdServerOptions;

#define TD_SERVER_ERROR (td_server_error_quark ())
GQuark td_server_error_quark (void);

typedef enum
{
  TD_SERVER_ERROR_FAILED,
  TD_SERVER_ERROR_NOT_LOOPBACK,  /* --demo on a non-loopback address */
  TD_SERVER_ERROR_ADDRESS,       /* not an IP address */
} TdServerError;

#define TD_TYPE_SERVER (td_server_get_type ())
G_DECLARE_FINAL_TYPE (TdServer, td_server, TD, SERVER, GObject)

/* Opens (creates, migrates) the database and seeds the demo accounts. */
TdServer *td_server_new                   (const TdServerOptions  *options,
                                           GError                **error);
/* @address: an IP literal ("127.0.0.1", "::1", "0.0.0.0"); @port 0 = any. */
gboolean  td_server_listen                (TdServer    *self,
                                           const char  *address,
                                           guint        port,
                                           GError     **error);
guint     td_server_get_port              (TdServer *self);
/* "http://127.0.0.1:PORT" (owned) */
char     *td_server_dup_base_url          (TdServer *self);
/* Planned shutdown: WebSockets close with 1012 and reason
 * {"retry_within_ms":N}, held polls are answered with retry_within_ms,
 * pending writes are committed, the server stops listening.
 * @retry_within_ms 0 = default spread (sessions ÷ admission rate, ≥ 1 s). */
void      td_server_shutdown              (TdServer *self,
                                           guint     retry_within_ms);

/* test hooks */
/* FALSE: /v1/ws answers 503 (fallback tests) */
void      td_server_set_websocket_enabled (TdServer *self,
                                           gboolean  enabled);
/* abruptly close every WebSocket (no close frame) and forget poll sessions */
void      td_server_drop_connections      (TdServer *self);
/* next store write fails → `internal` */
void      td_server_inject_internal_error (TdServer *self,
                                           gboolean  on);

G_END_DECLS

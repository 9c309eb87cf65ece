/* bench-net-common.h — the network pieces of the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Raw libsoup clients speaking protocol v1 (WebSocket and long-poll), a
 * tripdesk-server subprocess, a bare libsoup WebSocket echo / broadcast
 * server (the baseline), and a byte-counting TCP proxy.
 */
#pragma once

#include <libsoup/soup.h>

#include "td-packet.h"

G_BEGIN_DECLS

/* ---- subprocesses ---- */
typedef struct
{
  GSubprocess *proc;
  guint        port;
  char        *dir;       /* temporary folder (database) */
  int          pid;
} BenchServer;

/* tripdesk-server --demo --demo-customers N on a free port; waits until it answers */
gboolean bench_server_start     (BenchServer *server,
                                 const char  *argv0,
                                 int          demo_customers,
                                 GError     **error);
/* this program again with @args (e.g. "--echo-server", "PORT") */
gboolean bench_echo_start       (BenchServer *server,
                                 const char  *argv0,
                                 gboolean     broadcast,
                                 GError     **error);
void     bench_server_stop      (BenchServer *server);
/* waits until 127.0.0.1:port accepts a connection */
gboolean bench_wait_port        (guint        port,
                                 double       timeout_s);

/* ---- echo / broadcast server, run in this process (subprocess mode) ---- */
int      bench_echo_server_main (guint        port,
                                 gboolean     broadcast);

/* ---- clients ---- */
typedef struct _BenchConn BenchConn;
/* @packet: parsed as a client does (NULL for a raw / echo connection) */
typedef void (*BenchPacketFunc) (BenchConn  *conn,
                                 const char *data,     /* NULL for a long-poll element */
                                 gsize       len,
                                 TdPacket   *packet,
                                 gpointer    user_data);

struct _BenchConn
{
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  gboolean                 poll;         /* long-poll instead of WebSocket */
  gboolean                 raw;          /* echo baseline: no protocol */
  gboolean                 quiet;        /* do not print connection failures */
  char                    *base_url;     /* http://127.0.0.1:PORT */
  char                    *token;
  guint                    index;
  gboolean                 open;         /* connected (ws) / session (poll) */
  gboolean                 welcomed;
  gboolean                 synced;
  gboolean                 failed;
  gboolean                 closed;
  char                    *line_id;      /* the line this client opened */
  /* long-poll */
  char                    *poll_session;
  gboolean                 has_cursor;
  gint64                   cursor;
  guint                    poll_wait_s;
  GPtrArray               *poll_outbox;  /* of char* packets to send */
  gboolean                 sending;
  GCancellable            *cancellable;
  BenchPacketFunc          func;
  gpointer                 user_data;
};

/* @session: shared; permessage-deflate follows the session's features */
SoupSession *bench_session_new  (gboolean     deflate);
BenchConn   *bench_conn_new     (SoupSession *session,
                                 const char  *base_url,
                                 const char  *token,
                                 gboolean     poll,
                                 guint        index,
                                 BenchPacketFunc func,
                                 gpointer     user_data);
/* WebSocket: connect, then send hello(null).  Poll: open a session. */
void         bench_conn_connect (BenchConn   *conn,
                                 const char  *path);  /* "/v1/ws" */
void         bench_conn_send    (BenchConn   *conn,
                                 const char  *packet);
void         bench_conn_free    (BenchConn   *conn);

/* ---- byte-counting TCP proxy: 127.0.0.1:port → 127.0.0.1:target_port ---- */
typedef struct _BenchProxy BenchProxy;

BenchProxy  *bench_proxy_new      (guint       target_port);
guint        bench_proxy_get_port (BenchProxy *proxy);
/* bytes so far: client → server, server → client */
void         bench_proxy_get      (BenchProxy *proxy,
                                   gint64     *up,
                                   gint64     *down);

G_END_DECLS

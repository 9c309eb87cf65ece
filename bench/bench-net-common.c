/* bench-net-common.c — the network pieces of the benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-bench"

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "bench-net-common.h"
#include "bench-util.h"
#include "td-json.h"

/* ---- subprocesses ------------------------------------------------------------ */

gboolean
bench_wait_port (guint  port,
                 double timeout_s)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  double end = bench_now () + timeout_s;

  while (bench_now () < end)
    {
      g_autoptr(GSocketConnection) c = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, NULL);

      if (c)
        return TRUE;
      g_usleep (20000);
    }
  return FALSE;
}

static gboolean
spawn (BenchServer  *server,
       const char  **argv,
       GError      **error)
{
  server->proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE, error);
  if (server->proc == NULL)
    return FALSE;
  server->pid = atoi (g_subprocess_get_identifier (server->proc));
  if (!bench_wait_port (server->port, 30))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "%s did not listen on port %u", argv[0], server->port);
      bench_server_stop (server);
      return FALSE;
    }
  return TRUE;
}

gboolean
bench_server_start (BenchServer *server,
                    const char  *argv0,
                    int          demo_customers,
                    GError     **error)
{
  g_autofree char *exe = bench_dup_server_path (argv0);
  g_autofree char *db = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *customers = g_strdup_printf ("%d", demo_customers > 0 ? demo_customers : 50);
  const char *argv[12];
  int i = 0;

  memset (server, 0, sizeof *server);
  server->dir = g_dir_make_tmp ("td-bench-server-XXXXXX", error);
  if (server->dir == NULL)
    return FALSE;
  db = g_build_filename (server->dir, "server.db", NULL);
  server->port = bench_free_port ();
  listen = g_strdup_printf ("127.0.0.1:%u", server->port);
  argv[i++] = exe;
  argv[i++] = "--demo";
  argv[i++] = "--demo-customers";
  argv[i++] = customers;
  argv[i++] = "--db";
  argv[i++] = db;
  argv[i++] = "--listen";
  argv[i++] = listen;
  argv[i++] = NULL;
  return spawn (server, argv, error);
}

gboolean
bench_echo_start (BenchServer *server,
                  const char  *argv0,
                  gboolean     broadcast,
                  GError     **error)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *port = NULL;
  const char *argv[6];
  int i = 0;

  memset (server, 0, sizeof *server);
  server->port = bench_free_port ();
  port = g_strdup_printf ("%u", server->port);
  argv[i++] = self ? self : argv0;
  argv[i++] = broadcast ? "--broadcast-server" : "--echo-server";
  argv[i++] = port;
  argv[i++] = NULL;
  return spawn (server, argv, error);
}

static void
rm_rf (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);

      g_unlink (p);
    }
  g_rmdir (dir);
}

void
bench_server_stop (BenchServer *server)
{
  if (server->proc)
    {
      g_subprocess_send_signal (server->proc, SIGKILL);
      g_subprocess_wait (server->proc, NULL, NULL);
      g_clear_object (&server->proc);
    }
  if (server->dir)
    {
      rm_rf (server->dir);
      g_clear_pointer (&server->dir, g_free);
    }
}

/* ---- echo / broadcast server ----------------------------------------------------- */

typedef struct
{
  GPtrArray *conns;
  gboolean   broadcast;
} Echo;

static void
on_echo_message_cb (SoupWebsocketConnection *conn,
                    gint                     type,
                    GBytes                  *message,
                    gpointer                 user_data)
{
  Echo *echo = user_data;

  if (!echo->broadcast)
    {
      soup_websocket_connection_send_message (conn, type, message);
      return;
    }
  for (guint i = 0; i < echo->conns->len; i++)
    {
      SoupWebsocketConnection *c = g_ptr_array_index (echo->conns, i);

      if (c != conn && soup_websocket_connection_get_state (c) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_send_message (c, type, message);
    }
}

static void
on_echo_closed_cb (SoupWebsocketConnection *conn,
                   gpointer                 user_data)
{
  Echo *echo = user_data;

  g_ptr_array_remove_fast (echo->conns, conn);
}

static void
echo_ws_cb (SoupServer              *server,
            SoupServerMessage       *msg,
            const char              *path,
            SoupWebsocketConnection *conn,
            gpointer                 user_data)
{
  Echo *echo = user_data;

  g_object_set (conn, "max-incoming-payload-size", (guint64) 1024 * 1024, NULL);
  g_ptr_array_add (echo->conns, g_object_ref (conn));
  g_signal_connect (conn, "message", G_CALLBACK (on_echo_message_cb), echo);
  g_signal_connect (conn, "closed", G_CALLBACK (on_echo_closed_cb), echo);
}

static gboolean
on_echo_listener_ready_cb (GSocket      *listener,
                           GIOCondition  condition,
                           gpointer      user_data)
{
  SoupServer *server = user_data;

  for (guint i = 0; i < 256; i++)
    {
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, NULL);
      g_autoptr(GSocketConnection) connection = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GSocketAddress) remote = NULL;

      if (socket == NULL)
        break;
      connection = g_socket_connection_factory_create_connection (socket);
      local = g_socket_connection_get_local_address (connection, NULL);
      remote = g_socket_connection_get_remote_address (connection, NULL);
      if (!soup_server_accept_iostream (server, G_IO_STREAM (connection), local, remote, NULL))
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  return G_SOURCE_CONTINUE;
}

int
bench_echo_server_main (guint    port,
                        gboolean broadcast)
{
  const char *protocols[] = { "tripdesk.v1", NULL };
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Echo echo = { g_ptr_array_new_with_free_func (g_object_unref), broadcast };

  bench_raise_nofile ();
  soup_server_add_websocket_handler (server, "/v1/ws", NULL, (char **) protocols, echo_ws_cb, &echo, NULL);
  {
    /* listens as tripdesk-server does (td_server_listen()): a backlog of
     * 4096 (libsoup's own listener keeps 10, which drops SYNs when
     * thousands connect), and every waiting connection accepted in one
     * main-loop turn, handed to soup_server_accept_iostream() */
    g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, port);
    g_autoptr(GSource) source = NULL;

    if (sock)
      {
        g_socket_set_blocking (sock, FALSE);
        g_socket_set_listen_backlog (sock, 4096);
      }
    if (sock == NULL || !g_socket_bind (sock, addr, TRUE, &error) || !g_socket_listen (sock, &error))
      {
        g_printerr ("echo server: %s\n", error->message);
        return 1;
      }
    source = g_socket_create_source (sock, G_IO_IN, NULL);
    g_source_set_callback (source, (GSourceFunc) (void (*) (void)) on_echo_listener_ready_cb, server, NULL);
    g_source_attach (source, NULL);
    g_main_loop_run (loop);
  }
  return 0;
}

/* ---- clients ----------------------------------------------------------------------- */

SoupSession *
bench_session_new (gboolean deflate)
{
  SoupSession *session = g_object_new (SOUP_TYPE_SESSION,
                                       "max-conns", 100000,
                                       "max-conns-per-host", 100000,
                                       "timeout", 0,
                                       "idle-timeout", 0,
                                       NULL);

  if (deflate)
    soup_session_add_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  return session;
}

BenchConn *
bench_conn_new (SoupSession     *session,
                const char      *base_url,
                const char      *token,
                gboolean         poll,
                guint            index,
                BenchPacketFunc  func,
                gpointer         user_data)
{
  BenchConn *conn = g_new0 (BenchConn, 1);

  conn->session = g_object_ref (session);
  conn->base_url = g_strdup (base_url);
  conn->token = g_strdup (token);
  conn->poll = poll;
  conn->index = index;
  conn->func = func;
  conn->user_data = user_data;
  conn->poll_wait_s = 25;
  conn->poll_outbox = g_ptr_array_new_with_free_func (g_free);
  conn->cancellable = g_cancellable_new ();
  return conn;
}

void
bench_conn_free (BenchConn *conn)
{
  if (conn == NULL)
    return;
  g_cancellable_cancel (conn->cancellable);
  if (conn->ws)
    {
      g_signal_handlers_disconnect_by_data (conn->ws, conn);
      if (soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
        soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      g_clear_object (&conn->ws);
    }
  g_clear_object (&conn->session);
  g_clear_object (&conn->cancellable);
  g_ptr_array_unref (conn->poll_outbox);
  g_free (conn->base_url);
  g_free (conn->token);
  g_free (conn->line_id);
  g_free (conn->poll_session);
  g_free (conn);
}

static void
handle_packet (BenchConn  *conn,
               const char *data,
               gsize       len,
               JsonObject *object)
{
  g_autoptr(TdPacket) packet = NULL;

  if (!conn->raw)
    {
      g_autoptr(GError) error = NULL;

      if (object)
        packet = td_packet_parse_object (object, TD_FROM_SERVER, NULL, &error);
      else
        packet = td_packet_parse (data, len, TD_FROM_SERVER, NULL, &error);
      if (packet == NULL)
        {
          g_printerr ("bench: a packet did not parse: %s\n", error->message);
          return;
        }
      switch (packet->type)
        {
        case TD_PACKET_WELCOME:
          conn->welcomed = TRUE;
          if (packet->session)
            {
              g_free (conn->poll_session);
              conn->poll_session = g_strdup (packet->session);
            }
          break;
        case TD_PACKET_SYNCED:
          conn->synced = TRUE;
          conn->has_cursor = TRUE;
          conn->cursor = MAX (conn->cursor, packet->cursor);
          break;
        case TD_PACKET_ERROR:
          g_printerr ("bench: client %u got error %s: %s\n", conn->index, packet->code, packet->message);
          break;
        default:
          break;
        }
    }
  if (conn->func)
    conn->func (conn, data, len, packet, conn->user_data);
}

static void
on_ws_message_cb (SoupWebsocketConnection *ws,
                  gint                     type,
                  GBytes                  *message,
                  gpointer                 user_data)
{
  gsize len;
  const char *data = g_bytes_get_data (message, &len);

  handle_packet (user_data, data, len, NULL);
}

static void
on_ws_closed_cb (SoupWebsocketConnection *ws,
                 gpointer                 user_data)
{
  BenchConn *conn = user_data;

  conn->closed = TRUE;
  conn->open = FALSE;
}

static void
ws_connect_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  SoupWebsocketConnection *ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  BenchConn *conn;

  if (ws == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          conn = user_data;
          conn->failed = TRUE;
          if (!conn->quiet)
            g_printerr ("bench: client %u: %s\n", conn->index, error->message);
        }
      return;
    }
  conn = user_data;
  conn->ws = ws;
  conn->open = TRUE;
  g_object_set (ws, "max-incoming-payload-size", (guint64) 2 * 1024 * 1024, NULL);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message_cb), conn);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed_cb), conn);
  if (!conn->raw)
    soup_websocket_connection_send_text (ws, "{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"tripdesk-bench/0.1\"}");
  else
    conn->welcomed = conn->synced = TRUE;
}

static void poll_again (BenchConn *conn, gboolean send_request);

typedef struct
{
  BenchConn *conn;
  gboolean   is_send;
} PollReq;

static void
poll_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  PollReq *req = user_data;
  BenchConn *conn = req->conn;
  gboolean is_send = req->is_send;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  g_autoptr(JsonObject) answer = NULL;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  gsize len;
  const char *data;

  g_free (req);
  if (bytes == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          conn->failed = TRUE;
          g_printerr ("bench: poll client %u: %s\n", conn->index, error->message);
        }
      return;
    }
  if (msg && soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      conn->failed = TRUE;
      g_printerr ("bench: poll client %u: HTTP %u\n", conn->index, soup_message_get_status (msg));
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  answer = td_json_parse_object (data, len, &error);
  if (answer == NULL)
    {
      conn->failed = TRUE;
      g_printerr ("bench: poll client %u: %s\n", conn->index, error->message);
      return;
    }
  conn->open = TRUE;
  if (json_object_has_member (answer, "packets"))
    {
      JsonArray *packets = json_object_get_array_member (answer, "packets");

      for (guint i = 0; packets && i < json_array_get_length (packets); i++)
        handle_packet (conn, NULL, 0, json_array_get_object_element (packets, i));
    }
  if (json_object_has_member (answer, "cursor") && !json_object_get_null_member (answer, "cursor"))
    {
      gint64 c = json_object_get_int_member (answer, "cursor");

      if (conn->synced)
        {
          conn->has_cursor = TRUE;
          conn->cursor = MAX (conn->cursor, c);
        }
    }
  if (is_send)
    {
      conn->sending = FALSE;
      if (conn->poll_outbox->len > 0)
        poll_again (conn, TRUE);
      return;
    }
  conn->poll_wait_s = json_object_has_member (answer, "more") && json_object_get_boolean_member (answer, "more") ? 0 : 25;
  poll_again (conn, FALSE);
}

static void
poll_again (BenchConn *conn,
            gboolean   send_request)
{
  g_autofree char *url = g_strconcat (conn->base_url, "/v1/poll", NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", conn->token, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  GString *body = g_string_new ("{");
  g_autoptr(GBytes) bytes = NULL;
  PollReq *req = g_new0 (PollReq, 1);

  if (conn->poll_session)
    {
      g_autofree char *s = g_strescape (conn->poll_session, NULL);

      g_string_append_printf (body, "\"session\":\"%s\",", s);
    }
  if (conn->has_cursor)
    g_string_append_printf (body, "\"cursor\":%" G_GINT64_FORMAT ",", conn->cursor);
  else
    g_string_append (body, "\"cursor\":null,");
  if (send_request)
    {
      g_string_append (body, "\"send\":[");
      for (guint i = 0; i < conn->poll_outbox->len; i++)
        {
          if (i > 0)
            g_string_append_c (body, ',');
          g_string_append (body, g_ptr_array_index (conn->poll_outbox, i));
        }
      g_string_append (body, "],");
      g_ptr_array_set_size (conn->poll_outbox, 0);
      conn->sending = TRUE;
      g_string_append (body, "\"wait\":0}");
    }
  else
    g_string_append_printf (body, "\"wait\":%u}", conn->poll_session ? conn->poll_wait_s : 0);

  bytes = g_string_free_to_bytes (body);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  req->conn = conn;
  req->is_send = send_request;
  soup_session_send_and_read_async (conn->session, msg, G_PRIORITY_DEFAULT, conn->cancellable, poll_cb, req);
}

void
bench_conn_connect (BenchConn  *conn,
                    const char *path)
{
  if (conn->poll)
    {
      poll_again (conn, FALSE);
    }
  else
    {
      const char *protocols[] = { "tripdesk.v1", NULL };
      /* ws:// from http:// */
      g_autofree char *url = g_strconcat ("ws", conn->base_url + strlen ("http"), path ? path : "/v1/ws", NULL);
      g_autofree char *auth = g_strconcat ("Bearer ", conn->token, NULL);
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
      soup_session_websocket_connect_async (conn->session, msg, NULL, (char **) protocols,
                                            G_PRIORITY_DEFAULT, conn->cancellable, ws_connect_cb, conn);
    }
}

void
bench_conn_send (BenchConn  *conn,
                 const char *packet)
{
  if (conn->poll)
    {
      g_ptr_array_add (conn->poll_outbox, g_strdup (packet));
      if (!conn->sending)
        poll_again (conn, TRUE);
      return;
    }
  if (conn->ws && soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (conn->ws, packet);
}

/* ---- a byte-counting TCP proxy (threads, blocking I/O) ------------------------------ */

struct _BenchProxy
{
  GSocket *listener;
  guint    port;
  guint    target_port;
  gint64   up;     /* client → server */
  gint64   down;   /* server → client */
  gint     conns;
  GThread *accept_thread;
};

typedef struct
{
  BenchProxy *proxy;
  GSocket    *from;
  GSocket    *to;
  gboolean    upstream;
} Pipe;

static gpointer
pipe_main (gpointer data)
{
  Pipe *pipe = data;
  char buf[65536];

  for (;;)
    {
      gssize n = g_socket_receive (pipe->from, buf, sizeof buf, NULL, NULL);
      gssize off = 0;

      if (n <= 0)
        break;
      if (pipe->upstream)
        g_atomic_pointer_add (&pipe->proxy->up, n);
      else
        g_atomic_pointer_add (&pipe->proxy->down, n);
      while (off < n)
        {
          gssize w = g_socket_send (pipe->to, buf + off, n - off, NULL, NULL);

          if (w <= 0)
            goto out;
          off += w;
        }
    }
out:
  g_socket_shutdown (pipe->to, FALSE, TRUE, NULL);
  g_object_unref (pipe->from);
  g_object_unref (pipe->to);
  g_free (pipe);
  return NULL;
}

static gpointer
accept_main (gpointer data)
{
  BenchProxy *proxy = data;

  for (;;)
    {
      GSocket *client = g_socket_accept (proxy->listener, NULL, NULL);
      GSocket *server;
      g_autoptr(GInetAddress) lo = NULL;
      g_autoptr(GSocketAddress) addr = NULL;
      Pipe *a, *b;

      if (client == NULL)
        return NULL;
      g_socket_set_blocking (client, TRUE);
      server = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      addr = g_inet_socket_address_new (lo, proxy->target_port);
      if (server == NULL || !g_socket_connect (server, addr, NULL, NULL))
        {
          g_object_unref (client);
          g_clear_object (&server);
          continue;
        }
      g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      g_socket_set_option (server, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
      g_atomic_int_inc (&proxy->conns);
      a = g_new0 (Pipe, 1);
      a->proxy = proxy;
      a->from = g_object_ref (client);
      a->to = g_object_ref (server);
      a->upstream = TRUE;
      b = g_new0 (Pipe, 1);
      b->proxy = proxy;
      b->upstream = FALSE;
      b->from = server;
      b->to = client;
      g_thread_unref (g_thread_new ("proxy-up", pipe_main, a));
      g_thread_unref (g_thread_new ("proxy-down", pipe_main, b));
    }
}

BenchProxy *
bench_proxy_new (guint target_port)
{
  BenchProxy *proxy = g_new0 (BenchProxy, 1);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  proxy->target_port = target_port;
  proxy->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  if (!g_socket_bind (proxy->listener, addr, TRUE, NULL) || !g_socket_listen (proxy->listener, NULL))
    g_error ("proxy: cannot listen");
  bound = g_socket_get_local_address (proxy->listener, NULL);
  proxy->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  proxy->accept_thread = g_thread_new ("proxy-accept", accept_main, proxy);
  return proxy;
}

guint
bench_proxy_get_port (BenchProxy *proxy)
{
  return proxy->port;
}

void
bench_proxy_get (BenchProxy *proxy,
                 gint64     *up,
                 gint64     *down)
{
  *up = (gint64) g_atomic_pointer_get (&proxy->up);
  *down = (gint64) g_atomic_pointer_get (&proxy->down);
}

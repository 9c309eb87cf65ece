/* test-server-common.h — raw libsoup clients for the server tests
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "tripdesk-common.h"
#include "td-server.h"
#include "td-server-private.h"

#define TIMEOUT_S 20

typedef struct
{
  TdServer *server;
  char     *dir;
  char     *db;
  char     *url;
  char     *ws_url;
  guint     port;
  int       customers;
  int       heartbeat;
} Fixture;

typedef struct
{
  SoupSession             *session;
  SoupWebsocketConnection *conn;
  GPtrArray               *packets;  /* JsonObject* as received */
  guint                    pos;      /* next to look at */
  gboolean                 done;     /* connect finished */
  gboolean                 closed;
  gushort                  close_code;
  char                    *close_data;
  guint                    status;   /* HTTP status when the upgrade failed */
  char                    *retry_after;
  GError                  *error;
} WsClient;

typedef struct
{
  SoupSession *session;
  char        *url;
  char        *token;
  char        *sid;
  gboolean     has_cursor;
  gint64       cursor;
  GPtrArray   *packets;   /* JsonObject* */
  guint        pos;
  guint        status;
  gboolean     synced;
} PollClient;

/* iterate the default main context until *flag or timeout (fails the test) */
void         iterate_until     (gboolean *flag, const char *what);
gboolean     iterate_until_fn  (gboolean (*fn) (gpointer), gpointer data, guint timeout_s);

Fixture     *fixture_new       (int customers, int heartbeat);
void         fixture_start     (Fixture *fx);   /* (re)creates the server on fx->port (0 the first time) */
void         fixture_stop      (Fixture *fx, gboolean planned);
void         fixture_free      (Fixture *fx);
/* iterates for @ms: closing connections finish before the leak checker looks */
void         drain_main_context (guint ms);

WsClient    *ws_client_new     (Fixture *fx, const char *token);   /* connected, or status/error set */
void         ws_client_free    (WsClient *c);
void         ws_client_send    (WsClient *c, const char *json);
void         ws_client_sendf   (WsClient *c, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
/* the next packet of @type after c->pos (skipping others); NULL on timeout */
JsonObject  *ws_client_expect  (WsClient *c, const char *type);
/* hello with a cursor (< 0: null); waits for synced, returns welcome */
JsonObject  *ws_client_hello   (WsClient *c, gint64 cursor);
/* round-trip a ping: everything sent before has been answered */
void         ws_client_sync    (WsClient *c);
/* packets of @type received after index @from */
guint        count_type        (GPtrArray *packets, guint from, const char *type);

PollClient  *poll_client_new   (Fixture *fx, const char *token);
void         poll_client_free  (PollClient *c);
/* one request; @send is a JSON array text or NULL; returns the answer body (owned) or NULL */
JsonObject  *poll_client_request (PollClient *c, const char *send, int wait);
/* polls with wait 0 until synced has come */
void         poll_client_hello (PollClient *c, gint64 cursor);
JsonObject  *poll_client_expect (PollClient *c, const char *type);

/* HTTP helper: returns status; *body_out the response text (owned) */
guint        http_request      (Fixture *fx, const char *method, const char *path, const char *token,
                                const char *body, char **body_out);

JsonObject  *parse_server_json (const char *data, gsize len);
char        *random_id_new     (void);
gint64       obj_int           (JsonObject *o, const char *member);
const char  *obj_str           (JsonObject *o, const char *member);
JsonObject  *obj_obj           (JsonObject *o, const char *member);

/* td-test-e2e.h — what the tests share: waiting on the main context, and
 * the real server and TdChannel + TdStore clients in-process on 127.0.0.1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "td-channel.h"
#include "td-server.h"

G_BEGIN_DECLS

/* How long the helpers' own waits may take (open a line, come online, …). */
#define TD_TEST_TIMEOUT_MS 30000

/* ---- waiting ---------------------------------------------------------------- */

typedef gboolean (*TdTestCondFunc) (gpointer data);

/*
 * td_test_wait_until:
 * Iterates @context (NULL: the default one) until @cond (@data) holds,
 * blocking between events and never sleeping.  After @timeout_ms the test
 * fails with “timed out after N ms waiting for @what” at the caller's file
 * and line.  Returns whether @cond held (FALSE only with non-fatal
 * assertions).
 */
#define td_test_wait_until(context, cond, data, timeout_ms, what) \
  td_test_wait_until_at (__FILE__, __LINE__, G_STRFUNC, (context), (cond), (data), (timeout_ms), (what))

gboolean     td_test_wait_until_at     (const char     *file,
                                        int             line,
                                        const char     *func,
                                        GMainContext   *context,
                                        TdTestCondFunc  cond,
                                        gpointer        data,
                                        guint           timeout_ms,
                                        const char     *what);
/* Iterates @context (NULL: the default one) for @ms: timers, closing
 * connections and other callbacks run meanwhile. */
void         td_test_iterate_for       (GMainContext   *context,
                                        guint           ms);
/* A TdTestCondFunc: *(gboolean *) @data. */
gboolean     td_test_is_true           (gpointer        data);

/* ---- the real server ---------------------------------------------------------- */

typedef struct
{
  TdServer *server;
  char     *dir;    /* a temporary folder: server.db, and whatever the test puts there */
  char     *db;
  char     *url;
  guint     port;   /* 0 before the first start; a restart listens on it again */
} TdTestServer;

/* Starts the server with a --demo database in @s's folder on 127.0.0.1
 * (port 0 the first time).  After s->server was cleared it starts again on
 * the same database and port.  @tz: the server's time zone (NULL: local). */
void         td_test_server_start      (TdTestServer          *s,
                                        const char            *tz);
/* The same with @options (demo customers, heartbeat, time zone); their
 * db_path and demo are set here. */
void         td_test_server_start_full (TdTestServer          *s,
                                        const TdServerOptions *options);
/* Waits until the server has no WebSocket session and no held poll left:
 * after the clients are gone, it saw every connection close. */
void         td_test_server_settle     (TdTestServer          *s);
/* Drops the server if it still runs, lets its connections close, deletes
 * the folder. */
void         td_test_server_free       (TdTestServer          *s);

/* ---- clients -------------------------------------------------------------------- */

typedef struct
{
  TdStore   *store;
  TdChannel *channel;
  char      *path;          /* the cache file; NULL: in memory */
  char      *token;
  guint      errors;        /* the channel's "error" signals */
  guint      typing;        /* its "typing" signals */
  guint      typing_note;   /* of those, in a note */
  char      *typing_who;    /* the sender of the last one */
} TdTestClient;

/* Opens c->store on @path (NULL: on c->path of an earlier open, or in
 * memory) and c->channel to @s as @token, with a fast backoff (30–200 ms)
 * and a 2 s poll wait; counts errors and typing.  Does not start it. */
void         td_test_client_open       (TdTestClient          *c,
                                        TdTestServer          *s,
                                        const char            *token,
                                        const char            *path);
/* Starts c->channel and waits until it is online and synced. */
void         td_test_client_go_online  (TdTestClient          *c);
/* A TdTestCondFunc on a TdTestClient: online and synced. */
gboolean     td_test_client_is_online  (gpointer               client);
/* Stops the channel; the channel and the store must finalize. */
void         td_test_client_close      (TdTestClient          *c);
/* Closes @c if open and deletes its cache files. */
void         td_test_client_free       (TdTestClient          *c);
/* Opens an inquiry line on @object_id and waits for the answer: the line
 * (owned), or NULL with @error. */
TdLine      *td_test_open_line         (TdChannel             *channel,
                                        const char            *object_id,
                                        GError               **error);
/* The same through @c, which must succeed: the line's id (owned). */
char        *td_test_client_open_line  (TdTestClient          *c,
                                        const char            *object_id);

/* ---- what a cache holds ----------------------------------------------------------- */

/* Waits until @store has @line_id with at least @count messages on disk. */
void         td_test_wait_messages     (TdStore               *store,
                                        const char            *line_id,
                                        gint64                 count);
/* TRUE when one of the last 200 messages of @line_id in @store is stored
 * (acked) and reads @text. */
gboolean     td_test_store_has_text    (TdStore               *store,
                                        const char            *line_id,
                                        const char            *text);
/* Waits until td_test_store_has_text(). */
void         td_test_wait_text         (TdStore               *store,
                                        const char            *line_id,
                                        const char            *text);

G_END_DECLS

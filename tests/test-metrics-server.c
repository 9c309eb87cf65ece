/* test-metrics-server.c — GET /v1/stats of the real server, in-process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A scripted sequence of customers and operators goes through the real
 * server over long-poll; the operator's own view of it (the lines and
 * messages it received, as a client would store them) fed to
 * td_metrics_compute() must give exactly the figures the server answers.
 * State-change times are not on the wire: the test reads them from the
 * server's database, which is what the server feeds its own computation.
 */
#define G_LOG_DOMAIN "tripdesk-test"
#include <string.h>

#include <libsoup/soup.h>
#include <sqlite3.h>

#include "td-json.h"
#include "td-line.h"
#include "td-message.h"
#include "td-metrics.h"
#include "td-server.h"
#include "td-stats.h"
#include "td-test-e2e.h"

#define TIMEOUT_MS 20000

typedef struct
{
  TdTestServer  srv;
  SoupSession  *session;
} Fixture;

typedef struct
{
  Fixture    *fx;
  const char *token;
  char       *session;       /* poll session */
  JsonNode   *cursor;        /* null until synced */
  GPtrArray  *packets;       /* JsonObject*, everything received */
  int         next_req;
} Actor;

/* ---- HTTP ------------------------------------------------------------- */

typedef struct
{
  gboolean  done;
  GBytes   *body;
  GError   *error;
} Reply;

static void
on_sent_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Reply *reply = user_data;

  reply->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                   &reply->error);
  reply->done = TRUE;
}

/* Returns the HTTP status; *out the JSON object of the body, if any. */
static guint
http (Fixture     *fx,
      const char  *method,
      const char  *path,
      const char  *token,
      const char  *body,
      JsonObject **out)
{
  g_autofree char *url = g_strconcat (fx->srv.url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  Reply reply = { 0, };
  gsize len = 0;
  const char *data;

  g_assert_nonnull (msg);
  if (token != NULL)
    {
      g_autofree char *bearer = g_strconcat ("Bearer ", token, NULL);

      soup_message_headers_replace (soup_message_get_request_headers (msg),
                                    "Authorization", bearer);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  soup_session_send_and_read_async (fx->session, msg, G_PRIORITY_DEFAULT, NULL,
                                    on_sent_cb, &reply);
  td_test_wait_until (NULL, td_test_is_true, &reply.done, TIMEOUT_MS, "the server");
  g_assert_no_error (reply.error);

  data = g_bytes_get_data (reply.body, &len);
  if (out != NULL)
    {
      g_autoptr(GError) error = NULL;

      *out = NULL;
      if (len > 0)
        {
          *out = td_json_parse_object (data, len, &error);
          g_assert_no_error (error);
        }
    }
  g_bytes_unref (reply.body);

  return soup_message_get_status (msg);
}

/* ---- one long-poll client --------------------------------------------- */

static Actor *
actor_new (Fixture    *fx,
           const char *token)
{
  Actor *a = g_new0 (Actor, 1);

  a->fx = fx;
  a->token = token;
  a->cursor = json_node_new (JSON_NODE_NULL);
  a->packets = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  return a;
}

static void
actor_free (Actor *a)
{
  g_free (a->session);
  json_node_unref (a->cursor);
  g_ptr_array_unref (a->packets);
  g_free (a);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Actor, actor_free)

/* One poll (wait 0) carrying @send (transfer full, nullable); repeats while
 * the server says "more".  Returns the packets of this exchange. */
static GPtrArray *
actor_poll (Actor     *a,
            JsonArray *send)
{
  GPtrArray *got = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gboolean more = TRUE;

  while (more)
    {
      g_autoptr(JsonObject) req = json_object_new ();
      g_autoptr(JsonObject) answer = NULL;
      g_autofree char *text = NULL;
      JsonArray *packets;
      guint status;

      if (a->session != NULL)
        json_object_set_string_member (req, "session", a->session);
      json_object_set_member (req, "cursor", json_node_copy (a->cursor));
      json_object_set_int_member (req, "wait", 0);
      if (send != NULL)
        json_object_set_array_member (req, "send", g_steal_pointer (&send));
      text = td_json_object_to_string (req, NULL);

      status = http (a->fx, "POST", "/v1/poll", a->token, text, &answer);
      g_assert_cmpuint (status, ==, 200);
      g_assert_nonnull (answer);

      packets = json_object_get_array_member (answer, "packets");
      for (guint i = 0; i < json_array_get_length (packets); i++)
        {
          JsonObject *p = json_array_get_object_element (packets, i);
          const char *type = json_object_get_string_member (p, "type");

          if (g_strcmp0 (type, "welcome") == 0 && json_object_has_member (p, "session"))
            {
              g_free (a->session);
              a->session = g_strdup (json_object_get_string_member (p, "session"));
            }
          if (g_strcmp0 (type, "error") == 0)
            g_error ("server error: %s: %s", json_object_get_string_member (p, "code"),
                     json_object_get_string_member (p, "message"));
          g_ptr_array_add (got, json_object_ref (p));
          g_ptr_array_add (a->packets, json_object_ref (p));
        }
      if (json_object_has_member (answer, "cursor") &&
          !json_object_get_null_member (answer, "cursor"))
        {
          json_node_unref (a->cursor);
          a->cursor = json_node_copy (json_object_get_member (answer, "cursor"));
        }
      more = json_object_has_member (answer, "more") &&
             json_object_get_boolean_member (answer, "more");
    }

  return got;
}

static JsonObject *
packet (Actor      *a,
        const char *type)
{
  JsonObject *p = json_object_new ();
  g_autofree char *req = g_strdup_printf ("r%d", ++a->next_req);

  json_object_set_int_member (p, "v", 1);
  json_object_set_string_member (p, "type", type);
  json_object_set_string_member (p, "req", req);
  return p;
}

/* Sends one packet and returns the first reply of @want_type (owned). */
static JsonObject *
actor_call (Actor      *a,
            JsonObject *p,          /* transfer full */
            const char *want_type)
{
  JsonArray *send = json_array_new ();
  g_autoptr(GPtrArray) got = NULL;

  json_array_add_object_element (send, p);
  got = actor_poll (a, send);
  for (guint i = 0; i < got->len; i++)
    {
      JsonObject *r = g_ptr_array_index (got, i);

      if (g_strcmp0 (json_object_get_string_member (r, "type"), want_type) == 0)
        return json_object_ref (r);
    }
  g_error ("no %s reply", want_type);
  return NULL;
}

static char *
actor_open (Actor      *a,
            const char *object_id)
{
  JsonObject *p = packet (a, "open");
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_string_member (p, "object_id", object_id);
  json_object_set_string_member (p, "busi", "inquiry");
  reply = actor_call (a, p, "line");
  return g_strdup (json_object_get_string_member (json_object_get_object_member (reply, "line"), "id"));
}

static void
actor_send (Actor      *a,
            const char *line,
            const char *kind,
            const char *text,
            int         score)
{
  JsonObject *p = packet (a, "send");
  JsonObject *body = json_object_new ();
  g_autofree char *rid = td_random_id_new ();
  g_autoptr(JsonObject) ack = NULL;

  json_object_set_string_member (p, "random_id", rid);
  json_object_set_string_member (p, "line", line);
  json_object_set_string_member (p, "kind", kind);
  if (score > 0)
    json_object_set_int_member (body, "score", score);
  else
    json_object_set_string_member (body, "text", text);
  json_object_set_object_member (p, "body", body);
  ack = actor_call (a, p, "ack");
  g_assert_false (json_object_get_boolean_member (ack, "dup"));
}

static void
actor_state (Actor      *a,
             const char *line,
             const char *state,
             const char *assignee)
{
  JsonObject *p = packet (a, "state");
  g_autoptr(JsonObject) reply = NULL;

  json_object_set_string_member (p, "line", line);
  json_object_set_string_member (p, "state", state);
  if (assignee != NULL)
    json_object_set_string_member (p, "assignee", assignee);
  reply = actor_call (a, p, "line");
}

/* ---- fixture ---------------------------------------------------------- */

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  TdServerOptions opts = { .demo_customers = 5, .tz = "+08:00" };

  td_test_server_start_full (&fx->srv, &opts);
  fx->session = soup_session_new_with_options ("max-conns-per-host", 8, NULL);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_object (&fx->session);
  /* let the server see the client connections close */
  td_test_iterate_for (NULL, 100);
  td_server_shutdown (fx->srv.server, 0);
  g_assert_finalize_object (g_steal_pointer (&fx->srv.server));
  while (g_main_context_iteration (NULL, FALSE))
    ;
  td_test_server_free (&fx->srv);
}

/* ---- the client's view → records -------------------------------------- */

typedef struct
{
  GPtrArray *lines;      /* TdLine, latest snapshot per id */
  GPtrArray *messages;   /* TdMessage, unique by id */
  GArray    *changes;    /* TdMetricsStateChange (strings in line_ids) */
  GPtrArray *line_ids;   /* owned strings of changes */
} View;

static void
view_clear (View *v)
{
  g_ptr_array_unref (v->lines);
  g_ptr_array_unref (v->messages);
  g_array_unref (v->changes);
  g_ptr_array_unref (v->line_ids);
}

static void
view_add_line (View       *v,
               JsonObject *object)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdLine) line = td_line_new_from_json (object, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < v->lines->len; i++)
    {
      TdLine *old = g_ptr_array_index (v->lines, i);

      if (g_strcmp0 (td_line_get_id (old), td_line_get_id (line)) == 0)
        {
          g_ptr_array_index (v->lines, i) = g_steal_pointer (&line);
          g_object_unref (old);
          return;
        }
    }
  g_ptr_array_add (v->lines, g_steal_pointer (&line));
}

static void
view_add_message (View       *v,
                  JsonObject *object)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdMessage) msg = td_message_new_from_json (object, TRUE, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < v->messages->len; i++)
    if (td_message_get_id (g_ptr_array_index (v->messages, i)) == td_message_get_id (msg))
      return;
  g_ptr_array_add (v->messages, g_steal_pointer (&msg));
}

static const char *
view_merchant_of (View       *v,
                  const char *line_id)
{
  for (guint i = 0; i < v->lines->len; i++)
    {
      TdLine *l = g_ptr_array_index (v->lines, i);

      if (g_strcmp0 (td_line_get_id (l), line_id) == 0)
        return td_line_get_merchant (l);
    }
  return NULL;
}

/* Everything the operator received: lines, messages (acks and events) */
static void
view_init (View  *v,
           Actor *op,
           const char *db_path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;

  v->lines = g_ptr_array_new_with_free_func (g_object_unref);
  v->messages = g_ptr_array_new_with_free_func (g_object_unref);
  v->changes = g_array_new (FALSE, TRUE, sizeof (TdMetricsStateChange));
  v->line_ids = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < op->packets->len; i++)
    {
      JsonObject *p = g_ptr_array_index (op->packets, i);
      const char *type = json_object_get_string_member (p, "type");

      if (g_strcmp0 (type, "line") == 0)
        view_add_line (v, json_object_get_object_member (p, "line"));
      else if (g_strcmp0 (type, "msg") == 0 || g_strcmp0 (type, "ack") == 0)
        view_add_message (v, json_object_get_object_member (p, "msg"));
      else if (g_strcmp0 (type, "history") == 0)
        {
          JsonArray *msgs = json_object_get_array_member (p, "messages");

          for (guint j = 0; j < json_array_get_length (msgs); j++)
            view_add_message (v, json_array_get_object_element (msgs, j));
        }
    }

  /* state-change times are not on the wire */
  g_assert_cmpint (sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT line_id, ts, from_state, to_state FROM line_states"
                                           " ORDER BY ts, id", -1, &st, NULL), ==, SQLITE_OK);
  while (sqlite3_step (st) == SQLITE_ROW)
    {
      TdMetricsStateChange c = { 0, };
      char *id = g_strdup ((const char *) sqlite3_column_text (st, 0));

      g_ptr_array_add (v->line_ids, id);
      c.line_id = id;
      c.ts = sqlite3_column_int64 (st, 1);
      g_assert_true (td_line_state_from_string ((const char *) sqlite3_column_text (st, 2), &c.from_state));
      g_assert_true (td_line_state_from_string ((const char *) sqlite3_column_text (st, 3), &c.to_state));
      g_array_append_val (v->changes, c);
    }
  sqlite3_finalize (st);
  sqlite3_close (db);
}

static TdStats *
view_compute (View       *v,
              const char *merchant,
              gint64      now)
{
  g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");
  g_autoptr(GArray) lines = g_array_new (FALSE, TRUE, sizeof (TdMetricsLine));
  g_autoptr(GArray) messages = g_array_new (FALSE, TRUE, sizeof (TdMetricsMessage));
  TdMetricsInput input = { 0, };

  for (guint i = 0; i < v->lines->len; i++)
    {
      TdMetricsLine l;

      td_metrics_line_init (&l, g_ptr_array_index (v->lines, i));
      g_array_append_val (lines, l);
    }
  for (guint i = 0; i < v->messages->len; i++)
    {
      TdMessage *msg = g_ptr_array_index (v->messages, i);
      TdMetricsMessage m;

      td_metrics_message_init (&m, msg, view_merchant_of (v, td_message_get_line_id (msg)));
      g_array_append_val (messages, m);
    }

  input.merchant = merchant;
  input.now = now;
  input.tz = tz;
  input.lines = (const TdMetricsLine *) (gpointer) lines->data;
  input.n_lines = lines->len;
  input.messages = (const TdMetricsMessage *) (gpointer) messages->data;
  input.n_messages = messages->len;
  input.changes = (const TdMetricsStateChange *) (gpointer) v->changes->data;
  input.n_changes = v->changes->len;

  return td_metrics_compute (&input);
}

static TdStats *
get_stats (Fixture    *fx,
           const char *token,
           const char *merchant)
{
  g_autofree char *path = g_strconcat ("/v1/stats?merchant=", merchant, NULL);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  TdStats *stats;

  g_assert_cmpuint (http (fx, "GET", path, token, NULL, &body), ==, 200);
  g_assert_nonnull (body);
  stats = td_stats_new_from_json (body, &error);
  g_assert_no_error (error);
  return stats;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_same_figures (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(Actor) alice = actor_new (fx, "demo-op-alice");
  g_autoptr(Actor) bob = actor_new (fx, "demo-op-bob");
  g_autoptr(Actor) c1 = actor_new (fx, "demo-cust-1");
  g_autoptr(Actor) c2 = actor_new (fx, "demo-cust-2");
  g_autoptr(Actor) c3 = actor_new (fx, "demo-cust-3");
  g_autoptr(Actor) c4 = actor_new (fx, "demo-cust-4");
  g_autofree char *l1 = NULL, *l2 = NULL, *l3 = NULL, *l4 = NULL;
  g_autoptr(GPtrArray) ignored = NULL;
  const char *merchants[] = { "m_lakeside", "m_skyline" };
  View view;

  /* everyone connects (snapshot, synced) */
  g_ptr_array_unref (actor_poll (alice, NULL));
  g_ptr_array_unref (actor_poll (bob, NULL));
  g_ptr_array_unref (actor_poll (c1, NULL));
  g_ptr_array_unref (actor_poll (c2, NULL));
  g_ptr_array_unref (actor_poll (c3, NULL));
  g_ptr_array_unref (actor_poll (c4, NULL));

  /* l1: asked, answered, two asks, answered, a note; assigned to alice */
  l1 = actor_open (c1, "m_lakeside");
  actor_send (c1, l1, "text", "Is breakfast included?", 0);
  g_ptr_array_unref (actor_poll (alice, NULL));
  actor_send (alice, l1, "text", "Yes, from 7 to 10.", 0);
  actor_send (c1, l1, "text", "And parking?", 0);
  actor_send (c1, l1, "text", "For two nights.", 0);
  actor_send (alice, l1, "text", "Parking is free.", 0);
  actor_send (alice, l1, "note", "VIP guest", 0);
  actor_state (alice, l1, "open", "o_alice");

  /* l2: never answered */
  l2 = actor_open (c2, "m_lakeside/order/TD-1001");
  actor_send (c2, l2, "text", "Can I change my dates?", 0);

  /* l3: answered, resolved, rated (which reopens it), resolved again */
  l3 = actor_open (c3, "m_lakeside");
  actor_send (c3, l3, "text", "Late check-in possible?", 0);
  actor_send (alice, l3, "text", "Sure, until midnight.", 0);
  actor_state (alice, l3, "resolved", NULL);
  actor_send (c3, l3, "rating", NULL, 5);
  g_ptr_array_unref (actor_poll (alice, NULL));
  actor_state (alice, l3, "resolved", NULL);

  /* l4: another merchant, answered by bob */
  l4 = actor_open (c4, "m_skyline");
  actor_send (c4, l4, "text", "Is the tour on Sunday?", 0);
  actor_send (bob, l4, "text", "Yes, at 9.", 0);
  actor_state (bob, l4, "pending", NULL);

  /* alice's view: everything of her merchants */
  ignored = actor_poll (alice, NULL);
  view_init (&view, alice, fx->srv.db);

  for (guint i = 0; i < G_N_ELEMENTS (merchants); i++)
    {
      g_autoptr(TdStats) server = get_stats (fx, "demo-op-alice", merchants[i]);
      g_autoptr(TdStats) local = view_compute (&view, merchants[i], server->as_of);
      g_autofree char *a = td_stats_to_string (server);
      g_autofree char *b = td_stats_to_string (local);

      g_test_message ("server %s", a);
      g_assert_cmpstr (a, ==, b);
      g_assert_cmpstr (server->tz, ==, "+08:00");
    }

  /* and the figures are the script's */
  {
    g_autoptr(TdStats) s = get_stats (fx, "demo-op-alice", "m_lakeside");
    const TdStatsOperator *op;

    g_assert_cmpint (s->open, ==, 2);            /* l1, l2 */
    g_assert_cmpint (s->unassigned, ==, 1);      /* l2 */
    g_assert_cmpint (s->waiting, ==, 1);         /* l2 */
    g_assert_cmpstr (s->longest_wait_line, ==, l2);
    g_assert_cmpint (s->first_response_today.count, ==, 2);   /* l1, l3 */
    g_assert_cmpint (s->first_response_today.unanswered, ==, 1); /* l2 */
    g_assert_cmpint (s->next_response_today.count, ==, 3);    /* l1 ×2, l3 */
    g_assert_cmpint (s->next_response_today.unanswered, ==, 1);
    g_assert_cmpint (s->resolved_today, ==, 1);
    g_assert_cmpint (s->resolution_week.count, ==, 1);
    g_assert_cmpint (s->reopen_resolved, ==, 1);
    g_assert_cmpint (s->reopen_reopened, ==, 1);
    g_assert_cmpint (s->csat_count, ==, 1);
    g_assert_true (s->csat_average == 5.0);
    op = td_stats_find_operator (s, "o_alice");
    g_assert_nonnull (op);
    g_assert_cmpint (op->assigned_open, ==, 1);
    g_assert_cmpint (op->messages_today, ==, 3);   /* the note is not counted */
    g_assert_null (td_stats_find_operator (s, "o_bob"));
  }

  view_clear (&view);
}

static void
test_refused (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(JsonObject) body = NULL;

  /* bob is not an operator of m_lakeside */
  g_assert_cmpuint (http (fx, "GET", "/v1/stats?merchant=m_lakeside", "demo-op-bob", NULL, &body), ==, 403);
  g_clear_pointer (&body, json_object_unref);
  /* nor is a customer an operator of anything */
  g_assert_cmpuint (http (fx, "GET", "/v1/stats?merchant=m_lakeside", "demo-cust-1", NULL, &body), ==, 403);
  g_clear_pointer (&body, json_object_unref);
  /* a merchant alice does not belong to */
  g_assert_cmpuint (http (fx, "GET", "/v1/stats?merchant=m_harbor", "demo-op-alice", NULL, &body), ==, 403);
  g_clear_pointer (&body, json_object_unref);
  /* no token */
  g_assert_cmpuint (http (fx, "GET", "/v1/stats?merchant=m_lakeside", NULL, NULL, &body), ==, 401);
  g_clear_pointer (&body, json_object_unref);
  /* but bob's own merchant is fine, and empty: nulls */
  {
    g_autoptr(TdStats) s = get_stats (fx, "demo-op-bob", "m_skyline");

    g_assert_cmpstr (s->merchant, ==, "m_skyline");
    g_assert_cmpint (s->first_response_week.count, ==, 0);
    g_assert_cmpint (s->first_response_week.median_ms, ==, TD_STATS_NO_VALUE);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/tripdesk/metrics-server/same-figures", Fixture, NULL,
              fixture_set_up, test_same_figures, fixture_tear_down);
  g_test_add ("/tripdesk/metrics-server/refused", Fixture, NULL,
              fixture_set_up, test_refused, fixture_tear_down);

  return g_test_run ();
}

/* test-bus.c — TdBus: detailed signals, the interceptor chain, metrics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include "td-bus.h"
#include "td-json.h"

typedef struct
{
  guint packets;
  guint msgs;
  guint lines;
  guint inquiry;
  guint feedback;
  guint unknown_busi;
  guint errors;
  guint unknown_type;
  GError *last_error;
} Seen;

static void
on_packet (TdBus    *bus,
           TdPacket *p,
           Seen     *s)
{
  s->packets++;
}

static void
on_msg (TdBus    *bus,
        TdPacket *p,
        Seen     *s)
{
  g_assert_cmpint (p->type, ==, TD_PACKET_MSG);
  s->msgs++;
}

static void
on_line (TdBus    *bus,
         TdPacket *p,
         Seen     *s)
{
  g_assert_cmpint (p->type, ==, TD_PACKET_LINE);
  s->lines++;
}

static void
on_unknown_type (TdBus    *bus,
                 TdPacket *p,
                 Seen     *s)
{
  s->unknown_type++;
}

static void
on_inquiry (TdBus     *bus,
            TdMessage *m,
            TdPacket  *p,
            Seen      *s)
{
  g_assert_true (p->msg == m);
  s->inquiry++;
}

static void
on_feedback (TdBus     *bus,
             TdMessage *m,
             TdPacket  *p,
             Seen      *s)
{
  s->feedback++;
}

static void
on_unknown_busi (TdBus     *bus,
                 TdMessage *m,
                 TdPacket  *p,
                 Seen      *s)
{
  s->unknown_busi++;
}

static void
on_error (TdBus        *bus,
          const GError *error,
          Seen         *s)
{
  s->errors++;
  g_clear_error (&s->last_error);
  s->last_error = g_error_copy (error);
}

static void
connect_all (TdBus *bus,
             Seen  *s)
{
  g_signal_connect (bus, "packet", G_CALLBACK (on_packet), s);
  g_signal_connect (bus, "packet::msg", G_CALLBACK (on_msg), s);
  g_signal_connect (bus, "packet::line", G_CALLBACK (on_line), s);
  g_signal_connect (bus, "packet::unknown", G_CALLBACK (on_unknown_type), s);
  g_signal_connect (bus, "message::inquiry", G_CALLBACK (on_inquiry), s);
  g_signal_connect (bus, "message::feedback", G_CALLBACK (on_feedback), s);
  g_signal_connect (bus, "message::unknown", G_CALLBACK (on_unknown_busi), s);
  g_signal_connect (bus, "error", G_CALLBACK (on_error), s);
}

#define LINE_JSON(id, busi, cursor) \
  "{\"v\":1,\"type\":\"line\",\"cursor\":" #cursor ",\"line\":{\"id\":\"" id "\",\"uid\":\"c_1\"," \
  "\"customer_name\":\"Ann\",\"object_id\":\"m_lakeside\",\"busi\":\"" busi "\",\"merchant\":\"m_lakeside\"," \
  "\"title\":\"t\",\"state\":\"open\",\"assignee\":null,\"snooze_until\":null,\"last_seq\":0," \
  "\"created\":1,\"updated\":1}}"

#define MSG_JSON(id, line, seq, cursor) \
  "{\"v\":1,\"type\":\"msg\",\"cursor\":" #cursor ",\"msg\":{\"id\":" #id ",\"line\":\"" line "\"," \
  "\"line_seq\":" #seq ",\"sender\":{\"id\":\"c_1\",\"role\":\"customer\",\"name\":\"Ann\"}," \
  "\"kind\":\"text\",\"body\":{\"text\":\"hi\"},\"ts\":1764460800000,\"random_id\":\"abcdefghijklmnop1\"}}"

static TdPacket *
push (TdBus      *bus,
      const char *json)
{
  return td_bus_push_data (bus, json, strlen (json), "test");
}

static void
test_detailed_signals (void)
{
  g_autoptr(TdBus) bus = td_bus_new_default (NULL);
  Seen s = { 0, };
  g_autoptr(TdPacket) p = NULL;
  const TdBusMetrics *m = td_bus_get_metrics (bus);

  connect_all (bus, &s);
  g_assert_cmpuint (td_bus_get_n_interceptors (bus), ==, 3);   /* parse, error, metrics */

  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, LINE_JSON ("ml_1", "inquiry", 1));
  g_assert_nonnull (p);
  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, LINE_JSON ("ml_2", "feedback", 2));
  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, MSG_JSON (1, "ml_1", 1, 3));
  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, MSG_JSON (2, "ml_2", 1, 4));
  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, MSG_JSON (3, "ml_9", 1, 5));   /* a line the bus has not seen */
  g_clear_pointer (&p, td_packet_unref);
  p = push (bus, "{\"v\":1,\"type\":\"from_the_future\",\"x\":1}");
  g_assert_nonnull (p);
  g_assert_cmpint (p->type, ==, TD_PACKET_UNKNOWN);

  g_assert_cmpuint (s.packets, ==, 6);
  g_assert_cmpuint (s.lines, ==, 2);
  g_assert_cmpuint (s.msgs, ==, 3);
  g_assert_cmpuint (s.inquiry, ==, 1);
  g_assert_cmpuint (s.feedback, ==, 1);
  g_assert_cmpuint (s.unknown_busi, ==, 1);
  g_assert_cmpuint (s.unknown_type, ==, 1);
  g_assert_cmpuint (s.errors, ==, 0);

  g_assert_cmpuint (m->frames, ==, 6);
  g_assert_cmpuint (m->dispatched, ==, 6);
  g_assert_cmpuint (m->per_type[TD_PACKET_MSG], ==, 3);
  g_assert_cmpuint (m->per_type[TD_PACKET_LINE], ==, 2);
  g_assert_cmpuint (m->bytes, >, 500);
  td_bus_reset_metrics (bus);
  g_assert_cmpuint (m->frames, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&bus));
}

static gboolean
busi_func (const char *line_id,
           TdBusi     *busi,
           gpointer    data)
{
  if (g_strcmp0 (line_id, "ml_9") != 0)
    return FALSE;
  *busi = TD_BUSI_FEEDBACK;
  return TRUE;
}

static void
test_busi_func (void)
{
  g_autoptr(TdBus) bus = td_bus_new_default (NULL);
  g_autoptr(TdPacket) p = NULL;
  Seen s = { 0, };

  connect_all (bus, &s);
  td_bus_set_busi_func (bus, busi_func, NULL, NULL);
  p = push (bus, MSG_JSON (3, "ml_9", 1, 5));
  g_assert_cmpuint (s.feedback, ==, 1);
  g_assert_cmpuint (s.unknown_busi, ==, 0);
  g_assert_finalize_object (g_steal_pointer (&bus));
}

static void
test_errors (void)
{
  g_autoptr(TdBus) bus = td_bus_new_default (NULL);
  const TdBusMetrics *m = td_bus_get_metrics (bus);
  Seen s = { 0, };
  const char *bad[] = {
    "",
    "not json",
    "{\"v\":1,\"type\":\"msg\"}",                          /* missing fields */
    "{\"v\":2,\"type\":\"pong\",\"server_time\":1}",        /* wrong version */
    "{\"v\":1,\"type\":\"pong\",\"server_time\":1} trailing",
    "{'v':1}",
    "[1,2,3]",
    "{\"v\":1,\"type\":\"hello\",\"cursor\":null,\"client\":\"x\"}",  /* a client packet */
  };

  connect_all (bus, &s);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(TdPacket) p = push (bus, bad[i]);

      g_assert_null (p);
      g_assert_cmpuint (s.errors, ==, i + 1);
      g_assert_true (s.last_error->domain == TD_PROTOCOL_ERROR);
    }
  g_assert_cmpuint (s.packets, ==, 0);
  g_assert_cmpuint (m->parse_errors, ==, G_N_ELEMENTS (bad));
  g_assert_cmpuint (m->stopped, ==, G_N_ELEMENTS (bad));

  /* an error packet: a GError with its code, and packet::error still sees it */
  {
    g_autoptr(TdPacket) p = push (bus, "{\"v\":1,\"type\":\"error\",\"code\":\"forbidden\","
                                       "\"message\":\"not yours\",\"ref\":\"r1\"}");

    g_assert_nonnull (p);
    g_assert_error (s.last_error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_FORBIDDEN);
    g_assert_cmpstr (s.last_error->message, ==, "not yours");
    g_assert_cmpuint (s.packets, ==, 1);
    g_assert_cmpuint (m->error_packets, ==, 1);
  }
  g_clear_error (&s.last_error);
  g_assert_finalize_object (g_steal_pointer (&bus));
}

/* ---- custom interceptors ---------------------------------------------------- */

#define TEST_TYPE_STOPPER (test_stopper_get_type ())
G_DECLARE_FINAL_TYPE (TestStopper, test_stopper, TEST, STOPPER, GObject)
struct _TestStopper
{
  GObject      parent_instance;
  TdPacketType stop;
  guint        seen;
};

static gboolean
stopper_intercept (TdInterceptor *i,
                   TdBus         *bus,
                   TdBusFrame    *frame)
{
  TestStopper *self = TEST_STOPPER (i);

  self->seen++;
  return frame->packet == NULL || frame->packet->type != self->stop;
}

static void test_stopper_iface_init (TdInterceptorInterface *iface) { iface->intercept = stopper_intercept; }
G_DEFINE_FINAL_TYPE_WITH_CODE (TestStopper, test_stopper, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_INTERCEPTOR, test_stopper_iface_init))
static void test_stopper_class_init (TestStopperClass *klass) { }
static void test_stopper_init (TestStopper *self) { }

#define TEST_TYPE_KNOWN (test_known_get_type ())
G_DECLARE_FINAL_TYPE (TestKnown, test_known, TEST, KNOWN, GObject)
struct _TestKnown
{
  GObject parent_instance;
  gint64  cursor;
};

static gboolean
known_contains (TdKnownEvents *k,
                TdPacket      *p)
{
  return p->has_cursor && p->type != TD_PACKET_SYNCED && p->cursor <= TEST_KNOWN (k)->cursor;
}

static void test_known_iface_init (TdKnownEventsInterface *iface) { iface->contains = known_contains; }
G_DEFINE_FINAL_TYPE_WITH_CODE (TestKnown, test_known, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_KNOWN_EVENTS, test_known_iface_init))
static void test_known_class_init (TestKnownClass *klass) { }
static void test_known_init (TestKnown *self) { }

static void
test_chain (void)
{
  g_autoptr(TestKnown) known = g_object_new (TEST_TYPE_KNOWN, NULL);
  g_autoptr(TdBus) bus = td_bus_new_default (TD_KNOWN_EVENTS (known));
  g_autoptr(TestStopper) stopper = g_object_new (TEST_TYPE_STOPPER, NULL);
  const TdBusMetrics *m = td_bus_get_metrics (bus);
  Seen s = { 0, };
  TdPacket *p;

  connect_all (bus, &s);
  g_assert_cmpuint (td_bus_get_n_interceptors (bus), ==, 4);

  /* the filter: already stored events stop there */
  known->cursor = 10;
  p = push (bus, MSG_JSON (1, "ml_1", 1, 9));
  g_assert_null (p);
  p = push (bus, MSG_JSON (1, "ml_1", 1, 10));
  g_assert_null (p);
  p = push (bus, MSG_JSON (2, "ml_1", 2, 11));
  g_assert_nonnull (p);
  td_packet_unref (p);
  g_assert_cmpuint (s.msgs, ==, 1);
  g_assert_cmpuint (m->filtered, ==, 2);

  /* a custom interceptor after parse stops `line` packets */
  stopper->stop = TD_PACKET_LINE;
  td_bus_insert_interceptor (bus, TD_INTERCEPTOR (stopper), 1);
  g_assert_cmpuint (td_bus_get_n_interceptors (bus), ==, 5);
  p = push (bus, LINE_JSON ("ml_3", "inquiry", 20));
  g_assert_null (p);
  g_assert_cmpuint (s.lines, ==, 0);
  p = push (bus, MSG_JSON (3, "ml_1", 3, 21));
  g_assert_nonnull (p);
  td_packet_unref (p);
  g_assert_cmpuint (stopper->seen, ==, 2);

  td_bus_remove_interceptor (bus, TD_INTERCEPTOR (stopper));
  p = push (bus, LINE_JSON ("ml_3", "inquiry", 22));
  g_assert_nonnull (p);
  td_packet_unref (p);
  g_assert_cmpuint (s.lines, ==, 1);
  g_assert_cmpuint (stopper->seen, ==, 2);

  /* poll elements come as objects */
  {
    g_autoptr(JsonObject) obj = td_json_parse_object (MSG_JSON (4, "ml_1", 4, 30), strlen (MSG_JSON (4, "ml_1", 4, 30)), NULL);

    p = td_bus_push_object (bus, obj, "long-poll");
    g_assert_nonnull (p);
    td_packet_unref (p);
    g_assert_cmpuint (s.msgs, ==, 3);
  }

  /* the filter does not keep its source alive */
  g_assert_finalize_object (g_steal_pointer (&known));
  p = push (bus, MSG_JSON (1, "ml_1", 1, 1));
  g_assert_nonnull (p);
  td_packet_unref (p);

  /* a bus with nothing in its chain dispatches nothing */
  {
    g_autoptr(TdBus) empty = td_bus_new ();
    Seen e = { 0, };

    connect_all (empty, &e);
    g_assert_null (push (empty, MSG_JSON (1, "ml_1", 1, 1)));
    g_assert_cmpuint (e.packets, ==, 0);
    g_assert_cmpuint (td_bus_get_metrics (empty)->stopped, ==, 1);
  }

  g_assert_finalize_object (g_steal_pointer (&bus));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/tripdesk/bus/detailed-signals", test_detailed_signals);
  g_test_add_func ("/tripdesk/bus/busi-func", test_busi_func);
  g_test_add_func ("/tripdesk/bus/errors", test_errors);
  g_test_add_func ("/tripdesk/bus/chain", test_chain);

  return g_test_run ();
}

/* test-app.c — TdApplication against the in-process demo server, under
 * dbus-run-session with a fake notification daemon (python3-dbusmock)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>

#include "td-application.h"
#include "td-test-e2e.h"
#include "td-chat-view.h"
#include "td-composer.h"
#include "td-line-list.h"
#include "td-message-row.h"
#include "td-server.h"
#include "td-widgets.h"

#define TIMEOUT_S 20

static TdApplication *app;
static GSubprocess *mock;

/* ---- helpers ---- */

typedef TdTestCondFunc Condition;

/* blocks between events, never sleeps; fails the test on timeout */
#define wait_until(condition, data, what) \
  td_test_wait_until (NULL, (condition), (data), TIMEOUT_S * 1000, (what))

static GDBusConnection *
session_bus (void)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  g_assert_no_error (error);
  g_object_unref (bus);  /* the singleton stays alive */

  return bus;
}

static gboolean
name_has_owner (const char *name)
{
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (session_bus (), "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                 "org.freedesktop.DBus", "NameHasOwner", g_variant_new ("(s)", name),
                                 G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  gboolean owned = FALSE;

  if (reply)
    g_variant_get (reply, "(b)", &owned);

  return owned;
}

static gboolean
mock_is_up (gpointer data)
{
  return name_has_owner ("org.freedesktop.Notifications");
}

static void
start_mock (void)
{
  g_autoptr(GError) error = NULL;

  mock = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error,
                           "/usr/bin/python3", "-m", "dbusmock", "--template", "notification_daemon", NULL);
  g_assert_no_error (error);
  wait_until (mock_is_up, NULL, "the fake notification daemon");
}

/* Notify calls whose summary is @summary: their (replaces_id, body) */
static GPtrArray *
mock_notify_calls (const char *summary)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (session_bus (), "org.freedesktop.Notifications",
                                 "/org/freedesktop/Notifications", "org.freedesktop.DBus.Mock",
                                 "GetMethodCalls", g_variant_new ("(s)", "Notify"),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) calls = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);
  GVariantIter iter;
  GVariant *args;
  guint64 ts;

  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);
  g_variant_iter_init (&iter, calls);
  while (g_variant_iter_next (&iter, "(t@av)", &ts, &args))
    {
      g_autoptr(GVariant) s = g_variant_get_variant (g_variant_get_child_value (args, 3));
      g_autoptr(GVariant) body = g_variant_get_variant (g_variant_get_child_value (args, 4));
      g_autoptr(GVariant) replaces = g_variant_get_variant (g_variant_get_child_value (args, 1));

      if (g_strcmp0 (g_variant_get_string (s, NULL), summary) == 0)
        g_ptr_array_add (found, g_strdup_printf ("%u|%s", g_variant_get_uint32 (replaces),
                                                 g_variant_get_string (body, NULL)));
      g_variant_unref (args);
    }

  return found;
}

static guint
mock_count (const char *method)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
    g_dbus_connection_call_sync (session_bus (), "org.freedesktop.Notifications",
                                 "/org/freedesktop/Notifications", "org.freedesktop.DBus.Mock",
                                 "GetMethodCalls", g_variant_new ("(s)", method),
                                 NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_autoptr(GVariant) calls = NULL;

  g_assert_no_error (error);
  calls = g_variant_get_child_value (reply, 0);

  return g_variant_n_children (calls);
}

static gboolean
channel_ready (gpointer data)
{
  TdChannel *channel = data;

  return td_channel_get_state (channel) == TD_CHANNEL_STATE_ONLINE && td_channel_get_synced (channel);
}

typedef struct
{
  TdChannel *channel;
  TdLine    *line;
} Customer;

/* A traveller on the server at @url, with its own in-memory cache */
static Customer *
customer_new_at (const char *url,
                 const char *token,
                 const char *object_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdStore) store = td_store_new (NULL, &error);
  Customer *customer = g_new0 (Customer, 1);

  g_assert_no_error (error);
  customer->channel = td_channel_new (url, token, store, NULL);
  td_channel_start (customer->channel);
  wait_until (channel_ready, customer->channel, "the customer's channel");

  customer->line = td_test_open_line (customer->channel, object_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (customer->line);

  return customer;
}

/* A traveller on the demo server */
static Customer *
customer_new (const char *token,
              const char *object_id)
{
  return customer_new_at (td_application_get_demo_url (app), token, object_id);
}

static void
customer_free (Customer *customer)
{
  td_channel_stop (customer->channel);
  g_clear_object (&customer->line);
  g_clear_object (&customer->channel);
  g_free (customer);
}

typedef struct
{
  GListModel *model;
  const char *line_id;
} InModel;

static gboolean
model_has_line (GListModel *model,
                const char *line_id)
{
  for (guint i = 0; model && i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (model, i);

      if (g_strcmp0 (td_line_get_id (line), line_id) == 0)
        return TRUE;
    }

  return FALSE;
}

static gboolean
shown_in_window (gpointer data)
{
  const char *line_id = data;

  return model_has_line (td_window_get_lines (td_application_get_window (app)), line_id);
}

typedef struct
{
  TdStore    *store;
  const char *line_id;
  const char *text;
  TdRole      role;
} StoredText;

static gboolean
store_has_text (gpointer data)
{
  StoredText *st = data;
  g_autoptr(GPtrArray) messages = NULL;

  td_store_sync (st->store);
  messages = td_store_load_messages_sync (st->store, st->line_id, NULL, 50, NULL, NULL);
  for (guint i = 0; messages && i < messages->len; i++)
    {
      TdMessage *m = g_ptr_array_index (messages, i);
      g_autofree char *text = td_message_dup_search_text (m);

      if (td_message_get_sender_role (m) == st->role &&
          td_message_get_delivery (m) == TD_DELIVERY_STORED &&
          g_strcmp0 (text, st->text) == 0)
        return TRUE;
    }

  return FALSE;
}

static void
save_window_png (const char *name)
{
  GtkWidget *window = GTK_WIDGET (td_application_get_window (app));
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  int w = 0, h = 0;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_BUILT, name, NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  /* In the middle of a relayout the window has no render node yet (a
   * loaded machine shows it): take the picture once it has one. */
  while (node == NULL)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      w = gtk_widget_get_width (window);
      h = gtk_widget_get_height (window);
      gdk_paintable_snapshot (paintable, snapshot, w, h);
      node = gtk_snapshot_free_to_node (snapshot);
      if (node != NULL)
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the window never drew a frame for %s", name);
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  g_object_unref (paintable);
}

/* ---- tests ---- */

/* The real executable: starts, owns its name, quits through its action. */
static gboolean
subprocess_owns_name (gpointer data)
{
  return name_has_owner (APP_ID);
}

static void
test_executable_demo (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  const char *exe = g_getenv ("TRIPDESK_EXE");
  gint64 deadline;

  if (exe == NULL)
    {
      g_test_skip ("TRIPDESK_EXE is not set");
      return;
    }

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, exe, "--demo", NULL);
  g_assert_no_error (error);
  wait_until (subprocess_owns_name, NULL, "tripdesk --demo on the bus");

  /* Let it connect and take traffic for a moment, then quit as GNOME does */
  deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  g_assert_nonnull (g_subprocess_get_identifier (process));

  g_dbus_connection_call_sync (session_bus (), APP_ID, "/io/github/tripdesk/Tripdesk",
                               "org.gtk.Actions", "Activate",
                               g_variant_new ("(sava{sv})", "quit", NULL, NULL),
                               NULL, G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
  g_assert_no_error (error);
  g_subprocess_wait_check (process, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (name_has_owner (APP_ID));
}

static gboolean
has_traffic (gpointer data)
{
  GListModel *lines = td_window_get_lines (data);

  return lines != NULL && g_list_model_get_n_items (lines) >= 2;
}

static void
test_demo_starts (void)
{
  g_autoptr(GError) error = NULL;
  TdWindow *window;

  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  g_assert_true (td_application_start_demo (app, &error));
  g_assert_no_error (error);
  g_assert_nonnull (td_application_get_demo_url (app));
  window = td_application_get_window (app);
  g_assert_nonnull (window);
  gtk_window_set_default_size (GTK_WINDOW (window), 1360, 860);
  gtk_window_present (GTK_WINDOW (window));

  wait_until (channel_ready, td_application_get_channel (app), "Alice online");
  g_assert_cmpstr (td_channel_get_me_id (td_application_get_channel (app)), ==, "o_alice");
  g_assert_nonnull (td_window_get_lines (window));

  /* The simulated travellers write in */
  td_window_set_view (window, TD_VIEW_ALL_OPEN);
  wait_until (has_traffic, window, "simulated traffic");
}

static void
test_packet_in_list (void)
{
  TdWindow *window = td_application_get_window (app);
  Customer *emma = customer_new ("demo-cust-1", "m_lakeside/order/TD-1001");
  const char *line_id = td_line_get_id (emma->line);
  g_autofree char *random_id = NULL;

  td_window_set_merchant (window, NULL);
  td_window_set_view (window, TD_VIEW_WAITING);

  random_id = td_channel_send_text (emma->channel, line_id, "Hello, is breakfast included?");
  wait_until (shown_in_window, (gpointer) line_id, "the line in Waiting");

  /* the right merchant, the right view, nowhere else */
  td_window_set_merchant (window, "m_lakeside");
  g_assert_true (model_has_line (td_window_get_lines (window), line_id));
  td_window_set_merchant (window, "m_skyline");
  g_assert_false (model_has_line (td_window_get_lines (window), line_id));
  td_window_set_merchant (window, NULL);
  td_window_set_view (window, TD_VIEW_RESOLVED);
  g_assert_false (model_has_line (td_window_get_lines (window), line_id));
  td_window_set_view (window, TD_VIEW_ALL_OPEN);
  g_assert_true (model_has_line (td_window_get_lines (window), line_id));
  td_window_set_view (window, TD_VIEW_WAITING);

  customer_free (emma);
}

static void
test_composer_reaches_server (void)
{
  TdWindow *window = td_application_get_window (app);
  Customer *emma = customer_new ("demo-cust-1", "m_lakeside/order/TD-1001");
  const char *line_id = td_line_get_id (emma->line);
  TdChatView *chat = td_window_get_chat_view (window);
  StoredText at_customer = { td_channel_get_store (emma->channel), line_id,
                             "Yes, breakfast is included from 7 to 10.", TD_ROLE_OPERATOR };
  StoredText at_operator = { td_channel_get_store (td_application_get_channel (app)), line_id,
                             at_customer.text, TD_ROLE_OPERATOR };

  wait_until (shown_in_window, (gpointer) line_id, "the line");
  g_assert_true (td_window_open_line (window, line_id));
  g_assert_true (td_chat_view_get_line (chat) != NULL);
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (chat)), ==, line_id);

  td_composer_set_text (td_chat_view_get_composer (chat), at_customer.text);
  g_assert_true (td_composer_submit (td_chat_view_get_composer (chat)));

  /* Acked in the operator's cache, delivered to the customer's */
  wait_until (store_has_text, &at_operator, "the ack");
  wait_until (store_has_text, &at_customer, "the message at the customer");

  customer_free (emma);
}

static const char *visible_line;

static gboolean
fake_visible (const char *line_id,
              gpointer    user_data)
{
  return g_strcmp0 (line_id, visible_line) == 0;
}

typedef struct
{
  const char *summary;
  guint       n;
} NotifyWait;

static gboolean
notified (gpointer data)
{
  NotifyWait *w = data;
  g_autoptr(GPtrArray) calls = mock_notify_calls (w->summary);

  return calls->len >= w->n;
}

static gboolean
closed (gpointer data)
{
  return mock_count ("CloseNotification") >= GPOINTER_TO_UINT (data);
}

static void
test_notifications (void)
{
  TdChannel *channel = td_application_get_channel (app);
  TdStore *store = td_channel_get_store (channel);
  TdNotifier *notifier = td_application_get_notifier (app);
  Customer *reading = customer_new ("demo-cust-2", "m_lakeside");
  Customer *other = customer_new ("demo-cust-3", "m_skyline");
  StoredText seen = { store, td_line_get_id (reading->line), "Are pets allowed?", TD_ROLE_CUSTOMER };
  StoredText third = { store, td_line_get_id (other->line), "Third one", TD_ROLE_CUSTOMER };
  const char *reading_name = td_line_get_customer_name (reading->line);
  const char *other_name = td_line_get_customer_name (other->line);
  NotifyWait w = { other_name, 1 };
  g_autoptr(GPtrArray) calls = NULL;
  guint closes;

  g_assert_cmpstr (reading_name, !=, other_name);
  visible_line = td_line_get_id (reading->line);
  td_application_set_line_visible_func (app, fake_visible, NULL);
  td_notifier_set_delay (notifier, 300);

  /* The line being read: nothing */
  g_free (td_channel_send_text (reading->channel, td_line_get_id (reading->line), seen.text));
  wait_until (store_has_text, &seen, "the message of the line on screen");
  td_notifier_flush (notifier);
  calls = mock_notify_calls (reading_name);
  g_assert_cmpuint (calls->len, ==, 0);
  g_clear_pointer (&calls, g_ptr_array_unref);

  /* Another line: a burst of three becomes one notification */
  g_free (td_channel_send_text (other->channel, td_line_get_id (other->line), "First"));
  g_free (td_channel_send_text (other->channel, td_line_get_id (other->line), "Second"));
  g_free (td_channel_send_text (other->channel, td_line_get_id (other->line), third.text));
  wait_until (store_has_text, &third, "the burst");
  wait_until (notified, &w, "a notification");
  td_notifier_flush (notifier);
  calls = mock_notify_calls (other_name);
  g_assert_cmpuint (calls->len, ==, 1);
  g_assert_true (g_str_has_prefix (g_ptr_array_index (calls, 0), "0|"));
  g_assert_cmpstr (strchr (g_ptr_array_index (calls, 0), '|') + 1, ==, "3 new messages");
  g_clear_pointer (&calls, g_ptr_array_unref);

  /* One more: the same notification, replaced */
  third.text = "Fourth";
  g_free (td_channel_send_text (other->channel, td_line_get_id (other->line), third.text));
  wait_until (store_has_text, &third, "the fourth message");
  w.n = 2;
  wait_until (notified, &w, "the replacement");
  calls = mock_notify_calls (other_name);
  g_assert_cmpuint (calls->len, ==, 2);
  g_assert_false (g_str_has_prefix (g_ptr_array_index (calls, 1), "0|"));
  g_assert_cmpstr (strchr (g_ptr_array_index (calls, 1), '|') + 1, ==, "4 new messages");
  g_assert_cmpuint (td_notifier_get_count (notifier, td_line_get_id (other->line)), ==, 4);

  /* Activating it (app.open-line) opens the line and withdraws it */
  closes = mock_count ("CloseNotification");
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-line",
                                  g_variant_new_string (td_line_get_id (other->line)));
  g_assert_cmpstr (td_line_get_id (td_chat_view_get_line (td_window_get_chat_view (td_application_get_window (app)))),
                   ==, td_line_get_id (other->line));
  wait_until (closed, GUINT_TO_POINTER (closes + 1), "CloseNotification");
  g_assert_cmpuint (td_notifier_get_count (notifier, td_line_get_id (other->line)), ==, 0);

  td_application_set_line_visible_func (app, NULL, NULL);
  customer_free (reading);
  customer_free (other);
}

typedef struct
{
  const char *line_id;
  gint64      upto;
} ReadSeen;

static void
on_customer_read_cb (TdBus    *bus,
                     TdPacket *packet,
                     ReadSeen *seen)
{
  if (g_strcmp0 (packet->line_id, seen->line_id) == 0 && g_strcmp0 (packet->reader, "o_alice") == 0)
    seen->upto = MAX (seen->upto, packet->upto);
}

static gboolean
operator_read_seen (gpointer data)
{
  return ((ReadSeen *) data)->upto >= 1;
}

static gboolean
customer_read_shown (gpointer data)
{
  return td_chat_view_get_customer_read (td_window_get_chat_view (td_application_get_window (app))) >= 2;
}

static gboolean
typing_shown (gpointer data)
{
  const char *text = td_chat_view_get_typing_text (td_window_get_chat_view (td_application_get_window (app)));

  return text != NULL && strstr (text, "is typing") != NULL;
}

static gboolean
line_seq_at_least (gpointer data)
{
  Customer *c = data;
  TdLine *line = td_store_lookup_line (td_channel_get_store (c->channel), td_line_get_id (c->line));

  return line != NULL && td_line_get_last_seq (line) >= 2;
}

static char *read_line_id;   /* the line the customer read (read-from-cache) */

static gboolean answer_shows_read (gpointer data);

/* Read marks both ways, and the customer's typing */
static void
test_read_and_typing (void)
{
  TdWindow *window = td_application_get_window (app);
  TdChatView *chat = td_window_get_chat_view (window);
  Customer *lina = customer_new ("demo-cust-4", "m_lakeside");
  const char *line_id = td_line_get_id (lina->line);
  ReadSeen seen = { line_id, 0 };

  g_free (read_line_id);
  read_line_id = g_strdup (line_id);

  g_signal_connect (td_channel_get_bus (lina->channel), "packet::read",
                    G_CALLBACK (on_customer_read_cb), &seen);
  g_free (td_channel_send_text (lina->channel, line_id, "Is the pool open in winter?"));
  wait_until (shown_in_window, (gpointer) line_id, "the line");

  /* On screen in a focused window: the operator's read mark goes out */
  td_application_set_line_visible_func (app, fake_visible, NULL);
  visible_line = line_id;
  g_assert_true (td_window_open_line (window, line_id));
  gtk_window_present (GTK_WINDOW (window));
  if (td_window_is_line_visible (window, line_id))
    wait_until (operator_read_seen, &seen, "Alice's read mark at the customer");
  else
    g_test_message ("the window is not focused under this X server: read mark not checked");

  /* The customer reads the answer: the chat shows it */
  td_composer_set_text (td_chat_view_get_composer (chat), "Yes, it is heated all year.");
  g_assert_true (td_composer_submit (td_chat_view_get_composer (chat)));
  wait_until (line_seq_at_least, lina, "the answer at the customer");
  td_channel_mark_read (lina->channel, line_id, 2);
  wait_until (customer_read_shown, NULL, "the customer's read mark");
  wait_until (answer_shows_read, chat, "\"Read\" on the answer, live");

  /* The customer types */
  td_channel_typing (lina->channel, line_id, FALSE);
  wait_until (typing_shown, NULL, "the typing indicator");

  td_application_set_line_visible_func (app, NULL, NULL);
  g_signal_handlers_disconnect_by_data (td_channel_get_bus (lina->channel), &seen);
  customer_free (lina);
}

/* A bound message row of the chat: an operator's message at @seq */
static TdMessageRow *
find_row_at_seq (GtkWidget *root,
                 gint64     seq)
{
  if (TD_IS_MESSAGE_ROW (root))
    {
      TdMessage *m = td_message_row_get_message (TD_MESSAGE_ROW (root));

      if (m && td_message_get_line_seq (m) == seq && td_message_get_sender_role (m) == TD_ROLE_OPERATOR)
        return TD_MESSAGE_ROW (root);
      return NULL;
    }

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      TdMessageRow *found = find_row_at_seq (c, seq);
      if (found)
        return found;
    }

  return NULL;
}

/* A label reading @text, shown (all its ancestors up to @root visible) */
static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  if (!gtk_widget_get_visible (root))
    return FALSE;
  if (GTK_IS_LABEL (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return TRUE;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    if (shows_label (c, text))
      return TRUE;

  return FALSE;
}

static gboolean
answer_shows_read (gpointer data)
{
  TdMessageRow *row = find_row_at_seq (GTK_WIDGET (data), 2);

  return row != NULL && td_message_row_get_read (row) && gtk_widget_get_mapped (GTK_WIDGET (row)) &&
         shows_label (GTK_WIDGET (row), "Read");
}

/* No page change is animating above @data (for a clean screenshot) */
static gboolean
no_transition_running (gpointer data)
{
  for (GtkWidget *w = data; w != NULL; w = gtk_widget_get_parent (w))
    if (GTK_IS_STACK (w) && gtk_stack_get_transition_running (GTK_STACK (w)))
      return FALSE;

  return TRUE;
}

/* The client restarts on the same cache: the customer's read mark is shown
 * from the cache, before (and without) any packet about it */
static void
test_read_from_cache (void)
{
  TdWindow *window = td_application_get_window (app);
  TdChatView *chat = td_window_get_chat_view (window);
  TdChannel *channel;
  TdLine *line;

  g_assert_nonnull (read_line_id);
  td_chat_view_set_line (chat, NULL);
  td_application_start_session (app, td_application_get_demo_url (app), "alice", "demo-op-alice");
  channel = td_application_get_channel (app);
  g_assert_cmpint (td_channel_get_state (channel), !=, TD_CHANNEL_STATE_ONLINE);

  line = td_store_lookup_line (td_channel_get_store (channel), read_line_id);
  g_assert_nonnull (line);
  g_assert_cmpint (td_line_get_peer_read (line), >=, 2);
  g_assert_true (td_window_open_line (window, read_line_id));
  g_assert_cmpint (td_chat_view_get_customer_read (chat), >=, 2);
  wait_until (answer_shows_read, chat, "\"Read\" on the answer, from the cache");

  wait_until (channel_ready, channel, "the restarted session online");
  g_assert_true (answer_shows_read (chat));
  wait_until (no_transition_running, chat, "the window's pages to settle");
  save_window_png ("app-read-mark.png");
}

static GtkWidget *
find_with_class (GtkWidget  *root,
                 const char *css_class)
{
  if (gtk_widget_has_css_class (root, css_class))
    return root;

  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_with_class (c, css_class);
      if (found)
        return found;
    }

  return NULL;
}

typedef struct
{
  TdStore    *store;
  const char *line_id;
  gint64      seq;
} SeqWait;

static gboolean
operator_has_seq (gpointer data)
{
  SeqWait *w = data;
  TdLine *line = td_store_lookup_line (w->store, w->line_id);

  return line != NULL && td_line_get_last_seq (line) >= w->seq;
}

static gboolean
chat_has_items (gpointer data)
{
  GListModel *messages = td_chat_view_get_messages (data);

  return messages && g_list_model_get_n_items (messages) >= 40;
}

static gboolean
chat_at_bottom (gpointer data)
{
  GtkAdjustment *adj = data;

  return gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) &&
         gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >= gtk_adjustment_get_upper (adj) - 1;
}

static gboolean
new_messages_shown (gpointer data)
{
  return td_chat_view_get_new_messages_visible (data);
}

/* Pinned to the bottom; scrolled up, a new message shows the button */
static void
test_pinning (void)
{
  TdWindow *window = td_application_get_window (app);
  TdChatView *chat = td_window_get_chat_view (window);
  Customer *noah = customer_new ("demo-cust-5", "m_skyline");
  const char *line_id = td_line_get_id (noah->line);
  SeqWait w = { td_channel_get_store (td_application_get_channel (app)), line_id, 40 };
  GtkAdjustment *adj;
  GtkWidget *button;

  for (int i = 1; i <= 40; i++)
    {
      g_autofree char *text = g_strdup_printf ("Question number %d about the tour", i);
      g_free (td_channel_send_text (noah->channel, line_id, text));
    }
  wait_until (operator_has_seq, &w, "40 messages at the operator");

  g_assert_true (td_window_open_line (window, line_id));
  wait_until (chat_has_items, chat, "the messages in the chat");
  adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (find_with_class (GTK_WIDGET (chat), "chat-list")));
  wait_until (chat_at_bottom, adj, "the chat at its bottom");
  g_assert_true (td_chat_view_get_pinned (chat));
  g_assert_false (td_chat_view_get_new_messages_visible (chat));

  /* The operator scrolls up: a new message does not move the view */
  td_chat_view_user_scrolled (chat);
  gtk_adjustment_set_value (adj, 0);
  g_assert_false (td_chat_view_get_pinned (chat));
  g_free (td_channel_send_text (noah->channel, line_id, "Hello? Anyone there?"));
  wait_until (new_messages_shown, chat, "the New Messages button");
  g_assert_false (td_chat_view_get_pinned (chat));
  g_assert_cmpfloat (gtk_adjustment_get_value (adj), <, 1);

  /* The button takes the operator down, and the chat follows again */
  button = find_with_class (GTK_WIDGET (chat), "new-messages-button");
  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (td_chat_view_get_pinned (chat));
  g_assert_false (td_chat_view_get_new_messages_visible (chat));
  wait_until (chat_at_bottom, adj, "the chat back at its bottom");

  customer_free (noah);
}

/* Alt+Up/Down, Ctrl+K, Ctrl+?, Ctrl+W, Ctrl+Q */
static void
test_keyboard (void)
{
  TdWindow *window = td_application_get_window (app);
  TdChatView *chat = td_window_get_chat_view (window);
  GListModel *lines;
  g_autoptr(TdLine) first = NULL;
  g_autoptr(TdLine) second = NULL;
  g_auto(GStrv) accels = NULL;
  struct { const char *action; const char *accel; } expected[] = {
    { "win.jump", "<Control>k" },
    { "win.next-line", "<Alt>Down" },
    { "win.previous-line", "<Alt>Up" },
    { "win.show-help-overlay", "<Control>question" },
    { "window.close", "<Control>w" },
    { "app.quit", "<Control>q" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), expected[i].action);
      g_assert_nonnull (accels);
      g_assert_true (g_strv_contains ((const char * const *) accels, expected[i].accel));
      g_clear_pointer (&accels, g_strfreev);
    }

  td_window_set_merchant (window, NULL);
  td_window_set_view (window, TD_VIEW_ALL_OPEN);
  lines = td_window_get_lines (window);
  g_assert_cmpuint (g_list_model_get_n_items (lines), >=, 2);

  /* (no main-loop turn in between: the order cannot change meanwhile) */
  first = g_list_model_get_item (lines, 0);
  second = g_list_model_get_item (lines, 1);
  g_assert_true (td_window_open_line (window, td_line_get_id (first)));
  g_assert_true (td_chat_view_get_line (chat) == first);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.next-line", NULL));
  g_assert_true (td_chat_view_get_line (chat) == second);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.previous-line", NULL));
  g_assert_true (td_chat_view_get_line (chat) == first);

  /* Ctrl+K: the jump field, filtering by customer */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.jump", NULL));
  {
    GtkWidget *entry = GTK_WIDGET (gtk_window_get_focus (GTK_WINDOW (window)));
    const char *name = td_line_get_customer_name (second);

    g_assert_nonnull (entry);
    entry = gtk_widget_get_ancestor (entry, GTK_TYPE_SEARCH_ENTRY);
    g_assert_nonnull (entry);
    gtk_editable_set_text (GTK_EDITABLE (entry), name);
    g_signal_emit_by_name (entry, "search-changed");
    g_assert_cmpuint (g_list_model_get_n_items (lines), >=, 1);
    for (guint i = 0; i < g_list_model_get_n_items (lines); i++)
      {
        g_autoptr(TdLine) line = g_list_model_get_item (lines, i);
        g_assert_cmpstr (td_line_get_customer_name (line), ==, name);
      }
    g_signal_emit_by_name (entry, "activate");
    g_assert_cmpstr (td_line_get_customer_name (td_chat_view_get_line (chat)), ==, name);
    gtk_editable_set_text (GTK_EDITABLE (entry), "");
    g_signal_emit_by_name (entry, "search-changed");
  }

  /* Ctrl+? is there (GtkApplication loads gtk/help-overlay.ui) and opens
   * without a warning (fatal here; test-narrow draws it too) */
  {
    GtkShortcutsWindow *overlay = gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (window));

    g_assert_nonnull (overlay);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL));
    wait_until ((Condition) gtk_widget_get_mapped, overlay, "the shortcuts window");
    gtk_widget_set_visible (GTK_WIDGET (overlay), FALSE);
  }
}

static gboolean
busy_line (gpointer data)
{
  GListModel *lines = td_window_get_lines (td_application_get_window (app));

  for (guint i = 0; i < g_list_model_get_n_items (lines); i++)
    {
      g_autoptr(TdLine) line = g_list_model_get_item (lines, i);

      /* a simulated traveller (c_11 … c_22), not one of these tests' */
      if (strlen (td_line_get_uid (line)) == 4 && td_line_get_last_seq (line) >= 1)
        {
          *(char **) data = g_strdup (td_line_get_id (line));
          return TRUE;
        }
    }

  return FALSE;
}

#define idle_for(ms) td_test_iterate_for (NULL, (ms))

/* The demo window with a simulated traveller answered: a test artifact */
static void
test_screenshot (void)
{
  TdWindow *window = td_application_get_window (app);
  TdChatView *chat = td_window_get_chat_view (window);
  g_autofree char *line_id = NULL;

  td_window_set_view (window, TD_VIEW_ALL_OPEN);
  wait_until (busy_line, &line_id, "a simulated line");
  g_assert_true (td_window_open_line (window, line_id));
  td_composer_set_text (td_chat_view_get_composer (chat),
                        "Thanks for waiting! Let me check that for you right away.");
  td_composer_submit (td_chat_view_get_composer (chat));
  idle_for (2500);
  td_composer_set_text (td_chat_view_get_composer (chat), "Your room is confirmed");
  idle_for (300);
  g_assert_true (td_chat_view_get_pinned (chat));
  save_window_png ("app-demo.png");
}

static gboolean
login_error_shown (gpointer data)
{
  return td_login_page_get_error (td_window_get_login_page (td_application_get_window (app))) != NULL;
}

static gboolean
session_online (gpointer data)
{
  TdChannel *channel = td_application_get_channel (app);

  return channel != NULL && channel_ready (channel) &&
         !td_window_is_showing_login (td_application_get_window (app));
}

static void
on_token_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  char **token = user_data;
  g_autoptr(GError) error = NULL;

  *token = td_token_keeper_lookup_finish (TD_TOKEN_KEEPER (source), result, &error);
  g_assert_no_error (error);
  if (*token == NULL)
    *token = g_strdup ("");
}

static char *
kept_token (TdTokenKeeper *keeper,
            const char    *url)
{
  char *token = NULL;

  td_token_keeper_lookup_async (keeper, url, "alice", NULL, on_token_cb, &token);
  while (token == NULL)
    g_main_context_iteration (NULL, TRUE);

  return token;
}

/* org.freedesktop.Application.ActivateAction over a connection of its own,
 * as `gapplication action io.github.tripdesk.Tripdesk open-line "'ml_…'"` */
static void
on_activate_action_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);

  if (reply != NULL)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "ok");
}

static gboolean
call_done (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
activate_open_line (const char *line_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusConnection) other = NULL;
  g_autofree char *address = g_dbus_address_get_for_bus_sync (G_BUS_TYPE_SESSION, NULL, &error);
  GVariantBuilder params;
  GError *result = NULL;

  g_assert_no_error (error);
  other = g_dbus_connection_new_for_address_sync (address,
                                                  G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                  G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                  NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_connection_get_unique_name (other), !=,
                   g_dbus_connection_get_unique_name (session_bus ()));

  g_variant_builder_init (&params, G_VARIANT_TYPE ("av"));
  g_variant_builder_add (&params, "v", g_variant_new_string (line_id));
  g_dbus_connection_call (other, APP_ID, "/io/github/tripdesk/Tripdesk",
                          "org.freedesktop.Application", "ActivateAction",
                          g_variant_new ("(sava{sv})", "open-line", &params, NULL),
                          G_VARIANT_TYPE ("()"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
                          on_activate_action_cb, &result);
  wait_until (call_done, &result, "the ActivateAction reply");
  g_assert_error (result, G_IO_ERROR, G_IO_ERROR_EXISTS);
  g_clear_error (&result);
  g_dbus_connection_close_sync (other, NULL, NULL);
}

static gboolean
chat_shows_line (gpointer data)
{
  TdLine *line = td_chat_view_get_line (td_window_get_chat_view (td_application_get_window (app)));

  return line != NULL && g_strcmp0 (td_line_get_id (line), data) == 0;
}

static gboolean
no_pending_line (gpointer data)
{
  return td_application_get_pending_line (app) == NULL;
}

/* app.open-line from another process: a line in the cache; one the cache
 * does not know yet (opened when the store gets it); one that is not there */
static void
test_open_line_dbus (void)
{
  TdChannel *channel = td_application_get_channel (app);
  Customer *mia = NULL;
  g_autofree char *known = NULL;
  g_autofree char *later = NULL;

  /* a line the cache has */
  mia = customer_new ("demo-cust-6", "m_lakeside");
  known = g_strdup (td_line_get_id (mia->line));
  wait_until (shown_in_window, known, "the line");
  td_chat_view_set_line (td_window_get_chat_view (td_application_get_window (app)), NULL);
  activate_open_line (known);
  wait_until (chat_shows_line, known, "the line opened over D-Bus");
  g_assert_null (td_application_get_pending_line (app));
  customer_free (mia);

  /* a line the operator has not heard of yet (her channel is down) */
  td_channel_stop (channel);
  mia = customer_new ("demo-cust-6", "m_skyline/tour/7");
  later = g_strdup (td_line_get_id (mia->line));
  g_free (td_channel_send_text (mia->channel, later, "Is the sunset tour still on?"));
  g_assert_null (td_store_lookup_line (td_channel_get_store (channel), later));
  activate_open_line (later);
  g_assert_cmpstr (td_application_get_pending_line (app), ==, later);
  g_assert_true (chat_shows_line (known));
  td_channel_start (channel);
  wait_until (chat_shows_line, later, "the line opened once the store knows it");
  g_assert_null (td_application_get_pending_line (app));
  customer_free (mia);

  /* a line this operator cannot see: dropped once synced, nothing opens */
  wait_until (channel_ready, channel, "synced");
  activate_open_line ("ml_00000000000000000000");
  wait_until (no_pending_line, NULL, "the unknown line dropped");
  g_assert_true (chat_shows_line (later));
}

/* A real server (not the demo): wrong password, login, token kept, log out */
static void
test_login_logout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TdServer) server = NULL;
  g_autoptr(TdTokenKeeper) keeper = td_memory_token_keeper_new ();
  g_autofree char *dir = g_dir_make_tmp ("tripdesk-login-XXXXXX", &error);
  g_autofree char *db = g_build_filename (dir, "server.db", NULL);
  g_autofree char *url = NULL;
  g_autofree char *token = NULL;
  TdServerOptions options = { .db_path = db, .demo = TRUE };
  TdWindow *window = td_application_get_window (app);
  TdLoginPage *page = td_window_get_login_page (window);
  Customer *zoe = NULL;

  server = td_server_new (&options, &error);
  g_assert_no_error (error);
  g_assert_true (td_server_listen (server, "127.0.0.1", 0, &error));
  url = td_server_dup_base_url (server);
  td_application_set_token_keeper (app, keeper);

  /* Log out of the demo: back to the login page */
  td_application_log_out (app);
  g_assert_true (td_window_is_showing_login (window));
  g_assert_null (td_application_get_channel (app));

  g_signal_emit_by_name (page, "log-in", url, "alice", "not-her-password");
  wait_until (login_error_shown, NULL, "the login error");
  g_assert_null (td_application_get_channel (app));

  /* app.open-line while logged out: the line opens after the login */
  zoe = customer_new_at (url, "demo-cust-1", "m_lakeside");
  activate_open_line (td_line_get_id (zoe->line));
  g_assert_cmpstr (td_application_get_pending_line (app), ==, td_line_get_id (zoe->line));
  g_assert_true (td_window_is_showing_login (window));

  g_signal_emit_by_name (page, "log-in", url, "alice", "demo-op-alice");
  wait_until (session_online, NULL, "the session");
  wait_until (chat_shows_line, (gpointer) td_line_get_id (zoe->line), "the line asked for before the login");
  g_assert_null (td_application_get_pending_line (app));
  customer_free (zoe);
  g_assert_cmpstr (td_channel_get_me_id (td_application_get_channel (app)), ==, "o_alice");
  token = kept_token (keeper, url);
  g_assert_cmpstr (token, !=, "");
  g_clear_pointer (&token, g_free);

  td_application_log_out (app);
  g_assert_true (td_window_is_showing_login (window));
  token = kept_token (keeper, url);
  g_assert_cmpstr (token, ==, "");

  td_server_shutdown (server, 0);
  {
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name (d)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
    g_rmdir (dir);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_setenv ("GTK_A11Y", "none", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  /* GtkText's cursor-blink timeout warns when its entry lost the focus
   * with a page change (the login page going away): no blinking here */
  g_object_set (gtk_settings_get_default (), "gtk-cursor-blink", FALSE, NULL);

  if (g_getenv ("DBUS_SESSION_BUS_ADDRESS") == NULL)
    {
      g_test_skip ("needs dbus-run-session");
      return 77;
    }
  start_mock ();

  app = td_application_new ();
  {
    g_autoptr(TdTokenKeeper) keeper = td_memory_token_keeper_new ();
    td_application_set_token_keeper (app, keeper);
  }

  g_test_add_func ("/tripdesk/app/executable-demo", test_executable_demo);
  g_test_add_func ("/tripdesk/app/demo-starts", test_demo_starts);
  g_test_add_func ("/tripdesk/app/packet-in-list", test_packet_in_list);
  g_test_add_func ("/tripdesk/app/composer-reaches-server", test_composer_reaches_server);
  g_test_add_func ("/tripdesk/app/notifications", test_notifications);
  g_test_add_func ("/tripdesk/app/read-and-typing", test_read_and_typing);
  g_test_add_func ("/tripdesk/app/read-from-cache", test_read_from_cache);
  g_test_add_func ("/tripdesk/app/open-line-dbus", test_open_line_dbus);
  g_test_add_func ("/tripdesk/app/pinning", test_pinning);
  g_test_add_func ("/tripdesk/app/keyboard", test_keyboard);
  g_test_add_func ("/tripdesk/app/screenshot", test_screenshot);
  g_test_add_func ("/tripdesk/app/login-logout", test_login_logout);

  ret = g_test_run ();

  if (td_application_get_window (app))
    gtk_window_destroy (GTK_WINDOW (td_application_get_window (app)));
  g_application_quit (G_APPLICATION (app));
  g_clear_object (&app);
  g_clear_pointer (&read_line_id, g_free);
  g_subprocess_force_exit (mock);
  g_clear_object (&mock);

  return ret;
}

/* td-chat-view.c
 *
 * GTK 4.8 has no gtk_list_view_scroll_to(): the list is pinned to the
 * bottom through its vertical adjustment and re-pinned on notify::upper,
 * unless the operator scrolled up (then a "New messages" button shows).
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "td-chat-view.h"
#include "td-composer.h"
#include "td-line-row.h"
#include "td-message-list.h"
#include "td-message-row.h"
#include "td-widget-util.h"

#define PIN_SLACK 24.0
#define LOAD_OLDER_MARGIN 300.0
#define USER_INPUT_US (500 * 1000)

struct _TdChatView
{
  GtkWidget          parent_instance;

  AdwWindowTitle    *title;
  GtkMenuButton     *state_button;
  GtkButton         *assign_button;
  GtkStack          *stack;
  GtkScrolledWindow *scroller;
  GtkListView       *list_view;
  GtkButton         *new_messages_button;
  GtkRevealer       *typing_revealer;
  GtkLabel          *typing_label;
  TdComposer        *composer;

  TdChannel         *channel;
  GSignalGroup      *channel_signals;
  GSignalGroup      *bus_signals;
  TdLine            *line;
  GSignalGroup      *line_signals;
  TdMessageList     *messages;
  GHashTable        *bound_rows;     /* TdMessageRow* set */
  GtkWindow         *window;         /* while rooted, not owned */
  gulong             active_id;

  gboolean           pinned;
  double             last_value;     /* of the vadjustment, to see moves up */
  gint64             user_input_at;  /* the operator's last scroll input */
  guint              pin_idle_id;
  gboolean           adjusting;
  gint64             read_sent;      /* highest upto sent for this line */
  gint64             customer_read;  /* the customer's read mark */
  guint              typing_timeout_id;
  char              *typing_text;
  gboolean           folded;
  gboolean           show_end_title_buttons;
};

G_DEFINE_FINAL_TYPE (TdChatView, td_chat_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_LINE,
  PROP_FOLDED,
  PROP_SHOW_END_TITLE_BUTTONS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static GtkAdjustment *
get_vadjustment (TdChatView *self)
{
  return gtk_scrolled_window_get_vadjustment (self->scroller);
}

static gboolean
is_at_bottom (TdChatView *self)
{
  GtkAdjustment *adj = get_vadjustment (self);

  return gtk_adjustment_get_value (adj) + gtk_adjustment_get_page_size (adj) >=
         gtk_adjustment_get_upper (adj) - PIN_SLACK;
}

static gboolean
event_is_scrolling (GdkEvent *event)
{
  if (gdk_event_get_event_type (event) == GDK_MOTION_NOTIFY)
    return (gdk_event_get_modifier_state (event) & GDK_BUTTON1_MASK) != 0;

  return TRUE;
}

static void
pin_now (TdChatView *self)
{
  GtkAdjustment *adj = get_vadjustment (self);

  self->adjusting = TRUE;
  gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj) - gtk_adjustment_get_page_size (adj));
  self->last_value = gtk_adjustment_get_value (adj);
  self->adjusting = FALSE;
}

static void schedule_pin (TdChatView *self);

void
td_chat_view_user_scrolled (TdChatView *self)
{
  g_return_if_fail (TD_IS_CHAT_VIEW (self));

  self->user_input_at = g_get_monotonic_time ();
}

static gboolean
on_scroller_event_cb (TdChatView               *self,
                      GdkEvent                 *event,
                      GtkEventControllerLegacy *controller)
{
  switch ((int) gdk_event_get_event_type (event))
    {
    case GDK_SCROLL:
    case GDK_BUTTON_PRESS:
    case GDK_MOTION_NOTIFY:
    case GDK_KEY_PRESS:
    case GDK_TOUCH_BEGIN:
    case GDK_TOUCH_UPDATE:
    case GDK_TOUCHPAD_SWIPE:
      if (event_is_scrolling (event))
        td_chat_view_user_scrolled (self);
      break;
    default:
      break;
    }

  return GDK_EVENT_PROPAGATE;
}

void
td_chat_view_scroll_to_bottom (TdChatView *self)
{
  g_return_if_fail (TD_IS_CHAT_VIEW (self));

  self->pinned = TRUE;
  gtk_widget_set_visible (GTK_WIDGET (self->new_messages_button), FALSE);
  /* not now: after a model change the adjustment is stale until the next
   * layout, and GtkListView warns about a value it cannot place */
  schedule_pin (self);
}

static void
on_vadj_value_changed_cb (TdChatView    *self,
                          GtkAdjustment *adj)
{
  if (self->adjusting)
    return;

  /* The list moves by itself too (GtkAdjustment emits value-changed before
   * notify::upper while rows get measured; a new model starts at the top):
   * only a move up right after the operator's own input lets go. */
  if (is_at_bottom (self))
    {
      self->pinned = TRUE;
      gtk_widget_set_visible (GTK_WIDGET (self->new_messages_button), FALSE);
    }
  else if (self->pinned && gtk_adjustment_get_value (adj) < self->last_value - 1 &&
           g_get_monotonic_time () - self->user_input_at < USER_INPUT_US)
    {
      self->pinned = FALSE;
    }
  else if (self->pinned)
    {
      schedule_pin (self);
    }
  self->last_value = gtk_adjustment_get_value (adj);

  if (self->messages != NULL &&
      gtk_adjustment_get_value (adj) < LOAD_OLDER_MARGIN &&
      gtk_adjustment_get_upper (adj) > gtk_adjustment_get_page_size (adj) &&
      td_message_list_get_has_more (self->messages) &&
      !td_message_list_get_loading (self->messages))
    td_message_list_load_older (self->messages);
}

static gboolean
on_pin_idle_cb (gpointer data)
{
  TdChatView *self = data;

  self->pin_idle_id = 0;
  if (self->pinned)
    pin_now (self);

  return G_SOURCE_REMOVE;
}

/* GtkListView ignores value changes made while it configures the
 * adjustment (notify::upper comes from there): pin just after the frame
 * that laid the list out. */
static void
schedule_pin (TdChatView *self)
{
  if (self->pin_idle_id == 0)
    self->pin_idle_id = g_idle_add_full (GDK_PRIORITY_REDRAW + 10, on_pin_idle_cb, self, NULL);
}

static void
on_vadj_size_changed_cb (TdChatView *self)
{
  if (self->pinned)
    schedule_pin (self);
}

static void
on_new_messages_clicked_cb (TdChatView *self)
{
  td_chat_view_scroll_to_bottom (self);
}

/* ---- read marks ---- */

gboolean
td_chat_view_is_line_visible (TdChatView *self,
                              const char *line_id)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), FALSE);

  return self->line != NULL &&
         g_strcmp0 (td_line_get_id (self->line), line_id) == 0 &&
         gtk_widget_get_mapped (GTK_WIDGET (self)) &&
         self->window != NULL &&
         gtk_window_is_active (self->window);
}

void
td_chat_view_update_read (TdChatView *self)
{
  gint64 last_seq;

  g_return_if_fail (TD_IS_CHAT_VIEW (self));

  if (self->line == NULL || self->channel == NULL ||
      !td_chat_view_is_line_visible (self, td_line_get_id (self->line)))
    return;

  last_seq = td_line_get_last_seq (self->line);
  if (td_line_get_unread (self->line) > 0 && last_seq > self->read_sent)
    {
      self->read_sent = last_seq;
      td_channel_mark_read (self->channel, td_line_get_id (self->line), last_seq);
    }
}

static void
on_window_active_cb (TdChatView *self)
{
  td_chat_view_update_read (self);
}

static void
update_row_read (TdChatView   *self,
                 TdMessageRow *row)
{
  TdMessage *message = td_message_row_get_message (row);
  gint64 seq = message ? td_message_get_line_seq (message) : 0;

  td_message_row_set_read (row, seq > 0 && seq <= self->customer_read);
}

/* The customer's mark only moves forward; rows at or below it show "Read". */
static void
set_customer_read (TdChatView *self,
                   gint64      upto)
{
  GHashTableIter iter;
  gpointer row;

  if (upto <= self->customer_read)
    return;

  self->customer_read = upto;
  g_hash_table_iter_init (&iter, self->bound_rows);
  while (g_hash_table_iter_next (&iter, &row, NULL))
    update_row_read (self, row);
}

/* Live: the `read` packet, before the store has committed it (the line's
 * "peer-read" follows a moment later, and is what a restart shows). */
static void
on_bus_read_cb (TdChatView *self,
                TdPacket   *packet,
                TdBus      *bus)
{
  if (self->line == NULL || packet->reader == NULL ||
      g_strcmp0 (packet->line_id, td_line_get_id (self->line)) != 0 ||
      g_strcmp0 (packet->reader, td_line_get_uid (self->line)) != 0)
    return;

  set_customer_read (self, packet->upto);
}

/* ---- typing ---- */

static gboolean
on_typing_expired_cb (gpointer data)
{
  TdChatView *self = data;

  self->typing_timeout_id = 0;
  g_clear_pointer (&self->typing_text, g_free);
  gtk_revealer_set_reveal_child (self->typing_revealer, FALSE);

  return G_SOURCE_REMOVE;
}

static void
hide_typing (TdChatView *self)
{
  g_clear_handle_id (&self->typing_timeout_id, g_source_remove);
  on_typing_expired_cb (self);
}

static void
on_channel_typing_cb (TdChatView *self,
                      const char *line_id,
                      const char *who,
                      const char *name,
                      gboolean    note,
                      TdChannel  *channel)
{
  if (self->line == NULL || g_strcmp0 (line_id, td_line_get_id (self->line)) != 0 ||
      g_strcmp0 (who, td_channel_get_me_id (channel)) == 0)
    return;

  g_free (self->typing_text);
  self->typing_text = note ?
    /* Translators: %s is an operator writing an internal note */
    g_strdup_printf (_("%s is writing a note…"), name && name[0] ? name : who) :
    /* Translators: %s is who is typing */
    g_strdup_printf (_("%s is typing…"), name && name[0] ? name : who);
  gtk_label_set_text (self->typing_label, self->typing_text);
  gtk_revealer_set_reveal_child (self->typing_revealer, TRUE);

  g_clear_handle_id (&self->typing_timeout_id, g_source_remove);
  self->typing_timeout_id = g_timeout_add (TD_TYPING_EXPIRE_MS, on_typing_expired_cb, self);
}

/* ---- composer ---- */

static void
on_composer_send_cb (TdChatView *self,
                     const char *text,
                     TdComposer *composer)
{
  g_autofree char *random_id = NULL;

  if (self->line == NULL || self->channel == NULL)
    return;

  if (td_composer_get_note_mode (composer))
    {
      /* an internal note: operators only (the server enforces it too) */
      g_autoptr(JsonObject) body = json_object_new ();

      json_object_set_string_member (body, "text", text);
      random_id = td_channel_send (self->channel, td_line_get_id (self->line), "note", body);
    }
  else
    random_id = td_channel_send_text (self->channel, td_line_get_id (self->line), text);
  td_chat_view_scroll_to_bottom (self);
}

static void
on_composer_typing_cb (TdChatView *self,
                       TdComposer *composer)
{
  if (self->line && self->channel)
    td_channel_typing (self->channel, td_line_get_id (self->line),
                       td_composer_get_note_mode (composer));
}

/* ---- rows ---- */

static void
on_row_retry_cb (TdChatView   *self,
                 TdMessage    *message,
                 TdMessageRow *row)
{
  if (self->channel && td_message_get_random_id (message))
    td_channel_retry_failed (self->channel, td_message_get_random_id (message));
}

static void
on_row_discard_cb (TdChatView   *self,
                   TdMessage    *message,
                   TdMessageRow *row)
{
  if (self->channel && td_message_get_random_id (message))
    td_channel_discard_failed (self->channel, td_message_get_random_id (message));
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              TdChatView               *self)
{
  GtkWidget *row = td_message_row_new ();

  g_signal_connect_object (row, "retry", G_CALLBACK (on_row_retry_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (row, "discard", G_CALLBACK (on_row_discard_cb), self, G_CONNECT_SWAPPED);
  gtk_list_item_set_activatable (item, FALSE);
  gtk_list_item_set_selectable (item, FALSE);
  gtk_list_item_set_child (item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *item,
             TdChatView               *self)
{
  TdMessageRow *row = TD_MESSAGE_ROW (gtk_list_item_get_child (item));

  td_message_row_set_message (row, gtk_list_item_get_item (item));
  update_row_read (self, row);
  g_hash_table_add (self->bound_rows, row);
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               TdChatView               *self)
{
  TdMessageRow *row = TD_MESSAGE_ROW (gtk_list_item_get_child (item));

  /* Keeps its kind widget for the next bind */
  td_message_row_set_message (row, NULL);
  g_hash_table_remove (self->bound_rows, row);
}

static void
teardown_row_cb (GtkSignalListItemFactory *factory,
                 GtkListItem              *item,
                 TdChatView               *self)
{
  GtkWidget *row = gtk_list_item_get_child (item);

  if (row)
    g_hash_table_remove (self->bound_rows, row);
}

static void
on_messages_changed_cb (TdChatView *self,
                        guint       position,
                        guint       removed,
                        guint       added,
                        GListModel *model)
{
  guint n = g_list_model_get_n_items (model);

  if (added == 0 || position + added != n)
    return;

  if (self->pinned)
    {
      schedule_pin (self);
    }
  else
    {
      g_autoptr(TdMessage) last = g_list_model_get_item (model, n - 1);

      if (td_message_get_sender_role (last) == TD_ROLE_CUSTOMER)
        gtk_widget_set_visible (GTK_WIDGET (self->new_messages_button), TRUE);
    }

  td_chat_view_update_read (self);
}

/* ---- the line ---- */

static void
update_header (TdChatView *self)
{
  TdLine *line = self->line;
  const char *name;
  const char *merchant;
  g_autofree char *title = NULL;
  const char *assignee;
  GString *subtitle;
  const char *state_label;
  gboolean mine;

  if (line == NULL)
    {
      adw_window_title_set_title (self->title, "");
      adw_window_title_set_subtitle (self->title, "");
      gtk_widget_set_visible (GTK_WIDGET (self->state_button), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->assign_button), FALSE);
      return;
    }

  name = td_line_get_customer_name (line);
  adw_window_title_set_title (self->title, name && name[0] ? name : td_line_get_uid (line));

  subtitle = g_string_new (NULL);
  merchant = td_line_get_merchant (line);
  if (merchant && self->channel)
    merchant = td_channel_get_merchant_name (self->channel, merchant);
  if (merchant)
    g_string_append (subtitle, merchant);
  title = td_line_dup_display_title (td_line_get_title (line), merchant);
  if (title && title[0])
    g_string_append_printf (subtitle, "%s%s", subtitle->len ? " · " : "", title);
  g_string_append_printf (subtitle, "%s%s", subtitle->len ? " · " : "",
                          td_busi_get_label (td_line_get_busi (line)));
  adw_window_title_set_subtitle (self->title, subtitle->str);
  g_string_free (subtitle, TRUE);

  switch (td_line_get_state (line))
    {
    case TD_LINE_STATE_PENDING:
      state_label = C_("line state", "Pending");
      break;
    case TD_LINE_STATE_SNOOZED:
      state_label = C_("line state", "Snoozed");
      break;
    case TD_LINE_STATE_RESOLVED:
      state_label = C_("line state", "Resolved");
      break;
    case TD_LINE_STATE_OPEN:
    default:
      state_label = C_("line state", "Open");
      break;
    }
  gtk_menu_button_set_label (self->state_button, state_label);
  gtk_widget_set_visible (GTK_WIDGET (self->state_button), TRUE);

  assignee = td_line_get_assignee (line);
  mine = self->channel && assignee && g_strcmp0 (assignee, td_channel_get_me_id (self->channel)) == 0;
  gtk_widget_set_visible (GTK_WIDGET (self->assign_button), !mine);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->assign_button),
                               assignee ? _("Take over this line") : _("Assign this line to me"));

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "chat.unassign", assignee != NULL);
}

static void
on_line_notify_cb (TdChatView *self)
{
  update_header (self);
  if (self->line)
    set_customer_read (self, td_line_get_peer_read (self->line));
  td_chat_view_update_read (self);
}

void
td_chat_view_set_line (TdChatView *self,
                       TdLine     *line)
{
  g_autoptr(GtkNoSelection) selection = NULL;

  g_return_if_fail (TD_IS_CHAT_VIEW (self));
  g_return_if_fail (line == NULL || TD_IS_LINE (line));

  if (self->line == line)
    return;

  g_set_object (&self->line, line);
  g_signal_group_set_target (self->line_signals, line);
  hide_typing (self);
  self->read_sent = 0;
  /* the customer's mark as the cache knows it (also after a restart) */
  self->customer_read = line ? td_line_get_peer_read (line) : 0;

  if (self->messages)
    g_signal_handlers_disconnect_by_data (self->messages, self);
  g_clear_object (&self->messages);

  if (line != NULL && self->channel != NULL)
    {
      self->messages = td_message_list_new (td_channel_get_store (self->channel),
                                            td_line_get_id (line));
      g_signal_connect_object (self->messages, "items-changed",
                               G_CALLBACK (on_messages_changed_cb), self, G_CONNECT_SWAPPED);
      selection = gtk_no_selection_new (g_object_ref (G_LIST_MODEL (self->messages)));
    }

  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (selection));
  gtk_stack_set_visible_child_name (self->stack, line ? "chat" : "empty");
  td_composer_set_text (self->composer, "");
  update_header (self);
  td_chat_view_scroll_to_bottom (self);
  td_chat_view_update_read (self);

  if (line)
    td_composer_grab_focus (self->composer);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINE]);
}

gboolean
td_chat_view_get_folded (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), FALSE);

  return self->folded;
}

void
td_chat_view_set_folded (TdChatView *self,
                         gboolean    folded)
{
  g_return_if_fail (TD_IS_CHAT_VIEW (self));

  folded = !!folded;
  if (self->folded == folded)
    return;

  self->folded = folded;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FOLDED]);
}

TdLine *
td_chat_view_get_line (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), NULL);

  return self->line;
}

GListModel *
td_chat_view_get_messages (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), NULL);

  return self->messages ? G_LIST_MODEL (self->messages) : NULL;
}

TdComposer *
td_chat_view_get_composer (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), NULL);

  return self->composer;
}

gboolean
td_chat_view_get_pinned (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), FALSE);

  return self->pinned;
}

gboolean
td_chat_view_get_new_messages_visible (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->new_messages_button));
}

gint64
td_chat_view_get_customer_read (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), 0);

  return self->customer_read;
}

const char *
td_chat_view_get_typing_text (TdChatView *self)
{
  g_return_val_if_fail (TD_IS_CHAT_VIEW (self), NULL);

  return self->typing_text;
}

void
td_chat_view_set_channel (TdChatView *self,
                          TdChannel  *channel)
{
  g_return_if_fail (TD_IS_CHAT_VIEW (self));
  g_return_if_fail (channel == NULL || TD_IS_CHANNEL (channel));

  if (self->channel == channel)
    return;

  td_chat_view_set_line (self, NULL);
  g_set_object (&self->channel, channel);
  g_signal_group_set_target (self->channel_signals, channel);
  g_signal_group_set_target (self->bus_signals, channel ? td_channel_get_bus (channel) : NULL);
}

/* ---- actions ---- */

static void
assign_me_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TdChatView *self = TD_CHAT_VIEW (widget);

  if (self->line && self->channel && td_channel_get_me_id (self->channel))
    td_channel_assign (self->channel, td_line_get_id (self->line),
                       td_channel_get_me_id (self->channel));
}

static void
unassign_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *param)
{
  TdChatView *self = TD_CHAT_VIEW (widget);

  if (self->line && self->channel)
    td_channel_assign (self->channel, td_line_get_id (self->line), NULL);
}

static void
set_state_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *param)
{
  TdChatView *self = TD_CHAT_VIEW (widget);
  TdLineState state;

  if (self->line == NULL || self->channel == NULL ||
      !td_line_state_from_string (g_variant_get_string (param, NULL), &state))
    return;

  td_channel_set_line_state (self->channel, td_line_get_id (self->line), state, 0);
}

/* ---- GtkWidget ---- */

static void
td_chat_view_root (GtkWidget *widget)
{
  TdChatView *self = TD_CHAT_VIEW (widget);
  GtkRoot *root;

  GTK_WIDGET_CLASS (td_chat_view_parent_class)->root (widget);

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    {
      self->window = GTK_WINDOW (root);
      self->active_id = g_signal_connect_object (root, "notify::is-active",
                                                 G_CALLBACK (on_window_active_cb), self,
                                                 G_CONNECT_SWAPPED);
    }
}

static void
td_chat_view_unroot (GtkWidget *widget)
{
  TdChatView *self = TD_CHAT_VIEW (widget);

  if (self->window)
    g_clear_signal_handler (&self->active_id, self->window);
  self->window = NULL;

  GTK_WIDGET_CLASS (td_chat_view_parent_class)->unroot (widget);
}

static void
td_chat_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (td_chat_view_parent_class)->map (widget);

  td_chat_view_update_read (TD_CHAT_VIEW (widget));
}

static void
td_chat_view_dispose (GObject *object)
{
  TdChatView *self = TD_CHAT_VIEW (object);

  hide_typing (self);
  g_clear_handle_id (&self->pin_idle_id, g_source_remove);
  if (self->channel_signals)
    g_signal_group_set_target (self->channel_signals, NULL);
  if (self->bus_signals)
    g_signal_group_set_target (self->bus_signals, NULL);
  if (self->line_signals)
    g_signal_group_set_target (self->line_signals, NULL);
  if (self->messages)
    g_signal_handlers_disconnect_by_data (self->messages, self);

  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_CHAT_VIEW);
  td_widget_unparent_children (GTK_WIDGET (self));

  g_clear_object (&self->channel_signals);
  g_clear_object (&self->bus_signals);
  g_clear_object (&self->line_signals);
  g_clear_object (&self->messages);
  g_clear_object (&self->line);
  g_clear_object (&self->channel);

  G_OBJECT_CLASS (td_chat_view_parent_class)->dispose (object);
}

static void
td_chat_view_finalize (GObject *object)
{
  TdChatView *self = TD_CHAT_VIEW (object);

  g_hash_table_unref (self->bound_rows);

  G_OBJECT_CLASS (td_chat_view_parent_class)->finalize (object);
}

static void
td_chat_view_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  TdChatView *self = TD_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_LINE:
      g_value_set_object (value, self->line);
      break;
    case PROP_FOLDED:
      g_value_set_boolean (value, self->folded);
      break;
    case PROP_SHOW_END_TITLE_BUTTONS:
      g_value_set_boolean (value, self->show_end_title_buttons);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_chat_view_set_property (GObject      *object,
                           guint         prop_id,
                           const GValue *value,
                           GParamSpec   *pspec)
{
  TdChatView *self = TD_CHAT_VIEW (object);

  switch (prop_id)
    {
    case PROP_FOLDED:
      td_chat_view_set_folded (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_END_TITLE_BUTTONS:
      if (self->show_end_title_buttons != g_value_get_boolean (value))
        {
          self->show_end_title_buttons = g_value_get_boolean (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_chat_view_class_init (TdChatViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_chat_view_dispose;
  object_class->get_property = td_chat_view_get_property;
  object_class->set_property = td_chat_view_set_property;

  properties[PROP_LINE] =
    g_param_spec_object ("line", NULL, NULL, TD_TYPE_LINE,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* the window is folded to one pane: a back button, the window's buttons */
  properties[PROP_FOLDED] =
    g_param_spec_boolean ("folded", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* FALSE while another pane (the customer's context) ends the window */
  properties[PROP_SHOW_END_TITLE_BUTTONS] =
    g_param_spec_boolean ("show-end-title-buttons", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  object_class->finalize = td_chat_view_finalize;
  widget_class->root = td_chat_view_root;
  widget_class->unroot = td_chat_view_unroot;
  widget_class->map = td_chat_view_map;

  g_type_ensure (TD_TYPE_COMPOSER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-chat-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TdChatView, title);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, state_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, assign_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, stack);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, scroller);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, list_view);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, new_messages_button);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, typing_revealer);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, typing_label);
  gtk_widget_class_bind_template_child (widget_class, TdChatView, composer);
  gtk_widget_class_bind_template_callback (widget_class, on_new_messages_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_send_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_composer_typing_cb);

  gtk_widget_class_install_action (widget_class, "chat.assign-me", NULL, assign_me_action);
  gtk_widget_class_install_action (widget_class, "chat.unassign", NULL, unassign_action);
  gtk_widget_class_install_action (widget_class, "chat.set-state", "s", set_state_action);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
td_chat_view_init (TdChatView *self)
{
  GtkListItemFactory *factory;
  GtkEventController *controller;
  GtkAdjustment *adj;

  /* before the template, whose header binds to it */
  self->show_end_title_buttons = TRUE;
  gtk_widget_init_template (GTK_WIDGET (self));

  self->bound_rows = g_hash_table_new (NULL, NULL);
  self->pinned = TRUE;

  factory = gtk_signal_list_item_factory_new ();
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row_cb), self);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row_cb), self);
  g_signal_connect (factory, "unbind", G_CALLBACK (unbind_row_cb), self);
  g_signal_connect (factory, "teardown", G_CALLBACK (teardown_row_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  g_object_unref (factory);

  controller = gtk_event_controller_legacy_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "event", G_CALLBACK (on_scroller_event_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_widget_add_controller (GTK_WIDGET (self->scroller), controller);

  adj = get_vadjustment (self);
  g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_vadj_value_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::upper", G_CALLBACK (on_vadj_size_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adj, "notify::page-size", G_CALLBACK (on_vadj_size_changed_cb),
                           self, G_CONNECT_SWAPPED);

  self->channel_signals = g_signal_group_new (TD_TYPE_CHANNEL);
  g_signal_group_connect_swapped (self->channel_signals, "typing",
                                  G_CALLBACK (on_channel_typing_cb), self);
  self->bus_signals = g_signal_group_new (TD_TYPE_BUS);
  g_signal_group_connect_swapped (self->bus_signals, "packet::read",
                                  G_CALLBACK (on_bus_read_cb), self);
  self->line_signals = g_signal_group_new (TD_TYPE_LINE);
  g_signal_group_connect_swapped (self->line_signals, "notify",
                                  G_CALLBACK (on_line_notify_cb), self);

  update_header (self);
}

GtkWidget *
td_chat_view_new (void)
{
  return g_object_new (TD_TYPE_CHAT_VIEW, NULL);
}

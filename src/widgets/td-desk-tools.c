/* td-desk-tools.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-assign-dialog.h"
#include "td-canned.h"
#include "td-desk-tools.h"
#include "td-message-list.h"
#include "td-preferences-window.h"
#include "td-sla.h"
#include "td-snooze-dialog.h"
#include "td-transcript.h"
#include "td-window.h"

#define REVEAL_TRIES 100
#define REVEAL_SCROLLS 6

struct _TdDeskTools
{
  GObject             parent_instance;

  TdWindow           *window;      /* not owned */
  GSettings          *settings;
  GSimpleActionGroup *group;
  TdSearchWindow     *search;
  GtkWidget          *dialog;      /* weak */
  GtkWidget          *preferences; /* weak */
  GtkFileChooserNative *chooser;
  GCancellable       *cancellable;
  gulong              line_id;
  gulong              settings_id;

  GHashTable         *operators;   /* merchant id → GHashTable (uid → name) seen writing */
  gulong              committed_id;
  TdStore            *store;       /* watched for operators */

  TdMessage          *reveal;
  guint               reveal_id;
  guint               reveal_tries;
  guint               reveal_shown;
};

G_DEFINE_FINAL_TYPE (TdDeskTools, td_desk_tools, G_TYPE_OBJECT)

static TdChatView *
chat_view (TdDeskTools *self)
{
  return self->window ? td_window_get_chat_view (self->window) : NULL;
}

static TdLine *
current_line (TdDeskTools *self)
{
  TdChatView *chat = chat_view (self);

  return chat ? td_chat_view_get_line (chat) : NULL;
}

static TdChannel *
channel (TdDeskTools *self)
{
  return self->window ? td_window_get_channel (self->window) : NULL;
}

static void
toast (TdDeskTools *self,
       const char  *text)
{
  if (self->window)
    td_window_show_toast (self->window, text);
}

static const char *
merchant_name (TdDeskTools *self,
               TdLine      *line)
{
  const char *merchant = td_line_get_merchant (line);
  const char *name = merchant && channel (self) ? td_channel_get_merchant_name (channel (self), merchant) : NULL;

  return name ? name : merchant;
}

static void
set_enabled (TdDeskTools *self,
             const char  *name,
             gboolean     enabled)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->group), name);

  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), enabled);
}

static void
update_for_line (TdDeskTools *self)
{
  TdLine *line = current_line (self);
  static const char *line_actions[] = {
    "assign-me", "assign-to", "unassign", "set-state", "snooze", "snooze-custom",
    "note-mode", "quick-reply", "export",
  };
  TdChatView *chat = chat_view (self);

  for (guint i = 0; i < G_N_ELEMENTS (line_actions); i++)
    set_enabled (self, line_actions[i], line != NULL && channel (self) != NULL);

  if (chat)
    {
      TdComposer *composer = td_chat_view_get_composer (chat);
      g_auto(GStrv) replies = NULL;

      if (self->settings && line)
        replies = td_canned_dup_replies (self->settings, td_line_get_merchant (line));
      td_composer_set_quick_replies (composer, (const char * const *) replies);
      if (line == NULL)
        td_composer_set_note_mode (composer, FALSE);
    }

  if (self->window)
    td_context_pane_set_line (td_window_get_context_pane (self->window), line);
}

static void
on_settings_changed_cb (TdDeskTools *self,
                        const char  *key)
{
  if (g_strcmp0 (key, "quick-replies") == 0)
    update_for_line (self);
}

/* ---- state, snooze, assignee ---- */

static void
assign_me_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);

  if (line && channel (self) && td_channel_get_me_id (channel (self)))
    td_channel_assign (channel (self), td_line_get_id (line), td_channel_get_me_id (channel (self)));
}

static void
unassign_action (GSimpleAction *action,
                 GVariant      *param,
                 gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);

  if (line && channel (self))
    td_channel_assign (channel (self), td_line_get_id (line), NULL);
}

static void
add_teammate (GPtrArray  *uids,
              GPtrArray  *names,
              const char *uid,
              const char *name)
{
  if (uid == NULL || !g_str_has_prefix (uid, "o_"))
    return;
  for (guint i = 0; i < uids->len; i++)
    if (g_str_equal (uids->pdata[i], uid))
      {
        if (((char *) names->pdata[i])[0] == '\0' && name)
          {
            g_free (names->pdata[i]);
            names->pdata[i] = g_strdup (name);
          }
        return;
      }
  g_ptr_array_add (uids, g_strdup (uid));
  g_ptr_array_add (names, g_strdup (name ? name : ""));
}

char **
td_desk_tools_dup_teammates (TdDeskTools  *self,
                             TdLine       *line,
                             char       ***names_out)
{
  GPtrArray *uids = g_ptr_array_new ();
  GPtrArray *names = g_ptr_array_new ();
  TdChannel *ch;
  GListModel *messages;

  g_return_val_if_fail (TD_IS_DESK_TOOLS (self), NULL);
  g_return_val_if_fail (TD_IS_LINE (line), NULL);

  ch = channel (self);
  if (ch)
    {
      TdStore *store = td_channel_get_store (ch);
      guint n = td_store_get_n_lines (store);

      add_teammate (uids, names, td_channel_get_me_id (ch), td_channel_get_me_name (ch));
      for (guint i = 0; i < n; i++)
        {
          TdLine *other = td_store_get_line_at (store, i);

          if (g_strcmp0 (td_line_get_merchant (other), td_line_get_merchant (line)) == 0)
            add_teammate (uids, names, td_line_get_assignee (other), NULL);
        }
    }

  /* operators seen writing in the merchant's lines this session */
  if (td_line_get_merchant (line) &&
      g_hash_table_lookup (self->operators, td_line_get_merchant (line)))
    {
      GHashTableIter iter;
      gpointer uid, name;

      g_hash_table_iter_init (&iter, g_hash_table_lookup (self->operators, td_line_get_merchant (line)));
      while (g_hash_table_iter_next (&iter, &uid, &name))
        add_teammate (uids, names, uid, name);
    }

  messages = chat_view (self) && current_line (self) == line ?
             td_chat_view_get_messages (chat_view (self)) : NULL;
  for (guint i = 0; messages && i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(TdMessage) m = g_list_model_get_item (messages, i);

      if (td_message_get_sender_role (m) == TD_ROLE_OPERATOR)
        add_teammate (uids, names, td_message_get_sender_id (m), td_message_get_sender_name (m));
    }

  g_ptr_array_add (uids, NULL);
  g_ptr_array_add (names, NULL);
  if (names_out)
    *names_out = (char **) g_ptr_array_free (names, FALSE);
  else
    g_strfreev ((char **) g_ptr_array_free (names, FALSE));

  return (char **) g_ptr_array_free (uids, FALSE);
}

static void
on_assign_chosen_cb (TdDeskTools    *self,
                     const char     *uid,
                     TdAssignDialog *dialog)
{
  TdLine *line = g_object_get_data (G_OBJECT (dialog), "line");

  if (line && channel (self))
    td_channel_assign (channel (self), td_line_get_id (line), uid);
}

static void
show_dialog (TdDeskTools *self,
             GtkWidget   *dialog,
             TdLine      *line)
{
  g_object_set_data_full (G_OBJECT (dialog), "line", g_object_ref (line), g_object_unref);
  g_set_weak_pointer (&self->dialog, dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
assign_to_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);
  g_auto(GStrv) uids = NULL;
  g_auto(GStrv) names = NULL;
  GtkWidget *dialog;

  if (line == NULL || channel (self) == NULL)
    return;

  uids = td_desk_tools_dup_teammates (self, line, &names);
  dialog = td_assign_dialog_new (GTK_WINDOW (self->window));
  td_assign_dialog_set_teammates (TD_ASSIGN_DIALOG (dialog), (const char * const *) uids,
                                  (const char * const *) names,
                                  td_channel_get_me_id (channel (self)), td_line_get_assignee (line));
  g_signal_connect_object (dialog, "chosen", G_CALLBACK (on_assign_chosen_cb), self, G_CONNECT_SWAPPED);
  show_dialog (self, dialog, line);
}

static void
set_state_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);
  TdLineState state;

  if (line == NULL || channel (self) == NULL ||
      !td_line_state_from_string (g_variant_get_string (param, NULL), &state) ||
      state == TD_LINE_STATE_SNOOZED)
    return;

  td_channel_set_line_state (channel (self), td_line_get_id (line), state, 0);
}

static void
snooze (TdDeskTools *self,
        TdLine      *line,
        gint64       until)
{
  g_autofree char *text = NULL;

  if (line == NULL || channel (self) == NULL || until < 0)
    return;

  td_channel_set_line_state (channel (self), td_line_get_id (line), TD_LINE_STATE_SNOOZED, until);
  if (until == 0)
    text = g_strdup (_("Snoozed until the customer replies"));
  else
    {
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (until / 1000);
      g_autofree char *when = g_date_time_format (dt, "%a %e %b %H:%M");

      /* Translators: %s is a day and time */
      text = g_strdup_printf (_("Snoozed until %s"), when);
    }
  toast (self, text);
}

static void
snooze_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  TdDeskTools *self = user_data;
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (td_sla_now (td_sla_get_default ()) / 1000);

  snooze (self, current_line (self), td_snooze_preset_until (g_variant_get_string (param, NULL), now));
}

static void
on_snooze_chosen_cb (TdDeskTools    *self,
                     gint64          until,
                     TdSnoozeDialog *dialog)
{
  snooze (self, g_object_get_data (G_OBJECT (dialog), "line"), until);
}

static void
snooze_custom_action (GSimpleAction *action,
                      GVariant      *param,
                      gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);
  GtkWidget *dialog;

  if (line == NULL)
    return;

  dialog = td_snooze_dialog_new (GTK_WINDOW (self->window));
  g_signal_connect_object (dialog, "chosen", G_CALLBACK (on_snooze_chosen_cb), self, G_CONNECT_SWAPPED);
  show_dialog (self, dialog, line);
}

/* ---- search ---- */

static GtkListView *
find_list_view (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkListView *found;

      if (GTK_IS_LIST_VIEW (child))
        return GTK_LIST_VIEW (child);
      if ((found = find_list_view (child)) != NULL)
        return found;
    }

  return NULL;
}

static void
finish_reveal (TdDeskTools *self)
{
  self->reveal_id = 0;
  g_clear_object (&self->reveal);
}

static gboolean
reveal_tick_cb (gpointer data)
{
  TdDeskTools *self = data;
  TdChatView *chat = chat_view (self);
  GListModel *messages = chat ? td_chat_view_get_messages (chat) : NULL;
  TdLine *line = chat ? td_chat_view_get_line (chat) : NULL;

  if (self->reveal == NULL || messages == NULL || line == NULL ||
      g_strcmp0 (td_line_get_id (line), td_message_get_line_id (self->reveal)) != 0 ||
      ++self->reveal_tries > REVEAL_TRIES)
    goto done;

  if (td_message_list_get_loading (TD_MESSAGE_LIST (messages)))
    return G_SOURCE_CONTINUE;

  for (guint i = 0; i < g_list_model_get_n_items (messages); i++)
    {
      g_autoptr(TdMessage) m = g_list_model_get_item (messages, i);

      if (td_message_get_id (m) == td_message_get_id (self->reveal) &&
          td_message_get_line_seq (m) == td_message_get_line_seq (self->reveal))
        {
          GtkListView *view = find_list_view (GTK_WIDGET (chat));

          /* GTK 4.8's list.scroll-to-item warns for rows not laid out
           * yet: place the adjustment by the row's share of the list,
           * again on the next ticks as the rows above are measured.  As
           * for a scroll by hand, the chat lets go of the bottom. */
          if (view)
            {
              GtkAdjustment *adj = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
              double lower = gtk_adjustment_get_lower (adj);
              double upper = gtk_adjustment_get_upper (adj);
              double page = gtk_adjustment_get_page_size (adj);
              guint n = g_list_model_get_n_items (messages);

              /* not measured yet: wait (a list that fits has nothing to do) */
              if (upper <= page + 48)
                {
                  if (self->reveal_tries < 10)
                    return G_SOURCE_CONTINUE;
                  goto done;
                }
              td_chat_view_user_scrolled (chat);
              gtk_adjustment_set_value (adj, CLAMP (lower + (upper - lower) * i / MAX (n, 1) - page / 3,
                                                    lower, upper - page));
            }
          if (++self->reveal_shown >= REVEAL_SCROLLS)
            goto done;
          return G_SOURCE_CONTINUE;
        }
    }

  if (td_message_list_get_has_more (TD_MESSAGE_LIST (messages)))
    {
      td_message_list_load_older (TD_MESSAGE_LIST (messages));
      return G_SOURCE_CONTINUE;
    }

done:
  finish_reveal (self);
  return G_SOURCE_REMOVE;
}

void
td_desk_tools_open_message (TdDeskTools *self,
                            TdMessage   *message)
{
  g_return_if_fail (TD_IS_DESK_TOOLS (self));
  g_return_if_fail (TD_IS_MESSAGE (message));

  if (self->window == NULL || !td_window_open_line (self->window, td_message_get_line_id (message)))
    {
      toast (self, _("That line is no longer in the cache"));
      return;
    }

  g_set_object (&self->reveal, message);
  self->reveal_tries = 0;
  self->reveal_shown = 0;
  if (self->reveal_id == 0)
    self->reveal_id = g_timeout_add (100, reveal_tick_cb, self);
}

static void
on_open_message_cb (TdDeskTools    *self,
                    TdMessage      *message,
                    TdSearchWindow *search)
{
  td_desk_tools_open_message (self, message);
}

TdSearchWindow *
td_desk_tools_get_search (TdDeskTools *self)
{
  g_return_val_if_fail (TD_IS_DESK_TOOLS (self), NULL);

  if (self->search == NULL)
    {
      self->search = TD_SEARCH_WINDOW (td_search_window_new (GTK_WINDOW (self->window), NULL));
      g_object_ref_sink (self->search);
      g_signal_connect_object (self->search, "open-message", G_CALLBACK (on_open_message_cb),
                               self, G_CONNECT_SWAPPED);
    }
  td_search_window_set_store (self->search, channel (self) ? td_channel_get_store (channel (self)) : NULL);

  return self->search;
}

static void
search_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  TdDeskTools *self = user_data;

  if (channel (self) == NULL)
    return;

  gtk_window_present (GTK_WINDOW (td_desk_tools_get_search (self)));
}

/* ---- context pane, notes, quick replies ---- */

static void
context_action (GSimpleAction *action,
                GVariant      *param,
                gpointer       user_data)
{
  TdDeskTools *self = user_data;
  g_autoptr(GVariant) state = g_action_get_state (G_ACTION (action));
  gboolean visible = param ? g_variant_get_boolean (param) : !g_variant_get_boolean (state);

  g_simple_action_set_state (action, g_variant_new_boolean (visible));
  if (self->window)
    gtk_widget_set_visible (GTK_WIDGET (td_window_get_context_pane (self->window)), visible);
  if (self->settings)
    g_settings_set_boolean (self->settings, "context-pane-visible", visible);
}

static void
note_mode_action (GSimpleAction *action,
                  GVariant      *param,
                  gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdComposer *composer;

  if (chat_view (self) == NULL || current_line (self) == NULL)
    return;

  composer = td_chat_view_get_composer (chat_view (self));
  td_composer_set_note_mode (composer, !td_composer_get_note_mode (composer));
  td_composer_grab_focus (composer);
}

static void
quick_reply_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  TdDeskTools *self = user_data;
  int index = g_variant_get_int32 (param);

  if (chat_view (self) == NULL || current_line (self) == NULL || index < 1)
    return;

  if (!td_composer_insert_quick_reply (td_chat_view_get_composer (chat_view (self)), index - 1))
    toast (self, _("No quick reply with that number — add them in Preferences"));
}

/* ---- export ---- */

static void
on_exported_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(TdDeskTools) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!td_transcript_export_finish (TD_STORE (source), result, &error))
    {
      /* Translators: %s says why the file could not be written */
      g_autofree char *text = g_strdup_printf (_("Could not export the transcript: %s"), error->message);

      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        toast (self, text);
      return;
    }

  toast (self, _("Transcript exported"));
}

static void
on_chooser_response_cb (TdDeskTools          *self,
                        int                   response,
                        GtkFileChooserNative *chooser)
{
  TdLine *line = g_object_get_data (G_OBJECT (chooser), "line");
  g_autoptr(GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT && line && channel (self) &&
      (file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser))) != NULL)
    td_transcript_export_async (td_channel_get_store (channel (self)), line, merchant_name (self, line),
                                file, self->cancellable, on_exported_cb, g_object_ref (self));

  g_clear_object (&self->chooser);
}

static void
export_action (GSimpleAction *action,
               GVariant      *param,
               gpointer       user_data)
{
  TdDeskTools *self = user_data;
  TdLine *line = current_line (self);
  g_autofree char *name = NULL;
  const char *customer;

  if (line == NULL || channel (self) == NULL)
    return;

  g_clear_object (&self->chooser);
  self->chooser = gtk_file_chooser_native_new (_("Export Transcript"), GTK_WINDOW (self->window),
                                               GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  customer = td_line_get_customer_name (line);
  name = g_strdup_printf ("%s-%s.txt", customer && customer[0] ? customer : td_line_get_uid (line),
                          td_line_get_id (line));
  g_strdelimit (name, "/\\:", '-');
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_object_set_data_full (G_OBJECT (self->chooser), "line", g_object_ref (line), g_object_unref);
  g_signal_connect_object (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
preferences_action (GSimpleAction *action,
                    GVariant      *param,
                    gpointer       user_data)
{
  TdDeskTools *self = user_data;
  GtkWidget *prefs;

  if (self->settings == NULL)
    return;
  if (self->preferences)
    {
      gtk_window_present (GTK_WINDOW (self->preferences));
      return;
    }

  prefs = td_preferences_window_new (GTK_WINDOW (self->window), self->settings, channel (self));
  g_set_weak_pointer (&self->preferences, prefs);
  gtk_window_present (GTK_WINDOW (prefs));
}

/* ---- setup ---- */

static const GActionEntry entries[] = {
  { "assign-me", assign_me_action },
  { "assign-to", assign_to_action },
  { "unassign", unassign_action },
  { "set-state", set_state_action, "s" },
  { "snooze", snooze_action, "s" },
  { "snooze-custom", snooze_custom_action },
  { "search", search_action },
  { "context", context_action, NULL, "false" },
  { "note-mode", note_mode_action },
  { "quick-reply", quick_reply_action, "i" },
  { "export", export_action },
  { "preferences", preferences_action },
};

static const struct
{
  const char *accel;
  const char *action;
  const char *target;   /* GVariant text, nullable */
} shortcuts[] = {
  { "<Control><Shift>m", "tools.assign-me", NULL },
  { "<Control><Shift>a", "tools.assign-to", NULL },
  { "<Control><Shift>u", "tools.unassign", NULL },
  { "<Control><Shift>o", "tools.set-state", "'open'" },
  { "<Control><Shift>p", "tools.set-state", "'pending'" },
  { "<Control><Shift>r", "tools.set-state", "'resolved'" },
  { "<Control><Shift>z", "tools.snooze-custom", NULL },
  { "<Control>f", "tools.search", NULL },
  { "F9", "tools.context", NULL },
  { "<Control><Shift>n", "tools.note-mode", NULL },
  { "<Control><Shift>e", "tools.export", NULL },
  { "<Control>comma", "tools.preferences", NULL },
};

static void
add_shortcuts (TdDeskTools *self)
{
  GtkEventController *controller = gtk_shortcut_controller_new ();

  gtk_shortcut_controller_set_scope (GTK_SHORTCUT_CONTROLLER (controller), GTK_SHORTCUT_SCOPE_GLOBAL);
  /* before the focused widget: the composer's text view would take
   * Ctrl+Shift+A (unselect), Ctrl+Shift+U (Unicode input), Ctrl+Shift+Z
   * (redo) for itself, and these are the desk's */
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  for (guint i = 0; i < G_N_ELEMENTS (shortcuts); i++)
    {
      GtkShortcut *shortcut =
        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (shortcuts[i].accel),
                          gtk_named_action_new (shortcuts[i].action));

      if (shortcuts[i].target)
        gtk_shortcut_set_arguments (shortcut, g_variant_parse (NULL, shortcuts[i].target, NULL, NULL, NULL));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  for (int i = 1; i <= 9; i++)
    {
      g_autofree char *accel = g_strdup_printf ("<Control>%d", i);
      GtkShortcut *shortcut = gtk_shortcut_new (gtk_shortcut_trigger_parse_string (accel),
                                                gtk_named_action_new ("tools.quick-reply"));

      gtk_shortcut_set_arguments (shortcut, g_variant_new_int32 (i));
      gtk_shortcut_controller_add_shortcut (GTK_SHORTCUT_CONTROLLER (controller), shortcut);
    }
  gtk_widget_add_controller (GTK_WIDGET (self->window), controller);
}

static void
on_store_committed_cb (TdDeskTools    *self,
                       TdStoreChanges *changes,
                       TdStore        *store)
{
  for (guint i = 0; changes->messages_added && i < changes->messages_added->len; i++)
    {
      TdMessage *m = g_ptr_array_index (changes->messages_added, i);
      TdLine *line;
      GHashTable *known;

      if (td_message_get_sender_role (m) != TD_ROLE_OPERATOR ||
          (line = td_store_lookup_line (store, td_message_get_line_id (m))) == NULL ||
          td_line_get_merchant (line) == NULL)
        continue;
      known = g_hash_table_lookup (self->operators, td_line_get_merchant (line));
      if (known == NULL)
        {
          known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
          g_hash_table_insert (self->operators, g_strdup (td_line_get_merchant (line)), known);
        }
      if (td_message_get_sender_name (m))
        g_hash_table_insert (known, g_strdup (td_message_get_sender_id (m)),
                             g_strdup (td_message_get_sender_name (m)));
    }
}

static void
watch_store (TdDeskTools *self,
             TdStore     *store)
{
  if (self->store == store)
    return;
  if (self->store)
    g_clear_signal_handler (&self->committed_id, self->store);
  g_set_object (&self->store, store);
  g_hash_table_remove_all (self->operators);
  if (store)
    self->committed_id = g_signal_connect_object (store, "committed", G_CALLBACK (on_store_committed_cb),
                                                  self, G_CONNECT_SWAPPED);
}

static void
on_channel_changed_cb (TdDeskTools *self)
{
  TdChannel *ch = channel (self);

  watch_store (self, ch ? td_channel_get_store (ch) : NULL);
  td_context_pane_set_store (td_window_get_context_pane (self->window),
                             ch ? td_channel_get_store (ch) : NULL);
  if (self->search)
    td_search_window_set_store (self->search, ch ? td_channel_get_store (ch) : NULL);
  update_for_line (self);
}

static void
on_open_line_cb (TdDeskTools   *self,
                 const char    *line_id,
                 TdContextPane *pane)
{
  if (self->window)
    td_window_open_line (self->window, line_id);
}

void
td_desk_tools_set_settings (TdDeskTools *self,
                            GSettings   *settings)
{
  g_return_if_fail (TD_IS_DESK_TOOLS (self));

  if (self->settings == settings)
    return;
  if (self->settings)
    g_clear_signal_handler (&self->settings_id, self->settings);
  g_set_object (&self->settings, settings);
  td_sla_set_settings (td_sla_get_default (), settings);
  if (settings)
    {
      self->settings_id = g_signal_connect_object (settings, "changed", G_CALLBACK (on_settings_changed_cb),
                                                   self, G_CONNECT_SWAPPED);
      g_action_group_change_action_state (G_ACTION_GROUP (self->group), "context",
                                          g_variant_new_boolean (g_settings_get_boolean (settings, "context-pane-visible")));
    }
  update_for_line (self);
}

GSettings *
td_desk_tools_get_settings (TdDeskTools *self)
{
  g_return_val_if_fail (TD_IS_DESK_TOOLS (self), NULL);

  return self->settings;
}

GActionGroup *
td_desk_tools_get_actions (TdDeskTools *self)
{
  g_return_val_if_fail (TD_IS_DESK_TOOLS (self), NULL);

  return G_ACTION_GROUP (self->group);
}

GtkWidget *
td_desk_tools_get_dialog (TdDeskTools *self)
{
  g_return_val_if_fail (TD_IS_DESK_TOOLS (self), NULL);

  return self->dialog;
}

static void
td_desk_tools_dispose (GObject *object)
{
  TdDeskTools *self = TD_DESK_TOOLS (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->reveal_id, g_source_remove);
  g_clear_object (&self->reveal);
  watch_store (self, NULL);
  if (self->settings)
    g_clear_signal_handler (&self->settings_id, self->settings);
  if (self->search)
    {
      /* A search still running keeps the window alive past the main
       * window, and GTK 4.8 leaves a destroyed destroy-with-parent
       * window pointing at its freed parent: let go of it first */
      gtk_window_set_transient_for (GTK_WINDOW (self->search), NULL);
      gtk_window_destroy (GTK_WINDOW (self->search));
    }
  g_clear_object (&self->search);
  g_clear_weak_pointer (&self->dialog);
  g_clear_weak_pointer (&self->preferences);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  g_clear_object (&self->settings);
  g_clear_object (&self->group);
  g_clear_object (&self->cancellable);
  self->window = NULL;

  G_OBJECT_CLASS (td_desk_tools_parent_class)->dispose (object);
}

static void
td_desk_tools_finalize (GObject *object)
{
  g_hash_table_unref (TD_DESK_TOOLS (object)->operators);

  G_OBJECT_CLASS (td_desk_tools_parent_class)->finalize (object);
}

static void
td_desk_tools_class_init (TdDeskToolsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = td_desk_tools_dispose;
  G_OBJECT_CLASS (klass)->finalize = td_desk_tools_finalize;
}

static void
td_desk_tools_init (TdDeskTools *self)
{
  self->cancellable = g_cancellable_new ();
  self->operators = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->group = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->group), entries, G_N_ELEMENTS (entries), self);
}

TdDeskTools *
td_desk_tools_new (GtkWidget *window)
{
  TdDeskTools *self;

  g_return_val_if_fail (TD_IS_WINDOW (window), NULL);

  self = g_object_new (TD_TYPE_DESK_TOOLS, NULL);
  self->window = TD_WINDOW (window);
  gtk_widget_insert_action_group (window, "tools", G_ACTION_GROUP (self->group));
  add_shortcuts (self);

  g_signal_connect_object (td_window_get_chat_view (self->window), "notify::line",
                           G_CALLBACK (update_for_line), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (td_window_get_context_pane (self->window), "open-line",
                           G_CALLBACK (on_open_line_cb), self, G_CONNECT_SWAPPED);
  update_for_line (self);

  return self;
}

void
td_desk_tools_channel_changed (TdDeskTools *self)
{
  g_return_if_fail (TD_IS_DESK_TOOLS (self));

  on_channel_changed_cb (self);
}

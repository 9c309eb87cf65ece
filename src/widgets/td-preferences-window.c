/* td-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-canned.h"
#include "td-connection-banner.h"
#include "td-preferences-window.h"

struct _TdPreferencesWindow
{
  AdwPreferencesWindow parent_instance;

  AdwPreferencesPage  *sla_page;
  AdwPreferencesPage  *replies_page;
  GtkSpinButton       *default_target;
  AdwPreferencesPage  *notifications_page;
  GtkSwitch           *notifications_switch;
  AdwActionRow        *sound_row;
  GtkSwitch           *sound_switch;
  AdwPreferencesGroup *merchants_group;
  AdwPreferencesPage  *account_page;
  AdwPreferencesGroup *demo_group;
  AdwActionRow        *server_row;
  AdwActionRow        *connection_row;
  AdwActionRow        *user_row;
  GtkButton           *logout_button;

  GSettings           *settings;
  TdChannel           *channel;
  GHashTable          *reply_groups;  /* merchant id → GtkListBox (owned by the page) */
  GHashTable          *mode_rows;     /* merchant id → AdwComboRow (owned by the group) */
  char                *demo_url;      /* the app's, while in demo mode */
};

G_DEFINE_FINAL_TYPE (TdPreferencesWindow, td_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static const char *
merchant_name (TdPreferencesWindow *self,
               const char          *merchant)
{
  const char *name = self->channel ? td_channel_get_merchant_name (self->channel, merchant) : NULL;

  return name ? name : merchant;
}

/* ---- service levels ---- */

static void
on_target_changed_cb (GtkSpinButton *spin,
                      gpointer       user_data)
{
  TdPreferencesWindow *self = user_data;
  const char *merchant = g_object_get_data (G_OBJECT (spin), "merchant");
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "sla-targets");
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  int value;
  int minutes = gtk_spin_button_get_value_as_int (spin);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{si}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&si}", &key, &value))
    if (!g_str_equal (key, merchant))
      g_variant_builder_add (&builder, "{si}", key, value);
  /* 0 = the default target */
  if (minutes > 0)
    g_variant_builder_add (&builder, "{si}", merchant, minutes * 60);
  g_settings_set_value (self->settings, "sla-targets", g_variant_builder_end (&builder));
}

static void
on_default_target_changed_cb (TdPreferencesWindow *self,
                              GtkSpinButton       *spin)
{
  g_settings_set_int (self->settings, "sla-default-target",
                      MAX (1, gtk_spin_button_get_value_as_int (spin)) * 60);
}

static GtkWidget *
make_spin (double lower,
           double value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (lower, 24 * 60, 1);

  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);

  return spin;
}

static void
build_sla (TdPreferencesWindow *self)
{
  const char * const *merchants = self->channel ? td_channel_get_merchants (self->channel) : NULL;
  g_autoptr(GVariant) targets = g_settings_get_value (self->settings, "sla-targets");
  AdwPreferencesGroup *group;

  gtk_spin_button_set_value (self->default_target,
                             g_settings_get_int (self->settings, "sla-default-target") / 60);

  if (merchants == NULL || merchants[0] == NULL)
    return;

  group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (group, _("Per Merchant"));
  adw_preferences_group_set_description (group, _("Minutes; 0 uses the default target."));
  for (guint i = 0; merchants[i]; i++)
    {
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *spin;
      int seconds = 0;

      g_variant_lookup (targets, merchants[i], "i", &seconds);
      spin = make_spin (0, seconds / 60);
      g_object_set_data_full (G_OBJECT (spin), "merchant", g_strdup (merchants[i]), g_free);
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_target_changed_cb), self);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), merchant_name (self, merchants[i]));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spin);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), spin);
      adw_preferences_group_add (group, row);
    }
  adw_preferences_page_add (self->sla_page, group);
}

/* ---- notifications ---- */

/* The values of "notification-merchants", in the combo rows' order */
static const char * const modes[] = { "all", "waiting", "off" };

static void
on_mode_selected_cb (AdwComboRow *row,
                     GParamSpec  *pspec,
                     gpointer     user_data)
{
  TdPreferencesWindow *self = user_data;
  const char *merchant = g_object_get_data (G_OBJECT (row), "merchant");
  guint selected = adw_combo_row_get_selected (row);
  g_autoptr(GVariant) old = g_settings_get_value (self->settings, "notification-merchants");
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key, *value;

  if (selected >= G_N_ELEMENTS (modes))
    return;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{ss}"));
  g_variant_iter_init (&iter, old);
  while (g_variant_iter_next (&iter, "{&s&s}", &key, &value))
    if (!g_str_equal (key, merchant))
      g_variant_builder_add (&builder, "{ss}", key, value);
  /* "all" is what a merchant not listed gets */
  if (selected > 0)
    g_variant_builder_add (&builder, "{ss}", merchant, modes[selected]);
  g_settings_set_value (self->settings, "notification-merchants", g_variant_builder_end (&builder));
}

static guint
mode_index (GVariant   *dict,
            const char *merchant)
{
  const char *mode = NULL;

  if (g_variant_lookup (dict, merchant, "&s", &mode))
    for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
      if (g_str_equal (mode, modes[i]))
        return i;

  return 0;
}

/* Another window (or gsettings) changed a merchant's mode: follow it */
static void
on_merchants_setting_changed_cb (TdPreferencesWindow *self)
{
  g_autoptr(GVariant) dict = g_settings_get_value (self->settings, "notification-merchants");
  GHashTableIter iter;
  gpointer merchant, row;

  g_hash_table_iter_init (&iter, self->mode_rows);
  while (g_hash_table_iter_next (&iter, &merchant, &row))
    {
      guint index = mode_index (dict, merchant);

      if (adw_combo_row_get_selected (row) != index)
        adw_combo_row_set_selected (row, index);
    }
}

/* One combo row per merchant of the channel's (they may arrive after the
 * window opened: the first welcome) */
static void
add_mode_rows (TdPreferencesWindow *self)
{
  const char * const *merchants = self->channel ? td_channel_get_merchants (self->channel) : NULL;
  g_autoptr(GVariant) dict = g_settings_get_value (self->settings, "notification-merchants");

  for (guint i = 0; merchants && merchants[i]; i++)
    {
      const char *labels[] = { _("All Conversations"), _("Waiting Only"), _("Off"), NULL };
      g_autoptr(GtkStringList) model = NULL;
      GtkWidget *row;

      if (g_hash_table_contains (self->mode_rows, merchants[i]))
        continue;

      model = gtk_string_list_new (labels);
      row = adw_combo_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), merchant_name (self, merchants[i]));
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
      adw_combo_row_set_selected (ADW_COMBO_ROW (row), mode_index (dict, merchants[i]));
      g_object_set_data_full (G_OBJECT (row), "merchant", g_strdup (merchants[i]), g_free);
      g_signal_connect (row, "notify::selected", G_CALLBACK (on_mode_selected_cb), self);
      adw_preferences_group_add (self->merchants_group, row);
      g_hash_table_insert (self->mode_rows, g_strdup (merchants[i]), row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->merchants_group), g_hash_table_size (self->mode_rows) > 0);
}

static void
build_notifications (TdPreferencesWindow *self)
{
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notification-sound", self->sound_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_object_bind_property (self->notifications_switch, "active", self->sound_row, "sensitive",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->notifications_switch, "active", self->merchants_group, "sensitive",
                          G_BINDING_SYNC_CREATE);

  add_mode_rows (self);
  g_signal_connect_object (self->settings, "changed::notification-merchants",
                           G_CALLBACK (on_merchants_setting_changed_cb), self, G_CONNECT_SWAPPED);
}

GtkWidget *
td_preferences_window_get_notifications_switch (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return GTK_WIDGET (self->notifications_switch);
}

GtkWidget *
td_preferences_window_get_sound_switch (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return GTK_WIDGET (self->sound_switch);
}

GtkWidget *
td_preferences_window_get_mode_row (TdPreferencesWindow *self,
                                    const char          *merchant)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return merchant ? g_hash_table_lookup (self->mode_rows, merchant) : NULL;
}

/* ---- server and account ---- */

static gboolean
is_demo (TdPreferencesWindow *self)
{
  g_autofree char *url = NULL;

  if (self->channel == NULL || self->demo_url == NULL)
    return FALSE;
  g_object_get (self->channel, "base-url", &url, NULL);

  return g_strcmp0 (url, self->demo_url) == 0;
}

static void
update_account (TdPreferencesWindow *self)
{
  g_autofree char *url = NULL;
  g_autofree char *user = NULL;
  g_autofree char *connection = NULL;
  gboolean demo = is_demo (self);

  if (self->channel == NULL)
    {
      adw_action_row_set_subtitle (self->server_row, _("Not connected"));
      adw_action_row_set_subtitle (self->connection_row, _("Offline"));
      adw_action_row_set_subtitle (self->user_row, _("Nobody"));
      gtk_widget_set_visible (GTK_WIDGET (self->demo_group), FALSE);
      return;
    }

  g_object_get (self->channel, "base-url", &url, NULL);
  if (demo)
    {
      /* Translators: the demo's server address; %s is e.g. http://127.0.0.1:41234 */
      g_autofree char *text = g_strdup_printf (_("%s — inside Tripdesk (demo)"), url);

      adw_action_row_set_subtitle (self->server_row, text);
    }
  else
    adw_action_row_set_subtitle (self->server_row, url ? url : "");
  gtk_widget_set_visible (GTK_WIDGET (self->demo_group), demo);

  switch (td_channel_get_state (self->channel))
    {
    case TD_CHANNEL_STATE_ONLINE:
      {
        const char *label = td_transport_get_label (td_channel_get_transport (self->channel));

        /* Translators: %s is WebSocket or Long-poll */
        connection = label ? g_strdup_printf (_("Online over %s"), label) : g_strdup (_("Online"));
      }
      break;
    case TD_CHANNEL_STATE_CONNECTING:
      connection = g_strdup (_("Connecting…"));
      break;
    case TD_CHANNEL_STATE_BACKING_OFF:
      connection = g_strdup (_("Reconnecting…"));
      break;
    case TD_CHANNEL_STATE_OFFLINE:
    default:
      connection = g_strdup (_("Offline"));
      break;
    }
  adw_action_row_set_subtitle (self->connection_row, connection);

  if (td_channel_get_me_name (self->channel) && td_channel_get_me_id (self->channel))
    /* Translators: an operator's name and user id, e.g. "Alice (o_alice)" */
    user = g_strdup_printf (_("%s (%s)"), td_channel_get_me_name (self->channel),
                            td_channel_get_me_id (self->channel));
  else if (td_channel_get_me_id (self->channel))
    user = g_strdup (td_channel_get_me_id (self->channel));
  else
    user = g_settings_get_string (self->settings, "last-user");
  adw_action_row_set_subtitle (self->user_row, user[0] ? user : _("Unknown until connected"));
}

static void
on_logout_clicked_cb (TdPreferencesWindow *self)
{
  /* The session these rows describe ends: close as well */
  gtk_widget_activate_action (GTK_WIDGET (self), "app.logout", NULL);
  gtk_window_close (GTK_WINDOW (self));
}

const char *
td_preferences_window_get_connection_text (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return adw_action_row_get_subtitle (self->connection_row);
}

const char *
td_preferences_window_get_server_text (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return adw_action_row_get_subtitle (self->server_row);
}

const char *
td_preferences_window_get_user_text (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  return adw_action_row_get_subtitle (self->user_row);
}

gboolean
td_preferences_window_get_shows_demo (TdPreferencesWindow *self)
{
  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), FALSE);

  return gtk_widget_get_visible (GTK_WIDGET (self->demo_group));
}

/* ---- quick replies ---- */

static void
save_group (TdPreferencesWindow *self,
            GtkListBox          *list)
{
  const char *merchant = g_object_get_data (G_OBJECT (list), "merchant");
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) replies = NULL;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (list));
       row != NULL;
       row = gtk_widget_get_next_sibling (row))
    if (ADW_IS_ENTRY_ROW (row))
      g_strv_builder_add (builder, gtk_editable_get_text (GTK_EDITABLE (row)));

  replies = g_strv_builder_end (builder);
  td_canned_set_replies (self->settings, merchant, (const char * const *) replies);
}

static void
on_reply_changed_cb (GtkEditable *row,
                     gpointer     user_data)
{
  save_group (user_data, GTK_LIST_BOX (gtk_widget_get_parent (GTK_WIDGET (row))));
}

static void
on_remove_clicked_cb (GtkButton *button,
                      gpointer   user_data)
{
  GtkWidget *row = gtk_widget_get_ancestor (GTK_WIDGET (button), ADW_TYPE_ENTRY_ROW);
  GtkListBox *list = GTK_LIST_BOX (gtk_widget_get_parent (row));

  gtk_list_box_remove (list, row);
  save_group (user_data, list);
}

static GtkWidget *
add_reply_row (TdPreferencesWindow *self,
               GtkListBox          *list,
               const char          *text)
{
  GtkWidget *row = adw_entry_row_new ();
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  guint index = 0;

  for (GtkWidget *r = gtk_widget_get_first_child (GTK_WIDGET (list)); r; r = gtk_widget_get_next_sibling (r))
    index++;
  if (index < 9)
    {
      g_autofree char *title = g_strdup_printf ("Ctrl+%u", index + 1);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
    }
  gtk_editable_set_text (GTK_EDITABLE (row), text ? text : "");
  gtk_widget_set_valign (remove, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  gtk_widget_add_css_class (remove, "flat");
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (row), remove);
  gtk_list_box_append (list, row);
  g_signal_connect (row, "changed", G_CALLBACK (on_reply_changed_cb), self);

  return row;
}

GtkWidget *
td_preferences_window_add_reply (TdPreferencesWindow *self,
                                 const char          *merchant)
{
  GtkListBox *list;
  GtkWidget *row;

  g_return_val_if_fail (TD_IS_PREFERENCES_WINDOW (self), NULL);

  list = g_hash_table_lookup (self->reply_groups, merchant ? merchant : "");
  if (list == NULL)
    return NULL;
  row = add_reply_row (self, list, NULL);
  gtk_widget_grab_focus (row);

  return row;
}

static void
on_add_clicked_cb (GtkButton *button,
                   gpointer   user_data)
{
  td_preferences_window_add_reply (user_data, g_object_get_data (G_OBJECT (button), "merchant"));
}

static void
add_replies_group (TdPreferencesWindow *self,
                   const char          *merchant,
                   const char          *title)
{
  AdwPreferencesGroup *group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *add = gtk_button_new ();
  g_auto(GStrv) replies = td_canned_dup_own_replies (self->settings, merchant);

  adw_preferences_group_set_title (group, title);
  if (merchant[0] == '\0')
    adw_preferences_group_set_description (group, _("Insert them in the composer by typing / or with "
                                                    "Ctrl+1 … Ctrl+9; a merchant's own come first."));
  gtk_button_set_child (GTK_BUTTON (add),
                        g_object_new (ADW_TYPE_BUTTON_CONTENT, "icon-name", "list-add-symbolic",
                                      "label", _("_Add"), "use-underline", TRUE, NULL));
  gtk_widget_add_css_class (add, "flat");
  g_object_set_data_full (G_OBJECT (add), "merchant", g_strdup (merchant), g_free);
  g_signal_connect (add, "clicked", G_CALLBACK (on_add_clicked_cb), self);
  adw_preferences_group_set_header_suffix (group, add);

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  g_object_set_data_full (G_OBJECT (list), "merchant", g_strdup (merchant), g_free);
  for (guint i = 0; replies[i]; i++)
    add_reply_row (self, GTK_LIST_BOX (list), replies[i]);
  adw_preferences_group_add (group, list);
  g_hash_table_insert (self->reply_groups, g_strdup (merchant), list);
  adw_preferences_page_add (self->replies_page, group);
}

static void
build_replies (TdPreferencesWindow *self)
{
  const char * const *merchants = self->channel ? td_channel_get_merchants (self->channel) : NULL;

  add_replies_group (self, "", _("Every Merchant"));
  for (guint i = 0; merchants && merchants[i]; i++)
    add_replies_group (self, merchants[i], merchant_name (self, merchants[i]));
}

/* ---- GObject ---- */

static void
td_preferences_window_dispose (GObject *object)
{
  TdPreferencesWindow *self = TD_PREFERENCES_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TD_TYPE_PREFERENCES_WINDOW);
  if (self->channel)
    g_signal_handlers_disconnect_by_data (self->channel, self);
  g_clear_object (&self->settings);
  g_clear_object (&self->channel);

  G_OBJECT_CLASS (td_preferences_window_parent_class)->dispose (object);
}

static void
td_preferences_window_finalize (GObject *object)
{
  TdPreferencesWindow *self = TD_PREFERENCES_WINDOW (object);

  g_hash_table_unref (self->reply_groups);
  g_hash_table_unref (self->mode_rows);
  g_free (self->demo_url);

  G_OBJECT_CLASS (td_preferences_window_parent_class)->finalize (object);
}

static void
td_preferences_window_class_init (TdPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_preferences_window_dispose;
  object_class->finalize = td_preferences_window_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, sla_page);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, replies_page);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, default_target);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, notifications_page);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, sound_row);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, sound_switch);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, merchants_group);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, account_page);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, demo_group);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, connection_row);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, TdPreferencesWindow, logout_button);
  gtk_widget_class_bind_template_callback (widget_class, on_logout_clicked_cb);
}

static void
td_preferences_window_init (TdPreferencesWindow *self)
{
  self->reply_groups = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->mode_rows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_preferences_window_new (GtkWindow *parent,
                           GSettings *settings,
                           TdChannel *channel)
{
  TdPreferencesWindow *self;
  GtkApplication *app = parent ? gtk_window_get_application (parent) : NULL;

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  self = g_object_new (TD_TYPE_PREFERENCES_WINDOW, "transient-for", parent, NULL);
  self->settings = g_object_ref (settings);
  self->channel = channel ? g_object_ref (channel) : NULL;
  /* app.logout is reachable from this window through its application;
   * TdApplication says whether this is its demo ("demo-url") */
  if (app != NULL)
    {
      gtk_window_set_application (GTK_WINDOW (self), app);
      if (g_object_class_find_property (G_OBJECT_GET_CLASS (app), "demo-url"))
        g_object_get (app, "demo-url", &self->demo_url, NULL);
    }
  /* Log Out is app.logout: only with an application that has it */
  gtk_widget_set_sensitive (GTK_WIDGET (self->logout_button),
                            app != NULL && g_action_group_has_action (G_ACTION_GROUP (app), "logout"));
  build_notifications (self);
  build_sla (self);
  build_replies (self);
  update_account (self);
  if (self->channel)
    {
      g_signal_connect_object (self->channel, "notify::state", G_CALLBACK (update_account), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->channel, "notify::transport", G_CALLBACK (update_account), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->channel, "notify::me-name", G_CALLBACK (update_account), self,
                               G_CONNECT_SWAPPED);
      g_signal_connect_object (self->channel, "notify::merchants", G_CALLBACK (add_mode_rows), self,
                               G_CONNECT_SWAPPED);
    }
  g_signal_connect_swapped (self->default_target, "value-changed",
                            G_CALLBACK (on_default_target_changed_cb), self);

  return GTK_WIDGET (self);
}

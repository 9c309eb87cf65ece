/* td-login-page.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "td-login-page.h"
#include "td-widget-util.h"

struct _TdLoginPage
{
  GtkWidget            parent_instance;

  AdwEntryRow         *server_row;
  AdwEntryRow         *user_row;
  AdwPasswordEntryRow *password_row;
  GtkButton           *login_button;
  GtkButton           *demo_button;
  GtkSpinner          *spinner;
  GtkLabel            *error_label;
  GtkWidget           *form;
};

enum {
  LOG_IN,
  TRY_DEMO,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TdLoginPage, td_login_page, GTK_TYPE_WIDGET)

static void
update_sensitivity (TdLoginPage *self)
{
  const char *url = gtk_editable_get_text (GTK_EDITABLE (self->server_row));
  const char *user = gtk_editable_get_text (GTK_EDITABLE (self->user_row));

  gtk_widget_set_sensitive (GTK_WIDGET (self->login_button),
                            !gtk_spinner_get_spinning (self->spinner) &&
                            (g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://")) &&
                            user[0] != '\0');
}

static void
on_login_cb (TdLoginPage *self)
{
  if (!gtk_widget_get_sensitive (GTK_WIDGET (self->login_button)))
    return;

  g_signal_emit (self, signals[LOG_IN], 0,
                 gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

static void
on_demo_cb (TdLoginPage *self)
{
  g_signal_emit (self, signals[TRY_DEMO], 0);
}

void
td_login_page_set_server_url (TdLoginPage *self,
                              const char  *url)
{
  g_return_if_fail (TD_IS_LOGIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), url ? url : "");
}

const char *
td_login_page_get_server_url (TdLoginPage *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_PAGE (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->server_row));
}

void
td_login_page_set_user (TdLoginPage *self,
                        const char  *user)
{
  g_return_if_fail (TD_IS_LOGIN_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user ? user : "");
}

void
td_login_page_set_busy (TdLoginPage *self,
                        gboolean     busy)
{
  g_return_if_fail (TD_IS_LOGIN_PAGE (self));

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_widget_set_sensitive (self->form, !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), !busy);
  update_sensitivity (self);
}

void
td_login_page_set_error (TdLoginPage *self,
                         const char  *message)
{
  g_return_if_fail (TD_IS_LOGIN_PAGE (self));

  gtk_label_set_text (self->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_widget_grab_focus (GTK_WIDGET (self->password_row));
    }
}

const char *
td_login_page_get_error (TdLoginPage *self)
{
  g_return_val_if_fail (TD_IS_LOGIN_PAGE (self), NULL);

  if (!gtk_widget_get_visible (GTK_WIDGET (self->error_label)))
    return NULL;

  return gtk_label_get_text (self->error_label);
}

static void
td_login_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_LOGIN_PAGE);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_login_page_parent_class)->dispose (object);
}

static void
td_login_page_class_init (TdLoginPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_login_page_dispose;

  signals[LOG_IN] = g_signal_new ("log-in", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                  G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  signals[TRY_DEMO] = g_signal_new ("try-demo", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-login-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, server_row);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, user_row);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, password_row);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, login_button);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, demo_button);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TdLoginPage, form);
  gtk_widget_class_bind_template_callback (widget_class, on_login_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_demo_cb);
  gtk_widget_class_bind_template_callback (widget_class, update_sensitivity);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
td_login_page_init (TdLoginPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  update_sensitivity (self);
}

GtkWidget *
td_login_page_new (void)
{
  return g_object_new (TD_TYPE_LOGIN_PAGE, NULL);
}

/* td-login-page.h — server URL, user, password, and "Try the Demo"
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_TYPE_LOGIN_PAGE (td_login_page_get_type ())
G_DECLARE_FINAL_TYPE (TdLoginPage, td_login_page, TD, LOGIN_PAGE, GtkWidget)

/*
 * Signals:
 *   "log-in": void (TdLoginPage *, const char *server_url, const char *user,
 *             const char *password)
 *   "try-demo": void (TdLoginPage *)
 */

GtkWidget  *td_login_page_new            (void);
void        td_login_page_set_server_url (TdLoginPage *self,
                                          const char  *url);
const char *td_login_page_get_server_url (TdLoginPage *self);
void        td_login_page_set_user       (TdLoginPage *self,
                                          const char  *user);
/* While a login runs: controls insensitive, a spinner. */
void        td_login_page_set_busy       (TdLoginPage *self,
                                          gboolean     busy);
/* Shows @message under the form (nullable: hides it); clears the password. */
void        td_login_page_set_error      (TdLoginPage *self,
                                          const char  *message);

/* The error shown, NULL when none. */
const char *td_login_page_get_error      (TdLoginPage *self);

G_END_DECLS

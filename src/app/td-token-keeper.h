/* td-token-keeper.h — where the login token lives between runs
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TD_TOKEN_KEEPER_ERROR (td_token_keeper_error_quark ())
typedef enum
{
  TD_TOKEN_KEEPER_ERROR_FAILED,      /* the keyring answered with an error */
  TD_TOKEN_KEEPER_ERROR_NO_SERVICE,  /* no Secret Service (keyring) on the session bus,
                                      * or no session bus: the token cannot be kept */
  TD_TOKEN_KEEPER_ERROR_LOCKED,      /* the keyring stayed locked (prompt dismissed) */
} TdTokenKeeperError;
GQuark td_token_keeper_error_quark (void);

#define TD_TYPE_TOKEN_KEEPER (td_token_keeper_get_type ())
G_DECLARE_INTERFACE (TdTokenKeeper, td_token_keeper, TD, TOKEN_KEEPER, GObject)

struct _TdTokenKeeperInterface
{
  GTypeInterface parent_iface;

  void     (*lookup_async)  (TdTokenKeeper       *self,
                             const char          *server_url,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  char    *(*lookup_finish) (TdTokenKeeper  *self,
                             GAsyncResult   *result,
                             GError        **error);
  void     (*store_async)   (TdTokenKeeper       *self,
                             const char          *server_url,
                             const char          *user,
                             const char          *token,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  gboolean (*store_finish)  (TdTokenKeeper  *self,
                             GAsyncResult   *result,
                             GError        **error);
  void     (*clear_async)   (TdTokenKeeper       *self,
                             const char          *server_url,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  gboolean (*clear_finish)  (TdTokenKeeper  *self,
                             GAsyncResult   *result,
                             GError        **error);
};

/* Every operation fails with TD_TOKEN_KEEPER_ERROR (or G_IO_ERROR_CANCELLED);
 * the app then simply does not remember the login.
 * Finishes with the token (owned), or NULL without error when none is kept. */
void      td_token_keeper_lookup_async  (TdTokenKeeper       *self,
                                         const char          *server_url,
                                         const char          *user,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
char     *td_token_keeper_lookup_finish (TdTokenKeeper  *self,
                                         GAsyncResult   *result,
                                         GError        **error);
void      td_token_keeper_store_async   (TdTokenKeeper       *self,
                                         const char          *server_url,
                                         const char          *user,
                                         const char          *token,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean  td_token_keeper_store_finish  (TdTokenKeeper  *self,
                                         GAsyncResult   *result,
                                         GError        **error);
void      td_token_keeper_clear_async   (TdTokenKeeper       *self,
                                         const char          *server_url,
                                         const char          *user,
                                         GCancellable        *cancellable,
                                         GAsyncReadyCallback  callback,
                                         gpointer             user_data);
gboolean  td_token_keeper_clear_finish  (TdTokenKeeper  *self,
                                         GAsyncResult   *result,
                                         GError        **error);

/* In memory (tests, and when no secret service answers). */
#define TD_TYPE_MEMORY_TOKEN_KEEPER (td_memory_token_keeper_get_type ())
G_DECLARE_FINAL_TYPE (TdMemoryTokenKeeper, td_memory_token_keeper, TD, MEMORY_TOKEN_KEEPER, GObject)
TdTokenKeeper *td_memory_token_keeper_new (void);

/* libsecret: the user's keyring (a portal in the Flatpak). */
#define TD_TYPE_SECRET_TOKEN_KEEPER (td_secret_token_keeper_get_type ())
G_DECLARE_FINAL_TYPE (TdSecretTokenKeeper, td_secret_token_keeper, TD, SECRET_TOKEN_KEEPER, GObject)
TdTokenKeeper *td_secret_token_keeper_new (void);

G_END_DECLS

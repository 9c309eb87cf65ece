/* td-secret-token-keeper.c — the token in the user's keyring (libsecret)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-app"

#include "config.h"

#include <glib/gi18n.h>
#include <libsecret/secret.h>

#include "td-token-keeper.h"

struct _TdSecretTokenKeeper
{
  GObject parent_instance;
};

static void td_secret_token_keeper_iface_init (TdTokenKeeperInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdSecretTokenKeeper, td_secret_token_keeper, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_TOKEN_KEEPER,
                                                      td_secret_token_keeper_iface_init))

static const SecretSchema *
get_schema (void)
{
  static const SecretSchema schema = {
    "io.github.tripdesk.Tripdesk.Token", SECRET_SCHEMA_NONE,
    {
      { "server", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
      { NULL, 0 },
    }
  };

  return &schema;
}

/* libsecret's errors, in the keeper's domain: "no keyring" is the one the
 * app must expect (a bare session, a headless machine, a sandbox without
 * the portal), and says so. */
static GError *
keeper_error (GError     *error,
              const char *what)
{
  GError *out;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);

  if (error->domain == SECRET_ERROR)
    out = g_error_new (TD_TOKEN_KEEPER_ERROR,
                       error->code == SECRET_ERROR_IS_LOCKED ? TD_TOKEN_KEEPER_ERROR_LOCKED
                                                             : TD_TOKEN_KEEPER_ERROR_FAILED,
                       "The keyring could not %s the login token: %s", what, error->message);
  else
    /* G_DBUS_ERROR (ServiceUnknown, NameHasNoOwner…) or G_IO_ERROR from
     * the bus connection itself */
    out = g_error_new (TD_TOKEN_KEEPER_ERROR, TD_TOKEN_KEEPER_ERROR_NO_SERVICE,
                       "No keyring (Secret Service) is available to %s the login token: %s",
                       what, error->message);
  g_debug ("%s", out->message);
  return out;
}

static void
on_lookup_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  char *token = secret_password_lookup_finish (result, &error);

  if (error != NULL)
    g_task_return_error (task, keeper_error (error, "look up"));
  else
    g_task_return_pointer (task, token, (GDestroyNotify) secret_password_free);
}

static void
secret_lookup_async (TdTokenKeeper       *keeper,
                     const char          *server_url,
                     const char          *user,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (keeper, cancellable, callback, user_data);

  g_task_set_source_tag (task, secret_lookup_async);
  secret_password_lookup (get_schema (), cancellable, on_lookup_cb, g_steal_pointer (&task),
                          "server", server_url, "user", user, NULL);
}

static char *
secret_lookup_finish (TdTokenKeeper  *keeper,
                      GAsyncResult   *result,
                      GError        **error)
{
  char *token = g_task_propagate_pointer (G_TASK (result), error);
  char *copy = g_strdup (token);

  if (token)
    secret_password_free (token);

  return copy;
}

static void
on_store_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  if (secret_password_store_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else if (error == NULL)
    /* libsecret answers a dismissed unlock prompt with FALSE and no error */
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             "The keyring prompt was dismissed: the login token is not kept");
  else
    g_task_return_error (task, keeper_error (error, "keep"));
}

static void
secret_store_async (TdTokenKeeper       *keeper,
                    const char          *server_url,
                    const char          *user,
                    const char          *token,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (keeper, cancellable, callback, user_data);
  /* Translators: the keyring item's label; %s is a server address */
  g_autofree char *label = g_strdup_printf (_("Tripdesk token for %s"), server_url);

  g_task_set_source_tag (task, secret_store_async);
  secret_password_store (get_schema (), SECRET_COLLECTION_DEFAULT, label, token,
                         cancellable, on_store_cb, g_steal_pointer (&task),
                         "server", server_url, "user", user, NULL);
}

static gboolean
secret_finish_boolean (TdTokenKeeper  *keeper,
                       GAsyncResult   *result,
                       GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
on_clear_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;

  secret_password_clear_finish (result, &error);
  if (error != NULL)
    g_task_return_error (task, keeper_error (error, "forget"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
secret_clear_async (TdTokenKeeper       *keeper,
                    const char          *server_url,
                    const char          *user,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (keeper, cancellable, callback, user_data);

  g_task_set_source_tag (task, secret_clear_async);
  secret_password_clear (get_schema (), cancellable, on_clear_cb, g_steal_pointer (&task),
                         "server", server_url, "user", user, NULL);
}

static void
td_secret_token_keeper_iface_init (TdTokenKeeperInterface *iface)
{
  iface->lookup_async = secret_lookup_async;
  iface->lookup_finish = secret_lookup_finish;
  iface->store_async = secret_store_async;
  iface->store_finish = secret_finish_boolean;
  iface->clear_async = secret_clear_async;
  iface->clear_finish = secret_finish_boolean;
}

static void
td_secret_token_keeper_class_init (TdSecretTokenKeeperClass *klass)
{
}

static void
td_secret_token_keeper_init (TdSecretTokenKeeper *self)
{
}

TdTokenKeeper *
td_secret_token_keeper_new (void)
{
  return g_object_new (TD_TYPE_SECRET_TOKEN_KEEPER, NULL);
}

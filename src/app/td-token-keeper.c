/* td-token-keeper.c — the interface and the in-memory keeper
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-app"

#include "td-token-keeper.h"

G_DEFINE_QUARK (td-token-keeper-error-quark, td_token_keeper_error)

G_DEFINE_INTERFACE (TdTokenKeeper, td_token_keeper, G_TYPE_OBJECT)

static void
td_token_keeper_default_init (TdTokenKeeperInterface *iface)
{
}

void
td_token_keeper_lookup_async (TdTokenKeeper       *self,
                              const char          *server_url,
                              const char          *user,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (TD_IS_TOKEN_KEEPER (self));
  g_return_if_fail (server_url != NULL && user != NULL);

  TD_TOKEN_KEEPER_GET_IFACE (self)->lookup_async (self, server_url, user, cancellable,
                                                  callback, user_data);
}

char *
td_token_keeper_lookup_finish (TdTokenKeeper  *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (TD_IS_TOKEN_KEEPER (self), NULL);

  return TD_TOKEN_KEEPER_GET_IFACE (self)->lookup_finish (self, result, error);
}

void
td_token_keeper_store_async (TdTokenKeeper       *self,
                             const char          *server_url,
                             const char          *user,
                             const char          *token,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TD_IS_TOKEN_KEEPER (self));
  g_return_if_fail (server_url != NULL && user != NULL && token != NULL);

  TD_TOKEN_KEEPER_GET_IFACE (self)->store_async (self, server_url, user, token, cancellable,
                                                 callback, user_data);
}

gboolean
td_token_keeper_store_finish (TdTokenKeeper  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (TD_IS_TOKEN_KEEPER (self), FALSE);

  return TD_TOKEN_KEEPER_GET_IFACE (self)->store_finish (self, result, error);
}

void
td_token_keeper_clear_async (TdTokenKeeper       *self,
                             const char          *server_url,
                             const char          *user,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_return_if_fail (TD_IS_TOKEN_KEEPER (self));
  g_return_if_fail (server_url != NULL && user != NULL);

  TD_TOKEN_KEEPER_GET_IFACE (self)->clear_async (self, server_url, user, cancellable,
                                                 callback, user_data);
}

gboolean
td_token_keeper_clear_finish (TdTokenKeeper  *self,
                              GAsyncResult   *result,
                              GError        **error)
{
  g_return_val_if_fail (TD_IS_TOKEN_KEEPER (self), FALSE);

  return TD_TOKEN_KEEPER_GET_IFACE (self)->clear_finish (self, result, error);
}

/* ---- in memory ---- */

struct _TdMemoryTokenKeeper
{
  GObject     parent_instance;
  GHashTable *tokens;   /* "url\nuser" → token */
};

static void td_memory_token_keeper_iface_init (TdTokenKeeperInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TdMemoryTokenKeeper, td_memory_token_keeper, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (TD_TYPE_TOKEN_KEEPER,
                                                      td_memory_token_keeper_iface_init))

static char *
make_key (const char *server_url,
          const char *user)
{
  return g_strdup_printf ("%s\n%s", server_url, user);
}

static void
memory_lookup_async (TdTokenKeeper       *keeper,
                     const char          *server_url,
                     const char          *user,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  TdMemoryTokenKeeper *self = TD_MEMORY_TOKEN_KEEPER (keeper);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *key = make_key (server_url, user);

  g_task_set_source_tag (task, memory_lookup_async);
  g_task_return_pointer (task, g_strdup (g_hash_table_lookup (self->tokens, key)), g_free);
}

static char *
memory_lookup_finish (TdTokenKeeper  *keeper,
                      GAsyncResult   *result,
                      GError        **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
memory_store_async (TdTokenKeeper       *keeper,
                    const char          *server_url,
                    const char          *user,
                    const char          *token,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  TdMemoryTokenKeeper *self = TD_MEMORY_TOKEN_KEEPER (keeper);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, memory_store_async);
  g_hash_table_insert (self->tokens, make_key (server_url, user), g_strdup (token));
  g_task_return_boolean (task, TRUE);
}

static gboolean
memory_finish_boolean (TdTokenKeeper  *keeper,
                       GAsyncResult   *result,
                       GError        **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
memory_clear_async (TdTokenKeeper       *keeper,
                    const char          *server_url,
                    const char          *user,
                    GCancellable        *cancellable,
                    GAsyncReadyCallback  callback,
                    gpointer             user_data)
{
  TdMemoryTokenKeeper *self = TD_MEMORY_TOKEN_KEEPER (keeper);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *key = make_key (server_url, user);

  g_task_set_source_tag (task, memory_clear_async);
  g_hash_table_remove (self->tokens, key);
  g_task_return_boolean (task, TRUE);
}

static void
td_memory_token_keeper_iface_init (TdTokenKeeperInterface *iface)
{
  iface->lookup_async = memory_lookup_async;
  iface->lookup_finish = memory_lookup_finish;
  iface->store_async = memory_store_async;
  iface->store_finish = memory_finish_boolean;
  iface->clear_async = memory_clear_async;
  iface->clear_finish = memory_finish_boolean;
}

static void
td_memory_token_keeper_finalize (GObject *object)
{
  TdMemoryTokenKeeper *self = TD_MEMORY_TOKEN_KEEPER (object);

  g_hash_table_unref (self->tokens);

  G_OBJECT_CLASS (td_memory_token_keeper_parent_class)->finalize (object);
}

static void
td_memory_token_keeper_class_init (TdMemoryTokenKeeperClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = td_memory_token_keeper_finalize;
}

static void
td_memory_token_keeper_init (TdMemoryTokenKeeper *self)
{
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

TdTokenKeeper *
td_memory_token_keeper_new (void)
{
  return g_object_new (TD_TYPE_MEMORY_TOKEN_KEEPER, NULL);
}

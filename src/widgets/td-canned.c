/* td-canned.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include "td-canned.h"

#define KEY "quick-replies"

static void
append_own (GSettings  *settings,
            const char *merchant,
            GStrvBuilder *builder)
{
  g_autoptr(GVariant) all = g_settings_get_value (settings, KEY);
  g_autofree const char **replies = NULL;

  if (g_variant_lookup (all, merchant ? merchant : "", "^a&s", &replies))
    for (guint i = 0; replies[i]; i++)
      g_strv_builder_add (builder, replies[i]);
}

char **
td_canned_dup_own_replies (GSettings  *settings,
                           const char *merchant)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  append_own (settings, merchant, builder);

  return g_strv_builder_end (builder);
}

char **
td_canned_dup_replies (GSettings  *settings,
                       const char *merchant)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (G_IS_SETTINGS (settings), NULL);

  if (merchant && merchant[0])
    append_own (settings, merchant, builder);
  append_own (settings, "", builder);

  return g_strv_builder_end (builder);
}

void
td_canned_set_replies (GSettings          *settings,
                       const char         *merchant,
                       const char * const *replies)
{
  g_autoptr(GVariant) all = NULL;
  GVariantBuilder builder;
  GVariantIter iter;
  const char *key;
  GVariant *value;
  gboolean any = FALSE;

  g_return_if_fail (G_IS_SETTINGS (settings));

  if (merchant == NULL)
    merchant = "";

  all = g_settings_get_value (settings, KEY);
  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a{sas}"));
  g_variant_iter_init (&iter, all);
  while (g_variant_iter_next (&iter, "{&s@as}", &key, &value))
    {
      if (!g_str_equal (key, merchant))
        g_variant_builder_add (&builder, "{s@as}", key, value);
      g_variant_unref (value);
    }

  for (guint i = 0; replies && replies[i] && !any; i++)
    {
      g_autofree char *copy = g_strstrip (g_strdup (replies[i]));

      any = copy[0] != '\0';
    }

  if (any)
    {
      GVariantBuilder list;

      g_variant_builder_init (&list, G_VARIANT_TYPE ("as"));
      for (guint i = 0; replies[i]; i++)
        {
          g_autofree char *copy = g_strstrip (g_strdup (replies[i]));

          if (copy[0] != '\0')
            g_variant_builder_add (&list, "s", replies[i]);
        }
      g_variant_builder_add (&builder, "{sas}", merchant, &list);
    }

  g_settings_set_value (settings, KEY, g_variant_builder_end (&builder));
}

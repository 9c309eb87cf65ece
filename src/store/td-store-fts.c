/* td-store-fts.c — CJK bigram text for the FTS5 index
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * unicode61 cannot find 酒店 inside 我想预订酒店的房间 (the whole run is one
 * token) and trigram cannot match two characters.  So the index stores CJK
 * runs as overlapping bigrams (plus the run's last character alone) and a
 * query's CJK runs become a phrase of bigrams.
 */
#define G_LOG_DOMAIN "tripdesk-store"

#include "td-store-private.h"

gboolean
td_store_is_cjk (gunichar c)
{
  return (c >= 0x3040 && c <= 0x30ff)      /* Hiragana, Katakana */
      || (c >= 0x3400 && c <= 0x4dbf)      /* CJK Ext A */
      || (c >= 0x4e00 && c <= 0x9fff)      /* CJK Unified */
      || (c >= 0xac00 && c <= 0xd7af)      /* Hangul syllables */
      || (c >= 0xf900 && c <= 0xfaff)      /* CJK compatibility */
      || (c >= 0x20000 && c <= 0x2fa1f);   /* CJK Ext B… */
}

static void
flush_run (GString  *out,
           GArray   *run,
           gboolean  for_query)
{
  guint n = run->len;

  if (n == 0)
    return;

  g_string_append_c (out, ' ');
  if (n == 1)
    {
      g_string_append_unichar (out, g_array_index (run, gunichar, 0));
    }
  else
    {
      for (guint i = 0; i + 1 < n; i++)
        {
          if (i > 0)
            g_string_append_c (out, ' ');
          g_string_append_unichar (out, g_array_index (run, gunichar, i));
          g_string_append_unichar (out, g_array_index (run, gunichar, i + 1));
        }
      if (!for_query)
        {
          g_string_append_c (out, ' ');
          g_string_append_unichar (out, g_array_index (run, gunichar, n - 1));
        }
    }
  g_string_append_c (out, ' ');
  g_array_set_size (run, 0);
}

char *
td_store_fts_transform (const char *text,
                        gboolean    for_query)
{
  g_autoptr(GArray) run = g_array_new (FALSE, FALSE, sizeof (gunichar));
  GString *out;
  const char *p;

  if (text == NULL)
    return g_strdup ("");

  out = g_string_sized_new (strlen (text) * 2);
  for (p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char_validated (p, -1);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        break;
      if (td_store_is_cjk (c))
        {
          g_array_append_val (run, c);
          continue;
        }
      flush_run (out, run, for_query);
      g_string_append_unichar (out, c);
    }
  flush_run (out, run, for_query);

  return g_string_free (out, FALSE);
}

char *
td_store_fts_text (const char *text)
{
  return td_store_fts_transform (text, FALSE);
}

/* A user's query → an FTS5 MATCH expression: every whitespace-separated
 * word must match, as a (prefix) phrase.  NULL when nothing to search. */
char *
td_store_fts_query (const char *query)
{
  g_auto(GStrv) words = NULL;
  GString *out = g_string_new (NULL);

  if (query == NULL)
    return NULL;

  words = g_strsplit_set (query, " \t\r\n\u3000", -1);
  for (guint i = 0; words[i]; i++)
    {
      g_autofree char *t = NULL;
      g_auto(GStrv) pieces = NULL;
      GString *phrase;

      if (words[i][0] == '\0')
        continue;
      t = td_store_fts_transform (words[i], TRUE);
      pieces = g_strsplit_set (t, " ", -1);
      phrase = g_string_new (NULL);
      for (guint j = 0; pieces[j]; j++)
        {
          const char *s;
          gboolean any = FALSE;

          /* keep only token characters; unicode61 splits on the rest */
          for (s = pieces[j]; *s; s = g_utf8_next_char (s))
            {
              gunichar c = g_utf8_get_char (s);

              if (g_unichar_isalnum (c) || td_store_is_cjk (c))
                {
                  if (!any && phrase->len > 0)
                    g_string_append_c (phrase, ' ');
                  g_string_append_unichar (phrase, c);
                  any = TRUE;
                }
              else if (any)
                {
                  g_string_append_c (phrase, ' ');
                  any = FALSE;
                }
            }
        }
      g_strstrip (phrase->str);
      phrase->len = strlen (phrase->str);
      if (phrase->len > 0)
        {
          if (out->len > 0)
            g_string_append (out, " AND ");
          g_string_append_printf (out, "\"%s\" *", phrase->str);
        }
      g_string_free (phrase, TRUE);
    }

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

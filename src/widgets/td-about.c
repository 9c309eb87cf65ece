/* td-about.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-about.h"
#include "td-widgets.h"

/* Kept equal to the metainfo (tests/test-prefs.c compares them) */
#define DEVELOPER_NAME "The Tripdesk developers"
#define WEBSITE "https://github.com/tripdesk/tripdesk"
#define ISSUE_URL "https://github.com/tripdesk/tripdesk/issues"

typedef struct
{
  int      releases;      /* <release> elements seen */
  gboolean in_description;
  gboolean in_text;       /* inside <p> or <li> */
  gboolean skip;          /* a translated copy (xml:lang): not ours */
  char    *version;
  GString *text;
  GString *out;
} Notes;

static void
start_element_cb (GMarkupParseContext  *context,
                  const char           *element,
                  const char          **names,
                  const char          **values,
                  gpointer              user_data,
                  GError              **error)
{
  Notes *notes = user_data;

  if (g_str_equal (element, "release"))
    {
      if (++notes->releases == 1)
        for (guint i = 0; names[i]; i++)
          if (g_str_equal (names[i], "version"))
            notes->version = g_strdup (values[i]);
      return;
    }
  /* the newest release comes first (AppStream) */
  if (notes->releases != 1)
    return;

  if (g_str_equal (element, "description"))
    notes->in_description = TRUE;
  else if (notes->in_description && (g_str_equal (element, "p") || g_str_equal (element, "li")))
    {
      notes->in_text = TRUE;
      notes->skip = FALSE;
      for (guint i = 0; names[i]; i++)
        if (g_str_equal (names[i], "xml:lang"))
          notes->skip = TRUE;
      g_string_truncate (notes->text, 0);
    }
  else if (notes->in_description && (g_str_equal (element, "ul") || g_str_equal (element, "ol")))
    g_string_append_printf (notes->out, "<%s>", element);
}

/* Whitespace collapsed as itstool does for the msgids in po/ */
static char *
normalize (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;

  for (const char *p = text; *p; p++)
    {
      if (g_ascii_isspace (*p))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }

  return g_string_free (out, FALSE);
}

static void
end_element_cb (GMarkupParseContext  *context,
                const char           *element,
                gpointer              user_data,
                GError              **error)
{
  Notes *notes = user_data;

  if (notes->releases != 1)
    return;

  if (g_str_equal (element, "description"))
    notes->in_description = FALSE;
  else if (notes->in_text && (g_str_equal (element, "p") || g_str_equal (element, "li")))
    {
      notes->in_text = FALSE;
      if (!notes->skip)
        {
          g_autofree char *msgid = normalize (notes->text->str);
          /* dgettext () as _ () does: g_dgettext () turns itself off for
           * good under LANG=C.UTF-8 when its first call has no catalogue */
          g_autofree char *escaped = g_markup_escape_text (dgettext (GETTEXT_PACKAGE, msgid), -1);

          g_string_append_printf (notes->out, "<%s>%s</%s>", element, escaped, element);
        }
    }
  else if (notes->in_description && (g_str_equal (element, "ul") || g_str_equal (element, "ol")))
    g_string_append_printf (notes->out, "</%s>", element);
}

static void
text_cb (GMarkupParseContext  *context,
         const char           *text,
         gsize                 len,
         gpointer              user_data,
         GError              **error)
{
  Notes *notes = user_data;

  if (notes->releases == 1 && notes->in_text)
    g_string_append_len (notes->text, text, len);
}

char *
td_about_dup_release_notes (const char  *metainfo,
                            char       **version)
{
  static const GMarkupParser parser = { start_element_cb, end_element_cb, text_cb, NULL, NULL };
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GError) error = NULL;
  Notes notes = { 0, };
  char *result = NULL;

  g_return_val_if_fail (metainfo != NULL, NULL);

  notes.text = g_string_new (NULL);
  notes.out = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &notes, NULL);
  if (!g_markup_parse_context_parse (context, metainfo, -1, &error) ||
      !g_markup_parse_context_end_parse (context, &error))
    g_debug ("Cannot read the release notes: %s", error->message);
  else if (notes.out->len > 0)
    result = g_strdup (notes.out->str);

  if (version)
    *version = result ? g_steal_pointer (&notes.version) : NULL;
  g_free (notes.version);
  g_string_free (notes.text, TRUE);
  g_string_free (notes.out, TRUE);

  return result;
}

GtkWidget *
td_about_window_new (GtkWindow *parent)
{
  const char *developers[] = { DEVELOPER_NAME, NULL };
  g_autoptr(GBytes) metainfo = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *notes_version = NULL;
  GtkWidget *about;

  td_widgets_init ();
  metainfo = g_resources_lookup_data (TD_RESOURCE_PATH "/metainfo.xml", 0, NULL);
  if (metainfo != NULL)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (metainfo, NULL), g_bytes_get_size (metainfo));

      notes = td_about_dup_release_notes (text, &notes_version);
    }

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", parent,
                        "modal", parent != NULL,
                        "application-name", "Tripdesk",
                        "application-icon", APP_ID,
                        "version", VERSION,
                        "developer-name", DEVELOPER_NAME,
                        "developers", developers,
                        "copyright", "© 2026 " DEVELOPER_NAME,
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "website", WEBSITE,
                        "issue-url", ISSUE_URL,
                        "comments", _("Answer travellers across every merchant"),
                        /* Translators: your name(s), one per line, optionally with <email> */
                        "translator-credits", _("translator-credits"),
                        NULL);
  if (notes != NULL)
    g_object_set (about, "release-notes", notes, "release-notes-version", notes_version, NULL);

  return about;
}

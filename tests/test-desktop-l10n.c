/* test-desktop-l10n.c — the app's widgets show translated strings
 *
 * Copyright 2026 The Tripdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Binds the text domain to the catalogues compiled into the build tree
 * (TD_PO_BUILDDIR) exactly as main.c binds it to LOCALEDIR, sets
 * LANG=C.UTF-8 and LANGUAGE=zh_CN (or de), builds the login page and the
 * main window from their templates and walks every widget: the strings on
 * screen must be the translations, and no string shown may be an English
 * msgid that has a translation (that would be a template or a widget that
 * bypasses gettext).
 */

#define G_LOG_DOMAIN "tripdesk-test-l10n"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <locale.h>

#include "td-about.h"
#include "td-login-page.h"
#include "td-preferences-window.h"
#include "td-widgets.h"
#include "td-window.h"

static AdwApplication *app;

static void
use_language (const char *language)
{
  g_setenv ("LANGUAGE", language, TRUE);
  /* gettext caches lookups per LANGUAGE; textdomain() flushes the cache */
  textdomain (GETTEXT_PACKAGE);
}

static void
collect (GtkWidget *widget,
         GPtrArray *strings)
{
  static const char *props[] = {
    "label", "title", "subtitle", "description", "placeholder-text",
    "tooltip-text", "text",
  };
  GObjectClass *klass = G_OBJECT_GET_CLASS (widget);

  for (guint i = 0; i < G_N_ELEMENTS (props); i++)
    {
      GParamSpec *pspec = g_object_class_find_property (klass, props[i]);
      g_autofree char *value = NULL;

      if (pspec == NULL || pspec->value_type != G_TYPE_STRING
          || !(pspec->flags & G_PARAM_READABLE))
        continue;
      g_object_get (widget, props[i], &value, NULL);
      if (value != NULL && *value != '\0')
        g_ptr_array_add (strings, g_steal_pointer (&value));
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect (child, strings);
}

static gboolean
contains (GPtrArray  *strings,
          const char *needle)
{
  for (guint i = 0; i < strings->len; i++)
    if (g_strcmp0 (g_ptr_array_index (strings, i), needle) == 0)
      return TRUE;
  return FALSE;
}

/* every string shown that is an msgid with a translation is a bug */
static void
assert_nothing_untranslated (GPtrArray *strings)
{
  guint bad = 0;

  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);
      const char *t = g_dgettext (GETTEXT_PACKAGE, s);

      if (t != s && g_strcmp0 (t, s) != 0)
        {
          g_test_message ("shown untranslated: \"%s\" (translation: \"%s\")", s, t);
          bad++;
        }
    }
  g_assert_cmpuint (bad, ==, 0);
}

static GPtrArray *
login_page_strings (void)
{
  GPtrArray *strings = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *page = g_object_ref_sink (g_object_new (TD_TYPE_LOGIN_PAGE, NULL));

  collect (page, strings);
  g_object_unref (page);
  g_test_message ("%u strings on the login page", strings->len);

  return strings;
}

static void
test_login_page_zh_cn (void)
{
  g_autoptr(GPtrArray) strings = NULL;

  use_language ("zh_CN");
  strings = login_page_strings ();

  g_assert_true (contains (strings, "欢迎使用 Tripdesk"));
  g_assert_true (contains (strings, "密码"));
  g_assert_false (contains (strings, "Welcome to Tripdesk"));
  g_assert_false (contains (strings, "Password"));
  assert_nothing_untranslated (strings);
}

static void
test_login_page_de (void)
{
  g_autoptr(GPtrArray) strings = NULL;

  use_language ("de");
  strings = login_page_strings ();

  g_assert_true (contains (strings, "Willkommen bei Tripdesk"));
  g_assert_true (contains (strings, "Passwort"));
  g_assert_false (contains (strings, "Welcome to Tripdesk"));
  assert_nothing_untranslated (strings);
}

static void
test_login_page_untranslated (void)
{
  g_autoptr(GPtrArray) strings = NULL;

  /* a language without a catalogue shows the English originals */
  use_language ("xx");
  strings = login_page_strings ();

  g_assert_true (contains (strings, "Welcome to Tripdesk"));
  g_assert_false (contains (strings, "欢迎使用 Tripdesk"));
}

static void
test_window_zh_cn (void)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  TdWindow *window;
  guint cjk = 0;

  use_language ("zh_CN");
  window = td_window_new (GTK_APPLICATION (app), NULL);
  collect (GTK_WIDGET (window), strings);
  g_test_message ("%u strings in the window", strings->len);

  for (guint i = 0; i < strings->len; i++)
    {
      const char *s = g_ptr_array_index (strings, i);

      for (const char *p = s; *p != '\0'; p = g_utf8_next_char (p))
        if (g_unichar_get_script (g_utf8_get_char (p)) == G_UNICODE_SCRIPT_HAN)
          {
            cjk++;
            break;
          }
    }
  g_test_message ("%u of them in Chinese", cjk);
  g_assert_cmpuint (cjk, >=, 3);
  assert_nothing_untranslated (strings);

  gtk_window_destroy (GTK_WINDOW (window));
}

static void
save_png (GtkWidget  *window,
          const char *name)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (window);
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (node == NULL && g_get_monotonic_time () < deadline)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (window),
                              gtk_widget_get_height (window));
      node = gtk_snapshot_free_to_node (snapshot);
      g_main_context_iteration (NULL, FALSE);
    }
  if (node != NULL)
    {
      texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                             &GRAPHENE_RECT_INIT (0, 0, gtk_widget_get_width (window),
                                                                  gtk_widget_get_height (window)));
      if (gdk_texture_save_to_png (texture, path))
        g_test_message ("screenshot: %s", path);
    }
  g_object_unref (paintable);
}

/* The preferences (notifications, server & account pages) and the About
 * window's release notes, translated */
static void
preferences (const char *language,
             const char *notifications,
             const char *account,
             const char *first_release)
{
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GBytes) metainfo = NULL;
  g_autofree char *notes = NULL;
  g_autofree char *png = g_strdup_printf ("tripdesk-l10n-preferences-%s.png", language);
  GtkWidget *window;
  gint64 until;

  use_language (language);
  window = td_preferences_window_new (NULL, settings, NULL);
  collect (window, strings);
  g_test_message ("%u strings in the preferences", strings->len);
  g_assert_true (contains (strings, notifications));
  g_assert_true (contains (strings, account));
  g_assert_false (contains (strings, "Notifications"));
  assert_nothing_untranslated (strings);

  gtk_window_present (GTK_WINDOW (window));
  until = g_get_monotonic_time () + 300 * 1000;
  while (g_get_monotonic_time () < until)
    g_main_context_iteration (NULL, FALSE);
  save_png (window, png);
  gtk_window_destroy (GTK_WINDOW (window));

  metainfo = g_resources_lookup_data (TD_RESOURCE_PATH "/metainfo.xml", 0, NULL);
  g_assert_nonnull (metainfo);
  notes = td_about_dup_release_notes (g_bytes_get_data (metainfo, NULL), NULL);
  g_assert_nonnull (notes);
  g_assert_true (g_str_has_prefix (notes, first_release));
}

static void
test_preferences_zh_cn (void)
{
  preferences ("zh_CN", "通知", "服务器和账户", "<p>首次发布。</p>");
}

static void
test_preferences_de (void)
{
  preferences ("de", "Benachrichtigungen", "Server und Konto", "<p>Erste Veröffentlichung.</p>");
}

int
main (int   argc,
      char *argv[])
{
  const char *po_dir = g_getenv ("TD_PO_BUILDDIR");
  g_autoptr(GError) error = NULL;
  int ret;

  g_setenv ("LANG", "C.UTF-8", TRUE);
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LC_MESSAGES");
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, po_dir != NULL ? po_dir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  td_widgets_init ();

  app = adw_application_new ("io.github.tripdesk.Tripdesk.TestL10n",
                             G_APPLICATION_NON_UNIQUE);
  g_application_register (G_APPLICATION (app), NULL, &error);
  g_assert_no_error (error);

  g_test_add_func ("/tripdesk/desktop-l10n/login-page-zh-cn", test_login_page_zh_cn);
  g_test_add_func ("/tripdesk/desktop-l10n/login-page-de", test_login_page_de);
  g_test_add_func ("/tripdesk/desktop-l10n/login-page-untranslated", test_login_page_untranslated);
  g_test_add_func ("/tripdesk/desktop-l10n/window-zh-cn", test_window_zh_cn);
  g_test_add_func ("/tripdesk/desktop-l10n/preferences-zh-cn", test_preferences_zh_cn);
  g_test_add_func ("/tripdesk/desktop-l10n/preferences-de", test_preferences_de);

  ret = g_test_run ();
  g_clear_object (&app);

  return ret;
}

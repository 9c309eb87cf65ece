/* test-desktop-i18n.c — the catalogues built from po/ load at run time
 *
 * Copyright 2026 The Tripdesk authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs against the .mo files compiled into the build tree (TD_PO_BUILDDIR),
 * the way the app binds its text domain, with LANG=C.UTF-8 (the gettext
 * pitfall: LANGUAGE is ignored under LANG=C).
 */

#define G_LOG_DOMAIN "tripdesk-test-i18n"

#include "config.h"

#include <glib.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

static const char *
translate (const char *language,
           const char *msgid)
{
  g_setenv ("LANGUAGE", language, TRUE);
  /* gettext caches by LANGUAGE; bumping the catalogue count invalidates it */
  textdomain (GETTEXT_PACKAGE);
  return g_dgettext (GETTEXT_PACKAGE, msgid);
}

static void
test_catalogues_exist (void)
{
  const char *po_dir = g_getenv ("TD_PO_BUILDDIR");
  const char *langs[] = { "zh_CN", "de" };

  g_assert_nonnull (po_dir);
  for (guint i = 0; i < G_N_ELEMENTS (langs); i++)
    {
      g_autofree char *mo = g_build_filename (po_dir, langs[i], "LC_MESSAGES",
                                              GETTEXT_PACKAGE ".mo", NULL);
      g_test_message ("catalogue %s", mo);
      g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
    }
}

static void
test_zh_cn (void)
{
  const char *s = translate ("zh_CN", "Customer Service Desk");

  g_assert_cmpstr (s, ==, "客服工作台");
  g_assert_true (g_utf8_validate (s, -1, NULL));
}

static void
test_de (void)
{
  g_assert_cmpstr (translate ("de", "Customer Service Desk"), ==,
                   "Kundendienst-Arbeitsplatz");
}

static void
test_fallback (void)
{
  /* an unknown language, and an unknown string, fall back to the msgid */
  g_assert_cmpstr (translate ("xx", "Customer Service Desk"), ==,
                   "Customer Service Desk");
  g_assert_cmpstr (translate ("zh_CN", "no such string in tripdesk"), ==,
                   "no such string in tripdesk");
}

static void
test_language_list (void)
{
  /* the first language that has a catalogue wins */
  g_assert_cmpstr (translate ("xx:de:zh_CN", "Customer Service Desk"), ==,
                   "Kundendienst-Arbeitsplatz");
}

int
main (int   argc,
      char *argv[])
{
  const char *po_dir;

  g_setenv ("LANG", "C.UTF-8", TRUE);
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LC_MESSAGES");
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  po_dir = g_getenv ("TD_PO_BUILDDIR");
  if (po_dir == NULL)
    po_dir = LOCALEDIR;
  bindtextdomain (GETTEXT_PACKAGE, po_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  g_test_add_func ("/tripdesk/desktop-i18n/catalogues-exist", test_catalogues_exist);
  g_test_add_func ("/tripdesk/desktop-i18n/zh-cn", test_zh_cn);
  g_test_add_func ("/tripdesk/desktop-i18n/de", test_de);
  g_test_add_func ("/tripdesk/desktop-i18n/fallback", test_fallback);
  g_test_add_func ("/tripdesk/desktop-i18n/language-list", test_language_list);

  return g_test_run ();
}

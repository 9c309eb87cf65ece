/* td-about.h — Tripdesk's About window
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/*
 * An AdwAboutWindow with the version, the developers (the same name as the
 * metainfo's <developer_name>), the translators ("translator-credits" from
 * the current translation), the licence, the website and issue tracker (the
 * metainfo's homepage and bugtracker URLs) and the newest release's notes,
 * read from the metainfo embedded in the GResource and translated through
 * gettext (its strings are in po/ already).
 */
GtkWidget *td_about_window_new        (GtkWindow *parent);

/*
 * The newest <release>'s description in @metainfo (AppStream XML) as the
 * markup AdwAboutWindow:release-notes takes (<p>, <ul>, <li>), each text
 * translated with gettext; its version in @version.  NULL when there is no
 * release with a description.
 */
char      *td_about_dup_release_notes (const char  *metainfo,
                                       char       **version);

G_END_DECLS

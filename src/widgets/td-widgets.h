/* td-widgets.h — the widgets library
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define TD_RESOURCE_PATH "/io/github/tripdesk/Tripdesk"

/* Registers the GResource (templates, CSS); safe to call repeatedly. */
void td_widgets_init (void);

/* Loads the application CSS for @display (tests; AdwApplication does it
 * by itself from the resource base path). */
void td_widgets_load_css (GdkDisplay *display);

G_END_DECLS

/* td-widgets.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "td-resources.h"
#include "td-widgets.h"

void
td_widgets_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      td_resources_register_resource ();
      g_once_init_leave (&initialized, 1);
    }
}

void
td_widgets_load_css (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  td_widgets_init ();
  gtk_css_provider_load_from_resource (provider, TD_RESOURCE_PATH "/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

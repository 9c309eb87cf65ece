/* td-kind-registry.h — message kind → widget type
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>
#include "td-message.h"

G_BEGIN_DECLS

/* The widget type for @kind (a wire name); TD_TYPE_UNSUPPORTED_ROW for a
 * kind nobody registered (or NULL). Always a TdMessageWidget. */
GType      td_kind_registry_lookup (const char *kind);

/* A new widget for @message's kind, showing @message. */
GtkWidget *td_kind_registry_create (TdMessage *message);

G_END_DECLS

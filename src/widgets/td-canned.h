/* td-canned.h — quick replies (canned responses) per merchant, in GSettings
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The key "quick-replies" (a{sas}): merchant id → replies; "" = every merchant. */

/* @merchant's own replies followed by those for every merchant (owned). */
char **td_canned_dup_replies     (GSettings  *settings,
                                  const char *merchant);
/* Exactly the replies stored under @merchant ("" or NULL: every merchant). */
char **td_canned_dup_own_replies (GSettings  *settings,
                                  const char *merchant);
/* Replaces @merchant's replies (blank ones dropped; empty removes the entry). */
void   td_canned_set_replies     (GSettings          *settings,
                                  const char         *merchant,
                                  const char * const *replies);

G_END_DECLS

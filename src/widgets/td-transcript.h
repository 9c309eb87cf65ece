/* td-transcript.h — a line's conversation as plain text
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "td-store.h"

G_BEGIN_DECLS

/*
 * "Tripdesk transcript — Emma Chen (c_1) · Lakeside Hotel · Inquiry"
 * then one block per message: "[2026-11-30 14:05] Emma Chen: text".
 * Cards become one line ("[Order TD-1001]"…).  Internal notes only with
 * @with_notes, marked "(internal note)".  Owned.
 */
char   *td_transcript_format        (TdLine      *line,
                                     const char  *merchant_name,
                                     GPtrArray   *messages,
                                     gboolean     with_notes);
/* Reads every cached message of @line (page by page, off the main thread)
 * and writes the transcript to @file. */
void     td_transcript_export_async  (TdStore             *store,
                                      TdLine              *line,
                                      const char          *merchant_name,
                                      GFile               *file,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean td_transcript_export_finish (TdStore       *store,
                                      GAsyncResult  *result,
                                      GError       **error);

G_END_DECLS

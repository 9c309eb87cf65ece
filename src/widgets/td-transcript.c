/* td-transcript.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-line-row.h"
#include "td-transcript.h"

#define PAGE 200

char *
td_transcript_format (TdLine     *line,
                      const char *merchant_name,
                      GPtrArray  *messages,
                      gboolean    with_notes)
{
  GString *out = g_string_new (NULL);
  const char *name;
  g_autofree char *title = NULL;

  g_return_val_if_fail (TD_IS_LINE (line), NULL);

  name = td_line_get_customer_name (line);
  title = td_line_dup_display_title (td_line_get_title (line), merchant_name);
  /* Translators: the first line of an exported transcript */
  g_string_append_printf (out, _("Tripdesk transcript — %s (%s)"),
                          name && name[0] ? name : td_line_get_uid (line), td_line_get_uid (line));
  if (merchant_name)
    g_string_append_printf (out, " · %s", merchant_name);
  if (title)
    g_string_append_printf (out, " · %s", title);
  g_string_append_printf (out, " · %s\n", td_busi_get_label (td_line_get_busi (line)));
  g_string_append_printf (out, "%s\n\n", td_line_get_id (line));

  for (guint i = 0; messages && i < messages->len; i++)
    {
      TdMessage *message = g_ptr_array_index (messages, i);
      g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (td_message_get_ts (message) / 1000);
      g_autofree char *when = dt ? g_date_time_format (dt, "%Y-%m-%d %H:%M") : g_strdup ("?");
      TdKind kind = td_message_get_kind (message);
      const char *sender = td_message_get_sender_name (message);
      g_autofree char *text = NULL;

      if (kind == TD_KIND_NOTE && !with_notes)
        continue;
      if (td_message_get_delivery (message) != TD_DELIVERY_STORED)
        continue;

      if (kind == TD_KIND_TEXT || kind == TD_KIND_NOTE)
        text = td_message_dup_search_text (message);
      else
        text = td_message_dup_preview (message);

      if (kind == TD_KIND_SYSTEM)
        g_string_append_printf (out, "[%s] — %s\n", when, text);
      else
        g_string_append_printf (out, "[%s] %s%s: %s\n", when,
                                sender && sender[0] ? sender : td_message_get_sender_id (message),
                                kind == TD_KIND_NOTE ? _(" (internal note)") : "", text);
    }

  return g_string_free (out, FALSE);
}

typedef struct
{
  TdLine    *line;
  char      *merchant_name;
  GFile     *file;
  GPtrArray *messages;   /* oldest first */
} Export;

static void
export_free (Export *e)
{
  g_clear_object (&e->line);
  g_clear_object (&e->file);
  g_free (e->merchant_name);
  g_ptr_array_unref (e->messages);
  g_free (e);
}

static void
on_written_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_page_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Export *e = g_task_get_task_data (task);
  GError *error = NULL;
  gboolean more = FALSE;
  g_autoptr(GPtrArray) page = td_store_load_messages_finish (TD_STORE (source), result, &more, &error);
  g_autoptr(GPtrArray) joined = NULL;
  g_autofree char *text = NULL;
  GBytes *bytes;
  guint stored = 0;
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  joined = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < page->len; i++)
    {
      if (td_message_get_delivery (page->pdata[i]) == TD_DELIVERY_STORED)
        stored++;
      g_ptr_array_add (joined, g_object_ref (page->pdata[i]));
    }
  for (guint i = 0; i < e->messages->len; i++)
    g_ptr_array_add (joined, g_object_ref (e->messages->pdata[i]));
  g_ptr_array_unref (e->messages);
  e->messages = g_steal_pointer (&joined);

  if (more && stored > 0)
    {
      TdMessage *oldest = g_ptr_array_index (e->messages, 0);

      td_store_load_messages_async (TD_STORE (source), td_line_get_id (e->line), oldest, PAGE,
                                    cancellable, on_page_cb, g_steal_pointer (&task));
      return;
    }

  text = td_transcript_format (e->line, e->merchant_name, e->messages, FALSE);
  bytes = g_bytes_new_take (text, strlen (text));
  text = NULL;
  g_file_replace_contents_bytes_async (e->file, bytes, NULL, FALSE, G_FILE_CREATE_REPLACE_DESTINATION,
                                       cancellable, on_written_cb, g_steal_pointer (&task));
  g_bytes_unref (bytes);
}

void
td_transcript_export_async (TdStore             *store,
                            TdLine              *line,
                            const char          *merchant_name,
                            GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  Export *e;

  g_return_if_fail (TD_IS_STORE (store));
  g_return_if_fail (TD_IS_LINE (line));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (store, cancellable, callback, user_data);
  g_task_set_source_tag (task, td_transcript_export_async);
  e = g_new0 (Export, 1);
  e->line = g_object_ref (line);
  e->file = g_object_ref (file);
  e->merchant_name = g_strdup (merchant_name);
  e->messages = g_ptr_array_new_with_free_func (g_object_unref);
  g_task_set_task_data (task, e, (GDestroyNotify) export_free);

  td_store_load_messages_async (store, td_line_get_id (line), NULL, PAGE, cancellable, on_page_cb, task);
}

gboolean
td_transcript_export_finish (TdStore       *store,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, store), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

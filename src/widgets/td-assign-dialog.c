/* td-assign-dialog.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-assign-dialog.h"

struct _TdAssignDialog
{
  AdwWindow   parent_instance;

  GtkListBox *list;
  AdwEntryRow *other;

  guint       n;
};

G_DEFINE_FINAL_TYPE (TdAssignDialog, td_assign_dialog, ADW_TYPE_WINDOW)

enum {
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
choose (TdAssignDialog *self,
        const char     *uid)
{
  g_autofree char *copy = g_strdup (uid);

  g_object_ref (self);
  g_signal_emit (self, signals[CHOSEN], 0, copy);
  gtk_window_close (GTK_WINDOW (self));
  g_object_unref (self);
}

void
td_assign_dialog_set_teammates (TdAssignDialog     *self,
                                const char * const *uids,
                                const char * const *names,
                                const char         *me,
                                const char         *current)
{
  GtkWidget *child;
  GtkWidget *row;

  g_return_if_fail (TD_IS_ASSIGN_DIALOG (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  self->n = 0;
  for (guint i = 0; uids && uids[i]; i++)
    {
      const char *name = names && names[i] && names[i][0] ? names[i] : uids[i];
      g_autofree char *title = g_strcmp0 (uids[i], me) == 0 ?
        /* Translators: %s is my own name, in the list of teammates */
        g_strdup_printf (_("%s (me)"), name) : g_strdup (name);

      row = adw_action_row_new ();
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), uids[i]);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), adw_avatar_new (32, name, TRUE));
      if (g_strcmp0 (uids[i], current) == 0)
        adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                                   gtk_image_new_from_icon_name ("object-select-symbolic"));
      g_object_set_data_full (G_OBJECT (row), "uid", g_strdup (uids[i]), g_free);
      gtk_list_box_append (self->list, row);
      self->n++;
    }

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("Nobody (Unassign)"));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             gtk_image_new_from_icon_name ("edit-clear-symbolic"));
  gtk_widget_set_sensitive (row, current != NULL);
  gtk_list_box_append (self->list, row);
}

guint
td_assign_dialog_get_n_teammates (TdAssignDialog *self)
{
  g_return_val_if_fail (TD_IS_ASSIGN_DIALOG (self), 0);

  return self->n;
}

void
td_assign_dialog_choose (TdAssignDialog *self,
                         guint           index)
{
  GtkListBoxRow *row;

  g_return_if_fail (TD_IS_ASSIGN_DIALOG (self));

  row = gtk_list_box_get_row_at_index (self->list, index);
  if (row)
    choose (self, g_object_get_data (G_OBJECT (row), "uid"));
}

static void
on_row_activated_cb (TdAssignDialog *self,
                     GtkListBoxRow  *row,
                     GtkListBox     *list)
{
  choose (self, g_object_get_data (G_OBJECT (row), "uid"));
}

static void
on_other_apply_cb (TdAssignDialog *self,
                   AdwEntryRow    *entry)
{
  g_autofree char *uid = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));

  if (uid[0] != '\0')
    choose (self, uid);
}

static void
td_assign_dialog_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_ASSIGN_DIALOG);

  G_OBJECT_CLASS (td_assign_dialog_parent_class)->dispose (object);
}

static void
td_assign_dialog_class_init (TdAssignDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_assign_dialog_dispose;

  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-assign-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, TdAssignDialog, list);
  gtk_widget_class_bind_template_child (widget_class, TdAssignDialog, other);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_other_apply_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
td_assign_dialog_init (TdAssignDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
td_assign_dialog_new (GtkWindow *parent)
{
  return g_object_new (TD_TYPE_ASSIGN_DIALOG, "transient-for", parent, "modal", TRUE, NULL);
}

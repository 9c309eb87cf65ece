/* td-canned-popover.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-canned-popover.h"

struct _TdCannedPopover
{
  GtkPopover      parent_instance;

  GtkSearchEntry *entry;
  GtkListBox     *list;
  GtkStack       *stack;

  char          **replies;
  char           *filter;    /* casefolded */
  guint           n_shown;
};

G_DEFINE_FINAL_TYPE (TdCannedPopover, td_canned_popover, GTK_TYPE_POPOVER)

enum {
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
matches (TdCannedPopover *self,
         const char      *text)
{
  g_autofree char *folded = NULL;

  if (self->filter == NULL || self->filter[0] == '\0')
    return TRUE;
  folded = g_utf8_casefold (text, -1);

  return strstr (folded, self->filter) != NULL;
}

static void
rebuild (TdCannedPopover *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);

  self->n_shown = 0;
  for (guint i = 0; self->replies && self->replies[i]; i++)
    {
      GtkWidget *row, *box, *label, *key;

      if (!matches (self, self->replies[i]))
        continue;

      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
      label = gtk_label_new (self->replies[i]);
      gtk_label_set_xalign (GTK_LABEL (label), 0);
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 48);
      gtk_widget_set_hexpand (label, TRUE);
      gtk_box_append (GTK_BOX (box), label);
      if (i < 9)
        {
          g_autofree char *accel = g_strdup_printf ("Ctrl+%u", i + 1);

          key = gtk_label_new (accel);
          gtk_widget_add_css_class (key, "dim-label");
          gtk_widget_add_css_class (key, "caption");
          gtk_box_append (GTK_BOX (box), key);
        }
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), box);
      gtk_widget_set_tooltip_text (row, self->replies[i]);
      g_object_set_data_full (G_OBJECT (row), "reply", g_strdup (self->replies[i]), g_free);
      gtk_list_box_append (self->list, row);
      self->n_shown++;
    }

  gtk_stack_set_visible_child_name (self->stack, self->n_shown > 0 ? "list" : "empty");
  if (self->n_shown > 0)
    gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
}

void
td_canned_popover_set_replies (TdCannedPopover    *self,
                               const char * const *replies)
{
  g_return_if_fail (TD_IS_CANNED_POPOVER (self));

  g_strfreev (self->replies);
  self->replies = g_strdupv ((char **) replies);
  rebuild (self);
}

const char * const *
td_canned_popover_get_replies (TdCannedPopover *self)
{
  g_return_val_if_fail (TD_IS_CANNED_POPOVER (self), NULL);

  return (const char * const *) self->replies;
}

void
td_canned_popover_set_filter (TdCannedPopover *self,
                              const char      *filter)
{
  g_autofree char *folded = NULL;

  g_return_if_fail (TD_IS_CANNED_POPOVER (self));

  if (filter == NULL)
    filter = "";
  /* the entry's search-changed comes later (search delay): apply now */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->entry)), filter) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->entry), filter);

  folded = filter[0] ? g_utf8_casefold (filter, -1) : NULL;
  if (g_strcmp0 (folded, self->filter) == 0 && self->replies != NULL)
    return;
  g_free (self->filter);
  self->filter = g_steal_pointer (&folded);
  rebuild (self);
}

guint
td_canned_popover_get_n_shown (TdCannedPopover *self)
{
  g_return_val_if_fail (TD_IS_CANNED_POPOVER (self), 0);

  return self->n_shown;
}

static void
choose_row (TdCannedPopover *self,
            GtkListBoxRow   *row)
{
  g_autofree char *text = g_strdup (g_object_get_data (G_OBJECT (row), "reply"));

  g_signal_emit (self, signals[CHOSEN], 0, text);
  gtk_popover_popdown (GTK_POPOVER (self));
}

const char *
td_canned_popover_get_filter (TdCannedPopover *self)
{
  g_return_val_if_fail (TD_IS_CANNED_POPOVER (self), NULL);

  return gtk_editable_get_text (GTK_EDITABLE (self->entry));
}

gboolean
td_canned_popover_choose_first (TdCannedPopover *self)
{
  GtkListBoxRow *row;

  g_return_val_if_fail (TD_IS_CANNED_POPOVER (self), FALSE);

  row = gtk_list_box_get_selected_row (self->list);
  if (row == NULL)
    row = gtk_list_box_get_row_at_index (self->list, 0);
  if (row == NULL)
    return FALSE;

  choose_row (self, row);

  return TRUE;
}

static void
on_entry_changed_cb (TdCannedPopover *self,
                     GtkSearchEntry  *entry)
{
  td_canned_popover_set_filter (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_entry_activate_cb (TdCannedPopover *self,
                      GtkSearchEntry  *entry)
{
  td_canned_popover_choose_first (self);
}

static void
on_entry_stop_cb (TdCannedPopover *self)
{
  gtk_popover_popdown (GTK_POPOVER (self));
}

static void
move_selection (TdCannedPopover *self,
                int              delta)
{
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
  int index = row ? gtk_list_box_row_get_index (row) + delta : 0;

  row = gtk_list_box_get_row_at_index (self->list, MAX (index, 0));
  if (row)
    gtk_list_box_select_row (self->list, row);
}

static gboolean
on_entry_key_cb (TdCannedPopover       *self,
                 guint                  keyval,
                 guint                  keycode,
                 GdkModifierType        state,
                 GtkEventControllerKey *controller)
{
  if (keyval == GDK_KEY_Down || keyval == GDK_KEY_KP_Down)
    move_selection (self, +1);
  else if (keyval == GDK_KEY_Up || keyval == GDK_KEY_KP_Up)
    move_selection (self, -1);
  else
    return FALSE;

  return TRUE;
}

static void
on_row_activated_cb (TdCannedPopover *self,
                     GtkListBoxRow   *row,
                     GtkListBox      *list)
{
  choose_row (self, row);
}

static void
td_canned_popover_show (GtkWidget *widget)
{
  TdCannedPopover *self = TD_CANNED_POPOVER (widget);

  GTK_WIDGET_CLASS (td_canned_popover_parent_class)->show (widget);
  gtk_widget_grab_focus (GTK_WIDGET (self->entry));
}

static void
td_canned_popover_finalize (GObject *object)
{
  TdCannedPopover *self = TD_CANNED_POPOVER (object);

  g_strfreev (self->replies);
  g_free (self->filter);

  G_OBJECT_CLASS (td_canned_popover_parent_class)->finalize (object);
}

static void
td_canned_popover_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_CANNED_POPOVER);

  G_OBJECT_CLASS (td_canned_popover_parent_class)->dispose (object);
}

static void
td_canned_popover_class_init (TdCannedPopoverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_canned_popover_dispose;
  object_class->finalize = td_canned_popover_finalize;
  widget_class->show = td_canned_popover_show;

  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-canned-popover.ui");
  gtk_widget_class_bind_template_child (widget_class, TdCannedPopover, entry);
  gtk_widget_class_bind_template_child (widget_class, TdCannedPopover, list);
  gtk_widget_class_bind_template_child (widget_class, TdCannedPopover, stack);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_stop_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_entry_key_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated_cb);
}

static void
td_canned_popover_init (TdCannedPopover *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  rebuild (self);
}

GtkWidget *
td_canned_popover_new (void)
{
  return g_object_new (TD_TYPE_CANNED_POPOVER, NULL);
}

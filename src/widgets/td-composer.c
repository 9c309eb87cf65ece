/* td-composer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>

#include "td-canned-popover.h"
#include "td-composer.h"
#include "td-widget-util.h"
#include "td-protocol.h"

struct _TdComposer
{
  GtkWidget    parent_instance;

  GtkTextView *text_view;
  GtkButton   *send_button;
  GtkLabel    *placeholder;
  GtkToggleButton *note_toggle;
  GtkMenuButton *canned_button;
  TdCannedPopover *canned_popover;
  gboolean     slash_pending;   /* the popover came from a typed `/` */

  gint64     (*now) (void);
  gint64       last_typing;
  gboolean     clearing;
};

enum {
  SEND,
  TYPING,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TdComposer, td_composer, GTK_TYPE_WIDGET)

char *
td_composer_dup_text (TdComposer *self)
{
  GtkTextBuffer *buffer;
  GtkTextIter start, end;

  g_return_val_if_fail (TD_IS_COMPOSER (self), NULL);

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);

  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

void
td_composer_set_text (TdComposer *self,
                      const char *text)
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->text_view), text ? text : "", -1);
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    if (!g_unichar_isspace (g_utf8_get_char (p)))
      return FALSE;

  return TRUE;
}

gboolean
td_composer_submit (TdComposer *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (TD_IS_COMPOSER (self), FALSE);

  text = td_composer_dup_text (self);
  g_strstrip (text);
  if (is_blank (text))
    return FALSE;

  g_signal_emit (self, signals[SEND], 0, text);

  self->clearing = TRUE;
  td_composer_set_text (self, "");
  self->clearing = FALSE;
  self->last_typing = 0;

  return TRUE;
}

void
td_composer_grab_focus (TdComposer *self)
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  gtk_widget_grab_focus (GTK_WIDGET (self->text_view));
}

void
td_composer_set_clock (TdComposer *self,
                       gint64    (*now) (void))
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  self->now = now ? now : td_now_ms;
}

GtkTextView *
td_composer_get_text_view (TdComposer *self)
{
  g_return_val_if_fail (TD_IS_COMPOSER (self), NULL);

  return self->text_view;
}

/* ---- internal notes and quick replies (the tools) ---- */

void
td_composer_set_note_mode (TdComposer *self,
                           gboolean    note_mode)
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  gtk_toggle_button_set_active (self->note_toggle, note_mode);
}

gboolean
td_composer_get_note_mode (TdComposer *self)
{
  g_return_val_if_fail (TD_IS_COMPOSER (self), FALSE);

  return gtk_toggle_button_get_active (self->note_toggle);
}

static void
on_note_toggled_cb (TdComposer      *self,
                    GtkToggleButton *toggle)
{
  gboolean on = gtk_toggle_button_get_active (toggle);

  td_widget_set_css_class (GTK_WIDGET (self), "note-mode", on);
  gtk_label_set_text (self->placeholder, on ? _("Write an internal note (not shown to the customer)…")
                                            : _("Write a reply…"));
  self->last_typing = 0;
}

void
td_composer_insert_text (TdComposer *self,
                         const char *text)
{
  GtkTextBuffer *buffer;

  g_return_if_fail (TD_IS_COMPOSER (self));

  buffer = gtk_text_view_get_buffer (self->text_view);
  gtk_text_buffer_delete_selection (buffer, TRUE, TRUE);
  gtk_text_buffer_insert_at_cursor (buffer, text, -1);
  td_composer_grab_focus (self);
}

void
td_composer_set_quick_replies (TdComposer         *self,
                               const char * const *replies)
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  td_canned_popover_set_replies (self->canned_popover, replies);
}

gboolean
td_composer_insert_quick_reply (TdComposer *self,
                                guint       index)
{
  const char * const *replies;

  g_return_val_if_fail (TD_IS_COMPOSER (self), FALSE);

  replies = td_canned_popover_get_replies (self->canned_popover);
  for (guint i = 0; replies && replies[i]; i++)
    if (i == index)
      {
        td_composer_insert_text (self, replies[i]);
        return TRUE;
      }

  return FALSE;
}

void
td_composer_show_quick_replies (TdComposer *self,
                                const char *filter)
{
  g_return_if_fail (TD_IS_COMPOSER (self));

  td_canned_popover_set_filter (self->canned_popover, filter);
  gtk_menu_button_popup (self->canned_button);
}

TdCannedPopover *
td_composer_get_canned_popover (TdComposer *self)
{
  g_return_val_if_fail (TD_IS_COMPOSER (self), NULL);

  return self->canned_popover;
}

static void
on_canned_chosen_cb (TdComposer      *self,
                     const char      *text,
                     TdCannedPopover *popover)
{
  self->slash_pending = FALSE;
  td_composer_insert_text (self, text);
}

/* Dismissed without a choice after a typed `/`: what was typed stays */
static void
on_canned_closed_cb (TdComposer      *self,
                     TdCannedPopover *popover)
{
  g_autofree char *typed = NULL;

  if (!self->slash_pending)
    return;
  self->slash_pending = FALSE;
  typed = g_strconcat ("/", td_canned_popover_get_filter (popover), NULL);
  td_composer_insert_text (self, typed);
}

/* `/` at the start of the text or after a space opens the quick replies */
static gboolean
slash_opens_quick_replies (TdComposer *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->text_view);
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_mark (buffer, &iter, gtk_text_buffer_get_insert (buffer));
  if (gtk_text_iter_is_start (&iter))
    return TRUE;
  gtk_text_iter_backward_char (&iter);

  return g_unichar_isspace (gtk_text_iter_get_char (&iter));
}

static gboolean
on_key_pressed_cb (TdComposer            *self,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   GtkEventControllerKey *controller)
{
  if ((keyval == GDK_KEY_slash || keyval == GDK_KEY_KP_Divide) &&
      (state & (GDK_CONTROL_MASK | GDK_ALT_MASK)) == 0 &&
      slash_opens_quick_replies (self))
    {
      td_composer_show_quick_replies (self, NULL);
      self->slash_pending = TRUE;
      return TRUE;
    }

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter && keyval != GDK_KEY_ISO_Enter)
    return FALSE;

  /* Shift+Enter (and Ctrl+Enter) insert a new line */
  if (state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK))
    return FALSE;

  td_composer_submit (self);

  return TRUE;
}

static void
on_buffer_changed_cb (TdComposer    *self,
                      GtkTextBuffer *buffer)
{
  gint64 now;
  gboolean empty = gtk_text_buffer_get_char_count (buffer) == 0;

  gtk_widget_set_visible (GTK_WIDGET (self->placeholder), empty);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), !empty);

  if (self->clearing || empty)
    return;

  now = self->now ();
  if (self->last_typing == 0 || now - self->last_typing >= TD_TYPING_REPEAT_MS)
    {
      self->last_typing = now;
      g_signal_emit (self, signals[TYPING], 0);
    }
}

static void
on_send_clicked_cb (TdComposer *self)
{
  td_composer_submit (self);
  td_composer_grab_focus (self);
}

static void
td_composer_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TD_TYPE_COMPOSER);
  td_widget_unparent_children (GTK_WIDGET (object));

  G_OBJECT_CLASS (td_composer_parent_class)->dispose (object);
}

static gboolean
td_composer_grab_focus_vfunc (GtkWidget *widget)
{
  return gtk_widget_grab_focus (GTK_WIDGET (TD_COMPOSER (widget)->text_view));
}

static void
td_composer_class_init (TdComposerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_composer_dispose;
  widget_class->grab_focus = td_composer_grab_focus_vfunc;

  signals[SEND] = g_signal_new ("send", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[TYPING] = g_signal_new ("typing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  g_type_ensure (TD_TYPE_CANNED_POPOVER);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/tripdesk/Tripdesk/td-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, TdComposer, note_toggle);
  gtk_widget_class_bind_template_child (widget_class, TdComposer, canned_button);
  gtk_widget_class_bind_template_child (widget_class, TdComposer, canned_popover);
  gtk_widget_class_bind_template_callback (widget_class, on_note_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_canned_chosen_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_canned_closed_cb);
  gtk_widget_class_bind_template_child (widget_class, TdComposer, text_view);
  gtk_widget_class_bind_template_child (widget_class, TdComposer, send_button);
  gtk_widget_class_bind_template_child (widget_class, TdComposer, placeholder);
  gtk_widget_class_bind_template_callback (widget_class, on_key_pressed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_send_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
td_composer_init (TdComposer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->now = td_now_ms;
  g_signal_connect_object (gtk_text_view_get_buffer (self->text_view), "changed",
                           G_CALLBACK (on_buffer_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_widget_set_sensitive (GTK_WIDGET (self->send_button), FALSE);
}

GtkWidget *
td_composer_new (void)
{
  return g_object_new (TD_TYPE_COMPOSER, NULL);
}

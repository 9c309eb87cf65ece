/* td-line-row.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <gtk/gtk.h>
#include <glib/gi18n.h>

#include "td-line-row.h"
#include "td-sla-badge.h"
#include "td-widget-util.h"

/*
 * One row of the line list.  GTK 4.8's GtkListView keeps ~200 rows alive
 * (GTK_LIST_VIEW_MAX_LIST_ITEMS), all built, bound, measured and drawn for
 * the first frame, so the row is flat and cheap: its children are made in
 * code (no GtkBuilder: 1.2 M instructions a row), laid out by the row itself
 * (no nested boxes asking each label for its size again and again), the
 * avatar is one widget drawing its initials, one shared tick refreshes the
 * relative times of the rows on screen, and a row far from the viewport
 * makes no children at all until it is scrolled near (see wake()).
 *
 *   [avatar]  customer ............................. time
 *             preview .............................. [unread]
 *             [busi] merchant · title .............. [Waiting 5 min]
 */
#define REFRESH_S 20
#define AVATAR_SIZE 40
#define AVATAR_GAP 10
#define H_GAP 6
#define V_GAP 2

struct _TdLineRow
{
  GtkWidget       parent_instance;

  TdAvatar       *avatar;
  GtkLabel       *customer;
  GtkLabel       *time;
  GtkLabel       *preview;
  GtkLabel       *unread;
  GtkLabel       *busi;
  GtkLabel       *subtitle;
  TdSlaBadge     *sla_badge;

  TdLine         *line;
  char           *merchant_name;
  char           *accessible;
  gulong          notify_id;
  gint64          refreshed_at;   /* monotonic µs */

  /* Far from the viewport a row is "dormant": no children (no CSS nodes
   * to style, no text to shape), the height of the rows before it; it
   * wakes when an allocation finds it within a page of the viewport. */
  gboolean        awake;
  /* An awake row given another line far from the viewport (GTK recycles
   * the rows that leave the top at the bottom): filled in when near. */
  gboolean        stale;
  GtkAdjustment  *vadjustment;    /* while dormant: re-allocate on scroll */
  gulong          value_id;
  gulong          changed_id;
  GListModel     *model;          /* …and when rows move */
  gulong          items_id;
};

/* The height of an awake row's content, for the dormant ones (0: none yet) */
static int dormant_height;

G_DEFINE_FINAL_TYPE (TdLineRow, td_line_row, GTK_TYPE_WIDGET)

static void wake (TdLineRow *self);
static void watch_scrolling (TdLineRow *self,
                             gboolean   on);

/* ---- the shared tick: relative times of the rows on screen ---- */

static gboolean on_tick_cb (gpointer data);

static TdTicker ticker = TD_TICKER_INIT (REFRESH_S, "[tripdesk] line rows", on_tick_cb);

static gboolean
on_tick_cb (gpointer data)
{
  gint64 now = td_now_ms ();

  for (guint i = 0; i < ticker.members->len; i++)
    td_line_row_refresh (g_ptr_array_index (ticker.members, i), now);

  return G_SOURCE_CONTINUE;
}

static void
set_ticking (TdLineRow *self,
             gboolean   on)
{
  td_ticker_set (&ticker, self, on);
}

guint
td_line_row_get_n_ticking (void)
{
  return td_ticker_get_size (&ticker);
}

const char *
td_line_strip_merchant (const char *title,
                        const char *merchant_name)
{
  gsize len;

  if (title == NULL || merchant_name == NULL || merchant_name[0] == '\0')
    return title;
  if (strcmp (title, merchant_name) == 0)
    return NULL;

  len = strlen (merchant_name);
  if (strncmp (title, merchant_name, len) == 0 && g_str_has_prefix (title + len, " · "))
    return title + len + strlen (" · ");

  return title;
}

char *
td_line_dup_display_title (const char *title,
                           const char *merchant_name)
{
  const char *rest = td_line_strip_merchant (title, merchant_name);

  if (rest == NULL || rest[0] == '\0')
    return NULL;
  if (g_str_has_prefix (rest, "order/") && rest[6] != '\0')
    /* Translators: %s is an order number */
    return g_strdup_printf (_("Order %s"), rest + 6);

  return g_strdup (rest);
}

const char *
td_busi_get_label (TdBusi busi)
{
  switch (busi)
    {
    case TD_BUSI_INQUIRY:
      return C_("busi", "Inquiry");
    case TD_BUSI_FEEDBACK:
      return C_("busi", "Feedback");
    case TD_BUSI_NOTICE:
      return C_("busi", "Notice");
    case TD_BUSI_CHAT:
      return C_("busi", "Chat");
    default:
      return "";
    }
}

static void
set_label (GtkLabel   *label,
           const char *text)
{
  if (g_strcmp0 (gtk_label_get_label (label), text) != 0)
    gtk_label_set_text (label, text);
}

static void
set_visible (GtkWidget *widget,
             gboolean   visible)
{
  if (gtk_widget_get_visible (widget) != visible)
    gtk_widget_set_visible (widget, visible);
}

/* What a screen reader says for the row: every part, in reading order */
static void
update_accessible (TdLineRow   *self,
                   const char  *name,
                   int          n_unread,
                   const char  *busi,
                   const char  *subtitle,
                   const char  *preview,
                   const char  *waiting,
                   const char  *time)
{
  GString *text = g_string_new (name);
  const char *parts[] = { busi, subtitle, preview, waiting, time };

  if (n_unread > 0)
    {
      g_string_append (text, ", ");
      /* Translators: in a line's accessible description */
      g_string_append_printf (text, g_dngettext (GETTEXT_PACKAGE, "%d unread", "%d unread", n_unread),
                              n_unread);
    }
  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    if (parts[i] && parts[i][0])
      g_string_append_printf (text, ", %s", parts[i]);

  if (g_strcmp0 (text->str, self->accessible) != 0)
    {
      g_free (self->accessible);
      self->accessible = g_string_free (text, FALSE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, self->accessible,
                                      -1);
    }
  else
    g_string_free (text, TRUE);
}

void
td_line_row_refresh (TdLineRow *self,
                     gint64     now_ms)
{
  TdLine *line = self->line;
  g_autofree char *time = NULL;
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *own = NULL;
  char unread[16];
  const char *name;
  const char *preview;
  const char *busi_label;
  TdBusi busi;
  int n_unread;

  g_return_if_fail (TD_IS_LINE_ROW (self));

  /* a dormant or stale row is filled in when it comes near */
  if (line == NULL || !self->awake || self->stale)
    return;
  if (now_ms == 0)
    now_ms = td_now_ms ();
  self->refreshed_at = g_get_monotonic_time ();

  name = td_line_get_customer_name (line);
  if (name == NULL || name[0] == '\0')
    name = td_line_get_uid (line);
  time = td_format_relative (td_line_get_updated (line), now_ms);
  busi = td_line_get_busi (line);
  busi_label = td_busi_get_label (busi);

  preview = td_line_get_preview (line);
  if (preview && preview[0] && td_line_get_last_sender_role (line) == TD_ROLE_OPERATOR)
    /* Translators: the preview of a line whose last message is ours */
    preview = own = g_strdup_printf (_("You: %s"), preview);
  else if (preview == NULL)
    preview = "";

  n_unread = td_line_get_unread (line);
  if (n_unread > 99)
    g_strlcpy (unread, "99+", sizeof unread);
  else
    g_snprintf (unread, sizeof unread, "%d", n_unread);

  title = td_line_dup_display_title (td_line_get_title (line), self->merchant_name);
  if (self->merchant_name && title && title[0])
    subtitle = g_strdup_printf ("%s · %s", self->merchant_name, title);
  else
    subtitle = g_strdup (title && title[0] ? title :
                         self->merchant_name ? self->merchant_name : "");

  set_label (self->customer, name);
  td_avatar_set_text (self->avatar, name);
  set_label (self->time, time);
  set_label (self->busi, busi_label);
  set_visible (GTK_WIDGET (self->busi), busi_label[0] != '\0');
  for (TdBusi b = TD_BUSI_INQUIRY; b <= TD_BUSI_CHAT; b++)
    td_widget_set_css_class (GTK_WIDGET (self->busi), td_busi_to_string (b), b == busi);
  set_label (self->preview, preview);
  set_label (self->unread, unread);
  set_visible (GTK_WIDGET (self->unread), n_unread > 0);
  td_widget_set_css_class (GTK_WIDGET (self->customer), "heading", n_unread > 0);
  set_label (self->subtitle, subtitle);
  td_sla_badge_refresh (self->sla_badge);

  update_accessible (self, name, n_unread, busi_label, subtitle, preview,
                     td_sla_badge_get_text (self->sla_badge), time);
}

static void
on_line_notify_cb (TdLineRow  *self,
                   GParamSpec *pspec,
                   TdLine     *line)
{
  td_line_row_refresh (self, 0);
}

/* The list that scrolls us, if any */
static GtkWidget *
get_scrollable (TdLineRow *self)
{
  for (GtkWidget *w = gtk_widget_get_parent (GTK_WIDGET (self)); w; w = gtk_widget_get_parent (w))
    if (GTK_IS_SCROLLABLE (w))
      return w;

  return NULL;
}

void
td_line_row_set_line (TdLineRow *self,
                      TdLine    *line)
{
  g_return_if_fail (TD_IS_LINE_ROW (self));
  g_return_if_fail (line == NULL || TD_IS_LINE (line));

  if (self->line == line)
    {
      td_line_row_refresh (self, 0);
      return;
    }

  if (self->line != NULL)
    {
      g_clear_signal_handler (&self->notify_id, self->line);
      g_clear_object (&self->line);
    }
  if (self->awake && (line == NULL || get_scrollable (self) == NULL))
    td_sla_badge_set_line (self->sla_badge, line);
  else if (self->awake)
    {
      /* in a list: filled in at the next allocation, if near */
      self->stale = TRUE;
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        watch_scrolling (self, TRUE);
      gtk_widget_queue_allocate (GTK_WIDGET (self));
    }
  else if (self->accessible)
    {
      /* told when it wakes */
      g_clear_pointer (&self->accessible, g_free);
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL);
    }

  if (line == NULL)
    {
      set_ticking (self, FALSE);
      return;
    }

  self->line = g_object_ref (line);
  self->notify_id = g_signal_connect_object (line, "notify",
                                             G_CALLBACK (on_line_notify_cb), self,
                                             G_CONNECT_SWAPPED);
  /* outside a list there is no viewport to wait for */
  if (!self->awake && get_scrollable (self) == NULL)
    wake (self);
  set_ticking (self, gtk_widget_get_mapped (GTK_WIDGET (self)));
  td_line_row_refresh (self, 0);
}

TdLine *
td_line_row_get_line (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), NULL);

  return self->line;
}

void
td_line_row_set_merchant_name (TdLineRow  *self,
                               const char *name)
{
  g_return_if_fail (TD_IS_LINE_ROW (self));

  if (g_strcmp0 (self->merchant_name, name) == 0)
    return;

  g_free (self->merchant_name);
  self->merchant_name = g_strdup (name);
  if (self->awake && get_scrollable (self) != NULL)
    {
      /* a list binds the name before the line: both at the allocation */
      self->stale = TRUE;
      if (gtk_widget_get_mapped (GTK_WIDGET (self)))
        watch_scrolling (self, TRUE);
      gtk_widget_queue_allocate (GTK_WIDGET (self));
    }
  else
    td_line_row_refresh (self, 0);
}

gboolean
td_line_row_is_awake (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), FALSE);

  return self->awake;
}

/* ---- dormant rows ---- */

static void
on_adjustment_cb (TdLineRow *self)
{
  /* a dormant (or stale) row moves without a new size: have it
   * allocated, to look */
  gtk_widget_queue_allocate (GTK_WIDGET (self));
}

static void
watch_scrolling (TdLineRow *self,
                 gboolean   on)
{
  GtkWidget *scrollable = on ? get_scrollable (self) : NULL;
  GtkAdjustment *adj = scrollable ? gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (scrollable)) : NULL;
  GListModel *model = scrollable && GTK_IS_LIST_VIEW (scrollable) ?
                      G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (scrollable))) : NULL;

  /* items that move keep their rows: a row far away may come on screen */
  if (model != self->model)
    {
      if (self->model)
        {
          g_clear_signal_handler (&self->items_id, self->model);
          g_clear_object (&self->model);
        }
      if (model)
        {
          self->model = g_object_ref (model);
          self->items_id = g_signal_connect_object (model, "items-changed", G_CALLBACK (on_adjustment_cb),
                                                    self, G_CONNECT_SWAPPED);
        }
    }

  if (adj == self->vadjustment)
    return;
  if (self->vadjustment)
    {
      g_clear_signal_handler (&self->value_id, self->vadjustment);
      g_clear_signal_handler (&self->changed_id, self->vadjustment);
      g_clear_object (&self->vadjustment);
    }
  if (adj)
    {
      self->vadjustment = g_object_ref (adj);
      self->value_id = g_signal_connect_object (adj, "value-changed", G_CALLBACK (on_adjustment_cb),
                                                self, G_CONNECT_SWAPPED);
      self->changed_id = g_signal_connect_object (adj, "changed", G_CALLBACK (on_adjustment_cb),
                                                  self, G_CONNECT_SWAPPED);
    }
}

/* Within a page of the viewport of the list (or not in a list) */
static gboolean
near_viewport (TdLineRow *self)
{
  GtkWidget *scrollable = get_scrollable (self);
  graphene_rect_t bounds;
  int h;

  if (scrollable == NULL || !gtk_widget_compute_bounds (GTK_WIDGET (self), scrollable, &bounds))
    return TRUE;
  h = gtk_widget_get_height (scrollable);

  return bounds.origin.y + bounds.size.height >= -h && bounds.origin.y <= 2 * h;
}

/* ---- layout ---- */

static int
natural_size (GtkWidget      *child,
              GtkOrientation  orientation)
{
  int nat = 0;

  if (!gtk_widget_get_visible (child))
    return 0;
  gtk_widget_measure (child, orientation, -1, NULL, &nat, NULL, NULL);

  return nat;
}

static int
minimum_size (GtkWidget      *child,
              GtkOrientation  orientation)
{
  int min = 0;

  if (!gtk_widget_get_visible (child))
    return 0;
  gtk_widget_measure (child, orientation, -1, &min, NULL, NULL, NULL);

  return min;
}

/* The three text lines: [start] expand [end] */
typedef struct
{
  GtkWidget *start;    /* nullable */
  GtkWidget *expand;
  GtkWidget *end;      /* nullable */
} Line;

static void
get_lines (TdLineRow *self,
           Line       lines[3])
{
  lines[0] = (Line) { NULL, GTK_WIDGET (self->customer), GTK_WIDGET (self->time) };
  lines[1] = (Line) { NULL, GTK_WIDGET (self->preview), GTK_WIDGET (self->unread) };
  lines[2] = (Line) { GTK_WIDGET (self->busi), GTK_WIDGET (self->subtitle), GTK_WIDGET (self->sla_badge) };
}

static int
line_height (const Line *line)
{
  int h = natural_size (line->expand, GTK_ORIENTATION_VERTICAL);

  if (line->start)
    h = MAX (h, natural_size (line->start, GTK_ORIENTATION_VERTICAL));
  if (line->end)
    h = MAX (h, natural_size (line->end, GTK_ORIENTATION_VERTICAL));

  return h;
}

static int
content_height (TdLineRow *self)
{
  Line lines[3];
  int h = 2 * V_GAP;

  get_lines (self, lines);
  for (guint i = 0; i < 3; i++)
    h += line_height (&lines[i]);

  return MAX (h, AVATAR_SIZE);
}

static void
td_line_row_measure (GtkWidget      *widget,
                     GtkOrientation  orientation,
                     int             for_size,
                     int            *minimum,
                     int            *natural,
                     int            *minimum_baseline,
                     int            *natural_baseline)
{
  TdLineRow *self = TD_LINE_ROW (widget);
  Line lines[3];

  /* the first row measured shows how high the others are */
  if (!self->awake && dormant_height == 0)
    wake (self);

  if (!self->awake)
    {
      *minimum = *natural = orientation == GTK_ORIENTATION_VERTICAL ?
                            dormant_height : AVATAR_SIZE + AVATAR_GAP;
      return;
    }

  if (orientation == GTK_ORIENTATION_VERTICAL)
    {
      *minimum = *natural = content_height (self);
      /* fonts and styles change: the dormant rows follow the last awake */
      dormant_height = *natural;
      return;
    }

  get_lines (self, lines);
  {
    int min = 0, nat = 0;

    for (guint i = 0; i < 3; i++)
      {
        int fixed = 0;

        if (lines[i].start && gtk_widget_get_visible (lines[i].start))
          fixed += natural_size (lines[i].start, orientation) + H_GAP;
        if (lines[i].end && gtk_widget_get_visible (lines[i].end))
          fixed += natural_size (lines[i].end, orientation) + H_GAP;
        min = MAX (min, fixed + minimum_size (lines[i].expand, orientation));
        nat = MAX (nat, fixed + natural_size (lines[i].expand, orientation));
      }
    *minimum = AVATAR_SIZE + AVATAR_GAP + min;
    *natural = AVATAR_SIZE + AVATAR_GAP + nat;
  }
}

static void
allocate_child (GtkWidget *child,
                int        x,
                int        y,
                int        width,
                int        line_h)
{
  int h = natural_size (child, GTK_ORIENTATION_VERTICAL);

  gtk_widget_size_allocate (child,
                            &(GtkAllocation) { x, y + (line_h - h) / 2, MAX (width, 0), h },
                            -1);
}

static void
td_line_row_size_allocate (GtkWidget *widget,
                           int        width,
                           int        height,
                           int        baseline)
{
  TdLineRow *self = TD_LINE_ROW (widget);
  int x0 = AVATAR_SIZE + AVATAR_GAP;
  int y = 0, text_h = 2 * V_GAP;
  Line lines[3];

  if (!self->awake || self->stale)
    {
      if (!near_viewport (self))
        return;
      if (!self->awake)
        wake (self);
      else
        {
          self->stale = FALSE;
          watch_scrolling (self, FALSE);
          td_sla_badge_set_line (self->sla_badge, self->line);
          td_line_row_refresh (self, 0);
        }
    }

  get_lines (self, lines);
  gtk_widget_size_allocate (GTK_WIDGET (self->avatar),
                            &(GtkAllocation) { 0, 0, AVATAR_SIZE, AVATAR_SIZE }, -1);

  for (guint i = 0; i < 3; i++)
    text_h += line_height (&lines[i]);
  /* a short text block is centred on the avatar */
  y = MAX ((MIN (height, AVATAR_SIZE) - text_h) / 2, 0);

  for (guint i = 0; i < 3; i++)
    {
      Line *line = &lines[i];
      int lh = line_height (line);
      int left = x0, right = width;

      if (line->start && gtk_widget_get_visible (line->start))
        {
          int w = MIN (natural_size (line->start, GTK_ORIENTATION_HORIZONTAL), right - left);

          allocate_child (line->start, left, y, w, lh);
          left += w + H_GAP;
        }
      if (line->end && gtk_widget_get_visible (line->end))
        {
          int w = MIN (natural_size (line->end, GTK_ORIENTATION_HORIZONTAL), MAX (right - left, 0));

          allocate_child (line->end, right - w, y, w, lh);
          right -= w + H_GAP;
        }
      if (gtk_widget_get_visible (line->expand))
        allocate_child (line->expand, left, y, right - left, lh);
      y += lh + V_GAP;
    }
}

static void
td_line_row_map (GtkWidget *widget)
{
  TdLineRow *self = TD_LINE_ROW (widget);

  GTK_WIDGET_CLASS (td_line_row_parent_class)->map (widget);
  /* GtkListView maps the rows it shows: look at the next allocation */
  if (!self->awake || self->stale)
    {
      watch_scrolling (self, TRUE);
      gtk_widget_queue_allocate (widget);
    }
  if (self->line)
    {
      set_ticking (self, TRUE);
      /* the clock moved on while we were away */
      if (self->awake && g_get_monotonic_time () - self->refreshed_at > G_USEC_PER_SEC)
        td_line_row_refresh (self, 0);
    }
}

static void
td_line_row_unmap (GtkWidget *widget)
{
  set_ticking (TD_LINE_ROW (widget), FALSE);
  watch_scrolling (TD_LINE_ROW (widget), FALSE);
  GTK_WIDGET_CLASS (td_line_row_parent_class)->unmap (widget);
}

static void
td_line_row_dispose (GObject *object)
{
  TdLineRow *self = TD_LINE_ROW (object);

  td_line_row_set_line (self, NULL);
  set_ticking (self, FALSE);
  watch_scrolling (self, FALSE);
  td_widget_unparent_children (GTK_WIDGET (self));
  self->avatar = NULL;
  self->customer = NULL;
  self->time = NULL;
  self->preview = NULL;
  self->unread = NULL;
  self->busi = NULL;
  self->subtitle = NULL;
  self->sla_badge = NULL;
  self->awake = FALSE;

  G_OBJECT_CLASS (td_line_row_parent_class)->dispose (object);
}

static void
td_line_row_finalize (GObject *object)
{
  TdLineRow *self = TD_LINE_ROW (object);

  g_free (self->merchant_name);
  g_free (self->accessible);

  G_OBJECT_CLASS (td_line_row_parent_class)->finalize (object);
}

static void
td_line_row_class_init (TdLineRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = td_line_row_dispose;
  object_class->finalize = td_line_row_finalize;
  widget_class->measure = td_line_row_measure;
  widget_class->size_allocate = td_line_row_size_allocate;
  widget_class->map = td_line_row_map;
  widget_class->unmap = td_line_row_unmap;
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

/* A text that takes the rest of its line (a GtkLabel: it lays its text
 * out when first measured, in the style it has then; a GtkInscription
 * makes its layout when created, and a row woken during an allocation
 * would draw one frame in the default font) */
static GtkLabel *
add_ellipsized (TdLineRow  *self,
                const char *klass,
                const char *klass2)
{
  GtkWidget *w = gtk_label_new (NULL);
  GtkLabel *label = GTK_LABEL (w);

  gtk_label_set_ellipsize (label, PANGO_ELLIPSIZE_END);
  gtk_label_set_single_line_mode (label, TRUE);
  gtk_label_set_xalign (label, 0);
  gtk_widget_add_css_class (w, klass);
  if (klass2)
    gtk_widget_add_css_class (w, klass2);
  gtk_widget_set_parent (w, GTK_WIDGET (self));

  return label;
}

static GtkLabel *
add_label (TdLineRow  *self,
           const char *klass,
           const char *klass2,
           const char *klass3)
{
  GtkWidget *w = gtk_label_new (NULL);

  gtk_widget_add_css_class (w, klass);
  if (klass2)
    gtk_widget_add_css_class (w, klass2);
  if (klass3)
    gtk_widget_add_css_class (w, klass3);
  gtk_widget_set_parent (w, GTK_WIDGET (self));

  return GTK_LABEL (w);
}

/* Makes the children and fills them in */
static void
wake (TdLineRow *self)
{
  GtkWidget *widget = GTK_WIDGET (self);

  if (self->awake)
    return;

  self->awake = TRUE;
  watch_scrolling (self, FALSE);
  self->avatar = TD_AVATAR (td_avatar_new (AVATAR_SIZE));
  gtk_widget_set_parent (GTK_WIDGET (self->avatar), widget);
  self->customer = add_ellipsized (self, "customer", NULL);
  self->time = add_label (self, "caption", "dim-label", "numeric");
  self->preview = add_ellipsized (self, "preview", "dim-label");
  self->unread = add_label (self, "unread-badge", "numeric", NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->unread), FALSE);
  self->busi = add_label (self, "busi-badge", NULL, NULL);
  self->subtitle = add_ellipsized (self, "caption", "dim-label");
  self->sla_badge = TD_SLA_BADGE (td_sla_badge_new ());
  gtk_widget_set_parent (GTK_WIDGET (self->sla_badge), widget);

  if (self->line)
    {
      td_sla_badge_set_line (self->sla_badge, self->line);
      td_line_row_refresh (self, 0);
    }
  if (gtk_widget_get_root (widget) != NULL)
    dormant_height = content_height (self);
}

static void
td_line_row_init (TdLineRow *self)
{
  gtk_widget_add_css_class (GTK_WIDGET (self), "line-row");
}

GtkWidget *
td_line_row_new (void)
{
  return g_object_new (TD_TYPE_LINE_ROW, NULL);
}

TdSlaBadge *
td_line_row_get_sla_badge (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), NULL);

  wake (self);

  return self->sla_badge;
}

const char *
td_line_row_get_accessible_label (TdLineRow *self)
{
  g_return_val_if_fail (TD_IS_LINE_ROW (self), NULL);

  return self->accessible;
}

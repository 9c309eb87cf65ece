/* td-widget-util.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-widgets"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>

#include "td-widget-util.h"

static const struct
{
  const char *code;
  const char *symbol;
} currency_symbols[] = {
  { "CNY", "¥" }, { "JPY", "¥" }, { "USD", "$" }, { "EUR", "€" },
  { "GBP", "£" }, { "HKD", "HK$" }, { "KRW", "₩" }, { "THB", "฿" },
};

static char *
group_thousands (double amount)
{
  g_autofree char *plain = g_strdup_printf ("%.2f", fabs (amount));
  GString *out = g_string_new (amount < 0 ? "-" : "");
  const char *dot = strchr (plain, '.');
  gsize int_len = dot ? (gsize) (dot - plain) : strlen (plain);

  for (gsize i = 0; i < int_len; i++)
    {
      if (i > 0 && (int_len - i) % 3 == 0)
        g_string_append_c (out, ',');
      g_string_append_c (out, plain[i]);
    }
  if (dot)
    g_string_append (out, dot);

  return g_string_free (out, FALSE);
}

char *
td_format_money (double      amount,
                 const char *currency)
{
  g_autofree char *number = group_thousands (amount);

  for (guint i = 0; i < G_N_ELEMENTS (currency_symbols); i++)
    if (g_strcmp0 (currency, currency_symbols[i].code) == 0)
      return g_strdup_printf ("%s%s", currency_symbols[i].symbol, number);

  return g_strdup_printf ("%s %s", number, currency ? currency : "");
}

static GDateTime *
parse_date (const char *iso_date)
{
  int y, m, d;
  char tail;

  if (iso_date == NULL || sscanf (iso_date, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
    return NULL;
  if (!g_date_valid_dmy (d, m, y))
    return NULL;

  return g_date_time_new_utc (y, m, d, 0, 0, 0);
}

char *
td_format_date (const char *iso_date)
{
  g_autoptr(GDateTime) dt = parse_date (iso_date);

  if (dt == NULL)
    return g_strdup (iso_date ? iso_date : "");

  /* Translators: a travel date, see g_date_time_format() */
  return g_date_time_format (dt, _("%a %-d %b %Y"));
}

static GDateTime *
parse_datetime (const char *iso)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();

  if (iso == NULL)
    return NULL;

  return g_date_time_new_from_iso8601 (iso, utc);
}

char *
td_format_datetime_time (const char *iso)
{
  g_autoptr(GDateTime) dt = parse_datetime (iso);

  if (dt == NULL)
    {
      /* No zone given: take the clock time as written */
      if (iso && strlen (iso) >= 16 && iso[10] == 'T')
        return g_strndup (iso + 11, 5);
      return g_strdup (iso ? iso : "");
    }

  return g_date_time_format (dt, "%H:%M");
}

char *
td_format_datetime_day (const char *iso)
{
  g_autofree char *date = iso && strlen (iso) >= 10 ? g_strndup (iso, 10) : NULL;
  g_autoptr(GDateTime) dt = parse_date (date);

  if (dt == NULL)
    return g_strdup ("");

  /* Translators: a flight's day, see g_date_time_format() */
  return g_date_time_format (dt, _("%a %-d %b"));
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

char *
td_format_message_time (gint64 ts_ms,
                        gint64 now_ms)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local (ts_ms / 1000);
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local (now_ms / 1000);
  g_autoptr(GDateTime) yesterday = NULL;
  g_autofree char *clock = NULL;

  if (dt == NULL || now == NULL)
    return g_strdup ("");

  clock = g_date_time_format (dt, "%H:%M");
  if (same_day (dt, now))
    return g_steal_pointer (&clock);

  yesterday = g_date_time_add_days (now, -1);
  if (same_day (dt, yesterday))
    /* Translators: %s is a time like 14:05 */
    return g_strdup_printf (_("Yesterday %s"), clock);

  /* Translators: a message's date and time, see g_date_time_format() */
  return g_date_time_format (dt, _("%-d %b %H:%M"));
}

char *
td_format_relative (gint64 ts_ms,
                    gint64 now_ms)
{
  gint64 delta = now_ms - ts_ms;
  g_autoptr(GDateTime) dt = NULL;
  g_autoptr(GDateTime) now = NULL;
  g_autoptr(GDateTime) yesterday = NULL;

  if (ts_ms <= 0)
    return g_strdup ("");
  if (delta < 60 * 1000)
    return g_strdup (_("now"));
  if (delta < 60 * 60 * 1000)
    /* Translators: minutes ago, compact */
    return g_strdup_printf (_("%d min"), (int) (delta / 60000));

  dt = g_date_time_new_from_unix_local (ts_ms / 1000);
  now = g_date_time_new_from_unix_local (now_ms / 1000);
  if (dt == NULL || now == NULL)
    return g_strdup ("");

  if (same_day (dt, now))
    return g_date_time_format (dt, "%H:%M");

  yesterday = g_date_time_add_days (now, -1);
  if (same_day (dt, yesterday))
    return g_strdup (_("Yesterday"));
  if (delta < 6 * 24 * 60 * 60 * 1000LL)
    return g_date_time_format (dt, "%a");

  /* Translators: a date in a list, see g_date_time_format() */
  return g_date_time_format (dt, _("%-d %b"));
}

char *
td_format_duration (gint64 ms)
{
  gint64 s = MAX (ms, 0) / 1000;

  if (s < 60)
    return g_strdup_printf (_("%d s"), (int) s);
  if (s < 60 * 60)
    return g_strdup_printf (_("%d min"), (int) (s / 60));
  if (s < 24 * 60 * 60)
    /* Translators: hours and minutes, compact */
    return g_strdup_printf (_("%d h %02d min"), (int) (s / 3600), (int) (s / 60 % 60));

  return g_strdup_printf (_("%d d"), (int) (s / 86400));
}

int
td_nights_between (const char *checkin,
                   const char *checkout)
{
  g_autoptr(GDateTime) a = parse_date (checkin);
  g_autoptr(GDateTime) b = parse_date (checkout);

  if (a == NULL || b == NULL)
    return 0;

  return (int) (g_date_time_difference (b, a) / G_TIME_SPAN_DAY);
}

const char *
td_body_get_string (JsonObject *body,
                    const char *member)
{
  JsonNode *node;

  if (body == NULL || (node = json_object_get_member (body, member)) == NULL)
    return "";
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);

  return "";
}

double
td_body_get_double (JsonObject *body,
                    const char *member)
{
  JsonNode *node;

  if (body == NULL || (node = json_object_get_member (body, member)) == NULL)
    return 0;
  if (!JSON_NODE_HOLDS_VALUE (node))
    return 0;
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return (double) json_node_get_int (node);
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return json_node_get_double (node);

  return 0;
}

gint64
td_body_get_int (JsonObject *body,
                 const char *member)
{
  JsonNode *node;

  if (body == NULL || (node = json_object_get_member (body, member)) == NULL)
    return 0;
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    return json_node_get_int (node);
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (node);

  return 0;
}

void
td_widget_set_css_class (GtkWidget  *widget,
                         const char *klass,
                         gboolean    on)
{
  /* only on a change: a class change restyles the widget's subtree */
  if (on == gtk_widget_has_css_class (widget, klass))
    return;
  if (on)
    gtk_widget_add_css_class (widget, klass);
  else
    gtk_widget_remove_css_class (widget, klass);
}

void
td_widget_unparent_children (GtkWidget *widget)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (widget)) != NULL)
    gtk_widget_unparent (child);
}

struct _TdBubbleLayout
{
  GtkLayoutManager parent_instance;
};

G_DEFINE_FINAL_TYPE (TdBubbleLayout, td_bubble_layout, GTK_TYPE_LAYOUT_MANAGER)

static GtkSizeRequestMode
td_bubble_layout_get_request_mode (GtkLayoutManager *manager,
                                   GtkWidget        *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
td_bubble_layout_measure (GtkLayoutManager *manager,
                          GtkWidget        *widget,
                          GtkOrientation    orientation,
                          int               for_size,
                          int              *minimum,
                          int              *natural,
                          int              *minimum_baseline,
                          int              *natural_baseline)
{
  /* the width does not depend on the height: no width-for-height search */
  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    for_size = -1;
  /* height-for-width: the height with no width given is the height at the
   * minimum width (the tallest), as GtkBox checks */
  else if (for_size < 0)
    {
      int min_width = 0, nat_width = 0, min_bl = -1, nat_bl = -1;

      td_bubble_layout_measure (manager, widget, GTK_ORIENTATION_HORIZONTAL, -1,
                                &min_width, &nat_width, &min_bl, &nat_bl);
      for_size = min_width;
    }

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    {
      int child_min = 0, child_nat = 0, child_min_baseline = -1, child_nat_baseline = -1;

      if (!gtk_widget_should_layout (child))
        continue;

      gtk_widget_measure (child, orientation, for_size, &child_min, &child_nat,
                          &child_min_baseline, &child_nat_baseline);
      *minimum = MAX (*minimum, child_min);
      *natural = MAX (*natural, child_nat);
      if (child_min_baseline > -1)
        *minimum_baseline = MAX (*minimum_baseline, child_min_baseline);
      if (child_nat_baseline > -1)
        *natural_baseline = MAX (*natural_baseline, child_nat_baseline);
    }
}

static void
td_bubble_layout_allocate (GtkLayoutManager *manager,
                           GtkWidget        *widget,
                           int               width,
                           int               height,
                           int               baseline)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child;
       child = gtk_widget_get_next_sibling (child))
    if (gtk_widget_should_layout (child))
      gtk_widget_allocate (child, width, height, baseline, NULL);
}

static void
td_bubble_layout_class_init (TdBubbleLayoutClass *klass)
{
  GtkLayoutManagerClass *manager_class = GTK_LAYOUT_MANAGER_CLASS (klass);

  manager_class->get_request_mode = td_bubble_layout_get_request_mode;
  manager_class->measure = td_bubble_layout_measure;
  manager_class->allocate = td_bubble_layout_allocate;
}

static void
td_bubble_layout_init (TdBubbleLayout *self)
{
}

/* ---- TdAvatar ---- */

struct _TdAvatar
{
  GtkWidget    parent_instance;

  char        *text;
  char        *initials;
  PangoLayout *layout;   /* the initials, made at the first snapshot */
  int          size;
  guint        color;    /* 1…14, libadwaita's avatar.colorN */
};

G_DEFINE_FINAL_TYPE (TdAvatar, td_avatar, GTK_TYPE_WIDGET)

static char *
dup_initials (const char *text)
{
  g_autofree char *stripped = g_utf8_strup (text, -1);
  g_auto(GStrv) words = g_strsplit_set (g_strstrip (stripped), " \t\n", -1);
  GString *out = g_string_new (NULL);
  const char *first = NULL, *last = NULL;

  for (guint i = 0; words[i]; i++)
    if (words[i][0] != '\0')
      {
        if (first == NULL)
          first = words[i];
        else
          last = words[i];
      }
  if (first)
    g_string_append_len (out, first, g_utf8_next_char (first) - first);
  if (last)
    g_string_append_len (out, last, g_utf8_next_char (last) - last);

  return g_string_free (out, FALSE);
}

void
td_avatar_set_text (TdAvatar   *self,
                    const char *text)
{
  g_return_if_fail (TD_IS_AVATAR (self));

  if (g_strcmp0 (self->text, text) == 0)
    return;

  g_free (self->text);
  self->text = g_strdup (text);
  g_clear_pointer (&self->initials, g_free);
  g_clear_object (&self->layout);
  if (text && text[0])
    self->initials = dup_initials (text);

  /* the colour libadwaita's AdwAvatar picks for the same text */
  self->color = text && text[0] ? g_str_hash (text) % 14 + 1 : 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
td_avatar_get_initials (TdAvatar *self)
{
  g_return_val_if_fail (TD_IS_AVATAR (self), NULL);

  return self->initials;
}

static void
td_avatar_measure (GtkWidget      *widget,
                   GtkOrientation  orientation,
                   int             for_size,
                   int            *minimum,
                   int            *natural,
                   int            *minimum_baseline,
                   int            *natural_baseline)
{
  *minimum = *natural = TD_AVATAR (widget)->size;
}

/* libadwaita 1.2's avatar.color1…14: gradient top, bottom, initials */
static const guint32 palette[14][3] = {
  { 0x83b6ec, 0x337fdc, 0xcfe1f5 }, { 0x7ad9f1, 0x0f9ac8, 0xcaeaf2 },
  { 0x8de6b1, 0x29ae74, 0xcef8d8 }, { 0xb5e98a, 0x6ab85b, 0xe6f9d7 },
  { 0xf8e359, 0xd29d09, 0xf9f4e1 }, { 0xffcb62, 0xd68400, 0xffead1 },
  { 0xffa95a, 0xed5b00, 0xffe5c5 }, { 0xf78773, 0xe62d42, 0xf8d2ce },
  { 0xe973ab, 0xe33b6a, 0xfac7de }, { 0xcb78d4, 0x9945b5, 0xe7c2e8 },
  { 0x9e91e8, 0x7a59ca, 0xd5d2f5 }, { 0xe3cf9c, 0xb08952, 0xf2eade },
  { 0xbe916d, 0x785336, 0xe5d6ca }, { 0xc0bfbc, 0x6e6d71, 0xd8d7d3 },
};

static void
add_stop (cairo_pattern_t *pattern,
          double           offset,
          guint32          rgb)
{
  cairo_pattern_add_color_stop_rgb (pattern, offset,
                                    ((rgb >> 16) & 0xff) / 255., ((rgb >> 8) & 0xff) / 255., (rgb & 0xff) / 255.);
}

/* The disc of colour @color at @size × @scale pixels, drawn once.  Not
 * libadwaita's CSS background, nor drawn every frame: GSK's cairo renderer
 * fills a gradient under a round edge through a window-sized buffer, every
 * frame (40 % of a scrolled frame's instructions with a dozen avatars) */
static GdkTexture *
get_disc (guint color,
          int   size,
          int   scale)
{
  static GHashTable *discs;
  guint key = (color << 20) | ((guint) size << 4) | (guint) MIN (scale, 15);
  const guint32 *colors = palette[(color ? color : 14) - 1];
  GdkTexture *texture;
  cairo_surface_t *surface;
  cairo_pattern_t *gradient;
  cairo_t *cr;
  g_autoptr(GBytes) bytes = NULL;
  int px = size * scale;

  if (discs == NULL)
    discs = g_hash_table_new_full (NULL, NULL, NULL, g_object_unref);
  texture = g_hash_table_lookup (discs, GUINT_TO_POINTER (key));
  if (texture != NULL)
    return texture;

  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, px, px);
  cr = cairo_create (surface);
  gradient = cairo_pattern_create_linear (0, 0, 0, px);
  add_stop (gradient, 0, colors[0]);
  add_stop (gradient, 1, colors[1]);
  cairo_arc (cr, px / 2., px / 2., px / 2., 0, 2 * G_PI);
  cairo_set_source (cr, gradient);
  cairo_fill (cr);
  cairo_pattern_destroy (gradient);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  bytes = g_bytes_new (cairo_image_surface_get_data (surface),
                       (gsize) cairo_image_surface_get_stride (surface) * px);
  texture = gdk_memory_texture_new (px, px, GDK_MEMORY_DEFAULT, bytes,
                                    cairo_image_surface_get_stride (surface));
  cairo_surface_destroy (surface);
  g_hash_table_insert (discs, GUINT_TO_POINTER (key), texture);

  return texture;
}

static void
td_avatar_snapshot (GtkWidget   *widget,
                    GtkSnapshot *snapshot)
{
  TdAvatar *self = TD_AVATAR (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  const guint32 *colors = palette[(self->color ? self->color : 14) - 1];
  PangoRectangle ink;
  GdkRGBA color = {
    ((colors[2] >> 16) & 0xff) / 255.f, ((colors[2] >> 8) & 0xff) / 255.f, (colors[2] & 0xff) / 255.f, 1
  };

  gtk_snapshot_append_texture (snapshot, get_disc (self->color, self->size, gtk_widget_get_scale_factor (widget)),
                               &GRAPHENE_RECT_INIT ((w - self->size) / 2.f, (h - self->size) / 2.f,
                                                    self->size, self->size));

  if (self->initials == NULL || self->initials[0] == '\0')
    return;
  if (self->layout == NULL)
    {
      PangoAttrList *attrs = pango_attr_list_new ();

      self->layout = gtk_widget_create_pango_layout (widget, self->initials);
      pango_attr_list_insert (attrs, pango_attr_size_new_absolute (self->size * 0.36 * PANGO_SCALE));
      pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
      pango_layout_set_attributes (self->layout, attrs);
      pango_attr_list_unref (attrs);
    }
  pango_layout_get_pixel_extents (self->layout, &ink, NULL);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((w - ink.width) / 2.f - ink.x,
                                                          (h - ink.height) / 2.f - ink.y));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
td_avatar_css_changed (GtkWidget         *widget,
                       GtkCssStyleChange *change)
{
  /* the font may have changed: lay the initials out again */
  g_clear_object (&TD_AVATAR (widget)->layout);
  GTK_WIDGET_CLASS (td_avatar_parent_class)->css_changed (widget, change);
}

static void
td_avatar_finalize (GObject *object)
{
  TdAvatar *self = TD_AVATAR (object);

  g_free (self->text);
  g_free (self->initials);
  g_clear_object (&self->layout);

  G_OBJECT_CLASS (td_avatar_parent_class)->finalize (object);
}

static void
td_avatar_class_init (TdAvatarClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = td_avatar_finalize;
  widget_class->measure = td_avatar_measure;
  widget_class->snapshot = td_avatar_snapshot;
  widget_class->css_changed = td_avatar_css_changed;
  gtk_widget_class_set_css_name (widget_class, "avatar");
  /* decoration: the row it sits in says the name */
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_PRESENTATION);
}

static void
td_avatar_init (TdAvatar *self)
{
  self->size = 40;
  /* no overflow clip: the initials fit the circle, and a rounded clip
   * around text is a window-sized mask in GSK's cairo renderer */
}

GtkWidget *
td_avatar_new (int size)
{
  TdAvatar *self = g_object_new (TD_TYPE_AVATAR, NULL);

  self->size = MAX (size, 1);
  return GTK_WIDGET (self);
}

/* ---- TdTicker ---- */

void
td_ticker_set (TdTicker *ticker,
               gpointer  member,
               gboolean  on)
{
  if (ticker->members == NULL)
    ticker->members = g_ptr_array_new ();

  if (!on)
    {
      if (g_ptr_array_remove_fast (ticker->members, member) && ticker->members->len == 0)
        g_clear_handle_id (&ticker->id, g_source_remove);
      return;
    }

  if (g_ptr_array_find (ticker->members, member, NULL))
    return;
  g_ptr_array_add (ticker->members, member);
  if (ticker->id == 0)
    {
      ticker->id = g_timeout_add_seconds (ticker->interval_s, ticker->func, NULL);
      g_source_set_name_by_id (ticker->id, ticker->name);
    }
}

guint
td_ticker_get_size (TdTicker *ticker)
{
  return ticker->members ? ticker->members->len : 0;
}

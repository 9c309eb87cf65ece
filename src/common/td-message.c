/* td-message.c — one stored utterance in a message line
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <glib/gi18n-lib.h>
#include <stdio.h>
#include <string.h>

#include "td-fields-private.h"
#include "td-message.h"

struct _TdMessage
{
  GObject     parent_instance;

  gint64      id;
  char       *line_id;
  gint64      line_seq;
  char       *sender_id;
  TdRole      sender_role;
  char       *sender_name;
  char       *kind_name;
  TdKind      kind;
  JsonObject *body;
  gint64      ts;
  char       *random_id;
  TdDelivery  delivery;
  char       *error;
};

G_DEFINE_FINAL_TYPE (TdMessage, td_message, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_LINE_ID,
  PROP_LINE_SEQ,
  PROP_SENDER_ID,
  PROP_SENDER_ROLE,
  PROP_SENDER_NAME,
  PROP_KIND_NAME,
  PROP_KIND,
  PROP_BODY,
  PROP_TS,
  PROP_RANDOM_ID,
  PROP_DELIVERY,
  PROP_ERROR,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
td_message_finalize (GObject *object)
{
  TdMessage *self = (TdMessage *) object;

  g_clear_pointer (&self->line_id, g_free);
  g_clear_pointer (&self->sender_id, g_free);
  g_clear_pointer (&self->sender_name, g_free);
  g_clear_pointer (&self->kind_name, g_free);
  g_clear_pointer (&self->body, json_object_unref);
  g_clear_pointer (&self->random_id, g_free);
  g_clear_pointer (&self->error, g_free);

  G_OBJECT_CLASS (td_message_parent_class)->finalize (object);
}

static void
td_message_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TdMessage *self = TD_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_int64 (value, self->id);
      break;
    case PROP_LINE_ID:
      g_value_set_string (value, self->line_id);
      break;
    case PROP_LINE_SEQ:
      g_value_set_int64 (value, self->line_seq);
      break;
    case PROP_SENDER_ID:
      g_value_set_string (value, self->sender_id);
      break;
    case PROP_SENDER_ROLE:
      g_value_set_int (value, self->sender_role);
      break;
    case PROP_SENDER_NAME:
      g_value_set_string (value, self->sender_name);
      break;
    case PROP_KIND_NAME:
      g_value_set_string (value, self->kind_name);
      break;
    case PROP_KIND:
      g_value_set_int (value, self->kind);
      break;
    case PROP_BODY:
      g_value_set_boxed (value, self->body);
      break;
    case PROP_TS:
      g_value_set_int64 (value, self->ts);
      break;
    case PROP_RANDOM_ID:
      g_value_set_string (value, self->random_id);
      break;
    case PROP_DELIVERY:
      g_value_set_int (value, self->delivery);
      break;
    case PROP_ERROR:
      g_value_set_string (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_message_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TdMessage *self = TD_MESSAGE (object);

  switch (prop_id)
    {
    case PROP_DELIVERY:
      td_message_set_delivery (self, g_value_get_int (value));
      break;
    case PROP_ERROR:
      td_message_set_error (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_message_class_init (TdMessageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = td_message_finalize;
  object_class->get_property = td_message_get_property;
  object_class->set_property = td_message_set_property;

  properties[PROP_ID] =
    g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_LINE_ID] =
    g_param_spec_string ("line-id", NULL, NULL, NULL, ro);
  properties[PROP_LINE_SEQ] =
    g_param_spec_int64 ("line-seq", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_SENDER_ID] =
    g_param_spec_string ("sender-id", NULL, NULL, NULL, ro);
  properties[PROP_SENDER_ROLE] =
    g_param_spec_int ("sender-role", NULL, NULL,
                      TD_ROLE_CUSTOMER, TD_ROLE_OPERATOR, TD_ROLE_CUSTOMER, ro);
  properties[PROP_SENDER_NAME] =
    g_param_spec_string ("sender-name", NULL, NULL, NULL, ro);
  properties[PROP_KIND_NAME] =
    g_param_spec_string ("kind-name", NULL, NULL, NULL, ro);
  properties[PROP_KIND] =
    g_param_spec_int ("kind", NULL, NULL,
                      TD_KIND_TEXT, TD_KIND_UNKNOWN, TD_KIND_UNKNOWN, ro);
  properties[PROP_BODY] =
    g_param_spec_boxed ("body", NULL, NULL, JSON_TYPE_OBJECT, ro);
  properties[PROP_TS] =
    g_param_spec_int64 ("ts", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_RANDOM_ID] =
    g_param_spec_string ("random-id", NULL, NULL, NULL, ro);
  properties[PROP_DELIVERY] =
    g_param_spec_int ("delivery", NULL, NULL,
                      TD_DELIVERY_STORED, TD_DELIVERY_FAILED, TD_DELIVERY_STORED, rw);
  properties[PROP_ERROR] =
    g_param_spec_string ("error", NULL, NULL, NULL, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_message_init (TdMessage *self)
{
  self->kind = TD_KIND_UNKNOWN;
  self->delivery = TD_DELIVERY_STORED;
}

TdMessage *
td_message_new (gint64      id,
                const char *line_id,
                gint64      line_seq,
                const char *sender_id,
                TdRole      sender_role,
                const char *sender_name,
                const char *kind,
                JsonObject *body,
                gint64      ts,
                const char *random_id)
{
  TdMessage *self;

  g_return_val_if_fail (kind != NULL, NULL);

  self = g_object_new (TD_TYPE_MESSAGE, NULL);
  self->id = id;
  self->line_id = g_strdup (line_id);
  self->line_seq = line_seq;
  self->sender_id = g_strdup (sender_id);
  self->sender_role = sender_role;
  self->sender_name = g_strdup (sender_name);
  self->kind_name = g_strdup (kind);
  self->kind = td_kind_from_string (kind);
  self->body = body != NULL ? json_object_ref (body) : json_object_new ();
  self->ts = ts;
  self->random_id = g_strdup (random_id);

  return self;
}

TdMessage *
td_message_new_from_json (JsonObject  *object,
                          gboolean     allow_unknown_kind,
                          GError     **error)
{
  const char *where = "message";
  const char *line_id = NULL, *sender_id = NULL, *sender_name = NULL;
  const char *role_name = NULL, *kind_name = NULL, *random_id = NULL;
  gint64 id = 0, line_seq = 0, ts = 0;
  JsonObject *sender = NULL, *body = NULL;
  TdRole role;
  TdKind kind;

  g_return_val_if_fail (object != NULL, NULL);

  if (!td_field_get_int (object, where, "id", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &id, NULL, error) ||
      !td_field_get_string (object, where, "line", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &line_id, NULL, error) ||
      !td_field_get_int (object, where, "line_seq", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &line_seq, NULL, error) ||
      !td_field_get_object (object, where, "sender", TD_FIELD_REQUIRED, &sender, error) ||
      !td_field_get_string (sender, "message.sender", "id", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &sender_id, NULL, error) ||
      !td_field_get_string (sender, "message.sender", "role", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &role_name, NULL, error) ||
      !td_field_get_string (sender, "message.sender", "name", TD_FIELD_REQUIRED, 0, G_MAXSIZE, &sender_name, NULL, error) ||
      !td_field_get_string (object, where, "kind", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &kind_name, NULL, error) ||
      !td_field_get_object (object, where, "body", TD_FIELD_REQUIRED, &body, error) ||
      !td_field_get_int (object, where, "ts", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &ts, NULL, error) ||
      !td_field_get_string (object, where, "random_id", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                            0, G_MAXSIZE, &random_id, NULL, error))
    return NULL;

  if (!td_role_from_string (role_name, &role))
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "message.sender: unknown role “%s”", role_name);
      return NULL;
    }

  if (random_id != NULL && !td_random_id_is_valid (random_id))
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                           "message: malformed random_id");
      return NULL;
    }

  kind = td_kind_from_string (kind_name);
  if (kind == TD_KIND_UNKNOWN)
    {
      if (!allow_unknown_kind)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                       "message: unknown kind “%s”", kind_name);
          return NULL;
        }
    }
  else if (!td_message_validate_body (kind, body, error))
    return NULL;

  if (kind == TD_KIND_NOTE && line_seq != 0)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                           "message: a note carries line_seq 0");
      return NULL;
    }

  return td_message_new (id, line_id, line_seq, sender_id, role, sender_name,
                         kind_name, body, ts, random_id);
}

JsonObject *
td_message_to_json (TdMessage *self)
{
  JsonObject *object, *sender;

  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);

  object = json_object_new ();
  sender = json_object_new ();

  json_object_set_int_member (object, "id", self->id);
  json_object_set_string_member (object, "line", self->line_id ? self->line_id : "");
  json_object_set_int_member (object, "line_seq", self->line_seq);
  json_object_set_string_member (sender, "id", self->sender_id ? self->sender_id : "");
  json_object_set_string_member (sender, "role", td_role_to_string (self->sender_role));
  json_object_set_string_member (sender, "name", self->sender_name ? self->sender_name : "");
  json_object_set_object_member (object, "sender", sender);
  json_object_set_string_member (object, "kind", self->kind_name);
  json_object_set_object_member (object, "body", json_object_ref (self->body));
  json_object_set_int_member (object, "ts", self->ts);
  if (self->random_id != NULL)
    json_object_set_string_member (object, "random_id", self->random_id);

  return object;
}

gint64
td_message_get_id (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), 0);
  return self->id;
}

const char *
td_message_get_line_id (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->line_id;
}

gint64
td_message_get_line_seq (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), 0);
  return self->line_seq;
}

const char *
td_message_get_sender_id (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->sender_id;
}

TdRole
td_message_get_sender_role (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), TD_ROLE_CUSTOMER);
  return self->sender_role;
}

const char *
td_message_get_sender_name (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->sender_name;
}

const char *
td_message_get_kind_name (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->kind_name;
}

TdKind
td_message_get_kind (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), TD_KIND_UNKNOWN);
  return self->kind;
}

JsonObject *
td_message_get_body (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->body;
}

gint64
td_message_get_ts (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), 0);
  return self->ts;
}

const char *
td_message_get_random_id (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->random_id;
}

TdDelivery
td_message_get_delivery (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), TD_DELIVERY_STORED);
  return self->delivery;
}

void
td_message_set_delivery (TdMessage  *self,
                         TdDelivery  delivery)
{
  g_return_if_fail (TD_IS_MESSAGE (self));
  g_return_if_fail (delivery <= TD_DELIVERY_FAILED);

  if (self->delivery == delivery)
    return;

  self->delivery = delivery;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DELIVERY]);
}

const char *
td_message_get_error (TdMessage *self)
{
  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);
  return self->error;
}

void
td_message_set_error (TdMessage  *self,
                      const char *error)
{
  g_return_if_fail (TD_IS_MESSAGE (self));

  if (g_strcmp0 (self->error, error) == 0)
    return;

  g_free (self->error);
  self->error = g_strdup (error);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
}

void
td_message_set_stored (TdMessage *self,
                       gint64     id,
                       gint64     line_seq,
                       gint64     ts)
{
  g_return_if_fail (TD_IS_MESSAGE (self));

  g_object_freeze_notify (G_OBJECT (self));

  if (self->id != id)
    {
      self->id = id;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ID]);
    }
  if (self->line_seq != line_seq)
    {
      self->line_seq = line_seq;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LINE_SEQ]);
    }
  if (self->ts != ts)
    {
      self->ts = ts;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TS]);
    }
  td_message_set_error (self, NULL);
  td_message_set_delivery (self, TD_DELIVERY_STORED);

  g_object_thaw_notify (G_OBJECT (self));
}

/* ------------------------------------------------------------------ */
/* Previews                                                            */

#define PREVIEW_MAX_CHARS 80

static const char *
body_string (JsonObject *body,
             const char *name)
{
  JsonNode *node = json_object_get_member (body, name);

  if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
      json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return NULL;
}

/* Whitespace (newlines included) collapsed to single spaces, trimmed,
 * cut at PREVIEW_MAX_CHARS with an ellipsis. */
static char *
one_line (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  guint n = 0;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return g_string_free (out, FALSE);

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || g_unichar_iscntrl (c))
        {
          space = out->len > 0;
          continue;
        }
      if (n >= PREVIEW_MAX_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          n++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      n++;
    }

  return g_string_free (out, FALSE);
}

static char *
join_nonempty (const char *sep,
               ...)
{
  GString *out = g_string_new (NULL);
  va_list args;
  const char *s;

  va_start (args, sep);
  while ((s = va_arg (args, const char *)) != (const char *) -1)
    {
      if (s == NULL || *s == '\0')
        continue;
      if (out->len > 0)
        g_string_append (out, sep);
      g_string_append (out, s);
    }
  va_end (args);

  return g_string_free (out, FALSE);
}

#define END ((const char *) -1)

static int
days_between (const char *from,
              const char *to)
{
  int y1, m1, d1, y2, m2, d2;
  g_autoptr(GDate) a = NULL;
  g_autoptr(GDate) b = NULL;

  if (from == NULL || to == NULL ||
      sscanf (from, "%4d-%2d-%2d", &y1, &m1, &d1) != 3 ||
      sscanf (to, "%4d-%2d-%2d", &y2, &m2, &d2) != 3 ||
      !g_date_valid_dmy (d1, m1, y1) || !g_date_valid_dmy (d2, m2, y2))
    return -1;

  a = g_date_new_dmy (d1, m1, y1);
  b = g_date_new_dmy (d2, m2, y2);
  return g_date_days_between (a, b);
}

char *
td_message_dup_preview (TdMessage *self)
{
  JsonObject *body;
  g_autofree char *raw = NULL;

  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);

  body = self->body;

  switch (self->kind)
    {
    case TD_KIND_TEXT:
    case TD_KIND_SYSTEM:
      return one_line (body_string (body, "text"));

    case TD_KIND_NOTE:
      {
        g_autofree char *text = one_line (body_string (body, "text"));
        /* Translators: preview of an internal note */
        return g_strdup_printf (_("Note: %s"), text);
      }

    case TD_KIND_QUICK:
      return one_line (body_string (body, "text"));

    case TD_KIND_IMAGE:
      return g_strdup (_("Image"));

    case TD_KIND_ORDER:
      {
        g_autofree char *title = NULL;
        const char *order_no = body_string (body, "order_no");

        /* Translators: "Order TD-1001", a booking number */
        title = g_strdup_printf (_("Order %s"), order_no ? order_no : "");
        raw = join_nonempty (" · ", title, body_string (body, "product"), END);
      }
      break;

    case TD_KIND_HOTEL:
      {
        g_autofree char *nights = NULL;
        g_autofree char *place = NULL;
        int n = days_between (body_string (body, "checkin"),
                              body_string (body, "checkout"));

        if (n >= 0)
          nights = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "%d night", "%d nights", n), n);
        place = join_nonempty (", ", body_string (body, "name"),
                               body_string (body, "city"), END);
        /* Translators: a hotel card's preview starts with this */
        raw = join_nonempty (" · ", _("Hotel"), place, nights, END);
      }
      break;

    case TD_KIND_FLIGHT:
      {
        g_autofree char *title = NULL;
        g_autofree char *route = NULL;
        const char *flight_no = body_string (body, "flight_no");
        const char *from = body_string (body, "from");
        const char *to = body_string (body, "to");

        /* Translators: "Flight MU5101" */
        title = g_strdup_printf (_("Flight %s"), flight_no ? flight_no : "");
        if (from != NULL && to != NULL)
          route = g_strdup_printf ("%s → %s", from, to);
        raw = join_nonempty (" · ", title, route, END);
      }
      break;

    case TD_KIND_RATING:
      {
        JsonNode *node = json_object_get_member (body, "score");
        gint64 score = td_node_is_int (node) ? json_node_get_int (node) : 0;
        GString *stars = g_string_new (NULL);
        g_autofree char *stars_str = NULL;
        g_autofree char *title = NULL;
        g_autofree char *comment = one_line (body_string (body, "comment"));

        score = CLAMP (score, 0, 5);
        for (int i = 0; i < 5; i++)
          g_string_append (stars, i < score ? "★" : "☆");
        stars_str = g_string_free (stars, FALSE);
        /* Translators: "★★★★☆ rating" */
        title = g_strdup_printf (_("%s rating"), stars_str);
        raw = join_nonempty (" · ", title, comment, END);
      }
      break;

    case TD_KIND_UNKNOWN:
    default:
      return g_strdup (_("Unsupported message"));
    }

  return one_line (raw);
}

char *
td_message_dup_search_text (TdMessage *self)
{
  JsonObject *body;
  GString *out;

  g_return_val_if_fail (TD_IS_MESSAGE (self), NULL);

  body = self->body;
  out = g_string_new (NULL);

#define ADD(name) G_STMT_START {                     \
    const char *_s = body_string (body, (name));     \
    if (_s != NULL && *_s != '\0')                   \
      {                                              \
        if (out->len > 0)                            \
          g_string_append_c (out, ' ');              \
        g_string_append (out, _s);                   \
      }                                              \
  } G_STMT_END

  switch (self->kind)
    {
    case TD_KIND_TEXT:
    case TD_KIND_SYSTEM:
    case TD_KIND_NOTE:
      ADD ("text");
      break;

    case TD_KIND_QUICK:
      {
        JsonNode *node = json_object_get_member (body, "options");

        ADD ("text");
        if (node != NULL && JSON_NODE_HOLDS_ARRAY (node))
          {
            JsonArray *options = json_node_get_array (node);

            for (guint i = 0; i < json_array_get_length (options); i++)
              {
                JsonNode *o = json_array_get_element (options, i);

                if (JSON_NODE_HOLDS_VALUE (o) &&
                    json_node_get_value_type (o) == G_TYPE_STRING)
                  {
                    if (out->len > 0)
                      g_string_append_c (out, ' ');
                    g_string_append (out, json_node_get_string (o));
                  }
              }
          }
      }
      break;

    case TD_KIND_ORDER:
      ADD ("order_no");
      ADD ("product");
      ADD ("status");
      break;

    case TD_KIND_HOTEL:
      ADD ("name");
      ADD ("city");
      ADD ("room");
      break;

    case TD_KIND_FLIGHT:
      ADD ("flight_no");
      ADD ("from");
      ADD ("to");
      break;

    case TD_KIND_RATING:
      ADD ("comment");
      break;

    case TD_KIND_IMAGE:
    case TD_KIND_UNKNOWN:
    default:
      break;
    }

#undef ADD

  return g_string_free (out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Body validation                                                     */

static gboolean
is_date (const char *s,
         int        *y,
         int        *m,
         int        *d)
{
  /* exactly YYYY-MM-DD, a real date */
  for (int i = 0; i < 10; i++)
    {
      if (i == 4 || i == 7)
        {
          if (s[i] != '-')
            return FALSE;
        }
      else if (!g_ascii_isdigit (s[i]))
        return FALSE;
    }
  if (s[10] != '\0')
    return FALSE;

  *y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  *m = (s[5] - '0') * 10 + (s[6] - '0');
  *d = (s[8] - '0') * 10 + (s[9] - '0');

  return *y >= 1 && *m >= 1 && *m <= 12 && *d >= 1 &&
         g_date_valid_dmy ((GDateDay) *d, (GDateMonth) *m, (GDateYear) *y);
}

static int
two_digits (const char *p)
{
  if (!g_ascii_isdigit (p[0]) || !g_ascii_isdigit (p[1]))
    return -1;
  return (p[0] - '0') * 10 + (p[1] - '0');
}

/* ISO 8601 date-time, extended format:
 * YYYY-MM-DDThh:mm[:ss[.fff…]][Z|±hh:mm|±hhmm|±hh] */
static gboolean
is_date_time (const char *s)
{
  char date[11];
  int y, mo, d, h, mi, sec;
  const char *p;

  if (strlen (s) < 16)
    return FALSE;
  memcpy (date, s, 10);
  date[10] = '\0';
  if (!is_date (date, &y, &mo, &d))
    return FALSE;
  if (s[10] != 'T' && s[10] != 't')
    return FALSE;

  h = two_digits (s + 11);
  if (h < 0 || h > 24 || s[13] != ':')
    return FALSE;
  mi = two_digits (s + 14);
  if (mi < 0 || mi > 59)
    return FALSE;
  p = s + 16;
  sec = 0;
  if (*p == ':')
    {
      sec = two_digits (p + 1);
      if (sec < 0 || sec > 60)
        return FALSE;
      p += 3;
      if (*p == '.' || *p == ',')
        {
          p++;
          if (!g_ascii_isdigit (*p))
            return FALSE;
          while (g_ascii_isdigit (*p))
            p++;
        }
    }
  if (h == 24 && (mi != 0 || sec != 0))
    return FALSE;

  if (*p == '\0')
    return TRUE;
  if ((*p == 'Z' || *p == 'z') && p[1] == '\0')
    return TRUE;
  if (*p == '+' || *p == '-')
    {
      int oh = two_digits (p + 1), om = 0;

      if (oh < 0 || oh > 23)
        return FALSE;
      p += 3;
      if (*p == ':')
        p++;
      if (*p != '\0')
        {
          om = two_digits (p);
          if (om < 0 || om > 59)
            return FALSE;
          p += 2;
        }
      return *p == '\0';
    }

  return FALSE;
}

static gboolean
is_upper3 (const char *s)
{
  return s[0] >= 'A' && s[0] <= 'Z' &&
         s[1] >= 'A' && s[1] <= 'Z' &&
         s[2] >= 'A' && s[2] <= 'Z' &&
         s[3] == '\0';
}

static gboolean
bad_body (GError     **error,
          const char  *where,
          const char  *name,
          const char  *what)
{
  g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
               "%s: field “%s” must be %s", where, name, what);
  return FALSE;
}

static gboolean
get_date (JsonObject  *body,
          const char  *where,
          const char  *name,
          GDate       *out,
          GError     **error)
{
  const char *s = NULL;
  int y, m, d;

  if (!td_field_get_string (body, where, name, TD_FIELD_REQUIRED, 1, G_MAXSIZE, &s, NULL, error))
    return FALSE;
  if (!is_date (s, &y, &m, &d))
    return bad_body (error, where, name, "a date (YYYY-MM-DD)");
  if (out != NULL)
    g_date_set_dmy (out, (GDateDay) d, (GDateMonth) m, (GDateYear) y);
  return TRUE;
}

static gboolean
get_currency (JsonObject  *body,
              const char  *where,
              GError     **error)
{
  const char *s = NULL;

  if (!td_field_get_string (body, where, "currency", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &s, NULL, error))
    return FALSE;
  if (!is_upper3 (s))
    return bad_body (error, where, "currency", "an ISO 4217 code (3 capital letters)");
  return TRUE;
}

static gboolean
get_text (JsonObject  *body,
          const char  *where,
          const char  *name,
          gsize        min,
          gsize        max,
          GError     **error)
{
  return td_field_get_string (body, where, name, TD_FIELD_REQUIRED, min, max, NULL, NULL, error);
}

/* How deep a body may nest (the body itself is 1).  A body travels inside
 * other containers — a poll answer's packets, a history's messages, a
 * message — which must stay within TD_MAX_JSON_DEPTH. */
#define MAX_BODY_DEPTH 16

static guint
node_depth (JsonNode *node,
            guint     limit)
{
  guint deepest = 0;

  if (limit == 0)
    return 1;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, NULL, &member) && deepest < limit)
        deepest = MAX (deepest, node_depth (member, limit - 1));
      return deepest + 1;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint n = json_array_get_length (array);

      for (guint i = 0; i < n && deepest < limit; i++)
        deepest = MAX (deepest, node_depth (json_array_get_element (array, i), limit - 1));
      return deepest + 1;
    }
  return 0;
}

gboolean
td_message_body_check_depth (JsonObject  *body,
                             GError     **error)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (body != NULL, FALSE);

  node = json_node_init_object (json_node_alloc (), body);
  if (node_depth (node, MAX_BODY_DEPTH + 1) > MAX_BODY_DEPTH)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "message body nested deeper than %d", MAX_BODY_DEPTH);
      return FALSE;
    }
  return TRUE;
}

gboolean
td_message_validate_body (TdKind       kind,
                          JsonObject  *body,
                          GError     **error)
{
  const char *kind_name = td_kind_to_string (kind);
  g_autofree char *where = NULL;

  if (kind_name == NULL)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                           "unknown message kind");
      return FALSE;
    }
  if (body == NULL)
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "%s message: the body must be an object", kind_name);
      return FALSE;
    }

  if (!td_message_body_check_depth (body, error))
    return FALSE;

  where = g_strdup_printf ("%s body", kind_name);

  switch (kind)
    {
    case TD_KIND_TEXT:
    case TD_KIND_NOTE:
    case TD_KIND_SYSTEM:
      return get_text (body, where, "text", 1, TD_MAX_TEXT_CHARS, error);

    case TD_KIND_IMAGE:
      {
        const char *thumb = NULL;

        if (!get_text (body, where, "url", 1, G_MAXSIZE, error) ||
            !td_field_get_int (body, where, "width", TD_FIELD_REQUIRED, 1, TD_MAX_SAFE_INT, NULL, NULL, error) ||
            !td_field_get_int (body, where, "height", TD_FIELD_REQUIRED, 1, TD_MAX_SAFE_INT, NULL, NULL, error) ||
            !td_field_get_string (body, where, "thumb", TD_FIELD_OPTIONAL, 0, G_MAXSIZE, &thumb, NULL, error))
          return FALSE;
        if (thumb != NULL)
          {
            if (!g_str_has_prefix (thumb, "data:") || strchr (thumb, ',') == NULL)
              return bad_body (error, where, "thumb", "a data: URI");
            if (strlen (thumb) > TD_MAX_THUMB_BYTES)
              {
                g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_TOO_LARGE,
                             "%s: the thumb is larger than %d bytes", where, TD_MAX_THUMB_BYTES);
                return FALSE;
              }
          }
        return TRUE;
      }

    case TD_KIND_ORDER:
      return get_text (body, where, "order_no", 1, G_MAXSIZE, error) &&
             get_text (body, where, "product", 0, G_MAXSIZE, error) &&
             get_date (body, where, "travel_date", NULL, error) &&
             get_text (body, where, "status", 0, G_MAXSIZE, error) &&
             td_field_get_number (body, where, "amount", TD_FIELD_REQUIRED, NULL, NULL, error) &&
             get_currency (body, where, error);

    case TD_KIND_HOTEL:
      {
        GDate checkin, checkout;

        g_date_clear (&checkin, 1);
        g_date_clear (&checkout, 1);
        if (!get_text (body, where, "name", 1, G_MAXSIZE, error) ||
            !get_text (body, where, "city", 0, G_MAXSIZE, error) ||
            !get_date (body, where, "checkin", &checkin, error) ||
            !get_date (body, where, "checkout", &checkout, error) ||
            !get_text (body, where, "room", 0, G_MAXSIZE, error) ||
            !td_field_get_number (body, where, "price", TD_FIELD_REQUIRED, NULL, NULL, error) ||
            !get_currency (body, where, error))
          return FALSE;
        if (g_date_compare (&checkout, &checkin) < 0)
          return bad_body (error, where, "checkout", "on or after checkin");
        return TRUE;
      }

    case TD_KIND_FLIGHT:
      {
        const char *from = NULL, *to = NULL, *depart = NULL, *arrive = NULL;

        if (!get_text (body, where, "flight_no", 1, G_MAXSIZE, error) ||
            !td_field_get_string (body, where, "from", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &from, NULL, error) ||
            !td_field_get_string (body, where, "to", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &to, NULL, error) ||
            !td_field_get_string (body, where, "depart", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &depart, NULL, error) ||
            !td_field_get_string (body, where, "arrive", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &arrive, NULL, error) ||
            !td_field_get_number (body, where, "price", TD_FIELD_REQUIRED, NULL, NULL, error) ||
            !get_currency (body, where, error))
          return FALSE;
        if (!is_upper3 (from))
          return bad_body (error, where, "from", "an IATA code (3 capital letters)");
        if (!is_upper3 (to))
          return bad_body (error, where, "to", "an IATA code (3 capital letters)");
        if (!is_date_time (depart))
          return bad_body (error, where, "depart", "an ISO 8601 date-time");
        if (!is_date_time (arrive))
          return bad_body (error, where, "arrive", "an ISO 8601 date-time");
        return TRUE;
      }

    case TD_KIND_QUICK:
      {
        JsonArray *options = NULL;
        guint n;

        if (!get_text (body, where, "text", 1, TD_MAX_TEXT_CHARS, error) ||
            !td_field_get_array (body, where, "options", TD_FIELD_REQUIRED, &options, error))
          return FALSE;
        n = json_array_get_length (options);
        if (n < 1 || n > 6)
          return bad_body (error, where, "options", "1 to 6 strings");
        for (guint i = 0; i < n; i++)
          {
            JsonNode *o = json_array_get_element (options, i);

            if (!JSON_NODE_HOLDS_VALUE (o) ||
                json_node_get_value_type (o) != G_TYPE_STRING ||
                *json_node_get_string (o) == '\0')
              return bad_body (error, where, "options", "1 to 6 non-empty strings");
          }
        return TRUE;
      }

    case TD_KIND_RATING:
      return td_field_get_int (body, where, "score", TD_FIELD_REQUIRED, 1, 5, NULL, NULL, error) &&
             td_field_get_string (body, where, "comment", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                                  0, TD_MAX_TEXT_CHARS, NULL, NULL, error);

    case TD_KIND_UNKNOWN:
    default:
      g_assert_not_reached ();
    }
}

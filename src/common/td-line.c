/* td-line.c — one message line (conversation)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <string.h>

#include "td-fields-private.h"
#include "td-line.h"

struct _TdLine
{
  GObject      parent_instance;

  /* wire */
  char        *id;
  char        *uid;
  char        *customer_name;
  char        *object_id;
  TdBusi       busi;
  char        *merchant;
  char        *title;
  TdLineState  state;
  char        *assignee;
  gint64       snooze_until;
  gint64       last_seq;
  gint64       created;
  gint64       updated;

  /* client-side */
  int          unread;
  char        *preview;
  TdRole       last_sender_role;
  gint64       waiting_since;
  gint64       peer_read;
};

G_DEFINE_FINAL_TYPE (TdLine, td_line, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_UID,
  PROP_CUSTOMER_NAME,
  PROP_OBJECT_ID,
  PROP_BUSI,
  PROP_MERCHANT,
  PROP_TITLE,
  PROP_STATE,
  PROP_ASSIGNEE,
  PROP_SNOOZE_UNTIL,
  PROP_LAST_SEQ,
  PROP_CREATED,
  PROP_UPDATED,
  PROP_UNREAD,
  PROP_PREVIEW,
  PROP_LAST_SENDER_ROLE,
  PROP_WAITING_SINCE,
  PROP_PEER_READ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Sets a string field, notifying on change. */
static void
set_string (TdLine      *self,
            char       **field,
            const char  *value,
            guint        prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_int64 (TdLine *self,
           gint64 *field,
           gint64  value,
           guint   prop)
{
  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
td_line_finalize (GObject *object)
{
  TdLine *self = (TdLine *) object;

  g_clear_pointer (&self->id, g_free);
  g_clear_pointer (&self->uid, g_free);
  g_clear_pointer (&self->customer_name, g_free);
  g_clear_pointer (&self->object_id, g_free);
  g_clear_pointer (&self->merchant, g_free);
  g_clear_pointer (&self->title, g_free);
  g_clear_pointer (&self->assignee, g_free);
  g_clear_pointer (&self->preview, g_free);

  G_OBJECT_CLASS (td_line_parent_class)->finalize (object);
}

static void
td_line_get_property (GObject    *object,
                      guint       prop_id,
                      GValue     *value,
                      GParamSpec *pspec)
{
  TdLine *self = TD_LINE (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_UID:
      g_value_set_string (value, self->uid);
      break;
    case PROP_CUSTOMER_NAME:
      g_value_set_string (value, self->customer_name);
      break;
    case PROP_OBJECT_ID:
      g_value_set_string (value, self->object_id);
      break;
    case PROP_BUSI:
      g_value_set_int (value, self->busi);
      break;
    case PROP_MERCHANT:
      g_value_set_string (value, self->merchant);
      break;
    case PROP_TITLE:
      g_value_set_string (value, self->title);
      break;
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_ASSIGNEE:
      g_value_set_string (value, self->assignee);
      break;
    case PROP_SNOOZE_UNTIL:
      g_value_set_int64 (value, self->snooze_until);
      break;
    case PROP_LAST_SEQ:
      g_value_set_int64 (value, self->last_seq);
      break;
    case PROP_CREATED:
      g_value_set_int64 (value, self->created);
      break;
    case PROP_UPDATED:
      g_value_set_int64 (value, self->updated);
      break;
    case PROP_UNREAD:
      g_value_set_int (value, self->unread);
      break;
    case PROP_PREVIEW:
      g_value_set_string (value, self->preview);
      break;
    case PROP_LAST_SENDER_ROLE:
      g_value_set_int (value, self->last_sender_role);
      break;
    case PROP_WAITING_SINCE:
      g_value_set_int64 (value, self->waiting_since);
      break;
    case PROP_PEER_READ:
      g_value_set_int64 (value, self->peer_read);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_line_set_property (GObject      *object,
                      guint         prop_id,
                      const GValue *value,
                      GParamSpec   *pspec)
{
  TdLine *self = TD_LINE (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_UID:
      self->uid = g_value_dup_string (value);
      break;
    case PROP_OBJECT_ID:
      self->object_id = g_value_dup_string (value);
      break;
    case PROP_BUSI:
      self->busi = g_value_get_int (value);
      break;
    case PROP_CUSTOMER_NAME:
      td_line_set_customer_name (self, g_value_get_string (value));
      break;
    case PROP_MERCHANT:
      td_line_set_merchant (self, g_value_get_string (value));
      break;
    case PROP_TITLE:
      td_line_set_title (self, g_value_get_string (value));
      break;
    case PROP_STATE:
      td_line_set_state (self, g_value_get_int (value));
      break;
    case PROP_ASSIGNEE:
      td_line_set_assignee (self, g_value_get_string (value));
      break;
    case PROP_SNOOZE_UNTIL:
      td_line_set_snooze_until (self, g_value_get_int64 (value));
      break;
    case PROP_LAST_SEQ:
      td_line_set_last_seq (self, g_value_get_int64 (value));
      break;
    case PROP_CREATED:
      td_line_set_created (self, g_value_get_int64 (value));
      break;
    case PROP_UPDATED:
      td_line_set_updated (self, g_value_get_int64 (value));
      break;
    case PROP_UNREAD:
      td_line_set_unread (self, g_value_get_int (value));
      break;
    case PROP_PREVIEW:
      td_line_set_preview (self, g_value_get_string (value));
      break;
    case PROP_LAST_SENDER_ROLE:
      td_line_set_last_sender_role (self, g_value_get_int (value));
      break;
    case PROP_WAITING_SINCE:
      td_line_set_waiting_since (self, g_value_get_int64 (value));
      break;
    case PROP_PEER_READ:
      td_line_set_peer_read (self, g_value_get_int64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
td_line_constructed (GObject *object)
{
  TdLine *self = (TdLine *) object;

  G_OBJECT_CLASS (td_line_parent_class)->constructed (object);

  /* The line belongs to the merchant of its object_id. */
  if (self->merchant == NULL && self->busi != TD_BUSI_CHAT)
    self->merchant = td_object_id_dup_merchant (self->object_id);
}

static void
td_line_class_init (TdLineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags co = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                         G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = td_line_constructed;
  object_class->finalize = td_line_finalize;
  object_class->get_property = td_line_get_property;
  object_class->set_property = td_line_set_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, co);
  properties[PROP_UID] = g_param_spec_string ("uid", NULL, NULL, NULL, co);
  properties[PROP_CUSTOMER_NAME] = g_param_spec_string ("customer-name", NULL, NULL, NULL, rw);
  properties[PROP_OBJECT_ID] = g_param_spec_string ("object-id", NULL, NULL, NULL, co);
  properties[PROP_BUSI] =
    g_param_spec_int ("busi", NULL, NULL, TD_BUSI_INQUIRY, TD_BUSI_CHAT, TD_BUSI_INQUIRY, co);
  properties[PROP_MERCHANT] = g_param_spec_string ("merchant", NULL, NULL, NULL, rw);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, rw);
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL,
                      TD_LINE_STATE_OPEN, TD_LINE_STATE_RESOLVED, TD_LINE_STATE_OPEN, rw);
  properties[PROP_ASSIGNEE] = g_param_spec_string ("assignee", NULL, NULL, NULL, rw);
  properties[PROP_SNOOZE_UNTIL] =
    g_param_spec_int64 ("snooze-until", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_LAST_SEQ] =
    g_param_spec_int64 ("last-seq", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_CREATED] =
    g_param_spec_int64 ("created", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_UPDATED] =
    g_param_spec_int64 ("updated", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_UNREAD] = g_param_spec_int ("unread", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_PREVIEW] = g_param_spec_string ("preview", NULL, NULL, NULL, rw);
  properties[PROP_LAST_SENDER_ROLE] =
    g_param_spec_int ("last-sender-role", NULL, NULL,
                      TD_ROLE_CUSTOMER, TD_ROLE_OPERATOR, TD_ROLE_CUSTOMER, rw);
  properties[PROP_WAITING_SINCE] =
    g_param_spec_int64 ("waiting-since", NULL, NULL, 0, G_MAXINT64, 0, rw);
  properties[PROP_PEER_READ] =
    g_param_spec_int64 ("peer-read", NULL, NULL, 0, G_MAXINT64, 0, rw);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
td_line_init (TdLine *self)
{
}

TdLine *
td_line_new (const char *id,
             const char *uid,
             const char *object_id,
             TdBusi      busi)
{
  return g_object_new (TD_TYPE_LINE,
                       "id", id,
                       "uid", uid,
                       "object-id", object_id,
                       "busi", (int) busi,
                       NULL);
}

TdLine *
td_line_new_from_json (JsonObject  *object,
                       GError     **error)
{
  const char *where = "line";
  const char *id = NULL, *uid = NULL, *customer_name = NULL, *object_id = NULL;
  const char *busi_name = NULL, *merchant = NULL, *title = NULL, *state_name = NULL;
  const char *assignee = NULL;
  gint64 snooze_until = 0, last_seq = 0, created = 0, updated = 0;
  TdBusi busi;
  TdLineState state;
  g_autofree char *object_merchant = NULL;
  TdLine *self;

  g_return_val_if_fail (object != NULL, NULL);

  if (!td_field_get_string (object, where, "id", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &id, NULL, error) ||
      !td_field_get_string (object, where, "uid", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &uid, NULL, error) ||
      !td_field_get_string (object, where, "customer_name", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                            0, G_MAXSIZE, &customer_name, NULL, error) ||
      !td_field_get_string (object, where, "object_id", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &object_id, NULL, error) ||
      !td_field_get_string (object, where, "busi", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &busi_name, NULL, error) ||
      !td_field_get_string (object, where, "merchant", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                            1, G_MAXSIZE, &merchant, NULL, error) ||
      !td_field_get_string (object, where, "title", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                            0, G_MAXSIZE, &title, NULL, error) ||
      !td_field_get_string (object, where, "state", TD_FIELD_REQUIRED, 1, G_MAXSIZE, &state_name, NULL, error) ||
      !td_field_get_string (object, where, "assignee", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                            1, G_MAXSIZE, &assignee, NULL, error) ||
      !td_field_get_int (object, where, "snooze_until", TD_FIELD_OPTIONAL | TD_FIELD_NULLABLE,
                         0, TD_MAX_SAFE_INT, &snooze_until, NULL, error) ||
      !td_field_get_int (object, where, "last_seq", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &last_seq, NULL, error) ||
      !td_field_get_int (object, where, "created", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &created, NULL, error) ||
      !td_field_get_int (object, where, "updated", TD_FIELD_REQUIRED, 0, TD_MAX_SAFE_INT, &updated, NULL, error))
    return NULL;

  if (!td_busi_from_string (busi_name, &busi))
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "line: unknown busi “%s”", busi_name);
      return NULL;
    }
  if (!td_line_state_from_string (state_name, &state))
    {
      g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                   "line: unknown state “%s”", state_name);
      return NULL;
    }

  if (busi == TD_BUSI_CHAT)
    {
      if (merchant != NULL)
        {
          g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                               "line: a chat line has no merchant");
          return NULL;
        }
    }
  else
    {
      object_merchant = td_object_id_dup_merchant (object_id);
      if (object_merchant == NULL)
        {
          g_set_error (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                       "line: malformed object_id “%s”", object_id);
          return NULL;
        }
      if (merchant == NULL || strcmp (merchant, object_merchant) != 0)
        {
          g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_PACKET,
                               "line: merchant does not match object_id");
          return NULL;
        }
    }

  self = td_line_new (id, uid, object_id, busi);
  self->customer_name = g_strdup (customer_name);
  g_free (self->merchant);
  self->merchant = g_strdup (merchant);
  self->title = g_strdup (title);
  self->state = state;
  self->assignee = g_strdup (assignee);
  self->snooze_until = snooze_until;
  self->last_seq = last_seq;
  self->created = created;
  self->updated = updated;

  return self;
}

JsonObject *
td_line_to_json (TdLine *self)
{
  JsonObject *object;

  g_return_val_if_fail (TD_IS_LINE (self), NULL);

  object = json_object_new ();
  json_object_set_string_member (object, "id", self->id ? self->id : "");
  json_object_set_string_member (object, "uid", self->uid ? self->uid : "");
  td_object_set_string_or_null (object, "customer_name", self->customer_name);
  json_object_set_string_member (object, "object_id", self->object_id ? self->object_id : "");
  json_object_set_string_member (object, "busi", td_busi_to_string (self->busi));
  td_object_set_string_or_null (object, "merchant", self->merchant);
  td_object_set_string_or_null (object, "title", self->title);
  json_object_set_string_member (object, "state", td_line_state_to_string (self->state));
  td_object_set_string_or_null (object, "assignee", self->assignee);
  if (self->snooze_until > 0)
    json_object_set_int_member (object, "snooze_until", self->snooze_until);
  else
    json_object_set_null_member (object, "snooze_until");
  json_object_set_int_member (object, "last_seq", self->last_seq);
  json_object_set_int_member (object, "created", self->created);
  json_object_set_int_member (object, "updated", self->updated);

  return object;
}

void
td_line_update_from (TdLine *self,
                     TdLine *src)
{
  g_return_if_fail (TD_IS_LINE (self));
  g_return_if_fail (TD_IS_LINE (src));

  if (self == src)
    return;

  g_object_freeze_notify (G_OBJECT (self));

  set_string (self, &self->id, src->id, PROP_ID);
  set_string (self, &self->uid, src->uid, PROP_UID);
  set_string (self, &self->object_id, src->object_id, PROP_OBJECT_ID);
  if (self->busi != src->busi)
    {
      self->busi = src->busi;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSI]);
    }
  td_line_set_customer_name (self, src->customer_name);
  td_line_set_merchant (self, src->merchant);
  td_line_set_title (self, src->title);
  td_line_set_state (self, src->state);
  td_line_set_assignee (self, src->assignee);
  td_line_set_snooze_until (self, src->snooze_until);
  td_line_set_last_seq (self, src->last_seq);
  td_line_set_created (self, src->created);
  td_line_set_updated (self, src->updated);
  td_line_set_unread (self, src->unread);
  td_line_set_preview (self, src->preview);
  td_line_set_last_sender_role (self, src->last_sender_role);
  td_line_set_waiting_since (self, src->waiting_since);
  td_line_set_peer_read (self, src->peer_read);

  g_object_thaw_notify (G_OBJECT (self));
}

const char *
td_line_get_id (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->id;
}

const char *
td_line_get_uid (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->uid;
}

const char *
td_line_get_customer_name (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->customer_name;
}

void
td_line_set_customer_name (TdLine     *self,
                           const char *name)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_string (self, &self->customer_name, name, PROP_CUSTOMER_NAME);
}

const char *
td_line_get_object_id (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->object_id;
}

TdBusi
td_line_get_busi (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), TD_BUSI_INQUIRY);
  return self->busi;
}

const char *
td_line_get_merchant (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->merchant;
}

void
td_line_set_merchant (TdLine     *self,
                      const char *merchant)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_string (self, &self->merchant, merchant, PROP_MERCHANT);
}

const char *
td_line_get_title (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->title;
}

void
td_line_set_title (TdLine     *self,
                   const char *title)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_string (self, &self->title, title, PROP_TITLE);
}

TdLineState
td_line_get_state (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), TD_LINE_STATE_OPEN);
  return self->state;
}

void
td_line_set_state (TdLine      *self,
                   TdLineState  state)
{
  g_return_if_fail (TD_IS_LINE (self));
  g_return_if_fail (state <= TD_LINE_STATE_RESOLVED);

  if (self->state == state)
    return;

  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

const char *
td_line_get_assignee (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->assignee;
}

void
td_line_set_assignee (TdLine     *self,
                      const char *assignee)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_string (self, &self->assignee, assignee, PROP_ASSIGNEE);
}

gint64
td_line_get_snooze_until (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->snooze_until;
}

void
td_line_set_snooze_until (TdLine *self,
                          gint64  ms)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->snooze_until, MAX (ms, 0), PROP_SNOOZE_UNTIL);
}

gint64
td_line_get_last_seq (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->last_seq;
}

void
td_line_set_last_seq (TdLine *self,
                      gint64  seq)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->last_seq, MAX (seq, 0), PROP_LAST_SEQ);
}

gint64
td_line_get_created (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->created;
}

void
td_line_set_created (TdLine *self,
                     gint64  ms)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->created, MAX (ms, 0), PROP_CREATED);
}

gint64
td_line_get_updated (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->updated;
}

void
td_line_set_updated (TdLine *self,
                     gint64  ms)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->updated, MAX (ms, 0), PROP_UPDATED);
}

int
td_line_get_unread (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->unread;
}

void
td_line_set_unread (TdLine *self,
                    int     unread)
{
  g_return_if_fail (TD_IS_LINE (self));

  unread = MAX (unread, 0);
  if (self->unread == unread)
    return;

  self->unread = unread;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_UNREAD]);
}

const char *
td_line_get_preview (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), NULL);
  return self->preview;
}

void
td_line_set_preview (TdLine     *self,
                     const char *preview)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_string (self, &self->preview, preview, PROP_PREVIEW);
}

TdRole
td_line_get_last_sender_role (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), TD_ROLE_CUSTOMER);
  return self->last_sender_role;
}

void
td_line_set_last_sender_role (TdLine *self,
                              TdRole  role)
{
  g_return_if_fail (TD_IS_LINE (self));
  g_return_if_fail (role <= TD_ROLE_OPERATOR);

  if (self->last_sender_role == role)
    return;

  self->last_sender_role = role;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_SENDER_ROLE]);
}

gint64
td_line_get_waiting_since (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->waiting_since;
}

void
td_line_set_waiting_since (TdLine *self,
                           gint64  ms)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->waiting_since, MAX (ms, 0), PROP_WAITING_SINCE);
}

gint64
td_line_get_peer_read (TdLine *self)
{
  g_return_val_if_fail (TD_IS_LINE (self), 0);
  return self->peer_read;
}

void
td_line_set_peer_read (TdLine *self,
                       gint64  seq)
{
  g_return_if_fail (TD_IS_LINE (self));
  set_int64 (self, &self->peer_read, MAX (seq, 0), PROP_PEER_READ);
}

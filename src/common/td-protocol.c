/* td-protocol.c — constants, enums and the error domain of protocol v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <string.h>

#include "td-protocol.h"

G_DEFINE_QUARK (td-protocol-error-quark, td_protocol_error)

static const char * const error_names[] = {
  [TD_PROTOCOL_ERROR_BAD_JSON] = "bad_json",
  [TD_PROTOCOL_ERROR_BAD_PACKET] = "bad_packet",
  [TD_PROTOCOL_ERROR_TOO_LARGE] = "too_large",
  [TD_PROTOCOL_ERROR_UNAUTHORIZED] = "unauthorized",
  [TD_PROTOCOL_ERROR_FORBIDDEN] = "forbidden",
  [TD_PROTOCOL_ERROR_NOT_FOUND] = "not_found",
  [TD_PROTOCOL_ERROR_RATE_LIMITED] = "rate_limited",
  [TD_PROTOCOL_ERROR_CONFLICT] = "conflict",
  [TD_PROTOCOL_ERROR_INTERNAL] = "internal",
};

static const char * const role_names[] = {
  [TD_ROLE_CUSTOMER] = "customer",
  [TD_ROLE_OPERATOR] = "operator",
};

static const char * const busi_names[] = {
  [TD_BUSI_INQUIRY] = "inquiry",
  [TD_BUSI_FEEDBACK] = "feedback",
  [TD_BUSI_NOTICE] = "notice",
  [TD_BUSI_CHAT] = "chat",
};

static const char * const state_names[] = {
  [TD_LINE_STATE_OPEN] = "open",
  [TD_LINE_STATE_PENDING] = "pending",
  [TD_LINE_STATE_SNOOZED] = "snoozed",
  [TD_LINE_STATE_RESOLVED] = "resolved",
};

static const char * const kind_names[] = {
  [TD_KIND_TEXT] = "text",
  [TD_KIND_IMAGE] = "image",
  [TD_KIND_ORDER] = "order",
  [TD_KIND_HOTEL] = "hotel",
  [TD_KIND_FLIGHT] = "flight",
  [TD_KIND_QUICK] = "quick",
  [TD_KIND_RATING] = "rating",
  [TD_KIND_SYSTEM] = "system",
  [TD_KIND_NOTE] = "note",
};

static int
lookup (const char * const *names,
        guint               n_names,
        const char         *s)
{
  if (s == NULL)
    return -1;

  for (guint i = 0; i < n_names; i++)
    if (names[i] != NULL && strcmp (names[i], s) == 0)
      return (int) i;

  return -1;
}

const char *
td_protocol_error_to_string (TdProtocolError code)
{
  if ((guint) code < G_N_ELEMENTS (error_names))
    return error_names[code];
  return "internal";
}

gboolean
td_protocol_error_from_string (const char      *name,
                               TdProtocolError *code)
{
  int i = lookup (error_names, G_N_ELEMENTS (error_names), name);

  if (code != NULL)
    *code = i < 0 ? TD_PROTOCOL_ERROR_INTERNAL : (TdProtocolError) i;

  return i >= 0;
}

gboolean
td_protocol_error_is_permanent (TdProtocolError code)
{
  return code == TD_PROTOCOL_ERROR_FORBIDDEN ||
         code == TD_PROTOCOL_ERROR_BAD_PACKET ||
         code == TD_PROTOCOL_ERROR_TOO_LARGE;
}

const char *
td_role_to_string (TdRole role)
{
  if ((guint) role < G_N_ELEMENTS (role_names))
    return role_names[role];
  g_return_val_if_reached ("customer");
}

gboolean
td_role_from_string (const char *s,
                     TdRole     *out)
{
  int i = lookup (role_names, G_N_ELEMENTS (role_names), s);

  if (i < 0)
    return FALSE;
  if (out != NULL)
    *out = (TdRole) i;
  return TRUE;
}

const char *
td_busi_to_string (TdBusi busi)
{
  if ((guint) busi < G_N_ELEMENTS (busi_names))
    return busi_names[busi];
  g_return_val_if_reached ("inquiry");
}

gboolean
td_busi_from_string (const char *s,
                     TdBusi     *out)
{
  int i = lookup (busi_names, G_N_ELEMENTS (busi_names), s);

  if (i < 0)
    return FALSE;
  if (out != NULL)
    *out = (TdBusi) i;
  return TRUE;
}

const char *
td_line_state_to_string (TdLineState state)
{
  if ((guint) state < G_N_ELEMENTS (state_names))
    return state_names[state];
  g_return_val_if_reached ("open");
}

gboolean
td_line_state_from_string (const char  *s,
                           TdLineState *out)
{
  int i = lookup (state_names, G_N_ELEMENTS (state_names), s);

  if (i < 0)
    return FALSE;
  if (out != NULL)
    *out = (TdLineState) i;
  return TRUE;
}

const char *
td_kind_to_string (TdKind kind)
{
  if ((guint) kind < G_N_ELEMENTS (kind_names))
    return kind_names[kind];
  return NULL;
}

TdKind
td_kind_from_string (const char *s)
{
  int i = lookup (kind_names, G_N_ELEMENTS (kind_names), s);

  return i < 0 ? TD_KIND_UNKNOWN : (TdKind) i;
}

/* The random_id alphabet, [A-Za-z0-9_-], in an order that keeps the
 * clock prefix of td_random_id_new() sortable byte-wise. */
static const char id_alphabet[] =
  "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

static inline gboolean
is_id_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '-';
}

gboolean
td_random_id_is_valid (const char *random_id)
{
  gsize n = 0;

  if (random_id == NULL)
    return FALSE;

  for (const char *p = random_id; *p != '\0'; p++, n++)
    {
      if (!is_id_char (*p) || n >= 64)
        return FALSE;
    }

  return n >= 16;
}

static GRand *id_rand;
G_LOCK_DEFINE_STATIC (id_rand);

#define RANDOM_ID_CLOCK_CHARS 7    /* 42 bits of milliseconds: until 2109 */
#define RANDOM_ID_RANDOM_CHARS 16  /* 96 random bits */

char *
td_random_id_new (void)
{
  char *id = g_malloc (RANDOM_ID_CLOCK_CHARS + RANDOM_ID_RANDOM_CHARS + 1);
  guint64 now = (guint64) td_now_ms ();
  guint32 r[3];
  guint bit = 0;

  G_STATIC_ASSERT (sizeof id_alphabet - 1 == 64);

  for (int i = RANDOM_ID_CLOCK_CHARS - 1; i >= 0; i--)
    {
      id[i] = id_alphabet[now & 63];
      now >>= 6;
    }

  /* Our own generator, seeded from /dev/urandom (g_rand_new), so that
   * nothing that seeds GLib's global one (tests, --seed) makes two
   * processes produce the same ids. */
  G_LOCK (id_rand);
  if (id_rand == NULL)
    id_rand = g_rand_new ();
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    r[i] = g_rand_int (id_rand);
  G_UNLOCK (id_rand);

  for (int i = 0; i < RANDOM_ID_RANDOM_CHARS; i++)
    {
      guint v = 0;

      for (int b = 0; b < 6; b++, bit++)
        v = (v << 1) | ((r[bit / 32] >> (bit % 32)) & 1);
      id[RANDOM_ID_CLOCK_CHARS + i] = id_alphabet[v];
    }

  id[RANDOM_ID_CLOCK_CHARS + RANDOM_ID_RANDOM_CHARS] = '\0';
  g_assert (td_random_id_is_valid (id));

  return id;
}

char *
td_object_id_dup_merchant (const char *object_id)
{
  const char *p;

  if (object_id == NULL || strncmp (object_id, "m_", 2) != 0)
    return NULL;

  p = object_id + 2;
  if (*p == '\0' || *p == '/')
    return NULL;

  while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
    p++;

  if (*p == '\0')
    return g_strdup (object_id);

  if (*p != '/' || p[1] == '\0')
    return NULL;

  /* The reference: anything printable. */
  for (const char *q = p + 1; *q != '\0'; q++)
    {
      if ((guchar) *q < 0x20 || *q == 0x7f)
        return NULL;
    }

  return g_strndup (object_id, p - object_id);
}

void
td_chat_pair_order (const char  *a,
                    const char  *b,
                    const char **first,
                    const char **second)
{
  g_return_if_fail (a != NULL && b != NULL);

  if (strcmp (a, b) <= 0)
    {
      if (first) *first = a;
      if (second) *second = b;
    }
  else
    {
      if (first) *first = b;
      if (second) *second = a;
    }
}

gint64
td_now_ms (void)
{
  return g_get_real_time () / 1000;
}

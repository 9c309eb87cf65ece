/* td-json.c — strict JSON, guarding json-glib 1.6's leniency
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-common"

#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "td-protocol.h"
#include "td-json.h"

/*
 * The validator walks the bytes once, with a fixed stack of container
 * kinds no deeper than TD_MAX_JSON_DEPTH, so hostile input (deep nesting,
 * huge numbers, broken UTF-8) costs no allocation and no recursion.
 */

typedef struct
{
  const guchar *p;
  const guchar *start;
  const guchar *end;
  GError      **error;
} Scan;

static gboolean G_GNUC_PRINTF (2, 3)
fail (Scan       *s,
      const char *format,
      ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (s->error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_JSON,
               "Invalid JSON at byte %" G_GSIZE_FORMAT ": %s",
               (gsize) (s->p - s->start), msg);
  return FALSE;
}

static inline void
skip_ws (Scan *s)
{
  while (s->p < s->end &&
         (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static inline int
hex_value (guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

static gboolean
read_hex4 (Scan    *s,
           guint32 *out)
{
  guint32 v = 0;

  if (s->end - s->p < 4)
    return fail (s, "truncated \\u escape");

  for (int i = 0; i < 4; i++)
    {
      int h = hex_value (s->p[i]);

      if (h < 0)
        return fail (s, "bad \\u escape");
      v = (v << 4) | (guint32) h;
    }

  s->p += 4;
  *out = v;
  return TRUE;
}

/* One UTF-8 sequence starting at s->p (a byte ≥ 0x80): well-formed, shortest
 * form, no surrogates, at most U+10FFFF. */
static gboolean
skip_utf8 (Scan *s)
{
  const guchar *p = s->p;
  gsize avail = (gsize) (s->end - p);
  guchar c = p[0];
  gsize n;
  guchar lo = 0x80, hi = 0xBF;

  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    {
      n = 3;
      if (c == 0xE0)
        lo = 0xA0;
      else if (c == 0xED)
        hi = 0x9F;
    }
  else if (c >= 0xF0 && c <= 0xF4)
    {
      n = 4;
      if (c == 0xF0)
        lo = 0x90;
      else if (c == 0xF4)
        hi = 0x8F;
    }
  else
    return fail (s, "invalid UTF-8");

  if (avail < n)
    return fail (s, "truncated UTF-8");
  if (p[1] < lo || p[1] > hi)
    return fail (s, "invalid UTF-8");
  for (gsize i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return fail (s, "invalid UTF-8");

  s->p += n;
  return TRUE;
}

/* s->p at the opening quote. */
static gboolean
scan_string (Scan *s)
{
  g_assert (*s->p == '"');
  s->p++;

  while (s->p < s->end)
    {
      guchar c = *s->p;

      if (c == '"')
        {
          s->p++;
          return TRUE;
        }
      else if (c == '\\')
        {
          s->p++;
          if (s->p >= s->end)
            break;
          switch (*s->p)
            {
            case '"': case '\\': case '/': case 'b':
            case 'f': case 'n': case 'r': case 't':
              s->p++;
              break;

            case 'u':
              {
                guint32 u;

                s->p++;
                if (!read_hex4 (s, &u))
                  return FALSE;
                if (u == 0)
                  return fail (s, "\\u0000 in a string");
                if (u >= 0xDC00 && u <= 0xDFFF)
                  return fail (s, "lone low surrogate escape");
                if (u >= 0xD800 && u <= 0xDBFF)
                  {
                    guint32 low;

                    if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
                      return fail (s, "lone high surrogate escape");
                    s->p += 2;
                    if (!read_hex4 (s, &low))
                      return FALSE;
                    if (low < 0xDC00 || low > 0xDFFF)
                      return fail (s, "lone high surrogate escape");
                  }
              }
              break;

            default:
              return fail (s, "bad escape in a string");
            }
        }
      else if (c == 0)
        return fail (s, "NUL in a string");
      else if (c < 0x20)
        return fail (s, "control character in a string");
      else if (c < 0x80)
        s->p++;
      else if (!skip_utf8 (s))
        return FALSE;
    }

  return fail (s, "unterminated string");
}

/* Is the decimal number d.ddd…×10^exp10 (digits in @digits, @n_digits of
 * them, the first non-zero) finite as a double? */
static gboolean
decimal_is_finite (const guchar *digits,
                   gsize         n_digits,
                   gint64        exp10)
{
  char buf[64];
  gsize k = 0;
  double d;

  if (exp10 < DBL_MAX_10_EXP)
    return TRUE;
  if (exp10 > DBL_MAX_10_EXP)
    return FALSE;

  /* Right at the edge: let strtod decide on the leading digits, rounding the
   * rest upward (conservative: a number within 1e-35 of the limit may be
   * refused although it would round down). */
  buf[k++] = (char) digits[0];
  buf[k++] = '.';
  for (gsize i = 1; i < n_digits && k < 40; i++)
    buf[k++] = (char) digits[i];
  if (n_digits > 39)
    buf[k++] = '9';
  memcpy (buf + k, "e308", 5);
  G_STATIC_ASSERT (DBL_MAX_10_EXP == 308);

  d = g_ascii_strtod (buf, NULL);
  return isfinite (d);
}

static gboolean
scan_number (Scan *s)
{
  const guchar *int_start, *int_end, *frac_start = NULL, *frac_end = NULL;
  gboolean exp_negative = FALSE;
  gint64 exp_value = 0;
  gboolean has_exp = FALSE;

  if (*s->p == '-')
    s->p++;

  if (s->p >= s->end || !g_ascii_isdigit (*s->p))
    return fail (s, "bad number");

  int_start = s->p;
  if (*s->p == '0')
    {
      s->p++;
      if (s->p < s->end && g_ascii_isdigit (*s->p))
        return fail (s, "leading zero in a number");
    }
  else
    {
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
    }
  int_end = s->p;

  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      frac_start = s->p;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        s->p++;
      frac_end = s->p;
      if (frac_start == frac_end)
        return fail (s, "no digits after the decimal point");
    }

  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      const guchar *exp_start;

      has_exp = TRUE;
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        {
          exp_negative = *s->p == '-';
          s->p++;
        }
      exp_start = s->p;
      while (s->p < s->end && g_ascii_isdigit (*s->p))
        {
          /* Saturate: anything beyond this is far outside double range. */
          if (exp_value < G_GINT64_CONSTANT (1000000000000))
            exp_value = exp_value * 10 + (*s->p - '0');
          s->p++;
        }
      if (exp_start == s->p)
        return fail (s, "no digits in the exponent");
    }

  if (frac_start == NULL && !has_exp)
    {
      /* An integer: |n| ≤ 2^53. No leading zeros, so length decides. */
      static const char limit[] = "9007199254740992";
      gsize n = (gsize) (int_end - int_start);

      if (n > sizeof limit - 1 ||
          (n == sizeof limit - 1 && memcmp (int_start, limit, n) > 0))
        return fail (s, "integer outside ±2^53");
      return TRUE;
    }
  else
    {
      /* Find the first significant digit and the decimal exponent. */
      const guchar *first = NULL;
      gint64 exp10;
      guchar digits[48];
      gsize n_digits = 0;

      for (const guchar *q = int_start; q < int_end && first == NULL; q++)
        if (*q != '0')
          first = q;

      if (first != NULL)
        exp10 = (int_end - first) - 1;
      else
        {
          exp10 = -1;
          for (const guchar *q = frac_start; q != NULL && q < frac_end; q++, exp10--)
            if (*q != '0')
              {
                first = q;
                break;
              }
        }

      if (first == NULL)
        return TRUE;  /* zero */

      if (exp_negative)
        exp10 -= exp_value;
      else
        exp10 += exp_value;

      /* Significant digits from @first on, skipping the decimal point. */
      for (const guchar *q = first;
           q < (frac_end != NULL ? frac_end : int_end) && n_digits < sizeof digits;
           q++)
        if (*q != '.')
          digits[n_digits++] = *q;

      if (!decimal_is_finite (digits, n_digits, exp10))
        return fail (s, "number is not finite as a double");
      return TRUE;
    }
}

static gboolean
scan_literal (Scan       *s,
              const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (s->end - s->p) < n || memcmp (s->p, word, n) != 0)
    return fail (s, "unexpected character");
  s->p += n;
  return TRUE;
}

gboolean
td_json_check_strict (const char  *data,
                      gsize        len,
                      GError     **error)
{
  /* stack[i]: '{' or '[' for the container at depth i + 1 */
  char stack[TD_MAX_JSON_DEPTH];
  int depth = 0;
  Scan s;

  if (data == NULL || len == 0)
    {
      g_set_error_literal (error, TD_PROTOCOL_ERROR, TD_PROTOCOL_ERROR_BAD_JSON,
                           "Invalid JSON: empty input");
      return FALSE;
    }

  s.start = s.p = (const guchar *) data;
  s.end = s.start + len;
  s.error = error;

  skip_ws (&s);
  if (s.p >= s.end)
    return fail (&s, "empty input");
  if (*s.p != '{')
    return fail (&s, "the top level must be an object");

  /* The state machine: expecting a value, or what follows one. */
  for (;;)
    {
      /* ---- expect a value ---- */
      skip_ws (&s);
      if (s.p >= s.end)
        return fail (&s, "unexpected end of input");

      switch (*s.p)
        {
        case '{':
        case '[':
          if (depth >= TD_MAX_JSON_DEPTH)
            return fail (&s, "nested deeper than %d", TD_MAX_JSON_DEPTH);
          stack[depth++] = (char) *s.p;
          s.p++;
          skip_ws (&s);
          if (s.p >= s.end)
            return fail (&s, "unexpected end of input");
          if (stack[depth - 1] == '{')
            {
              if (*s.p == '}')
                {
                  s.p++;
                  depth--;
                  goto after_value;
                }
              goto expect_key;
            }
          else
            {
              if (*s.p == ']')
                {
                  s.p++;
                  depth--;
                  goto after_value;
                }
              continue;  /* a value */
            }

        case '"':
          if (!scan_string (&s))
            return FALSE;
          goto after_value;

        case '-': case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
          if (!scan_number (&s))
            return FALSE;
          goto after_value;

        case 't':
          if (!scan_literal (&s, "true"))
            return FALSE;
          goto after_value;

        case 'f':
          if (!scan_literal (&s, "false"))
            return FALSE;
          goto after_value;

        case 'n':
          if (!scan_literal (&s, "null"))
            return FALSE;
          goto after_value;

        default:
          return fail (&s, "unexpected character");
        }

    expect_key:
      /* s.p at a non-blank, inside an object, before a member */
      if (*s.p != '"')
        return fail (&s, "expected a member name");
      if (!scan_string (&s))
        return FALSE;
      skip_ws (&s);
      if (s.p >= s.end || *s.p != ':')
        return fail (&s, "expected ':'");
      s.p++;
      continue;

    after_value:
      if (depth == 0)
        {
          skip_ws (&s);
          if (s.p != s.end)
            return fail (&s, "trailing data after the object");
          return TRUE;
        }
      skip_ws (&s);
      if (s.p >= s.end)
        return fail (&s, "unexpected end of input");
      if (*s.p == ',')
        {
          s.p++;
          if (stack[depth - 1] == '{')
            {
              skip_ws (&s);
              if (s.p >= s.end)
                return fail (&s, "unexpected end of input");
              goto expect_key;
            }
          continue;
        }
      if ((stack[depth - 1] == '{' && *s.p == '}') ||
          (stack[depth - 1] == '[' && *s.p == ']'))
        {
          s.p++;
          depth--;
          goto after_value;
        }
      return fail (&s, "expected ',' or the end of the %s",
                   stack[depth - 1] == '{' ? "object" : "array");
    }
}

/*
 * Our own builder: once td_json_check_strict() has accepted the bytes, a
 * second pass builds the JsonObject directly.  json-glib 1.6's parser is
 * lenient (see above), recursive without a limit, and slow (~80 ms for a
 * 1 MiB history reply); this one trusts the validation, so it recurses at
 * most TD_MAX_JSON_DEPTH deep and needs no error paths.
 */
typedef struct
{
  const guchar *p;
  GString      *scratch;
} Build;

static JsonNode *build_value (Build *b);

static inline void
build_skip_ws (Build *b)
{
  while (*b->p == ' ' || *b->p == '\t' || *b->p == '\n' || *b->p == '\r')
    b->p++;
}

static guint32
build_hex4 (const guchar *p)
{
  guint32 v = 0;

  for (int i = 0; i < 4; i++)
    v = (v << 4) | (guint32) hex_value (p[i]);
  return v;
}

/* b->p at the opening quote; returns the decoded string in b->scratch. */
static const char *
build_string (Build *b)
{
  GString *out = b->scratch;

  g_string_truncate (out, 0);
  b->p++;

  for (;;)
    {
      const guchar *run = b->p;

      while (*b->p != '"' && *b->p != '\\')
        b->p++;
      g_string_append_len (out, (const char *) run, b->p - run);

      if (*b->p == '"')
        {
          b->p++;
          return out->str;
        }

      /* an escape */
      b->p++;
      switch (*b->p++)
        {
        case '"': g_string_append_c (out, '"'); break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '/': g_string_append_c (out, '/'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'u':
          {
            gunichar c = build_hex4 (b->p);

            b->p += 4;
            if (c >= 0xD800 && c <= 0xDBFF)
              {
                /* validated: a low surrogate escape follows */
                gunichar low = build_hex4 (b->p + 2);

                b->p += 6;
                c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
              }
            g_string_append_unichar (out, c);
          }
          break;
        default:
          g_assert_not_reached ();
        }
    }
}

static JsonNode *
build_number (Build *b)
{
  const guchar *start = b->p;
  gboolean is_float = FALSE;

  while ((*b->p >= '0' && *b->p <= '9') || *b->p == '-' || *b->p == '+' ||
         *b->p == '.' || *b->p == 'e' || *b->p == 'E')
    {
      if (*b->p == '.' || *b->p == 'e' || *b->p == 'E')
        is_float = TRUE;
      b->p++;
    }

  if (!is_float)
    {
      /* validated: at most 16 digits, within ±2^53 */
      const guchar *q = start;
      gboolean negative = *q == '-';
      gint64 v = 0;

      if (negative)
        q++;
      for (; q < b->p; q++)
        v = v * 10 + (*q - '0');
      return json_node_init_int (json_node_alloc (), negative ? -v : v);
    }

  g_string_truncate (b->scratch, 0);
  g_string_append_len (b->scratch, (const char *) start, b->p - start);
  return json_node_init_double (json_node_alloc (), g_ascii_strtod (b->scratch->str, NULL));
}

static JsonObject *
build_object (Build *b)
{
  JsonObject *object = json_object_new ();

  b->p++;  /* { */
  build_skip_ws (b);
  if (*b->p == '}')
    {
      b->p++;
      return object;
    }

  for (;;)
    {
      g_autofree char *name = NULL;
      JsonNode *value;

      build_skip_ws (b);
      name = g_strdup (build_string (b));
      build_skip_ws (b);
      b->p++;  /* : */
      value = build_value (b);
      json_object_set_member (object, name, value);
      build_skip_ws (b);
      if (*b->p++ == '}')
        return object;
      /* , */
    }
}

static JsonArray *
build_array (Build *b)
{
  JsonArray *array = json_array_new ();

  b->p++;  /* [ */
  build_skip_ws (b);
  if (*b->p == ']')
    {
      b->p++;
      return array;
    }

  for (;;)
    {
      json_array_add_element (array, build_value (b));
      build_skip_ws (b);
      if (*b->p++ == ']')
        return array;
      /* , */
    }
}

static JsonNode *
build_value (Build *b)
{
  JsonNode *node;

  build_skip_ws (b);
  switch (*b->p)
    {
    case '{':
      node = json_node_alloc ();
      json_node_take_object (json_node_init (node, JSON_NODE_OBJECT), build_object (b));
      return node;

    case '[':
      node = json_node_alloc ();
      json_node_take_array (json_node_init (node, JSON_NODE_ARRAY), build_array (b));
      return node;

    case '"':
      return json_node_init_string (json_node_alloc (), build_string (b));

    case 't':
      b->p += 4;
      return json_node_init_boolean (json_node_alloc (), TRUE);

    case 'f':
      b->p += 5;
      return json_node_init_boolean (json_node_alloc (), FALSE);

    case 'n':
      b->p += 4;
      return json_node_init_null (json_node_alloc ());

    default:
      return build_number (b);
    }
}

JsonObject *
td_json_parse_object (const char  *data,
                      gsize        len,
                      GError     **error)
{
  Build b;
  JsonObject *object;

  if (!td_json_check_strict (data, len, error))
    return NULL;

  /* Validation guarantees that every read below stays within @len: the
   * top-level object closes before the end. */
  b.p = (const guchar *) data;
  b.scratch = g_string_sized_new (64);
  build_skip_ws (&b);
  object = build_object (&b);
  g_string_free (b.scratch, TRUE);

  return object;
}

/* Our own writer: json-glib 1.6 writes some doubles as invalid JSON
 * ("1e+308.0", "inf.0"). */
static void
write_string (GString    *out,
              const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    {
      switch (*p)
        {
        case '"':
          g_string_append (out, "\\\"");
          break;
        case '\\':
          g_string_append (out, "\\\\");
          break;
        case '\b':
          g_string_append (out, "\\b");
          break;
        case '\f':
          g_string_append (out, "\\f");
          break;
        case '\n':
          g_string_append (out, "\\n");
          break;
        case '\r':
          g_string_append (out, "\\r");
          break;
        case '\t':
          g_string_append (out, "\\t");
          break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
write_double (GString *out,
              double   d)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (!isfinite (d))
    {
      /* Not representable: JSON has no inf / NaN. */
      g_debug ("Writing a non-finite number as null");
      g_string_append (out, "null");
      return;
    }

  /* The shortest of %.15g … %.17g that reads back exactly. */
  for (int precision = 15; precision <= 17; precision++)
    {
      char format[8];

      g_snprintf (format, sizeof format, "%%.%dg", precision);
      g_ascii_formatd (buf, sizeof buf, format, d);
      if (g_ascii_strtod (buf, NULL) == d)
        break;
    }

  g_string_append (out, buf);
  /* Keep it a float on the way back: 12 → 12.0, 1e+300 stays. */
  if (strpbrk (buf, ".eE") == NULL)
    g_string_append (out, ".0");
}

static void
write_node (GString  *out,
            JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *object = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;

        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, object);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            write_string (out, name);
            g_string_append_c (out, ':');
            write_node (out, member);
          }
        g_string_append_c (out, '}');
      }
      break;

    case JSON_NODE_ARRAY:
      {
        JsonArray *array = json_node_get_array (node);
        guint n = json_array_get_length (array);

        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i > 0)
              g_string_append_c (out, ',');
            write_node (out, json_array_get_element (array, i));
          }
        g_string_append_c (out, ']');
      }
      break;

    case JSON_NODE_VALUE:
      switch (json_node_get_value_type (node))
        {
        case G_TYPE_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
          break;
        case G_TYPE_DOUBLE:
          write_double (out, json_node_get_double (node));
          break;
        case G_TYPE_BOOLEAN:
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
          break;
        case G_TYPE_STRING:
          write_string (out, json_node_get_string (node) ? json_node_get_string (node) : "");
          break;
        default:
          g_string_append (out, "null");
        }
      break;

    case JSON_NODE_NULL:
    default:
      g_string_append (out, "null");
      break;
    }
}

char *
td_json_node_to_string (JsonNode *node,
                        gsize    *length)
{
  GString *out;

  g_return_val_if_fail (node != NULL, NULL);

  out = g_string_sized_new (256);
  write_node (out, node);
  if (length != NULL)
    *length = out->len;
  return g_string_free (out, FALSE);
}

char *
td_json_object_to_string (JsonObject *object,
                          gsize      *length)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (object != NULL, NULL);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (node, object);
  return td_json_node_to_string (node, length);
}

/* td-ws-deflate.c — the server's permessage-deflate (RFC 7692)
 *
 * libsoup 3.2's SoupWebsocketExtensionDeflate gives every connection a
 * deflate stream with a 32 KiB window at memLevel 8 (256 KiB allocated; the
 * 64 KiB hash table is zeroed at once, the window and its chain fill with
 * traffic) and an inflate stream: about 100 KiB of server RSS per session
 * whatever the negotiated window sizes.  It also inflates a message without
 * a bound (a 200 KiB frame of one repeated byte became 200 MB in the
 * server).
 *
 * This extension negotiates exactly as libsoup's does (the same answer on
 * the wire), but compresses with a small window and hash
 * (TD_WS_DEFLATE_WINDOW_BITS, TD_WS_DEFLATE_MEM_LEVEL): a compressor may
 * always use less window than negotiated, any inflater decodes it, and a
 * window of a few KiB still holds the last packets, whose keys and ids are
 * what repeats.  Both streams are made at first use; under
 * server_no_context_takeover (or client_no_context_takeover) a stream is
 * dropped after each message.  A message that would inflate beyond
 * TD_WS_DEFLATE_MAX_MESSAGE closes the connection with 1009, as an
 * uncompressed frame over the server's max-incoming-payload-size does.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-server"

#include "config.h"

#include <string.h>
#include <zlib.h>

#include "td-ws-deflate.h"

#define BUFFER_SIZE 4096

typedef enum
{
  PARAM_SERVER_NO_CONTEXT_TAKEOVER = 1 << 0,
  PARAM_CLIENT_NO_CONTEXT_TAKEOVER = 1 << 1,
  PARAM_SERVER_MAX_WINDOW_BITS     = 1 << 2,
  PARAM_CLIENT_MAX_WINDOW_BITS     = 1 << 3,
} ParamFlags;

struct _TdWsDeflate
{
  SoupWebsocketExtension parent_instance;

  ParamFlags flags;
  gushort    server_max_window_bits;
  gushort    client_max_window_bits;
  gboolean   enabled;

  guint      deflater_bits;
  z_stream   deflater;
  gboolean   deflater_ready;
  guint      inflater_bits;
  z_stream   inflater;
  gboolean   inflater_ready;
  gboolean   uncompress_ongoing;
  gsize      message_size;       /* inflated so far in this message */
};

G_DEFINE_FINAL_TYPE (TdWsDeflate, td_ws_deflate, SOUP_TYPE_WEBSOCKET_EXTENSION)

static void
td_ws_deflate_finalize (GObject *object)
{
  TdWsDeflate *self = TD_WS_DEFLATE (object);

  if (self->deflater_ready)
    deflateEnd (&self->deflater);
  if (self->inflater_ready)
    inflateEnd (&self->inflater);

  G_OBJECT_CLASS (td_ws_deflate_parent_class)->finalize (object);
}

static gboolean
parse_window_bits (const char *value,
                   gushort    *out)
{
  guint64 bits;
  char *end = NULL;

  if (value == NULL || *value == '\0')
    return FALSE;
  bits = g_ascii_strtoull (value, &end, 10);
  if (*end != '\0' || bits < 8 || bits > 15)
    return FALSE;
  *out = (gushort) bits;
  return TRUE;
}

static gboolean
bad_param (GError    **error,
           gboolean    bad_value,
           const char *param)
{
  g_set_error (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
               "Invalid %s'%s' in permessage-deflate extension header",
               bad_value ? "value of parameter " : "parameter ", param);
  return FALSE;
}

static gboolean
parse_params (TdWsDeflate *self,
              GHashTable  *params,
              GError     **error)
{
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, params);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      const char *name = key;

      if (g_str_equal (name, "server_no_context_takeover") || g_str_equal (name, "client_no_context_takeover"))
        {
          if (value != NULL)
            return bad_param (error, TRUE, name);
          self->flags |= name[0] == 's' ? PARAM_SERVER_NO_CONTEXT_TAKEOVER : PARAM_CLIENT_NO_CONTEXT_TAKEOVER;
        }
      else if (g_str_equal (name, "server_max_window_bits"))
        {
          if (!parse_window_bits (value, &self->server_max_window_bits))
            return bad_param (error, TRUE, name);
          self->flags |= PARAM_SERVER_MAX_WINDOW_BITS;
        }
      else if (g_str_equal (name, "client_max_window_bits"))
        {
          if (value == NULL)
            self->client_max_window_bits = 15;
          else if (!parse_window_bits (value, &self->client_max_window_bits))
            return bad_param (error, TRUE, name);
          self->flags |= PARAM_CLIENT_MAX_WINDOW_BITS;
        }
      else
        return bad_param (error, FALSE, name);
    }
  return TRUE;
}

static gboolean
td_ws_deflate_configure (SoupWebsocketExtension     *extension,
                         SoupWebsocketConnectionType connection_type,
                         GHashTable                 *params,
                         GError                    **error)
{
  TdWsDeflate *self = TD_WS_DEFLATE (extension);

  if (connection_type != SOUP_WEBSOCKET_CONNECTION_SERVER)
    {
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
                           "this permessage-deflate is for the server side only");
      return FALSE;
    }
  if (params != NULL && !parse_params (self, params, error))
    return FALSE;

  /* zlib cannot compress with a window of 8 bits; 9 is compatible with it */
  self->deflater_bits = CLAMP (self->flags & PARAM_SERVER_MAX_WINDOW_BITS ? self->server_max_window_bits : 15,
                               9, TD_WS_DEFLATE_WINDOW_BITS);
  self->inflater_bits = self->flags & PARAM_CLIENT_MAX_WINDOW_BITS ? self->client_max_window_bits : 15;
  self->enabled = TRUE;
  return TRUE;
}

static char *
td_ws_deflate_get_request_params (SoupWebsocketExtension *extension)
{
  return g_strdup ("; client_max_window_bits");
}

static char *
td_ws_deflate_get_response_params (SoupWebsocketExtension *extension)
{
  TdWsDeflate *self = TD_WS_DEFLATE (extension);
  GString *params;

  if (!self->enabled || self->flags == 0)
    return NULL;
  params = g_string_new (NULL);
  if (self->flags & PARAM_SERVER_NO_CONTEXT_TAKEOVER)
    g_string_append (params, "; server_no_context_takeover");
  if (self->flags & PARAM_CLIENT_NO_CONTEXT_TAKEOVER)
    g_string_append (params, "; client_no_context_takeover");
  if (self->flags & PARAM_SERVER_MAX_WINDOW_BITS)
    g_string_append_printf (params, "; server_max_window_bits=%u", self->server_max_window_bits);
  if (self->flags & PARAM_CLIENT_MAX_WINDOW_BITS)
    g_string_append_printf (params, "; client_max_window_bits=%u", self->client_max_window_bits);
  return g_string_free (params, FALSE);
}

static GBytes *
td_ws_deflate_process_outgoing_message (SoupWebsocketExtension *extension,
                                        guint8                 *header,
                                        GBytes                 *payload,
                                        GError                **error)
{
  TdWsDeflate *self = TD_WS_DEFLATE (extension);
  z_stream *z;
  const guint8 *data;
  gsize length, written = 0;
  GByteArray *buffer;
  guint chunk;
  int result;

  if (!self->enabled || (header[0] & 0x08))   /* control frames stay as they are */
    return payload;
  data = g_bytes_get_data (payload, &length);
  if (length == 0)
    return payload;

  if (!self->deflater_ready)
    {
      memset (&self->deflater, 0, sizeof self->deflater);
      if (deflateInit2 (&self->deflater, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -(int) self->deflater_bits,
                        TD_WS_DEFLATE_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
        return payload;   /* out of memory: this one goes uncompressed */
      self->deflater_ready = TRUE;
    }

  header[0] |= 0x40;   /* RSV1: compressed */
  buffer = g_byte_array_new ();
  z = &self->deflater;
  chunk = (guint) deflateBound (z, length);
  z->next_in = (Bytef *) data;
  z->avail_in = (uInt) length;
  z->avail_out = 0;
  do
    {
      gsize before;

      if (z->avail_out == 0)
        {
          guint at = buffer->len;

          g_byte_array_set_size (buffer, buffer->len + chunk);
          z->next_out = buffer->data + at;
          z->avail_out = chunk;
          chunk = BUFFER_SIZE;
        }
      before = buffer->len - written;
      result = deflate (z, z->avail_in == 0 ? Z_SYNC_FLUSH : Z_NO_FLUSH);
      written += before - z->avail_out;
    }
  while (result == Z_OK);
  if ((self->flags & PARAM_SERVER_NO_CONTEXT_TAKEOVER) || result != Z_BUF_ERROR)
    {
      /* no context kept: the next message starts a new stream */
      deflateEnd (z);
      self->deflater_ready = FALSE;
    }

  g_bytes_unref (payload);
  if (result != Z_BUF_ERROR || written < 4)
    {
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
                           "Failed to compress outgoing frame");
      g_byte_array_unref (buffer);
      return NULL;
    }
  /* drop the 0x00 0x00 0xff 0xff of the sync flush */
  g_byte_array_set_size (buffer, (guint) (written - 4));
  return g_byte_array_free_to_bytes (buffer);
}

static GBytes *
fail_incoming (TdWsDeflate *self,
               GByteArray  *buffer,
               GError     **error,
               int          code,
               const char  *message)
{
  self->uncompress_ongoing = FALSE;
  self->message_size = 0;
  if (self->inflater_ready)
    inflateReset (&self->inflater);
  g_byte_array_unref (buffer);
  g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, code, message);
  return NULL;
}

static GBytes *
td_ws_deflate_process_incoming_message (SoupWebsocketExtension *extension,
                                        guint8                 *header,
                                        GBytes                 *payload,
                                        GError                **error)
{
  TdWsDeflate *self = TD_WS_DEFLATE (extension);
  const guint8 *data;
  gsize length, consumed = 0, written = 0;
  gboolean fin, tail_added = FALSE;
  GByteArray *buffer;
  int result;

  if (!self->enabled || (header[0] & 0x08))
    return payload;
  if (!self->uncompress_ongoing && !(header[0] & 0x40))
    return payload;
  if (self->uncompress_ongoing && (header[0] & 0x40))
    {
      g_bytes_unref (payload);
      g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
                           "Received a non-first frame with RSV1 flag set");
      return NULL;
    }

  header[0] &= ~0x40;
  fin = (header[0] & 0x80) != 0;
  data = g_bytes_get_data (payload, &length);
  if (length == 0 && (self->uncompress_ongoing ? !fin : fin))
    return payload;

  if (!self->inflater_ready)
    {
      memset (&self->inflater, 0, sizeof self->inflater);
      if (inflateInit2 (&self->inflater, -(int) self->inflater_bits) != Z_OK)
        {
          g_bytes_unref (payload);
          g_set_error_literal (error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
                               "Failed to uncompress incoming frame");
          return NULL;
        }
      self->inflater_ready = TRUE;
    }
  if (!self->uncompress_ongoing)
    self->message_size = 0;
  self->uncompress_ongoing = !fin;

  buffer = g_byte_array_new ();
  self->inflater.next_in = (Bytef *) data;
  self->inflater.avail_in = (uInt) length;
  self->inflater.avail_out = 0;
  do
    {
      gsize in_before, out_before;

      if (self->inflater.avail_out == 0)
        {
          guint at = buffer->len;

          if (self->message_size + buffer->len > TD_WS_DEFLATE_MAX_MESSAGE)
            {
              g_bytes_unref (payload);
              return fail_incoming (self, buffer, error, SOUP_WEBSOCKET_CLOSE_TOO_BIG,
                                    "Message too big after inflating");
            }
          g_byte_array_set_size (buffer, buffer->len + BUFFER_SIZE);
          self->inflater.next_out = buffer->data + at;
          self->inflater.avail_out = BUFFER_SIZE;
        }
      if (self->inflater.avail_in == 0 && !tail_added && fin)
        {
          /* put back the 0x00 0x00 0xff 0xff the sender dropped */
          self->inflater.next_in = (Bytef *) "\x00\x00\xff\xff";
          self->inflater.avail_in = 4;
          consumed = 0;
          tail_added = TRUE;
        }
      in_before = tail_added ? 4 - consumed : length - consumed;
      out_before = buffer->len - written;
      result = inflate (&self->inflater, tail_added ? Z_FINISH : Z_NO_FLUSH);
      consumed += in_before - self->inflater.avail_in;
      written += out_before - self->inflater.avail_out;
      if (!tail_added && result == Z_STREAM_END)
        result = inflateReset (&self->inflater);   /* a block with BFINAL: start afresh */
      if ((!fin && consumed == length) || (fin && tail_added && consumed == 4))
        break;
    }
  while (result == Z_OK || result == Z_BUF_ERROR);
  g_bytes_unref (payload);

  if (result != Z_OK && result != Z_BUF_ERROR)
    return fail_incoming (self, buffer, error, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
                          "Failed to uncompress incoming frame");
  self->message_size += written;
  if (self->message_size > TD_WS_DEFLATE_MAX_MESSAGE)
    return fail_incoming (self, buffer, error, SOUP_WEBSOCKET_CLOSE_TOO_BIG, "Message too big after inflating");
  if (fin && (self->flags & PARAM_CLIENT_NO_CONTEXT_TAKEOVER))
    {
      /* the client starts afresh with every message: keep no state */
      inflateEnd (&self->inflater);
      self->inflater_ready = FALSE;
    }
  g_byte_array_set_size (buffer, (guint) written);
  return g_byte_array_free_to_bytes (buffer);
}

static void
td_ws_deflate_class_init (TdWsDeflateClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  SoupWebsocketExtensionClass *extension_class = SOUP_WEBSOCKET_EXTENSION_CLASS (klass);

  object_class->finalize = td_ws_deflate_finalize;

  extension_class->name = "permessage-deflate";
  extension_class->configure = td_ws_deflate_configure;
  extension_class->get_request_params = td_ws_deflate_get_request_params;
  extension_class->get_response_params = td_ws_deflate_get_response_params;
  extension_class->process_outgoing_message = td_ws_deflate_process_outgoing_message;
  extension_class->process_incoming_message = td_ws_deflate_process_incoming_message;
}

static void
td_ws_deflate_init (TdWsDeflate *self)
{
}

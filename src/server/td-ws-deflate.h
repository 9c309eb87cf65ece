/* td-ws-deflate.h — the server's permessage-deflate (RFC 7692)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A message may inflate to at most this many bytes; a larger one closes
 * the connection with 1009, as an uncompressed frame over the server's
 * max-incoming-payload-size does. */
#define TD_WS_DEFLATE_MAX_MESSAGE (4 * 1024 * 1024)

/* The server compresses with at most this window (2^bits bytes) and this
 * zlib memLevel: about 8 KiB of window and chain and 1 KiB of hash per
 * session instead of 64 + 64 + 64 KiB (libsoup: 15 bits, memLevel 8). */
#define TD_WS_DEFLATE_WINDOW_BITS 11
#define TD_WS_DEFLATE_MEM_LEVEL 2

#define TD_TYPE_WS_DEFLATE (td_ws_deflate_get_type ())
G_DECLARE_FINAL_TYPE (TdWsDeflate, td_ws_deflate, TD, WS_DEFLATE, SoupWebsocketExtension)

G_END_DECLS

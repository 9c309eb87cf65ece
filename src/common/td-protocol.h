/* td-protocol.h — constants, enums and the error domain of protocol v1
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TD_PROTOCOL_VERSION 1
#define TD_SUBPROTOCOL "tripdesk.v1"

#define TD_MAX_CLIENT_PACKET (64 * 1024)     /* a client packet, encoded */
#define TD_MAX_SERVER_PACKET (1024 * 1024)   /* a server packet, encoded */
#define TD_MAX_JSON_DEPTH 32
#define TD_MAX_SAFE_INT G_GINT64_CONSTANT (9007199254740992) /* 2^53 */
#define TD_MAX_REQ_CHARS 64
#define TD_MAX_TEXT_CHARS 4000
#define TD_MAX_THUMB_BYTES (16 * 1024)
#define TD_HISTORY_DEFAULT_LIMIT 50
#define TD_HISTORY_MAX_LIMIT 200
#define TD_POLL_MAX_WAIT_S 30
#define TD_POLL_MAX_PACKETS 500
#define TD_DEFAULT_HEARTBEAT_S 20
#define TD_RATE_BURST 100
#define TD_RATE_PER_S 20
#define TD_TYPING_EXPIRE_MS 5000
#define TD_TYPING_REPEAT_MS 3000
#define TD_SNAPSHOT_MESSAGES 20
#define TD_SNAPSHOT_RESOLVED_DAYS 30

/* WebSocket close codes */
#define TD_CLOSE_SERVICE_RESTART 1012
#define TD_CLOSE_UNAUTHORIZED 4401
#define TD_CLOSE_RATE_LIMITED 4429

/**
 * TdProtocolError:
 *
 * One code per protocol `error.code`; td_protocol_error_to_string() gives
 * the wire name.
 */
typedef enum
{
  TD_PROTOCOL_ERROR_BAD_JSON,
  TD_PROTOCOL_ERROR_BAD_PACKET,
  TD_PROTOCOL_ERROR_TOO_LARGE,
  TD_PROTOCOL_ERROR_UNAUTHORIZED,
  TD_PROTOCOL_ERROR_FORBIDDEN,
  TD_PROTOCOL_ERROR_NOT_FOUND,
  TD_PROTOCOL_ERROR_RATE_LIMITED,
  TD_PROTOCOL_ERROR_CONFLICT,
  TD_PROTOCOL_ERROR_INTERNAL,
} TdProtocolError;

#define TD_PROTOCOL_ERROR (td_protocol_error_quark ())
GQuark       td_protocol_error_quark        (void);
const char  *td_protocol_error_to_string    (TdProtocolError code);
/* Returns FALSE for an unknown name; *code is then TD_PROTOCOL_ERROR_INTERNAL. */
gboolean     td_protocol_error_from_string  (const char      *name,
                                             TdProtocolError *code);
/* TRUE for the refusals after which a send stays *failed* in the outbox. */
gboolean     td_protocol_error_is_permanent (TdProtocolError code);

typedef enum
{
  TD_ROLE_CUSTOMER,
  TD_ROLE_OPERATOR,
} TdRole;

typedef enum
{
  TD_BUSI_INQUIRY,   /* C2B */
  TD_BUSI_FEEDBACK,  /* C2B */
  TD_BUSI_NOTICE,    /* B2C */
  TD_BUSI_CHAT,      /* C2C */
} TdBusi;

typedef enum
{
  TD_LINE_STATE_OPEN,
  TD_LINE_STATE_PENDING,
  TD_LINE_STATE_SNOOZED,
  TD_LINE_STATE_RESOLVED,
} TdLineState;

typedef enum
{
  TD_KIND_TEXT,
  TD_KIND_IMAGE,
  TD_KIND_ORDER,
  TD_KIND_HOTEL,
  TD_KIND_FLIGHT,
  TD_KIND_QUICK,
  TD_KIND_RATING,
  TD_KIND_SYSTEM,
  TD_KIND_NOTE,
  TD_KIND_UNKNOWN,   /* a kind from a newer server: shown as unsupported */
} TdKind;

/* Wire names. *_from_string return FALSE for an unknown name. */
const char *td_role_to_string        (TdRole role);
gboolean    td_role_from_string      (const char *s, TdRole *out);
const char *td_busi_to_string        (TdBusi busi);
gboolean    td_busi_from_string      (const char *s, TdBusi *out);
const char *td_line_state_to_string  (TdLineState state);
gboolean    td_line_state_from_string (const char *s, TdLineState *out);
const char *td_kind_to_string        (TdKind kind);   /* NULL for UNKNOWN */
TdKind      td_kind_from_string      (const char *s); /* UNKNOWN if not known */

/* Identifier shape checks (protocol.md): */
gboolean    td_random_id_is_valid    (const char *random_id);
/* A fresh random_id: 64 random bits plus the client's clock. */
char       *td_random_id_new         (void);
/* `m_x` or `m_x/anything` → `m_x` (owned); NULL when malformed. */
char       *td_object_id_dup_merchant (const char *object_id);
/* Byte-wise order of chat pairs: *first gets the smaller uid. */
void        td_chat_pair_order       (const char  *a,
                                      const char  *b,
                                      const char **first,
                                      const char **second);

gint64      td_now_ms                (void);  /* wall clock, ms since epoch */

G_END_DECLS

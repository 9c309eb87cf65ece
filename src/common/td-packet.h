/* td-packet.h — the unified packet of protocol v1 (both transports)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>
#include "td-protocol.h"
#include "td-message.h"
#include "td-line.h"

G_BEGIN_DECLS

typedef enum
{
  TD_PACKET_UNKNOWN,     /* a server packet type we do not know: ignore it */
  /* client → server */
  TD_PACKET_HELLO,
  TD_PACKET_SEND,
  TD_PACKET_OPEN,
  TD_PACKET_READ,        /* both directions (fields differ) */
  TD_PACKET_TYPING,      /* both directions (fields differ) */
  TD_PACKET_STATE,
  TD_PACKET_HISTORY,     /* both directions (request / reply) */
  TD_PACKET_PING,
  /* server → client */
  TD_PACKET_WELCOME,
  TD_PACKET_SYNCED,
  TD_PACKET_MSG,
  TD_PACKET_ACK,
  TD_PACKET_LINE,
  TD_PACKET_PONG,
  TD_PACKET_ERROR,
  TD_PACKET_N_TYPES
} TdPacketType;

typedef enum
{
  TD_FROM_CLIENT,  /* parse as the server does: client types, 64 KiB */
  TD_FROM_SERVER,  /* parse as a client does: server types, 1 MiB */
} TdPacketDirection;

typedef struct
{
  char *id;
  char *name;
} TdMerchantRef;

/* Addition: an element of TdPacket.merchants (which frees it with
 * td_merchant_ref_free); td_packet_new (TD_PACKET_WELCOME) makes the array. */
TdMerchantRef *td_merchant_ref_new  (const char    *id,
                                     const char    *name);
void           td_merchant_ref_free (TdMerchantRef *ref);

/**
 * TdPacket:
 * A validated packet.  Which fields are meaningful depends on @type (and,
 * for read / typing / history, the direction); the rest are zero / NULL.
 * Strings are owned by the packet; td_packet_unref() frees everything.
 */
typedef struct
{
  /*< private >*/
  gatomicrefcount ref_count;
  /*< public >*/
  TdPacketType type;
  char        *req;            /* nullable */

  /* hello (has_cursor FALSE = null), synced, msg, line (event), read (event) */
  gboolean     has_cursor;
  gint64       cursor;

  /* hello */
  char        *client;

  /* send, ack */
  char        *random_id;
  /* send */
  char        *kind;
  JsonObject  *body;

  /* send, read, typing, state, history (both), read event, typing event */
  char        *line_id;

  /* open */
  char        *object_id;
  char        *busi;
  char        *uid;            /* open by an operator: the customer */

  /* read: request upto, and event upto */
  gint64       upto;
  /* read event */
  char        *reader;

  /* typing (request and event) */
  gboolean     note;
  /* typing event */
  char        *who;
  char        *name;

  /* state */
  char        *state;
  gboolean     has_assignee;   /* FALSE: field absent (unchanged) */
  char        *assignee;       /* NULL with has_assignee: unassign */
  gboolean     has_snooze_until;
  gint64       snooze_until;   /* 0 with has_snooze_until: null */

  /* history request */
  gint64       before;         /* 0 = absent (latest page) */
  int          limit;          /* defaulted to 50 on parse */
  /* history reply */
  GPtrArray   *messages;       /* of TdMessage */
  gboolean     more;

  /* msg, ack */
  TdMessage   *msg;
  gboolean     dup;
  /* line */
  TdLine      *line;

  /* welcome */
  char        *me_id;
  char        *me_role;
  char        *me_name;
  GPtrArray   *merchants;      /* of TdMerchantRef* */
  gint64       server_time;    /* welcome, pong */
  int          heartbeat_s;
  char        *session;        /* long-poll only, nullable */

  /* error */
  char        *code;
  char        *message;
  char        *ref;
} TdPacket;

#define TD_TYPE_PACKET (td_packet_get_type ())
GType        td_packet_get_type       (void);

const char  *td_packet_type_to_string (TdPacketType type);
TdPacketType td_packet_type_from_string (const char *s);  /* UNKNOWN if not known */

TdPacket    *td_packet_new            (TdPacketType type);
TdPacket    *td_packet_ref            (TdPacket *packet);
void         td_packet_unref          (TdPacket *packet);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdPacket, td_packet_unref)

/**
 * td_packet_parse:
 * @data / @len: one encoded packet
 * @direction: who sent it
 * @ref_out: (out) (optional) (transfer full): on failure, the packet's `req`
 *   (else a send's `random_id`) if it could be read, for the error's `ref`
 * @error: a TD_PROTOCOL_ERROR: BAD_JSON (strict JSON), TOO_LARGE (over 64 KiB
 *   from a client — still parsed up to 1 MiB to recover @ref_out; over 1 MiB
 *   from the server), BAD_PACKET (v, type, a field's type, range, shape;
 *   a client type from the server or the reverse; a known kind's body)
 *
 * Returns: (transfer full) (nullable): the packet.  From the server, an
 * unknown type parses as TD_PACKET_UNKNOWN (to be ignored) and an unknown
 * message kind is kept (shown as unsupported).
 */
TdPacket    *td_packet_parse          (const char         *data,
                                       gsize               len,
                                       TdPacketDirection   direction,
                                       char              **ref_out,
                                       GError            **error);
/* Same, from an already strictly-checked JSON object (a poll body's element). */
TdPacket    *td_packet_parse_object   (JsonObject         *object,
                                       TdPacketDirection   direction,
                                       char              **ref_out,
                                       GError            **error);

/* Serialisation of any packet type (writes the fields of its type). */
JsonObject  *td_packet_to_json_object (TdPacket *packet);
char        *td_packet_to_json        (TdPacket *packet,
                                       gsize    *length);

/* Builders for the packets every component makes. */
TdPacket    *td_packet_new_error      (TdProtocolError  code,
                                       const char      *message,
                                       const char      *ref);
TdPacket    *td_packet_new_hello      (gboolean    has_cursor,
                                       gint64      cursor,
                                       const char *client);
TdPacket    *td_packet_new_send       (const char *random_id,
                                       const char *line_id,
                                       const char *kind,
                                       JsonObject *body);
TdPacket    *td_packet_new_msg        (gint64     cursor,
                                       TdMessage *msg);
TdPacket    *td_packet_new_ack        (const char *random_id,
                                       TdMessage  *msg,
                                       gboolean    dup);
TdPacket    *td_packet_new_line       (gboolean   has_cursor,
                                       gint64     cursor,
                                       TdLine    *line);
TdPacket    *td_packet_new_synced     (gint64 cursor);

G_END_DECLS

/* td-sim-content.h — realistic traveller messages for the simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A seeded, testable generator: a TdSimScript is one traveller's concern
 * (a hotel booking, a delayed flight, a complaint…) aimed at one demo
 * merchant, and yields the messages the traveller sends about it, one at a
 * time — every customer-sendable kind, in English or Chinese.  It also
 * answers what an operator (or a fellow traveller) wrote.  Everything comes
 * from the GRand handed in, so a seed reproduces a run's content.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "td-protocol.h"

G_BEGIN_DECLS

typedef enum
{
  TD_SIM_TOPIC_HOTEL_BOOKING,   /* m_lakeside, inquiry */
  TD_SIM_TOPIC_ROOM_CHANGE,     /* m_lakeside/order/TD-…, inquiry */
  TD_SIM_TOPIC_LATE_CHECKIN,    /* m_lakeside/order/TD-…, inquiry */
  TD_SIM_TOPIC_FLIGHT_DELAY,    /* m_harbor[/order/TD-…], inquiry */
  TD_SIM_TOPIC_BAGGAGE,         /* m_harbor/order/TD-…, inquiry */
  TD_SIM_TOPIC_TOUR_PICKUP,     /* m_skyline/order/TD-…, inquiry */
  TD_SIM_TOPIC_REFUND,          /* any merchant /order/TD-…, inquiry */
  TD_SIM_TOPIC_COMPLAINT,       /* any merchant, feedback */
  TD_SIM_TOPIC_RATING,          /* any merchant, feedback */
  TD_SIM_TOPIC_CHAT,            /* another traveller, chat */
  TD_SIM_N_TOPICS
} TdSimTopic;

/* The demo merchants the scripts write to. */
extern const char * const td_sim_merchants[];   /* NULL-terminated */

const char  *td_sim_topic_to_string   (TdSimTopic topic);
/* A weighted pick: mostly inquiries, feedback sometimes, chat (only when
 * @allow_chat) rarely. */
TdSimTopic   td_sim_topic_pick        (GRand     *rand,
                                       gboolean   allow_chat);

typedef struct _TdSimScript TdSimScript;

/**
 * td_sim_script_new:
 * @rand: the source of every choice
 * @topic: what the traveller is writing about
 * @chinese: write in Chinese
 * @peer_uid: (nullable): the other traveller (TD_SIM_TOPIC_CHAT only)
 * @today: (nullable): the date the travel dates are relative to (NULL: today)
 */
TdSimScript *td_sim_script_new        (GRand        *rand,
                                       TdSimTopic    topic,
                                       gboolean      chinese,
                                       const char   *peer_uid,
                                       const GDate  *today);
void         td_sim_script_free       (TdSimScript *script);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TdSimScript, td_sim_script_free)

TdSimTopic   td_sim_script_get_topic     (TdSimScript *script);
/* `m_lakeside`, `m_skyline/order/TD-4821`, or the peer's uid for chat. */
const char  *td_sim_script_get_object_id (TdSimScript *script);
/* The merchant (NULL for chat). */
const char  *td_sim_script_get_merchant  (TdSimScript *script);
TdBusi       td_sim_script_get_busi      (TdSimScript *script);
gboolean     td_sim_script_get_chinese   (TdSimScript *script);
/* TRUE once td_sim_script_next() has nothing more to say. */
gboolean     td_sim_script_is_done       (TdSimScript *script);

/**
 * td_sim_script_next:
 * @kind: (out) (transfer none): the message kind (a wire name)
 * @body: (out) (transfer full): its body, valid for td_message_validate_body()
 *
 * The traveller's next message about this concern.  Returns FALSE (and
 * sets nothing) when the script is done; a follow-up may still come from
 * td_sim_script_follow_up().
 */
gboolean     td_sim_script_next          (TdSimScript  *script,
                                          GRand        *rand,
                                          const char  **kind,
                                          JsonObject  **body);
/* A short extra message on a finished concern ("Any news?"): always text. */
void         td_sim_script_follow_up     (TdSimScript  *script,
                                          GRand        *rand,
                                          const char  **kind,
                                          JsonObject  **body);

/**
 * td_sim_script_reply:
 * @in_kind: the kind of the message answered (an operator's or a fellow
 *   traveller's)
 * @in_body: its body
 *
 * What the traveller answers: one of a `quick`'s options, an order card
 * when asked for the order, a photo when asked for one, a rating when asked
 * to rate, else a short topical text.
 */
void         td_sim_script_reply         (TdSimScript  *script,
                                          GRand        *rand,
                                          const char   *in_kind,
                                          JsonObject   *in_body,
                                          const char  **kind,
                                          JsonObject  **body);

G_END_DECLS

/* td-sim-content.c — realistic traveller messages for the simulator
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "tripdesk-sim"

#include "config.h"

#include <string.h>

#include "td-sim-content.h"

const char * const td_sim_merchants[] = { "m_lakeside", "m_skyline", "m_harbor", NULL };

/* Small PNG "photos" (24 × 16), well under the 16 KiB thumb limit. */
static const char * const thumbs[] = {
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAALUlEQVQ4y2NsP/eagRqA5dfvb1Qy6A+1DBp1ET1d9H3QuWjwhdGwddFvKkU/AGysLk753Dt5AAAAAElFTkSuQmCC",
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAAJUlEQVQ4y2P8v5SBKoDl+1cO6hj04yvnqItGXTTqoqHkImoZBADZeB8++qX43AAAAABJRU5ErkJggg==",
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAAAMElEQVQ4y2O8fPkyAzUAy7dff6lj0Pff/6jlIioZRDUXDWOvDT4XDWOvDT4XUcsgAOSYLrrBsUbYAAAAAElFTkSuQmCC",
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABgAAAAQCAIAAACDRijCAAADwUlEQVQ4ywXBWW8bRQAA4J1jvffl2I43iVKT9CC0FFFVIITEEy888MZv4G/w+xAPFIRAShs3qe342nt2d3Zmdnb4PvDbu58aPtMOZLubJJoo7/JsF6mWvyye+KO2DQcydlXTmI32PRvBUXcZP13cXIOqCyNI0YWV8GVHpvYE/frj861oGLyEJ/VU0m0qYyeP9pgb1X27H5nY2Yq2WTre47H+bP2hvm0ivcD5Eed3ge7rw1pTmZXOcvT1N1epvUAuicGJ8HBmowg4g149GGVvmg1ZHQpjnHGfVkQVTAgxFAHBO1syVdifNLItCEmmDUbffvlSGcHwe9feNssNWCB5isen3ln2R3IJH7v2EycpY8eD1zkcTCks4WBLS5BjL8FhGtG8OQ41jQLcZ3VGlAIzXh+UOo7kzc49aGEVz5eU6Iu0X8P3zAL6oCZbvWgFNkHhJvY8wPgvECg445T6/2we0NW5B8h1u8xGj+bxz3bBej0fO7fSs+TgKZTPzs1nRISqes1CCWF/7roBiu6T/ACd7lA+lFXDSmi46OarH7J3Licd0U6a4QrD5mOd1gdqQoRbSthkLdtZHIYL7zkKB9P1p4R4H30527sudRSuAGMb3n1CT5+eOUbTrfsWEGzmINUsBGO/WxVLVohDf/eduhlX9UgYQ+5f+i9Yd0kPIT5zLWBKVLYGZJS2eo3e6HanI6xO9omF9bKOYZ26fGi3pt2ESOT7iLoI9Fw8mdOXDkNKn4ZxM01NRIBK5XXHY9tpkI5encL9JLjKbDcUFpgPd30ZACBse3Sfkh4MAbeOUJxqe7dhTwqvo3oUR16mOZHn+6vZWbjgaDqBEPnXtYkmj+V84jcRFq3h281g2/Wx+3slpR0eL+oLRHVrDq030bnmKjPSO0+0odHj+IVHJ67rjoNdjMK3M/UIvblKWVZoYnNYH3j3L2kgu4t4Dx+12O6TPBkDFa/tNCk4L6PdM5cFZGRwTuXa5Zug1TF67TfcySFbGXrYTrRUMlitprxtxzjpsw0nne46VadJ2zKlZe1o3gRGZIaAsrHVBbox4DQWRwe9ncO6VLKw/zOT3arX7Z5Vog8aKpL+KCNskEwKeQWA7nfow8ZweyvDprWsBNwhND8p3JaOFJTo58+/OAnp+wsctqMJTN4TS1PDse5o2XNzGOjozHcGDc4ASpvxVMNCRLNqazoIk7KmE33jV6afYIl+eRX1A+R5mtguMK09Uh2guKoHprDQuAYIY2N5GoGpMcyJZo00O9T6FtHempsZlJririL0/H/+DUjQySDmaAAAAABJRU5ErkJggg==",
  NULL
};

/* ---- the scripts ------------------------------------------------------- */

typedef enum
{
  STEP_TEXT,
  STEP_IMAGE,        /* en[]: what the photo shows (used in its url) */
  STEP_ORDER,        /* en[] / zh[]: the product; extra: the status */
  STEP_HOTEL,
  STEP_FLIGHT,
  STEP_QUICK,        /* en[] / zh[]: the question; extra_en / extra_zh: "a|b|c" */
  STEP_RATING_LOW,   /* en[] / zh[]: the comment */
  STEP_RATING_HIGH,
} StepKind;

typedef struct
{
  StepKind    kind;
  double      p;            /* probability the step happens */
  const char *en[5];
  const char *zh[5];
  const char *extra_en;
  const char *extra_zh;
} Step;

#define END { STEP_TEXT, -1, { NULL }, { NULL }, NULL, NULL }

static const Step hotel_booking[] = {
  { STEP_TEXT, 1, {
      "Hi! I'd like to book a {room} for {nights} nights from {checkin}. Do you have availability?",
      "Hello, is a {room} still free from {checkin} for {nights} nights?",
      "Good evening — we're planning a trip to {city} and would like to stay with you from {checkin} ({nights} nights). What rooms do you have?",
      NULL }, {
      "你好，我想预订酒店的房间，{checkin}入住，住{nights}晚。",
      "请问{checkin}起还有{room_zh}吗？住{nights}晚。",
      NULL } },
  { STEP_HOTEL, 0.9, { NULL }, { NULL } },
  { STEP_TEXT, 0.8, {
      "Is breakfast included in this rate?",
      "Could we have a room with a lake view, if possible?",
      "We're travelling with a small child — could you add a cot to the room?",
      "Is there parking at the hotel? We're coming by car.",
      NULL }, {
      "房价含早餐吗？",
      "可以安排湖景房吗？",
      "我们带着小孩，可以加一张婴儿床吗？",
      NULL } },
  { STEP_QUICK, 0.15, {
      "When is the best time to call me to confirm?", NULL }, {
      "什么时候方便给我回电确认？", NULL },
    "This evening|Tomorrow morning|Any time", "今晚|明天上午|随时" },
  { STEP_TEXT, 0.6, {
      "Thanks, looking forward to our stay!",
      "Great, please go ahead and book it.",
      NULL }, {
      "好的，谢谢！",
      "那就帮我订吧。",
      NULL } },
  END
};

static const Step room_change[] = {
  { STEP_ORDER, 1, { "Lakeside Hotel · {room} · {nights} nights", NULL },
    { "湖畔酒店 · {room_zh} · {nights}晚", NULL }, "confirmed" },
  { STEP_TEXT, 1, {
      "Could I change this booking to a twin room? We're two colleagues travelling together.",
      "Is it possible to move our stay one day later, to {checkin2}?",
      "Can I upgrade to a suite for the last night of booking {order}?",
      NULL }, {
      "我想把大床房换成双床房，可以吗？",
      "能把入住日期改到{checkin2}吗？",
      "订单{order}最后一晚能升级成套房吗？",
      NULL } },
  { STEP_TEXT, 0.5, {
      "Happy to pay the difference if there is one.",
      "If that's not possible, could we at least get a quieter room?",
      NULL }, {
      "如有差价我可以补。",
      "如果不行的话，能换一间安静点的房间吗？",
      NULL } },
  { STEP_HOTEL, 0.4, { NULL }, { NULL } },
  END
};

static const Step late_checkin[] = {
  { STEP_TEXT, 1, {
      "My flight lands at {late_time}, so I'll only reach the hotel around {arrive_time}. Will reception still be open?",
      "Heads-up: I'll be checking in very late tonight, around {arrive_time}. Booking {order}.",
      NULL }, {
      "我的航班{late_time}落地，大概{arrive_time}到酒店，前台还有人吗？",
      "我今晚大概{arrive_time}才能到，订单号{order}，请帮我保留房间。",
      NULL } },
  { STEP_FLIGHT, 0.6, { NULL }, { NULL } },
  { STEP_TEXT, 0.7, {
      "Please don't give my room away — booking {order}.",
      "Could you leave the key at the night desk?",
      NULL }, {
      "请帮我保留房间，订单号{order}。",
      "可以把房卡放在夜班前台吗？",
      NULL } },
  { STEP_TEXT, 0.4, { "Thank you so much!", "Much appreciated.", NULL },
    { "太感谢了！", "辛苦了！", NULL } },
  END
};

static const Step flight_delay[] = {
  { STEP_FLIGHT, 0.8, { NULL }, { NULL } },
  { STEP_TEXT, 1, {
      "My flight {flight_no} to {to_city} is delayed by {delay} hours. Will I make my connection?",
      "The board says {flight_no} is delayed — is there an earlier flight you can put me on?",
      "{flight_no} has been delayed twice now. What's going on?",
      NULL }, {
      "我的航班{flight_no}延误了{delay}个小时，会不会赶不上转机？",
      "{flight_no}延误了，能帮我换一班早一点的吗？",
      NULL } },
  { STEP_IMAGE, 0.5, { "departure-board", NULL }, { NULL } },
  { STEP_TEXT, 0.6, {
      "Is there a meal voucher or lounge access while we wait?",
      "Can you rebook me on the next flight?",
      "I have a hotel booked in {to_city} tonight — should I cancel it?",
      NULL }, {
      "延误期间有餐券吗？",
      "可以帮我改签下一班吗？",
      NULL } },
  { STEP_QUICK, 0.1, { "Which option would you suggest?", NULL },
    { "你们建议怎么处理？", NULL },
    "Wait for this flight|Rebook tomorrow|Refund", "继续等待|改签明天|退票" },
  END
};

static const Step baggage[] = {
  { STEP_TEXT, 1, {
      "My suitcase didn't come out on the belt in {to_city}. Flight {flight_no}.",
      "One of my bags arrived damaged — the handle is broken off.",
      "How much checked baggage is included on {flight_no}? I have a set of golf clubs.",
      NULL }, {
      "我的行李在{to_city}没有出来，航班号{flight_no}。",
      "我的箱子托运后被摔坏了，拉杆断了。",
      NULL } },
  { STEP_IMAGE, 0.8, { "baggage-tag", "damaged-suitcase", NULL }, { NULL } },
  { STEP_ORDER, 0.5, { "Flight {flight_no} {from}–{to}", NULL },
    { "航班 {flight_no} {from}–{to}", NULL }, "ticketed" },
  { STEP_TEXT, 0.7, {
      "It's a dark blue hard-shell case with a yellow strap.",
      "Can you deliver it to my hotel when it's found? I'm at the Lakeside Hotel.",
      NULL }, {
      "是一个深蓝色的硬壳箱，绑着黄色带子。",
      "找到后能送到我住的湖畔酒店吗？",
      NULL } },
  END
};

static const Step tour_pickup[] = {
  { STEP_ORDER, 0.9, { "{tour}", NULL }, { "{tour_zh}", NULL }, "confirmed" },
  { STEP_TEXT, 1, {
      "What time is the pick-up for the {tour} on {checkin}?",
      "Where exactly is the meeting point for the {tour}?",
      "Could you pick us up at the Lakeside Hotel instead of the train station?",
      NULL }, {
      "{checkin}的{tour_zh}几点接人？",
      "{tour_zh}的集合地点在哪里？",
      "可以改到湖畔酒店接我们吗？",
      NULL } },
  { STEP_TEXT, 0.6, {
      "We are {people} people, two of them children.",
      "Is lunch included, or should we bring something?",
      "Does the guide speak English?",
      NULL }, {
      "我们一共{people}个人，其中两个小孩。",
      "包午餐吗？需要自己带吗？",
      NULL } },
  { STEP_QUICK, 0.15, { "Which pick-up time works best for the driver?", NULL },
    { "司机哪个时间接比较方便？", NULL },
    "07:30|08:00|08:30", "07:30|08:00|08:30" },
  { STEP_TEXT, 0.5, { "Perfect, see you then!", "Thanks, we'll be ready in the lobby.", NULL },
    { "好的，到时见！", "谢谢，我们会在大堂等。", NULL } },
  END
};

static const Step refund[] = {
  { STEP_TEXT, 1, {
      "I cancelled order {order} on {date} — when will I get my refund?",
      "I was charged twice for {order}. Could you refund one of the payments?",
      "Our plans changed. Can I still get a full refund for {order}?",
      NULL }, {
      "我在{date}取消了订单{order}，退款什么时候到账？",
      "订单{order}被扣了两次款，能退一笔吗？",
      NULL } },
  { STEP_ORDER, 0.9, { "{product}", NULL }, { "{product_zh}", NULL }, "cancelled" },
  { STEP_IMAGE, 0.4, { "bank-statement", NULL }, { NULL } },
  { STEP_TEXT, 0.5, {
      "It's been {days} days already.",
      "Please refund it to the original card.",
      NULL }, {
      "已经过了{days}天了。",
      "请原路退回。",
      NULL } },
  END
};

static const Step complaint[] = {
  { STEP_TEXT, 1, {
      "{complaint}",
      NULL }, {
      "{complaint_zh}",
      NULL } },
  { STEP_IMAGE, 0.6, { "complaint-photo", NULL }, { NULL } },
  { STEP_RATING_LOW, 0.7, {
      "Not what we paid for.",
      "Very disappointing.",
      NULL }, {
      "非常失望。",
      "和描述的不一样。",
      NULL } },
  { STEP_TEXT, 0.5, {
      "I'd like some form of compensation.",
      "I expect someone to call me back about this.",
      NULL }, {
      "希望能给个说法。",
      "请尽快联系我处理。",
      NULL } },
  END
};

static const Step rating[] = {
  { STEP_RATING_HIGH, 1, {
      "{praise}",
      NULL }, {
      "{praise_zh}",
      NULL } },
  { STEP_TEXT, 0.5, {
      "Thanks again to {staff}!",
      "We'll definitely book with you again.",
      NULL }, {
      "谢谢！下次还来。",
      "服务很好，会推荐给朋友。",
      NULL } },
  END
};

static const Step chat[] = {
  { STEP_TEXT, 1, {
      "Hi! Are you also on the {tour} on {checkin}?",
      "Shall we share a taxi from the airport? I land at {late_time}.",
      "Do you know if the Lakeside Hotel has a pool?",
      NULL }, {
      "你好！你也参加{checkin}的{tour_zh}吗？",
      "要不要一起从机场拼车？我{late_time}落地。",
      "你知道湖畔酒店有游泳池吗？",
      NULL } },
  { STEP_TEXT, 0.6, {
      "I'm staying near the lake, by the way.",
      "Let me know, no pressure!",
      NULL }, {
      "我住在湖边。",
      "方便的话回复我一下～",
      NULL } },
  { STEP_IMAGE, 0.2, { "view-from-the-room", NULL }, { NULL } },
  END
};

typedef struct
{
  const char  *name;
  const Step  *steps;
  TdBusi       busi;
  const char  *merchant;   /* NULL: any */
  double       order_ref;  /* probability the object_id names an order */
  guint        weight;
} Topic;

static const Topic topics[TD_SIM_N_TOPICS] = {
  [TD_SIM_TOPIC_HOTEL_BOOKING] = { "hotel-booking", hotel_booking, TD_BUSI_INQUIRY, "m_lakeside", 0, 16 },
  [TD_SIM_TOPIC_ROOM_CHANGE] = { "room-change", room_change, TD_BUSI_INQUIRY, "m_lakeside", 1, 9 },
  [TD_SIM_TOPIC_LATE_CHECKIN] = { "late-check-in", late_checkin, TD_BUSI_INQUIRY, "m_lakeside", 0.8, 8 },
  [TD_SIM_TOPIC_FLIGHT_DELAY] = { "flight-delay", flight_delay, TD_BUSI_INQUIRY, "m_harbor", 0.5, 12 },
  [TD_SIM_TOPIC_BAGGAGE] = { "baggage", baggage, TD_BUSI_INQUIRY, "m_harbor", 1, 8 },
  [TD_SIM_TOPIC_TOUR_PICKUP] = { "tour-pick-up", tour_pickup, TD_BUSI_INQUIRY, "m_skyline", 1, 14 },
  [TD_SIM_TOPIC_REFUND] = { "refund", refund, TD_BUSI_INQUIRY, NULL, 1, 8 },
  [TD_SIM_TOPIC_COMPLAINT] = { "complaint", complaint, TD_BUSI_FEEDBACK, NULL, 0.4, 6 },
  [TD_SIM_TOPIC_RATING] = { "rating", rating, TD_BUSI_FEEDBACK, NULL, 0, 6 },
  [TD_SIM_TOPIC_CHAT] = { "chat", chat, TD_BUSI_CHAT, NULL, 0, 3 },
};

/* ---- per-script facts -------------------------------------------------- */

struct _TdSimScript
{
  TdSimTopic   topic;
  gboolean     chinese;
  char        *merchant;
  char        *object_id;
  guint        step;
  GHashTable  *vars;      /* name → value */
  /* facts for the cards */
  double       price;
  const char  *currency;
  char        *from;
  char        *to;
  char        *depart;
  char        *arrive;
};

static const char *
pick (GRand              *rand,
      const char * const *list)
{
  guint n = 0;

  while (list[n] != NULL)
    n++;
  g_assert (n > 0);
  return list[g_rand_int_range (rand, 0, (gint32) n)];
}

/* @today moved by @days (either way), as YYYY-MM-DD */
static char *
date_plus (const GDate *today,
           int          days)
{
  GDate d = *today;
  char buf[16];

  if (days >= 0)
    g_date_add_days (&d, (guint) days);
  else
    g_date_subtract_days (&d, (guint) -days);
  g_snprintf (buf, sizeof buf, "%04u-%02u-%02u",
              (guint) g_date_get_year (&d), (guint) g_date_get_month (&d),
              (guint) g_date_get_day (&d));
  return g_strdup (buf);
}

static void
set_var (TdSimScript *s,
         const char  *name,
         char        *value)  /* takes ownership */
{
  g_hash_table_replace (s->vars, g_strdup (name), value);
}

/* Replaces every {name} by its value ({unknown} stays as it is). */
static char *
expand (TdSimScript *s,
        const char  *tmpl)
{
  GString *out = g_string_new (NULL);
  const char *p = tmpl;

  while (*p)
    {
      const char *close;

      if (*p == '{' && (close = strchr (p, '}')) != NULL)
        {
          g_autofree char *name = g_strndup (p + 1, (gsize) (close - p - 1));
          const char *value = g_hash_table_lookup (s->vars, name);

          if (value != NULL)
            {
              g_string_append (out, value);
              p = close + 1;
              continue;
            }
        }
      g_string_append_c (out, *p);
      p++;
    }
  return g_string_free (out, FALSE);
}

static const char * const rooms_en[] = { "double room", "twin room", "lake-view double room", "family room", "junior suite", NULL };
static const char * const rooms_zh[] = { "大床房", "双床房", "湖景大床房", "家庭房", "小套房", NULL };
static const char * const room_slugs[] = { "double", "twin", "lake-view-double", "family", "junior-suite", NULL };
static const char * const tours_en[] = { "Great Wall day tour", "West Lake boat tour", "Tea plantation walk", "Night food tour", "Yellow Mountain sunrise trip", NULL };
static const char * const tours_zh[] = { "长城一日游", "西湖游船", "茶园徒步", "夜市美食游", "黄山日出之旅", NULL };
static const char * const airports[] = { "PVG", "HGH", "PEK", "CAN", "SZX", "HKG", "SIN", "NRT", "LHR", "CDG", "FRA", "LIS", NULL };
static const char * const cities_en[] = { "Shanghai", "Hangzhou", "Beijing", "Guangzhou", "Shenzhen", "Hong Kong", "Singapore", "Tokyo", "London", "Paris", "Frankfurt", "Lisbon", NULL };
static const char * const cities_zh[] = { "上海", "杭州", "北京", "广州", "深圳", "香港", "新加坡", "东京", "伦敦", "巴黎", "法兰克福", "里斯本", NULL };
static const char * const currencies[] = { "CNY", "CNY", "CNY", "USD", "EUR", "HKD", NULL };
static const char * const staff[] = { "Mei at the front desk", "our guide Leo", "the night manager", "the crew of {flight_no}", NULL };

static const char * const complaints_en[] = {
  /* m_lakeside, m_skyline, m_harbor */
  "The room wasn't cleaned when we arrived and the air conditioning was broken all night.",
  "Our guide was 40 minutes late and the bus had no air conditioning. Not acceptable.",
  "The check-in queue took 90 minutes and the staff at the counter were rude.",
};
static const char * const complaints_zh[] = {
  "房间到的时候还没打扫，空调也坏了一整晚。",
  "导游迟到了四十分钟，大巴也没有空调。",
  "值机排队排了一个半小时，柜台服务态度很差。",
};
static const char * const praise_en[] = {
  "Lovely stay — spotless room and very friendly staff.",
  "Great tour, the guide was fantastic and everything ran on time.",
  "Smooth flight, and the crew were very helpful with our kids.",
};
static const char * const praise_zh[] = {
  "住得很舒服，房间干净，员工很热情。",
  "行程安排得很好，导游很专业。",
  "航班很顺利，机组对小朋友很照顾。",
};

static int
merchant_index (const char *merchant)
{
  for (int i = 0; td_sim_merchants[i] != NULL; i++)
    if (g_strcmp0 (td_sim_merchants[i], merchant) == 0)
      return i;
  return 0;
}

const char *
td_sim_topic_to_string (TdSimTopic topic)
{
  g_return_val_if_fail (topic < TD_SIM_N_TOPICS, NULL);
  return topics[topic].name;
}

TdSimTopic
td_sim_topic_pick (GRand    *rand,
                   gboolean  allow_chat)
{
  guint total = 0;
  guint r;

  g_return_val_if_fail (rand != NULL, TD_SIM_TOPIC_HOTEL_BOOKING);

  for (guint i = 0; i < TD_SIM_N_TOPICS; i++)
    if (allow_chat || i != TD_SIM_TOPIC_CHAT)
      total += topics[i].weight;
  r = (guint) g_rand_int_range (rand, 0, (gint32) total);
  for (guint i = 0; i < TD_SIM_N_TOPICS; i++)
    {
      if (!allow_chat && i == TD_SIM_TOPIC_CHAT)
        continue;
      if (r < topics[i].weight)
        return (TdSimTopic) i;
      r -= topics[i].weight;
    }
  g_assert_not_reached ();
}

TdSimScript *
td_sim_script_new (GRand       *rand,
                   TdSimTopic   topic,
                   gboolean     chinese,
                   const char  *peer_uid,
                   const GDate *today)
{
  TdSimScript *s;
  const Topic *t;
  GDate now;
  int room, tour, from, to, ahead, nights, m;
  char order[16];

  g_return_val_if_fail (rand != NULL, NULL);
  g_return_val_if_fail (topic < TD_SIM_N_TOPICS, NULL);
  g_return_val_if_fail (topic != TD_SIM_TOPIC_CHAT || peer_uid != NULL, NULL);

  if (today == NULL)
    {
      g_date_clear (&now, 1);
      g_date_set_time_t (&now, (time_t) (g_get_real_time () / G_USEC_PER_SEC));
      today = &now;
    }

  t = &topics[topic];
  s = g_new0 (TdSimScript, 1);
  s->topic = topic;
  s->chinese = chinese;
  s->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  if (topic == TD_SIM_TOPIC_CHAT)
    s->merchant = NULL;
  else if (t->merchant != NULL)
    s->merchant = g_strdup (t->merchant);
  else
    s->merchant = g_strdup (td_sim_merchants[g_rand_int_range (rand, 0, 3)]);
  m = merchant_index (s->merchant);

  /* the facts of this concern */
  g_snprintf (order, sizeof order, "TD-%04d", g_rand_int_range (rand, 1000, 10000));
  room = g_rand_int_range (rand, 0, 5);
  tour = g_rand_int_range (rand, 0, 5);
  from = g_rand_int_range (rand, 0, 12);
  to = (from + g_rand_int_range (rand, 1, 12)) % 12;
  ahead = g_rand_int_range (rand, 1, 60);
  nights = g_rand_int_range (rand, 1, 6);

  set_var (s, "order", g_strdup (order));
  set_var (s, "room", g_strdup (rooms_en[room]));
  set_var (s, "room_zh", g_strdup (rooms_zh[room]));
  set_var (s, "tour", g_strdup (tours_en[tour]));
  set_var (s, "tour_zh", g_strdup (tours_zh[tour]));
  set_var (s, "nights", g_strdup_printf ("%d", nights));
  set_var (s, "checkin", date_plus (today, ahead));
  set_var (s, "checkout", date_plus (today, ahead + nights));
  set_var (s, "checkin2", date_plus (today, ahead + 1));
  set_var (s, "checkout2", date_plus (today, ahead + 1 + nights));
  set_var (s, "date", date_plus (today, -g_rand_int_range (rand, 3, 20)));
  set_var (s, "days", g_strdup_printf ("%d", g_rand_int_range (rand, 5, 15)));
  set_var (s, "delay", g_strdup_printf ("%d", g_rand_int_range (rand, 2, 7)));
  set_var (s, "people", g_strdup_printf ("%d", g_rand_int_range (rand, 3, 7)));
  set_var (s, "late_time", g_strdup_printf ("%02d:%02d", g_rand_int_range (rand, 21, 24), 5 * g_rand_int_range (rand, 0, 12)));
  set_var (s, "arrive_time", g_strdup_printf ("%d:%02d am", g_rand_int_range (rand, 0, 3) + 1, 15 * g_rand_int_range (rand, 0, 4)));
  set_var (s, "city", g_strdup (chinese ? "杭州" : "Hangzhou"));
  set_var (s, "from", g_strdup (airports[from]));
  set_var (s, "to", g_strdup (airports[to]));
  set_var (s, "to_city", g_strdup (chinese ? cities_zh[to] : cities_en[to]));
  set_var (s, "flight_no", g_strdup_printf ("HA %d", g_rand_int_range (rand, 100, 1000)));
  set_var (s, "complaint", g_strdup (complaints_en[m]));
  set_var (s, "complaint_zh", g_strdup (complaints_zh[m]));
  set_var (s, "praise", g_strdup (praise_en[m]));
  set_var (s, "praise_zh", g_strdup (praise_zh[m]));
  set_var (s, "staff", expand (s, pick (rand, staff)));
  switch (m)
    {
    case 0:
      set_var (s, "product", expand (s, "Lakeside Hotel · {room} · {nights} nights"));
      set_var (s, "product_zh", expand (s, "湖畔酒店 · {room_zh} · {nights}晚"));
      break;
    case 1:
      set_var (s, "product", expand (s, "{tour}"));
      set_var (s, "product_zh", expand (s, "{tour_zh}"));
      break;
    default:
      set_var (s, "product", expand (s, "Flight {flight_no} {from}–{to}"));
      set_var (s, "product_zh", expand (s, "航班 {flight_no} {from}–{to}"));
      break;
    }

  s->currency = pick (rand, currencies);
  s->price = g_rand_int_range (rand, 40, 400) * 10 + (g_rand_boolean (rand) ? 0.5 : 0);
  s->from = g_strdup (airports[from]);
  s->to = g_strdup (airports[to]);
  {
    GDate d = *today;
    int h = g_rand_int_range (rand, 6, 22);
    int dur = g_rand_int_range (rand, 1, 12);
    GDateTime *dep, *arr;
    g_autoptr(GTimeZone) tz = g_time_zone_new_identifier ("+08:00");

    g_date_add_days (&d, (guint) MIN (ahead, 3));
    dep = g_date_time_new (tz, g_date_get_year (&d), g_date_get_month (&d), g_date_get_day (&d),
                           h, 5 * g_rand_int_range (rand, 0, 12), 0);
    arr = g_date_time_add_minutes (dep, dur * 60 + 5 * g_rand_int_range (rand, 0, 12));
    s->depart = g_date_time_format (dep, "%Y-%m-%dT%H:%M:%S%:z");
    s->arrive = g_date_time_format (arr, "%Y-%m-%dT%H:%M:%S%:z");
    g_date_time_unref (dep);
    g_date_time_unref (arr);
  }

  if (topic == TD_SIM_TOPIC_CHAT)
    s->object_id = g_strdup (peer_uid);
  else if (g_rand_double (rand) < t->order_ref)
    s->object_id = g_strdup_printf ("%s/order/%s", s->merchant, order);
  else if (topic == TD_SIM_TOPIC_HOTEL_BOOKING && g_rand_boolean (rand))
    s->object_id = g_strdup_printf ("%s/hotel/%s", s->merchant, room_slugs[room]);
  else
    s->object_id = g_strdup (s->merchant);

  return s;
}

void
td_sim_script_free (TdSimScript *s)
{
  if (s == NULL)
    return;
  g_free (s->merchant);
  g_free (s->object_id);
  g_free (s->from);
  g_free (s->to);
  g_free (s->depart);
  g_free (s->arrive);
  g_hash_table_unref (s->vars);
  g_free (s);
}

TdSimTopic
td_sim_script_get_topic (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, TD_SIM_TOPIC_HOTEL_BOOKING);
  return s->topic;
}

const char *
td_sim_script_get_object_id (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, NULL);
  return s->object_id;
}

const char *
td_sim_script_get_merchant (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, NULL);
  return s->merchant;
}

TdBusi
td_sim_script_get_busi (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, TD_BUSI_INQUIRY);
  return topics[s->topic].busi;
}

gboolean
td_sim_script_get_chinese (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, FALSE);
  return s->chinese;
}

gboolean
td_sim_script_is_done (TdSimScript *s)
{
  g_return_val_if_fail (s != NULL, TRUE);
  return topics[s->topic].steps[s->step].p < 0;
}

/* ---- bodies -------------------------------------------------------------- */

static JsonObject *
text_body (const char *text)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "text", text);
  return body;
}

static JsonObject *
image_body (TdSimScript *s,
            GRand       *rand,
            const char  *subject)
{
  JsonObject *body = json_object_new ();
  g_autofree char *url = NULL;
  gboolean portrait = g_rand_int_range (rand, 0, 4) == 0;

  url = g_strdup_printf ("https://img.tripdesk.example/u/%s-%08x.jpg",
                         subject, g_rand_int (rand));
  json_object_set_string_member (body, "url", url);
  json_object_set_int_member (body, "width", portrait ? 1080 : 1600);
  json_object_set_int_member (body, "height", portrait ? 1440 : 1200);
  if (g_rand_int_range (rand, 0, 10) != 0)
    json_object_set_string_member (body, "thumb", pick (rand, thumbs));
  return body;
}

static JsonObject *
order_body (TdSimScript *s,
            const char  *product,
            const char  *status)
{
  JsonObject *body = json_object_new ();
  g_autofree char *p = expand (s, product);

  json_object_set_string_member (body, "order_no", g_hash_table_lookup (s->vars, "order"));
  json_object_set_string_member (body, "product", p);
  json_object_set_string_member (body, "travel_date", g_hash_table_lookup (s->vars, "checkin"));
  json_object_set_string_member (body, "status", status ? status : "confirmed");
  json_object_set_double_member (body, "amount", s->price);
  json_object_set_string_member (body, "currency", s->currency);
  return body;
}

static JsonObject *
hotel_body (TdSimScript *s,
            gboolean     later)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "name", s->chinese ? "湖畔酒店" : "Lakeside Hotel");
  json_object_set_string_member (body, "city", s->chinese ? "杭州" : "Hangzhou");
  json_object_set_string_member (body, "checkin", g_hash_table_lookup (s->vars, later ? "checkin2" : "checkin"));
  json_object_set_string_member (body, "checkout", g_hash_table_lookup (s->vars, later ? "checkout2" : "checkout"));
  json_object_set_string_member (body, "room", g_hash_table_lookup (s->vars, s->chinese ? "room_zh" : "room"));
  json_object_set_double_member (body, "price", s->price);
  json_object_set_string_member (body, "currency", s->currency);
  return body;
}

static JsonObject *
flight_body (TdSimScript *s)
{
  JsonObject *body = json_object_new ();

  json_object_set_string_member (body, "flight_no", g_hash_table_lookup (s->vars, "flight_no"));
  json_object_set_string_member (body, "from", s->from);
  json_object_set_string_member (body, "to", s->to);
  json_object_set_string_member (body, "depart", s->depart);
  json_object_set_string_member (body, "arrive", s->arrive);
  json_object_set_double_member (body, "price", s->price);
  json_object_set_string_member (body, "currency", s->currency);
  return body;
}

static JsonObject *
quick_body (TdSimScript *s,
            const char  *question,
            const char  *options)
{
  JsonObject *body = json_object_new ();
  g_autofree char *q = expand (s, question);
  g_auto(GStrv) opts = g_strsplit (options, "|", 6);
  JsonArray *array = json_array_new ();

  for (guint i = 0; opts[i] != NULL; i++)
    json_array_add_string_element (array, opts[i]);
  json_object_set_string_member (body, "text", q);
  json_object_set_array_member (body, "options", array);
  return body;
}

static JsonObject *
rating_body (TdSimScript *s,
             int          score,
             const char  *comment)
{
  JsonObject *body = json_object_new ();

  json_object_set_int_member (body, "score", score);
  if (comment != NULL)
    {
      g_autofree char *c = expand (s, comment);

      json_object_set_string_member (body, "comment", c);
    }
  return body;
}

static const char *
pick_lang (TdSimScript        *s,
           GRand              *rand,
           const Step         *step)
{
  if (s->chinese && step->zh[0] != NULL)
    return pick (rand, step->zh);
  return step->en[0] != NULL ? pick (rand, step->en) : NULL;
}

gboolean
td_sim_script_next (TdSimScript  *s,
                    GRand        *rand,
                    const char  **kind,
                    JsonObject  **body)
{
  const Step *steps;

  g_return_val_if_fail (s != NULL, FALSE);
  g_return_val_if_fail (rand != NULL, FALSE);
  g_return_val_if_fail (kind != NULL && body != NULL, FALSE);

  steps = topics[s->topic].steps;
  for (;;)
    {
      const Step *step = &steps[s->step];
      const char *tmpl;

      if (step->p < 0)
        return FALSE;
      s->step++;
      if (step->p < 1 && g_rand_double (rand) >= step->p)
        continue;

      tmpl = pick_lang (s, rand, step);
      switch (step->kind)
        {
        case STEP_TEXT:
          {
            g_autofree char *text = expand (s, tmpl);

            *kind = "text";
            *body = text_body (text);
          }
          break;
        case STEP_IMAGE:
          *kind = "image";
          *body = image_body (s, rand, pick (rand, step->en));
          break;
        case STEP_ORDER:
          *kind = "order";
          *body = order_body (s, tmpl, step->extra_en);
          break;
        case STEP_HOTEL:
          *kind = "hotel";
          *body = hotel_body (s, s->topic == TD_SIM_TOPIC_ROOM_CHANGE);
          break;
        case STEP_FLIGHT:
          *kind = "flight";
          *body = flight_body (s);
          break;
        case STEP_QUICK:
          *kind = "quick";
          *body = quick_body (s, tmpl, s->chinese ? step->extra_zh : step->extra_en);
          break;
        case STEP_RATING_LOW:
          *kind = "rating";
          *body = rating_body (s, g_rand_int_range (rand, 1, 3),
                               g_rand_int_range (rand, 0, 4) ? tmpl : NULL);
          break;
        case STEP_RATING_HIGH:
          *kind = "rating";
          *body = rating_body (s, g_rand_int_range (rand, 4, 6),
                               g_rand_int_range (rand, 0, 4) ? tmpl : NULL);
          break;
        default:
          g_assert_not_reached ();
        }
      return TRUE;
    }
}

static const char * const follow_en[] = {
  "Any news on this?",
  "Just checking in — did you see my message?",
  "Sorry, one more question: is there Wi-Fi?",
  "Could you also confirm by email?",
  "Thanks in advance!",
  NULL
};
static const char * const follow_zh[] = {
  "请问有进展了吗？",
  "看到我的消息了吗？",
  "还有一个问题：有无线网络吗？",
  "能发邮件确认一下吗？",
  NULL
};

void
td_sim_script_follow_up (TdSimScript  *s,
                         GRand        *rand,
                         const char  **kind,
                         JsonObject  **body)
{
  g_autofree char *text = NULL;

  g_return_if_fail (s != NULL && rand != NULL && kind != NULL && body != NULL);

  if (s->topic == TD_SIM_TOPIC_CHAT)
    text = g_strdup (s->chinese ? "在吗？" : "Still around? 🙂");
  else
    text = g_strdup (pick (rand, s->chinese ? follow_zh : follow_en));
  *kind = "text";
  *body = text_body (text);
}

static const char * const reply_en[] = {
  "Thank you!",
  "OK, that works for me.",
  "Great, thanks for the quick answer.",
  "Could you confirm that by email as well?",
  "Hmm, that's a bit late for us. Is there anything earlier?",
  "Understood, I'll wait for your update.",
  NULL
};
static const char * const reply_zh[] = {
  "好的，谢谢！",
  "明白了。",
  "能再确认一下吗？",
  "这个时间有点晚，有早一点的吗？",
  "好的，等你们的消息。",
  NULL
};
static const char * const card_reply_en[] = {
  "Yes, that's the one.",
  "That's right, thanks.",
  "Looks good to me.",
  NULL
};
static const char * const card_reply_zh[] = {
  "对，就是这个。",
  "没错，谢谢。",
  NULL
};
static const char * const chat_reply_en[] = {
  "Sounds good!",
  "Yes, me too — see you there.",
  "Not sure yet, I'll let you know.",
  NULL
};
static const char * const chat_reply_zh[] = {
  "好呀！",
  "我也是，到时见。",
  "还不确定，回头告诉你。",
  NULL
};

static gboolean
mentions (const char         *text,
          const char * const *words)
{
  g_autofree char *lower = g_utf8_strdown (text, -1);

  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (lower, words[i]) != NULL)
      return TRUE;
  return FALSE;
}

void
td_sim_script_reply (TdSimScript  *s,
                     GRand        *rand,
                     const char   *in_kind,
                     JsonObject   *in_body,
                     const char  **kind,
                     JsonObject  **body)
{
  static const char * const order_words[] = { "order number", "booking number", "order no", "订单", NULL };
  static const char * const photo_words[] = { "photo", "picture", "screenshot", "照片", "图片", NULL };
  static const char * const rate_words[] = { "rate ", "rating", "rate us", "评分", "评价", NULL };
  static const char * const flight_words[] = { "flight details", "flight number", "航班信息", NULL };
  const char *text = NULL;

  g_return_if_fail (s != NULL && rand != NULL && kind != NULL && body != NULL);

  if (in_body != NULL && json_object_has_member (in_body, "text"))
    {
      JsonNode *n = json_object_get_member (in_body, "text");

      if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        text = json_node_get_string (n);
    }

  /* a quick reply: answer with one of its options, as text */
  if (g_strcmp0 (in_kind, "quick") == 0 && in_body != NULL &&
      json_object_has_member (in_body, "options"))
    {
      JsonNode *n = json_object_get_member (in_body, "options");

      if (JSON_NODE_HOLDS_ARRAY (n))
        {
          JsonArray *options = json_node_get_array (n);
          guint len = json_array_get_length (options);

          if (len > 0)
            {
              JsonNode *o = json_array_get_element (options, (guint) g_rand_int_range (rand, 0, (gint32) len));

              if (JSON_NODE_HOLDS_VALUE (o) && json_node_get_value_type (o) == G_TYPE_STRING &&
                  *json_node_get_string (o) != '\0' &&
                  g_utf8_strlen (json_node_get_string (o), -1) <= TD_MAX_TEXT_CHARS)
                {
                  *kind = "text";
                  *body = text_body (json_node_get_string (o));
                  return;
                }
            }
        }
    }

  if (text != NULL && s->topic != TD_SIM_TOPIC_CHAT)
    {
      if (mentions (text, order_words))
        {
          *kind = "order";
          *body = order_body (s, s->chinese ? "{product_zh}" : "{product}", "confirmed");
          return;
        }
      if (mentions (text, photo_words))
        {
          *kind = "image";
          *body = image_body (s, rand, "photo");
          return;
        }
      if (mentions (text, flight_words))
        {
          *kind = "flight";
          *body = flight_body (s);
          return;
        }
      if (mentions (text, rate_words))
        {
          gboolean unhappy = s->topic == TD_SIM_TOPIC_COMPLAINT;

          *kind = "rating";
          *body = rating_body (s, unhappy ? g_rand_int_range (rand, 2, 4) : g_rand_int_range (rand, 4, 6),
                               unhappy ? (s->chinese ? "处理得还行。" : "Thanks for sorting it out, eventually.")
                                       : (s->chinese ? "{praise_zh}" : "{praise}"));
          return;
        }
    }

  *kind = "text";
  if (s->topic == TD_SIM_TOPIC_CHAT)
    *body = text_body (pick (rand, s->chinese ? chat_reply_zh : chat_reply_en));
  else if (g_strcmp0 (in_kind, "order") == 0 || g_strcmp0 (in_kind, "hotel") == 0 ||
           g_strcmp0 (in_kind, "flight") == 0)
    *body = text_body (pick (rand, s->chinese ? card_reply_zh : card_reply_en));
  else
    *body = text_body (pick (rand, s->chinese ? reply_zh : reply_en));
}

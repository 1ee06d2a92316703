/* The network estimator (partitioner/netest.h): which sample informs which
 * quantity, and the median + EWMA that smooths each. */
#include "partitioner/netest.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "partitioner/track.h"

/* An exchange of at most this many bytes (both ways together, one packet's
 * worth) is empty: it measures the RTT, never a bandwidth. */
#define NE_TINY_BYTES 1500u
/* Below this predicted transfer share the sample measures the RTT. */
#define NE_RTT_SHARE 0.10
/* A sample faster than this share of the RTT estimate bounds the RTT. */
#define NE_ENVELOPE 0.9
/* A sample taking more than this many times its prediction shows an
 * estimate far off: it is never read as an RTT, and its direction is told
 * by its bytes. */
#define NE_CONSISTENT 2.0
/* An empty exchange confirms the RTT estimate for this many samples, when
 * it measured within NE_AGREE (log) of it. */
#define NE_FRESH 8
#define NE_AGREE 0.40546510810816438 /* log(1.5) */
/* The direction measured must be at least this many times the other one's
 * predicted transfer time. */
#define NE_DOMINANCE 2.0
/* ... or, when the bandwidth estimates cannot say, this many times the
 * other direction's bytes. */
#define NE_BYTES_DOMINANCE 10.0
/* What is left for the transfer must be at least this share of network_ms. */
#define NE_RELIABLE_SHARE 0.30
/* A transfer under this share of its predicted time shows a faster link. */
#define NE_FASTER 0.5

#define NE_DEFAULT_MBPS 10.0
#define NE_DEFAULT_RTT_MS 50.0

/* One quantity: its robust moving estimate on the log scale of its kind
 * (ne_to_log) and the same linear. */
typedef struct ne_track {
  part_track avg;
  double value;       /* the estimate, linear (exactly the prior until informed) */
  double informed_ms; /* at_ms of the last reading; NAN before any */
} ne_track;

struct part_netest {
  ne_track track[4]; /* indexed by part_net_quantity */
  int samples;
  double updated_ms;
  uint64_t seq;       /* samples with a network part, this one included */
  uint64_t empty_seq; /* seq of the last RTT reading of an empty exchange; 0 before any */
  double empty_rtt;   /* that reading, ms */
  double pair_reading[2]; /* the last probe pair's bandwidth reading per direction; NAN before any */
};

static bool ne_is_bandwidth(part_net_quantity q) { return q == PART_NET_UP || q == PART_NET_DOWN; }

static double ne_clamp(double x, double lo, double hi) { return x < lo ? lo : x > hi ? hi : x; }

/* Brings a linear value of q into its bounds (not finite: fallback). */
static double ne_bound(part_net_quantity q, double x, double fallback) {
  if (!isfinite(x)) x = fallback;
  if (ne_is_bandwidth(q)) return ne_clamp(x, PART_NET_MIN_MBPS, PART_NET_MAX_MBPS);
  return ne_clamp(x, 0, PART_NET_MAX_MS);
}

/* Bandwidths are averaged as log Mbit/s (a 25x drop and a 25x rise are the
 * same distance), times as log(1 + ms) (nearly relative above a few ms, and
 * defined at 0). */
static double ne_to_log(part_net_quantity q, double x) { return ne_is_bandwidth(q) ? log(x) : log1p(x); }
static double ne_from_log(part_net_quantity q, double y) { return ne_is_bandwidth(q) ? exp(y) : expm1(y); }

static void ne_track_init(ne_track *t, part_net_quantity q, double prior) {
  t->value = prior;
  part_track_init(&t->avg, ne_to_log(q, prior), false);
  t->informed_ms = NAN;
}

/* One informative reading x (linear) of quantity q at at_ms. */
static void ne_track_add(ne_track *t, part_net_quantity q, double x, double at_ms) {
  x = ne_bound(q, x, t->value);
  double y = part_track_add(&t->avg, ne_to_log(q, x));
  t->value = ne_bound(q, ne_from_log(q, y), t->value);
  t->informed_ms = at_ms;
}

part_netest *part_netest_create(const part_net_estimate *prior) {
  part_netest *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  part_net_estimate p = {NE_DEFAULT_MBPS, NE_DEFAULT_MBPS, NE_DEFAULT_RTT_MS, 0, 0, 0};
  if (prior) p = *prior;
  /* A bandwidth of 0 or less is no prior at all: the default. */
  if (!(p.up_mbps > 0)) p.up_mbps = NE_DEFAULT_MBPS;
  if (!(p.down_mbps > 0)) p.down_mbps = NE_DEFAULT_MBPS;
  ne_track_init(&e->track[PART_NET_UP], PART_NET_UP, ne_bound(PART_NET_UP, p.up_mbps, NE_DEFAULT_MBPS));
  ne_track_init(&e->track[PART_NET_DOWN], PART_NET_DOWN, ne_bound(PART_NET_DOWN, p.down_mbps, NE_DEFAULT_MBPS));
  ne_track_init(&e->track[PART_NET_RTT], PART_NET_RTT, ne_bound(PART_NET_RTT, p.rtt_ms, NE_DEFAULT_RTT_MS));
  ne_track_init(&e->track[PART_NET_QUEUE], PART_NET_QUEUE, ne_bound(PART_NET_QUEUE, p.queue_ms, 0));
  e->pair_reading[PART_NET_UP] = e->pair_reading[PART_NET_DOWN] = NAN;
  return e;
}

void part_netest_free(part_netest *e) { free(e); }

/* Whether the RTT estimate stands confirmed by an empty exchange: one of
 * the last NE_FRESH samples had no payload and measured an RTT within
 * NE_AGREE of the estimate. */
static bool ne_rtt_confirmed(const part_netest *e) {
  if (e->empty_seq == 0 || e->seq - e->empty_seq >= NE_FRESH) return false;
  double d = log1p(e->empty_rtt) - log1p(e->track[PART_NET_RTT].value);
  return fabs(d) <= NE_AGREE;
}

/* A reading of the bandwidth q (PART_NET_UP or PART_NET_DOWN) from a sample
 * that took n ms: its bits over what is left of n after the RTT (rtt) and the
 * other direction's predicted transfer (t_other), when that is a reliable
 * share of n. When it is not, but the transfer took well under its predicted
 * t_this, the link is faster than estimated and the sample bounds it from
 * below: the bits could not have taken more than that share. NAN when the
 * sample tells neither. */
static double ne_bandwidth_reading(const part_netest *e, part_net_quantity q, const part_net_sample *s, double n,
                                   double rtt, double t_this, double t_other) {
  double bits = (double)(q == PART_NET_UP ? s->bytes_up : s->bytes_down) * 8;
  if (!(bits > 0)) return NAN;
  double left = n - rtt - t_other;
  if (left >= NE_RELIABLE_SHARE * n) return bits / (left * 1000);
  if (left < NE_FASTER * t_this) {
    double bound = bits / (NE_RELIABLE_SHARE * n * 1000);
    if (bound > e->track[q].value) return bound;
  }
  return NAN;
}

static bool ne_add_bandwidth(part_netest *e, part_net_quantity q, const part_net_sample *s, double n, double rtt,
                             double t_this, double t_other) {
  double x = ne_bandwidth_reading(e, q, s, n, rtt, t_this, t_other);
  if (isnan(x)) return false;
  ne_track_add(&e->track[q], q, x, s->at_ms);
  return true;
}

/* The network part of a sample: which of RTT, uplink, downlink it can tell
 * apart (netest.h). n is finite and > 0. Whether it informed one. */
static bool ne_add_network(part_netest *e, const part_net_sample *s, double n) {
  double up = e->track[PART_NET_UP].value, down = e->track[PART_NET_DOWN].value;
  double rtt = e->track[PART_NET_RTT].value;
  /* Predicted transfer times, ms (1 Mbit/s is 1000 bit/ms). */
  double t_up = (double)s->bytes_up * 8 / (up * 1000), t_down = (double)s->bytes_down * 8 / (down * 1000);
  double t = t_up + t_down;
  double predicted = rtt + t;
  bool payload = (double)s->bytes_up + (double)s->bytes_down > NE_TINY_BYTES;

  if (!payload) {
    /* An empty exchange measures the RTT unless even its few bytes take a
     * share of the time (a link of a few kbit/s). */
    if (t < NE_RTT_SHARE * fmax(predicted, n)) {
      double x = fmax(0, n - t);
      ne_track_add(&e->track[PART_NET_RTT], PART_NET_RTT, x, s->at_ms);
      e->empty_rtt = fmin(x, PART_NET_MAX_MS);
      e->empty_seq = e->seq;
      return true;
    }
    if (n < NE_ENVELOPE * rtt) {
      ne_track_add(&e->track[PART_NET_RTT], PART_NET_RTT, n, s->at_ms);
      return true;
    }
    return false;
  }
  bool rtt_dominant = t < NE_RTT_SHARE * predicted;
  if (n > NE_CONSISTENT * predicted) {
    /* More than twice the prediction: some estimate is far off. When the
     * model says it is nearly all RTT, it is a longer RTT or a much slower
     * link: the link only when an empty exchange has just confirmed the
     * RTT. Either way the estimates cannot say which direction took the
     * time: the one with nearly all the bytes did. */
    if (rtt_dominant && !ne_rtt_confirmed(e)) return false;
    if ((double)s->bytes_up >= NE_BYTES_DOMINANCE * (double)s->bytes_down)
      return ne_add_bandwidth(e, PART_NET_UP, s, n, rtt, t_up, t_down);
    if ((double)s->bytes_down >= NE_BYTES_DOMINANCE * (double)s->bytes_up)
      return ne_add_bandwidth(e, PART_NET_DOWN, s, n, rtt, t_down, t_up);
    return false;
  }
  if (rtt_dominant) {
    ne_track_add(&e->track[PART_NET_RTT], PART_NET_RTT, fmax(0, n - t), s->at_ms);
    return true;
  }
  if (n < NE_ENVELOPE * rtt) {
    /* Faster than the RTT is thought to be: the RTT is at most n. Nothing
     * is left for a transfer, so no bandwidth either. */
    ne_track_add(&e->track[PART_NET_RTT], PART_NET_RTT, n, s->at_ms);
    return true;
  }
  if (t_up >= NE_DOMINANCE * t_down) return ne_add_bandwidth(e, PART_NET_UP, s, n, rtt, t_up, t_down);
  if (t_down >= NE_DOMINANCE * t_up) return ne_add_bandwidth(e, PART_NET_DOWN, s, n, rtt, t_down, t_up);
  return false;
}

bool part_netest_add(part_netest *e, const part_net_sample *s) {
  if (!e || !s || !isfinite(s->at_ms)) return false;
  bool network = isfinite(s->network_ms) && s->network_ms > 0;
  bool queue = isfinite(s->queue_ms) && s->queue_ms >= 0;
  if (!network && !queue) return false;
  bool informed = false;
  if (network) {
    e->seq++;
    informed = ne_add_network(e, s, s->network_ms);
  }
  if (queue) ne_track_add(&e->track[PART_NET_QUEUE], PART_NET_QUEUE, s->queue_ms, s->at_ms);
  if (e->samples < INT_MAX) e->samples++;
  e->updated_ms = s->at_ms;
  return informed;
}

bool part_netest_add_pair(part_netest *e, const part_net_sample *empty, const part_net_sample *payload) {
  if (!e || !empty || !payload) return false;
  bool informed = part_netest_add(e, empty);
  bool up = (double)payload->bytes_up >= NE_BYTES_DOMINANCE * (double)payload->bytes_down;
  bool down = (double)payload->bytes_down >= NE_BYTES_DOMINANCE * (double)payload->bytes_up;
  bool timed = isfinite(empty->network_ms) && empty->network_ms > 0 && isfinite(payload->network_ms) &&
               payload->network_ms > 0 && isfinite(payload->at_ms);
  if (!timed || up == down) /* not a pair's payload: an ordinary sample */
    return part_netest_add(e, payload) || informed;
  part_net_quantity q = up ? PART_NET_UP : PART_NET_DOWN, other = up ? PART_NET_DOWN : PART_NET_UP;
  double t_this = (double)(up ? payload->bytes_up : payload->bytes_down) * 8 / (e->track[q].value * 1000);
  double t_other = (double)(up ? payload->bytes_down : payload->bytes_up) * 8 / (e->track[other].value * 1000);
  e->seq++;
  double x = ne_bandwidth_reading(e, q, payload, payload->network_ms, empty->network_ms, t_this, t_other);
  if (!isnan(x)) {
    /* A probe is never faster than the link, but often slower (a TCP
     * window shrunk by earlier losses, a busy device): the larger of this
     * pair's reading and the previous pair's is what enters. */
    double prev = e->pair_reading[q];
    e->pair_reading[q] = x;
    ne_track_add(&e->track[q], q, isnan(prev) || prev < x ? x : prev, payload->at_ms);
    informed = true;
  }
  if (e->samples < INT_MAX) e->samples++;
  e->updated_ms = payload->at_ms;
  return informed;
}

uint32_t part_netest_probe_bytes(const part_netest *e, part_net_quantity q) {
  double mbps = e && (q == PART_NET_UP || q == PART_NET_DOWN) ? e->track[q].value : NE_DEFAULT_MBPS;
  double bytes = mbps * 1000 * PART_NET_PROBE_MS / 8;
  return bytes < PART_NET_PROBE_MIN_BYTES   ? PART_NET_PROBE_MIN_BYTES
         : bytes > PART_NET_PROBE_MAX_BYTES ? PART_NET_PROBE_MAX_BYTES
                                            : (uint32_t)bytes;
}

void part_netest_get(const part_netest *e, part_net_estimate *out) {
  out->up_mbps = e->track[PART_NET_UP].value;
  out->down_mbps = e->track[PART_NET_DOWN].value;
  out->rtt_ms = e->track[PART_NET_RTT].value;
  out->queue_ms = e->track[PART_NET_QUEUE].value;
  out->samples = e->samples;
  out->updated_ms = e->updated_ms;
}

double part_netest_age_ms(const part_netest *e, part_net_quantity q, double now_ms) {
  if ((int)q < 0 || (int)q > PART_NET_QUEUE) return INFINITY;
  double at = e->track[q].informed_ms;
  if (isnan(at)) return INFINITY;
  double age = now_ms - at;
  return age > 0 ? age : 0;
}

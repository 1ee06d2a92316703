/* A network estimate that follows the link: uplink and downlink bandwidth,
 * round trip and the worker's queue time, from every real call (passive) and
 * from probes (active). Pure arithmetic, no I/O, no clock of its own: the
 * caller passes the time of each sample. Not thread-safe (the edge guards it
 * with a lock).
 *
 * A sample's network time n is modelled as RTT + bytes_up x 8 / uplink +
 * bytes_down x 8 / downlink. One sample cannot tell the three apart, so each
 * sample updates only what it can tell apart, judged by the current
 * estimate: the predicted transfer times t_up, t_down at the estimated
 * bandwidths and the prediction p = rtt + t_up + t_down.
 *
 * - An empty exchange (at most 1500 bytes both ways together: an Echo
 *   probe) measures the RTT, n - t_up - t_down, unless even its few bytes
 *   take 10 % of the time (a link of a few kbit/s). It never measures a
 *   bandwidth.
 * - An exchange with a payload whose predicted transfer is under 10 % of p
 *   (a small call on a fast link) measures the RTT the same way, if it took
 *   at most twice p.
 * - An exchange with a payload whose predicted transfer is at least 10 % of
 *   p measures the bandwidth of the direction whose predicted time is at
 *   least twice the other's: bytes x 8 / (n - rtt - the other direction's
 *   predicted time), when that denominator is a reliable share (at least
 *   30 %) of n. When it is not, but the transfer took under half its
 *   predicted time, the link is faster than estimated: bytes x 8 / (0.3 n)
 *   bounds it from below and is taken when above the estimate.
 * - An exchange taking more than twice p shows an estimate far off. When
 *   the RTT was predicted to be nearly all of it, it is a longer RTT or a
 *   much slower link, and it is read as the link only when an empty
 *   exchange among the last 8 samples measured an RTT within 1.5x of the
 *   estimate; otherwise nothing is read. Its direction is the one with at
 *   least 10x the other's bytes (the estimates are too far off to say).
 * - Lower envelope: an exchange faster than 0.9 x the estimated RTT bounds
 *   the RTT: it enters as an RTT reading of n.
 * - The queue time: every sample that carries the worker's (>= 0).
 *
 * Each quantity is a robust moving estimate of its readings (track.h: the
 * median of its last 3, so one outlier is never the median, smoothed by an
 * EWMA whose weight grows with the median's distance from the estimate) on
 * a log scale: bandwidth as log Mbit/s, times as log(1 + ms). A 25x step is
 * within 25 % after 3 or 4 readings; +-20 % noise on every sample keeps the
 * estimate within about 15 %.
 *
 * What it cannot do: exchanges all of one size cannot separate RTT from
 * bandwidth; a change they show goes to the RTT or to a bandwidth by the
 * rules above, and a quantity nothing informs keeps its value. The edge
 * keeps them apart with Echo probes: an empty one for the RTT, and one with
 * a payload one way sized so the predicted transfer is a few RTTs for a
 * bandwidth (part_netest_age_ms says which quantity has gone longest
 * without news). */
#ifndef SEAM_PARTITIONER_NETEST_H
#define SEAM_PARTITIONER_NETEST_H

#include <stdbool.h>
#include <stdint.h>

/* One observed exchange. */
typedef struct part_net_sample {
  double at_ms;        /* when it ended, on the caller's monotonic clock */
  uint64_t bytes_up;   /* request bytes */
  uint64_t bytes_down; /* reply bytes */
  /* The exchange's wall time minus the worker's own time (queue + compute,
   * as it reports), ms: RTT + transfer times. */
  double network_ms;
  double queue_ms; /* the worker's queue time; < 0 when not known (probes) */
} part_net_sample;

/* The current estimate. */
typedef struct part_net_estimate {
  double up_mbps, down_mbps, rtt_ms, queue_ms;
  int samples;       /* samples taken in so far */
  double updated_ms; /* at_ms of the last sample; 0 before any */
} part_net_estimate;

/* The quantities of an estimate, for part_netest_age_ms. */
typedef enum part_net_quantity {
  PART_NET_UP = 0,
  PART_NET_DOWN = 1,
  PART_NET_RTT = 2,
  PART_NET_QUEUE = 3
} part_net_quantity;

/* Bounds every estimate is kept in, whatever the samples say. */
#define PART_NET_MIN_MBPS 0.001    /* 1 kbit/s */
#define PART_NET_MAX_MBPS 100000.0 /* 100 Gbit/s */
#define PART_NET_MAX_MS 60000.0    /* RTT and queue time at most 60 s */

typedef struct part_netest part_netest;

/* A new estimator starting from prior (the plan's conditions, say); NULL
 * prior or fields that are not finite numbers take defaults (10 Mbit/s each
 * way, 50 ms RTT, no queue), and every field is brought into the bounds
 * above. part_netest_get returns the prior, with samples 0, until a sample
 * informs a quantity. NULL when out of memory. */
part_netest *part_netest_create(const part_net_estimate *prior);

/* Frees e; NULL is accepted. */
void part_netest_free(part_netest *e);

/* Takes in one sample. A sample whose at_ms is not finite is ignored; so
 * is its network part when network_ms is not a finite positive number, and
 * its queue part when queue_ms is negative or not finite. samples counts
 * the samples that had a usable part. Returns whether the sample informed
 * the RTT or a bandwidth: false for one the rules above cannot read (both
 * directions alike, an RTT not confirmed), which only a probe can settle,
 * so the caller should not count it as news of the link. */
bool part_netest_add(part_netest *e, const part_net_sample *s);

/* A probe pair: an empty exchange and, right after it, one with a payload
 * one way (at least 10x the other way's bytes). The empty one is taken in
 * as any sample; the payload's transfer time is its network time minus the
 * empty one's (the round trip of the same moment, not the RTT estimate,
 * which lags a change), read as in part_netest_add: a bandwidth when that
 * is a reliable share of it, a lower bound when the transfer was much
 * faster than predicted. A probe is never faster than the link but often
 * slower (a TCP window shrunk by earlier losses, a busy device), so what
 * enters the moving estimate is the larger of this pair's reading and the
 * previous pair's. A payload both ways is taken as an ordinary sample.
 * Returns whether either informed the RTT or a bandwidth. */
bool part_netest_add_pair(part_netest *e, const part_net_sample *empty, const part_net_sample *payload);

/* The size of the payload of a pair's probe of direction q: a transfer of
 * about PART_NET_PROBE_MS at the current estimate, within the bounds below
 * (small enough that probing a session running on the device costs little
 * data; a link much faster than the estimate is still seen, as a lower
 * bound, and the next probe is sized from it). */
#define PART_NET_PROBE_MS 40.0
#define PART_NET_PROBE_MIN_BYTES (16u << 10)
#define PART_NET_PROBE_MAX_BYTES (32u << 10)
uint32_t part_netest_probe_bytes(const part_netest *e, part_net_quantity q);

void part_netest_get(const part_netest *e, part_net_estimate *out);

/* Milliseconds from the last sample that informed q to now_ms (0 when now_ms
 * is earlier); +INFINITY when no sample has informed it yet. */
double part_netest_age_ms(const part_netest *e, part_net_quantity q, double now_ms);

#endif

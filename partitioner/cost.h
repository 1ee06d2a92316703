/* The cost model: what a split costs, term by term, under given link
 * conditions, device power and goal.
 *
 * Latency of a remote split = device head time + encoding the cut tensors +
 * request bytes / uplink + RTT + worker queue + worker tail time + reply
 * bytes / downlink + decoding the reply. A split that keeps every node on
 * the device costs its head time alone.
 *
 * Device energy per request (docs/partitioning.md, "Power model") =
 * compute power x (head + encode + decode) + radio transmit power x upload
 * time + receive power x download time + idle power x waiting (RTT, queue,
 * worker tail).
 *
 * Device memory of the head = the weights of the head nodes + its activation
 * arena, estimated by liveness in execution order as the run plan places it:
 * the peak of live tensor bytes, graph inputs live from the start, a tensor
 * live from its producer to its last head reader, every cut tensor and graph
 * output to the end of the head; known tensors count 0.
 *
 * Constraints compare exactly: latency_ms <= deadline_ms, head_memory_bytes
 * <= memory_bytes, head_macs_pct >= min_macs_pct (head_macs_pct is 100 for
 * the all-on-device split of a DAG without MACs, 0 for a remote one). */
#ifndef SEAM_PARTITIONER_COST_H
#define SEAM_PARTITIONER_COST_H

#include <stdbool.h>
#include <stdint.h>

#include "partitioner/dag.h"

/* Link and worker conditions. */
typedef struct part_link {
  double up_mbps;   /* uplink, Mbit/s (10^6 bit/s); > 0 */
  double down_mbps; /* downlink, Mbit/s; > 0 */
  double rtt_ms;    /* round trip of an empty call */
  double queue_ms;  /* the worker's queue time */
  /* How long the device's runs take against its profile (devspeed.h): the
   * head, encode and decode times are the profile's times this. 0 (or
   * anything not > 0) is 1: as profiled. */
  double device_scale;
} part_link;

/* link's device_scale, 1 when it is not > 0. */
double part_link_device_scale(const part_link *link);

/* Device power draw, watts. */
typedef struct part_power {
  double compute_w; /* CPU busy running the model */
  double tx_w;      /* radio transmitting */
  double rx_w;      /* radio receiving */
  double idle_w;    /* waiting for the worker */
} part_power;

typedef enum part_objective {
  PART_MIN_LATENCY = 0,
  PART_MIN_ENERGY = 1,
  PART_MIN_WEIGHTED = 2 /* latency_ms + energy_weight x energy_mj */
} part_objective;

/* What to minimize and under which constraints (0 / false = no constraint). */
typedef struct part_goal {
  part_objective objective;
  double energy_weight;  /* PART_MIN_WEIGHTED: ms per mJ */
  double deadline_ms;    /* predicted latency at most this */
  int64_t memory_bytes;  /* head memory at most this */
  bool privacy_raw;      /* no graph input is sent (the raw input stays on the device) */
  double min_macs_pct;   /* at least this % of the MACs run on the device */
} part_goal;

/* Every term of one split's cost. */
typedef struct part_cost {
  bool remote;          /* some node runs on the worker */
  int n_sent;           /* tensors sent */
  double head_ms, encode_ms, up_ms, rtt_ms, queue_ms, tail_ms, down_ms, decode_ms;
  double latency_ms;    /* the sum */
  int64_t up_bytes;     /* request bytes */
  int64_t down_bytes;   /* reply bytes */
  double compute_mj, tx_mj, rx_mj, idle_mj;
  double energy_mj;     /* the sum */
  int64_t head_weight_bytes, head_arena_bytes, head_memory_bytes;
  int64_t head_macs;
  double head_macs_pct;
  double objective;     /* the goal's objective value */
  bool feasible;        /* meets every constraint of the goal */
  const char *violates; /* the first constraint it breaks ("deadline", "memory", "privacy",
                           "min-macs"), or NULL */
} part_cost;

/* Power defaults: an LTE radio (Huang et al., MobiSys 2012) and a phone CPU
 * (AnandTech's Galaxy S6 measurement); cost.c cites each figure and says
 * what it is (docs/partitioning.md, "Power model", repeats it). */
void part_power_default(part_power *p);

/* The cost of split head (closed; see part_split_is_closed) under link,
 * power and goal; fills out. */
void part_cost_of(const part_dag *d, const bool *head, const part_link *link,
                  const part_power *power, const part_goal *goal, part_cost *out);

#endif

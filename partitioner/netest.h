/* A network estimate that follows the link: uplink and downlink bandwidth,
 * round trip and the worker's queue time, from every real call (passive) and
 * from probes (active). Pure arithmetic, no I/O, no clock of its own: the
 * caller passes the time of each sample. Not thread-safe (the edge guards it
 * with a lock).
 *
 * Each quantity is a robust moving estimate: a median over the last few
 * samples (so a single outlier is ignored) smoothed by an EWMA (so a step
 * change is followed within about five samples). */
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
  double queue_ms;     /* the worker's queue time; < 0 when not known (probes) */
} part_net_sample;

/* The current estimate. */
typedef struct part_net_estimate {
  double up_mbps, down_mbps, rtt_ms, queue_ms;
  int samples;        /* samples taken in so far */
  double updated_ms;  /* at_ms of the last sample; 0 before any */
} part_net_estimate;

typedef struct part_netest part_netest;

/* A new estimator starting from prior (the plan's conditions, say); NULL
 * when out of memory. */
part_netest *part_netest_create(const part_net_estimate *prior);
void part_netest_free(part_netest *e);
void part_netest_add(part_netest *e, const part_net_sample *s);
void part_netest_get(const part_netest *e, part_net_estimate *out);

#endif

/* The dynamic policy of an "auto" session: per request, the cut from the
 * plan (partitioner/plan.h) under the current network estimate
 * (partitioner/netest.h) and the worker's reported queue; the device alone
 * when the predicted remote answer misses the deadline or the circuit
 * breaker (edge/breaker.h) has stopped trying the network. Every real call
 * and every probe feeds the estimate and the breaker. Thread-safe (one
 * lock); internal. */
#ifndef SEAM_EDGE_POLICY_H
#define SEAM_EDGE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "partitioner/devspeed.h"
#include "partitioner/netest.h"
#include "partitioner/plan.h"
#include "seam/edge.h"

typedef struct edge_policy edge_policy;

/* Consecutive network failures that open the breaker, and its backoff. */
#define EDGE_BREAKER_THRESHOLD 3
#define EDGE_BREAKER_BASE_MS 200
#define EDGE_BREAKER_MAX_MS 5000

/* Takes the plan (freed with the policy). device_speed: the device's
 * times against the plan's profile, > 0 to fix it, 0 to measure it
 * (seam_edge_config.device_speed). NULL when out of memory. */
edge_policy *edge_policy_create(part_plan *plan, double device_speed, seam_error *err);
void edge_policy_free(edge_policy *p);
const part_plan *edge_policy_plan(const edge_policy *p);

typedef struct edge_choice {
  int candidate;       /* plan candidate to run */
  double predicted_ms; /* predicted end-to-end latency of that candidate */
  char why[160];       /* the reason, for the report */
} edge_choice;

/* Chooses for one request with the session's deadline (0 = none); every
 * call is followed by one edge_policy_observe of that request. */
void edge_policy_choose(edge_policy *p, int deadline_ms, edge_choice *out);

/* The same choice, for a stream that keeps it: not a request (no observe
 * follows). */
void edge_policy_pick(edge_policy *p, int deadline_ms, edge_choice *out);

/* What one request did (its timing), for the estimate, the breaker and
 * the device's speed: candidate is the one it ran (edge_choice.candidate),
 * ok whether it succeeded (a failed run's head time says nothing of the
 * device); call_ms is the Infer call's wall time (0 when none was made). */
void edge_policy_observe(edge_policy *p, int candidate, bool ok, const seam_edge_timing *tm, double call_ms);

/* An Echo probe's outcome (ok false: it failed) and its sample: NULL for a
 * probe whose time says nothing of the link (the one that made the
 * connection, one that failed outright); for one that timed out, the time
 * it waited. */
void edge_policy_probe_result(edge_policy *p, bool ok, const part_net_sample *s);

/* A refresh round that succeeded: its empty probe and its uplink probe
 * (part_netest_add_pair). */
void edge_policy_probe_pair(edge_policy *p, const part_net_sample *empty, const part_net_sample *payload);

/* What the background prober should do now: 0 nothing, 1 a probe of the
 * breaker (half-open, empty), 2 a refresh round of a stale estimate (an
 * empty probe for the RTT, then one of *up_bytes for the uplink). *wait_ms
 * gets how long to sleep before asking again. */
int edge_policy_probe_due(edge_policy *p, int *wait_ms, uint32_t *up_bytes);

/* wake(ctx) is called (under the policy's lock: it must not call back) when
 * a request ends and a refresh round is due; NULL stops it (no call after
 * this returns). */
void edge_policy_set_waker(edge_policy *p, void (*wake)(void *ctx), void *ctx);

void edge_policy_estimate(edge_policy *p, seam_edge_network *out);

#endif

/* The background prober of an "auto" session: a thread that sends Echo
 * probes when the policy asks (edge_policy_probe_due): the breaker's
 * half-open trial while the network is given up, and a refresh round (an
 * empty Echo then an uplink payload, read as a pair) after a request found
 * the estimate stale while the device was idle, e.g. while the plan runs
 * everything on the device. An idle session sends only breaker probes.
 * Internal. */
#ifndef SEAM_EDGE_PROBER_H
#define SEAM_EDGE_PROBER_H

#include "edge/policy.h"
#include "protocol/grpc_client.h"

typedef struct edge_prober edge_prober;

/* A packed InferRequest (malloc'd) for one of the plan's remote cuts, made
 * from made-up inputs at open: sent once after the first connection so the
 * worker builds its run plan for that cut before a real request needs it. */
typedef struct edge_warm_request {
  uint8_t *buf;
  size_t size;
} edge_warm_request;

/* Starts the thread; policy and channel must outlive the prober. It takes
 * the n warm requests (and frees them, also on failure). */
edge_prober *edge_prober_start(edge_policy *policy, seam_grpc_channel *channel, const char *model_name,
                               edge_warm_request *warm, size_t n_warm, seam_error *err);
/* Stops and joins the thread (at most one probe's timeout); accepts NULL. */
void edge_prober_stop(edge_prober *p);

#endif

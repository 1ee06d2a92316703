/* The background prober of an "auto" session: a thread that sends Echo
 * probes when the policy asks (edge_policy_probe_due): the breaker's
 * half-open trial while the network is given up, and RTT and bandwidth
 * probes in turn while the estimate is stale (no real call lately, e.g.
 * while the plan runs everything on the device). Internal. */
#ifndef SEAM_EDGE_PROBER_H
#define SEAM_EDGE_PROBER_H

#include "edge/policy.h"
#include "protocol/grpc_client.h"

typedef struct edge_prober edge_prober;

/* Starts the thread; policy and channel must outlive the prober. */
edge_prober *edge_prober_start(edge_policy *policy, seam_grpc_channel *channel, seam_error *err);
/* Stops and joins the thread (at most one probe's timeout); accepts NULL. */
void edge_prober_stop(edge_prober *p);

#endif

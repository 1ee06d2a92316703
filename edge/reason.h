/* Why a tail did not come from the worker: the public seam_edge_reason of a
 * worker's status code. Internal to libseam-edge. */
#ifndef SEAM_EDGE_REASON_H
#define SEAM_EDGE_REASON_H

#include "seam/edge.h"

/* The reason for a call or reply status other than OK (a seam_rpc_code):
 * UNAVAILABLE and CANCELLED are NETWORK, DEADLINE_EXCEEDED is DEADLINE,
 * RESOURCE_EXHAUSTED is WORKER_BUSY, INTERNAL, UNKNOWN, ABORTED and
 * DATA_LOSS are WORKER_ERROR, every other code (NOT_FOUND,
 * FAILED_PRECONDITION, UNIMPLEMENTED, INVALID_ARGUMENT, ... and codes gRPC
 * does not define) is WORKER_REFUSED. OK itself is BAD_REPLY: it is only
 * asked about when a stream ended with OK while frames were unanswered. */
seam_edge_reason edge_reason_from_rpc_code(int code);

#endif

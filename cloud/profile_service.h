/* The worker's Profile method: the worker times its own run of a model node
 * by node (seam/profile.h) and answers the per-node costs, for the
 * partitioner's cost model.
 *
 * Validation, in order: the request parses (else INVALID_ARGUMENT), the
 * model is in the repository (NOT_FOUND), the SHA-256 matches
 * (FAILED_PRECONDITION), runs <= 1000, warmup <= 100, at most 64 dims, each
 * naming a symbolic input dimension with a value >= 1 (INVALID_ARGUMENT),
 * every made-up input within the worker's tensor size limit
 * (RESOURCE_EXHAUSTED), the call's deadline not yet passed
 * (DEADLINE_EXCEEDED).
 *
 * Profiling competes with inference for the cores, so one profile runs at a
 * time per worker: a request that would start a second one is refused at
 * once with RESOURCE_EXHAUSTED (it does not wait: a waiting call would hold
 * one of the worker's few call threads). The profile runs on the model's own
 * thread pool, the one its inferences use, and stops between runs when the
 * call's deadline passes (DEADLINE_EXCEEDED, nothing reported) or the worker
 * shuts down (UNAVAILABLE). The last results are kept, keyed by model, runs,
 * warmup and the input shapes the dims make: a repeated request is answered
 * from there at once (ProfileReply.cached, and cached=1 in the log), even
 * while another profile runs. */
#ifndef SEAM_CLOUD_PROFILE_SERVICE_H
#define SEAM_CLOUD_PROFILE_SERVICE_H

#include "cloud/service.h"

#define SEAM_CLOUD_PROFILE_MAX_RUNS 1000
#define SEAM_CLOUD_PROFILE_MAX_WARMUP 100
#define SEAM_CLOUD_PROFILE_MAX_DIMS 64
/* Results kept; the least recently used goes first. */
#define SEAM_CLOUD_PROFILE_CACHE_SIZE 16

/* The Profile state of one worker: the profiling slot and the cache. NULL
 * when out of memory. */
seam_cloud_profiler *seam_cloud_profiler_create(void);
/* Makes a profile in progress stop at its next run, and every later one
 * stop before it starts (shutdown). */
void seam_cloud_profiler_stop(seam_cloud_profiler *profiler);
/* Frees the state and the cached results; accepts NULL. No call may be in
 * progress. */
void seam_cloud_profiler_free(seam_cloud_profiler *profiler);

/* Answers one Profile call (svc->profiler holds the state). */
void seam_cloud_handle_profile(const seam_cloud_service *svc, const seam_grpc_request *req,
                               seam_grpc_response *r);

#endif

/* The worker's Profile method: the worker times its own run of a model node
 * by node (seam/profile.h) and answers the per-node costs, for the
 * partitioner's cost model.
 *
 * Validation, in order, on the transport's thread: the request parses
 * (else INVALID_ARGUMENT), the model is in the repository (NOT_FOUND) and
 * loaded (UNAVAILABLE), the SHA-256 matches (FAILED_PRECONDITION), runs <=
 * 1000, warmup <= 100, at most 64 dims, each naming a symbolic input
 * dimension with a value >= 1 (INVALID_ARGUMENT), every made-up input
 * within the worker's tensor size limit and batch limit
 * (RESOURCE_EXHAUSTED), the deadline not yet passed (DEADLINE_EXCEEDED).
 * Every profile has a deadline: the call's, or profile_timeout_ms after it
 * arrived when that is earlier (or the call has none).
 *
 * The last results are kept, keyed by model, runs, warmup and the input
 * shapes the dims make: a repeated request is answered from there at once
 * (ProfileReply.cached, and cached=1 in the log), even while another
 * profile runs. Otherwise the request is a job of the Profile queue (one
 * thread, nothing waiting): profiling competes with inference for the
 * cores, so one profile runs at a time per worker and a request that would
 * start a second one is refused at once with RESOURCE_EXHAUSTED. The
 * profile runs on the model's own lanes (the threads its inferences use),
 * one run at a time, so inferences of the model take turns with it run by
 * run; it runs within the request memory limit and stops between runs and
 * between nodes when the deadline passes (DEADLINE_EXCEEDED), the client
 * goes away (CANCELLED) or the worker shuts down (UNAVAILABLE), reporting
 * and caching nothing. */
#ifndef SEAM_CLOUD_PROFILE_SERVICE_H
#define SEAM_CLOUD_PROFILE_SERVICE_H

#include "cloud/service.h"

#define SEAM_CLOUD_PROFILE_MAX_RUNS 1000
#define SEAM_CLOUD_PROFILE_MAX_WARMUP 100
#define SEAM_CLOUD_PROFILE_MAX_DIMS 64
/* Results kept; the least recently used goes first. */
#define SEAM_CLOUD_PROFILE_CACHE_SIZE 16

/* The Profile state of one worker: the cache. NULL when out of memory. */
seam_cloud_profiler *seam_cloud_profiler_create(void);
/* Frees the state and the cached results; accepts NULL. No call may be in
 * progress. */
void seam_cloud_profiler_free(seam_cloud_profiler *profiler);

/* Answers one Profile call (svc->profiler holds the state). */
void seam_cloud_handle_profile(const seam_cloud_service *svc, const seam_grpc_request *req,
                               seam_grpc_response *r);

#endif

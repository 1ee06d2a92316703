/* The cloud worker's request handlers: Infer and InferStream
 * (cloud/infer_service.c), Profile (cloud/profile_service.c), ModelInfo,
 * Echo and the standard health Check, answered from a model repository.
 * They see serialized messages in and out (protocol/grpc_server.h), never
 * gRPC. InferStream answers each InferRequest of the stream exactly as
 * Infer does, with its error (if any) in the reply's status.
 *
 * The handlers run on the transport's threads and never wait for compute:
 * they parse and validate (every refusal is answered there, at once), answer
 * the cheap calls, and defer the rest as jobs on the compute queues
 * (cloud/scheduler.h). What one request may make the worker hold or do is
 * bounded by the limits below (docs/reliability.md lists them all). */
#ifndef SEAM_CLOUD_SERVICE_H
#define SEAM_CLOUD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "cloud/repository.h"
#include "cloud/scheduler.h"
#include "protocol/grpc_server.h"

typedef struct seam_cloud_profiler seam_cloud_profiler;
typedef struct seam_cloud_variants seam_cloud_variants;

typedef struct seam_cloud_limits {
  size_t max_message_bytes;  /* the transport's limit, also caps replies */
  size_t max_tensor_bytes;   /* largest decoded tensor accepted */
  size_t max_request_bytes;  /* what one run may allocate: decoded inputs, activations, outputs */
  int64_t max_batch;         /* leading dimension of every given tensor of rank >= 2 */
  size_t max_echo_bytes;     /* largest Echo reply payload */
  int profile_timeout_ms;    /* deadline of a Profile call that has none (or a later one) */
} seam_cloud_limits;

typedef struct seam_cloud_service {
  const seam_cloud_repo *repo;
  seam_cloud_limits limits;
  int threads;
  FILE *log;                /* one line per request; NULL: none */
  int debug_delay_ms;       /* testing aid: sleep this long before each Infer
                               (and InferStream message) starts its work, as
                               if it had queued */
  seam_cloud_profiler *profiler; /* Profile's cache; NULL: Profile is UNAVAILABLE */
  /* Queue i runs the model repo->models[i] (failed entries have a queue
   * that is never used); queue repo->n_models runs Profile. */
  seam_cloud_scheduler *scheduler;
  /* Variants of the models that keep tensors optimization removed, for
   * requests that name them (cloud/cut_variants.h); NULL: none, such
   * requests are refused. */
  seam_cloud_variants *variants;
} seam_cloud_service;

/* The queue of the Profile jobs. */
#define SEAM_CLOUD_PROFILE_QUEUE(svc) ((svc)->repo->n_models)

/* The method paths the service answers, in handler order, and which of
 * them are bidirectional streams (seam_grpc_server_config.streaming). */
extern const char *const seam_cloud_methods[];
extern const unsigned char seam_cloud_method_streaming[];
extern const size_t seam_cloud_method_count;

/* The seam_grpc_handler: user is a seam_cloud_service. */
void seam_cloud_handle(void *user, const seam_grpc_request *request, seam_grpc_response *response);

/* The queue layout for svc's repository: one per model with `lanes`
 * threads and max_waiting waiting jobs (max_waiting_bytes of requests),
 * then Profile's. queues must hold repo->n_models + 1 entries. */
void seam_cloud_queue_layout(const seam_cloud_repo *repo, int lanes, int max_waiting,
                             size_t max_waiting_bytes, seam_cloud_queue_config *queues);

/* For the handlers in other files. */
/* Sets r's code and message (printf-style). */
void seam_cloud_set_status(seam_grpc_response *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Writes the request's log line: method, request id and model (client text
 * made log-safe), status, total_us, then fields (" key=value ...", may be
 * NULL) and the status message. */
void seam_cloud_log_line(const seam_cloud_service *svc, const char *method, const char *request_id,
                         const char *model, const seam_grpc_response *r, uint64_t total_us,
                         const char *fields);
/* Packs msg into r's data, or sets RESOURCE_EXHAUSTED when it is over the
 * message limit or memory runs out. */
void seam_cloud_pack_reply(const seam_cloud_service *svc, const ProtobufCMessage *msg,
                           seam_grpc_response *r);
/* The served model under name: NULL with NOT_FOUND (no such model) or
 * UNAVAILABLE (it failed to load, with why) set in r. */
const seam_cloud_model *seam_cloud_find_model(const seam_cloud_service *svc, const char *name,
                                              seam_grpc_response *r);
/* Checks a request's SHA-256 against the model's; sets FAILED_PRECONDITION
 * naming both hashes and returns false on a mismatch or a hash that is not
 * 32 bytes. */
bool seam_cloud_check_sha(const seam_cloud_model *m, ProtobufCBinaryData sha, seam_grpc_response *r);
/* The index of m in the repository (its queue). */
size_t seam_cloud_model_index(const seam_cloud_service *svc, const seam_cloud_model *m);

/* Infer and InferStream messages (cloud/infer_service.c). */
void seam_cloud_handle_infer(const seam_cloud_service *svc, const seam_grpc_request *req,
                             const char *method, seam_grpc_response *r);

#endif

/* The cloud worker's request handlers: Infer, InferStream, ModelInfo, Echo,
 * Profile (cloud/profile_service.h) and the standard health Check, answered
 * from a model repository. They see serialized messages in and out
 * (protocol/grpc_server.h), never gRPC. InferStream answers each
 * InferRequest of the stream exactly as Infer does, with its error (if any)
 * in the reply's status. */
#ifndef SEAM_CLOUD_SERVICE_H
#define SEAM_CLOUD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

#include "cloud/repository.h"
#include "protocol/grpc_server.h"

typedef struct seam_cloud_profiler seam_cloud_profiler;

typedef struct seam_cloud_service {
  const seam_cloud_repo *repo;
  size_t max_message_bytes; /* the transport's limit, also caps Echo replies */
  size_t max_tensor_bytes;  /* largest decoded tensor accepted */
  int threads;
  FILE *log;                /* one line per request; NULL: none */
  int debug_delay_ms;       /* testing aid: sleep this long before each Infer
                               (and InferStream message) starts its work, as
                               if it had queued */
  seam_cloud_profiler *profiler; /* Profile's state; NULL: Profile is UNAVAILABLE */
} seam_cloud_service;

/* The method paths the service answers, in handler order, and which of
 * them are bidirectional streams (seam_grpc_server_config.streaming). */
extern const char *const seam_cloud_methods[];
extern const unsigned char seam_cloud_method_streaming[];
extern const size_t seam_cloud_method_count;

/* The seam_grpc_handler: user is a seam_cloud_service. */
void seam_cloud_handle(void *user, const seam_grpc_request *request, seam_grpc_response *response);

/* For the handlers in other files. */
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
/* Checks a request's SHA-256 against the model's; sets FAILED_PRECONDITION
 * naming both hashes and returns false on a mismatch or a hash that is not
 * 32 bytes. */
bool seam_cloud_check_sha(const seam_cloud_model *m, ProtobufCBinaryData sha, seam_grpc_response *r);

#endif

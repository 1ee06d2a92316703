/* The cloud worker's request handlers: Infer, InferStream, ModelInfo, Echo
 * and the standard health Check, answered from a model repository. They see
 * serialized messages in and out (protocol/grpc_server.h), never gRPC.
 * InferStream answers each InferRequest of the stream exactly as Infer
 * does, with its error (if any) in the reply's status. */
#ifndef SEAM_CLOUD_SERVICE_H
#define SEAM_CLOUD_SERVICE_H

#include <stddef.h>
#include <stdio.h>

#include "cloud/repository.h"
#include "protocol/grpc_server.h"

typedef struct seam_cloud_service {
  const seam_cloud_repo *repo;
  size_t max_message_bytes; /* the transport's limit, also caps Echo replies */
  size_t max_tensor_bytes;  /* largest decoded tensor accepted */
  int threads;
  FILE *log;                /* one line per request; NULL: none */
  int debug_delay_ms;       /* testing aid: sleep this long before each Infer
                               (and InferStream message) starts its work, as
                               if it had queued */
} seam_cloud_service;

/* The method paths the service answers, in handler order, and which of
 * them are bidirectional streams (seam_grpc_server_config.streaming). */
extern const char *const seam_cloud_methods[];
extern const unsigned char seam_cloud_method_streaming[];
extern const size_t seam_cloud_method_count;

/* The seam_grpc_handler: user is a seam_cloud_service. */
void seam_cloud_handle(void *user, const seam_grpc_request *request, seam_grpc_response *response);

#endif

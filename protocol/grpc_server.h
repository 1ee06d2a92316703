/* A unary gRPC server on the gRPC C core API (libgrpc 1.51).
 *
 * Internal to seam. Every gRPC call seam makes on the server side lives in
 * grpc_server.c: gRPC core has no compatibility promise, so the rest of seam
 * (cloud/) sees only this header, which exposes no gRPC type.
 *
 * The server registers the methods it is given, keeps one request outstanding
 * per method (re-requested as soon as a call arrives) plus one generic request
 * that answers every other method with UNIMPLEMENTED (without it a call to an
 * unknown method would hang until its deadline), and runs `threads` threads
 * on one completion queue. Each call is handed to the handler on the thread
 * that dequeued it; the handler returns the reply bytes and a status, and the
 * server sends both in one batch. Message-size limits are channel arguments:
 * a larger request fails with RESOURCE_EXHAUSTED before the handler runs. */
#ifndef SEAM_PROTOCOL_GRPC_SERVER_H
#define SEAM_PROTOCOL_GRPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/rpc_status.h"
#include "seam/status.h"

/* One incoming unary call. The pointers are valid during the handler only. */
typedef struct seam_grpc_request {
  int method;              /* index into seam_grpc_server_config.methods */
  const char *method_name; /* "/seam.v1.Seam/Infer" */
  const uint8_t *data;     /* the serialized request message */
  size_t size;
  int64_t received_ns;     /* CLOCK_MONOTONIC when the call was dequeued */
  int64_t deadline_ns;     /* the call's deadline on CLOCK_MONOTONIC; INT64_MAX when none */
} seam_grpc_request;

/* What the handler answers. The server zero-fills it before the handler runs. */
typedef struct seam_grpc_response {
  int code;                /* a seam_rpc_code */
  char message[512];       /* status message; "" when code is OK */
  uint8_t *data;           /* serialized reply (malloc'd; the server frees it), or NULL */
  size_t size;
} seam_grpc_response;

typedef void (*seam_grpc_handler)(void *user, const seam_grpc_request *request,
                                  seam_grpc_response *response);

typedef struct seam_grpc_server_config {
  const char *listen;           /* "HOST:PORT"; port 0 lets the system pick */
  const char *const *methods;   /* full paths, "/pkg.Service/Method" */
  size_t n_methods;
  seam_grpc_handler handler;
  void *user;
  int threads;                  /* threads on the completion queue, >= 1 */
  size_t max_message_bytes;     /* receive and send limit, > 0 */
} seam_grpc_server_config;

typedef struct seam_grpc_server seam_grpc_server;

/* Initializes gRPC, binds (insecure credentials), starts the server and its
 * threads. *bound_port (may be NULL) receives the port actually bound.
 * NULL with err filled (SEAM_ERR_IO when the address cannot be bound,
 * SEAM_ERR_INVALID_ARGUMENT for a bad config). */
seam_grpc_server *seam_grpc_server_start(const seam_grpc_server_config *config, int *bound_port,
                                         seam_error *err);

/* Stops accepting calls, lets calls in flight finish (cancelling them after
 * drain_ms), shuts the completion queue down, joins the threads, destroys
 * the server and releases gRPC. Accepts NULL. */
void seam_grpc_server_stop(seam_grpc_server *server, int drain_ms);

#endif

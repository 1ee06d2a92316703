/* A gRPC server on the gRPC C core API (libgrpc 1.51): unary methods and
 * bidirectional streaming methods.
 *
 * Internal to seam. Every gRPC call seam makes on the server side lives in
 * grpc_server.c and grpc_server_stream.c: gRPC core has no compatibility
 * promise, so the rest of seam (cloud/) sees only this header, which exposes
 * no gRPC type.
 *
 * The server registers the methods it is given, keeps one request outstanding
 * per method (re-requested as soon as a call arrives) plus one generic request
 * that answers every other method with UNIMPLEMENTED (without it a call to an
 * unknown method would hang until its deadline), and runs `threads` threads
 * on one completion queue. Each call is handed to the handler on the thread
 * that dequeued it; the handler returns the reply bytes and a status, and the
 * server sends both in one batch. Message-size limits are channel arguments:
 * a larger request fails with RESOURCE_EXHAUSTED before the handler runs.
 *
 * Streaming methods (config.streaming[i] set) use the same handler: each
 * message the client sends is one call of the handler (bytes in, bytes out)
 * and each response's data is sent as one message on the same stream. The
 * stream ends with OK once the client has half-closed and every reply is
 * sent. Messages of one stream overlap: up to stream_window of them are
 * being handled (on different threads) or waiting to be sent at once, and
 * replies go out in the order they are finished, not the order the requests
 * came in (clients match them by an id inside the message). When
 * stream_window replies wait for a client that does not read, the server
 * reads no further message from that stream (flow control instead of
 * buffering). A response with data is sent whatever its code, so a
 * per-message error belongs inside the reply message; a response without
 * data sends nothing and, when its code is not OK, ends the stream with
 * that code (after the replies already queued). A message over the
 * size limit, a client's cancel or the call's deadline end the whole stream
 * (gRPC's status); replies still being computed are then dropped. */
#ifndef SEAM_PROTOCOL_GRPC_SERVER_H
#define SEAM_PROTOCOL_GRPC_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/rpc_status.h"
#include "seam/status.h"

/* One incoming unary call, or one message of a stream. The pointers are
 * valid during the handler only. */
typedef struct seam_grpc_request {
  int method;              /* index into seam_grpc_server_config.methods */
  const char *method_name; /* "/seam.v1.Seam/Infer" */
  const uint8_t *data;     /* the serialized request message */
  size_t size;
  int64_t received_ns;     /* CLOCK_MONOTONIC when the call (the stream's
                              message) was dequeued */
  int64_t deadline_ns;     /* the call's deadline on CLOCK_MONOTONIC; INT64_MAX when none */
  uint64_t stream_seq;     /* streams: 1 for the first message, 2 ...; 0 for unary calls */
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
  /* n_methods flags: nonzero = a bidirectional streaming method; NULL = all
   * unary. */
  const unsigned char *streaming;
  /* Messages of one stream handled or waiting to be sent at once, 1..1024;
   * 0 = SEAM_GRPC_STREAM_WINDOW_DEFAULT. */
  int stream_window;
} seam_grpc_server_config;

#define SEAM_GRPC_STREAM_WINDOW_DEFAULT 4

typedef struct seam_grpc_server seam_grpc_server;

/* Initializes gRPC, binds (insecure credentials), starts the server and its
 * threads. *bound_port (may be NULL) receives the port actually bound.
 * NULL with err filled (SEAM_ERR_IO when the address cannot be bound,
 * SEAM_ERR_INVALID_ARGUMENT for a bad config). */
seam_grpc_server *seam_grpc_server_start(const seam_grpc_server_config *config, int *bound_port,
                                         seam_error *err);

/* Stops accepting calls, lets calls in flight finish (cancelling them after
 * drain_ms), shuts the completion queue down, joins the threads, destroys
 * the server and releases gRPC. Open streams stop reading, finish the
 * messages they have read, send those replies and end: with OK when the
 * client had half-closed, otherwise with UNAVAILABLE. Accepts NULL. */
void seam_grpc_server_stop(seam_grpc_server *server, int drain_ms);

#endif

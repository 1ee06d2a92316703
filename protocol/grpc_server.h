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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

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
  void *transport;         /* the transport's own; seam_grpc_defer reads it */
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
  /* What a peer may hold (0 = the defaults below). A connection accepted
   * while max_connections are open, or when the process is within
   * SEAM_GRPC_FD_RESERVE descriptors of its limit, is closed at once (its
   * client sees UNAVAILABLE) instead of letting the listener run out of
   * descriptors. */
  int max_connections;
  int handshake_timeout_ms;        /* a connection that has not finished HTTP/2 setup is closed */
  int idle_timeout_ms;             /* a connection without calls for this long is closed (GOAWAY) */
  int max_streams_per_connection;  /* calls open at once on one connection */
  /* Reply bytes handed to gRPC and not yet sent (clients that read slowly or
   * not at all); a reply that would go over is replaced by its status alone,
   * RESOURCE_EXHAUSTED. */
  size_t max_unsent_reply_bytes;
  /* gRPC's own buffers of all connections (requests arriving, frames
   * waiting): its memory quota, under whose pressure it shrinks flow-control
   * windows and refuses new streams. */
  size_t max_transport_bytes;
  FILE *log;                       /* connection refusals, one line per second at most; NULL: none */
} seam_grpc_server_config;

#define SEAM_GRPC_STREAM_WINDOW_DEFAULT 4
#define SEAM_GRPC_MAX_CONNECTIONS_DEFAULT 4096
#define SEAM_GRPC_HANDSHAKE_TIMEOUT_MS_DEFAULT 10000
#define SEAM_GRPC_IDLE_TIMEOUT_MS_DEFAULT 300000
#define SEAM_GRPC_MAX_STREAMS_DEFAULT 100
/* The shortest interval between a client's pings the server accepts without
 * sending data (GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS; a
 * client that pings faster is told "too many pings" and disconnected after
 * two strikes). gRPC's 5 min would disconnect a client whose keepalive
 * watches a long call. */
#define SEAM_GRPC_MIN_PING_INTERVAL_MS 500
#define SEAM_GRPC_MAX_UNSENT_REPLY_BYTES_DEFAULT ((size_t)256 << 20)
#define SEAM_GRPC_MAX_TRANSPORT_BYTES_DEFAULT ((size_t)1 << 30)
/* Descriptors kept free (a third of the limit when that is less) for
 * everything that is not a connection (model
 * files, gRPC's own wakeup fds, logs) and for the connections one pass of
 * gRPC's accept loop takes before any is closed (the listen backlog is
 * lowered to SEAM_GRPC_LISTEN_BACKLOG to bound that pass). */
#define SEAM_GRPC_FD_RESERVE 256
#define SEAM_GRPC_LISTEN_BACKLOG 64

/* Counters of the connection guard, for logs and tests. */
typedef struct seam_grpc_server_stats {
  uint64_t connections_accepted;
  uint64_t connections_refused;
  int connections_open;   /* accepted and not yet seen closed (an upper bound) */
  int fd_limit;           /* the soft RLIMIT_NOFILE the guard works with */
  bool guard_active;      /* false when gRPC did not call the guard (see grpc_socket_guard.h) */
} seam_grpc_server_stats;

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
 * client had half-closed, otherwise with UNAVAILABLE. Accepts NULL.
 *
 * Returns false when gRPC's own release was still running after
 * SEAM_GRPC_RELEASE_WAIT_MS: a write to a client that never read leaves
 * gRPC's backup poller asleep for up to 10 s, and nothing of the worker's
 * depends on it. The caller may then end the process with _exit once its
 * own state is released and its logs flushed; returning from main would run
 * gRPC's static destructors under that thread. */
#define SEAM_GRPC_RELEASE_WAIT_MS 1000
bool seam_grpc_server_stop(seam_grpc_server *server, int drain_ms);

/* A snapshot of the connection guard's counters. */
void seam_grpc_server_get_stats(seam_grpc_server *server, seam_grpc_server_stats *stats);

/* ---- Deferred replies --------------------------------------------------
 *
 * A handler runs on one of the transport's few threads and must not wait
 * for long work (a model run, a lane, a queue). It may instead defer the
 * request: seam_grpc_defer, during the handler, returns a handle, and the
 * reply is given later from any thread with seam_grpc_complete. After the
 * handler returns, the transport sends nothing for a deferred request; the
 * call (or the stream's slot for that message) stays open until it is
 * completed. Every handle must be completed exactly once, also when the
 * call is over (the reply is then dropped): seam_grpc_server_stop waits for
 * every deferred request before it returns. */
typedef struct seam_grpc_pending seam_grpc_pending;

/* Defers request (valid during the handler only). NULL when out of memory:
 * the handler then answers at once. */
seam_grpc_pending *seam_grpc_defer(const seam_grpc_request *request);

/* Answers a deferred request with response (its data is taken over) and
 * frees the handle. Any thread. */
void seam_grpc_complete(seam_grpc_pending *pending, seam_grpc_response *response);

/* True once nobody waits for the answer: the client cancelled or went
 * away, the call's deadline passed, or its stream broke. Cheap (one atomic
 * load); long work polls it and stops. */
bool seam_grpc_pending_abandoned(const seam_grpc_pending *pending);

/* ---- In-process calls ----------------------------------------------------
 *
 * A handler called without the transport (a fuzz target, a test of the
 * handlers alone) may defer too: seam_grpc_local_attach gives the request
 * a transport of its own, and seam_grpc_local_wait returns the reply,
 * given at once or completed later from another thread. One call at a
 * time per record; a local request is never abandoned. */
typedef struct seam_grpc_local seam_grpc_local;

seam_grpc_local *seam_grpc_local_create(void); /* NULL when out of memory */
void seam_grpc_local_attach(seam_grpc_local *local, seam_grpc_request *request);

/* After the handler returned with *response: when it deferred, waits (at
 * most timeout_ms) for the completion and moves it into *response. False
 * when the deferred reply did not come in time (the record must then not be
 * freed: the completion still writes into it). */
bool seam_grpc_local_wait(seam_grpc_local *local, seam_grpc_response *response, int timeout_ms);
void seam_grpc_local_free(seam_grpc_local *local);

#endif

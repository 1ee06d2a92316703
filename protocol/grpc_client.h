/* A gRPC client on the gRPC C core API (libgrpc 1.51): unary calls and
 * bidirectional streams.
 *
 * Internal to seam; exposes no gRPC type. One channel per endpoint: gRPC
 * core reconnects a channel by itself after the connection drops (with
 * backoff), so a channel is opened once and shared. Calls and streams on one
 * channel may run from several threads at once; each uses its own
 * completion queue.
 *
 * Not yet: TLS, retries. */
#ifndef SEAM_PROTOCOL_GRPC_CLIENT_H
#define SEAM_PROTOCOL_GRPC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/rpc_status.h"
#include "seam/status.h"

typedef struct seam_grpc_channel seam_grpc_channel;

/* Opens an insecure channel to target ("HOST:PORT") with send and receive
 * limits of max_message_bytes (0 = gRPC's defaults: 4 MiB receive). Connects
 * lazily, at the first call. NULL with err filled on failure. */
seam_grpc_channel *seam_grpc_channel_open(const char *target, size_t max_message_bytes,
                                          seam_error *err);

/* What a channel may be tuned with; zero-initialize. */
typedef struct seam_grpc_channel_options {
  size_t max_message_bytes; /* send and receive limit; 0 = gRPC's defaults */
  /* The longest one connection attempt may take (TCP connect and the HTTP/2
   * handshake up to the server's first SETTINGS frame), in ms; 0 = gRPC's
   * 20 s. Set as both GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, which gRPC 1.51's
   * subchannel uses as its minimum connect timeout, and
   * GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS (the first attempt's deadline is
   * the later of the two). A call that is not wait-for-ready fails with
   * UNAVAILABLE when the attempt times out, and later calls fail at once
   * until the next attempt, after a backoff starting at this value. */
  int connect_timeout_ms;
  /* The longest wait between two connection attempts, in ms
   * (GRPC_ARG_MAX_RECONNECT_BACKOFF_MS); 0 = gRPC's 120 s. The backoff grows
   * by 1.6 per failed attempt and resets only once a connection is made, so
   * with gRPC's cap a peer that was away for a few seconds can stay
   * unreachable for tens of seconds after it is back. At least
   * connect_timeout_ms. */
  int max_reconnect_backoff_ms;
  /* While a call is in flight, a ping every keepalive_ms; one unanswered for
   * keepalive_timeout_ms (0: keepalive_ms) drops the connection (its calls
   * fail with UNAVAILABLE) and the channel connects anew. gRPC also sets
   * TCP_USER_TIMEOUT to keepalive_timeout_ms: bytes unacknowledged that
   * long drop the connection too. Without it a call on a link that went
   * dark waits for its deadline and the connection for TCP's retransmission
   * backoff, which after a long outage is many seconds past the link's
   * return. A ping waits behind the bytes already written, so a short
   * interval with a short timeout cuts slow uploads short; the timeout must
   * also cover a worker slow to read. 0 = none. The server must accept
   * pings this often (SEAM_GRPC_MIN_PING_INTERVAL_MS).
   * With keepalive the channel keeps a thread of its own polling gRPC's
   * sockets: gRPC core reads only while some thread waits on a completion
   * queue, and a stream's owner may compute for seconds between receives. */
  int keepalive_ms;
  int keepalive_timeout_ms;
} seam_grpc_channel_options;

/* seam_grpc_channel_open with options (NULL: all defaults). */
seam_grpc_channel *seam_grpc_channel_open_with(const char *target,
                                               const seam_grpc_channel_options *options,
                                               seam_error *err);

/* Closes the channel and releases gRPC; accepts NULL. */
void seam_grpc_channel_close(seam_grpc_channel *channel);

/* One unary call of method ("/pkg.Service/Method") with the serialized
 * request, within timeout_ms (<= 0: a deadline that has already passed).
 * Returns the call's status code (a seam_rpc_code); message (may be NULL)
 * receives the status message. *reply receives the reply message (malloc'd,
 * the caller frees it; NULL when none came) and *reply_size its size. */
int seam_grpc_call(seam_grpc_channel *channel, const char *method, const void *request,
                   size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                   char *message, size_t message_size);

/* The same, taking ownership of request (malloc'd; freed by gRPC once it is
 * sent, possibly after the call returns, and on every failure): saves
 * copying a large request. */
int seam_grpc_call_take(seam_grpc_channel *channel, const char *method, uint8_t *request,
                        size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                        char *message, size_t message_size);

/* seam_grpc_call_take for a call that should find the peer if it can be
 * reached within timeout_ms: the channel's reconnect backoff is reset and
 * the call waits for a connection (wait-for-ready) instead of failing at
 * once while the channel is between attempts. */
int seam_grpc_call_take_when_ready(seam_grpc_channel *channel, const char *method, uint8_t *request,
                                   size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                                   char *message, size_t message_size);

/* A bidirectional stream (grpc_client_stream.c). Thread-safety: one thread
 * may send (send, close_send) while another receives (recv, finish);
 * cancel may be called from any thread; free when no other call on the
 * stream runs. A stream must be freed before its channel is closed. */
typedef struct seam_grpc_stream seam_grpc_stream;

/* Opens a stream of method ("/pkg.Service/Method") on the channel, with a
 * deadline for the whole stream of timeout_ms (<= 0: none). Does not wait
 * for the connection: a worker that cannot be reached shows as a failed
 * send or an ended receive. NULL with err filled when gRPC refuses. */
seam_grpc_stream *seam_grpc_stream_open(seam_grpc_channel *channel, const char *method,
                                        int timeout_ms, seam_error *err);

/* Sends one message; returns once gRPC has accepted it (HTTP/2 flow control
 * may hold it while the server reads nothing). 0 on success; otherwise the
 * message was not sent and the stream is over for sending:
 * SEAM_RPC_DEADLINE_EXCEEDED when timeout_ms (< 0: no limit) passed first
 * (the stream is then cancelled), SEAM_RPC_UNAVAILABLE when the stream had
 * failed or ended (seam_grpc_stream_finish says why),
 * SEAM_RPC_FAILED_PRECONDITION after close_send. */
int seam_grpc_stream_send(seam_grpc_stream *stream, const void *data, size_t size,
                          int timeout_ms);

typedef enum seam_grpc_recv_result {
  SEAM_GRPC_RECV_MESSAGE = 0, /* *data (malloc'd, the caller frees it) and *size */
  SEAM_GRPC_RECV_END = 1,     /* no more messages (the server ended the stream, or it
                                 failed): seam_grpc_stream_finish gives the status */
  SEAM_GRPC_RECV_TIMEOUT = 2  /* nothing within timeout_ms; the stream goes on */
} seam_grpc_recv_result;

/* Receives the next message, waiting at most timeout_ms (< 0: no limit
 * beyond the stream's deadline; 0: only what has arrived). */
seam_grpc_recv_result seam_grpc_stream_recv(seam_grpc_stream *stream, uint8_t **data,
                                            size_t *size, int timeout_ms);

/* Half-closes: tells the server no more messages come. 0, or a code as for
 * send. */
int seam_grpc_stream_close_send(seam_grpc_stream *stream, int timeout_ms);

/* Waits up to timeout_ms (< 0: no limit beyond the stream's deadline) for
 * the stream's final status and returns its code; message (may be NULL)
 * receives the status message. When the status does not come in time the
 * stream is cancelled (SEAM_RPC_CANCELLED). Calling it again returns the
 * same status. */
int seam_grpc_stream_finish(seam_grpc_stream *stream, int timeout_ms, char *message,
                            size_t message_size);

/* Cancels the stream: operations waiting or to come fail at once. Any
 * thread, any time before free. */
void seam_grpc_stream_cancel(seam_grpc_stream *stream);

/* Cancels the stream unless its status was received, waits for gRPC to let
 * go of it and frees it. Accepts NULL. */
void seam_grpc_stream_free(seam_grpc_stream *stream);

#endif

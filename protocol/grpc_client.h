/* A unary gRPC client on the gRPC C core API (libgrpc 1.51).
 *
 * Internal to seam; exposes no gRPC type. One channel per endpoint: gRPC
 * core reconnects a channel by itself after the connection drops (with
 * backoff), so a channel is opened once and shared. Calls on one channel may
 * run from several threads at once; each call uses its own completion queue.
 *
 * Not yet: TLS, retries, streaming calls. */
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

#endif

/* Unary calls with protobuf-c messages, for the loopback tests. */
#ifndef SEAM_TESTS_CLOUD_RPC_H
#define SEAM_TESTS_CLOUD_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "protocol/grpc_client.h"

/* One unary call of method with msg packed; returns the call's code (-1
 * when out of memory). reply, reply_size and text as seam_grpc_call's. */
int rpc_call(seam_grpc_channel *ch, const char *method, const ProtobufCMessage *msg, int timeout_ms,
             uint8_t **reply, size_t *reply_size, char *text, size_t text_size);

/* Asks the standard health Check until it answers SERVING, for up to
 * seconds; false when it never did. */
bool rpc_wait_healthy(seam_grpc_channel *ch, double seconds);

#endif

/* The channel behind grpc_client.h, shared by grpc_client.c (channels,
 * unary calls) and grpc_client_stream.c (streams). Only those two files
 * include it. */
#ifndef SEAM_PROTOCOL_GRPC_CLIENT_IMPL_H
#define SEAM_PROTOCOL_GRPC_CLIENT_IMPL_H

#include <grpc/grpc.h>

#include "protocol/grpc_client.h"

struct seam_grpc_channel {
  grpc_channel *channel;
};

#endif

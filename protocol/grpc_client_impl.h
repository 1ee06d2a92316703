/* The channel behind grpc_client.h, shared by grpc_client.c (channels,
 * unary calls) and grpc_client_stream.c (streams). Only those two files
 * include it. */
#ifndef SEAM_PROTOCOL_GRPC_CLIENT_IMPL_H
#define SEAM_PROTOCOL_GRPC_CLIENT_IMPL_H

#include <grpc/grpc.h>
#include <pthread.h>
#include <stdbool.h>

#include "protocol/grpc_client.h"

struct seam_grpc_channel {
  grpc_channel *channel;
  /* With keepalive: a thread waiting on an empty queue of its own, which
   * makes it one of gRPC's pollers (grpc_client.c). */
  grpc_completion_queue *io_queue;
  pthread_t io_thread;
  bool io_running;
};

#endif

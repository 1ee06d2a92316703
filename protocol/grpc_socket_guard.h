/* The gRPC server's connection guard: it sees every socket gRPC core opens
 * for the server and keeps the listener alive whatever peers do.
 *
 * Why: gRPC core 1.51's accept loop treats any accept4 error other than
 * EAGAIN/EINTR as fatal for the listener. A peer that opens connections until
 * the process runs out of descriptors (EMFILE) therefore stops the worker
 * accepting for good, even after those sockets close. The guard is a socket
 * mutator (GRPC_ARG_SOCKET_MUTATOR): gRPC calls it for each listening socket
 * and each accepted connection. It refuses a connection (shutdown(2), so
 * gRPC closes it at once and its client sees UNAVAILABLE) when
 * max_connections are open or when the connection's descriptor is within
 * SEAM_GRPC_FD_RESERVE of the soft descriptor limit, and it lowers the
 * listen backlog so that one pass of the accept loop cannot take the
 * reserve.
 *
 * Internal to grpc_server.c. */
#ifndef SEAM_PROTOCOL_GRPC_SOCKET_GUARD_H
#define SEAM_PROTOCOL_GRPC_SOCKET_GUARD_H

#include <stdbool.h>
#include <stdio.h>

#include <grpc/grpc.h>

#include "protocol/grpc_server.h"

typedef struct seam_grpc_socket_guard seam_grpc_socket_guard;

/* A guard allowing max_connections (> 0) open connections; refusals are
 * logged to log (may be NULL), one line per second at most. NULL when out
 * of memory. */
seam_grpc_socket_guard *seam_grpc_socket_guard_create(int max_connections, FILE *log);

/* The channel argument that installs the guard on a server (valid while
 * the caller holds its reference). */
grpc_arg seam_grpc_socket_guard_arg(seam_grpc_socket_guard *guard);

/* After grpc_server_start: lowers the backlog of every listening socket
 * gRPC showed the guard. Returns false when gRPC showed it none (the guard
 * then cannot work: its ABI assumptions do not hold for this gRPC build). */
bool seam_grpc_socket_guard_started(seam_grpc_socket_guard *guard);

/* The counters (grpc_server.h). */
void seam_grpc_socket_guard_stats(seam_grpc_socket_guard *guard, seam_grpc_server_stats *stats);

/* Drops the caller's reference; gRPC may hold its own until its listener
 * and connections are gone. Accepts NULL. */
void seam_grpc_socket_guard_release(seam_grpc_socket_guard *guard);

#endif

/* Internals shared by grpc_server.c (server, unary calls) and
 * grpc_server_stream.c (bidirectional streams); grpc_local.c (in-process
 * calls) reads the handler context. Only these files include
 * this header: it is where gRPC types meet seam's server state.
 *
 * Every tag handed to gRPC points at a struct whose first member is a
 * server_tag_kind, so the completion-queue threads can tell what completed. */
#ifndef SEAM_PROTOCOL_GRPC_SERVER_IMPL_H
#define SEAM_PROTOCOL_GRPC_SERVER_IMPL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <grpc/grpc.h>

#include "protocol/grpc_server.h"

#define GENERIC_METHOD (-1)

typedef enum server_tag_kind {
  TAG_CALL_WAITING,  /* a posted request: a new call arrived (or shutdown) */
  TAG_CALL_REPLYING, /* a unary reply batch completed */
  TAG_CALL_CLOSED,   /* a unary call's RECV_CLOSE_ON_SERVER completed: it is over */
  TAG_STREAM_RECV,   /* a stream's RECV_MESSAGE completed */
  TAG_STREAM_SEND,   /* a stream's SEND_MESSAGE completed */
  TAG_STREAM_STATUS, /* a stream's SEND_STATUS_FROM_SERVER completed */
  TAG_STREAM_CLOSE   /* a stream's RECV_CLOSE_ON_SERVER completed: the call is over */
} server_tag_kind;

typedef struct call_state call_state;

/* The tag of a unary call's close batch (its second tag). */
typedef struct close_tag {
  server_tag_kind kind; /* TAG_CALL_CLOSED */
  call_state *c;
} close_tag;

/* A unary call from its arrival to the end of its last batch. References:
 * the thread handling it (until the reply batch is started, or until a
 * deferred reply is completed), the close batch and the reply batch; the
 * state is freed when the last one goes. */
struct call_state {
  server_tag_kind kind; /* first: the tag's kind */
  seam_grpc_server *srv;
  int method; /* index, or GENERIC_METHOD */
  grpc_call *call;
  gpr_timespec deadline;        /* registered methods */
  grpc_call_details details;    /* generic requests */
  grpc_metadata_array request_md;
  grpc_byte_buffer *payload;
  grpc_byte_buffer *reply;
  size_t reply_bytes;           /* counted in the server's unsent bytes until the batch ends */
  grpc_slice status_details;
  int cancelled;
  close_tag closing;
  atomic_int refs;
  atomic_bool over;             /* the close completed before a reply: nobody waits */
};

typedef struct stream_state stream_state;

/* What a handler's seam_grpc_request.transport points at while it runs. */
typedef struct handler_context {
  call_state *call;  /* a unary call, or NULL */
  stream_state *st;  /* a stream message, or NULL */
  seam_grpc_local *local; /* an in-process call (grpc_local.c), or NULL */
  int64_t deadline_ns;
  bool deferred;     /* seam_grpc_defer was called */
} handler_context;

struct seam_grpc_pending {
  call_state *call;
  stream_state *st;
  seam_grpc_local *local;
};

/* grpc_local.c: the completion of an in-process call. */
void seam_grpc_local_complete(seam_grpc_local *local, seam_grpc_response *response);

struct seam_grpc_server {
  grpc_server *server;
  grpc_completion_queue *cq;
  void **registered; /* one handle per method */
  char **methods;
  bool *streaming;   /* per method */
  size_t n_methods;
  seam_grpc_handler handler;
  void *user;
  int stream_window;
  pthread_t *threads;
  int n_threads;
  atomic_bool shutting_down;
  int shutdown_tag; /* its address is the tag */
  pthread_mutex_t lock; /* shutdown_done, draining, the stream list, counts */
  pthread_cond_t cond;
  bool shutdown_done;
  int posted; /* requests posted whose tag has not come back */
  int active; /* calls being handled (unary or stream) */
  bool queue_shut; /* grpc_completion_queue_shutdown called (under lock) */
  bool draining;        /* streams still open are told to end */
  stream_state *streams; /* open streams (for the drain at shutdown) */
  size_t max_unsent_reply_bytes;
  atomic_size_t unsent_reply_bytes; /* replies handed to gRPC, batch not completed */
  struct seam_grpc_socket_guard *guard;
};

/* A gRPC deadline on seam's monotonic clock (common/clock.h), in ns
 * (INT64_MAX: none). */
int64_t seam_grpc_deadline_ns(gpr_timespec deadline, int64_t now_ns);

/* Runs the handler on one request message (a unary call's, or one of a
 * stream's): fills the request (times, deadline, stream_seq; 0 for unary),
 * reads the payload and calls the handler, or answers INTERNAL when the
 * payload cannot be read. resp must be zeroed; its message ends up
 * NUL-terminated. */
void seam_grpc_run_handler(seam_grpc_server *s, int method, gpr_timespec deadline,
                           int64_t received, uint64_t stream_seq, grpc_byte_buffer *payload,
                           handler_context *ctx, seam_grpc_response *resp);

/* Reserves size bytes of the server's unsent-reply budget; false (nothing
 * reserved) when they do not fit. seam_grpc_unsent_release gives them back
 * once gRPC is done with the reply. */
bool seam_grpc_unsent_reserve(seam_grpc_server *s, size_t size);
void seam_grpc_unsent_release(seam_grpc_server *s, size_t size);
/* A reply that did not fit: its data is dropped, and the status says why. */
void seam_grpc_reply_over_budget(seam_grpc_server *s, seam_grpc_response *resp);

/* Frees a call_state (unrefs its call); accepts NULL. */
void seam_grpc_call_state_free(call_state *c);

/* A call the server counted as active is over (its state is freed). The
 * drain at shutdown ends early once no call is active. */
void seam_grpc_server_call_done(seam_grpc_server *s);

/* A new call of a streaming method: takes the call out of c (and frees c)
 * and starts the stream. */
void seam_grpc_stream_begin(call_state *c);

/* A completed stream batch: tag is one of the stream's tags. */
void seam_grpc_stream_event(void *tag, bool success);

/* Shutdown: every open stream stops reading, finishes the messages it has,
 * then ends (OK when the client had half-closed, else UNAVAILABLE). */
void seam_grpc_streams_drain(seam_grpc_server *s);

/* Deferred stream messages: the message's slot stays taken (and the stream
 * referenced) until its reply is completed. */
void seam_grpc_stream_defer(stream_state *st);
void seam_grpc_stream_complete(stream_state *st, seam_grpc_response *resp);
bool seam_grpc_stream_abandoned(const stream_state *st);

#endif

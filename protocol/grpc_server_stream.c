/* Bidirectional streaming calls of the gRPC server (see grpc_server.h).
 *
 * One stream_state per call, guarded by its mutex; every grpc_call_start_batch
 * on the call happens under that mutex, so batches of one call never race.
 * In flight at once: one RECV_CLOSE_ON_SERVER (started with the stream, it
 * completes when the call is over and says whether it was cancelled), at
 * most one RECV_MESSAGE, at most one SEND_MESSAGE, and finally one
 * SEND_STATUS_FROM_SERVER.
 *
 *   message read ──> handler (on the thread that dequeued it, lock released)
 *        │                 └──> reply queued ──> sent one at a time
 *        └──> next RECV_MESSAGE posted at once while fewer than
 *             stream_window messages are outstanding (read, reply not yet
 *             sent): messages overlap, and a client that does not read its
 *             replies stops the reading (flow control) instead of growing
 *             the queue.
 *
 * The stream ends with a status once nothing is outstanding and either the
 * client half-closed (OK), a handler returned no data (its code), or the
 * server drains (UNAVAILABLE). A failed send, or the call's cancellation
 * (client cancel, deadline, message over the size limit), marks it broken:
 * queued replies are dropped and no status is sent. The state is freed when
 * the last of its batches completes and no handler runs (refs == 0). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>

#include "common/clock.h"
#include "protocol/grpc_server_impl.h"

typedef struct stream_tag {
  server_tag_kind kind; /* first: see grpc_server_impl.h */
  stream_state *st;
} stream_tag;

typedef struct reply_node {
  struct reply_node *next;
  grpc_byte_buffer *buf;
  size_t bytes; /* counted in the server's unsent reply bytes */
} reply_node;

struct stream_state {
  seam_grpc_server *srv;
  int method;
  grpc_call *call;
  gpr_timespec deadline;
  pthread_mutex_t lock;
  stream_tag recv_tag, send_tag, status_tag, close_tag;
  grpc_byte_buffer *recv_buf; /* RECV_MESSAGE's target */
  grpc_byte_buffer *sending;  /* the message of the SEND_MESSAGE in flight */
  size_t sending_bytes;
  reply_node *head, *tail;    /* replies waiting to be sent */
  size_t outstanding;         /* messages read whose reply is not sent yet */
  int refs;                   /* batches in flight (+ the one being handled) */
  uint64_t seq;               /* messages read */
  int cancelled;              /* RECV_CLOSE_ON_SERVER's answer */
  bool recv_pending, send_pending, metadata_sent, status_started;
  bool read_done;             /* the client half-closed (or the call failed) */
  bool draining;              /* the server shuts down: read nothing more */
  bool broken;                /* cancelled or a send failed: no more batches */
  bool dead;                  /* refs reached 0; being freed */
  atomic_bool abandoned;      /* broken: deferred work may stop (read without the lock) */
  int end_code;               /* a handler's end-of-stream code, else OK */
  char end_message[256];
  stream_state *prev, *next;  /* the server's list of open streams */
};

static void drop_replies(stream_state *st) {
  while (st->head) {
    reply_node *n = st->head;
    st->head = n->next;
    grpc_byte_buffer_destroy(n->buf);
    seam_grpc_unsent_release(st->srv, n->bytes);
    free(n);
    st->outstanding--;
  }
  st->tail = NULL;
}

/* Nothing more is sent on the stream; queued replies are dropped. */
static void mark_broken(stream_state *st) {
  st->broken = true;
  atomic_store(&st->abandoned, true);
  drop_replies(st);
}

/* gRPC refused a batch (it should not): end the call so that its close
 * completes and the state is freed. */
static void fail_stream(stream_state *st) {
  mark_broken(st);
  grpc_call_cancel(st->call, NULL);
}

static void post_recv(stream_state *st) {
  if (st->recv_pending || st->read_done || st->broken || st->draining || st->status_started ||
      st->end_code != SEAM_RPC_OK)
    return;
  if (st->outstanding + 1 > (size_t)st->srv->stream_window) return; /* flow control */
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_MESSAGE;
  op.data.recv_message.recv_message = &st->recv_buf;
  if (grpc_call_start_batch(st->call, &op, 1, &st->recv_tag, NULL) != GRPC_CALL_OK) {
    fail_stream(st);
    return;
  }
  st->recv_pending = true;
  st->refs++;
}

static void start_send(stream_state *st) {
  if (st->send_pending || !st->head || st->broken) return;
  reply_node *n = st->head;
  st->head = n->next;
  if (!st->head) st->tail = NULL;
  st->sending = n->buf;
  st->sending_bytes = n->bytes;
  free(n);
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  size_t k = 0;
  if (!st->metadata_sent) ops[k++].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[k].op = GRPC_OP_SEND_MESSAGE;
  ops[k++].data.send_message.send_message = st->sending;
  if (grpc_call_start_batch(st->call, ops, k, &st->send_tag, NULL) != GRPC_CALL_OK) {
    grpc_byte_buffer_destroy(st->sending);
    st->sending = NULL;
    seam_grpc_unsent_release(st->srv, st->sending_bytes);
    st->sending_bytes = 0;
    st->outstanding--;
    fail_stream(st);
    return;
  }
  st->metadata_sent = true;
  st->send_pending = true;
  st->refs++;
}

/* Sends the status once the stream has ended and every reply is out. */
static void maybe_finish(stream_state *st) {
  if (st->status_started || st->broken) return;
  bool ending = st->read_done || st->draining || st->end_code != SEAM_RPC_OK;
  if (!ending || st->outstanding || st->send_pending || st->head) return;
  int code = st->end_code;
  const char *message = st->end_message;
  if (code == SEAM_RPC_OK && !st->read_done) {
    code = SEAM_RPC_UNAVAILABLE;
    message = "the worker is shutting down; requests not answered on this stream were not read";
  }
  grpc_slice details = grpc_slice_from_copied_string(message);
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  size_t k = 0;
  if (!st->metadata_sent) ops[k++].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[k].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[k].data.send_status_from_server.status = (grpc_status_code)code;
  ops[k++].data.send_status_from_server.status_details = message[0] ? &details : NULL;
  grpc_call_error e = grpc_call_start_batch(st->call, ops, k, &st->status_tag, NULL);
  grpc_slice_unref(details); /* gRPC does not keep the pointer */
  if (e != GRPC_CALL_OK) {
    fail_stream(st);
    return;
  }
  st->metadata_sent = true;
  st->status_started = true;
  st->refs++;
}

static void stream_free(stream_state *st) {
  seam_grpc_server *s = st->srv;
  pthread_mutex_lock(&s->lock);
  if (st->prev) st->prev->next = st->next;
  else s->streams = st->next;
  if (st->next) st->next->prev = st->prev;
  pthread_mutex_unlock(&s->lock);
  seam_grpc_server_call_done(s);
  drop_replies(st);
  if (st->recv_buf) grpc_byte_buffer_destroy(st->recv_buf);
  if (st->sending) {
    grpc_byte_buffer_destroy(st->sending);
    seam_grpc_unsent_release(s, st->sending_bytes);
  }
  grpc_call_unref(st->call);
  pthread_mutex_destroy(&st->lock);
  free(st);
}

/* Drops one reference (under the lock); unlocks; frees the state when it
 * was the last. */
static void unref_unlock(stream_state *st) {
  bool dead = --st->refs == 0;
  if (dead) st->dead = true;
  pthread_mutex_unlock(&st->lock);
  if (dead) stream_free(st);
}

/* Queues a handler's reply (lock held). The reply's bytes become the
 * message without a copy. */
static void queue_reply(stream_state *st, seam_grpc_response *resp) {
  if (resp->data && !seam_grpc_unsent_reserve(st->srv, resp->size))
    seam_grpc_reply_over_budget(st->srv, resp);
  grpc_byte_buffer *reply = NULL;
  reply_node *node = NULL;
  size_t bytes = resp->data ? resp->size : 0;
  if (resp->data) {
    node = malloc(sizeof *node);
    if (node) {
      grpc_slice slice = grpc_slice_new(resp->data, resp->size, free);
      reply = grpc_raw_byte_buffer_create(&slice, 1);
      grpc_slice_unref(slice);
    } else {
      free(resp->data);
      seam_grpc_unsent_release(st->srv, bytes);
      resp->code = SEAM_RPC_RESOURCE_EXHAUSTED;
      snprintf(resp->message, sizeof resp->message, "out of memory queueing a reply");
    }
    resp->data = NULL;
  }
  if (reply && !st->broken && !st->status_started) {
    node->buf = reply;
    node->bytes = bytes;
    node->next = NULL;
    if (st->tail) st->tail->next = node;
    else st->head = node;
    st->tail = node;
  } else {
    if (reply) {
      grpc_byte_buffer_destroy(reply);
      seam_grpc_unsent_release(st->srv, bytes);
    }
    free(node);
    if (!reply && st->end_code == SEAM_RPC_OK && resp->code != SEAM_RPC_OK) {
      st->end_code = resp->code;
      snprintf(st->end_message, sizeof st->end_message, "%s", resp->message);
    }
    st->outstanding--;
  }
}

/* Runs the handler on one message (lock not held); returns with the lock
 * held, the reply queued unless the handler deferred it. */
static void handle_message(stream_state *st, grpc_byte_buffer *buf, uint64_t seq,
                           int64_t received) {
  seam_grpc_response resp;
  memset(&resp, 0, sizeof resp);
  handler_context ctx = {.st = st};
  seam_grpc_run_handler(st->srv, st->method, st->deadline, received, seq, buf, &ctx, &resp);
  grpc_byte_buffer_destroy(buf);
  pthread_mutex_lock(&st->lock);
  if (!ctx.deferred) queue_reply(st, &resp);
}

void seam_grpc_stream_defer(stream_state *st) {
  pthread_mutex_lock(&st->lock);
  st->refs++; /* released by seam_grpc_stream_complete */
  pthread_mutex_unlock(&st->lock);
}

void seam_grpc_stream_complete(stream_state *st, seam_grpc_response *resp) {
  pthread_mutex_lock(&st->lock);
  queue_reply(st, resp);
  start_send(st);
  post_recv(st);
  maybe_finish(st);
  unref_unlock(st);
}

bool seam_grpc_stream_abandoned(const stream_state *st) { return atomic_load(&st->abandoned); }

static void on_recv(stream_state *st, bool success) {
  int64_t received = seam_clock_ns();
  pthread_mutex_lock(&st->lock);
  st->recv_pending = false;
  grpc_byte_buffer *buf = st->recv_buf;
  st->recv_buf = NULL;
  (void)success; /* no message: a half-close, or the call failed (its close says) */
  if (!buf) {
    st->read_done = true;
  } else if (st->broken || st->status_started || st->end_code != SEAM_RPC_OK) {
    grpc_byte_buffer_destroy(buf);
  } else {
    st->outstanding++;
    uint64_t seq = ++st->seq;
    post_recv(st); /* read the next message while this one is handled */
    pthread_mutex_unlock(&st->lock);
    handle_message(st, buf, seq, received); /* returns with the lock held */
  }
  start_send(st);
  post_recv(st);
  maybe_finish(st);
  unref_unlock(st);
}

static void on_send(stream_state *st, bool success) {
  pthread_mutex_lock(&st->lock);
  st->send_pending = false;
  grpc_byte_buffer_destroy(st->sending);
  st->sending = NULL;
  seam_grpc_unsent_release(st->srv, st->sending_bytes);
  st->sending_bytes = 0;
  st->outstanding--;
  if (!success) mark_broken(st);
  start_send(st);
  post_recv(st); /* a slot may have opened */
  maybe_finish(st);
  unref_unlock(st);
}

static void on_close(stream_state *st) {
  pthread_mutex_lock(&st->lock);
  if (st->cancelled) mark_broken(st);
  atomic_store(&st->abandoned, true); /* the call is over either way */
  unref_unlock(st);
}

void seam_grpc_stream_event(void *tag, bool success) {
  stream_tag *t = tag;
  switch (t->kind) {
    case TAG_STREAM_RECV:
      on_recv(t->st, success);
      break;
    case TAG_STREAM_SEND:
      on_send(t->st, success);
      break;
    case TAG_STREAM_CLOSE:
      on_close(t->st);
      break;
    default: /* TAG_STREAM_STATUS: the status went out (or the call had ended) */
      pthread_mutex_lock(&t->st->lock);
      unref_unlock(t->st);
  }
}

void seam_grpc_stream_begin(call_state *c) {
  seam_grpc_server *s = c->srv;
  stream_state *st = calloc(1, sizeof *st);
  if (!st) {
    grpc_call_cancel_with_status(c->call, GRPC_STATUS_RESOURCE_EXHAUSTED,
                                 "out of memory starting a stream", NULL);
    seam_grpc_call_state_free(c);
    seam_grpc_server_call_done(s);
    return;
  }
  st->srv = s;
  st->refs = 1; /* held while starting; set before the drain can see it */
  st->method = c->method;
  st->call = c->call;
  st->deadline = c->deadline;
  c->call = NULL;
  seam_grpc_call_state_free(c);
  pthread_mutex_init(&st->lock, NULL);
  atomic_init(&st->abandoned, false);
  st->recv_tag = (stream_tag){TAG_STREAM_RECV, st};
  st->send_tag = (stream_tag){TAG_STREAM_SEND, st};
  st->status_tag = (stream_tag){TAG_STREAM_STATUS, st};
  st->close_tag = (stream_tag){TAG_STREAM_CLOSE, st};

  pthread_mutex_lock(&s->lock);
  st->next = s->streams;
  if (s->streams) s->streams->prev = st;
  s->streams = st;
  st->draining = s->draining;
  pthread_mutex_unlock(&s->lock);

  pthread_mutex_lock(&st->lock);
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &st->cancelled;
  if (grpc_call_start_batch(st->call, &op, 1, &st->close_tag, NULL) == GRPC_CALL_OK) {
    st->refs++;
    post_recv(st);
    maybe_finish(st); /* a stream that arrives while the server drains */
  } else {
    st->broken = true;
    grpc_call_cancel(st->call, NULL);
  }
  unref_unlock(st);
}

void seam_grpc_streams_drain(seam_grpc_server *s) {
  pthread_mutex_lock(&s->lock);
  s->draining = true;
  for (stream_state *st = s->streams; st; st = st->next) {
    pthread_mutex_lock(&st->lock);
    if (!st->dead) {
      st->draining = true;
      maybe_finish(st);
    }
    pthread_mutex_unlock(&st->lock);
  }
  pthread_mutex_unlock(&s->lock);
}

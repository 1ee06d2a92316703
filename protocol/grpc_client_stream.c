/* Bidirectional streams of grpc_client.h on gRPC core 1.51.
 *
 * Each stream has its own pluck completion queue, so that a sending thread
 * and a receiving thread each wait for their own tag. gRPC core allows send
 * batches and receive batches to be started concurrently if each kind is
 * serialized: send_lock serializes the send side (initial metadata,
 * messages, half-close), recv_lock the receive side (initial metadata,
 * messages, status). A receive that times out leaves its batch in flight;
 * the next receive waits for the same batch. A send that times out cancels
 * the stream, since a send batch cannot be taken back. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "protocol/grpc_client_impl.h"

struct seam_grpc_stream {
  grpc_completion_queue *cq;
  grpc_call *call;
  char tags[3]; /* their addresses: send, recv, status */
  /* send side (send_lock) */
  pthread_mutex_t send_lock;
  bool send_pending, send_failed, send_closed;
  grpc_byte_buffer *send_buf;
  /* receive side (recv_lock) */
  pthread_mutex_t recv_lock;
  bool recv_pending, recv_ended, initial_md_asked, status_started, status_done;
  grpc_byte_buffer *recv_buf;
  grpc_metadata_array initial_md, trailing_md;
  grpc_status_code status;
  grpc_slice details;
};

#define SEND_TAG(st) ((void *)&(st)->tags[0])
#define RECV_TAG(st) ((void *)&(st)->tags[1])
#define STATUS_TAG(st) ((void *)&(st)->tags[2])

static gpr_timespec deadline_after(int timeout_ms) {
  if (timeout_ms < 0) return gpr_inf_future(GPR_CLOCK_MONOTONIC);
  return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC), gpr_time_from_millis(timeout_ms, GPR_TIMESPAN));
}

/* Waits for tag until deadline: 1 success, 0 failure, -1 timed out. */
static int wait_tag(seam_grpc_stream *st, void *tag, gpr_timespec deadline) {
  grpc_event ev = grpc_completion_queue_pluck(st->cq, tag, deadline, NULL);
  if (ev.type == GRPC_QUEUE_TIMEOUT) return -1;
  return ev.type == GRPC_OP_COMPLETE && ev.success ? 1 : 0;
}

/* Adds RECV_INITIAL_METADATA to a receive batch the first time (it must be
 * asked for exactly once; recv_lock held). */
static void add_initial_md_op(seam_grpc_stream *st, grpc_op *ops, size_t *k) {
  if (st->initial_md_asked) return;
  ops[*k].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[*k].data.recv_initial_metadata.recv_initial_metadata = &st->initial_md;
  (*k)++;
}

seam_grpc_stream *seam_grpc_stream_open(seam_grpc_channel *ch, const char *method,
                                        int timeout_ms, seam_error *err) {
  if (!ch || !method) {
    if (err) {
      err->status = SEAM_ERR_INVALID_ARGUMENT;
      snprintf(err->message, sizeof err->message, "seam_grpc_stream_open: no channel or method");
    }
    return NULL;
  }
  seam_grpc_stream *st = calloc(1, sizeof *st);
  if (!st) {
    if (err) {
      err->status = SEAM_ERR_NO_MEMORY;
      snprintf(err->message, sizeof err->message, "out of memory");
    }
    return NULL;
  }
  pthread_mutex_init(&st->send_lock, NULL);
  pthread_mutex_init(&st->recv_lock, NULL);
  grpc_metadata_array_init(&st->initial_md);
  grpc_metadata_array_init(&st->trailing_md);
  st->details = grpc_empty_slice();
  st->status = GRPC_STATUS_UNKNOWN;
  st->cq = grpc_completion_queue_create_for_pluck(NULL);
  grpc_slice method_slice = grpc_slice_from_copied_string(method);
  st->call = grpc_channel_create_call(ch->channel, NULL, GRPC_PROPAGATE_DEFAULTS, st->cq,
                                      method_slice, NULL,
                                      timeout_ms > 0 ? deadline_after(timeout_ms)
                                                     : gpr_inf_future(GPR_CLOCK_MONOTONIC),
                                      NULL);
  grpc_slice_unref(method_slice);
  /* The headers go out now; the first send waits for them. */
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_SEND_INITIAL_METADATA;
  if (!st->call || grpc_call_start_batch(st->call, &op, 1, SEND_TAG(st), NULL) != GRPC_CALL_OK) {
    if (err) {
      err->status = SEAM_ERR_INTERNAL;
      snprintf(err->message, sizeof err->message, "gRPC refused to start a stream of %s", method);
    }
    seam_grpc_stream_free(st);
    return NULL;
  }
  st->send_pending = true;
  return st;
}

/* Completes the send batch in flight (send_lock held); returns 0 or a code. */
static int finish_pending_send(seam_grpc_stream *st, gpr_timespec deadline) {
  if (!st->send_pending) return 0;
  int r = wait_tag(st, SEND_TAG(st), deadline);
  if (r < 0) { /* a send batch cannot be taken back: end the stream */
    grpc_call_cancel(st->call, NULL);
    wait_tag(st, SEND_TAG(st), gpr_inf_future(GPR_CLOCK_MONOTONIC));
  }
  st->send_pending = false;
  if (st->send_buf) grpc_byte_buffer_destroy(st->send_buf);
  st->send_buf = NULL;
  if (r < 0) {
    st->send_failed = true;
    return SEAM_RPC_DEADLINE_EXCEEDED;
  }
  if (r == 0) {
    st->send_failed = true;
    return SEAM_RPC_UNAVAILABLE;
  }
  return 0;
}

/* Starts one send-side op and waits for it (send_lock held). */
static int send_op(seam_grpc_stream *st, const grpc_op *op, gpr_timespec deadline) {
  int code = finish_pending_send(st, deadline);
  if (code) return code;
  if (st->send_failed) return SEAM_RPC_UNAVAILABLE;
  if (st->send_closed) return SEAM_RPC_FAILED_PRECONDITION;
  if (grpc_call_start_batch(st->call, op, 1, SEND_TAG(st), NULL) != GRPC_CALL_OK) {
    st->send_failed = true;
    return SEAM_RPC_INTERNAL;
  }
  st->send_pending = true;
  return finish_pending_send(st, deadline);
}

int seam_grpc_stream_send(seam_grpc_stream *st, const void *data, size_t size, int timeout_ms) {
  if (!st || (!data && size)) return SEAM_RPC_INVALID_ARGUMENT;
  gpr_timespec deadline = deadline_after(timeout_ms);
  pthread_mutex_lock(&st->send_lock);
  int code = finish_pending_send(st, deadline); /* the initial metadata, at first */
  if (!code && !st->send_failed && !st->send_closed) {
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, size);
    st->send_buf = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_SEND_MESSAGE;
    op.data.send_message.send_message = st->send_buf;
    code = send_op(st, &op, deadline);
    if (st->send_buf && !st->send_pending) { /* refused before it started */
      grpc_byte_buffer_destroy(st->send_buf);
      st->send_buf = NULL;
    }
  } else if (!code) {
    code = st->send_closed ? SEAM_RPC_FAILED_PRECONDITION : SEAM_RPC_UNAVAILABLE;
  }
  pthread_mutex_unlock(&st->send_lock);
  return code;
}

int seam_grpc_stream_close_send(seam_grpc_stream *st, int timeout_ms) {
  if (!st) return SEAM_RPC_INVALID_ARGUMENT;
  pthread_mutex_lock(&st->send_lock);
  int code = 0;
  if (!st->send_closed) {
    grpc_op op;
    memset(&op, 0, sizeof op);
    op.op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    code = send_op(st, &op, deadline_after(timeout_ms));
    st->send_closed = true;
  }
  pthread_mutex_unlock(&st->send_lock);
  return code;
}

seam_grpc_recv_result seam_grpc_stream_recv(seam_grpc_stream *st, uint8_t **data, size_t *size,
                                            int timeout_ms) {
  if (data) *data = NULL;
  if (size) *size = 0;
  if (!st || !data || !size) return SEAM_GRPC_RECV_END;
  pthread_mutex_lock(&st->recv_lock);
  seam_grpc_recv_result result = SEAM_GRPC_RECV_END;
  if (st->recv_ended) goto out;
  if (!st->recv_pending) {
    grpc_op ops[2];
    memset(ops, 0, sizeof ops);
    size_t k = 0;
    add_initial_md_op(st, ops, &k);
    ops[k].op = GRPC_OP_RECV_MESSAGE;
    ops[k++].data.recv_message.recv_message = &st->recv_buf;
    if (grpc_call_start_batch(st->call, ops, k, RECV_TAG(st), NULL) != GRPC_CALL_OK) {
      st->recv_ended = true;
      goto out;
    }
    st->initial_md_asked = true;
    st->recv_pending = true;
  }
  if (wait_tag(st, RECV_TAG(st), deadline_after(timeout_ms)) < 0) {
    result = SEAM_GRPC_RECV_TIMEOUT;
    goto out;
  }
  st->recv_pending = false;
  if (!st->recv_buf) {
    st->recv_ended = true;
    goto out;
  }
  grpc_byte_buffer_reader reader;
  if (grpc_byte_buffer_reader_init(&reader, st->recv_buf)) {
    grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
    grpc_byte_buffer_reader_destroy(&reader);
    size_t n = GRPC_SLICE_LENGTH(all);
    *data = malloc(n ? n : 1);
    if (*data) {
      memcpy(*data, GRPC_SLICE_START_PTR(all), n);
      *size = n;
      result = SEAM_GRPC_RECV_MESSAGE;
    }
    grpc_slice_unref(all);
  }
  grpc_byte_buffer_destroy(st->recv_buf);
  st->recv_buf = NULL;
  if (result != SEAM_GRPC_RECV_MESSAGE) { /* out of memory: the message is lost */
    grpc_call_cancel(st->call, NULL);
    st->recv_ended = true;
  }
out:
  pthread_mutex_unlock(&st->recv_lock);
  return result;
}

/* Starts the status batch (recv_lock held); false when gRPC refuses. */
static bool start_status(seam_grpc_stream *st) {
  if (st->status_started) return true;
  grpc_op ops[2];
  memset(ops, 0, sizeof ops);
  size_t k = 0;
  add_initial_md_op(st, ops, &k);
  ops[k].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[k].data.recv_status_on_client.trailing_metadata = &st->trailing_md;
  ops[k].data.recv_status_on_client.status = &st->status;
  ops[k++].data.recv_status_on_client.status_details = &st->details;
  if (grpc_call_start_batch(st->call, ops, k, STATUS_TAG(st), NULL) != GRPC_CALL_OK) return false;
  st->initial_md_asked = true;
  st->status_started = true;
  return true;
}

int seam_grpc_stream_finish(seam_grpc_stream *st, int timeout_ms, char *message,
                            size_t message_size) {
  if (message && message_size) message[0] = '\0';
  if (!st) return SEAM_RPC_INVALID_ARGUMENT;
  pthread_mutex_lock(&st->recv_lock);
  if (!st->status_done) {
    if (!start_status(st)) {
      grpc_call_cancel(st->call, NULL);
      st->status = GRPC_STATUS_INTERNAL;
      st->status_done = true;
    } else {
      if (wait_tag(st, STATUS_TAG(st), deadline_after(timeout_ms)) < 0) {
        grpc_call_cancel(st->call, NULL); /* the status then comes at once */
        wait_tag(st, STATUS_TAG(st), gpr_inf_future(GPR_CLOCK_MONOTONIC));
      }
      st->status_done = true;
    }
  }
  int code = (int)st->status;
  if (message && message_size) {
    char *text = grpc_slice_to_c_string(st->details);
    snprintf(message, message_size, "%s", text);
    gpr_free(text);
  }
  pthread_mutex_unlock(&st->recv_lock);
  return code;
}

void seam_grpc_stream_cancel(seam_grpc_stream *st) {
  if (st && st->call) grpc_call_cancel(st->call, NULL);
}

void seam_grpc_stream_free(seam_grpc_stream *st) {
  if (!st) return;
  gpr_timespec forever = gpr_inf_future(GPR_CLOCK_MONOTONIC);
  if (st->call) {
    if (!st->status_done) grpc_call_cancel(st->call, NULL);
    /* After the cancel every batch in flight completes at once. */
    if (st->send_pending) wait_tag(st, SEND_TAG(st), forever);
    if (st->recv_pending) wait_tag(st, RECV_TAG(st), forever);
    if (st->status_started && !st->status_done) wait_tag(st, STATUS_TAG(st), forever);
    grpc_call_unref(st->call);
  }
  if (st->send_buf) grpc_byte_buffer_destroy(st->send_buf);
  if (st->recv_buf) grpc_byte_buffer_destroy(st->recv_buf);
  grpc_completion_queue_shutdown(st->cq);
  grpc_completion_queue_destroy(st->cq);
  grpc_metadata_array_destroy(&st->initial_md);
  grpc_metadata_array_destroy(&st->trailing_md);
  grpc_slice_unref(st->details);
  pthread_mutex_destroy(&st->send_lock);
  pthread_mutex_destroy(&st->recv_lock);
  free(st);
}

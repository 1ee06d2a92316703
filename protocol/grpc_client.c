/* The unary gRPC client of grpc_client.h on gRPC core 1.51: one batch per
 * call (send metadata, message and close; receive metadata, message and
 * status) on a completion queue of its own. */
#include "protocol/grpc_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "protocol/grpc_client_impl.h"

seam_grpc_channel *seam_grpc_channel_open(const char *target, size_t max_message_bytes,
                                          seam_error *err) {
  seam_grpc_channel_options options = {.max_message_bytes = max_message_bytes};
  return seam_grpc_channel_open_with(target, &options, err);
}

static void set_int_arg(grpc_arg *arg, const char *key, int value) {
  arg->type = GRPC_ARG_INTEGER;
  arg->key = (char *)key;
  arg->value.integer = value;
}

/* No operation is ever started on io_queue: the thread polls gRPC's
 * sockets (the epoll1 engine shares one epoll set among all pollers) until
 * the queue is shut down. */
static void *poll_io(void *arg) {
  seam_grpc_channel *ch = arg;
  while (grpc_completion_queue_next(ch->io_queue, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  return NULL;
}

/* Without the thread the channel still works; pings are then only read
 * while a call waits. */
static void start_io_thread(seam_grpc_channel *ch) {
  ch->io_queue = grpc_completion_queue_create_for_next(NULL);
  if (ch->io_queue) ch->io_running = pthread_create(&ch->io_thread, NULL, poll_io, ch) == 0;
}

seam_grpc_channel *seam_grpc_channel_open_with(const char *target,
                                               const seam_grpc_channel_options *options,
                                               seam_error *err) {
  seam_grpc_channel_options none = {0};
  const seam_grpc_channel_options *o = options ? options : &none;
  if (!target || o->max_message_bytes > INT32_MAX || o->connect_timeout_ms < 0 || o->max_reconnect_backoff_ms < 0 ||
      o->keepalive_ms < 0 || o->keepalive_timeout_ms < 0) {
    if (err) {
      err->status = SEAM_ERR_INVALID_ARGUMENT;
      snprintf(err->message, sizeof err->message, "bad target, message limit, connect timeout, backoff or keepalive");
    }
    return NULL;
  }
  seam_grpc_channel *ch = calloc(1, sizeof *ch);
  if (!ch) {
    if (err) {
      err->status = SEAM_ERR_NO_MEMORY;
      snprintf(err->message, sizeof err->message, "out of memory");
    }
    return NULL;
  }
  grpc_init();
  grpc_arg args[8];
  size_t n = 0;
  if (o->max_message_bytes) {
    set_int_arg(&args[n++], GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, (int)o->max_message_bytes);
    set_int_arg(&args[n++], GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, (int)o->max_message_bytes);
  }
  if (o->connect_timeout_ms) {
    /* Measured with gRPC 1.51: an attempt to a blackholed address, or to a
     * port that accepts TCP and never speaks HTTP/2, then fails after this
     * long instead of 20 s. */
    set_int_arg(&args[n++], GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, o->connect_timeout_ms);
    set_int_arg(&args[n++], GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, o->connect_timeout_ms);
  }
  if (o->keepalive_ms) {
    set_int_arg(&args[n++], GRPC_ARG_KEEPALIVE_TIME_MS, o->keepalive_ms);
    set_int_arg(&args[n++], GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                o->keepalive_timeout_ms ? o->keepalive_timeout_ms : o->keepalive_ms);
    /* A call that waits on a dead link sends no data: keep pinging. */
    set_int_arg(&args[n++], GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  }
  if (o->max_reconnect_backoff_ms) {
    int cap = o->max_reconnect_backoff_ms > o->connect_timeout_ms ? o->max_reconnect_backoff_ms : o->connect_timeout_ms;
    set_int_arg(&args[n++], GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, cap);
  }
  grpc_channel_args channel_args = {n, args};
  grpc_channel_credentials *creds = grpc_insecure_credentials_create();
  ch->channel = grpc_channel_create(target, creds, &channel_args);
  grpc_channel_credentials_release(creds);
  if (!ch->channel) {
    grpc_shutdown();
    free(ch);
    if (err) {
      err->status = SEAM_ERR_IO;
      snprintf(err->message, sizeof err->message, "cannot create a channel to %s", target);
    }
    return NULL;
  }
  if (o->keepalive_ms) start_io_thread(ch);
  return ch;
}

void seam_grpc_channel_close(seam_grpc_channel *ch) {
  if (!ch) return;
  if (ch->io_running) {
    grpc_completion_queue_shutdown(ch->io_queue);
    pthread_join(ch->io_thread, NULL);
  }
  if (ch->io_queue) grpc_completion_queue_destroy(ch->io_queue);
  grpc_channel_destroy(ch->channel);
  grpc_shutdown();
  free(ch);
}

static void set_message(char *message, size_t size, const char *text) {
  if (message && size) snprintf(message, size, "%s", text);
}

/* The call of seam_grpc_call with the request already in a slice (its
 * reference is consumed). */
static int call_slice(seam_grpc_channel *ch, const char *method, grpc_slice req_slice,
                      int timeout_ms, uint32_t flags, uint8_t **reply, size_t *reply_size, char *message,
                      size_t message_size) {
  gpr_timespec deadline =
      timeout_ms > 0 ? gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
                                    gpr_time_from_millis(timeout_ms, GPR_TIMESPAN))
                     : gpr_now(GPR_CLOCK_MONOTONIC);
  grpc_completion_queue *cq = grpc_completion_queue_create_for_next(NULL);
  grpc_slice method_slice = grpc_slice_from_copied_string(method);
  grpc_call *call = grpc_channel_create_call(ch->channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
                                             method_slice, NULL, deadline, NULL);
  grpc_slice_unref(method_slice);

  grpc_byte_buffer *req_buf = grpc_raw_byte_buffer_create(&req_slice, 1);
  grpc_slice_unref(req_slice);
  grpc_metadata_array initial_md, trailing_md;
  grpc_metadata_array_init(&initial_md);
  grpc_metadata_array_init(&trailing_md);
  grpc_byte_buffer *reply_buf = NULL;
  grpc_status_code status = GRPC_STATUS_UNKNOWN;
  grpc_slice details = grpc_empty_slice();

  grpc_op ops[6];
  memset(ops, 0, sizeof ops);
  ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[0].flags = flags;
  ops[1].op = GRPC_OP_SEND_MESSAGE;
  ops[1].data.send_message.send_message = req_buf;
  ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
  ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
  ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
  ops[4].op = GRPC_OP_RECV_MESSAGE;
  ops[4].data.recv_message.recv_message = &reply_buf;
  ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
  ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
  ops[5].data.recv_status_on_client.status = &status;
  ops[5].data.recv_status_on_client.status_details = &details;

  int code;
  int tag = 0;
  if (grpc_call_start_batch(call, ops, 6, &tag, NULL) != GRPC_CALL_OK) {
    set_message(message, message_size, "gRPC refused the call batch");
    code = SEAM_RPC_INTERNAL;
  } else {
    /* The call's deadline bounds this wait. */
    grpc_event ev = grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    (void)ev;
    code = (int)status;
    char *text = grpc_slice_to_c_string(details);
    set_message(message, message_size, text);
    gpr_free(text);
    if (reply_buf && reply && reply_size) {
      grpc_byte_buffer_reader reader;
      if (grpc_byte_buffer_reader_init(&reader, reply_buf)) {
        grpc_slice all = grpc_byte_buffer_reader_readall(&reader);
        grpc_byte_buffer_reader_destroy(&reader);
        size_t n = GRPC_SLICE_LENGTH(all);
        *reply = malloc(n ? n : 1);
        if (*reply) {
          memcpy(*reply, GRPC_SLICE_START_PTR(all), n);
          *reply_size = n;
        }
        grpc_slice_unref(all);
      }
    }
  }
  if (reply_buf) grpc_byte_buffer_destroy(reply_buf);
  grpc_byte_buffer_destroy(req_buf);
  grpc_slice_unref(details);
  grpc_metadata_array_destroy(&initial_md);
  grpc_metadata_array_destroy(&trailing_md);
  grpc_call_unref(call);
  grpc_completion_queue_shutdown(cq);
  while (grpc_completion_queue_next(cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL).type !=
         GRPC_QUEUE_SHUTDOWN) {
  }
  grpc_completion_queue_destroy(cq);
  return code;
}

int seam_grpc_call(seam_grpc_channel *ch, const char *method, const void *request,
                   size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                   char *message, size_t message_size) {
  if (reply) *reply = NULL;
  if (reply_size) *reply_size = 0;
  set_message(message, message_size, "");
  if (!ch || !method || (!request && request_size)) {
    set_message(message, message_size, "bad call arguments");
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  grpc_slice slice = grpc_slice_from_copied_buffer((const char *)request, request_size);
  return call_slice(ch, method, slice, timeout_ms, 0, reply, reply_size, message, message_size);
}

static int call_take(seam_grpc_channel *ch, const char *method, uint8_t *request, size_t request_size,
                     int timeout_ms, uint32_t flags, uint8_t **reply, size_t *reply_size, char *message,
                     size_t message_size) {
  if (reply) *reply = NULL;
  if (reply_size) *reply_size = 0;
  set_message(message, message_size, "");
  if (!ch || !method || !request) {
    free(request);
    set_message(message, message_size, "bad call arguments");
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  /* gRPC frees the buffer when it drops its last reference to the slice,
   * which may be after the call returns. */
  grpc_slice slice = grpc_slice_new(request, request_size, free);
  return call_slice(ch, method, slice, timeout_ms, flags, reply, reply_size, message, message_size);
}

int seam_grpc_call_take(seam_grpc_channel *ch, const char *method, uint8_t *request,
                        size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                        char *message, size_t message_size) {
  return call_take(ch, method, request, request_size, timeout_ms, 0, reply, reply_size, message, message_size);
}

int seam_grpc_call_take_when_ready(seam_grpc_channel *ch, const char *method, uint8_t *request,
                                   size_t request_size, int timeout_ms, uint8_t **reply, size_t *reply_size,
                                   char *message, size_t message_size) {
  if (ch) grpc_channel_reset_connect_backoff(ch->channel);
  return call_take(ch, method, request, request_size, timeout_ms, GRPC_INITIAL_METADATA_WAIT_FOR_READY, reply,
                   reply_size, message, message_size);
}

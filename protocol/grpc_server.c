/* The gRPC server of grpc_server.h on gRPC core 1.51: the server, its
 * threads, shutdown, and unary calls (streams: grpc_server_stream.c).
 *
 * Per-call state machine: a call_state is created when a request is posted
 * (kind TAG_CALL_WAITING); its tag comes back when a call arrives (or with
 * success == 0 at shutdown). The thread that dequeues it posts the next
 * request for the same method, then either hands a streaming call over to
 * grpc_server_stream.c, or runs the handler and starts one batch with the
 * whole reply (TAG_CALL_REPLYING); when that batch completes the state is
 * freed. Only one batch is ever in flight per unary call. */
#include "protocol/grpc_server.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#include "protocol/grpc_server_impl.h"

int64_t seam_grpc_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t seam_grpc_deadline_ns(gpr_timespec deadline, int64_t now_ns) {
  if (deadline.tv_sec == INT64_MAX) return INT64_MAX;
  gpr_timespec mono = gpr_convert_clock_type(deadline, GPR_CLOCK_MONOTONIC);
  if (mono.tv_sec == INT64_MAX) return INT64_MAX;
  gpr_timespec left = gpr_time_sub(mono, gpr_now(GPR_CLOCK_MONOTONIC));
  int64_t left_ns = left.tv_sec * 1000000000 + left.tv_nsec;
  if (left.tv_sec > 1000000000) return INT64_MAX; /* effectively none */
  return now_ns + left_ns;
}

void seam_grpc_call_state_free(call_state *c) {
  if (!c) return;
  grpc_metadata_array_destroy(&c->request_md);
  grpc_call_details_destroy(&c->details);
  if (c->payload) grpc_byte_buffer_destroy(c->payload);
  if (c->reply) grpc_byte_buffer_destroy(c->reply);
  grpc_slice_unref(c->status_details);
  if (c->call) grpc_call_unref(c->call);
  free(c);
}

/* Posts one request for a call of `method`; returns false when gRPC refuses. */
static bool request_next(seam_grpc_server *s, int method) {
  if (atomic_load(&s->shutting_down)) return false;
  call_state *c = calloc(1, sizeof *c);
  if (!c) return false;
  c->srv = s;
  c->method = method;
  c->kind = TAG_CALL_WAITING;
  c->status_details = grpc_empty_slice();
  grpc_metadata_array_init(&c->request_md);
  grpc_call_details_init(&c->details);
  grpc_call_error e;
  if (method == GENERIC_METHOD)
    e = grpc_server_request_call(s->server, &c->call, &c->details, &c->request_md, s->cq, s->cq,
                                 c);
  else
    e = grpc_server_request_registered_call(s->server, s->registered[method], &c->call,
                                            &c->deadline, &c->request_md,
                                            s->streaming[method] ? NULL : &c->payload, s->cq,
                                            s->cq, c);
  if (e != GRPC_CALL_OK) {
    seam_grpc_call_state_free(c);
    return false;
  }
  pthread_mutex_lock(&s->lock);
  s->posted++;
  pthread_mutex_unlock(&s->lock);
  return true;
}

/* Shuts the queue down once the server's shutdown has completed and no call
 * is active any more: gRPC counts a call whose client went away as done, but
 * its handler may still be running and will start a reply batch on the
 * queue, which must not be shut down by then. Called with s->lock held. */
static void shutdown_queue_when_idle(seam_grpc_server *s) {
  if (!s->shutdown_done || s->active > 0 || s->queue_shut) return;
  s->queue_shut = true;
  grpc_completion_queue_shutdown(s->cq);
}

void seam_grpc_server_call_done(seam_grpc_server *s) {
  pthread_mutex_lock(&s->lock);
  s->active--;
  pthread_cond_broadcast(&s->cond);
  shutdown_queue_when_idle(s);
  pthread_mutex_unlock(&s->lock);
}

/* A posted request came back: with a call (success) or without (shutdown). */
static void request_returned(seam_grpc_server *s, bool with_call) {
  pthread_mutex_lock(&s->lock);
  s->posted--;
  if (with_call) s->active++;
  pthread_cond_broadcast(&s->cond);
  pthread_mutex_unlock(&s->lock);
}

/* Starts the one reply batch: initial metadata, message (optional), status,
 * close. Frees the state when gRPC refuses the batch. */
static void send_reply(call_state *c, int code, const char *message, uint8_t *data, size_t size) {
  grpc_op ops[4];
  size_t n = 0;
  memset(ops, 0, sizeof ops);
  ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[n].data.send_initial_metadata.count = 0;
  n++;
  if (data) {
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, size);
    c->reply = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    ops[n].op = GRPC_OP_SEND_MESSAGE;
    ops[n].data.send_message.send_message = c->reply;
    n++;
  }
  grpc_slice_unref(c->status_details);
  c->status_details = grpc_slice_from_copied_string(message ? message : "");
  ops[n].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
  ops[n].data.send_status_from_server.trailing_metadata_count = 0;
  ops[n].data.send_status_from_server.status = (grpc_status_code)code;
  ops[n].data.send_status_from_server.status_details =
      (message && message[0]) ? &c->status_details : NULL;
  n++;
  ops[n].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  ops[n].data.recv_close_on_server.cancelled = &c->cancelled;
  n++;
  c->kind = TAG_CALL_REPLYING;
  if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK) {
    seam_grpc_server *s = c->srv;
    seam_grpc_call_state_free(c);
    seam_grpc_server_call_done(s);
  }
}

static void handle_new_call(call_state *c) {
  seam_grpc_server *s = c->srv;
  int64_t received = seam_grpc_mono_ns();
  /* Keep a request outstanding for this method before doing any work. */
  request_next(s, c->method);
  if (c->method != GENERIC_METHOD && s->streaming[c->method]) {
    seam_grpc_stream_begin(c);
    return;
  }

  if (c->method == GENERIC_METHOD) {
    char *method = grpc_slice_to_c_string(c->details.method);
    char msg[512];
    snprintf(msg, sizeof msg, "method %s is not implemented by this server", method);
    gpr_free(method);
    send_reply(c, SEAM_RPC_UNIMPLEMENTED, msg, NULL, 0);
    return;
  }

  seam_grpc_response resp;
  memset(&resp, 0, sizeof resp);
  if (!c->payload) {
    /* A unary call whose message did not arrive (cancelled, or over the
     * size limit: gRPC then already failed the call). */
    send_reply(c, SEAM_RPC_INVALID_ARGUMENT, "the call carried no request message", NULL, 0);
    return;
  }
  seam_grpc_run_handler(s, c->method, c->deadline, received, 0, c->payload, &resp);
  send_reply(c, resp.code, resp.message, resp.data, resp.size);
  free(resp.data);
}

void seam_grpc_run_handler(seam_grpc_server *s, int method, gpr_timespec deadline,
                           int64_t received, uint64_t stream_seq, grpc_byte_buffer *payload,
                           seam_grpc_response *resp) {
  seam_grpc_request req = {0};
  req.method = method;
  req.method_name = s->methods[method];
  req.received_ns = received;
  req.deadline_ns = seam_grpc_deadline_ns(deadline, received);
  req.stream_seq = stream_seq;
  grpc_byte_buffer_reader reader;
  if (!grpc_byte_buffer_reader_init(&reader, payload)) {
    resp->code = SEAM_RPC_INTERNAL;
    snprintf(resp->message, sizeof resp->message, "cannot read the request message");
    return;
  }
  grpc_slice whole = grpc_byte_buffer_reader_readall(&reader);
  grpc_byte_buffer_reader_destroy(&reader);
  req.data = GRPC_SLICE_START_PTR(whole);
  req.size = GRPC_SLICE_LENGTH(whole);
  s->handler(s->user, &req, resp);
  grpc_slice_unref(whole);
  resp->message[sizeof resp->message - 1] = '\0';
}

static void *worker_main(void *arg) {
  seam_grpc_server *s = arg;
  for (;;) {
    grpc_event ev = grpc_completion_queue_next(s->cq, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
    if (ev.type == GRPC_QUEUE_SHUTDOWN) break;
    if (ev.type != GRPC_OP_COMPLETE) continue;
    if (ev.tag == &s->shutdown_tag) {
      pthread_mutex_lock(&s->lock);
      s->shutdown_done = true;
      pthread_cond_broadcast(&s->cond);
      shutdown_queue_when_idle(s);
      pthread_mutex_unlock(&s->lock);
      continue;
    }
    switch (*(server_tag_kind *)ev.tag) {
      case TAG_CALL_WAITING:
        request_returned(s, ev.success != 0);
        if (!ev.success) /* the server is shutting down */
          seam_grpc_call_state_free(ev.tag);
        else
          handle_new_call(ev.tag);
        break;
      case TAG_CALL_REPLYING: /* the reply batch completed (or failed) */
        seam_grpc_call_state_free(ev.tag);
        seam_grpc_server_call_done(s);
        break;
      default:
        seam_grpc_stream_event(ev.tag, ev.success != 0);
    }
  }
  return NULL;
}

static void server_free(seam_grpc_server *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n_methods; i++) free(s->methods ? s->methods[i] : NULL);
  free(s->methods);
  free(s->registered);
  free(s->streaming);
  free(s->threads);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s);
}

static void set_error(seam_error *err, seam_status st, const char *msg) {
  if (!err) return;
  err->status = st;
  snprintf(err->message, sizeof err->message, "%s", msg);
}

seam_grpc_server *seam_grpc_server_start(const seam_grpc_server_config *cfg, int *bound_port,
                                         seam_error *err) {
  if (!cfg || !cfg->listen || !cfg->handler || cfg->threads < 1 || cfg->max_message_bytes == 0 ||
      cfg->max_message_bytes > INT32_MAX || (cfg->n_methods && !cfg->methods) ||
      cfg->stream_window < 0 || cfg->stream_window > 1024) {
    set_error(err, SEAM_ERR_INVALID_ARGUMENT,
              "bad server configuration (listen, handler, threads >= 1, message limit 1..2^31-1, "
              "stream window 0..1024)");
    return NULL;
  }
  seam_grpc_server *s = calloc(1, sizeof *s);
  if (!s) {
    set_error(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  s->handler = cfg->handler;
  s->user = cfg->user;
  s->stream_window = cfg->stream_window ? cfg->stream_window : SEAM_GRPC_STREAM_WINDOW_DEFAULT;
  s->n_methods = cfg->n_methods;
  s->methods = calloc(cfg->n_methods + 1, sizeof *s->methods);
  s->registered = calloc(cfg->n_methods + 1, sizeof *s->registered);
  s->streaming = calloc(cfg->n_methods + 1, sizeof *s->streaming);
  s->threads = calloc((size_t)cfg->threads, sizeof *s->threads);
  if (!s->methods || !s->registered || !s->streaming || !s->threads) {
    server_free(s);
    set_error(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  for (size_t i = 0; i < cfg->n_methods; i++) {
    s->streaming[i] = cfg->streaming && cfg->streaming[i];
    s->methods[i] = strdup(cfg->methods[i]);
    if (!s->methods[i]) {
      server_free(s);
      set_error(err, SEAM_ERR_NO_MEMORY, "out of memory");
      return NULL;
    }
  }

  grpc_init();
  grpc_arg args[2];
  args[0].type = GRPC_ARG_INTEGER;
  args[0].key = GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
  args[0].value.integer = (int)cfg->max_message_bytes;
  args[1].type = GRPC_ARG_INTEGER;
  args[1].key = GRPC_ARG_MAX_SEND_MESSAGE_LENGTH;
  args[1].value.integer = (int)cfg->max_message_bytes;
  grpc_channel_args channel_args = {2, args};
  s->server = grpc_server_create(&channel_args, NULL);
  s->cq = grpc_completion_queue_create_for_next(NULL);
  grpc_server_register_completion_queue(s->server, s->cq, NULL);
  for (size_t i = 0; i < s->n_methods; i++) {
    /* Unary: the request message comes with the call; streams read theirs. */
    s->registered[i] = grpc_server_register_method(
        s->server, s->methods[i], NULL,
        s->streaming[i] ? GRPC_SRM_PAYLOAD_NONE : GRPC_SRM_PAYLOAD_READ_INITIAL_BYTE_BUFFER, 0);
    if (!s->registered[i]) {
      char msg[300];
      snprintf(msg, sizeof msg, "cannot register method %s", s->methods[i]);
      set_error(err, SEAM_ERR_INVALID_ARGUMENT, msg);
      goto fail_unstarted;
    }
  }
  grpc_server_credentials *creds = grpc_insecure_server_credentials_create();
  int port = grpc_server_add_http2_port(s->server, cfg->listen, creds);
  grpc_server_credentials_release(creds);
  if (port == 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "cannot listen on %s", cfg->listen);
    set_error(err, SEAM_ERR_IO, msg);
    goto fail_unstarted;
  }
  grpc_server_start(s->server);
  for (size_t i = 0; i < s->n_methods; i++) request_next(s, (int)i);
  request_next(s, GENERIC_METHOD);
  for (int i = 0; i < cfg->threads; i++) {
    if (pthread_create(&s->threads[i], NULL, worker_main, s) != 0) break;
    s->n_threads = i + 1;
  }
  if (s->n_threads == 0) {
    set_error(err, SEAM_ERR_INTERNAL, "cannot start server threads");
    /* Shut down on this thread: fail the outstanding requests, drain. */
    atomic_store(&s->shutting_down, true);
    grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
    grpc_server_cancel_all_calls(s->server);
    worker_main(s);
    grpc_server_destroy(s->server);
    grpc_completion_queue_destroy(s->cq);
    grpc_shutdown();
    server_free(s);
    return NULL;
  }
  if (bound_port) *bound_port = port;
  return s;

fail_unstarted:
  /* Never started and no listener bound: the server may be destroyed
   * without a shutdown; the queue holds no event. */
  grpc_server_destroy(s->server);
  grpc_completion_queue_shutdown(s->cq);
  worker_main(s);
  grpc_completion_queue_destroy(s->cq);
  grpc_shutdown();
  server_free(s);
  return NULL;
}

void seam_grpc_server_stop(seam_grpc_server *s, int drain_ms) {
  if (!s) return;
  atomic_store(&s->shutting_down, true);
  grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
  /* Open streams would keep the server alive: tell them to end. */
  seam_grpc_streams_drain(s);
  /* Calls in flight finish on the worker threads; after drain_ms they are
   * cancelled so that shutdown is bounded. gRPC's shutdown also waits for
   * clients to close their connections, which they do not while idle: once
   * no call is left (and no request is still on its way back), the
   * connections are closed at once rather than at drain_ms. */
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  int64_t ns = (int64_t)until.tv_nsec + (int64_t)(drain_ms > 0 ? drain_ms : 0) * 1000000;
  until.tv_sec += (time_t)(ns / 1000000000);
  until.tv_nsec = (long)(ns % 1000000000);
  pthread_mutex_lock(&s->lock);
  int rc = 0;
  while (!s->shutdown_done && (s->posted > 0 || s->active > 0) && rc != ETIMEDOUT)
    rc = pthread_cond_timedwait(&s->cond, &s->lock, &until);
  bool done = s->shutdown_done;
  pthread_mutex_unlock(&s->lock);
  if (!done) grpc_server_cancel_all_calls(s->server);
  for (int i = 0; i < s->n_threads; i++) pthread_join(s->threads[i], NULL);
  grpc_server_destroy(s->server);
  grpc_completion_queue_destroy(s->cq);
  grpc_shutdown();
  server_free(s);
}

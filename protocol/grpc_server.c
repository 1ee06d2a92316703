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

#include "common/clock.h"
#include "protocol/grpc_server_impl.h"
#include "protocol/grpc_socket_guard.h"

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

/* Drops one reference to a unary call; the last frees it. */
static void call_unref(call_state *c) {
  if (atomic_fetch_sub(&c->refs, 1) != 1) return;
  seam_grpc_server *s = c->srv;
  seam_grpc_call_state_free(c);
  seam_grpc_server_call_done(s);
}

bool seam_grpc_unsent_reserve(seam_grpc_server *s, size_t size) {
  size_t cur = atomic_load(&s->unsent_reply_bytes);
  do {
    if (size > s->max_unsent_reply_bytes || cur > s->max_unsent_reply_bytes - size) return false;
  } while (!atomic_compare_exchange_weak(&s->unsent_reply_bytes, &cur, cur + size));
  return true;
}

void seam_grpc_unsent_release(seam_grpc_server *s, size_t size) {
  atomic_fetch_sub(&s->unsent_reply_bytes, size);
}

void seam_grpc_reply_over_budget(seam_grpc_server *s, seam_grpc_response *resp) {
  size_t size = resp->size;
  free(resp->data);
  resp->data = NULL;
  resp->size = 0;
  resp->code = SEAM_RPC_RESOURCE_EXHAUSTED;
  snprintf(resp->message, sizeof resp->message,
           "the worker already holds %zu bytes of replies its clients have not read (limit %zu); "
           "this %zu-byte reply was dropped",
           atomic_load(&s->unsent_reply_bytes), s->max_unsent_reply_bytes, size);
}

/* Starts the close batch: it completes when the call is over, early when
 * the client cancels or the deadline passes, which is how long work learns
 * that nobody waits for it. */
static void start_close(call_state *c) {
  grpc_op op;
  memset(&op, 0, sizeof op);
  op.op = GRPC_OP_RECV_CLOSE_ON_SERVER;
  op.data.recv_close_on_server.cancelled = &c->cancelled;
  c->closing = (close_tag){TAG_CALL_CLOSED, c};
  atomic_fetch_add(&c->refs, 1);
  if (grpc_call_start_batch(c->call, &op, 1, &c->closing, NULL) != GRPC_CALL_OK) {
    atomic_store(&c->over, true);
    atomic_fetch_sub(&c->refs, 1);
  }
}

/* Starts the reply batch: initial metadata, message (optional), status;
 * takes the handler's reference over. data is copied. */
static void send_reply(call_state *c, int code, const char *message, uint8_t *data, size_t size) {
  grpc_op ops[3];
  size_t n = 0;
  memset(ops, 0, sizeof ops);
  ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
  ops[n].data.send_initial_metadata.count = 0;
  n++;
  if (data) {
    grpc_slice slice = grpc_slice_from_copied_buffer((const char *)data, size);
    c->reply = grpc_raw_byte_buffer_create(&slice, 1);
    grpc_slice_unref(slice);
    c->reply_bytes = size;
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
  c->kind = TAG_CALL_REPLYING;
  if (grpc_call_start_batch(c->call, ops, n, c, NULL) != GRPC_CALL_OK) {
    if (c->reply_bytes) seam_grpc_unsent_release(c->srv, c->reply_bytes);
    c->reply_bytes = 0;
    call_unref(c);
  }
}

/* Sends a handler's response (its data within the unsent budget). */
static void send_response(call_state *c, seam_grpc_response *resp) {
  if (resp->data && !seam_grpc_unsent_reserve(c->srv, resp->size))
    seam_grpc_reply_over_budget(c->srv, resp);
  send_reply(c, resp->code, resp->message, resp->data, resp->size);
  free(resp->data);
  resp->data = NULL;
}

static void handle_new_call(call_state *c) {
  seam_grpc_server *s = c->srv;
  int64_t received = seam_clock_ns();
  /* Keep a request outstanding for this method before doing any work. */
  request_next(s, c->method);
  if (c->method != GENERIC_METHOD && s->streaming[c->method]) {
    seam_grpc_stream_begin(c);
    return;
  }
  atomic_init(&c->refs, 1); /* this thread's */
  atomic_init(&c->over, false);
  start_close(c);

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
  handler_context ctx = {.call = c};
  seam_grpc_run_handler(s, c->method, c->deadline, received, 0, c->payload, &ctx, &resp);
  if (ctx.deferred) return; /* the pending holds this thread's reference */
  send_response(c, &resp);
}

void seam_grpc_run_handler(seam_grpc_server *s, int method, gpr_timespec deadline,
                           int64_t received, uint64_t stream_seq, grpc_byte_buffer *payload,
                           handler_context *ctx, seam_grpc_response *resp) {
  seam_grpc_request req = {0};
  req.method = method;
  req.method_name = s->methods[method];
  req.received_ns = received;
  req.deadline_ns = seam_grpc_deadline_ns(deadline, received);
  req.stream_seq = stream_seq;
  req.transport = ctx;
  ctx->deadline_ns = req.deadline_ns;
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
      case TAG_CALL_REPLYING: { /* the reply batch completed (or failed) */
        call_state *c = ev.tag;
        if (c->reply_bytes) seam_grpc_unsent_release(s, c->reply_bytes);
        c->reply_bytes = 0;
        call_unref(c);
        break;
      }
      case TAG_CALL_CLOSED: { /* the call is over (cancelled, or its status went out) */
        call_state *c = ((close_tag *)ev.tag)->c;
        atomic_store(&c->over, true);
        call_unref(c);
        break;
      }
      default:
        seam_grpc_stream_event(ev.tag, ev.success != 0);
    }
  }
  return NULL;
}

static void server_free(seam_grpc_server *s) {
  if (!s) return;
  seam_grpc_socket_guard_release(s->guard);
  for (size_t i = 0; i < s->n_methods; i++) free(s->methods ? s->methods[i] : NULL);
  free(s->methods);
  free(s->registered);
  free(s->streaming);
  free(s->threads);
  pthread_mutex_destroy(&s->lock);
  pthread_cond_destroy(&s->cond);
  free(s);
}

static void add_int_arg(grpc_arg *args, size_t *n, const char *key, int value) {
  args[*n].type = GRPC_ARG_INTEGER;
  args[*n].key = (char *)key;
  args[*n].value.integer = value;
  (*n)++;
}

static int or_default(int value, int fallback) { return value > 0 ? value : fallback; }

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

  s->max_unsent_reply_bytes =
      cfg->max_unsent_reply_bytes ? cfg->max_unsent_reply_bytes : SEAM_GRPC_MAX_UNSENT_REPLY_BYTES_DEFAULT;
  atomic_init(&s->unsent_reply_bytes, 0);
  s->guard = seam_grpc_socket_guard_create(
      cfg->max_connections ? cfg->max_connections : SEAM_GRPC_MAX_CONNECTIONS_DEFAULT, cfg->log);
  if (!s->guard) {
    server_free(s);
    set_error(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }

  grpc_init();
  grpc_arg args[9];
  size_t n_args = 0;
  add_int_arg(args, &n_args, GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH, (int)cfg->max_message_bytes);
  add_int_arg(args, &n_args, GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, (int)cfg->max_message_bytes);
  add_int_arg(args, &n_args, GRPC_ARG_SERVER_HANDSHAKE_TIMEOUT_MS,
              or_default(cfg->handshake_timeout_ms, SEAM_GRPC_HANDSHAKE_TIMEOUT_MS_DEFAULT));
  add_int_arg(args, &n_args, GRPC_ARG_MAX_CONNECTION_IDLE_MS,
              or_default(cfg->idle_timeout_ms, SEAM_GRPC_IDLE_TIMEOUT_MS_DEFAULT));
  add_int_arg(args, &n_args, GRPC_ARG_MAX_CONCURRENT_STREAMS,
              or_default(cfg->max_streams_per_connection, SEAM_GRPC_MAX_STREAMS_DEFAULT));
  /* Clients may keep their connection alive with pings while idle. */
  add_int_arg(args, &n_args, GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  add_int_arg(args, &n_args, GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, SEAM_GRPC_MIN_PING_INTERVAL_MS);
  args[n_args++] = seam_grpc_socket_guard_arg(s->guard);
  grpc_resource_quota *quota = grpc_resource_quota_create("seam-cloud");
  grpc_resource_quota_resize(quota, cfg->max_transport_bytes ? cfg->max_transport_bytes
                                                              : SEAM_GRPC_MAX_TRANSPORT_BYTES_DEFAULT);
  args[n_args].type = GRPC_ARG_POINTER;
  args[n_args].key = (char *)GRPC_ARG_RESOURCE_QUOTA;
  args[n_args].value.pointer.p = quota;
  args[n_args].value.pointer.vtable = grpc_resource_quota_arg_vtable();
  n_args++;
  grpc_channel_args channel_args = {n_args, args};
  s->server = grpc_server_create(&channel_args, NULL);
  grpc_resource_quota_unref(quota); /* the server holds its own reference */
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
  if (!seam_grpc_socket_guard_started(s->guard) && cfg->log) {
    fprintf(cfg->log,
            "seam-cloud event=warning message=\"gRPC did not call the connection guard: "
            "connections are not capped and running out of descriptors stops the listener\"\n");
    fflush(cfg->log);
  }
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

/* grpc_shutdown on its own thread, so that stop can bound the wait. The
 * record is shared by the two threads; whichever lets go last frees it, so
 * a release still running after stop returned finds it alive. */
typedef struct grpc_release {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  bool done;
  int holders;
} grpc_release;

static void release_let_go(grpc_release *r) {
  pthread_mutex_lock(&r->lock);
  bool last = --r->holders == 0;
  pthread_mutex_unlock(&r->lock);
  if (!last) return;
  pthread_cond_destroy(&r->cond);
  pthread_mutex_destroy(&r->lock);
  free(r);
}

static void *release_grpc(void *arg) {
  grpc_release *r = arg;
  grpc_shutdown();
  pthread_mutex_lock(&r->lock);
  r->done = true;
  pthread_cond_signal(&r->cond);
  pthread_mutex_unlock(&r->lock);
  release_let_go(r);
  return NULL;
}

/* True when grpc_shutdown returned within wait_ms (or ran on this thread
 * because no thread could be started). */
static bool release_grpc_within(int wait_ms) {
  grpc_release *r = calloc(1, sizeof *r);
  pthread_t thread;
  if (!r || pthread_mutex_init(&r->lock, NULL) != 0) {
    free(r);
    grpc_shutdown();
    return true;
  }
  pthread_cond_init(&r->cond, NULL);
  r->holders = 2;
  if (pthread_create(&thread, NULL, release_grpc, r) != 0) {
    r->holders = 1;
    release_let_go(r);
    grpc_shutdown();
    return true;
  }
  pthread_detach(thread);
  struct timespec until = seam_clock_timespec_in(CLOCK_REALTIME, (int64_t)wait_ms * 1000000);
  pthread_mutex_lock(&r->lock);
  int rc = 0;
  while (!r->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&r->cond, &r->lock, &until);
  bool done = r->done;
  pthread_mutex_unlock(&r->lock);
  release_let_go(r);
  return done;
}

bool seam_grpc_server_stop(seam_grpc_server *s, int drain_ms) {
  if (!s) return true;
  atomic_store(&s->shutting_down, true);
  grpc_server_shutdown_and_notify(s->server, s->cq, &s->shutdown_tag);
  /* Open streams would keep the server alive: tell them to end. */
  seam_grpc_streams_drain(s);
  /* Calls in flight finish on the worker threads; after drain_ms they are
   * cancelled so that shutdown is bounded. gRPC's shutdown also waits for
   * clients to close their connections, which they do not while idle: once
   * no call is left (and no request is still on its way back), the
   * connections are closed at once rather than at drain_ms. */
  struct timespec until = seam_clock_timespec_in(CLOCK_REALTIME, (int64_t)drain_ms * 1000000);
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
  server_free(s);
  return release_grpc_within(SEAM_GRPC_RELEASE_WAIT_MS);
}

void seam_grpc_server_get_stats(seam_grpc_server *s, seam_grpc_server_stats *stats) {
  memset(stats, 0, sizeof *stats);
  if (s && s->guard) seam_grpc_socket_guard_stats(s->guard, stats);
}

seam_grpc_pending *seam_grpc_defer(const seam_grpc_request *request) {
  handler_context *ctx = request ? request->transport : NULL;
  if (!ctx || ctx->deferred) return NULL;
  seam_grpc_pending *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  p->call = ctx->call;
  p->st = ctx->st;
  p->local = ctx->local;
  if (p->st) seam_grpc_stream_defer(p->st);
  ctx->deferred = true;
  return p;
}

void seam_grpc_complete(seam_grpc_pending *p, seam_grpc_response *resp) {
  if (!p) return;
  resp->message[sizeof resp->message - 1] = '\0';
  if (p->local)
    seam_grpc_local_complete(p->local, resp);
  else if (p->call)
    send_response(p->call, resp);
  else
    seam_grpc_stream_complete(p->st, resp);
  free(p);
}

bool seam_grpc_pending_abandoned(const seam_grpc_pending *p) {
  if (p->local) return false;
  if (p->call) return atomic_load(&p->call->over);
  return seam_grpc_stream_abandoned(p->st);
}

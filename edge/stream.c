/* libseam-edge streams (see include/seam/edge.h, "Streams").
 *
 * A stream is a table of max_in_flight frames and one gRPC InferStream call.
 * A frame goes FREE -> BUSY (submit fills it) -> PENDING (sent; the reply
 * is awaited) -> BUSY (receive decodes the reply or runs the fallback) ->
 * DONE -> FREE (receive hands it out). The "local" cut and frames submitted
 * after the stream broke go BUSY -> DONE in submit. Only the thread holding
 * a frame BUSY touches its fields; the table's states, the counters and the
 * broken flag are under the mutex.
 *
 * There is no thread of the library's own: receive reads the replies, with
 * waits cut at the earliest deadline of a pending frame, so a deadline is
 * noticed while waiting. A reply whose frame has already fallen back (its
 * deadline passed) is dropped. */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "edge/reason.h"
#include "edge/reply_check.h"
#include "edge/session.h"
#include "edge/wire.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "common/error.h"
#include "seam/runtime.h"

#define STREAM_MAX_IN_FLIGHT 1024
/* Without a frame deadline, flow control holding one send this long breaks
 * the stream (with one, the frame's deadline bounds the send). */
#define STREAM_SEND_LIMIT_MS 10000
#define STREAM_WAIT_SLICE_MS 200   /* longest single wait inside receive */
#define STREAM_FINISH_MS 1000      /* waiting for the status of an ended stream */
#define INFER_STREAM_METHOD "/seam.v1.Seam/InferStream"

typedef enum frame_state { FRAME_FREE, FRAME_BUSY, FRAME_PENDING, FRAME_DONE } frame_state;

typedef struct edge_frame {
  frame_state state;
  uint64_t tag;
  char request_id[32];
  size_t n_cut;
  seam_tensor **cut;         /* held until the reply comes, for a fallback */
  char **own_names;          /* "cloud" cut: copies of the input names */
  const char *const *cut_names;
  int64_t start_us, sent_us, deadline_us; /* deadline_us 0: none */
  edge_dim_bindings bound;   /* the symbolic dims its inputs bind, to check the reply */
  seam_edge_timing timing;
  seam_tensor **outputs;     /* DONE: the results (NULL after an error) */
  seam_status status;
  char message[SEAM_ERROR_MESSAGE_SIZE];
  uint64_t done_seq;         /* DONE frames go out in the order they finished */
} edge_frame;

struct seam_edge_stream {
  edge_session_view v;
  seam_edge_session *session;
  size_t n_out;
  seam_grpc_stream *grpc; /* NULL with the "local" cut */
  pthread_mutex_t lock;
  pthread_cond_t cond;    /* a frame became PENDING or DONE */
  edge_frame *frames;
  int cap, in_flight;
  uint64_t done_count;
  bool broken;
  seam_edge_reason broken_reason;
  char broken_why[384];
};




/* Frees what a frame holds and makes it FREE (lock held). */
static void frame_release(seam_edge_stream *st, edge_frame *f) {
  for (size_t i = 0; f->cut && i < f->n_cut; i++) seam_tensor_free(f->cut[i]);
  for (size_t i = 0; f->own_names && i < f->n_cut; i++) free(f->own_names[i]);
  for (size_t i = 0; f->outputs && i < st->n_out; i++) seam_tensor_free(f->outputs[i]);
  free(f->cut);
  free(f->own_names);
  free(f->outputs);
  edge_dim_bindings_free(&f->bound);
  memset(f, 0, sizeof *f);
  st->in_flight--;
}

/* Marks a BUSY frame DONE (takes the lock). */
static void frame_done(seam_edge_stream *st, edge_frame *f) {
  pthread_mutex_lock(&st->lock);
  f->state = FRAME_DONE;
  f->done_seq = ++st->done_count;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
}

static void set_broken(seam_edge_stream *st, seam_edge_reason reason, const char *fmt, ...) {
  pthread_mutex_lock(&st->lock);
  if (!st->broken) {
    st->broken = true;
    st->broken_reason = reason;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->broken_why, sizeof st->broken_why, fmt, ap);
    va_end(ap);
    pthread_cond_broadcast(&st->cond);
  }
  pthread_mutex_unlock(&st->lock);
}

/* The tail on the device from the frame's cut tensors (a BUSY frame) into
 * outputs (n_out entries). */
static seam_status device_tail(seam_edge_stream *st, edge_frame *f, seam_tensor **outputs,
                               seam_error *err) {
  int64_t t0 = seam_clock_us();
  /* The tensors held are the head's (int8 ones where the cut is planned so). */
  const char *const *held = st->v.kind == EDGE_CUT_SPLIT ? st->v.head_names : f->cut_names;
  seam_status rc = seam_model_run(st->v.model, f->n_cut, held, (const seam_tensor *const *)f->cut,
                                  st->n_out, NULL, outputs, err);
  f->timing.fallback_us += seam_clock_us_since(t0);
  return rc;
}

/* The worker did not answer this frame (reason, why): the device finishes
 * it (a BUSY frame). */
static void run_fallback(seam_edge_stream *st, edge_frame *f, seam_edge_reason reason,
                         const char *why) {
  for (size_t i = 0; f->outputs && i < st->n_out; i++) seam_tensor_free(f->outputs[i]);
  free(f->outputs);
  f->outputs = calloc(st->n_out ? st->n_out : 1, sizeof *f->outputs);
  f->timing.remote = 0;
  f->timing.reason = reason;
  if (!f->outputs) {
    f->status = SEAM_ERR_NO_MEMORY;
    snprintf(f->message, sizeof f->message, "out of memory");
    return;
  }
  seam_error e = {0};
  f->status = device_tail(st, f, f->outputs, &e);
  if (f->status == SEAM_OK) {
    f->timing.fell_back = 1;
    snprintf(f->message, sizeof f->message, "fell back to the device (%s): %s",
             seam_edge_reason_name(reason), why);
  } else {
    snprintf(f->message, sizeof f->message, "%s; the device's run of the tail failed too: %s", why,
             e.message);
  }
}

/* The worker's outputs (f->outputs) hold NaN or Inf in output bad although
 * every tensor sent was finite: the device's run replaces them; finite
 * values there make it a fallback, non-finite ones are the model's answer. */
static void check_non_finite(seam_edge_stream *st, edge_frame *f, size_t bad) {
  seam_value_info info;
  const char *name = seam_model_output_info(st->v.model, bad, &info) == SEAM_OK ? info.name : "?";
  char why[SEAM_ERROR_MESSAGE_SIZE - 64];
  snprintf(why, sizeof why, "the worker's output '%s' holds NaN or Inf although every tensor sent "
           "was finite", name);
  seam_tensor **mine = calloc(st->n_out ? st->n_out : 1, sizeof *mine);
  seam_error e = {0};
  if (!mine || device_tail(st, f, mine, &e) != SEAM_OK) {
    f->status = mine ? e.status : SEAM_ERR_NO_MEMORY;
    f->timing.remote = 0;
    f->timing.reason = SEAM_EDGE_REASON_BAD_REPLY;
    snprintf(f->message, sizeof f->message, "%s, and the device's run of the tail to check it "
             "failed: %s", why, mine ? e.message : "out of memory");
    free(mine);
    return;
  }
  bool finite = edge_first_non_finite(st->n_out, (const seam_tensor *const *)mine) == st->n_out;
  for (size_t i = 0; i < st->n_out; i++) {
    seam_tensor_free(f->outputs[i]);
    f->outputs[i] = mine[i];
  }
  free(mine);
  if (finite) {
    f->timing.remote = 0;
    f->timing.fell_back = 1;
    f->timing.reason = SEAM_EDGE_REASON_BAD_REPLY;
    snprintf(f->message, sizeof f->message, "fell back to the device (bad_reply): %s, and the "
             "device's run has none", why);
  } else {
    snprintf(f->message, sizeof f->message, "the worker's output '%s' holds NaN or Inf; the "
             "device's run of the tail gives non-finite values too: they are the model's answer",
             name);
  }
}

seam_edge_stream *seam_edge_stream_open(seam_edge_session *s, int max_in_flight,
                                        seam_error *err) {
  if (!s) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_stream_open: no session");
    return NULL;
  }
  if (max_in_flight < 0 || max_in_flight > STREAM_MAX_IN_FLIGHT) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
         "seam_edge_stream_open: max_in_flight %d is not in 0..%d", max_in_flight,
         STREAM_MAX_IN_FLIGHT);
    return NULL;
  }
  seam_edge_stream *st = calloc(1, sizeof *st);
  if (!st) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  st->session = s;
  seam_edge_session_view(s, &st->v);
  st->n_out = seam_model_output_count(st->v.model);
  st->cap = max_in_flight ? max_in_flight : SEAM_EDGE_STREAM_DEFAULT_IN_FLIGHT;
  pthread_mutex_init(&st->lock, NULL);
  pthread_condattr_t attr; /* receive's waits are on CLOCK_MONOTONIC */
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&st->cond, &attr);
  pthread_condattr_destroy(&attr);
  st->frames = calloc((size_t)st->cap, sizeof *st->frames);
  if (!st->frames) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    seam_edge_stream_close(st);
    return NULL;
  }
  if (st->v.kind != EDGE_CUT_LOCAL &&
      !(st->grpc = seam_grpc_stream_open(st->v.channel, INFER_STREAM_METHOD, 0, err))) {
    seam_edge_stream_close(st);
    return NULL;
  }
  return st;
}

int seam_edge_stream_in_flight(seam_edge_stream *st) {
  if (!st) return 0;
  pthread_mutex_lock(&st->lock);
  int n = st->in_flight;
  pthread_mutex_unlock(&st->lock);
  return n;
}

/* Puts the frame's head result (or its inputs, for "cloud") in f->cut. */
static seam_status frame_cut(seam_edge_stream *st, edge_frame *f, size_t n_inputs,
                             const char *const *names, const seam_tensor *const *inputs,
                             seam_error *err) {
  f->n_cut = st->v.kind == EDGE_CUT_CLOUD ? n_inputs : st->v.n_cut;
  f->cut = calloc(f->n_cut ? f->n_cut : 1, sizeof *f->cut);
  if (!f->cut) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status bound = edge_bind_input_dims(st->v.model, n_inputs, names, inputs, &f->bound, err);
  if (bound != SEAM_OK) return bound;
  if (st->v.kind == EDGE_CUT_SPLIT) {
    f->cut_names = st->v.cut;
    int64_t t0 = seam_clock_us();
    seam_status rc = seam_model_run(st->v.model, n_inputs, names, inputs, f->n_cut,
                                    st->v.head_names, f->cut, err);
    f->timing.head_us = seam_clock_us_since(t0);
    return rc;
  }
  f->own_names = calloc(f->n_cut ? f->n_cut : 1, sizeof *f->own_names);
  if (!f->own_names) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < n_inputs; i++) {
    f->own_names[i] = strdup(names[i]);
    f->cut[i] = seam_tensor_clone(inputs[i], err);
    if (!f->own_names[i] || !f->cut[i]) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  f->cut_names = (const char *const *)f->own_names;
  return SEAM_OK;
}

/* Sends a frame whose cut is ready; on return the frame is PENDING (the
 * receiver's), or DONE after a fallback (the stream broke, the deadline
 * passed, the cut tensors do not encode). Always SEAM_OK. */
static seam_status frame_send(seam_edge_stream *st, edge_frame *f) {
  pthread_mutex_lock(&st->lock);
  bool broken = st->broken;
  seam_edge_reason broken_reason = st->broken_reason;
  char why[sizeof st->broken_why];
  snprintf(why, sizeof why, "%s", st->broken_why);
  pthread_mutex_unlock(&st->lock);
  if (broken) {
    run_fallback(st, f, broken_reason, why);
    frame_done(st, f);
    return SEAM_OK;
  }
  uint32_t budget_ms = 0;
  if (st->v.deadline_ms > 0) {
    int64_t left_ms = st->v.deadline_ms - (int64_t)(seam_clock_us_since(f->start_us) / 1000);
    if (left_ms <= 0) {
      char reason[128];
      snprintf(reason, sizeof reason, "the deadline of %d ms passed before the request was sent",
               st->v.deadline_ms);
      run_fallback(st, f, SEAM_EDGE_REASON_DEADLINE, reason);
      frame_done(st, f);
      return SEAM_OK;
    }
    budget_ms = (uint32_t)left_ms;
    f->deadline_us = f->start_us + (int64_t)st->v.deadline_ms * 1000;
  }
  snprintf(f->request_id, sizeof f->request_id, "edge-%llu",
           (unsigned long long)seam_edge_session_next_id(st->session));
  int64_t t0 = seam_clock_us();
  uint8_t *buf = NULL;
  size_t size = 0;
  seam_error e = {0};
  seam_status rc = edge_pack_request(
      &st->v, f->request_id, budget_ms, f->n_cut, f->cut_names,
      st->v.kind == EDGE_CUT_SPLIT ? st->v.wire : NULL, (const seam_tensor *const *)f->cut, &buf,
      &size, &f->timing.tensor_bytes_up, &e);
  if (rc != SEAM_OK) { /* not sent: the device finishes the frame */
    char reason[SEAM_ERROR_MESSAGE_SIZE];
    snprintf(reason, sizeof reason, "the request was not sent: %s", e.message);
    run_fallback(st, f, SEAM_EDGE_REASON_NOT_SENT, reason);
    frame_done(st, f);
    return SEAM_OK;
  }
  f->timing.encode_us = seam_clock_us_since(t0);
  f->timing.bytes_up = size;
  /* The send waits for the connection and for HTTP/2 flow control: at most
   * until the frame's deadline, without one STREAM_SEND_LIMIT_MS. */
  bool by_deadline = f->deadline_us != 0;
  int limit_ms = STREAM_SEND_LIMIT_MS;
  if (by_deadline) {
    int64_t left_us = f->deadline_us - seam_clock_us();
    limit_ms = left_us > 0 ? (int)((left_us + 999) / 1000) : 0;
  }
  f->sent_us = seam_clock_us();
  /* From here the receiver may take the frame: touch it no more. */
  pthread_mutex_lock(&st->lock);
  f->state = FRAME_PENDING;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
  int code = seam_grpc_stream_send(st->grpc, buf, size, limit_ms);
  free(buf);
  /* UNAVAILABLE: the call has ended; receive reads its end and status (the
   * worker's reason) and finishes the frame. Otherwise the stream is ended
   * here (the transport already cancelled it after a timeout). */
  if (code == SEAM_RPC_DEADLINE_EXCEEDED && by_deadline) {
    set_broken(st, SEAM_EDGE_REASON_DEADLINE,
               "sending to the worker did not finish within the frame's deadline of %d ms (no "
               "connection, or flow control)", st->v.deadline_ms);
    seam_grpc_stream_cancel(st->grpc); /* wakes a receive waiting on the stream */
  } else if (code != 0 && code != SEAM_RPC_UNAVAILABLE) {
    set_broken(st, SEAM_EDGE_REASON_NETWORK, "sending to the worker failed (%s%s)",
               seam_rpc_code_name(code),
               code == SEAM_RPC_DEADLINE_EXCEEDED ? ": the worker read nothing for 10 s" : "");
    seam_grpc_stream_cancel(st->grpc);
  }
  return SEAM_OK;
}

seam_status seam_edge_stream_submit(seam_edge_stream *st, size_t n_inputs,
                                    const char *const *names, const seam_tensor *const *inputs,
                                    uint64_t tag, seam_error *err) {
  if (err) err->message[0] = '\0';
  if (!st || (n_inputs && !inputs))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_stream_submit: NULL argument");
  for (size_t i = 0; i < n_inputs; i++)
    if (!inputs[i]) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_stream_submit: input %zu is NULL", i);
  int64_t start = seam_clock_us();
  /* Input names: given, or the graph inputs in order. */
  size_t n_graph_in = seam_model_input_count(st->v.model);
  const char **in_names = calloc(n_inputs ? n_inputs : 1, sizeof *in_names);
  if (!in_names) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < n_inputs; i++) {
    seam_value_info info;
    if (names && names[i]) {
      in_names[i] = names[i];
    } else if (i < n_graph_in && seam_model_input_info(st->v.model, i, &info) == SEAM_OK) {
      in_names[i] = info.name;
    } else {
      free(in_names);
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                  "seam_edge_stream_submit: input %zu has no name and the model has only %zu "
                  "inputs", i, n_graph_in);
    }
  }

  pthread_mutex_lock(&st->lock);
  edge_frame *f = NULL;
  for (int i = 0; st->in_flight < st->cap && i < st->cap && !f; i++)
    if (st->frames[i].state == FRAME_FREE) f = &st->frames[i];
  if (f) {
    f->state = FRAME_BUSY;
    st->in_flight++;
  }
  int in_flight = st->in_flight;
  pthread_mutex_unlock(&st->lock);
  if (!f) {
    free(in_names);
    return seam_fail(err, SEAM_ERR_AGAIN,
                "the stream holds %d frames (its maximum): receive one before submitting more",
                in_flight);
  }
  f->tag = tag;
  f->start_us = start;

  seam_status rc;
  if (st->v.kind == EDGE_CUT_LOCAL) {
    f->outputs = calloc(st->n_out ? st->n_out : 1, sizeof *f->outputs);
    rc = f->outputs ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    int64_t t0 = seam_clock_us();
    if (rc == SEAM_OK)
      rc = seam_model_run(st->v.model, n_inputs, in_names, inputs, st->n_out, NULL, f->outputs,
                          err);
    f->timing.head_us = seam_clock_us_since(t0);
    if (rc == SEAM_OK) frame_done(st, f);
  } else {
    rc = frame_cut(st, f, n_inputs, in_names, inputs, err);
    if (rc == SEAM_OK) rc = frame_send(st, f);
  }
  free(in_names);
  if (rc != SEAM_OK) { /* nothing is in flight for this frame */
    pthread_mutex_lock(&st->lock);
    frame_release(st, f);
    pthread_mutex_unlock(&st->lock);
  }
  return rc;
}

/* A reply from the worker: finds its frame, decodes it (or falls back) and
 * marks it DONE. A reply for no pending frame (it fell back already) is
 * dropped. */
static void take_reply(seam_edge_stream *st, const uint8_t *data, size_t size) {
  int64_t arrived = seam_clock_us();
  Seam__V1__InferReply *rp = seam__v1__infer_reply__unpack(NULL, size, data);
  if (!rp) {
    set_broken(st, SEAM_EDGE_REASON_BAD_REPLY,
               "the worker sent a message (%zu bytes) that is not a seam.v1.InferReply", size);
    seam_grpc_stream_cancel(st->grpc);
    return;
  }
  if (!rp->request_id || !rp->request_id[0]) {
    /* The worker could not read one of the requests, and cannot say which:
     * every frame waiting finishes on the device. */
    int code = rp->status ? (int)rp->status->code : SEAM_RPC_OK;
    set_broken(st, SEAM_EDGE_REASON_BAD_REPLY,
               "the worker sent a reply without a request_id (%s: %s)", seam_rpc_code_name(code),
               rp->status && rp->status->message ? rp->status->message : "");
    seam__v1__infer_reply__free_unpacked(rp, NULL);
    seam_grpc_stream_cancel(st->grpc);
    return;
  }
  edge_frame *f = NULL;
  pthread_mutex_lock(&st->lock);
  for (int i = 0; i < st->cap && !f; i++)
    if (st->frames[i].state == FRAME_PENDING && strcmp(st->frames[i].request_id, rp->request_id) == 0)
      f = &st->frames[i];
  if (f) f->state = FRAME_BUSY;
  pthread_mutex_unlock(&st->lock);
  if (!f) {
    seam__v1__infer_reply__free_unpacked(rp, NULL);
    return;
  }
  uint64_t rtt = (uint64_t)(arrived - f->sent_us > 0 ? arrived - f->sent_us : 0);
  const Seam__V1__Timings *t = rp->timings;
  uint64_t worker_total = t ? t->total_us : 0;
  f->timing.network_us = rtt > worker_total ? rtt - worker_total : 0;
  f->timing.worker_queue_us = t ? t->queue_us : 0;
  f->timing.worker_compute_us = t ? t->compute_us : 0;
  f->timing.bytes_down = size;
  int code = rp->status ? (int)rp->status->code : SEAM_RPC_OK;
  const char *text = rp->status && rp->status->message ? rp->status->message : "";
  char why[SEAM_ERROR_MESSAGE_SIZE - 64];
  if (code != SEAM_RPC_OK) {
    /* Whatever the worker answered, the device finishes the frame. */
    snprintf(why, sizeof why, "the worker answered %s: %s", seam_rpc_code_name(code), text);
    run_fallback(st, f, edge_reason_from_rpc_code(code), why);
  } else if (!edge_reply_fits_model(st->v.model, &f->bound, rp, why, sizeof why)) {
    run_fallback(st, f, SEAM_EDGE_REASON_BAD_REPLY, why);
  } else {
    f->outputs = calloc(st->n_out ? st->n_out : 1, sizeof *f->outputs);
    seam_error e = {0};
    int64_t t0 = seam_clock_us();
    seam_status rc = f->outputs ? edge_decode_outputs(rp, st->n_out, f->outputs, &e)
                                : seam_fail(&e, SEAM_ERR_NO_MEMORY, "out of memory");
    f->timing.decode_us = seam_clock_us_since(t0);
    if (rc != SEAM_OK) {
      snprintf(why, sizeof why, "the worker's reply does not decode: %s", e.message);
      run_fallback(st, f, SEAM_EDGE_REASON_BAD_REPLY, why);
    } else {
      f->status = SEAM_OK;
      f->timing.remote = 1;
      f->message[0] = '\0';
      size_t bad = edge_first_non_finite(st->n_out, (const seam_tensor *const *)f->outputs);
      if (bad < st->n_out &&
          edge_first_non_finite(f->n_cut, (const seam_tensor *const *)f->cut) == f->n_cut)
        check_non_finite(st, f, bad);
    }
  }
  seam__v1__infer_reply__free_unpacked(rp, NULL);
  frame_done(st, f);
}

/* The DONE frame that finished first or, when none, a PENDING frame that
 * must finish on the device now (the stream broke, or its deadline passed:
 * *fallback is set and why says which). The frame is marked BUSY; NULL when
 * none (lock held). */
static edge_frame *next_ready(seam_edge_stream *st, int64_t now, bool *fallback,
                              seam_edge_reason *reason, char *why, size_t why_size) {
  edge_frame *best = NULL;
  *fallback = false;
  for (int i = 0; i < st->cap; i++) {
    edge_frame *f = &st->frames[i];
    if (f->state == FRAME_DONE && (!best || f->done_seq < best->done_seq)) best = f;
  }
  for (int i = 0; i < st->cap && !best; i++) {
    edge_frame *f = &st->frames[i];
    if (f->state != FRAME_PENDING) continue;
    if (st->broken) {
      snprintf(why, why_size, "%s", st->broken_why);
      *reason = st->broken_reason;
    } else if (f->deadline_us && now >= f->deadline_us) {
      snprintf(why, why_size, "the deadline of %d ms passed before the worker's reply",
               st->v.deadline_ms);
      *reason = SEAM_EDGE_REASON_DEADLINE;
    } else {
      continue;
    }
    best = f;
    *fallback = true;
  }
  if (best) best->state = FRAME_BUSY;
  return best;
}

/* Hands a finished (BUSY) frame to the caller and frees its slot. */
static seam_status deliver(seam_edge_stream *st, edge_frame *f, seam_tensor **outputs,
                           uint64_t *tag, seam_edge_timing *timing, seam_error *err) {
  seam_status rc = f->status;
  if (tag) *tag = f->tag;
  f->timing.total_us = seam_clock_us_since(f->start_us);
  if (timing) *timing = f->timing;
  if (err) {
    err->status = rc;
    snprintf(err->message, sizeof err->message, "%s", f->message);
  }
  for (size_t i = 0; i < st->n_out; i++) {
    outputs[i] = rc == SEAM_OK && f->outputs ? f->outputs[i] : NULL;
    if (f->outputs && rc == SEAM_OK) f->outputs[i] = NULL;
  }
  pthread_mutex_lock(&st->lock);
  frame_release(st, f);
  pthread_mutex_unlock(&st->lock);
  return rc;
}

/* The earliest deadline of a PENDING frame (INT64_MAX: none) and whether any
 * frame is PENDING (lock held). */
static int64_t earliest_deadline(const seam_edge_stream *st, bool *pending) {
  int64_t best = INT64_MAX;
  *pending = false;
  for (int i = 0; i < st->cap; i++) {
    const edge_frame *f = &st->frames[i];
    if (f->state != FRAME_PENDING) continue;
    *pending = true;
    if (f->deadline_us && f->deadline_us < best) best = f->deadline_us;
  }
  return best;
}

seam_status seam_edge_stream_receive(seam_edge_stream *st, size_t n_outputs, seam_tensor **outputs,
                                     uint64_t *tag, seam_edge_timing *timing, int timeout_ms,
                                     seam_error *err) {
  if (timing) memset(timing, 0, sizeof *timing);
  if (err) err->message[0] = '\0';
  if (!st || !outputs)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_stream_receive: NULL argument");
  for (size_t i = 0; i < n_outputs; i++) outputs[i] = NULL;
  if (n_outputs != st->n_out)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                "seam_edge_stream_receive: n_outputs is %zu, the model has %zu", n_outputs,
                st->n_out);
  int64_t until = timeout_ms < 0 ? INT64_MAX : seam_clock_us() + (int64_t)timeout_ms * 1000;
  for (;;) {
    char why[sizeof st->broken_why + 64];
    pthread_mutex_lock(&st->lock);
    int64_t now = seam_clock_us();
    bool fallback;
    seam_edge_reason reason = SEAM_EDGE_REASON_NONE;
    edge_frame *f = next_ready(st, now, &fallback, &reason, why, sizeof why);
    if (f) {
      pthread_mutex_unlock(&st->lock);
      if (fallback) run_fallback(st, f, reason, why);
      return deliver(st, f, outputs, tag, timing, err);
    }
    if (now >= until) {
      int n = st->in_flight;
      pthread_mutex_unlock(&st->lock);
      return seam_fail(err, SEAM_ERR_AGAIN, "no frame finished within %d ms (%d in flight)",
                  timeout_ms, n);
    }
    bool pending;
    int64_t wake = earliest_deadline(st, &pending);
    if (wake > until) wake = until;
    if (wake > now + STREAM_WAIT_SLICE_MS * 1000) wake = now + STREAM_WAIT_SLICE_MS * 1000;
    if (!pending) { /* nothing to read: wait for a submit */
      struct timespec ts;
      clock_gettime(CLOCK_MONOTONIC, &ts);
      int64_t ns = (int64_t)ts.tv_nsec + (wake - now) * 1000;
      ts.tv_sec += (time_t)(ns / 1000000000);
      ts.tv_nsec = (long)(ns % 1000000000);
      pthread_cond_timedwait(&st->cond, &st->lock, &ts);
      pthread_mutex_unlock(&st->lock);
      continue;
    }
    pthread_mutex_unlock(&st->lock);
    uint8_t *data = NULL;
    size_t size = 0;
    int wait_ms = (int)((wake - now + 999) / 1000);
    seam_grpc_recv_result r = seam_grpc_stream_recv(st->grpc, &data, &size, wait_ms);
    if (r == SEAM_GRPC_RECV_MESSAGE) {
      take_reply(st, data, size);
    } else if (r == SEAM_GRPC_RECV_END) {
      char message[256];
      int code = seam_grpc_stream_finish(st->grpc, STREAM_FINISH_MS, message, sizeof message);
      /* OK here means the worker ended the stream with frames unanswered. */
      set_broken(st, edge_reason_from_rpc_code(code), "the stream to the worker ended (%s%s%s)",
                 seam_rpc_code_name(code), message[0] ? ": " : "", message);
    }
    free(data);
  }
}

void seam_edge_stream_close(seam_edge_stream *st) {
  if (!st) return;
  if (st->grpc) {
    pthread_mutex_lock(&st->lock);
    bool clean = !st->broken && st->in_flight == 0;
    pthread_mutex_unlock(&st->lock);
    /* A clean end lets the worker close the stream with OK. */
    if (clean && seam_grpc_stream_close_send(st->grpc, STREAM_FINISH_MS) == 0)
      seam_grpc_stream_finish(st->grpc, STREAM_FINISH_MS, NULL, 0);
    seam_grpc_stream_free(st->grpc);
  }
  for (int i = 0; st->frames && i < st->cap; i++)
    if (st->frames[i].state != FRAME_FREE) frame_release(st, &st->frames[i]);
  free(st->frames);
  pthread_mutex_destroy(&st->lock);
  pthread_cond_destroy(&st->cond);
  free(st);
}

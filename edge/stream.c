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

#include "edge/clock.h"
#include "edge/session.h"
#include "edge/wire.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "runtime/error.h"
#include "seam/runtime.h"

#define STREAM_MAX_IN_FLIGHT 1024
#define STREAM_SEND_LIMIT_MS 10000 /* flow control holding one send this long breaks the stream */
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

static void set_broken(seam_edge_stream *st, const char *fmt, ...) {
  pthread_mutex_lock(&st->lock);
  if (!st->broken) {
    st->broken = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->broken_why, sizeof st->broken_why, fmt, ap);
    va_end(ap);
    pthread_cond_broadcast(&st->cond);
  }
  pthread_mutex_unlock(&st->lock);
}

/* The tail on the device from the frame's cut tensors (a BUSY frame). */
static void run_fallback(seam_edge_stream *st, edge_frame *f, const char *why) {
  f->outputs = calloc(st->n_out ? st->n_out : 1, sizeof *f->outputs);
  if (!f->outputs) {
    f->status = SEAM_ERR_NO_MEMORY;
    snprintf(f->message, sizeof f->message, "out of memory");
    return;
  }
  int64_t t0 = edge_mono_us();
  seam_error e = {0};
  /* The tensors held are the head's (int8 ones where the cut is planned so). */
  const char *const *held = st->v.kind == EDGE_CUT_SPLIT ? st->v.head_names : f->cut_names;
  f->status = seam_model_run(st->v.model, f->n_cut, held, (const seam_tensor *const *)f->cut,
                             st->n_out, NULL, f->outputs, &e);
  f->timing.fallback_us = edge_us_since(t0);
  f->timing.remote = 0;
  if (f->status == SEAM_OK) {
    f->timing.fell_back = 1;
    snprintf(f->message, sizeof f->message, "fell back to the device: %s", why);
  } else {
    snprintf(f->message, sizeof f->message, "the fallback on the device failed: %s", e.message);
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
  if (st->v.kind == EDGE_CUT_SPLIT) {
    f->cut_names = st->v.cut;
    int64_t t0 = edge_mono_us();
    seam_status rc = seam_model_run(st->v.model, n_inputs, names, inputs, f->n_cut,
                                    st->v.head_names, f->cut, err);
    f->timing.head_us = edge_us_since(t0);
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
 * receiver's), or DONE after a fallback. Errors of the frame itself
 * (encoding) are returned with the frame still BUSY. */
static seam_status frame_send(seam_edge_stream *st, edge_frame *f, seam_error *err) {
  pthread_mutex_lock(&st->lock);
  bool broken = st->broken;
  char why[sizeof st->broken_why];
  snprintf(why, sizeof why, "%s", st->broken_why);
  pthread_mutex_unlock(&st->lock);
  if (broken) {
    run_fallback(st, f, why);
    frame_done(st, f);
    return SEAM_OK;
  }
  uint32_t budget_ms = 0;
  if (st->v.deadline_ms > 0) {
    int64_t left_ms = st->v.deadline_ms - (int64_t)(edge_us_since(f->start_us) / 1000);
    if (left_ms <= 0) {
      char reason[128];
      snprintf(reason, sizeof reason, "the deadline of %d ms passed before the request was sent",
               st->v.deadline_ms);
      run_fallback(st, f, reason);
      frame_done(st, f);
      return SEAM_OK;
    }
    budget_ms = (uint32_t)left_ms;
    f->deadline_us = f->start_us + (int64_t)st->v.deadline_ms * 1000;
  }
  snprintf(f->request_id, sizeof f->request_id, "edge-%llu",
           (unsigned long long)seam_edge_session_next_id(st->session));
  int64_t t0 = edge_mono_us();
  uint8_t *buf = NULL;
  size_t size = 0;
  seam_status rc = edge_pack_request(
      &st->v, f->request_id, budget_ms, f->n_cut, f->cut_names,
      st->v.kind == EDGE_CUT_SPLIT ? st->v.wire : NULL, (const seam_tensor *const *)f->cut, &buf,
      &size, &f->timing.tensor_bytes_up, err);
  if (rc != SEAM_OK) return rc;
  f->timing.encode_us = edge_us_since(t0);
  f->timing.bytes_up = size;
  f->sent_us = edge_mono_us();
  /* From here the receiver may take the frame: touch it no more. */
  pthread_mutex_lock(&st->lock);
  f->state = FRAME_PENDING;
  pthread_cond_broadcast(&st->cond);
  pthread_mutex_unlock(&st->lock);
  int code = seam_grpc_stream_send(st->grpc, buf, size, STREAM_SEND_LIMIT_MS);
  free(buf);
  /* UNAVAILABLE: the call has ended; receive reads its end and status (the
   * worker's reason) and finishes the frame. Otherwise the stream is ended
   * here (the transport already cancelled it after a timeout). */
  if (code != 0 && code != SEAM_RPC_UNAVAILABLE) {
    set_broken(st, "sending to the worker failed (%s%s)", seam_rpc_code_name(code),
               code == SEAM_RPC_DEADLINE_EXCEEDED ? ": the worker read nothing for 10 s" : "");
    seam_grpc_stream_cancel(st->grpc); /* wakes a receive waiting on the stream */
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
  int64_t start = edge_mono_us();
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
    int64_t t0 = edge_mono_us();
    if (rc == SEAM_OK)
      rc = seam_model_run(st->v.model, n_inputs, in_names, inputs, st->n_out, NULL, f->outputs,
                          err);
    f->timing.head_us = edge_us_since(t0);
    if (rc == SEAM_OK) frame_done(st, f);
  } else {
    rc = frame_cut(st, f, n_inputs, in_names, inputs, err);
    if (rc == SEAM_OK) rc = frame_send(st, f, err);
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
  int64_t arrived = edge_mono_us();
  Seam__V1__InferReply *rp = seam__v1__infer_reply__unpack(NULL, size, data);
  if (!rp) {
    set_broken(st, "the worker sent a message that is not a seam.v1.InferReply");
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
  if (code == SEAM_RPC_OK) {
    f->outputs = calloc(st->n_out ? st->n_out : 1, sizeof *f->outputs);
    seam_error e = {0};
    int64_t t0 = edge_mono_us();
    f->status = f->outputs ? edge_decode_outputs(rp, st->n_out, f->outputs, &e)
                           : seam_fail(&e, SEAM_ERR_NO_MEMORY, "out of memory");
    f->timing.decode_us = edge_us_since(t0);
    f->timing.remote = f->status == SEAM_OK;
    snprintf(f->message, sizeof f->message, "%s", f->status == SEAM_OK ? "" : e.message);
  } else if (code == SEAM_RPC_UNAVAILABLE || code == SEAM_RPC_DEADLINE_EXCEEDED) {
    char why[SEAM_ERROR_MESSAGE_SIZE - 64];
    snprintf(why, sizeof why, "the worker answered %s: %s", seam_rpc_code_name(code), text);
    run_fallback(st, f, why);
  } else {
    f->status = seam_status_from_rpc_code(code);
    snprintf(f->message, sizeof f->message, "InferStream on the worker failed (%s): %s",
             seam_rpc_code_name(code), text);
  }
  seam__v1__infer_reply__free_unpacked(rp, NULL);
  frame_done(st, f);
}

/* The DONE frame that finished first or, when none, a PENDING frame that
 * must finish on the device now (the stream broke, or its deadline passed:
 * *fallback is set and why says which). The frame is marked BUSY; NULL when
 * none (lock held). */
static edge_frame *next_ready(seam_edge_stream *st, int64_t now, bool *fallback, char *why,
                              size_t why_size) {
  edge_frame *best = NULL;
  *fallback = false;
  for (int i = 0; i < st->cap; i++) {
    edge_frame *f = &st->frames[i];
    if (f->state == FRAME_DONE && (!best || f->done_seq < best->done_seq)) best = f;
  }
  for (int i = 0; i < st->cap && !best; i++) {
    edge_frame *f = &st->frames[i];
    if (f->state != FRAME_PENDING) continue;
    if (st->broken)
      snprintf(why, why_size, "%s", st->broken_why);
    else if (f->deadline_us && now >= f->deadline_us)
      snprintf(why, why_size, "the deadline of %d ms passed before the worker's reply",
               st->v.deadline_ms);
    else
      continue;
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
  f->timing.total_us = edge_us_since(f->start_us);
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
  int64_t until = timeout_ms < 0 ? INT64_MAX : edge_mono_us() + (int64_t)timeout_ms * 1000;
  for (;;) {
    char why[sizeof st->broken_why + 64];
    pthread_mutex_lock(&st->lock);
    int64_t now = edge_mono_us();
    bool fallback;
    edge_frame *f = next_ready(st, now, &fallback, why, sizeof why);
    if (f) {
      pthread_mutex_unlock(&st->lock);
      if (fallback) run_fallback(st, f, why);
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
      set_broken(st, "the stream to the worker ended (%s%s%s)", seam_rpc_code_name(code),
                 message[0] ? ": " : "", message);
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

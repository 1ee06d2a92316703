#include "tests/cloud/fake_worker.h"

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"
#include "protocol/grpc_server.h"
#include "protocol/seam.pb-c.h"
#include "runtime/tensor.h"
#include "seam/runtime.h"

struct fake_worker {
  seam_model *model;
  seam_grpc_server *server;
  atomic_int mode, code, requests;
};

static const char *const mode_names[] = {
    "honest",      "status",     "inner status", "end stream", "shape [1,3]", "batch + 1",
    "fixed dim + 1", "rank 1",   "wrong name",   "int64",      "all NaN",     "garbage bytes",
    "not an InferReply", "no outputs", "empty message", "duplicate output", "extra output",
    "short payload", "wrong request_id"};

const char *fake_mode_name(fake_mode mode) {
  return (unsigned)mode < sizeof mode_names / sizeof mode_names[0] ? mode_names[mode] : "?";
}

/* The model's outputs for the request's tensors, or NULL (message in why). */
static seam_tensor **honest_outputs(fake_worker *w, const Seam__V1__InferRequest *rq, char *why,
                                    size_t why_size) {
  size_t n_in = rq->n_inputs, n_out = seam_model_output_count(w->model);
  seam_tensor **in = calloc(n_in + 1, sizeof *in), **out = calloc(n_out + 1, sizeof *out);
  const char **names = calloc(n_in + 1, sizeof *names);
  seam_error err = {0};
  bool ok = in && out && names;
  for (size_t i = 0; ok && i < n_in; i++) {
    names[i] = rq->inputs[i]->name;
    ok = (in[i] = seam_codec_decode(rq->inputs[i], (size_t)256 << 20, NULL, &err)) != NULL;
  }
  if (ok)
    ok = seam_model_run(w->model, n_in, names, (const seam_tensor *const *)in, n_out, NULL, out,
                        &err) == SEAM_OK;
  if (!ok) snprintf(why, why_size, "fake worker: %s", err.message);
  for (size_t i = 0; in && i < n_in; i++) seam_tensor_free(in[i]);
  free(in);
  free(names);
  if (!ok) {
    free(out);
    return NULL;
  }
  return out;
}

/* The output tensors of a crafted reply, from the honest ones. */
static seam_tensor *crafted(fake_mode mode, const seam_tensor *t) {
  seam_error err;
  int64_t dims[SEAM_MAX_RANK];
  size_t rank = t->rank;
  memcpy(dims, t->dims, sizeof(int64_t) * rank);
  seam_dtype dtype = SEAM_DTYPE_FLOAT32;
  switch (mode) {
    case FAKE_SHAPE_1X3: rank = 2, dims[0] = 1, dims[1] = 3; break;
    case FAKE_BATCH_PLUS_ONE: dims[0]++; break;
    case FAKE_FIXED_DIM: dims[rank - 1]++; break;
    case FAKE_RANK: rank = 1, dims[0] = t->count; break;
    case FAKE_INT64: dtype = SEAM_DTYPE_INT64; break;
    default: return seam_tensor_clone(t, &err);
  }
  seam_tensor *c = seam_tensor_create(dtype, rank, dims, &err);
  if (c) memset(c->data, 0, seam_tensor_nbytes(c));
  return c;
}

static void pack(const Seam__V1__InferReply *reply, seam_grpc_response *r) {
  r->size = seam__v1__infer_reply__get_packed_size(reply);
  r->data = malloc(r->size ? r->size : 1);
  if (r->data) seam__v1__infer_reply__pack(reply, r->data);
  else r->size = 0;
}

static void handle(void *user, const seam_grpc_request *req, seam_grpc_response *r) {
  fake_worker *w = user;
  atomic_fetch_add(&w->requests, 1);
  fake_mode mode = (fake_mode)atomic_load(&w->mode);
  int code = atomic_load(&w->code);
  bool stream = req->stream_seq > 0;
  r->code = 0;
  if (mode == FAKE_END_STREAM || (mode == FAKE_STATUS && !stream)) {
    r->code = code;
    snprintf(r->message, sizeof r->message, "the fake worker answers %s", fake_mode_name(mode));
    return;
  }
  if (mode == FAKE_GARBAGE || mode == FAKE_NOT_REPLY || mode == FAKE_EMPTY) {
    static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0x0f, 0x12, 0x34};
    static const uint8_t health[] = {0x08, 0x01}; /* HealthCheckResponse{SERVING} */
    const uint8_t *bytes = mode == FAKE_GARBAGE ? garbage : health;
    r->size = mode == FAKE_GARBAGE ? sizeof garbage : mode == FAKE_NOT_REPLY ? sizeof health : 0;
    r->data = malloc(r->size ? r->size : 1);
    if (r->data) memcpy(r->data, bytes, r->size);
    return;
  }
  Seam__V1__InferRequest *rq = seam__v1__infer_request__unpack(NULL, req->size, req->data);
  Seam__V1__InferReply reply = SEAM__V1__INFER_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  reply.status = &status;
  reply.request_id = rq ? rq->request_id : (char *)"";
  if (mode == FAKE_WRONG_ID) reply.request_id = (char *)"not-this-request";
  char why[256] = "";
  size_t n_out = seam_model_output_count(w->model);
  seam_tensor **out = rq ? honest_outputs(w, rq, why, sizeof why) : NULL;
  if (!rq) snprintf(why, sizeof why, "fake worker: the request does not parse");
  if (mode == FAKE_STATUS || mode == FAKE_INNER_STATUS) {
    status.code = (uint32_t)code;
    status.message = (char *)"the fake worker's status inside the reply";
    pack(&reply, r);
  } else if (!out) { /* the request itself is bad: say so as a worker would */
    status.code = SEAM_RPC_INVALID_ARGUMENT;
    status.message = why;
    pack(&reply, r);
  } else if (mode == FAKE_NO_OUTPUTS) {
    pack(&reply, r);
  } else {
    /* Up to one more output than the model has (duplicate, extra). */
    size_t n = n_out + (mode == FAKE_DUPLICATE || mode == FAKE_EXTRA);
    Seam__V1__Tensor *msgs = calloc(n, sizeof *msgs), **ptrs = calloc(n, sizeof *ptrs);
    seam_tensor **sent = calloc(n, sizeof *sent);
    seam_codec_options opt = {0};
    size_t done = 0;
    for (; msgs && ptrs && sent && done < n; done++) {
      const seam_tensor *src = out[done < n_out ? done : 0];
      sent[done] = crafted(mode, src);
      if (!sent[done]) break;
      if (mode == FAKE_NAN && seam_tensor_dtype(sent[done]) == SEAM_DTYPE_FLOAT32)
        for (int64_t k = 0; k < sent[done]->count; k++) ((float *)sent[done]->data)[k] = NAN;
      seam_value_info info;
      seam_model_output_info(w->model, done < n_out ? done : 0, &info);
      const char *name = mode == FAKE_NAME ? "not_an_output" : done < n_out ? info.name
                         : mode == FAKE_EXTRA                ? "extra"
                                                             : info.name;
      seam_error err;
      if (seam_codec_encode(sent[done], name, &opt, &msgs[done], NULL, &err) != SEAM_OK) break;
      if (mode == FAKE_BAD_PAYLOAD && msgs[done].payload.len) {
        msgs[done].payload.len--;
      }
      ptrs[done] = &msgs[done];
    }
    reply.n_outputs = done;
    reply.outputs = ptrs;
    pack(&reply, r);
    for (size_t i = 0; i < done; i++) {
      if (mode == FAKE_BAD_PAYLOAD && msgs[i].payload.len) msgs[i].payload.len++;
      seam_codec_msg_clear(&msgs[i]);
    }
    for (size_t i = 0; sent && i < n; i++) seam_tensor_free(sent[i]);
    free(msgs);
    free(ptrs);
    free(sent);
  }
  for (size_t i = 0; out && i < n_out; i++) seam_tensor_free(out[i]);
  free(out);
  if (rq) seam__v1__infer_request__free_unpacked(rq, NULL);
}

fake_worker *fake_worker_start(const char *model_path, int *port, char *why, size_t why_size) {
  fake_worker *w = calloc(1, sizeof *w);
  if (!w) {
    snprintf(why, why_size, "out of memory");
    return NULL;
  }
  seam_error err;
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.num_threads = 1;
  if (!(w->model = seam_model_load_with(model_path, &opts, &err))) {
    snprintf(why, why_size, "fake worker: %s", err.message);
    free(w);
    return NULL;
  }
  static const char *const methods[] = {"/seam.v1.Seam/Infer", "/seam.v1.Seam/InferStream"};
  static const unsigned char streaming[] = {0, 1};
  seam_grpc_server_config cfg = {.listen = "127.0.0.1:0", .methods = methods, .n_methods = 2,
                                 .handler = handle, .user = w, .threads = 2,
                                 .max_message_bytes = (size_t)64 << 20, .streaming = streaming};
  if (!(w->server = seam_grpc_server_start(&cfg, port, &err))) {
    snprintf(why, why_size, "fake worker: %s", err.message);
    seam_model_free(w->model);
    free(w);
    return NULL;
  }
  return w;
}

void fake_worker_set(fake_worker *w, fake_mode mode, int code) {
  atomic_store(&w->mode, (int)mode);
  atomic_store(&w->code, code);
}

int fake_worker_requests(fake_worker *w) { return atomic_load(&w->requests); }

void fake_worker_stop(fake_worker *w) {
  if (!w) return;
  seam_grpc_server_stop(w->server, 1000);
  seam_model_free(w->model);
  free(w);
}

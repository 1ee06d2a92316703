/* part_wire hooks over the tensor codec (wire_cost.h). */
#include "edge/wire_cost.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "edge/cut_wire.h"
#include "common/error.h"
#include "runtime/model.h"

/* Encoding is timed over a few repeats (the median), so one preempted run
 * does not make a tensor look slow. */
#define WIRE_COST_REPEATS 3

/* Bytes a length-delimited field of n bytes takes in its message. */
static int64_t field_bytes(size_t n) {
  int64_t varint = 1;
  for (size_t v = n; v >= 128; v >>= 7) varint++;
  return 1 + varint + (int64_t)n;
}

static double median3(double a, double b, double c) {
  return a > b ? (b > c ? b : (a > c ? c : a)) : (a > c ? a : (b > c ? c : b));
}

static seam_status tensor_cost(void *user, const char *name, const part_sample *s, int64_t *bytes,
                               double *encode_ms, seam_error *err) {
  edge_wire_cost *c = user;
  seam_cut_wire wire;
  seam_status st = seam_cut_wire_plan(c->graph, name, &c->codec, &wire, err);
  if (st != SEAM_OK) return st;
  const seam_tensor *t = part_sample_find(s, wire.head_name);
  if (!t) {
    st = seam_fail(err, SEAM_ERR_NOT_FOUND, "the measured run has no tensor '%s'", wire.head_name);
    free(wire.head_name);
    return st;
  }
  seam_codec_options opt = wire.codec;
  bool prequantized = opt.encoding == SEAM_ENCODING_INT8 && opt.int8_range == SEAM_INT8_RANGE_QUANTIZED;
  if (!prequantized && seam_tensor_dtype(t) != SEAM_DTYPE_FLOAT32) opt.encoding = SEAM_ENCODING_RAW;
  double ms[WIRE_COST_REPEATS];
  for (int r = 0; r < WIRE_COST_REPEATS && st == SEAM_OK; r++) {
    Seam__V1__Tensor msg;
    int64_t t0 = seam_clock_us();
    seam_error e;
    st = seam_codec_encode(t, name, &opt, &msg, NULL, &e);
    ms[r] = (double)seam_clock_us_since(t0) / 1e3;
    if (st != SEAM_OK) {
      /* A tensor this codec cannot carry (INT8 of one holding Inf): it can
       * never be a cut; a huge size keeps every search away from it. */
      *bytes = INT64_MAX / 4;
      *encode_ms = 0;
      free(wire.head_name);
      return SEAM_OK;
    }
    *bytes = field_bytes(seam__v1__tensor__get_packed_size(&msg));
    seam_codec_msg_clear(&msg);
  }
  *encode_ms = median3(ms[0], ms[1], ms[2]);
  free(wire.head_name);
  return st;
}

static seam_status reply_cost(void *user, const part_sample *s, int64_t *bytes, double *decode_ms,
                              seam_error *err) {
  edge_wire_cost *c = user;
  size_t n = (size_t)c->graph->n_outputs;
  Seam__V1__Tensor *msgs = calloc(n + 1, sizeof *msgs);
  Seam__V1__Tensor **list = calloc(n + 1, sizeof *list);
  seam_status st = msgs && list ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  size_t done = 0;
  seam_codec_options raw = {0};
  for (; st == SEAM_OK && done < n; done++) {
    const seam_tensor *t = part_sample_output(s, done);
    const char *name = c->graph->values[c->graph->outputs[done]].name;
    if (!t) st = seam_fail(err, SEAM_ERR_NOT_FOUND, "the measured run has no output '%s'", name);
    else st = seam_codec_encode(t, name, &raw, &msgs[done], NULL, err);
    if (st == SEAM_OK) list[done] = &msgs[done];
    else break;
  }
  if (st == SEAM_OK) {
    Seam__V1__Timings timings = SEAM__V1__TIMINGS__INIT;
    timings.queue_us = timings.compute_us = timings.total_us = 1000000;
    Seam__V1__InferReply rp = SEAM__V1__INFER_REPLY__INIT;
    rp.request_id = "edge-1000000";
    rp.n_outputs = n;
    rp.outputs = list;
    rp.timings = &timings;
    *bytes = (int64_t)seam__v1__infer_reply__get_packed_size(&rp);
    int64_t t0 = seam_clock_us();
    for (size_t i = 0; st == SEAM_OK && i < n; i++) {
      seam_tensor *back = seam_codec_decode(&msgs[i], SIZE_MAX, NULL, err);
      if (!back) st = err ? err->status : SEAM_ERR_PARSE;
      seam_tensor_free(back);
    }
    *decode_ms = (double)seam_clock_us_since(t0) / 1e3;
  }
  for (size_t i = 0; msgs && i < done; i++) seam_codec_msg_clear(&msgs[i]);
  free(msgs);
  free(list);
  return st;
}

void edge_wire_cost_init(edge_wire_cost *c, const struct seam_model *model,
                         const seam_codec_options *codec, const char *model_name, part_wire *wire) {
  memset(c, 0, sizeof *c);
  c->graph = model->graph;
  c->codec = *codec;
  snprintf(c->model_name, sizeof c->model_name, "%s", model_name ? model_name : "");
  uint8_t sha[32] = {0};
  Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
  rq.model_name = c->model_name;
  rq.model_sha256.data = sha;
  rq.model_sha256.len = sizeof sha;
  rq.request_id = "edge-1000000";
  rq.budget_ms = 100000;
  rq.reply_encoding = SEAM__V1__ENCODING__ENCODING_RAW;
  *wire = (part_wire){.user = c,
                      .tensor = tensor_cost,
                      .reply = reply_cost,
                      .request_overhead_bytes = (int64_t)seam__v1__infer_request__get_packed_size(&rq)};
}

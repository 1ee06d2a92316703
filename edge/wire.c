/* InferRequest packing and InferReply decoding (see wire.h). */
#include "edge/wire.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static seam_status failed(seam_error *err, seam_status st, const char *what, const char *detail) {
  if (err) {
    err->status = st;
    snprintf(err->message, sizeof err->message, "%s%s%s", what, detail ? ": " : "",
             detail ? detail : "");
  }
  return st;
}

seam_status edge_pack_request(const edge_session_view *v, const char *request_id,
                              uint32_t budget_ms, size_t n, const char *const *names,
                              const seam_cut_wire *plan, const seam_tensor *const *tensors,
                              uint8_t **buf, size_t *size, uint64_t *tensor_bytes,
                              seam_error *err) {
  if (tensor_bytes) *tensor_bytes = 0;
  *buf = NULL;
  *size = 0;
  Seam__V1__Tensor *wire = calloc(n ? n : 1, sizeof *wire);
  Seam__V1__Tensor **list = calloc(n ? n : 1, sizeof *list);
  seam_status st = SEAM_OK;
  size_t done = 0;
  if (!wire || !list) st = failed(err, SEAM_ERR_NO_MEMORY, "out of memory", NULL);
  for (; st == SEAM_OK && done < n; done++) {
    seam_codec_options opt = plan ? plan[done].codec : v->codec;
    bool prequantized = opt.encoding == SEAM_ENCODING_INT8 && opt.int8_range == SEAM_INT8_RANGE_QUANTIZED;
    if (!prequantized && seam_tensor_dtype(tensors[done]) != SEAM_DTYPE_FLOAT32)
      opt.encoding = SEAM_ENCODING_RAW;
    seam_error e;
    seam_codec_stats stats;
    if (seam_codec_encode(tensors[done], names[done], &opt, &wire[done], &stats, &e) != SEAM_OK) {
      char what[300];
      snprintf(what, sizeof what, "encoding '%s'", names[done]);
      st = failed(err, e.status, what, e.message);
      break;
    }
    list[done] = &wire[done];
    if (tensor_bytes) *tensor_bytes += stats.raw_bytes;
  }
  if (st == SEAM_OK) {
    Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
    rq.model_name = (char *)v->model_name;
    rq.model_sha256.data = (uint8_t *)v->sha256;
    rq.model_sha256.len = 32;
    rq.request_id = (char *)request_id;
    rq.budget_ms = budget_ms;
    rq.n_inputs = n;
    rq.inputs = list;
    rq.reply_encoding = SEAM__V1__ENCODING__ENCODING_RAW;
    *size = seam__v1__infer_request__get_packed_size(&rq);
    *buf = malloc(*size ? *size : 1);
    if (*buf) seam__v1__infer_request__pack(&rq, *buf);
    else st = failed(err, SEAM_ERR_NO_MEMORY, "out of memory", NULL);
  }
  for (size_t i = 0; wire && i < done; i++) seam_codec_msg_clear(&wire[i]);
  free(wire);
  free(list);
  return st;
}

seam_status edge_decode_outputs(const Seam__V1__InferReply *reply, size_t n_out,
                                seam_tensor **outputs, seam_error *err) {
  for (size_t i = 0; i < n_out; i++) outputs[i] = NULL;
  if (reply->n_outputs != n_out) {
    char what[128];
    snprintf(what, sizeof what, "the worker answered %zu outputs, the model has %zu",
             reply->n_outputs, n_out);
    return failed(err, SEAM_ERR_PARSE, what, NULL);
  }
  for (size_t i = 0; i < n_out; i++) {
    seam_error e;
    outputs[i] = seam_codec_decode(reply->outputs[i], EDGE_MAX_DECODED_BYTES, NULL, &e);
    if (!outputs[i]) {
      for (size_t k = 0; k < i; k++) seam_tensor_free(outputs[k]), outputs[k] = NULL;
      char what[64];
      snprintf(what, sizeof what, "output %zu of the reply", i);
      return failed(err, e.status, what, e.message);
    }
  }
  return SEAM_OK;
}

#include "bench/codec_common.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/tensor.h"

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static double max_abs_error(const seam_tensor *a, const seam_tensor *b) {
  if (a->dtype != SEAM_DTYPE_FLOAT32 || b->dtype != SEAM_DTYPE_FLOAT32) return 0;
  const float *x = a->data, *y = b->data;
  double worst = 0;
  for (int64_t i = 0; i < a->count; i++) {
    double e = fabs((double)x[i] - (double)y[i]);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

seam_status codec_measure_tensor(const seam_tensor *t, const char *name, const seam_codec_options *options,
                                 int runs, codec_measure *out, seam_error *err) {
  if (runs < 1) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "runs must be >= 1");
  double *enc = calloc((size_t)runs, sizeof *enc), *dec = calloc((size_t)runs, sizeof *dec);
  if (!enc || !dec) {
    free(enc);
    free(dec);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  seam_status st = SEAM_OK;
  memset(out, 0, sizeof *out);
  for (int r = 0; r < runs && st == SEAM_OK; r++) {
    Seam__V1__Tensor msg;
    seam_codec_stats es = {0}, ds = {0};
    st = seam_codec_encode(t, name, options, &msg, &es, err);
    if (st != SEAM_OK) break;
    seam_tensor *back = seam_codec_decode(&msg, SIZE_MAX / 4, &ds, err);
    if (!back) st = err->status ? err->status : SEAM_ERR_INTERNAL;
    else if (r == 0) out->max_abs_error = max_abs_error(t, back);
    out->bytes = es.encoded_bytes;
    enc[r] = es.encode_us;
    dec[r] = ds.decode_us;
    seam_tensor_free(back);
    seam_codec_msg_clear(&msg);
  }
  if (st == SEAM_OK) {
    out->encode_us = median(enc, runs);
    out->decode_us = median(dec, runs);
  }
  free(enc);
  free(dec);
  return st;
}

static seam_tensor *take_sample(const seam_tensor *t, int64_t k, seam_error *err) {
  if (t->rank == 0 || t->dims[0] <= 1) return seam_tensor_clone(t, err);
  if (k < 0 || k >= t->dims[0]) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "--sample %lld is outside 0..%lld", (long long)k,
              (long long)t->dims[0] - 1);
    return NULL;
  }
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, t->dims, sizeof dims);
  dims[0] = 1;
  seam_tensor *s = seam_tensor_create(t->dtype, (size_t)t->rank, dims, err);
  if (!s) return NULL;
  size_t n = seam_tensor_nbytes(s);
  memcpy(s->data, (const char *)t->data + (size_t)k * n, n);
  return s;
}

seam_model *bench_load(const char *model_path, const seam_model_options *options, const char *input_path,
                       long long sample, seam_tensor **input, const char **input_name, seam_error *err) {
  seam_model *model = seam_model_load_with(model_path, options, err);
  seam_tensor *batch = model ? seam_tensor_load_npy(input_path, err) : NULL;
  *input = batch ? take_sample(batch, sample, err) : NULL;
  seam_tensor_free(batch);
  seam_value_info info;
  if (*input && seam_model_input_info(model, 0, &info) != SEAM_OK) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has no input");
    seam_tensor_free(*input);
    *input = NULL;
  }
  if (!*input) {
    seam_model_free(model);
    return NULL;
  }
  *input_name = info.name;
  return model;
}

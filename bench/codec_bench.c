/* codec_bench — bytes on the wire and codec time for a model's cut tensors.
 *
 *   codec_bench --model M.onnx --input X.npy [--sample K] --cut T [--cut T ...]
 *               [--runs N] [--threads N]
 *
 * Runs the model on one sample (item K of the input's first dimension; the
 * whole input when its first dim is 1) up to the cut tensors, then encodes
 * each cut tensor in every codec configuration --runs times and prints one
 * Markdown table: bytes on the wire, against the raw FP32 tensor and the
 * input (as float32 and as an 8-bit image of the same element count), median
 * encode and decode time, and the largest absolute error after decoding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/codec.h"
#include "runtime/tensor.h"
#include "seam/runtime.h"

#define MAX_CUTS 16

typedef struct config {
  const char *label;
  seam_encoding enc;
  int level;
} config;

static const config CONFIGS[] = {
    {"RAW FP32", SEAM_ENCODING_RAW, 0},     {"RAW+zstd3", SEAM_ENCODING_RAW, 3},
    {"F16", SEAM_ENCODING_F16, 0},          {"F16+zstd3", SEAM_ENCODING_F16, 3},
    {"INT8", SEAM_ENCODING_INT8, 0},        {"INT8+zstd1", SEAM_ENCODING_INT8, 1},
    {"INT8+zstd3", SEAM_ENCODING_INT8, 3},  {"INT8+zstd9", SEAM_ENCODING_INT8, 9},
};
#define N_CONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Item k of t's first dimension, as a tensor with first dim 1. */
static seam_tensor *take_sample(const seam_tensor *t, int64_t k, seam_error *err) {
  if (t->rank == 0 || t->dims[0] <= 1) return seam_tensor_clone(t, err);
  if (k < 0 || k >= t->dims[0]) {
    snprintf(err->message, sizeof err->message, "--sample %lld is outside 0..%lld", (long long)k,
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

static void usage(FILE *f) {
  fprintf(f, "usage: codec_bench --model M.onnx --input X.npy [--sample K] --cut T [--cut T ...]\n"
             "                   [--runs N] [--threads N]\n");
}

int main(int argc, char **argv) {
  const char *model_path = NULL, *input_path = NULL, *cuts[MAX_CUTS];
  int n_cuts = 0, runs = 50, threads = 1;
  long long sample = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      usage(stderr);
      return 2;
    }
    const char *v = argv[++i];
    if (!strcmp(argv[i - 1], "--model")) model_path = v;
    else if (!strcmp(argv[i - 1], "--input")) input_path = v;
    else if (!strcmp(argv[i - 1], "--sample")) sample = atoll(v);
    else if (!strcmp(argv[i - 1], "--runs")) runs = atoi(v);
    else if (!strcmp(argv[i - 1], "--threads")) threads = atoi(v);
    else if (!strcmp(argv[i - 1], "--cut") && n_cuts < MAX_CUTS) cuts[n_cuts++] = v;
    else {
      usage(stderr);
      return 2;
    }
  }
  if (!model_path || !input_path || n_cuts == 0 || runs < 1) {
    usage(stderr);
    return 2;
  }

  seam_error err = {0};
  seam_model_options mo;
  seam_model_options_default(&mo);
  mo.num_threads = threads;
  seam_model *model = seam_model_load_with(model_path, &mo, &err);
  seam_tensor *batch = model ? seam_tensor_load_npy(input_path, &err) : NULL;
  seam_tensor *input = batch ? take_sample(batch, sample, &err) : NULL;
  seam_tensor_free(batch);
  seam_value_info info;
  if (!input || seam_model_input_info(model, 0, &info) != SEAM_OK) {
    fprintf(stderr, "codec_bench: %s\n", err.message);
    seam_tensor_free(input);
    seam_model_free(model);
    return 1;
  }
  seam_tensor *outs[MAX_CUTS] = {0};
  const seam_tensor *ins[1] = {input};
  if (seam_model_run(model, 1, &info.name, ins, (size_t)n_cuts, cuts, outs, &err) != SEAM_OK) {
    fprintf(stderr, "codec_bench: %s\n", err.message);
    seam_tensor_free(input);
    seam_model_free(model);
    return 1;
  }

  char shape[128];
  size_t in_f32 = (size_t)input->count * sizeof(float), in_u8 = (size_t)input->count;
  printf("model `%s`, input %s %s (%zu B as float32, %zu B as an 8-bit image), %d runs per "
         "configuration\n\n",
         model_path, seam_shape_str(input->rank, input->dims, shape, sizeof shape),
         seam_dtype_name(input->dtype), in_f32, in_u8, runs);
  printf("| cut tensor | shape | encoding | bytes | vs RAW FP32 | vs input f32 | vs 8-bit image "
         "| encode µs | decode µs | max abs error |\n");
  printf("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");

  double *enc_us = calloc((size_t)runs, sizeof *enc_us), *dec_us = calloc((size_t)runs, sizeof *dec_us);
  int rc = enc_us && dec_us ? 0 : 1;
  for (int c = 0; c < n_cuts && rc == 0; c++) {
    const seam_tensor *t = outs[c];
    for (size_t k = 0; k < N_CONFIGS && rc == 0; k++) {
      if (CONFIGS[k].enc != SEAM_ENCODING_RAW && t->dtype != SEAM_DTYPE_FLOAT32) continue;
      seam_codec_options o = {.encoding = CONFIGS[k].enc, .zstd_level = CONFIGS[k].level};
      seam_codec_stats es = {0}, ds = {0};
      double max_err = 0;
      for (int r = 0; r < runs && rc == 0; r++) {
        Seam__V1__Tensor msg;
        seam_tensor *back = NULL;
        if (seam_codec_encode(t, cuts[c], &o, &msg, &es, &err) != SEAM_OK ||
            !(back = seam_codec_decode(&msg, SIZE_MAX / 4, &ds, &err))) {
          fprintf(stderr, "codec_bench: %s\n", err.message);
          rc = 1;
        } else if (r == 0 && t->dtype == SEAM_DTYPE_FLOAT32) {
          const float *a = t->data, *b = back->data;
          for (int64_t i = 0; i < t->count; i++) {
            double e = fabs((double)a[i] - (double)b[i]);
            if (e > max_err) max_err = e;
          }
        }
        enc_us[r] = es.encode_us;
        dec_us[r] = ds.decode_us;
        seam_tensor_free(back);
        seam_codec_msg_clear(&msg);
      }
      if (rc) break;
      printf("| `%s` | %s | %s | %llu | %.2f× | %.3f | %.3f | %.1f | %.1f | %.3g |\n", cuts[c],
             seam_shape_str(t->rank, t->dims, shape, sizeof shape), CONFIGS[k].label,
             (unsigned long long)es.encoded_bytes, es.ratio, (double)es.encoded_bytes / (double)in_f32,
             (double)es.encoded_bytes / (double)in_u8, median(enc_us, runs), median(dec_us, runs),
             max_err);
    }
  }
  free(enc_us);
  free(dec_us);
  for (int c = 0; c < n_cuts; c++) seam_tensor_free(outs[c]);
  seam_tensor_free(input);
  seam_model_free(model);
  return rc;
}

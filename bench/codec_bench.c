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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/codec_common.h"
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
  seam_tensor *input = NULL;
  const char *input_name = NULL;
  seam_model *model = bench_load(model_path, &mo, input_path, sample, &input, &input_name, &err);
  if (!model) {
    fprintf(stderr, "codec_bench: %s\n", err.message);
    return 1;
  }
  seam_tensor *outs[MAX_CUTS] = {0};
  const seam_tensor *ins[1] = {input};
  if (seam_model_run(model, 1, &input_name, ins, (size_t)n_cuts, cuts, outs, &err) != SEAM_OK) {
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

  int rc = 0;
  for (int c = 0; c < n_cuts && rc == 0; c++) {
    const seam_tensor *t = outs[c];
    for (size_t k = 0; k < N_CONFIGS && rc == 0; k++) {
      if (CONFIGS[k].enc != SEAM_ENCODING_RAW && t->dtype != SEAM_DTYPE_FLOAT32) continue;
      seam_codec_options o = {.encoding = CONFIGS[k].enc, .zstd_level = CONFIGS[k].level};
      codec_measure m;
      if (codec_measure_tensor(t, cuts[c], &o, runs, &m, &err) != SEAM_OK) {
        fprintf(stderr, "codec_bench: %s\n", err.message);
        rc = 1;
        break;
      }
      printf("| `%s` | %s | %s | %llu | %.2f× | %.3f | %.3f | %.1f | %.1f | %.3g |\n", cuts[c],
             seam_shape_str(t->rank, t->dims, shape, sizeof shape), CONFIGS[k].label,
             (unsigned long long)m.bytes, (double)seam_tensor_nbytes(t) / (double)m.bytes,
             (double)m.bytes / (double)in_f32, (double)m.bytes / (double)in_u8, m.encode_us, m.decode_us,
             m.max_abs_error);
    }
  }
  for (int c = 0; c < n_cuts; c++) seam_tensor_free(outs[c]);
  seam_tensor_free(input);
  seam_model_free(model);
  return rc;
}

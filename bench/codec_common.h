/* What the codec benchmarks (codec_bench, cut_codec_bench) share: a model
 * with one sample of its input, and one tensor through one codec
 * configuration, timed. */
#ifndef SEAM_BENCH_CODEC_COMMON_H
#define SEAM_BENCH_CODEC_COMMON_H

#include <stdint.h>

#include "protocol/codec.h"
#include "seam/runtime.h"

typedef struct codec_measure {
  uint64_t bytes;        /* Tensor.payload bytes on the wire */
  double encode_us;      /* median per call */
  double decode_us;      /* median per call */
  double max_abs_error;  /* after decoding; float32 tensors, 0 for others */
} codec_measure;

/* Encodes t with options and decodes it, runs times (>= 1). SEAM_OK with
 * out filled, or the codec's error. */
seam_status codec_measure_tensor(const seam_tensor *t, const char *name, const seam_codec_options *options,
                                 int runs, codec_measure *out, seam_error *err);

/* Loads the model at model_path with options, and item `sample` of the
 * .npy at input_path's first dimension (the whole tensor when that dim is
 * 1) as *input, for the model's first input, whose name goes to
 * *input_name (owned by the model). NULL with err filled on failure
 * (nothing to free then). */
seam_model *bench_load(const char *model_path, const seam_model_options *options, const char *input_path,
                       long long sample, seam_tensor **input, const char **input_name, seam_error *err);

#endif

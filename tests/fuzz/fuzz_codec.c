/* Fuzz target: the tensor codec (protocol/codec.h). The input is a
 * serialized seam.v1.Tensor in any encoding and compression; it is decoded
 * under a size limit, and a tensor that decodes is encoded again with every
 * encoding (RAW, F16, INT8; with and without zstd) and decoded back:
 *   - RAW gives back the same dtype, dims and bytes;
 *   - F16 gives back each float rounded to binary16 (checked against a
 *     reference conversion written here in double arithmetic);
 *   - INT8 (min/max range) gives back each finite float within half a
 *     scale step (docs/protocol.md), within float rounding.
 * The limit is the codec's own: FUZZ_MAX_TENSOR_BYTES for the decoded
 * tensor, well under the fuzzer's -malloc_limit_mb. */
#include <math.h>
#include <string.h>

#include "protocol/codec.h"
#include "tests/fuzz/fuzz_check.h"

#define FUZZ_MAX_TENSOR_BYTES ((size_t)1 << 20)

/* x rounded to the nearest binary16 value (ties to even), as a float: the
 * codec's F16 contract, computed independently of protocol/half.c. */
static float reference_f16(float x) {
  if (isnan(x)) return x;
  double a = fabs((double)x);
  if (a >= 65520.0) return copysignf(INFINITY, x);
  int e;
  frexp(a, &e); /* a = m * 2^e, m in [0.5, 1) */
  int exponent = e - 1;
  double quantum = exponent < -14 ? ldexp(1.0, -24) : ldexp(1.0, exponent - 10);
  double r = nearbyint(a / quantum) * quantum; /* exact: scaling by powers of two */
  return copysignf((float)r, x);
}

static uint32_t float_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

/* Encodes t with options, decodes the result, checks the figures. */
static seam_tensor *round_trip(const seam_tensor *t, const seam_codec_options *o, float *scale) {
  Seam__V1__Tensor msg;
  seam_codec_stats stats;
  seam_error err;
  memset(&err, 0, sizeof err);
  if (seam_codec_encode(t, "x", o, &msg, &stats, &err) != SEAM_OK) {
    FUZZ_CHECK_ERROR(err);
    /* The one documented refusal for a decodable float32 tensor: an INT8
     * range too wide for a finite scale. */
    FUZZ_CHECK(o->encoding == SEAM_ENCODING_INT8 && err.status == SEAM_ERR_INVALID_ARGUMENT,
               "encoding %s (zstd %d) refused: %s", seam_encoding_name(o->encoding), o->zstd_level,
               err.message);
    return NULL;
  }
  FUZZ_CHECK(stats.encoded_bytes == msg.payload.len, "stats say %llu bytes, the payload has %zu",
             (unsigned long long)stats.encoded_bytes, msg.payload.len);
  FUZZ_CHECK(stats.raw_bytes == seam_tensor_nbytes(t), "raw_bytes %llu for a %zu-byte tensor",
             (unsigned long long)stats.raw_bytes, seam_tensor_nbytes(t));
  *scale = msg.scale;
  memset(&err, 0, sizeof err);
  seam_tensor *back = seam_codec_decode(&msg, FUZZ_MAX_TENSOR_BYTES, NULL, &err);
  FUZZ_CHECK(back != NULL, "%s (zstd %d) does not decode its own message: %s",
             seam_encoding_name(o->encoding), o->zstd_level, err.message);
  seam_codec_msg_clear(&msg);
  FUZZ_CHECK(seam_tensor_rank(back) == seam_tensor_rank(t) &&
                 memcmp(seam_tensor_dims(back), seam_tensor_dims(t),
                        seam_tensor_rank(t) * sizeof(int64_t)) == 0,
             "dims changed in a round trip");
  return back;
}

static void check_raw(const seam_tensor *t, int zstd_level) {
  seam_codec_options o = {.encoding = SEAM_ENCODING_RAW, .zstd_level = zstd_level};
  float scale;
  seam_tensor *back = round_trip(t, &o, &scale);
  FUZZ_CHECK(seam_tensor_dtype(back) == seam_tensor_dtype(t), "RAW changed the dtype");
  FUZZ_CHECK(memcmp(seam_tensor_data_const(back), seam_tensor_data_const(t), seam_tensor_nbytes(t)) == 0,
             "RAW (zstd %d) changed the bytes", zstd_level);
  seam_tensor_free(back);
}

static void check_f16(const seam_tensor *t, int zstd_level) {
  seam_codec_options o = {.encoding = SEAM_ENCODING_F16, .zstd_level = zstd_level};
  float scale;
  seam_tensor *back = round_trip(t, &o, &scale);
  const float *x = seam_tensor_data_const(t), *y = seam_tensor_data_const(back);
  for (size_t i = 0; i < seam_tensor_count(t); i++) {
    float want = reference_f16(x[i]);
    if (isnan(want))
      FUZZ_CHECK(isnan(y[i]), "F16: NaN element %zu decoded as %g", i, (double)y[i]);
    else
      FUZZ_CHECK(float_bits(y[i]) == float_bits(want), "F16: element %zu, %a decoded as %a, not %a", i,
                 (double)x[i], (double)y[i], (double)want);
  }
  seam_tensor_free(back);
}

static void check_int8(const seam_tensor *t, int zstd_level) {
  seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .zstd_level = zstd_level,
                          .int8_range = SEAM_INT8_RANGE_MINMAX};
  float scale = 0;
  seam_tensor *back = round_trip(t, &o, &scale);
  if (!back) return;
  const float *x = seam_tensor_data_const(t), *y = seam_tensor_data_const(back);
  for (size_t i = 0; i < seam_tensor_count(t); i++) {
    if (!isfinite(x[i])) continue;
    double error = fabs((double)y[i] - (double)x[i]);
    /* Half a step, plus the rounding of x / scale and of scale * q. */
    double bound = (double)scale * 0.5 * (1 + 1e-5) + fabs((double)x[i]) * 1e-6;
    FUZZ_CHECK(error <= bound, "INT8: element %zu, %a decoded as %a (scale %a): error %g > %g", i,
               (double)x[i], (double)y[i], (double)scale, error, bound);
  }
  seam_tensor_free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Seam__V1__Tensor *msg = seam__v1__tensor__unpack(NULL, size, data);
  if (!msg) return 0;
  seam_codec_stats stats;
  seam_error err;
  memset(&err, 0, sizeof err);
  seam_tensor *t = seam_codec_decode(msg, FUZZ_MAX_TENSOR_BYTES, &stats, &err);
  if (!t) {
    FUZZ_CHECK_ERROR(err);
    seam__v1__tensor__free_unpacked(msg, NULL);
    return 0;
  }
  FUZZ_CHECK(seam_tensor_nbytes(t) <= FUZZ_MAX_TENSOR_BYTES, "decoded %zu bytes over the limit",
             seam_tensor_nbytes(t));
  FUZZ_CHECK(stats.encoded_bytes == msg->payload.len, "decode stats: %llu payload bytes, not %zu",
             (unsigned long long)stats.encoded_bytes, msg->payload.len);
  seam__v1__tensor__free_unpacked(msg, NULL);

  check_raw(t, 0);
  check_raw(t, 1);
  if (seam_tensor_dtype(t) == SEAM_DTYPE_FLOAT32) {
    check_f16(t, 0);
    check_f16(t, 3);
    check_int8(t, 0);
    check_int8(t, -1);
  }
  seam_tensor_free(t);
  return 0;
}

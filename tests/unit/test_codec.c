/* The tensor codec (protocol/codec.c): round trips per encoding and dtype,
 * half-precision bit patterns, and every malformed message refused with the
 * right status (plus a bounded fuzz loop over packed messages). */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "common/int8_qparams.h"
#include "protocol/codec.h"
#include "protocol/health.pb-c.h"
#include "protocol/seam.pb-c.h"
#include "runtime/tensor.h"
#include "tests/unit/unit.h"

#define MiB ((size_t)1 << 20)

static uint32_t rng_state = 12345u;
static uint32_t rng(void) { /* xorshift32: fixed seed, same sequence every run */
  uint32_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return rng_state = x;
}
static float rng_uniform(float lo, float hi) { return lo + (hi - lo) * (float)(rng() >> 8) / 16777216.0f; }

static float bits_f(uint32_t b) {
  float f;
  memcpy(&f, &b, sizeof f);
  return f;
}
static uint32_t f_bits(float f) {
  uint32_t b;
  memcpy(&b, &f, sizeof b);
  return b;
}

static seam_tensor *make_f32(int rank, const int64_t *dims, float lo, float hi) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, (size_t)rank, dims, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  float *x = t->data;
  for (int64_t i = 0; i < t->count; i++) x[i] = rng_uniform(lo, hi);
  return t;
}

/* Encodes and decodes t; returns the decoded tensor (checked for shape). */
static seam_tensor *round_trip(const seam_tensor *t, const seam_codec_options *o, Seam__V1__Tensor *keep) {
  Seam__V1__Tensor msg;
  seam_error err = {0};
  seam_codec_stats es, ds;
  seam_status st = seam_codec_encode(t, "x", o, &msg, &es, &err);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(es.encoded_bytes, msg.payload.len);
  CU_ASSERT_EQUAL(es.raw_bytes, seam_tensor_nbytes(t));
  seam_tensor *back = seam_codec_decode(&msg, 64 * MiB, &ds, &err);
  if (!back) fprintf(stderr, "decode: %s\n", err.message);
  CU_ASSERT_PTR_NOT_NULL_FATAL(back);
  CU_ASSERT_EQUAL(back->rank, t->rank);
  for (int i = 0; i < t->rank; i++) CU_ASSERT_EQUAL(back->dims[i], t->dims[i]);
  CU_ASSERT_EQUAL(back->count, t->count);
  CU_ASSERT_EQUAL(ds.encoded_bytes, msg.payload.len);
  if (keep) *keep = msg;
  else seam_codec_msg_clear(&msg);
  return back;
}

/* ---- half precision ------------------------------------------------------ */

static void test_half_bits(void) {
  static const struct { uint32_t f; uint16_t h; } cases[] = {
      {0x3f800000u, 0x3c00u}, /* 1 */
      {0xc0000000u, 0xc000u}, /* -2 */
      {0x00000000u, 0x0000u}, /* +0 */
      {0x80000000u, 0x8000u}, /* -0 */
      {0x477fe000u, 0x7bffu}, /* 65504, the largest half */
      {0x477fefffu, 0x7bffu}, /* just under 65520: rounds down */
      {0x477ff000u, 0x7c00u}, /* 65520: tie, rounds to even = Inf */
      {0x501502f9u, 0x7c00u}, /* 1e10: overflow to Inf */
      {0xd01502f9u, 0xfc00u}, /* -1e10 */
      {0x7f800000u, 0x7c00u}, /* +Inf */
      {0xff800000u, 0xfc00u}, /* -Inf */
      {0x7fc00000u, 0x7e00u}, /* quiet NaN */
      {0xffc00000u, 0xfe00u}, /* negative NaN keeps its sign */
      {0x7f800001u, 0x7e00u}, /* NaN with only low payload bits stays NaN (quiet) */
      {0x7fa00000u, 0x7f00u}, /* signalling NaN: quieted, top payload bit kept */
      {0x38800000u, 0x0400u}, /* 2^-14, the smallest normal */
      {0x387fc000u, 0x03ffu}, /* 1023 x 2^-24, the largest subnormal */
      {0x387fe000u, 0x0400u}, /* 1023.5 x 2^-24: tie, rounds up into the normal range */
      {0x33800000u, 0x0001u}, /* 2^-24, the smallest subnormal */
      {0x33000000u, 0x0000u}, /* 2^-25: tie between 0 and 2^-24, rounds to even 0 */
      {0x33000001u, 0x0001u}, /* just above 2^-25 */
      {0x33c00000u, 0x0002u}, /* 1.5 x 2^-24: tie, rounds to even 2 */
      {0x34200000u, 0x0002u}, /* 2.5 x 2^-24: tie, rounds to even 2 */
      {0x2f800000u, 0x0000u}, /* 2^-32: underflow to 0 */
      {0xaf800000u, 0x8000u}, /* -2^-32: underflow to -0 */
      {0x3f801000u, 0x3c00u}, /* 1 + 2^-11: tie, rounds to even 1 */
      {0x3f803000u, 0x3c02u}, /* 1 + 3 x 2^-11: tie, rounds to even */
      {0x3f801001u, 0x3c01u}, /* just above the tie: rounds up */
      {0x3dcccccdu, 0x2e66u}, /* 0.1 */
      {0x3eaaaaabu, 0x3555u}, /* 1/3 */
      {0x40490fdbu, 0x4248u}, /* pi */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t h = seam_f32_to_f16(bits_f(cases[i].f));
    if (h != cases[i].h) fprintf(stderr, "f32 %08x -> f16 %04x, want %04x\n", cases[i].f, h, cases[i].h);
    CU_ASSERT_EQUAL(h, cases[i].h);
  }
  /* half -> float by hand. */
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x0001u)), 0x33800000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x03ffu)), 0x387fc000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x0400u)), 0x38800000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x7bffu)), 0x477fe000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x7c00u)), 0x7f800000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0xfc00u)), 0xff800000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x8000u)), 0x80000000u);
  CU_ASSERT_EQUAL(f_bits(seam_f16_to_f32(0x3555u)), 0x3eaaa000u);
  CU_ASSERT(isnan(seam_f16_to_f32(0x7e00u)));
  CU_ASSERT(isnan(seam_f16_to_f32(0x7c01u)));
  CU_ASSERT(signbit(seam_f16_to_f32(0xfe00u)));
  /* Every half value survives half -> float -> half exactly (NaN stays NaN). */
  int bad = 0;
  for (uint32_t h = 0; h <= 0xffffu; h++) {
    float f = seam_f16_to_f32((uint16_t)h);
    uint16_t back = seam_f32_to_f16(f);
    int is_nan = (h & 0x7c00u) == 0x7c00u && (h & 0x03ffu);
    if (is_nan ? !(isnan(f) && (back & 0x7c00u) == 0x7c00u && (back & 0x3ffu)) : back != h) bad++;
  }
  CU_ASSERT_EQUAL(bad, 0);
}

/* ---- round trips --------------------------------------------------------- */

static const seam_dtype ALL_DTYPES[] = {
    SEAM_DTYPE_FLOAT32, SEAM_DTYPE_UINT8,   SEAM_DTYPE_INT8,    SEAM_DTYPE_UINT16,
    SEAM_DTYPE_INT16,   SEAM_DTYPE_INT32,   SEAM_DTYPE_INT64,   SEAM_DTYPE_BOOL,
    SEAM_DTYPE_FLOAT16, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_UINT32,  SEAM_DTYPE_UINT64};

static void test_raw_every_dtype(void) {
  const int levels[] = {0, 1, 3, 19, -5};
  int64_t dims[3] = {3, 5, 7};
  for (size_t d = 0; d < sizeof ALL_DTYPES / sizeof ALL_DTYPES[0]; d++) {
    seam_tensor *t = seam_tensor_create(ALL_DTYPES[d], 3, dims, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    uint8_t *b = t->data;
    for (size_t i = 0; i < seam_tensor_nbytes(t); i++)
      b[i] = ALL_DTYPES[d] == SEAM_DTYPE_BOOL ? (uint8_t)(rng() & 1) : (uint8_t)rng();
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
      seam_codec_options o = {.encoding = SEAM_ENCODING_RAW, .zstd_level = levels[l]};
      Seam__V1__Tensor msg;
      seam_tensor *back = round_trip(t, &o, &msg);
      CU_ASSERT_EQUAL(back->dtype, ALL_DTYPES[d]);
      CU_ASSERT_EQUAL(memcmp(back->data, t->data, seam_tensor_nbytes(t)), 0);
      CU_ASSERT_EQUAL(msg.uncompressed_size, seam_tensor_nbytes(t));
      CU_ASSERT_EQUAL(msg.compression, levels[l] ? SEAM__V1__COMPRESSION__COMPRESSION_ZSTD
                                                 : SEAM__V1__COMPRESSION__COMPRESSION_NONE);
      CU_ASSERT_STRING_EQUAL(msg.name, "x");
      seam_codec_msg_clear(&msg);
      seam_tensor_free(back);
    }
    seam_tensor_free(t);
  }
}

static void test_f16_round_trip(void) {
  int64_t dims[2] = {16, 33};
  for (int level = 0; level <= 3; level += 3) {
    seam_tensor *t = make_f32(2, dims, -1000.0f, 1000.0f);
    float *x = t->data;
    /* A few values representable in half: exact. */
    x[0] = 0.5f;
    x[1] = -1024.0f;
    x[2] = 65504.0f;
    x[3] = bits_f(0x33800000u); /* 2^-24, subnormal */
    x[4] = INFINITY;
    x[5] = -INFINITY;
    x[6] = NAN;
    x[7] = 1e6f;  /* overflow -> Inf */
    x[8] = -0.0f;
    x[9] = 1e-3f; /* normal half range: relative error <= 2^-11 */
    seam_codec_options o = {.encoding = SEAM_ENCODING_F16, .zstd_level = level};
    Seam__V1__Tensor msg;
    seam_tensor *back = round_trip(t, &o, &msg);
    CU_ASSERT_EQUAL(back->dtype, SEAM_DTYPE_FLOAT32);
    CU_ASSERT_EQUAL(msg.uncompressed_size, (uint64_t)t->count * 2);
    const float *y = back->data;
    CU_ASSERT_EQUAL(y[0], 0.5f);
    CU_ASSERT_EQUAL(y[1], -1024.0f);
    CU_ASSERT_EQUAL(y[2], 65504.0f);
    CU_ASSERT_EQUAL(f_bits(y[3]), 0x33800000u);
    CU_ASSERT(isinf(y[4]) && y[4] > 0);
    CU_ASSERT(isinf(y[5]) && y[5] < 0);
    CU_ASSERT(isnan(y[6]));
    CU_ASSERT(isinf(y[7]) && y[7] > 0);
    CU_ASSERT(y[8] == 0 && signbit(y[8]));
    int bad = 0;
    for (int64_t i = 9; i < t->count; i++)
      if (fabsf(y[i] - x[i]) > fabsf(x[i]) * 0x1p-11f) bad++;
    CU_ASSERT_EQUAL(bad, 0);
    seam_codec_msg_clear(&msg);
    seam_tensor_free(back);
    seam_tensor_free(t);
  }
}

/* Checks |decoded - x| <= scale/2 for every element inside the range, 0 exact. */
static void check_int8(const seam_tensor *t, const seam_tensor *back, float scale) {
  const float *x = t->data, *y = back->data;
  int bad = 0;
  for (int64_t i = 0; i < t->count; i++) {
    if (x[i] == 0.0f && y[i] != 0.0f) bad++;
    if (fabsf(y[i] - x[i]) > scale * 0.5f * (1 + 1e-5f) + 1e-30f) bad++;
  }
  CU_ASSERT_EQUAL(bad, 0);
}

static void test_int8_round_trip(void) {
  int64_t dims[4] = {1, 8, 9, 10};
  const int levels[] = {0, 1, 3, 9};
  const float ranges[][2] = {{-3.0f, 7.0f}, {0.0f, 6.0f} /* post-ReLU */, {-5.0f, -1.0f}, {-1e-3f, 1e-3f}};
  for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
      seam_tensor *t = make_f32(4, dims, ranges[r][0], ranges[r][1]);
      float *x = t->data;
      for (int64_t i = 0; i < t->count; i += 7) x[i] = 0.0f; /* zeros, as ReLU makes them */
      seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .zstd_level = levels[l]};
      Seam__V1__Tensor msg;
      seam_tensor *back = round_trip(t, &o, &msg);
      CU_ASSERT_EQUAL(msg.uncompressed_size, (uint64_t)t->count);
      CU_ASSERT(msg.scale > 0);
      CU_ASSERT(msg.zero_point >= -128 && msg.zero_point <= 127);
      if (ranges[r][0] >= 0) CU_ASSERT_EQUAL(msg.zero_point, -128);
      if (ranges[r][1] <= 0) CU_ASSERT_EQUAL(msg.zero_point, 127);
      check_int8(t, back, msg.scale);
      seam_codec_msg_clear(&msg);
      seam_tensor_free(back);
      seam_tensor_free(t);
    }
  }
}

static void test_int8_ranges(void) {
  int64_t dims[1] = {200};
  seam_tensor *t = make_f32(1, dims, -2.0f, 2.0f);
  float *x = t->data;
  x[0] = 0;
  x[1] = 10.0f;  /* outside the calibrated range: saturates */
  x[2] = -10.0f;
  x[3] = NAN;    /* NaN -> zero point -> 0 */
  /* Given (calibrated) range. */
  float scale;
  int32_t zp;
  CU_ASSERT_EQUAL(seam_int8_qparams(-2.0f, 2.0f, &scale, &zp, NULL), SEAM_OK);
  seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_GIVEN,
                          .range_min = -2.0f, .range_max = 2.0f};
  Seam__V1__Tensor msg;
  seam_tensor *back = round_trip(t, &o, &msg);
  CU_ASSERT_EQUAL(msg.scale, scale);
  CU_ASSERT_EQUAL(msg.zero_point, zp);
  const float *y = back->data;
  CU_ASSERT_EQUAL(y[0], 0.0f);
  CU_ASSERT_EQUAL(y[1], scale * (float)(127 - zp));
  CU_ASSERT_EQUAL(y[2], scale * (float)(-128 - zp));
  CU_ASSERT_EQUAL(y[3], 0.0f);
  int bad = 0;
  for (int i = 4; i < 200; i++)
    if (fabsf(y[i] - x[i]) > scale * 0.5f * (1 + 1e-5f)) bad++;
  CU_ASSERT_EQUAL(bad, 0);
  seam_codec_msg_clear(&msg);
  seam_tensor_free(back);

  /* Given scale and zero point, used as they are. */
  seam_codec_options q = {.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_QPARAMS,
                          .scale = 0.05f, .zero_point = 5};
  back = round_trip(t, &q, &msg);
  CU_ASSERT_EQUAL(msg.scale, 0.05f);
  CU_ASSERT_EQUAL(msg.zero_point, 5);
  CU_ASSERT_EQUAL(((const float *)back->data)[0], 0.0f);
  seam_codec_msg_clear(&msg);
  seam_tensor_free(back);

  /* Hand-computed parameters: [0, 2.55] -> scale 0.01, zp -128; all-zero -> 1, 0;
   * [-1, 1] -> scale (float)(2/255) = 0.0078431377 (just above 2/255), so
   * -128 + 1/scale = -0.5000001 and zp = -1. */
  CU_ASSERT_EQUAL(seam_int8_qparams(0.0f, 2.55f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(fabsf(scale - 0.01f) < 1e-8f);
  CU_ASSERT_EQUAL(zp, -128);
  CU_ASSERT_EQUAL(seam_int8_qparams(0.0f, 0.0f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT_EQUAL(scale, 1.0f);
  CU_ASSERT_EQUAL(zp, 0);
  CU_ASSERT_EQUAL(seam_int8_qparams(-1.0f, 1.0f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT_EQUAL(f_bits(scale), 0x3c008081u);
  CU_ASSERT_EQUAL(zp, -1);
  CU_ASSERT_EQUAL(seam_int8_qparams(1.0f, 2.0f, &scale, &zp, NULL), SEAM_OK); /* widened to 0 */
  CU_ASSERT_EQUAL(zp, -128);
  CU_ASSERT_EQUAL(seam_int8_qparams(NAN, 1.0f, &scale, &zp, NULL), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(seam_int8_qparams(2.0f, 1.0f, &scale, &zp, NULL), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(seam_int8_qparams(INFINITY, INFINITY, &scale, &zp, NULL), SEAM_ERR_INVALID_ARGUMENT);
  /* The widest finite range still has a finite scale (2 FLT_MAX / 255). */
  CU_ASSERT_EQUAL(seam_int8_qparams(-FLT_MAX, FLT_MAX, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(isfinite(scale) && scale > 0);
  seam_tensor_free(t);

  /* A tensor of Inf and NaN only: the range is empty, every element maps to
   * the zero point's neighbourhood without crashing. */
  int64_t d2[1] = {3};
  seam_tensor *w = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, d2, NULL);
  ((float *)w->data)[0] = INFINITY;
  ((float *)w->data)[1] = -INFINITY;
  ((float *)w->data)[2] = NAN;
  seam_codec_options mm = {.encoding = SEAM_ENCODING_INT8};
  back = round_trip(w, &mm, NULL);
  CU_ASSERT_EQUAL(((const float *)back->data)[2], 0.0f);
  seam_tensor_free(back);
  seam_tensor_free(w);
}

/* Already-quantized tensors (a QDQ model's int8 or uint8 values with its
 * scale and zero point) decode to exactly what DequantizeLinear computes,
 * (q - zero_point) * scale, with one byte per element on the wire. */
static void test_int8_prequantized(void) {
  int64_t dims[2] = {3, 50};
  const seam_dtype types[2] = {SEAM_DTYPE_INT8, SEAM_DTYPE_UINT8};
  const int32_t zps[2] = {-7, 131};
  for (int k = 0; k < 2; k++) {
    seam_tensor *q = seam_tensor_create(types[k], 2, dims, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(q);
    uint8_t *b = q->data;
    for (int64_t i = 0; i < q->count; i++) b[i] = (uint8_t)rng();
    b[0] = types[k] == SEAM_DTYPE_INT8 ? (uint8_t)0x80 : 0; /* the extremes */
    b[1] = types[k] == SEAM_DTYPE_INT8 ? 0x7f : 0xff;
    seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_QUANTIZED,
                            .scale = 0.0371f, .zero_point = zps[k], .zstd_level = k};
    Seam__V1__Tensor msg;
    seam_error err = {0};
    seam_codec_stats es;
    CU_ASSERT_EQUAL_FATAL(seam_codec_encode(q, "q", &o, &msg, &es, &err), SEAM_OK);
    CU_ASSERT_EQUAL(msg.dtype, SEAM__V1__DTYPE__DTYPE_FLOAT32);
    CU_ASSERT_EQUAL(msg.uncompressed_size, (uint64_t)q->count);
    CU_ASSERT_EQUAL(es.raw_bytes, (uint64_t)q->count * sizeof(float));
    seam_tensor *back = seam_codec_decode(&msg, MiB, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_EQUAL(seam_tensor_dtype(back), SEAM_DTYPE_FLOAT32);
    const float *y = back->data;
    int bad = 0;
    for (int64_t i = 0; i < q->count; i++) {
      int32_t v = types[k] == SEAM_DTYPE_INT8 ? (int32_t)(int8_t)b[i] : (int32_t)b[i];
      if (f_bits(y[i]) != f_bits((float)(v - zps[k]) * 0.0371f)) bad++;
    }
    CU_ASSERT_EQUAL(bad, 0);
    seam_codec_msg_clear(&msg);
    seam_tensor_free(back);
    /* A zero point outside the tensor's type is refused. */
    o.zero_point = types[k] == SEAM_DTYPE_INT8 ? 200 : -1;
    CU_ASSERT_EQUAL(seam_codec_encode(q, "q", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
    seam_tensor_free(q);
  }
  /* A float tensor is not already quantized. */
  int64_t d1[1] = {4};
  seam_tensor *f = make_f32(1, d1, -1.0f, 1.0f);
  seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_QUANTIZED,
                          .scale = 0.1f};
  Seam__V1__Tensor msg;
  seam_error err = {0};
  CU_ASSERT_EQUAL(seam_codec_encode(f, "f", &o, &msg, NULL, &err), SEAM_ERR_UNSUPPORTED);
  seam_tensor_free(f);
}

static void test_empty_and_scalar(void) {
  const seam_encoding encs[] = {SEAM_ENCODING_RAW, SEAM_ENCODING_F16, SEAM_ENCODING_INT8};
  int64_t empty_dims[2] = {0, 4};
  for (size_t e = 0; e < 3; e++) {
    for (int level = 0; level <= 3; level += 3) {
      seam_codec_options o = {.encoding = encs[e], .zstd_level = level};
      seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, empty_dims, NULL);
      Seam__V1__Tensor msg;
      seam_tensor *back = round_trip(t, &o, &msg);
      CU_ASSERT_EQUAL(back->count, 0);
      CU_ASSERT_EQUAL(msg.uncompressed_size, 0);
      if (!level) CU_ASSERT_EQUAL(msg.payload.len, 0);
      seam_codec_msg_clear(&msg);
      seam_tensor_free(back);
      seam_tensor_free(t);

      t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 0, NULL, NULL);
      ((float *)t->data)[0] = 2.5f;
      back = round_trip(t, &o, &msg);
      CU_ASSERT_EQUAL(back->rank, 0);
      CU_ASSERT_EQUAL(msg.n_dims, 0);
      CU_ASSERT(fabsf(((const float *)back->data)[0] - 2.5f) <= (encs[e] == SEAM_ENCODING_INT8 ? 0.01f : 0.0f));
      seam_codec_msg_clear(&msg);
      seam_tensor_free(back);
      seam_tensor_free(t);
    }
  }
}

static void test_stats(void) {
  int64_t dims[1] = {4096};
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, NULL); /* zeros: compress well */
  seam_codec_options o = {.encoding = SEAM_ENCODING_INT8, .zstd_level = 3};
  Seam__V1__Tensor msg;
  seam_codec_stats s;
  CU_ASSERT_EQUAL_FATAL(seam_codec_encode(t, "z", &o, &msg, &s, NULL), SEAM_OK);
  CU_ASSERT_EQUAL(s.raw_bytes, 16384);
  CU_ASSERT_EQUAL(s.uncompressed_bytes, 4096);
  CU_ASSERT(s.encoded_bytes < 100);
  CU_ASSERT(fabs(s.ratio - 16384.0 / (double)s.encoded_bytes) < 1e-9);
  CU_ASSERT(s.encode_us >= 0);
  CU_ASSERT_EQUAL(msg.zstd_level, 3);
  seam_codec_msg_clear(&msg);
  seam_tensor_free(t);
}

static void test_encode_errors(void) {
  int64_t dims[1] = {4};
  seam_tensor *i32 = seam_tensor_create(SEAM_DTYPE_INT32, 1, dims, NULL);
  seam_tensor *f32 = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, NULL);
  Seam__V1__Tensor msg;
  seam_error err = {0};
  seam_codec_options o = {.encoding = SEAM_ENCODING_F16};
  CU_ASSERT_EQUAL(seam_codec_encode(i32, "a", &o, &msg, NULL, &err), SEAM_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "float32"));
  o.encoding = SEAM_ENCODING_INT8;
  CU_ASSERT_EQUAL(seam_codec_encode(i32, "a", &o, &msg, NULL, &err), SEAM_ERR_UNSUPPORTED);
  o = (seam_codec_options){.encoding = (seam_encoding)7};
  CU_ASSERT_EQUAL(seam_codec_encode(f32, "a", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  o = (seam_codec_options){.zstd_level = 99};
  CU_ASSERT_EQUAL(seam_codec_encode(f32, "a", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  o = (seam_codec_options){.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_QPARAMS, .scale = 0};
  CU_ASSERT_EQUAL(seam_codec_encode(f32, "a", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  o.scale = 1.0f;
  o.zero_point = 300;
  CU_ASSERT_EQUAL(seam_codec_encode(f32, "a", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  o = (seam_codec_options){.encoding = SEAM_ENCODING_INT8, .int8_range = SEAM_INT8_RANGE_GIVEN,
                           .range_min = NAN, .range_max = 1};
  CU_ASSERT_EQUAL(seam_codec_encode(f32, "a", &o, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_EQUAL(seam_codec_encode(NULL, "a", NULL, &msg, NULL, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_codec_msg_clear(NULL);
  seam_tensor_free(i32);
  seam_tensor_free(f32);
}

/* ---- malformed messages -------------------------------------------------- */

/* Decoding msg must fail with status (and no tensor). */
static void expect_refused(const Seam__V1__Tensor *msg, size_t max_bytes, seam_status status, const char *what) {
  seam_error err = {0};
  seam_tensor *t = seam_codec_decode(msg, max_bytes, NULL, &err);
  if (t || err.status != status)
    fprintf(stderr, "%s: got %s (%s), want %s\n", what, t ? "a tensor" : seam_status_name(err.status),
            err.message, seam_status_name(status));
  CU_ASSERT_PTR_NULL(t);
  CU_ASSERT_EQUAL(err.status, status);
  CU_ASSERT(err.message[0] != '\0');
  seam_tensor_free(t);
}

/* A float32 [count] tensor 0, 1, 2 ... (compressible) encoded with o. */
static void encode_ramp(int64_t count, seam_codec_options o, Seam__V1__Tensor *msg) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, &count, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  for (int64_t i = 0; i < count; i++) ((float *)t->data)[i] = (float)(i % 13);
  CU_ASSERT_EQUAL_FATAL(seam_codec_encode(t, "ramp", &o, msg, NULL, NULL), SEAM_OK);
  seam_tensor_free(t);
}

static void test_refuse_sizes(void) {
  Seam__V1__Tensor msg;
  encode_ramp(64, (seam_codec_options){0}, &msg);
  /* Sanity: the unmodified message decodes. */
  seam_tensor *ok = seam_codec_decode(&msg, MiB, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL(ok);
  seam_tensor_free(ok);

  msg.payload.len--;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "truncated payload");
  msg.payload.len++;

  uint8_t *longer = calloc(1, msg.payload.len + 1), *saved = msg.payload.data;
  memcpy(longer, saved, msg.payload.len);
  msg.payload.data = longer;
  msg.payload.len++;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "payload too long");
  msg.payload.len--;
  msg.payload.data = saved;
  free(longer);

  msg.uncompressed_size = 255;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "uncompressed_size lies");
  msg.uncompressed_size = 256;

  int64_t *saved_dims = msg.dims;
  size_t saved_n = msg.n_dims;
  int64_t neg[2] = {-4, -16};
  msg.dims = neg;
  msg.n_dims = 2;
  expect_refused(&msg, MiB, SEAM_ERR_SHAPE, "negative dims (product positive)");
  int64_t nine[9] = {1, 1, 1, 1, 1, 1, 1, 1, 64};
  msg.dims = nine;
  msg.n_dims = 9;
  expect_refused(&msg, MiB, SEAM_ERR_SHAPE, "rank 9");
  int64_t huge[2] = {(int64_t)1 << 40, (int64_t)1 << 40};
  msg.dims = huge;
  msg.n_dims = 2;
  expect_refused(&msg, MiB, SEAM_ERR_SHAPE, "element count overflow");
  int64_t bytes_overflow[2] = {(int64_t)1 << 31, (int64_t)1 << 31}; /* 2^62 elements x 4 bytes */
  msg.dims = bytes_overflow;
  expect_refused(&msg, SIZE_MAX, SEAM_ERR_SHAPE, "byte size overflow");
  int64_t zero_times_huge[3] = {0, INT64_MAX, INT64_MAX}; /* empty, but no overflow either */
  msg.dims = zero_times_huge;
  msg.n_dims = 3;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "empty shape with a 256-byte payload");
  msg.dims = NULL;
  msg.n_dims = 1;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "dims pointer missing");
  msg.dims = saved_dims;
  msg.n_dims = saved_n;

  expect_refused(&msg, 255, SEAM_ERR_SHAPE, "over max_bytes");
  ok = seam_codec_decode(&msg, 256, NULL, NULL); /* exactly at the limit */
  CU_ASSERT_PTR_NOT_NULL(ok);
  seam_tensor_free(ok);
  seam_codec_msg_clear(&msg);

  /* F16: 64 elements need 128 bytes; max_bytes counts the decoded float32 size. */
  encode_ramp(64, (seam_codec_options){.encoding = SEAM_ENCODING_F16}, &msg);
  expect_refused(&msg, 255, SEAM_ERR_SHAPE, "f16 over max_bytes");
  msg.payload.len = 127;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "f16 truncated");
  msg.payload.len = 128;
  seam_codec_msg_clear(&msg);
}

static void test_refuse_enums_and_qparams(void) {
  Seam__V1__Tensor msg;
  encode_ramp(16, (seam_codec_options){.encoding = SEAM_ENCODING_INT8}, &msg);
  float scale = msg.scale;

  const int bad_dtypes[] = {0, 8 /* ONNX string */, 14 /* complex64 */, 16 /* bfloat16 */, 99, -1};
  for (size_t i = 0; i < sizeof bad_dtypes / sizeof bad_dtypes[0]; i++) {
    msg.dtype = (Seam__V1__DType)bad_dtypes[i];
    expect_refused(&msg, MiB, SEAM_ERR_PARSE, "unknown dtype");
  }
  msg.dtype = SEAM__V1__DTYPE__DTYPE_INT32;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "int8 encoding of an int32 tensor");
  msg.dtype = SEAM__V1__DTYPE__DTYPE_FLOAT32;

  msg.encoding = (Seam__V1__Encoding)3;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "unknown encoding");
  msg.encoding = (Seam__V1__Encoding)-7;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "negative encoding");
  msg.encoding = SEAM__V1__ENCODING__ENCODING_INT8;
  msg.compression = (Seam__V1__Compression)2;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "unknown compression");
  msg.compression = SEAM__V1__COMPRESSION__COMPRESSION_NONE;

  const float bad_scales[] = {NAN, 0.0f, -0.0f, -1.0f, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof bad_scales / sizeof bad_scales[0]; i++) {
    msg.scale = bad_scales[i];
    expect_refused(&msg, MiB, SEAM_ERR_PARSE, "bad scale");
  }
  msg.scale = scale;
  msg.zero_point = 128;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "zero point 128");
  msg.zero_point = -129;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "zero point -129");
  msg.zero_point = 0;
  seam_tensor *ok = seam_codec_decode(&msg, MiB, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL(ok);
  seam_tensor_free(ok);
  seam_codec_msg_clear(&msg);
  expect_refused(NULL, MiB, SEAM_ERR_INVALID_ARGUMENT, "NULL message");
}

/* Rewrites the Frame_Content_Size field of a zstd frame in place (format:
 * RFC 8878 section 3.1.1.1). Returns 0 when the field cannot hold v. */
static int set_frame_content_size(uint8_t *f, size_t len, uint64_t v) {
  if (len < 6) return 0;
  uint8_t fhd = f[4];
  int fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, did = fhd & 3;
  size_t off = 5 + (single ? 0 : 1) + (size_t)(did == 3 ? 4 : did);
  size_t size = fcs_flag == 0 ? (single ? 1u : 0u) : (size_t)1 << fcs_flag;
  if (size == 0 || off + size > len) return 0;
  if (size == 1) {
    if (v > 255) return 0;
    f[off] = (uint8_t)v;
  } else if (size == 2) {
    if (v < 256 || v > 65535 + 256) return 0;
    v -= 256;
    f[off] = (uint8_t)v;
    f[off + 1] = (uint8_t)(v >> 8);
  } else {
    for (size_t i = 0; i < size; i++) f[off + i] = (uint8_t)(v >> (8 * i));
  }
  return 1;
}

/* msg (RAW float32 [128], zstd) with its payload replaced by `content`
 * (content_len bytes) compressed with the frame's declared size set to
 * `declared`; returns the old payload for restoring. */
static void swap_payload(Seam__V1__Tensor *msg, const uint8_t *content, size_t content_len,
                         int declared_ok, uint64_t declared) {
  size_t bound = ZSTD_compressBound(content_len);
  uint8_t *frame = malloc(bound);
  size_t n = ZSTD_compress(frame, bound, content, content_len, 3);
  CU_ASSERT_FATAL(!ZSTD_isError(n));
  if (declared_ok) CU_ASSERT_FATAL(set_frame_content_size(frame, n, declared));
  free(msg->payload.data);
  msg->payload.data = frame;
  msg->payload.len = n;
}

static void test_refuse_zstd(void) {
  Seam__V1__Tensor msg;
  encode_ramp(128, (seam_codec_options){.zstd_level = 3}, &msg); /* 512 bytes of content */
  uint8_t content[1024];
  for (size_t i = 0; i < sizeof content; i++) content[i] = (uint8_t)(i % 13);
  seam_tensor *ok = seam_codec_decode(&msg, MiB, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL(ok);
  seam_tensor_free(ok);

  /* The frame claims 512 bytes but holds 508 / 516. */
  swap_payload(&msg, content, 508, 1, 512);
  CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(msg.payload.data, msg.payload.len), 512);
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "frame content size lies (shorter)");
  swap_payload(&msg, content, 516, 1, 512);
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "frame content size lies (longer)");
  /* An honest frame of the wrong size. */
  swap_payload(&msg, content, 1024, 0, 0);
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "frame of 1024 bytes for 512");
  /* A frame that does not declare its size. */
  ZSTD_CCtx *cctx = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  uint8_t *frame = malloc(ZSTD_compressBound(512));
  size_t n = ZSTD_compress2(cctx, frame, ZSTD_compressBound(512), content, 512);
  ZSTD_freeCCtx(cctx);
  CU_ASSERT_FATAL(!ZSTD_isError(n));
  CU_ASSERT_EQUAL(ZSTD_getFrameContentSize(frame, n), ZSTD_CONTENTSIZE_UNKNOWN);
  free(msg.payload.data);
  msg.payload.data = frame;
  msg.payload.len = n;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "frame without content size");

  /* A valid frame of the right size, then trailing bytes (a second frame). */
  swap_payload(&msg, content, 512, 0, 0);
  ok = seam_codec_decode(&msg, MiB, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL(ok);
  seam_tensor_free(ok);
  uint8_t *two = malloc(msg.payload.len * 2);
  memcpy(two, msg.payload.data, msg.payload.len);
  memcpy(two + msg.payload.len, msg.payload.data, msg.payload.len);
  free(msg.payload.data);
  msg.payload.data = two;
  msg.payload.len *= 2;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "two frames");
  msg.payload.len = msg.payload.len / 2 - 3;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "truncated frame");

  /* Garbage: random bytes, and a valid header followed by garbage blocks. */
  free(msg.payload.data);
  msg.payload.data = malloc(64);
  for (size_t i = 0; i < 64; i++) msg.payload.data[i] = (uint8_t)rng();
  msg.payload.len = 64;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "garbage");
  swap_payload(&msg, content, 512, 0, 0);
  for (size_t i = 8; i < msg.payload.len; i++) msg.payload.data[i] ^= 0xa5;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "valid header, garbage blocks");
  msg.payload.len = 0;
  expect_refused(&msg, MiB, SEAM_ERR_PARSE, "empty zstd payload");
  seam_codec_msg_clear(&msg);
}

/* ---- protobuf-c round trips and fuzzing --------------------------------- */

static void test_fuzz_packed(void) {
  const seam_codec_options configs[] = {
      {.encoding = SEAM_ENCODING_RAW},
      {.encoding = SEAM_ENCODING_RAW, .zstd_level = 3},
      {.encoding = SEAM_ENCODING_F16},
      {.encoding = SEAM_ENCODING_INT8, .zstd_level = 1},
  };
  int64_t dims[3] = {2, 3, 8};
  seam_tensor *t = make_f32(3, dims, -1.0f, 1.0f);
  int decoded = 0, refused = 0, unpack_failed = 0;
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    Seam__V1__Tensor msg;
    CU_ASSERT_EQUAL_FATAL(seam_codec_encode(t, "fuzz", &configs[c], &msg, NULL, NULL), SEAM_OK);
    size_t len = seam__v1__tensor__get_packed_size(&msg);
    uint8_t *packed = malloc(len), *work = malloc(len);
    CU_ASSERT_EQUAL_FATAL(seam__v1__tensor__pack(&msg, packed), len);
    seam_codec_msg_clear(&msg);
    /* The untouched packing decodes. */
    Seam__V1__Tensor *u = seam__v1__tensor__unpack(NULL, len, packed);
    CU_ASSERT_PTR_NOT_NULL_FATAL(u);
    seam_tensor *back = seam_codec_decode(u, MiB, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL(back);
    seam_tensor_free(back);
    seam__v1__tensor__free_unpacked(u, NULL);

    for (int it = 0; it < 2000; it++) {
      memcpy(work, packed, len);
      int flips = 1 + (int)(rng() % 4);
      for (int f = 0; f < flips; f++) work[rng() % len] ^= (uint8_t)(1u + rng() % 255u);
      size_t use = (rng() % 8 == 0) ? rng() % len : len; /* sometimes truncated too */
      u = seam__v1__tensor__unpack(NULL, use, work);
      if (!u) {
        unpack_failed++;
        continue;
      }
      seam_error err = {0};
      back = seam_codec_decode(u, MiB, NULL, &err);
      if (back) {
        decoded++;
        CU_ASSERT(seam_tensor_nbytes(back) <= MiB);
        CU_ASSERT(back->rank <= SEAM_MAX_RANK);
      } else {
        refused++;
        CU_ASSERT(err.status != SEAM_OK);
      }
      seam_tensor_free(back);
      seam__v1__tensor__free_unpacked(u, NULL);
    }
    free(packed);
    free(work);
  }
  /* All three outcomes happen, so the loop exercises each path. */
  CU_ASSERT(decoded > 0);
  CU_ASSERT(refused > 0);
  CU_ASSERT(unpack_failed > 0);
  seam_tensor_free(t);
}

static void test_infer_request_round_trip(void) {
  int64_t d1[4] = {1, 4, 5, 5}, d2[2] = {1, 10};
  seam_tensor *a = make_f32(4, d1, 0.0f, 3.0f), *b = make_f32(2, d2, -1.0f, 1.0f);
  Seam__V1__Tensor ta, tb;
  seam_codec_options oa = {.encoding = SEAM_ENCODING_INT8, .zstd_level = 3};
  seam_codec_options ob = {.encoding = SEAM_ENCODING_F16};
  CU_ASSERT_EQUAL_FATAL(seam_codec_encode(a, "/stage1/relu2/Relu_output_0", &oa, &ta, NULL, NULL), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(seam_codec_encode(b, "skip", &ob, &tb, NULL, NULL), SEAM_OK);

  Seam__V1__InferRequest req = SEAM__V1__INFER_REQUEST__INIT;
  uint8_t sha[32];
  for (int i = 0; i < 32; i++) sha[i] = (uint8_t)(i * 7);
  Seam__V1__Tensor *inputs[2] = {&ta, &tb};
  char *wanted[1] = {"logits"};
  req.model_name = "fashion_mnist";
  req.model_sha256.data = sha;
  req.model_sha256.len = 32;
  req.request_id = "req-1";
  req.budget_ms = 250;
  req.n_inputs = 2;
  req.inputs = inputs;
  req.n_wanted = 1;
  req.wanted = wanted;
  req.reply_encoding = SEAM__V1__ENCODING__ENCODING_F16;
  req.reply_zstd_level = 1;
  size_t len = seam__v1__infer_request__get_packed_size(&req);
  uint8_t *buf = malloc(len);
  CU_ASSERT_EQUAL_FATAL(seam__v1__infer_request__pack(&req, buf), len);

  Seam__V1__InferRequest *u = seam__v1__infer_request__unpack(NULL, len, buf);
  CU_ASSERT_PTR_NOT_NULL_FATAL(u);
  CU_ASSERT_STRING_EQUAL(u->model_name, "fashion_mnist");
  CU_ASSERT_EQUAL(u->model_sha256.len, 32);
  CU_ASSERT_EQUAL(memcmp(u->model_sha256.data, sha, 32), 0);
  CU_ASSERT_STRING_EQUAL(u->request_id, "req-1");
  CU_ASSERT_EQUAL(u->budget_ms, 250);
  CU_ASSERT_EQUAL(u->reply_encoding, SEAM__V1__ENCODING__ENCODING_F16);
  CU_ASSERT_EQUAL(u->reply_zstd_level, 1);
  CU_ASSERT_EQUAL_FATAL(u->n_wanted, 1);
  CU_ASSERT_STRING_EQUAL(u->wanted[0], "logits");
  CU_ASSERT_EQUAL_FATAL(u->n_inputs, 2);
  CU_ASSERT_STRING_EQUAL(u->inputs[0]->name, "/stage1/relu2/Relu_output_0");
  CU_ASSERT_STRING_EQUAL(u->inputs[1]->name, "skip");
  seam_tensor *ra = seam_codec_decode(u->inputs[0], MiB, NULL, NULL);
  seam_tensor *rb = seam_codec_decode(u->inputs[1], MiB, NULL, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ra);
  CU_ASSERT_PTR_NOT_NULL_FATAL(rb);
  CU_ASSERT(seam_tensor_same_shape(ra, a));
  CU_ASSERT(seam_tensor_same_shape(rb, b));
  check_int8(a, ra, u->inputs[0]->scale);
  const float *x = b->data, *y = rb->data;
  for (int i = 0; i < 10; i++) CU_ASSERT(fabsf(x[i] - y[i]) <= fabsf(x[i]) * 0x1p-11f + 1e-7f);
  seam_tensor_free(ra);
  seam_tensor_free(rb);
  seam__v1__infer_request__free_unpacked(u, NULL);
  free(buf);

  /* A reply with a status and timings. */
  Seam__V1__InferReply rep = SEAM__V1__INFER_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  Seam__V1__Timings timings = SEAM__V1__TIMINGS__INIT;
  status.code = 9;
  status.message = "model hash differs";
  timings.queue_us = 12;
  timings.compute_us = 3456;
  rep.request_id = "req-1";
  rep.status = &status;
  rep.timings = &timings;
  len = seam__v1__infer_reply__get_packed_size(&rep);
  buf = malloc(len);
  seam__v1__infer_reply__pack(&rep, buf);
  Seam__V1__InferReply *ur = seam__v1__infer_reply__unpack(NULL, len, buf);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ur);
  CU_ASSERT_PTR_NOT_NULL_FATAL(ur->status);
  CU_ASSERT_EQUAL(ur->status->code, 9);
  CU_ASSERT_STRING_EQUAL(ur->status->message, "model hash differs");
  CU_ASSERT_EQUAL(ur->timings->compute_us, 3456);
  CU_ASSERT_EQUAL(ur->n_outputs, 0);
  seam__v1__infer_reply__free_unpacked(ur, NULL);
  free(buf);

  /* Health check response. */
  Grpc__Health__V1__HealthCheckResponse hr = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  hr.status = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
  uint8_t hb[16];
  len = grpc__health__v1__health_check_response__pack(&hr, hb);
  CU_ASSERT_EQUAL(len, 2); /* field 1 varint 1: 08 01 */
  CU_ASSERT(hb[0] == 0x08 && hb[1] == 0x01);

  seam_codec_msg_clear(&ta);
  seam_codec_msg_clear(&tb);
  seam_tensor_free(a);
  seam_tensor_free(b);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"half precision bit patterns", test_half_bits},
      {"RAW round trip, every dtype, zstd on and off", test_raw_every_dtype},
      {"F16 round trip", test_f16_round_trip},
      {"INT8 round trip from min/max", test_int8_round_trip},
      {"INT8 with a calibrated range or given qparams", test_int8_ranges},
      {"INT8 from already-quantized int8/uint8 tensors", test_int8_prequantized},
      {"empty tensors and scalars", test_empty_and_scalar},
      {"stats", test_stats},
      {"encode errors", test_encode_errors},
      {"refused: sizes and shapes", test_refuse_sizes},
      {"refused: enums and INT8 parameters", test_refuse_enums_and_qparams},
      {"refused: zstd payloads", test_refuse_zstd},
      {"fuzz: flipped bytes in packed messages", test_fuzz_packed},
      {"InferRequest/InferReply through protobuf-c", test_infer_request_round_trip},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("codec", tests);
}

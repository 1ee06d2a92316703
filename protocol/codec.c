/* The tensor codec (see codec.h and docs/protocol.md). */
#include "protocol/codec.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/int8_qparams.h"
#include "runtime/tensor.h"

/* RAW and F16 payloads are little-endian and are copied as they are in
 * memory; a big-endian port would swap here. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "protocol/codec.c assumes a little-endian host"
#endif

/* Wire enum numbers must stay equal to the C ones (they are cast). */
_Static_assert((int)SEAM__V1__ENCODING__ENCODING_RAW == (int)SEAM_ENCODING_RAW, "encoding numbers");
_Static_assert((int)SEAM__V1__ENCODING__ENCODING_F16 == (int)SEAM_ENCODING_F16, "encoding numbers");
_Static_assert((int)SEAM__V1__ENCODING__ENCODING_INT8 == (int)SEAM_ENCODING_INT8, "encoding numbers");
_Static_assert((int)SEAM__V1__DTYPE__DTYPE_FLOAT32 == (int)SEAM_DTYPE_FLOAT32, "dtype numbers");
_Static_assert((int)SEAM__V1__DTYPE__DTYPE_FLOAT16 == (int)SEAM_DTYPE_FLOAT16, "dtype numbers");
_Static_assert((int)SEAM__V1__DTYPE__DTYPE_UINT64 == (int)SEAM_DTYPE_UINT64, "dtype numbers");

const char *seam_encoding_name(seam_encoding encoding) {
  switch (encoding) {
  case SEAM_ENCODING_RAW: return "raw";
  case SEAM_ENCODING_F16: return "f16";
  case SEAM_ENCODING_INT8: return "int8";
  }
  return "unknown";
}

/* Bytes per element of an encoding's payload for a tensor of dtype. */
static size_t encoded_elem_size(seam_encoding enc, seam_dtype dtype) {
  switch (enc) {
  case SEAM_ENCODING_RAW: return seam_dtype_size(dtype);
  case SEAM_ENCODING_F16: return 2;
  case SEAM_ENCODING_INT8: return 1;
  }
  return 0;
}

/* True for the dtype numbers seam holds (seam_dtype_size alone would also
 * accept nothing else, but it takes an enum). */
static int known_dtype(int v) {
  switch (v) {
  case SEAM_DTYPE_FLOAT32:
  case SEAM_DTYPE_UINT8:
  case SEAM_DTYPE_INT8:
  case SEAM_DTYPE_UINT16:
  case SEAM_DTYPE_INT16:
  case SEAM_DTYPE_INT32:
  case SEAM_DTYPE_INT64:
  case SEAM_DTYPE_BOOL:
  case SEAM_DTYPE_FLOAT16:
  case SEAM_DTYPE_FLOAT64:
  case SEAM_DTYPE_UINT32:
  case SEAM_DTYPE_UINT64: return 1;
  default: return 0;
  }
}

/* ---- INT8 ---------------------------------------------------------------- */

/* Finite min and max of x (0, 0 when there is no finite element). */
static void finite_range(const float *x, size_t n, float *lo, float *hi) {
  float mn = INFINITY, mx = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    float v = x[i];
    int finite = v - v == 0.0f; /* false for NaN and +-Inf */
    mn = (finite & (v < mn)) ? v : mn;
    mx = (finite & (v > mx)) ? v : mx;
  }
  if (mn > mx) mn = mx = 0;
  *lo = mn;
  *hi = mx;
}

/* q = clamp(round_half_even(x / scale) + zp, -128, 127); NaN -> zp. */
static void quantize_int8(const float *x, int8_t *q, size_t n, float scale, int32_t zp) {
  /* Adding and subtracting 1.5 x 2^23 rounds a float of magnitude < 2^22 to
   * an integer, to nearest even (the default rounding mode); values are
   * clamped to +-256 first, which keeps the saturation and lets the loop
   * vectorize. */
  const float magic = 12582912.0f;
  for (size_t i = 0; i < n; i++) {
    float v = x[i] / scale;
    v = v < -256.0f ? -256.0f : v;
    v = v > 256.0f ? 256.0f : v;
    v = v == v ? v : 0.0f; /* NaN */
    v = (v + magic) - magic;
    int32_t r = (int32_t)v + zp;
    r = r < -128 ? -128 : r;
    r = r > 127 ? 127 : r;
    q[i] = (int8_t)r;
  }
}

static void dequantize_int8(const int8_t *q, float *x, size_t n, float scale, int32_t zp) {
  for (size_t i = 0; i < n; i++) x[i] = scale * (float)((int32_t)q[i] - zp);
}

/* ---- encode -------------------------------------------------------------- */

void seam_codec_msg_clear(Seam__V1__Tensor *msg) {
  if (!msg) return;
  if (msg->name != protobuf_c_empty_string) free(msg->name);
  free(msg->dims);
  free(msg->payload.data);
  seam__v1__tensor__init(msg);
}

seam_status seam_codec_encode(const seam_tensor *t, const char *name,
                              const seam_codec_options *options, Seam__V1__Tensor *msg_out,
                              seam_codec_stats *stats, seam_error *err) {
  if (!t || !msg_out)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor or message is NULL");
  seam__v1__tensor__init(msg_out);
  static const seam_codec_options defaults = {0};
  const seam_codec_options *o = options ? options : &defaults;
  const char *label = name ? name : "";
  int64_t start = seam_clock_ns();

  if (o->encoding != SEAM_ENCODING_RAW && o->encoding != SEAM_ENCODING_F16 &&
      o->encoding != SEAM_ENCODING_INT8)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "unknown encoding %d", (int)o->encoding);
  if (o->zstd_level != 0 && (o->zstd_level < ZSTD_minCLevel() || o->zstd_level > ZSTD_maxCLevel()))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "zstd level %d is outside %d..%d",
                     o->zstd_level, ZSTD_minCLevel(), ZSTD_maxCLevel());
  bool prequantized = o->encoding == SEAM_ENCODING_INT8 && o->int8_range == SEAM_INT8_RANGE_QUANTIZED;
  if (prequantized && t->dtype != SEAM_DTYPE_INT8 && t->dtype != SEAM_DTYPE_UINT8)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED,
                     "tensor '%s': already-quantized INT8 needs an int8 or uint8 tensor, not %s",
                     label, seam_dtype_name(t->dtype));
  if (!prequantized && o->encoding != SEAM_ENCODING_RAW && t->dtype != SEAM_DTYPE_FLOAT32)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "tensor '%s': %s encoding needs float32, not %s",
                     label, seam_encoding_name(o->encoding), seam_dtype_name(t->dtype));
  if (t->count > 0 && !t->data)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' has no data", label);

  size_t count = (size_t)t->count;
  /* A pre-quantized tensor stands for the float32 tensor it encodes. */
  seam_dtype wire_dtype = prequantized ? SEAM_DTYPE_FLOAT32 : t->dtype;
  size_t raw_bytes = count * seam_dtype_size(wire_dtype);
  size_t enc_bytes = count * encoded_elem_size(o->encoding, wire_dtype);
  float scale = 0;
  int32_t zp = 0;

  /* 1. Encode into `enc` (RAW: the tensor's own bytes, no copy yet). */
  const void *enc = t->data;
  void *enc_owned = NULL;
  if (o->encoding == SEAM_ENCODING_INT8) {
    seam_status st = SEAM_OK;
    if (prequantized) {
      bool u8 = t->dtype == SEAM_DTYPE_UINT8;
      int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
      if (!isfinite(o->scale) || !(o->scale > 0) || o->zero_point < lo || o->zero_point > hi)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                         "tensor '%s': INT8 scale %g / zero point %d is not usable", label,
                         (double)o->scale, (int)o->zero_point);
      scale = o->scale;
      zp = u8 ? o->zero_point - 128 : o->zero_point;
      if (!(enc_owned = malloc(enc_bytes ? enc_bytes : 1)))
        return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory encoding '%s'", label);
      const uint8_t *src = t->data;
      int8_t *dst = enc_owned;
      if (u8)
        for (size_t i = 0; i < count; i++) dst[i] = (int8_t)((int)src[i] - 128);
      else if (count)
        memcpy(dst, src, count);
    } else if (o->int8_range == SEAM_INT8_RANGE_QPARAMS) {
      if (!isfinite(o->scale) || !(o->scale > 0) || o->zero_point < -128 || o->zero_point > 127)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                         "tensor '%s': INT8 scale %g / zero point %d is not usable", label,
                         (double)o->scale, (int)o->zero_point);
      scale = o->scale;
      zp = o->zero_point;
    } else if (o->int8_range == SEAM_INT8_RANGE_GIVEN) {
      st = seam_int8_qparams(o->range_min, o->range_max, &scale, &zp, err);
    } else if (o->int8_range == SEAM_INT8_RANGE_MINMAX) {
      float lo, hi;
      finite_range(t->data, count, &lo, &hi);
      st = seam_int8_qparams(lo, hi, &scale, &zp, err);
    } else {
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "unknown INT8 range mode %d",
                       (int)o->int8_range);
    }
    if (st != SEAM_OK) {
      seam_error_prefix(err, "tensor '%s'", label);
      return st;
    }
    if (!prequantized) {
      if (!(enc_owned = malloc(enc_bytes ? enc_bytes : 1)))
        return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory encoding '%s'", label);
      quantize_int8(t->data, enc_owned, count, scale, zp);
    }
    enc = enc_owned;
  } else if (o->encoding == SEAM_ENCODING_F16) {
    if (!(enc_owned = malloc(enc_bytes ? enc_bytes : 1)))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory encoding '%s'", label);
    seam_f32_to_f16_n(t->data, enc_owned, count);
    enc = enc_owned;
  }

  /* 2. Compress, or take ownership of the encoded bytes. */
  uint8_t *payload = NULL;
  size_t payload_len = 0;
  if (o->zstd_level != 0) {
    size_t bound = ZSTD_compressBound(enc_bytes);
    ZSTD_CCtx *cctx = ZSTD_createCCtx();
    payload = malloc(bound);
    if (!cctx || !payload) {
      ZSTD_freeCCtx(cctx);
      free(payload);
      free(enc_owned);
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory compressing '%s'", label);
    }
    /* An empty tensor still gets a (tiny) frame; enc may be NULL then. */
    static const uint8_t nothing[1] = {0};
    size_t r = ZSTD_compressCCtx(cctx, payload, bound, enc_bytes ? enc : nothing, enc_bytes,
                                 o->zstd_level);
    ZSTD_freeCCtx(cctx);
    free(enc_owned);
    if (ZSTD_isError(r)) {
      free(payload);
      return seam_fail(err, SEAM_ERR_INTERNAL, "zstd failed on '%s': %s", label,
                       ZSTD_getErrorName(r));
    }
    payload_len = r;
  } else if (enc_owned) {
    payload = enc_owned;
    payload_len = enc_bytes;
  } else {
    if (!(payload = malloc(raw_bytes ? raw_bytes : 1)))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory encoding '%s'", label);
    if (raw_bytes) memcpy(payload, t->data, raw_bytes);
    payload_len = raw_bytes;
  }

  /* 3. The message. */
  char *name_copy = strdup(label);
  int64_t *dims = t->rank ? malloc((size_t)t->rank * sizeof *dims) : NULL;
  if (!name_copy || (t->rank && !dims)) {
    free(name_copy);
    free(dims);
    free(payload);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory encoding '%s'", label);
  }
  for (int i = 0; i < t->rank; i++) dims[i] = t->dims[i];
  msg_out->name = name_copy;
  msg_out->dtype = (Seam__V1__DType)wire_dtype;
  msg_out->n_dims = (size_t)t->rank;
  msg_out->dims = dims;
  msg_out->encoding = (Seam__V1__Encoding)o->encoding;
  msg_out->compression =
      o->zstd_level ? SEAM__V1__COMPRESSION__COMPRESSION_ZSTD : SEAM__V1__COMPRESSION__COMPRESSION_NONE;
  msg_out->zstd_level = o->zstd_level;
  msg_out->scale = scale;
  msg_out->zero_point = zp;
  msg_out->payload.data = payload;
  msg_out->payload.len = payload_len;
  msg_out->uncompressed_size = enc_bytes;

  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->raw_bytes = raw_bytes;
    stats->encoded_bytes = payload_len;
    stats->uncompressed_bytes = enc_bytes;
    stats->ratio = payload_len ? (double)raw_bytes / (double)payload_len : 1.0;
    stats->encode_us = (double)(seam_clock_ns() - start) / 1e3;
  }
  return SEAM_OK;
}

/* ---- decode -------------------------------------------------------------- */

/* Decompresses a payload that must be exactly one zstd frame declaring
 * `expected` bytes of content into dst (capacity expected). */
static seam_status unzstd(const Seam__V1__Tensor *msg, const char *label, void *dst,
                          size_t expected, seam_error *err) {
  const void *src = msg->payload.data;
  size_t len = msg->payload.len;
  if (len == 0 || !src)
    return seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': empty zstd payload", label);
  size_t frame = ZSTD_findFrameCompressedSize(src, len);
  if (ZSTD_isError(frame))
    return seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': payload is not a zstd frame (%s)", label,
                     ZSTD_getErrorName(frame));
  if (frame != len)
    return seam_fail(err, SEAM_ERR_PARSE,
                     "tensor '%s': zstd payload has %zu bytes after its first frame", label,
                     len - frame);
  unsigned long long content = ZSTD_getFrameContentSize(src, len);
  if (content == ZSTD_CONTENTSIZE_UNKNOWN || content == ZSTD_CONTENTSIZE_ERROR)
    return seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': zstd frame does not declare its size",
                     label);
  if (content != (unsigned long long)expected)
    return seam_fail(err, SEAM_ERR_PARSE,
                     "tensor '%s': zstd frame declares %llu bytes, dims and encoding need %zu",
                     label, content, expected);
  uint8_t spare[1];
  size_t r = ZSTD_decompress(expected ? dst : spare, expected, src, len);
  if (ZSTD_isError(r))
    return seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': corrupt zstd payload (%s)", label,
                     ZSTD_getErrorName(r));
  if (r != expected)
    return seam_fail(err, SEAM_ERR_PARSE,
                     "tensor '%s': zstd payload decompressed to %zu bytes, not %zu", label, r,
                     expected);
  return SEAM_OK;
}

seam_tensor *seam_codec_decode(const Seam__V1__Tensor *msg, size_t max_bytes,
                               seam_codec_stats *stats, seam_error *err) {
  if (!msg) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "message is NULL");
    return NULL;
  }
  int64_t start = seam_clock_ns();
  const char *label = msg->name ? msg->name : "";
  int dtype_v = (int)msg->dtype, enc_v = (int)msg->encoding, comp_v = (int)msg->compression;

  /* Enums. */
  if (!known_dtype(dtype_v)) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': unknown dtype %d", label, dtype_v);
    return NULL;
  }
  if (enc_v != SEAM_ENCODING_RAW && enc_v != SEAM_ENCODING_F16 && enc_v != SEAM_ENCODING_INT8) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': unknown encoding %d", label, enc_v);
    return NULL;
  }
  if (comp_v != SEAM__V1__COMPRESSION__COMPRESSION_NONE &&
      comp_v != SEAM__V1__COMPRESSION__COMPRESSION_ZSTD) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': unknown compression %d", label, comp_v);
    return NULL;
  }
  seam_dtype dtype = (seam_dtype)dtype_v;
  seam_encoding enc = (seam_encoding)enc_v;
  if (enc != SEAM_ENCODING_RAW && dtype != SEAM_DTYPE_FLOAT32) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': %s encoding with dtype %s (must be float32)",
              label, seam_encoding_name(enc), seam_dtype_name(dtype));
    return NULL;
  }

  /* Shape and sizes, all before any allocation. */
  if (msg->n_dims > SEAM_MAX_RANK) {
    seam_fail(err, SEAM_ERR_SHAPE, "tensor '%s': %zu dims, at most %d", label, msg->n_dims,
              SEAM_MAX_RANK);
    return NULL;
  }
  if (msg->n_dims > 0 && !msg->dims) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': dims missing", label);
    return NULL;
  }
  int rank = (int)msg->n_dims;
  for (int i = 0; i < rank; i++) {
    if (msg->dims[i] < 0) {
      seam_fail(err, SEAM_ERR_SHAPE, "tensor '%s': dim %d is negative (%lld)", label, i,
                (long long)msg->dims[i]);
      return NULL;
    }
  }
  int64_t count = seam_shape_count(rank, msg->dims);
  size_t out_size = seam_dtype_size(enc == SEAM_ENCODING_RAW ? dtype : SEAM_DTYPE_FLOAT32);
  char shape[160];
  if (count < 0 || (uint64_t)count > SIZE_MAX / 2 / out_size) {
    seam_fail(err, SEAM_ERR_SHAPE, "tensor '%s': shape %s has too many elements", label,
              seam_shape_str(rank, msg->dims, shape, sizeof shape));
    return NULL;
  }
  size_t out_bytes = (size_t)count * out_size;
  if (out_bytes > max_bytes) {
    seam_fail(err, SEAM_ERR_SHAPE, "tensor '%s': shape %s needs %zu bytes, over the limit of %zu",
              label, seam_shape_str(rank, msg->dims, shape, sizeof shape), out_bytes, max_bytes);
    return NULL;
  }
  size_t expected = (size_t)count * encoded_elem_size(enc, dtype);
  if (msg->uncompressed_size != (uint64_t)expected) {
    seam_fail(err, SEAM_ERR_PARSE,
              "tensor '%s': uncompressed_size is %llu, shape %s in %s needs %zu", label,
              (unsigned long long)msg->uncompressed_size,
              seam_shape_str(rank, msg->dims, shape, sizeof shape), seam_encoding_name(enc),
              expected);
    return NULL;
  }
  int zstd = comp_v == SEAM__V1__COMPRESSION__COMPRESSION_ZSTD;
  if (!zstd && msg->payload.len != expected) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': payload has %zu bytes, shape %s in %s needs %zu",
              label, msg->payload.len, seam_shape_str(rank, msg->dims, shape, sizeof shape),
              seam_encoding_name(enc), expected);
    return NULL;
  }
  if (!zstd && expected > 0 && !msg->payload.data) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': payload missing", label);
    return NULL;
  }
  if (enc == SEAM_ENCODING_INT8 &&
      (!isfinite(msg->scale) || !(msg->scale > 0) || msg->zero_point < -128 ||
       msg->zero_point > 127)) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor '%s': INT8 scale %g / zero point %d is invalid", label,
              (double)msg->scale, (int)msg->zero_point);
    return NULL;
  }

  /* Checked: allocate and fill. */
  seam_tensor *t = seam_tensor_create(enc == SEAM_ENCODING_RAW ? dtype : SEAM_DTYPE_FLOAT32,
                                      (size_t)rank, msg->dims, err);
  if (!t) return NULL;
  const void *src = msg->payload.data;
  void *scratch = NULL;
  if (zstd) {
    void *dst = t->data;
    if (enc != SEAM_ENCODING_RAW) {
      if (!(scratch = malloc(expected ? expected : 1))) {
        seam_tensor_free(t);
        seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory decoding '%s'", label);
        return NULL;
      }
      dst = scratch;
    }
    if (unzstd(msg, label, dst, expected, err) != SEAM_OK) {
      free(scratch);
      seam_tensor_free(t);
      return NULL;
    }
    src = dst;
  } else if (enc == SEAM_ENCODING_F16 && ((uintptr_t)src & 1u)) {
    /* A payload inside someone else's buffer may be misaligned for uint16_t. */
    if (!(scratch = malloc(expected ? expected : 1))) {
      seam_tensor_free(t);
      seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory decoding '%s'", label);
      return NULL;
    }
    memcpy(scratch, src, expected);
    src = scratch;
  }
  switch (enc) {
  case SEAM_ENCODING_RAW:
    if (!zstd && expected) memcpy(t->data, src, expected);
    break;
  case SEAM_ENCODING_F16: seam_f16_to_f32_n(src, t->data, (size_t)count); break;
  case SEAM_ENCODING_INT8:
    dequantize_int8(src, t->data, (size_t)count, msg->scale, msg->zero_point);
    break;
  }
  free(scratch);

  if (stats) {
    memset(stats, 0, sizeof *stats);
    stats->raw_bytes = out_bytes;
    stats->encoded_bytes = msg->payload.len;
    stats->uncompressed_bytes = expected;
    stats->ratio = msg->payload.len ? (double)out_bytes / (double)msg->payload.len : 1.0;
    stats->decode_us = (double)(seam_clock_ns() - start) / 1e3;
  }
  return t;
}

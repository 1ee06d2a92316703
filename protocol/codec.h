/* The tensor codec: seam_tensor <-> seam.v1.Tensor message.
 *
 * Internal to seam (protocol/, edge/, cloud/, tests, bench): it exposes the
 * protobuf-c types generated from protocol/seam.proto, which no public
 * header may do. The rules are in docs/protocol.md ("Tensor codec").
 *
 * Encoding: RAW (any dtype, bytes as they are), F16 (float32 -> IEEE half,
 * round to nearest even) or INT8 (float32 -> int8 with one affine scale and
 * zero point), each optionally zstd-compressed.
 * Decoding validates every field against the dims and a size limit before
 * it allocates or copies anything; a bad message is a seam_error, never a
 * crash. Both directions are thread-safe (no shared state). */
#ifndef SEAM_PROTOCOL_CODEC_H
#define SEAM_PROTOCOL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "protocol/seam.pb-c.h"
#include "seam/tensor.h"

/* Same numbers as seam.v1.Encoding. */
typedef enum seam_encoding {
  SEAM_ENCODING_RAW = 0,  /* any dtype, lossless */
  SEAM_ENCODING_F16 = 1,  /* float32 only, 2 bytes per element */
  SEAM_ENCODING_INT8 = 2  /* float32 only, 1 byte per element + scale/zero point */
} seam_encoding;

/* How the INT8 encoding picks its scale and zero point. */
typedef enum seam_int8_range {
  /* From the tensor's finite min and max, widened to include 0 (so 0 is
   * exact); every finite element is then within scale/2 of its decoding. */
  SEAM_INT8_RANGE_MINMAX = 0,
  /* From a given [range_min, range_max] (a calibrated range, widened to
   * include 0): elements outside it saturate. */
  SEAM_INT8_RANGE_GIVEN = 1,
  /* The given scale and zero_point as they are (e.g. a QDQ model's). */
  SEAM_INT8_RANGE_QPARAMS = 2,
  /* The tensor is already quantized: int8 (or uint8) values of a float32
   * tensor with the given scale and zero_point (a QDQ model's int8 tensor
   * that a DequantizeLinear reads). They cross as they are (uint8 shifted
   * by -128, zero point too), so the receiver's float32 tensor equals that
   * DequantizeLinear's output exactly. */
  SEAM_INT8_RANGE_QUANTIZED = 3
} seam_int8_range;

/* What seam_codec_encode does. Zero-initialized = RAW, no compression. */
typedef struct seam_codec_options {
  seam_encoding encoding;
  /* 0 = no compression; otherwise a zstd level (1..ZSTD_maxCLevel(), or a
   * negative "fast" level down to ZSTD_minCLevel()). */
  int zstd_level;
  /* INT8 only. */
  seam_int8_range int8_range;
  float range_min, range_max; /* SEAM_INT8_RANGE_GIVEN */
  float scale;                /* QPARAMS, QUANTIZED: finite, > 0 */
  int32_t zero_point;         /* QPARAMS: -128..127; QUANTIZED: in the tensor's type */
} seam_codec_options;

/* Figures of one encode or decode. */
typedef struct seam_codec_stats {
  uint64_t raw_bytes;     /* the tensor in its own dtype: count x dtype size */
  uint64_t encoded_bytes; /* payload bytes on the wire (after compression) */
  uint64_t uncompressed_bytes; /* payload bytes before compression */
  double ratio;           /* raw_bytes / encoded_bytes (1 for an empty tensor) */
  double encode_us;       /* set by encode: quantize/convert + compress */
  double decode_us;       /* set by decode: validate + decompress + convert */
} seam_codec_stats;

/* Encodes tensor t under name into msg_out, which this function initializes
 * (whatever msg_out held before is overwritten, not freed). On success
 * msg_out owns malloc'd name, dims and payload: release them with
 * seam_codec_msg_clear. F16 and INT8 need a float32 tensor
 * (SEAM_ERR_UNSUPPORTED otherwise); a bad option (unknown encoding, zstd
 * level out of range, INT8 range or qparams that give no finite positive
 * scale) is SEAM_ERR_INVALID_ARGUMENT. stats may be NULL. On failure
 * msg_out holds nothing to free. */
seam_status seam_codec_encode(const seam_tensor *t, const char *name,
                              const seam_codec_options *options, Seam__V1__Tensor *msg_out,
                              seam_codec_stats *stats, seam_error *err);

/* Frees what seam_codec_encode put into msg and re-initializes it; accepts
 * NULL. Not for messages from protobuf_c_message_unpack (free those with
 * seam__v1__tensor__free_unpacked). */
void seam_codec_msg_clear(Seam__V1__Tensor *msg);

/* Decodes msg into a new tensor (float32 for F16 and INT8; the message's
 * dtype for RAW) the caller frees; NULL on failure with err filled:
 *   SEAM_ERR_PARSE  unknown dtype/encoding/compression, F16/INT8 with a
 *                   dtype other than float32, uncompressed_size or payload
 *                   length not what the dims need, a zstd payload that is not
 *                   exactly one frame declaring that content size or that
 *                   does not decompress to it, INT8 scale not finite and > 0,
 *                   zero point outside -128..127;
 *   SEAM_ERR_SHAPE  more than SEAM_MAX_RANK dims, a negative dim, an element
 *                   count or byte size that overflows, a decoded tensor
 *                   larger than max_bytes;
 *   SEAM_ERR_NO_MEMORY.
 * Nothing is allocated before the sizes are checked, and never more than
 * max_bytes (plus the tensor's padding) for the tensor and its compressed
 * scratch. The name stays in msg->name. stats may be NULL. */
seam_tensor *seam_codec_decode(const Seam__V1__Tensor *msg, size_t max_bytes,
                               seam_codec_stats *stats, seam_error *err);

/* IEEE binary16 conversions (protocol/half.c). float -> half rounds to
 * nearest even, keeps NaN a (quiet) NaN with its sign and top payload bits,
 * turns magnitudes >= 65520 into Inf, and produces subnormals below 2^-14. */
uint16_t seam_f32_to_f16(float f);
float seam_f16_to_f32(uint16_t h);
void seam_f32_to_f16_n(const float *src, uint16_t *dst, size_t n);
void seam_f16_to_f32_n(const uint16_t *src, float *dst, size_t n);

/* Name of an encoding ("raw", "f16", "int8"); "unknown" otherwise. */
const char *seam_encoding_name(seam_encoding encoding);

#endif

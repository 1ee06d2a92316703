/* The INT8 quantization rule: the scale and zero point of a real range for
 * per-tensor asymmetric int8 (-128..127). seam has this one rule, used by
 * the tensor codec's INT8 encoding (protocol/codec.c: a tensor's own
 * min/max or a calibrated range) and by the quantizer for activations
 * (runtime/quant/qdq.c), so a QDQ model's activations and a cut tensor on
 * the wire are quantized alike. It is ONNX Runtime's (compute_scale_zp of
 * its quantization tool, the parameters its QuantizeLinear then applies),
 * except that the zero point is computed with the float scale, the one
 * QuantizeLinear divides by. */
#ifndef SEAM_COMMON_INT8_QPARAMS_H
#define SEAM_COMMON_INT8_QPARAMS_H

#include <stdint.h>

#include "seam/status.h"

/* The scale and zero point for the range [min, max]:
 *   - the range is widened to hold 0, lo = min(min, 0) and hi = max(max, 0),
 *     so that 0 (padding, ReLU's lower half) is exact;
 *   - scale = (hi - lo) / 255, computed in double, rounded to float;
 *   - a scale below FLT_MIN (an all-zero range, or one so narrow that its
 *     scale would not be a normal float) gives scale 1, zero point 0;
 *   - otherwise zero_point = round_half_even(-128 - lo / scale), with the
 *     float scale, clamped to [-128, 127]: a post-ReLU range [0, hi] gets
 *     -128 and uses all 256 levels, a range [lo, 0] gets 127.
 * Every finite range gives a finite scale > 0 (the widest, [-FLT_MAX,
 * FLT_MAX], 2 FLT_MAX / 255). SEAM_ERR_INVALID_ARGUMENT, with nothing
 * written, when min or max is NaN or infinite, or min > max. */
seam_status seam_int8_qparams(float min, float max, float *scale, int32_t *zero_point,
                              seam_error *err);

#endif

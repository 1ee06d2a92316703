/* Integer kernels of quantized operators (QLinearConv, QLinearMatMul): the
 * reference (oracle) implementations, rows of seam_ops_quant.
 *
 * Both accumulate (x - x_zero_point) * (w - w_zero_point) in int32, add the
 * int32 bias (QLinearConv), and requantize each output with the float
 * multiplier x_scale * w_scale[m] / y_scale (float32 arithmetic, as the
 * ONNX reference), the product taken in double, rounded half to even, plus
 * y_zero_point, saturated to the output type (int8 or uint8, the dtype of
 * y_zero_point). */
#ifndef SEAM_RUNTIME_OPS_QLINEAR_H
#define SEAM_RUNTIME_OPS_QLINEAR_H

#include <math.h>

#include "runtime/ops/op.h"

seam_status seam_qlinear_conv_infer(seam_op_ctx *ctx);
seam_status seam_qlinear_conv_run(seam_op_ctx *ctx);
seam_status seam_qlinear_matmul_infer(seam_op_ctx *ctx);
seam_status seam_qlinear_matmul_run(seam_op_ctx *ctx);

/* The requantization of one int32 accumulator (shared by the kernels and
 * their tests): saturate(round_half_even(acc * mult) + zp) into [lo, hi]. */
static inline int32_t seam_requantize(int32_t acc, float mult, int32_t zp, int32_t lo, int32_t hi) {
  double v = nearbyint((double)acc * (double)mult) + zp; /* default rounding: half to even */
  return v != v ? zp : v <= lo ? lo : v >= hi ? hi : (int32_t)v;
}

#endif

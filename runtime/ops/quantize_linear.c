/* QuantizeLinear, DequantizeLinear (opsets 10 and 13) and
 * DynamicQuantizeLinear (opset 11): the reference kernels of the QDQ format.
 *
 *   QuantizeLinear:   y = saturate(round(x / scale) + zero_point)
 *   DequantizeLinear: y = (x - zero_point) * scale
 *
 * round is round-half-to-even; saturate clamps to the range of the output
 * type (int8 or uint8: the zero point's dtype, uint8 when it is omitted).
 * scale and zero_point are per tensor (a scalar or a one-element vector),
 * or, from opset 13, per axis: 1-D with x.shape[axis] entries (`axis`
 * default 1, negative counts from the end). A NaN input quantizes to the
 * zero point. Division is done in float32 for float inputs, as the ONNX
 * reference does, so results match it bit for bit.
 *
 * Later opsets (19: float8, 21: int4/int16 and blocked quantization) are not
 * implemented: their types and `block_size` are refused as unsupported. */
#include <math.h>
#include <string.h>

#include "runtime/ops/op.h"
#include "runtime/ops/qlinear.h"

/* How scale/zero-point entries map onto x. */
typedef struct qparams {
  const seam_tensor *x, *scale, *zp; /* zp may be NULL */
  int64_t outer, channels, inner;    /* x viewed as [outer, channels, inner] */
} qparams;

static bool is_8bit(seam_dtype dt) { return dt == SEAM_DTYPE_INT8 || dt == SEAM_DTYPE_UINT8; }

/* Checks scale (input 1) and zero point (input 2) against x (input 0) and
 * the node's axis; fills p. */
static seam_status check_params(seam_op_ctx *ctx, qparams *p) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  const seam_node *node = ctx->node;
  p->x = ctx->inputs[0];
  p->scale = ctx->inputs[1];
  p->zp = seam_op_input(ctx, 2);
  if (seam_attr_int(node, "block_size", 0) != 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "blocked quantization (block_size) is not supported");
  if (p->scale->dtype != SEAM_DTYPE_FLOAT32)
    return seam_fail(ctx->err, p->scale->dtype == SEAM_DTYPE_FLOAT16 ? SEAM_ERR_UNSUPPORTED : SEAM_ERR_INVALID_ARGUMENT,
                     "the scale must be float32, got %s", seam_dtype_name(p->scale->dtype));
  if (p->scale->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "the scale must be a scalar or 1-D, got rank %d", p->scale->rank);
  if (p->zp) {
    if (p->zp->rank != p->scale->rank || p->zp->count != p->scale->count)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "the zero point (%lld values) and the scale (%lld values) "
                       "must have the same shape", (long long)p->zp->count, (long long)p->scale->count);
  }
  /* Per tensor: one run of count elements with one scale and zero point. */
  p->outer = p->channels = 1;
  p->inner = p->x->count;
  if (p->scale->count == 1) return SEAM_OK;
  if (node->opset < 13)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                     "opset %d quantizes per tensor: the scale must hold one value, got %lld", node->opset,
                     (long long)p->scale->count);
  if (p->scale->rank != 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "a per-axis scale must be 1-D");
  int axis;
  if ((st = seam_op_axis(ctx, seam_attr_int(node, "axis", 1), p->x->rank, &axis)) != SEAM_OK) return st;
  if (p->x->rank == 0 || p->x->dims[axis] != p->scale->count)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "a per-axis scale needs %lld values (axis %d), got %lld",
                     p->x->rank ? (long long)p->x->dims[axis] : 1LL, axis, (long long)p->scale->count);
  p->outer = p->inner = 1;
  p->channels = p->x->dims[axis];
  for (int d = 0; d < axis; d++) p->outer *= p->x->dims[d];
  for (int d = axis + 1; d < p->x->rank; d++) p->inner *= p->x->dims[d];
  return SEAM_OK;
}

/* The zero point's dtype must be one the opset allows and seam computes. */
static seam_status check_zp_dtype(seam_op_ctx *ctx, seam_dtype dt, const char *what) {
  if (is_8bit(dt)) return SEAM_OK;
  bool later = dt == SEAM_DTYPE_INT16 || dt == SEAM_DTYPE_UINT16 || dt == SEAM_DTYPE_FLOAT16;
  return seam_fail(ctx->err, later && ctx->node->opset >= 19 ? SEAM_ERR_UNSUPPORTED : SEAM_ERR_INVALID_ARGUMENT,
                   "%s must be int8 or uint8, got %s", what, seam_dtype_name(dt));
}

/* ---- QuantizeLinear ---- */

static seam_status quantize_infer(seam_op_ctx *ctx) {
  qparams p;
  seam_status st = check_params(ctx, &p);
  if (st != SEAM_OK) return st;
  if (p.x->dtype != SEAM_DTYPE_FLOAT32 && p.x->dtype != SEAM_DTYPE_INT32)
    return seam_fail(ctx->err, p.x->dtype == SEAM_DTYPE_FLOAT16 ? SEAM_ERR_UNSUPPORTED : SEAM_ERR_INVALID_ARGUMENT,
                     "QuantizeLinear takes float32 or int32 input, got %s", seam_dtype_name(p.x->dtype));
  seam_dtype out = p.zp ? p.zp->dtype : SEAM_DTYPE_UINT8;
  if ((st = check_zp_dtype(ctx, out, "the zero point")) != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, out, p.x->rank, p.x->dims);
}

/* round-half-to-even (the default rounding mode), plus the zero point,
 * clamped to [lo, hi]; NaN gives the zero point. */
static inline int32_t quantize_value(double scaled, int32_t zp, int32_t lo, int32_t hi) {
  if (scaled != scaled) return zp;
  double v = nearbyint(scaled) + zp;
  return v <= lo ? lo : v >= hi ? hi : (int32_t)v;
}

/* The same for a float32 quotient, without a libm call: the value is first
 * clamped to just outside [lo - zp, hi - zp] (so it is small), then adding
 * and subtracting 1.5 * 2^23 rounds it to an integer in the current rounding
 * mode (to nearest, ties to even) exactly as nearbyint does. */
static inline int32_t quantize_f32(float scaled, int32_t zp, int32_t lo, int32_t hi) {
  if (scaled != scaled) return zp;
  float below = (float)(lo - zp) - 1.0f, above = (float)(hi - zp) + 1.0f;
  scaled = scaled < below ? below : scaled > above ? above : scaled;
  volatile float big = 12582912.0f; /* 1.5 * 2^23; volatile keeps (x + big) - big from being folded */
  int32_t v = (int32_t)((scaled + big) - big) + zp;
  return v < lo ? lo : v > hi ? hi : v;
}

static seam_status quantize_run(seam_op_ctx *ctx) {
  qparams p;
  seam_status st = check_params(ctx, &p);
  if (st != SEAM_OK) return st;
  seam_tensor *y = ctx->outputs[0];
  const float *scale = p.scale->data;
  bool u8 = y->dtype == SEAM_DTYPE_UINT8;
  int32_t lo = u8 ? 0 : INT8_MIN, hi = u8 ? UINT8_MAX : INT8_MAX;
  bool f32 = p.x->dtype == SEAM_DTYPE_FLOAT32;
  const float *xf = p.x->data;
  const int32_t *xi = p.x->data;
  int64_t i = 0;
  for (int64_t o = 0; o < p.outer; o++)
    for (int64_t c = 0; c < p.channels; c++) {
      float s = scale[c];
      int32_t zp = p.zp ? (int32_t)seam_tensor_get_i64(p.zp, c) : 0;
      /* float32 division for float input (as the reference), double for int32. */
      if (f32 && u8) {
        uint8_t *yq = (uint8_t *)y->data + i;
        for (int64_t k = 0; k < p.inner; k++) yq[k] = (uint8_t)quantize_f32(xf[i + k] / s, zp, lo, hi);
      } else if (f32) {
        int8_t *yq = (int8_t *)y->data + i;
        for (int64_t k = 0; k < p.inner; k++) yq[k] = (int8_t)quantize_f32(xf[i + k] / s, zp, lo, hi);
      } else {
        for (int64_t k = 0; k < p.inner; k++) {
          int32_t q = quantize_value((double)xi[i + k] / (double)s, zp, lo, hi);
          if (u8) ((uint8_t *)y->data)[i + k] = (uint8_t)q;
          else ((int8_t *)y->data)[i + k] = (int8_t)q;
        }
      }
      i += p.inner;
    }
  return SEAM_OK;
}

/* ---- DequantizeLinear ---- */

static seam_status dequantize_check(seam_op_ctx *ctx, qparams *p) {
  seam_status st = check_params(ctx, p);
  if (st != SEAM_OK) return st;
  seam_dtype dt = p->x->dtype;
  if (dt != SEAM_DTYPE_INT32 && (st = check_zp_dtype(ctx, dt, "DequantizeLinear's input")) != SEAM_OK) return st;
  if (p->zp && p->zp->dtype != dt)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "the zero point (%s) must have the input's dtype (%s)",
                     seam_dtype_name(p->zp->dtype), seam_dtype_name(dt));
  return SEAM_OK;
}

static seam_status dequantize_infer(seam_op_ctx *ctx) {
  qparams p;
  seam_status st = dequantize_check(ctx, &p);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, SEAM_DTYPE_FLOAT32, p.x->rank, p.x->dims);
}

static seam_status dequantize_run(seam_op_ctx *ctx) {
  qparams p;
  seam_status st = dequantize_check(ctx, &p);
  if (st != SEAM_OK) return st;
  /* int32 is the bias of quantized convolutions: its zero point must be 0. */
  if (p.x->dtype == SEAM_DTYPE_INT32 && p.zp)
    for (int64_t c = 0; c < p.zp->count; c++)
      if (((const int32_t *)p.zp->data)[c] != 0)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "an int32 input needs a zero point of 0");
  float *y = ctx->outputs[0]->data;
  const float *scale = p.scale->data;
  int64_t i = 0;
  for (int64_t o = 0; o < p.outer; o++)
    for (int64_t c = 0; c < p.channels; c++) {
      float s = scale[c];
      float zp = p.zp ? (float)seam_tensor_get_i64(p.zp, c) : 0.0f;
      switch (p.x->dtype) {
      case SEAM_DTYPE_INT8: {
        const int8_t *x = p.x->data;
        for (int64_t k = 0; k < p.inner; k++, i++) y[i] = ((float)x[i] - zp) * s;
        break;
      }
      case SEAM_DTYPE_UINT8: {
        const uint8_t *x = p.x->data;
        for (int64_t k = 0; k < p.inner; k++, i++) y[i] = ((float)x[i] - zp) * s;
        break;
      }
      default: {
        const int32_t *x = p.x->data;
        for (int64_t k = 0; k < p.inner; k++, i++) y[i] = (float)x[i] * s;
        break;
      }
      }
    }
  return SEAM_OK;
}

/* ---- DynamicQuantizeLinear ---- */

static seam_status dynamic_infer(seam_op_ctx *ctx) {
  static const seam_dtype f32[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_dtype(ctx, 0, f32);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if ((st = seam_op_set_output(ctx, 0, SEAM_DTYPE_UINT8, x->rank, x->dims)) != SEAM_OK) return st;
  if ((st = seam_op_set_output(ctx, 1, SEAM_DTYPE_FLOAT32, 0, NULL)) != SEAM_OK) return st;
  return seam_op_set_output(ctx, 2, SEAM_DTYPE_UINT8, 0, NULL);
}

/* The range always includes 0 so that 0 is exact; scale = range / 255,
 * zero point = saturate(round(0 - min / scale)), all in float32 as the
 * specification writes it. A tensor of zeros (range 0) gets scale 0 and
 * zero point 0, and quantizes to zeros. */
static seam_status dynamic_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  const float *xv = x->data;
  float lo = 0.0f, hi = 0.0f;
  for (int64_t i = 0; i < x->count; i++) {
    if (xv[i] != xv[i])
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "DynamicQuantizeLinear input holds NaN");
    if (xv[i] < lo) lo = xv[i];
    if (xv[i] > hi) hi = xv[i];
  }
  float scale = (hi - lo) / 255.0f;
  int32_t zp = scale > 0 ? quantize_value((double)(0.0f - lo / scale), 0, 0, UINT8_MAX) : 0;
  if (ctx->outputs[0]) {
    uint8_t *y = ctx->outputs[0]->data;
    for (int64_t i = 0; i < x->count; i++)
      y[i] = scale > 0 ? (uint8_t)quantize_value((double)(xv[i] / scale), zp, 0, UINT8_MAX) : 0;
  }
  if (ctx->n_outputs > 1 && ctx->outputs[1]) ((float *)ctx->outputs[1]->data)[0] = scale;
  if (ctx->n_outputs > 2 && ctx->outputs[2]) ((uint8_t *)ctx->outputs[2]->data)[0] = (uint8_t)zp;
  return SEAM_OK;
}

const seam_op_def seam_ops_quant[] = {
    {"QuantizeLinear", quantize_infer, quantize_run},
    {"DequantizeLinear", dequantize_infer, dequantize_run},
    {"DynamicQuantizeLinear", dynamic_infer, dynamic_run},
    {"QLinearConv", seam_qlinear_conv_infer, seam_qlinear_conv_run},
    {"QLinearMatMul", seam_qlinear_matmul_infer, seam_qlinear_matmul_run},
    {NULL, NULL, NULL},
};

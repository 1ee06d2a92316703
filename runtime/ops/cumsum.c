/* CumSum: running sums along one axis, optionally exclusive and/or reversed. */
#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

static seam_status cumsum_axis(seam_op_ctx *ctx, int *axis) {
  const seam_tensor *x = ctx->inputs[0], *a = ctx->inputs[1];
  if (a->count != 1 || a->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "axis must be a scalar");
  if (a->dtype != SEAM_DTYPE_INT32 && a->dtype != SEAM_DTYPE_INT64)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis must be int32 or int64");
  if (x->rank == 0) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "CumSum needs rank >= 1");
  return seam_op_axis(ctx, seam_tensor_get_i64(a, 0), x->rank, axis);
}

seam_status seam_op_cumsum_infer(seam_op_ctx *ctx) {
  static const seam_dtype allowed[] = {SEAM_DTYPE_FLOAT32,  SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT32,
                                       SEAM_DTYPE_INT64,    SEAM_DTYPE_UINT32,  SEAM_DTYPE_UINT64,
                                       SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK || (st = seam_op_require_dtype(ctx, 0, allowed)) != SEAM_OK) return st;
  int axis;
  if ((st = cumsum_axis(ctx, &axis)) != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

/* Integer sums wrap around (computed unsigned) like the two's-complement
 * hardware the reference implementations run on, without undefined behaviour. */
#define SEAM_CUMSUM(type, acc_type)                                                                \
  do {                                                                                             \
    const type *in = x->data;                                                                      \
    type *out = y->data;                                                                           \
    for (int64_t o = 0; o < outer; o++)                                                            \
      for (int64_t i = 0; i < inner; i++) {                                                        \
        acc_type sum = 0;                                                                          \
        for (int64_t n = 0; n < dim; n++) {                                                        \
          int64_t j = reverse ? dim - 1 - n : n;                                                   \
          int64_t at = (o * dim + j) * inner + i;                                                  \
          if (exclusive) {                                                                         \
            out[at] = (type)sum;                                                                   \
            sum += (acc_type)in[at];                                                               \
          } else {                                                                                 \
            sum += (acc_type)in[at];                                                               \
            out[at] = (type)sum;                                                                   \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
  } while (0)

seam_status seam_op_cumsum_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int axis;
  seam_status st = cumsum_axis(ctx, &axis);
  if (st != SEAM_OK) return st;
  bool exclusive = seam_attr_int(ctx->node, "exclusive", 0) != 0;
  bool reverse = seam_attr_int(ctx->node, "reverse", 0) != 0;
  int64_t dim = x->dims[axis], inner = x->strides[axis], outer = x->count / (dim * inner);
  switch (x->dtype) {
  case SEAM_DTYPE_FLOAT32: SEAM_CUMSUM(float, float); break;
  case SEAM_DTYPE_FLOAT64: SEAM_CUMSUM(double, double); break;
  case SEAM_DTYPE_INT32: SEAM_CUMSUM(int32_t, uint32_t); break;
  case SEAM_DTYPE_UINT32: SEAM_CUMSUM(uint32_t, uint32_t); break;
  case SEAM_DTYPE_INT64: SEAM_CUMSUM(int64_t, uint64_t); break;
  case SEAM_DTYPE_UINT64: SEAM_CUMSUM(uint64_t, uint64_t); break;
  default: return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s", seam_dtype_name(x->dtype));
  }
  return SEAM_OK;
}

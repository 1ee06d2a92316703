/* LpNormalization: x divided by its L1 or L2 norm (p = 1 or 2, default 2)
 * along `axis` (default -1). A slice whose norm is 0 gives 0 rather than
 * NaN. */
#include <math.h>

#include "runtime/ops/reduce_kernels.h"

typedef struct lp_plan {
  int p;
  int64_t outer, n, inner;
} lp_plan;

static const seam_dtype lp_dtypes[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                       SEAM_DTYPE_UNDEFINED};

static seam_status make_plan(seam_op_ctx *ctx, lp_plan *lp) {
  seam_status st;
  if ((st = seam_op_require_dtype(ctx, 0, lp_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank < 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "LpNormalization needs an input of rank >= 1");
  int64_t p = seam_attr_int(ctx->node, "p", 2);
  if (p != 1 && p != 2)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "p must be 1 or 2, got %lld",
                     (long long)p);
  lp->p = (int)p;
  int axis;
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", -1), x->rank, &axis)) != SEAM_OK)
    return st;
  lp->outer = lp->inner = 1;
  lp->n = x->dims[axis];
  for (int d = 0; d < x->rank; d++) {
    if (d < axis) lp->outer *= x->dims[d];
    if (d > axis) lp->inner *= x->dims[d];
  }
  return SEAM_OK;
}

seam_status seam_lpnorm_infer(seam_op_ctx *ctx) {
  lp_plan lp;
  seam_status st = make_plan(ctx, &lp);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

#define LP_LOOP(T)                                                                  \
  do {                                                                              \
    const T *x0 = (const T *)ctx->inputs[0]->data;                                  \
    T *y0 = (T *)ctx->outputs[0]->data;                                             \
    for (int64_t o = 0; o < lp.outer; o++)                                          \
      for (int64_t i = 0; i < lp.inner; i++) {                                      \
        const T *x = x0 + o * lp.n * lp.inner + i;                                  \
        T *y = y0 + o * lp.n * lp.inner + i;                                        \
        double norm = 0;                                                            \
        for (int64_t k = 0; k < lp.n; k++) {                                        \
          double v = x[k * lp.inner];                                               \
          norm += lp.p == 1 ? fabs(v) : v * v;                                      \
        }                                                                           \
        if (lp.p == 2) norm = sqrt(norm);                                           \
        double scale = norm > 0 ? 1.0 / norm : 0.0;                                 \
        for (int64_t k = 0; k < lp.n; k++)                                          \
          y[k * lp.inner] = (T)((double)x[k * lp.inner] * scale);                   \
      }                                                                             \
  } while (0)

seam_status seam_lpnorm_run(seam_op_ctx *ctx) {
  lp_plan lp;
  seam_status st = make_plan(ctx, &lp);
  if (st != SEAM_OK) return st;
  if (!ctx->outputs[0] || ctx->inputs[0]->count == 0) return SEAM_OK;
  if (ctx->inputs[0]->dtype == SEAM_DTYPE_FLOAT32) LP_LOOP(float);
  else LP_LOOP(double);
  return SEAM_OK;
}

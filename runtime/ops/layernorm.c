/* LayerNormalization (opset 17): each group of the trailing axes
 * [axis, rank) (axis default -1) is normalized to zero mean and unit
 * variance, then scaled by Scale and shifted by B (optional); Scale and B
 * broadcast to X's shape (numpy rules, never growing X). Optional outputs
 * Mean and InvStdDev = 1/sqrt(var + epsilon) have X's dims before axis and 1
 * after, in float32 (stash_type 1, the only stash type defined for CPUs).
 * Statistics are computed in double. */
#include <math.h>

#include "runtime/ops/reduce_axes.h"
#include "runtime/ops/reduce_kernels.h"

typedef struct ln_plan {
  int axis;
  int64_t outer, n; /* groups, elements per group */
  int64_t stat_dims[SEAM_MAX_RANK];
} ln_plan;

static const seam_dtype ln_dtypes[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                       SEAM_DTYPE_UNDEFINED};

/* Checks that t broadcasts to x's shape without changing it. */
static seam_status check_broadcast(seam_op_ctx *ctx, const seam_tensor *t, const seam_tensor *x,
                                   const char *name) {
  char a[128], b[128];
  bool ok = t->dtype == x->dtype && t->rank <= x->rank;
  for (int d = 0; ok && d < t->rank; d++) {
    int64_t td = t->dims[d], xd = x->dims[d + x->rank - t->rank];
    ok = td == xd || td == 1;
  }
  if (!ok)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s %s %s does not broadcast to X %s %s", name,
                     seam_dtype_name(t->dtype), seam_shape_str(t->rank, t->dims, a, sizeof a),
                     seam_dtype_name(x->dtype), seam_shape_str(x->rank, x->dims, b, sizeof b));
  return SEAM_OK;
}

static seam_status make_plan(seam_op_ctx *ctx, ln_plan *p) {
  seam_status st;
  if ((st = seam_op_require_dtype(ctx, 0, ln_dtypes)) != SEAM_OK) return st;
  if ((st = seam_op_require_inputs(ctx, 2)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *scale = ctx->inputs[1], *bias = seam_op_input(ctx, 2);
  if (x->rank < 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "LayerNormalization needs an input of rank >= 1");
  if ((st = check_broadcast(ctx, scale, x, "Scale")) != SEAM_OK) return st;
  if (bias && (st = check_broadcast(ctx, bias, x, "B")) != SEAM_OK) return st;
  int64_t stash = seam_attr_int(ctx->node, "stash_type", 1);
  if (stash != SEAM_DTYPE_FLOAT32)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "stash_type %lld is not supported",
                     (long long)stash);
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", -1), x->rank, &p->axis)) != SEAM_OK)
    return st;
  p->outer = p->n = 1;
  for (int d = 0; d < x->rank; d++) {
    if (d < p->axis) p->outer *= x->dims[d];
    else p->n *= x->dims[d];
    p->stat_dims[d] = d < p->axis ? x->dims[d] : 1;
  }
  return SEAM_OK;
}

seam_status seam_layernorm_infer(seam_op_ctx *ctx) {
  ln_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if ((st = seam_op_output_like(ctx, 0, x)) != SEAM_OK) return st;
  if ((st = seam_op_set_output(ctx, 1, SEAM_DTYPE_FLOAT32, x->rank, p.stat_dims)) != SEAM_OK)
    return st;
  return seam_op_set_output(ctx, 2, SEAM_DTYPE_FLOAT32, x->rank, p.stat_dims);
}

/* Walks X in order; the scale and bias offsets follow through odometers
 * with their broadcast strides. */
#define LN_LOOP(T)                                                                      \
  do {                                                                                  \
    const T *xd = (const T *)x->data, *sd = (const T *)scale->data;                     \
    const T *bd = bias ? (const T *)bias->data : NULL;                                  \
    T *yd = y ? (T *)y->data : NULL;                                                    \
    for (int64_t g = 0; g < p.outer; g++) {                                             \
      const T *xg = xd + g * p.n;                                                       \
      double mean = 0, var = 0;                                                         \
      for (int64_t j = 0; j < p.n; j++) mean += xg[j];                                  \
      mean /= (double)p.n;                                                              \
      for (int64_t j = 0; j < p.n; j++) var += ((double)xg[j] - mean) * ((double)xg[j] - mean); \
      var /= (double)p.n;                                                               \
      double inv = 1.0 / sqrt(var + (double)epsilon);                                   \
      if (mean_out) mean_out[g] = (float)mean;                                          \
      if (inv_out) inv_out[g] = (float)inv;                                             \
      if (!yd) continue;                                                                \
      for (int64_t j = 0; j < p.n; j++) {                                               \
        double v = ((double)xg[j] - mean) * inv * (double)sd[so.offset];                \
        if (bd) v += (double)bd[bo.offset];                                             \
        yd[g * p.n + j] = (T)v;                                                         \
        seam_odometer_next(&so);                                                        \
        seam_odometer_next(&bo);                                                        \
      }                                                                                 \
    }                                                                                   \
  } while (0)

seam_status seam_layernorm_run(seam_op_ctx *ctx) {
  ln_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *scale = ctx->inputs[1], *bias = seam_op_input(ctx, 2);
  seam_tensor *y = ctx->outputs[0];
  float *mean_out = ctx->n_outputs > 1 && ctx->outputs[1] ? ctx->outputs[1]->data : NULL;
  float *inv_out = ctx->n_outputs > 2 && ctx->outputs[2] ? ctx->outputs[2]->data : NULL;
  float epsilon = seam_attr_float(ctx->node, "epsilon", 1e-5f);
  if (x->count == 0) return SEAM_OK;
  int64_t s_strides[SEAM_MAX_RANK], b_strides[SEAM_MAX_RANK];
  seam_broadcast_strides(scale, x->rank, x->dims, s_strides);
  if (bias) seam_broadcast_strides(bias, x->rank, x->dims, b_strides);
  else for (int d = 0; d < x->rank; d++) b_strides[d] = 0;
  seam_odometer so, bo;
  seam_odometer_start(&so, x->rank, x->dims, s_strides);
  seam_odometer_start(&bo, x->rank, x->dims, b_strides);
  if (x->dtype == SEAM_DTYPE_FLOAT32) LN_LOOP(float);
  else LN_LOOP(double);
  return SEAM_OK;
}

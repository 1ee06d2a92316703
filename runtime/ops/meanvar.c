/* MeanVarianceNormalization: (x - mean) / (std + 1e-9) with mean and
 * (population) standard deviation taken over `axes` (default [0, 2, 3]),
 * as ONNX's function body defines it. Statistics are computed in double,
 * the variance as the mean of squared deviations. */
#include <math.h>
#include <stdlib.h>

#include "runtime/ops/reduce_axes.h"
#include "runtime/ops/reduce_kernels.h"

#define MVN_EPSILON 1e-9

static const seam_dtype mvn_dtypes[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                        SEAM_DTYPE_UNDEFINED};

static seam_status make_mask(seam_op_ctx *ctx, bool *mask) {
  static const int64_t default_axes[] = {0, 2, 3};
  seam_status st;
  if ((st = seam_op_require_dtype(ctx, 0, mvn_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int n_axes;
  const int64_t *axes = seam_attr_ints(ctx->node, "axes", &n_axes);
  if (!seam_node_attr(ctx->node, "axes")) axes = default_axes, n_axes = 3;
  return seam_axes_mask(ctx, x->rank, axes, n_axes, mask);
}

seam_status seam_mvn_infer(seam_op_ctx *ctx) {
  bool mask[SEAM_MAX_RANK];
  seam_status st = make_mask(ctx, mask);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

seam_status seam_mvn_run(seam_op_ctx *ctx) {
  bool mask[SEAM_MAX_RANK];
  seam_status st = make_mask(ctx, mask);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || x->count == 0) return SEAM_OK;
  seam_axes_split s;
  seam_axes_split_init(&s, x, mask);
  double *v = malloc(sizeof *v * (size_t)s.red_count);
  if (!v) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_odometer o;
  seam_odometer_start(&o, s.n_kept, s.kept_dims, s.kept_strides);
  for (int64_t g = 0; g < s.kept_count; g++, seam_odometer_next(&o)) {
    seam_axes_gather_f64(x, &s, o.offset, v);
    double mean = 0, var = 0;
    for (int64_t k = 0; k < s.red_count; k++) mean += v[k];
    mean /= (double)s.red_count;
    for (int64_t k = 0; k < s.red_count; k++) var += (v[k] - mean) * (v[k] - mean);
    var /= (double)s.red_count;
    double denom = sqrt(var) + MVN_EPSILON;
    for (int64_t k = 0; k < s.red_count; k++) v[k] = (v[k] - mean) / denom;
    seam_axes_scatter_f64(y, &s, o.offset, v);
  }
  free(v);
  return SEAM_OK;
}

/* Normalizations over [N, C, spatial...] tensors: BatchNormalization
 * (inference form), InstanceNormalization and LRN. float32 and float64;
 * statistics and per-channel coefficients are computed in double. */
#include <math.h>
#include <stdlib.h>

#include "runtime/ops/nn.h"

static const seam_dtype norm_types[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                        SEAM_DTYPE_UNDEFINED};

/* Checks that X is [N, C, ...] and returns N, C and the size of one
 * channel plane. */
static seam_status nc_plane(seam_op_ctx *ctx, const seam_tensor *x, int min_rank, int64_t *n,
                            int64_t *c, int64_t *plane) {
  if (x->rank < min_rank)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input must have rank >= %d, got %d", min_rank,
                     x->rank);
  *n = x->rank >= 1 ? x->dims[0] : 1;
  *c = x->rank >= 2 ? x->dims[1] : 1;
  *plane = seam_shape_count(x->rank > 2 ? x->rank - 2 : 0, x->dims + 2);
  return SEAM_OK;
}

/* y = x * a + b with one (a, b) per channel, or, when per_element, one per
 * element of a channel's plane (a and b are then [C, plane]). */
#define AFFINE(T)                                                                          \
  static void affine_##T(const T *x, T *y, int64_t n, int64_t c, int64_t plane,            \
                         const double *a, const double *b, bool per_element) {             \
    for (int64_t i = 0; i < n; i++)                                                        \
      for (int64_t j = 0; j < c; j++) {                                                    \
        const T *xp = x + (i * c + j) * plane;                                             \
        T *yp = y + (i * c + j) * plane;                                                   \
        if (per_element) {                                                                 \
          const double *ap = a + j * plane, *bp = b + j * plane;                           \
          for (int64_t k = 0; k < plane; k++) yp[k] = (T)(xp[k] * ap[k] + bp[k]);          \
        } else {                                                                           \
          T av = (T)a[j], bv = (T)b[j];                                                    \
          for (int64_t k = 0; k < plane; k++) yp[k] = xp[k] * av + bv;                     \
        }                                                                                  \
      }                                                                                    \
  }
AFFINE(float)
AFFINE(double)

/* ---- BatchNormalization ---- */

static seam_status batch_norm_check(seam_op_ctx *ctx, bool *per_element) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 5)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, norm_types)) != SEAM_OK) return st;
  if (ctx->node->opset >= 14 && seam_attr_int(ctx->node, "training_mode", 0) != 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "training_mode=1 is not supported");
  if (ctx->node->opset < 7 && seam_attr_int(ctx->node, "is_test", 0) == 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "is_test=0 (training) is not supported");
  for (int i = 1; i < ctx->n_outputs; i++)
    if (ctx->outputs[i])
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED,
                       "the training outputs (running/saved mean and variance) are not supported");
  const seam_tensor *x = ctx->inputs[0];
  int64_t n = 0, c = 0, plane = 0;
  if ((st = nc_plane(ctx, x, 2, &n, &c, &plane)) != SEAM_OK) return st;
  /* Before opset 9, spatial=0 gives every element of a channel plane its own
   * statistics: the parameters are then [C, D1, ...]. */
  bool spatial = ctx->node->opset >= 9 || seam_attr_int(ctx->node, "spatial", 1) != 0;
  *per_element = !spatial && plane > 1;
  int64_t want = *per_element ? c * plane : c;
  for (int i = 1; i < 5; i++) {
    const seam_tensor *p = ctx->inputs[i];
    if (!seam_dtype_is_float(p->dtype) || p->dtype == SEAM_DTYPE_FLOAT16)
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "parameter %d has dtype %s", i,
                       seam_dtype_name(p->dtype));
    if (p->count != want || (!*per_element && p->rank != 1))
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "parameter %d must have %lld values, got %lld", i,
                       (long long)want, (long long)p->count);
  }
  return SEAM_OK;
}

seam_status seam_batch_norm_infer(seam_op_ctx *ctx) {
  bool per_element;
  seam_status st = batch_norm_check(ctx, &per_element);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

seam_status seam_batch_norm_run(seam_op_ctx *ctx) {
  bool per_element = false;
  seam_status st = batch_norm_check(ctx, &per_element);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *scale = ctx->inputs[1], *bias = ctx->inputs[2],
                    *mean = ctx->inputs[3], *var = ctx->inputs[4];
  double eps = seam_attr_float(ctx->node, "epsilon", 1e-5f);
  int64_t n = 0, c = 0, plane = 0;
  nc_plane(ctx, x, 2, &n, &c, &plane);
  int64_t count = scale->count;
  double *a = malloc(sizeof(double) * (size_t)(2 * count) + 1);
  if (!a) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  double *b = a + count;
  for (int64_t i = 0; i < count; i++) {
    a[i] = seam_tensor_get_f64(scale, i) / sqrt(seam_tensor_get_f64(var, i) + eps);
    b[i] = seam_tensor_get_f64(bias, i) - seam_tensor_get_f64(mean, i) * a[i];
  }
  if (x->dtype == SEAM_DTYPE_FLOAT32)
    affine_float(x->data, ctx->outputs[0]->data, n, c, plane, a, b, per_element);
  else
    affine_double(x->data, ctx->outputs[0]->data, n, c, plane, a, b, per_element);
  free(a);
  return SEAM_OK;
}

/* ---- InstanceNormalization ---- */

static seam_status instance_norm_check(seam_op_ctx *ctx) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 3)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, norm_types)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t n = 0, c = 0, plane = 0;
  if ((st = nc_plane(ctx, x, 3, &n, &c, &plane)) != SEAM_OK) return st;
  for (int i = 1; i < 3; i++) {
    const seam_tensor *p = ctx->inputs[i];
    if (p->dtype != x->dtype)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d must have the dtype of X", i);
    if (p->rank != 1 || p->dims[0] != c)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d must be 1-D of size C = %lld", i,
                       (long long)c);
  }
  return SEAM_OK;
}

seam_status seam_instance_norm_infer(seam_op_ctx *ctx) {
  seam_status st = instance_norm_check(ctx);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

#define INSTANCE_NORM(T)                                                                   \
  static void instance_norm_##T(const T *x, const T *scale, const T *bias, T *y, int64_t n, \
                                int64_t c, int64_t plane, double eps) {                    \
    for (int64_t i = 0; i < n * c; i++) {                                                  \
      const T *xp = x + i * plane;                                                         \
      T *yp = y + i * plane;                                                               \
      double sum = 0.0, sq = 0.0;                                                          \
      for (int64_t k = 0; k < plane; k++) sum += xp[k];                                    \
      double mean = plane ? sum / (double)plane : 0.0;                                     \
      for (int64_t k = 0; k < plane; k++) sq += (xp[k] - mean) * (xp[k] - mean);           \
      double var = plane ? sq / (double)plane : 0.0;                                       \
      double a = scale[i % c] / sqrt(var + eps), b = bias[i % c] - mean * a;               \
      for (int64_t k = 0; k < plane; k++) yp[k] = (T)(xp[k] * a + b);                      \
    }                                                                                      \
  }
INSTANCE_NORM(float)
INSTANCE_NORM(double)

seam_status seam_instance_norm_run(seam_op_ctx *ctx) {
  seam_status st = instance_norm_check(ctx);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t n = 0, c = 0, plane = 0;
  nc_plane(ctx, x, 3, &n, &c, &plane);
  double eps = seam_attr_float(ctx->node, "epsilon", 1e-5f);
  if (x->dtype == SEAM_DTYPE_FLOAT32)
    instance_norm_float(x->data, ctx->inputs[1]->data, ctx->inputs[2]->data, ctx->outputs[0]->data,
                        n, c, plane, eps);
  else
    instance_norm_double(x->data, ctx->inputs[1]->data, ctx->inputs[2]->data,
                         ctx->outputs[0]->data, n, c, plane, eps);
  return SEAM_OK;
}

/* ---- LRN ---- */

static seam_status lrn_check(seam_op_ctx *ctx) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 1)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, norm_types)) != SEAM_OK) return st;
  int64_t n = 0, c = 0, plane = 0;
  if ((st = nc_plane(ctx, ctx->inputs[0], 2, &n, &c, &plane)) != SEAM_OK) return st;
  if (!seam_node_attr(ctx->node, "size"))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute size is required");
  int64_t size = seam_attr_int(ctx->node, "size", 1);
  if (size < 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "size must be >= 1, got %lld",
                     (long long)size);
  return SEAM_OK;
}

seam_status seam_lrn_infer(seam_op_ctx *ctx) {
  seam_status st = lrn_check(ctx);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

/* y = x / (bias + alpha / size * sum of x^2 over the channels
 * [c - floor((size-1)/2), c + ceil((size-1)/2)])^beta. */
#define LRN(T)                                                                             \
  static void lrn_##T(const T *x, T *y, int64_t n, int64_t c, int64_t plane, int64_t size, \
                      double alpha, double beta, double bias) {                            \
    int64_t before = (size - 1) / 2, after = size - 1 - before;                            \
    for (int64_t i = 0; i < n; i++)                                                        \
      for (int64_t j = 0; j < c; j++) {                                                    \
        int64_t lo = j - before < 0 ? 0 : j - before;                                      \
        int64_t hi = j + after >= c ? c - 1 : j + after;                                   \
        const T *xb = x + i * c * plane;                                                   \
        T *yp = y + (i * c + j) * plane;                                                   \
        for (int64_t k = 0; k < plane; k++) {                                              \
          double sq = 0.0;                                                                 \
          for (int64_t q = lo; q <= hi; q++) {                                             \
            double v = xb[q * plane + k];                                                  \
            sq += v * v;                                                                   \
          }                                                                                \
          yp[k] = (T)(xb[j * plane + k] / pow(bias + alpha / (double)size * sq, beta));    \
        }                                                                                  \
      }                                                                                    \
  }
LRN(float)
LRN(double)

seam_status seam_lrn_run(seam_op_ctx *ctx) {
  seam_status st = lrn_check(ctx);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t n = 0, c = 0, plane = 0;
  nc_plane(ctx, x, 2, &n, &c, &plane);
  int64_t size = seam_attr_int(ctx->node, "size", 1);
  double alpha = seam_attr_float(ctx->node, "alpha", 1e-4f);
  double beta = seam_attr_float(ctx->node, "beta", 0.75f);
  double bias = seam_attr_float(ctx->node, "bias", 1.0f);
  if (x->dtype == SEAM_DTYPE_FLOAT32)
    lrn_float(x->data, ctx->outputs[0]->data, n, c, plane, size, alpha, beta, bias);
  else
    lrn_double(x->data, ctx->outputs[0]->data, n, c, plane, size, alpha, beta, bias);
  return SEAM_OK;
}

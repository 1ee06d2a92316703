/* Ops that write a fixed pattern keyed on element positions: EyeLike (a
 * diagonal), Trilu (a triangle of the input), OneHot (one hot position per
 * index). */
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* ---- EyeLike ---- */

seam_status seam_op_eye_like_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank != 2)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "EyeLike needs a 2-D input, got rank %d", x->rank);
  int64_t dtype = seam_attr_int(ctx->node, "dtype", x->dtype);
  if (seam_dtype_size((seam_dtype)dtype) == 0 || dtype == SEAM_DTYPE_FLOAT16)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %lld is not supported",
                     (long long)dtype);
  return seam_op_set_output(ctx, 0, (seam_dtype)dtype, 2, x->dims);
}

seam_status seam_op_eye_like_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t k = seam_attr_int(ctx->node, "k", 0), rows = y->dims[0], cols = y->dims[1];
  if (k <= -rows || k >= cols) return SEAM_OK; /* the diagonal misses the matrix */
  /* The output is zero-filled; set the ones of the k-th diagonal. */
  for (int64_t i = k < 0 ? -k : 0; i < rows; i++) {
    if (k > cols - i - 1) break; /* j = i + k would reach cols: computed without overflow */
    seam_tensor_set_f64(y, i * cols + i + k, 1.0);
  }
  return SEAM_OK;
}

/* ---- Trilu ---- */

static seam_status trilu_k(seam_op_ctx *ctx, int64_t *k) {
  const seam_tensor *kt = seam_op_input(ctx, 1);
  *k = 0;
  if (!kt) return SEAM_OK;
  if (kt->count != 1 || kt->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "k must be a scalar");
  if (kt->dtype != SEAM_DTYPE_INT64)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "k must be int64");
  *k = *(const int64_t *)kt->data;
  return SEAM_OK;
}

seam_status seam_op_trilu_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank < 2)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "Trilu needs rank >= 2, got %d", x->rank);
  int64_t k;
  if ((st = trilu_k(ctx, &k)) != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, x);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

seam_status seam_op_trilu_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t k;
  seam_status st = trilu_k(ctx, &k);
  if (st != SEAM_OK) return st;
  bool upper = seam_attr_int(ctx->node, "upper", 1) != 0;
  size_t elem = seam_dtype_size(x->dtype);
  int64_t rows = x->dims[x->rank - 2], cols = x->dims[x->rank - 1];
  int64_t mats = x->count / (rows * cols);
  /* k beyond the matrix behaves like the matrix edge (and avoids overflow). */
  k = clamp64(k, -rows - 1, cols + 1);
  memcpy(y->data, x->data, (size_t)x->count * elem);
  char *out = y->data;
  for (int64_t m = 0; m < mats; m++)
    for (int64_t i = 0; i < rows; i++) {
      char *row = out + (size_t)((m * rows + i) * cols) * elem;
      /* upper keeps j >= i + k; lower keeps j <= i + k. Zero the rest. */
      if (upper) {
        int64_t end = clamp64(i + k, 0, cols);
        memset(row, 0, (size_t)end * elem);
      } else {
        int64_t begin = clamp64(i + k + 1, 0, cols);
        memset(row + (size_t)begin * elem, 0, (size_t)(cols - begin) * elem);
      }
    }
  return SEAM_OK;
}

/* ---- OneHot ---- */

typedef struct onehot_plan {
  int axis;
  int64_t depth;
  int64_t outer, inner; /* index elements before / after the new axis */
} onehot_plan;

static seam_status onehot_resolve(seam_op_ctx *ctx, onehot_plan *p, int64_t *dims) {
  seam_status st = seam_op_require_inputs(ctx, 3);
  if (st != SEAM_OK) return st;
  const seam_tensor *idx = ctx->inputs[0], *depth = ctx->inputs[1], *values = ctx->inputs[2];
  if (depth->count != 1 || depth->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "depth must be a scalar");
  if (values->count != 2 || values->rank != 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "values must hold [off, on]");
  if (!seam_dtype_is_float(idx->dtype) && !seam_dtype_is_integer(idx->dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "indices of dtype %s",
                     seam_dtype_name(idx->dtype));
  double d = seam_tensor_get_f64(depth, 0);
  if (!(d >= 1) || d > 1e12)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "depth %g is invalid", d);
  p->depth = (int64_t)d;
  int rank = idx->rank + 1;
  if (rank > SEAM_MAX_RANK)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "output rank %d is above %d", rank,
                     SEAM_MAX_RANK);
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", -1), rank, &p->axis)) != SEAM_OK)
    return st;
  p->outer = 1;
  p->inner = 1;
  for (int i = 0, k = 0; i < rank; i++) {
    if (i == p->axis) {
      dims[i] = p->depth;
      continue;
    }
    dims[i] = idx->dims[k++];
    if (i < p->axis)
      p->outer *= dims[i];
    else
      p->inner *= dims[i];
  }
  return SEAM_OK;
}

seam_status seam_op_onehot_infer(seam_op_ctx *ctx) {
  onehot_plan p;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = onehot_resolve(ctx, &p, dims);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[2]->dtype, ctx->inputs[0]->rank + 1, dims);
}

seam_status seam_op_onehot_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  onehot_plan p;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = onehot_resolve(ctx, &p, dims);
  if (st != SEAM_OK) return st;
  const seam_tensor *idx = ctx->inputs[0], *values = ctx->inputs[2];
  size_t elem = seam_dtype_size(y->dtype);
  const char *off = values->data, *on = off + elem;
  char *out = y->data;
  for (int64_t i = 0; i < y->count; i++) memcpy(out + (size_t)i * elem, off, elem);
  for (int64_t o = 0; o < p.outer; o++)
    for (int64_t i = 0; i < p.inner; i++) {
      /* Indices are truncated to integers; negatives count from the end;
       * anything outside [-depth, depth) gets no hot position. */
      double v = seam_tensor_get_f64(idx, o * p.inner + i);
      if (!(v > -(double)p.depth - 1 && v < (double)p.depth + 1)) continue;
      int64_t k = (int64_t)v;
      if (k < 0) k += p.depth;
      if (k < 0 || k >= p.depth) continue;
      memcpy(out + (size_t)((o * p.depth + k) * p.inner + i) * elem, on, elem);
    }
  return SEAM_OK;
}

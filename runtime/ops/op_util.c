#include <string.h>

#include "runtime/ops/op.h"

seam_status seam_op_set_output(seam_op_ctx *ctx, int i, seam_dtype dtype, int rank,
                               const int64_t *dims) {
  if (i >= ctx->n_outputs || !ctx->outputs[i]) return SEAM_OK; /* optional output omitted */
  return seam_tensor_set_shape(ctx->outputs[i], dtype, rank, dims, ctx->err);
}

seam_status seam_op_output_like(seam_op_ctx *ctx, int i, const seam_tensor *like) {
  return seam_op_set_output(ctx, i, like->dtype, like->rank, like->dims);
}

seam_status seam_op_require_inputs(seam_op_ctx *ctx, int min) {
  for (int i = 0; i < min; i++)
    if (!seam_op_input(ctx, i))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input %d is required", i);
  return SEAM_OK;
}

seam_status seam_op_require_dtype(seam_op_ctx *ctx, int i, const seam_dtype *allowed) {
  const seam_tensor *t = seam_op_input(ctx, i);
  if (!t) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input %d is required", i);
  for (const seam_dtype *d = allowed; *d != SEAM_DTYPE_UNDEFINED; d++)
    if (*d == t->dtype) return SEAM_OK;
  return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s of input %d is not supported",
                   seam_dtype_name(t->dtype), i);
}

seam_status seam_op_axis(seam_op_ctx *ctx, int64_t axis, int rank, int *out) {
  int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= (rank > 0 ? rank : 1))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is out of range for rank %d",
                     (long long)axis, rank);
  *out = (int)a;
  return SEAM_OK;
}

seam_status seam_op_read_ints(seam_op_ctx *ctx, const seam_tensor *t, int64_t *buf, int max,
                              int *n) {
  if (t->dtype != SEAM_DTYPE_INT64 && t->dtype != SEAM_DTYPE_INT32)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "expected an int32/int64 tensor, got %s",
                     seam_dtype_name(t->dtype));
  if (t->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "expected a 1-D tensor, got rank %d", t->rank);
  if (t->count > max)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "expected at most %d values, got %lld", max,
                     (long long)t->count);
  for (int64_t i = 0; i < t->count; i++) buf[i] = seam_tensor_get_i64(t, i);
  *n = (int)t->count;
  return SEAM_OK;
}

seam_status seam_broadcast_shape(seam_op_ctx *ctx, int rank_a, const int64_t *dims_a,
                                 int rank_b, const int64_t *dims_b, int *out_rank,
                                 int64_t *out_dims) {
  int rank = rank_a > rank_b ? rank_a : rank_b;
  for (int i = 0; i < rank; i++) {
    int ia = i - (rank - rank_a), ib = i - (rank - rank_b);
    int64_t a = ia >= 0 ? dims_a[ia] : 1, b = ib >= 0 ? dims_b[ib] : 1;
    if (a != b && a != 1 && b != 1) {
      char sa[128], sb[128];
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "shapes %s and %s do not broadcast",
                       seam_shape_str(rank_a, dims_a, sa, sizeof sa),
                       seam_shape_str(rank_b, dims_b, sb, sizeof sb));
    }
    out_dims[i] = a == 1 ? b : a;
  }
  *out_rank = rank;
  return SEAM_OK;
}

void seam_broadcast_strides(const seam_tensor *t, int rank, const int64_t *dims,
                            int64_t *strides) {
  int offset = rank - t->rank;
  for (int i = 0; i < rank; i++) {
    int ti = i - offset;
    strides[i] = (ti < 0 || (t->dims[ti] == 1 && dims[i] != 1)) ? 0 : t->strides[ti];
  }
}

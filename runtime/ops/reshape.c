/* Ops that change a tensor's shape but not its bytes: Reshape, Flatten,
 * Squeeze, Unsqueeze. run() is one memcpy for all of them. */
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* Shared run: the output holds the input's bytes in the same order. */
seam_status seam_shape_copy_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (y) seam_copy_bytes(y->data, x->data, (size_t)x->count * seam_dtype_size(x->dtype));
  return SEAM_OK;
}

seam_status seam_op_reshape_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, ctx->node->opset < 5 ? 1 : 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t dims[SEAM_MAX_RANK];
  int n;
  bool present;
  if ((st = seam_shape_read_list(ctx, "shape", 1, 5, dims, SEAM_MAX_RANK, &n, &present)) != SEAM_OK)
    return st;
  if (!present)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "the target shape is missing");
  bool allowzero = seam_attr_int(ctx->node, "allowzero", 0) != 0;
  int infer_at = -1;
  int64_t known = 1;
  for (int i = 0; i < n; i++) {
    if (dims[i] == -1) {
      if (infer_at >= 0)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                         "the target shape has more than one -1");
      infer_at = i;
      continue;
    }
    if (dims[i] == 0 && !allowzero) {
      if (i >= x->rank)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                         "target dim %d is 0 (copy) but the input has rank %d", i, x->rank);
      dims[i] = x->dims[i];
    }
    if (dims[i] < 0)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "target dim %d is %lld", i,
                       (long long)dims[i]);
    if (dims[i] != 0 && known > INT64_MAX / dims[i])
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "the target shape overflows");
    known *= dims[i];
  }
  if (infer_at >= 0) {
    if (known == 0 || x->count % known != 0) {
      char buf[128];
      return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                       "cannot infer the -1 dim: input %s has %lld elements",
                       seam_shape_str(x->rank, x->dims, buf, sizeof buf), (long long)x->count);
    }
    dims[infer_at] = x->count / known;
    known = x->count;
  }
  if (known != x->count) {
    char a[128], b[128];
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot reshape %s into %s",
                     seam_shape_str(x->rank, x->dims, a, sizeof a),
                     seam_shape_str(n, dims, b, sizeof b));
  }
  return seam_op_set_output(ctx, 0, x->dtype, n, dims);
}

seam_status seam_op_flatten_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t axis = seam_attr_int(ctx->node, "axis", 1);
  if (axis < 0) axis += x->rank;
  if (axis < 0 || axis > x->rank)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is out of range for rank %d",
                     (long long)seam_attr_int(ctx->node, "axis", 1), x->rank);
  int64_t dims[2] = {seam_shape_count((int)axis, x->dims),
                     seam_shape_count(x->rank - (int)axis, x->dims + axis)};
  return seam_op_set_output(ctx, 0, x->dtype, 2, dims);
}

seam_status seam_op_squeeze_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t axes[SEAM_MAX_RANK];
  int n;
  bool present;
  if ((st = seam_shape_read_list(ctx, "axes", 1, 13, axes, SEAM_MAX_RANK, &n, &present)) != SEAM_OK)
    return st;
  if ((st = seam_shape_normalize_axes(ctx, axes, n, x->rank)) != SEAM_OK) return st;
  bool drop[SEAM_MAX_RANK] = {false};
  if (!present || n == 0) {
    for (int i = 0; i < x->rank; i++) drop[i] = x->dims[i] == 1;
  } else {
    for (int i = 0; i < n; i++) {
      if (x->dims[axes[i]] != 1)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot squeeze axis %lld of size %lld",
                         (long long)axes[i], (long long)x->dims[axes[i]]);
      drop[axes[i]] = true;
    }
  }
  int64_t dims[SEAM_MAX_RANK];
  int r = 0;
  for (int i = 0; i < x->rank; i++)
    if (!drop[i]) dims[r++] = x->dims[i];
  return seam_op_set_output(ctx, 0, x->dtype, r, dims);
}

seam_status seam_op_unsqueeze_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t axes[SEAM_MAX_RANK];
  int n;
  bool present;
  if ((st = seam_shape_read_list(ctx, "axes", 1, 13, axes, SEAM_MAX_RANK, &n, &present)) != SEAM_OK)
    return st;
  if (!present || n == 0)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axes are required");
  int rank = x->rank + n;
  if (rank > SEAM_MAX_RANK)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "rank %d is above %d", rank, SEAM_MAX_RANK);
  if ((st = seam_shape_normalize_axes(ctx, axes, n, rank)) != SEAM_OK) return st;
  bool added[SEAM_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) added[axes[i]] = true;
  int64_t dims[SEAM_MAX_RANK];
  for (int i = 0, k = 0; i < rank; i++) dims[i] = added[i] ? 1 : x->dims[k++];
  return seam_op_set_output(ctx, 0, x->dtype, rank, dims);
}

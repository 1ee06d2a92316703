/* Ops that permute elements: Transpose, DepthToSpace, SpaceToDepth. Each is a
 * strided view of the input copied out contiguously. */
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* Reads and checks the perm attribute (default: reversed axes). */
static seam_status read_perm(seam_op_ctx *ctx, int rank, int *perm) {
  int n;
  const int64_t *p = seam_attr_ints(ctx->node, "perm", &n);
  if (!p) {
    for (int i = 0; i < rank; i++) perm[i] = rank - 1 - i;
    return SEAM_OK;
  }
  if (n != rank)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "perm has %d entries for rank %d", n,
                     rank);
  bool seen[SEAM_MAX_RANK] = {false};
  for (int i = 0; i < n; i++) {
    int64_t a = p[i] < 0 ? p[i] + rank : p[i];
    if (a < 0 || a >= rank || seen[a])
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "perm is not a permutation of 0..%d",
                       rank - 1);
    seen[a] = true;
    perm[i] = (int)a;
  }
  return SEAM_OK;
}

seam_status seam_op_transpose_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int perm[SEAM_MAX_RANK];
  if ((st = read_perm(ctx, x->rank, perm)) != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK];
  for (int i = 0; i < x->rank; i++) dims[i] = x->dims[perm[i]];
  return seam_op_set_output(ctx, 0, x->dtype, x->rank, dims);
}

seam_status seam_op_transpose_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int perm[SEAM_MAX_RANK];
  seam_status st = read_perm(ctx, x->rank, perm);
  if (st != SEAM_OK) return st;
  int64_t strides[SEAM_MAX_RANK];
  for (int i = 0; i < x->rank; i++) strides[i] = x->strides[perm[i]];
  seam_strided_copy(y->data, x->data, seam_dtype_size(x->dtype), x->rank, y->dims, strides);
  return SEAM_OK;
}

/* Checks a 4-D NCHW input and the blocksize attribute. */
static seam_status block_params(seam_op_ctx *ctx, const seam_tensor **x, int64_t *b) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  *x = ctx->inputs[0];
  if ((*x)->rank != 4)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "expected a 4-D input, got rank %d", (*x)->rank);
  *b = seam_attr_int(ctx->node, "blocksize", 0);
  if (*b <= 0 || *b > 65536)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "blocksize %lld is invalid",
                     (long long)*b);
  return SEAM_OK;
}

/* DepthToSpace with mode "DCR" (default) views the input [N,C,H,W] as
 * [N, b, b, C/b², H, W] and transposes it to [N, C/b², H, b, W, b]; "CRD"
 * views it as [N, C/b², b, b, H, W]. */
static seam_status depth_to_space_mode(seam_op_ctx *ctx, bool *crd) {
  const char *mode = seam_attr_string(ctx->node, "mode", "DCR");
  if (strcmp(mode, "DCR") == 0)
    *crd = false;
  else if (strcmp(mode, "CRD") == 0)
    *crd = true;
  else
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "mode '%s' is not DCR or CRD", mode);
  return SEAM_OK;
}

seam_status seam_op_depth_to_space_infer(seam_op_ctx *ctx) {
  const seam_tensor *x;
  int64_t b = 1;
  bool crd;
  seam_status st = block_params(ctx, &x, &b);
  if (st != SEAM_OK || (st = depth_to_space_mode(ctx, &crd)) != SEAM_OK) return st;
  if (x->dims[1] % (b * b) != 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                     "channels %lld are not a multiple of blocksize² %lld", (long long)x->dims[1],
                     (long long)(b * b));
  if (x->dims[2] > INT64_MAX / b || x->dims[3] > INT64_MAX / b)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "output is too large");
  int64_t dims[4] = {x->dims[0], x->dims[1] / (b * b), x->dims[2] * b, x->dims[3] * b};
  return seam_op_set_output(ctx, 0, x->dtype, 4, dims);
}

seam_status seam_op_depth_to_space_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t b = seam_attr_int(ctx->node, "blocksize", 0);
  bool crd = strcmp(seam_attr_string(ctx->node, "mode", "DCR"), "CRD") == 0;
  int64_t c = x->dims[1] / (b * b), h = x->dims[2], w = x->dims[3];
  int64_t hw = h * w;
  /* Output view [N, C', H, b1, W, b2]. */
  int64_t dims[6] = {x->dims[0], c, h, b, w, b};
  int64_t strides[6];
  strides[0] = x->strides[0];
  strides[2] = w;
  strides[4] = 1;
  if (crd) { /* channel = c' * b² + b1 * b + b2 */
    strides[1] = b * b * hw;
    strides[3] = b * hw;
    strides[5] = hw;
  } else { /* channel = (b1 * b + b2) * C' + c' */
    strides[1] = hw;
    strides[3] = b * c * hw;
    strides[5] = c * hw;
  }
  seam_strided_copy(y->data, x->data, seam_dtype_size(x->dtype), 6, dims, strides);
  return SEAM_OK;
}

/* SpaceToDepth views [N,C,H,W] as [N, C, H/b, b, W/b, b] and transposes it to
 * [N, b, b, C, H/b, W/b]: output channel = (b1 * b + b2) * C + c. */
seam_status seam_op_space_to_depth_infer(seam_op_ctx *ctx) {
  const seam_tensor *x;
  int64_t b = 1;
  seam_status st = block_params(ctx, &x, &b);
  if (st != SEAM_OK) return st;
  if (x->dims[2] % b != 0 || x->dims[3] % b != 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "spatial dims %lldx%lld are not multiples of %lld",
                     (long long)x->dims[2], (long long)x->dims[3], (long long)b);
  if (x->dims[1] > INT64_MAX / (b * b))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "output is too large");
  int64_t dims[4] = {x->dims[0], x->dims[1] * b * b, x->dims[2] / b, x->dims[3] / b};
  return seam_op_set_output(ctx, 0, x->dtype, 4, dims);
}

seam_status seam_op_space_to_depth_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t b = seam_attr_int(ctx->node, "blocksize", 0);
  int64_t c = x->dims[1], h = x->dims[2], w = x->dims[3];
  int64_t dims[6] = {x->dims[0], b, b, c, h / b, w / b};
  int64_t strides[6] = {x->strides[0], w, 1, h * w, b * w, b};
  seam_strided_copy(y->data, x->data, seam_dtype_size(x->dtype), 6, dims, strides);
  return SEAM_OK;
}

/* MaxUnpool: scatters X into a zero tensor at the positions MaxPool's
 * Indices output recorded. The indices are flat positions in the tensor
 * MaxPool read, whose spatial size is (in - 1) * stride + kernel - pads;
 * when output_shape asks for a larger tensor, each index keeps its
 * coordinates and the extra rows and columns at the end stay zero (the
 * behaviour of the ONNX reference data). */
#include <string.h>

#include "runtime/ops/nn.h"
#include "runtime/ops/window.h"

typedef struct unpool_geom {
  int rank;
  int64_t pooled[SEAM_MAX_RANK]; /* the shape the indices refer to */
  int64_t out[SEAM_MAX_RANK];
} unpool_geom;

static seam_status unpool_setup(seam_op_ctx *ctx, unpool_geom *g) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 2)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1], *shape = seam_op_input(ctx, 2);
  if (seam_dtype_size(x->dtype) == 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s", seam_dtype_name(x->dtype));
  if (idx->dtype != SEAM_DTYPE_INT64)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "I must be int64, got %s", seam_dtype_name(idx->dtype));
  bool same_dims = idx->rank == x->rank;
  for (int i = 0; same_dims && i < x->rank; i++) same_dims = idx->dims[i] == x->dims[i];
  if (!same_dims)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "X and I must have the same shape");
  seam_window w;
  if ((st = seam_window_read(ctx, x, NULL, &w)) != SEAM_OK) return st;
  g->rank = x->rank;
  g->pooled[0] = g->out[0] = x->dims[0];
  g->pooled[1] = g->out[1] = x->dims[1];
  for (int i = 0; i < w.n; i++) {
    int64_t d = (w.in[i] - 1) * w.stride[i] + w.kernel[i] - w.pad_begin[i] - w.pad_end[i];
    if (d < 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "pads leave a negative output size on axis %d", i);
    g->pooled[i + 2] = g->out[i + 2] = d;
  }
  if (shape) {
    int64_t dims[SEAM_MAX_RANK];
    int n = 0;
    if ((st = seam_op_read_ints(ctx, shape, dims, SEAM_MAX_RANK, &n)) != SEAM_OK) return st;
    if (n != x->rank)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "output_shape has %d values for rank %d", n,
                       x->rank);
    for (int i = 0; i < n; i++) {
      if (i < 2 ? dims[i] != x->dims[i] : dims[i] < g->pooled[i])
        return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                         "output_shape[%d] = %lld is smaller than the unpooled size %lld", i,
                         (long long)dims[i], (long long)g->pooled[i]);
      g->out[i] = dims[i];
    }
  }
  return SEAM_OK;
}

seam_status seam_max_unpool_infer(seam_op_ctx *ctx) {
  unpool_geom g;
  seam_status st = unpool_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, g.rank, g.out);
}

seam_status seam_max_unpool_run(seam_op_ctx *ctx) {
  unpool_geom g;
  seam_status st = unpool_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  seam_tensor *y = ctx->outputs[0];
  size_t es = seam_dtype_size(x->dtype);
  int64_t pooled_count = seam_shape_count(g.rank, g.pooled);
  bool same = memcmp(g.pooled, g.out, sizeof(int64_t) * (size_t)g.rank) == 0;
  const int64_t *iv = idx->data;
  memset(y->data, 0, (size_t)y->count * es);
  for (int64_t j = 0; j < x->count; j++) {
    int64_t p = iv[j];
    if (p < 0 || p >= pooled_count)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "index %lld is out of range [0, %lld)",
                       (long long)p, (long long)pooled_count);
    int64_t q = p;
    if (!same) { /* same coordinates in the larger output */
      int64_t coord[SEAM_MAX_RANK];
      for (int i = g.rank - 1; i >= 0; i--) {
        coord[i] = p % g.pooled[i];
        p /= g.pooled[i];
      }
      q = 0;
      for (int i = 0; i < g.rank; i++) q = q * g.out[i] + coord[i];
    }
    memcpy((char *)y->data + (size_t)q * es, (const char *)x->data + (size_t)j * es, es);
  }
  return SEAM_OK;
}

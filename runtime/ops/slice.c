/* Indexing ops: Slice, Gather, GatherElements, GatherND. Every index read
 * from a tensor is bounds-checked before it addresses the data. */
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* ---- Slice ---- */

typedef struct slice_plan {
  int64_t start[SEAM_MAX_RANK]; /* first element taken on each axis */
  int64_t step[SEAM_MAX_RANK];
  int64_t count[SEAM_MAX_RANK]; /* output dims */
} slice_plan;

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Reads starts/ends/axes/steps (attributes before opset 10, inputs from 10)
 * and resolves them against x's shape. */
static seam_status slice_resolve(seam_op_ctx *ctx, slice_plan *p) {
  seam_status st = seam_op_require_inputs(ctx, ctx->node->opset < 10 ? 1 : 3);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t starts[SEAM_MAX_RANK], ends[SEAM_MAX_RANK], axes[SEAM_MAX_RANK], steps[SEAM_MAX_RANK];
  int ns, ne, na = 0, nst = 0;
  bool present, has_axes, has_steps = false;
  if ((st = seam_shape_read_list(ctx, "starts", 1, 10, starts, SEAM_MAX_RANK, &ns, &present)) !=
      SEAM_OK)
    return st;
  if (!present) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "starts are required");
  if ((st = seam_shape_read_list(ctx, "ends", 2, 10, ends, SEAM_MAX_RANK, &ne, &present)) !=
      SEAM_OK)
    return st;
  if (!present) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "ends are required");
  if ((st = seam_shape_read_list(ctx, "axes", 3, 10, axes, SEAM_MAX_RANK, &na, &has_axes)) !=
      SEAM_OK)
    return st;
  if (ctx->node->opset >= 10 &&
      (st = seam_shape_read_list(ctx, "steps", 4, 10, steps, SEAM_MAX_RANK, &nst, &has_steps)) !=
          SEAM_OK)
    return st;
  if (ne != ns || (has_axes && na != ns) || (has_steps && nst != ns))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                     "starts, ends, axes and steps must have the same length");
  if (!has_axes)
    for (int i = 0; i < ns; i++) axes[i] = i;
  if (ns > x->rank)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%d axes sliced on a rank %d input", ns,
                     x->rank);
  if ((st = seam_shape_normalize_axes(ctx, axes, ns, x->rank)) != SEAM_OK) return st;
  for (int d = 0; d < x->rank; d++) {
    p->start[d] = 0;
    p->step[d] = 1;
    p->count[d] = x->dims[d];
  }
  for (int i = 0; i < ns; i++) {
    int a = (int)axes[i];
    int64_t dim = x->dims[a], step = has_steps ? steps[i] : 1;
    if (step == 0) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "step 0 on axis %d", a);
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s += dim; /* never overflows: s < 0 and dim >= 0 */
    if (e < 0) e += dim;
    int64_t n;
    if (step > 0) {
      s = clamp64(s, 0, dim);
      e = clamp64(e, 0, dim);
      n = e > s ? (e - s - 1) / step + 1 : 0;
    } else {
      s = clamp64(s, 0, dim - 1);
      e = clamp64(e, -1, dim - 1);
      n = s > e ? (s - e - 1) / (-step) + 1 : 0;
    }
    p->start[a] = n > 0 ? s : 0;
    p->step[a] = step;
    p->count[a] = n;
  }
  return SEAM_OK;
}

seam_status seam_op_slice_infer(seam_op_ctx *ctx) {
  slice_plan p;
  seam_status st = slice_resolve(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  return seam_op_set_output(ctx, 0, x->dtype, x->rank, p.count);
}

seam_status seam_op_slice_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  slice_plan p;
  seam_status st = slice_resolve(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  size_t elem = seam_dtype_size(x->dtype);
  int64_t offset = 0, strides[SEAM_MAX_RANK];
  for (int d = 0; d < x->rank; d++) {
    offset += p.start[d] * x->strides[d];
    strides[d] = p.step[d] * x->strides[d];
  }
  seam_strided_copy(y->data, (const char *)x->data + offset * (int64_t)elem, elem, x->rank, p.count,
                    strides);
  return SEAM_OK;
}

/* ---- shared by the Gather ops ---- */

static seam_status require_index_dtype(seam_op_ctx *ctx, int i) {
  const seam_tensor *t = ctx->inputs[i];
  if (t->dtype != SEAM_DTYPE_INT64 && t->dtype != SEAM_DTYPE_INT32)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "indices must be int32 or int64, got %s",
                     seam_dtype_name(t->dtype));
  return SEAM_OK;
}

static inline int64_t index_at(const seam_tensor *t, int64_t i) {
  return t->dtype == SEAM_DTYPE_INT64 ? ((const int64_t *)t->data)[i]
                                      : ((const int32_t *)t->data)[i];
}

/* Resolves a possibly negative index into [0, dim); fails outside. */
static seam_status resolve_index(seam_op_ctx *ctx, int64_t idx, int64_t dim, int64_t *out) {
  int64_t v = idx < 0 ? idx + dim : idx;
  if (v < 0 || v >= dim)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                     "index %lld is out of range for a dim of %lld", (long long)idx,
                     (long long)dim);
  *out = v;
  return SEAM_OK;
}

static inline void copy_elem(char *dst, const char *src, size_t elem) {
  switch (elem) {
  case 1: *dst = *src; break;
  case 2: memcpy(dst, src, 2); break;
  case 4: memcpy(dst, src, 4); break;
  case 8: memcpy(dst, src, 8); break;
  default: memcpy(dst, src, elem);
  }
}

/* ---- Gather ---- */

static seam_status gather_axis(seam_op_ctx *ctx, const seam_tensor *x, int *axis) {
  if (x->rank == 0) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot gather from a scalar");
  return seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", 0), x->rank, axis);
}

seam_status seam_op_gather_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK || (st = require_index_dtype(ctx, 1)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  int axis;
  if ((st = gather_axis(ctx, x, &axis)) != SEAM_OK) return st;
  int rank = x->rank - 1 + idx->rank;
  if (rank > SEAM_MAX_RANK)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "output rank %d is above %d", rank,
                     SEAM_MAX_RANK);
  int64_t dims[SEAM_MAX_RANK];
  int r = 0;
  for (int d = 0; d < axis; d++) dims[r++] = x->dims[d];
  for (int d = 0; d < idx->rank; d++) dims[r++] = idx->dims[d];
  for (int d = axis + 1; d < x->rank; d++) dims[r++] = x->dims[d];
  return seam_op_set_output(ctx, 0, x->dtype, rank, dims);
}

seam_status seam_op_gather_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int axis;
  seam_status st = gather_axis(ctx, x, &axis);
  if (st != SEAM_OK) return st;
  size_t elem = seam_dtype_size(x->dtype);
  int64_t dim = x->dims[axis], outer = 1;
  for (int d = 0; d < axis; d++) outer *= x->dims[d];
  size_t inner_bytes = (size_t)x->strides[axis] * elem;
  const char *src = x->data;
  char *out = y->data;
  for (int64_t o = 0; o < outer; o++) {
    const char *row = src + (size_t)o * (size_t)dim * inner_bytes;
    for (int64_t j = 0; j < idx->count; j++) {
      int64_t k = 0;
      if ((st = resolve_index(ctx, index_at(idx, j), dim, &k)) != SEAM_OK) return st;
      if (inner_bytes == elem)
        copy_elem(out, row + (size_t)k * elem, elem);
      else
        memcpy(out, row + (size_t)k * inner_bytes, inner_bytes);
      out += inner_bytes;
    }
  }
  return SEAM_OK;
}

/* ---- GatherElements ---- */

seam_status seam_op_gather_elements_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK || (st = require_index_dtype(ctx, 1)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  int axis;
  if ((st = gather_axis(ctx, x, &axis)) != SEAM_OK) return st;
  if (idx->rank != x->rank)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "indices have rank %d, data rank %d", idx->rank,
                     x->rank);
  for (int d = 0; d < x->rank; d++)
    if (d != axis && idx->dims[d] > x->dims[d])
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "indices dim %d (%lld) exceeds the data's (%lld)",
                       d, (long long)idx->dims[d], (long long)x->dims[d]);
  return seam_op_set_output(ctx, 0, x->dtype, idx->rank, idx->dims);
}

seam_status seam_op_gather_elements_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int axis;
  seam_status st = gather_axis(ctx, x, &axis);
  if (st != SEAM_OK) return st;
  size_t elem = seam_dtype_size(x->dtype);
  int rank = idx->rank;
  int64_t coord[SEAM_MAX_RANK] = {0};
  int64_t base = 0; /* data offset of coord with the axis coordinate left out */
  int64_t dim = x->dims[axis], axis_stride = x->strides[axis];
  const char *src = x->data;
  char *out = y->data;
  for (int64_t i = 0; i < idx->count; i++) {
    int64_t k = 0;
    if ((st = resolve_index(ctx, index_at(idx, i), dim, &k)) != SEAM_OK) return st;
    copy_elem(out + (size_t)i * elem, src + (size_t)(base + k * axis_stride) * elem, elem);
    for (int d = rank - 1; d >= 0; d--) {
      int64_t step = d == axis ? 0 : x->strides[d];
      base += step;
      if (++coord[d] < idx->dims[d]) break;
      base -= step * idx->dims[d];
      coord[d] = 0;
    }
  }
  return SEAM_OK;
}

/* ---- GatherND ---- */

typedef struct gathernd_plan {
  int batch_dims;
  int64_t batches; /* product of the batch dims */
  int64_t tuples;  /* index tuples per batch */
  int k;           /* length of one index tuple */
  int64_t slice;   /* elements copied per tuple */
} gathernd_plan;

static seam_status gathernd_resolve(seam_op_ctx *ctx, gathernd_plan *p, int *rank, int64_t *dims) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK || (st = require_index_dtype(ctx, 1)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  int64_t b = seam_attr_int(ctx->node, "batch_dims", 0);
  if (x->rank < 1 || idx->rank < 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "data and indices must have rank >= 1");
  if (b < 0 || b >= x->rank || b >= idx->rank)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "batch_dims %lld is out of range",
                     (long long)b);
  int64_t k = idx->dims[idx->rank - 1];
  if (k < 1 || k > x->rank - b)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "index tuples of length %lld for data rank %d",
                     (long long)k, x->rank);
  p->batch_dims = (int)b;
  p->k = (int)k;
  p->batches = 1;
  for (int d = 0; d < b; d++) {
    if (x->dims[d] != idx->dims[d])
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "batch dim %d differs: %lld vs %lld", d,
                       (long long)x->dims[d], (long long)idx->dims[d]);
    p->batches *= x->dims[d];
  }
  p->tuples = 1;
  for (int d = (int)b; d < idx->rank - 1; d++) p->tuples *= idx->dims[d];
  p->slice = 1;
  for (int d = (int)(b + k); d < x->rank; d++) p->slice *= x->dims[d];
  int r = 0;
  int out_rank = idx->rank - 1 + x->rank - (int)(b + k);
  if (out_rank > SEAM_MAX_RANK)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "output rank %d is above %d", out_rank,
                     SEAM_MAX_RANK);
  for (int d = 0; d < idx->rank - 1; d++) dims[r++] = idx->dims[d];
  for (int d = (int)(b + k); d < x->rank; d++) dims[r++] = x->dims[d];
  *rank = r;
  return SEAM_OK;
}

seam_status seam_op_gather_nd_infer(seam_op_ctx *ctx) {
  gathernd_plan p;
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = gathernd_resolve(ctx, &p, &rank, dims);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, rank, dims);
}

seam_status seam_op_gather_nd_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  gathernd_plan p;
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = gathernd_resolve(ctx, &p, &rank, dims);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *idx = ctx->inputs[1];
  size_t elem = seam_dtype_size(x->dtype);
  size_t slice_bytes = (size_t)p.slice * elem;
  int64_t batch_stride = p.batch_dims > 0 ? x->strides[p.batch_dims - 1] : 0;
  const char *src = x->data;
  char *out = y->data;
  int64_t t = 0; /* index tuple counter across batches */
  for (int64_t bi = 0; bi < p.batches; bi++)
    for (int64_t j = 0; j < p.tuples; j++, t++) {
      int64_t offset = bi * batch_stride;
      for (int i = 0; i < p.k; i++) {
        int a = p.batch_dims + i;
        int64_t v = 0;
        if ((st = resolve_index(ctx, index_at(idx, t * p.k + i), x->dims[a], &v)) != SEAM_OK)
          return st;
        offset += v * x->strides[a];
      }
      memcpy(out, src + (size_t)offset * elem, slice_bytes);
      out += slice_bytes;
    }
  return SEAM_OK;
}

/* Concat and Split: joining and cutting tensors along one axis. Both walk the
 * "outer" rows (the axes before the axis) and move one contiguous block per
 * part and row. */
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* Product of dims[from..to). */
static int64_t dims_product(const int64_t *dims, int from, int to) {
  int64_t p = 1;
  for (int i = from; i < to; i++) p *= dims[i];
  return p;
}

static seam_status concat_axis(seam_op_ctx *ctx, int rank, int *axis) {
  const seam_attr *a = seam_node_attr(ctx->node, "axis");
  if (!a && ctx->node->opset >= 4)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute 'axis' is required");
  int64_t v = a ? a->i : 1;
  if (rank == 0) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot concatenate scalars");
  return seam_op_axis(ctx, v, rank, axis);
}

seam_status seam_op_concat_infer(seam_op_ctx *ctx) {
  if (ctx->n_inputs < 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "Concat needs at least one input");
  seam_status st = seam_op_require_inputs(ctx, ctx->n_inputs);
  if (st != SEAM_OK) return st;
  const seam_tensor *first = ctx->inputs[0];
  int axis;
  if ((st = concat_axis(ctx, first->rank, &axis)) != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, first->dims, sizeof dims);
  dims[axis] = 0;
  for (int i = 0; i < ctx->n_inputs; i++) {
    const seam_tensor *t = ctx->inputs[i];
    if (t->dtype != first->dtype)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d is %s, input 0 is %s", i,
                       seam_dtype_name(t->dtype), seam_dtype_name(first->dtype));
    bool fits = t->rank == first->rank;
    for (int d = 0; fits && d < t->rank; d++) fits = d == axis || t->dims[d] == first->dims[d];
    if (!fits) {
      char a[128], b[128];
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d %s does not fit input 0 %s on axis %d",
                       i, seam_shape_str(t->rank, t->dims, a, sizeof a),
                       seam_shape_str(first->rank, first->dims, b, sizeof b), axis);
    }
    if (dims[axis] > INT64_MAX - t->dims[axis])
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "too large");
    dims[axis] += t->dims[axis];
  }
  return seam_op_set_output(ctx, 0, first->dtype, first->rank, dims);
}

seam_status seam_op_concat_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int axis;
  seam_status st = concat_axis(ctx, y->rank, &axis);
  if (st != SEAM_OK) return st;
  size_t elem = seam_dtype_size(y->dtype);
  int64_t outer = dims_product(y->dims, 0, axis);
  size_t inner_bytes = (size_t)dims_product(y->dims, axis + 1, y->rank) * elem;
  char *out = y->data;
  for (int64_t o = 0; o < outer; o++)
    for (int i = 0; i < ctx->n_inputs; i++) {
      const seam_tensor *t = ctx->inputs[i];
      size_t block = (size_t)t->dims[axis] * inner_bytes;
      seam_copy_bytes(out, (const char *)t->data + (size_t)o * block, block);
      out += block;
    }
  return SEAM_OK;
}

/* Works out the part sizes of a Split into sizes[0..ctx->n_outputs). */
static seam_status split_sizes(seam_op_ctx *ctx, int *axis_out, int64_t *sizes) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int n_out = ctx->n_outputs;
  if (n_out < 1) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "Split needs an output");
  int axis;
  if (x->rank == 0) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot split a scalar");
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", 0), x->rank, &axis)) != SEAM_OK)
    return st;
  int64_t dim = x->dims[axis];
  /* The split list: an attribute before opset 13 (opset 1 also took it as
   * input 1), an optional input from 13. */
  int n = 0;
  bool present = false;
  if (ctx->node->opset < 13) {
    int na;
    const int64_t *a = seam_attr_ints(ctx->node, "split", &na);
    if (a) {
      if (na != n_out)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "split has %d values for %d outputs",
                         na, n_out);
      memcpy(sizes, a, sizeof(int64_t) * (size_t)na);
      n = na;
      present = true;
    }
  }
  const seam_tensor *s = seam_op_input(ctx, 1);
  if (!present && s && s->count > 0) {
    if (s->count != n_out)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "split has %lld values for %d outputs",
                       (long long)s->count, n_out);
    if ((st = seam_op_read_ints(ctx, s, sizes, n_out, &n)) != SEAM_OK) return st;
    present = true;
  }
  if (present) {
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
      if (sizes[i] < 0 || sizes[i] > dim)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "split size %lld is invalid",
                         (long long)sizes[i]);
      total += sizes[i];
    }
    if (total != dim)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "split sizes add up to %lld, axis %d has %lld",
                       (long long)total, axis, (long long)dim);
  } else {
    const seam_attr *num = seam_node_attr(ctx->node, "num_outputs");
    if (num && num->i != n_out)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "num_outputs is %lld but the node has %d outputs", (long long)num->i, n_out);
    if (dim % n_out == 0) {
      for (int i = 0; i < n_out; i++) sizes[i] = dim / n_out;
    } else if (num) { /* opset 18: equal parts of ceil(dim / n), the last one smaller */
      int64_t part = (dim + n_out - 1) / n_out, left = dim;
      for (int i = 0; i < n_out; i++) {
        sizes[i] = left < part ? left : part;
        left -= sizes[i];
      }
    } else {
      return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                       "axis %d of size %lld does not split into %d equal parts", axis,
                       (long long)dim, n_out);
    }
  }
  *axis_out = axis;
  return SEAM_OK;
}

seam_status seam_op_split_infer(seam_op_ctx *ctx) {
  int64_t *sizes = malloc(sizeof(int64_t) * (size_t)(ctx->n_outputs > 0 ? ctx->n_outputs : 1));
  if (!sizes) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  int axis;
  seam_status st = split_sizes(ctx, &axis, sizes);
  const seam_tensor *x = ctx->inputs[0];
  for (int i = 0; st == SEAM_OK && i < ctx->n_outputs; i++) {
    int64_t dims[SEAM_MAX_RANK];
    memcpy(dims, x->dims, sizeof dims);
    dims[axis] = sizes[i];
    st = seam_op_set_output(ctx, i, x->dtype, x->rank, dims);
  }
  free(sizes);
  return st;
}

seam_status seam_op_split_run(seam_op_ctx *ctx) {
  int64_t *sizes = malloc(sizeof(int64_t) * (size_t)(ctx->n_outputs > 0 ? ctx->n_outputs : 1));
  if (!sizes) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  int axis;
  seam_status st = split_sizes(ctx, &axis, sizes);
  if (st != SEAM_OK) {
    free(sizes);
    return st;
  }
  const seam_tensor *x = ctx->inputs[0];
  size_t elem = seam_dtype_size(x->dtype);
  int64_t outer = dims_product(x->dims, 0, axis);
  size_t inner_bytes = (size_t)dims_product(x->dims, axis + 1, x->rank) * elem;
  size_t row_bytes = (size_t)x->dims[axis] * inner_bytes;
  size_t at = 0; /* byte offset of the current part within an input row */
  for (int i = 0; i < ctx->n_outputs; i++) {
    size_t block = (size_t)sizes[i] * inner_bytes;
    seam_tensor *y = ctx->outputs[i]; /* an omitted output still takes its share */
    for (int64_t o = 0; y && o < outer; o++)
      seam_copy_bytes((char *)y->data + (size_t)o * block,
                      (const char *)x->data + (size_t)o * row_bytes + at, block);
    at += block;
  }
  free(sizes);
  return SEAM_OK;
}

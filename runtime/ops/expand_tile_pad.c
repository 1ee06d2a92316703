/* Ops that grow a tensor by repeating or padding it: Expand, Tile, Pad. */
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* ---- Expand ---- */

static seam_status expand_shape(seam_op_ctx *ctx, int *rank, int64_t *dims) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t shape[SEAM_MAX_RANK];
  int n;
  if ((st = seam_op_read_ints(ctx, ctx->inputs[1], shape, SEAM_MAX_RANK, &n)) != SEAM_OK) return st;
  for (int i = 0; i < n; i++)
    if (shape[i] < 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "shape value %lld is negative",
                       (long long)shape[i]);
  return seam_broadcast_shape(ctx, x->rank, x->dims, n, shape, rank, dims);
}

seam_status seam_op_expand_infer(seam_op_ctx *ctx) {
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = expand_shape(ctx, &rank, dims);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, rank, dims);
}

seam_status seam_op_expand_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t strides[SEAM_MAX_RANK];
  seam_broadcast_strides(x, y->rank, y->dims, strides);
  seam_strided_copy(y->data, x->data, seam_dtype_size(x->dtype), y->rank, y->dims, strides);
  return SEAM_OK;
}

/* ---- Tile ---- */

static seam_status tile_repeats(seam_op_ctx *ctx, int64_t *repeats) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int n;
  if ((st = seam_op_read_ints(ctx, ctx->inputs[1], repeats, SEAM_MAX_RANK, &n)) != SEAM_OK)
    return st;
  if (n != x->rank)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%d repeats for a rank %d input", n, x->rank);
  for (int i = 0; i < n; i++)
    if (repeats[i] < 0)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "repeat %lld is negative",
                       (long long)repeats[i]);
  return SEAM_OK;
}

seam_status seam_op_tile_infer(seam_op_ctx *ctx) {
  int64_t repeats[SEAM_MAX_RANK], dims[SEAM_MAX_RANK];
  seam_status st = tile_repeats(ctx, repeats);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  for (int i = 0; i < x->rank; i++) {
    if (repeats[i] != 0 && x->dims[i] > INT64_MAX / repeats[i])
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "output is too large");
    dims[i] = x->dims[i] * repeats[i];
  }
  return seam_op_set_output(ctx, 0, x->dtype, x->rank, dims);
}

/* The output [r0*d0, r1*d1, ...] is, in row-major order, the view
 * [r0, d0, r1, d1, ...] of the input with stride 0 on the repeat axes. */
seam_status seam_op_tile_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  int64_t repeats[SEAM_MAX_RANK];
  seam_status st = tile_repeats(ctx, repeats);
  if (st != SEAM_OK) return st;
  int64_t dims[SEAM_VIEW_MAX_RANK], strides[SEAM_VIEW_MAX_RANK];
  for (int i = 0; i < x->rank; i++) {
    dims[2 * i] = repeats[i];
    strides[2 * i] = 0;
    dims[2 * i + 1] = x->dims[i];
    strides[2 * i + 1] = x->strides[i];
  }
  seam_strided_copy(y->data, x->data, seam_dtype_size(x->dtype), 2 * x->rank, dims, strides);
  return SEAM_OK;
}

/* ---- Pad ---- */

typedef enum { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP } pad_mode;

typedef struct pad_plan {
  pad_mode mode;
  int64_t before[SEAM_MAX_RANK]; /* negative values crop */
  int64_t dims[SEAM_MAX_RANK];   /* output dims */
  unsigned char value[8];        /* the constant, in the data's dtype */
} pad_plan;

static seam_status pad_resolve(seam_op_ctx *ctx, pad_plan *p) {
  seam_status st = seam_op_require_inputs(ctx, ctx->node->opset < 11 ? 1 : 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int rank = x->rank;
  const char *mode = seam_attr_string(ctx->node, "mode", "constant");
  if (strcmp(mode, "constant") == 0)
    p->mode = PAD_CONSTANT;
  else if (strcmp(mode, "reflect") == 0)
    p->mode = PAD_REFLECT;
  else if (strcmp(mode, "edge") == 0)
    p->mode = PAD_EDGE;
  else if (strcmp(mode, "wrap") == 0)
    p->mode = PAD_WRAP;
  else
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "pad mode '%s' is not supported", mode);

  int64_t pads[2 * SEAM_MAX_RANK];
  int n;
  bool present;
  const char *pads_attr = ctx->node->opset < 2 ? "paddings" : "pads";
  if ((st = seam_shape_read_list(ctx, pads_attr, 1, 11, pads, 2 * SEAM_MAX_RANK, &n, &present)) !=
      SEAM_OK)
    return st;
  if (!present) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "pads are required");
  /* Opset 18 adds an optional axes input naming the padded axes. */
  int64_t axes[SEAM_MAX_RANK];
  int n_axes = rank;
  const seam_tensor *axes_t = ctx->node->opset >= 18 ? seam_op_input(ctx, 3) : NULL;
  if (axes_t) {
    if ((st = seam_op_read_ints(ctx, axes_t, axes, SEAM_MAX_RANK, &n_axes)) != SEAM_OK) return st;
    if ((st = seam_shape_normalize_axes(ctx, axes, n_axes, rank)) != SEAM_OK) return st;
  } else {
    for (int i = 0; i < rank; i++) axes[i] = i;
  }
  if (n != 2 * n_axes)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%d pads for %d axes", n, n_axes);
  int64_t after[SEAM_MAX_RANK];
  for (int d = 0; d < rank; d++) p->before[d] = after[d] = 0;
  for (int i = 0; i < n_axes; i++) {
    p->before[axes[i]] = pads[i];
    after[axes[i]] = pads[i + n_axes];
  }
  for (int d = 0; d < rank; d++) {
    int64_t lim = INT64_MAX / 4;
    if (p->before[d] > lim || p->before[d] < -lim || after[d] > lim || after[d] < -lim)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "pad on axis %d is too large", d);
    p->dims[d] = x->dims[d] + p->before[d] + after[d];
    if (p->dims[d] < 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "pads crop axis %d below zero", d);
    if (p->mode != PAD_CONSTANT && x->dims[d] == 0 && p->dims[d] > 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot %s-pad the empty axis %d", mode, d);
  }

  memset(p->value, 0, sizeof p->value);
  const seam_tensor *cv = ctx->node->opset >= 11 ? seam_op_input(ctx, 2) : NULL;
  if (cv && cv->count > 0) {
    if (cv->dtype != x->dtype)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "constant_value is %s, data is %s",
                       seam_dtype_name(cv->dtype), seam_dtype_name(x->dtype));
    memcpy(p->value, cv->data, seam_dtype_size(x->dtype));
  } else if (ctx->node->opset < 11) {
    seam_tensor tmp = {.dtype = x->dtype, .count = 1, .data = p->value};
    seam_tensor_set_f64(&tmp, 0, seam_attr_float(ctx->node, "value", 0.0f));
  }
  return SEAM_OK;
}

seam_status seam_op_pad_infer(seam_op_ctx *ctx) {
  pad_plan p;
  seam_status st = pad_resolve(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  return seam_op_set_output(ctx, 0, x->dtype, x->rank, p.dims);
}

/* The source index for output position i of an axis of size dim padded by
 * before, or -1 for the constant. */
static int64_t pad_source(pad_mode mode, int64_t i, int64_t before, int64_t dim) {
  int64_t s = i - before;
  if (s >= 0 && s < dim) return s;
  switch (mode) {
  case PAD_CONSTANT: return -1;
  case PAD_EDGE: return s < 0 ? 0 : dim - 1;
  case PAD_WRAP: {
    int64_t m = s % dim;
    return m < 0 ? m + dim : m;
  }
  case PAD_REFLECT: {
    if (dim == 1) return 0;
    int64_t period = 2 * (dim - 1);
    int64_t m = s % period;
    if (m < 0) m += period;
    return m < dim ? m : period - m;
  }
  }
  return -1;
}

seam_status seam_op_pad_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  pad_plan p;
  seam_status st = pad_resolve(ctx, &p);
  if (st != SEAM_OK) return st;
  size_t elem = seam_dtype_size(x->dtype);
  const char *src = x->data;
  char *out = y->data;
  int rank = x->rank;
  if (rank == 0) {
    memcpy(out, src, elem);
    return SEAM_OK;
  }
  int last = rank - 1;
  int64_t width = p.dims[last], in_width = x->dims[last], before = p.before[last];
  /* The part of an output row that copies straight from the input row. */
  int64_t copy_from = before > 0 ? before : 0;
  int64_t copy_to = before + in_width < width ? before + in_width : width;
  if (copy_to < copy_from) copy_to = copy_from;
  int64_t rows = y->count / width;
  int64_t coord[SEAM_MAX_RANK] = {0};
  for (int64_t r = 0; r < rows; r++, out += (size_t)width * elem) {
    /* Locate the source row, or learn that the whole row is the constant. */
    int64_t row_off = 0;
    bool constant_row = in_width == 0;
    for (int d = 0; d < last; d++) {
      int64_t s = pad_source(p.mode, coord[d], p.before[d], x->dims[d]);
      if (s < 0) {
        constant_row = true;
        break;
      }
      row_off += s * x->strides[d];
    }
    if (constant_row) {
      for (int64_t i = 0; i < width; i++) memcpy(out + (size_t)i * elem, p.value, elem);
    } else {
      const char *row = src + (size_t)row_off * elem;
      for (int64_t i = 0; i < copy_from; i++) {
        int64_t s = pad_source(p.mode, i, before, in_width);
        memcpy(out + (size_t)i * elem, s < 0 ? (const char *)p.value : row + (size_t)s * elem,
               elem);
      }
      seam_copy_bytes(out + (size_t)copy_from * elem, row + (size_t)(copy_from - before) * elem,
                      (size_t)(copy_to - copy_from) * elem);
      for (int64_t i = copy_to; i < width; i++) {
        int64_t s = pad_source(p.mode, i, before, in_width);
        memcpy(out + (size_t)i * elem, s < 0 ? (const char *)p.value : row + (size_t)s * elem,
               elem);
      }
    }
    for (int d = last - 1; d >= 0; d--) {
      if (++coord[d] < p.dims[d]) break;
      coord[d] = 0;
    }
  }
  return SEAM_OK;
}

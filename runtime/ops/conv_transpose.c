/* ConvTranspose: the adjoint of Conv. X [N, C, in...], W [C, M/group, k...],
 * Y [N, M, out...] with out = stride * (in - 1) + output_padding +
 * (k - 1) * dilation + 1 - pad_begin - pad_end, unless output_shape or
 * auto_pad fixes out and the pads follow from it.
 *
 * Each (batch, group) is one matrix product col = W_g^T x X_g
 * ([M/g * K, C/g] x [C/g, in]) followed by col2im, which adds every column
 * entry into the output position it maps to. */
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/im2col.h"
#include "runtime/ops/nn.h"
#include "runtime/ops/sgemm.h"
#include "runtime/ops/window.h"

typedef struct deconv_geom {
  int64_t batch, in_channels, out_channels, group, cg, mg;
  int64_t kernel_size, in_size, out_size;
  /* Geometry seen from col2im: the "image" is Y's spatial block (w.in) and
   * the column grid is X's spatial block (w.out). */
  seam_window w;
} deconv_geom;

static seam_status deconv_setup(seam_op_ctx *ctx, deconv_geom *g) {
  seam_status st;
  if ((st = seam_conv_check_operands(ctx)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *wt = ctx->inputs[1], *b = seam_op_input(ctx, 2);
  seam_window *w = &g->w;
  if ((st = seam_window_read(ctx, x, wt->dims + 2, w)) != SEAM_OK) return st;
  int n = w->n;

  g->group = seam_attr_int(ctx->node, "group", 1);
  g->batch = x->dims[0];
  g->in_channels = x->dims[1];
  if (g->group < 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "group must be >= 1, got %lld",
                     (long long)g->group);
  if (g->in_channels % g->group != 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "group %lld must divide the input channels (%lld)",
                     (long long)g->group, (long long)g->in_channels);
  if (wt->dims[0] != g->in_channels)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "W has %lld input channels, X has %lld",
                     (long long)wt->dims[0], (long long)g->in_channels);
  g->cg = g->in_channels / g->group;
  g->mg = wt->dims[1];
  g->out_channels = g->mg * g->group;
  if (b && (b->rank != 1 || b->dims[0] != g->out_channels))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "B must be 1-D of size %lld",
                     (long long)g->out_channels);

  int count = 0;
  int64_t out_pad[SEAM_WINDOW_MAX_DIMS] = {0};
  const int64_t *op = seam_attr_ints(ctx->node, "output_padding", &count);
  if (op && count != n)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "output_padding has %d values, expected %d",
                     count, n);
  for (int i = 0; op && i < n; i++) {
    if (op[i] < 0 || op[i] > ((int64_t)1 << 31))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "output_padding[%d] is out of range", i);
    out_pad[i] = op[i];
  }
  const int64_t *os = seam_attr_ints(ctx->node, "output_shape", &count);
  if (os && count != n && count != n + 2)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "output_shape has %d values, expected %d",
                     count, n);
  if (os && count == n + 2) os += 2; /* full [N, M, spatial...] form */

  for (int i = 0; i < n; i++) {
    int64_t in = w->in[i];
    int64_t full = w->stride[i] * (in - 1) + out_pad[i] + seam_window_span(w, i);
    int64_t out = -1;
    if (os) {
      if (os[i] < 0 || os[i] > ((int64_t)1 << 31))
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "output_shape[%d] is out of range", i);
      out = os[i];
    } else if (w->auto_pad == SEAM_AUTO_PAD_SAME_UPPER || w->auto_pad == SEAM_AUTO_PAD_SAME_LOWER) {
      out = in * w->stride[i];
    } else if (w->auto_pad == SEAM_AUTO_PAD_VALID) {
      w->pad_begin[i] = w->pad_end[i] = 0;
    }
    if (out >= 0) {
      int64_t total = full - out;
      if (total < 0) { /* the output reaches past the last window: plain zeros (bias) */
        w->pad_begin[i] = 0;
      } else if (w->auto_pad == SEAM_AUTO_PAD_SAME_UPPER) {
        w->pad_begin[i] = total / 2;
      } else {
        w->pad_begin[i] = total - total / 2;
      }
      w->pad_end[i] = total - w->pad_begin[i];
    }
    out = full - w->pad_begin[i] - w->pad_end[i];
    if (out < 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "pads leave a negative output size on axis %d", i);
    /* Swap roles for col2im: the image is the output. */
    w->out[i] = in;
    w->in[i] = out;
  }
  g->kernel_size = seam_shape_count(n, w->kernel);
  g->in_size = seam_shape_count(n, w->out);
  g->out_size = seam_shape_count(n, w->in);
  if (g->kernel_size < 0 || g->in_size < 0 || g->out_size < 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "convolution sizes overflow");
  return SEAM_OK;
}

seam_status seam_conv_transpose_infer(seam_op_ctx *ctx) {
  deconv_geom g;
  seam_status st = deconv_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK] = {g.batch, g.out_channels};
  for (int i = 0; i < g.w.n; i++) dims[i + 2] = g.w.in[i];
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, g.w.n + 2, dims);
}

seam_status seam_conv_transpose_run(seam_op_ctx *ctx) {
  deconv_geom g;
  seam_status st = deconv_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  const float *x = ctx->inputs[0]->data, *wt = ctx->inputs[1]->data;
  const seam_tensor *bt = seam_op_input(ctx, 2);
  const float *bias = bt ? bt->data : NULL;
  float *y = ctx->outputs[0]->data;
  if (g.batch == 0 || g.out_size == 0 || g.out_channels == 0) return SEAM_OK;

  int64_t rows = g.mg * g.kernel_size; /* rows of the column matrix per group */
  if (rows > 0 && g.in_size > (int64_t)(SIZE_MAX / sizeof(float)) / rows)
    return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "column buffer too large");
  float *col = malloc(sizeof(float) * (size_t)(rows * g.in_size) + 1);
  if (!col) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory for the column buffer");
  for (int64_t n = 0; n < g.batch && st == SEAM_OK; n++) {
    const float *xn = x + n * g.in_channels * g.in_size;
    float *yn = y + n * g.out_channels * g.out_size;
    for (int64_t m = 0; m < g.out_channels; m++) {
      float v = bias ? bias[m] : 0.0f;
      for (int64_t i = 0; i < g.out_size; i++) yn[m * g.out_size + i] = v;
    }
    for (int64_t grp = 0; grp < g.group && st == SEAM_OK; grp++) {
      st = seam_sgemm(true, false, rows, g.in_size, g.cg, 1.0f, wt + grp * g.cg * rows, rows,
                      xn + grp * g.cg * g.in_size, g.in_size, 0.0f, col, g.in_size, ctx->err);
      if (st == SEAM_OK) seam_col2im_add(&g.w, g.mg, col, yn + grp * g.mg * g.out_size);
    }
  }
  free(col);
  return st;
}

/* Conv: N-d convolution of [N, C, spatial...] by weights [M, C/group, k...],
 * with groups, strides, dilations, pads / auto_pad and an optional bias.
 *
 * Each (batch, group) is lowered with im2col to one matrix product
 * W_g [M/g, C/g * K] x col [C/g * K, outputs] done by seam_sgemm. Pointwise
 * convolutions (1x1, stride 1, no pad) skip im2col, and 2-D depthwise ones
 * (one input channel per group) use a direct loop, since a product with an
 * inner dimension of 9 would mostly be packing overhead. */
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/im2col.h"
#include "runtime/ops/nn.h"
#include "runtime/ops/sgemm.h"
#include "runtime/ops/window.h"

/* Target size of the im2col buffer, in floats (16 MiB). */
#define COL_BUDGET ((int64_t)4 << 20)

typedef struct conv_geom {
  int64_t batch, in_channels, out_channels, group;
  int64_t cg, mg;        /* input / output channels per group */
  int64_t kernel_size;   /* prod(kernel) */
  int64_t in_size;       /* prod(input spatial) */
  int64_t out_size;      /* prod(output spatial) */
  seam_window w;
} conv_geom;

static seam_status conv_setup(seam_op_ctx *ctx, conv_geom *g) {
  seam_status st;
  if ((st = seam_conv_check_operands(ctx)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *wt = ctx->inputs[1], *b = seam_op_input(ctx, 2);
  if ((st = seam_window_read(ctx, x, wt->dims + 2, &g->w)) != SEAM_OK) return st;
  if ((st = seam_window_output(ctx, &g->w, false)) != SEAM_OK) return st;

  g->group = seam_attr_int(ctx->node, "group", 1);
  g->batch = x->dims[0];
  g->in_channels = x->dims[1];
  g->out_channels = wt->dims[0];
  if (g->group < 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "group must be >= 1, got %lld",
                     (long long)g->group);
  if (g->in_channels % g->group != 0 || g->out_channels % g->group != 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                     "group %lld must divide the input channels (%lld) and output channels (%lld)",
                     (long long)g->group, (long long)g->in_channels, (long long)g->out_channels);
  g->cg = g->in_channels / g->group;
  g->mg = g->out_channels / g->group;
  if (wt->dims[1] != g->cg)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "W has %lld input channels, expected %lld (C/group)",
                     (long long)wt->dims[1], (long long)g->cg);
  if (b && (b->rank != 1 || b->dims[0] != g->out_channels))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "B must be 1-D of size %lld",
                     (long long)g->out_channels);
  g->kernel_size = seam_shape_count(g->w.n, g->w.kernel);
  g->in_size = seam_shape_count(g->w.n, g->w.in);
  g->out_size = seam_shape_count(g->w.n, g->w.out);
  if (g->kernel_size < 0 || g->out_size < 0 || g->in_size < 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "convolution sizes overflow");
  return SEAM_OK;
}

seam_status seam_conv_infer(seam_op_ctx *ctx) {
  conv_geom g;
  seam_status st = conv_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK] = {g.batch, g.out_channels};
  for (int i = 0; i < g.w.n; i++) dims[i + 2] = g.w.out[i];
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, g.w.n + 2, dims);
}

/* Every output channel plane starts as its bias (or 0). */
static void fill_bias(float *y, int64_t channels, int64_t size, const float *bias) {
  for (int64_t m = 0; m < channels; m++) {
    float v = bias ? bias[m] : 0.0f;
    for (int64_t i = 0; i < size; i++) y[m * size + i] = v;
  }
}

/* 2-D convolution with one input channel per group: output channel m reads
 * input channel m / mg. y already holds the bias. */
static void depthwise_2d(const conv_geom *g, const float *x, const float *wt, float *y) {
  const seam_window *w = &g->w;
  int64_t ih_n = w->in[0], iw_n = w->in[1], oh_n = w->out[0], ow_n = w->out[1];
  int64_t sh = w->stride[0], sw = w->stride[1];
  for (int64_t m = 0; m < g->out_channels; m++) {
    const float *xc = x + (m / g->mg) * g->in_size;
    const float *wm = wt + m * g->kernel_size;
    float *yc = y + m * g->out_size;
    for (int64_t kh = 0; kh < w->kernel[0]; kh++) {
      int64_t off_h = kh * w->dilation[0] - w->pad_begin[0];
      for (int64_t kw = 0; kw < w->kernel[1]; kw++) {
        float wv = wm[kh * w->kernel[1] + kw];
        int64_t off = kw * w->dilation[1] - w->pad_begin[1];
        int64_t lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
        int64_t hi = iw_n - off <= 0 ? 0 : (iw_n - off + sw - 1) / sw;
        if (hi > ow_n) hi = ow_n;
        for (int64_t oh = 0; oh < oh_n; oh++) {
          int64_t ih = oh * sh + off_h;
          if (ih < 0 || ih >= ih_n) continue;
          const float *xr = xc + ih * iw_n;
          float *yr = yc + oh * ow_n;
          if (sw == 1)
            for (int64_t ow = lo; ow < hi; ow++) yr[ow] += wv * xr[ow + off];
          else
            for (int64_t ow = lo; ow < hi; ow++) yr[ow] += wv * xr[ow * sw + off];
        }
      }
    }
  }
}

seam_status seam_conv_run(seam_op_ctx *ctx) {
  conv_geom g;
  seam_status st = conv_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  const float *x = ctx->inputs[0]->data, *wt = ctx->inputs[1]->data;
  const seam_tensor *bt = seam_op_input(ctx, 2);
  const float *bias = bt ? bt->data : NULL;
  float *y = ctx->outputs[0]->data;
  if (g.batch == 0 || g.out_size == 0 || g.out_channels == 0) return SEAM_OK;

  const seam_window *w = &g.w;
  bool pointwise = true;
  for (int i = 0; i < w->n; i++)
    if (w->kernel[i] != 1 || w->stride[i] != 1 || w->pad_begin[i] != 0 || w->pad_end[i] != 0)
      pointwise = false;
  bool depthwise = w->n == 2 && g.cg == 1;

  int64_t k = g.cg * g.kernel_size; /* inner dimension of the product */
  /* im2col works on bands of output rows (axis 0) so that the column buffer
   * stays near COL_BUDGET floats however large the image. */
  int64_t row_elems = g.out_size / w->out[0], band_rows = w->out[0];
  float *col = NULL;
  if (!pointwise && !depthwise) {
    int64_t per_row = k * row_elems > 0 ? k * row_elems : 1;
    band_rows = COL_BUDGET / per_row;
    if (band_rows < 1) band_rows = 1;
    if (band_rows > w->out[0]) band_rows = w->out[0];
    if (per_row > (int64_t)(SIZE_MAX / sizeof(float)) / band_rows)
      return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "im2col buffer too large");
    col = malloc(sizeof(float) * (size_t)(per_row * band_rows) + 1);
    if (!col) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory for im2col");
  }
  for (int64_t n = 0; n < g.batch && st == SEAM_OK; n++) {
    const float *xn = x + n * g.in_channels * g.in_size;
    float *yn = y + n * g.out_channels * g.out_size;
    fill_bias(yn, g.out_channels, g.out_size, bias);
    if (depthwise) {
      depthwise_2d(&g, xn, wt, yn);
      continue;
    }
    for (int64_t grp = 0; grp < g.group && st == SEAM_OK; grp++) {
      const float *xg = xn + grp * g.cg * g.in_size;
      const float *wg = wt + grp * g.mg * k;
      float *yg = yn + grp * g.mg * g.out_size;
      if (pointwise) {
        st = seam_sgemm(false, false, g.mg, g.out_size, k, 1.0f, wg, k, xg, g.out_size, 1.0f, yg,
                        g.out_size, ctx->err);
        continue;
      }
      for (int64_t r0 = 0; r0 < w->out[0] && st == SEAM_OK; r0 += band_rows) {
        /* The band is a window whose first output row is r0: shift the pad. */
        seam_window band = *w;
        band.out[0] = w->out[0] - r0 < band_rows ? w->out[0] - r0 : band_rows;
        band.pad_begin[0] = w->pad_begin[0] - r0 * w->stride[0];
        int64_t cols = band.out[0] * row_elems;
        seam_im2col(&band, g.cg, xg, col);
        st = seam_sgemm(false, false, g.mg, cols, k, 1.0f, wg, k, col, cols, 1.0f,
                        yg + r0 * row_elems, g.out_size, ctx->err);
      }
    }
  }
  free(col);
  return st;
}

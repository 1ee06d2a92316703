/* QLinearConv (opset 10): the reference int8/uint8 convolution.
 *
 * Inputs: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
 * y_zero_point, B. x and w are int8 or uint8 (independently); w_scale and
 * w_zero_point are per tensor or per output channel; B is int32 with scale
 * x_scale * w_scale. Attributes as Conv (N-d, groups, strides, dilations,
 * pads, auto_pad). See qlinear.h for the arithmetic.
 *
 * Each (image, group) is lowered with im2col, as the float Conv: the input
 * minus its zero point is exact in float (|v| <= 255), so the column matrix
 * is built by seam_im2col and converted to int32 (padding is 0, which is
 * the zero point in the quantized domain). Then every output channel
 * accumulates (w - w_zero_point) * column in int32. A fused clamp
 * (node->act, in output units) is applied by the executor afterwards. */
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/im2col.h"
#include "runtime/ops/qlinear.h"
#include "runtime/ops/window.h"

static bool is_8bit(seam_dtype dt) { return dt == SEAM_DTYPE_INT8 || dt == SEAM_DTYPE_UINT8; }

static int32_t q_at(const seam_tensor *t, int64_t i) {
  return t->dtype == SEAM_DTYPE_INT8 ? ((const int8_t *)t->data)[i] : ((const uint8_t *)t->data)[i];
}

typedef struct qconv {
  const seam_tensor *x, *xs, *xz, *w, *ws, *wz, *ys, *yz, *b;
  seam_dtype y_dtype;
  int64_t batch, channels, m, group, cg, mg, kernel_size, in_size, out_size;
  seam_window win;
} qconv;

/* A per-tensor (one value) scale or zero point; absent zero points are 0. */
static seam_status check_scalar(seam_op_ctx *ctx, const seam_tensor *t, const char *what, bool scale,
                                seam_dtype dtype) {
  if (!t) return SEAM_OK;
  if (t->count != 1 || t->rank > 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s must hold one value, got %lld", what, (long long)t->count);
  if (scale && t->dtype != SEAM_DTYPE_FLOAT32)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s must be float32, got %s", what,
                     seam_dtype_name(t->dtype));
  if (!scale && t->dtype != dtype)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s must be %s, got %s", what, seam_dtype_name(dtype),
                     seam_dtype_name(t->dtype));
  return SEAM_OK;
}

static seam_status qconv_setup(seam_op_ctx *ctx, qconv *q) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 8)) != SEAM_OK) return st;
  q->x = ctx->inputs[0];
  q->xs = ctx->inputs[1];
  q->xz = ctx->inputs[2];
  q->w = ctx->inputs[3];
  q->ws = ctx->inputs[4];
  q->wz = ctx->inputs[5];
  q->ys = ctx->inputs[6];
  q->yz = ctx->inputs[7];
  q->b = seam_op_input(ctx, 8);
  if (!q->x || !q->xs || !q->w || !q->ws || !q->ys)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "x, w and the scales are required");
  if (!is_8bit(q->x->dtype) || !is_8bit(q->w->dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "x and w must be int8 or uint8, got %s and %s",
                     seam_dtype_name(q->x->dtype), seam_dtype_name(q->w->dtype));
  q->y_dtype = q->yz ? q->yz->dtype : SEAM_DTYPE_UINT8;
  if (!is_8bit(q->y_dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "y_zero_point must be int8 or uint8, got %s",
                     seam_dtype_name(q->y_dtype));
  if ((st = check_scalar(ctx, q->xs, "x_scale", true, 0)) != SEAM_OK ||
      (st = check_scalar(ctx, q->xz, "x_zero_point", false, q->x->dtype)) != SEAM_OK ||
      (st = check_scalar(ctx, q->ys, "y_scale", true, 0)) != SEAM_OK ||
      (st = check_scalar(ctx, q->yz, "y_zero_point", false, q->y_dtype)) != SEAM_OK)
    return st;
  if (q->w->rank != q->x->rank || q->x->rank < 3)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "w has rank %d but x has rank %d", q->w->rank, q->x->rank);
  if ((st = seam_window_read(ctx, q->x, q->w->dims + 2, &q->win)) != SEAM_OK) return st;
  if ((st = seam_window_output(ctx, &q->win, false)) != SEAM_OK) return st;
  q->group = seam_attr_int(ctx->node, "group", 1);
  q->batch = q->x->dims[0];
  q->channels = q->x->dims[1];
  q->m = q->w->dims[0];
  if (q->group < 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "group must be >= 1, got %lld", (long long)q->group);
  if (q->channels % q->group || q->m % q->group || q->w->dims[1] * q->group != q->channels)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "w [%lld, %lld, ...] does not fit %lld input channels in %lld groups",
                     (long long)q->m, (long long)q->w->dims[1], (long long)q->channels, (long long)q->group);
  q->cg = q->channels / q->group;
  q->mg = q->m / q->group;
  /* w_scale / w_zero_point: one value, or one per output channel. */
  if (q->ws->dtype != SEAM_DTYPE_FLOAT32 || q->ws->rank > 1 || (q->ws->count != 1 && q->ws->count != q->m))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "w_scale must be float32 with 1 or %lld values", (long long)q->m);
  if (q->wz && (q->wz->dtype != q->w->dtype || q->wz->rank > 1 || (q->wz->count != 1 && q->wz->count != q->m)))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "w_zero_point must be %s with 1 or %lld values",
                     seam_dtype_name(q->w->dtype), (long long)q->m);
  if (q->b && (q->b->dtype != SEAM_DTYPE_INT32 || q->b->rank != 1 || q->b->dims[0] != q->m))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "B must be int32 of shape [%lld]", (long long)q->m);
  q->kernel_size = seam_shape_count(q->win.n, q->win.kernel);
  q->in_size = seam_shape_count(q->win.n, q->win.in);
  q->out_size = seam_shape_count(q->win.n, q->win.out);
  if (q->kernel_size < 0 || q->in_size < 0 || q->out_size < 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "convolution sizes overflow");
  return SEAM_OK;
}

seam_status seam_qlinear_conv_infer(seam_op_ctx *ctx) {
  qconv q;
  seam_status st = qconv_setup(ctx, &q);
  if (st != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK] = {q.batch, q.m};
  for (int i = 0; i < q.win.n; i++) dims[i + 2] = q.win.out[i];
  return seam_op_set_output(ctx, 0, q.y_dtype, q.win.n + 2, dims);
}

seam_status seam_qlinear_conv_run(seam_op_ctx *ctx) {
  qconv q;
  seam_status st = qconv_setup(ctx, &q);
  if (st != SEAM_OK) return st;
  seam_tensor *y = ctx->outputs[0];
  if (q.batch == 0 || q.out_size == 0 || q.m == 0) return SEAM_OK;
  int64_t k = q.cg * q.kernel_size;
  if (k > 0 && q.out_size > (INT64_MAX / 8) / k)
    return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "im2col buffer too large");
  size_t col_n = (size_t)(k * q.out_size);
  float *image = malloc(sizeof(float) * (size_t)(q.cg * q.in_size) + 1);
  float *colf = malloc(sizeof(float) * col_n + 1);
  int32_t *col = malloc(sizeof(int32_t) * col_n + 1);
  int32_t *acc = malloc(sizeof(int32_t) * (size_t)q.out_size + 1);
  float *mult = malloc(sizeof(float) * (size_t)q.m + 1);
  int32_t *wq = malloc(sizeof(int32_t) * (size_t)(q.mg * k) + 1);
  if (!image || !colf || !col || !acc || !mult || !wq) {
    st = seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  float xs = ((const float *)q.xs->data)[0], ys = ((const float *)q.ys->data)[0];
  int32_t xz = q.xz ? q_at(q.xz, 0) : 0, yz = q.yz ? q_at(q.yz, 0) : 0;
  bool u8 = q.y_dtype == SEAM_DTYPE_UINT8;
  int32_t lo = u8 ? 0 : INT8_MIN, hi = u8 ? UINT8_MAX : INT8_MAX;
  for (int64_t m = 0; m < q.m; m++) mult[m] = xs * ((const float *)q.ws->data)[q.ws->count == 1 ? 0 : m] / ys;
  const int32_t *bias = q.b ? q.b->data : NULL;
  for (int64_t n = 0; n < q.batch; n++)
    for (int64_t g = 0; g < q.group; g++) {
      int64_t x0 = (n * q.channels + g * q.cg) * q.in_size;
      for (int64_t i = 0; i < q.cg * q.in_size; i++) image[i] = (float)(q_at(q.x, x0 + i) - xz);
      seam_im2col(&q.win, q.cg, image, colf);
      for (size_t i = 0; i < col_n; i++) col[i] = (int32_t)colf[i];
      for (int64_t j = 0; j < q.mg; j++) {
        int64_t m = g * q.mg + j;
        int32_t wz = q.wz ? q_at(q.wz, q.wz->count == 1 ? 0 : m) : 0;
        for (int64_t c = 0; c < k; c++) wq[c] = q_at(q.w, m * k + c) - wz;
        int32_t b0 = bias ? bias[m] : 0;
        for (int64_t o = 0; o < q.out_size; o++) acc[o] = b0;
        for (int64_t c = 0; c < k; c++) {
          int32_t wv = wq[c];
          if (!wv) continue;
          const int32_t *row = col + c * q.out_size;
          /* int32 wraps like the hardware; unsigned arithmetic keeps it defined */
          for (int64_t o = 0; o < q.out_size; o++) acc[o] = (int32_t)((uint32_t)acc[o] + (uint32_t)(wv * row[o]));
        }
        int64_t y0 = (n * q.m + m) * q.out_size;
        for (int64_t o = 0; o < q.out_size; o++) {
          int32_t v = seam_requantize(acc[o], mult[m], yz, lo, hi);
          if (u8) ((uint8_t *)y->data)[y0 + o] = (uint8_t)v;
          else ((int8_t *)y->data)[y0 + o] = (int8_t)v;
        }
      }
    }
out:
  free(image);
  free(colf);
  free(col);
  free(acc);
  free(mult);
  free(wq);
  return st;
}

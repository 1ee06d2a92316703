#include "runtime/ops/window.h"

#include <string.h>

/* Bound on every window attribute, so that sums and products of a few of
 * them with tensor dims cannot overflow int64. */
#define WINDOW_ATTR_MAX ((int64_t)1 << 31)

static seam_status read_list(seam_op_ctx *ctx, const char *name, int n, int64_t dflt, int64_t min,
                             int64_t *out) {
  int count = 0;
  const int64_t *v = seam_attr_ints(ctx->node, name, &count);
  if (v && count != n)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s has %d values, expected %d", name,
                     count, n);
  for (int i = 0; i < n; i++) {
    out[i] = v ? v[i] : dflt;
    if (out[i] < min || out[i] > WINDOW_ATTR_MAX)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s[%d] = %lld is out of range", name,
                       i, (long long)out[i]);
  }
  return SEAM_OK;
}

seam_status seam_window_read(seam_op_ctx *ctx, const seam_tensor *x, const int64_t *kernel,
                             seam_window *w) {
  memset(w, 0, sizeof *w);
  if (x->rank < 3 || x->rank > SEAM_MAX_RANK)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                     "input must be [N, C, spatial...] with 1 to %d spatial axes, got rank %d",
                     SEAM_WINDOW_MAX_DIMS, x->rank);
  int n = w->n = x->rank - 2;
  for (int i = 0; i < n; i++) w->in[i] = x->dims[i + 2];

  int count = 0;
  const int64_t *ks = seam_attr_ints(ctx->node, "kernel_shape", &count);
  if (ks) {
    if (count != n)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "kernel_shape has %d values for %d spatial axes", count, n);
    for (int i = 0; i < n; i++) {
      if (ks[i] < 1 || ks[i] > WINDOW_ATTR_MAX)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "kernel_shape[%d] = %lld is out of range",
                         i, (long long)ks[i]);
      if (kernel && kernel[i] != ks[i])
        return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                         "kernel_shape[%d] = %lld does not match the weights (%lld)", i,
                         (long long)ks[i], (long long)kernel[i]);
      w->kernel[i] = ks[i];
    }
  } else if (kernel) {
    for (int i = 0; i < n; i++) {
      if (kernel[i] < 1 || kernel[i] > WINDOW_ATTR_MAX)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE, "kernel size %lld on axis %d is out of range",
                         (long long)kernel[i], i);
      w->kernel[i] = kernel[i];
    }
  } else {
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "kernel_shape is required");
  }

  seam_status st;
  if ((st = read_list(ctx, "strides", n, 1, 1, w->stride)) != SEAM_OK) return st;
  if ((st = read_list(ctx, "dilations", n, 1, 1, w->dilation)) != SEAM_OK) return st;

  const int64_t *pads = seam_attr_ints(ctx->node, "pads", &count);
  if (pads && count != 2 * n)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "pads has %d values, expected %d", count,
                     2 * n);
  for (int i = 0; pads && i < 2 * n; i++)
    if (pads[i] < 0 || pads[i] > WINDOW_ATTR_MAX)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "pads[%d] = %lld is out of range", i,
                       (long long)pads[i]);
  for (int i = 0; i < n; i++) {
    w->pad_begin[i] = pads ? pads[i] : 0;
    w->pad_end[i] = pads ? pads[i + n] : 0;
  }

  const char *ap = seam_attr_string(ctx->node, "auto_pad", "NOTSET");
  if (strcmp(ap, "NOTSET") == 0 || ap[0] == '\0')
    w->auto_pad = SEAM_AUTO_PAD_NOTSET;
  else if (strcmp(ap, "SAME_UPPER") == 0)
    w->auto_pad = SEAM_AUTO_PAD_SAME_UPPER;
  else if (strcmp(ap, "SAME_LOWER") == 0)
    w->auto_pad = SEAM_AUTO_PAD_SAME_LOWER;
  else if (strcmp(ap, "VALID") == 0)
    w->auto_pad = SEAM_AUTO_PAD_VALID;
  else
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "unknown auto_pad '%s'", ap);
  return SEAM_OK;
}

seam_status seam_window_output(seam_op_ctx *ctx, seam_window *w, bool ceil_mode) {
  for (int i = 0; i < w->n; i++) {
    int64_t in = w->in[i], s = w->stride[i], span = seam_window_span(w, i);
    switch (w->auto_pad) {
    case SEAM_AUTO_PAD_SAME_UPPER:
    case SEAM_AUTO_PAD_SAME_LOWER: {
      int64_t out = (in + s - 1) / s;
      int64_t total = (out - 1) * s + span - in;
      if (total < 0) total = 0;
      w->pad_begin[i] = w->auto_pad == SEAM_AUTO_PAD_SAME_UPPER ? total / 2 : total - total / 2;
      w->pad_end[i] = total - w->pad_begin[i];
      break;
    }
    case SEAM_AUTO_PAD_VALID: w->pad_begin[i] = w->pad_end[i] = 0; break;
    case SEAM_AUTO_PAD_NOTSET: break;
    }
    int64_t padded = in + w->pad_begin[i] + w->pad_end[i];
    if (padded < span)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE,
                       "window of span %lld does not fit spatial axis %d of size %lld (padded %lld)",
                       (long long)span, i, (long long)in, (long long)padded);
    int64_t out;
    if (w->auto_pad == SEAM_AUTO_PAD_SAME_UPPER || w->auto_pad == SEAM_AUTO_PAD_SAME_LOWER) {
      out = (in + s - 1) / s;
    } else if (ceil_mode) {
      out = (padded - span + s - 1) / s + 1;
      /* The last window must start inside the input or its leading pad. */
      if ((out - 1) * s >= in + w->pad_begin[i]) out--;
    } else {
      out = (padded - span) / s + 1;
    }
    w->out[i] = out;
  }
  return SEAM_OK;
}

seam_status seam_conv_check_operands(seam_op_ctx *ctx) {
  static const seam_dtype types[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_UNDEFINED};
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 2)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, types)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0], *wt = ctx->inputs[1], *b = seam_op_input(ctx, 2);
  if (wt->dtype != x->dtype || (b && b->dtype != x->dtype))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "X, W and B must have the same dtype");
  if (wt->rank != x->rank)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "W has rank %d but X has rank %d", wt->rank, x->rank);
  return SEAM_OK;
}

/* Sliding-window geometry shared by Conv, ConvTranspose and the pooling ops:
 * reading kernel_shape / strides / dilations / pads / auto_pad and working
 * out output sizes and the effective pads. */
#ifndef SEAM_RUNTIME_OPS_WINDOW_H
#define SEAM_RUNTIME_OPS_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/ops/op.h"

/* Tensors are [N, C, spatial...], so at most SEAM_MAX_RANK - 2 spatial axes. */
#define SEAM_WINDOW_MAX_DIMS (SEAM_MAX_RANK - 2)

typedef enum seam_auto_pad {
  SEAM_AUTO_PAD_NOTSET,
  SEAM_AUTO_PAD_SAME_UPPER,
  SEAM_AUTO_PAD_SAME_LOWER,
  SEAM_AUTO_PAD_VALID
} seam_auto_pad;

typedef struct seam_window {
  int n; /* spatial rank */
  seam_auto_pad auto_pad;
  int64_t in[SEAM_WINDOW_MAX_DIMS];     /* input spatial sizes */
  int64_t kernel[SEAM_WINDOW_MAX_DIMS];
  int64_t stride[SEAM_WINDOW_MAX_DIMS];
  int64_t dilation[SEAM_WINDOW_MAX_DIMS];
  int64_t pad_begin[SEAM_WINDOW_MAX_DIMS];
  int64_t pad_end[SEAM_WINDOW_MAX_DIMS];
  int64_t out[SEAM_WINDOW_MAX_DIMS]; /* output spatial sizes (set by seam_window_output) */
} seam_window;

/* The operand checks Conv and ConvTranspose share: X (float32) and W
 * present, W (and B, when given) of X's dtype, W of X's rank. */
seam_status seam_conv_check_operands(seam_op_ctx *ctx);

/* Fills w from the node's attributes for an input x of shape [N, C, in...].
 * kernel is the kernel size taken from the weights (Conv), or NULL to require
 * the kernel_shape attribute (pooling). When both exist they must agree.
 * Checks that every value is in range (kernel, stride, dilation >= 1, pads
 * >= 0). Pads are the explicit ones; auto_pad is applied by
 * seam_window_output. */
seam_status seam_window_read(seam_op_ctx *ctx, const seam_tensor *x, const int64_t *kernel,
                             seam_window *w);

/* Output sizes of a convolution or pooling window (floor, or ceil when
 * ceil_mode), resolving auto_pad into pad_begin/pad_end. Fails with
 * SEAM_ERR_SHAPE when the window does not fit the (padded) input. */
seam_status seam_window_output(seam_op_ctx *ctx, seam_window *w, bool ceil_mode);

/* Span of a dilated kernel: (k - 1) * d + 1. */
static inline int64_t seam_window_span(const seam_window *w, int i) {
  return (w->kernel[i] - 1) * w->dilation[i] + 1;
}

#endif

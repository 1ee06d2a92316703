/* im2col / col2im: the lowering that turns a convolution into a matrix
 * product. The "image" is one [channels, w->in...] block; the column matrix
 * has channels * prod(w->kernel) rows (channel-major, then kernel offsets in
 * row-major order) and prod(w->out) columns (output positions in row-major
 * order). Column (o) of row (c, k) holds image[c, o * stride - pad_begin +
 * k * dilation], or 0 where that falls in the padding. */
#ifndef SEAM_RUNTIME_OPS_IM2COL_H
#define SEAM_RUNTIME_OPS_IM2COL_H

#include <stdint.h>

#include "runtime/ops/window.h"

/* Fills col from image (Conv). */
void seam_im2col(const seam_window *w, int64_t channels, const float *image, float *col);
/* Adds every column entry into the image position it came from (ConvTranspose,
 * the adjoint of seam_im2col); padding entries are dropped. */
void seam_col2im_add(const seam_window *w, int64_t channels, const float *col, float *image);

#endif

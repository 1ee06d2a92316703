#include "runtime/ops/im2col.h"

#include <stdbool.h>
#include <string.h>

/* Walks the rows of the column matrix. For each row and each position of
 * the outer output axes (all but the last) it resolves one image row and the
 * range [lo, hi) of last-axis output positions that land inside it, then
 * calls the mode's copy. Everything outside [lo, hi) is padding. */
static void walk(const seam_window *w, int64_t channels, float *image_rw, const float *image_ro,
                 float *col_rw, const float *col_ro, bool to_col) {
  int n = w->n, last = n - 1;
  int64_t in_stride[SEAM_WINDOW_MAX_DIMS], image_size = 1, kernel_size = 1, out_size = 1;
  for (int d = n - 1; d >= 0; d--) {
    in_stride[d] = image_size;
    image_size *= w->in[d];
    kernel_size *= w->kernel[d];
    out_size *= w->out[d];
  }
  int64_t out_last = w->out[last], in_last = w->in[last], s_last = w->stride[last];
  int64_t rows_per_row = out_size / (out_last ? out_last : 1); /* outer positions */
  if (out_size == 0) return;

  int64_t k[SEAM_WINDOW_MAX_DIMS], o[SEAM_WINDOW_MAX_DIMS];
  for (int64_t c = 0; c < channels; c++) {
    memset(k, 0, sizeof k);
    for (int64_t kr = 0; kr < kernel_size; kr++) {
      int64_t row = c * kernel_size + kr;
      /* Last-axis range: 0 <= o * s + off < in_last. */
      int64_t off = k[last] * w->dilation[last] - w->pad_begin[last];
      int64_t lo = off >= 0 ? 0 : (-off + s_last - 1) / s_last;
      int64_t hi = in_last - off <= 0 ? 0 : (in_last - off + s_last - 1) / s_last;
      if (hi > out_last) hi = out_last;
      if (lo > hi) lo = hi;

      memset(o, 0, sizeof o);
      for (int64_t r = 0; r < rows_per_row; r++) {
        float *crw = col_rw ? col_rw + row * out_size + r * out_last : NULL;
        const float *cro = col_ro ? col_ro + row * out_size + r * out_last : NULL;
        int64_t base = c * image_size;
        bool inside = true;
        for (int d = 0; d < last; d++) {
          int64_t i = o[d] * w->stride[d] + k[d] * w->dilation[d] - w->pad_begin[d];
          if (i < 0 || i >= w->in[d]) {
            inside = false;
            break;
          }
          base += i * in_stride[d];
        }
        if (to_col) {
          if (!inside) {
            memset(crw, 0, sizeof(float) * (size_t)out_last);
          } else {
            const float *src = image_ro + base;
            for (int64_t j = 0; j < lo; j++) crw[j] = 0.0f;
            if (s_last == 1)
              memcpy(crw + lo, src + (off + lo), sizeof(float) * (size_t)(hi - lo));
            else
              for (int64_t j = lo; j < hi; j++) crw[j] = src[off + j * s_last];
            for (int64_t j = hi; j < out_last; j++) crw[j] = 0.0f;
          }
        } else if (inside) {
          float *dst = image_rw + base;
          if (s_last == 1)
            for (int64_t j = lo; j < hi; j++) dst[off + j] += cro[j];
          else
            for (int64_t j = lo; j < hi; j++) dst[off + j * s_last] += cro[j];
        }
        for (int d = last - 1; d >= 0; d--) { /* next outer output position */
          if (++o[d] < w->out[d]) break;
          o[d] = 0;
        }
      }
      for (int d = last; d >= 0; d--) { /* next kernel offset */
        if (++k[d] < w->kernel[d]) break;
        k[d] = 0;
      }
    }
  }
}

void seam_im2col(const seam_window *w, int64_t channels, const float *image, float *col) {
  walk(w, channels, NULL, image, col, NULL, true);
}

void seam_col2im_add(const seam_window *w, int64_t channels, const float *col, float *image) {
  walk(w, channels, image, NULL, NULL, col, false);
}

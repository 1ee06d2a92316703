#include "runtime/layout.h"

#include <string.h>

/* Transposes a rows × cols matrix in tiles so both sides stay in cache. */
#define TILE 32
#define DEFINE_TRANSPOSE(name, type)                                                        \
  static void name(const type *src, type *dst, int64_t rows, int64_t cols) {              \
    for (int64_t r0 = 0; r0 < rows; r0 += TILE)                                             \
      for (int64_t c0 = 0; c0 < cols; c0 += TILE) {                                         \
        int64_t r1 = r0 + TILE < rows ? r0 + TILE : rows;                                   \
        int64_t c1 = c0 + TILE < cols ? c0 + TILE : cols;                                   \
        for (int64_t r = r0; r < r1; r++)                                                   \
          for (int64_t c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];          \
      }                                                                                     \
  }

DEFINE_TRANSPOSE(transpose8, uint8_t)
DEFINE_TRANSPOSE(transpose16, uint16_t)
DEFINE_TRANSPOSE(transpose32, uint32_t)
DEFINE_TRANSPOSE(transpose64, uint64_t)

void seam_layout_convert(const void *src, void *dst, const int64_t *d, size_t elem_size, bool to_nhwc) {
  int64_t n = d[0], c = d[1], hw = d[2] * d[3];
  /* Per image, NCHW → NHWC transposes [C, HW] into [HW, C]; back is the reverse. */
  int64_t rows = to_nhwc ? c : hw, cols = to_nhwc ? hw : c;
  size_t image = (size_t)(c * hw) * elem_size;
  for (int64_t b = 0; b < n; b++) {
    const char *s = (const char *)src + (size_t)b * image;
    char *t = (char *)dst + (size_t)b * image;
    switch (elem_size) {
    case 1: transpose8((const uint8_t *)s, (uint8_t *)t, rows, cols); break;
    case 2: transpose16((const uint16_t *)s, (uint16_t *)t, rows, cols); break;
    case 4: transpose32((const uint32_t *)s, (uint32_t *)t, rows, cols); break;
    default: transpose64((const uint64_t *)s, (uint64_t *)t, rows, cols); break;
    }
  }
}

/* NCHW ↔ NHWC conversion: the only place activations change layout. */
#ifndef SEAM_RUNTIME_LAYOUT_H
#define SEAM_RUNTIME_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Converts a 4-D tensor of logical (ONNX) dims [N, C, H, W] between NCHW
 * and NHWC memory order; elem_size is 1, 2, 4 or 8 bytes. */
void seam_layout_convert(const void *src, void *dst, const int64_t *nchw_dims, size_t elem_size,
                         bool to_nhwc);

#endif

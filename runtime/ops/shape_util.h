/* Helpers shared by the shape-family kernels (layout, indexing, constants,
 * resize): a strided element copy that handles transposes, slices, broadcasts
 * and tiles in one loop, and readers for the axes/ints that ONNX passes as an
 * attribute in old opsets and as an input in new ones. */
#ifndef SEAM_RUNTIME_OPS_SHAPE_UTIL_H
#define SEAM_RUNTIME_OPS_SHAPE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "runtime/ops/op.h"

/* Largest rank a strided view may have: Tile views a rank-r tensor as 2r
 * axes. */
#define SEAM_VIEW_MAX_RANK (2 * SEAM_MAX_RANK)

/* Copies a strided view of src into dst, contiguously in row-major order.
 * The view has rank axes of dims[i] elements; stepping axis i moves the
 * source by strides[i] elements (negative for reversed slices, 0 for
 * broadcast axes). src points at the view's first element. elem is the
 * element size in bytes. The caller guarantees that every element the view
 * addresses lies inside the source buffer. */
void seam_strided_copy(void *dst, const void *src, size_t elem, int rank, const int64_t *dims,
                       const int64_t *strides);

/* Reads a list of ints that comes from the attribute attr_name when the
 * node's opset is below input_since, and from input input_index otherwise.
 * *present is false when neither is given (the op's default applies).
 * Fails with SEAM_ERR_SHAPE when there are more than max values. */
seam_status seam_shape_read_list(seam_op_ctx *ctx, const char *attr_name, int input_index,
                                 int input_since, int64_t *buf, int max, int *n, bool *present);

/* Normalizes each of n axes against rank (negative counts from the end) and
 * fails on an out-of-range or repeated axis. */
seam_status seam_shape_normalize_axes(seam_op_ctx *ctx, int64_t *axes, int n, int rank);

/* Copies n bytes; a no-op when n is 0 (so NULL buffers of empty tensors are
 * fine). */
static inline void seam_copy_bytes(void *dst, const void *src, size_t n) {
  if (n) memcpy(dst, src, n);
}

#endif

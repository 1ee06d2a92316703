#include "runtime/ops/shape_util.h"

#include <string.h>

/* Copies n elements spaced stride elements apart into dst, contiguously. */
static void copy_row(char *dst, const char *src, size_t elem, int64_t n, int64_t stride) {
  if (stride == 1) {
    memcpy(dst, src, (size_t)n * elem);
    return;
  }
  /* memcpy of a constant size compiles to one load and store, with no
   * alignment or aliasing assumptions about the buffers. */
  switch (elem) {
#define SEAM_ROW_CASE(size)                                                                        \
  case size:                                                                                       \
    for (int64_t i = 0; i < n; i++) memcpy(dst + i * size, src + i * stride * size, size);         \
    return;
    SEAM_ROW_CASE(1)
    SEAM_ROW_CASE(2)
    SEAM_ROW_CASE(4)
    SEAM_ROW_CASE(8)
#undef SEAM_ROW_CASE
  default:
    for (int64_t i = 0; i < n; i++)
      memcpy(dst + (size_t)i * elem, src + i * stride * (int64_t)elem, elem);
  }
}

void seam_strided_copy(void *dst, const void *src, size_t elem, int rank, const int64_t *dims,
                       const int64_t *strides) {
  int64_t d[SEAM_VIEW_MAX_RANK], s[SEAM_VIEW_MAX_RANK];
  int r = 0;
  /* Drop unit axes and merge axes that are contiguous with their inner
   * neighbour, so the inner loop runs as long as possible. */
  for (int i = 0; i < rank; i++) {
    if (dims[i] == 0) return;
    if (dims[i] == 1) continue;
    if (r > 0 && s[r - 1] == strides[i] * dims[i]) {
      d[r - 1] *= dims[i];
      s[r - 1] = strides[i];
    } else {
      d[r] = dims[i];
      s[r] = strides[i];
      r++;
    }
  }
  char *out = dst;
  const char *in = src;
  if (r == 0) {
    memcpy(out, in, elem);
    return;
  }
  int64_t inner = d[r - 1], inner_stride = s[r - 1];
  size_t row_bytes = (size_t)inner * elem;
  int64_t idx[SEAM_VIEW_MAX_RANK] = {0};
  int64_t offset = 0; /* in elements */
  for (;;) {
    copy_row(out, in + offset * (int64_t)elem, elem, inner, inner_stride);
    out += row_bytes;
    int a = r - 2;
    for (; a >= 0; a--) {
      offset += s[a];
      if (++idx[a] < d[a]) break;
      offset -= s[a] * d[a];
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

seam_status seam_shape_read_list(seam_op_ctx *ctx, const char *attr_name, int input_index,
                                 int input_since, int64_t *buf, int max, int *n, bool *present) {
  *n = 0;
  *present = false;
  if (ctx->node->opset < input_since) {
    const seam_attr *a = seam_node_attr(ctx->node, attr_name);
    if (!a) return SEAM_OK;
    if (a->type != SEAM_ATTR_INTS && a->type != SEAM_ATTR_INT)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute '%s' must be ints",
                       attr_name);
    int count = a->type == SEAM_ATTR_INT ? 1 : a->n;
    if (count > max)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "attribute '%s' has %d values, at most %d allowed",
                       attr_name, count, max);
    if (a->type == SEAM_ATTR_INT)
      buf[0] = a->i;
    else if (count)
      memcpy(buf, a->ints, sizeof(int64_t) * (size_t)count);
    *n = count;
    *present = true;
    return SEAM_OK;
  }
  const seam_tensor *t = seam_op_input(ctx, input_index);
  if (!t) return SEAM_OK;
  seam_status st = seam_op_read_ints(ctx, t, buf, max, n);
  if (st == SEAM_OK) *present = true;
  return st;
}

seam_status seam_shape_normalize_axes(seam_op_ctx *ctx, int64_t *axes, int n, int rank) {
  for (int i = 0; i < n; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is out of range for rank %d",
                       (long long)axes[i], rank);
    for (int j = 0; j < i; j++)
      if (axes[j] == a)
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is repeated",
                         (long long)axes[i]);
    axes[i] = a;
  }
  return SEAM_OK;
}

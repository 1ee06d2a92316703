/* The one N-d broadcasting iterator of the elementwise family. */
#include "runtime/ops/broadcast_binary.h"

#include <stdbool.h>

seam_status seam_bcast_shape_n(seam_op_ctx *ctx, int n, const seam_tensor *const *in, int *rank,
                               int64_t *dims) {
  if (n < 1 || n > SEAM_BCAST_MAX_INPUTS)
    return seam_fail(ctx->err, SEAM_ERR_INTERNAL, "broadcast of %d operands", n);
  int r = in[0]->rank;
  for (int d = 0; d < r; d++) dims[d] = in[0]->dims[d];
  for (int k = 1; k < n; k++) {
    int64_t prev[SEAM_MAX_RANK];
    for (int d = 0; d < r; d++) prev[d] = dims[d];
    seam_status st = seam_broadcast_shape(ctx, r, prev, in[k]->rank, in[k]->dims, &r, dims);
    if (st != SEAM_OK) return st;
  }
  *rank = r;
  return SEAM_OK;
}

seam_status seam_bcast_infer(seam_op_ctx *ctx, int n, const seam_tensor *const *in,
                             seam_dtype dtype, int out_index) {
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = seam_bcast_shape_n(ctx, n, in, &rank, dims);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, out_index, dtype, rank, dims);
}

void seam_bcast_run(seam_tensor *out, int n, const seam_tensor *const *in, seam_bcast_row_fn fn,
                    const void *param) {
  if (out->count == 0) return;
  const int rank = out->rank;
  int64_t full[SEAM_BCAST_MAX_INPUTS][SEAM_MAX_RANK];
  for (int k = 0; k < n; k++) seam_broadcast_strides(in[k], rank, out->dims, full[k]);

  /* Drop size-1 axes and merge an axis into the one outside it whenever every
   * operand steps through both as through one longer axis. The output is
   * contiguous, so only the inputs can prevent a merge. */
  int r = 0;
  int64_t dims[SEAM_MAX_RANK], strides[SEAM_BCAST_MAX_INPUTS][SEAM_MAX_RANK];
  for (int d = 0; d < rank; d++) {
    if (out->dims[d] == 1) continue;
    bool merge = r > 0;
    for (int k = 0; k < n && merge; k++) merge = strides[k][r - 1] == full[k][d] * out->dims[d];
    if (merge) {
      dims[r - 1] *= out->dims[d];
      for (int k = 0; k < n; k++) strides[k][r - 1] = full[k][d];
      continue;
    }
    dims[r] = out->dims[d];
    for (int k = 0; k < n; k++) strides[k][r] = full[k][d];
    r++;
  }

  size_t esize[SEAM_BCAST_MAX_INPUTS];
  int64_t step[SEAM_BCAST_MAX_INPUTS], offset[SEAM_BCAST_MAX_INPUTS] = {0};
  const void *ptr[SEAM_BCAST_MAX_INPUTS];
  for (int k = 0; k < n; k++) {
    esize[k] = seam_dtype_size(in[k]->dtype);
    step[k] = r > 0 ? strides[k][r - 1] : 0;
  }
  const int64_t inner = r > 0 ? dims[r - 1] : 1;
  const int64_t rows = out->count / inner;
  const size_t row_bytes = (size_t)inner * seam_dtype_size(out->dtype);
  int64_t idx[SEAM_MAX_RANK] = {0};
  char *o = out->data;
  for (int64_t row = 0; row < rows; row++) {
    for (int k = 0; k < n; k++) ptr[k] = (const char *)in[k]->data + (size_t)offset[k] * esize[k];
    fn(o + (size_t)row * row_bytes, ptr, step, inner, param);
    /* Advance the odometer over the outer axes. */
    for (int d = r - 2; d >= 0; d--) {
      for (int k = 0; k < n; k++) offset[k] += strides[k][d];
      if (++idx[d] < dims[d]) break;
      for (int k = 0; k < n; k++) offset[k] -= strides[k][d] * dims[d];
      idx[d] = 0;
    }
  }
}

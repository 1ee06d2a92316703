/* Splitting a tensor's axes into kept and reduced ones: the iteration
 * machinery shared by the reductions (reduce.c) and the normalizations that
 * reduce over a set of axes (meanvar.c).
 *
 * A "group" is the set of elements that share one position on the kept axes;
 * a reduction turns each group into one value. Groups are visited in
 * row-major order of the kept axes, which is also the order of the reduced
 * output (with or without keepdims). */
#ifndef SEAM_RUNTIME_OPS_REDUCE_AXES_H
#define SEAM_RUNTIME_OPS_REDUCE_AXES_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/ops/op.h"

typedef struct seam_axes_split {
  int n_kept, n_red;
  int64_t kept_dims[SEAM_MAX_RANK], kept_strides[SEAM_MAX_RANK];
  int64_t red_dims[SEAM_MAX_RANK], red_strides[SEAM_MAX_RANK];
  int64_t kept_count; /* number of groups */
  int64_t red_count;  /* elements per group (1 when no axis is reduced) */
} seam_axes_split;

/* An odometer over n dims: offset is the element offset of the current
 * position given the strides. */
typedef struct seam_odometer {
  int n;
  const int64_t *dims, *strides;
  int64_t idx[SEAM_MAX_RANK];
  int64_t offset;
} seam_odometer;

static inline void seam_odometer_start(seam_odometer *o, int n, const int64_t *dims,
                                       const int64_t *strides) {
  o->n = n;
  o->dims = dims;
  o->strides = strides;
  o->offset = 0;
  for (int d = 0; d < n; d++) o->idx[d] = 0;
}

static inline void seam_odometer_next(seam_odometer *o) {
  for (int d = o->n - 1; d >= 0; d--) {
    o->offset += o->strides[d];
    if (++o->idx[d] < o->dims[d]) return;
    o->offset -= o->strides[d] * o->dims[d];
    o->idx[d] = 0;
  }
}

/* Builds mask[0..rank) from a list of possibly negative axes; fails on an
 * axis out of range or a repeated axis. */
seam_status seam_axes_mask(seam_op_ctx *ctx, int rank, const int64_t *axes, int n_axes,
                           bool *mask);

/* Splits t's axes by mask (true = reduced). */
void seam_axes_split_init(seam_axes_split *s, const seam_tensor *t, const bool *mask);

/* Copies the group whose first element is at offset base into dst
 * (s->red_count values), converted to double / int64. t must be a numeric
 * dtype other than float16 (and, for the int64 variant, an integer dtype). */
void seam_axes_gather_f64(const seam_tensor *t, const seam_axes_split *s, int64_t base,
                          double *dst);
void seam_axes_gather_i64(const seam_tensor *t, const seam_axes_split *s, int64_t base,
                          int64_t *dst);
/* The reverse of seam_axes_gather_f64 for float32/float64 tensors. */
void seam_axes_scatter_f64(seam_tensor *t, const seam_axes_split *s, int64_t base,
                           const double *src);

#endif

/* The kept/reduced axis machinery of reduce_axes.h. */
#include "runtime/ops/reduce_axes.h"

seam_status seam_axes_mask(seam_op_ctx *ctx, int rank, const int64_t *axes, int n_axes,
                           bool *mask) {
  for (int d = 0; d < rank; d++) mask[d] = false;
  for (int i = 0; i < n_axes; i++) {
    int64_t a = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (a < 0 || a >= rank)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is out of range for rank %d",
                       (long long)axes[i], rank);
    if (mask[a])
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "axis %lld is repeated",
                       (long long)axes[i]);
    mask[a] = true;
  }
  return SEAM_OK;
}

void seam_axes_split_init(seam_axes_split *s, const seam_tensor *t, const bool *mask) {
  s->n_kept = s->n_red = 0;
  s->kept_count = s->red_count = 1;
  for (int d = 0; d < t->rank; d++) {
    if (mask[d]) {
      s->red_dims[s->n_red] = t->dims[d];
      s->red_strides[s->n_red++] = t->strides[d];
      s->red_count *= t->dims[d];
    } else {
      s->kept_dims[s->n_kept] = t->dims[d];
      s->kept_strides[s->n_kept++] = t->strides[d];
      s->kept_count *= t->dims[d];
    }
  }
}

/* Visits a group stretch by stretch: the innermost reduced axis is the
 * stretch (len elements, stride apart), the other reduced axes are walked
 * by an odometer. BODY sees p (the stretch's first element, of type T*),
 * len, stride and k (the index of the stretch's first element in the group). */
#define FOR_EACH_STRETCH(T, data, s, base, BODY)                                         \
  do {                                                                                   \
    T *p0_ = (T *)(data) + (base);                                                       \
    if ((s)->n_red == 0) {                                                               \
      T *p = p0_;                                                                        \
      int64_t len = 1, stride = 1, k = 0;                                                \
      BODY;                                                                              \
      break;                                                                             \
    }                                                                                    \
    int64_t len = (s)->red_dims[(s)->n_red - 1], stride = (s)->red_strides[(s)->n_red - 1]; \
    if (len == 0) break;                                                                 \
    seam_odometer o_;                                                                    \
    seam_odometer_start(&o_, (s)->n_red - 1, (s)->red_dims, (s)->red_strides);           \
    for (int64_t k = 0; k < (s)->red_count; k += len) {                                  \
      T *p = p0_ + o_.offset;                                                            \
      BODY;                                                                              \
      seam_odometer_next(&o_);                                                           \
    }                                                                                    \
  } while (0)

#define GATHER_CASE(DTYPE, T, D)                                                          \
  case DTYPE:                                                                            \
    FOR_EACH_STRETCH(const T, t->data, s, base, {                                        \
      for (int64_t j = 0; j < len; j++) dst[k + j] = (D)p[j * stride];                   \
    });                                                                                  \
    break;

void seam_axes_gather_f64(const seam_tensor *t, const seam_axes_split *s, int64_t base,
                          double *dst) {
  switch (t->dtype) {
    GATHER_CASE(SEAM_DTYPE_FLOAT32, float, double)
    GATHER_CASE(SEAM_DTYPE_FLOAT64, double, double)
    GATHER_CASE(SEAM_DTYPE_INT8, int8_t, double)
    GATHER_CASE(SEAM_DTYPE_UINT8, uint8_t, double)
    GATHER_CASE(SEAM_DTYPE_INT16, int16_t, double)
    GATHER_CASE(SEAM_DTYPE_UINT16, uint16_t, double)
    GATHER_CASE(SEAM_DTYPE_INT32, int32_t, double)
    GATHER_CASE(SEAM_DTYPE_UINT32, uint32_t, double)
    GATHER_CASE(SEAM_DTYPE_INT64, int64_t, double)
    GATHER_CASE(SEAM_DTYPE_UINT64, uint64_t, double)
  default: break;
  }
}

void seam_axes_gather_i64(const seam_tensor *t, const seam_axes_split *s, int64_t base,
                          int64_t *dst) {
  switch (t->dtype) {
    GATHER_CASE(SEAM_DTYPE_INT8, int8_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_UINT8, uint8_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_INT16, int16_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_UINT16, uint16_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_INT32, int32_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_UINT32, uint32_t, int64_t)
    GATHER_CASE(SEAM_DTYPE_INT64, int64_t, int64_t)
  default: break;
  }
}

void seam_axes_scatter_f64(seam_tensor *t, const seam_axes_split *s, int64_t base,
                           const double *src) {
  if (t->dtype == SEAM_DTYPE_FLOAT32)
    FOR_EACH_STRETCH(float, t->data, s, base, {
      for (int64_t j = 0; j < len; j++) p[j * stride] = (float)src[k + j];
    });
  else if (t->dtype == SEAM_DTYPE_FLOAT64)
    FOR_EACH_STRETCH(double, t->data, s, base, {
      for (int64_t j = 0; j < len; j++) p[j * stride] = src[k + j];
    });
}

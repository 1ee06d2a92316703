/* Made-up graph inputs (see synthetic.h). */
#include "runtime/synthetic.h"

#include <string.h>

#include "common/error.h"
#include "runtime/tensor.h"

/* True when some graph input of model declares a dimension called name. */
static bool declares_dim(const seam_model *model, const char *name) {
  size_t n = seam_model_input_count(model);
  for (size_t i = 0; i < n; i++) {
    seam_value_info info;
    seam_model_input_info(model, i, &info);
    for (int d = 0; d < info.rank; d++)
      if (info.dim_names[d] && strcmp(info.dim_names[d], name) == 0) return true;
  }
  return false;
}

seam_status seam_synthetic_check_dims(const seam_model *model, size_t n, const char *const *names,
                                      const int64_t *values, seam_error *err) {
  if (n && (!names || !values)) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "dimension names or values are NULL");
  for (size_t k = 0; k < n; k++) {
    if (!names[k] || !names[k][0])
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "dimension %zu has no name", k);
    if (values[k] < 1)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "dimension '%s' is %lld; it must be >= 1", names[k],
                       (long long)values[k]);
    for (size_t j = 0; j < k; j++)
      if (strcmp(names[j], names[k]) == 0)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "dimension '%s' is given twice", names[k]);
    if (!declares_dim(model, names[k]))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "no input of the model has a dimension named '%s'",
                       names[k]);
  }
  return SEAM_OK;
}

int seam_synthetic_shape(const seam_value_info *info, size_t n, const char *const *names,
                         const int64_t *values, int64_t dims[SEAM_MAX_RANK]) {
  int rank = info->rank > 0 ? info->rank : 0;
  for (int d = 0; d < rank; d++) {
    dims[d] = info->dims[d] >= 0 ? info->dims[d] : 1;
    for (size_t k = 0; k < n; k++)
      if (info->dim_names[d] && strcmp(info->dim_names[d], names[k]) == 0) dims[d] = values[k];
  }
  return rank;
}

/* Deterministic values in [-1, 1): x = x * 1664525 + 1013904223 (mod 2^32),
 * the top 24 bits scaled. */
static void fill_uniform(seam_tensor *t, uint32_t seed) {
  uint32_t x = seed;
  for (int64_t i = 0; i < t->count; i++) {
    x = x * 1664525u + 1013904223u;
    double v = (double)(x >> 8) / 16777216.0 * 2.0 - 1.0;
    if (t->dtype == SEAM_DTYPE_FLOAT32) ((float *)t->data)[i] = (float)v;
    else ((double *)t->data)[i] = v;
  }
}

seam_tensor *seam_synthetic_input(const seam_value_info *info, int index, size_t n,
                                  const char *const *names, const int64_t *values, seam_error *err) {
  int64_t dims[SEAM_MAX_RANK];
  int rank = seam_synthetic_shape(info, n, names, values, dims);
  seam_dtype dt = info->dtype != SEAM_DTYPE_UNDEFINED ? info->dtype : SEAM_DTYPE_FLOAT32;
  seam_tensor *t = seam_tensor_create(dt, (size_t)rank, dims, err);
  if (t && (dt == SEAM_DTYPE_FLOAT32 || dt == SEAM_DTYPE_FLOAT64)) fill_uniform(t, 12345u + (uint32_t)index);
  return t;
}

#include "tests/cloud/tensor_check.h"

#include <math.h>
#include <string.h>

#include "runtime/tensor.h"

bool tensor_same(const seam_tensor *a, const seam_tensor *b) {
  return a && b && seam_tensor_dtype(a) == seam_tensor_dtype(b) && a->rank == b->rank &&
         memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0 &&
         seam_tensor_nbytes(a) == seam_tensor_nbytes(b) &&
         memcmp(a->data, b->data, seam_tensor_nbytes(a)) == 0;
}

double tensor_max_abs_diff(const seam_tensor *a, const seam_tensor *b) {
  if (!a || !b || seam_tensor_dtype(a) != SEAM_DTYPE_FLOAT32 || seam_tensor_dtype(b) != SEAM_DTYPE_FLOAT32 ||
      a->count != b->count)
    return -1;
  const float *x = a->data, *y = b->data;
  double worst = 0;
  for (int64_t i = 0; i < a->count; i++) {
    double d = fabs((double)x[i] - (double)y[i]);
    if (!(d <= worst)) worst = d; /* NaN counts as the worst */
  }
  return worst;
}

double tensor_max_abs(const seam_tensor *t) {
  if (!t || seam_tensor_dtype(t) != SEAM_DTYPE_FLOAT32) return 0;
  const float *x = t->data;
  double m = 0;
  for (int64_t i = 0; i < t->count; i++)
    if (fabs((double)x[i]) > m) m = fabs((double)x[i]);
  return m;
}

void tensor_range(const seam_tensor *t, double *lo, double *hi) {
  *lo = 0;
  *hi = 0;
  if (!t || seam_tensor_dtype(t) != SEAM_DTYPE_FLOAT32) return;
  const float *x = t->data;
  for (int64_t i = 0; i < t->count; i++) {
    if (x[i] < *lo) *lo = x[i];
    if (x[i] > *hi) *hi = x[i];
  }
}

static int64_t row_length(const seam_tensor *t) { return t->rank ? t->dims[t->rank - 1] : 1; }

int tensor_rows(const seam_tensor *t) {
  int64_t k = row_length(t);
  return (int)(k > 0 ? t->count / k : 0);
}

int tensor_top1(const seam_tensor *t, int *out, int max) {
  int64_t k = row_length(t);
  int rows = tensor_rows(t), r = 0;
  for (; r < rows && r < max; r++) {
    const float *row = (const float *)t->data + r * k;
    int best = 0;
    for (int64_t j = 1; j < k; j++)
      if (row[j] > row[best]) best = (int)j;
    out[r] = best;
  }
  return r;
}

double tensor_top1_margin(const seam_tensor *t, int r) {
  int64_t k = row_length(t);
  const float *row = (const float *)t->data + (int64_t)r * k;
  double first = -INFINITY, second = -INFINITY;
  for (int64_t j = 0; j < k; j++) {
    double v = row[j];
    if (v > first) {
      second = first;
      first = v;
    } else if (v > second) {
      second = v;
    }
  }
  return first - second;
}

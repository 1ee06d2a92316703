#include "tests/unit/oracle.h"

#include <math.h>
#include <stdio.h>

seam_model *tb_load(tb_model *b, tb_run_mode mode, int threads) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.num_threads = threads;
  o.fast_kernels = mode == TB_MODE_FAST;
  o.plan = mode != TB_MODE_ORACLE;
  o.optimize = mode != TB_MODE_ORACLE;
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
  if (!m) fprintf(stderr, "load failed: %s\n", err.message);
  return m;
}

seam_tensor *tb_run1(seam_model *m, const char *in_name, const seam_tensor *x) {
  seam_tensor *y = NULL;
  seam_error err = {0};
  if (seam_model_run(m, 1, &in_name, &x, 1, NULL, &y, &err) != SEAM_OK)
    fprintf(stderr, "run failed: %s\n", err.message);
  return y;
}

double tb_rel_error(const seam_tensor *a, const seam_tensor *b) {
  if (!a || !b || seam_tensor_rank(a) != seam_tensor_rank(b) || seam_tensor_count(a) != seam_tensor_count(b))
    return 1e9;
  for (size_t d = 0; d < seam_tensor_rank(a); d++)
    if (seam_tensor_dims(a)[d] != seam_tensor_dims(b)[d]) return 1e9;
  double worst = 0, scale = 1;
  const float *x = seam_tensor_data_const(a), *y = seam_tensor_data_const(b);
  for (size_t i = 0; i < seam_tensor_count(a); i++) {
    double diff = fabs((double)x[i] - y[i]);
    if (!(diff <= worst)) worst = diff; /* also catches NaN */
    if (fabs(y[i]) > scale) scale = fabs(y[i]);
  }
  return worst / scale;
}

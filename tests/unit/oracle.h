/* Loading a test model the ways seam can run it, and comparing results with
 * the oracle: the portable kernels through the plain executor, with no graph
 * optimization (what every fast path is tested against). */
#ifndef SEAM_TESTS_ORACLE_H
#define SEAM_TESTS_ORACLE_H

#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"

typedef enum tb_run_mode {
  TB_MODE_ORACLE,          /* portable kernels, plain executor, optimize 0 */
  TB_MODE_FAST,            /* the defaults: optimize, run plans, XNNPACK */
  TB_MODE_PLANNED_PORTABLE /* optimize and run plans, portable kernels */
} tb_run_mode;

/* Loads b's model in the given mode; prints the error and returns NULL on failure. */
seam_model *tb_load(tb_model *b, tb_run_mode mode, int threads);
/* Runs a one-input model (input named in_name) and returns its first output, or NULL. */
seam_tensor *tb_run1(seam_model *m, const char *in_name, const seam_tensor *x);
/* Max |a - b| relative to max(1, max |b|) for float32 tensors; 1e9 on a
 * shape mismatch or a missing tensor; NaN counts as a mismatch. */
double tb_rel_error(const seam_tensor *a, const seam_tensor *b);

#endif

/* Graph inputs made up from their declared shapes, for timing a model
 * without data (seam_profile_run, seam bench, seam cuts, the worker's
 * Profile). Symbolic dimensions take values given by name, else 1. */
#ifndef SEAM_RUNTIME_SYNTHETIC_H
#define SEAM_RUNTIME_SYNTHETIC_H

#include <stddef.h>
#include <stdint.h>

#include "seam/runtime.h"

/* Checks n (name, value) pairs against the model's graph inputs: every name
 * a symbolic dimension some input declares, every value >= 1, no name
 * twice. SEAM_ERR_INVALID_ARGUMENT naming the first bad pair. */
seam_status seam_synthetic_check_dims(const seam_model *model, size_t n, const char *const *names,
                                      const int64_t *values, seam_error *err);

/* The shape a made-up tensor for input info gets: its declared dims, each
 * symbolic one the value named for it or 1 (no declared shape: a scalar).
 * Writes dims and returns the rank. */
int seam_synthetic_shape(const seam_value_info *info, size_t n, const char *const *names,
                         const int64_t *values, int64_t dims[SEAM_MAX_RANK]);

/* A new tensor of that shape and the input's dtype (float32 when it declares
 * none): deterministic pseudo-random values in [-1, 1) for float32/float64
 * (a 32-bit LCG seeded with 12345 + index, the sequence bench/ort/ort_bench.js
 * uses too), zeros for the others. NULL with err filled on failure. */
seam_tensor *seam_synthetic_input(const seam_value_info *info, int index, size_t n,
                                  const char *const *names, const int64_t *values, seam_error *err);

#endif

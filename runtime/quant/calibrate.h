/* Calibration for post-training quantization: records the range of chosen
 * tensors while a model runs on sample inputs, and turns what it saw into
 * one clipping range per tensor (min/max, a percentile, or the range that
 * minimises the KL divergence between the float and the quantized
 * distribution).
 *
 * Lifecycle: create (names the tensors) → pass 0 (min/max) over every
 * sample → pass 1 over every sample again when the method needs a histogram
 * (percentile, entropy; the histogram spans the pass-0 range) → range. The
 * model should be loaded with optimize = 0 so that every tensor of the
 * original graph exists under its name. */
#ifndef SEAM_RUNTIME_QUANT_CALIBRATE_H
#define SEAM_RUNTIME_QUANT_CALIBRATE_H

#include <stddef.h>

#include "seam/runtime.h"

typedef enum seam_range_method {
  SEAM_RANGE_MINMAX = 0,
  SEAM_RANGE_PERCENTILE,
  SEAM_RANGE_ENTROPY,
} seam_range_method;

/* Bins of the calibration histograms (pass 1). */
#define SEAM_CALIB_BINS 2048

/* A histogram over [lo, hi] with SEAM_CALIB_BINS equal bins. Values that
 * are exactly 0 (ReLU's lower half, padding) are counted apart in zeros:
 * quantization represents them exactly whatever the range. */
typedef struct seam_histogram {
  double lo, hi;
  int bins;
  double *counts;
  double zeros;
} seam_histogram;

/* The range holding all but (100 - percentile) % of the values at each end
 * (percentile in (50, 100]); *lo <= 0 <= *hi. */
void seam_range_percentile(const seam_histogram *h, double percentile, float *lo, float *hi);
/* The clipping range [a·lo, a·hi] (a in [1/8, 1], the histogram's own
 * bounds scaled together) whose 256-level quantization loses the least
 * information: smallest KL divergence between the clipped histogram and its
 * quantized version; exact zeros are left out of the comparison (they
 * cost nothing at any range, and a ReLU output's spike at 0 would otherwise
 * drown its tail). *lo <= 0 <= *hi. */
void seam_range_entropy(const seam_histogram *h, float *lo, float *hi);

typedef struct seam_calib seam_calib;

/* Watches the named tensors of m. Names may be graph inputs, node outputs
 * or constants (their range is taken from the value). Fails with
 * SEAM_ERR_NOT_FOUND naming an unknown tensor. */
seam_calib *seam_calib_create(const seam_model *m, int n, const char *const *names, seam_error *err);
void seam_calib_free(seam_calib *c);

/* Starts pass 0 (min/max) or pass 1 (histograms over the pass-0 ranges). */
seam_status seam_calib_start_pass(seam_calib *c, int pass, seam_error *err);
/* Runs the model on one sample and records the watched tensors. A watched
 * tensor that is not float32 fails with SEAM_ERR_UNSUPPORTED. Non-finite
 * values are not counted. */
seam_status seam_calib_run(seam_calib *c, size_t n_inputs, const char *const *input_names,
                           const seam_tensor *const *inputs, seam_error *err);
/* Tensor i's range by method (percentile: see seam_range_percentile); the
 * histogram methods need pass 1. Always *lo <= 0 <= *hi. */
seam_status seam_calib_range(const seam_calib *c, int i, seam_range_method method, double percentile,
                             float *lo, float *hi, seam_error *err);

#endif

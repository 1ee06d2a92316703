/* The INT8 quantization rule (common/int8_qparams.h). */
#include "common/int8_qparams.h"

#include <float.h>
#include <math.h>

#include "common/error.h"

seam_status seam_int8_qparams(float min, float max, float *scale, int32_t *zero_point,
                              seam_error *err) {
  if (!isfinite(min) || !isfinite(max) || min > max)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "INT8 range [%g, %g] is not a finite interval",
                     (double)min, (double)max);
  double lo = min < 0 ? min : 0, hi = max > 0 ? max : 0;
  double s = (hi - lo) / 255.0;
  if (s < FLT_MIN) {
    *scale = 1.0f;
    *zero_point = 0;
    return SEAM_OK;
  }
  float sf = (float)s;
  double zp = nearbyint(-128.0 - lo / (double)sf); /* the default rounding: half to even */
  *scale = sf;
  *zero_point = (int32_t)(zp < -128 ? -128 : zp > 127 ? 127 : zp);
  return SEAM_OK;
}

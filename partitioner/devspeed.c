/* The device's speed against its profile (devspeed.h). */
#include "partitioner/devspeed.h"

#include <limits.h>
#include <math.h>

void part_devspeed_init(part_devspeed *d) {
  /* 1 (log 0), a guess: one profile, taken once, says little of how fast
   * this process will run (docs/partitioning.md). */
  part_track_init(&d->avg, 0, true);
  d->scale = 1;
  d->runs = 0;
}

void part_devspeed_add(part_devspeed *d, double measured_ms, double predicted_ms) {
  if (!isfinite(measured_ms) || !isfinite(predicted_ms) || !(measured_ms > 0) ||
      !(predicted_ms >= PART_DEVSPEED_MIN_MS))
    return;
  double r = fmin(fmax(measured_ms / predicted_ms, PART_DEVSPEED_MIN), PART_DEVSPEED_MAX);
  double y = part_track_add(&d->avg, log(r));
  d->scale = fmin(fmax(exp(y), PART_DEVSPEED_MIN), PART_DEVSPEED_MAX);
  if (d->runs < INT_MAX) d->runs++;
}

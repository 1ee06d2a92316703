/* The device's speed against its profile (devspeed.h). */
#include "partitioner/devspeed.h"

#include <limits.h>
#include <math.h>

static double devspeed_bound(double r) { return fmin(fmax(r, PART_DEVSPEED_MIN), PART_DEVSPEED_MAX); }

void part_devspeed_init(part_devspeed *d, double fixed) {
  /* 1 (log 0), a guess: one profile, taken once, says little of how fast
   * this process will run (docs/partitioning.md). */
  part_track_init(&d->avg, 0, true);
  d->fixed = fixed > 0;
  d->scale = d->fixed ? devspeed_bound(fixed) : 1;
  d->runs = 0;
}

void part_devspeed_add(part_devspeed *d, double measured_ms, double predicted_ms) {
  if (d->fixed || !isfinite(measured_ms) || !isfinite(predicted_ms) || !(measured_ms > 0) ||
      !(predicted_ms >= PART_DEVSPEED_MIN_MS))
    return;
  double y = part_track_add(&d->avg, log(devspeed_bound(measured_ms / predicted_ms)));
  d->scale = devspeed_bound(exp(y));
  if (d->runs < INT_MAX) d->runs++;
}

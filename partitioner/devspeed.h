/* How fast the device runs now against its profile: the ratio of measured
 * to profiled time of the runs it makes (a head, or the whole model), as a
 * robust moving estimate (track.h) on a log scale. A plan's device terms
 * come from one profile, taken once; the device then runs faster or slower
 * (thermal throttling, other apps, a CPU quota that slows each process
 * differently), and the cost of every cut with a head moves with it.
 * Pure arithmetic; not thread-safe. */
#ifndef SEAM_PARTITIONER_DEVSPEED_H
#define SEAM_PARTITIONER_DEVSPEED_H

#include <stdbool.h>

#include "partitioner/track.h"

/* The ratio is kept within these bounds. */
#define PART_DEVSPEED_MIN 0.05
#define PART_DEVSPEED_MAX 20.0
/* Runs the profile predicts shorter than this say more of the clock than of
 * the device: ignored. */
#define PART_DEVSPEED_MIN_MS 0.5

typedef struct part_devspeed {
  part_track avg;
  double scale; /* measured / profiled; 1 before any run */
  int runs;     /* runs taken in */
  bool fixed;   /* scale was given, never measured */
} part_devspeed;

/* fixed 0: measured, starting from 1; otherwise the scale is fixed there
 * (within the bounds above) and runs change nothing. */
void part_devspeed_init(part_devspeed *d, double fixed);

/* One run that took measured_ms where the profile predicts predicted_ms.
 * Ignored when the scale is fixed, and unless both are finite, measured_ms
 * > 0 and predicted_ms is at least PART_DEVSPEED_MIN_MS. */
void part_devspeed_add(part_devspeed *d, double measured_ms, double predicted_ms);

#endif

/* A robust moving estimate of one quantity, kept on a log scale of the
 * caller's choosing: the median of its last PART_TRACK_WINDOW readings (so
 * one outlier is never the median), smoothed by an EWMA whose weight grows
 * with the distance d of the median from the estimate: 0.8 when d is
 * log(1.6) or more (a change: a 25x step is within 25 % after 3 or 4
 * readings), 0.08 within log(1.2) (noise is averaged), linear in between.
 * After a change the small weight starts at 1/2, 1/3, ... (the mean of the
 * medians since) until it reaches 0.08, so the estimate settles quickly.
 * The window starts full of the prior, so the first readings move it like
 * a step. Used by the network estimate (netest.h) and the device's speed
 * (devspeed.h). Pure arithmetic; not thread-safe. */
#ifndef SEAM_PARTITIONER_TRACK_H
#define SEAM_PARTITIONER_TRACK_H

#include <stdbool.h>

#define PART_TRACK_WINDOW 3

typedef struct part_track {
  double window[PART_TRACK_WINDOW]; /* the last readings (log scale), oldest overwritten first */
  int next;                         /* where the next reading goes */
  double smooth;                    /* the estimate (log scale) */
  int settled;                      /* readings since the last whose median was far away */
} part_track;

/* Starts at prior (log scale): as settled long ago when the prior is a
 * measurement to keep unless readings move far from it; as just changed
 * when it is a guess (readings then average in with weights 1/2, 1/3, ...,
 * so even a 20 % error goes within a few readings). */
void part_track_init(part_track *t, double prior, bool guess);

/* One reading x (log scale); returns the new estimate (log scale). */
double part_track_add(part_track *t, double x);

#endif

/* The robust moving estimate (track.h). */
#include "partitioner/track.h"

#include <math.h>

/* EWMA weights: slow while the median is within TRACK_NEAR of the
 * estimate, fast beyond TRACK_FAR, linear in between. */
#define TRACK_ALPHA_SLOW 0.08
#define TRACK_ALPHA_FAST 0.8
#define TRACK_NEAR 0.18232155679395462 /* log(1.2) */
#define TRACK_FAR 0.47000362924573563  /* log(1.6) */
/* settled stops counting here (long settled). */
#define TRACK_SETTLED_MAX (1 << 20)

void part_track_init(part_track *t, double prior, bool guess) {
  for (int i = 0; i < PART_TRACK_WINDOW; i++) t->window[i] = prior;
  t->next = 0;
  t->smooth = prior;
  /* A guess: the first medians (the prior's, then the readings') are
   * taken whole, then averaged in with weights 1/2, 1/3, ... */
  t->settled = guess ? -1 : TRACK_SETTLED_MAX;
}

static double track_median(const double *w) {
  double s[PART_TRACK_WINDOW];
  for (int i = 0; i < PART_TRACK_WINDOW; i++) {
    double x = w[i];
    int j = i;
    for (; j > 0 && s[j - 1] > x; j--) s[j] = s[j - 1];
    s[j] = x;
  }
  return s[PART_TRACK_WINDOW / 2];
}

double part_track_add(part_track *t, double x) {
  t->window[t->next] = x;
  t->next = (t->next + 1) % PART_TRACK_WINDOW;
  double m = track_median(t->window);
  double d = fabs(m - t->smooth);
  /* The slow weight, right after a change: the mean of the medians since
   * (1/2, 1/3, ...) until that is TRACK_ALPHA_SLOW. */
  double slow = t->settled <= 0 ? 1 : fmax(TRACK_ALPHA_SLOW, 1.0 / (t->settled + 1.0));
  double a = d <= TRACK_NEAR  ? slow
             : d >= TRACK_FAR ? TRACK_ALPHA_FAST
                              : slow + (TRACK_ALPHA_FAST - slow) * (d - TRACK_NEAR) / (TRACK_FAR - TRACK_NEAR);
  if (d >= TRACK_FAR)
    t->settled = 0;
  else if (t->settled < TRACK_SETTLED_MAX)
    t->settled++;
  t->smooth += a * (m - t->smooth);
  return t->smooth;
}

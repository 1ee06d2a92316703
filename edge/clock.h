/* Monotonic time for libseam-edge's timing breakdowns. Internal. */
#ifndef SEAM_EDGE_CLOCK_H
#define SEAM_EDGE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t edge_mono_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Microseconds since t0 (an edge_mono_us value); never negative. */
static inline uint64_t edge_us_since(int64_t t0) {
  int64_t d = edge_mono_us() - t0;
  return d > 0 ? (uint64_t)d : 0;
}

#endif

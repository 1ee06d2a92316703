/* The monotonic clock (common/clock.h). */
#include "common/clock.h"

int64_t seam_clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t seam_clock_us(void) { return seam_clock_ns() / 1000; }

double seam_clock_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

double seam_clock_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t seam_clock_us_between(int64_t from_ns, int64_t to_ns) {
  return to_ns > from_ns ? (uint64_t)(to_ns - from_ns) / 1000 : 0;
}

uint64_t seam_clock_us_since(int64_t t0_us) {
  int64_t d = seam_clock_us() - t0_us;
  return d > 0 ? (uint64_t)d : 0;
}

struct timespec seam_clock_timespec_in(clockid_t clock, int64_t ns) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  int64_t total = (int64_t)ts.tv_nsec + (ns > 0 ? ns : 0);
  ts.tv_sec += (time_t)(total / 1000000000);
  ts.tv_nsec = (long)(total % 1000000000);
  return ts;
}

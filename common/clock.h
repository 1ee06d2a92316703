/* seam's monotonic clock. Every deadline, timing breakdown, profile and log
 * duration in seam reads this one clock (CLOCK_MONOTONIC), so that times
 * taken in different folders compare: a request stamped when protocol/
 * receives it, a deadline that runtime/ checks between nodes, the breakdown
 * edge/ reports. Also the absolute times pthread_cond_timedwait wants.
 * Internal to seam's libraries and programs, not part of the public API. */
#ifndef SEAM_COMMON_CLOCK_H
#define SEAM_COMMON_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Now on the monotonic clock, in nanoseconds (an arbitrary origin: only
 * differences mean anything). */
int64_t seam_clock_ns(void);

/* Now on the same clock in whole microseconds (seam_clock_ns() / 1000). */
int64_t seam_clock_us(void);

/* Now on the same clock in milliseconds and in seconds, with the
 * nanoseconds as fraction. */
double seam_clock_ms(void);
double seam_clock_s(void);

/* Microseconds from from_ns to to_ns (seam_clock_ns values), rounded down;
 * 0 when to_ns is not later. */
uint64_t seam_clock_us_between(int64_t from_ns, int64_t to_ns);

/* Microseconds since t0_us (a seam_clock_us value); never negative. */
uint64_t seam_clock_us_since(int64_t t0_us);

/* The time ns nanoseconds from now (a negative ns counts as 0) on clock
 * (CLOCK_REALTIME for a condition variable with the default attributes,
 * CLOCK_MONOTONIC for one set with pthread_condattr_setclock), as
 * pthread_cond_timedwait takes it. */
struct timespec seam_clock_timespec_in(clockid_t clock, int64_t ns);

#endif

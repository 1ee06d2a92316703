/* Summary statistics of repeated timings (seam bench). */
#ifndef SEAM_CLI_STATS_H
#define SEAM_CLI_STATS_H

#include <stddef.h>

typedef struct cli_stats {
  double median, p90, min, max, mean;
} cli_stats;

/* The p-th percentile (0..100) of n ascending samples, interpolating
 * linearly between the two closest ranks (NumPy's default method). n must be
 * at least 1; p is clamped to [0, 100]. */
double cli_percentile(const double *sorted, size_t n, double p);

/* Sorts a copy of samples[0..n) and fills *out. Returns 0, or -1 when n is 0
 * or no memory is left (out is then all zeros). */
int cli_stats_compute(const double *samples, size_t n, cli_stats *out);

#endif

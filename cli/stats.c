/* Summary statistics of repeated timings. */
#include "cli/stats.h"

#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

double cli_percentile(const double *sorted, size_t n, double p) {
  if (n == 0) return 0.0;
  if (p <= 0) return sorted[0];
  if (p >= 100) return sorted[n - 1];
  double pos = p / 100.0 * (double)(n - 1);
  size_t lo = (size_t)pos;
  size_t hi = lo + 1 < n ? lo + 1 : lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - (double)lo);
}

int cli_stats_compute(const double *samples, size_t n, cli_stats *out) {
  memset(out, 0, sizeof *out);
  if (n == 0) return -1;
  double *sorted = malloc(n * sizeof *sorted);
  if (!sorted) return -1;
  memcpy(sorted, samples, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_double);
  double sum = 0;
  for (size_t i = 0; i < n; i++) sum += sorted[i];
  out->median = cli_percentile(sorted, n, 50);
  out->p90 = cli_percentile(sorted, n, 90);
  out->min = sorted[0];
  out->max = sorted[n - 1];
  out->mean = sum / (double)n;
  free(sorted);
  return 0;
}

/* Clipping ranges from calibration histograms: percentile and entropy
 * (KL divergence). Both keep 0 inside the range, so that zero (padding,
 * ReLU's lower half) is exact after quantization. */
#include <math.h>
#include <stdlib.h>

#include "runtime/quant/calibrate.h"

static double total_count(const seam_histogram *h) {
  double n = h->zeros;
  for (int b = 0; b < h->bins; b++) n += h->counts[b];
  return n;
}

/* The value below which `target` of the counts lie, interpolating linearly
 * inside the bin where the cumulative count crosses it. */
static double value_at(const seam_histogram *h, double target) {
  double width = (h->hi - h->lo) / h->bins, cum = 0;
  int zero_bin = width > 0 ? (int)(-h->lo / width) : 0;
  if (zero_bin >= h->bins) zero_bin = h->bins - 1;
  for (int b = 0; b < h->bins; b++) {
    double in_bin = h->counts[b] + (b == zero_bin ? h->zeros : 0), next = cum + in_bin;
    if (next >= target && in_bin > 0) {
      double frac = (target - cum) / in_bin;
      if (frac < 0) frac = 0;
      return h->lo + ((double)b + frac) * width;
    }
    cum = next;
  }
  return h->hi;
}

void seam_range_percentile(const seam_histogram *h, double percentile, float *lo, float *hi) {
  double n = total_count(h);
  if (n <= 0 || h->hi <= h->lo) {
    *lo = (float)fmin(h->lo, 0.0);
    *hi = (float)fmax(h->hi, 0.0);
    return;
  }
  double tail = (100.0 - percentile) / 100.0 * n;
  *lo = (float)fmin(value_at(h, tail), 0.0);
  *hi = (float)fmax(value_at(h, n - tail), 0.0);
}

/* KL(P || Q) of two histograms over the same bins, each normalised to 1.
 * Bins where P is 0 contribute nothing; where Q is 0 and P is not, Q gets a
 * small floor instead of infinity (the smoothing TensorRT-style searches use). */
static double kl_divergence(const double *p, const double *q, int n) {
  double sp = 0, sq = 0;
  for (int i = 0; i < n; i++) sp += p[i], sq += q[i];
  if (sp <= 0 || sq <= 0) return INFINITY;
  double kl = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] <= 0) continue;
    double pi = p[i] / sp, qi = q[i] / sq;
    if (qi < 1e-12) qi = 1e-12;
    kl += pi * log(pi / qi);
  }
  return kl;
}

#define LEVELS 256

void seam_range_entropy(const seam_histogram *h, float *lo, float *hi) {
  int bins = h->bins;
  double width = (h->hi - h->lo) / bins;
  *lo = (float)fmin(h->lo, 0.0);
  *hi = (float)fmax(h->hi, 0.0);
  if (bins < LEVELS || width <= 0 || total_count(h) - h->zeros <= 0) return;
  double *p = malloc(sizeof(double) * (size_t)bins), *q = malloc(sizeof(double) * (size_t)bins);
  if (!p || !q) {
    free(p);
    free(q);
    return; /* out of memory: keep the full range */
  }
  double zero = -h->lo / width; /* where 0 falls, in bins */
  double best_kl = INFINITY;
  int best_l = 0, best_r = bins;
  for (int kept = LEVELS; kept <= bins; kept++) {
    double a = (double)kept / bins;
    int l = (int)lround(zero * (1.0 - a)), r = (int)lround(zero + ((double)bins - zero) * a);
    if (l < 0) l = 0;
    if (r > bins) r = bins;
    int n = r - l;
    if (n < LEVELS) continue;
    /* P: the kept bins, with what falls outside added to the edge bins
     * (clipping moves those values there). */
    for (int i = 0; i < n; i++) p[i] = h->counts[l + i];
    for (int b = 0; b < l; b++) p[0] += h->counts[b];
    for (int b = r; b < bins; b++) p[n - 1] += h->counts[b];
    /* Q: the kept bins (without the outliers) merged into LEVELS groups,
     * each group's mass spread evenly over its non-empty bins. */
    for (int j = 0; j < LEVELS; j++) {
      int start = (int)((long long)j * n / LEVELS), end = (int)((long long)(j + 1) * n / LEVELS);
      double mass = 0;
      int nonzero = 0;
      for (int i = start; i < end; i++) {
        mass += h->counts[l + i];
        nonzero += h->counts[l + i] > 0;
      }
      for (int i = start; i < end; i++) q[i] = h->counts[l + i] > 0 ? mass / nonzero : 0;
    }
    double kl = kl_divergence(p, q, n);
    if (kl < best_kl) {
      best_kl = kl;
      best_l = l;
      best_r = r;
    }
  }
  free(p);
  free(q);
  *lo = (float)fmin(h->lo + best_l * width, 0.0);
  *hi = (float)fmax(h->lo + best_r * width, 0.0);
}

/* seam run --repeat: the inputs sent as N separate requests through the
 * edge session, one line per request (cut, where it ran, latency, why) and,
 * as the last line, one JSON object summing them up. Every result is
 * compared with a local run of the same inputs. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "cli/stats.h"
#include "runtime/tensor.h"

/* How each request ended, for the summary. */
typedef struct repeat_totals {
  int requests, failed, fell_back, local, remote, over_deadline;
  double *latency_ms;
  double max_diff; /* largest |result - local run| over every output element */
  double predicted_error_sum; /* |predicted - measured| / measured, summed */
  int predicted_n;
  cJSON *cuts;     /* cut -> count */
} repeat_totals;

static double max_abs_diff(const seam_tensor *a, const seam_tensor *b) {
  if (!seam_tensor_same_shape(a, b) || a->dtype != b->dtype) return INFINITY;
  double worst = 0;
  for (int64_t i = 0; i < a->count; i++) {
    double d = fabs(seam_tensor_get_f64(a, i) - seam_tensor_get_f64(b, i));
    if (!(d <= worst)) worst = d; /* NaN counts as a difference */
  }
  return worst;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static const char *where(const seam_edge_timing *t) {
  return t->remote ? "remote" : t->fell_back ? "fell back" : "local";
}

static void count_cut(cJSON *cuts, const char *cut) {
  cJSON *n = cJSON_GetObjectItemCaseSensitive(cuts, cut);
  if (n) cJSON_SetNumberValue(n, n->valuedouble + 1);
  else cJSON_AddNumberToObject(cuts, cut, 1);
}

static void add_request(repeat_totals *r, int i, seam_status st, const seam_edge_timing *t, int deadline_ms,
                        const seam_error *err) {
  double ms = (double)t->total_us / 1e3;
  r->latency_ms[r->requests++] = ms;
  const char *cut = t->cut ? t->cut : "?";
  if (st != SEAM_OK) {
    r->failed++;
    printf("request %d: FAILED after %.2f ms: %s\n", i, ms, err->message);
    return;
  }
  r->fell_back += t->fell_back;
  r->remote += t->remote;
  r->local += !t->remote && !t->fell_back;
  r->over_deadline += deadline_ms > 0 && ms > deadline_ms;
  count_cut(r->cuts, cut);
  printf("request %d: cut %.60s%s, %s%s%s, %.2f ms", i, cut, strlen(cut) > 60 ? "…" : "", where(t),
         t->fell_back ? " " : "", t->fell_back ? seam_edge_reason_name(t->reason) : "", ms);
  if (t->predicted_us) {
    double predicted = (double)t->predicted_us / 1e3;
    printf(" (predicted %.2f)", predicted);
    if (ms > 0) {
      r->predicted_error_sum += fabs(predicted - ms) / ms;
      r->predicted_n++;
    }
  }
  if (t->fell_back) printf(", tail on the device %.2f ms", (double)t->fallback_us / 1e3);
  printf(", %s\n", t->decision);
}

static void print_summary(const repeat_totals *r) {
  double *sorted = malloc(sizeof(double) * (size_t)(r->requests ? r->requests : 1));
  cJSON *o = cJSON_CreateObject();
  if (!sorted || !o) {
    free(sorted);
    cJSON_Delete(o);
    return;
  }
  memcpy(sorted, r->latency_ms, sizeof(double) * (size_t)r->requests);
  size_t n = (size_t)r->requests;
  qsort(sorted, n, sizeof *sorted, by_value);
  cJSON_AddNumberToObject(o, "requests", r->requests);
  cJSON_AddNumberToObject(o, "failed", r->failed);
  cJSON_AddNumberToObject(o, "fell_back", r->fell_back);
  cJSON_AddNumberToObject(o, "local", r->local);
  cJSON_AddNumberToObject(o, "remote", r->remote);
  cJSON_AddNumberToObject(o, "p50_ms", n ? cli_percentile(sorted, n, 50) : 0);
  cJSON_AddNumberToObject(o, "p90_ms", n ? cli_percentile(sorted, n, 90) : 0);
  cJSON_AddNumberToObject(o, "p99_ms", n ? cli_percentile(sorted, n, 99) : 0);
  cJSON_AddItemReferenceToObject(o, "cuts", r->cuts);
  cJSON_AddNumberToObject(o, "over_deadline", r->over_deadline);
  cJSON_AddNumberToObject(o, "max_diff_vs_local", isfinite(r->max_diff) ? r->max_diff : -1);
  if (r->predicted_n) cJSON_AddNumberToObject(o, "mean_prediction_error", r->predicted_error_sum / r->predicted_n);
  char *text = cJSON_PrintUnformatted(o);
  if (text) printf("%s\n", text);
  cJSON_free(text);
  cJSON_Delete(o);
  free(sorted);
}

/* Sleeps until start_ns + i x interval (monotonic). */
static void pace(struct timespec start, int i, int interval_ms) {
  if (interval_ms <= 0 || i == 0) return;
  long long ns = (long long)start.tv_nsec + (long long)i * interval_ms * 1000000LL;
  struct timespec at = {.tv_sec = start.tv_sec + (time_t)(ns / 1000000000LL), .tv_nsec = (long)(ns % 1000000000LL)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL) != 0) {
  }
}

int cli_run_repeat(seam_edge_session *s, size_t n_in, const char **names, const seam_tensor *const *inputs,
                   size_t n_out, int repeat, int interval_ms, int deadline_ms, seam_tensor **outputs) {
  seam_error err = {0};
  seam_tensor **reference = calloc(n_out + 1, sizeof *reference);
  repeat_totals r = {.latency_ms = calloc((size_t)repeat + 1, sizeof(double)), .cuts = cJSON_CreateObject()};
  int rc = 1;
  if (!reference || !r.latency_ms || !r.cuts) {
    fprintf(stderr, "seam run: out of memory\n");
    goto out;
  }
  if (seam_model_run(seam_edge_model(s), n_in, names, inputs, n_out, NULL, reference, &err) != SEAM_OK) {
    fprintf(stderr, "seam run: the local reference run: %s\n", err.message);
    goto out;
  }
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0; i < repeat; i++) {
    pace(start, i, interval_ms);
    for (size_t o = 0; o < n_out; o++) seam_tensor_free(outputs[o]), outputs[o] = NULL;
    seam_edge_timing t;
    seam_status st = seam_edge_infer(s, n_in, names, inputs, n_out, outputs, &t, &err);
    add_request(&r, i, st, &t, deadline_ms, &err);
    for (size_t o = 0; st == SEAM_OK && o < n_out; o++) {
      double d = max_abs_diff(outputs[o], reference[o]);
      if (!(d <= r.max_diff)) r.max_diff = d;
    }
    fflush(stdout);
  }
  print_summary(&r);
  rc = r.failed ? 1 : 0;
out:
  for (size_t o = 0; reference && o < n_out; o++) seam_tensor_free(reference[o]);
  free(reference);
  free(r.latency_ms);
  cJSON_Delete(r.cuts);
  return rc;
}

/* seam bench — times whole-model runs and prints a JSON summary as its last
 * line. Also holds the input helpers seam profile shares (cli/commands.h). */
#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/stats.h"
#include "common/clock.h"
#include "runtime/synthetic.h"
#include "runtime/tensor.h"

int cli_thread_count(int n) {
  if (n > 0) return n;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  return cores > 0 && cores < INT_MAX ? (int)cores : 1;
}

int cli_parse_count(const char *cmd, const char *opt, const char *val, int min, int *out) {
  char *end;
  errno = 0;
  long v = strtol(val, &end, 10);
  if (errno || end == val || *end || v < min || v > INT_MAX) {
    fprintf(stderr, "seam %s: %s needs a whole number >= %d, got '%s'\n", cmd, opt, min, val);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cli_feed_option(cli_feed_args *a, const char *cmd, const char *opt, char *val) {
  if (strcmp(opt, "--input") == 0) {
    if (a->n_inputs >= CLI_MAX_FEEDS) {
      fprintf(stderr, "seam %s: at most %d --input\n", cmd, CLI_MAX_FEEDS);
      return -1;
    }
    cli_split_named(val, &a->input_names[a->n_inputs], &a->input_paths[a->n_inputs]);
    a->n_inputs++;
    return 1;
  }
  if (strcmp(opt, "--dim") == 0) {
    char *eq = strchr(val, '='), *end;
    if (a->n_dims >= CLI_MAX_FEEDS || !eq || eq == val) {
      fprintf(stderr, "seam %s: --dim needs NAME=VALUE (at most %d), got '%s'\n", cmd, CLI_MAX_FEEDS, val);
      return -1;
    }
    long long v = strtoll(eq + 1, &end, 10);
    if (end == eq + 1 || *end || v < 1) {
      fprintf(stderr, "seam %s: --dim %s: the value must be a whole number >= 1\n", cmd, val);
      return -1;
    }
    *eq = '\0';
    a->dim_names[a->n_dims] = val;
    a->dim_values[a->n_dims++] = v;
    return 1;
  }
  return 0;
}

void cli_feeds_free(cli_feeds *f) {
  for (int i = 0; i < f->n; i++) seam_tensor_free(f->tensors[i]);
  memset(f, 0, sizeof *f);
}

/* Adds a leading dimension of 1 to t in place when the model wants one more. */
static int fit_batch_dim(seam_tensor **t, const seam_value_info *info, seam_error *err) {
  seam_tensor *in = *t;
  if (info->rank < 1 || in->rank != info->rank - 1 || in->rank + 1 > SEAM_MAX_RANK) return 0;
  int64_t dims[SEAM_MAX_RANK];
  dims[0] = 1;
  for (int d = 0; d < in->rank; d++) dims[d + 1] = in->dims[d];
  seam_tensor *out = seam_tensor_create(in->dtype, (size_t)in->rank + 1, dims, err);
  if (!out) return -1;
  memcpy(out->data, in->data, seam_tensor_nbytes(in));
  seam_tensor_free(in);
  *t = out;
  return 0;
}

int cli_load_feeds(const seam_model *m, const cli_feed_args *a, const char *cmd, cli_feeds *f) {
  memset(f, 0, sizeof *f);
  size_t n = seam_model_input_count(m);
  if (n > CLI_MAX_FEEDS) {
    fprintf(stderr, "seam %s: the model has %zu inputs, more than %d\n", cmd, n, CLI_MAX_FEEDS);
    return -1;
  }
  /* Which file (if any) feeds each model input. */
  int file_of[CLI_MAX_FEEDS];
  for (size_t i = 0; i < n; i++) file_of[i] = -1;
  int next_unnamed = 0;
  for (int k = 0; k < a->n_inputs; k++) {
    size_t i = 0;
    seam_value_info info;
    if (a->input_names[k]) {
      for (i = 0; i < n; i++) {
        seam_model_input_info(m, i, &info);
        if (strcmp(info.name, a->input_names[k]) == 0) break;
      }
      if (i == n) {
        fprintf(stderr, "seam %s: the model has no input named '%s'\n", cmd, a->input_names[k]);
        return -1;
      }
    } else {
      i = (size_t)next_unnamed++;
      if (i >= n) {
        fprintf(stderr, "seam %s: more unnamed --input files than the model's %zu inputs\n", cmd, n);
        return -1;
      }
    }
    file_of[i] = k;
  }
  seam_error err = {0};
  for (size_t i = 0; i < n; i++) {
    seam_value_info info;
    seam_model_input_info(m, i, &info);
    f->names[i] = info.name;
    f->n = (int)i + 1;
    if (file_of[i] < 0) continue;
    f->tensors[i] = seam_tensor_load_npy(a->input_paths[file_of[i]], &err);
    if (f->tensors[i] && fit_batch_dim(&f->tensors[i], &info, &err) != 0) {
      seam_tensor_free(f->tensors[i]);
      f->tensors[i] = NULL;
    }
    if (!f->tensors[i]) {
      fprintf(stderr, "seam %s: input '%s': %s\n", cmd, info.name, err.message);
      cli_feeds_free(f);
      return -1;
    }
  }
  return 0;
}

int cli_make_feeds(const seam_model *m, const cli_feed_args *a, const char *cmd, cli_feeds *f) {
  if (cli_load_feeds(m, a, cmd, f) != 0) return -1;
  seam_error err = {0};
  for (int i = 0; i < f->n; i++) {
    if (f->tensors[i]) continue;
    seam_value_info info;
    seam_model_input_info(m, (size_t)i, &info);
    f->tensors[i] = seam_synthetic_input(&info, i, (size_t)a->n_dims, (const char *const *)a->dim_names,
                                         a->dim_values, &err);
    if (!f->tensors[i]) {
      fprintf(stderr, "seam %s: input '%s': %s\n", cmd, info.name, err.message);
      cli_feeds_free(f);
      return -1;
    }
  }
  return 0;
}

static void bench_usage(FILE *out) {
  fprintf(out,
          "usage: seam bench --model M.onnx [--threads N] [--runs N] [--warmup N]\n"
          "                  [--input X.npy | --input name=X.npy ...] [--dim NAME=VALUE ...]\n"
          "                  [--reference]\n\n"
          "Loads the model, runs it --warmup times (default 3), then times --runs runs\n"
          "(default 20) with a monotonic clock. Inputs not given as files are made\n"
          "from the declared shapes (symbolic dimensions 1 unless --dim sets them):\n"
          "deterministic pseudo-random floats, zeros for integer inputs.\n"
          "--threads 0 (default) uses every online core; --reference runs the portable\n"
          "kernels alone (no graph optimization, no run plans). Prints a summary, then\n"
          "as its last line one JSON object:\n"
          "model, threads, runs, median_ms, p90_ms, min_ms, mean_ms, peak_rss_kb, load_ms.\n");
}

int cli_timing_option(cli_timing_args *a, const char *cmd, int argc, char **argv, int *i) {
  const char *opt = argv[*i];
  if (strcmp(opt, "--reference") == 0) {
    a->reference = 1;
    return 1;
  }
  bool known = strcmp(opt, "--model") == 0 || strcmp(opt, "--threads") == 0 || strcmp(opt, "--runs") == 0 ||
               strcmp(opt, "--warmup") == 0 || strcmp(opt, "--input") == 0 || strcmp(opt, "--dim") == 0;
  if (!known) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "seam %s: %s needs a value\n", cmd, opt);
    return -1;
  }
  char *val = argv[++*i];
  if (strcmp(opt, "--model") == 0) {
    a->model = val;
    return 1;
  }
  if (strcmp(opt, "--threads") == 0) return cli_parse_count(cmd, opt, val, 0, &a->threads) < 0 ? -1 : 1;
  if (strcmp(opt, "--runs") == 0) return cli_parse_count(cmd, opt, val, 1, &a->runs) < 0 ? -1 : 1;
  if (strcmp(opt, "--warmup") == 0) return cli_parse_count(cmd, opt, val, 0, &a->warmup) < 0 ? -1 : 1;
  return cli_feed_option(&a->feed, cmd, opt, val) < 0 ? -1 : 1;
}

seam_model *cli_timing_load(const cli_timing_args *a, const char *cmd, double *load_ms) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.num_threads = a->threads;
  if (a->reference) opts.fast_kernels = opts.optimize = opts.plan = 0;
  seam_error err = {0};
  double t0 = seam_clock_ms();
  seam_model *m = seam_model_load_with(a->model, &opts, &err);
  *load_ms = seam_clock_ms() - t0;
  if (!m) fprintf(stderr, "seam %s: %s\n", cmd, err.message);
  return m;
}

/* Milliseconds rounded to microseconds, so the JSON stays readable. */
static double round_ms(double ms) { return round(ms * 1000.0) / 1000.0; }

int cmd_bench(int argc, char **argv) {
  cli_timing_args a = {.runs = 20, .warmup = 3};
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      bench_usage(stdout);
      return 0;
    }
    int r = cli_timing_option(&a, "bench", argc, argv, &i);
    if (r < 0) return 2;
    if (r > 0) continue;
    fprintf(stderr, "seam bench: unknown option '%s'\n", opt);
    bench_usage(stderr);
    return 2;
  }
  if (!a.model) {
    bench_usage(stderr);
    return 2;
  }
  double load_ms = 0, t0;
  seam_model *m = cli_timing_load(&a, "bench", &load_ms);
  if (!m) return 1;
  seam_error err = {0};
  int rc = 1;
  cli_feeds feeds = {0};
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  double *times = calloc((size_t)a.runs, sizeof *times);
  cJSON *json = NULL;
  char *text = NULL;
  if (!outputs || !times) {
    fprintf(stderr, "seam bench: out of memory\n");
    goto done;
  }
  if (cli_make_feeds(m, &a.feed, "bench", &feeds) != 0) goto done;
  for (int r = 0; r < a.warmup + a.runs; r++) {
    t0 = seam_clock_ms();
    seam_status st = seam_model_run(m, (size_t)feeds.n, feeds.names, (const seam_tensor *const *)feeds.tensors,
                                    n_out, NULL, outputs, &err);
    double ms = seam_clock_ms() - t0;
    if (st != SEAM_OK) {
      fprintf(stderr, "seam bench: %s\n", err.message);
      goto done;
    }
    if (r >= a.warmup) times[r - a.warmup] = ms;
    for (size_t o = 0; o < n_out; o++) seam_tensor_free(outputs[o]), outputs[o] = NULL;
  }
  cli_stats s;
  if (cli_stats_compute(times, (size_t)a.runs, &s) != 0) {
    fprintf(stderr, "seam bench: out of memory\n");
    goto done;
  }
  struct rusage ru;
  long peak_rss_kb = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss : 0; /* KB on Linux */
  int reported_threads = cli_thread_count(a.threads);

  printf("seam bench: %s\n", a.model);
  printf("  %d thread%s, %s kernels; loaded in %.1f ms; %d warm-up + %d timed runs\n", reported_threads,
         reported_threads == 1 ? "" : "s", a.reference ? "reference" : "fast", load_ms, a.warmup, a.runs);
  printf("  median %.3f ms  p90 %.3f ms  min %.3f ms  mean %.3f ms  max %.3f ms\n", s.median, s.p90, s.min,
         s.mean, s.max);
  printf("  peak RSS %.1f MB\n", (double)peak_rss_kb / 1024.0);

  json = cJSON_CreateObject();
  if (!json || !cJSON_AddStringToObject(json, "model", a.model) ||
      !cJSON_AddNumberToObject(json, "threads", reported_threads) ||
      !cJSON_AddNumberToObject(json, "runs", a.runs) ||
      !cJSON_AddNumberToObject(json, "median_ms", round_ms(s.median)) ||
      !cJSON_AddNumberToObject(json, "p90_ms", round_ms(s.p90)) ||
      !cJSON_AddNumberToObject(json, "min_ms", round_ms(s.min)) ||
      !cJSON_AddNumberToObject(json, "mean_ms", round_ms(s.mean)) ||
      !cJSON_AddNumberToObject(json, "peak_rss_kb", (double)peak_rss_kb) ||
      !cJSON_AddNumberToObject(json, "load_ms", round_ms(load_ms)) ||
      !cJSON_AddNumberToObject(json, "max_ms", round_ms(s.max)) ||
      !cJSON_AddNumberToObject(json, "warmup", a.warmup) ||
      !cJSON_AddStringToObject(json, "kernels", a.reference ? "reference" : "fast") ||
      !(text = cJSON_PrintUnformatted(json))) {
    fprintf(stderr, "seam bench: out of memory\n");
    goto done;
  }
  printf("%s\n", text);
  rc = 0;
done:
  cJSON_free(text);
  cJSON_Delete(json);
  for (size_t o = 0; outputs && o < n_out; o++) seam_tensor_free(outputs[o]);
  free(outputs);
  free(times);
  cli_feeds_free(&feeds);
  seam_model_free(m);
  return rc;
}

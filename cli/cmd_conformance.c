/* seam conformance — runs the ONNX backend node tests (Debian libonnx-testdata):
 * every test whose ops seam supports must reproduce the expected outputs. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/onnx_tensor.h"
#include "runtime/tensor.h"
#include "seam/seam.h"

#define DEFAULT_DIR "/usr/share/libonnx-testdata/data/node"
#define RTOL 1e-3
#define ATOL 1e-5
#define MAX_TENSORS 32

typedef enum { OUTCOME_PASS, OUTCOME_FAIL, OUTCOME_SKIP } outcome;

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the entries of dir that start with prefix. */
static int list_dir(const char *dir, const char *prefix, char ***names) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0, cap = 0;
  *names = NULL;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      char **grown = realloc(*names, sizeof(char *) * (size_t)cap);
      if (!grown) break;
      *names = grown;
    }
    size_t len = strlen(e->d_name) + 1;
    if (!((*names)[n] = malloc(len))) break;
    memcpy((*names)[n++], e->d_name, len);
  }
  closedir(d);
  if (n) qsort(*names, (size_t)n, sizeof(char *), compare_names);
  return n;
}

static void free_names(char **names, int n) {
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
}

/* Reads dir/<prefix>_<i>.pb for i = 0.. into tensors; returns the count or -1. */
static int read_tensors(const char *dir, const char *prefix, seam_tensor **tensors, seam_error *err) {
  int n = 0;
  for (; n < MAX_TENSORS; n++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s_%d.pb", dir, prefix, n);
    size_t size;
    FILE *probe = fopen(path, "rb");
    if (!probe) break;
    fclose(probe);
    void *bytes = seam_read_file(path, &size, err);
    if (!bytes) return -1;
    tensors[n] = seam_tensor_from_onnx_bytes(bytes, size, err);
    free(bytes);
    if (!tensors[n]) return -1;
  }
  return n;
}

static bool close_enough(double got, double want) {
  if (isnan(want)) return isnan(got);
  if (isinf(want)) return got == want;
  return fabs(got - want) <= ATOL + RTOL * fabs(want);
}

/* Compares an output against the expected tensor; fills why on mismatch. */
static bool outputs_match(const seam_tensor *got, const seam_tensor *want, char *why, size_t size) {
  char a[160], b[160];
  if (got->dtype != want->dtype) {
    snprintf(why, size, "dtype %s, expected %s", seam_dtype_name(got->dtype), seam_dtype_name(want->dtype));
    return false;
  }
  bool same_shape = got->rank == want->rank;
  for (int d = 0; same_shape && d < got->rank; d++) same_shape = got->dims[d] == want->dims[d];
  if (!same_shape) {
    snprintf(why, size, "shape %s, expected %s", seam_shape_str(got->rank, got->dims, a, sizeof a),
             seam_shape_str(want->rank, want->dims, b, sizeof b));
    return false;
  }
  bool exact = !seam_dtype_is_float(want->dtype);
  for (int64_t i = 0; i < want->count; i++) {
    bool ok = exact ? seam_tensor_get_i64(got, i) == seam_tensor_get_i64(want, i)
                    : close_enough(seam_tensor_get_f64(got, i), seam_tensor_get_f64(want, i));
    if (!ok) {
      snprintf(why, size, "element %lld is %.9g, expected %.9g", (long long)i, seam_tensor_get_f64(got, i),
               seam_tensor_get_f64(want, i));
      return false;
    }
  }
  return true;
}

static outcome run_data_set(const seam_model *m, const char *dir, char *why, size_t size) {
  seam_error err = {0};
  seam_tensor *inputs[MAX_TENSORS] = {0}, *expected[MAX_TENSORS] = {0}, *got[MAX_TENSORS] = {0};
  const char *names[MAX_TENSORS];
  outcome result = OUTCOME_FAIL;
  int n_in = read_tensors(dir, "input", inputs, &err);
  int n_out = n_in < 0 ? -1 : read_tensors(dir, "output", expected, &err);
  if (n_in < 0 || n_out < 0) {
    snprintf(why, size, "test data: %s", err.message);
    result = err.status == SEAM_ERR_UNSUPPORTED ? OUTCOME_SKIP : OUTCOME_FAIL;
    goto out;
  }
  if ((size_t)n_in > seam_model_input_count(m) || (size_t)n_out != seam_model_output_count(m)) {
    snprintf(why, size, "test data has %d inputs / %d outputs, the model %zu / %zu", n_in, n_out,
             seam_model_input_count(m), seam_model_output_count(m));
    goto out;
  }
  for (int i = 0; i < n_in; i++) {
    seam_value_info info;
    seam_model_input_info(m, (size_t)i, &info);
    names[i] = info.name;
  }
  if (seam_model_run(m, (size_t)n_in, names, (const seam_tensor *const *)inputs, (size_t)n_out, NULL, got,
                     &err) != SEAM_OK) {
    snprintf(why, size, "%s", err.message);
    result = err.status == SEAM_ERR_UNSUPPORTED ? OUTCOME_SKIP : OUTCOME_FAIL;
    goto out;
  }
  result = OUTCOME_PASS;
  for (int o = 0; o < n_out && result == OUTCOME_PASS; o++) {
    char detail[256];
    if (!outputs_match(got[o], expected[o], detail, sizeof detail)) {
      seam_value_info info;
      seam_model_output_info(m, (size_t)o, &info);
      snprintf(why, size, "output '%s': %s", info.name, detail);
      result = OUTCOME_FAIL;
    }
  }
out:
  for (int i = 0; i < MAX_TENSORS; i++) {
    seam_tensor_free(inputs[i]);
    seam_tensor_free(expected[i]);
    seam_tensor_free(got[i]);
  }
  return result;
}

static outcome run_test(const char *test_dir, const seam_model_options *options, char *why, size_t size) {
  char path[1024];
  snprintf(path, sizeof path, "%s/model.onnx", test_dir);
  seam_error err = {0};
  seam_model *m = seam_model_load_with(path, options, &err);
  if (!m) {
    snprintf(why, size, "%s", err.message);
    return err.status == SEAM_ERR_UNSUPPORTED ? OUTCOME_SKIP : OUTCOME_FAIL;
  }
  char **sets;
  int n_sets = list_dir(test_dir, "test_data_set_", &sets);
  outcome result = n_sets > 0 ? OUTCOME_PASS : OUTCOME_FAIL;
  if (n_sets <= 0) snprintf(why, size, "no test_data_set_* folder");
  for (int s = 0; s < n_sets && result == OUTCOME_PASS; s++) {
    snprintf(path, sizeof path, "%s/%s", test_dir, sets[s]);
    result = run_data_set(m, path, why, size);
  }
  if (n_sets > 0) free_names(sets, n_sets);
  seam_model_free(m);
  return result;
}

int cmd_conformance(int argc, char **argv) {
  const char *dir = DEFAULT_DIR, *filter = NULL;
  bool verbose = false;
  seam_model_options options;
  seam_model_options_default(&options);
  options.num_threads = 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) dir = argv[++i];
    else if (strcmp(argv[i], "--filter") == 0 && i + 1 < argc) filter = argv[++i];
    else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) verbose = true;
    else if (strcmp(argv[i], "--reference") == 0) {
      options.fast_kernels = 0;
      options.optimize = 0;
      options.plan = 0;
    }
    else {
      fprintf(stdout,
              "usage: seam conformance [--dir D] [--filter SUBSTRING] [--verbose] [--reference]\n\n"
              "Runs every ONNX node test under D (default %s) whose ops seam supports\n"
              "and compares with the expected outputs (rtol %g, atol %g). Prints one line per\n"
              "failure, the skip reasons with --verbose, and ends with 'N passed, N failed,\n"
              "N skipped'. Exits 1 when any test fails. By default models run as apps run\n"
              "them (graph optimization, run plans, XNNPACK); --reference runs the portable\n"
              "kernels alone through the plain executor.\n",
              DEFAULT_DIR, RTOL, ATOL);
      return strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  char **tests;
  int n = list_dir(dir, "test_", &tests);
  if (n <= 0) {
    fprintf(stderr, "seam conformance: no tests under '%s' (install libonnx-testdata)\n", dir);
    return 2;
  }
  int passed = 0, failed = 0, skipped = 0;
  for (int i = 0; i < n; i++) {
    if (filter && !strstr(tests[i], filter)) continue;
    char test_dir[1024], why[1024] = "";
    snprintf(test_dir, sizeof test_dir, "%s/%s", dir, tests[i]);
    switch (run_test(test_dir, &options, why, sizeof why)) {
    case OUTCOME_PASS: passed++; break;
    case OUTCOME_FAIL:
      failed++;
      printf("FAIL %s: %s\n", tests[i], why);
      break;
    case OUTCOME_SKIP:
      skipped++;
      if (verbose) printf("skip %s: %s\n", tests[i], why);
      break;
    }
    fflush(stdout);
  }
  free_names(tests, n);
  printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
  return failed ? 1 : 0;
}

/* Integration test of libseam-edge (and `seam run --remote`) on loopback.
 *
 *   test_edge --seam-cloud PATH --seam PATH --model MODEL.onnx --samples SAMPLES.npy
 *
 * Starts a real seam-cloud on 127.0.0.1 (port from its stdout) serving a
 * temporary repository REPO/fashion_mnist/model.onnx, then:
 *  - for every candidate cut of the model (from the partitioner, after an
 *    observed local run), seam_edge_infer with RAW equals the local run
 *    exactly and INT8+zstd gives the same top-1 on every sample;
 *  - a bad cut name is refused naming the tensor;
 *  - 4 threads x 25 inferences on one session, each exact;
 *  - `seam run --remote --cut T` writes the same .npy as `seam run`;
 *  - after the worker is killed, an inference falls back to the device
 *    within the deadline, with the local run's outputs.
 * Every wait is bounded and the worker is always killed at the end.
 *
 *   test_edge ... --only stress
 *     8 client threads x 200 requests on the shared sessions of the cut
 *     /stage2/relu2/Relu_output_0, alternating INT8+zstd and RAW per request
 *     (the codec is a session setting, so there is one session per codec,
 *     each shared by all 8 threads): no error, RAW exact, INT8 same top-1;
 *     aborts with a failure after 60 s.
 *   test_edge --seam-cloud PATH --model M.onnx --samples INPUT.npy --only cuts [--every K]
 *     every candidate cut (every K-th when K > 1; the first and last always)
 *     with RAW equals the local run exactly, for every graph output. The
 *     worker's repository holds the model under the name seam_edge_open
 *     derives (the folder holding model.onnx).
 *     Cuts through a shape subgraph (int64 Shape/Gather/Concat pieces next to
 *     an activation, as in the OCR recognizer) are exact too: the worker's
 *     run plan is keyed on those small values, so the tail runs the same
 *     kernels as the full graph. */
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "partitioner/cuts.h"
#include "runtime/model.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/worker.h"

#define CLI_CUT "/stage2/relu2/Relu_output_0"
#define THREADS 4
#define PER_THREAD 25

static int failures;
static pid_t worker = -1;
static char repo[64] = "";
static char endpoint[64];
static char model_name[256] = "model";

#define STRESS_THREADS 8
#define STRESS_PER_THREAD 200
#define STRESS_LIMIT_S 60

/* The name seam_edge_open gives the model by default. */
static void derive_model_name(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (strcmp(base, "model.onnx") == 0 && slash && slash > path) {
    const char *start = slash - 1;
    while (start > path && start[-1] != '/') start--;
    snprintf(model_name, sizeof model_name, "%.*s", (int)(slash - start), start);
  } else {
    snprintf(model_name, sizeof model_name, "%s", base);
    size_t n = strlen(model_name);
    if (n > 5 && strcmp(model_name + n - 5, ".onnx") == 0) model_name[n - 5] = '\0';
  }
}

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      failures++;                                                     \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

static double now_s(void) { return worker_now_s(); }

static void kill_worker(void) { worker_kill(&worker); }

/* SIGTERM, then the worker's exit status within 10 s (under the sanitizers a
 * leak makes it non-zero); -1 when it had to be killed. */
static int stop_worker(void) { return worker_stop(&worker, 10); }

static void cleanup(void) { worker_cleanup(&worker, repo); }

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

static bool copy_file(const char *from, const char *to) { return worker_copy_model(from, to, NULL); }

/* Starts the worker with its stdout on a pipe; returns the bound port. */
static int start_worker(const char *exe) {
  char why[128];
  int port = worker_start(exe, repo, NULL, &worker, why, sizeof why);
  if (port < 0) die(why);
  return port;
}

static bool same_tensor(const seam_tensor *a, const seam_tensor *b) {
  return a && b && seam_tensor_dtype(a) == seam_tensor_dtype(b) && a->rank == b->rank &&
         memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0 &&
         seam_tensor_nbytes(a) == seam_tensor_nbytes(b) &&
         memcmp(a->data, b->data, seam_tensor_nbytes(a)) == 0;
}

/* Top-1 of each row of a [N, K] float32 tensor. */
static void top1(const seam_tensor *t, int *out, int max) {
  int64_t k = t->dims[t->rank - 1];
  int64_t rows = t->count / k;
  for (int64_t r = 0; r < rows && r < max; r++) {
    const float *row = (const float *)t->data + r * k;
    int best = 0;
    for (int64_t j = 1; j < k; j++)
      if (row[j] > row[best]) best = (int)j;
    out[r] = best;
  }
}

typedef struct cut_names {
  char *joined; /* "cloud" for position 0 */
} cut_names;

typedef struct measure {
  const seam_graph *g;
  int64_t *value_bytes, *node_macs;
} measure;

static void record(void *user, const seam_node *node, const seam_tensor *const *in,
                   seam_tensor *const *out) {
  (void)in;
  measure *m = user;
  (void)node;
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v >= 0 && out[k]) m->value_bytes[v] = (int64_t)seam_tensor_nbytes(out[k]);
  }
}

/* The candidate cuts of the model, each as a --cut string. */
static char **enumerate_cuts(const char *model_path, const seam_tensor *samples, int *n_cuts) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.plan = 0;
  seam_error err;
  seam_model *model = seam_model_load_with(model_path, &opts, &err);
  if (!model) die(err.message);
  const seam_graph *g = model->graph;
  measure m = {.g = g};
  m.value_bytes = calloc((size_t)g->n_values + 1, sizeof(int64_t));
  m.node_macs = calloc((size_t)g->n_nodes + 1, sizeof(int64_t));
  seam_tensor **out = calloc((size_t)g->n_outputs + 1, sizeof *out);
  if (!m.value_bytes || !m.node_macs || !out) die("out of memory");
  seam_value_info info;
  seam_model_input_info(model, 0, &info);
  m.value_bytes[seam_graph_find_value(g, info.name)] = (int64_t)seam_tensor_nbytes(samples);
  const char *names[1] = {info.name};
  seam_node_observer obs = {.after_node = record, .user = &m};
  seam_cut_list cuts = {0};
  if (seam_model_run_observed(model, 1, names, &samples, (size_t)g->n_outputs, NULL, out, &obs,
                              &err) != SEAM_OK ||
      seam_cuts_enumerate(g, m.value_bytes, m.node_macs, &cuts, &err) != SEAM_OK)
    die(err.message);
  char **list = calloc((size_t)cuts.n + 1, sizeof *list);
  if (!list) die("out of memory");
  for (int c = 0; c < cuts.n; c++) {
    const seam_cut *cut = &cuts.cuts[c];
    size_t len = 8;
    for (int i = 0; i < cut->n_tensors; i++) len += strlen(g->values[cut->values[i]].name) + 1;
    list[c] = calloc(len, 1);
    if (!list[c]) die("out of memory");
    if (cut->position == 0) {
      strcpy(list[c], "cloud");
      continue;
    }
    for (int i = 0; i < cut->n_tensors; i++) {
      if (i) strcat(list[c], ",");
      strcat(list[c], g->values[cut->values[i]].name);
    }
  }
  *n_cuts = cuts.n;
  for (int i = 0; i < g->n_outputs; i++) seam_tensor_free(out[i]);
  free(out);
  free(m.value_bytes);
  free(m.node_macs);
  seam_cut_list_free(&cuts);
  seam_model_free(model);
  return list;
}

static int device_threads = 1;

static seam_edge_session *open_session(const char *model, const char *ep, const char *cut,
                                       seam_edge_codec codec, int zstd, int deadline_ms) {
  seam_edge_config cfg = {.model_path = model, .endpoint = ep, .cut = cut,
                          .deadline_ms = deadline_ms, .codec = codec, .zstd_level = zstd,
                          .threads = device_threads};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) fprintf(stderr, "seam_edge_open(cut %s): %s\n", cut, err.message);
  return s;
}

typedef struct thread_arg {
  seam_edge_session *s;
  const seam_tensor *input;
  const seam_tensor *expected;
  int errors;
} thread_arg;

static void *thread_main(void *p) {
  thread_arg *a = p;
  for (int i = 0; i < PER_THREAD; i++) {
    seam_tensor *out = NULL;
    seam_edge_timing t;
    seam_error err;
    seam_status st = seam_edge_infer(a->s, 1, NULL, &a->input, 1, &out, &t, &err);
    if (st != SEAM_OK || !t.remote || !same_tensor(out, a->expected)) a->errors++;
    seam_tensor_free(out);
  }
  return NULL;
}

/* --only stress: one session per codec, each shared by all threads; each
 * thread alternates the codec per request. */
typedef struct stress_arg {
  seam_edge_session *raw, *int8;
  const seam_tensor *input;
  const seam_tensor *expected;
  const int *want_top;
  int n_rows;
  int errors, requests;
  char first_error[256];
} stress_arg;

static void stress_fail(stress_arg *a, const char *what) {
  if (a->errors++ == 0) snprintf(a->first_error, sizeof a->first_error, "%s", what);
}

static void *stress_main(void *p) {
  stress_arg *a = p;
  for (int i = 0; i < STRESS_PER_THREAD; i++) {
    int use_int8 = i % 2 == 0;
    seam_tensor *out = NULL;
    seam_edge_timing t;
    seam_error err;
    seam_status st =
        seam_edge_infer(use_int8 ? a->int8 : a->raw, 1, NULL, &a->input, 1, &out, &t, &err);
    a->requests++;
    if (st != SEAM_OK) stress_fail(a, err.message);
    else if (!t.remote || t.fell_back) stress_fail(a, err.message[0] ? err.message : "not remote");
    else if (!use_int8 && !same_tensor(out, a->expected)) stress_fail(a, "RAW output differs");
    else if (use_int8) {
      int got[64] = {0};
      top1(out, got, 64);
      if (memcmp(got, a->want_top, sizeof(int) * (size_t)(a->n_rows < 64 ? a->n_rows : 64)) != 0)
        stress_fail(a, "INT8+zstd output changes a top-1");
    }
    seam_tensor_free(out);
  }
  return NULL;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: the stress test took over 60 s; aborting\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
  if (worker > 0) kill(worker, SIGKILL);
  _exit(1);
}

static void run_stress(const char *model_path, const seam_tensor *samples,
                       const seam_tensor *expected, const int *want_top, int n_rows) {
  seam_edge_session *raw = open_session(model_path, endpoint, CLI_CUT, SEAM_EDGE_CODEC_RAW, 0, 20000);
  seam_edge_session *int8 = open_session(model_path, endpoint, CLI_CUT, SEAM_EDGE_CODEC_INT8, 3, 20000);
  CHECK(raw && int8, "open the stress sessions");
  if (raw && int8) {
    signal(SIGALRM, on_alarm);
    alarm(STRESS_LIMIT_S);
    double t0 = now_s();
    pthread_t th[STRESS_THREADS];
    stress_arg args[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++) {
      args[i] = (stress_arg){.raw = raw, .int8 = int8, .input = samples, .expected = expected,
                             .want_top = want_top, .n_rows = n_rows};
      if (pthread_create(&th[i], NULL, stress_main, &args[i]) != 0) die("pthread_create");
    }
    int errors = 0, requests = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
      pthread_join(th[i], NULL);
      errors += args[i].errors;
      requests += args[i].requests;
      CHECK(args[i].errors == 0, "thread %d: %d errors, first: %s", i, args[i].errors,
            args[i].first_error);
    }
    alarm(0);
    double took = now_s() - t0;
    CHECK(requests == STRESS_THREADS * STRESS_PER_THREAD, "%d requests made", requests);
    printf("stress: %d threads x %d requests (INT8+zstd / RAW alternating) in %.2f s: %d errors\n",
           STRESS_THREADS, STRESS_PER_THREAD, took, errors);
  }
  seam_edge_close(raw);
  seam_edge_close(int8);
}

/* --only cuts: every (or every k-th) candidate cut with RAW, exact for every
 * graph output. */
static void run_cuts_exact(const char *model_path, const seam_tensor *input, int every) {
  /* The same thread count as the worker (--threads 2): a kernel may split its
   * sums by thread, and RAW exactness means the same arithmetic. */
  device_threads = 2;
  seam_edge_session *local = open_session(model_path, NULL, "local", SEAM_EDGE_CODEC_RAW, 0, 0);
  if (!local) die("cannot open a local session");
  size_t n_out = seam_edge_output_count(local);
  seam_tensor **want = calloc(n_out, sizeof *want), **got = calloc(n_out, sizeof *got);
  if (!want || !got) die("out of memory");
  seam_edge_timing t;
  seam_error err;
  if (seam_edge_infer(local, 1, NULL, &input, n_out, want, &t, &err) != SEAM_OK) die(err.message);
  int n_cuts = 0;
  char **cuts = enumerate_cuts(model_path, input, &n_cuts);
  CHECK(n_cuts > 2, "the partitioner found %d cuts", n_cuts);
  if (every < 1) every = 1;
  double t0 = now_s();
  int checked = 0;
  for (int c = 0; c < n_cuts; c++) {
    if (c % every != 0 && c != n_cuts - 1) continue;
    seam_edge_session *s = open_session(model_path, endpoint, cuts[c], SEAM_EDGE_CODEC_RAW, 0, 20000);
    CHECK(s, "open with cut %s", cuts[c]);
    if (!s) continue;
    seam_status st = seam_edge_infer(s, 1, NULL, &input, n_out, got, &t, &err);
    CHECK(st == SEAM_OK, "cut %s: %s", cuts[c], err.message);
    if (st == SEAM_OK) {
      CHECK(t.remote && !t.fell_back, "cut %s ran on the worker (%s)", cuts[c], err.message);
      for (size_t o = 0; o < n_out; o++) {
        if (same_tensor(got[o], want[o])) continue;
        double diff = -1;
        if (got[o] && seam_tensor_dtype(got[o]) == SEAM_DTYPE_FLOAT32 &&
            seam_tensor_dtype(want[o]) == SEAM_DTYPE_FLOAT32 && got[o]->count == want[o]->count) {
          diff = 0;
          for (int64_t k = 0; k < got[o]->count; k++) {
            double d = fabs((double)((const float *)got[o]->data)[k] - ((const float *)want[o]->data)[k]);
            if (d > diff) diff = d;
          }
        }
        CHECK(false, "cut %s: RAW split output %zu differs from the local run (max |diff| %g)",
              cuts[c], o, diff);
      }
      checked++;
    }
    for (size_t o = 0; o < n_out; o++) {
      seam_tensor_free(got[o]);
      got[o] = NULL;
    }
    seam_edge_close(s);
  }
  printf("%s: %d candidate cuts, %d checked over the network (every %d%s) with RAW in %.1f s\n",
         model_name, n_cuts, checked, every, every > 1 ? "-th and the last" : "", now_s() - t0);
  for (int c = 0; c < n_cuts; c++) free(cuts[c]);
  free(cuts);
  for (size_t o = 0; o < n_out; o++) seam_tensor_free(want[o]);
  free(want);
  free(got);
  seam_edge_close(local);
}

/* Runs a command with a bounded time; returns its exit status. */
static int run_cmd(const char *cmd) {
  char full[4096];
  snprintf(full, sizeof full, "timeout 60 %s", cmd);
  int rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

int main(int argc, char **argv) {
  const char *cloud_exe = NULL, *seam_exe = NULL, *model_path = NULL, *samples_path = NULL;
  const char *only = NULL;
  int every = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    else if (strcmp(argv[i], "--every") == 0) every = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "--seam-cloud") == 0) cloud_exe = argv[i + 1];
    else if (strcmp(argv[i], "--seam") == 0) seam_exe = argv[i + 1];
    else if (strcmp(argv[i], "--model") == 0) model_path = argv[i + 1];
    else if (strcmp(argv[i], "--samples") == 0) samples_path = argv[i + 1];
  }
  bool only_cuts = only && strcmp(only, "cuts") == 0;
  bool only_stress = only && strcmp(only, "stress") == 0;
  if (!cloud_exe || (!seam_exe && !only) || !model_path || !samples_path ||
      (only && !only_cuts && !only_stress)) {
    fprintf(stderr,
            "usage: test_edge --seam-cloud PATH --seam PATH --model M.onnx --samples S.npy"
            " [--only stress|cuts] [--every K]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  derive_model_name(model_path);
  seam_error err;
  seam_tensor *samples = seam_tensor_load_npy(samples_path, &err);
  if (!samples) die(err.message);

  if (only_cuts) {
    strcpy(repo, "/tmp/seam-edge-test-XXXXXX");
    if (!mkdtemp(repo)) die("mkdtemp");
    char dir[512], dst[600];
    snprintf(dir, sizeof dir, "%s/%s", repo, model_name);
    snprintf(dst, sizeof dst, "%s/model.onnx", dir);
    if (mkdir(dir, 0700) != 0 || !copy_file(model_path, dst)) die("cannot make the repository");
    int port = start_worker(cloud_exe);
    snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
    printf("worker on %s\n", endpoint);
    run_cuts_exact(model_path, samples, every);
    seam_tensor_free(samples);
    cleanup();
    if (failures) {
      fprintf(stderr, "%d check(s) failed\n", failures);
      return 1;
    }
    printf("all edge cut checks passed\n");
    return 0;
  }

  /* The local reference: a session with no endpoint. */
  seam_edge_session *local = open_session(model_path, NULL, "local", SEAM_EDGE_CODEC_RAW, 0, 0);
  if (!local) die("cannot open a local session");
  CHECK(seam_edge_output_count(local) == 1, "the demo model has one output");
  seam_tensor *expected = NULL;
  seam_edge_timing t;
  if (seam_edge_infer(local, 1, NULL, (const seam_tensor *const *)&samples, 1, &expected, &t,
                      &err) != SEAM_OK)
    die(err.message);
  CHECK(!t.remote && !t.fell_back, "a local run stays local");
  int n_rows = (int)(expected->count / expected->dims[expected->rank - 1]);
  int want_top[64] = {0};
  top1(expected, want_top, 64);

  /* The worker, on a temporary repository. */
  strcpy(repo, "/tmp/seam-edge-test-XXXXXX");
  if (!mkdtemp(repo)) die("mkdtemp");
  char dir[512], dst[600];
  snprintf(dir, sizeof dir, "%s/%s", repo, model_name);
  snprintf(dst, sizeof dst, "%s/model.onnx", dir);
  if (mkdir(dir, 0700) != 0 || !copy_file(model_path, dst)) die("cannot make the repository");
  int port = start_worker(cloud_exe);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  printf("worker on %s\n", endpoint);

  if (only_stress) {
    run_stress(model_path, samples, expected, want_top, n_rows);
    int rc = stop_worker();
    CHECK(rc == 0, "the worker exited with %d after SIGTERM (a sanitizer report?)", rc);
    seam_tensor_free(expected);
    seam_tensor_free(samples);
    seam_edge_close(local);
    cleanup();
    if (failures) {
      fprintf(stderr, "%d check(s) failed\n", failures);
      return 1;
    }
    printf("all edge stress checks passed\n");
    return 0;
  }

  /* Every candidate cut: RAW exact, INT8+zstd same top-1. */
  int n_cuts = 0;
  char **cuts = enumerate_cuts(model_path, samples, &n_cuts);
  CHECK(n_cuts > 2, "the partitioner found %d cuts", n_cuts);
  int checked = 0;
  for (int c = 0; c < n_cuts; c++) {
    for (int codec = 0; codec < 2; codec++) {
      seam_edge_session *s =
          open_session(model_path, endpoint, cuts[c], codec ? SEAM_EDGE_CODEC_INT8 : SEAM_EDGE_CODEC_RAW,
                       codec ? 3 : 0, 10000);
      CHECK(s, "open with cut %s", cuts[c]);
      if (!s) continue;
      seam_tensor *out = NULL;
      seam_status st =
          seam_edge_infer(s, 1, NULL, (const seam_tensor *const *)&samples, 1, &out, &t, &err);
      CHECK(st == SEAM_OK, "cut %s: %s", cuts[c], err.message);
      CHECK(st != SEAM_OK || (t.remote && !t.fell_back), "cut %s ran on the worker (%s)", cuts[c],
            err.message);
      if (st == SEAM_OK && codec == 0) {
        CHECK(same_tensor(out, expected), "cut %s: RAW split differs from the local run", cuts[c]);
      } else if (st == SEAM_OK) {
        int got_top[64] = {0};
        top1(out, got_top, 64);
        CHECK(memcmp(got_top, want_top, sizeof got_top) == 0, "cut %s: INT8+zstd changes a top-1",
              cuts[c]);
      }
      if (st == SEAM_OK) checked++;
      seam_tensor_free(out);
      seam_edge_close(s);
    }
  }
  printf("%d cuts x 2 codecs: %d split inferences checked\n", n_cuts, checked);

  /* A bad cut is refused, naming the tensor. */
  seam_edge_config bad = {.model_path = model_path, .endpoint = endpoint,
                          .cut = CLI_CUT ",no_such_tensor"};
  seam_edge_session *bs = seam_edge_open(&bad, &err);
  CHECK(!bs && err.status == SEAM_ERR_NOT_FOUND && strstr(err.message, "no_such_tensor"),
        "bad cut: %s", err.message);
  seam_edge_close(bs);

  /* Several threads on one session. */
  seam_edge_session *shared = open_session(model_path, endpoint, CLI_CUT, SEAM_EDGE_CODEC_RAW, 1, 10000);
  CHECK(shared, "open the shared session");
  if (shared) {
    pthread_t th[THREADS];
    thread_arg args[THREADS];
    for (int i = 0; i < THREADS; i++) {
      args[i] = (thread_arg){.s = shared, .input = samples, .expected = expected};
      pthread_create(&th[i], NULL, thread_main, &args[i]);
    }
    int errors = 0;
    for (int i = 0; i < THREADS; i++) {
      pthread_join(th[i], NULL);
      errors += args[i].errors;
    }
    CHECK(errors == 0, "%d of %d threaded inferences failed or differ", errors, THREADS * PER_THREAD);
    printf("%d threads x %d inferences on one session: %d errors\n", THREADS, PER_THREAD, errors);
  }

  /* The CLI: split run writes the same logits as a local run. */
  char local_npy[128], remote_npy[128], cmd[2048];
  snprintf(local_npy, sizeof local_npy, "%s/local.npy", repo);
  snprintf(remote_npy, sizeof remote_npy, "%s/remote.npy", repo);
  snprintf(cmd, sizeof cmd, "'%s' run --model '%s' --input '%s' --output '%s' > /dev/null", seam_exe,
           model_path, samples_path, local_npy);
  CHECK(run_cmd(cmd) == 0, "%s", cmd);
  snprintf(cmd, sizeof cmd,
           "'%s' run --model '%s' --input '%s' --output '%s' --remote %s --cut %s --deadline-ms 10000",
           seam_exe, model_path, samples_path, remote_npy, endpoint, CLI_CUT);
  CHECK(run_cmd(cmd) == 0, "%s", cmd);
  seam_tensor *a = seam_tensor_load_npy(local_npy, &err), *b = seam_tensor_load_npy(remote_npy, &err);
  CHECK(a && b && same_tensor(a, b) && same_tensor(a, expected),
        "seam run --remote writes other logits than seam run");
  seam_tensor_free(a);
  seam_tensor_free(b);

  /* The worker dies: the shared session falls back within the deadline. */
  kill_worker();
  for (int round = 0; round < 2; round++) {
    /* Round 0: the session whose channel was connected; round 1: a new one. */
    if (round == 1) {
      seam_edge_close(shared);
      shared = open_session(model_path, endpoint, CLI_CUT, SEAM_EDGE_CODEC_INT8, 3, 2000);
      CHECK(shared, "open after the worker died");
    }
    if (!shared) continue;
    seam_tensor *out = NULL;
    double t0 = now_s();
    seam_status st =
        seam_edge_infer(shared, 1, NULL, (const seam_tensor *const *)&samples, 1, &out, &t, &err);
    double took = now_s() - t0;
    CHECK(st == SEAM_OK, "fallback: %s", err.message);
    CHECK(t.fell_back == 1 && !t.remote, "fell_back %d remote %d", t.fell_back, t.remote);
    CHECK(strstr(err.message, "UNAVAILABLE") || strstr(err.message, "DEADLINE"),
          "the fallback's reason: %s", err.message);
    CHECK(same_tensor(out, expected), "the fallback's outputs differ from the local run");
    CHECK(took < 2.0, "the fallback took %.3f s, over the 2 s deadline", took);
    printf("fallback after the worker died (%s session): %.1f ms (%s)\n",
           round ? "new" : "connected", took * 1e3, err.message);
    seam_tensor_free(out);
  }
  seam_edge_close(shared);
  (void)n_rows;

  for (int c = 0; c < n_cuts; c++) free(cuts[c]);
  free(cuts);
  seam_tensor_free(expected);
  seam_tensor_free(samples);
  seam_edge_close(local);
  cleanup();
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all edge checks passed\n");
  return 0;
}

/* Integration test of libseam-edge (and `seam run --remote`) on loopback.
 *
 *   test_edge --seam-cloud PATH --seam PATH --model MODEL.onnx --samples SAMPLES.npy
 *
 * Starts a real seam-cloud on 127.0.0.1 (port from its stdout) serving a
 * temporary repository REPO/fashion_mnist/model.onnx, then:
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
 *     aborts with a failure after 60 s (times SEAM_TEST_TIME_SCALE).
 *
 * Every candidate cut of a model over the network is tests/cloud/test_edge_cuts.c. */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/check.h"
#include "tests/cloud/tensor_check.h"
#include "tests/cloud/worker.h"

#define CLI_CUT "/stage2/relu2/Relu_output_0"
#define THREADS 4
#define PER_THREAD 25

int check_failures;
static pid_t worker = -1;
static char repo[64] = "";
static char endpoint[64];

#define STRESS_THREADS 8
#define STRESS_PER_THREAD 200
#define STRESS_LIMIT_S 60

static void cleanup(void) {
  worker_kill(&worker);
  worker_remove_repo(repo);
}

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

/* Starts the worker with its stdout on a pipe; returns the bound port. */
static int start_worker(const char *exe) {
  char why[128];
  int port = worker_start(exe, repo, NULL, &worker, why, sizeof why);
  if (port < 0) die(why);
  return port;
}

static seam_edge_session *open_session(const char *model, const char *ep, const char *cut,
                                       seam_edge_codec codec, int zstd, int deadline_ms) {
  seam_edge_config cfg = {.model_path = model, .endpoint = ep, .cut = cut,
                          .deadline_ms = deadline_ms, .codec = codec, .zstd_level = zstd,
                          .threads = 1};
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
    if (st != SEAM_OK || !t.remote || !tensor_same(out, a->expected)) a->errors++;
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
    else if (!use_int8 && !tensor_same(out, a->expected)) stress_fail(a, "RAW output differs");
    else if (use_int8) {
      int got[64] = {0};
      tensor_top1(out, got, 64);
      if (memcmp(got, a->want_top, sizeof(int) * (size_t)(a->n_rows < 64 ? a->n_rows : 64)) != 0)
        stress_fail(a, "INT8+zstd output changes a top-1");
    }
    seam_tensor_free(out);
  }
  return NULL;
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: the stress test took over its time limit; aborting\n";
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
    alarm((unsigned)(STRESS_LIMIT_S * worker_time_scale()));
    double t0 = seam_clock_s();
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
    double took = seam_clock_s() - t0;
    CHECK(requests == STRESS_THREADS * STRESS_PER_THREAD, "%d requests made", requests);
    printf("stress: %d threads x %d requests (INT8+zstd / RAW alternating) in %.2f s: %d errors\n",
           STRESS_THREADS, STRESS_PER_THREAD, took, errors);
  }
  seam_edge_close(raw);
  seam_edge_close(int8);
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
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--only") == 0) only = argv[i + 1];
    else if (strcmp(argv[i], "--seam-cloud") == 0) cloud_exe = argv[i + 1];
    else if (strcmp(argv[i], "--seam") == 0) seam_exe = argv[i + 1];
    else if (strcmp(argv[i], "--model") == 0) model_path = argv[i + 1];
    else if (strcmp(argv[i], "--samples") == 0) samples_path = argv[i + 1];
  }
  bool only_stress = only && strcmp(only, "stress") == 0;
  if (!cloud_exe || (!seam_exe && !only) || !model_path || !samples_path || (only && !only_stress)) {
    fprintf(stderr,
            "usage: test_edge --seam-cloud PATH --seam PATH --model M.onnx --samples S.npy"
            " [--only stress]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  seam_error err;
  seam_tensor *samples = seam_tensor_load_npy(samples_path, &err);
  if (!samples) die(err.message);

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
  int want_top[64] = {0};
  int n_rows = tensor_top1(expected, want_top, 64);

  /* The worker, on a temporary repository. */
  char why[256];
  if (!worker_make_repo(model_path, repo, sizeof repo, why, sizeof why)) die(why);
  int port = start_worker(cloud_exe);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  printf("worker on %s\n", endpoint);

  if (only_stress) {
    run_stress(model_path, samples, expected, want_top, n_rows);
    int rc = worker_stop(&worker, 10);
    CHECK(rc == 0, "the worker exited with %d after SIGTERM (a sanitizer report?)", rc);
    seam_tensor_free(expected);
    seam_tensor_free(samples);
    seam_edge_close(local);
    cleanup();
    if (check_failures) {
      fprintf(stderr, "%d check(s) failed\n", check_failures);
      return 1;
    }
    printf("all edge stress checks passed\n");
    return 0;
  }

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
  CHECK(a && b && tensor_same(a, b) && tensor_same(a, expected),
        "seam run --remote writes other logits than seam run");
  seam_tensor_free(a);
  seam_tensor_free(b);

  /* The worker dies: the shared session falls back within the deadline. */
  worker_kill(&worker);
  for (int round = 0; round < 2; round++) {
    /* Round 0: the session whose channel was connected; round 1: a new one. */
    if (round == 1) {
      seam_edge_close(shared);
      shared = open_session(model_path, endpoint, CLI_CUT, SEAM_EDGE_CODEC_INT8, 3, 2000);
      CHECK(shared, "open after the worker died");
    }
    if (!shared) continue;
    seam_tensor *out = NULL;
    double t0 = seam_clock_s();
    seam_status st =
        seam_edge_infer(shared, 1, NULL, (const seam_tensor *const *)&samples, 1, &out, &t, &err);
    double took = seam_clock_s() - t0;
    CHECK(st == SEAM_OK, "fallback: %s", err.message);
    CHECK(t.fell_back == 1 && !t.remote, "fell_back %d remote %d", t.fell_back, t.remote);
    CHECK(strstr(err.message, "UNAVAILABLE") || strstr(err.message, "DEADLINE"),
          "the fallback's reason: %s", err.message);
    CHECK(tensor_same(out, expected), "the fallback's outputs differ from the local run");
    CHECK(took < 2.0, "the fallback took %.3f s, over the 2 s deadline", took);
    printf("fallback after the worker died (%s session): %.1f ms (%s)\n",
           round ? "new" : "connected", took * 1e3, err.message);
    seam_tensor_free(out);
  }
  seam_edge_close(shared);
  (void)n_rows;

  seam_tensor_free(expected);
  seam_tensor_free(samples);
  seam_edge_close(local);
  cleanup();
  if (check_failures) {
    fprintf(stderr, "%d check(s) failed\n", check_failures);
    return 1;
  }
  printf("all edge checks passed\n");
  return 0;
}

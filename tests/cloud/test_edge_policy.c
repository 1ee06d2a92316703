/* libseam-edge's dynamic policy (cut = "auto") against a real seam-cloud on
 * 127.0.0.1: a plan `seam partition` made for the demo model (raw codec, so
 * every split equals the local run exactly), then
 *
 *   - requests run on the plan's remote cut, each result equal to the local
 *     run, with the cut, the prediction and the reason reported, and the
 *     network estimate fed by them;
 *   - the worker killed: every request still answers (fallback, then the
 *     circuit breaker runs them on the device from the start), and the
 *     estimate says the breaker is open;
 *   - the worker restarted on the same port: the background prober finds
 *     it and requests go back to the worker;
 *   - a session opened while the worker is down works and uses the worker
 *     once it appears;
 *   - a plan for another file, "auto" without a plan, and the estimate of a
 *     fixed-cut session are refused with clear errors.
 *
 *   test_edge_policy --seam PATH --seam-cloud PATH --model M.onnx --samples S.npy
 *
 * Every wait is bounded in requests and in time; an alarm ends the test
 * after TIME_LIMIT_S (scaled by SEAM_TEST_TIME_SCALE). */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "runtime/tensor.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/check.h"
#include "tests/cloud/tensor_check.h"
#include "tests/cloud/worker.h"

#define TIME_LIMIT_S 180
#define DEADLINE_MS 3000
#define BACK_WITHIN_S 30.0 /* the prober's backoff is at most 5 s; generous for a loaded machine */

int check_failures;
static const char *seam_exe, *cloud_exe, *model_path;
static char repo[128] = "", tmp[64] = "", plan_path[160], endpoint[64];
static int port;
static pid_t worker = -1;
static seam_tensor *input, *expected;

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: test_edge_policy took over its time limit; aborting\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
  _exit(1);
}

static void cleanup(void) {
  worker_kill(&worker);
  worker_remove_repo(repo);
  if (tmp[0]) worker_remove_dir(tmp);
}

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

static void start_worker(void) {
  char why[256], listen[64];
  snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
  const char *extra[] = {"--listen", listen, NULL};
  int p = worker_start(cloud_exe, repo, port ? extra : NULL, &worker, why, sizeof why);
  if (p < 0) die(why);
  port = p;
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
}

/* The plan: this machine's profile as the worker's, a thousand times slower as the
 * device's (so the worker is worth using on loopback), raw codec. Sessions
 * take the plan's device times as they are (device_speed 1): measured, this
 * device is a thousand times faster than its plan says and would run all
 * locally. */
static void make_plan(void) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "set -e; cd %s; '%s' profile --model '%s' --threads 1 --runs 5 --json cloud.json >/dev/null; "
           "/usr/bin/python3 -c \"import json; p=json.load(open('cloud.json'));"
           "[n.__setitem__('median_ms', n['median_ms']*1000) for n in p['nodes']];"
           "json.dump(p, open('edge.json','w'))\"; "
           "'%s' partition --model '%s' --edge-profile edge.json --cloud-profile cloud.json --codec raw "
           "--zstd 0 --bandwidth 1000mbit --rtt 0.3ms --out plan.json > partition.txt 2>&1",
           tmp, seam_exe, model_path, seam_exe, model_path);
  if (system(cmd) != 0) die("seam partition failed");
  snprintf(plan_path, sizeof plan_path, "%s/plan.json", tmp);
}

static seam_edge_session *open_auto(const char *model, const char *plan, seam_error *err) {
  seam_edge_config cfg = {.model_path = model, .endpoint = endpoint, .cut = "auto", .plan_path = plan,
                          .deadline_ms = DEADLINE_MS, .threads = 1, .connect_timeout_ms = 500,
                          .device_speed = 1};
  return seam_edge_open(&cfg, err);
}

/* One request; checks the answer is the local run's and the report is
 * filled. Returns its timing. */
static seam_edge_timing infer(seam_edge_session *s, const char *when) {
  seam_tensor *out = NULL;
  seam_edge_timing t;
  seam_error err = {0};
  seam_status st = seam_edge_infer(s, 1, NULL, (const seam_tensor *const *)&input, 1, &out, &t, &err);
  CHECK(st == SEAM_OK, "%s: %s", when, err.message);
  CHECK(out && tensor_same(out, expected), "%s: the result differs from the local run by %g", when,
        out ? tensor_max_abs_diff(out, expected) : -1.0);
  CHECK(t.cut && *t.cut, "%s: no cut reported", when);
  CHECK(t.decision[0], "%s: no reason reported", when);
  CHECK(t.predicted_us > 0, "%s: no prediction", when);
  seam_tensor_free(out);
  return t;
}

/* Requests until one runs on the worker, at most n of them and within
 * BACK_WITHIN_S; the count, or -1. */
static int until_remote(seam_edge_session *s, int n, const char *when) {
  double until = seam_clock_s() + BACK_WITHIN_S * worker_time_scale();
  for (int i = 0; i < n && seam_clock_s() < until; i++) {
    seam_edge_timing t = infer(s, when);
    if (t.remote) return i + 1;
    usleep(20000);
  }
  return -1;
}

static void remote_requests(seam_edge_session *s) {
  int remote = 0;
  for (int i = 0; i < 5; i++) {
    seam_edge_timing t = infer(s, "worker up");
    remote += t.remote;
    if (i == 0) printf("first request: cut %s, %s, %.2f ms (predicted %.2f): %s\n", t.cut,
                       t.remote ? "remote" : "local", t.total_us / 1e3, t.predicted_us / 1e3, t.decision);
    CHECK(strncmp(t.decision, "plan:", 5) == 0, "worker up: reason '%s'", t.decision);
  }
  CHECK(remote == 5, "worker up: %d of 5 requests ran on the worker", remote);
  seam_edge_network net;
  seam_error err;
  CHECK(seam_edge_network_estimate(s, &net, &err) == SEAM_OK, "estimate: %s", err.message);
  CHECK(net.samples >= 5 && net.up_mbps > 0 && net.rtt_ms >= 0 && !net.breaker_open,
        "estimate after 5 calls: %d samples, %.3g Mbit/s, RTT %.3g ms, breaker %d", net.samples, net.up_mbps,
        net.rtt_ms, net.breaker_open);
}

static void worker_gone(seam_edge_session *s) {
  worker_kill(&worker);
  int fell_back = 0, breaker = -1;
  for (int i = 0; i < 20 && breaker < 0; i++) {
    seam_edge_timing t = infer(s, "worker killed");
    CHECK(!t.remote, "worker killed: request %d ran on the worker", i);
    fell_back += t.fell_back;
    if (strncmp(t.decision, "breaker open", 12) == 0) breaker = i;
  }
  printf("worker killed: %d fallbacks, breaker open from request %d\n", fell_back, breaker);
  CHECK(breaker >= 0 && breaker <= 6, "the breaker did not open within 6 requests (%d)", breaker);
  seam_edge_network net;
  seam_error err;
  CHECK(seam_edge_network_estimate(s, &net, &err) == SEAM_OK && net.breaker_open, "estimate: breaker not open");
}

static void refusals(void) {
  seam_error err = {0};
  /* Another file: the same model with a doc string appended (a valid
   * protobuf field), so only its SHA-256 differs. */
  char other[160];
  snprintf(other, sizeof other, "%s/other.onnx", tmp);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf '\\062\\003abc' >> '%s'", model_path, other, other);
  CHECK(system(cmd) == 0, "cannot make the second model file");
  seam_edge_session *s = open_auto(other, plan_path, &err);
  CHECK(!s && err.status == SEAM_ERR_INVALID_ARGUMENT && strstr(err.message, "another model file"),
        "a plan for another file: %s", s ? "accepted" : err.message);
  seam_edge_close(s);
  s = open_auto(model_path, NULL, &err);
  CHECK(!s && err.status == SEAM_ERR_INVALID_ARGUMENT && strstr(err.message, "plan"),
        "\"auto\" without a plan: %s", s ? "accepted" : err.message);
  seam_edge_close(s);
  seam_edge_config cfg = {.model_path = model_path, .cut = "local"};
  s = seam_edge_open(&cfg, &err);
  seam_edge_network net;
  CHECK(s && seam_edge_network_estimate(s, &net, &err) == SEAM_ERR_INVALID_ARGUMENT,
        "the estimate of a fixed cut: %s", err.message);
  seam_edge_close(s);
}

int main(int argc, char **argv) {
  const char *samples = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seam") == 0) seam_exe = argv[i + 1];
    else if (strcmp(argv[i], "--seam-cloud") == 0) cloud_exe = argv[i + 1];
    else if (strcmp(argv[i], "--model") == 0) model_path = argv[i + 1];
    else if (strcmp(argv[i], "--samples") == 0) samples = argv[i + 1];
  }
  if (!seam_exe || !cloud_exe || !model_path || !samples) {
    fprintf(stderr, "usage: test_edge_policy --seam PATH --seam-cloud PATH --model M.onnx --samples S.npy\n");
    return 2;
  }
  signal(SIGALRM, on_alarm);
  alarm((unsigned)(TIME_LIMIT_S * worker_time_scale()));
  strcpy(tmp, "/tmp/seam-policy-XXXXXX");
  if (!mkdtemp(tmp)) die("mkdtemp");
  char why[256];
  if (!worker_make_repo(model_path, repo, sizeof repo, why, sizeof why)) die(why);
  seam_error err = {0};
  seam_tensor *all = seam_tensor_load_npy(samples, &err);
  if (!all) die(err.message);
  int64_t one[4] = {1, 1, 28, 28};
  input = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, one, &err);
  if (!input) die(err.message);
  memcpy(seam_tensor_data(input), seam_tensor_data(all), seam_tensor_nbytes(input));
  seam_tensor_free(all);
  seam_model *m = seam_model_load(model_path, &err);
  seam_value_info info;
  if (!m || seam_model_input_info(m, 0, &info) != SEAM_OK) die(err.message);
  const char *in_name = info.name;
  if (seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&input, 1, NULL, &expected, &err) != SEAM_OK)
    die(err.message);
  seam_model_free(m);
  make_plan();
  start_worker();

  seam_edge_session *s = open_auto(model_path, plan_path, &err);
  if (!s) die(err.message);
  remote_requests(s);
  worker_gone(s);
  start_worker();
  int n = until_remote(s, 2000, "worker back");
  printf("worker restarted: back on the worker after %d requests\n", n);
  CHECK(n > 0, "the policy did not go back to the restarted worker within %.0f s", BACK_WITHIN_S);
  seam_edge_close(s);

  /* Opened while the worker is down. */
  worker_kill(&worker);
  s = open_auto(model_path, plan_path, &err);
  CHECK(s != NULL, "a session opened while the worker is down: %s", err.message);
  if (s) {
    for (int i = 0; i < 5; i++) infer(s, "opened offline");
    start_worker();
    n = until_remote(s, 2000, "worker appears");
    printf("opened offline: on the worker %d requests after it appeared\n", n);
    CHECK(n > 0, "a session opened offline did not use the worker once it appeared");
    seam_edge_close(s);
  }
  refusals();
  seam_tensor_free(input);
  seam_tensor_free(expected);
  cleanup();
  if (check_failures) {
    fprintf(stderr, "test_edge_policy: %d check(s) failed\n", check_failures);
    return 1;
  }
  printf("test_edge_policy: all checks passed\n");
  return 0;
}

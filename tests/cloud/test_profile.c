/* The worker's Profile method on loopback.
 *
 *   test_cloud_profile --seam-cloud PATH --model M.onnx [--model M2.onnx ...]
 *
 * Starts a real seam-cloud on 127.0.0.1 (port chosen by the system) serving
 * a temporary repository with each model as REPO/m<i>/model.onnx, then:
 *  - for every model, the worker's profile lists the same nodes in the same
 *    order (name, op, outputs, inputs, output bytes, MACs, fused activation)
 *    as the library's profile of the same file here, with the same threads,
 *    runs and warm-up; every median >= 0, nodes_total_ms their sum, and the
 *    sum within a loose bound of total_ms;
 *  - a second identical request is answered from the cache (cached, the
 *    same numbers), another runs count is not;
 *  - a symbolic dimension set by name scales the output bytes;
 *  - wrong or missing SHA-256 FAILED_PRECONDITION, unknown model NOT_FOUND,
 *    runs or warmup over the caps, bad dims and a malformed request
 *    INVALID_ARGUMENT, inputs over the tensor limit RESOURCE_EXHAUSTED, an
 *    expired deadline DEADLINE_EXCEEDED; every reply's status equals the
 *    call's;
 *  - a long profile stops at its deadline (DEADLINE_EXCEEDED, nothing
 *    cached), refuses a second profile meanwhile with RESOURCE_EXHAUSTED
 *    while still answering cached ones, and frees the worker at once after;
 *  - SIGTERM stops the worker with exit status 0 (under the sanitizers: no
 *    leak).
 * The first model must have a symbolic input dimension (the demo model's
 * batch). Every wait is bounded and the worker is always killed at the end. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "seam/profile.h"
#include "seam/runtime.h"
#include "tests/cloud/rpc.h"
#include "tests/cloud/worker.h"

#define MAX_MODELS 4
#define MAX_MESSAGE_MB 8

static int failures;
static pid_t worker_pid = -1;
static char repo_dir[64] = "";

static void expect(bool ok, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fprintf(ok ? stdout : stderr, ok ? "ok " : "FAIL ");
  vfprintf(ok ? stdout : stderr, fmt, ap);
  fputc('\n', ok ? stdout : stderr);
  va_end(ap);
  failures += !ok;
}

static void fatal(const char *what) {
  fprintf(stderr, "FATAL: %s\n", what);
  worker_cleanup(&worker_pid, repo_dir);
  exit(1);
}

/* One model of the repository, with its local profile. */
typedef struct served {
  const char *path;
  char name[16];
  uint8_t sha[32];
  seam_model *model;
} served;

/* A Profile call's outcome. */
typedef struct answer {
  int code;
  char text[512];
  Seam__V1__ProfileReply *reply; /* NULL when none came or it did not parse */
} answer;

static void answer_free(answer *a) {
  if (a->reply) seam__v1__profile_reply__free_unpacked(a->reply, NULL);
  a->reply = NULL;
}

/* One Profile call; sha NULL sends none. dims: "name=value" strings. */
static answer profile(seam_grpc_channel *ch, const char *name, const uint8_t *sha, uint32_t runs,
                      uint32_t warmup, int n_dims, const char *const *dims, int timeout_ms) {
  Seam__V1__DimValue dv[4], *dp[4];
  char names[4][32];
  for (int i = 0; i < n_dims && i < 4; i++) {
    seam__v1__dim_value__init(&dv[i]);
    const char *eq = strchr(dims[i], '=');
    snprintf(names[i], sizeof names[i], "%.*s", (int)(eq - dims[i]), dims[i]);
    dv[i].name = names[i];
    dv[i].value = strtoll(eq + 1, NULL, 10);
    dp[i] = &dv[i];
  }
  Seam__V1__ProfileRequest rq = SEAM__V1__PROFILE_REQUEST__INIT;
  rq.model_name = (char *)name;
  rq.model_sha256.data = (uint8_t *)sha;
  rq.model_sha256.len = sha ? 32 : 0;
  rq.runs = runs;
  rq.warmup = warmup;
  rq.n_dims = (size_t)n_dims;
  rq.dims = dp;
  answer a = {0};
  uint8_t *bytes = NULL;
  size_t size = 0;
  a.code = rpc_call(ch, "/seam.v1.Seam/Profile", &rq.base, timeout_ms, &bytes, &size, a.text,
                    sizeof a.text);
  if (bytes) a.reply = seam__v1__profile_reply__unpack(NULL, size, bytes);
  free(bytes);
  return a;
}

/* The reply's status must equal the call's (when the worker answered). */
static void check_status(const answer *a, const char *what) {
  if (a->reply)
    expect(a->reply->status && (int)a->reply->status->code == a->code,
           "%s: reply status %d = call status %d", what,
           a->reply->status ? (int)a->reply->status->code : -1, a->code);
}

static bool same_names(size_t n, char **got, const seam_node_profile *want, bool outputs) {
  size_t w = outputs ? want->n_outputs : want->n_inputs;
  const char *const *names = outputs ? want->outputs : want->inputs;
  if (n != w) return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp(got[i], names[i]) != 0) return false;
  return true;
}

/* The worker's nodes against the local profile's; returns the first
 * difference or NULL. */
static const char *compare_nodes(const Seam__V1__ProfileReply *r, const seam_profile *local,
                                 size_t *at) {
  seam_profile_info info;
  seam_profile_get_info(local, &info);
  *at = 0;
  if (r->n_nodes != info.n_nodes) return "node count";
  for (size_t i = 0; i < r->n_nodes; i++) {
    const Seam__V1__NodeProfile *n = r->nodes[i];
    seam_node_profile want;
    seam_profile_node(local, i, &want);
    *at = i;
    if (strcmp(n->name, want.name) != 0) return "name";
    if (strcmp(n->op, want.op) != 0) return "op";
    if (!same_names(n->n_outputs, n->outputs, &want, true)) return "outputs";
    if (!same_names(n->n_inputs, n->inputs, &want, false)) return "inputs";
    if (n->output_bytes != want.output_bytes) return "output_bytes";
    if (n->macs != want.macs) return "macs";
    if (strcmp(n->fused_activation, want.fused_activation) != 0) return "fused_activation";
  }
  return NULL;
}

/* Medians >= 0, nodes_total_ms their sum, and the sum close to a run: at
 * most twice total_ms plus 0.05 ms (the per-node medians come from
 * different runs), at least a fifth of it (the rest is the run's own
 * bookkeeping: copies in and out, the observer). */
static void check_times(const Seam__V1__ProfileReply *r, const char *what) {
  double sum = 0;
  bool nonneg = true;
  for (size_t i = 0; i < r->n_nodes; i++) {
    nonneg = nonneg && r->nodes[i]->median_ms >= 0;
    sum += r->nodes[i]->median_ms;
  }
  expect(nonneg && r->total_ms > 0, "%s: every median >= 0, total_ms %.4f > 0", what, r->total_ms);
  expect(sum - r->nodes_total_ms < 1e-9 * (1 + sum) && r->nodes_total_ms - sum < 1e-9 * (1 + sum),
         "%s: nodes_total_ms %.6f is the sum of the medians %.6f", what, r->nodes_total_ms, sum);
  expect(sum <= 2 * r->total_ms + 0.05 && sum >= 0.2 * r->total_ms,
         "%s: nodes sum %.4f ms within [0.2, 2] x total %.4f ms", what, sum, r->total_ms);
}

/* (1) The worker's profile against the library's of the same file here. */
static void check_same_nodes(seam_grpc_channel *ch, const served *s, uint32_t runs,
                             uint32_t warmup) {
  seam_profile_options o;
  seam_profile_options_default(&o);
  o.runs = (int)runs;
  o.warmup = (int)warmup;
  seam_profile *local = NULL;
  seam_error err = {0};
  if (seam_profile_run(s->model, &o, &local, &err) != SEAM_OK) fatal(err.message);
  seam_profile_info info;
  seam_profile_get_info(local, &info);

  answer a = profile(ch, s->name, s->sha, runs, warmup, 0, NULL, 600000);
  expect(a.code == 0 && a.reply, "%s: Profile answers: %s %s", s->path, seam_rpc_code_name(a.code),
         a.text);
  if (a.reply) {
    const Seam__V1__ProfileReply *r = a.reply;
    size_t at = 0;
    const char *diff = compare_nodes(r, local, &at);
    expect(!diff,
           "%s: %zu nodes, the same as the local profile's in order (first difference: %s at node "
           "%zu)",
           s->path, r->n_nodes, diff ? diff : "none", at);
    expect(r->runs == runs && r->warmup == warmup && (int)r->threads == info.threads &&
               strcmp(r->kernels, info.kernels) == 0 && !r->cached,
           "%s: runs %u warmup %u threads %u kernels %s, not cached", s->path, r->runs, r->warmup,
           r->threads, r->kernels);
    expect(strcmp(r->model_name, s->name) == 0 && r->model_sha256.len == 32 &&
               memcmp(r->model_sha256.data, s->sha, 32) == 0,
           "%s: the reply names the model and its hash", s->path);
    check_times(r, s->path);

    /* (2) The same request again: from the cache, the same numbers. */
    double t0 = seam_clock_s();
    answer b = profile(ch, s->name, s->sha, runs, warmup, 0, NULL, 10000);
    double dt = seam_clock_s() - t0;
    bool same = b.reply && b.reply->total_ms == r->total_ms && b.reply->n_nodes == r->n_nodes;
    for (size_t i = 0; same && i < r->n_nodes; i++)
      same = b.reply->nodes[i]->median_ms == r->nodes[i]->median_ms;
    expect(b.code == 0 && b.reply && b.reply->cached && same,
           "%s: a repeated request is answered from the cache with the same numbers (%.1f ms)",
           s->path, dt * 1e3);
    answer_free(&b);
  }
  answer_free(&a);
  seam_profile_free(local);
}

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* Asks for small uncached profiles (runs 1, a warm-up count nothing else
 * uses) until the worker is no longer busy with another, for up to 10 s.
 * Returns the seconds that took, or -1. */
static double wait_idle(seam_grpc_channel *ch, const served *s) {
  static uint32_t warmup = 2; /* runs 1 with warm-up 2..100: only asked here */
  double t0 = seam_clock_s();
  while (seam_clock_s() - t0 < 10 && warmup <= 100) {
    answer a = profile(ch, s->name, s->sha, 1, warmup++, 0, NULL, 30000);
    int code = a.code;
    answer_free(&a);
    if (code == SEAM_RPC_OK) return seam_clock_s() - t0;
    if (code != SEAM_RPC_RESOURCE_EXHAUSTED) return -1;
    sleep_ms(100);
  }
  return -1;
}

/* A profile of LONG_RUNS + LONG_WARMUP runs at batch LONG_BATCH (the
 * worker's default batch limit) takes tens of seconds. */
#define LONG_RUNS 1000
#define LONG_WARMUP 100
#define LONG_BATCH 64

/* The name of the first symbolic dimension of the model's first input. */
static const char *symbolic_dim(const seam_model *m) {
  seam_value_info info;
  if (seam_model_input_info(m, 0, &info) != SEAM_OK) return NULL;
  for (int d = 0; d < info.rank; d++)
    if (info.dims[d] < 0 && info.dim_names[d]) return info.dim_names[d];
  return NULL;
}

/* (3) The error statuses. */
static void check_errors(seam_grpc_channel *ch, const served *s) {
  uint8_t wrong[32];
  memcpy(wrong, s->sha, 32);
  wrong[5] ^= 0x40;
  const char *dim = symbolic_dim(s->model);
  if (!dim) fatal("the first model has no named symbolic input dimension");
  char zero[64], negative[64], huge[64], three[64];
  snprintf(zero, sizeof zero, "%s=0", dim);
  snprintf(negative, sizeof negative, "%s=-3", dim);
  snprintf(huge, sizeof huge, "%s=1000000000", dim);
  snprintf(three, sizeof three, "%s=3", dim);
  const char *d_zero[1] = {zero}, *d_negative[1] = {negative}, *d_huge[1] = {huge},
             *d_unknown[1] = {"no_such_dim=2"};
  struct {
    const char *what, *name;
    const uint8_t *sha;
    uint32_t runs, warmup;
    const char *const *dims;
    int want;
    const char *says;
  } cases[] = {
      {"wrong sha256", s->name, wrong, 2, 1, NULL, SEAM_RPC_FAILED_PRECONDITION,
       "this worker serves sha256"},
      {"missing sha256", s->name, NULL, 2, 1, NULL, SEAM_RPC_FAILED_PRECONDITION, "not 32"},
      {"unknown model", "no_such_model", s->sha, 2, 1, NULL, SEAM_RPC_NOT_FOUND, "no_such_model"},
      {"runs 1001", s->name, s->sha, 1001, 1, NULL, SEAM_RPC_INVALID_ARGUMENT, "at most 1000"},
      {"warmup 101", s->name, s->sha, 2, 101, NULL, SEAM_RPC_INVALID_ARGUMENT, "at most 100"},
      {"unknown dim", s->name, s->sha, 2, 1, d_unknown, SEAM_RPC_INVALID_ARGUMENT, "no_such_dim"},
      {"dim 0", s->name, s->sha, 2, 1, d_zero, SEAM_RPC_INVALID_ARGUMENT, ">= 1"},
      {"dim -3", s->name, s->sha, 2, 1, d_negative, SEAM_RPC_INVALID_ARGUMENT, ">= 1"},
      {"dim 1e9", s->name, s->sha, 2, 1, d_huge, SEAM_RPC_RESOURCE_EXHAUSTED, "tensor limit"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    answer a = profile(ch, cases[i].name, cases[i].sha, cases[i].runs, cases[i].warmup,
                       cases[i].dims ? 1 : 0, cases[i].dims, 10000);
    expect(a.code == cases[i].want && strstr(a.text, cases[i].says), "%s: %s '%s'", cases[i].what,
           seam_rpc_code_name(a.code), a.text);
    check_status(&a, cases[i].what);
    answer_free(&a);
  }

  /* Not a ProfileRequest at all. */
  uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
  char text[512] = "";
  int code = seam_grpc_call(ch, "/seam.v1.Seam/Profile", junk, sizeof junk, 10000, NULL, NULL, text,
                            sizeof text);
  expect(code == SEAM_RPC_INVALID_ARGUMENT, "malformed request: %s '%s'", seam_rpc_code_name(code),
         text);

  /* A symbolic dimension set by name: the first node's output scales. */
  answer one = profile(ch, s->name, s->sha, 2, 1, 0, NULL, 60000);
  const char *d_three[1] = {three};
  answer more = profile(ch, s->name, s->sha, 2, 1, 1, d_three, 60000);
  expect(one.reply && more.reply && one.code == 0 && more.code == 0 && one.reply->n_nodes > 0 &&
             more.reply->n_nodes == one.reply->n_nodes &&
             more.reply->nodes[0]->output_bytes == 3 * one.reply->nodes[0]->output_bytes,
         "dims %s: the first node writes 3x the bytes (%lld vs %lld)", three,
         more.reply && more.reply->n_nodes ? (long long)more.reply->nodes[0]->output_bytes : -1LL,
         one.reply && one.reply->n_nodes ? (long long)one.reply->nodes[0]->output_bytes : -1LL);
  answer_free(&one);
  answer_free(&more);

  /* A deadline of 1 ms on a profile that takes seconds: whichever side
   * notices first (the client's timer, or the worker at arrival or between
   * runs), the answer is DEADLINE_EXCEEDED, never OK, however loaded the
   * machine; and the worker stops at once instead of profiling on. */
  char batch[64];
  snprintf(batch, sizeof batch, "%s=%d", symbolic_dim(s->model), LONG_BATCH);
  const char *d_batch[1] = {batch};
  answer a = profile(ch, s->name, s->sha, LONG_RUNS, LONG_WARMUP, 1, d_batch, 1);
  expect(a.code == SEAM_RPC_DEADLINE_EXCEEDED, "expired deadline: %s", seam_rpc_code_name(a.code));
  answer_free(&a);
  expect(wait_idle(ch, s) >= 0, "the worker is free again after the expired call");
}

/* (4) A long profile and its deadline, on a thread. */
typedef struct long_call {
  seam_grpc_channel *ch;
  const served *s;
  const char *const *dims;
  int timeout_ms;
  answer result;
  double seconds;
  volatile int done;
} long_call;


static void *run_long(void *arg) {
  long_call *c = arg;
  double t0 = seam_clock_s();
  c->result =
      profile(c->ch, c->s->name, c->s->sha, LONG_RUNS, LONG_WARMUP, 1, c->dims, c->timeout_ms);
  c->seconds = seam_clock_s() - t0;
  __atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void check_one_at_a_time(seam_grpc_channel *ch, const served *s, uint32_t cached_runs,
                                uint32_t cached_warmup) {
  /* A large batch makes every run take a while: 1100 of them take far
   * longer than the deadline. */
  char big[64];
  snprintf(big, sizeof big, "%s=%d", symbolic_dim(s->model), LONG_BATCH);
  const char *dims[1] = {big};
  long_call c = {.ch = ch, .s = s, .dims = dims, .timeout_ms = 1500};
  pthread_t t;
  if (pthread_create(&t, NULL, run_long, &c) != 0) fatal("pthread_create");

  /* While it runs: a new profile is refused at once, a cached one is
   * answered. Each try asks for another batch size, so none is in the
   * cache. */
  int busy = 0, tries = 0;
  const char *dim = symbolic_dim(s->model);
  for (int n = 1; n <= 60 && !busy && !__atomic_load_n(&c.done, __ATOMIC_ACQUIRE); n++) {
    sleep_ms(50);
    tries++;
    char batch[64];
    snprintf(batch, sizeof batch, "%s=%d", dim, n);
    const char *d[1] = {batch};
    answer a = profile(ch, s->name, s->sha, 1, 1, 1, d, 10000);
    busy = a.code == SEAM_RPC_RESOURCE_EXHAUSTED && strstr(a.text, "another profile is running");
    answer_free(&a);
  }
  expect(busy, "a second profile while one runs: RESOURCE_EXHAUSTED (after %d tries)", tries);
  answer cached = profile(ch, s->name, s->sha, cached_runs, cached_warmup, 0, NULL, 10000);
  bool still_running = !__atomic_load_n(&c.done, __ATOMIC_ACQUIRE);
  expect(cached.code == 0 && cached.reply && cached.reply->cached,
         "a cached profile is answered while another runs (%s, still running: %d)",
         seam_rpc_code_name(cached.code), still_running);
  answer_free(&cached);
  pthread_join(t, NULL);
  expect(c.result.code == SEAM_RPC_DEADLINE_EXCEEDED && c.seconds < 10,
         "the long profile ends with DEADLINE_EXCEEDED after %.2f s: %s", c.seconds, c.result.text);
  answer_free(&c.result);

  /* The worker stopped at the deadline, within a run: the slot is free
   * again soon (1100 runs of this batch would keep it busy for tens of
   * seconds). */
  double idle = wait_idle(ch, s);
  expect(idle >= 0, "the worker profiles again %.2f s after the deadline", idle);

  /* Nothing of the stopped profile was kept: asking again runs it again
   * (and again meets a deadline) instead of answering from the cache. */
  answer again = profile(ch, s->name, s->sha, LONG_RUNS, LONG_WARMUP, 1, dims, 300);
  expect(again.code == SEAM_RPC_DEADLINE_EXCEEDED,
         "the stopped profile left nothing in the cache: %s", seam_rpc_code_name(again.code));
  answer_free(&again);
}

int main(int argc, char **argv) {
  const char *exe = NULL;
  served models[MAX_MODELS];
  int n_models = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seam-cloud"))
      exe = argv[i + 1];
    else if (!strcmp(argv[i], "--model") && n_models < MAX_MODELS)
      models[n_models++].path = argv[i + 1];
  }
  if (!exe || n_models == 0) {
    fprintf(stderr,
            "usage: test_cloud_profile --seam-cloud PATH --model M.onnx [--model M2.onnx ...]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  snprintf(repo_dir, sizeof repo_dir, "/tmp/seam-profile-test-XXXXXX");
  if (!mkdtemp(repo_dir)) {
    repo_dir[0] = '\0';
    fatal("mkdtemp");
  }
  for (int i = 0; i < n_models; i++) {
    served *s = &models[i];
    snprintf(s->name, sizeof s->name, "m%d", i);
    char dir[128], file[160];
    snprintf(dir, sizeof dir, "%s/%s", repo_dir, s->name);
    snprintf(file, sizeof file, "%s/model.onnx", dir);
    if (mkdir(dir, 0755) != 0 || !worker_copy_model(s->path, file, s->sha))
      fatal("cannot build the repository");
  }
  char mb[16], why[128];
  snprintf(mb, sizeof mb, "%d", MAX_MESSAGE_MB);
  const char *extra[] = {"--max-message-mb", mb, NULL};
  int port = worker_start(exe, repo_dir, extra, &worker_pid, why, sizeof why);
  if (port < 0) fatal(why);
  printf("worker pid %d on port %d\n", (int)worker_pid, port);

  seam_error err = {0};
  for (int i = 0; i < n_models; i++)
    if (!(models[i].model = seam_model_load(models[i].path, &err))) fatal(err.message);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  seam_grpc_channel *ch = seam_grpc_channel_open(target, (size_t)64 << 20, &err);
  if (!ch) fatal(err.message);
  if (!rpc_wait_healthy(ch, 10))
    fatal("the worker's health check did not answer SERVING within 10 s");

  /* Few runs: the node list does not depend on how many. */
  for (int i = 0; i < n_models; i++) check_same_nodes(ch, &models[i], i == 0 ? 5 : 2, 1);
  check_errors(ch, &models[0]);
  check_one_at_a_time(ch, &models[0], 5, 1);

  seam_grpc_channel_close(ch);
  int status = worker_stop(&worker_pid, 10);
  expect(status == 0, "SIGTERM: the worker exits with status %d", status);
  for (int i = 0; i < n_models; i++) seam_model_free(models[i].model);
  worker_cleanup(&worker_pid, repo_dir);
  printf("%s (%d failure%s)\n", failures ? "FAILED" : "PASSED", failures, failures == 1 ? "" : "s");
  return failures ? 1 : 0;
}

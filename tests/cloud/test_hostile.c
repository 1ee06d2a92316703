/* seam-cloud against hostile and careless peers, on loopback.
 *
 *   test_hostile --seam-cloud PATH --model MODEL.onnx [--only NAME]
 *
 * Each part starts a real worker (127.0.0.1, a free port) with the limits
 * it needs and checks that what a request says cannot make the worker hold
 * memory, compute or descriptors beyond its documented limits, that the
 * worker's trouble reaches clients as a status that says "not done here"
 * (so the edge finishes on the device), and that well-behaved clients keep
 * their deadlines while others misbehave:
 *   limits     tiny requests asking for a huge batch or more memory than
 *              the request limit, many shapes against the plan cache bound,
 *              a name repeated 200 000 times, weights named as inputs or
 *              wanted tensors, a probe asking for a 64 MB reply;
 *   compute    a Profile of ~1 100 runs whose client is killed stops at once;
 *              while one runs, health, ModelInfo and inferences still answer;
 *              requests waiting past their budget are never answered OK;
 *   fds        400 silent connections against a 256-descriptor limit: the
 *              listener survives, slow handshakes and idle connections are
 *              closed, the connection cap holds;
 *   repository a bad model, an empty folder and an unusable version folder
 *              beside a good model: the good one is served, the others
 *              reported by the log, health checks and ModelInfo;
 *   drain      SIGTERM with requests queued: they are answered UNAVAILABLE;
 *   load       three hostile clients for several seconds beside a
 *              well-behaved one, which keeps every deadline, while the
 *              worker's peak RSS stays under its bound.
 * Every wait is bounded; workers are killed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hex.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/health.pb-c.h"
#include "protocol/seam.pb-c.h"
#include "runtime/graph.h"
#include "runtime/model.h"
#include "seam/runtime.h"
#include "tests/cloud/check.h"
#include "tests/cloud/rpc.h"
#include "tests/cloud/worker.h"

int check_failures;

static const char *exe, *model_path;
static uint8_t sha[32];
static char repo[64] = "";
static pid_t worker = -1;
static char weight_name[256]; /* a constant (weight) of the model */
static int bound_port;          /* of the worker start() started last */

/* Under AddressSanitizer the worker's resident memory also holds shadow
 * memory and redzones (the quarantine of freed blocks is turned off for
 * it in main): its growth bounds get twice the room. */
#if defined(__SANITIZE_ADDRESS__)
#define RSS_SLACK 2
#define UNDER_ASAN 1
#else
#define RSS_SLACK 1
#define UNDER_ASAN 0
#endif

#define MODEL "fashion"
#define INPUT "image"

static void cleanup(void) { worker_cleanup(&worker, repo); }

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* Starts the worker on the repository with extra flags; returns a channel. */
static seam_grpc_channel *start(const char *const *extra, const char *log_path, int nofile) {
  char why[160], target[64];
  worker_options o = {.log_path = log_path, .nofile = nofile};
  int port = worker_start_with(exe, repo, extra, &o, &worker, why, sizeof why);
  if (port < 0) die(why);
  bound_port = port;
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  seam_error err;
  seam_grpc_channel *ch = seam_grpc_channel_open(target, (size_t)128 << 20, &err);
  if (!ch) die(err.message);
  if (!rpc_wait_healthy(ch, 20)) die("the worker never answered its health check");
  return ch;
}


static void stop(seam_grpc_channel *ch) {
  seam_grpc_channel_close(ch);
  int rc = worker_stop(&worker, 15);
  CHECK(rc == 0, "the worker exited with %d after SIGTERM", rc);
}

/* An Infer request for `batch` zero images (zstd compresses them to a few
 * hundred bytes), wanting n_wanted names (NULL: the graph outputs). */
typedef struct request {
  uint8_t *bytes;
  size_t size;
} request;

static request make_infer(int64_t batch, const char *input_name, char **wanted, size_t n_wanted,
                          uint32_t budget_ms, const char *id) {
  int64_t dims[4] = {batch, 1, 28, 28};
  seam_error err;
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, dims, &err);
  if (!x) die(err.message);
  seam_codec_options opt = {.encoding = SEAM_ENCODING_RAW, .zstd_level = 1};
  Seam__V1__Tensor t;
  if (seam_codec_encode(x, input_name, &opt, &t, NULL, &err) != SEAM_OK) die(err.message);
  seam_tensor_free(x);
  Seam__V1__Tensor *inputs[1] = {&t};
  Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
  rq.model_name = (char *)MODEL;
  rq.model_sha256.data = sha;
  rq.model_sha256.len = 32;
  rq.request_id = (char *)id;
  rq.budget_ms = budget_ms;
  rq.n_inputs = 1;
  rq.inputs = inputs;
  rq.n_wanted = n_wanted;
  rq.wanted = wanted;
  request r = {.size = seam__v1__infer_request__get_packed_size(&rq)};
  if (!(r.bytes = malloc(r.size ? r.size : 1))) die("out of memory");
  seam__v1__infer_request__pack(&rq, r.bytes);
  seam_codec_msg_clear(&t);
  return r;
}

/* Sends a packed Infer; returns the code, the message in text and the
 * worker's total_us (when a reply came) in *worker_us. */
static int send_infer(seam_grpc_channel *ch, const request *r, int timeout_ms, char *text, size_t text_size,
                      uint64_t *worker_us) {
  uint8_t *reply = NULL;
  size_t size = 0;
  int code = seam_grpc_call(ch, "/seam.v1.Seam/Infer", r->bytes, r->size, timeout_ms, &reply, &size, text,
                            text_size);
  if (worker_us) *worker_us = 0;
  if (reply) {
    Seam__V1__InferReply *rep = seam__v1__infer_reply__unpack(NULL, size, reply);
    CHECK(rep && rep->status && (int)rep->status->code == code, "the reply's status is not the call's");
    if (rep && rep->timings && worker_us) *worker_us = rep->timings->total_us;
    if (rep) seam__v1__infer_reply__free_unpacked(rep, NULL);
  }
  free(reply);
  return code;
}

static int infer_once(seam_grpc_channel *ch, int64_t batch, const char *input_name, char **wanted,
                      size_t n_wanted, char *text, size_t text_size, size_t *request_size) {
  request r = make_infer(batch, input_name, wanted, n_wanted, 0, "hostile");
  if (request_size) *request_size = r.size;
  int code = send_infer(ch, &r, 30000, text, text_size, NULL);
  free(r.bytes);
  return code;
}

static long rss_kb(void) { return worker_status_kb(worker, "VmRSS"); }

static bool health(seam_grpc_channel *ch, const char *service, int timeout_ms, int *status) {
  Grpc__Health__V1__HealthCheckRequest rq = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
  rq.service = (char *)service;
  uint8_t *reply = NULL;
  size_t size = 0;
  int code = rpc_call(ch, "/grpc.health.v1.Health/Check", &rq.base, timeout_ms, &reply, &size, NULL, 0);
  *status = code == 0 ? -1 : -2 - code;
  if (code == 0 && reply) {
    Grpc__Health__V1__HealthCheckResponse *r = grpc__health__v1__health_check_response__unpack(NULL, size, reply);
    if (r) *status = r->status;
    if (r) grpc__health__v1__health_check_response__free_unpacked(r, NULL);
  }
  free(reply);
  return code == 0;
}

static int model_info(seam_grpc_channel *ch, const char *name, int timeout_ms, char *text, size_t text_size) {
  Seam__V1__ModelInfoRequest rq = SEAM__V1__MODEL_INFO_REQUEST__INIT;
  rq.model_name = (char *)name;
  return rpc_call(ch, "/seam.v1.Seam/ModelInfo", &rq.base, timeout_ms, NULL, NULL, text, text_size);
}

/* ---- limits ------------------------------------------------------------ */

static void test_limits(void) {
  const char *extra[] = {"--max-request-mb", "8", "--plan-cache-mb", "12", NULL};
  seam_grpc_channel *ch = start(extra, NULL, 0);
  char text[512];
  size_t size = 0;
  CHECK(infer_once(ch, 1, INPUT, NULL, 0, text, sizeof text, NULL) == SEAM_RPC_OK, "batch 1: %s", text);
  long base = rss_kb();

  /* A few hundred bytes asking for a batch of 2 000 (and 40 000). */
  int code = infer_once(ch, 2000, INPUT, NULL, 0, text, sizeof text, &size);
  CHECK(code == SEAM_RPC_RESOURCE_EXHAUSTED && strstr(text, "batch"), "batch 2000: %s '%s'",
        seam_rpc_code_name(code), text);
  printf("ok a %zu-byte request for batch 2000: %s\n", size, seam_rpc_code_name(code));
  code = infer_once(ch, 40000, INPUT, NULL, 0, text, sizeof text, &size);
  CHECK(code == SEAM_RPC_RESOURCE_EXHAUSTED, "batch 40000: %s '%s'", seam_rpc_code_name(code), text);
  /* Within the batch limit but over the request's memory (8 MiB). */
  code = infer_once(ch, 64, INPUT, NULL, 0, text, sizeof text, &size);
  CHECK(code == SEAM_RPC_RESOURCE_EXHAUSTED && strstr(text, "limit"), "batch 64 over 8 MiB: %s '%s'",
        seam_rpc_code_name(code), text);
  printf("ok batch 64 over the 8 MiB request limit: %s\n", text);

  /* Nine shapes that each fit: the plan cache keeps at most 12 MiB. */
  int ok = 0;
  for (int b = 20; b < 29; b++) ok += infer_once(ch, b, INPUT, NULL, 0, text, sizeof text, NULL) == SEAM_RPC_OK;
  long grown = rss_kb() - base;
  CHECK(ok == 9, "only %d of 9 shapes within the limit answered", ok);
  CHECK(grown < RSS_SLACK * 32 * 1024, "nine shapes left %ld kB resident (bound: 12 MiB of plans + 8 MiB of request)",
        grown);
  printf("ok nine batch shapes 20..28 answered, resident growth %ld kB (plan cache 12 MiB)\n", grown);

  /* A name twice, and 200 000 times (a 5 MB request). */
  char *twice[2] = {(char *)"/stem/relu/Relu_output_0", (char *)"/stem/relu/Relu_output_0"};
  code = infer_once(ch, 1, INPUT, twice, 2, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, "twice"), "a name twice: %s '%s'",
        seam_rpc_code_name(code), text);
  enum { MANY = 200000 };
  char **many = malloc(sizeof *many * MANY);
  if (!many) die("out of memory");
  for (int i = 0; i < MANY; i++) many[i] = twice[0];
  base = rss_kb();
  code = infer_once(ch, 1, INPUT, many, MANY, text, sizeof text, &size);
  free(many);
  grown = rss_kb() - base;
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT, "a name 200000 times: %s '%s'", seam_rpc_code_name(code), text);
  CHECK(grown < RSS_SLACK * 32 * 1024, "a name 200000 times left %ld kB resident", grown);
  printf("ok a %zu-byte request naming one tensor 200000 times: %s, resident growth %ld kB\n", size,
         seam_rpc_code_name(code), grown);

  /* A weight as a wanted tensor, and as an input. */
  char *weight[1] = {weight_name};
  code = infer_once(ch, 1, INPUT, weight, 1, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, "constant"), "wanting weight '%s': %s '%s'",
        weight_name, seam_rpc_code_name(code), text);
  code = infer_once(ch, 1, weight_name, NULL, 0, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, "constant"), "sending weight '%s': %s '%s'",
        weight_name, seam_rpc_code_name(code), text);
  printf("ok weight '%s' refused as wanted tensor and as input\n", weight_name);

  /* An 8-byte probe asking for a 64 MB reply. */
  Seam__V1__EchoRequest er = SEAM__V1__ECHO_REQUEST__INIT;
  er.reply_bytes = 64u << 20;
  uint8_t *reply = NULL;
  size_t reply_size = 0;
  code = rpc_call(ch, "/seam.v1.Seam/Echo", &er.base, 10000, &reply, &reply_size, text, sizeof text);
  CHECK(code == SEAM_RPC_OK && reply_size <= (1u << 20) + 64, "Echo of 64 MB: %s, a %zu-byte reply",
        seam_rpc_code_name(code), reply_size);
  printf("ok Echo asking for 64 MB: a %zu-byte reply\n", reply_size);
  free(reply);
  stop(ch);
}

/* ---- compute ----------------------------------------------------------- */

/* A child process that asks for a long profile with no deadline and is
 * killed, as a client that goes away. */
static pid_t long_profile_client(int port) {
  /* gRPC must not be used across fork(): the child execs this program. */
  pid_t pid = fork();
  if (pid != 0) return pid;
  char port_text[16], hex[65];
  snprintf(port_text, sizeof port_text, "%d", port);
  seam_hex_encode(sha, 32, hex);
  execl("/proc/self/exe", "test_hostile", "--profile-client", port_text, hex, (char *)NULL);
  _exit(127);
}

/* A Profile of the model with 1 000 runs: long enough to be stopped. */
static Seam__V1__ProfileRequest long_profile(void) {
  Seam__V1__ProfileRequest rq = SEAM__V1__PROFILE_REQUEST__INIT;
  rq.model_name = (char *)MODEL;
  rq.model_sha256.data = sha;
  rq.model_sha256.len = 32;
  rq.runs = 1000;
  rq.warmup = 100;
  return rq;
}

/* The child of long_profile_client, after exec. */
static int profile_client_main(int port, const char *hex) {
  if (!seam_hex_decode(hex, sha, 32)) {
    fprintf(stderr, "--profile-client: '%s' is not a SHA-256 in hex\n", hex);
    return 2;
  }
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  seam_grpc_channel *ch = seam_grpc_channel_open(target, 0, NULL);
  Seam__V1__DimValue dim = SEAM__V1__DIM_VALUE__INIT;
  dim.name = (char *)"N";
  dim.value = 64;
  Seam__V1__DimValue *dims[1] = {&dim};
  Seam__V1__ProfileRequest rq = long_profile();
  rq.n_dims = 1;
  rq.dims = dims;
  rpc_call(ch, "/seam.v1.Seam/Profile", &rq.base, 3600 * 1000, NULL, NULL, NULL, 0);
  return 0;
}

/* A new short profile is accepted (not refused as "another profile is
 * running") within seconds; returns how long that took, or -1. */
static double profile_slot_free(seam_grpc_channel *ch, double seconds) {
  static uint32_t warmup = 1;
  double t0 = seam_clock_s();
  while (seam_clock_s() - t0 < seconds && warmup < 100) {
    Seam__V1__ProfileRequest rq = SEAM__V1__PROFILE_REQUEST__INIT;
    rq.model_name = (char *)MODEL;
    rq.model_sha256.data = sha;
    rq.model_sha256.len = 32;
    rq.runs = 1;
    rq.warmup = warmup++;
    int code = rpc_call(ch, "/seam.v1.Seam/Profile", &rq.base, 10000, NULL, NULL, NULL, 0);
    if (code == SEAM_RPC_OK) return seam_clock_s() - t0;
    if (code != SEAM_RPC_RESOURCE_EXHAUSTED) return -1;
    sleep_ms(50);
  }
  return -1;
}

typedef struct infer_thread {
  seam_grpc_channel *ch;
  uint32_t budget_ms;
  int timeout_ms;
  int code;
  uint64_t worker_us;
  double seconds;
} infer_thread;

static void *run_infer_thread(void *arg) {
  infer_thread *t = arg;
  request r = make_infer(1, INPUT, NULL, 0, t->budget_ms, "queued");
  char text[512];
  double t0 = seam_clock_s();
  t->code = send_infer(t->ch, &r, t->timeout_ms, text, sizeof text, &t->worker_us);
  t->seconds = seam_clock_s() - t0;
  free(r.bytes);
  return NULL;
}

/* The wait the worker's Echo reports for model (queue_us), or -1 when
 * Echo fails. */
static double echo_queue_ms(seam_grpc_channel *ch, const char *model) {
  Seam__V1__EchoRequest er = SEAM__V1__ECHO_REQUEST__INIT;
  er.model_name = (char *)model;
  uint8_t *reply = NULL;
  size_t size = 0;
  int code = rpc_call(ch, "/seam.v1.Seam/Echo", &er.base, 3000, &reply, &size, NULL, 0);
  Seam__V1__EchoReply *e = code == SEAM_RPC_OK && reply ? seam__v1__echo_reply__unpack(NULL, size, reply) : NULL;
  free(reply);
  double ms = e ? (double)e->queue_us / 1e3 : -1;
  if (e) seam__v1__echo_reply__free_unpacked(e, NULL);
  return ms;
}

static void run_infers(infer_thread *t, int n) {
  pthread_t th[16];
  for (int i = 0; i < n; i++)
    if (pthread_create(&th[i], NULL, run_infer_thread, &t[i]) != 0) die("pthread_create");
  for (int i = 0; i < n; i++) pthread_join(th[i], NULL);
}

static void test_compute(void) {
  seam_grpc_channel *ch = start(NULL, NULL, 0);
  int port = bound_port;
  char text[512];

  /* A client of a ~1 100-run profile goes away: the worker stops it. */
  pid_t client = long_profile_client(port);
  sleep_ms(300);
  double busy_t0 = seam_clock_s();
  /* While it runs, health, ModelInfo and inferences answer. */
  int hs;
  bool h = health(ch, "", 3000, &hs);
  CHECK(h && hs == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING,
        "health during a profile did not answer SERVING within 3 s");
  CHECK(model_info(ch, MODEL, 3000, text, sizeof text) == SEAM_RPC_OK, "ModelInfo during a profile: %s", text);
  infer_thread t[4];
  for (int i = 0; i < 4; i++) t[i] = (infer_thread){.ch = ch, .budget_ms = 20000, .timeout_ms = 20000};
  run_infers(t, 4);
  int ok = 0;
  double slowest = 0;
  for (int i = 0; i < 4; i++) {
    ok += t[i].code == SEAM_RPC_OK;
    if (t[i].seconds > slowest) slowest = t[i].seconds;
  }
  CHECK(ok == 4, "only %d of 4 inferences answered while a profile ran", ok);
  printf("ok during a long profile: health, ModelInfo and 4 inferences answered (slowest %.0f ms)\n",
         slowest * 1e3);
  double still = profile_slot_free(ch, 0.3);
  CHECK(still < 0, "the long profile was not running (a new one was accepted)");
  kill(client, SIGKILL);
  waitpid(client, NULL, 0);
  double freed = profile_slot_free(ch, 10);
  CHECK(freed >= 0 && freed < 5, "the profile of a killed client still held the worker %.2f s later", freed);
  printf("ok a killed client's profile stopped: the worker profiled again %.2f s later (%.1f s after it began)\n",
         freed, seam_clock_s() - busy_t0);
  stop(ch);

  /* Requests that wait past their budget are never answered OK. */
  const char *slow[] = {"--debug-delay-ms", "300", NULL};
  ch = start(slow, NULL, 0);
  for (int i = 0; i < 4; i++) t[i] = (infer_thread){.ch = ch, .budget_ms = 500, .timeout_ms = 5000};
  run_infers(t, 4);
  int late = 0, expired = 0;
  for (int i = 0; i < 4; i++) {
    if (t[i].code == SEAM_RPC_OK && t[i].worker_us > 500 * 1000 + 100 * 1000) late++;
    expired += t[i].code == SEAM_RPC_DEADLINE_EXCEEDED;
    CHECK(t[i].code == SEAM_RPC_OK || t[i].code == SEAM_RPC_DEADLINE_EXCEEDED, "a queued request: %s",
          seam_rpc_code_name(t[i].code));
    CHECK(t[i].seconds < 3, "a queued request with a 500 ms budget was answered after %.2f s", t[i].seconds);
  }
  CHECK(late == 0 && expired >= 1, "%d requests answered OK past their budget, %d expired", late, expired);
  printf("ok 4 requests of budget 500 ms behind 300 ms each: %d answered DEADLINE_EXCEEDED, none OK late\n",
         expired);

  /* Echo tells a client how long its request would wait: nothing on an
   * idle worker; while 4 requests of 300 ms queue for one compute thread,
   * at least most of one request's time (the last one waits 900 ms). */
  double idle_wait = echo_queue_ms(ch, MODEL);
  CHECK(idle_wait == 0, "Echo on an idle worker reports a %.1f ms wait", idle_wait);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    t[i] = (infer_thread){.ch = ch, .budget_ms = 20000, .timeout_ms = 20000};
    if (pthread_create(&th[i], NULL, run_infer_thread, &t[i]) != 0) die("pthread_create");
  }
  double busiest = 0, any_model = 0, until = seam_clock_s() + 5;
  for (int i = 0; i < 250 && seam_clock_s() < until && busiest < 200; i++) {
    double w = echo_queue_ms(ch, MODEL), a = echo_queue_ms(ch, NULL);
    if (w > busiest) busiest = w;
    if (a > any_model) any_model = a;
    sleep_ms(20);
  }
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  CHECK(busiest >= 200 && busiest < 5000, "Echo reported at most a %.0f ms wait while 4 requests of 300 ms queued",
        busiest);
  CHECK(any_model > 0, "Echo without a model name reported no wait while the only model was busy");
  double after = echo_queue_ms(ch, MODEL);
  CHECK(after == 0, "Echo reports a %.1f ms wait once the queue is empty", after);
  printf("ok Echo reports the queue: 0 idle, %.0f ms behind 4 requests of 300 ms, 0 after\n", busiest);
  stop(ch);
}

/* ---- descriptors and connections ---------------------------------------- */

static int connect_silent(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static bool log_has(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  char line[2048];
  bool found = false;
  while (f && !found && fgets(line, sizeof line, f)) found = strstr(line, needle) != NULL;
  if (f) fclose(f);
  return found;
}

/* Waits until the worker holds at most n descriptors; false after seconds. */
static bool fds_drop_to(int n, double seconds) {
  double until = seam_clock_s() + seconds;
  while (seam_clock_s() < until) {
    int c = worker_fd_count(worker);
    if (c >= 0 && c <= n) return true;
    sleep_ms(100);
  }
  return false;
}

#define SILENT 400

static void test_fds(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2048 && rl.rlim_max >= 2048) {
    rl.rlim_cur = 2048;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  char log_path[128];
  snprintf(log_path, sizeof log_path, "%s/fds.log", repo);
  const char *extra[] = {"--handshake-timeout-ms", "8000", NULL};
  seam_grpc_channel *ch = start(extra, log_path, 256);
  int port = bound_port;
  seam_grpc_channel_close(ch);
  int base = worker_fd_count(worker);
  int fds[SILENT], opened = 0, held = 0;
  double t0 = seam_clock_s();
  for (int i = 0; i < SILENT; i++) {
    if ((fds[opened] = connect_silent(port)) >= 0) opened++;
    int c = worker_fd_count(worker);
    if (c > held) held = c;
  }
  printf("  %d connections in %.2f s\n", opened, seam_clock_s() - t0);
  sleep_ms(300);
  if (worker_fd_count(worker) > held) held = worker_fd_count(worker);
  CHECK(held >= 0 && held < 256, "the worker holds %d descriptors of its 256", held);
  CHECK(log_has(log_path, "event=connection_refused"), "no connection was refused");
  /* Slow handshakes are closed: the listener is still alive and serves. */
  CHECK(fds_drop_to(base + 8, 30), "silent connections still held: %d descriptors (base %d)",
        worker_fd_count(worker), base);
  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  ch = seam_grpc_channel_open(target, 0, NULL);
  CHECK(ch && rpc_wait_healthy(ch, 10), "the worker does not accept after %d silent connections", opened);
  CHECK(!log_has(log_path, "Failed accept4"), "the listener hit the descriptor limit");
  printf("ok %d silent connections against 256 descriptors: at most %d held, closed after the handshake "
         "timeout, the worker serves again\n",
         opened, held);
  for (int i = 0; i < opened; i++) close(fds[i]);
  stop(ch);

  /* The connection cap, and idle connections closed. */
  const char *capped[] = {"--max-connections", "16", "--idle-timeout-ms", "1000", NULL};
  ch = start(capped, NULL, 0);
  port = bound_port;
  seam_grpc_channel_close(ch);
  base = worker_fd_count(worker);
  opened = 0;
  for (int i = 0; i < 40; i++)
    if ((fds[opened] = connect_silent(port)) >= 0) opened++;
  sleep_ms(300);
  held = worker_fd_count(worker) - base;
  CHECK(held <= 16, "%d connections held with --max-connections 16", held);
  for (int i = 0; i < opened; i++) close(fds[i]);
  CHECK(fds_drop_to(base, 5), "closed connections still held");
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  ch = seam_grpc_channel_open(target, 0, NULL);
  CHECK(ch && rpc_wait_healthy(ch, 10), "no health answer after the cap");
  CHECK(fds_drop_to(base, 5), "an idle gRPC connection was not closed after 1 s (%d descriptors, base %d)",
        worker_fd_count(worker), base);
  printf("ok --max-connections 16: %d of 40 held; an idle connection closed after --idle-timeout-ms\n", held);
  stop(ch);
}

/* ---- repository --------------------------------------------------------- */

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0) die("cannot write a test file");
}

static void test_repository(void) {
  char path[256], log_path[128];
  snprintf(path, sizeof path, "%s/bad", repo);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/bad/model.onnx", repo);
  write_file(path, "this is not an ONNX model");
  snprintf(path, sizeof path, "%s/empty", repo);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/%s/99999999999999999999999", repo, MODEL);
  mkdir(path, 0700);
  snprintf(path, sizeof path, "%s/%s/99999999999999999999999/model.onnx", repo, MODEL);
  write_file(path, "not a model either");
  snprintf(log_path, sizeof log_path, "%s/repo.log", repo);
  seam_grpc_channel *ch = start(NULL, log_path, 0);
  char text[512];
  int hs;
  CHECK(infer_once(ch, 1, INPUT, NULL, 0, text, sizeof text, NULL) == SEAM_RPC_OK, "the good model: %s", text);
  CHECK(health(ch, "", 2000, &hs) && hs == 1, "overall health is not SERVING");
  CHECK(health(ch, MODEL, 2000, &hs) && hs == 1, "the good model is not SERVING");
  CHECK(health(ch, "bad", 2000, &hs) && hs == 2, "the bad model is not NOT_SERVING (%d)", hs);
  CHECK(health(ch, "empty", 2000, &hs) && hs == 2, "the empty folder is not NOT_SERVING (%d)", hs);
  CHECK(!health(ch, "nope", 2000, &hs), "an unknown service answered");
  int code = model_info(ch, "bad", 2000, text, sizeof text);
  CHECK(code == SEAM_RPC_UNAVAILABLE && strstr(text, "failed to load"), "ModelInfo of the bad model: %s '%s'",
        seam_rpc_code_name(code), text);
  CHECK(log_has(log_path, "event=model_failed model=bad"), "the bad model is not in the log");
  CHECK(log_has(log_path, "event=model_failed model=empty"), "the empty folder is not in the log");
  CHECK(log_has(log_path, "event=version_skipped model=" MODEL), "the unusable version folder is not in the log");
  printf("ok a bad model, an empty folder and an unusable version folder: the good model served, the rest "
         "reported (%s)\n",
         text);
  stop(ch);
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s/bad' '%s/empty' '%s/%s/99999999999999999999999'", repo, repo, repo, MODEL);
  if (system(cmd) != 0) die("cannot clean the repository");
}

/* ---- drain ---------------------------------------------------------------- */

static void test_drain(void) {
  const char *slow[] = {"--debug-delay-ms", "400", NULL};
  seam_grpc_channel *ch = start(slow, NULL, 0);
  infer_thread t[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    t[i] = (infer_thread){.ch = ch, .budget_ms = 0, .timeout_ms = 10000};
    if (pthread_create(&th[i], NULL, run_infer_thread, &t[i]) != 0) die("pthread_create");
  }
  sleep_ms(150);
  kill(worker, SIGTERM);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  int ok = 0, unavailable = 0;
  for (int i = 0; i < 4; i++) {
    ok += t[i].code == SEAM_RPC_OK;
    unavailable += t[i].code == SEAM_RPC_UNAVAILABLE;
  }
  CHECK(ok >= 1 && ok + unavailable == 4, "SIGTERM with 4 requests: %d OK, %d UNAVAILABLE, %d other", ok,
        unavailable, 4 - ok - unavailable);
  printf("ok SIGTERM with 4 requests in flight: %d finished, %d answered UNAVAILABLE\n", ok, unavailable);
  stop(ch);
}

/* ---- load ----------------------------------------------------------------- */

typedef struct load_state {
  seam_grpc_channel *ch;
  atomic_bool stop;
  int good_calls, good_failed;
  double good_worst_s;
  atomic_int hostile_calls;
} load_state;

static void *hostile_client(void *arg) {
  load_state *s = arg;
  char text[512];
  char *twice[2] = {(char *)"logits", (char *)"logits"};
  for (int i = 0; !atomic_load(&s->stop) && i < 100000; i++) {
    switch (i % 6) {
      case 0:
        infer_once(s->ch, 2000, INPUT, NULL, 0, text, sizeof text, NULL);
        break;
      case 1:
        infer_once(s->ch, 64, INPUT, NULL, 0, text, sizeof text, NULL);
        break;
      case 2:
        infer_once(s->ch, 1, INPUT, twice, 2, text, sizeof text, NULL);
        break;
      case 3: {
        Seam__V1__EchoRequest er = SEAM__V1__ECHO_REQUEST__INIT;
        er.reply_bytes = 64u << 20;
        rpc_call(s->ch, "/seam.v1.Seam/Echo", &er.base, 2000, NULL, NULL, NULL, 0);
        break;
      }
      case 4: {
        Seam__V1__ProfileRequest rq = long_profile();
        rpc_call(s->ch, "/seam.v1.Seam/Profile", &rq.base, 300, NULL, NULL, NULL, 0);
        break;
      }
      default: {
        uint8_t junk[64];
        for (size_t k = 0; k < sizeof junk; k++) junk[k] = (uint8_t)(k * 37 + (size_t)i);
        seam_grpc_call(s->ch, "/seam.v1.Seam/Infer", junk, sizeof junk, 2000, NULL, NULL, NULL, 0);
      }
    }
    atomic_fetch_add(&s->hostile_calls, 1);
  }
  return NULL;
}

static void test_load(void) {
  const char *extra[] = {"--max-request-mb", "64", "--plan-cache-mb", "64", NULL};
  seam_grpc_channel *ch = start(extra, NULL, 0);
  char text[512];
  CHECK(infer_once(ch, 1, INPUT, NULL, 0, text, sizeof text, NULL) == SEAM_RPC_OK, "warm-up: %s", text);
  long base = worker_status_kb(worker, "VmRSS");
  load_state s = {.ch = ch};
  atomic_init(&s.stop, false);
  atomic_init(&s.hostile_calls, 0);
  pthread_t hostile[3];
  for (int i = 0; i < 3; i++)
    if (pthread_create(&hostile[i], NULL, hostile_client, &s) != 0) die("pthread_create");
  /* The well-behaved client: one request at a time, a 10 s deadline (what
   * it must never meet is a refusal or a failure; its latency is printed). */
  double until = seam_clock_s() + 6;
  request good = make_infer(1, INPUT, NULL, 0, 0, "good");
  while (seam_clock_s() < until) {
    double t0 = seam_clock_s();
    int code = send_infer(ch, &good, 10000, text, sizeof text, NULL);
    double dt = seam_clock_s() - t0;
    s.good_calls++;
    if (code != SEAM_RPC_OK) {
      s.good_failed++;
      fprintf(stderr, "good request: %s '%s'\n", seam_rpc_code_name(code), text);
    }
    if (dt > s.good_worst_s) s.good_worst_s = dt;
    sleep_ms(20);
  }
  free(good.bytes);
  atomic_store(&s.stop, true);
  for (int i = 0; i < 3; i++) pthread_join(hostile[i], NULL);
  long peak = worker_status_kb(worker, "VmHWM");
  /* The bound for this configuration (docs/reliability.md): what the worker
   * held before, plus the plan cache, one request's memory on its one lane,
   * and messages in flight. */
  long bound = base + (64 + 64 + 128) * 1024;
  CHECK(s.good_failed == 0, "%d of %d well-behaved requests failed", s.good_failed, s.good_calls);
  CHECK(peak > 0 && peak < bound, "peak RSS %ld kB over the bound %ld kB", peak, bound);
  printf("ok under %d hostile calls from 3 clients: %d well-behaved requests all OK (slowest %.0f ms), "
         "worker RSS %ld kB before, peak %ld kB (bound %ld kB)\n",
         atomic_load(&s.hostile_calls), s.good_calls, s.good_worst_s * 1e3, base, peak, bound);
  stop(ch);
}

/* ---- main ----------------------------------------------------------------- */

/* The name of one weight the loaded (optimized) graph keeps. */
static void find_weight(void) {
  seam_error err;
  seam_model *m = seam_model_load(model_path, &err);
  if (!m) die(err.message);
  const seam_graph *g = m->graph;
  for (int v = 0; v < g->n_values && !weight_name[0]; v++)
    if (g->values[v].constant && seam_tensor_count(g->values[v].constant) > 16)
      snprintf(weight_name, sizeof weight_name, "%s", g->values[v].name);
  seam_model_free(m);
  if (!weight_name[0]) die("the model has no weight");
}

int main(int argc, char **argv) {
  const char *only = NULL;
  if (argc == 4 && !strcmp(argv[1], "--profile-client")) return profile_client_main(atoi(argv[2]), argv[3]);
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seam-cloud")) exe = argv[i + 1];
    else if (!strcmp(argv[i], "--model")) model_path = argv[i + 1];
    else if (!strcmp(argv[i], "--only")) only = argv[i + 1];
  }
  if (!exe || !model_path) {
    fprintf(stderr, "usage: test_hostile --seam-cloud PATH --model MODEL.onnx [--only NAME]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  if (UNDER_ASAN) {
    /* Freed blocks held back by the quarantine would read as memory the
     * worker keeps. */
    const char *asan = getenv("ASAN_OPTIONS");
    char opts[512];
    snprintf(opts, sizeof opts, "%s%squarantine_size_mb=0", asan ? asan : "", asan && *asan ? ":" : "");
    setenv("ASAN_OPTIONS", opts, 1);
  }
  find_weight();
  snprintf(repo, sizeof repo, "/tmp/seam-hostile-XXXXXX");
  if (!mkdtemp(repo)) die("mkdtemp");
  char dir[128], file[160];
  snprintf(dir, sizeof dir, "%s/%s", repo, MODEL);
  snprintf(file, sizeof file, "%s/model.onnx", dir);
  if (mkdir(dir, 0700) != 0 || !worker_copy_model(model_path, file, sha)) die("cannot build the repository");
  static const struct {
    const char *name;
    void (*run)(void);
  } parts[] = {{"limits", test_limits},     {"compute", test_compute}, {"fds", test_fds},
               {"repository", test_repository}, {"drain", test_drain},     {"load", test_load}};
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    if (only && strcmp(only, parts[i].name) != 0) continue;
    printf("== %s\n", parts[i].name);
    fflush(stdout);
    parts[i].run();
  }
  cleanup();
  printf("%s (%d failure%s)\n", check_failures ? "FAILED" : "PASSED", check_failures,
         check_failures == 1 ? "" : "s");
  return check_failures ? 1 : 0;
}

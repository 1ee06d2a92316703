/* Integration test of InferStream on loopback: the worker's stream handling,
 * the transport's stream client and libseam-edge's stream API.
 *
 *   test_stream --seam-cloud PATH --model MODEL/model.onnx --samples SAMPLES.npy
 *
 * Starts real seam-cloud workers on 127.0.0.1 (ports from their stdout)
 * serving a temporary repository REPO/<folder of the model>/model.onnx:
 *  - 64 frames (the samples 4 times) pipelined with >= 4 in flight, RAW
 *    bit-identical to a local seam_model_run, INT8+zstd with the same top-1;
 *    the "cloud" and "local" cuts through the stream API;
 *  - the transport alone: in one stream a wrong SHA-256 gets
 *    FAILED_PRECONDITION, a garbage message INVALID_ARGUMENT with an empty
 *    request_id, an unknown model NOT_FOUND, and the requests around them
 *    succeed; the stream ends with OK; a client's cancel, a message over
 *    the worker's size limit (RESOURCE_EXHAUSTED) and a stream deadline
 *    (DEADLINE_EXCEEDED) end the stream without harming the worker;
 *  - flow control: a client that sends 100 requests with 1 MiB replies and
 *    reads none stops the worker reading its stream (the worker's log
 *    counts what it handled), and reading replies lets it go on;
 *  - 4 threads, each with its own stream, x 50 frames;
 *  - a worker slower than the frame deadline (--debug-delay-ms): every frame
 *    falls back on the device, exact;
 *  - a worker killed (SIGKILL) with frames in flight: every frame comes
 *    back, fell_back = 1, exact; later frames too;
 *  - SIGTERM with streams open (one idle, one with frames in flight): the
 *    worker exits before its 3 s drain limit, the frames it had read are
 *    answered, every frame still comes back;
 *  - with --seam: `seam run --remote --cut T --stream` writes the same
 *    outputs as `seam run`.
 * Each worker exits 0 after SIGTERM (under the sanitizers a leak would make
 * it non-zero). Every wait is bounded; an alarm ends the test after 150 s. */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "runtime/tensor.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/worker.h"

#define CUT "/stage2/relu2/Relu_output_0"
#define N_SAMPLES_MAX 64
#define FRAMES 64
#define THREADS 4
#define PER_THREAD 50
#define DELAY_MS 400     /* the slow worker's --debug-delay-ms */
#define DEADLINE_MS 150  /* frame deadline the slow worker cannot meet */
#define TIME_LIMIT_S 150

static atomic_int failures; /* threads check too */
#define N_WORKERS 4
static pid_t workers[N_WORKERS] = {-1, -1, -1, -1};
static char repo[64] = "";
static char model_name[256];
static uint8_t model_sha[32];
static const char *model_path;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      failures++;                                                     \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

/* The samples, one tensor each, and the local run's outputs for each. */
static seam_tensor *samples[N_SAMPLES_MAX];
static seam_tensor *expected[N_SAMPLES_MAX];
static int expected_top[N_SAMPLES_MAX];
static int n_samples;
static const char *input_name; /* the model's graph input */

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

static void cleanup(void) {
  for (int i = 0; i < N_WORKERS; i++)
    if (workers[i] > 0) {
      kill(workers[i], SIGKILL);
      waitpid(workers[i], NULL, 0);
      workers[i] = -1;
    }
  if (repo[0]) {
    worker_remove_dir(repo);
    repo[0] = '\0';
  }
}

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: test_stream took over its time limit; aborting\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
  for (int i = 0; i < N_WORKERS; i++)
    if (workers[i] > 0) kill(workers[i], SIGKILL);
  _exit(1);
}

/* Starts worker `slot` (extra options may be NULL); returns "127.0.0.1:PORT". */
static void start_worker(int slot, const char *exe, const char *const *extra, char *endpoint,
                         size_t size) {
  char why[128];
  int port = worker_start(exe, repo, extra, &workers[slot], why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, size, "127.0.0.1:%d", port);
}

/* SIGTERM, then the worker's exit status within limit_s; -1 when it had to
 * be killed. *took receives the seconds it took. */
static int stop_worker(int slot, double limit_s, double *took) {
  pid_t pid = workers[slot];
  if (pid <= 0) return -1;
  double t0 = seam_clock_s();
  kill(pid, SIGTERM);
  int status = 0;
  while (seam_clock_s() < t0 + limit_s) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      workers[slot] = -1;
      if (took) *took = seam_clock_s() - t0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    sleep_ms(10);
  }
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  workers[slot] = -1;
  if (took) *took = seam_clock_s() - t0;
  return -1;
}

static bool same_tensor(const seam_tensor *a, const seam_tensor *b) {
  return a && b && seam_tensor_dtype(a) == seam_tensor_dtype(b) && a->rank == b->rank &&
         memcmp(a->dims, b->dims, sizeof(int64_t) * (size_t)a->rank) == 0 &&
         seam_tensor_nbytes(a) == seam_tensor_nbytes(b) &&
         memcmp(a->data, b->data, seam_tensor_nbytes(a)) == 0;
}

static int top1(const seam_tensor *t) {
  const float *row = (const float *)t->data;
  int best = 0;
  for (int64_t j = 1; j < t->count; j++)
    if (row[j] > row[best]) best = (int)j;
  return best;
}

/* Splits the [N,1,28,28] samples into N tensors of batch 1 and runs each
 * through the whole model locally: the reference. */
static void load_samples(const char *path, seam_model *model) {
  seam_error err;
  seam_value_info info;
  if (seam_model_input_info(model, 0, &info) != SEAM_OK) die("the model has no input");
  input_name = info.name;
  seam_tensor *all = seam_tensor_load_npy(path, &err);
  if (!all) die(err.message);
  if (all->rank < 2 || all->dims[0] < 1) die("the samples need a batch dimension");
  n_samples = (int)(all->dims[0] < N_SAMPLES_MAX ? all->dims[0] : N_SAMPLES_MAX);
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, all->dims, sizeof(int64_t) * (size_t)all->rank);
  dims[0] = 1;
  size_t bytes = seam_tensor_nbytes(all) / (size_t)all->dims[0];
  for (int i = 0; i < n_samples; i++) {
    samples[i] = seam_tensor_create(seam_tensor_dtype(all), (size_t)all->rank, dims, &err);
    if (!samples[i]) die(err.message);
    memcpy(samples[i]->data, (const char *)all->data + bytes * (size_t)i, bytes);
    if (seam_model_run(model, 1, &input_name, (const seam_tensor *const *)&samples[i], 1, NULL,
                       &expected[i], &err) != SEAM_OK)
      die(err.message);
    expected_top[i] = top1(expected[i]);
  }
  seam_tensor_free(all);
}

static seam_edge_session *open_session(const char *ep, const char *cut, seam_edge_codec codec,
                                       int zstd, int deadline_ms) {
  seam_edge_config cfg = {.model_path = model_path, .endpoint = ep, .cut = cut,
                          .deadline_ms = deadline_ms, .codec = codec, .zstd_level = zstd,
                          .threads = 1};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) die(err.message);
  return s;
}

/* What one receive returned. */
typedef struct result {
  seam_status status;
  uint64_t tag;
  seam_edge_timing timing;
  seam_tensor *out;
  char message[SEAM_ERROR_MESSAGE_SIZE];
} result;

static seam_status receive(seam_edge_stream *st, result *r, int timeout_ms) {
  seam_error err = {0};
  r->out = NULL;
  r->tag = UINT64_MAX;
  r->status = seam_edge_stream_receive(st, 1, &r->out, &r->tag, &r->timing, timeout_ms, &err);
  snprintf(r->message, sizeof r->message, "%s", err.message);
  return r->status;
}

/* Checks one frame's result: OK, outputs equal to the local run (exact, or
 * the same top-1), remote or fallen back as expected. */
typedef enum expect_kind { EXPECT_REMOTE, EXPECT_FELL_BACK, EXPECT_LOCAL, EXPECT_ANY } expect_kind;

static bool check_result(const result *r, bool exact, expect_kind kind, const char *what) {
  int before = atomic_load(&failures);
  CHECK(r->status == SEAM_OK, "%s: frame %llu: %s", what, (unsigned long long)r->tag, r->message);
  if (r->status != SEAM_OK) return false;
  int s = (int)(r->tag % (uint64_t)n_samples);
  if (exact)
    CHECK(same_tensor(r->out, expected[s]), "%s: frame %llu differs from the local run", what,
          (unsigned long long)r->tag);
  else
    CHECK(r->out && top1(r->out) == expected_top[s], "%s: frame %llu changes the top-1", what,
          (unsigned long long)r->tag);
  if (kind == EXPECT_REMOTE)
    CHECK(r->timing.remote && !r->timing.fell_back, "%s: frame %llu remote %d fell_back %d (%s)",
          what, (unsigned long long)r->tag, r->timing.remote, r->timing.fell_back, r->message);
  if (kind == EXPECT_FELL_BACK)
    CHECK(!r->timing.remote && r->timing.fell_back && strstr(r->message, "fell back"),
          "%s: frame %llu remote %d fell_back %d (%s)", what, (unsigned long long)r->tag,
          r->timing.remote, r->timing.fell_back, r->message);
  if (kind == EXPECT_LOCAL)
    CHECK(!r->timing.remote && !r->timing.fell_back, "%s: frame %llu should stay local", what,
          (unsigned long long)r->tag);
  return atomic_load(&failures) == before;
}

/* Submits n frames (tags first..first+n-1, sample = tag % n_samples) on the
 * stream, keeping up to `depth` in flight, and checks every result. Returns
 * the largest number in flight seen. */
static int pipeline(seam_edge_stream *st, int first, int n, int depth, bool exact, expect_kind kind,
                    const char *what) {
  bool *seen = calloc((size_t)n, sizeof *seen);
  if (!seen) die("out of memory");
  int submitted = 0, received = 0, max_in_flight = 0;
  double until = seam_clock_s() + 30;
  while (received < n && seam_clock_s() < until) {
    while (submitted < n && seam_edge_stream_in_flight(st) < depth) {
      seam_error err;
      int tag = first + submitted;
      seam_status rc = seam_edge_stream_submit(st, 1, NULL,
                                               (const seam_tensor *const *)&samples[tag % n_samples],
                                               (uint64_t)tag, &err);
      CHECK(rc == SEAM_OK, "%s: submit %d: %s", what, tag, err.message);
      if (rc != SEAM_OK) break;
      submitted++;
    }
    int now_in_flight = seam_edge_stream_in_flight(st);
    if (now_in_flight > max_in_flight) max_in_flight = now_in_flight;
    result r;
    if (receive(st, &r, 5000) == SEAM_ERR_AGAIN) {
      CHECK(false, "%s: no frame within 5 s (%s)", what, r.message);
      break;
    }
    check_result(&r, exact, kind, what);
    int idx = (int)r.tag - first;
    if (r.tag != UINT64_MAX && idx >= 0 && idx < n) {
      CHECK(!seen[idx], "%s: frame %d came back twice", what, idx + first);
      seen[idx] = true;
    } else {
      CHECK(false, "%s: unknown tag %llu", what, (unsigned long long)r.tag);
    }
    seam_tensor_free(r.out);
    received++;
  }
  CHECK(received == n, "%s: %d of %d frames came back", what, received, n);
  free(seen);
  return max_in_flight;
}

/* ---- the transport alone ---- */

/* Packs an InferRequest carrying one cut tensor (RAW). */
static uint8_t *pack_request(const char *name, const uint8_t *sha, const char *id,
                             const seam_tensor *cut, size_t *size) {
  seam_codec_options opt = {0};
  Seam__V1__Tensor t;
  seam_error err;
  if (seam_codec_encode(cut, CUT, &opt, &t, NULL, &err) != SEAM_OK) die(err.message);
  Seam__V1__Tensor *inputs[1] = {&t};
  Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
  rq.model_name = (char *)name;
  rq.model_sha256.data = (uint8_t *)sha;
  rq.model_sha256.len = 32;
  rq.request_id = (char *)id;
  rq.n_inputs = 1;
  rq.inputs = inputs;
  rq.reply_encoding = SEAM__V1__ENCODING__ENCODING_RAW;
  *size = seam__v1__infer_request__get_packed_size(&rq);
  uint8_t *buf = malloc(*size);
  if (!buf) die("out of memory");
  seam__v1__infer_request__pack(&rq, buf);
  seam_codec_msg_clear(&t);
  return buf;
}

/* Reads a stream that must end without a reply within 5 s, and checks
 * its status. */
static void expect_end(seam_grpc_stream *st, int code, const char *what) {
  uint8_t *data = NULL;
  size_t size = 0;
  double t0 = seam_clock_s();
  seam_grpc_recv_result r = seam_grpc_stream_recv(st, &data, &size, 5000);
  free(data);
  CHECK(r == SEAM_GRPC_RECV_END && seam_clock_s() - t0 < 2, "%s: the stream does not end (%d)", what, r);
  int got = seam_grpc_stream_finish(st, 5000, NULL, 0);
  CHECK(got == code, "%s: the stream ended with %s, not %s", what, seam_rpc_code_name(got),
        seam_rpc_code_name(code));
}

static void test_transport(const char *endpoint, const char *slow_endpoint, seam_model *model) {
  seam_error err;
  seam_grpc_channel *ch = seam_grpc_channel_open(endpoint, (size_t)64 << 20, &err);
  if (!ch) die(err.message);
  seam_tensor *cut[2] = {NULL, NULL};
  const char *cut_name = CUT;
  for (int i = 0; i < 2; i++)
    if (seam_model_run(model, 1, &input_name, (const seam_tensor *const *)&samples[i], 1,
                       &cut_name, &cut[i], &err) != SEAM_OK)
      die(err.message);
  uint8_t bad_sha[32];
  memcpy(bad_sha, model_sha, 32);
  bad_sha[0] ^= 0xff;

  /* One stream: good, wrong hash, good, garbage, unknown model, good. */
  static const struct {
    const char *id;
    int sample; /* -1: garbage bytes */
    int bad_sha, unknown_model;
    int code;
  } plan[] = {{"ok-0", 0, 0, 0, SEAM_RPC_OK},
              {"bad-sha", 1, 1, 0, SEAM_RPC_FAILED_PRECONDITION},
              {"ok-1", 1, 0, 0, SEAM_RPC_OK},
              {"", -1, 0, 0, SEAM_RPC_INVALID_ARGUMENT},
              {"no-model", 0, 0, 1, SEAM_RPC_NOT_FOUND},
              {"ok-2", 0, 0, 0, SEAM_RPC_OK}};
  enum { N_PLAN = sizeof plan / sizeof plan[0] };
  seam_grpc_stream *st = seam_grpc_stream_open(ch, "/seam.v1.Seam/InferStream", 20000, &err);
  CHECK(st != NULL, "open a stream: %s", err.message);
  if (st) {
    for (int i = 0; i < N_PLAN; i++) {
      size_t size;
      uint8_t *buf;
      static const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34};
      if (plan[i].sample < 0) {
        size = sizeof garbage;
        buf = malloc(size);
        if (!buf) die("out of memory");
        memcpy(buf, garbage, size);
      } else {
        buf = pack_request(plan[i].unknown_model ? "no_such_model" : model_name,
                           plan[i].bad_sha ? bad_sha : model_sha, plan[i].id, cut[plan[i].sample],
                           &size);
      }
      int code = seam_grpc_stream_send(st, buf, size, 5000);
      CHECK(code == 0, "send %s: %s", plan[i].id, seam_rpc_code_name(code));
      free(buf);
    }
    CHECK(seam_grpc_stream_close_send(st, 5000) == 0, "half-close");
    bool got[N_PLAN] = {false};
    int replies = 0;
    for (int k = 0; k < N_PLAN + 2; k++) {
      uint8_t *data = NULL;
      size_t size = 0;
      seam_grpc_recv_result r = seam_grpc_stream_recv(st, &data, &size, 5000);
      if (r != SEAM_GRPC_RECV_MESSAGE) {
        CHECK(r == SEAM_GRPC_RECV_END, "the stream neither ends nor answers within 5 s");
        break;
      }
      replies++;
      Seam__V1__InferReply *rp = seam__v1__infer_reply__unpack(NULL, size, data);
      free(data);
      CHECK(rp && rp->status, "a reply that is not an InferReply");
      if (!rp || !rp->status) continue;
      int i = 0;
      while (i < N_PLAN && strcmp(plan[i].id, rp->request_id) != 0) i++;
      CHECK(i < N_PLAN && !got[i], "unexpected request_id '%s'", rp->request_id);
      if (i < N_PLAN && !got[i]) {
        got[i] = true;
        CHECK((int)rp->status->code == plan[i].code, "'%s': %s (%s), expected %s", plan[i].id,
              seam_rpc_code_name((int)rp->status->code), rp->status->message,
              seam_rpc_code_name(plan[i].code));
        if (plan[i].code == SEAM_RPC_OK) {
          CHECK(rp->n_outputs == 1, "'%s': %zu outputs", plan[i].id, rp->n_outputs);
          seam_tensor *out =
              rp->n_outputs == 1 ? seam_codec_decode(rp->outputs[0], 1 << 20, NULL, &err) : NULL;
          CHECK(same_tensor(out, expected[plan[i].sample]), "'%s': output differs from local",
                plan[i].id);
          seam_tensor_free(out);
        } else {
          CHECK(rp->n_outputs == 0 && rp->status->message[0], "'%s': outputs or no message",
                plan[i].id);
        }
      }
      seam__v1__infer_reply__free_unpacked(rp, NULL);
    }
    CHECK(replies == N_PLAN, "%d replies to %d requests", replies, N_PLAN);
    char message[256];
    int code = seam_grpc_stream_finish(st, 5000, message, sizeof message);
    CHECK(code == SEAM_RPC_OK, "the stream ended with %s: %s", seam_rpc_code_name(code), message);
    seam_grpc_stream_free(st);
  }

  /* A client that cancels mid-stream, and one that half-closes at once. */
  for (int round = 0; round < 2; round++) {
    st = seam_grpc_stream_open(ch, "/seam.v1.Seam/InferStream", 0, &err);
    CHECK(st != NULL, "open: %s", err.message);
    if (!st) continue;
    if (round == 0) {
      for (int i = 0; i < 3; i++) {
        size_t size;
        uint8_t *buf = pack_request(model_name, model_sha, "cancelled", cut[0], &size);
        seam_grpc_stream_send(st, buf, size, 5000);
        free(buf);
      }
      seam_grpc_stream_cancel(st);
      char message[256];
      int code = seam_grpc_stream_finish(st, 5000, message, sizeof message);
      CHECK(code == SEAM_RPC_CANCELLED, "a cancelled stream ends with %s", seam_rpc_code_name(code));
    } else {
      CHECK(seam_grpc_stream_close_send(st, 5000) == 0, "half-close");
      expect_end(st, SEAM_RPC_OK, "an empty stream");
    }
    seam_grpc_stream_free(st);
  }

  /* A message over the worker's limit (--max-message-mb 1) ends the stream
   * with RESOURCE_EXHAUSTED; the worker goes on serving. */
  st = seam_grpc_stream_open(ch, "/seam.v1.Seam/InferStream", 10000, &err);
  CHECK(st != NULL, "open: %s", err.message);
  if (st) {
    size_t big = (size_t)2 << 20;
    uint8_t *zeros = calloc(big, 1);
    if (!zeros) die("out of memory");
    seam_grpc_stream_send(st, zeros, big, 5000); /* may fail: the worker refuses it */
    free(zeros);
    expect_end(st, SEAM_RPC_RESOURCE_EXHAUSTED, "a message over the size limit");
    seam_grpc_stream_free(st);
  }
  seam_grpc_channel_close(ch);

  /* The stream's own deadline, on the slow worker: DEADLINE_EXCEEDED. */
  ch = seam_grpc_channel_open(slow_endpoint, (size_t)64 << 20, &err);
  if (!ch) die(err.message);
  st = seam_grpc_stream_open(ch, "/seam.v1.Seam/InferStream", DELAY_MS / 2, &err);
  CHECK(st != NULL, "open: %s", err.message);
  if (st) {
    size_t size;
    uint8_t *buf = pack_request(model_name, model_sha, "late", cut[0], &size);
    seam_grpc_stream_send(st, buf, size, 5000);
    free(buf);
    expect_end(st, SEAM_RPC_DEADLINE_EXCEEDED, "a stream past its deadline");
    seam_grpc_stream_free(st);
  }
  seam_grpc_channel_close(ch);
  seam_tensor_free(cut[0]);
  seam_tensor_free(cut[1]);
  printf("transport: per-reply errors, cancel, empty stream, size limit and stream deadline "
         "checked\n");
}

/* ---- flow control ---- */

#define FLOW_REQUESTS 100
/* Every activation of the demo model for a batch of FLOW_BATCH samples:
 * replies of about 900 KB, so that a few fill the connection's buffers. */
#define FLOW_BATCH 4
static const char *const flow_wanted[] = {
    "/stem/relu/Relu_output_0",           "/stage1/relu1/Relu_output_0",
    "/stage1/shortcut/conv/Conv_output_0", "/stage1/conv2/Conv_output_0",
    "/stage1/relu2/Relu_output_0",        "/stage2/relu1/Relu_output_0",
    "/stage2/shortcut/conv/Conv_output_0", "/stage2/conv2/Conv_output_0",
    "/stage2/relu2/Relu_output_0",        "logits"};
#define FLOW_WANTED (sizeof flow_wanted / sizeof flow_wanted[0])

/* Requests the worker has handled so far, from its log. */
static int count_handled(const char *log_path) {
  FILE *f = fopen(log_path, "r");
  char line[1024];
  int n = 0;
  while (f && fgets(line, sizeof line, f)) n += strstr(line, "request_id=flow ") != NULL;
  if (f) fclose(f);
  return n;
}

/* The handled count once it has stayed the same for 500 ms, polling every
 * 50 ms for at most limit_ms. */
static int wait_handled_settles(const char *log_path, int limit_ms) {
  int last = count_handled(log_path), same_ms = 0;
  for (int waited = 0; waited < limit_ms && same_ms < 500; waited += 50) {
    sleep_ms(50);
    int now = count_handled(log_path);
    same_ms = now == last && now > 0 ? same_ms + 50 : 0;
    last = now;
  }
  return last;
}

static void test_flow_control(const char *cloud_exe) {
  char log_path[128], endpoint[64], why[128];
  snprintf(log_path, sizeof log_path, "%s/flow.log", repo);
  int port = worker_start_logged(cloud_exe, repo, NULL, log_path, &workers[3], why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  seam_error err;
  seam_grpc_channel *ch = seam_grpc_channel_open(endpoint, (size_t)64 << 20, &err);
  if (!ch) die(err.message);
  seam_grpc_stream *st = seam_grpc_stream_open(ch, "/seam.v1.Seam/InferStream", 0, &err);
  CHECK(st != NULL, "open: %s", err.message);
  if (st) {
    seam_codec_options opt = {0};
    Seam__V1__Tensor t;
    int64_t dims[SEAM_MAX_RANK];
    memcpy(dims, samples[0]->dims, sizeof(int64_t) * (size_t)samples[0]->rank);
    dims[0] = FLOW_BATCH;
    seam_tensor *batch = seam_tensor_create(seam_tensor_dtype(samples[0]), (size_t)samples[0]->rank, dims, &err);
    if (!batch) die(err.message);
    size_t one = seam_tensor_nbytes(samples[0]);
    for (int i = 0; i < FLOW_BATCH; i++) memcpy((char *)batch->data + one * (size_t)i, samples[0]->data, one);
    if (seam_codec_encode(batch, input_name, &opt, &t, NULL, &err) != SEAM_OK) die(err.message);
    seam_tensor_free(batch);
    Seam__V1__Tensor *inputs[1] = {&t};
    char *wanted[FLOW_WANTED];
    for (size_t i = 0; i < FLOW_WANTED; i++) wanted[i] = (char *)flow_wanted[i];
    Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
    rq.model_name = model_name;
    rq.model_sha256.data = model_sha;
    rq.model_sha256.len = 32;
    rq.request_id = (char *)"flow";
    rq.n_inputs = 1;
    rq.inputs = inputs;
    rq.n_wanted = FLOW_WANTED;
    rq.wanted = wanted;
    size_t size = seam__v1__infer_request__get_packed_size(&rq);
    uint8_t *buf = malloc(size);
    if (!buf) die("out of memory");
    seam__v1__infer_request__pack(&rq, buf);
    seam_codec_msg_clear(&t);
    int sent = 0;
    while (sent < FLOW_REQUESTS && seam_grpc_stream_send(st, buf, size, 2000) == 0) sent++;
    free(buf);
    /* The worker handles what fits in the windows, then stops: wait until
     * its count has not moved for 500 ms (bounded at 20 s, enough for a
     * first plan built under the sanitizers on a loaded machine). */
    int stalled = wait_handled_settles(log_path, 20000);
    CHECK(stalled < sent / 2, "a client reading nothing: the worker handled %d of %d requests",
          stalled, sent);
    /* Reading replies lets the worker read on. */
    int read = 0;
    for (int i = 0; i < 10; i++) {
      uint8_t *data = NULL;
      size_t n = 0;
      if (seam_grpc_stream_recv(st, &data, &n, 5000) == SEAM_GRPC_RECV_MESSAGE) read++;
      free(data);
    }
    int resumed = stalled;
    for (int i = 0; i < 2000 && resumed <= stalled; i++) {
      sleep_ms(10);
      resumed = count_handled(log_path);
    }
    CHECK(read == 10 && resumed > stalled, "after reading %d replies the worker handled %d (was %d)",
          read, resumed, stalled);
    printf("flow control: %d requests sent unread, the worker handled %d; after 10 replies read, "
           "%d\n", sent, stalled, resumed);
    seam_grpc_stream_cancel(st);
    seam_grpc_stream_free(st);
  }
  seam_grpc_channel_close(ch);
  double took = 0;
  int rc = stop_worker(3, 10, &took);
  CHECK(rc == 0, "the flow-control worker exited with %d after %.2f s", rc, took);
}

/* ---- the CLI ---- */

static void test_cli(const char *seam_exe, const char *samples_path, const char *endpoint) {
  char local[128], streamed[128], cmd[2048];
  snprintf(local, sizeof local, "%s/local.npy", repo);
  snprintf(streamed, sizeof streamed, "%s/stream.npy", repo);
  snprintf(cmd, sizeof cmd, "timeout 60 '%s' run --model '%s' --input '%s' --output '%s' > /dev/null",
           seam_exe, model_path, samples_path, local);
  CHECK(system(cmd) == 0, "%s", cmd);
  snprintf(cmd, sizeof cmd,
           "timeout 60 '%s' run --model '%s' --input '%s' --output '%s' --remote %s --cut %s "
           "--stream --deadline-ms 10000 > '%s/stream.txt'",
           seam_exe, model_path, samples_path, streamed, endpoint, CUT, repo);
  CHECK(system(cmd) == 0, "%s", cmd);
  seam_error err;
  seam_tensor *a = seam_tensor_load_npy(local, &err), *b = seam_tensor_load_npy(streamed, &err);
  CHECK(a && b && same_tensor(a, b), "seam run --stream writes other outputs than seam run");
  seam_tensor_free(a);
  seam_tensor_free(b);
  /* One breakdown line per frame, every frame on the worker. */
  char path[160], line[512];
  snprintf(path, sizeof path, "%s/stream.txt", repo);
  FILE *f = fopen(path, "r");
  int frames = 0, on_worker = 0;
  while (f && fgets(line, sizeof line, f)) {
    frames += strstr(line, "  frame ") == line;
    on_worker += strstr(line, "  frame ") == line && strstr(line, ": worker ");
  }
  if (f) fclose(f);
  CHECK(frames == n_samples && on_worker == n_samples, "seam run --stream printed %d frames, %d "
        "on the worker, for %d samples", frames, on_worker, n_samples);
  printf("seam run --stream: %d frames, same outputs as seam run\n", frames);
}

/* ---- threads ---- */

typedef struct thread_arg {
  seam_edge_session *s;
  int index;
} thread_arg;

static void *thread_main(void *p) {
  thread_arg *a = p;
  seam_error err;
  seam_edge_stream *st = seam_edge_stream_open(a->s, 4, &err);
  CHECK(st != NULL, "thread %d: open: %s", a->index, err.message);
  if (st) pipeline(st, a->index * PER_THREAD, PER_THREAD, 4, true, EXPECT_REMOTE, "threads");
  seam_edge_stream_close(st);
  return NULL;
}

int main(int argc, char **argv) {
  const char *cloud_exe = NULL, *samples_path = NULL, *seam_exe = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seam-cloud") == 0) cloud_exe = argv[i + 1];
    else if (strcmp(argv[i], "--model") == 0) model_path = argv[i + 1];
    else if (strcmp(argv[i], "--samples") == 0) samples_path = argv[i + 1];
    else if (strcmp(argv[i], "--seam") == 0) seam_exe = argv[i + 1];
  }
  if (!cloud_exe || !model_path || !samples_path) {
    fprintf(stderr, "usage: test_stream --seam-cloud PATH --model DIR/model.onnx --samples S.npy"
                    " [--seam PATH]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, on_alarm);
  alarm((unsigned)(TIME_LIMIT_S * worker_time_scale()));
  double t_start = seam_clock_s();

  /* The model's name in the repository: the folder holding model.onnx. */
  const char *slash = strrchr(model_path, '/');
  const char *start = slash ? slash : model_path;
  while (start > model_path && start[-1] != '/') start--;
  snprintf(model_name, sizeof model_name, "%.*s", slash ? (int)(slash - start) : 5,
           slash ? start : "model");

  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.num_threads = 1;
  seam_error err;
  seam_model *model = seam_model_load_with(model_path, &opts, &err);
  if (!model) die(err.message);
  load_samples(samples_path, model);

  strcpy(repo, "/tmp/seam-stream-test-XXXXXX");
  if (!mkdtemp(repo)) die("mkdtemp");
  char dir[512], dst[600];
  snprintf(dir, sizeof dir, "%s/%s", repo, model_name);
  snprintf(dst, sizeof dst, "%s/model.onnx", dir);
  if (mkdir(dir, 0700) != 0 || !worker_copy_model(model_path, dst, model_sha))
    die("cannot make the repository");
  char fast[64], slow[64], term[64];
  char delay[16];
  snprintf(delay, sizeof delay, "%d", DELAY_MS);
  const char *slow_args[] = {"--debug-delay-ms", delay, NULL};
  const char *fast_args[] = {"--max-message-mb", "1", NULL};
  start_worker(0, cloud_exe, fast_args, fast, sizeof fast);
  start_worker(1, cloud_exe, slow_args, slow, sizeof slow);
  printf("workers on %s and %s (slow: %d ms per request)\n", fast, slow, DELAY_MS);

  /* 64 frames, pipelined: RAW exact, INT8+zstd same top-1. */
  for (int codec = 0; codec < 2; codec++) {
    seam_edge_session *s = open_session(fast, CUT, codec ? SEAM_EDGE_CODEC_INT8 : SEAM_EDGE_CODEC_RAW,
                                        codec ? 3 : 0, 10000 * worker_time_scale());
    seam_edge_stream *st = seam_edge_stream_open(s, 8, &err);
    CHECK(st != NULL, "open: %s", err.message);
    if (st) {
      double t0 = seam_clock_s();
      int depth = pipeline(st, 0, FRAMES, 6, codec == 0, EXPECT_REMOTE, codec ? "int8" : "raw");
      CHECK(depth >= 4, "only %d frames were in flight at once", depth);
      printf("%d frames (%s) pipelined, up to %d in flight: %.1f ms\n", FRAMES,
             codec ? "INT8+zstd" : "RAW", depth, (seam_clock_s() - t0) * 1e3);
      /* The cap: the 9th frame without a receive is refused, nothing lost. */
      if (codec == 0) {
        for (int i = 0; i < 8; i++)
          CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[i],
                                        (uint64_t)i, &err) == SEAM_OK, "fill: %s", err.message);
        seam_status rc = seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[0],
                                                 99, &err);
        CHECK(rc == SEAM_ERR_AGAIN, "a full stream accepts a 9th frame (%s)", seam_status_name(rc));
        for (int i = 0; i < 8; i++) {
          result r;
          receive(st, &r, 5000);
          check_result(&r, true, EXPECT_REMOTE, "full");
          seam_tensor_free(r.out);
        }
        result r;
        CHECK(receive(st, &r, 0) == SEAM_ERR_AGAIN, "an empty stream returns a frame");
        seam_tensor_free(r.out);
      }
    }
    seam_edge_stream_close(st);
    seam_edge_close(s);
  }

  /* The "cloud" and "local" cuts through the stream API. */
  for (int k = 0; k < 2; k++) {
    seam_edge_session *s = open_session(k ? NULL : fast, k ? "local" : "cloud",
                                        SEAM_EDGE_CODEC_RAW, 0, 10000 * worker_time_scale());
    seam_edge_stream *st = seam_edge_stream_open(s, 4, &err);
    CHECK(st != NULL, "open: %s", err.message);
    if (st) pipeline(st, 0, n_samples, 4, true, k ? EXPECT_LOCAL : EXPECT_REMOTE, k ? "local" : "cloud");
    seam_edge_stream_close(st);
    seam_edge_close(s);
  }
  printf("cloud-only and local-only cuts through the stream: %d frames each\n", n_samples);

  test_transport(fast, slow, model);
  if (seam_exe) test_cli(seam_exe, samples_path, fast);
  test_flow_control(cloud_exe);

  /* 4 threads, a stream each, on one session. */
  seam_edge_session *shared =
      open_session(fast, CUT, SEAM_EDGE_CODEC_RAW, 0, 10000 * worker_time_scale());
  pthread_t th[THREADS];
  thread_arg args[THREADS];
  double t0 = seam_clock_s();
  for (int i = 0; i < THREADS; i++) {
    args[i] = (thread_arg){.s = shared, .index = i};
    if (pthread_create(&th[i], NULL, thread_main, &args[i]) != 0) die("pthread_create");
  }
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  printf("%d threads x %d frames, a stream each: %.1f ms\n", THREADS, PER_THREAD, (seam_clock_s() - t0) * 1e3);
  seam_edge_close(shared);

  /* Frame deadlines the slow worker cannot meet: every frame falls back. */
  seam_edge_session *s = open_session(slow, CUT, SEAM_EDGE_CODEC_RAW, 0, DEADLINE_MS);
  seam_edge_stream *st = seam_edge_stream_open(s, 4, &err);
  CHECK(st != NULL, "open: %s", err.message);
  if (st) {
    for (int i = 0; i < 4; i++)
      CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[i],
                                    (uint64_t)i, &err) == SEAM_OK, "submit: %s", err.message);
    for (int i = 0; i < 4; i++) {
      result r;
      receive(st, &r, 5000);
      check_result(&r, true, EXPECT_FELL_BACK, "deadline");
      /* The device acts on the deadline itself, not on the worker's late
       * DEADLINE_EXCEEDED reply (after DELAY_MS): the reason says which. */
      CHECK(strstr(r.message, "passed before the worker's reply"), "the fallback's reason: %s",
            r.message);
      CHECK(r.timing.total_us < 1000000, "a %d ms deadline fell back after %.1f ms", DEADLINE_MS,
            r.timing.total_us / 1e3);
      CHECK(r.timing.total_us >= DEADLINE_MS * 1000, "fell back after %.1f ms, before the deadline",
            r.timing.total_us / 1e3);
      seam_tensor_free(r.out);
    }
  }
  seam_edge_stream_close(st);
  seam_edge_close(s);
  printf("frames past a %d ms deadline on a %d ms worker: all fell back, exact\n", DEADLINE_MS,
         DELAY_MS);

  /* The slow worker is killed with 8 frames in flight. */
  s = open_session(slow, CUT, SEAM_EDGE_CODEC_RAW, 0, 0);
  st = seam_edge_stream_open(s, 8, &err);
  CHECK(st != NULL, "open: %s", err.message);
  if (st) {
    for (int i = 0; i < 8; i++)
      CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[i],
                                    (uint64_t)i, &err) == SEAM_OK, "submit: %s", err.message);
    sleep_ms(DELAY_MS / 4);
    kill(workers[1], SIGKILL);
    waitpid(workers[1], NULL, 0);
    workers[1] = -1;
    t0 = seam_clock_s();
    for (int i = 0; i < 8; i++) {
      result r;
      receive(st, &r, 5000);
      check_result(&r, true, EXPECT_FELL_BACK, "killed");
      seam_tensor_free(r.out);
    }
    /* The stream stays broken: later frames run on the device. */
    for (int i = 8; i < 10; i++) {
      CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[i],
                                    (uint64_t)i, &err) == SEAM_OK, "submit: %s", err.message);
      result r;
      receive(st, &r, 5000);
      check_result(&r, true, EXPECT_FELL_BACK, "after the kill");
      seam_tensor_free(r.out);
    }
    printf("worker killed with 8 frames in flight: all back on the device in %.1f ms\n",
           (seam_clock_s() - t0) * 1e3);
  }
  seam_edge_stream_close(st);
  seam_edge_close(s);

  /* SIGTERM with streams open: one idle, one with frames in flight. */
  start_worker(2, cloud_exe, slow_args, term, sizeof term);
  seam_edge_session *idle_s = open_session(term, CUT, SEAM_EDGE_CODEC_RAW, 0, 0);
  s = open_session(term, CUT, SEAM_EDGE_CODEC_RAW, 0, 0);
  seam_edge_stream *idle = seam_edge_stream_open(idle_s, 4, &err);
  st = seam_edge_stream_open(s, 4, &err);
  CHECK(idle && st, "open: %s", err.message);
  if (idle && st) {
    /* The idle stream has talked to the worker once. */
    CHECK(seam_edge_stream_submit(idle, 1, NULL, (const seam_tensor *const *)&samples[0], 0, &err) ==
              SEAM_OK, "submit: %s", err.message);
    result r;
    receive(idle, &r, 5000);
    check_result(&r, true, EXPECT_REMOTE, "idle");
    seam_tensor_free(r.out);
    for (int i = 0; i < 4; i++)
      CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&samples[i],
                                    (uint64_t)i, &err) == SEAM_OK, "submit: %s", err.message);
    sleep_ms(50);
    double took = 0;
    int rc = stop_worker(2, 10, &took);
    /* The worker cuts a drain at 3 s: ending sooner means the streams
     * ended themselves once the messages read were answered. */
    CHECK(rc == 0 && took < 2.5, "SIGTERM with open streams: exit %d after %.2f s", rc, took);
    printf("SIGTERM with 2 streams open (4 frames in flight): exit %d after %.2f s\n", rc, took);
    int remote = 0;
    for (int i = 0; i < 4; i++) {
      receive(st, &r, 5000);
      check_result(&r, true, EXPECT_ANY, "sigterm");
      remote += r.timing.remote;
      seam_tensor_free(r.out);
    }
    /* The frame being computed when the signal came finishes; those still
     * queued for the model's one lane are answered UNAVAILABLE and finish
     * on the device. */
    CHECK(remote >= 1, "none of the frames the worker had read was answered");
    printf("  in-flight frames: %d answered by the draining worker, %d on the device\n", remote,
           4 - remote);
    /* The idle stream was ended by the worker: its next frame runs here. */
    CHECK(seam_edge_stream_submit(idle, 1, NULL, (const seam_tensor *const *)&samples[1], 1, &err) ==
              SEAM_OK, "submit: %s", err.message);
    receive(idle, &r, 5000);
    check_result(&r, true, EXPECT_FELL_BACK, "idle after SIGTERM");
    CHECK(strstr(r.message, "UNAVAILABLE") && strstr(r.message, "shutting down"),
          "the idle stream was not told the worker shuts down: %s", r.message);
    seam_tensor_free(r.out);
  }
  seam_edge_stream_close(idle);
  seam_edge_stream_close(st);
  seam_edge_close(idle_s);
  seam_edge_close(s);

  double took = 0;
  int rc = stop_worker(0, 10, &took);
  CHECK(rc == 0, "the worker exited with %d after SIGTERM (a sanitizer report?)", rc);

  for (int i = 0; i < n_samples; i++) {
    seam_tensor_free(samples[i]);
    seam_tensor_free(expected[i]);
  }
  seam_model_free(model);
  cleanup();
  alarm(0);
  if (failures) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("all stream checks passed in %.1f s\n", seam_clock_s() - t_start);
  return 0;
}

/* libseam-edge against a worker that misbehaves: a fake worker inside this
 * test (tests/cloud/fake_worker.c, a gRPC server on 127.0.0.1 with a free
 * port) answers every status code and crafted replies (wrong shape, batch,
 * fixed dim, rank, name or dtype, all NaN, garbage bytes, a message that is
 * not an InferReply, no outputs, an empty message, a duplicate or extra
 * output, a short payload, another request's id, a failed status inside an
 * OK call, a stream ended with a status).
 *
 *   test_edge_faults --seam PATH --model M.onnx --samples S.npy
 *
 * Each time, for unary calls (split cut and "cloud" cut) and for stream
 * frames: the call succeeds, the outputs equal the local run's bit for bit,
 * fell_back is 1 and timing.reason is the one the status or the fault
 * calls for. Also: a reply whose NaN/Inf the device's run confirms is the
 * model's answer (remote, no fallback); NaN in a reply to non-finite inputs
 * is believed; when the device's run fails too (bad input), that error is
 * returned with the worker's reason; `seam run --remote` exits 0 against a
 * worker answering CANCELLED and prints the reason. Every wait is bounded;
 * an alarm ends the test after 120 s. */
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "protocol/rpc_status.h"
#include "runtime/tensor.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/check.h"
#include "tests/cloud/fake_worker.h"
#include "tests/cloud/tensor_check.h"
#include "tests/cloud/worker.h"

#define CUT "/stage2/relu2/Relu_output_0"
#define DEADLINE_MS 5000   /* long: a fault must be noticed from the reply, well before it */
#define QUICK_S 3.0        /* a fallback caused by the reply comes within this, loaded */
#define STREAM_FRAMES 4
#define TIME_LIMIT_S 120

int check_failures;
static const char *model_path;
static char endpoint[64];
static char tmp_dir[64] = "";
static seam_tensor *batch;                   /* the samples, [16,1,28,28] */
static seam_tensor *expected;                /* the local run of the batch */
static seam_tensor *frame_in[STREAM_FRAMES]; /* samples 0.. as batches of one */
static seam_tensor *frame_out[STREAM_FRAMES];

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: test_edge_faults took over its time limit; aborting\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
  _exit(1);
}

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  if (tmp_dir[0]) worker_remove_dir(tmp_dir);
  exit(1);
}

static seam_edge_session *open_session(const char *cut, int deadline_ms) {
  seam_edge_config cfg = {.model_path = model_path, .endpoint = endpoint, .cut = cut,
                          .deadline_ms = deadline_ms, .threads = 1};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) die(err.message);
  return s;
}

/* The full model on the device: the truth every fallback must equal. */
static seam_tensor *local_run(const seam_model *m, const seam_tensor *x) {
  seam_value_info in;
  seam_model_input_info(m, 0, &in);
  seam_tensor *out = NULL;
  seam_error err;
  if (seam_model_run(m, 1, &in.name, &x, 1, NULL, &out, &err) != SEAM_OK) die(err.message);
  return out;
}

typedef struct fault {
  fake_mode mode;
  int code;                  /* for the status modes */
  seam_edge_reason reason;   /* what the edge must report */
} fault;

#define STATUS(c, r) {FAKE_STATUS, SEAM_RPC_##c, SEAM_EDGE_REASON_##r}
#define BAD(m) {m, 0, SEAM_EDGE_REASON_BAD_REPLY}

/* Unary calls: every status a worker (or gRPC) can end a call with, and
 * every kind of reply that is not the model's answer. */
static const fault unary_faults[] = {
    STATUS(CANCELLED, NETWORK),
    STATUS(UNAVAILABLE, NETWORK),
    STATUS(DEADLINE_EXCEEDED, DEADLINE),
    STATUS(RESOURCE_EXHAUSTED, WORKER_BUSY),
    STATUS(INTERNAL, WORKER_ERROR),
    STATUS(UNKNOWN, WORKER_ERROR),
    STATUS(ABORTED, WORKER_ERROR),
    STATUS(DATA_LOSS, WORKER_ERROR),
    STATUS(UNIMPLEMENTED, WORKER_REFUSED),
    STATUS(NOT_FOUND, WORKER_REFUSED),
    STATUS(FAILED_PRECONDITION, WORKER_REFUSED),
    STATUS(INVALID_ARGUMENT, WORKER_REFUSED),
    STATUS(PERMISSION_DENIED, WORKER_REFUSED),
    {FAKE_INNER_STATUS, SEAM_RPC_INTERNAL, SEAM_EDGE_REASON_WORKER_ERROR},
    {FAKE_INNER_STATUS, SEAM_RPC_RESOURCE_EXHAUSTED, SEAM_EDGE_REASON_WORKER_BUSY},
    {FAKE_INNER_STATUS, SEAM_RPC_FAILED_PRECONDITION, SEAM_EDGE_REASON_WORKER_REFUSED},
    BAD(FAKE_SHAPE_1X3),
    BAD(FAKE_BATCH_PLUS_ONE),
    BAD(FAKE_FIXED_DIM),
    BAD(FAKE_RANK),
    BAD(FAKE_NAME),
    BAD(FAKE_INT64),
    BAD(FAKE_NAN),
    BAD(FAKE_GARBAGE),
    BAD(FAKE_NOT_REPLY),
    BAD(FAKE_NO_OUTPUTS),
    BAD(FAKE_EMPTY),
    BAD(FAKE_DUPLICATE),
    BAD(FAKE_EXTRA),
    BAD(FAKE_BAD_PAYLOAD),
    BAD(FAKE_WRONG_ID),
};

/* Streams: per-reply statuses, a stream ended with a status, and the same
 * bad replies (one that does not parse, or has no request_id, breaks the
 * stream: every frame still waiting falls back). */
static const fault stream_faults[] = {
    STATUS(CANCELLED, NETWORK),
    STATUS(UNAVAILABLE, NETWORK),
    STATUS(DEADLINE_EXCEEDED, DEADLINE),
    STATUS(RESOURCE_EXHAUSTED, WORKER_BUSY),
    STATUS(INTERNAL, WORKER_ERROR),
    STATUS(UNKNOWN, WORKER_ERROR),
    STATUS(ABORTED, WORKER_ERROR),
    STATUS(DATA_LOSS, WORKER_ERROR),
    STATUS(UNIMPLEMENTED, WORKER_REFUSED),
    STATUS(NOT_FOUND, WORKER_REFUSED),
    STATUS(FAILED_PRECONDITION, WORKER_REFUSED),
    STATUS(INVALID_ARGUMENT, WORKER_REFUSED),
    {FAKE_END_STREAM, SEAM_RPC_CANCELLED, SEAM_EDGE_REASON_NETWORK},
    {FAKE_END_STREAM, SEAM_RPC_RESOURCE_EXHAUSTED, SEAM_EDGE_REASON_WORKER_BUSY},
    {FAKE_END_STREAM, SEAM_RPC_INTERNAL, SEAM_EDGE_REASON_WORKER_ERROR},
    {FAKE_END_STREAM, SEAM_RPC_FAILED_PRECONDITION, SEAM_EDGE_REASON_WORKER_REFUSED},
    BAD(FAKE_SHAPE_1X3),
    BAD(FAKE_FIXED_DIM),
    BAD(FAKE_RANK),
    BAD(FAKE_NAME),
    BAD(FAKE_INT64),
    BAD(FAKE_NAN),
    BAD(FAKE_GARBAGE),
    BAD(FAKE_NOT_REPLY),
    BAD(FAKE_NO_OUTPUTS),
    BAD(FAKE_EMPTY),
    BAD(FAKE_DUPLICATE),
    BAD(FAKE_EXTRA),
    BAD(FAKE_BAD_PAYLOAD),
};

static void describe(const fault *f, char *out, size_t size) {
  if (f->mode == FAKE_STATUS || f->mode == FAKE_INNER_STATUS || f->mode == FAKE_END_STREAM)
    snprintf(out, size, "%s %s", fake_mode_name(f->mode), seam_rpc_code_name(f->code));
  else
    snprintf(out, size, "%s", fake_mode_name(f->mode));
}

/* One unary inference of the batch against the fault: the local answer,
 * fell back for the right reason, soon. */
static void unary_case(fake_worker *w, seam_edge_session *s, const char *cut, const fault *f) {
  char what[96];
  describe(f, what, sizeof what);
  fake_worker_set(w, f->mode, f->code);
  int before = fake_worker_requests(w);
  seam_tensor *out = NULL;
  seam_edge_timing t;
  seam_error err = {0};
  double t0 = seam_clock_s();
  seam_status st = seam_edge_infer(s, 1, NULL, (const seam_tensor *const *)&batch, 1, &out, &t, &err);
  double took = seam_clock_s() - t0;
  CHECK(fake_worker_requests(w) > before, "cut %s, %s: the worker was not asked", cut, what);
  CHECK(st == SEAM_OK, "cut %s, %s: %s (%s)", cut, what, seam_status_name(st), err.message);
  CHECK(t.fell_back == 1 && !t.remote, "cut %s, %s: fell_back %d remote %d (%s)", cut, what,
        t.fell_back, t.remote, err.message);
  CHECK(t.reason == f->reason, "cut %s, %s: reason %s, expected %s (%s)", cut, what,
        seam_edge_reason_name(t.reason), seam_edge_reason_name(f->reason), err.message);
  CHECK(tensor_same(out, expected), "cut %s, %s: the outputs differ from the local run", cut, what);
  CHECK(strstr(err.message, "fell back") != NULL, "cut %s, %s: the message: %s", cut, what,
        err.message);
  if (f->mode == FAKE_STATUS || f->mode == FAKE_INNER_STATUS)
    CHECK(strstr(err.message, seam_rpc_code_name(f->code)) != NULL,
          "cut %s, %s: the message does not name the worker's status: %s", cut, what, err.message);
  CHECK(took < QUICK_S, "cut %s, %s: the fallback took %.2f s", cut, what, took);
  if (strcmp(cut, "cloud") == 0) printf("  %-28s %s\n", what, err.message);
  seam_tensor_free(out);
}

/* STREAM_FRAMES frames against the fault: each comes back as the local
 * answer, fell back for the right reason, soon. */
static void stream_case(fake_worker *w, seam_edge_session *s, const fault *f, seam_edge_reason want,
                        double quick_s) {
  char what[96];
  describe(f, what, sizeof what);
  fake_worker_set(w, f->mode, f->code);
  seam_error err;
  seam_edge_stream *st = seam_edge_stream_open(s, STREAM_FRAMES, &err);
  CHECK(st != NULL, "stream, %s: open: %s", what, err.message);
  if (!st) return;
  double t0 = seam_clock_s();
  for (int i = 0; i < STREAM_FRAMES; i++)
    CHECK(seam_edge_stream_submit(st, 1, NULL, (const seam_tensor *const *)&frame_in[i],
                                  (uint64_t)i, &err) == SEAM_OK,
          "stream, %s: submit %d: %s", what, i, err.message);
  bool seen[STREAM_FRAMES] = {false};
  for (int k = 0; k < STREAM_FRAMES; k++) {
    seam_tensor *out = NULL;
    uint64_t tag = UINT64_MAX;
    seam_edge_timing t;
    seam_status rc = seam_edge_stream_receive(st, 1, &out, &tag, &t, 10000, &err);
    CHECK(rc == SEAM_OK && tag < STREAM_FRAMES && !seen[tag], "stream, %s: frame %llu: %s (%s)",
          what, (unsigned long long)tag, seam_status_name(rc), err.message);
    if (rc == SEAM_OK && tag < STREAM_FRAMES && !seen[tag]) {
      seen[tag] = true;
      CHECK(t.fell_back == 1 && !t.remote && t.reason == want,
            "stream, %s: frame %llu fell_back %d remote %d reason %s, expected %s (%s)", what,
            (unsigned long long)tag, t.fell_back, t.remote, seam_edge_reason_name(t.reason),
            seam_edge_reason_name(want), err.message);
      CHECK(tensor_same(out, frame_out[tag]), "stream, %s: frame %llu differs from the local run",
            what, (unsigned long long)tag);
    }
    seam_tensor_free(out);
    if (rc != SEAM_OK) break;
  }
  double took = seam_clock_s() - t0;
  CHECK(took < quick_s, "stream, %s: the %d frames took %.2f s", what, STREAM_FRAMES, took);
  seam_edge_stream_close(st);
}

/* The inputs times `scale`, with element 0 set to `first` unless it is 0. */
static seam_tensor *scaled(const seam_tensor *x, float scale, float first) {
  seam_error err;
  seam_tensor *c = seam_tensor_clone(x, &err);
  if (!c) die(err.message);
  float *p = c->data;
  for (int64_t i = 0; i < c->count; i++) p[i] *= scale;
  if (first != 0) p[0] = first;
  return c;
}

static bool all_finite(const seam_tensor *t) {
  const float *p = t->data;
  for (int64_t i = 0; i < t->count; i++)
    if (!isfinite(p[i])) return false;
  return true;
}

static bool all_nan(const seam_tensor *t) {
  const float *p = t->data;
  for (int64_t i = 0; i < t->count; i++)
    if (!isnan(p[i])) return false;
  return t->count > 0;
}

/* NaN/Inf in replies: believed when the device's run agrees or the inputs
 * had some, replaced when the device's run is finite (the NAN fault above). */
static void non_finite_cases(fake_worker *w, const seam_model *m) {
  seam_edge_session *cloud = open_session("cloud", DEADLINE_MS);
  /* Finite inputs so large that the model's own outputs overflow. */
  seam_tensor *huge = scaled(batch, 1e37f, 0);
  seam_tensor *truth = local_run(m, huge);
  CHECK(all_finite(huge) && !all_finite(truth),
        "the premise: inputs x 1e37 are finite and the model's outputs for them are not");
  fake_worker_set(w, FAKE_HONEST, 0);
  seam_tensor *out = NULL;
  seam_edge_timing t;
  seam_error err;
  seam_status st = seam_edge_infer(cloud, 1, NULL, (const seam_tensor *const *)&huge, 1, &out, &t, &err);
  CHECK(st == SEAM_OK && t.remote && !t.fell_back && t.reason == SEAM_EDGE_REASON_NONE,
        "the model's own Inf/NaN: %s remote %d fell_back %d reason %s (%s)", seam_status_name(st),
        t.remote, t.fell_back, seam_edge_reason_name(t.reason), err.message);
  CHECK(tensor_same(out, truth), "the model's own Inf/NaN: the outputs differ from the local run");
  CHECK(t.fallback_us > 0 && strstr(err.message, "model's answer"),
        "the device did not check the non-finite reply: %s", err.message);
  seam_tensor_free(out);

  /* Inputs holding Inf: a NaN reply is believed, no device run. */
  seam_tensor *inf_in = scaled(batch, 1, INFINITY);
  fake_worker_set(w, FAKE_NAN, 0);
  out = NULL;
  st = seam_edge_infer(cloud, 1, NULL, (const seam_tensor *const *)&inf_in, 1, &out, &t, &err);
  CHECK(st == SEAM_OK && t.remote && !t.fell_back && t.fallback_us == 0 && out && all_nan(out),
        "NaN for inputs holding Inf: %s remote %d fell_back %d fallback_us %llu (%s)",
        seam_status_name(st), t.remote, t.fell_back, (unsigned long long)t.fallback_us, err.message);
  seam_tensor_free(out);

  /* The same confirmation through a stream frame. */
  fake_worker_set(w, FAKE_HONEST, 0);
  seam_edge_stream *stream = seam_edge_stream_open(cloud, 2, &err);
  CHECK(stream != NULL, "open: %s", err.message);
  if (stream) {
    CHECK(seam_edge_stream_submit(stream, 1, NULL, (const seam_tensor *const *)&huge, 7, &err) ==
              SEAM_OK, "submit: %s", err.message);
    uint64_t tag = 0;
    out = NULL;
    st = seam_edge_stream_receive(stream, 1, &out, &tag, &t, 10000, &err);
    CHECK(st == SEAM_OK && tag == 7 && t.remote && !t.fell_back && tensor_same(out, truth),
          "stream, the model's own Inf/NaN: %s remote %d fell_back %d (%s)", seam_status_name(st),
          t.remote, t.fell_back, err.message);
    seam_tensor_free(out);
    seam_edge_stream_close(stream);
  }
  printf("non-finite replies: confirmed by the device's run (unary, stream), believed for "
         "non-finite inputs\n");
  seam_tensor_free(huge);
  seam_tensor_free(truth);
  seam_tensor_free(inf_in);
  seam_edge_close(cloud);
}

/* A bad input and a worker refusing it: the device's own error comes back,
 * with the worker's reason. */
static void device_fails_too(fake_worker *w) {
  seam_edge_session *cloud = open_session("cloud", DEADLINE_MS);
  int64_t dims[4] = {2, 1, 28, 27};
  seam_error err;
  seam_tensor *bad = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, dims, &err);
  if (!bad) die(err.message);
  memset(bad->data, 0, seam_tensor_nbytes(bad));
  fake_worker_set(w, FAKE_STATUS, SEAM_RPC_INVALID_ARGUMENT);
  seam_tensor *out = (seam_tensor *)1;
  seam_edge_timing t;
  seam_status st = seam_edge_infer(cloud, 1, NULL, (const seam_tensor *const *)&bad, 1, &out, &t, &err);
  CHECK(st == SEAM_ERR_SHAPE && out == NULL && !t.fell_back && !t.remote &&
            t.reason == SEAM_EDGE_REASON_WORKER_REFUSED && strstr(err.message, "INVALID_ARGUMENT") &&
            strstr(err.message, "device"),
        "a bad input: %s fell_back %d reason %s (%s)", seam_status_name(st), t.fell_back,
        seam_edge_reason_name(t.reason), err.message);
  /* The same as a stream frame: the frame's result is the device's error. */
  fake_worker_set(w, FAKE_STATUS, SEAM_RPC_INVALID_ARGUMENT);
  seam_edge_stream *stream = seam_edge_stream_open(cloud, 2, &err);
  if (stream) {
    CHECK(seam_edge_stream_submit(stream, 1, NULL, (const seam_tensor *const *)&bad, 3, &err) ==
              SEAM_OK, "submit: %s", err.message);
    uint64_t tag = 0;
    out = (seam_tensor *)1;
    st = seam_edge_stream_receive(stream, 1, &out, &tag, &t, 10000, &err);
    CHECK(st == SEAM_ERR_SHAPE && tag == 3 && out == NULL && !t.fell_back &&
              t.reason == SEAM_EDGE_REASON_WORKER_REFUSED,
          "stream, a bad input: %s tag %llu reason %s (%s)", seam_status_name(st),
          (unsigned long long)tag, seam_edge_reason_name(t.reason), err.message);
    seam_edge_stream_close(stream);
  }
  printf("a bad input the worker refuses: the device's error (%s)\n", err.message);
  seam_tensor_free(bad);
  seam_edge_close(cloud);
}

/* Sample i of a batch, as a batch of one. */
static seam_tensor *sample_of(const seam_tensor *all, int64_t i) {
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, all->dims, sizeof(int64_t) * (size_t)all->rank);
  dims[0] = 1;
  seam_error err;
  seam_tensor *t = seam_tensor_create(all->dtype, (size_t)all->rank, dims, &err);
  if (!t) die(err.message);
  size_t bytes = seam_tensor_nbytes(t);
  memcpy(t->data, (const char *)all->data + bytes * (size_t)i, bytes);
  return t;
}

/* Runs a command (bounded by timeout 60); its exit status. */
static int run_cmd(const char *cmd) {
  char full[4096];
  snprintf(full, sizeof full, "timeout 60 %s", cmd);
  int rc = system(full);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool file_has(const char *path, const char *text) {
  FILE *f = fopen(path, "r");
  char line[1024];
  bool found = false;
  while (f && !found && fgets(line, sizeof line, f)) found = strstr(line, text) != NULL;
  if (f) fclose(f);
  return found;
}

static void print_file(const char *path) {
  FILE *f = fopen(path, "r");
  char line[1024];
  fprintf(stderr, "--- %s ---\n", path);
  while (f && fgets(line, sizeof line, f)) fputs(line, stderr);
  if (f) fclose(f);
  fprintf(stderr, "---\n");
}

/* `seam run --remote --cut cloud` (unary and --stream) against a worker
 * answering CANCELLED, and one answering [1,3]: exit 0, the local outputs,
 * the reason printed. */
static void cli_cases(fake_worker *w, const char *seam_exe, const char *samples_path) {
  static const struct {
    fake_mode mode;
    int code;
    const char *extra;
    const char *printed;
  } runs[] = {{FAKE_STATUS, SEAM_RPC_CANCELLED, "", "fell back to the device: 1 (network 1)"},
              {FAKE_STATUS, SEAM_RPC_CANCELLED, "--stream", "fell back (network)"},
              {FAKE_SHAPE_1X3, 0, "", "fell back to the device: 1 (bad_reply 1)"},
              {FAKE_STATUS, SEAM_RPC_FAILED_PRECONDITION, "--stream",
               "fell back to the device: 16 (worker_refused 16)"}};
  char local[128], remote[128], log[128], cmd[2048];
  snprintf(local, sizeof local, "%s/local.npy", tmp_dir);
  snprintf(remote, sizeof remote, "%s/remote.npy", tmp_dir);
  snprintf(log, sizeof log, "%s/run.txt", tmp_dir);
  snprintf(cmd, sizeof cmd, "'%s' run --model '%s' --input '%s' --output '%s' > /dev/null", seam_exe,
           model_path, samples_path, local);
  CHECK(run_cmd(cmd) == 0, "%s", cmd);
  seam_error err;
  seam_tensor *want = seam_tensor_load_npy(local, &err);
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    fake_worker_set(w, runs[i].mode, runs[i].code);
    unlink(remote);
    snprintf(cmd, sizeof cmd,
             "'%s' run --model '%s' --input '%s' --output '%s' --remote %s --cut cloud %s > '%s'",
             seam_exe, model_path, samples_path, remote, endpoint, runs[i].extra, log);
    int rc = run_cmd(cmd);
    CHECK(rc == 0, "exit %d: %s", rc, cmd);
    seam_tensor *got = seam_tensor_load_npy(remote, &err);
    CHECK(want && got && tensor_same(want, got), "%s: other outputs than seam run", cmd);
    bool said = file_has(log, runs[i].printed);
    CHECK(said, "%s: the output does not say '%s'", cmd, runs[i].printed);
    if (!said) print_file(log);
    seam_tensor_free(got);
  }
  seam_tensor_free(want);
  printf("seam run --remote --cut cloud (unary and --stream) against CANCELLED, [1,3] and "
         "FAILED_PRECONDITION: exit 0, the local outputs, the reason printed\n");
}

int main(int argc, char **argv) {
  const char *seam_exe = NULL, *samples_path = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--seam") == 0) seam_exe = argv[i + 1];
    else if (strcmp(argv[i], "--model") == 0) model_path = argv[i + 1];
    else if (strcmp(argv[i], "--samples") == 0) samples_path = argv[i + 1];
  }
  if (!seam_exe || !model_path || !samples_path) {
    fprintf(stderr, "usage: test_edge_faults --seam PATH --model M.onnx --samples S.npy\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, on_alarm);
  alarm(TIME_LIMIT_S);
  strcpy(tmp_dir, "/tmp/seam-faults-test-XXXXXX");
  if (!mkdtemp(tmp_dir)) die("mkdtemp");

  seam_error err;
  seam_model *model = seam_model_load(model_path, &err);
  if (!model) die(err.message);
  if (!(batch = seam_tensor_load_npy(samples_path, &err))) die(err.message);
  if (batch->rank != 4 || batch->dims[0] < STREAM_FRAMES) die("the samples must be [N,1,28,28]");
  expected = local_run(model, batch);
  for (int i = 0; i < STREAM_FRAMES; i++) {
    frame_in[i] = sample_of(batch, i);
    frame_out[i] = local_run(model, frame_in[i]);
  }

  char why[256];
  int port = 0;
  fake_worker *w = fake_worker_start(model_path, &port, why, sizeof why);
  if (!w) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  printf("fake worker on %s\n", endpoint);

  /* An honest fake worker first: the split is remote and exact. */
  seam_edge_session *split = open_session(CUT, DEADLINE_MS);
  seam_edge_session *cloud = open_session("cloud", DEADLINE_MS);
  for (int k = 0; k < 2; k++) {
    fake_worker_set(w, FAKE_HONEST, 0);
    seam_tensor *out = NULL;
    seam_edge_timing t;
    seam_status st = seam_edge_infer(k ? cloud : split, 1, NULL, (const seam_tensor *const *)&batch,
                                     1, &out, &t, &err);
    CHECK(st == SEAM_OK && t.remote && !t.fell_back && t.reason == SEAM_EDGE_REASON_NONE &&
              tensor_same(out, expected),
          "honest fake worker, cut %s: %s remote %d (%s)", k ? "cloud" : CUT, seam_status_name(st),
          t.remote, err.message);
    seam_tensor_free(out);
  }

  size_t n_unary = sizeof unary_faults / sizeof unary_faults[0];
  for (size_t i = 0; i < n_unary; i++) {
    unary_case(w, split, CUT, &unary_faults[i]);
    unary_case(w, cloud, "cloud", &unary_faults[i]);
  }
  printf("unary: %zu faults x 2 cuts, every call fell back with the local outputs and its reason\n",
         n_unary);

  size_t n_stream = sizeof stream_faults / sizeof stream_faults[0];
  for (size_t i = 0; i < n_stream; i++) stream_case(w, split, &stream_faults[i], stream_faults[i].reason, QUICK_S);
  /* A reply for a request_id the stream never sent is dropped (it could be
   * a late one): the frames fall back at their deadline. */
  seam_edge_session *short_split = open_session(CUT, 300);
  fault wrong_id = BAD(FAKE_WRONG_ID);
  stream_case(w, short_split, &wrong_id, SEAM_EDGE_REASON_DEADLINE, QUICK_S);
  seam_edge_close(short_split);
  printf("streams: %zu faults x %d frames, every frame fell back with the local outputs and its "
         "reason; unknown request_ids at the deadline\n", n_stream, STREAM_FRAMES);

  non_finite_cases(w, model);
  device_fails_too(w);
  cli_cases(w, seam_exe, samples_path);

  seam_edge_close(split);
  seam_edge_close(cloud);
  fake_worker_stop(w);
  for (int i = 0; i < STREAM_FRAMES; i++) {
    seam_tensor_free(frame_in[i]);
    seam_tensor_free(frame_out[i]);
  }
  seam_tensor_free(expected);
  seam_tensor_free(batch);
  seam_model_free(model);
  worker_remove_dir(tmp_dir);
  alarm(0);
  if (check_failures) {
    fprintf(stderr, "%d check(s) failed\n", check_failures);
    return 1;
  }
  printf("all edge fault checks passed\n");
  return 0;
}

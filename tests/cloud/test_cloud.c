/* Integration test of seam-cloud on loopback.
 *
 *   test_cloud --seam-cloud PATH --model MODEL.onnx --samples SAMPLES.npy
 *
 * Starts a real worker on 127.0.0.1 (port chosen by the system) serving a
 * temporary repository REPO/fashion/model.onnx, waits for its health check,
 * then checks: a split inference (head here, tail on the worker) equals the
 * local full run, exactly with the RAW codec and within the quantization
 * error with INT8+zstd; ModelInfo and Echo; wrong SHA-256, corrupt payloads,
 * unknown model, unknown method, expired deadlines and an oversized message
 * each get their status; SIGTERM stops the worker with exit status 0.
 * Every wait is bounded and the worker is always killed at the end. */
#include <errno.h>
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

#include "common/clock.h"
#include "common/hex.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "seam/runtime.h"
#include "tests/cloud/rpc.h"
#include "tests/cloud/check.h"
#include "tests/cloud/worker.h"

#define CUT "/stage2/relu2/Relu_output_0"
#define MAX_MESSAGE_MB 8
#define DEBUG_DELAY_MS 50

int check_failures;
static pid_t worker = -1;
static char repo[64] = "";

static void sleep_ms(int ms) {
  struct timespec d = {ms / 1000, (long)(ms % 1000) * 1000000};
  nanosleep(&d, NULL);
}

/* Kills the worker if it still runs and removes the repository. */
static void cleanup(void) { worker_cleanup(&worker, repo); }

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}


/* Starts the worker (see tests/cloud/worker.h); returns the bound port. */
static int start_worker(const char *exe) {
  char mb[16], delay[16], why[128];
  snprintf(mb, sizeof mb, "%d", MAX_MESSAGE_MB);
  snprintf(delay, sizeof delay, "%d", DEBUG_DELAY_MS);
  const char *extra[] = {"--max-message-mb", mb, "--debug-delay-ms", delay, NULL};
  int port = worker_start(exe, repo, extra, &worker, why, sizeof why);
  if (port < 0) die(why);
  return port;
}

/* One unary call with a packed protobuf-c request (tests/cloud/rpc.h). */
static int call(seam_grpc_channel *ch, const char *method, const ProtobufCMessage *msg,
                int timeout_ms, uint8_t **reply, size_t *reply_size, char *text, size_t text_size) {
  int code = rpc_call(ch, method, msg, timeout_ms, reply, reply_size, text, text_size);
  if (code < 0) die("out of memory");
  return code;
}

static bool wait_healthy(seam_grpc_channel *ch) { return rpc_wait_healthy(ch, 10); }

/* An Infer call sending `cut` encoded with opt; returns the call's code and,
 * on success, the decoded first output in *out. */
static int infer(seam_grpc_channel *ch, const uint8_t sha[32], const seam_tensor *cut,
                 const seam_codec_options *opt, uint32_t budget_ms, int timeout_ms,
                 void (*mangle)(Seam__V1__Tensor *), seam_tensor **out, char *text,
                 size_t text_size, Seam__V1__Timings *timings) {
  Seam__V1__Tensor t;
  seam_error err;
  if (seam_codec_encode(cut, CUT, opt, &t, NULL, &err) != SEAM_OK) die(err.message);
  size_t saved_len = t.payload.len;
  if (mangle) mangle(&t);
  Seam__V1__Tensor *inputs[1] = {&t};
  Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
  rq.model_name = (char *)"fashion";
  rq.model_sha256.data = (uint8_t *)sha;
  rq.model_sha256.len = 32;
  rq.request_id = (char *)"test-1";
  rq.budget_ms = budget_ms;
  rq.n_inputs = 1;
  rq.inputs = inputs;
  rq.reply_encoding = SEAM__V1__ENCODING__ENCODING_RAW;
  uint8_t *reply = NULL;
  size_t size = 0;
  int code = call(ch, "/seam.v1.Seam/Infer", &rq.base, timeout_ms, &reply, &size, text, text_size);
  t.payload.len = saved_len;
  seam_codec_msg_clear(&t);
  if (out) *out = NULL;
  if (reply) {
    Seam__V1__InferReply *r = seam__v1__infer_reply__unpack(NULL, size, reply);
    CHECK(r != NULL, "the reply does not parse");
    if (r) {
      CHECK(r->status && (int)r->status->code == code, "reply status %d, call status %d",
            r->status ? (int)r->status->code : -1, code);
      CHECK(strcmp(r->request_id, "test-1") == 0, "request id '%s' not echoed", r->request_id);
      if (timings && r->timings) *timings = *r->timings;
      if (code == 0 && out) {
        CHECK(r->n_outputs == 1, "%zu outputs", r->n_outputs);
        if (r->n_outputs >= 1) {
          *out = seam_codec_decode(r->outputs[0], (size_t)1 << 30, NULL, &err);
          CHECK(*out != NULL, "reply tensor does not decode: %s", err.message);
        }
      }
      seam__v1__infer_reply__free_unpacked(r, NULL);
    }
  }
  free(reply);
  return code;
}

static void truncate_payload(Seam__V1__Tensor *t) {
  if (t->payload.len) t->payload.len -= 1;
}

static void negative_dim(Seam__V1__Tensor *t) {
  if (t->n_dims) t->dims[0] = -1;
}

static void unknown_name(Seam__V1__Tensor *t) {
  t->name[0] = 'X'; /* same length: the codec's buffer is freed as usual */
}

static void wrong_shape(Seam__V1__Tensor *t) {
  /* [16,64,7,7] -> [16,64,49]: the payload still fits, the model does not. */
  if (t->n_dims == 4) {
    t->dims[2] *= t->dims[3];
    t->n_dims = 3;
  }
}

/* Largest |a - b| over the elements; also checks they have one shape. */
static double max_abs_diff(const seam_tensor *a, const seam_tensor *b) {
  if (seam_tensor_count(a) != seam_tensor_count(b)) return INFINITY;
  const float *x = seam_tensor_data_const(a), *y = seam_tensor_data_const(b);
  double m = 0;
  for (size_t i = 0; i < seam_tensor_count(a); i++) m = fmax(m, fabs((double)x[i] - y[i]));
  return m;
}

static size_t argmax(const float *v, size_t n) {
  size_t best = 0;
  for (size_t i = 1; i < n; i++)
    if (v[i] > v[best]) best = i;
  return best;
}

/* Several client threads on one channel, each checking every reply. */
#define CLIENT_THREADS 4
#define CALLS_PER_THREAD 20

typedef struct client_job {
  seam_grpc_channel *ch;
  const uint8_t *sha;
  const seam_tensor *cut, *full;
  int bad;
} client_job;

static void *client_thread(void *arg) {
  client_job *job = arg;
  seam_codec_options raw = {0};
  for (int i = 0; i < CALLS_PER_THREAD; i++) {
    seam_tensor *out = NULL;
    char text[512];
    int code = infer(job->ch, job->sha, job->cut, &raw, 0, 10000, NULL, &out, text, sizeof text,
                     NULL);
    if (code != SEAM_RPC_OK || !out || seam_tensor_nbytes(out) != seam_tensor_nbytes(job->full) ||
        memcmp(seam_tensor_data_const(out), seam_tensor_data_const(job->full),
               seam_tensor_nbytes(out)) != 0)
      job->bad++;
    seam_tensor_free(out);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *exe = NULL, *model_path = NULL, *samples_path = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seam-cloud")) exe = argv[i + 1];
    else if (!strcmp(argv[i], "--model")) model_path = argv[i + 1];
    else if (!strcmp(argv[i], "--samples")) samples_path = argv[i + 1];
  }
  if (!exe || !model_path || !samples_path) {
    fprintf(stderr, "usage: test_cloud --seam-cloud PATH --model M.onnx --samples X.npy\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);

  /* The repository, then the worker (forked before gRPC starts here). */
  snprintf(repo, sizeof repo, "/tmp/seam-cloud-test-XXXXXX");
  if (!mkdtemp(repo)) {
    repo[0] = '\0';
    die("mkdtemp");
  }
  char dir[128], file[160];
  snprintf(dir, sizeof dir, "%s/fashion", repo);
  snprintf(file, sizeof file, "%s/model.onnx", dir);
  uint8_t sha[32];
  if (mkdir(dir, 0755) != 0 || !worker_copy_model(model_path, file, sha)) die("cannot build the repository");
  int port = start_worker(exe);
  printf("worker pid %d on port %d\n", (int)worker, port);

  /* The local side: head to the cut, and the full run as the reference. */
  seam_error err;
  seam_model *model = seam_model_load(model_path, &err);
  if (!model) die(err.message);
  seam_tensor *x = seam_tensor_load_npy(samples_path, &err);
  if (!x) die(err.message);
  seam_value_info in_info;
  seam_model_input_info(model, 0, &in_info);
  const char *in_names[1] = {in_info.name};
  const seam_tensor *ins[1] = {x};
  const char *cut_names[1] = {CUT};
  seam_tensor *cut = NULL, *full = NULL;
  if (seam_model_run(model, 1, in_names, ins, 1, cut_names, &cut, &err) != SEAM_OK) die(err.message);
  if (seam_model_run(model, 1, in_names, ins, 1, NULL, &full, &err) != SEAM_OK) die(err.message);
  size_t batch = (size_t)seam_tensor_dims(full)[0];
  size_t classes = seam_tensor_count(full) / batch;

  char target[64];
  snprintf(target, sizeof target, "127.0.0.1:%d", port);
  /* The client's own limits are higher than the worker's, so that the
   * oversized message reaches the worker. */
  seam_grpc_channel *ch = seam_grpc_channel_open(target, (size_t)64 << 20, &err);
  if (!ch) die(err.message);
  if (!wait_healthy(ch)) die("the worker's health check did not answer SERVING within 10 s");
  printf("ok health check\n");

  char text[512];
  seam_codec_options raw = {0}, int8 = {0};
  int8.encoding = SEAM_ENCODING_INT8;
  int8.zstd_level = 3;

  /* (1) RAW: bit-identical to the local full run. */
  seam_tensor *out = NULL;
  Seam__V1__Timings tm = SEAM__V1__TIMINGS__INIT;
  int code = infer(ch, sha, cut, &raw, 0, 5000, NULL, &out, text, sizeof text, &tm);
  CHECK(code == SEAM_RPC_OK, "RAW infer: %s %s", seam_rpc_code_name(code), text);
  if (out) {
    CHECK(seam_tensor_nbytes(out) == seam_tensor_nbytes(full) &&
              memcmp(seam_tensor_data_const(out), seam_tensor_data_const(full),
                     seam_tensor_nbytes(full)) == 0,
          "RAW split differs from the local run by %g", max_abs_diff(out, full));
    CHECK(tm.compute_us > 0 && tm.total_us >= tm.compute_us, "timings compute %llu total %llu",
          (unsigned long long)tm.compute_us, (unsigned long long)tm.total_us);
    printf("ok RAW split == local (queue %llu us, decode %llu, compute %llu, encode %llu, total %llu)\n",
           (unsigned long long)tm.queue_us, (unsigned long long)tm.decode_us,
           (unsigned long long)tm.compute_us, (unsigned long long)tm.encode_us,
           (unsigned long long)tm.total_us);
    seam_tensor_free(out);
  }

  /* (1b) INT8 + zstd. Every cut element is within scale/2 of its value
   * (scale = the cut's max / 255 after ReLU). The bound on the logits is 1%
   * of the local logits' range (about 0.2 here): the error measured for
   * these 16 samples is 0.027 (printed), so the bound leaves a margin of
   * about 8 for other kernels or CPUs, while a real fault of the codec or
   * the transport (a wrong scale, a shifted zero point, a tensor swapped or
   * truncated) moves logits by a large part of their range. Top-1 must
   * agree on every sample. */
  code = infer(ch, sha, cut, &int8, 0, 5000, NULL, &out, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_OK, "INT8 infer: %s %s", seam_rpc_code_name(code), text);
  if (out) {
    const float *f = seam_tensor_data_const(full), *o = seam_tensor_data_const(out);
    float lo = f[0], hi = f[0];
    for (size_t i = 0; i < seam_tensor_count(full); i++) {
      lo = fminf(lo, f[i]);
      hi = fmaxf(hi, f[i]);
    }
    double d = max_abs_diff(out, full), bound = 0.01 * (hi - lo);
    CHECK(d <= bound, "INT8 split differs by %g > %g", d, bound);
    size_t agree = 0;
    for (size_t b = 0; b < batch && seam_tensor_count(out) == seam_tensor_count(full); b++)
      agree += argmax(f + b * classes, classes) == argmax(o + b * classes, classes);
    CHECK(agree == batch, "top-1 agrees on %zu of %zu samples", agree, batch);
    printf("ok INT8+zstd split: max |diff| %g (bound %g), top-1 %zu/%zu\n", d, bound, agree, batch);
    seam_tensor_free(out);
  }

  /* Concurrent clients on one channel: every reply exact. */
  {
    pthread_t threads[CLIENT_THREADS];
    client_job jobs[CLIENT_THREADS];
    int started = 0, bad = 0;
    for (int i = 0; i < CLIENT_THREADS; i++) {
      jobs[i] = (client_job){ch, sha, cut, full, 0};
      if (pthread_create(&threads[i], NULL, client_thread, &jobs[i]) == 0) started++;
      else break;
    }
    for (int i = 0; i < started; i++) {
      pthread_join(threads[i], NULL);
      bad += jobs[i].bad;
    }
    CHECK(started == CLIENT_THREADS && bad == 0, "%d threads started, %d bad replies", started, bad);
    printf("ok %d threads x %d calls: %d bad replies\n", started, CALLS_PER_THREAD, bad);
  }

  /* ModelInfo and Echo. */
  {
    Seam__V1__ModelInfoRequest rq = SEAM__V1__MODEL_INFO_REQUEST__INIT;
    rq.model_name = (char *)"fashion";
    uint8_t *reply = NULL;
    size_t size = 0;
    code = call(ch, "/seam.v1.Seam/ModelInfo", &rq.base, 5000, &reply, &size, text, sizeof text);
    CHECK(code == 0, "ModelInfo: %s %s", seam_rpc_code_name(code), text);
    Seam__V1__ModelInfoReply *r = reply ? seam__v1__model_info_reply__unpack(NULL, size, reply) : NULL;
    CHECK(r && r->model_sha256.len == 32 && memcmp(r->model_sha256.data, sha, 32) == 0 &&
              r->n_inputs == 1 && r->n_outputs == 1 && r->worker &&
              r->worker->max_message_bytes == (uint64_t)MAX_MESSAGE_MB << 20,
          "ModelInfo reply wrong");
    if (r) seam__v1__model_info_reply__free_unpacked(r, NULL);
    free(reply);
    Seam__V1__EchoRequest er = SEAM__V1__ECHO_REQUEST__INIT;
    er.reply_bytes = 100000;
    reply = NULL;
    code = call(ch, "/seam.v1.Seam/Echo", &er.base, 5000, &reply, &size, text, sizeof text);
    Seam__V1__EchoReply *e = reply ? seam__v1__echo_reply__unpack(NULL, size, reply) : NULL;
    CHECK(code == 0 && e && e->payload.len == 100000, "Echo: %s %s", seam_rpc_code_name(code), text);
    if (e) seam__v1__echo_reply__free_unpacked(e, NULL);
    free(reply);
    printf("ok ModelInfo, Echo\n");
  }

  /* (2) wrong SHA-256: FAILED_PRECONDITION naming both hashes. */
  {
    uint8_t wrong[32];
    memcpy(wrong, sha, 32);
    wrong[0] ^= 0xff;
    code = infer(ch, wrong, cut, &raw, 0, 5000, NULL, NULL, text, sizeof text, NULL);
    char hex[65], whex[65];
    seam_hex_encode(sha, 32, hex);
    seam_hex_encode(wrong, 32, whex);
    CHECK(code == SEAM_RPC_FAILED_PRECONDITION && strstr(text, hex) && strstr(text, whex),
          "wrong hash: %s '%s'", seam_rpc_code_name(code), text);
    printf("ok wrong sha256: %s\n", text);
  }

  /* (3) corrupt payloads: INVALID_ARGUMENT with the codec's message. */
  code = infer(ch, sha, cut, &raw, 0, 5000, truncate_payload, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, CUT), "truncated RAW: %s '%s'",
        seam_rpc_code_name(code), text);
  printf("ok truncated RAW payload: %s\n", text);
  code = infer(ch, sha, cut, &int8, 0, 5000, truncate_payload, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT, "truncated zstd: %s '%s'", seam_rpc_code_name(code), text);
  printf("ok truncated zstd payload: %s\n", text);
  code = infer(ch, sha, cut, &raw, 0, 5000, negative_dim, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT, "negative dim: %s '%s'", seam_rpc_code_name(code), text);
  printf("ok negative dim: %s\n", text);

  /* An unknown tensor name and a shape the model cannot take: INVALID_ARGUMENT. */
  code = infer(ch, sha, cut, &raw, 0, 5000, unknown_name, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT, "unknown tensor: %s '%s'", seam_rpc_code_name(code), text);
  printf("ok unknown tensor name: %s\n", text);
  code = infer(ch, sha, cut, &raw, 0, 5000, wrong_shape, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT, "wrong shape: %s '%s'", seam_rpc_code_name(code), text);
  printf("ok wrong shape: %s\n", text);

  /* Unknown model: NOT_FOUND. */
  {
    Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
    rq.model_name = (char *)"nope";
    code = call(ch, "/seam.v1.Seam/Infer", &rq.base, 5000, NULL, NULL, text, sizeof text);
    CHECK(code == SEAM_RPC_NOT_FOUND, "unknown model: %s '%s'", seam_rpc_code_name(code), text);
    printf("ok unknown model: %s\n", text);
  }

  /* (4) unknown method: UNIMPLEMENTED at once, not a hang until the 5 s deadline. */
  {
    Seam__V1__EchoRequest er = SEAM__V1__ECHO_REQUEST__INIT;
    double t0 = seam_clock_s();
    code = call(ch, "/seam.v1.Seam/NoSuchMethod", &er.base, 5000, NULL, NULL, text, sizeof text);
    double dt = seam_clock_s() - t0;
    CHECK(code == SEAM_RPC_UNIMPLEMENTED && dt < 4, "unknown method: %s after %.2f s '%s'",
          seam_rpc_code_name(code), dt, text);
    printf("ok unknown method: %s in %.3f s\n", seam_rpc_code_name(code), dt);
  }

  /* (5) expired deadlines: the call's own (the client gives up at once)
   * and the request's budget, shorter than the time the worker is made to
   * wait before it starts (--debug-delay-ms): dropped, not computed. */
  code = infer(ch, sha, cut, &raw, 0, 0, NULL, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_DEADLINE_EXCEEDED, "expired call deadline: %s '%s'",
        seam_rpc_code_name(code), text);
  printf("ok expired call deadline: %s\n", seam_rpc_code_name(code));
  code = infer(ch, sha, cut, &raw, DEBUG_DELAY_MS / 5, 5000, NULL, NULL, text, sizeof text, &tm);
  CHECK(code == SEAM_RPC_DEADLINE_EXCEEDED && strstr(text, "nothing was computed") &&
            tm.compute_us == 0,
        "expired budget: %s '%s'", seam_rpc_code_name(code), text);
  printf("ok expired budget: %s\n", text);

  /* (6) a message over --max-message-mb: RESOURCE_EXHAUSTED. */
  {
    int64_t dims[1] = {((int64_t)MAX_MESSAGE_MB << 20) / 4 + 1024};
    seam_tensor *big = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, &err);
    if (!big) die(err.message);
    code = infer(ch, sha, big, &raw, 0, 5000, NULL, NULL, text, sizeof text, NULL);
    CHECK(code == SEAM_RPC_RESOURCE_EXHAUSTED, "oversized: %s '%s'", seam_rpc_code_name(code), text);
    printf("ok oversized message: %s '%s'\n", seam_rpc_code_name(code), text);
    seam_tensor_free(big);
  }

  /* The worker still serves after all that. */
  code = infer(ch, sha, cut, &raw, 0, 5000, NULL, NULL, text, sizeof text, NULL);
  CHECK(code == SEAM_RPC_OK, "infer after errors: %s %s", seam_rpc_code_name(code), text);

  /* (7) SIGTERM: exit status 0 within 5 s. */
  seam_grpc_channel_close(ch);
  kill(worker, SIGTERM);
  double until = seam_clock_s() + 5;
  int status = 0;
  pid_t done = 0;
  while (seam_clock_s() < until && (done = waitpid(worker, &status, WNOHANG)) == 0) sleep_ms(20);
  CHECK(done == worker && WIFEXITED(status) && WEXITSTATUS(status) == 0,
        "after SIGTERM: %s, status %d", done == worker ? "exited" : "still running", status);
  if (done == worker) worker = -1;
  printf("ok SIGTERM: exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

  seam_tensor_free(cut);
  seam_tensor_free(full);
  seam_tensor_free(x);
  seam_model_free(model);
  cleanup();
  printf("%s (%d failure%s)\n", check_failures ? "FAILED" : "PASSED", check_failures, check_failures == 1 ? "" : "s");
  return check_failures ? 1 : 0;
}

/* Fuzz target: the cloud worker's request handling (seam_cloud_handle,
 * cloud/service.h) against an in-process repository holding the demo model
 * (examples/fashion_mnist/model.onnx, served as "fashion_mnist"), with no
 * network in between.
 *
 * Input: one selector byte, then the request message's bytes.
 *   selector & 7     the method: seam_cloud_methods[i] for i below
 *                    seam_cloud_method_count (Infer, ModelInfo, Echo, health
 *                    Check, InferStream, Profile), any other value an
 *                    unknown method;
 *   selector & 8     "fix the identity": when the bytes parse as the
 *                    method's request, its model name and SHA-256 are set to
 *                    the served model's before the handler sees them, so
 *                    that mutations reach the checks behind the hash.
 * Checked on every reply: a known status code, a message exactly when the
 * code is not OK, a reply within the message limit, and for the seam
 * methods a reply message that parses and carries the call's status; an
 * Infer that succeeds returns decodable outputs.
 *
 * Limits are the worker's own kinds, set small here (FUZZ_MAX_MESSAGE_BYTES,
 * decoded tensors up to 4 times that as in seam-cloud), well under the
 * fuzzer's -malloc_limit_mb; Profile calls get a deadline so that a request
 * for 1000 runs stops like it does in the worker. Deferred work runs on the
 * worker's own compute queues (one lane); the harness waits for its reply. */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cloud/profile_service.h"
#include "cloud/repository.h"
#include "cloud/service.h"
#include "common/clock.h"
#include "protocol/codec.h"
#include "protocol/health.pb-c.h"
#include "protocol/seam.pb-c.h"
#include "tests/fuzz/fuzz_check.h"

#ifndef SEAM_FUZZ_DEMO_MODEL_PATH
#define SEAM_FUZZ_DEMO_MODEL_PATH "examples/fashion_mnist/model.onnx"
#endif
#define FUZZ_MODEL_NAME "fashion_mnist"
#define FUZZ_MAX_MESSAGE_BYTES ((size_t)1 << 20)
#define FUZZ_PROFILE_DEADLINE_MS 100

typedef struct fuzz_worker {
  seam_cloud_repo repo;
  const seam_cloud_model *model;
  seam_cloud_scheduler *scheduler; /* the worker's compute queues, one lane */
  seam_grpc_local *local;          /* the in-process transport of each call */
  FILE *log; /* /dev/null: the log lines are still formatted, client text and all */
} fuzz_worker;

static bool copy_file(const char *from, const char *to) {
  FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
  bool ok = in && out;
  char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0) ok = fwrite(buf, 1, n, out) == n;
  ok = ok && !ferror(in);
  if (in) fclose(in);
  if (out) ok = fclose(out) == 0 && ok;
  return ok;
}

/* A repository folder holding the demo model, loaded and removed again (the
 * worker keeps what it serves in memory). */
static fuzz_worker *worker_start(void) {
  static fuzz_worker w;
  const char *model = getenv("SEAM_FUZZ_DEMO_MODEL");
  if (!model) model = SEAM_FUZZ_DEMO_MODEL_PATH;
  char dir[] = "/tmp/seam-fuzz-repo-XXXXXX";
  FUZZ_CHECK(mkdtemp(dir) != NULL, "cannot make a temporary folder");
  char sub[sizeof dir + 32], file[sizeof dir + 64];
  snprintf(sub, sizeof sub, "%s/%s", dir, FUZZ_MODEL_NAME);
  snprintf(file, sizeof file, "%s/model.onnx", sub);
  bool ok = mkdir(sub, 0700) == 0 && copy_file(model, file);
  seam_model_options options;
  seam_model_options_default(&options);
  options.num_threads = 1;
  seam_error err;
  memset(&err, 0, sizeof err);
  seam_status st = ok ? seam_cloud_repo_load(dir, &options, &w.repo, NULL, &err) : SEAM_ERR_IO;
  unlink(file);
  rmdir(sub);
  rmdir(dir);
  FUZZ_CHECK(st == SEAM_OK, "cannot serve %s (set SEAM_FUZZ_DEMO_MODEL): %s", model,
             ok ? err.message : "cannot copy it");
  w.model = seam_cloud_repo_find(&w.repo, FUZZ_MODEL_NAME);
  FUZZ_CHECK(w.model != NULL, "the repository does not serve %s", FUZZ_MODEL_NAME);
  seam_cloud_queue_config queues[2];
  FUZZ_CHECK(w.repo.n_models == 1, "the repository serves %zu models", w.repo.n_models);
  seam_cloud_queue_layout(&w.repo, 1, 4, 4 * FUZZ_MAX_MESSAGE_BYTES, queues);
  w.scheduler = seam_cloud_scheduler_start(queues, 2);
  w.local = seam_grpc_local_create();
  FUZZ_CHECK(w.scheduler && w.local, "out of memory or threads");
  /* SEAM_FUZZ_LOG=1 shows the worker's log lines (to see what inputs reach). */
  w.log = getenv("SEAM_FUZZ_LOG") ? stderr : fopen("/dev/null", "w");
  return &w;
}

/* The one place the handler is called: it answers at once or defers to
 * the compute queues, whose completion arrives through the local record. */
static void call_handler(fuzz_worker *w, seam_cloud_service *svc, seam_grpc_request *req,
                         seam_grpc_response *r) {
  seam_grpc_local_attach(w->local, req);
  seam_cloud_handle(svc, req, r);
  FUZZ_CHECK(seam_grpc_local_wait(w->local, r, 60000), "%s: a deferred reply did not come within 60 s",
             req->method_name);
}

/* Selector bit 8: the request's model name and SHA-256 set to the served
 * model's; returns a new packed request (caller frees) or NULL when the
 * bytes do not parse as the method's request. */
static uint8_t *fix_identity(const fuzz_worker *w, const char *method, const uint8_t *data,
                             size_t size, size_t *out_size) {
  ProtobufCMessage *msg = NULL;
  char **name = NULL;
  ProtobufCBinaryData *sha = NULL;
  const ProtobufCMessageDescriptor *desc = NULL;
  if (!strcmp(method, "/seam.v1.Seam/Infer") || !strcmp(method, "/seam.v1.Seam/InferStream")) {
    desc = &seam__v1__infer_request__descriptor;
  } else if (!strcmp(method, "/seam.v1.Seam/ModelInfo")) {
    desc = &seam__v1__model_info_request__descriptor;
  } else if (!strcmp(method, "/seam.v1.Seam/Profile")) {
    desc = &seam__v1__profile_request__descriptor;
  } else {
    return NULL;
  }
  msg = protobuf_c_message_unpack(desc, NULL, size, data);
  if (!msg) return NULL;
  if (desc == &seam__v1__infer_request__descriptor) {
    Seam__V1__InferRequest *m = (Seam__V1__InferRequest *)msg;
    name = &m->model_name;
    sha = &m->model_sha256;
  } else if (desc == &seam__v1__model_info_request__descriptor) {
    Seam__V1__ModelInfoRequest *m = (Seam__V1__ModelInfoRequest *)msg;
    name = &m->model_name;
    sha = &m->model_sha256;
  } else {
    Seam__V1__ProfileRequest *m = (Seam__V1__ProfileRequest *)msg;
    name = &m->model_name;
    sha = &m->model_sha256;
  }
  /* Swap in borrowed values, pack, and put the parsed ones back to free them. */
  char *old_name = *name;
  ProtobufCBinaryData old_sha = *sha;
  *name = w->model->name;
  sha->data = (uint8_t *)w->model->sha256;
  sha->len = 32;
  *out_size = protobuf_c_message_get_packed_size(msg);
  uint8_t *packed = malloc(*out_size ? *out_size : 1);
  if (packed) protobuf_c_message_pack(msg, packed);
  *name = old_name;
  *sha = old_sha;
  protobuf_c_message_free_unpacked(msg, NULL);
  return packed;
}

/* The status inside a seam reply message, or -1 when the method's reply has
 * none (Echo, health). Aborts when the reply does not parse. */
static int reply_status(const char *method, const seam_grpc_response *r) {
  const ProtobufCMessageDescriptor *desc = NULL;
  if (!strcmp(method, "/seam.v1.Seam/Infer") || !strcmp(method, "/seam.v1.Seam/InferStream"))
    desc = &seam__v1__infer_reply__descriptor;
  else if (!strcmp(method, "/seam.v1.Seam/ModelInfo"))
    desc = &seam__v1__model_info_reply__descriptor;
  else if (!strcmp(method, "/seam.v1.Seam/Profile"))
    desc = &seam__v1__profile_reply__descriptor;
  else if (!strcmp(method, "/seam.v1.Seam/Echo"))
    desc = &seam__v1__echo_reply__descriptor;
  else if (!strcmp(method, "/grpc.health.v1.Health/Check"))
    desc = &grpc__health__v1__health_check_response__descriptor;
  FUZZ_CHECK(desc != NULL, "a reply from unknown method %s", method);
  ProtobufCMessage *msg = protobuf_c_message_unpack(desc, NULL, r->size, r->data);
  FUZZ_CHECK(msg != NULL, "%s: the reply (%zu bytes) does not parse", method, r->size);
  int code = -1;
  const Seam__V1__Status *status = NULL;
  if (desc == &seam__v1__infer_reply__descriptor) {
    const Seam__V1__InferReply *m = (const Seam__V1__InferReply *)msg;
    status = m->status;
    if (r->code == SEAM_RPC_OK) {
      /* Every output decodes (the edge's limit is larger; this one suffices). */
      for (size_t i = 0; i < m->n_outputs; i++) {
        seam_error err;
        memset(&err, 0, sizeof err);
        seam_tensor *t = seam_codec_decode(m->outputs[i], 4 * FUZZ_MAX_MESSAGE_BYTES, NULL, &err);
        FUZZ_CHECK(t != NULL, "output %zu of a successful Infer does not decode: %s", i, err.message);
        seam_tensor_free(t);
      }
      FUZZ_CHECK(m->n_outputs > 0, "a successful Infer without outputs");
    } else {
      FUZZ_CHECK(m->n_outputs == 0, "a failed Infer with %zu outputs", m->n_outputs);
    }
  } else if (desc == &seam__v1__model_info_reply__descriptor) {
    status = ((const Seam__V1__ModelInfoReply *)msg)->status;
  } else if (desc == &seam__v1__profile_reply__descriptor) {
    status = ((const Seam__V1__ProfileReply *)msg)->status;
  } else {
    protobuf_c_message_free_unpacked(msg, NULL);
    return -1;
  }
  code = status ? (int)status->code : 0;
  protobuf_c_message_free_unpacked(msg, NULL);
  return code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static fuzz_worker *w;
  if (!w) w = worker_start();
  if (size < 1) return 0;
  size_t method = data[0] & 7;
  bool fix = (data[0] & 8) != 0;
  const char *method_name =
      method < seam_cloud_method_count ? seam_cloud_methods[method] : "/seam.v1.Seam/Unknown";
  const uint8_t *body = data + 1;
  size_t body_size = size - 1;
  uint8_t *fixed = NULL;
  if (fix && method < seam_cloud_method_count) {
    size_t fixed_size = 0;
    if ((fixed = fix_identity(w, method_name, body, body_size, &fixed_size))) {
      body = fixed;
      body_size = fixed_size;
    }
  }

  seam_cloud_service svc = {
      .repo = &w->repo,
      .limits = {.max_message_bytes = FUZZ_MAX_MESSAGE_BYTES,
                 .max_tensor_bytes = 4 * FUZZ_MAX_MESSAGE_BYTES,
                 .max_request_bytes = 16 * FUZZ_MAX_MESSAGE_BYTES,
                 .max_batch = 64,
                 .max_echo_bytes = FUZZ_MAX_MESSAGE_BYTES / 2,
                 .profile_timeout_ms = FUZZ_PROFILE_DEADLINE_MS},
      .threads = 1,
      .scheduler = w->scheduler,
      .log = w->log,
      /* Fresh per input, so each input is handled the same way every time. */
      .profiler = seam_cloud_profiler_create(),
  };
  FUZZ_CHECK(svc.profiler != NULL, "out of memory");
  int64_t now = seam_clock_ns();
  bool streaming = method < seam_cloud_method_count && seam_cloud_method_streaming[method];
  seam_grpc_request req = {
      .method = (int)method,
      .method_name = method_name,
      .data = body,
      .size = body_size,
      .received_ns = now,
      .deadline_ns = !strcmp(method_name, "/seam.v1.Seam/Profile")
                         ? now + (int64_t)FUZZ_PROFILE_DEADLINE_MS * 1000000
                         : INT64_MAX,
      .stream_seq = streaming ? 1 : 0,
  };
  seam_grpc_response r;
  memset(&r, 0, sizeof r);
  call_handler(w, &svc, &req, &r);

  FUZZ_CHECK(r.code >= SEAM_RPC_OK && r.code <= SEAM_RPC_UNAUTHENTICATED, "status code %d", r.code);
  FUZZ_CHECK(memchr(r.message, '\0', sizeof r.message) != NULL, "unterminated status message");
  FUZZ_CHECK((r.code == SEAM_RPC_OK) == (r.message[0] == '\0'),
             "%s: code %s with message \"%s\"", method_name, seam_rpc_code_name(r.code), r.message);
  FUZZ_CHECK(r.size <= FUZZ_MAX_MESSAGE_BYTES, "a %zu-byte reply over the message limit", r.size);
  FUZZ_CHECK(r.data || r.size == 0, "a reply size without data");
  if (r.data) {
    int inner = reply_status(method_name, &r);
    if (inner >= 0)
      FUZZ_CHECK(inner == r.code, "%s: the reply says %s, the call %s (%s)", method_name,
                 seam_rpc_code_name(inner), seam_rpc_code_name(r.code), r.message);
  } else {
    FUZZ_CHECK(r.code != SEAM_RPC_OK, "%s: OK without a reply", method_name);
  }
  free(r.data);
  seam_cloud_profiler_free(svc.profiler);
  free(fixed);
  return 0;
}

/* Request handlers of the cloud worker (see service.h). Each handler parses
 * its request, validates everything before doing work, and answers a reply
 * message whose status equals the call's status. */
#include "cloud/service.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/profile_service.h"
#include "common/clock.h"
#include "common/hex.h"
#include "protocol/health.pb-c.h"
#include "protocol/seam.pb-c.h"

#ifndef SEAM_VERSION
#define SEAM_VERSION "unknown"
#endif

enum { M_INFER, M_MODEL_INFO, M_ECHO, M_HEALTH_CHECK, M_INFER_STREAM, M_PROFILE };

const char *const seam_cloud_methods[] = {"/seam.v1.Seam/Infer", "/seam.v1.Seam/ModelInfo",
                                          "/seam.v1.Seam/Echo", "/grpc.health.v1.Health/Check",
                                          "/seam.v1.Seam/InferStream", "/seam.v1.Seam/Profile"};
const unsigned char seam_cloud_method_streaming[] = {0, 0, 0, 0, 1, 0};
const size_t seam_cloud_method_count = sizeof seam_cloud_methods / sizeof seam_cloud_methods[0];

void seam_cloud_set_status(seam_grpc_response *r, int code, const char *fmt, ...) {
  r->code = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
}


/* Client-chosen text made safe for a log line: printable, no spaces or quotes. */
static void log_safe(const char *in, char *out, size_t size) {
  size_t n = 0;
  if (!in || !*in) in = "-";
  for (; *in && n + 1 < size; in++) {
    unsigned char ch = (unsigned char)*in;
    out[n++] = (ch > 32 && ch < 127 && ch != '"' && ch != '\\') ? (char)ch : '_';
  }
  out[n] = '\0';
}

void seam_cloud_log_line(const seam_cloud_service *svc, const char *method, const char *request_id,
                         const char *model, const seam_grpc_response *r, uint64_t total_us,
                         const char *fields) {
  if (!svc->log) return;
  char id[80], name[80], msg[sizeof r->message];
  log_safe(request_id, id, sizeof id);
  log_safe(model, name, sizeof name);
  /* The message may name client input: keep it on one line, quoted. */
  size_t n = 0;
  for (const char *p = r->message; *p && n + 1 < sizeof msg; p++)
    msg[n++] = (*p == '"' || *p == '\n' || *p == '\r' || *p == '\\') ? '\'' : *p;
  msg[n] = '\0';
  fprintf(svc->log, "seam-cloud event=request method=%s request_id=%s model=%s status=%s us=%llu%s%s%s%s\n",
          method, id, name, seam_rpc_code_name(r->code), (unsigned long long)total_us, fields ? fields : "",
          msg[0] ? " message=\"" : "", msg, msg[0] ? "\"" : "");
  fflush(svc->log);
}

/* One structured line per request, with the timings when there are some. */
static void log_request(const seam_cloud_service *svc, const char *method, const char *request_id,
                        const char *model, const seam_grpc_response *r, uint64_t total_us,
                        const Seam__V1__Timings *t) {
  char timings[160] = "";
  if (t)
    snprintf(timings, sizeof timings, " queue_us=%llu decode_us=%llu compute_us=%llu encode_us=%llu",
             (unsigned long long)t->queue_us, (unsigned long long)t->decode_us,
             (unsigned long long)t->compute_us, (unsigned long long)t->encode_us);
  seam_cloud_log_line(svc, method, request_id, model, r, total_us, timings);
}

/* Packs a protobuf-c message into the response. */
static void pack_reply(const seam_cloud_service *svc, const ProtobufCMessage *msg,
                       seam_grpc_response *r) {
  size_t size = protobuf_c_message_get_packed_size(msg);
  if (size > svc->limits.max_message_bytes) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED,
               "the reply would be %zu bytes, over the worker's message limit of %zu bytes", size,
               svc->limits.max_message_bytes);
    return;
  }
  r->data = malloc(size ? size : 1);
  if (!r->data) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory packing a %zu-byte reply", size);
    return;
  }
  r->size = protobuf_c_message_pack(msg, r->data);
}

/* Checks a request's SHA-256 against the model's (FAILED_PRECONDITION on a
 * mismatch). Returns true when it matches. */
static bool check_sha(const seam_cloud_model *m, ProtobufCBinaryData sha, seam_grpc_response *r) {
  if (sha.len == 32 && memcmp(sha.data, m->sha256, 32) == 0) return true;
  if (sha.len != 32) {
    seam_cloud_set_status(r, SEAM_RPC_FAILED_PRECONDITION,
               "model '%s': the request's model_sha256 has %zu bytes, not 32; this worker serves "
               "sha256 %s",
               m->name, sha.len, m->sha256_hex);
    return false;
  }
  char hex[65];
  seam_hex_encode(sha.data, 32, hex);
  seam_cloud_set_status(r, SEAM_RPC_FAILED_PRECONDITION,
             "model '%s': the request is for sha256 %s but this worker serves sha256 %s", m->name,
             hex, m->sha256_hex);
  return false;
}

/* ValueInfo messages of a model's inputs or outputs; freed by free_infos. */
static Seam__V1__ValueInfo **make_infos(const seam_model *model, bool outputs, size_t *n) {
  *n = outputs ? seam_model_output_count(model) : seam_model_input_count(model);
  Seam__V1__ValueInfo **v = calloc(*n ? *n : 1, sizeof *v);
  if (!v) return NULL;
  for (size_t i = 0; i < *n; i++) {
    seam_value_info info;
    if (outputs)
      seam_model_output_info(model, i, &info);
    else
      seam_model_input_info(model, i, &info);
    v[i] = calloc(1, sizeof **v);
    if (!v[i]) continue;
    seam__v1__value_info__init(v[i]);
    v[i]->name = (char *)info.name;
    v[i]->dtype = (Seam__V1__DType)info.dtype;
    v[i]->rank_unknown = info.rank < 0;
    if (info.rank > 0) {
      v[i]->n_dims = v[i]->n_dim_names = (size_t)info.rank;
      v[i]->dims = calloc((size_t)info.rank, sizeof *v[i]->dims);
      v[i]->dim_names = calloc((size_t)info.rank, sizeof *v[i]->dim_names);
      if (!v[i]->dims || !v[i]->dim_names) {
        v[i]->n_dims = v[i]->n_dim_names = 0;
        continue;
      }
      for (int d = 0; d < info.rank; d++) {
        v[i]->dims[d] = info.dims[d];
        v[i]->dim_names[d] = (char *)(info.dim_names[d] ? info.dim_names[d] : "");
      }
    }
  }
  return v;
}

static void free_infos(Seam__V1__ValueInfo **v, size_t n) {
  for (size_t i = 0; v && i < n; i++) {
    if (!v[i]) continue;
    free(v[i]->dims);
    free(v[i]->dim_names);
    free(v[i]);
  }
  free(v);
}

static void handle_model_info(const seam_cloud_service *svc, const seam_grpc_request *req,
                              seam_grpc_response *r) {
  Seam__V1__ModelInfoReply reply = SEAM__V1__MODEL_INFO_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  Seam__V1__WorkerInfo worker = SEAM__V1__WORKER_INFO__INIT;
  Seam__V1__Encoding encodings[] = {SEAM__V1__ENCODING__ENCODING_RAW,
                                    SEAM__V1__ENCODING__ENCODING_F16,
                                    SEAM__V1__ENCODING__ENCODING_INT8};
  Seam__V1__Compression compressions[] = {SEAM__V1__COMPRESSION__COMPRESSION_NONE,
                                          SEAM__V1__COMPRESSION__COMPRESSION_ZSTD};
  reply.status = &status;
  worker.version = (char *)SEAM_VERSION;
  worker.n_encodings = 3;
  worker.encodings = encodings;
  worker.n_compressions = 2;
  worker.compressions = compressions;
  worker.max_message_bytes = svc->limits.max_message_bytes;
  worker.max_tensor_bytes = svc->limits.max_tensor_bytes;
  worker.max_batch = svc->limits.max_batch;
  worker.max_request_bytes = svc->limits.max_request_bytes;
  worker.max_echo_bytes = svc->limits.max_echo_bytes;
  worker.threads = (uint32_t)svc->threads;
  reply.worker = &worker;
  Seam__V1__ValueInfo **ins = NULL, **outs = NULL;
  size_t n_ins = 0, n_outs = 0;

  Seam__V1__ModelInfoRequest *rq = seam__v1__model_info_request__unpack(NULL, req->size, req->data);
  const seam_cloud_model *m = NULL;
  if (!rq) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "the request is not a valid seam.v1.ModelInfoRequest");
    goto reply;
  }
  if (!(m = seam_cloud_find_model(svc, rq->model_name, r))) goto reply;
  if (rq->model_sha256.len && !check_sha(m, rq->model_sha256, r)) goto reply;
  reply.model_name = m->name;
  reply.model_sha256.data = (uint8_t *)m->sha256;
  reply.model_sha256.len = 32;
  reply.model_bytes = m->bytes;
  ins = make_infos(m->model, false, &n_ins);
  outs = make_infos(m->model, true, &n_outs);
  if (!ins || !outs) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
    goto reply;
  }
  reply.inputs = ins;
  reply.n_inputs = n_ins;
  reply.outputs = outs;
  reply.n_outputs = n_outs;
  r->code = SEAM_RPC_OK;
reply:
  status.code = (uint32_t)r->code;
  status.message = r->message;
  pack_reply(svc, &reply.base, r);
  log_request(svc, "ModelInfo", NULL, rq ? rq->model_name : NULL, r,
              seam_clock_us_between(req->received_ns, seam_clock_ns()), NULL);
  free_infos(ins, n_ins);
  free_infos(outs, n_outs);
  if (rq) seam__v1__model_info_request__free_unpacked(rq, NULL);
}

/* The wait Echo reports: the named model's queue when it is served, else
 * the longest over all served models. */
static uint64_t echo_queue_us(const seam_cloud_service *svc, const char *model_name) {
  const seam_cloud_model *m = model_name && *model_name ? seam_cloud_repo_find(svc->repo, model_name) : NULL;
  if (m && m->model) return seam_cloud_scheduler_wait_us(svc->scheduler, seam_cloud_model_index(svc, m));
  uint64_t longest = 0;
  for (size_t i = 0; i < svc->repo->n_models; i++) {
    if (!svc->repo->models[i].model) continue;
    uint64_t w = seam_cloud_scheduler_wait_us(svc->scheduler, i);
    if (w > longest) longest = w;
  }
  return longest;
}

static void handle_echo(const seam_cloud_service *svc, const seam_grpc_request *req,
                        seam_grpc_response *r) {
  Seam__V1__EchoReply reply = SEAM__V1__ECHO_REPLY__INIT;
  Seam__V1__EchoRequest *rq = seam__v1__echo_request__unpack(NULL, req->size, req->data);
  if (!rq) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "the request is not a valid seam.v1.EchoRequest");
    log_request(svc, "Echo", NULL, NULL, r, seam_clock_us_between(req->received_ns, seam_clock_ns()), NULL);
    return;
  }
  /* A probe's reply is bounded (max_echo_bytes), far below the message
   * limit: a few bytes must not buy a large reply. */
  size_t cap = svc->limits.max_echo_bytes;
  if (cap > svc->limits.max_message_bytes - 64) cap = svc->limits.max_message_bytes - 64;
  size_t n = rq->reply_bytes < cap ? rq->reply_bytes : cap;
  uint8_t *zeros = calloc(n ? n : 1, 1);
  if (!zeros) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
  } else {
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    reply.payload.data = zeros;
    reply.payload.len = n;
    reply.server_time_us = (uint64_t)now.tv_sec * 1000000 + (uint64_t)now.tv_nsec / 1000;
    reply.queue_us = echo_queue_us(svc, rq->model_name);
    reply.handling_us = seam_clock_us_between(req->received_ns, seam_clock_ns());
    r->code = SEAM_RPC_OK;
    pack_reply(svc, &reply.base, r);
  }
  free(zeros);
  log_request(svc, "Echo", NULL, NULL, r, seam_clock_us_between(req->received_ns, seam_clock_ns()), NULL);
  seam__v1__echo_request__free_unpacked(rq, NULL);
}

static void handle_health(const seam_cloud_service *svc, const seam_grpc_request *req,
                          seam_grpc_response *r) {
  (void)svc;
  Grpc__Health__V1__HealthCheckResponse reply = GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__INIT;
  Grpc__Health__V1__HealthCheckRequest *rq =
      grpc__health__v1__health_check_request__unpack(NULL, req->size, req->data);
  if (!rq) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "the request is not a valid HealthCheckRequest");
    return;
  }
  /* "" and "seam.v1.Seam": the worker, serving while one model is; a
   * model's name: that model, NOT_SERVING when it failed to load. */
  const seam_cloud_model *m = NULL;
  bool whole = !rq->service[0] || strcmp(rq->service, "seam.v1.Seam") == 0;
  if (!whole && !(m = seam_cloud_repo_find(svc->repo, rq->service))) {
    /* The standard answer for a service the server does not know. */
    seam_cloud_set_status(r, SEAM_RPC_NOT_FOUND, "unknown service '%s'", rq->service);
  } else {
    bool serving = whole ? svc->repo->n_loaded > 0 : m->model != NULL;
    if (svc->scheduler && seam_cloud_scheduler_draining(svc->scheduler)) serving = false;
    reply.status = serving ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
                           : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING;
    r->code = SEAM_RPC_OK;
    pack_reply(svc, &reply.base, r);
  }
  grpc__health__v1__health_check_request__free_unpacked(rq, NULL);
}

/* The helpers above, for the handlers in other files (service.h). */
void seam_cloud_pack_reply(const seam_cloud_service *svc, const ProtobufCMessage *msg,
                           seam_grpc_response *r) {
  pack_reply(svc, msg, r);
}

bool seam_cloud_check_sha(const seam_cloud_model *m, ProtobufCBinaryData sha, seam_grpc_response *r) {
  return check_sha(m, sha, r);
}

const seam_cloud_model *seam_cloud_find_model(const seam_cloud_service *svc, const char *name,
                                              seam_grpc_response *r) {
  const seam_cloud_model *m = seam_cloud_repo_find(svc->repo, name);
  if (!m) {
    seam_cloud_set_status(r, SEAM_RPC_NOT_FOUND, "model '%s' is not in this worker's repository", name);
    return NULL;
  }
  if (!m->model) {
    seam_cloud_set_status(r, SEAM_RPC_UNAVAILABLE, "model '%s' failed to load on this worker: %s", m->name, m->error);
    return NULL;
  }
  return m;
}

size_t seam_cloud_model_index(const seam_cloud_service *svc, const seam_cloud_model *m) {
  return (size_t)(m - svc->repo->models);
}

void seam_cloud_queue_layout(const seam_cloud_repo *repo, int lanes, int max_waiting,
                             size_t max_waiting_bytes, seam_cloud_queue_config *queues) {
  for (size_t i = 0; i < repo->n_models; i++)
    queues[i] = (seam_cloud_queue_config){.name = repo->models[i].name,
                                          .threads = repo->models[i].model ? lanes : 1,
                                          .max_waiting = max_waiting,
                                          .max_waiting_bytes = max_waiting_bytes};
  /* One profile at a time, none waiting: profiling competes with inference
   * for the cores, and a second request is told to retry at once. */
  queues[repo->n_models] = (seam_cloud_queue_config){.name = "Profile", .threads = 1, .max_waiting = 0};
}

void seam_cloud_handle(void *user, const seam_grpc_request *request, seam_grpc_response *response) {
  const seam_cloud_service *svc = user;
  switch (request->method) {
    case M_INFER:
      seam_cloud_handle_infer(svc, request, "Infer", response);
      break;
    case M_INFER_STREAM:
      seam_cloud_handle_infer(svc, request, "InferStream", response);
      break;
    case M_MODEL_INFO:
      handle_model_info(svc, request, response);
      break;
    case M_ECHO:
      handle_echo(svc, request, response);
      break;
    case M_HEALTH_CHECK:
      handle_health(svc, request, response);
      break;
    case M_PROFILE:
      seam_cloud_handle_profile(svc, request, response);
      break;
    default:
      seam_cloud_set_status(response, SEAM_RPC_UNIMPLEMENTED, "method %s is not implemented",
                 request->method_name);
  }
}

/* Infer and each message of InferStream: one InferRequest in, one
 * InferReply out, whose status equals the call's (see service.h).
 *
 * Admission, on the transport's thread, refuses at once and in this order:
 * a request that does not parse, an unknown or failed model, a wrong
 * SHA-256, a passed deadline (the earlier of the call's and budget_ms), an
 * unknown reply encoding, no inputs; names (inputs and wanted: tensors of
 * the model file, not constants, none twice, at most SEAM_CLOUD_MAX_NAMES;
 * tensors the served graph's optimization removed are served by a variant
 * that keeps them, within the bounds of cloud/cut_variants.h);
 * each input's decoded size (tensor limit), their sum (request limit) and
 * the batch limit. What passes becomes a job on the model's queue; its
 * thread decodes, runs within the request's memory and the reply's size
 * (both checked before allocating, by the runtime's run limits), stops when
 * the client goes away or the deadline passes, and encodes the reply. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/cut_variants.h"
#include "cloud/service.h"
#include "common/clock.h"
#include "protocol/codec.h"
#include "protocol/seam.pb-c.h"
#include "runtime/model.h"

/* No real cut names more tensors; a request naming more is refused before
 * any name is looked up. */
#define SEAM_CLOUD_MAX_NAMES 1024

typedef struct infer_job {
  seam_cloud_job base; /* first */
  const seam_cloud_service *svc;
  const seam_cloud_model *model;
  seam_cloud_variant *variant; /* NULL: the served model has every tensor named */
  Seam__V1__InferRequest *rq;
  const char *method;
  int64_t received_ns;
  size_t input_bytes; /* decoded, as the admission computed them */
} infer_job;

/* The decoded size of a tensor message without trusting anything in it;
 * false when the dims are invalid or overflow (the codec then reports
 * them). */
static bool decoded_size(const Seam__V1__Tensor *t, uint64_t *bytes) {
  uint64_t elem = t->encoding == SEAM__V1__ENCODING__ENCODING_RAW ? seam_dtype_size((seam_dtype)t->dtype)
                                                                   : sizeof(float);
  if (elem == 0 || t->n_dims > SEAM_MAX_RANK) return false;
  uint64_t n = 1;
  for (size_t i = 0; i < t->n_dims; i++) {
    if (t->dims[i] < 0) return false;
    uint64_t d = (uint64_t)t->dims[i];
    if (d && n > UINT64_MAX / d) return false;
    n *= d;
  }
  if (n && elem > UINT64_MAX / n) return false;
  *bytes = n * elem;
  return true;
}

/* Packs the reply (status, request id, timings, outputs when OK) into r
 * and logs the request. outputs may be NULL. */
static void answer(const seam_cloud_service *svc, const Seam__V1__InferRequest *rq, const char *method,
                   int64_t received_ns, Seam__V1__Timings *timings, Seam__V1__Tensor **outputs,
                   size_t n_outputs, seam_grpc_response *r) {
  Seam__V1__InferReply reply = SEAM__V1__INFER_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  Seam__V1__Timings none = SEAM__V1__TIMINGS__INIT;
  if (!timings) timings = &none;
  reply.status = &status;
  reply.timings = timings;
  reply.request_id = rq ? rq->request_id : (char *)"";
  if (r->code == SEAM_RPC_OK) {
    reply.outputs = outputs;
    reply.n_outputs = n_outputs;
  }
  status.code = (uint32_t)r->code;
  status.message = r->message;
  timings->total_us = seam_clock_us_between(received_ns, seam_clock_ns());
  seam_cloud_pack_reply(svc, &reply.base, r);
  if (!r->data) { /* over the message limit: the status alone (r holds it) */
    reply.outputs = NULL;
    reply.n_outputs = 0;
    status.code = (uint32_t)r->code;
    status.message = r->message;
    seam_cloud_pack_reply(svc, &reply.base, r);
  }
  char fields[160];
  snprintf(fields, sizeof fields, " queue_us=%llu decode_us=%llu compute_us=%llu encode_us=%llu",
           (unsigned long long)timings->queue_us, (unsigned long long)timings->decode_us,
           (unsigned long long)timings->compute_us, (unsigned long long)timings->encode_us);
  seam_cloud_log_line(svc, method, rq ? rq->request_id : NULL, rq ? rq->model_name : NULL, r,
                      seam_clock_us_between(received_ns, seam_clock_ns()), fields);
}

/* The reply's largest decoded size that can fit the message limit with the
 * requested encoding (zstd not counted: a reply that only fits compressed
 * is refused, which a client can see in ModelInfo's limits). */
static size_t max_reply_tensor_bytes(const seam_cloud_service *svc, Seam__V1__Encoding enc) {
  size_t m = svc->limits.max_message_bytes;
  size_t factor = enc == SEAM__V1__ENCODING__ENCODING_INT8  ? 4
                  : enc == SEAM__V1__ENCODING__ENCODING_F16 ? 2
                                                            : 1;
  return m > SIZE_MAX / factor ? SIZE_MAX : m * factor;
}

/* A running inference stops when nobody waits for it any more. At
 * shutdown it goes on: calls in flight finish (the transport cancels them
 * after its drain time, which ends up here too). */
static int job_should_stop(void *user) {
  const infer_job *j = user;
  return seam_grpc_pending_abandoned(j->base.pending);
}

/* The status of a run that stopped: who stopped it. */
static void stopped_status(const infer_job *j, int64_t deadline, const char *message,
                           seam_grpc_response *r) {
  if (seam_clock_ns() >= deadline)
    seam_cloud_set_status(r, SEAM_RPC_DEADLINE_EXCEEDED, "model '%s': %s", j->model->name, message);
  else if (seam_cloud_scheduler_draining(j->svc->scheduler))
    seam_cloud_set_status(r, SEAM_RPC_UNAVAILABLE, "model '%s': the worker is shutting down: %s",
                          j->model->name, message);
  else
    seam_cloud_set_status(r, SEAM_RPC_CANCELLED, "model '%s': %s", j->model->name, message);
}

/* Decodes, runs and encodes on the model's compute thread; r gets the
 * packed reply. */
static void run_infer(infer_job *j, seam_grpc_response *r) {
  const seam_cloud_service *svc = j->svc;
  const Seam__V1__InferRequest *rq = j->rq;
  if (svc->debug_delay_ms > 0) {
    struct timespec d = {svc->debug_delay_ms / 1000, (long)(svc->debug_delay_ms % 1000) * 1000000};
    nanosleep(&d, NULL);
  }
  int64_t start = seam_clock_ns(), deadline = j->base.deadline_ns;
  Seam__V1__Timings timings = SEAM__V1__TIMINGS__INIT;
  timings.queue_us = seam_clock_us_between(j->received_ns, start);
  size_t n_in = rq->n_inputs, n_out = rq->n_wanted ? rq->n_wanted : seam_model_output_count(j->model->model);
  seam_tensor **inputs = calloc(n_in, sizeof *inputs), **outputs = calloc(n_out + 1, sizeof *outputs);
  const char **input_names = calloc(n_in, sizeof *input_names);
  Seam__V1__Tensor *out_msgs = calloc(n_out + 1, sizeof *out_msgs), **out_ptrs = calloc(n_out + 1, sizeof *out_ptrs);
  size_t n_encoded = 0;
  if (!inputs || !outputs || !input_names || !out_msgs || !out_ptrs) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
    goto reply;
  }
  if (start >= deadline) {
    seam_cloud_set_status(r, SEAM_RPC_DEADLINE_EXCEEDED,
                          "the deadline (%llu us after receipt) passed before the work started; nothing "
                          "was computed",
                          (unsigned long long)seam_clock_us_between(j->received_ns, deadline));
    goto reply;
  }
  for (size_t i = 0; i < n_in; i++) {
    const Seam__V1__Tensor *t = rq->inputs[i];
    input_names[i] = t->name;
    seam_error err;
    inputs[i] = seam_codec_decode(t, svc->limits.max_tensor_bytes, NULL, &err);
    if (!inputs[i]) {
      seam_cloud_set_status(r, seam_rpc_code_from_status(err.status), "input '%s': %s", t->name, err.message);
      goto reply;
    }
  }
  int64_t t1 = seam_clock_ns();
  timings.decode_us = seam_clock_us_between(start, t1);
  if (t1 >= deadline) {
    seam_cloud_set_status(r, SEAM_RPC_DEADLINE_EXCEEDED,
                          "the deadline passed while decoding the inputs (%llu us); nothing was computed",
                          (unsigned long long)timings.decode_us);
    goto reply;
  }

  seam_run_options run;
  seam_run_options_default(&run);
  run.deadline_ns = deadline == INT64_MAX ? 0 : deadline;
  run.should_stop = job_should_stop;
  run.user = j;
  run.max_memory_bytes = svc->limits.max_request_bytes > j->input_bytes
                             ? svc->limits.max_request_bytes - j->input_bytes
                             : 1;
  run.max_output_bytes = max_reply_tensor_bytes(svc, rq->reply_encoding);
  run.computed_only = 1;
  /* A request naming removed tensors runs on the variant that keeps them,
   * loaded here the first time (its load counts as compute). */
  const seam_model *model = j->model->model;
  if (j->variant && !(model = seam_cloud_variant_model(svc->variants, j->variant, j->model, r))) goto reply;
  seam_error err;
  seam_status st = seam_model_run_with(model, n_in, input_names, (const seam_tensor *const *)inputs,
                                       n_out, rq->n_wanted ? (const char *const *)rq->wanted : NULL, outputs,
                                       &run, &err);
  int64_t t2 = seam_clock_ns();
  timings.compute_us = seam_clock_us_between(t1, t2);
  if (st == SEAM_ERR_CANCELLED) {
    stopped_status(j, deadline, err.message, r);
    goto reply;
  }
  if (st != SEAM_OK) {
    seam_cloud_set_status(r, seam_rpc_code_from_status(st), "model '%s': %s", j->model->name, err.message);
    goto reply;
  }
  /* Encode the outputs as asked (non-float32 ones RAW). */
  for (size_t i = 0; i < n_out; i++) {
    const char *name = rq->n_wanted ? rq->wanted[i] : NULL;
    seam_value_info info;
    if (!name) {
      seam_model_output_info(model, i, &info);
      name = info.name;
    }
    seam_codec_options opt;
    memset(&opt, 0, sizeof opt);
    opt.encoding = seam_tensor_dtype(outputs[i]) == SEAM_DTYPE_FLOAT32 ? (seam_encoding)rq->reply_encoding
                                                                        : SEAM_ENCODING_RAW;
    opt.zstd_level = rq->reply_zstd_level;
    st = seam_codec_encode(outputs[i], name, &opt, &out_msgs[i], NULL, &err);
    if (st != SEAM_OK) {
      seam_cloud_set_status(r, seam_rpc_code_from_status(st), "output '%s': %s", name, err.message);
      goto reply;
    }
    out_ptrs[i] = &out_msgs[i];
    n_encoded++;
  }
  timings.encode_us = seam_clock_us_between(t2, seam_clock_ns());
  r->code = SEAM_RPC_OK;
reply:
  answer(svc, rq, j->method, j->received_ns, &timings, out_ptrs, n_out, r);
  for (size_t i = 0; i < n_encoded; i++) seam_codec_msg_clear(&out_msgs[i]);
  free(out_msgs);
  free(out_ptrs);
  for (size_t i = 0; outputs && i < n_out; i++) seam_tensor_free(outputs[i]);
  free(outputs);
  for (size_t i = 0; inputs && i < n_in; i++) seam_tensor_free(inputs[i]);
  free(inputs);
  free(input_names);
}

/* The job's one finish (scheduler.h): run it, or answer the refusal. */
static void finish_job(seam_cloud_job *base, int code, const char *message) {
  infer_job *j = (infer_job *)base;
  seam_grpc_response r;
  memset(&r, 0, sizeof r);
  if (code == SEAM_RPC_OK) {
    run_infer(j, &r);
  } else {
    seam_cloud_set_status(&r, code, "model '%s': %s", j->model->name, message);
    Seam__V1__Timings timings = SEAM__V1__TIMINGS__INIT;
    timings.queue_us = seam_clock_us_between(j->received_ns, seam_clock_ns());
    answer(j->svc, j->rq, j->method, j->received_ns, &timings, NULL, 0, &r);
  }
  seam_cloud_job_release(&j->base);
  seam_grpc_complete(j->base.pending, &r);
  seam__v1__infer_request__free_unpacked(j->rq, NULL);
  free(j);
}

/* The admission checks that need the model (see the top of the file);
 * the sum of the decoded input sizes goes to *input_bytes. */
static bool admit(const seam_cloud_service *svc, const seam_cloud_model *m,
                  const Seam__V1__InferRequest *rq, size_t *input_bytes, seam_cloud_variant **variant,
                  seam_grpc_response *r) {
  if (rq->reply_encoding != SEAM__V1__ENCODING__ENCODING_RAW &&
      rq->reply_encoding != SEAM__V1__ENCODING__ENCODING_F16 &&
      rq->reply_encoding != SEAM__V1__ENCODING__ENCODING_INT8) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "unknown reply_encoding %d", (int)rq->reply_encoding);
    return false;
  }
  if (rq->n_inputs == 0) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "the request carries no input tensor");
    return false;
  }
  if (rq->n_inputs > SEAM_CLOUD_MAX_NAMES || rq->n_wanted > SEAM_CLOUD_MAX_NAMES) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT,
                          "the request names %zu inputs and %zu wanted tensors; at most %d of each",
                          rq->n_inputs, rq->n_wanted, SEAM_CLOUD_MAX_NAMES);
    return false;
  }
  const char *names[SEAM_CLOUD_MAX_NAMES];
  uint64_t total = 0;
  for (size_t i = 0; i < rq->n_inputs; i++) {
    const Seam__V1__Tensor *t = rq->inputs[i];
    names[i] = t->name;
    uint64_t bytes = 0;
    if (!decoded_size(t, &bytes)) {
      seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "input '%s': invalid dtype, encoding or dims", t->name);
      return false;
    }
    if (bytes > svc->limits.max_tensor_bytes) {
      seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED,
                            "input '%s' decodes to %llu bytes, over the worker's tensor limit of %zu bytes",
                            t->name, (unsigned long long)bytes, svc->limits.max_tensor_bytes);
      return false;
    }
    total += bytes;
    if (t->n_dims >= 2 && t->dims[0] > svc->limits.max_batch) {
      seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED,
                            "input '%s' has a batch of %lld; this worker runs at most %lld per request",
                            t->name, (long long)t->dims[0], (long long)svc->limits.max_batch);
      return false;
    }
  }
  if (total > svc->limits.max_request_bytes) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED,
                          "the inputs decode to %llu bytes, over the worker's request limit of %zu bytes",
                          (unsigned long long)total, svc->limits.max_request_bytes);
    return false;
  }
  if (!seam_cloud_variant_admit(svc->variants, m, rq->n_inputs, names, rq->n_wanted,
                                (const char *const *)rq->wanted, variant, r))
    return false;
  *input_bytes = (size_t)total;
  return true;
}

void seam_cloud_handle_infer(const seam_cloud_service *svc, const seam_grpc_request *req,
                             const char *method, seam_grpc_response *r) {
  Seam__V1__InferRequest *rq = seam__v1__infer_request__unpack(NULL, req->size, req->data);
  const seam_cloud_model *m = NULL;
  size_t input_bytes = 0;
  seam_cloud_variant *variant = NULL;
  if (!rq) {
    seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "the request is not a valid seam.v1.InferRequest");
    goto refuse;
  }
  if (!(m = seam_cloud_find_model(svc, rq->model_name, r)) || !seam_cloud_check_sha(m, rq->model_sha256, r))
    goto refuse;
  /* The earlier of the call's deadline and the request's own budget. */
  int64_t deadline = req->deadline_ns;
  if (rq->budget_ms) {
    int64_t budget_end = req->received_ns + (int64_t)rq->budget_ms * 1000000;
    if (budget_end < deadline) deadline = budget_end;
  }
  if (seam_clock_ns() >= deadline) {
    if (deadline <= req->received_ns)
      seam_cloud_set_status(r, SEAM_RPC_DEADLINE_EXCEEDED,
                            "the call's deadline had passed when the request arrived; nothing was computed");
    else
      seam_cloud_set_status(r, SEAM_RPC_DEADLINE_EXCEEDED,
                            "the deadline (%llu us after receipt; budget_ms %u) passed before the work "
                            "started; nothing was computed",
                            (unsigned long long)seam_clock_us_between(req->received_ns, deadline),
                            rq->budget_ms);
    goto refuse;
  }
  if (!admit(svc, m, rq, &input_bytes, &variant, r)) goto refuse;
  infer_job *j = calloc(1, sizeof *j);
  seam_grpc_pending *pending = j ? seam_grpc_defer(req) : NULL;
  if (!pending) {
    free(j);
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
    goto refuse;
  }
  *j = (infer_job){.base = {.fn = finish_job, .pending = pending, .deadline_ns = deadline, .bytes = req->size},
                   .svc = svc, .model = m, .variant = variant, .rq = rq, .method = method, .received_ns = req->received_ns,
                   .input_bytes = input_bytes};
  seam_cloud_scheduler_submit(svc->scheduler, seam_cloud_model_index(svc, m), &j->base);
  return;
refuse:
  answer(svc, rq, method, req->received_ns, NULL, NULL, 0, r);
  if (rq) seam__v1__infer_request__free_unpacked(rq, NULL);
}

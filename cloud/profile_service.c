/* The worker's Profile method (see profile_service.h). */
#include "cloud/profile_service.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/error.h"
#include "protocol/seam.pb-c.h"
#include "runtime/synthetic.h"
#include "runtime/tensor.h"
#include "seam/profile.h"

typedef struct cache_entry {
  const seam_cloud_model *model; /* NULL: free slot */
  char *key;
  seam_profile *profile;
  uint64_t used; /* tick of the last use */
} cache_entry;

struct seam_cloud_profiler {
  pthread_mutex_t lock; /* guards the cache */
  cache_entry cache[SEAM_CLOUD_PROFILE_CACHE_SIZE];
  uint64_t tick;
};

/* One request, validated; a job of the Profile queue once deferred. */
typedef struct profile_job {
  seam_cloud_job base; /* first */
  const seam_cloud_service *svc;
  Seam__V1__ProfileRequest *rq;
  int64_t received_ns;
  const seam_cloud_model *model;
  seam_profile_options options;
  seam_run_options run;
  const char **dim_names;
  int64_t *dim_values;
  char *key; /* runs, warmup and every input's shape: the cache key */
  int started; /* runs begun, for the deadline message */
} profile_job;

seam_cloud_profiler *seam_cloud_profiler_create(void) {
  seam_cloud_profiler *p = calloc(1, sizeof *p);
  if (!p) return NULL;
  if (pthread_mutex_init(&p->lock, NULL) != 0) {
    free(p);
    return NULL;
  }
  return p;
}

void seam_cloud_profiler_free(seam_cloud_profiler *p) {
  if (!p) return;
  for (int i = 0; i < SEAM_CLOUD_PROFILE_CACHE_SIZE; i++) {
    free(p->cache[i].key);
    seam_profile_free(p->cache[i].profile);
  }
  pthread_mutex_destroy(&p->lock);
  free(p);
}

/* Bytes of a tensor of rank dims of dtype; false when that overflows. */
static bool tensor_bytes(seam_dtype dtype, int rank, const int64_t *dims, uint64_t *bytes) {
  uint64_t n = seam_dtype_size(dtype != SEAM_DTYPE_UNDEFINED ? dtype : SEAM_DTYPE_FLOAT32);
  for (int d = 0; d < rank; d++) {
    uint64_t v = (uint64_t)dims[d];
    if (v && n > UINT64_MAX / v) return false;
    n *= v;
  }
  *bytes = n;
  return true;
}

/* Checks every made-up input against the tensor limit and writes the cache
 * key. Returns an RPC code, with the message in e. */
static int check_inputs(const seam_cloud_service *svc, profile_job *job, seam_error *e) {
  const seam_model *model = job->model->model;
  const seam_profile_options *o = &job->options;
  size_t n = seam_model_input_count(model);
  size_t cap = 64 + n * (SEAM_MAX_RANK * 21 + 4), len = 0;
  if (!(job->key = malloc(cap))) {
    seam_fail(e, SEAM_ERR_NO_MEMORY, "out of memory");
    return SEAM_RPC_RESOURCE_EXHAUSTED;
  }
  len += (size_t)snprintf(job->key, cap, "runs=%d warmup=%d shapes=", o->runs, o->warmup);
  for (size_t i = 0; i < n; i++) {
    seam_value_info info;
    seam_model_input_info(model, i, &info);
    int64_t dims[SEAM_MAX_RANK];
    int rank = seam_synthetic_shape(&info, o->n_dims, o->dim_names, o->dim_values, dims);
    char shape[SEAM_MAX_RANK * 21 + 4];
    seam_shape_str(rank, dims, shape, sizeof shape);
    uint64_t bytes = 0;
    if (!tensor_bytes(info.dtype, rank, dims, &bytes) || bytes > svc->limits.max_tensor_bytes) {
      free(job->key);
      job->key = NULL;
      seam_fail(e, SEAM_ERR_LIMIT,
                "input '%s' would have shape %s, over the worker's tensor limit of %zu bytes",
                info.name, shape, svc->limits.max_tensor_bytes);
      return SEAM_RPC_RESOURCE_EXHAUSTED;
    }
    if (rank >= 2 && dims[0] > svc->limits.max_batch) {
      free(job->key);
      job->key = NULL;
      seam_fail(e, SEAM_ERR_LIMIT, "input '%s' would have a batch of %lld; this worker runs at most %lld",
                info.name, (long long)dims[0], (long long)svc->limits.max_batch);
      return SEAM_RPC_RESOURCE_EXHAUSTED;
    }
    len += (size_t)snprintf(job->key + len, cap - len, "%s%s", i ? ";" : "", shape);
  }
  return SEAM_RPC_OK;
}

/* Checks the request and fills job. Returns an RPC code, with the message in
 * e (or, for a hash mismatch, already in r). */
static int check_request(const seam_cloud_service *svc, const seam_grpc_request *req,
                         const Seam__V1__ProfileRequest *rq, profile_job *job,
                         seam_grpc_response *r, seam_error *e) {
  if (!rq) {
    seam_fail(e, SEAM_ERR_INVALID_ARGUMENT, "the request is not a valid seam.v1.ProfileRequest");
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  if (!svc->profiler) {
    seam_fail(e, SEAM_ERR_INTERNAL, "this worker does not profile");
    return SEAM_RPC_UNAVAILABLE;
  }
  if (!(job->model = seam_cloud_find_model(svc, rq->model_name, r))) return r->code;
  if (!seam_cloud_check_sha(job->model, rq->model_sha256, r)) return r->code;
  if (rq->runs > SEAM_CLOUD_PROFILE_MAX_RUNS) {
    seam_fail(e, SEAM_ERR_INVALID_ARGUMENT, "runs is %u; this worker times at most %d runs",
              rq->runs, SEAM_CLOUD_PROFILE_MAX_RUNS);
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  if (rq->warmup > SEAM_CLOUD_PROFILE_MAX_WARMUP) {
    seam_fail(e, SEAM_ERR_INVALID_ARGUMENT,
              "warmup is %u; this worker makes at most %d warm-up runs", rq->warmup,
              SEAM_CLOUD_PROFILE_MAX_WARMUP);
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  if (rq->n_dims > SEAM_CLOUD_PROFILE_MAX_DIMS) {
    seam_fail(e, SEAM_ERR_INVALID_ARGUMENT, "%zu dims: at most %d", rq->n_dims,
              SEAM_CLOUD_PROFILE_MAX_DIMS);
    return SEAM_RPC_INVALID_ARGUMENT;
  }
  seam_profile_options *o = &job->options;
  seam_profile_options_default(o);
  if (rq->runs) o->runs = (int)rq->runs;
  if (rq->warmup) o->warmup = (int)rq->warmup;
  job->dim_names = calloc(rq->n_dims + 1, sizeof *job->dim_names);
  job->dim_values = calloc(rq->n_dims + 1, sizeof *job->dim_values);
  if (!job->dim_names || !job->dim_values) {
    seam_fail(e, SEAM_ERR_NO_MEMORY, "out of memory");
    return SEAM_RPC_RESOURCE_EXHAUSTED;
  }
  for (size_t i = 0; i < rq->n_dims; i++) {
    job->dim_names[i] = rq->dims[i]->name;
    job->dim_values[i] = rq->dims[i]->value;
  }
  o->n_dims = rq->n_dims;
  o->dim_names = job->dim_names;
  o->dim_values = job->dim_values;
  if (seam_synthetic_check_dims(job->model->model, o->n_dims, o->dim_names, o->dim_values, e) !=
      SEAM_OK)
    return SEAM_RPC_INVALID_ARGUMENT;
  int code = check_inputs(svc, job, e);
  if (code != SEAM_RPC_OK) return code;
  /* Profiles always end: a call without a deadline (or a later one) gets
   * the worker's own. */
  job->base.deadline_ns = req->received_ns + (int64_t)svc->limits.profile_timeout_ms * 1000000;
  if (req->deadline_ns < job->base.deadline_ns) job->base.deadline_ns = req->deadline_ns;
  if (seam_clock_ns() >= job->base.deadline_ns) {
    seam_fail(e, SEAM_ERR_CANCELLED,
              "the call's deadline had passed before the profile started; nothing was computed");
    return SEAM_RPC_DEADLINE_EXCEEDED;
  }
  return SEAM_RPC_OK;
}

/* Packs the reply for profile into r (status OK); *info gets its summary. */
static void answer(const seam_cloud_service *svc, const seam_cloud_model *m, const seam_profile *p,
                   bool cached, seam_grpc_response *r, seam_profile_info *info_out) {
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  *info_out = info;
  Seam__V1__ProfileReply reply = SEAM__V1__PROFILE_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  Seam__V1__NodeProfile *nodes = calloc(info.n_nodes + 1, sizeof *nodes);
  Seam__V1__NodeProfile **ptrs = calloc(info.n_nodes + 1, sizeof *ptrs);
  if (!nodes || !ptrs) {
    r->code = SEAM_RPC_RESOURCE_EXHAUSTED;
    snprintf(r->message, sizeof r->message, "out of memory");
  } else {
    for (size_t i = 0; i < info.n_nodes; i++) {
      seam_node_profile n;
      seam_profile_node(p, i, &n);
      seam__v1__node_profile__init(&nodes[i]);
      nodes[i].name = (char *)n.name;
      nodes[i].op = (char *)n.op;
      nodes[i].median_ms = n.median_ms;
      nodes[i].output_bytes = n.output_bytes;
      nodes[i].macs = n.macs;
      nodes[i].n_outputs = n.n_outputs;
      nodes[i].outputs = (char **)n.outputs;
      nodes[i].n_inputs = n.n_inputs;
      nodes[i].inputs = (char **)n.inputs;
      nodes[i].fused_activation = (char *)n.fused_activation;
      ptrs[i] = &nodes[i];
    }
    reply.status = &status;
    reply.model_name = m->name;
    reply.model_sha256.data = (uint8_t *)m->sha256;
    reply.model_sha256.len = 32;
    reply.threads = (uint32_t)info.threads;
    reply.runs = (uint32_t)info.runs;
    reply.warmup = (uint32_t)info.warmup;
    reply.kernels = (char *)info.kernels;
    reply.total_ms = info.total_ms;
    reply.nodes_total_ms = info.nodes_total_ms;
    reply.n_nodes = info.n_nodes;
    reply.nodes = ptrs;
    reply.cached = cached;
    r->code = SEAM_RPC_OK;
    seam_cloud_pack_reply(svc, &reply.base, r);
  }
  free(nodes);
  free(ptrs);
}

/* Answers from the cache when it holds this job's profile. */
static bool answer_cached(const seam_cloud_service *svc, const profile_job *job,
                          seam_grpc_response *r, seam_profile_info *info) {
  seam_cloud_profiler *p = svc->profiler;
  bool hit = false;
  pthread_mutex_lock(&p->lock);
  for (int i = 0; !hit && i < SEAM_CLOUD_PROFILE_CACHE_SIZE; i++) {
    cache_entry *c = &p->cache[i];
    if (c->model != job->model || strcmp(c->key, job->key) != 0) continue;
    c->used = ++p->tick;
    answer(svc, job->model, c->profile, true, r, info);
    hit = true;
  }
  pthread_mutex_unlock(&p->lock);
  return hit;
}

/* Keeps profile (which the cache then owns) under a copy of the job's key,
 * in place of the least recently used entry. */
static void remember(seam_cloud_profiler *p, const profile_job *job, seam_profile *profile) {
  char *key = strdup(job->key);
  if (!key) {
    seam_profile_free(profile);
    return;
  }
  pthread_mutex_lock(&p->lock);
  cache_entry *victim = &p->cache[0];
  for (int i = 1; i < SEAM_CLOUD_PROFILE_CACHE_SIZE; i++)
    if (p->cache[i].used < victim->used) victim = &p->cache[i];
  free(victim->key);
  seam_profile_free(victim->profile);
  victim->model = job->model;
  victim->key = key;
  victim->profile = profile;
  victim->used = ++p->tick;
  pthread_mutex_unlock(&p->lock);
}

/* Between runs: stop when the deadline has passed or the worker stops. */
static int before_run(void *user, int timed, int index, int count) {
  (void)timed, (void)index, (void)count;
  profile_job *job = user;
  if (job->run.should_stop(job) || seam_clock_ns() >= job->base.deadline_ns) return 1;
  job->started++;
  return 0;
}

/* Within a run, between nodes: the client went away or the worker stops. */
static int should_stop(void *user) {
  const profile_job *job = user;
  return seam_grpc_pending_abandoned(job->base.pending) ||
         seam_cloud_scheduler_draining(job->svc->scheduler);
}

/* Profiles the job on the Profile queue's thread and answers. Returns an
 * RPC code, with the message in e; *profiled_us gets the profile's time,
 * *info its summary, *cached whether the cache answered after all. */
static int run_job(profile_job *job, seam_grpc_response *r, uint64_t *profiled_us,
                   seam_profile_info *info, bool *cached, seam_error *e) {
  const seam_cloud_service *svc = job->svc;
  /* The same request may have finished while this one waited. */
  if ((*cached = answer_cached(svc, job, r, info))) return SEAM_RPC_OK;
  seam_run_options_default(&job->run);
  job->run.deadline_ns = job->base.deadline_ns == INT64_MAX ? 0 : job->base.deadline_ns;
  job->run.should_stop = should_stop;
  job->run.user = job;
  job->run.max_memory_bytes = svc->limits.max_request_bytes;
  job->options.run = &job->run;
  job->options.before_run = before_run;
  job->options.user = job;
  seam_profile *profile = NULL;
  int64_t t0 = seam_clock_ns();
  seam_status st = seam_profile_run(job->model->model, &job->options, &profile, e);
  *profiled_us = seam_clock_us_between(t0, seam_clock_ns());
  if (st == SEAM_ERR_CANCELLED) {
    int total = job->options.warmup + job->options.runs;
    if (seam_cloud_scheduler_draining(svc->scheduler)) {
      seam_fail(e, st, "the worker is shutting down; the profile stopped after %d of %d runs and reports nothing",
                job->started, total);
      return SEAM_RPC_UNAVAILABLE;
    }
    if (seam_clock_ns() < job->base.deadline_ns) {
      seam_fail(e, st, "the client went away; the profile stopped after %d of %d runs", job->started, total);
      return SEAM_RPC_CANCELLED;
    }
    seam_fail(e, st, "the call's deadline passed after %d of %d runs; the profile reports nothing",
              job->started, total);
    return SEAM_RPC_DEADLINE_EXCEEDED;
  }
  if (st != SEAM_OK) {
    seam_error_prefix(e, "model '%s'", job->model->name);
    return seam_rpc_code_from_status(st);
  }
  answer(svc, job->model, profile, false, r, info);
  remember(svc->profiler, job, profile);
  return r->code;
}

/* Sets r's status to code (with e's message unless r already holds the
 * message, as after a hash mismatch) and packs the reply of a failure. */
static void answer_failure(const seam_cloud_service *svc, const Seam__V1__ProfileRequest *rq, int code,
                           const seam_error *e, seam_grpc_response *r) {
  if (code != r->code) {
    r->code = code;
    snprintf(r->message, sizeof r->message, "%s", e->message);
  }
  free(r->data);
  r->data = NULL;
  r->size = 0;
  Seam__V1__ProfileReply reply = SEAM__V1__PROFILE_REPLY__INIT;
  Seam__V1__Status status = SEAM__V1__STATUS__INIT;
  status.code = (uint32_t)r->code;
  status.message = r->message;
  reply.status = &status;
  reply.model_name = rq ? rq->model_name : (char *)"";
  seam_cloud_pack_reply(svc, &reply.base, r);
}

static void log_profile(const seam_cloud_service *svc, const profile_job *job, int code, bool cached,
                        uint64_t profiled_us, const seam_profile_info *info, const seam_grpc_response *r) {
  /* The key holds runs, warmup and the input shapes. */
  char fields[320] = "";
  if (job->key)
    snprintf(fields, sizeof fields, " %s cached=%d profile_us=%llu", job->key, cached,
             (unsigned long long)profiled_us);
  if (code == SEAM_RPC_OK)
    snprintf(fields + strlen(fields), sizeof fields - strlen(fields), " threads=%d nodes=%zu", info->threads,
             info->n_nodes);
  seam_cloud_log_line(svc, "Profile", NULL, job->rq ? job->rq->model_name : NULL, r,
                      (uint64_t)(seam_clock_ns() - job->received_ns) / 1000, fields);
}

static void free_job(profile_job *job) {
  free(job->key);
  free(job->dim_names);
  free(job->dim_values);
  if (job->rq) seam__v1__profile_request__free_unpacked(job->rq, NULL);
  free(job);
}

/* The job's one finish (scheduler.h): profile, or answer the refusal. */
static void finish_job(seam_cloud_job *base, int code, const char *message) {
  profile_job *job = (profile_job *)base;
  seam_grpc_response r;
  memset(&r, 0, sizeof r);
  seam_error e = {0};
  uint64_t profiled_us = 0;
  seam_profile_info info = {0};
  bool cached = false;
  if (code == SEAM_RPC_OK) {
    code = run_job(job, &r, &profiled_us, &info, &cached, &e);
  } else if (code == SEAM_RPC_RESOURCE_EXHAUSTED) {
    seam_fail(&e, SEAM_ERR_LIMIT, "another profile is running on this worker (one at a time); retry later");
  } else {
    seam_fail(&e, SEAM_ERR_CANCELLED, "%s", message);
  }
  if (code != SEAM_RPC_OK) answer_failure(job->svc, job->rq, code, &e, &r);
  log_profile(job->svc, job, code, cached, profiled_us, &info, &r);
  seam_cloud_job_release(&job->base);
  seam_grpc_complete(job->base.pending, &r);
  free_job(job);
}

void seam_cloud_handle_profile(const seam_cloud_service *svc, const seam_grpc_request *req,
                               seam_grpc_response *r) {
  profile_job *job = calloc(1, sizeof *job);
  if (!job) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
    return;
  }
  job->svc = svc;
  job->received_ns = req->received_ns;
  job->rq = seam__v1__profile_request__unpack(NULL, req->size, req->data);
  job->base.fn = finish_job;
  job->base.bytes = req->size;
  seam_error e = {0};
  seam_profile_info info = {0};
  int code = check_request(svc, req, job->rq, job, r, &e);
  if (code == SEAM_RPC_OK && answer_cached(svc, job, r, &info)) {
    log_profile(svc, job, r->code, true, 0, &info, r);
    free_job(job);
    return;
  }
  if (code == SEAM_RPC_OK && !(job->base.pending = seam_grpc_defer(req))) {
    seam_fail(&e, SEAM_ERR_NO_MEMORY, "out of memory");
    code = SEAM_RPC_RESOURCE_EXHAUSTED;
  }
  if (code != SEAM_RPC_OK) {
    answer_failure(svc, job->rq, code, &e, r);
    log_profile(svc, job, code, false, 0, &info, r);
    free_job(job);
    return;
  }
  seam_cloud_scheduler_submit(svc->scheduler, SEAM_CLOUD_PROFILE_QUEUE(svc), &job->base);
}

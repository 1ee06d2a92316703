/* libseam-edge: the edge client (see include/seam/edge.h).
 *
 * One session = one model loaded on the device + one gRPC channel. An
 * inference runs the head with seam_model_run (graph inputs -> cut tensors),
 * encodes the cut tensors with the tensor codec, makes one unary Infer call
 * and checks and decodes the reply. Whenever the worker gives no good
 * answer (any failed status, a reply that does not fit the model: see
 * edge/reply_check.h) it runs the tail on the device from the cut tensors it
 * holds. Nothing here is shared between calls except immutable state, the
 * thread-safe model and the thread-safe channel, plus an atomic request
 * counter. */
#include "seam/edge.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "edge/cut_wire.h"
#include "common/hex.h"
#include "common/sha256.h"
#include "edge/keep_cut.h"
#include "edge/model_id.h"
#include "edge/policy.h"
#include "edge/prober.h"
#include "edge/reason.h"
#include "edge/reply_check.h"
#include "edge/route.h"
#include "edge/session.h"
#include "edge/warm.h"
#include "edge/wire.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "common/error.h"
#include "runtime/model.h"
#include "seam/runtime.h"

#define EDGE_MAX_MESSAGE_BYTES ((size_t)64 << 20)
#define EDGE_NO_DEADLINE_MS (24 * 3600 * 1000)
/* gRPC's own reconnect backoff, capped: the breaker (policy.h) decides how
 * often a session asks for the worker; a channel still waiting out a long
 * backoff would fail those probes after the worker is back. */
#define EDGE_RECONNECT_MAX_MS 1000
/* Dead connections: bytes the worker has not acknowledged after 5 s drop
 * the connection (TCP_USER_TIMEOUT, which gRPC sets to the keepalive
 * timeout), and so does a ping unanswered for 5 s; a ping goes out after
 * 30 s of a call. A slow upload keeps being acknowledged, so it is not cut
 * short; a ping waits behind the bytes already written, which is why pings
 * are rare (seam_grpc_channel_options.keepalive_ms). */
#define EDGE_KEEPALIVE_MS 30000
#define EDGE_KEEPALIVE_TIMEOUT_MS 5000
#define EDGE_MAX_PLAN_CUTS 256

struct seam_edge_session {
  seam_model *model;
  seam_grpc_channel *channel; /* NULL: local only */
  char *model_name;
  uint8_t sha256[32];
  /* A fixed cut: one route. "auto": one per plan candidate, in the plan's
   * order, chosen per request by the policy. */
  edge_route *routes;
  size_t n_routes;
  edge_policy *policy; /* "auto" only */
  edge_prober *prober; /* "auto" with an endpoint */
  edge_warm_request *warm; /* "auto": one per route until the prober takes them */
  int deadline_ms;
  seam_codec_options codec;
  atomic_uint_fast64_t next_id;
};

static char *dup_str(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

static bool is_auto(const char *cut) { return cut && strcmp(cut, "auto") == 0; }

/* The plan's codec replaces the configured one: its costs were measured
 * with it. */
static seam_status plan_codec(const part_plan *plan, seam_codec_options *codec, seam_error *err) {
  memset(codec, 0, sizeof *codec);
  if (strcmp(plan->codec, "int8") == 0) codec->encoding = SEAM_ENCODING_INT8;
  else if (strcmp(plan->codec, "f16") == 0) codec->encoding = SEAM_ENCODING_F16;
  else if (strcmp(plan->codec, "raw") != 0)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the plan's codec '%s' is not raw, f16 or int8", plan->codec);
  codec->zstd_level = plan->zstd_level;
  return SEAM_OK;
}

/* Packs what remote route k sends for the warm-up inputs into s->warm[k]. */
static seam_status keep_warm_request(void *user, size_t k, size_t n, const char *const *names,
                                     const seam_cut_wire *wire, const seam_tensor *const *tensors,
                                     seam_error *err) {
  seam_edge_session *s = user;
  edge_session_view v = {.model = s->model, .model_name = s->model_name, .sha256 = s->sha256, .codec = s->codec};
  char id[32];
  snprintf(id, sizeof id, "edge-warm-%zu", k);
  return edge_pack_request(&v, id, 0, n, names, wire, tensors, &s->warm[k].buf, &s->warm[k].size, NULL, err);
}

/* "auto": the plan (for this file only), a route per candidate, the policy. */
static seam_status open_auto(seam_edge_session *s, const seam_edge_config *cfg, seam_error *err) {
  if (!cfg->plan_path || !*cfg->plan_path)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut \"auto\" needs a plan (plan_path; `seam partition` writes one)");
  if (cfg->device_speed != 0 &&
      !(cfg->device_speed >= PART_DEVSPEED_MIN && cfg->device_speed <= PART_DEVSPEED_MAX))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "device_speed must be 0 (measured) or a ratio from %g to %g, not %g",
                     PART_DEVSPEED_MIN, PART_DEVSPEED_MAX, cfg->device_speed);
  char hex[2 * SEAM_SHA256_SIZE + 1];
  seam_hex_encode(s->sha256, SEAM_SHA256_SIZE, hex);
  part_plan *plan = calloc(1, sizeof *plan);
  if (!plan) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status st = part_plan_load(cfg->plan_path, hex, plan, err);
  if (st != SEAM_OK) {
    free(plan);
    return st;
  }
  if ((st = plan_codec(plan, &s->codec, err)) == SEAM_OK && part_plan_find(plan, "local") < 0)
    st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "plan '%s' has no \"local\" candidate", cfg->plan_path);
  /* Every candidate is a route prepared and warmed at open: a bound keeps
   * a hostile or runaway plan from making open take forever. */
  if (st == SEAM_OK && plan->n_candidates > EDGE_MAX_PLAN_CUTS)
    st = seam_fail(err, SEAM_ERR_LIMIT, "plan '%s' has %d candidate cuts; a session takes at most %d",
                   cfg->plan_path, plan->n_candidates, EDGE_MAX_PLAN_CUTS);
  if (st == SEAM_OK && !(s->routes = calloc((size_t)plan->n_candidates, sizeof *s->routes)))
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; st == SEAM_OK && i < plan->n_candidates; i++) {
    st = edge_route_prepare(&s->routes[i], s->model->graph, plan->candidates[i].cut, &s->codec, err);
    if (st == SEAM_OK) s->n_routes++;
  }
  if (st == SEAM_OK && !(s->policy = edge_policy_create(plan, cfg->device_speed, err))) st = SEAM_ERR_NO_MEMORY;
  if (st != SEAM_OK) {
    part_plan_free(plan);
    free(plan);
    return st;
  }
  if (cfg->skip_warmup) return SEAM_OK;
  if (!(s->warm = calloc(s->n_routes, sizeof *s->warm))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  return edge_warm_routes(s->model, s->routes, s->n_routes, keep_warm_request, s, err);
}

/* A fixed cut: one route. */
static seam_status open_fixed(seam_edge_session *s, const char *cut, seam_error *err) {
  if (!(s->routes = calloc(1, sizeof *s->routes))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status st = edge_route_prepare(&s->routes[0], s->model->graph, cut, &s->codec, err);
  if (st == SEAM_OK) s->n_routes = 1;
  return st;
}

seam_edge_session *seam_edge_open(const seam_edge_config *cfg, seam_error *err) {
  if (!cfg || !cfg->model_path) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_open: no model path");
    return NULL;
  }
  if (cfg->connect_timeout_ms < 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_open: connect_timeout_ms %d is negative",
              cfg->connect_timeout_ms);
    return NULL;
  }
  if (cfg->deadline_ms < 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_open: deadline_ms %d is negative",
         cfg->deadline_ms);
    return NULL;
  }
  seam_edge_session *s = calloc(1, sizeof *s);
  if (!s) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  atomic_init(&s->next_id, 1);
  s->deadline_ms = cfg->deadline_ms;
  switch (cfg->codec) {
    case SEAM_EDGE_CODEC_RAW: s->codec.encoding = SEAM_ENCODING_RAW; break;
    case SEAM_EDGE_CODEC_F16: s->codec.encoding = SEAM_ENCODING_F16; break;
    case SEAM_EDGE_CODEC_INT8: s->codec.encoding = SEAM_ENCODING_INT8; break;
    default:
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_open: unknown codec %d", (int)cfg->codec);
      goto bad;
  }
  s->codec.zstd_level = cfg->zstd_level;
  seam_model_options opts;
  seam_model_options_default(&opts);
  if (cfg->threads < 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_open: threads %d is negative", cfg->threads);
    goto bad;
  }
  opts.num_threads = cfg->threads;
  /* A fixed cut's tensors stay addressable through graph optimization; an
   * "auto" plan names only tensors of the optimized graph. */
  if (!(s->model = edge_keep_cut_load(cfg->model_path, is_auto(cfg->cut) ? NULL : cfg->cut, &opts, err))) goto bad;
  if (!seam_sha256_file(cfg->model_path, s->sha256)) {
    seam_fail(err, SEAM_ERR_IO, "cannot hash the model file '%s'", cfg->model_path);
    goto bad;
  }
  s->model_name = cfg->model_name && *cfg->model_name ? dup_str(cfg->model_name, strlen(cfg->model_name))
                                                      : seam_edge_default_model_name(cfg->model_path);
  if (!s->model_name) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto bad;
  }
  if ((is_auto(cfg->cut) ? open_auto(s, cfg, err) : open_fixed(s, cfg->cut, err)) != SEAM_OK) goto bad;
  bool any_remote = false;
  for (size_t i = 0; i < s->n_routes; i++) any_remote |= s->routes[i].kind != EDGE_CUT_LOCAL;
  if (any_remote) {
    if (!cfg->endpoint || !*cfg->endpoint) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut '%s' needs an endpoint (HOST:PORT)", cfg->cut);
      goto bad;
    }
    /* A codec check now rather than at the first call. */
    seam_tensor *probe = NULL;
    int64_t one = 1;
    seam_error e;
    probe = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, &one, &e);
    if (probe) {
      Seam__V1__Tensor msg;
      seam_status st = seam_codec_encode(probe, "probe", &s->codec, &msg, NULL, &e);
      seam_tensor_free(probe);
      if (st != SEAM_OK) {
        seam_fail(err, st, "codec: %s", e.message);
        goto bad;
      }
      seam_codec_msg_clear(&msg);
    }
    seam_grpc_channel_options channel = {
        .max_message_bytes = EDGE_MAX_MESSAGE_BYTES,
        .connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms
                                                      : SEAM_EDGE_CONNECT_TIMEOUT_DEFAULT_MS,
        .max_reconnect_backoff_ms = EDGE_RECONNECT_MAX_MS,
        .keepalive_ms = EDGE_KEEPALIVE_MS,
        .keepalive_timeout_ms = EDGE_KEEPALIVE_TIMEOUT_MS};
    if (!(s->channel = seam_grpc_channel_open_with(cfg->endpoint, &channel, err))) goto bad;
    if (s->policy) {
      s->prober = edge_prober_start(s->policy, s->channel, s->model_name, s->warm, s->warm ? s->n_routes : 0, err);
      s->warm = NULL; /* the prober's now */
      if (!s->prober) goto bad;
    }
  }
  return s;
bad:
  seam_edge_close(s);
  return NULL;
}

void seam_edge_close(seam_edge_session *s) {
  if (!s) return;
  edge_prober_stop(s->prober);
  for (size_t i = 0; s->warm && i < s->n_routes; i++) free(s->warm[i].buf);
  free(s->warm);
  seam_grpc_channel_close(s->channel);
  for (size_t i = 0; i < s->n_routes; i++) edge_route_clear(&s->routes[i]);
  free(s->routes);
  edge_policy_free(s->policy);
  free(s->model_name);
  seam_model_free(s->model);
  free(s);
}

size_t seam_edge_output_count(const seam_edge_session *s) {
  return s ? seam_model_output_count(s->model) : 0;
}

const char *seam_edge_output_name(const seam_edge_session *s, size_t i) {
  seam_value_info info;
  if (!s || seam_model_output_info(s->model, i, &info) != SEAM_OK) return NULL;
  return info.name;
}

size_t seam_edge_input_count(const seam_edge_session *s) {
  return s ? seam_model_input_count(s->model) : 0;
}

const char *seam_edge_input_name(const seam_edge_session *s, size_t i) {
  seam_value_info info;
  if (!s || seam_model_input_info(s->model, i, &info) != SEAM_OK) return NULL;
  return info.name;
}

const struct seam_model *seam_edge_model(const seam_edge_session *s) { return s ? s->model : NULL; }

/* One Infer call carrying the n tensors. SEAM_EDGE_REASON_NONE when the
 * worker answered with outputs that fit the model (outputs[] then holds them,
 * decoded); otherwise the reason, with what happened in why. */
static seam_edge_reason remote_tail(seam_edge_session *s, size_t n, const char *const *names,
                                    const seam_cut_wire *wire, const seam_tensor *const *tensors,
                                    const edge_dim_bindings *bound, int timeout_ms, size_t n_out,
                                    seam_tensor **outputs, seam_edge_timing *tm, uint64_t *call_us,
                                    char *why, size_t why_size) {
  seam_edge_reason reason = SEAM_EDGE_REASON_BAD_REPLY;
  uint8_t *buf = NULL, *reply = NULL;
  size_t size = 0, reply_size = 0;
  Seam__V1__InferReply *rp = NULL;
  char request_id[32];
  snprintf(request_id, sizeof request_id, "edge-%llu",
           (unsigned long long)atomic_fetch_add(&s->next_id, 1));
  edge_session_view v;
  seam_edge_session_view(s, &v);
  int64_t t0 = seam_clock_us();
  uint32_t budget_ms = s->deadline_ms > 0 ? (uint32_t)timeout_ms : 0;
  seam_error e = {0};
  if (edge_pack_request(&v, request_id, budget_ms, n, names, wire, tensors, &buf, &size,
                        &tm->tensor_bytes_up, &e) != SEAM_OK) {
    snprintf(why, why_size, "the request was not sent: %s", e.message);
    reason = SEAM_EDGE_REASON_NOT_SENT;
    goto out;
  }
  tm->encode_us = seam_clock_us_since(t0);
  tm->bytes_up = size;
  /* The time the encoding took comes off the call's timeout too. */
  if (s->deadline_ms > 0) {
    timeout_ms -= (int)(tm->encode_us / 1000);
    if (timeout_ms <= 0) {
      snprintf(why, why_size, "the deadline of %d ms passed before the request was sent",
               s->deadline_ms);
      reason = SEAM_EDGE_REASON_DEADLINE;
      goto out;
    }
  }
  char message[SEAM_ERROR_MESSAGE_SIZE - 128];
  message[0] = '\0';
  int64_t t1 = seam_clock_us();
  int code = seam_grpc_call_take(s->channel, "/seam.v1.Seam/Infer", buf, size, timeout_ms, &reply,
                                 &reply_size, message, sizeof message);
  buf = NULL; /* gRPC's now */
  uint64_t rtt = seam_clock_us_since(t1);
  *call_us = rtt;
  tm->bytes_down = reply_size;
  if (code != SEAM_RPC_OK) {
    snprintf(why, why_size, "Infer on the worker failed (%s): %s", seam_rpc_code_name(code), message);
    reason = edge_reason_from_rpc_code(code);
    goto out;
  }
  int64_t t2 = seam_clock_us();
  rp = reply ? seam__v1__infer_reply__unpack(NULL, reply_size, reply) : NULL;
  if (!rp) {
    snprintf(why, why_size, "the worker's reply (%zu bytes) is not a valid seam.v1.InferReply",
             reply_size);
    goto out;
  }
  uint64_t worker_total = rp->timings ? rp->timings->total_us : 0;
  tm->network_us = rtt > worker_total ? rtt - worker_total : 0;
  tm->worker_queue_us = rp->timings ? rp->timings->queue_us : 0;
  tm->worker_compute_us = rp->timings ? rp->timings->compute_us : 0;
  if (rp->status && rp->status->code != SEAM_RPC_OK) {
    /* The same status a stream's reply would carry: judged by its code. */
    int inner = (int)rp->status->code;
    snprintf(why, why_size, "the worker's reply says %s although the call succeeded: %s",
             seam_rpc_code_name(inner), rp->status->message ? rp->status->message : "");
    reason = edge_reason_from_rpc_code(inner);
    goto out;
  }
  if (!rp->request_id || !rp->request_id[0]) {
    snprintf(why, why_size, "the worker's reply (%zu bytes) has no request_id (sent '%s')",
             reply_size, request_id);
    goto out;
  }
  if (strcmp(rp->request_id, request_id) != 0) {
    snprintf(why, why_size, "the worker's reply is for request '%s', not '%s'", rp->request_id,
             request_id);
    goto out;
  }
  if (!edge_reply_fits_model(s->model, bound, rp, why, why_size)) goto out;
  if (edge_decode_outputs(rp, n_out, outputs, &e) != SEAM_OK) {
    snprintf(why, why_size, "the worker's reply does not decode: %s", e.message);
    goto out;
  }
  tm->decode_us = seam_clock_us_since(t2);
  reason = SEAM_EDGE_REASON_NONE;
out:
  if (rp) seam__v1__infer_reply__free_unpacked(rp, NULL);
  free(reply);
  free(buf);
  return reason;
}

/* The tail on the device from the n tensors held (the head's, or the
 * inputs for "cloud"), timed as fallback_us. */
static seam_status device_tail(seam_edge_session *s, size_t n, const char *const *held,
                               const seam_tensor *const *tensors, size_t n_out,
                               seam_tensor **outputs, seam_edge_timing *tm, seam_error *err) {
  int64_t t0 = seam_clock_us();
  seam_status st = seam_model_run(s->model, n, held, tensors, n_out, NULL, outputs, err);
  tm->fallback_us += seam_clock_us_since(t0);
  return st;
}

static void free_all(size_t n, seam_tensor **t) {
  for (size_t i = 0; i < n; i++) seam_tensor_free(t[i]), t[i] = NULL;
}

/* The worker's outputs hold NaN or Inf (output bad_output) although every
 * tensor sent was finite: the device runs the tail and its outputs replace
 * the worker's. Finite ones mean the reply was wrong (a fallback); non-finite
 * ones are the model's answer. */
static seam_status check_non_finite(seam_edge_session *s, size_t n, const char *const *held,
                                    const seam_tensor *const *tensors, size_t n_out,
                                    seam_tensor **outputs, size_t bad_output,
                                    seam_edge_timing *tm, seam_error *err) {
  seam_tensor **mine = calloc(n_out ? n_out : 1, sizeof *mine);
  if (!mine) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  char output[160];
  seam_value_info info;
  snprintf(output, sizeof output, "%s",
           seam_model_output_info(s->model, bad_output, &info) == SEAM_OK ? info.name : "?");
  seam_error e = {0};
  seam_status st = device_tail(s, n, held, tensors, n_out, mine, tm, &e);
  if (st != SEAM_OK) {
    free(mine);
    tm->remote = 0;
    tm->reason = SEAM_EDGE_REASON_BAD_REPLY;
    return seam_fail(err, st, "the worker's output '%s' holds NaN or Inf, and the device's run of "
                     "the tail to check it failed: %s", output, e.message);
  }
  bool finite = edge_first_non_finite(n_out, (const seam_tensor *const *)mine) == n_out;
  free_all(n_out, outputs);
  for (size_t i = 0; i < n_out; i++) outputs[i] = mine[i];
  free(mine);
  if (finite) {
    tm->remote = 0;
    tm->fell_back = 1;
    tm->reason = SEAM_EDGE_REASON_BAD_REPLY;
    seam_fail(err, SEAM_OK,
              "fell back to the device (bad_reply): the worker's output '%s' holds NaN or Inf "
              "although every tensor sent was finite, and the device's run has none", output);
  } else {
    seam_fail(err, SEAM_OK, "the worker's output '%s' holds NaN or Inf; the device's run of the "
              "tail gives non-finite values too: they are the model's answer", output);
  }
  return SEAM_OK;
}

/* Graph inputs -> what the device holds for route r (nothing to run for
 * "cloud"): *cut (malloc'd array of r->n_cut tensors) for a split. */
static seam_status run_head(seam_edge_session *s, const edge_route *r, size_t n_inputs,
                            const char *const *in_names, const seam_tensor *const *inputs,
                            seam_tensor ***cut, seam_edge_timing *tm, seam_error *err) {
  *cut = NULL;
  if (r->kind != EDGE_CUT_SPLIT) return SEAM_OK;
  if (!(*cut = calloc(r->n_cut, sizeof **cut))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  int64_t t0 = seam_clock_us();
  seam_status st = seam_model_run(s->model, n_inputs, in_names, inputs, r->n_cut,
                                  (const char *const *)r->head_names, *cut, err);
  tm->head_us = seam_clock_us_since(t0);
  return st;
}

/* One inference on route r; *call_us receives the Infer call's wall time
 * (0 when none was made). */
static seam_status infer_route(seam_edge_session *s, const edge_route *r, size_t n_inputs,
                               const char *const *in_names, const seam_tensor *const *inputs,
                               size_t n_outputs, seam_tensor **outputs, int64_t start,
                               seam_edge_timing *tm, uint64_t *call_us, seam_error *err) {
  *call_us = 0;
  if (r->kind == EDGE_CUT_LOCAL) {
    int64_t t0 = seam_clock_us();
    seam_status st = seam_model_run(s->model, n_inputs, in_names, inputs, n_outputs, NULL, outputs, err);
    tm->head_us = seam_clock_us_since(t0);
    return st;
  }
  seam_tensor **cut = NULL;
  edge_dim_bindings bound = {0};
  size_t n_cut = r->kind == EDGE_CUT_CLOUD ? n_inputs : r->n_cut;
  const char *const *cut_names = r->kind == EDGE_CUT_CLOUD ? in_names : (const char *const *)r->names;
  seam_status st = run_head(s, r, n_inputs, in_names, inputs, &cut, tm, err);
  const seam_tensor *const *cut_tensors = cut ? (const seam_tensor *const *)cut : inputs;
  /* The symbolic dims the inputs bind, for checking the reply's shapes. */
  if (st == SEAM_OK) st = edge_bind_input_dims(s->model, n_inputs, in_names, inputs, &bound, err);
  if (st != SEAM_OK) goto done;
  int timeout_ms = EDGE_NO_DEADLINE_MS;
  if (s->deadline_ms > 0) {
    timeout_ms = s->deadline_ms - (int)(seam_clock_us_since(start) / 1000);
    if (timeout_ms < 1) timeout_ms = 1; /* let the call report DEADLINE_EXCEEDED */
  }
  /* The tensors the device holds, where a fallback starts from. */
  const char *const *held = r->kind == EDGE_CUT_SPLIT ? (const char *const *)r->head_names : cut_names;
  char why[SEAM_ERROR_MESSAGE_SIZE - 32];
  why[0] = '\0';
  seam_edge_reason reason =
      remote_tail(s, n_cut, cut_names, r->kind == EDGE_CUT_SPLIT ? r->wire : NULL, cut_tensors, &bound,
                  timeout_ms, n_outputs, outputs, tm, call_us, why, sizeof why);
  if (reason == SEAM_EDGE_REASON_NONE) {
    tm->remote = 1;
    size_t bad = edge_first_non_finite(n_outputs, (const seam_tensor *const *)outputs);
    if (bad < n_outputs && edge_first_non_finite(n_cut, cut_tensors) == n_cut)
      st = check_non_finite(s, n_cut, held, cut_tensors, n_outputs, outputs, bad, tm, err);
    goto done;
  }
  /* Whatever the worker did, the device finishes the tail from the tensors
   * it holds; only the device's own failure is an error. */
  tm->reason = reason;
  free_all(n_outputs, outputs);
  seam_error e = {0};
  st = device_tail(s, n_cut, held, cut_tensors, n_outputs, outputs, tm, &e);
  if (st == SEAM_OK) {
    tm->fell_back = 1;
    seam_fail(err, SEAM_OK, "fell back to the device (%s): %s", seam_edge_reason_name(reason), why);
  } else {
    seam_fail(err, st, "%s; the device's run of the tail failed too: %s", why, e.message);
  }
done:
  edge_dim_bindings_free(&bound);
  if (cut)
    for (size_t i = 0; i < r->n_cut; i++) seam_tensor_free(cut[i]);
  free(cut);
  return st;
}

/* Input names: given, or the graph inputs in order; NULL after err. */
static const char **input_names(seam_edge_session *s, size_t n_inputs, const char *const *names,
                                seam_error *err) {
  const char **in_names = calloc(n_inputs ? n_inputs : 1, sizeof *in_names);
  if (!in_names) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  size_t n_graph_in = seam_model_input_count(s->model);
  for (size_t i = 0; i < n_inputs; i++) {
    if (names && names[i]) {
      in_names[i] = names[i];
    } else if (i < n_graph_in) {
      in_names[i] = seam_edge_input_name(s, i);
    } else {
      free(in_names);
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                "seam_edge_infer: input %zu has no name and the model has only %zu inputs", i, n_graph_in);
      return NULL;
    }
  }
  return in_names;
}

static seam_status check_args(seam_edge_session *s, size_t n_inputs, const seam_tensor *const *inputs,
                              size_t n_outputs, seam_tensor **outputs, seam_error *err) {
  if (!s || !outputs || (n_inputs && !inputs))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: NULL argument");
  size_t n_model_out = seam_model_output_count(s->model);
  for (size_t i = 0; i < n_outputs; i++) outputs[i] = NULL;
  if (n_outputs != n_model_out)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: n_outputs is %zu, the model has %zu",
                     n_outputs, n_model_out);
  for (size_t i = 0; i < n_inputs; i++)
    if (!inputs[i]) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: input %zu is NULL", i);
  return SEAM_OK;
}

seam_status seam_edge_infer(seam_edge_session *s, size_t n_inputs, const char *const *names,
                            const seam_tensor *const *inputs, size_t n_outputs,
                            seam_tensor **outputs, seam_edge_timing *timing, seam_error *err) {
  seam_edge_timing local_tm;
  seam_edge_timing *tm = timing ? timing : &local_tm;
  memset(tm, 0, sizeof *tm);
  if (err) err->message[0] = '\0';
  int64_t start = seam_clock_us();
  seam_status st = check_args(s, n_inputs, inputs, n_outputs, outputs, err);
  if (st != SEAM_OK) return st;
  const char **in_names = input_names(s, n_inputs, names, err);
  if (!in_names) return err ? err->status : SEAM_ERR_INVALID_ARGUMENT;
  edge_choice choice = {0};
  if (s->policy) edge_policy_choose(s->policy, s->deadline_ms, &choice);
  const edge_route *r = &s->routes[s->policy ? (size_t)choice.candidate : 0];
  uint64_t call_us = 0;
  st = infer_route(s, r, n_inputs, in_names, inputs, n_outputs, outputs, start, tm, &call_us, err);
  free(in_names);
  if (st != SEAM_OK) free_all(n_outputs, outputs);
  tm->total_us = seam_clock_us_since(start);
  tm->cut = r->cut;
  if (s->policy) {
    edge_policy_observe(s->policy, choice.candidate, st == SEAM_OK, tm, (double)call_us / 1e3);
    tm->predicted_us = (uint64_t)(choice.predicted_ms * 1e3);
    snprintf(tm->decision, sizeof tm->decision, "%s", choice.why);
  } else {
    snprintf(tm->decision, sizeof tm->decision, "fixed cut");
  }
  return st;
}

seam_status seam_edge_network_estimate(seam_edge_session *s, seam_edge_network *out, seam_error *err) {
  if (!s || !out) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_network_estimate: NULL argument");
  if (!s->policy)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "seam_edge_network_estimate: the session's cut is fixed; only \"auto\" keeps an estimate");
  edge_policy_estimate(s->policy, out);
  return SEAM_OK;
}

/* Internal accessors (edge/session.h) for the other files of the library. */
void seam_edge_session_view(const seam_edge_session *s, edge_session_view *v) {
  const edge_route *r = &s->routes[0];
  if (s->policy) {
    /* A stream keeps the cut the policy picks when it opens. */
    edge_choice c;
    edge_policy_pick(s->policy, s->deadline_ms, &c);
    r = &s->routes[c.candidate];
  }
  v->model = s->model;
  v->channel = s->channel;
  v->model_name = s->model_name;
  v->sha256 = s->sha256;
  v->kind = r->kind;
  v->n_cut = r->n_cut;
  v->cut = (const char *const *)r->names;
  v->head_names = (const char *const *)r->head_names;
  v->wire = r->wire;
  v->deadline_ms = s->deadline_ms;
  v->codec = s->codec;
}

uint64_t seam_edge_session_next_id(seam_edge_session *s) {
  return (uint64_t)atomic_fetch_add(&s->next_id, 1);
}

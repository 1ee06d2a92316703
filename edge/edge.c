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

#include "edge/clock.h"
#include "edge/cut_wire.h"
#include "edge/keep_cut.h"
#include "edge/model_id.h"
#include "edge/reason.h"
#include "edge/reply_check.h"
#include "edge/session.h"
#include "edge/wire.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "runtime/error.h"
#include "runtime/model.h"
#include "seam/runtime.h"

#define EDGE_MAX_MESSAGE_BYTES ((size_t)64 << 20)
#define EDGE_NO_DEADLINE_MS (24 * 3600 * 1000)

typedef enum cut_kind { CUT_LOCAL, CUT_CLOUD, CUT_SPLIT } cut_kind;

struct seam_edge_session {
  seam_model *model;
  seam_grpc_channel *channel; /* NULL: local only */
  char *model_name;
  uint8_t sha256[32];
  cut_kind kind;
  size_t n_cut;
  char **cut;          /* the cut tensor names (CUT_SPLIT) */
  seam_cut_wire *wire; /* per cut tensor: what the head computes, how it is sent */
  char **head_names;   /* wire[i].head_name, as one array for seam_model_run */
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

/* Splits and checks the cut: every name a tensor of the loaded graph that is
 * not a constant, and together enough to compute the graph outputs. */
static seam_status parse_cut(seam_edge_session *s, const char *cut, seam_error *err) {
  if (!cut || !*cut || strcmp(cut, "local") == 0) {
    s->kind = CUT_LOCAL;
    return SEAM_OK;
  }
  if (strcmp(cut, "cloud") == 0) {
    s->kind = CUT_CLOUD;
    return SEAM_OK;
  }
  s->kind = CUT_SPLIT;
  size_t n = 1;
  for (const char *p = cut; *p; p++) n += *p == ',';
  s->cut = calloc(n, sizeof *s->cut);
  if (!s->cut) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory"), SEAM_ERR_NO_MEMORY;
  const seam_graph *g = s->model->graph;
  const char *p = cut;
  for (;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *name = dup_str(p, len);
    if (!name) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory"), SEAM_ERR_NO_MEMORY;
    s->cut[s->n_cut++] = name;
    if (!*name) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut '%s' has an empty tensor name", cut);
      return SEAM_ERR_INVALID_ARGUMENT;
    }
    int v = seam_graph_find_value(g, name);
    if (v < 0) {
      const seam_removed_value *r = seam_graph_find_removed(g, name);
      char why[SEAM_ERROR_MESSAGE_SIZE];
      if (r) seam_graph_explain_removed(g, r, why, sizeof why);
      if (r)
        seam_fail(err, SEAM_ERR_NOT_FOUND, "cut tensor '%s' does not exist in the loaded model: %s", name, why);
      else
        seam_fail(err, SEAM_ERR_NOT_FOUND,
             "cut tensor '%s' is not a tensor of the model (list the candidates with `seam cuts`)",
             name);
      return SEAM_ERR_NOT_FOUND;
    }
    if (g->values[v].constant) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "cut tensor '%s' is a constant of the model, not a cut",
           name);
      return SEAM_ERR_INVALID_ARGUMENT;
    }
    for (size_t k = 0; k + 1 < s->n_cut; k++)
      if (strcmp(s->cut[k], name) == 0) {
        seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "cut tensor '%s' is named twice", name);
        return SEAM_ERR_INVALID_ARGUMENT;
      }
    if (!end) break;
    p = end + 1;
  }
  /* The cut must be enough to compute every graph output. */
  bool *available = calloc((size_t)g->n_values + 1, sizeof *available);
  bool *needed = calloc((size_t)g->n_nodes + 1, sizeof *needed);
  seam_status st = SEAM_ERR_NO_MEMORY;
  if (available && needed) {
    for (int v = 0; v < g->n_values; v++) available[v] = g->values[v].constant != NULL;
    for (size_t k = 0; k < s->n_cut; k++) available[seam_graph_find_value(g, s->cut[k])] = true;
    seam_error e = {0};
    st = seam_graph_mark_needed(g, available, g->n_outputs, g->outputs, needed, &e);
    if (st != SEAM_OK)
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
           "the cut '%s' is not enough to compute the model's outputs: %s", cut, e.message);
  } else {
    seam_fail(err, st, "out of memory");
  }
  free(available);
  free(needed);
  return st == SEAM_OK ? SEAM_OK : (st == SEAM_ERR_NO_MEMORY ? st : SEAM_ERR_INVALID_ARGUMENT);
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
  if (!(s->model = edge_keep_cut_load(cfg->model_path, cfg->cut, &opts, err))) goto bad;
  if (!seam_edge_file_sha256(cfg->model_path, s->sha256)) {
    seam_fail(err, SEAM_ERR_IO, "cannot hash the model file '%s'", cfg->model_path);
    goto bad;
  }
  s->model_name = cfg->model_name && *cfg->model_name ? dup_str(cfg->model_name, strlen(cfg->model_name))
                                                      : seam_edge_default_model_name(cfg->model_path);
  if (!s->model_name) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto bad;
  }
  if (parse_cut(s, cfg->cut, err) != SEAM_OK) goto bad;
  if (s->kind == CUT_SPLIT) {
    s->wire = calloc(s->n_cut, sizeof *s->wire);
    s->head_names = calloc(s->n_cut, sizeof *s->head_names);
    if (!s->wire || !s->head_names) {
      seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto bad;
    }
    for (size_t i = 0; i < s->n_cut; i++) {
      if (seam_cut_wire_plan(s->model->graph, s->cut[i], &s->codec, &s->wire[i], err) != SEAM_OK)
        goto bad;
      s->head_names[i] = s->wire[i].head_name;
    }
  }
  if (s->kind != CUT_LOCAL) {
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
                                                      : SEAM_EDGE_CONNECT_TIMEOUT_DEFAULT_MS};
    if (!(s->channel = seam_grpc_channel_open_with(cfg->endpoint, &channel, err))) goto bad;
  }
  return s;
bad:
  seam_edge_close(s);
  return NULL;
}

void seam_edge_close(seam_edge_session *s) {
  if (!s) return;
  seam_grpc_channel_close(s->channel);
  for (size_t i = 0; i < s->n_cut; i++) {
    free(s->cut[i]);
    if (s->wire) free(s->wire[i].head_name);
  }
  free(s->cut);
  free(s->wire);
  free(s->head_names);
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
                                    seam_tensor **outputs, seam_edge_timing *tm, char *why,
                                    size_t why_size) {
  seam_edge_reason reason = SEAM_EDGE_REASON_BAD_REPLY;
  uint8_t *buf = NULL, *reply = NULL;
  size_t size = 0, reply_size = 0;
  Seam__V1__InferReply *rp = NULL;
  char request_id[32];
  snprintf(request_id, sizeof request_id, "edge-%llu",
           (unsigned long long)atomic_fetch_add(&s->next_id, 1));
  edge_session_view v;
  seam_edge_session_view(s, &v);
  int64_t t0 = edge_mono_us();
  uint32_t budget_ms = s->deadline_ms > 0 ? (uint32_t)timeout_ms : 0;
  seam_error e = {0};
  if (edge_pack_request(&v, request_id, budget_ms, n, names, wire, tensors, &buf, &size,
                        &tm->tensor_bytes_up, &e) != SEAM_OK) {
    snprintf(why, why_size, "the request was not sent: %s", e.message);
    reason = SEAM_EDGE_REASON_NOT_SENT;
    goto out;
  }
  tm->encode_us = edge_us_since(t0);
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
  int64_t t1 = edge_mono_us();
  int code = seam_grpc_call_take(s->channel, "/seam.v1.Seam/Infer", buf, size, timeout_ms, &reply,
                                 &reply_size, message, sizeof message);
  buf = NULL; /* gRPC's now */
  uint64_t rtt = edge_us_since(t1);
  tm->bytes_down = reply_size;
  if (code != SEAM_RPC_OK) {
    snprintf(why, why_size, "Infer on the worker failed (%s): %s", seam_rpc_code_name(code), message);
    reason = edge_reason_from_rpc_code(code);
    goto out;
  }
  int64_t t2 = edge_mono_us();
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
  tm->decode_us = edge_us_since(t2);
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
  int64_t t0 = edge_mono_us();
  seam_status st = seam_model_run(s->model, n, held, tensors, n_out, NULL, outputs, err);
  tm->fallback_us += edge_us_since(t0);
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

seam_status seam_edge_infer(seam_edge_session *s, size_t n_inputs, const char *const *names,
                            const seam_tensor *const *inputs, size_t n_outputs,
                            seam_tensor **outputs, seam_edge_timing *timing, seam_error *err) {
  seam_edge_timing local_tm;
  seam_edge_timing *tm = timing ? timing : &local_tm;
  memset(tm, 0, sizeof *tm);
  if (err) err->message[0] = '\0';
  int64_t start = edge_mono_us();
  if (!s || !outputs || (n_inputs && !inputs)) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: NULL argument");
    return SEAM_ERR_INVALID_ARGUMENT;
  }
  size_t n_model_out = seam_model_output_count(s->model);
  for (size_t i = 0; i < n_outputs; i++) outputs[i] = NULL;
  if (n_outputs != n_model_out) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: n_outputs is %zu, the model has %zu",
         n_outputs, n_model_out);
    return SEAM_ERR_INVALID_ARGUMENT;
  }
  for (size_t i = 0; i < n_inputs; i++)
    if (!inputs[i]) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: input %zu is NULL", i);
      return SEAM_ERR_INVALID_ARGUMENT;
    }
  /* Input names: given, or the graph inputs in order. */
  const char **in_names = calloc(n_inputs ? n_inputs : 1, sizeof *in_names);
  if (!in_names) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return SEAM_ERR_NO_MEMORY;
  }
  size_t n_graph_in = seam_model_input_count(s->model);
  for (size_t i = 0; i < n_inputs; i++) {
    if (names && names[i]) {
      in_names[i] = names[i];
    } else if (i < n_graph_in) {
      in_names[i] = seam_edge_input_name(s, i);
    } else {
      free(in_names);
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_infer: input %zu has no name and the model "
           "has only %zu inputs", i, n_graph_in);
      return SEAM_ERR_INVALID_ARGUMENT;
    }
  }

  seam_status st = SEAM_OK;
  seam_tensor **cut = NULL;
  edge_dim_bindings bound = {0};
  if (s->kind == CUT_LOCAL) {
    int64_t t0 = edge_mono_us();
    st = seam_model_run(s->model, n_inputs, in_names, inputs, n_outputs, NULL, outputs, err);
    tm->head_us = edge_us_since(t0);
    goto done;
  }

  /* The head: graph inputs -> cut tensors (nothing to run for "cloud"). */
  size_t n_cut = s->kind == CUT_CLOUD ? n_inputs : s->n_cut;
  const char *const *cut_names =
      s->kind == CUT_CLOUD ? (const char *const *)in_names : (const char *const *)s->cut;
  const seam_tensor *const *cut_tensors = inputs;
  if (s->kind == CUT_SPLIT) {
    cut = calloc(n_cut, sizeof *cut);
    if (!cut) {
      seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      st = SEAM_ERR_NO_MEMORY;
      goto done;
    }
    int64_t t0 = edge_mono_us();
    st = seam_model_run(s->model, n_inputs, in_names, inputs, n_cut,
                        (const char *const *)s->head_names, cut, err);
    tm->head_us = edge_us_since(t0);
    if (st != SEAM_OK) goto done;
    cut_tensors = (const seam_tensor *const *)cut;
  }
  /* The symbolic dims the inputs bind, for checking the reply's shapes. */
  if ((st = edge_bind_input_dims(s->model, n_inputs, in_names, inputs, &bound, err)) != SEAM_OK)
    goto done;

  int timeout_ms = EDGE_NO_DEADLINE_MS;
  if (s->deadline_ms > 0) {
    timeout_ms = s->deadline_ms - (int)(edge_us_since(start) / 1000);
    if (timeout_ms < 1) timeout_ms = 1; /* let the call report DEADLINE_EXCEEDED */
  }
  /* The tensors the device holds, where a fallback starts from. */
  const char *const *held = s->kind == CUT_SPLIT ? (const char *const *)s->head_names : cut_names;
  char why[SEAM_ERROR_MESSAGE_SIZE - 32];
  why[0] = '\0';
  seam_edge_reason reason =
      remote_tail(s, n_cut, cut_names, s->kind == CUT_SPLIT ? s->wire : NULL, cut_tensors, &bound,
                  timeout_ms, n_outputs, outputs, tm, why, sizeof why);
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
    for (size_t i = 0; i < s->n_cut; i++) seam_tensor_free(cut[i]);
  free(cut);
  free(in_names);
  if (st != SEAM_OK) free_all(n_outputs, outputs);
  tm->total_us = edge_us_since(start);
  return st;
}

/* Internal accessors (edge/session.h) for the other files of the library. */
void seam_edge_session_view(const seam_edge_session *s, edge_session_view *v) {
  v->model = s->model;
  v->channel = s->channel;
  v->model_name = s->model_name;
  v->sha256 = s->sha256;
  v->kind = s->kind == CUT_LOCAL ? EDGE_CUT_LOCAL : s->kind == CUT_CLOUD ? EDGE_CUT_CLOUD : EDGE_CUT_SPLIT;
  v->n_cut = s->n_cut;
  v->cut = (const char *const *)s->cut;
  v->head_names = (const char *const *)s->head_names;
  v->wire = s->wire;
  v->deadline_ms = s->deadline_ms;
  v->codec = s->codec;
}

uint64_t seam_edge_session_next_id(seam_edge_session *s) {
  return (uint64_t)atomic_fetch_add(&s->next_id, 1);
}

/* split_bench: protocol overhead and worker throughput of split inference
 * against a running seam-cloud (it starts nothing itself).
 *
 *   split_bench --endpoint HOST:PORT --model M.onnx --input X.npy --cut T
 *               [--name NAME] [--codec raw|f16|int8] [--zstd N]
 *               [--phases overhead,echo,throughput,max]
 *               [--sequential N] [--warmup N] [--clients N] [--requests N]
 *               [--worker-pid PID] [--parallel-runs K] [--model-threads T]
 *
 * overhead    --sequential split inferences with libseam-edge, one after the
 *             other: the mean of each part of seam_edge_timing; the protocol
 *             overhead is total - head - the worker's tail compute (= encode
 *             + network + the worker's queue, decode and reply encode +
 *             client decode), also as a % of the tail's compute.
 * echo        the same number of Echo calls carrying the same request bytes
 *             up and the reply's size down: the transport's share alone.
 * throughput  --clients threads send --requests Infer calls in all, each the
 *             same pre-encoded request (the cut tensors computed once), on
 *             one channel: the load of many devices without their heads, so
 *             the clients take as little CPU from the worker as possible.
 *             requests/s, and the worker's CPU use from /proc/PID/stat.
 * max         the compute-bound maximum: the same tails computed in this
 *             process with the worker's configuration (--parallel-runs K
 *             lanes of --model-threads T threads), K threads running tails
 *             back to back for --requests runs, with no network at all.
 * Prints a human summary on stderr and one JSON line on stdout. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "edge/model_id.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "seam/edge.h"
#include "seam/seam.h"

#define MAX_CUT 16
#define MAX_OUT 16
#define MESSAGE_LIMIT ((size_t)64 << 20)

/* utime + stime of a process, in seconds; -1 when unreadable. */
static double proc_cpu_s(long pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  /* After ')': state(3) ... utime is field 14, stime 15. */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

typedef struct bench {
  const char *endpoint, *model_path, *name, *cut, *codec;
  int zstd, sequential, warmup, clients, requests, parallel_runs, model_threads;
  long worker_pid;
  seam_tensor *input;
  /* The cut: names and the tensors the head computes from input. */
  size_t n_cut;
  char *cut_names[MAX_CUT];
  seam_tensor *cut_tensors[MAX_CUT];
  /* The pre-encoded Infer request and the size of its reply. */
  uint8_t *request;
  size_t request_size, reply_size;
  seam_grpc_channel *channel;
} bench;

/* ---- overhead: libseam-edge, one request at a time ---- */

typedef struct overhead {
  double head, encode, network, queue, compute, decode, total, bytes_up, bytes_down, overhead;
} overhead;

static int edge_once(seam_edge_session *s, const seam_tensor *input, seam_edge_timing *t) {
  seam_tensor *out[MAX_OUT] = {0};
  size_t n_out = seam_edge_output_count(s);
  seam_error err;
  seam_status st = seam_edge_infer(s, 1, NULL, &input, n_out, out, t, &err);
  for (size_t i = 0; i < n_out; i++) seam_tensor_free(out[i]);
  if (st != SEAM_OK || !t->remote) {
    fprintf(stderr, "split_bench: inference failed or not remote: %s\n", err.message);
    return 1;
  }
  return 0;
}

static int phase_overhead(const bench *b, overhead *o) {
  seam_edge_codec codec = !strcmp(b->codec, "int8")  ? SEAM_EDGE_CODEC_INT8
                          : !strcmp(b->codec, "f16") ? SEAM_EDGE_CODEC_F16
                                                     : SEAM_EDGE_CODEC_RAW;
  seam_edge_config cfg = {.model_path = b->model_path, .endpoint = b->endpoint,
                          .model_name = b->name, .cut = b->cut, .deadline_ms = 60000,
                          .codec = codec, .zstd_level = b->zstd, .threads = 1};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    return 1;
  }
  if (seam_edge_output_count(s) > MAX_OUT) {
    seam_edge_close(s);
    fprintf(stderr, "split_bench: at most %d outputs\n", MAX_OUT);
    return 1;
  }
  int errors = 0;
  seam_edge_timing t;
  for (int i = 0; i < b->warmup; i++) errors += edge_once(s, b->input, &t);
  memset(o, 0, sizeof *o);
  for (int i = 0; i < b->sequential; i++) {
    errors += edge_once(s, b->input, &t);
    o->head += (double)t.head_us;
    o->encode += (double)t.encode_us;
    o->network += (double)t.network_us;
    o->queue += (double)t.worker_queue_us;
    o->compute += (double)t.worker_compute_us;
    o->decode += (double)t.decode_us;
    o->total += (double)t.total_us;
    o->bytes_up += (double)t.bytes_up;
    o->bytes_down += (double)t.bytes_down;
    o->overhead += (double)t.total_us - (double)t.head_us - (double)t.worker_compute_us;
  }
  double *f = &o->head;
  for (int k = 0; k < 10; k++) f[k] /= b->sequential;
  seam_edge_close(s);
  return errors;
}

/* ---- the pre-encoded request ---- */

/* The worker's SHA-256 for the model, from ModelInfo. */
static int model_sha(bench *b, uint8_t sha[32]) {
  Seam__V1__ModelInfoRequest rq = SEAM__V1__MODEL_INFO_REQUEST__INIT;
  rq.model_name = (char *)b->name;
  uint8_t buf[512];
  size_t n = seam__v1__model_info_request__get_packed_size(&rq);
  if (n > sizeof buf) return 1;
  seam__v1__model_info_request__pack(&rq, buf);
  uint8_t *reply = NULL;
  size_t reply_size = 0;
  char msg[256];
  int code = seam_grpc_call(b->channel, "/seam.v1.Seam/ModelInfo", buf, n, 10000, &reply,
                            &reply_size, msg, sizeof msg);
  Seam__V1__ModelInfoReply *rp =
      code == 0 ? seam__v1__model_info_reply__unpack(NULL, reply_size, reply) : NULL;
  int rc = 1;
  if (rp && rp->model_sha256.len == 32) {
    memcpy(sha, rp->model_sha256.data, 32);
    rc = 0;
  } else {
    fprintf(stderr, "split_bench: ModelInfo for '%s' failed (%d): %s\n", b->name, code, msg);
  }
  if (rp) seam__v1__model_info_reply__free_unpacked(rp, NULL);
  free(reply);
  return rc;
}

static int prepare_request(bench *b) {
  uint8_t sha[32];
  if (model_sha(b, sha)) return 1;
  Seam__V1__Tensor msgs[MAX_CUT];
  Seam__V1__Tensor *ptrs[MAX_CUT];
  seam_codec_options opt = {.encoding = !strcmp(b->codec, "int8")  ? SEAM_ENCODING_INT8
                                        : !strcmp(b->codec, "f16") ? SEAM_ENCODING_F16
                                                                   : SEAM_ENCODING_RAW,
                            .zstd_level = b->zstd};
  size_t n_done = 0;
  int rc = 0;
  for (size_t i = 0; i < b->n_cut; i++) {
    seam_codec_options o = opt;
    if (seam_tensor_dtype(b->cut_tensors[i]) != SEAM_DTYPE_FLOAT32) o.encoding = SEAM_ENCODING_RAW;
    seam_error err;
    if (seam_codec_encode(b->cut_tensors[i], b->cut_names[i], &o, &msgs[i], NULL, &err) != SEAM_OK) {
      fprintf(stderr, "split_bench: encoding %s: %s\n", b->cut_names[i], err.message);
      rc = 1;
      break;
    }
    ptrs[i] = &msgs[i];
    n_done++;
  }
  if (!rc) {
    Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
    rq.model_name = (char *)b->name;
    rq.model_sha256.data = sha;
    rq.model_sha256.len = 32;
    rq.request_id = "split-bench";
    rq.n_inputs = b->n_cut;
    rq.inputs = ptrs;
    b->request_size = seam__v1__infer_request__get_packed_size(&rq);
    b->request = malloc(b->request_size);
    if (!b->request) rc = 1;
    else seam__v1__infer_request__pack(&rq, b->request);
  }
  for (size_t i = 0; i < n_done; i++) seam_codec_msg_clear(&msgs[i]);
  return rc;
}

/* One Infer with the pre-encoded request; 0 when the reply says OK. */
static int infer_raw(const bench *b, size_t *reply_size) {
  uint8_t *reply = NULL;
  size_t n = 0;
  char msg[256];
  int code = seam_grpc_call(b->channel, "/seam.v1.Seam/Infer", b->request, b->request_size, 60000,
                            &reply, &n, msg, sizeof msg);
  Seam__V1__InferReply *rp = code == 0 ? seam__v1__infer_reply__unpack(NULL, n, reply) : NULL;
  int bad = !rp || !rp->status || rp->status->code != 0 || rp->n_outputs == 0;
  if (bad) fprintf(stderr, "split_bench: Infer failed (%d): %s\n", code, msg);
  if (rp) seam__v1__infer_reply__free_unpacked(rp, NULL);
  free(reply);
  if (reply_size) *reply_size = n;
  return bad;
}

/* ---- echo: the transport alone ---- */

static int phase_echo(const bench *b, double *echo_us) {
  /* An Echo request whose payload makes it as large as the Infer request. */
  Seam__V1__EchoRequest rq = SEAM__V1__ECHO_REQUEST__INIT;
  rq.reply_bytes = (uint32_t)b->reply_size;
  rq.payload.len = b->request_size > 16 ? b->request_size - 16 : 0;
  rq.payload.data = calloc(rq.payload.len ? rq.payload.len : 1, 1);
  size_t n = seam__v1__echo_request__get_packed_size(&rq);
  uint8_t *buf = malloc(n);
  if (!rq.payload.data || !buf) {
    free(buf);
    free(rq.payload.data);
    return 1;
  }
  seam__v1__echo_request__pack(&rq, buf);
  int errors = 0;
  double total = 0;
  for (int i = 0; i < b->warmup + b->sequential; i++) {
    uint8_t *reply = NULL;
    size_t reply_size = 0;
    double t0 = seam_clock_s();
    int code = seam_grpc_call(b->channel, "/seam.v1.Seam/Echo", buf, n, 60000, &reply, &reply_size,
                              NULL, 0);
    double dt = seam_clock_s() - t0;
    free(reply);
    if (code != 0) errors++;
    if (i >= b->warmup) total += dt;
  }
  *echo_us = 1e6 * total / b->sequential;
  free(buf);
  free(rq.payload.data);
  return errors;
}

/* ---- throughput: many clients, pre-encoded requests ---- */

typedef struct client {
  const bench *b;
  int requests, errors;
} client;

static void *client_main(void *p) {
  client *c = p;
  for (int i = 0; i < c->requests; i++) c->errors += infer_raw(c->b, NULL);
  return NULL;
}

typedef struct throughput {
  double wall, rps, worker_cpu;
} throughput;

static int phase_throughput(const bench *b, throughput *t) {
  pthread_t *th = calloc((size_t)b->clients, sizeof *th);
  client *cs = calloc((size_t)b->clients, sizeof *cs);
  if (!th || !cs) {
    free(th);
    free(cs);
    return 1;
  }
  int errors = 0;
  for (int i = 0; i < b->warmup; i++) errors += infer_raw(b, NULL);
  double cpu0 = b->worker_pid ? proc_cpu_s(b->worker_pid) : -1;
  double t0 = seam_clock_s();
  int started = 0;
  for (int i = 0; i < b->clients; i++) {
    cs[i] = (client){.b = b, .requests = b->requests / b->clients + (i < b->requests % b->clients)};
    if (pthread_create(&th[i], NULL, client_main, &cs[i]) != 0) break;
    started++;
  }
  for (int i = 0; i < started; i++) {
    pthread_join(th[i], NULL);
    errors += cs[i].errors;
  }
  t->wall = seam_clock_s() - t0;
  double cpu1 = b->worker_pid ? proc_cpu_s(b->worker_pid) : -1;
  t->worker_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
  t->rps = b->requests / t->wall;
  free(th);
  free(cs);
  return errors + (started < b->clients);
}

/* ---- max: the tails in this process, the worker's configuration ---- */

typedef struct lane_runner {
  const seam_model *m;
  const bench *b;
  int runs, errors;
} lane_runner;

static void *lane_main(void *p) {
  lane_runner *r = p;
  size_t n_out = seam_model_output_count(r->m);
  for (int i = 0; i < r->runs; i++) {
    seam_tensor *out[MAX_OUT] = {0};
    seam_error err;
    if (seam_model_run(r->m, r->b->n_cut, (const char *const *)r->b->cut_names,
                       (const seam_tensor *const *)r->b->cut_tensors, n_out, NULL, out,
                       &err) != SEAM_OK)
      r->errors++;
    for (size_t k = 0; k < n_out; k++) seam_tensor_free(out[k]);
  }
  return NULL;
}

static int run_lanes(const seam_model *m, const bench *b, int per_lane, double *wall) {
  int k = b->parallel_runs;
  pthread_t th[64];
  lane_runner rs[64];
  double t0 = seam_clock_s();
  int started = 0, errors = 0;
  for (int i = 0; i < k; i++) {
    rs[i] = (lane_runner){.m = m, .b = b, .runs = per_lane};
    if (pthread_create(&th[i], NULL, lane_main, &rs[i]) != 0) break;
    started++;
  }
  for (int i = 0; i < started; i++) {
    pthread_join(th[i], NULL);
    errors += rs[i].errors;
  }
  *wall = seam_clock_s() - t0;
  return errors + (started < k);
}

static int phase_max(const bench *b, double *max_rps) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.num_threads = b->model_threads;
  o.parallel_runs = b->parallel_runs;
  seam_error err;
  seam_model *m = seam_model_load_with(b->model_path, &o, &err);
  if (!m) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    return 1;
  }
  double wall;
  int errors = run_lanes(m, b, b->warmup > 0 ? b->warmup : 1, &wall); /* every lane plans */
  int per_lane = (b->requests + b->parallel_runs - 1) / b->parallel_runs;
  errors += run_lanes(m, b, per_lane, &wall);
  *max_rps = per_lane * b->parallel_runs / wall;
  seam_model_free(m);
  return errors;
}

/* ---- setup ---- */

/* Splits --cut into names and computes the cut tensors with a local run. */
static int compute_cut(bench *b) {
  const char *p = b->cut;
  while (*p && b->n_cut < MAX_CUT) {
    size_t len = strcspn(p, ",");
    b->cut_names[b->n_cut] = strndup(p, len);
    if (!b->cut_names[b->n_cut]) return 1;
    b->n_cut++;
    p += len;
    if (*p == ',') p++;
  }
  seam_error err;
  seam_model *m = seam_model_load(b->model_path, &err);
  if (!m) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    return 1;
  }
  seam_value_info info;
  seam_model_input_info(m, 0, &info);
  seam_status st = seam_model_run(m, 1, &info.name, (const seam_tensor *const *)&b->input, b->n_cut,
                                  (const char *const *)b->cut_names, b->cut_tensors, &err);
  seam_model_free(m);
  if (st != SEAM_OK) fprintf(stderr, "split_bench: computing the cut: %s\n", err.message);
  return st != SEAM_OK;
}

static bool has_phase(const char *phases, const char *p) {
  size_t n = strlen(p);
  for (const char *s = phases; (s = strstr(s, p)) != NULL; s += n)
    if ((s == phases || s[-1] == ',') && (s[n] == '\0' || s[n] == ',')) return true;
  return false;
}

int main(int argc, char **argv) {
  bench b = {.codec = "raw", .sequential = 50, .warmup = 5, .clients = 1, .requests = 100,
             .parallel_runs = 1, .model_threads = 0};
  const char *input_path = NULL, *phases = "overhead,echo,throughput,max";
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (!strcmp(a, "--endpoint")) b.endpoint = v;
    else if (!strcmp(a, "--model")) b.model_path = v;
    else if (!strcmp(a, "--name")) b.name = v;
    else if (!strcmp(a, "--input")) input_path = v;
    else if (!strcmp(a, "--cut")) b.cut = v;
    else if (!strcmp(a, "--codec")) b.codec = v;
    else if (!strcmp(a, "--zstd")) b.zstd = atoi(v);
    else if (!strcmp(a, "--phases")) phases = v;
    else if (!strcmp(a, "--clients")) b.clients = atoi(v);
    else if (!strcmp(a, "--requests")) b.requests = atoi(v);
    else if (!strcmp(a, "--sequential")) b.sequential = atoi(v);
    else if (!strcmp(a, "--warmup")) b.warmup = atoi(v);
    else if (!strcmp(a, "--worker-pid")) b.worker_pid = atol(v);
    else if (!strcmp(a, "--parallel-runs")) b.parallel_runs = atoi(v);
    else if (!strcmp(a, "--model-threads")) b.model_threads = atoi(v);
    else {
      fprintf(stderr, "split_bench: unknown option %s\n", a);
      return 2;
    }
  }
  if (!b.endpoint || !b.model_path || !input_path || !b.cut || b.clients < 1 || b.clients > 1024 ||
      b.requests < b.clients || b.sequential < 1 || b.warmup < 0 || b.parallel_runs < 1 ||
      b.parallel_runs > 64 || b.model_threads < 0 ||
      (strcmp(b.codec, "raw") && strcmp(b.codec, "int8") && strcmp(b.codec, "f16"))) {
    fprintf(stderr,
            "usage: split_bench --endpoint HOST:PORT --model M.onnx --input X.npy --cut T[,T...]\n"
            "       [--name NAME] [--codec raw|f16|int8] [--zstd N]\n"
            "       [--phases overhead,echo,throughput,max] [--sequential N] [--warmup N]\n"
            "       [--clients N] [--requests N (>= clients)] [--worker-pid PID]\n"
            "       [--parallel-runs K] [--model-threads T]\n");
    return 2;
  }
  char *name = b.name ? NULL : seam_edge_default_model_name(b.model_path);
  if (!b.name) b.name = name;
  seam_error err;
  b.input = seam_tensor_load_npy(input_path, &err);
  if (!b.input) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    free(name);
    return 1;
  }
  int errors = compute_cut(&b);
  bool need_worker = has_phase(phases, "overhead") || has_phase(phases, "echo") ||
                     has_phase(phases, "throughput");
  if (!errors && need_worker) {
    b.channel = seam_grpc_channel_open(b.endpoint, MESSAGE_LIMIT, &err);
    if (!b.channel) errors++;
    if (!errors) errors += prepare_request(&b);
    if (!errors) errors += infer_raw(&b, &b.reply_size); /* also sizes the Echo reply */
  }

  overhead o = {0};
  throughput t = {0};
  double echo_us = 0, max_rps = 0;
  if (!errors && has_phase(phases, "overhead")) {
    errors += phase_overhead(&b, &o);
    fprintf(stderr,
            "overhead (%d sequential): head %.0f us, encode %.0f, network %.0f, worker queue %.0f, "
            "tail compute %.0f, decode %.0f, total %.0f; overhead %.0f us = %.1f %% of the tail's "
            "compute; %.0f bytes up, %.0f down\n",
            b.sequential, o.head, o.encode, o.network, o.queue, o.compute, o.decode, o.total,
            o.overhead, o.compute > 0 ? 100 * o.overhead / o.compute : 0, o.bytes_up, o.bytes_down);
  }
  if (!errors && has_phase(phases, "echo")) {
    errors += phase_echo(&b, &echo_us);
    fprintf(stderr, "echo (%zu bytes up, %zu down): %.0f us per call\n", b.request_size,
            b.reply_size, echo_us);
  }
  if (!errors && has_phase(phases, "throughput")) {
    errors += phase_throughput(&b, &t);
    fprintf(stderr, "throughput: %d clients, %d requests: %.2f s, %.1f requests/s, worker CPU %.2f s "
            "(%.0f %%)\n", b.clients, b.requests, t.wall, t.rps, t.worker_cpu,
            t.worker_cpu >= 0 ? 100 * t.worker_cpu / t.wall : -1);
  }
  if (!errors && has_phase(phases, "max")) {
    errors += phase_max(&b, &max_rps);
    fprintf(stderr, "compute-bound max (%d parallel runs x %d threads, in process): %.1f tails/s\n",
            b.parallel_runs, b.model_threads, max_rps);
  }
  printf("{\"cut\": \"%s\", \"codec\": \"%s\", \"zstd\": %d, \"sequential\": %d, \"head_us\": %.1f, "
         "\"encode_us\": %.1f, \"network_us\": %.1f, \"worker_queue_us\": %.1f, "
         "\"tail_compute_us\": %.1f, \"decode_us\": %.1f, \"total_us\": %.1f, \"bytes_up\": %.0f, "
         "\"bytes_down\": %.0f, \"overhead_us\": %.1f, \"overhead_pct\": %.2f, \"echo_us\": %.1f, "
         "\"request_bytes\": %zu, \"clients\": %d, \"requests\": %d, \"wall_s\": %.3f, "
         "\"rps\": %.2f, \"worker_cpu_s\": %.3f, \"worker_cpu_pct\": %.1f, \"parallel_runs\": %d, "
         "\"model_threads\": %d, \"max_rps\": %.2f, \"errors\": %d}\n",
         b.cut, b.codec, b.zstd, b.sequential, o.head, o.encode, o.network, o.queue, o.compute,
         o.decode, o.total, o.bytes_up, o.bytes_down, o.overhead,
         o.compute > 0 ? 100 * o.overhead / o.compute : 0, echo_us, b.request_size, b.clients,
         b.requests, t.wall, t.rps, t.worker_cpu,
         t.worker_cpu >= 0 && t.wall > 0 ? 100 * t.worker_cpu / t.wall : -1,
         b.parallel_runs, b.model_threads, max_rps, errors);
  seam_grpc_channel_close(b.channel);
  free(b.request);
  for (size_t i = 0; i < b.n_cut; i++) {
    free(b.cut_names[i]);
    seam_tensor_free(b.cut_tensors[i]);
  }
  seam_tensor_free(b.input);
  free(name);
  return errors ? 1 : 0;
}

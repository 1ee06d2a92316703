/* Every tensor of an ONNX file as a cut, including the ones graph
 * optimization removes: libseam-edge against a real seam-cloud on loopback.
 *
 *   test_kept_cuts --seam-cloud PATH (--synthetic | --model M.onnx --samples X.npy)
 *                  [--max-tensors N] [--tolerance T] [--limit S]
 *
 * --synthetic builds a model (tests/unit/onnx_builder.c) where the
 * optimizer folds a BatchNormalization into its Conv, fuses Relus into a
 * Conv, an Add and a Gemm, rewrites x * HardSigmoid(x) into a HardSwish fused
 * into its Conv, and drops an Identity and a Dropout; --model takes a file
 * (the demo model, its INT8 QDQ version).
 *
 * For each tensor t of the file (every graph input and node output of the
 * graph loaded with optimize = 0 that is not a constant or a graph output,
 * at most N, evenly spread), the cut is t with what else the rest of the graph reads from
 * before it (the frontier of the nodes t needs). Against a worker allowed
 * enough variants, with the RAW codec, two requests per session:
 *
 *  - the session opens (the device keeps the cut's tensors) and the tail
 *    runs on the worker, with no fallback;
 *  - the outputs equal, byte for byte, a local run of the device's own
 *    model (the whole graph on the device);
 *  - the cut tensors and the outputs are within float rounding of the
 *    unoptimized graph's (the independent truth: a kept pre-activation
 *    tensor holds its negative values), and the outputs within rounding of
 *    the fully optimized local run's (which a folded BatchNormalization
 *    rounds differently);
 *  - the worker loaded exactly one variant per distinct set of removed
 *    tensors the cuts name (its log), each once.
 *
 * --synthetic then checks the worker's bound with its default (4 variants):
 * the fifth distinct set is refused with FAILED_PRECONDITION naming
 * --max-cut-variants, and the edge finishes on the device with the same
 * outputs; every other set of the model's removed tensors (127 requests)
 * is refused at admission or reaches one of the 4 loaded variants, nothing
 * more is loaded; loaded variants and plain cuts are still served; a
 * removed tensor named twice and a name that is no tensor of the file are
 * refused with INVALID_ARGUMENT; a cut naming no tensor of the file does
 * not open. */
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "runtime/executor.h"
#include "runtime/model.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/check.h"
#include "tests/cloud/rpc.h"
#include "tests/cloud/tensor_check.h"
#include "tests/cloud/worker.h"
#include "tests/unit/onnx_builder.h"

#define DEADLINE_MS 20000
#define THREADS 1
#define DEFAULT_VARIANTS 4 /* seam-cloud's --max-cut-variants default */
/* Float rounding between the optimized and the unoptimized graph, relative
 * to the tensor's largest magnitude (at least 1). A QDQ model needs more
 * (--tolerance): its fused integer layers may round a value that lies
 * within float error of a half step the other way, one int8 step, and
 * those steps add up over the layers after it. */
#define DEFAULT_TOLERANCE 1e-4

int check_failures;
static pid_t worker = -1;
static char repo[64] = "", model_dir[64] = "";

static void cleanup(void) {
  worker_kill(&worker);
  worker_remove_repo(repo);
  if (model_dir[0]) worker_remove_dir(model_dir);
  model_dir[0] = '\0';
}

static void die(const char *msg) {
  fprintf(stderr, "FATAL: %s\n", msg);
  cleanup();
  exit(1);
}

static void on_alarm(int sig) {
  (void)sig;
  static const char msg[] = "FAIL: over the --limit time; aborting\n";
  if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing to do */ }
  if (worker > 0) kill(worker, SIGKILL);
  _exit(1);
}

/* ---- the synthetic model ---- */

/* X → Conv → c1 → BatchNormalization → n1 → Relu → r1 → Identity → i1;
 * Conv(i1) → c2 → Relu → r2; Add(r2, i1) → a → Relu → r3 → Dropout → d3;
 * Conv(d3) → c3; c3 * HardSigmoid(c3) (h3) → s3; GlobalAveragePool → p;
 * Flatten → f; Gemm → g1 → Relu → r4; Gemm → Y. */
static tb_model *synthetic_model(void) {
  static const int64_t x[4] = {2, 3, 8, 8}, w1[4] = {8, 3, 3, 3}, w2[4] = {8, 8, 3, 3}, w3[4] = {4, 8, 1, 1},
                       c8 = 8, c4 = 4, wg[2] = {6, 4}, c6 = 6, wo[2] = {3, 6}, c3 = 3, pads[4] = {1, 1, 1, 1};
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, x);
  tb_init_random(b, "W1", 4, w1, 1, -1.0f, 1.0f);
  tb_init_random(b, "B1", 1, &c8, 2, -0.5f, 0.5f);
  tb_attr_ints(b, tb_node(b, "Conv", "conv1", "X,W1,B1", "c1"), "pads", 4, pads);
  tb_init_bn(b, "bn1", 8, 3);
  tb_attr_float(b, tb_node(b, "BatchNormalization", "bn1", "c1,bn1_scale,bn1_bias,bn1_mean,bn1_var", "n1"),
                "epsilon", 1e-3f);
  tb_node(b, "Relu", "relu1", "n1", "r1");
  tb_node(b, "Identity", "id1", "r1", "i1");
  tb_init_random(b, "W2", 4, w2, 8, -0.4f, 0.4f);
  tb_init_random(b, "B2", 1, &c8, 9, -0.5f, 0.5f);
  tb_attr_ints(b, tb_node(b, "Conv", "conv2", "i1,W2,B2", "c2"), "pads", 4, pads);
  tb_node(b, "Relu", "relu2", "c2", "r2");
  tb_node(b, "Add", "add", "r2,i1", "a");
  tb_node(b, "Relu", "relu3", "a", "r3");
  float ratio = 0.25f;
  tb_init_f32(b, "ratio", 0, NULL, &ratio, TB_RAW, NULL);
  tb_node(b, "Dropout", "drop", "r3,ratio", "d3");
  tb_init_random(b, "W3", 4, w3, 10, -0.5f, 0.5f);
  tb_init_random(b, "B3", 1, &c4, 11, -0.5f, 0.5f);
  tb_node(b, "Conv", "conv3", "d3,W3,B3", "c3");
  Onnx__NodeProto *hs = tb_node(b, "HardSigmoid", "hsig", "c3", "h3");
  tb_attr_float(b, hs, "alpha", 1.0f / 6.0f);
  tb_attr_float(b, hs, "beta", 0.5f);
  tb_node(b, "Mul", "hswish", "c3,h3", "s3");
  tb_node(b, "GlobalAveragePool", "pool", "s3", "p");
  tb_node(b, "Flatten", "flat", "p", "f");
  tb_init_random(b, "Wg", 2, wg, 12, -1.0f, 1.0f);
  tb_init_random(b, "Bg", 1, &c6, 13, -0.5f, 0.5f);
  tb_attr_int(b, tb_node(b, "Gemm", "fc1", "f,Wg,Bg", "g1"), "transB", 1);
  tb_node(b, "Relu", "relu4", "g1", "r4");
  tb_init_random(b, "Wo", 2, wo, 14, -1.0f, 1.0f);
  tb_init_random(b, "Bo", 1, &c3, 15, -0.5f, 0.5f);
  tb_attr_int(b, tb_node(b, "Gemm", "fc2", "r4,Wo,Bo", "Y"), "transB", 1);
  tb_output(b, "Y");
  return b;
}

/* Writes the synthetic model to a fresh folder; its path in path. */
static void write_synthetic(char *path, size_t size) {
  snprintf(model_dir, sizeof model_dir, "/tmp/seam-kept-XXXXXX");
  if (!mkdtemp(model_dir)) die("mkdtemp failed");
  char dir[128];
  snprintf(dir, sizeof dir, "%s/kept", model_dir);
  if (mkdir(dir, 0700) != 0) die("mkdir failed");
  snprintf(path, size, "%s/model.onnx", dir);
  tb_model *b = synthetic_model();
  size_t n = 0;
  const void *bytes = tb_bytes(b, &n);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(bytes, 1, n, f) != n || fclose(f) != 0) die("cannot write the synthetic model");
  tb_free(b);
}

/* ---- cuts ---- */

typedef struct cut {
  char *tensor;   /* the tensor of the file the cut is about */
  char *spec;     /* seam_edge_config.cut */
  int n_names;
  char **names;
  char *removed;  /* the names the optimized graph removed (no alias), joined by ','; "" for none */
} cut;

static void cut_free(cut *c) {
  for (int i = 0; i < c->n_names; i++) free(c->names[i]);
  free(c->names);
  free(c->spec);
  free(c->tensor);
  free(c->removed);
}

/* The cut at value t of the unoptimized graph g: t and every value the
 * nodes t needs produce (or graph input) that a node outside them reads. */
static bool make_cut(const seam_graph *g, const seam_graph *optimized, int t, cut *c) {
  bool *available = calloc((size_t)g->n_values + 1, 1), *head = calloc((size_t)g->n_nodes + 1, 1);
  bool *in_cut = calloc((size_t)g->n_values + 1, 1);
  if (!available || !head || !in_cut) die("out of memory");
  for (int v = 0; v < g->n_values; v++) available[v] = g->values[v].constant != NULL;
  for (int i = 0; i < g->n_inputs; i++) available[g->inputs[i]] = true;
  seam_error err;
  if (seam_graph_mark_needed(g, available, 1, &t, head, &err) != SEAM_OK) die(err.message);
  in_cut[t] = true;
  for (int i = 0; i < g->n_nodes; i++) {
    if (head[i]) continue;
    const seam_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++) {
      int v = n->inputs[k];
      if (v < 0 || g->values[v].constant) continue;
      int p = g->values[v].producer;
      if (p < 0 || head[p]) in_cut[v] = true;
    }
  }
  memset(c, 0, sizeof *c);
  c->tensor = strdup(g->values[t].name);
  size_t len = 1, rlen = 1;
  for (int v = 0; v < g->n_values; v++)
    if (in_cut[v]) len += strlen(g->values[v].name) + 1;
  c->spec = calloc(len, 1);
  c->removed = calloc(len, 1);
  c->names = calloc((size_t)g->n_values + 1, sizeof *c->names);
  if (!c->tensor || !c->spec || !c->removed || !c->names) die("out of memory");
  for (int v = 0; v < g->n_values; v++) {
    if (!in_cut[v]) continue;
    const char *name = g->values[v].name;
    if (c->n_names) strcat(c->spec, ",");
    strcat(c->spec, name);
    c->names[c->n_names++] = strdup(name);
    const seam_removed_value *r = seam_graph_find_removed(optimized, name);
    bool alias = false;
    if (r && !(seam_graph_removed_instead(optimized, r, &alias) && alias)) {
      if (rlen > 1) strcat(c->removed, ",");
      strcat(c->removed, name);
      rlen += strlen(name) + 1;
    }
  }
  free(available);
  free(head);
  free(in_cut);
  return true;
}

/* ---- checks ---- */

static seam_model *load_with(const char *path, int optimize, const char *const *keep, size_t n_keep) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.optimize = optimize;
  o.num_threads = THREADS;
  o.keep_tensors = keep;
  o.n_keep_tensors = n_keep;
  seam_error err;
  seam_model *m = seam_model_load_with(path, &o, &err);
  if (!m) die(err.message);
  return m;
}

static double tolerance = DEFAULT_TOLERANCE;

/* Element i of a float32, int8 or uint8 tensor. */
static double element(const seam_tensor *t, size_t i) {
  const void *d = seam_tensor_data_const(t);
  switch (seam_tensor_dtype(t)) {
    case SEAM_DTYPE_FLOAT32: return ((const float *)d)[i];
    case SEAM_DTYPE_INT8: return ((const int8_t *)d)[i];
    default: return ((const uint8_t *)d)[i];
  }
}

/* |a - b| <= tolerance * max(1, max |b|), elementwise, for float32, int8
 * and uint8 tensors of one shape (others: byte for byte). The relative
 * difference goes to *worst (may be NULL) when larger. */
static bool close_to(const seam_tensor *a, const seam_tensor *b, double *worst) {
  if (!a || !b || seam_tensor_count(a) != seam_tensor_count(b) || seam_tensor_dtype(a) != seam_tensor_dtype(b))
    return false;
  seam_dtype dt = seam_tensor_dtype(a);
  if (dt != SEAM_DTYPE_FLOAT32 && dt != SEAM_DTYPE_INT8 && dt != SEAM_DTYPE_UINT8) return tensor_same(a, b);
  double d = 0, peak = 1;
  for (size_t i = 0; i < seam_tensor_count(a); i++) {
    double x = element(a, i), y = element(b, i);
    if (!(fabs(x - y) <= d)) d = fabs(x - y); /* NaN counts as a difference */
    peak = fmax(peak, fabs(y));
  }
  if (worst && d / peak > *worst) *worst = d / peak;
  return d <= tolerance * peak;
}

static seam_edge_session *open_session(const char *model, const char *endpoint, const char *spec, seam_error *err) {
  seam_edge_config cfg = {.model_path = model, .endpoint = endpoint, .cut = spec,
                          .deadline_ms = endpoint ? DEADLINE_MS : 0, .codec = SEAM_EDGE_CODEC_RAW,
                          .threads = THREADS};
  return seam_edge_open(&cfg, err);
}

typedef struct ctx {
  const char *model_path, *endpoint, *input_name;
  const seam_tensor *input;
  seam_model *plain;           /* optimize = 0: the truth */
  size_t n_out;
  seam_tensor **want_plain;    /* the unoptimized graph's outputs */
  seam_tensor **want_local;    /* the optimized local run's */
  double worst_plain, worst_local, worst_held;
  int exact_local;             /* cuts whose split equals the optimized local run byte for byte */
} ctx;

static void free_all(seam_tensor **t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    seam_tensor_free(t[i]);
    t[i] = NULL;
  }
}

/* One request through s; fills got. Returns the timing. */
static seam_edge_timing infer(seam_edge_session *s, const ctx *x, seam_tensor **got, seam_status *st, seam_error *err) {
  seam_edge_timing t;
  memset(&t, 0, sizeof t);
  *st = seam_edge_infer(s, 1, NULL, &x->input, x->n_out, got, &t, err);
  return t;
}

/* Splits at cut c twice; every check of the top of the file but the log's. */
static void check_cut(ctx *x, const cut *c) {
  seam_error err;
  seam_edge_session *s = open_session(x->model_path, x->endpoint, c->spec, &err);
  CHECK(s, "tensor '%s': open with cut %s: %s", c->tensor, c->spec, err.message);
  if (!s) return;
  const seam_model *device = seam_edge_model(s);
  /* The device's own model, all of it, locally: what the split must equal. */
  seam_tensor *mine[8] = {0}, *got[8] = {0};
  if (x->n_out > 8) die("at most 8 outputs");
  if (seam_model_run(device, 1, &x->input_name, &x->input, x->n_out, NULL, mine, &err) != SEAM_OK) die(err.message);
  for (int round = 0; round < 2; round++) {
    seam_status st;
    seam_edge_timing t = infer(s, x, got, &st, &err);
    CHECK(st == SEAM_OK && t.remote && !t.fell_back, "tensor '%s' (cut %s), request %d: status %d remote %d "
          "fell_back %d: %s", c->tensor, c->spec, round + 1, (int)st, t.remote, t.fell_back, err.message);
    for (size_t i = 0; st == SEAM_OK && i < x->n_out; i++) {
      CHECK(tensor_same(got[i], mine[i]), "tensor '%s': output %zu differs from the device's local run "
            "(max diff %g)", c->tensor, i, tensor_max_abs_diff(got[i], mine[i]));
      CHECK(close_to(got[i], x->want_plain[i], &x->worst_plain), "tensor '%s': output %zu is not within "
            "rounding of the unoptimized graph's", c->tensor, i);
      CHECK(close_to(got[i], x->want_local[i], &x->worst_local), "tensor '%s': output %zu is not within "
            "rounding of the optimized local run's", c->tensor, i);
      if (round == 0 && i == 0) {
        bool same = true;
        for (size_t k = 0; k < x->n_out; k++) same = same && tensor_same(got[k], x->want_local[k]);
        x->exact_local += same;
      }
    }
    free_all(got, x->n_out);
  }
  /* The cut tensors the device computes are the file's tensors. */
  seam_tensor **held = calloc((size_t)c->n_names, sizeof *held), **truth = calloc((size_t)c->n_names, sizeof *truth);
  if (!held || !truth) die("out of memory");
  if (seam_model_run(device, 1, &x->input_name, &x->input, (size_t)c->n_names, (const char *const *)c->names, held,
                     &err) != SEAM_OK ||
      seam_model_run(x->plain, 1, &x->input_name, &x->input, (size_t)c->n_names, (const char *const *)c->names,
                     truth, &err) != SEAM_OK) {
    CHECK(false, "tensor '%s': running to the cut tensors: %s", c->tensor, err.message);
  } else {
    for (int i = 0; i < c->n_names; i++)
      CHECK(close_to(held[i], truth[i], &x->worst_held), "tensor '%s': the device's '%s' is not the file's",
            c->tensor, c->names[i]);
  }
  free_all(held, (size_t)c->n_names);
  free_all(truth, (size_t)c->n_names);
  free(held);
  free(truth);
  free_all(mine, x->n_out);
  seam_edge_close(s);
}

/* Lines of the log file holding needle. */
static int count_lines(const char *path, const char *needle) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[4096];
  int n = 0;
  while (fgets(line, sizeof line, f)) n += strstr(line, needle) != NULL;
  fclose(f);
  return n;
}

static bool seen_before(cut *cuts, int i) {
  for (int k = 0; k < i; k++)
    if (strcmp(cuts[k].removed, cuts[i].removed) == 0) return true;
  return false;
}

/* ---- the worker's bound and refusals (--synthetic) ---- */

static uint8_t model_sha[32];

/* An Infer naming n tensors (1-element float32 each); its code, message in text. */
static int raw_infer(const char *endpoint, const char *model, size_t n, const char *const *names, char *text,
                     size_t text_size) {
  seam_error err;
  seam_grpc_channel *ch = seam_grpc_channel_open(endpoint, 0, &err);
  if (!ch) die(err.message);
  int64_t one = 1;
  Seam__V1__Tensor msgs[8], *ptrs[8];
  if (n > 8) die("at most 8 names");
  seam_codec_options opt = {.encoding = SEAM_ENCODING_RAW};
  for (size_t i = 0; i < n; i++) {
    seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, &one, &err);
    if (!t || seam_codec_encode(t, names[i], &opt, &msgs[i], NULL, &err) != SEAM_OK) die(err.message);
    seam_tensor_free(t);
    ptrs[i] = &msgs[i];
  }
  Seam__V1__InferRequest rq = SEAM__V1__INFER_REQUEST__INIT;
  rq.model_name = (char *)model;
  rq.model_sha256.data = model_sha;
  rq.model_sha256.len = 32;
  rq.request_id = (char *)"raw";
  rq.n_inputs = n;
  rq.inputs = ptrs;
  uint8_t *reply = NULL;
  size_t reply_size = 0;
  int code = rpc_call(ch, "/seam.v1.Seam/Infer", &rq.base, 10000, &reply, &reply_size, text, text_size);
  free(reply);
  for (size_t i = 0; i < n; i++) seam_codec_msg_clear(&msgs[i]);
  seam_grpc_channel_close(ch);
  return code;
}

static void check_bound(ctx *x, cut *cuts, int n_cuts, const char *exe) {
  const char *extra[] = {NULL};
  char endpoint[64], log_path[128];
  snprintf(log_path, sizeof log_path, "%s/bound.log", model_dir);
  char why[256];
  int port = worker_start_logged(exe, repo, extra, log_path, &worker, why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  x->endpoint = endpoint;
  /* The first DEFAULT_VARIANTS + 1 distinct sets of removed tensors. */
  int picked[DEFAULT_VARIANTS + 1], n_picked = 0, plain_cut = -1;
  for (int i = 0; i < n_cuts && n_picked <= DEFAULT_VARIANTS; i++) {
    if (!cuts[i].removed[0]) {
      if (plain_cut < 0 && strcmp(cuts[i].tensor, "X") != 0) plain_cut = i;
      continue;
    }
    if (!seen_before(cuts, i)) picked[n_picked++] = i;
  }
  if (n_picked < DEFAULT_VARIANTS + 1 || plain_cut < 0) die("the synthetic model has too few removed tensors");
  for (int k = 0; k < DEFAULT_VARIANTS; k++) check_cut(x, &cuts[picked[k]]);
  /* One more: refused, and the device finishes with the same outputs. */
  const cut *c = &cuts[picked[DEFAULT_VARIANTS]];
  seam_error err;
  seam_edge_session *s = open_session(x->model_path, endpoint, c->spec, &err);
  CHECK(s, "open with cut %s: %s", c->spec, err.message);
  if (s) {
    seam_tensor *got[8] = {0}, *mine[8] = {0};
    seam_status st;
    seam_edge_timing t = infer(s, x, got, &st, &err);
    CHECK(st == SEAM_OK && t.fell_back && t.reason == SEAM_EDGE_REASON_WORKER_REFUSED,
          "cut %s beyond the variant bound: status %d fell_back %d reason %s: %s", c->spec, (int)st, t.fell_back,
          seam_edge_reason_name(t.reason), err.message);
    CHECK(strstr(err.message, "FAILED_PRECONDITION") && strstr(err.message, "--max-cut-variants"),
          "the refusal names its reason: %s", err.message);
    printf("beyond the bound: %s\n", err.message);
    if (seam_model_run(seam_edge_model(s), 1, &x->input_name, &x->input, x->n_out, NULL, mine, &err) != SEAM_OK)
      die(err.message);
    for (size_t i = 0; st == SEAM_OK && i < x->n_out; i++)
      CHECK(tensor_same(got[i], mine[i]), "the fallback's output %zu is the device's local run", i);
    free_all(got, x->n_out);
    free_all(mine, x->n_out);
    seam_edge_close(s);
  }
  char text[512];
  char model[64];
  worker_model_name(x->model_path, model, sizeof model);
  int code = raw_infer(endpoint, model, (size_t)c->n_names, (const char *const *)c->names, text, sizeof text);
  CHECK(code == SEAM_RPC_FAILED_PRECONDITION, "a raw request beyond the bound: %s: %s", seam_rpc_code_name(code), text);
  /* Every other set of removed tensors (all 2^7 - 1 of the model's):
   * refused at admission, nothing loaded. */
  seam_model *opt = load_with(x->model_path, 1, NULL, 0);
  const seam_graph *og = opt->graph;
  const char *removed[8];
  int n_removed = 0, refused = 0, served = 0;
  for (int r = 0; r < og->n_removed && n_removed < 8; r++) {
    bool alias = false;
    if (!(seam_graph_removed_instead(og, &og->removed[r], &alias) && alias)) removed[n_removed++] = og->removed[r].name;
  }
  for (unsigned set = 1; set < (1u << n_removed); set++) {
    const char *names[8];
    size_t n = 0;
    for (int k = 0; k < n_removed; k++)
      if (set & (1u << k)) names[n++] = removed[k];
    code = raw_infer(endpoint, model, n, names, text, sizeof text);
    refused += code == SEAM_RPC_FAILED_PRECONDITION;
    served += code != SEAM_RPC_FAILED_PRECONDITION; /* a loaded variant: the 1-element tensors fail later */
  }
  CHECK(served <= DEFAULT_VARIANTS && refused + served == (1 << n_removed) - 1,
        "%d sets of removed tensors: %d refused, %d reached a loaded variant", (1 << n_removed) - 1, refused, served);
  printf("%d further sets of removed tensors: %d refused at admission, %d reached a loaded variant\n",
         (1 << n_removed) - 1, refused, served);
  seam_model_free(opt);
  /* The worker still serves: a loaded variant, a cut it needs none for. */
  check_cut(x, &cuts[picked[0]]);
  check_cut(x, &cuts[plain_cut]);
  /* Refusals at admission. */
  const char *twice[2] = {cuts[picked[0]].tensor, cuts[picked[0]].tensor};
  code = raw_infer(endpoint, model, 2, twice, text, sizeof text);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, "twice"), "a removed tensor named twice: %s: %s",
        seam_rpc_code_name(code), text);
  const char *unknown[1] = {"no_such_tensor"};
  code = raw_infer(endpoint, model, 1, unknown, text, sizeof text);
  CHECK(code == SEAM_RPC_INVALID_ARGUMENT && strstr(text, "no_such_tensor"), "an unknown tensor: %s: %s",
        seam_rpc_code_name(code), text);
  s = open_session(x->model_path, endpoint, "no_such_tensor", &err);
  CHECK(!s && err.status == SEAM_ERR_NOT_FOUND && strstr(err.message, "no_such_tensor"),
        "a cut naming no tensor of the file: %s", s ? "opened" : err.message);
  seam_edge_close(s);
  printf("a cut naming no tensor of the file: %s\n", err.message);
  int loaded = count_lines(log_path, "event=cut_variant_loaded");
  CHECK(loaded == DEFAULT_VARIANTS, "the bounded worker loaded %d variants, not %d", loaded, DEFAULT_VARIANTS);
  CHECK(worker_stop(&worker, 10) == 0, "the bounded worker exits 0");
  x->endpoint = NULL;
}

int main(int argc, char **argv) {
  const char *exe = NULL, *model = NULL, *samples = NULL;
  bool synthetic = false;
  int max_tensors = 64, limit = 240;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--synthetic")) synthetic = true;
    else if (i + 1 >= argc) break;
    else if (!strcmp(argv[i], "--seam-cloud")) exe = argv[++i];
    else if (!strcmp(argv[i], "--model")) model = argv[++i];
    else if (!strcmp(argv[i], "--samples")) samples = argv[++i];
    else if (!strcmp(argv[i], "--max-tensors")) max_tensors = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--limit")) limit = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--tolerance")) tolerance = atof(argv[++i]);
  }
  if (!exe || (!synthetic && (!model || !samples)) || max_tensors < 1) {
    fprintf(stderr, "usage: test_kept_cuts --seam-cloud PATH (--synthetic | --model M --samples X) "
                    "[--max-tensors N] [--tolerance T] [--limit S]\n");
    return 2;
  }
  signal(SIGALRM, on_alarm);
  alarm((unsigned)(limit * worker_time_scale()));
  char path[256];
  seam_error err;
  seam_tensor *input = NULL;
  if (synthetic) {
    write_synthetic(path, sizeof path);
    model = path;
    const int64_t dims[4] = {2, 3, 8, 8};
    input = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, dims, &err);
    if (!input) die(err.message);
    tb_fill_random(seam_tensor_data(input), seam_tensor_count(input), 77, -2.0f, 2.0f);
  } else if (!(input = seam_tensor_load_npy(samples, &err))) {
    die(err.message);
  }
  char why[256];
  if (!worker_make_repo(model, repo, sizeof repo, why, sizeof why)) die(why);
  char copied[600], name[256];
  worker_model_name(model, name, sizeof name);
  snprintf(copied, sizeof copied, "%s/%s/model.onnx", repo, name);
  if (!worker_copy_model(model, copied, model_sha)) die("cannot hash the model");

  ctx x = {.model_path = model, .input = input};
  x.plain = load_with(model, 0, NULL, 0);
  seam_model *optimized = load_with(model, 1, NULL, 0);
  seam_value_info info;
  if (seam_model_input_info(x.plain, 0, &info) != SEAM_OK) die("the model has no input");
  x.input_name = info.name;
  x.n_out = seam_model_output_count(x.plain);
  x.want_plain = calloc(x.n_out, sizeof *x.want_plain);
  x.want_local = calloc(x.n_out, sizeof *x.want_local);
  if (!x.want_plain || !x.want_local) die("out of memory");
  if (seam_model_run(x.plain, 1, &x.input_name, &x.input, x.n_out, NULL, x.want_plain, &err) != SEAM_OK ||
      seam_model_run(optimized, 1, &x.input_name, &x.input, x.n_out, NULL, x.want_local, &err) != SEAM_OK)
    die(err.message);

  /* Every tensor of the file that is computed and not a graph output. */
  const seam_graph *g = x.plain->graph;
  int *tensors = calloc((size_t)g->n_values + 1, sizeof *tensors), n_tensors = 0;
  if (!tensors) die("out of memory");
  for (int v = 0; v < g->n_values; v++) {
    bool output = false, input = false;
    for (int i = 0; i < g->n_outputs; i++) output = output || g->outputs[i] == v;
    for (int i = 0; i < g->n_inputs; i++) input = input || g->inputs[i] == v;
    /* Constants folding dropped stay as values without data or producer. */
    bool computed = input || g->values[v].producer >= 0;
    if (!g->values[v].constant && computed && !output) tensors[n_tensors++] = v;
  }
  int n_cuts = n_tensors < max_tensors ? n_tensors : max_tensors;
  cut *cuts = calloc((size_t)n_cuts + 1, sizeof *cuts);
  if (!cuts) die("out of memory");
  for (int i = 0; i < n_cuts; i++)
    make_cut(g, optimized->graph, tensors[(int)((long)i * n_tensors / n_cuts)], &cuts[i]);
  int n_removed = 0, n_sets = 0;
  for (int i = 0; i < n_cuts; i++) {
    n_removed += seam_graph_find_value(optimized->graph, cuts[i].tensor) < 0;
    n_sets += cuts[i].removed[0] && !seen_before(cuts, i);
  }

  /* A worker allowed a variant for every distinct set. */
  char endpoint[64], log_path[128], variants[16];
  snprintf(log_path, sizeof log_path, "%s/worker.log", synthetic ? model_dir : "/tmp");
  if (!synthetic) snprintf(log_path, sizeof log_path, "%s.log", repo);
  snprintf(variants, sizeof variants, "%d", n_sets > 0 ? (n_sets < 64 ? n_sets : 64) : 1);
  const char *extra[] = {"--max-cut-variants", variants, NULL};
  int port = worker_start_logged(exe, repo, extra, log_path, &worker, why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  x.endpoint = endpoint;
  for (int i = 0; i < n_cuts; i++) check_cut(&x, &cuts[i]);
  int loaded = count_lines(log_path, "event=cut_variant_loaded");
  CHECK(loaded == n_sets, "the worker loaded %d variants for %d distinct sets of removed tensors", loaded, n_sets);
  CHECK(worker_stop(&worker, 10) == 0, "the worker exits 0");
  printf("%s: %d of %d tensors of the file tried as cuts (%d of them removed by optimization, %d distinct sets of "
         "removed tensors, %d variants loaded); every split equal to the device's local run; %d of %d byte-equal "
         "to the optimized local run; worst relative difference to it %.3g, to the unoptimized graph %.3g "
         "(cut tensors %.3g; tolerance %g)\n",
         name, n_cuts, n_tensors, n_removed, n_sets, loaded, x.exact_local, n_cuts, x.worst_local, x.worst_plain,
         x.worst_held, tolerance);
  if (!synthetic) unlink(log_path);

  if (synthetic) check_bound(&x, cuts, n_cuts, exe);

  for (int i = 0; i < n_cuts; i++) cut_free(&cuts[i]);
  free(cuts);
  free(tensors);
  free_all(x.want_plain, x.n_out);
  free_all(x.want_local, x.n_out);
  free(x.want_plain);
  free(x.want_local);
  seam_model_free(optimized);
  seam_model_free(x.plain);
  seam_tensor_free(input);
  cleanup();
  printf("%d failure(s)\n", check_failures);
  return check_failures ? 1 : 0;
}

/* Every candidate cut of a model over the network: libseam-edge against a
 * real seam-cloud on loopback.
 *
 *   test_edge_cuts --seam-cloud PATH --model M.onnx --samples X.npy
 *                  [--top1] [--every K] [--limit S] [--skip REASON]
 *
 * Starts a worker on 127.0.0.1 serving a temporary repository that holds the
 * model under the name seam_edge_open derives (the folder holding
 * model.onnx). For every candidate cut (partitioner/frontier.h; every K-th when
 * K > 1, the first and last always), one split inference of the samples
 * with each codec:
 *
 *  - RAW: every graph output equals the local run's, byte for byte.
 *  - INT8 + zstd 1: every graph output equals, byte for byte, what the tail
 *    computes here from the cut tensors after an INT8 encode and decode (the
 *    worker ran the tail on exactly the tensors the device encoded), and
 *    stays within the quantization tolerance of the FP32 run:
 *
 *        max |y_int8 - y| <= GAIN_BOUND * h * max |y|        for each output y
 *
 *    where h, the cut's relative INT8 half-step, is the largest
 *    (scale / 2) / max |x| over its float32 tensors x. INT8 moves each cut
 *    element by at most scale / 2 (the codec's contract, checked here too),
 *    so h bounds the relative error the tail receives (1/510 for a post-ReLU
 *    tensor, up to 1/255 for a tensor of both signs). GAIN_BOUND bounds how
 *    much a tail may amplify it; see its definition.
 *    Cut tensors the model itself dequantizes from int8 (an INT8 head's
 *    DequantizeLinear outputs) cross as those int8 values and reach the
 *    worker exactly, so they are not rounded again here.
 *    With --top1 (a trained classifier: the last dim holds class scores),
 *    every row's top-1 must also be the FP32 run's. The generated models
 *    have random weights: their top two scores are often closer than the
 *    quantization error, so the error bound is their check.
 *
 * Cuts through shape subgraphs (int64 pieces next to activations, as in the
 * OCR recognizer) travel RAW with either codec, as the edge sends every
 * non-float32 tensor, and are exact too: the worker's run plan is keyed on
 * those small values, so the tail runs the same kernels as the full graph.
 * --skip REASON prints a SKIP line with the reason and exits 77 (the CTest
 * SKIP_RETURN_CODE) without running anything. The whole run is bounded by
 * --limit seconds (default 270): past it the worker is killed and the test
 * fails. */
#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "edge/cut_wire.h"
#include "protocol/codec.h"
#include "runtime/model.h"
#include "seam/edge.h"
#include "seam/runtime.h"
#include "tests/cloud/cut_list.h"
#include "tests/cloud/check.h"
#include "tests/cloud/tensor_check.h"
#include "tests/cloud/worker.h"

#define SKIP_CODE 77
#define INT8_ZSTD_LEVEL 1
#define DEADLINE_MS 20000
/* The device runs its model on one thread, the worker on two (worker_start's
 * --threads 2; each model's pool has the online cores): a RAW split must
 * equal the local run whatever the thread counts on either side, as
 * include/seam/edge.h promises. One thread also keeps the device from
 * spinning a thread pool against the worker on small machines. */
#define THREADS 1
/* How much a tail may amplify the relative INT8 error of its cut tensors:
 * max |y_int8 - y| / (h * max |y|). No a-priori bound exists without the
 * tails' Lipschitz constants, so this one is measured: over every cut of
 * every example model the worst gain is 43 (ShuffleNetV2 cut right after its
 * stem, 1000 logits), 38 (the OCR detector after its stem, a probability
 * map), 17 for the trained demo model and 1 to 15 for the others (each run
 * prints its model's worst); 64 leaves 1.5x headroom. It is the end-to-end
 * sanity bound and loose by nature: a zero point off by one step on the
 * worker (every element moved by 2h) stays within it on the demo model and
 * ResNet-18. Codec faults are caught at the cut (each element within
 * scale / 2 of its FP32 value, scale from the tensor's own range: a scale
 * twice too coarse fails there), and faults of the transport or the worker
 * by the exact comparison with the reference tail (that zero point fails
 * every cut of every model). */
#define GAIN_BOUND 64.0

int check_failures;
static pid_t worker = -1;
static char repo[64] = "";

static void cleanup(void) {
  worker_kill(&worker);
  worker_remove_repo(repo);
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

typedef struct run_ctx {
  const char *model_path, *endpoint;
  const char *input_name;
  const seam_tensor *input;
  size_t n_out;
  seam_tensor **want; /* the local FP32 run */
  bool top1;
  double worst_gain;
  int top1_rows;
  double raw_s, int8_s, reference_s; /* where the time went */
} run_ctx;

static seam_edge_session *open_session(const char *model, const char *endpoint, const char *cut,
                                       seam_edge_codec codec, int zstd) {
  seam_edge_config cfg = {.model_path = model, .endpoint = endpoint, .cut = cut,
                          .deadline_ms = endpoint ? DEADLINE_MS : 0, .codec = codec,
                          .zstd_level = zstd, .threads = THREADS};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) fprintf(stderr, "seam_edge_open(cut %s): %s\n", cut, err.message);
  return s;
}

/* One split inference of the samples through a new session; the outputs in
 * got. Returns the session (the caller closes it) when the tail ran on the
 * worker, NULL otherwise. */
static seam_edge_session *split_run(const run_ctx *x, const test_cut *cut, seam_edge_codec codec, int zstd,
                                    seam_tensor **got) {
  const char *what = codec == SEAM_EDGE_CODEC_RAW ? "RAW" : "INT8";
  seam_edge_session *s = open_session(x->model_path, x->endpoint, cut->spec, codec, zstd);
  CHECK(s, "open with cut %s (%s)", cut->spec, what);
  if (!s) return NULL;
  seam_edge_timing t;
  seam_error err;
  seam_status st = seam_edge_infer(s, 1, NULL, &x->input, x->n_out, got, &t, &err);
  CHECK(st == SEAM_OK, "cut %s (%s): %s", cut->spec, what, err.message);
  if (st == SEAM_OK)
    CHECK(t.remote && !t.fell_back, "cut %s (%s) ran on the worker (%s)", cut->spec, what, err.message);
  if (st != SEAM_OK || !t.remote || t.fell_back) {
    seam_edge_close(s);
    return NULL;
  }
  return s;
}

static void free_all(seam_tensor **t, size_t n) {
  for (size_t i = 0; i < n; i++) {
    seam_tensor_free(t[i]);
    t[i] = NULL;
  }
}

/* A float32 tensor through the INT8 codec (encode, decode), as the device
 * and the worker do it. *half_step_rel receives the relative half-step the
 * codec's contract gives x: (scale / 2) / max |x| with scale =
 * (max(x, 0) - min(x, 0)) / 255, from x's own range rather than from the
 * scale the encoder chose, so a coarser scale would be caught. */
static seam_tensor *int8_round_trip(const seam_tensor *x, const char *name, double *half_step_rel) {
  seam_codec_options o = {.encoding = SEAM_ENCODING_INT8};
  Seam__V1__Tensor msg;
  seam_error err;
  if (seam_codec_encode(x, name, &o, &msg, NULL, &err) != SEAM_OK) die(err.message);
  seam_tensor *q = seam_codec_decode(&msg, SIZE_MAX / 4, NULL, &err);
  if (!q) die(err.message);
  seam_codec_msg_clear(&msg);
  double lo = 0, hi = 0, peak = tensor_max_abs(x);
  tensor_range(x, &lo, &hi);
  double half = (hi - lo) / 255 / 2;
  /* scale / 2, plus the float rounding of x / scale and of the decode */
  double moved = tensor_max_abs_diff(q, x);
  CHECK(moved >= 0 && moved <= half + 4 * FLT_EPSILON * peak,
        "%s: INT8 moved an element by %g, over scale/2 = %g", name, moved, half);
  *half_step_rel = peak > 0 ? half / peak : 0;
  return q;
}

/* True when the model itself dequantizes the tensor from int8 (an INT8
 * head's DequantizeLinear output): the edge sends those int8 values with the
 * model's scale and zero point, so the worker receives the tensor exactly. */
static bool model_dequantizes(const seam_model *model, const char *name) {
  seam_codec_options codec = {.encoding = SEAM_ENCODING_INT8};
  seam_cut_wire wire;
  seam_error err;
  if (seam_cut_wire_plan(model->graph, name, &codec, &wire, &err) != SEAM_OK) die(err.message);
  bool exact = wire.codec.int8_range == SEAM_INT8_RANGE_QUANTIZED;
  free(wire.head_name);
  return exact;
}

/* What the INT8 split must return: the head on the device's model (a
 * session's), the cut tensors through the codec, the tail on the same model.
 * *h receives the cut's relative half-step. */
static void int8_reference(const run_ctx *x, const seam_model *model, const test_cut *cut, seam_tensor **out,
                           double *h) {
  int n = cut->n_names;
  seam_tensor **head = calloc((size_t)n + 1, sizeof *head), **sent = calloc((size_t)n + 1, sizeof *sent);
  if (!head || !sent) die("out of memory");
  seam_error err;
  if (cut->position == 0) {
    if (n != 1 || strcmp(cut->names[0], x->input_name) != 0) die("position 0 is not the graph input");
    if (!(head[0] = seam_tensor_clone(x->input, &err))) die(err.message);
  } else if (seam_model_run(model, 1, &x->input_name, &x->input, (size_t)n, (const char *const *)cut->names,
                            head, &err) != SEAM_OK) {
    die(err.message);
  }
  *h = 0;
  for (int i = 0; i < n; i++) {
    double hi = 0;
    if (seam_tensor_dtype(head[i]) == SEAM_DTYPE_FLOAT32 && !model_dequantizes(model, cut->names[i]))
      sent[i] = int8_round_trip(head[i], cut->names[i], &hi);
    else if (!(sent[i] = seam_tensor_clone(head[i], &err))) die(err.message);
    if (hi > *h) *h = hi;
  }
  if (seam_model_run(model, (size_t)n, (const char *const *)cut->names, (const seam_tensor *const *)sent,
                     x->n_out, NULL, out, &err) != SEAM_OK)
    die(err.message);
  free_all(head, (size_t)n);
  free_all(sent, (size_t)n);
  free(head);
  free(sent);
}

static void check_top1(run_ctx *x, const test_cut *cut, size_t o, const seam_tensor *got) {
  int rows = tensor_rows(x->want[o]);
  int *a = calloc((size_t)rows + 1, sizeof *a), *b = calloc((size_t)rows + 1, sizeof *b);
  if (!a || !b) die("out of memory");
  tensor_top1(x->want[o], a, rows);
  tensor_top1(got, b, rows);
  for (int r = 0; r < rows; r++)
    CHECK(a[r] == b[r], "cut %s: INT8 changes the top-1 of output %zu row %d (%d -> %d)", cut->spec, o, r,
          a[r], b[r]);
  x->top1_rows += rows;
  free(a);
  free(b);
}

static void check_int8(run_ctx *x, const seam_model *model, const test_cut *cut, seam_tensor **got) {
  seam_tensor **expected = calloc(x->n_out, sizeof *expected);
  if (!expected) die("out of memory");
  double h = 0;
  int8_reference(x, model, cut, expected, &h);
  for (size_t o = 0; o < x->n_out; o++) {
    CHECK(tensor_same(got[o], expected[o]),
          "cut %s: INT8 split output %zu differs from the tail run here on the decoded cut (max |diff| %g)",
          cut->spec, o, tensor_max_abs_diff(got[o], expected[o]));
    if (seam_tensor_dtype(x->want[o]) != SEAM_DTYPE_FLOAT32) {
      CHECK(tensor_same(got[o], x->want[o]), "cut %s: INT8 changes the non-float output %zu", cut->spec, o);
      continue;
    }
    double diff = tensor_max_abs_diff(got[o], x->want[o]), peak = tensor_max_abs(x->want[o]);
    double tol = GAIN_BOUND * h * peak;
    CHECK(diff >= 0 && diff <= tol,
          "cut %s: INT8 output %zu is %g from FP32, over the tolerance %g (%g x half-step %g x max|y| %g)",
          cut->spec, o, diff, tol, GAIN_BOUND, h, peak);
    if (h > 0 && peak > 0 && diff / (h * peak) > x->worst_gain) x->worst_gain = diff / (h * peak);
    if (x->top1) check_top1(x, cut, o, got[o]);
  }
  free_all(expected, x->n_out);
  free(expected);
}

/* RAW and INT8 splits at one cut. */
static void check_cut(run_ctx *x, const test_cut *cut, seam_tensor **got) {
  double t0 = seam_clock_s();
  seam_edge_session *raw = split_run(x, cut, SEAM_EDGE_CODEC_RAW, 0, got);
  for (size_t o = 0; raw && o < x->n_out; o++)
    CHECK(tensor_same(got[o], x->want[o]), "cut %s: RAW split output %zu differs from the local run (max |diff| %g)",
          cut->spec, o, tensor_max_abs_diff(got[o], x->want[o]));
  free_all(got, x->n_out);
  double t1 = seam_clock_s();
  seam_edge_session *int8 = split_run(x, cut, SEAM_EDGE_CODEC_INT8, INT8_ZSTD_LEVEL, got);
  seam_edge_close(int8);
  double t2 = seam_clock_s();
  /* The RAW session's model has the head planned already. */
  if (int8 && raw) check_int8(x, seam_edge_model(raw), cut, got);
  free_all(got, x->n_out);
  seam_edge_close(raw);
  x->raw_s += t1 - t0;
  x->int8_s += t2 - t1;
  x->reference_s += seam_clock_s() - t2;
}

static void run_cuts(run_ctx *x, const test_cut *cuts, int n_cuts, int every, const char *name) {
  seam_tensor **got = calloc(x->n_out, sizeof *got);
  if (!got) die("out of memory");
  double t0 = seam_clock_s();
  int checked = 0;
  for (int c = 0; c < n_cuts; c++) {
    if (c % every != 0 && c != n_cuts - 1) continue;
    check_cut(x, &cuts[c], got);
    checked++;
    if (checked % 25 == 0) fprintf(stderr, "%s: %d cuts checked, %.1f s\n", name, checked, seam_clock_s() - t0);
  }
  free(got);
  printf("%s: %d candidate cuts, %d checked over the network (every %d%s) with RAW and INT8+zstd %d in %.1f s"
         " (RAW splits %.1f s, INT8 splits %.1f s, INT8 references here %.1f s)\n",
         name, n_cuts, checked, every, every > 1 ? "-th and the last" : "", INT8_ZSTD_LEVEL,
         seam_clock_s() - t0, x->raw_s, x->int8_s, x->reference_s);
  printf("%s: INT8 worst gain (max |y_int8 - y| / (half-step x max |y|)) %.2f, bound %.0f", name, x->worst_gain,
         GAIN_BOUND);
  if (x->top1) printf("; top-1 unchanged on %d rows", x->top1_rows);
  printf("\n");
}

int main(int argc, char **argv) {
  const char *cloud_exe = NULL, *model_path = NULL, *samples_path = NULL, *skip = NULL;
  int every = 1, limit = 270;
  bool top1 = false;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--top1") == 0) {
      top1 = true;
      continue;
    }
    if (i + 1 >= argc) break;
    const char *v = argv[++i];
    if (strcmp(argv[i - 1], "--seam-cloud") == 0) cloud_exe = v;
    else if (strcmp(argv[i - 1], "--model") == 0) model_path = v;
    else if (strcmp(argv[i - 1], "--samples") == 0) samples_path = v;
    else if (strcmp(argv[i - 1], "--every") == 0) every = atoi(v);
    else if (strcmp(argv[i - 1], "--limit") == 0) limit = atoi(v);
    else if (strcmp(argv[i - 1], "--skip") == 0) skip = v;
    else cloud_exe = NULL; /* unknown option: usage */
  }
  if (!cloud_exe || !model_path || !samples_path || every < 1 || limit < 1) {
    fprintf(stderr, "usage: test_edge_cuts --seam-cloud PATH --model M.onnx --samples X.npy"
                    " [--top1] [--every K] [--limit S] [--skip REASON]\n");
    return 2;
  }
  char name[256];
  worker_model_name(model_path, name, sizeof name);
  if (skip) {
    printf("SKIP every cut of %s over the network, not checked: %s\n", name, skip);
    fprintf(stderr, "SKIP every cut of %s over the network, not checked: %s\n", name, skip);
    return SKIP_CODE;
  }
  signal(SIGPIPE, SIG_IGN);
  signal(SIGALRM, on_alarm);
  alarm((unsigned)limit);
  seam_error err;
  seam_tensor *samples = seam_tensor_load_npy(samples_path, &err);
  if (!samples) die(err.message);

  seam_edge_session *local = open_session(model_path, NULL, "local", SEAM_EDGE_CODEC_RAW, 0);
  if (!local) die("cannot open a local session");
  run_ctx x = {.model_path = model_path, .input = samples, .top1 = top1,
               .input_name = seam_edge_input_name(local, 0), .n_out = seam_edge_output_count(local)};
  x.want = calloc(x.n_out, sizeof *x.want);
  if (!x.want) die("out of memory");
  seam_edge_timing t;
  if (seam_edge_infer(local, 1, NULL, &x.input, x.n_out, x.want, &t, &err) != SEAM_OK) die(err.message);
  int n_cuts = 0;
  test_cut *cuts = cut_list_make(model_path, samples, &n_cuts, &err);
  if (!cuts) die(err.message);
  CHECK(n_cuts > 2, "the partitioner found %d cuts", n_cuts);

  char why[256], endpoint[64];
  if (!worker_make_repo(model_path, repo, sizeof repo, why, sizeof why)) die(why);
  int port = worker_start(cloud_exe, repo, NULL, &worker, why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  printf("worker on %s\n", endpoint);
  x.endpoint = endpoint;
  run_cuts(&x, cuts, n_cuts, every, name);
  int rc = worker_stop(&worker, 10);
  CHECK(rc == 0, "the worker exited with %d after SIGTERM (a sanitizer report?)", rc);
  alarm(0);

  cut_list_free(cuts, n_cuts);
  free_all(x.want, x.n_out);
  free(x.want);
  seam_edge_close(local);
  seam_tensor_free(samples);
  cleanup();
  if (check_failures) {
    fprintf(stderr, "%d check(s) failed\n", check_failures);
    return 1;
  }
  printf("all edge cut checks passed\n");
  return 0;
}

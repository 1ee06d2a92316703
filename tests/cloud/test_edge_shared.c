/* An app's view of libseam-edge: this program includes only the public
 * headers and links only the shared libseam-edge.so, against a real
 * seam-cloud on 127.0.0.1.
 *
 *   test_edge_shared --seam-cloud PATH --samples SAMPLES.npy --labels LABELS.npy
 *                    --fp32 DIR/model.onnx --int8 DIR/model.onnx --mixed DIR/model.onnx
 *
 * The worker serves the three demo models (FP32; INT8 QDQ; INT8 head up to
 * /stage2/relu2 with an FP32 tail). Checks:
 *  - FP32, split at /stage2/relu2 with RAW: bit-identical to the local run;
 *  - INT8 model, split where both cut tensors are DequantizeLinear outputs:
 *    bit-identical to the local run with RAW, and the cut crosses as int8
 *    (request bytes under 30 % of the cut's float32 size);
 *  - the same INT8 cut through a stream (InferStream): exact, int8 on the wire;
 *  - INT8 head + FP32 tail, split at /stage2/relu2 with INT8+zstd: the same
 *    top-1 as the local run of that model on every sample, and as many
 *    correct labels as the FP32 model minus at most one;
 *  - after the worker is killed, the INT8 split finishes on the device from
 *    the int8 tensors it holds, bit-identical to the local run.
 * Every wait is bounded; the worker is always killed. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seam/edge.h"
#include "seam/seam.h"
#include "tests/cloud/check.h"
#include "tests/cloud/worker.h"

#define FP32_CUT "/stage2/relu2/Relu_output_0"
#define INT8_CUT "/stage2/conv2/Conv_output_0_dequantized,/stage2/shortcut/conv/Conv_output_0_dequantized"

int check_failures;
static pid_t worker = -1;
static char repo[64] = "";
static char endpoint[64];



static void cleanup(void) { worker_cleanup(&worker, repo); }

static void die(const char *msg) {
  fprintf(stderr, "FAIL: %s\n", msg);
  cleanup();
  exit(1);
}

/* Copies src to repo/name/model.onnx. */
static void add_model(const char *src, const char *name) {
  char dir[256], dst[300];
  snprintf(dir, sizeof dir, "%s/%s", repo, name);
  snprintf(dst, sizeof dst, "%s/model.onnx", dir);
  if (mkdir(dir, 0755) != 0 || !worker_copy_model(src, dst, NULL))
    die("cannot copy a model into the repository");
}

static seam_edge_session *open_session(const char *model, const char *cut, seam_edge_codec codec,
                                       int zstd) {
  seam_edge_config cfg = {.model_path = model, .endpoint = endpoint, .cut = cut,
                          .deadline_ms = 5000, .codec = codec, .zstd_level = zstd, .threads = 2};
  seam_error err;
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) fprintf(stderr, "seam_edge_open(%s, cut %s): %s\n", model, cut, err.message);
  return s;
}

/* Runs one inference; returns the first output (NULL on failure). */
static seam_tensor *infer(seam_edge_session *s, const seam_tensor *x, seam_edge_timing *t) {
  seam_tensor *out[4] = {0};
  size_t n = seam_edge_output_count(s);
  if (n < 1 || n > 4) return NULL;
  seam_error err;
  if (seam_edge_infer(s, 1, NULL, &x, n, out, t, &err) != SEAM_OK) {
    fprintf(stderr, "seam_edge_infer: %s\n", err.message);
    return NULL;
  }
  for (size_t i = 1; i < n; i++) seam_tensor_free(out[i]);
  return out[0];
}

static bool same(const seam_tensor *a, const seam_tensor *b) {
  return a && b && seam_tensor_dtype(a) == seam_tensor_dtype(b) &&
         seam_tensor_nbytes(a) == seam_tensor_nbytes(b) &&
         memcmp(seam_tensor_data_const(a), seam_tensor_data_const(b), seam_tensor_nbytes(a)) == 0;
}

/* Top-1 per row of [N, K] logits into out (N entries). */
static size_t top1(const seam_tensor *t, int *out, size_t max) {
  const int64_t *d = seam_tensor_dims(t);
  size_t k = (size_t)d[seam_tensor_rank(t) - 1], rows = seam_tensor_count(t) / k;
  const float *v = seam_tensor_data_const(t);
  for (size_t r = 0; r < rows && r < max; r++) {
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
      if (v[r * k + j] > v[r * k + best]) best = j;
    out[r] = (int)best;
  }
  return rows < max ? rows : max;
}

/* A local run and a split run of one model; returns both outputs. */
static void local_and_split(const char *model, const char *cut, seam_edge_codec codec, int zstd,
                            const seam_tensor *x, seam_tensor **local, seam_tensor **split,
                            seam_edge_timing *t) {
  seam_edge_session *l = open_session(model, "local", SEAM_EDGE_CODEC_RAW, 0);
  seam_edge_session *s = open_session(model, cut, codec, zstd);
  if (!l || !s) die("cannot open the sessions");
  seam_edge_timing lt;
  *local = infer(l, x, &lt);
  *split = infer(s, x, t);
  CHECK(*local && *split, "%s: both runs succeed", model);
  CHECK(t->remote && !t->fell_back, "%s: the tail ran on the worker", model);
  seam_edge_close(l);
  seam_edge_close(s);
}

int main(int argc, char **argv) {
  const char *cloud = NULL, *samples_path = NULL, *labels_path = NULL, *fp32 = NULL, *int8 = NULL,
             *mixed = NULL;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--seam-cloud")) cloud = argv[i + 1];
    else if (!strcmp(argv[i], "--samples")) samples_path = argv[i + 1];
    else if (!strcmp(argv[i], "--labels")) labels_path = argv[i + 1];
    else if (!strcmp(argv[i], "--fp32")) fp32 = argv[i + 1];
    else if (!strcmp(argv[i], "--int8")) int8 = argv[i + 1];
    else if (!strcmp(argv[i], "--mixed")) mixed = argv[i + 1];
  }
  if (!cloud || !samples_path || !labels_path || !fp32 || !int8 || !mixed) {
    fprintf(stderr, "usage: test_edge_shared --seam-cloud PATH --samples X.npy --labels Y.npy "
                    "--fp32 M.onnx --int8 M.onnx --mixed M.onnx\n");
    return 2;
  }
  seam_error err;
  seam_tensor *x = seam_tensor_load_npy(samples_path, &err);
  seam_tensor *labels = seam_tensor_load_npy(labels_path, &err);
  if (!x || !labels) die(err.message);

  snprintf(repo, sizeof repo, "/tmp/seam-edge-shared-XXXXXX");
  if (!mkdtemp(repo)) die("cannot make a temporary repository");
  add_model(fp32, "fp32");
  add_model(int8, "int8");
  add_model(mixed, "mixed");
  char why[128];
  int port = worker_start(cloud, repo, NULL, &worker, why, sizeof why);
  if (port < 0) die(why);
  snprintf(endpoint, sizeof endpoint, "127.0.0.1:%d", port);
  /* The sessions open the repository's copies, so the names match. */
  char fp32_path[128], int8_path[128], mixed_path[128];
  snprintf(fp32_path, sizeof fp32_path, "%s/fp32/model.onnx", repo);
  snprintf(int8_path, sizeof int8_path, "%s/int8/model.onnx", repo);
  snprintf(mixed_path, sizeof mixed_path, "%s/mixed/model.onnx", repo);

  seam_tensor *local, *split;
  seam_edge_timing t;

  /* FP32, RAW. */
  local_and_split(fp32_path, FP32_CUT, SEAM_EDGE_CODEC_RAW, 0, x, &local, &split, &t);
  CHECK(same(local, split), "FP32 split at %s equals the local run", FP32_CUT);
  int fp32_top[64], n_rows = (int)top1(local, fp32_top, 64);
  seam_tensor_free(local);
  seam_tensor_free(split);

  /* INT8 QDQ model, cut at two DequantizeLinear outputs: int8 on the wire, exact. */
  local_and_split(int8_path, INT8_CUT, SEAM_EDGE_CODEC_RAW, 0, x, &local, &split, &t);
  CHECK(same(local, split), "INT8 split at the dequantized tensors equals the local run");
  size_t float_bytes = (size_t)n_rows * 2 * 64 * 7 * 7 * sizeof(float);
  CHECK(t.bytes_up > 0 && t.bytes_up < float_bytes * 3 / 10,
        "the INT8 cut crosses as int8: %llu bytes up, float32 would be %zu",
        (unsigned long long)t.bytes_up, float_bytes);
  CHECK(t.tensor_bytes_up == float_bytes, "the timing counts the cut as %llu float32 bytes, not %zu",
        (unsigned long long)t.tensor_bytes_up, float_bytes);
  printf("INT8 head, cut at two dequantized tensors: %llu bytes up (float32: %zu), head %llu us, "
         "worker compute %llu us, exact\n",
         (unsigned long long)t.bytes_up, float_bytes, (unsigned long long)t.head_us,
         (unsigned long long)t.worker_compute_us);
  seam_tensor_free(local);
  seam_tensor_free(split);

  /* The same cut through a stream: int8 on the wire, exact. */
  {
    seam_edge_session *ss = open_session(int8_path, INT8_CUT, SEAM_EDGE_CODEC_RAW, 0);
    seam_edge_session *ls = open_session(int8_path, "local", SEAM_EDGE_CODEC_RAW, 0);
    seam_edge_stream *stream = ss ? seam_edge_stream_open(ss, 2, &err) : NULL;
    if (!ls || !stream) die("cannot open the INT8 stream");
    seam_edge_timing lt3;
    local = infer(ls, x, &lt3);
    const seam_tensor *frame = x;
    CHECK(seam_edge_stream_submit(stream, 1, NULL, &frame, 7, &err) == SEAM_OK, "submit: %s",
          err.message);
    uint64_t tag = 0;
    split = NULL;
    seam_status rs = seam_edge_stream_receive(stream, 1, &split, &tag, &t, 10000, &err);
    CHECK(rs == SEAM_OK && tag == 7 && t.remote, "stream receive: %s", err.message);
    CHECK(same(local, split), "the INT8 stream frame equals the local run");
    CHECK(t.bytes_up > 0 && t.bytes_up < float_bytes * 3 / 10,
          "the stream's INT8 cut crosses as int8: %llu bytes up", (unsigned long long)t.bytes_up);
    seam_tensor_free(local);
    seam_tensor_free(split);
    seam_edge_stream_close(stream);
    seam_edge_close(ss);
    seam_edge_close(ls);
  }

  /* INT8 head + FP32 tail, INT8+zstd on the wire. */
  local_and_split(mixed_path, FP32_CUT, SEAM_EDGE_CODEC_INT8, 1, x, &local, &split, &t);
  int lt[64], st[64];
  size_t rows = local && split ? top1(local, lt, 64) : 0;
  if (rows) top1(split, st, 64);
  int same_top = 0, correct = 0, fp32_correct = 0;
  const float *lab = NULL;
  const int64_t *lab64 = NULL;
  if (seam_tensor_dtype(labels) == SEAM_DTYPE_INT64) lab64 = seam_tensor_data_const(labels);
  else lab = seam_tensor_data_const(labels);
  for (size_t r = 0; r < rows; r++) {
    int want = lab64 ? (int)lab64[r] : (int)lab[r];
    same_top += lt[r] == st[r];
    correct += st[r] == want;
    fp32_correct += fp32_top[r] == want;
  }
  CHECK(rows == (size_t)n_rows && same_top == n_rows,
        "INT8 head split: top-1 equals the local run on %d of %d samples", same_top, n_rows);
  CHECK(correct + 1 >= fp32_correct, "INT8 head split: %d correct, FP32 %d", correct, fp32_correct);
  printf("INT8 head + FP32 tail at %s, INT8+zstd 1: %llu bytes up, %d/%d correct (FP32 %d)\n",
         FP32_CUT, (unsigned long long)t.bytes_up, correct, n_rows, fp32_correct);
  seam_tensor_free(local);
  seam_tensor_free(split);

  /* Worker gone: the INT8 split finishes on the device from the int8 tensors. */
  seam_edge_session *l = open_session(int8_path, "local", SEAM_EDGE_CODEC_RAW, 0);
  seam_edge_session *s = open_session(int8_path, INT8_CUT, SEAM_EDGE_CODEC_RAW, 0);
  if (!l || !s) die("cannot open the sessions");
  worker_kill(&worker);
  seam_edge_timing lt2;
  local = infer(l, x, &lt2);
  split = infer(s, x, &t);
  CHECK(split && t.fell_back && !t.remote, "the INT8 split fell back to the device");
  CHECK(same(local, split), "the fallback equals the local run");
  seam_tensor_free(local);
  seam_tensor_free(split);
  seam_edge_close(l);
  seam_edge_close(s);

  seam_tensor_free(x);
  seam_tensor_free(labels);
  cleanup();
  if (check_failures) {
    fprintf(stderr, "%d check(s) failed\n", check_failures);
    return 1;
  }
  printf("libseam-edge.so: all checks passed\n");
  return 0;
}

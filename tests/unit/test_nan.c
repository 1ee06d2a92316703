/* NaN and infinities, as ONNX's reference (NumPy) treats them: NaN in, NaN
 * out for every activation, clamp, max/min, pooling and reduction, and the
 * fast path (XNNPACK, run plans, Winograd, fused activations) equal to the
 * portable kernels: NaN exactly where they have NaN, the same values
 * elsewhere.
 *
 * The portable kernels are checked against values written out here by
 * NumPy's rules (np.maximum, np.clip, np.max propagate NaN). The fast path
 * is checked against the portable kernels (the oracle) and, for a 3x3
 * convolution, against where NaN must land: the 3x3 neighbourhood of the
 * NaN pixel in every output channel, and nowhere else. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/tensor.h"
#include "runtime/xnn/winograd.h"
#include "runtime/xnn/xnn_fallback.h"
#include "seam/seam.h"
#include "tests/unit/node_builder.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

#define N_VALUES 7
static const float k_values[N_VALUES] = {NAN, -2.0f, -0.0f, 0.5f, 7.0f, INFINITY, -INFINITY};

/* Same float, NaN equal to NaN. */
static bool same(float a, float b) { return (isnan(a) && isnan(b)) || a == b; }

/* Same non-finite value, or finite values within float rounding. */
static bool close_to(float a, float b) {
  if (!isfinite(b)) return same(a, b);
  return isfinite(a) && fabsf(a - b) <= 1e-6f * fmaxf(1.0f, fabsf(b));
}

/* Runs a one-input float op on k_values and compares with want. */
static void check_unary(const char *op, int opset, const float *want, float alpha, bool has_alpha) {
  tnode t;
  tn_init(&t, op, opset, 1, 1);
  if (has_alpha) tn_float(&t, "alpha", alpha);
  int64_t d[1] = {N_VALUES};
  seam_tensor *x = tn_tensor(SEAM_DTYPE_FLOAT32, 1, d, k_values), *y = NULL;
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, &x, &y), SEAM_OK);
  const float *yv = y->data;
  for (int i = 0; i < N_VALUES; i++) {
    if (!close_to(yv[i], want[i])) fprintf(stderr, "\n  %s(%g) = %g, want %g\n", op, k_values[i], yv[i], want[i]);
    CU_ASSERT(close_to(yv[i], want[i]));
  }
  seam_tensor_free(x);
  seam_tensor_free(y);
}

static void test_activations_propagate_nan(void) {
  /* Inputs: NaN, -2, -0, 0.5, 7, inf, -inf. */
  const float relu[N_VALUES] = {NAN, 0, 0, 0.5f, 7, INFINITY, 0};
  check_unary("Relu", 14, relu, 0, false);
  const float leaky[N_VALUES] = {NAN, -0.2f, -0.0f, 0.5f, 7, INFINITY, -INFINITY};
  check_unary("LeakyRelu", 16, leaky, 0.1f, true);
  /* ThresholdedRelu(alpha 1): np.where(x > 1, x, 0) but NaN stays NaN, as in
   * PyTorch's threshold and np.clip-based definitions. */
  const float thresholded[N_VALUES] = {NAN, 0, 0, 0, 7, INFINITY, 0};
  check_unary("ThresholdedRelu", 10, thresholded, 1.0f, true);
  const float celu[N_VALUES] = {NAN, expm1f(-2.0f), -0.0f, 0.5f, 7, INFINITY, -1};
  check_unary("Celu", 12, celu, 1.0f, true);
  /* HardSigmoid (0.2x + 0.5 clipped to [0, 1]) and HardSwish. */
  const float hsig[N_VALUES] = {NAN, 0.1f, 0.5f, 0.6f, 1, 1, 0};
  check_unary("HardSigmoid", 6, hsig, 0.2f, true);
  const float hswish[N_VALUES] = {NAN, -2.0f * (1.0f / 6.0f), -0.0f, 0.5f * (0.5f / 6.0f + 0.5f), 7, INFINITY, NAN};
  check_unary("HardSwish", 14, hswish, 0, false);
  const float elu[N_VALUES] = {NAN, expm1f(-2.0f), -0.0f, 0.5f, 7, INFINITY, -1};
  check_unary("Elu", 6, elu, 1.0f, true);
}

static void check_clip(const float *lo, const float *hi, const float *want) {
  tnode t;
  tn_init(&t, "Clip", 13, 3, 1);
  int64_t d[1] = {N_VALUES};
  seam_tensor *in[3] = {tn_tensor(SEAM_DTYPE_FLOAT32, 1, d, k_values), lo ? tn_tensor(SEAM_DTYPE_FLOAT32, 0, NULL, lo) : NULL,
                        hi ? tn_tensor(SEAM_DTYPE_FLOAT32, 0, NULL, hi) : NULL};
  seam_tensor *y = NULL;
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, &y), SEAM_OK);
  for (int i = 0; i < N_VALUES; i++) CU_ASSERT(same(((float *)y->data)[i], want[i]));
  tn_free_all(in, 3);
  seam_tensor_free(y);
}

static void test_clip_max_min_propagate_nan(void) {
  const float zero = 0.0f, six = 6.0f;
  const float open[N_VALUES] = {NAN, -2, -0.0f, 0.5f, 7, INFINITY, -INFINITY};
  check_clip(NULL, NULL, open);
  const float relu6[N_VALUES] = {NAN, 0, -0.0f, 0.5f, 6, 6, 0};
  check_clip(&zero, &six, relu6);
  /* Max / Min against 1: np.maximum / np.minimum. */
  const char *ops[2] = {"Max", "Min"};
  const float want[2][N_VALUES] = {{NAN, 1, 1, 1, 7, INFINITY, 1}, {NAN, -2, -0.0f, 0.5f, 1, 1, -INFINITY}};
  for (int k = 0; k < 2; k++) {
    tnode t;
    tn_init(&t, ops[k], 13, 2, 1);
    int64_t d[1] = {N_VALUES};
    const float one = 1.0f;
    seam_tensor *in[2] = {tn_tensor(SEAM_DTYPE_FLOAT32, 1, d, k_values), tn_tensor(SEAM_DTYPE_FLOAT32, 0, NULL, &one)};
    seam_tensor *y = NULL;
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, &y), SEAM_OK);
    for (int i = 0; i < N_VALUES; i++) CU_ASSERT(same(((float *)y->data)[i], want[k][i]));
    /* The NaN as the second operand too. */
    seam_tensor *swapped[2] = {in[1], in[0]}, *y2 = NULL;
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, swapped, &y2), SEAM_OK);
    for (int i = 0; i < N_VALUES; i++) CU_ASSERT(same(((float *)y2->data)[i], want[k][i]));
    tn_free_all(in, 2);
    seam_tensor_free(y);
    seam_tensor_free(y2);
  }
}

/* MaxPool 2x2 stride 2 over a 4x4 plane with a NaN at each window position
 * in turn: np.max of a window with a NaN is NaN, wherever it sits, and the
 * index output points at it. GlobalMaxPool and ReduceMax/Min likewise. */
static void test_pooling_and_reductions_propagate_nan(void) {
  for (int pos = 0; pos < 16; pos++) {
    float x[16];
    for (int i = 0; i < 16; i++) x[i] = (float)(i % 5) - 2.0f;
    x[pos] = NAN;
    int64_t d[4] = {1, 1, 4, 4}, k[2] = {2, 2};
    tnode t;
    tn_init(&t, "MaxPool", 12, 1, 2);
    tn_ints(&t, "kernel_shape", k, 2);
    tn_ints(&t, "strides", k, 2);
    seam_tensor *in = tn_tensor(SEAM_DTYPE_FLOAT32, 4, d, x), *out[2] = {NULL, NULL};
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, &in, out), SEAM_OK);
    int window = (pos / 8) * 2 + (pos % 4) / 2;
    for (int w = 0; w < 4; w++) {
      float v = ((float *)out[0]->data)[w];
      CU_ASSERT_EQUAL(isnan(v), w == window);
      if (w == window) CU_ASSERT_EQUAL(((int64_t *)out[1]->data)[w], pos);
    }
    tn_free_all(out, 2);
    const char *whole[3] = {"GlobalMaxPool", "ReduceMax", "ReduceMin"};
    for (int j = 0; j < 3; j++) {
      tnode g;
      tn_init(&g, whole[j], 13, 1, 1);
      seam_tensor *y = NULL;
      CU_ASSERT_EQUAL_FATAL(tn_run(&g, &in, &y), SEAM_OK);
      CU_ASSERT_EQUAL_FATAL(y->count, 1);
      if (!isnan(((float *)y->data)[0])) fprintf(stderr, "\n  %s lost the NaN at %d\n", whole[j], pos);
      CU_ASSERT(isnan(((float *)y->data)[0]));
      seam_tensor_free(y);
    }
    seam_tensor_free(in);
  }
}

/* ---- the fast path against the oracle ---- */

/* NaN where want has NaN, ±inf where it has the same infinity, and finite
 * values within rel of it elsewhere. */
static bool matches(const seam_tensor *got, const seam_tensor *want, double rel, const char *what) {
  if (!got || !want || seam_tensor_count(got) != seam_tensor_count(want)) {
    fprintf(stderr, "\n  %s: missing output or wrong size\n", what);
    return false;
  }
  const float *g = seam_tensor_data_const(got), *w = seam_tensor_data_const(want);
  double scale = 1;
  for (size_t i = 0; i < seam_tensor_count(want); i++)
    if (isfinite(w[i]) && fabs(w[i]) > scale) scale = fabs(w[i]);
  for (size_t i = 0; i < seam_tensor_count(want); i++) {
    bool ok = isfinite(w[i]) ? isfinite(g[i]) && fabs((double)g[i] - w[i]) <= rel * scale : same(g[i], w[i]);
    if (!ok) {
      fprintf(stderr, "\n  %s: element %zu is %g, the oracle has %g\n", what, i, g[i], w[i]);
      return false;
    }
  }
  return true;
}

/* Runs b's model (input X) on x with the fast path at 1 and 2 threads (twice
 * each: the second run reuses the plan) and checks it against the oracle;
 * returns the oracle's output (caller frees). */
static seam_tensor *check_fast(tb_model *b, const seam_tensor *x, const char *what) {
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  seam_tensor *want = tb_run1(oracle, "X", x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  const tb_run_mode modes[3] = {TB_MODE_FAST, TB_MODE_FAST, TB_MODE_PLANNED_PORTABLE};
  const int threads[3] = {1, 2, 1};
  for (int k = 0; k < 3; k++) {
    seam_model *m = tb_load(b, modes[k], threads[k]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    for (int rep = 0; rep < 2; rep++) {
      seam_tensor *got = tb_run1(m, "X", x);
      char label[160];
      snprintf(label, sizeof label, "%s (mode %d, %d threads, run %d)", what, (int)modes[k], threads[k], rep);
      CU_ASSERT(matches(got, want, 2e-5, label));
      seam_tensor_free(got);
    }
    seam_model_free(m);
  }
  seam_model_free(oracle);
  return want;
}

static seam_tensor *input_with(const int64_t *d, unsigned seed, int n_special, const int64_t *at, const float *v) {
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, d, NULL);
  tb_fill_random(seam_tensor_data(x), seam_tensor_count(x), seed, -2.0f, 2.0f);
  for (int i = 0; i < n_special; i++) ((float *)seam_tensor_data(x))[at[i]] = v[i];
  return x;
}

typedef struct conv_case {
  const char *what;
  int64_t c, m, group, h, w;
  int tile;        /* Winograd tile forced (0: direct), -1: the cost rule's choice */
  const char *act; /* NULL, "Relu", "Clip6", "HardSwish", "Sigmoid" */
} conv_case;

/* 3x3 pad-1 convolutions (direct, depthwise, Winograd F(2,3) and F(4,3))
 * with each fused activation, on an input with one NaN pixel: NaN must land
 * on exactly the 3x3 neighbourhood of that pixel, in every output channel
 * of its group, on both paths; then NaN, +inf and -inf together against the
 * oracle. */
static void test_conv_nan_lands_where_numpy_puts_it(void) {
  const conv_case cases[] = {
      {"direct", 8, 16, 1, 9, 10, 0, NULL},       {"direct + Relu", 8, 16, 1, 9, 10, 0, "Relu"},
      {"direct + Clip6", 8, 16, 1, 9, 10, 0, "Clip6"}, {"depthwise + Clip6", 16, 16, 16, 9, 10, -1, "Clip6"},
      {"F(2,3) + Relu", 16, 16, 1, 10, 12, 2, "Relu"}, {"F(4,3)", 16, 16, 1, 13, 12, 4, NULL},
      {"F(4,3) + HardSwish", 16, 16, 1, 13, 12, 4, "HardSwish"}, {"direct + Sigmoid", 8, 16, 1, 9, 10, 0, "Sigmoid"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const conv_case *c = &cases[i];
    tb_model *b = tb_new(13);
    int64_t xd[4] = {1, c->c, c->h, c->w}, wd[4] = {c->m, c->c / c->group, 3, 3}, bd[1] = {c->m};
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
    tb_init_random(b, "W", 4, wd, 11 + (unsigned)i, 0.1f, 0.5f); /* no zero weight: NaN * w is NaN */
    tb_init_random(b, "B", 1, bd, 23 + (unsigned)i, -0.5f, 0.5f);
    Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "X,W,B", c->act ? "C" : "Y");
    tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
    tb_attr_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
    tb_attr_int(b, n, "group", c->group);
    if (c->act && strcmp(c->act, "Clip6") == 0) {
      float lo = 0.0f, hi = 6.0f;
      tb_init_f32(b, "lo", 0, NULL, &lo, TB_RAW, NULL);
      tb_init_f32(b, "hi", 0, NULL, &hi, TB_RAW, NULL);
      tb_node(b, "Clip", "act", "C,lo,hi", "Y");
    } else if (c->act) {
      tb_node(b, c->act, "act", "C", "Y");
    }
    tb_output(b, "Y");
    seam_wino_override(c->tile);
    int64_t py = 4, px = 5, ch = c->c - 1; /* the NaN pixel, in the last input channel */
    int64_t at[3] = {(ch * c->h + py) * c->w + px, (0 * c->h + 1) * c->w + 1, (1 * c->h + c->h - 1) * c->w + 0};
    float nan = NAN, specials[3] = {NAN, INFINITY, -INFINITY};
    seam_tensor *x = input_with(xd, 5 + (unsigned)i, 1, at, &nan);
    char what[96];
    snprintf(what, sizeof what, "conv %s, one NaN", c->what);
    seam_tensor *want = check_fast(b, x, what);
    /* Where NumPy puts the NaN: outputs whose window holds the pixel, in the
     * output channels that read its input channel. */
    const float *w = seam_tensor_data_const(want);
    int64_t group_of_ch = ch / (c->c / c->group), per_group = c->m / c->group;
    for (int64_t m = 0; m < c->m; m++)
      for (int64_t y = 0; y < c->h; y++)
        for (int64_t xx = 0; xx < c->w; xx++) {
          bool reads = m / per_group == group_of_ch && llabs(y - py) <= 1 && llabs(xx - px) <= 1;
          CU_ASSERT_EQUAL(isnan(w[(m * c->h + y) * c->w + xx]), reads);
        }
    seam_tensor_free(want);
    seam_tensor_free(x);
    x = input_with(xd, 7 + (unsigned)i, 3, at, specials);
    snprintf(what, sizeof what, "conv %s, NaN and infinities", c->what);
    seam_tensor_free(check_fast(b, x, what));
    seam_tensor_free(x);
    seam_wino_override(-1);
    tb_free(b);
  }
}

/* After an NHWC conv: pooling, a residual Add with Relu (fused into the
 * Add), a broadcast Mul, the elementwise activations, and a classifier
 * (Gemm and MatMul), all fed NaN and infinities. */
static void test_other_fast_ops_match_the_oracle(void) {
  static const char *const tails[] = {"MaxPool", "AveragePool", "GlobalAveragePool", "AddRelu", "MulConst", "Relu",
                                      "Clip6", "ClipOpen", "LeakyRelu", "Sigmoid", "HardSwish", "Gemm", "MatMul"};
  for (size_t t = 0; t < sizeof tails / sizeof tails[0]; t++) {
    const char *tail = tails[t];
    tb_model *b = tb_new(13);
    int64_t xd[4] = {2, 6, 8, 8}, wd[4] = {6, 6, 1, 1};
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
    tb_init_random(b, "W", 4, wd, 3, 0.1f, 1.0f);
    tb_node(b, "Conv", "conv", "X,W", "C"); /* puts C in NHWC */
    Onnx__NodeProto *n;
    float lo = 0.0f, hi = 6.0f;
    if (strcmp(tail, "MaxPool") == 0 || strcmp(tail, "AveragePool") == 0) {
      n = tb_node(b, tail, "pool", "C", "Y");
      tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){3, 3});
      tb_attr_ints(b, n, "strides", 2, (int64_t[]){2, 2});
      tb_attr_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
    } else if (strcmp(tail, "GlobalAveragePool") == 0) {
      tb_node(b, tail, "gap", "C", "Y");
    } else if (strcmp(tail, "AddRelu") == 0) {
      tb_node(b, "Add", "add", "C,X", "S");
      tb_node(b, "Relu", "relu", "S", "Y");
    } else if (strcmp(tail, "MulConst") == 0) {
      tb_init_random(b, "K", 3, (int64_t[]){6, 1, 1}, 4, -1.0f, 1.0f);
      tb_node(b, "Mul", "mul", "C,K", "Y");
    } else if (strcmp(tail, "Clip6") == 0 || strcmp(tail, "ClipOpen") == 0) {
      tb_init_f32(b, "lo", 0, NULL, &lo, TB_RAW, NULL);
      tb_init_f32(b, "hi", 0, NULL, &hi, TB_RAW, NULL);
      tb_node(b, "Clip", "clip", strcmp(tail, "Clip6") == 0 ? "C,lo,hi" : "C", "Y");
    } else if (strcmp(tail, "Gemm") == 0 || strcmp(tail, "MatMul") == 0) {
      tb_node(b, "GlobalAveragePool", "gap", "C", "G");
      tb_init_i64(b, "shape", 1, (int64_t[]){2}, (int64_t[]){2, 6});
      tb_node(b, "Reshape", "flat", "G,shape", "R");
      tb_init_random(b, "FC", 2, (int64_t[]){6, 5}, 5, 0.1f, 0.5f);
      tb_init_random(b, "FCB", 1, (int64_t[]){5}, 6, -0.5f, 0.5f);
      if (strcmp(tail, "Gemm") == 0) {
        tb_node(b, "Gemm", "fc", "R,FC,FCB", "F");
        tb_node(b, "Relu", "relu", "F", "Y"); /* fused into the Gemm */
      } else {
        tb_node(b, "MatMul", "fc", "R,FC", "Y");
      }
    } else {
      n = tb_node(b, tail, "act", "C", "Y");
      if (strcmp(tail, "LeakyRelu") == 0) tb_attr_float(b, n, "alpha", 0.1f);
    }
    tb_output(b, "Y");
    /* NaN in sample 0, infinities in sample 1: the other sample of each stays finite. */
    int64_t at[3] = {(0 * 6 + 2) * 64 + 3 * 8 + 4, (6 + 4) * 64 + 6 * 8 + 1, (6 + 1) * 64 + 0 * 8 + 7};
    float specials[3] = {NAN, INFINITY, -INFINITY};
    seam_tensor *x = input_with(xd, 9 + (unsigned)t, 3, at, specials);
    char what[64];
    snprintf(what, sizeof what, "conv then %s", tail);
    seam_tensor *want = check_fast(b, x, what);
    /* The NaN reaches the output (pooling windows, sums and activations keep it). */
    bool any_nan = false;
    for (size_t i = 0; i < seam_tensor_count(want); i++) any_nan |= isnan(((const float *)seam_tensor_data_const(want))[i]);
    CU_ASSERT(any_nan);
    seam_tensor_free(want);
    seam_tensor_free(x);
    tb_free(b);
  }
}

/* A NaN in the weights reaches every output, on both paths. */
static void test_nan_weights(void) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {1, 4, 6, 6}, wd[4] = {4, 4, 3, 3};
  float w[144];
  tb_fill_random(w, 144, 2, -1.0f, 1.0f);
  w[5] = NAN; /* output channel 0 only */
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_f32(b, "W", 4, wd, w, TB_RAW, NULL);
  Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "X,W", "C");
  tb_attr_ints(b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
  tb_node(b, "Relu", "relu", "C", "Y");
  tb_output(b, "Y");
  seam_tensor *x = input_with(xd, 3, 0, NULL, NULL);
  seam_tensor *want = check_fast(b, x, "conv with a NaN weight");
  const float *y = seam_tensor_data_const(want);
  for (int i = 0; i < 4 * 36; i++) CU_ASSERT_EQUAL(isnan(y[i]), i < 36);
  seam_tensor_free(want);
  seam_tensor_free(x);
  tb_free(b);
}

/* The check that sends a step to the portable kernel finds one NaN or
 * infinity wherever it is: in the vector body or the tail, and in any tile
 * of a check split over threads. Largest finite floats do not trip it. */
static void test_finite_check_finds_any_special(void) {
  const size_t n = 200003; /* several tiles of the threaded check, and a tail */
  float *x = malloc(n * sizeof *x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(x);
  for (size_t i = 0; i < n; i++) x[i] = (i & 1) ? 3.4028235e38f : -1.1754944e-38f;
  pthreadpool_t tp = pthreadpool_create(2);
  CU_ASSERT_TRUE(seam_all_finite(x, n));
  CU_ASSERT_TRUE(seam_all_finite_parallel(x, n, tp));
  CU_ASSERT_TRUE(seam_all_finite_parallel(x, n, NULL));
  const size_t at[] = {0, 1, 7, 65535, 65536, 131100, n - 2, n - 1};
  const float specials[3] = {NAN, INFINITY, -INFINITY};
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++)
    for (int k = 0; k < 3; k++) {
      float keep = x[at[i]];
      x[at[i]] = specials[k];
      CU_ASSERT_FALSE(seam_all_finite(x, n));
      CU_ASSERT_FALSE(seam_all_finite_parallel(x, n, tp));
      CU_ASSERT_FALSE(seam_all_finite(x + at[i], 1));
      x[at[i]] = keep;
    }
  pthreadpool_destroy(tp);
  free(x);
}

void seam_register_tests(void) {
  static CU_TestInfo portable[] = {
      {"activations propagate NaN", test_activations_propagate_nan},
      {"Clip, Max and Min propagate NaN", test_clip_max_min_propagate_nan},
      {"pooling and reductions propagate NaN", test_pooling_and_reductions_propagate_nan},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo fast[] = {
      {"conv: NaN lands where NumPy puts it", test_conv_nan_lands_where_numpy_puts_it},
      {"pooling, Add, Mul, activations, Gemm match the oracle", test_other_fast_ops_match_the_oracle},
      {"NaN weights", test_nan_weights},
      {"the finite check finds any NaN or inf", test_finite_check_finds_any_special},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("NaN in the portable kernels", portable);
  SEAM_ADD_SUITE("NaN on the fast path", fast);
}

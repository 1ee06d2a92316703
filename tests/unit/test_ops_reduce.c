/* The reduce family (reductions, softmax, arg/top-k, normalizations): what
 * the ONNX conformance tests do not cover — error paths, empty reductions,
 * integer dtypes, opset differences — with expectations worked out by hand
 * (each test says how). Nodes are built directly and run through
 * seam_node_execute, the executor's per-node entry point. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/ops/op.h"
#include "tests/unit/node_builder.h"
#include "tests/unit/unit.h"


#define ASSERT_NEAR(got, want) CU_ASSERT(fabs((double)(got) - (double)(want)) <= 1e-5)

/* ---- reductions ---- */

static void test_reduce_sum_int32_axes_input(void) {
  /* [[1,2,3],[4,5,6]] summed over axis 1 (given as an input, opset 13): [6, 15]. */
  const int64_t dims[2] = {2, 3}, ad[1] = {1};
  const int32_t x[6] = {1, 2, 3, 4, 5, 6};
  const int64_t axes[1] = {-1};
  seam_tensor *in[2] = {tn_tensor(SEAM_DTYPE_INT32, 2, dims, x), tn_tensor(SEAM_DTYPE_INT64, 1, ad, axes)};
  seam_tensor *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ReduceSum", 13, 2, 1);
  tn_int(&t, "keepdims", 0);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_INT32);
  CU_ASSERT_EQUAL(out[0]->rank, 1);
  CU_ASSERT_EQUAL(out[0]->dims[0], 2);
  CU_ASSERT_EQUAL(((int32_t *)out[0]->data)[0], 6);
  CU_ASSERT_EQUAL(((int32_t *)out[0]->data)[1], 15);
  tn_free_all(in, 2);
  tn_free_all(out, 1);
}

static void test_reduce_mean_all_keepdims(void) {
  /* No axes: reduce everything; mean of 1..4 = 2.5, shape [1,1]. */
  const int64_t dims[2] = {2, 2};
  const float x[4] = {1, 2, 3, 4};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ReduceMean", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->rank, 2);
  CU_ASSERT_EQUAL(out[0]->dims[0], 1);
  CU_ASSERT_EQUAL(out[0]->dims[1], 1);
  ASSERT_NEAR(((float *)out[0]->data)[0], 2.5);
  tn_free_all(in, 1);
  tn_free_all(out, 1);
}

static void test_reduce_two_axes_middle(void) {
  /* x[i,j,k] = i*100 + j*10 + k over [2,3,2]; ReduceMax over axes {0,2}
   * gives, per j, the value at i=1,k=1: 101 + 10*j. */
  const int64_t dims[3] = {2, 3, 2};
  int64_t x[12];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 2; k++) x[i * 6 + j * 2 + k] = i * 100 + j * 10 + k;
  const int64_t axes[2] = {2, 0};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_INT64, 3, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ReduceMax", 13, 1, 1);
  tn_ints(&t, "axes", axes, 2);
  tn_int(&t, "keepdims", 0);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->rank, 1);
  for (int j = 0; j < 3; j++) CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[j], 101 + 10 * j);
  tn_free_all(in, 1);
  tn_free_all(out, 1);
}

static void test_reduce_empty_set(void) {
  /* Reducing an axis of size 0 gives each reduction's identity. */
  const int64_t dims[2] = {2, 0};
  const int64_t axes[1] = {1};
  struct {
    const char *op;
    double want;
  } cases[] = {{"ReduceSum", 0}, {"ReduceProd", 1}, {"ReduceMax", -INFINITY},
               {"ReduceMin", INFINITY}, {"ReduceL2", 0}, {"ReduceLogSumExp", -INFINITY}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, NULL)}, *out[1] = {NULL};
    tnode t;
    tn_init(&t, cases[c].op, 13, 1, 1);
    if (strcmp(cases[c].op, "ReduceSum") != 0) tn_ints(&t, "axes", axes, 1);
    else tn_int(&t, "keepdims", 1); /* ReduceSum 13 with no axes input: reduce all */
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    CU_ASSERT_EQUAL(out[0]->dims[0], strcmp(cases[c].op, "ReduceSum") == 0 ? 1 : 2);
    for (int64_t i = 0; i < out[0]->count; i++)
      CU_ASSERT_EQUAL(((float *)out[0]->data)[i], (float)cases[c].want);
    tn_free_all(in, 1);
    tn_free_all(out, 1);
  }
  /* Integer max over nothing: the dtype's lowest value. */
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_INT8, 2, dims, NULL)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ReduceMax", 13, 1, 1);
  tn_ints(&t, "axes", axes, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(((int8_t *)out[0]->data)[0], INT8_MIN);
  tn_free_all(in, 1);
  tn_free_all(out, 1);
}

static void test_reduce_noop_and_logsumexp(void) {
  /* noop_with_empty_axes with no axes: the input comes back unchanged. */
  const int64_t dims[1] = {2};
  const float x[2] = {1000, 1000};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT32, 1, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ReduceSum", 13, 1, 1);
  tn_int(&t, "noop_with_empty_axes", 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->count, 2);
  CU_ASSERT_EQUAL(((float *)out[0]->data)[1], 1000.0f);
  tn_free_all(out, 1);
  /* log(e^1000 + e^1000) = 1000 + ln 2, without overflowing. */
  tn_init(&t, "ReduceLogSumExp", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  ASSERT_NEAR(((float *)out[0]->data)[0] / 1000.0, (1000.0 + log(2.0)) / 1000.0);
  tn_free_all(in, 1);
  tn_free_all(out, 1);
}

static void test_reduce_errors(void) {
  const int64_t dims[2] = {2, 2}, ad[1] = {2};
  const float x[4] = {0};
  seam_tensor *in[2] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, x), NULL}, *out[1] = {NULL};
  tnode t;
  const int64_t bad[1] = {2}, neg_bad[1] = {-3}, repeated[2] = {1, -1};
  tn_init(&t, "ReduceMean", 13, 1, 1);
  tn_ints(&t, "axes", bad, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(out[0]);
  tn_init(&t, "ReduceMean", 13, 1, 1);
  tn_ints(&t, "axes", neg_bad, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_init(&t, "ReduceL1", 13, 1, 1);
  tn_ints(&t, "axes", repeated, 2);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  /* ReduceSum's axes input out of range (opset 13). */
  in[1] = tn_tensor(SEAM_DTYPE_INT64, 1, ad + 0, (const int64_t[]){5, 0});
  tn_init(&t, "ReduceSum", 13, 2, 1);
  CU_ASSERT_NOT_EQUAL(tn_run(&t, in, out), SEAM_OK);
  /* An axes input before opset 13 is not the op's signature. */
  tn_init(&t, "ReduceSum", 11, 2, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  /* Axes input of the wrong dtype. */
  seam_tensor_free(in[1]);
  in[1] = tn_tensor(SEAM_DTYPE_FLOAT32, 1, ad, (const float[]){0, 1});
  tn_init(&t, "ReduceSum", 13, 2, 1);
  CU_ASSERT_NOT_EQUAL(tn_run(&t, in, out), SEAM_OK);
  /* A dtype seam does not reduce. */
  seam_tensor *b[1] = {tn_tensor(SEAM_DTYPE_BOOL, 2, dims, NULL)};
  tn_init(&t, "ReduceMax", 13, 1, 1);
  CU_ASSERT_EQUAL(tn_run(&t, b, out), SEAM_ERR_UNSUPPORTED);
  tn_free_all(b, 1);
  tn_free_all(in, 2);
}

/* ---- softmax family ---- */

static void test_softmax_opsets(void) {
  /* x = [0, ln 3, 0, 0] as [1,2,2].
   * Opset 13 (axis -1): rows [0, ln3] -> [1/4, 3/4] and [0, 0] -> [1/2, 1/2].
   * Opset 11 (coerced to [1,4] at axis 1): exps 1,3,1,1 sum 6 -> [1/6,1/2,1/6,1/6]. */
  const int64_t dims[3] = {1, 2, 2};
  const float x[4] = {0, (float)log(3.0), 0, 0};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT32, 3, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "Softmax", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  const double want13[4] = {0.25, 0.75, 0.5, 0.5};
  for (int i = 0; i < 4; i++) ASSERT_NEAR(((float *)out[0]->data)[i], want13[i]);
  tn_free_all(out, 1);
  tn_init(&t, "Softmax", 11, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  const double want11[4] = {1.0 / 6, 0.5, 1.0 / 6, 1.0 / 6};
  for (int i = 0; i < 4; i++) ASSERT_NEAR(((float *)out[0]->data)[i], want11[i]);
  tn_free_all(out, 1);
  /* LogSoftmax, opset 13: log of want13. */
  tn_init(&t, "LogSoftmax", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  for (int i = 0; i < 4; i++) ASSERT_NEAR(((float *)out[0]->data)[i], log(want13[i]));
  tn_free_all(out, 1);
  /* Axis out of range. */
  tn_init(&t, "Softmax", 13, 1, 1);
  tn_int(&t, "axis", 3);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_free_all(in, 1);
}

static void test_softmax_large_and_hardmax_ties(void) {
  /* exp(1000) overflows; subtracting the max keeps softmax at [1/2, 1/2]. */
  const int64_t dims[2] = {1, 3};
  const double x[3] = {1000, 1000, -1000};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT64, 2, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "Softmax", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  ASSERT_NEAR(((double *)out[0]->data)[0], 0.5);
  ASSERT_NEAR(((double *)out[0]->data)[1], 0.5);
  ASSERT_NEAR(((double *)out[0]->data)[2], 0.0);
  tn_free_all(out, 1);
  /* Hardmax: a tie goes to the first maximum. */
  tn_init(&t, "Hardmax", 13, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(((double *)out[0]->data)[0], 1.0);
  CU_ASSERT_EQUAL(((double *)out[0]->data)[1], 0.0);
  CU_ASSERT_EQUAL(((double *)out[0]->data)[2], 0.0);
  tn_free_all(in, 1);
  tn_free_all(out, 1);
}

/* ---- ArgMax / ArgMin / TopK ---- */

static void test_argmax_argmin(void) {
  /* [[3,1,3],[0,0,-2]] along axis 1. ArgMax: [0,0]; with select_last_index
   * [2,1]. ArgMin: [1,2]. */
  const int64_t dims[2] = {2, 3};
  const int32_t x[6] = {3, 1, 3, 0, 0, -2};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_INT32, 2, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "ArgMax", 13, 1, 1);
  tn_int(&t, "axis", 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_INT64);
  CU_ASSERT_EQUAL(out[0]->rank, 2);
  CU_ASSERT_EQUAL(out[0]->dims[1], 1);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[0], 0);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[1], 0);
  tn_free_all(out, 1);
  tn_int(&t, "select_last_index", 1);
  tn_int(&t, "keepdims", 0);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->rank, 1);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[0], 2);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[1], 1);
  tn_free_all(out, 1);
  tn_init(&t, "ArgMin", 13, 1, 1);
  tn_int(&t, "axis", -1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[0], 1);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[1], 2);
  tn_free_all(out, 1);
  tn_init(&t, "ArgMax", 13, 1, 1);
  tn_int(&t, "axis", 2);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_free_all(in, 1);
  /* An axis of size 0 has no argmax. */
  const int64_t empty[2] = {2, 0};
  in[0] = tn_tensor(SEAM_DTYPE_FLOAT32, 2, empty, NULL);
  tn_init(&t, "ArgMax", 13, 1, 1);
  tn_int(&t, "axis", 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  tn_free_all(in, 1);
}

static void test_topk(void) {
  /* Row [1, 5, 5, 0]: k=3 largest -> values [5,5,1], indices [1,2,0] (ties by
   * lower index); smallest -> [0,1,5], indices [3,0,1]. */
  const int64_t dims[2] = {1, 4}, kd[1] = {1};
  const float x[4] = {1, 5, 5, 0};
  const int64_t k3[1] = {3}, k5[1] = {5};
  seam_tensor *in[2] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, x), tn_tensor(SEAM_DTYPE_INT64, 1, kd, k3)};
  seam_tensor *out[2] = {NULL, NULL};
  tnode t;
  tn_init(&t, "TopK", 11, 2, 2);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dims[1], 3);
  const float wv[3] = {5, 5, 1};
  const int64_t wi[3] = {1, 2, 0};
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(((float *)out[0]->data)[i], wv[i]);
    CU_ASSERT_EQUAL(((int64_t *)out[1]->data)[i], wi[i]);
  }
  tn_free_all(out, 2);
  tn_int(&t, "largest", 0);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  const float sv[3] = {0, 1, 5};
  const int64_t si[3] = {3, 0, 1};
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(((float *)out[0]->data)[i], sv[i]);
    CU_ASSERT_EQUAL(((int64_t *)out[1]->data)[i], si[i]);
  }
  tn_free_all(out, 2);
  /* k larger than the axis. */
  memcpy(in[1]->data, k5, sizeof k5);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NULL(out[0]);
  /* Missing K input. */
  seam_tensor *only_x[2] = {in[0], NULL};
  CU_ASSERT_NOT_EQUAL(tn_run(&t, only_x, out), SEAM_OK);
  tn_free_all(in, 2);
}

/* ---- normalizations ---- */

static void test_layernorm(void) {
  /* Rows [1,3] and [2,2]: mean 2, var 1 -> (x-2)/sqrt(1+eps) ~ [-1, 1];
   * var 0 -> [0, 0]. Scale [2, 3], B [10, 20]: y = [8, 23], [10, 20].
   * InvStdDev = 1/sqrt(var + eps) with eps 1e-5. */
  const int64_t dims[2] = {2, 2}, wd[1] = {2};
  const float x[4] = {1, 3, 2, 2}, w[2] = {2, 3}, b[2] = {10, 20};
  seam_tensor *in[3] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, x), tn_tensor(SEAM_DTYPE_FLOAT32, 1, wd, w),
                        tn_tensor(SEAM_DTYPE_FLOAT32, 1, wd, b)};
  seam_tensor *out[3] = {NULL, NULL, NULL};
  tnode t;
  tn_init(&t, "LayerNormalization", 17, 3, 3);
  tn_float(&t, "epsilon", 1e-5f);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  const float *y = out[0]->data, *mean = out[1]->data, *inv = out[2]->data;
  double s = 1.0 / sqrt(1.0 + 1e-5);
  ASSERT_NEAR(y[0], 10 - 2 * s);
  ASSERT_NEAR(y[1], 20 + 3 * s);
  ASSERT_NEAR(y[2], 10);
  ASSERT_NEAR(y[3], 20);
  CU_ASSERT_EQUAL(out[1]->rank, 2);
  CU_ASSERT_EQUAL(out[1]->dims[1], 1);
  ASSERT_NEAR(mean[0], 2);
  ASSERT_NEAR(inv[0], s);
  CU_ASSERT(fabs(inv[1] - 1.0 / sqrt(1e-5)) < 1e-2);
  tn_free_all(out, 3);
  /* A scale that does not broadcast to X. */
  const int64_t bad[1] = {3};
  seam_tensor_free(in[1]);
  in[1] = tn_tensor(SEAM_DTYPE_FLOAT32, 1, bad, NULL);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  tn_free_all(in, 3);
}

static void test_mvn_and_lp(void) {
  /* MVN over axis 1 of [[1,3],[5,5]]: [-1,1] (std 1) and [0,0] (std 0). */
  const int64_t dims[2] = {2, 2};
  const float x[4] = {1, 3, 5, 5};
  const int64_t axes[1] = {1};
  seam_tensor *in[1] = {tn_tensor(SEAM_DTYPE_FLOAT32, 2, dims, x)}, *out[1] = {NULL};
  tnode t;
  tn_init(&t, "MeanVarianceNormalization", 13, 1, 1);
  tn_ints(&t, "axes", axes, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  const double want[4] = {-1, 1, 0, 0};
  for (int i = 0; i < 4; i++) ASSERT_NEAR(((float *)out[0]->data)[i], want[i]);
  tn_free_all(out, 1);
  /* Default axes [0,2,3] need rank 4. */
  tn_init(&t, "MeanVarianceNormalization", 13, 1, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_free_all(in, 1);

  /* Lp over [3,4]: p=2 -> [0.6,0.8]; p=1 -> [3/7,4/7]; p=3 is not defined. */
  const int64_t vd[1] = {2};
  const float v[2] = {3, 4};
  in[0] = tn_tensor(SEAM_DTYPE_FLOAT32, 1, vd, v);
  tn_init(&t, "LpNormalization", 1, 1, 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  ASSERT_NEAR(((float *)out[0]->data)[0], 0.6);
  ASSERT_NEAR(((float *)out[0]->data)[1], 0.8);
  tn_free_all(out, 1);
  tn_int(&t, "p", 1);
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  ASSERT_NEAR(((float *)out[0]->data)[0], 3.0 / 7);
  tn_free_all(out, 1);
  tn_init(&t, "LpNormalization", 1, 1, 1);
  tn_int(&t, "p", 3);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_free_all(in, 1);
}

void seam_register_tests(void) {
  static CU_TestInfo reduce_tests[] = {
      {"ReduceSum int32 with an axes input", test_reduce_sum_int32_axes_input},
      {"ReduceMean over all axes, keepdims", test_reduce_mean_all_keepdims},
      {"ReduceMax over two non-adjacent axes, int64", test_reduce_two_axes_middle},
      {"reductions over an empty set", test_reduce_empty_set},
      {"noop_with_empty_axes and a stable LogSumExp", test_reduce_noop_and_logsumexp},
      {"bad axes and dtypes are errors", test_reduce_errors},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo softmax_tests[] = {
      {"Softmax before and after opset 13", test_softmax_opsets},
      {"large inputs, Hardmax ties", test_softmax_large_and_hardmax_ties},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo select_tests[] = {
      {"ArgMax and ArgMin", test_argmax_argmin},
      {"TopK", test_topk},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo norm_tests[] = {
      {"LayerNormalization", test_layernorm},
      {"MeanVarianceNormalization and LpNormalization", test_mvn_and_lp},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("reduce", reduce_tests);
  SEAM_ADD_SUITE("softmax", softmax_tests);
  SEAM_ADD_SUITE("argmax/topk", select_tests);
  SEAM_ADD_SUITE("normalization", norm_tests);
}

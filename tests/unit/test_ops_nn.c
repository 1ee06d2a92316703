/* The nn family (Conv, ConvTranspose, Gemm, MatMul, normalizations,
 * pooling) and the shared sgemm: what the ONNX conformance tests do not
 * cover — error paths, broadcasting corners, MaxPool's column-major
 * indices, count_include_pad with pads — with expectations worked out by
 * hand (each test says how). Nodes are built directly and run through
 * seam_node_execute, the executor's per-node entry point. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/ops/op.h"
#include "runtime/ops/sgemm.h"
#include "tests/unit/node_builder.h"
#include "tests/unit/unit.h"

static seam_tensor *f32(int rank, const int64_t *dims, const float *values) {
  return tn_tensor(SEAM_DTYPE_FLOAT32, rank, dims, values);
}

/* Checks shape and float32 values of t. */
static void expect_f32(const seam_tensor *t, int rank, const int64_t *dims, const float *want) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL_FATAL(t->dtype, SEAM_DTYPE_FLOAT32);
  CU_ASSERT_EQUAL_FATAL(t->rank, rank);
  for (int i = 0; i < rank; i++) CU_ASSERT_EQUAL_FATAL(t->dims[i], dims[i]);
  const float *got = t->data;
  for (int64_t i = 0; i < t->count; i++) CU_ASSERT_DOUBLE_EQUAL(got[i], want[i], 1e-5);
}

/* ---- sgemm ---- */

/* Against a plain triple loop in double, for every transpose combination,
 * ragged sizes around the register tile and cache blocks, padded leading
 * dimensions and beta in {0, 1, 0.5}. beta = 0 must ignore NaNs in C. */
static void test_sgemm_matches_naive(void) {
  static const int64_t sizes[][3] = {{1, 1, 1}, {3, 5, 7}, {4, 8, 16}, {5, 9, 300},
                                     {130, 17, 3}, {7, 2100, 5}, {33, 65, 257}};
  srand(7);
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
    for (int variant = 0; variant < 4; variant++) {
      bool ta = variant & 1, tb = variant & 2;
      int64_t m = sizes[s][0], n = sizes[s][1], k = sizes[s][2];
      int64_t lda = (ta ? m : k) + 2, ldb = (tb ? k : n) + 1, ldc = n + 3;
      float *a = malloc(sizeof(float) * (size_t)(lda * (ta ? k : m)));
      float *b = malloc(sizeof(float) * (size_t)(ldb * (tb ? n : k)));
      float *c = malloc(sizeof(float) * (size_t)(ldc * m));
      float *c0 = malloc(sizeof(float) * (size_t)(ldc * m));
      CU_ASSERT_FATAL(a && b && c && c0);
      for (int64_t i = 0; i < lda * (ta ? k : m); i++) a[i] = (float)(rand() % 17 - 8) / 8.0f;
      for (int64_t i = 0; i < ldb * (tb ? n : k); i++) b[i] = (float)(rand() % 13 - 6) / 4.0f;
      for (int64_t i = 0; i < ldc * m; i++) c0[i] = (float)(rand() % 5);
      float beta = (float)(s % 3) * 0.5f;
      if (beta == 0.0f) c0[0] = NAN;
      memcpy(c, c0, sizeof(float) * (size_t)(ldc * m));
      seam_error err = {0};
      CU_ASSERT_EQUAL(seam_sgemm(ta, tb, m, n, k, 2.0f, a, lda, b, ldb, beta, c, ldc, &err), SEAM_OK);
      int bad = 0;
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = 0; j < n; j++) {
          double acc = 0;
          for (int64_t p = 0; p < k; p++)
            acc += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
                   (tb ? b[j * ldb + p] : b[p * ldb + j]);
          double want = 2.0 * acc + (beta == 0.0f ? 0.0 : beta * c0[i * ldc + j]);
          if (fabs(c[i * ldc + j] - want) > 1e-3 * (1.0 + fabs(want))) bad++;
        }
      CU_ASSERT_EQUAL(bad, 0);
      /* The padding columns of C are never touched. */
      for (int64_t i = 0; i < m; i++)
        for (int64_t j = n; j < ldc; j++) CU_ASSERT_EQUAL(c[i * ldc + j], c0[i * ldc + j]);
      free(a);
      free(b);
      free(c);
      free(c0);
    }
}

/* ---- Conv ---- */

/* X = 1..9 as 3x3, W = 2x2 of ones, bias 1: each output is the sum of a
 * 2x2 block plus 1: (1+2+4+5)+1 = 13, (2+3+5+6)+1 = 17, 25, 29. */
static void test_conv_basic_with_bias(void) {
  tnode t;
  tn_init(&t, "Conv", 13, 3, 1);
  float xv[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wv[4] = {1, 1, 1, 1}, bv[1] = {1};
  int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, bd[1] = {1};
  seam_tensor *in[3] = {f32(4, xd, xv), f32(4, wd, wv), f32(1, bd, bv)}, *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  int64_t yd[4] = {1, 1, 2, 2};
  float want[4] = {13, 17, 25, 29};
  expect_f32(out[0], 4, yd, want);
  tn_free_all(in, 3);
  tn_free_all(out, 1);
}

/* SAME_UPPER, stride 2, 3x3 ones over a 4x4 of ones: out = ceil(4/2) = 2,
 * total pad = (2-1)*2 + 3 - 4 = 1, all of it at the end. The windows cover
 * rows/cols {0,1,2} and {2,3,pad}: 3x3 = 9, 3x2 = 6, 2x3 = 6, 2x2 = 4.
 * SAME_LOWER puts the pad first: windows {pad,0,1} and {1,2,3}: 4, 6, 6, 9. */
static void test_conv_auto_pad_same(void) {
  float xv[16], wv[9];
  for (int i = 0; i < 16; i++) xv[i] = 1;
  for (int i = 0; i < 9; i++) wv[i] = 1;
  int64_t xd[4] = {1, 1, 4, 4}, wd[4] = {1, 1, 3, 3}, yd[4] = {1, 1, 2, 2}, strides[2] = {2, 2};
  const char *modes[2] = {"SAME_UPPER", "SAME_LOWER"};
  float want[2][4] = {{9, 6, 6, 4}, {4, 6, 6, 9}};
  for (int m = 0; m < 2; m++) {
    tnode t;
    tn_init(&t, "Conv", 11, 2, 1);
    tn_str(&t, "auto_pad", modes[m]);
    tn_ints(&t, "strides", strides, 2);
    seam_tensor *in[2] = {f32(4, xd, xv), f32(4, wd, wv)}, *out[1];
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    expect_f32(out[0], 4, yd, want[m]);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
}

/* Depthwise with a channel multiplier: 2 input channels, group 2, 4 output
 * channels, 1x1 weights [1, 2, 3, 4]: outputs m = 0, 1 read channel 0
 * (value 1, 2 at two positions), m = 2, 3 read channel 1 (10, 20). Also a
 * 1-D grouped case goes through im2col: the same numbers on a [1, 2, 2]. */
static void test_conv_groups(void) {
  float wv[4] = {1, 2, 3, 4};
  int64_t wd4[4] = {4, 1, 1, 1}, wd3[3] = {4, 1, 1};
  float want[8] = {1, 2, 2, 4, 30, 60, 40, 80};
  for (int rank = 3; rank <= 4; rank++) {
    tnode t;
    tn_init(&t, "Conv", 13, 2, 1);
    tn_int(&t, "group", 2);
    float xv[4] = {1, 2, 10, 20};
    int64_t xd4[4] = {1, 2, 1, 2}, xd3[3] = {1, 2, 2};
    seam_tensor *in[2] = {f32(rank, rank == 4 ? xd4 : xd3, xv), f32(rank, rank == 4 ? wd4 : wd3, wv)};
    seam_tensor *out[1];
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    int64_t yd4[4] = {1, 4, 1, 2}, yd3[3] = {1, 4, 2};
    expect_f32(out[0], rank, rank == 4 ? yd4 : yd3, want);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
}

/* Inputs that do not fit must fail with the right status, never crash. */
static void test_conv_errors(void) {
  int64_t xd[4] = {1, 2, 3, 3};
  seam_tensor *x = f32(4, xd, NULL);
  struct {
    int64_t wd[4];
    int wrank;
    int64_t group;
    int64_t stride;
    seam_status want;
  } cases[] = {
      {{1, 3, 2, 2}, 4, 1, 1, SEAM_ERR_SHAPE},            /* W channels != C */
      {{3, 1, 2, 2}, 4, 2, 1, SEAM_ERR_SHAPE},            /* group does not divide M */
      {{1, 2, 2, 0}, 3, 1, 1, SEAM_ERR_SHAPE},            /* rank mismatch */
      {{1, 2, 4, 4}, 4, 1, 1, SEAM_ERR_SHAPE},            /* kernel larger than input */
      {{1, 2, 2, 2}, 4, 1, 0, SEAM_ERR_INVALID_ARGUMENT}, /* stride 0 */
      {{1, 2, 2, 2}, 4, 0, 1, SEAM_ERR_INVALID_ARGUMENT}, /* group 0 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tnode t;
    tn_init(&t, "Conv", 13, 2, 1);
    tn_int(&t, "group", cases[i].group);
    int64_t strides[2] = {cases[i].stride, cases[i].stride};
    tn_ints(&t, "strides", strides, 2);
    seam_tensor *w = f32(cases[i].wrank, cases[i].wd, NULL);
    seam_tensor *in[2] = {x, w}, *out[1] = {NULL};
    CU_ASSERT_EQUAL(tn_run(&t, in, out), cases[i].want);
    CU_ASSERT_PTR_NULL(out[0]);
    seam_tensor_free(w);
  }
  /* A bias of the wrong size. */
  tnode t;
  tn_init(&t, "Conv", 13, 3, 1);
  int64_t wd[4] = {2, 2, 1, 1}, bd[1] = {3};
  seam_tensor *in[3] = {x, f32(4, wd, NULL), f32(1, bd, NULL)}, *out[1] = {NULL};
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  seam_tensor_free(in[2]);
  /* float64 Conv is not implemented: reported as unsupported. */
  tn_init(&t, "Conv", 13, 2, 1);
  seam_tensor *xd64 = tn_tensor(SEAM_DTYPE_FLOAT64, 4, xd, NULL);
  int64_t wd1[4] = {1, 2, 1, 1};
  seam_tensor *w64 = tn_tensor(SEAM_DTYPE_FLOAT64, 4, wd1, NULL);
  seam_tensor *in2[2] = {xd64, w64};
  CU_ASSERT_EQUAL(tn_run(&t, in2, out), SEAM_ERR_UNSUPPORTED);
  seam_tensor_free(xd64);
  seam_tensor_free(w64);
  seam_tensor_free(x);
}

/* ---- ConvTranspose ---- */

/* X = [1, 2], W = [1, 1] (1-D). Stride 2: each input spreads over two
 * outputs without overlap: [1, 1, 2, 2]. Stride 1: they overlap in the
 * middle: [1, 3, 2]. With output_shape 5 and stride 2, the extra position
 * at the end is just the bias (0). With pads [1, 0] and stride 1 the first
 * output is dropped: [3, 2]. */
static void test_conv_transpose_1d(void) {
  float xv[2] = {1, 2}, wv[2] = {1, 1};
  int64_t xd[3] = {1, 1, 2}, wd[3] = {1, 1, 2};
  struct {
    int64_t stride, out_shape, pads[2];
    int64_t len;
    float want[5];
  } cases[] = {
      {2, 0, {0, 0}, 4, {1, 1, 2, 2}},
      {1, 0, {0, 0}, 3, {1, 3, 2}},
      {2, 5, {0, 0}, 5, {1, 1, 2, 2, 0}},
      {1, 0, {1, 0}, 2, {3, 2}},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tnode t;
    tn_init(&t, "ConvTranspose", 11, 2, 1);
    tn_ints(&t, "strides", &cases[i].stride, 1);
    if (cases[i].out_shape) tn_ints(&t, "output_shape", &cases[i].out_shape, 1);
    tn_ints(&t, "pads", cases[i].pads, 2);
    seam_tensor *in[2] = {f32(3, xd, xv), f32(3, wd, wv)}, *out[1];
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    int64_t yd[3] = {1, 1, cases[i].len};
    expect_f32(out[0], 3, yd, cases[i].want);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
  /* W's first axis must be X's channel count. */
  tnode t;
  tn_init(&t, "ConvTranspose", 11, 2, 1);
  int64_t bad_wd[3] = {2, 1, 2};
  seam_tensor *in[2] = {f32(3, xd, xv), f32(3, bad_wd, NULL)}, *out[1];
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  tn_free_all(in, 2);
}

/* ---- Gemm and MatMul ---- */

/* A stored 3x2 with transA (op(A) = [[1, 3, 5], [2, 4, 6]]), B = 3x2 of
 * [[1, 0], [0, 1], [1, 1]], C = [10, 20] broadcast over rows, alpha 2,
 * beta 0.5: op(A) B = [[6, 8], [8, 10]] -> 2x + [5, 10] = [[17, 26], [21, 30]]. */
static void test_gemm_trans_broadcast(void) {
  tnode t;
  tn_init(&t, "Gemm", 13, 3, 1);
  tn_int(&t, "transA", 1);
  tn_float(&t, "alpha", 2.0f);
  tn_float(&t, "beta", 0.5f);
  float av[6] = {1, 2, 3, 4, 5, 6}, bv[6] = {1, 0, 0, 1, 1, 1}, cv[2] = {10, 20};
  int64_t ad[2] = {3, 2}, bd[2] = {3, 2}, cd[1] = {2};
  seam_tensor *in[3] = {f32(2, ad, av), f32(2, bd, bv), f32(1, cd, cv)}, *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  int64_t yd[2] = {2, 2};
  float want[4] = {17, 26, 21, 30};
  expect_f32(out[0], 2, yd, want);
  tn_free_all(in, 3);
  tn_free_all(out, 1);

  /* Inner dimensions that differ, a C that does not broadcast, a 3-D A. */
  int64_t cd_bad[1] = {3}, a3[3] = {1, 2, 3};
  seam_tensor *cases[3][3] = {
      {f32(2, ad, NULL), f32(2, bd, NULL), NULL}, /* no transA: 3x2 by 3x2 */
      {f32(2, bd, NULL), f32(2, bd, NULL), f32(1, cd_bad, NULL)},
      {f32(3, a3, NULL), f32(2, bd, NULL), NULL},
  };
  for (int i = 0; i < 3; i++) {
    tn_init(&t, "Gemm", 13, cases[i][2] ? 3 : 2, 1);
    if (i == 1) tn_int(&t, "transA", 1);
    CU_ASSERT_EQUAL(tn_run(&t, cases[i], out), SEAM_ERR_SHAPE);
    tn_free_all(cases[i], 3);
  }
}

/* Int64 Gemm takes the plain loop: [[1, 2]] x [[3], [4]] + 5 = [[16]]. */
static void test_gemm_int64(void) {
  tnode t;
  tn_init(&t, "Gemm", 13, 3, 1);
  int64_t av[2] = {1, 2}, bv[2] = {3, 4}, cv[1] = {5};
  int64_t ad[2] = {1, 2}, bd[2] = {2, 1};
  seam_tensor *in[3] = {tn_tensor(SEAM_DTYPE_INT64, 2, ad, av), tn_tensor(SEAM_DTYPE_INT64, 2, bd, bv),
                        tn_tensor(SEAM_DTYPE_INT64, 0, NULL, cv)},
              *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_INT64);
  CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[0], 16);
  tn_free_all(in, 3);
  tn_free_all(out, 1);
}

/* numpy semantics, worked by hand:
 * - [2] @ [2, 3]: the vector's axis disappears, result [3].
 * - [2, 3] @ [3]: result [2].
 * - [2, 1, 1, 2] @ [3, 2, 1]: batch axes [2, 1] and [3] broadcast to [2, 3],
 *   result [2, 3, 1, 1]; value = a[i] . b[j]. */
static void test_matmul_numpy_rules(void) {
  tnode t;
  seam_tensor *out[1];
  {
    tn_init(&t, "MatMul", 13, 2, 1);
    float av[2] = {1, 2}, bv[6] = {1, 2, 3, 4, 5, 6};
    int64_t ad[1] = {2}, bd[2] = {2, 3}, yd[1] = {3};
    seam_tensor *in[2] = {f32(1, ad, av), f32(2, bd, bv)};
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    float want[3] = {9, 12, 15};
    expect_f32(out[0], 1, yd, want);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
  {
    tn_init(&t, "MatMul", 13, 2, 1);
    float av[6] = {1, 2, 3, 4, 5, 6}, bv[3] = {1, 0, -1};
    int64_t ad[2] = {2, 3}, bd[1] = {3}, yd[1] = {2};
    seam_tensor *in[2] = {f32(2, ad, av), f32(1, bd, bv)};
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    float want[2] = {-2, -2};
    expect_f32(out[0], 1, yd, want);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
  {
    tn_init(&t, "MatMul", 13, 2, 1);
    float av[4] = {1, 2, 3, 4}, bv[6] = {1, 1, 0, 1, 2, 0};
    int64_t ad[4] = {2, 1, 1, 2}, bd[3] = {3, 2, 1}, yd[4] = {2, 3, 1, 1};
    seam_tensor *in[2] = {f32(4, ad, av), f32(3, bd, bv)};
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    /* a0 = [1, 2], a1 = [3, 4]; b = [1, 1], [0, 1], [2, 0]. */
    float want[6] = {3, 2, 2, 7, 4, 6};
    expect_f32(out[0], 4, yd, want);
    tn_free_all(in, 2);
    tn_free_all(out, 1);
  }
  /* Inner mismatch, batch axes that do not broadcast, a scalar operand. */
  int64_t d23[2] = {2, 3}, d2[1] = {2}, d223[3] = {2, 2, 3}, d332[3] = {3, 3, 2};
  seam_tensor *cases[3][2] = {
      {f32(2, d23, NULL), f32(2, d23, NULL)},
      {f32(3, d223, NULL), f32(3, d332, NULL)},
      {f32(0, NULL, NULL), f32(1, d2, NULL)},
  };
  for (int i = 0; i < 3; i++) {
    tn_init(&t, "MatMul", 13, 2, 1);
    CU_ASSERT_EQUAL(tn_run(&t, cases[i], out), SEAM_ERR_SHAPE);
    tn_free_all(cases[i], 2);
  }
}

/* ---- pooling ---- */

/* X = [[1, 5, 2], [4, 3, 6]], 2x2 window, stride 1: maxima 5 at (0, 1) and
 * 6 at (1, 2). Row-major indices 1 and 5; column-major (w * H + h) 2 and 5. */
static void test_maxpool_indices(void) {
  for (int order = 0; order < 2; order++) {
    tnode t;
    tn_init(&t, "MaxPool", 12, 1, 2);
    int64_t k[2] = {2, 2};
    tn_ints(&t, "kernel_shape", k, 2);
    tn_int(&t, "storage_order", order);
    float xv[6] = {1, 5, 2, 4, 3, 6};
    int64_t xd[4] = {1, 1, 2, 3}, yd[4] = {1, 1, 1, 2};
    seam_tensor *in[1] = {f32(4, xd, xv)}, *out[2];
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    float want[2] = {5, 6};
    expect_f32(out[0], 4, yd, want);
    CU_ASSERT_EQUAL_FATAL(out[1]->dtype, SEAM_DTYPE_INT64);
    const int64_t *idx = out[1]->data;
    CU_ASSERT_EQUAL(idx[0], order ? 2 : 1);
    CU_ASSERT_EQUAL(idx[1], 5);
    tn_free_all(in, 1);
    tn_free_all(out, 2);
  }
}

/* A 2x2 of ones, 2x2 window, stride 1, pads 1 on every side: a 3x3 output.
 * Without count_include_pad every average is 1. With it, corners see 1 of 4
 * taps (0.25), edges 2 of 4 (0.5), the centre 4 of 4 (1). */
static void test_averagepool_count_include_pad(void) {
  float want[2][9] = {{1, 1, 1, 1, 1, 1, 1, 1, 1},
                      {0.25f, 0.5f, 0.25f, 0.5f, 1, 0.5f, 0.25f, 0.5f, 0.25f}};
  for (int inc = 0; inc < 2; inc++) {
    tnode t;
    tn_init(&t, "AveragePool", 11, 1, 1);
    int64_t k[2] = {2, 2}, pads[4] = {1, 1, 1, 1};
    tn_ints(&t, "kernel_shape", k, 2);
    tn_ints(&t, "pads", pads, 4);
    tn_int(&t, "count_include_pad", inc);
    float xv[4] = {1, 1, 1, 1};
    int64_t xd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, 3, 3};
    seam_tensor *in[1] = {f32(4, xd, xv)}, *out[1];
    CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
    expect_f32(out[0], 4, yd, want[inc]);
    tn_free_all(in, 1);
    tn_free_all(out, 1);
  }
}

/* LpPool p = 1 over a 1-D window of 2: |-1| + |2| = 3, |2| + |-3| = 5.
 * GlobalLpPool p = 2 of [3, -4] = 5. */
static void test_lp_pools(void) {
  tnode t;
  tn_init(&t, "LpPool", 11, 1, 1);
  int64_t k[1] = {2};
  tn_ints(&t, "kernel_shape", k, 1);
  tn_int(&t, "p", 1);
  float xv[3] = {-1, 2, -3};
  int64_t xd[3] = {1, 1, 3}, yd[3] = {1, 1, 2};
  seam_tensor *in[1] = {f32(3, xd, xv)}, *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  float want[2] = {3, 5};
  expect_f32(out[0], 3, yd, want);
  tn_free_all(in, 1);
  tn_free_all(out, 1);

  tn_init(&t, "GlobalLpPool", 2, 1, 1);
  float gv[2] = {3, -4};
  int64_t gd[3] = {1, 1, 2}, gy[3] = {1, 1, 1};
  seam_tensor *gin[1] = {f32(3, gd, gv)};
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, gin, out), SEAM_OK);
  float gwant[1] = {5};
  expect_f32(out[0], 3, gy, gwant);
  tn_free_all(gin, 1);
  tn_free_all(out, 1);
}

static void test_pool_errors(void) {
  tnode t;
  seam_tensor *out[2] = {NULL, NULL};
  int64_t xd4[4] = {1, 1, 2, 2}, xd2[2] = {1, 4}, k[2] = {2, 2}, k3[2] = {3, 3};
  seam_tensor *x4 = f32(4, xd4, NULL), *x2 = f32(2, xd2, NULL);
  seam_tensor *in4[1] = {x4}, *in2[1] = {x2};
  /* kernel_shape is required. */
  tn_init(&t, "MaxPool", 12, 1, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in4, out), SEAM_ERR_INVALID_ARGUMENT);
  /* A rank-2 input has no spatial axis. */
  tn_init(&t, "AveragePool", 11, 1, 1);
  tn_ints(&t, "kernel_shape", k, 2);
  CU_ASSERT_EQUAL(tn_run(&t, in2, out), SEAM_ERR_SHAPE);
  /* A window larger than the input. */
  tn_init(&t, "MaxPool", 12, 1, 1);
  tn_ints(&t, "kernel_shape", k3, 2);
  CU_ASSERT_EQUAL(tn_run(&t, in4, out), SEAM_ERR_SHAPE);
  /* kernel_shape of the wrong length, an unknown auto_pad. */
  tn_init(&t, "MaxPool", 12, 1, 1);
  tn_ints(&t, "kernel_shape", k, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in4, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_init(&t, "MaxPool", 12, 1, 1);
  tn_ints(&t, "kernel_shape", k, 2);
  tn_str(&t, "auto_pad", "SAME_MIDDLE");
  CU_ASSERT_EQUAL(tn_run(&t, in4, out), SEAM_ERR_INVALID_ARGUMENT);
  /* Negative pads. */
  int64_t pads[4] = {0, -1, 0, 0};
  tn_init(&t, "MaxPool", 12, 1, 1);
  tn_ints(&t, "kernel_shape", k, 2);
  tn_ints(&t, "pads", pads, 4);
  CU_ASSERT_EQUAL(tn_run(&t, in4, out), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(x4);
  seam_tensor_free(x2);
}

/* MaxUnpool of [5, 6] at indices [3, 0] with a 1-D window of 2, stride 2:
 * the unpooled size is (2 - 1) * 2 + 2 = 4: [6, 0, 0, 5]. With output_shape
 * [1, 1, 6] the positions keep their coordinates: [6, 0, 0, 5, 0, 0]. An
 * index past the unpooled tensor is an error. */
static void test_maxunpool(void) {
  float xv[2] = {5, 6};
  int64_t xd[3] = {1, 1, 2}, k[1] = {2}, s[1] = {2}, shape_d[1] = {3}, shape_v[3] = {1, 1, 6};
  int64_t good[2] = {3, 0}, bad[2] = {3, 4};
  for (int c = 0; c < 3; c++) {
    tnode t;
    tn_init(&t, "MaxUnpool", 11, c == 1 ? 3 : 2, 1);
    tn_ints(&t, "kernel_shape", k, 1);
    tn_ints(&t, "strides", s, 1);
    seam_tensor *in[3] = {f32(3, xd, xv), tn_tensor(SEAM_DTYPE_INT64, 3, xd, c == 2 ? bad : good),
                          c == 1 ? tn_tensor(SEAM_DTYPE_INT64, 1, shape_d, shape_v) : NULL},
                *out[1] = {NULL};
    if (c == 2) {
      CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
    } else {
      CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
      int64_t yd[3] = {1, 1, c == 1 ? 6 : 4};
      float want[6] = {6, 0, 0, 5, 0, 0};
      expect_f32(out[0], 3, yd, want);
    }
    tn_free_all(in, 3);
    tn_free_all(out, 1);
  }
}

/* ---- normalizations ---- */

/* X [1, 2] (C = 2, no spatial axes); eps 1: channel 0: 2 * (1 - 0) /
 * sqrt(3 + 1) + 0 = 1; channel 1: 1 * (2 - 1) / sqrt(0 + 1) + 1 = 2. */
static void test_batchnorm(void) {
  tnode t;
  tn_init(&t, "BatchNormalization", 15, 5, 1);
  tn_float(&t, "epsilon", 1.0f);
  float xv[2] = {1, 2}, sv[2] = {2, 1}, bv[2] = {0, 1}, mv[2] = {0, 1}, vv[2] = {3, 0};
  int64_t xd[2] = {1, 2}, pd[1] = {2};
  seam_tensor *in[5] = {f32(2, xd, xv), f32(1, pd, sv), f32(1, pd, bv), f32(1, pd, mv),
                        f32(1, pd, vv)},
              *out[3];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  float want[2] = {1, 2};
  expect_f32(out[0], 2, xd, want);
  tn_free_all(out, 1);

  /* training_mode is not implemented; parameters of the wrong size. */
  tn_init(&t, "BatchNormalization", 15, 5, 1);
  tn_int(&t, "training_mode", 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_UNSUPPORTED);
  int64_t bad[1] = {3};
  seam_tensor *scale3 = f32(1, bad, NULL), *keep = in[1];
  in[1] = scale3;
  tn_init(&t, "BatchNormalization", 15, 5, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  in[1] = keep;
  seam_tensor_free(scale3);
  tn_free_all(in, 5);
}

/* One plane [1, 3]: mean 2, variance 1, eps 0: normalized [-1, 1], then
 * scale 2 and bias 1: [-1, 3]. A scale of the wrong length fails. */
static void test_instancenorm(void) {
  tnode t;
  tn_init(&t, "InstanceNormalization", 6, 3, 1);
  tn_float(&t, "epsilon", 0.0f);
  float xv[2] = {1, 3}, sv[1] = {2}, bv[1] = {1};
  int64_t xd[3] = {1, 1, 2}, pd[1] = {1}, pd2[1] = {2};
  seam_tensor *in[3] = {f32(3, xd, xv), f32(1, pd, sv), f32(1, pd, bv)}, *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  float want[2] = {-1, 3};
  expect_f32(out[0], 3, xd, want);
  tn_free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = f32(1, pd2, NULL);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_SHAPE);
  tn_free_all(in, 3);
}

/* size 3, alpha 3, beta 1, bias 1 over channels [1, 2, 3]:
 * c0: window {0, 1}: 1 / (1 + 3/3 * (1 + 4)) = 1/6;
 * c1: {0, 1, 2}: 2 / (1 + 14) = 2/15; c2: {1, 2}: 3 / (1 + 13) = 3/14. */
static void test_lrn(void) {
  tnode t;
  tn_init(&t, "LRN", 13, 1, 1);
  tn_int(&t, "size", 3);
  tn_float(&t, "alpha", 3.0f);
  tn_float(&t, "beta", 1.0f);
  tn_float(&t, "bias", 1.0f);
  float xv[3] = {1, 2, 3};
  int64_t xd[4] = {1, 3, 1, 1};
  seam_tensor *in[1] = {f32(4, xd, xv)}, *out[1];
  CU_ASSERT_EQUAL_FATAL(tn_run(&t, in, out), SEAM_OK);
  float want[3] = {1.0f / 6, 2.0f / 15, 3.0f / 14};
  expect_f32(out[0], 4, xd, want);
  tn_free_all(out, 1);
  /* size is required. */
  tn_init(&t, "LRN", 13, 1, 1);
  CU_ASSERT_EQUAL(tn_run(&t, in, out), SEAM_ERR_INVALID_ARGUMENT);
  tn_free_all(in, 1);
}

void seam_register_tests(void) {
  static CU_TestInfo sgemm_tests[] = {
      {"matches a naive product", test_sgemm_matches_naive},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo conv_tests[] = {
      {"basic with bias", test_conv_basic_with_bias},
      {"auto_pad SAME_UPPER/SAME_LOWER", test_conv_auto_pad_same},
      {"groups, depthwise with multiplier", test_conv_groups},
      {"bad shapes and attributes", test_conv_errors},
      {"ConvTranspose 1-D", test_conv_transpose_1d},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo gemm_tests[] = {
      {"Gemm transA, broadcast C, alpha/beta", test_gemm_trans_broadcast},
      {"Gemm int64", test_gemm_int64},
      {"MatMul numpy rules", test_matmul_numpy_rules},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo pool_tests[] = {
      {"MaxPool indices, storage_order", test_maxpool_indices},
      {"AveragePool count_include_pad", test_averagepool_count_include_pad},
      {"LpPool and GlobalLpPool", test_lp_pools},
      {"bad shapes and attributes", test_pool_errors},
      {"MaxUnpool", test_maxunpool},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo norm_tests[] = {
      {"BatchNormalization", test_batchnorm},
      {"InstanceNormalization", test_instancenorm},
      {"LRN", test_lrn},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("nn/sgemm", sgemm_tests);
  SEAM_ADD_SUITE("nn/conv", conv_tests);
  SEAM_ADD_SUITE("nn/gemm", gemm_tests);
  SEAM_ADD_SUITE("nn/pool", pool_tests);
  SEAM_ADD_SUITE("nn/norm", norm_tests);
}

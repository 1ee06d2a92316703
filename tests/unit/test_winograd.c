/* Winograd 3×3 convolution (runtime/xnn/winograd.c) against the portable
 * kernels run through the plain executor (the oracle): F(2,3) within 1e-5
 * and F(4,3) within 3e-5 of the output scale (max(1, max |oracle|)), on
 * sizes that are not multiples of the tile, every padding 0..2 including
 * asymmetric, batch 2, channel counts that are not multiples of the vector
 * width or the transform block, with and without bias, with fused
 * activations, at 1 and 2 threads; plus the rule, and a convolution the
 * rule leaves to the direct path. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/xnn/winograd.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

#define TOL_F2 1e-5
#define TOL_F4 3e-5

typedef struct wcase {
  const char *what;
  int64_t n, c, m, h, w;
  int64_t pads[4];      /* top, left, bottom, right */
  const char *auto_pad; /* NULL: explicit pads */
  bool bias;
  const char *act; /* NULL, "Relu", "Clip6", "HardSwish", "Sigmoid" */
} wcase;

static tb_model *build(const wcase *c, unsigned seed) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {c->n, c->c, c->h, c->w}, wd[4] = {c->m, c->c, 3, 3}, bd[1] = {c->m};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_random(b, "W", 4, wd, seed, -0.5f, 0.5f);
  if (c->bias) tb_init_random(b, "B", 1, bd, seed + 1, -0.5f, 0.5f);
  Onnx__NodeProto *n = tb_node(b, "Conv", "conv", c->bias ? "X,W,B" : "X,W", c->act ? "C" : "Y");
  int64_t k2[2] = {3, 3};
  tb_attr_ints(b, n, "kernel_shape", 2, k2);
  if (c->auto_pad) tb_attr_string(b, n, "auto_pad", c->auto_pad);
  else tb_attr_ints(b, n, "pads", 4, c->pads);
  if (c->act && strcmp(c->act, "Clip6") == 0) {
    float lo = 0.0f, hi = 6.0f;
    tb_init_f32(b, "lo", 0, NULL, &lo, TB_RAW, NULL);
    tb_init_f32(b, "hi", 0, NULL, &hi, TB_RAW, NULL);
    tb_node(b, "Clip", "act", "C,lo,hi", "Y");
  } else if (c->act) {
    tb_node(b, c->act, "act", "C", "Y");
  }
  tb_output(b, "Y");
  return b;
}

/* Runs case c with the tile forced (2 or 4) at 1 and 2 threads, twice each
 * (the second run reuses the plan); returns the worst error. */
static double check_case(const wcase *c, int tile, unsigned seed) {
  tb_model *b = build(c, seed);
  int64_t xd[4] = {c->n, c->c, c->h, c->w};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
  tb_fill_random(seam_tensor_data(x), seam_tensor_count(x), seed + 2, -2.0f, 2.0f);
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  seam_tensor *want = tb_run1(oracle, "X", x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  double worst = 0, tol = tile == 2 ? TOL_F2 : TOL_F4;
  for (int threads = 1; threads <= 2; threads++) {
    seam_wino_override(tile);
    long before = seam_wino_live();
    seam_model *m = tb_load(b, TB_MODE_FAST, threads);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    for (int rep = 0; rep < 2; rep++) {
      seam_tensor *got = tb_run1(m, "X", x);
      double e = tb_rel_error(got, want);
      if (e > tol)
        fprintf(stderr, "%s: F(%d,3), %d threads, run %d: error %g\n", c->what, tile, threads, rep, e);
      CU_ASSERT(e <= tol);
      if (e > worst) worst = e;
      seam_tensor_free(got);
    }
    CU_ASSERT_EQUAL(seam_wino_live(), before + 1); /* the Conv did run as Winograd */
    seam_wino_override(-1);
    seam_model_free(m);
    CU_ASSERT_EQUAL(seam_wino_live(), before);
  }
  seam_tensor_free(want);
  seam_tensor_free(x);
  seam_model_free(oracle);
  tb_free(b);
  return worst;
}

static const wcase cases[] = {
    {"7x9, 3->5, pads 1, bias", 2, 3, 5, 7, 9, {1, 1, 1, 1}, NULL, true, NULL},
    {"13x13, 17->33, pads 1, Relu", 2, 17, 33, 13, 13, {1, 1, 1, 1}, NULL, true, "Relu"},
    {"1x5, 8->16, pads 1, Clip(0,6)", 2, 8, 16, 1, 5, {1, 1, 1, 1}, NULL, true, "Clip6"},
    {"9x11, 16->16, pads 0, no bias, HardSwish", 2, 16, 16, 9, 11, {0, 0, 0, 0}, NULL, false, "HardSwish"},
    {"6x7, 5->7, pads 2, Sigmoid", 2, 5, 7, 6, 7, {2, 2, 2, 2}, NULL, true, "Sigmoid"},
    {"10x8, 6->9, pads 0,1,2,1, no bias", 2, 6, 9, 10, 8, {0, 1, 2, 1}, NULL, false, NULL},
    {"5x12, 9->4, pads 2,0,1,2, Relu", 1, 9, 4, 5, 12, {2, 0, 1, 2}, NULL, true, "Relu"},
    {"11x10, 70->65, pads 1 (two channel blocks)", 1, 70, 65, 11, 10, {1, 1, 1, 1}, NULL, true, "Relu"},
    {"8x13, 4->6, SAME_UPPER", 2, 4, 6, 8, 13, {0}, "SAME_UPPER", true, NULL},
    {"2x2, 3->3, pads 0", 1, 3, 3, 4, 4, {0, 0, 0, 0}, NULL, false, NULL},
};

static void test_f2_matches_oracle(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], 2, 31 + (unsigned)i * 7);
}

static void test_f4_matches_oracle(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) check_case(&cases[i], 4, 31 + (unsigned)i * 7);
}

/* ResNet-18-like layers (one image): the accuracy figures the notes quote. */
static void test_resnet_layers(void) {
  const wcase layers[] = {
      {"56x56, 64->64", 1, 64, 64, 56, 56, {1, 1, 1, 1}, NULL, true, "Relu"},
      {"28x28, 128->128", 1, 128, 128, 28, 28, {1, 1, 1, 1}, NULL, true, NULL},
      {"14x14, 256->256", 1, 256, 256, 14, 14, {1, 1, 1, 1}, NULL, true, "Relu"},
      {"7x7, 512->512", 1, 512, 512, 7, 7, {1, 1, 1, 1}, NULL, true, NULL},
  };
  for (size_t i = 0; i < sizeof layers / sizeof layers[0]; i++) {
    double e2 = check_case(&layers[i], 2, 5), e4 = check_case(&layers[i], 4, 5);
    printf("\n    %s: F(2,3) error %.2g, F(4,3) error %.2g", layers[i].what, e2, e4);
  }
  printf("\n");
}

/* The rule: F(4,3) on large images, F(2,3) in between, the direct
 * convolution on tiny images and few input channels; and a Conv it leaves
 * direct still matches the oracle without creating a Winograd object. */
static void test_rule(void) {
  const seam_wino_shape big = {1, 56, 56, 64, 56, 56, 64, 1, 1}, mid = {1, 14, 14, 256, 14, 14, 256, 1, 1},
                        tiny = {1, 4, 4, 8, 4, 4, 8, 1, 1}, rgb = {1, 224, 224, 3, 224, 224, 16, 1, 1};
  CU_ASSERT_EQUAL(seam_wino_pick(&big), 4);
  CU_ASSERT_EQUAL(seam_wino_pick(&mid), 2);
  CU_ASSERT_EQUAL(seam_wino_pick(&tiny), 0);
  CU_ASSERT_EQUAL(seam_wino_pick(&rgb), 0);
  wcase c = {"4x4, 8->8: direct", 1, 8, 8, 4, 4, {1, 1, 1, 1}, NULL, true, "Relu"};
  tb_model *b = build(&c, 3);
  int64_t xd[4] = {1, 8, 4, 4};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
  tb_fill_random(seam_tensor_data(x), seam_tensor_count(x), 4, -2.0f, 2.0f);
  long before = seam_wino_live();
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1), *fast = tb_load(b, TB_MODE_FAST, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
  seam_tensor *want = tb_run1(oracle, "X", x), *got = tb_run1(fast, "X", x);
  CU_ASSERT(tb_rel_error(got, want) <= 1e-5);
  CU_ASSERT_EQUAL(seam_wino_live(), before);
  seam_tensor_free(got);
  seam_tensor_free(want);
  seam_tensor_free(x);
  seam_model_free(fast);
  seam_model_free(oracle);
  tb_free(b);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"F(2,3) matches the oracle", test_f2_matches_oracle},
      {"F(4,3) matches the oracle", test_f4_matches_oracle},
      {"ResNet-18 layer shapes", test_resnet_layers},
      {"the rule and the direct path", test_rule},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("winograd", tests);
}

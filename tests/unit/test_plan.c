/* Run plans and the XNNPACK backend, against the portable kernels run
 * through the plain executor (the oracle): every configuration the fast path
 * takes (conv strides, dilations, groups, padding modes, pooling with
 * ceil_mode, NHWC broadcasting, NHWC concat, fused activations) must give
 * the oracle's numbers; plans must reuse memory by liveness, fall back when
 * shapes depend on data, and follow shape changes. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/model.h"
#include "runtime/plan.h"
#include "runtime/tensor.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

static seam_tensor *random_input(int rank, const int64_t *dims, unsigned seed) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, (size_t)rank, dims, NULL);
  tb_fill_random(seam_tensor_data(t), seam_tensor_count(t), seed, -2.0f, 2.0f);
  return t;
}

/* Runs the model built by b on X (dims) in all three modes and at 1 and 2
 * threads; all must agree with the oracle. */
static void check_against_oracle(tb_model *b, int rank, const int64_t *dims, const char *what) {
  seam_tensor *x = random_input(rank, dims, 7);
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  seam_tensor *want = tb_run1(oracle, "X", x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  const tb_run_mode modes[] = {TB_MODE_FAST, TB_MODE_FAST, TB_MODE_PLANNED_PORTABLE};
  const int threads[] = {1, 2, 1};
  for (int k = 0; k < 3; k++) {
    seam_model *m = tb_load(b, modes[k], threads[k]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    for (int rep = 0; rep < 2; rep++) { /* the second run reuses the plan */
      seam_tensor *got = tb_run1(m, "X", x);
      double e = tb_rel_error(got, want);
      if (e > 1e-5) fprintf(stderr, "%s: mode %d, %d threads, run %d: error %g\n", what, (int)modes[k], threads[k], rep, e);
      CU_ASSERT(e <= 1e-5);
      seam_tensor_free(got);
    }
    seam_model_free(m);
  }
  seam_tensor_free(want);
  seam_tensor_free(x);
  seam_model_free(oracle);
}

typedef struct conv_case {
  const char *what;
  int64_t c, m, k, group, stride, dilation;
  int64_t pads[4];
  const char *auto_pad; /* NULL: explicit pads */
  const char *act;      /* NULL, "Relu", "Clip6", "HardSwish", "Sigmoid" */
  int64_t h, w;
} conv_case;

static void test_conv_variants(void) {
  const conv_case cases[] = {
      {"3x3 same", 8, 16, 3, 1, 1, 1, {1, 1, 1, 1}, NULL, "Relu", 10, 9},
      {"3x3 stride 2 asymmetric pads", 8, 16, 3, 1, 2, 1, {0, 1, 2, 1}, NULL, NULL, 11, 12},
      {"3x3 dilation 2", 4, 8, 3, 1, 1, 2, {2, 2, 2, 2}, NULL, "Clip6", 12, 12},
      {"depthwise 3x3 stride 2", 16, 16, 3, 16, 2, 1, {1, 1, 1, 1}, NULL, "Clip6", 14, 13},
      {"depthwise with multiplier", 8, 16, 3, 8, 1, 1, {1, 1, 1, 1}, NULL, NULL, 9, 9},
      {"grouped 1x1", 16, 32, 1, 4, 1, 1, {0, 0, 0, 0}, NULL, "HardSwish", 7, 8},
      {"5x5 SAME_UPPER stride 2", 3, 8, 5, 1, 2, 1, {0}, "SAME_UPPER", "Sigmoid", 15, 16},
      {"3x3 SAME_LOWER stride 2", 6, 6, 3, 1, 2, 1, {0}, "SAME_LOWER", NULL, 10, 11},
      {"7x7 stride 2 stem", 3, 8, 7, 1, 2, 1, {3, 3, 3, 3}, NULL, "Relu", 32, 32},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const conv_case *c = &cases[i];
    tb_model *b = tb_new(13);
    int64_t xd[4] = {2, c->c, c->h, c->w}, wd[4] = {c->m, c->c / c->group, c->k, c->k}, bd[1] = {c->m};
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
    tb_init_random(b, "W", 4, wd, 11 + (unsigned)i, -0.5f, 0.5f);
    tb_init_random(b, "B", 1, bd, 23 + (unsigned)i, -0.5f, 0.5f);
    Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "X,W,B", c->act ? "C" : "Y");
    int64_t k2[2] = {c->k, c->k}, s2[2] = {c->stride, c->stride}, d2[2] = {c->dilation, c->dilation};
    tb_attr_ints(b, n, "kernel_shape", 2, k2);
    tb_attr_ints(b, n, "strides", 2, s2);
    tb_attr_ints(b, n, "dilations", 2, d2);
    tb_attr_int(b, n, "group", c->group);
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
    check_against_oracle(b, 4, xd, c->what);
    tb_free(b);
  }
}

static void test_pooling_variants(void) {
  /* MaxPool with ceil_mode (SqueezeNet), AveragePool with pads (count_include_pad 0), global. */
  for (int variant = 0; variant < 4; variant++) {
    tb_model *b = tb_new(13);
    int64_t xd[4] = {1, 6, 13, 13};
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
    int64_t wd[4] = {6, 6, 1, 1};
    tb_init_random(b, "W", 4, wd, 3, -1.0f, 1.0f);
    tb_node(b, "Conv", "conv", "X,W", "C"); /* puts the pool's input in NHWC */
    int64_t k[2] = {3, 3}, s[2] = {2, 2}, pads[4] = {1, 1, 1, 1};
    Onnx__NodeProto *n;
    if (variant == 0) {
      n = tb_node(b, "MaxPool", "pool", "C", "Y");
      tb_attr_int(b, n, "ceil_mode", 1);
    } else if (variant == 1) {
      n = tb_node(b, "AveragePool", "pool", "C", "Y");
      tb_attr_ints(b, n, "pads", 4, pads);
    } else if (variant == 2) {
      n = tb_node(b, "AveragePool", "pool", "C", "Y");
      tb_attr_ints(b, n, "pads", 4, pads);
      tb_attr_int(b, n, "count_include_pad", 1); /* portable kernel */
    } else {
      n = tb_node(b, "GlobalAveragePool", "pool", "C", "Y");
    }
    if (variant < 3) {
      tb_attr_ints(b, n, "kernel_shape", 2, k);
      tb_attr_ints(b, n, "strides", 2, s);
    }
    tb_output(b, "Y");
    char what[32];
    snprintf(what, sizeof what, "pooling variant %d", variant);
    check_against_oracle(b, 4, xd, what);
    tb_free(b);
  }
}

/* NHWC activations meeting NCHW-aligned constants, an SE-style gate, a
 * channel concat and a classifier head. */
static void test_mixed_graph(void) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {2, 4, 9, 9}, w1[4] = {8, 4, 3, 3}, w2[4] = {8, 4, 1, 1}, bias3[3] = {16, 1, 1};
  int64_t fc[2] = {10, 16}, fcb[1] = {10}, shape2[2] = {2, 16};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_random(b, "W1", 4, w1, 1, -0.5f, 0.5f);
  tb_init_random(b, "W2", 4, w2, 2, -0.5f, 0.5f);
  tb_init_random(b, "K", 3, bias3, 3, -1.0f, 1.0f);
  tb_init_random(b, "FC", 2, fc, 4, -0.5f, 0.5f);
  tb_init_random(b, "FCB", 1, fcb, 5, -0.5f, 0.5f);
  tb_init_i64(b, "shape", 1, (int64_t[]){2}, shape2);
  int64_t pads[4] = {1, 1, 1, 1};
  Onnx__NodeProto *n = tb_node(b, "Conv", "a", "X,W1", "A");
  tb_attr_ints(b, n, "pads", 4, pads);
  tb_node(b, "Conv", "b", "X,W2", "B");
  n = tb_node(b, "Concat", "cat", "A,B", "C"); /* NHWC concat along channels */
  tb_attr_int(b, n, "axis", 1);
  tb_node(b, "Add", "addk", "C,K", "D");           /* [16,1,1] constant in NHWC */
  tb_node(b, "GlobalAveragePool", "gap", "D", "G"); /* layout-agnostic [2,16,1,1] */
  tb_node(b, "Sigmoid", "gate", "G", "S");
  tb_node(b, "Mul", "scale", "D,S", "E"); /* SE gating: NHWC × agnostic */
  tb_node(b, "Relu", "relu", "E", "F");
  tb_node(b, "GlobalAveragePool", "gap2", "F", "H");
  tb_node(b, "Reshape", "flat", "H,shape", "R");
  n = tb_node(b, "Gemm", "fc", "R,FC,FCB", "Y");
  tb_attr_int(b, n, "transB", 1);
  tb_output(b, "Y");
  check_against_oracle(b, 4, xd, "mixed graph");
  tb_free(b);
}

static void test_matmul_rows(void) {
  tb_model *b = tb_new(13);
  int64_t xd[3] = {2, 5, 12}, wd[2] = {12, 7}, bd[1] = {7};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 3, xd);
  tb_init_random(b, "W", 2, wd, 9, -1.0f, 1.0f);
  tb_init_random(b, "B", 1, bd, 10, -1.0f, 1.0f);
  tb_node(b, "MatMul", "mm", "X,W", "M");
  tb_node(b, "Add", "bias", "M,B", "Y");
  tb_output(b, "Y");
  check_against_oracle(b, 3, xd, "matmul");
  tb_free(b);
}

/* X → Relu → Neg → Relu → Neg: four 16 KB activations, at most two alive at
 * once, so the arena holds about two (plus alignment), not four. */
static void test_arena_reuses_memory(void) {
  tb_model *b = tb_new(13);
  int64_t xd[2] = {64, 64};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
  tb_node(b, "Relu", "r1", "X", "A");
  tb_node(b, "Neg", "n1", "A", "B");
  tb_node(b, "Relu", "r2", "B", "C");
  tb_node(b, "Neg", "n2", "C", "Y");
  tb_output(b, "Y");
  seam_model *m = tb_load(b, TB_MODE_PLANNED_PORTABLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = random_input(2, xd, 3), *y = tb_run1(m, "X", x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  CU_ASSERT_EQUAL_FATAL(m->engine.lanes[0].n_plans, 1);
  size_t one = 64 * 64 * sizeof(float);
  size_t arena = seam_plan_arena_bytes(m->engine.lanes[0].plans[0]);
  CU_ASSERT(arena >= 2 * one);
  CU_ASSERT(arena < 3 * one);
  const float *xv = seam_tensor_data(x), *yv = seam_tensor_data(y);
  for (int i = 0; i < 64 * 64; i++) CU_ASSERT_EQUAL(yv[i], -fmaxf(-fmaxf(xv[i], 0.0f), 0.0f));
  seam_tensor_free(x);
  seam_tensor_free(y);
  seam_model_free(m);
  tb_free(b);
}

/* A Reshape whose target shape is an input's data cannot be planned: the
 * model still runs, through the executor, with each target. */
static void test_data_dependent_shape_falls_back(void) {
  tb_model *b = tb_new(13);
  int64_t xd[1] = {12}, sd[1] = {2};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, xd);
  tb_input(b, "S", SEAM_DTYPE_INT64, 1, sd);
  tb_node(b, "Reshape", "r", "X,S", "R");
  tb_node(b, "Relu", "relu", "R", "Y");
  tb_output(b, "Y");
  seam_model *m = tb_load(b, TB_MODE_FAST, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = random_input(1, xd, 5);
  const int64_t targets[2][2] = {{3, 4}, {6, 2}};
  for (int t = 0; t < 2; t++) {
    seam_tensor *s = seam_tensor_create(SEAM_DTYPE_INT64, 1, sd, NULL);
    memcpy(seam_tensor_data(s), targets[t], sizeof targets[t]);
    const char *names[2] = {"X", "S"};
    const seam_tensor *in[2] = {x, s};
    seam_tensor *y = NULL;
    seam_error err = {0};
    CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 2, names, in, 1, NULL, &y, &err), SEAM_OK);
    CU_ASSERT_EQUAL(seam_tensor_dims(y)[0], targets[t][0]);
    CU_ASSERT_EQUAL(seam_tensor_dims(y)[1], targets[t][1]);
    const float *xv = seam_tensor_data(x), *yv = seam_tensor_data(y);
    for (int i = 0; i < 12; i++) CU_ASSERT_EQUAL(yv[i], fmaxf(xv[i], 0.0f));
    seam_tensor_free(y);
    seam_tensor_free(s);
  }
  seam_tensor_free(x);
  seam_model_free(m);
  tb_free(b);
}

/* A symbolic width: each new width gets its own plan, and going back to an
 * earlier width reuses its plan. */
static void test_shape_changes(void) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {1, 3, 8, -1}, wd[4] = {4, 3, 3, 3}, pads[4] = {1, 1, 1, 1};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_random(b, "W", 4, wd, 8, -1.0f, 1.0f);
  Onnx__NodeProto *n = tb_node(b, "Conv", "conv", "X,W", "Y");
  tb_attr_ints(b, n, "pads", 4, pads);
  tb_output(b, "Y");
  seam_model *fast = tb_load(b, TB_MODE_FAST, 1), *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(fast);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  const int64_t widths[4] = {8, 13, 8, 5};
  for (int i = 0; i < 4; i++) {
    int64_t d[4] = {1, 3, 8, widths[i]};
    seam_tensor *x = random_input(4, d, 20 + (unsigned)i);
    seam_tensor *got = tb_run1(fast, "X", x), *want = tb_run1(oracle, "X", x);
    CU_ASSERT(tb_rel_error(got, want) <= 1e-5);
    seam_tensor_free(x);
    seam_tensor_free(got);
    seam_tensor_free(want);
  }
  CU_ASSERT_EQUAL(fast->engine.lanes[0].n_plans, 3);
  seam_model_free(fast);
  seam_model_free(oracle);
  tb_free(b);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"conv variants match the oracle", test_conv_variants},
      {"pooling variants match the oracle", test_pooling_variants},
      {"NHWC broadcast, SE gate, concat, head", test_mixed_graph},
      {"MatMul as fully connected rows", test_matmul_rows},
      {"the arena reuses memory by liveness", test_arena_reuses_memory},
      {"data-dependent shapes fall back", test_data_dependent_shape_falls_back},
      {"shape changes get their own plans", test_shape_changes},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("run plans", tests);
}

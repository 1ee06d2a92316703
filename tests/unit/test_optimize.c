/* Load-time graph optimization: every model is run with optimize = 0 and 1
 * and must give the same outputs (within float rounding) with fewer nodes;
 * what must not be fused is not; removed tensor names resolve or are
 * refused with the reason. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/model.h"
#include "runtime/tensor.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

static void init_random(tb_model *b, const char *name, int rank, const int64_t *dims,
                        unsigned seed, float lo, float hi) {
  tb_init_random(b, name, rank, dims, seed, lo, hi);
}

static void init_scalar(tb_model *b, const char *name, float value) {
  tb_init_f32(b, name, 0, NULL, &value, TB_RAW, NULL);
}

static seam_model *load(tb_model *b, int optimize) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.optimize = optimize;
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
  if (!m) fprintf(stderr, "load failed: %s\n", err.message);
  return m;
}

/* The graph's bookkeeping is exact: producers, consumer counts, kernels. */
static void check_graph(const seam_graph *g) {
  int *reads = calloc((size_t)g->n_values + 1, sizeof *reads);
  for (int i = 0; i < g->n_nodes; i++) {
    const seam_node *n = &g->nodes[i];
    CU_ASSERT_PTR_NOT_NULL(n->op);
    for (int k = 0; k < n->n_inputs; k++) {
      CU_ASSERT(n->inputs[k] < g->n_values);
      if (n->inputs[k] >= 0) {
        reads[n->inputs[k]]++;
        int p = g->values[n->inputs[k]].producer;
        CU_ASSERT(p < i); /* still topologically sorted */
      }
    }
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) CU_ASSERT_EQUAL(g->values[n->outputs[k]].producer, i);
  }
  for (int v = 0; v < g->n_values; v++) CU_ASSERT_EQUAL(g->values[v].n_consumers, reads[v]);
  for (int r = 0; r < g->n_removed; r++)
    CU_ASSERT_EQUAL(seam_graph_find_value(g, g->removed[r].name), -1);
  free(reads);
}

static seam_tensor *random_tensor(int rank, const int64_t *dims, unsigned seed) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, (size_t)rank, dims, NULL);
  tb_fill_random(seam_tensor_data(t), seam_tensor_count(t), seed, -3.0f, 3.0f);
  return t;
}

static void expect_close(const seam_tensor *a, const seam_tensor *b) {
  CU_ASSERT_FATAL(a && b);
  CU_ASSERT_EQUAL_FATAL(seam_tensor_count(a), seam_tensor_count(b));
  const float *x = seam_tensor_data_const(a), *y = seam_tensor_data_const(b);
  int bad = 0;
  for (size_t i = 0; i < seam_tensor_count(a); i++) {
    double tol = 1e-5 * fmax(1.0, fabs(x[i]));
    if (!(fabs((double)x[i] - y[i]) <= tol) && bad++ < 5)
      fprintf(stderr, "element %zu: %.8g vs %.8g\n", i, x[i], y[i]);
  }
  CU_ASSERT_EQUAL(bad, 0);
}

/* Runs the model from input X with and without optimization, compares every
 * graph output and returns the node counts. */
static void run_both(tb_model *b, int rank, const int64_t *dims, int *nodes_plain, int *nodes_opt) {
  seam_model *plain = load(b, 0), *opt = load(b, 1);
  CU_ASSERT_FATAL(plain && opt);
  check_graph(opt->graph);
  *nodes_plain = plain->graph->n_nodes;
  *nodes_opt = opt->graph->n_nodes;
  seam_tensor *x = random_tensor(rank, dims, 7);
  const char *in_name = "X";
  size_t n_out = seam_model_output_count(plain);
  seam_tensor *ya[4] = {0}, *yb[4] = {0};
  seam_error err = {0};
  CU_ASSERT_FATAL(n_out <= 4);
  CU_ASSERT_EQUAL_FATAL(seam_model_run(plain, 1, &in_name, (const seam_tensor *const *)&x, n_out, NULL, ya, &err), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(seam_model_run(opt, 1, &in_name, (const seam_tensor *const *)&x, n_out, NULL, yb, &err), SEAM_OK);
  for (size_t i = 0; i < n_out; i++) {
    expect_close(ya[i], yb[i]);
    seam_tensor_free(ya[i]);
    seam_tensor_free(yb[i]);
  }
  seam_tensor_free(x);
  seam_model_free(plain);
  seam_model_free(opt);
}

static const int64_t img[4] = {2, 3, 7, 7};

/* X -> Conv(3->4, 3x3, pad 1) -> [BatchNormalization] -> [act] -> Y */
static tb_model *conv_model(bool bias, bool bn, const char *act) {
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 3, 3}, bd[1] = {4}, pads[4] = {1, 1, 1, 1};
  init_random(b, "W", 4, wd, 1, -1.0f, 1.0f);
  if (bias) init_random(b, "B", 1, bd, 2, -1.0f, 1.0f);
  Onnx__NodeProto *conv = tb_node(b, "Conv", "conv", bias ? "X,W,B" : "X,W", "c");
  tb_attr_ints(b, conv, "pads", 4, pads);
  const char *last = "c";
  if (bn) {
    tb_init_bn(b, "bn", 4, 3);
    Onnx__NodeProto *n = tb_node(b, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "n");
    tb_attr_float(b, n, "epsilon", 1e-3f);
    last = "n";
  }
  if (act) {
    char inputs[64];
    snprintf(inputs, sizeof inputs, "%s", last);
    if (strcmp(act, "Clip") == 0) {
      init_scalar(b, "lo", 0.0f);
      init_scalar(b, "hi", 6.0f);
      snprintf(inputs, sizeof inputs, "%s,lo,hi", last);
    }
    tb_node(b, act, "act", inputs, "Y");
  } else {
    tb_node(b, "Identity", "out", last, "Y");
  }
  tb_output(b, "Y");
  return b;
}

static void test_conv_bn(void) {
  for (int bias = 0; bias < 2; bias++) {
    tb_model *b = conv_model(bias, true, "Relu");
    /* Conv + BN + Relu: one node. */
    int before, after;
    run_both(b, 4, img, &before, &after);
    CU_ASSERT_EQUAL(before, 3);
    CU_ASSERT_EQUAL(after, 1);
    seam_model *m = load(b, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_STRING_EQUAL(m->graph->nodes[0].op_type, "Conv");
    CU_ASSERT_EQUAL(m->graph->nodes[0].act.kind, SEAM_ACT_CLAMP);
    CU_ASSERT_EQUAL(m->graph->nodes[0].act.min, 0.0f);
    /* The original weights are gone: nothing reads them. */
    int w = seam_graph_find_value(m->graph, "W");
    CU_ASSERT(w < 0 || !m->graph->values[w].constant);
    seam_model_free(m);
    tb_free(b);
  }
  /* Conv + BN alone (the Identity before the output goes too). */
  tb_model *b = conv_model(true, true, NULL);
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 3);
  CU_ASSERT_EQUAL(after, 2); /* the Identity writes the graph output: kept */
  tb_free(b);
}

static void test_conv_clip(void) {
  tb_model *b = conv_model(true, false, "Clip");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 2);
  CU_ASSERT_EQUAL(after, 1);
  seam_model *m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->graph->nodes[0].act.kind, SEAM_ACT_CLAMP);
  CU_ASSERT_EQUAL(m->graph->nodes[0].act.min, 0.0f);
  CU_ASSERT_EQUAL(m->graph->nodes[0].act.max, 6.0f);
  seam_model_free(m);
  tb_free(b);
}

static void test_conv_transpose_bn(void) {
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  /* W [C=3, M/group=2, 2, 2] with group 3: 6 output channels. */
  const int64_t wd[4] = {3, 2, 2, 2}, bd[1] = {6}, strides[2] = {2, 2};
  init_random(b, "W", 4, wd, 11, -1.0f, 1.0f);
  init_random(b, "B", 1, bd, 12, -1.0f, 1.0f);
  Onnx__NodeProto *ct = tb_node(b, "ConvTranspose", "deconv", "X,W,B", "c");
  tb_attr_ints(b, ct, "strides", 2, strides);
  tb_attr_int(b, ct, "group", 3);
  tb_init_bn(b, "bn", 6, 13);
  tb_node(b, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "Y");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 2);
  CU_ASSERT_EQUAL(after, 1);
  tb_free(b);
}

static void test_gemm(void) {
  const int64_t xd[2] = {3, 5};
  for (int tb = 0; tb < 2; tb++) {
    /* Gemm + Relu */
    tb_model *b = tb_new(13);
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
    const int64_t wd[2] = {tb ? 4 : 5, tb ? 5 : 4}, cd[1] = {4};
    init_random(b, "W", 2, wd, 21, -1.0f, 1.0f);
    init_random(b, "C", 1, cd, 22, -1.0f, 1.0f);
    Onnx__NodeProto *g = tb_node(b, "Gemm", "fc", "X,W,C", "g");
    tb_attr_int(b, g, "transB", tb);
    tb_node(b, "Relu", "relu", "g", "Y");
    tb_output(b, "Y");
    int before, after;
    run_both(b, 2, xd, &before, &after);
    CU_ASSERT_EQUAL(before, 2);
    CU_ASSERT_EQUAL(after, 1);
    tb_free(b);

    /* Gemm (alpha, beta) + BatchNormalization + Relu */
    b = tb_new(13);
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
    init_random(b, "W", 2, wd, 23, -1.0f, 1.0f);
    init_random(b, "C", 1, cd, 24, -1.0f, 1.0f);
    g = tb_node(b, "Gemm", "fc", "X,W,C", "g");
    tb_attr_int(b, g, "transB", tb);
    tb_attr_float(b, g, "alpha", 0.75f);
    tb_attr_float(b, g, "beta", 0.5f);
    tb_init_bn(b, "bn", 4, 25);
    tb_node(b, "BatchNormalization", "bn", "g,bn_scale,bn_bias,bn_mean,bn_var", "n");
    tb_node(b, "Relu", "relu", "n", "Y");
    tb_output(b, "Y");
    run_both(b, 2, xd, &before, &after);
    CU_ASSERT_EQUAL(before, 3);
    CU_ASSERT_EQUAL(after, 1);
    tb_free(b);
  }
}

static void test_matmul_add_relu(void) {
  /* MatMul -> Add(bias) -> Relu: the Relu goes into the Add. */
  const int64_t xd[2] = {3, 5}, wd[2] = {5, 4}, cd[1] = {4};
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
  init_random(b, "W", 2, wd, 31, -1.0f, 1.0f);
  init_random(b, "C", 1, cd, 32, -1.0f, 1.0f);
  tb_node(b, "MatMul", "mm", "X,W", "p");
  tb_node(b, "Add", "add", "p,C", "q");
  tb_node(b, "Relu", "relu", "q", "Y");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 2, xd, &before, &after);
  CU_ASSERT_EQUAL(before, 3);
  CU_ASSERT_EQUAL(after, 2);
  tb_free(b);
}

static void test_hard_swish_pattern(void) {
  /* Conv -> x * HardSigmoid(x): becomes one Conv with a fused HardSwish. */
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 1, 1};
  init_random(b, "W", 4, wd, 41, -2.0f, 2.0f);
  tb_node(b, "Conv", "conv", "X,W", "c");
  Onnx__NodeProto *hs = tb_node(b, "HardSigmoid", "hsig", "c", "h");
  tb_attr_float(b, hs, "alpha", 1.0f / 6.0f);
  tb_attr_float(b, hs, "beta", 0.5f);
  tb_node(b, "Mul", "mul", "c,h", "Y");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 3);
  CU_ASSERT_EQUAL(after, 1);
  seam_model *m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->graph->nodes[0].act.kind, SEAM_ACT_HARDSWISH);
  seam_model_free(m);
  tb_free(b);

  /* On a graph input (HardSigmoid second operand this time): a HardSwish node. */
  b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  hs = tb_node(b, "HardSigmoid", "hsig", "X", "h");
  tb_attr_float(b, hs, "alpha", 1.0f / 6.0f);
  tb_node(b, "Mul", "mul", "h,X", "Y");
  tb_output(b, "Y");
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 2);
  CU_ASSERT_EQUAL(after, 1);
  m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_STRING_EQUAL(m->graph->nodes[0].op_type, "HardSwish");
  seam_model_free(m);
  tb_free(b);

  /* HardSigmoid with the default alpha (0.2) is not HardSwish: untouched. */
  b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  tb_node(b, "HardSigmoid", "hsig", "X", "h");
  tb_node(b, "Mul", "mul", "X,h", "Y");
  tb_output(b, "Y");
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(after, 2);
  tb_free(b);
}

/* X -> Identity -> A -> Relu -> R -> Dropout -> D -> Add(D, X) -> Y */
static tb_model *passthrough_model(int opset) {
  tb_model *b = tb_new(opset);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  tb_node(b, "Identity", "id", "X", "A");
  tb_node(b, "Relu", "relu", "A", "R");
  if (opset >= 12) {
    init_scalar(b, "ratio", 0.3f);
    tb_node(b, "Dropout", "drop", "R,ratio", "D");
  } else {
    tb_node(b, "Dropout", "drop", "R", "D,mask");
  }
  tb_node(b, "Add", "add", "D,X", "Y");
  tb_output(b, "Y");
  return b;
}

static void test_identity_dropout(void) {
  const int opsets[2] = {10, 13};
  for (int i = 0; i < 2; i++) {
    tb_model *b = passthrough_model(opsets[i]);
    int before, after;
    run_both(b, 4, img, &before, &after);
    CU_ASSERT_EQUAL(before, 4);
    CU_ASSERT_EQUAL(after, 2);
    seam_model *m = load(b, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    const seam_removed_value *r = seam_graph_find_removed(m->graph, "A");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->same_as, "X");
    r = seam_graph_find_removed(m->graph, "D");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_STRING_EQUAL(r->same_as, "R");
    CU_ASSERT_PTR_NOT_NULL(strstr(r->reason, "Dropout"));
    seam_model_free(m);
    tb_free(b);
  }
  /* A used mask keeps the Dropout (opset 9: the mask is float). */
  tb_model *b = tb_new(9);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  tb_node(b, "Dropout", "drop", "X", "D,mask");
  tb_node(b, "Add", "add", "D,mask", "Y");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(after, 2);
  tb_free(b);
}

static void test_shared_output_not_fused(void) {
  /* The Conv output has two readers: neither BN nor Relu may take it. */
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 3, 3};
  init_random(b, "W", 4, wd, 51, -1.0f, 1.0f);
  tb_node(b, "Conv", "conv", "X,W", "c");
  tb_init_bn(b, "bn", 4, 52);
  tb_node(b, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "n");
  tb_node(b, "Relu", "relu", "c", "r");
  tb_node(b, "Add", "add", "n,r", "Y");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 4);
  CU_ASSERT_EQUAL(after, 4);
  seam_model *m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  for (int i = 0; i < m->graph->n_nodes; i++) CU_ASSERT_EQUAL(m->graph->nodes[i].act.kind, SEAM_ACT_NONE);
  CU_ASSERT_EQUAL(m->graph->n_removed, 0);
  seam_model_free(m);
  tb_free(b);
}

static void test_graph_output_not_fused(void) {
  /* The Conv output is a graph output: it must keep existing. */
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 3, 3};
  init_random(b, "W", 4, wd, 61, -1.0f, 1.0f);
  tb_node(b, "Conv", "conv", "X,W", "c");
  tb_node(b, "Relu", "relu", "c", "Y");
  tb_output(b, "c");
  tb_output(b, "Y");
  int before, after;
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(before, 2);
  CU_ASSERT_EQUAL(after, 2);
  tb_free(b);

  /* Same with BatchNormalization. */
  b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  init_random(b, "W", 4, wd, 62, -1.0f, 1.0f);
  tb_node(b, "Conv", "conv", "X,W", "c");
  tb_init_bn(b, "bn", 4, 63);
  tb_node(b, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "Y");
  tb_output(b, "Y");
  tb_output(b, "c");
  run_both(b, 4, img, &before, &after);
  CU_ASSERT_EQUAL(after, 2);
  tb_free(b);
}

static void test_integer_add_not_fused(void) {
  /* Fused activations apply to float32 only: an int32 Add keeps its Relu. */
  const int64_t d[1] = {6};
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_INT32, 1, d);
  tb_node(b, "Add", "add", "X,X", "s");
  tb_node(b, "Relu", "relu", "s", "Y");
  tb_output(b, "Y");
  seam_model *m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->graph->n_nodes, 2);
  seam_model_free(m);
  tb_free(b);
}

static void test_name_resolution(void) {
  tb_model *b = conv_model(true, true, "Relu");
  seam_model *m = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = random_tensor(4, img, 9);
  const char *in_name = "X";
  seam_tensor *y = NULL;
  seam_error err = {0};
  /* The pre-BN Conv output and the pre-activation BN output no longer exist. */
  const char *gone[2] = {"c", "n"};
  const char *why[2] = {"BatchNormalization", "Relu"};
  for (int i = 0; i < 2; i++) {
    CU_ASSERT_EQUAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, &gone[i], &y, &err),
                    SEAM_ERR_NOT_FOUND);
    CU_ASSERT_PTR_NULL(y);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, gone[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, why[i]));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "optimize = 0"));
  }
  /* Unknown names are still plainly unknown. */
  const char *none = "no_such_tensor";
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, &none, &y, &err),
                  SEAM_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "no tensor named"));
  seam_model_free(m);
  /* Without optimization they can be named. */
  m = load(b, 0);
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, &gone[0], &y, &err), SEAM_OK);
  seam_tensor_free(y);
  y = NULL;
  seam_model_free(m);
  tb_free(b);

  /* Aliases: Identity / Dropout outputs name their input, as outputs and as cuts. */
  b = passthrough_model(13);
  seam_model *plain = load(b, 0);
  m = load(b, 1);
  CU_ASSERT_FATAL(plain && m);
  const char *names[2] = {"A", "D"};
  for (int i = 0; i < 2; i++) {
    seam_tensor *ya = NULL, *yb = NULL;
    CU_ASSERT_EQUAL(seam_model_run(plain, 1, &in_name, (const seam_tensor *const *)&x, 1, &names[i], &ya, &err), SEAM_OK);
    CU_ASSERT_EQUAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, &names[i], &yb, &err), SEAM_OK);
    expect_close(ya, yb);
    seam_tensor_free(ya);
    seam_tensor_free(yb);
  }
  /* Giving the cut "D" (and "X", which the Add also reads) computes Y. */
  seam_tensor *d = NULL, *ya = NULL, *yb = NULL;
  CU_ASSERT_EQUAL_FATAL(seam_model_run(plain, 1, &in_name, (const seam_tensor *const *)&x, 1, &names[1], &d, &err), SEAM_OK);
  const char *cut_names[2] = {"D", "X"};
  const seam_tensor *cut[2] = {d, x};
  const char *out_name = "Y";
  CU_ASSERT_EQUAL(seam_model_run(plain, 2, cut_names, cut, 1, &out_name, &ya, &err), SEAM_OK);
  CU_ASSERT_EQUAL(seam_model_run(m, 2, cut_names, cut, 1, &out_name, &yb, &err), SEAM_OK);
  expect_close(ya, yb);
  seam_tensor_free(ya);
  seam_tensor_free(yb);
  seam_tensor_free(d);
  seam_model_free(plain);
  seam_model_free(m);
  seam_tensor_free(x);
  tb_free(b);
}

static seam_model *load_keeping(tb_model *b, size_t n, const char *const *keep, seam_error *err) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.keep_tensors = keep;
  o.n_keep_tensors = n;
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  return seam_model_load_memory_with(bytes, size, NULL, &o, err);
}

/* X -> Conv -> c -> BatchNormalization -> n -> Relu -> r -> Identity -> i
 *   -> Conv -> d -> Relu -> Y: every tensor but X and Y is removed when
 *   optimized (c, n and d fused, i an alias of r). */
static tb_model *fused_chain(void) {
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 3, 3}, w2[4] = {4, 4, 1, 1}, pads[4] = {1, 1, 1, 1};
  init_random(b, "W", 4, wd, 71, -1.0f, 1.0f);
  tb_attr_ints(b, tb_node(b, "Conv", "conv", "X,W", "c"), "pads", 4, pads);
  tb_init_bn(b, "bn", 4, 72);
  tb_node(b, "BatchNormalization", "bn", "c,bn_scale,bn_bias,bn_mean,bn_var", "n");
  tb_node(b, "Relu", "relu", "n", "r");
  tb_node(b, "Identity", "id", "r", "i");
  init_random(b, "W2", 4, w2, 73, -1.0f, 1.0f);
  tb_node(b, "Conv", "conv2", "i,W2", "d");
  tb_node(b, "Relu", "relu2", "d", "Y");
  tb_output(b, "Y");
  return b;
}

static void test_keep_tensors(void) {
  tb_model *b = fused_chain();
  seam_model *plain = load(b, 0), *opt = load(b, 1);
  CU_ASSERT_FATAL(plain && opt);
  CU_ASSERT_EQUAL(opt->graph->n_nodes, 2);
  seam_tensor *x = random_tensor(4, img, 74);
  const char *in_name = "X", *out_name = "Y";
  seam_error err = {0};
  const char *names[4] = {"c", "n", "r", "i"};
  for (int k = 0; k < 4; k++) {
    seam_model *m = load_keeping(b, 1, &names[k], &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    check_graph(m->graph);
    /* Kept: a tensor of the graph, with the file's values. */
    CU_ASSERT(seam_graph_find_value(m->graph, names[k]) >= 0);
    CU_ASSERT_PTR_NULL(seam_graph_find_removed(m->graph, names[k]));
    seam_tensor *want = NULL, *got = NULL, *ya = NULL, *yb = NULL;
    CU_ASSERT_EQUAL_FATAL(seam_model_run(plain, 1, &in_name, (const seam_tensor *const *)&x, 1, &names[k], &want, &err), SEAM_OK);
    CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, &names[k], &got, &err), SEAM_OK);
    expect_close(want, got);
    if (k < 2) { /* before the Relu: negative values, not the activation's */
      float lo = 0;
      for (size_t e = 0; e < seam_tensor_count(got); e++) lo = fminf(lo, ((const float *)seam_tensor_data_const(got))[e]);
      CU_ASSERT(lo < 0);
    }
    /* And a cut: from it the rest of the graph gives the outputs. */
    const seam_tensor *given = got;
    CU_ASSERT_EQUAL(seam_model_run(m, 1, &names[k], &given, 1, &out_name, &yb, &err), SEAM_OK);
    CU_ASSERT_EQUAL_FATAL(seam_model_run(plain, 1, &in_name, (const seam_tensor *const *)&x, 1, &out_name, &ya, &err), SEAM_OK);
    expect_close(ya, yb);
    /* Only the sites around it are left: the rest is still optimized. */
    CU_ASSERT(m->graph->n_nodes < plain->graph->n_nodes);
    seam_tensor_free(want);
    seam_tensor_free(got);
    seam_tensor_free(ya);
    seam_tensor_free(yb);
    seam_model_free(m);
  }
  /* Several at once, duplicates and a constant (it stays a constant). */
  const char *several[5] = {"c", "d", "c", "W", "X"};
  seam_model *m = load_keeping(b, 5, several, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT(seam_graph_find_value(m->graph, "c") >= 0 && seam_graph_find_value(m->graph, "d") >= 0);
  seam_model_free(m);
  /* A name that is no tensor of the file fails the load, naming it. */
  const char *bad[2] = {"c", "no_such_tensor"};
  CU_ASSERT_PTR_NULL(load_keeping(b, 2, bad, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'no_such_tensor'"));
  CU_ASSERT_PTR_NULL(load_keeping(b, 1, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_INVALID_ARGUMENT);
  /* With optimize = 0 the names are checked too. */
  seam_model_options o;
  seam_model_options_default(&o);
  o.optimize = 0;
  o.keep_tensors = bad;
  o.n_keep_tensors = 2;
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  CU_ASSERT_PTR_NULL(seam_model_load_memory_with(bytes, size, NULL, &o, &err));

  /* Unkept, the messages say what to name instead, and never '?'. */
  const char *gone[4] = {"c", "n", "d", "i"}, *instead[4] = {"'r'", "'r'", "'Y'", "'Y'"};
  for (int k = 0; k < 4; k++) {
    seam_tensor *y = NULL;
    CU_ASSERT_EQUAL(seam_model_run(opt, 1, &in_name, (const seam_tensor *const *)&x, 1, &gone[k], &y, &err),
                    k == 3 ? SEAM_OK : SEAM_ERR_NOT_FOUND);
    seam_tensor_free(y);
    if (k == 3) continue; /* 'i' is 'r' under another name */
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, instead[k]));
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "keep_tensors"));
    CU_ASSERT_PTR_NULL(strstr(err.message, "'?'"));
  }
  char why[SEAM_ERROR_MESSAGE_SIZE];
  for (int r = 0; r < opt->graph->n_removed; r++) {
    seam_graph_explain_removed(opt->graph, &opt->graph->removed[r], why, sizeof why);
    CU_ASSERT_PTR_NULL(strstr(why, "'?'"));
    CU_ASSERT(strstr(why, "instead") || strstr(why, "keep_tensors"));
  }
  seam_tensor_free(x);
  seam_model_free(plain);
  seam_model_free(opt);
  tb_free(b);

  /* An alias of a tensor that was removed later: the message follows both. */
  b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  const int64_t wd[4] = {4, 3, 1, 1};
  init_random(b, "W", 4, wd, 75, -1.0f, 1.0f);
  tb_node(b, "Conv", "conv", "X,W", "c");
  tb_node(b, "Identity", "id", "c", "a");
  tb_node(b, "Relu", "relu", "a", "Y");
  tb_output(b, "Y");
  opt = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
  CU_ASSERT_EQUAL(opt->graph->n_nodes, 1);
  const seam_removed_value *r = seam_graph_find_removed(opt->graph, "a");
  CU_ASSERT_PTR_NOT_NULL_FATAL(r);
  bool same = true;
  CU_ASSERT_STRING_EQUAL(seam_graph_removed_instead(opt->graph, r, &same), "Y");
  CU_ASSERT_FALSE(same);
  x = random_tensor(4, img, 76);
  const char *alias = "a";
  seam_tensor *y = NULL;
  CU_ASSERT_EQUAL(seam_model_run(opt, 1, &in_name, (const seam_tensor *const *)&x, 1, &alias, &y, &err),
                  SEAM_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'a' is 'c' under another name"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cut at 'Y' instead"));
  seam_model_free(opt);
  /* Kept, the Identity stays and 'a' is a cut. */
  seam_model *m2 = load_keeping(b, 1, &alias, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m2);
  CU_ASSERT(seam_graph_find_value(m2->graph, "a") >= 0);
  CU_ASSERT_EQUAL(seam_model_run(m2, 1, &in_name, (const seam_tensor *const *)&x, 1, &alias, &y, &err), SEAM_OK);
  seam_tensor_free(y);
  seam_model_free(m2);
  seam_tensor_free(x);
  tb_free(b);
}

static void test_keep_mask_and_hard_swish(void) {
  /* Kept Dropout mask and HardSigmoid output: their nodes stay. */
  tb_model *b = tb_new(10);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, img);
  tb_node(b, "Dropout", "drop", "X", "D,mask");
  Onnx__NodeProto *hs = tb_node(b, "HardSigmoid", "hsig", "D", "h");
  tb_attr_float(b, hs, "alpha", 1.0f / 6.0f);
  tb_node(b, "Mul", "mul", "D,h", "Y");
  tb_output(b, "Y");
  seam_error err = {0};
  seam_model *opt = load(b, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(opt);
  CU_ASSERT_EQUAL(opt->graph->n_nodes, 1);
  seam_model_free(opt);
  const char *keep[2] = {"mask", "h"};
  seam_model *m = load_keeping(b, 2, keep, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  check_graph(m->graph);
  CU_ASSERT_EQUAL(m->graph->n_nodes, 3);
  CU_ASSERT(seam_graph_find_value(m->graph, "mask") >= 0 && seam_graph_find_value(m->graph, "h") >= 0);
  seam_model_free(m);
  tb_free(b);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"Conv + BatchNormalization (+ Relu)", test_conv_bn},
      {"Conv + Clip(0, 6)", test_conv_clip},
      {"ConvTranspose (grouped) + BatchNormalization", test_conv_transpose_bn},
      {"Gemm + Relu, Gemm + BatchNormalization + Relu", test_gemm},
      {"MatMul + Add + Relu", test_matmul_add_relu},
      {"x * HardSigmoid(x) -> HardSwish", test_hard_swish_pattern},
      {"Identity and Dropout removal", test_identity_dropout},
      {"an output with two readers is not fused", test_shared_output_not_fused},
      {"a graph output is not fused", test_graph_output_not_fused},
      {"an int32 Add keeps its Relu", test_integer_add_not_fused},
      {"removed names: aliases work, cut tensors are refused", test_name_resolution},
      {"keep_tensors: kept tensors stay, as outputs and cuts; the messages", test_keep_tensors},
      {"keep_tensors: a Dropout mask, a HardSigmoid output", test_keep_mask_and_hard_swish},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("optimize", tests);
}

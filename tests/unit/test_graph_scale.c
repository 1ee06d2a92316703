/* Graphs of unusual size: long chains must load in time linear in their
 * length (name look-ups, topological sort and graph optimization), and
 * nodes with more inputs than a machine word has bits must plan and run
 * (the planner keeps a bit per input of the ops whose shape depends on
 * data). Results are checked against values computed here. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "runtime/model.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

#define CHAIN_NODES 60000
/* Loading such a chain took 23 s when every name look-up scanned all values
 * and the sort scanned all nodes per edge; linear, it takes well under a
 * second (a few under the sanitizers). The bound leaves room for a loaded
 * 2-core machine and ASan. */
#define CHAIN_LOAD_LIMIT_S 8.0

/* X → op → t1 → op → ... → Y, CHAIN_NODES nodes, listed last to first so
 * that the loader has to sort them. */
static tb_model *chain(const char *op) {
  tb_model *b = tb_new(13);
  int64_t xd[2] = {1, 4};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
  for (int i = CHAIN_NODES - 1; i >= 0; i--) {
    char in[16], out[16], name[16];
    if (i == 0) snprintf(in, sizeof in, "X");
    else snprintf(in, sizeof in, "t%d", i);
    if (i == CHAIN_NODES - 1) snprintf(out, sizeof out, "Y");
    else snprintf(out, sizeof out, "t%d", i + 1);
    snprintf(name, sizeof name, "n%d", i);
    tb_node(b, op, name, in, out);
  }
  tb_output(b, "Y");
  return b;
}

static void check_chain(const char *op, int nodes_after_load) {
  tb_model *b = chain(op);
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_model_options o;
  seam_model_options_default(&o);
  o.plan = 0; /* the plain executor: this test is about loading */
  o.num_threads = 1;
  seam_error err = {0};
  double t0 = seam_clock_s();
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
  double load_s = seam_clock_s() - t0;
  printf("\n  %d-node %s chain (%zu bytes): loaded in %.3f s (limit %.0f s)\n", CHAIN_NODES, op, size, load_s,
         CHAIN_LOAD_LIMIT_S);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT(load_s < CHAIN_LOAD_LIMIT_S);
  CU_ASSERT_EQUAL(m->graph->n_nodes, nodes_after_load);
  int64_t xd[2] = {1, 4};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, xd, NULL);
  const float xv[4] = {1.5f, -2.0f, 0.0f, 3.25f};
  memcpy(seam_tensor_data(x), xv, sizeof xv);
  seam_tensor *y = tb_run1(m, "X", x);
  CU_ASSERT_PTR_NOT_NULL_FATAL(y);
  const float *yv = seam_tensor_data_const(y);
  for (int i = 0; i < 4; i++) {
    float want = strcmp(op, "Relu") == 0 ? fmaxf(xv[i], 0.0f) : xv[i];
    CU_ASSERT_EQUAL(yv[i], want);
  }
  seam_tensor_free(x);
  seam_tensor_free(y);
  seam_model_free(m);
  tb_free(b);
}

static void test_long_relu_chain_loads_in_linear_time(void) { check_chain("Relu", CHAIN_NODES); }

/* Graph optimization drops every Identity but the one writing the graph
 * output; each dropped one used to rewire its readers by scanning all nodes. */
static void test_long_identity_chain_optimizes_in_linear_time(void) { check_chain("Identity", 1); }

#define WIDE_INPUTS 40

/* Sum and Concat of 40 computed tensors (each a Neg of one graph input),
 * planned with and without XNNPACK and run by the plain executor. */
static void test_nodes_with_40_inputs(void) {
  for (int op = 0; op < 2; op++) {
    tb_model *b = tb_new(13);
    int64_t xd[2] = {2, 3};
    char list[WIDE_INPUTS * 8] = "";
    for (int i = 0; i < WIDE_INPUTS; i++) {
      char name[16], neg[16], node[16];
      snprintf(name, sizeof name, "x%d", i);
      snprintf(neg, sizeof neg, "n%d", i);
      snprintf(node, sizeof node, "neg%d", i);
      tb_input(b, name, SEAM_DTYPE_FLOAT32, 2, xd);
      tb_node(b, "Neg", node, name, neg);
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? "," : "", neg);
    }
    Onnx__NodeProto *n = tb_node(b, op == 0 ? "Sum" : "Concat", "wide", list, "Y");
    if (op == 1) tb_attr_int(b, n, "axis", 1);
    tb_output(b, "Y");
    seam_tensor *x[WIDE_INPUTS];
    const char *names[WIDE_INPUTS];
    char name_buf[WIDE_INPUTS][16];
    for (int i = 0; i < WIDE_INPUTS; i++) {
      x[i] = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, xd, NULL);
      float *v = seam_tensor_data(x[i]);
      for (int j = 0; j < 6; j++) v[j] = (float)(i * 10 + j);
      snprintf(name_buf[i], sizeof name_buf[i], "x%d", i);
      names[i] = name_buf[i];
    }
    const tb_run_mode modes[] = {TB_MODE_FAST, TB_MODE_PLANNED_PORTABLE, TB_MODE_ORACLE};
    for (int k = 0; k < 3; k++) {
      seam_model *m = tb_load(b, modes[k], 1);
      CU_ASSERT_PTR_NOT_NULL_FATAL(m);
      seam_tensor *y = NULL;
      seam_error err = {0};
      seam_status st = seam_model_run(m, WIDE_INPUTS, names, (const seam_tensor *const *)x, 1, NULL, &y, &err);
      if (st != SEAM_OK) fprintf(stderr, "run failed: %s\n", err.message);
      CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
      const float *yv = seam_tensor_data_const(y);
      if (op == 0) { /* Sum: -(sum over i of (10 i + j)) */
        CU_ASSERT_EQUAL_FATAL(seam_tensor_count(y), 6);
        for (int j = 0; j < 6; j++) CU_ASSERT_EQUAL(yv[j], -(float)(10 * (WIDE_INPUTS - 1) * WIDE_INPUTS / 2 + WIDE_INPUTS * j));
      } else { /* Concat on axis 1: row r holds -(10 i + 3 r + c) for i, c */
        CU_ASSERT_EQUAL_FATAL(seam_tensor_count(y), 6 * WIDE_INPUTS);
        for (int r = 0; r < 2; r++)
          for (int i = 0; i < WIDE_INPUTS; i++)
            for (int c = 0; c < 3; c++)
              CU_ASSERT_EQUAL(yv[r * 3 * WIDE_INPUTS + i * 3 + c], -(float)(10 * i + 3 * r + c));
      }
      seam_tensor_free(y);
      seam_model_free(m);
    }
    for (int i = 0; i < WIDE_INPUTS; i++) seam_tensor_free(x[i]);
    tb_free(b);
  }
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"a 60000-node Relu chain loads in linear time", test_long_relu_chain_loads_in_linear_time},
      {"a 60000-node Identity chain optimizes in linear time", test_long_identity_chain_optimizes_in_linear_time},
      {"Sum and Concat of 40 computed inputs plan and run", test_nodes_with_40_inputs},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("graph scale", tests);
}

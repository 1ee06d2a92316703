/* Candidate cuts of a residual block: the frontier after each node, checked
 * by hand. X → a:Relu → A; A → b:Neg → B; (A, B) → c:Add → Y. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "partitioner/cuts.h"
#include "runtime/model.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

static const char *name_of(const seam_graph *g, const seam_cut *c, int i) { return g->values[c->values[i]].name; }

static void test_residual_frontiers(void) {
  tb_model *b = tb_new(13);
  int64_t dims[1] = {8};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, dims);
  tb_node(b, "Relu", "a", "X", "A");
  tb_node(b, "Neg", "b", "A", "B");
  tb_node(b, "Add", "c", "A,B", "Y");
  tb_output(b, "Y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model_options o;
  seam_model_options_default(&o);
  o.optimize = 0;
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
  tb_free(b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  const seam_graph *g = m->graph;
  int64_t value_bytes[8] = {0}, macs[3] = {10, 20, 30};
  for (int v = 0; v < g->n_values; v++) value_bytes[v] = 32;
  seam_cut_list cuts = {0};
  CU_ASSERT_EQUAL_FATAL(seam_cuts_enumerate(g, value_bytes, macs, &cuts, &err), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(cuts.n, 4);
  /* 0: {X}; 1: {A}; 2: {A, B} (the skip connection is still needed); 3: {Y}. */
  const int sizes[4] = {1, 1, 2, 1};
  const char *first[4] = {"X", "A", "A", "Y"};
  for (int c = 0; c < 4; c++) {
    CU_ASSERT_EQUAL(cuts.cuts[c].position, c);
    CU_ASSERT_EQUAL_FATAL(cuts.cuts[c].n_tensors, sizes[c]);
    CU_ASSERT_STRING_EQUAL(name_of(g, &cuts.cuts[c], 0), first[c]);
    CU_ASSERT_EQUAL(cuts.cuts[c].bytes, 32 * sizes[c]);
  }
  CU_ASSERT_STRING_EQUAL(name_of(g, &cuts.cuts[2], 1), "B");
  CU_ASSERT_EQUAL(cuts.cuts[2].head_macs, 30);
  CU_ASSERT_EQUAL(cuts.cuts[2].tail_macs, 30);
  seam_cut_list_free(&cuts);
  seam_model_free(m);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"residual block frontiers", test_residual_frontiers},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("cuts", tests);
}

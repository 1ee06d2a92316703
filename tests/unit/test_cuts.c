/* Candidate cuts of a residual block: the frontier after each node, checked
 * by hand. X → a:Relu → A; A → b:Neg → B; (A, B) → c:Add → Y. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "partitioner/frontier.h"
#include "partitioner/measure.h"
#include "runtime/model.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

static const char *name_of(const part_dag *d, const part_frontier *f, int i) {
  return d->tensors[f->tensors[i]].name;
}

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
  o.plan = 0;
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
  tb_free(b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  float x[8] = {1, -2, 3, -4, 5, -6, 7, -8};
  seam_tensor *in = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(in);
  memcpy(in->data, x, sizeof x);
  const char *names[1] = {"X"};
  const seam_tensor *ins[1] = {in};
  part_measure_options mo = {.n_inputs = 1, .input_names = names, .inputs = ins};
  part_dag d = {0};
  CU_ASSERT_EQUAL_FATAL(part_measure(m, &mo, &d, &err), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(d.n_nodes, 3);
  const int64_t macs[3] = {10, 20, 30};
  for (int i = 0; i < 3; i++) d.nodes[i].macs = macs[i];
  CU_ASSERT_EQUAL_FATAL(part_dag_finish(&d, &err), SEAM_OK);
  part_frontier_list cuts = {0};
  CU_ASSERT_EQUAL_FATAL(part_frontiers(&d, &cuts, &err), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(cuts.n, 4);
  /* 0: {X}; 1: {A}; 2: {A, B} (the skip connection is still needed); 3: {Y}. */
  const int sizes[4] = {1, 1, 2, 1};
  const char *first[4] = {"X", "A", "A", "Y"};
  for (int c = 0; c < 4; c++) {
    const part_frontier *f = &cuts.frontiers[c];
    CU_ASSERT_EQUAL(f->position, c);
    CU_ASSERT_EQUAL_FATAL(f->n_tensors, sizes[c]);
    CU_ASSERT_STRING_EQUAL(name_of(&d, f, 0), first[c]);
    CU_ASSERT_EQUAL(f->bytes, 32 * sizes[c]);
    CU_ASSERT_EQUAL(f->wire_bytes, 32 * sizes[c]); /* no codec: as computed */
  }
  CU_ASSERT_STRING_EQUAL(name_of(&d, &cuts.frontiers[2], 1), "B");
  CU_ASSERT_EQUAL(cuts.frontiers[2].head_macs, 30);
  CU_ASSERT_EQUAL(cuts.frontiers[2].tail_macs, 30);
  part_frontier_list_free(&cuts);
  part_dag_free(&d);
  seam_tensor_free(in);
  seam_model_free(m);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"residual block frontiers", test_residual_frontiers},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("cuts", tests);
}

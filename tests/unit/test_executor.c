/* The executor runs exactly the nodes between the given and wanted tensors:
 * the property the device/server split is built on. */
#include <CUnit/CUnit.h>
#include <string.h>

#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

static const int64_t dims[1] = {4};
static const float x_values[4] = {-2.0f, -0.5f, 1.0f, 3.0f};

/* Every test runs twice: through the plain executor and through run plans. */
static int use_plans;

/* A = Relu(X); B = Neg(A); C = Add(X, B)  (so C = min(X, 0)). */
static seam_model *chain_model(void) {
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, dims);
  tb_node(b, "Relu", "relu", "X", "A");
  tb_node(b, "Neg", "neg", "A", "B");
  tb_node(b, "Add", "add", "X,B", "C");
  tb_output(b, "C");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model_options options;
  seam_model_options_default(&options);
  options.plan = use_plans;
  seam_model *m = seam_model_load_memory_with(bytes, size, NULL, &options, &err);
  tb_free(b);
  return m;
}

static seam_tensor *vector(const float *values) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, NULL);
  memcpy(seam_tensor_data(t), values, sizeof(float) * 4);
  return t;
}

static void test_full_run(void) {
  seam_model *m = chain_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = vector(x_values), *c = NULL;
  const char *in = "X";
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 1, &in, (const seam_tensor *const *)&x, 1, NULL, &c, &err), SEAM_OK);
  const float *cd = seam_tensor_data(c);
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(cd[i], x_values[i] < 0 ? x_values[i] : 0.0f);
  seam_tensor_free(x);
  seam_tensor_free(c);
  seam_model_free(m);
}

static void test_tail_from_a_cut(void) {
  seam_model *m = chain_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  /* A given directly (not Relu(X)): proves the head was not re-run. */
  const float a_values[4] = {10.0f, 20.0f, 30.0f, 40.0f};
  seam_tensor *given[2] = {vector(a_values), vector(x_values)}, *c = NULL;
  const char *names[2] = {"A", "X"};
  const char *want = "C";
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 2, names, (const seam_tensor *const *)given, 1, &want, &c, &err), SEAM_OK);
  const float *cd = seam_tensor_data(c);
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(cd[i], x_values[i] - a_values[i]);
  seam_tensor_free(c);
  /* Without X the tail cannot run: the error names the missing tensor. */
  CU_ASSERT_EQUAL(seam_model_run(m, 1, names, (const seam_tensor *const *)given, 1, &want, &c, &err),
                  SEAM_ERR_NOT_FOUND);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'X'"));
  CU_ASSERT_PTR_NULL(c);
  seam_tensor_free(given[0]);
  seam_tensor_free(given[1]);
  seam_model_free(m);
}

static void test_head_to_intermediates(void) {
  seam_model *m = chain_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = vector(x_values), *out[3] = {0};
  const char *in = "X";
  const char *wanted[3] = {"B", "A", "B"}; /* the same tensor twice is two copies */
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 1, &in, (const seam_tensor *const *)&x, 3, wanted, out, &err), SEAM_OK);
  const float *a = seam_tensor_data(out[1]), *b0 = seam_tensor_data(out[0]), *b2 = seam_tensor_data(out[2]);
  CU_ASSERT_PTR_NOT_EQUAL(out[0], out[2]);
  for (int i = 0; i < 4; i++) {
    float relu = x_values[i] > 0 ? x_values[i] : 0.0f;
    CU_ASSERT_EQUAL(a[i], relu);
    CU_ASSERT_EQUAL(b0[i], -relu);
    CU_ASSERT_EQUAL(b2[i], -relu);
  }
  for (int i = 0; i < 3; i++) seam_tensor_free(out[i]);
  /* A given tensor can also be wanted; it comes back as a copy. */
  seam_tensor *copy = NULL;
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &in, (const seam_tensor *const *)&x, 1, &in, &copy, &err), SEAM_OK);
  CU_ASSERT_PTR_NOT_EQUAL(copy, x);
  CU_ASSERT_EQUAL(memcmp(seam_tensor_data(copy), x_values, sizeof x_values), 0);
  seam_tensor_free(copy);
  /* Unknown names are refused. */
  const char *bogus = "nope";
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &in, (const seam_tensor *const *)&x, 1, &bogus, &copy, &err),
                  SEAM_ERR_NOT_FOUND);
  seam_tensor_free(x);
  seam_model_free(m);
}

static int with_executor(void) {
  use_plans = 0;
  return 0;
}

static int with_plans(void) {
  use_plans = 1;
  return 0;
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"full run", test_full_run},
      {"tail from a cut", test_tail_from_a_cut},
      {"head to intermediates", test_head_to_intermediates},
      CU_TEST_INFO_NULL,
  };
  CU_pSuite plain = CU_add_suite("executor", with_executor, NULL);
  CU_pSuite planned = CU_add_suite("run plans", with_plans, NULL);
  for (int i = 0; tests[i].pName; i++) {
    CU_add_test(plain, tests[i].pName, tests[i].pTestFunc);
    CU_add_test(planned, tests[i].pName, tests[i].pTestFunc);
  }
}

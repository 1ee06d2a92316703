/* Sizes that bad input claims are checked before memory is asked for them
 * (inputs the fuzzers of tests/fuzz found): a .npy header whose shape the
 * data does not hold, an empty tensor whose other dims overflow, and
 * constant folding that would make a tiny model allocate without bound. */
#include <CUnit/CUnit.h>
#include <stdint.h>
#include <string.h>

#include "protocol/codec.h"
#include "runtime/model.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

/* A version 1.0 .npy file with the given header dict (without its newline)
 * and no data, padded as NumPy pads so that the data would start on a
 * 16-byte boundary. */
static size_t npy_header_only(const char *dict, unsigned char *out, size_t cap) {
  size_t len = strlen(dict), total = (10 + len + 1 + 15) / 16 * 16;
  CU_ASSERT_FATAL(total <= cap);
  memcpy(out, "\x93NUMPY\x01\x00", 8);
  size_t header = total - 10;
  out[8] = (unsigned char)(header & 0xff);
  out[9] = (unsigned char)(header >> 8);
  memcpy(out + 10, dict, len);
  memset(out + 10 + len, ' ', header - len - 1);
  out[total - 1] = '\n';
  return total;
}

/* tests/fuzz/regressions/npy/huge-shape-no-data.npy: 10^15 elements
 * declared, none present. The reader must say the data is missing (it used
 * to allocate for the shape first and fail with "out of memory"). */
static void test_npy_shape_beyond_data(void) {
  unsigned char file[256];
  size_t n = npy_header_only("{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000000,), }",
                             file, sizeof file);
  seam_error err = {0};
  seam_tensor *t = seam_tensor_load_npy_memory(file, n, &err);
  CU_ASSERT_PTR_NULL(t);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "data has 0 bytes"));
  seam_tensor_free(t);
}

/* A shape that overflows int64 even though one dim is 0 is refused. */
static void test_npy_overflowing_shape(void) {
  unsigned char file[256];
  size_t n = npy_header_only(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", file,
      sizeof file);
  seam_error err = {0};
  CU_ASSERT_PTR_NULL(seam_tensor_load_npy_memory(file, n, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_SHAPE);
}

/* tests/fuzz/regressions/codec/empty-overflowing-strides: dims
 * [0, 5, INT64_MAX] count 0 elements, but their row-major strides overflow
 * int64 (undefined behaviour while the shape was set). */
static void test_empty_tensor_overflowing_strides(void) {
  const int64_t dims[3] = {0, 5, INT64_MAX};
  seam_error err = {0};
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 3, dims, &err);
  CU_ASSERT_PTR_NULL(t);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_SHAPE);
  seam_tensor_free(t);

  /* The same dims in a wire message: refused by the codec. */
  Seam__V1__Tensor msg = SEAM__V1__TENSOR__INIT;
  int64_t wire_dims[3] = {0, 5, INT64_MAX};
  msg.name = "x";
  msg.dtype = SEAM__V1__DTYPE__DTYPE_FLOAT32;
  msg.n_dims = 3;
  msg.dims = wire_dims;
  memset(&err, 0, sizeof err);
  t = seam_codec_decode(&msg, 1 << 20, NULL, &err);
  CU_ASSERT_PTR_NULL(t);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_SHAPE);
  seam_tensor_free(t);

  /* Empty tensors with ordinary dims still work. */
  const int64_t ok_dims[3] = {0, 5, 7};
  t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 3, ok_dims, &err);
  CU_ASSERT_PTR_NOT_NULL(t);
  if (t) CU_ASSERT_EQUAL(seam_tensor_count(t), 0);
  seam_tensor_free(t);
}

/* A model whose only node is ConstantOfShape(shape) with shape a constant:
 * the loader folds it unless the result is too large for its budget. */
static seam_model *constant_of_shape_model(int64_t rows, int64_t cols) {
  tb_model *b = tb_new(13);
  const int64_t shape_dims[1] = {2}, shape[2] = {rows, cols};
  tb_init_i64(b, "shape", 1, shape_dims, shape);
  tb_node(b, "ConstantOfShape", "fill", "shape", "y");
  tb_output(b, "y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory(bytes, size, NULL, &err);
  CU_ASSERT_PTR_NOT_NULL(m);
  if (!m) fprintf(stderr, "load: %s\n", err.message);
  tb_free(b);
  return m;
}

/* tests/fuzz/regressions/model_load/constant-of-shape-*: a model of a few
 * dozen bytes made the loader materialize a constant of any size it named
 * (48 TB in the fuzzer's input). Folding now stops at a budget tied to the
 * model's own constants; the node then runs when the model runs. */
static void test_fold_budget(void) {
  seam_model *small = constant_of_shape_model(2, 3);
  if (small) CU_ASSERT_EQUAL(small->graph->n_nodes, 0); /* folded */
  seam_model_free(small);
  /* 4096 x 8192 float32 = 128 MiB from 16 bytes of constants: not folded. */
  seam_model *big = constant_of_shape_model(4096, 8192);
  if (big) CU_ASSERT_EQUAL(big->graph->n_nodes, 1);
  seam_model_free(big);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"npy: a shape beyond the data is a parse error", test_npy_shape_beyond_data},
      {"npy: an overflowing shape is refused", test_npy_overflowing_shape},
      {"empty tensor with overflowing strides refused", test_empty_tensor_overflowing_strides},
      {"constant folding stays within its budget", test_fold_budget},
      {NULL, NULL}};
  SEAM_ADD_SUITE("size limits", tests);
}

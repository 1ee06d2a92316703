/* Tensors and NumPy .npy files. The byte layout checked here is NumPy's
 * documented format (magic, version 1.0, little-endian header length, dict). */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "seam/seam.h"
#include "tests/unit/unit.h"

static char tmp_path[64];

static void write_bytes(const char *path, const void *bytes, size_t n) {
  FILE *f = fopen(path, "wb");
  CU_ASSERT_PTR_NOT_NULL_FATAL(f);
  fwrite(bytes, 1, n, f);
  fclose(f);
}

static void test_roundtrip_dtypes(void) {
  const seam_dtype dtypes[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT64, SEAM_DTYPE_INT8,
                               SEAM_DTYPE_UINT8, SEAM_DTYPE_BOOL, SEAM_DTYPE_INT32};
  const int64_t dims[3] = {2, 1, 3};
  for (size_t k = 0; k < sizeof dtypes / sizeof dtypes[0]; k++) {
    seam_error err = {0};
    seam_tensor *t = seam_tensor_create(dtypes[k], 3, dims, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    unsigned char *d = seam_tensor_data(t);
    for (size_t i = 0; i < seam_tensor_nbytes(t); i++) d[i] = (unsigned char)(dtypes[k] == SEAM_DTYPE_BOOL ? i % 2 : i * 7 + 1);
    CU_ASSERT_EQUAL_FATAL(seam_tensor_save_npy(t, tmp_path, &err), SEAM_OK);
    seam_tensor *back = seam_tensor_load_npy(tmp_path, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_EQUAL(seam_tensor_dtype(back), dtypes[k]);
    CU_ASSERT_EQUAL(seam_tensor_rank(back), 3);
    CU_ASSERT_EQUAL(memcmp(seam_tensor_dims(back), dims, sizeof dims), 0);
    CU_ASSERT_EQUAL(memcmp(seam_tensor_data(back), d, seam_tensor_nbytes(t)), 0);
    seam_tensor_free(t);
    seam_tensor_free(back);
  }
}

static void test_scalar_and_header_alignment(void) {
  seam_error err = {0};
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 0, NULL, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  *(float *)seam_tensor_data(t) = 2.5f;
  CU_ASSERT_EQUAL(seam_tensor_count(t), 1);
  CU_ASSERT_EQUAL_FATAL(seam_tensor_save_npy(t, tmp_path, &err), SEAM_OK);
  FILE *f = fopen(tmp_path, "rb");
  unsigned char head[10];
  CU_ASSERT_EQUAL_FATAL(fread(head, 1, 10, f), 10);
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fclose(f);
  CU_ASSERT_EQUAL(memcmp(head, "\x93NUMPY\x01\x00", 8), 0);
  size_t header_len = head[8] | (size_t)head[9] << 8;
  CU_ASSERT_EQUAL((10 + header_len) % 64, 0); /* NumPy aligns data to 64 bytes */
  CU_ASSERT_EQUAL((size_t)size, 10 + header_len + 4);
  seam_tensor *back = seam_tensor_load_npy(tmp_path, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(back);
  CU_ASSERT_EQUAL(seam_tensor_rank(back), 0);
  CU_ASSERT_EQUAL(*(float *)seam_tensor_data(back), 2.5f);
  seam_tensor_free(t);
  seam_tensor_free(back);
}

/* A file as NumPy writes it by hand: '<i8' shape (3,) → [1, -2, 300]. */
static void test_reads_numpy_layout(void) {
  const char header[] = "{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }";
  unsigned char buf[128 + 24];
  size_t hlen = 118; /* 10 + 118 = 128 */
  memset(buf, ' ', sizeof buf);
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)hlen;
  buf[9] = 0;
  memcpy(buf + 10, header, strlen(header));
  buf[127] = '\n';
  int64_t values[3] = {1, -2, 300};
  memcpy(buf + 128, values, sizeof values);
  write_bytes(tmp_path, buf, sizeof buf);
  seam_error err = {0};
  seam_tensor *t = seam_tensor_load_npy(tmp_path, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL(seam_tensor_dtype(t), SEAM_DTYPE_INT64);
  CU_ASSERT_EQUAL(seam_tensor_count(t), 3);
  CU_ASSERT_EQUAL(memcmp(seam_tensor_data(t), values, sizeof values), 0);
  seam_tensor_free(t);

  /* Truncated data, bad magic, Fortran order and unknown dtypes are refused. */
  write_bytes(tmp_path, buf, sizeof buf - 1);
  CU_ASSERT_PTR_NULL(seam_tensor_load_npy(tmp_path, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  write_bytes(tmp_path, "NOTNUMPY..", 10);
  CU_ASSERT_PTR_NULL(seam_tensor_load_npy(tmp_path, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  memcpy(buf + 10 + 34, "True, ", 6); /* False, → True,  */
  write_bytes(tmp_path, buf, sizeof buf);
  CU_ASSERT_PTR_NULL(seam_tensor_load_npy(tmp_path, &err));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "Fortran"));
  memcpy(buf + 10, "{'descr': '<c8'", 15);
  write_bytes(tmp_path, buf, sizeof buf);
  CU_ASSERT_PTR_NULL(seam_tensor_load_npy(tmp_path, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_UNSUPPORTED);
}

static void test_bad_shapes_refused(void) {
  seam_error err = {0};
  int64_t negative[2] = {2, -1};
  CU_ASSERT_PTR_NULL(seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, negative, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_SHAPE);
  int64_t huge[3] = {INT64_MAX / 2, 4, 4};
  CU_ASSERT_PTR_NULL(seam_tensor_create(SEAM_DTYPE_FLOAT32, 3, huge, &err));
  CU_ASSERT_PTR_NULL(seam_tensor_create((seam_dtype)99, 0, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_UNSUPPORTED);
}

static int setup(void) {
  snprintf(tmp_path, sizeof tmp_path, "/tmp/seam-npy-%d.npy", (int)getpid());
  return 0;
}

static int teardown(void) {
  unlink(tmp_path);
  return 0;
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"roundtrip dtypes", test_roundtrip_dtypes},
      {"scalar and header alignment", test_scalar_and_header_alignment},
      {"reads numpy layout", test_reads_numpy_layout},
      {"bad shapes refused", test_bad_shapes_refused},
      CU_TEST_INFO_NULL,
  };
  CU_pSuite s = CU_add_suite("tensor and npy", setup, teardown);
  for (int i = 0; tests[i].pName; i++) CU_add_test(s, tests[i].pName, tests[i].pTestFunc);
}

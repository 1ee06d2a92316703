/* Tensors and NumPy .npy files. The byte layout checked here is NumPy's
 * documented format (magic, version 1.0, little-endian header length, dict). */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/* Writes a .npy file: magic, version major.minor, the header text padded
 * with spaces (to a multiple of align bytes with the prefix; 0: no padding),
 * a final newline when newline is set, then data_bytes zero bytes. */
static void write_npy(int major, int minor, const char *text, int align, int newline, size_t data_bytes) {
  size_t prefix = major == 1 ? 10 : 12, len = strlen(text);
  size_t total = prefix + len + (newline ? 1 : 0);
  size_t pad = align ? (align - total % align) % align : 0;
  size_t header_len = len + pad + (newline ? 1 : 0), size = prefix + header_len + data_bytes;
  unsigned char *buf = calloc(1, size + 1);
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (unsigned char)major;
  buf[7] = (unsigned char)minor;
  for (size_t i = 0; i < prefix - 8; i++) buf[8 + i] = (unsigned char)(header_len >> (8 * i));
  memcpy(buf + prefix, text, len);
  memset(buf + prefix + len, ' ', pad);
  if (newline) buf[prefix + len + pad] = '\n';
  write_bytes(tmp_path, buf, size);
  free(buf);
}

#define GOOD "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"

/* What NumPy 1.24's np.load accepts (checked with Debian's python3-numpy,
 * see tests/models/test_cli_tools.py) loads; what it refuses, and the
 * specification's rules NumPy does not enforce, are refused with a message
 * naming the file. */
static void test_header_follows_the_format(void) {
  static const struct {
    int major, minor;
    const char *text;
    int align, newline;
    size_t data;
    bool ok;
    const char *what;
  } cases[] = {
      {1, 0, GOOD, 64, 1, 12, true, "version 1.0"},
      {2, 0, GOOD, 64, 1, 12, true, "version 2.0"},
      {3, 0, GOOD, 64, 1, 12, true, "version 3.0"},
      {1, 0, GOOD, 16, 1, 12, true, "16-byte alignment (NumPy before 1.20)"},
      {1, 0, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3,)}", 64, 1, 12, true, "double quotes"},
      {1, 0, "{'shape':(3,),'descr':'<f4','fortran_order':False}", 64, 1, 12, true, "other key order, no spaces"},
      {1, 0, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (3,)}", 64, 1, 12, true,
       "a repeated key"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 64, 1, 4, true, "a scalar"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': ( 0 , 5 ), }", 64, 1, 0, true, "empty"},
      {1, 1, GOOD, 64, 1, 12, false, "version 1.1"},
      {4, 0, GOOD, 64, 1, 12, false, "version 4.0"},
      {0, 0, GOOD, 64, 1, 12, false, "version 0.0"},
      {1, 0, "{'descr': '<f4', 'shape': (3,), }", 64, 1, 12, false, "no fortran_order"},
      {1, 0, "{'fortran_order': False, 'shape': (3,), }", 64, 1, 12, false, "no descr"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, }", 64, 1, 12, false, "no shape"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}", 64, 1, 12, false, "an extra key"},
      {1, 0, "['<f4', False, (3,)]", 64, 1, 12, false, "a list"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': [3], }", 64, 1, 12, false, "shape as a list"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", 64, 1, 12, false, "shape (3) is an int"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': 3, }", 64, 1, 12, false, "shape an int"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3.0,), }", 64, 1, 12, false, "a float dim"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (True,), }", 64, 1, 4, false, "a bool dim"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': ((3,),), }", 64, 1, 12, false, "a nested tuple"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", 64, 1, 12, false, "a negative dim"},
      {1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 64, 1, 12, false,
       "a dim over int64"},
      {1, 0, "{'descr': '<f4', 'fortran_order': 'False', 'shape': (3,), }", 64, 1, 12, false, "fortran_order a string"},
      {1, 0, "{'descr': '<f4', 'fortran_order': 0, 'shape': (3,), }", 64, 1, 12, false, "fortran_order an int"},
      {1, 0, "{'descr': 4, 'fortran_order': False, 'shape': (3,), }", 64, 1, 12, false, "descr an int"},
      {1, 0, GOOD " xyz", 64, 1, 12, false, "text after the dict"},
      {1, 0, "{'descr': '<f4' 'fortran_order': False, 'shape': (3,)}", 64, 1, 12, false, "a missing comma"},
      {1, 0, GOOD, 0, 1, 12, false, "data not on a 16-byte boundary"},
      {1, 0, GOOD, 64, 0, 12, false, "no newline at the end"},
      {1, 0, GOOD, 64, 1, 11, false, "data one byte short"},
      {1, 0, GOOD, 64, 1, 13, false, "data one byte long"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_npy(cases[i].major, cases[i].minor, cases[i].text, cases[i].align, cases[i].newline, cases[i].data);
    seam_error err = {0};
    seam_tensor *t = seam_tensor_load_npy(tmp_path, &err);
    if ((t != NULL) != cases[i].ok)
      fprintf(stderr, "\n  %s: %s (%s)\n", cases[i].what, t ? "accepted" : "refused", t ? "" : err.message);
    CU_ASSERT_EQUAL(t != NULL, cases[i].ok);
    if (!t) {
      CU_ASSERT_PTR_NOT_NULL(strstr(err.message, tmp_path));
      CU_ASSERT(err.status == SEAM_ERR_PARSE || err.status == SEAM_ERR_UNSUPPORTED);
    }
    seam_tensor_free(t);
  }
}

/* A header may announce any shape; the file's size is checked before any
 * memory is asked for it, with overflow-safe arithmetic. */
static void test_size_checked_before_allocation(void) {
  static const char *const shapes[] = {
      "{'descr': '<f4', 'fortran_order': False, 'shape': (68719476736,), }",      /* 256 GiB */
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", /* 2^64 elements */
      "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 2), }", /* 2^63 elements */
      "{'descr': '<u8', 'fortran_order': False, 'shape': (2305843009213693952,), }",   /* 2^64 bytes */
  };
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
    write_npy(1, 0, shapes[i], 64, 1, 12);
    seam_error err = {0};
    CU_ASSERT_PTR_NULL(seam_tensor_load_npy(tmp_path, &err));
    /* Not NO_MEMORY: nothing was allocated. Too many elements is a shape
     * error, a size that the file does not hold a parse error. */
    bool refused = err.status == SEAM_ERR_PARSE || err.status == SEAM_ERR_SHAPE;
    if (!refused) fprintf(stderr, "\n  %s: %s\n", shapes[i], err.message);
    CU_ASSERT(refused);
  }
}

/* A FIFO named as a .npy file is refused at once instead of blocking until
 * a writer appears. The load runs in a child that an alarm ends, so a hang
 * fails the test instead of stalling it. */
static void test_fifo_refused_without_blocking(void) {
  char fifo[80];
  snprintf(fifo, sizeof fifo, "%s.fifo", tmp_path);
  unlink(fifo);
  CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
  fflush(NULL);
  pid_t pid = fork();
  CU_ASSERT_FATAL(pid >= 0);
  if (pid == 0) {
    alarm(10);
    seam_error err = {0};
    seam_tensor *t = seam_tensor_load_npy(fifo, &err);
    _exit(!t && err.status == SEAM_ERR_IO && strstr(err.message, "FIFO") ? 0 : 1);
  }
  int status = 0;
  CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
  if (!WIFEXITED(status)) fprintf(stderr, "\n  loading a FIFO did not return within 10 s\n");
  CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  unlink(fifo);
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
      {"the header follows the format", test_header_follows_the_format},
      {"the size is checked before allocating", test_size_checked_before_allocation},
      {"a FIFO is refused without blocking", test_fifo_refused_without_blocking},
      CU_TEST_INFO_NULL,
  };
  CU_pSuite s = CU_add_suite("tensor and npy", setup, teardown);
  for (int i = 0; tests[i].pName; i++) CU_add_test(s, tests[i].pName, tests[i].pTestFunc);
}

/* Loading models: storage forms of initializers, symbolic dims, and clear
 * refusals for corrupt files and unsupported operators. */
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/model.h"
#include "runtime/tensor.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

static const float weights[6] = {1.5f, -2.0f, 3.25f, 0.0f, -0.5f, 7.0f};
static const int64_t w_dims[2] = {2, 3};

/* A model whose output is X + W, W stored as given. */
static tb_model *add_model(tb_storage storage, const char *dir) {
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, w_dims);
  tb_init_f32(b, "W", 2, w_dims, weights, storage, dir);
  tb_node(b, "Add", "add", "X,W", "Y");
  tb_output(b, "Y");
  return b;
}

static seam_model *load_add_model(tb_storage storage, const char *dir, seam_error *err) {
  tb_model *b = add_model(storage, dir);
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_model *m = seam_model_load_memory(bytes, size, dir, err);
  tb_free(b);
  return m;
}

static void check_add_model(seam_model *m) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, w_dims, NULL);
  float *xd = seam_tensor_data(x);
  for (int i = 0; i < 6; i++) xd[i] = (float)i;
  const char *in_name = "X";
  seam_tensor *y = NULL;
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(seam_model_run(m, 1, &in_name, (const seam_tensor *const *)&x, 1, NULL, &y, &err), SEAM_OK);
  const float *yd = seam_tensor_data(y);
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(yd[i], (float)i + weights[i]);
  seam_tensor_free(x);
  seam_tensor_free(y);
}

static void test_raw_and_typed_initializers(void) {
  seam_error err = {0};
  seam_model *m = load_add_model(TB_RAW, NULL, &err);
  check_add_model(m);
  seam_model_free(m);
  m = load_add_model(TB_TYPED, NULL, &err);
  check_add_model(m);
  seam_model_free(m);
}

static void test_external_data(void) {
  char dir[] = "/tmp/seam-test-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  seam_error err = {0};
  seam_model *m = load_add_model(TB_EXTERNAL, dir, &err);
  check_add_model(m);
  seam_model_free(m);
  /* A truncated external file is refused, not read past its end. */
  char path[1100];
  snprintf(path, sizeof path, "%s/W.bin", dir);
  tb_model *b = add_model(TB_EXTERNAL, dir);
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  CU_ASSERT_EQUAL(truncate(path, 10), 0);
  m = seam_model_load_memory(bytes, size, dir, &err);
  tb_free(b);
  CU_ASSERT_PTR_NULL(m);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "W"));
  unlink(path);
  rmdir(dir);
}

/* Runs load in a child process that an alarm ends after 10 s, so that a
 * loader that blocks fails the test instead of stalling it; true when the
 * load returned NULL with status want and a message containing every word. */
static bool refused_in_child(seam_model *(*load)(const void *arg, seam_error *err), const void *arg,
                             seam_status want, const char *word1, const char *word2) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid == 0) {
    alarm(10);
    seam_error e = {0};
    seam_model *m = load(arg, &e);
    if (!m && e.status == want && strstr(e.message, word1) && strstr(e.message, word2)) _exit(0);
    fprintf(stderr, "\n  %s (status %d): %s\n", m ? "loaded" : "refused", (int)e.status, e.message);
    _exit(1);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return false;
  if (!WIFEXITED(status)) fprintf(stderr, "\n  the load did not return within 10 s\n");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

typedef struct load_args {
  const void *bytes;
  size_t size;
  const char *dir;
} load_args;

static seam_model *load_bytes(const void *arg, seam_error *err) {
  const load_args *a = arg;
  return seam_model_load_memory(a->bytes, a->size, a->dir, err);
}

static seam_model *load_path(const void *arg, seam_error *err) { return seam_model_load(arg, err); }

/* External data is read only from regular files inside the model's folder,
 * wherever symlinks point: a link to a file outside is refused (the check
 * was on the name only, and read /etc/passwd that way), a FIFO is refused at
 * once (it blocked the loader forever), a link inside the folder is fine. */
static void test_external_data_stays_in_the_folder(void) {
  char dir[] = "/tmp/seam-test-XXXXXX", outside[] = "/tmp/seam-outside-XXXXXX";
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
  CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(outside));
  char link[1100], secret[1100], inside[1100];
  snprintf(link, sizeof link, "%s/W.bin", dir);
  snprintf(secret, sizeof secret, "%s/W.bin", outside);
  snprintf(inside, sizeof inside, "%s/real.bin", dir);
  /* The model names "W.bin"; building it writes the right bytes to outside/W.bin. */
  tb_model *b = add_model(TB_EXTERNAL, outside);
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  load_args args = {bytes, size, dir};
  seam_error err = {0};

  CU_ASSERT_EQUAL_FATAL(symlink(secret, link), 0); /* dir/W.bin -> outside/W.bin */
  seam_model *m = seam_model_load_memory(bytes, size, dir, &err);
  CU_ASSERT_PTR_NULL(m);
  seam_model_free(m);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "outside the model folder"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "W.bin"));

  CU_ASSERT_EQUAL(unlink(link), 0); /* dir/W.bin -> dir/real.bin */
  CU_ASSERT_EQUAL_FATAL(rename(secret, inside), 0);
  CU_ASSERT_EQUAL_FATAL(symlink("real.bin", link), 0);
  m = seam_model_load_memory(bytes, size, dir, &err);
  check_add_model(m);
  seam_model_free(m);

  CU_ASSERT_EQUAL(unlink(link), 0); /* dir/W.bin is a FIFO */
  CU_ASSERT_EQUAL_FATAL(mkfifo(link, 0600), 0);
  CU_ASSERT(refused_in_child(load_bytes, &args, SEAM_ERR_IO, "FIFO", "W.bin"));
  CU_ASSERT(refused_in_child(load_path, link, SEAM_ERR_IO, "FIFO", "W.bin")); /* and as the model file */

  tb_free(b);
  unlink(link);
  unlink(inside);
  rmdir(dir);
  rmdir(outside);
}

/* An attribute of the wrong type used to read as absent (its default):
 * strides given as FLOAT ran the Conv with stride 1. */
static void test_wrongly_typed_attributes_refused(void) {
  static const struct {
    const char *op, *attr, *expected;
    int type; /* 1 FLOAT, 2 INT, 7 INTS */
  } cases[] = {
      {"Conv", "strides", "INTS", 1}, {"Conv", "group", "INT", 1},        {"MaxPool", "kernel_shape", "INTS", 2},
      {"Gemm", "transB", "INT", 1},   {"LeakyRelu", "alpha", "FLOAT", 2}, {"Transpose", "perm", "INTS", 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    tb_model *b = tb_new(13);
    int64_t xd[4] = {1, 2, 4, 4}, wd[4] = {2, 2, 1, 1};
    tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
    tb_init_random(b, "W", 4, wd, 1, -1.0f, 1.0f);
    const char *inputs = strcmp(cases[i].op, "Conv") == 0 ? "X,W" : "X";
    Onnx__NodeProto *n = tb_node(b, cases[i].op, "the_node", inputs, "Y");
    if (strcmp(cases[i].op, "MaxPool") != 0) tb_attr_ints(b, n, "kernel_shape", 2, (int64_t[]){1, 1});
    if (cases[i].type == 1) tb_attr_float(b, n, cases[i].attr, 2.0f);
    else if (cases[i].type == 2) tb_attr_int(b, n, cases[i].attr, 2);
    tb_output(b, "Y");
    size_t size;
    const void *bytes = tb_bytes(b, &size);
    seam_error err = {0};
    seam_model *m = seam_model_load_memory(bytes, size, NULL, &err);
    CU_ASSERT_PTR_NULL(m);
    seam_model_free(m);
    CU_ASSERT_EQUAL(err.status, SEAM_ERR_INVALID_ARGUMENT);
    char want[160];
    snprintf(want, sizeof want, "node 'the_node' (%s): attribute '%s' is %s, expected %s", cases[i].op, cases[i].attr,
             cases[i].type == 1 ? "FLOAT" : "INT", cases[i].expected);
    if (!strstr(err.message, want)) fprintf(stderr, "\n  want \"%s\", got \"%s\"\n", want, err.message);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, want));
    tb_free(b);
  }
}

static void test_corrupt_and_truncated_files(void) {
  seam_error err = {0};
  const char garbage[] = "this is not a protobuf \xff\xff\xff\xff\xff";
  CU_ASSERT_PTR_NULL(seam_model_load_memory(garbage, sizeof garbage, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);

  tb_model *b = add_model(TB_RAW, NULL);
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  /* Every truncation is refused cleanly (or, when it cuts only trailing
   * fields, yields a model that still loads) — never a crash. */
  for (size_t cut = 0; cut < size; cut++) {
    seam_model *m = seam_model_load_memory(bytes, cut, NULL, &err);
    if (m) seam_model_free(m);
    else CU_ASSERT_NOT_EQUAL(err.status, SEAM_OK);
  }
  tb_free(b);

  CU_ASSERT_PTR_NULL(seam_model_load("/nonexistent/model.onnx", &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_IO);
}

static void test_unsupported_operator_is_named(void) {
  tb_model *b = tb_new(13);
  int64_t dims[1] = {4};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, dims);
  tb_node(b, "Relu", "first", "X", "A");
  tb_node(b, "FancyAttention", "attn_7", "A", "Y");
  tb_output(b, "Y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  CU_ASSERT_PTR_NULL(seam_model_load_memory(bytes, size, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "FancyAttention"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "attn_7"));
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "opset 13"));
  tb_free(b);
}

static void test_dangling_input_and_cycle(void) {
  int64_t dims[1] = {4};
  seam_error err = {0};
  size_t size;
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, dims);
  tb_node(b, "Add", "add", "X,nowhere", "Y");
  tb_output(b, "Y");
  const void *bytes = tb_bytes(b, &size);
  CU_ASSERT_PTR_NULL(seam_model_load_memory(bytes, size, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "nowhere"));
  tb_free(b);

  b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 1, dims);
  tb_node(b, "Add", "a", "X,C", "B");
  tb_node(b, "Relu", "b", "B", "C");
  tb_output(b, "C");
  bytes = tb_bytes(b, &size);
  CU_ASSERT_PTR_NULL(seam_model_load_memory(bytes, size, NULL, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_PARSE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "cycle"));
  tb_free(b);
}

static void test_symbolic_dims_and_input_checks(void) {
  int64_t dims[2] = {-1, 3};
  tb_model *b = tb_new(13);
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, dims);
  tb_node(b, "Relu", "relu", "X", "Y");
  tb_output(b, "Y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory(bytes, size, NULL, &err);
  tb_free(b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_value_info info;
  CU_ASSERT_EQUAL(seam_model_input_info(m, 0, &info), SEAM_OK);
  CU_ASSERT_EQUAL(info.rank, 2);
  CU_ASSERT_EQUAL(info.dims[0], -1);
  CU_ASSERT_STRING_EQUAL(info.dim_names[0], "d0");
  const char *name = "X";
  for (int64_t n = 1; n <= 5; n += 4) {
    int64_t x_dims[2] = {n, 3};
    seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, x_dims, NULL), *y = NULL;
    CU_ASSERT_EQUAL(seam_model_run(m, 1, &name, (const seam_tensor *const *)&x, 1, NULL, &y, &err), SEAM_OK);
    CU_ASSERT_EQUAL(seam_tensor_dims(y)[0], n);
    seam_tensor_free(x);
    seam_tensor_free(y);
  }
  /* Wrong fixed dim and wrong dtype are refused with SEAM_ERR_SHAPE. */
  int64_t bad_dims[2] = {2, 4};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, bad_dims, NULL), *y = NULL;
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &name, (const seam_tensor *const *)&x, 1, NULL, &y, &err), SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NULL(y);
  seam_tensor_free(x);
  int64_t ok_dims[2] = {2, 3};
  x = seam_tensor_create(SEAM_DTYPE_INT64, 2, ok_dims, NULL);
  CU_ASSERT_EQUAL(seam_model_run(m, 1, &name, (const seam_tensor *const *)&x, 1, NULL, &y, &err), SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "float32"));
  seam_tensor_free(x);
  seam_model_free(m);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"raw and typed initializers", test_raw_and_typed_initializers},
      {"external data", test_external_data},
      {"external data stays in the model folder", test_external_data_stays_in_the_folder},
      {"wrongly typed attributes are refused", test_wrongly_typed_attributes_refused},
      {"corrupt and truncated files", test_corrupt_and_truncated_files},
      {"unsupported operator is named", test_unsupported_operator_is_named},
      {"dangling input and cycle", test_dangling_input_and_cycle},
      {"symbolic dims and input checks", test_symbolic_dims_and_input_checks},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("model load", tests);
}

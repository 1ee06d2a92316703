/* Shape-family kernels: what the ONNX conformance tests do not cover —
 * error paths (bad shapes, axes and indices must fail cleanly, never read
 * out of bounds), 0-d tensors, extreme Slice bounds, and a few results
 * worked out by hand. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "runtime/ops/op.h"
#include "runtime/tensor.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

/* ---- a node built by hand ---- */

#define MAX_IO 6

typedef struct test_node {
  seam_node node;
  seam_attr attrs[8];
  int64_t ints[8][8];
  float floats[8][8];
  int in_idx[MAX_IO], out_idx[MAX_IO];
} test_node;

static void node_init(test_node *t, const char *op, int opset, int n_in, int n_out) {
  memset(t, 0, sizeof *t);
  t->node.name = "n";
  t->node.op_type = (char *)op;
  t->node.opset = opset;
  t->node.n_inputs = n_in;
  t->node.n_outputs = n_out;
  for (int i = 0; i < MAX_IO; i++) t->in_idx[i] = t->out_idx[i] = i;
  t->node.inputs = t->in_idx;
  t->node.outputs = t->out_idx;
  t->node.attrs = t->attrs;
  t->node.op = seam_op_lookup(op);
}

static seam_attr *add_attr(test_node *t, const char *name, seam_attr_type type) {
  seam_attr *a = &t->attrs[t->node.n_attrs++];
  a->name = (char *)name;
  a->type = type;
  return a;
}

static void attr_int(test_node *t, const char *name, int64_t v) {
  add_attr(t, name, SEAM_ATTR_INT)->i = v;
}

static void attr_ints(test_node *t, const char *name, int n, const int64_t *v) {
  int slot = t->node.n_attrs;
  seam_attr *a = add_attr(t, name, SEAM_ATTR_INTS);
  memcpy(t->ints[slot], v, sizeof(int64_t) * (size_t)n);
  a->ints = t->ints[slot];
  a->n = n;
}

static void attr_floats(test_node *t, const char *name, int n, const float *v) {
  int slot = t->node.n_attrs;
  seam_attr *a = add_attr(t, name, SEAM_ATTR_FLOATS);
  memcpy(t->floats[slot], v, sizeof(float) * (size_t)n);
  a->floats = t->floats[slot];
  a->n = n;
}

static void attr_string(test_node *t, const char *name, const char *s) {
  add_attr(t, name, SEAM_ATTR_STRING)->s = (char *)s;
}

static seam_tensor *tensor_f32(int rank, const int64_t *dims, const float *v) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, (size_t)rank, dims, NULL);
  if (t && t->count && v) memcpy(t->data, v, sizeof(float) * (size_t)t->count);
  return t;
}

static seam_tensor *tensor_i64(int rank, const int64_t *dims, const int64_t *v) {
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_INT64, (size_t)rank, dims, NULL);
  if (t && t->count && v) memcpy(t->data, v, sizeof(int64_t) * (size_t)t->count);
  return t;
}

/* A 1-D int64 tensor of n values. */
static seam_tensor *ints1(int n, const int64_t *v) {
  int64_t d = n;
  return tensor_i64(1, &d, v);
}

/* Runs the node; out gets its outputs (n_outputs entries, freed by the caller). */
static seam_status run(test_node *t, seam_tensor **in, seam_tensor **out, seam_error *err) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t->node.op);
  memset(err, 0, sizeof *err);
  return seam_node_execute(&t->node, (const seam_tensor *const *)in, out, err);
}

static void free_all(seam_tensor **ts, int n) {
  for (int i = 0; i < n; i++) {
    seam_tensor_free(ts[i]);
    ts[i] = NULL;
  }
}

static void assert_dims(const seam_tensor *t, int rank, const int64_t *dims) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL_FATAL(t->rank, rank);
  for (int i = 0; i < rank; i++) CU_ASSERT_EQUAL(t->dims[i], dims[i]);
}

static void assert_f32(const seam_tensor *t, int n, const float *want) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL_FATAL(t->count, n);
  for (int i = 0; i < n; i++) CU_ASSERT_DOUBLE_EQUAL(((const float *)t->data)[i], want[i], 1e-6);
}

static void assert_i64(const seam_tensor *t, int n, const int64_t *want) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL_FATAL(t->count, n);
  for (int i = 0; i < n; i++) CU_ASSERT_EQUAL(((const int64_t *)t->data)[i], want[i]);
}

static const float iota12[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

/* ---- Reshape family ---- */

static void test_reshape(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[3] = {2, 3, 2};
  seam_tensor *in[2] = {tensor_f32(3, xd, iota12), ints1(2, (int64_t[]){0, -1})};
  node_init(&t, "Reshape", 14, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){2, 6}); /* 0 copies dim 0, -1 takes the rest */
  assert_f32(out[0], 12, iota12);
  free_all(out, 1);

  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){-1, -1});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){5, -1}); /* 12 is not a multiple of 5 */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){4, 4});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  in[1] = ints1(4, (int64_t[]){0, 0, 0, 0}); /* copying dim 3 of a rank-3 input */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NULL(out[0]);
  free_all(in, 2);

  /* 0-d: a one-element tensor reshaped to a scalar with an empty shape. */
  int64_t one = 1;
  in[0] = tensor_f32(1, &one, iota12 + 7);
  in[1] = ints1(0, NULL);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 0, NULL);
  assert_f32(out[0], 1, iota12 + 7);
  free_all(out, 1);
  free_all(in, 2);
}

static void test_squeeze_unsqueeze(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  seam_tensor *in[2] = {tensor_f32(0, NULL, iota12 + 3), ints1(1, (int64_t[]){0})};
  node_init(&t, "Unsqueeze", 13, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 1, (int64_t[]){1});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){1, -1}); /* both name axis 1 of the rank-2 output */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 2);

  /* Squeeze of an axis whose size is not 1 fails; an out-of-range axis too. */
  int64_t xd[3] = {1, 3, 1};
  in[0] = tensor_f32(3, xd, iota12);
  in[1] = ints1(1, (int64_t[]){1});
  node_init(&t, "Squeeze", 13, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  in[1] = ints1(1, (int64_t[]){3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  /* Opset 11 takes axes as an attribute; none removes every 1. */
  node_init(&t, "Squeeze", 11, 1, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 1, (int64_t[]){3});
  free_all(out, 1);
  attr_ints(&t, "axes", 1, (int64_t[]){-1});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){1, 3});
  free_all(out, 1);
  free_all(in, 2);
}

/* ---- Gather and the exporters' Shape -> Gather -> Unsqueeze -> Concat ->
 * Reshape chain ---- */

static void test_gather(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[2] = {3, 4};
  seam_tensor *in[2] = {tensor_f32(2, xd, iota12), tensor_i64(0, NULL, (int64_t[]){-1})};
  node_init(&t, "Gather", 13, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 1, (int64_t[]){4}); /* scalar index: the axis disappears */
  assert_f32(out[0], 4, (float[]){8, 9, 10, 11});
  free_all(out, 1);

  attr_int(&t, "axis", 1);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){2, 1}, (int64_t[]){3, -4});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 3, (int64_t[]){3, 2, 1});
  assert_f32(out[0], 6, (float[]){3, 0, 7, 4, 11, 8});
  free_all(out, 1);

  /* Out-of-range indices fail (never read outside the data). */
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){0, 4});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NULL(out[0]);
  seam_tensor_free(in[1]);
  in[1] = ints1(1, (int64_t[]){-5});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  node_init(&t, "Gather", 13, 2, 1);
  attr_int(&t, "axis", 2);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 2);
}

static void test_gather_elements_and_nd(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[2] = {3, 4};
  seam_tensor *in[2] = {tensor_f32(2, xd, iota12),
                        tensor_i64(2, (int64_t[]){1, 2}, (int64_t[]){2, -1})};
  node_init(&t, "GatherElements", 13, 2, 1);
  /* out[0][j] = data[idx[0][j]][j]: data[2][0] = 8, data[-1 -> 2][1] = 9. */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 2, (float[]){8, 9});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){1, 2}, (int64_t[]){0, 3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){1, 5}, (int64_t[]){0, 0, 0, 0, 0}); /* wider than the data */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);

  node_init(&t, "GatherND", 13, 2, 1);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){2, 2}, (int64_t[]){1, 2, -1, 0}); /* data[1][2], data[2][0] */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 2, (float[]){6, 8});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){1, 2}, (int64_t[]){3, 0});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(in[1]);
  in[1] = tensor_i64(2, (int64_t[]){1, 3}, (int64_t[]){0, 0, 0}); /* tuple longer than the rank */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  free_all(in, 2);
}

/* Y = Reshape(X, Concat(Unsqueeze(Gather(Shape(X), 0)), [-1])), as PyTorch
 * exports x.view(x.size(0), -1). */
static void test_exported_flatten_chain(void) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {2, 3, 2, 2};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_i64(b, "zero", 0, NULL, (int64_t[]){0});
  tb_init_i64(b, "axes0", 1, (int64_t[]){1}, (int64_t[]){0});
  tb_init_i64(b, "minus1", 1, (int64_t[]){1}, (int64_t[]){-1});
  tb_node(b, "Shape", "shape", "X", "s");
  tb_node(b, "Gather", "gather", "s,zero", "n");
  tb_node(b, "Unsqueeze", "unsqueeze", "n,axes0", "n1");
  Onnx__NodeProto *cat = tb_node(b, "Concat", "concat", "n1,minus1", "target");
  tb_attr_int(b, cat, "axis", 0);
  tb_node(b, "Reshape", "reshape", "X,target", "Y");
  tb_output(b, "n");
  tb_output(b, "Y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory(bytes, size, NULL, &err);
  tb_free(b);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  float xv[24];
  for (int i = 0; i < 24; i++) xv[i] = (float)i;
  seam_tensor *x = tensor_f32(4, xd, xv), *y[2] = {NULL, NULL};
  const char *name = "X";
  CU_ASSERT_EQUAL_FATAL(
      seam_model_run(m, 1, &name, (const seam_tensor *const *)&x, 2, NULL, y, &err), SEAM_OK);
  assert_dims(y[0], 0, NULL); /* Gather with a scalar index gives a 0-d tensor */
  assert_i64(y[0], 1, (int64_t[]){2});
  assert_dims(y[1], 2, (int64_t[]){2, 12});
  assert_f32(y[1], 24, xv);
  free_all(y, 2);
  seam_tensor_free(x);
  seam_model_free(m);
}

/* ---- Concat / Split ---- */

static void test_concat_split(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[3] = {NULL, NULL, NULL};
  seam_tensor *in[3] = {tensor_f32(2, (int64_t[]){2, 2}, iota12),
                        tensor_f32(2, (int64_t[]){2, 1}, iota12 + 4),
                        tensor_f32(2, (int64_t[]){2, 0}, NULL)};
  node_init(&t, "Concat", 13, 3, 1);
  attr_int(&t, "axis", -1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){2, 3});
  assert_f32(out[0], 6, (float[]){0, 1, 4, 2, 3, 5});
  free_all(out, 1);
  node_init(&t, "Concat", 13, 3, 1);
  attr_int(&t, "axis", 0); /* [2,2] and [2,1] differ off the axis */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  node_init(&t, "Concat", 13, 3, 1);
  attr_int(&t, "axis", 2);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 3);

  int64_t d5 = 5;
  in[0] = tensor_f32(1, &d5, iota12);
  node_init(&t, "Split", 13, 1, 2); /* 5 does not split in 2 equal parts */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  in[1] = ints1(2, (int64_t[]){2, 2});
  node_init(&t, "Split", 13, 2, 2);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){1, 4});
  t.out_idx[0] = -1; /* first output omitted */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  CU_ASSERT_PTR_NULL(out[0]);
  assert_f32(out[1], 4, (float[]){1, 2, 3, 4});
  free_all(out, 2);
  /* Opset 18: num_outputs splits 5 into 2, 2, 1. */
  node_init(&t, "Split", 18, 1, 3);
  attr_int(&t, "num_outputs", 3);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[2], 1, (float[]){4});
  assert_dims(out[1], 1, (int64_t[]){2});
  free_all(out, 3);
  free_all(in, 2);
}

/* ---- Slice ---- */

static void test_slice_bounds(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t d10 = 10;
  seam_tensor *in[5] = {tensor_f32(1, &d10, iota12), ints1(1, (int64_t[]){-1}),
                        ints1(1, (int64_t[]){INT64_MIN}), ints1(1, (int64_t[]){0}),
                        ints1(1, (int64_t[]){-2})};
  node_init(&t, "Slice", 13, 5, 1);
  /* start -1 -> 9, end INT64_MIN clamps to "before 0", step -2: 9 7 5 3 1. */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 5, (float[]){9, 7, 5, 3, 1});
  free_all(out, 1);
  free_all(in + 1, 4);
  in[1] = ints1(1, (int64_t[]){2});
  in[2] = ints1(1, (int64_t[]){INT64_MAX});
  in[3] = ints1(1, (int64_t[]){-1});
  in[4] = ints1(1, (int64_t[]){3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 3, (float[]){2, 5, 8});
  free_all(out, 1);
  /* Start past the end: empty, not an error. */
  seam_tensor_free(in[1]);
  in[1] = ints1(1, (int64_t[]){INT64_MAX});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 1, (int64_t[]){0});
  free_all(out, 1);
  /* Step 0 and a bad axis fail. */
  seam_tensor_free(in[4]);
  in[4] = ints1(1, (int64_t[]){0});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(in[4]);
  in[4] = ints1(1, (int64_t[]){1});
  seam_tensor_free(in[3]);
  in[3] = ints1(1, (int64_t[]){1});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 5);

  /* Opset 1 takes attributes. */
  int64_t xd[2] = {3, 4};
  in[0] = tensor_f32(2, xd, iota12);
  node_init(&t, "Slice", 1, 1, 1);
  attr_ints(&t, "starts", 2, (int64_t[]){1, -3});
  attr_ints(&t, "ends", 2, (int64_t[]){1000, -1});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){2, 2});
  assert_f32(out[0], 4, (float[]){5, 6, 9, 10});
  free_all(out, 1);
  free_all(in, 1);
}

/* ---- Transpose, Expand, Tile, Pad ---- */

static void test_transpose_expand_tile(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[2] = {2, 3};
  seam_tensor *in[2] = {tensor_f32(2, xd, iota12), NULL};
  node_init(&t, "Transpose", 13, 1, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){3, 2});
  assert_f32(out[0], 6, (float[]){0, 3, 1, 4, 2, 5});
  free_all(out, 1);
  attr_ints(&t, "perm", 2, (int64_t[]){0, 0});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);

  /* Expand [2,3] to [2,1,3] broadcasts to [2,2,3]. */
  in[1] = ints1(3, (int64_t[]){2, 1, 3});
  node_init(&t, "Expand", 13, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 3, (int64_t[]){2, 2, 3});
  assert_f32(out[0], 12, (float[]){0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){4, 3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);

  /* Tile [2,3] by [2,1]; a repeat count per axis is required. */
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){1, 2});
  node_init(&t, "Tile", 13, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){2, 6});
  assert_f32(out[0], 12, (float[]){0, 1, 2, 0, 1, 2, 3, 4, 5, 3, 4, 5});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = ints1(1, (int64_t[]){2});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  free_all(in, 2);
}

static void test_pad_modes(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t d3 = 3;
  const float v[3] = {1, 2, 3};
  seam_tensor *in[3] = {tensor_f32(1, &d3, v), ints1(2, (int64_t[]){2, 1}), NULL};
  node_init(&t, "Pad", 13, 2, 1);
  attr_string(&t, "mode", "reflect");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 6, (float[]){3, 2, 1, 2, 3, 2});
  free_all(out, 1);
  node_init(&t, "Pad", 13, 2, 1);
  attr_string(&t, "mode", "edge");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 6, (float[]){1, 1, 1, 2, 3, 3});
  free_all(out, 1);
  /* Negative pads crop; the constant comes from input 2. */
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){-1, 2});
  in[2] = tensor_f32(0, NULL, (float[]){-7});
  node_init(&t, "Pad", 13, 3, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 4, (float[]){2, 3, -7, -7});
  free_all(out, 1);
  seam_tensor_free(in[1]);
  in[1] = ints1(2, (int64_t[]){-2, -2}); /* crops below zero */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[1]);
  in[1] = ints1(3, (int64_t[]){1, 1, 1}); /* not 2 per axis */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 3);

  /* Opset 2: pads and value as attributes, on a 2-D input. */
  int64_t xd[2] = {2, 2};
  in[0] = tensor_f32(2, xd, iota12 + 1);
  node_init(&t, "Pad", 2, 1, 1);
  attr_ints(&t, "pads", 4, (int64_t[]){1, 0, 0, 1});
  add_attr(&t, "value", SEAM_ATTR_FLOAT)->f = 9;
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){3, 3});
  assert_f32(out[0], 9, (float[]){9, 9, 9, 1, 2, 9, 3, 4, 9});
  free_all(out, 1);
  free_all(in, 1);
}

/* ---- Resize ---- */

static void test_resize_linear_by_hand(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  /* [0, 10] upsampled x2, half_pixel: source x = (o + 0.5) / 2 - 0.5 =
   * -0.25, 0.25, 0.75, 1.25 -> 0, 2.5, 7.5, 10 (edges clamp). */
  int64_t xd[3] = {1, 1, 2};
  seam_tensor *in[3] = {tensor_f32(3, xd, (float[]){0, 10}), NULL,
                        tensor_f32(1, (int64_t[]){3}, (float[]){1, 1, 2})};
  node_init(&t, "Resize", 13, 3, 1);
  attr_string(&t, "mode", "linear");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 3, (int64_t[]){1, 1, 4});
  assert_f32(out[0], 4, (float[]){0, 2.5f, 7.5f, 10});
  free_all(out, 1);
  /* Nearest, asymmetric, floor: x = o / 2 -> 0 0 1 1. */
  node_init(&t, "Resize", 13, 3, 1);
  attr_string(&t, "coordinate_transformation_mode", "asymmetric");
  attr_string(&t, "nearest_mode", "floor");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 4, (float[]){0, 0, 10, 10});
  free_all(out, 1);
  /* Wrong number of scales, both scales and sizes, an unknown mode. */
  seam_tensor_free(in[2]);
  in[2] = tensor_f32(1, (int64_t[]){2}, (float[]){1, 2});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor *in4[4] = {in[0], NULL, in[2], ints1(3, (int64_t[]){1, 1, 4})};
  node_init(&t, "Resize", 13, 4, 1);
  CU_ASSERT_EQUAL(run(&t, in4, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(in4[3]);
  node_init(&t, "Resize", 13, 3, 1);
  attr_string(&t, "mode", "lanczos");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_UNSUPPORTED);
  free_all(in, 3);

  /* Upsample opset 7 (scales attribute), nearest on int64 data. */
  int64_t d2 = 2;
  in[0] = tensor_i64(1, &d2, (int64_t[]){5, -6});
  node_init(&t, "Upsample", 7, 1, 1);
  attr_floats(&t, "scales", 1, (float[]){3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_i64(out[0], 6, (int64_t[]){5, 5, 5, -6, -6, -6});
  free_all(out, 1);
  free_all(in, 1);
}

/* A long 1-D resize: its axis holds the whole output, so its taps are made
 * per element instead of tabulated (a table entry is many times an output
 * element). Linear, align_corners, [0, 1] over 40000 points: y[o] = o /
 * 39999, the closed form. */
static void test_resize_long_axis(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  const int64_t n = 40000;
  seam_tensor *in[4] = {tensor_f32(1, (int64_t[]){2}, (float[]){0, 1}), NULL, NULL, ints1(1, (int64_t[]){n})};
  node_init(&t, "Resize", 13, 4, 1);
  attr_string(&t, "mode", "linear");
  attr_string(&t, "coordinate_transformation_mode", "align_corners");
  CU_ASSERT_EQUAL_FATAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 1, (int64_t[]){n});
  const float *y = out[0]->data;
  int bad = 0;
  for (int64_t o = 0; o < n; o++) bad += fabs(y[o] - (double)o / (double)(n - 1)) > 1e-6;
  CU_ASSERT_EQUAL(bad, 0);
  free_all(out, 1);
  free_all(in, 4);
}

/* ---- constants and patterns ---- */

static void test_constants(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  seam_tensor *in[3] = {ints1(2, (int64_t[]){2, -1}), NULL, NULL};
  node_init(&t, "ConstantOfShape", 9, 1, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(in[0]);
  in[0] = ints1(0, NULL); /* an empty shape makes a scalar: 0.0f by default */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 0, NULL);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_FLOAT32);
  free_all(out, 1);
  free_all(in, 1);

  /* Range 10 down to 4 by -3: 10, 7. Delta 0 fails. */
  node_init(&t, "Range", 11, 3, 1);
  in[0] = tensor_i64(0, NULL, (int64_t[]){10});
  in[1] = tensor_i64(0, NULL, (int64_t[]){4});
  in[2] = tensor_i64(0, NULL, (int64_t[]){-3});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_i64(out[0], 2, (int64_t[]){10, 7});
  free_all(out, 1);
  *(int64_t *)in[2]->data = 0;
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 3);

  /* Shape with start/end (opset 15) and Size. */
  int64_t xd[3] = {2, 3, 4};
  in[0] = tensor_f32(3, xd, NULL);
  node_init(&t, "Shape", 15, 1, 1);
  attr_int(&t, "start", -2);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_i64(out[0], 2, (int64_t[]){3, 4});
  free_all(out, 1);
  node_init(&t, "Size", 13, 1, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 0, NULL);
  assert_i64(out[0], 1, (int64_t[]){24});
  free_all(out, 1);
  free_all(in, 1);

  /* Constant with value_ints; with a string value it is unsupported. */
  node_init(&t, "Constant", 13, 0, 1);
  attr_ints(&t, "value_ints", 3, (int64_t[]){4, 5, 6});
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_i64(out[0], 3, (int64_t[]){4, 5, 6});
  free_all(out, 1);
  node_init(&t, "Constant", 13, 0, 1);
  attr_string(&t, "value_string", "hello");
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_UNSUPPORTED);
}

static void test_patterns(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[2] = {3, 4};
  seam_tensor *in[3] = {tensor_f32(2, xd, iota12), tensor_i64(0, NULL, (int64_t[]){INT64_MIN}),
                        NULL};
  /* Trilu upper with a huge negative k keeps everything; lower with k = 0. */
  node_init(&t, "Trilu", 14, 2, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 12, iota12);
  free_all(out, 1);
  *(int64_t *)in[1]->data = 0;
  attr_int(&t, "upper", 0);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 12, (float[]){0, 0, 0, 0, 4, 5, 0, 0, 8, 9, 10, 0});
  free_all(out, 1);

  /* EyeLike with k = 1 and k far out of range. */
  node_init(&t, "EyeLike", 9, 1, 1);
  attr_int(&t, "k", 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 12, (float[]){0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
  free_all(out, 1);
  node_init(&t, "EyeLike", 9, 1, 1);
  attr_int(&t, "k", INT64_MIN);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  free_all(out, 1);
  free_all(in, 2);

  /* OneHot: indices [1, -1, 7], depth 3, values [0, 5]: 7 is out of range
   * and gets no hot position. */
  in[0] = ints1(3, (int64_t[]){1, -1, 7});
  in[1] = tensor_f32(0, NULL, (float[]){3});
  in[2] = tensor_f32(1, (int64_t[]){2}, (float[]){0, 5});
  node_init(&t, "OneHot", 11, 3, 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 2, (int64_t[]){3, 3});
  assert_f32(out[0], 9, (float[]){0, 5, 0, 0, 0, 5, 0, 0, 0});
  free_all(out, 1);
  free_all(in, 3);

  /* CumSum, exclusive and reversed, along axis 0 of [[1,2],[3,4]]. */
  in[0] = tensor_f32(2, (int64_t[]){2, 2}, (float[]){1, 2, 3, 4});
  in[1] = tensor_i64(0, NULL, (int64_t[]){0});
  node_init(&t, "CumSum", 14, 2, 1);
  attr_int(&t, "exclusive", 1);
  attr_int(&t, "reverse", 1);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_f32(out[0], 4, (float[]){3, 4, 0, 0});
  free_all(out, 1);
  *(int64_t *)in[1]->data = 2;
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  free_all(in, 2);
}

static void test_depth_space_errors(void) {
  test_node t;
  seam_error err;
  seam_tensor *out[1] = {NULL};
  int64_t xd[4] = {1, 3, 2, 2};
  seam_tensor *in[1] = {tensor_f32(4, xd, iota12)};
  node_init(&t, "DepthToSpace", 13, 1, 1);
  attr_int(&t, "blocksize", 2); /* 3 channels are not a multiple of 4 */
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_SHAPE);
  node_init(&t, "SpaceToDepth", 13, 1, 1);
  attr_int(&t, "blocksize", 0);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  /* SpaceToDepth then DepthToSpace (DCR) is the identity. */
  node_init(&t, "SpaceToDepth", 13, 1, 1);
  attr_int(&t, "blocksize", 2);
  CU_ASSERT_EQUAL(run(&t, in, out, &err), SEAM_OK);
  assert_dims(out[0], 4, (int64_t[]){1, 12, 1, 1});
  /* channel (b1*2 + b2)*3 + c holds x[c][b1][b2] = c*4 + b1*2 + b2 */
  assert_f32(out[0], 12, (float[]){0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11});
  seam_tensor *back[1] = {NULL};
  node_init(&t, "DepthToSpace", 13, 1, 1);
  attr_int(&t, "blocksize", 2);
  CU_ASSERT_EQUAL(run(&t, out, back, &err), SEAM_OK);
  assert_f32(back[0], 12, iota12);
  free_all(back, 1);
  free_all(out, 1);
  free_all(in, 1);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"reshape", test_reshape},
      {"squeeze_unsqueeze", test_squeeze_unsqueeze},
      {"gather", test_gather},
      {"gather_elements_and_nd", test_gather_elements_and_nd},
      {"exported_flatten_chain", test_exported_flatten_chain},
      {"concat_split", test_concat_split},
      {"slice_bounds", test_slice_bounds},
      {"transpose_expand_tile", test_transpose_expand_tile},
      {"pad_modes", test_pad_modes},
      {"resize_linear_by_hand", test_resize_linear_by_hand},
      {"resize_long_axis", test_resize_long_axis},
      {"constants", test_constants},
      {"patterns", test_patterns},
      {"depth_space", test_depth_space_errors},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("ops_shape", tests);
}

/* Elementwise kernels: what the ONNX conformance tests do not cover —
 * broadcasting patterns the iterator must merge or not merge, integer edge
 * cases (wrap-around, division by zero, INT_MIN / -1), saturating casts,
 * opset-dependent attributes and the error paths. Expected values are
 * derived by hand (or by a direct formula in the test) unless noted. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "runtime/ops/op.h"
#include "runtime/tensor.h"
#include "tests/unit/unit.h"

#define MAX_IO 4

/* Runs one node of op_type on the inputs (NULL for an omitted optional
 * input); out receives n_out new tensors on success. */
static seam_status run_op(const char *op_type, int opset, seam_attr *attrs, int n_attrs, int n_in,
                          const seam_tensor *const *in, int n_out, seam_tensor **out,
                          seam_error *err) {
  int in_idx[MAX_IO], out_idx[MAX_IO];
  for (int i = 0; i < n_in; i++) in_idx[i] = in[i] ? i : -1;
  for (int i = 0; i < n_out; i++) out_idx[i] = i;
  seam_node node = {
      .name = "n",
      .op_type = (char *)op_type,
      .opset = opset,
      .n_inputs = n_in,
      .inputs = in_idx,
      .n_outputs = n_out,
      .outputs = out_idx,
      .n_attrs = n_attrs,
      .attrs = attrs,
      .op = seam_op_lookup(op_type),
  };
  CU_ASSERT_PTR_NOT_NULL(node.op);
  return seam_node_execute(&node, in, out, err);
}

/* A tensor of dtype holding values (given as doubles, all exactly
 * representable in dtype). */
static seam_tensor *make(seam_dtype dtype, int rank, const int64_t *dims, const double *values) {
  seam_tensor *t = seam_tensor_create(dtype, (size_t)rank, dims, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  for (int64_t i = 0; values && i < t->count; i++) seam_tensor_set_f64(t, i, values[i]);
  return t;
}

static seam_attr attr_int(const char *name, int64_t v) {
  return (seam_attr){.name = (char *)name, .type = SEAM_ATTR_INT, .i = v};
}
static seam_attr attr_float(const char *name, float v) {
  return (seam_attr){.name = (char *)name, .type = SEAM_ATTR_FLOAT, .f = v};
}
static seam_attr attr_string(const char *name, const char *v) {
  return (seam_attr){.name = (char *)name, .type = SEAM_ATTR_STRING, .s = (char *)v};
}

static void expect_shape(const seam_tensor *t, int rank, const int64_t *dims) {
  CU_ASSERT_EQUAL_FATAL(t->rank, rank);
  for (int d = 0; d < rank; d++) CU_ASSERT_EQUAL(t->dims[d], dims[d]);
}

/* Binary op on two float32 tensors; returns the output or NULL. */
static seam_tensor *binary_f32(const char *op, int ra, const int64_t *da, const double *va, int rb,
                               const int64_t *db, const double *vb, seam_status *st) {
  seam_tensor *a = make(SEAM_DTYPE_FLOAT32, ra, da, va), *b = make(SEAM_DTYPE_FLOAT32, rb, db, vb);
  const seam_tensor *in[2] = {a, b};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  *st = run_op(op, 14, NULL, 0, 2, in, 1, out, &err);
  seam_tensor_free(a);
  seam_tensor_free(b);
  return out[0];
}

/* ---- broadcasting ---- */

static void fill_seq(double *v, int n, double start) {
  for (int i = 0; i < n; i++) v[i] = start + i;
}

/* [2,3,1] + [4] -> [2,3,4]: the inner axis broadcasts one operand. */
static void test_broadcast_inner(void) {
  double a[6], b[4];
  fill_seq(a, 6, 0);
  fill_seq(b, 4, 100);
  const int64_t da[3] = {2, 3, 1}, db[1] = {4}, want[3] = {2, 3, 4};
  seam_status st;
  seam_tensor *o = binary_f32("Add", 3, da, a, 1, db, b, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  expect_shape(o, 3, want);
  const float *d = o->data;
  for (int i = 0; i < 6; i++)
    for (int k = 0; k < 4; k++) CU_ASSERT_EQUAL(d[i * 4 + k], (float)(a[i] + b[k]));
  seam_tensor_free(o);
}

/* [3,1,5] * [1,4,1] -> [3,4,5]: axes alternate between the operands, so
 * nothing merges and rows see a step of 0 for the second operand. */
static void test_broadcast_alternating(void) {
  double a[15], b[4];
  fill_seq(a, 15, 1);
  fill_seq(b, 4, -2);
  const int64_t da[3] = {3, 1, 5}, db[3] = {1, 4, 1}, want[3] = {3, 4, 5};
  seam_status st;
  seam_tensor *o = binary_f32("Mul", 3, da, a, 3, db, b, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  expect_shape(o, 3, want);
  const float *d = o->data;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      for (int k = 0; k < 5; k++)
        CU_ASSERT_EQUAL(d[(i * 4 + j) * 5 + k], (float)(a[i * 5 + k] * b[j]));
  seam_tensor_free(o);
}

/* Scalar on the left: [] - [2,2]. */
static void test_broadcast_scalar_left(void) {
  const double a[1] = {10}, b[4] = {1, 2, 3, 4};
  const int64_t db[2] = {2, 2};
  seam_status st;
  seam_tensor *o = binary_f32("Sub", 0, NULL, a, 2, db, b, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  expect_shape(o, 2, db);
  const float *d = o->data;
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(d[i], (float)(10 - b[i]));
  seam_tensor_free(o);
}

static void test_broadcast_mismatch(void) {
  const int64_t da[2] = {2, 3}, db[1] = {4};
  seam_status st;
  seam_tensor *o = binary_f32("Add", 2, da, NULL, 1, db, NULL, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NULL(o);
}

static void test_dtype_mismatch(void) {
  const int64_t d[1] = {2};
  seam_tensor *a = make(SEAM_DTYPE_FLOAT32, 1, d, NULL), *b = make(SEAM_DTYPE_INT32, 1, d, NULL);
  const seam_tensor *in[2] = {a, b};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL(run_op("Add", 14, NULL, 0, 2, in, 1, out, &err), SEAM_ERR_SHAPE);
  CU_ASSERT_EQUAL(run_op("Less", 13, NULL, 0, 2, in, 1, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(a);
  seam_tensor_free(b);
}

static void test_empty_tensor(void) {
  const int64_t da[2] = {0, 3}, db[1] = {3};
  seam_status st;
  seam_tensor *o = binary_f32("Add", 2, da, NULL, 1, db, NULL, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  expect_shape(o, 2, da);
  CU_ASSERT_EQUAL(o->count, 0);
  seam_tensor_free(o);
}

/* Max over three inputs of different ranks: [3], [2,1] and a scalar. */
static void test_variadic_max_mean(void) {
  const double a[3] = {1, 5, -2}, b[2] = {0, 4}, c[1] = {3};
  const int64_t da[1] = {3}, db[2] = {2, 1}, want[2] = {2, 3};
  seam_tensor *ta = make(SEAM_DTYPE_FLOAT32, 1, da, a), *tb = make(SEAM_DTYPE_FLOAT32, 2, db, b),
              *tc = make(SEAM_DTYPE_FLOAT32, 0, NULL, c);
  const seam_tensor *in[3] = {ta, tb, tc};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("Max", 13, NULL, 0, 3, in, 1, out, &err), SEAM_OK);
  expect_shape(out[0], 2, want);
  const float want_max[6] = {3, 5, 3, 4, 5, 4};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((float *)out[0]->data)[i], want_max[i]);
  seam_tensor_free(out[0]);
  CU_ASSERT_EQUAL_FATAL(run_op("Mean", 13, NULL, 0, 3, in, 1, out, &err), SEAM_OK);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      CU_ASSERT_DOUBLE_EQUAL(((float *)out[0]->data)[i * 3 + j], (a[j] + b[i] + c[0]) / 3, 1e-6);
  seam_tensor_free(out[0]);
  seam_tensor_free(ta);
  seam_tensor_free(tb);
  seam_tensor_free(tc);
}

/* ---- integer arithmetic ---- */

static seam_tensor *binary_typed(const char *op, seam_dtype dt, int n, const double *a,
                                 const double *b, seam_attr *attrs, int n_attrs, seam_status *st) {
  const int64_t d[1] = {n};
  seam_tensor *ta = make(dt, 1, d, a), *tb = make(dt, 1, d, b);
  const seam_tensor *in[2] = {ta, tb};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  *st = run_op(op, 13, attrs, n_attrs, 2, in, 1, out, &err);
  seam_tensor_free(ta);
  seam_tensor_free(tb);
  return out[0];
}

static void test_int_div_and_wrap(void) {
  const double a[6] = {7, -7, 7, -7, INT32_MIN, 5}, b[6] = {2, 2, -2, -2, -1, 0};
  seam_status st;
  seam_tensor *o = binary_typed("Div", SEAM_DTYPE_INT32, 6, a, b, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  /* Truncation toward zero; INT32_MIN / -1 wraps; x / 0 is 0. */
  const int32_t want[6] = {3, -3, -3, 3, INT32_MIN, 0};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((int32_t *)o->data)[i], want[i]);
  seam_tensor_free(o);

  const double x[2] = {127, -128}, y[2] = {1, 1};
  o = binary_typed("Add", SEAM_DTYPE_INT8, 2, x, y, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(((int8_t *)o->data)[0], -128);
  CU_ASSERT_EQUAL(((int8_t *)o->data)[1], -127);
  seam_tensor_free(o);
}

static void test_mod(void) {
  /* numpy: np.mod (fmod=0) and np.fmod (fmod=1) of these values. */
  const double a[6] = {-4, 7, 5, 4, -7, 8}, b[6] = {2, -3, 8, -2, 3, 5};
  const int64_t want_py[6] = {0, -2, 5, 0, 2, 3}, want_c[6] = {0, 1, 5, 0, -1, 3};
  seam_status st;
  seam_tensor *o = binary_typed("Mod", SEAM_DTYPE_INT64, 6, a, b, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((int64_t *)o->data)[i], want_py[i]);
  seam_tensor_free(o);
  seam_attr fmod = attr_int("fmod", 1);
  o = binary_typed("Mod", SEAM_DTYPE_INT64, 6, a, b, &fmod, 1, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((int64_t *)o->data)[i], want_c[i]);
  seam_tensor_free(o);
  /* Float with fmod=0 follows the divisor's sign too: -4.5 mod 2 = 1.5. */
  const double fa[2] = {-4.5, 4.5}, fb[2] = {2, -2};
  o = binary_typed("Mod", SEAM_DTYPE_FLOAT64, 2, fa, fb, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(((double *)o->data)[0], 1.5);
  CU_ASSERT_EQUAL(((double *)o->data)[1], -1.5);
  seam_tensor_free(o);
  const double z[1] = {0}, one[1] = {9};
  o = binary_typed("Mod", SEAM_DTYPE_INT32, 1, one, z, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(((int32_t *)o->data)[0], 0);
  seam_tensor_free(o);
  seam_attr bad = attr_int("fmod", 2);
  o = binary_typed("Mod", SEAM_DTYPE_INT32, 1, one, z, &bad, 1, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
}

static void test_bitshift(void) {
  const double a[3] = {1, 255, 16}, b[3] = {3, 8, 2};
  seam_attr left = attr_string("direction", "LEFT"), right = attr_string("direction", "RIGHT"),
            bad = attr_string("direction", "UP");
  seam_status st;
  seam_tensor *o = binary_typed("BitShift", SEAM_DTYPE_UINT8, 3, a, b, &left, 1, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const uint8_t want_l[3] = {8, 0, 64}; /* 255 << 8 keeps no bits of a uint8 */
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(((uint8_t *)o->data)[i], want_l[i]);
  seam_tensor_free(o);
  const double big[1] = {200}, sixty_four[1] = {64};
  o = binary_typed("BitShift", SEAM_DTYPE_UINT64, 1, big, sixty_four, &right, 1, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(((uint64_t *)o->data)[0], 0);
  seam_tensor_free(o);
  o = binary_typed("BitShift", SEAM_DTYPE_UINT8, 3, a, b, &bad, 1, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  o = binary_typed("BitShift", SEAM_DTYPE_INT32, 3, a, b, &left, 1, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_UNSUPPORTED);
}

static void test_pow_int(void) {
  const int64_t d[1] = {4};
  const double base[4] = {3, 2, -1, -2}, expo[4] = {4, -1, -3, 63};
  seam_tensor *tb = make(SEAM_DTYPE_INT64, 1, d, base), *te = make(SEAM_DTYPE_INT32, 1, d, expo);
  const seam_tensor *in[2] = {tb, te};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("Pow", 15, NULL, 0, 2, in, 1, out, &err), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_INT64);
  const int64_t want[4] = {81, 0, -1, INT64_MIN}; /* (-2)^63 = -2^63 exactly */
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[i], want[i]);
  seam_tensor_free(out[0]);
  seam_tensor_free(tb);
  seam_tensor_free(te);
}

/* ---- unary ---- */

static seam_tensor *unary_f32(const char *op, int opset, seam_attr *attrs, int n_attrs, int n,
                              const double *v, seam_status *st) {
  const int64_t d[1] = {n};
  seam_tensor *t = make(SEAM_DTYPE_FLOAT32, 1, d, v);
  const seam_tensor *in[1] = {t};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  *st = run_op(op, opset, attrs, n_attrs, 1, in, 1, out, &err);
  seam_tensor_free(t);
  return out[0];
}

static void test_hard_sigmoid_mobilenet(void) {
  /* MobileNetV3's export: alpha = 1/6, beta = 0.5. */
  seam_attr attrs[2] = {attr_float("alpha", 1.0f / 6.0f), attr_float("beta", 0.5f)};
  const double x[4] = {-3, 0, 1.5, 6};
  seam_status st;
  seam_tensor *o = unary_f32("HardSigmoid", 6, attrs, 2, 4, x, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const float want[4] = {0, 0.5f, 0.75f, 1};
  for (int i = 0; i < 4; i++) CU_ASSERT_DOUBLE_EQUAL(((float *)o->data)[i], want[i], 1e-6);
  seam_tensor_free(o);
}

static void test_round_half_even(void) {
  const double x[6] = {0.5, 1.5, 2.5, -0.5, -1.5, 2.4999};
  seam_status st;
  seam_tensor *o = unary_f32("Round", 11, NULL, 0, 6, x, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const float want[6] = {0, 2, 2, 0, -2, 2};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((float *)o->data)[i], want[i]);
  seam_tensor_free(o);
}

static void test_unary_int_and_errors(void) {
  const int64_t d[3] = {3};
  const double v[3] = {INT32_MIN, -5, 7};
  seam_tensor *t = make(SEAM_DTYPE_INT32, 1, d, v);
  const seam_tensor *in[1] = {t};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("Abs", 13, NULL, 0, 1, in, 1, out, &err), SEAM_OK);
  const int32_t want[3] = {INT32_MIN, 5, 7}; /* |INT32_MIN| wraps to itself */
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(((int32_t *)out[0]->data)[i], want[i]);
  seam_tensor_free(out[0]);
  /* Sigmoid has no integer kernel. */
  CU_ASSERT_EQUAL(run_op("Sigmoid", 13, NULL, 0, 1, in, 1, out, &err), SEAM_ERR_UNSUPPORTED);
  /* A missing input is an error, not a crash. */
  const seam_tensor *none[1] = {NULL};
  CU_ASSERT_EQUAL(run_op("Relu", 14, NULL, 0, 1, none, 1, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_tensor_free(t);
}

static void test_prelu_unidirectional(void) {
  const int64_t dx[1] = {3}, ds[2] = {2, 3};
  seam_tensor *x = make(SEAM_DTYPE_FLOAT32, 1, dx, NULL);
  seam_tensor *s = make(SEAM_DTYPE_FLOAT32, 2, ds, NULL);
  const seam_tensor *in[2] = {x, s};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  /* [2,3] broadcasts with [3] but would grow X: refused. */
  CU_ASSERT_EQUAL(run_op("PRelu", 16, NULL, 0, 2, in, 1, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(x);
  seam_tensor_free(s);
  /* Per-channel slope [C,1,1] on [1,C,1,2]. */
  const int64_t dx2[4] = {1, 2, 1, 2}, ds2[3] = {2, 1, 1};
  const double xv[4] = {-1, 2, -3, 4}, sv[2] = {0.5, 0.25};
  x = make(SEAM_DTYPE_FLOAT32, 4, dx2, xv);
  s = make(SEAM_DTYPE_FLOAT32, 3, ds2, sv);
  in[0] = x;
  in[1] = s;
  CU_ASSERT_EQUAL_FATAL(run_op("PRelu", 16, NULL, 0, 2, in, 1, out, &err), SEAM_OK);
  const float want[4] = {-0.5f, 2, -0.75f, 4};
  for (int i = 0; i < 4; i++) CU_ASSERT_EQUAL(((float *)out[0]->data)[i], want[i]);
  seam_tensor_free(out[0]);
  seam_tensor_free(x);
  seam_tensor_free(s);
}

static void test_clip(void) {
  /* Opset 6: bounds are attributes. */
  seam_attr attrs[2] = {attr_float("min", -1), attr_float("max", 2)};
  const double x[4] = {-5, 0.5, 3, NAN};
  seam_status st;
  seam_tensor *o = unary_f32("Clip", 6, attrs, 2, 4, x, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const float *d = o->data;
  CU_ASSERT_EQUAL(d[0], -1);
  CU_ASSERT_EQUAL(d[1], 0.5f);
  CU_ASSERT_EQUAL(d[2], 2);
  CU_ASSERT(isnan(d[3]));
  seam_tensor_free(o);

  /* Opset 13, int8, min > max: everything becomes max. */
  const int64_t dx[1] = {3};
  const double xv[3] = {-100, 0, 100}, lo_v[1] = {10}, hi_v[1] = {5};
  seam_tensor *tx = make(SEAM_DTYPE_INT8, 1, dx, xv), *lo = make(SEAM_DTYPE_INT8, 0, NULL, lo_v),
              *hi = make(SEAM_DTYPE_INT8, 0, NULL, hi_v);
  const seam_tensor *in[3] = {tx, lo, hi};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("Clip", 13, NULL, 0, 3, in, 1, out, &err), SEAM_OK);
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(((int8_t *)out[0]->data)[i], 5);
  seam_tensor_free(out[0]);
  /* Only max given (min omitted). */
  const seam_tensor *in2[3] = {tx, NULL, hi};
  CU_ASSERT_EQUAL_FATAL(run_op("Clip", 13, NULL, 0, 3, in2, 1, out, &err), SEAM_OK);
  const int8_t want[3] = {-100, 0, 5};
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(((int8_t *)out[0]->data)[i], want[i]);
  seam_tensor_free(out[0]);
  /* A bound that is not a scalar, or of another dtype, is refused. */
  const seam_tensor *in3[3] = {tx, tx, NULL};
  CU_ASSERT_EQUAL(run_op("Clip", 13, NULL, 0, 3, in3, 1, out, &err), SEAM_ERR_SHAPE);
  seam_tensor *flo = make(SEAM_DTYPE_FLOAT32, 0, NULL, lo_v);
  const seam_tensor *in4[2] = {tx, flo};
  CU_ASSERT_EQUAL(run_op("Clip", 13, NULL, 0, 2, in4, 1, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(flo);
  seam_tensor_free(tx);
  seam_tensor_free(lo);
  seam_tensor_free(hi);
}

static void test_dropout(void) {
  const int64_t d[1] = {3};
  const double xv[3] = {1, 2, 3}, half[1] = {0.5}, zero[1] = {0}, yes[1] = {1};
  seam_tensor *x = make(SEAM_DTYPE_FLOAT32, 1, d, xv);
  seam_tensor *r_half = make(SEAM_DTYPE_FLOAT32, 0, NULL, half);
  seam_tensor *r_zero = make(SEAM_DTYPE_FLOAT32, 0, NULL, zero);
  seam_tensor *t = make(SEAM_DTYPE_BOOL, 0, NULL, yes);
  const seam_tensor *in[3] = {x, r_half, t};
  seam_tensor *out[2] = {NULL, NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL(run_op("Dropout", 13, NULL, 0, 3, in, 2, out, &err), SEAM_ERR_UNSUPPORTED);
  in[1] = r_zero;
  CU_ASSERT_EQUAL_FATAL(run_op("Dropout", 13, NULL, 0, 3, in, 2, out, &err), SEAM_OK);
  CU_ASSERT_EQUAL(out[1]->dtype, SEAM_DTYPE_BOOL);
  for (int i = 0; i < 3; i++) {
    CU_ASSERT_EQUAL(((float *)out[0]->data)[i], (float)xv[i]);
    CU_ASSERT_EQUAL(((uint8_t *)out[1]->data)[i], 1);
  }
  seam_tensor_free(out[0]);
  seam_tensor_free(out[1]);
  /* Opset 7: the mask has the input's dtype. */
  CU_ASSERT_EQUAL_FATAL(run_op("Dropout", 7, NULL, 0, 1, in, 2, out, &err), SEAM_OK);
  CU_ASSERT_EQUAL(out[1]->dtype, SEAM_DTYPE_FLOAT32);
  CU_ASSERT_EQUAL(((float *)out[1]->data)[2], 1.0f);
  seam_tensor_free(out[0]);
  seam_tensor_free(out[1]);
  seam_tensor_free(x);
  seam_tensor_free(r_half);
  seam_tensor_free(r_zero);
  seam_tensor_free(t);
}

/* ---- logic ---- */

/* cond [2,1], X [1,3], Y scalar -> [2,3]. */
static void test_where_three_way(void) {
  const int64_t dc[2] = {2, 1}, dx[2] = {1, 3}, want[2] = {2, 3};
  const double cv[2] = {1, 0}, xv[3] = {1, 2, 3}, yv[1] = {-7};
  seam_tensor *c = make(SEAM_DTYPE_BOOL, 2, dc, cv), *x = make(SEAM_DTYPE_INT64, 2, dx, xv),
              *y = make(SEAM_DTYPE_INT64, 0, NULL, yv);
  const seam_tensor *in[3] = {c, x, y};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("Where", 16, NULL, 0, 3, in, 1, out, &err), SEAM_OK);
  expect_shape(out[0], 2, want);
  const int64_t w[6] = {1, 2, 3, -7, -7, -7};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((int64_t *)out[0]->data)[i], w[i]);
  seam_tensor_free(out[0]);
  /* A non-bool condition is refused. */
  in[0] = x;
  CU_ASSERT_EQUAL(run_op("Where", 16, NULL, 0, 3, in, 1, out, &err), SEAM_ERR_SHAPE);
  seam_tensor_free(c);
  seam_tensor_free(x);
  seam_tensor_free(y);
}

static void test_compare_nan_and_bool(void) {
  const double a[3] = {NAN, 1, 2}, b[3] = {NAN, 1, 3};
  seam_status st;
  seam_tensor *o = binary_typed("Equal", SEAM_DTYPE_FLOAT32, 3, a, b, NULL, 0, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(o->dtype, SEAM_DTYPE_BOOL);
  const uint8_t want[3] = {0, 1, 0};
  for (int i = 0; i < 3; i++) CU_ASSERT_EQUAL(((uint8_t *)o->data)[i], want[i]);
  seam_tensor_free(o);
  /* And on non-bool inputs is refused. */
  o = binary_typed("And", SEAM_DTYPE_FLOAT32, 3, a, b, NULL, 0, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_UNSUPPORTED);
}

/* ---- cast ---- */

static seam_tensor *cast_f64(int64_t to, int n, const double *v, seam_status *st) {
  const int64_t d[1] = {n};
  seam_tensor *t = make(SEAM_DTYPE_FLOAT64, 1, d, v);
  const seam_tensor *in[1] = {t};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  seam_attr a = attr_int("to", to);
  *st = run_op("Cast", 13, &a, 1, 1, in, 1, out, &err);
  seam_tensor_free(t);
  return out[0];
}

static void test_cast_saturates(void) {
  const double v[6] = {1e10, -1e10, NAN, -2.7, 2.7, 1e300};
  seam_status st;
  seam_tensor *o = cast_f64(SEAM_DTYPE_INT32, 6, v, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const int32_t want[6] = {INT32_MAX, INT32_MIN, 0, -2, 2, INT32_MAX};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((int32_t *)o->data)[i], want[i]);
  seam_tensor_free(o);
  o = cast_f64(SEAM_DTYPE_UINT8, 6, v, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  const uint8_t want_u8[6] = {255, 0, 0, 0, 2, 255};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((uint8_t *)o->data)[i], want_u8[i]);
  seam_tensor_free(o);
  o = cast_f64(SEAM_DTYPE_INT64, 6, v, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  CU_ASSERT_EQUAL(((int64_t *)o->data)[5], INT64_MAX);
  seam_tensor_free(o);
  o = cast_f64(SEAM_DTYPE_BOOL, 6, v, &st);
  CU_ASSERT_EQUAL_FATAL(st, SEAM_OK);
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(((uint8_t *)o->data)[i], 1); /* NaN is true */
  seam_tensor_free(o);
}

static void test_cast_errors(void) {
  const double v[1] = {1};
  seam_status st;
  CU_ASSERT_PTR_NULL(cast_f64(10, 1, v, &st)); /* float16 */
  CU_ASSERT_EQUAL(st, SEAM_ERR_UNSUPPORTED);
  CU_ASSERT_PTR_NULL(cast_f64(99, 1, v, &st));
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  const int64_t d[1] = {1};
  seam_tensor *t = make(SEAM_DTYPE_FLOAT32, 1, d, v);
  const seam_tensor *in[1] = {t};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL(run_op("Cast", 13, NULL, 0, 1, in, 1, out, &err), SEAM_ERR_INVALID_ARGUMENT);
  /* Cast-1 names the type with a string. */
  seam_attr s = attr_string("to", "INT32");
  CU_ASSERT_EQUAL_FATAL(run_op("Cast", 1, &s, 1, 1, in, 1, out, &err), SEAM_OK);
  CU_ASSERT_EQUAL(out[0]->dtype, SEAM_DTYPE_INT32);
  CU_ASSERT_EQUAL(((int32_t *)out[0]->data)[0], 1);
  seam_tensor_free(out[0]);
  seam_tensor_free(t);
}

void seam_register_tests(void) {
  static CU_TestInfo broadcast[] = {
      {"inner axis", test_broadcast_inner},
      {"alternating axes", test_broadcast_alternating},
      {"scalar on the left", test_broadcast_scalar_left},
      {"shapes that do not broadcast", test_broadcast_mismatch},
      {"dtype mismatch", test_dtype_mismatch},
      {"empty tensor", test_empty_tensor},
      {"variadic Max and Mean", test_variadic_max_mean},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo arith[] = {
      {"integer Div and wrap-around", test_int_div_and_wrap},
      {"Mod fmod 0/1", test_mod},
      {"BitShift", test_bitshift},
      {"integer Pow", test_pow_int},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo unary[] = {
      {"HardSigmoid alpha 1/6", test_hard_sigmoid_mobilenet},
      {"Round half to even", test_round_half_even},
      {"integer Abs and errors", test_unary_int_and_errors},
      {"PRelu unidirectional", test_prelu_unidirectional},
      {"Clip by opset", test_clip},
      {"Dropout", test_dropout},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo logic[] = {
      {"Where three-way broadcast", test_where_three_way},
      {"Equal NaN, And dtype", test_compare_nan_and_bool},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo cast[] = {
      {"saturating float to int", test_cast_saturates},
      {"unsupported and invalid targets", test_cast_errors},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("elementwise broadcast", broadcast);
  SEAM_ADD_SUITE("elementwise arith", arith);
  SEAM_ADD_SUITE("elementwise unary", unary);
  SEAM_ADD_SUITE("elementwise logic", logic);
  SEAM_ADD_SUITE("elementwise cast", cast);
}

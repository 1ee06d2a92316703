/* QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear: what the ONNX
 * conformance tests do not cover — rounding exactly half way, saturation at
 * both ends of int8 and uint8, per-axis parameters on any axis, NaN, and the
 * errors for bad axes, shapes and zero-point dtypes. Expected values are
 * worked out by hand from the operator definitions. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "runtime/ops/op.h"
#include "runtime/tensor.h"
#include "tests/unit/unit.h"

static seam_status run_op(const char *op_type, int opset, seam_attr *attrs, int n_attrs, int n_in,
                          const seam_tensor *const *in, int n_out, seam_tensor **out, seam_error *err) {
  int in_idx[4], out_idx[4];
  for (int i = 0; i < n_in; i++) in_idx[i] = in[i] ? i : -1;
  for (int i = 0; i < n_out; i++) out_idx[i] = i;
  seam_node node = {.name = "n", .op_type = (char *)op_type, .opset = opset, .n_inputs = n_in, .inputs = in_idx,
                    .n_outputs = n_out, .outputs = out_idx, .n_attrs = n_attrs, .attrs = attrs,
                    .op = seam_op_lookup(op_type)};
  CU_ASSERT_PTR_NOT_NULL_FATAL(node.op);
  return seam_node_execute(&node, in, out, err);
}

static seam_tensor *make(seam_dtype dtype, int rank, const int64_t *dims, const double *values) {
  seam_tensor *t = seam_tensor_create(dtype, (size_t)rank, dims, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  for (int64_t i = 0; values && i < t->count; i++) seam_tensor_set_f64(t, i, values[i]);
  return t;
}

static seam_tensor *scalar(seam_dtype dtype, double v) { return make(dtype, 0, NULL, &v); }

static seam_attr axis_attr(int64_t axis) {
  return (seam_attr){.name = "axis", .type = SEAM_ATTR_INT, .i = axis};
}

/* Runs op on (x, scale, zp) and returns output 0 (NULL on failure, with
 * *st the status). Frees the inputs. */
static seam_tensor *run3(const char *op, int opset, seam_attr *attr, seam_tensor *x, seam_tensor *scale,
                         seam_tensor *zp, seam_status *st) {
  const seam_tensor *in[3] = {x, scale, zp};
  seam_tensor *out[1] = {NULL};
  seam_error err = {0};
  *st = run_op(op, opset, attr, attr ? 1 : 0, zp ? 3 : 2, in, 1, out, &err);
  seam_tensor_free(x);
  seam_tensor_free(scale);
  seam_tensor_free(zp);
  return out[0];
}

static void expect_values(const seam_tensor *t, seam_dtype dtype, const double *want, int n) {
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  CU_ASSERT_EQUAL(t->dtype, dtype);
  CU_ASSERT_EQUAL_FATAL(t->count, n);
  for (int i = 0; i < n; i++) {
    double got = seam_tensor_get_f64(t, i);
    if (fabs(got - want[i]) > 1e-6) {
      CU_FAIL("value differs");
      fprintf(stderr, "  element %d: got %g, want %g\n", i, got, want[i]);
    }
  }
}

static void test_round_half_to_even(void) {
  int64_t d[1] = {8};
  double x[8] = {0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 2.4999};
  double want[8] = {0, 2, 2, 4, 0, -2, -2, 2};
  seam_status st;
  seam_tensor *y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 1, d, x),
                        scalar(SEAM_DTYPE_FLOAT32, 1.0), scalar(SEAM_DTYPE_INT8, 0), &st);
  CU_ASSERT_EQUAL(st, SEAM_OK);
  expect_values(y, SEAM_DTYPE_INT8, want, 8);
  seam_tensor_free(y);
  /* Half way after the division: 5 / 2 = 2.5 → 2, plus the zero point. */
  double x2[2] = {5, 7};
  double want2[2] = {2 + 3, 4 + 3};
  int64_t d2[1] = {2};
  y = run3("QuantizeLinear", 10, NULL, make(SEAM_DTYPE_FLOAT32, 1, d2, x2), scalar(SEAM_DTYPE_FLOAT32, 2.0),
           scalar(SEAM_DTYPE_UINT8, 3), &st);
  expect_values(y, SEAM_DTYPE_UINT8, want2, 2);
  seam_tensor_free(y);
}

static void test_saturation(void) {
  int64_t d[1] = {6};
  double x[6] = {-10, 300, 254.4, 255.6, 1e30, -1e30};
  double want_u8[6] = {0, 255, 254, 255, 255, 0};
  seam_status st;
  seam_tensor *y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 1, d, x),
                        scalar(SEAM_DTYPE_FLOAT32, 1.0), scalar(SEAM_DTYPE_UINT8, 0), &st);
  expect_values(y, SEAM_DTYPE_UINT8, want_u8, 6);
  seam_tensor_free(y);
  /* int8 with a zero point of 10: 120 + 10 saturates at 127, -140 + 10 at -128. */
  double xi[6] = {120, -140, 117, -138, 1e30, -1e30};
  double want_i8[6] = {127, -128, 127, -128, 127, -128};
  y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 1, d, xi), scalar(SEAM_DTYPE_FLOAT32, 1.0),
           scalar(SEAM_DTYPE_INT8, 10), &st);
  expect_values(y, SEAM_DTYPE_INT8, want_i8, 6);
  seam_tensor_free(y);
}

static void test_default_zero_point_and_nan(void) {
  int64_t d[1] = {3};
  double x[3] = {NAN, 1.0, -1.0};
  double want[3] = {0, 4, 0}; /* no zero point: uint8, zero point 0; NaN → the zero point */
  seam_status st;
  seam_tensor *y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 1, d, x),
                        scalar(SEAM_DTYPE_FLOAT32, 0.25), NULL, &st);
  CU_ASSERT_EQUAL(st, SEAM_OK);
  expect_values(y, SEAM_DTYPE_UINT8, want, 3);
  seam_tensor_free(y);
  double want_i8[3] = {-5, -1, -9};
  y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 1, d, x), scalar(SEAM_DTYPE_FLOAT32, 0.25),
           scalar(SEAM_DTYPE_INT8, -5), &st);
  expect_values(y, SEAM_DTYPE_INT8, want_i8, 3);
  seam_tensor_free(y);
}

static void test_per_axis(void) {
  /* x [2,3,2] quantized along axis 1 (3 channels) and axis -1 (2 channels). */
  int64_t d[3] = {2, 3, 2}, c3[1] = {3}, c2[1] = {2};
  double x[12] = {1, 2, 3, 4, 5, 6, -1, -2, -3, -4, -5, -6};
  double s3[3] = {1, 2, 4}, z3[3] = {0, 1, -1};
  double want1[12] = {1, 2, 3, 3, 0, 1, -1, -2, -1, -1, -2, -3};
  seam_attr a1 = axis_attr(1);
  seam_status st;
  seam_tensor *y = run3("QuantizeLinear", 13, &a1, make(SEAM_DTYPE_FLOAT32, 3, d, x),
                        make(SEAM_DTYPE_FLOAT32, 1, c3, s3), make(SEAM_DTYPE_INT8, 1, c3, z3), &st);
  CU_ASSERT_EQUAL(st, SEAM_OK);
  expect_values(y, SEAM_DTYPE_INT8, want1, 12);
  /* DequantizeLinear with the same parameters gives x back within scale / 2. */
  const seam_tensor *in[3] = {y, make(SEAM_DTYPE_FLOAT32, 1, c3, s3), make(SEAM_DTYPE_INT8, 1, c3, z3)};
  seam_tensor *back[1] = {NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL(run_op("DequantizeLinear", 13, &a1, 1, 3, in, 1, back, &err), SEAM_OK);
  CU_ASSERT_PTR_NOT_NULL_FATAL(back[0]);
  CU_ASSERT_EQUAL(back[0]->dtype, SEAM_DTYPE_FLOAT32);
  for (int i = 0; i < 12; i++) {
    double s = s3[(i / 2) % 3];
    CU_ASSERT(fabs(((float *)back[0]->data)[i] - x[i]) <= s / 2 + 1e-6);
  }
  seam_tensor_free((seam_tensor *)in[1]);
  seam_tensor_free((seam_tensor *)in[2]);
  seam_tensor_free(back[0]);
  seam_tensor_free(y);

  double s2[2] = {0.5, 2}, z2[2] = {128, 0};
  double want2[12] = {130, 1, 134, 2, 138, 3, 126, 0, 122, 0, 118, 0}; /* -2/2 = -1 → 0 in uint8 */
  seam_attr a2 = axis_attr(-1);
  y = run3("QuantizeLinear", 13, &a2, make(SEAM_DTYPE_FLOAT32, 3, d, x), make(SEAM_DTYPE_FLOAT32, 1, c2, s2),
           make(SEAM_DTYPE_UINT8, 1, c2, z2), &st);
  CU_ASSERT_EQUAL(st, SEAM_OK);
  expect_values(y, SEAM_DTYPE_UINT8, want2, 12);
  seam_tensor_free(y);
}

static void test_dequantize(void) {
  int64_t d[1] = {4};
  double x[4] = {-128, -1, 0, 127};
  double want[4] = {(-128 - 3) * 0.5, (-1 - 3) * 0.5, (0 - 3) * 0.5, (127 - 3) * 0.5};
  seam_status st;
  seam_tensor *y = run3("DequantizeLinear", 10, NULL, make(SEAM_DTYPE_INT8, 1, d, x),
                        scalar(SEAM_DTYPE_FLOAT32, 0.5), scalar(SEAM_DTYPE_INT8, 3), &st);
  CU_ASSERT_EQUAL(st, SEAM_OK);
  expect_values(y, SEAM_DTYPE_FLOAT32, want, 4);
  seam_tensor_free(y);
  /* int32 (a quantized bias): zero point absent or 0. */
  double b[4] = {-100000, -1, 0, 2000000};
  double want_b[4] = {-25000, -0.25, 0, 500000};
  y = run3("DequantizeLinear", 13, NULL, make(SEAM_DTYPE_INT32, 1, d, b), scalar(SEAM_DTYPE_FLOAT32, 0.25), NULL,
           &st);
  expect_values(y, SEAM_DTYPE_FLOAT32, want_b, 4);
  seam_tensor_free(y);
  y = run3("DequantizeLinear", 13, NULL, make(SEAM_DTYPE_INT32, 1, d, b), scalar(SEAM_DTYPE_FLOAT32, 0.25),
           scalar(SEAM_DTYPE_INT32, 7), &st);
  CU_ASSERT_PTR_NULL(y);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
}

static void test_errors(void) {
  int64_t d[2] = {2, 3}, c3[1] = {3}, c2[1] = {2};
  double x[6] = {0, 1, 2, 3, 4, 5}, s3[3] = {1, 1, 1};
  seam_status st;
  /* An axis beyond the rank. */
  seam_attr bad = axis_attr(2);
  seam_tensor *y = run3("QuantizeLinear", 13, &bad, make(SEAM_DTYPE_FLOAT32, 2, d, x),
                        make(SEAM_DTYPE_FLOAT32, 1, c3, s3), make(SEAM_DTYPE_INT8, 1, c3, NULL), &st);
  CU_ASSERT_PTR_NULL(y);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  /* A per-axis scale whose length is not the axis size. */
  seam_attr a0 = axis_attr(0);
  y = run3("QuantizeLinear", 13, &a0, make(SEAM_DTYPE_FLOAT32, 2, d, x), make(SEAM_DTYPE_FLOAT32, 1, c3, s3),
           make(SEAM_DTYPE_INT8, 1, c3, NULL), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_SHAPE);
  /* Per-axis before opset 13. */
  y = run3("QuantizeLinear", 10, NULL, make(SEAM_DTYPE_FLOAT32, 2, d, x), make(SEAM_DTYPE_FLOAT32, 1, c3, s3),
           make(SEAM_DTYPE_INT8, 1, c3, NULL), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_SHAPE);
  /* Zero point and scale of different lengths. */
  y = run3("DequantizeLinear", 13, NULL, make(SEAM_DTYPE_INT8, 2, d, x), make(SEAM_DTYPE_FLOAT32, 1, c3, s3),
           make(SEAM_DTYPE_INT8, 1, c2, NULL), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_SHAPE);
  /* Zero-point dtypes opsets 10/13 do not allow. */
  y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 2, d, x), scalar(SEAM_DTYPE_FLOAT32, 1),
           scalar(SEAM_DTYPE_INT32, 0), &st);
  CU_ASSERT_PTR_NULL(y);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  y = run3("DequantizeLinear", 13, NULL, make(SEAM_DTYPE_INT8, 2, d, x), scalar(SEAM_DTYPE_FLOAT32, 1),
           scalar(SEAM_DTYPE_UINT8, 0), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  y = run3("DequantizeLinear", 13, NULL, make(SEAM_DTYPE_INT16, 2, d, x), scalar(SEAM_DTYPE_FLOAT32, 1), NULL, &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  /* A scale that is not float32. */
  y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_FLOAT32, 2, d, x), scalar(SEAM_DTYPE_FLOAT64, 1),
           scalar(SEAM_DTYPE_INT8, 0), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
  /* Input dtypes QuantizeLinear does not take. */
  y = run3("QuantizeLinear", 13, NULL, make(SEAM_DTYPE_INT8, 2, d, x), scalar(SEAM_DTYPE_FLOAT32, 1),
           scalar(SEAM_DTYPE_INT8, 0), &st);
  CU_ASSERT_EQUAL(st, SEAM_ERR_INVALID_ARGUMENT);
}

static void test_dynamic(void) {
  int64_t d[1] = {4};
  double x[4] = {-1, 0, 2, 4}; /* range [-1, 4]: scale 5/255, zero point round(1 / scale) = round(51) = 51 */
  const seam_tensor *in[1] = {make(SEAM_DTYPE_FLOAT32, 1, d, x)};
  seam_tensor *out[3] = {NULL, NULL, NULL};
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(run_op("DynamicQuantizeLinear", 11, NULL, 0, 1, in, 3, out, &err), SEAM_OK);
  float scale = 5.0f / 255.0f;
  CU_ASSERT_DOUBLE_EQUAL(((float *)out[1]->data)[0], scale, 1e-9);
  CU_ASSERT_EQUAL(((uint8_t *)out[2]->data)[0], 51);
  double want[4] = {0, 51, nearbyint(2 / scale) + 51 > 255 ? 255 : nearbyint(2 / scale) + 51, 255};
  expect_values(out[0], SEAM_DTYPE_UINT8, want, 4);
  for (int i = 0; i < 3; i++) seam_tensor_free(out[i]), out[i] = NULL;
  seam_tensor_free((seam_tensor *)in[0]);
  /* All zeros: scale 0, zero point 0, zeros out (no division by zero). */
  in[0] = make(SEAM_DTYPE_FLOAT32, 1, d, NULL);
  CU_ASSERT_EQUAL_FATAL(run_op("DynamicQuantizeLinear", 11, NULL, 0, 1, in, 3, out, &err), SEAM_OK);
  CU_ASSERT_EQUAL(((float *)out[1]->data)[0], 0.0f);
  double zeros[4] = {0, 0, 0, 0};
  expect_values(out[0], SEAM_DTYPE_UINT8, zeros, 4);
  for (int i = 0; i < 3; i++) seam_tensor_free(out[i]);
  seam_tensor_free((seam_tensor *)in[0]);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"QuantizeLinear rounds half to even", test_round_half_to_even},
      {"QuantizeLinear saturates int8 and uint8", test_saturation},
      {"QuantizeLinear default zero point, NaN", test_default_zero_point_and_nan},
      {"per-axis parameters on axis 1 and -1, round trip", test_per_axis},
      {"DequantizeLinear int8 and int32", test_dequantize},
      {"bad axis, shapes and zero-point dtypes", test_errors},
      {"DynamicQuantizeLinear", test_dynamic},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("quantize ops", tests);
}

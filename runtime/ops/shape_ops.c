/* Ops that make tensors from shapes and attributes: Shape, Size, Constant,
 * ConstantOfShape, Range, EyeLike, OneHot, Trilu, CumSum. */
#include <math.h>
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

/* ---- Shape, Size ---- */

static void shape_range(const seam_op_ctx *ctx, int rank, int64_t *start, int64_t *end) {
  int64_t s = seam_attr_int(ctx->node, "start", 0), e = seam_attr_int(ctx->node, "end", rank);
  if (s < 0) s += rank;
  if (e < 0) e += rank;
  *start = s < 0 ? 0 : s > rank ? rank : s;
  *end = e < 0 ? 0 : e > rank ? rank : e;
  if (*end < *start) *end = *start;
}

seam_status seam_op_shape_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  int64_t s, e;
  shape_range(ctx, ctx->inputs[0]->rank, &s, &e);
  int64_t n = e - s;
  return seam_op_set_output(ctx, 0, SEAM_DTYPE_INT64, 1, &n);
}

seam_status seam_op_shape_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y) return SEAM_OK;
  int64_t s, e;
  shape_range(ctx, x->rank, &s, &e);
  int64_t *out = y->data;
  for (int64_t i = s; i < e; i++) out[i - s] = x->dims[i];
  return SEAM_OK;
}

seam_status seam_op_size_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, SEAM_DTYPE_INT64, 0, NULL);
}

seam_status seam_op_size_run(seam_op_ctx *ctx) {
  if (ctx->outputs[0]) *(int64_t *)ctx->outputs[0]->data = ctx->inputs[0]->count;
  return SEAM_OK;
}

/* ---- Constant ---- */

/* Finds the one value attribute of a Constant node. */
static seam_status constant_attr(seam_op_ctx *ctx, const seam_attr **out) {
  static const char *const supported[] = {"value", "value_float", "value_floats", "value_int",
                                          "value_ints"};
  static const char *const unsupported[] = {"sparse_value", "value_string", "value_strings"};
  *out = NULL;
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
    if (seam_node_attr(ctx->node, unsupported[i]))
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "Constant attribute '%s' is not supported",
                       unsupported[i]);
  for (size_t i = 0; i < sizeof supported / sizeof supported[0]; i++) {
    const seam_attr *a = seam_node_attr(ctx->node, supported[i]);
    if (!a) continue;
    if (*out)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "Constant has more than one value attribute");
    *out = a;
  }
  if (!*out)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "Constant has no value attribute");
  const seam_attr *a = *out;
  bool ok = (strcmp(a->name, "value") == 0 && a->type == SEAM_ATTR_TENSOR && a->tensor) ||
            (strcmp(a->name, "value_float") == 0 && a->type == SEAM_ATTR_FLOAT) ||
            (strcmp(a->name, "value_floats") == 0 && a->type == SEAM_ATTR_FLOATS) ||
            (strcmp(a->name, "value_int") == 0 && a->type == SEAM_ATTR_INT) ||
            (strcmp(a->name, "value_ints") == 0 && a->type == SEAM_ATTR_INTS);
  if (!ok)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute '%s' has the wrong type",
                     a->name);
  return SEAM_OK;
}

seam_status seam_op_constant_infer(seam_op_ctx *ctx) {
  const seam_attr *a;
  seam_status st = constant_attr(ctx, &a);
  if (st != SEAM_OK) return st;
  int64_t n = a->n;
  switch (a->type) {
  case SEAM_ATTR_TENSOR:
    return seam_op_set_output(ctx, 0, a->tensor->dtype, a->tensor->rank, a->tensor->dims);
  case SEAM_ATTR_FLOAT: return seam_op_set_output(ctx, 0, SEAM_DTYPE_FLOAT32, 0, NULL);
  case SEAM_ATTR_INT: return seam_op_set_output(ctx, 0, SEAM_DTYPE_INT64, 0, NULL);
  case SEAM_ATTR_FLOATS: return seam_op_set_output(ctx, 0, SEAM_DTYPE_FLOAT32, 1, &n);
  default: return seam_op_set_output(ctx, 0, SEAM_DTYPE_INT64, 1, &n);
  }
}

seam_status seam_op_constant_run(seam_op_ctx *ctx) {
  const seam_attr *a;
  seam_status st = constant_attr(ctx, &a);
  seam_tensor *y = ctx->outputs[0];
  if (st != SEAM_OK || !y) return st;
  switch (a->type) {
  case SEAM_ATTR_TENSOR:
    seam_copy_bytes(y->data, a->tensor->data,
                    (size_t)a->tensor->count * seam_dtype_size(a->tensor->dtype));
    break;
  case SEAM_ATTR_FLOAT: *(float *)y->data = a->f; break;
  case SEAM_ATTR_INT: *(int64_t *)y->data = a->i; break;
  case SEAM_ATTR_FLOATS: seam_copy_bytes(y->data, a->floats, sizeof(float) * (size_t)a->n); break;
  default: seam_copy_bytes(y->data, a->ints, sizeof(int64_t) * (size_t)a->n); break;
  }
  return SEAM_OK;
}

/* ---- ConstantOfShape ---- */

static seam_status constant_of_shape_value(seam_op_ctx *ctx, const seam_tensor **value) {
  const seam_attr *a = seam_node_attr(ctx->node, "value");
  *value = NULL;
  if (!a) return SEAM_OK;
  if (a->type != SEAM_ATTR_TENSOR || !a->tensor || a->tensor->count != 1)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "value must be a one-element tensor");
  *value = a->tensor;
  return SEAM_OK;
}

seam_status seam_op_constant_of_shape_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *value;
  if ((st = constant_of_shape_value(ctx, &value)) != SEAM_OK) return st;
  int64_t dims[SEAM_MAX_RANK];
  int n;
  if ((st = seam_op_read_ints(ctx, ctx->inputs[0], dims, SEAM_MAX_RANK, &n)) != SEAM_OK) return st;
  for (int i = 0; i < n; i++)
    if (dims[i] < 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "shape value %lld is negative",
                       (long long)dims[i]);
  return seam_op_set_output(ctx, 0, value ? value->dtype : SEAM_DTYPE_FLOAT32, n, dims);
}

seam_status seam_op_constant_of_shape_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  const seam_tensor *value;
  seam_status st = constant_of_shape_value(ctx, &value);
  if (st != SEAM_OK || !y || !value) return st; /* the default 0 is already there */
  size_t elem = seam_dtype_size(y->dtype);
  char *out = y->data;
  for (int64_t i = 0; i < y->count; i++) memcpy(out + (size_t)i * elem, value->data, elem);
  return SEAM_OK;
}

/* ---- Range ---- */

static seam_status range_count(seam_op_ctx *ctx, int64_t *count) {
  static const seam_dtype allowed[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                       SEAM_DTYPE_INT16,   SEAM_DTYPE_INT32,
                                       SEAM_DTYPE_INT64,   SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_inputs(ctx, 3);
  if (st != SEAM_OK || (st = seam_op_require_dtype(ctx, 0, allowed)) != SEAM_OK) return st;
  const seam_tensor *start = ctx->inputs[0], *limit = ctx->inputs[1], *delta = ctx->inputs[2];
  for (int i = 0; i < 3; i++) {
    if (ctx->inputs[i]->dtype != start->dtype)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d is %s, input 0 is %s", i,
                       seam_dtype_name(ctx->inputs[i]->dtype), seam_dtype_name(start->dtype));
    if (ctx->inputs[i]->count != 1 || ctx->inputs[i]->rank > 1)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d must be a scalar", i);
  }
  double n;
  if (seam_dtype_is_float(start->dtype)) {
    double s = seam_tensor_get_f64(start, 0), l = seam_tensor_get_f64(limit, 0),
           d = seam_tensor_get_f64(delta, 0);
    if (d == 0 || !isfinite(s) || !isfinite(l) || !isfinite(d))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "start, limit and delta must be finite, delta non-zero");
    n = ceil((l - s) / d);
  } else {
    int64_t s = seam_tensor_get_i64(start, 0), l = seam_tensor_get_i64(limit, 0),
            d = seam_tensor_get_i64(delta, 0);
    if (d == 0) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "delta is 0");
    /* int32 and narrower values cannot overflow int64 arithmetic; int64 ones
     * go through double when they are huge. */
    if ((l > 0 && s < l - INT64_MAX) || (l < 0 && s > l + INT64_MAX))
      n = ceil(((double)l - (double)s) / (double)d);
    else {
      int64_t diff = l - s;
      if ((diff > 0) != (d > 0) || diff == 0)
        n = 0;
      else
        n = (double)(diff / d + (diff % d != 0));
    }
  }
  if (n < 0) n = 0;
  if (n > (double)INT64_MAX / 16)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "Range of %g elements is too large", n);
  *count = (int64_t)n;
  return SEAM_OK;
}

seam_status seam_op_range_infer(seam_op_ctx *ctx) {
  int64_t n;
  seam_status st = range_count(ctx, &n);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, 1, &n);
}

seam_status seam_op_range_run(seam_op_ctx *ctx) {
  seam_tensor *y = ctx->outputs[0];
  if (!y) return SEAM_OK;
  const seam_tensor *start = ctx->inputs[0], *delta = ctx->inputs[2];
  switch (y->dtype) {
  case SEAM_DTYPE_FLOAT32: {
    float s = *(const float *)start->data, d = *(const float *)delta->data, *out = y->data;
    for (int64_t i = 0; i < y->count; i++) out[i] = s + (float)i * d;
    break;
  }
  case SEAM_DTYPE_FLOAT64: {
    double s = *(const double *)start->data, d = *(const double *)delta->data, *out = y->data;
    for (int64_t i = 0; i < y->count; i++) out[i] = s + (double)i * d;
    break;
  }
  default: {
    /* Every value lies between start and limit, so it fits the dtype. */
    int64_t s = seam_tensor_get_i64(start, 0), d = seam_tensor_get_i64(delta, 0), v = s;
    for (int64_t i = 0; i < y->count; i++) {
      switch (y->dtype) {
      case SEAM_DTYPE_INT16: ((int16_t *)y->data)[i] = (int16_t)v; break;
      case SEAM_DTYPE_INT32: ((int32_t *)y->data)[i] = (int32_t)v; break;
      default: ((int64_t *)y->data)[i] = v; break;
      }
      if (i + 1 < y->count) v += d;
    }
  }
  }
  return SEAM_OK;
}

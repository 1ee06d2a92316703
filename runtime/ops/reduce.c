/* ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
 * ReduceLogSum, ReduceLogSumExp, ReduceSumSquare.
 *
 * One kernel serves all ten: the axes, keepdims and noop_with_empty_axes
 * handling and the iteration (reduce_axes.h) are shared; a reduction is a
 * function from one gathered group of values to one value. Floating inputs
 * are reduced in double; integer inputs in exact int64 arithmetic where the
 * reduction allows it (sum, prod, min, max, L1, sum of squares, mean), the
 * others through double. A group of zero elements gives the identity of the
 * reduction (0 for sums, 1 for products, -inf/+inf for max/min (the dtype's
 * limits for integers), -inf for the log reductions, NaN for the mean). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/reduce_axes.h"
#include "runtime/ops/reduce_kernels.h"

typedef double (*reduce_f64_fn)(const double *x, int64_t n);
typedef int64_t (*reduce_i64_fn)(const int64_t *x, int64_t n);

typedef struct reducer {
  const char *op_type;
  reduce_f64_fn f64;
  reduce_i64_fn i64; /* exact integer version, or NULL to go through double */
  int axes_input_opset; /* first opset in which axes is an input instead of an attribute */
} reducer;

/* ---- the reductions ---- */

static double sum_f64(const double *x, int64_t n) {
  double a = 0;
  for (int64_t i = 0; i < n; i++) a += x[i];
  return a;
}

static double mean_f64(const double *x, int64_t n) {
  return n ? sum_f64(x, n) / (double)n : NAN;
}

/* max/min propagate NaN, as numpy does. */
static double max_f64(const double *x, int64_t n) {
  double a = -INFINITY;
  for (int64_t i = 0; i < n; i++)
    if (x[i] > a || isnan(x[i])) {
      a = x[i];
      if (isnan(a)) break;
    }
  return a;
}

static double min_f64(const double *x, int64_t n) {
  double a = INFINITY;
  for (int64_t i = 0; i < n; i++)
    if (x[i] < a || isnan(x[i])) {
      a = x[i];
      if (isnan(a)) break;
    }
  return a;
}

static double prod_f64(const double *x, int64_t n) {
  double a = 1;
  for (int64_t i = 0; i < n; i++) a *= x[i];
  return a;
}

static double l1_f64(const double *x, int64_t n) {
  double a = 0;
  for (int64_t i = 0; i < n; i++) a += fabs(x[i]);
  return a;
}

static double sumsq_f64(const double *x, int64_t n) {
  double a = 0;
  for (int64_t i = 0; i < n; i++) a += x[i] * x[i];
  return a;
}

static double l2_f64(const double *x, int64_t n) { return sqrt(sumsq_f64(x, n)); }

static double logsum_f64(const double *x, int64_t n) { return log(sum_f64(x, n)); }

/* log(sum(exp(x))) computed as m + log(sum(exp(x - m))) with m the max, so
 * large inputs do not overflow. */
static double logsumexp_f64(const double *x, int64_t n) {
  double m = max_f64(x, n);
  if (isnan(m) || isinf(m)) return m; /* NaN, all -inf (or empty), or a +inf */
  double a = 0;
  for (int64_t i = 0; i < n; i++) a += exp(x[i] - m);
  return m + log(a);
}

/* Integer sums and products wrap (computed unsigned, so overflow is defined). */
static int64_t sum_i64(const int64_t *x, int64_t n) {
  uint64_t a = 0;
  for (int64_t i = 0; i < n; i++) a += (uint64_t)x[i];
  return (int64_t)a;
}

static int64_t mean_i64(const int64_t *x, int64_t n) {
  return n ? sum_i64(x, n) / n : 0; /* truncates toward zero, like numpy's astype */
}

static int64_t max_i64(const int64_t *x, int64_t n) {
  int64_t a = INT64_MIN;
  for (int64_t i = 0; i < n; i++)
    if (x[i] > a) a = x[i];
  return a;
}

static int64_t min_i64(const int64_t *x, int64_t n) {
  int64_t a = INT64_MAX;
  for (int64_t i = 0; i < n; i++)
    if (x[i] < a) a = x[i];
  return a;
}

static int64_t prod_i64(const int64_t *x, int64_t n) {
  uint64_t a = 1;
  for (int64_t i = 0; i < n; i++) a *= (uint64_t)x[i];
  return (int64_t)a;
}

static int64_t l1_i64(const int64_t *x, int64_t n) {
  uint64_t a = 0;
  for (int64_t i = 0; i < n; i++) a += x[i] < 0 ? 0 - (uint64_t)x[i] : (uint64_t)x[i];
  return (int64_t)a;
}

static int64_t sumsq_i64(const int64_t *x, int64_t n) {
  uint64_t a = 0;
  for (int64_t i = 0; i < n; i++) a += (uint64_t)x[i] * (uint64_t)x[i];
  return (int64_t)a;
}

static const reducer reducers[] = {
    {"ReduceSum", sum_f64, sum_i64, 13},
    {"ReduceMean", mean_f64, mean_i64, 18},
    {"ReduceMax", max_f64, max_i64, 18},
    {"ReduceMin", min_f64, min_i64, 18},
    {"ReduceProd", prod_f64, prod_i64, 18},
    {"ReduceL1", l1_f64, l1_i64, 18},
    {"ReduceL2", l2_f64, NULL, 18},
    {"ReduceLogSum", logsum_f64, NULL, 18},
    {"ReduceLogSumExp", logsumexp_f64, NULL, 18},
    {"ReduceSumSquare", sumsq_f64, sumsq_i64, 18},
};

static const reducer *find_reducer(const char *op_type) {
  for (size_t i = 0; i < sizeof reducers / sizeof reducers[0]; i++)
    if (strcmp(reducers[i].op_type, op_type) == 0) return &reducers[i];
  return NULL;
}

/* ---- storing results ---- */

static bool is_int_dtype(seam_dtype d) {
  return d == SEAM_DTYPE_INT8 || d == SEAM_DTYPE_UINT8 || d == SEAM_DTYPE_INT16 ||
         d == SEAM_DTYPE_UINT16 || d == SEAM_DTYPE_INT32 || d == SEAM_DTYPE_UINT32 ||
         d == SEAM_DTYPE_INT64;
}

static void int_range(seam_dtype d, int64_t *lo, int64_t *hi) {
  switch (d) {
  case SEAM_DTYPE_INT8: *lo = INT8_MIN, *hi = INT8_MAX; break;
  case SEAM_DTYPE_UINT8: *lo = 0, *hi = UINT8_MAX; break;
  case SEAM_DTYPE_INT16: *lo = INT16_MIN, *hi = INT16_MAX; break;
  case SEAM_DTYPE_UINT16: *lo = 0, *hi = UINT16_MAX; break;
  case SEAM_DTYPE_INT32: *lo = INT32_MIN, *hi = INT32_MAX; break;
  case SEAM_DTYPE_UINT32: *lo = 0, *hi = UINT32_MAX; break;
  default: *lo = INT64_MIN, *hi = INT64_MAX; break;
  }
}

/* Stores v into element i of an integer tensor, saturating to its range. */
static void store_int(seam_tensor *t, int64_t i, int64_t v) {
  int64_t lo, hi;
  int_range(t->dtype, &lo, &hi);
  v = v < lo ? lo : v > hi ? hi : v;
  switch (t->dtype) {
  case SEAM_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)v; break;
  case SEAM_DTYPE_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)v; break;
  case SEAM_DTYPE_INT16: ((int16_t *)t->data)[i] = (int16_t)v; break;
  case SEAM_DTYPE_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)v; break;
  case SEAM_DTYPE_INT32: ((int32_t *)t->data)[i] = (int32_t)v; break;
  case SEAM_DTYPE_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)v; break;
  default: ((int64_t *)t->data)[i] = v; break;
  }
}

/* Converts a double to int64 without undefined behaviour: truncates toward
 * zero, saturates, and maps NaN to 0. */
static int64_t f64_to_i64(double v) {
  if (isnan(v)) return 0;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  if (v >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)v;
}

/* ---- the kernel ---- */

typedef struct reduce_plan {
  const reducer *r;
  bool mask[SEAM_MAX_RANK];
  bool noop; /* no axes and noop_with_empty_axes: the output is the input */
  int out_rank;
  int64_t out_dims[SEAM_MAX_RANK];
} reduce_plan;

static const seam_dtype reduce_dtypes[] = {
    SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT8,   SEAM_DTYPE_UINT8,
    SEAM_DTYPE_INT16,   SEAM_DTYPE_UINT16,  SEAM_DTYPE_INT32,  SEAM_DTYPE_UINT32,
    SEAM_DTYPE_INT64,   SEAM_DTYPE_UNDEFINED};

static seam_status make_plan(seam_op_ctx *ctx, reduce_plan *p) {
  seam_status st;
  const seam_node *node = ctx->node;
  if (!(p->r = find_reducer(node->op_type)))
    return seam_fail(ctx->err, SEAM_ERR_INTERNAL, "no reduction named %s", node->op_type);
  if ((st = seam_op_require_dtype(ctx, 0, reduce_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];

  int64_t axes[SEAM_MAX_RANK];
  int n_axes = 0;
  if (node->opset >= p->r->axes_input_opset) {
    const seam_tensor *t = seam_op_input(ctx, 1);
    if (t && (st = seam_op_read_ints(ctx, t, axes, SEAM_MAX_RANK, &n_axes)) != SEAM_OK)
      return st;
  } else {
    if (seam_op_input(ctx, 1))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "axes is an attribute before opset %d, not an input",
                       p->r->axes_input_opset);
    const int64_t *a = seam_attr_ints(node, "axes", &n_axes);
    if (n_axes > SEAM_MAX_RANK)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%d axes for rank %d", n_axes,
                       x->rank);
    if (n_axes) memcpy(axes, a, sizeof(int64_t) * (size_t)n_axes);
  }
  int64_t keepdims = seam_attr_int(node, "keepdims", 1);
  int64_t noop_empty = seam_attr_int(node, "noop_with_empty_axes", 0);

  p->noop = false;
  if (n_axes == 0) {
    p->noop = noop_empty != 0;
    for (int d = 0; d < x->rank; d++) p->mask[d] = !p->noop; /* no axes: reduce them all */
  } else if ((st = seam_axes_mask(ctx, x->rank, axes, n_axes, p->mask)) != SEAM_OK) {
    return st;
  }
  p->out_rank = 0;
  for (int d = 0; d < x->rank; d++) {
    if (!p->mask[d]) p->out_dims[p->out_rank++] = x->dims[d];
    else if (keepdims) p->out_dims[p->out_rank++] = 1;
  }
  return SEAM_OK;
}

seam_status seam_reduce_infer(seam_op_ctx *ctx) {
  reduce_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, p.out_rank, p.out_dims);
}

seam_status seam_reduce_run(seam_op_ctx *ctx) {
  reduce_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y) return SEAM_OK;
  if (p.noop) {
    if (x->count) memcpy(y->data, x->data, (size_t)x->count * seam_dtype_size(x->dtype));
    return SEAM_OK;
  }
  seam_axes_split s;
  seam_axes_split_init(&s, x, p.mask);
  if (s.kept_count == 0) return SEAM_OK;

  bool integer = is_int_dtype(x->dtype), exact = integer && p.r->i64;
  /* One group at a time, converted to double or int64 (both 8 bytes). */
  size_t scratch_n = s.red_count > 0 ? (size_t)s.red_count : 1;
  void *scratch = malloc(scratch_n * 8);
  if (!scratch) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");

  seam_odometer o;
  seam_odometer_start(&o, s.n_kept, s.kept_dims, s.kept_strides);
  for (int64_t g = 0; g < s.kept_count; g++, seam_odometer_next(&o)) {
    if (exact) {
      int64_t *v = scratch;
      if (s.red_count) seam_axes_gather_i64(x, &s, o.offset, v);
      store_int(y, g, p.r->i64(v, s.red_count));
    } else {
      double *v = scratch;
      if (s.red_count) seam_axes_gather_f64(x, &s, o.offset, v);
      double r = p.r->f64(v, s.red_count);
      if (integer) store_int(y, g, f64_to_i64(r));
      else seam_tensor_set_f64(y, g, r);
    }
  }
  free(scratch);
  return SEAM_OK;
}

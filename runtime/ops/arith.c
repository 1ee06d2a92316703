/* Arithmetic with numpy broadcasting: Add, Sub, Mul, Div, Mod, Max, Min,
 * Sum, Mean, BitShift and Pow.
 *
 * Integer arithmetic wraps around (two's complement) instead of overflowing,
 * integer division truncates toward zero as C does, and x / 0 and x % 0 give
 * 0 for integers (as numpy does) rather than trapping. Float Max/Min
 * propagate NaN like numpy's maximum/minimum. */
#include <math.h>
#include <string.h>

#include "runtime/ops/broadcast_binary.h"
#include "runtime/ops/elementwise.h"

#define N_DTYPES (SEAM_DTYPE_UINT64 + 1)

/* ---- scalar helpers for the cases C leaves undefined ---- */

static inline int64_t sdiv(int64_t x, int64_t y) {
  if (y == 0) return 0;
  if (y == -1) return (int64_t)(0 - (uint64_t)x); /* INT_MIN / -1 wraps */
  return x / y;
}

/* Remainder with the sign of the dividend (C's %, ONNX fmod=1). */
static inline int64_t srem(int64_t x, int64_t y) {
  if (y == 0 || y == -1) return 0;
  return x % y;
}

/* Remainder with the sign of the divisor (Python's %, ONNX fmod=0). */
static inline int64_t smod(int64_t x, int64_t y) {
  int64_t r = srem(x, y);
  return (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
}

static inline double fmod_floor(double x, double y) {
  double r = fmod(x, y);
  return (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
}

static inline uint64_t shl(uint64_t x, uint64_t y) { return y >= 64 ? 0 : x << y; }
static inline uint64_t shr(uint64_t x, uint64_t y) { return y >= 64 ? 0 : x >> y; }

/* ---- row functions, one per op and dtype ---- */

#define ROWS_FLOAT(op, expr)                                                                      \
  SEAM_BCAST_ROW(op##_f32, float, expr)                                                           \
  SEAM_BCAST_ROW(op##_f64, double, expr)
#define ROWS_SINT(op, expr)                                                                       \
  SEAM_BCAST_ROW(op##_i8, int8_t, expr)                                                           \
  SEAM_BCAST_ROW(op##_i16, int16_t, expr)                                                         \
  SEAM_BCAST_ROW(op##_i32, int32_t, expr)                                                         \
  SEAM_BCAST_ROW(op##_i64, int64_t, expr)
#define ROWS_UINT(op, expr)                                                                       \
  SEAM_BCAST_ROW(op##_u8, uint8_t, expr)                                                          \
  SEAM_BCAST_ROW(op##_u16, uint16_t, expr)                                                        \
  SEAM_BCAST_ROW(op##_u32, uint32_t, expr)                                                        \
  SEAM_BCAST_ROW(op##_u64, uint64_t, expr)

#define SLOTS_FLOAT(op) [SEAM_DTYPE_FLOAT32] = op##_f32, [SEAM_DTYPE_FLOAT64] = op##_f64
#define SLOTS_SINT(op)                                                                            \
  [SEAM_DTYPE_INT8] = op##_i8, [SEAM_DTYPE_INT16] = op##_i16, [SEAM_DTYPE_INT32] = op##_i32,      \
  [SEAM_DTYPE_INT64] = op##_i64
#define SLOTS_UINT(op)                                                                            \
  [SEAM_DTYPE_UINT8] = op##_u8, [SEAM_DTYPE_UINT16] = op##_u16, [SEAM_DTYPE_UINT32] = op##_u32,   \
  [SEAM_DTYPE_UINT64] = op##_u64

/* Integer +, -, * are done in uint64_t: wrap-around, never signed overflow. */
ROWS_FLOAT(add, x + y)
ROWS_SINT(add, (uint64_t)x + (uint64_t)y)
ROWS_UINT(add, (uint64_t)x + (uint64_t)y)
ROWS_FLOAT(sub, x - y)
ROWS_SINT(sub, (uint64_t)x - (uint64_t)y)
ROWS_UINT(sub, (uint64_t)x - (uint64_t)y)
ROWS_FLOAT(mul, x * y)
ROWS_SINT(mul, (uint64_t)x * (uint64_t)y)
ROWS_UINT(mul, (uint64_t)x * (uint64_t)y)
ROWS_FLOAT(div, x / y)
ROWS_SINT(div, sdiv(x, y))
ROWS_UINT(div, y ? x / y : 0)
ROWS_FLOAT(modc, fmod(x, y))
ROWS_SINT(modc, srem(x, y))
ROWS_UINT(modc, y ? x % y : 0)
ROWS_FLOAT(modf, fmod_floor(x, y))
ROWS_SINT(modf, smod(x, y))
ROWS_FLOAT(max, (x > y || isnan(x)) ? x : y)
ROWS_SINT(max, x > y ? x : y)
ROWS_UINT(max, x > y ? x : y)
ROWS_FLOAT(min, (x < y || isnan(x)) ? x : y)
ROWS_SINT(min, x < y ? x : y)
ROWS_UINT(min, x < y ? x : y)
ROWS_UINT(shl, shl(x, y))
ROWS_UINT(shr, shr(x, y))

typedef struct arith_def {
  const char *op;
  bool variadic; /* 1..N inputs folded left to right (Sum, Max, Min, Mean) */
  seam_bcast_row_fn rows[N_DTYPES];
} arith_def;

static const arith_def k_add = {"Add", false, {SLOTS_FLOAT(add), SLOTS_SINT(add), SLOTS_UINT(add)}};
static const arith_def k_sub = {"Sub", false, {SLOTS_FLOAT(sub), SLOTS_SINT(sub), SLOTS_UINT(sub)}};
static const arith_def k_mul = {"Mul", false, {SLOTS_FLOAT(mul), SLOTS_SINT(mul), SLOTS_UINT(mul)}};
static const arith_def k_div = {"Div", false, {SLOTS_FLOAT(div), SLOTS_SINT(div), SLOTS_UINT(div)}};
static const arith_def k_modc = {"Mod", false,
                                 {SLOTS_FLOAT(modc), SLOTS_SINT(modc), SLOTS_UINT(modc)}};
/* Unsigned remainders have no sign to fix: fmod=0 and fmod=1 agree. */
static const arith_def k_modf = {"Mod", false,
                                 {SLOTS_FLOAT(modf), SLOTS_SINT(modf), SLOTS_UINT(modc)}};
static const arith_def k_max = {"Max", true, {SLOTS_FLOAT(max), SLOTS_SINT(max), SLOTS_UINT(max)}};
static const arith_def k_min = {"Min", true, {SLOTS_FLOAT(min), SLOTS_SINT(min), SLOTS_UINT(min)}};
static const arith_def k_sum = {"Sum", true, {SLOTS_FLOAT(add), SLOTS_SINT(add), SLOTS_UINT(add)}};
static const arith_def k_mean = {"Mean", true, {SLOTS_FLOAT(add)}};
static const arith_def k_shl = {"BitShift", false, {SLOTS_UINT(shl)}};
static const arith_def k_shr = {"BitShift", false, {SLOTS_UINT(shr)}};

static seam_status find_def(seam_op_ctx *ctx, const arith_def **out) {
  const seam_node *node = ctx->node;
  const char *op = node->op_type;
  static const arith_def *const plain[] = {&k_add, &k_sub, &k_mul, &k_div, &k_max,
                                           &k_min, &k_sum, &k_mean};
  *out = NULL;
  for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
    if (strcmp(op, plain[i]->op) == 0) *out = plain[i];
  if (strcmp(op, "Mod") == 0) {
    int64_t f = seam_attr_int(node, "fmod", 0);
    if (f != 0 && f != 1)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "fmod must be 0 or 1, got %lld",
                       (long long)f);
    *out = f ? &k_modc : &k_modf;
  } else if (strcmp(op, "BitShift") == 0) {
    const char *dir = seam_attr_string(node, "direction", NULL);
    if (dir && strcmp(dir, "LEFT") == 0) *out = &k_shl;
    else if (dir && strcmp(dir, "RIGHT") == 0) *out = &k_shr;
    else
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "direction must be \"LEFT\" or \"RIGHT\", got %s", dir ? dir : "nothing");
  }
  if (!*out) return seam_fail(ctx->err, SEAM_ERR_INTERNAL, "no arithmetic kernel for %s", op);
  /* Opset < 7 had an explicit broadcast axis; numpy alignment only covers its default. */
  if (node->opset < 7 && seam_node_attr(node, "axis") && seam_attr_int(node, "broadcast", 0))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "legacy broadcast with an axis attribute");
  return SEAM_OK;
}

/* Checks the operands (count, presence, common dtype) and returns their count. */
static seam_status check_operands(seam_op_ctx *ctx, const arith_def *def, int *n_out) {
  int n = ctx->n_inputs;
  if (def->variadic ? n < 1 : n != 2)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s takes %s inputs, got %d", def->op,
                     def->variadic ? "1 or more" : "2", n);
  for (int i = 0; i < n; i++) {
    const seam_tensor *t = seam_op_input(ctx, i);
    if (!t) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input %d is missing", i);
    if (t->dtype != ctx->inputs[0]->dtype)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input %d is %s but input 0 is %s", i,
                       seam_dtype_name(t->dtype), seam_dtype_name(ctx->inputs[0]->dtype));
  }
  seam_dtype dt = ctx->inputs[0]->dtype;
  if ((unsigned)dt >= N_DTYPES || !def->rows[dt])
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "%s does not support dtype %s", def->op,
                     seam_dtype_name(dt));
  *n_out = n;
  return SEAM_OK;
}

seam_status seam_ew_arith_infer(seam_op_ctx *ctx) {
  const arith_def *def;
  int n;
  seam_status st = find_def(ctx, &def);
  if (st == SEAM_OK) st = check_operands(ctx, def, &n);
  if (st != SEAM_OK) return st;
  int rank = ctx->inputs[0]->rank;
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, ctx->inputs[0]->dims, sizeof dims);
  for (int i = 1; i < n; i++) {
    int64_t prev[SEAM_MAX_RANK];
    memcpy(prev, dims, sizeof prev);
    st = seam_broadcast_shape(ctx, rank, prev, ctx->inputs[i]->rank, ctx->inputs[i]->dims, &rank,
                              dims);
    if (st != SEAM_OK) return st;
  }
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, rank, dims);
}

seam_status seam_ew_arith_run(seam_op_ctx *ctx) {
  const arith_def *def;
  int n;
  seam_status st = find_def(ctx, &def);
  if (st == SEAM_OK) st = check_operands(ctx, def, &n);
  if (st != SEAM_OK) return st;
  seam_tensor *out = ctx->outputs[0];
  if (!out) return SEAM_OK;
  seam_bcast_row_fn fn = def->rows[out->dtype];
  if (n == 1) {
    /* A lone operand already has the output's shape. */
    memcpy(out->data, ctx->inputs[0]->data, (size_t)out->count * seam_dtype_size(out->dtype));
  } else {
    const seam_tensor *pair[2] = {ctx->inputs[0], ctx->inputs[1]};
    seam_bcast_run(out, 2, pair, fn, NULL);
    for (int i = 2; i < n; i++) {
      pair[0] = out;
      pair[1] = ctx->inputs[i];
      seam_bcast_run(out, 2, pair, fn, NULL);
    }
  }
  if (def == &k_mean && n > 1) {
    if (out->dtype == SEAM_DTYPE_FLOAT32) {
      float *o = out->data;
      for (int64_t i = 0; i < out->count; i++) o[i] /= (float)n;
    } else {
      double *o = out->data;
      for (int64_t i = 0; i < out->count; i++) o[i] /= (double)n;
    }
  }
  return SEAM_OK;
}

/* ---- Pow: the exponent may have another dtype than the base ---- */

SEAM_BCAST_ROW(pow_f32, float, pow(x, y))
SEAM_BCAST_ROW(pow_f64, double, pow(x, y))

static double load_f64(const void *p, seam_dtype t) {
  switch (t) {
  case SEAM_DTYPE_FLOAT32: return *(const float *)p;
  case SEAM_DTYPE_FLOAT64: return *(const double *)p;
  case SEAM_DTYPE_INT8: return *(const int8_t *)p;
  case SEAM_DTYPE_INT16: return *(const int16_t *)p;
  case SEAM_DTYPE_INT32: return *(const int32_t *)p;
  case SEAM_DTYPE_INT64: return (double)*(const int64_t *)p;
  case SEAM_DTYPE_UINT8: return *(const uint8_t *)p;
  case SEAM_DTYPE_UINT16: return *(const uint16_t *)p;
  case SEAM_DTYPE_UINT32: return *(const uint32_t *)p;
  case SEAM_DTYPE_UINT64: return (double)*(const uint64_t *)p;
  default: return 0;
  }
}

/* Integer values; uint64 values above INT64_MAX saturate (only exponents use this). */
static int64_t load_i64(const void *p, seam_dtype t) {
  switch (t) {
  case SEAM_DTYPE_INT8: return *(const int8_t *)p;
  case SEAM_DTYPE_INT16: return *(const int16_t *)p;
  case SEAM_DTYPE_INT32: return *(const int32_t *)p;
  case SEAM_DTYPE_INT64: return *(const int64_t *)p;
  case SEAM_DTYPE_UINT8: return *(const uint8_t *)p;
  case SEAM_DTYPE_UINT16: return *(const uint16_t *)p;
  case SEAM_DTYPE_UINT32: return *(const uint32_t *)p;
  case SEAM_DTYPE_UINT64: {
    uint64_t v = *(const uint64_t *)p;
    return v > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)v;
  }
  default: return 0;
  }
}

/* base^e in wrap-around integer arithmetic; negative exponents truncate
 * 1/base^|e| toward zero. */
static uint64_t ipow(int64_t base, int64_t e) {
  if (e < 0) {
    if (base == 1) return 1;
    if (base == -1) return (e & 1) ? (uint64_t)-1 : 1;
    return 0; /* |1/base^|e|| < 1, and 1/0 has no integer answer */
  }
  uint64_t r = 1, b = (uint64_t)base;
  for (uint64_t k = (uint64_t)e; k; k >>= 1) {
    if (k & 1) r *= b;
    b *= b;
  }
  return r;
}

static void store_from_int(void *p, seam_dtype t, uint64_t v) {
  switch (t) {
  case SEAM_DTYPE_INT8: *(int8_t *)p = (int8_t)v; break;
  case SEAM_DTYPE_INT16: *(int16_t *)p = (int16_t)v; break;
  case SEAM_DTYPE_INT32: *(int32_t *)p = (int32_t)v; break;
  case SEAM_DTYPE_INT64: *(int64_t *)p = (int64_t)v; break;
  case SEAM_DTYPE_UINT8: *(uint8_t *)p = (uint8_t)v; break;
  case SEAM_DTYPE_UINT16: *(uint16_t *)p = (uint16_t)v; break;
  case SEAM_DTYPE_UINT32: *(uint32_t *)p = (uint32_t)v; break;
  case SEAM_DTYPE_UINT64: *(uint64_t *)p = v; break;
  default: break;
  }
}

static void store_from_double(void *p, seam_dtype t, double v) {
  switch (t) {
  case SEAM_DTYPE_FLOAT32: *(float *)p = (float)v; break;
  case SEAM_DTYPE_FLOAT64: *(double *)p = v; break;
  case SEAM_DTYPE_INT8: *(int8_t *)p = (int8_t)seam_ew_f2i(v, INT8_MIN, INT8_MAX); break;
  case SEAM_DTYPE_INT16: *(int16_t *)p = (int16_t)seam_ew_f2i(v, INT16_MIN, INT16_MAX); break;
  case SEAM_DTYPE_INT32: *(int32_t *)p = (int32_t)seam_ew_f2i(v, INT32_MIN, INT32_MAX); break;
  case SEAM_DTYPE_INT64: *(int64_t *)p = seam_ew_f2i(v, INT64_MIN, INT64_MAX); break;
  case SEAM_DTYPE_UINT8: *(uint8_t *)p = (uint8_t)seam_ew_f2i(v, 0, UINT8_MAX); break;
  case SEAM_DTYPE_UINT16: *(uint16_t *)p = (uint16_t)seam_ew_f2i(v, 0, UINT16_MAX); break;
  case SEAM_DTYPE_UINT32: *(uint32_t *)p = (uint32_t)seam_ew_f2i(v, 0, UINT32_MAX); break;
  case SEAM_DTYPE_UINT64: *(uint64_t *)p = seam_ew_f2u64(v); break;
  default: break;
  }
}

typedef struct pow_types {
  seam_dtype base, expo;
} pow_types;

/* Mixed dtypes: one element at a time through double (or exact integer
 * powers when both operands are integers). */
static void pow_mixed(void *out, const void *const *in, const int64_t *step, int64_t n,
                      const void *param) {
  const pow_types *t = param;
  const size_t sb = seam_dtype_size(t->base), se = seam_dtype_size(t->expo);
  const bool int_base = seam_dtype_is_integer(t->base), int_expo = seam_dtype_is_integer(t->expo);
  const char *b = in[0], *e = in[1];
  char *o = out;
  for (int64_t i = 0; i < n; i++) {
    const void *pb = b + (size_t)(i * step[0]) * sb, *pe = e + (size_t)(i * step[1]) * se;
    void *po = o + (size_t)i * sb;
    if (int_base && int_expo)
      store_from_int(po, t->base, ipow(load_i64(pb, t->base), load_i64(pe, t->expo)));
    else
      store_from_double(po, t->base, pow(load_f64(pb, t->base), load_f64(pe, t->expo)));
  }
}

static bool is_numeric(seam_dtype t) {
  return seam_dtype_is_integer(t) || t == SEAM_DTYPE_FLOAT32 || t == SEAM_DTYPE_FLOAT64;
}

seam_status seam_ew_pow_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *in[2] = {ctx->inputs[0], ctx->inputs[1]};
  for (int i = 0; i < 2; i++)
    if (!is_numeric(in[i]->dtype))
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "Pow does not support dtype %s (input %d)",
                       seam_dtype_name(in[i]->dtype), i);
  return seam_bcast_infer(ctx, 2, in, in[0]->dtype, 0);
}

seam_status seam_ew_pow_run(seam_op_ctx *ctx) {
  const seam_tensor *in[2] = {ctx->inputs[0], ctx->inputs[1]};
  seam_tensor *out = ctx->outputs[0];
  if (!out) return SEAM_OK;
  pow_types t = {in[0]->dtype, in[1]->dtype};
  seam_bcast_row_fn fn = pow_mixed;
  if (t.base == SEAM_DTYPE_FLOAT32 && t.expo == SEAM_DTYPE_FLOAT32) fn = pow_f32;
  if (t.base == SEAM_DTYPE_FLOAT64 && t.expo == SEAM_DTYPE_FLOAT64) fn = pow_f64;
  seam_bcast_run(out, 2, in, fn, &t);
  return SEAM_OK;
}

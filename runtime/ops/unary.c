/* Pointwise math and activations (Relu ... Atanh, IsNaN, IsInf), plus the
 * two activations with extra operands: PRelu (broadcast slope) and Clip.
 *
 * Float ops are written once over double: float32 inputs are widened,
 * computed and rounded back, which is exact for the piecewise-linear ops and
 * at least as accurate as float math for the transcendental ones. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "runtime/ops/broadcast_binary.h"
#include "runtime/ops/elementwise.h"

#define N_DTYPES (SEAM_DTYPE_UINT64 + 1)

typedef struct unary_params {
  double alpha, beta, gamma;
} unary_params;

typedef void (*unary_fn)(const void *in, void *out, int64_t n, const unary_params *p);

/* ---- scalar definitions ---- */

static inline double sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + exp(-x));
  double e = exp(x);
  return e / (1.0 + e);
}

/* log(1 + e^x) without overflow for large x. */
static inline double softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }

static inline double round_half_even(double x) {
  double r = round(x); /* halves away from zero */
  if (fabs(x - trunc(x)) == 0.5) r = 2.0 * round(x / 2.0);
  return r;
}

static inline double clamp01(double x) { return x < 0 ? 0 : x > 1 ? 1 : x; }

/* UNARY_FLOAT(name, expr): expr computes the result from double x and the
 * params p; defines name_f32 and name_f64. */
#define UNARY_FLOAT(name, expr)                                                                   \
  static inline double name##_op(double x, const unary_params *p) {                               \
    (void)p;                                                                                      \
    return (expr);                                                                                \
  }                                                                                               \
  static void name##_f32(const void *in, void *out, int64_t n, const unary_params *p) {          \
    const float *a = in;                                                                          \
    float *o = out;                                                                               \
    for (int64_t i = 0; i < n; i++) o[i] = (float)name##_op(a[i], p);                             \
  }                                                                                               \
  static void name##_f64(const void *in, void *out, int64_t n, const unary_params *p) {          \
    const double *a = in;                                                                         \
    double *o = out;                                                                              \
    for (int64_t i = 0; i < n; i++) o[i] = name##_op(a[i], p);                                    \
  }

/* UNARY_BOOL(name, expr): float input, bool output. */
#define UNARY_BOOL(name, expr)                                                                    \
  static inline bool name##_op(double x, const unary_params *p) {                                 \
    (void)p;                                                                                      \
    return (expr);                                                                                \
  }                                                                                               \
  static void name##_f32(const void *in, void *out, int64_t n, const unary_params *p) {          \
    const float *a = in;                                                                          \
    uint8_t *o = out;                                                                             \
    for (int64_t i = 0; i < n; i++) o[i] = name##_op(a[i], p);                                    \
  }                                                                                               \
  static void name##_f64(const void *in, void *out, int64_t n, const unary_params *p) {          \
    const double *a = in;                                                                         \
    uint8_t *o = out;                                                                             \
    for (int64_t i = 0; i < n; i++) o[i] = name##_op(a[i], p);                                    \
  }

/* UNARY_INT1(fname, T, expr): integer rows; expr uses x (T). Negation goes
 * through uint64_t so that INT_MIN wraps instead of overflowing. */
#define UNARY_INT1(fname, T, expr)                                                                \
  static void fname(const void *in, void *out, int64_t n, const unary_params *p) {               \
    const T *a = in;                                                                              \
    T *o = out;                                                                                   \
    (void)p;                                                                                      \
    for (int64_t i = 0; i < n; i++) {                                                             \
      const T x = a[i];                                                                           \
      o[i] = (T)(expr);                                                                           \
    }                                                                                             \
  }
#define UNARY_SINT(name, expr)                                                                    \
  UNARY_INT1(name##_i8, int8_t, expr)                                                             \
  UNARY_INT1(name##_i16, int16_t, expr)                                                           \
  UNARY_INT1(name##_i32, int32_t, expr)                                                           \
  UNARY_INT1(name##_i64, int64_t, expr)
#define UNARY_UINT(name, expr)                                                                    \
  UNARY_INT1(name##_u8, uint8_t, expr)                                                            \
  UNARY_INT1(name##_u16, uint16_t, expr)                                                          \
  UNARY_INT1(name##_u32, uint32_t, expr)                                                          \
  UNARY_INT1(name##_u64, uint64_t, expr)

#define SLOTS_FLOAT(op) [SEAM_DTYPE_FLOAT32] = op##_f32, [SEAM_DTYPE_FLOAT64] = op##_f64
#define SLOTS_SINT(op)                                                                            \
  [SEAM_DTYPE_INT8] = op##_i8, [SEAM_DTYPE_INT16] = op##_i16, [SEAM_DTYPE_INT32] = op##_i32,      \
  [SEAM_DTYPE_INT64] = op##_i64
#define SLOTS_UINT(op)                                                                            \
  [SEAM_DTYPE_UINT8] = op##_u8, [SEAM_DTYPE_UINT16] = op##_u16, [SEAM_DTYPE_UINT32] = op##_u32,   \
  [SEAM_DTYPE_UINT64] = op##_u64

/* Written so that NaN falls through to x: NaN in, NaN out, as in NumPy
 * (np.maximum, np.clip) and PyTorch. */
UNARY_FLOAT(relu, x < 0 ? 0.0 : x)
UNARY_SINT(relu, x > 0 ? x : 0)
UNARY_FLOAT(leaky_relu, x >= 0 ? x : p->alpha * x)
UNARY_FLOAT(elu, x >= 0 ? x : p->alpha * expm1(x))
UNARY_FLOAT(selu, x > 0 ? p->gamma * x : p->gamma * p->alpha * expm1(x))
UNARY_FLOAT(celu, x > 0 ? x : x <= 0 ? p->alpha * expm1(x / p->alpha) : x)
UNARY_FLOAT(thresholded_relu, x <= p->alpha ? 0.0 : x)
UNARY_FLOAT(sigmoid, sigmoid(x))
UNARY_FLOAT(hard_sigmoid, clamp01(p->alpha * x + p->beta))
UNARY_FLOAT(hard_swish, x * clamp01(x / 6.0 + 0.5))
UNARY_FLOAT(softplus, softplus(x))
UNARY_FLOAT(softsign, x / (1.0 + fabs(x)))
UNARY_FLOAT(mish, x * tanh(softplus(x)))
UNARY_FLOAT(tanh, tanh(x))
UNARY_FLOAT(erf, erf(x))
UNARY_FLOAT(exp, exp(x))
UNARY_FLOAT(log, log(x))
UNARY_FLOAT(sqrt, sqrt(x))
UNARY_FLOAT(neg, -x)
UNARY_SINT(neg, 0 - (uint64_t)x)
UNARY_FLOAT(abs, fabs(x))
UNARY_SINT(abs, x < 0 ? 0 - (uint64_t)x : (uint64_t)x)
UNARY_UINT(abs, x)
UNARY_FLOAT(reciprocal, 1.0 / x)
UNARY_FLOAT(floor, floor(x))
UNARY_FLOAT(ceil, ceil(x))
UNARY_FLOAT(round, round_half_even(x))
UNARY_FLOAT(sign, x > 0 ? 1.0 : x < 0 ? -1.0 : x) /* keeps 0 and NaN */
UNARY_SINT(sign, (x > 0) - (x < 0))
UNARY_UINT(sign, x > 0)
UNARY_FLOAT(sin, sin(x))
UNARY_FLOAT(cos, cos(x))
UNARY_FLOAT(tan, tan(x))
UNARY_FLOAT(asin, asin(x))
UNARY_FLOAT(acos, acos(x))
UNARY_FLOAT(atan, atan(x))
UNARY_FLOAT(sinh, sinh(x))
UNARY_FLOAT(cosh, cosh(x))
UNARY_FLOAT(asinh, asinh(x))
UNARY_FLOAT(acosh, acosh(x))
UNARY_FLOAT(atanh, atanh(x))
UNARY_BOOL(isnan, isnan(x))
UNARY_BOOL(isinf, isinf(x) && (x > 0 ? p->beta != 0 : p->alpha != 0))

/* An op: its rows by input dtype, output dtype (UNDEFINED: same as input)
 * and up to three attributes read into alpha, beta, gamma. */
typedef struct unary_def {
  const char *op;
  unary_fn rows[N_DTYPES];
  seam_dtype out_dtype;
  struct {
    const char *name;
    double dflt;
  } attrs[3];
} unary_def;

#define NO_ATTRS {{NULL, 0}}
static const unary_def k_unary[] = {
    {"Relu", {SLOTS_FLOAT(relu), SLOTS_SINT(relu)}, 0, NO_ATTRS},
    {"LeakyRelu", {SLOTS_FLOAT(leaky_relu)}, 0, {{"alpha", 0.01}}},
    {"Elu", {SLOTS_FLOAT(elu)}, 0, {{"alpha", 1.0}}},
    {"Selu",
     {SLOTS_FLOAT(selu)},
     0,
     {{"alpha", 1.67326319217681884765625}, {NULL, 0}, {"gamma", 1.05070102214813232421875}}},
    {"Celu", {SLOTS_FLOAT(celu)}, 0, {{"alpha", 1.0}}},
    {"ThresholdedRelu", {SLOTS_FLOAT(thresholded_relu)}, 0, {{"alpha", 1.0}}},
    {"Sigmoid", {SLOTS_FLOAT(sigmoid)}, 0, NO_ATTRS},
    {"HardSigmoid", {SLOTS_FLOAT(hard_sigmoid)}, 0, {{"alpha", 0.2}, {"beta", 0.5}}},
    {"HardSwish", {SLOTS_FLOAT(hard_swish)}, 0, NO_ATTRS},
    {"Softplus", {SLOTS_FLOAT(softplus)}, 0, NO_ATTRS},
    {"Softsign", {SLOTS_FLOAT(softsign)}, 0, NO_ATTRS},
    {"Mish", {SLOTS_FLOAT(mish)}, 0, NO_ATTRS},
    {"Tanh", {SLOTS_FLOAT(tanh)}, 0, NO_ATTRS},
    {"Erf", {SLOTS_FLOAT(erf)}, 0, NO_ATTRS},
    {"Exp", {SLOTS_FLOAT(exp)}, 0, NO_ATTRS},
    {"Log", {SLOTS_FLOAT(log)}, 0, NO_ATTRS},
    {"Sqrt", {SLOTS_FLOAT(sqrt)}, 0, NO_ATTRS},
    {"Neg", {SLOTS_FLOAT(neg), SLOTS_SINT(neg)}, 0, NO_ATTRS},
    {"Abs", {SLOTS_FLOAT(abs), SLOTS_SINT(abs), SLOTS_UINT(abs)}, 0, NO_ATTRS},
    {"Reciprocal", {SLOTS_FLOAT(reciprocal)}, 0, NO_ATTRS},
    {"Floor", {SLOTS_FLOAT(floor)}, 0, NO_ATTRS},
    {"Ceil", {SLOTS_FLOAT(ceil)}, 0, NO_ATTRS},
    {"Round", {SLOTS_FLOAT(round)}, 0, NO_ATTRS},
    {"Sign", {SLOTS_FLOAT(sign), SLOTS_SINT(sign), SLOTS_UINT(sign)}, 0, NO_ATTRS},
    {"Sin", {SLOTS_FLOAT(sin)}, 0, NO_ATTRS},
    {"Cos", {SLOTS_FLOAT(cos)}, 0, NO_ATTRS},
    {"Tan", {SLOTS_FLOAT(tan)}, 0, NO_ATTRS},
    {"Asin", {SLOTS_FLOAT(asin)}, 0, NO_ATTRS},
    {"Acos", {SLOTS_FLOAT(acos)}, 0, NO_ATTRS},
    {"Atan", {SLOTS_FLOAT(atan)}, 0, NO_ATTRS},
    {"Sinh", {SLOTS_FLOAT(sinh)}, 0, NO_ATTRS},
    {"Cosh", {SLOTS_FLOAT(cosh)}, 0, NO_ATTRS},
    {"Asinh", {SLOTS_FLOAT(asinh)}, 0, NO_ATTRS},
    {"Acosh", {SLOTS_FLOAT(acosh)}, 0, NO_ATTRS},
    {"Atanh", {SLOTS_FLOAT(atanh)}, 0, NO_ATTRS},
    {"IsNaN", {SLOTS_FLOAT(isnan)}, SEAM_DTYPE_BOOL, NO_ATTRS},
    {"IsInf",
     {SLOTS_FLOAT(isinf)},
     SEAM_DTYPE_BOOL,
     {{"detect_negative", 1}, {"detect_positive", 1}}},
};

static seam_status find_unary(seam_op_ctx *ctx, const unary_def **def, const seam_tensor **in) {
  *def = NULL;
  for (size_t i = 0; i < sizeof k_unary / sizeof k_unary[0]; i++)
    if (strcmp(ctx->node->op_type, k_unary[i].op) == 0) *def = &k_unary[i];
  if (!*def)
    return seam_fail(ctx->err, SEAM_ERR_INTERNAL, "no unary kernel for %s", ctx->node->op_type);
  if (!(*in = seam_op_input(ctx, 0)))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input 0 is required");
  seam_dtype dt = (*in)->dtype;
  if ((unsigned)dt >= N_DTYPES || !(*def)->rows[dt])
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "%s does not support dtype %s",
                     (*def)->op, seam_dtype_name(dt));
  return SEAM_OK;
}

seam_status seam_ew_unary_infer(seam_op_ctx *ctx) {
  const unary_def *def;
  const seam_tensor *in;
  seam_status st = find_unary(ctx, &def, &in);
  if (st != SEAM_OK) return st;
  if (strcmp(def->op, "Celu") == 0 && seam_attr_float(ctx->node, "alpha", 1.0f) == 0.0f)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "Celu alpha must not be 0");
  seam_dtype out = def->out_dtype != SEAM_DTYPE_UNDEFINED ? def->out_dtype : in->dtype;
  return seam_op_set_output(ctx, 0, out, in->rank, in->dims);
}

seam_status seam_ew_unary_run(seam_op_ctx *ctx) {
  const unary_def *def;
  const seam_tensor *in;
  seam_status st = find_unary(ctx, &def, &in);
  if (st != SEAM_OK) return st;
  double v[3];
  for (int i = 0; i < 3; i++) {
    const char *name = def->attrs[i].name;
    v[i] = name ? seam_ew_attr_number(ctx->node, name, def->attrs[i].dflt) : 0;
  }
  unary_params p = {v[0], v[1], v[2]};
  if (ctx->outputs[0]) def->rows[in->dtype](in->data, ctx->outputs[0]->data, in->count, &p);
  return SEAM_OK;
}

/* ---- PRelu: y = x < 0 ? slope * x : x, slope broadcast to x's shape ---- */

SEAM_BCAST_ROW(prelu_f32, float, x < 0 ? y * x : x)
SEAM_BCAST_ROW(prelu_f64, double, x < 0 ? y * x : x)
SEAM_BCAST_ROW(prelu_i8, int8_t, x < 0 ? (uint64_t)y * (uint64_t)x : (uint64_t)x)
SEAM_BCAST_ROW(prelu_i16, int16_t, x < 0 ? (uint64_t)y * (uint64_t)x : (uint64_t)x)
SEAM_BCAST_ROW(prelu_i32, int32_t, x < 0 ? (uint64_t)y * (uint64_t)x : (uint64_t)x)
SEAM_BCAST_ROW(prelu_i64, int64_t, x < 0 ? (uint64_t)y * (uint64_t)x : (uint64_t)x)

static const seam_bcast_row_fn k_prelu[N_DTYPES] = {SLOTS_FLOAT(prelu), SLOTS_SINT(prelu)};

seam_status seam_ew_prelu_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  const seam_tensor *in[2] = {ctx->inputs[0], ctx->inputs[1]};
  if (in[1]->dtype != in[0]->dtype)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "slope is %s but X is %s",
                     seam_dtype_name(in[1]->dtype), seam_dtype_name(in[0]->dtype));
  if ((unsigned)in[0]->dtype >= N_DTYPES || !k_prelu[in[0]->dtype])
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "PRelu does not support dtype %s",
                     seam_dtype_name(in[0]->dtype));
  /* Unidirectional: the slope broadcasts to X, never the other way. */
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  if ((st = seam_bcast_shape_n(ctx, 2, in, &rank, dims)) != SEAM_OK) return st;
  bool same = rank == in[0]->rank;
  for (int d = 0; same && d < rank; d++) same = dims[d] == in[0]->dims[d];
  if (!same) {
    char a[128], b[128];
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "slope %s does not broadcast to X %s",
                     seam_shape_str(in[1]->rank, in[1]->dims, b, sizeof b),
                     seam_shape_str(in[0]->rank, in[0]->dims, a, sizeof a));
  }
  return seam_op_output_like(ctx, 0, in[0]);
}

seam_status seam_ew_prelu_run(seam_op_ctx *ctx) {
  const seam_tensor *in[2] = {ctx->inputs[0], ctx->inputs[1]};
  if (ctx->outputs[0]) seam_bcast_run(ctx->outputs[0], 2, in, k_prelu[in[0]->dtype], NULL);
  return SEAM_OK;
}

/* ---- Clip: bounds are attributes before opset 11, optional inputs from 11 ---- */

#define CLIP_ROWS(name, T)                                                                        \
  static void clip_##name(const void *in, void *out, int64_t n, const void *bounds) {            \
    const T *a = in, lo = ((const T *)bounds)[0], hi = ((const T *)bounds)[1];                    \
    T *o = out;                                                                                   \
    for (int64_t i = 0; i < n; i++) {                                                             \
      T y = a[i] < lo ? lo : a[i]; /* min(max(x, lo), hi): lo > hi gives hi, as ONNX says */     \
      o[i] = y > hi ? hi : y;                                                                     \
    }                                                                                             \
  }                                                                                               \
  static void clip_bounds_##name(void *bounds, const seam_tensor *lo, const seam_tensor *hi,     \
                                 T dflt_lo, T dflt_hi) {                                          \
    T *b = bounds;                                                                                \
    b[0] = lo ? *(const T *)lo->data : dflt_lo;                                                   \
    b[1] = hi ? *(const T *)hi->data : dflt_hi;                                                   \
  }

CLIP_ROWS(f32, float)
CLIP_ROWS(f64, double)
CLIP_ROWS(i8, int8_t)
CLIP_ROWS(i16, int16_t)
CLIP_ROWS(i32, int32_t)
CLIP_ROWS(i64, int64_t)
CLIP_ROWS(u8, uint8_t)
CLIP_ROWS(u16, uint16_t)
CLIP_ROWS(u32, uint32_t)
CLIP_ROWS(u64, uint64_t)

static seam_status clip_bound(seam_op_ctx *ctx, int i, const seam_tensor **out) {
  const seam_tensor *t = seam_op_input(ctx, i);
  *out = NULL;
  if (!t) return SEAM_OK;
  if (t->dtype != ctx->inputs[0]->dtype)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "Clip %s is %s but input is %s",
                     i == 1 ? "min" : "max", seam_dtype_name(t->dtype),
                     seam_dtype_name(ctx->inputs[0]->dtype));
  if (t->count != 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "Clip %s must be a scalar, got %lld values",
                     i == 1 ? "min" : "max", (long long)t->count);
  *out = t;
  return SEAM_OK;
}

seam_status seam_ew_clip_infer(seam_op_ctx *ctx) {
  static const seam_dtype floats[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_UNDEFINED};
  static const seam_dtype numeric[] = {
      SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT8,   SEAM_DTYPE_INT16,
      SEAM_DTYPE_INT32,   SEAM_DTYPE_INT64,   SEAM_DTYPE_UINT8,  SEAM_DTYPE_UINT16,
      SEAM_DTYPE_UINT32,  SEAM_DTYPE_UINT64,  SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_dtype(ctx, 0, ctx->node->opset < 11 ? floats : numeric);
  if (st != SEAM_OK) return st;
  const seam_tensor *lo, *hi;
  if (ctx->node->opset >= 11 && ((st = clip_bound(ctx, 1, &lo)) != SEAM_OK ||
                                 (st = clip_bound(ctx, 2, &hi)) != SEAM_OK))
    return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

seam_status seam_ew_clip_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0], *lo = NULL, *hi = NULL;
  seam_tensor *out = ctx->outputs[0];
  seam_status st;
  if (!out) return SEAM_OK;
  union {
    float f32[2];
    double f64[2];
    int8_t i8[2];
    int16_t i16[2];
    int32_t i32[2];
    int64_t i64[2];
    uint8_t u8[2];
    uint16_t u16[2];
    uint32_t u32[2];
    uint64_t u64[2];
  } bounds; /* [lo, hi] in x's dtype */
  if (ctx->node->opset < 11) {
    double a = seam_attr_float(ctx->node, "min", -INFINITY);
    double b = seam_attr_float(ctx->node, "max", INFINITY);
    if (x->dtype == SEAM_DTYPE_FLOAT32) {
      bounds.f32[0] = (float)a;
      bounds.f32[1] = (float)b;
      clip_f32(x->data, out->data, x->count, &bounds);
    } else {
      bounds.f64[0] = a;
      bounds.f64[1] = b;
      clip_f64(x->data, out->data, x->count, &bounds);
    }
    return SEAM_OK;
  }
  if ((st = clip_bound(ctx, 1, &lo)) != SEAM_OK || (st = clip_bound(ctx, 2, &hi)) != SEAM_OK)
    return st;
#define CLIP_CASE(DT, name, T, LO, HI)                                                            \
  case DT:                                                                                        \
    clip_bounds_##name(&bounds, lo, hi, LO, HI);                                                  \
    clip_##name(x->data, out->data, x->count, &bounds);                                           \
    break;
  switch (x->dtype) {
    CLIP_CASE(SEAM_DTYPE_FLOAT32, f32, float, -INFINITY, INFINITY)
    CLIP_CASE(SEAM_DTYPE_FLOAT64, f64, double, -INFINITY, INFINITY)
    CLIP_CASE(SEAM_DTYPE_INT8, i8, int8_t, INT8_MIN, INT8_MAX)
    CLIP_CASE(SEAM_DTYPE_INT16, i16, int16_t, INT16_MIN, INT16_MAX)
    CLIP_CASE(SEAM_DTYPE_INT32, i32, int32_t, INT32_MIN, INT32_MAX)
    CLIP_CASE(SEAM_DTYPE_INT64, i64, int64_t, INT64_MIN, INT64_MAX)
    CLIP_CASE(SEAM_DTYPE_UINT8, u8, uint8_t, 0, UINT8_MAX)
    CLIP_CASE(SEAM_DTYPE_UINT16, u16, uint16_t, 0, UINT16_MAX)
    CLIP_CASE(SEAM_DTYPE_UINT32, u32, uint32_t, 0, UINT32_MAX)
    CLIP_CASE(SEAM_DTYPE_UINT64, u64, uint64_t, 0, UINT64_MAX)
  default:
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "Clip does not support dtype %s",
                     seam_dtype_name(x->dtype));
  }
#undef CLIP_CASE
  return SEAM_OK;
}

/* Cast and CastLike between the numeric dtypes and bool.
 *
 * Integer to integer conversions wrap (keep the low bits), as C and numpy
 * do. Float to integer truncates toward zero; values outside the target's
 * range saturate and NaN gives 0, so no input is undefined behaviour.
 * Anything to bool is `value != 0` (NaN is true). float16, bfloat16 and
 * strings are not supported yet. */
#include <string.h>

#include "runtime/ops/elementwise.h"

#define LOAD_FLT(v) (v)
#define LOAD_INT(v) (v)
#define LOAD_BOOL(v) ((v) != 0)
#define TO_INT_FLT(v, lo, hi) seam_ew_f2i((v), (lo), (hi))
#define TO_INT_INT(v, lo, hi) (v)
#define TO_INT_BOOL(v, lo, hi) ((v) != 0)
#define TO_U64_FLT(v) seam_ew_f2u64(v)
#define TO_U64_INT(v) ((uint64_t)(v))
#define TO_U64_BOOL(v) ((uint64_t)((v) != 0))

#define CAST_LOOP(ST, DT, conv)                                                                   \
  {                                                                                               \
    const ST *s = in;                                                                             \
    DT *d = out;                                                                                  \
    for (int64_t i = 0; i < n; i++) {                                                             \
      const ST v = s[i];                                                                          \
      d[i] = (DT)(conv);                                                                          \
    }                                                                                             \
  }                                                                                               \
  break;

/* cast_from_<name>: converts n elements of type ST (of kind FLT, INT or
 * BOOL) into dtype `to`. */
#define CAST_FROM(name, ST, KIND)                                                                 \
  static void cast_from_##name(const void *in, void *out, seam_dtype to, int64_t n) {            \
    switch (to) {                                                                                 \
    case SEAM_DTYPE_FLOAT32: CAST_LOOP(ST, float, LOAD_##KIND(v))                                 \
    case SEAM_DTYPE_FLOAT64: CAST_LOOP(ST, double, LOAD_##KIND(v))                                \
    case SEAM_DTYPE_INT8: CAST_LOOP(ST, int8_t, TO_INT_##KIND(v, INT8_MIN, INT8_MAX))             \
    case SEAM_DTYPE_INT16: CAST_LOOP(ST, int16_t, TO_INT_##KIND(v, INT16_MIN, INT16_MAX))         \
    case SEAM_DTYPE_INT32: CAST_LOOP(ST, int32_t, TO_INT_##KIND(v, INT32_MIN, INT32_MAX))         \
    case SEAM_DTYPE_INT64: CAST_LOOP(ST, int64_t, TO_INT_##KIND(v, INT64_MIN, INT64_MAX))         \
    case SEAM_DTYPE_UINT8: CAST_LOOP(ST, uint8_t, TO_INT_##KIND(v, 0, UINT8_MAX))                 \
    case SEAM_DTYPE_UINT16: CAST_LOOP(ST, uint16_t, TO_INT_##KIND(v, 0, UINT16_MAX))              \
    case SEAM_DTYPE_UINT32: CAST_LOOP(ST, uint32_t, TO_INT_##KIND(v, 0, UINT32_MAX))              \
    case SEAM_DTYPE_UINT64: CAST_LOOP(ST, uint64_t, TO_U64_##KIND(v))                             \
    case SEAM_DTYPE_BOOL: CAST_LOOP(ST, uint8_t, v != 0)                                          \
    default: break;                                                                               \
    }                                                                                             \
  }

CAST_FROM(f32, float, FLT)
CAST_FROM(f64, double, FLT)
CAST_FROM(i8, int8_t, INT)
CAST_FROM(i16, int16_t, INT)
CAST_FROM(i32, int32_t, INT)
CAST_FROM(i64, int64_t, INT)
CAST_FROM(u8, uint8_t, INT)
CAST_FROM(u16, uint16_t, INT)
CAST_FROM(u32, uint32_t, INT)
CAST_FROM(u64, uint64_t, INT)
CAST_FROM(bool, uint8_t, BOOL)

typedef void (*cast_fn)(const void *in, void *out, seam_dtype to, int64_t n);

static cast_fn cast_from(seam_dtype t) {
  switch (t) {
  case SEAM_DTYPE_FLOAT32: return cast_from_f32;
  case SEAM_DTYPE_FLOAT64: return cast_from_f64;
  case SEAM_DTYPE_INT8: return cast_from_i8;
  case SEAM_DTYPE_INT16: return cast_from_i16;
  case SEAM_DTYPE_INT32: return cast_from_i32;
  case SEAM_DTYPE_INT64: return cast_from_i64;
  case SEAM_DTYPE_UINT8: return cast_from_u8;
  case SEAM_DTYPE_UINT16: return cast_from_u16;
  case SEAM_DTYPE_UINT32: return cast_from_u32;
  case SEAM_DTYPE_UINT64: return cast_from_u64;
  case SEAM_DTYPE_BOOL: return cast_from_bool;
  default: return NULL;
  }
}

/* ONNX TensorProto.DataType values seam has no dtype for. */
static const char *unsupported_type_name(int64_t t) {
  switch (t) {
  case 8: return "string";
  case 10: return "float16";
  case 14: return "complex64";
  case 15: return "complex128";
  case 16: return "bfloat16";
  default: return NULL;
  }
}

/* Cast-1 named the target type with a string. */
static int64_t type_from_name(const char *s) {
  static const struct {
    const char *name;
    int64_t type;
  } names[] = {{"FLOAT", 1},   {"UINT8", 2},  {"INT8", 3},    {"UINT16", 4},  {"INT16", 5},
               {"INT32", 6},   {"INT64", 7},  {"STRING", 8},  {"BOOL", 9},    {"FLOAT16", 10},
               {"DOUBLE", 11}, {"UINT32", 12}, {"UINT64", 13}, {"BFLOAT16", 16}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i].name) == 0) return names[i].type;
  return 0;
}

/* Checks the input and the target dtype, then shapes the output. */
static seam_status cast_setup(seam_op_ctx *ctx, int64_t to) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  const char *bad = unsupported_type_name(to);
  if (bad) return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "cast to %s is not supported", bad);
  if (to <= 0 || to > SEAM_DTYPE_UINT64 || !cast_from((seam_dtype)to))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "unknown target type %lld",
                     (long long)to);
  if (!cast_from(x->dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "cast from %s is not supported",
                     seam_dtype_name(x->dtype));
  return seam_op_set_output(ctx, 0, (seam_dtype)to, x->rank, x->dims);
}

seam_status seam_ew_cast_infer(seam_op_ctx *ctx) {
  const seam_attr *a = seam_node_attr(ctx->node, "to");
  if (!a) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute 'to' is required");
  int64_t to = a->type == SEAM_ATTR_STRING && a->s ? type_from_name(a->s) : a->i;
  return cast_setup(ctx, to);
}

seam_status seam_ew_castlike_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  return cast_setup(ctx, ctx->inputs[1]->dtype);
}

/* The output's dtype, set by infer, is the target. */
seam_status seam_ew_cast_run(seam_op_ctx *ctx) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *out = ctx->outputs[0];
  if (!out) return SEAM_OK;
  if (x->dtype == out->dtype && x->dtype != SEAM_DTYPE_BOOL)
    memcpy(out->data, x->data, (size_t)x->count * seam_dtype_size(x->dtype));
  else
    cast_from(x->dtype)(x->data, out->data, out->dtype, x->count);
  return SEAM_OK;
}

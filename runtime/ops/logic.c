/* Comparisons (Equal, Less, Greater, LessOrEqual, GreaterOrEqual), boolean
 * logic (Not, And, Or, Xor) and Where. Bool tensors hold one byte per
 * element; any non-zero byte reads as true and outputs are 0 or 1. */
#include <string.h>

#include "runtime/ops/broadcast_binary.h"
#include "runtime/ops/elementwise.h"

#define N_DTYPES (SEAM_DTYPE_UINT64 + 1)

#define CMP_ROWS(op, expr)                                                                        \
  SEAM_BCAST_ROW2(op##_f32, float, float, uint8_t, expr)                                          \
  SEAM_BCAST_ROW2(op##_f64, double, double, uint8_t, expr)                                        \
  SEAM_BCAST_ROW2(op##_i8, int8_t, int8_t, uint8_t, expr)                                         \
  SEAM_BCAST_ROW2(op##_i16, int16_t, int16_t, uint8_t, expr)                                      \
  SEAM_BCAST_ROW2(op##_i32, int32_t, int32_t, uint8_t, expr)                                      \
  SEAM_BCAST_ROW2(op##_i64, int64_t, int64_t, uint8_t, expr)                                      \
  SEAM_BCAST_ROW2(op##_u8, uint8_t, uint8_t, uint8_t, expr)                                       \
  SEAM_BCAST_ROW2(op##_u16, uint16_t, uint16_t, uint8_t, expr)                                    \
  SEAM_BCAST_ROW2(op##_u32, uint32_t, uint32_t, uint8_t, expr)                                    \
  SEAM_BCAST_ROW2(op##_u64, uint64_t, uint64_t, uint8_t, expr)
#define CMP_SLOTS(op)                                                                             \
  [SEAM_DTYPE_FLOAT32] = op##_f32, [SEAM_DTYPE_FLOAT64] = op##_f64, [SEAM_DTYPE_INT8] = op##_i8,  \
  [SEAM_DTYPE_INT16] = op##_i16, [SEAM_DTYPE_INT32] = op##_i32, [SEAM_DTYPE_INT64] = op##_i64,    \
  [SEAM_DTYPE_UINT8] = op##_u8, [SEAM_DTYPE_UINT16] = op##_u16, [SEAM_DTYPE_UINT32] = op##_u32,   \
  [SEAM_DTYPE_UINT64] = op##_u64

CMP_ROWS(eq, x == y)
CMP_ROWS(lt, x < y)
CMP_ROWS(gt, x > y)
CMP_ROWS(le, x <= y)
CMP_ROWS(ge, x >= y)
SEAM_BCAST_ROW2(eq_bool, uint8_t, uint8_t, uint8_t, (x != 0) == (y != 0))
SEAM_BCAST_ROW2(and_bool, uint8_t, uint8_t, uint8_t, (x != 0) & (y != 0))
SEAM_BCAST_ROW2(or_bool, uint8_t, uint8_t, uint8_t, (x != 0) | (y != 0))
SEAM_BCAST_ROW2(xor_bool, uint8_t, uint8_t, uint8_t, (x != 0) ^ (y != 0))

typedef struct compare_def {
  const char *op;
  seam_bcast_row_fn rows[N_DTYPES];
} compare_def;

static const compare_def k_compare[] = {
    {"Equal", {CMP_SLOTS(eq), [SEAM_DTYPE_BOOL] = eq_bool}},
    {"Less", {CMP_SLOTS(lt)}},
    {"Greater", {CMP_SLOTS(gt)}},
    {"LessOrEqual", {CMP_SLOTS(le)}},
    {"GreaterOrEqual", {CMP_SLOTS(ge)}},
    {"And", {[SEAM_DTYPE_BOOL] = and_bool}},
    {"Or", {[SEAM_DTYPE_BOOL] = or_bool}},
    {"Xor", {[SEAM_DTYPE_BOOL] = xor_bool}},
};

static seam_status find_compare(seam_op_ctx *ctx, seam_bcast_row_fn *fn) {
  const compare_def *def = NULL;
  for (size_t i = 0; i < sizeof k_compare / sizeof k_compare[0]; i++)
    if (strcmp(ctx->node->op_type, k_compare[i].op) == 0) def = &k_compare[i];
  if (!def) return seam_fail(ctx->err, SEAM_ERR_INTERNAL, "no kernel for %s", ctx->node->op_type);
  seam_status st = seam_op_require_inputs(ctx, 2);
  if (st != SEAM_OK) return st;
  seam_dtype a = ctx->inputs[0]->dtype, b = ctx->inputs[1]->dtype;
  if (a != b)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "inputs are %s and %s", seam_dtype_name(a),
                     seam_dtype_name(b));
  if ((unsigned)a >= N_DTYPES || !def->rows[a])
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "%s does not support dtype %s", def->op,
                     seam_dtype_name(a));
  *fn = def->rows[a];
  return SEAM_OK;
}

seam_status seam_ew_compare_infer(seam_op_ctx *ctx) {
  seam_bcast_row_fn fn;
  seam_status st = find_compare(ctx, &fn);
  if (st != SEAM_OK) return st;
  return seam_bcast_infer(ctx, 2, ctx->inputs, SEAM_DTYPE_BOOL, 0);
}

seam_status seam_ew_compare_run(seam_op_ctx *ctx) {
  seam_bcast_row_fn fn;
  seam_status st = find_compare(ctx, &fn);
  if (st != SEAM_OK) return st;
  if (ctx->outputs[0]) seam_bcast_run(ctx->outputs[0], 2, ctx->inputs, fn, NULL);
  return SEAM_OK;
}

/* ---- Not ---- */

seam_status seam_ew_not_infer(seam_op_ctx *ctx) {
  static const seam_dtype allowed[] = {SEAM_DTYPE_BOOL, SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_dtype(ctx, 0, allowed);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

seam_status seam_ew_not_run(seam_op_ctx *ctx) {
  const uint8_t *a = ctx->inputs[0]->data;
  seam_tensor *out = ctx->outputs[0];
  if (!out) return SEAM_OK;
  uint8_t *o = out->data;
  for (int64_t i = 0; i < out->count; i++) o[i] = a[i] == 0;
  return SEAM_OK;
}

/* ---- Where: out = cond ? x : y, all three broadcast together ---- */

/* Where only moves elements, so rows depend on the element size alone;
 * memcpy of a constant size compiles to one move and keeps the copy free of
 * type punning. */
#define WHERE_ROW(name, SIZE)                                                                     \
  static void name(void *out, const void *const *in, const int64_t *step, int64_t n,             \
                   const void *param) {                                                           \
    const uint8_t *c = in[0];                                                                     \
    const char *x = in[1], *y = in[2];                                                            \
    char *o = out;                                                                                \
    (void)param;                                                                                  \
    const int64_t sc = step[0], sx = step[1] * SIZE, sy = step[2] * SIZE;                         \
    for (int64_t i = 0; i < n; i++)                                                               \
      memcpy(o + i * SIZE, c[i * sc] ? x + i * sx : y + i * sy, SIZE);                            \
  }
WHERE_ROW(where_1, 1)
WHERE_ROW(where_2, 2)
WHERE_ROW(where_4, 4)
WHERE_ROW(where_8, 8)

seam_status seam_ew_where_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 3);
  if (st != SEAM_OK) return st;
  const seam_tensor *const *in = ctx->inputs;
  if (in[0]->dtype != SEAM_DTYPE_BOOL)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "condition is %s, expected bool",
                     seam_dtype_name(in[0]->dtype));
  if (in[1]->dtype != in[2]->dtype)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "X is %s but Y is %s",
                     seam_dtype_name(in[1]->dtype), seam_dtype_name(in[2]->dtype));
  size_t size = seam_dtype_size(in[1]->dtype);
  if (size != 1 && size != 2 && size != 4 && size != 8)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "Where does not support dtype %s",
                     seam_dtype_name(in[1]->dtype));
  return seam_bcast_infer(ctx, 3, in, in[1]->dtype, 0);
}

seam_status seam_ew_where_run(seam_op_ctx *ctx) {
  seam_tensor *out = ctx->outputs[0];
  if (!out) return SEAM_OK;
  seam_bcast_row_fn fn;
  switch (seam_dtype_size(out->dtype)) {
  case 1: fn = where_1; break;
  case 2: fn = where_2; break;
  case 4: fn = where_4; break;
  default: fn = where_8; break;
  }
  seam_bcast_run(out, 3, ctx->inputs, fn, NULL);
  return SEAM_OK;
}

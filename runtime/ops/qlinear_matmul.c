/* QLinearMatMul (opset 10): the reference int8/uint8 matrix product with
 * numpy matmul semantics (batched, batch axes broadcast; a 1-D a is one
 * row, dropped from the output; b of rank >= 2). Inputs: a, a_scale, a_zero_point, b, b_scale, b_zero_point,
 * y_scale, y_zero_point. a's parameters are per tensor; b's per tensor or
 * per column (1-D with N values). See qlinear.h for the arithmetic. */
#include <stdlib.h>

#include "runtime/ops/qlinear.h"

static bool is_8bit(seam_dtype dt) { return dt == SEAM_DTYPE_INT8 || dt == SEAM_DTYPE_UINT8; }

static int32_t q_at(const seam_tensor *t, int64_t i) {
  return t->dtype == SEAM_DTYPE_INT8 ? ((const int8_t *)t->data)[i] : ((const uint8_t *)t->data)[i];
}

typedef struct qmm {
  const seam_tensor *a, *as, *az, *b, *bs, *bz, *ys, *yz;
  seam_dtype y_dtype;
  int64_t m, k, n;
  int batch_rank;
  int64_t batch[SEAM_MAX_RANK], a_step[SEAM_MAX_RANK], b_step[SEAM_MAX_RANK], batch_count;
  int out_rank;
  int64_t out_dims[SEAM_MAX_RANK];
} qmm;

/* A parameter with one value, or (per_column > 0) that many. */
static seam_status check_param(seam_op_ctx *ctx, const seam_tensor *t, const char *what, seam_dtype dtype,
                               int64_t per_column) {
  if (!t) return SEAM_OK;
  if (t->rank > 1 || (t->count != 1 && t->count != per_column))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s must hold one value%s, got %lld", what,
                     per_column > 0 ? " or one per column of b" : "", (long long)t->count);
  if (t->dtype != dtype)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s must be %s, got %s", what, seam_dtype_name(dtype),
                     seam_dtype_name(t->dtype));
  return SEAM_OK;
}

static seam_status qmm_setup(seam_op_ctx *ctx, qmm *q) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 8)) != SEAM_OK) return st;
  q->a = ctx->inputs[0];
  q->as = ctx->inputs[1];
  q->az = ctx->inputs[2];
  q->b = ctx->inputs[3];
  q->bs = ctx->inputs[4];
  q->bz = ctx->inputs[5];
  q->ys = ctx->inputs[6];
  q->yz = ctx->inputs[7];
  if (!q->a || !q->as || !q->b || !q->bs || !q->ys)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "a, b and the scales are required");
  if (!is_8bit(q->a->dtype) || !is_8bit(q->b->dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "a and b must be int8 or uint8, got %s and %s",
                     seam_dtype_name(q->a->dtype), seam_dtype_name(q->b->dtype));
  if (q->a->rank < 1 || q->b->rank < 2)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "QLinearMatMul needs a of rank >= 1 and b of rank >= 2");
  q->y_dtype = q->yz ? q->yz->dtype : SEAM_DTYPE_UINT8;
  if (!is_8bit(q->y_dtype))
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "y_zero_point must be int8 or uint8");
  q->m = q->a->rank >= 2 ? q->a->dims[q->a->rank - 2] : 1;
  q->k = q->a->dims[q->a->rank - 1];
  q->n = q->b->dims[q->b->rank - 1];
  if (q->b->dims[q->b->rank - 2] != q->k)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "inner dimensions differ (%lld vs %lld)", (long long)q->k,
                     (long long)q->b->dims[q->b->rank - 2]);
  if ((st = check_param(ctx, q->as, "a_scale", SEAM_DTYPE_FLOAT32, 0)) != SEAM_OK ||
      (st = check_param(ctx, q->az, "a_zero_point", q->a->dtype, 0)) != SEAM_OK ||
      (st = check_param(ctx, q->bs, "b_scale", SEAM_DTYPE_FLOAT32, q->n)) != SEAM_OK ||
      (st = check_param(ctx, q->bz, "b_zero_point", q->b->dtype, q->n)) != SEAM_OK ||
      (st = check_param(ctx, q->ys, "y_scale", SEAM_DTYPE_FLOAT32, 0)) != SEAM_OK ||
      (st = check_param(ctx, q->yz, "y_zero_point", q->y_dtype, 0)) != SEAM_OK)
    return st;
  int ar = q->a->rank >= 2 ? q->a->rank - 2 : 0, br = q->b->rank - 2;
  if ((st = seam_broadcast_shape(ctx, ar, q->a->dims, br, q->b->dims, &q->batch_rank, q->batch)) != SEAM_OK)
    return st;
  int64_t as = q->m * q->k, bs = q->k * q->n;
  q->batch_count = 1;
  for (int i = q->batch_rank - 1; i >= 0; i--) {
    int ia = i - (q->batch_rank - ar), ib = i - (q->batch_rank - br);
    int64_t da = ia >= 0 ? q->a->dims[ia] : 1, db = ib >= 0 ? q->b->dims[ib] : 1;
    q->a_step[i] = da == 1 ? 0 : as;
    q->b_step[i] = db == 1 ? 0 : bs;
    as *= da;
    bs *= db;
    q->batch_count *= q->batch[i];
  }
  q->out_rank = 0;
  for (int i = 0; i < q->batch_rank; i++) q->out_dims[q->out_rank++] = q->batch[i];
  if (q->a->rank >= 2) q->out_dims[q->out_rank++] = q->m;
  q->out_dims[q->out_rank++] = q->n;
  return SEAM_OK;
}

seam_status seam_qlinear_matmul_infer(seam_op_ctx *ctx) {
  qmm q;
  seam_status st = qmm_setup(ctx, &q);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, q.y_dtype, q.out_rank, q.out_dims);
}

seam_status seam_qlinear_matmul_run(seam_op_ctx *ctx) {
  qmm q;
  seam_status st = qmm_setup(ctx, &q);
  if (st != SEAM_OK) return st;
  seam_tensor *y = ctx->outputs[0];
  float *mult = malloc(sizeof(float) * (size_t)q.n + 1);
  int32_t *bz = malloc(sizeof(int32_t) * (size_t)q.n + 1);
  if (!mult || !bz) {
    free(mult);
    free(bz);
    return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  float as = ((const float *)q.as->data)[0], ys = ((const float *)q.ys->data)[0];
  int32_t az = q.az ? q_at(q.az, 0) : 0, yz = q.yz ? q_at(q.yz, 0) : 0;
  for (int64_t j = 0; j < q.n; j++) {
    mult[j] = as * ((const float *)q.bs->data)[q.bs->count == 1 ? 0 : j] / ys;
    bz[j] = q.bz ? q_at(q.bz, q.bz->count == 1 ? 0 : j) : 0;
  }
  bool u8 = q.y_dtype == SEAM_DTYPE_UINT8;
  int32_t lo = u8 ? 0 : INT8_MIN, hi = u8 ? UINT8_MAX : INT8_MAX;
  int64_t idx[SEAM_MAX_RANK] = {0};
  for (int64_t t = 0; t < q.batch_count; t++) {
    int64_t ao = 0, bo = 0;
    for (int i = 0; i < q.batch_rank; i++) {
      ao += idx[i] * q.a_step[i];
      bo += idx[i] * q.b_step[i];
    }
    for (int64_t r = 0; r < q.m; r++)
      for (int64_t j = 0; j < q.n; j++) {
        uint32_t acc = 0; /* int32 arithmetic that wraps like the hardware */
        for (int64_t c = 0; c < q.k; c++)
          acc += (uint32_t)((q_at(q.a, ao + r * q.k + c) - az) * (q_at(q.b, bo + c * q.n + j) - bz[j]));
        int32_t v = seam_requantize((int32_t)acc, mult[j], yz, lo, hi);
        int64_t yi = (t * q.m + r) * q.n + j;
        if (u8) ((uint8_t *)y->data)[yi] = (uint8_t)v;
        else ((int8_t *)y->data)[yi] = (int8_t)v;
      }
    for (int i = q.batch_rank - 1; i >= 0; i--) {
      if (++idx[i] < q.batch[i]) break;
      idx[i] = 0;
    }
  }
  free(mult);
  free(bz);
  return SEAM_OK;
}

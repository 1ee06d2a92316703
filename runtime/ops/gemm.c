/* Gemm (Y = alpha * op(A) * op(B) + beta * C, C broadcast to [M, N]) and
 * MatMul (numpy matmul: batched, broadcast batch axes, 1-D operands
 * promoted and their axis removed from the result).
 *
 * float32 goes through seam_sgemm; float64 and the 32/64-bit integer types
 * use a plain triple loop (they are rare in models and only need to be
 * right). */
#include <string.h>

#include "runtime/ops/nn.h"
#include "runtime/ops/sgemm.h"

static const seam_dtype gemm_types[] = {
    SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT32, SEAM_DTYPE_INT64,
    SEAM_DTYPE_UINT32,  SEAM_DTYPE_UINT64,  SEAM_DTYPE_UNDEFINED};

/* y[i, j] = alpha * sum_p op(A)[i, p] op(B)[p, j] (+ beta * y[i, j] when
 * accumulate), for one matrix in a type other than float32. */
#define NAIVE_GEMM(T)                                                                      \
  static void naive_gemm_##T(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, \
                             const T *a, int64_t lda, const T *b, int64_t ldb, double beta,   \
                             T *y, int64_t ldy) {                                          \
    for (int64_t i = 0; i < m; i++)                                                        \
      for (int64_t j = 0; j < n; j++) {                                                    \
        T acc = 0;                                                                         \
        for (int64_t p = 0; p < k; p++)                                                    \
          acc += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]); \
        T *out = &y[i * ldy + j];                                                          \
        if (alpha == 1.0 && beta == 0.0)                                                   \
          *out = acc;                                                                      \
        else                                                                               \
          *out = (T)(alpha * (double)acc + (beta == 0.0 ? 0.0 : beta * (double)*out));     \
      }                                                                                    \
  }
NAIVE_GEMM(double)
NAIVE_GEMM(int32_t)
NAIVE_GEMM(int64_t)
NAIVE_GEMM(uint32_t)
NAIVE_GEMM(uint64_t)

/* One matrix product in the dtype of the operands; byte pointers. */
static seam_status gemm_any(seam_op_ctx *ctx, seam_dtype dt, bool ta, bool tb, int64_t m,
                            int64_t n, int64_t k, double alpha, const void *a, int64_t lda,
                            const void *b, int64_t ldb, double beta, void *y, int64_t ldy) {
  switch (dt) {
  case SEAM_DTYPE_FLOAT32:
    return seam_sgemm(ta, tb, m, n, k, (float)alpha, a, lda, b, ldb, (float)beta, y, ldy, ctx->err);
  case SEAM_DTYPE_FLOAT64: naive_gemm_double(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy); break;
  case SEAM_DTYPE_INT32: naive_gemm_int32_t(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy); break;
  case SEAM_DTYPE_INT64: naive_gemm_int64_t(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy); break;
  case SEAM_DTYPE_UINT32: naive_gemm_uint32_t(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy); break;
  case SEAM_DTYPE_UINT64: naive_gemm_uint64_t(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, y, ldy); break;
  default:
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s is not supported", seam_dtype_name(dt));
  }
  return SEAM_OK;
}

/* ---- Gemm ---- */

typedef struct gemm_geom {
  bool ta, tb;
  int64_t m, n, k;
} gemm_geom;

static seam_status gemm_setup(seam_op_ctx *ctx, gemm_geom *g) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 2)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, gemm_types)) != SEAM_OK) return st;
  const seam_tensor *a = ctx->inputs[0], *b = ctx->inputs[1], *c = seam_op_input(ctx, 2);
  if (b->dtype != a->dtype || (c && c->dtype != a->dtype))
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "A, B and C must have the same dtype");
  if (a->rank != 2 || b->rank != 2)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "A and B must be 2-D, got ranks %d and %d", a->rank,
                     b->rank);
  g->ta = seam_attr_int(ctx->node, "transA", 0) != 0;
  g->tb = seam_attr_int(ctx->node, "transB", 0) != 0;
  g->m = a->dims[g->ta ? 1 : 0];
  g->k = a->dims[g->ta ? 0 : 1];
  int64_t kb = b->dims[g->tb ? 1 : 0];
  g->n = b->dims[g->tb ? 0 : 1];
  if (kb != g->k)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "inner dimensions differ: op(A) is %lldx%lld, op(B) is %lldx%lld",
                     (long long)g->m, (long long)g->k, (long long)kb, (long long)g->n);
  if (c) {
    int64_t want[2] = {g->m, g->n};
    if (c->rank > 2)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "C must have rank <= 2, got %d", c->rank);
    for (int i = 0; i < c->rank; i++) {
      int64_t d = c->dims[i], w = want[2 - c->rank + i];
      if (d != w && d != 1)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE, "C does not broadcast to [%lld, %lld]",
                         (long long)g->m, (long long)g->n);
    }
  }
  return SEAM_OK;
}

seam_status seam_gemm_infer(seam_op_ctx *ctx) {
  gemm_geom g;
  seam_status st = gemm_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  int64_t dims[2] = {g.m, g.n};
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, 2, dims);
}

seam_status seam_gemm_run(seam_op_ctx *ctx) {
  gemm_geom g;
  seam_status st = gemm_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  const seam_tensor *a = ctx->inputs[0], *b = ctx->inputs[1], *c = seam_op_input(ctx, 2);
  seam_tensor *y = ctx->outputs[0];
  double alpha = seam_attr_float(ctx->node, "alpha", 1.0f);
  double beta = seam_attr_float(ctx->node, "beta", 1.0f);
  size_t es = seam_dtype_size(a->dtype);
  /* Y starts as C broadcast to [M, N]; the product then accumulates into it. */
  double acc_beta = 0.0;
  if (c && beta != 0.0 && g.m > 0 && g.n > 0) {
    int64_t cs_i = c->rank == 2 && c->dims[0] != 1 ? c->strides[0] : 0;
    int64_t cs_j = c->rank >= 1 && c->dims[c->rank - 1] != 1 ? 1 : 0;
    for (int64_t i = 0; i < g.m; i++)
      for (int64_t j = 0; j < g.n; j++)
        memcpy((char *)y->data + (size_t)(i * g.n + j) * es,
               (const char *)c->data + (size_t)(i * cs_i + j * cs_j) * es, es);
    acc_beta = beta;
  }
  return gemm_any(ctx, a->dtype, g.ta, g.tb, g.m, g.n, g.k, alpha, a->data, a->dims[1], b->data,
                  b->dims[1], acc_beta, y->data, g.n);
}

/* ---- MatMul ---- */

typedef struct matmul_geom {
  int64_t m, n, k;
  int batch_rank;
  int64_t batch[SEAM_MAX_RANK];
  int64_t a_step[SEAM_MAX_RANK], b_step[SEAM_MAX_RANK]; /* matrix strides per batch axis, 0 when broadcast */
  int64_t batch_count, a_batch_count, b_batch_count;
  int out_rank;
  int64_t out_dims[SEAM_MAX_RANK];
} matmul_geom;

static seam_status matmul_setup(seam_op_ctx *ctx, matmul_geom *g) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 2)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, gemm_types)) != SEAM_OK) return st;
  const seam_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
  if (b->dtype != a->dtype)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "A and B must have the same dtype");
  if (a->rank < 1 || b->rank < 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "MatMul operands must have rank >= 1");
  g->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
  g->k = a->dims[a->rank - 1];
  int64_t kb = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
  g->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
  if (kb != g->k)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "inner dimensions differ (%lld vs %lld)",
                     (long long)g->k, (long long)kb);
  int ar = a->rank >= 2 ? a->rank - 2 : 0, br = b->rank >= 2 ? b->rank - 2 : 0;
  if ((st = seam_broadcast_shape(ctx, ar, a->dims, br, b->dims, &g->batch_rank, g->batch)) != SEAM_OK)
    return st;
  int64_t a_mat = g->m * g->k, b_mat = g->k * g->n;
  int64_t as = a_mat, bs = b_mat;
  g->batch_count = g->a_batch_count = g->b_batch_count = 1;
  for (int i = g->batch_rank - 1; i >= 0; i--) {
    int ia = i - (g->batch_rank - ar), ib = i - (g->batch_rank - br);
    int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
    g->a_step[i] = da == 1 ? 0 : as;
    g->b_step[i] = db == 1 ? 0 : bs;
    as *= da;
    bs *= db;
    g->batch_count *= g->batch[i];
    g->a_batch_count *= da;
    g->b_batch_count *= db;
  }
  g->out_rank = 0;
  for (int i = 0; i < g->batch_rank; i++) g->out_dims[g->out_rank++] = g->batch[i];
  if (a->rank >= 2) g->out_dims[g->out_rank++] = g->m;
  if (b->rank >= 2) g->out_dims[g->out_rank++] = g->n;
  return SEAM_OK;
}

seam_status seam_matmul_infer(seam_op_ctx *ctx) {
  matmul_geom g;
  seam_status st = matmul_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, g.out_rank, g.out_dims);
}

seam_status seam_matmul_run(seam_op_ctx *ctx) {
  matmul_geom g;
  seam_status st = matmul_setup(ctx, &g);
  if (st != SEAM_OK) return st;
  const seam_tensor *a = ctx->inputs[0], *b = ctx->inputs[1];
  seam_tensor *y = ctx->outputs[0];
  seam_dtype dt = a->dtype;
  size_t es = seam_dtype_size(dt);
  const char *ad = a->data, *bd = b->data;
  char *yd = y->data;
  if (g.batch_count == 0 || g.m == 0 || g.n == 0) return SEAM_OK;
  if (g.b_batch_count == 1 && g.a_batch_count == g.batch_count)
    /* One shared B (e.g. x[b, s, k] @ W[k, n]): all of A's rows in one product. */
    return gemm_any(ctx, dt, false, false, g.batch_count * g.m, g.n, g.k, 1.0, ad, g.k, bd, g.n,
                    0.0, yd, g.n);
  int64_t idx[SEAM_MAX_RANK] = {0};
  for (int64_t t = 0; t < g.batch_count && st == SEAM_OK; t++) {
    int64_t ao = 0, bo = 0;
    for (int i = 0; i < g.batch_rank; i++) {
      ao += idx[i] * g.a_step[i];
      bo += idx[i] * g.b_step[i];
    }
    st = gemm_any(ctx, dt, false, false, g.m, g.n, g.k, 1.0, ad + (size_t)ao * es, g.k,
                  bd + (size_t)bo * es, g.n, 0.0, yd + (size_t)(t * g.m * g.n) * es, g.n);
    for (int i = g.batch_rank - 1; i >= 0; i--) {
      if (++idx[i] < g.batch[i]) break;
      idx[i] = 0;
    }
  }
  return st;
}

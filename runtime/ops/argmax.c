/* ArgMax, ArgMin: the int64 index of the largest / smallest element along
 * `axis` (default 0), keeping that axis as 1 when keepdims (default 1). Ties
 * give the first index, or the last with select_last_index (opset 12+). NaN
 * elements are ignored unless the whole slice is NaN (then index 0). */
#include <math.h>
#include <string.h>

#include "runtime/ops/reduce_kernels.h"

typedef struct arg_plan {
  bool is_max, last;
  int axis;
  int64_t outer, n, inner;
  int out_rank;
  int64_t out_dims[SEAM_MAX_RANK];
} arg_plan;

static const seam_dtype arg_dtypes[] = {
    SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT8,   SEAM_DTYPE_UINT8,
    SEAM_DTYPE_INT16,   SEAM_DTYPE_UINT16,  SEAM_DTYPE_INT32,  SEAM_DTYPE_UINT32,
    SEAM_DTYPE_INT64,   SEAM_DTYPE_UINT64,  SEAM_DTYPE_UNDEFINED};

static seam_status make_plan(seam_op_ctx *ctx, arg_plan *p) {
  seam_status st;
  if ((st = seam_op_require_dtype(ctx, 0, arg_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank < 1)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s needs an input of rank >= 1",
                     ctx->node->op_type);
  p->is_max = strcmp(ctx->node->op_type, "ArgMax") == 0;
  p->last = seam_attr_int(ctx->node, "select_last_index", 0) != 0;
  bool keepdims = seam_attr_int(ctx->node, "keepdims", 1) != 0;
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", 0), x->rank, &p->axis)) != SEAM_OK)
    return st;
  if (x->dims[p->axis] == 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s over axis %d of size 0", ctx->node->op_type,
                     p->axis);
  p->outer = p->inner = 1;
  p->n = x->dims[p->axis];
  p->out_rank = 0;
  for (int d = 0; d < x->rank; d++) {
    if (d < p->axis) p->outer *= x->dims[d];
    if (d > p->axis) p->inner *= x->dims[d];
    if (d != p->axis) p->out_dims[p->out_rank++] = x->dims[d];
    else if (keepdims) p->out_dims[p->out_rank++] = 1;
  }
  return SEAM_OK;
}

seam_status seam_argmax_infer(seam_op_ctx *ctx) {
  arg_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, SEAM_DTYPE_INT64, p.out_rank, p.out_dims);
}

/* SKIP(v) is true for values to ignore (NaN). */
#define ARG_LOOP(T, SKIP)                                                                    \
  do {                                                                                 \
    const T *x0 = (const T *)ctx->inputs[0]->data;                                     \
    for (int64_t o = 0; o < p.outer; o++)                                              \
      for (int64_t i = 0; i < p.inner; i++) {                                          \
        const T *x = x0 + o * p.n * p.inner + i;                                       \
        int64_t best = -1;                                                             \
        T bv = 0;                                                                      \
        for (int64_t k = 0; k < p.n; k++) {                                            \
          T v = x[k * p.inner];                                                        \
          if (SKIP(v)) continue;                                                       \
          bool take = best < 0 || (p.is_max ? v > bv : v < bv) || (p.last && v == bv); \
          if (take) best = k, bv = v;                                                  \
        }                                                                              \
        *y++ = best < 0 ? 0 : best;                                                    \
      }                                                                                \
  } while (0)

#define NEVER(v) ((void)(v), false)

seam_status seam_argmax_run(seam_op_ctx *ctx) {
  arg_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  if (!ctx->outputs[0]) return SEAM_OK;
  int64_t *y = ctx->outputs[0]->data;
  switch (ctx->inputs[0]->dtype) {
  case SEAM_DTYPE_FLOAT32: ARG_LOOP(float, isnan); break;
  case SEAM_DTYPE_FLOAT64: ARG_LOOP(double, isnan); break;
  case SEAM_DTYPE_INT8: ARG_LOOP(int8_t, NEVER); break;
  case SEAM_DTYPE_UINT8: ARG_LOOP(uint8_t, NEVER); break;
  case SEAM_DTYPE_INT16: ARG_LOOP(int16_t, NEVER); break;
  case SEAM_DTYPE_UINT16: ARG_LOOP(uint16_t, NEVER); break;
  case SEAM_DTYPE_INT32: ARG_LOOP(int32_t, NEVER); break;
  case SEAM_DTYPE_UINT32: ARG_LOOP(uint32_t, NEVER); break;
  case SEAM_DTYPE_INT64: ARG_LOOP(int64_t, NEVER); break;
  case SEAM_DTYPE_UINT64: ARG_LOOP(uint64_t, NEVER); break;
  default: break;
  }
  return SEAM_OK;
}

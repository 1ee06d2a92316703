/* Softmax, LogSoftmax, Hardmax.
 *
 * Before opset 13 the input is seen as a 2-D matrix [prod(dims[:axis]),
 * prod(dims[axis:])] (axis defaults to 1) and the op works on each row; from
 * opset 13 it works along the single axis `axis` (default -1). Both views are
 * an [outer, n, inner] box with the op applied along n, so one loop serves
 * both. Softmax subtracts each slice's max before exp, so large inputs do not
 * overflow; sums are kept in double. Hardmax puts 1 at the first maximum. */
#include <math.h>
#include <string.h>

#include "runtime/ops/reduce_kernels.h"

typedef enum { SOFTMAX, LOG_SOFTMAX, HARDMAX } softmax_kind;

typedef struct softmax_box {
  softmax_kind kind;
  int64_t outer, n, inner;
} softmax_box;

static const seam_dtype softmax_dtypes[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                            SEAM_DTYPE_UNDEFINED};

static seam_status make_box(seam_op_ctx *ctx, softmax_box *b) {
  seam_status st;
  const char *op = ctx->node->op_type;
  b->kind = strcmp(op, "LogSoftmax") == 0 ? LOG_SOFTMAX
            : strcmp(op, "Hardmax") == 0  ? HARDMAX
                                          : SOFTMAX;
  if ((st = seam_op_require_dtype(ctx, 0, softmax_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  bool coerce_2d = ctx->node->opset < 13;
  int axis;
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", coerce_2d ? 1 : -1), x->rank,
                         &axis)) != SEAM_OK)
    return st;
  b->outer = b->n = b->inner = 1;
  for (int d = 0; d < x->rank; d++) {
    if (d < axis) b->outer *= x->dims[d];
    else if (d == axis || coerce_2d) b->n *= x->dims[d];
    else b->inner *= x->dims[d];
  }
  return SEAM_OK;
}

seam_status seam_softmax_infer(seam_op_ctx *ctx) {
  softmax_box b;
  seam_status st = make_box(ctx, &b);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

/* One slice: n values, `inner` elements apart. */
#define SOFTMAX_SLICE(T)                                                                \
  do {                                                                                  \
    int64_t n = b->n, s = b->inner;                                                     \
    int64_t arg = 0;                                                                    \
    T m = x[0];                                                                         \
    for (int64_t k = 1; k < n; k++)                                                     \
      if (x[k * s] > m) m = x[k * s], arg = k;                                          \
    if (b->kind == HARDMAX) {                                                           \
      for (int64_t k = 0; k < n; k++) y[k * s] = k == arg ? (T)1 : (T)0;                \
      break;                                                                            \
    }                                                                                   \
    double sum = 0;                                                                     \
    for (int64_t k = 0; k < n; k++) sum += exp((double)x[k * s] - (double)m);           \
    if (b->kind == LOG_SOFTMAX) {                                                       \
      double shift = (double)m + log(sum);                                              \
      for (int64_t k = 0; k < n; k++) y[k * s] = (T)((double)x[k * s] - shift);         \
    } else {                                                                            \
      for (int64_t k = 0; k < n; k++) y[k * s] = (T)(exp((double)x[k * s] - m) / sum);  \
    }                                                                                   \
  } while (0)

#define SOFTMAX_ALL(T)                                                                  \
  do {                                                                                  \
    const T *x0 = (const T *)ctx->inputs[0]->data;                                      \
    T *y0 = (T *)ctx->outputs[0]->data;                                                 \
    for (int64_t o = 0; o < b->outer; o++)                                              \
      for (int64_t i = 0; i < b->inner; i++) {                                          \
        const T *x = x0 + o * b->n * b->inner + i;                                      \
        T *y = y0 + o * b->n * b->inner + i;                                            \
        SOFTMAX_SLICE(T);                                                               \
      }                                                                                 \
  } while (0)

seam_status seam_softmax_run(seam_op_ctx *ctx) {
  softmax_box box, *b = &box;
  seam_status st = make_box(ctx, b);
  if (st != SEAM_OK) return st;
  if (!ctx->outputs[0] || ctx->inputs[0]->count == 0) return SEAM_OK;
  if (ctx->inputs[0]->dtype == SEAM_DTYPE_FLOAT32) SOFTMAX_ALL(float);
  else SOFTMAX_ALL(double);
  return SEAM_OK;
}

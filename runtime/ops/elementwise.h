/* Entry points of the elementwise kernel family (listed in
 * elementwise_table.c) and small helpers its files share. */
#ifndef SEAM_RUNTIME_OPS_ELEMENTWISE_H
#define SEAM_RUNTIME_OPS_ELEMENTWISE_H

#include <math.h>
#include <stdint.h>

#include "runtime/ops/op.h"

/* arith.c: Add Sub Mul Div Mod Max Min Sum Mean BitShift, and Pow */
seam_status seam_ew_arith_infer(seam_op_ctx *ctx);
seam_status seam_ew_arith_run(seam_op_ctx *ctx);
seam_status seam_ew_pow_infer(seam_op_ctx *ctx);
seam_status seam_ew_pow_run(seam_op_ctx *ctx);

/* unary.c: activations and pointwise math, PRelu, Clip */
seam_status seam_ew_unary_infer(seam_op_ctx *ctx);
seam_status seam_ew_unary_run(seam_op_ctx *ctx);
seam_status seam_ew_prelu_infer(seam_op_ctx *ctx);
seam_status seam_ew_prelu_run(seam_op_ctx *ctx);
seam_status seam_ew_clip_infer(seam_op_ctx *ctx);
seam_status seam_ew_clip_run(seam_op_ctx *ctx);

/* identity.c: Identity, Dropout (inference) */
seam_status seam_ew_identity_infer(seam_op_ctx *ctx);
seam_status seam_ew_identity_run(seam_op_ctx *ctx);
seam_status seam_ew_dropout_infer(seam_op_ctx *ctx);
seam_status seam_ew_dropout_run(seam_op_ctx *ctx);

/* logic.c: comparisons, Not/And/Or/Xor, Where */
seam_status seam_ew_compare_infer(seam_op_ctx *ctx);
seam_status seam_ew_compare_run(seam_op_ctx *ctx);
seam_status seam_ew_not_infer(seam_op_ctx *ctx);
seam_status seam_ew_not_run(seam_op_ctx *ctx);
seam_status seam_ew_where_infer(seam_op_ctx *ctx);
seam_status seam_ew_where_run(seam_op_ctx *ctx);

/* cast.c: Cast, CastLike */
seam_status seam_ew_cast_infer(seam_op_ctx *ctx);
seam_status seam_ew_castlike_infer(seam_op_ctx *ctx);
seam_status seam_ew_cast_run(seam_op_ctx *ctx);

/* Float to integer conversion that never overflows: truncates toward zero
 * like C, clamps to [lo, hi] (both exactly representable as double, which
 * holds for every integer type up to 32 bits and for INT64_MIN/INT64_MAX's
 * 2^63 bound) and maps NaN to 0. */
static inline int64_t seam_ew_f2i(double x, int64_t lo, int64_t hi) {
  if (isnan(x)) return 0;
  if (x <= (double)lo) return lo;
  if (x >= (double)hi) return hi; /* (double)INT64_MAX is 2^63, out of range itself */
  return (int64_t)x;
}

static inline uint64_t seam_ew_f2u64(double x) {
  if (!(x > 0)) return 0; /* NaN, zero and negatives */
  if (x >= 18446744073709551616.0) return UINT64_MAX;
  return (uint64_t)x;
}

/* The number an attribute holds, int or float; dflt when absent. */
static inline double seam_ew_attr_number(const seam_node *node, const char *name, double dflt) {
  const seam_attr *a = seam_node_attr(node, name);
  if (!a) return dflt;
  return a->type == SEAM_ATTR_INT ? (double)a->i : (double)a->f;
}

#endif

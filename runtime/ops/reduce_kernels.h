/* The kernels of the reduce family (reductions, softmax, arg/top-k and the
 * normalizations that reduce), listed in reduce_table.c. */
#ifndef SEAM_RUNTIME_OPS_REDUCE_KERNELS_H
#define SEAM_RUNTIME_OPS_REDUCE_KERNELS_H

#include "runtime/ops/op.h"

/* reduce.c: every Reduce* op; the reduction is chosen by the node's op type. */
seam_status seam_reduce_infer(seam_op_ctx *ctx);
seam_status seam_reduce_run(seam_op_ctx *ctx);

/* softmax.c: Softmax, LogSoftmax, Hardmax. */
seam_status seam_softmax_infer(seam_op_ctx *ctx);
seam_status seam_softmax_run(seam_op_ctx *ctx);

/* argmax.c: ArgMax, ArgMin. */
seam_status seam_argmax_infer(seam_op_ctx *ctx);
seam_status seam_argmax_run(seam_op_ctx *ctx);

/* topk.c: TopK. */
seam_status seam_topk_infer(seam_op_ctx *ctx);
seam_status seam_topk_run(seam_op_ctx *ctx);

/* lp.c: LpNormalization. */
seam_status seam_lpnorm_infer(seam_op_ctx *ctx);
seam_status seam_lpnorm_run(seam_op_ctx *ctx);

/* meanvar.c: MeanVarianceNormalization. */
seam_status seam_mvn_infer(seam_op_ctx *ctx);
seam_status seam_mvn_run(seam_op_ctx *ctx);

/* layernorm.c: LayerNormalization. */
seam_status seam_layernorm_infer(seam_op_ctx *ctx);
seam_status seam_layernorm_run(seam_op_ctx *ctx);

#endif

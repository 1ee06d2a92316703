/* Kernels of the nn family (conv, gemm/matmul, normalization, pooling);
 * the rows of seam_ops_nn in nn_table.c. */
#ifndef SEAM_RUNTIME_OPS_NN_H
#define SEAM_RUNTIME_OPS_NN_H

#include "runtime/ops/op.h"

/* conv.c */
seam_status seam_conv_infer(seam_op_ctx *ctx);
seam_status seam_conv_run(seam_op_ctx *ctx);
/* conv_transpose.c */
seam_status seam_conv_transpose_infer(seam_op_ctx *ctx);
seam_status seam_conv_transpose_run(seam_op_ctx *ctx);
/* gemm.c */
seam_status seam_gemm_infer(seam_op_ctx *ctx);
seam_status seam_gemm_run(seam_op_ctx *ctx);
seam_status seam_matmul_infer(seam_op_ctx *ctx);
seam_status seam_matmul_run(seam_op_ctx *ctx);
/* norm.c */
seam_status seam_batch_norm_infer(seam_op_ctx *ctx);
seam_status seam_batch_norm_run(seam_op_ctx *ctx);
seam_status seam_instance_norm_infer(seam_op_ctx *ctx);
seam_status seam_instance_norm_run(seam_op_ctx *ctx);
seam_status seam_lrn_infer(seam_op_ctx *ctx);
seam_status seam_lrn_run(seam_op_ctx *ctx);
/* pool.c */
seam_status seam_max_pool_infer(seam_op_ctx *ctx);
seam_status seam_max_pool_run(seam_op_ctx *ctx);
seam_status seam_average_pool_infer(seam_op_ctx *ctx);
seam_status seam_average_pool_run(seam_op_ctx *ctx);
seam_status seam_lp_pool_infer(seam_op_ctx *ctx);
seam_status seam_lp_pool_run(seam_op_ctx *ctx);
seam_status seam_global_pool_infer(seam_op_ctx *ctx);
seam_status seam_global_average_pool_run(seam_op_ctx *ctx);
seam_status seam_global_max_pool_run(seam_op_ctx *ctx);
seam_status seam_global_lp_pool_run(seam_op_ctx *ctx);
/* unpool.c */
seam_status seam_max_unpool_infer(seam_op_ctx *ctx);
seam_status seam_max_unpool_run(seam_op_ctx *ctx);

#endif

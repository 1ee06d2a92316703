#include "runtime/ops/op.h"
#include "runtime/ops/reduce_kernels.h"

const seam_op_def seam_ops_reduce[] = {
    {"ReduceSum", seam_reduce_infer, seam_reduce_run},
    {"ReduceMean", seam_reduce_infer, seam_reduce_run},
    {"ReduceMax", seam_reduce_infer, seam_reduce_run},
    {"ReduceMin", seam_reduce_infer, seam_reduce_run},
    {"ReduceProd", seam_reduce_infer, seam_reduce_run},
    {"ReduceL1", seam_reduce_infer, seam_reduce_run},
    {"ReduceL2", seam_reduce_infer, seam_reduce_run},
    {"ReduceLogSum", seam_reduce_infer, seam_reduce_run},
    {"ReduceLogSumExp", seam_reduce_infer, seam_reduce_run},
    {"ReduceSumSquare", seam_reduce_infer, seam_reduce_run},
    {"Softmax", seam_softmax_infer, seam_softmax_run},
    {"LogSoftmax", seam_softmax_infer, seam_softmax_run},
    {"Hardmax", seam_softmax_infer, seam_softmax_run},
    {"ArgMax", seam_argmax_infer, seam_argmax_run},
    {"ArgMin", seam_argmax_infer, seam_argmax_run},
    {"TopK", seam_topk_infer, seam_topk_run},
    {"LpNormalization", seam_lpnorm_infer, seam_lpnorm_run},
    {"MeanVarianceNormalization", seam_mvn_infer, seam_mvn_run},
    {"LayerNormalization", seam_layernorm_infer, seam_layernorm_run},
    {NULL, NULL, NULL},
};

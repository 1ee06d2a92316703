#include "runtime/ops/nn.h"

const seam_op_def seam_ops_nn[] = {
    {"Conv", seam_conv_infer, seam_conv_run},
    {"ConvTranspose", seam_conv_transpose_infer, seam_conv_transpose_run},
    {"Gemm", seam_gemm_infer, seam_gemm_run},
    {"MatMul", seam_matmul_infer, seam_matmul_run},
    {"BatchNormalization", seam_batch_norm_infer, seam_batch_norm_run},
    {"InstanceNormalization", seam_instance_norm_infer, seam_instance_norm_run},
    {"LRN", seam_lrn_infer, seam_lrn_run},
    {"MaxPool", seam_max_pool_infer, seam_max_pool_run},
    {"AveragePool", seam_average_pool_infer, seam_average_pool_run},
    {"LpPool", seam_lp_pool_infer, seam_lp_pool_run},
    {"GlobalAveragePool", seam_global_pool_infer, seam_global_average_pool_run},
    {"GlobalMaxPool", seam_global_pool_infer, seam_global_max_pool_run},
    {"GlobalLpPool", seam_global_pool_infer, seam_global_lp_pool_run},
    {"MaxUnpool", seam_max_unpool_infer, seam_max_unpool_run},
    {NULL, NULL, NULL},
};

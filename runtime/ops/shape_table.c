/* The shape family: layout, indexing, shape arithmetic, constants, resize.
 * These kernels move bytes, so most accept every dtype. */
#include "runtime/ops/shape_ops.h"

const seam_op_def seam_ops_shape[] = {
    {"Reshape", seam_op_reshape_infer, seam_shape_copy_run},
    {"Flatten", seam_op_flatten_infer, seam_shape_copy_run},
    {"Squeeze", seam_op_squeeze_infer, seam_shape_copy_run},
    {"Unsqueeze", seam_op_unsqueeze_infer, seam_shape_copy_run},
    {"Transpose", seam_op_transpose_infer, seam_op_transpose_run},
    {"DepthToSpace", seam_op_depth_to_space_infer, seam_op_depth_to_space_run},
    {"SpaceToDepth", seam_op_space_to_depth_infer, seam_op_space_to_depth_run},
    {"Concat", seam_op_concat_infer, seam_op_concat_run},
    {"Split", seam_op_split_infer, seam_op_split_run},
    {"Slice", seam_op_slice_infer, seam_op_slice_run},
    {"Gather", seam_op_gather_infer, seam_op_gather_run},
    {"GatherElements", seam_op_gather_elements_infer, seam_op_gather_elements_run},
    {"GatherND", seam_op_gather_nd_infer, seam_op_gather_nd_run},
    {"Expand", seam_op_expand_infer, seam_op_expand_run},
    {"Tile", seam_op_tile_infer, seam_op_tile_run},
    {"Pad", seam_op_pad_infer, seam_op_pad_run},
    {"Shape", seam_op_shape_infer, seam_op_shape_run},
    {"Size", seam_op_size_infer, seam_op_size_run},
    {"Constant", seam_op_constant_infer, seam_op_constant_run},
    {"ConstantOfShape", seam_op_constant_of_shape_infer, seam_op_constant_of_shape_run},
    {"Range", seam_op_range_infer, seam_op_range_run},
    {"EyeLike", seam_op_eye_like_infer, seam_op_eye_like_run},
    {"Trilu", seam_op_trilu_infer, seam_op_trilu_run},
    {"OneHot", seam_op_onehot_infer, seam_op_onehot_run},
    {"CumSum", seam_op_cumsum_infer, seam_op_cumsum_run},
    {"Resize", seam_op_resize_infer, seam_op_resize_run},
    {"Upsample", seam_op_upsample_infer, seam_op_upsample_run},
    {NULL, NULL, NULL},
};

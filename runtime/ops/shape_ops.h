/* Entry points of the shape-family kernels, listed in ops/shape_table.c. */
#ifndef SEAM_RUNTIME_OPS_SHAPE_OPS_H
#define SEAM_RUNTIME_OPS_SHAPE_OPS_H

#include "runtime/ops/op.h"

#define SEAM_SHAPE_OP(name)                                                                        \
  seam_status seam_op_##name##_infer(seam_op_ctx *ctx);                                            \
  seam_status seam_op_##name##_run(seam_op_ctx *ctx);

/* reshape.c: the output is the input's bytes; run is one copy. */
seam_status seam_op_reshape_infer(seam_op_ctx *ctx);
seam_status seam_op_flatten_infer(seam_op_ctx *ctx);
seam_status seam_op_squeeze_infer(seam_op_ctx *ctx);
seam_status seam_op_unsqueeze_infer(seam_op_ctx *ctx);
seam_status seam_shape_copy_run(seam_op_ctx *ctx);

/* transpose.c */
SEAM_SHAPE_OP(transpose)
SEAM_SHAPE_OP(depth_to_space)
SEAM_SHAPE_OP(space_to_depth)
/* concat_split.c */
SEAM_SHAPE_OP(concat)
SEAM_SHAPE_OP(split)
/* slice.c */
SEAM_SHAPE_OP(slice)
SEAM_SHAPE_OP(gather)
SEAM_SHAPE_OP(gather_elements)
SEAM_SHAPE_OP(gather_nd)
/* expand_tile_pad.c */
SEAM_SHAPE_OP(expand)
SEAM_SHAPE_OP(tile)
SEAM_SHAPE_OP(pad)
/* shape_ops.c */
SEAM_SHAPE_OP(shape)
SEAM_SHAPE_OP(size)
SEAM_SHAPE_OP(constant)
SEAM_SHAPE_OP(constant_of_shape)
SEAM_SHAPE_OP(range)
/* patterns.c */
SEAM_SHAPE_OP(eye_like)
SEAM_SHAPE_OP(trilu)
SEAM_SHAPE_OP(onehot)
/* cumsum.c */
SEAM_SHAPE_OP(cumsum)
/* resize.c */
SEAM_SHAPE_OP(resize)
SEAM_SHAPE_OP(upsample)

#undef SEAM_SHAPE_OP

#endif

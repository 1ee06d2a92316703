#include "runtime/ops/op.h"

const seam_op_def seam_ops_nn[] = {
    {NULL, NULL, NULL},
};

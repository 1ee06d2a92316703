#include <string.h>

#include "runtime/ops/op.h"

/* Families are searched in order; a faster backend registers its own table
 * in front of these to take over an op. */
static const seam_op_def *const families[] = {
    seam_ops_nn,
    seam_ops_elementwise,
    seam_ops_reduce,
    seam_ops_shape,
    seam_ops_quant,
};

const seam_op_def *seam_op_lookup(const char *op_type) {
  for (size_t f = 0; f < sizeof families / sizeof families[0]; f++)
    for (const seam_op_def *op = families[f]; op->op_type; op++)
      if (strcmp(op->op_type, op_type) == 0) return op;
  return NULL;
}

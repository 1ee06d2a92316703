/* Multiply-accumulate counts of the compute-heavy ops. */
#include "runtime/macs.h"

#include <stdbool.h>
#include <string.h>

int64_t seam_node_macs(const seam_node *n, const seam_tensor *const *in, seam_tensor *const *out) {
  if (!out[0] || !in[0]) return 0;
  /* QLinearConv/QLinearMatMul: the weight is input 3 (x, x_scale, x_zero_point, w, ...). */
  bool qconv = strcmp(n->op_type, "QLinearConv") == 0;
  int w = qconv ? 3 : 1;
  if ((qconv || strcmp(n->op_type, "Conv") == 0) && n->n_inputs > w && in[w]) {
    int64_t per_output = 1; /* weight [M, C/group, k...] */
    for (int d = 1; d < in[w]->rank; d++) per_output *= in[w]->dims[d];
    return out[0]->count * per_output;
  }
  if (strcmp(n->op_type, "ConvTranspose") == 0 && n->n_inputs > 1 && in[1]) {
    int64_t per_input = 1; /* weight [C, M/group, k...] */
    for (int d = 1; d < in[1]->rank; d++) per_input *= in[1]->dims[d];
    return in[0]->count * per_input;
  }
  if ((strcmp(n->op_type, "Gemm") == 0 || strcmp(n->op_type, "MatMul") == 0 ||
       strcmp(n->op_type, "QLinearMatMul") == 0) &&
      in[0]->rank >= 1) {
    int64_t k = in[0]->dims[in[0]->rank - 1];
    if (strcmp(n->op_type, "Gemm") == 0 && seam_attr_int(n, "transA", 0) && in[0]->rank == 2) k = in[0]->dims[0];
    return out[0]->count * k;
  }
  return 0;
}

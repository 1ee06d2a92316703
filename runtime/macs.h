/* Multiply-accumulate counts of nodes, from the shapes they actually ran
 * with (profiles, seam info, seam cuts). */
#ifndef SEAM_RUNTIME_MACS_H
#define SEAM_RUNTIME_MACS_H

#include <stdint.h>

#include "runtime/graph.h"

/* MACs of one executed node given its input and output tensors (as an
 * executor observer's after_node sees them): Conv, ConvTranspose, Gemm and
 * MatMul; 0 for every other op and when a needed tensor is missing. */
int64_t seam_node_macs(const seam_node *n, const seam_tensor *const *in, seam_tensor *const *out);

#endif

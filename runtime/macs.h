/* Multiply-accumulate counts of nodes: from the shapes they actually ran
 * with (profiles, seam cuts), or of a whole graph from shapes inferred
 * without running a kernel (seam info). */
#ifndef SEAM_RUNTIME_MACS_H
#define SEAM_RUNTIME_MACS_H

#include <stdint.h>

#include "runtime/graph.h"

/* MACs of one executed node given its input and output tensors (as an
 * executor observer's after_node sees them): Conv, ConvTranspose, Gemm and
 * MatMul; 0 for every other op and when a needed tensor is missing. */
int64_t seam_node_macs(const seam_node *n, const seam_tensor *const *in, seam_tensor *const *out);

/* The MACs of every node needed for g's outputs when its inputs have the
 * shapes of inputs[] (g->n_inputs shells: dtype and dims, no data needed),
 * from the shapes each node's infer derives. No kernel runs on tensor data:
 * only the small shape computations (Shape → Gather → Concat pieces: nodes
 * whose inputs are all known and whose outputs hold at most a few thousand
 * elements) are evaluated; other computed tensors are seen as zeros by the
 * infer functions that read values. So the work is linear in the number of
 * nodes whatever the tensor sizes. */
seam_status seam_graph_macs(const seam_graph *g, const seam_tensor *const *inputs, int64_t *macs, seam_error *err);

#endif

/* Load-time graph optimization (seam_model_options.optimize). */
#ifndef SEAM_RUNTIME_OPTIMIZE_H
#define SEAM_RUNTIME_OPTIMIZE_H

#include "runtime/graph.h"

/* Tensors no pass may remove (seam_model_options.keep_tensors): names of
 * tensors of the graph; names it does not have are ignored. */
typedef struct seam_keep {
  const char *const *names;
  size_t n;
} seam_keep;

/* Rewrites a loaded, constant-folded graph so it computes the same outputs
 * with fewer nodes. Passes, in order:
 *   1. Identity, and Dropout at inference (mask unused), are dropped; their
 *      readers read the input instead.
 *   2. A BatchNormalization whose input is the only use of a Conv,
 *      ConvTranspose or Gemm output is folded into that node's weights and
 *      bias (new constants; shared ones are never changed).
 *   3. x * HardSigmoid(x) (alpha 1/6, beta 1/2) becomes HardSwish(x); then a
 *      Relu, Clip with constant bounds, HardSwish or Sigmoid that is the only
 *      reader of a float32 Conv, ConvTranspose, Gemm, MatMul or Add output is
 *      fused into that node (seam_node.act).
 * (QDQ fusion, seam_fuse_qdq below, runs before these, on a graph folded
 * with DequantizeLinear kept.)
 * Every removed tensor name is recorded in g->removed: with same_as when its
 * value lives on under another name (passes 1), with same_as NULL when it no
 * longer exists (the pre-BatchNormalization / pre-activation tensors), so it
 * can no longer be named as a cut; instead then names the tensor that holds
 * what it was computed into. Graph outputs and the tensors keep names
 * (NULL: none) are never removed: a rewrite that would remove one, or stop
 * computing it, is skipped at that place, and only there. Nodes and values
 * that go are freed; producers and consumer counts stay exact. On failure
 * (out of memory) the graph is still valid to free. */
seam_status seam_optimize_graph(seam_graph *g, const seam_keep *keep, seam_error *err);

/* QDQ fusion, run before seam_optimize_graph on a graph folded with
 * DequantizeLinear kept (seam_fold_constants_except):
 *   DequantizeLinear(x_q) → Conv(·, DequantizeLinear(W_q), [DequantizeLinear(B_q)])
 *     → [Relu | Clip] → QuantizeLinear → y_q
 * becomes QLinearConv(x_q, sx, zx, W_q, sw, zw, sy, zy, B_q) → y_q, and the
 * same without bias around MatMul becomes QLinearMatMul. Conditions: every
 * scale and zero point constant; activations per tensor, int8 or uint8;
 * weights int8 constants, per tensor or per output channel, zero point 0;
 * bias int32 with scale x_scale * w_scale (1e-6 relative) and zero point 0;
 * the Conv/MatMul output and the activation output read by nothing else
 * and not graph outputs. The Relu/Clip becomes a clamp in output units
 * (node->act), which is exact: rounding is monotonic. Input DequantizeLinear
 * nodes stay when something else still reads them, or when their output is
 * kept. Removed names are recorded in g->removed (same_as NULL). A pattern
 * whose float Conv/MatMul inputs, output or activation output is kept is
 * left alone (the fused node would read the int8 tensors, so a cut at a
 * kept float input could not compute it). */
seam_status seam_fuse_qdq(seam_graph *g, const seam_keep *keep, seam_error *err);

#endif

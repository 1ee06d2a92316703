/* The kernel interface. Every operator is a seam_op_def found by op type in
 * the registry (ops/registry.c); a faster backend can replace the run
 * function of an op without touching the graph or the executor.
 *
 * The executor calls infer() with the op's inputs (data present) and output
 * shells; infer sets each output's dtype and shape (seam_tensor_set_shape)
 * and must not allocate. The executor then allocates the outputs and calls
 * run(). Kernels report problems with seam_fail(ctx->err, ...); the executor
 * adds the node name, op type and opset to the message.
 *
 * Status conventions: SEAM_ERR_UNSUPPORTED only for what seam does not
 * implement (a dtype, an attribute value, a mode); SEAM_ERR_SHAPE for inputs
 * that do not fit together; SEAM_ERR_INVALID_ARGUMENT for bad attributes. */
#ifndef SEAM_RUNTIME_OPS_OP_H
#define SEAM_RUNTIME_OPS_OP_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "runtime/graph.h"
#include "runtime/tensor.h"

typedef struct seam_op_ctx {
  const seam_node *node;
  int n_inputs;
  const seam_tensor *const *inputs; /* NULL entries for omitted optional inputs */
  int n_outputs;
  seam_tensor **outputs; /* NULL entries for omitted optional outputs */
  seam_error *err;
} seam_op_ctx;

typedef seam_status (*seam_op_fn)(seam_op_ctx *ctx);

struct seam_op_def {
  const char *op_type;
  seam_op_fn infer;
  seam_op_fn run;
};

/* Each kernel family file defines one table ending in a {NULL} row. */
extern const seam_op_def seam_ops_nn[];          /* conv, gemm, matmul, norms, pooling */
extern const seam_op_def seam_ops_elementwise[]; /* unary, binary, activations, logic, cast */
extern const seam_op_def seam_ops_reduce[];      /* reductions, softmax */
extern const seam_op_def seam_ops_shape[];       /* layout, indexing, shape, constants, resize */
extern const seam_op_def seam_ops_quant[];       /* QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv, QLinearMatMul */

/* The op definition for an op type in the default domain, or NULL. */
const seam_op_def *seam_op_lookup(const char *op_type);

/* ---- helpers shared by kernels (ops/op_util.c) ---- */

/* Input i, or NULL when absent (beyond n_inputs or omitted). */
static inline const seam_tensor *seam_op_input(const seam_op_ctx *ctx, int i) {
  return i < ctx->n_inputs ? ctx->inputs[i] : NULL;
}

/* Sets output i's dtype and shape. */
seam_status seam_op_set_output(seam_op_ctx *ctx, int i, seam_dtype dtype, int rank,
                               const int64_t *dims);
/* Output i gets input j's dtype and shape. */
seam_status seam_op_output_like(seam_op_ctx *ctx, int i, const seam_tensor *like);

/* Fails with SEAM_ERR_UNSUPPORTED unless input i exists with a dtype in the
 * list (terminated by SEAM_DTYPE_UNDEFINED). */
seam_status seam_op_require_dtype(seam_op_ctx *ctx, int i, const seam_dtype *allowed);
/* Fails unless the op has at least min inputs present. */
seam_status seam_op_require_inputs(seam_op_ctx *ctx, int min);

/* Normalizes a possibly negative axis into [0, rank); fails when out of range. */
seam_status seam_op_axis(seam_op_ctx *ctx, int64_t axis, int rank, int *out);

/* Reads a rank-0/1 integer tensor (int32 or int64) into buf (at most max
 * values); *n gets the count. */
seam_status seam_op_read_ints(seam_op_ctx *ctx, const seam_tensor *t, int64_t *buf, int max,
                              int *n);

/* Numpy-style broadcast of two shapes into out (rank *out_rank). */
seam_status seam_broadcast_shape(seam_op_ctx *ctx, int rank_a, const int64_t *dims_a,
                                 int rank_b, const int64_t *dims_b, int *out_rank,
                                 int64_t *out_dims);
/* Element strides of t seen through a broadcast to (rank, dims): 0 on the
 * broadcast axes. t's rank must be <= rank. */
void seam_broadcast_strides(const seam_tensor *t, int rank, const int64_t *dims,
                            int64_t *strides);

#endif

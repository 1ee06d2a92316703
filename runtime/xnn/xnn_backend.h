/* The XNNPACK backend: the only place seam calls XNNPACK (its operator API
 * changes between versions; this is written against the 2022 create →
 * setup → run API of Debian 12's libxnnpack).
 *
 * Each function wraps one XNNPACK operator (plus, where a fused activation
 * needs it, a second one applied in place). Activations are NHWC for the
 * spatial operators; elementwise operators take explicit physical shapes so
 * the plan can run them in either layout. Weights are transformed from ONNX
 * layouts (OIHW) to XNNPACK's (OHWI) and packed when the operator is
 * created; nothing allocates at run time. 3×3 stride-1 Convs the cost rule
 * in winograd.c picks run as Winograd F(2,3)/F(4,3) instead, with XNNPACK
 * fully-connected operators for the products and a caller-provided scratch
 * buffer (seam_xnn_scratch_bytes). QLinearConvs with group 1 run on seam's
 * AVX-512 VNNI kernel (vnni_conv.c) when the CPU has it, im2col scratch
 * from the same buffer; the others on XNNPACK's qc8 convolution. */
#ifndef SEAM_RUNTIME_XNN_BACKEND_H
#define SEAM_RUNTIME_XNN_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/graph.h"

typedef struct pthreadpool *pthreadpool_t;
typedef struct seam_xnn_op seam_xnn_op;

/* What a node needs from the plan to run on XNNPACK. */
typedef enum seam_xnn_class {
  SEAM_XNN_NONE = 0,    /* not covered: use the portable kernel */
  SEAM_XNN_SPATIAL,     /* input 0 and output 0 NHWC (Conv, QLinearConv, pooling) */
  SEAM_XNN_ROWS,        /* row-major [rows, features] in and out (Gemm, MatMul) */
  SEAM_XNN_ELEMENTWISE, /* any layout, with explicit physical shapes */
} seam_xnn_class;

/* Initializes XNNPACK once per process (thread-safe, idempotent). */
bool seam_xnn_available(void);

/* Whether this node, with these inputs (shapes always; data for constants,
 * NULL data otherwise) and output 0 shape, can run on XNNPACK, and how. */
seam_xnn_class seam_xnn_classify(const seam_node *node, const seam_tensor *const *inputs,
                                 const bool *input_is_constant, const seam_tensor *output);

/* Creates the operator for a node classified SPATIAL or ROWS. in/out are the
 * logical (ONNX) shapes; constant inputs carry data. */
seam_status seam_xnn_create_node(const seam_node *node, const seam_tensor *const *inputs,
                                 const seam_tensor *output, seam_xnn_op **out, seam_error *err);

/* Creates an elementwise operator for a node classified ELEMENTWISE. For a
 * binary op, shape_a/shape_b are the physical operand shapes (rank n_a/n_b,
 * at most 6; n_b < 0 for a unary op); count is the output element count.
 * inputs/is_const give constant operands (Clip bounds). */
seam_status seam_xnn_create_elementwise(const seam_node *node, const seam_tensor *const *inputs,
                                        const bool *is_const, int n_a, const int64_t *shape_a,
                                        int n_b, const int64_t *shape_b, int64_t count,
                                        seam_xnn_op **out, seam_error *err);

/* Spare bytes XNNPACK may read past the end of an input buffer. */
#define SEAM_XNN_EXTRA_BYTES 16

/* Scratch memory the operator needs while it runs (0 for most): the caller
 * passes a buffer of at least this many bytes, 64-byte aligned with
 * SEAM_XNN_EXTRA_BYTES spare, to setup. Operators run one at a time may
 * share one buffer. */
size_t seam_xnn_scratch_bytes(const seam_xnn_op *op);

/* Binds buffers (float32, or int8 for QLinearConv; b is NULL for unary and spatial ops; scratch may be NULL
 * when seam_xnn_scratch_bytes is 0). May be called again with other
 * pointers. */
seam_status seam_xnn_setup(seam_xnn_op *op, const void *a, const void *b, void *output, void *scratch,
                           pthreadpool_t threadpool, seam_error *err);
seam_status seam_xnn_run(seam_xnn_op *op, pthreadpool_t threadpool, seam_error *err);
void seam_xnn_free(seam_xnn_op *op);

#endif

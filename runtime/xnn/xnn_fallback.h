/* What an XNNPACK step does when its input is not all finite.
 *
 * XNNPACK's float operators end with an output clamp computed as
 * min(max(acc, lo), hi); x86's max returns its second operand when the
 * first is NaN, so NaN becomes lo, and -inf when there is no lower bound
 * (measured on Debian's 2022 build: Conv, fully connected, Add/Mul, Clamp,
 * average pooling; max pooling drops NaN inside its windows; Winograd
 * spreads a NaN over whole tiles). ONNX (NumPy) propagates NaN, and so do
 * seam's portable kernels. The backend therefore checks a step's float
 * inputs before running it (one read of the input, vectorized) and, when
 * one is NaN or infinite, computes that step with the portable kernel
 * instead, converting from and to NHWC around it: the fast path then gives
 * exactly the reference path's result for that node. Constant inputs
 * (weights) are checked once when the plan is built. */
#ifndef SEAM_RUNTIME_XNN_FALLBACK_H
#define SEAM_RUNTIME_XNN_FALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/graph.h"

#define SEAM_XNN_FALLBACK_MAX_INPUTS 16

typedef enum seam_xnn_fallback_kind {
  SEAM_XNN_FALLBACK_NONE = 0, /* the step needs none (int8, or NaN-safe) */
  SEAM_XNN_FALLBACK_NHWC,     /* input 0 and output NHWC, logical shapes NCHW */
  SEAM_XNN_FALLBACK_ROWS,     /* input 0 and output as their logical shapes */
  SEAM_XNN_FALLBACK_BINARY,   /* two operands and the output in physical shapes */
} seam_xnn_fallback_kind;

typedef struct seam_xnn_fallback {
  seam_xnn_fallback_kind kind;
  const seam_node *node;
  int n_inputs;
  /* Constant inputs (weights, bias), borrowed: they must outlive the step. */
  const seam_tensor *consts[SEAM_XNN_FALLBACK_MAX_INPUTS];
  seam_tensor in[2]; /* shapes (no data) of the computed operands */
  seam_tensor out;   /* shape of the output */
} seam_xnn_fallback;

/* True when none of the n floats is NaN or ±inf. */
bool seam_all_finite(const float *x, size_t n);
/* The same, split over threadpool's threads when n is large (NULL: one thread). */
typedef struct pthreadpool *pthreadpool_t;
bool seam_all_finite_parallel(const float *x, size_t n, pthreadpool_t threadpool);
/* True when every float32 constant input of node has only finite values. */
bool seam_xnn_constants_finite(const seam_node *node, const seam_tensor *const *inputs, const bool *is_const);

/* Computes the step with the node's portable kernel (and its fused
 * activation): a, b (BINARY only) and out are the step's buffers. Allocates
 * the NCHW copies it needs; this path runs only on non-finite data. */
seam_status seam_xnn_fallback_run(const seam_xnn_fallback *f, const float *a, const float *b, float *out,
                                  seam_error *err);

#endif

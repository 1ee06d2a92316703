/* The single-precision matrix product shared by Conv (im2col), ConvTranspose,
 * Gemm and MatMul. Portable C, cache-blocked, written so that the compiler
 * vectorizes the register tile at -O2. */
#ifndef SEAM_RUNTIME_OPS_SGEMM_H
#define SEAM_RUNTIME_OPS_SGEMM_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

/* C = alpha * op(A) * op(B) + beta * C, all matrices row-major.
 *
 * op(A) is m x k and op(B) is k x n; C is m x n. lda, ldb and ldc are the row
 * strides (in elements) of A, B and C as stored: when trans_a is set, A is
 * stored k x m (so op(A) = A^T), likewise for trans_b. beta == 0 overwrites C
 * without reading it (NaNs already in C do not propagate), as BLAS does.
 *
 * Returns SEAM_OK, or SEAM_ERR_NO_MEMORY (filling err) when the packing
 * buffers cannot be allocated. Reentrant: no global state. */
seam_status seam_sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha,
                       const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                       float *c, int64_t ldc, seam_error *err);

#endif

/* Numpy-style broadcasting for the elementwise kernels, written once.
 *
 * A kernel supplies a row function that computes n contiguous output
 * elements; seam_bcast_run walks the broadcast output shape, merging the
 * axes it can (same-shape operands become one row, a scalar operand gets a
 * step of 0) and calls the row function once per remaining row. */
#ifndef SEAM_RUNTIME_OPS_BROADCAST_BINARY_H
#define SEAM_RUNTIME_OPS_BROADCAST_BINARY_H

#include "runtime/ops/op.h"

#define SEAM_BCAST_MAX_INPUTS 3

/* Computes n output elements at out. in[k] points at input k's first
 * element of the row; it advances by step[k] elements per output element
 * (0 for a broadcast operand, 1 for a contiguous one). */
typedef void (*seam_bcast_row_fn)(void *out, const void *const *in, const int64_t *step, int64_t n,
                                  const void *param);

/* Broadcast shape of n (1..SEAM_BCAST_MAX_INPUTS) inputs; SEAM_ERR_SHAPE
 * when they do not broadcast. */
seam_status seam_bcast_shape_n(seam_op_ctx *ctx, int n, const seam_tensor *const *in, int *rank,
                               int64_t *dims);

/* Gives output `out_index` the broadcast shape of the n inputs and dtype. */
seam_status seam_bcast_infer(seam_op_ctx *ctx, int n, const seam_tensor *const *in,
                             seam_dtype dtype, int out_index);

/* Fills out (allocated, with the broadcast shape of in[0..n)) row by row.
 * out may alias an input that has out's shape (in-place folds). */
void seam_bcast_run(seam_tensor *out, int n, const seam_tensor *const *in, seam_bcast_row_fn fn,
                    const void *param);

/* Defines a row function `fname` for two operands of type TA and TB giving
 * TO. `expr` computes one output from `x` (TA) and `y` (TB); `param` (const
 * void *) is in scope. Same-shape and scalar operands get their own loops so
 * the compiler sees unit strides. */
#define SEAM_BCAST_ROW2(fname, TA, TB, TO, expr)                                                  \
  static void fname(void *out_, const void *const *in_, const int64_t *step_, int64_t n_,         \
                    const void *param) {                                                          \
    const TA *a_ = in_[0];                                                                        \
    const TB *b_ = in_[1];                                                                        \
    TO *o_ = out_;                                                                                \
    const int64_t sa_ = step_[0], sb_ = step_[1];                                                 \
    (void)param;                                                                                  \
    if (sa_ == 1 && sb_ == 1) {                                                                   \
      for (int64_t i_ = 0; i_ < n_; i_++) {                                                       \
        const TA x = a_[i_];                                                                      \
        const TB y = b_[i_];                                                                      \
        o_[i_] = (TO)(expr);                                                                      \
      }                                                                                           \
    } else if (sa_ == 1 && sb_ == 0) {                                                            \
      const TB y = b_[0];                                                                         \
      for (int64_t i_ = 0; i_ < n_; i_++) {                                                       \
        const TA x = a_[i_];                                                                      \
        o_[i_] = (TO)(expr);                                                                      \
      }                                                                                           \
    } else if (sa_ == 0 && sb_ == 1) {                                                            \
      const TA x = a_[0];                                                                         \
      for (int64_t i_ = 0; i_ < n_; i_++) {                                                       \
        const TB y = b_[i_];                                                                      \
        o_[i_] = (TO)(expr);                                                                      \
      }                                                                                           \
    } else {                                                                                      \
      for (int64_t i_ = 0; i_ < n_; i_++) {                                                       \
        const TA x = a_[i_ * sa_];                                                                \
        const TB y = b_[i_ * sb_];                                                                \
        o_[i_] = (TO)(expr);                                                                      \
      }                                                                                           \
    }                                                                                             \
  }

/* Same operand and output type. */
#define SEAM_BCAST_ROW(fname, T, expr) SEAM_BCAST_ROW2(fname, T, T, T, expr)

#endif

/* int8 convolution on AVX-512 VNNI (vpdpbusd) for QLinearConv with group 1,
 * int8 NHWC activations and int8 weights with zero point 0 (per tensor or
 * per output channel).
 *
 * The convolution is one matrix product A [pixels, K] × Wᵀ [K, M] in int32:
 * for 1×1 stride-1 unpadded layers A is the input itself (K = C); otherwise
 * the input is lowered with im2col into caller-provided scratch (K = kh·kw·C
 * in (ky, kx, c) order, rows padded to a multiple of 4 bytes, out-of-image
 * pixels set to the input zero point).
 *
 * vpdpbusd multiplies unsigned by signed bytes, so the kernel feeds
 * x ^ 0x80 = x + 128 and the bias absorbs the difference: per output channel
 * bias' = bias − (128 + x_zero_point)·Σ_k w[m,k], computed at create time.
 * Weights are packed at create time in blocks of 32 output channels × groups
 * of 4 input bytes (K and M padded with zero weights); a tile is 8 pixels ×
 * 32 channels of int32 accumulators in registers. The requantization is
 * float32: (acc + bias') · (x_scale·w_scale[m]/y_scale) rounded to nearest
 * even, + y_zero_point, clamped to the fused activation's bounds — as
 * XNNPACK's qc8, within one output step of the reference kernel's double
 * product. Chunks of up to 64 pixels (lowered, then multiplied by every
 * weight block while they are in cache) run in parallel on the threadpool.
 * x86-64 only; seam_vconv_supported() is false elsewhere. */
#ifndef SEAM_RUNTIME_XNN_VNNI_CONV_H
#define SEAM_RUNTIME_XNN_VNNI_CONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/graph.h"

typedef struct pthreadpool *pthreadpool_t;
typedef struct seam_vconv seam_vconv;

/* input [n, h, w, c] → output [n, oh, ow, m]; pads top/left explicit (the
 * bottom/right follow from oh/ow). */
typedef struct seam_vconv_shape {
  int64_t n, h, w, c, oh, ow, m;
  int64_t kh, kw, stride_h, stride_w, dil_h, dil_w, pad_top, pad_left;
} seam_vconv_shape;

/* The CPU has AVX-512 F/BW/VNNI (and the tests have not disabled it). */
bool seam_vconv_supported(void);

/* Tests only: 0 disables the VNNI convolution, 1 restores the CPU check. Not thread-safe. */
void seam_vconv_override(int enabled);

/* Tests only: how many VNNI convolutions exist right now. */
long seam_vconv_live(void);

/* weights OIHW [m, c, kh, kw] int8 (zero point 0); w_scale has n_w_scale
 * values (1 or m); bias int32 [m] or NULL; lo/hi the output clamp. */
seam_status seam_vconv_create(const seam_vconv_shape *s, const int8_t *weights, const float *w_scale,
                              int64_t n_w_scale, const int32_t *bias, float x_scale, int8_t x_zero,
                              float y_scale, int8_t y_zero, int lo, int hi, seam_vconv **out, seam_error *err);
/* Scratch bytes setup needs (0 for 1×1 stride-1 unpadded layers). */
size_t seam_vconv_scratch_bytes(const seam_vconv *v);
seam_status seam_vconv_setup(seam_vconv *v, const int8_t *input, int8_t *output, void *scratch, seam_error *err);
seam_status seam_vconv_run(seam_vconv *v, pthreadpool_t threadpool, seam_error *err);
void seam_vconv_free(seam_vconv *v);

#endif

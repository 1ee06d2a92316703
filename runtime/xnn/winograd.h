/* Winograd convolution for 3×3, stride 1, dilation 1, group 1 float32 Conv
 * on NHWC activations: F(2×2, 3×3) (4×4 tiles, 16 products) or F(4×4, 3×3)
 * (6×6 tiles, 36 products).
 *
 * Per tile of m×m outputs the (m+2)×(m+2) input patch d becomes V = Bᵀ d B;
 * the weights g of each (output, input) channel pair become U = G g Gᵀ once,
 * at create time. For each of the T = (m+2)² transformed points t, the
 * products over channels are one matrix product M_t = V_t · U_t with V_t
 * [tiles, C] and U_t [C, M], run by an XNNPACK fully-connected operator.
 * The output transform Y = Aᵀ M A gives the m×m outputs, plus bias and the
 * fused activation. Interpolation points: 0, ±1, ∞ for F(2,3) and 0, ±1,
 * ±2, ∞ for F(4,3); the matrices are derived from them (see winograd.c).
 *
 * V and M live in a scratch buffer the caller provides at setup (a plan
 * shares one across all its operators); nothing allocates at run time. */
#ifndef SEAM_RUNTIME_XNN_WINOGRAD_H
#define SEAM_RUNTIME_XNN_WINOGRAD_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/graph.h"

typedef struct pthreadpool *pthreadpool_t;
typedef struct seam_wino seam_wino;

/* The convolution: input [n, h, w, c], output [n, oh, ow, m], pad_top and
 * pad_left explicit (bottom/right padding follows from oh/ow; reads outside
 * the image are zero). */
typedef struct seam_wino_shape {
  int64_t n, h, w, c, oh, ow, m;
  int64_t pad_top, pad_left;
} seam_wino_shape;

/* The output tile size the rule picks for this convolution: 2 (F(2,3)),
 * 4 (F(4,3)), or 0 (use the direct convolution). */
int seam_wino_pick(const seam_wino_shape *s);

/* Tests only: force the tile size of later seam_wino_pick calls (2 or 4, or 0
 * to disable Winograd); -1 restores the rule. Not thread-safe. */
void seam_wino_override(int tile);

/* Tests only: how many Winograd convolutions exist right now. */
long seam_wino_live(void);

/* weights OIHW [m, c, 3, 3]; bias [m] or NULL; act is applied to the output. */
seam_status seam_wino_create(int tile, const seam_wino_shape *s, const float *weights, const float *bias,
                             seam_activation act, seam_wino **out, seam_error *err);
/* Scratch bytes setup needs (64-byte aligned, plus 16 spare bytes at the end). */
size_t seam_wino_scratch_bytes(const seam_wino *w);
seam_status seam_wino_setup(seam_wino *w, const float *input, float *output, void *scratch,
                            pthreadpool_t threadpool, seam_error *err);
seam_status seam_wino_run(seam_wino *w, pthreadpool_t threadpool, seam_error *err);
void seam_wino_free(seam_wino *w);

#endif

/* Winograd F(m×m, 3×3) convolution; see winograd.h.
 *
 * The matrices come from Toom-Cook interpolation at the points p_0..p_{a-2}
 * plus ∞ (a = m + 2):
 *   Aᵀ[i][j] = p_jⁱ (the ∞ column is e_{m-1}),
 *   G[j][k]  = p_jᵏ / Π_{l≠j}(p_j − p_l) (the ∞ row is e_2),
 *   Bᵀ       the unique solution of Σ_j Aᵀ[i][j] G[j][k] Bᵀ[j][l] = [l = i + k]
 * (correlation, as Conv computes it), with row 0 of G and Bᵀ negated for
 * F(2,3) so both start positive. For F(4,3) the points 0, ±1, ±2, ∞ and
 * 0, ±1, ±1/2, ∞ gave the same float32 error in simulation (3–7e-6 relative
 * for 64–512 channels); ±2 keeps Bᵀ and Aᵀ integral.
 *
 * F(2,3), points 0, 1, −1, ∞:
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 −1 0 1]
 *   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
 *   Aᵀ = [1 1 1 0; 0 1 −1 1]
 * F(4,3), points 0, 1, −1, 2, −2, ∞:
 *   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0;
 *         0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
 *   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
 *   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
 *
 * Transforms run per tile over blocks of CB contiguous channels, so every
 * inner loop is over channels and vectorizes. */
#include "runtime/xnn/winograd.h"

#include <math.h>
#include <stdbool.h>
#include <pthreadpool.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "common/error.h"
#include "runtime/xnn/vector_clones.h"

#define CB 64        /* channels per transform block */

#define MAX_ALPHA 6  /* largest tile edge (F(4,3)) */
#define ALIGN 64

static const double G2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};
static const double G4[6][3] = {{1.0 / 4, 0, 0},           {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                {-1.0 / 6, 1.0 / 6, -1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                {1.0 / 24, -1.0 / 12, 1.0 / 6}, {0, 0, 1}};

struct seam_wino {
  int m, alpha, t; /* output tile edge, input tile edge, transformed points */
  seam_wino_shape s;
  size_t tiles_h, tiles_w, tiles;
  seam_activation act;
  float *bias;  /* [m], zeros when the Conv has none */
  float *zeros; /* [c]: what out-of-image pixels read */
  xnn_operator_t *fc; /* [t] */
  size_t v_bytes, m_bytes;
  const float *input;
  float *output;
  float *v, *mm; /* scratch: V [t][tiles][c], M [t][tiles][m] */
  bool counted;  /* in `live` */
};

/* ---- the rule ---- */

static int override_tile = -1;
static _Atomic long live;

void seam_wino_override(int tile) { override_tile = tile; }

long seam_wino_live(void) { return live; }

/* Estimated cost of a convolution, in multiply-adds, fitted to measurements
 * on AVX-512 (1 thread; see the notes). XNNPACK's GEMM and its direct
 * (indirect-GEMM) convolution both run at about 80 GMAC/s in blocks of
 * MR = 7 rows (tiles for the GEMMs, output pixels for the convolution), so
 * rows count rounded up to 7. Weights that do not stay in a 1 MB L2 stream in
 * again on every run, costing about STREAM_ROWS more rows (this is what
 * decides the 7×7 layers, whose GEMMs have only 4–16 rows). Each transformed
 * value (tiles × T × (C + M) of them, in and out) costs about 13
 * multiply-adds' time. */
#define MR 7
#define L2_BYTES (1 << 20)
#define STREAM_ROWS 6.0
#define TRANSFORM_COST 13.0

static double rows(int64_t r) { return (double)((r + MR - 1) / MR * MR); }

static double direct_cost(const seam_wino_shape *s) {
  double cm = (double)s->c * (double)s->m;
  return 9 * cm * (rows(s->n * s->oh * s->ow) + (9 * cm * 4 > L2_BYTES ? STREAM_ROWS : 0));
}

static double wino_cost(const seam_wino_shape *s, int tile) {
  double cm = (double)s->c * (double)s->m, t = (tile + 2) * (tile + 2);
  int64_t tiles = s->n * ((s->oh + tile - 1) / tile) * ((s->ow + tile - 1) / tile);
  double stream = t * cm * 4 > L2_BYTES ? STREAM_ROWS : 0;
  return t * (cm * (rows(tiles) + stream) + TRANSFORM_COST * (double)tiles * (double)(s->c + s->m));
}

int seam_wino_pick(const seam_wino_shape *s) {
  if (override_tile >= 0) return override_tile;
  /* Few channels: GEMMs with K or N of 16 and below run far below 80 GMAC/s
   * while the transforms cost the same per channel; measured slower than
   * direct for 3→16, 8→16, 16→16, 8→32, faster for 16→32 and up. */
  if ((double)s->c * (double)s->m < 10.0 * (double)(s->c + s->m)) return 0;
  double d = direct_cost(s), f2 = wino_cost(s, 2), f4 = wino_cost(s, 4);
  if (f4 <= f2 && f4 < d) return 4;
  if (f2 < d) return 2;
  return 0;
}

/* ---- 1-D transforms over n channels: x_k are inputs, y + k*CB outputs ---- */

static inline void bt4(const float *x0, const float *x1, const float *x2, const float *x3, float *restrict y,
                       int n) {
  for (int c = 0; c < n; c++) {
    float a0 = x0[c], a1 = x1[c], a2 = x2[c], a3 = x3[c];
    y[c] = a0 - a2;
    y[CB + c] = a1 + a2;
    y[2 * CB + c] = a2 - a1;
    y[3 * CB + c] = a3 - a1;
  }
}

static inline void bt6(const float *x0, const float *x1, const float *x2, const float *x3, const float *x4,
                       const float *x5, float *restrict y, int n) {
  for (int c = 0; c < n; c++) {
    float a0 = x0[c], a1 = x1[c], a2 = x2[c], a3 = x3[c], a4 = x4[c], a5 = x5[c];
    float s34 = a3 + a4, s12 = a1 + a2, d43 = a4 - a3, d12 = a1 - a2, d42 = a4 - a2, d31 = a3 - a1;
    y[c] = 4.0f * a0 - 5.0f * a2 + a4;
    y[CB + c] = s34 - 4.0f * s12;
    y[2 * CB + c] = 4.0f * d12 + d43;
    y[3 * CB + c] = d42 + 2.0f * d31;
    y[4 * CB + c] = d42 - 2.0f * d31;
    y[5 * CB + c] = 4.0f * a1 - 5.0f * a3 + a5;
  }
}

static inline void at4(const float *x0, const float *x1, const float *x2, const float *x3, float *restrict y,
                       int n) {
  for (int c = 0; c < n; c++) {
    float a1 = x1[c], a2 = x2[c];
    y[c] = x0[c] + a1 + a2;
    y[CB + c] = a1 - a2 + x3[c];
  }
}

static inline void at6(const float *x0, const float *x1, const float *x2, const float *x3, const float *x4,
                       const float *x5, float *restrict y, int n) {
  for (int c = 0; c < n; c++) {
    float a1 = x1[c], a2 = x2[c], a3 = x3[c], a4 = x4[c];
    float s12 = a1 + a2, d12 = a1 - a2, s34 = a3 + a4, d34 = a3 - a4;
    y[c] = x0[c] + s12 + s34;
    y[CB + c] = d12 + 2.0f * d34;
    y[2 * CB + c] = s12 + 4.0f * s34;
    y[3 * CB + c] = d12 + 8.0f * d34 + x5[c];
  }
}

/* ---- input transform: one task per tile ---- */

static void tile_origin(const seam_wino *w, size_t tile, size_t *n, int64_t *y0, int64_t *x0) {
  size_t per_image = w->tiles_h * w->tiles_w;
  *n = tile / per_image;
  size_t r = tile % per_image;
  *y0 = (int64_t)(r / w->tiles_w) * w->m;
  *x0 = (int64_t)(r % w->tiles_w) * w->m;
}

VECTOR_CLONES static void input_tile(void *context, size_t tile) {
  const seam_wino *w = context;
  const seam_wino_shape *s = &w->s;
  const int a = w->alpha;
  size_t n;
  int64_t oy, ox;
  tile_origin(w, tile, &n, &oy, &ox);
  const float *px[MAX_ALPHA][MAX_ALPHA];
  for (int k = 0; k < a; k++)
    for (int j = 0; j < a; j++) {
      int64_t y = oy - s->pad_top + k, x = ox - s->pad_left + j;
      px[k][j] = y >= 0 && y < s->h && x >= 0 && x < s->w ? w->input + (((int64_t)n * s->h + y) * s->w + x) * s->c
                                                         : w->zeros;
    }
  float rows[MAX_ALPHA][MAX_ALPHA][CB]; /* [k][j']: row k of d times B */
  float cols[MAX_ALPHA][MAX_ALPHA][CB]; /* [j'][i]: Bᵀ times that, transposed */
  const size_t plane = w->tiles * (size_t)s->c;
  float *dst = w->v + tile * (size_t)s->c;
  for (int64_t c0 = 0; c0 < s->c; c0 += CB) {
    int nc = (int)(s->c - c0 < CB ? s->c - c0 : CB);
    if (a == 4) {
      for (int k = 0; k < 4; k++)
        bt4(px[k][0] + c0, px[k][1] + c0, px[k][2] + c0, px[k][3] + c0, rows[k][0], nc);
      for (int j = 0; j < 4; j++) bt4(rows[0][j], rows[1][j], rows[2][j], rows[3][j], cols[j][0], nc);
    } else {
      for (int k = 0; k < 6; k++)
        bt6(px[k][0] + c0, px[k][1] + c0, px[k][2] + c0, px[k][3] + c0, px[k][4] + c0, px[k][5] + c0, rows[k][0],
            nc);
      for (int j = 0; j < 6; j++)
        bt6(rows[0][j], rows[1][j], rows[2][j], rows[3][j], rows[4][j], rows[5][j], cols[j][0], nc);
    }
    for (int i = 0; i < a; i++)
      for (int j = 0; j < a; j++) memcpy(dst + (size_t)(i * a + j) * plane + c0, cols[j][i], sizeof(float) * (size_t)nc);
  }
}

/* ---- output transform: one task per tile ---- */

VECTOR_CLONES static void output_tile(void *context, size_t tile) {
  const seam_wino *w = context;
  const seam_wino_shape *s = &w->s;
  const int a = w->alpha, m = w->m;
  size_t n;
  int64_t oy, ox;
  tile_origin(w, tile, &n, &oy, &ox);
  const size_t plane = w->tiles * (size_t)s->m;
  const float *src = w->mm + tile * (size_t)s->m;
  float rows[MAX_ALPHA][MAX_ALPHA][CB]; /* [k][i']: row k of M times A */
  float outs[MAX_ALPHA][MAX_ALPHA][CB]; /* [i'][i]: Aᵀ times that, transposed */
  for (int64_t c0 = 0; c0 < s->m; c0 += CB) {
    int nc = (int)(s->m - c0 < CB ? s->m - c0 : CB);
    const float *p[MAX_ALPHA * MAX_ALPHA];
    for (int t = 0; t < a * a; t++) p[t] = src + (size_t)t * plane + c0;
    if (a == 4) {
      for (int k = 0; k < 4; k++) at4(p[k * 4], p[k * 4 + 1], p[k * 4 + 2], p[k * 4 + 3], rows[k][0], nc);
      for (int i = 0; i < 2; i++) at4(rows[0][i], rows[1][i], rows[2][i], rows[3][i], outs[i][0], nc);
    } else {
      for (int k = 0; k < 6; k++)
        at6(p[k * 6], p[k * 6 + 1], p[k * 6 + 2], p[k * 6 + 3], p[k * 6 + 4], p[k * 6 + 5], rows[k][0], nc);
      for (int i = 0; i < 4; i++)
        at6(rows[0][i], rows[1][i], rows[2][i], rows[3][i], rows[4][i], rows[5][i], outs[i][0], nc);
    }
    const float *bias = w->bias + c0;
    for (int i = 0; i < m && oy + i < s->oh; i++)
      for (int j = 0; j < m && ox + j < s->ow; j++) {
        const float *v = outs[j][i];
        float *restrict y = w->output + (((int64_t)n * s->oh + oy + i) * s->ow + ox + j) * s->m + c0;
        switch (w->act.kind) {
        case SEAM_ACT_CLAMP: {
          float lo = w->act.min, hi = w->act.max;
          for (int c = 0; c < nc; c++) {
            float x = v[c] + bias[c];
            y[c] = x < lo ? lo : x > hi ? hi : x;
          }
          break;
        }
        case SEAM_ACT_HARDSWISH:
          for (int c = 0; c < nc; c++) {
            float x = v[c] + bias[c], g = x / 6.0f + 0.5f;
            y[c] = x * (g < 0.0f ? 0.0f : g > 1.0f ? 1.0f : g);
          }
          break;
        case SEAM_ACT_SIGMOID:
          for (int c = 0; c < nc; c++) y[c] = 1.0f / (1.0f + expf(-(v[c] + bias[c])));
          break;
        case SEAM_ACT_NONE:
          for (int c = 0; c < nc; c++) y[c] = v[c] + bias[c];
          break;
        }
      }
  }
}

/* ---- lifecycle ---- */

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

seam_status seam_wino_create(int tile, const seam_wino_shape *s, const float *weights, const float *bias,
                             seam_activation act, seam_wino **out, seam_error *err) {
  *out = NULL;
  if ((tile != 2 && tile != 4) || s->n < 1 || s->c < 1 || s->m < 1 || s->oh < 1 || s->ow < 1)
    return seam_fail(err, SEAM_ERR_INTERNAL, "Winograd F(%d,3) does not fit this convolution", tile);
  seam_wino *w = calloc(1, sizeof *w);
  if (!w) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  w->m = tile;
  w->alpha = tile + 2;
  w->t = w->alpha * w->alpha;
  w->s = *s;
  w->act = act;
  w->tiles_h = (size_t)((s->oh + tile - 1) / tile);
  w->tiles_w = (size_t)((s->ow + tile - 1) / tile);
  w->tiles = (size_t)s->n * w->tiles_h * w->tiles_w;
  size_t c = (size_t)s->c, m = (size_t)s->m;
  w->v_bytes = round_up(sizeof(float) * (size_t)w->t * w->tiles * c, ALIGN);
  w->m_bytes = round_up(sizeof(float) * (size_t)w->t * w->tiles * m, ALIGN);
  w->bias = calloc(m, sizeof(float));
  w->zeros = calloc(c, sizeof(float));
  w->fc = calloc((size_t)w->t, sizeof *w->fc);
  float *kernel = malloc(sizeof(float) * c * m);
  if (!w->bias || !w->zeros || !w->fc || !kernel) {
    free(kernel);
    seam_wino_free(w);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  if (bias) memcpy(w->bias, bias, sizeof(float) * m);
  const double(*g)[3] = tile == 2 ? G2 : G4;
  for (int i = 0; i < w->alpha; i++)
    for (int j = 0; j < w->alpha; j++) {
      /* U[i][j] = Σ_k G[i][k] Σ_l g[k][l] G[j][l], in double; kernel is [c][m]. */
      for (size_t o = 0; o < m; o++)
        for (size_t ci = 0; ci < c; ci++) {
          const float *f = weights + (o * c + ci) * 9;
          double u = 0;
          for (int k = 0; k < 3; k++)
            u += g[i][k] * (f[k * 3] * g[j][0] + f[k * 3 + 1] * g[j][1] + f[k * 3 + 2] * g[j][2]);
          kernel[ci * m + o] = (float)u;
        }
      enum xnn_status st = xnn_create_fully_connected_nc_f32(c, m, c, m, kernel, NULL, -INFINITY, INFINITY,
                                                             XNN_FLAG_TRANSPOSE_WEIGHTS, &w->fc[i * w->alpha + j]);
      if (st != xnn_status_success) {
        free(kernel);
        seam_wino_free(w);
        return seam_fail(err, st == xnn_status_out_of_memory ? SEAM_ERR_NO_MEMORY : SEAM_ERR_INTERNAL,
                         "XNNPACK fully connected create failed (status %d)", (int)st);
      }
    }
  free(kernel);
  live++;
  w->counted = true;
  *out = w;
  return SEAM_OK;
}

size_t seam_wino_scratch_bytes(const seam_wino *w) { return w->v_bytes + w->m_bytes; }

seam_status seam_wino_setup(seam_wino *w, const float *input, float *output, void *scratch,
                            pthreadpool_t threadpool, seam_error *err) {
  if (!scratch) return seam_fail(err, SEAM_ERR_INTERNAL, "Winograd convolution needs scratch memory");
  w->input = input;
  w->output = output;
  w->v = scratch;
  w->mm = (float *)((char *)scratch + w->v_bytes);
  size_t c = (size_t)w->s.c, m = (size_t)w->s.m;
  for (int t = 0; t < w->t; t++) {
    enum xnn_status st = xnn_setup_fully_connected_nc_f32(w->fc[t], w->tiles, w->v + (size_t)t * w->tiles * c,
                                                          w->mm + (size_t)t * w->tiles * m, threadpool);
    if (st != xnn_status_success)
      return seam_fail(err, SEAM_ERR_INTERNAL, "XNNPACK fully connected setup failed (status %d)", (int)st);
  }
  return SEAM_OK;
}

seam_status seam_wino_run(seam_wino *w, pthreadpool_t threadpool, seam_error *err) {
  pthreadpool_parallelize_1d(threadpool, input_tile, w, w->tiles, 0);
  for (int t = 0; t < w->t; t++) {
    enum xnn_status st = xnn_run_operator(w->fc[t], threadpool);
    if (st != xnn_status_success)
      return seam_fail(err, SEAM_ERR_INTERNAL, "XNNPACK fully connected run failed (status %d)", (int)st);
  }
  pthreadpool_parallelize_1d(threadpool, output_tile, w, w->tiles, 0);
  return SEAM_OK;
}

void seam_wino_free(seam_wino *w) {
  if (!w) return;
  if (w->fc)
    for (int t = 0; t < w->t; t++)
      if (w->fc[t]) xnn_delete_operator(w->fc[t]);
  free(w->fc);
  free(w->bias);
  free(w->zeros);
  if (w->counted) live--;
  free(w);
}

/* int8 convolution on AVX-512 VNNI; see vnni_conv.h. */
#include "runtime/xnn/vnni_conv.h"

#include <pthreadpool.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vnni")))
#endif

#define MR 8  /* pixels per tile */
#define NR 32 /* output channels per weight block (two vectors of 16) */
#define CHUNK 64 /* most pixels per task: its rows of A stay in cache across the weight blocks */

struct seam_vconv {
  seam_vconv_shape s;
  bool im2col;     /* A is the lowered input in scratch, not the input itself */
  size_t k, kp;    /* K and K rounded up to 4 */
  size_t mp;       /* M rounded up to NR */
  size_t pixels;   /* n·oh·ow */
  size_t chunk;    /* pixels per task (a multiple of MR) */
  size_t lda;      /* bytes between rows of A */
  int8_t *wpack;   /* [mp/NR][kp/4][NR][4] */
  int32_t *bias;   /* [mp] folded bias */
  float *mult;     /* [mp] requantization multipliers */
  int32_t yz, lo, hi;
  int8_t xz;
  const int8_t *input, *a;
  int8_t *output;
  int8_t *col;
  bool counted;
};

static int override_enabled = -1;
static _Atomic long live;

void seam_vconv_override(int enabled) { override_enabled = enabled; }

long seam_vconv_live(void) { return live; }

bool seam_vconv_supported(void) {
  if (override_enabled == 0) return false;
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
#else
  return false;
#endif
}

static size_t round_up(size_t v, size_t q) { return (v + q - 1) / q * q; }

seam_status seam_vconv_create(const seam_vconv_shape *s, const int8_t *weights, const float *w_scale,
                              int64_t n_w_scale, const int32_t *bias, float x_scale, int8_t x_zero,
                              float y_scale, int8_t y_zero, int lo, int hi, seam_vconv **out, seam_error *err) {
  if (!seam_vconv_supported()) return seam_fail(err, SEAM_ERR_UNSUPPORTED, "no AVX-512 VNNI on this CPU");
  seam_vconv *v = calloc(1, sizeof *v);
  if (!v) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  v->s = *s;
  size_t c = (size_t)s->c, m = (size_t)s->m, kh = (size_t)s->kh, kw = (size_t)s->kw;
  v->im2col = !(kh == 1 && kw == 1 && s->stride_h == 1 && s->stride_w == 1 && s->pad_top == 0 &&
                s->pad_left == 0 && s->oh == s->h && s->ow == s->w);
  v->k = kh * kw * c;
  v->kp = round_up(v->k, 4);
  v->mp = round_up(m, NR);
  v->pixels = (size_t)(s->n * s->oh * s->ow);
  v->lda = v->im2col ? v->kp : c;
  v->xz = x_zero;
  v->yz = y_zero;
  v->lo = lo;
  v->hi = hi;
  v->wpack = aligned_alloc(64, v->mp * v->kp + 64);
  v->bias = aligned_alloc(64, round_up(sizeof(int32_t) * v->mp, 64));
  v->mult = aligned_alloc(64, round_up(sizeof(float) * v->mp, 64));
  if (!v->wpack || !v->bias || !v->mult) {
    seam_vconv_free(v);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  memset(v->wpack, 0, v->mp * v->kp);
  for (size_t o = 0; o < v->mp; o++) {
    v->bias[o] = 0;
    v->mult[o] = 0.0f;
    if (o >= m) continue;
    int64_t sum = 0;
    for (size_t ky = 0; ky < kh; ky++)
      for (size_t kx = 0; kx < kw; kx++)
        for (size_t i = 0; i < c; i++) {
          int8_t wv = weights[((o * c + i) * kh + ky) * kw + kx];
          size_t k = (ky * kw + kx) * c + i;
          /* block o / NR, group k / 4, lane o % NR, byte k % 4 */
          v->wpack[((o / NR) * (v->kp / 4) + k / 4) * NR * 4 + (o % NR) * 4 + k % 4] = wv;
          sum += wv;
        }
    int64_t b = (bias ? bias[o] : 0) - (128 + (int64_t)x_zero) * sum;
    v->bias[o] = (int32_t)(uint32_t)(uint64_t)b; /* wraps as the int32 accumulator does */
    v->mult[o] = x_scale * w_scale[n_w_scale == 1 ? 0 : o] / y_scale;
  }
  v->counted = true;
  live++;
  *out = v;
  return SEAM_OK;
}

size_t seam_vconv_scratch_bytes(const seam_vconv *v) { return v->im2col ? v->pixels * v->kp : 0; }

seam_status seam_vconv_setup(seam_vconv *v, const int8_t *input, int8_t *output, void *scratch, seam_error *err) {
  if (v->im2col && !scratch) return seam_fail(err, SEAM_ERR_INTERNAL, "VNNI convolution needs scratch memory");
  v->input = input;
  v->output = output;
  v->col = scratch;
  v->a = v->im2col ? v->col : input;
  return SEAM_OK;
}

#if defined(__x86_64__)
/* The lowered input of output pixel p: kp bytes, K in (ky, kx, c) order.
 * With dilation 1 the kw·c bytes of one kernel row are contiguous in the
 * input when they lie inside the image. */
static void im2col_pixel(const seam_vconv *v, size_t p) {
  const seam_vconv_shape *s = &v->s;
  size_t c = (size_t)s->c, span = (size_t)s->kw * c;
  int64_t ox = (int64_t)p % s->ow, oy = (int64_t)p / s->ow % s->oh, n = (int64_t)p / s->ow / s->oh;
  int8_t *dst = v->col + p * v->kp;
  int64_t ix0 = ox * s->stride_w - s->pad_left;
  bool inside = s->dil_w == 1 && ix0 >= 0 && ix0 + s->kw - 1 < s->w;
  for (int64_t ky = 0; ky < s->kh; ky++, dst += span) {
    int64_t iy = oy * s->stride_h - s->pad_top + ky * s->dil_h;
    if (iy < 0 || iy >= s->h) {
      memset(dst, v->xz, span);
      continue;
    }
    const int8_t *src = v->input + (size_t)((n * s->h + iy) * s->w) * c;
    if (inside) {
      memcpy(dst, src + (size_t)ix0 * c, span);
      continue;
    }
    for (int64_t kx = 0; kx < s->kw; kx++) {
      int64_t ix = ix0 + kx * s->dil_w;
      if (ix < 0 || ix >= s->w) memset(dst + (size_t)kx * c, v->xz, c);
      else memcpy(dst + (size_t)kx * c, src + (size_t)ix * c, c);
    }
  }
  memset(dst, 0, v->kp - v->k); /* zero weights there */
}

/* MR pixels from p0 (the last ones repeated past the end, not stored) × the
 * NR output channels of weight block jb. */
VNNI_TARGET static void gemm_tile(const seam_vconv *v, size_t p0, size_t jb) {
  size_t np = v->pixels - p0 < MR ? v->pixels - p0 : MR;
  const int8_t *r[MR];
  for (size_t i = 0; i < MR; i++) r[i] = v->a + (p0 + (i < np ? i : np - 1)) * v->lda;
  const int8_t *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3], *r4 = r[4], *r5 = r[5], *r6 = r[6], *r7 = r[7];
  size_t groups = v->k / 4, rem = v->k % 4, m = (size_t)v->s.m;
  const __m512i flip = _mm512_set1_epi32((int)0x80808080u);
  const int8_t *w = v->wpack + jb * v->kp * NR;
  /* Accumulators as named variables (an indexed array ends up on the stack). */
#define ZERO(i) __m512i a##i##0 = _mm512_setzero_si512(), a##i##1 = _mm512_setzero_si512();
  ZERO(0) ZERO(1) ZERO(2) ZERO(3) ZERO(4) ZERO(5) ZERO(6) ZERO(7)
#undef ZERO
/* acc += u8 xb · s8 w, 4 bytes per lane. GCC 12 copies the accumulators
 * around _mm512_dpbusd_epi32 (and spills them); the instruction itself
 * keeps them in place. */
#define DPBUSD(acc, xb, w) __asm__("vpdpbusd %2, %1, %0" : "+v"(acc) : "v"(xb), "v"(w))
#define STEP(i, word)                                                        \
  do {                                                                       \
    __m512i xb = _mm512_xor_si512(_mm512_set1_epi32(word), flip);            \
    DPBUSD(a##i##0, xb, w0);                                                 \
    DPBUSD(a##i##1, xb, w1);                                                 \
  } while (0)
#define LOAD4(p) ({ int32_t t_; memcpy(&t_, (p) + 4 * g, 4); t_; })
  for (size_t g = 0; g < groups; g++) {
    __m512i w0 = _mm512_load_si512(w + g * NR * 4), w1 = _mm512_load_si512(w + g * NR * 4 + 64);
    STEP(0, LOAD4(r0)); STEP(1, LOAD4(r1)); STEP(2, LOAD4(r2)); STEP(3, LOAD4(r3));
    STEP(4, LOAD4(r4)); STEP(5, LOAD4(r5)); STEP(6, LOAD4(r6)); STEP(7, LOAD4(r7));
  }
#undef LOAD4
  if (rem) { /* the last 1–3 input bytes; the padded weights are 0 */
    size_t g = groups;
    __m512i w0 = _mm512_load_si512(w + g * NR * 4), w1 = _mm512_load_si512(w + g * NR * 4 + 64);
#define TAIL(p) ({ uint32_t t_ = 0; for (size_t b_ = 0; b_ < rem; b_++) t_ |= (uint32_t)(uint8_t)(p)[4 * g + b_] << (8 * b_); (int)t_; })
    STEP(0, TAIL(r0)); STEP(1, TAIL(r1)); STEP(2, TAIL(r2)); STEP(3, TAIL(r3));
    STEP(4, TAIL(r4)); STEP(5, TAIL(r5)); STEP(6, TAIL(r6)); STEP(7, TAIL(r7));
#undef TAIL
  }
#undef STEP
#undef DPBUSD
  __m512i acc[MR][2];
#define SAVE(i) acc[i][0] = a##i##0, acc[i][1] = a##i##1;
  SAVE(0) SAVE(1) SAVE(2) SAVE(3) SAVE(4) SAVE(5) SAVE(6) SAVE(7)
#undef SAVE
  const __m512i yz = _mm512_set1_epi32(v->yz), lo = _mm512_set1_epi32(v->lo), hi = _mm512_set1_epi32(v->hi);
  for (size_t h = 0; h < 2; h++) {
    size_t m0 = jb * NR + h * 16;
    if (m0 >= m) break;
    __mmask16 mask = m - m0 >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (m - m0)) - 1);
    __m512i b = _mm512_load_si512(v->bias + m0);
    __m512 mul = _mm512_load_ps(v->mult + m0);
    for (size_t i = 0; i < np; i++) {
      __m512 f = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(acc[i][h], b)), mul);
      __m512i q = _mm512_cvt_roundps_epi32(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      q = _mm512_min_epi32(_mm512_max_epi32(_mm512_add_epi32(q, yz), lo), hi);
      _mm512_mask_cvtepi32_storeu_epi8(v->output + (p0 + i) * m + m0, mask, q);
    }
  }
}

/* One chunk of pixels: lower them (when needed) while they are hot in
 * cache, then every weight block over them. */
static void chunk_task(void *ctx, size_t chunk) {
  const seam_vconv *v = ctx;
  size_t begin = chunk * v->chunk, end = begin + v->chunk < v->pixels ? begin + v->chunk : v->pixels;
  if (v->im2col)
    for (size_t p = begin; p < end; p++) im2col_pixel(v, p);
  for (size_t jb = 0; jb < v->mp / NR; jb++)
    for (size_t p = begin; p < end; p += MR) gemm_tile(v, p, jb);
}
#endif

seam_status seam_vconv_run(seam_vconv *v, pthreadpool_t threadpool, seam_error *err) {
#if defined(__x86_64__)
  if (v->pixels == 0 || v->s.m == 0) return SEAM_OK;
  /* With threads, at least two chunks per thread when the layer is small. */
  size_t threads = pthreadpool_get_threads_count(threadpool);
  size_t per = threads > 1 ? (v->pixels + 2 * threads - 1) / (2 * threads) : CHUNK;
  v->chunk = per >= CHUNK ? CHUNK : per <= MR ? MR : round_up(per, MR);
  pthreadpool_parallelize_1d(threadpool, chunk_task, v, (v->pixels + v->chunk - 1) / v->chunk, 0);
  return SEAM_OK;
#else
  (void)threadpool;
  return seam_fail(err, SEAM_ERR_UNSUPPORTED, "VNNI convolution on a non-x86 CPU");
#endif
  (void)err;
}

void seam_vconv_free(seam_vconv *v) {
  if (!v) return;
  free(v->wpack);
  free(v->bias);
  free(v->mult);
  if (v->counted) live--;
  free(v);
}

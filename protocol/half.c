/* IEEE 754 binary16 <-> binary32, bit by bit (no dependency on the
 * compiler's _Float16 or on F16C instructions, so the result is the same on
 * every device). */
#include <string.h>

#include "protocol/codec.h"

uint16_t seam_f32_to_f16(float f) {
  uint32_t x;
  memcpy(&x, &f, sizeof x);
  uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
  uint32_t ax = x & 0x7fffffffu;

  if (ax >= 0x7f800000u) {
    if (ax == 0x7f800000u) return sign | 0x7c00u; /* +-Inf */
    /* NaN: quiet, keep the top 9 payload bits. */
    return (uint16_t)(sign | 0x7c00u | 0x0200u | ((ax >> 13) & 0x03ffu));
  }
  /* 65520 = halfway between 65504 (largest half) and 65536: ties to even
   * rounds it up, so it and everything above become Inf. */
  if (ax >= 0x477ff000u) return sign | 0x7c00u;
  if (ax >= 0x38800000u) { /* >= 2^-14: a normal half */
    uint32_t odd = (ax >> 13) & 1u;
    ax += 0x0fffu + odd;            /* round to nearest even on the 13 dropped bits */
    ax -= (uint32_t)(127 - 15) << 23; /* rebias the exponent */
    return (uint16_t)(sign | (ax >> 13));
  }
  /* Below 2^-14: a subnormal half (m x 2^-24) or zero. 2^-25 itself is a tie
   * between 0 and 2^-24 and rounds to 0 (even). */
  if (ax <= 0x33000000u) return sign;
  uint32_t e = ax >> 23;                       /* 102 .. 112 */
  uint32_t m = (ax & 0x007fffffu) | 0x00800000u; /* with the implicit bit */
  uint32_t shift = 126u - e;                   /* 14 .. 24 */
  uint32_t q = m >> shift;
  uint32_t rem = m & ((1u << shift) - 1u);
  uint32_t half = 1u << (shift - 1u);
  if (rem > half || (rem == half && (q & 1u))) q++; /* may carry into 0x400: the smallest normal */
  return (uint16_t)(sign | q);
}

float seam_f16_to_f32(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1fu;
  uint32_t m = h & 0x03ffu;
  uint32_t bits;
  if (e == 0x1fu) {
    bits = sign | 0x7f800000u | (m << 13); /* Inf, or NaN with its payload */
  } else if (e == 0) {
    if (m == 0) {
      bits = sign;
    } else { /* subnormal: normalize */
      e = 127 - 14;
      while (!(m & 0x0400u)) {
        m <<= 1;
        e--;
      }
      bits = sign | (e << 23) | ((m & 0x03ffu) << 13);
    }
  } else {
    bits = sign | ((e + (127 - 15)) << 23) | (m << 13);
  }
  float f;
  memcpy(&f, &bits, sizeof f);
  return f;
}

void seam_f32_to_f16_n(const float *src, uint16_t *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = seam_f32_to_f16(src[i]);
}

void seam_f16_to_f32_n(const uint16_t *src, float *dst, size_t n) {
  for (size_t i = 0; i < n; i++) dst[i] = seam_f16_to_f32(src[i]);
}

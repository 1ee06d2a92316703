/* Hexadecimal (common/hex.h). */
#include "common/hex.h"

void seam_hex_encode(const uint8_t *bytes, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool seam_hex_decode(const char *hex, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int hi = digit_value(hex[2 * i]);
    if (hi < 0) return false; /* also the end of a short string */
    int lo = digit_value(hex[2 * i + 1]);
    if (lo < 0) return false;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  return hex[2 * n] == '\0';
}

/* Lower-case hexadecimal of bytes (SHA-256 digests in logs, messages and
 * command lines) and back. */
#ifndef SEAM_COMMON_HEX_H
#define SEAM_COMMON_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the 2n lower-case hex digits of bytes[0..n) and a NUL into out,
 * which has room for 2n + 1 chars. */
void seam_hex_encode(const uint8_t *bytes, size_t n, char *out);

/* Reads exactly 2n hex digits (either case) from the string hex into
 * out[0..n); false, with out unspecified, when hex is shorter or longer or
 * holds anything else. */
bool seam_hex_decode(const char *hex, uint8_t *out, size_t n);

#endif

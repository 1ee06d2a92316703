/* SHA-256 (OpenSSL's libcrypto): seam's model identity. A model's id is the
 * SHA-256 of its ONNX file; the edge hashes the file it loads, the worker
 * the bytes it serves, and every request carries the hash. Hex forms are
 * in common/hex.h. */
#ifndef SEAM_COMMON_SHA256_H
#define SEAM_COMMON_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEAM_SHA256_SIZE 32

/* SHA-256 of n bytes at data into out; false only when libcrypto fails. */
bool seam_sha256(const void *data, size_t n, uint8_t out[SEAM_SHA256_SIZE]);

/* SHA-256 of a regular file's bytes into out, read in pieces (the file is
 * never whole in memory); false when it cannot be opened or read or is not a
 * regular file (a FIFO, a device, a folder). */
bool seam_sha256_file(const char *path, uint8_t out[SEAM_SHA256_SIZE]);

#endif

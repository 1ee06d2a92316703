/* SHA-256 of buffers and files (common/sha256.h). */
#include "common/sha256.h"

#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "common/file_io.h"

bool seam_sha256(const void *data, size_t n, uint8_t out[SEAM_SHA256_SIZE]) {
  unsigned int len = 0;
  return EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) && len == SEAM_SHA256_SIZE;
}

bool seam_sha256_file(const char *path, uint8_t out[SEAM_SHA256_SIZE]) {
  uint64_t size;
  int fd = seam_open_regular(path, "file", &size, NULL);
  if (fd < 0) return false;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  unsigned char buf[65536];
  for (;;) {
    if (!ok) break;
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      ok = got == 0;
      break;
    }
    ok = EVP_DigestUpdate(md, buf, (size_t)got);
  }
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(md, out, &len) && len == SEAM_SHA256_SIZE;
  EVP_MD_CTX_free(md);
  close(fd);
  return ok;
}

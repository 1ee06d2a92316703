/* A model's identity: file hash and default repository name (model_id.h). */
#include "edge/model_id.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

bool seam_edge_file_sha256(const char *path, uint8_t out[32]) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  bool ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL);
  unsigned char buf[65536];
  size_t n;
  while (ok && (n = fread(buf, 1, sizeof buf, f)) > 0) ok = EVP_DigestUpdate(md, buf, n);
  ok = ok && !ferror(f);
  unsigned len = 0;
  ok = ok && EVP_DigestFinal_ex(md, out, &len) && len == 32;
  EVP_MD_CTX_free(md);
  fclose(f);
  return ok;
}

char *seam_edge_default_model_name(const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  if (strcmp(base, "model.onnx") == 0 && base != path) {
    const char *end = base - 1; /* the slash */
    const char *start = end;
    while (start > path && start[-1] != '/') start--;
    if (end > start) return strndup(start, (size_t)(end - start));
  }
  size_t n = strlen(base);
  if (n > 5 && strcmp(base + n - 5, ".onnx") == 0) n -= 5;
  return strndup(base, n);
}

/* A model's default repository name (model_id.h). */
#include "edge/model_id.h"

#include <string.h>

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

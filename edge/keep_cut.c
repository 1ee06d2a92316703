/* The cut's tensor names as keep_tensors (edge/keep_cut.h). */
#include "edge/keep_cut.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

seam_status edge_keep_cut_init(edge_keep_cut *keep, const char *cut, seam_model_options *options, seam_error *err) {
  keep->names = NULL;
  keep->n = 0;
  if (!cut || !*cut || strcmp(cut, "local") == 0 || strcmp(cut, "cloud") == 0) return SEAM_OK;
  size_t n = 1;
  for (const char *p = cut; *p; p++) n += *p == ',';
  if (!(keep->names = calloc(n, sizeof *keep->names))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (const char *p = cut;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len) {
      char *name = malloc(len + 1);
      if (!name) {
        edge_keep_cut_free(keep);
        return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      }
      memcpy(name, p, len);
      name[len] = '\0';
      keep->names[keep->n++] = name;
    }
    if (!end) break;
    p = end + 1;
  }
  options->keep_tensors = (const char *const *)keep->names;
  options->n_keep_tensors = keep->n;
  return SEAM_OK;
}

void edge_keep_cut_free(edge_keep_cut *keep) {
  for (size_t i = 0; keep->names && i < keep->n; i++) free(keep->names[i]);
  free(keep->names);
  keep->names = NULL;
  keep->n = 0;
}

struct seam_model *edge_keep_cut_load(const char *path, const char *cut, const seam_model_options *options,
                                      seam_error *err) {
  seam_model_options o = *options;
  edge_keep_cut keep;
  if (edge_keep_cut_init(&keep, cut, &o, err) != SEAM_OK) return NULL;
  seam_model *m = seam_model_load_with(path, &o, err);
  if (!m && keep.n && err && err->status == SEAM_ERR_NOT_FOUND)
    seam_error_prefix(err, "cut '%s' (list the candidates with `seam cuts`)", cut);
  edge_keep_cut_free(&keep);
  return m;
}

/* The tensors a session's cut names, kept through graph optimization: the
 * device loads its model with them as seam_model_options.keep_tensors, so
 * that any tensor of the ONNX file, including one optimization would fuse
 * away (a Conv output before its Relu), can be a cut. Internal; not
 * installed. */
#ifndef SEAM_EDGE_KEEP_CUT_H
#define SEAM_EDGE_KEEP_CUT_H

#include <stddef.h>

#include "seam/runtime.h"

typedef struct edge_keep_cut {
  char **names;
  size_t n;
} edge_keep_cut;

/* Splits cut (seam_edge_config.cut) into its tensor names and points
 * options' keep_tensors at them: none for NULL, "", "local" and "cloud";
 * empty names are left out (the cut's own check reports them). keep must
 * outlive the load; free it with edge_keep_cut_free. SEAM_ERR_NO_MEMORY
 * (err filled) when out of memory. */
seam_status edge_keep_cut_init(edge_keep_cut *keep, const char *cut, seam_model_options *options, seam_error *err);

/* Frees the names; accepts a zeroed or freed keep. */
void edge_keep_cut_free(edge_keep_cut *keep);

/* seam_model_load_with(path, options) with the tensors cut names kept
 * (options itself is left as it was). A cut name that is not a tensor of the
 * file fails the load: SEAM_ERR_NOT_FOUND, the message naming it. */
struct seam_model *edge_keep_cut_load(const char *path, const char *cut, const seam_model_options *options,
                                      seam_error *err);

#endif

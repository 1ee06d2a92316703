/* The candidate cuts of a model, as the loopback tests pass them to
 * seam_edge_open. */
#ifndef SEAM_TESTS_CLOUD_CUT_LIST_H
#define SEAM_TESTS_CLOUD_CUT_LIST_H

#include "seam/tensor.h"

typedef struct test_cut {
  int position;  /* the head is the first `position` nodes */
  char *spec;    /* seam_edge_config.cut: "cloud" at position 0, else the names joined by ',' */
  int n_names;
  char **names;  /* the frontier's tensors (the graph inputs at position 0) */
} test_cut;

/* Every candidate cut of the model at model_path (partitioner/frontier.h,
 * measured by one run of the plain executor on input, the model's only
 * input), in order. NULL with err filled on failure. */
test_cut *cut_list_make(const char *model_path, const seam_tensor *input, int *n_cuts, seam_error *err);
void cut_list_free(test_cut *cuts, int n_cuts);

#endif

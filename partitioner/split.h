/* A cut as the edge names it: "local" (everything on the device), "cloud"
 * (the graph inputs are sent) or a comma-separated list of tensor names,
 * parsed once into a name-keyed description that libseam-edge consumes and
 * the partitioner can turn into a split of its DAG. */
#ifndef SEAM_PARTITIONER_SPLIT_H
#define SEAM_PARTITIONER_SPLIT_H

#include <stdbool.h>

#include "partitioner/dag.h"

typedef enum part_cut_kind {
  PART_CUT_LOCAL = 0,
  PART_CUT_CLOUD = 1,
  PART_CUT_TENSORS = 2,
  PART_CUT_AUTO = 3 /* "auto": chosen per request from a plan */
} part_cut_kind;

typedef struct part_cut {
  part_cut_kind kind;
  int n;        /* PART_CUT_TENSORS: how many names */
  char **names; /* PART_CUT_TENSORS: each once, none empty */
} part_cut;

/* At most this many tensors in one cut (a request carries each). */
#define PART_CUT_MAX_TENSORS 4096

/* Parses text (NULL or "" = "local"). SEAM_ERR_INVALID_ARGUMENT for an
 * empty name, a name given twice or too many names. */
seam_status part_cut_parse(const char *text, part_cut *out, seam_error *err);
void part_cut_free(part_cut *c);

/* The head of cut c in d: every node needed to compute its tensors from the
 * graph inputs (none for "cloud", all for "local"); head has d->n_nodes
 * flags. SEAM_ERR_NOT_FOUND naming a tensor d does not have;
 * SEAM_ERR_INVALID_ARGUMENT when the tensors are not enough for the worker
 * to compute every graph output. */
seam_status part_cut_head(const part_dag *d, const part_cut *c, bool *head, seam_error *err);

#endif

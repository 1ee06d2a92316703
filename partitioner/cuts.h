/* Candidate cuts: where a model can be split between a device (the head)
 * and a server (the tail).
 *
 * A cut is a set of tensors, not a layer index. After the first `position`
 * nodes of the graph's topological order have run, the cut is the frontier:
 * every tensor already available (a graph input or a head node's output)
 * that a later node still reads or that is a graph output. Given exactly
 * those tensors, the executor can compute every graph output, so any
 * frontier is a valid cut, including inside residual blocks and around
 * concatenations (the frontier then holds several tensors). Position 0 is
 * "everything on the server", the last position "everything on the device". */
#ifndef SEAM_PARTITIONER_CUTS_H
#define SEAM_PARTITIONER_CUTS_H

#include <stdint.h>

#include "runtime/graph.h"

typedef struct seam_cut {
  int position;  /* the head is nodes [0, position) */
  int n_tensors;
  int *values;   /* value indices of the frontier */
  int64_t bytes; /* their total size as computed (dtype size × elements) */
  int64_t head_macs, tail_macs;
} seam_cut;

typedef struct seam_cut_list {
  seam_cut *cuts;
  int n;
} seam_cut_list;

/* Enumerates the frontier at every position 0..n_nodes. value_bytes[v] is
 * the size of value v and node_macs[i] the MACs of node i, as measured by
 * running the model (constants are never part of a cut). */
seam_status seam_cuts_enumerate(const seam_graph *g, const int64_t *value_bytes, const int64_t *node_macs,
                                seam_cut_list *out, seam_error *err);
void seam_cut_list_free(seam_cut_list *list);

#endif

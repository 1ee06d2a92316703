/* Candidate cuts of a DAG: where a model can be split between a device (the
 * head) and a server (the tail), one per position of the execution order.
 *
 * A cut is a set of tensors, not a layer index. After the first `position`
 * nodes of the execution order have run, the cut is the frontier: every
 * tensor available on the device (a graph input or a head node's output,
 * not known) that a later node still reads or that is a graph output: what
 * part_split_sends gives for that head. Given exactly those tensors, the
 * worker can compute every graph output, so any frontier is a valid cut,
 * including inside residual blocks and around concatenations (the frontier
 * then holds several tensors). Position 0 is "everything on the server",
 * the last position (n_nodes) "everything on the device". */
#ifndef SEAM_PARTITIONER_FRONTIER_H
#define SEAM_PARTITIONER_FRONTIER_H

#include <stdint.h>

#include "partitioner/dag.h"

typedef struct part_frontier {
  int position;  /* the head is nodes [0, position) */
  int n_tensors;
  int *tensors;  /* tensor indices of the DAG, ascending */
  int64_t bytes; /* their total size as computed */
  int64_t wire_bytes; /* their total size after the codec (0 unless measured) */
  int64_t head_macs, tail_macs;
} part_frontier;

typedef struct part_frontier_list {
  part_frontier *frontiers; /* by position: d->n_nodes + 1 of them */
  int n;
} part_frontier_list;

/* Fills *out with the frontier at every position 0..d->n_nodes. d must be
 * finished (part_dag_finish). SEAM_ERR_NO_MEMORY (out left empty) on
 * failure. O(n_nodes x (tensors + edges)). */
seam_status part_frontiers(const part_dag *d, part_frontier_list *out, seam_error *err);
/* The model's name for the last node of f's head: "" at position 0 and for
 * a node the model left unnamed (whose DAG name the builder made up). */
const char *part_frontier_after(const part_dag *d, const part_frontier *f);
/* Frees what part_frontiers allocated and empties list; NULL is fine. */
void part_frontier_list_free(part_frontier_list *list);

#endif

/* Split search: the best split of a DAG for a goal under given conditions.
 *
 * part_search_prefix tries every prefix of the execution order (the first
 * k nodes on the device, k = 0..n; the Neurosurgeon-style search, what
 * `seam cuts` lists). part_search_mincut finds the best closed set of nodes
 * by a minimum s-t cut of a flow network (the DADS-style search): any
 * closed set, several tensors at once, a tensor read by many nodes counted
 * once. Both judge every split they return with part_cost_of, so their
 * results compare directly, and both consider the all-on-device split.
 *
 * Ties go to more on the device: the prefix search keeps the larger k, the
 * min-cut search the largest optimal head, and a remote split must beat the
 * all-on-device split strictly. part_search_mincut is exact for the
 * objective alone and with privacy_raw; deadline, memory and min-macs
 * constraints go through Lagrange multipliers and a local search, feasible
 * but not always optimal (search_mincut.c says when and how far). */
#ifndef SEAM_PARTITIONER_SEARCH_H
#define SEAM_PARTITIONER_SEARCH_H

#include "partitioner/cost.h"

typedef struct part_result {
  bool *head;     /* n_nodes flags, malloc'd: free with part_result_free */
  part_cost cost; /* part_cost_of(head) */
  bool feasible;  /* false: no split meets the goal's constraints; head is then the
                     all-on-device split */
} part_result;

/* Both fill out (free it with part_result_free) and return SEAM_OK, or
 * SEAM_ERR_NO_MEMORY with out empty. d must be finished (part_dag_finish). */
seam_status part_search_prefix(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err);
seam_status part_search_mincut(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err);
/* Frees r->head; NULL and a freed result are fine. */
void part_result_free(part_result *r);

#endif

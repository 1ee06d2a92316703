/* Split search: the best split of a DAG for a goal under given conditions.
 *
 * part_search_prefix tries every prefix of the execution order (the first
 * k nodes on the device, k = 0..n; the Neurosurgeon-style search, what
 * `seam cuts` lists). part_search_mincut finds the best closed set of nodes
 * by a minimum s-t cut of a flow network (the DADS-style search): any
 * closed set, several tensors at once, a tensor read by many nodes counted
 * once. Both judge every split they return with part_cost_of, so their
 * results compare directly, and both consider the all-on-device split. */
#ifndef SEAM_PARTITIONER_SEARCH_H
#define SEAM_PARTITIONER_SEARCH_H

#include "partitioner/cost.h"

typedef struct part_result {
  bool *head;     /* n_nodes flags, malloc'd: free with part_result_free */
  part_cost cost; /* part_cost_of(head) */
  bool feasible;  /* false: no split meets the goal's constraints; head is then the
                     all-on-device split */
} part_result;

seam_status part_search_prefix(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err);
seam_status part_search_mincut(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err);
void part_result_free(part_result *r);

#endif

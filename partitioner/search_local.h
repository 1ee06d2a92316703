/* Local search over closed splits, for the constraints a minimum cut cannot
 * express exactly (search_mincut.c): from a start split, move one node at a
 * time across the cut (a tail node whose inputs are all on the device joins
 * the head; a head node no head node reads from leaves it), each neighbour
 * judged by part_cost_of, taking the best move while it helps: first toward
 * meeting the constraints (the summed relative excess over the deadline,
 * the memory limit and the min-macs share), then toward a lower objective
 * among feasible splits. A move that would send a graph input under
 * privacy_raw is never taken. A heuristic: it stops at a local optimum. */
#ifndef SEAM_PARTITIONER_SEARCH_LOCAL_H
#define SEAM_PARTITIONER_SEARCH_LOCAL_H

#include "partitioner/cost.h"

/* Starts from head (closed) and leaves there the best split reached: the
 * best feasible one when one was met (returns true, its cost in cost), else
 * the one nearest to feasible (returns false). Every evaluation spends one
 * unit of *budget; the search stops when it runs out. */
bool part_local_search(const part_dag *d, const part_link *link, const part_power *power, const part_goal *goal,
                       bool *head, part_cost *cost, long *budget);

#endif

/* The Neurosurgeon-style search: every prefix of the execution order.
 *
 * Head = the first k nodes, k = 0..n (a prefix of a topological order is
 * always closed), each judged by part_cost_of. The best feasible split by
 * the goal's objective wins; on a tie the larger k (more on the device,
 * nothing more sent), so k = n, the all-on-device split, beats a remote
 * split that costs exactly as much. O(n x (nodes + tensors + edges)). */
#include <stdlib.h>
#include <string.h>

#include "partitioner/search.h"
#include "common/error.h"

void part_result_free(part_result *r) {
  if (!r) return;
  free(r->head);
  r->head = NULL;
}

seam_status part_search_prefix(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err) {
  memset(out, 0, sizeof *out);
  int n = d->n_nodes;
  bool *head = calloc((size_t)n + 1, 1);
  out->head = malloc((size_t)n + 1);
  if (!head || !out->head) {
    free(head);
    part_result_free(out);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  int best_k = -1;
  part_cost best = {0}, c;
  for (int k = 0; k <= n; k++) {
    for (int i = 0; i < n; i++) head[i] = i < k;
    part_cost_of(d, head, link, power, goal, &c);
    if (c.feasible && (best_k < 0 || c.objective <= best.objective)) {
      best_k = k;
      best = c;
    }
  }
  out->feasible = best_k >= 0;
  if (best_k < 0) best_k = n;
  for (int i = 0; i < n; i++) out->head[i] = i < best_k;
  if (out->feasible) out->cost = best;
  else part_cost_of(d, out->head, link, power, goal, &out->cost);
  free(head);
  return SEAM_OK;
}

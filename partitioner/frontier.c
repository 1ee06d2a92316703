/* part_frontiers: the cut after every prefix of the execution order
 * (partitioner/frontier.h). */
#include "partitioner/frontier.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/error.h"

void part_frontier_list_free(part_frontier_list *list) {
  if (!list) return;
  for (int i = 0; i < list->n; i++) free(list->frontiers[i].tensors);
  free(list->frontiers);
  list->frontiers = NULL;
  list->n = 0;
}

const char *part_frontier_after(const part_dag *d, const part_frontier *f) {
  const part_node *n = f->position > 0 ? &d->nodes[f->position - 1] : NULL;
  return n && !n->generated_name ? n->name : "";
}

/* The frontier of head (the first f->position nodes); false when out of
 * memory. */
static bool fill(const part_dag *d, const bool *head, part_frontier *f) {
  f->tensors = malloc(sizeof(int) * ((size_t)d->n_tensors + 1));
  if (!f->tensors) return false;
  for (int t = 0; t < d->n_tensors; t++) {
    if (!part_split_sends(d, head, t)) continue;
    f->tensors[f->n_tensors++] = t;
    f->bytes += d->tensors[t].bytes;
    f->wire_bytes += d->tensors[t].wire_bytes;
  }
  return true;
}

seam_status part_frontiers(const part_dag *d, part_frontier_list *out, seam_error *err) {
  int n = d->n_nodes;
  out->frontiers = calloc((size_t)n + 1, sizeof *out->frontiers);
  out->n = 0;
  bool *head = calloc((size_t)n + 1, sizeof *head);
  bool ok = out->frontiers && head;
  int64_t head_macs = 0;
  for (int k = 0; ok && k <= n; k++) {
    if (k > 0) {
      head[k - 1] = true;
      head_macs += d->nodes[k - 1].macs;
    }
    part_frontier *f = &out->frontiers[out->n++];
    f->position = k;
    f->head_macs = head_macs;
    f->tail_macs = d->total_macs - head_macs;
    ok = fill(d, head, f);
  }
  free(head);
  if (ok) return SEAM_OK;
  part_frontier_list_free(out);
  return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
}

#include "partitioner/cuts.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/error.h"

void seam_cut_list_free(seam_cut_list *list) {
  if (!list) return;
  for (int i = 0; i < list->n; i++) free(list->cuts[i].values);
  free(list->cuts);
  list->cuts = NULL;
  list->n = 0;
}

seam_status seam_cuts_enumerate(const seam_graph *g, const int64_t *value_bytes, const int64_t *node_macs,
                                seam_cut_list *out, seam_error *err) {
  int nv = g->n_values, nn = g->n_nodes;
  out->cuts = calloc((size_t)nn + 1, sizeof *out->cuts);
  out->n = 0;
  /* last_reader[v]: the last node that reads v (nn for graph outputs, which
   * the caller still needs after every node); -1 when nothing does. */
  int *last_reader = malloc(sizeof(int) * ((size_t)nv + 1));
  if (!out->cuts || !last_reader) {
    free(last_reader);
    seam_cut_list_free(out);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  for (int v = 0; v < nv; v++) last_reader[v] = -1;
  for (int i = 0; i < nn; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) last_reader[g->nodes[i].inputs[k]] = i;
  for (int o = 0; o < g->n_outputs; o++) last_reader[g->outputs[o]] = nn;
  int64_t total_macs = 0;
  for (int i = 0; i < nn; i++) total_macs += node_macs[i];

  int64_t head_macs = 0;
  for (int pos = 0; pos <= nn; pos++) {
    if (pos > 0) head_macs += node_macs[pos - 1];
    seam_cut *c = &out->cuts[out->n];
    c->position = pos;
    c->head_macs = head_macs;
    c->tail_macs = total_macs - head_macs;
    c->values = malloc(sizeof(int) * ((size_t)nv + 1));
    if (!c->values) {
      free(last_reader);
      seam_cut_list_free(out);
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    }
    out->n++;
    for (int v = 0; v < nv; v++) {
      const seam_value *val = &g->values[v];
      if (val->constant) continue;
      /* available after the head: a graph input, or produced by a head node */
      bool available = val->producer < 0 ? true : val->producer < pos;
      if (available && last_reader[v] >= pos) {
        c->values[c->n_tensors++] = v;
        c->bytes += value_bytes[v];
      }
    }
  }
  free(last_reader);
  return SEAM_OK;
}

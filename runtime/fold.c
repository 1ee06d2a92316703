#include "runtime/fold.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/executor.h"
#include "runtime/ops/op.h"

/* What one folding pass may add in new constants: this much, plus 4 times
 * the bytes of the constants the model already holds (DequantizeLinear of
 * int8 weights makes 4 bytes of each). Without a budget a model of a few
 * dozen bytes (ConstantOfShape, Expand, Tile of a constant to a shape it
 * names) made the loader allocate whatever it asked for; a node past the
 * budget is simply not folded and runs with the model instead. */
#define SEAM_FOLD_BUDGET_BASE ((uint64_t)64 << 20)
#define SEAM_FOLD_BUDGET_FACTOR 4

static uint64_t constant_bytes(const seam_graph *g) {
  uint64_t total = 0;
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].constant) total += seam_tensor_nbytes(g->values[v].constant);
  return total;
}

/* The bytes a node's outputs would take, from its kernel's shape inference
 * alone (nothing allocated); false when that fails (running the node then
 * reports why). */
static bool output_bytes(const seam_node *n, const seam_tensor **in, seam_tensor **shells,
                         uint64_t *bytes) {
  if (!n->op) return false;
  bool ok = true;
  for (int k = 0; k < n->n_outputs; k++) {
    shells[k] = NULL;
    if (n->outputs[k] >= 0 && !(shells[k] = seam_tensor_new_shell())) ok = false;
  }
  seam_error ignored;
  seam_op_ctx ctx = {.node = n, .n_inputs = n->n_inputs, .inputs = in, .n_outputs = n->n_outputs,
                     .outputs = shells, .err = &ignored};
  ok = ok && n->op->infer(&ctx) == SEAM_OK;
  *bytes = 0;
  for (int k = 0; k < n->n_outputs; k++) {
    if (shells[k]) *bytes += seam_tensor_nbytes(shells[k]);
    seam_tensor_free(shells[k]);
    shells[k] = NULL;
  }
  return ok;
}

static bool all_inputs_constant(const seam_graph *g, const seam_node *n) {
  for (int k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] >= 0 && !g->values[n->inputs[k]].constant) return false;
  return true;
}

void seam_drop_unread_constants(seam_graph *g) {
  /* Graph outputs keep theirs: mark them with a reader for the sweep. */
  for (int o = 0; o < g->n_outputs; o++) g->values[g->outputs[o]].n_consumers++;
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].constant && g->values[v].n_consumers == 0) {
      seam_tensor_free(g->values[v].constant);
      g->values[v].constant = NULL;
    }
  for (int o = 0; o < g->n_outputs; o++) g->values[g->outputs[o]].n_consumers--;
}

seam_status seam_fold_constants(seam_graph *g, seam_error *err) { return seam_fold_constants_except(g, NULL, err); }

seam_status seam_fold_constants_except(seam_graph *g, const char *keep_op, seam_error *err) {
  int max_io = 1;
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].n_inputs > max_io) max_io = g->nodes[i].n_inputs;
    if (g->nodes[i].n_outputs > max_io) max_io = g->nodes[i].n_outputs;
  }
  const seam_tensor **in = calloc((size_t)max_io, sizeof *in);
  seam_tensor **out = calloc((size_t)max_io, sizeof *out);
  bool *folded = calloc((size_t)g->n_nodes + 1, 1);
  seam_status st = SEAM_OK;
  if (!in || !out || !folded) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  uint64_t budget = SEAM_FOLD_BUDGET_BASE + SEAM_FOLD_BUDGET_FACTOR * constant_bytes(g);
  for (int i = 0; i < g->n_nodes; i++) {
    seam_node *n = &g->nodes[i];
    if (!all_inputs_constant(g, n) || (keep_op && strcmp(n->op_type, keep_op) == 0)) continue;
    for (int k = 0; k < n->n_inputs; k++)
      in[k] = n->inputs[k] >= 0 ? g->values[n->inputs[k]].constant : NULL;
    uint64_t bytes;
    if (output_bytes(n, in, out, &bytes)) {
      if (bytes > budget) continue;
      budget -= bytes;
    }
    if ((st = seam_node_execute(n, in, out, err)) != SEAM_OK) goto out;
    for (int k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) continue;
      g->values[v].constant = out[k];
      g->values[v].producer = -1;
      g->values[v].dtype = out[k]->dtype;
    }
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) g->values[n->inputs[k]].n_consumers--;
    folded[i] = true;
  }
  /* Compact the node list and renumber producers. */
  int kept = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    if (folded[i]) {
      seam_node_clear(&g->nodes[i]);
      continue;
    }
    g->nodes[kept] = g->nodes[i];
    for (int k = 0; k < g->nodes[kept].n_outputs; k++)
      if (g->nodes[kept].outputs[k] >= 0) g->values[g->nodes[kept].outputs[k]].producer = kept;
    kept++;
  }
  g->n_nodes = kept;
  seam_drop_unread_constants(g); /* weights of folded subgraphs */
out:
  free(in);
  free(out);
  free(folded);
  return st;
}

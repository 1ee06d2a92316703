#include "runtime/executor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/ops/op.h"
#include "runtime/run_limits.h"

seam_status seam_node_execute(const seam_node *node, const seam_tensor *const *inputs,
                              seam_tensor **outputs, seam_error *err) {
  return seam_node_execute_within(node, inputs, outputs, SIZE_MAX, err);
}

seam_status seam_node_execute_within(const seam_node *node, const seam_tensor *const *inputs,
                                     seam_tensor **outputs, size_t max_output_bytes,
                                     seam_error *err) {
  seam_status st = SEAM_OK;
  for (int i = 0; i < node->n_outputs; i++) {
    outputs[i] = NULL;
    if (node->outputs[i] >= 0 && !(outputs[i] = seam_tensor_new_shell())) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto done;
    }
  }
  seam_op_ctx ctx = {
      .node = node,
      .n_inputs = node->n_inputs,
      .inputs = inputs,
      .n_outputs = node->n_outputs,
      .outputs = outputs,
      .err = err,
  };
  if (!node->op) {
    st = seam_fail(err, SEAM_ERR_UNSUPPORTED, "no kernel");
    goto done;
  }
  for (int i = 0; i < node->n_inputs; i++)
    if (inputs[i] && !inputs[i]->data && inputs[i]->count > 0) {
      st = seam_fail(err, SEAM_ERR_INTERNAL, "input %d has no data", i);
      goto done;
    }
  if ((st = node->op->infer(&ctx)) != SEAM_OK) goto done;
  if ((st = seam_check_output_bytes(node, outputs, max_output_bytes, err)) != SEAM_OK) goto done;
  for (int i = 0; i < node->n_outputs; i++)
    if (outputs[i] && (st = seam_tensor_alloc(outputs[i], err)) != SEAM_OK) goto done;
  if ((st = node->op->run(&ctx)) == SEAM_OK && node->act.kind != SEAM_ACT_NONE && outputs[0])
    seam_activation_apply(&node->act, outputs[0]);
done:
  if (st != SEAM_OK) {
    seam_error_prefix(err, "node '%s' (%s, opset %d)", node->name, node->op_type, node->opset);
    for (int i = 0; i < node->n_outputs; i++) {
      seam_tensor_free(outputs[i]);
      outputs[i] = NULL;
    }
  }
  return st;
}

seam_status seam_graph_mark_needed(const seam_graph *g, const bool *available, int n_wanted,
                               const int *wanted, bool *needed, seam_error *err) {
  int *stack = malloc(sizeof(int) * (size_t)(g->n_values + 1));
  bool *seen = calloc((size_t)g->n_values + 1, 1);
  seam_status st = SEAM_OK;
  if (!stack || !seen) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  int top = 0;
  for (int i = 0; i < n_wanted; i++)
    if (!seen[wanted[i]]) {
      seen[wanted[i]] = true;
      stack[top++] = wanted[i];
    }
  while (top > 0) {
    int v = stack[--top];
    if (available[v]) continue;
    int p = g->values[v].producer;
    if (p < 0) {
      st = seam_fail(err, SEAM_ERR_NOT_FOUND,
                     "tensor '%s' is needed but is neither given nor computable from what is given",
                     g->values[v].name);
      goto out;
    }
    if (needed[p]) continue;
    needed[p] = true;
    const seam_node *n = &g->nodes[p];
    for (int i = 0; i < n->n_inputs; i++) {
      int in = n->inputs[i];
      if (in >= 0 && !seen[in]) {
        seen[in] = true;
        stack[top++] = in;
      }
    }
  }
out:
  free(stack);
  free(seen);
  return st;
}

seam_status seam_check_output_bytes(const seam_node *node, seam_tensor *const *outputs,
                                    size_t max_bytes, seam_error *err) {
  if (max_bytes == SIZE_MAX) return SEAM_OK;
  size_t total = 0;
  for (int i = 0; i < node->n_outputs; i++) {
    size_t b = outputs[i] ? seam_tensor_nbytes(outputs[i]) : 0;
    if (b > SIZE_MAX - total) total = SIZE_MAX;
    else total += b;
  }
  if (total <= max_bytes) return SEAM_OK;
  return seam_fail(err, SEAM_ERR_LIMIT,
                   "its outputs would take %zu bytes, over the %zu bytes the run may still use",
                   total, max_bytes);
}

seam_status seam_graph_execute(const seam_graph *g, int n_given, const int *given_values,
                               const seam_tensor *const *given, int n_wanted, const int *wanted,
                               seam_tensor **out, const seam_node_observer *observer,
                               seam_error *err) {
  return seam_graph_execute_with(g, n_given, given_values, given, n_wanted, wanted, out, observer,
                                 NULL, err);
}

seam_status seam_graph_execute_with(const seam_graph *g, int n_given, const int *given_values,
                                    const seam_tensor *const *given, int n_wanted,
                                    const int *wanted, seam_tensor **out,
                                    const seam_node_observer *observer,
                                    const seam_run_options *run, seam_error *err) {
  size_t limit = seam_run_memory_limit(run), live = 0; /* bytes of the tensors the run made */
  size_t nv = (size_t)g->n_values, nn = (size_t)g->n_nodes;
  /* values[v] is the tensor for value v; owned[v] when the executor made it. */
  seam_tensor **values = calloc(nv + 1, sizeof *values);
  bool *owned = calloc(nv + 1, 1), *available = calloc(nv + 1, 1), *needed = calloc(nn + 1, 1);
  int *uses = calloc(nv + 1, sizeof *uses);
  const seam_tensor **node_in = NULL;
  seam_tensor **node_out = NULL;
  seam_status st = SEAM_OK;
  for (int i = 0; i < n_wanted; i++) out[i] = NULL;
  if (!values || !owned || !available || !needed || !uses) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  int max_io = 1;
  for (size_t i = 0; i < nn; i++) {
    if (g->nodes[i].n_inputs > max_io) max_io = g->nodes[i].n_inputs;
    if (g->nodes[i].n_outputs > max_io) max_io = g->nodes[i].n_outputs;
  }
  node_in = calloc((size_t)max_io, sizeof *node_in);
  node_out = calloc((size_t)max_io, sizeof *node_out);
  if (!node_in || !node_out) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t v = 0; v < nv; v++)
    if (g->values[v].constant) {
      values[v] = g->values[v].constant;
      available[v] = true;
    }
  for (int i = 0; i < n_given; i++) {
    values[given_values[i]] = (seam_tensor *)given[i]; /* borrowed; never written */
    available[given_values[i]] = true;
  }
  if ((st = seam_graph_mark_needed(g, available, n_wanted, wanted, needed, err)) != SEAM_OK) goto out;
  for (size_t i = 0; i < nn; i++) {
    if (!needed[i]) continue;
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) uses[g->nodes[i].inputs[k]]++;
  }
  for (int i = 0; i < n_wanted; i++) uses[wanted[i]]++;

  for (size_t i = 0; i < nn; i++) {
    if (!needed[i]) continue;
    const seam_node *node = &g->nodes[i];
    for (int k = 0; k < node->n_inputs; k++)
      node_in[k] = node->inputs[k] >= 0 ? values[node->inputs[k]] : NULL;
    char where[160];
    snprintf(where, sizeof where, "before node '%s'", node->name);
    if ((st = seam_run_check_stop(run, where, err)) != SEAM_OK) goto out;
    if (observer && observer->before_node) observer->before_node(observer->user, node);
    if ((st = seam_node_execute_within(node, node_in, node_out, limit > live ? limit - live : 0,
                                       err)) != SEAM_OK)
      goto out;
    if (observer && observer->after_node) observer->after_node(observer->user, node, node_in, node_out);
    for (int k = 0; k < node->n_outputs; k++) {
      int v = node->outputs[k];
      if (v < 0) continue;
      if (uses[v] == 0 || available[v]) { /* nobody reads it, or the caller gave it already */
        seam_tensor_free(node_out[k]);
        continue;
      }
      values[v] = node_out[k];
      owned[v] = true;
      live += seam_tensor_nbytes(node_out[k]);
    }
    for (int k = 0; k < node->n_inputs; k++) {
      int v = node->inputs[k];
      if (v >= 0 && --uses[v] == 0 && owned[v]) {
        live -= seam_tensor_nbytes(values[v]);
        seam_tensor_free(values[v]);
        values[v] = NULL;
        owned[v] = false;
      }
    }
  }
  for (int i = 0; i < n_wanted; i++) {
    int v = wanted[i];
    if (owned[v] && uses[v] == 1) { /* hand over the last reference */
      out[i] = values[v];
      values[v] = NULL;
      owned[v] = false;
    } else if (!(out[i] = seam_tensor_clone(values[v], err))) {
      st = SEAM_ERR_NO_MEMORY;
      goto out;
    }
    uses[v]--;
  }
out:
  if (st != SEAM_OK)
    for (int i = 0; i < n_wanted; i++) {
      seam_tensor_free(out[i]);
      out[i] = NULL;
    }
  for (size_t v = 0; values && v < nv; v++)
    if (owned && owned[v]) seam_tensor_free(values[v]);
  free(values);
  free(owned);
  free(available);
  free(needed);
  free(uses);
  free(node_in);
  free(node_out);
  return st;
}

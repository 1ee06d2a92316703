/* Multiply-accumulate counts of the compute-heavy ops. */
#include "runtime/macs.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/error.h"
#include "runtime/executor.h"
#include "runtime/ops/op.h"

int64_t seam_node_macs(const seam_node *n, const seam_tensor *const *in, seam_tensor *const *out) {
  if (!out[0] || !in[0]) return 0;
  /* QLinearConv/QLinearMatMul: the weight is input 3 (x, x_scale, x_zero_point, w, ...). */
  bool qconv = strcmp(n->op_type, "QLinearConv") == 0;
  int w = qconv ? 3 : 1;
  if ((qconv || strcmp(n->op_type, "Conv") == 0) && n->n_inputs > w && in[w]) {
    int64_t per_output = 1; /* weight [M, C/group, k...] */
    for (int d = 1; d < in[w]->rank; d++) per_output *= in[w]->dims[d];
    return out[0]->count * per_output;
  }
  if (strcmp(n->op_type, "ConvTranspose") == 0 && n->n_inputs > 1 && in[1]) {
    int64_t per_input = 1; /* weight [C, M/group, k...] */
    for (int d = 1; d < in[1]->rank; d++) per_input *= in[1]->dims[d];
    return in[0]->count * per_input;
  }
  if ((strcmp(n->op_type, "Gemm") == 0 || strcmp(n->op_type, "MatMul") == 0 ||
       strcmp(n->op_type, "QLinearMatMul") == 0) &&
      in[0]->rank >= 1) {
    int64_t k = in[0]->dims[in[0]->rank - 1];
    if (strcmp(n->op_type, "Gemm") == 0 && seam_attr_int(n, "transA", 0) && in[0]->rank == 2) k = in[0]->dims[0];
    return out[0]->count * k;
  }
  return 0;
}

/* ---- whole graphs from inferred shapes ---- */

/* Known values with at most this many elements are computed for real. */
#define MACS_EVAL_LIMIT 65536

/* One read-only zero region, handed as the data of every tensor whose
 * values are not known. Anonymous pages that are only read all map the
 * kernel's zero page, so a region for a tensor of gigabytes costs address
 * space, not memory. */
typedef struct zero_region {
  void *p;
  size_t bytes;
} zero_region;

static bool zeros_of(zero_region *z, size_t bytes) {
  if (bytes <= z->bytes) return true;
  if (z->p) munmap(z->p, z->bytes + SEAM_TENSOR_TAIL_PAD);
  z->bytes = 0;
  size_t len = bytes + SEAM_TENSOR_TAIL_PAD;
  z->p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (z->p == MAP_FAILED) {
    z->p = NULL;
    return false;
  }
  z->bytes = bytes;
  return true;
}

typedef struct shape_pass {
  const seam_graph *g;
  seam_tensor **val;  /* per value: its shape, with data when known */
  bool *known;        /* val[v] holds its values */
  bool *owned;        /* val[v] belongs to the pass */
  int *uses;          /* readers among the needed nodes not yet visited */
  zero_region zeros;
  const seam_tensor **in; /* room for the inputs and outputs of the widest node */
  seam_tensor *views, **out;
} shape_pass;

static seam_status visit_node(shape_pass *sp, const seam_node *n, int64_t *macs, seam_error *err) {
  const seam_graph *g = sp->g;
  const seam_tensor **in = sp->in;
  seam_tensor *views = sp->views, **out = sp->out;
  bool all_known = true;
  bool shape_only = strcmp(n->op_type, "Shape") == 0 || strcmp(n->op_type, "Size") == 0;
  for (int k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    in[k] = NULL;
    if (v < 0) continue;
    if (!sp->val[v]) return seam_fail(err, SEAM_ERR_INTERNAL, "tensor '%s' has no shape", g->values[v].name);
    if (sp->known[v]) {
      in[k] = sp->val[v];
      continue;
    }
    all_known = false;
    size_t bytes = seam_tensor_nbytes(sp->val[v]);
    if (!zeros_of(&sp->zeros, bytes))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "tensor '%s' (%zu bytes) is too large to infer shapes through",
                       g->values[v].name, bytes);
    views[k] = *sp->val[v];
    views[k].data = sp->zeros.p;
    views[k].owns_data = false;
    in[k] = &views[k];
  }
  for (int k = 0; k < n->n_outputs; k++) {
    out[k] = NULL;
    if (n->outputs[k] >= 0 && !(out[k] = seam_tensor_new_shell())) {
      for (int j = 0; j < k; j++) seam_tensor_free(out[j]);
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    }
  }
  seam_op_ctx ctx = {.node = n, .n_inputs = n->n_inputs, .inputs = in, .n_outputs = n->n_outputs,
                     .outputs = out, .err = err};
  seam_status st = n->op ? n->op->infer(&ctx) : seam_fail(err, SEAM_ERR_UNSUPPORTED, "no kernel");
  int64_t produced = 0;
  for (int k = 0; st == SEAM_OK && k < n->n_outputs; k++)
    if (out[k]) produced += out[k]->count;
  bool evaluate = st == SEAM_OK && (all_known || shape_only) && produced <= MACS_EVAL_LIMIT;
  if (evaluate) { /* a small shape computation: its values decide later shapes */
    for (int k = 0; st == SEAM_OK && k < n->n_outputs; k++)
      if (out[k]) st = seam_tensor_alloc(out[k], err);
    if (st == SEAM_OK) st = n->op->run(&ctx);
  }
  if (st != SEAM_OK) {
    seam_error_prefix(err, "node '%s' (%s, opset %d)", n->name, n->op_type, n->opset);
    for (int k = 0; k < n->n_outputs; k++) seam_tensor_free(out[k]);
    return st;
  }
  *macs += seam_node_macs(n, in, out);
  for (int k = 0; k < n->n_outputs; k++) {
    int v = n->outputs[k];
    if (v < 0 || sp->val[v]) { /* omitted, or given by the caller */
      seam_tensor_free(out[k]);
      continue;
    }
    sp->val[v] = out[k];
    sp->known[v] = evaluate;
    sp->owned[v] = true;
  }
  for (int k = 0; k < n->n_inputs; k++) {
    int v = n->inputs[k];
    if (v >= 0 && --sp->uses[v] == 0 && sp->owned[v]) {
      seam_tensor_free(sp->val[v]);
      sp->val[v] = NULL;
      sp->owned[v] = false;
    }
  }
  return SEAM_OK;
}

seam_status seam_graph_macs(const seam_graph *g, const seam_tensor *const *inputs, int64_t *macs, seam_error *err) {
  size_t nv = (size_t)g->n_values;
  shape_pass sp = {.g = g};
  sp.val = calloc(nv + 1, sizeof *sp.val);
  sp.known = calloc(nv + 1, 1);
  sp.owned = calloc(nv + 1, 1);
  sp.uses = calloc(nv + 1, sizeof *sp.uses);
  bool *available = calloc(nv + 1, 1), *needed = calloc((size_t)g->n_nodes + 1, 1);
  seam_status st = SEAM_OK;
  *macs = 0;
  int max_io = 1;
  for (int i = 0; i < g->n_nodes; i++) {
    if (g->nodes[i].n_inputs > max_io) max_io = g->nodes[i].n_inputs;
    if (g->nodes[i].n_outputs > max_io) max_io = g->nodes[i].n_outputs;
  }
  sp.in = calloc((size_t)max_io, sizeof *sp.in);
  sp.views = calloc((size_t)max_io, sizeof *sp.views);
  sp.out = calloc((size_t)max_io, sizeof *sp.out);
  if (!sp.val || !sp.known || !sp.owned || !sp.uses || !available || !needed || !sp.in || !sp.views || !sp.out) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t v = 0; v < nv; v++)
    if (g->values[v].constant) {
      sp.val[v] = g->values[v].constant;
      sp.known[v] = available[v] = true;
    }
  for (int i = 0; i < g->n_inputs; i++) {
    sp.val[g->inputs[i]] = (seam_tensor *)inputs[i]; /* never freed nor written: owned stays false */
    sp.known[g->inputs[i]] = false;
    available[g->inputs[i]] = true;
  }
  if ((st = seam_graph_mark_needed(g, available, g->n_outputs, g->outputs, needed, err)) != SEAM_OK) goto out;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; needed[i] && k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) sp.uses[g->nodes[i].inputs[k]]++;
  for (int i = 0; i < g->n_outputs; i++) sp.uses[g->outputs[i]]++; /* kept to the end */
  for (int i = 0; i < g->n_nodes && st == SEAM_OK; i++)
    if (needed[i]) st = visit_node(&sp, &g->nodes[i], macs, err);
out:
  for (size_t v = 0; sp.owned && v < nv; v++)
    if (sp.owned[v]) seam_tensor_free(sp.val[v]);
  if (sp.zeros.p) munmap(sp.zeros.p, sp.zeros.bytes + SEAM_TENSOR_TAIL_PAD);
  free(sp.val);
  free(sp.known);
  free(sp.owned);
  free(sp.uses);
  free(sp.in);
  free(sp.views);
  free(sp.out);
  free(available);
  free(needed);
  return st;
}

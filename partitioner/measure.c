/* part_measure: one observed run of the loaded graph, recorded as a DAG
 * (partitioner/measure.h). */
#include "partitioner/measure.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/macs.h"
#include "runtime/model.h"

struct part_sample {
  const seam_graph *g;
  seam_tensor **values; /* by value index; NULL when not computed */
  seam_tensor **outputs;
  bool no_memory;
  int64_t *node_macs;
};

const seam_tensor *part_sample_find(const part_sample *s, const char *name) {
  int v = seam_graph_find_value(s->g, name);
  return v >= 0 ? s->values[v] : NULL;
}

const seam_tensor *part_sample_output(const part_sample *s, size_t i) {
  return i < (size_t)s->g->n_outputs ? s->outputs[i] : NULL;
}

static void record(void *user, const seam_node *node, const seam_tensor *const *in,
                   seam_tensor *const *out) {
  part_sample *s = user;
  s->node_macs[node - s->g->nodes] = seam_node_macs(node, in, out);
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v < 0 || !out[k] || s->values[v]) continue;
    seam_error e;
    if (!(s->values[v] = seam_tensor_clone(out[k], &e))) s->no_memory = true;
  }
}

static void sample_free(part_sample *s) {
  for (int v = 0; s->values && v < s->g->n_values; v++) seam_tensor_free(s->values[v]);
  for (int o = 0; s->outputs && o < s->g->n_outputs; o++) seam_tensor_free(s->outputs[o]);
  free(s->values);
  free(s->outputs);
  free(s->node_macs);
}

/* The run that fills the sample: every node's outputs and MACs. */
static seam_status run_sample(const seam_model *model, const part_measure_options *o,
                              part_sample *s, seam_error *err) {
  const seam_graph *g = model->graph;
  s->g = g;
  s->values = calloc((size_t)g->n_values + 1, sizeof *s->values);
  s->outputs = calloc((size_t)g->n_outputs + 1, sizeof *s->outputs);
  s->node_macs = calloc((size_t)g->n_nodes + 1, sizeof *s->node_macs);
  if (!s->values || !s->outputs || !s->node_macs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < o->n_inputs; i++) {
    int v = seam_graph_find_value(g, o->input_names[i]);
    if (v < 0) continue; /* the run names it */
    if (!(s->values[v] = seam_tensor_clone(o->inputs[i], err))) return SEAM_ERR_NO_MEMORY;
  }
  seam_node_observer obs = {.after_node = record, .user = s};
  seam_status st = seam_model_run_observed(model, o->n_inputs, o->input_names, o->inputs,
                                           (size_t)g->n_outputs, NULL, s->outputs, &obs, err);
  if (st != SEAM_OK) return st;
  if (s->no_memory) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory keeping the sample's tensors");
  return SEAM_OK;
}

static int64_t constant_bytes(const seam_graph *g, const seam_node *node) {
  int64_t bytes = 0;
  for (int k = 0; k < node->n_inputs; k++) {
    int v = node->inputs[k];
    if (v >= 0 && g->values[v].constant) bytes += (int64_t)seam_tensor_nbytes(g->values[v].constant);
  }
  return bytes;
}

/* The DAG's shape: every non-constant value a node writes or the app
 * feeds is a tensor; every node a node. tensor_of[v] maps values. */
static seam_status build_dag(const seam_graph *g, const part_sample *s, int *tensor_of,
                             part_dag *d, seam_error *err) {
  for (int v = 0; v < g->n_values; v++) {
    tensor_of[v] = -1;
    if (g->values[v].constant || !s->values[v]) continue;
    int t = part_dag_add_tensor(d, g->values[v].name, err);
    if (t < 0) return err ? err->status : SEAM_ERR_NO_MEMORY;
    tensor_of[v] = t;
    d->tensors[t].bytes = (int64_t)seam_tensor_nbytes(s->values[v]);
  }
  for (int i = 0; i < g->n_inputs; i++)
    if (tensor_of[g->inputs[i]] >= 0) d->tensors[tensor_of[g->inputs[i]]].graph_input = true;
  for (int i = 0; i < g->n_outputs; i++)
    if (tensor_of[g->outputs[i]] >= 0) d->tensors[tensor_of[g->outputs[i]]].graph_output = true;
  int cap = 16;
  int *in = malloc(sizeof(int) * (size_t)cap), *out = malloc(sizeof(int) * (size_t)cap);
  seam_status st = in && out ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; st == SEAM_OK && i < g->n_nodes; i++) {
    const seam_node *node = &g->nodes[i];
    int need = node->n_inputs > node->n_outputs ? node->n_inputs : node->n_outputs;
    if (need > cap) {
      cap = need;
      int *a = realloc(in, sizeof(int) * (size_t)cap), *b = a ? realloc(out, sizeof(int) * (size_t)cap) : NULL;
      if (a) in = a;
      if (b) out = b;
      if (!a || !b) {
        st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        break;
      }
    }
    int n_in = 0, n_out = 0;
    for (int k = 0; k < node->n_inputs; k++) {
      int v = node->inputs[k];
      if (v < 0 || tensor_of[v] < 0) continue;
      bool seen = false;
      for (int j = 0; j < n_in; j++) seen |= in[j] == tensor_of[v];
      if (!seen) in[n_in++] = tensor_of[v];
    }
    for (int k = 0; k < node->n_outputs; k++)
      if (node->outputs[k] >= 0 && tensor_of[node->outputs[k]] >= 0) out[n_out++] = tensor_of[node->outputs[k]];
    int n = part_dag_add_node(d, node->name, node->op_type, n_in, in, n_out, out, err);
    if (n < 0) {
      st = err ? err->status : SEAM_ERR_NO_MEMORY;
      break;
    }
    d->nodes[n].macs = s->node_macs[i];
    d->nodes[n].weight_bytes = constant_bytes(g, node);
  }
  free(in);
  free(out);
  return st;
}

/* Each tensor as a request would carry it, and the reply. */
static seam_status measure_wire(const part_sample *s, const part_measure_options *o, part_dag *d,
                                seam_error *err) {
  const part_wire *w = o->wire;
  for (int t = 0; t < d->n_tensors; t++) {
    part_tensor *pt = &d->tensors[t];
    pt->wire_bytes = pt->bytes;
    pt->encode_ms = 0;
    if (w && w->tensor) {
      seam_status st = w->tensor(w->user, pt->name, s, &pt->wire_bytes, &pt->encode_ms, err);
      if (st != SEAM_OK) return st;
    }
    if (o->progress) o->progress(o->progress_user, t + 1, d->n_tensors);
  }
  d->request_overhead_bytes = w ? w->request_overhead_bytes : 0;
  d->reply_bytes = 0;
  d->reply_decode_ms = 0;
  if (w && w->reply) return w->reply(w->user, s, &d->reply_bytes, &d->reply_decode_ms, err);
  for (int o2 = 0; o2 < s->g->n_outputs; o2++)
    d->reply_bytes += s->outputs[o2] ? (int64_t)seam_tensor_nbytes(s->outputs[o2]) : 0;
  return SEAM_OK;
}

seam_status part_measure(const seam_model *model, const part_measure_options *options,
                         part_dag *out, seam_error *err) {
  memset(out, 0, sizeof *out);
  if (!model || !options) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "part_measure: NULL argument");
  part_sample s = {0};
  int *tensor_of = NULL;
  seam_status st = run_sample(model, options, &s, err);
  if (st == SEAM_OK) {
    tensor_of = malloc(sizeof(int) * ((size_t)model->graph->n_values + 1));
    st = tensor_of ? build_dag(model->graph, &s, tensor_of, out, err)
                   : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  if (st == SEAM_OK) st = part_dag_finish(out, err);
  if (st == SEAM_OK) st = measure_wire(&s, options, out, err);
  free(tensor_of);
  sample_free(&s);
  if (st != SEAM_OK) part_dag_free(out);
  return st;
}

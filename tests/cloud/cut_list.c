#include "tests/cloud/cut_list.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "partitioner/cuts.h"
#include "runtime/model.h"

static void record(void *user, const seam_node *node, const seam_tensor *const *in,
                   seam_tensor *const *out) {
  (void)in;
  int64_t *value_bytes = user;
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v >= 0 && out[k]) value_bytes[v] = (int64_t)seam_tensor_nbytes(out[k]);
  }
}

/* Fills c from the frontier values of cut. */
static bool describe(const seam_graph *g, const seam_cut *cut, test_cut *c) {
  c->position = cut->position;
  c->n_names = cut->n_tensors;
  c->names = calloc((size_t)cut->n_tensors + 1, sizeof *c->names);
  size_t len = 8;
  for (int i = 0; i < cut->n_tensors; i++) len += strlen(g->values[cut->values[i]].name) + 1;
  c->spec = calloc(len, 1);
  if (!c->names || !c->spec) return false;
  strcpy(c->spec, cut->position == 0 ? "cloud" : "");
  for (int i = 0; i < cut->n_tensors; i++) {
    const char *name = g->values[cut->values[i]].name;
    if (!(c->names[i] = strdup(name))) return false;
    if (cut->position == 0) continue;
    if (i) strcat(c->spec, ",");
    strcat(c->spec, name);
  }
  return true;
}

test_cut *cut_list_make(const char *model_path, const seam_tensor *input, int *n_cuts, seam_error *err) {
  /* The plain executor reports every node, shape computations included. */
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.plan = 0;
  seam_model *model = seam_model_load_with(model_path, &opts, err);
  if (!model) return NULL;
  const seam_graph *g = model->graph;
  test_cut *list = NULL;
  seam_cut_list cuts = {0};
  int64_t *value_bytes = calloc((size_t)g->n_values + 1, sizeof *value_bytes);
  int64_t *node_macs = calloc((size_t)g->n_nodes + 1, sizeof *node_macs);
  seam_tensor **out = calloc((size_t)g->n_outputs + 1, sizeof *out);
  seam_value_info info;
  if (!value_bytes || !node_macs || !out) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto done;
  }
  if (seam_model_input_info(model, 0, &info) != SEAM_OK) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has no input");
    goto done;
  }
  value_bytes[seam_graph_find_value(g, info.name)] = (int64_t)seam_tensor_nbytes(input);
  const char *names[1] = {info.name};
  seam_node_observer obs = {.after_node = record, .user = value_bytes};
  if (seam_model_run_observed(model, 1, names, &input, (size_t)g->n_outputs, NULL, out, &obs, err) != SEAM_OK ||
      seam_cuts_enumerate(g, value_bytes, node_macs, &cuts, err) != SEAM_OK)
    goto done;
  list = calloc((size_t)cuts.n + 1, sizeof *list);
  bool ok = list != NULL;
  for (int c = 0; ok && c < cuts.n; c++) ok = describe(g, &cuts.cuts[c], &list[c]);
  if (!ok) {
    cut_list_free(list, cuts.n);
    list = NULL;
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  } else {
    *n_cuts = cuts.n;
  }
done:
  for (int i = 0; out && i < g->n_outputs; i++) seam_tensor_free(out[i]);
  free(out);
  free(value_bytes);
  free(node_macs);
  seam_cut_list_free(&cuts);
  seam_model_free(model);
  return list;
}

void cut_list_free(test_cut *cuts, int n_cuts) {
  if (!cuts) return;
  for (int c = 0; c < n_cuts; c++) {
    for (int i = 0; cuts[c].names && i < cuts[c].n_names; i++) free(cuts[c].names[i]);
    free(cuts[c].names);
    free(cuts[c].spec);
  }
  free(cuts);
}

#include "tests/cloud/cut_list.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "partitioner/frontier.h"
#include "partitioner/measure.h"
#include "runtime/model.h"

/* Fills c from the frontier f of d. */
static bool describe(const part_dag *d, const part_frontier *f, test_cut *c) {
  c->position = f->position;
  c->n_names = f->n_tensors;
  c->names = calloc((size_t)f->n_tensors + 1, sizeof *c->names);
  size_t len = 8;
  for (int i = 0; i < f->n_tensors; i++) len += strlen(d->tensors[f->tensors[i]].name) + 1;
  c->spec = calloc(len, 1);
  if (!c->names || !c->spec) return false;
  strcpy(c->spec, f->position == 0 ? "cloud" : "");
  for (int i = 0; i < f->n_tensors; i++) {
    const char *name = d->tensors[f->tensors[i]].name;
    if (!(c->names[i] = strdup(name))) return false;
    if (f->position == 0) continue;
    if (i) strcat(c->spec, ",");
    strcat(c->spec, name);
  }
  return true;
}

/* The frontiers of model after one run on input, its only input. */
static seam_status frontiers_of(const seam_model *model, const seam_tensor *input, part_dag *d,
                                part_frontier_list *cuts, seam_error *err) {
  seam_value_info info;
  if (seam_model_input_info(model, 0, &info) != SEAM_OK)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has no input");
  const char *names[1] = {info.name};
  part_measure_options mo = {.n_inputs = 1, .input_names = names, .inputs = &input};
  seam_status st = part_measure(model, &mo, d, err);
  return st == SEAM_OK ? part_frontiers(d, cuts, err) : st;
}

test_cut *cut_list_make(const char *model_path, const seam_tensor *input, int *n_cuts, seam_error *err) {
  /* The plain executor reports every node, shape computations included. */
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.plan = 0;
  seam_model *model = seam_model_load_with(model_path, &opts, err);
  if (!model) return NULL;
  test_cut *list = NULL;
  part_dag d = {0};
  part_frontier_list cuts = {0};
  if (frontiers_of(model, input, &d, &cuts, err) == SEAM_OK) {
    list = calloc((size_t)cuts.n + 1, sizeof *list);
    bool ok = list != NULL;
    for (int c = 0; ok && c < cuts.n; c++) ok = describe(&d, &cuts.frontiers[c], &list[c]);
    if (!ok) {
      cut_list_free(list, cuts.n);
      list = NULL;
      seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    } else {
      *n_cuts = cuts.n;
    }
  }
  part_frontier_list_free(&cuts);
  part_dag_free(&d);
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

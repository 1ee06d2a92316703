/* Warming routes (warm.h). */
#include "edge/warm.h"

#include <stdbool.h>
#include <stdlib.h>

#include "common/error.h"
#include "runtime/synthetic.h"

static void free_tensors(seam_tensor **t, size_t n) {
  for (size_t i = 0; t && i < n; i++) seam_tensor_free(t[i]);
  free(t);
}

/* One route: head (inputs -> what the device holds) and tail (that -> outputs). */
static seam_status warm_one(const seam_model *m, const edge_route *r, size_t n_in, const char *const *in_names,
                            const seam_tensor *const *inputs, seam_error *err) {
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  if (!outputs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status st;
  if (r->kind != EDGE_CUT_SPLIT) {
    st = seam_model_run(m, n_in, in_names, inputs, n_out, NULL, outputs, err);
  } else {
    seam_tensor **held = calloc(r->n_cut + 1, sizeof *held);
    st = held ? seam_model_run(m, n_in, in_names, inputs, r->n_cut, (const char *const *)r->head_names, held, err)
              : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (st == SEAM_OK)
      st = seam_model_run(m, r->n_cut, (const char *const *)r->head_names, (const seam_tensor *const *)held, n_out,
                          NULL, outputs, err);
    free_tensors(held, r->n_cut);
  }
  free_tensors(outputs, n_out);
  return st;
}

seam_status edge_warm_routes(const seam_model *model, const edge_route *routes, size_t n, seam_error *err) {
  size_t n_in = seam_model_input_count(model);
  const char **names = calloc(n_in + 1, sizeof *names);
  seam_tensor **inputs = calloc(n_in + 1, sizeof *inputs);
  seam_status st = names && inputs ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; st == SEAM_OK && i < n_in; i++) {
    seam_value_info info;
    if (seam_model_input_info(model, i, &info) != SEAM_OK) {
      st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has no input %zu", i);
      break;
    }
    names[i] = info.name;
    if (!(inputs[i] = seam_synthetic_input(&info, (int)i, 0, NULL, NULL, err))) st = err ? err->status : SEAM_ERR_NO_MEMORY;
  }
  bool whole_done = false;
  for (size_t k = 0; st == SEAM_OK && k < n; k++) {
    if (routes[k].kind != EDGE_CUT_SPLIT) {
      if (whole_done) continue; /* "local" and "cloud" both run the whole model here */
      whole_done = true;
    }
    st = warm_one(model, &routes[k], n_in, names, (const seam_tensor *const *)inputs, err);
  }
  free_tensors(inputs, n_in);
  free(names);
  return st;
}

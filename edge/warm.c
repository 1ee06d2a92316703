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

/* The whole model once ("local" and "cloud" both run it on the device). */
static seam_status warm_whole(const seam_model *m, size_t n_in, const char *const *in_names,
                              const seam_tensor *const *inputs, seam_error *err) {
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  if (!outputs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status st = seam_model_run(m, n_in, in_names, inputs, n_out, NULL, outputs, err);
  free_tensors(outputs, n_out);
  return st;
}

/* A split: head (inputs -> what the device holds), then the tail from it,
 * and what the route sends reported to sent. */
static seam_status warm_split(const seam_model *m, const edge_route *r, size_t k, size_t n_in,
                              const char *const *in_names, const seam_tensor *const *inputs,
                              edge_warm_sent_fn sent, void *user, seam_error *err) {
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  seam_tensor **held = calloc(r->n_cut + 1, sizeof *held);
  seam_status st = outputs && held ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  const char *const *heads = (const char *const *)r->head_names;
  if (st == SEAM_OK) st = seam_model_run(m, n_in, in_names, inputs, r->n_cut, heads, held, err);
  if (st == SEAM_OK)
    st = seam_model_run(m, r->n_cut, heads, (const seam_tensor *const *)held, n_out, NULL, outputs, err);
  if (st == SEAM_OK && sent)
    st = sent(user, k, r->n_cut, (const char *const *)r->names, r->wire, (const seam_tensor *const *)held, err);
  free_tensors(held, r->n_cut);
  free_tensors(outputs, n_out);
  return st;
}

seam_status edge_warm_routes(const seam_model *model, const edge_route *routes, size_t n,
                             edge_warm_sent_fn sent, void *user, seam_error *err) {
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
    if (!(inputs[i] = seam_synthetic_input(&info, (int)i, 0, NULL, NULL, err)))
      st = err ? err->status : SEAM_ERR_NO_MEMORY;
  }
  const seam_tensor *const *in = (const seam_tensor *const *)inputs;
  bool whole_done = false;
  for (size_t k = 0; st == SEAM_OK && k < n; k++) {
    const edge_route *r = &routes[k];
    if (r->kind == EDGE_CUT_SPLIT) {
      st = warm_split(model, r, k, n_in, names, in, sent, user, err);
      continue;
    }
    if (r->kind == EDGE_CUT_CLOUD && sent) st = sent(user, k, n_in, names, NULL, in, err);
    if (st == SEAM_OK && !whole_done) st = warm_whole(model, n_in, names, in, err);
    whole_done = true;
  }
  free_tensors(inputs, n_in);
  free(names);
  return st;
}

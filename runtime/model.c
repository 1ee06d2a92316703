#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/executor.h"
#include "runtime/fold.h"
#include "runtime/model.h"
#include "runtime/name_map.h"
#include "runtime/onnx_import.h"
#include "runtime/onnx_tensor.h"
#include "runtime/optimize.h"

SEAM_API void seam_model_options_default(seam_model_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->num_threads = 0;
  o->optimize = 1;
  o->fast_kernels = 1;
  o->plan = 1;
  o->parallel_runs = 1;
}

SEAM_API seam_model *seam_model_load_memory(const void *bytes, size_t size, const char *base_dir,
                                            seam_error *err) {
  return seam_model_load_memory_with(bytes, size, base_dir, NULL, err);
}

/* Every kept name must be a tensor of the file, as imported (before
 * folding drops constants nothing reads). */
static seam_status check_keep(const seam_graph *g, const seam_keep *keep, seam_error *err) {
  if (keep->n == 0) return SEAM_OK;
  if (!keep->names) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "keep_tensors is NULL with n_keep_tensors %zu",
                                     keep->n);
  seam_name_map index = {0};
  seam_status st = SEAM_OK;
  for (int v = 0; st == SEAM_OK && v < g->n_values; v++)
    if (!seam_name_map_put(&index, g->values[v].name, v)) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; st == SEAM_OK && i < keep->n; i++) {
    if (!keep->names[i])
      st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "keep_tensors[%zu] is NULL", i);
    else if (seam_name_map_get(&index, keep->names[i]) < 0)
      st = seam_fail(err, SEAM_ERR_NOT_FOUND, "tensor '%s' (keep_tensors) is not a tensor of the model",
                     keep->names[i]);
  }
  seam_name_map_clear(&index);
  return st;
}

SEAM_API seam_model *seam_model_load_memory_with(const void *bytes, size_t size,
                                                 const char *base_dir,
                                                 const seam_model_options *options,
                                                 seam_error *err) {
  if (!bytes && size) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "model bytes are NULL");
    return NULL;
  }
  seam_model *m = calloc(1, sizeof *m);
  if (!m) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (options) m->options = *options;
  else seam_model_options_default(&m->options);
  if (m->options.parallel_runs < 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "parallel_runs must be >= 0");
    seam_model_free(m);
    return NULL;
  }
  if (m->options.num_threads < 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "num_threads must be >= 0");
    seam_model_free(m);
    return NULL;
  }
  /* The kept names are the caller's, read during the load only. */
  seam_keep keep = {m->options.keep_tensors, m->options.n_keep_tensors};
  m->options.keep_tensors = NULL;
  m->options.n_keep_tensors = 0;
  m->graph = seam_onnx_import(bytes, size, base_dir, err);
  /* With optimization on, DequantizeLinear nodes of constants (quantized
   * weights) stay until QDQ fusion has seen them; the ones it does not fuse
   * are folded afterwards. */
  bool opt = m->options.optimize != 0;
  if (!m->graph || check_keep(m->graph, &keep, err) != SEAM_OK ||
      seam_fold_constants_except(m->graph, opt ? "DequantizeLinear" : NULL, err) != SEAM_OK ||
      (opt && (seam_fuse_qdq(m->graph, &keep, err) != SEAM_OK || seam_fold_constants(m->graph, err) != SEAM_OK ||
               seam_optimize_graph(m->graph, &keep, err) != SEAM_OK))) {
    seam_model_free(m);
    return NULL;
  }
  int lanes = m->options.parallel_runs > 0 ? m->options.parallel_runs : 1;
  if (seam_engine_init(&m->engine, m->options.num_threads, lanes, m->options.fast_kernels != 0,
                       m->options.plan != 0, m->options.plan_cache_bytes, err) != SEAM_OK) {
    seam_model_free(m);
    return NULL;
  }
  m->engine_ready = true;
  return m;
}

SEAM_API seam_model *seam_model_load(const char *path, seam_error *err) {
  return seam_model_load_with(path, NULL, err);
}

SEAM_API seam_model *seam_model_load_with(const char *path, const seam_model_options *options,
                                          seam_error *err) {
  if (!path) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "model path is NULL");
    return NULL;
  }
  size_t size = 0;
  void *bytes = seam_read_file(path, &size, err);
  if (!bytes) return NULL;
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s", path);
  seam_model *m = seam_model_load_memory_with(bytes, size, dirname(dir), options, err);
  free(bytes);
  if (!m) seam_error_prefix(err, "%s", path);
  return m;
}

SEAM_API void seam_model_free(seam_model *m) {
  if (!m) return;
  if (m->engine_ready) seam_engine_destroy(&m->engine);
  seam_graph_free(m->graph);
  free(m);
}

SEAM_API size_t seam_model_input_count(const seam_model *m) { return (size_t)m->graph->n_inputs; }
SEAM_API size_t seam_model_output_count(const seam_model *m) { return (size_t)m->graph->n_outputs; }

static void fill_info(const seam_value *v, seam_value_info *info) {
  memset(info, 0, sizeof *info);
  info->name = v->name;
  info->dtype = v->dtype;
  info->rank = v->rank;
  for (int d = 0; d < v->rank && d < SEAM_MAX_RANK; d++) {
    info->dims[d] = v->dims[d];
    info->dim_names[d] = v->dim_names[d];
  }
}

SEAM_API seam_status seam_model_input_info(const seam_model *m, size_t i, seam_value_info *info) {
  if (!m || !info || i >= (size_t)m->graph->n_inputs) return SEAM_ERR_INVALID_ARGUMENT;
  fill_info(&m->graph->values[m->graph->inputs[i]], info);
  return SEAM_OK;
}

SEAM_API seam_status seam_model_output_info(const seam_model *m, size_t i, seam_value_info *info) {
  if (!m || !info || i >= (size_t)m->graph->n_outputs) return SEAM_ERR_INVALID_ARGUMENT;
  fill_info(&m->graph->values[m->graph->outputs[i]], info);
  return SEAM_OK;
}

/* A given graph input must match the dtype and the fixed dims it declares. */
static seam_status check_given(const seam_value *v, const seam_tensor *t, seam_error *err) {
  if (v->dtype != SEAM_DTYPE_UNDEFINED && v->dtype != t->dtype)
    return seam_fail(err, SEAM_ERR_SHAPE, "input '%s' must be %s, got %s", v->name,
                     seam_dtype_name(v->dtype), seam_dtype_name(t->dtype));
  if (v->rank < 0) return SEAM_OK;
  bool ok = v->rank == t->rank;
  for (int d = 0; ok && d < v->rank; d++) ok = v->dims[d] < 0 || v->dims[d] == t->dims[d];
  if (!ok) {
    char want[160], got[160];
    return seam_fail(err, SEAM_ERR_SHAPE, "input '%s' must have shape %s (-1: any), got %s", v->name,
                     seam_shape_str(v->rank, v->dims, want, sizeof want),
                     seam_shape_str(t->rank, t->dims, got, sizeof got));
  }
  return SEAM_OK;
}

/* The value a name refers to, following optimization's renames. */
static seam_status resolve_name(const seam_graph *g, const char *name, int *value, seam_error *err) {
  if (!name) return seam_fail(err, SEAM_ERR_NOT_FOUND, "a tensor name is NULL");
  const char *asked = name;
  for (int hops = 0; hops < 64; hops++) {
    if ((*value = seam_graph_find_value(g, name)) >= 0) return SEAM_OK;
    const seam_removed_value *r = seam_graph_find_removed(g, name);
    if (!r) break;
    if (!r->same_as) {
      char why[SEAM_ERROR_MESSAGE_SIZE];
      seam_graph_explain_removed(g, r, why, sizeof why);
      if (r->name == asked || strcmp(r->name, asked) == 0)
        return seam_fail(err, SEAM_ERR_NOT_FOUND, "tensor '%s': %s", asked, why);
      return seam_fail(err, SEAM_ERR_NOT_FOUND, "tensor '%s' is '%s' under another name, and %s", asked, r->name,
                       why);
    }
    name = r->same_as;
  }
  return seam_fail(err, SEAM_ERR_NOT_FOUND, "the model has no tensor named '%s'", asked);
}

SEAM_API void seam_run_options_default(seam_run_options *o) {
  if (o) memset(o, 0, sizeof *o);
}

SEAM_API seam_status seam_model_run(const seam_model *m, size_t n_inputs,
                                    const char *const *input_names,
                                    const seam_tensor *const *inputs, size_t n_outputs,
                                    const char *const *output_names, seam_tensor **outputs,
                                    seam_error *err) {
  return seam_model_run_ex(m, n_inputs, input_names, inputs, n_outputs, output_names, outputs, NULL,
                           NULL, err);
}

SEAM_API seam_status seam_model_run_with(const seam_model *m, size_t n_inputs,
                                         const char *const *input_names,
                                         const seam_tensor *const *inputs, size_t n_outputs,
                                         const char *const *output_names, seam_tensor **outputs,
                                         const seam_run_options *options, seam_error *err) {
  return seam_model_run_ex(m, n_inputs, input_names, inputs, n_outputs, output_names, outputs, NULL,
                           options, err);
}

seam_status seam_model_run_observed(const seam_model *m, size_t n_inputs,
                                    const char *const *input_names,
                                    const seam_tensor *const *inputs, size_t n_outputs,
                                    const char *const *output_names, seam_tensor **outputs,
                                    const seam_node_observer *observer, seam_error *err) {
  return seam_model_run_ex(m, n_inputs, input_names, inputs, n_outputs, output_names, outputs,
                           observer, NULL, err);
}

/* With computed_only: no constant, and no value named twice on one side. */
static seam_status check_computed_only(const seam_graph *g, const int *values, size_t n,
                                       const char *side, bool *seen, seam_error *err) {
  for (size_t i = 0; i < n; i++) {
    const seam_value *v = &g->values[values[i]];
    if (v->constant)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                       "%s tensor '%s' is a constant of the model (a weight); only graph inputs and "
                       "computed tensors may be named",
                       side, v->name);
    if (seen[values[i]])
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "%s tensor '%s' is named twice", side, v->name);
    seen[values[i]] = true;
  }
  return SEAM_OK;
}

seam_status seam_model_run_ex(const seam_model *m, size_t n_inputs, const char *const *input_names,
                              const seam_tensor *const *inputs, size_t n_outputs,
                              const char *const *output_names, seam_tensor **outputs,
                              const seam_node_observer *observer, const seam_run_options *run,
                              seam_error *err) {
  if (!m || (n_inputs && (!input_names || !inputs)) || (n_outputs && !outputs))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "NULL model, names or tensors");
  for (size_t i = 0; i < n_outputs; i++) outputs[i] = NULL;
  const seam_graph *g = m->graph;
  if (!output_names && n_outputs != (size_t)g->n_outputs)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has %d outputs, %zu requested",
                     g->n_outputs, n_outputs);
  int *given = malloc(sizeof(int) * (n_inputs + 1)), *wanted = malloc(sizeof(int) * (n_outputs + 1));
  bool *seen = NULL;
  seam_status st = SEAM_OK;
  if (!given || !wanted) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n_inputs; i++) {
    if (!inputs[i]) {
      st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "input tensor %zu is NULL", i);
      goto out;
    }
    if ((st = resolve_name(g, input_names[i], &given[i], err)) != SEAM_OK) goto out;
    if ((st = check_given(&g->values[given[i]], inputs[i], err)) != SEAM_OK) goto out;
  }
  for (size_t i = 0; i < n_outputs; i++) {
    if (!output_names) {
      wanted[i] = g->outputs[i];
    } else if ((st = resolve_name(g, output_names[i], &wanted[i], err)) != SEAM_OK) {
      goto out;
    }
  }
  if (run && run->computed_only) {
    if (!(seen = calloc((size_t)g->n_values + 1, 1))) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
    if ((st = check_computed_only(g, given, n_inputs, "input", seen, err)) != SEAM_OK) goto out;
    memset(seen, 0, (size_t)g->n_values + 1);
    if (output_names && (st = check_computed_only(g, wanted, n_outputs, "requested", seen, err)) != SEAM_OK)
      goto out;
  }
  st = seam_engine_run((seam_engine *)&m->engine, g, (int)n_inputs, given, inputs, (int)n_outputs, wanted,
                       outputs, observer, run, err);
out:
  free(given);
  free(wanted);
  free(seen);
  return st;
}

seam_status seam_model_check_names(const seam_model *m, size_t n, const char *const *names,
                                   const char *side, seam_error *err) {
  const seam_graph *g = m->graph;
  if (n > (size_t)g->n_values)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "%zu %s tensors named; the model has only %d tensors",
                     n, side, g->n_values);
  int *values = malloc(sizeof(int) * (n + 1));
  bool *seen = calloc((size_t)g->n_values + 1, 1);
  seam_status st = SEAM_OK;
  if (!values || !seen) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; st == SEAM_OK && i < n; i++) {
    st = resolve_name(g, names[i], &values[i], err);
    if (st != SEAM_OK) seam_error_prefix(err, "%s tensor %zu", side, i);
  }
  if (st == SEAM_OK) st = check_computed_only(g, values, n, side, seen, err);
  free(values);
  free(seen);
  return st;
}

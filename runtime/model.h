/* The model handle behind include/seam/runtime.h. */
#ifndef SEAM_RUNTIME_MODEL_H
#define SEAM_RUNTIME_MODEL_H

#include "runtime/graph.h"
#include "seam/runtime.h"

#include "runtime/engine.h"
#include "runtime/executor.h"

struct seam_model {
  seam_graph *graph;
  seam_model_options options;
  seam_engine engine;
  bool engine_ready;
};

/* seam_model_run with an observer that sees every node (profiling,
 * calibration). */
seam_status seam_model_run_observed(const seam_model *m, size_t n_inputs,
                                    const char *const *input_names,
                                    const seam_tensor *const *inputs, size_t n_outputs,
                                    const char *const *output_names, seam_tensor **outputs,
                                    const seam_node_observer *observer, seam_error *err);

/* Checks names as a run with computed_only would, before any run: each
 * names a tensor of the model that is not a constant, none twice, and
 * there are no more of them than the model has tensors. side ("input",
 * "requested") prefixes the messages. */
seam_status seam_model_check_names(const seam_model *m, size_t n, const char *const *names,
                                   const char *side, seam_error *err);

/* The same within run limits (NULL: none); every public run goes through it. */
seam_status seam_model_run_ex(const seam_model *m, size_t n_inputs, const char *const *input_names,
                              const seam_tensor *const *inputs, size_t n_outputs,
                              const char *const *output_names, seam_tensor **outputs,
                              const seam_node_observer *observer, const seam_run_options *run,
                              seam_error *err);

#endif

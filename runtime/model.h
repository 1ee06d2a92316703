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

#endif

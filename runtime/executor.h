/* Runs any part of a graph: "given these values, compute those values",
 * executing only the nodes in between. The split between device and server
 * is built on exactly this. */
#ifndef SEAM_RUNTIME_EXECUTOR_H
#define SEAM_RUNTIME_EXECUTOR_H

#include "runtime/graph.h"
#include "seam/runtime.h"

/* Called around each node (profiling, calibration, shape reports); either
 * callback may be NULL. */
typedef struct seam_node_observer {
  void (*before_node)(void *user, const seam_node *node);
  void (*after_node)(void *user, const seam_node *node, const seam_tensor *const *inputs,
                     seam_tensor *const *outputs);
  void *user;
} seam_node_observer;

/* given[i] provides value given_values[i] (borrowed, never modified).
 * out[i] receives a new tensor for value wanted[i], owned by the caller.
 * Constants count as given. Intermediate tensors are freed as soon as their
 * last reader has run. On failure nothing is left in out. */
seam_status seam_graph_execute(const seam_graph *g, int n_given, const int *given_values,
                               const seam_tensor *const *given, int n_wanted, const int *wanted,
                               seam_tensor **out, const seam_node_observer *observer,
                               seam_error *err);

/* The same within run limits (NULL: none): stops between nodes when the
 * run must stop, and refuses a node whose outputs would take the tensors
 * the run holds past its memory limit (SEAM_ERR_LIMIT, before allocating). */
seam_status seam_graph_execute_with(const seam_graph *g, int n_given, const int *given_values,
                                    const seam_tensor *const *given, int n_wanted,
                                    const int *wanted, seam_tensor **out,
                                    const seam_node_observer *observer,
                                    const seam_run_options *run, seam_error *err);

/* Marks in needed[] every node required to produce the wanted values when
 * available[v] says which values are given (or constant). Fails with
 * SEAM_ERR_NOT_FOUND naming a value that cannot be computed. */
seam_status seam_graph_mark_needed(const seam_graph *g, const bool *available, int n_wanted,
                                   const int *wanted, bool *needed, seam_error *err);

/* Runs one node on the given input tensors, writing new tensors to outputs
 * (n_outputs entries; NULL entries are outputs the node omits). Used by the
 * executor and by constant folding. */
seam_status seam_node_execute(const seam_node *node, const seam_tensor *const *inputs,
                              seam_tensor **outputs, seam_error *err);
/* The same, refusing (SEAM_ERR_LIMIT, before allocating them) outputs that
 * together take more than max_output_bytes. */
seam_status seam_node_execute_within(const seam_node *node, const seam_tensor *const *inputs,
                                     seam_tensor **outputs, size_t max_output_bytes,
                                     seam_error *err);
/* SEAM_ERR_LIMIT when the inferred outputs of node take more than
 * max_bytes (SIZE_MAX: no limit). */
seam_status seam_check_output_bytes(const seam_node *node, seam_tensor *const *outputs,
                                    size_t max_bytes, seam_error *err);

#endif

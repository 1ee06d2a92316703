/* Run plans: a graph prepared once for one set of given tensors and shapes,
 * then run many times with no allocation.
 *
 * Building a plan
 *  - infers every shape from the given shapes (no heavy compute), and
 *    evaluates the values that depend only on shapes and constants (the
 *    Shape → Gather → Concat → Reshape subgraphs of exported models) once;
 *  - picks a backend per node (XNNPACK where it covers the op, the portable
 *    kernel otherwise) and a layout per activation (NHWC between XNNPACK
 *    spatial ops, NCHW around portable kernels), inserting conversions only
 *    at those boundaries;
 *  - places every activation in one arena by liveness, so peak memory is
 *    close to the largest set of simultaneously live tensors;
 *  - creates and sets up the XNNPACK operators on arena pointers.
 * A graph whose shapes depend on tensor data (not only on input shapes)
 * cannot be planned; the model then runs through the plain executor. */
#ifndef SEAM_RUNTIME_PLAN_H
#define SEAM_RUNTIME_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "seam/runtime.h"

typedef struct seam_plan seam_plan;
typedef struct pthreadpool *pthreadpool_t;

typedef struct seam_plan_request {
  int n_given;
  const int *given_values;
  const seam_tensor *const *given; /* only shapes and dtypes are read when planning */
  int n_wanted;
  const int *wanted;
  bool fast_kernels;
  pthreadpool_t threadpool; /* may be NULL (single-threaded) */
  /* Refuse (SEAM_ERR_LIMIT) before allocating: a run needing more than
   * max_memory_bytes (arena + scratch + outputs; any one tensor or node's
   * outputs while planning), or wanted tensors over max_output_bytes. 0 =
   * no limit. */
  size_t max_memory_bytes, max_output_bytes;
} seam_plan_request;

/* Builds a plan. When the graph cannot be planned for this request (shapes
 * that depend on tensor data) the plan is returned unusable, remembering
 * the request so callers go straight to the plain executor next time. */
seam_status seam_plan_build(const seam_graph *g, const seam_plan_request *req, seam_plan **out,
                            seam_error *err);
void seam_plan_free(seam_plan *p);
bool seam_plan_usable(const seam_plan *p);

/* True when the plan was built for exactly these given/wanted values and
 * given shapes and dtypes. */
bool seam_plan_matches(const seam_plan *p, int n_given, const int *given_values,
                       const seam_tensor *const *given, int n_wanted, const int *wanted);

/* Runs the plan: copies the given tensors in, runs every step, and returns
 * new tensors for the wanted values. Stops between steps when run (may be
 * NULL) says so. Not reentrant: one run at a time. */
seam_status seam_plan_run(seam_plan *p, const seam_tensor *const *given, seam_tensor **out,
                          const seam_node_observer *observer, const seam_run_options *run,
                          seam_error *err);

/* Bytes of the activation arena (for reports and tests). */
size_t seam_plan_arena_bytes(const seam_plan *p);
/* What the plan keeps while cached: arena, scratch, owned tensors and an
 * estimate of its operators' packed weights. 0 for an unusable plan. */
size_t seam_plan_memory_bytes(const seam_plan *p);
/* What one run needs (arena, scratch and the outputs it copies out), and
 * the outputs alone: checked against each run's own limits. */
size_t seam_plan_run_bytes(const seam_plan *p);
size_t seam_plan_output_bytes(const seam_plan *p);
/* How many steps run on XNNPACK, on portable kernels, and convert layouts. */
void seam_plan_step_counts(const seam_plan *p, int *fast, int *portable, int *conversions);

#endif

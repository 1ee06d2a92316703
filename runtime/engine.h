/* The per-model engine: one or more lanes, each a thread pool and a small
 * cache of run plans (one per request shape). A planned run takes a free
 * lane for its duration, so a model with N lanes runs up to N requests at
 * once on shared weights; with one lane, runs take turns. Runs that cannot
 * be planned go through the plain executor and need no lane. */
#ifndef SEAM_RUNTIME_ENGINE_H
#define SEAM_RUNTIME_ENGINE_H

#include <pthread.h>

#include "runtime/executor.h"
#include "runtime/plan.h"

#define SEAM_ENGINE_MAX_PLANS 8
#define SEAM_ENGINE_MAX_LANES 64

typedef struct seam_engine_lane {
  pthreadpool_t threadpool;                /* NULL: runs inline on the caller */
  seam_plan *plans[SEAM_ENGINE_MAX_PLANS]; /* most recently used first */
  int n_plans;
  bool busy;
} seam_engine_lane;

typedef struct seam_engine {
  pthread_mutex_t lock; /* guards busy flags; plans own their arena */
  pthread_cond_t lane_freed;
  seam_engine_lane *lanes;
  int n_lanes;
  int threads; /* per lane */
  bool fast_kernels, use_plans;
} seam_engine;

/* threads: per run (0 = the online cores); lanes: runs at once (>= 1). */
seam_status seam_engine_init(seam_engine *e, int threads, int lanes, bool fast_kernels,
                             bool use_plans, seam_error *err);
void seam_engine_destroy(seam_engine *e);

/* Same contract as seam_graph_execute. */
seam_status seam_engine_run(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                            const seam_tensor *const *given, int n_wanted, const int *wanted,
                            seam_tensor **out, const seam_node_observer *observer, seam_error *err);

#endif

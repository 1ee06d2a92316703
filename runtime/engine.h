/* The per-model engine: a thread pool and a small cache of run plans, one
 * per request shape. Runs that can be planned use a plan; the rest go
 * through the plain executor. */
#ifndef SEAM_RUNTIME_ENGINE_H
#define SEAM_RUNTIME_ENGINE_H

#include <pthread.h>

#include "runtime/executor.h"
#include "runtime/plan.h"

#define SEAM_ENGINE_MAX_PLANS 8

typedef struct seam_engine {
  pthread_mutex_t lock; /* one planned run at a time: plans own their arena */
  pthreadpool_t threadpool;
  int threads;
  bool fast_kernels, use_plans;
  seam_plan *plans[SEAM_ENGINE_MAX_PLANS]; /* most recently used first */
  int n_plans;
} seam_engine;

seam_status seam_engine_init(seam_engine *e, int threads, bool fast_kernels, bool use_plans,
                             seam_error *err);
void seam_engine_destroy(seam_engine *e);

/* Same contract as seam_graph_execute. */
seam_status seam_engine_run(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                            const seam_tensor *const *given, int n_wanted, const int *wanted,
                            seam_tensor **out, const seam_node_observer *observer, seam_error *err);

#endif

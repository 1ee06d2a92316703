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
  size_t cached_bytes; /* seam_plan_memory_bytes of the cached plans */
  bool busy;
} seam_engine_lane;

/* A run waiting for a lane, on its own stack; first in, first served. */
typedef struct seam_engine_waiter {
  struct seam_engine_waiter *next;
} seam_engine_waiter;

typedef struct seam_engine {
  pthread_mutex_t lock; /* guards busy flags and waiters; plans own their arena */
  pthread_cond_t lane_freed;
  seam_engine_waiter *waiters;
  seam_engine_lane *lanes;
  int n_lanes;
  int threads; /* per lane */
  bool fast_kernels, use_plans;
  size_t lane_cache_bytes; /* each lane's share of the plan cache; 0: count only */
} seam_engine;

/* threads: per run (0 = the online cores); lanes: runs at once (>= 1);
 * cache_bytes: the memory the cached plans of all lanes may keep (0: no
 * bound beyond SEAM_ENGINE_MAX_PLANS per lane). */
seam_status seam_engine_init(seam_engine *e, int threads, int lanes, bool fast_kernels,
                             bool use_plans, size_t cache_bytes, seam_error *err);
void seam_engine_destroy(seam_engine *e);

/* Same contract as seam_graph_execute_with: the run's limits (may be NULL)
 * also bound the wait for a lane and the plan it builds. */
seam_status seam_engine_run(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                            const seam_tensor *const *given, int n_wanted, const int *wanted,
                            seam_tensor **out, const seam_node_observer *observer,
                            const seam_run_options *run, seam_error *err);

#endif

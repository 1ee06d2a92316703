#include "runtime/engine.h"

#include <pthreadpool.h>
#include <string.h>

#include "runtime/error.h"

seam_status seam_engine_init(seam_engine *e, int threads, bool fast_kernels, bool use_plans,
                             seam_error *err) {
  memset(e, 0, sizeof *e);
  e->fast_kernels = fast_kernels;
  e->use_plans = use_plans;
  /* One thread runs inline; more get a pool of their own per model, so two
   * models never share or contend for threads. 0 means the online cores. */
  if (threads != 1) {
    e->threadpool = pthreadpool_create((size_t)threads);
    if (!e->threadpool) return seam_fail(err, SEAM_ERR_NO_MEMORY, "cannot create a pool of %d threads", threads);
  }
  e->threads = e->threadpool ? (int)pthreadpool_get_threads_count(e->threadpool) : 1;
  if (pthread_mutex_init(&e->lock, NULL) != 0) {
    if (e->threadpool) pthreadpool_destroy(e->threadpool);
    return seam_fail(err, SEAM_ERR_INTERNAL, "cannot create a mutex");
  }
  return SEAM_OK;
}

void seam_engine_destroy(seam_engine *e) {
  for (int i = 0; i < e->n_plans; i++) seam_plan_free(e->plans[i]);
  e->n_plans = 0;
  if (e->threadpool) pthreadpool_destroy(e->threadpool);
  e->threadpool = NULL;
  pthread_mutex_destroy(&e->lock);
}

/* The cached plan for this request, built on first use; moved to the front. */
static seam_status find_plan(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                             const seam_tensor *const *given, int n_wanted, const int *wanted, seam_plan **out,
                             seam_error *err) {
  for (int i = 0; i < e->n_plans; i++) {
    seam_plan *p = e->plans[i];
    if (!seam_plan_matches(p, n_given, given_values, given, n_wanted, wanted)) continue;
    memmove(&e->plans[1], &e->plans[0], sizeof(seam_plan *) * (size_t)i);
    e->plans[0] = p;
    *out = p;
    return SEAM_OK;
  }
  seam_plan_request req = {.n_given = n_given, .given_values = given_values, .given = given,
                           .n_wanted = n_wanted, .wanted = wanted, .fast_kernels = e->fast_kernels,
                           .threadpool = e->threadpool};
  seam_plan *p;
  seam_status st = seam_plan_build(g, &req, &p, err);
  if (st != SEAM_OK) return st;
  if (e->n_plans == SEAM_ENGINE_MAX_PLANS) seam_plan_free(e->plans[--e->n_plans]);
  memmove(&e->plans[1], &e->plans[0], sizeof(seam_plan *) * (size_t)e->n_plans);
  e->plans[0] = p;
  e->n_plans++;
  *out = p;
  return SEAM_OK;
}

seam_status seam_engine_run(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                            const seam_tensor *const *given, int n_wanted, const int *wanted,
                            seam_tensor **out, const seam_node_observer *observer, seam_error *err) {
  if (!e->use_plans)
    return seam_graph_execute(g, n_given, given_values, given, n_wanted, wanted, out, observer, err);
  pthread_mutex_lock(&e->lock);
  seam_plan *p = NULL;
  seam_status st = find_plan(e, g, n_given, given_values, given, n_wanted, wanted, &p, err);
  if (st == SEAM_OK && seam_plan_usable(p)) {
    st = seam_plan_run(p, given, out, observer, err);
    bool retired = st != SEAM_OK && !seam_plan_usable(p);
    pthread_mutex_unlock(&e->lock);
    if (!retired) return st;
    st = SEAM_OK; /* run again below, without the plan */
  } else {
    pthread_mutex_unlock(&e->lock);
  }
  if (st != SEAM_OK) return st;
  return seam_graph_execute(g, n_given, given_values, given, n_wanted, wanted, out, observer, err);
}

#include "runtime/engine.h"

#include <pthreadpool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"
#include "runtime/run_limits.h"

static void lane_destroy(seam_engine_lane *l) {
  for (int i = 0; i < l->n_plans; i++) seam_plan_free(l->plans[i]);
  l->n_plans = 0;
  l->cached_bytes = 0;
  if (l->threadpool) pthreadpool_destroy(l->threadpool);
  l->threadpool = NULL;
}

seam_status seam_engine_init(seam_engine *e, int threads, int lanes, bool fast_kernels,
                             bool use_plans, size_t cache_bytes, seam_error *err) {
  memset(e, 0, sizeof *e);
  /* Each lane keeps its own plans: it gets an equal share of the bound. */
  if (cache_bytes && lanes > 0) e->lane_cache_bytes = cache_bytes / (size_t)lanes ? cache_bytes / (size_t)lanes : 1;
  if (lanes < 1 || lanes > SEAM_ENGINE_MAX_LANES)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "parallel runs must be 1..%d, not %d",
                     SEAM_ENGINE_MAX_LANES, lanes);
  e->fast_kernels = fast_kernels;
  e->use_plans = use_plans;
  e->lanes = calloc((size_t)lanes, sizeof *e->lanes);
  if (!e->lanes) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  e->n_lanes = lanes;
  /* One thread runs inline; more get a pool of their own per lane, so two
   * models (or two lanes) never share or contend for threads. 0 means the
   * online cores. */
  for (int i = 0; i < lanes; i++) {
    if (threads == 1) continue;
    e->lanes[i].threadpool = pthreadpool_create((size_t)threads);
    if (!e->lanes[i].threadpool) {
      for (int j = 0; j < i; j++) lane_destroy(&e->lanes[j]);
      free(e->lanes);
      e->lanes = NULL;
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "cannot create a pool of %d threads", threads);
    }
  }
  e->threads = e->lanes[0].threadpool ? (int)pthreadpool_get_threads_count(e->lanes[0].threadpool) : 1;
  if (pthread_mutex_init(&e->lock, NULL) != 0 || pthread_cond_init(&e->lane_freed, NULL) != 0) {
    for (int i = 0; i < lanes; i++) lane_destroy(&e->lanes[i]);
    free(e->lanes);
    e->lanes = NULL;
    return seam_fail(err, SEAM_ERR_INTERNAL, "cannot create a mutex");
  }
  return SEAM_OK;
}

void seam_engine_destroy(seam_engine *e) {
  for (int i = 0; i < e->n_lanes; i++) lane_destroy(&e->lanes[i]);
  free(e->lanes);
  e->lanes = NULL;
  e->n_lanes = 0;
  pthread_mutex_destroy(&e->lock);
  pthread_cond_destroy(&e->lane_freed);
}

/* Frees the least recently used plans of lane l until `room` more bytes
 * fit in its share of the cache. */
static void evict_for(const seam_engine *e, seam_engine_lane *l, size_t room) {
  while (l->n_plans > 0 && (l->n_plans == SEAM_ENGINE_MAX_PLANS ||
                            (e->lane_cache_bytes && l->cached_bytes + room > e->lane_cache_bytes))) {
    seam_plan *victim = l->plans[--l->n_plans];
    l->cached_bytes -= seam_plan_memory_bytes(victim);
    seam_plan_free(victim);
  }
}

/* The plan for this request: a cached one (moved to the front), else one
 * built now and cached when it fits the lane's share of the cache. *transient
 * is true when the caller must free the plan after its run. */
static seam_status find_plan(const seam_engine *e, seam_engine_lane *l, const seam_graph *g,
                             int n_given, const int *given_values, const seam_tensor *const *given,
                             int n_wanted, const int *wanted, const seam_run_options *run,
                             seam_plan **out, bool *transient, seam_error *err) {
  *transient = false;
  for (int i = 0; i < l->n_plans; i++) {
    seam_plan *p = l->plans[i];
    if (!seam_plan_matches(p, n_given, given_values, given, n_wanted, wanted)) continue;
    memmove(&l->plans[1], &l->plans[0], sizeof(seam_plan *) * (size_t)i);
    l->plans[0] = p;
    *out = p;
    return SEAM_OK;
  }
  seam_plan_request req = {.n_given = n_given, .given_values = given_values, .given = given,
                           .n_wanted = n_wanted, .wanted = wanted, .fast_kernels = e->fast_kernels,
                           .threadpool = l->threadpool,
                           .max_memory_bytes = run ? run->max_memory_bytes : 0,
                           .max_output_bytes = run ? run->max_output_bytes : 0};
  seam_plan *p;
  seam_status st = seam_plan_build(g, &req, &p, err);
  if (st != SEAM_OK) return st;
  size_t bytes = seam_plan_memory_bytes(p);
  *out = p;
  if (e->lane_cache_bytes && bytes > e->lane_cache_bytes) {
    *transient = true; /* larger than the whole share: run once, then release */
    return SEAM_OK;
  }
  evict_for(e, l, bytes);
  memmove(&l->plans[1], &l->plans[0], sizeof(seam_plan *) * (size_t)l->n_plans);
  l->plans[0] = p;
  l->n_plans++;
  l->cached_bytes += bytes;
  return SEAM_OK;
}

/* A cached plan was built for other limits: check this run's. */
static seam_status check_plan_limits(const seam_plan *p, const seam_run_options *run, seam_error *err) {
  if (!run || !seam_plan_usable(p)) return SEAM_OK;
  if (run->max_output_bytes && seam_plan_output_bytes(p) > run->max_output_bytes)
    return seam_fail(err, SEAM_ERR_LIMIT, "the requested tensors would take %zu bytes, over the limit of %zu",
                     seam_plan_output_bytes(p), run->max_output_bytes);
  if (run->max_memory_bytes && seam_plan_run_bytes(p) > run->max_memory_bytes)
    return seam_fail(err, SEAM_ERR_LIMIT, "the run would need %zu bytes, over its limit of %zu",
                     seam_plan_run_bytes(p), run->max_memory_bytes);
  return SEAM_OK;
}

static void nothing(void *context, size_t i) {
  (void)context;
  (void)i;
}

/* Runs at least this long put the pool's threads to sleep afterwards. */
#define YIELD_AFTER_US 1000

/* After a run, the pool's threads spin for a while waiting for the next
 * operator before they sleep. Between runs that spinning takes cores from
 * everything else (a server's network threads, other lanes, other
 * processes), and when the machine is busy it is what makes multi-threaded
 * runs stall. One empty dispatch with the yield flag puts them to sleep at
 * once; the next run's first operator wakes them, which costs tens of
 * microseconds: negligible after a run of a millisecond or more, while
 * short back-to-back runs keep the spinning threads warm. */
static void yield_workers(pthreadpool_t pool, int64_t run_us) {
  if (pool && run_us >= YIELD_AFTER_US)
    pthreadpool_parallelize_1d(pool, nothing, NULL, pthreadpool_get_threads_count(pool),
                               PTHREADPOOL_FLAG_YIELD_WORKERS);
}

/* While waiting for a lane, the stop conditions are checked this often. */
#define LANE_POLL_NS 20000000LL

/* Waits for a free lane and marks it busy; NULL (err filled) when the run
 * must stop first. The lowest free index is taken so that a lightly loaded
 * model keeps reusing the plans of its first lane. */
static seam_engine_lane *free_lane(seam_engine *e) {
  for (int i = 0; i < e->n_lanes; i++)
    if (!e->lanes[i].busy) return &e->lanes[i];
  return NULL;
}

static void unlink_waiter(seam_engine *e, seam_engine_waiter *w) {
  seam_engine_waiter **at = &e->waiters;
  while (*at && *at != w) at = &(*at)->next;
  if (*at) *at = w->next;
}

/* Lanes go to runs in the order they asked: a caller that runs one model
 * run after another (a profile) must not keep a lane from a request that
 * waits beside it. */
static seam_engine_lane *take_lane(seam_engine *e, const seam_run_options *run, seam_error *err) {
  pthread_mutex_lock(&e->lock);
  seam_engine_lane *l = e->waiters ? NULL : free_lane(e);
  if (l) {
    l->busy = true;
    pthread_mutex_unlock(&e->lock);
    return l;
  }
  seam_engine_waiter me = {NULL};
  seam_engine_waiter **tail = &e->waiters;
  while (*tail) tail = &(*tail)->next;
  *tail = &me;
  for (;;) {
    if (e->waiters == &me && (l = free_lane(e)) != NULL) break;
    if (run && seam_run_should_stop(run)) break;
    if (!run) {
      pthread_cond_wait(&e->lane_freed, &e->lock);
      continue;
    }
    /* The condition variable runs on CLOCK_REALTIME; the deadline is
     * monotonic: wait in short slices and look again. */
    struct timespec until = seam_clock_timespec_in(CLOCK_REALTIME, LANE_POLL_NS);
    pthread_cond_timedwait(&e->lane_freed, &e->lock, &until);
  }
  unlink_waiter(e, &me);
  if (l) l->busy = true;
  /* The next waiter may now be first, and another lane may be free. */
  pthread_cond_broadcast(&e->lane_freed);
  pthread_mutex_unlock(&e->lock);
  if (!l) seam_run_check_stop(run, "while waiting for a free lane (every lane of the model was busy)", err);
  return l;
}

static void release_lane(seam_engine *e, seam_engine_lane *l) {
  pthread_mutex_lock(&e->lock);
  l->busy = false;
  pthread_cond_broadcast(&e->lane_freed);
  pthread_mutex_unlock(&e->lock);
}

seam_status seam_engine_run(seam_engine *e, const seam_graph *g, int n_given, const int *given_values,
                            const seam_tensor *const *given, int n_wanted, const int *wanted,
                            seam_tensor **out, const seam_node_observer *observer,
                            const seam_run_options *run, seam_error *err) {
  seam_status st = seam_run_check_stop(run, "before it started", err);
  if (st != SEAM_OK) return st;
  if (!e->use_plans)
    return seam_graph_execute_with(g, n_given, given_values, given, n_wanted, wanted, out, observer,
                                   run, err);
  seam_engine_lane *l = take_lane(e, run, err);
  if (!l) return SEAM_ERR_CANCELLED;
  seam_plan *p = NULL;
  bool transient = false;
  st = find_plan(e, l, g, n_given, given_values, given, n_wanted, wanted, run, &p, &transient, err);
  if (st == SEAM_OK) st = check_plan_limits(p, run, err);
  if (st == SEAM_OK && seam_plan_usable(p)) {
    int64_t t0 = seam_clock_us();
    st = seam_plan_run(p, given, out, observer, run, err);
    yield_workers(l->threadpool, seam_clock_us() - t0);
    bool retired = st != SEAM_OK && !seam_plan_usable(p);
    if (transient) seam_plan_free(p);
    release_lane(e, l);
    if (!retired) return st;
    st = SEAM_OK; /* run again below, without the plan */
  } else {
    if (transient) seam_plan_free(p);
    release_lane(e, l);
  }
  if (st != SEAM_OK) return st;
  return seam_graph_execute_with(g, n_given, given_values, given, n_wanted, wanted, out, observer,
                                 run, err);
}

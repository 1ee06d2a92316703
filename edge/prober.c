/* The background prober (prober.h). */
#include "edge/prober.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "edge/probe.h"
#include "common/error.h"

/* A probe that takes longer than this counts as a failure. */
#define PROBER_TIMEOUT_MS 2000
/* A warm-up request may take the worker's cold start. */
#define PROBER_WARM_TIMEOUT_MS 30000

struct edge_prober {
  edge_policy *policy;
  seam_grpc_channel *channel;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stop;
  bool kicked; /* the policy woke it (edge_policy_set_waker) */
  edge_warm_request *warm;
  size_t n_warm;
  char *model_name; /* whose queue the worker reports in Echo replies */
};

static void free_warm(edge_warm_request *w, size_t n) {
  for (size_t i = 0; w && i < n; i++) free(w[i].buf);
  free(w);
}

/* Sends each warm request once (results ignored: a worker that fails one
 * is judged by real requests), then frees them. */
static void warm_worker(edge_prober *p) {
  for (size_t i = 0; i < p->n_warm; i++) {
    uint8_t *reply = NULL;
    size_t reply_size = 0;
    if (p->warm[i].buf)
      seam_grpc_call_take(p->channel, "/seam.v1.Seam/Infer", p->warm[i].buf, p->warm[i].size,
                          PROBER_WARM_TIMEOUT_MS, &reply, &reply_size, NULL, 0);
    p->warm[i].buf = NULL; /* gRPC's now */
    free(reply);
    pthread_mutex_lock(&p->lock);
    bool stop = p->stop;
    pthread_mutex_unlock(&p->lock);
    if (stop) break;
  }
  free_warm(p->warm, p->n_warm);
  p->warm = NULL;
  p->n_warm = 0;
}

static void *run(void *arg) {
  edge_prober *p = arg;
  /* Connect now, so the first request does not pay for the handshake (and
   * its time, which says nothing of the link, is not taken as a sample). */
  part_net_sample first;
  seam_error e;
  bool connected = edge_probe_echo(p->channel, p->model_name, 0, 0, PROBER_TIMEOUT_MS, &first, &e) == SEAM_OK;
  edge_policy_probe_result(p->policy, connected, NULL);
  if (connected) warm_worker(p);
  pthread_mutex_lock(&p->lock);
  while (!p->stop) {
    int wait_ms = 0;
    uint32_t up = 0;
    pthread_mutex_unlock(&p->lock);
    int what = edge_policy_probe_due(p->policy, &wait_ms, &up);
    if (what) {
      /* A breaker probe is one empty exchange; a refresh round is a pair:
       * the empty one, then the uplink probe right after it, so that their
       * difference is the transfer time. A refresh probe that timed out
       * still says the link took that long; a breaker probe's timeout only
       * that the worker is still out of reach. A breaker probe waits for a
       * connection (edge_probe_reach): between gRPC's reconnect attempts an
       * ordinary call fails at once, even to a worker that is back. */
      part_net_sample empty, payload;
      bool refresh = what == 2;
      seam_status st = refresh ? edge_probe_echo(p->channel, p->model_name, 0, 0, PROBER_TIMEOUT_MS, &empty, &e)
                               : edge_probe_reach(p->channel, p->model_name, PROBER_TIMEOUT_MS, &empty, &e);
      bool ok = st == SEAM_OK;
      if (ok && refresh && up) {
        st = edge_probe_echo(p->channel, p->model_name, up, 0, PROBER_TIMEOUT_MS, &payload, &e);
        if (st == SEAM_OK) {
          edge_policy_probe_pair(p->policy, &empty, &payload);
        } else {
          edge_policy_probe_result(p->policy, true, &empty);
          edge_policy_probe_result(p->policy, false, st == SEAM_ERR_CANCELLED ? &payload : NULL);
          ok = false;
        }
      } else {
        /* A breaker probe's time includes making the connection: no sample. */
        edge_policy_probe_result(p->policy, ok, refresh && (ok || st == SEAM_ERR_CANCELLED) ? &empty : NULL);
      }
      /* A worker found only now (opened offline) is warmed now. */
      if (ok && p->n_warm) warm_worker(p);
    }
    pthread_mutex_lock(&p->lock);
    if (p->stop) break;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(wait_ms > 0 ? wait_ms : 1) % 1000 * 1000000L;
    until.tv_sec += (wait_ms > 0 ? wait_ms : 1) / 1000 + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    while (!p->stop && !p->kicked && pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT) {
    }
    p->kicked = false;
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

static void kick(void *ctx) {
  edge_prober *p = ctx;
  pthread_mutex_lock(&p->lock);
  p->kicked = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
}

edge_prober *edge_prober_start(edge_policy *policy, seam_grpc_channel *channel, const char *model_name,
                               edge_warm_request *warm, size_t n_warm, seam_error *err) {
  edge_prober *p = calloc(1, sizeof *p);
  size_t name_len = strlen(model_name);
  if (p && !(p->model_name = malloc(name_len + 1))) {
    free(p);
    p = NULL;
  }
  if (p) memcpy(p->model_name, model_name, name_len + 1);
  if (!p) {
    free_warm(warm, n_warm);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  p->policy = policy;
  p->channel = channel;
  p->warm = warm;
  p->n_warm = n_warm;
  pthread_mutex_init(&p->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&p->thread, NULL, run, p) != 0) {
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free_warm(p->warm, p->n_warm);
    free(p->model_name);
    free(p);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "cannot start the network prober thread");
    return NULL;
  }
  edge_policy_set_waker(policy, kick, p);
  return p;
}

void edge_prober_stop(edge_prober *p) {
  if (!p) return;
  edge_policy_set_waker(p->policy, NULL, NULL);
  pthread_mutex_lock(&p->lock);
  p->stop = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  free_warm(p->warm, p->n_warm);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p->model_name);
  free(p);
}

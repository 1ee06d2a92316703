/* The background prober (prober.h). */
#include "edge/prober.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "edge/probe.h"
#include "common/error.h"

/* A probe that takes longer than this counts as a failure. */
#define PROBER_TIMEOUT_MS 2000

struct edge_prober {
  edge_policy *policy;
  seam_grpc_channel *channel;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  bool stop;
};

static void *run(void *arg) {
  edge_prober *p = arg;
  /* Connect now, so the first request does not pay for the handshake (and
   * its time, which says nothing of the link, is not taken as a sample). */
  part_net_sample first;
  seam_error e;
  edge_policy_probe_result(p->policy, edge_probe_echo(p->channel, 0, 0, PROBER_TIMEOUT_MS, &first, &e) == SEAM_OK,
                           NULL);
  pthread_mutex_lock(&p->lock);
  while (!p->stop) {
    int wait_ms = 0;
    uint32_t up = 0;
    pthread_mutex_unlock(&p->lock);
    int what = edge_policy_probe_due(p->policy, &wait_ms, &up);
    if (what) {
      part_net_sample s;
      seam_error e;
      bool ok = edge_probe_echo(p->channel, up, 0, PROBER_TIMEOUT_MS, &s, &e) == SEAM_OK;
      edge_policy_probe_result(p->policy, ok, &s);
    }
    pthread_mutex_lock(&p->lock);
    if (p->stop) break;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(wait_ms > 0 ? wait_ms : 1) % 1000 * 1000000L;
    until.tv_sec += (wait_ms > 0 ? wait_ms : 1) / 1000 + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &until) != ETIMEDOUT) {
    }
  }
  pthread_mutex_unlock(&p->lock);
  return NULL;
}

edge_prober *edge_prober_start(edge_policy *policy, seam_grpc_channel *channel, seam_error *err) {
  edge_prober *p = calloc(1, sizeof *p);
  if (!p) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  p->policy = policy;
  p->channel = channel;
  pthread_mutex_init(&p->lock, NULL);
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&p->wake, &attr);
  pthread_condattr_destroy(&attr);
  if (pthread_create(&p->thread, NULL, run, p) != 0) {
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    free(p);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "cannot start the network prober thread");
    return NULL;
  }
  return p;
}

void edge_prober_stop(edge_prober *p) {
  if (!p) return;
  pthread_mutex_lock(&p->lock);
  p->stop = true;
  pthread_cond_signal(&p->wake);
  pthread_mutex_unlock(&p->lock);
  pthread_join(p->thread, NULL);
  pthread_cond_destroy(&p->wake);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

/* The dynamic policy (policy.h). */
#include "edge/policy.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "edge/breaker.h"
#include "common/clock.h"
#include "common/error.h"

/* An estimate without a sample for EDGE_STALE_MS is stale. A request that
 * finds it stale has the prober measure it with one round (an empty probe
 * for the RTT, then one with a payload for the uplink: a probe pair).
 * Only a sample that informed the RTT or a bandwidth counts: a remote call
 * the estimator cannot read (a far-off prediction with payload both ways,
 * an RTT not confirmed) leaves it stale, so a round follows it.
 * Requests that run on the device give no samples, so these rounds are what
 * let a session running locally see the link come back within a few
 * requests; one round per request at most, so probing costs in proportion
 * to use, and an idle session sends nothing (but the breaker's probes). */
#define EDGE_STALE_MS 100
/* A round waits for the device to be idle (no request in flight): probes
 * timed while the device computes measure its CPU as much as the link (a
 * device held to a CPU quota delays every step of the exchange). Requests
 * back to back leave no idle moment; a round then goes anyway once the
 * estimate is this stale. */
#define EDGE_STALE_BUSY_MS 1200
/* How often the prober asks whether a round is due, while the session made
 * a request within EDGE_ACTIVE_MS, and otherwise (besides being woken when
 * a request ends and a round is due: the gap before the next request may
 * be short). */
#define EDGE_ACTIVE_MS 3000
#define EDGE_POLL_ACTIVE_MS 50
#define EDGE_POLL_IDLE_MS 250

struct edge_policy {
  pthread_mutex_t lock;
  part_plan *plan;
  part_netest *net;
  part_devspeed device; /* the device's time against the plan's profile */
  edge_breaker breaker;
  int local;          /* the plan's "local" candidate */
  double last_sample_ms;
  double last_request_ms; /* when edge_policy_choose was last called; 0 before */
  bool request_since_round; /* a request was chosen since the last refresh round */
  int in_flight;            /* requests chosen and not yet observed */
  void (*wake)(void *);     /* edge_policy_set_waker */
  void *wake_ctx;
};

static double now_ms(void) { return (double)seam_clock_us() / 1e3; }
static int64_t now_ms_int(void) { return seam_clock_us() / 1000; }

edge_policy *edge_policy_create(part_plan *plan, double device_speed, seam_error *err) {
  edge_policy *p = calloc(1, sizeof *p);
  part_net_estimate prior = {.up_mbps = plan->link.up_mbps,
                             .down_mbps = plan->link.down_mbps,
                             .rtt_ms = plan->link.rtt_ms,
                             .queue_ms = plan->link.queue_ms};
  if (!p || !(p->net = part_netest_create(&prior))) {
    free(p);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  pthread_mutex_init(&p->lock, NULL);
  p->plan = plan;
  p->local = part_plan_find(plan, "local");
  part_devspeed_init(&p->device, device_speed);
  edge_breaker_init(&p->breaker, EDGE_BREAKER_THRESHOLD, EDGE_BREAKER_BASE_MS, EDGE_BREAKER_MAX_MS);
  return p;
}

void edge_policy_free(edge_policy *p) {
  if (!p) return;
  part_netest_free(p->net);
  part_plan_free(p->plan);
  free(p->plan);
  pthread_mutex_destroy(&p->lock);
  free(p);
}

const part_plan *edge_policy_plan(const edge_policy *p) { return p->plan; }

static void link_of(const part_net_estimate *e, const part_devspeed *d, part_link *l) {
  *l = (part_link){.up_mbps = e->up_mbps,
                   .down_mbps = e->down_mbps,
                   .rtt_ms = e->rtt_ms,
                   .queue_ms = e->queue_ms,
                   .device_scale = d->scale};
}

/* "plan: uplink 1.2 Mbit/s, below the breakpoint 3.0" and the like. */
static void explain(const part_link *l, const part_decision *d, char *why, size_t size) {
  int n = snprintf(why, size, "plan: uplink %.3g Mbit/s, RTT %.3g ms, queue %.3g ms, device x%.2f", l->up_mbps,
                   l->rtt_ms, l->queue_ms, part_link_device_scale(l));
  if (n < 0 || (size_t)n >= size) return;
  if (d->breakpoint_above_mbps > 0)
    n += snprintf(why + n, size - (size_t)n, "; below breakpoint %.3g", d->breakpoint_above_mbps);
  if (n >= 0 && (size_t)n < size && d->breakpoint_below_mbps > 0)
    snprintf(why + n, size - (size_t)n, "; above breakpoint %.3g", d->breakpoint_below_mbps);
}

static void choose(edge_policy *p, int deadline_ms, bool request, edge_choice *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&p->lock);
  if (request) {
    p->last_request_ms = now_ms();
    p->request_since_round = true;
    p->in_flight++;
  }
  part_net_estimate e;
  part_netest_get(p->net, &e);
  part_link link;
  link_of(&e, &p->device, &link);
  part_decision d;
  part_plan_lookup(p->plan, &link, &d);
  part_cost cost, local;
  part_plan_predict(p->plan, d.candidate, &link, &cost);
  part_plan_predict(p->plan, p->local, &link, &local);
  out->candidate = d.candidate;
  out->predicted_ms = cost.latency_ms;
  explain(&link, &d, out->why, sizeof out->why);
  if (cost.remote && deadline_ms > 0 && cost.latency_ms > deadline_ms) {
    snprintf(out->why, sizeof out->why, "deadline: '%.40s' predicted %.1f ms > %d ms (uplink %.3g Mbit/s, RTT %.3g ms)",
             p->plan->candidates[d.candidate].cut, cost.latency_ms, deadline_ms, link.up_mbps, link.rtt_ms);
    out->candidate = p->local;
    out->predicted_ms = local.latency_ms;
  } else if (cost.remote && p->breaker.state != EDGE_BREAKER_CLOSED) {
    /* Requests never probe an open breaker: the prober does, with a call
     * that waits for a connection (prober.c); a request would be an
     * ordinary call, failing at once between gRPC's reconnect attempts and
     * so keeping the breaker open after the worker is back. */
    if (p->breaker.state == EDGE_BREAKER_HALF_OPEN)
      snprintf(out->why, sizeof out->why,
               "breaker open: the worker failed %d times in a row; a probe is in flight", EDGE_BREAKER_THRESHOLD);
    else
      snprintf(out->why, sizeof out->why,
               "breaker open: the worker failed %d times in a row; probing in the background (next in %lld ms)",
               EDGE_BREAKER_THRESHOLD, (long long)edge_breaker_wait_ms(&p->breaker, now_ms_int()));
    out->candidate = p->local;
    out->predicted_ms = local.latency_ms;
  }
  pthread_mutex_unlock(&p->lock);
}

void edge_policy_choose(edge_policy *p, int deadline_ms, edge_choice *out) { choose(p, deadline_ms, true, out); }

void edge_policy_pick(edge_policy *p, int deadline_ms, edge_choice *out) { choose(p, deadline_ms, false, out); }

void edge_policy_set_waker(edge_policy *p, void (*wake)(void *ctx), void *ctx) {
  pthread_mutex_lock(&p->lock);
  p->wake = wake;
  p->wake_ctx = ctx;
  pthread_mutex_unlock(&p->lock);
}

void edge_policy_observe(edge_policy *p, int candidate, bool ok, const seam_edge_timing *tm, double call_ms) {
  pthread_mutex_lock(&p->lock);
  if (p->in_flight > 0) p->in_flight--;
  double now = now_ms();
  if (ok && candidate >= 0 && candidate < p->plan->n_candidates)
    part_devspeed_add(&p->device, (double)tm->head_us / 1e3, p->plan->candidates[candidate].head_ms);
  if (tm->bytes_up || tm->remote || tm->fell_back) { /* the network was tried */
    bool network_failed = tm->fell_back &&
                          (tm->reason == SEAM_EDGE_REASON_NETWORK || tm->reason == SEAM_EDGE_REASON_DEADLINE);
    if (network_failed) {
      edge_breaker_failure(&p->breaker, now_ms_int());
    } else if (tm->remote || tm->fell_back) {
      edge_breaker_success(&p->breaker, now_ms_int());
    }
    /* A reply gives the network time; a call that timed out gives at least
     * its wall time, so a slowing link lowers the estimate. */
    double network_ms = tm->remote ? (double)tm->network_us / 1e3
                        : tm->reason == SEAM_EDGE_REASON_DEADLINE ? call_ms : -1;
    if (network_ms > 0 && tm->bytes_up) {
      part_net_sample s = {.at_ms = now,
                           .bytes_up = tm->bytes_up,
                           .bytes_down = tm->bytes_down,
                           .network_ms = network_ms,
                           .queue_ms = tm->remote ? (double)tm->worker_queue_us / 1e3 : -1};
      /* A call the estimator could not read (netest.h) is no news of the
       * link: the estimate stays stale, and a probe round settles it. */
      if (part_netest_add(p->net, &s)) p->last_sample_ms = now;
    }
  }
  /* Under the lock, so that edge_policy_set_waker(NULL) is final. */
  if (p->wake && p->in_flight == 0 && p->request_since_round && now - p->last_sample_ms >= EDGE_STALE_MS)
    p->wake(p->wake_ctx);
  pthread_mutex_unlock(&p->lock);
}

void edge_policy_probe_result(edge_policy *p, bool ok, const part_net_sample *s) {
  pthread_mutex_lock(&p->lock);
  double now = now_ms();
  if (ok)
    edge_breaker_success(&p->breaker, now_ms_int());
  else
    edge_breaker_failure(&p->breaker, now_ms_int());
  if (s && s->network_ms > 0 && part_netest_add(p->net, s)) p->last_sample_ms = now;
  pthread_mutex_unlock(&p->lock);
}

void edge_policy_probe_pair(edge_policy *p, const part_net_sample *empty, const part_net_sample *payload) {
  pthread_mutex_lock(&p->lock);
  edge_breaker_success(&p->breaker, now_ms_int());
  if (part_netest_add_pair(p->net, empty, payload)) p->last_sample_ms = now_ms();
  pthread_mutex_unlock(&p->lock);
}

int edge_policy_probe_due(edge_policy *p, int *wait_ms, uint32_t *up_bytes) {
  pthread_mutex_lock(&p->lock);
  double now = now_ms();
  int what = 0;
  *up_bytes = 0;
  if (p->breaker.state != EDGE_BREAKER_CLOSED) {
    edge_breaker_verdict v = edge_breaker_allow(&p->breaker, now_ms_int());
    if (v == EDGE_BREAKER_PROBE) what = 1;
    int64_t left = edge_breaker_wait_ms(&p->breaker, now_ms_int());
    *wait_ms = left > 1 ? (int)(left < 60000 ? left : 60000) : 50;
  } else {
    bool active = p->last_request_ms > 0 && now - p->last_request_ms < EDGE_ACTIVE_MS;
    double stale_in = EDGE_STALE_MS - (now - p->last_sample_ms);
    bool idle = p->in_flight == 0 || now - p->last_sample_ms >= EDGE_STALE_BUSY_MS;
    if (p->request_since_round && stale_in <= 0 && idle) {
      what = 2;
      *up_bytes = part_netest_probe_bytes(p->net, PART_NET_UP);
      p->request_since_round = false;
    }
    int poll = active ? EDGE_POLL_ACTIVE_MS : EDGE_POLL_IDLE_MS;
    *wait_ms = p->request_since_round && stale_in > 0 && stale_in < poll ? (int)stale_in + 1 : poll;
  }
  pthread_mutex_unlock(&p->lock);
  return what;
}

void edge_policy_estimate(edge_policy *p, seam_edge_network *out) {
  pthread_mutex_lock(&p->lock);
  part_net_estimate e;
  part_netest_get(p->net, &e);
  double now = now_ms();
  memset(out, 0, sizeof *out);
  out->up_mbps = e.up_mbps;
  out->down_mbps = e.down_mbps;
  out->rtt_ms = e.rtt_ms;
  out->queue_ms = e.queue_ms;
  out->samples = e.samples;
  out->age_ms = e.samples ? now - e.updated_ms : -1;
  out->breaker_open = p->breaker.state != EDGE_BREAKER_CLOSED;
  out->device_scale = p->device.scale;
  pthread_mutex_unlock(&p->lock);
}

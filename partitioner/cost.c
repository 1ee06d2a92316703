/* The cost of one split, term by term (partitioner/cost.h). */
#include "partitioner/cost.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Power defaults: one LTE phone radio and one phone CPU, each a published
 * measurement; neither is this project's own.
 *
 * Radio: J. Huang, F. Qian, A. Gerber, Z. M. Mao, S. Sen, O. Spatscheck,
 * "A Close Examination of Performance and Power Characteristics of 4G LTE
 * Networks", ACM MobiSys 2012. Their LTE data-transfer power model is
 * P = alpha_u * t_u + alpha_d * t_d + beta with alpha_u = 438.39 mW/Mbps,
 * alpha_d = 51.97 mW/Mbps and beta = 1288.04 mW (t_u, t_d the uplink and
 * downlink throughput in Mbit/s), fitted on one 2012 LTE handset. seam's
 * model takes one power per state, so the model is evaluated at the median
 * LTE throughputs the same paper reports (6 Mbit/s up, 13 Mbit/s down):
 *   tx_w   = 1.28804 + 0.43839 x 6  = 3.91838 W
 *   rx_w   = 1.28804 + 0.05197 x 13 = 1.96365 W
 *   idle_w = beta = 1.28804 W, the model at zero throughput: the radio stays
 *            connected while the device waits for the worker.
 * At other rates the real power differs (the model grows with throughput).
 *
 * CPU: compute_w = 5.49 W, the load power AnandTech measured for the four
 * Cortex-A57 cores of a Samsung Galaxy S6 (Exynos 7420) at 2.1 GHz under a
 * power virus (device power minus its idle power): A. Frumusanu, "The
 * Samsung Exynos 7420 Deep Dive - Inside A Modern 14nm SoC", AnandTech,
 * 2015, https://www.anandtech.com/show/9330/exynos-7420-deep-dive/5.
 * An upper bound for a head running on every big core; a single-threaded
 * head draws less.
 *
 * The two sources are different phones of different years: the figures
 * give energy trade-offs their right order of magnitude, not a given
 * device's numbers. A deployment should measure its own and pass them. */
void part_power_default(part_power *p) {
  p->compute_w = 5.49;
  p->tx_w = 1.28804 + 0.43839 * 6.0;
  p->rx_w = 1.28804 + 0.05197 * 13.0;
  p->idle_w = 1.28804;
}

/* Per tensor, when the split is remote: whether it is sent. NULL (out of
 * memory) asks part_split_sends on each use. */
static bool sent(const part_dag *d, const bool *head, bool remote, const bool *sends, int t) {
  if (!remote) return false;
  return sends ? sends[t] : part_split_sends(d, head, t);
}

/* When t stops being live, as a head step index: INT_MAX when it stays to
 * the end of the head (sent, or a graph output), else its last head reader,
 * else the step that made it (-1 for a graph input: the start). */
static int death_of(const part_dag *d, const bool *head, bool remote, const bool *sends, int t) {
  const part_tensor *x = &d->tensors[t];
  if (x->graph_output || sent(d, head, remote, sends, t)) return INT_MAX;
  for (int r = x->n_readers - 1; r >= 0; r--)
    if (head[x->readers[r]]) return x->readers[r];
  return x->producer;
}

static bool earlier_input(const part_node *n, int k) {
  for (int j = 0; j < k; j++)
    if (n->inputs[j] == n->inputs[k]) return true;
  return false;
}

/* Scratch for one evaluation; either array may be NULL (out of memory):
 * the answers are then recomputed where needed. */
typedef struct scratch {
  bool *sends;
  int *death;
} scratch;

static int death(const part_dag *d, const bool *head, bool remote, const scratch *s, int t) {
  return s->death ? s->death[t] : death_of(d, head, remote, s->sends, t);
}

/* The peak of live tensor bytes over the head's steps in execution order.
 * Graph inputs are live from the start; a node's outputs become live when it
 * runs; a tensor dies after its last head reader unless it is sent or a graph
 * output (then it lives to the end). Known tensors count 0. */
static int64_t arena_peak(const part_dag *d, const bool *head, bool remote, const scratch *s) {
  int64_t live = 0;
  for (int t = 0; t < d->n_tensors; t++)
    if (d->tensors[t].graph_input) live += d->tensors[t].bytes;
  int64_t peak = live;
  for (int t = 0; t < d->n_tensors; t++)
    if (d->tensors[t].graph_input && death(d, head, remote, s, t) == -1) live -= d->tensors[t].bytes;
  for (int i = 0; i < d->n_nodes; i++) {
    if (!head[i]) continue;
    const part_node *n = &d->nodes[i];
    for (int k = 0; k < n->n_outputs; k++) live += d->tensors[n->outputs[k]].bytes;
    if (live > peak) peak = live;
    for (int k = 0; k < n->n_inputs; k++) {
      int t = n->inputs[k];
      if (d->tensors[t].known || earlier_input(n, k)) continue;
      if (death(d, head, remote, s, t) == i) live -= d->tensors[t].bytes;
    }
    for (int k = 0; k < n->n_outputs; k++) {
      int t = n->outputs[k];
      if (death(d, head, remote, s, t) == i) live -= d->tensors[t].bytes;
    }
  }
  return peak;
}

/* What crosses the network: counts, bytes and encode time of the sent
 * tensors, and whether a graph input is among them. */
static void sent_terms(const part_dag *d, const bool *head, const scratch *s, part_cost *c, bool *sends_input) {
  *sends_input = false;
  int64_t bytes = 0;
  for (int t = 0; t < d->n_tensors; t++) {
    if (!sent(d, head, true, s->sends, t)) continue;
    c->n_sent++;
    bytes += d->tensors[t].wire_bytes;
    c->encode_ms += d->tensors[t].encode_ms;
    if (d->tensors[t].graph_input) *sends_input = true;
  }
  c->up_bytes = d->request_overhead_bytes + bytes;
}

static const char *first_violation(const part_goal *g, const part_cost *c, bool sends_input) {
  if (g->deadline_ms > 0 && !(c->latency_ms <= g->deadline_ms)) return "deadline";
  if (g->memory_bytes > 0 && c->head_memory_bytes > g->memory_bytes) return "memory";
  if (g->privacy_raw && sends_input) return "privacy";
  if (g->min_macs_pct > 0 && !(c->head_macs_pct >= g->min_macs_pct)) return "min-macs";
  return NULL;
}

double part_link_device_scale(const part_link *link) {
  return link->device_scale > 0 && isfinite(link->device_scale) ? link->device_scale : 1;
}

void part_cost_of(const part_dag *d, const bool *head, const part_link *link, const part_power *power,
                  const part_goal *goal, part_cost *out) {
  part_cost c;
  memset(&c, 0, sizeof c);
  c.remote = part_split_is_remote(d, head);
  for (int i = 0; i < d->n_nodes; i++) {
    const part_node *n = &d->nodes[i];
    if (head[i]) {
      c.head_ms += n->device_ms;
      c.head_weight_bytes += n->weight_bytes;
      c.head_macs += n->macs;
    } else {
      c.tail_ms += n->cloud_ms;
    }
  }
  size_t nt = (size_t)d->n_tensors + 1;
  scratch s = {malloc(nt * sizeof(bool)), malloc(nt * sizeof(int))};
  if (s.sends)
    for (int t = 0; t < d->n_tensors; t++) s.sends[t] = c.remote && part_split_sends(d, head, t);
  if (s.death)
    for (int t = 0; t < d->n_tensors; t++)
      s.death[t] = d->tensors[t].known ? INT_MAX : death_of(d, head, c.remote, s.sends, t);
  bool sends_input = false;
  if (c.remote) {
    sent_terms(d, head, &s, &c, &sends_input);
    c.up_ms = (double)c.up_bytes * 8.0 / (link->up_mbps * 1e3);
    c.rtt_ms = link->rtt_ms;
    c.queue_ms = link->queue_ms;
    c.down_bytes = d->reply_bytes;
    c.down_ms = (double)c.down_bytes * 8.0 / (link->down_mbps * 1e3);
    c.decode_ms = d->reply_decode_ms;
  }
  double scale = part_link_device_scale(link);
  c.head_ms *= scale;
  c.encode_ms *= scale;
  c.decode_ms *= scale;
  c.latency_ms = c.head_ms + c.encode_ms + c.up_ms + c.rtt_ms + c.queue_ms + c.tail_ms + c.down_ms + c.decode_ms;
  c.compute_mj = power->compute_w * (c.head_ms + c.encode_ms + c.decode_ms);
  c.tx_mj = power->tx_w * c.up_ms;
  c.rx_mj = power->rx_w * c.down_ms;
  c.idle_mj = power->idle_w * (c.rtt_ms + c.queue_ms + c.tail_ms);
  c.energy_mj = c.compute_mj + c.tx_mj + c.rx_mj + c.idle_mj;
  c.head_arena_bytes = arena_peak(d, head, c.remote, &s);
  free(s.sends);
  free(s.death);
  c.head_memory_bytes = c.head_weight_bytes + c.head_arena_bytes;
  if (d->total_macs > 0) c.head_macs_pct = 100.0 * (double)c.head_macs / (double)d->total_macs;
  else c.head_macs_pct = c.remote ? 0.0 : 100.0;
  switch (goal->objective) {
  case PART_MIN_ENERGY: c.objective = c.energy_mj; break;
  case PART_MIN_WEIGHTED: c.objective = c.latency_ms + goal->energy_weight * c.energy_mj; break;
  case PART_MIN_LATENCY:
  default: c.objective = c.latency_ms; break;
  }
  c.violates = first_violation(goal, &c, sends_input);
  c.feasible = c.violates == NULL;
  *out = c;
}

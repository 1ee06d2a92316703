/* The DADS-style search: the best closed set of nodes by a minimum s-t cut
 * (partitioner/flownet.h builds the network).
 *
 * What is exact. Latency, energy and the weighted sum are additive over
 * nodes and sent tensors once the terms every remote split pays (request
 * overhead, RTT, queue, reply) are set apart, so the minimum cut is the
 * cheapest remote split over every closed set, and privacy_raw (no graph
 * input sent) is an infinite edge, so it stays exact. The all-on-device
 * split pays none of the remote terms and is judged on its own. Without
 * deadline, memory or min-macs constraints, or when the cheapest split meets
 * them, the result is the optimum.
 *
 * What is a relaxation. A deadline under the energy or weighted objective,
 * min_macs_pct and memory_bytes are not edges: each becomes a Lagrange
 * multiplier (a price on latency, a reward per MAC on the device, a price per
 * byte of a head node's weights and outputs, the arena being no sum), raised
 * through powers of ten until the cut meets that constraint, then bisected
 * (geometric) down to the smallest multiplier that still does; constraints
 * are taken in turn, twice at most. Every cut found is judged by
 * part_cost_of and the best one meeting every constraint is kept; the prefix
 * splits of part_search_prefix are judged too, so the result is never worse
 * than that search. A Lagrangian only reaches the splits on the lower convex
 * hull of (objective, constrained quantity), and the memory penalty is a
 * proxy, so a local search (partitioner/search_local.h) then moves single
 * nodes across the cut, toward feasibility and then a lower objective, from
 * the unconstrained optimum, from all on the device, from all on the worker
 * and from the best feasible split found. The constrained
 * optimum can still be missed: the result is then feasible but not optimal
 * (tests/unit/test_partition_search.c reports how often, against brute
 * force). It is always feasible when a feasible split exists and the only
 * Lagrangian constraint is a deadline (the fastest remote split is reached),
 * a min-macs share (all on the device meets it) or, without privacy_raw, a
 * memory limit (all on the worker needs the least memory). For the latency
 * objective a deadline alone needs no multiplier: the fastest remote split
 * meets it or no remote split does.
 *
 * Cost: one max-flow per multiplier tried (at most 2 x 3 x 29), the prefix
 * search (O(n) cost evaluations), and local moves capped at about
 * LOCAL_WORK / (nodes + tensors) cost evaluations. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner/flownet.h"
#include "partitioner/search.h"
#include "partitioner/search_local.h"
#include "common/error.h"

enum { C_DEADLINE, C_MEMORY, C_MACS, C_COUNT };

#define LAMBDA_EXP_MIN (-4) /* multipliers tried: 10^-4 .. 10^8 of the objective's scale */
#define LAMBDA_EXP_MAX 8
#define BISECT_STEPS 16
#define PASSES 2
#define LOCAL_WORK 5000000L /* local search: cost evaluations x (nodes + tensors) */

typedef struct search {
  const part_dag *d;
  const part_link *link;
  const part_power *power;
  const part_goal *goal;
  part_net *net;
  bool *head;      /* the last cut */
  bool *best_head; /* the best feasible split so far */
  bool *base_head; /* the unconstrained cut */
  part_cost best;
  bool have_best;
  part_net_price base;   /* the objective's price */
  double unit[C_COUNT];  /* a multiplier of 1 in each constraint's own units */
  bool active[C_COUNT];
} search;

/* Judges head and keeps it when it is feasible and strictly better. */
static void consider(search *s, const bool *head, part_cost *c) {
  part_cost_of(s->d, head, s->link, s->power, s->goal, c);
  if (!c->feasible || (s->have_best && !(c->objective < s->best.objective))) return;
  s->best = *c;
  s->have_best = true;
  memcpy(s->best_head, head, (size_t)s->d->n_nodes);
}

static bool meets(const search *s, int k, const part_cost *c) {
  switch (k) {
  case C_DEADLINE: return c->latency_ms <= s->goal->deadline_ms;
  case C_MEMORY: return c->head_memory_bytes <= s->goal->memory_bytes;
  default: return c->head_macs_pct >= s->goal->min_macs_pct;
  }
}

static bool meets_all(const search *s, const part_cost *c) {
  for (int k = 0; k < C_COUNT; k++)
    if (s->active[k] && !meets(s, k, c)) return false;
  return true;
}

/* One cut under multipliers r; false when no remote split is allowed. */
static bool cut_at(search *s, const double *r, part_cost *c) {
  part_net_price p = s->base;
  p.latency += r[C_DEADLINE] * s->unit[C_DEADLINE];
  p.memory += r[C_MEMORY] * s->unit[C_MEMORY];
  p.macs_reward += r[C_MACS] * s->unit[C_MACS];
  if (isinf(part_net_solve(s->net, s->link, s->power, &p, s->head))) return false;
  consider(s, s->head, c);
  return true;
}

/* Scales: a multiplier of 1 weighs the whole constrained quantity like the
 * objective of the two extreme splits. */
static void set_units(search *s) {
  const part_dag *d = s->d;
  bool *h = s->head;
  part_cost local, remote;
  for (int i = 0; i < d->n_nodes; i++) h[i] = true;
  part_cost_of(d, h, s->link, s->power, s->goal, &local);
  for (int i = 0; i < d->n_nodes; i++) h[i] = false;
  part_cost_of(d, h, s->link, s->power, s->goal, &remote);
  double obj = local.objective + remote.objective, lat = local.latency_ms + remote.latency_ms, mem = 0;
  for (int i = 0; i < d->n_nodes; i++) {
    mem += (double)d->nodes[i].weight_bytes;
    for (int k = 0; k < d->nodes[i].n_outputs; k++) mem += (double)d->tensors[d->nodes[i].outputs[k]].bytes;
  }
  if (!(obj > 0)) obj = 1;
  s->unit[C_DEADLINE] = lat > 0 ? obj / lat : 0;
  s->unit[C_MEMORY] = mem > 0 ? obj / mem : 0;
  s->unit[C_MACS] = d->total_macs > 0 ? obj / (double)d->total_macs : 0;
}

/* Raises r[k] until the cut meets constraint k, then bisects it down; leaves
 * r[k] at the smallest value found that meets it (or the largest tried) and
 * its cut's cost in c. Returns false when no remote split is allowed. */
static bool tune(search *s, double *r, int k, part_cost *c) {
  double lo = r[k], hi = -1;
  part_cost at_hi = *c;
  for (int e = LAMBDA_EXP_MIN; e <= LAMBDA_EXP_MAX && hi < 0; e++) {
    double v = pow(10.0, e);
    if (v <= lo) continue;
    r[k] = v;
    if (!cut_at(s, r, c)) return false;
    if (meets(s, k, c)) {
      hi = v;
      at_hi = *c;
    } else {
      lo = v;
    }
  }
  if (hi < 0) return true; /* r[k] and c: the largest multiplier tried */
  if (lo <= 0) lo = hi * 1e-3; /* the first value tried met it: search a little below */
  for (int step = 0; step < BISECT_STEPS && hi > lo * 1.01; step++) {
    r[k] = sqrt(lo * hi);
    if (!cut_at(s, r, c)) return false;
    if (meets(s, k, c)) {
      hi = r[k];
      at_hi = *c;
    } else {
      lo = r[k];
    }
  }
  r[k] = hi;
  *c = at_hi;
  return true;
}

static seam_status lagrangian(search *s, part_cost *c, seam_error *err) {
  double r[C_COUNT] = {0};
  for (int pass = 0; pass < PASSES && !meets_all(s, c); pass++)
    for (int k = 0; k < C_COUNT; k++) {
      if (!s->active[k] || s->unit[k] == 0 || meets(s, k, c)) continue;
      /* The deadline alone under the latency objective: the fastest cut is found. */
      if (k == C_DEADLINE && s->base.energy == 0 && r[C_MEMORY] == 0 && r[C_MACS] == 0) continue;
      if (!tune(s, r, k, c)) return SEAM_OK;
    }
  part_result prefix;
  seam_status st = part_search_prefix(s->d, s->link, s->power, s->goal, &prefix, err);
  if (st != SEAM_OK) return st;
  if (prefix.feasible) consider(s, prefix.head, c);
  part_result_free(&prefix);
  long budget = LOCAL_WORK / (s->d->n_nodes + s->d->n_tensors + 1);
  if (budget < 64) budget = 64;
  size_t n = (size_t)s->d->n_nodes;
  memcpy(s->head, s->base_head, n);
  if (part_local_search(s->d, s->link, s->power, s->goal, s->head, c, &budget)) consider(s, s->head, c);
  /* and from the two extremes, which meet min-macs and memory best (all on
   * the worker sends the raw input: no start under privacy_raw) */
  for (int on_device = 1; on_device >= (s->goal->privacy_raw ? 1 : 0); on_device--) {
    for (size_t i = 0; i < n; i++) s->head[i] = on_device;
    if (part_local_search(s->d, s->link, s->power, s->goal, s->head, c, &budget)) consider(s, s->head, c);
  }
  if (s->have_best) {
    memcpy(s->head, s->best_head, n);
    if (part_local_search(s->d, s->link, s->power, s->goal, s->head, c, &budget)) consider(s, s->head, c);
  }
  return SEAM_OK;
}

seam_status part_search_mincut(const part_dag *d, const part_link *link, const part_power *power,
                               const part_goal *goal, part_result *out, seam_error *err) {
  memset(out, 0, sizeof *out);
  search s = {.d = d, .link = link, .power = power, .goal = goal};
  size_t n = (size_t)d->n_nodes + 1;
  s.head = calloc(n, 1);
  s.best_head = calloc(n, 1);
  s.base_head = calloc(n, 1);
  out->head = calloc(n, 1);
  seam_status st = SEAM_OK;
  if (!s.head || !s.best_head || !s.base_head || !out->head) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  if (st == SEAM_OK) st = part_net_new(d, goal->privacy_raw, &s.net, err);
  if (st == SEAM_OK) {
    part_net_price_of(goal, &s.base);
    s.active[C_DEADLINE] = goal->deadline_ms > 0;
    s.active[C_MEMORY] = goal->memory_bytes > 0;
    s.active[C_MACS] = goal->min_macs_pct > 0;
    set_units(&s);
    part_cost c;
    /* All on the device first: a remote split must be strictly better. */
    for (int i = 0; i < d->n_nodes; i++) s.head[i] = true;
    consider(&s, s.head, &c);
    double r[C_COUNT] = {0};
    if (cut_at(&s, r, &c) && !meets_all(&s, &c)) {
      memcpy(s.base_head, s.head, (size_t)d->n_nodes);
      st = lagrangian(&s, &c, err);
    }
  }
  if (st == SEAM_OK) {
    out->feasible = s.have_best;
    if (s.have_best) {
      memcpy(out->head, s.best_head, (size_t)d->n_nodes);
      out->cost = s.best;
    } else {
      for (int i = 0; i < d->n_nodes; i++) out->head[i] = true;
      part_cost_of(d, out->head, link, power, goal, &out->cost);
    }
  } else {
    part_result_free(out);
  }
  part_net_free(s.net);
  free(s.head);
  free(s.best_head);
  free(s.base_head);
  return st;
}

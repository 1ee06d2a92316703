/* Plans: built by searching every grid cell, predicted and looked up at run
 * time (plan.h). The JSON form is in plan_json.c. */
#include "partitioner/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

static const double DEFAULT_RTT_MS[] = {0, 5, 10, 20, 40, 80, 160, 320, 640};
static const double DEFAULT_QUEUE_MS[] = {0, 5, 10, 20, 50, 100, 200, 500, 1000};
#define DEFAULT_UP_PER_DECADE 8
#define DEFAULT_UP_DECADES 4 /* 0.1 .. 1000 Mbit/s */

void part_candidate_clear(part_candidate *c) {
  free(c->cut);
  for (int i = 0; i < c->n_tensors; i++) free(c->tensors[i]);
  free(c->tensors);
}

void part_plan_free(part_plan *p) {
  if (!p) return;
  for (int i = 0; i < p->n_candidates; i++) part_candidate_clear(&p->candidates[i]);
  free(p->candidates);
  free(p->model);
  free(p->codec);
  free(p->edge_profile);
  free(p->cloud_profile);
  free(p->up_mbps);
  free(p->rtt_ms);
  free(p->queue_ms);
  free(p->best);
  memset(p, 0, sizeof *p);
}

static char *dup_or_empty(const char *s) { return strdup(s ? s : ""); }

seam_status part_plan_set_strings(part_plan *p, const char *sha256_hex, const char *model,
                                  const char *codec, int zstd_level, const char *edge_profile,
                                  const char *cloud_profile, seam_error *err) {
  if (!sha256_hex || strlen(sha256_hex) != 64)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a plan needs the model's SHA-256 (64 hex digits)");
  memcpy(p->sha256, sha256_hex, 65);
  free(p->model);
  free(p->codec);
  free(p->edge_profile);
  free(p->cloud_profile);
  p->model = dup_or_empty(model);
  p->codec = dup_or_empty(codec);
  p->edge_profile = dup_or_empty(edge_profile);
  p->cloud_profile = dup_or_empty(cloud_profile);
  p->zstd_level = zstd_level;
  if (!p->model || !p->codec || !p->edge_profile || !p->cloud_profile)
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  return SEAM_OK;
}

seam_status part_candidate_make(const part_dag *d, const bool *head, part_candidate *c,
                                  seam_error *err) {
  memset(c, 0, sizeof *c);
  part_link unit = {.up_mbps = 1, .down_mbps = 1};
  part_power none = {0};
  part_goal plain = {0};
  part_cost cost;
  part_cost_of(d, head, &unit, &none, &plain, &cost);
  c->remote = cost.remote;
  c->head_ms = cost.head_ms;
  c->encode_ms = cost.encode_ms;
  c->tail_ms = cost.tail_ms;
  c->decode_ms = cost.decode_ms;
  c->up_bytes = cost.up_bytes;
  c->down_bytes = cost.down_bytes;
  c->head_memory_bytes = cost.head_memory_bytes;
  c->head_macs = cost.head_macs;
  c->head_macs_pct = cost.head_macs_pct;
  bool any_head = false;
  for (int i = 0; i < d->n_nodes; i++) any_head |= head[i];
  size_t len = 16;
  c->tensors = calloc((size_t)d->n_tensors + 1, sizeof *c->tensors);
  if (!c->tensors) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  if (cost.remote)
    for (int t = 0; t < d->n_tensors; t++) {
      if (!part_split_sends(d, head, t)) continue;
      if (!(c->tensors[c->n_tensors] = strdup(d->tensors[t].name)))
        return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      len += strlen(d->tensors[t].name) + 1;
      c->n_tensors++;
    }
  if (!(c->cut = malloc(len))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  if (!cost.remote) {
    strcpy(c->cut, "local");
  } else if (!any_head) {
    strcpy(c->cut, "cloud");
  } else {
    c->cut[0] = '\0';
    for (int i = 0; i < c->n_tensors; i++) {
      if (i) strcat(c->cut, ",");
      strcat(c->cut, c->tensors[i]);
    }
  }
  return SEAM_OK;
}

int part_plan_find(const part_plan *p, const char *cut) {
  for (int i = 0; i < p->n_candidates; i++)
    if (strcmp(p->candidates[i].cut, cut) == 0) return i;
  return -1;
}

static double *copy_axis(const double *from, int n) {
  double *a = malloc(sizeof *a * (size_t)(n ? n : 1));
  if (a) memcpy(a, from, sizeof *a * (size_t)n);
  return a;
}

static seam_status make_axes(part_plan *p, const part_grid *g, seam_error *err) {
  if (g) {
    if (g->n_up < 1 || g->n_rtt < 1 || g->n_queue < 1)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a plan grid needs at least one point per axis");
    p->n_up = g->n_up, p->n_rtt = g->n_rtt, p->n_queue = g->n_queue;
    p->up_mbps = copy_axis(g->up_mbps, g->n_up);
    p->rtt_ms = copy_axis(g->rtt_ms, g->n_rtt);
    p->queue_ms = copy_axis(g->queue_ms, g->n_queue);
  } else {
    p->n_up = DEFAULT_UP_PER_DECADE * DEFAULT_UP_DECADES + 1;
    p->n_rtt = (int)(sizeof DEFAULT_RTT_MS / sizeof *DEFAULT_RTT_MS);
    p->n_queue = (int)(sizeof DEFAULT_QUEUE_MS / sizeof *DEFAULT_QUEUE_MS);
    p->up_mbps = malloc(sizeof(double) * (size_t)p->n_up);
    if (p->up_mbps)
      for (int i = 0; i < p->n_up; i++)
        p->up_mbps[i] = 0.1 * pow(10.0, (double)i / DEFAULT_UP_PER_DECADE);
    p->rtt_ms = copy_axis(DEFAULT_RTT_MS, p->n_rtt);
    p->queue_ms = copy_axis(DEFAULT_QUEUE_MS, p->n_queue);
  }
  if (!p->up_mbps || !p->rtt_ms || !p->queue_ms) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int i = 1; i < p->n_up; i++)
    if (!(p->up_mbps[i] > p->up_mbps[i - 1]))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the grid's uplink axis must ascend");
  for (int i = 1; i < p->n_rtt; i++)
    if (!(p->rtt_ms[i] > p->rtt_ms[i - 1]))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the grid's RTT axis must ascend");
  for (int i = 1; i < p->n_queue; i++)
    if (!(p->queue_ms[i] > p->queue_ms[i - 1]))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the grid's queue axis must ascend");
  if (!(p->up_mbps[0] > 0)) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "grid bandwidths must be > 0");
  return SEAM_OK;
}

/* The candidate index of split head, adding it when new. */
static int intern(part_plan *p, const part_dag *d, const bool *head, seam_error *err) {
  part_candidate c;
  if (part_candidate_make(d, head, &c, err) != SEAM_OK) {
    part_candidate_clear(&c);
    return -1;
  }
  int found = part_plan_find(p, c.cut);
  if (found >= 0) {
    part_candidate_clear(&c);
    return found;
  }
  part_candidate *grown = realloc(p->candidates, sizeof *grown * (size_t)(p->n_candidates + 1));
  if (!grown) {
    part_candidate_clear(&c);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  p->candidates = grown;
  p->candidates[p->n_candidates] = c;
  return p->n_candidates++;
}

seam_status part_plan_build(const part_dag *d, const part_plan_options *o, part_plan *out,
                            seam_error *err) {
  memset(out, 0, sizeof *out);
  out->search = o->search;
  out->goal = o->goal;
  out->power = o->power;
  out->link = o->link;
  out->down_over_up = o->link.up_mbps > 0 && o->link.down_mbps > 0 ? o->link.down_mbps / o->link.up_mbps : 1;
  out->dag = (part_dag *)d;
  seam_status st = make_axes(out, o->grid, err);
  size_t cells = (size_t)out->n_up * (size_t)out->n_rtt * (size_t)out->n_queue;
  if (st == SEAM_OK && !(out->best = malloc(sizeof(int) * cells)))
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  /* Always offer the all-on-device and all-on-worker cuts, so a policy can
   * run locally or send the inputs whatever the grid says. */
  bool *head = st == SEAM_OK ? malloc(sizeof(bool) * ((size_t)d->n_nodes + 1)) : NULL;
  if (st == SEAM_OK && !head) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int all = 1; st == SEAM_OK && all >= 0; all--) {
    for (int i = 0; i < d->n_nodes; i++) head[i] = all;
    if (intern(out, d, head, err) < 0) st = err ? err->status : SEAM_ERR_NO_MEMORY;
  }
  free(head);
  size_t done = 0;
  for (int u = 0; st == SEAM_OK && u < out->n_up; u++)
    for (int r = 0; st == SEAM_OK && r < out->n_rtt; r++)
      for (int q = 0; st == SEAM_OK && q < out->n_queue; q++) {
        part_link link = {.up_mbps = out->up_mbps[u],
                          .down_mbps = out->up_mbps[u] * out->down_over_up,
                          .rtt_ms = out->rtt_ms[r],
                          .queue_ms = out->queue_ms[q]};
        part_result res = {0};
        st = o->search == PART_SEARCH_PREFIX
                 ? part_search_prefix(d, &link, &o->power, &o->goal, &res, err)
                 : part_search_mincut(d, &link, &o->power, &o->goal, &res, err);
        if (st == SEAM_OK) {
          int c = intern(out, d, res.head, err);
          if (c < 0) st = err ? err->status : SEAM_ERR_NO_MEMORY;
          else out->best[((size_t)u * (size_t)out->n_rtt + (size_t)r) * (size_t)out->n_queue + (size_t)q] = c;
        }
        part_result_free(&res);
        if (o->progress) o->progress(o->progress_user, (int)++done, (int)cells);
      }
  if (st != SEAM_OK) part_plan_free(out);
  return st;
}

void part_plan_predict(const part_plan *p, int candidate, const part_link *link, part_cost *out) {
  const part_candidate *c = &p->candidates[candidate];
  const part_power *w = &p->power;
  double scale = part_link_device_scale(link);
  memset(out, 0, sizeof *out);
  out->remote = c->remote;
  out->n_sent = c->n_tensors;
  out->head_ms = c->head_ms * scale;
  out->compute_mj = w->compute_w * out->head_ms;
  out->head_memory_bytes = c->head_memory_bytes;
  out->head_macs = c->head_macs;
  out->head_macs_pct = c->head_macs_pct;
  if (c->remote) {
    out->encode_ms = c->encode_ms * scale;
    out->up_bytes = c->up_bytes;
    out->down_bytes = c->down_bytes;
    out->up_ms = (double)c->up_bytes * 8.0 / (link->up_mbps * 1e3);
    out->down_ms = (double)c->down_bytes * 8.0 / (link->down_mbps * 1e3);
    out->rtt_ms = link->rtt_ms;
    out->queue_ms = link->queue_ms;
    out->tail_ms = c->tail_ms;
    out->decode_ms = c->decode_ms * scale;
    out->compute_mj = w->compute_w * (out->head_ms + out->encode_ms + out->decode_ms);
    out->tx_mj = w->tx_w * out->up_ms;
    out->rx_mj = w->rx_w * out->down_ms;
    out->idle_mj = w->idle_w * (out->rtt_ms + out->queue_ms + out->tail_ms);
  }
  out->latency_ms = out->head_ms + out->encode_ms + out->up_ms + out->rtt_ms + out->queue_ms +
                    out->tail_ms + out->down_ms + out->decode_ms;
  out->energy_mj = out->compute_mj + out->tx_mj + out->rx_mj + out->idle_mj;
  out->objective = p->goal.objective == PART_MIN_LATENCY  ? out->latency_ms
                   : p->goal.objective == PART_MIN_ENERGY ? out->energy_mj
                                                          : out->latency_ms + p->goal.energy_weight * out->energy_mj;
  out->feasible = true;
}

/* Index of the last axis point <= x (0 when x is below them all). */
static int floor_index(const double *axis, int n, double x) {
  int i = 0;
  while (i + 1 < n && axis[i + 1] <= x) i++;
  return i;
}

/* Index of the first axis point >= x (the last when x is above them all). */
static int ceil_index(const double *axis, int n, double x) {
  int i = 0;
  while (i + 1 < n && axis[i] < x) i++;
  return i;
}

static int cell(const part_plan *p, int u, int r, int q) {
  return p->best[((size_t)u * (size_t)p->n_rtt + (size_t)r) * (size_t)p->n_queue + (size_t)q];
}

/* Predictions err by about a tenth (docs/partitioning.md): another corner's
 * cut replaces the slower corner's only when it predicts at least this much
 * better, so that noise in the profiles does not flip the choice. */
#define PART_LOOKUP_MARGIN 0.10
/* A device speed within this (log) of the profile's is the grid's. */
#define PART_LOOKUP_SCALE_TOLERANCE 0.09531017980432486 /* log(1.1) */

/* How good candidate c is at link itself: its objective, or infinity when
 * it misses the plan's deadline there. */
static double score_at(const part_plan *p, int c, const part_link *link) {
  part_cost cost;
  part_plan_predict(p, c, link, &cost);
  if (p->goal.deadline_ms > 0 && !(cost.latency_ms <= p->goal.deadline_ms)) return INFINITY;
  return cost.objective;
}

void part_plan_lookup(const part_plan *p, const part_link *link, part_decision *out) {
  memset(out, 0, sizeof *out);
  part_link at = *link;
  if (!isfinite(at.up_mbps)) at.up_mbps = p->up_mbps[p->n_up - 1];
  if (!isfinite(at.down_mbps)) at.down_mbps = at.up_mbps * p->down_over_up;
  /* The region's corners: us/rs/qs hold the grid points on each side of
   * the estimate, the slower side first. That corner is the default;
   * another corner's cut that predicts better by the margin at the
   * estimate itself is taken instead, so a coarse grid (RTT 10 → 20 ms)
   * does not hand a point near one corner the choice of the far one. */
  int us[2] = {floor_index(p->up_mbps, p->n_up, at.up_mbps), ceil_index(p->up_mbps, p->n_up, at.up_mbps)};
  int rs[2] = {ceil_index(p->rtt_ms, p->n_rtt, at.rtt_ms), floor_index(p->rtt_ms, p->n_rtt, at.rtt_ms)};
  int qs[2] = {ceil_index(p->queue_ms, p->n_queue, at.queue_ms), floor_index(p->queue_ms, p->n_queue, at.queue_ms)};
  int u = us[0], r = rs[0], q = qs[0];
  out->candidate = cell(p, u, r, q);
  double safe = score_at(p, out->candidate, &at), best = safe;
  for (int i = 0; i < 8; i++) {
    int c = cell(p, us[i & 1], rs[i >> 1 & 1], qs[i >> 2]);
    if (c == out->candidate) continue;
    double s = score_at(p, c, &at);
    if (s < best && s < safe * (1 - PART_LOOKUP_MARGIN)) {
      best = s;
      out->candidate = c;
      u = us[i & 1], r = rs[i >> 1 & 1], q = qs[i >> 2];
    }
  }
  /* The grid was made at the profile's device speed: a device measured
   * slower or faster than that may make a cut best that no corner holds. */
  bool off_grid = false;
  if (fabs(log(part_link_device_scale(&at))) > PART_LOOKUP_SCALE_TOLERANCE)
    for (int c = 0; c < p->n_candidates; c++) {
      if (c == out->candidate) continue;
      double s = score_at(p, c, &at);
      if (s < best && s < safe * (1 - PART_LOOKUP_MARGIN)) {
        best = s;
        out->candidate = c;
        off_grid = true;
      }
    }
  out->up_index = u;
  out->rtt_index = r;
  out->queue_index = q;
  if (off_grid) return; /* the grid's breakpoints are for another cut */
  for (int i = u - 1; i >= 0; i--)
    if (cell(p, i, r, q) != out->candidate) {
      out->breakpoint_below_mbps = p->up_mbps[i + 1];
      break;
    }
  for (int i = u + 1; i < p->n_up; i++)
    if (cell(p, i, r, q) != out->candidate) {
      out->breakpoint_above_mbps = p->up_mbps[i];
      break;
    }
}

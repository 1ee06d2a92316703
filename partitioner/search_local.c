/* Local search over closed splits (partitioner/search_local.h). */
#include "partitioner/search_local.h"

/* How far c is from meeting the goal's deadline, memory and min-macs
 * constraints: the sum of the relative excesses, 0 when it meets them. */
static double excess(const part_goal *g, const part_cost *c) {
  double v = 0;
  if (g->deadline_ms > 0 && c->latency_ms > g->deadline_ms) v += c->latency_ms / g->deadline_ms - 1;
  if (g->memory_bytes > 0 && c->head_memory_bytes > g->memory_bytes)
    v += (double)c->head_memory_bytes / (double)g->memory_bytes - 1;
  if (g->min_macs_pct > 0 && c->head_macs_pct < g->min_macs_pct) v += 1 - c->head_macs_pct / g->min_macs_pct;
  return v;
}

/* Feasible beats infeasible; then the smaller excess; then the lower objective. */
static bool better(const part_cost *a, double ea, const part_cost *b, double eb) {
  if (a->feasible != b->feasible) return a->feasible;
  if (!a->feasible && ea != eb) return ea < eb;
  return a->objective < b->objective;
}

/* Whether node i can cross the cut with the head staying closed. */
static bool movable(const part_dag *d, const bool *head, int i) {
  const part_node *n = &d->nodes[i];
  if (!head[i]) {
    for (int k = 0; k < n->n_inputs; k++) {
      int p = d->tensors[n->inputs[k]].producer;
      if (p >= 0 && !head[p]) return false;
    }
    return true;
  }
  for (int k = 0; k < n->n_outputs; k++) {
    const part_tensor *x = &d->tensors[n->outputs[k]];
    for (int r = 0; r < x->n_readers; r++)
      if (head[x->readers[r]]) return false;
  }
  return true;
}

static bool sends_graph_input(const part_dag *d, const bool *head) {
  if (!part_split_is_remote(d, head)) return false;
  for (int t = 0; t < d->n_tensors; t++)
    if (d->tensors[t].graph_input && part_split_sends(d, head, t)) return true;
  return false;
}

bool part_local_search(const part_dag *d, const part_link *link, const part_power *power, const part_goal *goal,
                       bool *head, part_cost *cost, long *budget) {
  part_cost cur, c, best;
  part_cost_of(d, head, link, power, goal, &cur);
  double e_cur = excess(goal, &cur);
  /* Every move is a strict improvement of (feasible, excess, objective), so
   * no split comes back; the step bound only caps the work. */
  for (int step = 0; step < 4 * d->n_nodes + 16 && *budget > 0; step++) {
    int best_i = -1;
    double e_best = 0;
    for (int i = 0; i < d->n_nodes && *budget > 0; i++) {
      if (!movable(d, head, i)) continue;
      head[i] = !head[i];
      if (!(goal->privacy_raw && sends_graph_input(d, head))) {
        part_cost_of(d, head, link, power, goal, &c);
        (*budget)--;
        double e = excess(goal, &c);
        if (best_i < 0 ? better(&c, e, &cur, e_cur) : better(&c, e, &best, e_best)) {
          best_i = i;
          best = c;
          e_best = e;
        }
      }
      head[i] = !head[i];
    }
    if (best_i < 0) break;
    head[best_i] = !head[best_i];
    cur = best;
    e_cur = e_best;
  }
  *cost = cur;
  return cur.feasible;
}

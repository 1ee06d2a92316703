/* The DADS flow network of a DAG (partitioner/flownet.h). */
#include "partitioner/flownet.h"

#include <stdlib.h>

#include "partitioner/maxflow.h"
#include "common/error.h"

struct part_net {
  const part_dag *d;
  part_flow *flow;
  int s, t;
  int *node_src, *node_sink; /* per node: edge ids s -> i and i -> t */
  int n_aux;
  int *aux_tensor, *aux_edge; /* per sendable tensor: its index, its edge into the aux vertex */
  bool *aux_locked;           /* a graph input under privacy_raw: the edge stays infinite */
  bool *side;                 /* per vertex: the last cut's source side */
};

/* A tensor that can cross: not known, and read by someone or a graph output. */
static bool sendable(const part_tensor *x) { return !x->known && (x->n_readers > 0 || x->graph_output); }

/* Adds an edge; the vertices are in range, so only memory can fail. */
static bool edge(part_net *n, int from, int to, double cap, int *id) {
  int e = part_flow_add_edge(n->flow, from, to, cap, NULL);
  if (id) *id = e;
  return e >= 0;
}

static bool build(part_net *n, bool privacy_raw) {
  const part_dag *d = n->d;
  for (int i = 0; i < d->n_nodes; i++)
    if (!edge(n, n->s, i, 0, &n->node_src[i]) || !edge(n, i, n->t, 0, &n->node_sink[i])) return false;
  for (int x = 0; x < d->n_tensors; x++) {
    const part_tensor *tx = &d->tensors[x];
    if (!sendable(tx)) continue;
    int j = n->n_aux++, a = d->n_nodes + j;
    n->aux_tensor[j] = x;
    n->aux_locked[j] = privacy_raw && tx->graph_input;
    int from = tx->producer >= 0 ? tx->producer : n->s;
    if (!edge(n, from, a, n->aux_locked[j] ? PART_FLOW_INF : 0, &n->aux_edge[j])) return false;
    for (int r = 0; r < tx->n_readers; r++) {
      if (!edge(n, a, tx->readers[r], PART_FLOW_INF, NULL)) return false;
      /* closedness: a reader on the device needs its producer there too */
      if (tx->producer >= 0 && !edge(n, tx->readers[r], tx->producer, PART_FLOW_INF, NULL)) return false;
    }
    if (tx->graph_output && !edge(n, a, n->t, PART_FLOW_INF, NULL)) return false;
  }
  return true;
}

seam_status part_net_new(const part_dag *d, bool privacy_raw, part_net **out, seam_error *err) {
  *out = NULL;
  int n_aux = 0, n_edges = 2 * d->n_nodes;
  for (int x = 0; x < d->n_tensors; x++)
    if (sendable(&d->tensors[x])) {
      n_aux++;
      n_edges += 1 + 2 * d->tensors[x].n_readers + (d->tensors[x].graph_output ? 1 : 0);
    }
  part_net *n = calloc(1, sizeof *n);
  if (!n) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  n->d = d;
  int n_vertices = d->n_nodes + n_aux + 2;
  n->s = n_vertices - 2;
  n->t = n_vertices - 1;
  size_t nn = (size_t)d->n_nodes + 1, na = (size_t)n_aux + 1;
  n->node_src = malloc(nn * sizeof(int));
  n->node_sink = malloc(nn * sizeof(int));
  n->aux_tensor = malloc(na * sizeof(int));
  n->aux_edge = malloc(na * sizeof(int));
  n->aux_locked = malloc(na * sizeof(bool));
  n->side = malloc((size_t)n_vertices * sizeof(bool));
  n->flow = part_flow_new(n_vertices, n_edges, err);
  if (!n->node_src || !n->node_sink || !n->aux_tensor || !n->aux_edge || !n->aux_locked || !n->side || !n->flow) {
    part_net_free(n);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  if (!build(n, privacy_raw)) {
    part_net_free(n);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  *out = n;
  return SEAM_OK;
}

void part_net_free(part_net *n) {
  if (!n) return;
  part_flow_free(n->flow);
  free(n->node_src);
  free(n->node_sink);
  free(n->aux_tensor);
  free(n->aux_edge);
  free(n->aux_locked);
  free(n->side);
  free(n);
}

void part_net_price_of(const part_goal *goal, part_net_price *price) {
  *price = (part_net_price){0};
  switch (goal->objective) {
  case PART_MIN_ENERGY: price->energy = 1; break;
  case PART_MIN_WEIGHTED:
    price->latency = 1;
    price->energy = goal->energy_weight;
    break;
  case PART_MIN_LATENCY:
  default: price->latency = 1; break;
  }
}

static double upload_ms(int64_t bytes, const part_link *link) { return (double)bytes * 8.0 / (link->up_mbps * 1e3); }

double part_net_constant(const part_dag *d, const part_link *link, const part_power *power,
                         const part_net_price *price) {
  double up = upload_ms(d->request_overhead_bytes, link);
  double down = (double)d->reply_bytes * 8.0 / (link->down_mbps * 1e3);
  double wait = link->rtt_ms + link->queue_ms;
  double latency = up + wait + down + d->reply_decode_ms;
  double energy = power->tx_w * up + power->rx_w * down + power->compute_w * d->reply_decode_ms + power->idle_w * wait;
  return price->latency * latency + price->energy * energy;
}

double part_net_solve(part_net *n, const part_link *link, const part_power *power, const part_net_price *price,
                      bool *head) {
  const part_dag *d = n->d;
  /* A node's two capacities may be shifted by the same amount (each cut pays
   * exactly one of them) to keep them >= 0 under a reward. */
  double shift = 0;
  for (int i = 0; i < d->n_nodes; i++) {
    const part_node *nd = &d->nodes[i];
    int64_t out_bytes = 0;
    for (int k = 0; k < nd->n_outputs; k++) out_bytes += d->tensors[nd->outputs[k]].bytes;
    double a = price->latency * nd->device_ms + price->energy * power->compute_w * nd->device_ms +
               price->memory * (double)(nd->weight_bytes + out_bytes) - price->macs_reward * (double)nd->macs;
    double b = price->latency * nd->cloud_ms + price->energy * power->idle_w * nd->cloud_ms;
    double k = fmax(0, fmax(-a, -b));
    shift += k;
    part_flow_set_cap(n->flow, n->node_sink[i], a + k);
    part_flow_set_cap(n->flow, n->node_src[i], b + k);
  }
  for (int j = 0; j < n->n_aux; j++) {
    if (n->aux_locked[j]) continue;
    const part_tensor *x = &d->tensors[n->aux_tensor[j]];
    double up = upload_ms(x->wire_bytes, link);
    double c = price->latency * (up + x->encode_ms) + price->energy * (power->tx_w * up + power->compute_w * x->encode_ms);
    part_flow_set_cap(n->flow, n->aux_edge[j], c);
  }
  double flow = part_flow_solve(n->flow, n->s, n->t);
  if (isinf(flow)) {
    for (int i = 0; i < d->n_nodes; i++) head[i] = true;
    return PART_FLOW_INF;
  }
  part_flow_source_side(n->flow, n->s, n->t, true, n->side);
  for (int i = 0; i < d->n_nodes; i++) head[i] = n->side[i];
  return flow - shift;
}

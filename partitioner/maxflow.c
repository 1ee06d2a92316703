/* Maximum flow by shortest augmenting paths with distance labels (ISAP:
 * Ahuja and Orlin's algorithm, with the gap heuristic). One breadth-first
 * search backward from t labels every vertex with its residual distance to
 * t; flow then follows arcs that step one label down, a vertex with none
 * takes one more than its lowest residual neighbour, and the search stops
 * when s's label reaches n or some label empties (a gap: nothing above it
 * reaches t any more). Paths are found iteratively, no recursion: they may be
 * as long as the graph. Arcs are kept grouped by tail (compressed rows,
 * rebuilt when edges were added) so a vertex's arcs are contiguous, and each
 * slot also keeps its reverse arc's residual, so the backward search reads
 * memory in order. */
#include "partitioner/maxflow.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

struct part_flow {
  int n;
  /* Arcs in the order added: 2k is edge k, 2k + 1 its reverse. */
  int n_arcs, cap_arcs;
  int *tail, *head;
  double *cap;
  /* The same arcs grouped by tail: row v is [row[v], row[v + 1]). */
  bool rows_stale;
  int *row;
  int *pos;      /* pos[a]: where arc a sits in the rows */
  int *to, *rev; /* per row slot: the arc's head, the slot of its reverse */
  double *res;   /* per row slot: residual capacity */
  double *rres;  /* per row slot: the residual of its reverse (res[rev[k]]) */
  int *dist, *iter, *queue, *path, *count;
  double eps;
};

part_flow *part_flow_new(int n_vertices, int edge_hint, seam_error *err) {
  if (n_vertices < 2) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a flow network needs a source and a sink");
    return NULL;
  }
  part_flow *g = calloc(1, sizeof *g);
  if (!g) goto oom;
  g->n = n_vertices;
  size_t n = (size_t)n_vertices;
  g->row = malloc((n + 1) * sizeof(int));
  g->dist = malloc(n * sizeof(int));
  g->iter = malloc(n * sizeof(int));
  g->queue = malloc(n * sizeof(int));
  g->path = malloc(n * sizeof(int));
  g->count = malloc((n + 1) * sizeof(int));
  if (!g->row || !g->dist || !g->iter || !g->queue || !g->path || !g->count) goto oom;
  g->cap_arcs = 2 * (edge_hint > 8 ? edge_hint : 8);
  size_t a = (size_t)g->cap_arcs;
  g->tail = malloc(a * sizeof(int));
  g->head = malloc(a * sizeof(int));
  g->cap = malloc(a * sizeof(double));
  g->pos = malloc(a * sizeof(int));
  g->to = malloc(a * sizeof(int));
  g->rev = malloc(a * sizeof(int));
  g->res = malloc(a * sizeof(double));
  g->rres = malloc(a * sizeof(double));
  if (!g->tail || !g->head || !g->cap || !g->pos || !g->to || !g->rev || !g->res || !g->rres) goto oom;
  g->rows_stale = true;
  return g;
oom:
  part_flow_free(g);
  seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  return NULL;
}

void part_flow_free(part_flow *g) {
  if (!g) return;
  free(g->tail);
  free(g->head);
  free(g->cap);
  free(g->row);
  free(g->pos);
  free(g->to);
  free(g->rev);
  free(g->res);
  free(g->rres);
  free(g->dist);
  free(g->iter);
  free(g->queue);
  free(g->path);
  free(g->count);
  free(g);
}

static bool grow_int(int **p, size_t n) {
  int *q = realloc(*p, n * sizeof(int));
  if (q) *p = q;
  return q != NULL;
}

static bool grow_double(double **p, size_t n) {
  double *q = realloc(*p, n * sizeof(double));
  if (q) *p = q;
  return q != NULL;
}

static bool grow_arcs(part_flow *g) {
  size_t c = (size_t)g->cap_arcs * 2;
  /* Every array is grown (no short circuit): each keeps its old contents
   * when another fails to grow. */
  int failed = !grow_int(&g->tail, c) + !grow_int(&g->head, c) + !grow_double(&g->cap, c) + !grow_int(&g->pos, c) +
               !grow_int(&g->to, c) + !grow_int(&g->rev, c) + !grow_double(&g->res, c) + !grow_double(&g->rres, c);
  if (!failed) g->cap_arcs = (int)c;
  return !failed;
}

int part_flow_add_edge(part_flow *g, int from, int to, double cap, seam_error *err) {
  if (from < 0 || from >= g->n || to < 0 || to >= g->n) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "edge %d -> %d: vertex out of range", from, to);
    return -1;
  }
  if (!(cap >= 0)) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "edge %d -> %d: capacity %g", from, to, cap);
    return -1;
  }
  if (g->n_arcs > g->cap_arcs - 2 && !grow_arcs(g)) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  int a = g->n_arcs;
  g->tail[a] = from;
  g->head[a] = to;
  g->cap[a] = cap;
  g->tail[a + 1] = to;
  g->head[a + 1] = from;
  g->cap[a + 1] = 0;
  g->n_arcs += 2;
  g->rows_stale = true;
  return a / 2;
}

void part_flow_set_cap(part_flow *g, int id, double cap) { g->cap[2 * id] = cap; }

int part_flow_n_edges(const part_flow *g) { return g->n_arcs / 2; }

/* Counting sort of the arcs by tail. */
static void build_rows(part_flow *g) {
  for (int v = 0; v <= g->n; v++) g->row[v] = 0;
  for (int a = 0; a < g->n_arcs; a++) g->row[g->tail[a] + 1]++;
  for (int v = 0; v < g->n; v++) g->row[v + 1] += g->row[v];
  for (int v = 0; v < g->n; v++) g->iter[v] = g->row[v];
  for (int a = 0; a < g->n_arcs; a++) g->pos[a] = g->iter[g->tail[a]]++;
  for (int a = 0; a < g->n_arcs; a++) {
    g->to[g->pos[a]] = g->head[a];
    g->rev[g->pos[a]] = g->pos[a ^ 1];
  }
  g->rows_stale = false;
}

/* Whether s reaches t over arcs of infinite capacity (before any flow):
 * backward from t, stopped once s is found. */
static bool infinite_path(part_flow *g, int s, int t) {
  for (int v = 0; v < g->n; v++) g->dist[v] = -1;
  int qh = 0, qt = 0;
  g->dist[t] = 0;
  g->queue[qt++] = t;
  while (qh < qt && g->dist[s] < 0) {
    int u = g->queue[qh++];
    for (int k = g->row[u]; k < g->row[u + 1]; k++) {
      int w = g->to[k];
      double room = g->rres[k]; /* the arc w -> u */
      if (g->dist[w] >= 0 || !isinf(room)) continue;
      g->dist[w] = g->dist[u] + 1;
      g->queue[qt++] = w;
    }
  }
  return g->dist[s] >= 0;
}

/* Exact residual distances to t for every vertex (n: cannot reach t). */
static void label_all(part_flow *g, int t) {
  for (int v = 0; v < g->n; v++) g->dist[v] = g->n;
  int qh = 0, qt = 0;
  g->dist[t] = 0;
  g->queue[qt++] = t;
  while (qh < qt) {
    int u = g->queue[qh++];
    for (int k = g->row[u]; k < g->row[u + 1]; k++) {
      int w = g->to[k];
      if (g->dist[w] < g->n || !(g->rres[k] > g->eps)) continue;
      g->dist[w] = g->dist[u] + 1;
      g->queue[qt++] = w;
    }
  }
}

static double isap(part_flow *g, int s, int t) {
  int n = g->n;
  label_all(g, t);
  for (int d = 0; d <= n; d++) g->count[d] = 0;
  for (int v = 0; v < n; v++) {
    g->count[g->dist[v]]++;
    g->iter[v] = g->row[v];
  }
  double total = 0;
  int top = 0, v = s;
  while (g->dist[s] < n) {
    if (v == t) {
      double f = g->res[g->path[0]];
      for (int k = 1; k < top; k++)
        if (g->res[g->path[k]] < f) f = g->res[g->path[k]];
      for (int k = 0; k < top; k++) {
        int a = g->path[k], r = g->rev[a];
        g->res[a] -= f;
        g->rres[r] -= f;
        g->res[r] += f;
        g->rres[a] += f;
      }
      total += f;
      int k = 0;
      while (k < top && g->res[g->path[k]] > g->eps) k++;
      top = k;
      v = top ? g->to[g->path[top - 1]] : s;
      continue;
    }
    int k = g->iter[v], end = g->row[v + 1], want = g->dist[v] - 1;
    while (k < end && !(g->dist[g->to[k]] == want && g->res[k] > g->eps)) k++;
    g->iter[v] = k;
    if (k < end) {
      g->path[top++] = k;
      v = g->to[k];
      continue;
    }
    /* relabel v: one more than its nearest residual neighbour */
    int d = n;
    for (int j = g->row[v]; j < end; j++)
      if (g->res[j] > g->eps && g->dist[g->to[j]] + 1 < d) d = g->dist[g->to[j]] + 1;
    if (--g->count[g->dist[v]] == 0) break; /* a gap: nothing reaches t any more */
    g->dist[v] = d;
    g->count[d]++;
    g->iter[v] = g->row[v];
    if (v != s) {
      top--;
      v = top ? g->to[g->path[top - 1]] : s;
    }
  }
  return total;
}

double part_flow_solve(part_flow *g, int s, int t) {
  if (g->rows_stale) build_rows(g);
  double largest = 0;
  for (int a = 0; a < g->n_arcs; a++) {
    g->res[g->pos[a]] = g->cap[a];
    g->rres[g->pos[a ^ 1]] = g->cap[a];
    if (!isinf(g->cap[a]) && g->cap[a] > largest) largest = g->cap[a];
  }
  g->eps = 1e-12 * largest;
  if (s == t || infinite_path(g, s, t)) return PART_FLOW_INF;
  return isap(g, s, t);
}

void part_flow_source_side(part_flow *g, int s, int t, bool largest, bool *side) {
  /* dist and queue are scratch here; the flow is untouched. */
  int qh = 0, qt = 0;
  for (int v = 0; v < g->n; v++) g->dist[v] = -1;
  int root = largest ? t : s;
  g->dist[root] = 0;
  g->queue[qt++] = root;
  while (qh < qt) {
    int v = g->queue[qh++];
    for (int k = g->row[v]; k < g->row[v + 1]; k++) {
      int u = g->to[k];
      /* smallest: s reaches u over v -> u; largest: u reaches t over u -> v */
      double room = largest ? g->res[g->rev[k]] : g->res[k];
      if (g->dist[u] < 0 && room > g->eps) {
        g->dist[u] = 0;
        g->queue[qt++] = u;
      }
    }
  }
  for (int v = 0; v < g->n; v++) side[v] = largest ? g->dist[v] < 0 : g->dist[v] >= 0;
}

/* Maximum flow and minimum s-t cut on a directed graph with double
 * capacities (shortest augmenting paths with distance labels: ISAP, see
 * maxflow.c). Capacities are >= 0; PART_FLOW_INF marks an edge no finite cut
 * may cross.
 *
 * Lifecycle: create with the vertex count, add the edges once, then as many
 * times as needed: set capacities, solve, read the cut. Solving allocates
 * nothing. Floating point: a residual at most eps (a 1e-12 fraction of the
 * largest finite capacity) counts as saturated, so the cut returned has a
 * capacity within (edges x eps) of the flow found. */
#ifndef SEAM_PARTITIONER_MAXFLOW_H
#define SEAM_PARTITIONER_MAXFLOW_H

#include <math.h>
#include <stdbool.h>

#include "seam/status.h"

#define PART_FLOW_INF INFINITY

typedef struct part_flow part_flow;

/* A graph of n_vertices (0..n-1) and no edges; edge_hint sizes the edge
 * arrays (they grow as needed). NULL with err filled when out of memory. */
part_flow *part_flow_new(int n_vertices, int edge_hint, seam_error *err);
void part_flow_free(part_flow *g);

/* Adds the edge from -> to with capacity cap; returns its id (0, 1, 2 ...
 * in the order added) or -1 with err filled (out of memory, a vertex out
 * of range, a negative or NaN capacity). */
int part_flow_add_edge(part_flow *g, int from, int to, double cap, seam_error *err);
/* Changes the capacity of edge id (takes effect at the next solve). */
void part_flow_set_cap(part_flow *g, int id, double cap);
int part_flow_n_edges(const part_flow *g);

/* The maximum flow from s to t, from zero flow; PART_FLOW_INF when a path of
 * infinite edges joins them (every cut is infinite). */
double part_flow_solve(part_flow *g, int s, int t);

/* After a finite solve: side[v] = true for the source side of a minimum
 * cut. The smallest source side (what s still reaches in the residual
 * graph) or, with largest, the largest (every vertex that cannot reach t). */
void part_flow_source_side(part_flow *g, int s, int t, bool largest, bool *side);

#endif

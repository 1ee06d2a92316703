/* A route: one way of running a session's inference — everything on the
 * device ("local"), everything on the worker ("cloud", the graph inputs are
 * sent) or split at a set of cut tensors — checked against the loaded model
 * and prepared once (what the head computes and holds for each cut tensor,
 * how each is encoded: edge/cut_wire.h). A fixed-cut session has one route;
 * an "auto" session one per candidate of its plan. Internal. */
#ifndef SEAM_EDGE_ROUTE_H
#define SEAM_EDGE_ROUTE_H

#include <stddef.h>

#include "edge/cut_wire.h"
#include "protocol/codec.h"
#include "runtime/graph.h"

typedef enum edge_cut_kind { EDGE_CUT_LOCAL, EDGE_CUT_CLOUD, EDGE_CUT_SPLIT } edge_cut_kind;

typedef struct edge_route {
  edge_cut_kind kind;
  char *cut;           /* "local", "cloud" or the tensor names joined by ',' */
  size_t n_cut;
  char **names;        /* EDGE_CUT_SPLIT: the cut tensors */
  seam_cut_wire *wire; /* EDGE_CUT_SPLIT: per cut tensor */
  char **head_names;   /* EDGE_CUT_SPLIT: wire[i].head_name, as one array */
} edge_route;

/* Parses and checks cut ("local", "cloud" or tensor names; not "auto")
 * against g: every name a tensor of the loaded graph that is not a
 * constant, and together enough to compute the graph outputs. On failure
 * the route holds nothing to free. */
seam_status edge_route_prepare(edge_route *r, const seam_graph *g, const char *cut,
                               const seam_codec_options *codec, seam_error *err);
void edge_route_clear(edge_route *r);

#endif

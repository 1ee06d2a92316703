/* Routes (route.h). */
#include "edge/route.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner/split.h"
#include "common/error.h"
#include "runtime/executor.h"

void edge_route_clear(edge_route *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n_cut; i++) {
    free(r->names[i]);
    if (r->wire) free(r->wire[i].head_name);
  }
  free(r->names);
  free(r->wire);
  free(r->head_names);
  free(r->cut);
  memset(r, 0, sizeof *r);
}

/* A name of the cut that is not a computed tensor of g: why, in err. */
static seam_status not_a_tensor(const seam_graph *g, const char *name, seam_error *err) {
  int v = seam_graph_find_value(g, name);
  if (v >= 0)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "cut tensor '%s' is a constant of the model, not a cut", name);
  const seam_removed_value *r = seam_graph_find_removed(g, name);
  if (r) {
    char why[SEAM_ERROR_MESSAGE_SIZE];
    seam_graph_explain_removed(g, r, why, sizeof why);
    return seam_fail(err, SEAM_ERR_NOT_FOUND, "cut tensor '%s' does not exist in the loaded model: %s", name, why);
  }
  return seam_fail(err, SEAM_ERR_NOT_FOUND,
                   "cut tensor '%s' is not a tensor of the model (list the candidates with `seam cuts`)", name);
}

/* The cut must be enough to compute every graph output. */
static seam_status check_enough(const seam_graph *g, const edge_route *r, const char *cut, seam_error *err) {
  bool *available = calloc((size_t)g->n_values + 1, sizeof *available);
  bool *needed = calloc((size_t)g->n_nodes + 1, sizeof *needed);
  seam_status st = SEAM_ERR_NO_MEMORY;
  if (available && needed) {
    for (int v = 0; v < g->n_values; v++) available[v] = g->values[v].constant != NULL;
    for (size_t k = 0; k < r->n_cut; k++) available[seam_graph_find_value(g, r->names[k])] = true;
    seam_error e = {0};
    st = seam_graph_mark_needed(g, available, g->n_outputs, g->outputs, needed, &e);
    if (st != SEAM_OK && st != SEAM_ERR_NO_MEMORY)
      st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut '%.200s' is not enough to compute the model's outputs: %s",
                     cut, e.message);
    else if (st != SEAM_OK)
      seam_fail(err, st, "out of memory");
  } else {
    seam_fail(err, st, "out of memory");
  }
  free(available);
  free(needed);
  return st;
}

static seam_status prepare_split(edge_route *r, const seam_graph *g, const part_cut *c, const char *cut,
                                 const seam_codec_options *codec, seam_error *err) {
  r->n_cut = 0;
  r->names = calloc((size_t)c->n, sizeof *r->names);
  r->wire = calloc((size_t)c->n, sizeof *r->wire);
  r->head_names = calloc((size_t)c->n, sizeof *r->head_names);
  if (!r->names || !r->wire || !r->head_names) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; i < c->n; i++) {
    int v = seam_graph_find_value(g, c->names[i]);
    if (v < 0 || g->values[v].constant) return not_a_tensor(g, c->names[i], err);
    if (!(r->names[r->n_cut] = strdup(c->names[i]))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    seam_status st = seam_cut_wire_plan(g, c->names[i], codec, &r->wire[r->n_cut], err);
    r->n_cut++;
    if (st != SEAM_OK) return st;
    r->head_names[i] = r->wire[i].head_name;
  }
  return check_enough(g, r, cut, err);
}

seam_status edge_route_prepare(edge_route *r, const seam_graph *g, const char *cut,
                               const seam_codec_options *codec, seam_error *err) {
  memset(r, 0, sizeof *r);
  part_cut c;
  seam_status st = part_cut_parse(cut, &c, err);
  if (st != SEAM_OK) return st;
  if (c.kind == PART_CUT_AUTO) {
    part_cut_free(&c);
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a route is a fixed cut, not \"auto\"");
  }
  r->kind = c.kind == PART_CUT_LOCAL ? EDGE_CUT_LOCAL : c.kind == PART_CUT_CLOUD ? EDGE_CUT_CLOUD : EDGE_CUT_SPLIT;
  r->cut = strdup(c.kind == PART_CUT_LOCAL ? "local" : c.kind == PART_CUT_CLOUD ? "cloud" : cut);
  if (!r->cut) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  else if (r->kind == EDGE_CUT_SPLIT) st = prepare_split(r, g, &c, cut, codec, err);
  part_cut_free(&c);
  if (st != SEAM_OK) edge_route_clear(r);
  return st;
}

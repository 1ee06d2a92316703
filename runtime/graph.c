#include "runtime/graph.h"

#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

int seam_graph_find_value(const seam_graph *g, const char *name) {
  for (int i = 0; i < g->n_values; i++)
    if (strcmp(g->values[i].name, name) == 0) return i;
  return -1;
}

static void free_attr(seam_attr *a) {
  free(a->name);
  free(a->s);
  free(a->floats);
  free(a->ints);
  for (int i = 0; a->strings && i < a->n; i++) free(a->strings[i]);
  free(a->strings);
  seam_tensor_free(a->tensor);
}

void seam_node_clear(seam_node *n) {
  free(n->name);
  free(n->op_type);
  free(n->inputs);
  free(n->outputs);
  for (int a = 0; a < n->n_attrs; a++) free_attr(&n->attrs[a]);
  free(n->attrs);
  memset(n, 0, sizeof *n);
}

void seam_graph_free(seam_graph *g) {
  if (!g) return;
  for (int i = 0; i < g->n_values; i++) {
    free(g->values[i].name);
    for (int d = 0; d < SEAM_MAX_RANK; d++) free(g->values[i].dim_names[d]);
    seam_tensor_free(g->values[i].constant);
  }
  for (int i = 0; i < g->n_nodes; i++) seam_node_clear(&g->nodes[i]);
  for (int i = 0; i < g->n_removed; i++) {
    free(g->removed[i].name);
    free(g->removed[i].same_as);
    free(g->removed[i].instead);
    free(g->removed[i].reason);
  }
  free(g->removed);
  free(g->values);
  free(g->nodes);
  free(g->inputs);
  free(g->outputs);
  free(g);
}

const seam_attr *seam_node_attr(const seam_node *node, const char *name) {
  for (int i = 0; i < node->n_attrs; i++)
    if (strcmp(node->attrs[i].name, name) == 0) return &node->attrs[i];
  return NULL;
}

int64_t seam_attr_int(const seam_node *node, const char *name, int64_t dflt) {
  const seam_attr *a = seam_node_attr(node, name);
  return a && a->type == SEAM_ATTR_INT ? a->i : dflt;
}

float seam_attr_float(const seam_node *node, const char *name, float dflt) {
  const seam_attr *a = seam_node_attr(node, name);
  if (!a) return dflt;
  if (a->type == SEAM_ATTR_FLOAT) return a->f;
  if (a->type == SEAM_ATTR_INT) return (float)a->i;
  return dflt;
}

const char *seam_attr_string(const seam_node *node, const char *name, const char *dflt) {
  const seam_attr *a = seam_node_attr(node, name);
  return a && a->type == SEAM_ATTR_STRING ? a->s : dflt;
}

const int64_t *seam_attr_ints(const seam_node *node, const char *name, int *n) {
  const seam_attr *a = seam_node_attr(node, name);
  if (!a || a->type != SEAM_ATTR_INTS) {
    *n = 0;
    return NULL;
  }
  *n = a->n;
  return a->ints;
}

const float *seam_attr_floats(const seam_node *node, const char *name, int *n) {
  const seam_attr *a = seam_node_attr(node, name);
  if (!a || a->type != SEAM_ATTR_FLOATS) {
    *n = 0;
    return NULL;
  }
  *n = a->n;
  return a->floats;
}

const seam_removed_value *seam_graph_find_removed(const seam_graph *g, const char *name) {
  for (int i = 0; i < g->n_removed; i++)
    if (strcmp(g->removed[i].name, name) == 0) return &g->removed[i];
  return NULL;
}

const char *seam_graph_removed_instead(const seam_graph *g, const seam_removed_value *r, bool *same_value) {
  bool same = true;
  /* Each hop goes to a name a later pass wrote, so chains are short; the
   * bound only guards against a cycle. */
  for (int hops = 0; r && hops < 64; hops++) {
    const char *next = r->same_as;
    if (!next) {
      next = r->instead;
      same = false;
    }
    if (!next) break;
    if (seam_graph_find_value(g, next) >= 0) {
      if (same_value) *same_value = same;
      return next;
    }
    r = seam_graph_find_removed(g, next);
  }
  if (same_value) *same_value = false;
  return NULL;
}

void seam_graph_explain_removed(const seam_graph *g, const seam_removed_value *r, char *buf, size_t size) {
  bool same = false;
  const char *other = seam_graph_removed_instead(g, r, &same);
  if (other && same)
    snprintf(buf, size, "graph optimization removed it (%s); name '%s' instead, which holds the same values",
             r->reason, other);
  else if (other)
    snprintf(buf, size,
             "graph optimization removed it (%s); cut at '%s' instead, or keep it at load "
             "(seam_model_options.keep_tensors, or optimize = 0)",
             r->reason, other);
  else
    snprintf(buf, size,
             "graph optimization removed it (%s) and no tensor holds it now; keep it at load "
             "(seam_model_options.keep_tensors, or optimize = 0)",
             r->reason);
}

void seam_activation_apply(const seam_activation *act, seam_tensor *t) {
  if (act->kind == SEAM_ACT_CLAMP && (t->dtype == SEAM_DTYPE_INT8 || t->dtype == SEAM_DTYPE_UINT8)) {
    bool u8 = t->dtype == SEAM_DTYPE_UINT8;
    float tlo = u8 ? 0.0f : -128.0f, thi = u8 ? 255.0f : 127.0f;
    int lo = (int)(act->min > tlo ? act->min : tlo), hi = (int)(act->max < thi ? act->max : thi);
    for (int64_t i = 0; i < t->count; i++) {
      int v = u8 ? ((uint8_t *)t->data)[i] : ((int8_t *)t->data)[i];
      v = v < lo ? lo : v > hi ? hi : v;
      if (u8) ((uint8_t *)t->data)[i] = (uint8_t)v;
      else ((int8_t *)t->data)[i] = (int8_t)v;
    }
    return;
  }
  if (act->kind == SEAM_ACT_NONE || t->dtype != SEAM_DTYPE_FLOAT32) return;
  float *x = t->data;
  int64_t n = t->count;
  switch (act->kind) {
  case SEAM_ACT_CLAMP:
    for (int64_t i = 0; i < n; i++) x[i] = x[i] < act->min ? act->min : x[i] > act->max ? act->max : x[i];
    break;
  case SEAM_ACT_HARDSWISH:
    for (int64_t i = 0; i < n; i++) {
      float g = x[i] / 6.0f + 0.5f;
      x[i] *= g < 0.0f ? 0.0f : g > 1.0f ? 1.0f : g;
    }
    break;
  case SEAM_ACT_SIGMOID:
    for (int64_t i = 0; i < n; i++) x[i] = 1.0f / (1.0f + expf(-x[i]));
    break;
  case SEAM_ACT_NONE: break;
  }
}

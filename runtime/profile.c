/* The profile handle of include/seam/profile.h: a list of node records that
 * own copies of their strings, built by seam_profile_run (profiler.c) or by
 * a caller rebuilding a profile made elsewhere. */
#include "seam/profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

/* One node; every string and both name arrays live in one allocation at
 * block. */
typedef struct profile_node {
  seam_node_profile view; /* pointers into block */
  void *block;
} profile_node;

struct seam_profile {
  int threads, runs, warmup;
  char kernels[16];
  double total_ms;
  profile_node *nodes;
  size_t n, cap;
};

SEAM_API void seam_profile_options_default(seam_profile_options *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->runs = 10;
  o->warmup = 2;
}

SEAM_API seam_profile *seam_profile_create(const seam_profile_info *info, seam_error *err) {
  if (!info) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_profile_create: info is NULL");
    return NULL;
  }
  seam_profile *p = calloc(1, sizeof *p);
  if (!p) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  p->threads = info->threads;
  p->runs = info->runs;
  p->warmup = info->warmup;
  snprintf(p->kernels, sizeof p->kernels, "%s", info->kernels ? info->kernels : "");
  p->total_ms = info->total_ms;
  return p;
}

static const char *or_empty(const char *s) { return s ? s : ""; }

/* Bytes a string array of n entries needs in a node's block. */
static size_t names_size(size_t n, const char *const *names) {
  size_t size = n * sizeof(char *);
  for (size_t i = 0; i < n; i++) size += strlen(or_empty(names[i])) + 1;
  return size;
}

/* Copies s to *at and returns the copy; *at moves past it. */
static const char *put_string(char **at, const char *s) {
  size_t len = strlen(or_empty(s)) + 1;
  memcpy(*at, or_empty(s), len);
  const char *copy = *at;
  *at += len;
  return copy;
}

SEAM_API seam_status seam_profile_add_node(seam_profile *p, const seam_node_profile *node, seam_error *err) {
  if (!p || !node || (node->n_outputs && !node->outputs) || (node->n_inputs && !node->inputs))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_profile_add_node: NULL profile, node or names");
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 64;
    profile_node *nodes = realloc(p->nodes, cap * sizeof *nodes);
    if (!nodes) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    p->nodes = nodes;
    p->cap = cap;
  }
  /* The two name arrays first (pointer-aligned), then every string. */
  size_t size = names_size(node->n_outputs, node->outputs) + names_size(node->n_inputs, node->inputs) +
                strlen(or_empty(node->name)) + strlen(or_empty(node->op)) +
                strlen(or_empty(node->fused_activation)) + 3;
  const char **arrays = malloc(size);
  if (!arrays) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  const char **outputs = arrays, **inputs = arrays + node->n_outputs;
  char *at = (char *)(inputs + node->n_inputs);
  profile_node *n = &p->nodes[p->n++];
  n->block = arrays;
  n->view = *node;
  n->view.name = put_string(&at, node->name);
  n->view.op = put_string(&at, node->op);
  n->view.fused_activation = put_string(&at, node->fused_activation);
  for (size_t i = 0; i < node->n_outputs; i++) outputs[i] = put_string(&at, node->outputs[i]);
  for (size_t i = 0; i < node->n_inputs; i++) inputs[i] = put_string(&at, node->inputs[i]);
  n->view.outputs = outputs;
  n->view.inputs = inputs;
  return SEAM_OK;
}

SEAM_API void seam_profile_get_info(const seam_profile *p, seam_profile_info *info) {
  if (!p || !info) return;
  memset(info, 0, sizeof *info);
  info->threads = p->threads;
  info->runs = p->runs;
  info->warmup = p->warmup;
  info->kernels = p->kernels;
  info->total_ms = p->total_ms;
  info->n_nodes = p->n;
  for (size_t i = 0; i < p->n; i++) info->nodes_total_ms += p->nodes[i].view.median_ms;
}

SEAM_API seam_status seam_profile_node(const seam_profile *p, size_t i, seam_node_profile *node) {
  if (!p || !node || i >= p->n) return SEAM_ERR_INVALID_ARGUMENT;
  *node = p->nodes[i].view;
  return SEAM_OK;
}

SEAM_API void seam_profile_free(seam_profile *p) {
  if (!p) return;
  for (size_t i = 0; i < p->n; i++) free(p->nodes[i].block);
  free(p->nodes);
  free(p);
}

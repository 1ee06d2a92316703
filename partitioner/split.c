/* Cut strings and their splits (split.h). */
#include "partitioner/split.h"

#include <stdlib.h>
#include <string.h>

#include "common/error.h"

void part_cut_free(part_cut *c) {
  if (!c) return;
  for (int i = 0; i < c->n; i++) free(c->names[i]);
  free(c->names);
  memset(c, 0, sizeof *c);
}

seam_status part_cut_parse(const char *text, part_cut *out, seam_error *err) {
  memset(out, 0, sizeof *out);
  if (!text || !*text || strcmp(text, "local") == 0) return SEAM_OK;
  if (strcmp(text, "cloud") == 0) {
    out->kind = PART_CUT_CLOUD;
    return SEAM_OK;
  }
  if (strcmp(text, "auto") == 0) {
    out->kind = PART_CUT_AUTO;
    return SEAM_OK;
  }
  out->kind = PART_CUT_TENSORS;
  size_t n = 1;
  for (const char *p = text; *p; p++) n += *p == ',';
  if (n > PART_CUT_MAX_TENSORS)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut names %zu tensors; at most %d", n,
                     PART_CUT_MAX_TENSORS);
  if (!(out->names = calloc(n, sizeof *out->names))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (const char *p = text;;) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len == 0) {
      part_cut_free(out);
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the cut '%.200s' has an empty tensor name", text);
    }
    char *name = strndup(p, len);
    if (!name) {
      part_cut_free(out);
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    }
    for (int k = 0; k < out->n; k++)
      if (strcmp(out->names[k], name) == 0) {
        seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "cut tensor '%.200s' is named twice", name);
        free(name);
        part_cut_free(out);
        return SEAM_ERR_INVALID_ARGUMENT;
      }
    out->names[out->n++] = name;
    if (!end) break;
    p = end + 1;
  }
  out->kind = PART_CUT_TENSORS;
  return SEAM_OK;
}

seam_status part_cut_head(const part_dag *d, const part_cut *c, bool *head, seam_error *err) {
  bool all = c->kind == PART_CUT_LOCAL;
  for (int i = 0; i < d->n_nodes; i++) head[i] = all;
  if (c->kind != PART_CUT_TENSORS) return SEAM_OK;
  bool *given = calloc((size_t)d->n_tensors + 1, sizeof *given);
  if (!given) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int k = 0; k < c->n; k++) {
    int t = part_dag_find_tensor(d, c->names[k]);
    if (t < 0) {
      free(given);
      return seam_fail(err, SEAM_ERR_NOT_FOUND, "cut tensor '%.200s' is not a tensor of the model", c->names[k]);
    }
    given[t] = true;
    if (d->tensors[t].producer >= 0) head[d->tensors[t].producer] = true;
  }
  /* Ancestors: walking back in execution order reaches every producer of a
   * head node's inputs after the node itself. */
  for (int i = d->n_nodes - 1; i >= 0; i--) {
    if (!head[i]) continue;
    for (int k = 0; k < d->nodes[i].n_inputs; k++) {
      int p = d->tensors[d->nodes[i].inputs[k]].producer;
      if (p >= 0) head[p] = true;
    }
  }
  /* Enough for the worker: every tail node's inputs are given, or computed
   * by the tail, and every graph output is given or computed by the tail. */
  seam_status st = SEAM_OK;
  for (int t = 0; t < d->n_tensors && st == SEAM_OK; t++) {
    const part_tensor *pt = &d->tensors[t];
    if (given[t] || pt->known) continue;
    bool on_device = pt->graph_input || (pt->producer >= 0 && head[pt->producer]);
    if (!on_device) continue;
    bool needed = pt->graph_output;
    for (int r = 0; r < pt->n_readers && !needed; r++) needed = !head[pt->readers[r]];
    if (needed)
      st = seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "the cut is not enough to compute the model's outputs: the worker would also need '%.200s'",
                     pt->name);
  }
  free(given);
  return st;
}

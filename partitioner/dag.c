/* The partitioner's DAG: building it, checking it, and the questions a split
 * asks of it (closed? remote? which tensors does it send?). */
#include "partitioner/dag.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/name_map.h"

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

/* Grows an array of `size`-byte items to hold at least need; false when out of memory. */
static bool reserve(void **items, int *cap, int need, size_t size) {
  if (need <= *cap) return true;
  int c = *cap ? *cap : 16;
  while (c < need) c *= 2;
  void *p = realloc(*items, (size_t)c * size);
  if (!p) return false;
  *items = p;
  *cap = c;
  return true;
}

static seam_name_map *index_of(struct seam_name_map **slot) {
  if (!*slot) *slot = calloc(1, sizeof **slot);
  return *slot;
}

int part_dag_add_tensor(part_dag *d, const char *name, seam_error *err) {
  if (!name || !*name) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a tensor needs a name");
    return -1;
  }
  seam_name_map *names = index_of(&d->tensor_names);
  if (!names) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  if (seam_name_map_get(names, name) >= 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor name '%s' used twice", name);
    return -1;
  }
  char *copy = dup_str(name);
  if (!copy || !reserve((void **)&d->tensors, &d->cap_tensors, d->n_tensors + 1, sizeof *d->tensors) ||
      !seam_name_map_put(names, copy, d->n_tensors)) {
    free(copy);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  part_tensor *t = &d->tensors[d->n_tensors];
  memset(t, 0, sizeof *t);
  t->name = copy;
  t->producer = -1;
  return d->n_tensors++;
}

/* A name for an unnamed node i that no node holds yet. */
static char *generated_name(seam_name_map *names, const char *op, int i) {
  char buf[256]; /* room for a 200-character op, so no two suffixes truncate alike */
  snprintf(buf, sizeof buf, "%.200s#%d", op, i);
  /* At most n_nodes names are taken, so some suffix k <= n_nodes is free. */
  for (int k = 1; seam_name_map_get(names, buf) >= 0; k++) snprintf(buf, sizeof buf, "%.200s#%d.%d", op, i, k);
  return dup_str(buf);
}

/* Points the existing key (the very string) at value. seam_name_map_put
 * could need to grow the table first and fail; a scan cannot. A name moves
 * only when a node brings a name the builder had generated: rare. */
static void repoint(seam_name_map *m, const char *key, int value) {
  for (size_t j = 0; j < m->cap; j++)
    if (m->keys[j] == key) {
      m->values[j] = value;
      return;
    }
}

static int *copy_ints(const int *v, int n, bool *ok) {
  *ok = true;
  if (n <= 0) return NULL;
  int *c = malloc(sizeof(int) * (size_t)n);
  if (!c) *ok = false;
  else memcpy(c, v, sizeof(int) * (size_t)n);
  return c;
}

static bool check_node_args(const part_dag *d, const char *op, int n_inputs, const int *inputs, int n_outputs,
                            const int *outputs, seam_error *err) {
  if (!op || n_inputs < 0 || n_outputs < 0 || (n_inputs && !inputs) || (n_outputs && !outputs)) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a node needs an op and its input and output lists");
    return false;
  }
  for (int k = 0; k < n_inputs; k++)
    if (inputs[k] < 0 || inputs[k] >= d->n_tensors) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "node input %d: tensor index %d out of range", k, inputs[k]);
      return false;
    }
  for (int k = 0; k < n_outputs; k++) {
    int t = outputs[k];
    if (t < 0 || t >= d->n_tensors) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "node output %d: tensor index %d out of range", k, t);
      return false;
    }
    if (d->tensors[t].producer >= 0) {
      seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' already has a producer ('%s')", d->tensors[t].name,
                d->nodes[d->tensors[t].producer].name);
      return false;
    }
    for (int j = 0; j < k; j++)
      if (outputs[j] == t) {
        seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' is a node's output twice", d->tensors[t].name);
        return false;
      }
  }
  return true;
}

int part_dag_add_node(part_dag *d, const char *name, const char *op, int n_inputs, const int *inputs, int n_outputs,
                      const int *outputs, seam_error *err) {
  if (!check_node_args(d, op, n_inputs, inputs, n_outputs, outputs, err)) return -1;
  seam_name_map *names = index_of(&d->node_names);
  if (!names || !reserve((void **)&d->nodes, &d->cap_nodes, d->n_nodes + 1, sizeof *d->nodes)) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  int i = d->n_nodes;
  bool named = name && *name;
  int holder = named ? seam_name_map_get(names, name) : -1;
  if (holder >= 0 && !d->nodes[holder].generated_name) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "node name '%s' used twice", name);
    return -1;
  }
  bool ok_in, ok_out;
  int *in = copy_ints(inputs, n_inputs, &ok_in), *out = copy_ints(outputs, n_outputs, &ok_out);
  char *own = NULL, *moved = NULL;
  if (!named) own = generated_name(names, op, i);
  else if (holder < 0) own = dup_str(name);
  else moved = generated_name(names, d->nodes[holder].op, holder);
  char *op_copy = dup_str(op);
  bool ok = ok_in && ok_out && op_copy && (own || moved);
  /* The map borrows its keys. A name moving from a generated holder to this
   * node keeps its string (the key); the holder gets the fresh one. */
  if (ok && own) ok = seam_name_map_put(names, own, i);
  if (ok && moved) ok = seam_name_map_put(names, moved, holder);
  if (!ok) {
    /* A failed put leaves the map as it was, so freeing is safe. */
    free(in);
    free(out);
    free(own);
    free(moved);
    free(op_copy);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  part_node *n = &d->nodes[i];
  memset(n, 0, sizeof *n);
  if (moved) {
    n->name = d->nodes[holder].name;
    d->nodes[holder].name = moved;
    repoint(names, n->name, i);
  } else {
    n->name = own;
  }
  n->generated_name = !named;
  n->op = op_copy;
  n->n_inputs = n_inputs;
  n->inputs = in;
  n->n_outputs = n_outputs;
  n->outputs = out;
  for (int k = 0; k < n_outputs; k++) d->tensors[outputs[k]].producer = i;
  d->n_nodes++;
  return i;
}

static bool bad_amount(double x) { return !(x >= 0) || isinf(x); }

static seam_status check_costs(const part_dag *d, seam_error *err) {
  for (int i = 0; i < d->n_nodes; i++) {
    const part_node *n = &d->nodes[i];
    if (n->macs < 0 || n->weight_bytes < 0 || bad_amount(n->device_ms) || bad_amount(n->cloud_ms))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "node '%s': a negative or non-finite cost", n->name);
  }
  for (int t = 0; t < d->n_tensors; t++) {
    const part_tensor *x = &d->tensors[t];
    if (x->bytes < 0 || x->wire_bytes < 0 || bad_amount(x->encode_ms))
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s': a negative or non-finite size or time", x->name);
  }
  if (d->request_overhead_bytes < 0 || d->reply_bytes < 0 || bad_amount(d->reply_decode_ms))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "a negative or non-finite request or reply cost");
  return SEAM_OK;
}

/* Producers from the nodes' outputs, then the order and kind checks. */
static seam_status check_structure(part_dag *d, seam_error *err) {
  for (int t = 0; t < d->n_tensors; t++) d->tensors[t].producer = -1;
  for (int i = 0; i < d->n_nodes; i++)
    for (int k = 0; k < d->nodes[i].n_outputs; k++) {
      part_tensor *x = &d->tensors[d->nodes[i].outputs[k]];
      if (x->producer >= 0)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' has two producers ('%s', '%s')", x->name,
                         d->nodes[x->producer].name, d->nodes[i].name);
      x->producer = i;
    }
  for (int t = 0; t < d->n_tensors; t++) {
    const part_tensor *x = &d->tensors[t];
    if (x->graph_input && x->known)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' is both a graph input and known", x->name);
    if ((x->graph_input || x->known) && x->producer >= 0)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor '%s' is a graph input or known but node '%s' produces it",
                       x->name, d->nodes[x->producer].name);
  }
  for (int i = 0; i < d->n_nodes; i++)
    for (int k = 0; k < d->nodes[i].n_inputs; k++) {
      const part_tensor *x = &d->tensors[d->nodes[i].inputs[k]];
      if (x->producer >= i)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "node '%s' reads '%s' before node '%s' produces it",
                         d->nodes[i].name, x->name, d->nodes[x->producer].name);
      if (x->producer < 0 && !x->graph_input && !x->known)
        return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                         "node '%s' reads '%s', which no node produces and is neither a graph input nor known",
                         d->nodes[i].name, x->name);
    }
  return SEAM_OK;
}

static void drop_readers(part_dag *d) {
  for (int t = 0; t < d->n_tensors; t++) {
    free(d->tensors[t].readers);
    d->tensors[t].readers = NULL;
    d->tensors[t].n_readers = 0;
  }
}

/* Readers in a counting pass and a filling pass: ascending because nodes are
 * visited in order, each once because a repeat is the reader just added. */
static seam_status fill_readers(part_dag *d, seam_error *err) {
  drop_readers(d);
  int *count = calloc((size_t)d->n_tensors + 1, sizeof *count);
  int *last = malloc(sizeof(int) * ((size_t)d->n_tensors + 1));
  if (!count || !last) {
    free(count);
    free(last);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  for (int t = 0; t < d->n_tensors; t++) last[t] = -1;
  for (int i = 0; i < d->n_nodes; i++)
    for (int k = 0; k < d->nodes[i].n_inputs; k++) {
      int t = d->nodes[i].inputs[k];
      if (last[t] != i) count[t]++;
      last[t] = i;
    }
  bool ok = true;
  for (int t = 0; t < d->n_tensors && ok; t++)
    if (count[t] && !(d->tensors[t].readers = malloc(sizeof(int) * (size_t)count[t]))) ok = false;
  free(count);
  free(last);
  if (!ok) {
    drop_readers(d);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  for (int i = 0; i < d->n_nodes; i++)
    for (int k = 0; k < d->nodes[i].n_inputs; k++) {
      part_tensor *x = &d->tensors[d->nodes[i].inputs[k]];
      if (x->n_readers == 0 || x->readers[x->n_readers - 1] != i) x->readers[x->n_readers++] = i;
    }
  return SEAM_OK;
}

seam_status part_dag_finish(part_dag *d, seam_error *err) {
  seam_status s = check_structure(d, err);
  if (s == SEAM_OK) s = check_costs(d, err);
  if (s == SEAM_OK) s = fill_readers(d, err);
  if (s != SEAM_OK) return s;
  d->total_macs = 0;
  for (int i = 0; i < d->n_nodes; i++) d->total_macs += d->nodes[i].macs;
  return SEAM_OK;
}

void part_dag_free(part_dag *d) {
  if (!d) return;
  for (int i = 0; i < d->n_nodes; i++) {
    free(d->nodes[i].name);
    free(d->nodes[i].op);
    free(d->nodes[i].inputs);
    free(d->nodes[i].outputs);
  }
  for (int t = 0; t < d->n_tensors; t++) {
    free(d->tensors[t].name);
    free(d->tensors[t].readers);
  }
  free(d->nodes);
  free(d->tensors);
  if (d->node_names) seam_name_map_clear(d->node_names);
  if (d->tensor_names) seam_name_map_clear(d->tensor_names);
  free(d->node_names);
  free(d->tensor_names);
  memset(d, 0, sizeof *d);
}

int part_dag_find_tensor(const part_dag *d, const char *name) {
  if (!name) return -1;
  if (d->tensor_names) return seam_name_map_get(d->tensor_names, name);
  for (int t = 0; t < d->n_tensors; t++)
    if (strcmp(d->tensors[t].name, name) == 0) return t;
  return -1;
}

int part_dag_find_node(const part_dag *d, const char *name) {
  if (!name) return -1;
  if (d->node_names) return seam_name_map_get(d->node_names, name);
  for (int i = 0; i < d->n_nodes; i++)
    if (strcmp(d->nodes[i].name, name) == 0) return i;
  return -1;
}

bool part_split_is_closed(const part_dag *d, const bool *head) {
  for (int i = 0; i < d->n_nodes; i++) {
    if (!head[i]) continue;
    for (int k = 0; k < d->nodes[i].n_inputs; k++) {
      int p = d->tensors[d->nodes[i].inputs[k]].producer;
      if (p >= 0 && !head[p]) return false;
    }
  }
  return true;
}

bool part_split_is_remote(const part_dag *d, const bool *head) {
  for (int i = 0; i < d->n_nodes; i++)
    if (!head[i]) return true;
  return false;
}

bool part_split_sends(const part_dag *d, const bool *head, int t) {
  const part_tensor *x = &d->tensors[t];
  if (x->known) return false;
  bool on_device = x->producer >= 0 ? head[x->producer] : x->graph_input;
  if (!on_device) return false;
  if (x->graph_output) return true;
  for (int r = 0; r < x->n_readers; r++)
    if (!head[x->readers[r]]) return true;
  return false;
}

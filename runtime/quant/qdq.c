/* The QDQ writer: edits the original ModelProto (protobuf-c) into its
 * quantized form. The input model is unpacked once and never modified: the
 * output is a new ModelProto whose graph borrows the untouched messages
 * (nodes, initializers, value infos) and adds its own, allocated in an
 * arena freed after packing. */
#include "runtime/quant/qdq.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/int8_qparams.h"
#include "onnx/onnx.pb-c.h"
#include "runtime/onnx_tensor.h"
#include "runtime/tensor.h"

/* ---- a string → index map (open addressing, FNV-1a) ---- */

typedef struct strmap {
  const char **keys;
  int *vals;
  size_t cap, n;
} strmap;

static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static int map_get(const strmap *m, const char *key) {
  if (!m->cap) return -1;
  for (size_t i = hash_str(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->keys[i]) return -1;
    if (strcmp(m->keys[i], key) == 0) return m->vals[i];
  }
}

/* Adds key (borrowed: it must outlive the map) unless present. */
static bool map_put(strmap *m, const char *key, int val) {
  if ((m->n + 1) * 2 > m->cap) {
    size_t cap = m->cap ? m->cap * 2 : 256;
    const char **keys = calloc(cap, sizeof *keys);
    int *vals = calloc(cap, sizeof *vals);
    if (!keys || !vals) {
      free(keys);
      free(vals);
      return false;
    }
    for (size_t i = 0; i < m->cap; i++) {
      if (!m->keys[i]) continue;
      size_t j = hash_str(m->keys[i]) & (cap - 1);
      while (keys[j]) j = (j + 1) & (cap - 1);
      keys[j] = m->keys[i];
      vals[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = keys;
    m->vals = vals;
    m->cap = cap;
  }
  size_t i = hash_str(key) & (m->cap - 1);
  while (m->keys[i]) {
    if (strcmp(m->keys[i], key) == 0) return true;
    i = (i + 1) & (m->cap - 1);
  }
  m->keys[i] = key;
  m->vals[i] = val;
  m->n++;
  return true;
}

static void map_free(strmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

/* ---- an arena: every allocation of the output model, freed at once ---- */

typedef struct arena {
  void **ptrs;
  size_t n, cap;
  seam_tensor **tensors;
  size_t n_tensors, cap_tensors;
  bool failed;
} arena;

static void *arena_keep(arena *a, void *p) {
  if (!p) {
    a->failed = true;
    return NULL;
  }
  if (a->n == a->cap) {
    size_t cap = a->cap ? a->cap * 2 : 256;
    void **ptrs = realloc(a->ptrs, cap * sizeof *ptrs);
    if (!ptrs) {
      free(p);
      a->failed = true;
      return NULL;
    }
    a->ptrs = ptrs;
    a->cap = cap;
  }
  a->ptrs[a->n++] = p;
  return p;
}

static void *arena_calloc(arena *a, size_t n, size_t size) { return arena_keep(a, calloc(n ? n : 1, size)); }

static char *arena_concat(arena *a, const char *s, const char *suffix) {
  size_t len = strlen(s) + strlen(suffix) + 1;
  char *out = arena_calloc(a, len, 1);
  if (out) snprintf(out, len, "%s%s", s, suffix);
  return out;
}

static void arena_free(arena *a) {
  for (size_t i = 0; i < a->n; i++) free(a->ptrs[i]);
  for (size_t i = 0; i < a->n_tensors; i++) seam_tensor_free(a->tensors[i]);
  free(a->ptrs);
  free(a->tensors);
  memset(a, 0, sizeof *a);
}

/* ---- the plan ---- */

typedef struct tensor_info {
  const char *name;
  int producer; /* node index, or -1 */
  int init;     /* initializer index, or -1 */
  bool graph_input, graph_output;
  int *consumers; /* node indices (a node reading twice counts twice) */
  int n_consumers;
  int activation; /* index into plan->acts, or -1 */
} tensor_info;

typedef struct activation {
  const char *name;
  float lo, hi;
} activation;

typedef struct node_plan {
  bool fp32;       /* kept in FP32 by --exclude or --fp32-after */
  bool quantized;  /* a Conv/Gemm/MatMul quantized by this plan */
  int weight;      /* input index of the constant weight, or -1 (MatMul of two activations) */
  int weight_axis; /* output-channel axis of the weight */
  bool bias;       /* input 2 becomes an int32 initializer */
  int report;      /* index into plan->nodes (the report list), or -1 */
} node_plan;

struct seam_qdq_plan {
  Onnx__ModelProto *m;
  char *base_dir;
  seam_qdq_options opt;
  int opset;
  tensor_info *t;
  int n_t, cap_t;
  strmap names; /* tensor name → index into t */
  node_plan *np;
  activation *acts;
  int n_acts;
  seam_qdq_node *nodes;
  int n_nodes;
  char **strings; /* names the plan made (qdq_output), freed with it */
  int n_strings;
};

static int tensor_index(seam_qdq_plan *p, const char *name, seam_error *err) {
  int i = map_get(&p->names, name);
  if (i >= 0) return i;
  if (p->n_t == p->cap_t) {
    int cap = p->cap_t ? p->cap_t * 2 : 256;
    tensor_info *t = realloc(p->t, (size_t)cap * sizeof *t);
    if (!t) goto oom;
    p->t = t;
    p->cap_t = cap;
  }
  tensor_info *ti = &p->t[p->n_t];
  memset(ti, 0, sizeof *ti);
  ti->name = name;
  ti->producer = ti->init = ti->activation = -1;
  if (!map_put(&p->names, name, p->n_t)) goto oom;
  return p->n_t++;
oom:
  seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  return -1;
}

static const char *node_label(const Onnx__NodeProto *n) {
  if (n->name && *n->name) return n->name;
  return n->n_output && n->output[0] ? n->output[0] : "(unnamed)";
}

static bool default_domain(const Onnx__NodeProto *n) {
  return !n->domain || !*n->domain || strcmp(n->domain, "ai.onnx") == 0;
}

static const Onnx__AttributeProto *find_attr(const Onnx__NodeProto *n, const char *name) {
  for (size_t i = 0; i < n->n_attribute; i++)
    if (n->attribute[i]->name && strcmp(n->attribute[i]->name, name) == 0) return n->attribute[i];
  return NULL;
}

static int64_t attr_int(const Onnx__NodeProto *n, const char *name, int64_t dflt) {
  const Onnx__AttributeProto *a = find_attr(n, name);
  return a && a->has_i ? a->i : dflt;
}

static float attr_float(const Onnx__NodeProto *n, const char *name, float dflt) {
  const Onnx__AttributeProto *a = find_attr(n, name);
  return a && a->has_f ? a->f : dflt;
}

static const Onnx__TensorProto *init_of(const seam_qdq_plan *p, const char *name) {
  int i = map_get(&p->names, name);
  return i >= 0 && p->t[i].init >= 0 ? p->m->graph->initializer[p->t[i].init] : NULL;
}

/* Operators whose definition changed between an older opset and 13 in a way
 * that raising the opset would change what the model computes. */
static const struct {
  const char *op;
  int changed_at;
} opset_changes[] = {
    {"Softmax", 13},   {"LogSoftmax", 13}, {"Hardmax", 13},  {"Split", 13},     {"Squeeze", 13},
    {"Unsqueeze", 13}, {"ReduceSum", 13},  {"Clip", 11},     {"Pad", 11},       {"Resize", 11},
    {"Upsample", 10},  {"Dropout", 12},    {"Slice", 10},    {"TopK", 10},      {"BatchNormalization", 9},
    {"Scan", 11},      {"Loop", 11},       {"If", 11},       {"Reshape", 5},    {"Concat", 4},
};

static seam_status check_opset(seam_qdq_plan *p, seam_error *err) {
  const Onnx__ModelProto *m = p->m;
  p->opset = -1;
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const char *d = m->opset_import[i]->domain;
    if (!d || !*d || strcmp(d, "ai.onnx") == 0) p->opset = (int)m->opset_import[i]->version;
  }
  if (p->opset < 0) return seam_fail(err, SEAM_ERR_PARSE, "the model imports no ai.onnx opset");
  if (p->opset >= 13) return SEAM_OK;
  const Onnx__GraphProto *g = m->graph;
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    if (!default_domain(n) || !n->op_type) continue;
    for (size_t k = 0; k < sizeof opset_changes / sizeof opset_changes[0]; k++)
      if (strcmp(n->op_type, opset_changes[k].op) == 0 && opset_changes[k].changed_at > p->opset)
        return seam_fail(err, SEAM_ERR_UNSUPPORTED,
                         "the model uses opset %d; the QDQ model needs opset 13, and %s (node '%s') changed at "
                         "opset %d: convert the model to opset 13 first (onnx.version_converter)",
                         p->opset, n->op_type, node_label(n), opset_changes[k].changed_at);
  }
  return SEAM_OK;
}

static seam_status build_tensors(seam_qdq_plan *p, seam_error *err) {
  const Onnx__GraphProto *g = p->m->graph;
  for (size_t i = 0; i < g->n_initializer; i++) {
    int t = tensor_index(p, g->initializer[i]->name ? g->initializer[i]->name : "", err);
    if (t < 0) return err ? err->status : SEAM_ERR_NO_MEMORY;
    p->t[t].init = (int)i;
  }
  for (size_t i = 0; i < g->n_input; i++) {
    int t = tensor_index(p, g->input[i]->name ? g->input[i]->name : "", err);
    if (t < 0) return err ? err->status : SEAM_ERR_NO_MEMORY;
    if (p->t[t].init < 0) p->t[t].graph_input = true;
  }
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    for (size_t k = 0; k < n->n_output; k++) {
      if (!n->output[k] || !*n->output[k]) continue;
      int t = tensor_index(p, n->output[k], err);
      if (t < 0) return err ? err->status : SEAM_ERR_NO_MEMORY;
      p->t[t].producer = (int)i;
    }
  }
  /* Consumers: count, then fill. */
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    for (size_t k = 0; k < n->n_input; k++) {
      if (!n->input[k] || !*n->input[k]) continue;
      int t = tensor_index(p, n->input[k], err);
      if (t < 0) return err ? err->status : SEAM_ERR_NO_MEMORY;
      p->t[t].n_consumers++;
    }
  }
  for (int t = 0; t < p->n_t; t++) {
    if (!(p->t[t].consumers = malloc(sizeof(int) * ((size_t)p->t[t].n_consumers + 1))))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    p->t[t].n_consumers = 0;
  }
  for (size_t i = 0; i < g->n_node; i++) {
    const Onnx__NodeProto *n = g->node[i];
    for (size_t k = 0; k < n->n_input; k++) {
      if (!n->input[k] || !*n->input[k]) continue;
      tensor_info *ti = &p->t[map_get(&p->names, n->input[k])];
      ti->consumers[ti->n_consumers++] = (int)i;
    }
  }
  for (size_t i = 0; i < g->n_output; i++) {
    int t = map_get(&p->names, g->output[i]->name ? g->output[i]->name : "");
    if (t >= 0) p->t[t].graph_output = true;
  }
  return SEAM_OK;
}

/* Marks every node reading t, and everything downstream of them, FP32. */
static void mark_downstream(seam_qdq_plan *p, int t) {
  int n_nodes = (int)p->m->graph->n_node;
  int *stack = malloc(sizeof(int) * ((size_t)n_nodes + 1));
  if (!stack) return;
  int top = 0;
  for (int c = 0; c < p->t[t].n_consumers; c++) {
    int n = p->t[t].consumers[c];
    if (!p->np[n].fp32) p->np[n].fp32 = true, stack[top++] = n;
  }
  while (top > 0) {
    const Onnx__NodeProto *node = p->m->graph->node[stack[--top]];
    for (size_t k = 0; k < node->n_output; k++) {
      int o = node->output[k] && *node->output[k] ? map_get(&p->names, node->output[k]) : -1;
      for (int c = 0; o >= 0 && c < p->t[o].n_consumers; c++) {
        int n = p->t[o].consumers[c];
        if (!p->np[n].fp32) p->np[n].fp32 = true, stack[top++] = n;
      }
    }
  }
  free(stack);
}

static int add_activation(seam_qdq_plan *p, int t) {
  if (p->t[t].activation >= 0) return p->t[t].activation;
  activation *a = realloc(p->acts, sizeof *a * ((size_t)p->n_acts + 1));
  if (!a) return -1;
  p->acts = a;
  p->acts[p->n_acts] = (activation){.name = p->t[t].name};
  p->t[t].activation = p->n_acts;
  return p->n_acts++;
}

static bool is_float_init(const Onnx__TensorProto *t) {
  return t && t->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT;
}

static bool is_activation_input(const seam_qdq_plan *p, const Onnx__NodeProto *n, size_t k) {
  return k < n->n_input && n->input[k] && *n->input[k] && !init_of(p, n->input[k]);
}

/* Decides whether node i (a Conv, Gemm or MatMul) can be quantized; fills
 * its node_plan or returns the reason it stays FP32. */
static const char *classify(seam_qdq_plan *p, int i) {
  const Onnx__NodeProto *n = p->m->graph->node[i];
  node_plan *np = &p->np[i];
  if (np->fp32) return "kept FP32 (--exclude / --fp32-after)";
  if (!is_activation_input(p, n, 0)) return "its first input is a constant";
  const Onnx__TensorProto *w = n->n_input > 1 && n->input[1] && *n->input[1] ? init_of(p, n->input[1]) : NULL;
  np->weight = w ? 1 : -1;
  if (w && !is_float_init(w)) return "its weight is not float32";
  if (strcmp(n->op_type, "Conv") == 0) {
    if (!w) return "its weight is not an initializer";
    if (w->n_dims < 3) return "its weight has rank < 3";
    np->weight_axis = 0;
    const Onnx__TensorProto *b = n->n_input > 2 && n->input[2] && *n->input[2] ? init_of(p, n->input[2]) : NULL;
    np->bias = is_float_init(b) && b->n_dims == 1 && b->dims[0] == w->dims[0];
  } else if (strcmp(n->op_type, "Gemm") == 0) {
    if (!w) return "its weight is not an initializer";
    if (w->n_dims != 2) return "its weight is not 2-D";
    np->weight_axis = attr_int(n, "transB", 0) ? 0 : 1;
    const Onnx__TensorProto *b = n->n_input > 2 && n->input[2] && *n->input[2] ? init_of(p, n->input[2]) : NULL;
    np->bias = is_float_init(b) && b->n_dims == 1 && b->dims[0] == w->dims[np->weight_axis] &&
               attr_float(n, "alpha", 1.0f) == 1.0f && attr_float(n, "beta", 1.0f) == 1.0f;
  } else { /* MatMul */
    if (w && w->n_dims < 2) return "its weight has rank < 2";
    if (!w && !is_activation_input(p, n, 1)) return "its second input is missing";
    np->weight_axis = w ? (int)w->n_dims - 1 : 0;
  }
  return NULL;
}

static char *plan_strdup(seam_qdq_plan *p, const char *a, const char *b) {
  char **s = realloc(p->strings, sizeof *s * ((size_t)p->n_strings + 1));
  if (!s) return NULL;
  p->strings = s;
  size_t len = strlen(a) + strlen(b) + 1;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "%s%s", a, b);
  p->strings[p->n_strings++] = out;
  return out;
}

static seam_status plan_nodes(seam_qdq_plan *p, seam_error *err) {
  const Onnx__GraphProto *g = p->m->graph;
  int n_nodes = (int)g->n_node;
  for (int i = 0; i < n_nodes; i++) {
    const Onnx__NodeProto *n = g->node[i];
    p->np[i].report = -1;
    if (!default_domain(n) || !n->op_type ||
        (strcmp(n->op_type, "Conv") && strcmp(n->op_type, "Gemm") && strcmp(n->op_type, "MatMul")))
      continue;
    seam_qdq_node *r = realloc(p->nodes, sizeof *r * ((size_t)p->n_nodes + 1));
    if (!r) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    p->nodes = r;
    r = &p->nodes[p->n_nodes];
    memset(r, 0, sizeof *r);
    r->name = node_label(n);
    r->op_type = n->op_type;
    r->output = r->qdq_output = n->n_output ? n->output[0] : "";
    p->np[i].report = p->n_nodes++;
    r->reason = classify(p, i);
    if (r->reason) continue;
    r->quantized = 1;
    p->np[i].quantized = true;
    for (size_t k = 0; k < 2 && k < n->n_input; k++) {
      if ((int)k == p->np[i].weight || !is_activation_input(p, n, k)) continue;
      int t = map_get(&p->names, n->input[k]);
      if (add_activation(p, t) < 0) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      r->inputs[r->n_inputs++] = p->t[t].name;
    }
  }
  /* Outputs: after the inputs, so that ranges are listed in graph order of
   * first use either way. A Relu/Clip that alone reads the output moves the
   * quantization point past it. */
  for (int i = 0; i < n_nodes; i++) {
    if (!p->np[i].quantized) continue;
    const Onnx__NodeProto *n = g->node[i];
    seam_qdq_node *r = &p->nodes[p->np[i].report];
    int t = n->n_output && n->output[0] && *n->output[0] ? map_get(&p->names, n->output[0]) : -1;
    if (t < 0) continue;
    if (p->t[t].n_consumers == 1 && !p->t[t].graph_output) {
      int c = p->t[t].consumers[0];
      const Onnx__NodeProto *act = g->node[c];
      if (!p->np[c].fp32 && default_domain(act) && act->op_type &&
          (strcmp(act->op_type, "Relu") == 0 || strcmp(act->op_type, "Clip") == 0) && act->n_output &&
          act->output[0] && *act->output[0])
        t = map_get(&p->names, act->output[0]);
    }
    r->output = r->qdq_output = p->t[t].name;
    if (p->t[t].graph_output) continue;
    bool quantized_reader = false;
    for (int c = 0; c < p->t[t].n_consumers; c++) quantized_reader |= !p->np[p->t[t].consumers[c]].fp32;
    if (!quantized_reader) continue;
    if (add_activation(p, t) < 0 || !(r->qdq_output = plan_strdup(p, p->t[t].name, "_dequantized")))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  return SEAM_OK;
}

void seam_qdq_plan_free(seam_qdq_plan *p) {
  if (!p) return;
  if (p->m) onnx__model_proto__free_unpacked(p->m, NULL);
  for (int t = 0; t < p->n_t; t++) free(p->t[t].consumers);
  for (int i = 0; i < p->n_strings; i++) free(p->strings[i]);
  free(p->strings);
  free(p->t);
  map_free(&p->names);
  free(p->np);
  free(p->acts);
  free(p->nodes);
  free(p->base_dir);
  free(p);
}

seam_qdq_plan *seam_qdq_plan_create(const void *bytes, size_t size, const char *base_dir,
                                    const seam_qdq_options *options, seam_error *err) {
  seam_qdq_plan *p = calloc(1, sizeof *p);
  if (!p) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (options) p->opt = *options;
  if (base_dir && !(p->base_dir = strdup(base_dir))) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto fail;
  }
  if (!(p->m = onnx__model_proto__unpack(NULL, size, bytes)) || !p->m->graph) {
    seam_fail(err, SEAM_ERR_PARSE, "not a valid ONNX model (%zu bytes)", size);
    goto fail;
  }
  if (check_opset(p, err) != SEAM_OK || build_tensors(p, err) != SEAM_OK) goto fail;
  const Onnx__GraphProto *g = p->m->graph;
  if (!(p->np = calloc(g->n_node + 1, sizeof *p->np))) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto fail;
  }
  for (int e = 0; e < p->opt.n_exclude; e++) {
    bool found = false;
    for (size_t i = 0; i < g->n_node; i++)
      if (strcmp(node_label(g->node[i]), p->opt.exclude[e]) == 0) p->np[i].fp32 = found = true;
    if (!found) {
      seam_fail(err, SEAM_ERR_NOT_FOUND, "--exclude: the model has no node named '%s'", p->opt.exclude[e]);
      goto fail;
    }
  }
  if (p->opt.fp32_after) {
    int t = map_get(&p->names, p->opt.fp32_after);
    if (t < 0) {
      seam_fail(err, SEAM_ERR_NOT_FOUND, "--fp32-after: the model has no tensor named '%s'", p->opt.fp32_after);
      goto fail;
    }
    mark_downstream(p, t);
  }
  if (plan_nodes(p, err) != SEAM_OK) goto fail;
  p->opt.exclude = NULL; /* borrowed: not needed after planning */
  p->opt.fp32_after = NULL;
  return p;
fail:
  seam_qdq_plan_free(p);
  return NULL;
}

int seam_qdq_activation_count(const seam_qdq_plan *p) { return p->n_acts; }
const char *seam_qdq_activation_name(const seam_qdq_plan *p, int i) { return p->acts[i].name; }
void seam_qdq_set_range(seam_qdq_plan *p, int i, float lo, float hi) {
  p->acts[i].lo = lo < 0 ? lo : 0.0f;
  p->acts[i].hi = hi > 0 ? hi : 0.0f;
}
int seam_qdq_node_count(const seam_qdq_plan *p) { return p->n_nodes; }
const seam_qdq_node *seam_qdq_node_at(const seam_qdq_plan *p, int i) { return &p->nodes[i]; }
int seam_qdq_source_opset(const seam_qdq_plan *p) { return p->opset; }

/* ---- writing ---- */

typedef struct writer {
  const seam_qdq_plan *p;
  arena a;
  strmap taken; /* every tensor name in use, for unique new names */
  Onnx__NodeProto **nodes;
  size_t n_nodes, cap_nodes;
  Onnx__TensorProto **inits;
  size_t n_inits, cap_inits;
  char **dq_name;  /* per tensor: its DequantizeLinear output (activations) */
  float *scale;    /* per activation */
  int8_t *zp;
  int clipped_bias;
  seam_error *err;
} writer;

/* base + suffix, made unique among the names in use. */
static char *unique_name(writer *w, const char *base, const char *suffix) {
  char *name = arena_concat(&w->a, base, suffix);
  for (int k = 1; name && map_get(&w->taken, name) >= 0; k++) {
    char num[24];
    snprintf(num, sizeof num, "%s_%d", suffix, k);
    name = arena_concat(&w->a, base, num);
  }
  if (name && !map_put(&w->taken, name, 0)) w->a.failed = true;
  return name;
}

static void push_node(writer *w, Onnx__NodeProto *n) {
  if (!n) return;
  if (w->n_nodes == w->cap_nodes) {
    size_t cap = w->cap_nodes ? w->cap_nodes * 2 : 64;
    Onnx__NodeProto **nodes = realloc(w->nodes, cap * sizeof *nodes);
    if (!nodes) {
      w->a.failed = true;
      return;
    }
    w->nodes = nodes;
    w->cap_nodes = cap;
  }
  w->nodes[w->n_nodes++] = n;
}

static void push_init(writer *w, Onnx__TensorProto *t) {
  if (!t) return;
  if (w->n_inits == w->cap_inits) {
    size_t cap = w->cap_inits ? w->cap_inits * 2 : 64;
    Onnx__TensorProto **inits = realloc(w->inits, cap * sizeof *inits);
    if (!inits) {
      w->a.failed = true;
      return;
    }
    w->inits = inits;
    w->cap_inits = cap;
  }
  w->inits[w->n_inits++] = t;
}

/* A new initializer with raw data (copied into the arena). */
static Onnx__TensorProto *new_init(writer *w, const char *name, int dtype, int rank, const int64_t *dims,
                                   const void *data, size_t nbytes) {
  Onnx__TensorProto *t = arena_calloc(&w->a, 1, sizeof *t);
  int64_t *d = arena_calloc(&w->a, (size_t)rank + 1, sizeof *d);
  uint8_t *raw = arena_calloc(&w->a, nbytes + 1, 1);
  if (!t || !d || !raw) return NULL;
  onnx__tensor_proto__init(t);
  t->name = (char *)name;
  t->has_data_type = 1;
  t->data_type = dtype;
  t->n_dims = (size_t)rank;
  if (rank) memcpy(d, dims, sizeof *d * (size_t)rank); /* a scalar has no dims (NULL) */
  t->dims = d;
  if (nbytes) memcpy(raw, data, nbytes);
  t->has_raw_data = 1;
  t->raw_data.data = raw;
  t->raw_data.len = nbytes;
  push_init(w, t);
  return t;
}

static Onnx__NodeProto *new_node(writer *w, const char *op, const char *name, const char *in0, const char *in1,
                                 const char *in2, const char *out, int axis) {
  Onnx__NodeProto *n = arena_calloc(&w->a, 1, sizeof *n);
  char **inputs = arena_calloc(&w->a, 3, sizeof *inputs), **outputs = arena_calloc(&w->a, 1, sizeof *outputs);
  if (!n || !inputs || !outputs) return NULL;
  onnx__node_proto__init(n);
  n->op_type = (char *)op;
  n->name = (char *)name;
  inputs[0] = (char *)in0;
  inputs[1] = (char *)in1;
  inputs[2] = (char *)in2;
  n->n_input = 3;
  n->input = inputs;
  outputs[0] = (char *)out;
  n->n_output = 1;
  n->output = outputs;
  if (axis >= 0) {
    Onnx__AttributeProto *a = arena_calloc(&w->a, 1, sizeof *a);
    Onnx__AttributeProto **attrs = arena_calloc(&w->a, 1, sizeof *attrs);
    if (!a || !attrs) return NULL;
    onnx__attribute_proto__init(a);
    a->name = "axis";
    a->has_type = 1;
    a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    a->has_i = 1;
    a->i = axis;
    attrs[0] = a;
    n->n_attribute = 1;
    n->attribute = attrs;
  }
  return n;
}

/* Q → DQ for activation i (tensor t); the DQ output name is remembered. */
static void emit_activation(writer *w, int t) {
  const seam_qdq_plan *p = w->p;
  int i = p->t[t].activation;
  const char *name = p->t[t].name;
  char *scale = unique_name(w, name, "_scale"), *zp = unique_name(w, name, "_zero_point");
  char *q = unique_name(w, name, "_quantized"), *dq = unique_name(w, name, "_dequantized");
  char *qn = unique_name(w, name, "_QuantizeLinear"), *dqn = unique_name(w, name, "_DequantizeLinear");
  if (!scale || !zp || !q || !dq || !qn || !dqn) return;
  new_init(w, scale, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, 0, NULL, &w->scale[i], sizeof(float));
  new_init(w, zp, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, 0, NULL, &w->zp[i], 1);
  push_node(w, new_node(w, "QuantizeLinear", qn, name, scale, zp, q, -1));
  push_node(w, new_node(w, "DequantizeLinear", dqn, q, scale, zp, dq, -1));
  w->dq_name[t] = dq;
}

/* A float32 tensor of an initializer (any storage form). */
static seam_tensor *load_init(writer *w, const Onnx__TensorProto *t) {
  seam_tensor *x = seam_tensor_from_onnx(t, w->p->base_dir, w->err);
  if (!x) {
    w->a.failed = true;
    return NULL;
  }
  if (w->a.n_tensors == w->a.cap_tensors) {
    size_t cap = w->a.cap_tensors ? w->a.cap_tensors * 2 : 32;
    seam_tensor **ts = realloc(w->a.tensors, cap * sizeof *ts);
    if (!ts) {
      seam_tensor_free(x);
      w->a.failed = true;
      return NULL;
    }
    w->a.tensors = ts;
    w->a.cap_tensors = cap;
  }
  w->a.tensors[w->a.n_tensors++] = x;
  return x;
}

/* Weight of node i → int8 initializer + DequantizeLinear; returns the DQ
 * output name and the per-channel scales (count in *n_scales). */
static const char *emit_weight(writer *w, int node, float **scales_out, int64_t *n_scales) {
  const seam_qdq_plan *p = w->p;
  const Onnx__NodeProto *n = p->m->graph->node[node];
  const node_plan *np = &p->np[node];
  const Onnx__TensorProto *wt = init_of(p, n->input[1]);
  seam_tensor *x = load_init(w, wt);
  if (!x) return NULL;
  int axis = np->weight_axis;
  bool per_tensor = p->opt.per_tensor != 0;
  int64_t channels = per_tensor ? 1 : x->dims[axis], inner = 1, outer = 1;
  for (int d = axis + 1; d < x->rank; d++) inner *= x->dims[d];
  for (int d = 0; d < axis; d++) outer *= x->dims[d];
  if (per_tensor) inner = x->count, outer = 1;
  float *scales = arena_calloc(&w->a, (size_t)channels, sizeof *scales);
  int8_t *q = arena_calloc(&w->a, (size_t)x->count, 1), *zps = arena_calloc(&w->a, (size_t)channels, 1);
  if (!scales || !q || !zps) return NULL;
  const float *v = x->data;
  /* Element (o, c, k) of the weight viewed as [outer, channels, inner]. */
  for (int64_t c = 0; c < channels; c++) {
    float amax = 0;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < inner; k++) {
        float a = fabsf(v[(o * channels + c) * inner + k]);
        if (a > amax) amax = a;
      }
    scales[c] = amax > 1e-30f ? amax / 127.0f : 1.0f;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < inner; k++) {
        int64_t i = (o * channels + c) * inner + k;
        double r = nearbyint((double)(v[i] / scales[c])); /* float32 division, as QuantizeLinear */
        q[i] = (int8_t)(r < -127 ? -127 : r > 127 ? 127 : r);
      }
  }
  const char *name = n->input[1];
  char *qn = unique_name(w, name, "_quantized"), *sn = unique_name(w, name, "_scale");
  char *zn = unique_name(w, name, "_zero_point"), *dq = unique_name(w, name, "_dequantized");
  char *dqn = unique_name(w, name, "_DequantizeLinear");
  if (!qn || !sn || !zn || !dq || !dqn) return NULL;
  new_init(w, qn, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, x->rank, x->dims, q, (size_t)x->count);
  int64_t cdims[1] = {channels};
  new_init(w, sn, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, per_tensor ? 0 : 1, cdims, scales, sizeof(float) * (size_t)channels);
  new_init(w, zn, ONNX__TENSOR_PROTO__DATA_TYPE__INT8, per_tensor ? 0 : 1, cdims, zps, (size_t)channels);
  push_node(w, new_node(w, "DequantizeLinear", dqn, qn, sn, zn, dq, per_tensor ? -1 : axis));
  *scales_out = scales;
  *n_scales = channels;
  return dq;
}

/* Bias of node i → int32 with scale input_scale × weight_scale. */
static const char *emit_bias(writer *w, int node, float in_scale, const float *wscales, int64_t n_scales) {
  const seam_qdq_plan *p = w->p;
  const Onnx__NodeProto *n = p->m->graph->node[node];
  seam_tensor *b = load_init(w, init_of(p, n->input[2]));
  if (!b) return NULL;
  int64_t m = b->count;
  float *scales = arena_calloc(&w->a, (size_t)n_scales, sizeof *scales);
  int32_t *q = arena_calloc(&w->a, (size_t)m, sizeof *q), *zps = arena_calloc(&w->a, (size_t)n_scales, sizeof *zps);
  if (!scales || !q || !zps) return NULL;
  for (int64_t c = 0; c < n_scales; c++) scales[c] = in_scale * wscales[c];
  const float *v = b->data;
  for (int64_t i = 0; i < m; i++) {
    float s = scales[n_scales == 1 ? 0 : i];
    double r = s > 0 ? nearbyint((double)v[i] / (double)s) : 0;
    if (r > INT32_MAX || r < -(double)INT32_MAX) {
      w->clipped_bias++;
      r = r > 0 ? INT32_MAX : -(double)INT32_MAX;
    }
    q[i] = (int32_t)r;
  }
  const char *name = n->input[2];
  char *qn = unique_name(w, name, "_quantized"), *sn = unique_name(w, name, "_scale");
  char *zn = unique_name(w, name, "_zero_point"), *dq = unique_name(w, name, "_dequantized");
  char *dqn = unique_name(w, name, "_DequantizeLinear");
  if (!qn || !sn || !zn || !dq || !dqn) return NULL;
  int64_t dims[1] = {m}, cdims[1] = {n_scales};
  bool per_tensor = n_scales == 1;
  new_init(w, qn, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, 1, dims, q, sizeof(int32_t) * (size_t)m);
  new_init(w, sn, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, per_tensor ? 0 : 1, cdims, scales, sizeof(float) * (size_t)n_scales);
  new_init(w, zn, ONNX__TENSOR_PROTO__DATA_TYPE__INT32, per_tensor ? 0 : 1, cdims, zps, sizeof(int32_t) * (size_t)n_scales);
  push_node(w, new_node(w, "DequantizeLinear", dqn, qn, sn, zn, dq, per_tensor ? -1 : 0));
  return dq;
}

/* A shallow copy of node n whose inputs can be rewired. */
static Onnx__NodeProto *copy_node(writer *w, const Onnx__NodeProto *n) {
  Onnx__NodeProto *c = arena_calloc(&w->a, 1, sizeof *c);
  char **inputs = arena_calloc(&w->a, n->n_input + 1, sizeof *inputs);
  if (!c || !inputs) return NULL;
  *c = *n;
  if (n->n_input) memcpy(inputs, n->input, sizeof *inputs * n->n_input);
  c->input = inputs;
  return c;
}

/* An initializer kept as it is, with external data read in (the QDQ model
 * may be written elsewhere). */
static Onnx__TensorProto *keep_init(writer *w, Onnx__TensorProto *t) {
  if (!(t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)) return t;
  seam_tensor *x = load_init(w, t);
  Onnx__TensorProto *c = arena_calloc(&w->a, 1, sizeof *c);
  if (!x || !c) return NULL;
  *c = *t;
  c->has_data_location = 0;
  c->n_external_data = 0;
  c->external_data = NULL;
  c->has_raw_data = 1;
  c->raw_data.data = x->data;
  c->raw_data.len = seam_tensor_nbytes(x);
  return c;
}

seam_status seam_qdq_write(const seam_qdq_plan *p, void **bytes, size_t *size, int *clipped_bias,
                           seam_error *err) {
  const Onnx__GraphProto *g = p->m->graph;
  size_t n_nodes = g->n_node;
  writer w = {.p = p, .err = err};
  seam_status st = SEAM_OK;
  Onnx__NodeProto **rewired = calloc(n_nodes + 1, sizeof *rewired);
  int *readers_left = calloc((size_t)p->n_t + 1, sizeof *readers_left); /* float readers per initializer */
  w.dq_name = calloc((size_t)p->n_t + 1, sizeof *w.dq_name);
  w.scale = calloc((size_t)p->n_acts + 1, sizeof *w.scale);
  w.zp = calloc((size_t)p->n_acts + 1, sizeof *w.zp);
  *bytes = NULL;
  *size = 0;
  if (!rewired || !readers_left || !w.dq_name || !w.scale || !w.zp) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (int t = 0; t < p->n_t; t++)
    if (!map_put(&w.taken, p->t[t].name, t)) w.a.failed = true;
  for (int i = 0; i < p->n_acts; i++) {
    int32_t zp = 0;
    if ((st = seam_int8_qparams(p->acts[i].lo, p->acts[i].hi, &w.scale[i], &zp, err)) != SEAM_OK) {
      seam_error_prefix(err, "activation '%s'", p->acts[i].name);
      goto out;
    }
    w.zp[i] = (int8_t)zp;
  }
  for (int t = 0; t < p->n_t; t++) readers_left[t] = p->t[t].n_consumers;

  /* Weights and biases first (their inputs are initializers), then the Q/DQ
   * pairs of graph inputs, then the graph with each quantized tensor's pair
   * right after its producer. */
  for (size_t i = 0; i < n_nodes; i++) {
    const Onnx__NodeProto *n = g->node[i];
    bool fp32 = p->np[i].fp32;
    bool touches = p->np[i].quantized;
    for (size_t k = 0; !fp32 && !touches && k < n->n_input; k++) {
      int t = n->input[k] && *n->input[k] ? map_get(&p->names, n->input[k]) : -1;
      touches = t >= 0 && p->t[t].activation >= 0;
    }
    if (!touches) continue;
    if (!(rewired[i] = copy_node(&w, n))) break;
    if (!p->np[i].quantized || p->np[i].weight < 0) continue;
    float *wscales = NULL;
    int64_t n_scales = 0;
    const char *wdq = emit_weight(&w, (int)i, &wscales, &n_scales);
    if (!wdq) break;
    readers_left[map_get(&p->names, n->input[1])]--;
    rewired[i]->input[1] = (char *)wdq;
    if (p->np[i].bias) {
      int a = p->t[map_get(&p->names, n->input[0])].activation;
      const char *bdq = emit_bias(&w, (int)i, w.scale[a], wscales, n_scales);
      if (!bdq) break;
      readers_left[map_get(&p->names, n->input[2])]--;
      rewired[i]->input[2] = (char *)bdq;
    }
  }
  for (int t = 0; !w.a.failed && t < p->n_t; t++)
    if (p->t[t].activation >= 0 && p->t[t].producer < 0) emit_activation(&w, t);
  for (size_t i = 0; !w.a.failed && i < n_nodes; i++) {
    const Onnx__NodeProto *n = g->node[i];
    push_node(&w, rewired[i] ? rewired[i] : (Onnx__NodeProto *)n);
    for (size_t k = 0; k < n->n_output; k++) {
      int t = n->output[k] && *n->output[k] ? map_get(&p->names, n->output[k]) : -1;
      if (t >= 0 && p->t[t].activation >= 0) emit_activation(&w, t);
    }
  }
  /* Readers not kept in FP32 read the dequantized tensors. */
  for (size_t i = 0; !w.a.failed && i < n_nodes; i++) {
    if (!rewired[i] || p->np[i].fp32) continue;
    for (size_t k = 0; k < rewired[i]->n_input; k++) {
      const char *in = rewired[i]->input[k];
      int t = in && *in ? map_get(&p->names, in) : -1;
      if (t >= 0 && w.dq_name[t]) rewired[i]->input[k] = w.dq_name[t];
    }
  }
  if (w.a.failed) {
    if (err && err->status == SEAM_OK) seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    st = err ? err->status : SEAM_ERR_NO_MEMORY;
    if (st == SEAM_OK) st = SEAM_ERR_NO_MEMORY;
    goto out;
  }

  /* Initializers nothing reads in float any more are dropped (with their
   * graph-input entries, in models that list initializers as inputs). */
  size_t n_new_inits = w.n_inits;
  Onnx__TensorProto **inits = arena_calloc(&w.a, g->n_initializer + n_new_inits + 1, sizeof *inits);
  Onnx__ValueInfoProto **inputs = arena_calloc(&w.a, g->n_input + 1, sizeof *inputs);
  if (!inits || !inputs) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  size_t ni = 0, nin = 0;
  for (size_t i = 0; i < g->n_initializer; i++) {
    int t = map_get(&p->names, g->initializer[i]->name ? g->initializer[i]->name : "");
    bool used = t < 0 || readers_left[t] > 0 || p->t[t].graph_output;
    if (used && !(inits[ni++] = keep_init(&w, g->initializer[i]))) {
      st = err && err->status != SEAM_OK ? err->status : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
  }
  for (size_t i = 0; i < n_new_inits; i++) inits[ni++] = w.inits[i];
  for (size_t i = 0; i < g->n_input; i++) {
    const char *name = g->input[i]->name ? g->input[i]->name : "";
    int t = map_get(&p->names, name);
    bool dropped = t >= 0 && p->t[t].init >= 0 && readers_left[t] <= 0 && !p->t[t].graph_output;
    if (!dropped) inputs[nin++] = g->input[i];
  }

  /* The model: opset >= 13, IR version >= 7 (what opset 13 needs). */
  Onnx__ModelProto model = *p->m;
  Onnx__GraphProto graph = *g;
  Onnx__OperatorSetIdProto **opsets = arena_calloc(&w.a, p->m->n_opset_import + 1, sizeof *opsets);
  Onnx__OperatorSetIdProto *copies = arena_calloc(&w.a, p->m->n_opset_import + 1, sizeof *copies);
  if (!opsets || !copies) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < p->m->n_opset_import; i++) {
    copies[i] = *p->m->opset_import[i];
    const char *d = copies[i].domain;
    if ((!d || !*d || strcmp(d, "ai.onnx") == 0) && copies[i].version < 13) {
      copies[i].has_version = 1;
      copies[i].version = 13;
    }
    opsets[i] = &copies[i];
  }
  model.opset_import = opsets;
  if (!model.has_ir_version || model.ir_version < 7) {
    model.has_ir_version = 1;
    model.ir_version = 7;
  }
  graph.node = w.nodes;
  graph.n_node = w.n_nodes;
  graph.initializer = inits;
  graph.n_initializer = ni;
  graph.input = inputs;
  graph.n_input = nin;
  model.graph = &graph;
  size_t len = onnx__model_proto__get_packed_size(&model);
  void *buf = malloc(len ? len : 1);
  if (!buf) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory (%zu bytes)", len);
    goto out;
  }
  *size = onnx__model_proto__pack(&model, buf);
  *bytes = buf;
  if (clipped_bias) *clipped_bias = w.clipped_bias;
out:
  free(rewired);
  free(readers_left);
  free(w.dq_name);
  free(w.scale);
  free(w.zp);
  free(w.nodes);
  free(w.inits);
  map_free(&w.taken);
  arena_free(&w.a);
  return st;
}

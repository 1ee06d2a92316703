/* Load-time graph optimization: see optimize.h for the passes.
 *
 * The passes only mark nodes and values dead (and keep producers and
 * consumer counts exact as they go); one compaction at the end frees what
 * died and renumbers what is left, so no pass ever sees a stale index. */
#include "runtime/optimize.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/fold.h"
#include "runtime/name_map.h"
#include "runtime/ops/op.h"

typedef struct opt {
  seam_graph *g;
  bool *dead_node;  /* g->n_nodes entries (no pass adds nodes) */
  bool *dead_value; /* value_cap entries; grows with added constants */
  bool *stays;      /* value_cap entries: a graph output or a kept tensor
                       (keep_tensors), which no pass removes */
  int value_cap;
  seam_name_map taken; /* every value name and removed name, for fresh names */
  seam_error *err;
} opt;

static bool is_op(const seam_node *n, const char *op_type) {
  return strcmp(n->op_type, op_type) == 0;
}

static bool is_one_of(const seam_node *n, const char *const *ops) {
  for (int i = 0; ops[i]; i++)
    if (is_op(n, ops[i])) return true;
  return false;
}

static bool must_stay(const opt *o, int v) { return o->stays[v]; }

static seam_status no_memory(opt *o) {
  return seam_fail(o->err, SEAM_ERR_NO_MEMORY, "out of memory during graph optimization");
}

/* Appends a record for value v's name to g->removed (seam_removed_value:
 * same_as, or instead, or neither). */
__attribute__((format(printf, 5, 6))) static seam_status record_removed(opt *o, int v,
                                                                       const char *same_as,
                                                                       const char *instead,
                                                                       const char *fmt, ...) {
  seam_graph *g = o->g;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  /* The array grows only here, to powers of two. */
  if ((g->n_removed & (g->n_removed - 1)) == 0) {
    seam_removed_value *r = realloc(g->removed, sizeof *r * (size_t)(g->n_removed ? 2 * g->n_removed : 1));
    if (!r) return no_memory(o);
    g->removed = r;
  }
  seam_removed_value *e = &g->removed[g->n_removed];
  e->name = strdup(g->values[v].name);
  e->same_as = same_as ? strdup(same_as) : NULL;
  e->instead = instead ? strdup(instead) : NULL;
  e->reason = strdup(reason);
  if (!e->name || (same_as && !e->same_as) || (instead && !e->instead) || !e->reason ||
      !seam_name_map_put(&o->taken, e->name, 0)) {
    free(e->name);
    free(e->same_as);
    free(e->instead);
    free(e->reason);
    return no_memory(o);
  }
  g->n_removed++;
  return SEAM_OK;
}

/* Marks node i dead; the values it read lose a reader. Its outputs are the
 * caller's business (killed, or produced by another node from now on). */
static void kill_node(opt *o, int i) {
  const seam_node *n = &o->g->nodes[i];
  for (int k = 0; k < n->n_inputs; k++)
    if (n->inputs[k] >= 0) o->g->values[n->inputs[k]].n_consumers--;
  o->dead_node[i] = true;
}

static void kill_value(opt *o, int v) {
  o->dead_value[v] = true;
  o->g->values[v].producer = -1;
}

/* Input slot k of node n now reads value v (-1: nothing). */
static void set_input(opt *o, seam_node *n, int k, int v) {
  if (n->inputs[k] >= 0) o->g->values[n->inputs[k]].n_consumers--;
  n->inputs[k] = v;
  if (v >= 0) o->g->values[v].n_consumers++;
}

/* Makes sure node n has at least count input slots (new ones omitted). */
static seam_status ensure_inputs(opt *o, seam_node *n, int count) {
  if (n->n_inputs >= count) return SEAM_OK;
  int *in = realloc(n->inputs, sizeof *in * (size_t)count);
  if (!in) return no_memory(o);
  for (int k = n->n_inputs; k < count; k++) in[k] = -1;
  n->inputs = in;
  n->n_inputs = count;
  return SEAM_OK;
}

/* True when a name is neither a value nor a removed name. */
static bool name_is_free(const opt *o, const char *name) { return seam_name_map_get(&o->taken, name) < 0; }

/* Adds a constant value named base + suffix (made unique) holding t, and
 * returns its index, or -1 (t freed) when out of memory. */
static int add_constant(opt *o, const char *base, const char *suffix, seam_tensor *t) {
  seam_graph *g = o->g;
  size_t size = strlen(base) + strlen(suffix) + 24;
  char *name = malloc(size);
  if (!name) goto fail;
  snprintf(name, size, "%s%s", base, suffix);
  for (int n = 2; !name_is_free(o, name); n++) snprintf(name, size, "%s%s_%d", base, suffix, n);
  if (g->n_values + 1 > o->value_cap) { /* value_cap is also the capacity of g->values */
    int cap = 2 * o->value_cap + 8;
    bool *dead = realloc(o->dead_value, (size_t)cap), *out = dead ? realloc(o->stays, (size_t)cap) : NULL;
    if (dead) o->dead_value = dead;
    if (out) o->stays = out;
    seam_value *values = out ? realloc(g->values, sizeof *values * (size_t)cap) : NULL;
    if (!values) goto fail;
    g->values = values;
    memset(o->dead_value + o->value_cap, 0, (size_t)(cap - o->value_cap));
    memset(o->stays + o->value_cap, 0, (size_t)(cap - o->value_cap));
    o->value_cap = cap;
  }
  if (!seam_name_map_put(&o->taken, name, 0)) goto fail;
  seam_value *v = &g->values[g->n_values];
  memset(v, 0, sizeof *v);
  v->name = name;
  v->dtype = t->dtype;
  v->rank = t->rank;
  for (int d = 0; d < t->rank; d++) v->dims[d] = t->dims[d];
  v->constant = t;
  v->producer = -1;
  return g->n_values++;
fail:
  free(name);
  seam_tensor_free(t);
  return -1;
}

/* The float32 constant held by node input k, or NULL. */
static const seam_tensor *const_f32(const seam_graph *g, const seam_node *n, int k) {
  if (k >= n->n_inputs || n->inputs[k] < 0) return NULL;
  const seam_tensor *t = g->values[n->inputs[k]].constant;
  return t && t->dtype == SEAM_DTYPE_FLOAT32 ? t : NULL;
}

static bool has_input(const seam_node *n, int k) { return k < n->n_inputs && n->inputs[k] >= 0; }

/* ---- pass 1: Identity and inference Dropout ---- */

static bool dropout_at_inference(const opt *o, const seam_node *n) {
  const seam_graph *g = o->g;
  if (n->opset >= 12 && has_input(n, 2)) {
    const seam_tensor *t = g->values[n->inputs[2]].constant;
    if (!t || t->dtype != SEAM_DTYPE_BOOL || t->count != 1 || seam_tensor_get_i64(t, 0) != 0)
      return false;
  }
  if (n->n_outputs > 1 && n->outputs[1] >= 0) { /* the mask must be unused */
    int mask = n->outputs[1];
    if (g->values[mask].n_consumers > 0 || must_stay(o, mask)) return false;
  }
  return true;
}

/* One walk in topological order: a node first reads through the
 * passthroughs already dropped (alias[v] is the value v stands for), then,
 * if it is one itself, its output becomes an alias of its input. */
static seam_status drop_passthrough(opt *o) {
  seam_graph *g = o->g;
  seam_status st = SEAM_OK;
  int *alias = malloc(sizeof(int) * ((size_t)g->n_values + 1));
  if (!alias) return no_memory(o);
  for (int v = 0; v < g->n_values; v++) alias[v] = -1;
  for (int i = 0; i < g->n_nodes && st == SEAM_OK; i++) {
    seam_node *n = &g->nodes[i];
    if (o->dead_node[i]) continue;
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && alias[n->inputs[k]] >= 0) set_input(o, n, k, alias[n->inputs[k]]);
    if (n->n_inputs < 1 || n->n_outputs < 1) continue;
    bool identity = is_op(n, "Identity");
    if (!identity && !(is_op(n, "Dropout") && dropout_at_inference(o, n))) continue;
    int x = n->inputs[0], y = n->outputs[0];
    /* A graph output or a kept tensor keeps its name, so its node stays. */
    if (x < 0 || y < 0 || must_stay(o, y)) continue;
    if ((st = record_removed(o, y, g->values[x].name, NULL, "%s '%s'",
                             identity ? "Identity" : "Dropout at inference", n->name)) != SEAM_OK)
      break;
    if (!identity && n->n_outputs > 1 && n->outputs[1] >= 0) {
      if ((st = record_removed(o, n->outputs[1], NULL, NULL,
                               "the mask of Dropout '%s', which is not run at inference",
                               n->name)) != SEAM_OK)
        break;
      kill_value(o, n->outputs[1]);
    }
    alias[y] = x;
    kill_node(o, i);
    kill_value(o, y);
  }
  free(alias);
  return st;
}

/* ---- pass 2: BatchNormalization folded into Conv / ConvTranspose / Gemm ---- */

/* BN as y = x * s[c] + t[c]; channels, and s and t in one buffer. */
typedef struct bn_affine {
  int64_t channels;
  double *s, *t;
} bn_affine;

/* Reads an inference BatchNormalization with constant parameters into bn;
 * false when it is not one. */
static bool bn_affine_of(opt *o, const seam_node *n, bn_affine *bn) {
  const seam_graph *g = o->g;
  if (n->n_inputs < 5) return false;
  for (int k = 1; k < n->n_outputs; k++)
    if (n->outputs[k] >= 0) return false; /* training outputs */
  if (n->opset >= 14 && seam_attr_int(n, "training_mode", 0) != 0) return false;
  if (n->opset < 7 && seam_attr_int(n, "is_test", 0) == 0) return false;
  if (n->opset < 9 && seam_attr_int(n, "spatial", 1) == 0) return false;
  const seam_tensor *p[5];
  for (int k = 1; k < 5; k++) {
    p[k] = has_input(n, k) ? g->values[n->inputs[k]].constant : NULL;
    if (!p[k] || (p[k]->dtype != SEAM_DTYPE_FLOAT32 && p[k]->dtype != SEAM_DTYPE_FLOAT64) ||
        p[k]->rank != 1 || p[k]->count != p[1]->count)
      return false;
  }
  int64_t c = p[1]->count;
  double *buf = malloc(sizeof(double) * (size_t)(2 * c) + 1);
  if (!buf) return false;
  double eps = seam_attr_float(n, "epsilon", 1e-5f);
  bn->channels = c;
  bn->s = buf;
  bn->t = buf + c;
  /* The same arithmetic as the BatchNormalization kernel. */
  for (int64_t i = 0; i < c; i++) {
    bn->s[i] = seam_tensor_get_f64(p[1], i) / sqrt(seam_tensor_get_f64(p[4], i) + eps);
    bn->t[i] = seam_tensor_get_f64(p[2], i) - seam_tensor_get_f64(p[3], i) * bn->s[i];
  }
  return true;
}

/* Folded weights for a Conv: W [M, C/group, k...], output channel m = row m. */
static seam_tensor *fold_conv_weights(const seam_tensor *w, const bn_affine *bn) {
  if (w->rank < 3 || w->dims[0] != bn->channels) return NULL;
  seam_tensor *out = seam_tensor_clone(w, NULL);
  if (!out) return NULL;
  int64_t per = w->count / bn->channels;
  const float *src = w->data;
  float *dst = out->data;
  for (int64_t m = 0; m < bn->channels; m++)
    for (int64_t j = 0; j < per; j++)
      dst[m * per + j] = (float)((double)src[m * per + j] * bn->s[m]);
  return out;
}

/* Folded weights for a ConvTranspose: W [C, M/group, k...]; input channel c
 * is in group c / (C/group), and W[c, j] feeds output channel
 * group * (M/group) + j. */
static seam_tensor *fold_conv_transpose_weights(const seam_node *n, const seam_tensor *w,
                                                const bn_affine *bn) {
  int64_t group = seam_attr_int(n, "group", 1);
  if (w->rank < 3 || group < 1 || w->dims[0] % group != 0 || w->dims[1] * group != bn->channels)
    return NULL;
  seam_tensor *out = seam_tensor_clone(w, NULL);
  if (!out) return NULL;
  int64_t cg = w->dims[0] / group, mg = w->dims[1], kernel = w->count / (w->dims[0] * mg);
  const float *src = w->data;
  float *dst = out->data;
  for (int64_t c = 0; c < w->dims[0]; c++)
    for (int64_t j = 0; j < mg; j++) {
      double s = bn->s[(c / cg) * mg + j];
      for (int64_t k = 0; k < kernel; k++) {
        int64_t i = (c * mg + j) * kernel + k;
        dst[i] = (float)((double)src[i] * s);
      }
    }
  return out;
}

/* Folded B for a Gemm: op(B) is [K, N]; column n is scaled by s[n]. */
static seam_tensor *fold_gemm_weights(const seam_node *n, const seam_tensor *b,
                                      const bn_affine *bn) {
  bool tb = seam_attr_int(n, "transB", 0) != 0;
  if (b->rank != 2 || b->dims[tb ? 0 : 1] != bn->channels) return NULL;
  seam_tensor *out = seam_tensor_clone(b, NULL);
  if (!out) return NULL;
  const float *src = b->data;
  float *dst = out->data;
  for (int64_t r = 0; r < b->dims[0]; r++)
    for (int64_t c = 0; c < b->dims[1]; c++) {
      int64_t i = r * b->dims[1] + c;
      dst[i] = (float)((double)src[i] * bn->s[tb ? r : c]);
    }
  return out;
}

/* The folded bias b'[m] = bias[m] * s[m] + t[m], where bias is the node's
 * bias (Conv B, or beta * Gemm C) or 0; NULL when its shape does not fit. */
static seam_tensor *fold_bias(const seam_node *n, const seam_tensor *bias, const bn_affine *bn) {
  double scale = 1.0;
  bool gemm = is_op(n, "Gemm");
  if (bias) {
    bool per_channel = bias->count == bn->channels &&
                       (bias->rank == 1 || (gemm && bias->rank == 2 && bias->dims[0] == 1));
    bool scalar = gemm && bias->count == 1;
    if (!per_channel && !scalar) return NULL;
    if (gemm) scale = seam_attr_float(n, "beta", 1.0f);
  }
  int64_t dims[1] = {bn->channels};
  seam_tensor *out = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, dims, NULL);
  if (!out) return NULL;
  float *dst = out->data;
  for (int64_t m = 0; m < bn->channels; m++) {
    double b = bias ? scale * (double)((const float *)bias->data)[bias->count == 1 ? 0 : m] : 0.0;
    dst[m] = (float)(b * bn->s[m] + bn->t[m]);
  }
  return out;
}

/* Folds BatchNormalization node i into node p, which produces its input. */
static seam_status fold_one_batch_norm(opt *o, int i, int p) {
  seam_graph *g = o->g;
  bn_affine bn;
  if (!bn_affine_of(o, &g->nodes[i], &bn)) return SEAM_OK;
  seam_status st = SEAM_OK;
  const seam_node *pn = &g->nodes[p];
  const seam_tensor *w = const_f32(g, pn, 1), *bias = const_f32(g, pn, 2);
  seam_tensor *new_w = NULL, *new_b = NULL;
  if (!w || (has_input(pn, 2) && !bias)) goto out;
  if (is_op(pn, "Conv")) new_w = fold_conv_weights(w, &bn);
  else if (is_op(pn, "ConvTranspose")) new_w = fold_conv_transpose_weights(pn, w, &bn);
  else new_w = fold_gemm_weights(pn, w, &bn);
  if (!new_w || !(new_b = fold_bias(pn, bias, &bn))) goto out;

  int x = pn->outputs[0], y = g->nodes[i].outputs[0];
  if ((st = record_removed(o, x, NULL, g->values[y].name,
                           "BatchNormalization '%s' was folded into %s '%s', which now produces '%s'",
                           g->nodes[i].name, pn->op_type, pn->name, g->values[y].name)) != SEAM_OK)
    goto out;
  int wv = add_constant(o, pn->name, "_bnfold_W", new_w);
  new_w = NULL;
  if (wv < 0) {
    st = no_memory(o);
    goto out;
  }
  int bv = add_constant(o, pn->name, "_bnfold_B", new_b);
  new_b = NULL;
  seam_node *node = &g->nodes[p];
  if (bv < 0 || ensure_inputs(o, node, 3) != SEAM_OK) {
    st = no_memory(o);
    goto out;
  }
  set_input(o, node, 1, wv);
  set_input(o, node, 2, bv);
  if (is_op(node, "Gemm")) { /* the bias now holds beta * C */
    seam_attr *beta = (seam_attr *)seam_node_attr(node, "beta");
    if (beta) {
      beta->type = SEAM_ATTR_FLOAT;
      beta->f = 1.0f;
    }
  }
  node->outputs[0] = y;
  g->values[y].producer = p;
  kill_node(o, i);
  kill_value(o, x);
out:
  seam_tensor_free(new_w);
  seam_tensor_free(new_b);
  free(bn.s);
  return st;
}

static seam_status fold_batch_norms(opt *o) {
  static const char *const hosts[] = {"Conv", "ConvTranspose", "Gemm", NULL};
  seam_graph *g = o->g;
  for (int i = 0; i < g->n_nodes; i++) {
    const seam_node *n = &g->nodes[i];
    if (o->dead_node[i] || !is_op(n, "BatchNormalization") || n->n_inputs < 1 || n->n_outputs < 1 ||
        n->inputs[0] < 0 || n->outputs[0] < 0)
      continue;
    int x = n->inputs[0], p = g->values[x].producer;
    if (p < 0 || o->dead_node[p]) continue;
    const seam_node *pn = &g->nodes[p];
    if (!is_one_of(pn, hosts) || pn->n_outputs != 1 || pn->outputs[0] != x ||
        pn->act.kind != SEAM_ACT_NONE || g->values[x].n_consumers != 1 || must_stay(o, x))
      continue;
    seam_status st = fold_one_batch_norm(o, i, p);
    if (st != SEAM_OK) return st;
  }
  return SEAM_OK;
}

/* ---- pass 3: x * HardSigmoid(x) -> HardSwish(x), then activation fusion ---- */

static seam_status rewrite_hard_swish(opt *o) {
  seam_graph *g = o->g;
  const seam_op_def *hard_swish = seam_op_lookup("HardSwish");
  if (!hard_swish) return SEAM_OK;
  for (int i = 0; i < g->n_nodes; i++) {
    seam_node *n = &g->nodes[i];
    if (o->dead_node[i] || !is_op(n, "Mul") || n->n_inputs != 2 || n->n_attrs != 0) continue;
    for (int slot = 0; slot < 2; slot++) {
      int h = n->inputs[slot], x = n->inputs[1 - slot];
      if (h < 0 || x < 0 || g->values[h].n_consumers != 1 || must_stay(o, h)) continue;
      int hp = g->values[h].producer;
      if (hp < 0 || o->dead_node[hp]) continue;
      const seam_node *hs = &g->nodes[hp];
      if (!is_op(hs, "HardSigmoid") || hs->n_inputs != 1 || hs->inputs[0] != x ||
          fabsf(seam_attr_float(hs, "alpha", 0.2f) - 1.0f / 6.0f) > 1e-6f ||
          fabsf(seam_attr_float(hs, "beta", 0.5f) - 0.5f) > 1e-6f)
        continue;
      char *op_type = strdup("HardSwish");
      if (!op_type) return no_memory(o);
      seam_status st = record_removed(o, h, NULL, g->values[n->outputs[0]].name,
                                      "x * HardSigmoid(x) ('%s', '%s') became HardSwish '%s', "
                                      "which produces '%s'",
                                      hs->name, n->name, n->name, g->values[n->outputs[0]].name);
      if (st != SEAM_OK) {
        free(op_type);
        return st;
      }
      set_input(o, n, 0, x);
      set_input(o, n, 1, -1);
      n->n_inputs = 1;
      free(n->op_type);
      n->op_type = op_type;
      n->op = hard_swish;
      kill_node(o, hp);
      kill_value(o, h);
      break;
    }
  }
  return SEAM_OK;
}

/* The dtype of every value as far as it can be told before running: the
 * declared one, a constant's, or for common ops the dtype of their inputs. */
static seam_dtype *known_dtypes(const opt *o) {
  static const char *const any_input[] = {"Add",  "Sub",  "Mul",    "Div",           "MatMul",
                                          "Gemm", "Conv", "Sum",    "Max",           "Min",
                                          "Mean", "Concat", "PRelu", "ConvTranspose", NULL};
  static const char *const first_input[] = {
      "Relu",     "LeakyRelu", "Clip",      "Sigmoid",  "HardSigmoid", "HardSwish",
      "Tanh",     "Elu",       "Selu",      "Softplus", "Mish",        "Erf",
      "Exp",      "Sqrt",      "Neg",       "Abs",      "Pow",         "BatchNormalization",
      "InstanceNormalization", "LRN",       "MaxPool",  "AveragePool", "GlobalAveragePool",
      "GlobalMaxPool", "Reshape", "Flatten", "Transpose", "Squeeze",   "Unsqueeze",
      "Identity", "Dropout",   "Softmax",   "Pad",      "Resize",      "Upsample",
      "Slice",    "Gather",    "Split",     "Expand",   "Tile",        "ReduceMean",
      "DepthToSpace", "SpaceToDepth", NULL};
  const seam_graph *g = o->g;
  seam_dtype *dt = malloc(sizeof *dt * (size_t)(g->n_values + 1));
  if (!dt) return NULL;
  for (int v = 0; v < g->n_values; v++) {
    dt[v] = g->values[v].dtype;
    if (dt[v] == SEAM_DTYPE_UNDEFINED && g->values[v].constant) dt[v] = g->values[v].constant->dtype;
  }
  for (int i = 0; i < g->n_nodes; i++) {
    const seam_node *n = &g->nodes[i];
    if (o->dead_node[i]) continue;
    bool any = is_one_of(n, any_input);
    if (!any && !is_one_of(n, first_input)) continue;
    seam_dtype d = SEAM_DTYPE_UNDEFINED;
    for (int k = 0; k < (any ? n->n_inputs : 1) && k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && dt[n->inputs[k]] != SEAM_DTYPE_UNDEFINED) {
        d = dt[n->inputs[k]];
        break;
      }
    /* Output 0 has the input dtype (MaxPool's indices do not); Split's all do. */
    for (int k = 0; k < (is_op(n, "Split") ? n->n_outputs : 1) && k < n->n_outputs; k++)
      if (n->outputs[k] >= 0 && dt[n->outputs[k]] == SEAM_DTYPE_UNDEFINED) dt[n->outputs[k]] = d;
  }
  return dt;
}

/* The activation an op computes, when it can be fused; false otherwise. */
static bool activation_of(const seam_graph *g, const seam_node *n, seam_activation *act) {
  act->kind = SEAM_ACT_NONE;
  act->min = -INFINITY;
  act->max = INFINITY;
  if (n->n_inputs < 1 || n->n_outputs != 1 || n->outputs[0] < 0) return false;
  if (is_op(n, "Relu")) {
    act->kind = SEAM_ACT_CLAMP;
    act->min = 0.0f;
  } else if (is_op(n, "HardSwish")) {
    act->kind = SEAM_ACT_HARDSWISH;
  } else if (is_op(n, "Sigmoid")) {
    act->kind = SEAM_ACT_SIGMOID;
  } else if (is_op(n, "Clip")) {
    if (n->opset < 11) {
      act->min = (float)seam_attr_float(n, "min", -INFINITY);
      act->max = (float)seam_attr_float(n, "max", INFINITY);
    } else {
      for (int k = 1; k <= 2; k++) {
        if (!has_input(n, k)) continue;
        const seam_tensor *t = const_f32(g, n, k);
        if (!t || t->count != 1) return false;
        *(k == 1 ? &act->min : &act->max) = ((const float *)t->data)[0];
      }
    }
    /* With min > max ONNX's Clip gives max everywhere, which a clamp does not. */
    if (isnan(act->min) || isnan(act->max) || act->min > act->max) return false;
    act->kind = SEAM_ACT_CLAMP;
  }
  return act->kind != SEAM_ACT_NONE;
}

static seam_status fuse_activations(opt *o) {
  static const char *const hosts[] = {"Conv", "ConvTranspose", "Gemm", "MatMul", "Add", NULL};
  seam_graph *g = o->g;
  seam_dtype *dt = known_dtypes(o);
  if (!dt) return no_memory(o);
  seam_status st = SEAM_OK;
  for (int i = 0; i < g->n_nodes && st == SEAM_OK; i++) {
    const seam_node *a = &g->nodes[i];
    seam_activation act;
    if (o->dead_node[i] || !activation_of(g, a, &act) || a->inputs[0] < 0) continue;
    int x = a->inputs[0], y = a->outputs[0], p = g->values[x].producer;
    if (p < 0 || o->dead_node[p] || dt[x] != SEAM_DTYPE_FLOAT32) continue;
    seam_node *pn = &g->nodes[p];
    if (!is_one_of(pn, hosts) || pn->n_outputs < 1 || pn->outputs[0] != x ||
        pn->act.kind != SEAM_ACT_NONE || g->values[x].n_consumers != 1 || must_stay(o, x))
      continue;
    if ((st = record_removed(o, x, NULL, g->values[y].name,
                             "activation '%s' ('%s') was fused into %s '%s', which now produces '%s'",
                             a->op_type, a->name, pn->op_type, pn->name, g->values[y].name)) != SEAM_OK)
      break;
    pn->act = act;
    pn->outputs[0] = y;
    g->values[y].producer = p;
    kill_node(o, i);
    kill_value(o, x);
  }
  free(dt);
  return st;
}

/* ---- QDQ fusion: DequantizeLinear → Conv/MatMul → [Relu|Clip] → QuantizeLinear ---- */

static const seam_tensor *const_value(const seam_graph *g, int v) { return v >= 0 ? g->values[v].constant : NULL; }

/* The live producer of value v when it is an op_type node, or -1. */
static int producer_of(const opt *o, int v, const char *op_type) {
  if (v < 0) return -1;
  int p = o->g->values[v].producer;
  return p >= 0 && !o->dead_node[p] && is_op(&o->g->nodes[p], op_type) ? p : -1;
}

static bool is_q8(seam_dtype dt) { return dt == SEAM_DTYPE_INT8 || dt == SEAM_DTYPE_UINT8; }

static bool positive_scales(const seam_tensor *s) {
  if (!s || s->dtype != SEAM_DTYPE_FLOAT32 || s->rank > 1 || s->count < 1) return false;
  for (int64_t i = 0; i < s->count; i++) {
    float v = ((const float *)s->data)[i];
    if (!(v > 0.0f) || isinf(v)) return false;
  }
  return true;
}

static bool all_zero(const seam_tensor *t) {
  for (int64_t i = 0; i < t->count; i++)
    if (seam_tensor_get_i64(t, i) != 0) return false;
  return true;
}

/* A DequantizeLinear / QuantizeLinear with a constant per-tensor scale and
 * an 8-bit zero point (present). */
static bool per_tensor_qparams(const seam_graph *g, const seam_node *n) {
  const seam_tensor *s = has_input(n, 1) ? const_value(g, n->inputs[1]) : NULL;
  const seam_tensor *z = has_input(n, 2) ? const_value(g, n->inputs[2]) : NULL;
  return n->n_inputs >= 3 && n->inputs[0] >= 0 && positive_scales(s) && s->count == 1 && z && z->count == 1 &&
         z->rank <= 1 && is_q8(z->dtype);
}

/* A DequantizeLinear of a constant of dtype dt whose scale is per tensor or
 * per axis `axis` (channels entries), with zero points 0. */
static bool const_dq(const seam_graph *g, const seam_node *n, seam_dtype dt, int axis, int64_t channels) {
  const seam_tensor *x = has_input(n, 0) ? const_value(g, n->inputs[0]) : NULL;
  const seam_tensor *s = has_input(n, 1) ? const_value(g, n->inputs[1]) : NULL;
  const seam_tensor *z = has_input(n, 2) ? const_value(g, n->inputs[2]) : NULL;
  if (!x || x->dtype != dt || !positive_scales(s) || (has_input(n, 2) && !z)) return false;
  if (z && (z->count != s->count || z->dtype != dt || !all_zero(z))) return false;
  if (s->count == 1) return true;
  int64_t a = seam_attr_int(n, "axis", 1);
  if (a < 0) a += x->rank;
  return s->rank == 1 && s->count == channels && a == axis && n->opset >= 13;
}

/* Quantizes a clamp bound as QuantizeLinear would (float32 division,
 * half to even, saturated). */
static float quantized_bound(float v, float scale, int32_t zp, int32_t lo, int32_t hi) {
  if (isinf(v)) return v < 0 ? (float)lo : (float)hi;
  double q = nearbyint((double)(v / scale)) + zp;
  return (float)(q < lo ? lo : q > hi ? hi : q);
}

/* Tries to fuse the pattern ending in QuantizeLinear node qi. */
static seam_status fuse_one_qdq(opt *o, int qi) {
  seam_graph *g = o->g;
  const seam_node *qn = &g->nodes[qi];
  if (qn->n_outputs != 1 || qn->outputs[0] < 0 || !per_tensor_qparams(g, qn)) return SEAM_OK;
  int y_f = qn->inputs[0];
  if (g->values[y_f].n_consumers != 1 || must_stay(o, y_f) || g->values[y_f].producer < 0) return SEAM_OK;
  int act_node = -1, host = g->values[y_f].producer, a_f = y_f;
  if (o->dead_node[host]) return SEAM_OK;
  seam_activation act = {.kind = SEAM_ACT_NONE, .min = -INFINITY, .max = INFINITY};
  if (is_op(&g->nodes[host], "Relu") || is_op(&g->nodes[host], "Clip")) {
    if (!activation_of(g, &g->nodes[host], &act) || act.kind != SEAM_ACT_CLAMP) return SEAM_OK;
    act_node = host;
    a_f = g->nodes[host].inputs[0];
    if (a_f < 0 || g->values[a_f].n_consumers != 1 || must_stay(o, a_f)) return SEAM_OK;
    host = g->values[a_f].producer;
    if (host < 0 || o->dead_node[host]) return SEAM_OK;
  }
  seam_node *h = &g->nodes[host];
  bool conv = is_op(h, "Conv");
  if ((!conv && !is_op(h, "MatMul")) || h->n_outputs != 1 || h->outputs[0] != a_f || h->act.kind != SEAM_ACT_NONE ||
      h->n_inputs < 2)
    return SEAM_OK;
  int dx = producer_of(o, h->inputs[0], "DequantizeLinear");
  int dw = producer_of(o, h->inputs[1], "DequantizeLinear");
  int db = has_input(h, 2) ? producer_of(o, h->inputs[2], "DequantizeLinear") : -1;
  if (dx < 0 || dw < 0 || (conv && has_input(h, 2) && db < 0) || (!conv && h->n_inputs > 2)) return SEAM_OK;
  /* The fused node reads the int8 tensors instead: a kept float input would
   * no longer feed it, so a cut there could not compute the rest. */
  for (int k = 0; k < h->n_inputs && k < 3; k++)
    if (h->inputs[k] >= 0 && must_stay(o, h->inputs[k])) return SEAM_OK;
  const seam_node *nx = &g->nodes[dx], *nw = &g->nodes[dw];
  if (!per_tensor_qparams(g, nx) || const_value(g, nx->inputs[0])) return SEAM_OK;
  const seam_tensor *w = const_value(g, nw->inputs[0]);
  if (!w || w->dtype != SEAM_DTYPE_INT8) return SEAM_OK;
  int64_t channels;
  if (conv) {
    if (w->rank < 3) return SEAM_OK;
    channels = w->dims[0];
    if (!const_dq(g, nw, SEAM_DTYPE_INT8, 0, channels)) return SEAM_OK;
  } else {
    if (w->rank != 2) return SEAM_OK;
    channels = w->dims[1];
    if (!const_dq(g, nw, SEAM_DTYPE_INT8, 1, channels)) return SEAM_OK;
  }
  float sx = ((const float *)const_value(g, nx->inputs[1])->data)[0];
  const seam_tensor *sw = const_value(g, nw->inputs[1]);
  if (db >= 0) {
    const seam_node *nb = &g->nodes[db];
    const seam_tensor *b = const_value(g, nb->inputs[0]);
    if (!b || b->rank != 1 || b->count != channels || !const_dq(g, nb, SEAM_DTYPE_INT32, 0, channels)) return SEAM_OK;
    const seam_tensor *sb = const_value(g, nb->inputs[1]);
    for (int64_t m = 0; m < channels; m++) {
      double want = (double)sx * ((const float *)sw->data)[sw->count == 1 ? 0 : m];
      double got = ((const float *)sb->data)[sb->count == 1 ? 0 : m];
      if (fabs(got - want) > 1e-6 * fabs(want)) return SEAM_OK;
    }
  }
  /* The pattern holds: rewrite the host node. */
  const char *new_op = conv ? "QLinearConv" : "QLinearMatMul";
  const seam_op_def *def = seam_op_lookup(new_op);
  if (!def) return SEAM_OK;
  int zw = has_input(nw, 2) ? nw->inputs[2] : -1;
  if (zw < 0) {
    int64_t one = 1;
    seam_tensor *z = seam_tensor_create(SEAM_DTYPE_INT8, 0, &one, NULL);
    if (!z || (zw = add_constant(o, h->name, "_w_zero_point", z)) < 0) return no_memory(o);
  }
  char *op_type = strdup(new_op);
  int n_new = conv ? 9 : 8;
  int *inputs = malloc(sizeof(int) * (size_t)n_new);
  if (!op_type || !inputs) {
    free(op_type);
    free(inputs);
    return no_memory(o);
  }
  const seam_node *qq = &g->nodes[qi];
  int y_q = qq->outputs[0];
  int wanted[9] = {nx->inputs[0], nx->inputs[1], nx->inputs[2], nw->inputs[0], nw->inputs[1], zw,
                   qq->inputs[1], qq->inputs[2], db >= 0 ? g->nodes[db].inputs[0] : -1};
  seam_status st;
  if ((st = record_removed(o, a_f, NULL, g->values[y_q].name, "quantized into %s '%s', which now produces '%s'", new_op, h->name,
                           g->values[y_q].name)) != SEAM_OK ||
      (a_f != y_f && (st = record_removed(o, y_f, NULL, g->values[y_q].name, "quantized into %s '%s', which now produces '%s'", new_op,
                                          h->name, g->values[y_q].name)) != SEAM_OK)) {
    free(op_type);
    free(inputs);
    return st;
  }
  for (int k = 0; k < h->n_inputs; k++)
    if (h->inputs[k] >= 0) g->values[h->inputs[k]].n_consumers--;
  for (int k = 0; k < n_new; k++) {
    inputs[k] = wanted[k];
    if (inputs[k] >= 0) g->values[inputs[k]].n_consumers++;
  }
  free(h->inputs);
  h->inputs = inputs;
  h->n_inputs = n_new;
  free(h->op_type);
  h->op_type = op_type;
  h->op = def;
  if (act.kind == SEAM_ACT_CLAMP) {
    const seam_tensor *sy = const_value(g, qq->inputs[1]), *zy = const_value(g, qq->inputs[2]);
    bool u8 = zy->dtype == SEAM_DTYPE_UINT8;
    int32_t lo = u8 ? 0 : INT8_MIN, hi = u8 ? UINT8_MAX : INT8_MAX, z = (int32_t)seam_tensor_get_i64(zy, 0);
    float s = ((const float *)sy->data)[0];
    act.min = quantized_bound(act.min, s, z, lo, hi);
    act.max = quantized_bound(act.max, s, z, lo, hi);
    if (act.min <= (float)lo && act.max >= (float)hi) act.kind = SEAM_ACT_NONE;
    h->act = act;
  }
  h->outputs[0] = y_q;
  g->values[y_q].producer = host;
  kill_node(o, qi);
  kill_value(o, y_f);
  if (act_node >= 0) {
    kill_node(o, act_node);
    kill_value(o, a_f);
  }
  /* Input DequantizeLinear nodes nothing reads any more go too. */
  int dqs[3] = {dx, dw, db};
  for (int j = 0; j < 3; j++) {
    if (dqs[j] < 0 || o->dead_node[dqs[j]]) continue;
    int v = g->nodes[dqs[j]].outputs[0];
    if (v < 0 || g->values[v].n_consumers > 0 || must_stay(o, v)) continue;
    /* The activation's dequantized input can be cut at its int8 tensor. */
    int q = g->nodes[dqs[j]].inputs[0];
    const char *instead = j == 0 && q >= 0 && !g->values[q].constant ? g->values[q].name : NULL;
    if ((st = record_removed(o, v, NULL, instead, "quantized into %s '%s'", new_op, g->nodes[host].name)) !=
        SEAM_OK)
      return st;
    kill_node(o, dqs[j]);
    kill_value(o, v);
  }
  return SEAM_OK;
}

static seam_status fuse_qdq(opt *o) {
  seam_graph *g = o->g;
  for (int i = 0; i < g->n_nodes; i++) {
    if (o->dead_node[i] || !is_op(&g->nodes[i], "QuantizeLinear")) continue;
    seam_status st = fuse_one_qdq(o, i);
    if (st != SEAM_OK) return st;
  }
  return SEAM_OK;
}

/* ---- compaction ---- */

static seam_status compact(opt *o) {
  seam_graph *g = o->g;
  /* Nothing that stays may still refer to a value that goes. */
  for (int i = 0; i < g->n_nodes; i++) {
    if (o->dead_node[i]) continue;
    const seam_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0 && o->dead_value[n->inputs[k]])
        return seam_fail(o->err, SEAM_ERR_INTERNAL, "optimization left node '%s' reading removed '%s'",
                         n->name, g->values[n->inputs[k]].name);
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0 && o->dead_value[n->outputs[k]])
        return seam_fail(o->err, SEAM_ERR_INTERNAL, "optimization left node '%s' writing removed '%s'",
                         n->name, g->values[n->outputs[k]].name);
  }
  for (int i = 0; i < g->n_inputs; i++)
    if (o->dead_value[g->inputs[i]])
      return seam_fail(o->err, SEAM_ERR_INTERNAL, "optimization removed graph input '%s'",
                       g->values[g->inputs[i]].name);
  for (int i = 0; i < g->n_outputs; i++)
    if (o->dead_value[g->outputs[i]])
      return seam_fail(o->err, SEAM_ERR_INTERNAL, "optimization removed graph output '%s'",
                       g->values[g->outputs[i]].name);

  int *map = malloc(sizeof *map * (size_t)(g->n_values + 1));
  if (!map) return no_memory(o);
  int kept = 0;
  for (int i = 0; i < g->n_nodes; i++) {
    if (o->dead_node[i]) {
      seam_node_clear(&g->nodes[i]);
      continue;
    }
    g->nodes[kept++] = g->nodes[i];
  }
  g->n_nodes = kept;
  seam_drop_unread_constants(g); /* weights BatchNormalization folding replaced */
  kept = 0;
  for (int v = 0; v < g->n_values; v++) {
    seam_value *val = &g->values[v];
    if (o->dead_value[v]) {
      free(val->name);
      for (int d = 0; d < SEAM_MAX_RANK; d++) free(val->dim_names[d]);
      seam_tensor_free(val->constant);
      map[v] = -1;
      continue;
    }
    map[v] = kept;
    g->values[kept++] = *val;
  }
  g->n_values = kept;
  for (int i = 0; i < g->n_nodes; i++) {
    seam_node *n = &g->nodes[i];
    for (int k = 0; k < n->n_inputs; k++)
      if (n->inputs[k] >= 0) n->inputs[k] = map[n->inputs[k]];
    for (int k = 0; k < n->n_outputs; k++)
      if (n->outputs[k] >= 0) {
        n->outputs[k] = map[n->outputs[k]];
        g->values[n->outputs[k]].producer = i;
      }
  }
  for (int i = 0; i < g->n_inputs; i++) g->inputs[i] = map[g->inputs[i]];
  for (int i = 0; i < g->n_outputs; i++) g->outputs[i] = map[g->outputs[i]];
  free(map);
  return SEAM_OK;
}

/* Marks the kept tensors that g still has as staying; names g no longer
 * has (constants folding dropped) are skipped. false when out of memory. */
static bool mark_kept(opt *o, const seam_keep *keep) {
  if (!keep || keep->n == 0) return true;
  seam_name_map index = {0};
  bool ok = true;
  for (int v = 0; ok && v < o->g->n_values; v++) ok = seam_name_map_put(&index, o->g->values[v].name, v);
  for (size_t i = 0; ok && i < keep->n; i++) {
    int v = keep->names[i] ? seam_name_map_get(&index, keep->names[i]) : -1;
    if (v >= 0) o->stays[v] = true;
  }
  seam_name_map_clear(&index);
  return ok;
}

/* The bookkeeping every pass shares; false when out of memory. */
static bool opt_init(opt *o, seam_graph *g, const seam_keep *keep, seam_error *err) {
  memset(o, 0, sizeof *o);
  o->g = g;
  o->err = err;
  o->value_cap = g->n_values;
  o->dead_node = calloc((size_t)g->n_nodes + 1, 1);
  o->dead_value = calloc((size_t)o->value_cap + 1, 1);
  o->stays = calloc((size_t)o->value_cap + 1, 1);
  if (!o->dead_node || !o->dead_value || !o->stays) return false;
  for (int i = 0; i < g->n_outputs; i++) o->stays[g->outputs[i]] = true;
  if (!mark_kept(o, keep)) return false;
  for (int v = 0; v < g->n_values; v++)
    if (!seam_name_map_put(&o->taken, g->values[v].name, 0)) return false;
  for (int i = 0; i < g->n_removed; i++)
    if (!seam_name_map_put(&o->taken, g->removed[i].name, 0)) return false;
  return true;
}

static void opt_free(opt *o) {
  free(o->dead_node);
  free(o->dead_value);
  free(o->stays);
  seam_name_map_clear(&o->taken);
}

seam_status seam_optimize_graph(seam_graph *g, const seam_keep *keep, seam_error *err) {
  if (!g) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "graph is NULL");
  opt o;
  seam_status st;
  if (!opt_init(&o, g, keep, err)) st = no_memory(&o);
  else if ((st = drop_passthrough(&o)) != SEAM_OK) {
  } else if ((st = fold_batch_norms(&o)) != SEAM_OK) {
  } else if ((st = rewrite_hard_swish(&o)) != SEAM_OK) {
  } else if ((st = fuse_activations(&o)) != SEAM_OK) {
  } else {
    seam_name_map_clear(&o.taken); /* compaction frees names */
    st = compact(&o);
  }
  opt_free(&o);
  return st;
}

seam_status seam_fuse_qdq(seam_graph *g, const seam_keep *keep, seam_error *err) {
  if (!g) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "graph is NULL");
  opt o;
  seam_status st;
  if (!opt_init(&o, g, keep, err)) st = no_memory(&o);
  else if ((st = fuse_qdq(&o)) == SEAM_OK) {
    seam_name_map_clear(&o.taken);
    st = compact(&o);
  }
  opt_free(&o);
  return st;
}

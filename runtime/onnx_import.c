#include "runtime/onnx_import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "onnx/onnx.pb-c.h"
#include "runtime/attr_types.h"
#include "runtime/name_map.h"
#include "runtime/onnx_tensor.h"
#include "runtime/ops/op.h"

typedef struct builder {
  seam_graph *g;
  int cap_values;
  seam_name_map names; /* value name → index */
  seam_error *err;
} builder;

static char *dup_str(const char *s) {
  s = s ? s : "";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* Index of the value named name, created when absent; -1 on no memory.
 * An unset name (NULL in protobuf-c's proto2 messages) is the empty one. */
static int intern_value(builder *b, const char *name) {
  if (!name) name = "";
  int v = seam_name_map_get(&b->names, name);
  if (v >= 0) return v;
  if (b->g->n_values == b->cap_values) {
    int cap = b->cap_values ? b->cap_values * 2 : 64;
    seam_value *grown = realloc(b->g->values, sizeof *grown * (size_t)cap);
    if (!grown) return -1;
    b->g->values = grown;
    b->cap_values = cap;
  }
  seam_value *val = &b->g->values[b->g->n_values];
  memset(val, 0, sizeof *val);
  val->name = dup_str(name);
  val->rank = -1;
  val->producer = -1;
  if (!val->name || !seam_name_map_put(&b->names, val->name, b->g->n_values)) {
    free(val->name);
    return -1;
  }
  return b->g->n_values++;
}

/* Declared dtype and shape of a graph input/output/value_info entry. */
/* Sequences, maps and optionals are not tensors; seam runs tensor graphs only. */
static seam_status check_tensor_type(builder *b, const Onnx__ValueInfoProto *vi, const char *role) {
  if (!vi->type) return SEAM_OK;
  if (vi->type->value_case == ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
    const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    if (tt->has_elem_type && tt->elem_type != 0 && seam_dtype_size((seam_dtype)tt->elem_type) == 0)
      return seam_fail(b->err, SEAM_ERR_UNSUPPORTED, "graph %s '%s' has ONNX data type %d, which seam cannot hold",
                       role, vi->name ? vi->name : "", (int)tt->elem_type);
    return SEAM_OK;
  }
  static const char *const kinds[] = {"untyped value", "tensor", "?", "?", "sequence", "map", "?",
                                      "?", "sparse tensor", "optional"};
  int k = (int)vi->type->value_case;
  return seam_fail(b->err, SEAM_ERR_UNSUPPORTED, "graph %s '%s' is a %s, not a tensor", role,
                   vi->name ? vi->name : "", k >= 0 && k < 10 ? kinds[k] : "non-tensor type");
}

static void read_type(seam_value *val, const Onnx__ValueInfoProto *vi) {
  if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) return;
  const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
  if (tt->has_elem_type) val->dtype = (seam_dtype)tt->elem_type;
  if (!tt->shape || tt->shape->n_dim > SEAM_MAX_RANK) return;
  val->rank = (int)tt->shape->n_dim;
  for (int d = 0; d < val->rank; d++) {
    const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
    val->dims[d] = -1;
    if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE)
      val->dims[d] = dim->dim_value;
    else if (dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM && !val->dim_names[d])
      val->dim_names[d] = dup_str(dim->dim_param);
  }
}

static seam_status copy_attr(builder *b, seam_attr *a, const Onnx__AttributeProto *p) {
  a->name = dup_str(p->name);
  if (!a->name) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
  a->type = (seam_attr_type)p->type;
  switch (p->type) {
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT: a->f = p->f; break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT: a->i = p->i; break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
    a->s = malloc(p->s.len + 1);
    if (!a->s) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (p->s.len) memcpy(a->s, p->s.data, p->s.len);
    a->s[p->s.len] = '\0';
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
    if (!p->t) return seam_fail(b->err, SEAM_ERR_PARSE, "attribute '%s' has no tensor", a->name);
    if (!(a->tensor = seam_tensor_from_onnx(p->t, NULL, b->err))) return b->err ? b->err->status : SEAM_ERR_PARSE;
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
    a->n = (int)p->n_floats;
    a->floats = malloc(sizeof(float) * (p->n_floats + 1));
    if (!a->floats) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (p->n_floats) memcpy(a->floats, p->floats, sizeof(float) * p->n_floats);
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
    a->n = (int)p->n_ints;
    a->ints = malloc(sizeof(int64_t) * (p->n_ints + 1));
    if (!a->ints) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (p->n_ints) memcpy(a->ints, p->ints, sizeof(int64_t) * p->n_ints);
    break;
  case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
    a->strings = calloc(p->n_strings + 1, sizeof(char *));
    if (!a->strings) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    a->n = (int)p->n_strings;
    for (size_t i = 0; i < p->n_strings; i++) {
      a->strings[i] = malloc(p->strings[i].len + 1);
      if (!a->strings[i]) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
      if (p->strings[i].len) memcpy(a->strings[i], p->strings[i].data, p->strings[i].len);
      a->strings[i][p->strings[i].len] = '\0';
    }
    break;
  default:
    /* Graph-valued and sparse attributes belong to control-flow ops seam does not run. */
    return seam_fail(b->err, SEAM_ERR_UNSUPPORTED, "attribute '%s' has unsupported type %d", a->name,
                     (int)p->type);
  }
  return SEAM_OK;
}

static int default_opset(const Onnx__ModelProto *m) {
  for (size_t i = 0; i < m->n_opset_import; i++) {
    const char *d = m->opset_import[i]->domain;
    if (!d || !*d || strcmp(d, "ai.onnx") == 0) return (int)m->opset_import[i]->version;
  }
  return -1;
}

/* Collects the op types that have no kernel, for one message naming them all. */
static seam_status check_kernels(builder *b, const Onnx__GraphProto *gp, int opset) {
  char missing[SEAM_ERROR_MESSAGE_SIZE / 2] = "";
  const Onnx__NodeProto *first = NULL;
  int count = 0;
  for (size_t i = 0; i < gp->n_node; i++) {
    const Onnx__NodeProto *np = gp->node[i];
    const char *domain = np->domain ? np->domain : "";
    bool default_domain = !*domain || strcmp(domain, "ai.onnx") == 0;
    if (default_domain && np->op_type && seam_op_lookup(np->op_type)) continue;
    /* An empty op type gets a label too: "" would be found in any list. */
    char label[96];
    snprintf(label, sizeof label, "%s%s%s", default_domain ? "" : domain, default_domain ? "" : "::",
             np->op_type && *np->op_type ? np->op_type : "?");
    if (strstr(missing, label)) continue;
    if (!first) first = np;
    count++;
    size_t used = strlen(missing);
    snprintf(missing + used, sizeof missing - used, "%s%s", used ? ", " : "", label);
  }
  if (!first) return SEAM_OK;
  return seam_fail(b->err, SEAM_ERR_UNSUPPORTED,
                   "unsupported operator%s %s (first at node '%s', opset %d)", count > 1 ? "s" : "",
                   missing, first->name && *first->name ? first->name : "(unnamed)", opset);
}

static seam_status add_node(builder *b, const Onnx__NodeProto *np, int index, int opset) {
  seam_node *n = &b->g->nodes[index];
  char fallback[32];
  snprintf(fallback, sizeof fallback, "%s_%d", np->op_type ? np->op_type : "node", index);
  n->name = dup_str(np->name && *np->name ? np->name : fallback);
  n->op_type = dup_str(np->op_type);
  n->opset = opset;
  n->op = seam_op_lookup(np->op_type);
  n->n_inputs = (int)np->n_input;
  n->n_outputs = (int)np->n_output;
  n->inputs = malloc(sizeof(int) * (np->n_input + 1));
  n->outputs = malloc(sizeof(int) * (np->n_output + 1));
  n->attrs = calloc(np->n_attribute + 1, sizeof *n->attrs);
  if (!n->name || !n->op_type || !n->inputs || !n->outputs || !n->attrs)
    return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < np->n_attribute; i++) {
    /* A wrongly typed attribute would read as absent (its default): refuse it. */
    const Onnx__AttributeProto *a = np->attribute[i];
    seam_attr_type want = seam_attr_expected_type(n->op_type, opset, a->name ? a->name : "");
    if (want && (int)a->type != (int)want)
      return seam_fail(b->err, SEAM_ERR_INVALID_ARGUMENT, "node '%s' (%s): attribute '%s' is %s, expected %s",
                       n->name, n->op_type, a->name, a->type ? seam_attr_type_name((seam_attr_type)a->type) : "untyped",
                       seam_attr_type_name(want));
    seam_status st = copy_attr(b, &n->attrs[i], np->attribute[i]);
    n->n_attrs = (int)i + 1;
    if (st != SEAM_OK) return st;
  }
  for (size_t i = 0; i < np->n_input; i++) {
    n->inputs[i] = -1;
    if (np->input[i] && *np->input[i] && (n->inputs[i] = intern_value(b, np->input[i])) < 0)
      return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  for (size_t i = 0; i < np->n_output; i++) {
    n->outputs[i] = -1;
    if (!np->output[i] || !*np->output[i]) continue;
    int v = intern_value(b, np->output[i]);
    if (v < 0) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (b->g->values[v].producer >= 0 || b->g->values[v].constant)
      return seam_fail(b->err, SEAM_ERR_PARSE, "tensor '%s' is produced twice", np->output[i]);
    b->g->values[v].producer = index;
    n->outputs[i] = v;
  }
  return SEAM_OK;
}

/* Kahn's algorithm: ONNX asks for sorted nodes but not every exporter obliges.
 * Linear in nodes + edges: every value lists the nodes that read it. */
static seam_status sort_nodes(builder *b) {
  seam_graph *g = b->g;
  int nn = g->n_nodes, nv = g->n_values;
  int *pending = calloc((size_t)nn + 1, sizeof(int)), *order = malloc(sizeof(int) * ((size_t)nn + 1));
  /* The readers of value v are readers[start[v]] .. readers[start[v + 1] - 1]. */
  int *start = calloc((size_t)nv + 2, sizeof(int)), *readers = NULL;
  seam_node *sorted = malloc(sizeof *sorted * ((size_t)nn + 1));
  seam_status st = SEAM_OK;
  if (!pending || !order || !start || !sorted) goto no_memory;
  for (int i = 0; i < nn; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v < 0 || g->values[v].producer < 0) continue;
      pending[i]++;
      start[v + 2]++;
    }
  for (int v = 0; v < nv; v++) start[v + 2] += start[v + 1];
  if (!(readers = malloc(sizeof(int) * ((size_t)start[nv + 1] + 1)))) goto no_memory;
  for (int i = 0; i < nn; i++) /* start[v + 1] advances while v's readers are filled in */
    for (int k = 0; k < g->nodes[i].n_inputs; k++) {
      int v = g->nodes[i].inputs[k];
      if (v >= 0 && g->values[v].producer >= 0) readers[start[v + 1]++] = i;
    }
  int head = 0, tail = 0;
  for (int i = 0; i < nn; i++)
    if (pending[i] == 0) order[tail++] = i;
  while (head < tail) {
    const seam_node *n = &g->nodes[order[head++]];
    for (int k = 0; k < n->n_outputs; k++) {
      int v = n->outputs[k];
      if (v < 0) continue;
      for (int r = start[v]; r < start[v + 1]; r++)
        if (--pending[readers[r]] == 0) order[tail++] = readers[r];
    }
  }
  if (tail != nn) {
    st = seam_fail(b->err, SEAM_ERR_PARSE, "the graph has a cycle");
    goto out;
  }
  int *new_index = pending; /* reuse: old index → new index */
  for (int i = 0; i < nn; i++) {
    sorted[i] = g->nodes[order[i]];
    new_index[order[i]] = i;
  }
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].producer >= 0) g->values[v].producer = new_index[g->values[v].producer];
  free(g->nodes);
  g->nodes = sorted;
  sorted = NULL;
  goto out;
no_memory:
  st = seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
out:
  free(pending);
  free(order);
  free(start);
  free(readers);
  free(sorted);
  return st;
}

static seam_status build(builder *b, const Onnx__ModelProto *m, const char *base_dir) {
  const Onnx__GraphProto *gp = m->graph;
  if (!gp) return seam_fail(b->err, SEAM_ERR_PARSE, "the model has no graph");
  int opset = default_opset(m);
  seam_status st = check_kernels(b, gp, opset);
  if (st != SEAM_OK) return st;
  if (opset < 1 && gp->n_node > 0)
    return seam_fail(b->err, SEAM_ERR_PARSE, "the model imports no ai.onnx opset");
  seam_graph *g = b->g;
  g->opset = opset;

  for (size_t i = 0; i < gp->n_initializer; i++) {
    Onnx__TensorProto *tp = gp->initializer[i];
    int v = intern_value(b, tp->name ? tp->name : "");
    if (v < 0) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (g->values[v].constant)
      return seam_fail(b->err, SEAM_ERR_PARSE, "initializer '%s' appears twice",
                       tp->name ? tp->name : "");
    if (!(g->values[v].constant = seam_tensor_adopt_onnx(tp, base_dir, b->err)))
      return b->err ? b->err->status : SEAM_ERR_PARSE;
    g->values[v].dtype = g->values[v].constant->dtype;
  }
  g->inputs = malloc(sizeof(int) * (gp->n_input + 1));
  g->outputs = malloc(sizeof(int) * (gp->n_output + 1));
  g->nodes = calloc(gp->n_node + 1, sizeof *g->nodes);
  if (!g->inputs || !g->outputs || !g->nodes) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (size_t i = 0; i < gp->n_input; i++) {
    int v = intern_value(b, gp->input[i]->name);
    if (v < 0) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (g->values[v].constant) continue; /* an initializer listed as input: a default, kept constant */
    if ((st = check_tensor_type(b, gp->input[i], "input")) != SEAM_OK) return st;
    read_type(&g->values[v], gp->input[i]);
    g->inputs[g->n_inputs++] = v;
  }
  for (size_t i = 0; i < gp->n_node; i++) {
    g->n_nodes = (int)i + 1;
    if ((st = add_node(b, gp->node[i], (int)i, opset)) != SEAM_OK) return st;
  }
  for (size_t i = 0; i < gp->n_value_info; i++) {
    int v = seam_name_map_get(&b->names, gp->value_info[i]->name ? gp->value_info[i]->name : "");
    if (v >= 0 && !g->values[v].constant) read_type(&g->values[v], gp->value_info[i]);
  }
  for (size_t i = 0; i < gp->n_output; i++) {
    int v = seam_name_map_get(&b->names, gp->output[i]->name ? gp->output[i]->name : "");
    if (v < 0)
      return seam_fail(b->err, SEAM_ERR_PARSE, "graph output '%s' is never produced",
                       gp->output[i]->name ? gp->output[i]->name : "");
    if ((st = check_tensor_type(b, gp->output[i], "output")) != SEAM_OK) return st;
    if (!g->values[v].constant) read_type(&g->values[v], gp->output[i]);
    g->outputs[g->n_outputs++] = v;
  }
  /* Every value read must come from somewhere. */
  bool *is_input = calloc((size_t)g->n_values + 1, 1);
  if (!is_input) return seam_fail(b->err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int i = 0; i < g->n_inputs; i++) is_input[g->inputs[i]] = true;
  for (int v = 0; v < g->n_values; v++) {
    seam_value *val = &g->values[v];
    if (!val->constant && val->producer < 0 && !is_input[v]) {
      free(is_input);
      return seam_fail(b->err, SEAM_ERR_PARSE, "tensor '%s' is read but nothing produces it", val->name);
    }
  }
  free(is_input);
  if ((st = sort_nodes(b)) != SEAM_OK) return st;
  for (int i = 0; i < g->n_nodes; i++)
    for (int k = 0; k < g->nodes[i].n_inputs; k++)
      if (g->nodes[i].inputs[k] >= 0) g->values[g->nodes[i].inputs[k]].n_consumers++;
  return SEAM_OK;
}

seam_graph *seam_onnx_import(const void *bytes, size_t size, const char *base_dir,
                             seam_error *err) {
  Onnx__ModelProto *m = onnx__model_proto__unpack(&seam_onnx_padded_allocator, size, bytes);
  if (!m) {
    seam_fail(err, SEAM_ERR_PARSE, "not a valid ONNX model: the protobuf is corrupt or truncated (%zu bytes)", size);
    return NULL;
  }
  builder b = {.g = calloc(1, sizeof(seam_graph)), .err = err};
  seam_status st = b.g ? build(&b, m, base_dir) : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  onnx__model_proto__free_unpacked(m, &seam_onnx_padded_allocator);
  seam_name_map_clear(&b.names);
  if (st != SEAM_OK) {
    seam_graph_free(b.g);
    return NULL;
  }
  return b.g;
}

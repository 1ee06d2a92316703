#include "runtime/plan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/layout.h"
#include "runtime/ops/op.h"
#include "runtime/run_limits.h"
#include "runtime/xnn/xnn_backend.h"

#define ARENA_ALIGN 64

typedef enum layout { LAYOUT_NCHW = 0, LAYOUT_NHWC = 1 } layout;

/* One physical tensor: in the arena, or fixed (a constant, a value computed
 * while planning, or a plan-owned copy of one in another layout). */
typedef struct buffer {
  int value;
  layout lay;
  seam_tensor logical; /* dtype and ONNX (NCHW) dims; no data */
  const void *fixed;   /* data of a fixed buffer; NULL for arena buffers */
  size_t bytes, offset;
  int first, last; /* steps that write it first and read it last */
} buffer;

typedef enum step_kind { STEP_PORTABLE, STEP_XNN, STEP_TO_NHWC, STEP_TO_NCHW } step_kind;

typedef struct step {
  step_kind kind;
  const seam_node *node; /* the graph node (NULL for layout conversions) */
  seam_node shadow;      /* a copy with remapped attributes, when has_shadow */
  bool has_shadow;
  int n_in, n_out;
  int *in, *out;             /* buffer indices; -1 for omitted */
  layout *in_lay, *out_lay;  /* the layout each side is read/written in */
  bool binary;               /* an XNNPACK step reading in[0] and in[1] */
  seam_tensor *views;        /* n_in + n_out tensor views on the buffers */
  const seam_tensor **in_ptrs;
  seam_tensor **out_ptrs;
  seam_xnn_op *xnn;
} step;

struct seam_plan {
  const seam_graph *g;
  bool usable; /* false: the graph cannot be planned for this request */
  int n_given, n_wanted;
  int *given_values, *wanted;
  seam_tensor *given_shapes; /* dtype and dims of what the plan was built for */
  seam_tensor **given_values_kept; /* per given: the values a plan is keyed on, or NULL */
  int *given_buf, *wanted_buf;
  buffer *bufs;
  int n_bufs, cap_bufs;
  step *steps;
  int n_steps, cap_steps;
  int *buf_of; /* [value * 2 + layout] → buffer, or -1 */
  seam_tensor **owned; /* tensors the plan owns (planned values, permuted constants) */
  int n_owned, cap_owned;
  void *arena;
  size_t arena_bytes;
  void *scratch; /* shared by the XNNPACK steps that need it (Winograd) */
  size_t scratch_bytes;
  size_t output_bytes;     /* of the wanted values, copied out by every run */
  size_t max_memory_bytes; /* the build's limit: arena + scratch + outputs */
  size_t footprint;        /* what the plan keeps (seam_plan_memory_bytes) */
  pthreadpool_t threadpool;
};

/* Ops whose output shapes depend on the data of these inputs (bit i = input
 * i). Such an input must be known while planning, or the graph cannot be
 * planned. */
static unsigned data_shape_inputs(const char *op) {
  static const struct {
    const char *op;
    unsigned mask;
  } table[] = {
      {"Reshape", 1u << 1}, {"Expand", 1u << 1},  {"Tile", 1u << 1},     {"Slice", 0x1eu},
      {"ConstantOfShape", 1u}, {"Range", 0x7u},   {"Resize", 0xeu},      {"Upsample", 1u << 1},
      {"Pad", 0xau},         {"Squeeze", 1u << 1}, {"Unsqueeze", 1u << 1}, {"Split", 1u << 1},
      {"TopK", 1u << 1},     {"OneHot", 1u << 1},  {"MaxUnpool", 1u << 2},
  };
  if (strncmp(op, "Reduce", 6) == 0) return 1u << 1;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(table[i].op, op) == 0) return table[i].mask;
  return 0;
}

/* ---- growing arrays ---- */

static bool grow(void **array, int *cap, int need, size_t elem) {
  if (need <= *cap) return true;
  int cap2 = *cap ? *cap * 2 : 32;
  while (cap2 < need) cap2 *= 2;
  void *p = realloc(*array, elem * (size_t)cap2);
  if (!p) return false;
  memset((char *)p + elem * (size_t)*cap, 0, elem * (size_t)(cap2 - *cap));
  *array = p;
  *cap = cap2;
  return true;
}

static int add_owned(seam_plan *p, seam_tensor *t) {
  if (!grow((void **)&p->owned, &p->cap_owned, p->n_owned + 1, sizeof *p->owned)) return -1;
  p->owned[p->n_owned++] = t;
  return 0;
}

static int add_buffer(seam_plan *p, int value, layout lay, const seam_tensor *shape, const void *fixed) {
  if (!grow((void **)&p->bufs, &p->cap_bufs, p->n_bufs + 1, sizeof *p->bufs)) return -1;
  buffer *b = &p->bufs[p->n_bufs];
  memset(b, 0, sizeof *b);
  b->value = value;
  b->lay = lay;
  b->logical = *shape;
  b->logical.data = NULL;
  b->logical.owns_data = false;
  b->fixed = fixed;
  b->bytes = seam_tensor_nbytes(shape);
  b->first = INT32_MAX;
  b->last = -1;
  return p->n_bufs++;
}

static step *add_step(seam_plan *p, step_kind kind, const seam_node *node, int n_in, int n_out) {
  if (!grow((void **)&p->steps, &p->cap_steps, p->n_steps + 1, sizeof *p->steps)) return NULL;
  step *s = &p->steps[p->n_steps];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  s->node = node;
  s->n_in = n_in;
  s->n_out = n_out;
  s->in = malloc(sizeof(int) * (size_t)(n_in + 1));
  s->out = malloc(sizeof(int) * (size_t)(n_out + 1));
  s->in_lay = calloc((size_t)(n_in + 1), sizeof(layout));
  s->out_lay = calloc((size_t)(n_out + 1), sizeof(layout));
  if (!s->in || !s->out || !s->in_lay || !s->out_lay) {
    free(s->in);
    free(s->out);
    free(s->in_lay);
    free(s->out_lay);
    return NULL;
  }
  for (int i = 0; i < n_in; i++) s->in[i] = -1;
  for (int i = 0; i < n_out; i++) s->out[i] = -1;
  p->n_steps++;
  return s;
}

/* ---- layouts ---- */

/* A rank-4 tensor whose channel or spatial extent is 1 has the same memory
 * order in NCHW and NHWC. */
static bool layout_agnostic(const seam_tensor *t) {
  return t->rank != 4 || t->dims[1] == 1 || t->dims[2] * t->dims[3] == 1;
}

static void physical_dims(const seam_tensor *logical, layout lay, int64_t *dims) {
  memcpy(dims, logical->dims, sizeof(int64_t) * (size_t)logical->rank);
  if (lay == LAYOUT_NHWC && logical->rank == 4) {
    dims[1] = logical->dims[2];
    dims[2] = logical->dims[3];
    dims[3] = logical->dims[1];
  }
}

/* The buffer holding value v in layout want, adding a conversion (a step for
 * activations, a permuted copy for fixed data) when only the other exists. */
static int buffer_in_layout(seam_plan *p, int v, layout want, seam_error *err) {
  int have = p->buf_of[v * 2 + want];
  if (have >= 0) return have;
  int other = p->buf_of[v * 2 + !want];
  if (other < 0) {
    seam_fail(err, SEAM_ERR_INTERNAL, "plan: value '%s' has no buffer", p->g->values[v].name);
    return -1;
  }
  buffer *ob = &p->bufs[other];
  if (layout_agnostic(&ob->logical)) return p->buf_of[v * 2 + want] = other;
  seam_tensor logical = ob->logical;
  if (ob->fixed) {
    seam_tensor *copy = seam_tensor_create(logical.dtype, 4, logical.dims, err);
    if (!copy || add_owned(p, copy) < 0) {
      seam_tensor_free(copy);
      return -1;
    }
    seam_layout_convert(ob->fixed, copy->data, logical.dims, seam_dtype_size(logical.dtype),
                        want == LAYOUT_NHWC);
    int b = add_buffer(p, v, want, &logical, copy->data);
    return b < 0 ? -1 : (p->buf_of[v * 2 + want] = b);
  }
  int b = add_buffer(p, v, want, &logical, NULL);
  step *s = b < 0 ? NULL : add_step(p, want == LAYOUT_NHWC ? STEP_TO_NHWC : STEP_TO_NCHW, NULL, 1, 1);
  if (!s) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return -1;
  }
  s->in[0] = other;
  s->in_lay[0] = !want;
  s->out[0] = b;
  s->out_lay[0] = want;
  return p->buf_of[v * 2 + want] = b;
}

/* ---- shape pass ---- */

typedef struct planner {
  seam_plan *p;
  const seam_graph *g;
  seam_tensor **shape_of; /* per value: shape (and data when static) */
  bool *is_static;        /* value known while planning (constant or shape-derived) */
  bool *needed;
  void *zeros; /* read-only zero data handed to infer for unknown inputs */
  size_t zeros_bytes;
  bool fast;
  size_t max_memory_bytes; /* no tensor (nor a node's outputs) may be larger */
} planner;

static bool ensure_zeros(planner *pl, size_t bytes) {
  if (bytes <= pl->zeros_bytes) return true;
  void *z = calloc(1, bytes + SEAM_TENSOR_TAIL_PAD);
  if (!z) return false;
  free(pl->zeros);
  pl->zeros = z;
  pl->zeros_bytes = bytes;
  return true;
}

/* Infers the outputs of node i, computing them for real when every input is
 * known while planning (or when only input shapes matter: Shape, Size). */
static seam_status plan_shapes_of(planner *pl, int i, seam_error *err) {
  const seam_node *node = &pl->g->nodes[i];
  bool all_static = true, shape_only = strcmp(node->op_type, "Shape") == 0 || strcmp(node->op_type, "Size") == 0;
  unsigned data_inputs = data_shape_inputs(node->op_type);
  size_t max_bytes = 0;
  for (int k = 0; k < node->n_inputs; k++) {
    int v = node->inputs[k];
    if (v < 0) continue;
    if (!pl->is_static[v]) {
      all_static = false;
      if (k < 32 && (data_inputs & (1u << k)))
        return seam_fail(err, SEAM_ERR_UNSUPPORTED, "the shape of node '%s' (%s) depends on tensor data",
                         node->name, node->op_type);
      size_t b = seam_tensor_nbytes(pl->shape_of[v]);
      if (b > max_bytes) max_bytes = b;
    }
  }
  if (!ensure_zeros(pl, max_bytes)) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  const seam_tensor *in[64];
  seam_tensor views[64];
  seam_tensor *out[64] = {0};
  if (node->n_inputs > 64 || node->n_outputs > 64)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "node '%s' has too many inputs or outputs to plan", node->name);
  for (int k = 0; k < node->n_inputs; k++) {
    int v = node->inputs[k];
    in[k] = NULL;
    if (v < 0) continue;
    if (pl->is_static[v]) {
      in[k] = pl->shape_of[v];
    } else {
      views[k] = *pl->shape_of[v];
      views[k].data = pl->zeros;
      views[k].owns_data = false;
      in[k] = &views[k];
    }
  }
  seam_status st;
  if (all_static || shape_only) {
    if ((st = seam_node_execute_within(node, in, out, pl->max_memory_bytes, err)) != SEAM_OK) return st;
    for (int k = 0; k < node->n_outputs; k++) {
      int v = node->outputs[k];
      if (v < 0) {
        seam_tensor_free(out[k]);
        continue;
      }
      if (add_owned(pl->p, out[k]) < 0) {
        seam_tensor_free(out[k]);
        return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      }
      pl->shape_of[v] = out[k];
      pl->is_static[v] = true;
    }
    return SEAM_OK;
  }
  for (int k = 0; k < node->n_outputs; k++) {
    if (node->outputs[k] < 0) continue;
    if (!(out[k] = seam_tensor_new_shell()) || add_owned(pl->p, out[k]) < 0) {
      seam_tensor_free(out[k]);
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    }
    pl->shape_of[node->outputs[k]] = out[k];
  }
  seam_op_ctx ctx = {.node = node, .n_inputs = node->n_inputs, .inputs = in, .n_outputs = node->n_outputs,
                     .outputs = out, .err = err};
  /* A shape this large would never be allocated: refuse it before a later
   * node's zero inputs are made that large. */
  if ((st = node->op->infer(&ctx)) == SEAM_OK)
    st = seam_check_output_bytes(node, out, pl->max_memory_bytes, err);
  if (st != SEAM_OK)
    seam_error_prefix(err, "node '%s' (%s, opset %d)", node->name, node->op_type, node->opset);
  return st;
}

/* ---- steps ---- */

/* Buffers for the outputs of a node, in layout lay. */
static seam_status add_outputs(planner *pl, const seam_node *node, step *s, layout lay, seam_error *err) {
  seam_plan *p = pl->p;
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v < 0) continue;
    int b = add_buffer(p, v, lay, pl->shape_of[v], NULL);
    if (b < 0) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    s->out[k] = b;
    s->out_lay[k] = lay;
    /* A value the caller gives is never overwritten: the node's copy is scratch. */
    if (p->buf_of[v * 2 + lay] < 0 && p->buf_of[v * 2 + !lay] < 0) p->buf_of[v * 2 + lay] = b;
  }
  return SEAM_OK;
}

static layout primary_layout(const seam_plan *p, int v) {
  return p->buf_of[v * 2 + LAYOUT_NHWC] >= 0 && p->buf_of[v * 2 + LAYOUT_NCHW] < 0 ? LAYOUT_NHWC : LAYOUT_NCHW;
}

/* A Concat of NHWC activations along channels runs in NHWC (axis 1 → 3). */
static bool concat_in_nhwc(planner *pl, const seam_node *node) {
  if (!pl->fast || strcmp(node->op_type, "Concat") != 0) return false;
  int64_t axis = seam_attr_int(node, "axis", 1);
  bool any_nhwc = false;
  for (int k = 0; k < node->n_inputs; k++) {
    int v = node->inputs[k];
    if (v < 0 || pl->is_static[v] || pl->shape_of[v]->rank != 4) return false;
    if (axis != 1 && axis != -3) return false;
    any_nhwc |= primary_layout(pl->p, v) == LAYOUT_NHWC && !layout_agnostic(pl->shape_of[v]);
  }
  return any_nhwc;
}

static seam_status make_shadow_axis(step *s, const seam_node *node, int64_t axis, seam_error *err) {
  s->shadow = *node;
  s->shadow.attrs = malloc(sizeof(seam_attr) * (size_t)(node->n_attrs + 1));
  if (!s->shadow.attrs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  int n = 0;
  for (int a = 0; a < node->n_attrs; a++)
    if (strcmp(node->attrs[a].name, "axis") != 0) s->shadow.attrs[n++] = node->attrs[a];
  memset(&s->shadow.attrs[n], 0, sizeof(seam_attr));
  s->shadow.attrs[n].name = "axis";
  s->shadow.attrs[n].type = SEAM_ATTR_INT;
  s->shadow.attrs[n].i = axis;
  s->shadow.n_attrs = n + 1;
  s->has_shadow = true;
  return SEAM_OK;
}

/* Moves the step at index to the end (after conversions added for it). */
static step *move_to_end(seam_plan *p, int index) {
  if (index != p->n_steps - 1) {
    step moved = p->steps[index];
    memmove(&p->steps[index], &p->steps[index + 1], sizeof(step) * (size_t)(p->n_steps - 1 - index));
    p->steps[p->n_steps - 1] = moved;
  }
  return &p->steps[p->n_steps - 1];
}

/* Sets input k of the step at index to value v in layout lay (adding any
 * conversion step); returns the step's new address or NULL. */
static step *bind_input(seam_plan *p, int index, int k, int v, layout lay, seam_error *err) {
  int b = buffer_in_layout(p, v, lay, err);
  if (b < 0) return NULL;
  p->steps[index].in[k] = b;
  p->steps[index].in_lay[k] = lay;
  return &p->steps[index];
}

/* Per-tensor QuantizeLinear / DequantizeLinear are elementwise: they run in
 * the layout their rank-4 input already has (saves two conversions around
 * every quantized tensor between XNNPACK steps). */
static bool qdq_in_nhwc(planner *pl, const seam_node *node) {
  if (!pl->fast || (strcmp(node->op_type, "QuantizeLinear") != 0 && strcmp(node->op_type, "DequantizeLinear") != 0))
    return false;
  if (node->n_inputs < 2 || node->inputs[0] < 0 || node->inputs[1] < 0 || pl->is_static[node->inputs[0]])
    return false;
  int v = node->inputs[0];
  if (pl->shape_of[v]->rank != 4 || pl->shape_of[node->inputs[1]]->count != 1) return false;
  for (int k = 1; k < node->n_inputs; k++)
    if (node->inputs[k] >= 0 && pl->shape_of[node->inputs[k]]->count != 1) return false;
  return primary_layout(pl->p, v) == LAYOUT_NHWC && !layout_agnostic(pl->shape_of[v]);
}

static seam_status plan_portable(planner *pl, const seam_node *node, seam_error *err) {
  seam_plan *p = pl->p;
  bool nhwc = concat_in_nhwc(pl, node) || qdq_in_nhwc(pl, node);
  step *s = add_step(p, STEP_PORTABLE, node, node->n_inputs, node->n_outputs);
  if (!s) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  int index = (int)(s - p->steps);
  if (nhwc && strcmp(node->op_type, "Concat") == 0 && make_shadow_axis(s, node, 3, err) != SEAM_OK)
    return SEAM_ERR_NO_MEMORY;
  for (int k = 0; k < node->n_inputs; k++)
    if (node->inputs[k] >= 0 &&
        !bind_input(p, index, k, node->inputs[k], nhwc && (k == 0 || strcmp(node->op_type, "Concat") == 0) ? LAYOUT_NHWC : LAYOUT_NCHW, err))
      return err ? err->status : SEAM_ERR_INTERNAL;
  s = move_to_end(p, index);
  return add_outputs(pl, node, s, nhwc ? LAYOUT_NHWC : LAYOUT_NCHW, err);
}

static seam_status plan_xnn_node(planner *pl, const seam_node *node, seam_xnn_class cls, seam_error *err) {
  seam_plan *p = pl->p;
  const seam_tensor *in[16] = {0};
  for (int k = 0; k < node->n_inputs && k < 16; k++)
    in[k] = node->inputs[k] >= 0 ? pl->shape_of[node->inputs[k]] : NULL;
  const seam_tensor *out0 = pl->shape_of[node->outputs[0]];
  step *s = add_step(p, STEP_XNN, node, node->n_inputs, 1);
  if (!s) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  int index = (int)(s - p->steps);
  seam_status st;
  layout lay = LAYOUT_NCHW;
  if (cls == SEAM_XNN_SPATIAL || cls == SEAM_XNN_ROWS) {
    lay = cls == SEAM_XNN_SPATIAL ? LAYOUT_NHWC : LAYOUT_NCHW;
    if (!bind_input(p, index, 0, node->inputs[0], lay, err)) return err ? err->status : SEAM_ERR_INTERNAL;
    /* Weights stay visible to observers (MACs, profiles) in their ONNX layout. */
    for (int k = 1; k < node->n_inputs; k++)
      if (node->inputs[k] >= 0 && !bind_input(p, index, k, node->inputs[k], LAYOUT_NCHW, err))
        return err ? err->status : SEAM_ERR_INTERNAL;
    s = move_to_end(p, index);
    if ((st = seam_xnn_create_node(node, in, out0, &s->xnn, err)) != SEAM_OK) return st;
  } else {
    /* Elementwise: NHWC when an activation input already is, else NCHW. */
    bool binary = node->n_inputs >= 2 && strcmp(node->op_type, "Clip") != 0;
    int n_operands = binary ? 2 : 1;
    bool any_nhwc = false, all_fit = true;
    for (int k = 0; k < n_operands; k++) {
      int v = node->inputs[k];
      const seam_tensor *t = pl->shape_of[v];
      if (pl->is_static[v]) {
        all_fit &= t->rank <= 4;
      } else {
        all_fit &= t->rank == 4 || (t->count == 1);
        any_nhwc |= primary_layout(p, v) == LAYOUT_NHWC && !layout_agnostic(t);
      }
    }
    lay = any_nhwc && all_fit && out0->rank == 4 ? LAYOUT_NHWC : LAYOUT_NCHW;
    int64_t shapes[2][8];
    int ranks[2] = {-1, -1};
    for (int k = 0; k < n_operands; k++) {
      int v = node->inputs[k];
      seam_tensor logical = *pl->shape_of[v];
      if (lay == LAYOUT_NHWC && logical.rank < 4 && logical.count > 1) {
        /* Broadcast constants are aligned to NCHW: pad to rank 4 before permuting. */
        seam_tensor *padded = seam_tensor_new_shell();
        int64_t dims4[4] = {1, 1, 1, 1};
        for (int d = 0; d < logical.rank; d++) dims4[4 - logical.rank + d] = logical.dims[d];
        if (!padded || add_owned(p, padded) < 0 ||
            seam_tensor_set_shape(padded, logical.dtype, 4, dims4, err) != SEAM_OK)
          return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        padded->data = pl->shape_of[v]->data;
        seam_tensor *copy = seam_tensor_create(logical.dtype, 4, dims4, err);
        if (!copy || add_owned(p, copy) < 0) {
          seam_tensor_free(copy);
          return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        }
        seam_layout_convert(padded->data, copy->data, dims4, seam_dtype_size(logical.dtype), true);
        int b = add_buffer(p, v, LAYOUT_NHWC, padded, copy->data);
        if (b < 0) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        p->steps[index].in[k] = b;
        p->steps[index].in_lay[k] = LAYOUT_NHWC;
        ranks[k] = 4;
        physical_dims(padded, LAYOUT_NHWC, shapes[k]);
        continue;
      }
      if (!bind_input(p, index, k, v, logical.rank == 4 ? lay : LAYOUT_NCHW, err))
        return err ? err->status : SEAM_ERR_INTERNAL;
      ranks[k] = logical.rank;
      physical_dims(&logical, logical.rank == 4 ? lay : LAYOUT_NCHW, shapes[k]);
    }
    s = move_to_end(p, index);
    bool is_const[16] = {0};
    for (int k = 0; k < node->n_inputs && k < 16; k++) is_const[k] = node->inputs[k] >= 0 && pl->is_static[node->inputs[k]];
    if ((st = seam_xnn_create_elementwise(node, in, is_const, ranks[0], shapes[0], binary ? ranks[1] : -1,
                                          shapes[1], out0->count, &s->xnn, err)) != SEAM_OK)
      return st;
    s->binary = binary;
    /* Clip's bounds are folded into the operator; observers see the operands only. */
    s->n_in = n_operands;
  }
  return add_outputs(pl, node, s, lay, err);
}

static seam_status plan_node(planner *pl, int i, seam_error *err) {
  const seam_node *node = &pl->g->nodes[i];
  if (pl->fast && node->n_outputs >= 1 && node->outputs[0] >= 0) {
    const seam_tensor *in[16] = {0};
    bool is_const[16] = {0};
    if (node->n_inputs <= 16) {
      for (int k = 0; k < node->n_inputs; k++) {
        int v = node->inputs[k];
        in[k] = v >= 0 ? pl->shape_of[v] : NULL;
        is_const[k] = v >= 0 && pl->is_static[v];
      }
      seam_xnn_class cls = seam_xnn_classify(node, in, is_const, pl->shape_of[node->outputs[0]]);
      /* Only one output may be in use for an XNNPACK step. */
      for (int k = 1; k < node->n_outputs; k++) cls = node->outputs[k] >= 0 ? SEAM_XNN_NONE : cls;
      if (cls != SEAM_XNN_NONE) return plan_xnn_node(pl, node, cls, err);
    }
  }
  return plan_portable(pl, node, err);
}

/* ---- memory ---- */

static size_t round_up(size_t n, size_t a) { return (n + a - 1) / a * a; }

/* Larger buffers first; ties by creation order, so plans are deterministic. */
static bool placed_before(const buffer *bufs, int a, int b) {
  return bufs[a].bytes != bufs[b].bytes ? bufs[a].bytes > bufs[b].bytes : a < b;
}

/* Places arena buffers by liveness: largest first, each at the lowest offset
 * that no buffer alive at the same time occupies. */
static seam_status place_buffers(seam_plan *p, seam_error *err) {
  int *order = malloc(sizeof(int) * (size_t)(p->n_bufs + 1));
  int *placed = malloc(sizeof(int) * (size_t)(p->n_bufs + 1));
  if (!order || !placed) {
    free(order);
    free(placed);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  int n = 0, n_placed = 0;
  for (int b = 0; b < p->n_bufs; b++)
    if (!p->bufs[b].fixed) order[n++] = b;
  /* insertion sort: a plan has a few hundred buffers */
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && placed_before(p->bufs, order[j], order[j - 1]); j--) {
      int t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  size_t total = 0;
  for (int i = 0; i < n; i++) {
    buffer *b = &p->bufs[order[i]];
    size_t size = round_up(b->bytes + SEAM_TENSOR_TAIL_PAD, ARENA_ALIGN), offset = 0;
    for (bool moved = true; moved;) {
      moved = false;
      for (int j = 0; j < n_placed; j++) {
        const buffer *o = &p->bufs[placed[j]];
        size_t osize = round_up(o->bytes + SEAM_TENSOR_TAIL_PAD, ARENA_ALIGN);
        bool live_together = b->first <= o->last && o->first <= b->last;
        if (live_together && offset < o->offset + osize && o->offset < offset + size) {
          offset = o->offset + osize;
          moved = true;
        }
      }
    }
    b->offset = offset;
    if (offset + size > total) total = offset + size;
    placed[n_placed++] = order[i];
  }
  free(order);
  free(placed);
  p->arena_bytes = total;
  size_t need = total + p->scratch_bytes;
  if (need < total || need > SIZE_MAX - p->output_bytes || need + p->output_bytes > p->max_memory_bytes)
    return seam_fail(err, SEAM_ERR_LIMIT,
                     "the run would need %zu bytes of activations, %zu of scratch and %zu of outputs, "
                     "over its limit of %zu bytes",
                     total, p->scratch_bytes, p->output_bytes, p->max_memory_bytes);
  if (total && posix_memalign(&p->arena, ARENA_ALIGN, total) != 0) {
    p->arena = NULL;
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory for a %zu-byte arena", total);
  }
  return SEAM_OK;
}

static void *buffer_data(const seam_plan *p, int b) {
  const buffer *buf = &p->bufs[b];
  return buf->fixed ? (void *)buf->fixed : (char *)p->arena + buf->offset;
}

/* A tensor view of buffer b as the step reads it: a layout-agnostic buffer
 * may be read in the other layout than it was written in. */
static void make_view(const seam_plan *p, int b, layout lay, seam_tensor *view) {
  const buffer *buf = &p->bufs[b];
  int64_t dims[SEAM_MAX_RANK];
  physical_dims(&buf->logical, lay, dims);
  memset(view, 0, sizeof *view);
  seam_tensor_set_shape(view, buf->logical.dtype, buf->logical.rank, dims, NULL);
  view->data = buffer_data(p, b);
}

/* Computes liveness, places buffers, builds tensor views and sets up the
 * XNNPACK operators on their final pointers. */
static seam_status finish(seam_plan *p, seam_error *err) {
  for (int i = 0; i < p->n_given; i++)
    if (p->given_buf[i] >= 0) p->bufs[p->given_buf[i]].first = -1;
  for (int s = 0; s < p->n_steps; s++) {
    step *st = &p->steps[s];
    for (int k = 0; k < st->n_in; k++)
      if (st->in[k] >= 0 && p->bufs[st->in[k]].last < s) p->bufs[st->in[k]].last = s;
    for (int k = 0; k < st->n_out; k++)
      if (st->out[k] >= 0) {
        buffer *b = &p->bufs[st->out[k]];
        if (b->first > s) b->first = s;
        if (b->last < s) b->last = s;
      }
  }
  for (int i = 0; i < p->n_wanted; i++) p->bufs[p->wanted_buf[i]].last = p->n_steps;
  for (int b = 0; b < p->n_bufs; b++)
    if (p->bufs[b].first == INT32_MAX) p->bufs[b].first = p->bufs[b].last < 0 ? 0 : -1;
  size_t scratch = 0; /* steps run one at a time: one buffer, the largest need */
  for (int s = 0; s < p->n_steps; s++) {
    size_t need = p->steps[s].kind == STEP_XNN ? seam_xnn_scratch_bytes(p->steps[s].xnn) : 0;
    if (need > scratch) scratch = need;
  }
  p->scratch_bytes = scratch ? round_up(scratch + SEAM_XNN_EXTRA_BYTES, ARENA_ALIGN) : 0;
  seam_status st = place_buffers(p, err);
  if (st != SEAM_OK) return st;
  if (scratch && posix_memalign(&p->scratch, ARENA_ALIGN, p->scratch_bytes)) {
    p->scratch = NULL;
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory for %zu bytes of scratch", scratch);
  }
  for (int s = 0; s < p->n_steps; s++) {
    step *sp = &p->steps[s];
    sp->views = calloc((size_t)(sp->n_in + sp->n_out + 1), sizeof *sp->views);
    sp->in_ptrs = calloc((size_t)(sp->n_in + 1), sizeof *sp->in_ptrs);
    sp->out_ptrs = calloc((size_t)(sp->n_out + 1), sizeof *sp->out_ptrs);
    if (!sp->views || !sp->in_ptrs || !sp->out_ptrs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    for (int k = 0; k < sp->n_in; k++)
      if (sp->in[k] >= 0) {
        make_view(p, sp->in[k], sp->in_lay[k], &sp->views[k]);
        sp->in_ptrs[k] = &sp->views[k];
      }
    for (int k = 0; k < sp->n_out; k++)
      if (sp->out[k] >= 0) {
        make_view(p, sp->out[k], sp->out_lay[k], &sp->views[sp->n_in + k]);
        sp->out_ptrs[k] = &sp->views[sp->n_in + k];
      }
    if (sp->kind == STEP_XNN &&
        (st = seam_xnn_setup(sp->xnn, buffer_data(p, sp->in[0]), sp->binary ? buffer_data(p, sp->in[1]) : NULL,
                             buffer_data(p, sp->out[0]), p->scratch, p->threadpool, err)) != SEAM_OK) {
      seam_error_prefix(err, "node '%s' (%s)", sp->node->name, sp->node->op_type);
      return st;
    }
  }
  return SEAM_OK;
}

/* The wanted values' bytes (copied out by every run) against the request's
 * output limit, and the least any plan of this request needs (the largest
 * node's inputs and outputs, live together) against its memory limit: both
 * known from the shape pass, before any operator packs its weights. */
static seam_status check_outputs(planner *pl, const seam_plan_request *req, seam_error *err) {
  size_t outputs = 0;
  for (int i = 0; i < req->n_wanted; i++) {
    size_t b = seam_tensor_nbytes(pl->shape_of[req->wanted[i]]);
    outputs = b > SIZE_MAX - outputs ? SIZE_MAX : outputs + b;
  }
  pl->p->output_bytes = outputs;
  if (req->max_output_bytes && outputs > req->max_output_bytes)
    return seam_fail(err, SEAM_ERR_LIMIT, "the requested tensors would take %zu bytes, over the limit of %zu",
                     outputs, req->max_output_bytes);
  size_t peak = 0;
  for (int i = 0; i < pl->g->n_nodes; i++) {
    if (!pl->needed[i]) continue;
    const seam_node *node = &pl->g->nodes[i];
    size_t b = 0;
    for (int k = 0; k < node->n_inputs; k++)
      if (node->inputs[k] >= 0 && !pl->is_static[node->inputs[k]])
        b += seam_tensor_nbytes(pl->shape_of[node->inputs[k]]);
    for (int k = 0; k < node->n_outputs; k++)
      if (node->outputs[k] >= 0 && !pl->is_static[node->outputs[k]])
        b += seam_tensor_nbytes(pl->shape_of[node->outputs[k]]);
    if (b > peak) peak = b;
  }
  if (peak > pl->max_memory_bytes || outputs > pl->max_memory_bytes - peak)
    return seam_fail(err, SEAM_ERR_LIMIT,
                     "the run would need at least %zu bytes of activations and %zu of outputs, over its "
                     "limit of %zu bytes",
                     peak, outputs, pl->max_memory_bytes);
  return SEAM_OK;
}

/* What a built plan keeps: its arena and scratch, the tensors it owns
 * (planned values, permuted constants), and an estimate of the XNNPACK
 * operators' packed weights (the size of the constants they read). */
static size_t footprint(const seam_plan *p) {
  size_t total = p->arena_bytes + p->scratch_bytes;
  for (int i = 0; i < p->n_owned; i++) total += seam_tensor_nbytes(p->owned[i]);
  for (int s = 0; s < p->n_steps; s++) {
    const step *sp = &p->steps[s];
    if (sp->kind != STEP_XNN || !sp->node) continue;
    for (int k = 0; k < sp->node->n_inputs; k++) {
      int v = sp->node->inputs[k];
      if (v >= 0 && p->g->values[v].constant) total += seam_tensor_nbytes(p->g->values[v].constant);
    }
  }
  return total;
}

/* ---- public ---- */

/* A given intermediate integer tensor of a few elements: a piece of a shape
 * computation handed over at a cut. Graph inputs never are (token ids and
 * the like must not multiply plans). */
static bool is_shape_piece(const seam_graph *g, int v, const seam_tensor *t) {
  return g->values[v].producer >= 0 && (t->dtype == SEAM_DTYPE_INT64 || t->dtype == SEAM_DTYPE_INT32) &&
         t->count <= 16;
}

seam_status seam_plan_build(const seam_graph *g, const seam_plan_request *req, seam_plan **out,
                            seam_error *err) {
  *out = NULL;
  seam_plan *p = calloc(1, sizeof *p);
  planner pl = {.p = p, .g = g, .fast = req->fast_kernels && seam_xnn_available(),
                .max_memory_bytes = req->max_memory_bytes ? req->max_memory_bytes : SIZE_MAX};
  seam_status st = SEAM_OK;
  size_t nv = (size_t)g->n_values;
  if (!p) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  p->g = g;
  p->threadpool = req->threadpool;
  p->max_memory_bytes = pl.max_memory_bytes;
  p->n_given = req->n_given;
  p->n_wanted = req->n_wanted;
  p->given_values = malloc(sizeof(int) * (size_t)(req->n_given + 1));
  p->wanted = malloc(sizeof(int) * (size_t)(req->n_wanted + 1));
  p->given_shapes = calloc((size_t)req->n_given + 1, sizeof *p->given_shapes);
  p->given_values_kept = calloc((size_t)req->n_given + 1, sizeof *p->given_values_kept);
  p->given_buf = malloc(sizeof(int) * (size_t)(req->n_given + 1));
  p->wanted_buf = malloc(sizeof(int) * (size_t)(req->n_wanted + 1));
  p->buf_of = malloc(sizeof(int) * (nv * 2 + 1));
  pl.shape_of = calloc(nv + 1, sizeof *pl.shape_of);
  pl.is_static = calloc(nv + 1, 1);
  pl.needed = calloc((size_t)g->n_nodes + 1, 1);
  if (!p->given_values || !p->wanted || !p->given_shapes || !p->given_values_kept || !p->given_buf || !p->wanted_buf || !p->buf_of ||
      !pl.shape_of || !pl.is_static || !pl.needed) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < nv * 2; i++) p->buf_of[i] = -1;
  for (size_t v = 0; v < nv; v++)
    if (g->values[v].constant) {
      pl.shape_of[v] = g->values[v].constant;
      pl.is_static[v] = true;
    }
  for (int i = 0; i < req->n_given; i++) {
    int v = req->given_values[i];
    p->given_values[i] = v;
    p->given_shapes[i] = *req->given[i];
    p->given_shapes[i].data = NULL;
    p->given_shapes[i].owns_data = false;
    pl.shape_of[v] = &p->given_shapes[i];
    pl.is_static[v] = false; /* a given tensor overrides a constant of the same name */
    if (is_shape_piece(g, v, req->given[i])) {
      /* A cut through a shape subgraph hands over small integer tensors
       * (Shape → Gather → Concat pieces). Keying the plan on their values
       * keeps the tail plannable, exactly as in the full graph. */
      seam_tensor *kept = seam_tensor_clone(req->given[i], err);
      if (!kept || add_owned(p, kept) < 0) {
        seam_tensor_free(kept);
        st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        goto out;
      }
      p->given_values_kept[i] = kept;
      pl.shape_of[v] = kept;
      pl.is_static[v] = true;
    }
  }
  memcpy(p->wanted, req->wanted, sizeof(int) * (size_t)req->n_wanted);
  {
    bool *available = calloc(nv + 1, 1);
    if (!available) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
    for (size_t v = 0; v < nv; v++) available[v] = g->values[v].constant != NULL;
    for (int i = 0; i < req->n_given; i++) available[req->given_values[i]] = true;
    st = seam_graph_mark_needed(g, available, req->n_wanted, req->wanted, pl.needed, err);
    free(available);
    if (st != SEAM_OK) goto out;
  }
  for (int i = 0; i < g->n_nodes; i++)
    if (pl.needed[i] && (st = plan_shapes_of(&pl, i, err)) != SEAM_OK) {
      if (st == SEAM_ERR_UNSUPPORTED) goto unplannable;
      goto out;
    }
  if ((st = check_outputs(&pl, req, err)) != SEAM_OK) goto out;
  /* Given tensors enter the arena in NCHW (kept shape pieces are fixed). */
  for (int i = 0; i < req->n_given; i++) {
    int v = req->given_values[i];
    if (p->given_values_kept[i]) {
      p->given_buf[i] = -1;
      continue;
    }
    int b = add_buffer(p, v, LAYOUT_NCHW, &p->given_shapes[i], NULL);
    if (b < 0) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
    p->given_buf[i] = p->buf_of[v * 2 + LAYOUT_NCHW] = b;
  }
  for (size_t v = 0; v < nv; v++)
    if (pl.is_static[v] && p->buf_of[v * 2] < 0 && (p->buf_of[v * 2] = add_buffer(p, (int)v, LAYOUT_NCHW, pl.shape_of[v], pl.shape_of[v]->data)) < 0) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      goto out;
    }
  for (int i = 0; i < g->n_nodes; i++) {
    if (!pl.needed[i]) continue;
    bool computed = true;
    for (int k = 0; k < g->nodes[i].n_outputs; k++) {
      int v = g->nodes[i].outputs[k];
      computed &= v < 0 || pl.is_static[v];
    }
    if (computed) continue; /* evaluated while planning */
    if ((st = plan_node(&pl, i, err)) != SEAM_OK) goto out;
  }
  for (int i = 0; i < req->n_wanted; i++)
    if ((p->wanted_buf[i] = buffer_in_layout(p, req->wanted[i], LAYOUT_NCHW, err)) < 0) {
      st = err ? err->status : SEAM_ERR_INTERNAL;
      goto out;
    }
  st = finish(p, err);
  p->usable = st == SEAM_OK;
  if (p->usable) p->footprint = footprint(p);
  goto out;
unplannable:
  /* Keep only the request, so the caller remembers not to try again. */
  for (int i = 0; i < p->n_owned; i++) seam_tensor_free(p->owned[i]);
  p->n_owned = 0;
  for (int i = 0; i < p->n_given; i++) p->given_values_kept[i] = NULL; /* freed above */
  p->usable = false;
  st = SEAM_OK;
out:
  free(pl.shape_of);
  free(pl.is_static);
  free(pl.needed);
  free(pl.zeros);
  if (st != SEAM_OK) {
    seam_plan_free(p);
    return st;
  }
  *out = p;
  return SEAM_OK;
}

void seam_plan_free(seam_plan *p) {
  if (!p) return;
  for (int s = 0; s < p->n_steps; s++) {
    step *sp = &p->steps[s];
    free(sp->in);
    free(sp->out);
    free(sp->in_lay);
    free(sp->out_lay);
    free(sp->views);
    free(sp->in_ptrs);
    free(sp->out_ptrs);
    if (sp->has_shadow) free(sp->shadow.attrs);
    seam_xnn_free(sp->xnn);
  }
  for (int i = 0; i < p->n_owned; i++) seam_tensor_free(p->owned[i]);
  free(p->owned);
  free(p->steps);
  free(p->bufs);
  free(p->buf_of);
  free(p->given_values);
  free(p->wanted);
  free(p->given_shapes);
  free(p->given_values_kept);
  free(p->given_buf);
  free(p->wanted_buf);
  free(p->arena);
  free(p->scratch);
  free(p);
}

bool seam_plan_matches(const seam_plan *p, int n_given, const int *given_values,
                       const seam_tensor *const *given, int n_wanted, const int *wanted) {
  if (p->n_given != n_given || p->n_wanted != n_wanted) return false;
  for (int i = 0; i < n_wanted; i++)
    if (p->wanted[i] != wanted[i]) return false;
  for (int i = 0; i < n_given; i++)
    if (p->given_values[i] != given_values[i] || !seam_tensor_same_shape(&p->given_shapes[i], given[i]) ||
        (p->given_values_kept[i] &&
         memcmp(p->given_values_kept[i]->data, given[i]->data, seam_tensor_nbytes(given[i])) != 0))
      return false;
  return true;
}

seam_status seam_plan_run(seam_plan *p, const seam_tensor *const *given, seam_tensor **out,
                          const seam_node_observer *observer, const seam_run_options *run,
                          seam_error *err) {
  for (int i = 0; i < p->n_wanted; i++) out[i] = NULL;
  for (int i = 0; i < p->n_given; i++) {
    size_t bytes = seam_tensor_nbytes(given[i]);
    if (bytes && p->given_buf[i] >= 0) memcpy(buffer_data(p, p->given_buf[i]), given[i]->data, bytes);
  }
  seam_status st = SEAM_OK;
  for (int s = 0; s < p->n_steps && st == SEAM_OK; s++) {
    step *sp = &p->steps[s];
    const seam_node *node = sp->has_shadow ? &sp->shadow : sp->node;
    if (seam_run_should_stop(run)) {
      char where[160];
      snprintf(where, sizeof where, "before node '%s'", node ? node->name : "(layout conversion)");
      st = seam_run_check_stop(run, where, err);
      if (st != SEAM_OK) break;
    }
    if (node && observer && observer->before_node) observer->before_node(observer->user, sp->node);
    switch (sp->kind) {
    case STEP_PORTABLE: {
      /* The arena is reused: give kernels the zeroed outputs a fresh allocation would. */
      for (int k = 0; k < sp->n_out; k++)
        if (sp->out_ptrs[k]) memset(sp->out_ptrs[k]->data, 0, seam_tensor_nbytes(sp->out_ptrs[k]));
      seam_op_ctx ctx = {.node = node, .n_inputs = sp->n_in, .inputs = sp->in_ptrs, .n_outputs = sp->n_out,
                         .outputs = sp->out_ptrs, .err = err};
      /* Planning inferred shapes without the data of computed tensors; infer
       * again on the real data (cheap) so a kernel that refuses some values
       * (training-mode Dropout, say) still refuses them. */
      st = node->op->infer(&ctx);
      for (int k = 0; st == SEAM_OK && k < sp->n_out; k++)
        if (sp->out_ptrs[k] && seam_tensor_nbytes(sp->out_ptrs[k]) != p->bufs[sp->out[k]].bytes) {
          /* The shape depends on data after all: retire the plan. */
          p->usable = false;
          st = seam_fail(err, SEAM_ERR_UNSUPPORTED, "node '%s': output %d depends on tensor data", node->name, k);
        }
      if (st == SEAM_OK) st = node->op->run(&ctx);
      if (st == SEAM_OK && node->act.kind != SEAM_ACT_NONE && sp->out_ptrs[0])
        seam_activation_apply(&node->act, sp->out_ptrs[0]);
      if (st != SEAM_OK) seam_error_prefix(err, "node '%s' (%s, opset %d)", node->name, node->op_type, node->opset);
      break;
    }
    case STEP_XNN: st = seam_xnn_run(sp->xnn, p->threadpool, err); break;
    case STEP_TO_NHWC:
    case STEP_TO_NCHW: {
      const buffer *b = &p->bufs[sp->in[0]];
      seam_layout_convert(buffer_data(p, sp->in[0]), buffer_data(p, sp->out[0]), b->logical.dims,
                          seam_dtype_size(b->logical.dtype), sp->kind == STEP_TO_NHWC);
      break;
    }
    }
    if (st == SEAM_OK && node && observer && observer->after_node)
      observer->after_node(observer->user, sp->node, sp->in_ptrs, sp->out_ptrs);
  }
  for (int i = 0; i < p->n_wanted && st == SEAM_OK; i++) {
    const buffer *b = &p->bufs[p->wanted_buf[i]];
    if (!(out[i] = seam_tensor_create(b->logical.dtype, (size_t)b->logical.rank, b->logical.dims, err))) {
      st = SEAM_ERR_NO_MEMORY;
      break;
    }
    size_t bytes = seam_tensor_nbytes(out[i]);
    if (bytes) memcpy(out[i]->data, buffer_data(p, p->wanted_buf[i]), bytes);
  }
  if (st != SEAM_OK)
    for (int i = 0; i < p->n_wanted; i++) {
      seam_tensor_free(out[i]);
      out[i] = NULL;
    }
  return st;
}

size_t seam_plan_arena_bytes(const seam_plan *p) { return p->arena_bytes; }

size_t seam_plan_memory_bytes(const seam_plan *p) { return p->footprint; }

size_t seam_plan_run_bytes(const seam_plan *p) {
  return p->arena_bytes + p->scratch_bytes + p->output_bytes;
}

size_t seam_plan_output_bytes(const seam_plan *p) { return p->output_bytes; }

bool seam_plan_usable(const seam_plan *p) { return p->usable; }

void seam_plan_step_counts(const seam_plan *p, int *fast, int *portable, int *conversions) {
  *fast = *portable = *conversions = 0;
  for (int s = 0; s < p->n_steps; s++) {
    switch (p->steps[s].kind) {
    case STEP_XNN: (*fast)++; break;
    case STEP_PORTABLE: (*portable)++; break;
    default: (*conversions)++; break;
    }
  }
}

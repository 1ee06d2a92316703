#include "tests/unit/onnx_builder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything a model allocates is tracked and freed with it. */
struct tb_model {
  Onnx__ModelProto model;
  Onnx__GraphProto graph;
  Onnx__OperatorSetIdProto opset;
  Onnx__OperatorSetIdProto *opsets[1];
  void **allocs;
  size_t n_allocs, cap_allocs;
  void *bytes;
};

static void *tb_alloc(tb_model *m, size_t size) {
  if (m->n_allocs == m->cap_allocs) {
    m->cap_allocs = m->cap_allocs ? m->cap_allocs * 2 : 64;
    m->allocs = realloc(m->allocs, sizeof(void *) * m->cap_allocs);
  }
  void *p = calloc(1, size ? size : 1);
  m->allocs[m->n_allocs++] = p;
  return p;
}

static char *tb_strdup(tb_model *m, const char *s) {
  char *d = tb_alloc(m, strlen(s) + 1);
  strcpy(d, s);
  return d;
}

/* Appends item to a protobuf-c repeated pointer field. Arrays grown only
 * here hold a power of two of slots, so a new one is needed only when count
 * reaches one (linear time and memory for graphs of many nodes). */
#define TB_APPEND(m, count, array, item)                                        \
  do {                                                                          \
    if (((count) & ((count) - 1)) == 0) {                                       \
      void **grown_ = tb_alloc((m), sizeof(void *) * ((count) ? 2 * (count) : 1)); \
      if ((count)) memcpy(grown_, (array), sizeof(void *) * (count));           \
      (array) = (void *)grown_;                                                 \
    }                                                                           \
    ((void **)(array))[(count)] = (item);                                       \
    (count)++;                                                                  \
  } while (0)

tb_model *tb_new(int opset) {
  tb_model *m = calloc(1, sizeof *m);
  onnx__model_proto__init(&m->model);
  onnx__graph_proto__init(&m->graph);
  onnx__operator_set_id_proto__init(&m->opset);
  m->opset.domain = "";
  m->opset.has_version = 1;
  m->opset.version = opset;
  m->opsets[0] = &m->opset;
  m->model.has_ir_version = 1;
  m->model.ir_version = 8;
  m->model.n_opset_import = 1;
  m->model.opset_import = m->opsets;
  m->model.graph = &m->graph;
  m->graph.name = "test";
  return m;
}

void tb_free(tb_model *m) {
  if (!m) return;
  for (size_t i = 0; i < m->n_allocs; i++) free(m->allocs[i]);
  free(m->allocs);
  free(m->bytes);
  free(m);
}

static Onnx__ValueInfoProto *value_info(tb_model *m, const char *name, seam_dtype dtype, int rank,
                                        const int64_t *dims) {
  Onnx__ValueInfoProto *vi = tb_alloc(m, sizeof *vi);
  onnx__value_info_proto__init(vi);
  vi->name = tb_strdup(m, name);
  if (dtype == SEAM_DTYPE_UNDEFINED) return vi;
  Onnx__TypeProto *tp = tb_alloc(m, sizeof *tp);
  onnx__type_proto__init(tp);
  Onnx__TypeProto__Tensor *tt = tb_alloc(m, sizeof *tt);
  onnx__type_proto__tensor__init(tt);
  tt->has_elem_type = 1;
  tt->elem_type = (int32_t)dtype;
  Onnx__TensorShapeProto *shape = tb_alloc(m, sizeof *shape);
  onnx__tensor_shape_proto__init(shape);
  for (int d = 0; d < rank; d++) {
    Onnx__TensorShapeProto__Dimension *dim = tb_alloc(m, sizeof *dim);
    onnx__tensor_shape_proto__dimension__init(dim);
    if (dims[d] >= 0) {
      dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
      dim->dim_value = dims[d];
    } else {
      char label[16];
      snprintf(label, sizeof label, "d%d", d);
      dim->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
      dim->dim_param = tb_strdup(m, label);
    }
    TB_APPEND(m, shape->n_dim, shape->dim, dim);
  }
  tt->shape = shape;
  tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
  tp->tensor_type = tt;
  vi->type = tp;
  return vi;
}

void tb_input(tb_model *m, const char *name, seam_dtype dtype, int rank, const int64_t *dims) {
  Onnx__ValueInfoProto *vi = value_info(m, name, dtype, rank, dims);
  TB_APPEND(m, m->graph.n_input, m->graph.input, vi);
}

void tb_output(tb_model *m, const char *name) {
  Onnx__ValueInfoProto *vi = value_info(m, name, SEAM_DTYPE_UNDEFINED, 0, NULL);
  TB_APPEND(m, m->graph.n_output, m->graph.output, vi);
}

static Onnx__TensorProto *new_tensor(tb_model *m, const char *name, seam_dtype dtype, int rank,
                                     const int64_t *dims) {
  Onnx__TensorProto *t = tb_alloc(m, sizeof *t);
  onnx__tensor_proto__init(t);
  t->name = tb_strdup(m, name);
  t->has_data_type = 1;
  t->data_type = (int32_t)dtype;
  t->n_dims = (size_t)rank;
  t->dims = tb_alloc(m, sizeof(int64_t) * (size_t)(rank + 1));
  if (rank) memcpy(t->dims, dims, sizeof(int64_t) * (size_t)rank);
  return t;
}

static size_t count_of(int rank, const int64_t *dims) {
  size_t n = 1;
  for (int d = 0; d < rank; d++) n *= (size_t)dims[d];
  return n;
}

static Onnx__StringStringEntryProto *entry(tb_model *m, const char *key, const char *value) {
  Onnx__StringStringEntryProto *e = tb_alloc(m, sizeof *e);
  onnx__string_string_entry_proto__init(e);
  e->key = tb_strdup(m, key);
  e->value = tb_strdup(m, value);
  return e;
}

void tb_init_f32(tb_model *m, const char *name, int rank, const int64_t *dims, const float *values,
                 tb_storage storage, const char *ext_dir) {
  Onnx__TensorProto *t = new_tensor(m, name, SEAM_DTYPE_FLOAT32, rank, dims);
  size_t n = count_of(rank, dims);
  if (storage == TB_RAW) {
    t->has_raw_data = 1;
    t->raw_data.len = n * sizeof(float);
    t->raw_data.data = tb_alloc(m, t->raw_data.len);
    memcpy(t->raw_data.data, values, t->raw_data.len);
  } else if (storage == TB_TYPED) {
    t->n_float_data = n;
    t->float_data = tb_alloc(m, sizeof(float) * n);
    memcpy(t->float_data, values, sizeof(float) * n);
  } else {
    char file[64], path[1024];
    snprintf(file, sizeof file, "%s.bin", name);
    snprintf(path, sizeof path, "%s/%s", ext_dir, file);
    FILE *f = fopen(path, "wb");
    if (f) {
      fwrite("PAD!", 1, 4, f); /* a non-zero offset, as real exporters write several tensors per file */
      fwrite(values, sizeof(float), n, f);
      fclose(f);
    }
    char offset[16], length[32];
    snprintf(offset, sizeof offset, "4");
    snprintf(length, sizeof length, "%zu", n * sizeof(float));
    t->has_data_location = 1;
    t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
    TB_APPEND(m, t->n_external_data, t->external_data, entry(m, "location", file));
    TB_APPEND(m, t->n_external_data, t->external_data, entry(m, "offset", offset));
    TB_APPEND(m, t->n_external_data, t->external_data, entry(m, "length", length));
  }
  TB_APPEND(m, m->graph.n_initializer, m->graph.initializer, t);
}

void tb_fill_random(float *x, size_t n, unsigned seed, float lo, float hi) {
  uint32_t s = seed * 2654435761u + 12345u;
  for (size_t i = 0; i < n; i++) {
    s = s * 1664525u + 1013904223u;
    x[i] = lo + (hi - lo) * (float)(s >> 8) / (float)(1u << 24);
  }
}

void tb_init_random(tb_model *m, const char *name, int rank, const int64_t *dims, unsigned seed, float lo,
                    float hi) {
  size_t n = count_of(rank, dims);
  float *v = malloc(sizeof(float) * (n ? n : 1));
  tb_fill_random(v, n, seed, lo, hi);
  tb_init_f32(m, name, rank, dims, v, TB_RAW, NULL);
  free(v);
}

void tb_init_bn(tb_model *m, const char *prefix, int64_t c, unsigned seed) {
  const char *what[4] = {"_scale", "_bias", "_mean", "_var"};
  const float lo[4] = {0.5f, -1.0f, -0.5f, 0.2f}, hi[4] = {1.5f, 1.0f, 0.5f, 2.0f};
  for (int i = 0; i < 4; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s%s", prefix, what[i]);
    tb_init_random(m, name, 1, &c, seed + (unsigned)i, lo[i], hi[i]);
  }
}

void tb_init_i64(tb_model *m, const char *name, int rank, const int64_t *dims, const int64_t *values) {
  Onnx__TensorProto *t = new_tensor(m, name, SEAM_DTYPE_INT64, rank, dims);
  size_t n = count_of(rank, dims);
  t->n_int64_data = n;
  t->int64_data = tb_alloc(m, sizeof(int64_t) * n);
  memcpy(t->int64_data, values, sizeof(int64_t) * n);
  TB_APPEND(m, m->graph.n_initializer, m->graph.initializer, t);
}

void tb_init_raw(tb_model *m, const char *name, seam_dtype dtype, int rank, const int64_t *dims,
                 const void *values) {
  Onnx__TensorProto *t = new_tensor(m, name, dtype, rank, dims);
  size_t n = count_of(rank, dims);
  t->has_raw_data = 1;
  t->raw_data.len = n * seam_dtype_size(dtype);
  t->raw_data.data = tb_alloc(m, t->raw_data.len + 1);
  memcpy(t->raw_data.data, values, t->raw_data.len);
  TB_APPEND(m, m->graph.n_initializer, m->graph.initializer, t);
}

/* Splits a comma-separated list into a protobuf-c string array. */
static void split_names(tb_model *m, const char *csv, size_t *n, char ***names) {
  *n = 0;
  *names = NULL;
  if (!*csv) return;
  char *copy = tb_strdup(m, csv);
  for (char *start = copy;;) {
    char *comma = strchr(start, ',');
    if (comma) *comma = '\0';
    TB_APPEND(m, *n, *names, start);
    if (!comma) break;
    start = comma + 1;
  }
}

Onnx__NodeProto *tb_node(tb_model *m, const char *op_type, const char *name, const char *inputs,
                         const char *outputs) {
  Onnx__NodeProto *n = tb_alloc(m, sizeof *n);
  onnx__node_proto__init(n);
  n->op_type = tb_strdup(m, op_type);
  n->name = tb_strdup(m, name);
  split_names(m, inputs, &n->n_input, &n->input);
  split_names(m, outputs, &n->n_output, &n->output);
  TB_APPEND(m, m->graph.n_node, m->graph.node, n);
  return n;
}

static Onnx__AttributeProto *new_attr(tb_model *m, Onnx__NodeProto *node, const char *name,
                                      Onnx__AttributeProto__AttributeType type) {
  Onnx__AttributeProto *a = tb_alloc(m, sizeof *a);
  onnx__attribute_proto__init(a);
  a->name = tb_strdup(m, name);
  a->has_type = 1;
  a->type = type;
  TB_APPEND(m, node->n_attribute, node->attribute, a);
  return a;
}

void tb_attr_int(tb_model *m, Onnx__NodeProto *node, const char *name, int64_t value) {
  Onnx__AttributeProto *a = new_attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
  a->has_i = 1;
  a->i = value;
}

void tb_attr_float(tb_model *m, Onnx__NodeProto *node, const char *name, float value) {
  Onnx__AttributeProto *a = new_attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
  a->has_f = 1;
  a->f = value;
}

void tb_attr_ints(tb_model *m, Onnx__NodeProto *node, const char *name, int n, const int64_t *values) {
  Onnx__AttributeProto *a = new_attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
  a->n_ints = (size_t)n;
  a->ints = tb_alloc(m, sizeof(int64_t) * (size_t)(n + 1));
  if (n) memcpy(a->ints, values, sizeof(int64_t) * (size_t)n);
}

void tb_attr_string(tb_model *m, Onnx__NodeProto *node, const char *name, const char *value) {
  Onnx__AttributeProto *a = new_attr(m, node, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
  a->has_s = 1;
  a->s.len = strlen(value);
  a->s.data = (uint8_t *)tb_strdup(m, value);
}

const void *tb_bytes(tb_model *m, size_t *size) {
  free(m->bytes);
  *size = onnx__model_proto__get_packed_size(&m->model);
  m->bytes = malloc(*size ? *size : 1);
  onnx__model_proto__pack(&m->model, m->bytes);
  return m->bytes;
}

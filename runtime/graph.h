/* The graph IR: named values (tensors) and nodes in topological order.
 * Built by the ONNX importer, immutable once a model is loaded. */
#ifndef SEAM_RUNTIME_GRAPH_H
#define SEAM_RUNTIME_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/tensor.h"

typedef enum seam_attr_type {
  SEAM_ATTR_FLOAT = 1,
  SEAM_ATTR_INT = 2,
  SEAM_ATTR_STRING = 3,
  SEAM_ATTR_TENSOR = 4,
  SEAM_ATTR_GRAPH = 5,
  SEAM_ATTR_FLOATS = 6,
  SEAM_ATTR_INTS = 7,
  SEAM_ATTR_STRINGS = 8
} seam_attr_type;

typedef struct seam_attr {
  char *name;
  seam_attr_type type;
  float f;
  int64_t i;
  char *s; /* NUL-terminated copy of a string attribute */
  float *floats;
  int64_t *ints;
  int n; /* number of floats / ints / strings */
  char **strings;
  seam_tensor *tensor;
} seam_attr;

typedef struct seam_value {
  char *name;
  seam_dtype dtype; /* SEAM_DTYPE_UNDEFINED when the model does not say */
  int rank;         /* -1 when unknown */
  int64_t dims[SEAM_MAX_RANK];      /* -1 for a symbolic dimension */
  char *dim_names[SEAM_MAX_RANK];   /* symbolic dimension names, or NULL */
  seam_tensor *constant; /* initializer or folded constant; NULL otherwise */
  int producer;          /* index of the producing node, -1 for inputs/constants */
  int n_consumers;       /* how many node inputs read it */
} seam_value;

typedef struct seam_op_def seam_op_def;

/* An activation fused into the node that produces its input (graph
 * optimization): applied to output 0 right after the node's kernel. */
typedef enum seam_activation_kind {
  SEAM_ACT_NONE = 0,
  SEAM_ACT_CLAMP,     /* min(max(x, min), max): Relu, Relu6, Clip */
  SEAM_ACT_HARDSWISH, /* x * clamp(x / 6 + 0.5, 0, 1) */
  SEAM_ACT_SIGMOID,
} seam_activation_kind;

typedef struct seam_activation {
  seam_activation_kind kind;
  /* SEAM_ACT_CLAMP bounds (±INFINITY when open). On a node with an int8 or
   * uint8 output (QLinearConv, QLinearMatMul) they are in output units:
   * integers in the output type's range. */
  float min, max;
} seam_activation;

typedef struct seam_node {
  char *name;
  char *op_type;
  int opset; /* the model's opset for the node's domain */
  int n_inputs;
  int *inputs; /* value indices; -1 for an omitted optional input */
  int n_outputs;
  int *outputs; /* value indices; -1 for an omitted optional output */
  int n_attrs;
  seam_attr *attrs;
  const seam_op_def *op;
  seam_activation act; /* fused activation on output 0 */
} seam_node;

/* A tensor name that graph optimization removed. When its value lives on
 * under another name (Identity, Dropout), same_as names it; otherwise (a
 * Conv output before its folded BatchNormalization or fused activation)
 * same_as is NULL and the tensor cannot be named in this graph (a model
 * loaded with keep_tensors naming it has it). instead names the tensor that
 * now holds what it was computed into (the fused node's output), or, for
 * the dequantized input of a fused QDQ node, the int8 tensor it came from;
 * NULL when there is none (an unused Dropout mask, a weight). Either name
 * may itself have been removed by a later pass:
 * seam_graph_removed_instead follows them. */
typedef struct seam_removed_value {
  char *name;
  char *same_as;
  char *instead;
  char *reason;
} seam_removed_value;

typedef struct seam_graph {
  seam_value *values;
  int n_values;
  seam_node *nodes; /* topological order */
  int n_nodes;
  int *inputs; /* graph inputs that are not initializers */
  int n_inputs;
  int *outputs;
  int n_outputs;
  int opset; /* default (ai.onnx) domain opset */
  seam_removed_value *removed;
  int n_removed;
} seam_graph;

/* Index of the value with this name, or -1. */
int seam_graph_find_value(const seam_graph *g, const char *name);
/* The removal record for a name optimization removed, or NULL. */
const seam_removed_value *seam_graph_find_removed(const seam_graph *g, const char *name);
/* The tensor of g to name instead of the removed r: same_as, else instead,
 * followed through later removals to a value g has; NULL when there is
 * none. *same_value (may be NULL) is set when it holds r's very value (an
 * alias all the way), not what r was computed into. */
const char *seam_graph_removed_instead(const seam_graph *g, const seam_removed_value *r, bool *same_value);
/* Writes why r's tensor is not in g and what to do (name instead, or keep
 * it at load), as one clause for a message that has named the tensor. */
void seam_graph_explain_removed(const seam_graph *g, const seam_removed_value *r, char *buf, size_t size);
/* Applies an activation in place to a float32 tensor, or a clamp to an
 * int8/uint8 tensor (bounds in output units); other dtypes are left alone. */
void seam_activation_apply(const seam_activation *act, seam_tensor *t);
void seam_graph_free(seam_graph *g);
/* Frees what a node owns and zeroes it. */
void seam_node_clear(seam_node *n);

/* Attribute look-ups; the default is returned when the attribute is absent. */
const seam_attr *seam_node_attr(const seam_node *node, const char *name);
int64_t seam_attr_int(const seam_node *node, const char *name, int64_t dflt);
float seam_attr_float(const seam_node *node, const char *name, float dflt);
/* The string, or dflt. */
const char *seam_attr_string(const seam_node *node, const char *name, const char *dflt);
/* Pointer to the ints and their count in *n; NULL (and *n = 0) when absent. */
const int64_t *seam_attr_ints(const seam_node *node, const char *name, int *n);
const float *seam_attr_floats(const seam_node *node, const char *name, int *n);

#endif

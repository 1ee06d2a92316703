/* Builds single graph nodes in memory for kernel tests and runs them
 * through seam_node_execute (no ONNX file involved). */
#ifndef SEAM_TESTS_NODE_BUILDER_H
#define SEAM_TESTS_NODE_BUILDER_H

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "runtime/ops/op.h"

typedef struct tnode {
  seam_node node;
  seam_attr attrs[8];
  int ins[5], outs[3];
} tnode;

/* A node of op type op at opset with n_in inputs and n_out outputs. */
void tn_init(tnode *t, const char *op, int opset, int n_in, int n_out);
/* Attribute setters; strings and arrays are borrowed, not copied. */
seam_attr *tn_attr(tnode *t, const char *name, seam_attr_type type);
void tn_int(tnode *t, const char *name, int64_t v);
void tn_float(tnode *t, const char *name, float v);
void tn_str(tnode *t, const char *name, const char *v);
void tn_ints(tnode *t, const char *name, const int64_t *v, int n);
/* Runs the node; out gets its outputs (NULL on failure). */
seam_status tn_run(tnode *t, seam_tensor *const *in, seam_tensor **out);
/* A tensor with the given values (or zeros when values is NULL). */
seam_tensor *tn_tensor(seam_dtype dtype, int rank, const int64_t *dims, const void *values);
void tn_free_all(seam_tensor **ts, int n);

#endif

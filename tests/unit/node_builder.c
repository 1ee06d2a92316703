#include "tests/unit/node_builder.h"

#include <string.h>

void tn_init(tnode *t, const char *op, int opset, int n_in, int n_out) {
  memset(t, 0, sizeof *t);
  t->node.name = (char *)"test";
  t->node.op_type = (char *)op;
  t->node.opset = opset;
  t->node.n_inputs = n_in;
  t->node.inputs = t->ins;
  t->node.n_outputs = n_out;
  t->node.outputs = t->outs;
  t->node.attrs = t->attrs;
  for (int i = 0; i < 5; i++) t->ins[i] = i;
  for (int i = 0; i < 3; i++) t->outs[i] = i;
  t->node.op = seam_op_lookup(op);
}

seam_attr *tn_attr(tnode *t, const char *name, seam_attr_type type) {
  seam_attr *a = &t->attrs[t->node.n_attrs++];
  a->name = (char *)name;
  a->type = type;
  return a;
}

void tn_int(tnode *t, const char *name, int64_t v) { tn_attr(t, name, SEAM_ATTR_INT)->i = v; }
void tn_float(tnode *t, const char *name, float v) { tn_attr(t, name, SEAM_ATTR_FLOAT)->f = v; }
void tn_str(tnode *t, const char *name, const char *v) { tn_attr(t, name, SEAM_ATTR_STRING)->s = (char *)v; }

void tn_ints(tnode *t, const char *name, const int64_t *v, int n) {
  seam_attr *a = tn_attr(t, name, SEAM_ATTR_INTS);
  a->ints = (int64_t *)v;
  a->n = n;
}

seam_status tn_run(tnode *t, seam_tensor *const *in, seam_tensor **out) {
  seam_error err = {0};
  return seam_node_execute(&t->node, (const seam_tensor *const *)in, out, &err);
}

seam_tensor *tn_tensor(seam_dtype dtype, int rank, const int64_t *dims, const void *values) {
  seam_tensor *t = seam_tensor_create(dtype, (size_t)rank, dims, NULL);
  if (t && values) memcpy(t->data, values, seam_tensor_nbytes(t));
  return t;
}

void tn_free_all(seam_tensor **ts, int n) {
  for (int i = 0; i < n; i++) seam_tensor_free(ts[i]);
}

/* seam info — inputs, outputs, operator histogram, parameters and MACs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/macs.h"
#include "runtime/model.h"
#include "seam/seam.h"

#define MAX_DIMS_SET 16

static void print_value(const seam_value_info *info) {
  printf("  %-24s %-8s [", info->name, seam_dtype_name(info->dtype));
  for (int d = 0; d < info->rank; d++) {
    if (info->dims[d] >= 0) printf("%s%lld", d ? "," : "", (long long)info->dims[d]);
    else printf("%s%s", d ? "," : "", info->dim_names[d] ? info->dim_names[d] : "?");
  }
  printf("]\n");
}

/* MACs from the shapes every node infers (no kernel runs): symbolic input
 * dimensions are 1 unless --dim names them. */
static int64_t estimate_macs(const seam_model *m, char **dim_names, int64_t *dim_values, int n_dims,
                             seam_error *err) {
  const seam_graph *g = m->graph;
  seam_tensor **inputs = calloc((size_t)g->n_inputs + 1, sizeof *inputs);
  int64_t macs = -1, total = 0;
  if (!inputs) goto out;
  for (int i = 0; i < g->n_inputs; i++) {
    const seam_value *v = &g->values[g->inputs[i]];
    int64_t dims[SEAM_MAX_RANK];
    for (int d = 0; d < v->rank; d++) {
      dims[d] = v->dims[d] >= 0 ? v->dims[d] : 1;
      for (int k = 0; k < n_dims; k++)
        if (v->dim_names[d] && strcmp(v->dim_names[d], dim_names[k]) == 0) dims[d] = dim_values[k];
    }
    if (!(inputs[i] = seam_tensor_new_shell()) ||
        seam_tensor_set_shape(inputs[i], v->dtype ? v->dtype : SEAM_DTYPE_FLOAT32, v->rank > 0 ? v->rank : 0, dims,
                              err) != SEAM_OK)
      goto out;
  }
  if (seam_graph_macs(g, (const seam_tensor *const *)inputs, &total, err) == SEAM_OK) macs = total;
out:
  for (int i = 0; inputs && i < g->n_inputs; i++) seam_tensor_free(inputs[i]);
  free(inputs);
  return macs;
}

typedef struct op_count {
  const char *op;
  int count;
} op_count;

static int by_count(const void *a, const void *b) {
  const op_count *x = a, *y = b;
  return y->count != x->count ? y->count - x->count : strcmp(x->op, y->op);
}

int cmd_info(int argc, char **argv) {
  const char *path = NULL;
  char *dim_names[MAX_DIMS_SET];
  int64_t dim_values[MAX_DIMS_SET];
  int n_dims = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
      path = argv[++i];
    } else if (strcmp(argv[i], "--dim") == 0 && i + 1 < argc && n_dims < MAX_DIMS_SET) {
      char *eq = strchr(argv[++i], '=');
      if (!eq) break;
      *eq = '\0';
      dim_names[n_dims] = argv[i];
      dim_values[n_dims++] = strtoll(eq + 1, NULL, 10);
    } else {
      path = NULL;
      break;
    }
  }
  if (!path) {
    fprintf(stderr, "usage: seam info --model M.onnx [--dim NAME=VALUE ...]\n\n"
                    "Symbolic input dimensions count as 1 for the MACs estimate unless --dim sets them.\n");
    return 2;
  }
  seam_error err = {0};
  seam_model *m = seam_model_load(path, &err);
  if (!m) {
    fprintf(stderr, "seam info: %s\n", err.message);
    return 1;
  }
  const seam_graph *g = m->graph;
  printf("model %s (opset %d)\ninputs:\n", path, g->opset);
  seam_value_info info;
  for (size_t i = 0; i < seam_model_input_count(m); i++) {
    seam_model_input_info(m, i, &info);
    print_value(&info);
  }
  printf("outputs:\n");
  for (size_t i = 0; i < seam_model_output_count(m); i++) {
    seam_model_output_info(m, i, &info);
    print_value(&info);
  }
  op_count *ops = calloc((size_t)g->n_nodes + 1, sizeof *ops);
  int n_ops = 0;
  for (int i = 0; ops && i < g->n_nodes; i++) {
    int k = 0;
    while (k < n_ops && strcmp(ops[k].op, g->nodes[i].op_type) != 0) k++;
    if (k == n_ops) ops[n_ops++].op = g->nodes[i].op_type;
    ops[k].count++;
  }
  if (ops) qsort(ops, (size_t)n_ops, sizeof *ops, by_count);
  printf("operators (%d nodes after constant folding and graph optimization):\n", g->n_nodes);
  for (int k = 0; k < n_ops; k++) printf("  %-24s %d\n", ops[k].op, ops[k].count);
  free(ops);
  int64_t params = 0, param_bytes = 0;
  for (int v = 0; v < g->n_values; v++)
    if (g->values[v].constant) {
      params += g->values[v].constant->count;
      param_bytes += (int64_t)seam_tensor_nbytes(g->values[v].constant);
    }
  printf("parameters: %lld (%.2f MB)\n", (long long)params, (double)param_bytes / 1e6);
  int64_t macs = estimate_macs(m, dim_names, dim_values, n_dims, &err);
  if (macs >= 0) printf("MACs: %lld (%.3f G)\n", (long long)macs, (double)macs / 1e9);
  else printf("MACs: unknown (%s)\n", err.message);
  seam_model_free(m);
  return 0;
}

/* seam cuts — candidate cut points of a model (tensor sets) with their sizes,
 * and optionally a check that every cut reproduces the full run. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "partitioner/cuts.h"
#include "runtime/macs.h"
#include "runtime/model.h"

static void cuts_usage(FILE *out) {
  fprintf(out,
          "usage: seam cuts --model M.onnx [--input X.npy | --input name=X.npy ...] [--dim NAME=VALUE ...]\n"
          "                 [--json OUT.json] [--verify]\n\n"
          "Runs the model once (on the given inputs, or on synthetic ones from the declared\n"
          "shapes) and lists every candidate cut in execution order: the set of tensors a\n"
          "device would send to a server after running the first N nodes, their bytes as\n"
          "float (and as int8, 1 byte per element, before compression), and the share of\n"
          "multiply-adds on each side. Names are those of the loaded (optimized) graph.\n"
          "--verify runs head and tail separately for every cut and checks that the\n"
          "outputs equal the full run's.\n");
}

typedef struct measure {
  const seam_graph *g;
  int64_t *value_bytes, *value_count, *node_macs;
} measure;

static void record(void *user, const seam_node *node, const seam_tensor *const *in, seam_tensor *const *out) {
  measure *m = user;
  int index = (int)(node - m->g->nodes);
  m->node_macs[index] = seam_node_macs(node, in, out);
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v < 0 || !out[k]) continue;
    m->value_bytes[v] = (int64_t)seam_tensor_nbytes(out[k]);
    m->value_count[v] = (int64_t)seam_tensor_count(out[k]);
  }
}

/* Runs head (inputs → cut) and tail (cut → outputs); the largest difference
 * from the full run's outputs, or -1 when a run fails (message in err). */
static double verify_cut(const seam_model *model, const cli_feeds *feeds, const seam_cut *cut,
                         seam_tensor *const *full, seam_error *err) {
  const seam_graph *g = model->graph;
  int n = cut->n_tensors, n_out = g->n_outputs;
  const char **names = calloc((size_t)n + 1, sizeof *names);
  seam_tensor **cut_tensors = calloc((size_t)n + 1, sizeof *cut_tensors);
  seam_tensor **outputs = calloc((size_t)n_out + 1, sizeof *outputs);
  double worst = -1;
  if (!names || !cut_tensors || !outputs) goto out;
  for (int i = 0; i < n; i++) names[i] = g->values[cut->values[i]].name;
  if (seam_model_run(model, (size_t)feeds->n, feeds->names, (const seam_tensor *const *)feeds->tensors,
                     (size_t)n, names, cut_tensors, err) != SEAM_OK ||
      seam_model_run(model, (size_t)n, names, (const seam_tensor *const *)cut_tensors, (size_t)n_out, NULL,
                     outputs, err) != SEAM_OK)
    goto out;
  worst = 0;
  for (int o = 0; o < n_out; o++) {
    if (!seam_tensor_same_shape(outputs[o], full[o])) {
      worst = INFINITY;
      break;
    }
    for (int64_t i = 0; i < full[o]->count; i++) {
      double d = fabs(seam_tensor_get_f64(outputs[o], i) - seam_tensor_get_f64(full[o], i));
      if (!(d <= worst)) worst = d;
    }
  }
out:
  for (int i = 0; i < n; i++)
    if (cut_tensors) seam_tensor_free(cut_tensors[i]);
  for (int o = 0; o < n_out; o++)
    if (outputs) seam_tensor_free(outputs[o]);
  free(names);
  free(cut_tensors);
  free(outputs);
  return worst;
}

static void print_names(const seam_graph *g, const seam_cut *c) {
  int printed = 0;
  for (int i = 0; i < c->n_tensors; i++) {
    const char *name = g->values[c->values[i]].name;
    int len = (int)strlen(name);
    if (printed + len > 70) {
      printf("%s… (+%d)", i ? ", " : "", c->n_tensors - i);
      return;
    }
    printed += printf("%s%s", i ? ", " : "", name);
  }
}

static cJSON *cuts_json(const seam_model *model, const seam_cut_list *cuts, const measure *m, int64_t total_macs) {
  const seam_graph *g = model->graph;
  cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "cuts");
  cJSON_AddNumberToObject(root, "total_macs", (double)total_macs);
  for (int c = 0; c < cuts->n; c++) {
    const seam_cut *cut = &cuts->cuts[c];
    cJSON *item = cJSON_CreateObject(), *tensors = cJSON_AddArrayToObject(item, "tensors");
    cJSON_AddNumberToObject(item, "position", cut->position);
    cJSON_AddStringToObject(item, "after_node", cut->position ? g->nodes[cut->position - 1].name : "");
    int64_t elements = 0;
    for (int i = 0; i < cut->n_tensors; i++) {
      cJSON *t = cJSON_CreateObject();
      int v = cut->values[i];
      cJSON_AddStringToObject(t, "name", g->values[v].name);
      cJSON_AddNumberToObject(t, "bytes", (double)m->value_bytes[v]);
      cJSON_AddNumberToObject(t, "elements", (double)m->value_count[v]);
      cJSON_AddItemToArray(tensors, t);
      elements += m->value_count[v];
    }
    cJSON_AddNumberToObject(item, "bytes", (double)cut->bytes);
    cJSON_AddNumberToObject(item, "int8_bytes", (double)elements);
    cJSON_AddNumberToObject(item, "head_macs", (double)cut->head_macs);
    cJSON_AddNumberToObject(item, "tail_macs", (double)cut->tail_macs);
    cJSON_AddItemToArray(list, item);
  }
  return root;
}

int cmd_cuts(int argc, char **argv) {
  const char *model_path = NULL, *json_path = NULL;
  bool verify = false;
  cli_feed_args feed = {0};
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      cuts_usage(stdout);
      return 0;
    }
    if (strcmp(opt, "--verify") == 0) {
      verify = true;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam cuts: %s needs a value\n", opt);
      return 2;
    }
    char *val = argv[++i];
    int r = cli_feed_option(&feed, "cuts", opt, val);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (strcmp(opt, "--model") == 0) model_path = val;
    else if (strcmp(opt, "--json") == 0) json_path = val;
    else {
      fprintf(stderr, "seam cuts: unknown option '%s'\n", opt);
      cuts_usage(stderr);
      return 2;
    }
  }
  if (!model_path) {
    cuts_usage(stderr);
    return 2;
  }
  /* The plain executor runs (and so reports) every node, including the shape
   * computations a run plan would evaluate once while planning. */
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.plan = 0;
  seam_error err = {0};
  seam_model *model = seam_model_load_with(model_path, &opts, &err);
  if (!model) {
    fprintf(stderr, "seam cuts: %s\n", err.message);
    return 1;
  }
  const seam_graph *g = model->graph;
  int rc = 1, failures = 0;
  cli_feeds feeds = {0};
  seam_cut_list cuts = {0};
  measure m = {.g = g};
  m.value_bytes = calloc((size_t)g->n_values + 1, sizeof(int64_t));
  m.value_count = calloc((size_t)g->n_values + 1, sizeof(int64_t));
  m.node_macs = calloc((size_t)g->n_nodes + 1, sizeof(int64_t));
  seam_tensor **full = calloc((size_t)g->n_outputs + 1, sizeof *full);
  if (!m.value_bytes || !m.value_count || !m.node_macs || !full) {
    fprintf(stderr, "seam cuts: out of memory\n");
    goto done;
  }
  if (cli_make_feeds(model, &feed, "cuts", &feeds) != 0) goto done;
  for (int i = 0; i < feeds.n; i++) {
    int v = seam_graph_find_value(g, feeds.names[i]);
    if (v >= 0) {
      m.value_bytes[v] = (int64_t)seam_tensor_nbytes(feeds.tensors[i]);
      m.value_count[v] = (int64_t)seam_tensor_count(feeds.tensors[i]);
    }
  }
  seam_node_observer obs = {.after_node = record, .user = &m};
  if (seam_model_run_observed(model, (size_t)feeds.n, feeds.names, (const seam_tensor *const *)feeds.tensors,
                              (size_t)g->n_outputs, NULL, full, &obs, &err) != SEAM_OK ||
      seam_cuts_enumerate(g, m.value_bytes, m.node_macs, &cuts, &err) != SEAM_OK) {
    fprintf(stderr, "seam cuts: %s\n", err.message);
    goto done;
  }
  int64_t input_bytes = cuts.cuts[0].bytes, total_macs = cuts.cuts[0].tail_macs;
  printf("model %s: %d nodes, %d candidate cuts; the inputs are %lld bytes, %.3f GMACs in all\n", model_path,
         g->n_nodes, cuts.n, (long long)input_bytes, (double)total_macs / 1e9);
  printf("%4s  %-34s %4s %12s %7s %7s  %s%s\n", "pos", "after node", "n", "bytes", "÷input", "head %", "tensors",
         verify ? "  (verify)" : "");
  for (int c = 0; c < cuts.n; c++) {
    const seam_cut *cut = &cuts.cuts[c];
    const char *after = cut->position ? g->nodes[cut->position - 1].name : "(nothing: all on the server)";
    int len = (int)strlen(after);
    printf("%4d  %-34.34s%s %4d %12lld %7.3f %6.1f%%  ", cut->position, len > 34 ? after + len - 34 : after,
           len > 34 ? "" : "", cut->n_tensors, (long long)cut->bytes,
           input_bytes ? (double)cut->bytes / (double)input_bytes : 0.0,
           total_macs ? 100.0 * (double)cut->head_macs / (double)total_macs : 0.0);
    print_names(g, cut);
    if (verify) {
      double worst = verify_cut(model, &feeds, cut, full, &err);
      bool ok = worst >= 0 && worst <= 1e-5;
      failures += !ok;
      if (worst < 0) printf("  FAIL: %s", err.message);
      else printf("  %s (max diff %.2g)", ok ? "ok" : "FAIL", worst);
    }
    printf("\n");
  }
  if (json_path) {
    cJSON *json = cuts_json(model, &cuts, &m, total_macs);
    char *text = json ? cJSON_Print(json) : NULL;
    FILE *f = text ? fopen(json_path, "w") : NULL;
    bool ok = f && fputs(text, f) >= 0;
    if (f) ok = (fclose(f) == 0) && ok;
    cJSON_free(text);
    cJSON_Delete(json);
    if (!ok) {
      fprintf(stderr, "seam cuts: cannot write '%s'\n", json_path);
      goto done;
    }
  }
  if (verify) printf("%d passed, %d failed\n", cuts.n - failures, failures);
  rc = failures ? 1 : 0;
done:
  for (int o = 0; full && o < g->n_outputs; o++) seam_tensor_free(full[o]);
  free(full);
  free(m.value_bytes);
  free(m.value_count);
  free(m.node_macs);
  seam_cut_list_free(&cuts);
  cli_feeds_free(&feeds);
  seam_model_free(model);
  return rc;
}

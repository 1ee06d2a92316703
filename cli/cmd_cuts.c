/* seam cuts — candidate cut points of a model (tensor sets) with their sizes,
 * and optionally a check that every cut reproduces the full run. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/error.h"
#include "partitioner/frontier.h"
#include "partitioner/measure.h"
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

/* The table's int8 column as part_measure's wire bytes: a tensor's INT8
 * payload before compression, one byte per element. */
static seam_status int8_bytes(void *user, const char *name, const part_sample *s, int64_t *bytes,
                              double *encode_ms, seam_error *err) {
  (void)user;
  const seam_tensor *t = part_sample_find(s, name);
  if (!t) return seam_fail(err, SEAM_ERR_NOT_FOUND, "the run did not compute '%s'", name);
  *bytes = (int64_t)seam_tensor_count(t);
  *encode_ms = 0;
  return SEAM_OK;
}

/* One run of the model on feeds: its DAG and every frontier of it. */
static seam_status measure_cuts(const seam_model *model, const cli_feeds *feeds, part_dag *d,
                                part_frontier_list *cuts, seam_error *err) {
  part_wire wire = {.tensor = int8_bytes};
  part_measure_options mo = {.n_inputs = (size_t)feeds->n,
                             .input_names = feeds->names,
                             .inputs = (const seam_tensor *const *)feeds->tensors,
                             .wire = &wire};
  seam_status st = part_measure(model, &mo, d, err);
  return st == SEAM_OK ? part_frontiers(d, cuts, err) : st;
}

/* Runs head (inputs → cut) and tail (cut → outputs); the largest difference
 * from the full run's outputs, or -1 when a run fails (message in err). */
static double verify_cut(const seam_model *model, const cli_feeds *feeds, const part_dag *d,
                         const part_frontier *cut, seam_tensor *const *full, seam_error *err) {
  int n = cut->n_tensors, n_out = (int)seam_model_output_count(model);
  const char **names = calloc((size_t)n + 1, sizeof *names);
  seam_tensor **cut_tensors = calloc((size_t)n + 1, sizeof *cut_tensors);
  seam_tensor **outputs = calloc((size_t)n_out + 1, sizeof *outputs);
  double worst = -1;
  if (!names || !cut_tensors || !outputs) goto out;
  for (int i = 0; i < n; i++) names[i] = d->tensors[cut->tensors[i]].name;
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
      double diff = fabs(seam_tensor_get_f64(outputs[o], i) - seam_tensor_get_f64(full[o], i));
      if (!(diff <= worst)) worst = diff;
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

static void print_names(const part_dag *d, const part_frontier *c) {
  int printed = 0;
  for (int i = 0; i < c->n_tensors; i++) {
    const char *name = d->tensors[c->tensors[i]].name;
    int len = (int)strlen(name);
    if (printed + len > 70) {
      printf("%s… (+%d)", i ? ", " : "", c->n_tensors - i);
      return;
    }
    printed += printf("%s%s", i ? ", " : "", name);
  }
}

/* The --json document. A tensor's wire bytes are its elements (int8_bytes). */
static cJSON *cuts_json(const part_dag *d, const part_frontier_list *cuts, int64_t total_macs) {
  cJSON *root = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(root, "cuts");
  cJSON_AddNumberToObject(root, "total_macs", (double)total_macs);
  for (int c = 0; c < cuts->n; c++) {
    const part_frontier *cut = &cuts->frontiers[c];
    cJSON *item = cJSON_CreateObject(), *tensors = cJSON_AddArrayToObject(item, "tensors");
    cJSON_AddNumberToObject(item, "position", cut->position);
    cJSON_AddStringToObject(item, "after_node", part_frontier_after(d, cut));
    for (int i = 0; i < cut->n_tensors; i++) {
      cJSON *t = cJSON_CreateObject();
      const part_tensor *x = &d->tensors[cut->tensors[i]];
      cJSON_AddStringToObject(t, "name", x->name);
      cJSON_AddNumberToObject(t, "bytes", (double)x->bytes);
      cJSON_AddNumberToObject(t, "elements", (double)x->wire_bytes);
      cJSON_AddItemToArray(tensors, t);
    }
    cJSON_AddNumberToObject(item, "bytes", (double)cut->bytes);
    cJSON_AddNumberToObject(item, "int8_bytes", (double)cut->wire_bytes);
    cJSON_AddNumberToObject(item, "head_macs", (double)cut->head_macs);
    cJSON_AddNumberToObject(item, "tail_macs", (double)cut->tail_macs);
    cJSON_AddItemToArray(list, item);
  }
  return root;
}

static bool write_json(const char *path, const part_dag *d, const part_frontier_list *cuts,
                       int64_t total_macs) {
  cJSON *json = cuts_json(d, cuts, total_macs);
  char *text = json ? cJSON_Print(json) : NULL;
  FILE *f = text ? fopen(path, "w") : NULL;
  bool ok = f && fputs(text, f) >= 0;
  if (f) ok = (fclose(f) == 0) && ok;
  cJSON_free(text);
  cJSON_Delete(json);
  if (!ok) fprintf(stderr, "seam cuts: cannot write '%s'\n", path);
  return ok;
}

/* One row of the table, without its verdict or newline. */
static void print_cut(const part_dag *d, const part_frontier *cut, int64_t input_bytes, int64_t total_macs) {
  const char *after = cut->position ? part_frontier_after(d, cut) : "(nothing: all on the server)";
  int len = (int)strlen(after);
  printf("%4d  %-34.34s%s %4d %12lld %7.3f %6.1f%%  ", cut->position, len > 34 ? after + len - 34 : after,
         len > 34 ? "" : "", cut->n_tensors, (long long)cut->bytes,
         input_bytes ? (double)cut->bytes / (double)input_bytes : 0.0,
         total_macs ? 100.0 * (double)cut->head_macs / (double)total_macs : 0.0);
  print_names(d, cut);
}

/* The table (and with full, each cut's verdict); the number of failed cuts. */
static int print_cuts(const char *model_path, const seam_model *model, const cli_feeds *feeds,
                      const part_dag *d, const part_frontier_list *cuts, seam_tensor *const *full) {
  int64_t input_bytes = cuts->frontiers[0].bytes, total_macs = cuts->frontiers[0].tail_macs;
  int failures = 0;
  printf("model %s: %d nodes, %d candidate cuts; the inputs are %lld bytes, %.3f GMACs in all\n", model_path,
         d->n_nodes, cuts->n, (long long)input_bytes, (double)total_macs / 1e9);
  printf("%4s  %-34s %4s %12s %7s %7s  %s%s\n", "pos", "after node", "n", "bytes", "÷input", "head %", "tensors",
         full ? "  (verify)" : "");
  for (int c = 0; c < cuts->n; c++) {
    print_cut(d, &cuts->frontiers[c], input_bytes, total_macs);
    if (full) {
      seam_error err = {0};
      double worst = verify_cut(model, feeds, d, &cuts->frontiers[c], full, &err);
      bool ok = worst >= 0 && worst <= 1e-5;
      failures += !ok;
      if (worst < 0) printf("  FAIL: %s", err.message);
      else printf("  %s (max diff %.2g)", ok ? "ok" : "FAIL", worst);
    }
    printf("\n");
  }
  return failures;
}

/* Measures, prints and (with verify) checks every cut of model; the exit
 * code. */
static int run_cuts(const char *model_path, const seam_model *model, const cli_feed_args *feed,
                    const char *json_path, bool verify) {
  size_t n_out = seam_model_output_count(model);
  int rc = 1;
  cli_feeds feeds = {0};
  part_dag d = {0};
  part_frontier_list cuts = {0};
  seam_error err = {0};
  seam_tensor **full = calloc(n_out + 1, sizeof *full);
  if (!full) {
    fprintf(stderr, "seam cuts: out of memory\n");
    return 1;
  }
  if (cli_make_feeds(model, feed, "cuts", &feeds) != 0) goto done;
  if (measure_cuts(model, &feeds, &d, &cuts, &err) != SEAM_OK ||
      (verify && seam_model_run(model, (size_t)feeds.n, feeds.names, (const seam_tensor *const *)feeds.tensors,
                                n_out, NULL, full, &err) != SEAM_OK)) {
    fprintf(stderr, "seam cuts: %s\n", err.message);
    goto done;
  }
  int failures = print_cuts(model_path, model, &feeds, &d, &cuts, verify ? full : NULL);
  if (json_path && !write_json(json_path, &d, &cuts, cuts.frontiers[0].tail_macs)) goto done;
  if (verify) printf("%d passed, %d failed\n", cuts.n - failures, failures);
  rc = failures ? 1 : 0;
done:
  for (size_t o = 0; o < n_out; o++) seam_tensor_free(full[o]);
  free(full);
  part_frontier_list_free(&cuts);
  part_dag_free(&d);
  cli_feeds_free(&feeds);
  return rc;
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
  int rc = run_cuts(model_path, model, &feed, json_path, verify);
  seam_model_free(model);
  return rc;
}

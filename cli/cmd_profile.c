/* seam profile — per-node timing through the executor's observer
 * (before_node/after_node), as a table and as JSON for the partitioner.
 *
 * The profiler only watches the callbacks: any engine that calls the
 * observer around each node it runs is profiled the same way. */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/macs.h"
#include "cli/stats.h"
#include "runtime/model.h"

/* What one node cost, collected over the timed runs. */
typedef struct node_rec {
  const seam_node *node;
  double *times; /* per timed run, ms */
  int64_t output_bytes, macs;
  double median_ms;
} node_rec;

typedef struct profiler {
  const seam_graph *g;
  node_rec *recs; /* in order of first execution */
  int n, cap;
  int runs;
  int run;      /* timed run index; -1 during warm-up */
  int current;  /* record of the node between before_node and after_node */
  double start; /* when that node started */
  int no_memory;
} profiler;

/* The record of node, created on first sight. Nodes usually come in the
 * same order every run, so the one after the last is tried first. */
static int find_rec(profiler *p, const seam_node *node) {
  int guess = p->current + 1;
  if (guess >= 0 && guess < p->n && p->recs[guess].node == node) return guess;
  for (int i = 0; i < p->n; i++)
    if (p->recs[i].node == node) return i;
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 64;
    node_rec *r = realloc(p->recs, (size_t)cap * sizeof *r);
    if (!r) return -1;
    p->recs = r;
    p->cap = cap;
  }
  node_rec *r = &p->recs[p->n];
  memset(r, 0, sizeof *r);
  r->node = node;
  if (!(r->times = calloc((size_t)p->runs, sizeof *r->times))) return -1;
  return p->n++;
}

static void before_node(void *user, const seam_node *node) {
  profiler *p = user;
  int i = find_rec(p, node);
  if (i < 0) p->no_memory = 1;
  p->current = i;
  p->start = cli_now_ms(); /* last, so the bookkeeping above is not timed */
}

static void after_node(void *user, const seam_node *node, const seam_tensor *const *inputs,
                       seam_tensor *const *outputs) {
  double end = cli_now_ms(); /* first, for the same reason */
  profiler *p = user;
  if (p->current < 0 || p->current >= p->n || p->recs[p->current].node != node) return;
  node_rec *r = &p->recs[p->current];
  if (p->run >= 0) r->times[p->run] += end - p->start;
  int64_t bytes = 0;
  for (int k = 0; k < node->n_outputs; k++)
    if (outputs[k]) bytes += (int64_t)seam_tensor_nbytes(outputs[k]);
  r->output_bytes = bytes;
  r->macs = cli_node_macs(node, inputs, outputs);
}

static const char *value_name(const seam_graph *g, int v) {
  return v >= 0 && v < g->n_values ? g->values[v].name : NULL;
}

/* The node's name, or its first output's when the model leaves it empty. */
static const char *node_label(const seam_graph *g, const seam_node *n) {
  if (n->name && n->name[0]) return n->name;
  const char *out = n->n_outputs > 0 ? value_name(g, n->outputs[0]) : NULL;
  return out ? out : "?";
}

/* The last `width` characters of s, marked with ".." when cut. */
static const char *tail(const char *s, size_t width, char *buf, size_t size) {
  size_t len = strlen(s);
  if (len <= width) return s;
  snprintf(buf, size, "..%s", s + len - (width - 2));
  return buf;
}

/* The activation graph optimization fused into a node, or NULL. */
static const char *activation_name(seam_activation_kind kind) {
  switch (kind) {
  case SEAM_ACT_CLAMP: return "clamp";
  case SEAM_ACT_HARDSWISH: return "hardswish";
  case SEAM_ACT_SIGMOID: return "sigmoid";
  default: return NULL;
  }
}

typedef struct op_share {
  const char *op;
  int count;
  double ms;
} op_share;

static int by_ms(const void *a, const void *b) {
  const op_share *x = a, *y = b;
  return (x->ms < y->ms) - (x->ms > y->ms);
}

static void print_report(const profiler *p, double total_ms) {
  double sum = 0;
  for (int i = 0; i < p->n; i++) sum += p->recs[i].median_ms;
  printf("%4s  %-44s %-18s %10s %6s %10s %10s\n", "#", "node", "op", "median ms", "%", "out KB", "MMACs");
  for (int i = 0; i < p->n; i++) {
    const node_rec *r = &p->recs[i];
    char buf[64], op[64];
    const char *act = activation_name(r->node->act.kind);
    snprintf(op, sizeof op, "%s%s%s", r->node->op_type, act ? "+" : "", act ? act : "");
    printf("%4d  %-44s %-18s %10.3f %6.1f %10.1f %10.2f\n", i,
           tail(node_label(p->g, r->node), 44, buf, sizeof buf), op, r->median_ms,
           sum > 0 ? 100.0 * r->median_ms / sum : 0.0, (double)r->output_bytes / 1024.0, (double)r->macs / 1e6);
  }
  int64_t macs = 0;
  for (int i = 0; i < p->n; i++) macs += p->recs[i].macs;
  printf("total: %d nodes, %.3f ms summed over nodes (median per node), %.3f ms median per run, "
         "%.3f GMACs\n", p->n, sum, total_ms, (double)macs / 1e9);

  op_share *ops = calloc((size_t)p->n + 1, sizeof *ops);
  if (!ops) return;
  int n_ops = 0;
  for (int i = 0; i < p->n; i++) {
    int k = 0;
    while (k < n_ops && strcmp(ops[k].op, p->recs[i].node->op_type) != 0) k++;
    if (k == n_ops) ops[n_ops++].op = p->recs[i].node->op_type;
    ops[k].count++;
    ops[k].ms += p->recs[i].median_ms;
  }
  qsort(ops, (size_t)n_ops, sizeof *ops, by_ms);
  printf("time by op type (top %d):\n", n_ops < 10 ? n_ops : 10);
  for (int k = 0; k < n_ops && k < 10; k++)
    printf("  %-18s %4d node%s %10.3f ms %6.1f %%\n", ops[k].op, ops[k].count, ops[k].count == 1 ? " " : "s", ops[k].ms,
           sum > 0 ? 100.0 * ops[k].ms / sum : 0.0);
  free(ops);
}

static double round_ms(double ms) { return round(ms * 1e6) / 1e6; }

static cJSON *names_array(const seam_graph *g, const int *values, int n, int skip_constants) {
  cJSON *arr = cJSON_CreateArray();
  for (int k = 0; arr && k < n; k++) {
    const char *name = value_name(g, values[k]);
    if (!name || (skip_constants && g->values[values[k]].constant)) continue;
    cJSON *s = cJSON_CreateString(name);
    if (!s || !cJSON_AddItemToArray(arr, s)) {
      cJSON_Delete(s);
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

/* Adds item to parent (an array when key is NULL); frees it when that fails. */
static int add_owned(cJSON *parent, const char *key, cJSON *item) {
  if (item && (key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item))) return 1;
  cJSON_Delete(item);
  return 0;
}

static int write_json(const profiler *p, const char *model, int threads, int warmup, int reference,
                      double total_ms, const char *path) {
  double sum = 0;
  for (int i = 0; i < p->n; i++) sum += p->recs[i].median_ms;
  cJSON *root = cJSON_CreateObject(), *nodes = NULL;
  int ok = root && cJSON_AddStringToObject(root, "model", model) &&
           cJSON_AddNumberToObject(root, "threads", threads) &&
           cJSON_AddNumberToObject(root, "runs", p->runs) &&
           cJSON_AddNumberToObject(root, "warmup", warmup) &&
           cJSON_AddStringToObject(root, "kernels", reference ? "reference" : "fast") &&
           cJSON_AddNumberToObject(root, "total_ms", round_ms(total_ms)) &&
           cJSON_AddNumberToObject(root, "nodes_total_ms", round_ms(sum)) &&
           (nodes = cJSON_AddArrayToObject(root, "nodes"));
  for (int i = 0; ok && i < p->n; i++) {
    const node_rec *r = &p->recs[i];
    cJSON *o = cJSON_CreateObject();
    ok = add_owned(nodes, NULL, o) &&
         cJSON_AddStringToObject(o, "name", r->node->name ? r->node->name : "") &&
         cJSON_AddStringToObject(o, "op", r->node->op_type) &&
         cJSON_AddNumberToObject(o, "median_ms", round_ms(r->median_ms)) &&
         cJSON_AddNumberToObject(o, "output_bytes", (double)r->output_bytes) &&
         cJSON_AddNumberToObject(o, "macs", (double)r->macs) &&
         add_owned(o, "outputs", names_array(p->g, r->node->outputs, r->node->n_outputs, 0)) &&
         add_owned(o, "inputs", names_array(p->g, r->node->inputs, r->node->n_inputs, 1));
    const char *act = activation_name(r->node->act.kind);
    if (ok && act) ok = cJSON_AddStringToObject(o, "fused_activation", act) != NULL;
  }
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) {
    fprintf(stderr, "seam profile: out of memory\n");
    return -1;
  }
  FILE *f = fopen(path, "w");
  int rc = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
  if (f && fclose(f) != 0) rc = -1;
  cJSON_free(text);
  if (rc) fprintf(stderr, "seam profile: cannot write '%s'\n", path);
  return rc;
}

static void profile_usage(FILE *out) {
  fprintf(out,
          "usage: seam profile --model M.onnx [--input X.npy | --input name=X.npy ...]\n"
          "                    [--dim NAME=VALUE ...] [--threads N] [--runs N] [--warmup N]\n"
          "                    [--json OUT.json] [--reference]\n\n"
          "Times every node with the executor's observer: --warmup runs (default 2), then\n"
          "--runs timed runs (default 10). Prints one row per node in execution order\n"
          "(median ms, share, output size, MACs), a total, and the time per op type\n"
          "(top 10). --json writes the same per node (name, op, median_ms, output_bytes,\n"
          "macs, outputs, inputs) for the partitioner. Inputs as in seam bench.\n");
}

int cmd_profile(int argc, char **argv) {
  cli_timing_args a = {.runs = 10, .warmup = 2};
  const char *json_path = NULL;
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      profile_usage(stdout);
      return 0;
    }
    int r = cli_timing_option(&a, "profile", argc, argv, &i);
    if (r < 0) return 2;
    if (r > 0) continue;
    if (strcmp(opt, "--json") == 0 && i + 1 < argc) {
      json_path = argv[++i];
      continue;
    }
    fprintf(stderr, "seam profile: unknown option '%s'\n", opt);
    profile_usage(stderr);
    return 2;
  }
  if (!a.model) {
    profile_usage(stderr);
    return 2;
  }
  double load_ms = 0, t0;
  seam_model *m = cli_timing_load(&a, "profile", &load_ms);
  if (!m) return 1;
  seam_error err = {0};
  int rc = 1;
  cli_feeds feeds = {0};
  profiler p = {.g = m->graph, .runs = a.runs, .run = -1, .current = -1};
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  double *run_ms = calloc((size_t)a.runs, sizeof *run_ms);
  if (!outputs || !run_ms) {
    fprintf(stderr, "seam profile: out of memory\n");
    goto done;
  }
  if (cli_make_feeds(m, &a.feed, "profile", &feeds) != 0) goto done;
  seam_node_observer obs = {.before_node = before_node, .after_node = after_node, .user = &p};
  int tty = isatty(STDERR_FILENO);
  for (int r = 0; r < a.warmup + a.runs; r++) {
    p.run = r < a.warmup ? -1 : r - a.warmup;
    p.current = -1;
    if (p.run >= 0) fprintf(stderr, tty ? "\rrun %d/%d" : "run %d/%d\n", p.run + 1, a.runs);
    t0 = cli_now_ms();
    seam_status st = seam_model_run_observed(m, (size_t)feeds.n, feeds.names,
                                             (const seam_tensor *const *)feeds.tensors, n_out, NULL, outputs,
                                             &obs, &err);
    double ms = cli_now_ms() - t0;
    for (size_t o = 0; o < n_out; o++) seam_tensor_free(outputs[o]), outputs[o] = NULL;
    if (st != SEAM_OK || p.no_memory) {
      if (tty) fputc('\n', stderr);
      fprintf(stderr, "seam profile: %s\n", st != SEAM_OK ? err.message : "out of memory");
      goto done;
    }
    if (p.run >= 0) run_ms[p.run] = ms;
  }
  if (tty && a.runs > 0) fputc('\n', stderr);
  for (int i = 0; i < p.n; i++) p.recs[i].median_ms = cli_median_inplace(p.recs[i].times, (size_t)a.runs);
  double total_ms = cli_median_inplace(run_ms, (size_t)a.runs);
  int reported_threads = cli_thread_count(a.threads);
  printf("seam profile: %s\n  %d thread%s, %s kernels; loaded in %.1f ms; %d warm-up + %d timed runs\n",
         a.model, reported_threads, reported_threads == 1 ? "" : "s", a.reference ? "reference" : "fast", load_ms,
         a.warmup, a.runs);
  print_report(&p, total_ms);
  if (json_path) {
    if (write_json(&p, a.model, reported_threads, a.warmup, a.reference, total_ms, json_path) != 0) goto done;
    printf("wrote %s\n", json_path);
  }
  rc = 0;
done:
  for (int i = 0; i < p.n; i++) free(p.recs[i].times);
  free(p.recs);
  for (size_t o = 0; outputs && o < n_out; o++) seam_tensor_free(outputs[o]);
  free(outputs);
  free(run_ms);
  cli_feeds_free(&feeds);
  seam_model_free(m);
  return rc;
}

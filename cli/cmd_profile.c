/* seam profile — per-node timing (seam/profile.h) of this machine or of a
 * seam-cloud worker (--remote), as a table and as JSON for the partitioner.
 * Both print the same way, so device and worker costs read alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "seam/edge.h"
#include "seam/profile.h"

/* The node's name, or its first output's when the model leaves it empty. */
static const char *node_label(const seam_node_profile *n) {
  if (n->name[0]) return n->name;
  return n->n_outputs > 0 ? n->outputs[0] : "?";
}

/* The last `width` characters of s, marked with ".." when cut. */
static const char *tail(const char *s, size_t width, char *buf, size_t size) {
  size_t len = strlen(s);
  if (len <= width) return s;
  snprintf(buf, size, "..%s", s + len - (width - 2));
  return buf;
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

static void print_op_shares(const seam_profile *p, size_t n, double sum) {
  op_share *ops = calloc(n + 1, sizeof *ops);
  if (!ops) return;
  int n_ops = 0;
  for (size_t i = 0; i < n; i++) {
    seam_node_profile node;
    seam_profile_node(p, i, &node);
    int k = 0;
    while (k < n_ops && strcmp(ops[k].op, node.op) != 0) k++;
    if (k == n_ops) ops[n_ops++].op = node.op;
    ops[k].count++;
    ops[k].ms += node.median_ms;
  }
  qsort(ops, (size_t)n_ops, sizeof *ops, by_ms);
  printf("time by op type (top %d):\n", n_ops < 10 ? n_ops : 10);
  for (int k = 0; k < n_ops && k < 10; k++)
    printf("  %-18s %4d node%s %10.3f ms %6.1f %%\n", ops[k].op, ops[k].count, ops[k].count == 1 ? " " : "s", ops[k].ms,
           sum > 0 ? 100.0 * ops[k].ms / sum : 0.0);
  free(ops);
}

/* One row per node, a total, and the time per op type (top 10). */
static void print_report(const seam_profile *p) {
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  double sum = info.nodes_total_ms;
  printf("%4s  %-44s %-18s %10s %6s %10s %10s\n", "#", "node", "op", "median ms", "%", "out KB", "MMACs");
  int64_t macs = 0;
  for (size_t i = 0; i < info.n_nodes; i++) {
    seam_node_profile n;
    seam_profile_node(p, i, &n);
    char buf[64], op[64];
    const char *act = n.fused_activation;
    snprintf(op, sizeof op, "%s%s%s", n.op, act[0] ? "+" : "", act);
    printf("%4zu  %-44s %-18s %10.3f %6.1f %10.1f %10.2f\n", i, tail(node_label(&n), 44, buf, sizeof buf), op,
           n.median_ms, sum > 0 ? 100.0 * n.median_ms / sum : 0.0, (double)n.output_bytes / 1024.0,
           (double)n.macs / 1e6);
    macs += n.macs;
  }
  printf(
      "total: %zu nodes, %.3f ms summed over nodes (median per node), %.3f ms median per run, "
      "%.3f GMACs\n",
      info.n_nodes, sum, info.total_ms, (double)macs / 1e9);
  print_op_shares(p, info.n_nodes, sum);
}

static int write_json(const seam_profile *p, const char *model, const char *path) {
  seam_error err = {0};
  char *text = seam_profile_to_json(p, model, &err);
  if (!text) {
    fprintf(stderr, "seam profile: %s\n", err.message);
    return -1;
  }
  FILE *f = fopen(path, "w");
  int rc = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
  if (f && fclose(f) != 0) rc = -1;
  seam_profile_json_free(text);
  if (rc) fprintf(stderr, "seam profile: cannot write '%s'\n", path);
  return rc;
}

/* The report, and the JSON file when asked; 0 or 1 (the exit code). */
static int report(const seam_profile *p, const char *model, const char *json_path) {
  print_report(p);
  if (!json_path) return 0;
  if (write_json(p, model, json_path) != 0) return 1;
  printf("wrote %s\n", json_path);
  return 0;
}

/* Progress on stderr: "run 3/10", on one line when stderr is a terminal. */
typedef struct progress {
  int tty, shown;
} progress;

static int show_progress(void *user, int timed, int index, int count) {
  progress *pr = user;
  if (!timed) return 0;
  fprintf(stderr, pr->tty ? "\rrun %d/%d" : "run %d/%d\n", index + 1, count);
  pr->shown = 1;
  return 0;
}

static void profile_usage(FILE *out) {
  fprintf(out,
          "usage: seam profile --model M.onnx [--input X.npy | --input name=X.npy ...]\n"
          "                    [--dim NAME=VALUE ...] [--threads N] [--runs N] [--warmup N]\n"
          "                    [--interval-ms T] [--json OUT.json] [--reference]\n"
          "       seam profile --remote HOST:PORT --model M.onnx [--model-name NAME | --name NAME]\n"
          "                    [--dim NAME=VALUE ...] [--runs N] [--warmup N] [--deadline-ms N]\n"
          "                    [--json OUT.json]\n\n"
          "Times every node with the executor's observer: --warmup runs (default 2), then\n"
          "--runs timed runs (default 10). Prints one row per node in execution order\n"
          "(median ms, share, output size, MACs), a total, and the time per op type\n"
          "(top 10). --json writes the same per node (name, op, median_ms, output_bytes,\n"
          "macs, outputs, inputs) for the partitioner. Inputs as in seam bench.\n"
          "--interval-ms T starts a run every T ms (default back to back): a device whose\n"
          "speed depends on its duty cycle (a CPU quota, thermal limits) is then profiled\n"
          "at the rate it will serve requests (seam run --interval-ms).\n\n"
          "--remote asks a seam-cloud worker to profile its own copy of the model (found\n"
          "by --model-name, default the model file's folder or file name, and by the\n"
          "SHA-256 of M.onnx) on its threads and kernels, and prints its answer the same\n"
          "way. The worker makes up its inputs (--dim sets symbolic dimensions), runs at\n"
          "most 1000 timed and 1..100 warm-up runs, one profile at a time (a second one is\n"
          "refused: retry later), and answers a repeated request from its cache.\n"
          "--deadline-ms bounds the call (default none).\n");
}

typedef struct profile_args {
  cli_timing_args t;
  const char *json_path, *remote, *model_name;
  int deadline_ms, interval_ms, runs_set, warmup_set;
} profile_args;

/* Parses argv into a; returns -1 to exit 0 (help), 2 on a bad option, 0. */
static int parse_args(int argc, char **argv, profile_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      profile_usage(stdout);
      return -1;
    }
    a->runs_set |= strcmp(opt, "--runs") == 0;
    a->warmup_set |= strcmp(opt, "--warmup") == 0;
    int r = cli_timing_option(&a->t, "profile", argc, argv, &i);
    if (r < 0) return 2;
    if (r > 0) continue;
    const char *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(opt, "--json") == 0 && val) {
      a->json_path = argv[++i];
    } else if (strcmp(opt, "--remote") == 0 && val) {
      a->remote = argv[++i];
    } else if ((strcmp(opt, "--model-name") == 0 || strcmp(opt, "--name") == 0) && val) {
      a->model_name = argv[++i];
    } else if (strcmp(opt, "--deadline-ms") == 0 && val) {
      if (cli_parse_count("profile", opt, argv[++i], 1, &a->deadline_ms) < 0) return 2;
    } else if (strcmp(opt, "--interval-ms") == 0 && val) {
      if (cli_parse_count("profile", opt, argv[++i], 0, &a->interval_ms) < 0) return 2;
    } else {
      fprintf(stderr, "seam profile: unknown option '%s'\n", opt);
      profile_usage(stderr);
      return 2;
    }
  }
  const char *local_only = a->t.feed.n_inputs ? "--input"
                           : a->t.threads     ? "--threads"
                           : a->t.reference   ? "--reference"
                           : a->interval_ms   ? "--interval-ms"
                                              : NULL;
  if (a->remote && local_only) {
    fprintf(stderr,
            "seam profile: %s is not available with --remote: the worker makes up its inputs "
            "(--dim sets symbolic dimensions) and uses its own threads and kernels\n",
            local_only);
    return 2;
  }
  if (!a->remote && (a->model_name || a->deadline_ms)) {
    fprintf(stderr, "seam profile: --model-name and --deadline-ms go with --remote HOST:PORT\n");
    return 2;
  }
  if (!a->t.model) {
    profile_usage(stderr);
    return 2;
  }
  return 0;
}

static int profile_local(const profile_args *a) {
  double load_ms = 0;
  seam_model *m = cli_timing_load(&a->t, "profile", &load_ms);
  if (!m) return 1;
  int rc = 1;
  cli_feeds feeds = {0};
  const char *names[CLI_MAX_FEEDS];
  const seam_tensor *given[CLI_MAX_FEEDS];
  size_t n_given = 0;
  if (cli_load_feeds(m, &a->t.feed, "profile", &feeds) != 0) goto done;
  for (int i = 0; i < feeds.n; i++)
    if (feeds.tensors[i]) names[n_given] = feeds.names[i], given[n_given++] = feeds.tensors[i];
  progress pr = {.tty = isatty(STDERR_FILENO)};
  seam_profile_options o;
  seam_profile_options_default(&o);
  o.runs = a->t.runs;
  o.warmup = a->t.warmup;
  o.interval_ms = a->interval_ms;
  o.n_dims = (size_t)a->t.feed.n_dims;
  o.dim_names = (const char *const *)a->t.feed.dim_names;
  o.dim_values = a->t.feed.dim_values;
  o.n_inputs = n_given;
  o.input_names = names;
  o.inputs = given;
  o.before_run = show_progress;
  o.user = &pr;
  seam_profile *p = NULL;
  seam_error err = {0};
  seam_status st = seam_profile_run(m, &o, &p, &err);
  if (pr.tty && pr.shown) fputc('\n', stderr);
  if (st != SEAM_OK) {
    fprintf(stderr, "seam profile: %s\n", err.message);
    goto done;
  }
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  printf("seam profile: %s\n  %d thread%s, %s kernels; loaded in %.1f ms; %d warm-up + %d timed runs\n", a->t.model,
         info.threads, info.threads == 1 ? "" : "s", info.kernels, load_ms, info.warmup, info.runs);
  rc = report(p, a->t.model, a->json_path);
  seam_profile_free(p);
done:
  cli_feeds_free(&feeds);
  seam_model_free(m);
  return rc;
}

static int profile_remote(const profile_args *a) {
  seam_edge_profile_request rq = {.endpoint = a->remote,
                                  .model_path = a->t.model,
                                  .model_name = a->model_name,
                                  .runs = a->runs_set ? a->t.runs : 0,
                                  .warmup = a->warmup_set ? a->t.warmup : 0,
                                  .n_dims = (size_t)a->t.feed.n_dims,
                                  .dim_names = (const char *const *)a->t.feed.dim_names,
                                  .dim_values = a->t.feed.dim_values,
                                  .timeout_ms = a->deadline_ms};
  if (a->warmup_set && a->t.warmup == 0) {
    fprintf(stderr, "seam profile: --warmup 0 is not available with --remote (0 asks for the worker's default)\n");
    return 2;
  }
  seam_profile *p = NULL;
  int cached = 0;
  seam_error err = {0};
  if (seam_edge_profile_remote(&rq, &p, &cached, &err) != SEAM_OK) {
    fprintf(stderr, "seam profile: %s\n", err.message);
    return 1;
  }
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  printf("seam profile: %s on the worker %s%s\n  %d thread%s, %s kernels; %d warm-up + %d timed runs\n", a->t.model,
         a->remote, cached ? " (its cached result)" : "", info.threads, info.threads == 1 ? "" : "s", info.kernels,
         info.warmup, info.runs);
  int rc = report(p, a->t.model, a->json_path);
  seam_profile_free(p);
  return rc;
}

int cmd_profile(int argc, char **argv) {
  profile_args a = {.t = {.runs = 10, .warmup = 2}};
  int r = parse_args(argc, argv, &a);
  if (r) return r < 0 ? 0 : r;
  return a.remote ? profile_remote(&a) : profile_local(&a);
}

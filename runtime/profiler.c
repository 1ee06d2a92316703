/* seam_profile_run: per-node timing through the executor's observer
 * (before_node/after_node). The profiler only watches the callbacks, so it
 * times whatever engine runs the model: a run plan or the plain executor. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "common/error.h"
#include "runtime/macs.h"
#include "runtime/model.h"
#include "runtime/synthetic.h"
#include "seam/profile.h"

/* What one node cost, collected over the timed runs. */
typedef struct node_rec {
  const seam_node *node;
  double *times; /* per timed run, ms */
  int64_t output_bytes, macs;
} node_rec;

typedef struct profiler {
  node_rec *recs; /* in order of first execution */
  int n, cap;
  int runs;
  int run;      /* timed run index; -1 during warm-up */
  int current;  /* record of the node between before_node and after_node */
  double start; /* when that node started */
  int no_memory;
} profiler;

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of n >= 1 samples, sorting them in place (the mean of the two
 * middle ones for even n). */
static double median_inplace(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) * 0.5;
}

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
  p->start = seam_clock_ms(); /* last, so the bookkeeping above is not timed */
}

static void after_node(void *user, const seam_node *node, const seam_tensor *const *inputs,
                       seam_tensor *const *outputs) {
  double end = seam_clock_ms(); /* first, for the same reason */
  profiler *p = user;
  if (p->current < 0 || p->current >= p->n || p->recs[p->current].node != node) return;
  node_rec *r = &p->recs[p->current];
  if (p->run >= 0) r->times[p->run] += end - p->start;
  int64_t bytes = 0;
  for (int k = 0; k < node->n_outputs; k++)
    if (outputs[k]) bytes += (int64_t)seam_tensor_nbytes(outputs[k]);
  r->output_bytes = bytes;
  r->macs = seam_node_macs(node, inputs, outputs);
}

/* The activation graph optimization fused into a node, or "". */
static const char *activation_name(seam_activation_kind kind) {
  switch (kind) {
  case SEAM_ACT_CLAMP: return "clamp";
  case SEAM_ACT_HARDSWISH: return "hardswish";
  case SEAM_ACT_SIGMOID: return "sigmoid";
  default: return "";
  }
}

/* names[] gets the names of values[] (skipping omitted ones and, when asked,
 * constants); returns how many. */
static size_t value_names(const seam_graph *g, const int *values, int n, bool skip_constants, const char **names) {
  size_t k = 0;
  for (int i = 0; i < n; i++) {
    int v = values[i];
    if (v < 0 || v >= g->n_values || (skip_constants && g->values[v].constant)) continue;
    names[k++] = g->values[v].name;
  }
  return k;
}

/* The records, in order, as nodes of a new profile. */
static seam_status make_result(const seam_model *m, profiler *p, double total_ms, int warmup,
                               seam_profile **result, seam_error *err) {
  seam_profile_info info = {.threads = m->engine.threads,
                            .runs = p->runs,
                            .warmup = warmup,
                            .kernels = m->options.fast_kernels ? "fast" : "reference",
                            .total_ms = total_ms};
  seam_profile *prof = seam_profile_create(&info, err);
  if (!prof) return err->status;
  const seam_graph *g = m->graph;
  seam_status st = SEAM_OK;
  for (int i = 0; st == SEAM_OK && i < p->n; i++) {
    const node_rec *r = &p->recs[i];
    const seam_node *node = r->node;
    const char **names = malloc(sizeof(char *) * ((size_t)node->n_outputs + (size_t)node->n_inputs + 1));
    if (!names) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      break;
    }
    seam_node_profile np = {.name = node->name ? node->name : "",
                            .op = node->op_type,
                            .median_ms = median_inplace(r->times, (size_t)p->runs),
                            .output_bytes = r->output_bytes,
                            .macs = r->macs,
                            .fused_activation = activation_name(node->act.kind)};
    np.n_outputs = value_names(g, node->outputs, node->n_outputs, false, names);
    np.outputs = names;
    np.n_inputs = value_names(g, node->inputs, node->n_inputs, true, names + np.n_outputs);
    np.inputs = names + np.n_outputs;
    st = seam_profile_add_node(prof, &np, err);
    free(names);
  }
  if (st != SEAM_OK) {
    seam_profile_free(prof);
    return st;
  }
  *result = prof;
  return SEAM_OK;
}

/* The graph inputs to feed: the caller's, and made-up ones for the rest
 * (made[] holds those, to free). */
static seam_status make_feeds(const seam_model *m, const seam_profile_options *o, const char **names,
                              const seam_tensor **feeds, seam_tensor **made, seam_error *err) {
  size_t n = seam_model_input_count(m);
  for (size_t k = 0; k < o->n_inputs; k++) {
    size_t i = 0;
    seam_value_info info;
    while (i < n && (seam_model_input_info(m, i, &info), strcmp(info.name, o->input_names[k]) != 0)) i++;
    if (i == n)
      return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the model has no input named '%s'", o->input_names[k]);
    if (!o->inputs[k]) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "input '%s' is NULL", o->input_names[k]);
    feeds[i] = o->inputs[k];
  }
  for (size_t i = 0; i < n; i++) {
    seam_value_info info;
    seam_model_input_info(m, i, &info);
    names[i] = info.name;
    if (feeds[i]) continue;
    made[i] = seam_synthetic_input(&info, (int)i, o->n_dims, o->dim_names, o->dim_values, err);
    if (!made[i]) {
      seam_error_prefix(err, "input '%s'", info.name);
      return err->status;
    }
    feeds[i] = made[i];
  }
  return SEAM_OK;
}

static seam_status check_options(const seam_model *m, const seam_profile_options *o, seam_error *err) {
  if (o->runs < 1) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "runs is %d; it must be >= 1", o->runs);
  if (o->warmup < 0) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "warmup is %d; it must be >= 0", o->warmup);
  if (o->interval_ms < 0 || o->interval_ms > 600000)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "interval_ms is %d; it must be 0 to 600000", o->interval_ms);
  if (o->n_inputs && (!o->input_names || !o->inputs))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "input names or tensors are NULL");
  for (size_t k = 0; k < o->n_inputs; k++)
    if (!o->input_names[k]) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "input name %zu is NULL", k);
  return seam_synthetic_check_dims(m, o->n_dims, o->dim_names, o->dim_values, err);
}

static void sleep_until_ms(double until) {
  double left = until - seam_clock_ms();
  if (left <= 0) return;
  long long ns = (long long)(left * 1e6);
  struct timespec d = {(time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL)};
  while (nanosleep(&d, &d) != 0 && errno == EINTR) {
  }
}

/* Runs warm-up and timed runs into p; run_ms[] gets each timed run's time. */
static seam_status run_all(const seam_model *m, const seam_profile_options *o, profiler *p, size_t n_in,
                           const char **names, const seam_tensor **feeds, double *run_ms, seam_error *err) {
  size_t n_out = seam_model_output_count(m);
  seam_tensor **outputs = calloc(n_out + 1, sizeof *outputs);
  if (!outputs) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_node_observer obs = {.before_node = before_node, .after_node = after_node, .user = p};
  seam_status st = SEAM_OK;
  double last_start = 0;
  for (int r = 0; st == SEAM_OK && r < o->warmup + o->runs; r++) {
    bool timed = r >= o->warmup;
    if (o->before_run &&
        o->before_run(o->user, timed, timed ? r - o->warmup : r, timed ? o->runs : o->warmup) != 0) {
      st = seam_fail(err, SEAM_ERR_CANCELLED, "stopped before run %d of %d (%d warm-up, %d timed)", r + 1,
                     o->warmup + o->runs, o->warmup, o->runs);
      break;
    }
    p->run = timed ? r - o->warmup : -1;
    p->current = -1;
    if (r > 0 && o->interval_ms > 0) sleep_until_ms(last_start + o->interval_ms);
    double t0 = seam_clock_ms();
    last_start = t0;
    st = seam_model_run_ex(m, n_in, names, feeds, n_out, NULL, outputs, &obs, o->run, err);
    double ms = seam_clock_ms() - t0;
    for (size_t k = 0; k < n_out; k++) seam_tensor_free(outputs[k]), outputs[k] = NULL;
    if (st == SEAM_OK && p->no_memory) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    if (st == SEAM_OK && timed) run_ms[p->run] = ms;
  }
  free(outputs);
  return st;
}

SEAM_API seam_status seam_profile_run(const seam_model *m, const seam_profile_options *options,
                                      seam_profile **result, seam_error *err) {
  seam_error scratch;
  if (!err) err = &scratch;
  if (!result) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_profile_run: result is NULL");
  *result = NULL;
  if (!m) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_profile_run: model is NULL");
  seam_profile_options defaults;
  seam_profile_options_default(&defaults);
  const seam_profile_options *o = options ? options : &defaults;
  seam_status st = check_options(m, o, err);
  if (st != SEAM_OK) return st;

  size_t n_in = seam_model_input_count(m);
  const char **names = calloc(n_in + 1, sizeof *names);
  const seam_tensor **feeds = calloc(n_in + 1, sizeof *feeds);
  seam_tensor **made = calloc(n_in + 1, sizeof *made);
  double *run_ms = calloc((size_t)o->runs, sizeof *run_ms);
  profiler p = {.runs = o->runs, .run = -1, .current = -1};
  if (!names || !feeds || !made || !run_ms) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  if (st == SEAM_OK) st = make_feeds(m, o, names, feeds, made, err);
  if (st == SEAM_OK) st = run_all(m, o, &p, n_in, names, feeds, run_ms, err);
  if (st == SEAM_OK) st = make_result(m, &p, median_inplace(run_ms, (size_t)o->runs), o->warmup, result, err);
  for (int i = 0; i < p.n; i++) free(p.recs[i].times);
  free(p.recs);
  for (size_t i = 0; made && i < n_in; i++) seam_tensor_free(made[i]);
  free(made);
  free(feeds);
  free(names);
  free(run_ms);
  return st;
}

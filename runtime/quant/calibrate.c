/* Calibration: watches tensors through the executor's observer. */
#include "runtime/quant/calibrate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/model.h"

typedef struct watched {
  int value;
  double min, max;
  int64_t seen; /* finite values counted in pass 0 */
  seam_histogram hist;
  bool wrong_dtype;
} watched;

struct seam_calib {
  const seam_model *m;
  int n;
  watched *w;
  int *watch_of;        /* per graph value: index into w, or -1 */
  const char **wanted;  /* watched tensors a node produces: requested as outputs */
  int n_wanted;
  seam_tensor **out;
  int pass;
};

static void record(seam_calib *c, watched *w, const seam_tensor *t) {
  if (t->dtype != SEAM_DTYPE_FLOAT32) {
    w->wrong_dtype = true;
    return;
  }
  const float *x = t->data;
  if (c->pass == 0) {
    for (int64_t i = 0; i < t->count; i++) {
      float v = x[i];
      if (!isfinite(v)) continue;
      if (v < w->min) w->min = v;
      if (v > w->max) w->max = v;
      w->seen++;
    }
    return;
  }
  seam_histogram *h = &w->hist;
  double width = h->hi - h->lo, k = width > 0 ? h->bins / width : 0;
  for (int64_t i = 0; i < t->count; i++) {
    float v = x[i];
    if (!isfinite(v)) continue;
    if (v == 0.0f) {
      h->zeros += 1;
      continue;
    }
    double pos = ((double)v - h->lo) * k;
    int b = pos <= 0 ? 0 : pos >= h->bins ? h->bins - 1 : (int)pos;
    h->counts[b] += 1;
  }
}

static void after_node(void *user, const seam_node *node, const seam_tensor *const *inputs,
                       seam_tensor *const *outputs) {
  (void)inputs;
  seam_calib *c = user;
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v >= 0 && outputs[k] && c->watch_of[v] >= 0) record(c, &c->w[c->watch_of[v]], outputs[k]);
  }
}

void seam_calib_free(seam_calib *c) {
  if (!c) return;
  for (int i = 0; c->w && i < c->n; i++) free(c->w[i].hist.counts);
  free(c->w);
  free(c->watch_of);
  free(c->wanted);
  free(c->out);
  free(c);
}

seam_calib *seam_calib_create(const seam_model *m, int n, const char *const *names, seam_error *err) {
  const seam_graph *g = m->graph;
  seam_calib *c = calloc(1, sizeof *c);
  if (!c || !(c->w = calloc((size_t)n + 1, sizeof *c->w)) ||
      !(c->watch_of = malloc(sizeof(int) * ((size_t)g->n_values + 1))) ||
      !(c->wanted = calloc((size_t)n + 1, sizeof *c->wanted)) || !(c->out = calloc((size_t)n + 1, sizeof *c->out))) {
    seam_calib_free(c);
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  c->m = m;
  c->n = n;
  for (int v = 0; v < g->n_values; v++) c->watch_of[v] = -1;
  for (int i = 0; i < n; i++) {
    int v = seam_graph_find_value(g, names[i]);
    if (v < 0) {
      seam_fail(err, SEAM_ERR_NOT_FOUND, "the model has no tensor named '%s' to calibrate", names[i]);
      seam_calib_free(c);
      return NULL;
    }
    c->w[i].value = v;
    c->watch_of[v] = i;
    if (g->values[v].producer >= 0 && !g->values[v].constant) c->wanted[c->n_wanted++] = g->values[v].name;
  }
  return c;
}

/* Constants are recorded when a pass starts: they never go through a node. */
static void record_constants(seam_calib *c) {
  for (int i = 0; i < c->n; i++) {
    const seam_tensor *t = c->m->graph->values[c->w[i].value].constant;
    if (t) record(c, &c->w[i], t);
  }
}

seam_status seam_calib_start_pass(seam_calib *c, int pass, seam_error *err) {
  c->pass = pass;
  for (int i = 0; i < c->n; i++) {
    watched *w = &c->w[i];
    if (pass == 0) {
      w->min = INFINITY;
      w->max = -INFINITY;
      w->seen = 0;
      continue;
    }
    if (!w->hist.counts && !(w->hist.counts = malloc(sizeof(double) * SEAM_CALIB_BINS)))
      return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    memset(w->hist.counts, 0, sizeof(double) * SEAM_CALIB_BINS);
    w->hist.bins = SEAM_CALIB_BINS;
    w->hist.zeros = 0;
    w->hist.lo = w->seen ? fmin(w->min, 0.0) : 0.0;
    w->hist.hi = w->seen ? fmax(w->max, 0.0) : 0.0;
  }
  record_constants(c);
  return SEAM_OK;
}

seam_status seam_calib_run(seam_calib *c, size_t n_inputs, const char *const *input_names,
                           const seam_tensor *const *inputs, seam_error *err) {
  const seam_graph *g = c->m->graph;
  for (size_t k = 0; k < n_inputs; k++) {
    int v = seam_graph_find_value(g, input_names[k]);
    if (v >= 0 && c->watch_of[v] >= 0) record(c, &c->w[c->watch_of[v]], inputs[k]);
  }
  seam_node_observer obs = {.after_node = after_node, .user = c};
  seam_status st;
  if (c->n_wanted > 0) {
    st = seam_model_run_observed(c->m, n_inputs, input_names, inputs, (size_t)c->n_wanted, c->wanted, c->out,
                                 &obs, err);
    for (int i = 0; i < c->n_wanted; i++) seam_tensor_free(c->out[i]), c->out[i] = NULL;
  } else {
    size_t n_out = (size_t)g->n_outputs;
    seam_tensor **out = calloc(n_out + 1, sizeof *out);
    if (!out) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    st = seam_model_run_observed(c->m, n_inputs, input_names, inputs, n_out, NULL, out, &obs, err);
    for (size_t i = 0; i < n_out; i++) seam_tensor_free(out[i]);
    free(out);
  }
  if (st != SEAM_OK) return st;
  for (int i = 0; i < c->n; i++)
    if (c->w[i].wrong_dtype)
      return seam_fail(err, SEAM_ERR_UNSUPPORTED, "tensor '%s' is not float32; only float tensors are quantized",
                       g->values[c->w[i].value].name);
  return SEAM_OK;
}

seam_status seam_calib_range(const seam_calib *c, int i, seam_range_method method, double percentile,
                             float *lo, float *hi, seam_error *err) {
  const watched *w = &c->w[i];
  if (w->seen == 0) {
    *lo = *hi = 0.0f; /* never saw a finite value: the range of zeros */
    return SEAM_OK;
  }
  if (method == SEAM_RANGE_MINMAX) {
    *lo = (float)fmin(w->min, 0.0);
    *hi = (float)fmax(w->max, 0.0);
    return SEAM_OK;
  }
  if (!w->hist.counts)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "the %s method needs a histogram pass",
                     method == SEAM_RANGE_PERCENTILE ? "percentile" : "entropy");
  if (method == SEAM_RANGE_PERCENTILE) seam_range_percentile(&w->hist, percentile, lo, hi);
  else seam_range_entropy(&w->hist, lo, hi);
  return SEAM_OK;
}

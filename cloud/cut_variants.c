/* Model variants that keep removed tensors (see cut_variants.h). */
#include "cloud/cut_variants.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cloud/service.h"
#include "protocol/rpc_status.h"
#include "common/error.h"
#include "runtime/model.h"

/* One variant: the removed tensors it keeps, as indices into the served
 * graph's removal records (sorted, distinct), and its model once loaded. */
struct seam_cloud_variant {
  int *key;
  int n_key;
  pthread_mutex_t lock; /* held while loading; guards model and the error */
  seam_model *model;
  int error_code;       /* SEAM_RPC_OK until a load failed */
  char *error;
};

typedef struct model_variants {
  seam_cloud_variant **slots; /* max_per_model entries, n used */
  int n;
} model_variants;

struct seam_cloud_variants {
  pthread_mutex_t lock; /* guards every model's slots and n */
  const seam_cloud_repo *repo;
  int max_per_model;
  FILE *log;
  model_variants *models; /* repo->n_models entries */
};

seam_cloud_variants *seam_cloud_variants_create(const seam_cloud_repo *repo, int max_per_model, FILE *log) {
  if (max_per_model < 0) max_per_model = 0;
  if (max_per_model > SEAM_CLOUD_CUT_VARIANTS_MAX) max_per_model = SEAM_CLOUD_CUT_VARIANTS_MAX;
  seam_cloud_variants *vs = calloc(1, sizeof *vs);
  if (!vs) return NULL;
  vs->models = calloc(repo->n_models + 1, sizeof *vs->models);
  if (!vs->models || pthread_mutex_init(&vs->lock, NULL) != 0) {
    free(vs->models);
    free(vs);
    return NULL;
  }
  vs->repo = repo;
  vs->max_per_model = max_per_model;
  vs->log = log;
  return vs;
}

static void variant_free(seam_cloud_variant *v) {
  if (!v) return;
  pthread_mutex_destroy(&v->lock);
  seam_model_free(v->model);
  free(v->error);
  free(v->key);
  free(v);
}

void seam_cloud_variants_free(seam_cloud_variants *vs) {
  if (!vs) return;
  for (size_t i = 0; i < vs->repo->n_models; i++) {
    for (int k = 0; k < vs->models[i].n; k++) variant_free(vs->models[i].slots[k]);
    free(vs->models[i].slots);
  }
  pthread_mutex_destroy(&vs->lock);
  free(vs->models);
  free(vs);
}

static model_variants *variants_of(seam_cloud_variants *vs, const seam_cloud_model *m) {
  return &vs->models[m - vs->repo->models];
}

int seam_cloud_variant_count(seam_cloud_variants *vs, const seam_cloud_model *m) {
  if (!vs) return 0;
  pthread_mutex_lock(&vs->lock);
  model_variants *mv = variants_of(vs, m);
  int loaded = 0;
  for (int k = 0; k < mv->n; k++) {
    pthread_mutex_lock(&mv->slots[k]->lock);
    loaded += mv->slots[k]->model != NULL;
    pthread_mutex_unlock(&mv->slots[k]->lock);
  }
  pthread_mutex_unlock(&vs->lock);
  return loaded;
}

/* A removed tensor the request names: its record, and which list named it. */
typedef struct kept_name {
  int record;
  int side; /* 0 input, 1 wanted */
  size_t index;
} kept_name;

static int by_record(const void *a, const void *b) {
  const kept_name *x = a, *y = b;
  if (x->record != y->record) return x->record < y->record ? -1 : 1;
  return x->side - y->side;
}

/* Sorts the names one side lists into those the served graph has (live,
 * appended to *n_live) and the removed ones (appended to kept); false with
 * r set for a name of neither kind or too many removed ones. */
static bool split_names(const seam_cloud_model *m, int side, size_t n, const char *const *names,
                        const char **live, size_t *n_live, kept_name *kept, int *n_kept, seam_grpc_response *r) {
  const seam_graph *g = m->model->graph;
  const char *what = side == 0 ? "input" : "wanted";
  for (size_t i = 0; i < n; i++) {
    const char *name = names[i];
    const seam_removed_value *rec = name ? seam_graph_find_removed(g, name) : NULL;
    bool alias = false;
    if (!rec || (seam_graph_removed_instead(g, rec, &alias) && alias)) {
      live[(*n_live)++] = name; /* a tensor of the graph, an alias of one, or unknown: checked below */
      continue;
    }
    if (*n_kept == SEAM_CLOUD_MAX_KEPT) {
      seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT,
                            "model '%s': the request names more than %d tensors that graph optimization removed "
                            "(%s tensor %zu, '%s', is one more)",
                            m->name, SEAM_CLOUD_MAX_KEPT, what, i, name);
      return false;
    }
    kept[(*n_kept)++] = (kept_name){.record = (int)(rec - g->removed), .side = side, .index = i};
  }
  return true;
}

/* The slot whose key is the n records of kept (sorted, distinct), or NULL. */
static seam_cloud_variant *find_slot(model_variants *mv, const int *key, int n) {
  for (int k = 0; k < mv->n; k++) {
    seam_cloud_variant *v = mv->slots[k];
    if (v->n_key == n && memcmp(v->key, key, sizeof *key * (size_t)n) == 0) return v;
  }
  return NULL;
}

static seam_cloud_variant *new_slot(const int *key, int n) {
  seam_cloud_variant *v = calloc(1, sizeof *v);
  if (!v) return NULL;
  v->key = malloc(sizeof *key * (size_t)(n ? n : 1));
  if (!v->key || pthread_mutex_init(&v->lock, NULL) != 0) {
    free(v->key);
    free(v);
    return NULL;
  }
  memcpy(v->key, key, sizeof *key * (size_t)n);
  v->n_key = n;
  return v;
}

bool seam_cloud_variant_admit(seam_cloud_variants *vs, const seam_cloud_model *m, size_t n_inputs,
                              const char *const *inputs, size_t n_wanted, const char *const *wanted,
                              seam_cloud_variant **variant, seam_grpc_response *r) {
  *variant = NULL;
  seam_error err;
  if (seam_model_check_names(m->model, n_inputs, inputs, "input", &err) == SEAM_OK &&
      seam_model_check_names(m->model, n_wanted, wanted, "wanted", &err) == SEAM_OK)
    return true;
  if (!vs || err.status != SEAM_ERR_NOT_FOUND) {
    seam_cloud_set_status(r, seam_rpc_code_from_status(err.status), "model '%s': %s", m->name, err.message);
    return false;
  }
  /* Some name is not in the served graph: a tensor optimization removed
   * (the variant keeps it) or no tensor of the file (refused as before). */
  seam_error refused = err;
  size_t n_all = n_inputs + n_wanted;
  const char **live = malloc(sizeof *live * (n_all + 1));
  kept_name kept[SEAM_CLOUD_MAX_KEPT];
  int key[SEAM_CLOUD_MAX_KEPT];
  int n_kept = 0, n_key = 0;
  size_t n_live_in = 0, n_live_wanted = 0;
  bool ok = false;
  if (!live) {
    seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
    return false;
  }
  if (!split_names(m, 0, n_inputs, inputs, live, &n_live_in, kept, &n_kept, r) ||
      !split_names(m, 1, n_wanted, wanted, live + n_live_in, &n_live_wanted, kept, &n_kept, r))
    goto out;
  /* The others as before: tensors of the graph, no constant, none twice. */
  if (seam_model_check_names(m->model, n_live_in, live, "input", &err) != SEAM_OK ||
      seam_model_check_names(m->model, n_live_wanted, live + n_live_in, "wanted", &err) != SEAM_OK) {
    seam_cloud_set_status(r, seam_rpc_code_from_status(err.status), "model '%s': %s", m->name, err.message);
    goto out;
  }
  qsort(kept, (size_t)n_kept, sizeof *kept, by_record);
  const seam_graph *g = m->model->graph;
  for (int i = 0; i < n_kept; i++) {
    if (i > 0 && kept[i].record == kept[i - 1].record) {
      if (kept[i].side == kept[i - 1].side) {
        seam_cloud_set_status(r, SEAM_RPC_INVALID_ARGUMENT, "model '%s': %s tensor '%s' is named twice", m->name,
                              kept[i].side == 0 ? "input" : "wanted", g->removed[kept[i].record].name);
        goto out;
      }
      continue; /* given and wanted: one kept tensor */
    }
    key[n_key++] = kept[i].record;
  }
  if (n_key == 0) { /* cannot happen: some name was not found */
    seam_cloud_set_status(r, seam_rpc_code_from_status(refused.status), "model '%s': %s", m->name, refused.message);
    goto out;
  }
  pthread_mutex_lock(&vs->lock);
  model_variants *mv = variants_of(vs, m);
  seam_cloud_variant *v = find_slot(mv, key, n_key);
  if (!v && mv->n < vs->max_per_model) {
    if (!mv->slots) mv->slots = calloc((size_t)vs->max_per_model, sizeof *mv->slots);
    if (mv->slots && (v = new_slot(key, n_key)) != NULL) mv->slots[mv->n++] = v;
    if (!v) {
      pthread_mutex_unlock(&vs->lock);
      seam_cloud_set_status(r, SEAM_RPC_RESOURCE_EXHAUSTED, "out of memory");
      goto out;
    }
  }
  pthread_mutex_unlock(&vs->lock);
  const seam_removed_value *first = &g->removed[key[0]];
  if (!v) {
    const char *instead = seam_graph_removed_instead(g, first, NULL);
    char hint[200] = "";
    if (instead) snprintf(hint, sizeof hint, "; cut at '%.120s' instead", instead);
    seam_cloud_set_status(r, SEAM_RPC_FAILED_PRECONDITION,
                          "model '%s': the request names %d tensor%s that graph optimization removed ('%.120s'%s); "
                          "serving %s needs a variant of the model that keeps %s, and this worker already holds "
                          "its %d (--max-cut-variants)%s",
                          m->name, n_key, n_key == 1 ? "" : "s", first->name, n_key > 1 ? ", ..." : "",
                          n_key == 1 ? "it" : "them", n_key == 1 ? "it" : "them", vs->max_per_model, hint);
    goto out;
  }
  /* A variant that failed to load answers its error without loading again. */
  pthread_mutex_lock(&v->lock);
  if (v->error_code != SEAM_RPC_OK) {
    seam_cloud_set_status(r, v->error_code, "model '%s': %s", m->name,
                          v->error ? v->error : "the variant that keeps removed tensors did not load");
    pthread_mutex_unlock(&v->lock);
    goto out;
  }
  pthread_mutex_unlock(&v->lock);
  *variant = v;
  ok = true;
out:
  free(live);
  return ok;
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The kept names for a log line: printable, no quotes, joined by ','. */
static void log_names(const seam_graph *g, const seam_cloud_variant *v, char *out, size_t size) {
  size_t n = 0;
  for (int i = 0; i < v->n_key && n + 1 < size; i++) {
    if (i) out[n++] = ',';
    for (const char *p = g->removed[v->key[i]].name; *p && n + 1 < size; p++) {
      unsigned char ch = (unsigned char)*p;
      out[n++] = ch > 32 && ch < 127 && ch != '"' && ch != '\\' && ch != ',' ? (char)ch : '_';
    }
  }
  out[n] = '\0';
}

static void load(seam_cloud_variants *vs, seam_cloud_variant *v, const seam_cloud_model *m) {
  const seam_graph *g = m->model->graph;
  const char **names = malloc(sizeof *names * (size_t)v->n_key);
  seam_model_options o = m->model->options;
  /* All variants of a model together keep at most one more plan cache. */
  if (o.plan_cache_bytes) o.plan_cache_bytes /= (size_t)vs->max_per_model;
  o.keep_tensors = names;
  o.n_keep_tensors = (size_t)v->n_key;
  seam_error err;
  int64_t t0 = now_ns();
  if (!names) {
    seam_fail(&err, SEAM_ERR_NO_MEMORY, "out of memory");
  } else {
    for (int i = 0; i < v->n_key; i++) names[i] = g->removed[v->key[i]].name;
    v->model = seam_cloud_repo_reload(m, &o, &err);
  }
  free(names);
  char kept[256];
  log_names(g, v, kept, sizeof kept);
  if (v->model) {
    if (vs->log) {
      fprintf(vs->log, "seam-cloud event=cut_variant_loaded model=%s kept=%s ms=%.1f\n", m->name, kept,
              (double)(now_ns() - t0) / 1e6);
      fflush(vs->log);
    }
    return;
  }
  v->error_code = err.status == SEAM_ERR_IO ? SEAM_RPC_FAILED_PRECONDITION : seam_rpc_code_from_status(err.status);
  if (v->error_code == SEAM_RPC_OK || v->error_code == SEAM_RPC_INVALID_ARGUMENT) v->error_code = SEAM_RPC_INTERNAL;
  size_t len = strlen(err.message) + 64;
  if ((v->error = malloc(len)) != NULL)
    snprintf(v->error, len, "the variant that keeps removed tensors did not load: %s", err.message);
  if (vs->log) {
    fprintf(vs->log, "seam-cloud event=cut_variant_failed model=%s kept=%s reason=\"", m->name, kept);
    for (const char *p = err.message; *p; p++)
      fputc(*p == '"' || *p == '\n' || *p == '\r' || *p == '\\' ? '\'' : *p, vs->log);
    fprintf(vs->log, "\"\n");
    fflush(vs->log);
  }
}

const seam_model *seam_cloud_variant_model(seam_cloud_variants *vs, seam_cloud_variant *v, const seam_cloud_model *m,
                                           seam_grpc_response *r) {
  pthread_mutex_lock(&v->lock);
  if (!v->model && v->error_code == SEAM_RPC_OK) load(vs, v, m);
  const seam_model *model = v->model;
  if (!model)
    seam_cloud_set_status(r, v->error_code, "model '%s': %s", m->name,
                          v->error ? v->error : "the variant that keeps removed tensors did not load (out of memory)");
  pthread_mutex_unlock(&v->lock);
  return model;
}

#include "edge/reply_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/tensor.h"

static bool named(const char *dim_name) { return dim_name && dim_name[0]; }

static const edge_dim_binding *find_binding(const edge_dim_binding *items, size_t n,
                                            const char *name) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(items[i].name, name) == 0) return &items[i];
  return NULL;
}

seam_status edge_bind_input_dims(const seam_model *model, size_t n, const char *const *names,
                                 const seam_tensor *const *tensors, edge_dim_bindings *b,
                                 seam_error *err) {
  b->n = 0;
  b->items = NULL;
  size_t n_graph = seam_model_input_count(model), cap = 0;
  for (size_t i = 0; i < n; i++) {
    seam_value_info info;
    size_t k = 0;
    while (k < n_graph && (seam_model_input_info(model, k, &info) != SEAM_OK ||
                           strcmp(info.name, names[i]) != 0))
      k++;
    if (k == n_graph || info.rank < 0 || (size_t)info.rank != seam_tensor_rank(tensors[i]))
      continue;
    const int64_t *dims = seam_tensor_dims(tensors[i]);
    for (int d = 0; d < info.rank; d++) {
      if (info.dims[d] >= 0 || !named(info.dim_names[d]) ||
          find_binding(b->items, b->n, info.dim_names[d]))
        continue;
      if (b->n == cap) {
        size_t grown = cap ? 2 * cap : 8;
        edge_dim_binding *items = realloc(b->items, grown * sizeof *items);
        if (!items) {
          edge_dim_bindings_free(b);
          return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        }
        b->items = items;
        cap = grown;
      }
      b->items[b->n++] = (edge_dim_binding){info.dim_names[d], dims[d]};
    }
  }
  return SEAM_OK;
}

void edge_dim_bindings_free(edge_dim_bindings *b) {
  free(b->items);
  b->items = NULL;
  b->n = 0;
}

/* "[N,10]": a declared shape with its symbolic names ("?" unnamed). */
static void declared_str(const seam_value_info *info, char *out, size_t size) {
  size_t n = 0;
  n += (size_t)snprintf(out + n, size - n, "[");
  for (int d = 0; d < info->rank && n < size; d++) {
    const char *sep = d ? "," : "";
    if (info->dims[d] >= 0)
      n += (size_t)snprintf(out + n, size - n, "%s%lld", sep, (long long)info->dims[d]);
    else
      n += (size_t)snprintf(out + n, size - n, "%s%s", sep,
                            named(info->dim_names[d]) ? info->dim_names[d] : "?");
  }
  if (n < size) snprintf(out + n, size - n, "]");
}

static void dims_str(size_t rank, const int64_t *dims, char *out, size_t size) {
  size_t n = 0;
  n += (size_t)snprintf(out + n, size - n, "[");
  for (size_t d = 0; d < rank && n < size; d++)
    n += (size_t)snprintf(out + n, size - n, "%s%lld", d ? "," : "", (long long)dims[d]);
  if (n < size) snprintf(out + n, size - n, "]");
}

/* Checks one output message against the model's output info; names bound
 * by the outputs themselves go to extra (room for SEAM_MAX_RANK per output). */
static bool output_fits(const seam_value_info *info, const Seam__V1__Tensor *t,
                        const edge_dim_bindings *b, edge_dim_binding *extra, size_t *n_extra,
                        char *why, size_t why_size) {
  if (info->dtype != SEAM_DTYPE_UNDEFINED && (int)t->dtype != (int)info->dtype) {
    const char *got = seam_dtype_name((seam_dtype)t->dtype);
    snprintf(why, why_size, "output '%s' of the reply is %s, the model declares %s", info->name,
             got ? got : "an unknown dtype", seam_dtype_name(info->dtype));
    return false;
  }
  if (info->rank < 0) return true;
  char want[160], got[160];
  bool ok = t->n_dims == (size_t)info->rank;
  const char *bad_name = NULL;
  int64_t bound = 0;
  for (int d = 0; ok && d < info->rank; d++) {
    int64_t v = t->dims[d];
    if (info->dims[d] >= 0) {
      ok = v == info->dims[d];
    } else if (named(info->dim_names[d])) {
      const edge_dim_binding *hit = find_binding(b->items, b->n, info->dim_names[d]);
      if (!hit) hit = find_binding(extra, *n_extra, info->dim_names[d]);
      if (hit && hit->value != v) {
        ok = false;
        bad_name = hit->name;
        bound = hit->value;
      } else if (!hit) {
        extra[(*n_extra)++] = (edge_dim_binding){info->dim_names[d], v};
      }
    }
    if (v < 0) ok = false;
  }
  if (!ok) {
    declared_str(info, want, sizeof want);
    dims_str(t->n_dims, t->dims, got, sizeof got);
    if (bad_name)
      snprintf(why, why_size,
               "output '%s' of the reply has shape %s, the model declares %s with %s = %lld", info->name,
               got, want, bad_name, (long long)bound);
    else
      snprintf(why, why_size, "output '%s' of the reply has shape %s, the model declares %s",
               info->name, got, want);
  }
  return ok;
}

bool edge_reply_fits_model(const seam_model *model, const edge_dim_bindings *b,
                           const Seam__V1__InferReply *reply, char *why, size_t why_size) {
  size_t n_model = seam_model_output_count(model), n_reply = reply->n_outputs;
  if (n_reply == 0) {
    snprintf(why, why_size, "the worker's reply has status OK but no outputs");
    return false;
  }
  bool *seen = calloc(n_model ? n_model : 1, sizeof *seen);
  edge_dim_binding *extra = calloc(n_model * SEAM_MAX_RANK + 1, sizeof *extra);
  size_t n_extra = 0;
  bool ok = seen && extra;
  if (!ok) snprintf(why, why_size, "out of memory checking the worker's reply");
  for (size_t i = 0; ok && i < n_reply; i++) {
    const Seam__V1__Tensor *t = reply->outputs[i];
    const char *name = t->name ? t->name : "";
    seam_value_info info;
    size_t k = 0;
    while (k < n_model && (seam_model_output_info(model, k, &info) != SEAM_OK ||
                           strcmp(info.name, name) != 0))
      k++;
    if (k == n_model) {
      snprintf(why, why_size, "output %zu of the reply is named '%s', which is no output of the model",
               i, name);
      ok = false;
    } else if (seen[k]) {
      snprintf(why, why_size, "the reply holds output '%s' twice", name);
      ok = false;
    } else if (k != i) {
      snprintf(why, why_size, "output '%s' is at place %zu of the reply, the model's is %zu", name, i,
               k);
      ok = false;
    } else {
      seen[k] = true;
      ok = output_fits(&info, t, b, extra, &n_extra, why, why_size);
    }
  }
  for (size_t k = 0; ok && k < n_model; k++) {
    if (seen[k]) continue;
    seam_value_info info;
    seam_model_output_info(model, k, &info);
    snprintf(why, why_size, "the reply has no output '%s' (%zu of the model's %zu outputs)", info.name,
             n_reply, n_model);
    ok = false;
  }
  free(seen);
  free(extra);
  return ok;
}

static bool tensor_finite(const seam_tensor *t) {
  size_t n = seam_tensor_count(t);
  const void *data = seam_tensor_data_const(t);
  switch (seam_tensor_dtype(t)) {
    case SEAM_DTYPE_FLOAT32: {
      const float *p = data;
      for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return false;
      return true;
    }
    case SEAM_DTYPE_FLOAT64: {
      const double *p = data;
      for (size_t i = 0; i < n; i++)
        if (!isfinite(p[i])) return false;
      return true;
    }
    case SEAM_DTYPE_FLOAT16: { /* all exponent bits set: Inf or NaN */
      const uint16_t *p = data;
      for (size_t i = 0; i < n; i++)
        if ((p[i] & 0x7c00u) == 0x7c00u) return false;
      return true;
    }
    default: return true;
  }
}

size_t edge_first_non_finite(size_t n, const seam_tensor *const *tensors) {
  for (size_t i = 0; i < n; i++)
    if (tensors[i] && !tensor_finite(tensors[i])) return i;
  return n;
}

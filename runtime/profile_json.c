/* A profile as JSON text: the format of `seam profile --json`, which the
 * partitioner reads (cJSON's formatted print, numbers as cJSON writes them). */
#include <cJSON.h>
#include <math.h>

#include "common/error.h"
#include "seam/profile.h"

/* Milliseconds rounded to nanoseconds, so the JSON stays readable. */
static double round_ms(double ms) { return round(ms * 1e6) / 1e6; }

static cJSON *names_array(size_t n, const char *const *names) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t k = 0; arr && k < n; k++) {
    cJSON *s = cJSON_CreateString(names[k]);
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

static int add_node(cJSON *nodes, const seam_node_profile *n) {
  cJSON *o = cJSON_CreateObject();
  int ok = add_owned(nodes, NULL, o) && cJSON_AddStringToObject(o, "name", n->name) &&
           cJSON_AddStringToObject(o, "op", n->op) &&
           cJSON_AddNumberToObject(o, "median_ms", round_ms(n->median_ms)) &&
           cJSON_AddNumberToObject(o, "output_bytes", (double)n->output_bytes) &&
           cJSON_AddNumberToObject(o, "macs", (double)n->macs) &&
           add_owned(o, "outputs", names_array(n->n_outputs, n->outputs)) &&
           add_owned(o, "inputs", names_array(n->n_inputs, n->inputs));
  if (ok && n->fused_activation[0]) ok = cJSON_AddStringToObject(o, "fused_activation", n->fused_activation) != NULL;
  return ok;
}

SEAM_API char *seam_profile_to_json(const seam_profile *p, const char *model, seam_error *err) {
  if (!p) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_profile_to_json: profile is NULL");
    return NULL;
  }
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  cJSON *root = cJSON_CreateObject(), *nodes = NULL;
  int ok = root && cJSON_AddStringToObject(root, "model", model ? model : "") &&
           cJSON_AddNumberToObject(root, "threads", info.threads) &&
           cJSON_AddNumberToObject(root, "runs", info.runs) &&
           cJSON_AddNumberToObject(root, "warmup", info.warmup) &&
           cJSON_AddStringToObject(root, "kernels", info.kernels) &&
           cJSON_AddNumberToObject(root, "total_ms", round_ms(info.total_ms)) &&
           cJSON_AddNumberToObject(root, "nodes_total_ms", round_ms(info.nodes_total_ms)) &&
           (nodes = cJSON_AddArrayToObject(root, "nodes"));
  for (size_t i = 0; ok && i < info.n_nodes; i++) {
    seam_node_profile n;
    seam_profile_node(p, i, &n);
    ok = add_node(nodes, &n);
  }
  char *text = ok ? cJSON_Print(root) : NULL;
  cJSON_Delete(root);
  if (!text) seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory writing the profile as JSON");
  return text;
}

SEAM_API void seam_profile_json_free(char *json) { cJSON_free(json); }

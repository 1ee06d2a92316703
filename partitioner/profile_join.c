/* Profiles joined to the DAG, and read from JSON (profile_join.h). */
#include "partitioner/profile_join.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/file_io.h"

void part_dag_set_times(part_dag *d, const seam_profile *p, part_side side, int *matched,
                        int *unknown) {
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  int hit = 0, miss = 0;
  for (size_t i = 0; i < info.n_nodes; i++) {
    seam_node_profile np;
    if (seam_profile_node(p, i, &np) != SEAM_OK) continue;
    int n = -1;
    if (np.n_outputs > 0) {
      int t = part_dag_find_tensor(d, np.outputs[0]);
      n = t >= 0 ? d->tensors[t].producer : -1;
    } else {
      n = part_dag_find_node(d, np.name);
    }
    if (n < 0) {
      miss++;
      continue;
    }
    hit++;
    if (side == PART_DEVICE) d->nodes[n].device_ms = np.median_ms;
    else d->nodes[n].cloud_ms = np.median_ms;
  }
  /* Per-node medians miss what a whole run pays between nodes (a CPU quota's
   * throttled periods, scheduling, cache misses after a stall): when the
   * profile's measured median run is longer than its nodes' sum, the nodes
   * are scaled up to it, so a head's time adds up to what runs take. */
  double sum = 0;
  for (int n = 0; n < d->n_nodes; n++) sum += side == PART_DEVICE ? d->nodes[n].device_ms : d->nodes[n].cloud_ms;
  if (hit == (int)info.n_nodes && sum > 0 && info.total_ms > sum) {
    double scale = info.total_ms / sum;
    for (int n = 0; n < d->n_nodes; n++) {
      if (side == PART_DEVICE) d->nodes[n].device_ms *= scale;
      else d->nodes[n].cloud_ms *= scale;
    }
  }
  if (matched) *matched = hit;
  if (unknown) *unknown = miss;
}

static double number(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* A whole number in [0, max] (0 when absent); *bad when out of range or
 * not whole (a double out of range does not convert). */
static int64_t whole(const cJSON *o, const char *key, double max, bool *bad) {
  double x = number(o, key);
  if (!(x >= 0 && x <= max) || x != floor(x)) {
    *bad = true;
    return 0;
  }
  return (int64_t)x;
}

static const char *string(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : "";
}

/* The strings of array key of o into a new array (*n of them); NULL when
 * the array is missing or not all strings (then *n is -1) or out of memory. */
static const char **strings(const cJSON *o, const char *key, size_t *n, bool *bad) {
  const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);
  *n = 0;
  if (!a) return NULL;
  if (!cJSON_IsArray(a)) {
    *bad = true;
    return NULL;
  }
  size_t count = (size_t)cJSON_GetArraySize(a);
  const char **out = calloc(count + 1, sizeof *out);
  if (!out) {
    *bad = true;
    return NULL;
  }
  const cJSON *item;
  cJSON_ArrayForEach(item, a) {
    if (!cJSON_IsString(item)) {
      *bad = true;
      free(out);
      return NULL;
    }
    out[(*n)++] = item->valuestring;
  }
  return out;
}

seam_status part_profile_parse(const char *json, seam_profile **out, seam_error *err) {
  *out = NULL;
  cJSON *root = cJSON_Parse(json);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return seam_fail(err, SEAM_ERR_PARSE, "not a profile: the text is not a JSON object");
  }
  const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(root, "nodes");
  if (!cJSON_IsArray(nodes)) {
    cJSON_Delete(root);
    return seam_fail(err, SEAM_ERR_PARSE, "not a profile: no \"nodes\" array");
  }
  bool bad_header = false;
  seam_profile_info info = {.threads = (int)whole(root, "threads", 65536, &bad_header),
                            .runs = (int)whole(root, "runs", 1e6, &bad_header),
                            .warmup = (int)whole(root, "warmup", 1e6, &bad_header),
                            .kernels = string(root, "kernels"),
                            .total_ms = number(root, "total_ms")};
  if (bad_header) {
    cJSON_Delete(root);
    return seam_fail(err, SEAM_ERR_PARSE, "not a profile: threads, runs or warmup out of range");
  }
  seam_profile *p = seam_profile_create(&info, err);
  seam_status st = p ? SEAM_OK : SEAM_ERR_NO_MEMORY;
  int index = 0;
  const cJSON *n;
  cJSON_ArrayForEach(n, nodes) {
    if (st != SEAM_OK) break;
    if (!cJSON_IsObject(n)) {
      st = seam_fail(err, SEAM_ERR_PARSE, "profile node %d is not an object", index);
      break;
    }
    double ms = number(n, "median_ms");
    if (!(ms >= 0 && ms < 1e9)) {
      st = seam_fail(err, SEAM_ERR_PARSE, "profile node %d: median_ms is not a time", index);
      break;
    }
    bool bad = false;
    size_t n_out = 0, n_in = 0;
    const char **outs = strings(n, "outputs", &n_out, &bad);
    const char **ins = strings(n, "inputs", &n_in, &bad);
    seam_node_profile np = {.name = string(n, "name"),
                              .op = string(n, "op"),
                              .median_ms = ms,
                              .output_bytes = whole(n, "output_bytes", 4611686018427387904.0, &bad),
                              .macs = whole(n, "macs", 4611686018427387904.0, &bad),
                              .n_outputs = n_out,
                              .outputs = outs,
                              .n_inputs = n_in,
                              .inputs = ins,
                              .fused_activation = string(n, "fused_activation")};
    if (bad)
      st = seam_fail(err, SEAM_ERR_PARSE,
                     "profile node %d: outputs and inputs must be string arrays, output_bytes and macs whole "
                     "numbers", index);
    else
      st = seam_profile_add_node(p, &np, err);
    free(outs);
    free(ins);
    index++;
  }
  cJSON_Delete(root);
  if (st != SEAM_OK) {
    seam_profile_free(p);
    return st;
  }
  *out = p;
  return SEAM_OK;
}

seam_status part_profile_load(const char *path, seam_profile **out, seam_error *err) {
  *out = NULL;
  size_t size = 0;
  /* A profile lists each node once: 256 MiB is far beyond any model's. */
  char *bytes = seam_read_file_max(path, "profile", (uint64_t)256 << 20, &size, err);
  if (!bytes) return err ? err->status : SEAM_ERR_IO;
  char *text = realloc(bytes, size + 1);
  if (!text) {
    free(bytes);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  text[size] = '\0';
  seam_status st = part_profile_parse(text, out, err);
  free(text);
  if (st != SEAM_OK && err) {
    char msg[SEAM_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof msg, "%s: %s", path, err->message);
    seam_fail(err, st, "%s", msg);
  }
  return st;
}

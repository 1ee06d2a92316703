/* Plan files: part_plan as JSON and back (plan.h; the format is in
 * docs/partitioning.md, "Plan files"). */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner/plan.h"
#include "common/error.h"
#include "common/file_io.h"

#define PLAN_FORMAT "seam-plan"
#define PLAN_VERSION 1
#define PLAN_MAX_FILE_BYTES ((size_t)256 << 20)
#define PLAN_MAX_CELLS 4000000
/* Candidates are compared pairwise (no cut twice): a few thousand at most. */
#define PLAN_MAX_CANDIDATES 4096
#define PLAN_MAX_CANDIDATES_TEXT "4096"

static const char *objective_name(part_objective o) {
  return o == PART_MIN_ENERGY ? "energy" : o == PART_MIN_WEIGHTED ? "weighted" : "latency";
}

/* ---- writing ------------------------------------------------------------ */

static cJSON *number_array(const double *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; a && i < n; i++)
    if (!cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]))) {
      cJSON_Delete(a);
      return NULL;
    }
  return a;
}

static bool add(cJSON *parent, const char *key, cJSON *item) {
  if (!item) return false;
  if (!cJSON_AddItemToObject(parent, key, item)) {
    cJSON_Delete(item);
    return false;
  }
  return true;
}

static cJSON *candidate_json(const part_candidate *c) {
  cJSON *o = cJSON_CreateObject(), *t = o ? cJSON_AddArrayToObject(o, "tensors") : NULL;
  bool ok = t && cJSON_AddStringToObject(o, "cut", c->cut) && cJSON_AddBoolToObject(o, "remote", c->remote);
  for (int i = 0; ok && i < c->n_tensors; i++) ok = cJSON_AddItemToArray(t, cJSON_CreateString(c->tensors[i]));
  ok = ok && cJSON_AddNumberToObject(o, "head_ms", c->head_ms) &&
       cJSON_AddNumberToObject(o, "encode_ms", c->encode_ms) &&
       cJSON_AddNumberToObject(o, "up_bytes", (double)c->up_bytes) &&
       cJSON_AddNumberToObject(o, "tail_ms", c->tail_ms) &&
       cJSON_AddNumberToObject(o, "down_bytes", (double)c->down_bytes) &&
       cJSON_AddNumberToObject(o, "decode_ms", c->decode_ms) &&
       cJSON_AddNumberToObject(o, "head_memory_bytes", (double)c->head_memory_bytes) &&
       cJSON_AddNumberToObject(o, "head_macs", (double)c->head_macs) &&
       cJSON_AddNumberToObject(o, "head_macs_pct", c->head_macs_pct);
  if (!ok) cJSON_Delete(o);
  return ok ? o : NULL;
}

static cJSON *costs_json(const part_dag *d) {
  cJSON *o = cJSON_CreateObject(), *nodes = o ? cJSON_AddArrayToObject(o, "nodes") : NULL;
  cJSON *tensors = nodes ? cJSON_AddArrayToObject(o, "tensors") : NULL;
  bool ok = tensors && cJSON_AddNumberToObject(o, "request_overhead_bytes", (double)d->request_overhead_bytes) &&
            cJSON_AddNumberToObject(o, "reply_bytes", (double)d->reply_bytes) &&
            cJSON_AddNumberToObject(o, "reply_decode_ms", d->reply_decode_ms);
  for (int i = 0; ok && i < d->n_nodes; i++) {
    const part_node *n = &d->nodes[i];
    cJSON *j = cJSON_CreateObject();
    ok = j && cJSON_AddItemToArray(nodes, j) && cJSON_AddStringToObject(j, "name", n->name) &&
         cJSON_AddStringToObject(j, "op", n->op) && cJSON_AddNumberToObject(j, "device_ms", n->device_ms) &&
         cJSON_AddNumberToObject(j, "cloud_ms", n->cloud_ms) &&
         cJSON_AddNumberToObject(j, "macs", (double)n->macs) &&
         cJSON_AddNumberToObject(j, "weight_bytes", (double)n->weight_bytes);
  }
  for (int i = 0; ok && i < d->n_tensors; i++) {
    const part_tensor *t = &d->tensors[i];
    cJSON *j = cJSON_CreateObject();
    ok = j && cJSON_AddItemToArray(tensors, j) && cJSON_AddStringToObject(j, "name", t->name) &&
         cJSON_AddNumberToObject(j, "bytes", (double)t->bytes) &&
         cJSON_AddNumberToObject(j, "wire_bytes", (double)t->wire_bytes) &&
         cJSON_AddNumberToObject(j, "encode_ms", t->encode_ms);
  }
  if (!ok) cJSON_Delete(o);
  return ok ? o : NULL;
}

static cJSON *plan_json(const part_plan *p) {
  cJSON *root = cJSON_CreateObject();
  if (!root) return NULL;
  cJSON *model = cJSON_AddObjectToObject(root, "model"), *codec = cJSON_AddObjectToObject(root, "codec");
  cJSON *goal = cJSON_AddObjectToObject(root, "goal"), *power = cJSON_AddObjectToObject(root, "power_w");
  cJSON *link = cJSON_AddObjectToObject(root, "conditions"), *prof = cJSON_AddObjectToObject(root, "profiles");
  cJSON *cands = cJSON_AddArrayToObject(root, "candidates"), *grid = cJSON_AddObjectToObject(root, "grid");
  bool ok = model && codec && goal && power && link && prof && cands && grid &&
            cJSON_AddStringToObject(root, "format", PLAN_FORMAT) &&
            cJSON_AddNumberToObject(root, "version", PLAN_VERSION) &&
            cJSON_AddStringToObject(model, "file", p->model ? p->model : "") &&
            cJSON_AddStringToObject(model, "sha256", p->sha256) &&
            cJSON_AddStringToObject(codec, "encoding", p->codec ? p->codec : "raw") &&
            cJSON_AddNumberToObject(codec, "zstd_level", p->zstd_level) &&
            cJSON_AddStringToObject(root, "search", p->search == PART_SEARCH_PREFIX ? "prefix" : "mincut") &&
            cJSON_AddStringToObject(goal, "objective", objective_name(p->goal.objective)) &&
            cJSON_AddNumberToObject(goal, "energy_weight", p->goal.energy_weight) &&
            cJSON_AddNumberToObject(goal, "deadline_ms", p->goal.deadline_ms) &&
            cJSON_AddNumberToObject(goal, "memory_bytes", (double)p->goal.memory_bytes) &&
            cJSON_AddBoolToObject(goal, "privacy_raw", p->goal.privacy_raw) &&
            cJSON_AddNumberToObject(goal, "min_macs_pct", p->goal.min_macs_pct) &&
            cJSON_AddNumberToObject(power, "compute", p->power.compute_w) &&
            cJSON_AddNumberToObject(power, "tx", p->power.tx_w) &&
            cJSON_AddNumberToObject(power, "rx", p->power.rx_w) &&
            cJSON_AddNumberToObject(power, "idle", p->power.idle_w) &&
            cJSON_AddNumberToObject(link, "up_mbps", p->link.up_mbps) &&
            cJSON_AddNumberToObject(link, "down_mbps", p->link.down_mbps) &&
            cJSON_AddNumberToObject(link, "rtt_ms", p->link.rtt_ms) &&
            cJSON_AddNumberToObject(link, "queue_ms", p->link.queue_ms) &&
            cJSON_AddNumberToObject(root, "down_over_up", p->down_over_up);
  cJSON *edge = ok ? cJSON_AddObjectToObject(prof, "edge") : NULL, *cloud = edge ? cJSON_AddObjectToObject(prof, "cloud") : NULL;
  ok = cloud && cJSON_AddStringToObject(edge, "source", p->edge_profile ? p->edge_profile : "") &&
       cJSON_AddNumberToObject(edge, "total_ms", p->edge_total_ms) &&
       cJSON_AddStringToObject(cloud, "source", p->cloud_profile ? p->cloud_profile : "") &&
       cJSON_AddNumberToObject(cloud, "total_ms", p->cloud_total_ms);
  for (int i = 0; ok && i < p->n_candidates; i++) {
    cJSON *c = candidate_json(&p->candidates[i]);
    ok = c && cJSON_AddItemToArray(cands, c);
    if (c && !ok) cJSON_Delete(c);
  }
  ok = ok && add(grid, "up_mbps", number_array(p->up_mbps, p->n_up)) &&
       add(grid, "rtt_ms", number_array(p->rtt_ms, p->n_rtt)) &&
       add(grid, "queue_ms", number_array(p->queue_ms, p->n_queue));
  cJSON *best = ok ? cJSON_AddArrayToObject(grid, "best") : NULL;
  size_t cells = (size_t)p->n_up * (size_t)p->n_rtt * (size_t)p->n_queue;
  ok = best != NULL;
  for (size_t i = 0; ok && i < cells; i++) ok = cJSON_AddItemToArray(best, cJSON_CreateNumber(p->best[i]));
  if (ok && p->dag) ok = add(root, "costs", costs_json(p->dag));
  if (!ok) {
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

seam_status part_plan_save(const part_plan *p, const char *path, seam_error *err) {
  cJSON *root = plan_json(p);
  char *text = root ? cJSON_PrintUnformatted(root) : NULL;
  cJSON_Delete(root);
  if (!text) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory writing the plan");
  FILE *f = fopen(path, "w");
  bool ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
  if (f) ok = fclose(f) == 0 && ok;
  cJSON_free(text);
  return ok ? SEAM_OK : seam_fail(err, SEAM_ERR_IO, "cannot write the plan '%s'", path);
}

/* ---- reading ------------------------------------------------------------ */

typedef struct reader {
  const char *path;
  seam_error *err;
  bool bad;
} reader;

static const cJSON *member(reader *r, const cJSON *o, const char *key, int (*is)(const cJSON *),
                           const char *what) {
  const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, key) : NULL;
  if (!r->bad && (!v || !is(v))) {
    r->bad = true;
    seam_fail(r->err, SEAM_ERR_PARSE, "plan '%s': \"%s\" is missing or not %s", r->path, key, what);
  }
  return r->bad ? NULL : v;
}

static int is_number(const cJSON *v) { return cJSON_IsNumber(v) && isfinite(v->valuedouble); }

static double num(reader *r, const cJSON *o, const char *key) {
  const cJSON *v = member(r, o, key, is_number, "a number");
  return v ? v->valuedouble : 0;
}

static const char *str(reader *r, const cJSON *o, const char *key) {
  const cJSON *v = member(r, o, key, cJSON_IsString, "a string");
  return v ? v->valuestring : "";
}

static void fail(reader *r, const char *fmt, const char *detail) {
  if (r->bad) return;
  r->bad = true;
  char msg[SEAM_ERROR_MESSAGE_SIZE - 64];
  snprintf(msg, sizeof msg, fmt, detail);
  seam_fail(r->err, SEAM_ERR_PARSE, "plan '%s': %s", r->path, msg);
}

/* A whole number in [lo, hi] (checked before any conversion: a double out
 * of range does not convert). */
static int64_t integer(reader *r, const cJSON *o, const char *key, double lo, double hi) {
  double x = num(r, o, key);
  if (r->bad) return 0;
  if (!(x >= lo && x <= hi) || x != floor(x)) {
    char what[96];
    snprintf(what, sizeof what, "\"%s\" is not a whole number from %.0f to %.0f", key, lo, hi);
    fail(r, "%s", what);
    return 0;
  }
  return (int64_t)x;
}

#define PLAN_MAX_COUNT 4611686018427387904.0 /* 2^62: bytes, MACs */

static int is_bool(const cJSON *v) { return cJSON_IsBool(v); }

static bool boolean(reader *r, const cJSON *o, const char *key) {
  const cJSON *v = member(r, o, key, is_bool, "true or false");
  return v && cJSON_IsTrue(v);
}


/* An ascending positive-or-zero axis into *out (n points). */
static void read_axis(reader *r, const cJSON *grid, const char *key, double **out, int *n, bool positive) {
  const cJSON *a = member(r, grid, key, cJSON_IsArray, "an array");
  if (!a) return;
  int count = cJSON_GetArraySize(a);
  if (count < 1 || count > 10000) return fail(r, "grid axis \"%s\" needs 1 to 10000 points", key);
  if (!(*out = malloc(sizeof(double) * (size_t)count))) return fail(r, "%s", "out of memory");
  *n = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, a) {
    double x = is_number(v) ? v->valuedouble : NAN;
    if (!(x >= 0) || (positive && !(x > 0)) || (*n && !(x > (*out)[*n - 1])))
      return fail(r, "grid axis \"%s\" must hold ascending numbers (bandwidths > 0)", key);
    (*out)[(*n)++] = x;
  }
}

static void read_candidate(reader *r, const cJSON *c, part_candidate *out) {
  const char *cut = str(r, c, "cut");
  const cJSON *t = member(r, c, "tensors", cJSON_IsArray, "an array");
  if (r->bad) return;
  if (!*cut) return fail(r, "%s", "a candidate has an empty cut");
  int n = cJSON_GetArraySize(t);
  out->cut = strdup(cut);
  out->tensors = calloc((size_t)n + 1, sizeof *out->tensors);
  if (!out->cut || !out->tensors) return fail(r, "%s", "out of memory");
  const cJSON *v;
  cJSON_ArrayForEach(v, t) {
    if (!cJSON_IsString(v) || !*v->valuestring) return fail(r, "candidate '%s' has a tensor that is not a name", cut);
    if (!(out->tensors[out->n_tensors] = strdup(v->valuestring))) return fail(r, "%s", "out of memory");
    out->n_tensors++;
  }
  out->remote = boolean(r, c, "remote");
  out->head_ms = num(r, c, "head_ms");
  out->encode_ms = num(r, c, "encode_ms");
  out->tail_ms = num(r, c, "tail_ms");
  out->decode_ms = num(r, c, "decode_ms");
  out->up_bytes = integer(r, c, "up_bytes", 0, PLAN_MAX_COUNT);
  out->down_bytes = integer(r, c, "down_bytes", 0, PLAN_MAX_COUNT);
  out->head_memory_bytes = integer(r, c, "head_memory_bytes", 0, PLAN_MAX_COUNT);
  out->head_macs = integer(r, c, "head_macs", 0, PLAN_MAX_COUNT);
  out->head_macs_pct = num(r, c, "head_macs_pct");
  if (!r->bad && (out->head_ms < 0 || out->encode_ms < 0 || out->tail_ms < 0 || out->decode_ms < 0 ||
                  out->up_bytes < 0 || out->down_bytes < 0))
    fail(r, "candidate '%s' has a negative cost", cut);
  if (!r->bad && out->remote != (strcmp(cut, "local") != 0))
    fail(r, "candidate '%s': only \"local\" runs without the worker", cut);
}

static bool is_hex64(const char *s) {
  if (strlen(s) != 64) return false;
  for (int i = 0; i < 64; i++)
    if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) return false;
  return true;
}

static void read_plan(reader *r, const cJSON *root, part_plan *p) {
  if (strcmp(str(r, root, "format"), PLAN_FORMAT) != 0) return fail(r, "%s", "not a seam plan (\"format\")");
  if (num(r, root, "version") != PLAN_VERSION) return fail(r, "%s", "a plan version this seam does not read");
  const cJSON *model = member(r, root, "model", cJSON_IsObject, "an object");
  const char *sha = str(r, model, "sha256");
  if (r->bad) return;
  if (!is_hex64(sha)) return fail(r, "%s", "model.sha256 is not 64 lowercase hex digits");
  memcpy(p->sha256, sha, 65);
  p->model = strdup(str(r, model, "file"));
  const cJSON *codec = member(r, root, "codec", cJSON_IsObject, "an object");
  p->codec = strdup(str(r, codec, "encoding"));
  p->zstd_level = (int)integer(r, codec, "zstd_level", -131072, 22);
  p->search = strcmp(str(r, root, "search"), "prefix") == 0 ? PART_SEARCH_PREFIX : PART_SEARCH_MINCUT;
  const cJSON *goal = member(r, root, "goal", cJSON_IsObject, "an object");
  const char *obj = str(r, goal, "objective");
  p->goal.objective = strcmp(obj, "energy") == 0 ? PART_MIN_ENERGY : strcmp(obj, "weighted") == 0 ? PART_MIN_WEIGHTED : PART_MIN_LATENCY;
  p->goal.energy_weight = num(r, goal, "energy_weight");
  p->goal.deadline_ms = num(r, goal, "deadline_ms");
  p->goal.memory_bytes = integer(r, goal, "memory_bytes", 0, PLAN_MAX_COUNT);
  p->goal.privacy_raw = boolean(r, goal, "privacy_raw");
  p->goal.min_macs_pct = num(r, goal, "min_macs_pct");
  const cJSON *power = member(r, root, "power_w", cJSON_IsObject, "an object");
  p->power = (part_power){num(r, power, "compute"), num(r, power, "tx"), num(r, power, "rx"), num(r, power, "idle")};
  const cJSON *link = member(r, root, "conditions", cJSON_IsObject, "an object");
  p->link = (part_link){num(r, link, "up_mbps"), num(r, link, "down_mbps"), num(r, link, "rtt_ms"), num(r, link, "queue_ms"), 1};
  p->down_over_up = num(r, root, "down_over_up");
  if (!r->bad && !(p->down_over_up > 0)) return fail(r, "%s", "down_over_up must be > 0");
  const cJSON *prof = member(r, root, "profiles", cJSON_IsObject, "an object");
  const cJSON *edge = member(r, prof, "edge", cJSON_IsObject, "an object");
  const cJSON *cloud = member(r, prof, "cloud", cJSON_IsObject, "an object");
  p->edge_profile = strdup(str(r, edge, "source"));
  p->cloud_profile = strdup(str(r, cloud, "source"));
  p->edge_total_ms = num(r, edge, "total_ms");
  p->cloud_total_ms = num(r, cloud, "total_ms");
  if (r->bad) return;
  if (!p->model || !p->codec || !p->edge_profile || !p->cloud_profile) return fail(r, "%s", "out of memory");
  const cJSON *cands = member(r, root, "candidates", cJSON_IsArray, "an array");
  if (r->bad) return;
  int n = cJSON_GetArraySize(cands);
  if (n < 1 || n > PLAN_MAX_CANDIDATES) return fail(r, "a plan needs 1 to %s candidates", PLAN_MAX_CANDIDATES_TEXT);
  if (!(p->candidates = calloc((size_t)n, sizeof *p->candidates))) return fail(r, "%s", "out of memory");
  const cJSON *c;
  cJSON_ArrayForEach(c, cands) {
    if (r->bad) return;
    if (!cJSON_IsObject(c)) return fail(r, "%s", "a candidate is not an object");
    read_candidate(r, c, &p->candidates[p->n_candidates++]);
  }
  for (int i = 0; !r->bad && i < p->n_candidates; i++)
    for (int j = 0; j < i; j++)
      if (strcmp(p->candidates[i].cut, p->candidates[j].cut) == 0)
        return fail(r, "candidate '%s' is listed twice", p->candidates[i].cut);
  const cJSON *grid = member(r, root, "grid", cJSON_IsObject, "an object");
  read_axis(r, grid, "up_mbps", &p->up_mbps, &p->n_up, true);
  read_axis(r, grid, "rtt_ms", &p->rtt_ms, &p->n_rtt, false);
  read_axis(r, grid, "queue_ms", &p->queue_ms, &p->n_queue, false);
  const cJSON *best = member(r, grid, "best", cJSON_IsArray, "an array");
  if (r->bad) return;
  size_t cells = (size_t)p->n_up * (size_t)p->n_rtt * (size_t)p->n_queue;
  if (cells > PLAN_MAX_CELLS || (size_t)cJSON_GetArraySize(best) != cells)
    return fail(r, "%s", "grid.best must hold one candidate per grid cell");
  if (!(p->best = malloc(sizeof(int) * cells))) return fail(r, "%s", "out of memory");
  size_t i = 0;
  const cJSON *v;
  cJSON_ArrayForEach(v, best) {
    double x = is_number(v) ? v->valuedouble : -1;
    if (!(x >= 0 && x < p->n_candidates && x == floor(x)))
      return fail(r, "%s", "grid.best names a candidate the plan does not have");
    p->best[i++] = (int)x;
  }
}

seam_status part_plan_parse(const char *text, size_t size, const char *origin, const char *expect_sha256_hex,
                            part_plan *out, seam_error *err) {
  memset(out, 0, sizeof *out);
  if (size > PLAN_MAX_FILE_BYTES)
    return seam_fail(err, SEAM_ERR_LIMIT, "plan '%s' is over %zu MiB", origin, PLAN_MAX_FILE_BYTES >> 20);
  cJSON *root = cJSON_ParseWithLength(text, size);
  if (!root || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return seam_fail(err, SEAM_ERR_PARSE, "plan '%s' is not a JSON object", origin);
  }
  reader r = {.path = origin, .err = err};
  read_plan(&r, root, out);
  cJSON_Delete(root);
  if (r.bad) {
    part_plan_free(out);
    return err ? err->status : SEAM_ERR_PARSE;
  }
  if (expect_sha256_hex && strcmp(expect_sha256_hex, out->sha256) != 0) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
              "plan '%s' is for another model file (sha256 %.12s…, this file is %.12s…): make a "
              "plan for this file with `seam partition`", origin, out->sha256, expect_sha256_hex);
    part_plan_free(out);
    return SEAM_ERR_INVALID_ARGUMENT;
  }
  return SEAM_OK;
}

seam_status part_plan_load(const char *path, const char *expect_sha256_hex, part_plan *out,
                           seam_error *err) {
  memset(out, 0, sizeof *out);
  size_t size = 0;
  char *bytes = seam_read_file_max(path, "plan", PLAN_MAX_FILE_BYTES, &size, err);
  if (!bytes) return err ? err->status : SEAM_ERR_IO;
  seam_status st = part_plan_parse(bytes, size, path, expect_sha256_hex, out, err);
  free(bytes);
  return st;
}

/* Power figures from JSON (power_file.h). */
#include "partitioner/power_file.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>

#include "common/error.h"
#include "common/file_io.h"

#define POWER_MAX_FILE_BYTES (1 << 20)

static seam_status take(const cJSON *root, const char *key, double *out, const char *path,
                        seam_error *err) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
  if (!v) return SEAM_OK;
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 1000)
    return seam_fail(err, SEAM_ERR_PARSE, "power file '%s': \"%s\" must be watts (0..1000)", path, key);
  *out = v->valuedouble;
  return SEAM_OK;
}

seam_status part_power_load(const char *path, part_power *p, seam_error *err) {
  size_t size = 0;
  char *text = seam_read_file_max(path, "power file", POWER_MAX_FILE_BYTES, &size, err);
  if (!text) return err ? err->status : SEAM_ERR_IO;
  cJSON *root = cJSON_ParseWithLength(text, size);
  free(text);
  if (!cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return seam_fail(err, SEAM_ERR_PARSE, "power file '%s' is not a JSON object", path);
  }
  part_power q = *p;
  seam_status st = take(root, "compute_w", &q.compute_w, path, err);
  if (st == SEAM_OK) st = take(root, "tx_w", &q.tx_w, path, err);
  if (st == SEAM_OK) st = take(root, "rx_w", &q.rx_w, path, err);
  if (st == SEAM_OK) st = take(root, "idle_w", &q.idle_w, path, err);
  cJSON_Delete(root);
  if (st == SEAM_OK) *p = q;
  return st;
}

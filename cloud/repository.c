/* Model repository: scan DIR, pick each model's file, hash it, load it. */
#include "cloud/repository.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/error.h"
#include "common/file_io.h"
#include "common/hex.h"
#include "common/sha256.h"

/* The largest model file the repository reads (a model is loaded whole). */
#define MAX_MODEL_FILE_BYTES ((uint64_t)4 << 30)

static bool is_regular_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool all_digits(const char *s) {
  if (!*s) return false;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return false;
  return true;
}

/* The file to serve for DIR/<name>: the highest numbered version, else
 * model.onnx. Returns false when there is none. Version folders whose
 * number does not fit are logged and skipped. */
static bool pick_file(const char *name, const char *model_dir, char *path, size_t path_size,
                      long long *version, FILE *log) {
  DIR *d = opendir(model_dir);
  if (!d) return false;
  long long best = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!all_digits(e->d_name)) continue;
    if (strlen(e->d_name) > 18) {
      if (log)
        fprintf(log,
                "seam-cloud event=version_skipped model=%s folder=%.40s%s reason=\"a version number "
                "has at most 18 digits\"\n",
                name, e->d_name, strlen(e->d_name) > 40 ? "..." : "");
      continue;
    }
    long long v = strtoll(e->d_name, NULL, 10);
    if (v <= best) continue;
    char candidate[PATH_MAX];
    snprintf(candidate, sizeof candidate, "%s/%s/model.onnx", model_dir, e->d_name);
    if (is_regular_file(candidate)) best = v;
  }
  closedir(d);
  if (best >= 0) {
    snprintf(path, path_size, "%s/%lld/model.onnx", model_dir, best);
    *version = best;
    return true;
  }
  snprintf(path, path_size, "%s/model.onnx", model_dir);
  *version = -1;
  return is_regular_file(path);
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const seam_cloud_model *)a)->name, ((const seam_cloud_model *)b)->name);
}

/* The folder holding path, where its external data resolves. */
static void dir_of(const char *path, char *dir, size_t size) {
  snprintf(dir, size, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = '\0';
}

seam_model *seam_cloud_repo_reload(const seam_cloud_model *m, const seam_model_options *options, seam_error *err) {
  uint8_t *bytes = NULL, sha[SEAM_SHA256_SIZE];
  size_t size = 0;
  if (!m->path) {
    seam_fail(err, SEAM_ERR_IO, "model '%s' has no file", m->name);
    return NULL;
  }
  if (!(bytes = seam_read_file_max(m->path, "model file", MAX_MODEL_FILE_BYTES, &size, err))) return NULL;
  if (!seam_sha256(bytes, size, sha) || memcmp(sha, m->sha256, SEAM_SHA256_SIZE) != 0) {
    free(bytes);
    seam_fail(err, SEAM_ERR_IO,
              "%s is no longer the file this worker loaded (SHA-256 %s); restart the worker to serve the "
              "new file", m->path, m->sha256_hex);
    return NULL;
  }
  char file_dir[PATH_MAX];
  dir_of(m->path, file_dir, sizeof file_dir);
  seam_model *model = seam_model_load_memory_with(bytes, size, file_dir, options, err);
  free(bytes);
  return model;
}

/* Loads DIR/<name> into m (whose name is set). On failure m keeps no model
 * and err says why. */
static seam_status load_one(const char *dir, const seam_model_options *options, seam_cloud_model *m,
                            FILE *log, seam_error *err) {
  char model_dir[PATH_MAX], path[PATH_MAX];
  snprintf(model_dir, sizeof model_dir, "%s/%s", dir, m->name);
  long long version = -1;
  if (!pick_file(m->name, model_dir, path, sizeof path, &version, log))
    return seam_fail(err, SEAM_ERR_NOT_FOUND, "%s holds no model.onnx (nor <version>/model.onnx)",
                     model_dir);
  if (!(m->path = strdup(path))) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  m->version = (long)version;
  size_t size = 0;
  uint8_t *bytes = seam_read_file_max(path, "model file", MAX_MODEL_FILE_BYTES, &size, err);
  if (!bytes) return err->status;
  if (!seam_sha256(bytes, size, m->sha256)) {
    free(bytes);
    return seam_fail(err, SEAM_ERR_INTERNAL, "SHA-256 of %s failed", path);
  }
  /* Hash and load the same bytes, so the identity is the file actually served.
   * External data resolves next to the file (inside its version folder). */
  char file_dir[PATH_MAX];
  dir_of(path, file_dir, sizeof file_dir);
  seam_error lerr;
  m->model = seam_model_load_memory_with(bytes, size, file_dir, options, &lerr);
  free(bytes);
  if (!m->model) return seam_fail(err, lerr.status, "%s: %s", path, lerr.message);
  m->bytes = size;
  seam_hex_encode(m->sha256, 32, m->sha256_hex);
  return SEAM_OK;
}

/* Log text on one line: quotes and line breaks become '. */
static void log_quoted(FILE *log, const char *text) {
  for (const char *p = text; *p; p++)
    fputc(*p == '"' || *p == '\n' || *p == '\r' || *p == '\\' ? '\'' : *p, log);
}

static void log_entry(FILE *log, const seam_cloud_model *m) {
  if (!log) return;
  if (m->model) {
    fprintf(log,
            "seam-cloud event=model_loaded model=%s version=%ld sha256=%s bytes=%llu inputs=%zu "
            "outputs=%zu path=%s\n",
            m->name, m->version, m->sha256_hex, (unsigned long long)m->bytes,
            seam_model_input_count(m->model), seam_model_output_count(m->model), m->path);
  } else {
    fprintf(log, "seam-cloud event=model_failed model=%s reason=\"", m->name);
    log_quoted(log, m->error);
    fprintf(log, "\"\n");
  }
  fflush(log);
}

seam_status seam_cloud_repo_load(const char *dir, const seam_model_options *options,
                                 seam_cloud_repo *repo, FILE *log, seam_error *err) {
  memset(repo, 0, sizeof *repo);
  DIR *d = opendir(dir);
  if (!d)
    return seam_fail(err, SEAM_ERR_IO, "cannot read the model folder %s: %s", dir, strerror(errno));
  size_t cap = 0;
  seam_status st = SEAM_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name);
    struct stat sb;
    if (stat(sub, &sb) != 0 || !S_ISDIR(sb.st_mode)) continue;
    if (repo->n_models == cap) {
      size_t ncap = cap ? cap * 2 : 8;
      seam_cloud_model *nm = realloc(repo->models, ncap * sizeof *nm);
      if (!nm) {
        st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        break;
      }
      repo->models = nm;
      cap = ncap;
    }
    seam_cloud_model *m = &repo->models[repo->n_models];
    memset(m, 0, sizeof *m);
    m->version = -1;
    if (!(m->name = strdup(e->d_name))) {
      st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
      break;
    }
    repo->n_models++; /* counted now so that a failure frees it */
    seam_error lerr;
    if (load_one(dir, options, m, log, &lerr) == SEAM_OK) {
      repo->n_loaded++;
    } else {
      seam_model_free(m->model);
      m->model = NULL;
      if (!(m->error = strdup(lerr.message))) {
        st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
        break;
      }
    }
    log_entry(log, m);
  }
  closedir(d);
  if (st != SEAM_OK) {
    seam_cloud_repo_free(repo);
    return st;
  }
  if (repo->n_models) qsort(repo->models, repo->n_models, sizeof *repo->models, by_name);
  return SEAM_OK;
}

const seam_cloud_model *seam_cloud_repo_find(const seam_cloud_repo *repo, const char *name) {
  if (!repo || !name || !repo->n_models) return NULL;
  seam_cloud_model key;
  key.name = (char *)name;
  return bsearch(&key, repo->models, repo->n_models, sizeof *repo->models, by_name);
}

void seam_cloud_repo_free(seam_cloud_repo *repo) {
  if (!repo) return;
  for (size_t i = 0; i < repo->n_models; i++) {
    seam_model_free(repo->models[i].model);
    free(repo->models[i].name);
    free(repo->models[i].path);
    free(repo->models[i].error);
  }
  free(repo->models);
  repo->models = NULL;
  repo->n_models = repo->n_loaded = 0;
}

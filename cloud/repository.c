/* Model repository: scan DIR, pick each model's file, hash it, load it. */
#include "cloud/repository.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

static seam_status fail(seam_error *err, seam_status st, const char *fmt, const char *a,
                        const char *b) {
  if (err) {
    err->status = st;
    snprintf(err->message, sizeof err->message, fmt, a, b);
  }
  return st;
}

void seam_cloud_hex(const uint8_t *bytes, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  out[2 * n] = '\0';
}

static bool is_regular_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A decimal version folder name ("1", "20"); -1 otherwise. */
static long parse_version(const char *s) {
  if (!*s || strlen(s) > 9) return -1;
  for (const char *p = s; *p; p++)
    if (*p < '0' || *p > '9') return -1;
  return strtol(s, NULL, 10);
}

/* The file to serve for DIR/<name>: the highest numbered version, else
 * model.onnx. Returns false when there is none. */
static bool pick_file(const char *model_dir, char *path, size_t path_size, long *version) {
  DIR *d = opendir(model_dir);
  if (!d) return false;
  long best = -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    long v = parse_version(e->d_name);
    if (v < 0 || v <= best) continue;
    char candidate[PATH_MAX];
    snprintf(candidate, sizeof candidate, "%s/%s/model.onnx", model_dir, e->d_name);
    if (is_regular_file(candidate)) best = v;
  }
  closedir(d);
  if (best >= 0) {
    snprintf(path, path_size, "%s/%ld/model.onnx", model_dir, best);
    *version = best;
    return true;
  }
  snprintf(path, path_size, "%s/model.onnx", model_dir);
  *version = -1;
  return is_regular_file(path);
}

static seam_status read_file(const char *path, uint8_t **bytes, size_t *size, seam_error *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return fail(err, SEAM_ERR_IO, "cannot open %s: %s", path, strerror(errno));
  uint8_t *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n == cap) {
      size_t ncap = cap ? cap * 2 : (size_t)1 << 20;
      uint8_t *nb = realloc(buf, ncap);
      if (!nb) {
        free(buf);
        fclose(f);
        return fail(err, SEAM_ERR_NO_MEMORY, "out of memory reading %s%s", path, "");
      }
      buf = nb;
      cap = ncap;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  bool bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return fail(err, SEAM_ERR_IO, "cannot read %s%s", path, "");
  }
  *bytes = buf;
  *size = n;
  return SEAM_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const seam_cloud_model *)a)->name, ((const seam_cloud_model *)b)->name);
}

static seam_status load_one(const char *dir, const char *name, const seam_model_options *options,
                            seam_cloud_model *m, FILE *log, seam_error *err) {
  char model_dir[PATH_MAX], path[PATH_MAX];
  snprintf(model_dir, sizeof model_dir, "%s/%s", dir, name);
  long version = -1;
  if (!pick_file(model_dir, path, sizeof path, &version))
    return fail(err, SEAM_ERR_NOT_FOUND, "%s holds no model.onnx (nor <version>/model.onnx)%s",
                model_dir, "");
  uint8_t *bytes = NULL;
  size_t size = 0;
  seam_status st = read_file(path, &bytes, &size, err);
  if (st != SEAM_OK) return st;
  unsigned int md_len = 0;
  if (!EVP_Digest(bytes, size, m->sha256, &md_len, EVP_sha256(), NULL) || md_len != 32) {
    free(bytes);
    return fail(err, SEAM_ERR_INTERNAL, "SHA-256 of %s failed%s", path, "");
  }
  /* Hash and load the same bytes, so the identity is the file actually served.
   * External data resolves next to the file (inside its version folder). */
  char file_dir[PATH_MAX];
  snprintf(file_dir, sizeof file_dir, "%s", path);
  char *slash = strrchr(file_dir, '/');
  if (slash) *slash = '\0';
  seam_error lerr;
  m->model = seam_model_load_memory_with(bytes, size, file_dir, options, &lerr);
  free(bytes);
  if (!m->model) return fail(err, lerr.status, "%s: %s", path, lerr.message);
  m->name = strdup(name);
  m->path = strdup(path);
  if (!m->name || !m->path) return fail(err, SEAM_ERR_NO_MEMORY, "out of memory%s%s", "", "");
  m->version = version;
  m->bytes = size;
  seam_cloud_hex(m->sha256, 32, m->sha256_hex);
  if (log) {
    fprintf(log,
            "seam-cloud event=model_loaded model=%s version=%ld sha256=%s bytes=%llu inputs=%zu "
            "outputs=%zu path=%s\n",
            m->name, m->version, m->sha256_hex, (unsigned long long)m->bytes,
            seam_model_input_count(m->model), seam_model_output_count(m->model), m->path);
    fflush(log);
  }
  return SEAM_OK;
}

seam_status seam_cloud_repo_load(const char *dir, const seam_model_options *options,
                                 seam_cloud_repo *repo, FILE *log, seam_error *err) {
  memset(repo, 0, sizeof *repo);
  DIR *d = opendir(dir);
  if (!d) return fail(err, SEAM_ERR_IO, "cannot read the model folder %s: %s", dir, strerror(errno));
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
        st = fail(err, SEAM_ERR_NO_MEMORY, "out of memory%s%s", "", "");
        break;
      }
      repo->models = nm;
      cap = ncap;
    }
    seam_cloud_model *m = &repo->models[repo->n_models];
    memset(m, 0, sizeof *m);
    repo->n_models++; /* counted now so that a failure frees it */
    st = load_one(dir, e->d_name, options, m, log, err);
    if (st != SEAM_OK) break;
  }
  closedir(d);
  if (st == SEAM_OK && repo->n_models == 0)
    st = fail(err, SEAM_ERR_NOT_FOUND, "%s holds no model (expected %s/<name>/model.onnx)", dir,
              dir);
  if (st != SEAM_OK) {
    seam_cloud_repo_free(repo);
    return st;
  }
  qsort(repo->models, repo->n_models, sizeof *repo->models, by_name);
  return SEAM_OK;
}

const seam_cloud_model *seam_cloud_repo_find(const seam_cloud_repo *repo, const char *name) {
  if (!repo || !name) return NULL;
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
  }
  free(repo->models);
  repo->models = NULL;
  repo->n_models = 0;
}

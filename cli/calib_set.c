/* Calibration sets: a folder of .npy samples (cli/calib_set.h). */
#include "cli/calib_set.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/tensor.h"

void cli_progress(const char *label, int done, int total) {
  static int tty = -1;
  if (tty < 0) tty = isatty(STDERR_FILENO);
  char bar[21];
  int filled = total > 0 ? (int)((long long)done * 20 / total) : 20;
  for (int i = 0; i < 20; i++) bar[i] = i < filled ? '#' : '.';
  bar[20] = '\0';
  if (tty) {
    fprintf(stderr, "\r%s %d/%d [%s]%s", label, done, total, bar, done >= total ? "\n" : "");
    return;
  }
  /* Logs get a line per tenth, not per sample. */
  int step = total >= 10 ? total / 10 : 1;
  if (done == total || done % step == 0) fprintf(stderr, "%s %d/%d [%s]\n", label, done, total, bar);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

void calib_set_free(calib_set *s) {
  for (int i = 0; i < s->n_files; i++) free(s->paths[i]);
  free(s->paths);
  memset(s, 0, sizeof *s);
}

static bool has_npy_suffix(const char *name) {
  size_t len = strlen(name);
  return len > 4 && strcmp(name + len - 4, ".npy") == 0;
}

/* How many samples t holds for the model input, or -1 after a message. */
static int count_samples(const calib_set *s, const seam_tensor *t, const char *path, const char *cmd) {
  const seam_value_info *in = &s->input;
  char want[160], got[160];
  if (in->dtype != SEAM_DTYPE_UNDEFINED && t->dtype != in->dtype) {
    fprintf(stderr, "seam %s: calibration file '%s' holds %s, but input '%s' is %s\n", cmd, path,
            seam_dtype_name(t->dtype), in->name, seam_dtype_name(in->dtype));
    return -1;
  }
  int samples = -1;
  if (in->rank < 0) {
    samples = 1; /* the model does not say: one sample per file, as it is */
  } else {
    bool batched = t->rank == in->rank, single = t->rank == in->rank - 1;
    int first = batched ? 1 : 0; /* dims of t compared from here with in->dims[1..] */
    bool ok = (batched || single) && in->rank >= 1;
    for (int d = 0; ok && d + first < t->rank; d++) {
      int64_t want_dim = in->dims[d + 1];
      ok = want_dim < 0 || want_dim == t->dims[d + first];
    }
    if (ok && batched) {
      if (in->dims[0] > 1) ok = t->dims[0] == in->dims[0], samples = 1; /* a fixed batch: one sample */
      else samples = (int)(t->dims[0] < INT_MAX ? t->dims[0] : INT_MAX);
    } else if (ok) {
      samples = 1;
    }
    if (!ok) {
      int64_t dims[SEAM_MAX_RANK];
      for (int d = 0; d < in->rank; d++) dims[d] = in->dims[d];
      fprintf(stderr,
              "seam %s: calibration file '%s' has shape %s, but input '%s' needs %s (-1: any size): one "
              "sample, or a batch of samples along axis 0\n",
              cmd, path, seam_shape_str(t->rank, t->dims, got, sizeof got), in->name,
              seam_shape_str(in->rank, dims, want, sizeof want));
      return -1;
    }
  }
  if (samples == 0) {
    fprintf(stderr, "seam %s: calibration file '%s' holds no samples (shape %s)\n", cmd, path,
            seam_shape_str(t->rank, t->dims, got, sizeof got));
    return -1;
  }
  if (t->dtype == SEAM_DTYPE_FLOAT32 || t->dtype == SEAM_DTYPE_FLOAT64) {
    int64_t per_sample = samples > 0 ? t->count / samples : t->count;
    for (int64_t i = 0; i < t->count; i++) {
      double v = seam_tensor_get_f64(t, i);
      if (!isfinite(v)) {
        fprintf(stderr, "seam %s: calibration file '%s': sample %lld holds %s (element %lld); calibration "
                "data must be finite\n", cmd, path, (long long)(per_sample ? i / per_sample : 0),
                v != v ? "NaN" : "Inf", (long long)(per_sample ? i % per_sample : i));
        return -1;
      }
    }
  }
  return samples;
}

int calib_set_open(calib_set *s, const char *dir, const seam_model *m, const char *cmd) {
  memset(s, 0, sizeof *s);
  if (seam_model_input_count(m) != 1) {
    fprintf(stderr, "seam %s: the model has %zu inputs; calibration folders feed models with one input\n", cmd,
            seam_model_input_count(m));
    return -1;
  }
  seam_model_input_info(m, 0, &s->input);
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "seam %s: cannot open calibration folder '%s': %s\n", cmd, dir, strerror(errno));
    return -1;
  }
  int cap = 0;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !has_npy_suffix(e->d_name)) {
      fprintf(stderr, "seam %s: calibration folder '%s' holds '%s', which is not a .npy file; the folder must "
              "hold only .npy samples\n", cmd, dir, e->d_name);
      rc = -1;
      break;
    }
    if (s->n_files == cap) {
      cap = cap ? cap * 2 : 64;
      char **paths = realloc(s->paths, sizeof *paths * (size_t)cap);
      if (!paths) {
        fprintf(stderr, "seam %s: out of memory\n", cmd);
        rc = -1;
        break;
      }
      s->paths = paths;
    }
    if (!(s->paths[s->n_files] = strdup(path))) {
      fprintf(stderr, "seam %s: out of memory\n", cmd);
      rc = -1;
      break;
    }
    s->n_files++;
  }
  closedir(d);
  if (rc == 0 && s->n_files == 0) {
    fprintf(stderr, "seam %s: calibration folder '%s' holds no .npy files\n", cmd, dir);
    rc = -1;
  }
  if (rc == 0) qsort(s->paths, (size_t)s->n_files, sizeof *s->paths, by_name);
  for (int i = 0; rc == 0 && i < s->n_files; i++) {
    seam_error err = {0};
    seam_tensor *t = seam_tensor_load_npy(s->paths[i], &err);
    if (!t) {
      fprintf(stderr, "seam %s: calibration file '%s': %s\n", cmd, s->paths[i], err.message);
      rc = -1;
      break;
    }
    int n = count_samples(s, t, s->paths[i], cmd);
    seam_tensor_free(t);
    if (n < 0 || s->n_samples > INT_MAX - n) {
      rc = -1;
      break;
    }
    s->n_samples += n;
  }
  if (rc != 0) calib_set_free(s);
  return rc;
}

int calib_set_each(const calib_set *s, const char *cmd, calib_sample_fn fn, void *user) {
  int index = 0;
  for (int f = 0; f < s->n_files; f++) {
    seam_error err = {0};
    seam_tensor *t = seam_tensor_load_npy(s->paths[f], &err);
    if (!t) {
      fprintf(stderr, "seam %s: calibration file '%s': %s\n", cmd, s->paths[f], err.message);
      return -1;
    }
    const seam_value_info *in = &s->input;
    bool split = in->rank >= 1 && t->rank == in->rank && in->dims[0] <= 1;
    bool add_batch = in->rank >= 1 && t->rank == in->rank - 1;
    int64_t n = split ? t->dims[0] : 1;
    int64_t dims[SEAM_MAX_RANK];
    int rank = add_batch ? t->rank + 1 : t->rank;
    if (add_batch) {
      dims[0] = 1;
      for (int d = 0; d < t->rank; d++) dims[d + 1] = t->dims[d];
    } else {
      for (int d = 0; d < t->rank; d++) dims[d] = t->dims[d];
      if (split) dims[0] = 1;
    }
    int rc = 0;
    seam_tensor *sample = seam_tensor_create(t->dtype, (size_t)rank, dims, &err);
    if (!sample) {
      fprintf(stderr, "seam %s: %s\n", cmd, err.message);
      rc = -1;
    }
    size_t bytes = sample ? seam_tensor_nbytes(sample) : 0;
    for (int64_t i = 0; rc == 0 && i < n; i++) {
      memcpy(sample->data, (const char *)t->data + (size_t)i * bytes, bytes);
      rc = fn(user, index++, sample);
    }
    seam_tensor_free(sample);
    seam_tensor_free(t);
    if (rc != 0) return rc;
  }
  return 0;
}

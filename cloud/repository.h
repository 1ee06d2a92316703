/* The cloud worker's model repository: every model under a folder, loaded
 * once at start and identified by the SHA-256 of its file.
 *
 * Layout: DIR/<name>/model.onnx, or versioned DIR/<name>/<version>/model.onnx
 * where <version> is a decimal number; when a name has numbered versions the
 * highest one is served (and a plain DIR/<name>/model.onnx next to them is
 * ignored). Names starting with '.' are skipped. A version folder whose
 * number seam cannot hold (over 18 digits) is skipped with a log line.
 *
 * One bad model does not stop the others: a folder that holds no model, or
 * a file that does not load, stays in the repository as a failed entry
 * (model NULL, error saying why), logged at start and reported by health
 * checks and ModelInfo, while every good model is served. */
#ifndef SEAM_CLOUD_REPOSITORY_H
#define SEAM_CLOUD_REPOSITORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "seam/runtime.h"

typedef struct seam_cloud_model {
  char *name;          /* the folder name under DIR */
  char *path;          /* the file served */
  long version;        /* the numbered version, or -1 for DIR/<name>/model.onnx */
  uint8_t sha256[32];  /* of the file's bytes, the same bytes that were loaded */
  char sha256_hex[65];
  uint64_t bytes;      /* file size */
  seam_model *model;   /* NULL when it failed to load */
  char *error;         /* why it failed; NULL when loaded */
} seam_cloud_model;

typedef struct seam_cloud_repo {
  seam_cloud_model *models; /* sorted by name, failed entries included */
  size_t n_models;
  size_t n_loaded;          /* entries with a model */
} seam_cloud_repo;

/* Loads every model under dir into repo (which it initializes), each with
 * options (NULL: the defaults). log (may be NULL) receives one line per
 * model (loaded or failed) and per skipped version folder. Fails only when
 * the folder cannot be read or memory runs out; a repository where nothing
 * loads is returned with n_loaded == 0 for the caller to judge. */
seam_status seam_cloud_repo_load(const char *dir, const seam_model_options *options,
                                 seam_cloud_repo *repo, FILE *log, seam_error *err);

/* The entry under name (check ->model: NULL for a failed one), or NULL. */
const seam_cloud_model *seam_cloud_repo_find(const seam_cloud_repo *repo, const char *name);

/* Loads the model m serves once more, with other options (a variant that
 * keeps other tensors, cloud/cut_variants.h), from its file, whose bytes
 * must still hash to m->sha256: a variant is the same model file. NULL with
 * err on failure; SEAM_ERR_IO when the file cannot be read or no longer is
 * the one served. */
seam_model *seam_cloud_repo_reload(const seam_cloud_model *m, const seam_model_options *options, seam_error *err);

/* Frees every model; accepts NULL and an empty repo. */
void seam_cloud_repo_free(seam_cloud_repo *repo);

#endif

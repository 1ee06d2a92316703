/* A calibration set: a folder of .npy files, each one sample or a batch of
 * samples along axis 0, for a model with one input. Checked up front so
 * that bad data is refused with one clear message before any long run. */
#ifndef SEAM_CLI_CALIB_SET_H
#define SEAM_CLI_CALIB_SET_H

#include "seam/seam.h"

typedef struct calib_set {
  char **paths; /* sorted */
  int n_files;
  int n_samples;
  seam_value_info input; /* the model's input (strings live as long as the model) */
} calib_set;

/* Lists and checks every file in dir against the model's input: the folder
 * must hold only .npy files (at least one), each with the input's dtype and
 * shape (a batch along axis 0, or one sample without the batch axis), with
 * finite values. Returns 0, or -1 after printing one message naming cmd. */
int calib_set_open(calib_set *s, const char *dir, const seam_model *m, const char *cmd);
void calib_set_free(calib_set *s);

/* Calls fn on every sample in order, as a tensor with the model's rank and
 * a batch of 1 (or the model's fixed batch). fn returns 0 to go on. Returns
 * 0, or -1 after printing a message (or what fn returned when nonzero). */
typedef int (*calib_sample_fn)(void *user, int index, const seam_tensor *sample);
int calib_set_each(const calib_set *s, const char *cmd, calib_sample_fn fn, void *user);

/* Progress on stderr: "label 37/100 [#####.....]", rewritten in place on a
 * terminal, every tenth otherwise. */
void cli_progress(const char *label, int done, int total);

#endif

/* Starting a real seam-cloud for the loopback tests. */
#ifndef SEAM_TESTS_CLOUD_WORKER_H
#define SEAM_TESTS_CLOUD_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* How much slower than usual this run may be: SEAM_TEST_TIME_SCALE (1..20,
 * default 1). Generous time limits (a whole program's, a deadline that only
 * has to be met) are multiplied by it; a bound that is the point of a check
 * is not. The ThreadSanitizer run (scripts/test.sh --tsan) sets it. */
int worker_time_scale(void);

/* Forks and execs `exe --models repo --listen 127.0.0.1:0 --threads 2`
 * followed by extra (NULL-terminated, may be NULL), with its stdout on a pipe,
 * and reads "… listening on 127.0.0.1:PORT" within 10 s. Returns the port
 * and sets *pid; on failure returns -1 with why filled (a started process
 * is killed and reaped). */
int worker_start(const char *exe, const char *repo, const char *const *extra, pid_t *pid, char *why,
                 size_t why_size);

/* The same, with the worker's stderr (its request log) written to log_path
 * (NULL: inherited). */
int worker_start_logged(const char *exe, const char *repo, const char *const *extra,
                        const char *log_path, pid_t *pid, char *why, size_t why_size);

/* How to start it: where its stderr goes (NULL: inherited) and a
 * descriptor limit (soft and hard, 0: inherited). */
typedef struct worker_options {
  const char *log_path;
  int nofile;
} worker_options;

/* worker_start with options (NULL: as worker_start). */
int worker_start_with(const char *exe, const char *repo, const char *const *extra, const worker_options *o,
                      pid_t *pid, char *why, size_t why_size);

/* A field of /proc/PID/status in kB ("VmRSS", "VmHWM"); -1 when unknown. */
long worker_status_kb(pid_t pid, const char *field);

/* Open descriptors of a process; -1 when unknown. */
int worker_fd_count(pid_t pid);

/* SIGTERM, then waits up to timeout_s for the exit. Returns the exit status
 * (128 + the signal when a signal ended it; under the sanitizers a leak makes
 * it non-zero), or -1 when the worker had to be killed. *pid becomes -1. */
int worker_stop(pid_t *pid, double timeout_s);

/* SIGKILL and reap; nothing when *pid <= 0. *pid becomes -1. */
void worker_kill(pid_t *pid);

/* worker_kill, then removes the repository folder (when repo is not "")
 * and empties repo. */
void worker_cleanup(pid_t *pid, char *repo);

/* Copies a model file into a repository, computing its SHA-256 into sha
 * (may be NULL); false on any failure. */
bool worker_copy_model(const char *from, const char *to, uint8_t sha[32]);

/* Removes a temporary repository folder (rm -rf); warns when it cannot. */
void worker_remove_dir(const char *dir);

/* The name seam_edge_open gives the model at path by default: the folder
 * holding it when the file is called model.onnx, otherwise the file's name
 * without ".onnx". */
void worker_model_name(const char *path, char *name, size_t size);

/* Makes a temporary repository (/tmp/seam-edge-test-XXXXXX) holding a copy
 * of the model at model_path as REPO/<worker_model_name>/model.onnx; repo
 * receives its path (repo_size >= 64). false with why filled on failure,
 * leaving nothing behind. */
bool worker_make_repo(const char *model_path, char *repo, size_t repo_size, char *why, size_t why_size);

/* Removes a repository worker_make_repo made and sets repo to ""; does
 * nothing for "". */
void worker_remove_repo(char *repo);

#endif

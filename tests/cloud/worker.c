#include "tests/cloud/worker.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dirent.h>

#include "common/clock.h"
#include "common/file_io.h"
#include "common/sha256.h"

int worker_time_scale(void) {
  const char *v = getenv("SEAM_TEST_TIME_SCALE");
  int scale = v ? atoi(v) : 1;
  return scale < 1 ? 1 : scale > 20 ? 20 : scale;
}

static int fail(pid_t *pid, char *why, size_t size, const char *msg) {
  snprintf(why, size, "%s", msg);
  if (*pid > 0) {
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = -1;
  }
  return -1;
}

int worker_start(const char *exe, const char *repo, const char *const *extra, pid_t *pid, char *why,
                 size_t why_size) {
  return worker_start_logged(exe, repo, extra, NULL, pid, why, why_size);
}

int worker_start_logged(const char *exe, const char *repo, const char *const *extra,
                        const char *log_path, pid_t *pid, char *why, size_t why_size) {
  worker_options o = {.log_path = log_path};
  return worker_start_with(exe, repo, extra, &o, pid, why, why_size);
}

int worker_start_with(const char *exe, const char *repo, const char *const *extra, const worker_options *o,
                      pid_t *pid, char *why, size_t why_size) {
  const char *log_path = o ? o->log_path : NULL;
  const char *argv[32] = {exe, "--models", repo, "--listen", "127.0.0.1:0", "--threads", "2"};
  int argc = 7;
  for (int i = 0; extra && extra[i] && argc < 31; i++) argv[argc++] = extra[i];
  argv[argc] = NULL;
  int fds[2];
  *pid = -1;
  if (pipe(fds) != 0) return fail(pid, why, why_size, "pipe failed");
  *pid = fork();
  if (*pid < 0) return fail(pid, why, why_size, "fork failed");
  if (*pid == 0) {
    if (log_path) {
      int log = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (log >= 0) dup2(log, STDERR_FILENO);
    }
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    if (o && o->nofile > 0) {
      struct rlimit rl = {(rlim_t)o->nofile, (rlim_t)o->nofile};
      if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(126);
    }
    execv(exe, (char *const *)argv);
    _exit(127);
  }
  close(fds[1]);
  char line[256];
  size_t n = 0;
  double until = seam_clock_s() + 10;
  const char *problem = NULL;
  while (!problem && n < sizeof line - 1 && !memchr(line, '\n', n)) {
    int left = (int)((until - seam_clock_s()) * 1000);
    if (left <= 0) {
      problem = "the worker did not print its port within 10 s";
      break;
    }
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    if (poll(&p, 1, left) <= 0) continue;
    ssize_t got = read(fds[0], line + n, sizeof line - 1 - n);
    if (got <= 0) problem = "the worker exited before listening";
    else n += (size_t)got;
  }
  close(fds[0]);
  if (problem) return fail(pid, why, why_size, problem);
  line[n] = '\0';
  const char *colon = strrchr(line, ':');
  int port = colon ? atoi(colon + 1) : 0;
  if (!strstr(line, "listening on") || port <= 0) return fail(pid, why, why_size, "unexpected first line from the worker");
  return port;
}

void worker_kill(pid_t *pid) {
  if (*pid > 0) {
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
  }
  *pid = -1;
}

void worker_cleanup(pid_t *pid, char *repo) {
  worker_kill(pid);
  if (!repo[0]) return;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", repo);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", repo);
  repo[0] = '\0';
}

int worker_stop(pid_t *pid, double timeout_s) {
  if (*pid <= 0) return -1;
  kill(*pid, SIGTERM);
  double until = seam_clock_s() + timeout_s;
  int status = 0;
  while (seam_clock_s() < until) {
    if (waitpid(*pid, &status, WNOHANG) == *pid) {
      *pid = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    usleep(20000);
  }
  worker_kill(pid);
  return -1;
}

void worker_model_name(const char *path, char *name, size_t size) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (strcmp(base, "model.onnx") == 0 && slash && slash > path) {
    const char *start = slash - 1;
    while (start > path && start[-1] != '/') start--;
    snprintf(name, size, "%.*s", (int)(slash - start), start);
    return;
  }
  snprintf(name, size, "%s", base);
  size_t n = strlen(name);
  if (n > 5 && strcmp(name + n - 5, ".onnx") == 0) name[n - 5] = '\0';
}

bool worker_copy_model(const char *from, const char *to, uint8_t sha[32]) {
  size_t size = 0;
  void *bytes = seam_read_file(from, &size, NULL);
  FILE *out = bytes ? fopen(to, "wb") : NULL;
  bool ok = out && fwrite(bytes, 1, size, out) == size;
  if (out && fclose(out) != 0) ok = false;
  ok = ok && (!sha || seam_sha256(bytes, size, sha));
  free(bytes);
  return ok;
}

void worker_remove_dir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", dir);
}

bool worker_make_repo(const char *model_path, char *repo, size_t repo_size, char *why, size_t why_size) {
  static const char pattern[] = "/tmp/seam-edge-test-XXXXXX";
  char name[256], dir[512], dst[600];
  if (repo_size < sizeof pattern) {
    snprintf(why, why_size, "worker_make_repo: the path buffer is too small");
    return false;
  }
  memcpy(repo, pattern, sizeof pattern);
  if (!mkdtemp(repo)) {
    snprintf(why, why_size, "mkdtemp failed");
    repo[0] = '\0';
    return false;
  }
  worker_model_name(model_path, name, sizeof name);
  snprintf(dir, sizeof dir, "%s/%s", repo, name);
  snprintf(dst, sizeof dst, "%s/model.onnx", dir);
  if (mkdir(dir, 0700) != 0 || !worker_copy_model(model_path, dst, NULL)) {
    snprintf(why, why_size, "cannot copy '%s' into the repository %s", model_path, repo);
    worker_remove_repo(repo);
    return false;
  }
  return true;
}

void worker_remove_repo(char *repo) {
  if (!repo[0]) return;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", repo);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", repo);
  repo[0] = '\0';
}

long worker_status_kb(pid_t pid, const char *field) {
  char path[64], line[256];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  FILE *f = fopen(path, "r");
  long kb = -1;
  size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, field, n) == 0 && line[n] == ':') kb = strtol(line + n + 1, NULL, 10);
  if (f) fclose(f);
  return kb;
}

int worker_fd_count(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

/* seam-cloud: the cloud worker.
 *
 *   seam-cloud --models DIR --listen HOST:PORT [--threads N] [--parallel-runs K]
 *              [--model-threads T] [--max-message-mb N] [--stream-window N]
 *
 * Loads every model of the repository DIR, serves them over gRPC, prints
 * "seam-cloud listening on HOST:PORT" (with the port actually bound, so
 * --listen 127.0.0.1:0 lets the system pick one) on stdout once it accepts
 * calls, logs one line per request (per stream message) on stderr, and on
 * SIGTERM or SIGINT stops accepting calls, lets those in flight finish (open
 * streams finish the messages they have read, then end with UNAVAILABLE)
 * and exits 0. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cloud/profile_service.h"
#include "cloud/repository.h"
#include "cloud/service.h"
#include "protocol/grpc_server.h"

/* How long calls in flight may take to finish at shutdown before they are
 * cancelled. */
#define DRAIN_MS 3000

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig) {
  int saved = errno;
  unsigned char b = (unsigned char)sig;
  ssize_t rc = write(signal_pipe[1], &b, 1);
  (void)rc;
  errno = saved;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: seam-cloud --models DIR --listen HOST:PORT [--threads N] [--parallel-runs K]\n"
          "                  [--model-threads T] [--max-message-mb N] [--stream-window N]\n"
          "  --models DIR          model repository: DIR/<name>/model.onnx or\n"
          "                        DIR/<name>/<version>/model.onnx (highest version served)\n"
          "  --listen HOST:PORT    address to serve gRPC on (port 0: any free port)\n"
          "  --threads N           threads handling calls (default: 4, at least K + 2)\n"
          "  --parallel-runs K     inferences of one model computed at once (default 1);\n"
          "                        K > 1 raises throughput under many concurrent clients\n"
          "  --model-threads T     threads of one inference (default: online cores / K)\n"
          "  --max-message-mb N    largest request or reply message, MiB (default 64);\n"
          "                        a decoded tensor may be up to 4 times that\n"
          "  --stream-window N     requests of one InferStream handled or waiting to be\n"
          "                        sent at once (default 4); a client that reads no\n"
          "                        replies stops the worker reading its stream\n");
}

static bool parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int main(int argc, char **argv) {
  const char *models = NULL, *listen = NULL;
  long threads = 0, max_mb = 64, debug_delay_ms = 0, parallel_runs = 1, model_threads = 0;
  long stream_window = SEAM_GRPC_STREAM_WINDOW_DEFAULT;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "seam-cloud: %s needs a value (or is unknown)\n", a);
      usage(stderr);
      return 2;
    }
    if (!strcmp(a, "--models")) {
      models = v;
    } else if (!strcmp(a, "--listen")) {
      listen = v;
    } else if (!strcmp(a, "--threads")) {
      if (!parse_int(v, 1, 256, &threads)) {
        fprintf(stderr, "seam-cloud: --threads must be 1..256, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--parallel-runs")) {
      if (!parse_int(v, 1, 64, &parallel_runs)) {
        fprintf(stderr, "seam-cloud: --parallel-runs must be 1..64, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--model-threads")) {
      if (!parse_int(v, 1, 256, &model_threads)) {
        fprintf(stderr, "seam-cloud: --model-threads must be 1..256, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--max-message-mb")) {
      if (!parse_int(v, 1, 2047, &max_mb)) {
        fprintf(stderr, "seam-cloud: --max-message-mb must be 1..2047, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--stream-window")) {
      if (!parse_int(v, 1, 1024, &stream_window)) {
        fprintf(stderr, "seam-cloud: --stream-window must be 1..1024, not '%s'\n", v);
        return 2;
      }
    } else if (!strcmp(a, "--debug-delay-ms")) {
      /* Testing aid, not in the usage text: makes every Infer wait as if it
       * had queued, so that deadline handling can be tested deterministically. */
      if (!parse_int(v, 0, 60000, &debug_delay_ms)) {
        fprintf(stderr, "seam-cloud: --debug-delay-ms must be 0..60000, not '%s'\n", v);
        return 2;
      }
    } else {
      fprintf(stderr, "seam-cloud: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
    i++;
  }
  if (!models || !listen) {
    fprintf(stderr, "seam-cloud: --models and --listen are required\n");
    usage(stderr);
    return 2;
  }

  /* Signals only write a byte to a pipe; the main thread does the rest. */
  if (pipe(signal_pipe) != 0) {
    perror("seam-cloud: pipe");
    return 1;
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* Every parallel run needs a call thread of its own, and two more keep
   * answering health checks, ModelInfo and refusals while all compute. */
  if (threads == 0) threads = parallel_runs + 2 > 4 ? parallel_runs + 2 : 4;
  if (model_threads == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    model_threads = cores > parallel_runs ? cores / parallel_runs : 1;
  }
  seam_model_options model_options;
  seam_model_options_default(&model_options);
  model_options.num_threads = (int)model_threads;
  model_options.parallel_runs = (int)parallel_runs;

  seam_error err;
  seam_cloud_repo repo;
  if (seam_cloud_repo_load(models, &model_options, &repo, stderr, &err) != SEAM_OK) {
    fprintf(stderr, "seam-cloud: %s\n", err.message);
    return 1;
  }

  seam_cloud_profiler *profiler = seam_cloud_profiler_create();
  if (!profiler) {
    fprintf(stderr, "seam-cloud: out of memory\n");
    seam_cloud_repo_free(&repo);
    return 1;
  }
  size_t max_message = (size_t)max_mb << 20;
  seam_cloud_service svc = {.repo = &repo,
                            .max_message_bytes = max_message,
                            .max_tensor_bytes = max_message * 4,
                            .threads = (int)(model_threads * parallel_runs),
                            .log = stderr,
                            .debug_delay_ms = (int)debug_delay_ms,
                            .profiler = profiler};
  seam_grpc_server_config cfg = {.listen = listen,
                                 .methods = seam_cloud_methods,
                                 .n_methods = seam_cloud_method_count,
                                 .handler = seam_cloud_handle,
                                 .user = &svc,
                                 .threads = (int)threads,
                                 .max_message_bytes = max_message,
                                 .streaming = seam_cloud_method_streaming,
                                 .stream_window = (int)stream_window};
  int port = 0;
  seam_grpc_server *server = seam_grpc_server_start(&cfg, &port, &err);
  if (!server) {
    fprintf(stderr, "seam-cloud: %s\n", err.message);
    seam_cloud_profiler_free(profiler);
    seam_cloud_repo_free(&repo);
    return 1;
  }
  /* HOST without the port as given, then the bound port. */
  const char *colon = strrchr(listen, ':');
  int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);
  printf("seam-cloud listening on %.*s:%d\n", host_len, listen, port);
  fflush(stdout);
  fprintf(stderr,
          "seam-cloud event=started listen=%.*s:%d models=%zu threads=%ld parallel_runs=%ld "
          "model_threads=%ld max_message_bytes=%zu\n",
          host_len, listen, port, repo.n_models, threads, parallel_runs, model_threads,
          max_message);

  int sig = 0;
  for (;;) {
    struct pollfd p = {.fd = signal_pipe[0], .events = POLLIN};
    int rc = poll(&p, 1, -1);
    if (rc < 0 && errno == EINTR) continue;
    unsigned char b = 0;
    if (rc > 0 && read(signal_pipe[0], &b, 1) == 1) sig = b;
    break;
  }
  fprintf(stderr, "seam-cloud event=stopping signal=%d\n", sig);
  seam_cloud_profiler_stop(profiler); /* a profile in progress stops at its next run */
  seam_grpc_server_stop(server, DRAIN_MS);
  seam_cloud_profiler_free(profiler);
  seam_cloud_repo_free(&repo);
  close(signal_pipe[0]);
  close(signal_pipe[1]);
  fprintf(stderr, "seam-cloud event=stopped\n");
  return 0;
}

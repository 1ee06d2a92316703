/* seam-cloud: the cloud worker.
 *
 *   seam-cloud --models DIR --listen HOST:PORT [options, see usage()]
 *
 * Loads every model of the repository DIR (a model that does not load is
 * reported and the others are served), serves them over gRPC, prints
 * "seam-cloud listening on HOST:PORT" (with the port actually bound, so
 * --listen 127.0.0.1:0 lets the system pick one) on stdout once it accepts
 * calls, logs one line per request (per stream message) on stderr, and on
 * SIGTERM or SIGINT stops accepting calls, answers the requests still
 * queued with UNAVAILABLE, lets those computing finish (open streams finish
 * the messages they have read, then end with UNAVAILABLE) and exits 0. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cloud/cut_variants.h"
#include "cloud/profile_service.h"
#include "cloud/repository.h"
#include "cloud/scheduler.h"
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

/* Every numeric option: its flag, range, default and help. */
typedef struct settings {
  long threads, parallel_runs, model_threads, max_message_mb, stream_window, debug_delay_ms;
  long max_batch, max_request_mb, plan_cache_mb, queue_depth, max_queued_mb, max_echo_kb,
      profile_timeout_ms, max_connections, handshake_timeout_ms, idle_timeout_ms, max_unsent_mb,
      max_transport_mb, max_cut_variants;
} settings;

typedef struct option_def {
  const char *flag;
  long lo, hi, fallback;
  size_t offset; /* of the long in settings */
  const char *help; /* NULL: a testing aid, not in the usage text */
} option_def;

#define OPT(flag, lo, hi, def, field, help) {flag, lo, hi, def, offsetof(settings, field), help}
static const option_def options[] = {
    OPT("--threads", 1, 256, 4, threads, "threads that parse, validate and answer calls (default 4)"),
    OPT("--parallel-runs", 1, 64, 1, parallel_runs,
        "inferences of one model computed at once (default 1);\n"
        "                        K > 1 raises throughput under many concurrent clients"),
    OPT("--model-threads", 0, 256, 0, model_threads, "threads of one inference (default: online cores / K)"),
    OPT("--max-message-mb", 1, 2047, 64, max_message_mb,
        "largest request or reply message, MiB (default 64);\n"
        "                        a decoded tensor may be up to 4 times that"),
    OPT("--stream-window", 1, 1024, SEAM_GRPC_STREAM_WINDOW_DEFAULT, stream_window,
        "requests of one InferStream handled or waiting to be\n"
        "                        sent at once (default 4); a client that reads no\n"
        "                        replies stops the worker reading its stream"),
    OPT("--max-batch", 1, 1 << 20, 64, max_batch,
        "largest leading dimension of a given tensor of rank >= 2 (default 64)"),
    OPT("--max-request-mb", 1, 1 << 20, 512, max_request_mb,
        "memory one request may make the worker allocate: decoded\n"
        "                        inputs, activations, outputs, MiB (default 512)"),
    OPT("--plan-cache-mb", 1, 1 << 20, 512, plan_cache_mb,
        "memory the prepared runs of one model may keep, MiB (default 512)"),
    OPT("--queue-depth", 0, 1 << 16, 16, queue_depth,
        "requests that may wait for a model's compute threads (default 16);\n"
        "                        more are refused at once with RESOURCE_EXHAUSTED"),
    OPT("--max-queued-mb", 1, 1 << 20, 256, max_queued_mb,
        "request bytes that may wait for one model, MiB (default 256)"),
    OPT("--max-echo-kb", 0, 1 << 20, 1024, max_echo_kb, "largest Echo (probe) reply, KiB (default 1024)"),
    OPT("--profile-timeout-ms", 1, 3600000, 60000, profile_timeout_ms,
        "deadline of a Profile call without an earlier one (default 60000)"),
    OPT("--max-connections", 1, 1 << 20, SEAM_GRPC_MAX_CONNECTIONS_DEFAULT, max_connections,
        "open connections; more are closed at once (default 4096, and\n"
        "                        always 256 descriptors, or a third of a lower limit,\n"
        "                        below the process limit)"),
    OPT("--handshake-timeout-ms", 1, 600000, SEAM_GRPC_HANDSHAKE_TIMEOUT_MS_DEFAULT, handshake_timeout_ms,
        "a connection that has not set up HTTP/2 in this time is closed (default 10000)"),
    OPT("--idle-timeout-ms", 1, 86400000, SEAM_GRPC_IDLE_TIMEOUT_MS_DEFAULT, idle_timeout_ms,
        "a connection without calls for this long is closed (default 300000)"),
    OPT("--max-unsent-reply-mb", 1, 1 << 20, 256, max_unsent_mb,
        "reply bytes waiting for clients that read slowly, MiB (default 256)"),
    OPT("--max-transport-mb", 16, 1 << 20, 1024, max_transport_mb,
        "gRPC's buffers of all connections, MiB (default 1024); under its pressure\n"
        "                        gRPC shrinks windows and refuses new calls"),
    OPT("--max-cut-variants", 0, SEAM_CLOUD_CUT_VARIANTS_MAX, SEAM_CLOUD_CUT_VARIANTS_DEFAULT, max_cut_variants,
        "variants of one model loaded to serve cuts at tensors graph\n"
        "                        optimization removed (default 4; 0: none); a request\n"
        "                        needing one more is refused with FAILED_PRECONDITION"),
    /* Makes every Infer wait as if it had queued, so that deadline handling
     * can be tested deterministically. */
    OPT("--debug-delay-ms", 0, 60000, 0, debug_delay_ms, NULL),
};
#define N_OPTIONS (sizeof options / sizeof options[0])

static void usage(FILE *f) {
  fprintf(f,
          "usage: seam-cloud --models DIR --listen HOST:PORT [options]\n"
          "  --models DIR          model repository: DIR/<name>/model.onnx or\n"
          "                        DIR/<name>/<version>/model.onnx (highest version served)\n"
          "  --listen HOST:PORT    address to serve gRPC on (port 0: any free port)\n");
  for (size_t i = 0; i < N_OPTIONS; i++) {
    if (!options[i].help) continue;
    int pad = 22 - (int)strlen(options[i].flag) - 2;
    fprintf(f, "  %s N%*s%s\n", options[i].flag, pad > 1 ? pad : 1, "", options[i].help);
  }
}

static bool parse_long(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

/* Parses argv; returns -1 to go on, or the exit status (0 for --help). */
static int parse_args(int argc, char **argv, const char **models, const char **listen, settings *set) {
  for (size_t k = 0; k < N_OPTIONS; k++) *(long *)((char *)set + options[k].offset) = options[k].fallback;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return 0;
    }
    if (!v) {
      fprintf(stderr, "seam-cloud: %s needs a value (or is unknown)\n", a);
      usage(stderr);
      return 2;
    }
    i++;
    if (!strcmp(a, "--models")) {
      *models = v;
      continue;
    }
    if (!strcmp(a, "--listen")) {
      *listen = v;
      continue;
    }
    size_t k = 0;
    while (k < N_OPTIONS && strcmp(a, options[k].flag) != 0) k++;
    if (k == N_OPTIONS) {
      fprintf(stderr, "seam-cloud: unknown option %s\n", a);
      usage(stderr);
      return 2;
    }
    if (!parse_long(v, options[k].lo, options[k].hi, (long *)((char *)set + options[k].offset))) {
      fprintf(stderr, "seam-cloud: %s must be %ld..%ld, not '%s'\n", a, options[k].lo, options[k].hi, v);
      return 2;
    }
  }
  if (!*models || !*listen) {
    fprintf(stderr, "seam-cloud: --models and --listen are required\n");
    usage(stderr);
    return 2;
  }
  return -1;
}

/* Connections each hold a descriptor: use every one the system allows. */
static void raise_fd_limit(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
  rlim_t before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
    fprintf(stderr, "seam-cloud event=fd_limit_raised from=%llu to=%llu\n", (unsigned long long)before,
            (unsigned long long)rl.rlim_cur);
}

static bool install_signals(void) {
  /* Signals only write a byte to a pipe; the main thread does the rest. */
  if (pipe(signal_pipe) != 0) return false;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  return true;
}

static int wait_for_signal(void) {
  for (;;) {
    struct pollfd p = {.fd = signal_pipe[0], .events = POLLIN};
    int rc = poll(&p, 1, -1);
    if (rc < 0 && errno == EINTR) continue;
    unsigned char b = 0;
    if (rc > 0 && read(signal_pipe[0], &b, 1) == 1) return b;
    return 0;
  }
}

/* Loads the repository; false (with the reason logged) when nothing loads. */
static bool load_models(const char *dir, const settings *set, seam_cloud_repo *repo) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.num_threads = (int)set->model_threads;
  o.parallel_runs = (int)set->parallel_runs;
  o.plan_cache_bytes = (size_t)set->plan_cache_mb << 20;
  seam_error err;
  if (seam_cloud_repo_load(dir, &o, repo, stderr, &err) != SEAM_OK) {
    fprintf(stderr, "seam-cloud: %s\n", err.message);
    return false;
  }
  if (repo->n_loaded == 0) {
    fprintf(stderr, "seam-cloud: no model of %s loads (%zu failed; expected %s/<name>/model.onnx)\n", dir,
            repo->n_models, dir);
    seam_cloud_repo_free(repo);
    return false;
  }
  if (repo->n_loaded < repo->n_models)
    fprintf(stderr, "seam-cloud event=warning message=\"%zu of %zu models failed to load and are not served\"\n",
            repo->n_models - repo->n_loaded, repo->n_models);
  return true;
}

int main(int argc, char **argv) {
  const char *models = NULL, *listen = NULL;
  settings set;
  int rc = parse_args(argc, argv, &models, &listen, &set);
  if (rc >= 0) return rc;
  if (!install_signals()) {
    perror("seam-cloud: pipe");
    return 1;
  }
  raise_fd_limit();
  if (set.model_threads == 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    set.model_threads = cores > set.parallel_runs ? cores / set.parallel_runs : 1;
  }
  seam_cloud_repo repo;
  if (!load_models(models, &set, &repo)) return 1;

  size_t max_message = (size_t)set.max_message_mb << 20;
  seam_cloud_queue_config *queues = calloc(repo.n_models + 1, sizeof *queues);
  seam_cloud_profiler *profiler = seam_cloud_profiler_create();
  seam_cloud_variants *variants = seam_cloud_variants_create(&repo, (int)set.max_cut_variants, stderr);
  seam_cloud_scheduler *scheduler = NULL;
  if (queues && profiler && variants) {
    seam_cloud_queue_layout(&repo, (int)set.parallel_runs, (int)set.queue_depth, (size_t)set.max_queued_mb << 20,
                            queues);
    scheduler = seam_cloud_scheduler_start(queues, repo.n_models + 1);
  }
  free(queues);
  if (!scheduler) {
    fprintf(stderr, "seam-cloud: out of memory or threads starting the compute queues\n");
    seam_cloud_variants_free(variants);
    seam_cloud_profiler_free(profiler);
    seam_cloud_repo_free(&repo);
    return 1;
  }
  seam_cloud_service svc = {
      .repo = &repo,
      .limits = {.max_message_bytes = max_message,
                 .max_tensor_bytes = max_message * 4,
                 .max_request_bytes = (size_t)set.max_request_mb << 20,
                 .max_batch = set.max_batch,
                 .max_echo_bytes = (size_t)set.max_echo_kb << 10,
                 .profile_timeout_ms = (int)set.profile_timeout_ms},
      .threads = (int)(set.model_threads * set.parallel_runs),
      .log = stderr,
      .debug_delay_ms = (int)set.debug_delay_ms,
      .profiler = profiler,
      .scheduler = scheduler,
      .variants = variants};
  seam_grpc_server_config cfg = {.listen = listen,
                                 .methods = seam_cloud_methods,
                                 .n_methods = seam_cloud_method_count,
                                 .handler = seam_cloud_handle,
                                 .user = &svc,
                                 .threads = (int)set.threads,
                                 .max_message_bytes = max_message,
                                 .streaming = seam_cloud_method_streaming,
                                 .stream_window = (int)set.stream_window,
                                 .max_connections = (int)set.max_connections,
                                 .handshake_timeout_ms = (int)set.handshake_timeout_ms,
                                 .idle_timeout_ms = (int)set.idle_timeout_ms,
                                 .max_unsent_reply_bytes = (size_t)set.max_unsent_mb << 20,
                                 .max_transport_bytes = (size_t)set.max_transport_mb << 20,
                                 .log = stderr};
  int port = 0;
  seam_error err;
  seam_grpc_server *server = seam_grpc_server_start(&cfg, &port, &err);
  if (!server) {
    fprintf(stderr, "seam-cloud: %s\n", err.message);
    seam_cloud_scheduler_free(scheduler);
    seam_cloud_variants_free(variants);
    seam_cloud_profiler_free(profiler);
    seam_cloud_repo_free(&repo);
    return 1;
  }
  /* HOST without the port as given, then the bound port. */
  const char *colon = strrchr(listen, ':');
  int host_len = colon ? (int)(colon - listen) : (int)strlen(listen);
  printf("seam-cloud listening on %.*s:%d\n", host_len, listen, port);
  fflush(stdout);
  seam_grpc_server_stats stats;
  seam_grpc_server_get_stats(server, &stats);
  fprintf(stderr,
          "seam-cloud event=started listen=%.*s:%d models=%zu failed_models=%zu threads=%ld parallel_runs=%ld "
          "model_threads=%ld max_message_bytes=%zu max_request_bytes=%zu max_batch=%ld queue_depth=%ld "
          "max_connections=%ld max_cut_variants=%ld fd_limit=%d connection_guard=%d\n",
          host_len, listen, port, repo.n_loaded, repo.n_models - repo.n_loaded, set.threads, set.parallel_runs,
          set.model_threads, max_message, svc.limits.max_request_bytes, set.max_batch, set.queue_depth,
          set.max_connections, set.max_cut_variants, stats.fd_limit, stats.guard_active);

  int sig = wait_for_signal();
  fprintf(stderr, "seam-cloud event=stopping signal=%d\n", sig);
  seam_cloud_scheduler_drain(scheduler); /* queued requests: UNAVAILABLE; running ones go on */
  bool grpc_released = seam_grpc_server_stop(server, DRAIN_MS);
  seam_cloud_scheduler_free(scheduler);
  seam_cloud_variants_free(variants);
  seam_cloud_profiler_free(profiler);
  seam_cloud_repo_free(&repo);
  close(signal_pipe[0]);
  close(signal_pipe[1]);
  if (!grpc_released) {
    /* Everything of the worker's is released; gRPC's own clean-up is still
     * waiting on a socket (see seam_grpc_server_stop): do not wait for it. */
    fprintf(stderr, "seam-cloud event=stopped grpc_release=abandoned\n");
    fflush(stdout);
    fflush(stderr);
    _exit(0);
  }
  fprintf(stderr, "seam-cloud event=stopped\n");
  return 0;
}

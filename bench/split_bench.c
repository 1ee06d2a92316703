/* split_bench: protocol overhead and worker throughput of split inference
 * against a running seam-cloud (it starts nothing itself).
 *
 *   split_bench --endpoint HOST:PORT --model M.onnx --input X.npy --cut T
 *               [--codec raw|int8] [--zstd N] [--clients N] [--requests N]
 *               [--sequential N] [--warmup N] [--worker-pid PID] [--concurrent-runs N]
 *
 * 1. --warmup requests, then --sequential requests one after the other on one
 *    thread: the mean of each part of seam_edge_timing; the protocol overhead
 *    is total - head - worker compute (= encode + network + worker queue,
 *    decode and encode + client decode), also as a % of the tail's compute.
 * 2. --clients threads share one session and make --requests requests in all
 *    (each thread a loop): requests/s, and the worker's CPU use from
 *    /proc/PID/stat (utime + stime) before and after when --worker-pid is
 *    given. The compute-bound maximum is --concurrent-runs / the tail's mean
 *    compute time from step 1; the ratio is requests/s over it. seam-cloud
 *    loads each model once, and planned runs of one model take turns, each
 *    on the model's own pool of all online cores: one run at a time, so the
 *    default 1 is right for it (its --threads count calls handled, not runs
 *    in parallel).
 * Prints a human summary on stderr and one JSON line on stdout. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seam/edge.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* utime + stime of a process, in seconds; -1 when unreadable. */
static double proc_cpu_s(long pid) {
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  if (!p) return -1;
  unsigned long long utime = 0, stime = 0;
  /* After ')': state(3) ... utime is field 14, stime 15. */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) != 2)
    return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

typedef struct client {
  seam_edge_session *s;
  const seam_tensor *input;
  size_t n_out;
  int requests;
  int errors;
} client;

static int infer_once(seam_edge_session *s, const seam_tensor *input, size_t n_out,
                      seam_edge_timing *t) {
  seam_tensor *out[16] = {0};
  seam_error err;
  seam_status st = seam_edge_infer(s, 1, NULL, &input, n_out, out, t, &err);
  for (size_t i = 0; i < n_out; i++) seam_tensor_free(out[i]);
  if (st != SEAM_OK || !t->remote) {
    fprintf(stderr, "split_bench: inference failed or not remote: %s\n", err.message);
    return 1;
  }
  return 0;
}

static void *client_main(void *p) {
  client *c = p;
  for (int i = 0; i < c->requests; i++) {
    seam_edge_timing t;
    c->errors += infer_once(c->s, c->input, c->n_out, &t);
  }
  return NULL;
}

int main(int argc, char **argv) {
  const char *endpoint = NULL, *model = NULL, *input_path = NULL, *cut = NULL, *codec = "raw";
  int zstd = 0, clients = 1, requests = 100, sequential = 50, warmup = 5, worker_runs = 1;
  long worker_pid = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (!strcmp(a, "--endpoint")) endpoint = v;
    else if (!strcmp(a, "--model")) model = v;
    else if (!strcmp(a, "--input")) input_path = v;
    else if (!strcmp(a, "--cut")) cut = v;
    else if (!strcmp(a, "--codec")) codec = v;
    else if (!strcmp(a, "--zstd")) zstd = atoi(v);
    else if (!strcmp(a, "--clients")) clients = atoi(v);
    else if (!strcmp(a, "--requests")) requests = atoi(v);
    else if (!strcmp(a, "--sequential")) sequential = atoi(v);
    else if (!strcmp(a, "--warmup")) warmup = atoi(v);
    else if (!strcmp(a, "--worker-pid")) worker_pid = atol(v);
    else if (!strcmp(a, "--concurrent-runs")) worker_runs = atoi(v);
    else {
      fprintf(stderr, "split_bench: unknown option %s\n", a);
      return 2;
    }
  }
  if (!endpoint || !model || !input_path || !cut || clients < 1 || requests < clients ||
      sequential < 1 || (strcmp(codec, "raw") && strcmp(codec, "int8"))) {
    fprintf(stderr,
            "usage: split_bench --endpoint HOST:PORT --model M.onnx --input X.npy --cut T\n"
            "       [--codec raw|int8] [--zstd N] [--clients N] [--requests N (>= clients)]\n"
            "       [--sequential N] [--warmup N] [--worker-pid PID] [--concurrent-runs N]\n");
    return 2;
  }
  seam_error err;
  seam_tensor *input = seam_tensor_load_npy(input_path, &err);
  if (!input) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    return 1;
  }
  seam_edge_config cfg = {.model_path = model, .endpoint = endpoint, .cut = cut,
                          .deadline_ms = 60000,
                          .codec = strcmp(codec, "int8") ? SEAM_EDGE_CODEC_RAW : SEAM_EDGE_CODEC_INT8,
                          .zstd_level = zstd, .threads = 1};
  seam_edge_session *s = seam_edge_open(&cfg, &err);
  if (!s) {
    fprintf(stderr, "split_bench: %s\n", err.message);
    seam_tensor_free(input);
    return 1;
  }
  size_t n_out = seam_edge_output_count(s);
  if (n_out > 16) {
    fprintf(stderr, "split_bench: at most 16 outputs\n");
    return 1;
  }
  int errors = 0;
  seam_edge_timing t;
  for (int i = 0; i < warmup; i++) errors += infer_once(s, input, n_out, &t);

  /* 1. Sequential: where the time of one request goes. */
  double sum[9] = {0}; /* head encode network queue compute decode total bytes_up overhead */
  for (int i = 0; i < sequential; i++) {
    errors += infer_once(s, input, n_out, &t);
    sum[0] += (double)t.head_us;
    sum[1] += (double)t.encode_us;
    sum[2] += (double)t.network_us;
    sum[3] += (double)t.worker_queue_us;
    sum[4] += (double)t.worker_compute_us;
    sum[5] += (double)t.decode_us;
    sum[6] += (double)t.total_us;
    sum[7] += (double)t.bytes_up;
    sum[8] += (double)t.total_us - (double)t.head_us - (double)t.worker_compute_us;
  }
  for (int k = 0; k < 9; k++) sum[k] /= sequential;
  double overhead_pct = sum[4] > 0 ? 100.0 * sum[8] / sum[4] : 0;

  /* 2. Concurrent clients on one session. */
  pthread_t *th = calloc((size_t)clients, sizeof *th);
  client *cs = calloc((size_t)clients, sizeof *cs);
  if (!th || !cs) return 1;
  double cpu0 = worker_pid ? proc_cpu_s(worker_pid) : -1;
  double t0 = now_s();
  for (int i = 0; i < clients; i++) {
    cs[i] = (client){.s = s, .input = input, .n_out = n_out,
                     .requests = requests / clients + (i < requests % clients)};
    if (pthread_create(&th[i], NULL, client_main, &cs[i]) != 0) return 1;
  }
  for (int i = 0; i < clients; i++) {
    pthread_join(th[i], NULL);
    errors += cs[i].errors;
  }
  double wall = now_s() - t0;
  double cpu1 = worker_pid ? proc_cpu_s(worker_pid) : -1;
  double worker_cpu = cpu0 >= 0 && cpu1 >= 0 ? cpu1 - cpu0 : -1;
  double rps = requests / wall;
  double max_rps = sum[4] > 0 ? worker_runs / (sum[4] * 1e-6) : 0;

  fprintf(stderr,
          "sequential (%d): head %.0f us, encode %.0f, network %.0f, worker queue %.0f, tail compute "
          "%.0f, decode %.0f, total %.0f; overhead %.0f us = %.1f %% of the tail's compute\n",
          sequential, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[8], overhead_pct);
  fprintf(stderr,
          "%d clients, %d requests: %.2f s, %.1f requests/s, worker CPU %.2f s (%.0f %%); "
          "compute-bound max %.1f requests/s (%d run(s) at a time); ratio %.1f %%; errors %d\n",
          clients, requests, wall, rps, worker_cpu, worker_cpu >= 0 ? 100 * worker_cpu / wall : -1,
          max_rps, worker_runs, max_rps > 0 ? 100 * rps / max_rps : 0, errors);
  printf("{\"cut\": \"%s\", \"codec\": \"%s\", \"zstd\": %d, \"sequential\": %d, \"head_us\": %.1f, "
         "\"encode_us\": %.1f, \"network_us\": %.1f, \"worker_queue_us\": %.1f, "
         "\"tail_compute_us\": %.1f, \"decode_us\": %.1f, \"total_us\": %.1f, \"bytes_up\": %.0f, "
         "\"overhead_us\": %.1f, \"overhead_pct\": %.2f, \"clients\": %d, \"requests\": %d, "
         "\"wall_s\": %.3f, \"rps\": %.2f, \"worker_cpu_s\": %.3f, \"worker_cpu_pct\": %.1f, "
         "\"concurrent_runs\": %d, \"max_rps\": %.2f, \"ratio_pct\": %.1f, \"errors\": %d}\n",
         cut, codec, zstd, sequential, sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7],
         sum[8], overhead_pct, clients, requests, wall, rps, worker_cpu,
         worker_cpu >= 0 ? 100 * worker_cpu / wall : -1, worker_runs, max_rps,
         max_rps > 0 ? 100 * rps / max_rps : 0, errors);
  free(th);
  free(cs);
  seam_edge_close(s);
  seam_tensor_free(input);
  return errors ? 1 : 0;
}

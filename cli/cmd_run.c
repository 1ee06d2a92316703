/* seam run — runs a model on NumPy inputs and writes NumPy outputs. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "common/clock.h"
#include "runtime/tensor.h"
#include "seam/edge.h"
#include "seam/seam.h"

#define MAX_IO 16

static void run_usage(FILE *out) {
  fprintf(out,
          "usage: seam run --model M.onnx --input X.npy [--input name=Y.npy ...]\n"
          "                [--output OUT.npy | --output name=OUT.npy ...] [--labels FILE]\n"
          "                [--threads N] [--reference]\n"
          "                [--remote HOST:PORT --cut local|cloud|T1[,T2...] [--codec raw|f16|int8]\n"
          "                 [--zstd LEVEL] [--deadline-ms N] [--connect-timeout-ms N]\n"
          "                 [--model-name NAME] [--stream]]\n"
          "                [--remote HOST:PORT --plan plan.json [--deadline-ms N]\n"
          "                 [--device-speed X] ...]\n"
          "                [--repeat N [--interval-ms T]]\n\n"
          "Inputs without a name feed the model's inputs in order. Without a name,\n"
          "--output writes the first output. A file may omit a batch dimension the\n"
          "model has, and a batch of N samples runs on a model fixed to batch 1.\n"
          "--labels names the classes (one per line) of a classifier's first output and\n"
          "prints each sample's top class with its softmax probability. --threads sets\n"
          "the threads of one inference (default: the online cores); --reference runs the\n"
          "portable kernels alone, without graph optimization or run plans.\n\n"
          "--remote runs a split inference with a seam-cloud worker: the device runs the\n"
          "nodes up to the --cut tensors (names from `seam cuts`), sends them encoded with\n"
          "--codec (default raw, lossless) and zstd at --zstd LEVEL (default 0 = none), and\n"
          "the worker runs the rest; --cut local runs everything here, --cut cloud sends the\n"
          "inputs. The outputs are written as a local run writes them, followed by the\n"
          "latency breakdown. Whenever the worker gives no good answer (unreachable, no\n"
          "connection within --connect-timeout-ms (default 2000), past --deadline-ms,\n"
          "busy, failing, serving another model file, or a reply that does not fit the\n"
          "model), the device finishes the tail itself and the breakdown says why.\n"
          "--model-name is the model's name in the worker's repository (default: the\n"
          "model file's folder, or its file name).\n"
          "--stream sends each sample of the inputs' batch as one frame of an InferStream\n"
          "(up to 8 in flight), prints each frame's breakdown as it finishes, and writes\n"
          "the outputs in sample order.\n"
          "--plan runs with the cut chosen per request from a plan `seam partition`\n"
          "wrote for this model file (the dynamic policy of libseam-edge: the current\n"
          "network estimate, the deadline, a circuit breaker, fallback to the device).\n"
          "Its device terms are scaled by the device's speed measured on each request;\n"
          "--device-speed X fixes that ratio instead (1: the plan's device times as\n"
          "they are, for a plan whose device profile stands for another device).\n"
          "--repeat N sends the inputs as N separate requests (with --plan or a fixed\n"
          "--cut), started every --interval-ms T (default back to back), prints one line\n"
          "per request (cut, where it ran, latency, predicted latency, why) and as the last\n"
          "line one JSON object: requests, failed, fell_back, local, remote, p50_ms,\n"
          "p90_ms, p99_ms, cuts (cut -> count), over_deadline, max_diff_vs_local (every\n"
          "result against a local run of the same inputs) and mean_prediction_error.\n");
}

typedef struct run_args {
  const char *model;
  char *input_names[MAX_IO], *input_paths[MAX_IO];
  int n_inputs;
  char *output_names[MAX_IO], *output_paths[MAX_IO];
  int n_outputs;
  const char *labels;
  seam_model_options options;
  const char *remote, *cut, *model_name, *plan;
  int repeat, interval_ms;
  double device_speed;
  seam_edge_codec codec;
  int zstd_level, deadline_ms, connect_timeout_ms;
  int stream;
} run_args;

static int parse_args(int argc, char **argv, run_args *a) {
  seam_model_options_default(&a->options);
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      run_usage(stdout);
      exit(0);
    }
    if (strcmp(opt, "--reference") == 0) {
      a->options.fast_kernels = a->options.optimize = a->options.plan = 0;
      continue;
    }
    if (strcmp(opt, "--stream") == 0) {
      a->stream = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam run: %s needs a value\n", opt);
      return 2;
    }
    char *val = argv[++i];
    if (strcmp(opt, "--model") == 0) {
      a->model = val;
    } else if (strcmp(opt, "--threads") == 0) {
      char *end;
      long n = strtol(val, &end, 10);
      if (*end || n < 0 || n > 1024) {
        fprintf(stderr, "seam run: --threads takes a number from 0 to 1024\n");
        return 2;
      }
      a->options.num_threads = (int)n;
    } else if (strcmp(opt, "--remote") == 0) {
      a->remote = val;
    } else if (strcmp(opt, "--cut") == 0) {
      a->cut = val;
    } else if (strcmp(opt, "--model-name") == 0) {
      a->model_name = val;
    } else if (strcmp(opt, "--codec") == 0) {
      if (strcmp(val, "raw") == 0) a->codec = SEAM_EDGE_CODEC_RAW;
      else if (strcmp(val, "f16") == 0) a->codec = SEAM_EDGE_CODEC_F16;
      else if (strcmp(val, "int8") == 0) a->codec = SEAM_EDGE_CODEC_INT8;
      else {
        fprintf(stderr, "seam run: --codec takes raw, f16 or int8\n");
        return 2;
      }
    } else if (strcmp(opt, "--zstd") == 0 || strcmp(opt, "--deadline-ms") == 0 ||
               strcmp(opt, "--connect-timeout-ms") == 0) {
      char *end;
      long n = strtol(val, &end, 10);
      bool zstd = strcmp(opt, "--zstd") == 0;
      if (*end || !*val || (zstd ? (n < -131072 || n > 22) : (n < 0 || n > 86400000))) {
        fprintf(stderr, "seam run: %s takes %s\n", opt,
                zstd ? "a zstd level (0 = no compression, up to 22)" : "milliseconds from 0 to 86400000");
        return 2;
      }
      if (zstd) a->zstd_level = (int)n;
      else if (strcmp(opt, "--deadline-ms") == 0) a->deadline_ms = (int)n;
      else a->connect_timeout_ms = (int)n;
    } else if (strcmp(opt, "--plan") == 0) {
      a->plan = val;
    } else if (strcmp(opt, "--device-speed") == 0) {
      char *end;
      double x = strtod(val, &end);
      if (*end || !*val || !(x > 0 && x <= 20)) {
        fprintf(stderr, "seam run: --device-speed takes a ratio above 0 and at most 20 (1 = as profiled)\n");
        return 2;
      }
      a->device_speed = x;
    } else if (strcmp(opt, "--repeat") == 0 || strcmp(opt, "--interval-ms") == 0) {
      char *end;
      long n = strtol(val, &end, 10);
      if (*end || !*val || n < (strcmp(opt, "--repeat") == 0 ? 1 : 0) || n > 10000000) {
        fprintf(stderr, "seam run: %s takes a whole number (--repeat at least 1)\n", opt);
        return 2;
      }
      if (strcmp(opt, "--repeat") == 0) a->repeat = (int)n;
      else a->interval_ms = (int)n;
    } else if (strcmp(opt, "--labels") == 0) {
      a->labels = val;
    } else if (strcmp(opt, "--input") == 0 && a->n_inputs < MAX_IO) {
      cli_split_named(val, &a->input_names[a->n_inputs], &a->input_paths[a->n_inputs]);
      a->n_inputs++;
    } else if (strcmp(opt, "--output") == 0 && a->n_outputs < MAX_IO) {
      cli_split_named(val, &a->output_names[a->n_outputs], &a->output_paths[a->n_outputs]);
      a->n_outputs++;
    } else {
      fprintf(stderr, "seam run: unknown or repeated-too-often option '%s'\n", opt);
      return 2;
    }
  }
  if (!a->model || a->n_inputs == 0) {
    run_usage(stderr);
    return 2;
  }
  if (a->plan) {
    if (a->cut && strcmp(a->cut, "auto") != 0) {
      fprintf(stderr, "seam run: --plan chooses the cut; leave out --cut %s\n", a->cut);
      return 2;
    }
    a->cut = "auto";
  }
  if (a->remote && !a->cut) {
    fprintf(stderr, "seam run: --remote needs --cut local|cloud|T1[,T2...] or --plan plan.json\n");
    return 2;
  }
  if (a->device_speed > 0 && !a->plan) {
    fprintf(stderr, "seam run: --device-speed goes with --plan\n");
    return 2;
  }
  if ((a->plan || a->repeat) && !a->remote) {
    fprintf(stderr, "seam run: --plan and --repeat need --remote HOST:PORT\n");
    return 2;
  }
  if (a->repeat && a->stream) {
    fprintf(stderr, "seam run: --repeat and --stream do not go together\n");
    return 2;
  }
  if (a->stream && !a->remote) {
    fprintf(stderr, "seam run: --stream needs --remote HOST:PORT and --cut\n");
    return 2;
  }
  if (a->cut && !a->remote && strcmp(a->cut, "local") != 0) {
    fprintf(stderr, "seam run: --cut %s needs --remote HOST:PORT\n", a->cut);
    return 2;
  }
  return 0;
}

/* A copy of t with a leading batch dimension of 1. */
static seam_tensor *add_batch_dim(const seam_tensor *t, seam_error *err) {
  int64_t dims[SEAM_MAX_RANK];
  dims[0] = 1;
  for (int d = 0; d < t->rank; d++) dims[d + 1] = t->dims[d];
  seam_tensor *out = seam_tensor_create(t->dtype, (size_t)t->rank + 1, dims, err);
  if (out) memcpy(out->data, t->data, seam_tensor_nbytes(t));
  return out;
}

static void print_summary(const char *name, const seam_tensor *t) {
  char shape[160];
  printf("  %s: %s %s", name, seam_dtype_name(t->dtype), seam_shape_str(t->rank, t->dims, shape, sizeof shape));
  if (t->dtype == SEAM_DTYPE_FLOAT32 && t->rank == 2 && t->dims[1] > 1) {
    printf("  argmax:");
    for (int64_t b = 0; b < t->dims[0] && b < 8; b++) {
      const float *row = (const float *)t->data + b * t->dims[1];
      int64_t best = 0;
      for (int64_t k = 1; k < t->dims[1]; k++)
        if (row[k] > row[best]) best = k;
      printf(" %lld", (long long)best);
    }
    if (t->dims[0] > 8) printf(" ...");
  } else if (t->count <= 8) {
    printf("  values:");
    for (int64_t k = 0; k < t->count; k++) printf(" %g", seam_tensor_get_f64(t, k));
  }
  printf("\n");
}

/* Prints the top class of each row of a [N, K] float32 output. */
static int print_top_classes(const seam_tensor *t, const char *labels_path) {
  FILE *f = fopen(labels_path, "r");
  if (!f) {
    fprintf(stderr, "seam run: cannot read labels '%s'\n", labels_path);
    return 1;
  }
  char names[1024][64];
  int n_names = 0;
  while (n_names < 1024 && fgets(names[n_names], sizeof names[0], f)) {
    names[n_names][strcspn(names[n_names], "\r\n")] = '\0';
    n_names++;
  }
  fclose(f);
  if (t->dtype != SEAM_DTYPE_FLOAT32 || t->rank != 2 || t->dims[1] != n_names) {
    fprintf(stderr, "seam run: --labels needs a float32 [N, %d] first output\n", n_names);
    return 1;
  }
  for (int64_t b = 0; b < t->dims[0]; b++) {
    const float *row = (const float *)t->data + b * t->dims[1];
    int64_t best = 0;
    for (int64_t k = 1; k < t->dims[1]; k++)
      if (row[k] > row[best]) best = k;
    double sum = 0;
    for (int64_t k = 0; k < t->dims[1]; k++) sum += exp((double)row[k] - row[best]);
    printf("  sample %3lld: %-16s p=%.3f\n", (long long)b, names[best], 1.0 / sum);
  }
  return 0;
}

/* The edge session (split runs) and its timings summed over the runs. */
typedef struct edge_run {
  seam_edge_session *session;
  cli_edge_totals totals;
} edge_run;

/* One inference: locally, or through the edge session when there is one. */
static seam_status run_once(const seam_model *m, edge_run *e, size_t n_in, const char **names,
                            const seam_tensor *const *inputs, size_t n_out, seam_tensor **outputs,
                            seam_error *err) {
  if (!e->session) return seam_model_run(m, n_in, names, inputs, n_out, NULL, outputs, err);
  seam_edge_timing t;
  seam_status st = seam_edge_infer(e->session, n_in, names, inputs, n_out, outputs, &t, err);
  if (st != SEAM_OK) return st;
  cli_edge_totals_add(&e->totals, &t, err->message);
  return SEAM_OK;
}

static void print_timing(const run_args *a, const edge_run *e) {
  if (!e->session || e->totals.runs == 0) return;
  double n = e->totals.runs;
  const seam_edge_timing *s = &e->totals.sum;
  const char *codec = a->codec == SEAM_EDGE_CODEC_INT8 ? "int8" : a->codec == SEAM_EDGE_CODEC_F16 ? "f16" : "raw";
  printf("split: cut %s, codec %s%s", a->cut, codec, a->zstd_level ? "+zstd" : "");
  if (a->zstd_level) printf(" %d", a->zstd_level);
  printf(", worker %s; mean of %d inference%s (us):\n", a->remote ? a->remote : "-",
         e->totals.runs, e->totals.runs == 1 ? "" : "s");
  printf("  head %.0f  encode %.0f  up %.0f B  network %.0f  worker queue %.0f  worker compute %.0f"
         "  down %.0f B  decode %.0f  fallback %.0f  total %.0f\n",
         s->head_us / n, s->encode_us / n, s->bytes_up / n, s->network_us / n, s->worker_queue_us / n,
         s->worker_compute_us / n, s->bytes_down / n, s->decode_us / n, s->fallback_us / n, s->total_us / n);
  if (s->bytes_up && s->tensor_bytes_up)
    printf("  cut tensors %.0f B before encoding, %.0f B on the wire: %.2fx smaller\n",
           s->tensor_bytes_up / n, s->bytes_up / n, (double)s->tensor_bytes_up / (double)s->bytes_up);
  printf("  on the worker: %d, fell back to the device: %d\n", s->remote, s->fell_back);
  cli_edge_totals_print_fallbacks(&e->totals);
}

/* Runs the model once per sample of batched inputs and stacks the outputs. */
static seam_status run_per_sample(const seam_model *m, edge_run *e, int n_in, const char **names,
                                  seam_tensor **inputs, int64_t batch, size_t n_out,
                                  seam_tensor **outputs, seam_error *err) {
  seam_tensor *sample_in[MAX_IO] = {0}, *sample_out[MAX_IO] = {0};
  seam_status st = SEAM_OK;
  for (int64_t b = 0; b < batch && st == SEAM_OK; b++) {
    for (int i = 0; i < n_in; i++)
      if (!(sample_in[i] = cli_slice_sample(inputs[i], b, err))) st = SEAM_ERR_NO_MEMORY;
    if (st == SEAM_OK)
      st = run_once(m, e, (size_t)n_in, names, (const seam_tensor *const *)sample_in, n_out, sample_out, err);
    for (size_t o = 0; st == SEAM_OK && o < n_out; o++)
      st = cli_stack_sample(&outputs[o], sample_out[o], b, batch, err);
    for (int i = 0; i < n_in; i++) seam_tensor_free(sample_in[i]), sample_in[i] = NULL;
    for (size_t o = 0; o < n_out; o++) seam_tensor_free(sample_out[o]), sample_out[o] = NULL;
  }
  return st;
}

int cmd_run(int argc, char **argv) {
  run_args a = {0};
  int rc = parse_args(argc, argv, &a);
  if (rc) return rc;
  seam_error err = {0};
  seam_tensor *inputs[MAX_IO] = {0};
  seam_tensor *outputs[MAX_IO] = {0};
  const char *names[MAX_IO];
  size_t n_out = 0;
  rc = 1;
  edge_run edge = {0};
  double t0 = seam_clock_ms();
  seam_model *m = NULL;
  const seam_model *model = NULL;
  if (a.remote) {
    seam_edge_config cfg = {.model_path = a.model, .endpoint = a.remote, .model_name = a.model_name,
                            .cut = a.cut, .deadline_ms = a.deadline_ms, .codec = a.codec,
                            .zstd_level = a.zstd_level, .threads = a.options.num_threads,
                            .connect_timeout_ms = a.connect_timeout_ms, .plan_path = a.plan,
                            .device_speed = a.device_speed};
    if (!(edge.session = seam_edge_open(&cfg, &err))) goto fail;
    model = seam_edge_model(edge.session);
  } else {
    if (!(m = seam_model_load_with(a.model, &a.options, &err))) goto fail;
    model = m;
  }
  double t_load = seam_clock_ms() - t0;
  size_t n_graph_in = seam_model_input_count(model);
  n_out = seam_model_output_count(model);
  if (n_out > MAX_IO) {
    fprintf(stderr, "seam run: the model has %zu outputs, more than %d\n", n_out, MAX_IO);
    goto done;
  }
  int64_t batch = 1;
  for (int i = 0; i < a.n_inputs; i++) {
    seam_value_info info;
    if (a.input_names[i]) {
      names[i] = a.input_names[i];
      info.rank = -1;
      for (size_t k = 0; k < n_graph_in; k++) {
        seam_model_input_info(model, k, &info);
        if (strcmp(info.name, names[i]) == 0) break;
        info.rank = -1;
      }
    } else if ((size_t)i < n_graph_in) {
      seam_model_input_info(model, (size_t)i, &info);
      names[i] = info.name;
    } else {
      fprintf(stderr, "seam run: the model has only %zu inputs\n", n_graph_in);
      goto done;
    }
    if (!(inputs[i] = seam_tensor_load_npy(a.input_paths[i], &err))) goto fail;
    if (info.rank >= 1 && inputs[i]->rank == info.rank - 1) {
      seam_tensor *b = add_batch_dim(inputs[i], &err);
      if (!b) goto fail;
      seam_tensor_free(inputs[i]);
      inputs[i] = b;
    } else if (info.rank >= 1 && inputs[i]->rank == info.rank && info.dims[0] == 1 &&
               inputs[i]->dims[0] > 1) {
      batch = inputs[i]->dims[0];
    }
  }
  t0 = seam_clock_ms();
  seam_status st;
  if (a.repeat) {
    rc = cli_run_repeat(edge.session, (size_t)a.n_inputs, names, (const seam_tensor *const *)inputs, n_out,
                        a.repeat, a.interval_ms, a.deadline_ms, outputs);
    for (int k = 0; rc == 0 && k < a.n_outputs && k < (int)n_out; k++)
      if (seam_tensor_save_npy(outputs[k], a.output_paths[k], &err) != SEAM_OK) goto fail;
    goto done;
  } else if (a.stream) {
    /* Every sample of the batch is a frame; the inputs share their batch. */
    batch = inputs[0]->rank > 0 ? inputs[0]->dims[0] : 1;
    for (int i = 1; i < a.n_inputs; i++)
      if (inputs[i]->rank < 1 || inputs[i]->dims[0] != batch) {
        fprintf(stderr, "seam run: --stream needs inputs with one batch size\n");
        goto done;
      }
    st = cli_run_stream(edge.session, (size_t)a.n_inputs, names, inputs, batch, n_out, outputs,
                        &edge.totals, &err);
  } else if (batch > 1) {
    st = run_per_sample(model, &edge, a.n_inputs, names, inputs, batch, n_out, outputs, &err);
  } else {
    st = run_once(model, &edge, (size_t)a.n_inputs, names, (const seam_tensor *const *)inputs,
                  n_out, outputs, &err);
  }
  double t_run = seam_clock_ms() - t0;
  if (st != SEAM_OK) goto fail;
  printf("model %s: loaded in %.1f ms, ran in %.2f ms%s\n", a.model, t_load, t_run,
         a.stream ? " (one stream frame per sample)"
                  : batch > 1 ? " (batch run sample by sample)" : "");
  for (size_t o = 0; o < n_out; o++) {
    seam_value_info info;
    seam_model_output_info(model, o, &info);
    print_summary(info.name, outputs[o]);
  }
  if (a.labels && print_top_classes(outputs[0], a.labels) != 0) goto done;
  print_timing(&a, &edge);
  for (int k = 0; k < a.n_outputs; k++) {
    size_t o = 0;
    if (a.output_names[k]) {
      for (o = 0; o < n_out; o++) {
        seam_value_info info;
        seam_model_output_info(model, o, &info);
        if (strcmp(info.name, a.output_names[k]) == 0) break;
      }
      if (o == n_out) {
        fprintf(stderr, "seam run: the model has no output named '%s'\n", a.output_names[k]);
        goto done;
      }
    }
    if (seam_tensor_save_npy(outputs[o], a.output_paths[k], &err) != SEAM_OK) goto fail;
  }
  rc = 0;
  goto done;
fail:
  fprintf(stderr, "seam run: %s\n", err.message);
done:
  for (int i = 0; i < MAX_IO; i++) {
    seam_tensor_free(inputs[i]);
    seam_tensor_free(outputs[i]);
  }
  seam_model_free(m);
  seam_edge_close(edge.session);
  return rc;
}

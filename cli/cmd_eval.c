/* seam eval — top-1 accuracy of a classifier on a labelled .npy set, and
 * optionally a second model's accuracy and the top-1 agreement of the two
 * (FP32 against its INT8 version). The last line is one JSON object. */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/calib_set.h"
#include "cli/commands.h"
#include "runtime/tensor.h"

static void eval_usage(FILE *out) {
  fprintf(out,
          "usage: seam eval --model M.onnx --images X.npy --labels Y.npy [--batch N]\n"
          "                 [--compare M2.onnx] [--threads N]\n\n"
          "Top-1 accuracy of a classifier: X.npy holds the images with the batch on axis\n"
          "0 (the model's input shape otherwise), Y.npy one integer label per image\n"
          "(int64 or int32). The model's first output must be [batch, classes]. Images\n"
          "run --batch at a time (default 64; a model with a fixed batch size runs that\n"
          "many). --compare also evaluates a second model on the same images and counts\n"
          "how often the two agree on the top class. Progress goes to stderr; the last\n"
          "line is one JSON object: model, n, correct, accuracy (and model_2, correct_2,\n"
          "accuracy_2, agreement with --compare).\n");
}

typedef struct evaluated {
  const char *path;
  seam_model *m;
  const char *input_name;
  int64_t fixed_batch; /* > 0 when the model fixes it */
  int64_t correct;
  int64_t *top; /* per image */
} evaluated;

static int open_model(evaluated *e, int threads, const seam_tensor *images) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.num_threads = threads;
  seam_error err = {0};
  if (!(e->m = seam_model_load_with(e->path, &opts, &err))) {
    fprintf(stderr, "seam eval: %s\n", err.message);
    return -1;
  }
  if (seam_model_input_count(e->m) != 1 || seam_model_output_count(e->m) < 1) {
    fprintf(stderr, "seam eval: %s: a classifier with one input is needed (it has %zu inputs)\n", e->path,
            seam_model_input_count(e->m));
    return -1;
  }
  seam_value_info in;
  seam_model_input_info(e->m, 0, &in);
  e->input_name = in.name;
  if (in.rank >= 0 && in.rank != images->rank) {
    char got[160];
    fprintf(stderr, "seam eval: %s: input '%s' has rank %d, the images %s (batch on axis 0)\n", e->path, in.name,
            in.rank, seam_shape_str(images->rank, images->dims, got, sizeof got));
    return -1;
  }
  e->fixed_batch = in.rank >= 1 && in.dims[0] > 0 ? in.dims[0] : 0;
  if (!(e->top = malloc(sizeof(int64_t) * (size_t)(images->dims[0] + 1)))) {
    fprintf(stderr, "seam eval: out of memory\n");
    return -1;
  }
  return 0;
}

/* Runs images [start, start + n) (padded with zeros to a fixed batch) and
 * records the top class of each. */
static int run_batch(evaluated *e, const seam_tensor *images, int64_t start, int64_t n) {
  int64_t batch = e->fixed_batch > 0 ? e->fixed_batch : n;
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, images->dims, sizeof dims);
  dims[0] = batch;
  seam_error err = {0};
  seam_tensor *x = seam_tensor_create(images->dtype, (size_t)images->rank, dims, &err), *y = NULL;
  if (!x) {
    fprintf(stderr, "seam eval: %s\n", err.message);
    return -1;
  }
  size_t per = seam_tensor_nbytes(x) / (size_t)batch;
  memcpy(x->data, (const char *)images->data + (size_t)start * per, per * (size_t)n);
  const seam_tensor *in = x;
  size_t n_out = seam_model_output_count(e->m);
  seam_tensor **outs = calloc(n_out, sizeof *outs);
  int rc = -1;
  if (!outs) {
    fprintf(stderr, "seam eval: out of memory\n");
    goto out;
  }
  if (seam_model_run(e->m, 1, &e->input_name, &in, n_out, NULL, outs, &err) != SEAM_OK) {
    fprintf(stderr, "\nseam eval: %s: %s\n", e->path, err.message);
    goto out;
  }
  y = outs[0];
  if (y->rank != 2 || y->dims[0] != batch || y->dims[1] < 1 || !seam_dtype_is_float(y->dtype)) {
    char got[160];
    fprintf(stderr, "\nseam eval: %s: the first output is %s %s, not [batch, classes] scores\n", e->path,
            seam_dtype_name(y->dtype), seam_shape_str(y->rank, y->dims, got, sizeof got));
    goto out;
  }
  for (int64_t b = 0; b < n; b++) {
    int64_t best = 0, classes = y->dims[1];
    for (int64_t k = 1; k < classes; k++)
      if (seam_tensor_get_f64(y, b * classes + k) > seam_tensor_get_f64(y, b * classes + best)) best = k;
    e->top[start + b] = best;
  }
  rc = 0;
out:
  for (size_t o = 0; outs && o < n_out; o++) seam_tensor_free(outs[o]);
  free(outs);
  seam_tensor_free(x);
  return rc;
}

int cmd_eval(int argc, char **argv) {
  const char *images_path = NULL, *labels_path = NULL;
  evaluated models[2] = {{0}};
  int n_models = 1, threads = 0, batch = 64;
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      eval_usage(stdout);
      return 0;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam eval: %s needs a value\n", opt);
      return 2;
    }
    const char *val = argv[++i];
    int r = 0;
    if (strcmp(opt, "--model") == 0) models[0].path = val;
    else if (strcmp(opt, "--compare") == 0) models[1].path = val, n_models = 2;
    else if (strcmp(opt, "--images") == 0) images_path = val;
    else if (strcmp(opt, "--labels") == 0) labels_path = val;
    else if (strcmp(opt, "--batch") == 0) r = cli_parse_count("eval", opt, val, 1, &batch);
    else if (strcmp(opt, "--threads") == 0) r = cli_parse_count("eval", opt, val, 0, &threads);
    else {
      fprintf(stderr, "seam eval: unknown option '%s'\n", opt);
      eval_usage(stderr);
      return 2;
    }
    if (r) return 2;
  }
  if (!models[0].path || !images_path || !labels_path) {
    eval_usage(stderr);
    return 2;
  }
  int rc = 1;
  seam_error err = {0};
  seam_tensor *images = seam_tensor_load_npy(images_path, &err), *labels = NULL;
  cJSON *json = NULL;
  char *text = NULL;
  if (!images) {
    fprintf(stderr, "seam eval: %s\n", err.message);
    goto done;
  }
  if (!(labels = seam_tensor_load_npy(labels_path, &err))) {
    fprintf(stderr, "seam eval: %s\n", err.message);
    goto done;
  }
  if (images->rank < 1 || images->dims[0] < 1) {
    fprintf(stderr, "seam eval: '%s' holds no images\n", images_path);
    goto done;
  }
  if ((labels->dtype != SEAM_DTYPE_INT64 && labels->dtype != SEAM_DTYPE_INT32) || labels->rank != 1 ||
      labels->dims[0] != images->dims[0]) {
    char got[160];
    fprintf(stderr, "seam eval: '%s' is %s %s; it must hold one int64 label per image (%lld)\n", labels_path,
            seam_dtype_name(labels->dtype), seam_shape_str(labels->rank, labels->dims, got, sizeof got),
            (long long)images->dims[0]);
    goto done;
  }
  int64_t n = images->dims[0];
  for (int k = 0; k < n_models; k++)
    if (open_model(&models[k], threads, images) != 0) goto done;
  for (int k = 0; k < n_models; k++) {
    evaluated *e = &models[k];
    int64_t step = e->fixed_batch > 0 ? e->fixed_batch : batch;
    char label[32];
    snprintf(label, sizeof label, n_models > 1 ? "model %d" : "evaluating", k + 1);
    for (int64_t s = 0; s < n; s += step) {
      int64_t count = n - s < step ? n - s : step;
      if (run_batch(e, images, s, count) != 0) goto done;
      cli_progress(label, (int)(s + count), (int)n);
    }
    for (int64_t i = 0; i < n; i++) e->correct += e->top[i] == seam_tensor_get_i64(labels, i);
  }
  int64_t agree = 0;
  if (n_models == 2)
    for (int64_t i = 0; i < n; i++) agree += models[0].top[i] == models[1].top[i];
  for (int k = 0; k < n_models; k++)
    printf("%s: top-1 accuracy %.2f %% (%lld / %lld)\n", models[k].path, 100.0 * (double)models[k].correct / (double)n,
           (long long)models[k].correct, (long long)n);
  if (n_models == 2)
    printf("top-1 agreement: %.2f %% (%lld / %lld)\n", 100.0 * (double)agree / (double)n, (long long)agree,
           (long long)n);
  json = cJSON_CreateObject();
  int ok = json && cJSON_AddStringToObject(json, "model", models[0].path) &&
           cJSON_AddNumberToObject(json, "n", (double)n) &&
           cJSON_AddNumberToObject(json, "correct", (double)models[0].correct) &&
           cJSON_AddNumberToObject(json, "accuracy", (double)models[0].correct / (double)n);
  if (ok && n_models == 2)
    ok = cJSON_AddStringToObject(json, "model_2", models[1].path) &&
         cJSON_AddNumberToObject(json, "correct_2", (double)models[1].correct) &&
         cJSON_AddNumberToObject(json, "accuracy_2", (double)models[1].correct / (double)n) &&
         cJSON_AddNumberToObject(json, "agreement", (double)agree / (double)n);
  if (!ok || !(text = cJSON_PrintUnformatted(json))) {
    fprintf(stderr, "seam eval: out of memory\n");
    goto done;
  }
  printf("%s\n", text);
  rc = 0;
done:
  cJSON_free(text);
  cJSON_Delete(json);
  for (int k = 0; k < 2; k++) {
    seam_model_free(models[k].m);
    free(models[k].top);
  }
  seam_tensor_free(images);
  seam_tensor_free(labels);
  return rc;
}

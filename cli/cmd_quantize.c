/* seam quantize — post-training static quantization into a QDQ-format ONNX
 * model: calibrate activation ranges on a folder of .npy samples
 * (runtime/quant/calibrate.h), write the QDQ model (runtime/quant/qdq.h),
 * and optionally report each quantized layer's error against FP32. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/calib_set.h"
#include "cli/commands.h"
#include "runtime/model.h"
#include "runtime/onnx_tensor.h"
#include "runtime/quant/calibrate.h"
#include "runtime/quant/qdq.h"

#define MAX_EXCLUDE 64

static void quantize_usage(FILE *out) {
  fprintf(out,
          "usage: seam quantize --model M.onnx --calib DIR --out Q.onnx\n"
          "                     [--method minmax|percentile|entropy] [--percentile 99.99]\n"
          "                     [--per-tensor] [--exclude NODE ...] [--fp32-after TENSOR]\n"
          "                     [--report] [--threads N]\n\n"
          "Post-training INT8 quantization. Runs every .npy in DIR (sorted; a file may hold\n"
          "a batch along axis 0) through the model, records the range of every activation\n"
          "that feeds or leaves a Conv, Gemm or MatMul, and writes a QDQ-format ONNX model:\n"
          "QuantizeLinear/DequantizeLinear pairs with per-tensor asymmetric int8\n"
          "activations, per-output-channel symmetric int8 weights (--per-tensor: one\n"
          "scale per weight) and int32 biases. Ranges: minmax (default), percentile (the\n"
          "--percentile of each tail, default 99.99), entropy (least KL divergence).\n"
          "--exclude keeps a node in FP32 (repeatable); --fp32-after keeps every node\n"
          "downstream of a tensor in FP32 (INT8 device head, FP32 cloud tail). --report\n"
          "prints each quantized node's error against FP32 on the calibration samples,\n"
          "worst first: alone (only that node quantized, from FP32 inputs) and in the\n"
          "whole QDQ model.\n");
}

typedef struct quantize_args {
  const char *model, *calib, *out, *fp32_after;
  const char *exclude[MAX_EXCLUDE];
  int n_exclude;
  seam_range_method method;
  double percentile;
  int per_tensor, report, threads;
} quantize_args;

static int parse_args(int argc, char **argv, quantize_args *a) {
  a->percentile = 99.99;
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      quantize_usage(stdout);
      return 1;
    }
    if (strcmp(opt, "--per-tensor") == 0) {
      a->per_tensor = 1;
      continue;
    }
    if (strcmp(opt, "--report") == 0) {
      a->report = 1;
      continue;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam quantize: %s needs a value\n", opt);
      return 2;
    }
    const char *val = argv[++i];
    if (strcmp(opt, "--model") == 0) a->model = val;
    else if (strcmp(opt, "--calib") == 0) a->calib = val;
    else if (strcmp(opt, "--out") == 0) a->out = val;
    else if (strcmp(opt, "--fp32-after") == 0) a->fp32_after = val;
    else if (strcmp(opt, "--exclude") == 0) {
      if (a->n_exclude >= MAX_EXCLUDE) {
        fprintf(stderr, "seam quantize: at most %d --exclude\n", MAX_EXCLUDE);
        return 2;
      }
      a->exclude[a->n_exclude++] = val;
    } else if (strcmp(opt, "--method") == 0) {
      if (strcmp(val, "minmax") == 0) a->method = SEAM_RANGE_MINMAX;
      else if (strcmp(val, "percentile") == 0) a->method = SEAM_RANGE_PERCENTILE;
      else if (strcmp(val, "entropy") == 0) a->method = SEAM_RANGE_ENTROPY;
      else {
        fprintf(stderr, "seam quantize: --method is minmax, percentile or entropy, got '%s'\n", val);
        return 2;
      }
    } else if (strcmp(opt, "--percentile") == 0) {
      char *end;
      errno = 0;
      a->percentile = strtod(val, &end);
      if (errno || *end || end == val || !(a->percentile > 50.0 && a->percentile <= 100.0)) {
        fprintf(stderr, "seam quantize: --percentile needs a number in (50, 100], got '%s'\n", val);
        return 2;
      }
    } else if (strcmp(opt, "--threads") == 0) {
      if (cli_parse_count("quantize", opt, val, 0, &a->threads) != 0) return 2;
    } else {
      fprintf(stderr, "seam quantize: unknown option '%s'\n", opt);
      quantize_usage(stderr);
      return 2;
    }
  }
  if (!a->model || !a->calib || !a->out) {
    quantize_usage(stderr);
    return 2;
  }
  return 0;
}

/* ---- calibration ---- */

typedef struct calib_run {
  seam_calib *calib;
  const char *input_name;
  const char *label;
  int total;
} calib_run;

static int calibrate_sample(void *user, int index, const seam_tensor *sample) {
  calib_run *r = user;
  seam_error err = {0};
  if (seam_calib_run(r->calib, 1, &r->input_name, &sample, &err) != SEAM_OK) {
    fprintf(stderr, "\nseam quantize: calibration sample %d: %s\n", index, err.message);
    return -1;
  }
  cli_progress(r->label, index + 1, r->total);
  return 0;
}

/* ---- the sensitivity report ---- */

typedef struct node_error {
  const seam_qdq_node *node;
  double ref2, alone2, whole2; /* sum of squares: reference, error alone, error in the whole model */
  int failed;
} node_error;

typedef struct report_run {
  const seam_model *fp32, *qdq;
  const char *input_name;
  node_error *e;
  int n;
  const char **fp32_names; /* outputs and activation inputs of every quantized node */
  int n_fp32;
  const char **qdq_names;  /* their outputs in the QDQ model */
  seam_tensor **fp32_out, **qdq_out;
  int total;
  seam_error err;
} report_run;

static int name_index(const char **names, int n, const char *name) {
  for (int i = 0; i < n; i++)
    if (strcmp(names[i], name) == 0) return i;
  return -1;
}

static void add_error(const seam_tensor *ref, const seam_tensor *got, double *ref2, double *err2, int *failed) {
  if (!ref || !got || ref->count != got->count || ref->dtype != SEAM_DTYPE_FLOAT32 ||
      got->dtype != SEAM_DTYPE_FLOAT32) {
    *failed = 1;
    return;
  }
  const float *a = ref->data, *b = got->data;
  for (int64_t i = 0; i < ref->count; i++) {
    double d = (double)b[i] - (double)a[i];
    if (ref2) *ref2 += (double)a[i] * a[i];
    *err2 += d * d;
  }
}

static int report_sample(void *user, int index, const seam_tensor *sample) {
  report_run *r = user;
  int rc = -1;
  if (seam_model_run(r->fp32, 1, &r->input_name, &sample, (size_t)r->n_fp32, r->fp32_names, r->fp32_out,
                     &r->err) != SEAM_OK ||
      seam_model_run(r->qdq, 1, &r->input_name, &sample, (size_t)r->n, r->qdq_names, r->qdq_out, &r->err) !=
          SEAM_OK)
    goto out;
  for (int k = 0; k < r->n; k++) {
    node_error *e = &r->e[k];
    const seam_tensor *ref = r->fp32_out[name_index(r->fp32_names, r->n_fp32, e->node->output)];
    add_error(ref, r->qdq_out[k], &e->ref2, &e->whole2, &e->failed);
    /* Alone: the QDQ model from this node's FP32 inputs. */
    const seam_tensor *given[2];
    for (int j = 0; j < e->node->n_inputs; j++)
      given[j] = r->fp32_out[name_index(r->fp32_names, r->n_fp32, e->node->inputs[j])];
    seam_tensor *alone = NULL;
    if (seam_model_run(r->qdq, (size_t)e->node->n_inputs, e->node->inputs, given, 1, &e->node->qdq_output,
                       &alone, &r->err) != SEAM_OK)
      goto out;
    add_error(ref, alone, NULL, &e->alone2, &e->failed);
    seam_tensor_free(alone);
  }
  cli_progress("report", index + 1, r->total);
  rc = 0;
out:
  if (rc) fprintf(stderr, "\nseam quantize: report, sample %d: %s\n", index, r->err.message);
  for (int k = 0; k < r->n_fp32; k++) seam_tensor_free(r->fp32_out[k]), r->fp32_out[k] = NULL;
  for (int k = 0; k < r->n; k++) seam_tensor_free(r->qdq_out[k]), r->qdq_out[k] = NULL;
  return rc;
}

static double sqnr_db(double ref2, double err2) {
  if (err2 <= 0) return INFINITY;
  return 10.0 * log10(ref2 / err2);
}

static int by_alone_error(const void *a, const void *b) {
  const node_error *x = a, *y = b;
  double rx = x->ref2 > 0 ? x->alone2 / x->ref2 : 0, ry = y->ref2 > 0 ? y->alone2 / y->ref2 : 0;
  return (rx < ry) - (rx > ry);
}

static int run_report(const seam_qdq_plan *plan, const seam_model *fp32, const void *qdq_bytes, size_t qdq_size,
                      const calib_set *set, int threads) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.optimize = 0;
  opts.num_threads = threads;
  seam_error err = {0};
  seam_model *qdq = seam_model_load_memory_with(qdq_bytes, qdq_size, NULL, &opts, &err);
  if (!qdq) {
    fprintf(stderr, "seam quantize: the QDQ model does not load: %s\n", err.message);
    return -1;
  }
  int n_nodes = seam_qdq_node_count(plan), rc = -1;
  report_run r = {.fp32 = fp32, .qdq = qdq, .input_name = set->input.name, .total = set->n_samples};
  r.e = calloc((size_t)n_nodes + 1, sizeof *r.e);
  r.fp32_names = calloc((size_t)n_nodes * 3 + 1, sizeof *r.fp32_names);
  r.qdq_names = calloc((size_t)n_nodes + 1, sizeof *r.qdq_names);
  r.fp32_out = calloc((size_t)n_nodes * 3 + 1, sizeof *r.fp32_out);
  r.qdq_out = calloc((size_t)n_nodes + 1, sizeof *r.qdq_out);
  if (!r.e || !r.fp32_names || !r.qdq_names || !r.fp32_out || !r.qdq_out) {
    fprintf(stderr, "seam quantize: out of memory\n");
    goto out;
  }
  for (int i = 0; i < n_nodes; i++) {
    const seam_qdq_node *node = seam_qdq_node_at(plan, i);
    if (!node->quantized) continue;
    r.e[r.n].node = node;
    r.qdq_names[r.n++] = node->qdq_output;
    const char *names[3] = {node->output, node->inputs[0], node->inputs[1]};
    for (int k = 0; k < 1 + node->n_inputs; k++)
      if (name_index(r.fp32_names, r.n_fp32, names[k]) < 0) r.fp32_names[r.n_fp32++] = names[k];
  }
  if (r.n == 0) {
    printf("report: no node was quantized\n");
    rc = 0;
    goto out;
  }
  if (calib_set_each(set, "quantize", report_sample, &r) != 0) goto out;
  qsort(r.e, (size_t)r.n, sizeof *r.e, by_alone_error);
  printf("\nper-node error against FP32 on %d calibration sample%s, worst first\n", set->n_samples,
         set->n_samples == 1 ? "" : "s");
  printf("  alone: only this node quantized, fed its FP32 inputs; in model: the whole QDQ model\n");
  printf("%-44s %-8s %12s %10s %12s %10s\n", "node", "op", "alone rel", "SQNR dB", "in model rel", "SQNR dB");
  for (int i = 0; i < r.n; i++) {
    const node_error *e = &r.e[i];
    const char *name = e->node->name;
    size_t len = strlen(name);
    char shown[48];
    snprintf(shown, sizeof shown, "%s%s", len > 44 ? ".." : "", len > 44 ? name + len - 42 : name);
    if (e->failed) {
      printf("%-44s %-8s %12s\n", shown, e->node->op_type, "(no comparable output)");
      continue;
    }
    double ref = e->ref2 > 0 ? e->ref2 : 1;
    printf("%-44s %-8s %12.5f %10.2f %12.5f %10.2f\n", shown, e->node->op_type, sqrt(e->alone2 / ref),
           sqnr_db(e->ref2, e->alone2), sqrt(e->whole2 / ref), sqnr_db(e->ref2, e->whole2));
  }
  rc = 0;
out:
  free(r.e);
  free(r.fp32_names);
  free(r.qdq_names);
  free(r.fp32_out);
  free(r.qdq_out);
  seam_model_free(qdq);
  return rc;
}

/* ---- the command ---- */

static int write_file(const char *path, const void *bytes, size_t size) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "seam quantize: cannot write '%s': %s\n", path, strerror(errno));
    return -1;
  }
  int ok = fwrite(bytes, 1, size, f) == size;
  if (fclose(f) != 0) ok = 0;
  if (!ok) fprintf(stderr, "seam quantize: cannot write '%s'\n", path);
  return ok ? 0 : -1;
}

static const char *method_name(seam_range_method m) {
  return m == SEAM_RANGE_PERCENTILE ? "percentile" : m == SEAM_RANGE_ENTROPY ? "entropy" : "minmax";
}

int cmd_quantize(int argc, char **argv) {
  quantize_args a = {0};
  int r = parse_args(argc, argv, &a);
  if (r) return r == 1 ? 0 : r;

  seam_error err = {0};
  size_t size = 0, qsize = 0;
  void *bytes = seam_read_file(a.model, &size, &err), *qbytes = NULL;
  if (!bytes) {
    fprintf(stderr, "seam quantize: %s\n", err.message);
    return 1;
  }
  char dir_buf[PATH_MAX];
  snprintf(dir_buf, sizeof dir_buf, "%s", a.model);
  const char *base_dir = dirname(dir_buf);

  int rc = 1;
  seam_qdq_plan *plan = NULL;
  seam_model *m = NULL;
  seam_calib *calib = NULL;
  calib_set set = {0};
  const char **names = NULL;
  seam_qdq_options qopt = {.per_tensor = a.per_tensor, .n_exclude = a.n_exclude, .exclude = a.exclude,
                           .fp32_after = a.fp32_after};
  if (!(plan = seam_qdq_plan_create(bytes, size, base_dir, &qopt, &err))) {
    fprintf(stderr, "seam quantize: %s\n", err.message);
    goto done;
  }
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.optimize = 0; /* every tensor of the original graph keeps its name */
  opts.num_threads = a.threads;
  if (!(m = seam_model_load_memory_with(bytes, size, base_dir, &opts, &err))) {
    fprintf(stderr, "seam quantize: %s\n", err.message);
    goto done;
  }
  if (calib_set_open(&set, a.calib, m, "quantize") != 0) goto done;

  int n_acts = seam_qdq_activation_count(plan);
  if (!(names = calloc((size_t)n_acts + 1, sizeof *names))) {
    fprintf(stderr, "seam quantize: out of memory\n");
    goto done;
  }
  for (int i = 0; i < n_acts; i++) names[i] = seam_qdq_activation_name(plan, i);
  if (!(calib = seam_calib_create(m, n_acts, names, &err))) {
    fprintf(stderr, "seam quantize: %s\n", err.message);
    goto done;
  }
  int passes = a.method == SEAM_RANGE_MINMAX ? 1 : 2;
  for (int pass = 0; n_acts > 0 && pass < passes; pass++) {
    calib_run run = {.calib = calib, .input_name = set.input.name, .total = set.n_samples,
                     .label = pass == 0 ? "calibrating" : "histograms"};
    if (seam_calib_start_pass(calib, pass, &err) != SEAM_OK) {
      fprintf(stderr, "seam quantize: %s\n", err.message);
      goto done;
    }
    if (calib_set_each(&set, "quantize", calibrate_sample, &run) != 0) goto done;
  }
  for (int i = 0; i < n_acts; i++) {
    float lo, hi;
    if (seam_calib_range(calib, i, a.method, a.percentile, &lo, &hi, &err) != SEAM_OK) {
      fprintf(stderr, "seam quantize: %s\n", err.message);
      goto done;
    }
    seam_qdq_set_range(plan, i, lo, hi);
  }
  int clipped = 0;
  if (seam_qdq_write(plan, &qbytes, &qsize, &clipped, &err) != SEAM_OK) {
    fprintf(stderr, "seam quantize: %s\n", err.message);
    goto done;
  }
  if (write_file(a.out, qbytes, qsize) != 0) goto done;

  int n_nodes = seam_qdq_node_count(plan), n_quant = 0;
  for (int i = 0; i < n_nodes; i++) n_quant += seam_qdq_node_at(plan, i)->quantized;
  printf("seam quantize: %s -> %s\n", a.model, a.out);
  printf("  calibration: %d sample%s from %d file%s in %s; ranges by %s", set.n_samples,
         set.n_samples == 1 ? "" : "s", set.n_files, set.n_files == 1 ? "" : "s", a.calib, method_name(a.method));
  if (a.method == SEAM_RANGE_PERCENTILE) printf(" (%g)", a.percentile);
  printf("\n  quantized %d of %d Conv/Gemm/MatMul nodes (weights per %s), %d activation tensor%s\n", n_quant,
         n_nodes, a.per_tensor ? "tensor" : "channel", n_acts, n_acts == 1 ? "" : "s");
  for (int i = 0; i < n_nodes; i++) {
    const seam_qdq_node *node = seam_qdq_node_at(plan, i);
    if (!node->quantized) printf("  FP32: %s (%s): %s\n", node->name, node->op_type, node->reason);
  }
  if (seam_qdq_source_opset(plan) < 13) printf("  opset raised from %d to 13\n", seam_qdq_source_opset(plan));
  if (clipped) printf("  warning: %d bias value%s saturated int32\n", clipped, clipped == 1 ? "" : "s");
  printf("  wrote %zu bytes (FP32 model: %zu bytes)\n", qsize, size);
  if (a.report && run_report(plan, m, qbytes, qsize, &set, a.threads) != 0) goto done;
  rc = 0;
done:
  free(names);
  seam_calib_free(calib);
  calib_set_free(&set);
  seam_model_free(m);
  seam_qdq_plan_free(plan);
  free(bytes);
  free(qbytes);
  return rc;
}

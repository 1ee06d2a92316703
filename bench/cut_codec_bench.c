/* cut_codec_bench — bytes on the wire for every candidate cut of a model, in
 * every wire encoding.
 *
 *   cut_codec_bench --model M.onnx --input X.npy --csv OUT.csv [--sample K]
 *                   [--name NAME] [--runs N] [--threads N] [--image]
 *
 * Measures the model on one sample (item K of the input's first dimension)
 * with the plain executor (partitioner/measure.h) and lists its candidate
 * cuts (partitioner/frontier.h); runs it once more for the tensors that
 * belong to a cut; encodes and decodes each of them in each encoding (RAW
 * FP32, F16, INT8, INT8+zstd 1, INT8+zstd 3; INT8 from the tensor's own
 * min/max) --runs times, the way the edge sends it (tensors other than
 * float32 travel RAW, with the same zstd level); and writes one CSV row per
 * cut: its tensors and shapes, the multiply-adds on each side, and per
 * encoding the bytes on the wire (the Tensor.payload sizes of its tensors),
 * those bytes divided by the float32 input (what a cloud-only run sends as
 * RAW) and, with --image, by the input as 8-bit image bytes (one byte per
 * element), the median encode and decode times summed over its tensors, and
 * the largest absolute error after decoding. Progress goes to stderr. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/codec_common.h"
#include "common/error.h"
#include "partitioner/frontier.h"
#include "partitioner/measure.h"
#include "runtime/model.h"
#include "runtime/tensor.h"

typedef struct encoding {
  const char *key; /* CSV column prefix */
  seam_encoding enc;
  int level;
} encoding;

static const encoding ENCODINGS[] = {
    {"raw", SEAM_ENCODING_RAW, 0},         {"f16", SEAM_ENCODING_F16, 0},
    {"int8", SEAM_ENCODING_INT8, 0},       {"int8_zstd1", SEAM_ENCODING_INT8, 1},
    {"int8_zstd3", SEAM_ENCODING_INT8, 3},
};
#define N_ENC (sizeof ENCODINGS / sizeof ENCODINGS[0])

/* A CSV field: quoted, with quotes doubled. */
static void csv_text(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"') fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

static void csv_header(FILE *f, bool image) {
  fprintf(f, "model,position,after_node,n_tensors,tensors,shapes,elements,head_macs,total_macs,head_macs_pct,"
             "input_f32_bytes,input_image_bytes");
  for (size_t k = 0; k < N_ENC; k++) {
    const char *p = ENCODINGS[k].key;
    fprintf(f, ",%s_bytes,%s_vs_f32_input", p, p);
    if (image) fprintf(f, ",%s_vs_image", p);
    fprintf(f, ",%s_encode_us,%s_decode_us,%s_max_abs_error", p, p, p);
  }
  fputc('\n', f);
}

/* One row: the cut's figures are sums over its tensors (max for the error). */
static void csv_row(FILE *f, const char *model, const part_dag *d, const part_frontier *cut,
                    seam_tensor *const *kept, codec_measure (*m)[N_ENC], int64_t in_elements, bool image) {
  int64_t total = cut->head_macs + cut->tail_macs, elements = 0;
  char shape[128];
  fprintf(f, "%s,%d,", model, cut->position);
  csv_text(f, part_frontier_after(d, cut));
  fprintf(f, ",%d,", cut->n_tensors);
  size_t cap = 16;
  for (int i = 0; i < cut->n_tensors; i++) cap += strlen(d->tensors[cut->tensors[i]].name) + sizeof shape + 2;
  char *names = calloc(cap, 1), *shapes = calloc(cap, 1);
  for (int i = 0; names && shapes && i < cut->n_tensors; i++) {
    const seam_tensor *t = kept[cut->tensors[i]];
    if (i) {
      strcat(names, ";");
      strcat(shapes, ";");
    }
    strcat(names, d->tensors[cut->tensors[i]].name);
    strcat(shapes, seam_shape_str(t->rank, t->dims, shape, sizeof shape));
    elements += t->count;
  }
  csv_text(f, names ? names : "");
  fputc(',', f);
  csv_text(f, shapes ? shapes : "");
  free(names);
  free(shapes);
  fprintf(f, ",%lld,%lld,%lld,%.3f,%lld,%lld", (long long)elements, (long long)cut->head_macs, (long long)total,
          total ? 100.0 * (double)cut->head_macs / (double)total : 0.0, (long long)in_elements * 4,
          (long long)in_elements);
  for (size_t k = 0; k < N_ENC; k++) {
    double bytes = 0, enc = 0, dec = 0, err = 0;
    for (int i = 0; i < cut->n_tensors; i++) {
      const codec_measure *x = &m[cut->tensors[i]][k];
      bytes += (double)x->bytes;
      enc += x->encode_us;
      dec += x->decode_us;
      if (x->max_abs_error > err) err = x->max_abs_error;
    }
    fprintf(f, ",%.0f,%.5f", bytes, bytes / (double)(in_elements * 4));
    if (image) fprintf(f, ",%.5f", bytes / (double)in_elements);
    fprintf(f, ",%.2f,%.2f,%.4g", enc, dec, err);
  }
  fputc('\n', f);
}

/* kept[t] (by tensor of d; NULL for one in no cut): every tensor that
 * belongs to a cut, from one more run of the model on the input. */
static seam_status keep_cut_tensors(const seam_model *model, const char *input_name, const seam_tensor *input,
                                    const part_dag *d, const part_frontier_list *cuts, seam_tensor **kept,
                                    seam_error *err) {
  bool *in_cut = calloc((size_t)d->n_tensors + 1, sizeof *in_cut);
  int *which = malloc(sizeof(int) * ((size_t)d->n_tensors + 1)), n = 0;
  const char **names = calloc((size_t)d->n_tensors + 1, sizeof *names);
  seam_tensor **outs = calloc((size_t)d->n_tensors + 1, sizeof *outs);
  seam_status st = in_cut && which && names && outs ? SEAM_OK : seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int c = 0; st == SEAM_OK && c < cuts->n; c++)
    for (int i = 0; i < cuts->frontiers[c].n_tensors; i++) in_cut[cuts->frontiers[c].tensors[i]] = true;
  for (int t = 0; st == SEAM_OK && t < d->n_tensors; t++)
    if (in_cut[t]) {
      which[n] = t;
      names[n++] = d->tensors[t].name;
    }
  if (st == SEAM_OK) st = seam_model_run(model, 1, &input_name, &input, (size_t)n, names, outs, err);
  for (int i = 0; st == SEAM_OK && i < n; i++) kept[which[i]] = outs[i];
  free(in_cut);
  free(which);
  free(names);
  free(outs);
  return st;
}

/* Encodes every kept tensor in every encoding. */
static int measure_all(const part_dag *d, seam_tensor *const *kept, int runs, codec_measure (*m)[N_ENC]) {
  int total = 0, done = 0, rc = 0;
  for (int t = 0; t < d->n_tensors; t++) total += kept[t] != NULL;
  char shape[128];
  for (int v = 0; v < d->n_tensors && rc == 0; v++) {
    const seam_tensor *t = kept[v];
    const char *name = d->tensors[v].name;
    if (!t) continue;
    fprintf(stderr, "\r[%d/%d tensors] %-60.60s %-18s", ++done, total, name,
            seam_shape_str(t->rank, t->dims, shape, sizeof shape));
    for (size_t k = 0; k < N_ENC && rc == 0; k++) {
      seam_codec_options opt = {.encoding = ENCODINGS[k].enc, .zstd_level = ENCODINGS[k].level};
      if (t->dtype != SEAM_DTYPE_FLOAT32) opt.encoding = SEAM_ENCODING_RAW; /* as the edge sends it */
      seam_error err;
      if (codec_measure_tensor(t, name, &opt, runs, &m[v][k], &err) != SEAM_OK) {
        fprintf(stderr, "\ncut_codec_bench: '%s' (%s): %s\n", name, ENCODINGS[k].key, err.message);
        rc = 1;
      }
    }
  }
  fprintf(stderr, "\n");
  return rc;
}

static void usage(FILE *f) {
  fprintf(f, "usage: cut_codec_bench --model M.onnx --input X.npy --csv OUT.csv [--sample K] [--name NAME]\n"
             "                       [--runs N] [--threads N] [--image]\n");
}

int main(int argc, char **argv) {
  const char *model_path = NULL, *input_path = NULL, *csv_path = NULL, *name = NULL;
  int runs = 5, threads = 1;
  long long sample = 0;
  bool image = false;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--help")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--image")) {
      image = true;
      continue;
    }
    if (i + 1 >= argc) {
      usage(stderr);
      return 2;
    }
    const char *opt = argv[i], *v = argv[++i];
    if (!strcmp(opt, "--model")) model_path = v;
    else if (!strcmp(opt, "--input")) input_path = v;
    else if (!strcmp(opt, "--csv")) csv_path = v;
    else if (!strcmp(opt, "--name")) name = v;
    else if (!strcmp(opt, "--sample")) sample = atoll(v);
    else if (!strcmp(opt, "--runs")) runs = atoi(v);
    else if (!strcmp(opt, "--threads")) threads = atoi(v);
    else {
      usage(stderr);
      return 2;
    }
  }
  if (!model_path || !input_path || !csv_path || runs < 1 || threads < 0) {
    usage(stderr);
    return 2;
  }
  if (!name) name = model_path;

  /* The plain executor reports every node, shape computations included. */
  seam_model_options mo;
  seam_model_options_default(&mo);
  mo.plan = 0;
  mo.num_threads = threads;
  seam_error err = {0};
  seam_tensor *input = NULL;
  const char *input_name = NULL;
  seam_model *model = bench_load(model_path, &mo, input_path, sample, &input, &input_name, &err);
  if (!model) {
    fprintf(stderr, "cut_codec_bench: %s\n", err.message);
    return 1;
  }
  int rc = 1;
  part_dag d = {0};
  part_frontier_list cuts = {0};
  seam_tensor **kept = NULL;
  codec_measure (*m)[N_ENC] = NULL;
  FILE *csv = NULL;
  char shape[128];
  fprintf(stderr, "%s: running %s on %s\n", name, model_path,
          seam_shape_str(input->rank, input->dims, shape, sizeof shape));
  const seam_tensor *ins[1] = {input};
  part_measure_options po = {.n_inputs = 1, .input_names = &input_name, .inputs = ins};
  if (part_measure(model, &po, &d, &err) != SEAM_OK || part_frontiers(&d, &cuts, &err) != SEAM_OK) {
    fprintf(stderr, "cut_codec_bench: %s\n", err.message);
    goto done;
  }
  kept = calloc((size_t)d.n_tensors + 1, sizeof *kept);
  m = calloc((size_t)d.n_tensors + 1, sizeof *m);
  if (!kept || !m) {
    fprintf(stderr, "cut_codec_bench: out of memory\n");
    goto done;
  }
  if (keep_cut_tensors(model, input_name, input, &d, &cuts, kept, &err) != SEAM_OK) {
    fprintf(stderr, "cut_codec_bench: %s\n", err.message);
    goto done;
  }
  fprintf(stderr, "%s: %d candidate cuts; encoding their tensors %d times each in %zu encodings\n", name, cuts.n,
          runs, N_ENC);
  if (measure_all(&d, kept, runs, m) != 0) goto done;
  if (!(csv = fopen(csv_path, "w"))) {
    fprintf(stderr, "cut_codec_bench: cannot write '%s'\n", csv_path);
    goto done;
  }
  csv_header(csv, image);
  for (int c = 0; c < cuts.n; c++) csv_row(csv, name, &d, &cuts.frontiers[c], kept, m, input->count, image);
  rc = fclose(csv) == 0 ? 0 : 1;
  if (rc) fprintf(stderr, "cut_codec_bench: cannot write '%s'\n", csv_path);
  else fprintf(stderr, "%s: wrote %d rows to %s\n", name, cuts.n, csv_path);
done:
  for (int t = 0; kept && t < d.n_tensors; t++) seam_tensor_free(kept[t]);
  free(kept);
  free(m);
  part_frontier_list_free(&cuts);
  part_dag_free(&d);
  seam_tensor_free(input);
  seam_model_free(model);
  return rc;
}

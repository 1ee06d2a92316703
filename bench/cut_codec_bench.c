/* cut_codec_bench — bytes on the wire for every candidate cut of a model, in
 * every wire encoding.
 *
 *   cut_codec_bench --model M.onnx --input X.npy --csv OUT.csv [--sample K]
 *                   [--name NAME] [--runs N] [--threads N] [--image]
 *
 * Runs the model once on one sample (item K of the input's first dimension)
 * with the plain executor, keeping every tensor it computes; enumerates the
 * candidate cuts (partitioner/cuts.h); encodes and decodes every tensor that
 * belongs to a cut in each encoding (RAW FP32, F16, INT8, INT8+zstd 1,
 * INT8+zstd 3; INT8 from the tensor's own min/max) --runs times, the way the
 * edge sends it (tensors other than float32 travel RAW, with the same zstd
 * level); and writes one CSV row per cut: its tensors and shapes, the
 * multiply-adds on each side, and per encoding the bytes on the wire (the
 * Tensor.payload sizes of its tensors), those bytes divided by the float32
 * input (what a cloud-only run sends as RAW) and, with --image, by the input
 * as 8-bit image bytes (one byte per element), the median encode and decode
 * times summed over its tensors, and the largest absolute error after
 * decoding. Progress goes to stderr. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/codec_common.h"
#include "runtime/macs.h"
#include "partitioner/cuts.h"
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

/* What one observed run leaves: every computed tensor and every node's MACs. */
typedef struct observed {
  const seam_graph *g;
  seam_tensor **kept;  /* by value index */
  int64_t *value_bytes, *node_macs;
  bool failed;
} observed;

static void keep(void *user, const seam_node *node, const seam_tensor *const *in, seam_tensor *const *out) {
  observed *o = user;
  o->node_macs[node - o->g->nodes] = seam_node_macs(node, in, out);
  for (int k = 0; k < node->n_outputs; k++) {
    int v = node->outputs[k];
    if (v < 0 || !out[k] || o->kept[v]) continue;
    seam_error err;
    if (!(o->kept[v] = seam_tensor_clone(out[k], &err))) o->failed = true;
    o->value_bytes[v] = (int64_t)seam_tensor_nbytes(out[k]);
  }
}

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
static void csv_row(FILE *f, const char *model, const seam_graph *g, const seam_cut *cut, const observed *o,
                    codec_measure (*m)[N_ENC], int64_t in_elements, bool image) {
  int64_t total = cut->head_macs + cut->tail_macs, elements = 0;
  char shape[128];
  fprintf(f, "%s,%d,", model, cut->position);
  csv_text(f, cut->position ? g->nodes[cut->position - 1].name : "");
  fprintf(f, ",%d,", cut->n_tensors);
  size_t cap = 16;
  for (int i = 0; i < cut->n_tensors; i++) cap += strlen(g->values[cut->values[i]].name) + sizeof shape + 2;
  char *names = calloc(cap, 1), *shapes = calloc(cap, 1);
  for (int i = 0; names && shapes && i < cut->n_tensors; i++) {
    const seam_tensor *t = o->kept[cut->values[i]];
    if (i) {
      strcat(names, ";");
      strcat(shapes, ";");
    }
    strcat(names, g->values[cut->values[i]].name);
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
      const codec_measure *x = &m[cut->values[i]][k];
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

/* Encodes every tensor that belongs to a cut in every encoding. */
static int measure_all(const seam_graph *g, const seam_cut_list *cuts, const observed *o, int runs,
                       codec_measure (*m)[N_ENC]) {
  bool *in_cut = calloc((size_t)g->n_values + 1, sizeof *in_cut);
  if (!in_cut) return 1;
  int total = 0, done = 0;
  for (int c = 0; c < cuts->n; c++)
    for (int i = 0; i < cuts->cuts[c].n_tensors; i++) {
      int v = cuts->cuts[c].values[i];
      total += !in_cut[v];
      in_cut[v] = true;
    }
  int rc = 0;
  char shape[128];
  for (int v = 0; v < g->n_values && rc == 0; v++) {
    if (!in_cut[v]) continue;
    const seam_tensor *t = o->kept[v];
    if (!t) {
      fprintf(stderr, "cut_codec_bench: the run did not compute '%s'\n", g->values[v].name);
      rc = 1;
      break;
    }
    fprintf(stderr, "\r[%d/%d tensors] %-60.60s %-18s", ++done, total, g->values[v].name,
            seam_shape_str(t->rank, t->dims, shape, sizeof shape));
    for (size_t k = 0; k < N_ENC && rc == 0; k++) {
      seam_codec_options opt = {.encoding = ENCODINGS[k].enc, .zstd_level = ENCODINGS[k].level};
      if (t->dtype != SEAM_DTYPE_FLOAT32) opt.encoding = SEAM_ENCODING_RAW; /* as the edge sends it */
      seam_error err;
      if (codec_measure_tensor(t, g->values[v].name, &opt, runs, &m[v][k], &err) != SEAM_OK) {
        fprintf(stderr, "\ncut_codec_bench: '%s' (%s): %s\n", g->values[v].name, ENCODINGS[k].key, err.message);
        rc = 1;
      }
    }
  }
  fprintf(stderr, "\n");
  free(in_cut);
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
  const seam_graph *g = model->graph;
  int rc = 1;
  observed o = {.g = g};
  o.kept = calloc((size_t)g->n_values + 1, sizeof *o.kept);
  o.value_bytes = calloc((size_t)g->n_values + 1, sizeof *o.value_bytes);
  o.node_macs = calloc((size_t)g->n_nodes + 1, sizeof *o.node_macs);
  seam_tensor **outs = calloc((size_t)g->n_outputs + 1, sizeof *outs);
  codec_measure (*m)[N_ENC] = calloc((size_t)g->n_values + 1, sizeof *m);
  seam_cut_list cuts = {0};
  FILE *csv = NULL;
  int in_v = seam_graph_find_value(g, input_name);
  if (!o.kept || !o.value_bytes || !o.node_macs || !outs || !m || in_v < 0 ||
      !(o.kept[in_v] = seam_tensor_clone(input, &err))) {
    fprintf(stderr, "cut_codec_bench: out of memory\n");
    goto done;
  }
  o.value_bytes[in_v] = (int64_t)seam_tensor_nbytes(input);
  char shape[128];
  fprintf(stderr, "%s: running %s once on %s\n", name, model_path,
          seam_shape_str(input->rank, input->dims, shape, sizeof shape));
  seam_node_observer obs = {.after_node = keep, .user = &o};
  const seam_tensor *ins[1] = {input};
  if (seam_model_run_observed(model, 1, &input_name, ins, (size_t)g->n_outputs, NULL, outs, &obs, &err) != SEAM_OK ||
      seam_cuts_enumerate(g, o.value_bytes, o.node_macs, &cuts, &err) != SEAM_OK) {
    fprintf(stderr, "cut_codec_bench: %s\n", err.message);
    goto done;
  }
  if (o.failed) {
    fprintf(stderr, "cut_codec_bench: out of memory keeping the run's tensors\n");
    goto done;
  }
  fprintf(stderr, "%s: %d candidate cuts; encoding their tensors %d times each in %zu encodings\n", name, cuts.n,
          runs, N_ENC);
  if (measure_all(g, &cuts, &o, runs, m) != 0) goto done;
  if (!(csv = fopen(csv_path, "w"))) {
    fprintf(stderr, "cut_codec_bench: cannot write '%s'\n", csv_path);
    goto done;
  }
  csv_header(csv, image);
  for (int c = 0; c < cuts.n; c++) csv_row(csv, name, g, &cuts.cuts[c], &o, m, input->count, image);
  rc = fclose(csv) == 0 ? 0 : 1;
  if (rc) fprintf(stderr, "cut_codec_bench: cannot write '%s'\n", csv_path);
  else fprintf(stderr, "%s: wrote %d rows to %s\n", name, cuts.n, csv_path);
done:
  for (int v = 0; o.kept && v < g->n_values; v++) seam_tensor_free(o.kept[v]);
  for (int i = 0; outs && i < g->n_outputs; i++) seam_tensor_free(outs[i]);
  free(o.kept);
  free(o.value_bytes);
  free(o.node_macs);
  free(outs);
  free(m);
  seam_cut_list_free(&cuts);
  seam_tensor_free(input);
  seam_model_free(model);
  return rc;
}

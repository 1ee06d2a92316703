/* Writes seed inputs for the cloud and codec fuzz targets: real requests of
 * the demo model, packed by the edge's own code (edge/wire.c) from tensors
 * the runtime computed on a sample image.
 *
 *   fuzz_make_requests MODEL.onnx SAMPLES.npy OUT_DIR
 *
 * OUT_DIR/cloud/  one file per request: a selector byte (the method, and
 *                 bit 8 "fix the identity", see fuzz_cloud.c) + the message
 *                 - Infer and InferStream for the cuts "image" (cloud only),
 *                   one tensor of the middle, one of the end, and two
 *                   tensors at once, with RAW, F16 and INT8, each without and
 *                   with zstd; replies asked as RAW, F16 or INT8(+zstd);
 *                   wanted tensors given or not;
 *                 - ModelInfo, Echo, health Check and Profile requests;
 * OUT_DIR/codec/  every Tensor message of those requests, and RAW tensors of
 *                 every dtype. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/sha256.h"
#include "edge/model_id.h"
#include "edge/wire.h"
#include "protocol/health.pb-c.h"
#include "protocol/seam.pb-c.h"
#include "runtime/tensor.h"
#include "seam/seam.h"

static const char *out_dir;
static int n_written;

static void die(const char *what, const char *detail) {
  fprintf(stderr, "fuzz_make_requests: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(1);
}

static void write_file(const char *sub, const char *name, uint8_t selector, int with_selector,
                       const uint8_t *data, size_t size) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
  FILE *f = fopen(path, "wb");
  if (!f) die("cannot write", path);
  int ok = (!with_selector || fputc(selector, f) != EOF) && fwrite(data, 1, size, f) == size;
  if (fclose(f) != 0 || !ok) die("short write", path);
  n_written++;
}

static void write_message(const char *sub, const char *name, uint8_t selector,
                          const ProtobufCMessage *msg) {
  size_t size = protobuf_c_message_get_packed_size(msg);
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) die("out of memory", NULL);
  protobuf_c_message_pack(msg, buf);
  write_file(sub, name, selector, 1, buf, size);
  free(buf);
}

/* Method selectors, as fuzz_cloud.c reads them (seam_cloud_methods order). */
enum { SEL_INFER = 0, SEL_MODEL_INFO = 1, SEL_ECHO = 2, SEL_HEALTH = 3, SEL_STREAM = 4,
       SEL_PROFILE = 5, SEL_FIX = 8 };

typedef struct cut {
  const char *label;
  size_t n;
  const char *names[2];
} cut;

static void record_cut(const edge_session_view *v, const cut *c, const seam_tensor *image) {
  seam_tensor *tensors[2] = {0};
  const char *input_name = "image";
  seam_error err;
  if (strcmp(c->names[0], "image") == 0) {
    tensors[0] = seam_tensor_clone(image, &err);
  } else if (seam_model_run(v->model, 1, &input_name, &image, c->n, c->names, tensors, &err) != SEAM_OK) {
    die(c->label, err.message);
  }
  static const struct {
    const char *label;
    seam_encoding encoding;
    int zstd;
  } codecs[] = {{"raw", SEAM_ENCODING_RAW, 0}, {"raw_zstd", SEAM_ENCODING_RAW, 3},
                {"f16", SEAM_ENCODING_F16, 0}, {"f16_zstd", SEAM_ENCODING_F16, 1},
                {"int8", SEAM_ENCODING_INT8, 0}, {"int8_zstd", SEAM_ENCODING_INT8, 1}};
  for (size_t k = 0; k < sizeof codecs / sizeof codecs[0]; k++) {
    edge_session_view view = *v;
    memset(&view.codec, 0, sizeof view.codec);
    view.codec.encoding = codecs[k].encoding;
    view.codec.zstd_level = codecs[k].zstd;
    uint8_t *buf;
    size_t size;
    if (edge_pack_request(&view, "fuzz-1", 0, c->n, c->names, NULL,
                          (const seam_tensor *const *)tensors, &buf, &size, NULL, &err) != SEAM_OK)
      die("packing", err.message);
    char name[128];
    snprintf(name, sizeof name, "infer_%s_%s", c->label, codecs[k].label);
    write_file("cloud", name, SEL_INFER | SEL_FIX, 1, buf, size);
    snprintf(name, sizeof name, "stream_%s_%s", c->label, codecs[k].label);
    write_file("cloud", name, SEL_STREAM, 1, buf, size);

    /* Variants of the same request: replies in another encoding, wanted
     * tensors, a budget; and its tensors alone for the codec target. */
    Seam__V1__InferRequest *rq = seam__v1__infer_request__unpack(NULL, size, buf);
    if (!rq) die("a packed request does not parse", NULL);
    for (size_t i = 0; i < rq->n_inputs; i++) {
      snprintf(name, sizeof name, "%s_%zu_%s", c->label, i, codecs[k].label);
      write_message("codec", name, 0, &rq->inputs[i]->base);
    }
    static char *wanted_logits[] = {"logits"};
    static char *wanted_mid[] = {"/stage2/relu2/Relu_output_0", "logits"};
    rq->reply_encoding = (Seam__V1__Encoding)(k % 3);
    rq->reply_zstd_level = (int32_t)(k / 3);
    rq->budget_ms = 60000;
    if (strcmp(c->label, "image") == 0) {
      rq->n_wanted = 2;
      rq->wanted = wanted_mid;
    } else {
      rq->n_wanted = 1;
      rq->wanted = wanted_logits;
    }
    snprintf(name, sizeof name, "infer_%s_%s_wanted", c->label, codecs[k].label);
    write_message("cloud", name, SEL_INFER | SEL_FIX, &rq->base);
    rq->n_wanted = 0;
    rq->wanted = NULL;
    seam__v1__infer_request__free_unpacked(rq, NULL);
    free(buf);
  }
  for (size_t i = 0; i < c->n; i++) seam_tensor_free(tensors[i]);
}

/* Small RAW tensors of every dtype (and a scalar, an empty one). */
static void record_dtypes(void) {
  static const seam_dtype dtypes[] = {
      SEAM_DTYPE_FLOAT32, SEAM_DTYPE_UINT8,   SEAM_DTYPE_INT8,    SEAM_DTYPE_UINT16,
      SEAM_DTYPE_INT16,   SEAM_DTYPE_INT32,   SEAM_DTYPE_INT64,   SEAM_DTYPE_BOOL,
      SEAM_DTYPE_FLOAT16, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_UINT32,  SEAM_DTYPE_UINT64};
  for (size_t k = 0; k < sizeof dtypes / sizeof dtypes[0]; k++) {
    int64_t dims[3] = {2, 3, 4};
    seam_error err;
    seam_tensor *t = seam_tensor_create(dtypes[k], 3, dims, &err);
    if (!t) die("tensor", err.message);
    uint8_t *p = seam_tensor_data(t);
    for (size_t i = 0; i < seam_tensor_nbytes(t); i++)
      p[i] = dtypes[k] == SEAM_DTYPE_BOOL ? (uint8_t)(i & 1) : (uint8_t)(i * 37 + 11);
    seam_codec_options o = {.encoding = SEAM_ENCODING_RAW};
    Seam__V1__Tensor msg;
    if (seam_codec_encode(t, "t", &o, &msg, NULL, &err) != SEAM_OK) die("encode", err.message);
    char name[64];
    snprintf(name, sizeof name, "dtype_%s", seam_dtype_name(dtypes[k]));
    write_message("codec", name, 0, &msg.base);
    seam_codec_msg_clear(&msg);
    seam_tensor_free(t);
  }
  seam_error err;
  seam_tensor *scalar = seam_tensor_create(SEAM_DTYPE_FLOAT32, 0, NULL, &err);
  int64_t zero[2] = {0, 5};
  seam_tensor *empty = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, zero, &err);
  if (!scalar || !empty) die("tensor", err.message);
  *(float *)seam_tensor_data(scalar) = -2.5f;
  for (int e = 0; e < 3; e++) {
    for (int z = 0; z < 2; z++) {
      seam_codec_options o = {.encoding = (seam_encoding)e, .zstd_level = z};
      const seam_tensor *ts[2] = {scalar, empty};
      for (int which = 0; which < 2; which++) {
        Seam__V1__Tensor msg;
        if (seam_codec_encode(ts[which], "s", &o, &msg, NULL, &err) != SEAM_OK)
          die("encode", err.message);
        char name[64];
        snprintf(name, sizeof name, "%s_%s%s", which ? "empty" : "scalar",
                 seam_encoding_name((seam_encoding)e), z ? "_zstd" : "");
        write_message("codec", name, 0, &msg.base);
        seam_codec_msg_clear(&msg);
      }
    }
  }
  seam_tensor_free(scalar);
  seam_tensor_free(empty);
}

static void record_other_methods(const edge_session_view *v) {
  Seam__V1__ModelInfoRequest mi = SEAM__V1__MODEL_INFO_REQUEST__INIT;
  mi.model_name = (char *)v->model_name;
  write_message("cloud", "model_info_name", SEL_MODEL_INFO, &mi.base);
  mi.model_sha256.data = (uint8_t *)v->sha256;
  mi.model_sha256.len = 32;
  write_message("cloud", "model_info_sha", SEL_MODEL_INFO, &mi.base);

  Seam__V1__EchoRequest echo = SEAM__V1__ECHO_REQUEST__INIT;
  static uint8_t payload[64];
  echo.payload.data = payload;
  echo.payload.len = sizeof payload;
  echo.reply_bytes = 1000;
  write_message("cloud", "echo", SEL_ECHO, &echo.base);

  Grpc__Health__V1__HealthCheckRequest health = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
  write_message("cloud", "health_all", SEL_HEALTH, &health.base);
  health.service = "seam.v1.Seam";
  write_message("cloud", "health_seam", SEL_HEALTH, &health.base);

  Seam__V1__ProfileRequest pr = SEAM__V1__PROFILE_REQUEST__INIT;
  pr.model_name = (char *)v->model_name;
  pr.model_sha256.data = (uint8_t *)v->sha256;
  pr.model_sha256.len = 32;
  pr.runs = 2;
  pr.warmup = 1;
  write_message("cloud", "profile", SEL_PROFILE | SEL_FIX, &pr.base);
  Seam__V1__DimValue dim = SEAM__V1__DIM_VALUE__INIT, *dims[1] = {&dim};
  dim.name = "N";
  dim.value = 2;
  pr.n_dims = 1;
  pr.dims = dims;
  write_message("cloud", "profile_dims", SEL_PROFILE | SEL_FIX, &pr.base);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fuzz_make_requests MODEL.onnx SAMPLES.npy OUT_DIR\n");
    return 2;
  }
  out_dir = argv[3];
  const char *subs[] = {"", "/cloud", "/codec"};
  for (int i = 0; i < 3; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", out_dir, subs[i]);
    if (mkdir(path, 0755) != 0 && errno != EEXIST) die("cannot make", path);
  }
  seam_error err;
  seam_model_options options;
  seam_model_options_default(&options);
  options.num_threads = 1;
  seam_model *model = seam_model_load_with(argv[1], &options, &err);
  if (!model) die("cannot load the model", err.message);
  seam_tensor *samples = seam_tensor_load_npy(argv[2], &err);
  if (!samples) die("cannot read the samples", err.message);
  /* The first sample image, [1, 1, 28, 28]. */
  int64_t dims[SEAM_MAX_RANK];
  size_t rank = seam_tensor_rank(samples);
  memcpy(dims, seam_tensor_dims(samples), rank * sizeof *dims);
  dims[0] = 1;
  seam_tensor *image = seam_tensor_create(seam_tensor_dtype(samples), rank, dims, &err);
  if (!image) die("tensor", err.message);
  memcpy(seam_tensor_data(image), seam_tensor_data_const(samples), seam_tensor_nbytes(image));

  uint8_t sha[32];
  if (!seam_sha256_file(argv[1], sha)) die("cannot hash", argv[1]);
  char *model_name = seam_edge_default_model_name(argv[1]);
  if (!model_name) die("out of memory", NULL);
  edge_session_view v;
  memset(&v, 0, sizeof v);
  v.model = model;
  v.model_name = model_name;
  v.sha256 = sha;
  v.kind = EDGE_CUT_SPLIT;

  const cut cuts[] = {
      {"image", 1, {"image"}},
      {"stage1", 1, {"/stage1/relu2/Relu_output_0"}},
      {"stage2", 1, {"/stage2/relu2/Relu_output_0"}},
      {"pair", 2, {"/stage2/conv2/Conv_output_0", "/stage2/shortcut/conv/Conv_output_0"}},
  };
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) record_cut(&v, &cuts[i], image);
  record_dtypes();
  record_other_methods(&v);
  printf("fuzz_make_requests: %d seeds in %s\n", n_written, out_dir);
  free(model_name);
  seam_tensor_free(image);
  seam_tensor_free(samples);
  seam_model_free(model);
  return 0;
}

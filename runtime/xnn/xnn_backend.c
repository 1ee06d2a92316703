#include "runtime/xnn/xnn_backend.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <xnnpack.h>

#include "common/error.h"
#include "runtime/xnn/vnni_conv.h"
#include "runtime/xnn/winograd.h"
#include "runtime/xnn/xnn_fallback.h"

_Static_assert(SEAM_XNN_EXTRA_BYTES == XNN_EXTRA_BYTES, "spare bytes after XNNPACK inputs");

typedef enum op_kind {
  KIND_CONV,
  KIND_QC8_CONV, /* QLinearConv: int8 in/out, per-channel (or per-tensor) int8 weights */
  KIND_VNNI_CONV, /* QLinearConv, group 1, on seam's AVX-512 VNNI kernel (vnni_conv.c) */
  KIND_WINOGRAD,
  KIND_FC,
  KIND_MAX_POOL,
  KIND_AVG_POOL,
  KIND_GLOBAL_AVG_POOL,
  KIND_BINARY,
  KIND_UNARY,
} op_kind;

typedef enum binary_kind { BIN_ADD, BIN_SUB, BIN_MUL, BIN_DIV } binary_kind;
typedef enum unary_kind { UN_CLAMP, UN_SIGMOID, UN_HARDSWISH, UN_LEAKY_RELU } unary_kind;

struct seam_xnn_op {
  op_kind kind;
  binary_kind binary;
  unary_kind unary, post_unary;
  xnn_operator_t op;
  xnn_operator_t post; /* fused HardSwish/Sigmoid applied in place on the output */
  seam_wino *wino;     /* KIND_WINOGRAD: a 3×3 stride-1 Conv (activation fused) */
  seam_vconv *vconv;   /* KIND_VNNI_CONV */
  size_t batch, height, width; /* spatial setup; width = H*W for global pooling */
  size_t rows;                 /* FC batch / unary element count */
  size_t post_count;
  size_t n_a, n_b;
  size_t shape_a[XNN_MAX_TENSOR_DIMS], shape_b[XNN_MAX_TENSOR_DIMS];
  float clamp_lo, clamp_hi; /* UN_CLAMP, which seam computes itself (NaN stays NaN) */
  /* Non-finite inputs: checked before each run, computed by the portable kernel. */
  seam_xnn_fallback fallback;
  bool b_is_const;
  const float *a, *b; /* the buffers bound by setup */
  float *out;
};

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool init_ok;

static void init_xnnpack(void) { init_ok = xnn_initialize(NULL) == xnn_status_success; }

bool seam_xnn_available(void) {
  pthread_once(&init_once, init_xnnpack);
  return init_ok;
}

static seam_status xnn_fail(seam_error *err, enum xnn_status st, const char *what) {
  return seam_fail(err, st == xnn_status_out_of_memory ? SEAM_ERR_NO_MEMORY : SEAM_ERR_INTERNAL,
                   "XNNPACK %s failed (status %d)", what, (int)st);
}

/* Output clamp of a fused activation (±inf when there is none). */
static void clamp_bounds(const seam_node *node, float *lo, float *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (node->act.kind == SEAM_ACT_CLAMP) {
    *lo = node->act.min;
    *hi = node->act.max;
  }
}

static bool is_f32(const seam_tensor *t) { return t && t->dtype == SEAM_DTYPE_FLOAT32; }

/* Reads a 2-element spatial attribute (kernel, strides, dilations) with a default. */
static bool spatial_pair(const seam_node *node, const char *name, int64_t dflt, int64_t out[2]) {
  int n;
  const int64_t *v = seam_attr_ints(node, name, &n);
  if (!v) {
    out[0] = out[1] = dflt;
    return true;
  }
  if (n != 2 || v[0] < 1 || v[1] < 1) return false;
  out[0] = v[0];
  out[1] = v[1];
  return true;
}

/* Pads [top, left, bottom, right] that make a window op produce out_h × out_w
 * from in_h × in_w: explicit pads plus, where the output is larger (ceil_mode,
 * auto_pad), extra padding at the bottom/right. -1 when not representable. */
static bool window_pads(const seam_node *node, int64_t in_h, int64_t in_w, int64_t out_h, int64_t out_w,
                        const int64_t k[2], const int64_t s[2], const int64_t d[2], int64_t pads[4]) {
  const char *auto_pad = seam_attr_string(node, "auto_pad", "NOTSET");
  int n;
  const int64_t *p = seam_attr_ints(node, "pads", &n);
  memset(pads, 0, sizeof(int64_t) * 4);
  int64_t in[2] = {in_h, in_w}, out[2] = {out_h, out_w};
  if (strcmp(auto_pad, "NOTSET") == 0 || strcmp(auto_pad, "VALID") == 0) {
    if (p && strcmp(auto_pad, "NOTSET") == 0) {
      if (n != 4) return false;
      for (int i = 0; i < 4; i++) {
        if (p[i] < 0) return false;
        pads[i] = p[i];
      }
    }
  } else {
    bool upper = strcmp(auto_pad, "SAME_UPPER") == 0;
    if (!upper && strcmp(auto_pad, "SAME_LOWER") != 0) return false;
    for (int a = 0; a < 2; a++) {
      int64_t total = (out[a] - 1) * s[a] + (k[a] - 1) * d[a] + 1 - in[a];
      if (total < 0) total = 0;
      pads[a] = upper ? total / 2 : total - total / 2;
      pads[a + 2] = total - pads[a];
    }
  }
  for (int a = 0; a < 2; a++) {
    int64_t covered = in[a] + pads[a] + pads[a + 2];
    int64_t need = (out[a] - 1) * s[a] + (k[a] - 1) * d[a] + 1;
    if (need > covered) pads[a + 2] += need - covered;
    /* XNNPACK derives the output size from the padded input; it must agree. */
    int64_t got = (in[a] + pads[a] + pads[a + 2] - ((k[a] - 1) * d[a] + 1)) / s[a] + 1;
    if (got != out[a]) return false;
  }
  return true;
}

static bool is_op(const seam_node *node, const char *type) { return strcmp(node->op_type, type) == 0; }

static bool constant_clip_bounds(const seam_node *node, const seam_tensor *const *inputs,
                                 const bool *is_const, float *lo, float *hi) {
  *lo = -INFINITY;
  *hi = INFINITY;
  if (node->opset < 11) {
    *lo = seam_attr_float(node, "min", -INFINITY);
    *hi = seam_attr_float(node, "max", INFINITY);
    return true;
  }
  for (int i = 1; i <= 2 && i < node->n_inputs; i++) {
    if (!inputs[i]) continue;
    if (!is_const[i] || !is_f32(inputs[i]) || inputs[i]->count != 1) return false;
    float v = ((const float *)inputs[i]->data)[0];
    if (i == 1) *lo = v;
    else *hi = v;
  }
  return true;
}

/* ---- QLinearConv on XNNPACK's qc8 convolution ---- */

static bool is_i8(const seam_tensor *t) { return t && t->dtype == SEAM_DTYPE_INT8; }

static bool normal_positive(float v) { return v > 0.0f && isnormal(v); }

/* What XNNPACK's qc8 convolution accepts (checked at create; checked here
 * so that a node it would refuse runs on the portable kernel instead):
 * int8 input and output with per-tensor parameters, int8 weights with zero
 * point 0 and positive normal scales, requantization scales
 * x_scale * w_scale[m] / y_scale below 256, an int32 bias. */
static bool qc8_conv_fits(const seam_node *node, const seam_tensor *const *in, const bool *is_const,
                          const seam_tensor *output) {
  if (node->n_inputs < 8 || !is_i8(in[0]) || in[0]->rank != 4 || is_const[0] || !is_i8(output)) return false;
  for (int k = 1; k < node->n_inputs; k++)
    if (in[k] ? !is_const[k] : k != 8) return false; /* parameters constant; only B may be omitted */
  const seam_tensor *xs = in[1], *xz = in[2], *w = in[3], *ws = in[4], *wz = in[5], *ys = in[6], *yz = in[7];
  const seam_tensor *b = node->n_inputs > 8 ? in[8] : NULL;
  if (!is_f32(xs) || xs->count != 1 || !is_i8(xz) || xz->count != 1 || !is_f32(ys) || ys->count != 1 ||
      !is_i8(yz) || yz->count != 1 || !is_i8(w) || w->rank != 4 || !is_f32(ws) || !is_i8(wz))
    return false;
  int64_t m = w->dims[0];
  if ((ws->count != 1 && ws->count != m) || (wz->count != 1 && wz->count != m)) return false;
  if (b && (b->dtype != SEAM_DTYPE_INT32 || b->count != m)) return false;
  for (int64_t i = 0; i < wz->count; i++)
    if (((const int8_t *)wz->data)[i] != 0) return false;
  float sx = ((const float *)xs->data)[0], sy = ((const float *)ys->data)[0];
  if (!normal_positive(sx) || !normal_positive(sy)) return false;
  for (int64_t i = 0; i < ws->count; i++) {
    float s = ((const float *)ws->data)[i];
    if (!normal_positive(s) || !(sx * s / sy < 256.0f)) return false;
  }
  /* A fused clamp must leave a non-empty range. */
  if (node->act.kind != SEAM_ACT_NONE && (node->act.kind != SEAM_ACT_CLAMP || !(node->act.min < node->act.max)))
    return false;
  int64_t k[2] = {w->dims[2], w->dims[3]}, s[2], d[2], pads[4];
  if (!spatial_pair(node, "strides", 1, s) || !spatial_pair(node, "dilations", 1, d)) return false;
  return window_pads(node, in[0]->dims[2], in[0]->dims[3], output->dims[2], output->dims[3], k, s, d, pads);
}

seam_xnn_class seam_xnn_classify(const seam_node *node, const seam_tensor *const *inputs,
                                 const bool *is_const, const seam_tensor *output) {
  if (seam_xnn_available() && is_op(node, "QLinearConv"))
    return qc8_conv_fits(node, inputs, is_const, output) ? SEAM_XNN_SPATIAL : SEAM_XNN_NONE;
  if (!seam_xnn_available() || node->n_inputs < 1 || !is_f32(inputs[0]) || !is_f32(output) || is_const[0])
    return SEAM_XNN_NONE;
  /* NaN or inf in weights reach every output: the portable kernel handles them. */
  if (!seam_xnn_constants_finite(node, inputs, is_const)) return SEAM_XNN_NONE;
  const seam_tensor *x = inputs[0];
  if (is_op(node, "Conv")) {
    const seam_tensor *w = node->n_inputs > 1 ? inputs[1] : NULL;
    const seam_tensor *b = node->n_inputs > 2 ? inputs[2] : NULL;
    if (x->rank != 4 || !w || !is_const[1] || !is_f32(w) || w->rank != 4 || (b && (!is_const[2] || !is_f32(b))))
      return SEAM_XNN_NONE;
    int64_t k[2] = {w->dims[2], w->dims[3]}, s[2], d[2], pads[4];
    if (!spatial_pair(node, "strides", 1, s) || !spatial_pair(node, "dilations", 1, d)) return SEAM_XNN_NONE;
    if (!window_pads(node, x->dims[2], x->dims[3], output->dims[2], output->dims[3], k, s, d, pads))
      return SEAM_XNN_NONE;
    return SEAM_XNN_SPATIAL;
  }
  if (is_op(node, "MaxPool") || is_op(node, "AveragePool")) {
    if (x->rank != 4 || node->n_outputs > 1 || seam_attr_int(node, "storage_order", 0) != 0)
      return SEAM_XNN_NONE;
    int n;
    const int64_t *kernel = seam_attr_ints(node, "kernel_shape", &n);
    if (!kernel || n != 2) return SEAM_XNN_NONE;
    int64_t k[2] = {kernel[0], kernel[1]}, s[2], d[2], pads[4];
    if (!spatial_pair(node, "strides", 1, s) || !spatial_pair(node, "dilations", 1, d)) return SEAM_XNN_NONE;
    if (!window_pads(node, x->dims[2], x->dims[3], output->dims[2], output->dims[3], k, s, d, pads))
      return SEAM_XNN_NONE;
    if (is_op(node, "AveragePool")) {
      bool padded = pads[0] || pads[1] || pads[2] || pads[3];
      /* XNNPACK averages over the pixels inside the image: ONNX's count_include_pad = 0. */
      if ((padded && seam_attr_int(node, "count_include_pad", 0)) || d[0] != 1 || d[1] != 1)
        return SEAM_XNN_NONE;
    }
    return SEAM_XNN_SPATIAL;
  }
  if (is_op(node, "GlobalAveragePool")) return x->rank == 4 ? SEAM_XNN_SPATIAL : SEAM_XNN_NONE;
  if (is_op(node, "Gemm")) {
    const seam_tensor *w = inputs[1], *c = node->n_inputs > 2 ? inputs[2] : NULL;
    if (x->rank != 2 || !w || !is_const[1] || !is_f32(w) || w->rank != 2) return SEAM_XNN_NONE;
    if (seam_attr_int(node, "transA", 0) || seam_attr_float(node, "alpha", 1.0f) != 1.0f) return SEAM_XNN_NONE;
    int64_t n_out = seam_attr_int(node, "transB", 0) ? w->dims[0] : w->dims[1];
    if (c && (!is_const[2] || !is_f32(c) || c->count != n_out || seam_attr_float(node, "beta", 1.0f) != 1.0f ||
              (c->rank == 2 && c->dims[0] != 1)))
      return SEAM_XNN_NONE;
    return SEAM_XNN_ROWS;
  }
  if (is_op(node, "MatMul")) {
    const seam_tensor *w = inputs[1];
    if (x->rank < 2 || !w || !is_const[1] || !is_f32(w) || w->rank != 2) return SEAM_XNN_NONE;
    return SEAM_XNN_ROWS;
  }
  if (is_op(node, "Add") || is_op(node, "Sub") || is_op(node, "Mul") || is_op(node, "Div")) {
    if (!is_f32(inputs[1]) || output->rank > XNN_MAX_TENSOR_DIMS || output->count == 0) return SEAM_XNN_NONE;
    return SEAM_XNN_ELEMENTWISE;
  }
  if (is_op(node, "Relu") || is_op(node, "Sigmoid") || is_op(node, "HardSwish") || is_op(node, "LeakyRelu"))
    return output->count > 0 ? SEAM_XNN_ELEMENTWISE : SEAM_XNN_NONE;
  if (is_op(node, "Clip")) {
    float lo, hi;
    return output->count > 0 && constant_clip_bounds(node, inputs, is_const, &lo, &hi) ? SEAM_XNN_ELEMENTWISE
                                                                                         : SEAM_XNN_NONE;
  }
  return SEAM_XNN_NONE;
}

/* A fused HardSwish/Sigmoid after an operator runs as a second, in-place one. */
static seam_status create_post(const seam_node *node, size_t count, seam_xnn_op *op, seam_error *err) {
  enum xnn_status st = xnn_status_success;
  if (node->act.kind == SEAM_ACT_HARDSWISH) {
    st = xnn_create_hardswish_nc_f32(1, 1, 1, 0, &op->post);
    op->post_unary = UN_HARDSWISH;
  } else if (node->act.kind == SEAM_ACT_SIGMOID) {
    st = xnn_create_sigmoid_nc_f32(1, 1, 1, 0, &op->post);
    op->post_unary = UN_SIGMOID;
  }
  op->post_count = count;
  return st == xnn_status_success ? SEAM_OK : xnn_fail(err, st, "activation create");
}

static seam_status create_conv(const seam_node *node, const seam_tensor *const *inputs,
                               const seam_tensor *output, seam_xnn_op *op, seam_error *err) {
  const seam_tensor *x = inputs[0], *w = inputs[1], *b = node->n_inputs > 2 ? inputs[2] : NULL;
  int64_t groups = seam_attr_int(node, "group", 1);
  int64_t m = w->dims[0], cg = w->dims[1], kh = w->dims[2], kw = w->dims[3];
  if (groups < 1 || m % groups || cg * groups != x->dims[1])
    return seam_fail(err, SEAM_ERR_SHAPE, "Conv weights do not fit the input channels and groups");
  int64_t k[2] = {kh, kw}, s[2] = {1, 1}, d[2] = {1, 1}, pads[4];
  spatial_pair(node, "strides", 1, s);
  spatial_pair(node, "dilations", 1, d);
  window_pads(node, x->dims[2], x->dims[3], output->dims[2], output->dims[3], k, s, d, pads);
  if (groups == 1 && kh == 3 && kw == 3 && s[0] == 1 && s[1] == 1 && d[0] == 1 && d[1] == 1 && pads[0] <= 2 &&
      pads[1] <= 2 && pads[2] <= 2 && pads[3] <= 2) {
    seam_wino_shape ws = {x->dims[0], x->dims[2], x->dims[3], cg, output->dims[2], output->dims[3], m,
                          pads[0], pads[1]};
    int tile = seam_wino_pick(&ws);
    if (tile) {
      seam_status st = seam_wino_create(tile, &ws, w->data, b ? (const float *)b->data : NULL, node->act,
                                        &op->wino, err);
      op->kind = KIND_WINOGRAD;
      return st;
    }
  }
  /* OIHW → OHWI */
  float *ohwi = malloc(sizeof(float) * (size_t)w->count);
  if (!ohwi) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  const float *src = w->data;
  for (int64_t o = 0; o < m; o++)
    for (int64_t i = 0; i < cg; i++)
      for (int64_t y = 0; y < kh; y++)
        for (int64_t xx = 0; xx < kw; xx++)
          ohwi[((o * kh + y) * kw + xx) * cg + i] = src[((o * cg + i) * kh + y) * kw + xx];
  float lo, hi;
  clamp_bounds(node, &lo, &hi);
  enum xnn_status st = xnn_create_convolution2d_nhwc_f32(
      (uint32_t)pads[0], (uint32_t)pads[3], (uint32_t)pads[2], (uint32_t)pads[1], (uint32_t)kh, (uint32_t)kw,
      (uint32_t)s[0], (uint32_t)s[1], (uint32_t)d[0], (uint32_t)d[1], (uint32_t)groups, (size_t)cg,
      (size_t)(m / groups), (size_t)x->dims[1], (size_t)m, ohwi, b ? (const float *)b->data : NULL, lo, hi, 0,
      &op->op);
  free(ohwi);
  if (st != xnn_status_success) return xnn_fail(err, st, "convolution create");
  op->kind = KIND_CONV;
  op->batch = (size_t)x->dims[0];
  op->height = (size_t)x->dims[2];
  op->width = (size_t)x->dims[3];
  return create_post(node, (size_t)output->count, op, err);
}

static seam_status create_qc8_conv(const seam_node *node, const seam_tensor *const *in,
                                   const seam_tensor *output, seam_xnn_op *op, seam_error *err) {
  const seam_tensor *x = in[0], *w = in[3], *ws = in[4], *b = node->n_inputs > 8 ? in[8] : NULL;
  int64_t groups = seam_attr_int(node, "group", 1);
  int64_t m = w->dims[0], cg = w->dims[1], kh = w->dims[2], kw = w->dims[3];
  if (groups < 1 || m % groups || cg * groups != x->dims[1])
    return seam_fail(err, SEAM_ERR_SHAPE, "QLinearConv weights do not fit the input channels and groups");
  int64_t k[2] = {kh, kw}, s[2] = {1, 1}, d[2] = {1, 1}, pads[4];
  spatial_pair(node, "strides", 1, s);
  spatial_pair(node, "dilations", 1, d);
  window_pads(node, x->dims[2], x->dims[3], output->dims[2], output->dims[3], k, s, d, pads);
  /* A fused Relu/Clip is already in output units (the optimizer converted it). */
  int lo = INT8_MIN, hi = INT8_MAX;
  if (node->act.kind == SEAM_ACT_CLAMP) {
    if (node->act.min > lo) lo = (int)node->act.min;
    if (node->act.max < hi) hi = (int)node->act.max;
  }
  if (groups == 1 && seam_vconv_supported()) {
    seam_vconv_shape vs = {x->dims[0], x->dims[2], x->dims[3], cg, output->dims[2], output->dims[3], m,
                           kh, kw, s[0], s[1], d[0], d[1], pads[0], pads[1]};
    op->kind = KIND_VNNI_CONV;
    return seam_vconv_create(&vs, w->data, ws->data, ws->count, b ? (const int32_t *)b->data : NULL,
                             ((const float *)in[1]->data)[0], ((const int8_t *)in[2]->data)[0],
                             ((const float *)in[6]->data)[0], ((const int8_t *)in[7]->data)[0], lo, hi,
                             &op->vconv, err);
  }
  int8_t *ohwi = malloc((size_t)w->count + 1);
  float *scales = malloc(sizeof(float) * (size_t)m + 1);
  if (!ohwi || !scales) {
    free(ohwi);
    free(scales);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  const int8_t *src = w->data; /* OIHW → OHWI */
  for (int64_t o = 0; o < m; o++)
    for (int64_t i = 0; i < cg; i++)
      for (int64_t y = 0; y < kh; y++)
        for (int64_t xx = 0; xx < kw; xx++)
          ohwi[((o * kh + y) * kw + xx) * cg + i] = src[((o * cg + i) * kh + y) * kw + xx];
  for (int64_t o = 0; o < m; o++) scales[o] = ((const float *)ws->data)[ws->count == 1 ? 0 : o];
  enum xnn_status st = xnn_create_convolution2d_nhwc_qc8(
      (uint32_t)pads[0], (uint32_t)pads[3], (uint32_t)pads[2], (uint32_t)pads[1], (uint32_t)kh, (uint32_t)kw,
      (uint32_t)s[0], (uint32_t)s[1], (uint32_t)d[0], (uint32_t)d[1], (uint32_t)groups, (size_t)cg,
      (size_t)(m / groups), (size_t)x->dims[1], (size_t)m, ((const int8_t *)in[2]->data)[0],
      ((const float *)in[1]->data)[0], scales, ohwi, b ? (const int32_t *)b->data : NULL,
      ((const int8_t *)in[7]->data)[0], ((const float *)in[6]->data)[0], (int8_t)lo, (int8_t)hi, 0, &op->op);
  free(ohwi);
  free(scales);
  if (st != xnn_status_success) return xnn_fail(err, st, "qc8 convolution create");
  op->kind = KIND_QC8_CONV;
  op->batch = (size_t)x->dims[0];
  op->height = (size_t)x->dims[2];
  op->width = (size_t)x->dims[3];
  return SEAM_OK;
}

static seam_status create_pool(const seam_node *node, const seam_tensor *x, const seam_tensor *output,
                               seam_xnn_op *op, seam_error *err) {
  int n;
  const int64_t *kernel = seam_attr_ints(node, "kernel_shape", &n);
  int64_t k[2] = {kernel[0], kernel[1]}, s[2] = {1, 1}, d[2] = {1, 1}, pads[4];
  spatial_pair(node, "strides", 1, s);
  spatial_pair(node, "dilations", 1, d);
  window_pads(node, x->dims[2], x->dims[3], output->dims[2], output->dims[3], k, s, d, pads);
  size_t c = (size_t)x->dims[1];
  enum xnn_status st;
  if (is_op(node, "MaxPool")) {
    st = xnn_create_max_pooling2d_nhwc_f32((uint32_t)pads[0], (uint32_t)pads[3], (uint32_t)pads[2],
                                           (uint32_t)pads[1], (uint32_t)k[0], (uint32_t)k[1], (uint32_t)s[0],
                                           (uint32_t)s[1], (uint32_t)d[0], (uint32_t)d[1], c, c, c, -INFINITY,
                                           INFINITY, 0, &op->op);
    op->kind = KIND_MAX_POOL;
  } else {
    st = xnn_create_average_pooling2d_nhwc_f32((uint32_t)pads[0], (uint32_t)pads[3], (uint32_t)pads[2],
                                               (uint32_t)pads[1], (uint32_t)k[0], (uint32_t)k[1], (uint32_t)s[0],
                                               (uint32_t)s[1], c, c, c, -INFINITY, INFINITY, 0, &op->op);
    op->kind = KIND_AVG_POOL;
  }
  if (st != xnn_status_success) return xnn_fail(err, st, "pooling create");
  op->batch = (size_t)x->dims[0];
  op->height = (size_t)x->dims[2];
  op->width = (size_t)x->dims[3];
  return SEAM_OK;
}

static seam_status create_fc(const seam_node *node, const seam_tensor *const *inputs, seam_xnn_op *op,
                             seam_error *err) {
  const seam_tensor *x = inputs[0], *w = inputs[1];
  bool gemm = is_op(node, "Gemm");
  const seam_tensor *c = gemm && node->n_inputs > 2 ? inputs[2] : NULL;
  bool trans_b = gemm && seam_attr_int(node, "transB", 0);
  size_t k = (size_t)(trans_b ? w->dims[1] : w->dims[0]), n = (size_t)(trans_b ? w->dims[0] : w->dims[1]);
  if ((size_t)x->dims[x->rank - 1] != k)
    return seam_fail(err, SEAM_ERR_SHAPE, "%s inner dimensions do not match", node->op_type);
  float lo, hi;
  clamp_bounds(node, &lo, &hi);
  /* XNNPACK's default kernel layout is [out, in] (Gemm with transB = 1). */
  enum xnn_status st = xnn_create_fully_connected_nc_f32(k, n, k, n, w->data, c ? (const float *)c->data : NULL,
                                                         lo, hi, trans_b ? 0 : XNN_FLAG_TRANSPOSE_WEIGHTS, &op->op);
  if (st != xnn_status_success) return xnn_fail(err, st, "fully connected create");
  op->kind = KIND_FC;
  op->rows = (size_t)(x->count / (int64_t)k);
  return create_post(node, op->rows * n, op, err);
}

seam_status seam_xnn_create_node(const seam_node *node, const seam_tensor *const *inputs,
                                 const seam_tensor *output, seam_xnn_op **out, seam_error *err) {
  seam_xnn_op *op = calloc(1, sizeof *op);
  if (!op) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  seam_status st;
  if (is_op(node, "Conv")) {
    st = create_conv(node, inputs, output, op, err);
  } else if (is_op(node, "QLinearConv")) {
    st = create_qc8_conv(node, inputs, output, op, err);
  } else if (is_op(node, "MaxPool") || is_op(node, "AveragePool")) {
    st = create_pool(node, inputs[0], output, op, err);
  } else if (is_op(node, "GlobalAveragePool")) {
    size_t c = (size_t)inputs[0]->dims[1];
    enum xnn_status xs = xnn_create_global_average_pooling_nwc_f32(c, c, c, -INFINITY, INFINITY, 0, &op->op);
    st = xs == xnn_status_success ? SEAM_OK : xnn_fail(err, xs, "global average pooling create");
    op->kind = KIND_GLOBAL_AVG_POOL;
    op->batch = (size_t)inputs[0]->dims[0];
    op->width = (size_t)(inputs[0]->dims[2] * inputs[0]->dims[3]);
  } else if (is_op(node, "Gemm") || is_op(node, "MatMul")) {
    st = create_fc(node, inputs, op, err);
  } else {
    st = seam_fail(err, SEAM_ERR_UNSUPPORTED, "%s has no XNNPACK operator", node->op_type);
  }
  if (st != SEAM_OK) {
    seam_xnn_free(op);
    return st;
  }
  if (op->kind != KIND_QC8_CONV && op->kind != KIND_VNNI_CONV) { /* int8 has no NaN */
    seam_xnn_fallback *f = &op->fallback;
    f->kind = op->kind == KIND_FC ? SEAM_XNN_FALLBACK_ROWS : SEAM_XNN_FALLBACK_NHWC;
    f->node = node;
    f->n_inputs = node->n_inputs < SEAM_XNN_FALLBACK_MAX_INPUTS ? node->n_inputs : SEAM_XNN_FALLBACK_MAX_INPUTS;
    for (int k = 1; k < f->n_inputs; k++) f->consts[k] = inputs[k];
    f->in[0] = *inputs[0];
    f->out = *output;
    f->in[0].data = f->out.data = NULL;
    f->in[0].owns_data = f->out.owns_data = false;
  }
  *out = op;
  return SEAM_OK;
}

/* The physical shape of a binary op's output (NumPy broadcasting). */
static seam_status broadcast_shape(const seam_tensor *a, const seam_tensor *b, seam_tensor *out, seam_error *err) {
  int rank = a->rank > b->rank ? a->rank : b->rank;
  int64_t dims[SEAM_MAX_RANK];
  for (int d = 0; d < rank; d++) {
    int da = d - (rank - a->rank), db = d - (rank - b->rank);
    int64_t x = da >= 0 ? a->dims[da] : 1, y = db >= 0 ? b->dims[db] : 1;
    if (x != y && x != 1 && y != 1) return seam_fail(err, SEAM_ERR_SHAPE, "operands do not broadcast");
    dims[d] = x == 1 ? y : x;
  }
  return seam_tensor_set_shape(out, SEAM_DTYPE_FLOAT32, rank, dims, err);
}

seam_status seam_xnn_create_elementwise(const seam_node *node, const seam_tensor *const *inputs,
                                        const bool *is_const, int n_a, const int64_t *shape_a, int n_b,
                                        const int64_t *shape_b, int64_t count, seam_xnn_op **out,
                                        seam_error *err) {
  seam_xnn_op *op = calloc(1, sizeof *op);
  if (!op) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  float lo, hi;
  clamp_bounds(node, &lo, &hi);
  enum xnn_status st;
  if (n_b >= 0 && (is_op(node, "Add") || is_op(node, "Sub") || is_op(node, "Mul") || is_op(node, "Div"))) {
    op->kind = KIND_BINARY;
    if (is_op(node, "Add")) op->binary = BIN_ADD, st = xnn_create_add_nd_f32(lo, hi, 0, &op->op);
    else if (is_op(node, "Sub")) op->binary = BIN_SUB, st = xnn_create_subtract_nd_f32(lo, hi, 0, &op->op);
    else if (is_op(node, "Mul")) op->binary = BIN_MUL, st = xnn_create_multiply_nd_f32(lo, hi, 0, &op->op);
    else op->binary = BIN_DIV, st = xnn_create_divide_nd_f32(lo, hi, 0, &op->op);
    op->n_a = (size_t)n_a;
    op->n_b = (size_t)n_b;
    for (int i = 0; i < n_a; i++) op->shape_a[i] = (size_t)shape_a[i];
    for (int i = 0; i < n_b; i++) op->shape_b[i] = (size_t)shape_b[i];
  } else {
    op->kind = KIND_UNARY;
    float clip_lo, clip_hi;
    /* Relu and Clip are seam's own loop: XNNPACK's clamp turns NaN into its
     * lower bound, and a clamp is memory-bound either way. */
    if (is_op(node, "Relu")) {
      op->unary = UN_CLAMP;
      op->clamp_lo = fmaxf(0.0f, lo);
      op->clamp_hi = hi;
      st = xnn_status_success;
    } else if (is_op(node, "Clip") && constant_clip_bounds(node, inputs, is_const, &clip_lo, &clip_hi)) {
      op->unary = UN_CLAMP;
      /* ONNX: min(max(x, lo), hi), so lo > hi gives hi everywhere. */
      op->clamp_lo = fmaxf(clip_lo, lo);
      op->clamp_hi = fminf(clip_hi, hi);
      st = xnn_status_success;
    } else if (is_op(node, "Sigmoid")) {
      op->unary = UN_SIGMOID;
      st = xnn_create_sigmoid_nc_f32(1, 1, 1, 0, &op->op);
    } else if (is_op(node, "HardSwish")) {
      op->unary = UN_HARDSWISH;
      st = xnn_create_hardswish_nc_f32(1, 1, 1, 0, &op->op);
    } else if (is_op(node, "LeakyRelu")) {
      op->unary = UN_LEAKY_RELU;
      st = xnn_create_leaky_relu_nc_f32(1, 1, 1, seam_attr_float(node, "alpha", 0.01f), 0, &op->op);
    } else {
      seam_xnn_free(op);
      return seam_fail(err, SEAM_ERR_UNSUPPORTED, "%s has no XNNPACK operator", node->op_type);
    }
    op->rows = (size_t)count;
  }
  if (st != xnn_status_success) {
    seam_xnn_free(op);
    return xnn_fail(err, st, "elementwise create");
  }
  seam_status s2 = create_post(node, (size_t)count, op, err);
  if (s2 == SEAM_OK && op->kind == KIND_BINARY) {
    seam_xnn_fallback *f = &op->fallback;
    f->kind = SEAM_XNN_FALLBACK_BINARY;
    f->node = node;
    f->n_inputs = 2;
    op->b_is_const = is_const[1];
    if ((s2 = seam_tensor_set_shape(&f->in[0], SEAM_DTYPE_FLOAT32, n_a, shape_a, err)) == SEAM_OK &&
        (s2 = seam_tensor_set_shape(&f->in[1], SEAM_DTYPE_FLOAT32, n_b, shape_b, err)) == SEAM_OK &&
        (s2 = broadcast_shape(&f->in[0], &f->in[1], &f->out, err)) == SEAM_OK && f->out.count != count)
      s2 = seam_fail(err, SEAM_ERR_INTERNAL, "%s: operand shapes give %lld elements, not %lld", node->name,
                     (long long)f->out.count, (long long)count);
  }
  if (s2 != SEAM_OK) {
    seam_xnn_free(op);
    return s2;
  }
  *out = op;
  return SEAM_OK;
}

/* Unary operators run on the buffer as one row of `count` contiguous elements. */
static enum xnn_status setup_unary(xnn_operator_t u, unary_kind kind, size_t count, const float *in, float *out,
                                   pthreadpool_t tp) {
  switch (kind) {
  case UN_CLAMP: return xnn_status_success; /* seam_xnn_run computes it */
  case UN_SIGMOID: return xnn_setup_sigmoid_nc_f32(u, count, in, out, tp);
  case UN_HARDSWISH: return xnn_setup_hardswish_nc_f32(u, count, in, out, tp);
  case UN_LEAKY_RELU: return xnn_setup_leaky_relu_nc_f32(u, count, in, out, tp);
  }
  return xnn_status_invalid_parameter;
}

size_t seam_xnn_scratch_bytes(const seam_xnn_op *op) {
  if (op->kind == KIND_VNNI_CONV) return seam_vconv_scratch_bytes(op->vconv);
  return op->kind == KIND_WINOGRAD ? seam_wino_scratch_bytes(op->wino) : 0;
}

seam_status seam_xnn_setup(seam_xnn_op *op, const void *a_in, const void *b_in, void *out, void *scratch,
                           pthreadpool_t tp, seam_error *err) {
  enum xnn_status st = xnn_status_success;
  const float *a = a_in, *b = b_in;
  float *output = out;
  op->a = a;
  op->b = b;
  op->out = output;
  switch (op->kind) {
  case KIND_QC8_CONV:
    st = xnn_setup_convolution2d_nhwc_qc8(op->op, op->batch, op->height, op->width, a_in, out, tp);
    break;
  case KIND_VNNI_CONV: return seam_vconv_setup(op->vconv, a_in, out, scratch, err);
  case KIND_WINOGRAD: return seam_wino_setup(op->wino, a, output, scratch, tp, err);
  case KIND_CONV:
    st = xnn_setup_convolution2d_nhwc_f32(op->op, op->batch, op->height, op->width, a, output, tp);
    break;
  case KIND_MAX_POOL:
    st = xnn_setup_max_pooling2d_nhwc_f32(op->op, op->batch, op->height, op->width, a, output, tp);
    break;
  case KIND_AVG_POOL:
    st = xnn_setup_average_pooling2d_nhwc_f32(op->op, op->batch, op->height, op->width, a, output, tp);
    break;
  case KIND_GLOBAL_AVG_POOL:
    st = xnn_setup_global_average_pooling_nwc_f32(op->op, op->batch, op->width, a, output, tp);
    break;
  case KIND_FC: st = xnn_setup_fully_connected_nc_f32(op->op, op->rows, a, output, tp); break;
  case KIND_UNARY: st = setup_unary(op->op, op->unary, op->rows, a, output, tp); break;
  case KIND_BINARY:
    switch (op->binary) {
    case BIN_ADD: st = xnn_setup_add_nd_f32(op->op, op->n_a, op->shape_a, op->n_b, op->shape_b, a, b, output, tp); break;
    case BIN_SUB: st = xnn_setup_subtract_nd_f32(op->op, op->n_a, op->shape_a, op->n_b, op->shape_b, a, b, output, tp); break;
    case BIN_MUL: st = xnn_setup_multiply_nd_f32(op->op, op->n_a, op->shape_a, op->n_b, op->shape_b, a, b, output, tp); break;
    case BIN_DIV: st = xnn_setup_divide_nd_f32(op->op, op->n_a, op->shape_a, op->n_b, op->shape_b, a, b, output, tp); break;
    }
    break;
  }
  if (st != xnn_status_success) return xnn_fail(err, st, "setup");
  if (op->post && (st = setup_unary(op->post, op->post_unary, op->post_count, output, output, tp)) != xnn_status_success)
    return xnn_fail(err, st, "activation setup");
  return SEAM_OK;
}

/* ---- Relu / Clip: min(max(x, lo), hi) written so that NaN passes through ---- */

#define CLAMP_TILE 16384

/* Tile `tile` of CLAMP_TILE floats (pthreadpool_parallelize_1d: the one
 * variant seam calls, see tests/tsan/annotations.c). */
static void clamp_tile(void *context, size_t tile) {
  const seam_xnn_op *op = context;
  size_t start = tile * CLAMP_TILE, left = op->rows - start, n = left < CLAMP_TILE ? left : CLAMP_TILE;
  const float *x = op->a + start;
  float *y = op->out + start, lo = op->clamp_lo, hi = op->clamp_hi;
  for (size_t i = 0; i < n; i++) {
    float v = x[i] < lo ? lo : x[i];
    y[i] = v > hi ? hi : v;
  }
}

seam_status seam_xnn_run(seam_xnn_op *op, pthreadpool_t tp, seam_error *err) {
  if (op->kind == KIND_UNARY && op->unary == UN_CLAMP) {
    pthreadpool_parallelize_1d(tp, clamp_tile, op, (op->rows + CLAMP_TILE - 1) / CLAMP_TILE, 0);
    return SEAM_OK;
  }
  const seam_xnn_fallback *f = &op->fallback;
  if (f->kind != SEAM_XNN_FALLBACK_NONE &&
      (!seam_all_finite_parallel(op->a, (size_t)f->in[0].count, tp) ||
       (f->kind == SEAM_XNN_FALLBACK_BINARY && !op->b_is_const &&
        !seam_all_finite_parallel(op->b, (size_t)f->in[1].count, tp))))
    return seam_xnn_fallback_run(f, op->a, op->b, op->out, err);
  if (op->kind == KIND_WINOGRAD) return seam_wino_run(op->wino, tp, err);
  if (op->kind == KIND_VNNI_CONV) return seam_vconv_run(op->vconv, tp, err);
  enum xnn_status st = xnn_run_operator(op->op, tp);
  if (st == xnn_status_success && op->post) st = xnn_run_operator(op->post, tp);
  return st == xnn_status_success ? SEAM_OK : xnn_fail(err, st, "run");
}

void seam_xnn_free(seam_xnn_op *op) {
  if (!op) return;
  if (op->op) xnn_delete_operator(op->op);
  if (op->post) xnn_delete_operator(op->post);
  seam_wino_free(op->wino);
  seam_vconv_free(op->vconv);
  free(op);
}

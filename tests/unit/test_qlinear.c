/* Integer execution of QDQ models.
 *
 * 1. The reference QLinearConv / QLinearMatMul kernels against independent
 *    computations: a direct 2-D convolution loop in int64 with the same
 *    requantization (must be bit-exact), and the same math in double (must
 *    be within one output step: the kernel's multiplier x_scale * w_scale /
 *    y_scale is rounded to float32, as the ONNX reference does), over
 *    int8/uint8 activations, per-tensor/per-channel weights, groups,
 *    depthwise, padding, strides, dilations, auto_pad, rounding of exact
 *    halves and saturation.
 * 2. QDQ fusion: a QDQ model built in memory, run with optimize = 0 (the
 *    DequantizeLinear → float Conv → QuantizeLinear path, the oracle)
 *    against optimize = 1 (QLinearConv: XNNPACK qc8 at 1 and 2 threads, and
 *    the reference kernel through a plan). They may differ by one
 *    quantization step, not more: the float path rounds its sums in float32
 *    before quantizing, the integer path sums exactly in int32, and
 *    XNNPACK's qc8 requantizes in float32 arithmetic (the accumulator
 *    converted to float, times a float multiplier) rather than the
 *    reference's double product, so values that land within rounding error
 *    of a half step round differently. Fusion must leave the graph alone when
 *    its conditions do not hold.
 * 3. The AVX-512 VNNI convolution (runtime/xnn/vnni_conv.c): 1×1 and 3×3
 *    layers against the reference kernel through a plan, within one step,
 *    at 1 and 2 threads; the kernel must have run (when the CPU has VNNI),
 *    and the XNNPACK qc8 fallback must agree as well. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/executor.h"
#include "runtime/graph.h"
#include "runtime/model.h"
#include "runtime/ops/op.h"
#include "runtime/ops/qlinear.h"
#include "runtime/plan.h"
#include "runtime/xnn/vnni_conv.h"
#include "runtime/xnn/xnn_backend.h"
#include "runtime/tensor.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

/* ---- helpers ---- */

static uint32_t rng_state;
static uint32_t rnd(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}
static int rnd_int(int lo, int hi) { return lo + (int)(rnd() % (uint32_t)(hi - lo + 1)); }

static seam_tensor *tensor(seam_dtype dt, int rank, const int64_t *dims) {
  seam_tensor *t = seam_tensor_create(dt, (size_t)rank, dims, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(t);
  return t;
}

static seam_tensor *scalar_f32(float v) {
  seam_tensor *t = tensor(SEAM_DTYPE_FLOAT32, 0, NULL);
  *(float *)t->data = v;
  return t;
}

static seam_tensor *scalar_q(seam_dtype dt, int v) {
  seam_tensor *t = tensor(dt, 0, NULL);
  if (dt == SEAM_DTYPE_INT8) *(int8_t *)t->data = (int8_t)v;
  else *(uint8_t *)t->data = (uint8_t)v;
  return t;
}

static int q_get(const seam_tensor *t, int64_t i) {
  return t->dtype == SEAM_DTYPE_INT8 ? ((const int8_t *)t->data)[i] : ((const uint8_t *)t->data)[i];
}

static void q_fill(seam_tensor *t, int lo, int hi) {
  for (int64_t i = 0; i < t->count; i++) {
    int v = rnd_int(lo, hi);
    if (t->dtype == SEAM_DTYPE_INT8) ((int8_t *)t->data)[i] = (int8_t)v;
    else ((uint8_t *)t->data)[i] = (uint8_t)v;
  }
}

static seam_status run_node(const char *op, seam_attr *attrs, int n_attrs, int n_in, const seam_tensor *const *in,
                            seam_tensor **out) {
  int in_idx[9], out_idx[1] = {0};
  for (int i = 0; i < n_in; i++) in_idx[i] = in[i] ? i : -1;
  seam_node node = {.name = "n", .op_type = (char *)op, .opset = 13, .n_inputs = n_in, .inputs = in_idx,
                    .n_outputs = 1, .outputs = out_idx, .n_attrs = n_attrs, .attrs = attrs,
                    .op = seam_op_lookup(op)};
  CU_ASSERT_PTR_NOT_NULL_FATAL(node.op);
  seam_error err = {0};
  out[0] = NULL;
  seam_status st = seam_node_execute(&node, in, out, &err);
  if (st != SEAM_OK) fprintf(stderr, "%s: %s\n", op, err.message);
  return st;
}

/* ---- 1. reference kernels ---- */

static void test_rounding_half_to_even(void) {
  /* 1x1 conv, x_scale = w_scale = 1, y_scale = 2: y = round(x / 2). */
  int64_t xd[4] = {1, 1, 1, 6}, wd[4] = {1, 1, 1, 1};
  seam_tensor *x = tensor(SEAM_DTYPE_INT8, 4, xd), *w = tensor(SEAM_DTYPE_INT8, 4, wd);
  const int8_t xv[6] = {1, 3, 5, -1, -3, -5};
  memcpy(x->data, xv, 6);
  ((int8_t *)w->data)[0] = 1;
  seam_tensor *xs = scalar_f32(1), *xz = scalar_q(SEAM_DTYPE_INT8, 0), *ws = scalar_f32(1),
              *wz = scalar_q(SEAM_DTYPE_INT8, 0), *ys = scalar_f32(2), *yz = scalar_q(SEAM_DTYPE_INT8, 0);
  const seam_tensor *in[8] = {x, xs, xz, w, ws, wz, ys, yz};
  seam_tensor *y;
  CU_ASSERT_EQUAL_FATAL(run_node("QLinearConv", NULL, 0, 8, in, &y), SEAM_OK);
  const int want[6] = {0, 2, 2, 0, -2, -2}; /* 0.5, 1.5, 2.5, -0.5, -1.5, -2.5 */
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(q_get(y, i), want[i]);
  seam_tensor_free(y);
  /* Saturation: y_scale 0.01 with y_zero_point 100 (uint8 output). */
  seam_tensor_free(ys);
  seam_tensor_free(yz);
  ys = scalar_f32(0.01f);
  yz = scalar_q(SEAM_DTYPE_UINT8, 100);
  in[6] = ys;
  in[7] = yz;
  CU_ASSERT_EQUAL_FATAL(run_node("QLinearConv", NULL, 0, 8, in, &y), SEAM_OK);
  CU_ASSERT_EQUAL(y->dtype, SEAM_DTYPE_UINT8);
  const int want_u8[6] = {200, 255, 255, 0, 0, 0};
  for (int i = 0; i < 6; i++) CU_ASSERT_EQUAL(q_get(y, i), want_u8[i]);
  seam_tensor_free(y);
  seam_tensor *all[] = {x, w, xs, xz, ws, wz, ys, yz};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) seam_tensor_free(all[i]);
}

typedef struct qcase {
  const char *what;
  seam_dtype xt, yt;
  bool per_channel;
  int64_t c, m, k, group, stride, dilation, h, w;
  int64_t pads[4]; /* top, left, bottom, right */
  const char *auto_pad;
  bool bias;
  float ys; /* output scale: small values make outputs saturate */
} qcase;

/* The direct 2-D convolution in int64, requantized like the kernel;
 * *max_step_double gets the largest difference from the double math. */
static void direct_conv(const qcase *c, const seam_tensor *x, int xz, float xs, const seam_tensor *w,
                        const float *ws, const int32_t *b, float ys, int yz, int64_t oh_n, int64_t ow_n,
                        const int64_t pads[2], int32_t *out, int32_t *out_double) {
  int64_t cg = c->c / c->group, mg = c->m / c->group;
  bool u8 = c->yt == SEAM_DTYPE_UINT8;
  int32_t lo = u8 ? 0 : -128, hi = u8 ? 255 : 127;
  for (int64_t m = 0; m < c->m; m++) {
    int64_t g = m / mg;
    float wsm = ws[c->per_channel ? m : 0];
    float mult = xs * wsm / ys;
    for (int64_t oh = 0; oh < oh_n; oh++)
      for (int64_t ow = 0; ow < ow_n; ow++) {
        int64_t acc = b ? b[m] : 0;
        for (int64_t ci = 0; ci < cg; ci++)
          for (int64_t kh = 0; kh < c->k; kh++)
            for (int64_t kw = 0; kw < c->k; kw++) {
              int64_t ih = oh * c->stride - pads[0] + kh * c->dilation;
              int64_t iw = ow * c->stride - pads[1] + kw * c->dilation;
              if (ih < 0 || ih >= c->h || iw < 0 || iw >= c->w) continue;
              int xv = q_get(x, ((g * cg + ci) * c->h + ih) * c->w + iw) - xz;
              int wv = q_get(w, ((m * cg + ci) * c->k + kh) * c->k + kw);
              acc += (int64_t)xv * wv;
            }
        int64_t i = (m * oh_n + oh) * ow_n + ow;
        out[i] = seam_requantize((int32_t)acc, mult, yz, lo, hi);
        double exact = nearbyint((double)acc * xs * wsm / ys) + yz;
        out_double[i] = (int32_t)(exact < lo ? lo : exact > hi ? hi : exact);
      }
  }
}

static void test_conv_against_direct(void) {
  const qcase cases[] = {
      {"int8 per-channel 3x3 pad 1", SEAM_DTYPE_INT8, SEAM_DTYPE_INT8, true, 3, 4, 3, 1, 1, 1, 7, 6, {1, 1, 1, 1}, NULL, true, 0.05f},
      {"uint8 per-tensor 3x3 stride 2 asymmetric pads", SEAM_DTYPE_UINT8, SEAM_DTYPE_UINT8, false, 4, 6, 3, 1, 2, 1, 9, 8, {0, 1, 2, 1}, NULL, true, 0.08f},
      {"int8 groups 2, dilation 2", SEAM_DTYPE_INT8, SEAM_DTYPE_INT8, true, 4, 6, 3, 2, 1, 2, 9, 9, {2, 2, 2, 2}, NULL, false, 0.04f},
      {"depthwise int8 stride 2", SEAM_DTYPE_INT8, SEAM_DTYPE_INT8, true, 5, 5, 3, 5, 2, 1, 8, 7, {1, 1, 1, 1}, NULL, true, 0.02f},
      {"uint8 in, int8 out, SAME_UPPER", SEAM_DTYPE_UINT8, SEAM_DTYPE_INT8, true, 3, 4, 4, 1, 2, 1, 9, 10, {0}, "SAME_UPPER", true, 0.05f},
      {"saturating int8", SEAM_DTYPE_INT8, SEAM_DTYPE_INT8, true, 8, 4, 3, 1, 1, 1, 5, 5, {1, 1, 1, 1}, NULL, true, 0.002f},
  };
  rng_state = 12345;
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const qcase *c = &cases[ci];
    int64_t cg = c->c / c->group;
    int64_t xd[4] = {1, c->c, c->h, c->w}, wd[4] = {c->m, cg, c->k, c->k}, md[1] = {c->m};
    seam_tensor *x = tensor(c->xt, 4, xd), *w = tensor(SEAM_DTYPE_INT8, 4, wd);
    q_fill(x, c->xt == SEAM_DTYPE_INT8 ? -128 : 0, c->xt == SEAM_DTYPE_INT8 ? 127 : 255);
    q_fill(w, -127, 127);
    int xz = c->xt == SEAM_DTYPE_INT8 ? -10 : 120, yz = c->yt == SEAM_DTYPE_INT8 ? 5 : 128;
    float xs = 0.02f;
    seam_tensor *ws = c->per_channel ? tensor(SEAM_DTYPE_FLOAT32, 1, md) : tensor(SEAM_DTYPE_FLOAT32, 0, NULL);
    seam_tensor *wz = c->per_channel ? tensor(SEAM_DTYPE_INT8, 1, md) : tensor(SEAM_DTYPE_INT8, 0, NULL);
    for (int64_t i = 0; i < ws->count; i++) ((float *)ws->data)[i] = 0.002f + 0.001f * (float)i;
    seam_tensor *b = NULL;
    if (c->bias) {
      b = tensor(SEAM_DTYPE_INT32, 1, md);
      for (int64_t i = 0; i < c->m; i++) ((int32_t *)b->data)[i] = rnd_int(-3000, 3000);
    }
    seam_tensor *xs_t = scalar_f32(xs), *xz_t = scalar_q(c->xt, xz), *ys_t = scalar_f32(c->ys), *yz_t = scalar_q(c->yt, yz);
    int64_t k2[2] = {c->k, c->k}, s2[2] = {c->stride, c->stride}, d2[2] = {c->dilation, c->dilation};
    seam_attr attrs[5] = {
        {.name = "kernel_shape", .type = SEAM_ATTR_INTS, .ints = k2, .n = 2},
        {.name = "strides", .type = SEAM_ATTR_INTS, .ints = s2, .n = 2},
        {.name = "dilations", .type = SEAM_ATTR_INTS, .ints = d2, .n = 2},
        {.name = "group", .type = SEAM_ATTR_INT, .i = c->group},
    };
    int64_t pads4[4] = {c->pads[0], c->pads[1], c->pads[2], c->pads[3]};
    if (c->auto_pad) attrs[4] = (seam_attr){.name = "auto_pad", .type = SEAM_ATTR_STRING, .s = (char *)c->auto_pad};
    else attrs[4] = (seam_attr){.name = "pads", .type = SEAM_ATTR_INTS, .ints = pads4, .n = 4};
    const seam_tensor *in[9] = {x, xs_t, xz_t, w, ws, wz, ys_t, yz_t, b};
    seam_tensor *y;
    CU_ASSERT_EQUAL_FATAL(run_node("QLinearConv", attrs, 5, 9, in, &y), SEAM_OK);
    CU_ASSERT_EQUAL(y->dtype, c->yt);
    int64_t oh = y->dims[2], ow = y->dims[3], pb[2] = {c->pads[0], c->pads[1]};
    if (c->auto_pad) { /* SAME_UPPER: output ceil(in / stride), the smaller half of the padding first */
      int64_t in2[2] = {c->h, c->w}, o2[2] = {oh, ow};
      for (int a = 0; a < 2; a++) {
        CU_ASSERT_EQUAL(o2[a], (in2[a] + c->stride - 1) / c->stride);
        int64_t total = (o2[a] - 1) * c->stride + (c->k - 1) * c->dilation + 1 - in2[a];
        pb[a] = total > 0 ? total / 2 : 0;
      }
    }
    int32_t *want = malloc(sizeof(int32_t) * (size_t)y->count), *want_d = malloc(sizeof(int32_t) * (size_t)y->count);
    direct_conv(c, x, xz, xs, w, ws->data, b ? b->data : NULL, c->ys, yz, oh, ow, pb, want, want_d);
    int exact = 0, worst = 0, saturated = 0;
    for (int64_t i = 0; i < y->count; i++) {
      int got = q_get(y, i);
      exact += got == want[i];
      int d = abs(got - want_d[i]);
      if (d > worst) worst = d;
      saturated += got == (c->yt == SEAM_DTYPE_INT8 ? 127 : 255) || got == (c->yt == SEAM_DTYPE_INT8 ? -128 : 0);
    }
    if (exact != y->count || worst > 1)
      fprintf(stderr, "%s: %d of %lld exact, worst %d steps from the double math\n", c->what, exact,
              (long long)y->count, worst);
    CU_ASSERT_EQUAL(exact, y->count);
    CU_ASSERT(worst <= 1);
    if (strncmp(c->what, "saturating", 10) == 0) CU_ASSERT(saturated > y->count / 4);
    free(want);
    free(want_d);
    seam_tensor *all[] = {x, w, ws, wz, b, xs_t, xz_t, ys_t, yz_t, y};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) seam_tensor_free(all[i]);
  }
}

static void test_matmul_per_column(void) {
  rng_state = 777;
  int64_t ad[3] = {2, 3, 5}, bd[2] = {5, 4}, nd[1] = {4};
  seam_tensor *a = tensor(SEAM_DTYPE_INT8, 3, ad), *b = tensor(SEAM_DTYPE_INT8, 2, bd);
  q_fill(a, -128, 127);
  q_fill(b, -127, 127);
  seam_tensor *bs = tensor(SEAM_DTYPE_FLOAT32, 1, nd), *bz = tensor(SEAM_DTYPE_INT8, 1, nd);
  for (int j = 0; j < 4; j++) ((float *)bs->data)[j] = 0.01f * (float)(j + 1);
  ((int8_t *)bz->data)[2] = 3; /* a non-zero zero point in one column */
  seam_tensor *as = scalar_f32(0.03f), *az = scalar_q(SEAM_DTYPE_INT8, -7), *ys = scalar_f32(0.2f),
              *yz = scalar_q(SEAM_DTYPE_INT8, 1);
  const seam_tensor *in[8] = {a, as, az, b, bs, bz, ys, yz};
  seam_tensor *y;
  CU_ASSERT_EQUAL_FATAL(run_node("QLinearMatMul", NULL, 0, 8, in, &y), SEAM_OK);
  CU_ASSERT_EQUAL_FATAL(y->rank, 3);
  CU_ASSERT_EQUAL(y->dims[2], 4);
  for (int64_t t = 0; t < 6; t++)
    for (int j = 0; j < 4; j++) {
      int64_t acc = 0;
      for (int k = 0; k < 5; k++)
        acc += (int64_t)(q_get(a, t * 5 + k) + 7) * (q_get(b, k * 4 + j) - ((int8_t *)bz->data)[j]);
      float mult = 0.03f * ((float *)bs->data)[j] / 0.2f;
      CU_ASSERT_EQUAL(q_get(y, t * 4 + j), seam_requantize((int32_t)acc, mult, 1, -128, 127));
    }
  seam_tensor *all[] = {a, b, bs, bz, as, az, ys, yz, y};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) seam_tensor_free(all[i]);
}

/* ---- 2. QDQ fusion ---- */

static int count_op(const seam_model *m, const char *op) {
  int n = 0;
  for (int i = 0; i < m->graph->n_nodes; i++) n += strcmp(m->graph->nodes[i].op_type, op) == 0;
  return n;
}

static seam_tensor *run_named(seam_model *m, const seam_tensor *x, const char *out_name, seam_error *err) {
  const char *in_name = "X";
  seam_tensor *y = NULL;
  if (seam_model_run(m, 1, &in_name, &x, 1, out_name ? &out_name : NULL, &y, err) != SEAM_OK) return NULL;
  return y;
}

/* Per-tensor Q/DQ parameters of one activation. */
static void act_params(tb_model *b, const char *name, float scale, int zp) {
  char sn[64], zn[64];
  snprintf(sn, sizeof sn, "%s_s", name);
  snprintf(zn, sizeof zn, "%s_z", name);
  tb_init_f32(b, sn, 0, NULL, &scale, TB_RAW, NULL);
  int8_t z = (int8_t)zp;
  tb_init_raw(b, zn, SEAM_DTYPE_INT8, 0, NULL, &z);
}

/* Q then DQ of tensor `in` with params `p`: writes <out>_q and out. */
static void qdq(tb_model *b, const char *in, const char *p, const char *out) {
  char q[64], ins[192], ins2[192], n1[80], n2[80];
  snprintf(q, sizeof q, "%s_q", out);
  snprintf(ins, sizeof ins, "%s,%s_s,%s_z", in, p, p);
  snprintf(ins2, sizeof ins2, "%s,%s_s,%s_z", q, p, p);
  snprintf(n1, sizeof n1, "%s_Q", out);
  snprintf(n2, sizeof n2, "%s_DQ", out);
  tb_node(b, "QuantizeLinear", n1, ins, q);
  tb_node(b, "DequantizeLinear", n2, ins2, out);
}

/* An int8 weight (per channel on axis, or per tensor) with its DQ → name_f. */
static void weight(tb_model *b, const char *name, int rank, const int64_t *dims, int axis, bool per_channel,
                   float scale0) {
  int64_t n = 1;
  for (int d = 0; d < rank; d++) n *= dims[d];
  int8_t *v = malloc((size_t)n);
  for (int64_t i = 0; i < n; i++) v[i] = (int8_t)rnd_int(-127, 127);
  char qn[64], sn[64], zn[64], fn[64], nn[64], ins[200];
  snprintf(qn, sizeof qn, "%s_q", name);
  snprintf(sn, sizeof sn, "%s_s", name);
  snprintf(zn, sizeof zn, "%s_z", name);
  snprintf(fn, sizeof fn, "%s_f", name);
  snprintf(nn, sizeof nn, "%s_DQ", name);
  tb_init_raw(b, qn, SEAM_DTYPE_INT8, rank, dims, v);
  int64_t ch = per_channel ? dims[axis] : 1;
  float *s = malloc(sizeof(float) * (size_t)ch);
  int8_t *z = calloc((size_t)ch, 1);
  for (int64_t c = 0; c < ch; c++) s[c] = scale0 * (1.0f + 0.1f * (float)c);
  tb_init_f32(b, sn, per_channel ? 1 : 0, &ch, s, TB_RAW, NULL);
  tb_init_raw(b, zn, SEAM_DTYPE_INT8, per_channel ? 1 : 0, &ch, z);
  snprintf(ins, sizeof ins, "%s,%s,%s", qn, sn, zn);
  Onnx__NodeProto *d = tb_node(b, "DequantizeLinear", nn, ins, fn);
  if (per_channel) tb_attr_int(b, d, "axis", axis);
  free(v);
  free(s);
  free(z);
}

/* An int32 bias with scale x_scale * w_scale (times skew) → name_f. */
static void bias(tb_model *b, const char *name, int64_t m, float xs, const char *wname, float w0, bool per_channel,
                 float skew) {
  (void)wname;
  int32_t *v = malloc(sizeof(int32_t) * (size_t)m);
  float *s = malloc(sizeof(float) * (size_t)m);
  int32_t *z = calloc((size_t)m, sizeof(int32_t));
  for (int64_t c = 0; c < m; c++) {
    v[c] = rnd_int(-2000, 2000);
    s[c] = xs * (w0 * (1.0f + 0.1f * (float)(per_channel ? c : 0))) * skew;
  }
  char qn[64], sn[64], zn[64], fn[64], nn[64], ins[200];
  snprintf(qn, sizeof qn, "%s_q", name);
  snprintf(sn, sizeof sn, "%s_s", name);
  snprintf(zn, sizeof zn, "%s_z", name);
  snprintf(fn, sizeof fn, "%s_f", name);
  snprintf(nn, sizeof nn, "%s_DQ", name);
  tb_init_raw(b, qn, SEAM_DTYPE_INT32, 1, &m, v);
  tb_init_f32(b, sn, 1, &m, s, TB_RAW, NULL);
  tb_init_raw(b, zn, SEAM_DTYPE_INT32, 1, &m, z);
  snprintf(ins, sizeof ins, "%s,%s,%s", qn, sn, zn);
  Onnx__NodeProto *d = tb_node(b, "DequantizeLinear", nn, ins, fn);
  tb_attr_int(b, d, "axis", 0);
  free(v);
  free(s);
  free(z);
}

/* X [2,4,9,9] → Q/DQ → Conv 3x3 (per-channel W, bias) → Relu → Q/DQ →
 * depthwise Conv 3x3 stride 2 (per-tensor W, no bias) → Clip(0, 6) → Q/DQ
 * → 1x1 Conv (bias) → Q/DQ → Y. bias_skew != 1 breaks the bias scale rule
 * for the first Conv; second_reader gives its output another reader. */
static tb_model *qdq_conv_model(float bias_skew, bool second_reader) {
  rng_state = 4242;
  tb_model *b = tb_new(13);
  int64_t xd[4] = {2, 4, 9, 9};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  act_params(b, "x", 4.0f / 255.0f, 0);
  act_params(b, "a1", 0.02f, -128);
  act_params(b, "a2", 6.0f / 255.0f, -128);
  act_params(b, "a3", 0.05f, 3);
  qdq(b, "X", "x", "xf");
  int64_t w1d[4] = {8, 4, 3, 3}, w2d[4] = {8, 1, 3, 3}, w3d[4] = {6, 8, 1, 1};
  weight(b, "w1", 4, w1d, 0, true, 0.004f);
  bias(b, "b1", 8, 4.0f / 255.0f, "w1", 0.004f, true, bias_skew);
  Onnx__NodeProto *c1 = tb_node(b, "Conv", "conv1", "xf,w1_f,b1_f", "c1");
  int64_t p1[4] = {1, 1, 1, 1}, k3[2] = {3, 3}, s2[2] = {2, 2};
  tb_attr_ints(b, c1, "pads", 4, p1);
  tb_attr_ints(b, c1, "kernel_shape", 2, k3);
  tb_node(b, "Relu", "relu1", "c1", "r1");
  qdq(b, "r1", "a1", "d1");
  weight(b, "w2", 4, w2d, 0, false, 0.01f);
  Onnx__NodeProto *c2 = tb_node(b, "Conv", "conv2", "d1,w2_f", "c2");
  tb_attr_ints(b, c2, "pads", 4, p1);
  tb_attr_ints(b, c2, "strides", 2, s2);
  tb_attr_int(b, c2, "group", 8);
  float lo = 0.0f, hi = 6.0f;
  tb_init_f32(b, "lo", 0, NULL, &lo, TB_RAW, NULL);
  tb_init_f32(b, "hi", 0, NULL, &hi, TB_RAW, NULL);
  tb_node(b, "Clip", "clip2", "c2,lo,hi", "r2");
  qdq(b, "r2", "a2", "d2");
  weight(b, "w3", 4, w3d, 0, true, 0.003f);
  bias(b, "b3", 6, 6.0f / 255.0f, "w3", 0.003f, true, 1.0f);
  tb_node(b, "Conv", "conv3", "d2,w3_f,b3_f", "c3");
  qdq(b, "c3", "a3", "Y");
  tb_output(b, "Y");
  if (second_reader) {
    tb_node(b, "Sigmoid", "side", "c1", "S");
    tb_output(b, "S");
  }
  return b;
}

/* Largest difference in output steps (scale) between two float tensors. */
static double max_steps(const seam_tensor *a, const seam_tensor *b, float scale, int *differing) {
  if (!a || !b || a->count != b->count) return 1e9;
  double worst = 0;
  *differing = 0;
  for (int64_t i = 0; i < a->count; i++) {
    double d = fabs((double)((const float *)a->data)[i] - ((const float *)b->data)[i]) / scale;
    if (d > 1e-3) (*differing)++;
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

static void test_fused_conv_matches_float_path(void) {
  tb_model *b = qdq_conv_model(1.0f, false);
  int64_t xd[4] = {2, 4, 9, 9};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
  tb_fill_random(x->data, (size_t)x->count, 99, -2.0f, 2.0f);
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  CU_ASSERT_EQUAL(count_op(oracle, "QLinearConv"), 0);
  seam_error err = {0};
  seam_tensor *want = run_named(oracle, x, NULL, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(want);
  const tb_run_mode modes[] = {TB_MODE_FAST, TB_MODE_FAST, TB_MODE_PLANNED_PORTABLE};
  const int threads[] = {1, 2, 1};
  seam_tensor *fast = NULL;
  for (int k = 0; k < 3; k++) {
    seam_model *m = tb_load(b, modes[k], threads[k]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(count_op(m, "QLinearConv"), 3);
    CU_ASSERT_EQUAL(count_op(m, "Conv"), 0);
    CU_ASSERT_EQUAL(count_op(m, "Relu") + count_op(m, "Clip"), 0);
    if (modes[k] == TB_MODE_FAST && seam_xnn_available()) {
      /* All three QLinearConvs on XNNPACK; the only layout conversions are
       * the input's (before conv1) and the output's (after the last
       * DequantizeLinear, which runs in NHWC). */
      seam_tensor *warm = run_named(m, x, NULL, &err);
      seam_tensor_free(warm);
      CU_ASSERT_EQUAL_FATAL(m->engine.lanes[0].n_plans, 1);
      int n_fast, n_portable, n_conv;
      seam_plan_step_counts(m->engine.lanes[0].plans[0], &n_fast, &n_portable, &n_conv);
      CU_ASSERT_EQUAL(n_fast, 3);
      CU_ASSERT_EQUAL(n_conv, 2);
    }
    for (int rep = 0; rep < 2; rep++) {
      seam_tensor *got = run_named(m, x, NULL, &err);
      int differing = 0;
      double steps = max_steps(got, want, 0.05f, &differing);
      if (steps > 1.001 || rep == 0)
        fprintf(stderr, "  fused QDQ conv, mode %d, %d threads: %d of %lld outputs one step off, worst %.3f\n",
                (int)modes[k], threads[k], differing, (long long)want->count, steps);
      CU_ASSERT(steps <= 1.001);
      CU_ASSERT(differing <= want->count / 20);
      if (k == 0 && rep == 0) fast = got;
      else seam_tensor_free(got);
    }
    if (k == 0) {
      /* The pre-quantization tensors are gone; the quantized ones remain. */
      seam_tensor *gone = run_named(m, x, "c1", &err);
      CU_ASSERT_PTR_NULL(gone);
      CU_ASSERT_EQUAL(err.status, SEAM_ERR_NOT_FOUND);
      CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "quantized into QLinearConv 'conv1'"));
      seam_tensor *kept = run_named(m, x, "d1_q", &err);
      CU_ASSERT_PTR_NOT_NULL(kept);
      if (kept) CU_ASSERT_EQUAL(kept->dtype, SEAM_DTYPE_INT8);
      seam_tensor_free(kept);
    }
    seam_model_free(m);
  }
  seam_tensor_free(fast);
  seam_tensor_free(want);
  seam_tensor_free(x);
  seam_model_free(oracle);
  tb_free(b);
}

static void test_fusion_conditions(void) {
  /* Bias scale off by 1e-4 relative: conv1 stays float, the others fuse. */
  tb_model *b = qdq_conv_model(1.0001f, false);
  seam_model *m = tb_load(b, TB_MODE_FAST, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(count_op(m, "Conv"), 1);
  CU_ASSERT_EQUAL(count_op(m, "QLinearConv"), 2);
  seam_model_free(m);
  tb_free(b);
  /* conv1's output has a second reader: conv1 stays float. */
  b = qdq_conv_model(1.0f, true);
  m = tb_load(b, TB_MODE_FAST, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(count_op(m, "Conv"), 1);
  CU_ASSERT_EQUAL(count_op(m, "QLinearConv"), 2);
  int64_t xd[4] = {2, 4, 9, 9};
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
  tb_fill_random(x->data, (size_t)x->count, 5, -2.0f, 2.0f);
  seam_error err = {0};
  seam_tensor *y = run_named(m, x, "S", &err);
  CU_ASSERT_PTR_NOT_NULL(y);
  seam_tensor_free(y);
  seam_model_free(m);
  tb_free(b);

  /* Kept tensors (keep_tensors): conv1's float output keeps conv1 float;
   * d1, the dequantized input of conv2, keeps conv2 float and still feeds
   * it, so the rest computes from it; the others fuse. */
  b = qdq_conv_model(1.0f, false);
  const char *keep[2][1] = {{"c1"}, {"d1"}};
  for (int k = 0; k < 2; k++) {
    seam_model_options o;
    seam_model_options_default(&o);
    o.keep_tensors = keep[k];
    o.n_keep_tensors = 1;
    size_t size;
    const void *bytes = tb_bytes(b, &size);
    m = seam_model_load_memory_with(bytes, size, NULL, &o, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    CU_ASSERT_EQUAL(count_op(m, "Conv"), 1);
    CU_ASSERT_EQUAL(count_op(m, "QLinearConv"), 2);
    seam_tensor *cut = run_named(m, x, keep[k][0], &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cut);
    const char *out = "Y";
    const seam_tensor *given = cut;
    seam_tensor *from_cut = NULL, *whole = run_named(m, x, NULL, &err);
    CU_ASSERT_EQUAL(seam_model_run(m, 1, keep[k], &given, 1, &out, &from_cut, &err), SEAM_OK);
    CU_ASSERT(from_cut && whole && from_cut->count == whole->count &&
              memcmp(from_cut->data, whole->data, (size_t)whole->count * sizeof(float)) == 0);
    seam_tensor_free(from_cut);
    seam_tensor_free(whole);
    seam_tensor_free(cut);
    seam_model_free(m);
  }
  seam_tensor_free(x);
  tb_free(b);
}

static void test_fused_matmul(void) {
  rng_state = 99;
  tb_model *b = tb_new(13);
  int64_t xd[2] = {3, 16}, wd[2] = {16, 8};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 2, xd);
  act_params(b, "x", 4.0f / 255.0f, 0);
  act_params(b, "y", 0.03f, 0);
  qdq(b, "X", "x", "xf");
  weight(b, "w", 2, wd, 1, true, 0.01f);
  tb_node(b, "MatMul", "mm", "xf,w_f", "m");
  tb_node(b, "Relu", "relu", "m", "r");
  qdq(b, "r", "y", "Y");
  tb_output(b, "Y");
  seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 2, xd, NULL);
  tb_fill_random(x->data, (size_t)x->count, 3, -2.0f, 2.0f);
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1), *m = tb_load(b, TB_MODE_FAST, 1);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(count_op(m, "QLinearMatMul"), 1);
  CU_ASSERT_EQUAL(count_op(m, "MatMul"), 0);
  seam_error err = {0};
  seam_tensor *want = run_named(oracle, x, NULL, &err), *got = run_named(m, x, NULL, &err);
  int differing = 0;
  double steps = max_steps(got, want, 0.03f, &differing);
  CU_ASSERT(steps <= 1.001);
  for (int64_t i = 0; got && i < got->count; i++) CU_ASSERT(((float *)got->data)[i] >= 0.0f); /* the Relu */
  seam_tensor_free(want);
  seam_tensor_free(got);
  seam_tensor_free(x);
  seam_model_free(oracle);
  seam_model_free(m);
  tb_free(b);
}

/* ---- 3. the AVX-512 VNNI convolution (runtime/xnn/vnni_conv.c) ---- */

typedef struct vcase {
  int64_t n, c, m, h, w, k, stride, pad;
  bool per_channel;
  const char *act; /* NULL, "Relu", "Clip6" */
  int xz, yz;
} vcase;

/* X → Q/DQ → Conv k×k (W per channel or per tensor, bias) → [act] → Q/DQ → Y. */
static tb_model *vnni_model(const vcase *c, float *y_scale) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {c->n, c->c, c->h, c->w}, wd[4] = {c->m, c->c, c->k, c->k};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  float xs = 4.0f / 255.0f, w0 = 0.01f;
  *y_scale = 0.0265f * sqrtf((float)(c->c * c->k * c->k));
  act_params(b, "x", xs, c->xz);
  act_params(b, "y", *y_scale, c->yz);
  qdq(b, "X", "x", "xf");
  weight(b, "w", 4, wd, 0, c->per_channel, w0);
  bias(b, "b", c->m, xs, "w", w0, c->per_channel, 1.0f);
  Onnx__NodeProto *conv = tb_node(b, "Conv", "conv", "xf,w_f,b_f", c->act ? "c" : "r");
  int64_t pads[4] = {c->pad, c->pad, c->pad, c->pad}, st[2] = {c->stride, c->stride};
  tb_attr_ints(b, conv, "pads", 4, pads);
  tb_attr_ints(b, conv, "strides", 2, st);
  if (c->act && strcmp(c->act, "Relu") == 0) {
    tb_node(b, "Relu", "act", "c", "r");
  } else if (c->act) {
    float lo = 0.0f, hi = 6.0f;
    tb_init_f32(b, "lo", 0, NULL, &lo, TB_RAW, NULL);
    tb_init_f32(b, "hi", 0, NULL, &hi, TB_RAW, NULL);
    tb_node(b, "Clip", "act", "c,lo,hi", "r");
  }
  qdq(b, "r", "y", "Y");
  tb_output(b, "Y");
  return b;
}

/* Every output of the VNNI path (1 and 2 threads, two runs each) within one
 * step of the integer reference kernel run through a plan; the VNNI kernel
 * must actually run (when the CPU has it). */
static void test_vnni_conv(void) {
  const vcase cases[] = {
      {1, 3, 5, 7, 9, 1, 1, 0, true, NULL, 0, 0},
      {2, 17, 16, 5, 5, 1, 1, 0, false, "Relu", -10, -128},
      {1, 70, 33, 6, 7, 1, 1, 0, true, "Clip6", 3, -128},
      {1, 64, 100, 9, 9, 1, 1, 0, true, NULL, 0, 5},
      {1, 1, 3, 3, 1, 1, 1, 0, false, NULL, 7, -3},
      {1, 16, 24, 9, 9, 1, 2, 0, true, NULL, 0, 0},
      {1, 3, 16, 11, 13, 3, 2, 1, true, "Relu", 0, -128},
      {2, 17, 33, 8, 8, 3, 1, 1, false, NULL, -20, 2},
      {1, 8, 5, 6, 5, 3, 1, 0, true, "Clip6", 0, -128},
      {1, 32, 40, 7, 7, 3, 1, 1, true, NULL, 0, 0},
  };
  for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
    const vcase *c = &cases[ci];
    rng_state = 777 + (uint32_t)ci;
    float ys;
    tb_model *b = vnni_model(c, &ys);
    int64_t xd[4] = {c->n, c->c, c->h, c->w};
    seam_tensor *x = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
    tb_fill_random(x->data, (size_t)x->count, 99 + (unsigned)ci, -2.0f, 2.0f);
    seam_model *ref = tb_load(b, TB_MODE_PLANNED_PORTABLE, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    CU_ASSERT_EQUAL(count_op(ref, "QLinearConv"), 1);
    seam_error err = {0};
    seam_tensor *want = run_named(ref, x, NULL, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    for (int threads = 1; threads <= 2; threads++) {
      long before = seam_vconv_live();
      seam_model *m = tb_load(b, TB_MODE_FAST, threads);
      CU_ASSERT_PTR_NOT_NULL_FATAL(m);
      CU_ASSERT_EQUAL(count_op(m, "QLinearConv"), 1);
      for (int rep = 0; rep < 2; rep++) {
        seam_tensor *got = run_named(m, x, NULL, &err);
        int differing = 0;
        double steps = max_steps(got, want, ys, &differing);
        if (steps > 1.001)
          fprintf(stderr, "  VNNI case %zu, %d threads: %d of %lld outputs off, worst %.3f steps\n", ci, threads,
                  differing, (long long)want->count, steps);
        CU_ASSERT(steps <= 1.001);
        seam_tensor_free(got);
      }
      if (seam_vconv_supported()) CU_ASSERT_EQUAL(seam_vconv_live(), before + 1); /* it ran on VNNI */
      seam_model_free(m);
      CU_ASSERT_EQUAL(seam_vconv_live(), before);
    }
    /* Disabled, the same layer runs on XNNPACK's qc8 instead. */
    seam_vconv_override(0);
    long before = seam_vconv_live();
    seam_model *m = tb_load(b, TB_MODE_FAST, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(m);
    seam_tensor *got = run_named(m, x, NULL, &err);
    int differing = 0;
    CU_ASSERT(max_steps(got, want, ys, &differing) <= 1.001);
    CU_ASSERT_EQUAL(seam_vconv_live(), before);
    seam_vconv_override(-1);
    seam_tensor_free(got);
    seam_model_free(m);
    seam_tensor_free(want);
    seam_tensor_free(x);
    seam_model_free(ref);
    tb_free(b);
  }
  if (!seam_vconv_supported()) printf("\n    (no AVX-512 VNNI: only the fallback was tested)\n");
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"rounding half to even, saturation", test_rounding_half_to_even},
      {"QLinearConv against a direct loop", test_conv_against_direct},
      {"QLinearMatMul per column", test_matmul_per_column},
      {"fused QDQ conv vs float path", test_fused_conv_matches_float_path},
      {"fusion conditions", test_fusion_conditions},
      {"fused QDQ matmul", test_fused_matmul},
      {"VNNI int8 convolution vs reference", test_vnni_conv},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("qlinear", tests);
}

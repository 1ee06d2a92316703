#include "edge/cut_wire.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/tensor.h"

/* The one element of a scalar (or one-element) constant, or NULL. */
static const seam_tensor *scalar_constant(const seam_graph *g, int v) {
  if (v < 0 || v >= g->n_values) return NULL;
  const seam_tensor *t = g->values[v].constant;
  return t && t->count == 1 ? t : NULL;
}

/* True (with scale and zero point) when value v is the output of a
 * per-tensor DequantizeLinear of a computed int8/uint8 tensor. */
static bool dequantized_int8(const seam_graph *g, int v, int *q, float *scale, int32_t *zp) {
  int p = g->values[v].producer;
  if (p < 0) return false;
  const seam_node *n = &g->nodes[p];
  if (strcmp(n->op_type, "DequantizeLinear") != 0 || n->n_inputs < 2 || n->act.kind != SEAM_ACT_NONE)
    return false;
  int x = n->inputs[0];
  if (x < 0 || g->values[x].constant) return false;
  const seam_tensor *s = scalar_constant(g, n->inputs[1]);
  if (!s || s->dtype != SEAM_DTYPE_FLOAT32) return false;
  float sv = ((const float *)s->data)[0];
  if (!isfinite(sv) || !(sv > 0)) return false;
  /* The int8 tensor's type: as declared, else the zero point's (a computed
   * tensor often has no declared type), else uint8 (ONNX's default). */
  const seam_tensor *zt = n->n_inputs > 2 && n->inputs[2] >= 0 ? scalar_constant(g, n->inputs[2]) : NULL;
  if (n->n_inputs > 2 && n->inputs[2] >= 0 && !zt) return false;
  seam_dtype xt = g->values[x].dtype;
  if (xt == SEAM_DTYPE_UNDEFINED) xt = zt ? zt->dtype : SEAM_DTYPE_UINT8;
  if (xt != SEAM_DTYPE_INT8 && xt != SEAM_DTYPE_UINT8) return false;
  if (zt && zt->dtype != xt) return false;
  int32_t z = 0;
  if (zt) z = xt == SEAM_DTYPE_INT8 ? ((const int8_t *)zt->data)[0] : ((const uint8_t *)zt->data)[0];
  *q = x;
  *scale = sv;
  *zp = z;
  return true;
}

seam_status seam_cut_wire_plan(const seam_graph *g, const char *name,
                               const seam_codec_options *session_codec, seam_cut_wire *wire,
                               seam_error *err) {
  memset(wire, 0, sizeof *wire);
  int v = seam_graph_find_value(g, name);
  if (v < 0) return seam_fail(err, SEAM_ERR_NOT_FOUND, "cut tensor '%s' is not in the model", name);
  wire->codec = *session_codec;
  int q;
  float scale;
  int32_t zp;
  const char *head = name;
  if (dequantized_int8(g, v, &q, &scale, &zp)) {
    head = g->values[q].name;
    wire->codec.encoding = SEAM_ENCODING_INT8;
    wire->codec.int8_range = SEAM_INT8_RANGE_QUANTIZED;
    wire->codec.scale = scale;
    wire->codec.zero_point = zp;
  }
  wire->head_name = strdup(head);
  if (!wire->head_name) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  return SEAM_OK;
}

/* Writing a QDQ-format ONNX model: the original model with
 * QuantizeLinear → DequantizeLinear pairs around the quantized operators,
 * which seam, ONNX Runtime and other tools read as an INT8 model.
 *
 * What is quantized (Conv, Gemm, MatMul with constant weights):
 *   - activation inputs and outputs: per-tensor asymmetric int8 by seam's
 *     one rule (common/int8_qparams.h, shared with the tensor codec):
 *     scale = (max - min) / 255 over a range holding 0, zero point =
 *     round(-128 - min / scale), an all-zero range scale 1 and zero point
 *     0; a Relu/Clip that is the only reader of the
 *     output is kept in float between the operator and its quantization, so
 *     the quantized tensor is the activation's output (the pattern integer
 *     kernels fuse). Graph outputs stay float.
 *   - weights: int8 initializers, symmetric (zero point 0, values in
 *     [-127, 127]), one scale per output channel (Conv: axis 0; Gemm: axis 0
 *     with transB, else 1; MatMul: the last axis) or one per tensor;
 *   - biases (Conv, and Gemm with alpha = beta = 1 and a 1-D C): int32 with
 *     scale = input scale × weight scale, zero point 0.
 * Every tensor between quantized operators is quantized once; all readers
 * that are not kept in FP32 read its DequantizeLinear output, the ones kept
 * in FP32 read the original float tensor.
 *
 * The ai.onnx opset is raised to 13 when lower (per-axis quantization needs
 * it); a model using an operator whose definition changed between its opset
 * and 13 is refused. */
#ifndef SEAM_RUNTIME_QUANT_QDQ_H
#define SEAM_RUNTIME_QUANT_QDQ_H

#include <stddef.h>

#include "seam/status.h"

typedef struct seam_qdq_options {
  int per_tensor;              /* one weight scale per tensor instead of per channel */
  int n_exclude;               /* nodes (by name) kept in FP32 */
  const char *const *exclude;
  const char *fp32_after;      /* every node downstream of this tensor stays FP32; may be NULL */
} seam_qdq_options;

typedef struct seam_qdq_plan seam_qdq_plan;

/* Parses a serialized model and decides what to quantize. base_dir (may be
 * NULL) resolves external data. Fails on a corrupt model, an unknown
 * --exclude node or --fp32-after tensor, or an opset that cannot be raised. */
seam_qdq_plan *seam_qdq_plan_create(const void *bytes, size_t size, const char *base_dir,
                                    const seam_qdq_options *options, seam_error *err);
void seam_qdq_plan_free(seam_qdq_plan *p);

/* The activation tensors to quantize: their ranges must be set (from
 * calibration) before writing. */
int seam_qdq_activation_count(const seam_qdq_plan *p);
const char *seam_qdq_activation_name(const seam_qdq_plan *p, int i);
/* lo <= 0 <= hi is enforced. */
void seam_qdq_set_range(seam_qdq_plan *p, int i, float lo, float hi);

/* One node the plan quantizes (or keeps in FP32, with the reason). */
typedef struct seam_qdq_node {
  const char *name;      /* the node's name, or its first output's when unnamed */
  const char *op_type;
  int quantized;
  const char *reason;    /* why it stays FP32 (quantized == 0) */
  const char *output;    /* the tensor that carries its result: its output, or
                            that of the Relu/Clip fused after it */
  const char *qdq_output; /* the same value in the QDQ model (its DequantizeLinear
                             output when quantized) */
  int n_inputs;          /* activation inputs (names in the FP32 model) */
  const char *inputs[2];
} seam_qdq_node;

/* Conv, Gemm and MatMul nodes in graph order, quantized or not. */
int seam_qdq_node_count(const seam_qdq_plan *p);
const seam_qdq_node *seam_qdq_node_at(const seam_qdq_plan *p, int i);
/* The ai.onnx opset of the input model (the output uses max(it, 13)). */
int seam_qdq_source_opset(const seam_qdq_plan *p);

/* Serializes the QDQ model; *bytes (malloc'd) belongs to the caller. Also
 * reports how many bias values saturated int32 (normally 0) in *clipped_bias
 * (may be NULL). SEAM_ERR_INVALID_ARGUMENT, naming the activation, when a
 * range set is not finite. */
seam_status seam_qdq_write(const seam_qdq_plan *p, void **bytes, size_t *size, int *clipped_bias,
                           seam_error *err);

#endif

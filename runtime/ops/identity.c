/* Ops that pass their input through: Identity and inference-mode Dropout. */
#include <string.h>

#include "runtime/ops/elementwise.h"

static void copy_data(seam_tensor *out, const seam_tensor *in) {
  if (out && in->count > 0)
    memcpy(out->data, in->data, (size_t)in->count * seam_dtype_size(in->dtype));
}

seam_status seam_ew_identity_infer(seam_op_ctx *ctx) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK) return st;
  return seam_op_output_like(ctx, 0, ctx->inputs[0]);
}

seam_status seam_ew_identity_run(seam_op_ctx *ctx) {
  copy_data(ctx->outputs[0], ctx->inputs[0]);
  return SEAM_OK;
}

/* Dropout: the output is the input and the mask keeps everything, unless
 * the model asks for training-mode dropout with a non-zero ratio, which
 * needs random numbers seam does not produce. Opset 12 added ratio and
 * training_mode as inputs; before opset 10 the mask had the
 * input's dtype instead of bool. */
seam_status seam_ew_dropout_infer(seam_op_ctx *ctx) {
  static const seam_dtype allowed[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_FLOAT16,
                                       SEAM_DTYPE_UNDEFINED};
  seam_status st = seam_op_require_dtype(ctx, 0, allowed);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  const int opset = ctx->node->opset;
  bool training = false;
  double ratio = 0.5;
  if (opset >= 12) {
    const seam_tensor *r = seam_op_input(ctx, 1), *t = seam_op_input(ctx, 2);
    if (r) {
      if (!seam_dtype_is_float(r->dtype) || r->dtype == SEAM_DTYPE_FLOAT16 || r->count != 1)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE, "ratio must be one float32/float64 value");
      ratio = seam_tensor_get_f64(r, 0);
    }
    if (t) {
      if (t->dtype != SEAM_DTYPE_BOOL || t->count != 1)
        return seam_fail(ctx->err, SEAM_ERR_SHAPE, "training_mode must be one bool value");
      training = seam_tensor_get_i64(t, 0) != 0;
    }
  }
  /* Before opset 12 nothing in the node selects training (opset < 7's
   * is_test=0 is what exporters left by default): it is inference, as in
   * every other runtime. */
  if (training && ratio != 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED,
                     "training-mode dropout (ratio %g) is not supported", ratio);
  if ((st = seam_op_output_like(ctx, 0, x)) != SEAM_OK) return st;
  seam_dtype mask = opset >= 10 ? SEAM_DTYPE_BOOL : x->dtype;
  return seam_op_set_output(ctx, 1, mask, x->rank, x->dims);
}

seam_status seam_ew_dropout_run(seam_op_ctx *ctx) {
  copy_data(ctx->outputs[0], ctx->inputs[0]);
  seam_tensor *mask = ctx->n_outputs > 1 ? ctx->outputs[1] : NULL;
  if (!mask) return SEAM_OK;
  for (int64_t i = 0; i < mask->count; i++) {
    switch (mask->dtype) {
    case SEAM_DTYPE_BOOL: ((uint8_t *)mask->data)[i] = 1; break;
    case SEAM_DTYPE_FLOAT32: ((float *)mask->data)[i] = 1.0f; break;
    case SEAM_DTYPE_FLOAT64: ((double *)mask->data)[i] = 1.0; break;
    case SEAM_DTYPE_FLOAT16: ((uint16_t *)mask->data)[i] = 0x3C00; break; /* 1.0 in IEEE half */
    default: break;
    }
  }
  return SEAM_OK;
}

#include "runtime/xnn/xnn_fallback.h"

#include <pthreadpool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "runtime/layout.h"
#include "runtime/ops/op.h"
#include "runtime/xnn/vector_clones.h"

/* A float is NaN or ±inf when its exponent bits are all ones; adding one
 * exponent step then carries into bit 31. An OR of those sums over the array
 * is one vector AND, ADD and OR per register of floats, with no branch: the
 * check costs about one read of the input at memory speed. */
VECTOR_CLONES bool seam_all_finite(const float *x, size_t n) {
  uint32_t any = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t bits;
    memcpy(&bits, &x[i], sizeof bits);
    any |= (bits & 0x7f800000u) + 0x00800000u;
  }
  return !(any & 0x80000000u);
}

/* Large inputs are checked in tiles on the run's thread pool, like the step
 * itself; a tile that finds a non-finite value raises the shared flag. */
#define FINITE_TILE 65536

typedef struct finite_scan {
  const float *x;
  size_t n;
  atomic_bool found;
} finite_scan;

/* pthreadpool_parallelize_1d over tiles: the one variant seam calls (see
 * tests/tsan/annotations.c). */
static void scan_tile(void *context, size_t tile) {
  finite_scan *s = context;
  size_t start = tile * FINITE_TILE, left = s->n - start, count = left < FINITE_TILE ? left : FINITE_TILE;
  if (!seam_all_finite(s->x + start, count)) atomic_store_explicit(&s->found, true, memory_order_relaxed);
}

bool seam_all_finite_parallel(const float *x, size_t n, pthreadpool_t tp) {
  if (n <= FINITE_TILE || pthreadpool_get_threads_count(tp) <= 1) return seam_all_finite(x, n);
  finite_scan s = {.x = x, .n = n};
  atomic_init(&s.found, false);
  pthreadpool_parallelize_1d(tp, scan_tile, &s, (n + FINITE_TILE - 1) / FINITE_TILE, 0);
  return !atomic_load(&s.found);
}

bool seam_xnn_constants_finite(const seam_node *node, const seam_tensor *const *inputs, const bool *is_const) {
  for (int k = 0; k < node->n_inputs && k < SEAM_XNN_FALLBACK_MAX_INPUTS; k++)
    if (inputs[k] && is_const[k] && inputs[k]->dtype == SEAM_DTYPE_FLOAT32 && inputs[k]->data &&
        !seam_all_finite(inputs[k]->data, (size_t)inputs[k]->count))
      return false;
  return true;
}

static seam_tensor view_of(const seam_tensor *shape, const void *data) {
  seam_tensor v = *shape;
  v.data = (void *)data;
  v.owns_data = false;
  v.capacity = 0;
  return v;
}

static float *scratch_like(const seam_tensor *shape) {
  return malloc(seam_tensor_nbytes(shape) + SEAM_TENSOR_TAIL_PAD);
}

seam_status seam_xnn_fallback_run(const seam_xnn_fallback *f, const float *a, const float *b, float *out,
                                  seam_error *err) {
  const seam_node *node = f->node;
  bool nhwc = f->kind == SEAM_XNN_FALLBACK_NHWC;
  float *in_nchw = NULL, *out_nchw = NULL;
  seam_status st = SEAM_OK;
  if (nhwc && (!(in_nchw = scratch_like(&f->in[0])) || !(out_nchw = scratch_like(&f->out)))) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory for the NCHW copies of a non-finite input");
    goto out;
  }
  if (nhwc) seam_layout_convert(a, in_nchw, f->in[0].dims, sizeof(float), false);
  seam_tensor views[SEAM_XNN_FALLBACK_MAX_INPUTS];
  const seam_tensor *inputs[SEAM_XNN_FALLBACK_MAX_INPUTS] = {0};
  int n_in = f->kind == SEAM_XNN_FALLBACK_BINARY ? 2 : f->n_inputs;
  views[0] = view_of(&f->in[0], nhwc ? in_nchw : a);
  inputs[0] = &views[0];
  if (f->kind == SEAM_XNN_FALLBACK_BINARY) {
    views[1] = view_of(&f->in[1], b);
    inputs[1] = &views[1];
  } else {
    for (int k = 1; k < n_in; k++) inputs[k] = f->consts[k];
  }
  seam_tensor y = view_of(&f->out, nhwc ? out_nchw : out), *outputs[1] = {&y};
  memset(y.data, 0, seam_tensor_nbytes(&y)); /* what a fresh allocation gives a kernel */
  seam_op_ctx ctx = {.node = node, .n_inputs = n_in, .inputs = inputs, .n_outputs = 1, .outputs = outputs,
                     .err = err};
  if ((st = node->op->infer(&ctx)) != SEAM_OK) goto fail;
  if (!seam_tensor_same_shape(&y, &f->out)) {
    st = seam_fail(err, SEAM_ERR_INTERNAL, "the portable kernel infers another output shape");
    goto fail;
  }
  if ((st = node->op->run(&ctx)) != SEAM_OK) goto fail;
  if (node->act.kind != SEAM_ACT_NONE) seam_activation_apply(&node->act, &y);
  if (nhwc) seam_layout_convert(out_nchw, out, f->out.dims, sizeof(float), true);
  goto out;
fail:
  seam_error_prefix(err, "node '%s' (%s, opset %d), on non-finite input", node->name, node->op_type, node->opset);
out:
  free(in_nchw);
  free(out_nchw);
  return st;
}

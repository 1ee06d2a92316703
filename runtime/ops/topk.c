/* TopK: the k largest (or smallest, largest=0) elements along `axis`
 * (default -1) and their int64 indices. k is an attribute in opset 1 and a
 * 1-element input from opset 10; largest and sorted exist from opset 11.
 * Results are always sorted (allowed when sorted=0); equal values keep the
 * lower index first. NaN counts as larger than every number (numpy's order). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/reduce_kernels.h"

typedef struct topk_plan {
  int axis;
  int64_t k, outer, n, inner;
  bool largest;
  int64_t out_dims[SEAM_MAX_RANK];
} topk_plan;

static const seam_dtype topk_dtypes[] = {
    SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT8,   SEAM_DTYPE_UINT8,
    SEAM_DTYPE_INT16,   SEAM_DTYPE_UINT16,  SEAM_DTYPE_INT32,  SEAM_DTYPE_UINT32,
    SEAM_DTYPE_INT64,   SEAM_DTYPE_UNDEFINED};

static seam_status make_plan(seam_op_ctx *ctx, topk_plan *p) {
  seam_status st;
  if ((st = seam_op_require_dtype(ctx, 0, topk_dtypes)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank < 1) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "TopK needs an input of rank >= 1");
  if ((st = seam_op_axis(ctx, seam_attr_int(ctx->node, "axis", -1), x->rank, &p->axis)) != SEAM_OK)
    return st;
  if (ctx->node->opset >= 10) {
    const seam_tensor *kt = seam_op_input(ctx, 1);
    int n;
    if (!kt) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input K is required");
    if ((st = seam_op_read_ints(ctx, kt, &p->k, 1, &n)) != SEAM_OK) return st;
    if (n != 1) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "K must hold one value");
  } else {
    if (!seam_node_attr(ctx->node, "k"))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute k is required");
    p->k = seam_attr_int(ctx->node, "k", 0);
  }
  p->largest = ctx->node->opset < 11 || seam_attr_int(ctx->node, "largest", 1) != 0;
  p->n = x->dims[p->axis];
  if (p->k < 0 || p->k > p->n)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "k = %lld is out of range for axis %d of size %lld",
                     (long long)p->k, p->axis, (long long)p->n);
  p->outer = p->inner = 1;
  for (int d = 0; d < x->rank; d++) {
    if (d < p->axis) p->outer *= x->dims[d];
    if (d > p->axis) p->inner *= x->dims[d];
    p->out_dims[d] = d == p->axis ? p->k : x->dims[d];
  }
  return SEAM_OK;
}

seam_status seam_topk_infer(seam_op_ctx *ctx) {
  topk_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if ((st = seam_op_set_output(ctx, 0, x->dtype, x->rank, p.out_dims)) != SEAM_OK) return st;
  return seam_op_set_output(ctx, 1, SEAM_DTYPE_INT64, x->rank, p.out_dims);
}

/* A sort key: floats compare as double, integers as int64 (exact). */
typedef struct topk_item {
  double f;
  int64_t i;
  int64_t index;
} topk_item;

static int cmp_f64(double a, double b) {
  bool na = isnan(a), nb = isnan(b);
  if (na || nb) return na - nb; /* NaN is the largest */
  return a < b ? -1 : a > b;
}

static int cmp_desc_f(const void *pa, const void *pb) {
  const topk_item *a = pa, *b = pb;
  int c = cmp_f64(b->f, a->f);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}
static int cmp_asc_f(const void *pa, const void *pb) {
  const topk_item *a = pa, *b = pb;
  int c = cmp_f64(a->f, b->f);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}
static int cmp_desc_i(const void *pa, const void *pb) {
  const topk_item *a = pa, *b = pb;
  int c = (b->i > a->i) - (b->i < a->i);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}
static int cmp_asc_i(const void *pa, const void *pb) {
  const topk_item *a = pa, *b = pb;
  int c = (a->i > b->i) - (a->i < b->i);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}

seam_status seam_topk_run(seam_op_ctx *ctx) {
  topk_plan p;
  seam_status st = make_plan(ctx, &p);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *values = ctx->outputs[0], *indices = ctx->n_outputs > 1 ? ctx->outputs[1] : NULL;
  if (p.k == 0 || p.outer * p.inner == 0) return SEAM_OK;
  topk_item *items = malloc(sizeof *items * (size_t)p.n);
  if (!items) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  bool is_float = seam_dtype_is_float(x->dtype);
  int (*cmp)(const void *, const void *) =
      is_float ? (p.largest ? cmp_desc_f : cmp_asc_f) : (p.largest ? cmp_desc_i : cmp_asc_i);
  size_t esize = seam_dtype_size(x->dtype);
  for (int64_t o = 0; o < p.outer; o++)
    for (int64_t i = 0; i < p.inner; i++) {
      int64_t in0 = o * p.n * p.inner + i, out0 = o * p.k * p.inner + i;
      for (int64_t j = 0; j < p.n; j++) {
        int64_t at = in0 + j * p.inner;
        items[j].index = j;
        if (is_float) items[j].f = seam_tensor_get_f64(x, at);
        else items[j].i = seam_tensor_get_i64(x, at);
      }
      qsort(items, (size_t)p.n, sizeof *items, cmp);
      for (int64_t j = 0; j < p.k; j++) {
        int64_t to = out0 + j * p.inner, from = in0 + items[j].index * p.inner;
        if (values)
          memcpy((char *)values->data + (size_t)to * esize,
                 (const char *)x->data + (size_t)from * esize, esize);
        if (indices) ((int64_t *)indices->data)[to] = items[j].index;
      }
    }
  free(items);
  return SEAM_OK;
}

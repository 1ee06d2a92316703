/* Pooling over [N, C, spatial...]: MaxPool (with the optional Indices
 * output), AveragePool, LpPool and their Global* forms.
 *
 * The windowed ops share one N-d walk: for each output position it works
 * out, per spatial axis, the range of kernel taps that land inside the
 * input, then visits those taps with the last axis as the inner loop.
 * Padding never contributes a value; AveragePool's count_include_pad only
 * changes the divisor. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "runtime/ops/nn.h"
#include "runtime/ops/window.h"

typedef enum pool_kind { POOL_MAX, POOL_AVERAGE, POOL_LP } pool_kind;

typedef struct pool_job {
  pool_kind kind;
  seam_window w;
  int64_t planes;   /* N * C */
  int64_t in_size;  /* elements per input plane */
  int64_t out_size; /* elements per output plane */
  bool count_include_pad;
  double p; /* LpPool exponent */
  int64_t *indices; /* MaxPool's optional Indices output, or NULL */
  bool col_major;   /* storage_order = 1 */
} pool_job;

/* Window taps of one output position, per axis: k in [lo, hi) lands inside
 * the input; [plo, phi) inside the padded input (for the average divisor). */
typedef struct taps {
  int64_t start[SEAM_WINDOW_MAX_DIMS]; /* input coordinate of tap 0 */
  int64_t lo[SEAM_WINDOW_MAX_DIMS], hi[SEAM_WINDOW_MAX_DIMS];
  int64_t inside, padded; /* tap counts */
} taps;

/* Smallest k >= 0 with start + k * d >= bound. */
static int64_t first_tap(int64_t start, int64_t d, int64_t bound) {
  return start >= bound ? 0 : (bound - start + d - 1) / d;
}

static void window_taps(const seam_window *w, const int64_t *o, taps *t) {
  t->inside = t->padded = 1;
  for (int i = 0; i < w->n; i++) {
    int64_t s = o[i] * w->stride[i] - w->pad_begin[i], d = w->dilation[i], k = w->kernel[i];
    int64_t lo = first_tap(s, d, 0), hi = first_tap(s, d, w->in[i]);
    int64_t plo = first_tap(s, d, -w->pad_begin[i]), phi = first_tap(s, d, w->in[i] + w->pad_end[i]);
    if (hi > k) hi = k;
    if (lo > hi) lo = hi;
    if (phi > k) phi = k;
    if (plo > phi) plo = phi;
    t->start[i] = s;
    t->lo[i] = lo;
    t->hi[i] = hi;
    t->inside *= hi - lo;
    t->padded *= phi - plo;
  }
}

/* Converts a row-major index within a plane to the column-major one. */
static int64_t to_col_major(const seam_window *w, int64_t idx) {
  int64_t coord[SEAM_WINDOW_MAX_DIMS];
  for (int i = w->n - 1; i >= 0; i--) {
    coord[i] = idx % w->in[i];
    idx /= w->in[i];
  }
  int64_t out = 0, mul = 1;
  for (int i = 0; i < w->n; i++) {
    out += coord[i] * mul;
    mul *= w->in[i];
  }
  return out;
}

/* One pooling kernel per element type. ACC is the accumulator type; LOWEST
 * the start value of a max. */
#define POOL_IMPL(T, ACC, LOWEST)                                                               \
  static void pool_##T(const pool_job *job, const T *x, T *y) {                                 \
    const seam_window *w = &job->w;                                                             \
    int n = w->n, last = n - 1;                                                                 \
    int64_t in_stride[SEAM_WINDOW_MAX_DIMS], st = 1;                                            \
    for (int i = n - 1; i >= 0; i--) {                                                          \
      in_stride[i] = st;                                                                        \
      st *= w->in[i];                                                                           \
    }                                                                                           \
    int64_t dl = w->dilation[last];                                                             \
    for (int64_t pl = 0; pl < job->planes; pl++) {                                              \
      const T *xp = x + pl * job->in_size;                                                      \
      int64_t o[SEAM_WINDOW_MAX_DIMS] = {0};                                                    \
      for (int64_t op = 0; op < job->out_size; op++) {                                          \
        taps t;                                                                                 \
        window_taps(w, o, &t);                                                                  \
        ACC acc = job->kind == POOL_MAX ? (ACC)(LOWEST) : (ACC)0;                               \
        int64_t best = -1;                                                                      \
        if (t.inside > 0) {                                                                     \
          int64_t k[SEAM_WINDOW_MAX_DIMS];                                                      \
          for (int i = 0; i < last; i++) k[i] = t.lo[i];                                        \
          for (;;) {                                                                            \
            int64_t base = 0;                                                                   \
            for (int i = 0; i < last; i++) base += (t.start[i] + k[i] * w->dilation[i]) * in_stride[i]; \
            int64_t first = base + t.start[last];                                               \
            switch (job->kind) {                                                                \
            case POOL_MAX:                                                                      \
              for (int64_t q = t.lo[last]; q < t.hi[last]; q++) {                               \
                ACC v = (ACC)xp[first + q * dl];                                                \
                if (best < 0 || v > acc || (v != v && acc == acc)) { /* the first NaN wins */ \
                  acc = v;                                                                      \
                  best = first + q * dl;                                                        \
                }                                                                               \
              }                                                                                 \
              break;                                                                            \
            case POOL_AVERAGE:                                                                  \
              for (int64_t q = t.lo[last]; q < t.hi[last]; q++) acc += (ACC)xp[first + q * dl]; \
              break;                                                                            \
            case POOL_LP:                                                                       \
              for (int64_t q = t.lo[last]; q < t.hi[last]; q++)                                 \
                acc += (ACC)pow(fabs((double)xp[first + q * dl]), job->p);                      \
              break;                                                                            \
            }                                                                                   \
            int i = last - 1;                                                                   \
            for (; i >= 0; i--) {                                                               \
              if (++k[i] < t.hi[i]) break;                                                      \
              k[i] = t.lo[i];                                                                   \
            }                                                                                   \
            if (i < 0) break;                                                                   \
          }                                                                                     \
        }                                                                                       \
        T *out = &y[pl * job->out_size + op];                                                   \
        if (job->kind == POOL_AVERAGE) {                                                        \
          int64_t div = job->count_include_pad ? t.padded : t.inside;                           \
          *out = (T)(div > 0 ? acc / (ACC)div : (ACC)0);                                        \
        } else if (job->kind == POOL_LP) {                                                      \
          *out = (T)pow((double)acc, 1.0 / job->p);                                             \
        } else {                                                                                \
          *out = (T)acc;                                                                        \
          if (job->indices) {                                                                   \
            int64_t idx = best < 0 ? 0 : job->col_major ? to_col_major(w, best) : best;         \
            job->indices[pl * job->out_size + op] = pl * job->in_size + idx;                    \
          }                                                                                     \
        }                                                                                       \
        for (int i = last; i >= 0; i--) {                                                       \
          if (++o[i] < w->out[i]) break;                                                        \
          o[i] = 0;                                                                             \
        }                                                                                       \
      }                                                                                         \
    }                                                                                           \
  }
POOL_IMPL(float, float, -INFINITY)
POOL_IMPL(double, double, -INFINITY)
POOL_IMPL(int8_t, int32_t, INT8_MIN)
POOL_IMPL(uint8_t, int32_t, 0)

static const seam_dtype max_types[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64, SEAM_DTYPE_INT8,
                                       SEAM_DTYPE_UINT8, SEAM_DTYPE_UNDEFINED};
static const seam_dtype avg_types[] = {SEAM_DTYPE_FLOAT32, SEAM_DTYPE_FLOAT64,
                                       SEAM_DTYPE_UNDEFINED};

/* The p of LpPool: a float attribute in opset 1, an int from opset 2. */
static seam_status lp_exponent(seam_op_ctx *ctx, double *p) {
  const seam_attr *a = seam_node_attr(ctx->node, "p");
  *p = !a ? 2.0 : a->type == SEAM_ATTR_FLOAT ? (double)a->f : (double)a->i;
  if (!(*p > 0.0) || !isfinite(*p))
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "p must be positive, got %g", *p);
  return SEAM_OK;
}

static seam_status pool_setup(seam_op_ctx *ctx, pool_kind kind, pool_job *job) {
  seam_status st;
  memset(job, 0, sizeof *job);
  job->kind = kind;
  if ((st = seam_op_require_inputs(ctx, 1)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, kind == POOL_MAX ? max_types : avg_types)) != SEAM_OK)
    return st;
  const seam_tensor *x = ctx->inputs[0];
  if ((st = seam_window_read(ctx, x, NULL, &job->w)) != SEAM_OK) return st;
  bool ceil_mode = seam_attr_int(ctx->node, "ceil_mode", 0) != 0;
  if ((st = seam_window_output(ctx, &job->w, ceil_mode)) != SEAM_OK) return st;
  if (kind == POOL_MAX) {
    int64_t order = seam_attr_int(ctx->node, "storage_order", 0);
    if (order != 0 && order != 1)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "storage_order must be 0 or 1");
    job->col_major = order == 1;
  }
  job->count_include_pad = seam_attr_int(ctx->node, "count_include_pad", 0) != 0;
  if (kind == POOL_LP && (st = lp_exponent(ctx, &job->p)) != SEAM_OK) return st;
  job->planes = x->dims[0] * x->dims[1];
  job->in_size = seam_shape_count(job->w.n, job->w.in);
  job->out_size = seam_shape_count(job->w.n, job->w.out);
  if (job->out_size < 0)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "pooling output size overflows");
  return SEAM_OK;
}

static seam_status pool_infer(seam_op_ctx *ctx, pool_kind kind) {
  pool_job job;
  seam_status st = pool_setup(ctx, kind, &job);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int64_t dims[SEAM_MAX_RANK] = {x->dims[0], x->dims[1]};
  for (int i = 0; i < job.w.n; i++) dims[i + 2] = job.w.out[i];
  if ((st = seam_op_set_output(ctx, 0, x->dtype, x->rank, dims)) != SEAM_OK) return st;
  if (kind == POOL_MAX) return seam_op_set_output(ctx, 1, SEAM_DTYPE_INT64, x->rank, dims);
  return SEAM_OK;
}

static seam_status pool_run(seam_op_ctx *ctx, pool_kind kind) {
  pool_job job;
  seam_status st = pool_setup(ctx, kind, &job);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  void *y = ctx->outputs[0]->data;
  if (kind == POOL_MAX && ctx->n_outputs > 1 && ctx->outputs[1])
    job.indices = ctx->outputs[1]->data;
  switch (x->dtype) {
  case SEAM_DTYPE_FLOAT32: pool_float(&job, x->data, y); break;
  case SEAM_DTYPE_FLOAT64: pool_double(&job, x->data, y); break;
  case SEAM_DTYPE_INT8: pool_int8_t(&job, x->data, y); break;
  case SEAM_DTYPE_UINT8: pool_uint8_t(&job, x->data, y); break;
  default: return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s", seam_dtype_name(x->dtype));
  }
  return SEAM_OK;
}

seam_status seam_max_pool_infer(seam_op_ctx *ctx) { return pool_infer(ctx, POOL_MAX); }
seam_status seam_max_pool_run(seam_op_ctx *ctx) { return pool_run(ctx, POOL_MAX); }
seam_status seam_average_pool_infer(seam_op_ctx *ctx) { return pool_infer(ctx, POOL_AVERAGE); }
seam_status seam_average_pool_run(seam_op_ctx *ctx) { return pool_run(ctx, POOL_AVERAGE); }
seam_status seam_lp_pool_infer(seam_op_ctx *ctx) { return pool_infer(ctx, POOL_LP); }
seam_status seam_lp_pool_run(seam_op_ctx *ctx) { return pool_run(ctx, POOL_LP); }

/* ---- Global pools: one value per (n, c) plane ---- */

seam_status seam_global_pool_infer(seam_op_ctx *ctx) {
  seam_status st;
  if ((st = seam_op_require_inputs(ctx, 1)) != SEAM_OK) return st;
  if ((st = seam_op_require_dtype(ctx, 0, avg_types)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  if (x->rank < 2)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "input must be [N, C, ...], got rank %d", x->rank);
  if (strcmp(ctx->node->op_type, "GlobalLpPool") == 0) {
    double p;
    if ((st = lp_exponent(ctx, &p)) != SEAM_OK) return st;
  }
  int64_t dims[SEAM_MAX_RANK];
  for (int i = 0; i < x->rank; i++) dims[i] = i < 2 ? x->dims[i] : 1;
  return seam_op_set_output(ctx, 0, x->dtype, x->rank, dims);
}

#define GLOBAL_POOL(T)                                                                     \
  static void global_pool_##T(pool_kind kind, double p, const T *x, T *y, int64_t planes,   \
                              int64_t size) {                                              \
    for (int64_t pl = 0; pl < planes; pl++) {                                              \
      const T *xp = x + pl * size;                                                         \
      double acc = kind == POOL_MAX ? -INFINITY : 0.0;                                     \
      if (kind == POOL_MAX) {                                                              \
        T m = size > 0 ? xp[0] : (T)-INFINITY;                                             \
        for (int64_t i = 1; i < size && m == m; i++) /* a NaN is the max, as in NumPy */   \
          if (xp[i] > m || xp[i] != xp[i]) m = xp[i];                                      \
        acc = m;                                                                           \
      } else if (kind == POOL_AVERAGE) {                                                   \
        for (int64_t i = 0; i < size; i++) acc += xp[i];                                   \
        acc = size > 0 ? acc / (double)size : 0.0;                                         \
      } else {                                                                             \
        for (int64_t i = 0; i < size; i++) acc += pow(fabs((double)xp[i]), p);            \
        acc = pow(acc, 1.0 / p);                                                           \
      }                                                                                    \
      y[pl] = (T)acc;                                                                      \
    }                                                                                      \
  }
GLOBAL_POOL(float)
GLOBAL_POOL(double)

static seam_status global_pool_run(seam_op_ctx *ctx, pool_kind kind) {
  seam_status st = seam_global_pool_infer(ctx);
  if (st != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  double p = 2.0;
  if (kind == POOL_LP) lp_exponent(ctx, &p);
  int64_t planes = x->dims[0] * x->dims[1];
  int64_t size = planes > 0 ? x->count / planes : 0;
  if (x->dtype == SEAM_DTYPE_FLOAT32)
    global_pool_float(kind, p, x->data, ctx->outputs[0]->data, planes, size);
  else
    global_pool_double(kind, p, x->data, ctx->outputs[0]->data, planes, size);
  return SEAM_OK;
}

seam_status seam_global_average_pool_run(seam_op_ctx *ctx) { return global_pool_run(ctx, POOL_AVERAGE); }
seam_status seam_global_max_pool_run(seam_op_ctx *ctx) { return global_pool_run(ctx, POOL_MAX); }
seam_status seam_global_lp_pool_run(seam_op_ctx *ctx) { return global_pool_run(ctx, POOL_LP); }

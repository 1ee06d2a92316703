/* Resize (opsets 10-19) and the deprecated Upsample (7-9): nearest, N-linear
 * and cubic interpolation, separable over the axes.
 *
 * Each output axis gets a table: for every output coordinate, the input
 * indices ("taps") it reads and their weights. An output element is the sum
 * over all combinations of one tap per axis of the product of the weights
 * times the input element. Axes that are not resized get one tap of weight
 * 1, so a 2-D bilinear resize of NCHW data costs 4 reads per element.
 *
 * The numerics follow the ONNX reference implementation that produced the
 * conformance data: the source coordinate x is computed in double precision;
 * linear/cubic take the 2/4 input neighbours around x (edge-clamped), where
 * an integral x counts as sitting at ratio 1 of the interval to its left. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/ops/shape_ops.h"
#include "runtime/ops/shape_util.h"

#define MAX_TAPS 4

typedef enum { INTERP_NEAREST, INTERP_LINEAR, INTERP_CUBIC } interp_mode;

typedef enum {
  COORD_HALF_PIXEL,
  COORD_HALF_PIXEL_SYMMETRIC,
  COORD_PYTORCH_HALF_PIXEL,
  COORD_ALIGN_CORNERS,
  COORD_ASYMMETRIC,
  COORD_TF_HALF_PIXEL_FOR_NN,
  COORD_TF_CROP_AND_RESIZE
} coord_mode;

typedef enum {
  NEAREST_ROUND_PREFER_FLOOR,
  NEAREST_ROUND_PREFER_CEIL,
  NEAREST_FLOOR,
  NEAREST_CEIL,
  NEAREST_SIMPLE /* before opset 11: ceil when downsampling, floor otherwise */
} nearest_mode;

typedef struct resize_plan {
  interp_mode mode;
  coord_mode coord;
  nearest_mode nearest;
  double cubic_a;
  bool exclude_outside;
  double extrapolation;
  int rank;
  int64_t out_dims[SEAM_MAX_RANK];
  double scale[SEAM_MAX_RANK];   /* output / input along each axis */
  double out_len[SEAM_MAX_RANK]; /* the output length the coordinate formulas use */
  double roi_start[SEAM_MAX_RANK], roi_end[SEAM_MAX_RANK];
} resize_plan;

typedef struct name_value {
  const char *name;
  int value;
} name_value;

static seam_status parse_enum(seam_op_ctx *ctx, const char *attr, const char *dflt,
                              const name_value *table, int *out) {
  const char *s = seam_attr_string(ctx->node, attr, dflt);
  for (const name_value *e = table; e->name; e++)
    if (strcmp(e->name, s) == 0) {
      *out = e->value;
      return SEAM_OK;
    }
  return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "%s '%s' is not supported", attr, s);
}

static seam_status read_attrs(seam_op_ctx *ctx, resize_plan *p, bool upsample) {
  static const name_value modes[] = {{"nearest", INTERP_NEAREST},
                                     {"linear", INTERP_LINEAR},
                                     {"bilinear", INTERP_LINEAR},
                                     {"cubic", INTERP_CUBIC},
                                     {NULL, 0}};
  static const name_value coords[] = {{"half_pixel", COORD_HALF_PIXEL},
                                      {"half_pixel_symmetric", COORD_HALF_PIXEL_SYMMETRIC},
                                      {"pytorch_half_pixel", COORD_PYTORCH_HALF_PIXEL},
                                      {"align_corners", COORD_ALIGN_CORNERS},
                                      {"asymmetric", COORD_ASYMMETRIC},
                                      {"tf_half_pixel_for_nn", COORD_TF_HALF_PIXEL_FOR_NN},
                                      {"tf_crop_and_resize", COORD_TF_CROP_AND_RESIZE},
                                      {NULL, 0}};
  static const name_value nearests[] = {{"round_prefer_floor", NEAREST_ROUND_PREFER_FLOOR},
                                        {"round_prefer_ceil", NEAREST_ROUND_PREFER_CEIL},
                                        {"floor", NEAREST_FLOOR},
                                        {"ceil", NEAREST_CEIL},
                                        {NULL, 0}};
  int v = 0;
  seam_status st = parse_enum(ctx, "mode", "nearest", modes, &v);
  if (st != SEAM_OK) return st;
  p->mode = (interp_mode)v;
  bool legacy = upsample || ctx->node->opset < 11;
  if (legacy) {
    if (p->mode == INTERP_CUBIC)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "cubic mode needs Resize opset 11");
    p->coord = COORD_ASYMMETRIC;
    p->nearest = NEAREST_SIMPLE;
  } else {
    if ((st = parse_enum(ctx, "coordinate_transformation_mode", "half_pixel", coords, &v)) !=
        SEAM_OK)
      return st;
    p->coord = (coord_mode)v;
    if ((st = parse_enum(ctx, "nearest_mode", "round_prefer_floor", nearests, &v)) != SEAM_OK)
      return st;
    p->nearest = (nearest_mode)v;
  }
  p->cubic_a = seam_attr_float(ctx->node, "cubic_coeff_a", -0.75f);
  p->exclude_outside = seam_attr_int(ctx->node, "exclude_outside", 0) != 0;
  p->extrapolation = seam_attr_float(ctx->node, "extrapolation_value", 0.0f);
  if (seam_attr_int(ctx->node, "antialias", 0) != 0)
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "antialias is not supported");
  return SEAM_OK;
}

/* Reads a float tensor (float32 or float64) of at most max values. */
static seam_status read_floats(seam_op_ctx *ctx, const seam_tensor *t, const char *what,
                               double *buf, int max, int *n) {
  if (t->dtype != SEAM_DTYPE_FLOAT32 && t->dtype != SEAM_DTYPE_FLOAT64)
    return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "%s must be float32 or float64, got %s",
                     what, seam_dtype_name(t->dtype));
  if (t->rank > 1 || t->count > max)
    return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%s must be 1-D with at most %d values", what, max);
  for (int64_t i = 0; i < t->count; i++) buf[i] = seam_tensor_get_f64(t, i);
  *n = (int)t->count;
  return SEAM_OK;
}

/* Works out output dims, scales and roi. The ONNX inputs by version:
 * Upsample 7: scales attribute; Upsample 9 and Resize 10: X, scales;
 * Resize 11+: X, roi, scales, sizes (13+: roi and scales optional;
 * 18+: axes and keep_aspect_ratio_policy attributes). */
static seam_status resize_resolve(seam_op_ctx *ctx, resize_plan *p, bool upsample) {
  seam_status st = seam_op_require_inputs(ctx, 1);
  if (st != SEAM_OK || (st = read_attrs(ctx, p, upsample)) != SEAM_OK) return st;
  const seam_tensor *x = ctx->inputs[0];
  int rank = x->rank;
  p->rank = rank;
  if (rank == 0) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot resize a scalar");
  int opset = ctx->node->opset;

  /* Axes the scales/sizes/roi refer to (all of them before opset 18). */
  int64_t axes[SEAM_MAX_RANK];
  int n_axes = rank;
  int attr_n;
  const int64_t *attr_axes =
      !upsample && opset >= 18 ? seam_attr_ints(ctx->node, "axes", &attr_n) : NULL;
  if (attr_axes) {
    if (attr_n > rank) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "too many axes");
    memcpy(axes, attr_axes, sizeof(int64_t) * (size_t)attr_n);
    n_axes = attr_n;
    if ((st = seam_shape_normalize_axes(ctx, axes, n_axes, rank)) != SEAM_OK) return st;
  } else {
    for (int i = 0; i < rank; i++) axes[i] = i;
  }

  const seam_tensor *scales_t = NULL, *sizes_t = NULL, *roi_t = NULL;
  double scales[SEAM_MAX_RANK];
  int n_scales = 0;
  if (upsample && opset < 9) {
    int n;
    const float *f = seam_attr_floats(ctx->node, "scales", &n);
    if (!f) return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "attribute 'scales' is required");
    if (n > SEAM_MAX_RANK) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "too many scales");
    for (int i = 0; i < n; i++) scales[i] = f[i];
    n_scales = n;
  } else if (upsample || opset < 11) {
    if (!(scales_t = seam_op_input(ctx, 1)))
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "input 'scales' is required");
  } else {
    roi_t = seam_op_input(ctx, 1);
    scales_t = seam_op_input(ctx, 2);
    sizes_t = seam_op_input(ctx, 3);
    if (scales_t && scales_t->count == 0) scales_t = NULL; /* an empty placeholder */
    if (sizes_t && sizes_t->count == 0) sizes_t = NULL;
    if (roi_t && roi_t->count == 0) roi_t = NULL;
    if (!scales_t == !sizes_t)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT,
                       "exactly one of scales and sizes must be given");
  }
  if (scales_t &&
      (st = read_floats(ctx, scales_t, "scales", scales, SEAM_MAX_RANK, &n_scales)) != SEAM_OK)
    return st;

  for (int d = 0; d < rank; d++) {
    p->scale[d] = 1.0;
    p->out_dims[d] = x->dims[d];
    p->out_len[d] = (double)x->dims[d];
    p->roi_start[d] = 0.0;
    p->roi_end[d] = 1.0;
  }
  if (!sizes_t) {
    if (n_scales != n_axes)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%d scales for %d axes", n_scales, n_axes);
    for (int i = 0; i < n_axes; i++) {
      int a = (int)axes[i];
      double s = scales[i], len = s * (double)x->dims[a];
      if (!(s > 0) || !(len < 1e15))
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "scale %g is invalid", s);
      p->scale[a] = s;
      p->out_len[a] = len;
      p->out_dims[a] = (int64_t)floor(len);
    }
  } else {
    int64_t sizes[SEAM_MAX_RANK];
    int n;
    if ((st = seam_op_read_ints(ctx, sizes_t, sizes, SEAM_MAX_RANK, &n)) != SEAM_OK) return st;
    if (n != n_axes) return seam_fail(ctx->err, SEAM_ERR_SHAPE, "%d sizes for %d axes", n, n_axes);
    for (int i = 0; i < n; i++)
      if (sizes[i] < 0 || sizes[i] > ((int64_t)1 << 40))
        return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "size %lld is invalid",
                         (long long)sizes[i]);
    const char *policy = opset >= 18
                             ? seam_attr_string(ctx->node, "keep_aspect_ratio_policy", "stretch")
                             : "stretch";
    bool stretch = strcmp(policy, "stretch") == 0, not_larger = strcmp(policy, "not_larger") == 0;
    if (!stretch && !not_larger && strcmp(policy, "not_smaller") != 0)
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED,
                       "keep_aspect_ratio_policy '%s' is not supported", policy);
    double common = not_larger ? INFINITY : 0.0;
    for (int i = 0; i < n; i++) {
      int a = (int)axes[i];
      if (x->dims[a] == 0) {
        if (sizes[i] != 0)
          return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot resize an empty axis %d to %lld", a,
                           (long long)sizes[i]);
        continue;
      }
      double s = (double)sizes[i] / (double)x->dims[a];
      if (stretch) {
        p->scale[a] = s;
        p->out_dims[a] = sizes[i];
        p->out_len[a] = (double)sizes[i];
      } else {
        common = not_larger ? fmin(common, s) : fmax(common, s);
      }
    }
    if (!stretch)
      for (int i = 0; i < n; i++) {
        int a = (int)axes[i];
        if (x->dims[a] == 0 || !(common > 0) || isinf(common)) continue;
        p->scale[a] = common;
        p->out_dims[a] = (int64_t)floor(common * (double)x->dims[a] + 0.5);
        p->out_len[a] = (double)p->out_dims[a];
      }
  }
  for (int d = 0; d < rank; d++)
    if (x->dims[d] == 0 && p->out_dims[d] != 0)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "cannot resize the empty axis %d", d);

  if (p->coord == COORD_TF_CROP_AND_RESIZE) {
    double roi[2 * SEAM_MAX_RANK];
    int n;
    if (!roi_t)
      return seam_fail(ctx->err, SEAM_ERR_INVALID_ARGUMENT, "tf_crop_and_resize needs roi");
    if ((st = read_floats(ctx, roi_t, "roi", roi, 2 * SEAM_MAX_RANK, &n)) != SEAM_OK) return st;
    if (n != 2 * n_axes)
      return seam_fail(ctx->err, SEAM_ERR_SHAPE, "roi has %d values for %d axes", n, n_axes);
    for (int i = 0; i < n_axes; i++) {
      p->roi_start[axes[i]] = roi[i];
      p->roi_end[axes[i]] = roi[n_axes + i];
    }
  }
  return SEAM_OK;
}

/* Source coordinate of output coordinate o along axis a; *outside is set
 * when tf_crop_and_resize maps it outside the input. */
static double source_coord(const resize_plan *p, int a, int64_t o, int64_t in_len, bool *outside) {
  double x = (double)o, s = p->scale[a], out_len = p->out_len[a], in = (double)in_len;
  *outside = false;
  switch (p->coord) {
  case COORD_HALF_PIXEL: return (x + 0.5) / s - 0.5;
  case COORD_HALF_PIXEL_SYMMETRIC: {
    double adjustment = (double)p->out_dims[a] / (s * in), center = in / 2;
    return center * (1 - adjustment) + (x + 0.5) / s - 0.5;
  }
  case COORD_PYTORCH_HALF_PIXEL: return out_len > 1 ? (x + 0.5) / s - 0.5 : 0.0;
  case COORD_ALIGN_CORNERS: return out_len == 1 ? 0.0 : x * (in - 1) / (out_len - 1);
  case COORD_ASYMMETRIC: return x / s;
  case COORD_TF_HALF_PIXEL_FOR_NN: return (x + 0.5) / s;
  case COORD_TF_CROP_AND_RESIZE: {
    double start = p->roi_start[a], end = p->roi_end[a], c;
    if (out_len == 1)
      c = (end - start) * (in - 1) / 2;
    else
      c = x * (end - start) * (in - 1) / (out_len - 1);
    c += start * (in - 1);
    *outside = c < 0 || c > in - 1;
    return c;
  }
  }
  return 0.0;
}

static int64_t clamp_index(int64_t i, int64_t n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

/* The input index nearest mode picks for source coordinate x. */
static int64_t nearest_index(nearest_mode m, double x, bool downsampling) {
  double f = floor(x), frac = x - f;
  switch (m) {
  case NEAREST_ROUND_PREFER_FLOOR: return (int64_t)(frac <= 0.5 ? f : f + 1);
  case NEAREST_ROUND_PREFER_CEIL: return (int64_t)(frac < 0.5 ? f : f + 1);
  case NEAREST_FLOOR: return (int64_t)f;
  case NEAREST_CEIL: return (int64_t)ceil(x);
  case NEAREST_SIMPLE: return (int64_t)(downsampling ? ceil(x) : f);
  }
  return (int64_t)f;
}

static void cubic_weights(double r, double a, double *w) {
  double t0 = r + 1, t1 = r, t2 = 1 - r, t3 = 2 - r;
  w[0] = ((a * t0 - 5 * a) * t0 + 8 * a) * t0 - 4 * a;
  w[1] = ((a + 2) * t1 - (a + 3)) * t1 * t1 + 1;
  w[2] = ((a + 2) * t2 - (a + 3)) * t2 * t2 + 1;
  w[3] = ((a * t3 - 5 * a) * t3 + 8 * a) * t3 - 4 * a;
}

/* One output coordinate's taps along one axis. */
typedef struct tap_set {
  int n;
  bool outside;
  int64_t offset[MAX_TAPS]; /* input element offset: index * stride */
  double weight[MAX_TAPS];
} tap_set;

static void make_taps(const resize_plan *p, int a, int64_t o, int64_t in_len, int64_t stride,
                      tap_set *t) {
  double x = source_coord(p, a, o, in_len, &t->outside);
  if (t->outside || !isfinite(x)) {
    t->outside = true;
    t->n = 0;
    return;
  }
  /* Keep x within a range where the int64 conversions below are exact. */
  double lim = (double)in_len + 8;
  if (x < -lim) x = -lim;
  if (x > lim) x = lim;
  if (p->mode == INTERP_NEAREST) {
    t->n = 1;
    t->offset[0] = clamp_index(nearest_index(p->nearest, x, p->scale[a] < 1), in_len) * stride;
    t->weight[0] = 1;
    return;
  }
  int n = p->mode == INTERP_LINEAR ? 2 : 4;
  double f = floor(x), ratio = x - f;
  int64_t base = (int64_t)f;
  if (ratio == 0) { /* an integral x sits at ratio 1 of the interval to its left */
    ratio = 1;
    base -= 1;
  }
  double w[MAX_TAPS];
  if (n == 2) {
    w[0] = 1 - ratio;
    w[1] = ratio;
  } else {
    cubic_weights(ratio, p->cubic_a, w);
  }
  /* The window of n neighbours, kept inside the edge-padded input like the
   * reference's nearest-neighbour search does. */
  int64_t pad = (n + 1) / 2;
  int64_t first = base - n / 2 + 1;
  if (first < -pad) first = -pad;
  if (first > in_len + pad - n) first = in_len + pad - n;
  if (p->exclude_outside) {
    double sum = 0;
    for (int i = 0; i < n; i++) {
      int64_t idx = first + i;
      if (idx < 0 || idx >= in_len) w[i] = 0;
      sum += w[i];
    }
    for (int i = 0; i < n; i++) w[i] = sum != 0 ? w[i] / sum : 0;
  }
  t->n = 0;
  for (int i = 0; i < n; i++) {
    if (w[i] == 0) continue;
    /* Merge taps that clamp onto the same input element. */
    int64_t off = clamp_index(first + i, in_len) * stride;
    int k = 0;
    while (k < t->n && t->offset[k] != off) k++;
    if (k == t->n) {
      t->offset[k] = off;
      t->weight[k] = 0;
      t->n++;
    }
    t->weight[k] += w[i];
  }
  if (t->n == 0) { /* every weight was zero: read the nearest element with weight 0 */
    t->n = 1;
    t->offset[0] = clamp_index(base, in_len) * stride;
    t->weight[0] = 0;
  }
}

static seam_status check_dtype(seam_op_ctx *ctx, const resize_plan *p) {
  seam_dtype dt = ctx->inputs[0]->dtype;
  if (p->mode == INTERP_NEAREST && p->coord != COORD_TF_CROP_AND_RESIZE) {
    if (seam_dtype_size(dt) == 0)
      return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "dtype %s", seam_dtype_name(dt));
    return SEAM_OK;
  }
  switch (dt) {
  case SEAM_DTYPE_FLOAT32:
  case SEAM_DTYPE_FLOAT64:
  case SEAM_DTYPE_UINT8:
  case SEAM_DTYPE_INT8:
  case SEAM_DTYPE_INT32: return SEAM_OK;
  default:
    return seam_fail(ctx->err, SEAM_ERR_UNSUPPORTED, "interpolating dtype %s is not supported",
                     seam_dtype_name(dt));
  }
}

static seam_status resize_infer_common(seam_op_ctx *ctx, bool upsample) {
  resize_plan p;
  seam_status st = resize_resolve(ctx, &p, upsample);
  if (st != SEAM_OK || (st = check_dtype(ctx, &p)) != SEAM_OK) return st;
  return seam_op_set_output(ctx, 0, ctx->inputs[0]->dtype, p.rank, p.out_dims);
}

static double load(const seam_tensor *x, int64_t i) {
  switch (x->dtype) {
  case SEAM_DTYPE_FLOAT32: return ((const float *)x->data)[i];
  case SEAM_DTYPE_FLOAT64: return ((const double *)x->data)[i];
  default: return seam_tensor_get_f64(x, i);
  }
}

/* Stores v, rounding and saturating for integer dtypes. */
static void store(seam_tensor *y, int64_t i, double v) {
  switch (y->dtype) {
  case SEAM_DTYPE_FLOAT32: ((float *)y->data)[i] = (float)v; return;
  case SEAM_DTYPE_FLOAT64: ((double *)y->data)[i] = v; return;
  case SEAM_DTYPE_UINT8: v = fmin(fmax(v, 0), 255); break;
  case SEAM_DTYPE_INT8: v = fmin(fmax(v, -128), 127); break;
  case SEAM_DTYPE_INT32: v = fmin(fmax(v, -2147483648.0), 2147483647.0); break;
  default: break;
  }
  seam_tensor_set_f64(y, i, isnan(v) ? 0 : nearbyint(v));
}

/* The tap table may take this many bytes per byte of output, plus a fixed
 * allowance (resize_run_common). */
#define TAP_TABLE_PER_OUTPUT_BYTE 2
#define TAP_TABLE_FREE_BYTES ((size_t)1 << 20)

static seam_status resize_run_common(seam_op_ctx *ctx, bool upsample) {
  const seam_tensor *x = ctx->inputs[0];
  seam_tensor *y = ctx->outputs[0];
  if (!y || y->count == 0) return SEAM_OK;
  resize_plan p;
  seam_status st = resize_resolve(ctx, &p, upsample);
  if (st != SEAM_OK) return st;
  int rank = p.rank;
  /* One tap table for the axes it is small for: taps[first[a] + o] for
   * output coordinate o of a tabulated axis. A table entry is ~18x an FP32
   * element, so an axis that holds most of the output (a long 1-D resize, a
   * hostile shape) would make the table many times the output: such an
   * axis's taps are made per element instead. */
  size_t table_limit = (size_t)y->count * seam_dtype_size(y->dtype) * TAP_TABLE_PER_OUTPUT_BYTE + TAP_TABLE_FREE_BYTES;
  int64_t first[SEAM_MAX_RANK + 1];
  bool tabulated[SEAM_MAX_RANK];
  first[0] = 0;
  for (int a = 0; a < rank; a++) {
    size_t grown = sizeof(tap_set) * (size_t)(first[a] + p.out_dims[a]);
    tabulated[a] = grown <= table_limit;
    first[a + 1] = first[a] + (tabulated[a] ? p.out_dims[a] : 0);
  }
  tap_set *taps = first[rank] ? malloc(sizeof(tap_set) * (size_t)first[rank]) : NULL;
  if (first[rank] && !taps) return seam_fail(ctx->err, SEAM_ERR_NO_MEMORY, "out of memory");
  for (int a = 0; a < rank; a++)
    for (int64_t o = 0; tabulated[a] && o < p.out_dims[a]; o++)
      make_taps(&p, a, o, x->dims[a], x->strides[a], &taps[first[a] + o]);
  tap_set own[SEAM_MAX_RANK]; /* the taps of the untabulated axes, per element */

  int64_t coord[SEAM_MAX_RANK] = {0};
  size_t elem = seam_dtype_size(x->dtype);
  bool copy = p.mode == INTERP_NEAREST && p.coord != COORD_TF_CROP_AND_RESIZE;
  for (int64_t i = 0; i < y->count; i++) {
    const tap_set *t[SEAM_MAX_RANK];
    bool outside = false;
    for (int a = 0; a < rank; a++) {
      if (tabulated[a]) {
        t[a] = &taps[first[a] + coord[a]];
      } else {
        make_taps(&p, a, coord[a], x->dims[a], x->strides[a], &own[a]);
        t[a] = &own[a];
      }
      outside |= t[a]->outside;
    }
    if (copy) {
      int64_t off = 0;
      for (int a = 0; a < rank; a++) off += t[a]->offset[0];
      memcpy((char *)y->data + (size_t)i * elem, (const char *)x->data + (size_t)off * elem, elem);
    } else if (outside) {
      store(y, i, p.extrapolation);
    } else {
      /* Sum over every combination of one tap per axis. */
      int k[SEAM_MAX_RANK] = {0};
      double sum = 0;
      for (;;) {
        double w = 1;
        int64_t off = 0;
        for (int a = 0; a < rank; a++) {
          w *= t[a]->weight[k[a]];
          off += t[a]->offset[k[a]];
        }
        sum += w * load(x, off);
        int a = rank - 1;
        for (; a >= 0; a--) {
          if (++k[a] < t[a]->n) break;
          k[a] = 0;
        }
        if (a < 0) break;
      }
      store(y, i, sum);
    }
    for (int a = rank - 1; a >= 0; a--) {
      if (++coord[a] < p.out_dims[a]) break;
      coord[a] = 0;
    }
  }
  free(taps);
  return SEAM_OK;
}

seam_status seam_op_resize_infer(seam_op_ctx *ctx) { return resize_infer_common(ctx, false); }
seam_status seam_op_resize_run(seam_op_ctx *ctx) { return resize_run_common(ctx, false); }
seam_status seam_op_upsample_infer(seam_op_ctx *ctx) { return resize_infer_common(ctx, true); }
seam_status seam_op_upsample_run(seam_op_ctx *ctx) { return resize_run_common(ctx, true); }

#include "runtime/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"

SEAM_API const char *seam_dtype_name(seam_dtype dtype) {
  switch (dtype) {
  case SEAM_DTYPE_FLOAT32: return "float32";
  case SEAM_DTYPE_UINT8: return "uint8";
  case SEAM_DTYPE_INT8: return "int8";
  case SEAM_DTYPE_UINT16: return "uint16";
  case SEAM_DTYPE_INT16: return "int16";
  case SEAM_DTYPE_INT32: return "int32";
  case SEAM_DTYPE_INT64: return "int64";
  case SEAM_DTYPE_BOOL: return "bool";
  case SEAM_DTYPE_FLOAT16: return "float16";
  case SEAM_DTYPE_FLOAT64: return "float64";
  case SEAM_DTYPE_UINT32: return "uint32";
  case SEAM_DTYPE_UINT64: return "uint64";
  case SEAM_DTYPE_UNDEFINED: break;
  }
  return "undefined";
}

SEAM_API size_t seam_dtype_size(seam_dtype dtype) {
  switch (dtype) {
  case SEAM_DTYPE_UINT8:
  case SEAM_DTYPE_INT8:
  case SEAM_DTYPE_BOOL: return 1;
  case SEAM_DTYPE_UINT16:
  case SEAM_DTYPE_INT16:
  case SEAM_DTYPE_FLOAT16: return 2;
  case SEAM_DTYPE_FLOAT32:
  case SEAM_DTYPE_INT32:
  case SEAM_DTYPE_UINT32: return 4;
  case SEAM_DTYPE_INT64:
  case SEAM_DTYPE_FLOAT64:
  case SEAM_DTYPE_UINT64: return 8;
  case SEAM_DTYPE_UNDEFINED: break;
  }
  return 0;
}

bool seam_dtype_is_float(seam_dtype dtype) {
  return dtype == SEAM_DTYPE_FLOAT32 || dtype == SEAM_DTYPE_FLOAT64 || dtype == SEAM_DTYPE_FLOAT16;
}

bool seam_dtype_is_integer(seam_dtype dtype) {
  switch (dtype) {
  case SEAM_DTYPE_UINT8:
  case SEAM_DTYPE_INT8:
  case SEAM_DTYPE_UINT16:
  case SEAM_DTYPE_INT16:
  case SEAM_DTYPE_INT32:
  case SEAM_DTYPE_INT64:
  case SEAM_DTYPE_UINT32:
  case SEAM_DTYPE_UINT64: return true;
  default: return false;
  }
}

int64_t seam_shape_count(int rank, const int64_t *dims) {
  int64_t n = 1;
  for (int i = 0; i < rank; i++) {
    if (dims[i] < 0) return -1;
    if (dims[i] != 0 && n > INT64_MAX / dims[i]) return -1;
    n *= dims[i];
  }
  return n;
}

const char *seam_shape_str(int rank, const int64_t *dims, char *buf, size_t size) {
  size_t used = 0;
  used += (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < rank && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, i ? ",%lld" : "%lld", (long long)dims[i]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

seam_tensor *seam_tensor_new_shell(void) {
  seam_tensor *t = calloc(1, sizeof *t);
  if (t) t->count = 1;
  return t;
}

seam_status seam_tensor_set_shape(seam_tensor *t, seam_dtype dtype, int rank, const int64_t *dims,
                                  seam_error *err) {
  if (rank < 0 || rank > SEAM_MAX_RANK)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "rank %d is outside 0..%d", rank, SEAM_MAX_RANK);
  if (seam_dtype_size(dtype) == 0)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "dtype %d is not supported", (int)dtype);
  int64_t count = seam_shape_count(rank, dims);
  if (count < 0) {
    char buf[128];
    return seam_fail(err, SEAM_ERR_SHAPE, "invalid shape %s", seam_shape_str(rank, dims, buf, sizeof buf));
  }
  if ((uint64_t)count > (uint64_t)(SIZE_MAX / 2) / seam_dtype_size(dtype))
    return seam_fail(err, SEAM_ERR_SHAPE, "tensor of %lld elements is too large", (long long)count);
  /* Strides can overflow even when count does not: an empty tensor
   * ([0, 5, INT64_MAX]) has a zero count but not representable strides. */
  int64_t strides[SEAM_MAX_RANK], stride = 1;
  for (int i = rank - 1; i >= 0; i--) {
    strides[i] = stride;
    if (i > 0 && dims[i] != 0 && stride > INT64_MAX / dims[i]) {
      char buf[128];
      return seam_fail(err, SEAM_ERR_SHAPE, "invalid shape %s: its strides overflow",
                       seam_shape_str(rank, dims, buf, sizeof buf));
    }
    if (i > 0) stride *= dims[i];
  }
  t->dtype = dtype;
  t->rank = rank;
  for (int i = 0; i < rank; i++) {
    t->dims[i] = dims[i];
    t->strides[i] = strides[i];
  }
  for (int i = rank; i < SEAM_MAX_RANK; i++) t->dims[i] = t->strides[i] = 0;
  t->count = count;
  return SEAM_OK;
}

seam_status seam_tensor_alloc(seam_tensor *t, seam_error *err) {
  size_t need = (size_t)t->count * seam_dtype_size(t->dtype);
  if (t->data && t->owns_data && t->capacity >= need) return SEAM_OK;
  if (t->owns_data) free(t->data);
  t->data = calloc(1, need + SEAM_TENSOR_TAIL_PAD);
  t->owns_data = t->data != NULL;
  t->capacity = t->data ? need : 0;
  if (!t->data)
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory allocating %zu bytes", need);
  return SEAM_OK;
}

bool seam_tensor_same_shape(const seam_tensor *a, const seam_tensor *b) {
  if (a->dtype != b->dtype || a->rank != b->rank) return false;
  for (int i = 0; i < a->rank; i++)
    if (a->dims[i] != b->dims[i]) return false;
  return true;
}

SEAM_API seam_tensor *seam_tensor_create(seam_dtype dtype, size_t rank, const int64_t *dims,
                                         seam_error *err) {
  if (rank > 0 && !dims) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "dims is NULL for rank %zu", rank);
    return NULL;
  }
  seam_tensor *t = seam_tensor_new_shell();
  if (!t) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (rank > SEAM_MAX_RANK || seam_tensor_set_shape(t, dtype, (int)rank, dims, err) != SEAM_OK ||
      seam_tensor_alloc(t, err) != SEAM_OK) {
    if (rank > SEAM_MAX_RANK)
      seam_fail(err, SEAM_ERR_UNSUPPORTED, "rank %zu exceeds %d", rank, SEAM_MAX_RANK);
    seam_tensor_free(t);
    return NULL;
  }
  return t;
}

SEAM_API seam_tensor *seam_tensor_clone(const seam_tensor *src, seam_error *err) {
  if (!src) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "tensor is NULL");
    return NULL;
  }
  seam_tensor *t = seam_tensor_create(src->dtype, (size_t)src->rank, src->dims, err);
  if (t && src->data) memcpy(t->data, src->data, seam_tensor_nbytes(src));
  return t;
}

SEAM_API void seam_tensor_free(seam_tensor *t) {
  if (!t) return;
  if (t->owns_data) free(t->data);
  free(t);
}

SEAM_API seam_dtype seam_tensor_dtype(const seam_tensor *t) { return t->dtype; }
SEAM_API size_t seam_tensor_rank(const seam_tensor *t) { return (size_t)t->rank; }
SEAM_API const int64_t *seam_tensor_dims(const seam_tensor *t) { return t->dims; }
SEAM_API size_t seam_tensor_count(const seam_tensor *t) { return (size_t)t->count; }
SEAM_API size_t seam_tensor_nbytes(const seam_tensor *t) {
  return (size_t)t->count * seam_dtype_size(t->dtype);
}
SEAM_API void *seam_tensor_data(seam_tensor *t) { return t->data; }
SEAM_API const void *seam_tensor_data_const(const seam_tensor *t) { return t->data; }

/* 2^63 is the first double above INT64_MAX. */
static int64_t saturate_f64_to_i64(double v) {
  if (v != v) return 0;
  if (v >= 9223372036854775807.0) return INT64_MAX;
  if (v <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)v;
}

double seam_tensor_get_f64(const seam_tensor *t, int64_t i) {
  switch (t->dtype) {
  case SEAM_DTYPE_FLOAT32: return ((const float *)t->data)[i];
  case SEAM_DTYPE_FLOAT64: return ((const double *)t->data)[i];
  default: return (double)seam_tensor_get_i64(t, i);
  }
}

int64_t seam_tensor_get_i64(const seam_tensor *t, int64_t i) {
  switch (t->dtype) {
  case SEAM_DTYPE_UINT8: return ((const uint8_t *)t->data)[i];
  case SEAM_DTYPE_BOOL: return ((const uint8_t *)t->data)[i] != 0;
  case SEAM_DTYPE_INT8: return ((const int8_t *)t->data)[i];
  case SEAM_DTYPE_UINT16: return ((const uint16_t *)t->data)[i];
  case SEAM_DTYPE_INT16: return ((const int16_t *)t->data)[i];
  case SEAM_DTYPE_INT32: return ((const int32_t *)t->data)[i];
  case SEAM_DTYPE_UINT32: return ((const uint32_t *)t->data)[i];
  case SEAM_DTYPE_INT64: return ((const int64_t *)t->data)[i];
  case SEAM_DTYPE_UINT64: return (int64_t)((const uint64_t *)t->data)[i];
  case SEAM_DTYPE_FLOAT32: return saturate_f64_to_i64(((const float *)t->data)[i]);
  case SEAM_DTYPE_FLOAT64: return saturate_f64_to_i64(((const double *)t->data)[i]);
  default: return 0;
  }
}

/* Converts to an integer type with saturation (NaN → 0): an out-of-range
 * float-to-integer conversion is undefined behaviour in C. */
static int64_t saturate_i64(double v, double lo, double hi) {
  if (v != v) return 0;
  if (v <= lo) return (int64_t)lo;
  if (v >= hi) return (int64_t)hi;
  return (int64_t)v;
}

void seam_tensor_set_f64(seam_tensor *t, int64_t i, double v) {
  switch (t->dtype) {
  case SEAM_DTYPE_FLOAT32: ((float *)t->data)[i] = (float)v; break;
  case SEAM_DTYPE_FLOAT64: ((double *)t->data)[i] = v; break;
  case SEAM_DTYPE_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)saturate_i64(v, 0, UINT8_MAX); break;
  case SEAM_DTYPE_BOOL: ((uint8_t *)t->data)[i] = v != 0; break;
  case SEAM_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)saturate_i64(v, INT8_MIN, INT8_MAX); break;
  case SEAM_DTYPE_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)saturate_i64(v, 0, UINT16_MAX); break;
  case SEAM_DTYPE_INT16: ((int16_t *)t->data)[i] = (int16_t)saturate_i64(v, INT16_MIN, INT16_MAX); break;
  case SEAM_DTYPE_INT32: ((int32_t *)t->data)[i] = (int32_t)saturate_i64(v, INT32_MIN, INT32_MAX); break;
  case SEAM_DTYPE_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)saturate_i64(v, 0, UINT32_MAX); break;
  case SEAM_DTYPE_INT64:
    ((int64_t *)t->data)[i] = saturate_f64_to_i64(v);
    break;
  case SEAM_DTYPE_UINT64:
    ((uint64_t *)t->data)[i] = v != v || v <= 0 ? 0 : v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
    break;
  default: break;
  }
}

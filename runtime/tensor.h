/* The tensor struct as the runtime sees it. Apps only see the opaque handle
 * of include/seam/tensor.h. */
#ifndef SEAM_RUNTIME_TENSOR_H
#define SEAM_RUNTIME_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/tensor.h"

/* Every buffer is over-allocated by this many bytes: fast kernels (XNNPACK)
 * may read up to 16 bytes past the end of an input. */
#define SEAM_TENSOR_TAIL_PAD 16

struct seam_tensor {
  seam_dtype dtype;
  int rank;
  int64_t dims[SEAM_MAX_RANK];
  int64_t strides[SEAM_MAX_RANK]; /* in elements, row-major, derived from dims */
  int64_t count;                  /* product of dims; 1 for a scalar */
  void *data;
  size_t capacity; /* bytes owned at data (without the tail pad); 0 when borrowed */
  bool owns_data;
};

/* A tensor with a shape but no buffer yet (shape inference fills shells). */
seam_tensor *seam_tensor_new_shell(void);
/* Sets dtype and shape, recomputing strides and count. Does not allocate. */
seam_status seam_tensor_set_shape(seam_tensor *t, seam_dtype dtype, int rank, const int64_t *dims,
                                  seam_error *err);
/* Makes sure the buffer holds count elements of dtype (zero-filled when new). */
seam_status seam_tensor_alloc(seam_tensor *t, seam_error *err);
/* Product of dims[0..rank); -1 on overflow or a negative dim. */
int64_t seam_shape_count(int rank, const int64_t *dims);
/* Formats a shape as "[1,3,224,224]" into buf. */
const char *seam_shape_str(int rank, const int64_t *dims, char *buf, size_t size);
/* True when both tensors have the same dtype and dims. */
bool seam_tensor_same_shape(const seam_tensor *a, const seam_tensor *b);

/* Element i of a numeric tensor as double / int64 (any numeric dtype). */
double seam_tensor_get_f64(const seam_tensor *t, int64_t i);
int64_t seam_tensor_get_i64(const seam_tensor *t, int64_t i);
/* Stores v into element i, converting to the tensor's dtype. */
void seam_tensor_set_f64(seam_tensor *t, int64_t i, double v);

bool seam_dtype_is_float(seam_dtype dtype);
bool seam_dtype_is_integer(seam_dtype dtype);

#endif

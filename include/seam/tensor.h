/* seam — tensors: a dtype, a shape and a contiguous row-major buffer. */
#ifndef SEAM_TENSOR_H
#define SEAM_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "seam/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Values follow ONNX's TensorProto.DataType so that conversions are trivial. */
typedef enum seam_dtype {
  SEAM_DTYPE_UNDEFINED = 0,
  SEAM_DTYPE_FLOAT32 = 1,
  SEAM_DTYPE_UINT8 = 2,
  SEAM_DTYPE_INT8 = 3,
  SEAM_DTYPE_UINT16 = 4,
  SEAM_DTYPE_INT16 = 5,
  SEAM_DTYPE_INT32 = 6,
  SEAM_DTYPE_INT64 = 7,
  SEAM_DTYPE_BOOL = 9,
  SEAM_DTYPE_FLOAT16 = 10, /* stored as IEEE half bits; no kernel computes on it yet */
  SEAM_DTYPE_FLOAT64 = 11,
  SEAM_DTYPE_UINT32 = 12,
  SEAM_DTYPE_UINT64 = 13
} seam_dtype;

#define SEAM_MAX_RANK 8

typedef struct seam_tensor seam_tensor;

/* Name of a dtype ("float32"), "undefined" for unknown values. */
SEAM_API const char *seam_dtype_name(seam_dtype dtype);
/* Size in bytes of one element; 0 for SEAM_DTYPE_UNDEFINED or unknown values. */
SEAM_API size_t seam_dtype_size(seam_dtype dtype);

/* A new zero-filled tensor. rank may be 0 (a scalar); dims may be NULL then.
 * Returns NULL (and fills err) on a bad dtype, a negative dim or no memory. */
SEAM_API seam_tensor *seam_tensor_create(seam_dtype dtype, size_t rank, const int64_t *dims,
                                         seam_error *err);
/* A deep copy. */
SEAM_API seam_tensor *seam_tensor_clone(const seam_tensor *tensor, seam_error *err);
/* Frees the tensor and its buffer; accepts NULL. */
SEAM_API void seam_tensor_free(seam_tensor *tensor);

SEAM_API seam_dtype seam_tensor_dtype(const seam_tensor *tensor);
SEAM_API size_t seam_tensor_rank(const seam_tensor *tensor);
/* The dims array (rank entries); valid until the tensor is freed. */
SEAM_API const int64_t *seam_tensor_dims(const seam_tensor *tensor);
/* Number of elements (1 for a scalar). */
SEAM_API size_t seam_tensor_count(const seam_tensor *tensor);
SEAM_API size_t seam_tensor_nbytes(const seam_tensor *tensor);
SEAM_API void *seam_tensor_data(seam_tensor *tensor);
SEAM_API const void *seam_tensor_data_const(const seam_tensor *tensor);

/* Reads a NumPy .npy file (version 1–3, C order, little-endian numeric or bool). */
SEAM_API seam_tensor *seam_tensor_load_npy(const char *path, seam_error *err);
/* The same from the bytes of a whole .npy file in memory (they are copied). */
SEAM_API seam_tensor *seam_tensor_load_npy_memory(const void *bytes, size_t size, seam_error *err);
/* Writes a NumPy .npy file (version 1.0). */
SEAM_API seam_status seam_tensor_save_npy(const seam_tensor *tensor, const char *path,
                                          seam_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SEAM_TENSOR_H */

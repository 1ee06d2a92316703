#include "runtime/onnx_tensor.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

/* A non-negative decimal number of an external data entry; false otherwise. */
static bool parse_size(const char *text, long long *out) {
  if (!*text) return false;
  long long v = 0;
  for (const char *c = text; *c; c++) {
    if (*c < '0' || *c > '9' || v > (LLONG_MAX - 9) / 10) return false;
    v = v * 10 + (*c - '0');
  }
  *out = v;
  return true;
}

/* External data: the location is relative to the model's folder and must
 * stay in it once every symlink is resolved; the file must be a regular one
 * holding offset + nbytes bytes. Checked before the tensor is allocated.
 * On success *fd is open on the file and *offset is where the data starts. */
static seam_status open_external(const Onnx__TensorProto *p, const char *base_dir, size_t nbytes, int *fd,
                                 long long *offset, char *path, size_t path_size, seam_error *err) {
  const char *location = NULL;
  long long length = -1;
  *offset = 0;
  *fd = -1;
  for (size_t i = 0; i < p->n_external_data; i++) {
    const Onnx__StringStringEntryProto *e = p->external_data[i];
    if (!e->key || !e->value) continue;
    if (strcmp(e->key, "location") == 0) {
      location = e->value;
    } else if ((strcmp(e->key, "offset") == 0 && !parse_size(e->value, offset)) ||
               (strcmp(e->key, "length") == 0 && !parse_size(e->value, &length))) {
      return seam_fail(err, SEAM_ERR_PARSE, "external data %s '%s' is not a byte count", e->key, e->value);
    }
  }
  if (!location || !*location)
    return seam_fail(err, SEAM_ERR_PARSE, "external data without a location");
  if (!base_dir)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "external data '%s' needs the model's folder (load from a file)", location);
  if (location[0] == '/' || strstr(location, ".."))
    return seam_fail(err, SEAM_ERR_PARSE, "external data location '%s' leaves the model folder",
                     location);
  if (length >= 0 && (size_t)length != nbytes)
    return seam_fail(err, SEAM_ERR_PARSE,
                     "external data '%s': length %lld does not match the %zu bytes of its dims",
                     location, length, nbytes);
  if (snprintf(path, path_size, "%s/%s", base_dir, location) >= (int)path_size)
    return seam_fail(err, SEAM_ERR_IO, "external data path too long");
  uint64_t file_size;
  if ((*fd = seam_open_regular(path, "external data", &file_size, err)) < 0) return err ? err->status : SEAM_ERR_IO;
  /* The name stays inside the folder; a symlink in it may still point out.
   * Resolve both, and make sure the file opened is the one resolved. */
  char real_dir[PATH_MAX], real_file[PATH_MAX];
  struct stat opened, resolved;
  seam_status st = SEAM_OK;
  if (!realpath(base_dir, real_dir) || !realpath(path, real_file)) {
    st = seam_fail(err, SEAM_ERR_IO, "cannot resolve external data '%s': %s", path, strerror(errno));
  } else if (strncmp(real_file, real_dir, strlen(real_dir)) != 0 ||
             (real_file[strlen(real_dir)] != '/' && strcmp(real_dir, "/") != 0)) {
    st = seam_fail(err, SEAM_ERR_PARSE, "external data '%s' resolves to '%s', outside the model folder '%s'", path,
                   real_file, real_dir);
  } else if (fstat(*fd, &opened) != 0 || stat(real_file, &resolved) != 0 || opened.st_dev != resolved.st_dev ||
             opened.st_ino != resolved.st_ino) {
    st = seam_fail(err, SEAM_ERR_IO, "external data '%s' changed while it was opened", path);
  } else if ((uint64_t)*offset > file_size || nbytes > file_size - (uint64_t)*offset) {
    st = seam_fail(err, SEAM_ERR_PARSE, "external data '%s' has %llu bytes, fewer than offset %lld + %zu bytes",
                   path, (unsigned long long)file_size, *offset, nbytes);
  }
  if (st != SEAM_OK) {
    close(*fd);
    *fd = -1;
  }
  return st;
}

/* Typed repeated fields: which field holds which dtype is fixed by onnx.proto. */
static size_t typed_count(const Onnx__TensorProto *p, seam_dtype dtype) {
  switch (dtype) {
  case SEAM_DTYPE_FLOAT32: return p->n_float_data;
  case SEAM_DTYPE_INT64: return p->n_int64_data;
  case SEAM_DTYPE_FLOAT64: return p->n_double_data;
  case SEAM_DTYPE_UINT32:
  case SEAM_DTYPE_UINT64: return p->n_uint64_data;
  default: return p->n_int32_data;
  }
}

static seam_status copy_typed(const Onnx__TensorProto *p, seam_tensor *t, seam_error *err) {
  size_t n = (size_t)t->count;
  for (size_t i = 0; i < n; i++) {
    switch (t->dtype) {
    case SEAM_DTYPE_FLOAT32: ((float *)t->data)[i] = p->float_data[i]; break;
    case SEAM_DTYPE_INT64: ((int64_t *)t->data)[i] = p->int64_data[i]; break;
    case SEAM_DTYPE_FLOAT64: ((double *)t->data)[i] = p->double_data[i]; break;
    case SEAM_DTYPE_UINT32: ((uint32_t *)t->data)[i] = (uint32_t)p->uint64_data[i]; break;
    case SEAM_DTYPE_UINT64: ((uint64_t *)t->data)[i] = p->uint64_data[i]; break;
    case SEAM_DTYPE_FLOAT16:
    case SEAM_DTYPE_UINT16: ((uint16_t *)t->data)[i] = (uint16_t)p->int32_data[i]; break;
    case SEAM_DTYPE_INT16: ((int16_t *)t->data)[i] = (int16_t)p->int32_data[i]; break;
    case SEAM_DTYPE_INT32: ((int32_t *)t->data)[i] = p->int32_data[i]; break;
    case SEAM_DTYPE_INT8: ((int8_t *)t->data)[i] = (int8_t)p->int32_data[i]; break;
    case SEAM_DTYPE_UINT8: ((uint8_t *)t->data)[i] = (uint8_t)p->int32_data[i]; break;
    case SEAM_DTYPE_BOOL: ((uint8_t *)t->data)[i] = p->int32_data[i] != 0; break;
    default: return seam_fail(err, SEAM_ERR_UNSUPPORTED, "dtype %d", (int)t->dtype);
    }
  }
  return SEAM_OK;
}

static void *padded_alloc(void *unused, size_t size) {
  (void)unused;
  return malloc(size + SEAM_TENSOR_TAIL_PAD);
}

static void padded_free(void *unused, void *ptr) {
  (void)unused;
  free(ptr);
}

ProtobufCAllocator seam_onnx_padded_allocator = {padded_alloc, padded_free, NULL};

seam_tensor *seam_tensor_adopt_onnx(Onnx__TensorProto *p, const char *base_dir, seam_error *err) {
  bool external = p->has_data_location && p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  if (external || !p->has_raw_data || !p->raw_data.data || p->n_dims > SEAM_MAX_RANK ||
      seam_dtype_size((seam_dtype)p->data_type) == 0)
    return seam_tensor_from_onnx(p, base_dir, err);
  seam_tensor *t = seam_tensor_new_shell();
  if (!t) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (seam_tensor_set_shape(t, (seam_dtype)p->data_type, (int)p->n_dims, p->dims, err) != SEAM_OK ||
      seam_tensor_nbytes(t) != p->raw_data.len) {
    seam_tensor_free(t);
    return seam_tensor_from_onnx(p, base_dir, err); /* reports the problem */
  }
  /* Take the buffer protobuf-c allocated (with the tail pad) instead of copying it. */
  t->data = p->raw_data.data;
  t->capacity = p->raw_data.len;
  t->owns_data = true;
  p->raw_data.data = NULL;
  p->raw_data.len = 0;
  p->has_raw_data = 0;
  return t;
}

seam_tensor *seam_tensor_from_onnx(const Onnx__TensorProto *p, const char *base_dir,
                                   seam_error *err) {
  const char *name = p->name ? p->name : "";
  seam_dtype dtype = (seam_dtype)p->data_type;
  if (seam_dtype_size(dtype) == 0) {
    seam_fail(err, SEAM_ERR_UNSUPPORTED, "tensor '%s': ONNX data type %d is not supported", name,
              (int)p->data_type);
    return NULL;
  }
  if (p->n_dims > SEAM_MAX_RANK) {
    seam_fail(err, SEAM_ERR_UNSUPPORTED, "tensor '%s': rank %zu exceeds %d", name, p->n_dims,
              SEAM_MAX_RANK);
    return NULL;
  }
  if (p->segment) {
    seam_fail(err, SEAM_ERR_UNSUPPORTED, "tensor '%s': segmented tensors are not supported", name);
    return NULL;
  }
  seam_tensor *t = seam_tensor_new_shell();
  if (!t) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  if (seam_tensor_set_shape(t, dtype, (int)p->n_dims, p->dims, err) != SEAM_OK) goto fail;
  size_t nbytes = seam_tensor_nbytes(t);
  bool external = p->has_data_location && p->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
  /* Check the stored size against the dims before allocating: dims in a
   * corrupt file must not decide how much memory seam asks for. */
  if (!external && p->has_raw_data && p->raw_data.len != nbytes) {
    seam_fail(err, SEAM_ERR_PARSE, "raw_data has %zu bytes but its dims need %zu", p->raw_data.len, nbytes);
    goto fail;
  }
  if (!external && !p->has_raw_data && typed_count(p, dtype) != (size_t)t->count) {
    seam_fail(err, SEAM_ERR_PARSE, "tensor holds %zu values but its dims need %lld", typed_count(p, dtype),
              (long long)t->count);
    goto fail;
  }
  if (external) {
    int fd;
    long long offset;
    char path[PATH_MAX];
    if (open_external(p, base_dir, nbytes, &fd, &offset, path, sizeof path, err) != SEAM_OK) goto fail;
    seam_status st = seam_tensor_alloc(t, err);
    if (st == SEAM_OK) st = seam_read_exact(fd, path, (uint64_t)offset, t->data, nbytes, err);
    close(fd);
    if (st != SEAM_OK) goto fail;
  } else if (seam_tensor_alloc(t, err) != SEAM_OK) {
    goto fail;
  } else if (p->has_raw_data) {
    if (nbytes) memcpy(t->data, p->raw_data.data, nbytes); /* ONNX raw data is little-endian, as are seam's targets */
  } else if (copy_typed(p, t, err) != SEAM_OK) {
    goto fail;
  }
  return t;
fail:
  seam_error_prefix(err, "tensor '%s'", name);
  seam_tensor_free(t);
  return NULL;
}

seam_tensor *seam_tensor_from_onnx_bytes(const void *bytes, size_t size, seam_error *err) {
  Onnx__TensorProto *p = onnx__tensor_proto__unpack(NULL, size, bytes);
  if (!p) {
    seam_fail(err, SEAM_ERR_PARSE, "not a valid serialized TensorProto (%zu bytes)", size);
    return NULL;
  }
  seam_tensor *t = seam_tensor_from_onnx(p, NULL, err);
  onnx__tensor_proto__free_unpacked(p, NULL);
  return t;
}

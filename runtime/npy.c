/* NumPy .npy files: the format apps and researchers hand tensors around in.
 * Header: magic "\x93NUMPY", version, header length, then a Python dict
 * literal with 'descr', 'fortran_order' and 'shape'. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"
#include "runtime/onnx_tensor.h"
#include "runtime/tensor.h"

static const struct {
  const char *descr;
  seam_dtype dtype;
} descr_table[] = {
    {"<f4", SEAM_DTYPE_FLOAT32}, {"<f8", SEAM_DTYPE_FLOAT64}, {"<f2", SEAM_DTYPE_FLOAT16},
    {"|i1", SEAM_DTYPE_INT8},    {"|u1", SEAM_DTYPE_UINT8},   {"<i2", SEAM_DTYPE_INT16},
    {"<u2", SEAM_DTYPE_UINT16},  {"<i4", SEAM_DTYPE_INT32},   {"<u4", SEAM_DTYPE_UINT32},
    {"<i8", SEAM_DTYPE_INT64},   {"<u8", SEAM_DTYPE_UINT64},  {"|b1", SEAM_DTYPE_BOOL},
};

/* Finds the value text after 'key': in the header dict. */
static const char *dict_value(const char *header, const char *key) {
  char quoted[32];
  snprintf(quoted, sizeof quoted, "'%s'", key);
  const char *p = strstr(header, quoted);
  if (!p) return NULL;
  p = strchr(p + strlen(quoted), ':');
  if (!p) return NULL;
  p++;
  while (isspace((unsigned char)*p)) p++;
  return p;
}

static seam_status parse_header(const char *header, seam_dtype *dtype, int *rank, int64_t *dims,
                                seam_error *err) {
  const char *descr = dict_value(header, "descr");
  if (!descr || *descr != '\'') return seam_fail(err, SEAM_ERR_PARSE, "header has no 'descr'");
  descr++;
  *dtype = SEAM_DTYPE_UNDEFINED;
  for (size_t i = 0; i < sizeof descr_table / sizeof descr_table[0]; i++) {
    size_t len = strlen(descr_table[i].descr);
    /* "=" and "|" mean native order, which is little-endian on seam's targets. */
    if ((strncmp(descr, descr_table[i].descr, len) == 0 ||
         ((descr[0] == '=' || descr[0] == '|' || descr[0] == '<') &&
          strncmp(descr + 1, descr_table[i].descr + 1, len - 1) == 0)) &&
        descr[len] == '\'')
      *dtype = descr_table[i].dtype;
  }
  if (*dtype == SEAM_DTYPE_UNDEFINED) {
    const char *end = strchr(descr, '\'');
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "dtype '%.*s' is not supported",
                     end ? (int)(end - descr) : 8, descr);
  }
  const char *fortran = dict_value(header, "fortran_order");
  if (!fortran) return seam_fail(err, SEAM_ERR_PARSE, "header has no 'fortran_order'");
  if (strncmp(fortran, "False", 5) != 0)
    return seam_fail(err, SEAM_ERR_UNSUPPORTED, "Fortran-ordered arrays are not supported");
  const char *shape = dict_value(header, "shape");
  if (!shape || *shape != '(') return seam_fail(err, SEAM_ERR_PARSE, "header has no 'shape'");
  shape++;
  *rank = 0;
  for (;;) {
    while (isspace((unsigned char)*shape) || *shape == ',') shape++;
    if (*shape == ')') break;
    char *end;
    errno = 0;
    long long d = strtoll(shape, &end, 10);
    if (end == shape || errno || d < 0) return seam_fail(err, SEAM_ERR_PARSE, "bad shape in header");
    if (*rank == SEAM_MAX_RANK)
      return seam_fail(err, SEAM_ERR_UNSUPPORTED, "rank exceeds %d", SEAM_MAX_RANK);
    dims[(*rank)++] = d;
    shape = end;
  }
  return SEAM_OK;
}

SEAM_API seam_tensor *seam_tensor_load_npy_memory(const void *data, size_t size, seam_error *err) {
  const unsigned char *bytes = data;
  if (!bytes && size) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "NULL bytes");
    return NULL;
  }
  if (size < 10 || memcmp(bytes, "\x93NUMPY", 6) != 0) {
    seam_fail(err, SEAM_ERR_PARSE, "not a NumPy .npy file");
    return NULL;
  }
  size_t header_len, offset;
  if (bytes[6] == 1) {
    header_len = bytes[8] | (size_t)bytes[9] << 8;
    offset = 10;
  } else if ((bytes[6] == 2 || bytes[6] == 3) && size >= 12) {
    header_len = bytes[8] | (size_t)bytes[9] << 8 | (size_t)bytes[10] << 16 | (size_t)bytes[11] << 24;
    offset = 12;
  } else {
    seam_fail(err, SEAM_ERR_UNSUPPORTED, ".npy version %d is not supported", bytes[6]);
    return NULL;
  }
  if (header_len > size - offset) {
    seam_fail(err, SEAM_ERR_PARSE, "truncated header");
    return NULL;
  }
  char *header = malloc(header_len + 1);
  if (!header) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    return NULL;
  }
  memcpy(header, bytes + offset, header_len);
  header[header_len] = '\0';
  seam_dtype dtype = SEAM_DTYPE_UNDEFINED;
  int rank = 0;
  int64_t dims[SEAM_MAX_RANK];
  seam_status st = parse_header(header, &dtype, &rank, dims, err);
  free(header);
  if (st != SEAM_OK) return NULL;
  offset += header_len;
  /* The data must be there before anything is allocated for it: the shape
   * in a corrupt header must not decide how much memory seam asks for. */
  int64_t count = seam_shape_count(rank, dims);
  size_t elem = seam_dtype_size(dtype);
  if (count < 0 || (uint64_t)count > SIZE_MAX / elem) {
    char shape[160];
    seam_fail(err, SEAM_ERR_SHAPE, "shape %s has too many elements",
              seam_shape_str(rank, dims, shape, sizeof shape));
    return NULL;
  }
  size_t nbytes = (size_t)count * elem;
  if (size - offset != nbytes) {
    seam_fail(err, SEAM_ERR_PARSE, "data has %zu bytes, its shape needs %zu", size - offset, nbytes);
    return NULL;
  }
  seam_tensor *t = seam_tensor_create(dtype, (size_t)rank, dims, err);
  if (!t) return NULL;
  memcpy(t->data, bytes + offset, nbytes);
  return t;
}

SEAM_API seam_tensor *seam_tensor_load_npy(const char *path, seam_error *err) {
  size_t size = 0;
  unsigned char *bytes = seam_read_file(path, &size, err);
  if (!bytes) return NULL;
  seam_tensor *t = seam_tensor_load_npy_memory(bytes, size, err);
  if (!t) seam_error_prefix(err, "%s", path);
  free(bytes);
  return t;
}

SEAM_API seam_status seam_tensor_save_npy(const seam_tensor *t, const char *path, seam_error *err) {
  if (!t || !path) return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "NULL tensor or path");
  const char *descr = NULL;
  for (size_t i = 0; i < sizeof descr_table / sizeof descr_table[0]; i++)
    if (descr_table[i].dtype == t->dtype) descr = descr_table[i].descr;
  if (!descr) return seam_fail(err, SEAM_ERR_UNSUPPORTED, "dtype %s cannot be saved", seam_dtype_name(t->dtype));
  char header[512];
  int len = snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  for (int i = 0; i < t->rank; i++)
    len += snprintf(header + len, sizeof header - (size_t)len, "%lld%s", (long long)t->dims[i],
                    t->rank == 1 ? "," : (i + 1 < t->rank ? ", " : ""));
  len += snprintf(header + len, sizeof header - (size_t)len, "), }");
  /* Pad with spaces so the data starts on a 64-byte boundary; end with '\n'. */
  int total = 10 + len + 1;
  int pad = (64 - total % 64) % 64;
  FILE *f = fopen(path, "wb");
  if (!f) return seam_fail(err, SEAM_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
  unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
  int hlen = len + pad + 1;
  pre[8] = (unsigned char)(hlen & 0xff);
  pre[9] = (unsigned char)(hlen >> 8);
  bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(header, 1, (size_t)len, f) == (size_t)len;
  for (int i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
  ok = ok && fputc('\n', f) != EOF;
  size_t nbytes = seam_tensor_nbytes(t);
  ok = ok && (nbytes == 0 || fwrite(t->data, 1, nbytes, f) == nbytes);
  ok = (fclose(f) == 0) && ok;
  if (!ok) return seam_fail(err, SEAM_ERR_IO, "short write on '%s'", path);
  return SEAM_OK;
}

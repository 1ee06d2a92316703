/* NumPy .npy files: the format apps and researchers hand tensors around in. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/file_io.h"
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

/* The format (numpy/lib/format.py, NEP 1): the magic "\x93NUMPY", major
 * and minor version (1.0, 2.0 or 3.0), the header length (2 bytes in 1.0, 4
 * after), then the header: a Python dict literal with exactly the keys
 * 'descr', 'fortran_order' and 'shape', padded with spaces and ended by a
 * newline so that the data starts on a 16-byte boundary (64 since NumPy
 * 1.20). seam reads what NumPy reads, with three refusals of its own that
 * the specification backs: an unaligned or unterminated header and a
 * negative dimension (NumPy reads (-3,) as a reshape to "whatever fits"). */
#define NPY_MAX_HEADER 10000 /* NumPy's own limit (format._MAX_HEADER_SIZE) */
#define NPY_ALIGN 16

typedef struct header_reader {
  const char *p, *end;
  seam_error *err;
} header_reader;

static void skip_space(header_reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r' || *r->p == '\f'))
    r->p++;
}

static bool take(header_reader *r, char c) {
  skip_space(r);
  if (r->p < r->end && *r->p == c) {
    r->p++;
    return true;
  }
  return false;
}

/* A quoted string without escapes (what NumPy writes): start and length. */
static bool read_string(header_reader *r, const char **s, size_t *len) {
  skip_space(r);
  if (r->p >= r->end || (*r->p != '\'' && *r->p != '"')) return false;
  char quote = *r->p++;
  *s = r->p;
  while (r->p < r->end && *r->p != quote) {
    if (*r->p == '\\' || *r->p == '\n') return false;
    r->p++;
  }
  if (r->p >= r->end) return false;
  *len = (size_t)(r->p - *s);
  r->p++;
  return true;
}

static bool read_word(header_reader *r, const char *word) {
  skip_space(r);
  size_t n = strlen(word);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) return false;
  const char *after = r->p + n;
  if (after < r->end && (isalnum((unsigned char)*after) || *after == '_')) return false;
  r->p = after;
  return true;
}

static seam_status bad(header_reader *r, const char *what) {
  return seam_fail(r->err, SEAM_ERR_PARSE, "malformed header: %s", what);
}

/* A decimal Python int literal, at most INT64_MAX. */
static seam_status read_dim(header_reader *r, int64_t *out) {
  skip_space(r);
  if (r->p < r->end && *r->p == '-')
    return seam_fail(r->err, SEAM_ERR_PARSE, "malformed header: negative dimension in 'shape'");
  if (r->p < r->end && *r->p == '+') r->p++;
  if (r->p >= r->end || !isdigit((unsigned char)*r->p)) return bad(r, "'shape' must be a tuple of integers");
  if (*r->p == '0' && r->p + 1 < r->end && isdigit((unsigned char)r->p[1]))
    return bad(r, "a dimension has a leading zero");
  int64_t v = 0;
  for (; r->p < r->end && isdigit((unsigned char)*r->p); r->p++) {
    int digit = *r->p - '0';
    if (v > (INT64_MAX - digit) / 10) return bad(r, "a dimension is too large");
    v = v * 10 + digit;
  }
  if (r->p < r->end && (isalpha((unsigned char)*r->p) || *r->p == '.' || *r->p == '_'))
    return bad(r, "'shape' must be a tuple of integers");
  *out = v;
  return SEAM_OK;
}

/* A Python tuple of ints: (), (a,), (a, b), (a, b,). */
static seam_status read_shape(header_reader *r, int *rank, int64_t *dims) {
  if (!take(r, '(')) return bad(r, "'shape' is not a tuple");
  *rank = 0;
  if (take(r, ')')) return SEAM_OK;
  for (;;) {
    int64_t d = 0;
    seam_status st = read_dim(r, &d);
    if (st != SEAM_OK) return st;
    if (*rank == SEAM_MAX_RANK) return seam_fail(r->err, SEAM_ERR_UNSUPPORTED, "rank exceeds %d", SEAM_MAX_RANK);
    dims[(*rank)++] = d;
    bool comma = take(r, ',');
    if (take(r, ')')) {
      if (*rank == 1 && !comma) return bad(r, "'shape' is (n), an int, not a tuple (n,)");
      return SEAM_OK;
    }
    if (!comma) return bad(r, "'shape' is not a tuple of integers");
  }
}

static seam_status read_descr(header_reader *r, seam_dtype *dtype) {
  const char *descr;
  size_t len;
  if (!read_string(r, &descr, &len)) return bad(r, "'descr' is not a string");
  *dtype = SEAM_DTYPE_UNDEFINED;
  for (size_t i = 0; i < sizeof descr_table / sizeof descr_table[0]; i++) {
    const char *d = descr_table[i].descr;
    /* "=" and "|" mean native order, which is little-endian on seam's targets. */
    if (len == strlen(d) && (memcmp(descr, d, len) == 0 || ((descr[0] == '=' || descr[0] == '|' || descr[0] == '<') &&
                                                         memcmp(descr + 1, d + 1, len - 1) == 0)))
      *dtype = descr_table[i].dtype;
  }
  if (*dtype == SEAM_DTYPE_UNDEFINED)
    return seam_fail(r->err, SEAM_ERR_UNSUPPORTED, "dtype '%.*s' is not supported", len > 16 ? 16 : (int)len, descr);
  return SEAM_OK;
}

/* The header dict: exactly descr, fortran_order and shape, in any order
 * (a repeated key takes its last value, as in Python). */
static seam_status parse_header(const char *header, size_t len, seam_dtype *dtype, int *rank, int64_t *dims,
                                seam_error *err) {
  header_reader r = {header, header + len, err};
  if (memchr(header, '\0', len)) return bad(&r, "it contains a NUL byte");
  if (!take(&r, '{')) return bad(&r, "it is not a dict");
  bool seen[3] = {false, false, false};
  seam_status st;
  while (!take(&r, '}')) {
    const char *key;
    size_t key_len;
    if (!read_string(&r, &key, &key_len)) return bad(&r, "a key is not a string");
    if (!take(&r, ':')) return bad(&r, "a key has no ':'");
    bool fortran;
    if (key_len == 5 && memcmp(key, "descr", 5) == 0) {
      if ((st = read_descr(&r, dtype)) != SEAM_OK) return st;
      seen[0] = true;
    } else if (key_len == 13 && memcmp(key, "fortran_order", 13) == 0) {
      if (read_word(&r, "False")) fortran = false;
      else if (read_word(&r, "True")) fortran = true;
      else return bad(&r, "'fortran_order' is not True or False");
      if (fortran) return seam_fail(err, SEAM_ERR_UNSUPPORTED, "Fortran-ordered arrays are not supported");
      seen[1] = true;
    } else if (key_len == 5 && memcmp(key, "shape", 5) == 0) {
      if ((st = read_shape(&r, rank, dims)) != SEAM_OK) return st;
      seen[2] = true;
    } else {
      return seam_fail(err, SEAM_ERR_PARSE,
                       "malformed header: key '%.*s' (the keys are 'descr', 'fortran_order' and 'shape')",
                       key_len > 32 ? 32 : (int)key_len, key);
    }
    if (!take(&r, ',')) {
      if (!take(&r, '}')) return bad(&r, "entries are not separated by ','");
      break;
    }
  }
  skip_space(&r);
  if (r.p != r.end) return bad(&r, "text follows the dict");
  static const char *const keys[3] = {"descr", "fortran_order", "shape"};
  for (int k = 0; k < 3; k++)
    if (!seen[k]) return seam_fail(err, SEAM_ERR_PARSE, "malformed header: no '%s'", keys[k]);
  return SEAM_OK;
}

/* Where the bytes of a .npy come from: an open regular file or memory. */
typedef struct npy_source {
  int fd;
  const char *path; /* for messages */
  const unsigned char *bytes;
} npy_source;

/* The caller has checked that [offset, offset + n) lies within the size. */
static seam_status read_at(const npy_source *src, uint64_t offset, void *buf, size_t n, seam_error *err) {
  if (src->bytes) {
    if (n) memcpy(buf, src->bytes + offset, n);
    return SEAM_OK;
  }
  return seam_read_exact(src->fd, src->path, offset, buf, n, err);
}

static seam_tensor *load_npy(const npy_source *src, uint64_t size, seam_error *err) {
  seam_tensor *t = NULL;
  char *header = NULL;
  unsigned char pre[12];
  seam_status st = SEAM_OK;
  size_t header_len = 0, offset = 0;
  if (size < 10 || read_at(src, 0, pre, 10, NULL) != SEAM_OK || memcmp(pre, "\x93NUMPY", 6) != 0) {
    st = seam_fail(err, SEAM_ERR_PARSE, "not a NumPy .npy file");
  } else if ((pre[6] != 1 && pre[6] != 2 && pre[6] != 3) || pre[7] != 0) {
    st = seam_fail(err, SEAM_ERR_UNSUPPORTED, ".npy version %d.%d is not supported (NumPy writes 1.0, 2.0 and 3.0)",
                   pre[6], pre[7]);
  } else if (pre[6] == 1) {
    header_len = pre[8] | (size_t)pre[9] << 8;
    offset = 10;
  } else if (size < 12 || read_at(src, 10, pre + 10, 2, NULL) != SEAM_OK) {
    st = seam_fail(err, SEAM_ERR_PARSE, "truncated header");
  } else {
    header_len = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
    offset = 12;
  }
  if (st == SEAM_OK && header_len > size - offset)
    st = seam_fail(err, SEAM_ERR_PARSE, "truncated header: %zu bytes announced, the file has %llu", header_len,
                   (unsigned long long)(size - offset));
  else if (st == SEAM_OK && header_len > NPY_MAX_HEADER)
    st = seam_fail(err, SEAM_ERR_PARSE, "a header of %zu bytes is over NumPy's limit of %d", header_len,
                   NPY_MAX_HEADER);
  else if (st == SEAM_OK && (offset + header_len) % NPY_ALIGN != 0)
    st = seam_fail(err, SEAM_ERR_PARSE, "malformed header: the data starts at byte %zu, not on a %d-byte boundary",
                   offset + header_len, NPY_ALIGN);
  if (st == SEAM_OK && !(header = malloc(header_len + 1))) st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  if (st == SEAM_OK) st = read_at(src, offset, header, header_len, err);
  if (st == SEAM_OK && (header_len == 0 || header[header_len - 1] != '\n'))
    st = seam_fail(err, SEAM_ERR_PARSE, "malformed header: it does not end with a newline");
  seam_dtype dtype = SEAM_DTYPE_UNDEFINED;
  int rank = 0;
  int64_t dims[SEAM_MAX_RANK];
  if (st == SEAM_OK) st = parse_header(header, header_len, &dtype, &rank, dims, err);
  if (st == SEAM_OK) {
    /* The data's size, from the shape without overflow, must be what the
     * file holds, before anything is allocated for it. */
    offset += header_len;
    uint64_t have = size - offset, elem = seam_dtype_size(dtype);
    int64_t count = seam_shape_count(rank, dims);
    char shape[128];
    seam_shape_str(rank, dims, shape, sizeof shape);
    if (count < 0 || (uint64_t)count > UINT64_MAX / elem)
      st = seam_fail(err, SEAM_ERR_SHAPE, "shape %s has too many elements", shape);
    else if ((uint64_t)count * elem != have)
      st = seam_fail(err, SEAM_ERR_PARSE, "data has %llu bytes, shape %s of %s needs %llu", (unsigned long long)have,
                     shape, seam_dtype_name(dtype), (unsigned long long)((uint64_t)count * elem));
    else if (!(t = seam_tensor_create(dtype, (size_t)rank, dims, err)))
      st = err ? err->status : SEAM_ERR_NO_MEMORY;
    else
      st = read_at(src, offset, t->data, (size_t)have, err);
  }
  if (st != SEAM_OK) {
    seam_tensor_free(t);
    t = NULL;
  }
  free(header);
  return t;
}

SEAM_API seam_tensor *seam_tensor_load_npy(const char *path, seam_error *err) {
  if (!path) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "path is NULL");
    return NULL;
  }
  uint64_t size;
  npy_source src = {.path = path};
  src.fd = seam_open_regular(path, ".npy file", &size, err);
  if (src.fd < 0) return NULL;
  seam_tensor *t = load_npy(&src, size, err);
  if (!t) seam_error_prefix(err, "%s", path);
  close(src.fd);
  return t;
}

SEAM_API seam_tensor *seam_tensor_load_npy_memory(const void *data, size_t size, seam_error *err) {
  if (!data && size) {
    seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "NULL bytes");
    return NULL;
  }
  npy_source src = {.fd = -1, .path = "(memory)", .bytes = data ? data : (const unsigned char *)""};
  return load_npy(&src, size, err);
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

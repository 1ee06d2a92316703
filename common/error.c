/* seam_error values (common/error.h) and the names of status codes. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

SEAM_API const char *seam_status_name(seam_status status) {
  switch (status) {
  case SEAM_OK: return "SEAM_OK";
  case SEAM_ERR_INVALID_ARGUMENT: return "SEAM_ERR_INVALID_ARGUMENT";
  case SEAM_ERR_PARSE: return "SEAM_ERR_PARSE";
  case SEAM_ERR_UNSUPPORTED: return "SEAM_ERR_UNSUPPORTED";
  case SEAM_ERR_SHAPE: return "SEAM_ERR_SHAPE";
  case SEAM_ERR_NO_MEMORY: return "SEAM_ERR_NO_MEMORY";
  case SEAM_ERR_IO: return "SEAM_ERR_IO";
  case SEAM_ERR_NOT_FOUND: return "SEAM_ERR_NOT_FOUND";
  case SEAM_ERR_INTERNAL: return "SEAM_ERR_INTERNAL";
  case SEAM_ERR_CANCELLED: return "SEAM_ERR_CANCELLED";
  case SEAM_ERR_AGAIN: return "SEAM_ERR_AGAIN";
  case SEAM_ERR_LIMIT: return "SEAM_ERR_LIMIT";
  }
  return "SEAM_ERR_UNKNOWN";
}

seam_status seam_fail(seam_error *err, seam_status status, const char *fmt, ...) {
  if (err) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    err->status = status;
  }
  return status;
}

void seam_error_prefix(seam_error *err, const char *fmt, ...) {
  if (!err) return;
  char prefix[SEAM_ERROR_MESSAGE_SIZE];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  char joined[SEAM_ERROR_MESSAGE_SIZE];
  snprintf(joined, sizeof joined, "%s: %s", prefix, err->message);
  memcpy(err->message, joined, sizeof joined);
}

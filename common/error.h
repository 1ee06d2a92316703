/* Filling seam_error values from inside the libraries: the one idiom every
 * folder reports failures with (`return seam_fail(err, status, ...)`).
 * error.c also defines seam_status_name (public, in seam/status.h). */
#ifndef SEAM_COMMON_ERROR_H
#define SEAM_COMMON_ERROR_H

#include "seam/status.h"

/* Sets err (when not NULL) to status and a printf-formatted message, and
 * returns status so a caller can write `return seam_fail(err, ...)`. */
seam_status seam_fail(seam_error *err, seam_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to the message already in err (for context). */
void seam_error_prefix(seam_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

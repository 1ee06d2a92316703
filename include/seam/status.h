/* seam — status codes and error reports shared by every seam library.
 *
 * Every fallible call returns a seam_status (or NULL for constructors) and,
 * when the caller passes a seam_error, fills it with the status and a
 * readable message naming what went wrong. Nothing in seam aborts or prints
 * from inside a library. */
#ifndef SEAM_STATUS_H
#define SEAM_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(SEAM_BUILDING_LIBRARY)
#define SEAM_API __attribute__((visibility("default")))
#else
#define SEAM_API
#endif

typedef enum seam_status {
  SEAM_OK = 0,
  SEAM_ERR_INVALID_ARGUMENT = 1, /* a caller passed something unusable */
  SEAM_ERR_PARSE = 2,            /* a file or message is corrupt or truncated */
  SEAM_ERR_UNSUPPORTED = 3,      /* an operator, attribute or dtype seam cannot run */
  SEAM_ERR_SHAPE = 4,            /* shapes or dtypes do not fit together */
  SEAM_ERR_NO_MEMORY = 5,
  SEAM_ERR_IO = 6,               /* a file could not be read or written */
  SEAM_ERR_NOT_FOUND = 7,        /* a named tensor, input or output does not exist */
  SEAM_ERR_INTERNAL = 8,
  SEAM_ERR_CANCELLED = 9,        /* stopped before it finished: a caller's callback
                                    asked to, or a deadline passed */
  SEAM_ERR_AGAIN = 10,           /* not now: a stream is full or has nothing finished yet;
                                    nothing was done, call again later */
  SEAM_ERR_LIMIT = 11            /* over a limit the caller set (memory, size, count):
                                    refused before the work or the allocation */
} seam_status;

#define SEAM_ERROR_MESSAGE_SIZE 512

/* Filled by a failing call when the caller passes one; message is always
 * NUL-terminated. Reuse across calls is fine. */
typedef struct seam_error {
  seam_status status;
  char message[SEAM_ERROR_MESSAGE_SIZE];
} seam_error;

/* Short constant name of a status ("SEAM_ERR_SHAPE"); never NULL. */
SEAM_API const char *seam_status_name(seam_status status);

#ifdef __cplusplus
}
#endif
#endif /* SEAM_STATUS_H */

/* Reading files that come from outside (models, their external data, .npy
 * tensors, a worker's repository): only regular files, and never a block on
 * a FIFO or a device. Every folder reads such files through these. */
#ifndef SEAM_COMMON_FILE_IO_H
#define SEAM_COMMON_FILE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "seam/status.h"

/* Opens path for reading and returns the descriptor, with *size its length;
 * -1 with a message naming the file when it cannot be opened or is not a
 * regular file (a FIFO, a device, a folder). what names the file's role in
 * the message ("model", "external data", ...). */
int seam_open_regular(const char *path, const char *what, uint64_t *size, seam_error *err);

/* Reads exactly n bytes at offset; SEAM_ERR_IO on a read error or a short file. */
seam_status seam_read_exact(int fd, const char *path, uint64_t offset, void *dst, size_t n, seam_error *err);

/* Reads a whole regular file into memory; *size gets its length. Caller
 * frees. NULL with SEAM_ERR_IO (cannot open or read, not a regular file) or
 * SEAM_ERR_NO_MEMORY. */
void *seam_read_file(const char *path, size_t *size, seam_error *err);

/* The same for a file that may have at most max_bytes: a longer one is
 * refused with SEAM_ERR_LIMIT before anything is allocated. what names the
 * file's role in messages ("model file", ...). */
void *seam_read_file_max(const char *path, const char *what, uint64_t max_bytes, size_t *size,
                         seam_error *err);

#endif

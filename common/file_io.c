/* Reading regular files (common/file_io.h). */
#include "common/file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/error.h"

int seam_open_regular(const char *path, const char *what, uint64_t *size, seam_error *err) {
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    seam_fail(err, SEAM_ERR_IO, "cannot open %s '%s': %s", what, path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    seam_fail(err, SEAM_ERR_IO, "cannot stat %s '%s': %s", what, path, strerror(errno));
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    const char *kind = S_ISFIFO(st.st_mode) ? "a FIFO" : S_ISDIR(st.st_mode) ? "a folder"
                       : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" : S_ISSOCK(st.st_mode) ? "a socket"
                                                                                                      : "not a regular file";
    seam_fail(err, SEAM_ERR_IO, "%s '%s' is %s; only regular files are read", what, path, kind);
    close(fd);
    return -1;
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = (uint64_t)st.st_size;
  return fd;
}

seam_status seam_read_exact(int fd, const char *path, uint64_t offset, void *dst, size_t n, seam_error *err) {
  char *p = dst;
  while (n > 0) {
    ssize_t got = pread(fd, p, n > (1u << 30) ? (1u << 30) : n, (off_t)offset);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return seam_fail(err, SEAM_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
    if (got == 0) return seam_fail(err, SEAM_ERR_IO, "'%s' ended early (it changed while being read?)", path);
    p += got;
    n -= (size_t)got;
    offset += (uint64_t)got;
  }
  return SEAM_OK;
}

void *seam_read_file_max(const char *path, const char *what, uint64_t max_bytes, size_t *size,
                         seam_error *err) {
  uint64_t len;
  int fd = seam_open_regular(path, what, &len, err);
  if (fd < 0) return NULL;
  void *buf = NULL;
  if (len > max_bytes) {
    seam_fail(err, SEAM_ERR_LIMIT, "%s '%s' has %llu bytes; at most %llu are read", what, path,
              (unsigned long long)len, (unsigned long long)max_bytes);
  } else if (len > SIZE_MAX / 2) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "'%s' is too large (%llu bytes)", path, (unsigned long long)len);
  } else if (!(buf = malloc(len > 0 ? (size_t)len : 1))) {
    seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory reading '%s' (%llu bytes)", path, (unsigned long long)len);
  } else if (seam_read_exact(fd, path, 0, buf, (size_t)len, err) != SEAM_OK) {
    free(buf);
    buf = NULL;
  } else {
    *size = (size_t)len;
  }
  close(fd);
  return buf;
}

void *seam_read_file(const char *path, size_t *size, seam_error *err) {
  return seam_read_file_max(path, "file", UINT64_MAX, size, err);
}

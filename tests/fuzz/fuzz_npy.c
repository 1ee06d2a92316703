/* Fuzz target: the .npy reader (seam_tensor_load_npy_memory) on arbitrary
 * bytes. A tensor that loads is written back with seam_tensor_save_npy (to
 * a memfd, no disk) and read again: same dtype, dims and bytes. */
#define _GNU_SOURCE /* memfd_create */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seam/tensor.h"
#include "tests/fuzz/fuzz_check.h"

static void check_round_trip(const seam_tensor *t) {
  int fd = memfd_create("seam-fuzz-npy", 0);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  seam_error err;
  memset(&err, 0, sizeof err);
  seam_status st = seam_tensor_save_npy(t, path, &err);
  if (st != SEAM_OK) {
    /* Only dtypes .npy cannot hold are refused; the reader never makes one. */
    FUZZ_CHECK(0, "a loaded tensor could not be saved: %s", err.message);
  }
  memset(&err, 0, sizeof err);
  seam_tensor *back = seam_tensor_load_npy(path, &err);
  FUZZ_CHECK(back != NULL, "a saved tensor does not load: %s", err.message);
  FUZZ_CHECK(seam_tensor_dtype(back) == seam_tensor_dtype(t), "dtype changed");
  FUZZ_CHECK(seam_tensor_rank(back) == seam_tensor_rank(t), "rank changed");
  FUZZ_CHECK(memcmp(seam_tensor_dims(back), seam_tensor_dims(t),
                    seam_tensor_rank(t) * sizeof(int64_t)) == 0,
             "dims changed");
  FUZZ_CHECK(seam_tensor_nbytes(back) == seam_tensor_nbytes(t), "size changed");
  FUZZ_CHECK(memcmp(seam_tensor_data_const(back), seam_tensor_data_const(t), seam_tensor_nbytes(t)) == 0,
             "data changed");
  seam_tensor_free(back);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seam_error err;
  memset(&err, 0, sizeof err);
  seam_tensor *t = seam_tensor_load_npy_memory(data, size, &err);
  if (!t) {
    FUZZ_CHECK_ERROR(err);
    return 0;
  }
  /* Everything the file claims is in it: the data is the rest of the input. */
  FUZZ_CHECK(seam_tensor_nbytes(t) <= size, "a %zu-byte tensor from %zu bytes", seam_tensor_nbytes(t), size);
  check_round_trip(t);
  seam_tensor_free(t);
  return 0;
}

/* The shared helpers of common/: clock, file reading, SHA-256, hex. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/file_io.h"
#include "common/hex.h"
#include "common/sha256.h"
#include "tests/unit/unit.h"

static void test_clock(void) {
  int64_t a = seam_clock_ns(), us = seam_clock_us();
  double ms = seam_clock_ms(), s = seam_clock_s();
  int64_t b = seam_clock_ns();
  CU_ASSERT(b >= a);
  /* The four units read the same clock. */
  CU_ASSERT(us >= a / 1000 && us <= b / 1000);
  CU_ASSERT(ms >= (double)a / 1e6 - 1e-3 && ms <= (double)b / 1e6 + 1e-3);
  CU_ASSERT(s >= (double)a / 1e9 - 1e-6 && s <= (double)b / 1e9 + 1e-6);
  CU_ASSERT_EQUAL(seam_clock_us_between(1000, 3999), 2);
  CU_ASSERT_EQUAL(seam_clock_us_between(5000, 1000), 0);
  CU_ASSERT_EQUAL(seam_clock_us_since(seam_clock_us() + 1000000), 0); /* a future t0 */
  struct timespec now, in = seam_clock_timespec_in(CLOCK_MONOTONIC, 1500000000LL);
  clock_gettime(CLOCK_MONOTONIC, &now);
  double ahead = (double)(in.tv_sec - now.tv_sec) + (double)(in.tv_nsec - now.tv_nsec) * 1e-9;
  CU_ASSERT(ahead > 1.0 && ahead <= 1.5); /* a loaded machine may lag between the two reads */
  CU_ASSERT(in.tv_nsec >= 0 && in.tv_nsec < 1000000000);
  in = seam_clock_timespec_in(CLOCK_MONOTONIC, -5);
  CU_ASSERT(in.tv_sec >= now.tv_sec);
}

static const char *write_temp(const char *text) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/seam_test_common_%d", (int)getpid());
  FILE *f = fopen(path, "wb");
  CU_ASSERT_FATAL(f != NULL);
  fputs(text, f);
  fclose(f);
  return path;
}

static void test_read_file(void) {
  const char *path = write_temp("abc");
  size_t size = 0;
  seam_error err = {0};
  char *bytes = seam_read_file(path, &size, &err);
  CU_ASSERT_FATAL(bytes != NULL);
  CU_ASSERT(size == 3 && memcmp(bytes, "abc", 3) == 0);
  free(bytes);
  CU_ASSERT_PTR_NULL(seam_read_file_max(path, "model file", 2, &size, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_LIMIT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "model file"));
  CU_ASSERT_PTR_NULL(seam_read_file("/tmp", &size, &err)); /* a folder */
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_IO);
  CU_ASSERT_PTR_NULL(seam_read_file("/nonexistent/seam", &size, &err));
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_IO);
  unlink(path);
}

static void test_sha256_and_hex(void) {
  /* FIPS 180-2 test vectors. */
  uint8_t d[SEAM_SHA256_SIZE], f[SEAM_SHA256_SIZE];
  char hex[2 * SEAM_SHA256_SIZE + 1];
  CU_ASSERT_FATAL(seam_sha256("abc", 3, d));
  seam_hex_encode(d, sizeof d, hex);
  CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CU_ASSERT_FATAL(seam_sha256("", 0, d));
  seam_hex_encode(d, sizeof d, hex);
  CU_ASSERT_STRING_EQUAL(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  /* A file hashes as its bytes. */
  const char *path = write_temp("abc");
  CU_ASSERT_FATAL(seam_sha256_file(path, f));
  CU_ASSERT_FATAL(seam_sha256("abc", 3, d));
  CU_ASSERT_EQUAL(memcmp(d, f, sizeof d), 0);
  unlink(path);
  CU_ASSERT_FALSE(seam_sha256_file("/tmp", f));
  CU_ASSERT_FALSE(seam_sha256_file("/nonexistent/seam", f));

  /* Hex back, either case; exactly 2n digits. */
  uint8_t back[SEAM_SHA256_SIZE];
  seam_hex_encode(d, sizeof d, hex);
  CU_ASSERT(seam_hex_decode(hex, back, sizeof back) && memcmp(back, d, sizeof d) == 0);
  uint8_t two[2];
  CU_ASSERT(seam_hex_decode("aBcD", two, 2) && two[0] == 0xab && two[1] == 0xcd);
  CU_ASSERT_FALSE(seam_hex_decode("abc", two, 2));   /* short */
  CU_ASSERT_FALSE(seam_hex_decode("abcde", two, 2)); /* long */
  CU_ASSERT_FALSE(seam_hex_decode("abxd", two, 2));  /* not hex */
  CU_ASSERT_FALSE(seam_hex_decode("", two, 2));
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"monotonic clock and timespecs", test_clock},
      {"whole-file reads and their limits", test_read_file},
      {"SHA-256 of buffers and files, hex", test_sha256_and_hex},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("common", tests);
}

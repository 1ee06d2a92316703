/* The shared helpers of common/: clock, file reading, SHA-256, hex, the
 * INT8 quantization rule. */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/error.h"
#include "common/file_io.h"
#include "common/hex.h"
#include "common/int8_qparams.h"
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

/* The contract of common/int8_qparams.h, edge cases first. */
static void test_int8_qparams(void) {
  float scale;
  int32_t zp;
  /* All zero, and ranges whose scale would be below FLT_MIN: scale 1, zp 0. */
  CU_ASSERT_EQUAL(seam_int8_qparams(0.0f, 0.0f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == 1.0f && zp == 0);
  CU_ASSERT_EQUAL(seam_int8_qparams(-1e-37f, 1e-37f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == 1.0f && zp == 0);
  /* Just above: the real scale, a normal float. */
  CU_ASSERT_EQUAL(seam_int8_qparams(0.0f, 255.0f * 4 * FLT_MIN, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == 4 * FLT_MIN && zp == -128);
  /* All-equal values: the range is widened to 0 on the side it misses. */
  CU_ASSERT_EQUAL(seam_int8_qparams(5.0f, 5.0f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == (float)(5.0 / 255.0) && zp == -128);
  CU_ASSERT_EQUAL(seam_int8_qparams(-3.0f, -3.0f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == (float)(3.0 / 255.0) && zp == 127);
  /* The zero point rounds half to even: scale 1, -128 + 1.5 = -126.5 -> -126
   * (half away from zero would give -127); -128 + 0.5 -> -128. */
  CU_ASSERT_EQUAL(seam_int8_qparams(-1.5f, 253.5f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == 1.0f && zp == -126);
  CU_ASSERT_EQUAL(seam_int8_qparams(-0.5f, 254.5f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(scale == 1.0f && zp == -128);
  /* The ends of the range land within half a level of -128 and 127. */
  CU_ASSERT_EQUAL(seam_int8_qparams(-0.7f, 2.3f, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(fabs((double)-0.7f / scale + zp + 128) <= 0.5 + 1e-4);
  CU_ASSERT(fabs((double)2.3f / scale + zp - 127) <= 0.5 + 1e-4);
  /* The widest finite range still has a finite scale. */
  CU_ASSERT_EQUAL(seam_int8_qparams(-FLT_MAX, FLT_MAX, &scale, &zp, NULL), SEAM_OK);
  CU_ASSERT(isfinite(scale) && scale > 0 && zp >= -128 && zp <= 127);
  /* Refused, with nothing written: NaN, infinities, an inverted range. */
  seam_error err = {0};
  const float bad[][2] = {{NAN, 1.0f}, {0.0f, NAN}, {-INFINITY, 1.0f}, {0.0f, INFINITY}, {2.0f, 1.0f}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    scale = -1.0f;
    zp = 1000;
    CU_ASSERT_EQUAL(seam_int8_qparams(bad[i][0], bad[i][1], &scale, &zp, &err), SEAM_ERR_INVALID_ARGUMENT);
    CU_ASSERT(scale == -1.0f && zp == 1000);
  }
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not a finite interval"));
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"monotonic clock and timespecs", test_clock},
      {"whole-file reads and their limits", test_read_file},
      {"SHA-256 of buffers and files, hex", test_sha256_and_hex},
      {"the INT8 scale and zero point rule", test_int8_qparams},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("common", tests);
}

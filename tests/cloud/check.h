/* The loopback tests' check: a failed condition is reported with its place
 * and a message, counted in check_failures, and the test goes on. Each test
 * program defines check_failures once. */
#ifndef SEAM_TESTS_CLOUD_CHECK_H
#define SEAM_TESTS_CLOUD_CHECK_H

#include <stdio.h>

extern int check_failures;

#define CHECK(cond, ...)                                              \
  do {                                                                \
    if (!(cond)) {                                                    \
      check_failures++;                                               \
      fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                   \
      fprintf(stderr, "\n");                                          \
    }                                                                 \
  } while (0)

#endif

/* What every fuzz target shares: the libFuzzer entry point's prototype and a
 * check that aborts (a crash the fuzzer and the replay test both report)
 * when a property of the code under test does not hold. */
#ifndef SEAM_FUZZ_CHECK_H
#define SEAM_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                    \
  do {                                                                           \
    if (!(cond)) {                                                               \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);   \
      fprintf(stderr, __VA_ARGS__);                                              \
      fputc('\n', stderr);                                                       \
      abort();                                                                   \
    }                                                                            \
  } while (0)

/* A failing seam call must say why: a status other than OK and a message. */
#define FUZZ_CHECK_ERROR(err)                                                              \
  FUZZ_CHECK((err).status != SEAM_OK && (err).message[0] != '\0',                          \
             "a failure without a status or message (status %d)", (int)(err).status)

#endif

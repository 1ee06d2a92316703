/* The edge's circuit breaker (edge/breaker.c), on times the test chooses. */
#include <CUnit/CUnit.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "edge/breaker.h"
#include "tests/unit/unit.h"

static void fail_n(edge_breaker *b, int n, int64_t now_ms) {
  for (int i = 0; i < n; i++) edge_breaker_failure(b, now_ms);
}

static void test_opens_after_consecutive_failures(void) {
  edge_breaker b;
  edge_breaker_init(&b, 3, 100, 1000);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_CLOSED);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 0), EDGE_BREAKER_ALLOW);
  /* Two failures, a success, two failures: never 3 in a row. */
  fail_n(&b, 2, 10);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_CLOSED);
  edge_breaker_success(&b, 11);
  fail_n(&b, 2, 12);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_CLOSED);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 13), EDGE_BREAKER_ALLOW);
  edge_breaker_failure(&b, 14);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
  CU_ASSERT_EQUAL(b.opens, 1);
  CU_ASSERT_EQUAL(b.backoff_ms, 100);
}

static void test_denies_while_open_then_one_probe(void) {
  edge_breaker b;
  edge_breaker_init(&b, 2, 100, 1000);
  fail_n(&b, 2, 1000);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
  for (int64_t t = 1000; t < 1100; t += 7) CU_ASSERT_EQUAL(edge_breaker_allow(&b, t), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_wait_ms(&b, 1060), 40);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 1099), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_wait_ms(&b, 1100), 0);
  /* Exactly one caller gets the probe, however many ask. */
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 1100), EDGE_BREAKER_PROBE);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_HALF_OPEN);
  int probes = 0;
  for (int i = 0; i < 50; i++) probes += edge_breaker_allow(&b, 1100 + i) == EDGE_BREAKER_PROBE;
  CU_ASSERT_EQUAL(probes, 0);
  /* A failure of a request let through before it opened changes nothing. */
  edge_breaker b2;
  edge_breaker_init(&b2, 1, 50, 400);
  edge_breaker_failure(&b2, 0);
  edge_breaker_failure(&b2, 30);
  CU_ASSERT_EQUAL(b2.state, EDGE_BREAKER_OPEN);
  CU_ASSERT_EQUAL(b2.backoff_ms, 50);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b2, 49), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b2, 50), EDGE_BREAKER_PROBE);
}

static void test_probe_success_closes(void) {
  edge_breaker b;
  edge_breaker_init(&b, 1, 100, 1000);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 100), EDGE_BREAKER_PROBE);
  edge_breaker_failure(&b, 150); /* backoff 200 */
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 350), EDGE_BREAKER_PROBE);
  edge_breaker_success(&b, 360);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_CLOSED);
  CU_ASSERT_EQUAL(b.backoff_ms, 100); /* reset */
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 361), EDGE_BREAKER_ALLOW);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 362), EDGE_BREAKER_ALLOW);
  /* The next opening starts again from the base backoff. */
  edge_breaker_failure(&b, 400);
  CU_ASSERT_EQUAL(b.backoff_ms, 100);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 499), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 500), EDGE_BREAKER_PROBE);
}

/* Each failed probe doubles the open period, up to the cap. */
static void test_backoff_doubles_to_cap(void) {
  edge_breaker b;
  edge_breaker_init(&b, 2, 100, 1000);
  fail_n(&b, 2, 0);
  const int64_t expected[] = {100, 200, 400, 800, 1000, 1000, 1000};
  int64_t t = 0;
  for (size_t i = 0; i < sizeof expected / sizeof *expected; i++) {
    CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
    CU_ASSERT_EQUAL(b.backoff_ms, expected[i]);
    CU_ASSERT_EQUAL(edge_breaker_allow(&b, t + expected[i] - 1), EDGE_BREAKER_DENY);
    t += expected[i];
    CU_ASSERT_EQUAL(edge_breaker_allow(&b, t), EDGE_BREAKER_PROBE);
    t += 5;
    edge_breaker_failure(&b, t); /* the probe failed */
  }
  CU_ASSERT_EQUAL(b.opens, 1 + sizeof expected / sizeof *expected);
  /* A cap that is not a power-of-two multiple, and one near INT64_MAX. */
  edge_breaker_init(&b, 1, 300, 1000);
  edge_breaker_failure(&b, 0);
  const int64_t odd[] = {300, 600, 1000, 1000};
  t = 0;
  for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
    CU_ASSERT_EQUAL(b.backoff_ms, odd[i]);
    t += odd[i];
    CU_ASSERT_EQUAL(edge_breaker_allow(&b, t), EDGE_BREAKER_PROBE);
    edge_breaker_failure(&b, t);
  }
  edge_breaker_init(&b, 1, INT64_MAX / 3, INT64_MAX);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, INT64_MAX / 3), EDGE_BREAKER_PROBE);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(b.backoff_ms, INT64_MAX / 3 * 2);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, INT64_MAX), EDGE_BREAKER_PROBE);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(b.backoff_ms, INT64_MAX);
}

/* A probe whose outcome never comes is replaced after max_backoff_ms. */
static void test_lost_probe_replaced(void) {
  edge_breaker b;
  edge_breaker_init(&b, 1, 100, 500);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 100), EDGE_BREAKER_PROBE);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 599), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 600), EDGE_BREAKER_PROBE);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 601), EDGE_BREAKER_DENY);
}

/* Time going backwards neither lets a request through early nor keeps the
 * breaker open for longer than one backoff from the earlier time on. */
static void test_time_backwards(void) {
  edge_breaker b;
  edge_breaker_init(&b, 1, 100, 1000);
  edge_breaker_failure(&b, 10000);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 5000), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_wait_ms(&b, 5000), 100);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 5099), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 5100), EDGE_BREAKER_PROBE);
  /* Backwards while half-open: the probe is not handed out again. */
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, -100000), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, INT64_MIN), EDGE_BREAKER_DENY);
  /* From the far past to the far future, without overflow. */
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, INT64_MAX), EDGE_BREAKER_PROBE);
  edge_breaker_failure(&b, INT64_MIN);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
  CU_ASSERT_EQUAL(edge_breaker_wait_ms(&b, INT64_MAX), 0);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, INT64_MAX), EDGE_BREAKER_PROBE);
  edge_breaker_success(&b, 0);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_CLOSED);
  /* Failures counted at decreasing times still open it. */
  edge_breaker_init(&b, 3, 100, 1000);
  edge_breaker_failure(&b, 300);
  edge_breaker_failure(&b, 200);
  edge_breaker_failure(&b, 100);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 199), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 200), EDGE_BREAKER_PROBE);
}

static void test_init_and_names(void) {
  edge_breaker b;
  memset(&b, 0xA5, sizeof b);
  edge_breaker_init(&b, 0, -5, -10);
  CU_ASSERT_EQUAL(b.threshold, 1);
  CU_ASSERT_EQUAL(b.base_backoff_ms, 1);
  CU_ASSERT_EQUAL(b.max_backoff_ms, 1);
  CU_ASSERT_EQUAL(b.failures, 0);
  CU_ASSERT_EQUAL(b.opens, 0);
  CU_ASSERT_EQUAL(edge_breaker_wait_ms(&b, 0), 0);
  edge_breaker_failure(&b, 0);
  CU_ASSERT_EQUAL(b.state, EDGE_BREAKER_OPEN);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 0), EDGE_BREAKER_DENY);
  CU_ASSERT_EQUAL(edge_breaker_allow(&b, 1), EDGE_BREAKER_PROBE);
  CU_ASSERT_STRING_EQUAL(edge_breaker_state_name(EDGE_BREAKER_CLOSED), "closed");
  CU_ASSERT_STRING_EQUAL(edge_breaker_state_name(EDGE_BREAKER_OPEN), "open");
  CU_ASSERT_STRING_EQUAL(edge_breaker_state_name(EDGE_BREAKER_HALF_OPEN), "half-open");
  CU_ASSERT_STRING_EQUAL(edge_breaker_state_name((edge_breaker_state)9), "unknown");
}

/* Several threads behind one lock, as the edge uses it: of all the callers
 * after the backoff, one gets the probe. */
typedef struct shared_breaker {
  pthread_mutex_t lock;
  edge_breaker b;
  int probes, allows, denies;
} shared_breaker;

static void *ask_many(void *arg) {
  shared_breaker *s = arg;
  for (int i = 0; i < 1000; i++) {
    pthread_mutex_lock(&s->lock);
    edge_breaker_verdict v = edge_breaker_allow(&s->b, 150 + i % 7);
    s->probes += v == EDGE_BREAKER_PROBE;
    s->allows += v == EDGE_BREAKER_ALLOW;
    s->denies += v == EDGE_BREAKER_DENY;
    pthread_mutex_unlock(&s->lock);
  }
  return NULL;
}

static void test_threads_one_probe(void) {
  shared_breaker s = {.probes = 0};
  pthread_mutex_init(&s.lock, NULL);
  edge_breaker_init(&s.b, 1, 100, 10000);
  edge_breaker_failure(&s.b, 0);
  pthread_t t[4];
  int started = 0;
  for (int i = 0; i < 4; i++) started += pthread_create(&t[i], NULL, ask_many, &s) == 0;
  CU_ASSERT_EQUAL_FATAL(started, 4);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  CU_ASSERT_EQUAL(s.probes, 1);
  CU_ASSERT_EQUAL(s.allows, 0);
  CU_ASSERT_EQUAL(s.denies, 3999);
  pthread_mutex_destroy(&s.lock);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"opens after consecutive failures", test_opens_after_consecutive_failures},
      {"denies while open, then one probe", test_denies_while_open_then_one_probe},
      {"a successful probe closes it", test_probe_success_closes},
      {"the backoff doubles up to the cap", test_backoff_doubles_to_cap},
      {"a lost probe is replaced", test_lost_probe_replaced},
      {"time going backwards", test_time_backwards},
      {"init bounds and state names", test_init_and_names},
      {"threads behind one lock get one probe", test_threads_one_probe},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("edge circuit breaker", tests);
}

/* Parallel runs of one model (seam_model_options.parallel_runs): runs on
 * different lanes overlap in time, every concurrent result equals the
 * oracle's, and bad lane counts are refused. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "runtime/model.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/oracle.h"
#include "tests/unit/unit.h"

/* X[1,4,16,16] → Conv 3×3 → Relu → Conv 1×1: planned, XNNPACK, a few nodes. */
static tb_model *small_cnn(void) {
  tb_model *b = tb_new(13);
  int64_t xd[4] = {1, 4, 16, 16}, w1[4] = {8, 4, 3, 3}, w2[4] = {6, 8, 1, 1}, pads[4] = {1, 1, 1, 1};
  tb_input(b, "X", SEAM_DTYPE_FLOAT32, 4, xd);
  tb_init_random(b, "W1", 4, w1, 1, -0.5f, 0.5f);
  tb_init_random(b, "W2", 4, w2, 2, -0.5f, 0.5f);
  Onnx__NodeProto *n = tb_node(b, "Conv", "c1", "X,W1", "A");
  tb_attr_ints(b, n, "pads", 4, pads);
  tb_node(b, "Relu", "r", "A", "B");
  tb_node(b, "Conv", "c2", "B,W2", "Y");
  tb_output(b, "Y");
  return b;
}

static seam_model *load_lanes(tb_model *b, int lanes, int threads, seam_error *err) {
  seam_model_options o;
  seam_model_options_default(&o);
  o.num_threads = threads;
  o.parallel_runs = lanes;
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  return seam_model_load_memory_with(bytes, size, NULL, &o, err);
}

static seam_tensor *input_x(unsigned seed) {
  int64_t xd[4] = {1, 4, 16, 16};
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 4, xd, NULL);
  tb_fill_random(seam_tensor_data(t), seam_tensor_count(t), seed, -2.0f, 2.0f);
  return t;
}

/* A rendezvous inside two runs: each run's first node waits (bounded) until
 * the other run has reached its first node too. Only runs that truly
 * proceed at once can both arrive. */
typedef struct rendezvous {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int arrived, met;
} rendezvous;

typedef struct run_arg {
  rendezvous *rv;
  const seam_model *m;
  const seam_tensor *x;
  seam_tensor *y;
  bool first_seen;
  seam_status st;
} run_arg;

static void before_node(void *user, const seam_node *node) {
  (void)node;
  run_arg *a = user;
  if (a->first_seen) return;
  a->first_seen = true;
  rendezvous *rv = a->rv;
  struct timespec until = seam_clock_timespec_in(CLOCK_REALTIME, 3000000000LL);
  pthread_mutex_lock(&rv->lock);
  rv->arrived++;
  pthread_cond_broadcast(&rv->cond);
  int rc = 0;
  while (rv->arrived < 2 && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&rv->cond, &rv->lock, &until);
  if (rv->arrived >= 2) rv->met++;
  pthread_mutex_unlock(&rv->lock);
}

static void *observed_run(void *p) {
  run_arg *a = p;
  seam_node_observer obs = {.before_node = before_node, .user = a};
  const char *name = "X";
  seam_error err = {0};
  a->st = seam_model_run_observed(a->m, 1, &name, &a->x, 1, NULL, &a->y, &obs, &err);
  return NULL;
}

/* Two runs meet inside the model with two lanes: both see the other.
 * With one lane the second run waits for the lane, so only it sees the
 * first (after the first gave up waiting); checked too, so the test would
 * notice a rendezvous that always succeeds. */
static int runs_that_met(int lanes) {
  tb_model *b = small_cnn();
  seam_error err = {0};
  seam_model *m = load_lanes(b, lanes, 1, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_tensor *x = input_x(3);
  rendezvous rv = {.arrived = 0, .met = 0};
  pthread_mutex_init(&rv.lock, NULL);
  pthread_cond_init(&rv.cond, NULL);
  run_arg args[2] = {{.rv = &rv, .m = m, .x = x}, {.rv = &rv, .m = m, .x = x}};
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, observed_run, &args[i]);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 2; i++) {
    CU_ASSERT_EQUAL(args[i].st, SEAM_OK);
    seam_tensor_free(args[i].y);
  }
  pthread_mutex_destroy(&rv.lock);
  pthread_cond_destroy(&rv.cond);
  seam_tensor_free(x);
  seam_model_free(m);
  tb_free(b);
  return rv.met;
}

static void test_lanes_overlap(void) {
  CU_ASSERT_EQUAL(runs_that_met(2), 2);
  CU_ASSERT_EQUAL(runs_that_met(1), 1);
}

typedef struct stress_arg {
  const seam_model *m;
  const seam_tensor *x;
  const seam_tensor *want;
  int bad;
} stress_arg;

static void *stress_runs(void *p) {
  stress_arg *a = p;
  for (int i = 0; i < 25; i++) {
    seam_tensor *y = tb_run1((seam_model *)a->m, "X", a->x);
    if (tb_rel_error(y, a->want) > 1e-5) a->bad++;
    seam_tensor_free(y);
  }
  return NULL;
}

/* Six threads on three lanes of two threads each: every result equals the
 * oracle's. */
static void test_concurrent_results_match_oracle(void) {
  tb_model *b = small_cnn();
  seam_model *oracle = tb_load(b, TB_MODE_ORACLE, 1);
  seam_error err = {0};
  seam_model *m = load_lanes(b, 3, 2, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(oracle);
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->engine.n_lanes, 3);
  seam_tensor *x[6], *want[6];
  stress_arg args[6];
  pthread_t t[6];
  for (int i = 0; i < 6; i++) {
    x[i] = input_x(10 + (unsigned)i);
    want[i] = tb_run1(oracle, "X", x[i]);
    args[i] = (stress_arg){.m = m, .x = x[i], .want = want[i], .bad = 0};
    pthread_create(&t[i], NULL, stress_runs, &args[i]);
  }
  for (int i = 0; i < 6; i++) {
    pthread_join(t[i], NULL);
    CU_ASSERT_EQUAL(args[i].bad, 0);
    seam_tensor_free(x[i]);
    seam_tensor_free(want[i]);
  }
  seam_model_free(m);
  seam_model_free(oracle);
  tb_free(b);
}

static void test_bad_lane_counts_refused(void) {
  tb_model *b = small_cnn();
  const int bad[2] = {-1, 65};
  for (int i = 0; i < 2; i++) {
    seam_error err = {0};
    seam_model *m = load_lanes(b, bad[i], 1, &err);
    CU_ASSERT_PTR_NULL(m);
    CU_ASSERT_EQUAL(err.status, SEAM_ERR_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "parallel"));
    seam_model_free(m);
  }
  seam_error err = {0};
  seam_model *m = load_lanes(b, 0, 1, &err); /* 0 = the default, one lane */
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  CU_ASSERT_EQUAL(m->engine.n_lanes, 1);
  seam_model_free(m);
  tb_free(b);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"runs on different lanes overlap", test_lanes_overlap},
      {"concurrent runs on three lanes match the oracle", test_concurrent_results_match_oracle},
      {"bad lane counts are refused", test_bad_lane_counts_refused},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("parallel runs", tests);
}

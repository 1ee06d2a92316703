/* The device's speed against its profile (partitioner/devspeed.h): runs
 * made from a simulated device whose true ratio is known, checked against
 * that ratio. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>

#include "partitioner/devspeed.h"
#include "tests/unit/unit.h"

static double rel_err(double est, double truth) { return fabs(est - truth) / truth; }

/* A fixed sequence in [-1, 1) for a fixed seed (xorshift64*). */
static double uniform(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return (double)((*s * 0x2545F4914F6CDD1DULL) >> 11) / 9007199254740992.0 * 2 - 1;
}

static void test_starts_as_profiled(void) {
  part_devspeed d;
  part_devspeed_init(&d, 0);
  CU_ASSERT_EQUAL(d.scale, 1);
  CU_ASSERT_EQUAL(d.runs, 0);
  /* Nothing usable: not finite, not positive, a head too short to time. */
  part_devspeed_add(&d, NAN, 10);
  part_devspeed_add(&d, 5, INFINITY);
  part_devspeed_add(&d, 0, 10);
  part_devspeed_add(&d, 5, 0.1);
  CU_ASSERT_EQUAL(d.scale, 1);
  CU_ASSERT_EQUAL(d.runs, 0);
  /* A fixed speed is kept whatever the runs say. */
  part_devspeed_init(&d, 2.5);
  for (int i = 0; i < 10; i++) part_devspeed_add(&d, 10, 10);
  CU_ASSERT_EQUAL(d.scale, 2.5);
  CU_ASSERT_EQUAL(d.runs, 0);
}

/* A device 20 % faster than profiled (a profile taken while it was busy),
 * with +-15 % noise per run: within 12 % after 5 runs and within 5 % after
 * 40; then it slows to 2x (thermal throttling) and follows within 5 runs. */
static void test_follows_the_device(void) {
  part_devspeed d;
  part_devspeed_init(&d, 0);
  uint64_t seed = 42;
  const double profiled = 70;
  for (int i = 1; i <= 40; i++) {
    part_devspeed_add(&d, profiled * 0.8 * (1 + 0.15 * uniform(&seed)), profiled);
    if (i == 5) CU_ASSERT(rel_err(d.scale, 0.8) < 0.12);
  }
  CU_ASSERT(rel_err(d.scale, 0.8) < 0.05);
  int last_bad = 0;
  for (int i = 1; i <= 20; i++) {
    part_devspeed_add(&d, profiled * 2 * (1 + 0.15 * uniform(&seed)), profiled);
    if (rel_err(d.scale, 2) >= 0.15) last_bad = i;
  }
  CU_ASSERT(last_bad + 1 <= 5);
  CU_ASSERT_EQUAL(d.runs, 60);
}

/* One run slowed 10x (the device swapped, another app burst) moves nothing;
 * absurd ratios stay within the bounds. */
static void test_ignores_one_outlier(void) {
  part_devspeed d;
  part_devspeed_init(&d, 0);
  for (int i = 0; i < 10; i++) part_devspeed_add(&d, 50, 50);
  part_devspeed_add(&d, 500, 50);
  CU_ASSERT(rel_err(d.scale, 1) < 1e-9);
  for (int i = 0; i < 10; i++) part_devspeed_add(&d, 1e12, 1);
  CU_ASSERT(d.scale <= PART_DEVSPEED_MAX && d.scale > PART_DEVSPEED_MAX * 0.9);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"as profiled until a run is timed", test_starts_as_profiled},
      {"follows the device's speed and a step", test_follows_the_device},
      {"one outlier is ignored", test_ignores_one_outlier},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("device speed", tests);
}

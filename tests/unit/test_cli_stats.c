/* The timing statistics of seam bench and seam profile (cli/stats.c).
 * Expected percentiles are NumPy's default (linear) method. */
#include <CUnit/CUnit.h>
#include <math.h>

#include "cli/stats.h"
#include "tests/unit/unit.h"

#define NEAR(a, b) CU_ASSERT_DOUBLE_EQUAL((a), (b), 1e-12)

static void test_percentile_interpolates(void) {
  const double s[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  NEAR(cli_percentile(s, 10, 50), 5.5);
  NEAR(cli_percentile(s, 10, 90), 9.1); /* numpy.percentile(range(1, 11), 90) */
  NEAR(cli_percentile(s, 10, 0), 1);
  NEAR(cli_percentile(s, 10, 100), 10);
  NEAR(cli_percentile(s, 10, -5), 1);
  NEAR(cli_percentile(s, 10, 250), 10);
  NEAR(cli_percentile(s, 3, 50), 2);
}

static void test_single_sample(void) {
  const double s[] = {4.25};
  NEAR(cli_percentile(s, 1, 50), 4.25);
  NEAR(cli_percentile(s, 1, 90), 4.25);
  cli_stats st;
  CU_ASSERT_EQUAL_FATAL(cli_stats_compute(s, 1, &st), 0);
  NEAR(st.median, 4.25);
  NEAR(st.p90, 4.25);
  NEAR(st.min, 4.25);
  NEAR(st.max, 4.25);
  NEAR(st.mean, 4.25);
}

static void test_stats_unsorted_input_kept(void) {
  double s[] = {9, 1, 5, 3, 7};
  cli_stats st;
  CU_ASSERT_EQUAL_FATAL(cli_stats_compute(s, 5, &st), 0);
  NEAR(st.median, 5);
  NEAR(st.p90, 8.2); /* 7 + 0.6 * (9 - 7) */
  NEAR(st.min, 1);
  NEAR(st.max, 9);
  NEAR(st.mean, 5);
  /* The caller's samples are not reordered. */
  NEAR(s[0], 9);
  NEAR(s[1], 1);
}

static void test_even_count_median(void) {
  double s[] = {4, 1, 3, 2};
  cli_stats st;
  CU_ASSERT_EQUAL(cli_stats_compute(s, 4, &st), 0);
  NEAR(st.median, 2.5);
}

static void test_empty(void) {
  cli_stats st;
  CU_ASSERT_EQUAL(cli_stats_compute(NULL, 0, &st), -1);
  NEAR(st.median, 0);
  NEAR(cli_percentile(NULL, 0, 50), 0);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"percentile interpolates like NumPy", test_percentile_interpolates},
      {"one sample", test_single_sample},
      {"unsorted input is left alone", test_stats_unsorted_input_kept},
      {"median of an even count", test_even_count_median},
      {"no samples", test_empty},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("cli stats", tests);
}

/* Shared main for the CUnit test executables: each test file provides
 * seam_register_tests() to add its suites. */
#include <CUnit/Basic.h>
#include <stdio.h>

#include "tests/unit/unit.h"

int main(void) {
  if (CU_initialize_registry() != CUE_SUCCESS) return 2;
  seam_register_tests();
  CU_basic_set_mode(CU_BRM_VERBOSE);
  CU_basic_run_tests();
  unsigned failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
  unsigned run = CU_get_number_of_tests_run();
  CU_cleanup_registry();
  /* An executable that runs nothing has not tested anything. */
  if (run == 0) {
    fprintf(stderr, "no test ran\n");
    return 1;
  }
  return failed ? 1 : 0;
}

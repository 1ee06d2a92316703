#include "runtime/run_limits.h"

#include "common/clock.h"
#include "common/error.h"

bool seam_run_should_stop(const seam_run_options *run) {
  if (!run) return false;
  if (run->deadline_ns && seam_clock_ns() >= run->deadline_ns) return true;
  return run->should_stop && run->should_stop(run->user) != 0;
}

size_t seam_run_memory_limit(const seam_run_options *run) {
  return run && run->max_memory_bytes ? run->max_memory_bytes : SIZE_MAX;
}

seam_status seam_run_check_stop(const seam_run_options *run, const char *where, seam_error *err) {
  if (!seam_run_should_stop(run)) return SEAM_OK;
  bool late = run->deadline_ns && seam_clock_ns() >= run->deadline_ns;
  return seam_fail(err, SEAM_ERR_CANCELLED, "the run stopped %s: %s", where,
                   late ? "its deadline passed" : "its caller cancelled it");
}

/* The stop conditions and memory limits of one run (seam_run_options in
 * seam/runtime.h), as the engine, the run plans and the plain executor
 * check them. A NULL options pointer means no limit anywhere. */
#ifndef SEAM_RUNTIME_RUN_LIMITS_H
#define SEAM_RUNTIME_RUN_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seam/runtime.h"

/* True when the run must stop now: its deadline passed or its callback
 * says so. */
bool seam_run_should_stop(const seam_run_options *run);

/* The memory limit in bytes; SIZE_MAX when there is none. */
size_t seam_run_memory_limit(const seam_run_options *run);

/* Fails with SEAM_ERR_CANCELLED (naming where: "before node 'x'") when the
 * run must stop; SEAM_OK otherwise. */
seam_status seam_run_check_stop(const seam_run_options *run, const char *where, seam_error *err);

#endif

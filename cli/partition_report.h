/* What seam partition prints: the conditions, every candidate's predicted
 * cost term by term, both searches' choices, and one JSON summary line. */
#ifndef SEAM_CLI_PARTITION_REPORT_H
#define SEAM_CLI_PARTITION_REPORT_H

#include "cli/partition_args.h"
#include "partitioner/dag.h"
#include "partitioner/plan.h"

/* Prints the report; 0, or 1 after a message (a bad --cut). */
int partition_report(const partition_args *a, const part_dag *d, const part_plan *plan);

#endif

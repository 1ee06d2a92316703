/* Node times from profiles: the device's (seam profile, or a run now) and
 * the worker's (its Profile RPC), both in the form of seam/profile.h, read
 * from `seam profile --json` files or received. */
#ifndef SEAM_PARTITIONER_PROFILE_JOIN_H
#define SEAM_PARTITIONER_PROFILE_JOIN_H

#include "partitioner/dag.h"
#include "seam/profile.h"

typedef enum part_side { PART_DEVICE = 0, PART_CLOUD = 1 } part_side;

/* Sets each node's device_ms or cloud_ms from profile p: a profile node
 * belongs to the DAG node that writes the same first output tensor (or,
 * for a node without outputs, has the same name). DAG nodes the profile
 * does not list keep 0 ms (shape computations a run plan evaluates once
 * while planning). When every profile node matched and the profile's median
 * run is longer than its nodes' medians summed, every node is scaled up by
 * the ratio (a run's cost between nodes, e.g. a CPU quota's throttling).
 * *matched and *unknown (either may be NULL) receive how
 * many profile nodes were matched and how many name nothing in the DAG. */
void part_dag_set_times(part_dag *d, const seam_profile *p, part_side side, int *matched,
                        int *unknown);

/* Reads a profile from the JSON text `seam profile --json` writes (or a
 * file holding it). *out is a new profile (seam_profile_free); on failure
 * NULL and SEAM_ERR_PARSE naming what is wrong, or SEAM_ERR_IO. */
seam_status part_profile_parse(const char *json, seam_profile **out, seam_error *err);
seam_status part_profile_load(const char *path, seam_profile **out, seam_error *err);

#endif

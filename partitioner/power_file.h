/* Device power figures from a JSON file overriding the defaults
 * (docs/partitioning.md, "Power model"): {"compute_w": 2.5, "tx_w": 1.3,
 * "rx_w": 1.0, "idle_w": 0.3, "source": "..."}; absent keys keep their
 * value in *p. */
#ifndef SEAM_PARTITIONER_POWER_FILE_H
#define SEAM_PARTITIONER_POWER_FILE_H

#include "partitioner/cost.h"

seam_status part_power_load(const char *path, part_power *p, seam_error *err);

#endif

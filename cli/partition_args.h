/* seam partition's options (cmd_partition.c, partition_report.c). */
#ifndef SEAM_CLI_PARTITION_ARGS_H
#define SEAM_CLI_PARTITION_ARGS_H

#include <stdbool.h>

#include "cli/commands.h"
#include "partitioner/cost.h"
#include "partitioner/plan.h"

typedef struct partition_args {
  const char *model, *edge_profile, *cloud_profile, *cloud, *model_name, *out, *power_path, *cut;
  const char *codec_name;
  int zstd_level, threads, runs, warmup, probes;
  int interval_ms; /* of this device's profile (seam_profile_options) */
  bool up_set, down_set, rtt_set;
  part_link link;
  part_goal goal;
  part_search_kind search;
  cli_feed_args feed;
} partition_args;

/* Parses argv into a; returns -1 to exit 0 (help), 2 on a bad option, 0. */
int partition_parse_args(int argc, char **argv, partition_args *a);

#endif

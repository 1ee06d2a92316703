/* seam partition's command line (partition_args.h). */
#include "cli/partition_args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/units.h"

static void usage(FILE *out) {
  fprintf(out,
          "usage: seam partition --model M.onnx [--edge-profile E.json]\n"
          "                      (--cloud-profile C.json | --cloud HOST:PORT [--model-name NAME])\n"
          "                      [--bandwidth 8mbit] [--downlink RATE] [--rtt 40ms] [--queue 0ms]\n"
          "                      [--codec raw|f16|int8] [--zstd N] [--objective latency|energy]\n"
          "                      [--energy-weight MS_PER_MJ] [--privacy raw|min-macs=P]\n"
          "                      [--memory-mb N] [--deadline-ms N] [--power P.json]\n"
          "                      [--search mincut|prefix] [--cut T1,T2 | local | cloud]\n"
          "                      [--input X.npy ...] [--dim NAME=VALUE ...] [--threads N]\n"
          "                      [--runs N] [--warmup N] [--interval-ms T] [--probes N]\n"
          "                      [--out plan.json]\n\n"
          "Decides where to cut M.onnx between this device and a seam-cloud worker from\n"
          "measured costs: the device's per-node times (--edge-profile, a `seam profile\n"
          "--json` file, or profiled here now), the worker's (--cloud-profile, or asked\n"
          "of the worker with --cloud, which also measures the link with Echo probes),\n"
          "and each tensor's bytes after the codec (measured by encoding a sample run's\n"
          "tensors). Prints the candidate cuts with every term of their predicted cost\n"
          "under the given conditions, the choice of the prefix search and of the\n"
          "min-cut search, and writes a plan (--out) holding, for a grid of uplink\n"
          "bandwidth x RTT x worker queue, the best cut of each region; libseam-edge\n"
          "picks the cut per request from it (seam run --plan). A plan is tied to the\n"
          "model file's SHA-256. --energy-weight W minimizes latency_ms + W x energy_mJ.\n"
          "--cut prints the terms of one cut. --interval-ms T profiles this device one run\n"
          "every T ms (as seam profile). docs/partitioning.md says more.\n");
}

static int parse_privacy(const char *val, part_goal *g) {
  if (strcmp(val, "raw") == 0) {
    g->privacy_raw = true;
    return 0;
  }
  if (strncmp(val, "min-macs=", 9) == 0) {
    char *end = NULL;
    double p = strtod(val + 9, &end);
    if (end != val + 9 && !*end && p >= 0 && p <= 100) {
      g->min_macs_pct = p;
      return 0;
    }
  }
  fprintf(stderr, "seam partition: --privacy is raw or min-macs=P (0..100), not '%s'\n", val);
  return -1;
}

/* The options taking a value; 1 taken, 0 not one of them, -1 bad. */
static int value_option(partition_args *a, const char *opt, const char *val) {
  const char *c = "partition";
  if (strcmp(opt, "--model") == 0) a->model = val;
  else if (strcmp(opt, "--edge-profile") == 0) a->edge_profile = val;
  else if (strcmp(opt, "--cloud-profile") == 0) a->cloud_profile = val;
  else if (strcmp(opt, "--cloud") == 0) a->cloud = val;
  else if (strcmp(opt, "--model-name") == 0) a->model_name = val;
  else if (strcmp(opt, "--out") == 0) a->out = val;
  else if (strcmp(opt, "--power") == 0) a->power_path = val;
  else if (strcmp(opt, "--cut") == 0) a->cut = val;
  else if (strcmp(opt, "--codec") == 0) a->codec_name = val;
  else if (strcmp(opt, "--zstd") == 0) return cli_parse_count(c, opt, val, 0, &a->zstd_level) < 0 ? -1 : 1;
  else if (strcmp(opt, "--threads") == 0) return cli_parse_count(c, opt, val, 1, &a->threads) < 0 ? -1 : 1;
  else if (strcmp(opt, "--runs") == 0) return cli_parse_count(c, opt, val, 1, &a->runs) < 0 ? -1 : 1;
  else if (strcmp(opt, "--warmup") == 0) return cli_parse_count(c, opt, val, 0, &a->warmup) < 0 ? -1 : 1;
  else if (strcmp(opt, "--interval-ms") == 0) return cli_parse_count(c, opt, val, 0, &a->interval_ms) < 0 ? -1 : 1;
  else if (strcmp(opt, "--probes") == 0) return cli_parse_count(c, opt, val, 1, &a->probes) < 0 ? -1 : 1;
  else if (strcmp(opt, "--objective") == 0) {
    if (strcmp(val, "latency") == 0) a->goal.objective = PART_MIN_LATENCY;
    else if (strcmp(val, "energy") == 0) a->goal.objective = PART_MIN_ENERGY;
    else return fprintf(stderr, "seam partition: --objective is latency or energy\n"), -1;
    return 1;
  } else if (strcmp(opt, "--energy-weight") == 0) {
    int w;
    if (cli_parse_count(c, opt, val, 0, &w) < 0) return -1;
    a->goal.objective = PART_MIN_WEIGHTED;
    a->goal.energy_weight = w;
    return 1;
  } else if (strcmp(opt, "--privacy") == 0) return parse_privacy(val, &a->goal) < 0 ? -1 : 1;
  else if (strcmp(opt, "--memory-mb") == 0) {
    int mb;
    if (cli_parse_count(c, opt, val, 1, &mb) < 0) return -1;
    a->goal.memory_bytes = (int64_t)mb << 20;
    return 1;
  } else if (strcmp(opt, "--deadline-ms") == 0) {
    int ms;
    if (cli_parse_count(c, opt, val, 1, &ms) < 0) return -1;
    a->goal.deadline_ms = ms;
    return 1;
  } else if (strcmp(opt, "--search") == 0) {
    if (strcmp(val, "mincut") == 0) a->search = PART_SEARCH_MINCUT;
    else if (strcmp(val, "prefix") == 0) a->search = PART_SEARCH_PREFIX;
    else return fprintf(stderr, "seam partition: --search is mincut or prefix\n"), -1;
    return 1;
  } else return 0;
  return 1;
}

/* The link options; 1 taken, 0 not one of them, -1 bad. */
static int link_option(partition_args *a, const char *opt, const char *val) {
  const char *c = "partition";
  int r = 0;
  if (strcmp(opt, "--bandwidth") == 0) r = cli_parse_rate_mbps(c, opt, val, &a->link.up_mbps), a->up_set = true;
  else if (strcmp(opt, "--downlink") == 0) r = cli_parse_rate_mbps(c, opt, val, &a->link.down_mbps), a->down_set = true;
  else if (strcmp(opt, "--rtt") == 0) r = cli_parse_duration_ms(c, opt, val, &a->link.rtt_ms), a->rtt_set = true;
  else if (strcmp(opt, "--queue") == 0) r = cli_parse_duration_ms(c, opt, val, &a->link.queue_ms);
  else return 0;
  return r < 0 ? -1 : 1;
}

int partition_parse_args(int argc, char **argv, partition_args *a) {
  a->link = (part_link){.up_mbps = 8, .down_mbps = 8, .rtt_ms = 40};
  a->codec_name = "int8";
  a->zstd_level = 1;
  a->runs = 10;
  a->warmup = 2;
  a->probes = 5;
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i];
    if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
      usage(stdout);
      return -1;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "seam partition: %s needs a value\n", opt);
      return 2;
    }
    char *val = argv[++i];
    int r = cli_feed_option(&a->feed, "partition", opt, val);
    if (r == 0) r = link_option(a, opt, val);
    if (r == 0) r = value_option(a, opt, val);
    if (r < 0) return 2;
    if (r == 0) {
      fprintf(stderr, "seam partition: unknown option '%s'\n", opt);
      usage(stderr);
      return 2;
    }
  }
  if (!a->model || (!a->cloud_profile == !a->cloud)) {
    fprintf(stderr, "seam partition: --model and one of --cloud-profile or --cloud are required\n");
    usage(stderr);
    return 2;
  }
  if (a->up_set && !a->down_set) a->link.down_mbps = a->link.up_mbps;
  if (strcmp(a->codec_name, "raw") && strcmp(a->codec_name, "f16") && strcmp(a->codec_name, "int8")) {
    fprintf(stderr, "seam partition: --codec is raw, f16 or int8\n");
    return 2;
  }
  return 0;
}

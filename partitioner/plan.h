/* A partition plan: for one model file, the candidate cuts and, over a grid
 * of uplink bandwidth x RTT x worker queue, the best cut of each region, so
 * that the run-time decision is a lookup (docs/partitioning.md, "Plan
 * files"). Written by `seam partition`, read by libseam-edge (cut = "auto").
 *
 * Each candidate keeps the terms of its cost that do not depend on the link
 * (head and tail times, bytes each way, encode and decode times, energy at
 * compute power), so its latency can be predicted for any conditions. */
#ifndef SEAM_PARTITIONER_PLAN_H
#define SEAM_PARTITIONER_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "partitioner/cost.h"
#include "partitioner/search.h"

typedef struct part_candidate {
  /* "local" (everything on the device), "cloud" (the graph inputs are sent)
   * or the cut tensors' names joined by ',' (a seam_edge_config.cut). */
  char *cut;
  int n_tensors;
  char **tensors; /* the tensors sent (for "cloud": the graph inputs) */
  bool remote;
  double head_ms, encode_ms, tail_ms, decode_ms;
  int64_t up_bytes, down_bytes;
  int64_t head_memory_bytes, head_macs;
  double head_macs_pct;
} part_candidate;

/* The candidate of split head: its cut string, tensors sent and link-free
 * terms (clear it with part_candidate_clear). */
seam_status part_candidate_make(const part_dag *d, const bool *head, part_candidate *out,
                                seam_error *err);
void part_candidate_clear(part_candidate *c);

typedef enum part_search_kind { PART_SEARCH_MINCUT = 0, PART_SEARCH_PREFIX = 1 } part_search_kind;

typedef struct part_plan {
  char sha256[65];    /* the model file's SHA-256, hex */
  char *model;        /* the file's name when planned (for messages) */
  char *codec;        /* "raw", "f16" or "int8" */
  int zstd_level;
  part_search_kind search;
  part_goal goal;
  part_power power;
  part_link link;     /* the conditions the plan was asked for */
  double down_over_up; /* downlink = uplink x this at every grid point */
  /* Where the node costs came from, for the record. */
  char *edge_profile, *cloud_profile;
  double edge_total_ms, cloud_total_ms;
  int n_candidates;
  part_candidate *candidates;
  int n_up, n_rtt, n_queue;
  double *up_mbps, *rtt_ms, *queue_ms; /* ascending grid axes */
  int *best; /* [up][rtt][queue] -> candidate, n_up x n_rtt x n_queue */
  /* The costs the plan was made from (kept in the file for the record). */
  part_dag *dag; /* NULL in a plan read back from a file */
} part_plan;

/* Grid axes: NULL = the defaults (uplink 0.1 .. 1000 Mbit/s, 8 points per
 * decade; RTT 0 .. 640 ms; queue 0 .. 1000 ms). */
typedef struct part_grid {
  int n_up, n_rtt, n_queue;
  const double *up_mbps, *rtt_ms, *queue_ms;
} part_grid;

typedef void (*part_plan_progress_fn)(void *user, int done, int total);

typedef struct part_plan_options {
  part_search_kind search;
  part_goal goal;
  part_power power;
  part_link link;
  const part_grid *grid; /* NULL: the default grid */
  part_plan_progress_fn progress;
  void *progress_user;
} part_plan_options;

/* Makes a plan from a measured DAG with times (the plan keeps d, which must
 * outlive it). The strings in plan fields sha256, model, codec and the
 * profile labels are set by the caller afterwards (part_plan_set_*). */
seam_status part_plan_build(const part_dag *d, const part_plan_options *o, part_plan *out,
                            seam_error *err);
void part_plan_free(part_plan *p);
seam_status part_plan_set_strings(part_plan *p, const char *sha256_hex, const char *model,
                                  const char *codec, int zstd_level, const char *edge_profile,
                                  const char *cloud_profile, seam_error *err);

/* The candidate's cost terms under link (latency and energy with the plan's
 * power). */
void part_plan_predict(const part_plan *p, int candidate, const part_link *link, part_cost *out);

/* What a lookup decided and why. */
typedef struct part_decision {
  int candidate;
  int up_index, rtt_index, queue_index; /* the grid cell */
  /* Along the uplink axis at that RTT and queue: the nearest grid bandwidth
   * below and above the estimate where the best cut changes (0 = none). */
  double breakpoint_below_mbps, breakpoint_above_mbps;
} part_decision;

/* The cut for link: the region holding it (outside the grid, the nearest
 * edge) has eight corners, each with its best cut. The corner toward the
 * slower link (uplink rounded down, RTT and queue rounded up) gives the
 * default; another corner's cut is taken when it predicts, at link itself,
 * at least 10 % better (missing the plan's deadline counts as worst).
 * When link's device_scale is more than 10 % off 1, the grid (made at the
 * profile's speed) may not hold the best cut: every candidate competes by
 * the same rule, and one taken that way has no breakpoints. up_index etc.
 * name the corner taken. */
void part_plan_lookup(const part_plan *p, const part_link *link, part_decision *out);
/* The candidate whose cut is this string, or -1. */
int part_plan_find(const part_plan *p, const char *cut);

/* JSON (docs/partitioning.md): write to path, or read back. Reading checks
 * the format and every index, and when expect_sha256_hex is not NULL that
 * the plan is for that file: SEAM_ERR_INVALID_ARGUMENT naming both hashes
 * otherwise. */
seam_status part_plan_save(const part_plan *p, const char *path, seam_error *err);
seam_status part_plan_load(const char *path, const char *expect_sha256_hex, part_plan *out,
                           seam_error *err);
/* The same from size bytes of JSON text (not NUL-terminated); origin names
 * it in messages. */
seam_status part_plan_parse(const char *text, size_t size, const char *origin, const char *expect_sha256_hex,
                            part_plan *out, seam_error *err);

#endif

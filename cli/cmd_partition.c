/* seam partition — where to cut a model, from measured costs (the
 * partitioner, partitioner/), with a plan file for libseam-edge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/partition_args.h"
#include "cli/partition_report.h"
#include "common/hex.h"
#include "common/sha256.h"
#include "edge/model_id.h"
#include "edge/probe.h"
#include "edge/wire_cost.h"
#include "partitioner/measure.h"
#include "partitioner/power_file.h"
#include "partitioner/profile_join.h"
#include "protocol/grpc_client.h"
#include "seam/edge.h"

/* Progress on stderr, on one line when it is a terminal. */
typedef struct progress {
  const char *what;
  int tty, last_pct;
} progress;

static void show(void *user, int done, int total) {
  progress *p = user;
  int pct = total ? (int)(100LL * done / total) : 100;
  if (pct == p->last_pct && done != total) return;
  if (p->tty || pct % 25 == 0 || done == total)
    fprintf(stderr, p->tty ? "\r%s %d/%d (%d%%)%s" : "%s %d/%d (%d%%)\n%s", p->what, done, total, pct,
            p->tty && done == total ? "\n" : "");
  p->last_pct = pct;
}

static int show_run(void *user, int timed, int index, int count) {
  progress *p = user;
  p->what = timed ? "profiling this device: timed run" : "profiling this device: warm-up run";
  show(p, index + 1, count);
  return 0;
}

static seam_codec_options codec_of(const partition_args *a) {
  seam_codec_options c = {.zstd_level = a->zstd_level};
  c.encoding = strcmp(a->codec_name, "int8") == 0  ? SEAM_ENCODING_INT8
               : strcmp(a->codec_name, "f16") == 0 ? SEAM_ENCODING_F16
                                                    : SEAM_ENCODING_RAW;
  return c;
}

/* The measured DAG of the model (plan-less load, so every node is seen). */
static int measure(const partition_args *a, const char *model_name, part_dag *d) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.plan = 0;
  opts.num_threads = a->threads;
  seam_error err = {0};
  seam_model *m = seam_model_load_with(a->model, &opts, &err);
  if (!m) return fprintf(stderr, "seam partition: %s\n", err.message), -1;
  cli_feeds feeds = {0};
  int rc = cli_make_feeds(m, &a->feed, "partition", &feeds);
  if (rc == 0) {
    edge_wire_cost wc;
    part_wire wire;
    seam_codec_options codec = codec_of(a);
    edge_wire_cost_init(&wc, m, &codec, model_name, &wire);
    progress pr = {.what = "measuring tensors on the wire:", .tty = isatty(2), .last_pct = -1};
    part_measure_options mo = {.n_inputs = (size_t)feeds.n,
                               .input_names = feeds.names,
                               .inputs = (const seam_tensor *const *)feeds.tensors,
                               .wire = &wire,
                               .progress = show,
                               .progress_user = &pr};
    if (part_measure(m, &mo, d, &err) != SEAM_OK) {
      fprintf(stderr, "seam partition: %s\n", err.message);
      rc = -1;
    }
  }
  cli_feeds_free(&feeds);
  seam_model_free(m);
  return rc;
}

/* This device's profile, made now on the given (or synthetic) inputs. */
static seam_profile *profile_here(const partition_args *a) {
  seam_model_options opts;
  seam_model_options_default(&opts);
  opts.num_threads = a->threads;
  seam_error err = {0};
  seam_model *m = seam_model_load_with(a->model, &opts, &err);
  seam_profile *p = NULL;
  cli_feeds feeds = {0};
  if (m && cli_make_feeds(m, &a->feed, "partition", &feeds) == 0) {
    progress pr = {.tty = isatty(2), .last_pct = -1};
    seam_profile_options po;
    seam_profile_options_default(&po);
    po.runs = a->runs;
    po.warmup = a->warmup;
    po.interval_ms = a->interval_ms;
    po.n_inputs = (size_t)feeds.n;
    po.input_names = feeds.names;
    po.inputs = (const seam_tensor *const *)feeds.tensors;
    po.before_run = show_run;
    po.user = &pr;
    if (seam_profile_run(m, &po, &p, &err) != SEAM_OK) p = NULL;
  }
  if (!p) fprintf(stderr, "seam partition: profiling this device: %s\n", err.message);
  cli_feeds_free(&feeds);
  seam_model_free(m);
  return p;
}

/* The worker's profile (asked with --cloud, read with --cloud-profile) and,
 * with --cloud, the link measured with Echo probes where not given. */
static seam_profile *cloud_profile(partition_args *a) {
  seam_error err = {0};
  seam_profile *p = NULL;
  if (a->cloud_profile) {
    if (part_profile_load(a->cloud_profile, &p, &err) != SEAM_OK)
      fprintf(stderr, "seam partition: %s\n", err.message);
    return p;
  }
  fprintf(stderr, "asking %s for its profile of the model...\n", a->cloud);
  seam_edge_profile_request rq = {.endpoint = a->cloud, .model_path = a->model, .model_name = a->model_name,
                                  .runs = a->runs, .warmup = a->warmup, .timeout_ms = 600000};
  if (seam_edge_profile_remote(&rq, &p, NULL, &err) != SEAM_OK) {
    fprintf(stderr, "seam partition: the worker's profile: %s\n", err.message);
    return NULL;
  }
  seam_grpc_channel_options co = {.max_message_bytes = (size_t)64 << 20, .connect_timeout_ms = 5000};
  seam_grpc_channel *ch = seam_grpc_channel_open_with(a->cloud, &co, &err);
  part_link measured;
  fprintf(stderr, "measuring the link with %d Echo probes of each kind...\n", a->probes);
  if (!ch || edge_probe_link(ch, a->probes, 256 << 10, 30000, &measured, &err) != SEAM_OK) {
    fprintf(stderr, "seam partition: measuring the link: %s\n", err.message);
    seam_grpc_channel_close(ch);
    seam_profile_free(p);
    return NULL;
  }
  seam_grpc_channel_close(ch);
  fprintf(stderr, "link measured: uplink %.2f Mbit/s, downlink %.2f Mbit/s, RTT %.2f ms\n", measured.up_mbps,
          measured.down_mbps, measured.rtt_ms);
  if (!a->up_set) a->link.up_mbps = measured.up_mbps;
  if (!a->down_set) a->link.down_mbps = measured.down_mbps;
  if (!a->rtt_set) a->link.rtt_ms = measured.rtt_ms;
  return p;
}

static int attach(part_dag *d, const seam_profile *p, part_side side, const char *label, double *total_ms) {
  int matched = 0, unknown = 0;
  part_dag_set_times(d, p, side, &matched, &unknown);
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  *total_ms = info.total_ms;
  fprintf(stderr, "%s profile: %zu nodes, %d matched to the model's, %d unknown; %.3f ms a run on %d thread%s\n",
          label, info.n_nodes, matched, unknown, info.total_ms, info.threads, info.threads == 1 ? "" : "s");
  if (matched == 0 && info.n_nodes > 0) {
    fprintf(stderr, "seam partition: the %s profile names none of this model's tensors: is it for another file?\n",
            label);
    return -1;
  }
  return 0;
}

/* The file's name without its folders: a plan names its model by hash, and
 * records the name only for messages. */
static const char *base_name(const char *path) {
  const char *slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static int plan_and_report(const partition_args *a, part_dag *d, const char *sha_hex, const char *edge_src,
                           const char *cloud_src, double edge_ms, double cloud_ms) {
  part_plan_options po = {.search = a->search, .goal = a->goal, .link = a->link};
  part_power_default(&po.power);
  seam_error err = {0};
  if (a->power_path && part_power_load(a->power_path, &po.power, &err) != SEAM_OK)
    return fprintf(stderr, "seam partition: %s\n", err.message), 1;
  progress pr = {.what = "searching the grid:", .tty = isatty(2), .last_pct = -1};
  po.progress = show;
  po.progress_user = &pr;
  /* Without --out no plan is kept: search the given conditions alone. */
  part_grid here = {.n_up = 1, .n_rtt = 1, .n_queue = 1, .up_mbps = &a->link.up_mbps,
                    .rtt_ms = &a->link.rtt_ms, .queue_ms = &a->link.queue_ms};
  if (!a->out) {
    po.grid = &here;
    po.progress = NULL;
  }
  part_plan plan;
  if (part_plan_build(d, &po, &plan, &err) != SEAM_OK ||
      part_plan_set_strings(&plan, sha_hex, base_name(a->model), a->codec_name, a->zstd_level, edge_src, cloud_src,
                            &err) !=
          SEAM_OK)
    return fprintf(stderr, "seam partition: %s\n", err.message), 1;
  plan.edge_total_ms = edge_ms;
  plan.cloud_total_ms = cloud_ms;
  int rc = partition_report(a, d, &plan);
  if (rc == 0 && a->out) {
    if (part_plan_save(&plan, a->out, &err) != SEAM_OK) {
      fprintf(stderr, "seam partition: %s\n", err.message);
      rc = 1;
    } else {
      printf("wrote %s: %d candidate cuts, grid %d uplink x %d RTT x %d queue\n", a->out, plan.n_candidates,
             plan.n_up, plan.n_rtt, plan.n_queue);
    }
  }
  part_plan_free(&plan);
  return rc;
}

int cmd_partition(int argc, char **argv) {
  partition_args a = {0};
  int r = partition_parse_args(argc, argv, &a);
  if (r) return r < 0 ? 0 : r;
  uint8_t sha[SEAM_SHA256_SIZE];
  char sha_hex[2 * SEAM_SHA256_SIZE + 1];
  if (!seam_sha256_file(a.model, sha)) return fprintf(stderr, "seam partition: cannot read '%s'\n", a.model), 1;
  seam_hex_encode(sha, sizeof sha, sha_hex);
  char *name = a.model_name ? strdup(a.model_name) : seam_edge_default_model_name(a.model);
  part_dag d = {0};
  seam_profile *edge = NULL, *cloud = NULL;
  seam_error err = {0};
  int rc = 1;
  double edge_ms = 0, cloud_ms = 0;
  if (!name || measure(&a, name, &d) != 0) goto out;
  if (a.edge_profile) {
    if (part_profile_load(a.edge_profile, &edge, &err) != SEAM_OK) {
      fprintf(stderr, "seam partition: %s\n", err.message);
      goto out;
    }
  } else if (!(edge = profile_here(&a))) {
    goto out;
  }
  if (!(cloud = cloud_profile(&a))) goto out;
  if (attach(&d, edge, PART_DEVICE, "device", &edge_ms) != 0 || attach(&d, cloud, PART_CLOUD, "worker", &cloud_ms) != 0)
    goto out;
  rc = plan_and_report(&a, &d, sha_hex, a.edge_profile ? a.edge_profile : "profiled by seam partition",
                       a.cloud_profile ? a.cloud_profile : a.cloud, edge_ms, cloud_ms);
out:
  seam_profile_free(edge);
  seam_profile_free(cloud);
  part_dag_free(&d);
  free(name);
  return rc;
}

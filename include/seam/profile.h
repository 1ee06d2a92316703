/* seam — per-node profiles: what each node of a model costs on this machine.
 *
 * seam_profile_run times a model's own run node by node: warm-up runs, then
 * timed runs, each watched through the executor's per-node observer; the
 * result holds, per node in order of execution, the median time, the bytes
 * of its outputs, its multiply-accumulates, the tensors it reads and writes
 * and the activation fused into it, plus the median of whole runs. The
 * device profiles itself with it, and so does the cloud worker (its Profile
 * call); the partitioner reads both the same way, through the accessors or
 * the JSON text of seam_profile_to_json (the format of `seam profile --json`).
 *
 * A profile is immutable once made and independent of the model it came
 * from. One made elsewhere (a worker's reply) can be rebuilt with
 * seam_profile_create and seam_profile_add_node. */
#ifndef SEAM_PROFILE_H
#define SEAM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "seam/runtime.h"
#include "seam/status.h"
#include "seam/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seam_profile seam_profile;

/* Called before every run of seam_profile_run: timed is 0 for a warm-up run
 * and 1 for a timed one, index counts runs of that kind from 0, count is how
 * many there are. Return 0 to go on; anything else stops the profile, which
 * then fails with SEAM_ERR_CANCELLED and returns nothing (a deadline, a
 * shutdown, a user's cancel). Progress output belongs here too. */
typedef int (*seam_profile_before_run_fn)(void *user, int timed, int index, int count);

/* How to profile. Initialize with seam_profile_options_default and change
 * what you need; fields may be added at the end in later versions. */
typedef struct seam_profile_options {
  int runs;   /* timed runs, >= 1 (default 10) */
  int warmup; /* untimed runs before them, >= 0 (default 2) */
  /* Each run starts at least this long after the previous one started, ms
   * (default 0: back to back; the pause is not timed). A device whose speed
   * depends on its duty cycle (a CPU quota, thermal limits) is then profiled
   * at the rate it serves requests. */
  int interval_ms;
  /* Values for the symbolic dimensions of the graph inputs seam makes up,
   * by name (n_dims pairs). Every name must be a symbolic dimension some
   * graph input declares, every value >= 1, no name twice; symbolic
   * dimensions not listed (or unnamed) are 1. */
  size_t n_dims;
  const char *const *dim_names;
  const int64_t *dim_values;
  /* Graph inputs the caller provides (borrowed), by name; every other graph
   * input is made up from its declared shape: deterministic pseudo-random
   * values in [-1, 1) for float inputs, zeros for the rest. */
  size_t n_inputs;
  const char *const *input_names;
  const seam_tensor *const *inputs;
  seam_profile_before_run_fn before_run; /* may be NULL */
  void *user;                            /* passed to before_run */
  /* Limits and stop conditions of every run (seam_run_options; NULL =
   * none): a run that must stop ends the profile with SEAM_ERR_CANCELLED
   * between nodes, not only between runs. */
  const seam_run_options *run;
} seam_profile_options;

/* The whole profile. */
typedef struct seam_profile_info {
  int threads;           /* threads the model's runs used */
  int runs, warmup;      /* timed and warm-up runs */
  const char *kernels;   /* "fast" (seam's default kernels) or "reference" */
  double total_ms;       /* median wall time of a whole run */
  double nodes_total_ms; /* sum of the per-node medians */
  size_t n_nodes;
} seam_profile_info;

/* One node. The strings live as long as the profile. */
typedef struct seam_node_profile {
  const char *name;              /* "" when the model leaves it empty */
  const char *op;                /* ONNX op type */
  double median_ms;              /* median over the timed runs */
  int64_t output_bytes;          /* bytes of the node's outputs */
  int64_t macs;                  /* multiply-accumulates; 0 for ops without */
  size_t n_outputs;
  const char *const *outputs;    /* output tensor names */
  size_t n_inputs;
  const char *const *inputs;     /* input tensor names other than constants */
  const char *fused_activation;  /* "clamp", "hardswish", "sigmoid", or "" */
} seam_node_profile;

SEAM_API void seam_profile_options_default(seam_profile_options *options);

/* Profiles model: options->warmup runs, then options->runs timed runs of the
 * whole graph (graph inputs to graph outputs) on the model's own threads and
 * kernels, timing every node. options may be NULL (the defaults). *result
 * receives a new profile (free it with seam_profile_free), or NULL on
 * failure: SEAM_ERR_INVALID_ARGUMENT for bad options (a dimension name no
 * input declares, runs < 1, an input name the model does not have),
 * SEAM_ERR_CANCELLED when before_run stopped it, or the run's own error. */
SEAM_API seam_status seam_profile_run(const seam_model *model, const seam_profile_options *options,
                                      seam_profile **result, seam_error *err);

/* An empty profile with info's threads, runs, warmup, kernels and total_ms
 * (n_nodes and nodes_total_ms follow from the nodes added). NULL with err
 * filled when out of memory or info is NULL. */
SEAM_API seam_profile *seam_profile_create(const seam_profile_info *info, seam_error *err);
/* Appends a copy of node (NULL strings count as ""). */
SEAM_API seam_status seam_profile_add_node(seam_profile *profile, const seam_node_profile *node,
                                           seam_error *err);

/* Fills info; nothing when profile or info is NULL. */
SEAM_API void seam_profile_get_info(const seam_profile *profile, seam_profile_info *info);
/* Fills node with node i (in order of execution); SEAM_ERR_INVALID_ARGUMENT
 * when i is out of range. */
SEAM_API seam_status seam_profile_node(const seam_profile *profile, size_t i,
                                       seam_node_profile *node);

/* The profile as the JSON text `seam profile --json` writes (no trailing
 * newline): model (the given label), threads, runs, warmup, kernels,
 * total_ms, nodes_total_ms (milliseconds rounded to nanoseconds) and nodes,
 * each with name, op, median_ms, output_bytes, macs, outputs, inputs and,
 * when set, fused_activation. Free with seam_profile_json_free. NULL with
 * err filled when out of memory. */
SEAM_API char *seam_profile_to_json(const seam_profile *profile, const char *model,
                                    seam_error *err);
SEAM_API void seam_profile_json_free(char *json);

/* Frees a profile; accepts NULL. */
SEAM_API void seam_profile_free(seam_profile *profile);

#ifdef __cplusplus
}
#endif
#endif /* SEAM_PROFILE_H */

/* The seam command's subcommands; each returns the process exit code. */
#ifndef SEAM_CLI_COMMANDS_H
#define SEAM_CLI_COMMANDS_H

#include "seam/edge.h"
#include "seam/seam.h"

int cmd_run(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_conformance(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_quantize(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_cuts(int argc, char **argv);
int cmd_partition(int argc, char **argv);

/* Splits "name=path" into name and path (name NULL when there is no '='
 * before the first '/'). Modifies arg. */
void cli_split_named(char *arg, char **name, char **path);

/* Synthetic or file inputs for timing commands (seam bench, seam profile);
 * defined in cli/cmd_bench.c. */
#define CLI_MAX_FEEDS 16

typedef struct cli_feed_args {
  char *input_names[CLI_MAX_FEEDS], *input_paths[CLI_MAX_FEEDS]; /* name NULL: by position */
  int n_inputs;
  char *dim_names[CLI_MAX_FEEDS];
  int64_t dim_values[CLI_MAX_FEEDS];
  int n_dims;
} cli_feed_args;

typedef struct cli_feeds {
  int n;
  const char *names[CLI_MAX_FEEDS]; /* live as long as the model */
  seam_tensor *tensors[CLI_MAX_FEEDS]; /* NULL: not given (cli_load_feeds) */
} cli_feeds;

/* Takes "--input" or "--dim" with its value into a. Returns 1 when opt was
 * one of them, 0 when it was not, -1 (after a message naming cmd) when the
 * value is malformed or there are too many. */
int cli_feed_option(cli_feed_args *a, const char *cmd, const char *opt, char *val);
/* One tensor per model input: from the files in a (unnamed files feed the
 * inputs in order; a file may omit a leading batch dimension of 1), else
 * made from the declared shape with symbolic dims 1 or as --dim sets them:
 * deterministic pseudo-random values in [-1, 1) for float inputs (a 32-bit
 * LCG seeded with 12345 + input index, the same as bench/ort/ort_bench.js),
 * zeros for every other dtype. Returns 0, or -1 after printing a message
 * naming cmd; f is then empty. */
int cli_make_feeds(const seam_model *m, const cli_feed_args *a, const char *cmd, cli_feeds *f);
/* Only the inputs given as files (the others' tensors are NULL); otherwise
 * as cli_make_feeds. */
int cli_load_feeds(const seam_model *m, const cli_feed_args *a, const char *cmd, cli_feeds *f);
void cli_feeds_free(cli_feeds *f);
/* The options of the commands that time a model (bench, profile): --model,
 * --threads, --runs, --warmup, --reference and the feed options. */
typedef struct cli_timing_args {
  const char *model;
  int threads, runs, warmup, reference;
  cli_feed_args feed;
} cli_timing_args;

/* Takes argv[*i] (and its value, advancing *i) when it is one of the
 * options above. Returns 1 when taken, 0 when not one of them, -1 after a
 * message naming cmd when malformed. */
int cli_timing_option(cli_timing_args *a, const char *cmd, int argc, char **argv, int *i);
/* Loads a->model with its thread count (--reference: portable kernels, no
 * graph optimization, no run plans); *load_ms gets the load time. Prints a
 * message naming cmd and returns NULL on failure. */
seam_model *cli_timing_load(const cli_timing_args *a, const char *cmd, double *load_ms);

/* seam run's batches (cli/run_batch.c). Sample i of a batched tensor, as a
 * batch of one. */
seam_tensor *cli_slice_sample(const seam_tensor *t, int64_t i, seam_error *err);
/* Copies sample b of batch (a batch-of-one tensor s) into *whole, creating
 * *whole at the first sample; SEAM_ERR_SHAPE when the samples differ. */
seam_status cli_stack_sample(seam_tensor **whole, const seam_tensor *s, int64_t b, int64_t batch,
                             seam_error *err);
/* What seam run --remote adds up over its inferences or stream frames. */
typedef struct cli_edge_totals {
  seam_edge_timing sum;                    /* the timings summed (reason unused) */
  int runs;
  int fallbacks[SEAM_EDGE_REASON_COUNT];   /* fallbacks per seam_edge_reason */
  char note[SEAM_ERROR_MESSAGE_SIZE];      /* the last fallback's message */
} cli_edge_totals;
/* Adds one inference's timing (and message, for a fallback) to t. */
void cli_edge_totals_add(cli_edge_totals *t, const seam_edge_timing *timing, const char *message);
/* "fell back to the device: 3 (network 2, bad_reply 1)" and the last
 * fallback's message, or nothing without a fallback. */
void cli_edge_totals_print_fallbacks(const cli_edge_totals *t);
/* --stream: each of the batch samples of the inputs is one frame of an
 * InferStream of the session (up to 8 in flight); prints each frame's
 * breakdown as it finishes, stacks the outputs in sample order, and adds
 * every frame to totals. */
seam_status cli_run_stream(seam_edge_session *s, size_t n_in, const char **names,
                           seam_tensor **inputs, int64_t batch, size_t n_out, seam_tensor **outputs,
                           cli_edge_totals *totals, seam_error *err);

/* --repeat (cli/run_repeat.c): the inputs as repeat separate requests of the
 * session, started every interval_ms (0: back to back), one line each and a
 * JSON summary last; outputs[] holds the last request's outputs. Returns the
 * exit code (1 when a request failed). */
int cli_run_repeat(seam_edge_session *s, size_t n_in, const char **names, const seam_tensor *const *inputs,
                   size_t n_out, int repeat, int interval_ms, int deadline_ms, seam_tensor **outputs);

/* n when n > 0, else the number of online cores. */
int cli_thread_count(int n);
/* Parses a whole number >= min from val; -1 (after a message) when it is not. */
int cli_parse_count(const char *cmd, const char *opt, const char *val, int min, int *out);

#endif

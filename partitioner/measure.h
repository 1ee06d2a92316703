/* What the partitioner measures by running a model once on a sample input:
 * the DAG of the loaded (optimized) graph with, per tensor, its bytes as
 * computed and its bytes and encoding time as it would be sent, and per
 * node its MACs and the weight bytes it reads.
 *
 * How a tensor is sent is the caller's business (the codec lives in
 * protocol/, which the partitioner does not use): part_wire's hooks encode
 * each tensor of the sample as a request would carry it. libseam-edge
 * provides them (edge/wire_cost.h). */
#ifndef SEAM_PARTITIONER_MEASURE_H
#define SEAM_PARTITIONER_MEASURE_H

#include <stddef.h>

#include "partitioner/dag.h"
#include "seam/runtime.h"

/* The tensors of the measured run, by name (graph inputs, every node
 * output). */
typedef struct part_sample part_sample;
const seam_tensor *part_sample_find(const part_sample *s, const char *name);
/* The sample's graph outputs, in the model's order. */
const seam_tensor *part_sample_output(const part_sample *s, size_t i);

typedef struct part_wire {
  void *user;
  /* Bytes tensor `name` adds to a request and the time encoding it takes. */
  seam_status (*tensor)(void *user, const char *name, const part_sample *s, int64_t *bytes,
                        double *encode_ms, seam_error *err);
  /* Bytes of the reply carrying every graph output and the time decoding it. */
  seam_status (*reply)(void *user, const part_sample *s, int64_t *bytes, double *decode_ms,
                       seam_error *err);
  int64_t request_overhead_bytes; /* a request's bytes besides its tensors */
} part_wire;

/* Called after each tensor is measured (done of total), for progress. */
typedef void (*part_progress_fn)(void *user, int done, int total);

typedef struct part_measure_options {
  size_t n_inputs;
  const char *const *input_names;
  const seam_tensor *const *inputs; /* one per graph input */
  const part_wire *wire;            /* NULL: raw bytes, no encoding time */
  part_progress_fn progress;        /* may be NULL */
  void *progress_user;
} part_measure_options;

/* Runs model (loaded with plan = 0, so every node is observed) on the
 * inputs and fills *out (a new DAG: free with part_dag_free) with the
 * loaded graph's nodes and tensors, their bytes, MACs, weight bytes and
 * wire costs. Node times are 0: attach profiles with part_dag_set_times. */
seam_status part_measure(const seam_model *model, const part_measure_options *options,
                         part_dag *out, seam_error *err);

#endif

/* seam — the model runtime: load an ONNX model and run all of it, or any part.
 *
 * A model is immutable once loaded; seam_model_run may be called from several
 * threads at once on the same model. Up to parallel_runs planned runs of one
 * model proceed at once (each with its own thread pool and memory arena, on
 * the same weights); further callers wait for one to finish. */
#ifndef SEAM_RUNTIME_H
#define SEAM_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "seam/status.h"
#include "seam/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct seam_model seam_model;

/* Description of a graph input or output. dims[i] is -1 where the model
 * leaves a dimension symbolic (dim_names[i] then holds its name, or NULL). */
typedef struct seam_value_info {
  const char *name;
  seam_dtype dtype;
  int rank; /* -1 when the model does not declare a shape */
  int64_t dims[SEAM_MAX_RANK];
  const char *dim_names[SEAM_MAX_RANK];
} seam_value_info;

/* How a model is prepared and run. Initialize with seam_model_options_default
 * and change what you need; fields may be added at the end in later versions. */
typedef struct seam_model_options {
  int num_threads;  /* threads one inference may use; 0 = the online cores */
  int optimize;     /* 1 (default): fold BatchNormalization into Conv/Gemm, fuse
                       activations, drop Identity/Dropout at load */
  int fast_kernels; /* 1 (default): XNNPACK for the ops it covers, the portable
                       kernels for the rest; 0: portable kernels only */
  int plan;         /* 1 (default): prepare each input shape once (one memory
                       arena, shape subgraphs evaluated once, no allocation per
                       run); 0: allocate per node (the reference path) */
  int parallel_runs; /* runs that may proceed at once, each with num_threads
                        threads (1..64; 0 = 1). More lanes raise a server's
                        throughput under concurrent requests at the cost of
                        one arena and one set of packed weights per lane */
  size_t plan_cache_bytes; /* memory the prepared runs of all lanes may keep
                              (arenas, packed weights); the least recently used
                              go first, and a run whose plan alone is larger
                              releases it when it ends. 0 = no bound beyond 8
                              plans per lane */
  /* Tensors that must stay computed and addressable through graph
   * optimization, so that they can be named as inputs, outputs or cuts:
   * n_keep_tensors names of tensors of the file (graph inputs, node outputs,
   * initializers). Wherever an optimization would remove a kept tensor,
   * stop computing it, or make its readers read another tensor instead
   * (fuse the activation that reads a kept Conv output, fold the
   * BatchNormalization that reads it, drop the Identity or Dropout that
   * writes it, fuse the QDQ pattern around or after it), that one place is
   * left as it is; the rest of the graph is optimized as usual. So a run
   * given kept tensors computes the rest of the graph from them. A kept tensor
   * costs what computing it costs (the unfused activation, the unfolded
   * BatchNormalization), and a run through it may differ from the fully
   * optimized model's in float rounding (a folded BatchNormalization rounds
   * differently). A name that is not a tensor of the file fails the load
   * with SEAM_ERR_NOT_FOUND naming it; duplicates are allowed; constants
   * are accepted and stay constants (they are not computed). The names are
   * read during the load only. NULL / 0: none. */
  const char *const *keep_tensors;
  size_t n_keep_tensors;
} seam_model_options;

SEAM_API void seam_model_options_default(seam_model_options *options);

/* Loads an ONNX model file. External data files are resolved next to it.
 * Unsupported operators, dtypes it cannot hold and corrupt files are refused
 * with one message naming the problem (operator, node, opset). */
SEAM_API seam_model *seam_model_load(const char *path, seam_error *err);
/* Same, from bytes in memory; base_dir (may be NULL) resolves external data. */
SEAM_API seam_model *seam_model_load_memory(const void *bytes, size_t size, const char *base_dir,
                                            seam_error *err);
/* The same with options (NULL: the defaults). */
SEAM_API seam_model *seam_model_load_with(const char *path, const seam_model_options *options,
                                          seam_error *err);
SEAM_API seam_model *seam_model_load_memory_with(const void *bytes, size_t size,
                                                 const char *base_dir,
                                                 const seam_model_options *options,
                                                 seam_error *err);
/* Frees a model; accepts NULL. */
SEAM_API void seam_model_free(seam_model *model);

SEAM_API size_t seam_model_input_count(const seam_model *model);
SEAM_API size_t seam_model_output_count(const seam_model *model);
/* Fills info for input/output i; the strings live as long as the model. */
SEAM_API seam_status seam_model_input_info(const seam_model *model, size_t i,
                                           seam_value_info *info);
SEAM_API seam_status seam_model_output_info(const seam_model *model, size_t i,
                                            seam_value_info *info);

/* Computes the tensors named in output_names from the tensors named in
 * input_names, running only the nodes needed in between. Inputs may be graph
 * inputs or any intermediate tensor (a cut); outputs may be graph outputs or
 * any intermediate tensor. A tensor that graph optimization merged into
 * another (Identity, Dropout) can still be named; one it removed outright (a
 * Conv output whose activation was fused, or before its folded
 * BatchNormalization) is refused with SEAM_ERR_NOT_FOUND and a message naming
 * the tensor to use instead; load with keep_tensors naming it to run from or
 * to it. With output_names == NULL, the graph outputs are
 * computed (n_outputs must then equal seam_model_output_count). outputs[i]
 * receives a new tensor the caller frees; on failure every outputs[i] is NULL. */
SEAM_API seam_status seam_model_run(const seam_model *model, size_t n_inputs,
                                    const char *const *input_names,
                                    const seam_tensor *const *inputs, size_t n_outputs,
                                    const char *const *output_names, seam_tensor **outputs,
                                    seam_error *err);

/* Limits and stop conditions of one run (seam_model_run_with). Initialize
 * with seam_run_options_default and set what you need; fields may be added
 * at the end in later versions. */
typedef struct seam_run_options {
  /* Stop with SEAM_ERR_CANCELLED once CLOCK_MONOTONIC (as clock_gettime
   * gives it, in ns) reaches this; 0 = no deadline. Checked before the run,
   * while waiting for a free lane, and between nodes. */
  int64_t deadline_ns;
  /* Polled at the same points; a nonzero return stops the run with
   * SEAM_ERR_CANCELLED. NULL = never. */
  int (*should_stop)(void *user);
  void *user;
  /* Refuse with SEAM_ERR_LIMIT, before allocating it, a run whose
   * activations (the run plan's arena and scratch, or the live tensors of
   * the plain executor) and outputs would take more than this many bytes;
   * 0 = no limit. */
  size_t max_memory_bytes;
  /* Refuse with SEAM_ERR_LIMIT, before computing anything, a run whose
   * requested outputs together exceed this many bytes; 0 = no limit. */
  size_t max_output_bytes;
  /* 1: refuse (SEAM_ERR_INVALID_ARGUMENT) a given or requested tensor that
   * is a constant of the model (an initializer, a Constant node's output or
   * a value folded from them), and a name given or requested twice. A
   * server running requests of peers sets it, so that no request reads or
   * replaces a weight. */
  int computed_only;
} seam_run_options;

SEAM_API void seam_run_options_default(seam_run_options *options);

/* seam_model_run within options (NULL: as seam_model_run). */
SEAM_API seam_status seam_model_run_with(const seam_model *model, size_t n_inputs,
                                         const char *const *input_names,
                                         const seam_tensor *const *inputs, size_t n_outputs,
                                         const char *const *output_names, seam_tensor **outputs,
                                         const seam_run_options *options, seam_error *err);

#ifdef __cplusplus
}
#endif
#endif /* SEAM_RUNTIME_H */

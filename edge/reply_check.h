/* What libseam-edge checks before it trusts a worker's reply. Internal.
 *
 * A reply is the model's answer only if its outputs are exactly the model's
 * graph outputs, in order, each with the declared dtype and a shape the
 * model allows for the inputs given: the declared rank, every fixed dim, and
 * every named symbolic dim equal to the value the given inputs bind that name
 * to (an output's "batch" is the inputs' "batch"), or, for names no input
 * has, the same value wherever the outputs use it. Values are checked
 * separately: NaN or Inf in a reply is only believed when a tensor sent had
 * some too, or when the device's own run of the tail gives some. */
#ifndef SEAM_EDGE_REPLY_CHECK_H
#define SEAM_EDGE_REPLY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/seam.pb-c.h"
#include "seam/runtime.h"

/* Named symbolic dims and the values the given inputs bind them to. */
typedef struct edge_dim_binding {
  const char *name; /* the model's (lives as long as the model) */
  int64_t value;
} edge_dim_binding;

typedef struct edge_dim_bindings {
  size_t n;
  edge_dim_binding *items; /* malloc'd; NULL when n == 0 */
} edge_dim_bindings;

/* Binds the named symbolic dims of the model's graph inputs from the n given
 * tensors (names that are not graph inputs, and tensors of another rank
 * than declared, bind nothing: the device's run judges those). The first
 * value a name gets wins. SEAM_ERR_NO_MEMORY is the only failure. */
seam_status edge_bind_input_dims(const seam_model *model, size_t n, const char *const *names,
                                 const seam_tensor *const *tensors, edge_dim_bindings *b,
                                 seam_error *err);

void edge_dim_bindings_free(edge_dim_bindings *b);

/* Checks an OK reply's outputs (count, names, order, dtypes, shapes) against
 * the model before anything is decoded. false with a sentence in why when
 * they do not fit. */
bool edge_reply_fits_model(const seam_model *model, const edge_dim_bindings *b,
                           const Seam__V1__InferReply *reply, char *why, size_t why_size);

/* The index of the first of the n tensors holding a NaN or an infinity
 * (float32, float16, float64), or n when none does. */
size_t edge_first_non_finite(size_t n, const seam_tensor *const *tensors);

#endif

/* Variants of a served model that keep tensors graph optimization removed,
 * so that a request may name any tensor of the ONNX file as a cut.
 *
 * The worker loads each model optimized: a Conv output whose Relu was fused
 * into it, or before a BatchNormalization folded into it, is no tensor of
 * the served graph. An edge that cuts there keeps the tensor on its side
 * (seam_model_options.keep_tensors) and sends it by its file name. When an
 * Infer request names such tensors (as inputs or wanted), the worker serves
 * it with a variant of the model loaded with those tensors kept: the same
 * file (its bytes must still hash to the served SHA-256), loaded once, on
 * the first compute thread that needs it, and reused by every later request
 * naming the same removed tensors.
 *
 * Bounds, against a client that names ever new tensors: at most
 * SEAM_CLOUD_MAX_KEPT removed tensors per request (INVALID_ARGUMENT beyond);
 * at most max_per_model variants per model, never evicted (a client cannot
 * make the worker reload), so a request that needs one more is refused with
 * FAILED_PRECONDITION, naming the flag and the tensor to cut at instead (the
 * edge then finishes on the device). A variant whose load failed keeps its
 * error and answers it without loading again. The variants of a model
 * share one plan-cache bound between them (each gets
 * plan_cache_bytes / max_per_model) and run on the model's own compute
 * queue, so they add no threads that compute at once. */
#ifndef SEAM_CLOUD_CUT_VARIANTS_H
#define SEAM_CLOUD_CUT_VARIANTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cloud/repository.h"
#include "protocol/grpc_server.h"

/* Removed tensors one request may name. A real cut names a few. */
#define SEAM_CLOUD_MAX_KEPT 64
/* The default and the largest --max-cut-variants. */
#define SEAM_CLOUD_CUT_VARIANTS_DEFAULT 4
#define SEAM_CLOUD_CUT_VARIANTS_MAX 64

typedef struct seam_cloud_variants seam_cloud_variants;
typedef struct seam_cloud_variant seam_cloud_variant;

/* The variant table of repo's models, at most max_per_model (0..64; 0: no
 * variants, removed tensors are refused) each; log (may be NULL) gets one
 * line per variant loaded or failed. NULL when out of memory. */
seam_cloud_variants *seam_cloud_variants_create(const seam_cloud_repo *repo, int max_per_model, FILE *log);

/* Frees every variant; accepts NULL. No request may be running. */
void seam_cloud_variants_free(seam_cloud_variants *vs);

/* Admission of a request's names for model m (inputs, then wanted): each a
 * tensor of the file, none a constant, none twice. true with *variant NULL
 * when the served graph has them all; true with *variant set when some are
 * tensors its optimization removed and a variant keeping them is (or may
 * be) loaded; false with the refusal's status and message in r. vs may be
 * NULL (no variants). Runs on a transport thread; never loads. */
bool seam_cloud_variant_admit(seam_cloud_variants *vs, const seam_cloud_model *m, size_t n_inputs,
                              const char *const *inputs, size_t n_wanted, const char *const *wanted,
                              seam_cloud_variant **variant, seam_grpc_response *r);

/* The variant's model, loaded on first use on the calling (compute) thread;
 * a thread that needs it while another loads it waits. NULL with the
 * status and message in r when it cannot be loaded (the same answer every
 * time after). */
const seam_model *seam_cloud_variant_model(seam_cloud_variants *vs, seam_cloud_variant *v, const seam_cloud_model *m,
                                           seam_grpc_response *r);

/* Variants of m loaded (for tests and logs). */
int seam_cloud_variant_count(seam_cloud_variants *vs, const seam_cloud_model *m);

#endif

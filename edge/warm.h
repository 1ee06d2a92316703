/* Warming a session's routes at open: each route's head and its device
 * tail run once on made-up inputs, so the run plans they need exist before
 * the first request that uses them (changing the cut then costs no cold
 * start on the device). Internal. */
#ifndef SEAM_EDGE_WARM_H
#define SEAM_EDGE_WARM_H

#include <stddef.h>

#include "edge/route.h"
#include "seam/runtime.h"

/* What remote route k sends for the made-up inputs: n tensors under names
 * (wire: their codecs, NULL for "cloud"); the warmer packs a request from
 * them so the worker can be warmed too. */
typedef seam_status (*edge_warm_sent_fn)(void *user, size_t k, size_t n, const char *const *names,
                                         const seam_cut_wire *wire, const seam_tensor *const *tensors,
                                         seam_error *err);

seam_status edge_warm_routes(const seam_model *model, const edge_route *routes, size_t n,
                             edge_warm_sent_fn sent, void *user, seam_error *err);

#endif

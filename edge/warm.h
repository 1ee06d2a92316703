/* Warming a session's routes at open: each route's head and its device
 * tail run once on made-up inputs, so the run plans they need exist before
 * the first request that uses them (changing the cut then costs no cold
 * start on the device). Internal. */
#ifndef SEAM_EDGE_WARM_H
#define SEAM_EDGE_WARM_H

#include <stddef.h>

#include "edge/route.h"
#include "seam/runtime.h"

seam_status edge_warm_routes(const seam_model *model, const edge_route *routes, size_t n,
                             seam_error *err);

#endif

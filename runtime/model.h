/* The model handle behind include/seam/runtime.h. */
#ifndef SEAM_RUNTIME_MODEL_H
#define SEAM_RUNTIME_MODEL_H

#include "runtime/graph.h"
#include "seam/runtime.h"

struct seam_model {
  seam_graph *graph;
};

#endif

/* ONNX ModelProto → seam graph IR. */
#ifndef SEAM_RUNTIME_ONNX_IMPORT_H
#define SEAM_RUNTIME_ONNX_IMPORT_H

#include <stddef.h>

#include "runtime/graph.h"

/* Parses a serialized ONNX model. base_dir (may be NULL) resolves external
 * data. Every node is bound to its kernel; a node without one is refused.
 * Nodes are returned in topological order. */
seam_graph *seam_onnx_import(const void *bytes, size_t size, const char *base_dir,
                             seam_error *err);

#endif

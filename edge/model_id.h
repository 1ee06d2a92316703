/* A model's identity as a worker knows it: the SHA-256 of its file and its
 * name in the worker's repository. Internal to libseam-edge. */
#ifndef SEAM_EDGE_MODEL_ID_H
#define SEAM_EDGE_MODEL_ID_H

#include <stdbool.h>
#include <stdint.h>

/* SHA-256 of the file's bytes into out; false when it cannot be read. */
bool seam_edge_file_sha256(const char *path, uint8_t out[32]);

/* The name a worker serves a file under by default: "DIR/<name>/model.onnx"
 * -> name, "DIR/name.onnx" -> name. malloc'd; NULL when out of memory. */
char *seam_edge_default_model_name(const char *path);

#endif

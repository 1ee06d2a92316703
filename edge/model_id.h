/* A model's name as a worker knows it: its name in the worker's repository
 * (its identity, the SHA-256 of the file, is common/sha256.h's). Internal
 * to libseam-edge. */
#ifndef SEAM_EDGE_MODEL_ID_H
#define SEAM_EDGE_MODEL_ID_H

/* The name a worker serves a file under by default: "DIR/<name>/model.onnx"
 * -> name, "DIR/name.onnx" -> name. malloc'd; NULL when out of memory. */
char *seam_edge_default_model_name(const char *path);

#endif

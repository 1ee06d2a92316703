/* Converting ONNX TensorProto messages into seam tensors. */
#ifndef SEAM_RUNTIME_ONNX_TENSOR_H
#define SEAM_RUNTIME_ONNX_TENSOR_H

#include "common/file_io.h"
#include "onnx/onnx.pb-c.h"
#include "runtime/tensor.h"

/* Reads every storage form exporters use: raw_data, the typed repeated
 * fields, and external data (base_dir resolves relative locations; may be
 * NULL, which refuses external data). Sizes are checked against dims before
 * any copy. */
seam_tensor *seam_tensor_from_onnx(const Onnx__TensorProto *proto, const char *base_dir,
                                   seam_error *err);

/* protobuf-c allocator that over-allocates every block by the tensor tail
 * pad, so buffers it unpacks can become tensor buffers as they are. */
extern ProtobufCAllocator seam_onnx_padded_allocator;

/* Like seam_tensor_from_onnx, but takes over p's raw_data buffer (unpacked
 * with seam_onnx_padded_allocator) instead of copying it: an initializer's
 * bytes exist once in memory. */
seam_tensor *seam_tensor_adopt_onnx(Onnx__TensorProto *p, const char *base_dir, seam_error *err);

/* Parses a serialized TensorProto (the conformance data's .pb files). */
seam_tensor *seam_tensor_from_onnx_bytes(const void *bytes, size_t size, seam_error *err);

#endif

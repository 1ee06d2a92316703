/* InferRequest packing and InferReply decoding for libseam-edge's stream
 * (stream.c). Internal. */
#ifndef SEAM_EDGE_WIRE_H
#define SEAM_EDGE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "edge/session.h"
#include "protocol/seam.pb-c.h"

/* Largest decoded reply tensor the edge accepts (4 x its 64 MiB message
 * limit, as INT8 decodes to 4 bytes per element). */
#define EDGE_MAX_DECODED_BYTES ((size_t)256 << 20)

/* Encodes the n tensors and packs an InferRequest for the session's model,
 * asking for RAW replies. wire (may be NULL) gives each tensor's codec (the
 * cut's plan, edge/cut_wire.h); without it the session's codec applies and
 * tensors that are not float32 travel RAW. *buf is malloc'd (the caller
 * frees it); *tensor_bytes (may be NULL) receives the tensors' size before
 * encoding. */
seam_status edge_pack_request(const edge_session_view *v, const char *request_id,
                              uint32_t budget_ms, size_t n, const char *const *names,
                              const seam_cut_wire *wire, const seam_tensor *const *tensors,
                              uint8_t **buf, size_t *size, uint64_t *tensor_bytes,
                              seam_error *err);

/* Decodes the reply's outputs, which must be exactly n_out, into outputs[];
 * on failure every outputs[i] is NULL. */
seam_status edge_decode_outputs(const Seam__V1__InferReply *reply, size_t n_out,
                                seam_tensor **outputs, seam_error *err);

#endif

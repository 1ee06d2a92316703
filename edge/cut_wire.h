/* How each cut tensor crosses the network.
 *
 * A cut tensor that the model itself dequantizes from int8 (the output of a
 * per-tensor DequantizeLinear, as in an INT8 QDQ head) is not sent as
 * float32: the device's head stops at the int8 tensor that DequantizeLinear
 * reads, and sends those bytes with the model's scale and zero point
 * (ENCODING_INT8). The worker's decoded tensor equals the DequantizeLinear
 * output exactly, so the split stays bit-identical to a local run with a
 * quarter of the bytes. Every other cut tensor goes through the session's
 * codec as it is. */
#ifndef SEAM_EDGE_CUT_WIRE_H
#define SEAM_EDGE_CUT_WIRE_H

#include "protocol/codec.h"
#include "runtime/graph.h"

typedef struct seam_cut_wire {
  /* The tensor the head computes and the device holds for this cut tensor
   * (also what a fallback on the device starts from): the cut tensor
   * itself, or the int8 tensor its DequantizeLinear reads. Owned. */
  char *head_name;
  /* How it is encoded; the message carries the cut tensor's name. */
  seam_codec_options codec;
} seam_cut_wire;

/* Plans cut tensor `name` (a value of g) under the session's codec. */
seam_status seam_cut_wire_plan(const seam_graph *g, const char *name,
                               const seam_codec_options *session_codec, seam_cut_wire *wire,
                               seam_error *err);

#endif

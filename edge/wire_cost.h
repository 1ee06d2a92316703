/* What a session's requests cost on the wire, for the partitioner
 * (partitioner/measure.h's part_wire): each tensor of a measured sample is
 * encoded exactly as a session with this codec would send it as a cut
 * tensor (edge/cut_wire.h: an INT8 head's dequantized tensors cross as their
 * int8 source), and the reply as the worker sends it (RAW outputs). */
#ifndef SEAM_EDGE_WIRE_COST_H
#define SEAM_EDGE_WIRE_COST_H

#include "partitioner/measure.h"
#include "protocol/codec.h"
#include "runtime/graph.h"

typedef struct edge_wire_cost {
  const seam_graph *graph;
  seam_codec_options codec;
  char model_name[256];
} edge_wire_cost;

/* Fills wire with hooks over c (which must outlive it) for model under the
 * session codec; the request overhead is that of a request for model_name. */
void edge_wire_cost_init(edge_wire_cost *c, const struct seam_model *model,
                         const seam_codec_options *codec, const char *model_name, part_wire *wire);

#endif

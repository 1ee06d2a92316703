/* What the other files of libseam-edge (stream.c) may see of a session
 * (edge.c owns the struct). Internal; not installed. */
#ifndef SEAM_EDGE_SESSION_H
#define SEAM_EDGE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "edge/cut_wire.h"
#include "edge/route.h"
#include "protocol/codec.h"
#include "protocol/grpc_client.h"
#include "seam/edge.h"

/* A read-only view of a session; the pointers live as long as the session. */
typedef struct edge_session_view {
  struct seam_model *model;
  seam_grpc_channel *channel; /* NULL: local only */
  const char *model_name;
  const uint8_t *sha256;      /* 32 bytes */
  edge_cut_kind kind;
  size_t n_cut;
  const char *const *cut;     /* EDGE_CUT_SPLIT: the cut tensor names */
  /* EDGE_CUT_SPLIT: per cut tensor, what the head computes and holds (the
   * names a fallback starts from) and how it is encoded (edge/cut_wire.h). */
  const char *const *head_names;
  const seam_cut_wire *wire;
  int deadline_ms;            /* per inference; 0 = none */
  seam_codec_options codec;
} edge_session_view;

void seam_edge_session_view(const seam_edge_session *s, edge_session_view *view);

/* The next request number of the session (request ids "edge-N"). */
uint64_t seam_edge_session_next_id(seam_edge_session *s);

#endif

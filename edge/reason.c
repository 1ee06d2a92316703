#include "edge/reason.h"

#include <assert.h>

#include "protocol/rpc_status.h"

static const char *const reason_names[] = {"none",          "network",        "deadline",
                                           "worker_busy",   "worker_error",   "worker_refused",
                                           "bad_reply",     "not_sent"};
static_assert(sizeof reason_names / sizeof reason_names[0] == SEAM_EDGE_REASON_COUNT,
              "one name per seam_edge_reason");

SEAM_API const char *seam_edge_reason_name(seam_edge_reason reason) {
  return (unsigned)reason < SEAM_EDGE_REASON_COUNT ? reason_names[reason] : "unknown";
}

seam_edge_reason edge_reason_from_rpc_code(int code) {
  switch (code) {
    case SEAM_RPC_OK: return SEAM_EDGE_REASON_BAD_REPLY;
    case SEAM_RPC_UNAVAILABLE:
    case SEAM_RPC_CANCELLED: return SEAM_EDGE_REASON_NETWORK;
    case SEAM_RPC_DEADLINE_EXCEEDED: return SEAM_EDGE_REASON_DEADLINE;
    case SEAM_RPC_RESOURCE_EXHAUSTED: return SEAM_EDGE_REASON_WORKER_BUSY;
    case SEAM_RPC_INTERNAL:
    case SEAM_RPC_UNKNOWN:
    case SEAM_RPC_ABORTED:
    case SEAM_RPC_DATA_LOSS: return SEAM_EDGE_REASON_WORKER_ERROR;
    default: return SEAM_EDGE_REASON_WORKER_REFUSED;
  }
}

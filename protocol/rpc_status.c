/* RPC status code names and the seam_status -> RPC code table. */
#include "protocol/rpc_status.h"

const char *seam_rpc_code_name(int code) {
  static const char *const names[] = {
      "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code < 0 || code >= (int)(sizeof names / sizeof names[0])) return "UNKNOWN_CODE";
  return names[code];
}

seam_rpc_code seam_rpc_code_from_status(seam_status status) {
  switch (status) {
    case SEAM_OK:
      return SEAM_RPC_OK;
    case SEAM_ERR_INVALID_ARGUMENT:
    case SEAM_ERR_PARSE:
    case SEAM_ERR_UNSUPPORTED:
    case SEAM_ERR_SHAPE:
    case SEAM_ERR_NOT_FOUND:
      return SEAM_RPC_INVALID_ARGUMENT;
    case SEAM_ERR_NO_MEMORY:
    case SEAM_ERR_LIMIT:
      return SEAM_RPC_RESOURCE_EXHAUSTED;
    case SEAM_ERR_CANCELLED:
      return SEAM_RPC_CANCELLED;
    default:
      return SEAM_RPC_INTERNAL;
  }
}

seam_status seam_status_from_rpc_code(int code) {
  switch (code) {
    case SEAM_RPC_OK:
      return SEAM_OK;
    case SEAM_RPC_INVALID_ARGUMENT:
    case SEAM_RPC_FAILED_PRECONDITION:
    case SEAM_RPC_OUT_OF_RANGE:
      return SEAM_ERR_INVALID_ARGUMENT;
    case SEAM_RPC_NOT_FOUND:
      return SEAM_ERR_NOT_FOUND;
    case SEAM_RPC_RESOURCE_EXHAUSTED:
      return SEAM_ERR_NO_MEMORY;
    case SEAM_RPC_DEADLINE_EXCEEDED:
    case SEAM_RPC_CANCELLED:
      return SEAM_ERR_CANCELLED;
    case SEAM_RPC_UNAVAILABLE:
      return SEAM_ERR_IO;
    case SEAM_RPC_UNIMPLEMENTED:
      return SEAM_ERR_UNSUPPORTED;
    default:
      return SEAM_ERR_INTERNAL;
  }
}

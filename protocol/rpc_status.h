/* RPC status codes shared by seam's transports, the cloud worker and the
 * edge client. The numbers are gRPC's (docs/protocol.md, "Status codes"), so
 * a unary call's transport status and InferReply.status agree, and the
 * WebSocket transport needs no second table. Internal to seam. */
#ifndef SEAM_PROTOCOL_RPC_STATUS_H
#define SEAM_PROTOCOL_RPC_STATUS_H

#include "seam/status.h"

typedef enum seam_rpc_code {
  SEAM_RPC_OK = 0,
  SEAM_RPC_CANCELLED = 1,
  SEAM_RPC_UNKNOWN = 2,
  SEAM_RPC_INVALID_ARGUMENT = 3,
  SEAM_RPC_DEADLINE_EXCEEDED = 4,
  SEAM_RPC_NOT_FOUND = 5,
  SEAM_RPC_ALREADY_EXISTS = 6,
  SEAM_RPC_PERMISSION_DENIED = 7,
  SEAM_RPC_RESOURCE_EXHAUSTED = 8,
  SEAM_RPC_FAILED_PRECONDITION = 9,
  SEAM_RPC_ABORTED = 10,
  SEAM_RPC_OUT_OF_RANGE = 11,
  SEAM_RPC_UNIMPLEMENTED = 12,
  SEAM_RPC_INTERNAL = 13,
  SEAM_RPC_UNAVAILABLE = 14,
  SEAM_RPC_DATA_LOSS = 15,
  SEAM_RPC_UNAUTHENTICATED = 16
} seam_rpc_code;

/* Constant name of a code ("NOT_FOUND"); "UNKNOWN_CODE" for other values. */
const char *seam_rpc_code_name(int code);

/* The RPC code for a runtime or codec failure: SEAM_ERR_PARSE, _SHAPE,
 * _INVALID_ARGUMENT, _UNSUPPORTED and _NOT_FOUND (an unknown tensor name)
 * are the caller's fault (INVALID_ARGUMENT, as docs/protocol.md lists);
 * SEAM_ERR_NO_MEMORY and SEAM_ERR_LIMIT are RESOURCE_EXHAUSTED; SEAM_ERR_CANCELLED is CANCELLED;
 * everything else INTERNAL. */
seam_rpc_code seam_rpc_code_from_status(seam_status status);

/* The seam_status a client reports for an RPC code: OK is SEAM_OK;
 * INVALID_ARGUMENT, FAILED_PRECONDITION (hash mismatch) and OUT_OF_RANGE are
 * SEAM_ERR_INVALID_ARGUMENT; NOT_FOUND is SEAM_ERR_NOT_FOUND;
 * RESOURCE_EXHAUSTED is SEAM_ERR_NO_MEMORY; DEADLINE_EXCEEDED and CANCELLED
 * are SEAM_ERR_CANCELLED; UNAVAILABLE is SEAM_ERR_IO; UNIMPLEMENTED is
 * SEAM_ERR_UNSUPPORTED; everything else SEAM_ERR_INTERNAL. */
seam_status seam_status_from_rpc_code(int code);

#endif

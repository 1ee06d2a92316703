/* seam_edge_profile_remote (include/seam/edge.h): one Profile call to a
 * worker, its reply rebuilt as a seam_profile. */
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/sha256.h"
#include "edge/model_id.h"
#include "protocol/grpc_client.h"
#include "protocol/seam.pb-c.h"
#include "seam/edge.h"

#define PROFILE_MAX_MESSAGE_BYTES ((size_t)64 << 20)
#define PROFILE_NO_TIMEOUT_MS (24 * 3600 * 1000)

static seam_status check_request(const seam_edge_profile_request *rq, seam_profile **result,
                                 seam_error *err) {
  if (!rq || !result)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_profile_remote: NULL argument");
  if (!rq->endpoint || !*rq->endpoint)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "seam_edge_profile_remote: no endpoint (HOST:PORT)");
  if (!rq->model_path)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "seam_edge_profile_remote: no model path");
  if (rq->runs < 0 || rq->warmup < 0 || rq->timeout_ms < 0)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "seam_edge_profile_remote: runs %d, warmup %d, timeout_ms %d: "
                     "none may be negative",
                     rq->runs, rq->warmup, rq->timeout_ms);
  if (rq->n_dims && (!rq->dim_names || !rq->dim_values))
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT,
                     "seam_edge_profile_remote: dimension names or values are NULL");
  return SEAM_OK;
}

/* The packed ProfileRequest (malloc'd) or NULL when out of memory. */
static uint8_t *pack_request(const seam_edge_profile_request *rq, char *name, uint8_t sha[32],
                             size_t *size) {
  Seam__V1__DimValue *dims = calloc(rq->n_dims + 1, sizeof *dims);
  Seam__V1__DimValue **ptrs = calloc(rq->n_dims + 1, sizeof *ptrs);
  uint8_t *buf = NULL;
  if (dims && ptrs) {
    for (size_t i = 0; i < rq->n_dims; i++) {
      seam__v1__dim_value__init(&dims[i]);
      dims[i].name = (char *)(rq->dim_names[i] ? rq->dim_names[i] : "");
      dims[i].value = rq->dim_values[i];
      ptrs[i] = &dims[i];
    }
    Seam__V1__ProfileRequest msg = SEAM__V1__PROFILE_REQUEST__INIT;
    msg.model_name = name;
    msg.model_sha256.data = sha;
    msg.model_sha256.len = 32;
    msg.runs = (uint32_t)rq->runs;
    msg.warmup = (uint32_t)rq->warmup;
    msg.n_dims = rq->n_dims;
    msg.dims = ptrs;
    *size = seam__v1__profile_request__get_packed_size(&msg);
    if ((buf = malloc(*size ? *size : 1))) seam__v1__profile_request__pack(&msg, buf);
  }
  free(dims);
  free(ptrs);
  return buf;
}

/* The reply's profile as a seam_profile. */
static seam_profile *from_reply(const Seam__V1__ProfileReply *r, seam_error *err) {
  seam_profile_info info = {.threads = (int)r->threads,
                            .runs = (int)r->runs,
                            .warmup = (int)r->warmup,
                            .kernels = r->kernels,
                            .total_ms = r->total_ms};
  seam_profile *p = seam_profile_create(&info, err);
  for (size_t i = 0; p && i < r->n_nodes; i++) {
    const Seam__V1__NodeProfile *n = r->nodes[i];
    seam_node_profile np = {.name = n->name,
                            .op = n->op,
                            .median_ms = n->median_ms,
                            .output_bytes = n->output_bytes,
                            .macs = n->macs,
                            .n_outputs = n->n_outputs,
                            .outputs = (const char *const *)n->outputs,
                            .n_inputs = n->n_inputs,
                            .inputs = (const char *const *)n->inputs,
                            .fused_activation = n->fused_activation};
    if (seam_profile_add_node(p, &np, err) != SEAM_OK) {
      seam_profile_free(p);
      p = NULL;
    }
  }
  return p;
}

seam_status seam_edge_profile_remote(const seam_edge_profile_request *rq, seam_profile **result,
                                     int *cached, seam_error *err) {
  seam_error scratch;
  if (!err) err = &scratch;
  seam_status st = check_request(rq, result, err);
  if (st != SEAM_OK) return st;
  *result = NULL;
  if (cached) *cached = 0;
  uint8_t sha[32];
  if (!seam_sha256_file(rq->model_path, sha))
    return seam_fail(err, SEAM_ERR_IO, "cannot read the model file '%s'", rq->model_path);
  char *name = rq->model_name && *rq->model_name ? strdup(rq->model_name)
                                                 : seam_edge_default_model_name(rq->model_path);
  size_t size = 0;
  uint8_t *request = name ? pack_request(rq, name, sha, &size) : NULL, *reply = NULL;
  size_t reply_size = 0;
  seam_grpc_channel *channel = NULL;
  Seam__V1__ProfileReply *r = NULL;
  if (!request) {
    st = seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
    goto out;
  }
  if (!(channel = seam_grpc_channel_open(rq->endpoint, PROFILE_MAX_MESSAGE_BYTES, err))) {
    st = err->status;
    goto out;
  }
  char message[SEAM_ERROR_MESSAGE_SIZE - 128] = "";
  int code = seam_grpc_call(channel, "/seam.v1.Seam/Profile", request, size,
                            rq->timeout_ms ? rq->timeout_ms : PROFILE_NO_TIMEOUT_MS, &reply,
                            &reply_size, message, sizeof message);
  if (code != SEAM_RPC_OK) {
    st = seam_fail(err, seam_status_from_rpc_code(code),
                   "Profile of model '%s' on the worker %s failed (%s): %s", name, rq->endpoint,
                   seam_rpc_code_name(code), message[0] ? message : "no message");
    goto out;
  }
  r = reply ? seam__v1__profile_reply__unpack(NULL, reply_size, reply) : NULL;
  if (!r) {
    st = seam_fail(err, SEAM_ERR_PARSE, "the worker's reply is not a valid seam.v1.ProfileReply");
    goto out;
  }
  if (!(*result = from_reply(r, err))) {
    st = err->status;
    goto out;
  }
  if (cached) *cached = r->cached;
out:
  if (r) seam__v1__profile_reply__free_unpacked(r, NULL);
  free(reply);
  seam_grpc_channel_close(channel);
  free(request);
  free(name);
  return st;
}

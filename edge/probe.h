/* Echo probes: one Echo call carries up_bytes to the worker and asks for
 * down_bytes back; its round trip minus the worker's handling time is a
 * network sample (partitioner/netest.h). A few of them measure a link. */
#ifndef SEAM_EDGE_PROBE_H
#define SEAM_EDGE_PROBE_H

#include <stdint.h>

#include "partitioner/cost.h"
#include "partitioner/netest.h"
#include "protocol/grpc_client.h"

/* One Echo call within timeout_ms. SEAM_OK with *sample filled (at_ms on
 * the monotonic clock; queue_ms the wait the worker reports for a request
 * for model_name sent now, or -1 when model_name is NULL); SEAM_ERR_CANCELLED when no answer came
 * in time, *sample then holding the time waited (the exchange took at least
 * that); or the failure (SEAM_ERR_IO with the RPC status in err's message;
 * *sample zero). */
seam_status edge_probe_echo(seam_grpc_channel *channel, const char *model_name, uint32_t up_bytes,
                            uint32_t down_bytes, int timeout_ms, part_net_sample *sample, seam_error *err);

/* An empty Echo that waits, up to timeout_ms, for the channel to connect
 * (its reconnect backoff reset first): whether a worker that was out of
 * reach is back. Its sample includes the connection's set-up. */
seam_status edge_probe_reach(seam_grpc_channel *channel, const char *model_name, int timeout_ms,
                             part_net_sample *sample, seam_error *err);

/* Measures RTT (the median of tiny probes), then the uplink and the downlink
 * (probes of probe_bytes each way, the medians), n probes of each kind. */
seam_status edge_probe_link(seam_grpc_channel *channel, int n, uint32_t probe_bytes,
                            int timeout_ms, part_link *link, seam_error *err);

#endif

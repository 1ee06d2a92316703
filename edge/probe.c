/* Echo probes (probe.h). */
#include "edge/probe.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "protocol/rpc_status.h"
#include "protocol/seam.pb-c.h"
#include "common/error.h"

static seam_status echo(seam_grpc_channel *channel, const char *model_name, uint32_t up_bytes, uint32_t down_bytes,
                        int timeout_ms, bool when_ready, part_net_sample *sample, seam_error *err) {
  memset(sample, 0, sizeof *sample);
  uint8_t *payload = calloc(up_bytes ? up_bytes : 1, 1);
  if (!payload) return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  Seam__V1__EchoRequest rq = SEAM__V1__ECHO_REQUEST__INIT;
  rq.payload.data = payload;
  rq.payload.len = up_bytes;
  rq.reply_bytes = down_bytes;
  rq.model_name = (char *)(model_name ? model_name : "");
  size_t size = seam__v1__echo_request__get_packed_size(&rq);
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) {
    free(payload);
    return seam_fail(err, SEAM_ERR_NO_MEMORY, "out of memory");
  }
  seam__v1__echo_request__pack(&rq, buf);
  free(payload);
  uint8_t *reply = NULL;
  size_t reply_size = 0;
  char message[256] = "";
  int64_t t0 = seam_clock_us();
  int code = (when_ready ? seam_grpc_call_take_when_ready : seam_grpc_call_take)(
      channel, "/seam.v1.Seam/Echo", buf, size, timeout_ms, &reply, &reply_size, message, sizeof message);
  uint64_t rtt_us = seam_clock_us_since(t0);
  if (code != SEAM_RPC_OK) {
    free(reply);
    if (code == SEAM_RPC_DEADLINE_EXCEEDED) {
      /* It took at least this long: a sample, as a lower bound. */
      sample->bytes_up = size;
      sample->network_ms = (double)rtt_us / 1e3;
      sample->queue_ms = -1;
      sample->at_ms = (double)seam_clock_us() / 1e3;
      return seam_fail(err, SEAM_ERR_CANCELLED, "Echo got no answer within %d ms", timeout_ms);
    }
    return seam_fail(err, SEAM_ERR_IO, "Echo failed (%s): %s", seam_rpc_code_name(code), message);
  }
  Seam__V1__EchoReply *rp = reply ? seam__v1__echo_reply__unpack(NULL, reply_size, reply) : NULL;
  free(reply);
  if (!rp) return seam_fail(err, SEAM_ERR_PARSE, "the worker's Echo reply does not parse");
  uint64_t handling = rp->handling_us < rtt_us ? rp->handling_us : 0;
  sample->bytes_up = size;
  sample->bytes_down = reply_size;
  sample->network_ms = (double)(rtt_us - handling) / 1e3;
  sample->queue_ms = model_name ? (double)rp->queue_us / 1e3 : -1;
  sample->at_ms = (double)seam_clock_us() / 1e3;
  seam__v1__echo_reply__free_unpacked(rp, NULL);
  return SEAM_OK;
}

seam_status edge_probe_echo(seam_grpc_channel *channel, const char *model_name, uint32_t up_bytes,
                            uint32_t down_bytes, int timeout_ms, part_net_sample *sample, seam_error *err) {
  return echo(channel, model_name, up_bytes, down_bytes, timeout_ms, false, sample, err);
}

seam_status edge_probe_reach(seam_grpc_channel *channel, const char *model_name, int timeout_ms,
                             part_net_sample *sample, seam_error *err) {
  return echo(channel, model_name, 0, 0, timeout_ms, true, sample, err);
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

seam_status edge_probe_link(seam_grpc_channel *channel, int n, uint32_t probe_bytes,
                            int timeout_ms, part_link *link, seam_error *err) {
  if (n < 1 || n > 100 || probe_bytes < 1024)
    return seam_fail(err, SEAM_ERR_INVALID_ARGUMENT, "edge_probe_link: 1..100 probes of >= 1 KiB");
  double rtt[100], up[100], down[100];
  part_net_sample s;
  /* The first call also makes the connection: not a sample. */
  seam_status st = edge_probe_echo(channel, NULL, 0, 0, timeout_ms, &s, err);
  for (int i = 0; st == SEAM_OK && i < n; i++)
    if ((st = edge_probe_echo(channel, NULL, 0, 0, timeout_ms, &s, err)) == SEAM_OK) rtt[i] = s.network_ms;
  double r = st == SEAM_OK ? median(rtt, n) : 0;
  for (int i = 0; st == SEAM_OK && i < n; i++) {
    if ((st = edge_probe_echo(channel, NULL, probe_bytes, 0, timeout_ms, &s, err)) != SEAM_OK) break;
    double t = s.network_ms - r;
    up[i] = (double)s.bytes_up * 8.0 / ((t > 0.01 ? t : 0.01) * 1e3);
    if ((st = edge_probe_echo(channel, NULL, 0, probe_bytes, timeout_ms, &s, err)) != SEAM_OK) break;
    t = s.network_ms - r;
    down[i] = (double)s.bytes_down * 8.0 / ((t > 0.01 ? t : 0.01) * 1e3);
  }
  if (st != SEAM_OK) return st;
  link->rtt_ms = r;
  link->up_mbps = median(up, n);
  link->down_mbps = median(down, n);
  link->queue_ms = 0;
  return SEAM_OK;
}

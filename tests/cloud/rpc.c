#include "tests/cloud/rpc.h"

#include <stdlib.h>
#include <time.h>

#include "common/clock.h"
#include "protocol/health.pb-c.h"
#include "tests/cloud/worker.h"

int rpc_call(seam_grpc_channel *ch, const char *method, const ProtobufCMessage *msg, int timeout_ms,
             uint8_t **reply, size_t *reply_size, char *text, size_t text_size) {
  size_t size = protobuf_c_message_get_packed_size(msg);
  uint8_t *buf = malloc(size ? size : 1);
  if (!buf) return -1;
  protobuf_c_message_pack(msg, buf);
  int code = seam_grpc_call(ch, method, buf, size, timeout_ms, reply, reply_size, text, text_size);
  free(buf);
  return code;
}

bool rpc_wait_healthy(seam_grpc_channel *ch, double seconds) {
  double until = seam_clock_s() + seconds;
  while (seam_clock_s() < until) {
    Grpc__Health__V1__HealthCheckRequest rq = GRPC__HEALTH__V1__HEALTH_CHECK_REQUEST__INIT;
    rq.service = (char *)"";
    uint8_t *reply = NULL;
    size_t size = 0;
    int code = rpc_call(ch, "/grpc.health.v1.Health/Check", &rq.base, 1000, &reply, &size, NULL, 0);
    bool serving = false;
    if (code == 0 && reply) {
      Grpc__Health__V1__HealthCheckResponse *r =
          grpc__health__v1__health_check_response__unpack(NULL, size, reply);
      serving = r && r->status == GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING;
      if (r) grpc__health__v1__health_check_response__free_unpacked(r, NULL);
    }
    free(reply);
    if (serving) return true;
    struct timespec d = {0, 100 * 1000000};
    nanosleep(&d, NULL);
  }
  return false;
}

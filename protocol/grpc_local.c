/* In-process calls of the handlers (grpc_server.h): the request's
 * transport is a record here, and a deferred reply is handed over through
 * it instead of a gRPC call. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "protocol/grpc_server_impl.h"

struct seam_grpc_local {
  handler_context ctx;
  pthread_mutex_t lock;
  pthread_cond_t done_cond;
  bool done;
  seam_grpc_response reply;
};

seam_grpc_local *seam_grpc_local_create(void) {
  seam_grpc_local *l = calloc(1, sizeof *l);
  if (!l) return NULL;
  if (pthread_mutex_init(&l->lock, NULL) != 0) {
    free(l);
    return NULL;
  }
  if (pthread_cond_init(&l->done_cond, NULL) != 0) {
    pthread_mutex_destroy(&l->lock);
    free(l);
    return NULL;
  }
  return l;
}

void seam_grpc_local_attach(seam_grpc_local *l, seam_grpc_request *req) {
  memset(&l->ctx, 0, sizeof l->ctx);
  l->ctx.local = l;
  l->ctx.deadline_ns = req->deadline_ns;
  l->done = false;
  memset(&l->reply, 0, sizeof l->reply);
  req->transport = &l->ctx;
}

void seam_grpc_local_complete(seam_grpc_local *l, seam_grpc_response *resp) {
  pthread_mutex_lock(&l->lock);
  l->reply = *resp;
  l->done = true;
  pthread_cond_signal(&l->done_cond);
  pthread_mutex_unlock(&l->lock);
}

bool seam_grpc_local_wait(seam_grpc_local *l, seam_grpc_response *resp, int timeout_ms) {
  if (!l->ctx.deferred) return true; /* answered in *resp by the handler */
  struct timespec until = seam_clock_timespec_in(CLOCK_REALTIME, (int64_t)timeout_ms * 1000000);
  pthread_mutex_lock(&l->lock);
  int rc = 0;
  while (!l->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&l->done_cond, &l->lock, &until);
  bool done = l->done;
  if (done) {
    free(resp->data);
    *resp = l->reply;
    memset(&l->reply, 0, sizeof l->reply);
  }
  pthread_mutex_unlock(&l->lock);
  return done;
}

void seam_grpc_local_free(seam_grpc_local *l) {
  if (!l) return;
  free(l->reply.data);
  pthread_cond_destroy(&l->done_cond);
  pthread_mutex_destroy(&l->lock);
  free(l);
}

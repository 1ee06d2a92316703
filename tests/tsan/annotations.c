/* ThreadSanitizer's view of the synchronization inside libraries it does
 * not instrument (Debian's gRPC and pthreadpool), preloaded into the
 * processes of the TSan test run (scripts/test.sh --tsan):
 *
 *   LD_PRELOAD=build-tsan/tests/tsan/libseam-tsan-annotations.so
 *
 * TSan sees only instrumented code, so a hand-off through an uninstrumented
 * library (a tag through a gRPC completion queue, a task to a pthreadpool
 * thread) looks like unsynchronized access in seam's code on both sides,
 * and suppressing those reports would mean suppressing seam's own frames.
 * Instead each wrapper here calls the library and states the happens-before
 * edge the library's API documents:
 *   - gRPC: starting a batch (grpc_call_start_batch), requesting a call and
 *     asking for the shutdown notification happen before the completion
 *     event carrying the same tag is returned by grpc_completion_queue_next
 *     or _pluck;
 *   - pthreadpool_parallelize_1d (the only variant seam calls): what the
 *     caller did before happens before every task, and every task before
 *     the call returns.
 * Built without TSan instrumentation and without the TSan runtime; the
 * annotations are weak references, so a preloaded process that has no TSan
 * runtime (python in a test) runs unchanged. */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <dlfcn.h>
#include <grpc/grpc.h>
#include <pthread.h>
#include <pthreadpool.h>
#include <stdio.h>
#include <stdlib.h>

void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));

static void release(void *tag) {
  if (__tsan_release && tag) __tsan_release(tag);
}

static void acquire(void *tag) {
  if (__tsan_acquire && tag) __tsan_acquire(tag);
}

/* The wrapped library's own definition of name. */
static void *next(const char *name) {
  void *f = dlsym(RTLD_NEXT, name);
  if (!f) {
    fprintf(stderr, "seam-tsan-annotations: %s not found\n", name);
    abort();
  }
  return f;
}

#define REAL(type, name)                                 \
  static type real_##name;                               \
  if (!real_##name) real_##name = (type)next(#name)

/* ---- gRPC core ---------------------------------------------------------- */

typedef grpc_call_error (*start_batch_fn)(grpc_call *, const grpc_op *, size_t, void *, void *);
grpc_call_error grpc_call_start_batch(grpc_call *call, const grpc_op *ops, size_t nops, void *tag,
                                      void *reserved) {
  REAL(start_batch_fn, grpc_call_start_batch);
  release(tag);
  return real_grpc_call_start_batch(call, ops, nops, tag, reserved);
}

typedef grpc_call_error (*request_call_fn)(grpc_server *, grpc_call **, grpc_call_details *,
                                           grpc_metadata_array *, grpc_completion_queue *,
                                           grpc_completion_queue *, void *);
grpc_call_error grpc_server_request_call(grpc_server *server, grpc_call **call,
                                         grpc_call_details *details,
                                         grpc_metadata_array *request_metadata,
                                         grpc_completion_queue *cq_bound_to_call,
                                         grpc_completion_queue *cq_for_notification,
                                         void *tag_new) {
  REAL(request_call_fn, grpc_server_request_call);
  release(tag_new);
  return real_grpc_server_request_call(server, call, details, request_metadata, cq_bound_to_call,
                                       cq_for_notification, tag_new);
}

typedef grpc_call_error (*request_registered_fn)(grpc_server *, void *, grpc_call **,
                                                 gpr_timespec *, grpc_metadata_array *,
                                                 grpc_byte_buffer **, grpc_completion_queue *,
                                                 grpc_completion_queue *, void *);
grpc_call_error grpc_server_request_registered_call(
    grpc_server *server, void *registered_method, grpc_call **call, gpr_timespec *deadline,
    grpc_metadata_array *request_metadata, grpc_byte_buffer **optional_payload,
    grpc_completion_queue *cq_bound_to_call, grpc_completion_queue *cq_for_notification,
    void *tag_new) {
  REAL(request_registered_fn, grpc_server_request_registered_call);
  release(tag_new);
  return real_grpc_server_request_registered_call(server, registered_method, call, deadline,
                                                  request_metadata, optional_payload,
                                                  cq_bound_to_call, cq_for_notification, tag_new);
}

typedef void (*shutdown_notify_fn)(grpc_server *, grpc_completion_queue *, void *);
void grpc_server_shutdown_and_notify(grpc_server *server, grpc_completion_queue *cq, void *tag) {
  REAL(shutdown_notify_fn, grpc_server_shutdown_and_notify);
  release(tag);
  real_grpc_server_shutdown_and_notify(server, cq, tag);
}

typedef grpc_event (*cq_next_fn)(grpc_completion_queue *, gpr_timespec, void *);
grpc_event grpc_completion_queue_next(grpc_completion_queue *cq, gpr_timespec deadline,
                                      void *reserved) {
  REAL(cq_next_fn, grpc_completion_queue_next);
  grpc_event ev = real_grpc_completion_queue_next(cq, deadline, reserved);
  if (ev.type == GRPC_OP_COMPLETE) acquire(ev.tag);
  return ev;
}

typedef grpc_event (*cq_pluck_fn)(grpc_completion_queue *, void *, gpr_timespec, void *);
grpc_event grpc_completion_queue_pluck(grpc_completion_queue *cq, void *tag, gpr_timespec deadline,
                                       void *reserved) {
  REAL(cq_pluck_fn, grpc_completion_queue_pluck);
  grpc_event ev = real_grpc_completion_queue_pluck(cq, tag, deadline, reserved);
  if (ev.type == GRPC_OP_COMPLETE) acquire(ev.tag);
  return ev;
}

/* ---- pthreadpool -------------------------------------------------------- */

typedef struct wrapped_task {
  pthreadpool_task_1d_t function;
  void *context;
} wrapped_task;

static void run_wrapped(void *arg, size_t i) {
  acquire(arg); /* before reading the task: the caller wrote it */
  wrapped_task *w = arg;
  w->function(w->context, i);
  release(arg);
}

typedef void (*parallelize_1d_fn)(pthreadpool_t, pthreadpool_task_1d_t, void *, size_t, uint32_t);
void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function,
                                void *context, size_t range, uint32_t flags) {
  REAL(parallelize_1d_fn, pthreadpool_parallelize_1d);
  wrapped_task w = {function, context};
  release(&w);
  real_pthreadpool_parallelize_1d(threadpool, run_wrapped, &w, range, flags);
  acquire(&w);
}

/* The worker's compute queues. The transport's threads only parse,
 * validate and answer cheap calls (health, ModelInfo, Echo, refusals); work
 * that runs a model is a job on a queue, done by the queue's own threads:
 * one queue per model with one thread per lane of that model (so a job
 * never waits for a lane another queue holds), and one queue for Profile
 * with a single thread (one profile at a time).
 *
 * Admission is bounded: a queue accepts a job while fewer than max_waiting
 * jobs wait beyond its idle threads and their requests take at most
 * max_waiting_bytes; otherwise the job is refused at once
 * (RESOURCE_EXHAUSTED, the edge then finishes on the device). Before a
 * refusal, waiting jobs nobody waits for any more (client gone, deadline
 * passed) are answered and dropped. A job taken by a thread after its
 * deadline or after its client went away is answered without running.
 *
 * Every job is finished exactly once through its fn: with code OK on a
 * queue thread to do the work, or with a refusal code (possibly on the
 * submitting thread) to answer and free it. */
#ifndef SEAM_CLOUD_SCHEDULER_H
#define SEAM_CLOUD_SCHEDULER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "protocol/grpc_server.h"

typedef struct seam_cloud_job seam_cloud_job;

/* Does the job (code == SEAM_RPC_OK) or answers it with code and message
 * (any other code); in both cases the job is the callee's to free. */
typedef void (*seam_cloud_job_fn)(seam_cloud_job *job, int code, const char *message);

/* Embedded first in the handlers' own job structs. */
struct seam_cloud_job {
  seam_cloud_job *next;
  seam_cloud_job_fn fn;
  seam_grpc_pending *pending; /* abandoned requests are dropped */
  int64_t deadline_ns;        /* CLOCK_MONOTONIC; INT64_MAX: none */
  size_t bytes;               /* request bytes the job holds while it waits */
  int64_t queued_ns;          /* set by submit: when it joined the queue */
  struct seam_cloud_job_slot *slot; /* the scheduler's, while a queue thread runs it */
};

/* Called by a job once its work is done, just before it sends its reply:
 * from then on its thread counts as free, so a client that sends its next
 * request as soon as it has the reply is not refused as busy. Harmless
 * for a job that was refused or is called twice. */
void seam_cloud_job_release(seam_cloud_job *job);

typedef struct seam_cloud_queue_config {
  const char *name;         /* for messages: the model's name, "Profile" */
  int threads;              /* >= 1 */
  int max_waiting;          /* jobs waiting beyond the idle threads, >= 0 */
  size_t max_waiting_bytes; /* 0: no bound beyond max_waiting */
} seam_cloud_queue_config;

typedef struct seam_cloud_scheduler seam_cloud_scheduler;

/* Starts n queues and their threads. NULL when out of memory or threads. */
seam_cloud_scheduler *seam_cloud_scheduler_start(const seam_cloud_queue_config *queues, size_t n);

/* Queues job on queue i, or finishes it at once with a refusal. */
void seam_cloud_scheduler_submit(seam_cloud_scheduler *s, size_t i, seam_cloud_job *job);

/* Jobs waiting on queue i (for tests and logs). */
int seam_cloud_scheduler_waiting(seam_cloud_scheduler *s, size_t i);

/* How long a job submitted to queue i now would wait before a thread
 * takes it, in microseconds, as the workers' Echo reports it: 0 while a
 * thread is idle; otherwise the longer of how long the oldest waiting job
 * has waited so far and the wait of the job a thread took last. */
uint64_t seam_cloud_scheduler_wait_us(seam_cloud_scheduler *s, size_t i);

/* Shutdown, first step: every waiting job and every later submit is
 * answered UNAVAILABLE; jobs already running go on. */
void seam_cloud_scheduler_drain(seam_cloud_scheduler *s);

/* True once seam_cloud_scheduler_drain was called (running jobs poll it). */
bool seam_cloud_scheduler_draining(const seam_cloud_scheduler *s);

/* Joins the threads (after drain; running jobs finish first) and frees.
 * Accepts NULL. */
void seam_cloud_scheduler_free(seam_cloud_scheduler *s);

#endif

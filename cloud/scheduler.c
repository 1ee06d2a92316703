/* The worker's compute queues (see scheduler.h). */
#include "cloud/scheduler.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"

typedef struct queue {
  seam_cloud_queue_config cfg;
  struct seam_cloud_scheduler *owner;
  pthread_mutex_t lock;
  pthread_cond_t ready;
  seam_cloud_job *head, *tail;
  int waiting, idle;
  size_t waiting_bytes;
  int64_t last_wait_ns; /* queue wait of the job a thread took last */
  pthread_t *threads;
  int n_threads;
} queue;

struct seam_cloud_scheduler {
  queue *queues;
  size_t n;
  atomic_bool draining;
};

/* Why a job should not run (a code and its message), or SEAM_RPC_OK. */
static int stale_code(const seam_cloud_job *job, int64_t now, const char **message) {
  if (job->pending && seam_grpc_pending_abandoned(job->pending)) {
    *message = "the client went away (cancelled, or its deadline passed) while the request waited; "
               "nothing was computed";
    return SEAM_RPC_CANCELLED;
  }
  if (now >= job->deadline_ns) {
    *message = "the deadline passed while the request waited for the model; nothing was computed";
    return SEAM_RPC_DEADLINE_EXCEEDED;
  }
  return SEAM_RPC_OK;
}

/* Unlinks every waiting job that should not run into *out (lock held). */
static void take_stale(queue *q, seam_cloud_job **out) {
  int64_t now = seam_clock_ns();
  seam_cloud_job **link = &q->head, *prev = NULL;
  while (*link) {
    seam_cloud_job *j = *link;
    const char *why;
    if (stale_code(j, now, &why) == SEAM_RPC_OK) {
      prev = j;
      link = &j->next;
      continue;
    }
    *link = j->next;
    if (q->tail == j) q->tail = prev;
    q->waiting--;
    q->waiting_bytes -= j->bytes;
    j->next = *out;
    *out = j;
  }
}

static void finish_stale(seam_cloud_job *list) {
  while (list) {
    seam_cloud_job *j = list;
    list = j->next;
    const char *why = "";
    /* Staleness does not go away: the code found when it was taken. */
    int code = stale_code(j, seam_clock_ns(), &why);
    j->fn(j, code, why);
  }
}

static bool fits(const queue *q, const seam_cloud_job *job) {
  if (q->waiting >= q->cfg.max_waiting + q->idle) return false;
  return !q->cfg.max_waiting_bytes || q->waiting == 0 ||
         q->waiting_bytes + job->bytes <= q->cfg.max_waiting_bytes;
}

void seam_cloud_scheduler_submit(seam_cloud_scheduler *s, size_t i, seam_cloud_job *job) {
  if (atomic_load(&s->draining)) {
    job->fn(job, SEAM_RPC_UNAVAILABLE, "the worker is shutting down; nothing was computed");
    return;
  }
  queue *q = &s->queues[i];
  seam_cloud_job *stale = NULL;
  job->slot = NULL;
  pthread_mutex_lock(&q->lock);
  if (!fits(q, job)) take_stale(q, &stale);
  bool accepted = fits(q, job);
  int waiting = q->waiting;
  size_t waiting_bytes = q->waiting_bytes;
  if (accepted) {
    job->next = NULL;
    job->queued_ns = seam_clock_ns();
    if (q->tail) q->tail->next = job;
    else q->head = job;
    q->tail = job;
    q->waiting++;
    q->waiting_bytes += job->bytes;
    pthread_cond_signal(&q->ready);
  }
  pthread_mutex_unlock(&q->lock);
  finish_stale(stale);
  if (!accepted) {
    char msg[300];
    snprintf(msg, sizeof msg,
             "%s is busy: %d requests (%zu bytes) already wait for its %d compute thread(s); retry "
             "later or elsewhere",
             q->cfg.name, waiting, waiting_bytes, q->cfg.threads);
    job->fn(job, SEAM_RPC_RESOURCE_EXHAUSTED, msg);
  }
}

/* A queue thread's record of the job it runs (on that thread's stack). */
struct seam_cloud_job_slot {
  queue *q;
  bool released;
};

void seam_cloud_job_release(seam_cloud_job *job) {
  struct seam_cloud_job_slot *slot = job ? job->slot : NULL;
  if (!slot || slot->released) return;
  pthread_mutex_lock(&slot->q->lock);
  slot->q->idle++;
  slot->released = true;
  pthread_mutex_unlock(&slot->q->lock);
}

static void *queue_main(void *arg) {
  queue *q = arg;
  pthread_mutex_lock(&q->lock);
  q->idle++;
  for (;;) {
    while (!q->head && !atomic_load(&q->owner->draining)) pthread_cond_wait(&q->ready, &q->lock);
    seam_cloud_job *j = q->head;
    if (!j) break; /* draining and nothing left */
    q->head = j->next;
    if (!q->head) q->tail = NULL;
    q->waiting--;
    q->waiting_bytes -= j->bytes;
    q->idle--;
    q->last_wait_ns = seam_clock_ns() - j->queued_ns;
    pthread_mutex_unlock(&q->lock);
    struct seam_cloud_job_slot slot = {q, false};
    j->slot = &slot;
    const char *why = "";
    int code = atomic_load(&q->owner->draining) ? SEAM_RPC_UNAVAILABLE : stale_code(j, seam_clock_ns(), &why);
    if (code == SEAM_RPC_UNAVAILABLE) why = "the worker is shutting down; nothing was computed";
    j->fn(j, code, why); /* frees j */
    pthread_mutex_lock(&q->lock);
    if (!slot.released) q->idle++;
  }
  q->idle--;
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

static void stop_queue(queue *q) {
  pthread_mutex_lock(&q->lock);
  pthread_cond_broadcast(&q->ready);
  pthread_mutex_unlock(&q->lock);
  for (int t = 0; t < q->n_threads; t++) pthread_join(q->threads[t], NULL);
  q->n_threads = 0;
}

void seam_cloud_scheduler_free(seam_cloud_scheduler *s) {
  if (!s) return;
  atomic_store(&s->draining, true);
  for (size_t i = 0; i < s->n; i++) stop_queue(&s->queues[i]);
  for (size_t i = 0; i < s->n; i++) {
    pthread_mutex_destroy(&s->queues[i].lock);
    pthread_cond_destroy(&s->queues[i].ready);
    free(s->queues[i].threads);
  }
  free(s->queues);
  free(s);
}

seam_cloud_scheduler *seam_cloud_scheduler_start(const seam_cloud_queue_config *cfgs, size_t n) {
  seam_cloud_scheduler *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  atomic_init(&s->draining, false);
  s->queues = calloc(n ? n : 1, sizeof *s->queues);
  if (!s->queues) {
    free(s);
    return NULL;
  }
  bool ok = true;
  for (size_t i = 0; i < n; i++) {
    queue *q = &s->queues[i];
    q->cfg = cfgs[i];
    q->owner = s;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    s->n = i + 1;
    q->threads = calloc((size_t)(cfgs[i].threads > 0 ? cfgs[i].threads : 1), sizeof *q->threads);
    if (!q->threads || cfgs[i].threads < 1) {
      ok = false;
      break;
    }
    for (int t = 0; t < cfgs[i].threads; t++) {
      if (pthread_create(&q->threads[t], NULL, queue_main, q) != 0) {
        ok = false;
        break;
      }
      q->n_threads = t + 1;
    }
    if (!ok) break;
  }
  if (!ok) {
    seam_cloud_scheduler_free(s);
    return NULL;
  }
  return s;
}

int seam_cloud_scheduler_waiting(seam_cloud_scheduler *s, size_t i) {
  pthread_mutex_lock(&s->queues[i].lock);
  int n = s->queues[i].waiting;
  pthread_mutex_unlock(&s->queues[i].lock);
  return n;
}

uint64_t seam_cloud_scheduler_wait_us(seam_cloud_scheduler *s, size_t i) {
  queue *q = &s->queues[i];
  int64_t now = seam_clock_ns(), wait = 0;
  pthread_mutex_lock(&q->lock);
  if (q->idle <= q->waiting) {
    wait = q->last_wait_ns;
    if (q->head && now - q->head->queued_ns > wait) wait = now - q->head->queued_ns;
  }
  pthread_mutex_unlock(&q->lock);
  return wait > 0 ? (uint64_t)wait / 1000 : 0;
}

void seam_cloud_scheduler_drain(seam_cloud_scheduler *s) {
  atomic_store(&s->draining, true);
  for (size_t i = 0; i < s->n; i++) {
    queue *q = &s->queues[i];
    pthread_mutex_lock(&q->lock);
    seam_cloud_job *list = q->head;
    q->head = q->tail = NULL;
    q->waiting = 0;
    q->waiting_bytes = 0;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    while (list) {
      seam_cloud_job *j = list;
      list = j->next;
      j->fn(j, SEAM_RPC_UNAVAILABLE, "the worker is shutting down; nothing was computed");
    }
  }
}

bool seam_cloud_scheduler_draining(const seam_cloud_scheduler *s) {
  return atomic_load(&((seam_cloud_scheduler *)s)->draining);
}

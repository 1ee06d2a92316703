/* A circuit breaker on the edge's use of the network. Internal to
 * libseam-edge.
 *
 * Closed: every request may try the worker. threshold failures in a row
 * open it: requests go straight to the device (the fallback) without
 * waiting for a network that is gone. Once the backoff has passed, exactly
 * one request is the probe (half-open); the others keep being denied. Its
 * success closes the breaker and resets the backoff; its failure reopens it
 * with the backoff doubled, up to max_backoff_ms.
 *
 * Pure: no I/O, no clock of its own. Every call takes the caller's
 * monotonic time in ms; time that goes backwards is taken as no time passed
 * (an open breaker then waits at most one backoff from the earlier time on).
 *
 * Not thread-safe: the caller holds a lock around every call, the same
 * lock for one breaker (the edge calls it from several threads). The struct
 * is plain data; its fields may be read under that lock. */
#ifndef SEAM_EDGE_BREAKER_H
#define SEAM_EDGE_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum edge_breaker_state {
  EDGE_BREAKER_CLOSED = 0,
  EDGE_BREAKER_OPEN = 1,
  EDGE_BREAKER_HALF_OPEN = 2
} edge_breaker_state;

/* What edge_breaker_allow answers. */
typedef enum edge_breaker_verdict {
  EDGE_BREAKER_ALLOW = 0, /* closed: try the network */
  EDGE_BREAKER_DENY = 1,  /* open, or half-open with the probe out: do not */
  EDGE_BREAKER_PROBE = 2  /* try the network as the one probe; report its outcome */
} edge_breaker_verdict;

typedef struct edge_breaker {
  edge_breaker_state state;
  int threshold;           /* consecutive failures that open it (>= 1) */
  int failures;            /* consecutive failures while closed */
  int64_t base_backoff_ms; /* the first open period (>= 1) */
  int64_t max_backoff_ms;  /* the longest open period (>= base_backoff_ms) */
  int64_t backoff_ms;      /* the current open period */
  int64_t since_ms;        /* open: when it opened; half-open: when the probe went out */
  uint64_t opens;          /* times it has opened, reopenings included */
} edge_breaker;

/* A closed breaker. threshold below 1 is 1; base_backoff_ms below 1 is 1;
 * max_backoff_ms below base_backoff_ms is base_backoff_ms. */
void edge_breaker_init(edge_breaker *b, int threshold, int64_t base_backoff_ms, int64_t max_backoff_ms);

/* Whether a request may try the network at now_ms. Closed: ALLOW. Open:
 * DENY until the backoff has passed since it opened, then the breaker turns
 * half-open and this caller gets PROBE. Half-open: DENY, except that a
 * probe not reported within max_backoff_ms is taken as lost and this caller
 * gets PROBE in its place. A caller given ALLOW or PROBE reports the
 * outcome with edge_breaker_success or edge_breaker_failure. */
edge_breaker_verdict edge_breaker_allow(edge_breaker *b, int64_t now_ms);

/* The network answered: closed, failures 0, backoff back to the base
 * (whatever the state: an answer from a request let through earlier also
 * shows the network works). */
void edge_breaker_success(edge_breaker *b, int64_t now_ms);

/* The network failed (unreachable, timed out; not a worker's refusal of a
 * bad request). Closed: one more consecutive failure; the threshold-th
 * opens it for base_backoff_ms. Half-open (the probe failed): open again
 * for twice the last backoff, at most max_backoff_ms. Open: nothing (a
 * request let through before it opened). */
void edge_breaker_failure(edge_breaker *b, int64_t now_ms);

/* "closed", "open", "half-open"; "unknown" for any other value. */
const char *edge_breaker_state_name(edge_breaker_state s);

/* Milliseconds until an open breaker lets a probe through (0 when it would
 * now, or when it is not open). */
int64_t edge_breaker_wait_ms(const edge_breaker *b, int64_t now_ms);

#endif

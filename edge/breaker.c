/* The edge's circuit breaker (edge/breaker.h). */
#include "edge/breaker.h"

void edge_breaker_init(edge_breaker *b, int threshold, int64_t base_backoff_ms, int64_t max_backoff_ms) {
  if (threshold < 1) threshold = 1;
  if (base_backoff_ms < 1) base_backoff_ms = 1;
  if (max_backoff_ms < base_backoff_ms) max_backoff_ms = base_backoff_ms;
  *b = (edge_breaker){
      .state = EDGE_BREAKER_CLOSED,
      .threshold = threshold,
      .base_backoff_ms = base_backoff_ms,
      .max_backoff_ms = max_backoff_ms,
      .backoff_ms = base_backoff_ms,
  };
}

/* now_ms - since_ms without overflow, at least 0. */
static int64_t breaker_span(int64_t since_ms, int64_t now_ms) {
  if (now_ms <= since_ms) return 0;
  uint64_t d = (uint64_t)now_ms - (uint64_t)since_ms;
  return d > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)d;
}

/* Time since b->since_ms; a clock that went backwards moves since_ms back
 * with it, so no time has passed and the wait is at most one period. */
static int64_t breaker_elapsed(edge_breaker *b, int64_t now_ms) {
  if (now_ms < b->since_ms) b->since_ms = now_ms;
  return breaker_span(b->since_ms, now_ms);
}

static void breaker_open(edge_breaker *b, int64_t backoff_ms, int64_t now_ms) {
  b->state = EDGE_BREAKER_OPEN;
  b->backoff_ms = backoff_ms;
  b->since_ms = now_ms;
  b->failures = 0;
  b->opens++;
}

edge_breaker_verdict edge_breaker_allow(edge_breaker *b, int64_t now_ms) {
  switch (b->state) {
    case EDGE_BREAKER_CLOSED:
      return EDGE_BREAKER_ALLOW;
    case EDGE_BREAKER_OPEN:
      if (breaker_elapsed(b, now_ms) < b->backoff_ms) return EDGE_BREAKER_DENY;
      b->state = EDGE_BREAKER_HALF_OPEN;
      b->since_ms = now_ms;
      return EDGE_BREAKER_PROBE;
    case EDGE_BREAKER_HALF_OPEN:
      if (breaker_elapsed(b, now_ms) < b->max_backoff_ms) return EDGE_BREAKER_DENY;
      b->since_ms = now_ms; /* the probe was lost: this caller is the new one */
      return EDGE_BREAKER_PROBE;
  }
  return EDGE_BREAKER_DENY;
}

void edge_breaker_success(edge_breaker *b, int64_t now_ms) {
  (void)now_ms;
  b->state = EDGE_BREAKER_CLOSED;
  b->failures = 0;
  b->backoff_ms = b->base_backoff_ms;
}

void edge_breaker_failure(edge_breaker *b, int64_t now_ms) {
  switch (b->state) {
    case EDGE_BREAKER_CLOSED:
      if (++b->failures >= b->threshold) breaker_open(b, b->base_backoff_ms, now_ms);
      break;
    case EDGE_BREAKER_HALF_OPEN: {
      int64_t next = b->backoff_ms > b->max_backoff_ms / 2 ? b->max_backoff_ms : b->backoff_ms * 2;
      breaker_open(b, next, now_ms);
      break;
    }
    case EDGE_BREAKER_OPEN:
      break;
  }
}

const char *edge_breaker_state_name(edge_breaker_state s) {
  switch (s) {
    case EDGE_BREAKER_CLOSED:
      return "closed";
    case EDGE_BREAKER_OPEN:
      return "open";
    case EDGE_BREAKER_HALF_OPEN:
      return "half-open";
  }
  return "unknown";
}

int64_t edge_breaker_wait_ms(const edge_breaker *b, int64_t now_ms) {
  if (b->state != EDGE_BREAKER_OPEN) return 0;
  int64_t elapsed = breaker_span(b->since_ms, now_ms);
  return elapsed >= b->backoff_ms ? 0 : b->backoff_ms - elapsed;
}

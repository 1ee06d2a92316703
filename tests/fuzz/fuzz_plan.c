/* Fuzz target: plan files (part_plan_parse) from arbitrary bytes. A plan
 * that parses is written back (part_plan_save, to a memfd) and read again
 * (same candidates and grid), and every lookup and prediction on it stays
 * in range: a candidate index the plan has, finite costs. */
#define _GNU_SOURCE /* memfd_create */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "partitioner/plan.h"
#include "tests/fuzz/fuzz_check.h"

static void check_lookups(const part_plan *p) {
  static const double up[] = {0, 1e-9, 0.05, 1, 8, 100, 1e4, 1e300, INFINITY};
  static const double ms[] = {0, 3, 40, 700, 1e9};
  for (size_t u = 0; u < sizeof up / sizeof *up; u++)
    for (size_t m = 0; m < sizeof ms / sizeof *ms; m++) {
      part_link l = {.up_mbps = up[u] > 0 ? up[u] : 1e-9, .down_mbps = 1, .rtt_ms = ms[m], .queue_ms = ms[m]};
      part_decision d;
      part_plan_lookup(p, &l, &d);
      FUZZ_CHECK(d.candidate >= 0 && d.candidate < p->n_candidates, "lookup gave candidate %d of %d", d.candidate,
                 p->n_candidates);
      part_cost c;
      part_plan_predict(p, d.candidate, &l, &c);
      FUZZ_CHECK(!isnan(c.latency_ms) && c.latency_ms >= 0, "predicted latency %g", c.latency_ms);
    }
}

static void check_round_trip(const part_plan *p) {
  int fd = memfd_create("seam-fuzz-plan", 0);
  FUZZ_CHECK(fd >= 0, "memfd_create failed");
  char path[64];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  seam_error err;
  memset(&err, 0, sizeof err);
  FUZZ_CHECK(part_plan_save(p, path, &err) == SEAM_OK, "a parsed plan does not save: %s", err.message);
  part_plan back;
  FUZZ_CHECK(part_plan_load(path, p->sha256, &back, &err) == SEAM_OK, "a saved plan does not load: %s",
             err.message);
  FUZZ_CHECK(back.n_candidates == p->n_candidates, "candidates changed");
  for (int i = 0; i < p->n_candidates; i++)
    FUZZ_CHECK(strcmp(back.candidates[i].cut, p->candidates[i].cut) == 0, "a cut changed");
  FUZZ_CHECK(back.n_up == p->n_up && back.n_rtt == p->n_rtt && back.n_queue == p->n_queue, "the grid changed");
  size_t cells = (size_t)p->n_up * (size_t)p->n_rtt * (size_t)p->n_queue;
  FUZZ_CHECK(memcmp(back.best, p->best, cells * sizeof(int)) == 0, "the best cuts changed");
  part_plan_free(&back);
  close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seam_error err;
  part_plan p;
  if (part_plan_parse((const char *)data, size, "fuzz", NULL, &p, &err) != SEAM_OK) {
    FUZZ_CHECK(err.message[0] != '\0', "a refused plan has no message");
    return 0;
  }
  FUZZ_CHECK(p.n_candidates >= 1 && p.n_up >= 1 && p.n_rtt >= 1 && p.n_queue >= 1, "a plan without a grid");
  check_lookups(&p);
  check_round_trip(&p);
  part_plan_free(&p);
  return 0;
}

/* The network estimator (partitioner/netest.c) against a simulated link:
 * every sample's network time is the true RTT plus the true transfer times
 * (times a noise factor where stated), and every check compares the estimate
 * with the true link, never with the estimator's own earlier output. */
#include <CUnit/CUnit.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "partitioner/netest.h"
#include "tests/unit/unit.h"

/* A link: what the samples are made from. */
typedef struct sim_link {
  double up_mbps, down_mbps, rtt_ms;
} sim_link;

/* Exchanges the edge makes: Echo probes and inference calls. */
typedef struct sim_kind {
  uint64_t up, down;
} sim_kind;
static const sim_kind RTT_PROBE = {64, 64};
static const sim_kind CALL = {200000, 2000};      /* 200 KB cut tensors, a small reply */
static const sim_kind BIG_CALL = {1000000, 2000}; /* 1 MB */
static const sim_kind DOWN_PROBE = {64, 2000000}; /* 2 MB down */

/* xorshift64*: a fixed sequence for a fixed seed. */
typedef struct sim_rng {
  uint64_t s;
} sim_rng;
static double sim_uniform(sim_rng *r) { /* [-1, 1) */
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  uint64_t x = r->s * 0x2545F4914F6CDD1DULL;
  return (double)(x >> 11) / 9007199254740992.0 * 2 - 1;
}

static double sim_network_ms(const sim_link *l, sim_kind k) {
  return l->rtt_ms + (double)k.up * 8 / (l->up_mbps * 1000) + (double)k.down * 8 / (l->down_mbps * 1000);
}

/* The sample of one exchange over l, its network time scaled by
 * (1 + noise x u), u uniform in [-1, 1), and by slow (1: a normal sample). */
static part_net_sample sim_sample(const sim_link *l, sim_kind k, double noise, double slow, sim_rng *r,
                                  double *clock_ms) {
  double n = sim_network_ms(l, k) * (1 + noise * (r ? sim_uniform(r) : 0)) * slow;
  *clock_ms += n + 5;
  return (part_net_sample){*clock_ms, k.up, k.down, n, -1};
}

static void sim_feed(part_netest *e, const sim_link *l, sim_kind k, double noise, sim_rng *r, double *clock_ms) {
  part_net_sample s = sim_sample(l, k, noise, 1, r, clock_ms);
  part_netest_add(e, &s);
}

static double rel_err(double est, double truth) { return fabs(est - truth) / truth; }

static part_net_estimate estimate_of(const part_netest *e) {
  part_net_estimate x;
  part_netest_get(e, &x);
  return x;
}

/* (f) Before any sample the estimate is the prior. */
static void test_prior_before_samples(void) {
  part_net_estimate prior = {12.5, 40, 33, 4, 0, 0};
  part_netest *e = part_netest_create(&prior);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  part_net_estimate x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 12.5);
  CU_ASSERT_EQUAL(x.down_mbps, 40);
  CU_ASSERT_EQUAL(x.rtt_ms, 33);
  CU_ASSERT_EQUAL(x.queue_ms, 4);
  CU_ASSERT_EQUAL(x.samples, 0);
  CU_ASSERT_EQUAL(x.updated_ms, 0);
  CU_ASSERT_TRUE(isinf(part_netest_age_ms(e, PART_NET_RTT, 1000)));
  part_netest_free(e);

  /* No prior, or a prior that is no number, gives the documented defaults. */
  e = part_netest_create(NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 10);
  CU_ASSERT_EQUAL(x.down_mbps, 10);
  CU_ASSERT_EQUAL(x.rtt_ms, 50);
  CU_ASSERT_EQUAL(x.queue_ms, 0);
  part_netest_free(e);
  part_net_estimate bad = {NAN, -3, INFINITY, NAN, 7, 9};
  e = part_netest_create(&bad);
  CU_ASSERT_PTR_NOT_NULL_FATAL(e);
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 10);
  CU_ASSERT_EQUAL(x.down_mbps, 10);
  CU_ASSERT_EQUAL(x.rtt_ms, 50);
  CU_ASSERT_EQUAL(x.queue_ms, 0);
  CU_ASSERT_EQUAL(x.samples, 0);
  CU_ASSERT_EQUAL(x.updated_ms, 0);
  part_netest_free(e);
  /* Out of bounds: brought to the bounds. */
  part_net_estimate wild = {1e9, 1e-9, 1e9, -1, 0, 0};
  e = part_netest_create(&wild);
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, PART_NET_MAX_MBPS);
  CU_ASSERT_EQUAL(x.down_mbps, PART_NET_MIN_MBPS);
  CU_ASSERT_EQUAL(x.rtt_ms, PART_NET_MAX_MS);
  CU_ASSERT_EQUAL(x.queue_ms, 0);
  part_netest_free(e);
  part_netest_free(NULL);
}

/* Samples after a step of the link: how many samples of one kind it takes
 * until the estimate is within 25 % of the new value and stays there. */
typedef struct step_result {
  int up_calls, rtt_probes, down_probes; /* samples of that kind needed */
} step_result;

/* Runs rounds of [RTT probe, kind] over `to` (after 10 rounds over `from`,
 * which the prior also is) and counts. kind is CALL (the uplink is
 * followed) or DOWN_PROBE (the downlink). */
static step_result run_step(sim_link from, sim_link to, sim_kind kind, double noise, uint64_t seed) {
  sim_rng rng = {seed};
  part_net_estimate prior = {from.up_mbps, from.down_mbps, from.rtt_ms, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  for (int i = 0; i < 10; i++) {
    sim_feed(e, &from, RTT_PROBE, noise, &rng, &clock);
    sim_feed(e, &from, kind, noise, &rng, &clock);
  }
  int last_bad_bw = 0, last_bad_rtt = 0;
  bool down = kind.down > kind.up;
  for (int i = 1; i <= 25; i++) {
    sim_feed(e, &to, RTT_PROBE, noise, &rng, &clock);
    if (rel_err(estimate_of(e).rtt_ms, to.rtt_ms) >= 0.25) last_bad_rtt = i;
    sim_feed(e, &to, kind, noise, &rng, &clock);
    part_net_estimate x = estimate_of(e);
    double bw = down ? x.down_mbps : x.up_mbps, truth = down ? to.down_mbps : to.up_mbps;
    if (rel_err(bw, truth) >= 0.25) last_bad_bw = i;
  }
  part_netest_free(e);
  step_result r = {0, last_bad_rtt + 1, 0};
  if (down)
    r.down_probes = last_bad_bw + 1;
  else
    r.up_calls = last_bad_bw + 1;
  return r;
}

/* (a) Uplink 50 -> 2 Mbit/s with RTT 10 -> 150 ms, and back: within 25 %
 * of the new values within 5 samples of each kind. */
static void test_follows_uplink_step(void) {
  sim_link fast = {50, 50, 10}, slow = {2, 50, 150};
  for (int noisy = 0; noisy < 2; noisy++) {
    double noise = noisy ? 0.10 : 0;
    step_result down = run_step(fast, slow, CALL, noise, 11);
    step_result up = run_step(slow, fast, CALL, noise, 12);
    printf(
        "\n  uplink step, noise %.0f%%: 50->2 Mbit/s in %d calls, RTT 10->150 ms in %d probes; back in %d calls, "
        "%d probes ",
        noise * 100, down.up_calls, down.rtt_probes, up.up_calls, up.rtt_probes);
    CU_ASSERT(down.up_calls <= 5);
    CU_ASSERT(down.rtt_probes <= 5);
    CU_ASSERT(up.up_calls <= 5);
    CU_ASSERT(up.rtt_probes <= 5);
  }
}

/* The same for the downlink, followed with download probes. */
static void test_follows_downlink_step(void) {
  sim_link fast = {20, 100, 20}, slow = {20, 4, 120};
  for (int noisy = 0; noisy < 2; noisy++) {
    double noise = noisy ? 0.10 : 0;
    step_result down = run_step(fast, slow, DOWN_PROBE, noise, 21);
    step_result up = run_step(slow, fast, DOWN_PROBE, noise, 22);
    printf("\n  downlink step, noise %.0f%%: 100->4 Mbit/s in %d probes, RTT 20->120 ms in %d; back in %d, %d ",
           noise * 100, down.down_probes, down.rtt_probes, up.down_probes, up.rtt_probes);
    CU_ASSERT(down.down_probes <= 5);
    CU_ASSERT(down.rtt_probes <= 5);
    CU_ASSERT(up.down_probes <= 5);
    CU_ASSERT(up.rtt_probes <= 5);
  }
}

/* A prior far from the link is left within 5 samples of each kind too. */
static void test_leaves_wrong_prior(void) {
  sim_link link = {8, 30, 60};
  part_net_estimate prior = {80, 3, 6, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  int last_bad = 0;
  for (int i = 1; i <= 20; i++) {
    sim_feed(e, &link, RTT_PROBE, 0, NULL, &clock);
    sim_feed(e, &link, CALL, 0, NULL, &clock);
    sim_feed(e, &link, DOWN_PROBE, 0, NULL, &clock);
    part_net_estimate x = estimate_of(e);
    if (rel_err(x.up_mbps, 8) >= 0.25 || rel_err(x.down_mbps, 30) >= 0.25 || rel_err(x.rtt_ms, 60) >= 0.25)
      last_bad = i;
  }
  part_net_estimate x = estimate_of(e);
  printf(
      "\n  prior 10x off: every quantity within 25%% after %d rounds; after 20: up %.2f%%, down %.2f%%, RTT %.2f%% "
      "off ",
      last_bad + 1, rel_err(x.up_mbps, 8) * 100, rel_err(x.down_mbps, 30) * 100, rel_err(x.rtt_ms, 60) * 100);
  CU_ASSERT(last_bad + 1 <= 5);
  CU_ASSERT(rel_err(x.up_mbps, 8) < 0.05);
  CU_ASSERT(rel_err(x.down_mbps, 30) < 0.05);
  CU_ASSERT(rel_err(x.rtt_ms, 60) < 0.05);
  CU_ASSERT_EQUAL(x.samples, 60);
  part_netest_free(e);
}

/* (b) One sample 10x slower, of each kind, moves no estimate by 10 %: two
 * estimators see the same noisy sequence, one with the outlier in it. */
static void test_ignores_one_outlier(void) {
  sim_link link = {20, 50, 30};
  const sim_kind kinds[3] = {RTT_PROBE, CALL, DOWN_PROBE};
  for (int noisy = 0; noisy < 2; noisy++) {
    double noise = noisy ? 0.10 : 0;
    for (int which = 0; which < 3; which++) {
      part_net_estimate prior = {20, 50, 30, 0, 0, 0};
      part_netest *a = part_netest_create(&prior), *b = part_netest_create(&prior);
      sim_rng rng = {31 + (uint64_t)which};
      double clock = 0, worst = 0;
      for (int round = 0; round < 30; round++) {
        for (int k = 0; k < 3; k++) {
          double clock_b = clock;
          sim_rng rng_b = rng;
          part_net_sample s = sim_sample(&link, kinds[k], noise, 1, &rng, &clock);
          bool outlier = round == 15 && k == which;
          part_net_sample t = sim_sample(&link, kinds[k], noise, outlier ? 10 : 1, &rng_b, &clock_b);
          part_netest_add(a, &s);
          part_netest_add(b, &t);
          part_net_estimate x = estimate_of(a), y = estimate_of(b);
          worst = fmax(worst, rel_err(y.up_mbps, x.up_mbps));
          worst = fmax(worst, rel_err(y.down_mbps, x.down_mbps));
          worst = fmax(worst, rel_err(y.rtt_ms, x.rtt_ms));
        }
      }
      printf("\n  one %s 10x slower, noise %.0f%%: estimates moved at most %.2f%% ",
             which == 0   ? "RTT probe"
             : which == 1 ? "call"
                          : "download probe",
             noise * 100, worst * 100);
      CU_ASSERT(worst < 0.10);
      if (!noisy) CU_ASSERT(worst == 0);
      part_netest_free(a);
      part_netest_free(b);
    }
  }
}

/* (c) +-20 % multiplicative noise on every network time (and queue time)
 * keeps every estimate within 15 % of the link, over 300 rounds of [RTT
 * probe, 1 MB call, 2 MB download probe] and 10 seeds. (Subtracting the RTT
 * makes the bandwidth readings noisier still: -18 % to +29 % here.) */
static void test_noise_stationary(void) {
  sim_link link = {20, 50, 40};
  const double queue = 6;
  double worst[4] = {0, 0, 0, 0};
  for (uint64_t seed = 1; seed <= 10; seed++) {
    part_net_estimate prior = {link.up_mbps, link.down_mbps, link.rtt_ms, queue, 0, 0};
    part_netest *e = part_netest_create(&prior);
    sim_rng rng = {seed};
    double clock = 0;
    for (int round = 0; round < 300; round++) {
      const sim_kind kinds[3] = {RTT_PROBE, BIG_CALL, DOWN_PROBE};
      for (int k = 0; k < 3; k++) {
        part_net_sample s = sim_sample(&link, kinds[k], 0.20, 1, &rng, &clock);
        if (k == 1) s.queue_ms = queue * (1 + 0.20 * sim_uniform(&rng));
        part_netest_add(e, &s);
        part_net_estimate x = estimate_of(e);
        worst[0] = fmax(worst[0], rel_err(x.up_mbps, link.up_mbps));
        worst[1] = fmax(worst[1], rel_err(x.down_mbps, link.down_mbps));
        worst[2] = fmax(worst[2], rel_err(x.rtt_ms, link.rtt_ms));
        worst[3] = fmax(worst[3], rel_err(x.queue_ms, queue));
      }
    }
    part_netest_free(e);
  }
  printf("\n  +-20%% noise, 10 x 900 samples: worst error up %.1f%%, down %.1f%%, RTT %.1f%%, queue %.1f%% ",
         worst[0] * 100, worst[1] * 100, worst[2] * 100, worst[3] * 100);
  for (int i = 0; i < 4; i++) CU_ASSERT(worst[i] < 0.15);
}

/* The same noise from a prior 3x off: within 25 % after 10 rounds, within
 * 15 % after 50. */
static void test_noise_from_wrong_prior(void) {
  sim_link link = {20, 50, 40};
  double worst_10 = 0, worst_50 = 0;
  for (uint64_t seed = 1; seed <= 10; seed++) {
    part_net_estimate prior = {60, 15, 120, 0, 0, 0};
    part_netest *e = part_netest_create(&prior);
    sim_rng rng = {100 + seed};
    double clock = 0;
    for (int round = 0; round < 100; round++) {
      sim_feed(e, &link, RTT_PROBE, 0.20, &rng, &clock);
      sim_feed(e, &link, BIG_CALL, 0.20, &rng, &clock);
      sim_feed(e, &link, DOWN_PROBE, 0.20, &rng, &clock);
      part_net_estimate x = estimate_of(e);
      double w = fmax(rel_err(x.up_mbps, 20), fmax(rel_err(x.down_mbps, 50), rel_err(x.rtt_ms, 40)));
      if (round >= 10) worst_10 = fmax(worst_10, w);
      if (round >= 50) worst_50 = fmax(worst_50, w);
    }
    part_netest_free(e);
  }
  printf("\n  +-20%% noise from a prior 3x off: worst error %.1f%% after 10 rounds, %.1f%% after 50 ", worst_10 * 100,
         worst_50 * 100);
  CU_ASSERT(worst_10 < 0.25);
  CU_ASSERT(worst_50 < 0.15);
}

/* (d) Small calls only: the RTT is learned, both bandwidths stay the prior. */
static void test_small_calls_keep_bandwidth(void) {
  sim_link link = {5, 8, 35}; /* a slower link than the prior says */
  part_net_estimate prior = {20, 20, 80, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  const sim_kind small[3] = {{1000, 200}, {2000, 300}, {600, 64}};
  double clock = 0;
  for (int i = 0; i < 30; i++) sim_feed(e, &link, small[i % 3], 0, NULL, &clock);
  part_net_estimate x = estimate_of(e);
  printf("\n  small calls only: RTT %.2f ms (link %.0f), up %.1f, down %.1f Mbit/s (prior 20) ", x.rtt_ms, link.rtt_ms,
         x.up_mbps, x.down_mbps);
  CU_ASSERT_EQUAL(x.up_mbps, 20);
  CU_ASSERT_EQUAL(x.down_mbps, 20);
  /* The transfers (at most 3.5 ms on this link) are a small share. */
  CU_ASSERT(rel_err(x.rtt_ms, link.rtt_ms) < 0.10);
  CU_ASSERT_EQUAL(x.samples, 30);
  CU_ASSERT_TRUE(isinf(part_netest_age_ms(e, PART_NET_UP, clock)));
  CU_ASSERT_EQUAL(part_netest_age_ms(e, PART_NET_RTT, clock + 7), 7);
  part_netest_free(e);
}

/* A sample that cannot tell a quantity apart updates nothing: a transfer
 * too big a share to be left out of an RTT reading and too small a share
 * to be measured, or one with both directions alike. */
static void test_ambiguous_sample_updates_nothing(void) {
  part_net_estimate prior = {10, 10, 20, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  /* 5000 bytes up at 10 Mbit/s is 4 ms: 17 % of the predicted 24 ms. At
   * 22 to 26 ms, what is left after the RTT is under 30 % of the time. */
  const double times[3] = {24, 26, 22};
  double t = 0;
  /* Each says so: it was no news of the link. */
  for (int i = 0; i < 6; i++) {
    part_net_sample s = {t += 100, 5000, 0, times[i % 3], -1};
    CU_ASSERT_FALSE(part_netest_add(e, &s));
  }
  /* 100 KB each way: 80 ms up and 80 ms down predicted; 60 ms more than
   * that could be either. */
  for (int i = 0; i < 6; i++) {
    part_net_sample s = {t += 100, 100000, 100000, 240, -1};
    CU_ASSERT_FALSE(part_netest_add(e, &s));
  }
  part_net_estimate x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 10);
  CU_ASSERT_EQUAL(x.down_mbps, 10);
  CU_ASSERT_EQUAL(x.rtt_ms, 20);
  CU_ASSERT_EQUAL(x.samples, 12);
  CU_ASSERT_EQUAL(x.updated_ms, t);
  part_netest_free(e);

  /* 3000 bytes at 100 Mbit/s: the model says 99 % RTT; 2.5x the predicted
   * time with no empty exchange to confirm the RTT could be a longer RTT or
   * a 200x slower link. */
  part_net_estimate fast = {100, 100, 20, 0, 0, 0};
  e = part_netest_create(&fast);
  for (int i = 0; i < 6; i++) {
    part_net_sample s = {t += 100, 3000, 0, 50, -1};
    CU_ASSERT_FALSE(part_netest_add(e, &s));
  }
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 100);
  CU_ASSERT_EQUAL(x.rtt_ms, 20);
  CU_ASSERT_EQUAL(x.samples, 6);
  /* The same time within twice the prediction is read as the RTT. */
  for (int i = 0; i < 6; i++) {
    part_net_sample s = {t += 100, 3000, 0, 35, -1};
    CU_ASSERT_TRUE(part_netest_add(e, &s));
  }
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, 100);
  CU_ASSERT(rel_err(x.rtt_ms, 35 - 0.24) < 0.15);
  part_netest_free(e);
}

/* Calls only after an RTT drop: the exchanges bound the RTT from above
 * (the lower envelope), so it comes down without any probe; an empty probe
 * then measures it. */
static void test_rtt_envelope(void) {
  sim_link link = {50, 50, 10};
  part_net_estimate prior = {50, 50, 150, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  const sim_kind calls[3] = {{20000, 1000}, {2000000, 1000}, {500000, 1000}};
  double clock = 0;
  for (int i = 0; i < 30; i++) sim_feed(e, &link, calls[i % 3], 0, NULL, &clock);
  part_net_estimate x = estimate_of(e);
  printf("\n  calls only after RTT 150->10 ms: RTT %.1f ms, up %.1f Mbit/s; ", x.rtt_ms, x.up_mbps);
  /* The smallest call takes 13.36 ms: the RTT is taken as at most that,
   * within the envelope's margin (readings below 0.9 x the estimate). */
  CU_ASSERT(x.rtt_ms >= 10 && x.rtt_ms <= 13.36 / 0.9);
  CU_ASSERT(rel_err(x.up_mbps, 50) < 0.10);
  for (int i = 0; i < 5; i++) {
    sim_feed(e, &link, RTT_PROBE, 0, NULL, &clock);
    sim_feed(e, &link, calls[1], 0, NULL, &clock);
  }
  x = estimate_of(e);
  printf("with 5 probes: RTT %.2f ms, up %.2f Mbit/s ", x.rtt_ms, x.up_mbps);
  CU_ASSERT(rel_err(x.rtt_ms, 10) < 0.15);
  CU_ASSERT(rel_err(x.up_mbps, 50) < 0.05);
  part_netest_free(e);
}

/* A bandwidth estimate far too high (here at the 100 Gbit/s bound) makes
 * every call look like all RTT; empty probes confirm the RTT, so the calls'
 * excess is read as the uplink (the direction with the bytes). */
static void test_bandwidth_far_too_high(void) {
  sim_link link = {10, 10, 20};
  part_net_estimate prior = {PART_NET_MAX_MBPS, 10, 20, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  int last_bad = 0;
  for (int i = 1; i <= 15; i++) {
    sim_feed(e, &link, RTT_PROBE, 0, NULL, &clock);
    sim_feed(e, &link, CALL, 0, NULL, &clock);
    part_net_estimate x = estimate_of(e);
    if (rel_err(x.up_mbps, 10) >= 0.25) last_bad = i;
    CU_ASSERT_EQUAL(x.down_mbps, 10); /* never blamed */
    CU_ASSERT(rel_err(x.rtt_ms, 20) < 0.01);
  }
  printf("\n  uplink estimate 10^4 x too high: within 25%% after %d calls ", last_bad + 1);
  CU_ASSERT(last_bad + 1 <= 5);
  part_netest_free(e);

  /* Without probes the calls cannot say whether the RTT grew or the link
   * slowed down: nothing moves. */
  e = part_netest_create(&prior);
  for (int i = 0; i < 10; i++) sim_feed(e, &link, CALL, 0, NULL, &clock);
  part_net_estimate x = estimate_of(e);
  CU_ASSERT_EQUAL(x.up_mbps, PART_NET_MAX_MBPS);
  CU_ASSERT_EQUAL(x.down_mbps, 10);
  CU_ASSERT_EQUAL(x.rtt_ms, 20);
  CU_ASSERT_EQUAL(x.samples, 10);
  part_netest_free(e);
}

/* An uplink estimate far too low: uplink probes sized by the estimate (a
 * predicted transfer of 4 RTTs) finish long before their prediction, each
 * bounds the link from below, the next probe is larger, until one is large
 * enough to measure it. */
static void test_bandwidth_far_too_low(void) {
  sim_link link = {400, 50, 30};
  part_net_estimate prior = {2, 50, 30, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  int last_bad = 0;
  for (int i = 1; i <= 15; i++) {
    part_net_estimate x = estimate_of(e);
    double bytes = fmin(4 * x.rtt_ms * x.up_mbps * 1000 / 8, 4e6);
    sim_feed(e, &link, RTT_PROBE, 0, NULL, &clock);
    sim_feed(e, &link, (sim_kind){(uint64_t)bytes, 64}, 0, NULL, &clock);
    if (rel_err(estimate_of(e).up_mbps, 400) >= 0.25) last_bad = i;
  }
  printf("\n  uplink estimate 200x too low: within 25%% after %d probes ", last_bad + 1);
  CU_ASSERT(last_bad + 1 <= 8);
  CU_ASSERT(rel_err(estimate_of(e).rtt_ms, 30) < 0.01);
  part_netest_free(e);
}

/* (e) The queue time follows the worker's reports: a step within 5
 * samples, one outlier ignored, unknown reports change nothing. */
static void test_queue_follows_reports(void) {
  part_net_estimate prior = {10, 10, 20, 5, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double t = 0;
  int last_bad = 0;
  for (int i = 1; i <= 10; i++) {
    part_net_sample s = {t += 10, 0, 0, NAN, 80};
    part_netest_add(e, &s);
    if (rel_err(estimate_of(e).queue_ms, 80) >= 0.25) last_bad = i;
  }
  printf("\n  queue 5 -> 80 ms within 25%% in %d reports", last_bad + 1);
  CU_ASSERT(last_bad + 1 <= 5);
  last_bad = 0;
  for (int i = 1; i <= 10; i++) {
    part_net_sample s = {t += 10, 0, 0, NAN, 5};
    part_netest_add(e, &s);
    if (rel_err(estimate_of(e).queue_ms, 5) >= 0.25) last_bad = i;
  }
  printf(", back in %d ", last_bad + 1);
  CU_ASSERT(last_bad + 1 <= 5);
  double before = estimate_of(e).queue_ms;
  printf("(%.2f ms after 10) ", before);
  CU_ASSERT(rel_err(before, 5) < 0.10);
  /* One report 10x longer. */
  part_net_sample spike = {t += 10, 0, 0, NAN, 50};
  part_netest_add(e, &spike);
  CU_ASSERT(rel_err(estimate_of(e).queue_ms, before) < 0.10);
  for (int i = 0; i < 3; i++) {
    part_net_sample s = {t += 10, 0, 0, NAN, 5};
    part_netest_add(e, &s);
    CU_ASSERT(rel_err(estimate_of(e).queue_ms, 5) < 0.10);
  }
  /* Unknown queue times (probes) leave it alone; the sample still counts
   * for its network part. */
  double q = estimate_of(e).queue_ms;
  int n = estimate_of(e).samples;
  const double unknown[3] = {-1, -1e9, NAN};
  for (int i = 0; i < 3; i++) {
    part_net_sample s = {t += 10, 64, 64, 20, unknown[i]};
    part_netest_add(e, &s);
  }
  CU_ASSERT_EQUAL(estimate_of(e).queue_ms, q);
  CU_ASSERT_EQUAL(estimate_of(e).samples, n + 3);
  part_netest_free(e);
}

/* Degenerate samples: nothing breaks, nothing leaves the bounds. */
static void test_degenerate_samples(void) {
  part_net_estimate prior = {10, 10, 20, 1, 0, 0};
  part_netest *e = part_netest_create(&prior);
  /* No usable part at all: not counted, nothing changes. */
  const part_net_sample useless[] = {
      {1, 1000, 1000, 0, -1},         {2, 1000, 1000, -5, -1}, {3, 1000, 1000, NAN, -1},
      {4, 1000, 1000, INFINITY, NAN}, {NAN, 64, 64, 20, 3},    {INFINITY, 64, 64, 20, 3},
  };
  for (size_t i = 0; i < sizeof useless / sizeof *useless; i++) part_netest_add(e, &useless[i]);
  part_netest_add(e, NULL);
  part_netest_add(NULL, &useless[0]);
  part_net_estimate x = estimate_of(e);
  CU_ASSERT_EQUAL(x.samples, 0);
  CU_ASSERT_EQUAL(x.up_mbps, 10);
  CU_ASSERT_EQUAL(x.rtt_ms, 20);
  CU_ASSERT_EQUAL(x.queue_ms, 1);
  CU_ASSERT_EQUAL(x.updated_ms, 0);

  /* Absurd values, many times over: the estimate stays finite and inside
   * the bounds. */
  const part_net_sample absurd[] = {
      {10, 0, 0, 1e-300, 1e300},          /* an empty exchange in no time */
      {11, UINT64_MAX, 0, 1e-9, -1},      /* 2^64 bytes in a nanosecond */
      {12, 0, UINT64_MAX, 1e300, -1},     /* and in forever */
      {13, UINT64_MAX, UINT64_MAX, 1, 0}, /* both ways */
      {14, 0, 0, 1e300, 1e-300},          /* an RTT of forever */
      {15, 3000000, 0, DBL_MIN, -1},
  };
  for (int rep = 0; rep < 5; rep++)
    for (size_t i = 0; i < sizeof absurd / sizeof *absurd; i++) part_netest_add(e, &absurd[i]);
  x = estimate_of(e);
  CU_ASSERT_EQUAL(x.samples, 5 * (int)(sizeof absurd / sizeof *absurd));
  CU_ASSERT_EQUAL(x.updated_ms, 15);
  const double v[4] = {x.up_mbps, x.down_mbps, x.rtt_ms, x.queue_ms};
  for (int i = 0; i < 4; i++) CU_ASSERT_TRUE(isfinite(v[i]));
  CU_ASSERT(x.up_mbps >= PART_NET_MIN_MBPS && x.up_mbps <= PART_NET_MAX_MBPS);
  CU_ASSERT(x.down_mbps >= PART_NET_MIN_MBPS && x.down_mbps <= PART_NET_MAX_MBPS);
  CU_ASSERT(x.rtt_ms >= 0 && x.rtt_ms <= PART_NET_MAX_MS);
  CU_ASSERT(x.queue_ms >= 0 && x.queue_ms <= PART_NET_MAX_MS);

  /* And it still learns a sane link afterwards. */
  sim_link link = {10, 10, 20};
  double clock = 100;
  for (int i = 0; i < 10; i++) {
    sim_feed(e, &link, RTT_PROBE, 0, NULL, &clock);
    sim_feed(e, &link, CALL, 0, NULL, &clock);
    sim_feed(e, &link, DOWN_PROBE, 0, NULL, &clock);
  }
  x = estimate_of(e);
  printf("\n  after absurd samples: up %.2f, down %.2f Mbit/s, RTT %.2f ms (link 10, 10, 20) ", x.up_mbps, x.down_mbps,
         x.rtt_ms);
  CU_ASSERT(rel_err(x.up_mbps, 10) < 0.10);
  CU_ASSERT(rel_err(x.down_mbps, 10) < 0.10);
  CU_ASSERT(rel_err(x.rtt_ms, 20) < 0.10);
  CU_ASSERT_TRUE(isinf(part_netest_age_ms(e, (part_net_quantity)7, clock)));
  CU_ASSERT_EQUAL(part_netest_age_ms(e, PART_NET_RTT, 0), 0); /* earlier than the sample */
  part_netest_free(e);
}

/* Rounds of probe pairs (an empty probe, then an uplink probe sized by
 * part_netest_probe_bytes), what a session running on the device sends:
 * the link, settled at `from`, steps to `to`. Counts the rounds until the
 * uplink and the RTT are within 25 % of the new link and stay so. */
static step_result run_pair_step(sim_link from, sim_link to, double noise, uint64_t seed) {
  sim_rng rng = {seed};
  part_net_estimate prior = {from.up_mbps, from.down_mbps, from.rtt_ms, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  int last_bad_bw = 0, last_bad_rtt = 0;
  for (int i = -10; i <= 25; i++) {
    const sim_link *l = i <= 0 ? &from : &to;
    part_net_sample empty = sim_sample(l, RTT_PROBE, noise, 1, &rng, &clock);
    sim_kind probe = {part_netest_probe_bytes(e, PART_NET_UP), 64};
    part_net_sample payload = sim_sample(l, probe, noise, 1, &rng, &clock);
    CU_ASSERT_TRUE(part_netest_add_pair(e, &empty, &payload)); /* the empty one always reads the RTT */
    part_net_estimate x = estimate_of(e);
    if (i > 0 && rel_err(x.up_mbps, to.up_mbps) >= 0.25) last_bad_bw = i;
    if (i > 0 && rel_err(x.rtt_ms, to.rtt_ms) >= 0.25) last_bad_rtt = i;
  }
  part_netest_free(e);
  return (step_result){last_bad_bw + 1, last_bad_rtt + 1, 0};
}

/* (g) A session running on the device learns the link only from probe
 * pairs: 2 Mbit/s / 150 ms -> 50 Mbit/s / 10 ms and back, within 25 % in
 * at most 5 rounds each way, although every uplink probe is sized from the
 * old estimate (a lower bound first) and the RTT estimate lags. */
static void test_pairs_follow_step(void) {
  sim_link fast = {50, 50, 10}, slow = {2, 50, 150};
  for (int noisy = 0; noisy < 2; noisy++) {
    double noise = noisy ? 0.10 : 0;
    step_result up = run_pair_step(slow, fast, noise, 21);
    step_result down = run_pair_step(fast, slow, noise, 22);
    printf("\n  probe pairs, noise %.0f%%: 2->50 Mbit/s in %d rounds (RTT in %d); 50->2 in %d (RTT in %d) ",
           noise * 100, up.up_calls, up.rtt_probes, down.up_calls, down.rtt_probes);
    CU_ASSERT(up.up_calls <= 5);
    CU_ASSERT(up.rtt_probes <= 5);
    CU_ASSERT(down.up_calls <= 5);
    CU_ASSERT(down.rtt_probes <= 5);
  }
}

/* A pair's payload is read against the pair's own round trip: with an RTT
 * estimate 10x too high, a transfer is still measured. */
static void test_pair_ignores_stale_rtt(void) {
  part_net_estimate prior = {20, 20, 100, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  /* One RTT reading cannot move the median: the estimate stays ~100 ms. */
  part_net_sample empty = {10, 64, 64, 10.0, -1};
  part_net_sample payload = {20, 32768, 64, 10.0 + 32768 * 8 / 20000.0, -1};
  for (int i = 0; i < 3; i++) {
    empty.at_ms += 100;
    payload.at_ms += 100;
    part_netest_add_pair(e, &empty, &payload);
  }
  part_net_estimate x = estimate_of(e);
  CU_ASSERT(rel_err(x.up_mbps, 20) < 0.05);
  CU_ASSERT(rel_err(x.rtt_ms, 10) < 0.25);
  /* Bytes both ways, or a pair without times: ordinary samples, no crash. */
  part_net_sample both = {500, 32768, 32768, 40, -1}, untimed = {600, 32768, 64, NAN, -1};
  part_netest_add_pair(e, &empty, &both);
  part_netest_add_pair(e, &empty, &untimed);
  part_netest_add_pair(e, NULL, &payload);
  part_netest_add_pair(NULL, &empty, &payload);
  x = estimate_of(e);
  CU_ASSERT(x.up_mbps > 1 && x.up_mbps < 100);
  part_netest_free(e);
}

/* A payload delayed once (the device busy, a retransmission) reads as a
 * slow link for that pair only: the pair's reading is the higher of its own
 * and the previous pair's, so the estimate does not move; two slow pairs in
 * a row are a slower link and move it. */
static void test_pair_ignores_one_slow_payload(void) {
  sim_link fast = {50, 50, 10};
  sim_rng rng = {31};
  part_net_estimate prior = {50, 50, 10, 0, 0, 0};
  part_netest *e = part_netest_create(&prior);
  double clock = 0;
  for (int i = 0; i < 10; i++) {
    part_net_sample empty = sim_sample(&fast, RTT_PROBE, 0, 1, &rng, &clock);
    sim_kind probe = {part_netest_probe_bytes(e, PART_NET_UP), 64};
    part_net_sample payload = sim_sample(&fast, probe, 0, 1, &rng, &clock);
    if (i == 5) payload.network_ms *= 5; /* once */
    part_netest_add_pair(e, &empty, &payload);
    CU_ASSERT(rel_err(estimate_of(e).up_mbps, 50) < 0.05);
  }
  for (int i = 0; i < 6; i++) {
    part_net_sample empty = sim_sample(&fast, RTT_PROBE, 0, 1, &rng, &clock);
    sim_kind probe = {part_netest_probe_bytes(e, PART_NET_UP), 64};
    part_net_sample payload = sim_sample(&fast, probe, 0, 1, &rng, &clock);
    payload.network_ms *= 5; /* from now on */
    part_netest_add_pair(e, &empty, &payload);
  }
  part_net_estimate x = estimate_of(e);
  printf("\n  one payload 5x slow: no change; six in a row: up %.1f Mbit/s ", x.up_mbps);
  CU_ASSERT(x.up_mbps < 25);
  part_netest_free(e);
}

/* Probe sizes: about 40 ms at the estimate, within the bounds. */
static void test_probe_bytes(void) {
  part_net_estimate slow = {0.1, 1, 50, 0, 0, 0}, mid = {4, 4, 50, 0, 0, 0}, fast = {1000, 1000, 5, 0, 0, 0};
  part_netest *a = part_netest_create(&slow), *b = part_netest_create(&mid), *c = part_netest_create(&fast);
  CU_ASSERT_EQUAL(part_netest_probe_bytes(a, PART_NET_UP), PART_NET_PROBE_MIN_BYTES);
  CU_ASSERT_EQUAL(part_netest_probe_bytes(b, PART_NET_UP), 20000); /* 4 Mbit/s x 40 ms */
  CU_ASSERT_EQUAL(part_netest_probe_bytes(c, PART_NET_DOWN), PART_NET_PROBE_MAX_BYTES);
  /* No estimator, or not a bandwidth: the default 10 Mbit/s (50 KB, capped). */
  CU_ASSERT_EQUAL(part_netest_probe_bytes(NULL, PART_NET_UP), PART_NET_PROBE_MAX_BYTES);
  CU_ASSERT_EQUAL(part_netest_probe_bytes(b, PART_NET_RTT), PART_NET_PROBE_MAX_BYTES);
  part_netest_free(a);
  part_netest_free(b);
  part_netest_free(c);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"the prior before any sample", test_prior_before_samples},
      {"an uplink and RTT step, both ways", test_follows_uplink_step},
      {"a downlink and RTT step, both ways", test_follows_downlink_step},
      {"a prior 10x off", test_leaves_wrong_prior},
      {"one outlier is ignored", test_ignores_one_outlier},
      {"noise of +-20 % stays within 15 %", test_noise_stationary},
      {"noise of +-20 % from a wrong prior", test_noise_from_wrong_prior},
      {"small calls keep the bandwidth prior and learn the RTT", test_small_calls_keep_bandwidth},
      {"an ambiguous sample updates nothing", test_ambiguous_sample_updates_nothing},
      {"the RTT's lower envelope", test_rtt_envelope},
      {"a bandwidth estimate far too high", test_bandwidth_far_too_high},
      {"a bandwidth estimate far too low", test_bandwidth_far_too_low},
      {"the queue time follows the reports", test_queue_follows_reports},
      {"degenerate samples", test_degenerate_samples},
      {"probe pairs follow a step both ways", test_pairs_follow_step},
      {"a pair ignores a stale RTT estimate", test_pair_ignores_stale_rtt},
      {"a pair ignores one slowed payload", test_pair_ignores_one_slow_payload},
      {"probe sizes", test_probe_bytes},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("network estimator", tests);
}

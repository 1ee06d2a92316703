/* The partitioner's DAG, cost model, max-flow and split searches, against
 * independent truth: numbers computed by hand on small hand-made DAGs, brute
 * force over every closed set of small random DAGs, and brute-force cuts of
 * small random flow graphs. Every random case comes from a fixed seed. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "partitioner/cost.h"
#include "partitioner/dag.h"
#include "partitioner/flownet.h"
#include "partitioner/maxflow.h"
#include "partitioner/search.h"
#include "tests/unit/unit.h"

/* ---- deterministic randomness (splitmix64) ---- */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t next_u64(rng *r) {
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uni(rng *r, double lo, double hi) {
  return lo + (hi - lo) * ((double)(next_u64(r) >> 11) / 9007199254740992.0);
}
static int pick(rng *r, int n) { return (int)(next_u64(r) % (uint64_t)n); }
static bool chance(rng *r, double p) { return uni(r, 0, 1) < p; }

static bool close_to(double a, double b) { return fabs(a - b) <= 1e-9 * fmax(1.0, fmax(fabs(a), fabs(b))); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- building DAGs by hand ---- */

static int tensor(part_dag *d, const char *name, int64_t wire) {
  int t = part_dag_add_tensor(d, name, NULL);
  CU_ASSERT_FATAL(t >= 0);
  d->tensors[t].wire_bytes = wire;
  d->tensors[t].bytes = wire;
  return t;
}

/* Tensor indices of a comma-separated list of names. */
static int ids_of(const part_dag *d, const char *list, int *ids) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  int n = 0;
  for (char *tok = strtok(buf, ","); tok && n < 16; tok = strtok(NULL, ",")) {
    ids[n] = part_dag_find_tensor(d, tok);
    CU_ASSERT_FATAL(ids[n] >= 0);
    n++;
  }
  return n;
}

static int node(part_dag *d, const char *name, const char *ins, const char *outs, double device_ms, double cloud_ms) {
  int in[16], out[16];
  int n_in = ids_of(d, ins, in), n_out = ids_of(d, outs, out);
  int i = part_dag_add_node(d, name, "Op", n_in, in, n_out, out, NULL);
  CU_ASSERT_FATAL(i >= 0);
  d->nodes[i].device_ms = device_ms;
  d->nodes[i].cloud_ms = cloud_ms;
  return i;
}

/* head[i] = node i is named in the comma-separated list. */
static void head_of(const part_dag *d, const char *list, bool *head) {
  for (int i = 0; i < d->n_nodes; i++) head[i] = false;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", list);
  for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
    int i = part_dag_find_node(d, tok);
    CU_ASSERT_FATAL(i >= 0);
    head[i] = true;
  }
}

static bool same_head(const part_dag *d, const bool *a, const char *list) {
  bool want[64];
  head_of(d, list, want);
  for (int i = 0; i < d->n_nodes; i++)
    if (a[i] != want[i]) return false;
  return true;
}

/* 8 Mbit/s both ways: 1000 bytes take 1 ms. */
static part_link link_8(void) { return (part_link){.up_mbps = 8, .down_mbps = 8, .rtt_ms = 10, .queue_ms = 0}; }

/* Inception-like: a stem, three parallel branches, a concat, a classifier.
 * Branch 2's second node is slow on the device and the stem's output is
 * large, so the best split runs every branch on the device except that one
 * node: not a prefix of the execution order. Sizes: 1000 bytes = 1 ms. */
static void branchy(part_dag *d) {
  memset(d, 0, sizeof *d);
  int x = tensor(d, "X", 50000);
  d->tensors[x].graph_input = true;
  tensor(d, "S", 30000);
  tensor(d, "A1", 20000);
  tensor(d, "B1", 2000);
  tensor(d, "A2", 3000);
  tensor(d, "B2", 2000);
  tensor(d, "A3", 20000);
  tensor(d, "B3", 2000);
  tensor(d, "C", 6000);
  int y = tensor(d, "Y", 100);
  d->tensors[y].graph_output = true;
  node(d, "stem", "X", "S", 2, 0.2);
  node(d, "b1a", "S", "A1", 1, 0.1);
  node(d, "b1b", "A1", "B1", 1, 0.1);
  node(d, "b2a", "S", "A2", 1, 0.1);
  node(d, "b2b", "A2", "B2", 40, 0.4);
  node(d, "b3a", "S", "A3", 1, 0.1);
  node(d, "b3b", "A3", "B3", 1, 0.1);
  node(d, "concat", "B1,B2,B3", "C", 0.5, 0.05);
  node(d, "fc", "C", "Y", 10, 0.1);
  /* MACs (total 1000) and weights for the constraint tests */
  const int64_t macs[9] = {100, 10, 10, 10, 400, 10, 10, 0, 450};
  for (int i = 0; i < 9; i++) {
    d->nodes[i].macs = macs[i];
    d->nodes[i].weight_bytes = i == 7 ? 0 : i == 8 ? 100000 : 1000;
  }
  d->reply_bytes = 1000;
  CU_ASSERT_FATAL(part_dag_finish(d, NULL) == SEAM_OK);
}

/* X -> a -> A -> b -> Y: the energy-optimal split is slow. */
static void chain2(part_dag *d) {
  memset(d, 0, sizeof *d);
  int x = tensor(d, "X", 10000);
  d->tensors[x].graph_input = true;
  tensor(d, "A", 1000);
  int y = tensor(d, "Y", 100);
  d->tensors[y].graph_output = true;
  node(d, "a", "X", "A", 20, 1);
  node(d, "b", "A", "Y", 20, 1);
  d->reply_bytes = 1000;
  CU_ASSERT_FATAL(part_dag_finish(d, NULL) == SEAM_OK);
}

/* ---- brute force over closed sets ---- */

typedef struct bf {
  bool feasible;
  double best;      /* best feasible objective */
  double best_remote; /* best objective over remote closed sets, constraints ignored */
  int n_closed;
} bf;

static void brute_force(const part_dag *d, const part_link *l, const part_power *p, const part_goal *g, bf *out) {
  int n = d->n_nodes;
  CU_ASSERT_FATAL(n <= 16);
  *out = (bf){.feasible = false, .best = INFINITY, .best_remote = INFINITY};
  part_goal free_goal = {.objective = g->objective, .energy_weight = g->energy_weight};
  bool head[16];
  for (unsigned m = 0; m < (1u << n); m++) {
    for (int i = 0; i < n; i++) head[i] = (m >> i) & 1;
    if (!part_split_is_closed(d, head)) continue;
    out->n_closed++;
    part_cost c;
    part_cost_of(d, head, l, p, g, &c);
    if (c.feasible && c.objective < out->best) {
      out->best = c.objective;
      out->feasible = true;
    }
    if (c.remote) {
      part_cost_of(d, head, l, p, &free_goal, &c);
      if (c.objective < out->best_remote) out->best_remote = c.objective;
    }
  }
}

/* ---- random DAGs ---- */

/* n nodes, 1-3 graph inputs, sometimes a known tensor, nodes reading 1-3
 * earlier tensors (often a recent one: chains; else any: branches, skips and
 * tensors read many times), some with two outputs, several graph outputs. */
static void random_dag(part_dag *d, rng *r, int n) {
  memset(d, 0, sizeof *d);
  char name[32];
  int avail[4096], n_avail = 0;
  int n_in = 1 + pick(r, 3);
  for (int k = 0; k < n_in; k++) {
    snprintf(name, sizeof name, "in%d", k);
    int t = part_dag_add_tensor(d, name, NULL);
    d->tensors[t].graph_input = true;
    avail[n_avail++] = t;
  }
  if (chance(r, 0.3)) {
    int t = part_dag_add_tensor(d, "known", NULL);
    d->tensors[t].known = true;
    avail[n_avail++] = t;
  }
  for (int i = 0; i < n; i++) {
    int in[3], n_reads = 1 + pick(r, 3);
    for (int k = 0; k < n_reads; k++)
      in[k] = chance(r, 0.6) ? avail[n_avail - 1 - pick(r, n_avail < 4 ? n_avail : 4)] : avail[pick(r, n_avail)];
    int out[2], n_out = chance(r, 0.2) ? 2 : 1;
    for (int k = 0; k < n_out; k++) {
      snprintf(name, sizeof name, "t%d_%d", i, k);
      out[k] = part_dag_add_tensor(d, name, NULL);
    }
    snprintf(name, sizeof name, "n%d", i);
    int id = part_dag_add_node(d, chance(r, 0.1) ? NULL : name, "Op", n_reads, in, n_out, out, NULL);
    CU_ASSERT_FATAL(id == i);
    part_node *nd = &d->nodes[i];
    nd->device_ms = uni(r, 0.1, 20);
    nd->cloud_ms = nd->device_ms * uni(r, 0.02, 1.5);
    nd->macs = (int64_t)uni(r, 0, 1e7);
    nd->weight_bytes = (int64_t)uni(r, 0, 1e6);
    for (int k = 0; k < n_out && n_avail < 4096; k++) avail[n_avail++] = out[k];
  }
  for (int t = 0; t < d->n_tensors; t++) {
    part_tensor *x = &d->tensors[t];
    if (x->known) continue;
    x->bytes = (int64_t)uni(r, 1e3, 1e6);
    x->wire_bytes = (int64_t)((double)x->bytes * uni(r, 0.05, 1));
    x->encode_ms = uni(r, 0, 2);
    if (x->producer >= 0 && (x->producer == n - 1 || chance(r, 0.1))) x->graph_output = true;
    if (x->graph_input && chance(r, 0.03)) x->graph_output = true; /* an input passed through */
  }
  d->request_overhead_bytes = (int64_t)uni(r, 0, 500);
  d->reply_bytes = (int64_t)uni(r, 100, 1e4);
  d->reply_decode_ms = uni(r, 0, 1);
  CU_ASSERT_FATAL(part_dag_finish(d, NULL) == SEAM_OK);
}

static void random_conditions(rng *r, part_link *l, part_power *p) {
  *l = (part_link){.up_mbps = uni(r, 0.5, 50), .down_mbps = uni(r, 1, 100), .rtt_ms = uni(r, 1, 100),
                   .queue_ms = uni(r, 0, 10)};
  if (chance(r, 0.5)) part_power_default(p);
  else *p = (part_power){uni(r, 0.1, 5), uni(r, 0.1, 5), uni(r, 0.1, 5), uni(r, 0.05, 2)};
}

/* ==== the DAG builder ==== */

static void test_dag_builder(void) {
  part_dag d = {0};
  seam_error err = {0};
  int x = part_dag_add_tensor(&d, "X", &err), a = part_dag_add_tensor(&d, "A", &err);
  int b = part_dag_add_tensor(&d, "B", &err), y = part_dag_add_tensor(&d, "Y", &err);
  CU_ASSERT(x == 0 && a == 1 && b == 2 && y == 3);
  CU_ASSERT_EQUAL(part_dag_add_tensor(&d, "A", &err), -1);
  CU_ASSERT_EQUAL(err.status, SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "'A'"));
  CU_ASSERT_EQUAL(part_dag_add_tensor(&d, "", &err), -1);
  d.tensors[x].graph_input = true;
  d.tensors[y].graph_output = true;
  CU_ASSERT_EQUAL(d.tensors[a].producer, -1);
  int n0 = part_dag_add_node(&d, NULL, "Relu", 1, &x, 1, &a, &err);
  CU_ASSERT_EQUAL(n0, 0);
  CU_ASSERT_STRING_EQUAL(d.nodes[0].name, "Relu#0");
  CU_ASSERT(d.nodes[0].generated_name);
  CU_ASSERT_EQUAL(d.tensors[a].producer, 0);
  /* a second producer for A, and an index out of range, are refused */
  CU_ASSERT_EQUAL(part_dag_add_node(&d, "dup", "Neg", 1, &x, 1, &a, &err), -1);
  int bad = 9;
  CU_ASSERT_EQUAL(part_dag_add_node(&d, "oob", "Neg", 1, &bad, 1, &b, &err), -1);
  /* a named node taking a generated name moves the generated one aside */
  int ab[2] = {x, a};
  CU_ASSERT_EQUAL(part_dag_add_node(&d, "Relu#0", "Add", 2, ab, 1, &b, &err), 1);
  CU_ASSERT_STRING_EQUAL(d.nodes[1].name, "Relu#0");
  CU_ASSERT_FALSE(d.nodes[1].generated_name);
  CU_ASSERT_STRING_EQUAL(d.nodes[0].name, "Relu#0.1");
  CU_ASSERT_EQUAL(part_dag_find_node(&d, "Relu#0"), 1);
  CU_ASSERT_EQUAL(part_dag_find_node(&d, "Relu#0.1"), 0);
  /* a name a user gave is never moved */
  CU_ASSERT_EQUAL(part_dag_add_node(&d, "Relu#0", "Neg", 1, &b, 1, &y, &err), -1);
  int bab[3] = {b, a, b}; /* B read twice by the same node: one reader entry */
  CU_ASSERT_EQUAL(part_dag_add_node(&d, "last", "Sum", 3, bab, 1, &y, &err), 2);
  d.nodes[0].macs = 5;
  d.nodes[2].macs = 7;
  CU_ASSERT_EQUAL_FATAL(part_dag_finish(&d, &err), SEAM_OK);
  CU_ASSERT_EQUAL(d.total_macs, 12);
  CU_ASSERT_EQUAL(d.tensors[a].n_readers, 2);
  CU_ASSERT(d.tensors[a].readers[0] == 1 && d.tensors[a].readers[1] == 2);
  CU_ASSERT_EQUAL(d.tensors[b].n_readers, 1);
  CU_ASSERT_EQUAL(d.tensors[x].n_readers, 2);
  CU_ASSERT_EQUAL(part_dag_find_tensor(&d, "Y"), y);
  CU_ASSERT_EQUAL(part_dag_find_tensor(&d, "nope"), -1);
  /* finishing again (after changing costs) gives the same readers */
  CU_ASSERT_EQUAL_FATAL(part_dag_finish(&d, &err), SEAM_OK);
  CU_ASSERT_EQUAL(d.tensors[a].n_readers, 2);
  part_dag_free(&d);
  CU_ASSERT_EQUAL(d.n_nodes, 0);
  part_dag_free(&d); /* twice, and on an empty DAG, is fine */
}

static void test_dag_checks(void) {
  seam_error err = {0};
  /* read before it is produced: the second node produces what the first reads */
  part_dag d = {0};
  int x = tensor(&d, "X", 1), a = tensor(&d, "A", 1), b = tensor(&d, "B", 1);
  d.tensors[x].graph_input = true;
  CU_ASSERT(part_dag_add_node(&d, "first", "Op", 1, &a, 1, &b, &err) == 0);
  CU_ASSERT(part_dag_add_node(&d, "second", "Op", 1, &x, 1, &a, &err) == 1);
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "before"));
  part_dag_free(&d);
  /* a tensor nothing produces that is neither an input nor known */
  d = (part_dag){0};
  x = tensor(&d, "X", 1);
  a = tensor(&d, "A", 1);
  CU_ASSERT(part_dag_add_node(&d, "n", "Op", 1, &x, 1, &a, &err) == 0);
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "neither"));
  d.tensors[x].known = true;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_OK);
  /* a graph input a node produces, an input that is also known, a negative time */
  d.tensors[a].graph_input = true;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  d.tensors[a].graph_input = false;
  d.tensors[x].graph_input = true;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  d.tensors[x].known = false;
  d.nodes[0].device_ms = -1;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  d.nodes[0].device_ms = NAN;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_ERR_INVALID_ARGUMENT);
  d.nodes[0].device_ms = 1;
  CU_ASSERT_EQUAL(part_dag_finish(&d, &err), SEAM_OK);
  part_dag_free(&d);
}

static void test_split_helpers(void) {
  part_dag d;
  branchy(&d);
  bool h[9];
  head_of(&d, "stem,b1a,b1b,b2a,b3a,b3b", h);
  CU_ASSERT(part_split_is_closed(&d, h));
  CU_ASSERT(part_split_is_remote(&d, h));
  const char *sent[] = {"B1", "A2", "B3"}, *kept[] = {"X", "S", "A1", "A3", "B2", "C", "Y"};
  for (int k = 0; k < 3; k++) CU_ASSERT(part_split_sends(&d, h, part_dag_find_tensor(&d, sent[k])));
  for (int k = 0; k < 7; k++) CU_ASSERT_FALSE(part_split_sends(&d, h, part_dag_find_tensor(&d, kept[k])));
  head_of(&d, "b1a", h); /* b1a without the stem it reads from */
  CU_ASSERT_FALSE(part_split_is_closed(&d, h));
  for (int i = 0; i < 9; i++) h[i] = true;
  CU_ASSERT_FALSE(part_split_is_remote(&d, h));
  /* the graph output computed on the device is sent under a remote split */
  CU_ASSERT(part_split_sends(&d, h, part_dag_find_tensor(&d, "Y")));
  for (int i = 0; i < 9; i++) h[i] = false;
  CU_ASSERT(part_split_sends(&d, h, part_dag_find_tensor(&d, "X")));
  CU_ASSERT_FALSE(part_split_sends(&d, h, part_dag_find_tensor(&d, "S")));
  part_dag_free(&d);
}

/* ==== the cost model ==== */

static void test_cost_terms(void) {
  part_dag d;
  branchy(&d);
  d.request_overhead_bytes = 500;
  d.reply_decode_ms = 0.25;
  d.tensors[part_dag_find_tensor(&d, "A2")].encode_ms = 0.5;
  part_link l = link_8();
  l.queue_ms = 2;
  part_power p = {.compute_w = 2, .tx_w = 3, .rx_w = 1.5, .idle_w = 0.5};
  part_goal g = {.objective = PART_MIN_WEIGHTED, .energy_weight = 0.1};
  bool h[9];
  head_of(&d, "stem,b1a,b1b,b2a,b3a,b3b", h);
  part_cost c;
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT(c.remote);
  CU_ASSERT_EQUAL(c.n_sent, 3);
  CU_ASSERT_EQUAL(c.up_bytes, 500 + 2000 + 3000 + 2000);
  CU_ASSERT_EQUAL(c.down_bytes, 1000);
  CU_ASSERT(close_to(c.head_ms, 7));
  CU_ASSERT(close_to(c.encode_ms, 0.5));
  CU_ASSERT(close_to(c.up_ms, 7.5));
  CU_ASSERT(close_to(c.rtt_ms, 10));
  CU_ASSERT(close_to(c.queue_ms, 2));
  CU_ASSERT(close_to(c.tail_ms, 0.55));
  CU_ASSERT(close_to(c.down_ms, 1));
  CU_ASSERT(close_to(c.decode_ms, 0.25));
  CU_ASSERT(close_to(c.latency_ms, 7 + 0.5 + 7.5 + 10 + 2 + 0.55 + 1 + 0.25));
  CU_ASSERT(close_to(c.compute_mj, 2 * (7 + 0.5 + 0.25)));
  CU_ASSERT(close_to(c.tx_mj, 3 * 7.5));
  CU_ASSERT(close_to(c.rx_mj, 1.5 * 1));
  CU_ASSERT(close_to(c.idle_mj, 0.5 * (10 + 2 + 0.55)));
  CU_ASSERT(close_to(c.energy_mj, 15.5 + 22.5 + 1.5 + 6.275));
  CU_ASSERT(close_to(c.objective, c.latency_ms + 0.1 * c.energy_mj));
  CU_ASSERT_EQUAL(c.head_macs, 150);
  CU_ASSERT(close_to(c.head_macs_pct, 15));
  CU_ASSERT_EQUAL(c.head_weight_bytes, 6000);
  CU_ASSERT_EQUAL(c.head_arena_bytes, 80000); /* X + S when the stem runs */
  CU_ASSERT_EQUAL(c.head_memory_bytes, 86000);
  CU_ASSERT(c.feasible);
  CU_ASSERT_PTR_NULL(c.violates);
  /* all on the device: head time and compute energy only, nothing sent */
  for (int i = 0; i < 9; i++) h[i] = true;
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT_FALSE(c.remote);
  CU_ASSERT_EQUAL(c.n_sent, 0);
  CU_ASSERT_EQUAL(c.up_bytes, 0);
  CU_ASSERT(close_to(c.latency_ms, 57.5));
  CU_ASSERT(close_to(c.energy_mj, 2 * 57.5));
  CU_ASSERT(close_to(c.head_macs_pct, 100));
  /* each constraint named when broken; the first one in order wins */
  part_goal strict = {.objective = PART_MIN_LATENCY, .deadline_ms = 50, .memory_bytes = 1000, .min_macs_pct = 10};
  part_cost_of(&d, h, &l, &p, &strict, &c);
  CU_ASSERT_FALSE(c.feasible);
  CU_ASSERT_STRING_EQUAL(c.violates, "deadline");
  strict.deadline_ms = 0;
  part_cost_of(&d, h, &l, &p, &strict, &c);
  CU_ASSERT_STRING_EQUAL(c.violates, "memory");
  for (int i = 0; i < 9; i++) h[i] = false;
  strict = (part_goal){.objective = PART_MIN_LATENCY, .privacy_raw = true, .min_macs_pct = 1};
  part_cost_of(&d, h, &l, &p, &strict, &c);
  CU_ASSERT_STRING_EQUAL(c.violates, "privacy");
  strict.privacy_raw = false;
  part_cost_of(&d, h, &l, &p, &strict, &c);
  CU_ASSERT_STRING_EQUAL(c.violates, "min-macs");
  CU_ASSERT(close_to(c.head_macs_pct, 0));
  part_dag_free(&d);
}

/* X(100) -> n0 -> T0(200) -> n1 -> T1(50) -> n2 -> T2(400) -> n3(T2, T0) -> Y(10);
 * n1 also reads a known tensor K (1000 bytes, counted 0). */
static void test_arena_chain(void) {
  part_dag d = {0};
  const char *names[] = {"X", "T0", "T1", "T2", "Y", "K"};
  const int64_t bytes[] = {100, 200, 50, 400, 10, 1000};
  for (int k = 0; k < 6; k++) tensor(&d, names[k], bytes[k]);
  d.tensors[0].graph_input = true;
  d.tensors[4].graph_output = true;
  d.tensors[5].known = true;
  node(&d, "n0", "X", "T0", 1, 1);
  node(&d, "n1", "T0,K", "T1", 1, 1);
  node(&d, "n2", "T1", "T2", 1, 1);
  node(&d, "n3", "T2,T0", "Y", 1, 1);
  for (int i = 0; i < 4; i++) d.nodes[i].weight_bytes = 10 * (i + 1);
  CU_ASSERT_FATAL(part_dag_finish(&d, NULL) == SEAM_OK);
  part_link l = link_8();
  part_power p;
  part_power_default(&p);
  part_goal g = {0};
  part_cost c;
  bool h[4];
  /* all on the device: X 100; n0 300, X dies (200); n1 250 (T0 read again by
   * n3); n2 650, T1 dies (600); n3 610, T0 and T2 die (Y stays: 10) */
  head_of(&d, "n0,n1,n2,n3", h);
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT_EQUAL(c.head_arena_bytes, 650);
  CU_ASSERT_EQUAL(c.head_weight_bytes, 100);
  CU_ASSERT_EQUAL(c.head_memory_bytes, 750);
  /* n0, n1 on the device: 100; 300; X dies, 200; 250 (T0 and T1 are sent: kept) */
  head_of(&d, "n0,n1", h);
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT_EQUAL(c.head_arena_bytes, 300);
  CU_ASSERT_EQUAL(c.head_memory_bytes, 330);
  /* n0..n2: at n2, T0 (sent) + T1 + T2 = 650 */
  head_of(&d, "n0,n1,n2", h);
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT_EQUAL(c.head_arena_bytes, 650);
  /* nothing on the device: X alone, sent */
  for (int i = 0; i < 4; i++) h[i] = false;
  part_cost_of(&d, h, &l, &p, &g, &c);
  CU_ASSERT_EQUAL(c.head_arena_bytes, 100);
  CU_ASSERT_EQUAL(c.head_memory_bytes, 100);
  part_dag_free(&d);
}

static void test_power_default(void) {
  part_power p;
  part_power_default(&p);
  CU_ASSERT(close_to(p.tx_w, 3.91838));
  CU_ASSERT(close_to(p.rx_w, 1.96365));
  CU_ASSERT(close_to(p.idle_w, 1.28804));
  CU_ASSERT(close_to(p.compute_w, 5.49));
}

/* ==== max-flow ==== */

static void test_maxflow_known(void) {
  /* CLRS's example: max flow 23; the minimum cut's source side {s, v1, v2, v4} */
  part_flow *g = part_flow_new(6, 9, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  const int e[9][2] = {{0, 1}, {0, 2}, {1, 3}, {2, 1}, {2, 4}, {3, 2}, {3, 5}, {4, 3}, {4, 5}};
  const double cap[9] = {16, 13, 12, 4, 14, 9, 20, 7, 4};
  for (int k = 0; k < 9; k++) CU_ASSERT_EQUAL(part_flow_add_edge(g, e[k][0], e[k][1], cap[k], NULL), k);
  CU_ASSERT(close_to(part_flow_solve(g, 0, 5), 23));
  bool side[6];
  part_flow_source_side(g, 0, 5, false, side);
  CU_ASSERT(side[0] && side[1] && side[2] && !side[3] && side[4] && !side[5]);
  /* solved again after raising v3 -> t, which that cut does not cross */
  part_flow_set_cap(g, 6, 1000);
  CU_ASSERT(close_to(part_flow_solve(g, 0, 5), 23));
  /* infinite edges v2 -> v4 -> t keep v2 and v4 off the source side: the
   * best cut left is {s, v1}: s -> v2 (13) + v1 -> v3 (12) */
  part_flow_set_cap(g, 8, PART_FLOW_INF);
  part_flow_set_cap(g, 4, PART_FLOW_INF);
  CU_ASSERT(close_to(part_flow_solve(g, 0, 5), 25));
  part_flow_set_cap(g, 1, PART_FLOW_INF);
  CU_ASSERT(isinf(part_flow_solve(g, 0, 5))); /* s -> v2 -> v4 -> t, all infinite */
  CU_ASSERT_EQUAL(part_flow_add_edge(g, 0, 7, 1, NULL), -1);
  CU_ASSERT_EQUAL(part_flow_add_edge(g, 0, 1, -1, NULL), -1);
  part_flow_free(g);
  /* ties: the smallest and the largest source sides differ */
  g = part_flow_new(3, 2, NULL);
  part_flow_add_edge(g, 0, 1, 5, NULL);
  part_flow_add_edge(g, 1, 2, 5, NULL);
  CU_ASSERT(close_to(part_flow_solve(g, 0, 2), 5));
  bool s3[3];
  part_flow_source_side(g, 0, 2, false, s3);
  CU_ASSERT(s3[0] && !s3[1] && !s3[2]);
  part_flow_source_side(g, 0, 2, true, s3);
  CU_ASSERT(s3[0] && s3[1] && !s3[2]);
  part_flow_free(g);
}

/* Random graphs of 4-9 vertices against the cheapest of all 2^(n-2) cuts. */
static void test_maxflow_vs_bruteforce(void) {
  rng r = {12345};
  int checked = 0;
  for (int round = 0; round < 300; round++) {
    int n = 4 + pick(&r, 6), m = n + pick(&r, 3 * n);
    int from[40], to[40];
    double cap[40];
    part_flow *g = part_flow_new(n, m, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    for (int k = 0; k < m; k++) {
      from[k] = pick(&r, n);
      to[k] = pick(&r, n);
      cap[k] = chance(&r, 0.15) ? PART_FLOW_INF : chance(&r, 0.1) ? 0 : uni(&r, 0, 10);
      CU_ASSERT_FATAL(part_flow_add_edge(g, from[k], to[k], cap[k], NULL) == k);
    }
    int s = 0, t = n - 1;
    double best = INFINITY;
    for (unsigned mask = 0; mask < (1u << (n - 2)); mask++) {
      double c = 0;
      for (int k = 0; k < m; k++) {
        bool a = from[k] == s || (from[k] != t && ((mask >> (from[k] - 1)) & 1));
        bool b = to[k] == s || (to[k] != t && ((mask >> (to[k] - 1)) & 1));
        if (a && !b) c += cap[k];
      }
      if (c < best) best = c;
    }
    double flow = part_flow_solve(g, s, t);
    CU_ASSERT(isinf(best) ? isinf(flow) : close_to(flow, best));
    if (!isinf(flow)) {
      for (int largest = 0; largest < 2; largest++) {
        bool side[10];
        part_flow_source_side(g, s, t, largest, side);
        CU_ASSERT(side[s] && !side[t]);
        double c = 0;
        for (int k = 0; k < m; k++)
          if (side[from[k]] && !side[to[k]]) c += cap[k];
        CU_ASSERT(close_to(c, best));
      }
      checked++;
    }
    part_flow_free(g);
  }
  CU_ASSERT(checked > 100);
}

/* 5 000 vertices, 20 000 edges: a sanity bound (speed claims belong in benchmarks). */
static void test_maxflow_size(void) {
  rng r = {777};
  int n = 5000, m = 20000;
  part_flow *g = part_flow_new(n, m, NULL);
  CU_ASSERT_PTR_NOT_NULL_FATAL(g);
  for (int k = 0; k < m; k++) {
    int a = pick(&r, n), b = pick(&r, n);
    if (k < 2000) a = 0; /* many paths out of s and into t */
    else if (k < 4000) b = n - 1;
    /* infinite edges only downward in index, as closedness edges run from a
     * reader to its producer: no infinite path from s = 0 */
    bool inf = a > b && a != n - 1 && chance(&r, 0.2);
    part_flow_add_edge(g, a, b, inf ? PART_FLOW_INF : uni(&r, 0, 100), NULL);
  }
  double t0 = now_ms();
  double flow = part_flow_solve(g, 0, n - 1);
  double first = now_ms() - t0, best = first;
  for (int rep = 0; rep < 10; rep++) { /* solved again, as the Lagrangian does */
    t0 = now_ms();
    CU_ASSERT(part_flow_solve(g, 0, n - 1) == flow);
    double ms = now_ms() - t0;
    if (ms < best) best = ms;
  }
  printf("\n    max-flow, %d vertices, %d edges: flow %.3f, first solve %.2f ms, best of 10 more %.2f ms\n", n, m,
         flow, first, best);
  CU_ASSERT(flow > 0 && !isinf(flow));
  CU_ASSERT(first < 500);
  part_flow_free(g);
}

/* ==== the searches on hand-made DAGs ==== */

static void test_search_branchy(void) {
  part_dag d;
  branchy(&d);
  part_link l = link_8();
  part_power p;
  part_power_default(&p);
  part_goal g = {.objective = PART_MIN_LATENCY};
  part_result mc, pre;
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &mc, NULL) == SEAM_OK);
  CU_ASSERT_FATAL(part_search_prefix(&d, &l, &p, &g, &pre, NULL) == SEAM_OK);
  /* head 7 + sent B1, A2, B3 (7000 bytes: 7) + RTT 10 + tail b2b, concat, fc
   * (0.55) + reply 1 */
  CU_ASSERT(mc.feasible);
  CU_ASSERT(same_head(&d, mc.head, "stem,b1a,b1b,b2a,b3a,b3b"));
  CU_ASSERT(close_to(mc.cost.latency_ms, 25.55));
  CU_ASSERT_EQUAL(mc.cost.n_sent, 3);
  /* the best prefix is the stem alone: 2 + S (30) + 10 + 1.05 + 1 */
  CU_ASSERT(pre.feasible);
  CU_ASSERT(same_head(&d, pre.head, "stem"));
  CU_ASSERT(close_to(pre.cost.latency_ms, 44.05));
  bf b;
  brute_force(&d, &l, &p, &g, &b);
  CU_ASSERT(close_to(b.best, 25.55));
  printf("\n    branchy: min-cut %.2f ms (6 nodes on the device, 3 tensors sent), best prefix %.2f ms, "
         "brute force over %d closed sets %.2f ms\n",
         mc.cost.latency_ms, pre.cost.latency_ms, b.n_closed, b.best);
  part_result_free(&mc);
  part_result_free(&pre);
  part_dag_free(&d);
}

/* X -> a -> T; T read by b, c and d; (U, V, W) -> e -> Y. Sending T once
 * (10 ms) beats everything; a model charging every reader's edge would
 * count it three times. */
static void test_search_multi_reader(void) {
  part_dag d = {0};
  int x = tensor(&d, "X", 50000);
  d.tensors[x].graph_input = true;
  tensor(&d, "T", 10000);
  tensor(&d, "U", 5000);
  tensor(&d, "V", 5000);
  tensor(&d, "W", 5000);
  int y = tensor(&d, "Y", 100);
  d.tensors[y].graph_output = true;
  node(&d, "a", "X", "T", 1, 0.1);
  node(&d, "b", "T", "U", 20, 0.2);
  node(&d, "c", "T", "V", 20, 0.2);
  node(&d, "d", "T", "W", 20, 0.2);
  node(&d, "e", "U,V,W", "Y", 5, 0.1);
  d.reply_bytes = 1000;
  CU_ASSERT_FATAL(part_dag_finish(&d, NULL) == SEAM_OK);
  part_link l = link_8();
  part_power p;
  part_power_default(&p);
  part_goal g = {.objective = PART_MIN_LATENCY};
  part_result mc;
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &mc, NULL) == SEAM_OK);
  /* 1 + 10 + 10 + 0.7 + 1 */
  CU_ASSERT(same_head(&d, mc.head, "a"));
  CU_ASSERT(close_to(mc.cost.latency_ms, 22.7));
  CU_ASSERT_EQUAL(mc.cost.n_sent, 1);
  CU_ASSERT_EQUAL(mc.cost.up_bytes, 10000);
  /* the network itself prices T once: its flow is the latency less the constants */
  part_net *net;
  CU_ASSERT_FATAL(part_net_new(&d, false, &net, NULL) == SEAM_OK);
  part_net_price price;
  part_net_price_of(&g, &price);
  bool h[5];
  double flow = part_net_solve(net, &l, &p, &price, h);
  CU_ASSERT(close_to(flow, 22.7 - 11));
  CU_ASSERT(close_to(part_net_constant(&d, &l, &p, &price), 11));
  part_net_free(net);
  part_result_free(&mc);
  part_dag_free(&d);
}

static void test_constraints_hand(void) {
  part_dag d;
  branchy(&d);
  part_link l = link_8();
  part_power p;
  part_power_default(&p);
  part_result r;
  bf b;
  /* min-macs 20%: the best split runs 15%; anything with b2b (400 MACs) is
   * slower than everything on the device (57.5) */
  part_goal g = {.objective = PART_MIN_LATENCY, .min_macs_pct = 20};
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(r.feasible && !r.cost.remote);
  CU_ASSERT(close_to(r.cost.latency_ms, 57.5));
  part_result_free(&r);
  g.min_macs_pct = 12; /* met by the unconstrained best (15%) */
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(close_to(r.cost.latency_ms, 25.55));
  part_result_free(&r);
  /* memory 85 000: the best split needs 86 000 (weights 6 000, X + S 80 000
   * when the stem runs). One node fewer fits: leaving b3b (or b1b) to the
   * worker sends A3 (20) instead of B3 (2): 6 + 25 + 10 + 0.65 + 1 = 42.65.
   * The Lagrangian alone stops at the stem alone (81 000, 44.05): 42.65 is
   * not on the convex hull of (weights, latency); the local search finds it. */
  g = (part_goal){.objective = PART_MIN_LATENCY, .memory_bytes = 85000};
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  brute_force(&d, &l, &p, &g, &b);
  CU_ASSERT(r.feasible);
  CU_ASSERT(same_head(&d, r.head, "stem,b1a,b1b,b2a,b3a") || same_head(&d, r.head, "stem,b1a,b2a,b3a,b3b"));
  CU_ASSERT(close_to(r.cost.latency_ms, 42.65) && close_to(b.best, 42.65));
  CU_ASSERT_EQUAL(r.cost.head_memory_bytes, 85000);
  part_result_free(&r);
  g.memory_bytes = 81000; /* the stem alone */
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(r.feasible && same_head(&d, r.head, "stem") && close_to(r.cost.latency_ms, 44.05));
  part_result_free(&r);
  g.memory_bytes = 40000; /* below X alone */
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT_FALSE(r.feasible);
  CU_ASSERT_FALSE(r.cost.remote);
  CU_ASSERT_STRING_EQUAL(r.cost.violates, "memory");
  part_result_free(&r);
  part_dag_free(&d);

  /* the chain, energy with a costly radio: {a} 31.5 mJ at 33 ms; {} 57 mJ at
   * 23 ms; all on the device 40 mJ at 40 ms */
  chain2(&d);
  p = (part_power){.compute_w = 1, .tx_w = 5, .rx_w = 1, .idle_w = 0.5};
  g = (part_goal){.objective = PART_MIN_ENERGY};
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(same_head(&d, r.head, "a") && close_to(r.cost.energy_mj, 31.5) && close_to(r.cost.latency_ms, 33));
  part_result_free(&r);
  g.deadline_ms = 30;
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(r.feasible && r.cost.remote && r.cost.head_ms == 0);
  CU_ASSERT(close_to(r.cost.energy_mj, 57) && close_to(r.cost.latency_ms, 23));
  part_result_free(&r);
  g.deadline_ms = 20;
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT_FALSE(r.feasible);
  CU_ASSERT(r.head[0] && r.head[1]);
  CU_ASSERT_STRING_EQUAL(r.cost.violates, "deadline");
  part_result_free(&r);
  /* latency: sending X (23 ms) wins; privacy keeps X on the device: {a}, 33 ms */
  g = (part_goal){.objective = PART_MIN_LATENCY};
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(close_to(r.cost.latency_ms, 23));
  part_result_free(&r);
  g.privacy_raw = true;
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT(r.feasible && same_head(&d, r.head, "a") && close_to(r.cost.latency_ms, 33));
  part_result_free(&r);
  g.deadline_ms = 30; /* privacy and a 30 ms deadline: nothing fits */
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT_FALSE(r.feasible);
  part_result_free(&r);
  CU_ASSERT_FATAL(part_search_prefix(&d, &l, &p, &g, &r, NULL) == SEAM_OK);
  CU_ASSERT_FALSE(r.feasible);
  CU_ASSERT(r.head[0] && r.head[1]);
  part_result_free(&r);
  part_dag_free(&d);
}

/* ==== the searches against brute force ==== */

static void check_one(const part_dag *d, const part_link *l, const part_power *p, const part_goal *g) {
  bf b;
  brute_force(d, l, p, g, &b);
  part_result mc, pre;
  CU_ASSERT_FATAL(part_search_mincut(d, l, p, g, &mc, NULL) == SEAM_OK);
  CU_ASSERT_FATAL(part_search_prefix(d, l, p, g, &pre, NULL) == SEAM_OK);
  CU_ASSERT(part_split_is_closed(d, mc.head));
  part_cost again;
  part_cost_of(d, mc.head, l, p, g, &again);
  CU_ASSERT(again.objective == mc.cost.objective && again.feasible == mc.cost.feasible);
  CU_ASSERT_EQUAL(mc.feasible, b.feasible);
  if (b.feasible && !close_to(mc.cost.objective, b.best))
    fprintf(stderr, "min-cut %.12g, brute force %.12g\n", mc.cost.objective, b.best);
  if (b.feasible) CU_ASSERT(close_to(mc.cost.objective, b.best));
  if (pre.feasible) CU_ASSERT(mc.cost.objective <= pre.cost.objective * (1 + 1e-12));
  /* the network's flow is the best remote objective less the remote constants */
  part_net *net;
  CU_ASSERT_FATAL(part_net_new(d, g->privacy_raw, &net, NULL) == SEAM_OK);
  part_net_price price;
  part_net_price_of(g, &price);
  bool h[16];
  double flow = part_net_solve(net, l, p, &price, h);
  double k = part_net_constant(d, l, p, &price);
  if (!isinf(flow) && part_split_is_remote(d, h)) {
    part_goal free_goal = {.objective = g->objective, .energy_weight = g->energy_weight};
    part_cost c;
    part_cost_of(d, h, l, p, &free_goal, &c);
    CU_ASSERT(close_to(flow + k, c.objective));
    if (!g->privacy_raw) CU_ASSERT(close_to(flow + k, b.best_remote));
  }
  part_net_free(net);
  part_result_free(&mc);
  part_result_free(&pre);
}

static void test_search_vs_bruteforce(void) {
  rng r = {2024};
  for (int round = 0; round < 200; round++) {
    part_dag d;
    random_dag(&d, &r, 3 + pick(&r, 10));
    part_link l;
    part_power p;
    random_conditions(&r, &l, &p);
    const part_objective objs[3] = {PART_MIN_LATENCY, PART_MIN_ENERGY, PART_MIN_WEIGHTED};
    for (int o = 0; o < 3; o++)
      for (int priv = 0; priv < 2; priv++) {
        part_goal g = {.objective = objs[o], .energy_weight = uni(&r, 0.1, 2), .privacy_raw = priv};
        check_one(&d, &l, &p, &g);
      }
    part_dag_free(&d);
  }
}

/* Deadline, memory and min-macs (the Lagrangian's constraints), alone and
 * together, with and without privacy, at thresholds some closed set meets.
 * Asserted: every result is feasible by part_cost_of and no better than the
 * optimum; it is never worse than the prefix search; and it is feasible
 * whenever a feasible split exists for the cases where that is guaranteed
 * (a deadline or min-macs alone, memory alone without privacy). How often it
 * is optimal is reported. */
static void test_lagrangian_vs_bruteforce(void) {
  rng r = {99};
  int goals = 0, feasible = 0, found = 0, optimal = 0, missed = 0, single_feasible = 0, single_optimal = 0;
  double worst_gap = 0, sum_gap = 0;
  for (int round = 0; round < 200; round++) {
    part_dag d;
    random_dag(&d, &r, 3 + pick(&r, 10));
    part_link l;
    part_power p;
    random_conditions(&r, &l, &p);
    /* thresholds from random closed sets */
    int n = d.n_nodes;
    bool h[16];
    part_cost samples[8];
    part_goal none = {0};
    for (int k = 0; k < 8; k++) {
      bool closed = false;
      for (int attempt = 0; attempt < 1000 && !closed; attempt++) {
        unsigned m = (unsigned)pick(&r, 1 << n);
        for (int i = 0; i < n; i++) h[i] = (m >> i) & 1;
        closed = part_split_is_closed(&d, h);
      }
      if (!closed)
        for (int i = 0; i < n; i++) h[i] = true;
      part_cost_of(&d, h, &l, &p, &none, &samples[k]);
    }
    for (int trial = 0; trial < 6; trial++) {
      int which = 1 + pick(&r, 7); /* a nonempty subset of the three */
      part_goal g = {.objective = (part_objective)pick(&r, 3), .energy_weight = uni(&r, 0.1, 2),
                     .privacy_raw = chance(&r, 0.3)};
      if (which & 1) g.deadline_ms = samples[pick(&r, 8)].latency_ms * uni(&r, 1, 1.1);
      if (which & 2) g.memory_bytes = (int64_t)((double)samples[pick(&r, 8)].head_memory_bytes * uni(&r, 1, 1.1));
      if (which & 4) g.min_macs_pct = samples[pick(&r, 8)].head_macs_pct * uni(&r, 0.9, 1);
      bool single = which == 1 || which == 2 || which == 4;
      bool guaranteed = which == 1 || which == 4 || (which == 2 && !g.privacy_raw);
      bf b;
      brute_force(&d, &l, &p, &g, &b);
      part_result mc, pre;
      CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &mc, NULL) == SEAM_OK);
      CU_ASSERT_FATAL(part_search_prefix(&d, &l, &p, &g, &pre, NULL) == SEAM_OK);
      goals++;
      if (mc.feasible) {
        CU_ASSERT(mc.cost.feasible && part_split_is_closed(&d, mc.head));
        CU_ASSERT(b.feasible && mc.cost.objective >= b.best * (1 - 1e-9));
      }
      if (pre.feasible) {
        CU_ASSERT(mc.feasible && mc.cost.objective <= pre.cost.objective * (1 + 1e-12));
      }
      if (b.feasible) {
        feasible++;
        single_feasible += single;
        if (guaranteed) CU_ASSERT(mc.feasible);
        if (mc.feasible) {
          found++;
          double gap = (mc.cost.objective - b.best) / fmax(1e-12, b.best);
          sum_gap += gap;
          if (gap > worst_gap) worst_gap = gap;
          if (close_to(mc.cost.objective, b.best)) {
            optimal++;
            single_optimal += single;
          }
        } else {
          missed++;
        }
      }
      part_result_free(&mc);
      part_result_free(&pre);
    }
    part_dag_free(&d);
  }
  printf("\n    Lagrangian: %d goals, %d feasible by brute force (%d of them with one constraint); min-cut "
         "found a feasible split for %d (missed %d), the optimum for %d (%d of %d with one constraint); gap "
         "over the feasible ones: worst %.2f%%, mean %.3f%%\n",
         goals, feasible, single_feasible, found, missed, optimal, single_optimal, single_feasible, 100 * worst_gap,
         found ? 100 * sum_gap / found : 0);
  CU_ASSERT(feasible > goals / 2);
}

/* A 2 000-node random DAG: a sanity bound only (speed claims belong in benchmarks). */
static void test_search_size(void) {
  rng r = {4242};
  part_dag d;
  random_dag(&d, &r, 2000);
  part_link l;
  part_power p;
  random_conditions(&r, &l, &p);
  part_goal g = {.objective = PART_MIN_WEIGHTED, .energy_weight = 0.5};
  part_result mc, pre;
  double t0 = now_ms();
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &mc, NULL) == SEAM_OK);
  double t1 = now_ms();
  CU_ASSERT_FATAL(part_search_prefix(&d, &l, &p, &g, &pre, NULL) == SEAM_OK);
  double t2 = now_ms();
  CU_ASSERT(mc.feasible && mc.cost.objective <= pre.cost.objective * (1 + 1e-12));
  g.min_macs_pct = 50;
  part_result con;
  double t3 = now_ms();
  CU_ASSERT_FATAL(part_search_mincut(&d, &l, &p, &g, &con, NULL) == SEAM_OK);
  double t4 = now_ms();
  CU_ASSERT(con.feasible);
  printf("\n    %d nodes, %d tensors: min-cut %.1f ms, prefix %.1f ms, min-cut with min-macs 50%% %.1f ms\n",
         d.n_nodes, d.n_tensors, t1 - t0, t2 - t1, t4 - t3);
  CU_ASSERT(t1 - t0 < 1000);
  part_result_free(&mc);
  part_result_free(&pre);
  part_result_free(&con);
  part_dag_free(&d);
}

void seam_register_tests(void) {
  static CU_TestInfo dag_tests[] = {
      {"builder: names, generated names, readers", test_dag_builder},
      {"finish refuses malformed DAGs", test_dag_checks},
      {"split helpers: closed, remote, sent", test_split_helpers},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo cost_tests[] = {
      {"every term of a branchy split, by hand", test_cost_terms},
      {"arena peak of a chain with a skip, by hand", test_arena_chain},
      {"power defaults match their documented figures", test_power_default},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo flow_tests[] = {
      {"known flows, infinite edges, both cut sides", test_maxflow_known},
      {"random graphs against every cut", test_maxflow_vs_bruteforce},
      {"5 000 vertices, 20 000 edges", test_maxflow_size},
      CU_TEST_INFO_NULL,
  };
  static CU_TestInfo search_tests[] = {
      {"branchy DAG: min-cut beats every prefix", test_search_branchy},
      {"a tensor read by many nodes is sent once", test_search_multi_reader},
      {"constraints change the choice, by hand", test_constraints_hand},
      {"random DAGs against brute force", test_search_vs_bruteforce},
      {"Lagrangian constraints against brute force", test_lagrangian_vs_bruteforce},
      {"2 000 nodes", test_search_size},
      CU_TEST_INFO_NULL,
  };
  SEAM_ADD_SUITE("partition dag", dag_tests);
  SEAM_ADD_SUITE("partition cost", cost_tests);
  SEAM_ADD_SUITE("partition max-flow", flow_tests);
  SEAM_ADD_SUITE("partition search", search_tests);
}

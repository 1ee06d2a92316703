/* Plan files (partitioner/plan.h) and cut strings (partitioner/split.h):
 * a plan built from a hand-made DAG survives a round trip through JSON
 * exactly, a plan for another file or a damaged plan is refused with a
 * clear error, and lookups follow the grid the way plan.h documents. */
#include <CUnit/CUnit.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "partitioner/plan.h"
#include "partitioner/split.h"
#include "tests/unit/unit.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* input (100 KB) -> big (10 ms on the device, 1 ms on the worker) -> small
 * (1 KB) -> head (5 ms / 0.5 ms) -> output (40 B). */
static void chain(part_dag *d) {
  memset(d, 0, sizeof *d);
  seam_error e;
  int in = part_dag_add_tensor(d, "input", &e), mid = part_dag_add_tensor(d, "small", &e);
  int out = part_dag_add_tensor(d, "output", &e);
  CU_ASSERT_FATAL(in >= 0 && mid >= 0 && out >= 0);
  CU_ASSERT_FATAL(part_dag_add_node(d, "big", "Conv", 1, &in, 1, &mid, &e) == 0);
  CU_ASSERT_FATAL(part_dag_add_node(d, "head", "Gemm", 1, &mid, 1, &out, &e) == 1);
  d->tensors[in].graph_input = true;
  d->tensors[out].graph_output = true;
  d->tensors[in].bytes = d->tensors[in].wire_bytes = 100000;
  d->tensors[mid].bytes = d->tensors[mid].wire_bytes = 1000;
  d->tensors[out].bytes = d->tensors[out].wire_bytes = 40;
  d->nodes[0].device_ms = 10, d->nodes[0].cloud_ms = 1, d->nodes[0].macs = 900;
  d->nodes[1].device_ms = 5, d->nodes[1].cloud_ms = 0.5, d->nodes[1].macs = 100;
  d->reply_bytes = 60;
  CU_ASSERT_FATAL(part_dag_finish(d, &e) == SEAM_OK);
}

static const double UP[] = {0.5, 8, 100};
static const double RTT[] = {0, 50};
static const double QUEUE[] = {0, 1000};

static void build(const part_dag *d, part_plan *p) {
  part_plan_options o = {.search = PART_SEARCH_MINCUT};
  part_power_default(&o.power);
  o.link = (part_link){.up_mbps = 8, .down_mbps = 8, .rtt_ms = 50};
  part_grid g = {3, 2, 2, UP, RTT, QUEUE};
  o.grid = &g;
  seam_error e = {0};
  CU_ASSERT_FATAL(part_plan_build(d, &o, p, &e) == SEAM_OK);
  CU_ASSERT_FATAL(part_plan_set_strings(p, SHA_A, "chain.onnx", "int8", 1, "edge.json", "cloud.json", &e) == SEAM_OK);
}

static char *temp_path(void) {
  static char path[64];
  snprintf(path, sizeof path, "/tmp/seam-plan-test-%d.json", (int)getpid());
  return path;
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  CU_ASSERT_FATAL(f != NULL);
  fputs(text, f);
  fclose(f);
}

static void test_round_trip(void) {
  part_dag d;
  chain(&d);
  part_plan p, q;
  build(&d, &p);
  /* At least "local" and "cloud", always offered first. */
  CU_ASSERT(p.n_candidates >= 2);
  CU_ASSERT_EQUAL(part_plan_find(&p, "local"), 0);
  CU_ASSERT_EQUAL(part_plan_find(&p, "cloud"), 1);
  seam_error e = {0};
  CU_ASSERT_FATAL(part_plan_save(&p, temp_path(), &e) == SEAM_OK);
  CU_ASSERT_FATAL(part_plan_load(temp_path(), SHA_A, &q, &e) == SEAM_OK);
  CU_ASSERT_EQUAL(q.n_candidates, p.n_candidates);
  for (int i = 0; i < p.n_candidates && i < q.n_candidates; i++) {
    CU_ASSERT_STRING_EQUAL(q.candidates[i].cut, p.candidates[i].cut);
    CU_ASSERT_EQUAL(q.candidates[i].up_bytes, p.candidates[i].up_bytes);
    CU_ASSERT_DOUBLE_EQUAL(q.candidates[i].head_ms, p.candidates[i].head_ms, 1e-12);
    CU_ASSERT_DOUBLE_EQUAL(q.candidates[i].tail_ms, p.candidates[i].tail_ms, 1e-12);
  }
  CU_ASSERT(q.n_up == 3 && q.n_rtt == 2 && q.n_queue == 2);
  CU_ASSERT(memcmp(q.best, p.best, sizeof(int) * 12) == 0);
  CU_ASSERT_STRING_EQUAL(q.codec, "int8");
  CU_ASSERT_EQUAL(q.zstd_level, 1);
  part_plan_free(&q);
  part_plan_free(&p);
  part_dag_free(&d);
  unlink(temp_path());
}

static void test_predictions_follow_the_terms(void) {
  part_dag d;
  chain(&d);
  part_plan p;
  build(&d, &p);
  int cloud = part_plan_find(&p, "cloud");
  part_link l = {.up_mbps = 8, .down_mbps = 4, .rtt_ms = 30, .queue_ms = 7};
  part_cost c;
  part_plan_predict(&p, cloud, &l, &c);
  /* Every term by hand: the request is the input plus the overhead (0 here). */
  double up = 100000 * 8.0 / 8e3, down = 60 * 8.0 / 4e3;
  CU_ASSERT_DOUBLE_EQUAL(c.latency_ms, up + 30 + 7 + 1.5 + down, 1e-9);
  part_plan_predict(&p, part_plan_find(&p, "local"), &l, &c);
  CU_ASSERT_DOUBLE_EQUAL(c.latency_ms, 15, 1e-9);
  part_plan_free(&p);
  part_dag_free(&d);
}

static void test_lookup_regions(void) {
  part_dag d;
  chain(&d);
  part_plan p;
  build(&d, &p);
  part_decision dec;
  /* Queue 1000 ms: nothing remote can beat 15 ms on the device. */
  part_plan_lookup(&p, &(part_link){.up_mbps = 1000, .down_mbps = 1000, .rtt_ms = 0, .queue_ms = 999}, &dec);
  CU_ASSERT_EQUAL(dec.queue_index, 1);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "local");
  /* The corner toward the slower link by default: at 0.6 Mbit/s and 45 ms
   * every corner's winner is "local" (0.5 Mbit/s rounded down, 50 ms up). */
  part_plan_lookup(&p, &(part_link){.up_mbps = 0.6, .down_mbps = 0.6, .rtt_ms = 45, .queue_ms = 0}, &dec);
  CU_ASSERT_EQUAL(dec.up_index, 0);
  CU_ASSERT_EQUAL(dec.rtt_index, 1);
  CU_ASSERT_EQUAL(dec.queue_index, 0);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "local");
  /* 7.9 Mbit/s and 1 ms: the slower corner (0.5 Mbit/s, 50 ms) says
   * "local" (15 ms), the corner (8 Mbit/s, 0 ms) the cut at "small", which
   * at the estimate itself predicts 10 + 1000 B at 7.9 Mbit/s + 1 + 0.5 +
   * 60 B back = 12.6 ms: that corner is taken. */
  part_plan_lookup(&p, &(part_link){.up_mbps = 7.9, .down_mbps = 7.9, .rtt_ms = 1, .queue_ms = 0}, &dec);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "small");
  CU_ASSERT_EQUAL(dec.up_index, 1);
  CU_ASSERT_EQUAL(dec.rtt_index, 0);
  CU_ASSERT_EQUAL(dec.queue_index, 0);
  part_cost at;
  part_plan_predict(&p, dec.candidate, &(part_link){.up_mbps = 7.9, .down_mbps = 7.9, .rtt_ms = 1}, &at);
  CU_ASSERT(at.latency_ms < 15);
  /* At 100 Mbit/s with no RTT and no queue the cloud wins: 8 ms to send
   * the input + 1.5 on the worker, against 15 on the device and 10 + 0.08 +
   * 0.5 for the cut at "small". */
  part_plan_lookup(&p, &(part_link){.up_mbps = 100, .down_mbps = 100, .rtt_ms = 0, .queue_ms = 0}, &dec);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "cloud");
  part_plan_free(&p);
  part_dag_free(&d);
}

/* A device measured slower or faster than its profile scales the head,
 * encode and decode terms, and the lookup lets every candidate compete
 * when no grid corner holds the best cut at that speed. */
static void test_device_scale(void) {
  part_dag d;
  chain(&d);
  part_plan p;
  build(&d, &p);
  int local = part_plan_find(&p, "local"), small = part_plan_find(&p, "small");
  part_link l = {.up_mbps = 7.9, .down_mbps = 7.9, .rtt_ms = 1};
  part_cost as_profiled, unset, slow;
  part_plan_predict(&p, small, &(part_link){.up_mbps = 7.9, .down_mbps = 7.9, .rtt_ms = 1, .device_scale = 1},
                    &as_profiled);
  part_plan_predict(&p, small, &l, &unset); /* 0: as profiled */
  CU_ASSERT_DOUBLE_EQUAL(unset.latency_ms, as_profiled.latency_ms, 1e-12);
  l.device_scale = 3;
  part_plan_predict(&p, small, &l, &slow);
  CU_ASSERT_DOUBLE_EQUAL(slow.head_ms, 3 * 10, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(slow.latency_ms - as_profiled.latency_ms, 2 * 10, 1e-9);
  CU_ASSERT_DOUBLE_EQUAL(slow.tail_ms, as_profiled.tail_ms, 1e-12); /* the worker's is its own */
  part_plan_predict(&p, local, &l, &slow);
  CU_ASSERT_DOUBLE_EQUAL(slow.latency_ms, 45, 1e-9);
  /* At 100 Mbit/s and no RTT the corners hold "small" and "cloud" (9.5 ms);
   * a device 20x faster than profiled runs everything in 0.75 ms: "local",
   * found off the grid, with no breakpoints. */
  part_decision dec;
  part_plan_lookup(&p, &(part_link){.up_mbps = 100, .down_mbps = 100}, &dec);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "cloud");
  part_plan_lookup(&p, &(part_link){.up_mbps = 100, .down_mbps = 100, .device_scale = 0.05}, &dec);
  CU_ASSERT_EQUAL(dec.candidate, local);
  CU_ASSERT(dec.breakpoint_below_mbps == 0 && dec.breakpoint_above_mbps == 0);
  /* Within 10 % of the profile the grid decides, as at 1. */
  part_plan_lookup(&p, &(part_link){.up_mbps = 100, .down_mbps = 100, .device_scale = 1.05}, &dec);
  CU_ASSERT_STRING_EQUAL(p.candidates[dec.candidate].cut, "cloud");
  part_plan_free(&p);
  part_dag_free(&d);
}

static void test_refuses_another_file(void) {
  part_dag d;
  chain(&d);
  part_plan p, q;
  build(&d, &p);
  seam_error e = {0};
  CU_ASSERT_FATAL(part_plan_save(&p, temp_path(), &e) == SEAM_OK);
  CU_ASSERT_EQUAL(part_plan_load(temp_path(), SHA_B, &q, &e), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT(strstr(e.message, "another model file") != NULL);
  CU_ASSERT_EQUAL(q.n_candidates, 0);
  part_plan_free(&p);
  part_dag_free(&d);
  unlink(temp_path());
}

/* Each damaged plan is refused with a parse error naming the problem. */
static void test_refuses_damaged_plans(void) {
  part_dag d;
  chain(&d);
  part_plan p, q;
  build(&d, &p);
  seam_error e = {0};
  CU_ASSERT_FATAL(part_plan_save(&p, temp_path(), &e) == SEAM_OK);
  FILE *f = fopen(temp_path(), "r");
  static char good[1 << 16];
  size_t n = fread(good, 1, sizeof good - 1, f);
  fclose(f);
  good[n] = '\0';
  struct {
    const char *from, *to, *expect;
  } cases[] = {
      {"\"best\":[", "\"best\":[99,", "grid.best"},
      {"\"format\":\"seam-plan\"", "\"format\":\"other\"", "not a seam plan"},
      {"\"version\":1", "\"version\":7", "version"},
      {"\"up_mbps\":[0.5", "\"up_mbps\":[0", "ascending"},
      {"\"cut\":\"cloud\"", "\"cut\":\"local\"", "only \"local\" runs without the worker"},
      {"\"sha256\":\"" SHA_A "\"", "\"sha256\":\"xyz\"", "sha256"},
      {"\"head_ms\":", "\"head_ms\":-", "negative"},
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
    char *at = strstr(good, cases[k].from);
    CU_ASSERT_FATAL(at != NULL);
    static char bad[1 << 16];
    snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - good), good, cases[k].to, at + strlen(cases[k].from));
    write_text(temp_path(), bad);
    seam_status st = part_plan_load(temp_path(), NULL, &q, &e);
    CU_ASSERT_EQUAL(st, SEAM_ERR_PARSE);
    if (st != SEAM_ERR_PARSE || !strstr(e.message, cases[k].expect))
      fprintf(stderr, "case %zu: status %d, message '%s'\n", k, (int)st, e.message);
    CU_ASSERT(strstr(e.message, cases[k].expect) != NULL);
  }
  /* Truncated anywhere: never accepted. */
  for (size_t cut = 0; cut < n; cut += n / 50 + 1) {
    good[cut] = '\0';
    write_text(temp_path(), good);
    CU_ASSERT_NOT_EQUAL(part_plan_load(temp_path(), NULL, &q, &e), SEAM_OK);
    f = fopen(temp_path(), "w");
    fclose(f);
  }
  CU_ASSERT_EQUAL(part_plan_load("/nonexistent/plan.json", NULL, &q, &e), SEAM_ERR_IO);
  part_plan_free(&p);
  part_dag_free(&d);
  unlink(temp_path());
}

static void test_cut_strings(void) {
  part_cut c;
  seam_error e = {0};
  CU_ASSERT(part_cut_parse(NULL, &c, &e) == SEAM_OK && c.kind == PART_CUT_LOCAL);
  CU_ASSERT(part_cut_parse("", &c, &e) == SEAM_OK && c.kind == PART_CUT_LOCAL);
  CU_ASSERT(part_cut_parse("cloud", &c, &e) == SEAM_OK && c.kind == PART_CUT_CLOUD);
  CU_ASSERT(part_cut_parse("auto", &c, &e) == SEAM_OK && c.kind == PART_CUT_AUTO);
  CU_ASSERT_FATAL(part_cut_parse("a,bb,c", &c, &e) == SEAM_OK);
  CU_ASSERT(c.kind == PART_CUT_TENSORS && c.n == 3 && strcmp(c.names[1], "bb") == 0);
  part_cut_free(&c);
  CU_ASSERT_EQUAL(part_cut_parse("a,,b", &c, &e), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT(strstr(e.message, "empty") != NULL);
  CU_ASSERT_EQUAL(part_cut_parse("a,b,a", &c, &e), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT(strstr(e.message, "twice") != NULL);
  /* 100 000 names: refused before any is copied. */
  size_t len = 2 * 100000;
  char *many = malloc(len + 1);
  CU_ASSERT_FATAL(many != NULL);
  for (size_t i = 0; i < len; i += 2) many[i] = 'x', many[i + 1] = ',';
  many[len - 1] = '\0';
  CU_ASSERT_EQUAL(part_cut_parse(many, &c, &e), SEAM_ERR_INVALID_ARGUMENT);
  free(many);
}

static void test_cut_heads(void) {
  part_dag d;
  chain(&d);
  bool head[2];
  part_cut c;
  seam_error e = {0};
  CU_ASSERT_FATAL(part_cut_parse("small", &c, &e) == SEAM_OK);
  CU_ASSERT_FATAL(part_cut_head(&d, &c, head, &e) == SEAM_OK);
  CU_ASSERT(head[0] && !head[1]);
  part_cut_free(&c);
  CU_ASSERT_FATAL(part_cut_parse("nope", &c, &e) == SEAM_OK);
  CU_ASSERT_EQUAL(part_cut_head(&d, &c, head, &e), SEAM_ERR_NOT_FOUND);
  part_cut_free(&c);
  CU_ASSERT_FATAL(part_cut_parse("cloud", &c, &e) == SEAM_OK);
  CU_ASSERT(part_cut_head(&d, &c, head, &e) == SEAM_OK && !head[0] && !head[1]);
  part_dag_free(&d);
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"a plan survives a round trip through JSON", test_round_trip},
      {"predictions add up the candidate's terms", test_predictions_follow_the_terms},
      {"lookups round toward the slower link", test_lookup_regions},
      {"the device's measured speed scales its terms", test_device_scale},
      {"a plan for another file is refused", test_refuses_another_file},
      {"damaged plans are refused", test_refuses_damaged_plans},
      {"cut strings", test_cut_strings},
      {"the head of a cut", test_cut_heads},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("plan files and cut strings", tests);
}

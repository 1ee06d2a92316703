/* The profiling library (seam/profile.h): nodes in execution order with
 * their outputs, non-constant inputs, output bytes, MACs and fused
 * activation; symbolic dimensions set by name; bad options refused; the
 * before_run callback sees every run and can stop the profile; a profile
 * rebuilt from parts; the JSON text, pinned byte for byte. */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "seam/seam.h"
#include "tests/unit/onnx_builder.h"
#include "tests/unit/unit.h"

/* x [d0, 4] -> Gemm (W [3, 4], B [3]) -> Relu -> Add (itself) -> y [d0, 3].
 * Optimization fuses the Relu into the Gemm. */
static seam_model *small_model(void) {
  tb_model *b = tb_new(13);
  int64_t x_dims[2] = {-1, 4}, w_dims[2] = {3, 4}, b_dims[1] = {3};
  tb_input(b, "x", SEAM_DTYPE_FLOAT32, 2, x_dims);
  tb_init_random(b, "W", 2, w_dims, 1, -1, 1);
  tb_init_random(b, "B", 1, b_dims, 2, -1, 1);
  Onnx__NodeProto *gemm = tb_node(b, "Gemm", "fc", "x,W,B", "h");
  tb_attr_int(b, gemm, "transB", 1);
  tb_node(b, "Relu", "act", "h", "r");
  tb_node(b, "Add", "", "r,r", "y");
  tb_output(b, "y");
  size_t size;
  const void *bytes = tb_bytes(b, &size);
  seam_error err = {0};
  seam_model *m = seam_model_load_memory(bytes, size, NULL, &err);
  if (!m) fprintf(stderr, "load failed: %s\n", err.message);
  tb_free(b);
  return m;
}

typedef struct counter {
  int warmup, timed, stop_at; /* stop_at: stop before the run with this overall number (1-based); 0: never */
  int bad_args;
} counter;

static int count_runs(void *user, int timed, int index, int count) {
  counter *c = user;
  int *seen = timed ? &c->timed : &c->warmup;
  if (index != *seen || count != (timed ? 5 : 2)) c->bad_args++;
  if (c->stop_at && c->warmup + c->timed + 1 == c->stop_at) return 1;
  (*seen)++;
  return 0;
}

static void test_nodes_of_a_run(void) {
  seam_model *m = small_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  const char *names[1] = {"d0"};
  int64_t values[1] = {7};
  counter c = {0};
  seam_profile_options o;
  seam_profile_options_default(&o);
  CU_ASSERT_EQUAL(o.runs, 10);
  CU_ASSERT_EQUAL(o.warmup, 2);
  o.runs = 5;
  o.n_dims = 1;
  o.dim_names = names;
  o.dim_values = values;
  o.before_run = count_runs;
  o.user = &c;
  seam_profile *p = NULL;
  seam_error err = {0};
  CU_ASSERT_EQUAL_FATAL(seam_profile_run(m, &o, &p, &err), SEAM_OK);
  CU_ASSERT_EQUAL(c.warmup, 2);
  CU_ASSERT_EQUAL(c.timed, 5);
  CU_ASSERT_EQUAL(c.bad_args, 0);

  seam_profile_info info;
  seam_profile_get_info(p, &info);
  CU_ASSERT_EQUAL(info.runs, 5);
  CU_ASSERT_EQUAL(info.warmup, 2);
  CU_ASSERT_STRING_EQUAL(info.kernels, "fast");
  CU_ASSERT(info.threads >= 1);
  CU_ASSERT(info.total_ms > 0);
  CU_ASSERT_EQUAL_FATAL(info.n_nodes, 2);

  seam_node_profile n;
  CU_ASSERT_EQUAL(seam_profile_node(p, 0, &n), SEAM_OK);
  CU_ASSERT_STRING_EQUAL(n.name, "fc");
  CU_ASSERT_STRING_EQUAL(n.op, "Gemm");
  CU_ASSERT_STRING_EQUAL(n.fused_activation, "clamp");
  CU_ASSERT_EQUAL(n.output_bytes, 7 * 3 * 4);
  CU_ASSERT_EQUAL(n.macs, 7 * 3 * 4);
  CU_ASSERT_EQUAL_FATAL(n.n_inputs, 1); /* W and B are constants */
  CU_ASSERT_STRING_EQUAL(n.inputs[0], "x");
  CU_ASSERT_EQUAL_FATAL(n.n_outputs, 1);
  CU_ASSERT(n.median_ms >= 0);
  const char *fc_out = n.outputs[0];
  double sum = n.median_ms;

  CU_ASSERT_EQUAL(seam_profile_node(p, 1, &n), SEAM_OK);
  CU_ASSERT_STRING_EQUAL(n.name, "Add_2"); /* the importer names unnamed nodes */
  CU_ASSERT_STRING_EQUAL(n.op, "Add");
  CU_ASSERT_STRING_EQUAL(n.fused_activation, "");
  CU_ASSERT_EQUAL(n.macs, 0);
  CU_ASSERT_EQUAL_FATAL(n.n_inputs, 2);
  CU_ASSERT_STRING_EQUAL(n.inputs[0], fc_out);
  CU_ASSERT_STRING_EQUAL(n.outputs[0], "y");
  sum += n.median_ms;
  CU_ASSERT_DOUBLE_EQUAL(info.nodes_total_ms, sum, 1e-12);
  CU_ASSERT_EQUAL(seam_profile_node(p, 2, &n), SEAM_ERR_INVALID_ARGUMENT);
  seam_profile_free(p);
  seam_model_free(m);
}

static void test_stop_and_bad_options(void) {
  seam_model *m = small_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_profile_options o;
  seam_profile_options_default(&o);
  o.runs = 5;
  counter c = {.stop_at = 4};
  o.before_run = count_runs;
  o.user = &c;
  seam_profile *p = (seam_profile *)&c; /* must be reset to NULL */
  seam_error err = {0};
  CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_CANCELLED);
  CU_ASSERT_PTR_NULL(p);
  CU_ASSERT_EQUAL(c.warmup + c.timed, 3);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "run 4 of 7"));

  seam_profile_options_default(&o);
  const char *names[2] = {"d0", "d0"};
  int64_t values[2] = {2, 3};
  struct {
    size_t n;
    const char *name0;
    int64_t value0;
    const char *says;
  } bad[] = {{1, "nope", 2, "named 'nope'"}, {1, "d0", 0, "must be >= 1"}, {1, "d0", -4, "must be >= 1"},
             {2, "d0", 2, "twice"}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    names[0] = bad[i].name0;
    values[0] = bad[i].value0;
    o.n_dims = bad[i].n;
    o.dim_names = names;
    o.dim_values = values;
    CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_INVALID_ARGUMENT);
    CU_ASSERT_PTR_NOT_NULL(strstr(err.message, bad[i].says));
    CU_ASSERT_PTR_NULL(p);
  }
  seam_profile_options_default(&o);
  o.runs = 0;
  CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_INVALID_ARGUMENT);
  seam_profile_options_default(&o);
  const char *in_names[1] = {"not_an_input"};
  int64_t one = 1;
  seam_tensor *t = seam_tensor_create(SEAM_DTYPE_FLOAT32, 1, &one, &err);
  const seam_tensor *ins[1] = {t};
  o.n_inputs = 1;
  o.input_names = in_names;
  o.inputs = ins;
  CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "not_an_input"));
  /* A given input of the wrong shape fails as the run fails. */
  in_names[0] = "x";
  CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_SHAPE);
  CU_ASSERT_PTR_NULL(p);
  seam_tensor_free(t);
  seam_model_free(m);
}

/* interval_ms paces the runs (each starts at least that long after the
 * previous one started) without the pause counting in any run's time. */
static void test_interval(void) {
  seam_model *m = small_model();
  CU_ASSERT_PTR_NOT_NULL_FATAL(m);
  seam_profile_options o;
  seam_profile_options_default(&o);
  CU_ASSERT_EQUAL(o.interval_ms, 0);
  o.runs = 3;
  o.warmup = 1;
  o.interval_ms = 40;
  seam_profile *p = NULL;
  seam_error err = {0};
  double t0 = seam_clock_ms();
  CU_ASSERT_EQUAL_FATAL(seam_profile_run(m, &o, &p, &err), SEAM_OK);
  double took = seam_clock_ms() - t0;
  seam_profile_info info;
  seam_profile_get_info(p, &info);
  CU_ASSERT(took >= 3 * 40); /* 4 runs: 3 pauses */
  CU_ASSERT(info.total_ms < 40);
  seam_profile_free(p);
  o.interval_ms = -1;
  CU_ASSERT_EQUAL(seam_profile_run(m, &o, &p, &err), SEAM_ERR_INVALID_ARGUMENT);
  CU_ASSERT_PTR_NOT_NULL(strstr(err.message, "interval_ms"));
  seam_model_free(m);
}

/* The JSON text of `seam profile --json`, byte for byte (the partitioner
 * and scripts read it). */
static void test_json_format(void) {
  seam_profile_info info = {.threads = 2, .runs = 3, .warmup = 1, .kernels = "fast", .total_ms = 1.23456789};
  seam_error err = {0};
  seam_profile *p = seam_profile_create(&info, &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(p);
  const char *outs[1] = {"c"}, *ins[2] = {"a", "b"};
  seam_node_profile n = {.name = "conv", .op = "Conv", .median_ms = 0.5, .output_bytes = 4096,
                         .macs = 3000000000, .n_outputs = 1, .outputs = outs, .n_inputs = 2, .inputs = ins,
                         .fused_activation = "clamp"};
  CU_ASSERT_EQUAL(seam_profile_add_node(p, &n, &err), SEAM_OK);
  seam_node_profile m = {.name = NULL, .op = "Add", .median_ms = 0.25, .n_outputs = 1, .outputs = outs};
  CU_ASSERT_EQUAL(seam_profile_add_node(p, &m, &err), SEAM_OK);
  outs[0] = "changed"; /* the profile holds copies */
  char *json = seam_profile_to_json(p, "m.onnx", &err);
  CU_ASSERT_PTR_NOT_NULL_FATAL(json);
  const char *want = "{\n"
                     "\t\"model\":\t\"m.onnx\",\n"
                     "\t\"threads\":\t2,\n"
                     "\t\"runs\":\t3,\n"
                     "\t\"warmup\":\t1,\n"
                     "\t\"kernels\":\t\"fast\",\n"
                     "\t\"total_ms\":\t1.234568,\n"
                     "\t\"nodes_total_ms\":\t0.75,\n"
                     "\t\"nodes\":\t[{\n"
                     "\t\t\t\"name\":\t\"conv\",\n"
                     "\t\t\t\"op\":\t\"Conv\",\n"
                     "\t\t\t\"median_ms\":\t0.5,\n"
                     "\t\t\t\"output_bytes\":\t4096,\n"
                     "\t\t\t\"macs\":\t3000000000,\n"
                     "\t\t\t\"outputs\":\t[\"c\"],\n"
                     "\t\t\t\"inputs\":\t[\"a\", \"b\"],\n"
                     "\t\t\t\"fused_activation\":\t\"clamp\"\n"
                     "\t\t}, {\n"
                     "\t\t\t\"name\":\t\"\",\n"
                     "\t\t\t\"op\":\t\"Add\",\n"
                     "\t\t\t\"median_ms\":\t0.25,\n"
                     "\t\t\t\"output_bytes\":\t0,\n"
                     "\t\t\t\"macs\":\t0,\n"
                     "\t\t\t\"outputs\":\t[\"c\"],\n"
                     "\t\t\t\"inputs\":\t[]\n"
                     "\t\t}]\n"
                     "}";
  CU_ASSERT_STRING_EQUAL(json, want);
  if (strcmp(json, want) != 0) fprintf(stderr, "\n%s\n", json);
  seam_profile_json_free(json);

  seam_profile_info got;
  seam_profile_get_info(p, &got);
  CU_ASSERT_EQUAL(got.n_nodes, 2);
  CU_ASSERT_DOUBLE_EQUAL(got.nodes_total_ms, 0.75, 1e-12);
  seam_profile_free(p);
  seam_profile_free(NULL);
  CU_ASSERT_PTR_NULL(seam_profile_create(NULL, &err));
}

void seam_register_tests(void) {
  static CU_TestInfo tests[] = {
      {"nodes of a run, dims by name", test_nodes_of_a_run},
      {"stop from before_run, bad options", test_stop_and_bad_options},
      {"JSON text", test_json_format},
      {"runs paced by interval_ms", test_interval},
      {NULL, NULL},
  };
  SEAM_ADD_SUITE("profile", tests);
}

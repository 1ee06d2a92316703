/* Fuzz target: the ONNX loader (seam_model_load_memory: import, constant
 * folding, QDQ fusion, graph optimization) on arbitrary bytes and, for the
 * models that load, one run plan for the declared input shapes (symbolic
 * dimensions = 1), built with the fast kernels and with the portable ones.
 *
 * Bounds: no plan when the made-up inputs need more than
 * FUZZ_MAX_INPUT_BYTES. The runtime has no size limit of its own for what a
 * model asks at run time (a plan's arena is what the model needs), so under
 * ASan an allocation over 4 GiB fails (returns NULL, as malloc does when
 * memory runs out) instead of aborting: the code must then report
 * SEAM_ERR_NO_MEMORY. Loading itself is held to more: no single allocation
 * while loading may exceed FUZZ_LOAD_ALLOC_BOUND(size), 1 GiB plus a term
 * linear in the model's size (a tiny model must not make the loader
 * allocate without bound; constant folding has a budget of 64 MiB plus 4
 * times the model's constants, and kernels may need a few times their
 * output in scratch). */
#include <string.h>

#include "runtime/model.h"
#include "runtime/plan.h"
#include "runtime/synthetic.h"
#include "runtime/tensor.h"
#include "seam/runtime.h"
#include "tests/fuzz/fuzz_check.h"

#define FUZZ_MAX_INPUT_BYTES ((uint64_t)4 << 20)
#define FUZZ_PLAN_MEMORY_BYTES ((size_t)64 << 20)
#define FUZZ_LOAD_ALLOC_BOUND(size) (((size_t)1 << 30) + 64 * (size_t)(size))

#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_ASAN 1
#endif
#endif
/* The allocation hook needs the sanitizer's allocator interface, which
 * clang ships and gcc's ASan (the --sanitize suite) does not. */
#if defined(FUZZ_ASAN) && defined(__has_include)
#if !__has_include(<sanitizer/allocator_interface.h>)
#undef FUZZ_ASAN
#endif
#endif

#ifdef FUZZ_ASAN
#include <sanitizer/allocator_interface.h>

/* Defaults; ASAN_OPTIONS in the environment still overrides them. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "allocator_may_return_null=1:max_allocation_size_mb=4096";
}

/* While `watching` (the load; libFuzzer runs one input at a time on one
 * thread) an allocation over `bound` aborts at once, with the stack of the
 * allocation that broke it. */
static volatile int watching;
static volatile size_t bound;

static void on_malloc(const volatile void *ptr, size_t size) {
  (void)ptr;
  if (watching && size > bound) {
    watching = 0;
    fprintf(stderr, "fuzz_model_load: loading allocated %zu bytes at once (bound %zu)\n", size,
            (size_t)bound);
    abort();
  }
}

static void on_free(const volatile void *ptr) { (void)ptr; }

static void watch_allocations(size_t size) {
  static int installed;
  if (!installed) installed = __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free) != 0;
  bound = FUZZ_LOAD_ALLOC_BOUND(size);
  watching = 1;
}

static void stop_watching(void) { watching = 0; }
#else
static void watch_allocations(size_t size) { (void)size; }
static void stop_watching(void) {}
#endif

/* The made-up graph inputs' bytes, or UINT64_MAX when they overflow. */
static uint64_t synthetic_bytes(const seam_model *m) {
  uint64_t total = 0;
  for (size_t i = 0; i < seam_model_input_count(m); i++) {
    seam_value_info info;
    if (seam_model_input_info(m, i, &info) != SEAM_OK) return UINT64_MAX;
    int64_t dims[SEAM_MAX_RANK];
    int rank = seam_synthetic_shape(&info, 0, NULL, NULL, dims);
    seam_dtype dt = info.dtype != SEAM_DTYPE_UNDEFINED ? info.dtype : SEAM_DTYPE_FLOAT32;
    uint64_t n = seam_dtype_size(dt);
    for (int d = 0; d < rank; d++) {
      if (dims[d] < 0) return UINT64_MAX;
      if (dims[d] && n > FUZZ_MAX_INPUT_BYTES / (uint64_t)dims[d]) return UINT64_MAX;
      n *= (uint64_t)dims[d];
    }
    total += n;
    if (total > FUZZ_MAX_INPUT_BYTES) return UINT64_MAX;
  }
  return total;
}

static void build_plans(const seam_model *m) {
  const seam_graph *g = m->graph;
  if (synthetic_bytes(m) > FUZZ_MAX_INPUT_BYTES) return;
  size_t n_in = seam_model_input_count(m);
  seam_tensor *inputs[64] = {0};
  if (n_in > 64) return;
  seam_error err;
  for (size_t i = 0; i < n_in; i++) {
    seam_value_info info;
    seam_model_input_info(m, i, &info);
    memset(&err, 0, sizeof err);
    inputs[i] = seam_synthetic_input(&info, (int)i, 0, NULL, NULL, &err);
    if (!inputs[i]) {
      FUZZ_CHECK_ERROR(err);
      goto out;
    }
  }
  for (int fast = 1; fast >= 0; fast--) {
    seam_plan_request req = {.n_given = (int)n_in, .given_values = g->inputs,
                             .given = (const seam_tensor *const *)inputs, .n_wanted = g->n_outputs,
                             .wanted = g->outputs, .fast_kernels = fast != 0, .threadpool = NULL,
                             /* What the worker bounds a request by: without it a node
                              * planned on constants may compute for minutes. */
                             .max_memory_bytes = FUZZ_PLAN_MEMORY_BYTES};
    seam_plan *plan = NULL;
    memset(&err, 0, sizeof err);
    seam_status st = seam_plan_build(g, &req, &plan, &err);
    if (st != SEAM_OK) {
      FUZZ_CHECK_ERROR(err);
      FUZZ_CHECK(plan == NULL, "a failed plan build returned a plan");
      continue;
    }
    FUZZ_CHECK(plan != NULL, "seam_plan_build returned OK and no plan");
    FUZZ_CHECK(seam_plan_matches(plan, (int)n_in, g->inputs, (const seam_tensor *const *)inputs,
                                 g->n_outputs, g->outputs),
               "a plan does not match the request it was built for");
    seam_plan_free(plan);
  }
out:
  for (size_t i = 0; i < n_in; i++) seam_tensor_free(inputs[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  seam_model_options options;
  seam_model_options_default(&options);
  options.num_threads = 1; /* runs inline: no thread pool per input */
  seam_error err;
  memset(&err, 0, sizeof err);
  /* No base folder: external data is refused, never read from disk. */
  watch_allocations(size);
  seam_model *m = seam_model_load_memory_with(data, size, NULL, &options, &err);
  stop_watching();
  if (!m) {
    FUZZ_CHECK_ERROR(err);
    return 0;
  }
  build_plans(m);
  seam_model_free(m);
  return 0;
}

/* seam partition's report (partition_report.h). */
#include "cli/partition_report.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner/search.h"
#include "partitioner/split.h"

static const char *objective_name(const part_goal *g) {
  return g->objective == PART_MIN_ENERGY ? "energy" : g->objective == PART_MIN_WEIGHTED ? "weighted" : "latency";
}

/* The cut shortened to width characters, with the tensor count. */
static const char *label(const char *cut, int n_tensors, char *buf, size_t size) {
  size_t width = 44;
  if (strlen(cut) <= width) return cut;
  snprintf(buf, size, "%.*s… (%d tensors)", (int)width - 14, cut, n_tensors);
  return buf;
}

static void print_header(void) {
  printf("  %-44s %9s | %7s %6s %8s %6s %6s %7s %6s %5s | %8s %8s %7s %6s\n", "cut", "up KB", "head", "enc", "up",
         "rtt", "queue", "tail", "down", "dec", "total ms", "energy", "mem MB", "MACs%");
}

static void print_terms(const char *mark, const char *cut, int n_tensors, const part_cost *c) {
  char buf[96];
  printf("%s %-44s %9.1f | %7.2f %6.2f %8.2f %6.1f %6.1f %7.2f %6.2f %5.2f | %8.2f %7.1fmJ %7.2f %5.1f%%%s%s\n", mark,
         label(cut, n_tensors, buf, sizeof buf), (double)c->up_bytes / 1024.0, c->head_ms, c->encode_ms, c->up_ms,
         c->rtt_ms, c->queue_ms, c->tail_ms, c->down_ms, c->decode_ms, c->latency_ms, c->energy_mj,
         (double)c->head_memory_bytes / 1048576.0, c->head_macs_pct, c->feasible ? "" : "  breaks ",
         c->feasible ? "" : (c->violates ? c->violates : "?"));
}

/* The plan's candidate for a search result, or -1. */
static int candidate_of(const part_plan *plan, const part_dag *d, const part_result *r) {
  part_candidate c;
  int found = part_candidate_make(d, r->head, &c, NULL) == SEAM_OK ? part_plan_find(plan, c.cut) : -1;
  part_candidate_clear(&c);
  return found;
}

static int print_one_cut(const partition_args *a, const part_dag *d, const part_plan *plan) {
  part_cut c;
  seam_error err = {0};
  bool *head = malloc(sizeof(bool) * ((size_t)d->n_nodes + 1));
  if (!head) return fprintf(stderr, "seam partition: out of memory\n"), 1;
  if (part_cut_parse(a->cut, &c, &err) != SEAM_OK || part_cut_head(d, &c, head, &err) != SEAM_OK) {
    fprintf(stderr, "seam partition: --cut: %s\n", err.message);
    part_cut_free(&c);
    free(head);
    return 1;
  }
  part_cost cost;
  part_cost_of(d, head, &plan->link, &plan->power, &plan->goal, &cost);
  printf("the cut given (--cut):\n");
  print_header();
  print_terms(" ", a->cut, c.n, &cost);
  part_cut_free(&c);
  free(head);
  return 0;
}

int partition_report(const partition_args *a, const part_dag *d, const part_plan *plan) {
  const part_link *l = &plan->link;
  printf("model %s (sha256 %.16s…): %d nodes, %d tensors, %.3f GMACs\n", a->model, plan->sha256, d->n_nodes,
         d->n_tensors, (double)d->total_macs / 1e9);
  printf("conditions: uplink %.3g Mbit/s, downlink %.3g Mbit/s, RTT %.3g ms, worker queue %.3g ms; codec %s",
         l->up_mbps, l->down_mbps, l->rtt_ms, l->queue_ms, a->codec_name);
  if (a->zstd_level) printf(" + zstd %d", a->zstd_level);
  printf("; objective %s\n", objective_name(&plan->goal));
  part_result by[2] = {{0}, {0}};
  seam_error err = {0};
  if (part_search_prefix(d, l, &plan->power, &plan->goal, &by[0], &err) != SEAM_OK ||
      part_search_mincut(d, l, &plan->power, &plan->goal, &by[1], &err) != SEAM_OK) {
    part_result_free(&by[0]);
    part_result_free(&by[1]);
    return fprintf(stderr, "seam partition: %s\n", err.message), 1;
  }
  int chosen = candidate_of(plan, d, &by[plan->search == PART_SEARCH_PREFIX ? 0 : 1]);
  printf("candidate cuts of the plan, predicted under these conditions (ms; * = chosen):\n");
  print_header();
  for (int i = 0; i < plan->n_candidates; i++) {
    part_cut c;
    bool *head = malloc(sizeof(bool) * ((size_t)d->n_nodes + 1));
    if (head && part_cut_parse(plan->candidates[i].cut, &c, NULL) == SEAM_OK) {
      if (part_cut_head(d, &c, head, NULL) == SEAM_OK) {
        part_cost cost;
        part_cost_of(d, head, l, &plan->power, &plan->goal, &cost);
        print_terms(i == chosen ? "*" : " ", plan->candidates[i].cut, plan->candidates[i].n_tensors, &cost);
      }
      part_cut_free(&c);
    }
    free(head);
  }
  const char *names[2] = {"prefix search (execution order)", "min-cut search (any closed set)"};
  for (int s = 0; s < 2; s++) {
    int c = candidate_of(plan, d, &by[s]);
    printf("%s: %.3f ms, %.2f mJ%s, cut %s\n", names[s], by[s].cost.latency_ms, by[s].cost.energy_mj,
           by[s].feasible ? "" : " (nothing meets the constraints: all on the device)",
           c >= 0 ? plan->candidates[c].cut : "(not among the plan's candidates)");
  }
  int rc = a->cut ? print_one_cut(a, d, plan) : 0;
  const part_result *pick = &by[plan->search == PART_SEARCH_PREFIX ? 0 : 1];
  cJSON *sum = cJSON_CreateObject();
  if (sum) {
    cJSON_AddStringToObject(sum, "chosen", chosen >= 0 ? plan->candidates[chosen].cut : "");
    cJSON_AddNumberToObject(sum, "predicted_ms", pick->cost.latency_ms);
    cJSON_AddNumberToObject(sum, "energy_mj", pick->cost.energy_mj);
    cJSON_AddNumberToObject(sum, "prefix_ms", by[0].cost.latency_ms);
    cJSON_AddNumberToObject(sum, "mincut_ms", by[1].cost.latency_ms);
    cJSON_AddNumberToObject(sum, "prefix_objective", by[0].cost.objective);
    cJSON_AddNumberToObject(sum, "mincut_objective", by[1].cost.objective);
    cJSON_AddNumberToObject(sum, "candidates", plan->n_candidates);
    char *text = cJSON_PrintUnformatted(sum);
    if (text) printf("%s\n", text);
    cJSON_free(text);
    cJSON_Delete(sum);
  }
  part_result_free(&by[0]);
  part_result_free(&by[1]);
  return rc;
}

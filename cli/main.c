/* seam — command-line entry point. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static const struct {
  const char *name;
  int (*fn)(int, char **);
  const char *summary;
} commands[] = {
    {"run", cmd_run, "run a model on .npy inputs"},
    {"info", cmd_info, "describe a model: inputs, outputs, ops, parameters, MACs"},
    {"bench", cmd_bench, "time whole-model runs; last line is a JSON summary"},
    {"profile", cmd_profile, "time every node; table and JSON for the partitioner"},
    {"quantize", cmd_quantize, "INT8 post-training quantization into a QDQ ONNX model"},
    {"eval", cmd_eval, "top-1 accuracy of a classifier on a labelled .npy set"},
    {"cuts", cmd_cuts, "candidate cut points (tensor sets) with their sizes"},
    {"partition", cmd_partition, "where to cut, from measured costs; writes a plan"},
    {"conformance", cmd_conformance, "run the ONNX backend node tests"},
};

void cli_split_named(char *arg, char **name, char **path) {
  char *eq = strchr(arg, '=');
  char *slash = strchr(arg, '/');
  if (eq && (!slash || eq < slash)) {
    *eq = '\0';
    *name = arg;
    *path = eq + 1;
  } else {
    *name = NULL;
    *path = arg;
  }
}

static void usage(FILE *out) {
  fprintf(out, "usage: seam <command> [options]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-12s %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\n'seam <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "seam: unknown command '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}

/* The partitioner's view of a model: a DAG of nodes and tensors, keyed by
 * name, with what each costs. Built from a loaded model (partitioner/measure.h)
 * and the device's and the worker's profiles (partitioner/cost.h), or by hand
 * in tests. Knows nothing of the runtime's IR indices or of networks.
 *
 * Nodes are in execution order, which is a topological order: a node reads
 * only graph inputs, known tensors or outputs of earlier nodes. */
#ifndef SEAM_PARTITIONER_DAG_H
#define SEAM_PARTITIONER_DAG_H

#include <stdbool.h>
#include <stdint.h>

#include "seam/status.h"

struct seam_name_map;

typedef struct part_tensor {
  char *name;
  int producer;      /* node index; -1 for a graph input or a known tensor */
  bool graph_input;  /* fed by the app */
  bool graph_output; /* returned to the app */
  /* Computed by both sides without running a node the partitioner sees
   * (shape subgraphs a run plan evaluates while planning): never sent. */
  bool known;
  int64_t bytes;      /* as computed: dtype size x elements, in the measured run */
  int64_t wire_bytes; /* in a request, after the codec (measured by encoding it) */
  double encode_ms;   /* encoding it on the device */
  int n_readers;
  int *readers;       /* node indices, ascending, each once */
} part_tensor;

typedef struct part_node {
  char *name; /* unique within the DAG ("" never: the builder names unnamed nodes) */
  char *op;
  int n_inputs;
  int *inputs; /* tensor indices (constants are not tensors here) */
  int n_outputs;
  int *outputs;
  int64_t macs;
  int64_t weight_bytes; /* constants the node reads: what it adds to the head's memory */
  double device_ms;     /* median time on the device */
  double cloud_ms;      /* median time on the worker */
  bool generated_name;  /* the node had no name; the builder made this one up */
} part_node;

typedef struct part_dag {
  part_node *nodes;
  int n_nodes, cap_nodes;
  part_tensor *tensors;
  int n_tensors, cap_tensors;
  int64_t total_macs;           /* sum of node macs (part_dag_finish) */
  int64_t request_overhead_bytes; /* an InferRequest's bytes besides its tensors */
  int64_t reply_bytes;          /* an InferReply carrying the graph outputs (RAW) */
  double reply_decode_ms;       /* decoding that reply on the device */
  /* The builder's name indexes (finds cost O(1)); NULL until the first add. */
  struct seam_name_map *node_names, *tensor_names;
} part_dag;

/* Building: start from a zeroed part_dag, add tensors, then nodes that name
 * them by index, then finish (readers, total_macs, checks). Returns the new
 * index, or -1 with err filled (out of memory, a name used twice, an index
 * out of range, a tensor given a second producer). A tensor starts with
 * producer -1 and every flag and cost 0: the caller sets them through
 * d->tensors[i] (adds may move the arrays: hold indices, not pointers).
 * part_dag_add_node sets its outputs' producer. A NULL or "" node name gets
 * a generated one ("<op>#<index>"); should a later node bring that name
 * itself, the generated one moves aside ("<op>#<index>.<k>"). */
int part_dag_add_tensor(part_dag *d, const char *name, seam_error *err);
int part_dag_add_node(part_dag *d, const char *name, const char *op, int n_inputs,
                      const int *inputs, int n_outputs, const int *outputs, seam_error *err);
/* Fills readers and total_macs and checks the DAG: every node reads only
 * tensors available before it (graph inputs, known tensors, outputs of
 * earlier nodes), every tensor has at most one producer, a graph input or
 * known tensor has none (and is not both), sizes and times are >= 0 and
 * finite. SEAM_ERR_INVALID_ARGUMENT naming what is wrong. O(nodes + tensors
 * + edges); may be called again after changing costs or flags. */
seam_status part_dag_finish(part_dag *d, seam_error *err);
/* Frees everything the builder allocated and zeroes d; NULL is fine. */
void part_dag_free(part_dag *d);

/* The index of the named tensor or node, or -1. */
int part_dag_find_tensor(const part_dag *d, const char *name);
int part_dag_find_node(const part_dag *d, const char *name);

/* A split: head[i] is true when node i runs on the device. Valid when the
 * head is closed under producers: every node a head node reads from is in
 * the head. */
bool part_split_is_closed(const part_dag *d, const bool *head);
/* Whether the split leaves any node to the worker (false: all on the device). */
bool part_split_is_remote(const part_dag *d, const bool *head);
/* Whether tensor t crosses the network under a remote split: it is available
 * on the device (a graph input or a head node's output, not known) and a
 * tail node reads it or it is a graph output (the worker returns every graph
 * output, so one computed on the device is sent too). It does not check
 * that the split is remote (nothing is sent under an all-on-device split):
 * O(readers of t). Needs part_dag_finish. */
bool part_split_sends(const part_dag *d, const bool *head, int t);

#endif

/* The flow network whose minimum s-t cut is the cheapest remote split of a
 * DAG (the DADS construction: Hu et al., "Dynamic Adaptive DNN Surgery for
 * Inference Acceleration on the Edge", INFOCOM 2019), for any additive
 * price of latency and energy, plus optional per-node rewards and penalties
 * (search_mincut.c uses them as Lagrange multipliers).
 *
 * Source = the device, sink = the worker; node i on the source side runs on
 * the device. Vertices: one per node, one per tensor that can be sent, s, t.
 *   s -> i   cap b_i (node i on the worker)   i -> t   cap a_i (on the device)
 *   producer -> x (s -> x for a graph input)   cap c_x (sending tensor x)
 *   x -> each reader of x, and x -> t for a graph output   infinite
 *   reader -> producer of each tensor it reads   infinite (closedness)
 * With privacy_raw a graph input's s -> x is infinite too, which keeps its
 * readers on the device. A cut's capacity is then exactly the priced cost of
 * its split minus the terms every remote split pays alike (part_net_constant):
 * a tensor is paid once however many nodes read it, and only when it
 * crosses, as part_split_sends decides. The cut that keeps every node on the
 * device prices the impossible "remote split with an empty tail"; callers
 * judge that head as the all-on-device split (part_cost_of does). */
#ifndef SEAM_PARTITIONER_FLOWNET_H
#define SEAM_PARTITIONER_FLOWNET_H

#include "partitioner/cost.h"

/* What one unit of each quantity costs in the cut. */
typedef struct part_net_price {
  double latency;     /* per ms of latency */
  double energy;      /* per mJ of device energy */
  double macs_reward; /* subtracted per MAC a head node runs */
  double memory;      /* added per byte of a head node's weights and outputs */
} part_net_price;

typedef struct part_net part_net;

/* The network of d (finished; borrowed: it must outlive the network).
 * SEAM_ERR_NO_MEMORY. */
seam_status part_net_new(const part_dag *d, bool privacy_raw, part_net **out, seam_error *err);
void part_net_free(part_net *n);

/* The price of a goal's objective alone (latency 1; energy 1; or latency 1
 * and energy energy_weight), no rewards or penalties. */
void part_net_price_of(const part_goal *goal, part_net_price *price);

/* A minimum cut under price: head[i] (n_nodes flags) = node i on the device,
 * the largest head among the optimal ones. Returns the maximum flow, which
 * equals the priced cost of that split minus part_net_constant (rewards
 * and penalties included), or PART_FLOW_INF when every remote split is
 * forbidden (privacy_raw and a graph input that is also a graph output);
 * head is then all true. */
double part_net_solve(part_net *n, const part_link *link, const part_power *power, const part_net_price *price,
                      bool *head);

/* The priced terms every remote split pays: the request overhead's upload,
 * RTT, queue, reply download and decode. */
double part_net_constant(const part_dag *d, const part_link *link, const part_power *power,
                         const part_net_price *price);

#endif

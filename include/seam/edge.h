/* seam — the edge client: split inference between this device and a worker.
 *
 * A session holds the model (loaded on the device), the cut and a channel to
 * a seam-cloud worker. seam_edge_infer runs the head of the model here (the
 * nodes up to the cut tensors), sends the cut tensors to the worker, which
 * runs the tail, and returns the graph outputs: the same outputs as a local
 * run (exactly with the RAW codec). Whenever the worker does not deliver a
 * good answer (it cannot be reached or connected to within the connect
 * timeout, misses the deadline, is busy, fails, refuses the model, or sends
 * a reply that does not fit the model), the device finishes the tail itself
 * from the cut tensors it already computed (it does not start over), and
 * timing->reason says why.
 *
 * A stream (seam_edge_stream_open) sends many inferences of one session over
 * one InferStream call, for camera pipelines: submit frames as they come,
 * receive results as they finish.
 *
 * Nothing here exposes gRPC or protobuf. seam_edge_infer may be called from
 * several threads at once on one session. */
#ifndef SEAM_EDGE_H
#define SEAM_EDGE_H

#include <stddef.h>
#include <stdint.h>

#include "seam/profile.h"
#include "seam/status.h"
#include "seam/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the cut tensors cross the network. F16 and INT8 apply to float32
 * tensors; others always travel RAW. */
typedef enum seam_edge_codec {
  SEAM_EDGE_CODEC_RAW = 0,  /* lossless: the split equals the local run exactly */
  SEAM_EDGE_CODEC_F16 = 1,  /* IEEE half, 2 bytes per element */
  SEAM_EDGE_CODEC_INT8 = 2  /* 1 byte per element, one scale and zero point per tensor */
} seam_edge_codec;

/* Zero-initialize, then set what you need; fields may be added at the end. */
typedef struct seam_edge_config {
  const char *model_path; /* the ONNX file; required */
  /* The worker's "HOST:PORT"; NULL or "" = local only (no network). */
  const char *endpoint;
  /* The model's name in the worker's repository (DIR/<name>/model.onnx).
   * NULL = the name of the folder holding the file when it is called
   * model.onnx, otherwise the file's name without ".onnx". */
  const char *model_name;
  /* NULL or "local": everything on the device; "cloud": send the graph
   * inputs; "auto": chosen per request from the plan at plan_path (the
   * dynamic policy, below); otherwise a comma-separated list of tensor names
   * (a cut, as listed by `seam cuts`). Any tensor of the ONNX file may be
   * named, also one graph optimization would remove (a Conv output before
   * its fused Relu): the session loads the model with the cut's tensors kept
   * (seam_model_options.keep_tensors), and the worker serves such a cut with
   * a variant of the model that keeps them too. */
  const char *cut;
  int deadline_ms;        /* per inference, from the call; 0 = none */
  seam_edge_codec codec;
  int zstd_level;         /* 0 = no compression; else a zstd level */
  int threads;            /* threads of the device's model runs; 0 = online cores */
  /* How long one attempt to connect to the worker may take (TCP connect and
   * the HTTP/2 handshake, up to the worker's first SETTINGS frame), in ms;
   * 0 = SEAM_EDGE_CONNECT_TIMEOUT_DEFAULT_MS. A call waiting for a
   * connection that does not come in time falls back (reason NETWORK);
   * while the worker stays unreachable, later calls fall back at once until
   * gRPC's next attempt, which follows after a backoff that starts at this
   * timeout and grows (x1.6, up to 120 s). */
  int connect_timeout_ms;
  /* cut = "auto": the plan `seam partition` wrote for this model file (a
   * plan for another file is refused, SEAM_ERR_INVALID_ARGUMENT). The
   * session then runs each request on the plan's cut for the current
   * network estimate (seam_edge_network_estimate) and the worker's reported
   * queue; runs it on the device from the start when the predicted remote
   * answer would miss deadline_ms; after 3 network failures in a row stops
   * trying the worker (a circuit breaker: requests run on the device) and
   * probes it in the background with a growing backoff (200 ms to 5 s),
   * going back to the plan when it answers; measures the link with Echo
   * probes while no request does. The plan's codec and zstd level replace
   * codec and zstd_level (its costs were measured with them). A plan may
   * hold at most 256 candidate cuts (SEAM_ERR_LIMIT beyond). */
  const char *plan_path;
  /* cut = "auto": 1 = do not warm the plan's cuts at open (by default every
   * cut's head and device tail run once on made-up inputs, so changing the
   * cut later costs no cold start on the device). */
  int skip_warmup;
  /* cut = "auto": how long the device's runs take against the plan's
   * device profile. 0 (the default): measured from every request's head
   * time (seam_edge_network.device_scale). 0.05 to 20: fixed at this, never
   * measured (other values: SEAM_ERR_INVALID_ARGUMENT at open); 1 applies the plan's device times as they are, for a plan
   * whose device profile stands for another device than this one (an
   * emulated slower phone, say). */
  double device_speed;
} seam_edge_config;

#define SEAM_EDGE_CONNECT_TIMEOUT_DEFAULT_MS 2000

/* Why the device finished the tail itself (seam_edge_timing.reason). */
typedef enum seam_edge_reason {
  SEAM_EDGE_REASON_NONE = 0,           /* no fallback */
  SEAM_EDGE_REASON_NETWORK = 1,        /* unreachable, no connection within the connect
                                          timeout, the connection or stream broke, the
                                          call was cancelled (UNAVAILABLE, CANCELLED) */
  SEAM_EDGE_REASON_DEADLINE = 2,       /* the deadline passed first (DEADLINE_EXCEEDED) */
  SEAM_EDGE_REASON_WORKER_BUSY = 3,    /* RESOURCE_EXHAUSTED: over a limit or out of memory */
  SEAM_EDGE_REASON_WORKER_ERROR = 4,   /* INTERNAL, UNKNOWN, ABORTED, DATA_LOSS */
  SEAM_EDGE_REASON_WORKER_REFUSED = 5, /* the worker will not run this request: another
                                          model file (FAILED_PRECONDITION), no such model
                                          (NOT_FOUND), UNIMPLEMENTED, INVALID_ARGUMENT,
                                          OUT_OF_RANGE, PERMISSION_DENIED ... */
  SEAM_EDGE_REASON_BAD_REPLY = 6,      /* a reply that does not parse, does not fit the
                                          model (names, dtypes, shapes, count) or holds
                                          NaN/Inf where the device's run has none */
  SEAM_EDGE_REASON_NOT_SENT = 7        /* the request could not be built (the cut tensors
                                          do not encode, e.g. INT8 of a tensor holding Inf) */
} seam_edge_reason;

#define SEAM_EDGE_REASON_COUNT 8

/* Short constant name of a reason ("network", "worker_refused"); never NULL. */
SEAM_API const char *seam_edge_reason_name(seam_edge_reason reason);

/* Where the time of one seam_edge_infer went (microseconds) and what crossed
 * the network. Zero for parts that did not happen. */
typedef struct seam_edge_timing {
  uint64_t head_us;           /* running the head on the device */
  uint64_t encode_us;         /* encoding the cut tensors */
  uint64_t bytes_up;          /* request bytes sent */
  uint64_t bytes_down;        /* reply bytes received */
  uint64_t network_us;        /* the call's round trip minus the worker's total */
  uint64_t worker_queue_us;   /* the worker's queue time */
  uint64_t worker_compute_us; /* the worker's model run (the tail) */
  uint64_t decode_us;         /* decoding the reply's tensors */
  uint64_t fallback_us;       /* running the tail on the device after a failure */
  uint64_t total_us;          /* the whole call */
  int fell_back;              /* 1 when the device finished the tail itself */
  int remote;                 /* 1 when the tail ran on the worker */
  /* The tensors sent, before encoding (float32 for float tensors, also for
   * an INT8 head's int8 cut tensors): tensor_bytes_up / bytes_up is what the
   * codec saved. */
  uint64_t tensor_bytes_up;
  /* Why the tail did not come from the worker (SEAM_EDGE_REASON_NONE when it
   * did); set with fell_back = 1, and also when the device's own run of the
   * tail failed after the worker's failure (the call's error is then the
   * device's). */
  seam_edge_reason reason;
  /* The cut this call used: "local", "cloud" or the tensor names (a string
   * that lives as long as the session). */
  const char *cut;
  /* cut = "auto": the plan's predicted end-to-end latency for that cut
   * under the estimate it was chosen with, and why it was chosen ("plan:
   * uplink 1.2 Mbit/s, RTT 40 ms, queue 0 ms; below breakpoint 3", "deadline:
   * ...", "breaker open: ..."). "fixed cut" otherwise. */
  uint64_t predicted_us;
  char decision[160];
} seam_edge_timing;

typedef struct seam_edge_session seam_edge_session;

/* Loads the model, checks the cut against it and opens the channel (which
 * connects lazily, at the first inference). NULL with err filled on failure;
 * a cut naming a tensor the model does not have is SEAM_ERR_NOT_FOUND naming
 * that tensor. */
SEAM_API seam_edge_session *seam_edge_open(const seam_edge_config *cfg, seam_error *err);

/* Runs one inference. names[i] names inputs[i] (names == NULL: the model's
 * inputs in order). n_outputs must equal the model's output count; outputs[i]
 * receives a new tensor (the caller frees it) for graph output i. timing may
 * be NULL.
 *
 * Whatever the worker does, the app gets the model's answer: when the call
 * fails with any status (unreachable, connect timeout, deadline, busy,
 * worker error, model refused) or its reply is not a valid answer for this
 * model (not an InferReply, a status other than OK inside it, an output
 * missing, extra, duplicated, misnamed, of another dtype or of a shape the
 * model and the given inputs do not allow, undecodable payload), the tail
 * runs on the device from the cut tensors: the status is SEAM_OK,
 * timing->fell_back is 1, timing->reason says why and err's message names
 * what the worker answered. A reply holding NaN or Inf although every
 * tensor sent was finite is checked by running the tail on the device, and
 * the device's outputs are returned (fell_back = 1, SEAM_EDGE_REASON_BAD_REPLY,
 * when they are finite; when the device gets non-finite values too, that is
 * the model's answer: remote = 1, fell_back = 0). Only errors a run on the
 * device would repeat are returned: bad arguments or inputs (the head, or
 * for the "cloud" cut the device's run of the whole model, fails), or the
 * device's run of the tail failing after the worker did (timing->reason
 * still says what the worker did). On error every outputs[i] is NULL. */
SEAM_API seam_status seam_edge_infer(seam_edge_session *s, size_t n_inputs,
                                     const char *const *names, const seam_tensor *const *inputs,
                                     size_t n_outputs, seam_tensor **outputs,
                                     seam_edge_timing *timing, seam_error *err);

/* The model's graph outputs, as seam_edge_infer returns them, and its graph
 * inputs; names live as long as the session. */
SEAM_API size_t seam_edge_output_count(const seam_edge_session *s);
SEAM_API const char *seam_edge_output_name(const seam_edge_session *s, size_t i);
SEAM_API size_t seam_edge_input_count(const seam_edge_session *s);
SEAM_API const char *seam_edge_input_name(const seam_edge_session *s, size_t i);
/* The underlying model (seam/runtime.h), for inspection; owned by the session. */
SEAM_API const struct seam_model *seam_edge_model(const seam_edge_session *s);

/* The network as an "auto" session estimates it now: from every real call
 * (bytes and time each way, the worker's own time subtracted) and from Echo
 * probes, each a median over the last few samples smoothed by an EWMA
 * (a single outlier is ignored, a step change followed within about five
 * samples). The plan's conditions before the first sample. */
typedef struct seam_edge_network {
  double up_mbps, down_mbps; /* Mbit/s */
  double rtt_ms;             /* round trip of an empty call */
  double queue_ms;           /* the worker's reported queue time */
  int samples;               /* samples taken so far */
  double age_ms;             /* since the last sample; -1 before any */
  int breaker_open;          /* 1 while the session has stopped trying the worker */
  /* The device's run times against the plan's profile (1: as profiled, 2:
   * twice as slow), from every request's head time; the plan's device
   * terms are scaled by it. */
  double device_scale;
} seam_edge_network;

/* Fills *out; SEAM_ERR_INVALID_ARGUMENT when s or out is NULL or the session's
 * cut is not "auto" (a fixed cut keeps no estimate). */
SEAM_API seam_status seam_edge_network_estimate(seam_edge_session *s, seam_edge_network *out,
                                                seam_error *err);

/* Closes the session; accepts NULL. Close its streams first. */
SEAM_API void seam_edge_close(seam_edge_session *s);

/* What to ask a worker's Profile for. Zero-initialize, then set what you
 * need; fields may be added at the end. */
typedef struct seam_edge_profile_request {
  const char *endpoint;   /* the worker's "HOST:PORT"; required */
  const char *model_path; /* the ONNX file here: its SHA-256 is the model's identity; required */
  const char *model_name; /* NULL: as seam_edge_config.model_name */
  int runs;               /* timed runs; 0 = the worker's default (10); at most 1000 */
  int warmup;             /* warm-up runs; 0 = the worker's default (2); at most 100 */
  /* Values for symbolic input dimensions, by name (others are 1). */
  size_t n_dims;
  const char *const *dim_names;
  const int64_t *dim_values;
  int timeout_ms;         /* for the whole call; 0 = none */
} seam_edge_profile_request;

/* Asks the worker for its own profile of the model: the worker times its
 * run node by node on the threads and kernels its inferences use (or
 * answers from its cache; *cached, which may be NULL, is then 1). *result
 * receives the profile (free it with seam_profile_free), the same form
 * seam_profile_run gives, so a partitioner reads device and worker costs
 * alike. On failure *result is NULL and err names the RPC status and the
 * worker's message: SEAM_ERR_NOT_FOUND (the worker has no model of that
 * name), SEAM_ERR_INVALID_ARGUMENT (the worker holds a different file, or
 * bad runs, warmup or dims), SEAM_ERR_NO_MEMORY (inputs over the worker's
 * tensor limit, or the worker is busy with another profile: retry later),
 * SEAM_ERR_CANCELLED (the timeout passed), SEAM_ERR_IO (the file cannot be
 * read, or the worker cannot be reached). */
SEAM_API seam_status seam_edge_profile_remote(const seam_edge_profile_request *request,
                                              seam_profile **result, int *cached, seam_error *err);
/* ---- Streams -------------------------------------------------------------
 *
 * A stream pipelines the inferences of one session over one InferStream
 * call: seam_edge_stream_submit runs the head of a frame on the device,
 * encodes the cut tensors with the session's codec and sends them;
 * seam_edge_stream_receive returns the next finished frame, in whatever
 * order frames finish (each carries the caller's tag). Up to max_in_flight
 * frames may be between submit and receive; a full stream refuses a submit
 * with SEAM_ERR_AGAIN rather than blocking (a camera drops or delays that
 * frame: the caller decides).
 *
 * Fallback continues, it does not restart: each frame keeps its cut tensors
 * until its reply arrives. When the worker answers a frame with any status
 * other than OK (busy, failing, another model file, no such model, ...), or
 * with a reply that does not fit the model (checked as for seam_edge_infer,
 * NaN/Inf included), or when the frame's deadline (the session's
 * deadline_ms, counted from its submit) passes first, the device finishes
 * that frame's tail itself: receive returns it with SEAM_OK, fell_back = 1,
 * timing->reason and the worker's answer in err's message; the stream goes
 * on. When the stream breaks (the worker is gone, shuts down or ends the
 * stream, no connection within the connect timeout, a message that is not
 * an InferReply or has no request_id), every frame still waiting finishes on
 * the device the same way, and a broken stream stays broken: frames
 * submitted later run on the device (fell_back = 1); open a new stream to
 * try the worker again. Only the device's own failure (its run of the tail
 * fails too, e.g. a bad input with the "cloud" cut) is a frame's error:
 * receive returns it with the frame's tag. With the "local" cut every frame
 * runs on the device at submit; with "cloud" the frame's inputs are sent
 * (and kept for a fallback).
 *
 * Thread-safety: one thread may submit while another receives (or one
 * thread does both); no two threads may submit, or receive, on one stream
 * at once. Close when neither runs. Several streams of one session may run
 * in parallel. The session must outlive its streams. */
typedef struct seam_edge_stream seam_edge_stream;

#define SEAM_EDGE_STREAM_DEFAULT_IN_FLIGHT 8

/* Opens a stream on the session with room for max_in_flight frames
 * (1..1024; 0 = SEAM_EDGE_STREAM_DEFAULT_IN_FLIGHT). Does not wait for the
 * worker: an unreachable worker shows as frames that fall back. NULL with
 * err filled on failure (bad arguments, no memory). */
SEAM_API seam_edge_stream *seam_edge_stream_open(seam_edge_session *s, int max_in_flight,
                                                 seam_error *err);

/* Submits one frame: names and inputs as for seam_edge_infer; tag is the
 * caller's and comes back with the frame's result. Runs the head now (the
 * whole model with the "local" cut), so bad inputs fail here with nothing
 * in flight. SEAM_ERR_AGAIN (nothing done) when max_in_flight frames are
 * waiting to be received. Blocks only while the connection is being made
 * (at most the connect timeout) or gRPC's flow control holds the message,
 * and never past the frame's deadline: a send still waiting then breaks the
 * stream (the frame falls back, SEAM_EDGE_REASON_DEADLINE). Without a
 * deadline a send waits at most 10 s (a worker that reads nothing that long
 * breaks the stream). The caller keeps its inputs; the stream copies what
 * it needs. */
SEAM_API seam_status seam_edge_stream_submit(seam_edge_stream *st, size_t n_inputs,
                                             const char *const *names,
                                             const seam_tensor *const *inputs, uint64_t tag,
                                             seam_error *err);

/* Returns the next finished frame: *tag (may be NULL) receives its tag,
 * outputs[i] a new tensor for graph output i (n_outputs must equal the
 * model's output count), timing (may be NULL) its breakdown as for
 * seam_edge_infer (total_us: from its submit until receive returned it;
 * network_us: from sending until receive read the reply, minus the
 * worker's time). Waits at most timeout_ms (< 0: no limit; 0: only what is
 * ready); SEAM_ERR_AGAIN when no frame finished in that time (nothing is
 * lost: call again). Fallbacks run here, on the receiving thread. A frame
 * whose fallback failed on the device returns that error with *tag set and
 * every outputs[i] NULL. */
SEAM_API seam_status seam_edge_stream_receive(seam_edge_stream *st, size_t n_outputs,
                                              seam_tensor **outputs, uint64_t *tag,
                                              seam_edge_timing *timing, int timeout_ms,
                                              seam_error *err);

/* Frames submitted and not yet returned by receive. */
SEAM_API int seam_edge_stream_in_flight(seam_edge_stream *st);

/* Closes the stream: half-closes it when every frame was received (the
 * worker then ends it with OK), otherwise cancels it; frames not yet
 * received are dropped. Accepts NULL. */
SEAM_API void seam_edge_stream_close(seam_edge_stream *st);

#ifdef __cplusplus
}
#endif
#endif /* SEAM_EDGE_H */

/* seam — the edge client: split inference between this device and a worker.
 *
 * A session holds the model (loaded on the device), the cut and a channel to
 * a seam-cloud worker. seam_edge_infer runs the head of the model here (the
 * nodes up to the cut tensors), sends the cut tensors to the worker, which
 * runs the tail, and returns the graph outputs: the same outputs as a local
 * run (exactly with the RAW codec). When the worker cannot be reached or does
 * not answer within the deadline, the device finishes the tail itself from
 * the cut tensors it already computed (it does not start over).
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
   * inputs; otherwise a comma-separated list of tensor names (a cut, as
   * listed by `seam cuts`). */
  const char *cut;
  int deadline_ms;        /* per inference, from the call; 0 = none */
  seam_edge_codec codec;
  int zstd_level;         /* 0 = no compression; else a zstd level */
  int threads;            /* threads of the device's model runs; 0 = online cores */
} seam_edge_config;

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
 * be NULL. After a network failure (unreachable worker, deadline) the tail
 * runs on the device: the status is then SEAM_OK, timing->fell_back is 1 and
 * err's message says why. Any other failure leaves every outputs[i] NULL. */
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
 * until its reply arrives. When the stream breaks (the worker is gone or
 * shuts down, a reply is not an InferReply), or when a frame's deadline
 * (the session's deadline_ms, counted from its submit) passes first, or the
 * worker answers UNAVAILABLE or DEADLINE_EXCEEDED, the device finishes that
 * frame's tail itself and receive returns it with SEAM_OK, fell_back = 1
 * and the reason in err's message. A broken stream stays broken: frames
 * submitted later run on the device (fell_back = 1); open a new stream to
 * try the worker again. Other errors the worker reports for one frame
 * (wrong model hash, unknown model, bad tensor) are that frame's result:
 * receive returns the error with the frame's tag, and the stream goes on.
 * With the "local" cut every frame runs on the device at submit; with
 * "cloud" the frame's inputs are sent (and kept for a fallback).
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
 * waiting to be received. Blocks only while gRPC's flow control holds the
 * message (a worker that reads nothing for 10 s breaks the stream). The
 * caller keeps its inputs; the stream copies what it needs. */
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
 * the worker refused returns its error with *tag set and every outputs[i]
 * NULL. */
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

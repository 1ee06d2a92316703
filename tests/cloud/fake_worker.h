/* A fake seam worker inside a test: a gRPC server on 127.0.0.1 (a free
 * port) built on protocol/grpc_server.h, answering Infer and InferStream
 * with crafted replies, to check what the edge does with each. It holds the
 * model and can also answer honestly (running the tail itself). */
#ifndef SEAM_TESTS_CLOUD_FAKE_WORKER_H
#define SEAM_TESTS_CLOUD_FAKE_WORKER_H

#include <stddef.h>

typedef enum fake_mode {
  FAKE_HONEST,          /* the model's outputs for the tensors received (RAW) */
  FAKE_STATUS,          /* unary: the call fails with the code; streams: a reply with the code */
  FAKE_INNER_STATUS,    /* an OK call whose InferReply carries the code */
  FAKE_END_STREAM,      /* streams: the stream ends with the code (unary: as FAKE_STATUS) */
  FAKE_SHAPE_1X3,       /* the output as float32 [1,3] */
  FAKE_BATCH_PLUS_ONE,  /* the output with a batch one larger than the inputs' */
  FAKE_FIXED_DIM,       /* the output with its last (fixed) dim one larger */
  FAKE_RANK,            /* the output flattened to one dim */
  FAKE_NAME,            /* the output under another name */
  FAKE_INT64,           /* the output as int64 of the right shape */
  FAKE_NAN,             /* the output of the right shape, every value NaN */
  FAKE_GARBAGE,         /* bytes that are no protobuf message */
  FAKE_NOT_REPLY,       /* a protobuf message that is not an InferReply */
  FAKE_NO_OUTPUTS,      /* an InferReply with status OK and no outputs */
  FAKE_EMPTY,           /* a message of zero bytes */
  FAKE_DUPLICATE,       /* the output twice */
  FAKE_EXTRA,           /* the output and one more the model does not have */
  FAKE_BAD_PAYLOAD,     /* the output's payload one byte short */
  FAKE_WRONG_ID         /* an honest reply for another request_id */
} fake_mode;

typedef struct fake_worker fake_worker;

/* Loads the model (its graph outputs are what an honest reply holds) and
 * starts the server; NULL with why filled on failure. *port receives the
 * bound port. */
fake_worker *fake_worker_start(const char *model_path, int *port, char *why, size_t why_size);

/* What the next requests get: mode, and the code for the status modes. */
void fake_worker_set(fake_worker *w, fake_mode mode, int code);

/* Requests (unary calls and stream messages) handled so far. */
int fake_worker_requests(fake_worker *w);

/* A name for a mode, for messages. */
const char *fake_mode_name(fake_mode mode);

/* Stops the server (in-flight calls get 1 s) and frees everything; accepts NULL. */
void fake_worker_stop(fake_worker *w);

#endif

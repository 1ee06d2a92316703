/* seam run: batches split into samples and stacked back, edge timings
 * summed, and --stream (each sample one frame of an InferStream). */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "runtime/tensor.h"
#include "seam/edge.h"

#define STREAM_IN_FLIGHT 8
#define STREAM_RECEIVE_MS 60000 /* one frame; longer is reported as an error */

seam_tensor *cli_slice_sample(const seam_tensor *t, int64_t i, seam_error *err) {
  int64_t dims[SEAM_MAX_RANK];
  memcpy(dims, t->dims, sizeof dims);
  dims[0] = 1;
  seam_tensor *out = seam_tensor_create(t->dtype, (size_t)t->rank, dims, err);
  if (out) {
    size_t bytes = seam_tensor_nbytes(out);
    memcpy(out->data, (const char *)t->data + (size_t)i * bytes, bytes);
  }
  return out;
}

seam_status cli_stack_sample(seam_tensor **whole, const seam_tensor *s, int64_t b, int64_t batch,
                             seam_error *err) {
  if (!*whole) {
    int64_t dims[SEAM_MAX_RANK];
    memcpy(dims, s->dims, sizeof dims);
    dims[0] = s->rank > 0 ? s->dims[0] * batch : 1;
    if (!(*whole = seam_tensor_create(s->dtype, (size_t)s->rank, dims, err))) return SEAM_ERR_NO_MEMORY;
  }
  size_t bytes = seam_tensor_nbytes(s);
  if (bytes * (size_t)batch != seam_tensor_nbytes(*whole) || seam_tensor_dtype(s) != (*whole)->dtype) {
    snprintf(err->message, sizeof err->message, "an output changes shape between samples");
    err->status = SEAM_ERR_SHAPE;
    return SEAM_ERR_SHAPE;
  }
  memcpy((char *)(*whole)->data + (size_t)b * bytes, s->data, bytes);
  return SEAM_OK;
}

void cli_edge_totals_add(cli_edge_totals *totals, const seam_edge_timing *t, const char *message) {
  seam_edge_timing *sum = &totals->sum;
  sum->head_us += t->head_us;
  sum->encode_us += t->encode_us;
  sum->bytes_up += t->bytes_up;
  sum->tensor_bytes_up += t->tensor_bytes_up;
  sum->bytes_down += t->bytes_down;
  sum->network_us += t->network_us;
  sum->worker_queue_us += t->worker_queue_us;
  sum->worker_compute_us += t->worker_compute_us;
  sum->decode_us += t->decode_us;
  sum->fallback_us += t->fallback_us;
  sum->total_us += t->total_us;
  sum->fell_back += t->fell_back;
  sum->remote += t->remote;
  totals->runs++;
  if (t->fell_back) {
    if ((unsigned)t->reason < SEAM_EDGE_REASON_COUNT) totals->fallbacks[t->reason]++;
    snprintf(totals->note, sizeof totals->note, "%s", message ? message : "");
  }
}

void cli_edge_totals_print_fallbacks(const cli_edge_totals *t) {
  if (!t->sum.fell_back) return;
  printf("  fell back to the device: %d (", t->sum.fell_back);
  const char *sep = "";
  for (int r = 0; r < SEAM_EDGE_REASON_COUNT; r++)
    if (t->fallbacks[r]) {
      printf("%s%s %d", sep, seam_edge_reason_name((seam_edge_reason)r), t->fallbacks[r]);
      sep = ", ";
    }
  printf(")\n  last fallback: %s\n", t->note);
}

static void print_frame(uint64_t tag, const seam_edge_timing *t) {
  char where[32];
  if (t->fell_back)
    snprintf(where, sizeof where, "fell back (%s)", seam_edge_reason_name(t->reason));
  else
    snprintf(where, sizeof where, "%s", t->remote ? "worker" : "device");
  printf("  frame %3llu: %-9s head %llu  encode %llu  up %llu B  network %llu  worker queue %llu"
         "  worker compute %llu  down %llu B  decode %llu  fallback %llu  total %llu us\n",
         (unsigned long long)tag, where,
         (unsigned long long)t->head_us, (unsigned long long)t->encode_us,
         (unsigned long long)t->bytes_up, (unsigned long long)t->network_us,
         (unsigned long long)t->worker_queue_us, (unsigned long long)t->worker_compute_us,
         (unsigned long long)t->bytes_down, (unsigned long long)t->decode_us,
         (unsigned long long)t->fallback_us, (unsigned long long)t->total_us);
}

/* Receives one frame and stacks its outputs at its sample's place. */
static seam_status receive_one(seam_edge_stream *st, int64_t batch, size_t n_out,
                               seam_tensor **outputs, cli_edge_totals *totals, seam_error *err) {
  seam_tensor *frame[16] = {0};
  uint64_t tag = 0;
  seam_edge_timing t;
  seam_status rc =
      seam_edge_stream_receive(st, n_out, frame, &tag, &t, STREAM_RECEIVE_MS, err);
  if (rc == SEAM_ERR_AGAIN) {
    snprintf(err->message, sizeof err->message, "no frame finished within %d s",
             STREAM_RECEIVE_MS / 1000);
    return SEAM_ERR_INTERNAL;
  }
  if (rc == SEAM_OK && tag >= (uint64_t)batch) {
    snprintf(err->message, sizeof err->message, "the stream returned an unknown frame %llu",
             (unsigned long long)tag);
    rc = err->status = SEAM_ERR_INTERNAL;
  }
  if (rc == SEAM_OK) {
    print_frame(tag, &t);
    cli_edge_totals_add(totals, &t, err->message);
  }
  for (size_t o = 0; o < n_out; o++) {
    if (rc == SEAM_OK) rc = cli_stack_sample(&outputs[o], frame[o], (int64_t)tag, batch, err);
    seam_tensor_free(frame[o]);
  }
  return rc;
}

seam_status cli_run_stream(seam_edge_session *s, size_t n_in, const char **names,
                           seam_tensor **inputs, int64_t batch, size_t n_out, seam_tensor **outputs,
                           cli_edge_totals *totals, seam_error *err) {
  if (n_out > 16 || n_in > 16) {
    snprintf(err->message, sizeof err->message, "--stream handles up to 16 inputs and outputs");
    return err->status = SEAM_ERR_UNSUPPORTED;
  }
  seam_edge_stream *st = seam_edge_stream_open(s, STREAM_IN_FLIGHT, err);
  if (!st) return err->status;
  printf("stream: %lld frames, up to %d in flight\n", (long long)batch, STREAM_IN_FLIGHT);
  seam_status rc = SEAM_OK;
  int64_t submitted = 0, received = 0;
  while (rc == SEAM_OK && received < batch) {
    if (submitted < batch && seam_edge_stream_in_flight(st) < STREAM_IN_FLIGHT) {
      seam_tensor *sample[16] = {0};
      for (size_t i = 0; i < n_in && rc == SEAM_OK; i++)
        if (!(sample[i] = cli_slice_sample(inputs[i], submitted, err))) rc = SEAM_ERR_NO_MEMORY;
      if (rc == SEAM_OK)
        rc = seam_edge_stream_submit(st, n_in, names, (const seam_tensor *const *)sample,
                                     (uint64_t)submitted, err);
      for (size_t i = 0; i < n_in; i++) seam_tensor_free(sample[i]);
      submitted++;
      continue;
    }
    rc = receive_one(st, batch, n_out, outputs, totals, err);
    received++;
  }
  seam_edge_stream_close(st);
  return rc;
}

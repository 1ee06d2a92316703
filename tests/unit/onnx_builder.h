/* Builds small ONNX models in memory for tests, with protobuf-c's generated
 * API, so each test states its graph in a few lines. */
#ifndef SEAM_TESTS_ONNX_BUILDER_H
#define SEAM_TESTS_ONNX_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "onnx/onnx.pb-c.h"
#include "seam/tensor.h"

typedef struct tb_model tb_model;

/* How an initializer stores its values. */
typedef enum { TB_RAW, TB_TYPED, TB_EXTERNAL } tb_storage;

tb_model *tb_new(int opset);
void tb_free(tb_model *m);

/* A graph input; dims[i] < 0 makes dimension i symbolic (named "d<i>"). */
void tb_input(tb_model *m, const char *name, seam_dtype dtype, int rank, const int64_t *dims);
void tb_output(tb_model *m, const char *name);
/* A float32 initializer. TB_EXTERNAL writes the values to ext_dir/<name>.bin. */
void tb_init_f32(tb_model *m, const char *name, int rank, const int64_t *dims, const float *values,
                 tb_storage storage, const char *ext_dir);
/* Deterministic pseudo-random values in [lo, hi). */
void tb_fill_random(float *x, size_t n, unsigned seed, float lo, float hi);
/* A float32 initializer (raw data) of such values. */
void tb_init_random(tb_model *m, const char *name, int rank, const int64_t *dims, unsigned seed, float lo,
                    float hi);
/* BatchNormalization parameters <prefix>_scale, _bias, _mean and _var for c
 * channels: deterministic values in ranges a trained layer could have. */
void tb_init_bn(tb_model *m, const char *prefix, int64_t c, unsigned seed);
void tb_init_i64(tb_model *m, const char *name, int rank, const int64_t *dims, const int64_t *values);
/* An initializer of any fixed-size dtype (raw data; values in host order). */
void tb_init_raw(tb_model *m, const char *name, seam_dtype dtype, int rank, const int64_t *dims,
                 const void *values);
/* A node; inputs and outputs are comma-separated names ("" for an omitted optional). */
Onnx__NodeProto *tb_node(tb_model *m, const char *op_type, const char *name, const char *inputs,
                         const char *outputs);
void tb_attr_int(tb_model *m, Onnx__NodeProto *node, const char *name, int64_t value);
void tb_attr_float(tb_model *m, Onnx__NodeProto *node, const char *name, float value);
void tb_attr_ints(tb_model *m, Onnx__NodeProto *node, const char *name, int n, const int64_t *values);
void tb_attr_string(tb_model *m, Onnx__NodeProto *node, const char *name, const char *value);

/* Serializes the model; the bytes belong to m. */
const void *tb_bytes(tb_model *m, size_t *size);

#endif

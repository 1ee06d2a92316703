/* Comparing the outputs of split and local runs in the loopback tests. */
#ifndef SEAM_TESTS_CLOUD_TENSOR_CHECK_H
#define SEAM_TESTS_CLOUD_TENSOR_CHECK_H

#include <stdbool.h>

#include "seam/tensor.h"

/* Same dtype, shape and bytes. */
bool tensor_same(const seam_tensor *a, const seam_tensor *b);

/* max |a - b| over two float32 tensors of the same element count; -1 when
 * they are not that. */
double tensor_max_abs_diff(const seam_tensor *a, const seam_tensor *b);

/* max |t| of a float32 tensor (0 for other dtypes). */
double tensor_max_abs(const seam_tensor *t);

/* The smallest and largest value of a float32 tensor, widened to include 0
 * (the range the INT8 codec encodes). */
void tensor_range(const seam_tensor *t, double *lo, double *hi);

/* Rows of a tensor whose last dim is a row (count / last dim). */
int tensor_rows(const seam_tensor *t);

/* Top-1 index of each row (the last dim) of a float32 tensor, for the first
 * max rows; returns the number of rows written. */
int tensor_top1(const seam_tensor *t, int *out, int max);

/* The gap between the largest and second largest value of row r (the last
 * dim) of a float32 tensor; +inf for rows of one element. */
double tensor_top1_margin(const seam_tensor *t, int r);

#endif

/* The type ONNX gives each attribute of the operators seam runs. In the
 * default domain an attribute name has one type in every operator that has
 * it, with four exceptions (see seam_attr_expected_type), so one table by
 * name serves every op. tests/models/test_cli_tools.py checks the table
 * against the schemas of Debian's onnx package. */
#include "runtime/attr_types.h"

#include <stdlib.h>
#include <string.h>

typedef struct attr_type_row {
  const char *name;
  seam_attr_type type;
} attr_type_row;

/* Sorted by name (strcmp order) for bsearch. */
static const attr_type_row k_types[] = {
    {"activation_alpha", SEAM_ATTR_FLOATS},
    {"activation_beta", SEAM_ATTR_FLOATS},
    {"activations", SEAM_ATTR_STRINGS},
    {"align_corners", SEAM_ATTR_INT},
    {"allowzero", SEAM_ATTR_INT},
    {"alpha", SEAM_ATTR_FLOAT},
    {"auto_pad", SEAM_ATTR_STRING},
    {"axes", SEAM_ATTR_INTS},
    {"axis", SEAM_ATTR_INT},
    {"batch_axis", SEAM_ATTR_INT},
    {"batch_dims", SEAM_ATTR_INT},
    {"beta", SEAM_ATTR_FLOAT},
    {"bias", SEAM_ATTR_FLOAT},
    {"blocksize", SEAM_ATTR_INT},
    {"broadcast", SEAM_ATTR_INT},
    {"case_change_action", SEAM_ATTR_STRING},
    {"ceil_mode", SEAM_ATTR_INT},
    {"center_point_box", SEAM_ATTR_INT},
    {"clip", SEAM_ATTR_FLOAT},
    {"consumed_inputs", SEAM_ATTR_INTS},
    {"coordinate_transformation_mode", SEAM_ATTR_STRING},
    {"count_include_pad", SEAM_ATTR_INT},
    {"cubic_coeff_a", SEAM_ATTR_FLOAT},
    {"detect_negative", SEAM_ATTR_INT},
    {"detect_positive", SEAM_ATTR_INT},
    {"dilations", SEAM_ATTR_INTS},
    {"direction", SEAM_ATTR_STRING},
    {"directions", SEAM_ATTR_INTS},
    {"dtype", SEAM_ATTR_INT},
    {"end", SEAM_ATTR_INT},
    {"ends", SEAM_ATTR_INTS},
    {"epsilon", SEAM_ATTR_FLOAT},
    {"equation", SEAM_ATTR_STRING},
    {"exclude_outside", SEAM_ATTR_INT},
    {"exclusive", SEAM_ATTR_INT},
    {"extrapolation_value", SEAM_ATTR_FLOAT},
    {"fmod", SEAM_ATTR_INT},
    {"gamma", SEAM_ATTR_FLOAT},
    {"group", SEAM_ATTR_INT},
    {"height_scale", SEAM_ATTR_FLOAT},
    {"hidden_size", SEAM_ATTR_INT},
    {"high", SEAM_ATTR_FLOAT},
    {"ignore_index", SEAM_ATTR_INT},
    {"input_forget", SEAM_ATTR_INT},
    {"inverse", SEAM_ATTR_INT},
    {"is_case_sensitive", SEAM_ATTR_INT},
    {"is_test", SEAM_ATTR_INT},
    {"k", SEAM_ATTR_INT},
    {"keepdims", SEAM_ATTR_INT},
    {"kernel_shape", SEAM_ATTR_INTS},
    {"lambd", SEAM_ATTR_FLOAT},
    {"largest", SEAM_ATTR_INT},
    {"layout", SEAM_ATTR_INT},
    {"linear_before_reset", SEAM_ATTR_INT},
    {"locale", SEAM_ATTR_STRING},
    {"low", SEAM_ATTR_FLOAT},
    {"max", SEAM_ATTR_FLOAT},
    {"max_gram_length", SEAM_ATTR_INT},
    {"max_skip_count", SEAM_ATTR_INT},
    {"mean", SEAM_ATTR_FLOAT},
    {"min", SEAM_ATTR_FLOAT},
    {"min_gram_length", SEAM_ATTR_INT},
    {"mode", SEAM_ATTR_STRING},
    {"momentum", SEAM_ATTR_FLOAT},
    {"nearest_mode", SEAM_ATTR_STRING},
    {"new_axis", SEAM_ATTR_INT},
    {"ngram_counts", SEAM_ATTR_INTS},
    {"ngram_indexes", SEAM_ATTR_INTS},
    {"noop_with_empty_axes", SEAM_ATTR_INT},
    {"num_scan_inputs", SEAM_ATTR_INT},
    {"onesided", SEAM_ATTR_INT},
    {"output_datatype", SEAM_ATTR_INT},
    {"output_height", SEAM_ATTR_INT},
    {"output_padding", SEAM_ATTR_INTS},
    {"output_sequence", SEAM_ATTR_INT},
    {"output_shape", SEAM_ATTR_INTS},
    {"output_width", SEAM_ATTR_INT},
    {"padding_mode", SEAM_ATTR_STRING},
    {"paddings", SEAM_ATTR_INTS},
    {"pads", SEAM_ATTR_INTS},
    {"periodic", SEAM_ATTR_INT},
    {"perm", SEAM_ATTR_INTS},
    {"pool_int64s", SEAM_ATTR_INTS},
    {"pool_strings", SEAM_ATTR_STRINGS},
    {"pooled_shape", SEAM_ATTR_INTS},
    {"ratio", SEAM_ATTR_FLOAT},
    {"reduction", SEAM_ATTR_STRING},
    {"reverse", SEAM_ATTR_INT},
    {"sample_size", SEAM_ATTR_INT},
    {"sampling_ratio", SEAM_ATTR_INT},
    {"scale", SEAM_ATTR_FLOAT},
    {"scales", SEAM_ATTR_FLOATS},
    {"scan_input_axes", SEAM_ATTR_INTS},
    {"scan_input_directions", SEAM_ATTR_INTS},
    {"scan_output_axes", SEAM_ATTR_INTS},
    {"scan_output_directions", SEAM_ATTR_INTS},
    {"select_last_index", SEAM_ATTR_INT},
    {"shape", SEAM_ATTR_INTS},
    {"size", SEAM_ATTR_INT},
    {"sorted", SEAM_ATTR_INT},
    {"spatial", SEAM_ATTR_INT},
    {"spatial_scale", SEAM_ATTR_FLOAT},
    {"split", SEAM_ATTR_INTS},
    {"start", SEAM_ATTR_INT},
    {"starts", SEAM_ATTR_INTS},
    {"stash_type", SEAM_ATTR_INT},
    {"stopwords", SEAM_ATTR_STRINGS},
    {"storage_order", SEAM_ATTR_INT},
    {"strides", SEAM_ATTR_INTS},
    {"time_axis", SEAM_ATTR_INT},
    {"training_mode", SEAM_ATTR_INT},
    {"transA", SEAM_ATTR_INT},
    {"transB", SEAM_ATTR_INT},
    {"upper", SEAM_ATTR_INT},
    {"value_float", SEAM_ATTR_FLOAT},
    {"value_floats", SEAM_ATTR_FLOATS},
    {"value_int", SEAM_ATTR_INT},
    {"value_ints", SEAM_ATTR_INTS},
    {"value_string", SEAM_ATTR_STRING},
    {"value_strings", SEAM_ATTR_STRINGS},
    {"weights", SEAM_ATTR_FLOATS},
    {"width_scale", SEAM_ATTR_FLOAT},
};

static int by_name(const void *key, const void *row) {
  return strcmp(key, ((const attr_type_row *)row)->name);
}

seam_attr_type seam_attr_expected_type(const char *op_type, int opset, const char *name) {
  if (strcmp(name, "p") == 0) /* LpPool's exponent was a float in opset 1 */
    return (strcmp(op_type, "LpPool") == 0 || strcmp(op_type, "GlobalLpPool") == 0) && opset < 2 ? SEAM_ATTR_FLOAT
                                                                                                    : SEAM_ATTR_INT;
  if (strcmp(name, "seed") == 0) return strcmp(op_type, "Dropout") == 0 ? SEAM_ATTR_INT : SEAM_ATTR_FLOAT;
  if (strcmp(name, "to") == 0) /* Cast named the type as a string before opset 6 */
    return strcmp(op_type, "Cast") == 0 && opset < 6 ? SEAM_ATTR_STRING : SEAM_ATTR_INT;
  if (strcmp(name, "value") == 0) return strcmp(op_type, "Pad") == 0 ? SEAM_ATTR_FLOAT : SEAM_ATTR_TENSOR;
  const attr_type_row *row = bsearch(name, k_types, sizeof k_types / sizeof k_types[0], sizeof k_types[0], by_name);
  return row ? row->type : (seam_attr_type)0;
}

const char *seam_attr_type_name(seam_attr_type type) {
  switch (type) {
  case SEAM_ATTR_FLOAT: return "FLOAT";
  case SEAM_ATTR_INT: return "INT";
  case SEAM_ATTR_STRING: return "STRING";
  case SEAM_ATTR_TENSOR: return "TENSOR";
  case SEAM_ATTR_GRAPH: return "GRAPH";
  case SEAM_ATTR_FLOATS: return "FLOATS";
  case SEAM_ATTR_INTS: return "INTS";
  case SEAM_ATTR_STRINGS: return "STRINGS";
  }
  return "an unknown type";
}
